"""An optimizer's updates (issue 15) as lines of text and LaTeX: the rule once with its settings and the note on
other conventions, then per parameter its state before, each line of the rule with its numbers, and the update.
Shared by the terminal (`tutor.render.text`, `tutor.render.training`) and LaTeX (`tutor.render.latexstep`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from tutor.maths.optimizers import OPTIMIZERS, OptimizerEntry
from tutor.maths.optimtext import LATEX_SYMBOLS, TEXT_SYMBOLS, line_numbers, rule_lines, target_text
from tutor.model.derivation import Step, Update
from tutor.model.problem import Problem
from tutor.render import latexfmt as lf


def statement_text(problem: Problem, num: Callable[[Any], str]) -> str:
    """The problem's optimizer for the terminal's header: `optimizer: Adam, β₁ = 0.9, β₂ = 0.999, ε = 1e-8`
    ('' for plain SGD)."""
    entry = problem.optimizer.entry
    if entry.name == "sgd":
        return ""
    settings = "".join(f", {TEXT_SYMBOLS.get(k, k)} = {num(v)}" for k, v in problem.optimizer.settings)
    return f"optimizer: {entry.title}{settings}"


def statement_latex(problem: Problem, num: Callable[[Any], str]) -> list[str]:
    """The problem sheet's paragraph on its optimizer: its name, settings and rule ([] for plain SGD)."""
    entry = problem.optimizer.entry
    if entry.name == "sgd":
        return []
    settings = "".join(f", ${LATEX_SYMBOLS.get(k, k)} = {num(v)}$" for k, v in problem.optimizer.settings)
    head = rf"\textbf{{Optimizer.}} {lf.line(entry.title)}{settings}, with PyTorch's conventions;"
    head += r" for each parameter $w$, with $g = \partial L / \partial w$, its state starting at 0"
    head += r" and $t = 1, 2, \ldots$:"
    rule = " \\\\\n".join(rule_lines([(ln.target, ln.formula) for ln in entry.lines], latex=True))
    return [head, "\\begin{align*}\n" + rule + "\n\\end{align*}"]


def task_words(problem: Problem, sgd_result: str = "the new parameters") -> tuple[str, str]:
    """(what each step is, what it ends with) in the problem sheet's task: gradient descent and `sgd_result`,
    or the optimizer's steps and each parameter's update with its state."""
    entry = problem.optimizer.entry
    if entry.name == "sgd":
        sgd = r"gradient descent on this example, $w \leftarrow w - \eta\, \partial L / \partial w$"
        return sgd, sgd_result
    return f"{lf.line(entry.title)} on this example", "each parameter's update by the optimizer's rule, with its state"


def uses_optimizer(step: Step) -> bool:
    return any(u.lines for u in step.updates)


def _head(step: Step) -> tuple[OptimizerEntry, dict[str, Any]]:
    first = next(u for u in step.updates if u.lines)
    return OPTIMIZERS[first.lines[0].optimizer], dict(first.lines[0].given)


def title_text(step: Step, num: Callable[[Any], str]) -> str:
    entry, env = _head(step)
    settings = "".join(f", {TEXT_SYMBOLS.get(s.name, s.name)} = {num(env[s.name])}" for s in entry.settings)
    return f"Updates: {entry.title}, step t = {env['t']}, η = {num(env['eta'])}{settings}"


def rule_text(step: Step) -> tuple[list[str], str]:
    """The rule with its symbols (w is the parameter, g its gradient ∂L/∂w) and the note on conventions."""
    entry, _ = _head(step)
    return rule_lines([(ln.target, ln.formula) for ln in entry.lines]), entry.note


def numbers_text(u: Update, num: Callable[[Any], str], pnum: Callable[[Any], str]) -> Iterator[tuple[int, str]]:
    """(indent, text) lines of one parameter's step with its numbers."""
    before = ", ".join(f"{TEXT_SYMBOLS.get(k, k)} = {num(v)}" for k, v in u.state_before.items())
    yield 2, f"{u.parameter}: g = ∂L/∂{u.parameter} = {num(u.gradient)}; before the step {before}"
    for ev in u.lines:
        yield 4, f"{target_text(u.parameter, ev.line.target)} ← {line_numbers(ev, num, pnum)} = {num(ev.value)}"


def latex_title(step: Step, num: Callable[[Any], str]) -> str:
    entry, env = _head(step)
    settings = "".join(f", ${LATEX_SYMBOLS.get(s.name, s.name)} = {num(env[s.name])}$" for s in entry.settings)
    head = f"{lf.line(entry.title)} (as \\texttt{{{lf.line(entry.torch)}}})"
    return f"{head}, step $t = {env['t']}$, $\\eta = {num(env['eta'])}${settings}"


def latex_rule(step: Step) -> list[str]:
    entry, _ = _head(step)
    return rule_lines([(ln.target, ln.formula) for ln in entry.lines], latex=True)


def latex_numbers(u: Update, name: str, num: Callable[[Any], str], pnum: Callable[[Any], str]) -> list[str]:
    """One parameter's lines for an align environment; `name` is the parameter as a math symbol."""
    out = []
    for ev in u.lines:
        sym = LATEX_SYMBOLS.get(ev.line.target, ev.line.target)
        target = name if ev.line.target == "w" else f"{sym}_{{{name}}}"
        numbers = line_numbers(ev, num, pnum, latex=True)
        out.append(rf"{target} &\leftarrow {numbers} = {num(ev.value)}")
    return out
