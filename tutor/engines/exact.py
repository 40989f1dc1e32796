"""The exact engine: forward pass, loss, deltas, gradients and updates → Derivation.

Everything is derived from local factors (δ of each neuron once, then δ · out per weight), so the cost
is linear in the size of the network. The chain-rule paths are written out only where there are few and
short (`Network.writes_paths`), and only when a view asks for them (`Gradient.paths`, from the step's
`ChainRule`).
Values are SymPy numbers: Rational while the arithmetic allows it, 30-digit Float otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tutor.engines import regdrop as rd
from tutor.engines.optimexact import optimizer_state, optimizer_updates
from tutor.errors import ProblemError
from tutor.maths import functions as fn
from tutor.maths.losses import LOSSES
from tutor.model import pooling
from tutor.model.backward import ChainRule, Delta, Downstream, Gradient, InputGradient, Use
from tutor.model.derivation import Derivation, ForwardNeuron, Loss, LossPart, Step, Term, Update
from tutor.model.network import MAX_PATHS, Network
from tutor.model.problem import Problem

MAX_EXACT_DIGITS = 2000  # of an exact parameter's numerator or denominator
_MAX_EXACT_BITS = int(MAX_EXACT_DIGITS * 3.33)

Values = dict[str, Any]


def derive(problem: Problem, *, max_paths: int = MAX_PATHS) -> Derivation:
    """All `problem.steps` gradient-descent steps on the problem's example, derived exactly."""
    network = Network(problem)
    params = {k: fn.exact(v) for k, v in problem.parameters.items()}
    inputs = {k: fn.exact(v) for k, v in problem.inputs.items()}
    targets = {k: fn.exact(v) for k, v in problem.targets.items()}
    steps: list[Step] = []
    for index in range(1, problem.steps + 1):
        state = optimizer_state(steps[-1]) if steps else {}
        step = derive_step(network, params, inputs, targets, index, max_paths=max_paths, state=state)
        steps.append(step)
        params = {u.parameter: u.new for u in step.updates}
        check_exact_size(problem, params, index, "steps: in the file")
    return Derivation(problem, tuple(steps))


def check_exact_size(problem: Problem, params: Values, index: int, fewer: str) -> None:
    """Exact fractions can grow fast (their digits triple each step in a two-layer network): past
    `MAX_EXACT_DIGITS` a ProblemError asks for fewer steps instead of working for ever on huge numbers."""
    for name, value in params.items():
        if getattr(value, "is_Rational", False) and max(abs(value.p), value.q).bit_length() > _MAX_EXACT_BITS:
            raise ProblemError(
                f"after step {index} the exact value of {name} has more than {MAX_EXACT_DIGITS} digits: "
                f"derive fewer steps ({fewer})",
                file=problem.source,
            )


def derive_step(
    network: Network,
    params: Values,
    inputs: Values,
    targets: Values,
    index: int,
    *,
    max_paths: int = MAX_PATHS,
    state: Mapping[str, Values] | None = None,
) -> Step:
    """One step on one example, from the given parameter values (and optimizer state, by parameter; step
    `index`'s dropout mask)."""
    drop = rd.dropout_factors(network.problem, index)
    forward, loss, deltas, gradients = backprop(network, params, inputs, targets, max_paths=max_paths, drop=drop)
    loss, gradients = rd.regularize(network.problem, params, loss, gradients)
    updates = updates_for(network.problem, params, {g.parameter: g.value for g in gradients}, state, index)
    grads_in = input_gradients_of_pass(network, params, forward, deltas)
    return Step(index, forward, loss, deltas, gradients, updates, input_gradients=grads_in)


def input_gradients_of_pass(
    network: Network, params: Values, forward: tuple[ForwardNeuron, ...], deltas: tuple[Delta, ...]
) -> tuple[InputGradient, ...]:
    """∂L/∂x of every input from one example's pass (a pooling neuron's routes act as its weights 1 and 0)."""
    routes = {t.parameter: t.parameter_value for f in forward if f.combine == "max" for t in f.terms}
    return rd.input_gradients(network, {**params, **routes}, deltas)


def backprop(
    network: Network,
    params: Values,
    inputs: Values,
    targets: Values,
    *,
    max_paths: int = MAX_PATHS,
    drop: Values | None = None,
) -> tuple[tuple[ForwardNeuron, ...], Loss, tuple[Delta, ...], tuple[Gradient, ...]]:
    """Forward pass, loss, deltas and gradients on one example, without the update (a data set's
    examples are combined first, then updated once) nor the penalty; `drop`: dropout's factors."""
    forward = _forward(network, params, inputs, drop or {})
    outs: Values = {**inputs, **{f.neuron: f.out for f in forward}}
    loss, loss_grad = _loss(network.problem, outs, targets)
    local = {**params, **pooling.routes(network, outs.__getitem__, fn.exact(1), fn.exact(0))}  # + ∂p/∂c of pools
    deltas = _deltas(network, forward, local, targets, loss_grad)
    delta_of = {d.neuron: d.value for d in deltas}
    chain = ChainRule({d.neuron: d for d in deltas}, network.consumers, frozenset(targets), local)
    gradients = tuple(_gradient(network, p, outs, delta_of, chain, max_paths) for p in network.problem.parameters)
    return forward, loss, deltas, gradients


def _forward(network: Network, params: Values, inputs: Values, drop: Values) -> tuple[ForwardNeuron, ...]:
    values: Values = dict(inputs)
    activated: Values = {}
    nets: Values = {}
    params = dict(params)
    for n in network.order:
        neuron = network.neuron(n)
        if pooling.is_pool(neuron):  # the max of its window; its routes act as the weights 1 and 0
            params.update(pooling.pool_routes(neuron, values.__getitem__, fn.exact(1), fn.exact(0)))
            net = max(values[c.source] for c in neuron.inputs)
        else:
            net = sum((values[c.source] * params[c.parameter] for c in neuron.inputs), fn.exact(0))
        if neuron.bias is not None:
            net += params[neuron.bias]
        nets[n] = net
        if not neuron.activation.entry.group:
            values[n] = fn.exact_activation(neuron.activation, net)
        if n in drop:  # inverted dropout: the mask, then 1/(1 − p)
            activated[n] = values[n]
            mask, scale = drop[n]
            values[n] = fn.exact(values[n] * mask * scale)
    group = network.softmax_group
    if group:
        values.update(zip(group, fn.exact_softmax([nets[n] for n in group]), strict=True))
    return tuple(_forward_record(network, n, values, params, nets[n], drop, activated) for n in network.order)


def _forward_record(
    network: Network, n: str, values: Values, params: Values, net: Any, drop: Values, activated: Values
) -> ForwardNeuron:
    neuron = network.neuron(n)
    terms = tuple(Term(c.source, values[c.source], c.parameter, params[c.parameter]) for c in neuron.inputs)
    bias_value = params[neuron.bias] if neuron.bias is not None else None
    mask, scale = drop.get(n, (None, None))
    return ForwardNeuron(
        n,
        network.net_labels[n],
        terms,
        neuron.bias,
        bias_value,
        net,
        neuron.activation,
        values[n],
        mask,
        scale,
        activated.get(n),
        neuron.combine,
    )


def _loss(problem: Problem, outs: Values, targets: Values) -> tuple[Loss, Values]:
    """The loss and ∂L/∂y of each output."""
    ys, ts = [outs[o] for o in targets], list(targets.values())
    values, grads = fn.exact_loss_terms(problem.loss, ys, ts, problem.loss_options)
    parts = tuple(
        LossPart(o, t, outs[o], v) for (o, t), v in zip(targets.items(), values, strict=True) if v is not None
    )
    reference = ys[ts.index(1)] if LOSSES[problem.loss].one_hot else None
    loss = Loss(problem.loss, parts, fn.exact(sum((p.value for p in parts), fn.exact(0))), reference=reference)
    return loss, dict(zip(targets, grads, strict=True))


def _deltas(
    network: Network, forward: tuple[ForwardNeuron, ...], params: Values, targets: Values, loss_grad: Values
) -> tuple[Delta, ...]:
    problem = network.problem
    rec = {f.neuron: f for f in forward}
    delta: Values = {}
    out: list[Delta] = []
    softmax = _softmax_deltas(network, rec, targets, loss_grad)
    for n in reversed(network.order):
        label = network.net_labels[n]
        if n in softmax:
            delta[n] = softmax[n]
            out.append(Delta(n, label, loss_grad[n], (), None, delta[n], softmax=True, activation=rec[n].activation))
            continue
        down = tuple(Downstream(k, p, params[p], delta[k]) for k, p in network.consumers[n])
        g = loss_grad.get(n, fn.exact(0)) + sum((d.parameter_value * d.delta for d in down), fn.exact(0))
        f = rec[n]
        y = f.out if f.activated is None else f.activated
        deriv = fn.exact_derivative(f.activation, f.net, y, problem.relu_derivative_at_zero)
        delta[n] = fn.exact(g * deriv * (1 if f.dropout is None else f.dropout))
        out.append(Delta(n, label, loss_grad.get(n), down, deriv, delta[n], activation=f.activation, dropout=f.dropout))
    return tuple(out)


def _softmax_deltas(network: Network, rec: Mapping[str, ForwardNeuron], targets: Values, loss_grad: Values) -> Values:
    """δ_j = Σ_k ∂L/∂y_k · ∂y_k/∂x_j = y_j (g_j − Σ_k g_k y_k); with cross-entropy y_j·Σt − t_j."""
    group = network.softmax_group
    if not group:
        return {}
    y = {n: rec[n].out for n in group}
    if LOSSES[network.problem.loss].softmax_shortcut:
        total_t = sum((targets.get(n, 0) for n in group), fn.exact(0))
        return {n: fn.exact(y[n] * total_t - targets.get(n, 0)) for n in group}
    g = {n: loss_grad.get(n, fn.exact(0)) for n in group}
    mean_g = sum((g[k] * y[k] for k in group), fn.exact(0))
    return {n: fn.exact(y[n] * (g[n] - mean_g)) for n in group}


def _gradient(
    network: Network, parameter: str, outs: Values, delta: Values, chain: ChainRule, max_paths: int
) -> Gradient:
    one = fn.exact(1)
    uses = []
    for e in network.uses[parameter]:
        src = outs[e.source] if e.source is not None else one
        uses.append(Use(e.neuron, e.source, delta[e.neuron], src, fn.exact(delta[e.neuron] * src)))
    value = fn.exact(sum((u.value for u in uses), fn.exact(0)))
    shown = network.writes_paths((u.neuron for u in uses), max_paths)
    return Gradient(parameter, tuple(uses), chain if shown else None, value)


def updates_for(
    problem: Problem, params: Values, gradients: Values, state: Mapping[str, Values] | None = None, t: int = 1
) -> tuple[Update, ...]:
    """w ← w − η·g for every parameter (frozen ones kept); with an optimizer, its step `t` from `state`."""
    eta = fn.exact(problem.learning_rate)
    if problem.optimizer.name != "sgd":
        return optimizer_updates(problem, params, gradients, state or {}, t)
    out = []
    for p, old in params.items():
        frozen = p in problem.frozen
        new = old if frozen else fn.exact(old - eta * gradients[p])
        out.append(Update(p, old, gradients[p], eta, new, frozen))
    return tuple(out)
