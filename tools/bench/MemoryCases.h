//===- MemoryCases.h - the memory-bound kernels that lacc-bench-kernels times ---*- C++ -*-===//
//
// A Case is one kernel at one shape: its tensors (what is read and written, each counted once
// for the bytes moved), the configurations to sweep (const values and num_warps), how to launch
// it, and an fp64 reference for one row, which the benchmark checks on a sample of rows.
// MemoryCases.cpp lists them.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_TOOLS_BENCH_MEMORYCASES_H
#define LACC_TOOLS_BENCH_MEMORYCASES_H

#include "lacc/Runtime.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace lacc::bench {

enum class DType { F32, BF16, F16 };
const char *dtypeName(DType t);
size_t dtypeBytes(DType t);

/// How a tensor relates to its case's rows x cols.
enum class Extent {
  Matrix, ///< one row of `width` elements per case row (row-major, contiguous)
  PerRow, ///< one element per row (rstd, mean)
  Vector, ///< `width` elements shared by all rows (weights, LRPE's theta)
};

struct TensorSpec {
  std::string name;
  DType type = DType::BF16;
  Extent extent = Extent::Matrix;
  int64_t width = 0; ///< Matrix: elements per row; Vector: elements; PerRow: unused
  bool output = false;
  /// Inputs: uniform random values in [lo, hi) (never zeros, never constant), unless `fixed`
  /// holds the values to upload.
  double lo = -1, hi = 1;
  std::vector<float> fixed;
  /// Outputs: the largest ||out - ref|| / ||ref|| over the sampled rows that passes.
  double tolerance = 0;
};

struct Config {
  std::string label; ///< "BLOCK=1024 w4"
  ConstMap constants;
  unsigned numWarps = 4;
};

/// One row's values, one vector per tensor (of the inputs, or of the outputs), in the order of
/// the case's tensor list: a Matrix row, the row's element of a PerRow tensor, or a whole Vector.
using RowValues = std::vector<std::vector<double>>;

/// What a launch gets: the kernel of one configuration and the case's buffers, in the order of
/// the tensor list.
using LaunchFn = std::function<void(const Kernel &, const Config &,
                                    const std::vector<DeviceBuffer> &)>;

/// The comparison of one output with its reference: ||out - ref|| / ||ref|| over what was
/// checked (NaN where an element is NaN: unwritten, as outputs are poisoned with NaN first).
struct OutputCheck {
  std::string output;
  double error = 0;
  double tolerance = 0;
  bool passed() const { return error <= tolerance; } // false for NaN
};

/// A check of what the sampled rows cannot show (LRPE's dtheta, a sum over all rows).
using ExtraCheckFn = std::function<OutputCheck(const std::vector<DeviceBuffer> &)>;

class Filler;

struct Case {
  std::string label;  ///< the name in the tables ("srmsnorm_fwd", "layernorm_fwd (tutorial 05)")
  std::string file;   ///< kernels/FILE, embedded in the program
  std::string kernel; ///< the @kernel in it
  std::string shape;  ///< "262144x1024"; LRPE: "BxHxNxD"
  std::string dtype;  ///< of the main tensors
  int64_t rows = 0, cols = 0;
  std::vector<TensorSpec> tensors;
  std::vector<Config> configs;
  size_t defaultConfig = 0; ///< what a user gets without choosing (see MemoryCases.cpp)
  LaunchFn launch;
  /// The expected outputs of one row from its inputs, in fp64.
  std::function<void(int64_t row, const RowValues &in, RowValues &out)> reference;
  /// Enqueued before every launch, untimed (LRPE's dtheta is accumulated, so it is zeroed).
  std::function<void(const Filler &, const std::vector<DeviceBuffer> &)> beforeLaunch;
  ExtraCheckFn extraCheck;

  /// The bytes one launch must move: every tensor read or written once.
  uint64_t bytes() const;
  /// The bytes of one tensor.
  uint64_t tensorBytes(const TensorSpec &t) const;
};

/// The cases, in the order they run. Full sizes fill an H200 (several hundred MB to a few GB per
/// launch); `smoke` sizes are tiny and ragged, for the CPU interpreter.
std::vector<Case> memoryCases(bool smoke);

} // namespace lacc::bench

#endif // LACC_TOOLS_BENCH_MEMORYCASES_H
