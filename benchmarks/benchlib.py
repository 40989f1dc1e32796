"""What the benchmark scripts share: this checkout's `nnstep` as a fresh process, timing a command (median or
best of several runs, or two commands alternately), and a dense network as problem-file YAML.

The scripts run as `python benchmarks/bench_x.py`, so this folder is first on sys.path: `from benchlib import …`.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# this checkout's code in a fresh interpreter (PYTHONPATH set to it), whichever nnstep is installed
NNSTEP = [sys.executable, "-c", "import sys; from tutor.cli import main; sys.argv[0] = 'nnstep'; main()"]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def timed(
    cmd: list[str],
    repeat: int = 3,
    *,
    env: Mapping[str, str] | None = ENV,
    cwd: Path | None = None,
    pick: Callable[[list[float]], float] = statistics.median,
) -> float:
    """Wall-clock seconds of a command (it must succeed; output discarded): the median of `repeat` runs, or
    what `pick` takes of them (`min`: the best). `env=None`: the caller's environment as it is."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return pick(times)


def interleaved(
    a: list[str], b: list[str], repeat: int = 11, *, env: Mapping[str, str] | None = None
) -> tuple[float, float]:
    """Median seconds of two commands run alternately, so that a machine's changing load hits both alike."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for cmd, out in ((a, times[0]), (b, times[1])):
            out.append(timed(cmd, repeat=1, env=env))
    return statistics.median(times[0]), statistics.median(times[1])


def dense_problem(
    sizes: Sequence[int], activations: Sequence[str] = ("sigmoid",), *, value: Callable[[random.Random], str]
) -> str:
    """A dense network as problem-file YAML, neuron k using activations[k % len], every input and parameter
    `value(rng)` (rng seeded with 1, so the same network each run)."""
    rng = random.Random(1)
    inputs = [f"x{i + 1}" for i in range(sizes[0])]
    lines = [
        f"title: dense {'-'.join(map(str, sizes))}",
        "inputs: {" + ", ".join(f"{x}: {value(rng)}" for x in inputs) + "}",
        "neurons:",
    ]
    params: list[str] = []
    prev, k = inputs, 0
    for layer, size in enumerate(sizes[1:], start=1):
        names = [f"h{layer}_{j + 1}" for j in range(size)]
        for n in names:
            conns = ", ".join(f"{s}: w_{s}_{n}" for s in prev)
            params += [f"w_{s}_{n}" for s in prev] + [f"b_{n}"]
            act = activations[k % len(activations)]
            lines.append(f"  {n}: {{inputs: {{{conns}}}, bias: b_{n}, activation: {act}}}")
            k += 1
        prev = names
    lines.append("parameters: {" + ", ".join(f"{p}: {value(rng)}" for p in params) + "}")
    lines.append("targets: {" + ", ".join(f"{o}: 0.5" for o in prev) + "}")
    lines += ["loss: half_sse", "learning_rate: 0.1"]
    return "\n".join(lines) + "\n"
