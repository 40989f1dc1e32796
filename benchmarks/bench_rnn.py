"""Speed goal of the recurrent layer (issue 16), measured with real subprocesses and printed.

  an RNN of 10 steps with 4 hidden units (2 inputs, tanh, a one-unit read-out at every step, per-step
  targets): `nnstep solve` (terminal), `--format json` and `--format latex`, each ≤ 3 s

Run:  python benchmarks/bench_rnn.py
It runs this checkout's code (PYTHONPATH set to it) in a fresh interpreter per command, start-up included.
"""

from __future__ import annotations

import json
import random
import tempfile
from pathlib import Path

from benchlib import NNSTEP, timed

STEPS, UNITS, GOAL = 10, 4, 3.0


def problem() -> str:
    rng = random.Random(16)

    def mat(rows: int, cols: int) -> list[list[float]]:
        return [[round(rng.uniform(-0.5, 0.5), 2) for _ in range(cols)] for _ in range(rows)]

    rnn = {"name": "h", "type": "rnn", "activation": "tanh", "input_weights": mat(UNITS, 2)}
    rnn |= {"recurrent_weights": mat(UNITS, UNITS), "biases": mat(1, UNITS)[0]}
    spec = {
        "title": f"An RNN of {STEPS} steps with {UNITS} hidden units",
        "layers": [{"name": "x", "size": 2}, rnn, {"name": "y", "activation": "identity", "weights": mat(1, UNITS)}],
        "sequence": mat(STEPS, 2),
        "targets": mat(STEPS, 1),
        "loss": "half_sse",
        "learning_rate": 0.1,
    }
    return json.dumps(spec) + "\n"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rnn.yaml"
        path.write_text(problem(), encoding="utf-8")
        for label, extra in (
            ("terminal", []),
            ("json", ["--format", "json"]),
            ("latex", ["--format", "latex"]),
            ("html", ["--format", "html"]),
        ):
            seconds = timed([*NNSTEP, "solve", str(path), *extra, "-o", str(Path(tmp) / f"out.{label}")])
            verdict = "ok" if seconds <= GOAL else "SLOW"
            print(
                f"solve, {STEPS} steps × {UNITS} units, {label:8s}: {seconds:6.2f} s  (goal ≤ {GOAL:.0f} s) {verdict}"
            )


if __name__ == "__main__":
    main()
