"""The answer keys that count: the denominator of every score (`check`, `grade`, feedback, `practice`).

By default the keys that count are the problem's whole answer key for the steps worked (the keys
`nnstep answers` prints) except the optional ones: a frozen parameter's `.new` (unchanged by the step) and a
computation graph's local derivatives `e.d.local`. A problem file may name the keys that count instead:

    check: {keys: [loss, w13.grad, w13.new]}

`named_key_error` validates such a list when the file is read (a key naming nothing is exit status 2 with
a did-you-mean), without solving the problem.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from tutor.model.keys import parse_key, split_example, split_key

if TYPE_CHECKING:
    from tutor.model.problem import CheckSettings

MAX_DETAIL = 50  # `--detail` works at most this many iterations of a data set


class KeyedModel(Protocol):
    """What `counted_keys` needs of a `tutor.checking.checkmodel.CheckModel` (not imported: no import cycle)."""

    @property
    def expected(self) -> Mapping[str, Any]: ...

    def askable(self, key: str) -> bool: ...


def counted_keys(model: KeyedModel, settings: CheckSettings, step: int | None = None) -> tuple[str, ...]:
    """The keys that count, in derivation order: of every worked step, or only of `step`."""
    named = frozenset(settings.keys) if settings.keys is not None else None
    return tuple(
        k
        for k in model.expected
        if (step is None or split_key(k)[0] == step) and (model.askable(k) if named is None else k in named)
    )


def named_key_error(problem: Any, key: str) -> str | None:
    """Why `key` (named in `check: {keys: …}`) is no answer key of the network `problem`; None when it is
    one (a computation graph's keys: `tutor.engines.graph`)."""
    step, local = split_key(key)
    if not problem.data:
        if step > problem.steps:
            return f"{key!r}: the problem has {problem.steps} step(s), not {step}"
        return unknown_key(key, local, _network_keys(problem, example=False))
    batches = _batches(problem, step)
    if batches is None:
        return f"{key!r}: at most {MAX_DETAIL} iterations of a data set are worked, and this one has fewer"
    parsed = parse_key(key)
    k, inner = (parsed.example, parsed.body) if parsed else split_example(local)
    if k is None:
        return unknown_key(key, local, _network_keys(problem, example=False, batch=True))
    if k - 1 not in batches[step - 1]:
        return f"{key!r}: example {k} is not in iteration {step}'s batch (examples {_places(batches[step - 1])})"
    return unknown_key(key, inner, _network_keys(problem, example=True))


def unknown_key(key: str, local: str, known: list[str]) -> str | None:
    """None when `local` (`key` without its step) is `known`; else what is wrong, with a did-you-mean."""
    if local in known:
        return None
    close = difflib.get_close_matches(local, known, n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    return f"{key!r} names no answer key of this problem{hint}"


def _network_keys(problem: Any, *, example: bool, batch: bool = False) -> list[str]:
    """One step's local keys (an example's in a data set; `batch`: a data-set iteration's own)."""
    keys = [] if batch else [f"{n}.{part}" for n in problem.neurons for part in ("net", "out", "delta")]
    keys.append("loss")
    keys += [f"{p}.grad" for p in problem.parameters]
    if example or not problem.data:  # ∂L/∂x (a data set's per example, `ex2.x1.grad`): counted when named
        keys += [f"{x}.grad" for x in problem.inputs]
    return keys if example else keys + [f"{p}.new" for p in problem.parameters]


def _batches(problem: Any, step: int) -> list[tuple[int, ...]] | None:
    """The first `step` iterations' batches (0-based example indices); None past the worked limit."""
    from tutor.model.schedule import iterations

    if step > MAX_DETAIL:
        return None
    batches = [it.examples for it in iterations(problem, limit=step)]
    return batches if len(batches) == step else None


def _places(examples: Iterable[int]) -> str:
    return ", ".join(str(i + 1) for i in examples)


def wants_input_gradients(problem: Any) -> bool:
    """Whether the problem's keys that count (`check: {keys: […]}`) name an input's gradient (`x1.grad`; a
    data set's example's, `ex2.x1.grad`): then ∂L/∂x is part of its answer key (checked, practised), else
    shown on request only."""
    keys = problem.check.keys
    if not keys:
        return False
    parsed = [parse_key(k) for k in keys]
    return any(
        k is not None
        and k.quantity == "grad"
        and k.subject in problem.inputs
        and (k.example is None) != bool(problem.data)
        for k in parsed
    )
