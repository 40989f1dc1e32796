"""The fast float64 trainer: the whole schedule of a data set, vectorized with NumPy.

The neuron graph is compiled once into levels (neurons of equal depth). Each level is one dense
matrix W (its neurons × all earlier nodes), filled from the parameter vector through index arrays, so
sparse connections are zeros and a shared parameter fills several entries; its gradient is the sum of
those entries' gradients (`np.bincount`). SymPy is never imported here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from tutor.engines import vectorized as vec
from tutor.engines.optimvec import VectorOptimizer
from tutor.engines.trainreg import Extras
from tutor.errors import NnstepError
from tutor.maths.activations import Activation
from tutor.model.network import Network
from tutor.model.pooling import is_pool
from tutor.model.problem import Problem
from tutor.model.schedule import iterations
from tutor.model.training import TrainResult


@dataclass(frozen=True)
class Level:
    """The neurons of one depth: node columns start:stop, fed by the columns before `start`."""

    start: int
    stop: int
    rows: np.ndarray  # W[rows, cols] = p[pidx]
    cols: np.ndarray
    pidx: np.ndarray
    brows: np.ndarray  # b[brows] = p[bidx]
    bidx: np.ndarray
    groups: tuple[tuple[vec.Fn, vec.Deriv, np.ndarray], ...]  # f, f′ and their local neuron indices
    w: np.ndarray  # the level's dense matrices, refilled in place from the parameter vector
    b: np.ndarray
    pools: tuple[tuple[np.ndarray, np.ndarray], ...] = ()  # max pooling: (local neurons, their windows' columns)


class Compiled:
    """A problem's network as index arrays; `forward`/`backward` run a whole batch at once."""

    def __init__(self, problem: Problem) -> None:
        network = Network(problem)
        self.problem = problem
        self.params = tuple(problem.parameters)
        nodes = [*problem.inputs, *sorted(network.order, key=lambda n: network.depth[n])]
        self.index = {n: i for i, n in enumerate(nodes)}
        self.n_inputs = len(problem.inputs)
        self.outputs = np.array([self.index[o] for o in problem.outputs], dtype=np.intp)
        self.softmax = np.array([self.index[n] for n in network.softmax_group], dtype=np.intp)
        self.levels = self._levels(network, nodes)
        self.n_nodes = len(nodes)
        self.trainable = np.array([p not in problem.frozen for p in self.params], dtype=np.float64)
        self.settings = {k: float(v) for k, v in problem.loss_options.items()}  # huber's delta
        self.extras = Extras(problem, self.index, self.params, self.n_nodes)  # penalty and dropout

    def _levels(self, network: Network, nodes: list[str]) -> tuple[Level, ...]:
        pos = {p: i for i, p in enumerate(self.params)}
        levels = []
        start = self.n_inputs
        while start < len(nodes):
            depth = network.depth[nodes[start]]
            stop = start
            while stop < len(nodes) and network.depth[nodes[stop]] == depth:
                stop += 1
            neurons = [network.neuron(n) for n in nodes[start:stop]]
            edges = [
                (j, self.index[c.source], pos[c.parameter])
                for j, nr in enumerate(neurons)
                if not is_pool(nr)
                for c in nr.inputs
            ]
            biases = [(j, pos[nr.bias]) for j, nr in enumerate(neurons) if nr.bias is not None]
            rows, cols, pidx = _columns(edges, 3)
            brows, bidx = _columns(biases, 2)
            w, b = np.zeros((stop - start, start)), np.zeros(stop - start)
            groups, pools = self._groups(neurons), self._pools(neurons)
            levels.append(Level(start, stop, rows, cols, pidx, brows, bidx, groups, w, b, pools))
            start = stop
        return tuple(levels)

    def _pools(self, neurons: list) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
        """The level's max-pooling neurons, grouped by window size: (local indices, (neurons, window) columns)."""
        by_size: dict[int, list[int]] = {}
        for j, nr in enumerate(neurons):
            if is_pool(nr):
                by_size.setdefault(len(nr.inputs), []).append(j)
        return tuple(
            (
                np.array(js, dtype=np.intp),
                np.array([[self.index[c.source] for c in neurons[j].inputs] for j in js], dtype=np.intp),
            )
            for js in by_size.values()
        )

    def _groups(self, neurons: list) -> tuple[tuple[vec.Fn, vec.Deriv, np.ndarray], ...]:
        acts: list[Activation] = sorted({nr.activation for nr in neurons}, key=str)
        return tuple(
            (
                vec.activation_fn(act),
                vec.derivative_fn(act, float(self.problem.relu_derivative_at_zero)),
                np.array([j for j, nr in enumerate(neurons) if nr.activation == act], dtype=np.intp),
            )
            for act in acts
        )

    def load(self, p: np.ndarray) -> None:
        """Fill every level's W and b from the parameter vector `p`."""
        for lv in self.levels:
            lv.w[lv.rows, lv.cols] = p[lv.pidx]
            lv.b[lv.brows] = p[lv.bidx]

    def forward(self, p: np.ndarray, x: np.ndarray, drop: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Outputs A and nets Z of every node (columns) for a (batch, inputs) array; `drop`: dropout's factor
        of each column (outputs after the mask and scaling)."""
        self.load(p)
        a = np.empty((x.shape[0], self.n_nodes))
        z = np.empty_like(a)
        a[:, : self.n_inputs] = x
        for lv in self.levels:
            zl = a[:, : lv.start] @ lv.w.T + lv.b
            for js, windows in lv.pools:  # max pooling: the max of each window (its activation is the identity)
                zl[:, js] = a[:, windows].max(axis=2)
            z[:, lv.start : lv.stop] = zl
            if len(lv.groups) == 1:
                a[:, lv.start : lv.stop] = lv.groups[0][0](zl)
            else:
                for f, _, cols in lv.groups:
                    a[:, lv.start + cols] = f(zl[:, cols])
            if drop is not None:
                a[:, lv.start : lv.stop] *= drop[lv.start : lv.stop]
        if self.softmax.size:
            a[:, self.softmax] = vec.softmax(z[:, self.softmax])
        return a, z

    def losses(self, a: np.ndarray, t: np.ndarray) -> np.ndarray:
        return vec.loss(self.problem.loss, a[:, self.outputs], t, self.settings)

    def gradient(
        self, p: np.ndarray, x: np.ndarray, t: np.ndarray, scale: float, drop: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(per-example losses, scale · Σ over the batch of ∂L/∂p)."""
        a, _, d = self.backward(p, x, t, drop)
        return self.losses(a, t), scale * self.batch_gradient(a, d)

    def batch_gradient(self, a: np.ndarray, d: np.ndarray) -> np.ndarray:
        """Σ over the batch of ∂L/∂p, from `backward`'s A and D."""
        grad = np.zeros(len(self.params))
        for lv in self.levels:
            delta = d[:, lv.start : lv.stop]
            grad += np.bincount(lv.pidx, (delta.T @ a[:, : lv.start])[lv.rows, lv.cols], len(self.params))
            grad += np.bincount(lv.bidx, delta.sum(axis=0)[lv.brows], len(self.params))
        return grad

    def backward(
        self, p: np.ndarray, x: np.ndarray, t: np.ndarray, drop: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Outputs A, nets Z and deltas D = ∂L/∂net of every node (columns; inputs' deltas are 0)."""
        a, z = self.forward(p, x, drop)
        raw = a if drop is None else np.where(drop == 0, a, a / np.where(drop == 0, 1.0, drop))  # f(net), for f′
        g = np.zeros_like(a)  # ∂L/∂out of every node
        g[:, self.outputs] = vec.loss_grad(self.problem.loss, a[:, self.outputs], t, self.settings)
        soft = self._softmax_deltas(a, t)
        d = np.zeros_like(a)
        for lv in reversed(self.levels):
            delta = g[:, lv.start : lv.stop] * self._derivative(lv, z, raw)
            if drop is not None:
                delta *= drop[lv.start : lv.stop]
            if soft is not None:
                local = self.softmax - lv.start
                mask = (local >= 0) & (local < lv.stop - lv.start)
                delta[:, local[mask]] = soft[:, mask]
            d[:, lv.start : lv.stop] = delta
            g[:, : lv.start] += delta @ lv.w
            for js, windows in lv.pools:  # δ to each window's winner: its first maximum (np.argmax)
                winners = windows[np.arange(len(js)), np.argmax(a[:, windows], axis=2)]
                np.add.at(g, (np.arange(len(a))[:, None], winners), delta[:, js])
        return a, z, d

    def example_gradients(self, a: np.ndarray, d: np.ndarray) -> np.ndarray:
        """∂L/∂p of each example on its own: (batch, parameters), from `backward`'s A and D."""
        out = np.zeros((a.shape[0], len(self.params)))
        for lv in self.levels:
            delta = d[:, lv.start : lv.stop]
            np.add.at(out.T, lv.pidx, (delta[:, lv.rows] * a[:, lv.cols]).T)
            np.add.at(out.T, lv.bidx, delta[:, lv.brows].T)
        return out

    def _derivative(self, lv: Level, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        zl, al = z[:, lv.start : lv.stop], a[:, lv.start : lv.stop]
        if len(lv.groups) == 1:
            return lv.groups[0][1](zl, al)
        out = np.empty_like(zl)
        for _, df, cols in lv.groups:
            out[:, cols] = df(zl[:, cols], al[:, cols])
        return out

    def _softmax_deltas(self, a: np.ndarray, t: np.ndarray) -> np.ndarray | None:
        if not self.softmax.size:
            return None
        col = {int(o): i for i, o in enumerate(self.outputs)}
        ts = np.stack([t[:, col[int(s)]] if int(s) in col else np.zeros(len(t)) for s in self.softmax], axis=1)
        return vec.softmax_delta(self.problem.loss, a[:, self.softmax], ts)


def _columns(rows: Sequence[tuple[int, ...]], width: int) -> list[np.ndarray]:
    """Columns of a list of integer tuples as index arrays (empty arrays for no rows)."""
    return [np.array([r[i] for r in rows], dtype=np.intp) for i in range(width)]


class TrainingDiverged(NnstepError):
    """The run's loss became inf or NaN (too large a learning rate): a failure, exit status 1."""


def data_arrays(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    """(examples, inputs) and (examples, outputs) float64 arrays of the data set."""
    x = np.array([[float(e.inputs[i]) for i in problem.inputs] for e in problem.data], dtype=np.float64)
    t = np.array([[float(e.targets[o]) for o in problem.outputs] for e in problem.data], dtype=np.float64)
    return x, t


def train(problem: Problem, *, keep: int = 0, progress: Callable[[int], None] | None = None) -> TrainResult:
    """Run every iteration of the schedule; `progress(epoch)` is called after each epoch. A run that
    diverges (too large a learning rate) is a result too: its losses become inf or NaN, silently."""
    with np.errstate(all="ignore"):
        result = _train(problem, keep, progress)
    if not (np.isfinite(result.iteration_loss).all() and np.isfinite(result.final).all()):
        raise diverged(problem, result)
    return result


def diverged(problem: Problem, result: TrainResult) -> TrainingDiverged:
    bad = np.flatnonzero(~np.isfinite(result.epoch_loss))
    epoch = int(bad[0]) + 1 if bad.size else len(result.epoch_loss)
    return TrainingDiverged(
        f"{problem.source}: training diverged: the loss overflows float64 (inf or NaN) from epoch {epoch} on; "
        "use a smaller learning_rate or smaller numbers"
    )


def _train(problem: Problem, keep: int, progress: Callable[[int], None] | None) -> TrainResult:
    net = Compiled(problem)
    x, t = data_arrays(problem)
    p = np.array([float(v) for v in problem.parameters.values()], dtype=np.float64)
    step = float(problem.learning_rate) * net.trainable
    schedule = tuple(iterations(problem))
    batches = [(np.array(it.examples, dtype=np.intp), loss_scale(problem, len(it.examples))) for it in schedule]
    losses = np.empty(len(schedule))
    kept = []
    optimizer = VectorOptimizer(problem, net.trainable) if problem.optimizer.name != "sgd" else None
    for i, (idx, scale) in enumerate(batches):
        per_example, grad = net.gradient(p, x[idx], t[idx], scale, net.extras.dropout(i + 1))
        penalty, penalty_grad = net.extras.penalty(p)
        losses[i] = per_example.sum() * scale + penalty
        if penalty_grad is not None:
            grad = grad + penalty_grad
        p = p - step * grad if optimizer is None else optimizer.step(p, grad, i + 1)
        if i < keep:
            kept.append(p.copy())
        if progress is not None and (i + 1 == len(schedule) or schedule[i + 1].epoch != schedule[i].epoch):
            progress(schedule[i].epoch)
    epochs = np.array([it.epoch for it in schedule]) - 1
    epoch_loss = np.bincount(epochs, losses) / np.bincount(epochs)
    final_loss = float(
        net.losses(net.forward(p, x)[0], t).sum() * loss_scale(problem, len(x)) + net.extras.penalty(p)[0]
    )
    return TrainResult(net.params, losses, epoch_loss, final_loss, p, np.array(kept).reshape(-1, len(p)), schedule)


def loss_scale(problem: Problem, batch: int) -> float:
    """The factor from the sum of a batch's losses to its loss: 1/batch for `reduction: mean`."""
    return 1.0 / batch if problem.reduction == "mean" else 1.0
