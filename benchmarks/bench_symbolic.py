"""Speed goals of `nnstep solve --symbolic` (issue 13), measured with real subprocesses and printed.

  cold solve of the 0.05/0.10 network: --symbolic adds ≤ 1 s
  a 2-3-3-2 network of each activation (and one mixing them all), --symbolic, every format ≤ 5 s
  the plain solve (no --symbolic) no slower than before: this checkout against another one
  (`--baseline DIR`, default /work/main when it exists), the same method as bench_solve.py

Run:  python benchmarks/bench_symbolic.py [--baseline DIR]   (from the checkout: `python -m tutor` runs its code)
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

from benchlib import ROOT, dense_problem, interleaved, timed

ACTIVATIONS = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "arctan"]


def tutor(*args: str, root: Path = ROOT) -> list[str]:
    """`python -m tutor …` running the code of the checkout at `root`."""
    return ["/usr/bin/env", "-C", str(root), sys.executable, "-m", "tutor", *args]


def _off_zero(rng: random.Random) -> str:
    """One decimal and a little more, so that no net input is exactly 0 (where relu's f′ is a convention)."""
    return f"{rng.randint(-9, 9) / 10 + rng.randint(1, 9) / 1000:g}"


def main() -> None:
    baseline = Path(sys.argv[sys.argv.index("--baseline") + 1]) if "--baseline" in sys.argv else Path("/work/main")
    classic = str(ROOT / "problems" / "sigmoid-0.05-0.10.yaml")
    imports = timed([sys.executable, "-c", "import sympy, numpy"], env=None)
    print(f"import sympy, numpy: {imports:.3f} s (the machine's pace: every figure below scales with its load)")
    plain, symbolic = interleaved(tutor("solve", classic), tutor("solve", classic, "--symbolic"), repeat=7)
    print(
        f"cold solve of the 0.05/0.10 network: {plain:.3f} s; with --symbolic {symbolic:.3f} s: "
        f"+{symbolic - plain:.3f} s (goal ≤ +1 s; medians of 7 alternating runs)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        worst = 0.0
        for name, acts in [*((a, [a]) for a in ACTIVATIONS), ("every activation", ACTIVATIONS)]:
            path = Path(tmp) / "net.yaml"
            path.write_text(dense_problem([2, 3, 3, 2], acts, value=_off_zero), encoding="utf-8")
            times = {
                f: timed(tutor("solve", str(path), "--symbolic", "--format", f), repeat=1, env=None)
                for f in ("text", "json", "latex")
            }
            worst = max(worst, *times.values())
            shown = ", ".join(f"{f} {t:.2f} s" for f, t in times.items())
            print(f"2-3-3-2 {name}, --symbolic: {shown}")
        print(f"2-3-3-2 networks: slowest {worst:.2f} s (goal ≤ 5 s)")
    if (baseline / "tutor").is_dir():
        before, after = interleaved(tutor("solve", classic, root=baseline), tutor("solve", classic), repeat=11)
        print(
            f"plain solve of the 0.05/0.10 network: {baseline} {before:.3f} s, this checkout {after:.3f} s "
            f"= {after / before:.2f}× (goal: no slower; medians of 11 alternating runs)"
        )
    else:
        print(f"plain solve: no baseline checkout at {baseline} (pass --baseline DIR)")


if __name__ == "__main__":
    main()
