"""Convolution and max-pooling layers (issue 16): the d2l.ai worked example, place-name keys, the compact views,
answers/check on conv keys, LaTeX and HTML, bad input."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import PROBLEMS
from typer.testing import CliRunner

from tutor.cli import app
from tutor.engines.convform import ConvLayer, PoolLayer, map_layers
from tutor.engines.solver import solve_file
from tutor.model.keys import parse_key
from tutor.render.latexfmt import name as tex_name

D2L = PROBLEMS / "d2l-conv-pool.yaml"
HAVE_TEX = shutil.which("pdflatex") is not None and shutil.which("pdftotext") is not None
needs_tex = pytest.mark.skipif(not HAVE_TEX and not os.environ.get("CI"), reason="pdflatex/pdftotext not installed")


def invoke(*args: str) -> object:
    return CliRunner().invoke(app, list(args), env={"NO_COLOR": "1", "COLUMNS": "200"})


def solve_json(path: Path) -> dict:
    result = invoke("solve", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["steps"][0]


# ---------------------------------------------------------------- the published example
def test_d2l_multichannel_correlation_and_pooling() -> None:
    step = solve_json(D2L)
    # d2l.ai 7.4 prints corr2d_multi_in(X, K) = [[56, 72], [104, 120]]; the 2×2 max pool keeps 120
    assert step["layer_outputs"]["c"] == [[[56, 72], [104, 120]]]
    assert step["layer_outputs"]["p"] == [[[120]]]
    # by hand: y = 0.01·120 = 1.2, δ_y = y − t = 0.2, δ_p = 0.01·0.2 = 0.002 routed to c[0][1][1] alone
    assert step["deltas"]["p[0][0][0]"] == pytest.approx(0.002)
    assert step["deltas"]["c[0][1][1]"] == pytest.approx(0.002)
    assert step["deltas"]["c[0][0][0]"] == step["deltas"]["c[0][1][0]"] == 0
    # ∂L/∂K = 0.002 · the winner's window, X[:, 1:3, 1:3] = [[4, 5], [7, 8]] and [[5, 6], [8, 9]]
    grads = step["layer_gradients"]["c"]["kernels"][0]
    assert grads == [
        [[pytest.approx(0.002 * v) for v in row] for row in m] for m in ([[4, 5], [7, 8]], [[5, 6], [8, 9]])
    ]
    assert step["layer_gradients"]["y"]["weights"] == [[pytest.approx(0.2 * 120)]]
    assert step["layer_updated"]["y"]["weights"] == [[pytest.approx(0.01 - 0.001 * 24)]]


def test_d2l_max_pooling_of_arange_9(tmp_path: Path) -> None:
    path = tmp_path / "pool.yaml"
    path.write_text(
        "layers:\n  - {name: x, shape: [1, 3, 3]}\n  - {name: p, type: maxpool2d, size: 2, stride: 1}\n"
        "  - {name: y, activation: identity, weights: [[1, 1, 1, 1]]}\n"
        "inputs: [[[0, 1, 2], [3, 4, 5], [6, 7, 8]]]\ntargets: [0]\nloss: half_sse\nlearning_rate: 0.1\n"
    )
    step = solve_json(path)
    assert step["layer_outputs"]["p"] == [[[4, 5], [7, 8]]]  # d2l.ai 7.5: pool2d(X, (2, 2)) = [[4, 5], [7, 8]]
    # y = 24, δ = 24 to each window's winner; x[0][1][1] = 4 wins one window: ∂L/∂x there is 24
    result = invoke("solve", str(path), "--format", "json", "--input-gradients")
    grads = json.loads(result.output)["steps"][0]["input_gradients"]
    assert grads["x[0][1][1]"] == 24 and grads["x[0][2][2]"] == 24 and grads["x[0][0][0]"] == 0


def test_a_tie_goes_to_the_first_maximum_in_row_major_order(tmp_path: Path) -> None:
    path = tmp_path / "tie.yaml"
    path.write_text(
        "layers:\n  - {name: x, shape: [1, 2, 2]}\n  - {name: p, type: maxpool2d, size: 2}\n"
        "  - {name: y, activation: identity, weights: [[1]]}\n"
        "inputs: [[[1, 3], [3, 2]]]\ntargets: [0]\nloss: half_sse\nlearning_rate: 0.1\n"
    )
    result = invoke("solve", str(path), "--format", "json", "--input-gradients")
    grads = json.loads(result.output)["steps"][0]["input_gradients"]
    assert grads == {"x[0][0][0]": 0, "x[0][0][1]": 3, "x[0][1][0]": 0, "x[0][1][1]": 0}  # as torch's max_pool2d


# ---------------------------------------------------------------- names and keys
@pytest.mark.parametrize(
    "key,subject,quantity",
    [
        ("c.kernels[0][0][1][0].grad", "c.kernels[0][0][1][0]", "grad"),
        ("c[0][1][2].out", "c[0][1][2]", "out"),
        ("step2.c.biases[0].new", "c.biases[0]", "new"),
        ("h@t2.out", "h@t2", "out"),
        ("h@t2[1].delta", "h@t2[1]", "delta"),
        ("y.weights[0][3].grad", "y.weights[0][3]", "grad"),
    ],
)
def test_place_names_parse_with_the_quantity_after_the_last_dot(key: str, subject: str, quantity: str) -> None:
    parsed = parse_key(key)
    assert parsed is not None and (parsed.subject, parsed.quantity) == (subject, quantity) and str(parsed) == key


@pytest.mark.parametrize("key", ["c.kernels.grad", "c[0].kernels[0].grad", "c[a].out", "w13.foo.grad", "c[0]"])
def test_malformed_place_names_are_no_keys(key: str) -> None:
    assert parse_key(key) is None


def test_latex_symbols_of_place_names() -> None:
    # one scheme for every name by place (tutor.render.placenames), braced whole: a formula may square it
    assert tex_name("c[0][1][2]") == "{c_{0,1,2}}"
    assert tex_name("c.kernels[0][0][1][0]") == "{K^{[c]}_{0,0,1,0}}"
    assert tex_name("h.recurrent_weights[0][0]") == "{W^{[h]}_{h;0,0}}"
    assert tex_name("x_1[0]") == "{{x_{1}}_{0}}"  # never a double subscript
    assert tex_name("∂p[0][0]/∂c[0][1]") == r"\frac{\partial p_{0,0}}{\partial c_{0,1}}"


# ---------------------------------------------------------------- the compact form
def test_compact_form_agrees_with_the_neuron_form() -> None:
    d = solve_file(D2L)
    step, p = d.steps[0], d.problem
    params = {u.parameter: u.old for u in step.updates}
    conv, pool = map_layers(p, params, step.forward, step.deltas, p.inputs)
    assert isinstance(conv, ConvLayer) and isinstance(pool, PoolLayer)
    grads = {g.parameter: g.value for g in step.gradients}
    for i in range(2):
        for r in range(2):
            for q in range(2):
                assert conv.grad_kernels[0][i][r][q] == grads[f"c.kernels[0][{i}][{r}][{q}]"]
    assert pool.winners == (((((1, 1),),),))
    assert pool.routed[0] == conv.delta[0]  # the pooled δ routed back is the conv's δ (identity activation)


def test_terminal_shows_the_maps() -> None:
    result = invoke("solve", str(D2L))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Convolution and pooling layers, map by map" in out
    assert "X̃ ⋆ D[0]: the correlation of the padded input with the δ map" in out
    assert "[120]" in out  # the winner in brackets
    assert "p[0][0][0] = zp[0][0][0] = 120" in out and "max(c[0][0][0], c[0][0][1], c[0][1][0], c[0][1][1])" in out


def test_padding_is_drawn(tmp_path: Path) -> None:
    path = tmp_path / "pad.yaml"
    path.write_text(
        "layers:\n  - {name: x, shape: [1, 2, 2]}\n"
        "  - {name: c, type: conv2d, kernels: [[[[1, 2], [3, 4]]]], padding: 1, stride: 2, activation: identity}\n"
        "  - {name: y, activation: identity, weights: [[1, 1, 1, 1]]}\n"
        "inputs: [[[1, 2], [3, 4]]]\ntargets: [0]\nloss: half_sse\nlearning_rate: 0.1\n"
    )
    result = invoke("solve", str(path))
    assert result.exit_code == 0, result.output
    assert "·  ·  ·  ·" in result.output  # the padded border
    # with padding 1 and stride 2, each output sees one input (the kernel's far corner): 4·1, 3·2, 2·3, 1·4
    assert json.loads(invoke("solve", str(path), "--format", "json").output)["steps"][0]["layer_outputs"]["c"] == [
        [[4, 6], [6, 4]]
    ]


def test_answers_and_check_on_conv_keys(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("c.kernels[0][0][1][1].grad: 0.016\np[0][0][0].out: 104\nc[0][1][1].delta: 2/1000\n")
    result = invoke("check", str(D2L), str(answers), "--format", "json")
    assert result.exit_code == 1, result.output  # one answer is wrong
    verdicts = {i["key"]: i["verdict"] for i in json.loads(result.output)["items"] if i["verdict"] != "unanswered"}
    assert verdicts == {
        "c.kernels[0][0][1][1].grad": "correct",
        "p[0][0][0].out": "incorrect",
        "c[0][1][1].delta": "correct",
    }
    key = invoke("answers", str(D2L))
    assert key.exit_code == 0 and "c.kernels[0][1][1][1].grad: 0.018" in key.output


# ---------------------------------------------------------------- LaTeX and HTML
@needs_tex
@pytest.mark.latex
def test_latex_compiles_and_shows_the_maps(tmp_path: Path) -> None:
    tex = tmp_path / "conv.tex"
    result = invoke("solve", str(D2L), "--format", "latex", "-o", str(tex), "--pdf")
    assert result.exit_code == 0, result.output
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "conv.pdf"), "-"], capture_output=True, check=True
    ).stdout.decode()
    assert "Convolution and pooling, map by map" in text and "maxpool2d" in text
    assert r"\hat{120}" in tex.read_text() and r"\star" in tex.read_text()


def test_html_renders_the_maps(tmp_path: Path) -> None:
    page = tmp_path / "conv.html"
    result = invoke("solve", str(D2L), "--format", "html", "-o", str(page))
    assert result.exit_code == 0, result.output
    html = page.read_text()
    assert "Convolution and pooling, map by map" in html and "<math" in html and "⋆" in html
    assert "<svg" in html and "p: maxpool2d" in html and "kernels 1×2×2×2" in html  # a box per layer, no neurons


# ---------------------------------------------------------------- bad input
X = "layers:\n  - {name: x, shape: [1, 3, 3]}\n"
TAIL = "inputs: [[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]\ntargets: [0]\nloss: half_sse\nlearning_rate: 0.1\n"
DENSE = "  - {name: y, activation: identity, weights: [[1, 1, 1, 1]]}\n"
BAD = [
    (
        X
        + "  - {name: c, type: conv2d, kernels: [[[[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]]]]}\n"
        + DENSE,
        "layers[1].kernels",
        "larger than the padded input (3 + 2·0 = 3)",
    ),
    (
        X + "  - {name: c, type: conv2d, kernels: [[[[1, 1], [1, 1]]]], stride: 0}\n" + DENSE,
        "layers[1].stride",
        "at least 1",
    ),
    (
        X
        + "  - {name: c, type: conv2d, kernels: [[[[1, 1], [1, 1]]]], activation: relu}\n"
        + "  - {name: y, activation: relu, weights: [[1, 1, 1]]}\n",
        "layers[2].weights",
        "the flattened map c (1×2×2 = 4) needs 4",
    ),
    (X + "  - {name: c, type: conv2d, kernels: [[[[1, 1], [1]]]]}\n" + DENSE, "layers[1].kernels[0][0][1]", "ragged"),
    (
        X + "  - {name: c, type: conv2d, kernels: [[[1, 1], [1, 1]]]}\n" + DENSE,
        "layers[1].kernels[0][0][0]",
        "not nested deep enough",
    ),
    (
        X + "  - {name: c, type: conv2d, kernels: [[[[1, 1], [1, 1]]], [[[1, 1], [1, 1]]]], biases: [0]}\n" + DENSE,
        "layers[1].biases",
        "expected 2 biases",
    ),
    (
        X + "  - {name: c, type: conv2d, kernels: [[[[1, 1], [1, 1]], [[1, 1], [1, 1]]]]}\n" + DENSE,
        "layers[1].kernels",
        "2 input channels; x has 1",
    ),
    (
        X + "  - {name: c, type: conv1d, kernels: [[[1, 1]]]}\n" + DENSE,
        "layers[1].type",
        "conv1d needs a [channels, length]",
    ),
    (X + "  - {name: p, type: maxpool2d, size: 4}\n" + DENSE, "layers[1].size", "larger than the padded input"),
    (X + "  - {name: p, type: maxpool3d, size: 2}\n" + DENSE, "layers[1].type", "unknown layer type"),
    (
        X + "  - {name: zp, type: maxpool2d, size: 2}\n  - {name: p, type: maxpool2d, size: 1}\n"
        "  - {name: y, activation: relu, weights: [[1]]}\n",
        "layers",
        "two layers generate the name 'zp[0][0][0]'",
    ),
    (X + '  - {name: "p[0]", type: maxpool2d, size: 2}\n' + DENSE, "layers[1].name", "each layer needs a name"),
]


@pytest.mark.parametrize("layers,key,words", BAD)
def test_bad_maps_are_exit_2_with_file_key_line_and_sizes(tmp_path: Path, layers: str, key: str, words: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(layers + TAIL)
    result = invoke("solve", str(path))
    assert result.exit_code == 2, result.output
    assert f"{path}:" in result.output and f" {key}:" in result.output and words in result.output, result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "inputs,key",
    [("[[[1, 2, 3], [4, 5], [7, 8, 9]]]", "inputs[0][1]"), ("[[1, 2, 3], [4, 5, 6], [7, 8, 9]]", "inputs[0][0]")],
)
def test_ragged_or_flat_inputs_are_exit_2(tmp_path: Path, inputs: str, key: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        X
        + "  - {name: p, type: maxpool2d, size: 3}\n  - {name: y, activation: relu, weights: [[1]]}\n"
        + TAIL.replace("[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]", inputs)
    )
    result = invoke("solve", str(path))
    assert result.exit_code == 2 and f" {key}:" in result.output, result.output


# ---------------------------------------------------------------- the neuron form
def test_neuron_form_max_pooling_and_its_drawing(tmp_path: Path) -> None:
    path = tmp_path / "nf.yaml"
    path.write_text(
        "inputs: {x1: 1, x2: 3, x3: 3}\nneurons:\n  p: {max: [x1, x2, x3]}\n"
        "  y: {inputs: {p: w}, activation: identity}\n"
        "parameters: {w: 2}\ntargets: {y: 0}\nloss: half_sse\nlearning_rate: 0.1\n"
    )
    result = invoke("solve", str(path), "--format", "json", "--input-gradients")
    step = json.loads(result.output)["steps"][0]
    # y = 2·max(1, 3, 3) = 6, ∂L/∂y = 6, ∂L/∂p = 12: all to x2, the first of the two maxima
    assert step["forward"]["p"] == {"net": 3, "out": 3} and step["input_gradients"] == {"x1": 0, "x2": 12, "x3": 0}
    assert "net_p = max(x1, x2, x3) = max(1, 3, 3) = 3" in invoke("solve", str(path)).output
    page = tmp_path / "nf.html"
    assert invoke("solve", str(path), "--format", "html", "-o", str(page)).exit_code == 0
    assert ">max<" in page.read_text()  # the pooling edges are labelled max in the drawing


def test_bad_neuron_form_max(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "inputs: {x1: 1}\nneurons:\n  p: {max: x1, activation: relu}\n  y: {inputs: {p: w}, activation: identity}\n"
        "parameters: {w: 2}\ntargets: {y: 0}\nloss: half_sse\nlearning_rate: 0.1\n"
    )
    result = invoke("solve", str(path))
    assert result.exit_code == 2 and "neurons.p.activation" in result.output, result.output
