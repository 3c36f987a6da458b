//===- DeviceTimer.cpp - timing enqueued device work -----------------------------===//

#include "tools/bench/DeviceTimer.h"

#include <algorithm>
#include <cmath>

namespace lacc::bench {

TimerOptions benchTimerOptions(bool smoke, double targetMs) {
  TimerOptions options;
  options.targetMs = smoke ? 1 : targetMs;
  options.flushBytes = smoke ? 4096 : options.flushBytes;
  options.minReps = smoke ? 1 : 10;
  options.warmups = smoke ? 1 : 3;
  return options;
}

DeviceTimer::DeviceTimer(Context &ctx, const Filler &fill, TimerOptions options)
    : ctx_(ctx), fill_(fill), options_(options), flushBuffer_(ctx.alloc(options.flushBytes)) {}

void DeviceTimer::flush() {
  // A constant fill writes every byte of the buffer: the L2 then holds only its lines.
  fill_.zeros(flushBuffer_, DType::F32, int64_t(options_.flushBytes / 4));
}

std::vector<double> DeviceTimer::timeReps(int reps, const std::function<void()> &run,
                                          const std::function<void()> &prepare) {
  while (int(starts_.size()) < reps) {
    starts_.push_back(ctx_.event());
    stops_.push_back(ctx_.event());
  }
  for (int i = 0; i < reps; ++i) {
    flush();
    if (prepare)
      prepare();
    starts_[i].record();
    run();
    stops_[i].record();
  }
  std::vector<double> ms;
  for (int i = 0; i < reps; ++i)
    ms.push_back(stops_[i].msSince(starts_[i]));
  ctx_.synchronize(); // reports an error of the launches, if any
  return ms;
}

Timing DeviceTimer::time(const std::function<void()> &run, const std::function<void()> &prepare) {
  // Warm-up, whose times also size the measurement.
  std::vector<double> warm = timeReps(options_.warmups, run, prepare);
  double estimate = std::max(*std::min_element(warm.begin(), warm.end()), 1e-3);
  int reps = int(std::ceil(options_.targetMs / estimate));
  reps = std::clamp(reps, options_.minReps, options_.maxReps);
  std::vector<double> ms = timeReps(reps, run, prepare);
  std::sort(ms.begin(), ms.end());
  Timing t;
  t.reps = reps;
  t.minMs = ms.front();
  t.medianMs = reps % 2 ? ms[reps / 2] : 0.5 * (ms[reps / 2 - 1] + ms[reps / 2]);
  return t;
}

} // namespace lacc::bench
