"""Speed goals of `nnstep solve` at scale (layout issue, item 5: views pull the chain-rule paths they show).

  JSON of a dense 5256-parameter network       ≤ 3 s, µs per parameter flat from ~150 to ~5000
  the terminal view (NO_COLOR, > /dev/null)     ≤ 2 × the JSON view at every size
  the data set: 100 examples × 50 epochs at 420 parameters, JSON and terminal figures printed
  a chain x1 → y1 → … → yN of 1000 and 2000 sigmoid neurons: text, JSON and LaTeX each ≤ 5 s

Whole-process timings of `python -m tutor solve F` run from this checkout, the JSON and terminal runs of
each size alternating, medians printed (the machine is shared: alternation makes a changing load hit both
alike). The 0.05/0.10 network's cold solve is benchmarks/bench_solve.py's.

Run:  python benchmarks/bench_scale.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIDTHS = (6, 17, 32, 64)  # 8-w-w-8 sigmoid networks: 152, 603, 1608, 5256 parameters
DATA_SIZES = [4, 16, 16, 4]  # 420 parameters
JSON_GOAL_S = 3.0
CHAIN_LENGTHS = (1000, 2000)  # the documented limit is 2000 neurons
CHAIN_GOAL_S = 5.0
RATIO_GOAL = 2.0


def n_parameters(sizes: list[int]) -> int:
    return sum(a * b + b for a, b in zip(sizes, sizes[1:], strict=False))


def layer_problem(sizes: list[int], *, examples: int = 0, epochs: int = 1, seed: int = 1) -> str:
    """A dense sigmoid network in the layer form, one-decimal weights; `examples` > 0: a data set."""
    rnd = random.Random(seed)
    val = lambda: rnd.randint(-9, 9) / 10  # noqa: E731
    row = lambda n: "[" + ", ".join(str(val()) for _ in range(n)) + "]"  # noqa: E731
    lines = [f"title: dense {'-'.join(map(str, sizes))}", "layers:", f"  - {{name: x, size: {sizes[0]}}}"]
    for layer, (fan_in, size) in enumerate(zip(sizes, sizes[1:], strict=False), start=1):
        name = "y" if layer == len(sizes) - 1 else f"h{layer}_"
        weights = "[" + ", ".join(row(fan_in) for _ in range(size)) + "]"
        lines.append(f"  - {{name: {name}, activation: sigmoid, weights: {weights}, biases: {row(size)}}}")
    if examples:
        lines.append("data:")
        lines += [f"  - {{inputs: {row(sizes[0])}, targets: {row(sizes[-1])}}}" for _ in range(examples)]
        lines += [f"epochs: {epochs}", "batch_size: all", "reduction: mean"]
    else:
        lines.append(f"inputs: {row(sizes[0])}")
        lines.append("targets: " + row(sizes[-1]))
    lines += ["loss: half_sse", "learning_rate: 0.1"]
    return "\n".join(lines) + "\n"


def chain_problem(n: int) -> str:
    """x1 → y1 → y2 → … → yn, sigmoid, one weight each: every weight's chain-rule path is ~2·depth long."""
    neurons = [
        f"  y{i}: {{inputs: {{{f'y{i - 1}' if i > 1 else 'x1'}: w{i}}}, activation: sigmoid}}" for i in range(1, n + 1)
    ]
    weights = ", ".join(f"w{i}: 0.5" for i in range(1, n + 1))
    lines = [f"title: a chain of {n}", "inputs: {x1: 1}", "neurons:", *neurons, f"parameters: {{{weights}}}"]
    lines += [f"targets: {{y{n}: 0}}", "loss: half_sse", "learning_rate: 0.1"]
    return "\n".join(lines) + "\n"


def once(args: list[str]) -> float:
    """Wall-clock seconds of one `python -m tutor …` run from this checkout (output discarded)."""
    env = {**os.environ, "NO_COLOR": "1"}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "tutor", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def json_and_terminal(path: Path, repeat: int) -> tuple[float, float]:
    """Median seconds of the JSON and the terminal view of one file, run alternately."""
    runs: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        runs[0].append(once(["solve", str(path), "--format", "json"]))
        runs[1].append(once(["solve", str(path)]))
    return statistics.median(runs[0]), statistics.median(runs[1])


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def dense_sizes(tmp: Path, repeat: int) -> bool:
    """The dense networks: JSON and terminal seconds, µs per parameter, the marginal cost, the goals."""
    ok, rows = True, []
    for width in WIDTHS:
        sizes = [8, width, width, 8]
        path = tmp / f"dense-{width}.yaml"
        path.write_text(layer_problem(sizes))
        n = n_parameters(sizes)
        js, term = json_and_terminal(path, repeat)
        ok = ok and term <= RATIO_GOAL * js
        marginal = f"{1e6 * (js - rows[0][1]) / (n - rows[0][0]):4.0f}" if rows else "   –"
        rows.append((n, js))
        print(
            f"{'-'.join(map(str, sizes)):>9} {n:5d} params: json {js:5.2f} s ({1e6 * js / n:5.0f} µs/param, "
            f"{marginal} per param beyond the smallest), terminal {term:5.2f} s = {term / js:.2f}× json "
            f"(goal ≤ {RATIO_GOAL:.0f}×: {verdict(term <= RATIO_GOAL * js)})"
        )
    n, js = rows[-1]
    print(f"json at {n} params: {js:.2f} s (goal ≤ {JSON_GOAL_S:.0f} s: {verdict(js <= JSON_GOAL_S)})")
    print("linear: the µs per parameter beyond the smallest network stays flat (the first figure includes start-up)")
    return ok and js <= JSON_GOAL_S


def data_set(tmp: Path, repeat: int) -> None:
    path = tmp / "dense-data.yaml"
    path.write_text(layer_problem(DATA_SIZES, examples=100, epochs=50))
    js, term = json_and_terminal(path, repeat)
    print(
        f"data set, 100 examples × 50 epochs, {n_parameters(DATA_SIZES)} params: json {js:.2f} s, "
        f"terminal {term:.2f} s = {term / js:.2f}× json"
    )


def chains(tmp: Path, repeat: int) -> bool:
    """The long chains: median seconds of the text, JSON and LaTeX views, run alternately."""
    ok = True
    formats = ("text", "json", "latex")
    for n in CHAIN_LENGTHS:
        path = tmp / f"chain-{n}.yaml"
        path.write_text(chain_problem(n))
        runs: dict[str, list[float]] = {f: [] for f in formats}
        for _ in range(repeat):
            for f in formats:
                runs[f].append(once(["solve", str(path), "--format", f]))
        medians = {f: statistics.median(runs[f]) for f in formats}
        ok = ok and max(medians.values()) <= CHAIN_GOAL_S
        figures = ", ".join(f"{f} {t:5.2f} s" for f, t in medians.items())
        print(
            f"chain of {n} sigmoid neurons: {figures} (goal ≤ {CHAIN_GOAL_S:.0f} s each: "
            f"{verdict(max(medians.values()) <= CHAIN_GOAL_S)})"
        )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="alternating runs per size (default 5)")
    repeat = parser.parse_args().repeat
    with tempfile.TemporaryDirectory() as tmp:
        ok = dense_sizes(Path(tmp), repeat)
        data_set(Path(tmp), repeat)
        ok = chains(Path(tmp), repeat) and ok
    print(f"medians of {repeat} alternating runs of `python -m tutor solve` (NO_COLOR, output discarded)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
