"""The validated problem: what a problem file says, as plain frozen data.

Numbers are exact `fractions.Fraction`s (0.05 is 1/20); SymPy is not needed to hold a problem,
so loading one stays fast. `tutor.files.loader` turns a YAML file into a `Problem`. The activations and
losses a problem names, and the `Activation` value, belong to the registries in `tutor.maths`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from tutor.maths.activations import Activation
from tutor.maths.optimizers import SGD, Optimizer
from tutor.model.places import MapLayer
from tutor.model.regdrop import Dropout, Regularization
from tutor.model.rnnshape import RnnShape


@dataclass(frozen=True)
class Connection:
    """One incoming edge of a neuron: `source` node times parameter `parameter`."""

    source: str
    parameter: str


@dataclass(frozen=True)
class Neuron:
    """A computed node: net = Σ source·parameter (+ bias), out = activation(net)."""

    name: str
    inputs: tuple[Connection, ...]
    activation: Activation
    bias: str | None = None
    net_label: str | None = None  # the name its net input goes by, e.g. x3 for y3; None: derived
    combine: str = "sum"  # "max": max pooling, net = the max of its sources (no weights; tutor.model.pooling)


@dataclass(frozen=True)
class CheckSettings:
    """Tolerances for checking answers (`check:` in a problem file)."""

    rtol: float = 1e-3
    atol: float = 1e-4
    sigfigs: int | None = None
    carried_credit: float = 0.5
    keys: tuple[str, ...] | None = None  # the answer keys that count (`check: {keys: [...]}`); None: the whole key


@dataclass(frozen=True)
class Example:
    """One training example of a data set."""

    inputs: Mapping[str, Fraction]
    targets: Mapping[str, Fraction]


@dataclass(frozen=True)
class Problem:
    """A neural-network exercise: the network, one example (or a data set), the loss and the update rule."""

    inputs: Mapping[str, Fraction]
    neurons: Mapping[str, Neuron]  # in file order; `tutor.model.network` gives the topological order
    parameters: Mapping[str, Fraction]
    targets: Mapping[str, Fraction]
    loss: str
    learning_rate: Fraction
    title: str = ""
    description: str = ""
    steps: int = 1
    frozen: frozenset[str] = frozenset()
    relu_derivative_at_zero: Fraction = Fraction(0)
    check: CheckSettings = field(default_factory=CheckSettings)
    source: str = "<problem>"  # the file it came from, for messages
    # data sets (issue: training); None/empty for a single-example problem
    data: tuple[Example, ...] = ()
    epochs: int = 1
    batch_size: int | None = None  # None: all examples in one batch
    reduction: str = "mean"
    shuffle: int | None = None
    # randomised variants: the raw `vary:` mapping, kept for `nnstep generate`
    vary: Mapping[str, object] | None = None
    variant: Mapping[str, object] | None = None  # {"id": ..., "seed": ...} of a generated variant
    layer_names: tuple[tuple[str, tuple[str, ...]], ...] = ()  # layer form: (layer name, its node names)
    # issue 16: an unrolled recurrent layer's nodes per time step; derived from the names, so not compared
    rnn: RnnShape | None = field(default=None, compare=False)
    # issue 16: a layer form's conv/pool layers (tutor.files.convlayers), for the views: the layout, not the
    # problem (the same neurons written in the neuron form are the same problem)
    maps: tuple[MapLayer, ...] = field(default=(), compare=False)
    optimizer: Optimizer = SGD  # `optimizer:` (issue 15): the update rule and its settings
    # issue 15: a loss's settings (huber's delta), the penalty and dropout (tutor.model.regdrop)
    loss_options: Mapping[str, Fraction] = field(default_factory=dict)
    regularization: Regularization | None = None
    dropout: Dropout | None = None
    symbolic: bool = False  # `symbolic: true`: solve also shows every quantity as a formula (as --symbolic)

    @property
    def outputs(self) -> tuple[str, ...]:
        """Output neurons, in the order of `targets`."""
        return tuple(self.targets)

    @property
    def trainable(self) -> tuple[str, ...]:
        return tuple(p for p in self.parameters if p not in self.frozen)
