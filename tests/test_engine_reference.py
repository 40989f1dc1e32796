"""The engines against an independent reference on random networks of every activation and loss."""

from __future__ import annotations

import mpmath
from hypothesis import HealthCheck, given, settings
from netgen import problems, reference_steps

from tutor.crosscheck import cross_check
from tutor.engine import derive


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
