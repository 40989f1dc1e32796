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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_solve import interleaved, timed  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ACTIVATIONS = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "arctan"]


def tutor(*args: str, root: Path = ROOT) -> list[str]:
    """`python -m tutor …` running the code of the checkout at `root`."""
    return ["/usr/bin/env", "-C", str(root), sys.executable, "-m", "tutor", *args]


def network(sizes: list[int], activations: list[str], seed: int = 1) -> str:
    """A dense network as problem-file YAML, neuron k of the network using activations[k % len]."""
    rnd = random.Random(seed)
    val = lambda: f"{rnd.randint(-9, 9) / 10 + rnd.randint(1, 9) / 1000:g}"  # noqa: E731  (no net exactly 0)
    inputs = [f"x{i + 1}" for i in range(sizes[0])]
    lines = ["inputs: {" + ", ".join(f"{x}: {val()}" for x in inputs) + "}", "neurons:"]
    params: list[str] = []
    prev, k = inputs, 0
    for layer, size in enumerate(sizes[1:], start=1):
        names = [f"h{layer}_{j + 1}" for j in range(size)]
        for n in names:
            conns = ", ".join(f"{s}: w_{s}_{n}" for s in prev)
            params += [f"w_{s}_{n}" for s in prev] + [f"b_{n}"]
            lines.append(
                f"  {n}: {{inputs: {{{conns}}}, bias: b_{n}, activation: {activations[k % len(activations)]}}}"
            )
            k += 1
        prev = names
    lines.append("parameters: {" + ", ".join(f"{p}: {val()}" for p in params) + "}")
    lines.append("targets: {" + ", ".join(f"{o}: 0.5" for o in prev) + "}")
    lines += ["loss: half_sse", "learning_rate: 0.1"]
    return "\n".join(lines) + "\n"


def main() -> None:
    baseline = Path(sys.argv[sys.argv.index("--baseline") + 1]) if "--baseline" in sys.argv else Path("/work/main")
    classic = str(ROOT / "problems" / "sigmoid-0.05-0.10.yaml")
    imports = timed([sys.executable, "-c", "import sympy, numpy"])
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
            path.write_text(network([2, 3, 3, 2], acts), encoding="utf-8")
            times = {
                f: timed(tutor("solve", str(path), "--symbolic", "--format", f), repeat=1)
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
