"""The matrix form BP1–BP4 under issue 15: BP4 with the penalty's matrix (λW, λ sign W), dropout's mask in a^l and
BP2, and no SGD update under an optimizer; in the terminal, LaTeX (pdflatex), HTML and Markdown.

References: random layer-form networks against the per-weight exact engine and against PyTorch's autograd (data
loss + penalty, the mask applied by hand), and the seed's hand calculation (relu-exercise-l2-layers.yaml)."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import PROBLEMS
from typer.testing import CliRunner

from tutor.cli import app
from tutor.engines.matrixform import LayerBackward, matrix_backward
from tutor.engines.solver import solve_file
from tutor.model.derivation import Derivation

L2_LAYERS = PROBLEMS / "relu-exercise-l2-layers.yaml"
HAVE_TEX = shutil.which("pdflatex") is not None and shutil.which("pdftotext") is not None
needs_tex = pytest.mark.skipif(not HAVE_TEX and not os.environ.get("CI"), reason="pdflatex/pdftotext not installed")
ACTIVATIONS = ("sigmoid", "tanh", "relu", "identity")
HIDDEN = ("h", "g")  # layer names of the hidden layers, then y


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), env={"NO_COLOR": "1", "COLUMNS": "200"})


def random_spec(seed: int, penalty: str | None, dropout: bool) -> dict[str, Any]:
    """A random dense layer-form network: 2–3 inputs, 1–2 hidden layers of 1–3, 1–2 outputs; weights in tenths
    with zeros among them (sign(0) = 0 for L1), random masks."""
    rng = random.Random(seed)
    sizes = [rng.randint(2, 3), *(rng.randint(1, 3) for _ in range(rng.randint(1, 2))), rng.randint(1, 2)]
    names = ["x", *HIDDEN[: len(sizes) - 2], "y"]
    layers = []
    for i in range(1, len(sizes)):
        w = [[rng.choice([0, rng.randint(-9, 9)]) / 10 for _ in range(sizes[i - 1])] for _ in range(sizes[i])]
        act = "identity" if i == len(sizes) - 1 else rng.choice(ACTIVATIONS)
        layers.append(
            {"name": names[i], "activation": act, "weights": w, "biases": [rng.randint(-5, 5) / 10] * sizes[i]}
        )
    spec: dict[str, Any] = {
        "layers": [{"name": "x", "size": sizes[0]}, *layers],
        "inputs": [rng.randint(-9, 9) / 10 for _ in range(sizes[0])],
        "targets": [rng.randint(-9, 9) / 10 for _ in range(sizes[-1])],
        "loss": "half_sse",
        "learning_rate": 0.1,
    }
    if penalty:
        spec["regularization"] = {penalty: rng.choice([0.1, 0.25, 0.5])}
    if dropout:
        hidden = [f"{names[i]}{j + 1}" for i in range(1, len(sizes) - 1) for j in range(sizes[i])]
        spec["dropout"] = {"rate": rng.choice([0.25, 0.5]), "masks": [{n: rng.randint(0, 1) for n in hidden}]}
    return spec


def solved(tmp_path: Path, spec: dict[str, Any]) -> tuple[Derivation, tuple[LayerBackward, ...]]:
    path = tmp_path / "net.yaml"
    path.write_text(json.dumps(spec))  # JSON is YAML
    d = solve_file(path)
    step = d.steps[0]
    params = {u.parameter: u.old for u in step.updates}
    return d, matrix_backward(d.problem, params, step.forward, step.deltas, d.problem.inputs, regularized=True)


def by_layer(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {layer["name"]: layer for layer in spec["layers"][1:]}


def floats(m: Any) -> np.ndarray:
    return (
        np.array([[float(v) for v in row] for row in m]) if isinstance(m[0], tuple) else np.array([float(v) for v in m])
    )


@pytest.mark.parametrize("penalty", ["l2", "l1"])
@pytest.mark.parametrize("seed", range(8))
def test_bp4_with_the_penalty_is_the_per_weight_gradient(tmp_path: Path, seed: int, penalty: str) -> None:
    spec = random_spec(seed, penalty, dropout=seed % 2 == 1)
    d, layers = solved(tmp_path, spec)
    grads = {g.parameter: g for g in d.steps[0].gradients}
    lam = spec["regularization"][penalty]
    for lb in layers:
        w = np.array(by_layer(spec)[lb.layer]["weights"])  # the file's own matrix
        want_term = lam * w if penalty == "l2" else lam * np.sign(w)  # np.sign(0) = 0: the subgradient
        assert lb.penalty is not None and lb.penalty.kind == penalty
        np.testing.assert_allclose(floats(lb.penalty.term), want_term, rtol=0, atol=1e-12)
        outer = np.outer(floats(lb.delta), floats(lb.a_prev))  # BP4's data term, δ (a^{l−1})ᵀ
        np.testing.assert_allclose(floats(lb.grad_weights), outer, rtol=1e-12, atol=1e-15)
        for j, row in enumerate(lb.total_weights, start=1):
            for k, value in enumerate(row, start=1):
                g = grads[f"w{lb.layer}_{j}{k}"]
                assert float(value) == pytest.approx(float(g.value), rel=1e-12, abs=1e-15)
                assert float(lb.grad_weights[j - 1][k - 1]) == pytest.approx(float(g.data_value), rel=1e-12, abs=1e-15)
        for j, value in enumerate(lb.grad_biases or (), start=1):  # BP3: biases get no penalty
            assert grads[f"b{lb.layer}_{j}"].penalty is None and value == grads[f"b{lb.layer}_{j}"].value


@pytest.mark.parametrize("seed", range(8))
def test_dropout_in_bp2_and_a_l_gives_the_engines_deltas(tmp_path: Path, seed: int) -> None:
    spec = random_spec(100 + seed, None, dropout=True)
    d, layers = solved(tmp_path, spec)
    step = d.steps[0]
    delta = {x.neuron: x.value for x in step.deltas}
    forward = {f.neuron: f for f in step.forward}
    mask, rate = spec["dropout"]["masks"][0], spec["dropout"]["rate"]
    for lb in layers:
        nodes = [f"{lb.layer}{j + 1}" for j in range(len(lb.delta))]
        if lb.output:
            assert lb.dropout is None  # dropout is on the hidden layers only
            continue
        assert lb.dropout is not None and list(lb.dropout.mask) == [mask[n] for n in nodes]
        factor = np.array([mask[n] / (1 - rate) for n in nodes])
        np.testing.assert_allclose(floats(lb.dropout.factor), factor, rtol=1e-15)
        act = np.array([float(forward[n].activated) for n in nodes])  # f(z^l), before the mask
        np.testing.assert_allclose(floats(lb.dropout.out), factor * act, rtol=1e-12, atol=1e-15)
        # BP2 from the matrices: ((W^{l+1})ᵀ δ^{l+1}) ⊙ f′(z^l) ⊙ m/(1 − p)
        bp2 = floats(lb.next_weights).T @ floats(lb.next_delta) * floats(lb.derivative) * factor
        np.testing.assert_allclose(bp2, [float(delta[n]) for n in nodes], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(floats(lb.delta), bp2, rtol=1e-12, atol=1e-15)


ACT_TORCH = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "relu"}


@pytest.mark.torch
@pytest.mark.parametrize("penalty", ["l2", "l1"])
@pytest.mark.parametrize("seed", range(6))
def test_matrix_rows_match_pytorch(tmp_path: Path, seed: int, penalty: str) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is an optional test dependency")
    spec = random_spec(200 + seed, penalty, dropout=True)
    _, layers = solved(tmp_path, spec)
    lam, rate = spec["regularization"][penalty], spec["dropout"]["rate"]
    mask = spec["dropout"]["masks"][0]
    a = torch.tensor(spec["inputs"], dtype=torch.float64)
    weights, penalty_sum = {}, torch.tensor(0.0, dtype=torch.float64)
    for layer in spec["layers"][1:]:
        w = torch.tensor(layer["weights"], dtype=torch.float64, requires_grad=True)
        weights[layer["name"]] = w
        z = w @ a + torch.tensor(layer["biases"], dtype=torch.float64)
        act = layer["activation"]
        a = z if act == "identity" else getattr(torch, ACT_TORCH[act])(z)
        if layer["name"] != "y":
            m = torch.tensor([mask[f"{layer['name']}{j + 1}"] for j in range(len(z))], dtype=torch.float64)
            a = m * a / (1 - rate)
        penalty_sum = penalty_sum + (lam / 2 * (w**2).sum() if penalty == "l2" else lam * w.abs().sum())
    t = torch.tensor(spec["targets"], dtype=torch.float64)
    (0.5 * ((t - a) ** 2).sum() + penalty_sum).backward()
    for lb in layers:
        grad = weights[lb.layer].grad
        assert grad is not None
        np.testing.assert_allclose(floats(lb.total_weights), grad.numpy(), rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------- the terminal, by the seed's hand calculation


def matrix_section(output: str) -> str:
    return output[output.index("matrix form (BP1–BP4)") : output.index("\nUpdates")]


def test_terminal_bp4_with_l2_is_the_seeds_numbers() -> None:
    result = invoke("solve", str(L2_LAYERS))
    assert result.exit_code == 0, result.output
    section = matrix_section(result.output)  # seed 000: ∂L/∂w13 = 20 etc., plus λ·w with λ = 0.1
    assert "BP4  ∂C/∂W^h = δ^h (a^x)ᵀ + λ W^h = [20, 0]ᵀ · [1, −1] + 0.1 · [[2, −3], [1, 4]]" in section
    assert "= [[20, −20], [0, 0]] + [[0.2, −0.3], [0.1, 0.4]] = [[20.2, −20.3], [0.1, 0.4]]" in section
    assert "= [[50, 0]] + [[0.2, −0.1]] = [[50.2, −0.1]]" in section
    assert "←" not in section and "η" not in section  # the updates are the Updates section's


def test_terminal_bp4_with_l1_has_sign_zero_at_zero(tmp_path: Path) -> None:
    path = tmp_path / "l1.yaml"
    path.write_text(
        L2_LAYERS.read_text().replace("{l2: 0.1}", "{l1: 0.1}").replace("[[2, -3], [1, 4]]", "[[2, 0], [1, 4]]")
    )
    result = invoke("solve", str(path))
    assert result.exit_code == 0, result.output
    # by hand: x = [1, −1], z^h = [2, −3], a^h = [2, 0], y = 2·2 = 4, δ^y = 4, δ^h = [2·4, 0] = [8, 0]
    section = matrix_section(result.output)
    assert "+ λ sign(W^h) = [8, 0]ᵀ · [1, −1] + 0.1 · sign([[2, 0], [1, 4]])" in section
    assert "= [[8, −8], [0, 0]] + [[0.1, 0], [0.1, 0.1]] = [[8.1, −8], [0.1, 0.1]]" in section
    per_weight = result.output[: result.output.index("matrix form")]
    assert "∂L/∂wh_12 = data term + λ · sign(wh_12) = −8 + 0.1 · sign(0) = −8" in per_weight


DROPOUT_LAYERS = """\
layers:
  - {name: x, size: 2}
  - {name: h, activation: sigmoid, weights: [[0.15, 0.20], [0.25, 0.30]], biases: [0.35, 0.35]}
  - {name: o, activation: sigmoid, weights: [[0.40, 0.45], [0.50, 0.55]], biases: [0.60, 0.60]}
inputs: [0.05, 0.10]
targets: [0.01, 0.99]
loss: half_sse
learning_rate: 0.5
dropout: {rate: 0.5, masks: [{h1: 1, h2: 0}]}
"""


def test_terminal_dropout_agrees_with_the_neuron_form(tmp_path: Path) -> None:
    path = tmp_path / "drop.yaml"
    path.write_text(DROPOUT_LAYERS)
    result = invoke("solve", str(path))
    assert result.exit_code == 0, result.output
    section = matrix_section(result.output)
    neuron = json.loads(invoke("solve", str(PROBLEMS / "sigmoid-0.05-0.10-dropout.yaml"), "--format", "json").output)
    step = neuron["steps"][0]  # the same network in the neuron form (h1 kept and doubled, h2 dropped)
    h1 = step["forward"]["h1"]["out"]
    assert "a^h = (m^h ⊙ σ(z^h))/(1 − p) = ([1, 0]ᵀ ⊙ [" in section and f"]ᵀ)/(1 − 0.5) = [{h1:.6g}, 0]ᵀ" in section
    assert "BP2  δ^h = ((W^o)ᵀ δ^o) ⊙ σ′(z^h) ⊙ m^h/(1 − p) = (" in section
    assert f"⊙ [2, 0]ᵀ = [{step['deltas']['h1']:.6g}, 0]ᵀ" in section


def test_optimizer_matrix_form_has_no_sgd_update(tmp_path: Path) -> None:
    path = tmp_path / "adam.yaml"
    path.write_text(L2_LAYERS.read_text() + "optimizer: adam\n")
    result = invoke("solve", str(path))
    assert result.exit_code == 0, result.output
    section = matrix_section(result.output)
    assert "W^h −" not in section and "η" not in section and "←" not in section
    assert "(the update puts these gradients into Adam's rule, weight by weight: see Updates)" in section
    assert "into" not in matrix_section(invoke("solve", str(L2_LAYERS)).output)  # SGD: no note
    latex = invoke("solve", str(path), "--format", "latex").output
    matrix = latex[latex.index("matrix form (BP1--BP4)") : latex.index("Gradients by the chain rule")]
    assert r"\eta" not in matrix and r"\leftarrow" not in matrix and "into Adam's rule" in matrix


def test_a_batch_example_takes_no_penalty(tmp_path: Path) -> None:
    """A data set's batch takes the penalty once, after its reduction: each example's BP4 is its data term."""
    path = tmp_path / "data.yaml"
    head = L2_LAYERS.read_text().split("inputs:")[0]
    path.write_text(
        head + "data:\n  - {inputs: [1, -1], targets: [0]}\n  - {inputs: [0, 1], targets: [1]}\n"
        "loss: half_sse\nlearning_rate: 0.1\nregularization: {l2: 0.1}\n"
    )
    text = invoke("solve", str(path)).output
    assert "BP4  ∂C/∂W^h = δ^h (a^x)ᵀ = [20, 0]ᵀ · [1, −1] = [[20, −20], [0, 0]]" in text and "λ W^h" not in text
    latex = invoke("solve", str(path), "--format", "latex").output
    assert r"+ \lambda W^{h}" not in latex and "With the penalty BP4" not in latex


# ---------------------------------------------------------------- LaTeX, PDF, HTML, Markdown


def test_latex_bp4_rows_with_the_penalty() -> None:
    latex = invoke("solve", str(L2_LAYERS), "--format", "latex").output
    bm = r"\begin{bmatrix}"
    assert r"\frac{\partial L}{\partial W^{h}} &= \delta^{h} (a^{x})^{\top} + \lambda W^{h} & &\text{(BP4)} \\" in latex
    assert (
        rf"&= {bm}20 & -20 \\ 0 & 0\end{{bmatrix}} + {bm}0.2 & -0.3 \\ 0.1 & 0.4\end{{bmatrix}} \\" + "\n"
        rf"&= {bm}20.2 & -20.3 \\ 0.1 & 0.4\end{{bmatrix}}"
    ) in latex
    assert r"(a^{l-1})^{\top} + \lambda W^{l}$ (the biases have none)." in latex


def test_latex_dropout_rows(tmp_path: Path) -> None:
    path = tmp_path / "drop.yaml"
    path.write_text(DROPOUT_LAYERS)
    latex = invoke("solve", str(path), "--format", "latex").output
    assert r"a^{h} &= \bigl(m^{h} \odot \sigma(z^{h})\bigr) / (1 - p)" in latex
    assert r"\odot \sigma'(z^{h}) \odot \frac{m^{h}}{1 - p} & &\text{(BP2)}" in latex
    assert r"\odot \begin{bmatrix}2 \\ 0\end{bmatrix}" in latex


@pytest.mark.latex
@needs_tex
@pytest.mark.parametrize("kind", ["l2", "l1", "dropout"])
def test_pdf_compiles_and_reads_back_into_html_and_markdown(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"{kind}.yaml"
    text = DROPOUT_LAYERS if kind == "dropout" else L2_LAYERS.read_text().replace("l2:", f"{kind}:")
    path.write_text(text)
    tex = tmp_path / "doc.tex"
    result = invoke("solve", str(path), "--format", "latex", "-o", str(tex), "--pdf")
    assert result.exit_code == 0, result.output
    pdf = subprocess.run(["pdftotext", str(tex.with_suffix(".pdf")), "-"], capture_output=True, check=True).stdout
    pdf = pdf.decode("utf-8")
    assert "matrix form (BP1–BP4)" in pdf
    words = {"l2": ["biases have none", "20.2"], "l1": ["biases have none", "20.1"], "dropout": ["Dropout multiplies"]}
    assert all(w in pdf for w in words[kind]), pdf
    html = tmp_path / "doc.html"
    assert invoke("solve", str(path), "--format", "html", "-o", str(html)).exit_code == 0
    page = html.read_text(encoding="utf-8")
    assert "matrix form (BP1–BP4)" in page and "<mtable" in page
    if kind == "l1":
        assert "sign" in page
    md = invoke("solve", str(path), "--format", "markdown")
    assert md.exit_code == 0 and r"\text{(BP4)}" in md.output
