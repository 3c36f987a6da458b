//===- KernelHarness.h - compile a kernel file and run it on the CPU -*- C++ -*-===//

#ifndef LACC_TEST_UNIT_KERNELS_KERNELHARNESS_H
#define LACC_TEST_UNIT_KERNELS_KERNELHARNESS_H

#include "compiler/frontend/Frontend.h"
#include "compiler/transforms/Passes.h"
#include "kernels/reference/Lightning.h"
#include "lacc/Runtime.h"
#include "runtime/interp/Interpreter.h"
#include "runtime/interp/Numerics.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <cctype>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace lacc::test {

using interp::Buffer;
using interp::KernelArg;
using Defines = std::vector<std::pair<std::string, std::string>>;
using BF16 = std::vector<uint16_t>;

/// LACC_TEST_DEVICE=gpu runs every kernel on the GPU through the runtime
/// (JIT compile, cache, launch) instead of the CPU interpreter: the same tests
/// and references check both executors.
inline bool onGpu() {
  static const bool gpu = [] {
    const char *device = std::getenv("LACC_TEST_DEVICE");
    return device && std::string(device) == "gpu";
  }();
  return gpu;
}

inline lacc::Context &gpuContext() {
  static lacc::Context context; // throws lacc::Error when there is no GPU
  return context;
}

/// A -D value as the runtime's typed constant; none for type names and
/// quoted strings, which the runtime does not take yet.
inline std::optional<lacc::ConstValue> constOf(const std::string &text) {
  if (text == "True" || text == "False")
    return lacc::ConstValue(text == "True");
  if (text.empty() || !(std::isdigit(static_cast<unsigned char>(text.back())) || text.back() == '.'))
    return std::nullopt;
  if (text.find_first_of(".eE") != std::string::npos)
    return lacc::ConstValue(std::stod(text));
  return lacc::ConstValue(static_cast<long long>(std::stoll(text)));
}

/// One kernel of kernels/FILE, specialized by `defines`, ready to run.
class Kernel {
public:
  static std::unique_ptr<Kernel> load(const std::string &file, const std::string &name,
                                      const Defines &defines) {
    auto k = std::unique_ptr<Kernel>(new Kernel);
    // LACC_KERNELS_DIR overrides the source tree's kernels/ (a copy of the
    // binary on another machine).
    const char *dir = std::getenv("LACC_KERNELS_DIR");
    std::ifstream in(std::string(dir ? dir : LACC_KERNELS_DIR) + "/" + file);
    if (!in) {
      ADD_FAILURE() << "cannot read " << (dir ? dir : LACC_KERNELS_DIR) << "/" << file;
      return nullptr;
    }
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
    if (onGpu()) {
      try {
        lacc::ConstMap constants;
        for (const auto &[key, value] : defines) {
          auto c = constOf(value);
          if (!c) {
            ADD_FAILURE() << "-D " << key << "=" << value
                          << ": the runtime takes numbers and booleans as constants, not types "
                             "or strings (yet)";
            return nullptr;
          }
          constants[key] = *c;
        }
        k->gpuKernel_ = gpuContext().loadSource(text.str(), file).kernel(name, constants);
      } catch (const lacc::Error &e) {
        ADD_FAILURE() << e.what();
        return nullptr;
      }
    }
    return k;
  }

  void run(std::array<uint32_t, 3> grid, std::vector<KernelArg> args,
           std::vector<Buffer> buffers) {
    if (onGpu())
      return runOnGpu(grid, args, buffers);
    if (llvm::Error e = interp::runKernel(fn_, grid, args, buffers))
      ADD_FAILURE() << llvm::toString(std::move(e));
  }

  /// Rewrites the kernel's block pointers into pointer tiles and masks, as
  /// code generation does first (the interpreter runs either form).
  void rewriteBlockPointers() {
    mlir::PassManager pm(&context_);
    pm.addPass(lacc::createTileRewriteBlockPointers());
    if (mlir::failed(pm.run(*module_)))
      ADD_FAILURE() << "tile-rewrite-block-pointers failed";
    fn_ = module_->lookupSymbol<mlir::func::FuncOp>(fn_.getSymName());
  }

private:
  Kernel() = default;

  /// Copies every buffer to the device (so poisoned outputs stay poisoned
  /// until written), maps host pointers into the device copies, launches,
  /// and copies everything back.
  void runOnGpu(std::array<uint32_t, 3> grid, const std::vector<KernelArg> &args,
                const std::vector<Buffer> &buffers) {
    try {
      lacc::Context &ctx = gpuContext();
      std::vector<lacc::DeviceBuffer> device;
      for (const Buffer &b : buffers) {
        device.push_back(ctx.alloc(std::max<size_t>(b.bytes, 1)));
        device.back().copyFrom(b.data, b.bytes);
      }
      std::vector<lacc::detail::Arg> packed;
      for (const KernelArg &a : args) {
        switch (a.kind()) {
        case KernelArg::Kind::Pointer: {
          auto host = static_cast<uintptr_t>(a.intValue());
          lacc::DevicePtr p;
          for (size_t i = 0; i < buffers.size(); ++i) {
            auto begin = reinterpret_cast<uintptr_t>(buffers[i].data);
            if (host >= begin && host <= begin + buffers[i].bytes)
              p = device[i].ptr() + static_cast<int64_t>(host - begin);
          }
          packed.push_back(lacc::detail::makeArg(p));
          break;
        }
        case KernelArg::Kind::I1: packed.push_back(lacc::detail::makeArg(a.intValue() != 0)); break;
        case KernelArg::Kind::I32:
          packed.push_back(lacc::detail::makeArg(static_cast<int32_t>(a.intValue())));
          break;
        case KernelArg::Kind::I64: packed.push_back(lacc::detail::makeArg(a.intValue())); break;
        case KernelArg::Kind::F32:
          packed.push_back(lacc::detail::makeArg(static_cast<float>(a.floatValue())));
          break;
        default:
          ADD_FAILURE() << "argument kind not used by the kernel tests";
          return;
        }
      }
      gpuKernel_.launchArgs(lacc::Grid(grid[0], grid[1], grid[2]), packed);
      ctx.synchronize();
      for (size_t i = 0; i < buffers.size(); ++i)
        device[i].copyTo(buffers[i].data, buffers[i].bytes);
    } catch (const lacc::Error &e) {
      ADD_FAILURE() << e.what();
    }
  }

  lacc::Kernel gpuKernel_;
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

using reference::relativeError;

} // namespace lacc::test

#endif // LACC_TEST_UNIT_KERNELS_KERNELHARNESS_H
