"""The seam between the checker and one form of problem: what `Checker`, `answers` and `practice` need.

A form (a network derivation here; a computation graph in `tutor.checking.graphcheck`) supplies the true values
by answer key, the recomputation from a student's own values (error carried forward), which keys each
key is computed from, the mistake diagnosis, words for each key, and the practice order and hints.
`tutor.checking.models.check_model` picks the form of a solved problem; nothing else in the checker looks at
the form.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

from tutor.model.problem import CheckSettings

if TYPE_CHECKING:
    from tutor.checking.mistakes import Mistake

Close = Callable[[float, float], bool]


class HintSource(Protocol):
    def rung(self, key: str, n: int) -> str:
        """Hint rung `n` (1 the formula, 2 with the numbers, 3 the value) of `key`."""
        ...


class CheckModel(Protocol):
    problem: Any  # has title and source
    settings: CheckSettings  # the problem's own `check:` settings
    expected: dict[str, Any]  # key -> exact value, in derivation order
    steps: int

    def recompute(self, student: Mapping[str, float]) -> Mapping[str, float]:
        """Every key's value computed from the student's own values where given (NaN where impossible)."""
        ...

    def dependencies(self, key: str) -> tuple[str, ...]:
        """The keys `key` is computed from directly."""
        ...

    def diagnose(
        self, key: str, value: float, student: Mapping[str, float], close: Close, *, local: bool
    ) -> list[Mistake]:
        """The known mistakes a wrong `value` of `key` matches, most specific first."""
        ...

    def describe(self, key: str) -> str:
        """The quantity in words."""
        ...

    def askable(self, key: str) -> bool:
        """Whether `key` counts by default (`tutor.model.keyset.counted_keys`), and so is asked by the drill."""
        ...

    def hints(self, digits: int) -> HintSource: ...


class NetworkModel:
    """A neural-network derivation (`tutor.model.derivation.Derivation`): the float64 engine recomputes."""

    def __init__(self, derivation: Any) -> None:
        from tutor.model.network import Network

        self.derivation = derivation
        self.problem = derivation.problem
        self.settings = self.problem.check
        self.expected = derivation.values()
        self.steps = len(derivation.steps)
        self.network = Network(self.problem)

    @cached_property
    def deps(self) -> Any:
        from tutor.model.keys import Dependencies

        return Dependencies(self.problem, self.network)

    @cached_property
    def diagnoser(self) -> Any:
        from tutor.checking.diagnose import Diagnoser

        truth = {k: float(v) for k, v in self.expected.items()}
        return Diagnoser(self.problem, self.network, truth)

    def recompute(self, student: Mapping[str, float]) -> Mapping[str, float]:
        from tutor.checking.diagnose import run_numeric

        return run_numeric(self.problem, given=student, network=self.network)

    def dependencies(self, key: str) -> tuple[str, ...]:
        return self.deps.of(key)

    def diagnose(
        self, key: str, value: float, student: Mapping[str, float], close: Close, *, local: bool
    ) -> list[Mistake]:
        return self.diagnoser.diagnose(key, value, student, close, local=local)

    def describe(self, key: str) -> str:
        from tutor.model.keys import describe_key

        return describe_key(self.problem, key, self.network)

    def askable(self, key: str) -> bool:
        from tutor.model.keys import parse_key

        parsed = parse_key(key)
        return not (parsed is not None and parsed.quantity == "new" and parsed.subject in self.problem.frozen)

    def hints(self, digits: int) -> HintSource:
        from tutor.checking.hints import Hints

        return Hints(self.derivation, digits)
