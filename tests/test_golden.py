"""The terminal and JSON output of every shipped problem, compared with golden files.

After an intended change of output, refresh them and review the diff:
    NNSTEP_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py

Text (terminal, LaTeX) is compared exactly. JSON is compared as data: strings, keys, integers and structure exactly,
floats to a relative tolerance of 1e-12 (absolute 1e-15 near zero), because the last bit of a float64 differs
between NumPy/BLAS builds (the float trainer's sums), and a golden file must pass on any machine.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import PROBLEMS
from typer.testing import CliRunner

from tutor.cli import app

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("NNSTEP_UPDATE_GOLDEN") == "1"
SHIPPED = sorted(PROBLEMS.glob("*.yaml"))
REL, ABS = 1e-12, 1e-15


def compare(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path}; create it with NNSTEP_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"output differs from {path}"


def json_differences(got: Any, want: Any, where: str = "$") -> list[str]:
    """Where two JSON documents differ: floats within REL/ABS are equal, everything else must be identical."""
    if isinstance(want, float) or isinstance(got, float):
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (got, want))
        if numbers and math.isclose(got, want, rel_tol=REL, abs_tol=ABS):
            return []
        return [f"{where}: {got!r} != {want!r}"]
    if isinstance(want, dict) and isinstance(got, dict):
        if list(got) != list(want):
            return [f"{where}: keys {list(got)} != {list(want)}"]
        return [d for key in want for d in json_differences(got[key], want[key], f"{where}.{key}")]
    if isinstance(want, list) and isinstance(got, list):
        if len(got) != len(want):
            return [f"{where}: {len(got)} items != {len(want)}"]
        return [
            d for i, (g, w) in enumerate(zip(got, want, strict=True)) for d in json_differences(g, w, f"{where}[{i}]")
        ]
    return [] if type(got) is type(want) and got == want else [f"{where}: {got!r} != {want!r}"]


def compare_json(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE and (not path.exists() or json_differences(json.loads(text), json.loads(path.read_text("utf-8")))):
        path.parent.mkdir(exist_ok=True)  # (a golden equal within the tolerance is kept: no last-bit churn)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path}; create it with NNSTEP_UPDATE_GOLDEN=1"
    differences = json_differences(json.loads(text), json.loads(path.read_text(encoding="utf-8")))
    assert not differences, f"output differs from {path}:\n" + "\n".join(differences[:20])


def test_json_comparison_tolerates_the_last_bits_only() -> None:
    assert json_differences({"a": [0.10606597137451179, 5]}, {"a": [0.10606597137451178, 5]}) == []
    assert json_differences({"a": 1.0000000001}, {"a": 1.0}) == ["$.a: 1.0000000001 != 1.0"]
    assert json_differences({"a": 1}, {"a": 1.0}) == []  # a float that prints as an integer
    assert json_differences({"a": "1"}, {"a": 1}) == ["$.a: '1' != 1"]
    assert json_differences({"a": True}, {"a": 1.0}) == ["$.a: True != 1.0"]
    assert json_differences({"b": 1, "a": 2}, {"a": 2, "b": 1}) != []  # key order is part of the output
    assert json_differences([1, 2], [1, 2, 3]) == ["$: 2 items != 3"]


def test_there_are_shipped_problems() -> None:
    assert len(SHIPPED) >= 8


@pytest.mark.parametrize("problem", SHIPPED, ids=lambda p: p.stem)
def test_terminal_output(problem: Path) -> None:
    result = CliRunner().invoke(app, ["solve", str(problem)], env={"NO_COLOR": "1", "COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    assert "\x1b[" not in result.output
    compare(f"{problem.stem}.txt", result.output)


@pytest.mark.parametrize("problem", SHIPPED, ids=lambda p: p.stem)
def test_json_output(problem: Path) -> None:
    result = CliRunner().invoke(app, ["solve", str(problem), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    if "iterations" in data:  # a data set: a record per iteration; keep the first two and the last
        assert len(data["steps"]) == data["iterations"]
        data["steps"] = data["steps"][:2] + data["steps"][-1:]
        compare_json(f"{problem.stem}.json", json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    else:
        compare_json(f"{problem.stem}.json", result.output)


@pytest.mark.parametrize("problem", SHIPPED, ids=lambda p: p.stem)
def test_latex_output(problem: Path) -> None:
    result = CliRunner().invoke(app, ["solve", str(problem), "--format", "latex"])
    assert result.exit_code == 0, result.output
    compare(f"{problem.stem}.tex", result.output)
