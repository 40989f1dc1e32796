"""Speed goals of `nnstep solve` (issue 2), measured with real subprocesses and printed.

  nnstep --help                          ≤ 0.25 s
  cold solve of the 0.05/0.10 network    ≤ 1.5 × `python -c "import sympy, numpy"`
  dense 4-24-24-4 network (~800 params)  ≤ 5 s, cost linear in the number of parameters

Run:  python benchmarks/bench_solve.py   (after `pip install -e .`)
"""

from __future__ import annotations

import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NNSTEP = [shutil.which("nnstep") or "nnstep"]


def timed(cmd: list[str], repeat: int = 5) -> float:
    """Median wall-clock seconds of a command (output discarded; it must succeed)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def interleaved(a: list[str], b: list[str], repeat: int = 11) -> tuple[float, float]:
    """Median seconds of two commands run alternately, so that a machine's changing load hits both alike."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for cmd, out in ((a, times[0]), (b, times[1])):
            out.append(timed(cmd, repeat=1))
    return statistics.median(times[0]), statistics.median(times[1])


def dense_problem(sizes: list[int], seed: int = 1) -> str:
    """A dense sigmoid network as problem-file YAML, one-decimal weights."""
    rnd = random.Random(seed)
    val = lambda: rnd.randint(-9, 9) / 10  # noqa: E731
    inputs = [f"x{i + 1}" for i in range(sizes[0])]
    lines = [
        f"title: dense {'-'.join(map(str, sizes))}",
        "inputs: {" + ", ".join(f"{x}: {val()}" for x in inputs) + "}",
        "neurons:",
    ]
    params: list[str] = []
    prev = inputs
    for layer, size in enumerate(sizes[1:], start=1):
        names = [f"h{layer}_{j + 1}" for j in range(size)]
        for n in names:
            conns = ", ".join(f"{s}: w_{s}_{n}" for s in prev)
            params += [f"w_{s}_{n}" for s in prev] + [f"b_{n}"]
            lines.append(f"  {n}: {{inputs: {{{conns}}}, bias: b_{n}, activation: sigmoid}}")
        prev = names
    lines.append("parameters: {" + ", ".join(f"{p}: {val()}" for p in params) + "}")
    lines.append("targets: {" + ", ".join(f"{o}: 0.5" for o in prev) + "}")
    lines += ["loss: half_sse", "learning_rate: 0.1"]
    return "\n".join(lines) + "\n"


def main() -> None:
    help_time = timed([*NNSTEP, "--help"])
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
            path.write_text(dense_problem(sizes))
            n_params = sum(a * b + b for a, b in zip(sizes, sizes[1:], strict=False))
            seconds = timed([*NNSTEP, "solve", str(path)], repeat=1)
            rows.append((sizes, n_params, seconds))
            print(
                f"dense {'-'.join(map(str, sizes)):>10}: {n_params:5d} parameters, solve {seconds:.2f} s "
                f"({1000 * seconds / n_params:.2f} ms per parameter)"
            )
    goal = next(s for sizes, _, s in rows if sizes == [4, 24, 24, 4])
    print(f"4-24-24-4: {goal:.2f} s (goal ≤ 5 s)")


if __name__ == "__main__":
    main()
