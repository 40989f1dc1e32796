"""`optimizer:` (issue 15): the shipped worked examples against hand calculations, bad input, the state's answer
keys in answers/check (carried-forward credit, the two mistake tags), JSON, LaTeX, terminal, variants, Moodle
and the float trainer. PyTorch checks every optimizer on random networks in test_optim_torch.py."""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path

import pytest
from conftest import PROBLEMS
from typer.testing import CliRunner

from tutor.cli import app
from tutor.engines.exact import derive
from tutor.engines.solver import solve_problem
from tutor.engines.trainlog import Replay
from tutor.files.loader import load_problem

RELU = PROBLEMS / "relu-exercise.yaml"
MOMENTUM = PROBLEMS / "relu-momentum.yaml"


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{args}: uncaught {type(result.exception).__name__}: {result.exception}")
    return result.exit_code, result.output


def with_lines(tmp_path: Path, base: Path, *lines: str, name: str = "p.yaml") -> Path:
    path = tmp_path / name
    path.write_text(base.read_text(encoding="utf-8") + "\n".join(lines) + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------- hand calculations on the shipped examples


def test_momentum_keeps_fractions_and_carries_the_velocity() -> None:
    # step 1 is plain SGD (v = g); step 2's gradients are 0 (y5 = 0 on target): w ← w − η·β·v₁
    steps = derive(load_problem(MOMENTUM)).steps
    first = {u.parameter: u for u in steps[0].updates}
    assert {p: u.new for p, u in first.items()} == {"w13": 0, "w23": -1, "w14": 1, "w24": 4, "w35": -3, "w45": -1}
    second = {u.parameter: u for u in steps[1].updates}
    assert second["w13"].state["velocity"] == Fraction(18)  # 0.9·20 + 0
    assert second["w13"].new == Fraction(-9, 5)  # 0 − 0.1·18, exact
    assert second["w35"].new == Fraction(-15, 2)  # −3 − 0.1·0.9·50


def test_nesterov_looks_ahead() -> None:
    step = derive(load_problem(PROBLEMS / "relu-nesterov.yaml")).steps[0]
    w13 = next(u for u in step.updates if u.parameter == "w13")
    assert w13.new == Fraction(-9, 5)  # 2 − 0.1·(20 + 0.9·20)


@pytest.mark.parametrize(
    ("name", "w5"),
    [("adagrad", -0.1), ("rmsprop", 0.3), ("adam", 0.3), ("adamw", 0.3996 - 0.1)],
)
def test_first_step_of_the_adaptive_optimizers_moves_by_the_step_size(name: str, w5: float) -> None:
    # step 1: √s = |g| (adagrad), 0.1·|g| (rmsprop, α = 0.99), √v̂ = |g| (adam): a step of η (10·η) against g
    step = derive(load_problem(PROBLEMS / f"sigmoid-0.05-0.10-{name}.yaml")).steps[0]
    u = next(u for u in step.updates if u.parameter == "w5")
    assert float(u.new) == pytest.approx(w5, abs=1e-6)
    assert all(not u.state for u in step.updates if u.frozen)  # frozen biases keep no state


def test_every_shipped_optimizer_example_solves_and_cross_checks() -> None:
    for path in sorted(PROBLEMS.glob("*.yaml")):
        if "optimizer:" not in path.read_text(encoding="utf-8"):
            continue
        problem = load_problem(path)
        if problem.optimizer.name != "sgd":
            assert "torch.optim" in path.read_text(encoding="utf-8") or "Kingma" in path.read_text(encoding="utf-8")
            solve_problem(problem)  # raises on any disagreement between the engines


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("optimizer: adma", ["unknown optimizer 'adma'", "did you mean 'adam'", "optimizer"]),
        ("optimizer: {name: adam, beta3: 0.9}", ["unknown key 'beta3'", "optimizer.beta3"]),
        ("optimizer: {name: adam, beta1: 1}", ["beta1 must be at least 0 and less than 1", "optimizer.beta1"]),
        ("optimizer: {name: momentum, beta: -0.5}", ["beta must be at least 0", "optimizer.beta"]),
        ("optimizer: {name: rmsprop, eps: 0}", ["eps must be positive", "optimizer.eps"]),
        ("optimizer: {name: adamw, weight_decay: -1}", ["weight_decay must be at least 0"]),
        ("optimizer: {name: adam, eps: [1]}", ["expected a number", "optimizer.eps"]),
        ("optimizer: {beta: 0.9}", ["missing key 'name'"]),
        ("optimizer: 3", ["expected an optimizer name"]),
        ("optimizer: {name: true}", ["expected an optimizer name"]),
    ],
)
def test_bad_optimizer_is_exit_2_with_file_key_and_line(tmp_path: Path, line: str, words: list[str]) -> None:
    path = with_lines(tmp_path, RELU, line)
    code, out = invoke("solve", str(path))
    assert code == 2, out
    flat = " ".join(out.split())
    assert f"p.yaml:{len(RELU.read_text(encoding='utf-8').splitlines()) + 1}:" in flat, out  # the file and line
    for w in words:
        assert w in flat, (w, out)


# ---------------------------------------------------------------- answer keys, check, mistakes


def test_answers_list_the_state_keys_with_their_meaning() -> None:
    code, out = invoke("answers", str(MOMENTUM), "--blank")
    assert code == 0
    assert "w13.velocity:   # velocity of w13 after the step" in out
    assert "v ← β · v + g" in out
    code, out = invoke("answers", str(PROBLEMS / "sigmoid-0.05-0.10-adam.yaml"))
    assert code == 0 and "w5.m:" in out and "w5.v:" in out and "b1.m" not in out  # b1 is frozen


def check_json(tmp_path: Path, problem: Path, answers: dict) -> dict:
    sheet = tmp_path / "a.json"
    sheet.write_text(json.dumps(answers), encoding="utf-8")
    code, out = invoke("check", str(problem), str(sheet), "--format", "json")
    assert code in (0, 1), out
    return json.loads(out)


def _verdicts(report: dict) -> dict[str, dict]:
    return {r["key"]: r for r in report["items"]}


def test_a_velocity_built_on_the_students_own_earlier_one_is_carried(tmp_path: Path) -> None:
    # step 1's w13.velocity is 20; the student wrote 30, so w13 ← 2 − 0.1·30 = −1, then at step 2 (g = 0 at
    # their weights too: y5 stays 0) 0.9·30 + 0 = 27 and w13 ← −1 − 0.1·27 = −3.7
    answers = {"w13.velocity": 30, "w13.new": -1, "step2": {"w13.velocity": 27, "w13.new": -3.7}}
    v = _verdicts(check_json(tmp_path, MOMENTUM, answers))
    assert v["w13.velocity"]["verdict"] == "incorrect"
    assert v["w13.new"]["verdict"] == "carried"
    assert v["step2.w13.velocity"]["verdict"] == "carried"
    assert v["step2.w13.new"]["verdict"] == "carried"


def test_momentum_state_reset_is_diagnosed(tmp_path: Path) -> None:
    report = check_json(tmp_path, MOMENTUM, {"w13.velocity": 20, "step2": {"w13.velocity": 0}})
    assert "momentum-state-reset" in _verdicts(report)["step2.w13.velocity"]["tags"]


def test_adam_without_bias_correction_is_diagnosed(tmp_path: Path) -> None:
    # m = 0.1·g, v = 0.001·g²: without m̂, v̂ the step is η·0.1·g/(√0.001·|g|) = η·3.162, not η
    adam = PROBLEMS / "sigmoid-0.05-0.10-adam.yaml"
    g = 0.08216704056423078  # ∂L/∂w5 of seed 003 (0.0821670406)
    report = check_json(tmp_path, adam, {"w5.new": 0.4 - 0.1 * 0.1 * g / (0.001**0.5 * g)})
    assert "adam-no-bias-correction" in _verdicts(report)["w5.new"]["tags"]


# ---------------------------------------------------------------- views


def test_json_has_the_optimizer_state_after_each_step() -> None:
    code, out = invoke("solve", str(MOMENTUM), "--format", "json")
    assert code == 0
    steps = json.loads(out)["steps"]
    assert steps[1]["optimizer"]["w13"] == {"velocity": 18}
    code, out = invoke("solve", str(RELU), "--format", "json")
    assert "optimizer" not in json.loads(out)["steps"][0]  # plain SGD: no state, no field


def test_terminal_shows_state_before_and_the_update_with_numbers() -> None:
    code, out = invoke("solve", str(MOMENTUM), "--step", "2", "--only", "update")
    assert code == 0
    assert "w13: g = ∂L/∂w13 = 0; before the step v = 20" in out
    assert "v ← 0.9 · 20 + 0 = 18" in out
    assert "w13 ← 0 − 0.1 · 18 = −1.8" in out
    assert "v ← β·v − η·g; w ← w + v" in out  # the other convention is named


def test_latex_writes_the_rule_and_each_parameters_numbers(tmp_path: Path) -> None:
    tex = tmp_path / "adam.tex"
    code, out = invoke("solve", str(PROBLEMS / "sigmoid-0.05-0.10-adam.yaml"), "--format", "latex", "-o", str(tex))
    assert code == 0, out
    text = tex.read_text(encoding="utf-8")
    assert r"\hat{m} &\leftarrow m / \left(1 - \beta_1^{t}\right)" in text
    assert r"w &\leftarrow w - \eta \cdot \hat{m} / \left(\sqrt{\hat{v}} + \varepsilon\right)" in text
    assert r"m_{w_{5}} &\leftarrow 0.9 \cdot 0 + \left(1 - 0.9\right) \cdot 0.082167 = 0.0082167" in text


# ---------------------------------------------------------------- variants, Moodle, the trainer


def test_generate_writes_the_optimizer_and_moodle_asks_state(tmp_path: Path) -> None:
    vary = with_lines(
        tmp_path, PROBLEMS / "relu-exercise-vary.yaml", "steps: 2", "optimizer: {name: momentum, beta: 0.5}"
    )
    code, out = invoke("generate", str(vary), "--count", "2", "--seed", "3", "-o", str(tmp_path / "v"))
    assert code == 0, out
    variant = sorted((tmp_path / "v").glob("*-v001.yaml"))[0]
    assert load_problem(variant).optimizer == load_problem(vary).optimizer
    quiz = tmp_path / "q.xml"
    code, out = invoke("generate", str(vary), "--count", "1", "--seed", "3", "--format", "moodle",
                       "--ask", "step2.w13.velocity", "-o", str(quiz))  # fmt: skip
    assert code == 0, out
    assert quiz.read_text(encoding="utf-8").count(":NUMERICAL:") == 1


def test_trainer_carries_the_state_as_the_exact_iterations_do(tmp_path: Path) -> None:
    path = with_lines(tmp_path, PROBLEMS / "xor-data-sgd.yaml", "optimizer: {name: adam, beta1: 0.8}")
    problem = load_problem(path)
    derivation = solve_problem(problem, detail=3)  # cross-checked against the trainer's parameters
    replayed = list(Replay(problem).run(1, 3))
    for step, fi in zip(derivation.steps, replayed, strict=True):
        for i, u in enumerate(step.updates):
            for word, value in u.state.items():
                assert float(value) == pytest.approx(fi.state[word][i], rel=1e-9, abs=1e-15)
    code, out = invoke("train", str(path), "--format", "json")
    assert code == 0, out


def test_sgd_problems_are_unchanged_by_the_registry() -> None:
    # the default is plain SGD: the seed's new weights, and no state keys
    values = derive(load_problem(RELU)).values()
    assert values["w13.new"] == 0 and values["w35.new"] == -3
    assert not [k for k in values if k.endswith((".velocity", ".m", ".v", ".s"))]


def test_a_gradient_cancelling_to_zero_under_adagrad_does_not_move(tmp_path: Path) -> None:
    """0.1 + 0.2 is the target exactly, so every gradient is 0 and nothing moves; float64 has 5.6e-17 of a
    gradient, and Adagrad's g/(√s + ε) turns it into a whole step of η (as torch.optim.Adagrad does). The
    cross-check leaves those updates to the exact engine instead of calling the solve a bug."""
    problem = tmp_path / "p.yaml"
    problem.write_text(
        "inputs: {x1: 1, x2: 1}\nneurons: {y: {inputs: {x1: w1, x2: w2}, bias: b, activation: identity}}\n"
        "parameters: {w1: 0.1, w2: 0.2, b: 0}\ntargets: {y: 0.3}\nloss: half_sse\nlearning_rate: 0.1\n"
        "optimizer: adagrad\nsteps: 2\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["solve", str(problem), "--format", "json"])
    assert result.exit_code == 0, result.output
    last = json.loads(result.stdout)["steps"][-1]
    assert last["updated"] == {"w1": 0.1, "w2": 0.2, "b": 0} and all(v == 0 for v in last["gradients"].values())


def test_the_final_parameters_table_shows_the_state() -> None:
    """Several steps are the point: the state after the last step is in the summary table (terminal and LaTeX).
    By hand: w13's velocity is 20 after step 1 (g = 20) and 0.9·20 + 0 = 18 after step 2."""
    text = CliRunner().invoke(app, ["solve", str(PROBLEMS / "relu-momentum.yaml")]).stdout
    table = text[text.index("Parameters") :]
    assert "velocity after" in table
    assert re.search(r"w13\s*│\s*2\s*│\s*0\s*│\s*−1\.8\s*│\s*18\s*│", table), table
    latex = CliRunner().invoke(app, ["solve", str(PROBLEMS / "relu-momentum.yaml"), "--format", "latex"]).stdout
    assert r"$w_{13}$ & $2$ & $0$ & $-1.8$ & $18$ &" in latex and "velocity after" in latex


def test_the_problem_sheet_states_the_optimizer_and_its_task() -> None:
    """A sheet without the solution (what `nnstep exam` prints) names the optimizer, its settings and rule, and
    does not ask for plain gradient descent; the terminal's header names it too; SGD's sheet is as it was."""
    from tutor.render.views import VIEWS, ViewOptions

    adam = solve_problem(load_problem(PROBLEMS / "sigmoid-0.05-0.10-adam.yaml"))
    sheet = VIEWS["latex"].content(adam, ViewOptions(solution=False)).body
    assert r"\textbf{Optimizer.} Adam, $\beta_1 = 0.9$, $\beta_2 = 0.999$" in sheet
    assert r"\hat{m} &\leftarrow m / \left(1 - \beta_1^{t}\right)" in sheet
    assert "Do 3 steps of Adam on this example" in sheet and "gradient descent" not in sheet
    sgd = solve_problem(load_problem(PROBLEMS / "relu-exercise.yaml"))
    sgd_sheet = VIEWS["latex"].content(sgd, ViewOptions(solution=False)).body
    assert (
        "Optimizer" not in sgd_sheet and r"Do one step of gradient descent on this example, $w \leftarrow" in sgd_sheet
    )
    code, output = invoke("solve", str(PROBLEMS / "relu-momentum.yaml"), "--only", "forward")
    assert code == 0 and "optimizer: SGD with momentum, β = 0.9" in output


def test_a_data_sets_header_and_sheet_state_its_optimizer_and_penalty(tmp_path: Path) -> None:
    text = (PROBLEMS / "xor-data.yaml").read_text(encoding="utf-8")
    problem = tmp_path / "xor-momentum-l2.yaml"
    problem.write_text(text + "optimizer: {name: momentum, beta: 0.9}\nregularization: {l2: 0.01}\n", encoding="utf-8")
    code, output = invoke("solve", str(problem), "--only", "loss")
    assert code == 0, output
    head = output.split("Iteration 1")[0]
    assert "optimizer: SGD with momentum, β = 0.9" in head and "regularization: l2, λ = 0.01" in head
    code, output = invoke("solve", str(problem), "--format", "latex", "--no-solution", "--body-only")
    assert code == 0 and r"\textbf{Optimizer.} SGD with momentum" in output and r"\textbf{Regularization.}" in output
    assert "and each parameter's update by the optimizer's rule, with its state" in output


def test_json_states_what_the_problem_sets() -> None:
    """The JSON's head names the optimizer with its settings, the penalty, dropout and the loss's settings — where
    they are set, and nothing new where they are not (the plain SGD output is as it was)."""

    def head(name: str) -> dict:
        code, output = invoke("solve", str(PROBLEMS / name), "--format", "json")
        assert code == 0, output
        return json.loads(output)

    assert head("sigmoid-0.05-0.10-adam.yaml")["optimizer"] == {
        "name": "adam",
        "beta1": 0.9,
        "beta2": 0.999,
        "eps": 1e-8,
    }
    assert head("relu-momentum.yaml")["optimizer"] == {"name": "momentum", "beta": 0.9}
    assert head("relu-exercise-l2.yaml")["regularization"] == {"l2": 0.1}
    assert head("sigmoid-0.05-0.10-dropout.yaml")["dropout"] == {
        "rate": 0.5,
        "masks": [{"h1": 1, "h2": 0}, {"h1": 1, "h2": 1}],
    }
    huber = head("house-price-huber.yaml")
    assert huber["loss_options"] == {"delta": 1} and huber["regularization"] == {"l1": 0.01}
    plain = head("relu-exercise.yaml")
    assert not {"optimizer", "regularization", "dropout", "loss_options"} & plain.keys()
