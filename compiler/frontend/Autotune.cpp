//===- Autotune.cpp - the @autotune decorator, read and checked ------------===//
//
// Only what the syntax tree can decide is checked here: names, kinds and
// literal values. Whether a config compiles, fits in shared memory or runs is
// the runtime's to find out, config by config.
//
//===----------------------------------------------------------------------===//

#include "compiler/frontend/Autotune.h"

#include <cstdio>
#include <cstdlib>

namespace lacc {

using namespace ast;

namespace {

std::string literalText(const Literal &v) {
  switch (v.kind) {
  case Literal::Kind::Bool: return v.boolValue ? "True" : "False";
  case Literal::Kind::Int: return std::to_string(v.intValue);
  case Literal::Kind::Float: {
    char buf[40];
    for (int precision = 1; precision <= 17; ++precision) { // the shortest that reads back
      std::snprintf(buf, sizeof buf, "%.*g", precision, v.floatValue);
      if (std::strtod(buf, nullptr) == v.floatValue)
        break;
    }
    std::string s = buf;
    if (s.find_first_of(".eni") == std::string::npos)
      s += ".0";
    return s;
  }
  }
  return "?";
}

/// What an expression is, for "expected X, found Y".
std::string describe(const Expr &e) {
  switch (e.kind) {
  case Expr::Kind::Name: return "the name '" + e.name + "'";
  case Expr::Kind::Int: return "the integer " + std::to_string(e.intValue);
  case Expr::Kind::Float: return "a float";
  case Expr::Kind::Bool: return e.boolValue ? "True" : "False";
  case Expr::Kind::None: return "None";
  case Expr::Kind::String: return "the string '" + e.name + "'";
  case Expr::Kind::Tuple: return "a list";
  case Expr::Kind::Call: return "a call";
  default: return "an expression";
  }
}

/// The name a call is made through: `config`, `Config`, `triton.Config`.
std::string calleeName(const Expr &call) {
  if (!call.base)
    return "";
  if (call.base->kind == Expr::Kind::Name)
    return call.base->name;
  if (call.base->kind == Expr::Kind::Attribute && call.base->base &&
      call.base->base->kind == Expr::Kind::Name)
    return call.base->base->name + "." + call.base->name;
  return "";
}

/// Where an expression starts: `triton.Config(...)` at `triton`, not at `Config`.
SourceLoc startOf(const Expr &e) {
  if ((e.kind == Expr::Kind::Call || e.kind == Expr::Kind::Attribute) && e.base)
    return startOf(*e.base);
  return e.loc;
}

class Reader {
public:
  Reader(const Function &fn, DiagnosticEngine &diag) : fn_(fn), diag_(diag) {}

  std::optional<Autotune> read(const Decorator &d) {
    Autotune tune;
    tune.loc = d.loc;
    if (!fn_.isKernel)
      error(d.loc, "'@autotune' needs '@kernel' on the same function: it tunes kernels, and '" +
                       fn_.name + "' is a helper");
    if (!d.args.empty())
      error(d.args[0]->loc, "'@autotune' takes its arguments by name: "
                            "configs=[config(...), ...], key=[...], restore=[...]");
    const Keyword *configs = nullptr, *key = nullptr, *restore = nullptr;
    for (const Keyword &kw : d.keywords) {
      const Keyword **slot = kw.name == "configs" ? &configs
                             : kw.name == "key"   ? &key
                             : kw.name == "restore" ? &restore
                                                    : nullptr;
      if (!slot) {
        if (kw.name == "reset_to_zero" || kw.name == "restore_value")
          error(kw.loc, "write 'restore=[...]', not '" + kw.name +
                            "=': the runtime saves the named buffers before tuning and "
                            "restores them before every timed run");
        else
          error(kw.loc, "'@autotune' has no option '" + kw.name +
                            "'; its options are configs, key and restore");
        continue;
      }
      *slot = &kw; // the parser has rejected a repeated keyword
    }
    if (!d.args.empty())
      return std::nullopt; // what is missing was probably given by position
    if (!configs)
      error(d.loc, "'@autotune' needs configs=[config(NAME=VALUE, ..., num_warps=N, "
                   "num_stages=N), ...]");
    else
      readConfigs(*configs, tune.configs);
    if (!key)
      error(d.loc, "'@autotune' needs key=[...]: the runtime parameters whose values select a "
                   "tuning (key=[] tunes once for every launch)");
    else
      tune.key = readNames(*key, [&](const Param &p, SourceLoc at) {
        if (p.type && p.type->name == "ptr")
          error(at, "key names '" + p.name + "', a pointer; a key is an integer or float "
                    "parameter whose value at launch selects the tuning");
      });
    if (restore)
      tune.restore = readNames(*restore, [&](const Param &p, SourceLoc at) {
        if (!p.type || p.type->name != "ptr")
          error(at, "restore names '" + p.name + "', which is not a pointer; restore names "
                    "the buffers that tuning runs write and must find unchanged");
      });
    if (failed_)
      return std::nullopt;
    return tune;
  }

private:
  void error(SourceLoc loc, const std::string &message) {
    diag_.error(loc, message);
    failed_ = true;
  }

  const Param *param(const std::string &name) const {
    for (const Param &p : fn_.params)
      if (p.name == name)
        return &p;
    return nullptr;
  }

  std::string constNames() const {
    std::string list;
    for (const Param &p : fn_.params)
      if (p.isConst)
        list += (list.empty() ? "" : ", ") + p.name;
    return list.empty() ? "it has none" : "its const parameters: " + list;
  }

  void readConfigs(const Keyword &kw, std::vector<TuningConfig> &out) {
    const Expr &list = *kw.value;
    if (list.kind != Expr::Kind::Tuple) {
      error(list.loc, "configs= must be a list of config(...), found " + describe(list));
      return;
    }
    if (list.operands.empty()) {
      error(list.loc, "configs= is empty: give at least one config(NAME=VALUE, ...)");
      return;
    }
    for (const ExprPtr &e : list.operands) {
      std::optional<TuningConfig> config = readConfig(*e);
      if (!config)
        continue;
      for (size_t i = 0; i < out.size(); ++i)
        if (sameConfig(out[i], *config))
          error(config->loc, "this config is the same as config " + std::to_string(i + 1) +
                                 " (line " + std::to_string(out[i].loc.line) + ")");
      out.push_back(std::move(*config));
    }
  }

  std::optional<TuningConfig> readConfig(const Expr &e) {
    std::string callee = e.kind == Expr::Kind::Call ? calleeName(e) : "";
    if (callee == "Config" || callee == "triton.Config") {
      error(startOf(e), "write 'config(NAME=VALUE, ..., num_warps=N, num_stages=N)', not '" +
                            callee +
                       "(...)'");
      return std::nullopt;
    }
    if (callee != "config") {
      error(e.loc, "expected config(NAME=VALUE, ..., num_warps=N, num_stages=N), found " +
                       describe(e));
      return std::nullopt;
    }
    bool ok = true;
    if (!e.operands.empty()) {
      error(e.operands[0]->loc, "config() takes its values by name: config(BLOCK=128, "
                                "num_warps=4)");
      ok = false;
    }
    TuningConfig config;
    config.loc = e.loc;
    for (const Keyword &kw : e.keywords) { // the parser has rejected a repeated name
      if (kw.name == "num_warps" || kw.name == "num_stages") {
        bool warps = kw.name == "num_warps";
        const Expr &v = *kw.value;
        int64_t n = v.kind == Expr::Kind::Int ? v.intValue : -1;
        if (v.kind != Expr::Kind::Int) {
          error(v.loc, kw.name + " must be an integer, found " + describe(v));
          ok = false;
        } else if (warps && (n < 1 || n > 32 || (n & (n - 1)))) {
          error(v.loc, "num_warps must be a power of two from 1 to 32, got " + std::to_string(n));
          ok = false;
        } else if (!warps && (n < 1 || n > 8)) {
          error(v.loc, "num_stages must be from 1 to 8, got " + std::to_string(n));
          ok = false;
        } else {
          (warps ? config.numWarps : config.numStages) = static_cast<int>(n);
        }
        continue;
      }
      std::optional<Literal> value = readConstValue(kw);
      if (value)
        config.constants.emplace_back(kw.name, *value);
      else
        ok = false;
    }
    if (!ok)
      return std::nullopt;
    return config;
  }

  std::optional<Literal> readConstValue(const Keyword &kw) {
    const Param *p = param(kw.name);
    if (p && !p->isConst) {
      error(kw.loc, "'" + kw.name + "' is a runtime parameter of '" + fn_.name +
                        "'; a config sets const parameters, num_warps and num_stages");
      return std::nullopt;
    }
    if (!p) {
      error(kw.loc, "'" + kw.name + "' is not a const parameter of '" + fn_.name + "' (" +
                        constNames() + ")");
      return std::nullopt;
    }
    const Expr &v = *kw.value;
    Literal lit;
    switch (v.kind) {
    case Expr::Kind::Int: lit.kind = Literal::Kind::Int; lit.intValue = v.intValue; break;
    case Expr::Kind::Float: lit.kind = Literal::Kind::Float; lit.floatValue = v.floatValue; break;
    case Expr::Kind::Bool: lit.kind = Literal::Kind::Bool; lit.boolValue = v.boolValue; break;
    default:
      error(v.loc, "a config gives a const parameter a number, True or False; '" + kw.name +
                       "' is given " + describe(v));
      return std::nullopt;
    }
    return checkType(*p, lit, v.loc) ? std::optional<Literal>(lit) : std::nullopt;
  }

  /// The value against the const's annotation, with the rules the runtime applies to the
  /// constants a caller passes.
  bool checkType(const Param &p, const Literal &v, SourceLoc at) {
    if (!p.type)
      return true;
    const std::string &t = p.type->name;
    auto mismatch = [&](const std::string &what) {
      error(at, "const parameter '" + p.name + "' is " + t + " but this config gives it " + what);
      return false;
    };
    if (t == "dtype" || t == "str") {
      error(at, "const parameter '" + p.name + "' holds a " + (t == "str" ? "string" : "type") +
                    "; a config can only set numbers and bools");
      return false;
    }
    bool isBool = t == "bool" || t == "i1";
    bool isFloatType = t == "f16" || t == "bf16" || t == "f32" || t == "f64";
    int bits = t == "i8" ? 8 : t == "i16" ? 16 : t == "i32" ? 32 : t == "i64" ? 64 : 0;
    if (isBool && v.kind != Literal::Kind::Bool)
      return mismatch(literalText(v));
    if (!isBool && (bits || isFloatType) && v.kind == Literal::Kind::Bool)
      return mismatch(literalText(v));
    if (bits && v.kind == Literal::Kind::Float)
      return mismatch("the float " + literalText(v));
    if (bits && bits < 64 && v.kind == Literal::Kind::Int &&
        (v.intValue < -(int64_t(1) << (bits - 1)) || v.intValue >= (int64_t(1) << (bits - 1)))) {
      error(at, "value " + literalText(v) + " of const parameter '" + p.name +
                    "' does not fit in " + t);
      return false;
    }
    return true;
  }

  static bool sameConfig(const TuningConfig &a, const TuningConfig &b) {
    if (a.numWarps != b.numWarps || a.numStages != b.numStages ||
        a.constants.size() != b.constants.size())
      return false;
    for (const auto &[name, value] : a.constants) {
      bool found = false;
      for (const auto &[otherName, other] : b.constants)
        found |= otherName == name && literalText(other) == literalText(value);
      if (!found)
        return false;
    }
    return true;
  }

  /// A list of parameter names in quotes, each checked by `check`.
  template <class Check> std::vector<std::string> readNames(const Keyword &kw, Check check) {
    std::vector<std::string> names;
    const Expr &list = *kw.value;
    if (list.kind != Expr::Kind::Tuple) {
      error(list.loc, kw.name + "= must be a list of parameter names in quotes, e.g. " + kw.name +
                          "=[\"n\"], found " + describe(list));
      return names;
    }
    for (const ExprPtr &e : list.operands) {
      if (e->kind != Expr::Kind::String) {
        error(e->loc, "expected a parameter name in quotes, e.g. \"n\", found " + describe(*e));
        continue;
      }
      const Param *p = param(e->name);
      if (!p) {
        error(e->loc, kw.name + " names '" + e->name + "', which is not a parameter of '" +
                          fn_.name + "'");
        continue;
      }
      if (p->isConst) {
        error(e->loc, kw.name + " names '" + e->name + "', a const parameter; " +
                          (kw.name == "key"
                               ? "const values are fixed when the kernel is made, and each "
                                 "set of them is tuned on its own"
                               : "only pointer parameters can be restored"));
        continue;
      }
      for (const std::string &n : names)
        if (n == e->name)
          error(e->loc, "'" + e->name + "' is named twice in " + kw.name + "=");
      check(*p, e->loc);
      names.push_back(e->name);
    }
    return names;
  }

  const Function &fn_;
  DiagnosticEngine &diag_;
  bool failed_ = false;
};

} // namespace

std::optional<Autotune> readAutotune(const Function &fn, DiagnosticEngine &diag) {
  const Decorator *found = nullptr;
  for (const Decorator &d : fn.decorators) {
    if (d.name != "autotune")
      continue;
    if (found) {
      diag.error(d.loc, "'@autotune' is given twice");
      return std::nullopt;
    }
    found = &d;
  }
  if (!found)
    return std::nullopt;
  return Reader(fn, diag).read(*found);
}

std::string describeConfig(const TuningConfig &config) {
  std::string s;
  for (const auto &[name, value] : config.constants)
    s += (s.empty() ? "" : ", ") + name + "=" + literalText(value);
  if (config.numWarps)
    s += (s.empty() ? "" : ", ") + std::string("num_warps=") + std::to_string(config.numWarps);
  if (config.numStages)
    s += (s.empty() ? "" : ", ") + std::string("num_stages=") + std::to_string(config.numStages);
  return s.empty() ? "(defaults)" : s;
}

} // namespace lacc
