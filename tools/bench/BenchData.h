//===- BenchData.h - a case's tensors on the device, and their check -------*- C++ -*-===//
//
// Inputs are drawn on the device (kernels/bench_fill.tile), fresh for every case; the check
// downloads a sample of rows, computes the case's fp64 reference from the inputs actually there,
// and compares every output on those rows. Outputs are poisoned with NaN before a checked launch,
// so an element that was not written fails.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_TOOLS_BENCH_BENCHDATA_H
#define LACC_TOOLS_BENCH_BENCHDATA_H

#include "tools/bench/MemoryCases.h"

namespace lacc::bench {

/// kernels/bench_fill.tile's fills, enqueued like launches.
class Filler {
public:
  explicit Filler(Context &ctx);
  /// The first n elements of `buf` (of type t): uniform in [lo, hi), a hash of the index and seed.
  void uniform(const DeviceBuffer &buf, DType t, int64_t n, int seed, double lo, double hi) const;
  void zeros(const DeviceBuffer &buf, DType t, int64_t n) const { uniform(buf, t, n, 0, 0, 0); }

private:
  Kernel f32_, bf16_, f16_;
};

/// Element values, widened to double, from the raw bytes of a tensor of type t.
std::vector<double> toDoubles(DType t, const std::vector<uint8_t> &bytes);

/// Block `index` of `elements` 16-bit values (bf16 or f16, of type t) of `buf`, widened to
/// double: one (batch, head) slice of a [b, h, n, dim] tensor.
std::vector<double> readBlock(const DeviceBuffer &buf, DType t, int64_t index, int64_t elements);

/// A comma-separated list of integers ("1024,2048").
std::vector<int64_t> parseList(const std::string &s);

/// `count` distinct rows of [0, rows), sorted: the first and the last, the rest drawn from seed.
std::vector<int64_t> sampleRows(int64_t rows, int64_t count, uint64_t seed);

class CaseData {
public:
  /// Allocates the case's tensors and fills its inputs (seeded by `seed`).
  CaseData(Context &ctx, const Case &c, const Filler &fill, int seed);

  const std::vector<DeviceBuffer> &buffers() const { return buffers_; }
  /// Every output set to 0xFF bytes (NaN in f32, bf16 and f16).
  void poisonOutputs();
  /// Reads the inputs of `rows` and computes the reference outputs there. Throws lacc::Error
  /// when the inputs are not finite or are constant (a broken fill).
  void prepareReference(const std::vector<int64_t> &rows);
  /// The outputs on the sampled rows against the reference, one entry per Matrix or PerRow
  /// output (and the case's extra check).
  std::vector<OutputCheck> check() const;

private:
  /// One row of tensor `t` (all of it for a Vector).
  std::vector<double> readRow(size_t t, int64_t row) const;

  const Case &case_;
  std::vector<DeviceBuffer> buffers_;
  std::vector<int64_t> rows_;
  std::vector<RowValues> expected_; // per sampled row: the outputs
};

} // namespace lacc::bench

#endif // LACC_TOOLS_BENCH_BENCHDATA_H
