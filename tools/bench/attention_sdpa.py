#!/usr/bin/env python3
"""PyTorch's SDPA (flash backend) beside lacc's flash-attention tutorial, and the comparison.

    attention_sdpa.py CSV [--table OUT.md]

Reads CSV (lacc-bench-attention's), times torch.nn.functional.scaled_dot_product_attention with
the flash backend on every shape there (same Z, H, N_CTX, HEAD_DIM, causal flag and dtype,
[Z, H, N, D] contiguous, scale 1/sqrt(D)) with triton.testing.do_bench (CUDA events, warm-up, L2
flushed, median) as lacc's DeviceTimer does, appends those rows to CSV, and prints a markdown
table: per shape lacc's fastest configuration, SDPA, and lacc / SDPA in throughput.
FLOPs are counted as lacc-bench-attention counts them: 4 N^2 D per head, half when causal.
"""
import argparse
import csv
import sys

COLUMNS = ("system,dtype,d,n,batch,heads,causal,config,fwd_ms,tflop_s,rel_error,compile_s,"
           "status").split(",")


def sdpa_row(d, n, z, h, causal, dtype):
    import torch
    import triton.testing
    from torch.nn.attention import SDPBackend, sdpa_kernel
    from torch.nn.functional import scaled_dot_product_attention as sdpa

    row = {"system": "sdpa-flash", "dtype": dtype, "d": d, "n": n, "batch": z, "heads": h,
           "causal": int(causal), "config": "flash backend", "rel_error": "", "compile_s": ""}
    try:
        t = torch.bfloat16 if dtype == "bf16" else torch.float16
        gen = torch.Generator(device="cuda").manual_seed(n + d)
        q, k, v = (torch.randn(z, h, n, d, device="cuda", dtype=t, generator=gen)
                   for _ in range(3))
        with torch.no_grad(), sdpa_kernel(SDPBackend.FLASH_ATTENTION):
            ms = triton.testing.do_bench(lambda: sdpa(q, k, v, is_causal=causal), warmup=25,
                                         rep=100, return_mode="median")
        flops = 4.0 * z * h * n * n * d / (2 if causal else 1)
        row.update({"fwd_ms": f"{ms:.6f}", "tflop_s": f"{flops / ms / 1e9:.3f}", "status": "ok"})
        del q, k, v
    except Exception as e:  # out of memory, no flash kernel for this shape, ...
        row.update({"fwd_ms": "", "tflop_s": "",
                    "status": f"error: {type(e).__name__}: {str(e).splitlines()[0][:120]}"})
    return row


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("csv")
    p.add_argument("--table")
    a = p.parse_args()
    with open(a.csv, newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != COLUMNS:
            sys.exit(f"attention_sdpa.py: {a.csv} does not have lacc-bench-attention's columns")
        rows = [r for r in reader if r["system"] == "lacc"]
    key = lambda r: (int(r["causal"]), int(r["d"]), int(r["n"]))
    best = {}
    for r in rows:
        if r["status"] == "ok" and (key(r) not in best
                                    or float(r["fwd_ms"]) < float(best[key(r)]["fwd_ms"])):
            best[key(r)] = r
    shapes = sorted({key(r): r for r in rows}.values(), key=key)
    sdpa = []
    for r in shapes:
        s = sdpa_row(int(r["d"]), int(r["n"]), int(r["batch"]), int(r["heads"]),
                     bool(int(r["causal"])), r["dtype"])
        print(f"  sdpa d {s['d']:4d} n {s['n']:6d} causal {s['causal']}: {s['fwd_ms'] or '-'} ms "
              f"{s['tflop_s'] or '-'} TFLOP/s  {s['status']}", flush=True)
        sdpa.append(s)
    with open(a.csv, "a", newline="") as f:
        csv.DictWriter(f, fieldnames=COLUMNS, restval="").writerows(sdpa)
    lines = ["| causal | d | n | lacc config | lacc ms | lacc TFLOP/s | SDPA ms | SDPA TFLOP/s "
             "| lacc / SDPA |", "|---|---|---|---|---|---|---|---|---|"]
    for r, s in zip(shapes, sdpa):
        b = best.get(key(r))
        ratio = (float(s["fwd_ms"]) / float(b["fwd_ms"])
                 if b and s["status"] == "ok" else float("nan"))
        lines.append(f"| {'yes' if int(r['causal']) else 'no'} | {r['d']} | {r['n']} | "
                     f"{b['config'] if b else '-'} | {b['fwd_ms'] if b else '-'} | "
                     f"{b['tflop_s'] if b else '-'} | {s['fwd_ms'] or '-'} | "
                     f"{s['tflop_s'] or '-'} | {ratio:.2f} |")
    text = "\n".join(lines)
    print(text)
    if a.table:
        with open(a.table, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
