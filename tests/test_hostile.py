"""Hostile and careless input, one test per class of bug a QA pass found: every command answers a bad file
or option with exit status 2 and a short message naming it (1 for a run that fails), never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PROBLEMS
from typer.testing import CliRunner

from tutor.cli import app

RELU = (PROBLEMS / "relu-exercise.yaml").read_text(encoding="utf-8")
XOR_DATA = (PROBLEMS / "xor-data.yaml").read_text(encoding="utf-8")
GRAPH = "graph:\n  inputs: {{a: 3, b: 1, c: -2}}\n  nodes: {{{nodes}}}\n  output: {output}\n"


def invoke(args: list[str], stdin: str | None = None) -> tuple[int, str]:
    """Run the CLI in-process; an exception escaping a command fails the test (it would be a traceback)."""
    result = CliRunner().invoke(app, args, input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{args}: uncaught {type(result.exception).__name__}: {result.exception}")
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# ── values past float64: the exact engine copes, the float64 cross-check cannot ──

BEYOND_FLOAT64 = {
    # x1 = 1e100 over three steps: the weights reach 1e300 and more
    "overflow": RELU.replace("x1: 1,", "x1: 1e100,").replace("learning_rate: 0.1", "learning_rate: 0.1\nsteps: 3"),
    # a sigmoid output saturates to exactly 1.0 in float64: bce's gradient divides by zero there
    "saturated-bce": (PROBLEMS / "sigmoid-unit.yaml").read_text(encoding="utf-8").replace("x1: 0.5", "x1: 1e40"),
}


@pytest.mark.parametrize("case", sorted(BEYOND_FLOAT64))
@pytest.mark.parametrize("command", [["solve"], ["solve", "--format", "json"], ["answers"]])
def test_values_past_float64_are_bad_input(tmp_path: Path, case: str, command: list[str]) -> None:
    path = write(tmp_path, f"{case}.yaml", BEYOND_FLOAT64[case])
    code, out = invoke([*command, path])
    assert code == 2, out
    assert f"{case}.yaml" in out and "float64" in out


def test_a_diverging_data_set_run_fails_with_a_message(tmp_path: Path) -> None:
    text = XOR_DATA.replace("learning_rate: 0.1", "learning_rate: 1e10").replace("epochs: 500", "epochs: 50")
    path = write(tmp_path, "diverge.yaml", text)
    for command in (["train", path, "--no-progress"], ["train", path, "--format", "json"], ["solve", path]):
        code, out = invoke(command)
        assert code == 1, out
        assert "diverged" in out and "epoch 11" in out and "Infinity" not in out


# ── computation graphs: wrong types, undefined derivatives, overflow ──

BAD_GRAPHS = {
    "output-list": ("d: 2*b, e: a + d, L: c*e", "[L]"),
    "output-map": ("d: 2*b, e: a + d, L: c*e", "{L: 1}"),
    "sqrt-at-zero": ("d: sqrt(b - 1), e: a + d, L: c*e", "L"),  # ∂d/∂b = 1/(2·sqrt(0))
    "zero-to-the-zero": ("d: (b - 1)^(b - 1), e: a + d, L: c*e", "L"),  # ∂/∂b involves log 0
    "negative-base": ("d: c^a, e: a + d, L: c*e", "L"),  # ∂d/∂a = c^a·log(c), complex for c < 0
    "exp-overflow": ("d: exp(1000), e: a + d, L: c*e", "L"),  # e^1000 > 1.8e308
    # repeated squaring: 3^(2^59) would never finish; it passes float64's range at n10
    "squaring": (", ".join(["n0: a", *(f"n{i}: n{i - 1}*n{i - 1}" for i in range(1, 60))]) + ", L: n59", "L"),
}


@pytest.mark.parametrize("case", sorted(BAD_GRAPHS))
def test_bad_graphs_are_bad_input(tmp_path: Path, case: str) -> None:
    nodes, output = BAD_GRAPHS[case]
    path = write(tmp_path, f"{case}.yaml", GRAPH.format(nodes=nodes, output=output))
    for command in (["solve", path, "--format", "json"], ["answers", path, "--blank"]):
        code, out = invoke(command)
        assert code == 2, out
        assert f"{case}.yaml" in out and "graph." in out
        assert "Infinity" not in out


# ── output files ──


@pytest.mark.parametrize(
    "command",
    [
        ["solve", "{P}"],
        ["solve", "{P}", "--format", "json"],
        ["solve", "{P}", "--format", "latex"],
        ["answers", "{P}"],
        ["solve", str(PROBLEMS / "computation-graph.yaml")],
        ["solve", str(PROBLEMS / "xor-data.yaml")],
    ],
)
@pytest.mark.parametrize("target", ["folder", "file-in-the-way"])
def test_an_output_that_cannot_be_written_is_bad_input(tmp_path: Path, command: list[str], target: str) -> None:
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    out_path = tmp_path if target == "folder" else tmp_path / "afile" / "out.txt"
    args = [a.replace("{P}", str(PROBLEMS / "relu-exercise.yaml")) for a in command]
    code, out = invoke([*args, "-o", str(out_path)])
    assert code == 2, out
    assert "cannot write" in out
    assert (tmp_path / "afile").read_text(encoding="utf-8") == "x"


# ── data sets: answer keys, checking over the batch, long schedules ──


def test_blank_answers_of_a_data_set_describe_every_key() -> None:
    code, out = invoke(["answers", str(PROBLEMS / "xor-data.yaml"), "--blank"])
    assert code == 0, out
    assert "ex2.h1.out:" in out and "example 2" in out
    assert "for the batch: the mean of the examples" in out


def _xor_example_losses() -> list[float]:
    """xor-data.yaml's four examples through its start weights, by hand: h = relu(W x + b), y = v·h."""
    losses = []
    for (x1, x2), t in (((0, 0), 0), ((0, 1), 1), ((1, 0), 1), ((1, 1), 0)):
        h1, h2 = max(0.0, 0.5 * x1 + 0.5 * x2), max(0.0, 0.5 * x1 + 0.5 * x2 - 0.5)
        y = 0.5 * h1 - 0.5 * h2
        losses.append(0.5 * (t - y) ** 2)
    return losses


def test_data_set_check_compares_the_batch_loss_with_the_batch(tmp_path: Path) -> None:
    losses = _xor_example_losses()
    assert losses[0] == 0  # so a batch loss of 0 (the first example's) must be wrong
    answers = write(tmp_path, "a.yaml", "loss: 0\n")
    code, out = invoke(["check", str(PROBLEMS / "xor-data.yaml"), answers, "--format", "json"])
    assert code == 1, out
    assert '"verdict": "incorrect"' in out
    assert f"{sum(losses) / 4:g}"[:6] in out


def test_data_set_batch_loss_from_own_example_losses_is_carried(tmp_path: Path) -> None:
    own = [1.0, 0.5, 0.25, 0.125]  # every example's loss wrong; the batch loss their mean
    text = "".join(f"ex{i + 1}.loss: {v}\n" for i, v in enumerate(own)) + f"loss: {sum(own) / 4}\n"
    code, out = invoke(["check", str(PROBLEMS / "xor-data.yaml"), write(tmp_path, "a.yaml", text), "--format", "json"])
    assert code == 1, out
    assert out.count('"verdict": "incorrect"') == 4
    assert '"verdict": "carried"' in out


def test_checking_a_data_set_trains_only_the_epochs_it_needs() -> None:
    import dataclasses

    from tutor.engines.training import derive_training
    from tutor.files.loader import load_problem

    problem = dataclasses.replace(load_problem(PROBLEMS / "xor-data.yaml"), epochs=1_000_000)
    derivation = derive_training(problem, detail=1, whole_run=False)
    assert len(derivation.training.epoch_loss) == 1
    assert len(derivation.steps) == 1


def test_train_epochs_option_obeys_the_iteration_limit(tmp_path: Path) -> None:
    from tutor.files.dataform import MAX_ITERATIONS

    data = "".join(f"  - {{inputs: [{i}], targets: [{i}]}}\n" for i in range(20))
    layers = "layers:\n  - {name: x, size: 1}\n  - {name: y, activation: identity, weights: [[1]]}\n"
    path = write(tmp_path, "big.yaml", f"{layers}data:\n{data}loss: mse\nlearning_rate: 0.001\nbatch_size: 1\n")
    epochs = MAX_ITERATIONS // 20 + 1  # one epoch too many: every epoch has 20 iterations
    code, out = invoke(["train", path, "--epochs", str(epochs), "--no-progress"])
    assert code == 2, out
    assert "--epochs" in out


# ── input files that never end ──


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
@pytest.mark.parametrize(
    "command",
    [["solve", "/dev/zero"], ["check", "{P}", "/dev/zero"], ["generate", "{P}", "--roster", "/dev/zero", "-o", "{D}"]],
)
def test_an_endless_input_file_is_refused_unread(tmp_path: Path, command: list[str]) -> None:
    vary = str(PROBLEMS / "relu-exercise-vary.yaml")
    code, out = invoke([a.replace("{P}", vary).replace("{D}", str(tmp_path / "v")) for a in command])
    assert code == 2, out
    assert "/dev/zero" in out and "it is a device, not a regular file" in out


def test_huge_exact_integers_are_shown_with_their_magnitude() -> None:
    from tutor.maths.numfmt import fmt

    assert fmt(10**14) == "100000000000000"  # still exact
    assert fmt(-6 * 10**99) == "-6e99"  # not 100 digits that a table cuts to "−6000000…"


def test_practice_on_a_data_set_asks_example_and_batch_keys_with_hints() -> None:
    losses = _xor_example_losses()
    given = "".join(f"{v}\n" for v in losses) + "?\n?\n"
    code, out = invoke(["practice", str(PROBLEMS / "xor-data.yaml"), "--only", "loss"], stdin=given)
    assert code == 1, out  # the batch loss was not answered
    assert "ex4.loss" in out and "[5/5] loss" in out
    assert "L = 1/4 · (L_1 + L_2 + L_3 + L_4)" in out


def test_quitting_a_long_practice_session_gives_a_short_summary(tmp_path: Path) -> None:
    path = write(tmp_path, "long.yaml", RELU.replace("learning_rate: 0.1", "learning_rate: 0.1\nsteps: 100"))
    code, out = invoke(["practice", path], stdin="quit\n")
    assert code in (1, 130), out
    assert "2199 more unanswered" in out  # 22 quantities a step: one row for the first, one for the rest
    assert len(out.splitlines()) < 40


def test_plot_to_a_file_that_is_not_an_image_is_bad_input(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    code, out = invoke(["train", str(PROBLEMS / "xor-data.yaml"), "--plot", str(tmp_path / "x.txt"), "--no-progress"])
    assert code == 2, out
    assert "x.txt" in out and ".png" in out
    assert not (tmp_path / "x.txt").exists()


@pytest.mark.skipif(not hasattr(__import__("os"), "umask"), reason="POSIX permissions")
def test_output_files_get_the_usual_permissions_not_private_ones(tmp_path: Path) -> None:
    import os
    import stat

    old = os.umask(0o022)
    try:
        code, out = invoke(["answers", str(PROBLEMS / "relu-exercise.yaml"), "-o", str(tmp_path / "key.yaml")])
    finally:
        os.umask(old)
    assert code == 0, out
    assert stat.S_IMODE((tmp_path / "key.yaml").stat().st_mode) == 0o644


def test_no_color_means_no_ansi_codes_even_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from rich.text import Text

    from tutor.render.console import console

    def shown() -> str:
        buffer = io.StringIO()
        term = console(file=buffer, force_terminal=True)
        term.print(Text("Loss", style="bold cyan"))
        return buffer.getvalue()

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert "\x1b[" in shown()  # the check can fail: a terminal does get styles
    monkeypatch.setenv("NO_COLOR", "1")
    assert shown() == "Loss\n"


def test_a_roster_id_with_a_control_character_is_bad_input(tmp_path: Path) -> None:
    roster = write(tmp_path, "roster.csv", "id\nan\x00na\nÅsa\n")
    vary = str(PROBLEMS / "relu-exercise-vary.yaml")
    code, out = invoke(["generate", vary, "--roster", roster, "-o", str(tmp_path / "v")])
    assert code == 2, out
    assert "roster.csv" in out and "control character" in out


@pytest.mark.parametrize("spec", ["{choices: [0.1, -1]}", "{min: 0, max: 1, step: 0.5}"])
def test_a_vary_range_with_a_non_positive_learning_rate_is_refused_when_read(tmp_path: Path, spec: str) -> None:
    path = write(tmp_path, "vary.yaml", RELU + f"vary:\n  learning_rate: {spec}\n")
    code, out = invoke(["solve", path])
    assert code == 2, out
    assert "vary.yaml:15: vary.learning_rate" in out


@pytest.mark.parametrize("option", ["--rtol", "--atol", "--carried-credit"])
@pytest.mark.parametrize("value", ["nan", "inf", "1e400"])
@pytest.mark.parametrize("command", ["check", "grade"])
def test_tolerance_options_must_be_finite(tmp_path: Path, option: str, value: str, command: str) -> None:
    answers = write(tmp_path, "a.yaml", "loss: 50\n")
    code, out = invoke([command, str(PROBLEMS / "relu-exercise.yaml"), answers, option, value])
    assert code == 2, out
    assert option in out and ("finite" in out or "range" in out)


@pytest.mark.parametrize("fmt", ["text", "json", "latex"])
def test_step_option_on_a_computation_graph_is_bad_input(fmt: str) -> None:
    code, out = invoke(["solve", str(PROBLEMS / "computation-graph.yaml"), "--step", "2", "--format", fmt])
    assert code == 2, out
    assert "no steps" in out


def test_exact_fractions_that_grow_past_the_limit_ask_for_fewer_iterations() -> None:
    # xor-data.yaml's exact weights triple their digits every iteration: 50 detailed iterations would
    # never finish (nor print: Python refuses str() of integers over 4300 digits)
    code, out = invoke(["solve", str(PROBLEMS / "xor-data.yaml"), "--detail", "50", "--format", "json"])
    assert code == 2, out
    assert "xor-data.yaml" in out and "2000 digits" in out and "--detail" in out
