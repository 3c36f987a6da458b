//===- KernelHarness.h - compile a kernel file and run it on the CPU -*- C++ -*-===//

#ifndef LACC_TEST_UNIT_KERNELS_KERNELHARNESS_H
#define LACC_TEST_UNIT_KERNELS_KERNELHARNESS_H

#include "compiler/frontend/Frontend.h"
#include "runtime/interp/Interpreter.h"
#include "runtime/interp/Numerics.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace lacc::test {

using interp::Buffer;
using interp::KernelArg;
using Defines = std::vector<std::pair<std::string, std::string>>;
using BF16 = std::vector<uint16_t>;

/// One kernel of kernels/FILE, specialized by `defines`, ready to run.
class Kernel {
public:
  static std::unique_ptr<Kernel> load(const std::string &file, const std::string &name,
                                      const Defines &defines) {
    auto k = std::unique_ptr<Kernel>(new Kernel);
    std::ifstream in(std::string(LACC_KERNELS_DIR) + "/" + file);
    std::stringstream text;
    text << in.rdbuf();
    SourceFile source(file, text.str());
    std::string diagnostics;
    llvm::raw_string_ostream os(diagnostics);
    FrontendOptions options;
    options.kernel = name;
    options.defines = defines;
    {
      DiagnosticEngine diag(source, os);
      k->module_ = buildTileModule(k->context_, source, options, diag);
    }
    if (!k->module_) {
      ADD_FAILURE() << "compiling " << file << ":" << name << " failed:\n" << diagnostics;
      return nullptr;
    }
    k->fn_ = k->module_->lookupSymbol<mlir::func::FuncOp>(name);
    return k;
  }

  void run(std::array<uint32_t, 3> grid, std::vector<KernelArg> args,
           std::vector<Buffer> buffers) {
    if (llvm::Error e = interp::runKernel(fn_, grid, args, buffers))
      ADD_FAILURE() << llvm::toString(std::move(e));
  }

private:
  Kernel() = default;
  mlir::MLIRContext context_;
  mlir::OwningOpRef<mlir::ModuleOp> module_;
  mlir::func::FuncOp fn_;
};

template <class T> Buffer buf(std::vector<T> &v) { return {v.data(), v.size() * sizeof(T)}; }
template <class T> KernelArg ptr(std::vector<T> &v) { return KernelArg::pointer(v.data()); }

inline float bf16ToFloat(uint16_t b) { return interp::num::bf16BitsToFloat(b); }
inline uint16_t floatToBF16(float f) { return interp::num::floatToBF16Bits(f); }

/// Random bf16 data from a normal distribution; `values` gets the exact
/// (bf16-rounded) numbers the references use.
inline BF16 randomBF16(size_t n, uint32_t seed, std::vector<double> &values, double scale = 1.0) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> dist(0.0, scale);
  BF16 out(n);
  values.resize(n);
  for (size_t i = 0; i < n; ++i) {
    out[i] = floatToBF16(static_cast<float>(dist(rng)));
    values[i] = bf16ToFloat(out[i]);
  }
  return out;
}

/// Output buffers start as NaN so that an element the kernel fails to write
/// is caught.
inline BF16 poisonedBF16(size_t n) { return BF16(n, 0x7fc1); }

inline std::vector<double> toDouble(const BF16 &v) {
  std::vector<double> out(v.size());
  for (size_t i = 0; i < v.size(); ++i)
    out[i] = bf16ToFloat(v[i]);
  return out;
}
inline std::vector<double> toDouble(const std::vector<float> &v) {
  return std::vector<double>(v.begin(), v.end());
}

/// ||got - ref|| / ||ref|| (or the absolute norm when ref is ~0); NaN stays NaN.
inline double relativeError(const std::vector<double> &got, const std::vector<double> &ref) {
  double diff = 0, norm = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    diff += (got[i] - ref[i]) * (got[i] - ref[i]);
    norm += ref[i] * ref[i];
  }
  if (std::isnan(diff))
    return diff;
  return norm > 1e-30 ? std::sqrt(diff / norm) : std::sqrt(diff);
}

} // namespace lacc::test

#endif // LACC_TEST_UNIT_KERNELS_KERNELHARNESS_H
