"""Speed goal of `nnstep generate` (issue 5), measured with real subprocesses and printed.

  200 --nice variants of the ReLU exercise with 6 varied weights (problems/relu-exercise-vary.yaml)  ≤ 20 s
  and, for scale, its Moodle quiz of the same 200 variants

Run:  python benchmarks/bench_generate.py
It runs this checkout's code (PYTHONPATH set to it) in a fresh interpreter per command, start-up included.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from benchlib import NNSTEP, ROOT, timed

VARY = ROOT / "problems" / "relu-exercise-vary.yaml"
COUNT = 200
GOAL = 20.0


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = [*NNSTEP, "generate", str(VARY), "--count", str(COUNT), "--seed", "1", "--nice"]
        seconds = timed([*base, "-o", str(Path(tmp) / "yaml")])
        files = len(list((Path(tmp) / "yaml").glob("*.yaml")))
        print(f"generate {files} --nice variants of the ReLU exercise: {seconds:.2f} s (goal ≤ {GOAL:.0f} s)")
        quiz = timed([*base, "--format", "moodle", "-o", str(Path(tmp) / "quiz.xml")], repeat=1)
        print(f"the same {COUNT} variants as a Moodle quiz: {quiz:.2f} s")
    sys.exit(0 if seconds <= GOAL and files == COUNT else 1)


if __name__ == "__main__":
    main()
