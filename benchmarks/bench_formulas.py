"""Speed of formula answers (issue 13): `nnstep grade` of 100 sheets of formula answers.

Writes 100 answers files for the 0.05/0.10 sigmoid network in a temporary folder, each with the formula key
of `nnstep answers --symbolic` (every formula written a little differently per student, so that no verdict
is reused: a factor k/k, a reordering) and a few wrong formulas (classic slips, named by the mistake
models), then times one `nnstep grade` subprocess of all of them against one `nnstep check` of a sheet of
numbers, and prints the figures: the cost per formula answer, and how the verdicts were decided.

Run:  python benchmarks/bench_formulas.py [--n 100]
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NNSTEP = [sys.executable, "-c", "from tutor.cli import main; main()"]
PROBLEM = ROOT / "problems" / "sigmoid-0.05-0.10.yaml"
SLIPS = {  # a wrong formula for some keys: (the key, the slip)
    "w5.grad": "(o1 - t_o1)*h1",  # missing-activation-derivative
    "w6.grad": "(t_o1 - o1)*o1*(1 - o1)*h2",  # target-sign
    "w7.grad": "o2*(1 - o2)*(o2 - t_o2)",  # delta-as-gradient
}


def nnstep(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*NNSTEP, *args], cwd=ROOT, capture_output=True, text=True)


def formula_key() -> list[tuple[str, str]]:
    done = nnstep("answers", str(PROBLEM), "--symbolic")
    pairs = []
    for line in done.stdout.splitlines():
        if line.startswith("#") or ":" not in line:
            continue
        key, value = line.split(":", 1)
        pairs.append((key, value.split("#", 1)[0].strip().strip('"')))
    return pairs


def sheet(key: list[tuple[str, str]], n: int, rnd: random.Random) -> str:
    lines = []
    for k, v in key:
        if k in SLIPS and rnd.random() < 0.3:
            v = SLIPS[k]
        lines.append(f'{k}: "({v})*{n + 2}/{n + 2}"')
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100)
    args = parser.parse_args()
    key = formula_key()
    rnd = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i in range(args.n):
            (folder / f"student{i:04d}.yaml").write_text(sheet(key, i, rnd))
        numbers = folder / "numbers.yaml"
        numbers.write_text(nnstep("answers", str(PROBLEM)).stdout)
        start = time.perf_counter()
        nnstep("check", str(PROBLEM), str(numbers))
        check = time.perf_counter() - start
        start = time.perf_counter()
        done = nnstep("grade", str(PROBLEM), *map(str, sorted(folder.glob("student*.yaml"))))
        grade = time.perf_counter() - start
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    answers = args.n * len(key)
    print(f"one nnstep check of numbers: {check:.2f} s")
    print(f"nnstep grade of {args.n} sheets of {len(key)} formula answers ({answers} in all): {grade:.2f} s")
    print(f"  {1000 * (grade - check) / answers:.1f} ms per formula answer beyond the solve")
    print(f"  mean score {sum(float(r['score']) for r in rows) / max(1, len(rows)):.2f} / {rows[0]['max_score']}")


if __name__ == "__main__":
    main()
