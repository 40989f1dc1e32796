"""Seed networks built in Python (independent of the YAML loader), for renderer tests."""

from __future__ import annotations

from fractions import Fraction as F

from tutor.model.problem import Activation, Connection, Neuron, Problem


def neuron(name: str, inputs: dict[str, str], activation: str, bias: str | None = None) -> Neuron:
    conns = tuple(Connection(s, p) for s, p in inputs.items())
    return Neuron(name, conns, Activation(activation), bias)


def relu_exercise(**kw: object) -> Problem:
    """Seed 000: the w13…w45 ReLU exercise (output 10, loss 50, new weights 0, −1, 1, 4, −3, −1)."""
    neurons = {
        "y3": neuron("y3", {"x1": "w13", "x2": "w23"}, "relu"),
        "y4": neuron("y4", {"x1": "w14", "x2": "w24"}, "relu"),
        "y5": neuron("y5", {"y3": "w35", "y4": "w45"}, "relu"),
    }
    params = {"w13": F(2), "w23": F(-3), "w14": F(1), "w24": F(4), "w35": F(2), "w45": F(-1)}
    args: dict[str, object] = dict(
        inputs={"x1": F(1), "x2": F(-1)},
        neurons=neurons,
        parameters=params,
        targets={"y5": F(0)},
        loss="half_sse",
        learning_rate=F(1, 10),
        title="ReLU network, one SGD step",
        source="problems/relu-exercise.yaml",
    )
    args.update(kw)
    return Problem(**args)  # type: ignore[arg-type]


def sigmoid_005_010(**kw: object) -> Problem:
    """Seed 003: the 2-2-2 sigmoid network, one bias per layer (frozen), η = 0.5."""
    neurons = {
        "h1": neuron("h1", {"i1": "w1", "i2": "w2"}, "sigmoid", "b1"),
        "h2": neuron("h2", {"i1": "w3", "i2": "w4"}, "sigmoid", "b1"),
        "o1": neuron("o1", {"h1": "w5", "h2": "w6"}, "sigmoid", "b2"),
        "o2": neuron("o2", {"h1": "w7", "h2": "w8"}, "sigmoid", "b2"),
    }
    values = ["0.15", "0.20", "0.25", "0.30", "0.40", "0.45", "0.50", "0.55"]
    params = {f"w{i}": F(v) for i, v in enumerate(values, 1)} | {"b1": F("0.35"), "b2": F("0.60")}
    args: dict[str, object] = dict(
        inputs={"i1": F("0.05"), "i2": F("0.10")},
        neurons=neurons,
        parameters=params,
        targets={"o1": F("0.01"), "o2": F("0.99")},
        loss="half_sse",
        learning_rate=F(1, 2),
        frozen=frozenset({"b1", "b2"}),
        title="The 0.05/0.10 sigmoid network",
        source="problems/sigmoid-0.05-0.10.yaml",
    )
    args.update(kw)
    return Problem(**args)  # type: ignore[arg-type]


def house_price() -> Problem:
    """Seed 001-like sparse regression network: x3 alone feeds one hidden unit."""
    neurons = {
        "h1": neuron("h1", {"x1": "w11", "x2": "w21"}, "relu", "b1"),
        "h2": neuron("h2", {"x3": "w32"}, "relu", "b2"),
        "price": neuron("price", {"h1": "v1", "h2": "v2"}, "identity", "c"),
    }
    params = {k: F(v) for k, v in {"w11": "0.5", "w21": "0.25", "w32": "1", "b1": "0", "b2": "0.5"}.items()}
    params |= {"v1": F(2), "v2": F(-1), "c": F(1, 10)}
    return Problem(
        inputs={"x1": F(2), "x2": F(4), "x3": F(1)},
        neurons=neurons,
        parameters=params,
        targets={"price": F(3)},
        loss="mse",
        learning_rate=F(1, 20),
        steps=2,
        source="problems/house-price.yaml",
    )


def softmax_classifier() -> Problem:
    neurons = {
        "h": neuron("h", {"x1": "w1", "x2": "w2"}, "tanh", "b"),
        "y1": neuron("y1", {"h": "u1"}, "softmax"),
        "y2": neuron("y2", {"h": "u2"}, "softmax"),
        "y3": neuron("y3", {"h": "u3"}, "softmax"),
    }
    params = {k: F(v) for k, v in {"w1": "0.5", "w2": "-0.5", "b": "0.1", "u1": "1", "u2": "-1", "u3": "0.5"}.items()}
    return Problem(
        inputs={"x1": F(1), "x2": F(2)},
        neurons=neurons,
        parameters=params,
        targets={"y1": F(0), "y2": F(1), "y3": F(0)},
        loss="cross_entropy",
        learning_rate=F(1, 10),
        source="problems/softmax-classifier.yaml",
    )


def wide(n: int = 8) -> Problem:
    """A dense n-n-1 sigmoid network: past the labelled-drawing limit, with long sums."""
    inputs = {f"x{i}": F(i, 10) for i in range(1, n + 1)}
    neurons = {
        f"h{j}": neuron(f"h{j}", {f"x{i}": f"w{i}_{j}" for i in range(1, n + 1)}, "sigmoid") for j in range(1, n + 1)
    }
    neurons["o"] = neuron("o", {f"h{j}": f"v{j}" for j in range(1, n + 1)}, "sigmoid", "c")
    params = {c.parameter: F((k % 7) - 3, 10) for k, c in enumerate(c for nn in neurons.values() for c in nn.inputs)}
    params["c"] = F(0)
    return Problem(
        inputs=inputs, neurons=neurons, parameters=params, targets={"o": F(1)}, loss="bce", learning_rate=F(1)
    )
