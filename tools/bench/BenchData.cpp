//===- BenchData.cpp - a case's tensors on the device, and their check -----------===//

#include "tools/bench/BenchData.h"

#include "runtime/interp/Numerics.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <set>
#include <sstream>

namespace lacc::bench {

namespace num = lacc::interp::num;

static constexpr int kFillBlock = 1024;

Filler::Filler(Context &ctx) {
  Module mod = ctx.loadEmbedded("bench_fill.tile");
  ConstMap block = {{"BLOCK", kFillBlock}};
  f32_ = mod.kernel("fill_f32", block);
  bf16_ = mod.kernel("fill_bf16", block);
  f16_ = mod.kernel("fill_f16", block);
}

void Filler::uniform(const DeviceBuffer &buf, DType t, int64_t n, int seed, double lo,
                     double hi) const {
  if (n <= 0 || n > INT32_MAX || uint64_t(n) * dtypeBytes(t) > buf.size())
    throw Error(Error::Kind::Argument, "fill: " + std::to_string(n) + " elements do not fit");
  const Kernel &k = t == DType::F32 ? f32_ : t == DType::BF16 ? bf16_ : f16_;
  k.launch(Grid((n + kFillBlock - 1) / kFillBlock), buf, int32_t(n), int32_t(seed), float(lo),
           float(hi));
}

std::vector<double> toDoubles(DType t, const std::vector<uint8_t> &bytes) {
  std::vector<double> out(bytes.size() / dtypeBytes(t));
  for (size_t i = 0; i < out.size(); ++i) {
    if (t == DType::F32) {
      float f;
      std::memcpy(&f, &bytes[4 * i], 4);
      out[i] = f;
    } else {
      uint16_t h;
      std::memcpy(&h, &bytes[2 * i], 2);
      out[i] = t == DType::BF16 ? num::bf16BitsToFloat(h) : num::halfBitsToFloat(h);
    }
  }
  return out;
}

std::vector<double> readBlock(const DeviceBuffer &buf, DType t, int64_t index, int64_t elements) {
  std::vector<uint8_t> raw(size_t(elements) * 2);
  buf.copyTo(raw.data(), raw.size(), size_t(index) * raw.size());
  return toDoubles(t, raw);
}

std::vector<int64_t> parseList(const std::string &s) {
  std::vector<int64_t> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ','))
    out.push_back(std::atoll(item.c_str()));
  return out;
}

std::vector<int64_t> sampleRows(int64_t rows, int64_t count, uint64_t seed) {
  std::set<int64_t> picked = {0, rows - 1};
  std::mt19937_64 gen(seed);
  std::uniform_int_distribution<int64_t> any(0, rows - 1);
  while (int64_t(picked.size()) < std::min(count, rows))
    picked.insert(any(gen));
  return std::vector<int64_t>(picked.begin(), picked.end());
}

CaseData::CaseData(Context &ctx, const Case &c, const Filler &fill, int seed) : case_(c) {
  for (size_t t = 0; t < c.tensors.size(); ++t) {
    const TensorSpec &spec = c.tensors[t];
    buffers_.push_back(ctx.alloc(c.tensorBytes(spec)));
    if (spec.output)
      continue;
    if (!spec.fixed.empty()) {
      if (spec.type != DType::F32 || uint64_t(spec.fixed.size()) * 4 != c.tensorBytes(spec))
        throw Error(Error::Kind::Argument, "tensor '" + spec.name + "': fixed values must be "
                                           "f32 and fill it");
      buffers_.back().upload(spec.fixed);
    } else {
      fill.uniform(buffers_.back(), spec.type, c.tensorBytes(spec) / dtypeBytes(spec.type),
                   seed * 64 + int(t), spec.lo, spec.hi);
    }
  }
  ctx.synchronize();
}

void CaseData::poisonOutputs() {
  for (size_t t = 0; t < case_.tensors.size(); ++t)
    if (case_.tensors[t].output)
      buffers_[t].fill(0xFF);
}

std::vector<double> CaseData::readRow(size_t t, int64_t row) const {
  const TensorSpec &spec = case_.tensors[t];
  size_t esize = dtypeBytes(spec.type);
  size_t offset = 0, count = 1;
  if (spec.extent == Extent::Matrix) {
    offset = size_t(row) * size_t(spec.width) * esize;
    count = size_t(spec.width);
  } else if (spec.extent == Extent::PerRow) {
    offset = size_t(row) * esize;
  } else {
    count = size_t(spec.width);
  }
  std::vector<uint8_t> bytes(count * esize);
  buffers_[t].copyTo(bytes.data(), bytes.size(), offset);
  return toDoubles(spec.type, bytes);
}

void CaseData::prepareReference(const std::vector<int64_t> &rows) {
  rows_ = rows;
  expected_.clear();
  std::vector<RowValues> inputs;
  std::vector<double> seen; // the sampled input values, to catch a broken fill
  for (int64_t row : rows) {
    RowValues in, out;
    for (size_t t = 0; t < case_.tensors.size(); ++t) {
      const TensorSpec &spec = case_.tensors[t];
      if (spec.output) {
        out.emplace_back(spec.extent == Extent::Matrix ? size_t(spec.width)
                         : spec.extent == Extent::PerRow ? 1
                                                         : size_t(spec.width),
                         0.0);
        continue;
      }
      in.push_back(readRow(t, row));
      if (spec.fixed.empty())
        seen.insert(seen.end(), in.back().begin(), in.back().end());
    }
    case_.reference(row, in, out);
    expected_.push_back(std::move(out));
  }
  bool finite = std::all_of(seen.begin(), seen.end(), [](double v) { return std::isfinite(v); });
  auto [lo, hi] = std::minmax_element(seen.begin(), seen.end());
  if (seen.empty() || !finite || *lo == *hi)
    throw Error(Error::Kind::Execution,
                case_.label + ": the random inputs are not finite or are constant: "
                              "kernels/bench_fill.tile did not run as it should");
}

std::vector<OutputCheck> CaseData::check() const {
  std::vector<OutputCheck> checks;
  size_t k = 0; // index among the outputs
  for (size_t t = 0; t < case_.tensors.size(); ++t) {
    const TensorSpec &spec = case_.tensors[t];
    if (!spec.output)
      continue;
    size_t outIndex = k++;
    if (spec.extent == Extent::Vector)
      continue; // a sum over all rows: the case's extra check
    double diff = 0, norm = 0;
    bool nan = false;
    for (size_t r = 0; r < rows_.size(); ++r) {
      std::vector<double> got = readRow(t, rows_[r]);
      const std::vector<double> &want = expected_[r][outIndex];
      for (size_t i = 0; i < got.size(); ++i) {
        nan = nan || std::isnan(got[i]);
        diff += (got[i] - want[i]) * (got[i] - want[i]);
        norm += want[i] * want[i];
      }
    }
    double error = nan ? std::nan("") : std::sqrt(diff / std::max(norm, 1e-300));
    checks.push_back({spec.name, error, spec.tolerance});
  }
  if (case_.extraCheck)
    checks.push_back(case_.extraCheck(buffers_));
  return checks;
}

} // namespace lacc::bench
