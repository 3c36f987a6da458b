//===- TestUtil.h - helpers shared by the interpreter tests ------*- C++ -*-===//

#ifndef LACC_TEST_UNIT_INTERP_TESTUTIL_H
#define LACC_TEST_UNIT_INTERP_TESTUTIL_H

#include "runtime/interp/Interpreter.h"
#include "runtime/interp/Numerics.h"

#include "dialects/tile/TileDialect.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace lacc::test {
using namespace mlir;
using namespace lacc::interp;
namespace num = lacc::interp::num;

/// Replaces each `key` in `text` by its value.
inline std::string subst(std::string text, std::initializer_list<std::pair<std::string, std::string>> kv) {
  for (const auto &[key, value] : kv)
    for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size()))
      text.replace(at, key.size(), value);
  return text;
}

template <class T> Buffer buf(std::vector<T> &v) { return {v.data(), v.size() * sizeof(T)}; }

inline std::vector<float> randomFloats(size_t n, uint32_t seed, float lo = -1, float hi = 1) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(rng);
  return v;
}
template <class T> std::vector<T> randomInts(size_t n, uint32_t seed, int64_t lo, int64_t hi) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int64_t> dist(lo, hi);
  std::vector<T> v(n);
  for (T &x : v)
    x = static_cast<T>(dist(rng));
  return v;
}
inline std::vector<uint16_t> toBF16(const std::vector<float> &v) {
  std::vector<uint16_t> out;
  for (float x : v)
    out.push_back(num::floatToBF16Bits(x));
  return out;
}

inline std::string errorText(llvm::Error e) { return e ? llvm::toString(std::move(e)) : std::string(); }

#define EXPECT_OK(expr)                                                                            \
  do {                                                                                             \
    std::string error_ = errorText(expr);                                                          \
    ASSERT_TRUE(error_.empty()) << error_;                                                         \
  } while (0)

class Interp : public ::testing::Test {
protected:
  Interp() { ctx.loadDialect<lacc::tile::TileDialect>(); }

  func::FuncOp parse(const std::string &src, StringRef name) {
    source = src;
    module = parseSourceString<ModuleOp>(src, ParserConfig(&ctx), "test.mlir");
    if (!module)
      return {};
    return module->lookupSymbol<func::FuncOp>(name);
  }
  /// "test.mlir:LINE:COL" of the first occurrence of `opName` in the last
  /// parsed source (an op's location is that of its name).
  std::string locOf(const std::string &opName) {
    size_t at = source.find(opName);
    size_t col = at - source.rfind('\n', at);
    return "test.mlir:" + std::to_string(std::count(source.begin(), source.begin() + at, '\n') + 1) +
           ":" + std::to_string(col);
  }

  MLIRContext ctx;
  OwningOpRef<ModuleOp> module;
  std::string source;
};

inline const char *kBinary = R"(
func.func @bin(%x: !tile.ptr<T>, %y: !tile.ptr<T>, %z: !tile.ptr<T>) attributes {tile.kernel} {
  %r = tile.make_range 0, 256 : tensor<256xi32>
  %xs = tile.splat %x : tensor<256x!tile.ptr<T>>
  %xp = tile.addptr %xs, %r : tensor<256x!tile.ptr<T>>, tensor<256xi32>
  %a = tile.load %xp : tensor<256x!tile.ptr<T>>
  %ys = tile.splat %y : tensor<256x!tile.ptr<T>>
  %yp = tile.addptr %ys, %r : tensor<256x!tile.ptr<T>>, tensor<256xi32>
  %b = tile.load %yp : tensor<256x!tile.ptr<T>>
  %c = OP %a, %b : tensor<256xT>
  %zs = tile.splat %z : tensor<256x!tile.ptr<T>>
  %zp = tile.addptr %zs, %r : tensor<256x!tile.ptr<T>>, tensor<256xi32>
  tile.store %zp, %c : tensor<256x!tile.ptr<T>>
  return
}
)";

template <class T>
std::string runBinary(const std::string &op, const std::string &elt, std::vector<T> x,
                      std::vector<T> y, std::vector<T> &z) {
  MLIRContext ctx;
  ctx.loadDialect<lacc::tile::TileDialect>();
  auto mod = parseSourceString<ModuleOp>(subst(kBinary, {{"OP", op}, {"T", elt}}),
                                         ParserConfig(&ctx), "test.mlir");
  if (!mod)
    return "parse error";
  z.assign(256, T{});
  return errorText(runKernel(mod->lookupSymbol<func::FuncOp>("bin"), {1, 1, 1},
                             {KernelArg::pointer(x.data()), KernelArg::pointer(y.data()),
                              KernelArg::pointer(z.data())},
                             {buf(x), buf(y), buf(z)}));
}

/// Parses `src` in a fresh context and runs kernel `name`; the error text or "".
inline std::string runSource(const std::string &src, llvm::StringRef name,
                             std::array<uint32_t, 3> grid, std::vector<KernelArg> args,
                             std::vector<Buffer> buffers) {
  MLIRContext ctx;
  ctx.loadDialect<lacc::tile::TileDialect>();
  auto mod = parseSourceString<ModuleOp>(src, ParserConfig(&ctx), "test.mlir");
  if (!mod)
    return "parse error";
  auto fn = mod->lookupSymbol<func::FuncOp>(name);
  if (!fn)
    return "no kernel named " + name.str();
  return errorText(runKernel(fn, grid, args, buffers));
}

} // namespace lacc::test

#endif // LACC_TEST_UNIT_INTERP_TESTUTIL_H
