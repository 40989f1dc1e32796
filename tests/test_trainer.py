"""The fast float64 trainer (tutor/engines/trainer.py) and the schedule it runs (tutor/model/schedule.py):
epochs of batches in file or shuffled order, the same iterations as the exact engine, divergence reported.

problems/xor-data.yaml has four examples; batch_size 3 gives batches of 3 and 1 examples, two iterations an
epoch.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import numpy as np
import pytest
from conftest import PROBLEMS

from tutor.engines.floats import numeric_step
from tutor.engines.trainer import Compiled, TrainingDiverged, train
from tutor.engines.training import derive_training
from tutor.files.loader import load_problem
from tutor.model.network import Network
from tutor.model.problem import Activation, Example
from tutor.model.schedule import descent_kind, iterations, iterations_per_epoch

XOR_DATA = PROBLEMS / "xor-data.yaml"
XOR = load_problem(XOR_DATA)


# --- the schedule -----------------------------------------------------------------------------------------


def test_epochs_of_batches_in_file_order() -> None:
    problem = replace(XOR, batch_size=3, epochs=2)
    its = iterations(problem)
    assert [(it.index, it.epoch, it.examples) for it in its] == [
        (1, 1, (0, 1, 2)),
        (2, 1, (3,)),
        (3, 2, (0, 1, 2)),
        (4, 2, (3,)),
    ]
    assert iterations_per_epoch(problem) == 2 and iterations(problem, limit=3) == its[:3]


def test_last_batch_may_be_smaller() -> None:
    problem = replace(XOR, batch_size=3, epochs=1)
    assert [it.examples for it in iterations(problem)] == [(0, 1, 2), (3,)]


def test_shuffle_is_reproducible_and_a_permutation() -> None:
    problem = replace(XOR, shuffle=5, batch_size=1, epochs=3)
    a, b = iterations(problem), iterations(problem)
    assert a == b
    for epoch in range(3):
        assert sorted(it.examples[0] for it in a[epoch * 4 : epoch * 4 + 4]) == [0, 1, 2, 3]
    assert [it.examples for it in a[:4]] != [(0,), (1,), (2,), (3,)] or [it.examples for it in a[4:8]] != [
        (0,),
        (1,),
        (2,),
        (3,),
    ]


@pytest.mark.parametrize(
    ("size", "kind"), [(1, "stochastic"), (2, "mini-batch"), (3, "mini-batch"), (4, "batch"), (None, "batch")]
)
def test_the_schedule_is_named_by_its_batch_size(size: int | None, kind: str) -> None:
    assert descent_kind(replace(XOR, batch_size=size)) == kind


# --- the run ----------------------------------------------------------------------------------------------


def test_xor_data_set_trains_below_001_within_300_epochs() -> None:
    result = train(XOR)
    assert result.epochs_to(0.01) is not None and result.epochs_to(0.01) <= 300
    assert result.final_loss < 1e-3
    sgd = train(load_problem(PROBLEMS / "xor-data-sgd.yaml"))  # its comment and the README say: by epoch 70
    assert sgd.epochs_to(0.01) is not None and sgd.epochs_to(0.01) <= 70


def test_one_loss_per_iteration_and_the_epoch_loss_is_their_mean() -> None:
    problem = replace(XOR, batch_size=3, epochs=4)
    result = train(problem, keep=3)
    assert result.iteration_loss.shape == (8,) and result.epoch_loss.shape == (4,)
    assert result.epoch_loss == pytest.approx(result.iteration_loss.reshape(4, 2).mean(axis=1), rel=1e-15)
    assert result.kept.shape == (3, len(problem.parameters))
    assert list(result.kept[-1]) != list(result.kept[0])
    assert result.schedule == tuple(iterations(problem))
    assert set(result.final_parameters()) == set(problem.parameters)


def test_progress_is_called_once_after_each_epoch() -> None:
    seen: list[int] = []
    train(replace(XOR, batch_size=1, epochs=3), progress=seen.append)
    assert seen == [1, 2, 3]


def test_frozen_parameters_do_not_move() -> None:
    problem = replace(XOR, frozen=frozenset({"wh_11", "by_1"}), epochs=20)
    final = train(problem).final_parameters()
    assert final["wh_11"] == 0.5 and final["by_1"] == 0.0 and final["wh_12"] != 0.5


@pytest.mark.parametrize("batch,reduction,shuffle", [(1, "mean", None), (3, "sum", 7), (None, "sum", 3)])
def test_fast_trainer_matches_exact_iterations(batch: int | None, reduction: str, shuffle: int | None) -> None:
    problem = replace(XOR, batch_size=batch, reduction=reduction, shuffle=shuffle, epochs=5)
    derivation = derive_training(problem, detail=4)  # cross-checks itself; check the numbers again here
    for i, step in enumerate(derivation.steps):
        assert float(step.loss.value) == pytest.approx(derivation.training.iteration_loss[i], rel=1e-12, abs=1e-15)
        assert [float(u.new) for u in step.updates] == pytest.approx(list(derivation.training.kept[i]), abs=1e-12)


def test_a_layer_of_mixed_activations_matches_exact_iterations() -> None:
    # h1 stays relu, h2 becomes a sigmoid: one level of the compiled network with two activation groups
    h2 = replace(XOR.neurons["h2"], activation=Activation("sigmoid"))
    problem = replace(XOR, neurons={**XOR.neurons, "h2": h2}, batch_size=2, epochs=3)
    assert len({n.activation for n in problem.neurons.values() if n.name in ("h1", "h2")}) == 2
    result = train(problem, keep=4)
    exact = derive_training(problem, detail=4).steps
    for i, step in enumerate(exact):
        assert float(step.loss.value) == pytest.approx(result.iteration_loss[i], rel=1e-12, abs=1e-15)
        assert [float(u.new) for u in step.updates] == pytest.approx(list(result.kept[i]), rel=1e-12, abs=1e-15)


def test_a_softmax_data_set_matches_exact_iterations() -> None:
    single = load_problem(PROBLEMS / "softmax-classifier.yaml")
    second = Example(
        {"x1": Fraction(-1), "x2": Fraction(1, 2)}, {"y1": Fraction(0), "y2": Fraction(0), "y3": Fraction(1)}
    )
    problem = replace(single, data=(Example(single.inputs, single.targets), second), batch_size=1, epochs=2)
    result = train(problem, keep=4)
    for i, step in enumerate(derive_training(problem, detail=4).steps):
        assert float(step.loss.value) == pytest.approx(result.iteration_loss[i], rel=1e-12)
        assert [float(u.new) for u in step.updates] == pytest.approx(list(result.kept[i]), rel=1e-12, abs=1e-15)


def test_vectorized_gradient_matches_per_neuron_engine_on_a_sigmoid_network() -> None:
    problem = load_problem(PROBLEMS / "sigmoid-0.05-0.10.yaml")  # one bias per layer: shared parameters
    net, network = Compiled(problem), Network(problem)
    p = np.array([float(v) for v in problem.parameters.values()])
    x = np.array([[float(v) for v in problem.inputs.values()]])
    t = np.array([[float(v) for v in problem.targets.values()]])
    _, grad = net.gradient(p, x, t, 1.0)
    ref = numeric_step(
        network,
        {k: float(v) for k, v in problem.parameters.items()},
        {k: float(v) for k, v in problem.inputs.items()},
        {k: float(v) for k, v in problem.targets.items()},
    )
    assert list(grad) == pytest.approx([ref[f"{k}.grad"] for k in problem.parameters], rel=1e-12)


def test_a_diverging_run_raises_with_the_first_bad_epoch() -> None:
    problem = replace(XOR, learning_rate=XOR.learning_rate * 10**11, epochs=50)
    with pytest.raises(TrainingDiverged, match=r"training diverged: .* from epoch 11 on") as caught:
        train(problem)
    assert caught.value.exit_code == 1 and str(problem.source) in str(caught.value)
