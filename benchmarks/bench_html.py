"""Speed goal of `nnstep solve --format html` (issue 14), measured with real subprocesses and printed.

  a cold `--format html` of the 0.05/0.10 network  ≤ 1.2 × a cold `--format latex` of it

Run:  python benchmarks/bench_html.py
It runs this checkout's code (PYTHONPATH set to it) in a fresh interpreter per command, start-up included.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchlib import NNSTEP, ROOT, timed

PROBLEM = ROOT / "problems" / "sigmoid-0.05-0.10.yaml"
GOAL = 1.2


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        times = {
            fmt: timed([*NNSTEP, "solve", str(PROBLEM), "--format", fmt, "-o", str(Path(tmp) / f"out.{fmt}")], repeat=5)
            for fmt in ("latex", "html")
        }
    ratio = times["html"] / times["latex"]
    print(f"cold --format latex  {times['latex']:.3f} s")
    print(f"cold --format html   {times['html']:.3f} s")
    print(f"html / latex         {ratio:.2f}x  (goal <= {GOAL}x: {'met' if ratio <= GOAL else 'NOT met'})")


if __name__ == "__main__":
    main()
