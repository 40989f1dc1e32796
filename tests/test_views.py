"""One dispatch for every view (`tutor.render.views`): each format a singledispatch on the result's type,
the `--step` checks in the library, a new format as one module, and the data-set result typed in the model."""

from __future__ import annotations

import dataclasses
import io
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import PROBLEMS
from rich.console import Console

from tutor.engines.graph import GraphDerivation
from tutor.engines.solver import solve_any
from tutor.errors import InputError
from tutor.model.derivation import DataSetDerivation, Derivation
from tutor.model.training import TrainResult
from tutor.render import graph, terminal, training
from tutor.render.json import render_json
from tutor.render.latex import render_latex
from tutor.render.trainjson import json_chunks
from tutor.render.views import VIEWS, ViewOptions, add_format, render, step_count

FORMATS = ("text", "json", "latex")


@pytest.fixture(scope="module")
def results() -> dict[type, Any]:
    """One result of each type: a one-example derivation, a data set's, a computation graph's."""
    return {
        Derivation: solve_any(PROBLEMS / "relu-exercise.yaml"),
        DataSetDerivation: solve_any(PROBLEMS / "xor-data.yaml"),
        GraphDerivation: solve_any(PROBLEMS / "computation-graph.yaml"),
    }


def _drawn(draw: Callable[[Console], None]) -> str:
    buffer = io.StringIO()
    draw(Console(file=buffer, width=100, color_system=None, soft_wrap=True))
    return buffer.getvalue()


def _expected(format: str, result: Any) -> str:
    """What each view module's own function gives, to compare the dispatcher with."""
    if format == "latex":
        return render_latex(result)
    if format == "json":
        if isinstance(result, DataSetDerivation):
            return "".join(json_chunks(result))
        return graph.render_graph_json(result) if isinstance(result, GraphDerivation) else render_json(result)
    if isinstance(result, DataSetDerivation):
        return _drawn(lambda c: training.render_training(result, c))
    if isinstance(result, GraphDerivation):
        return _drawn(lambda c: graph._draw(result, c, 6, None))
    return _drawn(lambda c: terminal.render(result, c))


def test_the_result_types_are_distinct(results: dict[type, Any]) -> None:
    for cls, result in results.items():
        assert type(result) is cls
    data_set = results[DataSetDerivation]
    assert isinstance(data_set.training, TrainResult) and results[Derivation].training is None
    assert Derivation.__annotations__["training"] == "TrainResult | None"  # no longer Any


@pytest.mark.parametrize("format", FORMATS)
def test_every_format_has_a_view_of_every_result_type(format: str) -> None:
    from tutor.model.symbolic import SymbolicSolution  # `solve --symbolic` (issue 13)

    assert set(VIEWS[format].types()) == {Derivation, DataSetDerivation, GraphDerivation, SymbolicSolution}


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("cls", [Derivation, DataSetDerivation, GraphDerivation], ids=lambda c: c.__name__)
def test_every_pair_renders_through_the_one_dispatcher(
    format: str, cls: type, results: dict[type, Any], tmp_path: Path
) -> None:
    out = tmp_path / f"out.{format}"
    render(results[cls], format, ViewOptions(), out)
    assert out.read_text(encoding="utf-8") == _expected(format, results[cls])


def test_json_on_stdout_ends_with_one_newline(results: dict[type, Any], capsys: pytest.CaptureFixture[str]) -> None:
    for result in results.values():
        render(result, "json")
        text = capsys.readouterr().out
        assert text.endswith("}\n") and not text.endswith("\n\n")
        json.loads(text)


class Mystery:
    pass


@pytest.mark.parametrize("format", FORMATS)
def test_an_unknown_result_type_is_a_type_error_naming_it(format: str) -> None:
    label = {"text": "text", "json": "JSON", "latex": "LaTeX"}[format]
    with pytest.raises(TypeError, match=f"no {label} view of Mystery"):
        render(Mystery(), format)


def test_an_unknown_format_is_an_error(results: dict[type, Any]) -> None:
    with pytest.raises(ValueError, match="no output format html: expected one of text, json, latex"):
        render(results[Derivation], "html")


# ---------------------------------------------------------------- --step: checked in the library


@pytest.mark.parametrize(
    ("cls", "format", "step", "message"),
    [
        (Derivation, "text", 2, "--step 2: the problem has 1 step(s)"),
        (Derivation, "json", 2, "--step 2: the problem has 1 step(s)"),
        (Derivation, "latex", 2, "--step 2: the problem has 1 step(s)"),
        (DataSetDerivation, "text", 2, "--step 2: only 1 iteration(s) are derived in full (see --detail)"),
        (DataSetDerivation, "json", 501, "--step 501: the data set's schedule has 500 iteration(s)"),
        (DataSetDerivation, "latex", 2, "--step 2: the problem has 1 step(s) derived in full (see --detail)"),
        (GraphDerivation, "text", 1, "--step: a computation graph has no steps"),
        (GraphDerivation, "json", 1, "--step: a computation graph has no steps"),
        (GraphDerivation, "latex", 1, "--step: a computation graph has no steps"),
    ],
)
def test_a_step_past_the_view_is_an_input_error(
    cls: type, format: str, step: int, message: str, results: dict[type, Any]
) -> None:
    with pytest.raises(InputError) as err:
        render(results[cls], format, ViewOptions(step=step))
    assert str(err.value) == message and err.value.exit_code == 2


def test_a_step_within_the_view_passes_the_check(results: dict[type, Any]) -> None:
    VIEWS["json"].check(results[DataSetDerivation], ViewOptions(step=500))  # JSON: the whole schedule
    VIEWS["text"].check(results[Derivation], ViewOptions(step=1))
    VIEWS["latex"].check(results[GraphDerivation], ViewOptions())


# ---------------------------------------------------------------- a new format is one module


@pytest.fixture
def toy_written() -> Iterator[list[str]]:
    """A hypothetical new format, `toy`, made at run time with the registry's own API as its one module
    would do it; yields what its writer was given."""
    written: list[str] = []

    def write(content: list[str], options: ViewOptions, output: Path | None) -> None:
        written.extend(content)

    toy = add_format("toy", write, label="Toy")

    @toy.register(Derivation, step_count(lambda d: len(d.steps), "the toy shows {n}"))
    def _toy_network(d: Derivation, options: ViewOptions) -> list[str]:
        return [f"network {d.problem.title} in {len(d.steps)} step(s), {options.digits} digits"]

    @toy.register(DataSetDerivation)  # more specific than Derivation: the data set's own view
    def _toy_data(d: DataSetDerivation, options: ViewOptions) -> list[str]:
        return [f"data set of {len(d.problem.data)} examples, {len(d.training.epoch_loss)} epochs"]

    try:
        yield written
    finally:
        del VIEWS["toy"]


def test_a_new_format_is_one_module(toy_written: list[str], results: dict[type, Any]) -> None:
    render(results[Derivation], "toy", ViewOptions(digits=4))
    render(results[DataSetDerivation], "toy")
    title = results[Derivation].problem.title
    assert toy_written == [f"network {title} in 1 step(s), 4 digits", "data set of 4 examples, 500 epochs"]
    with pytest.raises(TypeError, match="no Toy view of GraphDerivation"):
        render(results[GraphDerivation], "toy")
    with pytest.raises(InputError, match="--step 3: the toy shows 1"):
        render(results[Derivation], "toy", ViewOptions(step=3))
    with pytest.raises(ValueError, match="exists already"):
        add_format("toy", print)


def test_importing_the_dispatcher_loads_no_heavy_library() -> None:
    code = (
        "import sys, tutor.render.views\n"
        "heavy = [m for m in ('rich', 'sympy', 'numpy', 'tutor.render.terminal') if m in sys.modules]\n"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_network_is_rendered_without_the_graph_or_data_set_views(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from tutor.engines.solver import solve_any\n"
        "from tutor.render.views import render\n"
        f"d = solve_any({str(PROBLEMS / 'relu-exercise.yaml')!r})\n"
        f"render(d, 'text', output={str(tmp_path / 'a.txt')!r})\n"
        f"render(d, 'json', output={str(tmp_path / 'a.json')!r})\n"
        "views = ('tutor.render.graph', 'tutor.engines.graph', 'tutor.render.training', 'tutor.render.trainjson')\n"
        "print([m for m in views if m in sys.modules], 'tutor.render.terminal' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[] True"


# ---------------------------------------------------------------- the data-set terminal view's wording


def test_the_schedule_is_named_by_descent_kind(results: dict[type, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(training, "descent_kind", lambda problem: "toy")
    problem = results[DataSetDerivation].problem
    text = _drawn(lambda c: training.header(problem, c, training.Writer(6, {})))
    assert "batch size: 4 (toy gradient descent)" in text


def test_a_data_set_derivation_needs_its_run(results: dict[type, Any]) -> None:
    d = results[DataSetDerivation]
    with pytest.raises(TypeError, match="training"):
        DataSetDerivation(d.problem, d.steps)  # type: ignore[call-arg]
    assert dataclasses.replace(d, steps=()).training is d.training
