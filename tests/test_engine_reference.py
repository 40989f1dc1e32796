"""The engines against an independent reference on random networks of every activation and loss."""

from __future__ import annotations

import mpmath
from hypothesis import HealthCheck, given, settings
from netgen import problems, reference_steps

from tutor.engines.crosscheck import cross_check
from tutor.engines.exact import derive


def close(a: object, b: mpmath.mpf, rel: float = 1e-9, abs_tol: float = 1e-12) -> bool:
    a = mpmath.mpf(float(a)) if not hasattr(a, "evalf") else mpmath.mpf(str(a.evalf(40)))
    return abs(a - b) <= max(rel * max(abs(a), abs(b)), abs_tol)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_exact_engine_matches_high_precision_finite_differences(problem):
    derivation = derive(problem)
    cross_check(derivation)  # and the float64 engine agrees with the exact one
    for step, (loss, grads, params) in zip(derivation.steps, reference_steps(problem), strict=True):
        assert close(step.loss.value, loss), (step.index, step.loss.value, loss)
        for g in step.gradients:
            assert close(g.value, grads[g.parameter]), (step.index, g.parameter, g.value, grads[g.parameter])
        for u in step.updates:
            assert close(u.new, params[u.parameter]), (step.index, u.parameter)
            if u.parameter in problem.frozen:
                assert u.new == u.old


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_chain_rule_paths_sum_to_the_gradient(problem):
    for step in derive(problem).steps:
        for g in step.gradients:
            if g.paths is not None:
                total = sum(float(p.value) for p in g.paths)
                assert abs(total - float(g.value)) <= 1e-9 * max(1.0, abs(float(g.value)))
                for p in g.paths:
                    prod = 1.0
                    for f in p.factors:
                        prod *= float(f.value)
                    assert abs(prod - float(p.value)) <= 1e-9 * max(1.0, abs(prod))


def test_relu_derivative_at_zero_follows_the_chosen_convention() -> None:
    from dataclasses import replace
    from fractions import Fraction

    from tutor.model.problem import Activation, Connection, Neuron, Problem

    # net of h is exactly 0: relu′(0) decides whether w1 gets a gradient
    problem = Problem(
        inputs={"x": Fraction(1)},
        neurons={
            "h": Neuron("h", (Connection("x", "w1"),), Activation("relu"), bias="b"),
            "y": Neuron("y", (Connection("h", "w2"),), Activation("identity")),
        },
        parameters={"w1": Fraction(1), "b": Fraction(-1), "w2": Fraction(3)},
        targets={"y": Fraction(2)},
        loss="half_sse",
        learning_rate=Fraction(1, 10),
    )
    pytorch_like = {g.parameter: g.value for g in derive(problem).steps[0].gradients}
    notes_like = {
        g.parameter: g.value for g in derive(replace(problem, relu_derivative_at_zero=Fraction(1))).steps[0].gradients
    }
    assert pytorch_like["w1"] == 0 and pytorch_like["b"] == 0  # ReLU′(0) = 0, as in PyTorch
    assert notes_like["w1"] == -6 and notes_like["b"] == -6  # δ_y = 0 − 2 = −2; δ_h = 3·(−2)·1
    cross_check(derive(replace(problem, relu_derivative_at_zero=Fraction(1))))
