"""Bad input gets a quick, short answer: files that are not files, malformed CSV, huge names, deep
networks, huge documents, YAML aliases, and messages that point at the right place."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PROBLEMS, ROOT
from typer.testing import CliRunner

from tutor.cli import app

RELU = str(PROBLEMS / "relu-exercise.yaml")
VARY = str(PROBLEMS / "relu-exercise-vary.yaml")


def invoke(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{args}: uncaught {type(result.exception).__name__}: {result.exception}")
    return result.exit_code, result.output


def nnstep(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """A real process with a timeout: a FIFO that blocks must fail the test, not hang the suite."""
    command = [sys.executable, "-m", "tutor", *args]
    return subprocess.run(command, input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=60)


# ── files that are not regular files are refused from os.stat, never opened ──


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    if not hasattr(os, "mkfifo"):
        pytest.skip("needs named pipes")
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize(
    "command",
    [["solve", "{F}"], ["check", RELU, "{F}"], ["generate", VARY, "--roster", "{F}", "-o", "{D}"]],
    ids=["problem", "answers", "roster"],
)
def test_a_fifo_is_refused_without_blocking(fifo: Path, tmp_path: Path, command: list[str]) -> None:
    result = nnstep(*[a.replace("{F}", str(fifo)).replace("{D}", str(tmp_path / "out")) for a in command])
    assert result.returncode == 2, result.stderr
    assert f"{fifo}: cannot read the file: it is a named pipe (FIFO), not a regular file" in result.stderr


def test_grade_gives_a_fifo_submission_its_row(fifo: Path, tmp_path: Path) -> None:
    good = tmp_path / "anna.yaml"
    good.write_text("y3.net: 5\n", encoding="utf-8")
    out = tmp_path / "grades.csv"
    result = nnstep("grade", RELU, str(good), str(fifo), "-o", str(out))
    assert result.returncode == 0, result.stderr
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(out.read_text(encoding="utf-8")))}
    assert rows["anna"]["score"] == "1"
    assert rows["pipe"]["score"] == "0" and "named pipe (FIFO)" in rows["pipe"]["feedback"]


def test_a_folder_is_not_a_problem_file(tmp_path: Path) -> None:
    code, out = invoke(["solve", str(tmp_path)])
    assert code == 2 and "it is a folder, not a regular file" in out


def test_dev_stdin_still_reads_a_pipe() -> None:
    key = nnstep("answers", RELU).stdout
    result = nnstep("check", RELU, "/dev/stdin", "--format", "json", stdin=key)
    assert result.returncode == 0, result.stderr
    assert '"score": 22' in result.stdout


# ── malformed CSV: exit 2 naming the file and line ──


def test_a_roster_field_past_csvs_limit_names_its_line(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("id\nanna\n" + "b" * 140_000 + "\n", encoding="utf-8")
    code, out = invoke(["generate", VARY, "--roster", str(roster), "-o", str(tmp_path / "out")])
    assert code == 2, out
    assert f"{roster}:3: not a readable CSV row: field larger than field limit" in out


@pytest.mark.parametrize(
    ("rows", "line", "message"),
    [
        ("anna,a.yaml,v001,1\n,b.yaml,v002,2,extra\n", 3, "a row without an id or file"),
        ("anna,a.yaml,v001," + "1" * 140_000 + "\n", 2, "not a readable CSV row: field larger than field limit"),
    ],
    ids=["empty-id-extra-column", "huge-field"],
)
def test_a_broken_variants_mapping_names_its_line(tmp_path: Path, rows: str, line: int, message: str) -> None:
    mapping = tmp_path / "variants.csv"
    mapping.write_text("id,file,variant_id,seed\n" + rows, encoding="utf-8")
    answers = tmp_path / "anna.yaml"
    answers.write_text("y3.net: 5\n", encoding="utf-8")
    code, out = invoke(["grade", "--variants", str(mapping), str(answers)])
    assert code == 2, out
    assert f"{mapping}:{line}: {message}" in out


# ── names in messages are cut; deep networks do not recurse ──


def test_a_huge_name_is_cut_in_the_message(tmp_path: Path) -> None:
    text = (PROBLEMS / "relu-exercise.yaml").read_text(encoding="utf-8").replace("x1: w13", "x1: w" + "3" * 100_000)
    path = tmp_path / "long.yaml"
    path.write_text(text, encoding="utf-8")
    code, out = invoke(["solve", str(path)])
    assert code == 2 and len(out) < 300, out[:400]
    assert f"{path}:7: neurons.y3.inputs.x1: name 'w{'3' * 58}…' is too long (100001 characters" in out


def test_cutting_keeps_paths_and_short_words() -> None:
    from tutor.errors import InputError

    folder = "/tmp/" + "d" * 100
    error = InputError(f"{folder}/roster.csv: student id {'x' * 70!r} appears twice")
    assert str(error) == f"{folder}/roster.csv: student id '{'x' * 59}…' appears twice"


def chain(n: int) -> str:
    neurons = "".join(
        f"  n{i}: {{inputs: {{{'x1' if i == 0 else f'n{i - 1}'}: w{i}}}, activation: identity}}\n" for i in range(n)
    )
    parameters = ", ".join(f"w{i}: 1" for i in range(n))
    return f"inputs: {{x1: 1}}\nneurons:\n{neurons}parameters: {{{parameters}}}\ntargets: {{n{n - 1}: 0}}\n" + (
        "loss: half_sse\nlearning_rate: 0.1\n"
    )


def test_a_chain_of_2000_neurons_is_ordered_without_recursion(tmp_path: Path) -> None:
    from tutor.files.loader import load_problem
    from tutor.model.network import Network

    path = tmp_path / "chain.yaml"
    path.write_text(chain(2000), encoding="utf-8")
    network = Network(load_problem(path))
    assert network.order == tuple(f"n{i}" for i in range(2000))
    assert network.depth["n1999"] == 2000
    (path_of_first,) = list(network.paths_from("n0"))
    assert len(path_of_first) == 1999 and path_of_first[-1] == ("n1999", "w1999")


# ── YAML aliases are expanded within a bound; huge documents are refused from the event stream ──


def test_a_safe_dump_with_shared_values_loads(tmp_path: Path) -> None:
    import yaml

    from tutor.files.loader import load_problem

    problem = yaml.safe_load((PROBLEMS / "xor-data.yaml").read_text(encoding="utf-8"))
    inputs = [0, 1]
    problem["data"] = [{"inputs": inputs, "targets": [1]}, {"inputs": inputs, "targets": [0]}]
    path = tmp_path / "shared.yaml"
    path.write_text(yaml.safe_dump(problem), encoding="utf-8")
    assert "&id001" in path.read_text(encoding="utf-8")
    loaded = load_problem(path)
    assert [dict(e.inputs) for e in loaded.data] == [{"x1": 0, "x2": 1}] * 2


def test_an_alias_bomb_is_refused(tmp_path: Path) -> None:
    rows = [f"{c}: &{c} [" + ", ".join([f"*{p}"] * 9) + "]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)]
    path = tmp_path / "bomb.yaml"
    path.write_text('a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' + "".join(rows))
    code, out = invoke(["solve", str(path)])
    assert code == 2, out
    assert f"{path}:6: too many values (more than 250,000, counting what YAML aliases expand to)" in out


def test_aliases_cannot_nest_deeper_than_the_limit(tmp_path: Path) -> None:
    deep = "[" * 40 + "1" + "]" * 40
    path = tmp_path / "deep.yaml"
    path.write_text(f"a: &a {deep}\nb: &b [{'[' * 30}*a{']' * 30}]\n", encoding="utf-8")
    code, out = invoke(["check", RELU, str(path)])
    assert code == 2, out
    assert f"{path}:2: nested more than 64 levels deep" in out


def test_one_huge_list_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("inputs: [" + ", ".join(["1"] * 690_000) + "]\n", encoding="utf-8")  # just under 2 MB
    code, out = invoke(["solve", str(path)])
    assert code == 2, out
    assert f"{path}:1: too many values (more than 250,000" in out


@pytest.mark.slow
def test_one_huge_list_is_refused_quickly(tmp_path: Path) -> None:
    import time

    path = tmp_path / "list.yaml"
    path.write_text("inputs: [" + ", ".join(["1"] * 690_000) + "]\n", encoding="utf-8")
    start = time.perf_counter()
    assert invoke(["solve", str(path)])[0] == 2
    assert time.perf_counter() - start < 10  # 14 s before the bound; about 0.5 s after


# ── check: thousands of unknown keys are summarised ──


def unknown_keys(tmp_path: Path) -> str:
    path = tmp_path / "unknown.yaml"
    path.write_text("y3.net: 5\n" + "".join(f"k{i}.net: 1\n" for i in range(19_000)), encoding="utf-8")
    return str(path)


def test_check_lists_the_first_20_unknown_keys_then_how_many_more(tmp_path: Path) -> None:
    code, out = invoke(["check", RELU, unknown_keys(tmp_path)])
    assert code == 1, out[-500:]
    assert "k19.net" in out and "k20.net" not in out and "y3.net" in out
    assert "… and 18,980 more keys that name nothing in this problem" in out
    assert out.index("… and 18,980 more") < out.index("Score: 1 / 22")  # the answer key's 22 keys count


@pytest.mark.slow
def test_check_of_19000_unknown_keys_is_quick(tmp_path: Path) -> None:
    import time

    path = unknown_keys(tmp_path)
    start = time.perf_counter()
    assert invoke(["check", RELU, path])[0] == 1
    assert time.perf_counter() - start < 10  # 35 s with the whole table


# ── messages that point at the right place and say what to look at ──


def bce_data(targets: dict[int, str]) -> str:
    text = (PROBLEMS / "xor-data.yaml").read_text(encoding="utf-8")
    text = text.replace("name: y, activation: identity", "name: y, activation: sigmoid").replace(
        "loss: half_sse", "loss: bce"
    )
    rows = ["{inputs: [0, 0], targets: [0]}", "{inputs: [0, 1], targets: [1]}", "{inputs: [1, 0], targets: [1]}"]
    rows.append("{inputs: [1, 1], targets: [0]}")
    for i, target in targets.items():
        text = text.replace(rows[i], rows[i].replace(rows[i][-4:], f"[{target}]}}"))
    return text


@pytest.mark.parametrize(("example", "line"), [(3, 15), (0, 12)])
def test_a_data_set_error_names_the_example_and_its_line(tmp_path: Path, example: int, line: int) -> None:
    path = tmp_path / "bce.yaml"
    path.write_text(bce_data({example: "2"}), encoding="utf-8")
    code, out = invoke(["solve", str(path)])
    assert code == 2, out
    assert f"{path}:{line}: data[{example}].targets.y1: loss bce needs targets between 0 and 1, found 2" in out


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "activation: relu}",
            "activaton: relu}",
            "neurons.y3.activaton: unknown key 'activaton'; did you mean 'activation'?",
        ),
    ],
)
def test_a_typo_inside_a_neuron_gets_did_you_mean(tmp_path: Path, old: str, new: str, message: str) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text(
        (PROBLEMS / "relu-exercise.yaml").read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8"
    )
    code, out = invoke(["solve", str(path)])
    assert code == 2 and message in out, out


def test_a_typo_in_an_example_gets_did_you_mean(tmp_path: Path) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text(bce_data({}).replace("targets: [1]}", "target: [1]}", 1), encoding="utf-8")
    code, out = invoke(["solve", str(path)])
    assert code == 2 and "data[1].target: unknown key 'target'; did you mean 'targets'? an example is" in out, out


@pytest.mark.parametrize(
    ("text", "line", "hint"),
    [
        ("title: t\n  extra: 1\n", 2, "check the indentation"),
        ("inputs:\n    x1: 1\n  x2: 2\n", 3, "check the indentation"),
        ("inputs:\n  - 1\n  x2: 2\n", 3, "check the indentation"),
        ("inputs:\n\tx1: 1\n", 2, "a tab: indent with spaces"),
    ],
)
def test_a_yaml_layout_error_gets_a_hint(tmp_path: Path, text: str, line: int, hint: str) -> None:
    path = tmp_path / "layout.yaml"
    path.write_text(text, encoding="utf-8")
    code, out = invoke(["solve", str(path)])
    assert code == 2 and f"{path}:{line}: YAML syntax error:" in out and hint in out, out


def test_an_unclosed_flow_mapping_gets_no_indentation_hint(tmp_path: Path) -> None:
    path = tmp_path / "flow.yaml"
    path.write_text("inputs: {x1: 1\n", encoding="utf-8")
    code, out = invoke(["solve", str(path)])
    assert code == 2 and "YAML syntax error" in out and "indentation" not in out, out
