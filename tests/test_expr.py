"""The safe expression grammar: parsing, printing, float and SymPy evaluation, limits."""

from __future__ import annotations

import math
import re
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import pytest
import sympy
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tutor.maths.expr import (
    CONSTANTS,
    MAX_DEPTH,
    Binary,
    Call,
    Const,
    ExprError,
    Name,
    Node,
    Num,
    Unary,
    evaluate,
    format_number,
    free_names,
    parse,
    to_sympy,
    to_text,
    walk,
)

GRAPH_NAMES = {"a", "b", "c", "d", "e", "w", "x"}


def exact(text: str, names: set[str] | None = None) -> sympy.Expr:
    return to_sympy(parse(text, names=names))


@pytest.mark.parametrize(
    ("text", "canonical", "value"),
    [
        ("5", "5", 5),
        ("-1/3", "-1/3", Fraction(-1, 3)),
        ("1e-3", "0.001", Fraction(1, 1000)),
        ("2.5E+2", "250", 250),
        (".5", "0.5", Fraction(1, 2)),
        ("2 - 0.1*20", "2 - 0.1*20", 0),
        ("0.5*(10-0)^2", "0.5*(10 - 0)^2", 50),
        ("1 + 2*3", "1 + 2*3", 7),
        ("(1 + 2)*3", "(1 + 2)*3", 9),
        ("8/4/2", "8/4/2", 1),
        ("8/(4/2)", "8/(4/2)", 4),
        ("8 - 4 - 2", "8 - 4 - 2", 2),
        ("8 - (4 - 2)", "8 - (4 - 2)", 6),
        ("-2^2", "-2^2", -4),
        ("(-2)^2", "(-2)^2", 4),
        ("2^3^2", "2^3^2", 512),
        ("(2^3)^2", "(2^3)^2", 64),
        ("2**3", "2^3", 8),
        ("2^-1", "2^-1", Fraction(1, 2)),
        ("-2^-2", "-2^-2", Fraction(-1, 4)),
        ("2*-3", "2*-3", -6),
        ("2 - -3", "2 - -3", 5),
        ("--3", "-(-3)", 3),
        ("+3", "+3", 3),
        ("2^2*3", "2^2*3", 12),
        ("2*3^2", "2*3^2", 18),
        ("12/2^2", "12/2^2", 3),
        ("max(1, 2) - min(1, 2)", "max(1, 2) - min(1, 2)", 1),
        ("max(1, 5, 3)", "max(1, 5, 3)", 5),
        ("abs(-3) + relu(-2) + relu(2)", "abs(-3) + relu(-2) + relu(2)", 5),
        ("sqrt(16)", "sqrt(16)", 4),
        ("ln(1)", "log(1)", 0),
        ("\u22123 \u00d7 2 \u00b7 1", "-3*2*1", -6),
    ],
)
def test_precedence_and_canonical_text(text: str, canonical: str, value: int | Fraction) -> None:
    node = parse(text)
    assert to_text(node) == canonical
    assert to_sympy(node) == sympy.Rational(Fraction(value).numerator, Fraction(value).denominator)
    assert evaluate(node) == pytest.approx(float(value))


def test_decimals_are_exact() -> None:
    assert exact("0.1 + 0.2") == sympy.Rational(3, 10)
    assert exact("1e-3") == sympy.Rational(1, 1000)
    assert exact("123456789.123456789") == sympy.Rational(123456789123456789, 10**9)


def test_e_power_binds_unary_minus_in_exponent() -> None:
    node = parse("e^-0.87")
    assert node == Binary("^", Const("e"), Unary("-", Num(Fraction(87, 100))))
    assert evaluate(node) == pytest.approx(math.exp(-0.87))
    assert to_sympy(node) == sympy.exp(sympy.Rational(-87, 100))


def test_sigmoid_by_hand_and_by_name() -> None:
    by_hand = parse("1/(1+e^-0.87)")
    assert evaluate(by_hand) == pytest.approx(0.7047, abs=1e-4)
    assert evaluate(parse("sigmoid(0.87)")) == pytest.approx(evaluate(by_hand))
    assert sympy.simplify(to_sympy(by_hand) - exact("sigmoid(0.87)")) == 0


def test_sigmoid_is_stable_for_large_arguments() -> None:
    assert evaluate(parse("sigmoid(-1000)")) == 0.0
    assert evaluate(parse("sigmoid(1000)")) == 1.0


def test_constants_unless_shadowed() -> None:
    assert parse("e + pi") == Binary("+", Const("e"), Const("pi"))
    assert evaluate(parse("pi")) == math.pi
    assert to_sympy(parse("pi")) == sympy.pi
    assert parse("e", names={"e"}) == Name("e")
    assert free_names(parse("a + e*pi", names=GRAPH_NAMES)) == {"a", "e"}


@pytest.mark.parametrize(
    ("text", "names", "position", "message"),
    [
        ("2 +", None, 3, "expected a number, a name or '(', found end of input"),
        ("(1", None, 2, "expected ')' to close the '(' at position 0"),
        ("2 x", GRAPH_NAMES, 2, "missing operator between '2' and 'x'"),
        ("2x", GRAPH_NAMES, 1, "missing operator between '2' and 'x'"),
        ("2(3)", None, 1, "missing operator between '2' and '('"),
        ("(1)(2)", None, 3, "missing operator between ')' and '('"),
        ("x(2)", GRAPH_NAMES, 1, "missing operator between 'x' and '('"),
        ("foo(1)", None, 0, "unknown function 'foo'"),
        ("__import__('os')", None, 0, "names starting with '__' are not allowed"),
        ("a", None, 0, "unknown name 'a': only numbers, e, pi and functions are allowed here"),
        ("q + a", {"a", "b"}, 0, "unknown name 'q'; allowed: a, b, e, pi"),
        ("\u03c3(0.87)", None, 0, "unexpected character '\u03c3'; write sigmoid(...)"),
        ("2 $ 3", None, 2, "unexpected character '$'"),
        ("exp + 1", None, 0, "function 'exp' needs parentheses"),
        ("max(1)", None, 0, "max() takes at least 2 arguments, got 1"),
        ("exp(1, 2)", None, 0, "exp() takes 1 argument, got 2"),
        ("max()", None, 4, "expected a number, a name or '(', found ')'"),
        ("1)", None, 1, "expected an operator or the end, found ')'"),
        ("2 * * 3", None, 4, "found '*'"),
        ("1e99999", None, 0, "out of range"),
        ("   ", None, 0, "empty expression"),
    ],
)
def test_errors_have_positions(text: str, names: set[str] | None, position: int, message: str) -> None:
    with pytest.raises(ExprError) as info:
        parse(text, names=names)
    assert message in info.value.message
    assert info.value.position == position
    assert info.value.text == text


def test_describe_puts_a_caret_under_the_position() -> None:
    with pytest.raises(ExprError) as info:
        parse("2 x", names={"x"})
    assert info.value.describe() == "missing operator between '2' and 'x'\n  2 x\n    ^"
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "text",
    ["1/0", "1/(1 - 1)", "log(0)", "log(-1)", "ln(0)", "sqrt(-1)", "0^-1", "(-8)^(1/3)"],
)
def test_domain_errors(text: str) -> None:
    node = parse(text)
    with pytest.raises(ExprError):
        evaluate(node)
    with pytest.raises(ExprError):
        to_sympy(node)


@pytest.mark.parametrize("text", ["exp(1000)", "1e300*1e300", "10^400", "1e1000"])
def test_float_overflow_is_an_expr_error(text: str) -> None:
    with pytest.raises(ExprError, match="too large"):
        evaluate(parse(text))


@pytest.mark.parametrize(
    "text",
    ["9^9^9^9", "2^2^2^2^2", "(9^300)^1000", "1e1000^1000", "exp(1000000*log(9))", "exp(1000*log(9^300))"],
)
def test_power_bombs_fail_fast(text: str) -> None:
    node = parse(text)
    start = time.perf_counter()
    with pytest.raises(ExprError, match="too large"):
        to_sympy(node)
    with pytest.raises(ExprError, match="too large"):
        evaluate(node)
    assert time.perf_counter() - start < 1


def test_deep_nesting_is_an_expr_error_not_recursion_error() -> None:
    with pytest.raises(ExprError, match="too long"):
        parse("(" * 10000 + "1" + ")" * 10000)
    assert evaluate(parse("(" * MAX_DEPTH + "1" + ")" * MAX_DEPTH)) == 1
    for text in ["(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1), "-" * 400 + "1", "2^" * 200 + "2"]:
        with pytest.raises(ExprError, match="nested too deeply"):
            parse(text)


def test_names_evaluate_and_differentiate() -> None:
    node = parse("c*(a + 2*b)", names=GRAPH_NAMES)
    assert free_names(node) == {"a", "b", "c"}
    assert evaluate(node, {"a": 3, "b": 1, "c": -2}) == -10
    a, b, c = sympy.symbols("a b c", real=True)
    expr = to_sympy(node)
    assert [sympy.diff(expr, s).subs({a: 3, b: 1, c: -2}) for s in (a, b, c)] == [-2, -4, 5]
    with pytest.raises(ExprError, match="no value for 'b'"):
        evaluate(node, {"a": 3, "c": -2})
    with pytest.raises(ExprError, match="no symbol for 'c'"):
        to_sympy(node, {"a": a, "b": b})


def test_graph_functions_to_sympy() -> None:
    w, x = sympy.symbols("w x")
    expr = to_sympy(parse("sigmoid(w*x + 1) + relu(x) + tanh(w)", names=GRAPH_NAMES), {"w": w, "x": x})
    assert expr == 1 / (1 + sympy.exp(-w * x - 1)) + sympy.Max(0, x) + sympy.tanh(w)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Fraction(0), "0"),
        (Fraction(1, 8), "0.125"),
        (Fraction(-5, 2), "-2.5"),
        (Fraction(1, 10**20), "1e-20"),
        (Fraction(3 * 10**20), "3e20"),
        (Fraction(1, 3), "(1/3)"),
    ],
)
def test_format_number(value: Fraction, text: str) -> None:
    assert format_number(value) == text


def test_no_python_evaluation_and_no_eager_sympy() -> None:
    for module in ("expr.py", "expr_syntax.py"):
        source = (Path(__file__).parents[1] / "tutor" / "maths" / module).read_text()
        assert not re.search(r"(?<!\.)\b(eval|exec|sympify|parse_expr|compile)\(", source)  # re.compile is ok
        assert not re.search(r"^(import|from) sympy", source, re.MULTILINE)
    code = "import sys, tutor.maths.expr; tutor.maths.expr.parse('1+2'); assert 'sympy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])


# --- property: printing round-trips, and the float evaluator agrees with SymPy --------------------------

NAMES = ("a", "b", "x1")
ENV = {"a": Fraction(1, 2), "b": Fraction(-3, 2), "x1": Fraction(3)}
UNARY_FUNCTIONS = ("exp", "log", "sqrt", "sigmoid", "tanh", "relu", "abs")

leaves = st.one_of(
    st.builds(lambda n, k: Num(Fraction(n, 10**k)), st.integers(0, 999), st.integers(0, 3)),
    st.sampled_from(NAMES).map(Name),
    st.sampled_from(CONSTANTS).map(Const),
)


def _extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    return st.one_of(
        st.builds(Unary, st.sampled_from("-+"), children),
        st.builds(Binary, st.sampled_from("+-*/^"), children, children),
        st.builds(lambda f, x: Call(f, (x,)), st.sampled_from(UNARY_FUNCTIONS), children),
        st.builds(
            lambda f, xs: Call(f, tuple(xs)),
            st.sampled_from(("max", "min")),
            st.lists(children, min_size=2, max_size=3),
        ),
    )


expressions = st.recursive(leaves, _extend, max_leaves=10)


@given(expressions)
def test_to_text_round_trips(node: Node) -> None:
    assert parse(to_text(node), names=NAMES) == node


@settings(deadline=None, max_examples=150)
@given(expressions)
def test_evaluate_agrees_with_sympy(node: Node) -> None:
    env = {name: float(value) for name, value in ENV.items()}
    symbols = {name: sympy.Rational(v.numerator, v.denominator) for name, v in ENV.items()}
    try:
        value = evaluate(node, env)
        reference = float(to_sympy(node, symbols).evalf(30))
        scale = max(abs(evaluate(sub, env)) for sub in walk(node))  # float error grows with the parts
    except ExprError:
        assume(False)
        return
    assert value == pytest.approx(reference, rel=1e-9, abs=1e-9 * max(1.0, scale))
