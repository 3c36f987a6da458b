//===- Signature.cpp - kernel signatures from the syntax tree --------------===//

#include "runtime/Signature.h"

#include "compiler/frontend/Autotune.h"
#include "compiler/frontend/Diagnostics.h"
#include "compiler/frontend/Parser.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

namespace lacc::detail {

static ConstValue constValue(const ast::Literal &v) {
  switch (v.kind) {
  case ast::Literal::Kind::Bool: return ConstValue(v.boolValue);
  case ast::Literal::Kind::Float: return ConstValue(v.floatValue);
  case ast::Literal::Kind::Int: break;
  }
  return ConstValue(static_cast<long long>(v.intValue));
}

/// The parser has checked every name against the parameters; here they become indices.
static std::shared_ptr<const AutotuneSpec> autotuneSpec(const std::string &fileName,
                                                        const ast::Autotune &tune,
                                                        const std::vector<Param> &params) {
  auto spec = std::make_shared<AutotuneSpec>();
  spec->where = fileName + ":" + std::to_string(tune.loc.line);
  for (const ast::TuningConfig &c : tune.configs) {
    AutotuneConfig config;
    config.number = static_cast<unsigned>(spec->configs.size() + 1);
    for (const auto &[name, value] : c.constants)
      config.constants[name] = constValue(value);
    config.numWarps = static_cast<unsigned>(c.numWarps);
    config.numStages = static_cast<unsigned>(c.numStages);
    config.text = describeConfig(c);
    spec->configs.push_back(std::move(config));
  }
  auto indices = [&](const std::vector<std::string> &names) {
    std::vector<unsigned> out;
    for (const std::string &name : names)
      for (unsigned i = 0; i < params.size(); ++i)
        if (params[i].name == name)
          out.push_back(i);
    return out;
  };
  spec->key = indices(tune.key);
  spec->restore = indices(tune.restore);
  return spec;
}

bool parseSignatures(const std::string &fileName, const std::string &source,
                     std::vector<KernelSignature> &kernels, std::string &error) {
  SourceFile file(fileName, source);
  std::string diagText;
  llvm::raw_string_ostream os(diagText);
  ast::Module module;
  bool failed;
  {
    // The engine may hold diagnostics back until it is destroyed (to sort them).
    DiagnosticEngine diag(file, os);
    module = parse(file, diag);
    failed = diag.hasErrors();
  }
  os.flush();
  if (failed) {
    error = diagText;
    return false;
  }
  kernels.clear();
  for (const auto &fn : module.functions) {
    if (!fn->isKernel)
      continue;
    KernelSignature sig;
    sig.name = fn->name;
    auto isConstName = [&](const std::string &name) {
      return llvm::any_of(fn->params,
                          [&](const ast::Param &p) { return p.isConst && p.name == name; });
    };
    for (const ast::Param &p : fn->params) {
      auto where = [&] {
        return fileName + ":" + std::to_string(p.loc.line) + ":" + std::to_string(p.loc.col) +
               ": kernel '" + fn->name + "', parameter '" + p.name + "': ";
      };
      if (p.isConst) {
        ConstParam c;
        c.name = p.name;
        c.hasDefault = p.defaultValue != nullptr;
        if (p.type && p.type->name == "dtype")
          c.kind = ConstParam::Kind::Type;
        else if (p.type && p.type->name == "str")
          c.kind = ConstParam::Kind::String;
        else if (p.type && (c.type = scalarTypeNamed(p.type->name)))
          c.kind = ConstParam::Kind::Number;
        if (p.defaultValue && p.defaultValue->kind == ast::Expr::Kind::Name) {
          c.defaultType = scalarTypeNamed(p.defaultValue->name);
          if (!c.defaultType && isConstName(p.defaultValue->name))
            c.defaultFrom = p.defaultValue->name;
        }
        sig.constants.push_back(c);
        continue;
      }
      if (!p.type) {
        error = where() + "runtime parameters need a type";
        return false;
      }
      Param param;
      param.name = p.name;
      const ast::TypeSpec *spec = p.type.get();
      if (spec->name == "ptr") {
        if (!spec->pointee) {
          error = where() + "ptr needs an element type, e.g. ptr<f32>";
          return false;
        }
        spec = spec->pointee.get();
        param.kind = Param::Kind::Pointer;
      }
      std::optional<ScalarType> t = scalarTypeNamed(spec->name);
      sig.typeFrom.push_back(t || !isConstName(spec->name) ? "" : spec->name);
      if (!t && sig.typeFrom.back().empty()) {
        error = where() + "unknown type '" + spec->name + "'";
        return false;
      }
      if (!t)
        t = ScalarType::F32; // a placeholder until resolveParamTypes
      if (param.kind != Param::Kind::Pointer &&
          (*t == ScalarType::F8E4M3 || *t == ScalarType::F8E5M2)) {
        error = where() + "fp8 values are passed through pointers, not as scalars";
        return false;
      }
      param.type = *t;
      if (param.kind != Param::Kind::Pointer)
        param.kind = isFloat(*t) ? Param::Kind::Float : Param::Kind::Int;
      param.bytes = param.kind == Param::Kind::Pointer ? 8 : byteSize(*t);
      sig.params.push_back(std::move(param));
    }
    if (fn->autotune)
      sig.autotune = autotuneSpec(fileName, *fn->autotune, sig.params);
    kernels.push_back(std::move(sig));
  }
  return true;
}

/// The type const parameter `name` holds: its value, else its default (a type, or another
/// const parameter's type). `param` is the runtime parameter it types, for messages.
static std::optional<ScalarType> typeOfConst(const KernelSignature &sig, const std::string &name,
                                             const ConstMap &values, const std::string &param,
                                             std::string &error, int depth = 0) {
  auto it = values.find(name);
  if (it != values.end()) {
    if (it->second.kind() != ConstValue::Kind::Type) {
      error = "const parameter '" + name + "' gives the type of parameter '" + param +
              "', so its value must be a type (ConstValue::type(\"bf16\")), not " +
              it->second.toString();
      return std::nullopt;
    }
    std::optional<ScalarType> t = scalarTypeNamed(it->second.asString());
    if (!t)
      error = "const parameter '" + name + "' is '" + it->second.asString() +
              "', which is not a type of the language (i1, i8, ..., f32, f64, f8e4m3, f8e5m2)";
    return t;
  }
  for (const ConstParam &c : sig.constants) {
    if (c.name != name)
      continue;
    if (c.defaultType)
      return c.defaultType;
    if (!c.defaultFrom.empty() && depth < 8)
      return typeOfConst(sig, c.defaultFrom, values, param, error, depth + 1);
  }
  error = "needs a value for const parameter '" + name + "' (it gives the type of parameter '" +
          param + "')";
  return std::nullopt;
}

bool resolveParamTypes(KernelSignature &sig, const ConstMap &values, std::string &error) {
  for (size_t i = 0; i < sig.params.size(); ++i) {
    const std::string &from = sig.typeFrom[i];
    if (from.empty())
      continue;
    Param &param = sig.params[i];
    std::optional<ScalarType> t = typeOfConst(sig, from, values, param.name, error);
    if (!t)
      return false;
    param.type = *t;
    if (param.kind != Param::Kind::Pointer) {
      if (*t == ScalarType::F8E4M3 || *t == ScalarType::F8E5M2) {
        error = "parameter '" + param.name + "' would be an fp8 scalar; fp8 values are passed "
                "through pointers";
        return false;
      }
      param.kind = isFloat(*t) ? Param::Kind::Float : Param::Kind::Int;
      param.bytes = byteSize(*t);
    }
  }
  return true;
}

} // namespace lacc::detail
