"""`nnstep generate`: valid, pairwise different, reproducible variants; degeneracy and nice checks; rosters and
grading each student against their own variant; the deterministic problem writer."""

from __future__ import annotations

import csv
import dataclasses
from fractions import Fraction
from pathlib import Path

import pytest
from conftest import PROBLEMS
from typer.testing import CliRunner

from tutor.classroom import variants as lib
from tutor.cli import app
from tutor.engines.exact import derive
from tutor.engines.floats import solve_numeric
from tutor.files.loader import load_problem, problem_from_data
from tutor.files.problemio import number, problem_yaml
from tutor.files.roster import read_roster
from tutor.maths.numfmt import as_fraction

VARY = str(PROBLEMS / "relu-exercise-vary.yaml")


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), env={"NO_COLOR": "1", "COLUMNS": "200"})


def generated(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.yaml"))


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))


# --- nnstep generate -----------------------------------------------------------------------------------


def test_variants_are_valid_different_and_recorded(tmp_path: Path) -> None:
    result = invoke("generate", VARY, "--count", "12", "--seed", "3", "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    files = generated(tmp_path)
    assert [f.name for f in files] == [f"relu-exercise-vary-v{i:03d}.yaml" for i in range(1, 13)]
    problems = [load_problem(f) for f in files]
    assert all(p.vary is None for p in problems)
    assert [p.variant["id"] for p in problems] == [f"v{i:03d}" for i in range(1, 13)]  # type: ignore[index]
    drawn = {(tuple(p.parameters.values()), tuple(p.inputs.values())) for p in problems}
    assert len(drawn) == 12
    assert all(lib.degeneracy(p, solve_numeric(p)) is None for p in problems)
    text = files[0].read_text()
    assert text.startswith("# Variant v001 of relu-exercise-vary.yaml, written by `nnstep generate --seed 3`.")
    assert "\nvary:" not in text


def test_same_seed_same_bytes_other_seed_other_variants(tmp_path: Path) -> None:
    runs = {}
    for name, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        result = invoke("generate", VARY, "-n", "6", "--seed", seed, "--nice", "-o", str(tmp_path / name))
        assert result.exit_code == 0, result.output
        runs[name] = [f.read_bytes() for f in generated(tmp_path / name)]
    assert runs["a"] == runs["b"]
    assert runs["a"] != runs["c"]


def test_a_variant_is_reproduced_from_its_recorded_seed(tmp_path: Path) -> None:
    invoke("generate", VARY, "-n", "3", "--seed", "5", "-o", str(tmp_path))
    base = load_problem(VARY)
    for f in generated(tmp_path):
        p = load_problem(f)
        values = lib.sample(base, int(p.variant["seed"]))  # type: ignore[index,arg-type]
        assert all(p.parameters.get(k, p.inputs.get(k)) == v for k, v in values.items())


def test_nice_variants_have_at_most_two_decimals(tmp_path: Path) -> None:
    problem = str(tmp_path / "p.yaml")
    text = Path(VARY).read_text().replace("learning_rate: 0.1", "learning_rate: 0.1\n") + (
        "  learning_rate: {choices: [0.1, 0.05, 0.25]}\n"
    )
    Path(problem).write_text(text)
    result = invoke("generate", problem, "-n", "20", "--seed", "1", "--nice", "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    for f in generated(tmp_path / "out"):
        for value in derive(load_problem(f)).values().values():
            frac = as_fraction(value)
            assert frac is not None and (frac * 100).denominator == 1, (f.name, value)


def test_too_few_variants_says_so_writes_them_and_exits_1(tmp_path: Path) -> None:
    problem = tmp_path / "p.yaml"
    problem.write_text(Path(VARY).read_text().split("\nvary:")[0] + "\nvary:\n  w13: {choices: [2, 3]}\n")
    result = invoke("generate", str(problem), "-n", "5", "-o", str(tmp_path / "out"))
    assert result.exit_code == 1, result.output
    assert "found only 2 of 5 valid variant(s)" in result.output
    assert len(generated(tmp_path / "out")) == 2


def test_a_smaller_run_into_the_same_folder_removes_the_earlier_runs_files(tmp_path: Path) -> None:
    """Else `nnstep exam` would put the earlier run's v003… (or its roster mapping) on the sheets."""
    out = tmp_path / "out"
    invoke("generate", VARY, "--roster", roster(tmp_path, "anna\nben\ncarl\n"), "-o", str(out))
    own = out / "relu-exercise-vary-v009.yaml"
    own.write_text("# my own notes, not a variant\n")
    result = invoke("generate", VARY, "-n", "2", "-o", str(out))
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == ["relu-exercise-vary-v001.yaml", "relu-exercise-vary-v002.yaml", own.name]
    assert "removed 2 file(s) of an earlier run: relu-exercise-vary-v003.yaml, variants.csv" in result.output
    again = invoke("generate", VARY, "-n", "2", "-o", str(out))  # the same run again removes nothing
    assert again.exit_code == 0 and "removed" not in again.output


def test_a_problem_without_vary_is_bad_input(tmp_path: Path) -> None:
    result = invoke("generate", str(PROBLEMS / "relu-exercise.yaml"), "-n", "2", "-o", str(tmp_path))
    assert result.exit_code == 2
    assert "no vary: section" in result.output
    result = invoke("generate", str(PROBLEMS / "computation-graph.yaml"), "-n", "2", "-o", str(tmp_path))
    assert result.exit_code == 2 and "a computation graph has none" in result.output


def test_vary_validation_still_reports_key_and_line(tmp_path: Path) -> None:
    problem = tmp_path / "p.yaml"
    problem.write_text(Path(VARY).read_text().split("\nvary:")[0] + "\nvary:\n  w99: {choices: [1]}\n")
    result = invoke("generate", str(problem), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "vary.w99" in result.output


# --- degeneracy ------------------------------------------------------------------------------------------


def verdict(problem) -> str | None:  # type: ignore[no-untyped-def]
    return lib.degeneracy(problem, solve_numeric(problem))


def test_the_seed_exercise_is_not_degenerate() -> None:
    assert verdict(load_problem(PROBLEMS / "relu-exercise.yaml")) is None  # y4 alone is off: that is fine


def test_dead_hidden_layer_is_rejected() -> None:
    base = load_problem(PROBLEMS / "relu-exercise.yaml")
    params = {**base.parameters, "w13": Fraction(-2), "w23": Fraction(3)}  # x3 = −2 − 3 ≤ 0
    params.update({"w14": Fraction(-1), "w24": Fraction(1)})  # x4 = −1 − 1 ≤ 0
    assert verdict(dataclasses.replace(base, parameters=params)) == "on target"  # the output 0 is the target
    assert verdict(dataclasses.replace(base, parameters=params, targets={"y5": Fraction(1)})) == "dead layer"


def test_output_on_target_is_rejected() -> None:
    base = load_problem(PROBLEMS / "relu-exercise.yaml")
    assert verdict(dataclasses.replace(base, targets={"y5": Fraction(10)})) == "on target"


def test_saturated_sigmoid_is_rejected() -> None:
    base = load_problem(PROBLEMS / "sigmoid-0.05-0.10.yaml")
    assert verdict(base) is None
    big = dataclasses.replace(base, parameters={**base.parameters, "b2": Fraction(7)})
    assert verdict(big) == "saturated sigmoid"


def test_candidate_seeds_are_stable() -> None:
    assert lib.candidate_seed(1, "0") == lib.candidate_seed("1", "0") != lib.candidate_seed(1, "1")
    assert lib.candidate_seed(7, "student\0anna\0" + "0") == 9825282972325513305  # sha256: the same everywhere


# --- rosters -----------------------------------------------------------------------------------------------


def roster(tmp_path: Path, text: str, name: str = "roster.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_roster_header_is_optional(tmp_path: Path) -> None:
    assert read_roster(Path(roster(tmp_path, "Student ID,name\nanna,A\nben,B\n"))) == ["anna", "ben"]
    assert read_roster(Path(roster(tmp_path, "\ufeffanna\n\nben\n"))) == ["anna", "ben"]
    assert read_roster(Path(roster(tmp_path, "name,email\nAnna,anna@x\n"))) == ["Anna"]


def test_roster_gives_each_student_a_stable_variant_and_a_mapping(tmp_path: Path) -> None:
    first = roster(tmp_path, "id\nanna\nben\ncarl\n", "r1.csv")
    result = invoke("generate", VARY, "--roster", first, "--seed", "9", "--nice", "-o", str(tmp_path / "a"))
    assert result.exit_code == 0, result.output
    rows = list(read_csv(tmp_path / "a" / "variants.csv"))
    assert [r["id"] for r in rows] == ["anna", "ben", "carl"]
    assert list(rows[0]) == ["id", "file", "variant_id", "seed"]
    for row in rows:
        p = load_problem(tmp_path / "a" / row["file"])
        assert p.variant == {"id": row["variant_id"], "seed": int(row["seed"]), "student": row["id"]}
    # a new student first in the roster: everyone else keeps their values
    second = roster(tmp_path, "dora\nanna\nben\ncarl\n", "r2.csv")
    invoke("generate", VARY, "--roster", second, "--seed", "9", "--nice", "-o", str(tmp_path / "b"))
    again = {r["id"]: r["seed"] for r in read_csv(tmp_path / "b" / "variants.csv")}
    assert all(again[r["id"]] == r["seed"] for r in rows)


def test_roster_problems(tmp_path: Path) -> None:
    twice = roster(tmp_path, "anna\nben\nanna\n")
    result = invoke("generate", VARY, "--roster", twice, "-o", str(tmp_path / "out"))
    assert result.exit_code == 2 and "appears twice" in result.output
    assert invoke("generate", VARY, "--roster", twice, "--count", "3", "-o", str(tmp_path)).exit_code == 2


def test_grade_checks_each_student_against_their_own_variant(tmp_path: Path) -> None:
    out = tmp_path / "exam"
    invoke("generate", VARY, "--roster", roster(tmp_path, "anna\nben\ncleo\n"), "--nice", "-o", str(out))
    rows = {r["id"]: out / r["file"] for r in read_csv(out / "variants.csv")}
    subs = tmp_path / "subs"
    for student, other in (("anna", "anna"), ("ben", "anna")):  # ben hands in anna's answers
        result = invoke("answers", str(rows[other]), "-o", str(subs / f"{student}.yaml"))
        assert result.exit_code == 0, result.output
    (subs / "zoe.yaml").write_text("loss: 1\n")
    gradebook = tmp_path / "grades.csv"
    result = invoke("grade", "--variants", str(out / "variants.csv"), str(subs), "-o", str(gradebook))
    assert result.exit_code == 0, result.output
    grades = {r["id"]: r for r in read_csv(gradebook)}
    assert grades["anna"]["score"] == grades["anna"]["max_score"] == "22"
    assert float(grades["ben"]["score"]) < 22
    assert grades["zoe"]["score"] == "0" and "not in the variants mapping" in grades["zoe"]["feedback"]
    assert "against 2 variant(s)" in result.output
    # cleo is on the roster but handed nothing in: a row all the same
    assert grades["cleo"]["score"] == "0" and grades["cleo"]["feedback"] == "not graded: no submission"
    assert "1 student(s) without a submission" in result.output and "graded 3 submission(s)" in result.output


# --- the problem writer ------------------------------------------------------------------------------------


def single_example_problems() -> list[Path]:
    """Shipped problems the writer handles: one example in the neuron or layer form (no data sets, no graphs)."""
    out = []
    for path in sorted(PROBLEMS.glob("*.yaml")):
        text = path.read_text()
        if "\ngraph:" not in text and "\ndata:" not in text:
            out.append(path)
    return out


@pytest.mark.parametrize("path", single_example_problems(), ids=lambda p: p.stem)
def test_written_problems_load_back_equal(path: Path, tmp_path: Path) -> None:
    problem = dataclasses.replace(load_problem(path), vary=None, layer_names=())  # layers come back as neurons
    out = tmp_path / "p.yaml"
    out.write_text(problem_yaml(problem, ["from a test"]))
    assert dataclasses.replace(load_problem(out), source=problem.source) == problem


def test_data_sets_are_refused_with_a_message(tmp_path: Path) -> None:
    problem = tmp_path / "p.yaml"
    problem.write_text((PROBLEMS / "xor-data.yaml").read_text() + "vary:\n  wh_11: {choices: [1, 2]}\n")
    result = invoke("generate", str(problem), "-n", "2", "-o", str(tmp_path / "out"))
    assert result.exit_code == 2 and "data set" in result.output, result.output


def test_layer_form_variants_are_written_in_the_neuron_form(tmp_path: Path) -> None:
    problem = tmp_path / "p.yaml"
    problem.write_text((PROBLEMS / "xor-relu-layers.yaml").read_text() + "vary:\n  wh_11: {min: 2, max: 4, step: 1}\n")
    result = invoke("generate", str(problem), "-n", "3", "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert sorted(load_problem(f).parameters["wh_11"] for f in generated(tmp_path / "out")) == [2, 3, 4]


def test_writer_quotes_text_and_awkward_names(tmp_path: Path) -> None:
    data = {
        "title": 'say "hi"\\ \x07 \u2028 é 😀',
        "inputs": {"on": 1},
        "neurons": {"no": {"inputs": {"on": "null"}, "activation": {"name": "leaky_relu", "alpha": "1/3"}}},
        "parameters": {"null": "-1/40"},
        "targets": {"no": 0},
        "loss": "half_sse",
        "learning_rate": 0.5,
    }
    problem = problem_from_data(data, file="p.yaml")
    out = tmp_path / "p.yaml"
    out.write_text(problem_yaml(problem, ["line\nbreak"]))
    assert out.read_text().startswith("# line?break\n")
    assert load_problem(out) == dataclasses.replace(problem, source=str(out))


def test_numbers_are_written_exactly() -> None:
    assert [number(Fraction(x)) for x in ("3", "-1/4", "1/1000", "1/3", "-22/7")] == [
        "3",
        "-0.25",
        "0.001",
        '"1/3"',
        '"-22/7"',
    ]


def test_nice_on_a_network_that_is_never_exact_says_so_before_any_search(tmp_path: Path) -> None:
    text = (Path(VARY).read_text(encoding="utf-8")).replace("activation: relu", "activation: tanh")
    problem = tmp_path / "tanh-vary.yaml"
    problem.write_text(text, encoding="utf-8")
    result = invoke("generate", str(problem), "--nice", "--count", "3", "-o", str(tmp_path / "out"))
    assert result.exit_code == 2, result.output
    assert "tanh-vary.yaml: --nice: the tanh activation gives irrational values" in result.output
    assert "tried" not in result.output and not (tmp_path / "out").exists()
    assert invoke("generate", str(problem), "--count", "2", "-o", str(tmp_path / "plain")).exit_code == 0


def test_ask_suggests_this_problems_own_keys_before_the_search(tmp_path: Path) -> None:
    out = str(tmp_path / "q")
    typo = invoke("generate", VARY, "--count", "2", "--format", "moodle", "--ask", "w13.grd", "-o", out)
    assert typo.exit_code == 2 and "did you mean w13.grad" in typo.output, typo.output
    other = invoke("generate", VARY, "--count", "2", "--format", "moodle", "--ask", "zzzz", "-o", out)
    assert other.exit_code == 2 and "its keys look like y3.net, y3.out, w13.new" in other.output, other.output
    assert not Path(out).exists()  # refused before anything was written
    yaml_only = invoke("generate", VARY, "--count", "2", "--ask", "w13.grad", "-o", out)
    assert yaml_only.exit_code == 2 and "--format moodle" in yaml_only.output
    assert invoke("generate", VARY, "--count", "2", "--format", "moodle", "--ask", "w13.grad", "-o", out).exit_code == 0


def test_variants_mapping_guards_formula_ids_and_reads_them_back(tmp_path: Path) -> None:
    """A roster id a spreadsheet would run (`=SUM(A1)`, `-2+3`, `@x`) is written to variants.csv with a `'` in
    front (as the gradebook's cells are), and `grade --variants` reads the id back as it was."""
    out = tmp_path / "exam"
    ids = ["=SUM(A1)", "-2+3", "'quoted", "anna"]
    result = invoke("generate", VARY, "--roster", roster(tmp_path, "\n".join(ids) + "\n"), "-o", str(out))
    assert result.exit_code == 0, result.output
    cells = [row[0] for row in csv.reader((out / "variants.csv").read_text(encoding="utf-8").splitlines())][1:]
    assert cells == ["'=SUM(A1)", "'-2+3", "''quoted", "anna"]
    rows = {r["id"]: out / r["file"] for r in read_csv(out / "variants.csv")}
    subs = tmp_path / "subs"
    first = rows["'=SUM(A1)"]  # read_csv is a plain reader: the guard is in the file
    assert invoke("answers", str(first), "-o", str(subs / "=SUM(A1).yaml")).exit_code == 0
    gradebook = tmp_path / "grades.csv"
    result = invoke("grade", "--variants", str(out / "variants.csv"), str(subs), "-o", str(gradebook))
    assert result.exit_code == 0, result.output
    grades = {r["id"]: r for r in read_csv(gradebook)}
    assert grades["'=SUM(A1)"]["score"] == grades["'=SUM(A1)"]["max_score"]  # its own variant: all right
