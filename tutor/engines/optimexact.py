"""An optimizer's step in the exact engine (issue 15): each trainable parameter's rule evaluated on SymPy's
arithmetic (`tutor.maths.fastreal`), its lines kept for the views. Fractions stay exact (momentum, nesterov); a
square root is exact where the value is a perfect square, else evaluated with mpmath to the engine's precision."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from tutor.maths import functions as fn
from tutor.maths.optimizers import run_rule
from tutor.model.derivation import Step, Update
from tutor.model.problem import Problem

Values = dict[str, Any]


def optimizer_updates(
    problem: Problem, params: Values, gradients: Values, state: Mapping[str, Values], t: int
) -> tuple[Update, ...]:
    """Every parameter's step `t` from its state before (zero at the start); frozen ones keep no state.

    The rule runs on `tutor.maths.fastreal` numbers (SymPy's arithmetic, bit for bit, at a fraction of its
    cost); its results and the lines' recorded values are converted back to SymPy numbers once each."""
    from tutor.maths import fastreal as fr  # imports mpmath: loaded with the first optimizer step

    eta = fn.exact(problem.learning_rate)
    zero = fn.exact(0)
    fast_eta = fr.setting(Fraction(int(eta.p), int(eta.q)))
    out = []
    for p, old in params.items():
        if p in problem.frozen:
            out.append(Update(p, old, gradients[p], eta, old, True))
            continue
        before = {k: state.get(p, {}).get(k, zero) for k in problem.optimizer.entry.state}
        new, after, lines = run_rule(
            problem.optimizer,
            fr.from_sympy(old),
            fr.from_sympy(gradients[p]),
            {k: fr.from_sympy(v) for k, v in before.items()},
            t,
            fast_eta,
            number=fr.setting,
            sqrt=fr.sqrt,
            record=True,
            record_as=fr.to_sympy,
        )
        after = {k: fr.to_sympy(v) for k, v in after.items()}
        out.append(Update(p, old, gradients[p], eta, fr.to_sympy(new), False, before, after, lines))
    return tuple(out)


def optimizer_state(step: Step) -> dict[str, Values]:
    """The state after `step`, by parameter: what the next step starts from."""
    return {u.parameter: dict(u.state) for u in step.updates if u.state}
