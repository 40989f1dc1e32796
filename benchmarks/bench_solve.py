"""Speed goals of `nnstep solve` (issue 2), measured with real subprocesses and printed.

  nnstep --help                          ≤ 0.25 s
  cold solve of the 0.05/0.10 network    ≤ 1.5 × `python -c "import sympy, numpy"`
  dense 4-24-24-4 network (~800 params)  ≤ 5 s, cost linear in the number of parameters

Run:  python benchmarks/bench_solve.py   (after `pip install -e .`)
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from benchlib import ROOT, dense_problem, interleaved, timed

NNSTEP = [shutil.which("nnstep") or "nnstep"]


def main() -> None:
    help_time = timed([*NNSTEP, "--help"], repeat=5, env=None)
    print(f"nnstep --help: {help_time:.3f} s  (goal ≤ 0.25 s)")
    imports, solve = interleaved(
        [sys.executable, "-c", "import sympy, numpy"],
        [*NNSTEP, "solve", str(ROOT / "problems" / "sigmoid-0.05-0.10.yaml")],
    )
    print(
        f"import sympy, numpy: {imports:.3f} s; cold solve of the 0.05/0.10 network: {solve:.3f} s "
        f"= {solve / imports:.2f}× (goal ≤ 1.5×; medians of 11 alternating runs)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for sizes in ([4, 12, 12, 4], [4, 24, 24, 4], [4, 48, 48, 4]):
            path = Path(tmp) / f"dense-{'-'.join(map(str, sizes))}.yaml"
            path.write_text(dense_problem(sizes, value=lambda rng: f"{rng.randint(-9, 9) / 10}"))
            n_params = sum(a * b + b for a, b in zip(sizes, sizes[1:], strict=False))
            seconds = timed([*NNSTEP, "solve", str(path)], repeat=1, env=None)
            rows.append((sizes, n_params, seconds))
            print(
                f"dense {'-'.join(map(str, sizes)):>10}: {n_params:5d} parameters, solve {seconds:.2f} s "
                f"({1000 * seconds / n_params:.2f} ms per parameter)"
            )
    goal = next(s for sizes, _, s in rows if sizes == [4, 24, 24, 4])
    print(f"4-24-24-4: {goal:.2f} s (goal ≤ 5 s)")


if __name__ == "__main__":
    main()
