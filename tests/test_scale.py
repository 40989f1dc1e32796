"""What keeps big networks fast without changing a byte: chain-rule paths written only when a view shows
them, and big tables drawn as columns of lines when they fit the width."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from rich.console import Console
from rich.table import Table
from rich.text import Text
from typer.testing import CliRunner

from tests import seednets
from tutor.cli import app
from tutor.engines.exact import derive
from tutor.files.loader import load_problem
from tutor.model.network import MAX_PATH_FACTORS, Network
from tutor.render.console import TextBlock, rows_table
from tutor.render.json import render_json
from tutor.render.terminal import render


def _paths_written(derivation) -> int:  # type: ignore[no-untyped-def]
    return sum("paths" in vars(g) for s in derivation.steps for g in s.gradients)


def test_json_view_writes_no_chain_rule_path() -> None:
    derivation = derive(seednets.sigmoid_005_010())
    render_json(derivation)
    assert _paths_written(derivation) == 0


def test_terminal_view_writes_the_paths_it_shows_once() -> None:
    derivation = derive(seednets.sigmoid_005_010())
    render(derivation, Console(file=io.StringIO(), width=80, color_system=None))
    assert _paths_written(derivation) == len(derivation.steps[0].gradients)
    w1 = derivation.steps[0].gradients[0]
    assert w1.paths is w1.paths  # cached, not rebuilt per view


def test_paths_on_demand_are_the_chain_rule() -> None:
    g = derive(seednets.sigmoid_005_010()).steps[0].gradients[0]
    assert g.paths is not None and [len(p.factors) for p in g.paths] == [5, 5]
    for p in g.paths:
        product = 1.0
        for f in p.factors:
            product *= float(f.value)
        assert float(p.value) == pytest.approx(product, rel=1e-12)
    assert float(sum(p.value for p in g.paths)) == pytest.approx(float(g.value), rel=1e-12)
    assert derive(seednets.sigmoid_005_010(), max_paths=0).steps[0].gradients[0].paths is None


def _per_row(title: str, columns: list[tuple[str, str]], rows: list[tuple[str, ...]]) -> Table:
    table = Table(title=title, title_style="bold cyan", title_justify="left")
    for header, justify in columns:
        table.add_column(header, justify=justify)  # type: ignore[arg-type]
    for row in rows:
        table.add_row(*row)
    return table


def _draw(table: Table, width: int, color: bool) -> str:
    out = io.StringIO()
    console = Console(file=out, width=width, color_system="truecolor" if color else None, force_terminal=color)
    console.print(table)
    return out.getvalue()


@pytest.mark.parametrize("width", [100, 30])  # 30: the rows do not fit, some cells wrap
@pytest.mark.parametrize("color", [False, True])
def test_rows_table_draws_what_rich_draws_row_by_row(width: int, color: bool) -> None:
    columns = [("parameter", "left"), ("before", "right"), ("after", "right")]
    rows = [(f"w_h{i}_o{i % 3} (frozen)" if i % 7 == 0 else f"w{i}", f"−0.{i}5", f"{i * 1.25}") for i in range(200)]
    fast = rows_table("Parameters", columns, rows, width)
    assert len(fast.rows) == (1 if width == 100 else 200)
    assert _draw(fast, width, color) == _draw(_per_row("Parameters", columns, rows), width, color)


@pytest.mark.parametrize("soft_wrap", [True, False])
@pytest.mark.parametrize("color", [False, True])
@pytest.mark.parametrize(
    ("odd", "template"),
    [("重み", True), ("é", True), ("[bold]w[/bold]", False), (":thumbs_up:", False), ("a\tb", False), (" w", False)],
)
def test_a_fitting_table_is_rows_written_into_its_template(
    soft_wrap: bool, color: bool, odd: str, template: bool
) -> None:
    """Rows written into the line Rich draws for one row of markers; where Rich would read a cell as markup
    or emoji, expand or strip it, Rich draws the table itself. Either way the text is Rich's own."""
    columns = [("parameter", "left"), ("a long header", "right"), ("after", "right")]
    rows = [(f"w{i}" if i % 5 else odd, f"{i * 0.5}", f"−{i}") for i in range(60)]
    fast = rows_table("Parameters", columns, rows, 100)
    out = io.StringIO()
    console = Console(file=out, width=100, color_system="truecolor" if color else None, force_terminal=color)
    drawn = fast.from_template(console, console.options)  # type: ignore[attr-defined]
    assert (drawn is not None) is template
    console.print(fast, soft_wrap=soft_wrap)
    slow = io.StringIO()
    console = Console(file=slow, width=100, color_system="truecolor" if color else None, force_terminal=color)
    console.print(_per_row("Parameters", columns, rows), soft_wrap=soft_wrap)
    assert out.getvalue() == slow.getvalue()


@pytest.mark.parametrize("soft_wrap", [True, False])  # False: the text wraps at 40, Rich's own way
@pytest.mark.parametrize("color", [False, True])
def test_text_block_prints_what_its_text_prints(soft_wrap: bool, color: bool) -> None:
    lines = [("∂L/∂w1 = " + " · ".join(["(−0.5)"] * 12), "bold"), ("", ""), ("  w1 ← 0.5", "dim"), ("tab\there", "")]
    for shown in (lines, lines[:3], []):
        outs = []
        for renderable in (TextBlock(shown), TextBlock(shown).text()):
            out = io.StringIO()
            console = Console(file=out, width=40, color_system="truecolor" if color else None, force_terminal=color)
            console.print(renderable, soft_wrap=soft_wrap)
            outs.append(out.getvalue())
        assert outs[0] == outs[1]


def test_text_block_on_a_soft_wrapping_console_is_segments_not_a_text() -> None:
    console = Console(file=io.StringIO(), width=40, color_system=None)
    options = console.options.update(no_wrap=True, overflow="ignore")
    fast = list(TextBlock([("a · b", "bold"), ("c", ""), ("d", "")]).__rich_console__(console, options))
    assert [s.text for s in fast] == ["a · b", "\n", "c\nd\n"]  # a run of plain lines is one segment
    slow = list(TextBlock([("a\tb", "")]).__rich_console__(console, options))  # a tab: Rich expands it
    assert len(slow) == 1 and isinstance(slow[0], Text)


# ---------------------------------------------------------------- a long chain: linear in its depth


def chain(n: int, activation: str = "sigmoid") -> str:
    """x1 → y1 → y2 → … → yn, one weight each."""
    neurons = "".join(
        f"  y{i}: {{inputs: {{{f'y{i - 1}' if i > 1 else 'x1'}: w{i}}}, activation: {activation}}}\n"
        for i in range(1, n + 1)
    )
    parameters = ", ".join(f"w{i}: 0.5" for i in range(1, n + 1))
    return (
        f"inputs: {{x1: 1}}\nneurons:\n{neurons}parameters: {{{parameters}}}\ntargets: {{y{n}: 0}}\n"
        "loss: half_sse\nlearning_rate: 0.1\n"
    )


def _solve_every_format(path: Path) -> dict[str, str]:
    outputs = {}
    for fmt in ("text", "json", "latex"):
        result = CliRunner().invoke(app, ["solve", str(path), "--format", fmt])
        assert result.exit_code == 0, result.output
        outputs[fmt] = result.output
    return outputs


def test_a_long_chain_writes_only_short_chain_rule_products(tmp_path: Path) -> None:
    path = tmp_path / "chain.yaml"
    path.write_text(chain(300), encoding="utf-8")
    out = _solve_every_format(path)
    text = out["text"]
    assert "∂L/∂w1 = δ_y1 · x1 = " in text and "∂L/∂w1 = ∂L/∂y300" not in text  # the delta form only
    products = [g for g in derive(load_problem(path)).steps[0].gradients if g.paths]
    assert [g.parameter for g in products] == [f"w{i}" for i in range(270, 301)]  # as many for any depth
    assert all(sum(len(p.factors) for p in g.paths or ()) <= MAX_PATH_FACTORS for g in products)
    assert text.count("∂L/∂y300 · ∂y300/∂x300") == len(products)
    assert r"\frac{\partial L}{\partial w_{1}} &= \delta_{y_{1}}" in out["latex"]
    picture = out["latex"][out["latex"].index(r"\begin{tikzpicture}") : out["latex"].index(r"\end{tikzpicture}")]
    assert "sloped" not in picture and picture.count(r"\draw[->, black!50]") == 300  # compact: no label placed


def test_the_path_factors_are_counted_as_the_chain_rule_writes_them() -> None:
    for problem in (seednets.sigmoid_005_010(), seednets.softmax_classifier(), seednets.relu_exercise()):
        network = Network(problem)
        for g in derive(problem).steps[0].gradients:
            assert g.paths, g.parameter  # the seeds keep every product
            neurons = [u.neuron for u in g.uses]
            written = sum(len(p.factors) for p in g.paths)
            assert network.writes_paths(neurons) and written <= MAX_PATH_FACTORS
            assert written == sum(network.path_factors(n) for n in neurons)


@pytest.mark.slow
def test_a_chain_of_2000_sigmoid_neurons_is_quick_in_every_format(tmp_path: Path) -> None:
    path = tmp_path / "chain.yaml"
    path.write_text(chain(2000), encoding="utf-8")
    start = time.perf_counter()
    out = _solve_every_format(path)
    assert time.perf_counter() - start < 60  # ~4 s here; the LaTeX alone took over 300 s before
    assert "∂L/∂w1 = δ_y1 · x1 = " in out["text"] and '"w1"' in out["json"]
