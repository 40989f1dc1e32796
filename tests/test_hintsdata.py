"""Hints built from data (issue 12): chains of formula text from the derivation, never cut out of rendered
lines; the terminal views print the same chains, so a hint and `nnstep solve` cannot drift apart."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from conftest import PROBLEMS, ROOT

from tutor.checking.graphhints import GraphHints, graph_chains
from tutor.checking.hints import Hints
from tutor.engines.solver import solve_any, solve_file
from tutor.maths.termtext import Chain, TermText
from tutor.model.derivation import Derivation
from tutor.model.network import Network
from tutor.render.graph import graph_sections
from tutor.render.text import Writer

NETWORKS = sorted(p for p in PROBLEMS.glob("*.yaml") if "graph:" not in p.read_text(encoding="utf-8"))
ACTIVATIONS = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "arctan"]


def imports(path: Path) -> list[tuple[str, bool]]:
    """(module, under `if TYPE_CHECKING:`) of every import in a file, at any depth."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(n)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and getattr(block.test, "id", "") == "TYPE_CHECKING"
        for stmt in block.body
        for n in ast.walk(stmt)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, id(node) in typing_only))
        elif isinstance(node, ast.Import):
            found += [(a.name, id(node) in typing_only) for a in node.names]
    return found


def test_the_checking_layer_imports_nothing_from_the_views() -> None:
    upward = [
        f"{path.name}: {module}"
        for path in sorted((ROOT / "tutor" / "checking").glob("*.py"))
        for module, _ in imports(path)
        if module.startswith("tutor.render") or module.startswith("tutor.classroom") or module.startswith("tutor.cli")
    ]
    assert upward == []


def test_the_shared_text_core_is_maths_level() -> None:
    """At run time maths/termtext.py imports only maths (the derivation's types for annotations only)."""
    runtime = [m for m, typing_only in imports(ROOT / "tutor" / "maths" / "termtext.py") if not typing_only]
    assert [m for m in runtime if m.startswith("tutor.") and not m.startswith("tutor.maths")] == []


def test_the_hints_write_no_formula_text_of_their_own() -> None:
    """One copy: the output, loss and δ lines come from `TermText`'s builders, which the terminal's Writer
    uses too; the network hints never write activation, derivative or loss formulas themselves."""
    own = {"tutor.maths.formula", "tutor.maths.functions", "tutor.maths.losses", "tutor.maths.activations"}
    assert [m for m, _ in imports(ROOT / "tutor" / "checking" / "hints.py") if m in own] == []


def test_a_kink_note_follows_the_numbers() -> None:
    chain = Chain("δ_y3 = ∂L/∂x3", ("relu′(x3)",), ("0",), "0", "  (note)")
    assert (chain.rung(1), chain.rung(2)) == ("δ_y3 = ∂L/∂x3 = relu′(x3)", "δ_y3 = ∂L/∂x3 = relu′(x3) = 0  (note)")
    assert chain.text == chain.rung(3) == "δ_y3 = ∂L/∂x3 = relu′(x3) = 0 = 0  (note)"


def test_a_chain_is_data_and_its_rungs_are_prefixes() -> None:
    chain = Chain("δ_y3 = ∂L/∂x3", ("w35 · δ_y5 · relu′(x3)",), ("2 · 10 · 1",), "20")
    assert chain.rung(1) == "δ_y3 = ∂L/∂x3 = w35 · δ_y5 · relu′(x3)"
    assert chain.rung(2) == "δ_y3 = ∂L/∂x3 = w35 · δ_y5 · relu′(x3) = 2 · 10 · 1"
    assert chain.rung(3) == chain.text == "δ_y3 = ∂L/∂x3 = w35 · δ_y5 · relu′(x3) = 2 · 10 · 1 = 20"
    assert Chain("∂d/∂b", value="2").rung(1) == "∂d/∂b = 2"  # its own formula: whole at every rung


def test_numbers_as_terminal_text() -> None:
    t = TermText(3, {})
    assert (t.num(-0.3125), t.pnum(-2), t.pnum(2), t.num(1 / 3)) == ("−0.312", "(−2)", "2", "0.333")


def test_graph_chains_come_from_the_graph_data() -> None:
    """Seed 002: ∂L/∂b = ∂L/∂d · ∂d/∂b, then (−2) · 2, then −4, from the backward accumulation itself."""
    d = solve_any(PROBLEMS / "computation-graph.yaml")
    chains = graph_chains(d)
    by_head = {c.head: c for c in chains.backward}
    assert by_head["∂L/∂b"] == Chain("∂L/∂b", ("∂L/∂d · ∂d/∂b",), ("(−2) · 2",), "−4")
    assert by_head["∂L/∂L"] == Chain("∂L/∂L", value="1")
    assert Chain("∂d/∂b", value="2") in chains.local
    assert chains.forward[0] == Chain("d", ("2*b",), ("2*1",), "2")
    hints = GraphHints(d)
    assert hints.rung("b.grad", 1) == "∂L/∂b = ∂L/∂d · ∂d/∂b\n∂d/∂b = 2"
    assert hints.rung("b.grad", 2) == "∂L/∂b = ∂L/∂d · ∂d/∂b = (−2) · 2\n∂d/∂b = 2"
    assert hints.rung("b.grad", 3) == "∂L/∂b = ∂L/∂d · ∂d/∂b = (−2) · 2 = −4\n∂d/∂b = 2"


def test_the_graph_view_prints_the_hint_chains() -> None:
    d = solve_any(PROBLEMS / "computation-graph.yaml")
    chains = graph_chains(d, 4)
    sections = [lines for _, lines in graph_sections(d, 4)]
    assert sections == [[c.text for c in part] for part in (chains.forward, chains.local, chains.backward)]


def variants(tmp_path: Path) -> list[Path]:
    """Every shipped network, with each loss it accepts and with its first activation swapped for each."""
    out = list(NETWORKS)
    for src in NETWORKS:
        text = src.read_text(encoding="utf-8")
        for loss in ("half_sse", "sse", "mse", "bce", "cross_entropy", "hinge", "huber"):
            out.append(tmp_path / f"{src.stem}-{loss}.yaml")
            out[-1].write_text(re.sub(r"(?m)^loss:.*$", f"loss: {loss}", text), encoding="utf-8")
        for act in ACTIVATIONS:
            out.append(tmp_path / f"{src.stem}-{act}.yaml")
            out[-1].write_text(re.sub(r"activation: *\w+", f"activation: {act}", text, count=1), encoding="utf-8")
    return out


def solved(paths: list[Path]) -> list[Derivation]:
    derivations = []
    for path in paths:
        try:
            derivations.append(solve_file(path))
        except Exception:  # noqa: BLE001 - a loss the network does not accept (bce on a ReLU output)
            continue
    return derivations


def test_every_hint_chain_is_the_line_solve_prints(tmp_path: Path) -> None:
    """The drift guard: the hint's chains, whole, are the terminal's lines (the loss: the same formula
    and value; the squared errors with the same numbers; cross-entropy's logs are written compactly)."""
    derivations = solved(variants(tmp_path))
    assert len(derivations) > 60
    losses = set()
    for d in derivations:
        step, loss = d.steps[0], d.problem.loss
        losses.add(loss)
        hints = Hints(d, 4)
        w = Writer(4, Network(d.problem).target_labels)
        group = [f for f in step.forward if f.activation.name == "softmax"]
        for f in step.forward:
            lines = [line.text for line in w.forward(f, group)]  # net, out (and dropout's mask and scaling)
            assert [c.text for c in hints.chains(f"{f.neuron}.net") + hints.chains(f"{f.neuron}.out")] == lines
        nets = {f.neuron: f.net for f in step.forward}  # as `step_lines` passes them: the note at a kink
        for delta in step.deltas:
            chain = hints.chains(f"{delta.neuron}.delta")[0]
            if delta.softmax:  # the hint adds the numbers (y1 − t1 = 0.2 − 0); the terminal names the output
                chain = Chain(chain.head, chain.symbols, (), chain.value + "  (softmax output)")
            assert chain.text == next(w.delta(delta, loss, len(step.loss.parts), nets[delta.neuron])).text
        for g in step.gradients:
            lines = [line.text.strip() for line in w.gradient(g, loss, len(step.loss.parts))]  # `= …` below the first
            if g.paths:  # the chain rule along the paths over three lines, then the uses below
                lines = [" ".join(lines[:3]), f"∂L/∂{g.parameter} {lines[3]}", *lines[4:]]  # [4]: a penalty's
            assert [c.text for c in hints.chains(f"{g.parameter}.grad")] == lines
        symbolic, numeric, *penalty = (line.text.strip() for line in w.loss(step.loss))
        chain, *penalty_chains = hints.chains("loss")
        assert [c.text for c in penalty_chains] == penalty  # a penalty's lines: the penalty, then the total
        assert (f"{chain.head} = {chain.symbols[0]}", chain.value) == (symbolic, numeric.rsplit(" = ", 1)[1])
        if loss not in ("bce", "cross_entropy"):
            assert f"= {chain.numbers[0]} = {chain.value}" == numeric
    assert losses == {"half_sse", "sse", "mse", "bce", "cross_entropy", "hinge", "huber"}


def test_softmax_hints_from_the_data() -> None:
    """The rungs the terminal has no line for: cross-entropy's logs, a softmax δ's numbers, an update."""
    hints = Hints(solve_file(PROBLEMS / "softmax-classifier.yaml"))
    assert hints.rung("loss", 2) == "L = −Σ t log y = −(0·log 0.212158 + 1·log 0.740503 + 0·log 0.0473388)"
    assert hints.rung("y2.delta", 2) == "δ_y2 = ∂L/∂z2 = y2 − t2 = 0.740503 − 1"
    assert hints.rung("y2.out", 2) == "y2 = e^z2 / (e^z1 + e^z2 + e^z3) = e^1.75 / (e^0.5 + e^1.75 + e^(−1))"
    assert hints.rung("w11.new", 1) == "w11 ← w11 − η · ∂L/∂w11"
    assert hints.rung("w11.new", 2) == "w11 ← w11 − η · ∂L/∂w11 = 0.5 − 0.1 · 0.0350707"
