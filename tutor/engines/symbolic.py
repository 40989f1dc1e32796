"""The symbolic engine: every quantity of a network's derivation as a SymPy formula → SymbolicDerivation.

Compact forms are built per neuron from Symbols for its neighbours (a net from its sources' outputs, a
delta from its consumers' deltas), with f, f′ and the loss from the registries (`functions.symbolic_*`).
Closed forms follow bottom-up by substituting the closed forms already made for those Symbols
(`xreplace`, which walks only the small compact form): the work is linear in the size of the network.

Canonical form: SymPy's automatic one only (flattened and collected sums and products, numbers combined)
— no `simplify`, `expand` or `factor`, which are slow and erratic on these formulas and would hide the
structure of the chain rule. Sigmoid is written out as 1/(1 + exp(−x)), softmax as exp(x_j)/Σ exp(x_k),
relu as Max(0, x), leaky relu and elu as Piecewise. Every step has the same formulas (the parameter
symbols stand for the values at the start of the step), so they are built once.

`tutor.engines.symcheck` verifies the result against the exact engine on every solve.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tutor.engines.symextra import Extras, penalty_forms, update_forms
from tutor.errors import ProblemError
from tutor.maths import functions as fn
from tutor.maths.exactnum import sympy
from tutor.maths.losses import LOSSES
from tutor.model.network import Network
from tutor.model.problem import Problem
from tutor.model.symbolic import SymbolicDerivation, SymbolicSolution, SymbolicStep

if TYPE_CHECKING:
    from tutor.engines.graph import GraphProblem
    from tutor.model.derivation import Derivation

MAX_SYMBOLIC_NEURONS = 64  # beyond this, closed forms are unreadable and deep: --symbolic is refused

Forms = dict[str, Any]


def derive_symbolic(
    problem: Problem | GraphProblem, derivation: Any = None, *, check: bool = True
) -> SymbolicDerivation:
    """The formulas of `problem`'s derivation, checked against the exact engine's `derivation` (derived
    here when not given) unless `check` is False. CrossCheckError (exit 1) if they disagree; ProblemError
    (exit 2) for what has no symbolic form (a data set, a network too large, a clash of names)."""
    if not isinstance(problem, Problem):
        from tutor.engines.symgraph import derive_symbolic_graph

        return derive_symbolic_graph(problem, derivation, check=check)
    refuse_unsupported(problem)
    if derivation is None:
        from tutor.engines.exact import derive

        derivation = derive(problem)
    result = _Builder(Network(problem)).derivation(derivation)
    if check:
        from tutor.engines.symcheck import check_symbolic

        result = check_symbolic(result, derivation)
    return result


def solve_symbolic(problem: Problem | GraphProblem, *, numbers: bool = True, detail: int = 1) -> SymbolicSolution:
    """Solve (exactly, cross-checked: `solver.solve_loaded`) and derive the formulas: what `solve
    --symbolic` shows. What has no symbolic form is refused before any work is done."""
    from tutor.engines.solver import solve_loaded

    if isinstance(problem, Problem):
        refuse_unsupported(problem)
        target_symbols(Network(problem))
    derivation = solve_loaded(problem, detail=detail)
    return SymbolicSolution(derivation, derive_symbolic(problem, derivation), numbers)


def refuse_unsupported(problem: Problem) -> None:
    """ProblemError for a problem without a symbolic derivation: a data set, too many neurons, an
    activation without a symbolic form."""
    if problem.data:
        raise ProblemError(
            "--symbolic works on one example (inputs: and targets:), not on a data set (data:)", file=problem.source
        )
    if len(problem.neurons) > MAX_SYMBOLIC_NEURONS:
        raise ProblemError(
            f"--symbolic works on networks of at most {MAX_SYMBOLIC_NEURONS} neurons (this one has "
            f"{len(problem.neurons)}): the closed forms would be unreadable",
            file=problem.source,
        )
    pools = [name for name, n in problem.neurons.items() if n.combine == "max"]
    if pools:
        raise ProblemError(
            f"--symbolic does not write max pooling ({pools[0]}) as a formula yet: its derivative is a choice of the "
            "window's winner; solve it without --symbolic for the numbers and the routes",
            file=problem.source,
        )
    for n in problem.neurons.values():
        entry = n.activation.entry
        if not entry.group and (entry.symbolic is None or entry.symbolic_derivative is None):
            raise ProblemError(f"activation {n.activation.name!r} has no symbolic form", file=problem.source)


def update_formula(problem: Problem, symbols: Mapping[str, Any], grads: Mapping[str, Any], extras: Extras) -> Forms:
    """Every `<p>.new` and optimizer state `<p>.<word>` as formulas: the registry's rule of the problem's
    optimizer run on SymPy expressions (`symextra.update_forms`), one path for sgd and every other."""
    return update_forms(problem, symbols, grads, extras)


class _Builder:
    """Symbols and forms of one network; `derivation` makes the SymbolicDerivation."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.problem = problem = network.problem
        self.sp = sympy()
        self.targets = target_symbols(network)
        base = [*problem.inputs, *problem.parameters, *self.targets.values()]
        self.symbols = {name: self.sp.Symbol(name, real=True) for name in base}
        self.roles: dict[str, tuple[str, str]] = {}
        self._taken = {*base, *problem.neurons, *network.net_labels.values()}
        self.extras = Extras(problem, self._free)
        self.symbols.update({n: self.sp.Symbol(n, real=True) for n in self.extras.names({self.extras.t})})
        self.net = {n: self._role(network.net_labels[n], "net", n) for n in network.order}
        self.out = {n: self._role(n, "out", n) for n in network.order}
        self.delta = {n: self._role(self._free(f"delta_{n}"), "delta", n) for n in network.order}
        self.grad = {p: self._role(self._free(f"grad_{p}"), "grad", p) for p in problem.parameters}

    def _free(self, name: str) -> str:
        while name in self._taken:
            name += "_"
        self._taken.add(name)
        return name

    def _role(self, name: str, kind: str, subject: str) -> Any:
        self.roles[name] = (kind, subject)
        return self.sp.Symbol(name, real=True)

    def node(self, name: str) -> Any:
        """The Symbol of a node's output: an input's own, or a neuron's `out` symbol."""
        return self.symbols[name] if name in self.symbols else self.out[name]

    def derivation(self, derivation: Derivation) -> SymbolicDerivation:
        from tutor.engines.optimexact import optimizer_state

        compact = self.compact()
        closed = self.closed(compact)
        used = {str(x) for form in closed.values() for x in form.free_symbols}
        extra = set(self.extras.names(used))
        unused = set(self.extras.names({self.extras.t})) - extra
        self.symbols = {k: v for k, v in self.symbols.items() if k not in unused}
        state: dict[str, Any] = {}
        steps = []
        for step in derivation.steps:
            values = self.values({u.parameter: u.old for u in step.updates})
            values.update({k: v for k, v in self.extras.values(step.index, state).items() if k in extra})
            steps.append(SymbolicStep(step.index, compact, closed, values))
            state = optimizer_state(step)
        role_symbols = {name: self.sp.Symbol(name, real=True) for name in self.roles}
        return SymbolicDerivation(
            self.targets,
            self.symbols,
            steps[0].values,
            tuple(steps),
            dict(self.roles),
            role_symbols,
            given=tuple(n for n in self.extras.names(used)),
        )

    def values(self, params: Mapping[str, Any]) -> dict[str, Any]:
        p = self.problem
        out = {k: fn.exact(v) for k, v in p.inputs.items()}
        out.update(params)
        out.update({self.targets[o]: fn.exact(t) for o, t in p.targets.items()})
        return out

    # ------------------------------------------------------------ compact forms

    def compact(self) -> Forms:
        """Answer key -> compact form, in derivation order (as `Step.items()`)."""
        forms: Forms = {}
        outs = self._outs()
        for n in self.network.order:
            forms[f"{n}.net"] = self._net(n)
            forms[f"{n}.out"] = outs[n]
        p = self.problem
        ys, ts = [self.out[o] for o in p.targets], [self._t(o) for o in p.targets]
        parts, grads = fn.symbolic_loss_terms(p.loss, ys, ts, list(p.targets.values()), p.loss_options)
        self.loss_grad = dict(zip(p.targets, grads, strict=True))
        penalty, penalty_grads = penalty_forms(p, self.symbols)
        forms["loss"] = self.sp.Add(*(part for part in parts if part is not None), penalty)
        deltas = self._softmax_deltas()
        for n in reversed(self.network.order):
            forms[f"{n}.delta"] = deltas[n] if n in deltas else self._delta(n)
        for w in self.problem.parameters:
            forms[f"{w}.grad"] = self.sp.Add(
                *(self.delta[e.neuron] * self._source(e.source) for e in self.network.uses[w]),
                penalty_grads.get(w, 0),
            )
        forms.update(update_formula(self.problem, self.symbols, self.grad, self.extras))
        return forms

    def _t(self, output: str) -> Any:
        return self.symbols[self.targets[output]]

    def _source(self, source: str | None) -> Any:
        return self.sp.Integer(1) if source is None else self.node(source)

    def _net(self, n: str) -> Any:
        neuron = self.network.neuron(n)
        terms = [self.node(c.source) * self.symbols[c.parameter] for c in neuron.inputs]
        if neuron.bias is not None:
            terms.append(self.symbols[neuron.bias])
        return self.sp.Add(*terms)

    def _outs(self) -> Forms:
        outs = {
            n: fn.symbolic_activation(self.network.neuron(n).activation, self.net[n]) * self._drop(n)
            for n in self.network.order
            if n not in self.network.softmax_group
        }
        group = self.network.softmax_group
        outs.update(zip(group, fn.symbolic_softmax([self.net[n] for n in group]), strict=True))
        return outs

    def _drop(self, n: str) -> Any:
        """Dropout's factor of neuron n (its Symbol: the step's mask·1/(1 − p)), else 1."""
        name = self.extras.drop.get(n)
        return self.sp.Integer(1) if name is None else self.symbols[name]

    def _delta(self, n: str) -> Any:
        problem = self.problem
        grad = self.loss_grad.get(n, self.sp.Integer(0))
        grad += self.sp.Add(*(self.symbols[p] * self.delta[k] for k, p in self.network.consumers[n]))
        act = self.network.neuron(n).activation
        zero = fn.exact(problem.relu_derivative_at_zero)
        # f′ reads the activation's own value: a dropped neuron's out has the factor in it
        y = self.out[n] if n not in self.extras.drop else fn.symbolic_activation(act, self.net[n])
        return grad * fn.symbolic_derivative(act, self.net[n], y, zero) * self._drop(n)

    def _softmax_deltas(self) -> Forms:
        """δ_j = y_j·(g_j − Σ_k g_k·y_k); with cross-entropy y_j·Σt − t_j (as the exact engine)."""
        group = self.network.softmax_group
        if not group:
            return {}
        problem, zero = self.problem, self.sp.Integer(0)
        t = {n: self._t(n) if n in problem.targets else zero for n in group}
        if LOSSES[problem.loss].softmax_shortcut:
            total_t = self.sp.Add(*t.values())
            return {n: self.out[n] * total_t - t[n] for n in group}
        g = {n: self.loss_grad.get(n, zero) for n in group}
        mean_g = self.sp.Add(*(g[k] * self.out[k] for k in group))
        return {n: self.out[n] * (g[n] - mean_g) for n in group}

    # ------------------------------------------------------------ closed forms

    def closed(self, compact: Forms) -> Forms:
        """Answer key -> closed form: each compact form with the closed forms of its neighbours' Symbols put in,
        bottom-up (forward in topological order, deltas from the outputs back)."""
        env: dict[Any, Any] = {}
        forms: Forms = {}
        order = self.network.order
        for n in order:
            forms[f"{n}.net"] = env[self.net[n]] = compact[f"{n}.net"].xreplace(env)
            if n not in self.network.softmax_group:
                forms[f"{n}.out"] = env[self.out[n]] = compact[f"{n}.out"].xreplace(env)
        for n in self.network.softmax_group:
            forms[f"{n}.out"] = env[self.out[n]] = compact[f"{n}.out"].xreplace(env)
        forms = {k: forms[k] for k in compact if k in forms}  # derivation order
        forms["loss"] = compact["loss"].xreplace(env)
        for n in reversed(order):
            forms[f"{n}.delta"] = env[self.delta[n]] = compact[f"{n}.delta"].xreplace(env)
        for p in self.problem.parameters:
            forms[f"{p}.grad"] = env[self.grad[p]] = compact[f"{p}.grad"].xreplace(env)
        for key in compact:
            if key not in forms:  # the updates and the optimizer's state
                forms[key] = compact[key].xreplace(env)
        return forms


def target_symbols(network: Network) -> dict[str, str]:
    """Output -> the symbol of its target (the network's own notation: t5 for y5, else t_<output>); a
    ProblemError when that name is also an input's or parameter's (`t_o1` as a parameter)."""
    problem = network.problem
    taken = {*problem.inputs, *problem.parameters, *problem.neurons}
    labels = network.target_labels
    for output, label in labels.items():
        if label in taken:
            raise ProblemError(
                f"the symbol {label} for the target of {output} is also the name of an input, parameter or "
                f"neuron: rename that one to use --symbolic",
                file=problem.source,
            )
    return dict(labels)
