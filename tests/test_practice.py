"""`nnstep practice`: the session library driven by a list of lines, the CLI through a pipe and through a
pseudo-terminal (pexpect), Ctrl-C and end of input included."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import PROBLEMS
from rich.console import Console

from tutor.classroom.practice import PracticeOptions, Session, phase_of, select_keys
from tutor.classroom.practiceview import print_summary
from tutor.engines.solver import solve_problem
from tutor.files.loader import load_problem
from tutor.maths.numfmt import fmt

ROOT = Path(__file__).resolve().parent.parent
RELU = "problems/relu-exercise.yaml"
# The worktree's own code, whichever `nnstep` happens to be installed.
NNSTEP = [sys.executable, "-c", "import sys; sys.argv[0] = 'nnstep'; from tutor.cli import main; main()"]


def relu_exercise():
    """Seed 000 as shipped: problems/relu-exercise.yaml."""
    return load_problem(ROOT / RELU)


def sigmoid_network(steps: int = 1):
    """Seed 003 as shipped: the 0.05/0.10 network, biases frozen, η = 0.5."""
    return replace(load_problem(ROOT / "problems/sigmoid-0.05-0.10.yaml"), steps=steps)


ENV = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "TERM": "dumb"}

RELU_KEY = dict(
    [("y3.net", "5"), ("y3.out", "5"), ("y4.net", "-3"), ("y4.out", "0"), ("y5.net", "10"), ("y5.out", "10")]
    + [("loss", "50"), ("y5.delta", "10"), ("y4.delta", "0"), ("y3.delta", "20")]
    + [("w13.grad", "20"), ("w23.grad", "-20"), ("w14.grad", "0"), ("w24.grad", "0")]
    + [("w35.grad", "50"), ("w45.grad", "0"), ("w13.new", "0"), ("w23.new", "-1"), ("w14.new", "1")]
    + [("w24.new", "4"), ("w35.new", "-3"), ("w45.new", "-1")]
)


class Lines:
    """A Reader over a list of lines; EOFError when they run out."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = list(lines)
        self.prompts: list[str] = []

    def __call__(self, prompt: str) -> str:
        self.prompts.append(prompt)
        if not self.lines:
            raise EOFError
        return self.lines.pop(0)


def drill(lines: list[str], problem=None, **options) -> tuple[Session, str]:
    derivation = solve_problem(problem or relu_exercise())
    out = io.StringIO()
    console = Console(file=out, width=120, color_system=None, soft_wrap=True)
    session = Session(derivation, console, Lines(lines), PracticeOptions(**options))
    session.run()
    print_summary(session)
    return session, out.getvalue()


def status(session: Session) -> dict[str, str]:
    return {i.key: i.status for i in session.items}


# ---------------------------------------------------------------------------- the library


def test_all_right_on_the_first_try() -> None:
    session, out = drill(list(RELU_KEY.values()))
    assert [i.key for i in session.items] == list(RELU_KEY)  # forward, loss, deltas, gradients, updates
    assert set(status(session).values()) == {"first try"}
    assert session.ended == "done" and session.exit_code == 0
    assert "Score: 22/22 right (22 on the first try, 0 after hints)" in out


def test_prompt_names_the_key_and_says_what_it_is() -> None:
    session, out = drill(["10", "0", "20", "20"], only=frozenset({"backward"}))
    assert session.reader.prompts == ["y5.delta = ", "y4.delta = ", "y3.delta = ", "w13.grad = ", "w23.grad = "]
    assert "[4/9] w13.grad: ∂L/∂w13, the gradient of the loss with respect to w13\n" in out
    assert "[3/9] y3.delta: δ of y3 = ∂L/∂x3, the gradient of the loss with respect to y3's net input x3\n" in out


def test_answers_are_read_by_the_expression_grammar() -> None:
    session, _ = drill(["2 - 0.1*20", "-3 + 1/10 * 20", "1 - 0", "4", "2 - 0.1*50", "-1"], only=frozenset({"update"}))
    assert set(status(session).values()) == {"first try"}


def test_a_wrong_answer_climbs_the_hint_ladder_then_shows_the_value() -> None:
    session, out = drill(["6", "7", "8"], only=frozenset({"forward"}))
    assert status(session)["y3.net"] == "given up"
    formula = "x3 = x1 · w13 + x2 · w23"
    numbers = formula + " = 1 · 2 + (−1) · (−3)"
    assert f"Hint: the formula (2 tries left):\n    {formula}\n" in out
    assert f"Hint: with the numbers (1 try left):\n    {numbers}\n" in out
    assert f"The value (given up):\n    {numbers} = 5\n" in out
    assert out.index(formula) < out.index(numbers) < out.index(numbers + " = 5")


def test_right_after_a_hint_and_unreadable_input_is_not_a_try() -> None:
    session, out = drill(["?", "5", "five", "", "5"], only=frozenset({"forward"}), max_tries=1)
    assert status(session)["y3.net"] == "after hints"
    assert "Cannot read that" in out
    assert status(session)["y3.out"] == "first try"


def test_skip_shows_the_value_and_hint_past_the_last_rung_gives_up() -> None:
    session, out = drill(["skip", "?", "?", "?"], only=frozenset({"forward"}))
    assert status(session)["y3.net"] == "skipped"
    assert status(session)["y3.out"] == "given up"
    assert "y3 = relu(x3) = relu(5) = 5" in out


def test_a_known_mistake_is_named_with_its_tag() -> None:
    session, out = drill(["2 + 0.1*20", "0"], only=frozenset({"update"}))
    assert "gradient descent subtracts it: w13 − η·∂L/∂w13 [update-sign]" in out
    assert status(session)["w13.new"] == "after hints"
    assert session.items[0].tags[0] == "update-sign"


def test_updated_weights_in_backprop_is_diagnosed() -> None:
    _, out = drill(["10", "0", "-30"], only=frozenset({"backward"}))
    assert "backpropagation uses the weights from before the step [updated-weights-in-backprop]" in out


def test_recurring_mistakes_are_listed_at_the_end() -> None:
    session, out = drill(["4", "-5", "1", "4", "-3", "-1"], only=frozenset({"update"}), max_tries=1)
    assert ("update-sign", 2) in session.recurring()
    assert "Mistakes that recurred:\n  update-sign ×2:" in out
    assert session.exit_code == 1


def test_after_giving_up_later_answers_build_on_the_right_value_shown() -> None:
    """y3.net given up at 6 (the value 5 shown): y3.out = relu(6) is not right any more, relu(5) is."""
    session, out = drill(["6", "6", "6", "6", "5", "-3", "0", "10"], only=frozenset({"forward"}))
    assert status(session)["y3.net"] == "given up"
    assert session.items[1].attempts == ["6", "5"] and status(session)["y3.out"] == "after hints"
    assert "carried forward" not in out and not any(i.carried for i in session.items)
    assert session.student()["y3.net"] == 5


def test_after_skipping_later_answers_build_on_the_right_value_shown() -> None:
    session, _ = drill(["skip", "5", "-3", "0", "skip", "10"], only=frozenset({"forward"}))
    assert status(session) == {
        **{"y3.net": "skipped", "y3.out": "first try", "y4.net": "first try", "y4.out": "first try"},
        **{"y5.net": "skipped", "y5.out": "first try"},
    }


def test_a_quantity_answered_wrongly_when_the_session_ends_is_incorrect_not_unanswered() -> None:
    session, out = drill(["5", "6"], only=frozenset({"forward"}))
    assert status(session)["y3.out"] == "incorrect" and status(session)["y4.net"] == "unanswered"
    assert "Not right: 1 incorrect, 4 unanswered" in out
    assert session.transcript()["items"][1]["status"] == "incorrect"


def test_a_long_hint_is_wrapped_to_the_terminal_width() -> None:
    from tutor.classroom.practice import _indent

    hint = "δ_y3 = " + " + ".join(f"w{k} · δ_{k}" for k in range(60))
    lines = _indent(hint, 80).splitlines()
    assert len(hint) > 400 and len(lines) > 5 and all(len(line) <= 80 for line in lines)
    assert lines[0].startswith("    δ_y3 = ") and all(line.startswith("      ") for line in lines[1:])
    assert " ".join(line.strip() for line in lines) == hint


def test_end_of_input_midway_ends_with_the_summary_so_far() -> None:
    session, out = drill(["5", "5"])
    assert session.ended == "eof" and session.exit_code == 1
    assert status(session)["y4.net"] == "unanswered"
    assert "(end of input)" in out and "Score: 2/22 right" in out and "20 unanswered" in out


def test_quit_ends_the_session() -> None:
    session, out = drill(["5", "quit", "5"])
    assert session.ended == "quit" and session.exit_code == 1
    assert "Score: 1/22 right" in out


def test_ctrl_c_ends_with_exit_130() -> None:
    def interrupt(prompt: str) -> str:
        raise KeyboardInterrupt

    derivation = solve_problem(relu_exercise())
    console = Console(file=io.StringIO(), color_system=None)
    session = Session(derivation, console, interrupt)
    assert session.run() == "interrupted" and session.exit_code == 130


def test_selection_phases_ask_seed_step_and_frozen() -> None:
    derivation = solve_problem(sigmoid_network(steps=2))
    keys = select_keys(derivation, PracticeOptions())
    assert "b1.new" not in keys and "w1.new" in keys  # frozen biases are never updated
    assert {phase_of(k) for k in select_keys(derivation, PracticeOptions(only=frozenset({"loss"})))} == {"loss"}
    assert select_keys(derivation, PracticeOptions(only=frozenset({"loss"}))) == ["loss", "step2.loss"]
    step2 = select_keys(derivation, PracticeOptions(step=2))
    assert step2 and all(k.startswith("step2.") for k in step2)
    some = select_keys(derivation, PracticeOptions(ask=5, seed=3))
    assert some == select_keys(derivation, PracticeOptions(ask=5, seed=3)) and len(some) == 5
    assert some == [k for k in keys if k in some]  # in derivation order


def test_sigmoid_network_rounded_answers_are_right() -> None:
    derivation = solve_problem(sigmoid_network())
    answers = [fmt(derivation.values()[k], 6) for k in select_keys(derivation, PracticeOptions())]
    session, _ = drill(answers, problem=sigmoid_network())
    assert session.exit_code == 0, status(session)


def test_a_mistake_is_named_in_words_about_the_quantity_it_was_made_in() -> None:
    # seed 000 in order: forward (5, 5, −3, 0, 10, 10), loss 50, δ5 = 10, δ4 = 0, then δ3 with the new w35 = −3
    _, out = drill(["5", "5", "-3", "0", "10", "10", "50", "10", "0", "-30"], only=None)
    assert "⚠ you used the updated w35; backpropagation uses the weights from before the step" in out
    assert "[updated-weights-in-backprop]" in out
    _, out = drill(["-18"], only=frozenset({"update"}))  # 2 − 20
    assert "⚠ you left out η = 0.1: w13 − ∂L/∂w13 instead of w13 − 0.1·∂L/∂w13 [missing-learning-rate]" in out
    _, out = drill(["-0.0381", "0.7414"], problem=sigmoid_network(), only=frozenset({"backward"}))  # o2, then o1
    assert "δ of o1 is missing the factor sigmoid′(net_o1)" in out


def test_transcript_records_prompts_answers_verdicts_hints_and_tags() -> None:
    session, _ = drill(["4", "0"], only=frozenset({"update"}))
    t = json.loads(json.dumps(session.transcript()))
    events = [(e["event"], e.get("key")) for e in t["events"][:6]]
    assert events == [
        ("prompt", "w13.new"),
        ("answer", "w13.new"),
        ("verdict", "w13.new"),
        ("hint", "w13.new"),
        ("answer", "w13.new"),
        ("verdict", "w13.new"),
    ]
    assert "update-sign" in t["events"][2]["tags"]
    assert t["items"][0] == {
        "key": "w13.new",
        "expected": "0",
        "status": "after hints",
        "carried": False,
        "attempts": ["4", "0"],
        "tags": ["update-sign", "target-sign"],
    }
    assert t["ended"] == "eof" and t["score"] == 1 and t["max_score"] == 6


# ---------------------------------------------------------------------------- the CLI, through a pipe


def nnstep(*args: str, input: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([*NNSTEP, *args], input=input, capture_output=True, text=True, cwd=ROOT, env=ENV, timeout=120)


def test_piped_all_right_exits_0_and_reads_like_a_session() -> None:
    result = nnstep("practice", RELU, input="\n".join(RELU_KEY.values()) + "\n")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "y3.net = 5\n  ✓ right\n" in result.stdout  # the answer is echoed after its prompt
    assert "Score: 22/22 right" in result.stdout and "\x1b" not in result.stdout


def test_piped_end_of_input_midway_exits_1_without_a_traceback(tmp_path: Path) -> None:
    save = tmp_path / "session.json"
    result = nnstep("practice", RELU, "--only", "update", "--save", str(save), input="2 + 0.1*20\n0\n-1\n")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and result.stderr == ""
    assert "[update-sign]" in result.stdout and "Summary" in result.stdout and "4 unanswered" in result.stdout
    transcript = json.loads(save.read_text())
    assert transcript["ended"] == "eof" and transcript["score"] == 2


def test_the_intro_gives_what_the_student_works_from() -> None:
    """Inputs, targets, each neuron's formula, every parameter, the loss and η of seed 000; a variant's own."""
    out = nnstep("practice", RELU, input="").stdout
    assert "inputs: x1 = 1, x2 = -1   targets: y5 = 0" in out
    assert "y5 = relu(x5),  x5 = y3·w35 + y4·w45" in out
    assert "w13 = 2, w23 = -3, w14 = 1, w24 = 4, w35 = 2, w45 = -1" in out
    assert "loss: L = ½ Σ (t − y)²   learning rate η = 0.1" in out
    out = nnstep("practice", "problems/relu-exercise-vary.yaml", "--variant", "42", input="").stdout
    assert "w13 = 2, w23 = -3, w14 = 1" not in out  # the variant's values, not the base problem's
    out = nnstep("practice", "problems/computation-graph.yaml", input="").stdout
    assert "inputs: a = 3, b = 1, c = -2" in out and "e = a + d" in out


def test_the_intro_gives_the_values_of_the_phases_not_asked() -> None:
    from tutor.classroom.practiceview import given_values

    out = nnstep("practice", RELU, "--only", "backward", input="").stdout
    assert "y3.net = 5, y3.out = 5, y4.net = -3, y4.out = 0, y5.net = 10, y5.out = 10\n  loss = 50\n" in out
    assert "w13.grad =" not in out
    update, _ = drill([], only=frozenset({"update"}))
    given = "\n".join(given_values(update))
    assert "loss = 50" in given and "w35.grad = 50" in given and "w13.new" not in given
    assert given_values(drill([])[0]) == []  # everything asked: nothing given
    step2, _ = drill([], problem=sigmoid_network(steps=2), step=2)
    given = "\n".join(given_values(step2))
    assert "w1.new = 0.149781" in given and "h1.net" not in given and "step2." not in given


def test_cli_options_and_errors() -> None:
    result = nnstep("practice", RELU, "--ask", "3", "--seed", "4", "--only", "backward", input="")
    assert "3 quantities to work out" in result.stdout and "--seed 4 repeats it" in result.stdout
    assert nnstep("practice", RELU, "--step", "2").returncode == 2
    assert nnstep("practice", "problems/no-such-file.yaml").returncode == 2
    help = nnstep("practice", "--help")
    assert help.returncode == 0 and "Examples:" in help.stdout and "--max-tries" in help.stdout


def test_variant_of_a_problem_without_variants_is_bad_input() -> None:
    for problem, says in (
        ("computation-graph.yaml", "a computation graph has none"),
        ("relu-exercise.yaml", "no vary"),
    ):
        result = nnstep("practice", f"problems/{problem}", "--variant", "3")
        assert result.returncode == 2 and says in result.stderr and "Traceback" not in result.stderr


def test_variant_practises_a_generated_variant_reproducibly() -> None:
    from tutor.classroom.variants import generate

    base = load_problem(ROOT / "problems" / "relu-exercise-vary.yaml")
    expected = solve_problem(generate(base, 1, "42", nice=True).found[0].problem).values()
    answers = "\n".join(fmt(expected[k], 12) for k in ("y3.net", "y3.out")) + "\n"
    first = nnstep("practice", "problems/relu-exercise-vary.yaml", "--variant", "42", input=answers)
    again = nnstep("practice", "problems/relu-exercise-vary.yaml", "--variant", "42", input=answers)
    assert "variant of seed 42" in first.stderr and first.stderr == again.stderr
    assert first.stdout.count("✓ right") == 2, first.stdout
    assert nnstep("practice", RELU, "--variant", "1").returncode == 2  # no vary: section


# ---------------------------------------------------------------------------- the CLI, at a terminal

pexpect = pytest.importorskip("pexpect")


def spawn(*args: str):
    child = pexpect.spawn(
        NNSTEP[0], [*NNSTEP[1:], "practice", *args], cwd=str(ROOT), env=ENV, encoding="utf-8", timeout=60
    )
    child.setwinsize(40, 120)
    return child


def test_terminal_session_with_hints_mistake_and_all_right() -> None:
    child = spawn(RELU, "--only", "update")
    child.expect_exact("w13.new = ")
    child.sendline("4")
    child.expect_exact("[update-sign]")
    child.expect_exact("w13 ← w13 − η · ∂L/∂w13")
    child.expect_exact("w13.new = ")
    child.sendline("0")
    child.expect_exact("✓ right")
    for answer in ("-1", "1", "4", "-3", "-1"):
        child.expect_exact(" = ")
        child.sendline(answer)
    child.expect_exact("Score: 6/6 right (5 on the first try, 1 after hints)")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_terminal_ctrl_c_prints_the_summary_and_exits_130() -> None:
    child = spawn(RELU)
    child.expect_exact("y3.net = ")
    child.sendline("5")
    child.expect_exact("✓ right")
    child.expect_exact("y3.out = ")
    child.sendintr()
    child.expect_exact("(interrupted)")
    child.expect_exact("Summary")
    child.expect_exact("Score: 1/22 right")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "Traceback" not in child.before


def test_the_given_block_states_the_optimizer_penalty_and_dropout_masks() -> None:
    """What a student is given names everything the answers depend on: Adam's settings, dropout's masks, λ."""
    from tutor.classroom.practiceview import given_lines

    adam = "\n".join(given_lines(load_problem(PROBLEMS / "sigmoid-0.05-0.10-adam.yaml")))
    assert "optimizer: Adam, β₁ = 0.9, β₂ = 0.999, ε = 0.00000001" in adam
    dropout = "\n".join(given_lines(load_problem(PROBLEMS / "sigmoid-0.05-0.10-dropout.yaml")))
    assert "dropout: p = 0.5" in dropout
    assert "masks (1 kept, 0 dropped): step 1: h1: 1, h2: 0; step 2: h1: 1, h2: 1" in dropout
    l2 = "\n".join(given_lines(load_problem(PROBLEMS / "relu-exercise-l2.yaml")))
    assert "regularization: l2, λ = 0.1" in l2
    plain = "\n".join(given_lines(load_problem(PROBLEMS / "relu-exercise.yaml")))
    assert "optimizer" not in plain and "dropout" not in plain and "regularization" not in plain
