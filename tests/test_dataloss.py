"""No run loses data: file names of any bytes, unique ids and feedback files, outputs that would replace an
input or a FIFO, generate's clean-up, long names, and SIGTERM (a real subprocess) leaving no temporary file."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import PROBLEMS, ROOT
from typer.testing import CliRunner

from tutor.classroom import grade as lib
from tutor.cli import app

RELU = PROBLEMS / "relu-exercise.yaml"
VARY = PROBLEMS / "relu-exercise-vary.yaml"
KEY = "y3.net: 5\ny3.out: 5\n"
NOT_UTF8 = os.fsdecode(b"b\xe9n")  # a name as os.listdir gives it: surrogate-escaped


def invoke(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args], env={"NO_COLOR": "1", "COLUMNS": "200"})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"uncaught {type(result.exception).__name__}: {result.exception}")
    return result.exit_code, result.output


def files(folder: Path, text: str, *names: str) -> Path:
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def leftovers(folder: Path) -> list[str]:
    return [str(p) for p in folder.rglob("*") if p.name.endswith(".tmp") or p.name.startswith("nnstep-tex-")]


# ── file names that are not UTF-8 ──


def test_grade_a_submission_named_in_bytes_that_are_not_utf8(tmp_path: Path) -> None:
    subs = files(tmp_path / "subs", KEY, "anna.yaml", f"{NOT_UTF8}.yaml")
    code, output = invoke("grade", RELU, subs, "-o", tmp_path / "g.csv", "--feedback-dir", tmp_path / "fb")
    assert code == 0, output
    ids = [row["id"] for row in csv.DictReader((tmp_path / "g.csv").read_text(encoding="utf-8").splitlines())]
    assert ids == ["anna", "b\\xe9n"]
    page = (tmp_path / "fb" / "b\\xe9n.md").read_text(encoding="utf-8")
    assert page.startswith("# Feedback for b\\\\xe9n\n")  # Markdown-escaped: renders as b\xe9n


@pytest.mark.parametrize(
    ("command", "named"),
    [(["answers"], True), (["solve"], True), (["solve", "-f", "latex"], False), (["solve", "-f", "json"], False)],
)
def test_outputs_of_a_problem_named_in_bytes_that_are_not_utf8(tmp_path: Path, command: list[str], named: bool) -> None:
    problem = tmp_path / f"{NOT_UTF8}.yaml"
    problem.write_text(RELU.read_text(encoding="utf-8").replace("title:", "# title:"), encoding="utf-8")
    code, output = invoke(*command, problem, "-o", tmp_path / "out")
    assert code == 0, output
    text = (tmp_path / "out").read_bytes().decode("utf-8")  # UTF-8 through and through
    assert ("b\\xe9n" in text) is named


# ── ids and feedback files are unique, or the run is refused before writing ──


def test_ids_take_as_many_folders_as_tell_files_apart() -> None:
    paths = [Path("p/sub/bob.yaml"), Path("q/sub/bob.yaml"), Path("x/anna.yaml"), Path("anna.json"), Path("carl.yml")]
    assert lib.student_ids(paths) == ["p/sub/bob", "q/sub/bob", "x/anna", "anna", "carl"]
    assert lib.student_ids([Path("a/anna.yaml"), Path("a/anna.json")]) == ["a/anna.yaml", "a/anna.json"]


@pytest.mark.parametrize(
    ("names", "clash"),
    [
        (["x/anna.yaml", "y/anna.yaml", "x_anna.yaml"], "x/anna and x_anna"),
        (["Anna.yaml", "anna.yaml"], "Anna and anna"),
    ],
)
def test_two_students_with_one_feedback_file_are_refused_before_writing(
    tmp_path: Path, names: list[str], clash: str
) -> None:
    subs = files(tmp_path / "subs", KEY, *names)
    code, output = invoke("grade", RELU, subs, "-o", tmp_path / "g.csv", "--feedback-dir", tmp_path / "fb")
    assert code == 2 and clash in output and "the same feedback file" in output, output
    assert not (tmp_path / "g.csv").exists() and not (tmp_path / "fb").exists()


# ── an output is never one of the inputs, nor replaces a FIFO ──


def test_an_output_that_is_an_input_is_refused(tmp_path: Path) -> None:
    problem = tmp_path / "anna.md"  # a problem file under any name: here the name of anna's feedback
    problem.write_text(RELU.read_text(encoding="utf-8"), encoding="utf-8")
    subs = files(tmp_path / "subs", KEY, "anna.yaml", "ben.yaml")
    (tmp_path / "link.yaml").symlink_to(problem)
    os.link(subs / "anna.yaml", tmp_path / "hard.yaml")
    runs = [
        ("answers", problem, "-o", problem),
        ("answers", problem, "-o", tmp_path / "link.yaml"),
        ("solve", problem, "-f", "latex", "-o", problem),
        ("grade", problem, subs, "-o", subs / "ben.yaml"),
        ("grade", problem, subs, "-o", tmp_path / "hard.yaml"),
        ("grade", problem, subs, "-o", tmp_path / "g.csv", "--feedback-dir", tmp_path),
    ]
    for args in runs:
        before = {p: p.read_bytes() for p in (problem, subs / "anna.yaml", subs / "ben.yaml")}
        code, output = invoke(*args)
        assert code == 2 and "refusing to write over an input of this command" in output, (args, output)
        assert before == {p: p.read_bytes() for p in before} and not leftovers(tmp_path)


def test_exam_solutions_onto_a_variant_is_refused(tmp_path: Path) -> None:
    assert invoke("generate", VARY, "-n", "1", "-o", tmp_path / "v")[0] == 0
    variant = tmp_path / "v" / "relu-exercise-vary-v001.yaml"
    before = variant.read_bytes()
    code, output = invoke("exam", tmp_path / "v", "-o", tmp_path / "e.tex", "--solutions", variant)
    assert code == 2 and "input" in output and variant.read_bytes() == before, output
    assert not (tmp_path / "e.tex").exists()  # the sheets and the solutions: both or neither


def test_a_fifo_is_written_into_never_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    code, output = invoke("answers", RELU, "-o", fifo)  # nothing reads it: refused, not a hang
    assert code == 2 and "nothing reads from it" in output
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    time.sleep(0.2)  # the reader opens the FIFO
    code, output = invoke("answers", RELU, "-o", fifo)
    reader.join(10)
    assert code == 0, output
    assert got and got[0].startswith(b"# Answer key") and fifo.is_fifo()


# ── generate's clean-up, long names ──


def test_generate_removes_only_the_exact_names_it_wrote(tmp_path: Path) -> None:
    """A problem named `?.yaml` made the clean-up glob `?-v*.yaml`: another problem's variants went."""
    text = VARY.read_text(encoding="utf-8")
    for name in ("a.yaml", "?.yaml"):
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert invoke("generate", tmp_path / "a.yaml", "-n", "2", "-o", tmp_path / "out")[0] == 0
    code, output = invoke("generate", tmp_path / "?.yaml", "-n", "1", "-o", tmp_path / "out")
    assert code == 0 and "removed" not in output, output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["?-v001.yaml", "a-v001.yaml", "a-v002.yaml"]


def test_a_long_legal_file_name_gets_its_feedback_and_output(tmp_path: Path) -> None:
    long = "s" * 250  # 255 bytes with .yaml: the old temporary name `.{name}.XXXXXXXX.tmp` was too long
    subs = files(tmp_path / "subs", KEY, f"{long}.yaml", "anna.yaml")
    code, output = invoke("grade", RELU, subs, "-o", tmp_path / "g.csv", "--feedback-dir", tmp_path / "fb")
    assert code == 0, output
    assert sorted(p.name for p in (tmp_path / "fb").iterdir()) == ["anna.md", f"{long}.md"]
    code, output = invoke("answers", RELU, "-o", tmp_path / f"{long}.yaml")
    assert code == 0 and (tmp_path / f"{long}.yaml").read_text(encoding="utf-8").startswith("# Answer key"), output


# ── SIGTERM: a real process, stopped mid-write ──


def terminate_when(command: list[str | Path], ready: Path, pattern: str, tmpdir: Path) -> int:
    """Start nnstep, send SIGTERM as soon as something matching `pattern` appears under `ready`; its exit status."""
    env = {**os.environ, "TMPDIR": str(tmpdir), "NO_COLOR": "1"}
    process = subprocess.Popen([sys.executable, "-m", "tutor", *map(str, command)], cwd=ROOT, env=env)
    try:
        while process.poll() is None and not any(ready.rglob(pattern)):
            time.sleep(0.002)
        assert process.poll() is None, "the run ended before it could be interrupted"
        process.send_signal(signal.SIGTERM)
        return process.wait(60)
    finally:
        process.kill()


def test_sigterm_while_writing_feedback_leaves_the_old_files_or_all_new_ones(tmp_path: Path) -> None:
    names = [f"s{i:03}" for i in range(150)]
    subs = files(tmp_path / "subs", KEY, *(f"{n}.yaml" for n in names))
    fb = files(tmp_path / "fb", "old\n", *(f"{n}.md" for n in names))
    (tmp_path / "g.csv").write_text("old\n")
    command: list[str | Path] = ["grade", RELU, subs, "-o", tmp_path / "g.csv", "--feedback-dir", fb]
    assert terminate_when(command, fb, "*.tmp", tmp_path) == 128 + signal.SIGTERM
    assert leftovers(tmp_path) == []
    old = {p.read_text(encoding="utf-8") == "old\n" for p in fb.iterdir()}
    assert len(old) == 1 and old == {(tmp_path / "g.csv").read_text() == "old\n"}  # all old, or all new


def test_sigterm_while_compiling_the_pdf_leaves_no_temporary_files(tmp_path: Path) -> None:
    command: list[str | Path] = ["solve", RELU, "-f", "latex", "-o", tmp_path / "s.tex", "--pdf"]
    (tmp_path / "tmp").mkdir()
    assert terminate_when(command, tmp_path / "tmp", "nnstep-tex-*", tmp_path / "tmp") == 128 + signal.SIGTERM
    assert leftovers(tmp_path) == [] and not (tmp_path / "s.pdf").exists()


# ── the write path itself ──


def test_interrupts_are_held_while_a_temporary_file_is_unguarded() -> None:
    from tutor.fileio import _signals_held

    got: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, _frame: got.append(signum))
    try:
        with _signals_held() as release:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.01)
            assert got == []  # held back
            release()
            assert got == [signal.SIGTERM]  # delivered on release
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary_one(tmp_path: Path) -> None:
    from tutor.fileio import write_atomic

    target = tmp_path / "out.txt"
    target.write_text("old\n")

    def pieces():
        yield "new, half"
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, pieces())
    assert target.read_text() == "old\n" and sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_several_files_are_checked_before_any_is_written(tmp_path: Path) -> None:
    from tutor.errors import InputError
    from tutor.fileio import write_all_atomic

    with pytest.raises(InputError, match="two outputs of this command would be the same file"):
        write_all_atomic([(tmp_path / "new" / "a", "1"), (tmp_path / "b", "2"), (tmp_path / "new" / "a", "3")])
    assert list(tmp_path.iterdir()) == []


def test_an_output_through_a_symbolic_link_keeps_the_link(tmp_path: Path) -> None:
    (tmp_path / "key.yaml").write_text("old\n")
    (tmp_path / "link.yaml").symlink_to("key.yaml")
    code, output = invoke("answers", RELU, "-o", tmp_path / "link.yaml")
    assert code == 0, output
    assert (tmp_path / "link.yaml").is_symlink() and (tmp_path / "key.yaml").read_text().startswith("# Answer key")
