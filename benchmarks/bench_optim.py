"""Speed goal of `optimizer:` (issue 15), measured in-process and printed:

  3-step Adam solve of the 0.05/0.10 network  ≤ 1.3 × a 3-step SGD solve of it

A solve is what `nnstep solve` does after start-up: the exact derivation (square roots by mpmath at 30 digits)
and its float64 cross-check, plus the terminal view — printed to a pipe (80 columns, as `nnstep solve … | less`
gets it) and written with `-o` (100 columns, atomically: the write and its fsync are part of it). The two
problems are timed alternately, so the machine's load hits both, each from an empty SymPy cache (as a
process starts); the figure is the ratio of the medians.
A cold `nnstep solve` adds the same start-up (~0.9 s of imports) to both, which would hide any difference.

Run:  python benchmarks/bench_optim.py
"""

from __future__ import annotations

import contextlib
import io
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sympy.core.cache import clear_cache  # noqa: E402

from tutor.engines.solver import solve_problem  # noqa: E402
from tutor.files.loader import load_problem  # noqa: E402
from tutor.model.problem import Problem  # noqa: E402
from tutor.render.views import ViewOptions, render  # noqa: E402

GOAL = 1.3
RUNS = 40
OUT = Path(tempfile.mkdtemp()) / "out.txt"


def once(problem: Problem, output: Path | None) -> float:
    clear_cache()  # SymPy's cache starts empty in each `nnstep solve`; re-solving one problem would fill it
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # a pipe: not a terminal, 80 columns
        render(solve_problem(problem), "text", ViewOptions(), output=output)
    return time.perf_counter() - start


def main() -> None:
    sgd = replace(load_problem(ROOT / "problems" / "sigmoid-0.05-0.10.yaml"), steps=3)
    adam = replace(sgd, optimizer=load_problem(ROOT / "problems" / "sigmoid-0.05-0.10-adam.yaml").optimizer)
    ok = True
    for label, output in (("printed to a pipe", None), ("written with -o", OUT)):
        once(sgd, output), once(adam, output)  # warm up: imports, caches
        times: tuple[list[float], list[float]] = ([], [])
        for _ in range(RUNS):
            times[0].append(once(sgd, output))
            times[1].append(once(adam, output))
        t_sgd, t_adam = statistics.median(times[0]), statistics.median(times[1])
        ratio = t_adam / t_sgd
        ok = ok and ratio <= GOAL
        print(f"{label}: 3-step SGD {t_sgd * 1000:.1f} ms, 3-step Adam {t_adam * 1000:.1f} ms, ", end="")
        print(f"Adam / SGD {ratio:.2f}x (goal <= {GOAL}x) {'ok' if ratio <= GOAL else 'MISSED'}")
    print("goal met" if ok else "goal MISSED")


if __name__ == "__main__":
    main()
