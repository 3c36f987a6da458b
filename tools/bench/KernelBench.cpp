//===- KernelBench.cpp - memory-bound kernels against the copy roofline -----------===//
//
//   lacc-bench-kernels [--smoke] [--csv FILE] [--only LABEL[,LABEL...]] [--target-ms MS]
//   lacc-bench-kernels --list [--smoke]
//
// Times the memory-bound kernels of kernels/ (MemoryCases.cpp: softmax, SRMSNorm, the TNL
// layer's gate, SiLU, SGLU and LRPE forward and backward, layer norm, vector add) on the GPU at
// sizes that fill it, over each kernel's BLOCK / num_warps choices. For every configuration:
// outputs poisoned, one launch, every output checked on a sample of rows against an fp64
// reference of the inputs actually there (random, drawn on the device); then the median time
// (DeviceTimer.h: CUDA events, warm-up, L2 flushed before each run); and the check again on the
// last run's outputs. Bytes moved count every input read once and every output written once;
// GB/s is 1e9 bytes per second; "% of copy" compares with cuMemcpyDtoDAsync moving as many bytes
// (half read, half written), measured in the same run. The default configuration is timed a
// second time at the end of its case, to show the run-to-run spread.
//
// Prints one line per configuration as it goes, then a Markdown table (one row per kernel and
// shape: the default and the best configuration) for docs/benchmarks.md. --csv writes every
// measured line; --list writes the cases alone (CSV, no GPU needed), for
// tools/gpu/bench_torch_memory.py. --smoke runs tiny, ragged sizes with few repetitions, on the
// CPU interpreter when LACC_INTERPRET=1 or when there is no GPU (a CI test); the full run needs a
// GPU and says so. Exit status 0 when every configuration ran and passed its checks.
//
//===----------------------------------------------------------------------===//

#include "tools/bench/BenchData.h"
#include "tools/bench/DeviceTimer.h"
#include "tools/bench/MemoryCases.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

using namespace lacc;
using namespace lacc::bench;

namespace {

struct Options {
  bool smoke = false, list = false;
  std::string csv;
  std::vector<std::string> only;
  double targetMs = 100;
};

/// One measured line: a configuration of a case, or the copy of a case's size.
struct Result {
  const Case *c = nullptr;
  std::string config; // "BLOCK=1024 w4"; the copy: "cuMemcpyDtoDAsync"
  bool isDefault = false, again = false;
  Timing timing;
  double gbps = 0, copyGbps = 0;
  double worstError = 0; // the largest relative error of the outputs (before timing)
  std::string status;    // "ok", "FAIL ...", "error: ..."
  bool ok() const { return status == "ok"; }
};

std::string firstLine(const std::string &s) { return s.substr(0, s.find('\n')); }

std::string csvField(const std::string &s) {
  if (s.find_first_of(",\"\n") == std::string::npos)
    return s;
  std::string q = "\"";
  for (char ch : s)
    q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return q + "\"";
}

/// The checks as one status: "ok", or which outputs failed and by how much. `worst` gets the
/// largest error (NaN when an output holds NaN).
std::string statusOf(const std::vector<OutputCheck> &checks, double &worst, const char *when) {
  worst = 0;
  bool nan = false;
  std::string failed;
  for (const OutputCheck &k : checks) {
    nan = nan || std::isnan(k.error);
    if (!std::isnan(k.error))
      worst = std::max(worst, k.error);
    if (k.passed())
      continue;
    char what[160];
    if (std::isnan(k.error))
      std::snprintf(what, sizeof what, "%s has NaN (unwritten?)", k.output.c_str());
    else
      std::snprintf(what, sizeof what, "%s error %.2e > %.0e", k.output.c_str(), k.error,
                    k.tolerance);
    failed += (failed.empty() ? "" : "; ") + std::string(what);
  }
  if (nan)
    worst = std::nan("");
  return failed.empty() ? "ok" : std::string("FAIL ") + when + ": " + failed;
}

class Bench {
public:
  Bench(Context &ctx, const Options &o)
      : ctx_(ctx), options_(o), fill_(ctx), timer_(ctx, fill_, timerOptions(o)) {}

  int run(const std::vector<Case> &cases);

private:
  static TimerOptions timerOptions(const Options &o) {
    TimerOptions t;
    t.targetMs = o.targetMs;
    if (o.smoke) { // the interpreter: a token flush, a few repetitions
      t.flushBytes = 4096;
      t.warmups = 1;
      t.minReps = t.maxReps = 3;
    }
    return t;
  }

  void runCase(const Case &c, int index);
  Result runConfig(const Case &c, CaseData &data, Module &mod, const Config &cfg);
  double copyGbps(uint64_t bytes);
  void print(const Result &r);
  void printSummary();

  Context &ctx_;
  Options options_;
  Filler fill_;
  DeviceTimer timer_;
  std::map<uint64_t, double> copies_; // bytes moved -> GB/s
  std::vector<Result> results_;
  FILE *csv_ = nullptr;
  bool broken_ = false; // the CUDA context failed: nothing more can run
};

double Bench::copyGbps(uint64_t bytes) {
  // Half read, half written, like the kernels' bytes; 4 KiB granules.
  uint64_t half = std::max<uint64_t>((bytes / 2 + 4095) / 4096 * 4096, 4096);
  if (auto it = copies_.find(half); it != copies_.end())
    return it->second;
  DeviceBuffer src = ctx_.alloc(half), dst = ctx_.alloc(half);
  fill_.uniform(src, DType::F32, int64_t(half / 4), 7, -1, 1);
  Timing t = timer_.time([&] { dst.copyFromDevice(src, half); });
  double gbps = 2.0 * double(half) / (t.medianMs * 1e-3) / 1e9;
  Result r;
  r.config = "cuMemcpyDtoDAsync " + (half >= (1u << 20) ? std::to_string(half >> 20) + " MiB"
                                                       : std::to_string(half >> 10) + " KiB");
  r.timing = t;
  r.gbps = r.copyGbps = gbps;
  r.status = "ok";
  print(r);
  return copies_[half] = gbps;
}

Result Bench::runConfig(const Case &c, CaseData &data, Module &mod, const Config &cfg) {
  Result r;
  r.c = &c;
  r.config = cfg.label;
  try {
    KernelOptions ko;
    ko.numWarps = cfg.numWarps;
    Kernel k = mod.kernel(c.kernel, cfg.constants, ko);
    auto launch = [&] { c.launch(k, cfg, data.buffers()); };
    auto prepare = [&] {
      if (c.beforeLaunch)
        c.beforeLaunch(fill_, data.buffers());
    };
    // Checked first, on poisoned outputs (the first launch also compiles).
    data.poisonOutputs();
    prepare();
    launch();
    ctx_.synchronize();
    r.status = statusOf(data.check(), r.worstError, "before timing");
    if (!r.ok())
      return r; // the speed of a wrong kernel means nothing
    r.timing = timer_.time(launch, prepare);
    r.gbps = double(c.bytes()) / (r.timing.medianMs * 1e-3) / 1e9;
    double after = 0;
    r.status = statusOf(data.check(), after, "after timing");
  } catch (const Error &e) {
    r.status = "error: " + firstLine(e.what());
    try {
      ctx_.synchronize();
    } catch (const Error &) {
      broken_ = true; // a sticky CUDA error: every later call would fail too
    }
  }
  return r;
}

void Bench::runCase(const Case &c, int index) {
  std::unique_ptr<CaseData> data;
  Module mod;
  double copy = 0;
  try {
    mod = ctx_.loadEmbedded(c.file);
    data = std::make_unique<CaseData>(ctx_, c, fill_, index + 1);
    data->prepareReference(sampleRows(c.rows, options_.smoke ? c.rows : 48, 1000 + index));
    copy = copyGbps(c.bytes());
  } catch (const Error &e) {
    Result r;
    r.c = &c;
    r.config = "(setup)";
    r.status = "error: " + firstLine(e.what());
    print(r);
    results_.push_back(r);
    return;
  }
  for (size_t i = 0; i < c.configs.size() && !broken_; ++i) {
    Result r = runConfig(c, *data, mod, c.configs[i]);
    r.isDefault = i == c.defaultConfig;
    r.copyGbps = copy;
    print(r);
    results_.push_back(r);
  }
  if (broken_)
    return;
  // The default once more: the spread between the two is the noise of this run.
  Result again = runConfig(c, *data, mod, c.configs[c.defaultConfig]);
  again.isDefault = again.again = true;
  again.copyGbps = copy;
  print(again);
  results_.push_back(again);
}

void Bench::print(const Result &r) {
  std::string label = r.c ? r.c->label : "copy";
  std::string shape = r.c ? r.c->shape + " " + r.c->dtype : "";
  std::string config = r.config + (r.again ? " (default, again)" : r.isDefault ? " (default)" : "");
  if (r.timing.reps > 0)
    std::printf("%-28s %-18s %-30s %9.4f ms %8.1f GB/s %6.1f%% of copy  err %.1e  %s\n",
                label.c_str(), shape.c_str(), config.c_str(), r.timing.medianMs, r.gbps,
                100 * r.gbps / r.copyGbps, r.worstError, r.status.c_str());
  else
    std::printf("%-28s %-18s %-30s %s\n", label.c_str(), shape.c_str(), config.c_str(),
                r.status.c_str());
  std::fflush(stdout);
  if (csv_) {
    std::fprintf(csv_, "%s,%s,%s,%s,%llu,%s,%d,%d,%.6f,%.6f,%d,%.2f,%.2f,%.2f,%.3e,%s\n",
                 csvField(label).c_str(), r.c ? r.c->kernel.c_str() : "copy",
                 r.c ? r.c->shape.c_str() : "", r.c ? r.c->dtype.c_str() : "",
                 (unsigned long long)(r.c ? r.c->bytes() : 0), csvField(r.config).c_str(),
                 int(r.isDefault), int(r.again), r.timing.medianMs, r.timing.minMs,
                 r.timing.reps, r.gbps, r.copyGbps,
                 r.copyGbps > 0 ? 100 * r.gbps / r.copyGbps : 0.0, r.worstError,
                 csvField(r.status).c_str());
    std::fflush(csv_);
  }
}

void Bench::printSummary() {
  std::printf("\n## %s: memory-bound kernels, GB/s (paste into docs/benchmarks.md)\n\n",
              ctx_.deviceName().c_str());
  std::printf("| kernel | shape | dtype | MB moved | copy GB/s | default: config, GB/s | "
              "best: config, GB/s | best %% of copy | default again | check |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
  int passed = 0, total = 0;
  for (size_t i = 0; i < results_.size();) {
    const Case *c = results_[i].c;
    const Result *def = nullptr, *best = nullptr, *again = nullptr;
    int failures = 0;
    size_t j = i;
    for (; j < results_.size() && results_[j].c == c; ++j) {
      const Result &r = results_[j];
      ++total;
      passed += r.ok();
      failures += !r.ok();
      if (!r.ok())
        continue;
      if (r.again)
        again = &r;
      else if (r.isDefault)
        def = &r;
      if (!r.again && (!best || r.gbps > best->gbps))
        best = &r;
    }
    auto cell = [](const Result *r) {
      char buf[96];
      if (!r)
        return std::string("-");
      std::snprintf(buf, sizeof buf, "%s: %.0f", r->config.c_str(), r->gbps);
      return std::string(buf);
    };
    char copy[32] = "-", pct[32] = "-", spread[48] = "-";
    if (best) {
      std::snprintf(copy, sizeof copy, "%.0f", best->copyGbps);
      std::snprintf(pct, sizeof pct, "%.1f%%", 100 * best->gbps / best->copyGbps);
    }
    if (def && again)
      std::snprintf(spread, sizeof spread, "%.0f (%+.1f%%)", again->gbps,
                    100 * (again->gbps - def->gbps) / def->gbps);
    std::printf("| %s | %s | %s | %.1f | %s | %s | %s | %s | %s | %s |\n", c->label.c_str(),
                c->shape.c_str(), c->dtype.c_str(), double(c->bytes()) / 1e6, copy,
                cell(def).c_str(), cell(best).c_str(), pct, spread,
                failures ? (std::to_string(failures) + " failed").c_str() : "ok");
    i = j;
  }
  std::printf("\n%s: %d of %d configurations ran and passed their checks\n",
              passed == total && !broken_ ? "ALL PASSED" : "SOME FAILED", passed, total);
}

int Bench::run(const std::vector<Case> &cases) {
  if (!options_.csv.empty()) {
    csv_ = std::fopen(options_.csv.c_str(), "w");
    if (!csv_) {
      std::fprintf(stderr, "lacc-bench-kernels: cannot write '%s'\n", options_.csv.c_str());
      return 2;
    }
    std::fprintf(csv_, "label,kernel,shape,dtype,bytes,config,default,again,median_ms,min_ms,"
                       "reps,gbps,copy_gbps,pct_copy,error,status\n");
  }
  std::printf("lacc-bench-kernels on %s (%s)%s\n", ctx_.deviceName().c_str(), ctx_.arch().c_str(),
              options_.smoke ? ", smoke sizes" : "");
  std::printf("method: median of >= %d runs (about %.0f ms of each), CUDA events, L2 flushed "
              "before each run; outputs poisoned and checked on sampled rows before and after "
              "timing\n\n",
              options_.smoke ? 3 : 10, options_.targetMs);
  for (size_t i = 0; i < cases.size() && !broken_; ++i)
    runCase(cases[i], int(i));
  if (broken_)
    std::printf("\nthe CUDA context failed (see the last error): the run stopped there\n");
  printSummary();
  if (csv_)
    std::fclose(csv_);
  bool allOk = !broken_ && std::all_of(results_.begin(), results_.end(),
                                       [](const Result &r) { return r.ok(); });
  return allOk ? 0 : 1;
}

void listCases(const std::vector<Case> &cases) {
  std::printf("label,kernel,shape,dtype,bytes\n");
  for (const Case &c : cases)
    std::printf("%s,%s,%s,%s,%llu\n", csvField(c.label).c_str(), c.kernel.c_str(),
                c.shape.c_str(), c.dtype.c_str(), (unsigned long long)c.bytes());
}

std::vector<std::string> splitCommas(const std::string &s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty())
      out.push_back(item);
  return out;
}

int usage(const char *argv0) {
  std::fprintf(stderr,
               "usage: %s [--smoke] [--csv FILE] [--only LABEL[,LABEL...]] [--target-ms MS]\n"
               "       %s --list [--smoke]\n",
               argv0, argv0);
  return 2;
}

} // namespace

int main(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    bool hasValue = i + 1 < argc;
    if (a == "--smoke")
      o.smoke = true;
    else if (a == "--list")
      o.list = true;
    else if (a == "--csv" && hasValue)
      o.csv = argv[++i];
    else if (a == "--only" && hasValue)
      o.only = splitCommas(argv[++i]);
    else if (a == "--target-ms" && hasValue)
      o.targetMs = std::atof(argv[++i]);
    else
      return usage(argv[0]);
  }

  std::vector<Case> cases = memoryCases(o.smoke);
  if (!o.only.empty()) {
    std::vector<Case> chosen;
    for (Case &c : cases)
      if (std::find(o.only.begin(), o.only.end(), c.label) != o.only.end() ||
          std::find(o.only.begin(), o.only.end(), c.kernel) != o.only.end())
        chosen.push_back(std::move(c));
    if (chosen.empty()) {
      std::fprintf(stderr, "lacc-bench-kernels: --only matches no case (see --list)\n");
      return 2;
    }
    cases = std::move(chosen);
  }
  if (o.list) {
    listCases(cases);
    return 0;
  }

  try {
    std::unique_ptr<Context> ctx;
    if (o.smoke) {
      ctx = std::make_unique<Context>(Context::gpuOrInterpreter()); // LACC_INTERPRET decides
    } else {
      ContextOptions co;
      co.interpret = false; // full sizes would take days on the interpreter
      try {
        ctx = std::make_unique<Context>(co);
      } catch (const Error &e) {
        if (e.kind() != Error::Kind::NoDriver && e.kind() != Error::Kind::NoDevice)
          throw;
        std::fprintf(stderr,
                     "lacc-bench-kernels: no GPU here (%s).\nThe benchmark times kernels on a "
                     "CUDA GPU; --smoke runs it at tiny sizes on the CPU interpreter.\n",
                     e.what());
        return 1;
      }
    }
    Bench bench(*ctx, o);
    return bench.run(cases);
  } catch (const Error &e) {
    std::fprintf(stderr, "lacc-bench-kernels: %s\n", e.what());
    return 1;
  }
}
