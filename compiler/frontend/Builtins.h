//===- Builtins.h - the builtin table and its helpers (internal) -*- C++ -*-===//
//
// Each builtin binds its arguments Python-style against a parameter list
// (`Param`s, bound into `Args`), checks them with the require* helpers, and
// builds IR. Builtins.cpp holds the table and most builtins; the memory
// family (load/store, atomics, block pointers, hints, barriers) lives in
// MemoryBuiltins.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_FRONTEND_BUILTINS_H
#define LACC_FRONTEND_BUILTINS_H

#include "compiler/frontend/Generator.h"

#include <functional>

namespace lacc::builtins {

struct Param {
  const char *name;
  bool required = false;
};

/// Arguments bound to a builtin's parameters; absent ones are None.
struct Args {
  std::vector<Val> values;
  std::vector<SourceLoc> locs;
  std::vector<bool> given;
  std::vector<bool> byKeyword;
  const Val &operator[](size_t i) const { return values[i]; }
  SourceLoc loc(size_t i) const { return locs[i]; }
  bool has(size_t i) const { return given[i] && values[i].kind != Val::Kind::None; }
};

using BuiltinFn = std::function<Val(Generator &, const Args &, SourceLoc)>;

struct Builtin {
  std::vector<Param> params;
  BuiltinFn fn;
  bool compileTime = false; // usable outside a kernel body (folds constants)
};

using Table = std::map<std::string, Builtin>;

constexpr int64_t kMaxTileElements = 1 << 20;

inline bool isPowerOfTwo(int64_t n) { return n > 0 && (n & (n - 1)) == 0; }

std::optional<mlir::Type> requireDType(Generator &g, const Val &v, SourceLoc l, const char *what);
std::optional<bool> requireConstBool(Generator &g, const Val &v, SourceLoc l, const char *what);
/// A compile-time string, one of `choices` when that is not empty.
std::optional<std::string> requireString(Generator &g, const Val &v, SourceLoc l,
                                         const std::string &what,
                                         llvm::ArrayRef<const char *> choices = {});
/// A compile-time integer or tuple of them, as a list.
std::optional<llvm::SmallVector<int64_t>> requireConstInts(Generator &g, const Val &v,
                                                           SourceLoc l, const std::string &what);
/// A runtime tile or scalar (constants are materialized in their default type).
mlir::Value requireValue(Generator &g, const Val &v, SourceLoc l, const char *what);
mlir::Value requireTile(Generator &g, const Val &v, SourceLoc l, const char *what);
/// Normalizes a possibly negative axis.
std::optional<int> requireAxis(Generator &g, const Val &v, SourceLoc l, int64_t rank);
inline mlir::Type f32(Generator &g) { return g.builder().getF32Type(); }

/// desc.load(offsets) on a tensor descriptor (a[1] holds the offsets).
Val loadDescriptor(Generator &g, const Val &desc, const Args &a, SourceLoc l);
/// desc.store(offsets, value) (a[1] the offsets, a[2] the value).
Val storeDescriptor(Generator &g, const Val &desc, const Args &a, SourceLoc l);

/// Adds load, store, the atomics, block pointers, hints and barriers.
void addMemoryBuiltins(Table &table);

} // namespace lacc::builtins

#endif // LACC_FRONTEND_BUILTINS_H
