"""The independent NumPy float64 engine, keyed by answer keys (`y3.net`, `loss`, `w13.grad`, …).

It shares no arithmetic with the exact engine, so every solve can cross-check the two. It also serves
the answer checker: `rules` re-runs the derivation with a known mistake (mistake diagnosis), and
`given` replaces any quantity by a student's own value before later quantities are computed from it
(error carried forward).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tutor.engines import floatreg as fr
from tutor.engines.optimfloat import carried_state, put_optimizer_step
from tutor.maths import functions as fn
from tutor.maths.activations import Activation
from tutor.maths.losses import LOSSES
from tutor.model import pooling
from tutor.model.keys import step_prefix
from tutor.model.keyset import wants_input_gradients
from tutor.model.network import Network
from tutor.model.problem import Problem


@dataclass(frozen=True)
class Rules:
    """How the derivation is carried out. The defaults are right; each other setting is a classic
    mistake (see `tutor.checking.mistakes`)."""

    update_sign: float = -1.0  # +1: w + η·g
    use_learning_rate: bool = True  # False: w − g
    activation_derivative: bool = True  # False: deltas without f′(net)
    loss_scale: float = 1.0  # 2 or ½: the factor between ½Σ(t−y)² and Σ(t−y)²
    target_sign: float = 1.0  # -1: (t − y) where (y − t) belongs
    updated_weights_in_backprop: bool = False  # hidden deltas use outgoing weights already updated
    net_instead_of_out: bool = False  # ∂net/∂w taken as the source's net
    derivative_at_output: bool = False  # f′(out) instead of f′(net)
    include_bias: bool = True  # False: net inputs without the bias
    batch_reduction_swapped: bool = (
        False  # a data set's batch: the sum of the examples' where the mean belongs, or back
    )
    source_factor: bool = True  # False: ∂L/∂w = δ, the source's output left out
    unsigned: str | None = None  # an input or parameter taken without its sign: |x2|, |w23|
    dropped_path: tuple[str, str] | None = None  # (neuron, consumer; "" its own loss term): one path left out
    single_use: tuple[str, int] | None = None  # (parameter, i): a shared parameter's gradient from use i only
    bias_correction: bool = True  # False: Adam's m̂ = m, v̂ = v (no 1/(1 − βᵗ))
    reset_state: bool = False  # True: the optimizer's state starts from zero at every step (not carried)
    l2_scale: float = 1.0  # 2 or ½: λ where λ/2 belongs in the L2 penalty, or the reverse
    l2_on_bias: bool = False  # the penalty on the biases too
    dropout_rescale: bool = True  # False: dropout's mask without the 1/(1 − p)


RIGHT = Rules()


def solve_numeric(
    problem: Problem,
    *,
    rules: Rules = RIGHT,
    given: Mapping[str, float] | None = None,
    network: Network | None = None,
    input_gradients: bool = False,
) -> dict[str, float]:
    """Every quantity of every step by answer key (later steps prefixed `step2.`, …); `input_gradients`:
    ∂L/∂x too (`x1.grad`)."""
    network = network or Network(problem)
    given = given or {}
    params, inputs, targets = network.floats if network.problem is problem else Network(problem).floats
    params = dict(params)
    values: dict[str, float] = {}
    state: dict[str, dict[str, float]] = {}
    for index in range(1, problem.steps + 1):
        prefix = step_prefix(index)
        # step 1's keys have no prefix; a later step's (`step2.y3.net`) never match them
        step_given = {k[len(prefix) :]: v for k, v in given.items() if k.startswith(prefix)} if prefix else given
        step = numeric_step(network, params, inputs, targets, rules=rules, given=step_given, state=state, index=index)
        if input_gradients or wants_input_gradients(problem):  # from the student's own δ where given
            step.update(_input_gradients(network, params, {**step, **step_given}))
        values.update({prefix + k: v for k, v in step.items()})
        params = {p: step_given.get(f"{p}.new", step[f"{p}.new"]) for p in params}
        state = {} if rules.reset_state else carried_state(problem, step, step_given)
    return values


def numeric_step(
    network: Network,
    params: Mapping[str, float],
    inputs: Mapping[str, float],
    targets: Mapping[str, float],
    *,
    rules: Rules = RIGHT,
    given: Mapping[str, float] | None = None,
    state: Mapping[str, Mapping[str, float]] | None = None,
    index: int = 1,
    regularized: bool = True,
) -> dict[str, float]:
    """One step on one example in float64: step `index` of the optimizer, from `state` by parameter, with
    step `index`'s dropout mask; `regularized=False`: without the penalty, which a data set's batch adds
    once. A key in `given` overrides the computed value downstream."""
    given = given or {}
    v: dict[str, float] = {}
    if rules.unsigned is not None:
        params, inputs = _unsigned(params, rules.unsigned), _unsigned(inputs, rules.unsigned)

    def put(key: str, value: float) -> float:
        v[key] = value
        return given.get(key, value)

    problem = network.problem
    drop = fr.dropout_factors(problem, index, rescale=rules.dropout_rescale)
    out = _forward(network, params, inputs, put, given, rules, drop)
    local = {**params, **pooling.routes(network, out.__getitem__, 1.0, 0.0)}  # + ∂p/∂c of the pooling neurons
    loss, loss_grads = fn.np_loss_terms(
        problem.loss, [out[o] for o in targets], list(targets.values()), problem.loss_options
    )
    penalty, terms = fr.penalty(problem, params, l2_scale=rules.l2_scale, on_bias=rules.l2_on_bias, on=regularized)
    put("loss", loss * rules.loss_scale + penalty)
    out.update({f"dL:{o}": g for o, g in zip(targets, loss_grads, strict=True)})
    grads = _backward(network, local, out, targets, rules, put, given, terms)
    eta = float(problem.learning_rate) if rules.use_learning_rate else 1.0
    if problem.optimizer.name != "sgd":
        grads = {p: given.get(f"{p}.grad", g) for p, g in grads.items()}
        put_optimizer_step(
            problem, params, grads, state or {}, index, -rules.update_sign * eta, rules.bias_correction, put, given
        )
        return v
    for p, w in params.items():
        g = given.get(f"{p}.grad", grads[p])
        put(f"{p}.new", w if p in problem.frozen else w + rules.update_sign * eta * g)
    return v


def _input_gradients(
    network: Network,
    params: Mapping[str, float],
    step: Mapping[str, float],
    inputs: Mapping[str, float] | None = None,
) -> dict[str, float]:
    """∂L/∂x = Σ w · δ over the neurons each input feeds (a pooling neuron's route from the outputs), on the
    problem's example or on `inputs` (a data set's)."""
    given = network.floats[1] if inputs is None else inputs
    values = {**given, **{n: step[f"{n}.out"] for n in network.neurons if f"{n}.out" in step}}
    params = {**params, **pooling.routes(network, values.__getitem__, 1.0, 0.0)}
    return {
        f"{x}.grad": sum(params[p] * step[f"{k}.delta"] for k, p in network.consumers[x])
        for x in network.problem.inputs
    }


def example_input_gradients(
    network: Network, params: Mapping[str, float], inputs: Mapping[str, float], step: Mapping[str, float]
) -> dict[str, float]:
    """∂L/∂x (`x1.grad`) of one example of a data set from its pass `step` (`numeric_step`'s keys)."""
    return _input_gradients(network, params, step, inputs)


def input_gradients_of(problem: Problem, values: Mapping[str, float]) -> dict[str, float]:
    """∂L/∂x of every step (`x1.grad`, `step2.x1.grad`) from a solve's own deltas and parameters."""
    network = Network(problem)
    params: Mapping[str, float] = network.floats[0]
    out: dict[str, float] = {}
    for index in range(1, problem.steps + 1):
        prefix = step_prefix(index)
        step = {k[len(prefix) :]: v for k, v in values.items() if k.startswith(prefix)} if prefix else values
        out.update({prefix + k: v for k, v in _input_gradients(network, params, step).items()})
        params = {p: step[f"{p}.new"] for p in params}
    return out


def _unsigned(values: Mapping[str, float], name: str) -> Mapping[str, float]:
    """The mistake `dropped-sign`: `name` used without its sign."""
    return {**values, name: abs(values[name])} if name in values else values


def _forward(
    network: Network,
    params: Mapping[str, float],
    inputs: Mapping[str, float],
    put,
    given: Mapping[str, float],
    rules: Rules = RIGHT,
    drop: Mapping[str, float] | None = None,
) -> dict[str, float]:
    drop = drop or {}
    out: dict[str, float] = dict(inputs)
    nets: dict[str, float] = {}
    for n in network.order:
        neuron = network.neuron(n)
        if pooling.is_pool(neuron):
            net = max(out[c.source] for c in neuron.inputs)
        else:
            net = sum(out[c.source] * params[c.parameter] for c in neuron.inputs)
        if neuron.bias is not None and rules.include_bias:
            net += params[neuron.bias]
        nets[n] = put(f"{n}.net", float(net))
        if not neuron.activation.entry.group:
            y = fn.np_activation(neuron.activation, nets[n])
            if n in drop:  # f′ of the output before the mask (sigmoid's y(1 − y))
                out[f"act:{n}"], out[f"drop:{n}"], y = y, drop[n], y * drop[n]
            out[n] = put(f"{n}.out", y)
    group = network.softmax_group
    if group:
        for n, y in zip(group, fn.np_softmax([nets[n] for n in group]), strict=True):
            out[n] = put(f"{n}.out", y)
    out.update({f"net:{n}": nets[n] for n in nets})
    return out


def _backward(
    network: Network,
    params: Mapping[str, float],
    out: Mapping[str, float],
    targets: Mapping[str, float],
    rules: Rules,
    put,
    given: Mapping[str, float],
    penalty: Mapping[str, float] | None = None,
) -> dict[str, float]:
    problem = network.problem
    relu0 = float(problem.relu_derivative_at_zero)
    delta: dict[str, float] = {}
    group = set(network.softmax_group)
    soft = _softmax_deltas(network, out, targets, rules)
    for n in reversed(network.order):
        if n in group:
            delta[n] = put(f"{n}.delta", soft[n])
            continue
        dropped = rules.dropped_path[1] if rules.dropped_path and rules.dropped_path[0] == n else None
        g = _loss_grad(problem.loss, out[f"dL:{n}"], rules) if n in targets and dropped != "" else 0.0
        for k, p in network.consumers[n]:
            if k == dropped:
                continue
            w = _updated(network, p, params, out, delta, given) if rules.updated_weights_in_backprop else params[p]
            g += w * delta[k]
        delta[n] = put(
            f"{n}.delta",
            g * _derivative(network.neuron(n).activation, n, out, rules, relu0) * out.get(f"drop:{n}", 1.0),
        )
    return _gradients(network, out, delta, rules, put, penalty or {})


def _updated(
    network: Network,
    p: str,
    params: Mapping[str, float],
    out: Mapping[str, float],
    delta: Mapping[str, float],
    given: Mapping[str, float],
) -> float:
    """The mistake `updated-weights-in-backprop`: the outgoing weight already moved by this step's own
    gradient (the student's own `p.new` when they gave one; frozen parameters never move)."""
    problem = network.problem
    if p in problem.frozen or p not in network.uses:  # a pooling neuron's route never moves
        return params[p]
    if f"{p}.new" in given:
        return given[f"{p}.new"]
    grad = sum(
        delta[e.neuron] * (1.0 if e.source is None else out[e.source]) for e in network.uses[p] if e.neuron in delta
    )
    return params[p] - float(problem.learning_rate) * grad


def _derivative(act: Activation, n: str, out: Mapping[str, float], rules: Rules, at_zero: float) -> float:
    if not rules.activation_derivative:
        return 1.0
    y = out.get(f"act:{n}", out[n])  # before dropout's mask
    x = y if rules.derivative_at_output else out[f"net:{n}"]
    of_output = act.entry.derivative_of_output
    if of_output is not None and not rules.derivative_at_output:
        return of_output(y)
    return fn.np_derivative(act, x, at_zero)


def _loss_grad(loss: str, g: float, rules: Rules) -> float:
    """∂L/∂y of one output (computed with the loss, `dL:<output>`), with the mistakes' changes."""
    if rules.target_sign < 0 and loss in ("half_sse", "sse", "mse", "bce"):
        g = -g
    return g * rules.loss_scale


def _softmax_deltas(
    network: Network, out: Mapping[str, float], targets: Mapping[str, float], rules: Rules
) -> dict[str, float]:
    group = network.softmax_group
    if not group:
        return {}
    y = {n: out[n] for n in group}
    shortcut = LOSSES[network.problem.loss].softmax_shortcut
    if shortcut:
        total = sum(targets.get(n, 0.0) for n in group)
        d = {n: y[n] * total - targets.get(n, 0.0) for n in group}
    else:
        g = {n: _loss_grad(network.problem.loss, out[f"dL:{n}"], rules) for n in group}
        mean = sum(g[k] * y[k] for k in group)
        d = {n: y[n] * (g[n] - mean) for n in group}
    return {n: v * rules.target_sign * (rules.loss_scale if shortcut else 1.0) for n, v in d.items()}


def _gradients(
    network: Network,
    out: Mapping[str, float],
    delta: Mapping[str, float],
    rules: Rules,
    put,
    penalty: Mapping[str, float],
) -> dict[str, float]:
    grads: dict[str, float] = {}
    for p, uses in network.uses.items():
        total = 0.0
        if rules.single_use is not None and rules.single_use[0] == p:
            uses = uses[rules.single_use[1] : rules.single_use[1] + 1]
        for e in uses:
            if e.source is None or not rules.source_factor:
                src = 1.0
            elif rules.net_instead_of_out and e.source in network.neurons:
                src = out[f"net:{e.source}"]
            else:
                src = out[e.source]
            total += delta[e.neuron] * src
        grads[p] = put(f"{p}.grad", total + penalty.get(p, 0.0))
    return grads
