"""The command line as a whole: every command has help with an example and is in the README; bad input
never crashes."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
import typer
from conftest import PROBLEMS, ROOT
from typer.testing import CliRunner

from tutor.cli import app

COMMANDS = sorted(c.name or c.callback.__name__ for c in app.registered_commands if c.callback)


def test_commands_are_registered() -> None:
    assert {"solve", "check", "answers", "grade"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Examples:" in result.output
    assert f"nnstep {command}" in result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_in_the_readme(command: str) -> None:
    assert f"nnstep {command}" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_top_level_help_lists_the_commands() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0, result.output
    for command in COMMANDS:
        assert command in result.output


BAD = {
    "syntax.yaml": "inputs: [1, 2\n",
    "empty.yaml": "",
    "list.yaml": "- 1\n- 2\n",
    "tag.yaml": "title: !!python/object/apply:os.system ['touch /tmp/nnstep-pwned']\n",
    "unknown-key.yaml": "inputs: {x1: 1}\nneurons: {}\nparameter: {}\n",
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_problem_file_exits_2_with_a_message_naming_the_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(BAD[name], encoding="utf-8")
    result = CliRunner().invoke(app, ["solve", str(path)])
    assert result.exit_code == 2, result.output
    assert name in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) <= 4
    assert not Path("/tmp/nnstep-pwned").exists()


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["solve", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2, result.output
    assert "nope.yaml" in result.output


def test_step_out_of_range_exits_2() -> None:
    result = CliRunner().invoke(app, ["solve", str(PROBLEMS / "relu-exercise.yaml"), "--step", "5"])
    assert result.exit_code == 2, result.output


def test_only_and_step_trim_the_output() -> None:
    result = CliRunner().invoke(app, ["solve", str(PROBLEMS / "relu-exercise.yaml"), "--only", "update"])
    assert result.exit_code == 0, result.output
    assert "w13 ← 2 − 0.1 · 20 = 0" in result.output
    assert "Forward pass" not in result.output and "∂L/∂w13 =" not in result.output


def test_output_file_is_written_plain(tmp_path: Path) -> None:
    out = tmp_path / "solution.txt"
    result = CliRunner().invoke(app, ["solve", str(PROBLEMS / "relu-exercise.yaml"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "w13 ← 2 − 0.1 · 20 = 0" in text and "\x1b[" not in text


def test_output_files_get_the_usual_permissions(tmp_path: Path) -> None:
    """Atomic writes go through a private temporary file: the result must still be readable by others."""
    old = os.umask(0o022)
    try:
        out = tmp_path / "solution.tex"
        result = CliRunner().invoke(app, ["solve", str(PROBLEMS / "relu-exercise.yaml"), "-f", "latex", "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert stat.S_IMODE(out.stat().st_mode) == 0o644
        out.chmod(0o600)  # an existing file keeps its own mode
        CliRunner().invoke(app, ["solve", str(PROBLEMS / "relu-exercise.yaml"), "-f", "latex", "-o", str(out)])
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
    finally:
        os.umask(old)


def test_cross_check_disagreement_exits_1(monkeypatch: pytest.MonkeyPatch) -> None:
    import tutor.engines.crosscheck as cc

    real = cc.solve_numeric
    monkeypatch.setattr(cc, "solve_numeric", lambda p: {k: v + 1.0 for k, v in real(p).items()})
    result = CliRunner().invoke(app, ["solve", str(PROBLEMS / "relu-exercise.yaml")])
    assert result.exit_code == 1, result.output
    assert "disagree" in result.output


def test_typer_is_the_cli() -> None:
    assert isinstance(app, typer.Typer)


def test_digits_beyond_float64_are_the_values_own() -> None:
    """--digits 25 must not print a float64's binary tail: σ(0.3775) to 25 digits, checked with mpmath."""
    import mpmath

    with mpmath.workdps(40):
        expected = mpmath.nstr(1 / (1 + mpmath.exp(-mpmath.mpf("0.3775"))), 25)
    result = CliRunner().invoke(app, ["solve", str(PROBLEMS / "sigmoid-0.05-0.10.yaml"), "--digits", "25"])
    assert f"h1 = σ(net_h1) = σ(0.3775) = {expected}\n" in result.output


def test_json_exact_map_is_exact() -> None:
    """Every rational value, however many digits it has after three steps, round-trips through `exact`."""
    from fractions import Fraction

    from tutor.engines.solver import solve_file
    from tutor.maths.numfmt import as_fraction

    result = CliRunner().invoke(app, ["solve", str(PROBLEMS / "relu-exercise-3-steps.yaml"), "--format", "json"])
    exact = json.loads(result.output)["exact"]
    values = solve_file(PROBLEMS / "relu-exercise-3-steps.yaml").values()
    assert len(exact) == len(values) > 20
    for key, text in exact.items():
        assert Fraction(text) == as_fraction(values[key]), key
    assert exact["step3.loss"] == "12.0262048154628160763010850128125"  # 38483855409481011444163472041 / (32·10²⁶)


def test_readme_example_output_is_what_solve_prints() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("prints, among the rest:\n\n```text\n")[1].split("```")[0]
    result = CliRunner().invoke(app, ["solve", str(PROBLEMS / "relu-exercise.yaml")], env={"NO_COLOR": "1"})
    printed = result.output.splitlines()
    shown = [line for line in block.splitlines() if line.strip() not in ("", "…")]
    assert len(shown) > 20 and [line for line in shown if line not in printed] == []
