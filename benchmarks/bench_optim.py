"""Speed goal of `optimizer:` (issue 15), measured in-process and printed:

  3-step Adam solve of the 0.05/0.10 network  ≤ 1.3 × a 3-step SGD solve of it

A solve is what `nnstep solve` computes: the exact derivation (square roots by mpmath at 30 digits) and its
float64 cross-check, plus the terminal view. The two are timed alternately, so the machine's load hits both.

Run:  python benchmarks/bench_optim.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tutor.engines.solver import solve_problem  # noqa: E402
from tutor.files.loader import load_problem  # noqa: E402
from tutor.model.problem import Problem  # noqa: E402
from tutor.render.views import ViewOptions, render  # noqa: E402

GOAL = 1.3


OUT = Path(tempfile.mkdtemp()) / "out.txt"


def once(problem: Problem) -> float:
    start = time.perf_counter()
    render(solve_problem(problem), "text", ViewOptions(), output=OUT)
    return time.perf_counter() - start


def main() -> None:
    sgd = replace(load_problem(ROOT / "problems" / "sigmoid-0.05-0.10.yaml"), steps=3)
    adam = replace(sgd, optimizer=load_problem(ROOT / "problems" / "sigmoid-0.05-0.10-adam.yaml").optimizer)
    once(sgd), once(adam)  # warm up: imports, caches
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(15):
        times[0].append(once(sgd))
        times[1].append(once(adam))
    t_sgd, t_adam = statistics.median(times[0]), statistics.median(times[1])
    ratio = t_adam / t_sgd
    print(f"3-step SGD solve of the 0.05/0.10 network:  {t_sgd * 1000:.1f} ms")
    print(f"3-step Adam solve of the 0.05/0.10 network: {t_adam * 1000:.1f} ms")
    print(f"Adam / SGD: {ratio:.2f}x (goal <= {GOAL}x) {'ok' if ratio <= GOAL else 'MISSED'}")


if __name__ == "__main__":
    main()
