//===- Autotune.cpp - saved buffers, event timing, printing ----------------===//

#include "runtime/Autotune.h"

#include "lacc/Error.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace lacc::detail {

// --- saved buffers ---------------------------------------------------------------

SavedBuffers::SavedBuffers(const Driver &d, CUstream stream, const std::string &kernel,
                           const std::vector<std::pair<std::string, uint64_t>> &pointers)
    : d_(d), stream_(stream) {
  for (const auto &[name, address] : pointers) {
    Saved s;
    CUresult r = d.cuMemGetAddressRange(&s.base, &s.bytes, address);
    if (r != CUDA_SUCCESS)
      throw Error(Error::Kind::Argument,
                  "kernel '" + kernel + "': @autotune restores '" + name + "', but its argument " +
                      "is not in memory from cuMemAlloc (cuMemGetAddressRange failed: " +
                      cudaErrorText(d, r) + ")");
    bool seen = false; // two arguments into one allocation: one copy
    for (const Saved &other : saved_)
      seen |= other.base == s.base;
    if (seen)
      continue;
    r = d.cuMemAlloc(&s.copy, s.bytes);
    if (r != CUDA_SUCCESS)
      throw Error(Error::Kind::Cuda, "kernel '" + kernel + "': cannot keep a copy of '" + name +
                                         "' (" + std::to_string(s.bytes) +
                                         " bytes) while tuning: " + cudaErrorText(d, r));
    saved_.push_back(s); // from here on the destructor frees it
    check(d, d.cuMemcpyDtoDAsync(s.copy, s.base, s.bytes, stream),
          "cuMemcpyDtoDAsync (saving a buffer before tuning)");
  }
}

SavedBuffers::~SavedBuffers() {
  if (saved_.empty())
    return;
  d_.cuStreamSynchronize(stream_); // the copies back may still be running
  for (const Saved &s : saved_)
    d_.cuMemFree(s.copy);
}

void SavedBuffers::restore() const {
  for (const Saved &s : saved_)
    check(d_, d_.cuMemcpyDtoDAsync(s.base, s.copy, s.bytes, stream_),
          "cuMemcpyDtoDAsync (restoring a buffer between tuning runs)");
}

// --- timing ------------------------------------------------------------------------

namespace {
/// A pair of CUDA events around one run.
struct EventPair {
  const Driver &d;
  CUevent start = nullptr, stop = nullptr;
  explicit EventPair(const Driver &d) : d(d) {
    check(d, d.cuEventCreate(&start, CU_EVENT_DEFAULT), "cuEventCreate");
    CUresult r = d.cuEventCreate(&stop, CU_EVENT_DEFAULT);
    if (r != CUDA_SUCCESS) {
      d.cuEventDestroy(start);
      check(d, r, "cuEventCreate");
    }
  }
  EventPair(EventPair &&o) noexcept : d(o.d), start(o.start), stop(o.stop) {
    o.start = o.stop = nullptr;
  }
  ~EventPair() {
    if (start)
      d.cuEventDestroy(start);
    if (stop)
      d.cuEventDestroy(stop);
  }
  double ms() const {
    check(d, d.cuEventSynchronize(stop), "cuEventSynchronize (a tuning run failed)");
    float ms = 0;
    check(d, d.cuEventElapsedTime(&ms, start, stop), "cuEventElapsedTime");
    return ms;
  }
};

constexpr double kBudgetMs = 25; // of timed runs per config, as Triton's do_bench warms up
constexpr int kMinRuns = 5, kMaxRuns = 100;
} // namespace

double medianMs(const Driver &d, CUstream stream, const std::function<void()> &before,
                const std::function<void()> &run) {
  auto timed = [&](EventPair &e) {
    before();
    check(d, d.cuEventRecord(e.start, stream), "cuEventRecord");
    run();
    check(d, d.cuEventRecord(e.stop, stream), "cuEventRecord");
  };
  // The warm-up run also says how long a run takes, hence how many fill the budget.
  EventPair first(d);
  before();
  run();
  timed(first);
  double estimate = std::max(first.ms(), 1e-4);
  int runs = std::clamp(static_cast<int>(kBudgetMs / estimate), kMinRuns, kMaxRuns);
  // Queued back to back and read at the end: no host round trip between runs.
  std::vector<EventPair> events;
  events.reserve(runs);
  for (int i = 0; i < runs; ++i) {
    events.emplace_back(d);
    timed(events.back());
  }
  std::vector<double> ms;
  for (const EventPair &e : events)
    ms.push_back(e.ms());
  std::sort(ms.begin(), ms.end());
  return runs % 2 ? ms[runs / 2] : (ms[runs / 2 - 1] + ms[runs / 2]) / 2;
}

// --- printing ----------------------------------------------------------------------

bool printAutotuningFromEnv() {
  const char *v = std::getenv("LACC_PRINT_AUTOTUNING");
  return v && *v && std::strcmp(v, "0") != 0;
}

std::string argumentText(const Param &p, uint64_t bits) {
  if (p.kind == Param::Kind::Float) {
    double value;
    if (p.type == ScalarType::F64) {
      std::memcpy(&value, &bits, 8);
    } else if (p.type == ScalarType::F32 || p.type == ScalarType::BF16) {
      uint32_t u = static_cast<uint32_t>(p.type == ScalarType::BF16 ? bits << 16 : bits);
      float f;
      std::memcpy(&f, &u, 4);
      value = f;
    } else {
      uint16_t u = static_cast<uint16_t>(bits);
      _Float16 h;
      std::memcpy(&h, &u, 2);
      value = static_cast<double>(h);
    }
    return ConstValue(value).toString();
  }
  if (p.type == ScalarType::I1)
    return std::to_string(bits & 1);
  const unsigned width = 8 * p.bytes;
  int64_t v = static_cast<int64_t>(bits << (64 - width)) >> (64 - width); // sign-extended
  return std::to_string(v);
}

std::string msText(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g ms", ms);
  return buf;
}

std::string firstLine(const std::string &message) {
  size_t end = message.find('\n');
  return end == std::string::npos ? message : message.substr(0, end) + " ...";
}

} // namespace lacc::detail
