"""The two networks the checker's tests use, built in Python (independent of the YAML loader)."""

from __future__ import annotations

from fractions import Fraction as F

from tutor.problem import Activation, Connection, Neuron, Problem


def _neuron(name: str, act: str, bias: str | None = None, **inputs: str) -> Neuron:
    conns = tuple(Connection(s, p) for s, p in inputs.items())
    return Neuron(name, conns, Activation(act), bias)


def relu_exercise() -> Problem:
    """Seed 000: the w13…w45 ReLU exercise (output 10, loss 50, w13.grad 20)."""
    return Problem(
        inputs={"x1": F(1), "x2": F(-1)},
        neurons={
            "y3": _neuron("y3", "relu", x1="w13", x2="w23"),
            "y4": _neuron("y4", "relu", x1="w14", x2="w24"),
            "y5": _neuron("y5", "relu", "b5", y3="w35", y4="w45"),
        },
        parameters={"w13": F(2), "w23": F(-3), "w14": F(1), "w24": F(4), "w35": F(2), "w45": F(-1), "b5": F(0)},
        targets={"y5": F(0)},
        loss="half_sse",
        learning_rate=F(1, 10),
        frozen=frozenset({"b5"}),
        title="ReLU exercise",
    )


def sigmoid_network(loss: str = "half_sse", steps: int = 1) -> Problem:
    """Seed 003: the 2-2-2 sigmoid network with inputs 0.05/0.10, one frozen bias per layer, η = 0.5."""
    return Problem(
        inputs={"i1": F(5, 100), "i2": F(10, 100)},
        neurons={
            "h1": _neuron("h1", "sigmoid", "b1", i1="w1", i2="w2"),
            "h2": _neuron("h2", "sigmoid", "b1", i1="w3", i2="w4"),
            "o1": _neuron("o1", "sigmoid", "b2", h1="w5", h2="w6"),
            "o2": _neuron("o2", "sigmoid", "b2", h1="w7", h2="w8"),
        },
        parameters={
            **{f"w{i + 1}": F(v, 100) for i, v in enumerate([15, 20, 25, 30, 40, 45, 50, 55])},
            "b1": F(35, 100),
            "b2": F(60, 100),
        },
        targets={"o1": F(1, 100), "o2": F(99, 100)},
        loss=loss,
        learning_rate=F(1, 2),
        frozen=frozenset({"b1", "b2"}),
        steps=steps,
        title="0.05/0.10 sigmoid network",
    )


def unit() -> Problem:
    """Seed 002: the unit w = [0.2, 0.3, 0.9], b = 0.5, x = [0.5, 0.6, 0.1] → net 0.87, out 0.70."""
    return Problem(
        inputs={"x1": F(5, 10), "x2": F(6, 10), "x3": F(1, 10)},
        neurons={"y": _neuron("y", "sigmoid", "b", x1="w1", x2="w2", x3="w3")},
        parameters={"w1": F(2, 10), "w2": F(3, 10), "w3": F(9, 10), "b": F(5, 10)},
        targets={"y": F(1)},
        loss="half_sse",
        learning_rate=F(1, 10),
        title="unit",
    )
