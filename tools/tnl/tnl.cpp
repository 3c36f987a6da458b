//===- tnl.cpp - train a small TransNormerLLM on lacc's kernels -----------===//
//
//   lacc-tnl [--device=auto|gpu|cpu] [--layers=L] [--dim=D] [--heads=H] [--glu=F]
//            [--batch=B] [--n=N] [--steps=S] [--lr=LR] [--warmup=W] [--log-every=K]
//            [--corpus=FILE,...] [--save=PATH] [--resume=PATH] [--sample=T] [--prompt=TEXT]
//            [--profile-steps=P] [--seed=SEED]
//
// The corpus is bytes (vocabulary 256): the kernels/*.tile sources built into the program,
// plus any --corpus files. Its last 10% is held out. Each step trains on B windows of N + 1
// bytes drawn from the rest by a generator seeded with the step number, so a run resumed from a
// checkpoint sees exactly the batches the first run would have. Prints the corpus's unigram
// entropy (the loss of the best model that ignores context), the loss curve with tokens/s, the
// time per step split by kernel family (P profiled steps, each launch between two events), the
// held-out loss, and a greedy sample through the decode step. --save writes a checkpoint at the
// end (and PATH.eval with its held-out loss); --resume loads one, checks that the held-out loss
// is what the saving run measured, and trains on to --steps (default: 2% more steps, at least 2).
//
// Defaults: on the GPU, 4 layers, D = 512, 8 heads, 16 x 512 tokens per step, 400 steps; on the
// interpreter, 2 layers, D = 64, 4 heads, 4 x 64 tokens, 120 steps (about 20 s).
//
//===----------------------------------------------------------------------===//

#include "lacc/nn/TNLModel.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string device = "auto";
  int64_t layers = 0, dim = 0, heads = 0, glu = 0, batch = 0, n = 0, steps = 0;
  double lr = 0;
  int64_t warmup = -1, logEvery = 0, sample = -1, profileSteps = -1;
  uint64_t seed = 1;
  std::vector<std::string> corpus;
  std::string save, resume, prompt = "@kernel\ndef ";
};

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

bool parse(int argc, char **argv, Options &o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char *name, std::string &out) {
      std::string prefix = std::string("--") + name + "=";
      if (a.rfind(prefix, 0) != 0)
        return false;
      out = a.substr(prefix.size());
      return true;
    };
    std::string v;
    if (value("device", v))
      o.device = v;
    else if (value("layers", v))
      o.layers = std::stoll(v);
    else if (value("dim", v))
      o.dim = std::stoll(v);
    else if (value("heads", v))
      o.heads = std::stoll(v);
    else if (value("glu", v))
      o.glu = std::stoll(v);
    else if (value("batch", v))
      o.batch = std::stoll(v);
    else if (value("n", v))
      o.n = std::stoll(v);
    else if (value("steps", v))
      o.steps = std::stoll(v);
    else if (value("lr", v))
      o.lr = std::stod(v);
    else if (value("warmup", v))
      o.warmup = std::stoll(v);
    else if (value("log-every", v))
      o.logEvery = std::stoll(v);
    else if (value("sample", v))
      o.sample = std::stoll(v);
    else if (value("profile-steps", v))
      o.profileSteps = std::stoll(v);
    else if (value("seed", v))
      o.seed = std::stoull(v);
    else if (value("corpus", v)) {
      std::stringstream ss(v);
      for (std::string f; std::getline(ss, f, ',');)
        if (!f.empty())
          o.corpus.push_back(f);
    } else if (value("save", v))
      o.save = v;
    else if (value("resume", v))
      o.resume = v;
    else if (value("prompt", v))
      o.prompt = v;
    else {
      std::fprintf(stderr, "lacc-tnl: unknown argument '%s' (see the header of tools/tnl/tnl.cpp)\n",
                   a.c_str());
      return false;
    }
  }
  return true;
}

std::string printable(const std::string &s) {
  std::string out;
  for (unsigned char c : s)
    out += (c == '\n' || c == '\t' || (c >= 32 && c < 127)) ? char(c) : '?';
  return out;
}

} // namespace

int main(int argc, char **argv) {
  Options o;
  if (!parse(argc, argv, o))
    return 2;
  try {
    lacc::ContextOptions copt;
    if (o.device == "cpu")
      copt.interpret = true;
    else if (o.device == "gpu")
      copt.interpret = false;
    else if (o.device != "auto") {
      std::fprintf(stderr, "lacc-tnl: --device=%s: use auto, gpu or cpu\n", o.device.c_str());
      return 2;
    }
    lacc::Context ctx = o.device == "auto" ? lacc::Context::gpuOrInterpreter(copt) : lacc::Context(copt);
    const bool gpu = ctx.hasDevice();
    auto pick = [&](int64_t &v, int64_t onGpu, int64_t onCpu) {
      if (v <= 0)
        v = gpu ? onGpu : onCpu;
    };
    pick(o.layers, 4, 2), pick(o.dim, 512, 64), pick(o.heads, 8, 4), pick(o.batch, 16, 4);
    if (o.resume.empty())
      pick(o.steps, 400, 120);
    pick(o.n, 512, 64), pick(o.logEvery, 20, 10);
    if (o.sample < 0)
      o.sample = gpu ? 200 : 48;
    if (o.glu <= 0 && !gpu)
      o.glu = 128;
    if (o.lr <= 0)
      o.lr = gpu ? 2e-3 : 3e-3;
    if (o.warmup < 0)
      o.warmup = gpu ? 30 : 10;
    if (o.profileSteps < 0)
      o.profileSteps = gpu ? 5 : 1;

    // The corpus: the kernel sources built into this program, then the given files.
    std::string corpus;
    for (const std::string &name : lacc::embeddedKernelNames())
      corpus += lacc::embeddedKernelSource(name);
    for (const std::string &f : o.corpus) {
      std::ifstream in(f, std::ios::binary);
      if (!in) {
        std::fprintf(stderr, "lacc-tnl: cannot read --corpus file %s\n", f.c_str());
        return 2;
      }
      std::stringstream ss;
      ss << in.rdbuf();
      corpus += ss.str();
    }
    const int64_t heldOut = int64_t(corpus.size() / 10);
    const int64_t trainBytes = int64_t(corpus.size()) - heldOut;
    if (trainBytes <= o.n + 1 || heldOut <= o.n + 1) {
      std::fprintf(stderr, "lacc-tnl: the corpus (%zu bytes) is too small for n = %lld\n",
                   corpus.size(), (long long)o.n);
      return 2;
    }
    double counts[256] = {0};
    for (unsigned char c : corpus.substr(0, size_t(trainBytes)))
      counts[c] += 1;
    double entropy = 0;
    for (double c : counts)
      if (c > 0)
        entropy -= c / double(trainBytes) * std::log(c / double(trainBytes));

    lacc::nn::TNLKernels kernels(ctx);
    lacc::nn::TNLModelConfig mc;
    mc.vocab = 256, mc.dim = o.dim, mc.heads = o.heads, mc.glu = o.glu, mc.layers = o.layers;
    mc.seed = o.seed;
    lacc::nn::TNLModel model(kernels, mc);
    std::printf("device: %s\n", gpu ? (ctx.deviceName() + " (" + ctx.arch() + ")").c_str()
                                     : "CPU interpreter (tiny config)");
    std::printf("corpus: %zu bytes (%zu embedded kernel sources + %zu files), %lld held out\n",
                corpus.size(), lacc::embeddedKernelNames().size(), o.corpus.size(),
                (long long)heldOut);
    std::printf("unigram entropy of the training bytes: %.4f nats (%.3f bits) per byte\n", entropy,
                entropy / std::log(2.0));
    std::printf("model: %lld layers, D = %lld, %lld heads, GLU %lld, vocab 256: %.2f M parameters\n",
                (long long)o.layers, (long long)o.dim, (long long)o.heads,
                (long long)mc.gluWidth(), double(model.parameterCount()) / 1e6);

    const int64_t M = o.batch * o.n;
    lacc::DeviceBuffer tokens = ctx.alloc(size_t(M) * 4), targets = ctx.alloc(size_t(M) * 4);
    std::vector<int32_t> tok(static_cast<size_t>(M)), tgt(static_cast<size_t>(M));
    auto fill = [&](int64_t offsetBase, int64_t span, uint64_t seed) {
      std::mt19937_64 rng(seed);
      std::uniform_int_distribution<int64_t> start(0, span - o.n - 2);
      for (int64_t r = 0; r < o.batch; ++r) {
        int64_t s = offsetBase + start(rng);
        for (int64_t t = 0; t < o.n; ++t) {
          tok[size_t(r * o.n + t)] = (unsigned char)corpus[size_t(s + t)];
          tgt[size_t(r * o.n + t)] = (unsigned char)corpus[size_t(s + t + 1)];
        }
      }
      tokens.upload(tok);
      targets.upload(tgt);
    };
    // Held-out loss: 4 fixed batches from the held-out tail.
    auto evalLoss = [&] {
      double sum = 0;
      for (uint64_t i = 0; i < 4; ++i) {
        fill(trainBytes, heldOut, 0xE7A1 + i);
        sum += model.lossAndGradients(tokens, targets, o.batch, o.n, false);
      }
      return sum / 4;
    };

    if (!o.resume.empty()) {
      model.load(o.resume);
      double saved = std::nan("");
      std::ifstream ev(o.resume + ".eval");
      ev >> saved;
      double now = evalLoss();
      // Bit for bit: the forward has no atomics and sums the loss in a fixed order.
      bool same = now == saved;
      std::printf("resumed from %s at step %lld: held-out loss %.9f, the saving run measured "
                  "%.9f: %s\n",
                  o.resume.c_str(), (long long)model.stepCount(), now, saved,
                  same ? "the same" : "DIFFERENT");
      if (!same)
        return 1;
      if (o.steps <= 0) // unspecified: a few more steps than the checkpoint's
        o.steps = model.stepCount() + std::max<int64_t>(2, model.stepCount() / 50);
    } else {
      std::printf("held-out loss at initialization: %.4f (ln 256 = %.4f)\n", evalLoss(),
                  std::log(256.0));
    }

    std::printf("training: %lld x %lld tokens per step, to step %lld, AdamW lr %g (warmup %lld, "
                "cosine to 10%%), gradients clipped to norm 1\n",
                (long long)o.batch, (long long)o.n, (long long)o.steps, o.lr, (long long)o.warmup);
    lacc::nn::AdamWConfig opt;
    lacc::nn::Profile profile(ctx);
    double trainSeconds = 0;
    int64_t trainTokens = 0, profiled = 0;
    float loss = 0;
    const int64_t first = model.stepCount();
    std::printf("%8s %10s %10s %12s %10s\n", "step", "loss", "grad norm", "tokens/s", "ms/step");
    for (int64_t s = first; s < o.steps; ++s) {
      // Linear warmup, then a cosine from lr to lr / 10.
      double lr = o.lr;
      if (s < o.warmup)
        lr = o.lr * double(s + 1) / double(o.warmup);
      else if (o.steps > o.warmup)
        lr = o.lr * (0.1 + 0.45 * (1 + std::cos(M_PI * double(s - o.warmup) /
                                                   double(o.steps - o.warmup))));
      opt.lr = float(lr);
      fill(0, trainBytes, o.seed * 1000003 + uint64_t(s));
      // The profiled steps come after the first (which compiles every kernel).
      bool profileThis = s > first && profiled < o.profileSteps;
      if (profileThis)
        kernels.setProfile(&profile);
      ctx.synchronize();
      auto t0 = Clock::now();
      loss = model.lossAndGradients(tokens, targets, o.batch, o.n);
      float norm = model.step(opt);
      ctx.synchronize();
      double dt = seconds(Clock::now() - t0);
      if (profileThis) {
        kernels.setProfile(nullptr);
        profile.collect();
        ++profiled;
      } else if (s > first) {
        trainSeconds += dt;
        trainTokens += M;
      }
      if ((s - first) % o.logEvery == 0 || s + 1 == o.steps)
        std::printf("%8lld %10.4f %10.3f %12.0f %10.2f\n", (long long)s, loss, norm, double(M) / dt,
                    dt * 1e3);
      std::fflush(stdout);
    }
    if (trainTokens > 0)
      std::printf("throughput: %.0f tokens/s (%.2f ms per step of %lld tokens, unprofiled steps "
                  "after the first)\n",
                  double(trainTokens) / trainSeconds, trainSeconds / double(trainTokens) * M * 1e3,
                  (long long)M);
    if (profiled > 0) {
      double total = 0;
      for (const auto &[family, ms] : profile.totals())
        total += ms;
      std::printf("time per step by kernel family (%lld profiled steps, each launch timed; "
                  "attention: op calls):\n",
                  (long long)profiled);
      const auto &launches = profile.launches();
      for (const auto &[family, ms] : profile.totals()) {
        std::printf("  %-12s %9.3f ms  %5.1f%%  %5lld launches\n", family.c_str(),
                    ms / double(profiled), 100 * ms / total,
                    (long long)(launches.at(family) / profiled));
        for (const auto &[kernel, kms] : profile.kernelTotals())
          if (kernel.compare(0, family.size() + 1, family + "/") == 0)
            std::printf("    %-44s %9.3f ms  %5lld\n", kernel.substr(family.size() + 1).c_str(),
                        kms / double(profiled),
                        (long long)(profile.kernelLaunches().at(kernel) / profiled));
      }
      std::printf("  %-12s %9.3f ms\n", "total", total / double(profiled));
    }
    double heldOutLoss = evalLoss();
    std::printf("final: training loss %.4f, held-out loss %.4f nats/byte; unigram entropy %.4f: "
                "%s\n",
                loss, heldOutLoss, entropy,
                heldOutLoss < entropy ? "below it" : "NOT below it");
    if (!o.save.empty()) {
      model.save(o.save);
      std::ofstream ev(o.save + ".eval");
      ev.precision(17);
      ev << heldOutLoss << "\n";
      std::printf("checkpoint: %s (step %lld)\n", o.save.c_str(), (long long)model.stepCount());
    }
    if (o.sample > 0) {
      std::vector<int32_t> prompt;
      for (unsigned char c : o.prompt)
        prompt.push_back(c);
      auto t0 = Clock::now();
      std::vector<int32_t> out = model.generate(prompt, o.sample);
      double dt = seconds(Clock::now() - t0);
      std::string text;
      for (int32_t t : out)
        text += char(t);
      std::printf("greedy sample (%lld tokens through the decode step, %.1f tokens/s):\n"
                  "----\n%s%s\n----\n",
                  (long long)o.sample, double(o.sample) / dt, printable(o.prompt).c_str(),
                  printable(text).c_str());
    }
    return 0;
  } catch (const lacc::Error &e) {
    std::fprintf(stderr, "lacc-tnl: %s\n", e.what());
    return 1;
  }
}
