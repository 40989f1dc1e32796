"""The terminal and JSON output of every shipped problem, compared with golden files.

After an intended change of output, refresh them and review the diff:
    NNSTEP_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import PROBLEMS
from typer.testing import CliRunner

from tutor.cli import app

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("NNSTEP_UPDATE_GOLDEN") == "1"
SHIPPED = sorted(PROBLEMS.glob("*.yaml"))


def compare(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path}; create it with NNSTEP_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"output differs from {path}"


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
        compare(f"{problem.stem}.json", json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    else:
        compare(f"{problem.stem}.json", result.output)


@pytest.mark.parametrize("problem", SHIPPED, ids=lambda p: p.stem)
def test_latex_output(problem: Path) -> None:
    result = CliRunner().invoke(app, ["solve", str(problem), "--format", "latex"])
    assert result.exit_code == 0, result.output
    compare(f"{problem.stem}.tex", result.output)
