"""What the symbolic engine adds to the plain chain rule: an optimizer's rule, a penalty, dropout's factors.

One mechanism each, from the registries, so every optimizer, penalty and mask takes the same path:

- the update: the optimizer registry's own rule (`optimizers.run_rule`) run on SymPy expressions (`sqrt` is
  `sympy.sqrt`), w the parameter's Symbol, g its gradient's; an optimizer's state at the start of a step is a
  Symbol of its own (`velocity_w13`, `m_w1`: 0 at step 1, then the state the step before left), and the step
  number t one more (`t`, only where the rule reads it: Adam's bias correction), so every step has the same
  formulas, as without them;
- the penalty: (λ/2)·Σw² (L2) or λ·Σ|w| (L1) in the loss, λ·w or λ·sign(w) in each weight's gradient, over the
  weights `regdrop.penalised` names (as the exact engine, `tutor.engines.regdrop`);
- dropout: a hidden neuron's out and delta get the factor mask·1/(1 − p) of the step, a Symbol per neuron
  (`drop_h1`) whose value is that step's factor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tutor.engines import regdrop as rd
from tutor.maths import functions as fn
from tutor.maths.exactnum import sympy
from tutor.maths.optimizers import run_rule
from tutor.model.problem import Problem


class Extras:
    """The extra Symbols of a problem (names from `free`, which keeps them apart from the problem's own)."""

    def __init__(self, problem: Problem, free: Callable[[str], str]) -> None:
        self.problem = problem
        words = problem.optimizer.entry.state
        self.state = {(p, w): free(f"{w}_{p}") for p in problem.parameters if p not in problem.frozen for w in words}
        self.t = free("t")
        self.drop = {n: free(f"drop_{n}") for n in rd.dropped_neurons(problem)} if problem.dropout else {}

    def names(self, used: set[str]) -> list[str]:
        """The extra Symbols' names (t only where a formula reads it)."""
        return [*self.state.values(), *([self.t] if self.t in used else []), *self.drop.values()]

    def values(self, index: int, state: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
        """The extra Symbols' values at the start of step `index`, from the optimizer `state` the step before
        left (parameter -> word -> value; empty at step 1)."""
        zero = fn.exact(0)
        out = {name: state.get(p, {}).get(w, zero) for (p, w), name in self.state.items()}
        out[self.t] = fn.exact(index)
        factors = rd.dropout_factors(self.problem, index)
        out.update({name: fn.exact(factors[n][0] * factors[n][1]) for n, name in self.drop.items()})
        return out


def update_forms(
    problem: Problem, symbols: Mapping[str, Any], grads: Mapping[str, Any], extras: Extras
) -> dict[str, Any]:
    """`<p>.new` and `<p>.<state word>` of every parameter, in `Step.items()` order: the optimizer's rule on
    formulas (a frozen parameter keeps its value and has no state)."""
    sp, out = sympy(), {}
    eta, t = fn.exact(problem.learning_rate), symbols[extras.t]
    for p in problem.parameters:
        if p in problem.frozen:
            out[f"{p}.new"] = symbols[p]
            continue
        state = {w: symbols[name] for (q, w), name in extras.state.items() if q == p}
        new, after, _ = run_rule(problem.optimizer, symbols[p], grads[p], state, t, eta, number=fn.exact, sqrt=sp.sqrt)
        out[f"{p}.new"] = new
        out.update({f"{p}.{w}": v for w, v in after.items()})
    return out


def penalty_forms(problem: Problem, symbols: Mapping[str, Any]) -> tuple[Any, dict[str, Any]]:
    """(the penalty's term of the loss, weight -> its term of the gradient); (0, {}) without one."""
    sp, reg = sympy(), problem.regularization
    if reg is None:
        return sp.Integer(0), {}
    lam = fn.exact(reg.strength)
    weights = [symbols[w] for w in rd.penalised(problem)]
    if reg.kind == "l2":
        return lam / 2 * sp.Add(*(w**2 for w in weights)), {w: lam * symbols[w] for w in rd.penalised(problem)}
    return lam * sp.Add(*(sp.Abs(w) for w in weights)), {w: lam * sp.sign(symbols[w]) for w in rd.penalised(problem)}
