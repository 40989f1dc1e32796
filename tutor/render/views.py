"""The views of a result — terminal text, JSON, LaTeX — and the one dispatch on the result's type.

Each output format is a `View`: a `functools.singledispatch` from the result's type (a one-example
`Derivation`, a data set's `DataSetDerivation`, a `GraphDerivation`) to its content in that format, and
one writer of that content (stdout or a file). The view modules register their functions
(`@VIEWS["json"].register(Derivation)`); a type's view module is imported when a result of that type is
first rendered, so importing this module loads neither Rich nor SymPy nor NumPy. A type without a view
is an error (TypeError naming it), never a silent `str()`. A new format is one module calling
`add_format` and registering its functions, plus one CLI choice.

    render(result, "json", ViewOptions(digits=4), output=None)
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import singledispatch
from pathlib import Path
from typing import Any, TypeVar

from tutor.errors import InputError
from tutor.fileio import write_atomic

F = TypeVar("F", bound=Callable[..., Any])
W = TypeVar("W", bound=Callable[..., None])
EMPTY: Mapping[str, str] = {}


@dataclass(frozen=True)
class ViewOptions:
    """What `nnstep solve` asks of every view; a view ignores what it has no use for."""

    digits: int = 6  # significant digits of inexact values
    step: int | None = None  # only this step (iteration of a data set)
    phases: frozenset[str] | None = None  # only these of forward, loss, backward, update (`--only`)
    body_only: bool = False  # LaTeX: no preamble, for \input into a document
    solution: bool = True  # LaTeX: False gives the problem sheet only
    pdf: bool = False  # LaTeX: also compile a PDF
    input_gradients: bool = False  # ∂L/∂x of every input too (`--input-gradients`)

    def shows(self, phase: str) -> bool:
        return self.phases is None or phase in self.phases


Writer = Callable[[Any, ViewOptions, Path | None], None]  # (content, options, output)
StepCheck = Callable[[Any, int], None]  # (result, step): InputError when the view has no such step


class View:
    """One output format: what each result type looks like in it, and how that is written out."""

    def __init__(self, name: str, write: Writer | None, modules: Mapping[str, str] = EMPTY, label: str = "") -> None:
        self.name = name
        self.write = write  # None: one of `modules` gives it (`writes`)
        self._pending = dict(modules)  # a type's dotted name -> the module with its view, imported when first needed

        def unknown(result: object, options: ViewOptions) -> Any:
            raise TypeError(f"no {label or name} view of {type(result).__name__}")

        self._dispatch = singledispatch(unknown)
        self._step_checks: dict[Callable[..., Any], StepCheck] = {}

    def register(self, cls: type, steps: StepCheck | None = None) -> Callable[[F], F]:
        """Decorator: `func(result, options)` gives the content of results of type `cls` in this format;
        `steps(result, step)` says when `--step` is past what that view shows (`step_count`, `no_steps`)."""

        def add(func: F) -> F:
            self._dispatch.register(cls, func)
            if steps is not None:
                self._step_checks[func] = steps
            return func

        return add

    def writes(self, write: W) -> W:
        """Decorator: the function writing this format's content, where the format's own module defines it."""
        self.write = write
        return write

    def types(self) -> tuple[type, ...]:
        """The result types this format has a view of."""
        self._load(None)
        return tuple(t for t in self._dispatch.registry if t is not object)

    def content(self, result: object, options: ViewOptions) -> Any:
        """The content of `result` in this format (what the writer writes), by the result's type."""
        self._load(type(result))
        return self._dispatch(result, options)

    def check(self, result: object, options: ViewOptions) -> None:
        """`--step` against what this format's view of `result` shows: InputError past it."""
        self._load(type(result))
        steps = self._step_checks.get(self._dispatch.dispatch(type(result)))
        if options.step is not None and steps is not None:
            steps(result, options.step)

    def __call__(self, result: object, options: ViewOptions, output: Path | None = None) -> None:
        """Check `--step`, then write the content of `result` to `output` (stdout when None)."""
        self.check(result, options)
        content = self.content(result, options)
        if self.write is None:
            raise TypeError(f"the {self.name} format has no writer")
        self.write(content, options, output)

    def _load(self, cls: type | None) -> None:
        """Import the view modules of `cls` and its bases (of every type when None): a one-example solve
        never loads the graph's or the data set's views."""
        names = list(self._pending) if cls is None else [f"{c.__module__}.{c.__qualname__}" for c in cls.__mro__]
        for name in names:
            module = self._pending.pop(name, None)
            if module is not None:
                importlib.import_module(module)


VIEWS: dict[str, View] = {}


def add_format(name: str, write: Writer | None, modules: Mapping[str, str] = EMPTY, label: str = "") -> View:
    """A new output format, for its modules to register their functions with: `modules` maps a result
    type's dotted name to the module registering its view, imported on first use (`label`: the format's
    name in messages)."""
    if name in VIEWS:
        raise ValueError(f"the output format {name} exists already")
    VIEWS[name] = View(name, write, modules, label)
    return VIEWS[name]


def render(result: object, format: str, options: ViewOptions | None = None, output: Path | None = None) -> None:
    """Write `result` in `format` to `output` (stdout when None)."""
    if format not in VIEWS:
        raise ValueError(f"no output format {format}: expected one of {', '.join(VIEWS)}")
    VIEWS[format](result, options or ViewOptions(), output)


def step_count(count: Callable[[Any], int], what: str) -> StepCheck:
    """A `--step` check: `--step S: <what>` (`{n}` in it is the count) when S is past `count(result)`."""

    def check(result: Any, step: int) -> None:
        n = count(result)
        if step > n:
            raise InputError(f"--step {step}: " + what.format(n=n))

    return check


def no_steps(why: str) -> StepCheck:
    """A `--step` check for a result without steps: `--step: <why>`."""

    def check(result: Any, step: int) -> None:
        raise InputError(f"--step: {why}")

    return check


STEPS = step_count(lambda d: len(d.steps), "the problem has {n} step(s)")  # a one-example derivation's
GRAPH_STEPS = no_steps("a computation graph has no steps")


def drawing(draw: Callable[..., None], result: object, options: ViewOptions) -> Callable[[Any], None]:
    """Text content: `draw(result, console, digits=…, step=…, phases=…)` on the console the writer gives."""
    return lambda console: draw(result, console, digits=options.digits, step=options.step, phases=options.phases)


def print_drawing(draw: Callable[[Any], None], options: ViewOptions, output: Path | None) -> None:
    """The text format's writer: `draw(console)` on the terminal, or as plain text written to `output`."""
    from tutor.render.console import print_or_write

    print_or_write(draw, output)


def write_chunks(chunks: Iterable[str], options: ViewOptions, output: Path | None) -> None:
    """The JSON format's writer: the pieces as they come, on stdout ending in a newline, or into `output`."""
    if output is not None:
        write_atomic(output, chunks)
        return
    last = ""
    for chunk in chunks:
        sys.stdout.write(chunk)
        last = chunk or last
    if not last.endswith("\n"):
        sys.stdout.write("\n")


NETWORK, DATA_SET = "tutor.model.derivation.Derivation", "tutor.model.derivation.DataSetDerivation"
GRAPH = "tutor.engines.graph.GraphDerivation"
SYMBOLIC = "tutor.model.symbolic.SymbolicSolution"  # `solve --symbolic`: a derivation with its formulas
add_format(
    "text",
    print_drawing,
    {
        NETWORK: "tutor.render.terminal",
        DATA_SET: "tutor.render.training",
        GRAPH: "tutor.render.graph",
        SYMBOLIC: "tutor.render.symterminal",
    },
)
add_format(
    "json",
    write_chunks,
    {
        NETWORK: "tutor.render.json",
        DATA_SET: "tutor.render.trainjson",
        GRAPH: "tutor.render.graph",
        SYMBOLIC: "tutor.render.symjson",
    },
    "JSON",
)
LATEX_MODULES = {**dict.fromkeys((NETWORK, DATA_SET, GRAPH), "tutor.render.latex"), SYMBOLIC: "tutor.render.symlatex"}
add_format("latex", None, LATEX_MODULES, "LaTeX")  # its writer compiles PDFs: `latex.write_document`
# the LaTeX document read back as one self-contained page: MathML and SVG (`html.write_page`)
add_format("html", None, dict.fromkeys((NETWORK, DATA_SET, GRAPH, SYMBOLIC), "tutor.render.html"), "HTML")
MARKDOWN_MODULES = dict.fromkeys((NETWORK, DATA_SET, GRAPH, SYMBOLIC), "tutor.render.markdown")
add_format("markdown", None, MARKDOWN_MODULES, "Markdown")  # the LaTeX view's content, as Markdown
