"""The example notebook (examples/worked-solution.ipynb), executed fresh with nbclient and ipykernel (the
`[test]` extras): it runs without error, shows the solution as HTML (MathML and SVG), Markdown and LaTeX,
and prints the right numbers."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import nbclient
import nbformat
import pytest
from conftest import ROOT

NOTEBOOK = ROOT / "examples" / "worked-solution.ipynb"


@pytest.fixture(scope="module")
def outputs() -> list[list[dict[str, Any]]]:
    """Each code cell's outputs, after running the notebook in its folder with this checkout's `tutor`."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "store the notebook without outputs"
    with pytest.MonkeyPatch.context() as mp:  # the kernel imports this checkout's `tutor`
        mp.setenv("PYTHONPATH", os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p))
        resources = {"metadata": {"path": str(NOTEBOOK.parent)}}
        nbclient.NotebookClient(nb, timeout=300, kernel_name="python3", resources=resources).execute()
    return [c.outputs for c in nb.cells if c.cell_type == "code"]


def data(cell: list[dict[str, Any]], mime: str) -> str:
    found = [o["data"][mime] for o in cell if mime in o.get("data", {})]
    assert found, f"no {mime} output in {[sorted(o.get('data', {})) for o in cell]}"
    return "".join(found[0]) if isinstance(found[0], list) else str(found[0])


def text(cell: list[dict[str, Any]]) -> str:
    return "".join(
        "".join(o["text"]) if isinstance(o["text"], list) else o["text"] for o in cell if o.get("name") == "stdout"
    )


def test_the_notebook_runs_without_error(outputs: list[list[dict[str, Any]]]) -> None:
    assert not [o for cell in outputs for o in cell if o["output_type"] == "error"]


def test_the_solution_is_displayed_as_html_markdown_and_latex(outputs: list[list[dict[str, Any]]]) -> None:
    solution = outputs[0]
    page = data(solution, "text/html")
    assert page.startswith('<div class="nnstep">') and "<math" in page and "<svg" in page and "<script" not in page
    assert "<mo>" in page or "<mn>" in page  # MathML content, not TeX text
    markdown = data(solution, "text/markdown")
    assert (
        markdown.startswith("# ReLU network, one SGD step") and r"w_{13} &\leftarrow 2 - 0.1 \cdot 20 = 0" in markdown
    )
    latex = data(solution, "text/latex")
    assert r"\begin{align*}" in latex and r"\section*{ReLU network, one SGD step}" in latex


def test_the_numbers(outputs: list[list[dict[str, Any]]]) -> None:
    """Seed 001 by hand: L = ½(0 − 10)² = 50, ∂L/∂w13 = δ3·x1 = 20, w13 ← 2 − 0.1·20 = 0."""
    printed = text(outputs[1])
    assert "loss: 50" in printed and "'w13': 20" in printed and "'w13': 0" in printed
    assert text(outputs[2]).startswith("# ReLU network, one SGD step")
    # the inline neuron: net = 0.5·1 − 0.25·2 = 0, y = σ(0) = ½, δ = (½ − 1)·½·½ = −⅛; ∂L/∂w2 = δ·x2 = −¼
    neuron = outputs[3]
    assert "<math" in data(neuron, "text/html") and "## Forward pass" not in data(neuron, "text/markdown")
    assert "## Deltas" in data(neuron, "text/markdown")
    assert data(outputs[4], "text/plain") == "{'w1': -0.125, 'w2': -0.25, 'b': -0.125}"


def test_the_notebook_is_valid() -> None:
    nbformat.validate(nbformat.read(NOTEBOOK, as_version=4))
    assert Path(NOTEBOOK).stat().st_size < 10_000
