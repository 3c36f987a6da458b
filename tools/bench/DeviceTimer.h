//===- DeviceTimer.h - timing enqueued device work, as METHOD.md says ------*- C++ -*-===//
//
// Warm-up first; then repetitions, each after an untimed write of a buffer larger than the L2
// cache (so that no run reads what the one before left there, as triton.testing.do_bench does)
// and the caller's untimed preparation, bracketed by two events. Everything is enqueued and
// synchronized once at the end, so launch overheads stay outside the brackets. The result is the
// median (and the minimum) of the per-run times.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_TOOLS_BENCH_DEVICETIMER_H
#define LACC_TOOLS_BENCH_DEVICETIMER_H

#include "tools/bench/BenchData.h"

#include <functional>
#include <vector>

namespace lacc::bench {

struct Timing {
  double medianMs = 0, minMs = 0;
  int reps = 0;
};

struct TimerOptions {
  size_t flushBytes = size_t(256) << 20; ///< larger than any L2 (H200: 50 MB)
  double targetMs = 100;                 ///< timed work per measurement, about
  int minReps = 10, maxReps = 400;
  int warmups = 3;
};

/// The benchmark programs' timing: the defaults above with `targetMs` per measurement, or, for
/// --smoke (tiny sizes, possibly on the interpreter), one quick warm-up and run.
TimerOptions benchTimerOptions(bool smoke, double targetMs);

class DeviceTimer {
public:
  DeviceTimer(Context &ctx, const Filler &fill, TimerOptions options);

  /// Times `run` (device work, enqueued), each repetition after the flush and `prepare`.
  Timing time(const std::function<void()> &run, const std::function<void()> &prepare = {});

private:
  void flush();
  std::vector<double> timeReps(int reps, const std::function<void()> &run,
                               const std::function<void()> &prepare);

  Context &ctx_;
  const Filler &fill_;
  TimerOptions options_;
  DeviceBuffer flushBuffer_;
  std::vector<Event> starts_, stops_;
};

} // namespace lacc::bench

#endif // LACC_TOOLS_BENCH_DEVICETIMER_H
