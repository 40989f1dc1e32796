"""Problem files → Problem: exact numbers, and one ProblemError (file, dotted key, line) per kind of bad input."""

from __future__ import annotations

import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import pytest
from conftest import PROBLEMS

from tutor.errors import ProblemError
from tutor.files.loader import MAX_NEURONS, MAX_PARAMETERS, load_problem, problem_from_data
from tutor.files.numbers import parse_number
from tutor.files.yamlsafe import load_yaml
from tutor.model.problem import Activation, CheckSettings, Connection

# line numbers matter below: 1 title, 2 inputs, 3 neurons, 4 y3, 5 y5, 6 parameters, 7 targets, 8 loss, 9 η
BASE = """\
title: t
inputs: {x1: 1, x2: -1}
neurons:
  y3: {inputs: {x1: w13, x2: w23}, activation: relu}
  y5: {inputs: {y3: w35}, bias: b5, activation: relu}
parameters: {w13: 2, w23: -3, w35: 2, b5: 0}
targets: {y5: 0}
loss: half_sse
learning_rate: 0.1
"""

VALID = """\
title: Everything at once
description: |
  exact numbers, shared and frozen parameters
inputs: {x1: 0.05, x2: "1/3"}
neurons:
  h1: {inputs: {x1: w1, x2: w2}, bias: b, activation: {name: prelu, alpha: 0.1}, net: z1}
  h2: {inputs: {x1: w3}, bias: b, activation: linear}
  y: {inputs: {h1: w5, h2: w6}, activation: elu}
parameters: {w1: 1e-3, w2: -2.5E2, w3: "+3", w5: "-2/5", w6: 7, b: 0.35}
targets: {y: 0.5}
loss: mse
learning_rate: 0.05
steps: 3
frozen: [b]
relu_derivative_at_zero: 1
check: {rtol: 0.01, sigfigs: 3}
vary: {w1: {min: -1, max: 1, step: 0.5}, x2: {choices: [0, 1]}, learning_rate: {choices: [0.1]}}
variant: {id: A, seed: 7}
"""


def write(tmp_path: Path, text: str | bytes, name: str = "p.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_valid_problem_round_trip_is_exact(tmp_path: Path) -> None:
    p = load_problem(write(tmp_path, VALID))
    assert p.inputs == {"x1": Fraction(1, 20), "x2": Fraction(1, 3)}
    assert p.parameters == {
        "w1": Fraction(1, 1000),
        "w2": Fraction(-250),
        "w3": Fraction(3),
        "w5": Fraction(-2, 5),
        "w6": Fraction(7),
        "b": Fraction(7, 20),
    }
    assert all(type(v) is Fraction for v in (*p.inputs.values(), *p.parameters.values()))
    h1 = p.neurons["h1"]
    assert h1.inputs == (Connection("x1", "w1"), Connection("x2", "w2"))
    assert (h1.bias, h1.net_label, h1.activation) == ("b", "z1", Activation("leaky_relu", Fraction(1, 10)))
    assert p.neurons["h2"].activation == Activation("identity")
    assert p.neurons["y"].activation == Activation("elu", Fraction(1))
    assert list(p.neurons) == ["h1", "h2", "y"]
    assert (p.targets, p.loss, p.learning_rate, p.steps) == ({"y": Fraction(1, 2)}, "mse", Fraction(1, 20), 3)
    assert p.frozen == frozenset({"b"}) and p.trainable == ("w1", "w2", "w3", "w5", "w6")
    assert p.relu_derivative_at_zero == 1
    assert p.check == CheckSettings(rtol=0.01, sigfigs=3)
    assert p.vary == {
        "w1": {"min": -1, "max": 1, "step": Fraction(1, 2)},
        "x2": {"choices": [0, 1]},
        "learning_rate": {"choices": [Fraction(1, 10)]},
    }
    assert p.variant == {"id": "A", "seed": 7}
    assert (p.title, p.description.strip(), p.source) == (
        "Everything at once",
        VALID.split("\n")[2].strip(),
        str(tmp_path / "p.yaml"),
    )


def test_defaults(tmp_path: Path) -> None:
    p = load_problem(write(tmp_path, BASE))
    assert (p.steps, p.frozen, p.relu_derivative_at_zero, p.check, p.vary) == (1, frozenset(), 0, CheckSettings(), None)
    assert p.neurons["y3"].bias is None and p.neurons["y3"].net_label is None


def test_problem_from_data_without_lines() -> None:
    data, _ = load_yaml(BASE, file="x")
    p = problem_from_data(data, file="mem")
    assert p.source == "mem" and p.parameters["w13"] == 2
    with pytest.raises(ProblemError) as err:
        problem_from_data({**data, "loss": "logcosh"}, file="mem")
    assert (err.value.key, err.value.line, err.value.file) == ("loss", None, "mem")


@pytest.mark.parametrize("path", sorted(PROBLEMS.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_problems_load_and_say_where_they_come_from(path: Path) -> None:
    from tutor.engines.solver import load_any  # computation graphs (graph:) are not networks

    load_any(path)
    assert path.read_text(encoding="utf-8").startswith("# Seed 00")


def test_loading_does_not_import_sympy() -> None:
    code = "import sys, tutor.files.loader; print(sorted(m for m in ('sympy', 'numpy', 'rich') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def edit(*pairs: str) -> str:
    """BASE with (old, new) replacements; each `old` must occur."""
    text = BASE
    for old, new in zip(pairs[::2], pairs[1::2], strict=True):
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


SOFTMAX2 = edit(
    "  y5: {inputs: {y3: w35}, bias: b5, activation: relu}",
    "  y5: {inputs: {y3: w35}, bias: b5, activation: softmax}\n  y6: {inputs: {y3: w36}, activation: softmax}",
    "w35: 2,",
    "w35: 2, w36: 1,",
    "targets: {y5: 0}",
    "targets: {y5: 0.5, y6: 0.25}",
)  # targets now on line 8, loss on line 9

BAD = [  # id, file text, dotted key (None: the whole file), line, a fragment of the message
    ("unknown-top-key", BASE + "colour: 3\n", "colour", 10, "unknown key 'colour'; valid keys: title,"),
    ("unknown-top-key-hint", BASE + "learning_rat: 1\n", "learning_rat", 10, "did you mean 'learning_rate'"),
    ("graph-with-network", BASE + "graph: {}\n", "graph", 10, "a computation graph (graph:) is a problem of its own"),
    ("missing-top-key", edit("loss: half_sse\n", ""), None, None, "missing key 'loss'"),
    ("unknown-neuron-key", edit("w23}, activation", "w23}, activaton"), "neurons.y3.activaton", 4, "unknown key"),
    ("missing-activation", edit(", activation: relu}\n  y5", "}\n  y5"), "neurons.y3", 4, "missing key 'activation'"),
    ("neuron-not-mapping", edit("{inputs: {x1: w13, x2: w23}, activation: relu}", "relu"), "neurons.y3", 4, "mapping"),
    (
        "unknown-activation",
        edit("activation: relu}\n  y5", "activation: rectifier}\n  y5"),
        "neurons.y3.activation",
        4,
        "unknown activation 'rectifier'; valid: identity, sigmoid",
    ),
    (
        "alpha-on-relu",
        edit("activation: relu}\n  y5", "activation: {name: relu, alpha: 0.1}}\n  y5"),
        "neurons.y3.activation.alpha",
        4,
        "relu takes no alpha",
    ),
    ("unknown-loss", edit("half_sse", "logcosh"), "loss", 8, "unknown loss 'logcosh'; valid: half_sse, sse, mse, bce"),
    (
        "weight-is-number",
        edit("x1: w13", "x1: 0.5"),
        "neurons.y3.inputs.x1",
        4,
        "found the number 0.5 where a parameter name belongs",
    ),
    ("undefined-parameter", edit("x2: w23", "x2: w99"), "neurons.y3.inputs.x2", 4, "undefined parameter 'w99'"),
    ("undefined-bias", edit("bias: b5", "bias: b9"), "neurons.y5.bias", 5, "undefined parameter 'b9'"),
    ("undefined-source", edit("{x1: w13, x2", "{x9: w13, x2"), "neurons.y3.inputs.x9", 4, "unknown source 'x9'"),
    ("undefined-frozen", BASE + "frozen: [w13, b9]\n", "frozen[1]", 10, "cannot freeze 'b9'"),
    ("frozen-not-list", BASE + "frozen: {b5: 1}\n", "frozen", 10, "expected a list of parameter names"),
    ("cycle", edit("x2: w23}", "y5: w23}"), "neurons.y3", 4, "cycle: y3 → y5 → y3"),
    ("self-loop", edit("{y3: w35}", "{y3: w35, y5: w23}"), "neurons.y5", 5, "cycle: y5 → y5"),
    ("input-and-neuron", edit("x2: -1}", "x2: -1, y3: 0}"), "neurons.y3", 4, "'y3' is both an input and a neuron"),
    ("parameter-and-node", edit("b5: 0}", "b5: 0, x1: 1}"), "parameters.x1", 6, "both an input and a parameter"),
    (
        "net-label-clash",
        edit("activation: relu}\n", "activation: relu, net: w13}\n"),
        "neurons.y3.net",
        4,
        "'w13' is both a parameter and the net label of y3",
    ),
    ("nan", edit("w13: 2", "w13: .nan"), "parameters.w13", 6, "expected a finite number, found .nan"),
    ("inf-input", edit("x1: 1", "x1: -.inf"), "inputs.x1", 2, "finite"),
    ("not-numeric", edit("w13: 2", "w13: two"), "parameters.w13", 6, "not a number: 'two'"),
    ("bool", edit("x1: 1", "x1: yes"), "inputs.x1", 2, "expected a number, found true"),
    ("null", edit("w13: 2", "w13: null"), "parameters.w13", 6, "missing value"),
    ("hex", edit("w13: 2", "w13: 0x1f"), "parameters.w13", 6, "not a number: '0x1f'"),
    ("target-unknown", edit("{y5: 0}", "{y5: 0, y9: 1}"), "targets.y9", 7, "unknown neuron 'y9'"),
    ("target-on-input", edit("{y5: 0}", "{y5: 0, x1: 1}"), "targets.x1", 7, "'x1' is an input"),
    (
        "bce-target-range",
        edit("activation: relu}\nparam", "activation: sigmoid}\nparam", "half_sse", "bce", "{y5: 0}", "{y5: 2}"),
        "targets.y5",
        7,
        "between 0 and 1, found 2",
    ),
    ("bce-not-sigmoid", edit("half_sse", "bce"), "neurons.y5.activation", 5, "bce needs sigmoid outputs"),
    ("ce-not-softmax", edit("half_sse", "cross_entropy"), "neurons.y5.activation", 5, "needs softmax outputs"),
    ("ce-targets-sum", SOFTMAX2.replace("half_sse", "cross_entropy"), "targets", 8, "must sum to 1"),
    (
        "softmax-not-output",
        edit("activation: relu}\n  y5", "activation: softmax}\n  y5"),
        "neurons.y3.activation",
        4,
        "softmax on 'y3', which is not an output",
    ),
    (
        "single-softmax",
        edit("activation: relu}\nparam", "activation: softmax}\nparam"),
        "neurons.y5",
        5,
        "a single softmax neuron",
    ),
    ("learning-rate-zero", edit("0.1", "0"), "learning_rate", 9, "must be positive"),
    ("learning-rate-negative", edit("0.1", "-1/10"), "learning_rate", 9, "must be positive"),
    ("steps-zero", BASE + "steps: 0\n", "steps", 10, "between 1 and 1000"),
    ("steps-too-many", BASE + "steps: 1001\n", "steps", 10, "between 1 and 1000"),
    ("steps-fraction", BASE + "steps: 2.5\n", "steps", 10, "expected a whole number"),
    (
        "unused-neuron",
        edit("parameters:", "  y4: {inputs: {x1: w13}, activation: relu}\nparameters:"),
        "neurons.y4",
        6,
        "neuron 'y4' is not used",
    ),
    ("unused-parameter", edit("b5: 0}", "b5: 0, w99: 1}"), "parameters.w99", 6, "'w99' is defined but no neuron"),
    (
        "no-inputs-no-bias",
        edit("{inputs: {x1: w13, x2: w23}, activation: relu}", "{activation: relu}"),
        "neurons.y3",
        4,
        "no inputs and no bias",
    ),
    ("bad-name", edit("x2: -1}", "x-2: -1}"), "inputs.x-2", 2, "invalid name 'x-2'"),
    ("name-starts-digit", edit("x2: w23", "x2: 3w"), "neurons.y3.inputs.x2", 4, "invalid name '3w'"),
    ("name-too-long", edit("x2: -1}", "x" + "2" * 32 + ": -1}"), "inputs.x" + "2" * 32, 2, "too long"),
    ("reserved-loss", edit("y3", "loss"), "neurons.loss", 4, "'loss' is reserved"),
    ("reserved-step", edit("b5", "step2"), "neurons.y5.bias", 5, "'step2' is reserved"),
    ("relu-at-zero", BASE + "relu_derivative_at_zero: 0.5\n", "relu_derivative_at_zero", 10, "must be 0 or 1"),
    ("check-key", BASE + "check: {rtl: 0.1}\n", "check.rtl", 10, "unknown key 'rtl'"),
    ("check-negative", BASE + "check:\n  atol: -1\n", "check.atol", 11, "at least 0"),
    ("vary-unknown", BASE + "vary: {w99: {choices: [1]}}\n", "vary.w99", 10, "cannot vary 'w99'"),
    ("vary-range", BASE + "vary:\n  w13: {min: 3, max: 1, step: 1}\n", "vary.w13.max", 11, "min is greater"),
    ("vary-choices", BASE + "vary:\n  w13: {choices: []}\n", "vary.w13.choices", 11, "non-empty list"),
    ("title-not-text", edit("title: t", "title: [a]"), "title", 1, "expected text"),
    ("duplicate-key", BASE + "loss: sse\n", "loss", 10, "duplicate key 'loss' (first at line 8)"),
    ("duplicate-nested", edit("{x1: w13, x2: w23}", "{x1: w13, x1: w23}"), "neurons.y3.inputs.x1", 4, "duplicate"),
    (
        "python-tag",
        edit("x1: 1", "x1: !!python/object/apply:os.system ['echo hi']"),
        "inputs.x1",
        2,
        "YAML tag !!python/object/apply:os.system is not allowed",
    ),
    ("custom-tag", edit("w13: 2", "w13: !foo 2"), "parameters.w13", 6, "YAML tag !foo"),
    ("alias-in-own-anchor", BASE + "variant: &a [*a]\n", None, 10, "alias *a refers to no complete anchor"),
    ("merge-key", BASE + "check: {<<: {rtol: 1}}\n", "check", 10, "merge keys (<<) are not supported"),
    ("syntax-error", edit("{y5: 0}", "{y5: 0"), None, 8, "YAML syntax error"),
    ("syntax-indent", edit("loss: half_sse", "loss: half_sse\n  extra: 1"), None, 9, "YAML syntax error"),
    ("top-level-list", "- 1\n- 2\n", None, 1, "expected a mapping"),
    ("top-level-scalar", "hello\n", None, 1, "expected a mapping"),
    ("empty", "", None, None, "the file is empty"),
    ("only-comments", "# nothing here\n\n", None, None, "the file is empty"),
    ("deep-nesting", BASE + "variant: " + "[" * 100 + "]" * 100 + "\n", None, 10, "nested more than 64 levels"),
]


@pytest.mark.parametrize(("text", "key", "line", "fragment"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input(tmp_path: Path, text: str, key: str | None, line: int | None, fragment: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ProblemError) as err:
        load_problem(path)
    e = err.value
    assert fragment in e.message
    assert (e.file, e.key, e.line) == (str(path), key, line), str(e)
    where = f"{path}:{line}" if line else str(path)
    assert str(e) == f"{where}: {key}: {e.message}" if key else f"{where}: {e.message}"
    assert e.exit_code == 2 and "\n" not in e.message.strip()


def test_alias_bomb_fails_fast(tmp_path: Path) -> None:
    lol = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    rows = [f"{c}: &{c} [" + ",".join([f"*{p}"] * 9) + "]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)]
    start = time.perf_counter()
    with pytest.raises(ProblemError, match=r"too many values \(more than 250,000, counting what YAML aliases") as err:
        load_problem(write(tmp_path, lol + "".join(rows)))
    assert time.perf_counter() - start < 1 and err.value.line == 6  # f: 9^5 lists of "lol"s


def test_binary_file(tmp_path: Path) -> None:
    with pytest.raises(ProblemError, match="not a text file") as err:
        load_problem(write(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))
    assert err.value.line is None


def test_non_utf8_file(tmp_path: Path) -> None:
    with pytest.raises(ProblemError, match="not a UTF-8 text file") as err:
        load_problem(write(tmp_path, BASE.replace("title: t", "title: caf\xe9").encode("latin-1")))
    assert err.value.line == 1


def test_utf8_bom_is_fine(tmp_path: Path) -> None:
    assert load_problem(write(tmp_path, b"\xef\xbb\xbf" + BASE.encode())).title == "t"


def test_file_too_large(tmp_path: Path) -> None:
    with pytest.raises(ProblemError, match="too large"):
        load_problem(write(tmp_path, BASE + "#" * (2 * 1024 * 1024)))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ProblemError, match="cannot read the file"):
        load_problem(tmp_path / "nope.yaml")


def test_too_many_neurons(tmp_path: Path) -> None:
    extra = "".join(f"  n{i}: {{inputs: {{x1: w13}}, activation: relu}}\n" for i in range(MAX_NEURONS))
    with pytest.raises(ProblemError, match=f"too many neurons \\({MAX_NEURONS + 2}; the limit is {MAX_NEURONS}\\)"):
        load_problem(write(tmp_path, edit("parameters:", extra + "parameters:")))


def test_too_many_parameters(tmp_path: Path) -> None:
    extra = ", ".join(f"p{i}: 1" for i in range(MAX_PARAMETERS))
    with pytest.raises(ProblemError, match=f"too many parameters .*limit is {MAX_PARAMETERS}") as err:
        load_problem(write(tmp_path, edit("b5: 0}", "b5: 0, " + extra + "}")))
    assert (err.value.key, err.value.line) == ("parameters", 6)


def test_line_map_for_nested_keys() -> None:
    data, loc = load_yaml("a:\n  b:\n    - 1\n    - {c: 2}\nno: 1\n", file="f")
    assert data == {"a": {"b": [1, {"c": 2}]}, "no": 1}  # keys stay text: `no` is not false
    assert (loc.line(("a", "b", 1, "c")), loc.line(("a", "b", 0)), loc.line(("no",))) == (4, 3, 5)
    assert loc.line(("a", "zzz")) == 1  # unknown: the nearest known ancestor


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.05", Fraction(1, 20)),
        ("1/3", Fraction(1, 3)),
        ("-2/5", Fraction(-2, 5)),
        ("1e-3", Fraction(1, 1000)),
        ("2.5E2", Fraction(250)),
        ("+3", Fraction(3)),
        (".5", Fraction(1, 2)),
        (7, Fraction(7)),
        (0.1, Fraction(1, 10)),
    ],
)
def test_parse_number_is_exact(value: object, expected: Fraction) -> None:
    assert parse_number(value) == expected


@pytest.mark.parametrize("value", [True, None, "", "nan", "-Infinity", float("inf"), "1/0", "1e999", "0x10", [1], "a"])
def test_parse_number_rejects(value: object) -> None:
    with pytest.raises(ProblemError) as err:
        parse_number(value, file="f.yaml", key="parameters.w1", line=3)
    assert str(err.value).startswith("f.yaml:3: parameters.w1: ")
