"""Benchmark (issue 6): `nnstep train` of the XOR data set for 10,000 epochs must take ≤ 3 s wall clock.

Runs the real command in a fresh interpreter (imports included), best of a few runs:

    python benchmarks/bench_train.py
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 3.0
CASES = [
    ("XOR, batch GD, 10,000 epochs", ["problems/xor-data.yaml", "--epochs", "10000"]),
    ("XOR, SGD (batch_size 1), 2,500 epochs = 10,000 iterations", ["problems/xor-data-sgd.yaml", "--epochs", "2500"]),
]


def wall(args: list[str], runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", "from tutor.cli import main; main()", "train", *args, "--no-progress"],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    ok = True
    for i, (name, args) in enumerate(CASES):
        if not (ROOT / args[0]).exists():
            continue
        seconds = wall(args)
        verdict = "" if i else ("  ok" if seconds <= LIMIT else f"  TOO SLOW (limit {LIMIT} s)")
        ok = ok and (i > 0 or seconds <= LIMIT)
        print(f"{name}: {seconds:.2f} s{verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
