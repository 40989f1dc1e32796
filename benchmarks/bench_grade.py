"""Speed goal of `nnstep grade` (issue 4): grading 500 submissions takes ≤ 3 × one `nnstep check`.

Generates 500 answers files for the 0.05/0.10 sigmoid network in a temporary folder (the answer key
rounded to 4 decimals, with random classic slips and a few broken files), then times one `nnstep check`
subprocess and one `nnstep grade` subprocess of all 500, and prints the figures and the ratio.

Run:  python benchmarks/bench_grade.py [PROBLEM] [--n 500]
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# the nnstep of this source tree (not whichever one is installed on PATH)
NNSTEP = [sys.executable, "-c", "from tutor.cli import main; main()"]
GOAL = 3.0


def timed(args: list[str], repeat: int = 3, ok: tuple[int, ...] = (0, 1)) -> float:
    """Median wall-clock seconds of `nnstep ARGS` (output discarded; exit status must be in `ok`)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run([*NNSTEP, *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - start)
        if done.returncode not in ok:
            raise SystemExit(f"nnstep {' '.join(args)} failed ({done.returncode}): {done.stderr.decode()}")
    return statistics.median(times)


def answer_key(problem: Path) -> list[tuple[str, str]]:
    """(key, value) lines of `nnstep answers PROBLEM` (step 1 only: flat `key: value` lines)."""
    text = subprocess.run([*NNSTEP, "answers", str(problem)], cwd=ROOT, check=True, capture_output=True, text=True)
    pairs = []
    for line in text.stdout.splitlines():
        if line.startswith(("#", " ", "step")) or ":" not in line:
            continue
        key, value = line.split(":", 1)
        pairs.append((key, value.split("#", 1)[0].strip().strip('"')))  # `b1.new: 0.35  # not counted`
    return pairs


def submission(key: list[tuple[str, str]], rnd: random.Random) -> str:
    lines = []
    for k, v in key:
        try:
            x = float(v)
        except ValueError:
            lines.append(f'{k}: "{v}"')
            continue
        if rnd.random() < 0.15:  # a slip: sign, factor 2, forgotten η …
            x *= rnd.choice([-1.0, 2.0, 0.5, 10.0])
        lines.append(f"{k}: {x:.4f}")
    return "\n".join(lines) + "\n"


def make_submissions(folder: Path, key: list[tuple[str, str]], n: int, seed: int = 1) -> None:
    rnd = random.Random(seed)
    for i in range(n):
        (folder / f"student{i:04d}.yaml").write_text(submission(key, rnd))
    # a few hostile ones: they must cost a row each, not the run
    (folder / "student_binary.yaml").write_bytes(bytes(range(256)) * 4)
    (folder / "student_bomb.yaml").write_text("a: &a [1, 2]\nb: [*a, *a]\n")
    (folder / "student_deep.yaml").write_text("a: " + "[" * 500 + "]" * 500 + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("problem", nargs="?", default=str(ROOT / "problems" / "sigmoid-0.05-0.10.yaml"))
    parser.add_argument("--n", type=int, default=500)
    args = parser.parse_args()
    problem = Path(args.problem)
    key = answer_key(problem)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "submissions"
        folder.mkdir()
        make_submissions(folder, key, args.n)
        one = folder / "student0000.yaml"
        checks, grades = [], []
        for _ in range(5):  # alternately, so that a machine's changing load hits both alike
            checks.append(timed(["check", str(problem), str(one)], repeat=1))
            grades.append(timed(["grade", str(problem), str(folder), "-o", str(Path(tmp) / "grades.csv")], repeat=1))
        check_s, grade_s = statistics.median(checks), statistics.median(grades)
        rows = (Path(tmp) / "grades.csv").read_text().count("\n") - 1
    ratio = grade_s / check_s
    print(f"problem:                 {problem.name} ({len(key)} keys)")
    print(f"one `nnstep check`:      {check_s:.3f} s")
    print(f"`nnstep grade` of {args.n}:  {grade_s:.3f} s ({rows} rows)")
    print(f"ratio:                   {ratio:.2f} × (goal ≤ {GOAL:g} ×) — {'OK' if ratio <= GOAL else 'TOO SLOW'}")


if __name__ == "__main__":
    main()
