#!/usr/bin/env python3
"""torch.matmul (cuBLAS) on the shapes of lacc-bench-gemm, for the same-run comparison.

    bench_torch_gemm.py OUT.csv

bf16 and fp16, C = A @ B with A [M, K], B [K, N] row-major, random inputs (never zeros),
timed with triton.testing.do_bench (CUDA events, warm-up, median) -- the same method as
lacc-bench-gemm. Writes dtype, shape, m, n, k, median_ms, tflops.
"""
import csv
import sys

import torch
import triton.testing

SHAPES = [
    ("4096^3", 4096, 4096, 4096),
    ("8192^3", 8192, 8192, 8192),
    ("TNL qkvu 16384x1024x4096", 16384, 4096, 1024),
    ("TNL glu 16384x1024x2816", 16384, 2816, 1024),
    ("TNL down 16384x2816x1024", 16384, 1024, 2816),
]


def main(out_path):
    torch.manual_seed(0)
    rows = []
    for dtype_name, dtype in (("bf16", torch.bfloat16), ("fp16", torch.float16)):
        for name, m, n, k in SHAPES:
            a = torch.randn(m, k, device="cuda", dtype=dtype)
            b = torch.randn(k, n, device="cuda", dtype=dtype)
            ms = triton.testing.do_bench(lambda: torch.matmul(a, b), warmup=50, rep=300,
                                         return_mode="median")
            tflops = 2.0 * m * n * k / (ms * 1e-3) / 1e12
            rows.append([dtype_name, name, m, n, k, f"{ms:.6f}", f"{tflops:.3f}"])
            print(f"  torch {dtype_name:5s} {name:26s} {ms:9.3f} ms {tflops:8.1f} TFLOP/s",
                  flush=True)
    with open(out_path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["dtype", "shape", "m", "n", "k", "median_ms", "tflops"])
        w.writerows(rows)


if __name__ == "__main__":
    main(sys.argv[1])
