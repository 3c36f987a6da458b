#!/usr/bin/env python3
"""PyTorch's causal softmax attention beside lacc's lightning attention, and the plot.

    lightning_sdpa.py CSV PNG [--dims 128,64] [--ns 1024,...,65536] [--tokens 65536] [--heads 32]
    lightning_sdpa.py --plot-only CSV PNG

Appends to CSV (lacc-bench-lightning's, same columns) one row per shape for
torch.nn.functional.scaled_dot_product_attention, causal, flash backend, bf16, [b, h, n, d]
with b = tokens / n: the forward, and the forward plus the gradients of q, k, v, timed with
triton.testing.do_bench (CUDA events, warm-up, L2 flushed, median) as lacc's DeviceTimer does.
Bytes and FLOPs are counted as lacc-bench-lightning counts them for bytes (q, k, v, o once; then
dO, dq, dk, dv and q, k, v again) and as FlashAttention counts FLOPs (causal: 2 n^2 d per (b, h)
forward, 2.5 times that backward). Peak memory is torch.cuda.max_memory_allocated over the
forward and backward, inputs included. A shape that fails (out of memory) gets a row whose status
says so.

Then draws PNG: tokens/s against sequence length (log-log), one panel per head dim, lines for
lacc forward, lacc forward + backward, SDPA forward and SDPA forward + backward. Rows whose status
is not "ok" are left out of the plot.
"""
import argparse
import csv
import os
import sys

# lacc-bench-lightning's columns.
COLUMNS = ("system,dtype,d,n,batch,heads,tokens,config,fwd_ms,fwd_bwd_ms,fwd_tb_s,fwd_bwd_tb_s,"
           "fwd_tflop_s,fwd_bwd_tflop_s,fwd_tokens_s,fwd_bwd_tokens_s,peak_gib,peak_measure,"
           "err_o,err_dq,err_dk,err_dv,checked_slices,fwd_ms_unsegmented,bwd_ms,bwd_ms_unsegmented,"
           "status").split(",")


def sdpa_rows(dims, ns, tokens, heads):
    import torch
    import triton.testing
    from torch.nn.attention import SDPBackend, sdpa_kernel
    from torch.nn.functional import scaled_dot_product_attention as sdpa

    rows = []
    for d in dims:
        for n in ns:
            b = tokens // n
            row = {"system": "sdpa-flash", "dtype": "bf16", "d": d, "n": n, "batch": b,
                   "heads": heads, "tokens": tokens, "config": "causal flash backend",
                   "peak_measure": "torch.cuda.max_memory_allocated", "checked_slices": 0}
            try:
                torch.cuda.empty_cache()
                torch.cuda.reset_peak_memory_stats()
                gen = torch.Generator(device="cuda").manual_seed(n + d)
                q, k, v = (torch.randn(b, heads, n, d, device="cuda", dtype=torch.bfloat16,
                                       generator=gen).requires_grad_() for _ in range(3))
                do = torch.randn(b, heads, n, d, device="cuda", dtype=torch.bfloat16,
                                 generator=gen)
                with sdpa_kernel(SDPBackend.FLASH_ATTENTION):
                    def fwd():
                        return sdpa(q, k, v, is_causal=True)

                    def fwd_bwd():
                        q.grad = k.grad = v.grad = None
                        fwd().backward(do)

                    fwd_bwd()
                    torch.cuda.synchronize()
                    peak = torch.cuda.max_memory_allocated()
                    with torch.no_grad():
                        fwd_ms = triton.testing.do_bench(fwd, warmup=25, rep=100,
                                                         return_mode="median")
                    fwd_bwd_ms = triton.testing.do_bench(fwd_bwd, warmup=25, rep=100,
                                                         return_mode="median",
                                                         grad_to_none=[q, k, v])
                elems = b * heads * n * d
                fwd_bytes = 2 * 4 * elems
                fwd_bwd_bytes = fwd_bytes + 2 * 7 * elems
                fwd_flops = 2 * b * heads * n * n * d  # causal: half of 4 n^2 d
                row.update({
                    "fwd_ms": f"{fwd_ms:.6f}", "fwd_bwd_ms": f"{fwd_bwd_ms:.6f}",
                    "fwd_tb_s": f"{fwd_bytes / fwd_ms / 1e9:.4f}",
                    "fwd_bwd_tb_s": f"{fwd_bwd_bytes / fwd_bwd_ms / 1e9:.4f}",
                    "fwd_tflop_s": f"{fwd_flops / fwd_ms / 1e9:.3f}",
                    "fwd_bwd_tflop_s": f"{3.5 * fwd_flops / fwd_bwd_ms / 1e9:.3f}",
                    "fwd_tokens_s": f"{tokens / fwd_ms * 1e3:.6e}",
                    "fwd_bwd_tokens_s": f"{tokens / fwd_bwd_ms * 1e3:.6e}",
                    "peak_gib": f"{peak / 2**30:.4f}", "status": "ok"})
                del q, k, v, do
            except Exception as e:  # out of memory, no flash kernel for this shape, ...
                row["status"] = f"error: {type(e).__name__}: {str(e).splitlines()[0][:120]}"
            print(f"  sdpa d {d:4d} n {n:6d} b {b:3d}: fwd {row.get('fwd_ms', '-')} ms, "
                  f"fwd+bwd {row.get('fwd_bwd_ms', '-')} ms, peak {row.get('peak_gib', '-')} GiB"
                  f"  {row['status']}", flush=True)
            rows.append(row)
    return rows


def plot(rows, png, device=""):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ok = [r for r in rows if r["status"] == "ok"]
    dims = sorted({int(r["d"]) for r in ok}, reverse=True)
    if not dims:
        sys.exit("lightning_sdpa.py: nothing to plot (no row with status ok)")
    lines = [("lacc", "fwd_tokens_s", "lacc lightning fwd", "C0", "-o"),
             ("lacc", "fwd_bwd_tokens_s", "lacc lightning fwd+bwd", "C0", "--s"),
             ("sdpa-flash", "fwd_tokens_s", "SDPA causal (flash) fwd", "C3", "-o"),
             ("sdpa-flash", "fwd_bwd_tokens_s", "SDPA causal (flash) fwd+bwd", "C3", "--s")]
    fig, axes = plt.subplots(1, len(dims), figsize=(6.5 * len(dims), 4.8), squeeze=False)
    for ax, d in zip(axes[0], dims):
        for system, column, label, color, style in lines:
            pts = sorted((int(r["n"]), float(r[column])) for r in ok
                         if r["system"] == system and int(r["d"]) == d)
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], style, color=color,
                        label=label)
        heads = ok[0]["heads"]
        tokens = ok[0]["tokens"]
        ax.set(xscale="log", yscale="log", xlabel="sequence length n (b = %s / n)" % tokens,
               ylabel="tokens / s",
               title=f"d = e = {d}, h = {heads}, {ok[0]['dtype']} (higher is better)")
        ns = sorted({int(r["n"]) for r in ok if int(r["d"]) == d})
        ax.set_xticks(ns, [f"{n // 1024}K" if n >= 1024 else str(n) for n in ns])
        ax.minorticks_off()
        ax.grid(True, which="major", alpha=0.3)
        ax.legend()
    if device:
        fig.suptitle(f"lightning attention (lacc) and causal softmax attention (SDPA) on {device}")
    fig.tight_layout()
    fig.savefig(png, dpi=120)
    print(f"wrote {png}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("csv")
    p.add_argument("png")
    p.add_argument("--dims", default="128,64")
    p.add_argument("--ns", default="1024,2048,4096,8192,16384,32768,65536")
    p.add_argument("--tokens", type=int, default=65536)
    p.add_argument("--heads", type=int, default=32)
    p.add_argument("--plot-only", action="store_true")
    a = p.parse_args()
    rows = []
    if os.path.exists(a.csv):
        with open(a.csv, newline="") as f:
            reader = csv.DictReader(f)
            if reader.fieldnames != COLUMNS:
                sys.exit(f"lightning_sdpa.py: {a.csv} does not have lacc-bench-lightning's columns")
            rows = list(reader)
    device = ""
    if not a.plot_only:
        import torch
        device = torch.cuda.get_device_name()
        new = sdpa_rows([int(x) for x in a.dims.split(",")], [int(x) for x in a.ns.split(",")],
                        a.tokens, a.heads)
        # lacc's run may have failed before writing: the SDPA rows stand alone then.
        fresh = not os.path.exists(a.csv)
        with open(a.csv, "a", newline="") as f:
            w = csv.DictWriter(f, fieldnames=COLUMNS, restval="")
            if fresh:
                w.writeheader()
            w.writerows(new)
        rows += [{k: str(v) for k, v in r.items()} for r in new]
    plot(rows, a.png, device)


if __name__ == "__main__":
    main()
