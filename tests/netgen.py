"""Random problems for property tests, and an independent high-precision reference.

The reference evaluates the loss with mpmath at 50 digits straight from the problem definition (it
shares no code with either engine) and differentiates by central finite differences with h = 1e-20,
whose truncation error (~h²) is far below the 1e-9 the engines must agree to.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
from hypothesis import strategies as st

from tutor.model.problem import Activation, Connection, Neuron, Problem

mpmath.mp.dps = 50

SCALAR_ACTIVATIONS = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "arctan"]


def _act(name: str, x: mpmath.mpf, alpha: mpmath.mpf) -> mpmath.mpf:
    if name == "identity":
        return x
    if name == "sigmoid":
        return 1 / (1 + mpmath.exp(-x))
    if name == "tanh":
        return mpmath.tanh(x)
    if name == "relu":
        return x if x > 0 else mpmath.mpf(0)
    if name == "leaky_relu":
        return x if x >= 0 else alpha * x
    if name == "elu":
        return x if x >= 0 else alpha * (mpmath.exp(x) - 1)
    if name == "softplus":
        return mpmath.log(1 + mpmath.exp(x))
    if name == "arctan":
        return mpmath.atan(x)
    raise AssertionError(name)


def reference_loss(problem: Problem, params: dict[str, mpmath.mpf]) -> mpmath.mpf:
    vals = {k: mpmath.mpf(v.numerator) / v.denominator for k, v in problem.inputs.items()}
    nets: dict[str, mpmath.mpf] = {}
    pending = list(problem.neurons)
    while pending:  # a naive topological evaluation, independent of tutor.model.network
        for n in list(pending):
            neuron = problem.neurons[n]
            if all(c.source in vals for c in neuron.inputs):
                net = mpmath.fsum(vals[c.source] * params[c.parameter] for c in neuron.inputs)
                if neuron.bias:
                    net += params[neuron.bias]
                nets[n] = net
                if neuron.activation.name != "softmax":
                    alpha = neuron.activation.alpha or Fraction(0)
                    vals[n] = _act(neuron.activation.name, net, mpmath.mpf(alpha.numerator) / alpha.denominator)
                else:
                    vals[n] = mpmath.mpf(0)  # filled below; softmax neurons feed nothing
                pending.remove(n)
    group = [n for n in problem.neurons if problem.neurons[n].activation.name == "softmax"]
    if group:
        total = mpmath.fsum(mpmath.exp(nets[n]) for n in group)
        for n in group:
            vals[n] = mpmath.exp(nets[n]) / total
    ys = [vals[o] for o in problem.targets]
    ts = [mpmath.mpf(t.numerator) / t.denominator for t in problem.targets.values()]
    pairs = list(zip(ts, ys, strict=True))
    if problem.loss == "half_sse":
        return mpmath.fsum((t - y) ** 2 for t, y in pairs) / 2
    if problem.loss == "sse":
        return mpmath.fsum((t - y) ** 2 for t, y in pairs)
    if problem.loss == "mse":
        return mpmath.fsum((t - y) ** 2 for t, y in pairs) / len(pairs)
    if problem.loss == "bce":
        return -mpmath.fsum(t * mpmath.log(y) + (1 - t) * mpmath.log(1 - y) for t, y in pairs)
    if problem.loss == "cross_entropy":
        return -mpmath.fsum(t * mpmath.log(y) for t, y in pairs if t != 0)
    raise AssertionError(problem.loss)


def reference_gradients(problem: Problem, params: dict[str, mpmath.mpf]) -> dict[str, mpmath.mpf]:
    h = mpmath.mpf("1e-20")
    grads = {}
    for p in params:
        up, down = dict(params), dict(params)
        up[p] += h
        down[p] -= h
        grads[p] = (reference_loss(problem, up) - reference_loss(problem, down)) / (2 * h)
    return grads


def reference_steps(
    problem: Problem,
) -> list[tuple[mpmath.mpf, dict[str, mpmath.mpf], dict[str, mpmath.mpf]]]:
    """(loss, gradients, updated parameters) for each step."""
    params = {k: mpmath.mpf(v.numerator) / v.denominator for k, v in problem.parameters.items()}
    eta = mpmath.mpf(problem.learning_rate.numerator) / problem.learning_rate.denominator
    out = []
    for _ in range(problem.steps):
        loss = reference_loss(problem, params)
        grads = reference_gradients(problem, params)
        params = {k: v if k in problem.frozen else v - eta * grads[k] for k, v in params.items()}
        out.append((loss, grads, params))
    return out


def _value(draw: st.DrawFn, lo: int = -20, hi: int = 20) -> Fraction:
    # two decimals, like hand exercises, plus an odd part so kinks (net exactly 0) are rare
    return Fraction(draw(st.integers(lo * 100, hi * 100)), 100) + Fraction(draw(st.integers(1, 9)), 1000)


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    """A random layered network with sparse connections, shared and frozen parameters."""
    loss = draw(st.sampled_from(["half_sse", "sse", "mse", "bce", "cross_entropy"]))
    sizes = [draw(st.integers(1, 3))] + draw(st.lists(st.integers(1, 3), max_size=2))
    n_out = 1 if loss == "bce" else draw(st.integers(1 if loss != "cross_entropy" else 2, 3))
    inputs = {f"x{i + 1}": _value(draw, -2, 2) for i in range(sizes[0])}
    layers = [list(inputs)]
    neurons: dict[str, Neuron] = {}
    params: dict[str, Fraction] = {}
    for li, size in enumerate([*sizes[1:], n_out], start=1):
        is_out = li == len(sizes)
        names = [f"y{li}_{j + 1}" for j in range(size)]
        shared_bias = f"b{li}" if draw(st.booleans()) else None
        # softmax outputs go with cross-entropy, and sometimes with a squared error too
        softmax_out = is_out and (loss == "cross_entropy" or (size >= 2 and loss != "bce" and draw(st.booleans())))
        for j, n in enumerate(names):
            if softmax_out:
                act = Activation("softmax")
            elif is_out and loss == "bce":
                act = Activation("sigmoid")
            else:
                name = draw(st.sampled_from(SCALAR_ACTIVATIONS))
                alpha = {"leaky_relu": Fraction(1, 10), "elu": Fraction(1)}.get(name)
                act = Activation(name, alpha)
            prev = layers[-1]
            keep = [s for s in prev if draw(st.integers(0, 4)) > 0] or [prev[j % len(prev)]]
            conns = []
            for s in keep:
                reuse = params and draw(st.integers(0, 5)) == 0
                pname = draw(st.sampled_from(sorted(params))) if reuse else f"w_{s}_{n}"
                params.setdefault(pname, _value(draw, -1, 1))
                conns.append(Connection(s, pname))
            bias = None
            if shared_bias or draw(st.booleans()):
                bias = shared_bias or f"b_{n}"
                params.setdefault(bias, _value(draw, -1, 1))
            neurons[n] = Neuron(n, tuple(conns), act, bias)
        # every neuron of the previous layer must feed something
        fed = {c.source for n in names for c in neurons[n].inputs}
        for s in layers[-1]:
            if s not in fed and s in neurons:
                first = names[0]
                pname = f"w_{s}_{first}"
                params[pname] = _value(draw, -1, 1)
                neurons[first] = Neuron(
                    first,
                    (*neurons[first].inputs, Connection(s, pname)),
                    neurons[first].activation,
                    neurons[first].bias,
                )
        layers.append(names)
    outs = layers[-1]
    if loss == "cross_entropy":
        hot = draw(st.sampled_from(outs))
        targets = {o: Fraction(int(o == hot)) for o in outs}
    elif loss == "bce":
        targets = {o: Fraction(draw(st.integers(0, 4)), 4) for o in outs}
    else:
        targets = {o: _value(draw, -2, 2) for o in outs}
    frozen = frozenset(p for p in params if draw(st.integers(0, 6)) == 0)
    return Problem(
        inputs=inputs,
        neurons=neurons,
        parameters=params,
        targets=targets,
        loss=loss,
        learning_rate=Fraction(draw(st.sampled_from([1, 5, 10, 50])), 100),
        steps=draw(st.integers(1, 3)),
        frozen=frozen,
    )
