#!/usr/bin/env python3
"""The TNL layer in PyTorch eager, for the same-run comparison with lacc-tnl-bench.

    bench_torch_tnl.py OUT.csv [--dim=1024 --heads=8 --glu=2816 --tokens=65536
                                --n=1024,4096,16384,65536 --repeat=5]

The layer of LIGHTNING.md (SRMSNorm, fused QKVU projection, SiLU on q and k, lightning attention
with the per-head slopes of a middle layer of 24, SRMSNorm of o and the u gate, output projection
and residual, SRMSNorm, SGLU, residual), bf16 weights and activations, torch's own matmuls
(cuBLAS), and lightning attention as the chunked algorithm written with torch ops: per block of
256 tokens the masked, decayed Q K^T V inside the block, plus Q times the state carried across
blocks by a loop. Forward + backward through autograd, timed with CUDA events (median of R after
a warm-up). Writes n, b, fwd_bwd_ms, tokens_per_s.
"""
import csv
import math
import sys

import torch


def srms(x, eps=1e-6):
    xf = x.float()
    return (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)).to(x.dtype)


def lightning_chunked(q, k, v, slope, block=256):
    """o_t = sum_{j<=t} exp(-s (t - j)) (q_t . k_j) v_j for q, k, v [b, h, n, d]."""
    b, h, n, d = q.shape
    e = v.shape[-1]
    pad = (-n) % block
    if pad:
        q, k, v = (torch.nn.functional.pad(t, (0, 0, 0, pad)) for t in (q, k, v))
    T = (n + pad) // block
    q = q.reshape(b, h, T, block, d)
    k = k.reshape(b, h, T, block, d)
    v = v.reshape(b, h, T, block, e)
    s = slope.view(1, h, 1, 1).float()
    r = torch.arange(block, device=q.device, dtype=torch.float32)
    diff = r[:, None] - r[None, :]
    mask = torch.where(diff >= 0, torch.exp(-s * diff.clamp(min=0)), torch.zeros((), device=q.device))
    mask = mask.view(1, h, 1, block, block).to(q.dtype)
    intra = ((q @ k.transpose(-1, -2)) * mask) @ v                       # [b, h, T, B, e]
    q_decay = torch.exp(-s * r.view(1, 1, block, 1)).view(1, h, 1, block, 1).to(q.dtype)
    k_decay = torch.exp(-s * (block - r).view(1, 1, block, 1)).view(1, h, 1, block, 1).to(q.dtype)
    kv = (k * k_decay).transpose(-1, -2) @ v                            # [b, h, T, d, e]
    lam_block = torch.exp(-s * block).view(1, h, 1, 1)
    state = torch.zeros(b, h, d, e, device=q.device, dtype=torch.float32)
    inter = []
    for i in range(T):
        inter.append((q[:, :, i] * q_decay[:, :, 0]) @ state.to(q.dtype))
        state = lam_block * state + kv[:, :, i].float()
    o = intra + torch.stack(inter, dim=2)
    return o.reshape(b, h, T * block, e)[:, :, :n]


def check_chunked():
    """The chunked attention against the recurrence S_t = lambda S_(t-1) + k_t v_t^T, o_t = q_t S_t."""
    g = torch.Generator(device="cuda").manual_seed(1)
    q, k, v = (torch.randn(1, 2, 300, 16, device="cuda", generator=g) for _ in range(3))
    s = torch.tensor([0.5, 0.03], device="cuda")
    want = torch.empty_like(v)
    state = torch.zeros(2, 16, 16, device="cuda")
    for t in range(300):
        state = torch.exp(-s).view(2, 1, 1) * state + k[0, :, t, :, None] * v[0, :, t, None, :]
        want[0, :, t] = (q[0, :, t, None, :] @ state)[:, 0]
    got = lightning_chunked(q, k, v, s, block=64)
    err = ((got - want).norm() / want.norm()).item()
    print(f"chunked attention vs the recurrence (fp32, n = 300): relative error {err:.2e}", flush=True)
    if err > 1e-4:
        raise SystemExit("the torch reference's attention is wrong")


def slopes(heads, layer, layers):
    base = [2 ** (-8 * (i + 1) / heads) for i in range(heads)]
    return torch.tensor(base) * (1 - layer / (layers - 1) + 1e-5)


class Layer(torch.nn.Module):
    def __init__(self, D, H, F):
        super().__init__()
        g = lambda *shape, s: torch.nn.Parameter(torch.randn(*shape, device="cuda") * s)
        self.D, self.H, self.F = D, H, F
        self.wqkvu = g(D, 4 * D, s=0.02)
        self.wout = g(D, D, s=0.02)
        self.w12 = g(D, 2 * F, s=0.02)
        self.w3 = g(F, D, s=0.02)
        self.register_buffer("slope", slopes(H, 1, 24).cuda())

    def forward(self, x):
        b, n, D = x.shape
        H, dh = self.H, D // self.H
        q, k, v, u = (srms(x) @ self.wqkvu).chunk(4, dim=-1)
        heads = lambda t: t.reshape(b, n, H, dh).transpose(1, 2)
        q = heads(torch.nn.functional.silu(q))
        k = heads(torch.nn.functional.silu(k))
        o = lightning_chunked(q, k, heads(v), self.slope)
        o = o.transpose(1, 2).reshape(b, n, D)
        x1 = x + (u * srms(o)) @ self.wout
        a, c = (srms(x1) @ self.w12).chunk(2, dim=-1)
        return x1 + (a * c) @ self.w3


def main():
    out_path = sys.argv[1]
    opts = dict(dim=1024, heads=8, glu=2816, tokens=65536, n="1024,4096,16384,65536", repeat=5)
    for a in sys.argv[2:]:
        key, value = a.lstrip("-").split("=")
        opts[key] = value
    D, H, F = int(opts["dim"]), int(opts["heads"]), int(opts["glu"])
    tokens, repeat = int(opts["tokens"]), int(opts["repeat"])
    torch.manual_seed(0)
    check_chunked()
    layer = Layer(D, H, F).to(torch.bfloat16)
    rows = []
    print(f"PyTorch {torch.__version__} eager, {torch.cuda.get_device_name()}: D = {D}, {H} heads, "
          f"GLU {F}, b * n = {tokens}", flush=True)
    print(f"{'n':>8} {'b':>5} {'fwd+bwd ms':>12} {'tokens/s':>14}", flush=True)
    for n in [int(v) for v in str(opts["n"]).split(",")]:
        b = max(1, tokens // n)
        x = torch.randn(b, n, D, device="cuda", dtype=torch.bfloat16, requires_grad=True)
        dy = torch.randn(b, n, D, device="cuda", dtype=torch.bfloat16)

        def step():
            layer.zero_grad(set_to_none=True)
            x.grad = None
            layer(x).backward(dy)

        step()
        torch.cuda.synchronize()
        times = []
        for _ in range(repeat):
            start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            step()
            stop.record()
            stop.synchronize()
            times.append(start.elapsed_time(stop))
        ms = sorted(times)[len(times) // 2]
        rows.append([n, b, f"{ms:.4f}", f"{b * n / (ms * 1e-3):.0f}"])
        print(f"{n:8d} {b:5d} {ms:12.3f} {b * n / (ms * 1e-3):14.0f}", flush=True)
        del x, dy
        torch.cuda.empty_cache()
    with open(out_path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["n", "b", "fwd_bwd_ms", "tokens_per_s"])
        w.writerows(rows)


if __name__ == "__main__":
    main()
