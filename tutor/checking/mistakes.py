"""Mistake models: the classic slips of hand-worked backpropagation, each with a stable tag.

Each model is a setting of `tutor.engines.floats.Rules`; the float64 engine re-runs the derivation with it, and
a wrong answer that matches the buggy value is tagged. Tags are a contract (JSON output, gradebooks):
never rename one. The examples are on the seed-000 ReLU exercise (w13…w45, η = 0.1) and the seed-003
0.05/0.10 sigmoid network. The computation-graph tags (diagnosed by `tutor.checking.graphcheck`, which looks at each
gradient's own chain-rule sum; `missing-path` is a network's too: a neuron feeding several, one
path left out of its delta) are on seed 002's L = c(a + 2b), a = 3, b = 1, c = −2, and on L = f·g with
f = x·y, g = x + 1, x = 2, y = 4.

| tag | example |
|---|---|
| update-sign | w13 ← 2 + 0.1·20 = 4 instead of 2 − 0.1·20 = 0 |
| missing-learning-rate | w13 ← 2 − 20 = −18 instead of 2 − 0.1·20 = 0 |
| missing-activation-derivative | δo1 = 0.7514 − 0.01 = 0.7414 without the factor out(1 − out) (0.1385) |
| loss-factor | loss = Σ(t − y)² = 100 instead of ½Σ(t − y)² = 50 |
| target-sign | δ5 = (0 − 10)·1 = −10 instead of (10 − 0)·1 = 10 |
| updated-weights-in-backprop | δ3 = 10·(−3)·1 = −30 with the new w35 = −3 instead of 10·2·1 = 20 |
| net-instead-of-out | ∂L/∂w45 = δ5·x4 = 10·(−3) = −30 instead of δ5·y4 = 10·0 = 0 |
| derivative-at-output | δo1 uses σ′(out) = σ(0.7514)(1 − σ(0.7514)) instead of out(1 − out) |
| forgot-bias | net h1 = 0.15·0.05 + 0.2·0.1 = 0.0275, leaving out b1 = 0.35 (0.3775) |
| wrong-loss-mean | mse over 2 outputs summed instead of averaged (or sse averaged) |
| batch-sum-or-mean | XOR batch loss 0 + 0.28125 + 0.28125 + 0.03125 = 0.59375 instead of their mean 0.1484375 |
| missing-path | ∂L/∂x = ∂L/∂f · ∂f/∂x = 3·4 = 12 through f only, instead of 12 + ∂L/∂g · ∂g/∂x = 12 + 8 = 20 |
| missing-shared-use | ∂L/∂b1 = δh1·1 = 0.0088 from h1 only, instead of δh1 + δh2 = 0.0187 (b1 feeds h1 and h2) |
| delta-as-gradient | ∂L/∂w45 = δ5 = 10 instead of δ5·y4 = 10·0 = 0 |
| dropped-sign | x4 = 1·1 + 4·1 = 5 with x2 taken as 1, instead of 1·1 + 4·(−1) = −3 |
| adam-no-bias-correction | Adam step 1: w5 ← 0.4 − 0.5·m/(√v + ε) = −1.1811 instead of 0.4 − 0.5·m̂/(√v̂ + ε) = −0.1 |
| momentum-state-reset | momentum β = 0.5, ReLU exercise step 2: w13.velocity = 0 + 0 = 0 instead of 0.5·20 + 0 = 10 |
| missing-local-derivative | ∂L/∂b = ∂L/∂d = −2 instead of ∂L/∂d · ∂d/∂b = (−2) · 2 = −4 |
| local-derivative-only | ∂L/∂b = ∂d/∂b = 2 instead of ∂L/∂d · ∂d/∂b = (−2) · 2 = −4 |
| forward-value-as-gradient | ∂L/∂d = d = 2 instead of ∂L/∂d = ∂L/∂e · ∂e/∂d = −2 |
| l2-factor | ∂L/∂w13 = 20 + 2·0.1·2 = 20.4 (penalty λ·Σw²) instead of 20 + 0.1·2 = 20.2 ((λ/2)·Σw²), or the reverse |
| l2-on-bias | the penalty on b1 too: ∂L/∂b1 = data term + λ·b1, where biases carry no penalty |
| dropout-no-rescale | h1 = 1·0.593 = 0.593 kept without × 1/(1 − p) = 2, instead of 1.187 (inverted dropout) |
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tutor.checking import mistakesites as sites
from tutor.engines.floats import Rules
from tutor.model.problem import Problem

SQUARED = ("half_sse", "sse", "mse")


@dataclass(frozen=True)
class Mistake:
    tag: str
    words: str  # what the student did, in plain words, for feedback messages
    example: str  # one line, on a seed network
    variants: Callable[[Problem], tuple[Rules, ...]]  # the buggy rules; () when it cannot apply
    site: bool = False  # made at one place (a path, a use, a sign): only keys its pure run changes


def _loss_factor(p: Problem) -> tuple[Rules, ...]:
    scales = {"half_sse": (2.0,), "sse": (0.5,), "mse": (0.5, 2.0)}.get(p.loss, ())
    return tuple(Rules(loss_scale=s) for s in scales)


def _loss_mean(p: Problem) -> tuple[Rules, ...]:
    n = len(p.targets)
    if n < 2 or p.loss not in SQUARED:
        return ()
    return (Rules(loss_scale=float(n) if p.loss == "mse" else 1.0 / n),)


def _batch(p: Problem) -> tuple[Rules, ...]:
    """A data set whose batches hold more than one example."""
    many = len(p.data) > 1 and (p.batch_size is None or p.batch_size > 1)
    return (Rules(batch_reduction_swapped=True),) if many else ()


def _bias_correction(p: Problem) -> tuple[Rules, ...]:
    return (Rules(bias_correction=False),) if p.optimizer.name in ("adam", "adamw") else ()


def _state_reset(p: Problem) -> tuple[Rules, ...]:
    """An optimizer with state, over more than one step (or iteration of a data set)."""
    several = p.steps > 1 or (len(p.data) > 0 and (p.epochs > 1 or (p.batch_size or len(p.data)) < len(p.data)))
    return (Rules(reset_state=True),) if p.optimizer.entry.state and several else ()


def _l2_factor(p: Problem) -> tuple[Rules, ...]:
    reg = p.regularization
    return (Rules(l2_scale=2.0), Rules(l2_scale=0.5)) if reg and reg.kind == "l2" and reg.strength else ()


def _penalty_on_bias(p: Problem) -> tuple[Rules, ...]:
    has_bias = any(n.bias is not None for n in p.neurons.values())
    return (Rules(l2_on_bias=True),) if p.regularization and p.regularization.strength and has_bias else ()


def _no_rescale(p: Problem) -> tuple[Rules, ...]:
    return (Rules(dropout_rescale=False),) if p.dropout and p.dropout.rate else ()


def _graph_only(p: Problem) -> tuple[Rules, ...]:
    return ()  # a computation-graph mistake: `tutor.checking.graphcheck` diagnoses it, no network rules


def _always(rules: Rules) -> Callable[[Problem], tuple[Rules, ...]]:
    return lambda p: (rules,)


MISTAKES: tuple[Mistake, ...] = (
    Mistake(
        "update-sign",
        "you added η·∂L/∂w to the weight; gradient descent subtracts it (w − η·g)",
        "w13 ← 2 + 0.1·20 = 4 instead of 2 − 0.1·20 = 0",
        _always(Rules(update_sign=1.0)),
    ),
    Mistake(
        "missing-learning-rate",
        "you left out the learning rate η (w − g instead of w − η·g)",
        "w13 ← 2 − 20 = −18 instead of 2 − 0.1·20 = 0",
        _always(Rules(use_learning_rate=False)),
    ),
    Mistake(
        "missing-activation-derivative",
        "the delta is missing the activation's derivative f′(net)",
        "δo1 = 0.7514 − 0.01 = 0.7414 without the factor out(1 − out)",
        _always(Rules(activation_derivative=False)),
    ),
    Mistake(
        "loss-factor",
        "off by a factor 2: ½Σ(t − y)² and Σ(t − y)² mixed up",
        "loss = Σ(t − y)² = 100 instead of ½Σ(t − y)² = 50",
        _loss_factor,
    ),
    Mistake(
        "target-sign",
        "the error has the wrong sign: (t − y) where (y − t) belongs",
        "δ5 = (0 − 10)·1 = −10 instead of (10 − 0)·1 = 10",
        lambda p: (Rules(target_sign=-1.0),),
    ),
    Mistake(
        "updated-weights-in-backprop",
        "you used weights already updated in this step; backpropagation uses the weights from before the step",
        "δ3 = 10·(−3)·1 = −30 with the new w35 = −3 instead of 10·2·1 = 20",
        _always(Rules(updated_weights_in_backprop=True)),
    ),
    Mistake(
        "net-instead-of-out",
        "the gradient uses the source neuron's net input where its output belongs (∂net/∂w = out)",
        "∂L/∂w45 = δ5·x4 = 10·(−3) = −30 instead of δ5·y4 = 10·0 = 0",
        _always(Rules(net_instead_of_out=True)),
    ),
    Mistake(
        "derivative-at-output",
        "f′ was applied to the neuron's output instead of its net input",
        "δo1 with σ′(0.7514) = σ(0.7514)(1 − σ(0.7514)) instead of out(1 − out)",
        _always(Rules(derivative_at_output=True)),
    ),
    Mistake(
        "forgot-bias",
        "the net input leaves out the bias",
        "net h1 = 0.15·0.05 + 0.2·0.1 = 0.0275 instead of 0.3775 with b1 = 0.35",
        _always(Rules(include_bias=False)),
    ),
    Mistake(
        "wrong-loss-mean",
        "the loss is summed where it should be averaged over the outputs, or the other way round",
        "mse of 2 outputs as Σ(t − y)² instead of ½Σ(t − y)²",
        _loss_mean,
    ),
    Mistake(
        "batch-sum-or-mean",
        "the batch takes the sum of the examples' losses and gradients where their mean belongs, or the reverse",
        "XOR batch loss 0 + 0.28125 + 0.28125 + 0.03125 = 0.59375 instead of their mean 0.1484375",
        _batch,
    ),
    Mistake(
        "missing-shared-use",
        "a parameter used in several places adds every use's term to its gradient; this is only one use",
        "∂L/∂b1 = δh1·1 = 0.0088 from h1 only, instead of δh1 + δh2 = 0.0187 (b1 feeds h1 and h2)",
        sites.missing_shared_use,
        site=True,
    ),
    Mistake(
        "delta-as-gradient",
        "that is the delta δ; the gradient multiplies it by the source's output (∂L/∂w = δ·out)",
        "∂L/∂w45 = δ5 = 10 instead of δ5·y4 = 10·0 = 0",
        sites.delta_as_gradient,
    ),
    Mistake(
        "dropped-sign",
        "a negative input or weight was used without its minus sign",
        "x4 = 1·1 + 4·1 = 5 with x2 taken as 1, instead of 1·1 + 4·(−1) = −3",
        sites.dropped_sign,
        site=True,
    ),
    Mistake(
        "missing-path",
        "a node used more than once adds every path's contribution; this is only some of the paths",
        "∂L/∂x = 3·4 = 12 through f = x·y only, instead of 12 + 8·1 = 20 through f and g = x + 1 (L = f·g)",
        sites.missing_path,  # a network's; a computation graph's is `tutor.checking.graphcheck`'s
        site=True,
    ),
    Mistake(
        "adam-no-bias-correction",
        "Adam divides m and v by 1 − βᵗ (bias correction) before the step; this leaves that out",
        "Adam step 1, 0.05/0.10 network: w5 ← 0.4 − 0.5·0.008217/(√0.00000675 + ε) = −1.1811 "
        "instead of 0.4 − 0.5·0.08217/(√0.00675 + ε) = −0.1 (m̂ = m/(1 − 0.9), v̂ = v/(1 − 0.999))",
        _bias_correction,
    ),
    Mistake(
        "momentum-state-reset",
        "the optimizer's state (velocity, m, v, s) carries over from the step before; this started it from zero again",
        "momentum β = 0.5, step 2 of the ReLU exercise: w13.velocity = 0 + 0 = 0 instead of 0.5·20 + 0 = 10",
        _state_reset,
    ),
    Mistake(
        "missing-local-derivative",
        "the upstream gradient without the local derivative: ∂L/∂x = ∂L/∂child · ∂child/∂x",
        "∂L/∂b = ∂L/∂d = −2 instead of ∂L/∂d · ∂d/∂b = (−2) · 2 = −4",
        _graph_only,
    ),
    Mistake(
        "local-derivative-only",
        "that is the local derivative ∂child/∂x; the gradient multiplies it by the upstream ∂L/∂child",
        "∂L/∂b = ∂d/∂b = 2 instead of ∂L/∂d · ∂d/∂b = (−2) · 2 = −4",
        _graph_only,
    ),
    Mistake(
        "forward-value-as-gradient",
        "that is the node's forward value, not its gradient ∂L/∂node",
        "∂L/∂d = d = 2 instead of ∂L/∂d = ∂L/∂e · ∂e/∂d = −2",
        _graph_only,
    ),
    Mistake(
        "l2-factor",
        "the L2 penalty's factor: (λ/2)·Σw² has the gradient λ·w; you used λ·Σw² (2λ·w), or λ/2 in the gradient",
        "∂L/∂w13 = 20 + 2·0.1·2 = 20.4 instead of 20 + 0.1·2 = 20.2 (λ = 0.1, penalty (λ/2)·Σw²)",
        _l2_factor,
    ),
    Mistake(
        "l2-on-bias",
        "the penalty is on the weights only; you put it on the biases too",
        "∂L/∂b1 = data term + λ·b1, where the bias b1 carries no penalty",
        _penalty_on_bias,
    ),
    Mistake(
        "dropout-no-rescale",
        "inverted dropout multiplies each kept output by 1/(1 − p); you applied the mask alone",
        "h1 = 1·0.593 = 0.593 instead of 1·0.593·2 = 1.187 with p = 0.5",
        _no_rescale,
    ),
)
BY_TAG: dict[str, Mistake] = {m.tag: m for m in MISTAKES}
