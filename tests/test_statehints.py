"""Hints of an optimizer's step (issue 15 leftover): `w5.new` under every optimizer and the state keys `w5.m`,
`w5.v`, `w5.velocity`, `w5.s`, on one-example problems and data sets, against the answer key and hand
calculations; the practice drill asking a state key, its hint and the mistake named in words."""

from __future__ import annotations

import io
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from conftest import PROBLEMS
from rich.console import Console
from typer.testing import CliRunner

from tutor.checking.hints import Hints
from tutor.checking.models import check_model
from tutor.classroom.practice import PracticeOptions, Session
from tutor.cli import app
from tutor.engines.solver import solve_file, solve_problem
from tutor.files.loader import load_problem
from tutor.maths.optimizers import STATE_WORDS
from tutor.maths.optimtext import parameter_symbols, write
from tutor.model.keys import read_key

ROOT = Path(__file__).resolve().parent.parent
ADAM = PROBLEMS / "sigmoid-0.05-0.10-adam.yaml"
SHIPPED = {
    "momentum": "relu-momentum.yaml",
    "nesterov": "relu-nesterov.yaml",
    "adagrad": "sigmoid-0.05-0.10-adagrad.yaml",
    "rmsprop": "sigmoid-0.05-0.10-rmsprop.yaml",
    "adam": "sigmoid-0.05-0.10-adam.yaml",
    "adamw": "sigmoid-0.05-0.10-adamw.yaml",
}
G1 = 0.08216704056  # ∂L/∂w5 of seed 003's 0.05/0.10 network at its start (003-chain-rule-…: 0.082167041)


def value_of(rung3: str) -> float:
    """The value a rung-3 hint ends with (its last line's last `= …`), as a number."""
    text = rung3.splitlines()[-1].rsplit(" = ", 1)[1].replace("−", "-")
    return float(Fraction(text)) if "/" in text else float(text)


def optimizer_keys(expected: dict) -> list[str]:
    return [k for k in expected if read_key(k).quantity in ("new", *STATE_WORDS)]


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_rung_3_of_every_state_key_and_new_is_the_answer_keys_value(name: str) -> None:
    problem = load_problem(PROBLEMS / SHIPPED[name])
    assert problem.optimizer.name == name
    model = check_model(solve_problem(problem))
    hints = Hints(model.derivation, digits=12)
    keys = optimizer_keys(model.expected)
    assert {read_key(k).quantity for k in keys} == {"new", *problem.optimizer.entry.state}
    for key in keys:
        assert value_of(hints.rung(key, 3)) == pytest.approx(float(model.expected[key]), rel=1e-10, abs=1e-14), key


def test_adam_step_1_hints_against_a_hand_calculation() -> None:
    # step 1: m = (1 − β₁)·g, v = (1 − β₂)·g², m̂ = g, v̂ = g², so w5 ← 0.4 − 0.1·g/(|g| + ε) ≈ 0.3
    hints = Hints(solve_file(ADAM), digits=12)
    assert value_of(hints.rung("w5.m", 3)) == pytest.approx(0.1 * G1, rel=1e-10)
    assert value_of(hints.rung("w5.v", 3)) == pytest.approx(0.001 * G1**2, rel=1e-9)
    m_hat, v_hat, new = hints.rung("w5.new", 3).splitlines()
    assert m_hat.startswith("m̂ ← m / (1 − β₁^t) = ") and value_of(m_hat) == pytest.approx(G1, rel=1e-10)
    assert v_hat.startswith("v̂ ← v / (1 − β₂^t) = ") and value_of(v_hat) == pytest.approx(G1**2, rel=1e-9)
    assert value_of(new) == pytest.approx(0.4 - 0.1 * G1 / (G1 + 1e-8), rel=1e-10)


def test_new_under_adam_is_adams_step_not_sgds() -> None:
    hints = Hints(solve_file(ADAM))
    formula = hints.rung("w5.new", 1)
    assert "m̂" in formula and "√" in formula
    assert formula.splitlines()[-1] == "w5 ← w5 − η · m̂ / (√(v̂) + ε)"
    assert "η · ∂L/∂w5" not in formula  # the SGD formula it used to be
    assert "0.4 − 0.1 · 0.082167" + " = " not in hints.rung("w5.new", 3)  # nor SGD's numbers
    adamw = Hints(solve_file(PROBLEMS / SHIPPED["adamw"])).rung("w5.new", 1).splitlines()
    assert adamw[0] == "w5 ← w5 − η · λ · w5"  # the decoupled decay first, then m̂, v̂ and the step


def test_rung_2_of_m_has_beta1_the_previous_m_and_g() -> None:
    derivation = solve_file(ADAM)
    hints = Hints(derivation)
    assert hints.rung("w5.m", 1) == "m ← β₁ · m + (1 − β₁) · ∂L/∂w5"
    assert hints.rung("w5.m", 2) == "m ← β₁ · m + (1 − β₁) · ∂L/∂w5 = 0.9 · 0 + (1 − 0.9) · 0.082167"
    g2 = check_model(derivation).expected["step2.w5.grad"]
    # step 2 starts from step 1's m = 0.1 · 0.082167 = 0.0082167
    numbers = f"0.9 · 0.0082167 + (1 − 0.9) · {hints.writer.num(g2)}"
    assert hints.rung("step2.w5.m", 2) == f"m ← β₁ · m + (1 − β₁) · ∂L/∂w5 = {numbers}"
    assert hints.rung("step2.w5.v", 1) == "v ← β₂ · v + (1 − β₂) · (∂L/∂w5)²"  # g² of a quotient: bracketed


def test_rung_2_is_the_line_the_terminal_prints() -> None:
    result = CliRunner().invoke(app, ["solve", str(ADAM), "--step", "2", "--only", "update"])
    assert result.exit_code == 0, result.output
    hints = Hints(solve_file(ADAM))
    for key in ("step2.w5.m", "step2.w5.v", "step2.w5.new"):
        for line in hints.rung(key, 3).splitlines():
            target, rest = line.split(" ← ", 1)
            numbers = rest.split(" = ", 1)[1]  # after the formula in symbols: the numbers and the value
            assert f"    {target} ← {numbers}\n" in result.output, line


def test_momentum_hints_in_fractions() -> None:
    hints = Hints(solve_file(PROBLEMS / SHIPPED["momentum"]))
    # seed 000: ∂L/∂w13 = 20 at step 1, 0 at step 2 (y5 is 0): v = 20, then 0.9·20 + 0 = 18; w13 ← 0 − 0.1·18
    assert hints.rung("w13.velocity", 3) == "v ← β · v + ∂L/∂w13 = 0.9 · 0 + 20 = 20"
    assert hints.rung("step2.w13.velocity", 3) == "v ← β · v + ∂L/∂w13 = 0.9 · 20 + 0 = 18"
    assert hints.rung("step2.w13.new", 3) == "w13 ← w13 − η · v = 0 − 0.1 · 18 = −1.8"


def test_sgd_hints_are_unchanged() -> None:
    hints = Hints(solve_file(PROBLEMS / "relu-exercise.yaml"))
    assert hints.rung("w13.new", 3) == "w13 ← w13 − η · ∂L/∂w13 = 2 − 0.1 · 20 = 0"
    with pytest.raises(KeyError):
        hints.rung("w13.velocity", 1)  # no optimizer, no state


def test_a_power_of_a_quotient_is_bracketed() -> None:
    assert write("s + g^2", parameter_symbols("w5")) == "s + (∂L/∂w5)²"
    numbers = {"s": "0", "g": "1/3"}
    assert write("s + g^2", numbers.__getitem__) == "0 + (1/3)²"
    assert write("s + g^2", {"s": "0", "g": "(−1/3)"}.__getitem__) == "0 + (−1/3)²"
    assert write("s + g^2", {"s": "0", "g": "0.5"}.__getitem__) == "0 + 0.5²"
    assert write("s + g^2", {"s": "s", "g": "g"}.__getitem__, latex=True) == "s + g^{2}"


def test_data_set_state_keys_are_hinted_from_the_iterations_step(tmp_path: Path) -> None:
    path = tmp_path / "xor-adam.yaml"
    path.write_text(
        (PROBLEMS / "xor-data.yaml").read_text(encoding="utf-8") + "optimizer: {name: adam, beta1: 0.8}\n",
        encoding="utf-8",
    )
    model = check_model(solve_problem(load_problem(path), detail=2))
    hints = model.hints(12)
    keys = optimizer_keys(model.expected)
    assert "step2.wh_11.m" in keys and not [k for k in keys if read_key(k).example is not None]
    for key in keys:
        assert value_of(hints.rung(key, 3)) == pytest.approx(float(model.expected[key]), rel=1e-10, abs=1e-14), key
    g = float(model.expected["wh_11.grad"])  # the batch gradient: iteration 1's m = (1 − 0.8)·g
    assert value_of(hints.rung("wh_11.m", 3)) == pytest.approx(0.2 * g, rel=1e-10)
    m1 = hints.writer.pnum(model.expected["wh_11.m"])  # −0.0125, in brackets as a factor
    assert f"= 0.8 · {m1} + (1 − 0.8) · " in hints.rung("step2.wh_11.m", 2)
    assert "m̂" in hints.rung("wh_11.new", 1) and "η · ∂L/∂wh_11" not in hints.rung("wh_11.new", 1)


class Lines:
    def __init__(self, lines: list[str]) -> None:
        self.lines = list(lines)

    def __call__(self, prompt: str) -> str:
        if not self.lines:
            raise EOFError
        return self.lines.pop(0)


def drill(path: Path, answers: dict[str, list[str]], **options) -> tuple[Session, str]:
    """A session over `path`: each key's lines from `answers`, `skip` for the keys before the last named."""
    derivation = solve_file(path)
    out = io.StringIO()
    console = Console(file=out, width=200, color_system=None, soft_wrap=True)
    session = Session(derivation, console, Lines([]), PracticeOptions(**options))
    keys = [i.key for i in session.items]
    last = max(keys.index(k) for k in answers)
    session.reader = Lines([line for k in keys[: last + 1] for line in answers.get(k, ["skip"])])
    session.run()
    return session, out.getvalue()


def test_practice_asks_a_state_key_and_shows_its_hints() -> None:
    g = float(check_model(solve_file(ADAM)).expected["w1.grad"])
    session, out = drill(
        ADAM, {"w1.m": ["?", "?", f"{0.1 * g!r}"], "w1.new": ["skip"]}, only=frozenset({"update"}), step=1
    )
    assert "Hint: the formula:\n    m ← β₁ · m + (1 − β₁) · ∂L/∂w1\n" in out
    assert "Hint: with the numbers:\n    m ← β₁ · m + (1 − β₁) · ∂L/∂w1 = 0.9 · 0 + (1 − 0.9) · 0.000438568\n" in out
    assert {i.key: i.status for i in session.items}["w1.m"] == "after hints"
    assert out.index("w1.m:") < out.index("w1.v:") < out.index("w1.new:")  # the state first: the update reads it
    assert "The value (skipped):\n    m̂ ← m / (1 − β₁^t)" in out  # w1.new, skipped after them: Adam's lines


def test_practice_names_a_reset_state_in_words() -> None:
    # step 2 with m started from 0 again: (1 − β₁)·g₂ instead of β₁·m₁ + (1 − β₁)·g₂
    g2 = float(check_model(solve_file(ADAM)).expected["step2.w5.grad"])
    session, out = drill(ADAM, {"step2.w5.m": [repr(0.1 * g2), "skip"]}, only=frozenset({"update"}), step=2)
    assert "⚠ w5.m starts from its value after the step before, not from 0 again [momentum-state-reset]" in out
    assert "momentum-state-reset" in next(i for i in session.items if i.key == "step2.w5.m").tags
    assert "Hint: the formula (2 tries left):\n    m ← β₁ · m + (1 − β₁) · ∂L/∂w5\n" in out


def test_practice_cli_hints_a_state_key_through_a_pipe() -> None:
    env = {"PYTHONPATH": str(ROOT), "NO_COLOR": "1", "TERM": "dumb", "PATH": "/usr/bin:/bin"}
    run = subprocess.run(
        [sys.executable, "-m", "tutor", "practice", str(ADAM), "--only", "update", "--step", "1"],
        input="?\n?\n?\n",  # w1.m, the first key
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert run.returncode == 1, run.stderr  # not everything right
    assert "Traceback" not in run.stderr + run.stdout
    assert "v ← β₂ · v + (1 − β₂)" not in run.stdout.split("[1/")[1].split("[2/")[0]  # w1.m's own line only
    assert "The value (given up):\n    m ← β₁ · m + (1 − β₁) · ∂L/∂w1 = 0.9 · 0 + (1 − 0.9) · 0.000438568" in run.stdout
