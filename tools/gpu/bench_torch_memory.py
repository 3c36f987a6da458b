#!/usr/bin/env python3
"""bench_torch_memory.py --cases CASES.csv --out TORCH.csv [--target-ms MS] [--device cuda|cpu]

Times torch's own ops on the shapes of lacc-bench-kernels, for the comparison that
tools/gpu/bench-memory.sh prints. CASES.csv is `lacc-bench-kernels --list` (label, kernel, shape,
dtype, bytes); each case's GB/s uses the same byte count as lacc's (every input read once, every
output written once), whatever torch moves in between.

The method is lacc-bench-kernels' (tools/bench/DeviceTimer.h): inputs drawn at random; warm-up;
then repetitions, each after an untimed write of a 256 MiB buffer (the L2 flush of
triton.testing.do_bench), bracketed by two CUDA events; the median.

"torch's op" for each kernel (several forms where torch has more than one; the merged table takes
the fastest, and names it):
  vector_add                 x + y
  softmax, softmax_online    torch.softmax(x, -1) (f32; bf16)
  srmsnorm_fwd               x * rsqrt(mean(x^2) + eps) in fp32 math, cast back (TNL's
                             SimpleRMSNorm, eager); F.rms_norm(x, (C,), eps) where torch has it
  srmsnorm_bwd               the gradient of either form by autograd (graph kept, dx only)
  gate_norm_fwd / _bwd       u * srmsnorm(o) with either form; autograd for (do, du)
  silu_fwd / silu_bwd        F.silu(x); aten.silu_backward(dy, x) (what autograd calls)
  sglu_fwd / sglu_bwd        a * b (the elementwise part of SGLU); (do * b, do * a)
  layernorm_fwd (both)       F.layer_norm(x, (C,), w, b, 1e-5), fp16
  lrpe_fwd                   cat([x * cos(theta t), x * sin(theta t)], -1) with the angles formed
                             in the op (TNL's Lrpe): cos/sin in fp32 (x promoted, cast back), or
                             cast to bf16 first
  lrpe_bwd                   the gradient of either form by autograd, for x and theta

--device cpu runs the same code on the CPU with host timing: a dry run of the script on the tiny
cases of `lacc-bench-kernels --list --smoke` (its numbers mean nothing).
"""
import argparse
import csv
import math
import sys
import time

RMS_EPS = 1e-6
LAYER_EPS = 1e-5


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", required=True, help="lacc-bench-kernels --list output")
    p.add_argument("--out", required=True, help="CSV to write")
    p.add_argument("--target-ms", type=float, default=100.0, help="timed work per op, about")
    p.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    return p.parse_args()


class Timer:
    """Median time of fn() as lacc-bench-kernels measures it (see the module docstring)."""

    def __init__(self, torch, device, target_ms):
        self.torch = torch
        self.device = device
        self.target_ms = target_ms
        self.cuda = device == "cuda"
        self.flush = torch.empty(64 << 20 if self.cuda else 1024, dtype=torch.float32,
                                 device=device)

    def _reps(self, fn, n):
        if not self.cuda:
            ms = []
            for _ in range(n):
                t0 = time.perf_counter()
                fn()
                ms.append(1e3 * (time.perf_counter() - t0))
            return ms
        starts = [self.torch.cuda.Event(enable_timing=True) for _ in range(n)]
        stops = [self.torch.cuda.Event(enable_timing=True) for _ in range(n)]
        for i in range(n):
            self.flush.zero_()
            starts[i].record()
            fn()
            stops[i].record()
        self.torch.cuda.synchronize()
        return [s.elapsed_time(e) for s, e in zip(starts, stops)]

    def time(self, fn):
        warm = self._reps(fn, 3)
        estimate = max(min(warm), 1e-3)
        n = min(max(math.ceil(self.target_ms / estimate), 10), 400) if self.cuda else 3
        ms = sorted(self._reps(fn, n))
        median = ms[n // 2] if n % 2 else 0.5 * (ms[n // 2 - 1] + ms[n // 2])
        return median, ms[0], n


def ops_for(torch, label, shape, device):
    """[(name, fn)]: torch's forms of the op of `label` at `shape`, inputs made here."""
    F = torch.nn.functional
    dims = [int(v) for v in shape.split("x")]
    bf16, f16, f32 = torch.bfloat16, torch.float16, torch.float32

    def rand(*size, dtype=bf16, lo=-1.0, hi=1.0):
        return (torch.rand(*size, device=device) * (hi - lo) + lo).to(dtype)

    def srms_eager(x):  # TNL's SimpleRMSNorm: fp32 math, cast back
        xf = x.float()
        return (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + RMS_EPS)).type_as(x)

    norms = [("eager x*rsqrt(mean(x^2)+eps)", srms_eager)]
    if hasattr(F, "rms_norm"):
        norms.append(("F.rms_norm", lambda x: F.rms_norm(x, (x.shape[-1],), eps=RMS_EPS)))

    def grad_of(forward, inputs, grad_out):
        """A timed backward: autograd through `forward`'s graph, built once and kept."""
        leaves = [t.detach().requires_grad_() for t in inputs]
        out = forward(*leaves)
        return lambda: torch.autograd.grad(out, leaves, grad_out, retain_graph=True)

    if label == "vector_add":
        x, y = rand(dims[0], dtype=f32), rand(dims[0], dtype=f32)
        return [("x + y", lambda: x + y)]
    if label in ("softmax", "softmax_online"):
        x = rand(*dims, dtype=f32 if label == "softmax" else bf16, lo=-4, hi=4)
        return [("torch.softmax", lambda: torch.softmax(x, -1))]
    if label == "srmsnorm_fwd":
        x = rand(*dims, lo=-2, hi=2)
        return [(name, lambda f=f: f(x)) for name, f in norms]
    if label == "srmsnorm_bwd":
        x, dy = rand(*dims, lo=-2, hi=2), rand(*dims)
        return [(name + " backward", grad_of(f, [x], dy)) for name, f in norms]
    if label == "gate_norm_fwd":
        o, u = rand(*dims, lo=-2, hi=2), rand(*dims, lo=-2, hi=2)
        return [("u * " + name, lambda f=f: u * f(o)) for name, f in norms]
    if label == "gate_norm_bwd":
        o, u, dy = rand(*dims, lo=-2, hi=2), rand(*dims, lo=-2, hi=2), rand(*dims)
        return [("u * " + name + " backward", grad_of(lambda o_, u_, f=f: u_ * f(o_), [o, u], dy))
                for name, f in norms]
    if label == "silu_fwd":
        x = rand(*dims, lo=-4, hi=4)
        return [("F.silu", lambda: F.silu(x))]
    if label == "silu_bwd":
        x, dy = rand(*dims, lo=-4, hi=4), rand(*dims)
        return [("aten.silu_backward", lambda: torch.ops.aten.silu_backward(dy, x))]
    if label == "sglu_fwd":
        a, b = rand(*dims, lo=-2, hi=2), rand(*dims, lo=-2, hi=2)
        return [("a * b", lambda: a * b)]
    if label == "sglu_bwd":
        a, b, do = rand(*dims, lo=-2, hi=2), rand(*dims, lo=-2, hi=2), rand(*dims)
        return [("(do * b, do * a)", lambda: (do * b, do * a))]
    if label.startswith("layernorm_fwd"):
        rows, cols = dims
        x = rand(rows, cols, dtype=f16, lo=-1, hi=3)
        w, b = rand(cols, dtype=f16, lo=0.5, hi=1.5), rand(cols, dtype=f16, lo=-0.5, hi=0.5)
        return [("F.layer_norm", lambda: F.layer_norm(x, (cols,), w, b, LAYER_EPS))]
    if label in ("lrpe_fwd", "lrpe_bwd"):
        batch, heads, n, d = dims
        j = torch.arange(heads * d, device=device, dtype=torch.float64)
        theta = (10000.0 ** (-2.0 * j / (heads * d))).float().reshape(1, heads, 1, d)
        x = rand(batch, heads, n, d, lo=-2, hi=2)

        def lrpe_fp32(x_, theta_):
            ang = theta_ * torch.arange(n, device=device, dtype=f32).reshape(1, 1, n, 1)
            return torch.cat([x_ * torch.cos(ang), x_ * torch.sin(ang)], -1).to(x_.dtype)

        def lrpe_bf16(x_, theta_):
            ang = theta_ * torch.arange(n, device=device, dtype=f32).reshape(1, 1, n, 1)
            c, s = torch.cos(ang).to(x_.dtype), torch.sin(ang).to(x_.dtype)
            return torch.cat([x_ * c, x_ * s], -1)

        forms = [("cat(x*cos, x*sin), fp32 angles", lrpe_fp32),
                 ("cat(x*cos, x*sin), bf16 cos/sin", lrpe_bf16)]
        if label == "lrpe_fwd":
            return [(name, lambda f=f: f(x, theta)) for name, f in forms]
        dout = rand(batch, heads, n, 2 * d)
        return [(name + " backward", grad_of(f, [x, theta], dout)) for name, f in forms]
    raise KeyError(f"no torch op for '{label}'")


def main():
    args = parse_args()
    try:
        import torch
    except ImportError as e:
        sys.exit(f"bench_torch_memory.py: cannot import torch ({e})")
    if args.device == "cuda" and not torch.cuda.is_available():
        sys.exit("bench_torch_memory.py: torch sees no CUDA GPU here (--device cpu for a dry run)")
    torch.manual_seed(0)
    timer = Timer(torch, args.device, args.target_ms)
    name = torch.cuda.get_device_name() if args.device == "cuda" else "CPU"
    print(f"torch {torch.__version__} on {name}")
    with open(args.cases, newline="") as f:
        cases = list(csv.DictReader(f))
    failures = 0
    with open(args.out, "w", newline="") as out:
        w = csv.writer(out)
        w.writerow(["label", "shape", "dtype", "bytes", "op", "median_ms", "min_ms", "reps",
                     "gbps", "status"])
        for c in cases:
            nbytes = int(c["bytes"])
            ops, fn = [], None
            try:
                ops = ops_for(torch, c["label"], c["shape"], args.device)
            except Exception as e:  # an input that does not fit, a missing op: say so, go on
                ops, failures = [], failures + 1
                w.writerow([c["label"], c["shape"], c["dtype"], nbytes, "-", 0, 0, 0, 0,
                            f"error: {type(e).__name__}: {e}".splitlines()[0]])
                print(f"{c['label']:28} {c['shape']:18} error: {e}")
            for op, fn in ops:
                try:
                    median, best, reps = timer.time(fn)
                    gbps = nbytes / (median * 1e-3) / 1e9
                    row = [c["label"], c["shape"], c["dtype"], nbytes, op, f"{median:.6f}",
                           f"{best:.6f}", reps, f"{gbps:.2f}", "ok"]
                    print(f"{c['label']:28} {c['shape']:18} {op:42} {median:9.4f} ms "
                          f"{gbps:8.1f} GB/s")
                except Exception as e:
                    failures += 1
                    row = [c["label"], c["shape"], c["dtype"], nbytes, op, 0, 0, 0, 0,
                           f"error: {type(e).__name__}: {e}".splitlines()[0]]
                    print(f"{c['label']:28} {c['shape']:18} {op:42} error: {e}")
                w.writerow(row)
                out.flush()
            ops = fn = None  # the inputs go with the closures
            if args.device == "cuda":
                torch.cuda.empty_cache()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
