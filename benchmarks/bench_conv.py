"""Issue 16's speed goal: a 1×6×6 input, two 3×3 kernels, 2×2 max pooling and a dense output solve in ≤ 3 s.

Prints the wall-clock time of a whole `python -m tutor solve` (a fresh process: start-up, load, exact derivation,
float64 cross-check and the view) for the terminal, JSON, LaTeX and HTML views, and of `nnstep check` on the full
answer key, best of three. Run from the checkout: `python benchmarks/bench_conv.py`.
"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
from pathlib import Path

from benchlib import ROOT, timed

GOAL = 3.0


def problem_text(seed: int = 1) -> str:
    rng = random.Random(seed)

    def nums(n: int) -> str:
        return "[" + ", ".join(f"{rng.randint(-9, 9) / 10}" for _ in range(n)) + "]"

    image = "[[" + ", ".join(nums(6) for _ in range(6)) + "]]"
    kernel = "[[" + ", ".join(nums(3) for _ in range(3)) + "]]"
    return (
        "title: bench conv\nlayers:\n  - {name: x, shape: [1, 6, 6]}\n"
        f"  - {{name: c, type: conv2d, kernels: [{kernel}, {kernel}], biases: [0.1, -0.1], activation: relu}}\n"
        "  - {name: p, type: maxpool2d, size: 2}\n"
        f"  - {{name: y, activation: sigmoid, weights: [{nums(8)}], biases: [0]}}\n"
        f"inputs: {image}\ntargets: [1]\nloss: half_sse\nlearning_rate: 0.1\n"
    )


def main() -> None:
    tutor = [sys.executable, "-m", "tutor"]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "conv.yaml"
        path.write_text(problem_text())
        key = Path(tmp) / "key.yaml"
        key.write_text(
            subprocess.run([*tutor, "answers", str(path)], cwd=ROOT, check=True, capture_output=True, text=True).stdout
        )
        runs = {
            f"solve --format {fmt}": [*tutor, "solve", str(path), "--format", fmt, "-o", str(Path(tmp) / f"out.{fmt}")]
            for fmt in ("json", "latex", "html")
        }
        runs["solve (terminal)"] = [*tutor, "solve", str(path)]
        runs["check (the whole answer key)"] = [*tutor, "check", str(path), str(key)]
        print("1x6x6 input, two 3x3 kernels (2x4x4 map), 2x2 max pooling, dense output (1 neuron):")
        for label, cmd in runs.items():
            seconds = timed(cmd, env=None, cwd=ROOT, pick=min)  # the best of three
            print(f"  {label:32s} {seconds:6.2f} s  (goal <= {GOAL:.0f} s) {'ok' if seconds <= GOAL else 'SLOW'}")


if __name__ == "__main__":
    main()
