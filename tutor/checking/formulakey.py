"""`nnstep answers --symbolic`: the formula key, in the answers-file format (a formula file reads back).

Each key's formula is its compact form with the deltas and gradients it builds on written out, so it is in
the names a formula answer may use (`tutor.checking.formulas`): inputs, parameters, targets (`t_o1`) and
the outputs and nets of the neurons computed before it (`h1`, `net_h1`), e.g.
`w5.grad: o1*(1 - o1)*(o1 - t_o1)*h1`. A key whose formula the grammar cannot write (a Piecewise, a
Heaviside), only too long, or with a name `e` or `pi` (which answers read as the constants) gets its
number, with a comment saying why.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tutor.files.answers import yaml_scalar
from tutor.maths.expr import CONSTANTS

KEPT = ("net", "out", "value")  # the roles a formula answer may name (`h1`, `net_h1`); deltas, gradients not


def formula_key_text(derivation: Any, symbolic: Any, *, digits: int = 10) -> str:
    """The formula key of a solved problem (`symbolic`: its `tutor.model.symbolic.SymbolicDerivation`)."""
    from tutor.checking.answerkey import _yaml_number
    from tutor.checking.models import check_model
    from tutor.escape import yaml_comment
    from tutor.maths.numfmt import fmt
    from tutor.maths.sympytext import grammar_text
    from tutor.model.keys import split_key, step_word
    from tutor.model.keyset import counted_keys

    model = check_model(derivation)
    counted = frozenset(counted_keys(model, model.settings))
    title = model.problem.title or Path(model.problem.source).stem
    lines = [f"# Formula key: {yaml_comment(title)}", *_HEADER]
    forms = [answer_forms(symbolic, s) for s in symbolic.steps]
    current = 1
    for key, value in model.expected.items():
        step, local = split_key(key)
        if step != current:
            lines.append(f"{step_word(step)}:")
            current = step
        indent = "" if step == 1 else "  "
        text = _text(forms[step - 1].get(local), grammar_text)
        note = "" if key in counted else "not counted"
        shown = yaml_scalar(text, quoted=True) if text is not None else _yaml_number(fmt(value, digits))
        if text is None:
            note = ", ".join(filter(None, (note, "a number: no formula an answer can write")))
        comment = f"  # {note}" if note else ""
        lines.append(f"{indent}{yaml_scalar(local)}: {shown}{comment}")
    return "\n".join(lines) + "\n"


_HEADER = (
    "# Formulas in the problem's names: inputs, parameters, targets, and the outputs and nets of the",
    "# neurons (a graph's nodes) computed before each key. A formula answer is right when it equals",
    "# the key's formula.",
)


def _text(form: Any, grammar_text: Any) -> str | None:
    """The form as answer text; None where there is none, or where it names a symbol `e` or `pi` (which
    an answer reads as the constant)."""
    if form is None or {str(s) for s in getattr(form, "free_symbols", ())} & set(CONSTANTS):
        return None
    return grammar_text(form)


def answer_forms(symbolic: Any, step: Any) -> dict[str, Any]:
    """Each step-local key's compact form with every role but a net, an output or a node value written out
    (a delta or gradient by its own form, recursively), in derivation order; the step's numbers that are no
    name of the problem (`SymbolicDerivation.given`) as their values."""
    roles = symbolic.roles
    compact = step.compact_forms()
    out: dict[str, Any] = {}
    expanded: dict[Any, Any] = {}
    pending = dict(compact)
    for _ in range(len(compact) + 1):  # a form is written once every form it uses is (at most one pass each)
        for key in [k for k in pending if _ready(pending[k], expanded, roles)]:
            form = pending.pop(key).xreplace(expanded)
            out[key] = form
            for name, (kind, subject) in roles.items():
                if kind not in KEPT and f"{subject}.{kind}" == key:
                    expanded[symbolic.role_symbols[name]] = form
        if not pending:
            break
    # the step's numbers (an optimizer's state, t, dropout's factors: `SymbolicDerivation.given`) put in
    given = getattr(symbolic, "given", ())
    fixed = {symbolic.symbols[n]: step.values[n] for n in given}
    return {k: out[k].xreplace(fixed) if fixed else out[k] for k in compact if k in out}


def _ready(form: Any, expanded: dict[Any, Any], roles: Any) -> bool:
    return all(
        str(s) not in roles or roles[str(s)][0] in KEPT or s in expanded for s in getattr(form, "free_symbols", ())
    )
