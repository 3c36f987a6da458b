//===- Signature.cpp - kernel signatures from the syntax tree --------------===//

#include "runtime/Signature.h"

#include "compiler/frontend/Autotune.h"
#include "compiler/frontend/Diagnostics.h"
#include "compiler/frontend/Parser.h"

#include "llvm/Support/raw_ostream.h"

#include <map>

namespace lacc::detail {

static std::optional<ScalarType> scalarType(const std::string &name) {
  if (name == "i1" || name == "bool") return ScalarType::I1;
  if (name == "i8") return ScalarType::I8;
  if (name == "i16") return ScalarType::I16;
  if (name == "i32") return ScalarType::I32;
  if (name == "i64") return ScalarType::I64;
  if (name == "f16") return ScalarType::F16;
  if (name == "bf16") return ScalarType::BF16;
  if (name == "f32") return ScalarType::F32;
  if (name == "f64") return ScalarType::F64;
  return std::nullopt;
}

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
    // Type-valued const parameters (`DTYPE: constexpr = f16`) by their default type: the
    // runtime's const values are numbers, so a dtype-generic kernel runs with its default.
    std::map<std::string, ScalarType> typeConsts;
    for (const ast::Param &p : fn->params)
      if (p.isConst && p.defaultValue && p.defaultValue->kind == ast::Expr::Kind::Name)
        if (std::optional<ScalarType> t = scalarType(p.defaultValue->name))
          typeConsts[p.name] = *t;
    for (const ast::Param &p : fn->params) {
      auto where = [&] {
        return fileName + ":" + std::to_string(p.loc.line) + ":" + std::to_string(p.loc.col) +
               ": kernel '" + fn->name + "', parameter '" + p.name + "': ";
      };
      if (p.isConst) {
        ConstParam c{p.name, std::nullopt, p.defaultValue != nullptr};
        if (p.type)
          c.type = scalarType(p.type->name);
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
      std::optional<ScalarType> t = scalarType(spec->name);
      if (!t && typeConsts.count(spec->name))
        t = typeConsts.at(spec->name);
      if (!t) {
        error = where() + "unknown type '" + spec->name + "'";
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

} // namespace lacc::detail
