"""Data sets (issue 6): schedules, exact batch iterations, the fast trainer, `nnstep train`, bad input."""

from __future__ import annotations

import json
import math
import sys
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from conftest import PROBLEMS
from typer.testing import CliRunner

from tutor.cli import app
from tutor.engines.exact import derive
from tutor.engines.trainer import train
from tutor.engines.training import derive_training
from tutor.engines.trainlog import Replay
from tutor.files.loader import load_problem
from tutor.model.problem import Example

XOR_DATA = PROBLEMS / "xor-data.yaml"


def invoke(*args: str) -> object:
    return CliRunner().invoke(app, list(args), env={"NO_COLOR": "1"})


def test_solve_json_has_one_record_per_iteration_with_examples() -> None:
    result = invoke("solve", str(XOR_DATA), "--format", "json", "--detail", "2")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    first = data["steps"][0]
    assert [e["example"] for e in first["examples"]] == [1, 2, 3, 4]
    assert first["loss"] == pytest.approx(0.1484375)
    assert first["gradients"]["by_1"] == pytest.approx(-0.3125)
    assert first["updated"]["by_1"] == pytest.approx(0.03125)
    assert first["examples"][3]["forward"]["y1"] == {"net": 0.25, "out": 0.25}
    assert data["steps"][1]["step"] == 2 and data["steps"][1]["detailed"] is True
    assert data["training"]["final_loss"] < 0.01


def test_solve_json_has_a_record_for_every_iteration_and_the_last_is_the_trained_network() -> None:
    result = invoke("solve", str(XOR_DATA), "--format", "json", "--detail", "2")
    data = json.loads(result.output)
    steps = data["steps"]
    assert [s["step"] for s in steps] == list(range(1, 501)) and data["iterations"] == 500
    assert [s["detailed"] for s in steps[:3]] == [True, True, False]
    assert steps[-1]["updated"] == data["training"]["final"]
    assert steps[-1]["epoch"] == 500 and [e["example"] for e in steps[-1]["examples"]] == [1, 2, 3, 4]
    # an independent float64 XOR run (plain NumPy, written out here) ends at the same parameters
    w, b = np.full((2, 2), 0.5), np.array([0.0, -0.5])
    u, c = np.array([0.5, -0.5]), 0.0
    x, t = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float), np.array([0, 1, 1, 0], float)
    for _ in range(500):
        z = x @ w.T + b
        h = np.maximum(z, 0)
        dy = (h @ u + c - t) / 4
        dh = np.outer(dy, u) * (z > 0)
        w, b, u, c = w - 0.1 * dh.T @ x, b - 0.1 * dh.sum(0), u - 0.1 * dy @ h, c - 0.1 * dy.sum()
    final = steps[-1]["updated"]
    assert [final["wh_11"], final["wh_12"], final["wh_21"], final["wh_22"]] == pytest.approx(w.ravel(), rel=1e-9)
    assert [final["bh_1"], final["bh_2"], final["wy_11"], final["wy_12"], final["by_1"]] == pytest.approx(
        [*b, *u, c], rel=1e-9, abs=1e-12
    )


@pytest.mark.parametrize("batch,reduction,shuffle", [(1, "mean", 3), (3, "sum", None), (None, "mean", None)])
def test_replayed_iterations_match_the_exact_engine(batch: int | None, reduction: str, shuffle: int | None) -> None:
    problem = replace(load_problem(XOR_DATA), batch_size=batch, reduction=reduction, shuffle=shuffle, epochs=5)
    exact = derive_training(problem, detail=5).steps
    replay = Replay(problem)
    replayed = list(replay.run(2, 5))
    assert [fi.iteration.index for fi in replayed] == [2, 3, 4, 5]
    for fi, step in zip(replayed, exact[1:], strict=True):
        assert fi.loss == pytest.approx(float(step.loss.value), rel=1e-12, abs=1e-15)
        assert list(fi.gradients) == pytest.approx([float(g.value) for g in step.gradients], rel=1e-12, abs=1e-15)
        assert list(fi.updated) == pytest.approx([float(u.new) for u in step.updates], rel=1e-12, abs=1e-15)
        for row, ex in enumerate(step.examples):
            assert fi.iteration.examples[row] + 1 == ex.example
            assert list(fi.example_gradients[row]) == pytest.approx([float(g.value) for g in ex.gradients], abs=1e-12)
            for d in ex.deltas:
                assert fi.deltas[row, replay.index[d.neuron]] == pytest.approx(float(d.value), abs=1e-12)


def test_replay_of_a_softmax_data_set_matches_the_exact_engine() -> None:
    single = load_problem(PROBLEMS / "softmax-classifier.yaml")
    second = Example(
        {"x1": Fraction(-1), "x2": Fraction(1, 2)}, {"y1": Fraction(1), "y2": Fraction(0), "y3": Fraction(0)}
    )
    problem = replace(single, data=(Example(single.inputs, single.targets), second), batch_size=1, epochs=1)
    exact = derive_training(problem, detail=2).steps[1]
    replay = Replay(problem)
    (fi,) = replay.run(2)
    ex = exact.examples[0]
    assert ex.example == 2 and fi.losses[0] == pytest.approx(float(ex.loss.value), rel=1e-12)
    for d in ex.deltas:
        assert fi.deltas[0, replay.index[d.neuron]] == pytest.approx(float(d.value), abs=1e-12)
    assert list(fi.updated) == pytest.approx([float(u.new) for u in exact.updates], rel=1e-12)


def test_solve_json_of_a_data_set_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    assert invoke("solve", str(XOR_DATA), "--format", "json", "-o", str(out)).exit_code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert len(data["steps"]) == 500 and data["steps"][-1]["updated"] == data["training"]["final"]
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]  # no temporary file left behind


def test_solve_json_step_selects_any_iteration_of_the_schedule() -> None:
    data = json.loads(invoke("solve", str(XOR_DATA), "--format", "json", "--step", "300").output)
    assert [s["step"] for s in data["steps"]] == [300] and data["steps"][0]["detailed"] is False
    assert invoke("solve", str(XOR_DATA), "--format", "json", "--step", "501").exit_code == 2
    assert invoke("solve", str(XOR_DATA), "--step", "2").exit_code == 2  # the terminal shows detailed ones only


def test_terminal_batch_lines_for_a_sum_and_for_only_the_loss(tmp_path: Path) -> None:
    text = XOR_DATA.read_text(encoding="utf-8").replace("reduction: mean", "reduction: sum")
    (tmp_path / "xor-sum.yaml").write_text(text.replace("epochs: 500", "epochs: 2"), encoding="utf-8")
    result = invoke("solve", str(tmp_path / "xor-sum.yaml"), "--only", "loss")
    assert result.exit_code == 0, result.output
    # ½(0 − 0)² + ½(1 − 0.25)² + ½(1 − 0.25)² + ½(0 − 0.25)², added (no 1/n, no brackets)
    assert "L = L_1 + L_2 + L_3 + L_4 = 0 + 0.28125 + 0.28125 + 0.03125 = 0.59375" in result.output
    assert "∂L/∂" not in result.output and "Updates" not in result.output
    result = invoke("solve", str(tmp_path / "xor-sum.yaml"), "--only", "backward", "--only", "update")
    assert "Batch: gradients over the examples" in result.output and "L = L_1" not in result.output
    assert "Updates: w ← w − η · ∂L/∂w with η = 0.1" in result.output


def test_batch_gradient_is_the_mean_of_single_example_gradients() -> None:
    problem = load_problem(XOR_DATA)
    step = derive_training(problem, detail=1).steps[0]
    for i, ex in enumerate(problem.data):
        single = derive(replace(problem, inputs=ex.inputs, targets=ex.targets, data=()))
        assert [g.value for g in single.steps[0].gradients] == [g.value for g in step.examples[i].gradients]
    mean = [sum(e.gradients[j].value for e in step.examples) / 4 for j in range(len(step.gradients))]
    assert mean == [g.value for g in step.gradients]


def test_train_command_prints_table_and_curve() -> None:
    result = invoke("train", str(XOR_DATA), "--epochs", "400")
    assert result.exit_code == 0, result.output
    assert "Loss by epoch" in result.output and "Loss curve" in result.output and "wy_12" in result.output
    assert result.output.startswith("XOR data set, batch gradient descent\n4 examples   epochs: 400   batch size: 4")
    data = json.loads(invoke("train", str(XOR_DATA), "--format", "json", "--epochs", "300").output)
    assert data["final_loss"] < 0.01


def test_train_and_solve_json_give_the_run_in_one_shape() -> None:
    trained = json.loads(invoke("train", str(XOR_DATA), "--format", "json", "--epochs", "300").output)
    solved = json.loads(invoke("solve", str(XOR_DATA), "--format", "json", "--detail", "0").output)["training"]
    assert isinstance(trained["epoch_loss"], list) and len(trained["epoch_loss"]) == trained["epochs"] == 300
    assert set(solved) <= set(trained) and trained["epoch_loss"][:5] == solved["epoch_loss"][:5]


def test_train_plot_writes_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="matplotlib is in the test extra; pip install -e '.[test]'")
    result = invoke("train", str(XOR_DATA), "--plot", str(tmp_path / "loss.png"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "loss.png").read_bytes()[:4] == b"\x89PNG"


def test_train_plot_without_matplotlib_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    result = invoke("train", str(XOR_DATA), "--plot", str(tmp_path / "loss.png"))
    assert result.exit_code == 2 and "matplotlib" in result.output
    assert not (tmp_path / "loss.png").exists()


def test_train_needs_a_data_set() -> None:
    result = invoke("train", str(PROBLEMS / "relu-exercise.yaml"))
    assert result.exit_code == 2 and "no data set" in result.output


NEURONS = """
neurons:
  y: {inputs: {x1: w1, x2: w2}, bias: b, activation: sigmoid}
parameters: {w1: 0.5, w2: -0.5, b: 0}
loss: half_sse
learning_rate: 0.5
"""
DATA = """data:
  - {inputs: {x1: 0, x2: 1}, targets: {y: 1}}
  - {inputs: {x1: 1, x2: 0}, targets: {y: 0}}
"""


def test_neuron_form_data_set_solves_and_trains(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(NEURONS + DATA + "epochs: 50\nbatch_size: 1\nshuffle: 3\n")
    result = invoke("solve", str(path), "--detail", "3")
    assert result.exit_code == 0, result.output
    assert "Iteration 3 (epoch 2)" in result.output
    assert math.isfinite(train(load_problem(path)).final_loss)


@pytest.mark.parametrize(
    "extra,key",
    [
        ("epochs: 5\nbatch_size: 3\n", "batch_size"),
        ("batch_size: some\n", "batch_size"),
        ("epochs: 0\n", "epochs"),
        ("reduction: median\n", "reduction"),
        ("shuffle: -1\n", "shuffle"),
        ("steps: 2\n", "steps"),
        ("inputs: {x1: 1, x2: 1}\n", "inputs"),
    ],
)
def test_bad_schedule_is_exit_2_with_key_and_line(tmp_path: Path, extra: str, key: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(NEURONS + DATA + extra)
    result = invoke("solve", str(path))
    assert result.exit_code == 2, result.output
    assert str(path) in result.output and key in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    "data,key",
    [
        ("data: []\n", "data"),
        ("data:\n  - {inputs: {x1: 0, x2: 1}}\n", "data[0]"),
        (
            "data:\n  - {inputs: {x1: 0, x2: 1}, targets: {y: 1}}\n  - {inputs: {x1: 1}, targets: {y: 0}}\n",
            "data[1].inputs",
        ),
        ("data:\n  - {inputs: {x1: 0, x2: one}, targets: {y: 1}}\n", "data[0].inputs.x2"),
        ("data:\n  - {inputs: {x1: 0, x2: 1}, targets: {y: 1}, weight: 2}\n", "data[0].weight"),
    ],
)
def test_bad_examples_are_exit_2(tmp_path: Path, data: str, key: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(NEURONS + data)
    result = invoke("solve", str(path))
    assert result.exit_code == 2, result.output
    assert key in result.output and ":" in result.output.split(key)[0]


def test_schedule_keys_without_data_are_errors(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("inputs: {x1: 1, x2: 0}\ntargets: {y: 1}\n" + NEURONS + "epochs: 3\n")
    result = invoke("solve", str(path))
    assert result.exit_code == 2 and "epochs" in result.output and "data" in result.output


def test_relu_identity_iterations_stay_exact() -> None:
    step = derive_training(load_problem(XOR_DATA)).steps[0]
    assert [u.new for u in step.updates][:3] == [Fraction("0.50625"), Fraction("0.50625"), Fraction("0.015625")]


def test_solve_shows_a_training_progress_bar_on_a_terminal_only(tmp_path: Path) -> None:
    import os
    import subprocess

    pexpect = pytest.importorskip("pexpect")
    long = tmp_path / "long.yaml"
    long.write_text((PROBLEMS / "xor-data.yaml").read_text().replace("epochs: 500", "epochs: 20000"))
    root = str(PROBLEMS.parent)
    cmd = [sys.executable, "-m", "tutor", "solve", str(long)]
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | {"PYTHONPATH": root, "TERM": "xterm"}
    child = pexpect.spawn(cmd[0], cmd[1:], cwd=root, env=env, encoding="utf-8", timeout=60)
    child.expect(r"\d+/20000")  # the bar's epochs done / total, on the terminal's stderr
    child.expect_exact("Trained parameters")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    piped = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=60)
    assert piped.returncode == 0 and piped.stderr == ""  # no bar when stderr is not a terminal
