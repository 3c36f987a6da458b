//===- KernelHarness.h - run the kernels of kernels/ through the runtime -*- C++ -*-===//
//
// The kernel tests launch each kernel as a user's program does, through
// lacc::Context and Kernel::launch, on one context per test binary:
//
//   LACC_TEST_DEVICE=gpu          on the GPU; without one, every test fails
//   LACC_TEST_DEVICE=interpreter  on the CPU interpreter
//   unset, or auto                on the GPU when there is one, else on the
//                                 interpreter (LACC_INTERPRET=1 picks it too)
//
// run() takes host vectors and scalars: each vector is copied into a buffer
// of the context, the kernel is launched on them, and every buffer is copied
// back, so the tests read as host code and check both executors against the
// same fp64 references. Outputs are poisoned (NaN) by the tests before a run.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_TEST_UNIT_KERNELS_KERNELHARNESS_H
#define LACC_TEST_UNIT_KERNELS_KERNELHARNESS_H

#include "kernels/reference/Lightning.h"
#include "lacc/Runtime.h"
#include "runtime/interp/Numerics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace lacc::test {

using BF16 = std::vector<uint16_t>;
using Defines = lacc::ConstMap;

/// The context every kernel test runs on (see the header comment).
inline lacc::Context &testContext() {
  static lacc::Context context = [] {
    const char *env = std::getenv("LACC_TEST_DEVICE");
    std::string device = env && *env ? env : "auto";
    lacc::ContextOptions options;
    if (device == "gpu")
      options.interpret = false;
    else if (device == "interpreter")
      options.interpret = true;
    else if (device != "auto")
      throw lacc::Error(lacc::Error::Kind::Argument,
                        "LACC_TEST_DEVICE='" + device + "': use gpu, interpreter or auto");
    lacc::Context ctx = device == "auto" ? lacc::Context::gpuOrInterpreter(options)
                                         : lacc::Context(options);
    std::fprintf(stderr, "[ kernels  ] on %s\n",
                 ctx.interpreting() ? "the CPU interpreter"
                                    : (ctx.deviceName() + " (" + ctx.arch() + ")").c_str());
    return ctx;
  }();
  return context;
}

/// One kernel of kernels/FILE, specialized by `defines`, ready to run.
class Kernel {
public:
  static std::unique_ptr<Kernel> load(const std::string &file, const std::string &name,
                                      const Defines &defines,
                                      const lacc::KernelOptions &options = {}) {
    try {
      // One Module per file, so that tests asking for the same specialization
      // share its compiled kernel.
      static std::map<std::string, lacc::Module> modules;
      auto it = modules.find(file);
      if (it == modules.end())
        it = modules.emplace(file, testContext().loadEmbedded(file)).first;
      return std::unique_ptr<Kernel>(new Kernel(it->second.kernel(name, defines, options)));
    } catch (const lacc::Error &e) {
      ADD_FAILURE() << file << ": " << name << ": " << e.what();
      return nullptr;
    }
  }

  /// Launches over `grid`. Host vectors (passed as lvalues) go through buffers
  /// of the context and come back; anything else is passed as it is.
  template <class... A> void run(const lacc::Grid &grid, A &&...args) {
    try {
      Staging staging;
      kernel_.launch(grid, staging.pass(std::forward<A>(args))...);
      testContext().synchronize();
      staging.copyBack();
    } catch (const lacc::Error &e) {
      ADD_FAILURE() << e.what();
    }
  }

private:
  explicit Kernel(lacc::Kernel k) : kernel_(std::move(k)) {}

  /// The buffers of one launch; a vector passed twice gets one buffer.
  class Staging {
  public:
    template <class T> lacc::DevicePtr pass(std::vector<T> &host) {
      for (Copy &c : copies_)
        if (c.host == host.data())
          return c.buffer.ptr();
      lacc::DeviceBuffer b = testContext().alloc(std::max<size_t>(host.size() * sizeof(T), 1));
      b.copyFrom(host.data(), host.size() * sizeof(T));
      copies_.push_back({host.data(), host.size() * sizeof(T), std::move(b)});
      return copies_.back().buffer.ptr();
    }
    template <class T> T pass(T &&scalar) {
      static_assert(std::is_arithmetic<std::decay_t<T>>::value,
                    "run() takes host vectors (as lvalues) and scalars");
      return scalar;
    }
    void copyBack() {
      for (Copy &c : copies_)
        c.buffer.copyTo(c.host, c.bytes);
    }

  private:
    struct Copy {
      void *host;
      size_t bytes;
      lacc::DeviceBuffer buffer;
    };
    std::vector<Copy> copies_;
  };

  lacc::Kernel kernel_;
};

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

/// Random N(0, 1) f32 values (a state, say), and the same values as doubles.
inline std::vector<float> randomF32(size_t n, uint32_t seed, std::vector<double> &values) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> dist(0.0, 1.0);
  std::vector<float> out(n);
  values.resize(n);
  for (size_t i = 0; i < n; ++i)
    values[i] = out[i] = static_cast<float>(dist(rng));
  return out;
}

/// Tokens [begin, end) of each of the bh (batch, head)s of a [bh, n, dim] tensor, as a
/// contiguous [bh, end - begin, dim] one.
template <class T>
std::vector<T> tokens(const std::vector<T> &x, int bh, int n, int dim, int begin, int end) {
  std::vector<T> out;
  for (int b = 0; b < bh; ++b)
    out.insert(out.end(), x.begin() + (size_t(b) * n + begin) * dim,
               x.begin() + (size_t(b) * n + end) * dim);
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
