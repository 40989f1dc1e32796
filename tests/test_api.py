"""The Python API (`tutor.solve`): a path, a `Path` or YAML text; each view equal to the command line's output
with the same options; the command line's own exceptions; `import tutor` instant (nothing heavy imported)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PROBLEMS, ROOT
from typer.testing import CliRunner

import tutor
from tutor.cli import app
from tutor.errors import InputError, ProblemError

RELU = PROBLEMS / "relu-exercise.yaml"


def cli(*args: str) -> str:
    result = CliRunner().invoke(app, ["solve", *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize(
    ("name", "options", "flags"),
    [
        ("relu-exercise.yaml", {}, []),
        ("sigmoid-0.05-0.10.yaml", {"digits": 4, "only": ["backward"]}, ["--digits", "4", "--only", "backward"]),
        ("relu-exercise-3-steps.yaml", {"step": 2}, ["--step", "2"]),
        ("xor-data.yaml", {"detail": 2}, ["--detail", "2"]),
        ("computation-graph.yaml", {}, []),
    ],
)
def test_to_json_and_markdown_equal_the_command_line(name: str, options: dict, flags: list[str]) -> None:
    s = tutor.solve(str(PROBLEMS / name), **options)
    assert s.to_json() == cli(str(PROBLEMS / name), "--format", "json", *flags)
    assert s.markdown() == s._repr_markdown_() == cli(str(PROBLEMS / name), "--format", "markdown", *flags)
    assert s.to_dict() == json.loads(s.to_json())


def test_latex_and_html_equal_the_command_line() -> None:
    s = tutor.solve(RELU)
    assert s.latex() == cli(str(RELU), "--format", "latex")
    assert s._repr_latex_() == cli(str(RELU), "--format", "latex", "--body-only")
    page = cli(str(RELU), "--format", "html")
    body = s._repr_html_()
    assert body == s.html() and body in page and s.html(page=True) == page
    assert body.startswith('<div class="nnstep">') and "<math" in body and "<svg" in body and "<html" not in body


def test_a_path_a_path_object_and_yaml_text_give_the_same_solution() -> None:
    text = RELU.read_text(encoding="utf-8")
    by_str, by_path, by_text = tutor.solve(str(RELU)), tutor.solve(RELU), tutor.solve(text)
    assert by_str.to_json() == by_path.to_json() == by_text.to_json() == tutor.solve(text=text).to_json()
    assert by_text.problem.source == "<text>" and by_path.problem.source == str(RELU)


def test_the_numbers_by_hand() -> None:
    """Seed 001: L = ½(0 − 10)² = 50, ∂L/∂w35 = δ5·y3 = 10·5 = 50, w35 ← 2 − 0.1·50 = −3."""
    step = tutor.solve(RELU).to_dict()["steps"][0]
    assert step["loss"] == 50 and step["gradients"]["w35"] == 50 and step["updated"]["w35"] == -3
    graph = tutor.solve(PROBLEMS / "computation-graph.yaml").to_dict()  # L = c(a + 2b): ∂L/∂b = 2c = −4
    assert graph["gradients"]["b"] == -4


def test_attributes() -> None:
    s = tutor.solve(RELU)
    assert s.title == "ReLU network, one SGD step" and s.derivation.steps[0].loss.value == 50
    assert isinstance(s, tutor.Solution) and "ReLU network" in repr(s)
    assert s.with_options(digits=3).options.digits == 3 and s.options.digits == 6


def test_errors_are_the_command_lines_exceptions(tmp_path: Path) -> None:
    bad = "title: x\ninputs: {x1: 1}\nneurons: [1\n"
    (tmp_path / "bad.yaml").write_text(bad, encoding="utf-8")
    result = CliRunner().invoke(app, ["solve", str(tmp_path / "bad.yaml")])
    with pytest.raises(ProblemError) as raised:
        tutor.solve(bad)
    assert (
        result.exit_code == 2
        and f"nnstep: {raised.value}".replace("<text>", str(tmp_path / "bad.yaml")) in result.output
    )
    assert raised.value.file == "<text>" and raised.value.line is not None
    with pytest.raises(ProblemError, match="cannot read the file"):
        tutor.solve(tmp_path / "missing.yaml")
    with pytest.raises(InputError, match="the problem has 1 step"):
        tutor.solve(RELU, step=5).to_json()
    with pytest.raises(InputError, match="only: expected some of forward"):
        tutor.solve(RELU, only=["sideways"])
    with pytest.raises(InputError, match="digits"):
        tutor.solve(RELU, digits=0)
    with pytest.raises(InputError, match="give a problem"):
        tutor.solve()
    with pytest.raises(InputError, match="not int"):
        tutor.solve(3)  # type: ignore[arg-type]
    with pytest.raises(ProblemError, match="too large"):
        tutor.solve("a: 1\n" + " " * 3_000_000)
    with pytest.raises(AttributeError):
        tutor.nothing  # noqa: B018


def test_import_tutor_loads_nothing_heavy() -> None:
    code = (
        "import sys, tutor; print(sorted(m for m in ('sympy', 'numpy', 'rich', 'typer', 'yaml') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
