#!/usr/bin/env python3
"""merge_bench_memory.py LACC.csv TORCH.csv: one Markdown table from the two benchmarks' CSVs.

LACC.csv is `lacc-bench-kernels --csv`, TORCH.csv is tools/gpu/bench_torch_memory.py's. One row
per kernel and shape (as lacc's --list orders them): lacc's default configuration and its best,
the best as a share of the device-to-device copy of as many bytes (measured in the same run),
torch's fastest form of the op, and whether issue 7's target is met: at least 80% of the copy
and faster than torch. A configuration whose check failed never counts. Exit status 0.
"""
import csv
import sys

TARGET_OF_COPY = 80.0  # percent


def read(path):
    try:
        with open(path, newline="") as f:
            return list(csv.DictReader(f))
    except FileNotFoundError:
        print(f"merge_bench_memory.py: no {path}: its columns stay empty", file=sys.stderr)
        return []


def merge(lacc_rows, torch_rows):
    cases = {}  # (label, shape) -> lacc rows, in first-seen order
    for r in lacc_rows:
        if r["label"] != "copy":
            cases.setdefault((r["label"], r["shape"]), []).append(r)
    torch_best = {}
    for r in torch_rows:
        key = (r["label"], r["shape"])
        if r["status"] == "ok" and (key not in torch_best
                                    or float(r["gbps"]) > float(torch_best[key]["gbps"])):
            torch_best[key] = r

    lines = [
        "| kernel | shape | dtype | MB moved | copy GB/s | lacc default: config, GB/s "
        "| lacc best: config, GB/s | best % of copy | torch op | torch GB/s | lacc best / torch "
        "| target met |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (label, shape), rows in cases.items():
        ok = [r for r in rows if r["status"] == "ok" and r["again"] == "0"]
        default = next((r for r in ok if r["default"] == "1"), None)
        best = max(ok, key=lambda r: float(r["gbps"]), default=None)
        t = torch_best.get((label, shape))
        copy = pct = ratio = "-"
        met = "no"
        if best:
            copy = f"{float(best['copy_gbps']):.0f}"
            pct_value = float(best["pct_copy"])
            pct = f"{pct_value:.1f}%"
            if t:
                ratio_value = float(best["gbps"]) / float(t["gbps"])
                ratio = f"{ratio_value:.2f}x"
                met = "yes" if pct_value >= TARGET_OF_COPY and ratio_value > 1 else "no"
        failed = sum(r["status"] != "ok" for r in rows)
        if failed:
            met += f" ({failed} configs failed)"

        def cell(r):
            return f"{r['config']}: {float(r['gbps']):.0f}" if r else "-"

        torch_op, torch_gbps = (t["op"], f"{float(t['gbps']):.0f}") if t else ("-", "-")
        lines.append(
            f"| {label} | {shape} | {rows[0]['dtype']} | {int(rows[0]['bytes']) / 1e6:.1f} "
            f"| {copy} | {cell(default)} | {cell(best)} | {pct} | {torch_op} | {torch_gbps} "
            f"| {ratio} | {met} |")
    return lines


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("\n\n")[0])
    for line in merge(read(sys.argv[1]), read(sys.argv[2])):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
