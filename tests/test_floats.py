"""The float64 engine (tutor/engines/floats.py): the same numbers as the exact engine on the seed networks and
on random networks, and each `Rules` variant (a classic mistake) on figures worked by hand.

The ReLU exercise (seed 000): x = (1, −1), y3 = 5, y4 = relu(−3) = 0, y5 = 10, loss ½·10² = 50, δ5 = 10,
δ3 = 10·2 = 20, δ4 = 0; ∂L/∂w13 = 20, ∂L/∂w23 = −20, ∂L/∂w35 = 50; η = 0.1 gives w13 ← 0, w35 ← −3.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from conftest import PROBLEMS
from hypothesis import HealthCheck, given, settings
from netgen import problems
from seednets import relu_exercise, sigmoid_005_010

from tutor.engines.crosscheck import as_float
from tutor.engines.exact import derive
from tutor.engines.floats import RIGHT, Rules, solve_numeric
from tutor.files.loader import load_problem
from tutor.model.problem import Problem

SEEDS = sorted(
    p.name
    for p in PROBLEMS.glob("*.yaml")
    if "graph:" not in p.read_text(encoding="utf-8") and "data:" not in p.read_text(encoding="utf-8")
)


def assert_same_as_exact(problem: Problem, rel: float = 1e-9) -> None:
    exact = derive(problem).values()
    numeric = solve_numeric(problem)
    assert set(numeric) == set(exact)  # the same answer keys
    for key, value in exact.items():
        assert math.isclose(numeric[key], as_float(value), rel_tol=rel, abs_tol=1e-12), key


def test_the_seed_problems_are_all_here() -> None:
    assert {"relu-exercise.yaml", "sigmoid-0.05-0.10.yaml", "softmax-classifier.yaml"} <= set(SEEDS)


@pytest.mark.parametrize("name", SEEDS)
def test_every_shipped_single_example_problem_matches_the_exact_engine(name: str) -> None:
    assert_same_as_exact(load_problem(PROBLEMS / name))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_random_networks_match_the_exact_engine(problem: Problem) -> None:
    assert_same_as_exact(problem)


def test_the_relu_exercise_by_hand() -> None:
    v = solve_numeric(relu_exercise())
    assert (v["y3.out"], v["y4.out"], v["y5.out"], v["loss"]) == (5.0, 0.0, 10.0, 50.0)
    assert (v["y5.delta"], v["y3.delta"], v["y4.delta"]) == (10.0, 20.0, 0.0)
    assert (v["w13.grad"], v["w23.grad"], v["w35.grad"], v["w45.grad"]) == (20.0, -20.0, 50.0, 0.0)
    assert v["w13.new"] == pytest.approx(0.0, abs=1e-15) and v["w35.new"] == pytest.approx(-3.0)


def test_later_steps_are_prefixed_and_start_from_the_updated_parameters() -> None:
    v = solve_numeric(relu_exercise(steps=2))
    one = solve_numeric(relu_exercise(parameters={k: v[f"{k}.new"] for k in relu_exercise().parameters}))
    assert "step2.loss" in v and "step3.loss" not in v
    assert v["step2.y5.out"] == pytest.approx(one["y5.out"]) and v["step2.loss"] == pytest.approx(one["loss"])


def test_a_given_value_replaces_the_computed_one_downstream_only() -> None:
    v = solve_numeric(relu_exercise(), given={"y3.out": 6.0})
    assert v["y3.out"] == 5.0  # the engine's own value is still reported
    assert v["y5.net"] == 12.0 and v["loss"] == 72.0  # 2·6 − 1·0, ½·12²


def test_a_given_new_parameter_starts_the_next_step() -> None:
    right = solve_numeric(relu_exercise(steps=2))
    mine = solve_numeric(relu_exercise(steps=2), given={"w35.new": 2.0})
    # step 2: y3 = relu(0·1 + (−1)·(−1)) = 1 and y4 = 0, so y5.net = w35: −3 when right, the given 2 here
    assert right["step2.y5.net"] == pytest.approx(-3.0) and mine["step2.y5.net"] == pytest.approx(2.0)
    assert mine["w35.new"] == right["w35.new"]  # the engine's own update is still reported


RELU_RULES = [
    (Rules(update_sign=1.0), "w13.new", 4.0),  # 2 + 0.1·20
    (Rules(use_learning_rate=False), "w13.new", -18.0),  # 2 − 20
    (Rules(loss_scale=2.0), "loss", 100.0),
    (Rules(target_sign=-1.0), "y5.delta", -10.0),
    (Rules(updated_weights_in_backprop=True), "y3.delta", -30.0),  # 10 · (w35 ← −3)
    (Rules(net_instead_of_out=True), "w45.grad", -30.0),  # δ5 · net4 = 10 · (−3)
    (Rules(source_factor=False), "w35.grad", 10.0),  # δ5 alone
    (Rules(unsigned="x2"), "y3.net", -1.0),  # 2·1 − 3·|−1|
    (Rules(dropped_path=("y3", "y5")), "y3.delta", 0.0),  # y3's only path left out
]


@pytest.mark.parametrize(
    ("rules", "key", "value"), RELU_RULES, ids=[str(r[1]) + "-" + str(i) for i, r in enumerate(RELU_RULES)]
)
def test_each_rule_changes_the_relu_exercise_as_worked_by_hand(rules: Rules, key: str, value: float) -> None:
    right, wrong = solve_numeric(relu_exercise()), solve_numeric(relu_exercise(), rules=rules)
    assert wrong[key] == pytest.approx(value) and right[key] != pytest.approx(value)


def test_updated_weights_leave_a_frozen_weight_where_it_was() -> None:
    frozen = relu_exercise(frozen=frozenset({"w35"}))
    v = solve_numeric(frozen, rules=Rules(updated_weights_in_backprop=True))
    assert v["y3.delta"] == 20.0 and v["w35.new"] == 2.0


def test_updated_weights_use_the_students_own_new_weight() -> None:
    v = solve_numeric(relu_exercise(), rules=Rules(updated_weights_in_backprop=True), given={"w35.new": 1.0})
    assert v["y3.delta"] == 10.0  # δ5 · 1


SIGMOID = sigmoid_005_010()
S = solve_numeric(SIGMOID)


def sigma(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def test_without_the_bias_the_net_input_is_the_weighted_sum_alone() -> None:
    b1 = float(SIGMOID.parameters["b1"])
    v = solve_numeric(SIGMOID, rules=Rules(include_bias=False))
    assert v["h1.net"] == pytest.approx(S["h1.net"] - b1) and v["h1.out"] == pytest.approx(sigma(S["h1.net"] - b1))


def test_without_the_activation_derivative_the_output_delta_is_the_loss_gradient() -> None:
    v = solve_numeric(SIGMOID, rules=Rules(activation_derivative=False))
    t1 = float(SIGMOID.targets["o1"])
    assert v["o1.delta"] == pytest.approx(S["o1.out"] - t1)
    assert S["o1.delta"] == pytest.approx((S["o1.out"] - t1) * S["o1.out"] * (1 - S["o1.out"]))


def test_the_derivative_at_the_output_is_sigma_prime_of_the_output() -> None:
    v = solve_numeric(SIGMOID, rules=Rules(derivative_at_output=True))
    y, t1 = S["o1.out"], float(SIGMOID.targets["o1"])
    assert v["o1.delta"] == pytest.approx((y - t1) * sigma(y) * (1 - sigma(y)))


def test_a_shared_parameter_from_one_use_only() -> None:
    assert SIGMOID.neurons["h1"].bias == SIGMOID.neurons["h2"].bias == "b1"
    v = solve_numeric(SIGMOID, rules=Rules(single_use=("b1", 0)))
    assert S["b1.grad"] == pytest.approx(S["h1.delta"] + S["h2.delta"])
    assert v["b1.grad"] == pytest.approx(S["h1.delta"])


def test_the_default_rules_are_right() -> None:
    assert solve_numeric(SIGMOID, rules=RIGHT) == S
    assert replace(RIGHT) == Rules()
