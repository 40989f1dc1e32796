"""Each example's input gradients on data sets against PyTorch's `x.grad` (float64 autograd).

Per example k of a detailed iteration, `ex<k>.x1.grad` is ∂L_k/∂x of the example's own loss (as
`ex<k>.w13.grad` is): autograd of that loss alone. The batch objective L = scale · Σ L_k (+ the penalty,
which does not depend on x) gives every example's input the same gradient times the scale: 1/n for a mean,
1 for a sum (the README says which one the key is).
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import PROBLEMS
from hypothesis import HealthCheck, assume, given, settings
from test_datagrad import data_sets

from tutor.engines.training import derive_training
from tutor.errors import ProblemError
from tutor.files.loader import load_problem
from tutor.model.derivation import DataSetDerivation
from tutor.model.problem import Problem

torch = pytest.importorskip("torch", reason="PyTorch is an optional test dependency (pip install torch)")
pytestmark = pytest.mark.torch
from test_regdrop_torch import _data_loss, _penalty, close  # noqa: E402 - after the importorskip

f64 = torch.float64


def _check_against_torch(derivation: DataSetDerivation) -> int:
    """Every example's input gradients of every detailed iteration against autograd; how many were compared."""
    problem = derivation.problem
    compared = 0
    for step in derivation.steps:
        params = {u.parameter: torch.tensor(float(u.old), dtype=f64) for u in step.updates}
        xs, own = [], []
        for e in step.examples:
            x = {n: torch.tensor(float(v), dtype=f64, requires_grad=True) for n, v in e.inputs.items()}
            loss = _data_loss(replace(problem, targets=dict(e.targets)), params, x, step.index)
            grads = torch.autograd.grad(loss, list(x.values()), allow_unused=True)
            reference = {n: float(g) if g is not None else 0.0 for n, g in zip(x, grads, strict=True)}
            for g in e.input_gradients:
                assert close(float(g.value), reference[g.input]), (step.index, e.example, g.input)
                compared += 1
            xs.append(x)
            own.append(reference)
        _check_batch_objective(problem, step, params, xs, own)
    return compared


def _check_batch_objective(problem: Problem, step: object, params: dict, xs: list, own: list) -> None:
    """∂L/∂x_k of the batch objective is the example's own ∂L_k/∂x times the batch scale."""
    examples = step.examples
    scale = 1 / len(examples) if problem.reduction == "mean" else 1.0
    batch = _penalty(problem, {k: v.clone().requires_grad_(True) for k, v in params.items()})
    for e, x in zip(examples, xs, strict=True):
        batch = batch + scale * _data_loss(replace(problem, targets=dict(e.targets)), params, x, step.index)
    leaves = [t for x in xs for t in x.values()]
    grads = torch.autograd.grad(batch, leaves, allow_unused=True)
    flat = [scale * v for reference in own for v in reference.values()]
    assert all(close(float(g) if g is not None else 0.0, v) for g, v in zip(grads, flat, strict=True))


@pytest.mark.parametrize("name", ["xor-data.yaml", "xor-data-sgd.yaml"])
def test_shipped_data_sets_match_pytorch(name: str) -> None:
    derivation = derive_training(load_problem(PROBLEMS / name), detail=3, whole_run=False)
    assert _check_against_torch(derivation) == 2 * sum(len(s.examples) for s in derivation.steps)


def test_a_mini_batch_with_huber_l2_and_dropout_matches_pytorch(tmp_path) -> None:
    from test_regdrop import DATA  # batches of 2, reduction sum, one dropout mask per iteration

    path = tmp_path / "d.yaml"
    path.write_text(DATA, encoding="utf-8")
    derivation = derive_training(load_problem(path), detail=4, whole_run=False)
    assert _check_against_torch(derivation) == 4 * 2 * 2
    mean = replace(derivation.problem, reduction="mean")
    assert _check_against_torch(derive_training(mean, detail=2, whole_run=False)) == 2 * 2 * 2


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data_sets())
def test_random_data_sets_match_pytorch(problem: Problem) -> None:
    try:
        derivation = derive_training(problem, detail=2, whole_run=False)
    except ProblemError:
        assume(False)
    assert _check_against_torch(derivation) > 0
