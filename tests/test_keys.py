"""The answer-key grammar (`tutor.model.keys`): every kind of key round-trips through `parse_key` and
`str(Key)`, invalid keys are rejected, every key a solved problem has is one of the grammar's, and a
name that looks like an example prefix (a parameter `ex1`) keeps its own keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PROBLEMS
from typer.testing import CliRunner

from tutor.cli import app
from tutor.engines.solver import solve_any
from tutor.model.keys import (
    QUANTITIES,
    Key,
    canonical_key,
    example_key,
    format_key,
    join_key,
    looks_like_key,
    parse_key,
    read_key,
    split_key,
    step_prefix,
)

KEYS = {
    "loss": Key("", "loss"),
    "y3.net": Key("y3", "net"),
    "y3.out": Key("y3", "out"),
    "y3.delta": Key("y3", "delta"),
    "w13.grad": Key("w13", "grad"),
    "w13.new": Key("w13", "new"),
    "step2.loss": Key("", "loss", step=2),
    "step12.w13.new": Key("w13", "new", step=12),
    "ex2.y3.out": Key("y3", "out", example=2),
    "ex2.loss": Key("", "loss", example=2),
    "ex2.w13.grad": Key("w13", "grad", example=2),
    "step3.ex10.h_1.delta": Key("h_1", "delta", step=3, example=10),
    "d.value": Key("d", "value"),
    "e.d.local": Key("e", "local", parent="d"),
    "b.grad": Key("b", "grad"),
    "ex2.net": Key("ex2", "net"),  # a neuron named ex2: no example's key is a bare `net`
    "ex1.grad": Key("ex1", "grad"),  # a parameter named ex1 in a data set: its batch gradient
    "ex1.ex1.grad": Key("ex1", "grad", example=1),
    "ex1.value": Key("ex1", "value"),  # graph nodes named ex1: an example has no forward value or local
    "ex1.d.local": Key("ex1", "local", parent="d"),
}


@pytest.mark.parametrize("text", list(KEYS))
def test_every_kind_of_key_round_trips(text: str) -> None:
    key = parse_key(text)
    assert key == KEYS[text]
    assert str(key) == format_key(key) == text
    assert read_key(text) == key


def test_the_parts_of_a_key() -> None:
    key = read_key("step3.ex2.w13.grad")
    assert (key.step, key.example, key.subject, key.quantity) == (3, 2, "w13", "grad")
    assert key.local == "ex2.w13.grad" and key.body == "w13.grad"
    assert read_key("e.d.local").parent == "d"


def test_step_1_is_written_without_its_prefix() -> None:
    assert parse_key("step1.y3.net") == Key("y3", "net")
    assert str(read_key("step1.ex2.loss")) == "ex2.loss"
    assert canonical_key("step1.loss") == "loss" and canonical_key("step2.loss") == "step2.loss"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "y3",
        "net",
        "y3.foo",
        "y3..net",
        ".net",
        "y3.loss",
        "a.b.net",
        "e.local",
        "a.b.c.local",
        "3x.net",
        "y-3.out",
        "step0.loss",
        "step01.loss",
        "step2.",
        "step2",
        "step2.step3.loss",
        "ex0.loss",
        "ex2.w13.new",  # an example has no update of its own
        "ex2.d.value",
        "ex2.ex3.loss",
        "ex2.y3.foo",
    ],
)
def test_invalid_keys_are_rejected(text: str) -> None:
    assert parse_key(text) is None
    with pytest.raises(KeyError):
        read_key(text)


def test_builders_and_splitters() -> None:
    assert step_prefix(1) == "" and step_prefix(2) == "step2."
    assert join_key(1, "loss") == "loss" and join_key(4, "ex2.loss") == "step4.ex2.loss"
    assert example_key(2, "y3.out") == "ex2.y3.out" and example_key(2, "loss", 3) == "step3.ex2.loss"
    assert split_key("step2.w13.gard") == (2, "w13.gard")  # any text, for a did-you-mean
    assert looks_like_key("step2") and looks_like_key("e.d.local") and not looks_like_key("title")


@pytest.mark.parametrize(
    "name", ["relu-exercise-3-steps.yaml", "softmax-classifier.yaml", "xor-data.yaml", "computation-graph.yaml"]
)
def test_every_key_of_a_solved_problem_is_in_the_grammar(name: str) -> None:
    from tutor.checking.models import check_model

    keys = list(check_model(solve_any(PROBLEMS / name, detail=2)).expected)  # the answer key of any form
    assert keys and all(str(read_key(k)) == k for k in keys)
    assert {read_key(k).quantity for k in keys} <= set(QUANTITIES)


DATA_SET = """neurons:
  y: {inputs: {x1: w1, x2: w2}, bias: ex1, activation: sigmoid}
parameters: {w1: 0.5, w2: -0.5, ex1: 0}
loss: half_sse
learning_rate: 0.5
data:
  - {inputs: {x1: 0, x2: 1}, targets: {y: 1}}
  - {inputs: {x1: 1, x2: 0}, targets: {y: 0}}
"""


def test_a_parameter_named_like_an_example_keeps_its_batch_keys(tmp_path: Path) -> None:
    """`ex1.grad` of a bias named ex1 is the batch gradient, not example 1's `grad` (which names nothing)."""
    path = tmp_path / "p.yaml"
    path.write_text(DATA_SET)
    result = CliRunner().invoke(app, ["answers", str(path), "--blank"])
    assert result.exit_code == 0, result.output
    assert "ex1.grad:       # ∂L/∂ex1 for the batch: the mean of the examples' ∂L/∂ex1" in result.output
    assert "ex1.new:        # ex1 after the step: ex1 − η·∂L/∂ex1" in result.output
    path.write_text(DATA_SET + "check: {keys: [loss, ex1.grad, ex2.ex1.grad]}\n")
    result = CliRunner().invoke(app, ["solve", str(path)])
    assert result.exit_code == 0, result.output
