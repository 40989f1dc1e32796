"""Golden files of symbolic solutions (`solve --symbolic`, `--no-numbers`): terminal, JSON and LaTeX, and
the LaTeX compiled with a real pdflatex. Refresh as the other goldens:
    NNSTEP_UPDATE_GOLDEN=1 python -m pytest tests/test_symbolic_golden.py
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import PROBLEMS
from test_golden import compare, compare_json
from test_latex import needs_tex
from typer.testing import CliRunner

from tutor.cli import app

CASES = [  # (golden name, problem, options)
    ("sigmoid-0.05-0.10.txt", "sigmoid-0.05-0.10.yaml", ["--symbolic"]),
    ("sigmoid-0.05-0.10-no-numbers.txt", "sigmoid-0.05-0.10.yaml", ["--no-numbers"]),
    ("relu-exercise-3-steps.txt", "relu-exercise-3-steps.yaml", ["--symbolic"]),
    ("computation-graph.txt", "computation-graph.yaml", ["--symbolic"]),
    ("sigmoid-0.05-0.10.tex", "sigmoid-0.05-0.10.yaml", ["--symbolic", "--format", "latex"]),
    ("sigmoid-0.05-0.10-no-numbers.tex", "sigmoid-0.05-0.10.yaml", ["--no-numbers", "--format", "latex"]),
    ("relu-exercise.tex", "relu-exercise.yaml", ["--symbolic", "--format", "latex"]),
    ("computation-graph.tex", "computation-graph.yaml", ["--symbolic", "--format", "latex"]),
    ("relu-momentum.txt", "relu-momentum.yaml", ["--symbolic"]),  # an optimizer's state as formulas
    ("relu-momentum.tex", "relu-momentum.yaml", ["--symbolic", "--format", "latex"]),
    ("relu-exercise-l2.txt", "relu-exercise-l2.yaml", ["--symbolic"]),  # the penalty in loss and gradients
    ("relu-exercise-l2.tex", "relu-exercise-l2.yaml", ["--symbolic", "--format", "latex"]),
]
JSON_CASES = ["sigmoid-0.05-0.10.yaml", "softmax-classifier.yaml", "computation-graph.yaml"]


def run(problem: str, options: list[str]) -> str:
    result = CliRunner().invoke(
        app, ["solve", str(PROBLEMS / problem), *options], env={"NO_COLOR": "1", "COLUMNS": "100"}
    )
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize(("name", "problem", "options"), CASES, ids=[c[0] for c in CASES])
def test_symbolic_golden(name: str, problem: str, options: list[str]) -> None:
    compare(f"symbolic/{name}", run(problem, options))


@pytest.mark.parametrize("problem", JSON_CASES)
def test_symbolic_json_golden(problem: str) -> None:
    compare_json(f"symbolic/{Path(problem).stem}.json", run(problem, ["--symbolic", "--format", "json"]))


@pytest.mark.latex
@needs_tex
@pytest.mark.parametrize("options", [["--symbolic"], ["--no-numbers"]], ids=["numbers", "no-numbers"])
def test_symbolic_latex_compiles(tmp_path: Path, options: list[str]) -> None:
    tex = tmp_path / "s.tex"
    result = CliRunner().invoke(
        app, ["solve", str(PROBLEMS / "sigmoid-0.05-0.10.yaml"), *options, "-f", "latex", "-o", str(tex), "--pdf"]
    )
    assert result.exit_code == 0, result.output
    pdftotext = shutil.which("pdftotext")
    assert pdftotext is not None
    text = subprocess.run([pdftotext, str(tmp_path / "s.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    formulas = text.split("Symbolic derivation", 1)[1]  # the section is there, with every phase
    assert all(title in formulas for title in ("Forward pass", "Loss", "Backward pass", "Updates"))
    assert ("Checked." in formulas) == (options == ["--symbolic"])
