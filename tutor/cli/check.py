"""`nnstep check`, `nnstep answers`, `nnstep grade`: answers against the derivation, one student or a class."""

from __future__ import annotations

import json
import math
import sys
from contextlib import nullcontext
from dataclasses import replace
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from tutor.cli.app import app
from tutor.cli.common import emit, fail, run

if TYPE_CHECKING:
    from collections.abc import Callable

    from tutor.checking.check import Checker
    from tutor.classroom.grade import Grade
    from tutor.model.problem import CheckSettings


class Format(str, Enum):
    text = "text"
    json = "json"


def _finite(value: float | None) -> float | None:
    """Click's ranges let nan and inf through (every comparison with nan is false)."""
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a finite number")
    return value


RTOL = typer.Option(None, "--rtol", min=0.0, callback=_finite, help="Relative tolerance [problem's check:, else 1e-3].")
ATOL = typer.Option(
    None, "--atol", min=0.0, callback=_finite, help="Absolute tolerance floor for values near 0 [else 1e-4]."
)
SIGFIGS = typer.Option(
    None, "--sigfigs", min=1, max=17, help="Instead of --rtol: agree to this many significant digits."
)
DETAIL = typer.Option(
    1, "--detail", min=1, max=50, help="A data set: how many iterations are worked (keys step2.…) [1]."
)
CREDIT = typer.Option(
    None, "--carried-credit", min=0.0, max=1.0, callback=_finite, help="Credit for an error carried forward [else 0.5]."
)


def _settings(
    base: CheckSettings, rtol: float | None, atol: float | None, sigfigs: int | None, credit: float | None
) -> CheckSettings:
    given: dict[str, Any] = {"rtol": rtol, "atol": atol, "sigfigs": sigfigs, "carried_credit": credit}
    return replace(base, **{k: v for k, v in given.items() if v is not None})


def _solve(problem: Path, detail: int) -> Any:
    """The problem's derivation; an answers file given in its place gets a hint about the order."""
    from tutor.engines.solver import solve_any
    from tutor.errors import ProblemError
    from tutor.model.keys import looks_like_key

    try:
        return solve_any(problem, detail=detail, whole_run=False)
    except ProblemError as exc:
        if exc.key and looks_like_key(exc.key) and "unknown key" in exc.message:
            exc.message += " (this looks like an answers file: the problem file comes first)"
            raise ProblemError(exc.message, file=exc.file, key=exc.key, line=exc.line) from None
        raise


def _checker(problem: Path, *options: Any, detail: int = 1) -> Checker:
    from tutor.checking.check import Checker

    derivation = run(lambda: _solve(problem, detail))
    return run(lambda: Checker(derivation, _settings(derivation.problem.check, *options)))


@app.command(
    epilog="\b\nExamples:\n"
    "  nnstep check problems/relu-exercise.yaml my-answers.yaml\n"
    "  nnstep check problems/sigmoid-0.05-0.10.yaml answers.json --format json\n"
    "  nnstep check problems/sigmoid-0.05-0.10.yaml answers.yaml --sigfigs 3 --carried-credit 1\n"
    "  nnstep check problems/computation-graph.yaml graph-answers.yaml\n"
    "\b\nExit status: 0 every answer correct or carried, 1 some are not, 2 bad input."
)
def check(
    problem: Path = typer.Argument(..., help="Problem file (YAML).", show_default=False),
    answers: Path = typer.Argument(..., help="Answers file (YAML or JSON): key: value.", show_default=False),
    format: Format = typer.Option(Format.text, "--format", "-f", help="Output: text (a table) or json."),
    rtol: float | None = RTOL,
    atol: float | None = ATOL,
    sigfigs: int | None = SIGFIGS,
    carried_credit: float | None = CREDIT,
    digits: int = typer.Option(6, "--digits", min=1, max=30, help="Significant digits of expected values."),
    detail: int = DETAIL,
) -> None:
    """Check a student's answers: verdict per key, error carried forward, and the mistake made.

    Keys: y3.net, y3.out, loss, y3.delta, w13.grad, w13.new (later steps under step2: …); for a
    computation graph d.value, e.d.local (∂e/∂d) and b.grad (∂L/∂b). See `nnstep answers PROBLEM
    --blank` for a template.
    """
    from tutor.files.answers import read_answers

    checker = _checker(problem, rtol, atol, sigfigs, carried_credit, detail=detail)
    sheet = run(lambda: read_answers(answers))
    report = run(lambda: checker.check(sheet))
    if not report.items:  # exit 0 all the same: every answered key (none) is right
        typer.echo(f"nnstep: {answers}: no key is answered (blank values are skipped)", err=True)
    if format is Format.json:
        emit(json.dumps(report.to_json(), ensure_ascii=False), None)
    else:
        from tutor.render.console import console as terminal_console
        from tutor.render.report import print_report

        shown, hidden = _unknown_cut(report)
        console = terminal_console(soft_wrap=True)
        print_report(shown, console, digits=digits, title=f"{answers} — {problem}", unlisted=hidden)
    raise typer.Exit(0 if report.ok else 1)


MAX_UNKNOWN_ROWS = 20  # a file of 19,000 stray keys is summarised, not drawn as a 19,000-row table


def _unknown_cut(report: Any) -> tuple[Any, int]:
    """The report for the table (every key of the problem, the first `MAX_UNKNOWN_ROWS` keys that name
    nothing) and how many were left out; the score is the whole report's."""
    unknown = [i for i in report.items if i.expected is None]
    if len(unknown) <= MAX_UNKNOWN_ROWS:
        return report, 0
    left_out = {id(i) for i in unknown[MAX_UNKNOWN_ROWS:]}
    return replace(report, items=tuple(i for i in report.items if id(i) not in left_out)), len(left_out)


@app.command(
    epilog="\b\nExamples:\n"
    "  nnstep answers problems/relu-exercise.yaml\n"
    "  nnstep answers problems/sigmoid-0.05-0.10.yaml --blank -o homework.yaml\n"
    "  nnstep answers problems/relu-exercise.yaml -o key.yaml && nnstep check problems/relu-exercise.yaml key.yaml\n"
    "  nnstep answers problems/computation-graph.yaml --blank\n"
    "  nnstep answers problems/xor-data-sgd.yaml --detail 2 --blank   # two iterations of a data set\n"
    "  nnstep answers problems/sigmoid-0.05-0.10.yaml --symbolic       # the formula key\n"
    "\b\nKeys of a network: <neuron>.net, <neuron>.out, loss, <neuron>.delta, <parameter>.grad,\n"
    "<parameter>.new; later steps nest under step2:, step3:, …\n"
    "\b\nKeys of a computation graph (L = c*e, e = a + d, d = 2*b):\n"
    "  d.value: 2      <node>.value, each node's forward value (inputs are given: no key)\n"
    "  e.d.local: 1    <child>.<parent>.local, the local derivative ∂e/∂d on each edge\n"
    "  b.grad: -4      <name>.grad, ∂L/∂b for every node and input (L.grad is 1)"
)
def answers(
    problem: Path = typer.Argument(..., help="Problem file (YAML).", show_default=False),
    blank: bool = typer.Option(False, "--blank", help="A template with empty values and what each key is."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file instead of stdout."),
    digits: int = typer.Option(10, "--digits", min=3, max=30, help="Significant digits of inexact values."),
    detail: int = DETAIL,
    symbolic: bool = typer.Option(
        False, "--symbolic", help="The formula key: each key's formula in the problem's names (formula answers)."
    ),
) -> None:
    """Print the full answer key in the answers-file format (or a blank template to fill in)."""
    from tutor.checking.answerkey import answer_key_text

    if symbolic and blank:
        raise fail("--blank and --symbolic: choose one (a blank template is the same for formulas)", 2)
    derivation = run(lambda: _solve(problem, detail))
    if symbolic:
        from tutor.checking.formulakey import formula_key_text
        from tutor.engines.symbolic import derive_symbolic

        formulas = run(lambda: derive_symbolic(derivation.problem, derivation))
        emit(formula_key_text(derivation, formulas, digits=digits), output)
        return
    emit(answer_key_text(derivation, blank=blank, digits=digits), output)


@app.command(
    epilog="\b\nExamples:\n"
    "  nnstep grade problems/relu-exercise.yaml submissions/ -o grades.csv\n"
    "  nnstep grade problems/relu-exercise.yaml anna.yaml ben.json -o grades.csv --feedback-dir feedback/\n"
    "  nnstep grade problems/sigmoid-0.05-0.10.yaml hw3/ --sigfigs 3 > grades.csv\n"
    "  nnstep grade problems/computation-graph.yaml graph-hw/ -o grades.csv\n"
    "  nnstep grade --variants exam/variants.csv submissions/ -o grades.csv"
)
def grade(
    problem: Path | None = typer.Argument(
        None, help="Problem file (YAML); left out with --variants.", show_default=False
    ),
    submissions: list[Path] | None = typer.Argument(
        None, help="Answers files and/or folders of them.", show_default=False
    ),
    variants: Path | None = typer.Option(
        None, "--variants", help="variants.csv of `nnstep generate --roster`: each student against their own variant."
    ),
    output: Path | None = typer.Option(None, "--output", "-o", help="CSV gradebook (written atomically)."),
    feedback_dir: Path | None = typer.Option(None, "--feedback-dir", help="Write one Markdown file per student."),
    rtol: float | None = RTOL,
    atol: float | None = ATOL,
    sigfigs: int | None = SIGFIGS,
    carried_credit: float | None = CREDIT,
    detail: int = DETAIL,
) -> None:
    """Grade a class: one CSV row per student (id = file stem), score, credit per key, feedback.

    The problem is solved once. A file that cannot be read gets score 0 and the reason; it never
    stops the run.
    """
    from tutor.classroom import grade as lib

    if variants is not None:  # every positional argument is a submission
        options = (rtol, atol, sigfigs, carried_credit)
        given = [p for p in (problem, *(submissions or [])) if p is not None]
        return _grade_variants(variants, given, output, feedback_dir, options)
    if problem is None or not submissions:
        raise fail("give PROBLEM and SUBMISSIONS (answers files and/or folders), or --variants and SUBMISSIONS", 2)
    checker = _checker(problem, rtol, atol, sigfigs, carried_credit, detail=detail)
    grades = _graded(submissions, lambda paths, tick: lib.grade_all(checker, paths, tick))
    keys = lib.columns(checker, grades)
    pages = [(g.student, lib.feedback_markdown(g, checker, keys)) for g in grades] if feedback_dir else []
    _write_results(lib.gradebook_csv(grades, keys), output, feedback_dir, pages)
    bad = sum(1 for g in grades if g.report is None)
    note = f" ({bad} could not be read)" if bad else ""
    typer.echo(f"graded {len(grades)} submission(s){note}" + (f" → {output}" if output else ""), err=True)


def _grade_variants(
    mapping: Path, submissions: list[Path], output: Path | None, feedback_dir: Path | None, options: tuple
) -> None:
    """`grade --variants`: each student against the variant the mapping gives them, each variant solved once."""
    from tutor.classroom import grade as lib
    from tutor.files.roster import read_mapping

    files = {a.student: a.file for a in run(lambda: read_mapping(mapping))}
    checkers = lib.VariantCheckers(files, lambda base: _settings(base, *options))
    grades = _graded(submissions, lambda paths, tick: lib.grade_each(checkers, paths, tick))
    missing = lib.absent(grades, files)
    grades += missing
    first = next(iter(checkers.solved.values()), None)
    keys = lib.columns(first, grades) if first else []  # every variant has the same keys
    pages = []
    if feedback_dir is not None and first is not None:
        own = {s: checkers.solved.get(f, first) for s, f in files.items()}
        pages = [(g.student, lib.feedback_markdown(g, own.get(g.student, first), keys)) for g in grades]
    _write_results(lib.gradebook_csv(grades, keys), output, feedback_dir, pages)
    bad = sum(1 for g in grades if g.report is None) - len(missing)
    note = f" ({bad} could not be graded)" if bad else ""
    note += f"; {len(missing)} student(s) without a submission: score 0" if missing else ""
    count = len(grades) - len(missing)
    typer.echo(f"graded {count} submission(s) against {len(checkers.solved)} variant(s){note}", err=True)


def _graded(submissions: list[Path], grade: Callable[[list[Path], Any], list[Grade]]) -> list[Grade]:
    """The answers files of SUBMISSIONS (files and folders), graded with a progress bar."""
    from tutor.classroom import grade as lib

    skipped: list[Path] = []
    paths = lib.collect_submissions(submissions, skipped)
    if skipped:
        typer.echo(f"nnstep: {_skipped_note(skipped)}", err=True)
    if not paths:
        raise fail("no answers files (.yaml, .yml, .json) found", 2)
    with _progress(len(paths)) as tick:
        return run(lambda: grade(paths, tick))


def _skipped_note(skipped: list[Path], shown: int = 3) -> str:
    """`skipped 2 files that are not .yaml, .yml or .json: a.txt, notes.md` (the first few of many)."""
    from tutor.escape import terminal
    from tutor.fileio import shown as shown_name

    more = f", … ({len(skipped) - shown} more)" if len(skipped) > shown else ""
    names = ", ".join(terminal(shown_name(p)) for p in skipped[:shown]) + more
    return f"skipped {len(skipped)} file(s) that are not .yaml, .yml or .json: {names}"


def _write_results(gradebook: str, output: Path | None, folder: Path | None, pages: list[tuple[str, str]]) -> None:
    """The gradebook and the feedback files, all or none (stdout when no `output`); refused before
    anything is written when two students would get the same feedback file."""
    from tutor.classroom.grade import feedback_names
    from tutor.fileio import write_all_atomic

    files: list[tuple[Path, str]] = [] if output is None else [(output, gradebook)]
    if folder is not None:
        names = run(lambda: feedback_names([student for student, _ in pages]))
        files += [(folder / name, text) for name, (_, text) in zip(names, pages, strict=True)]
    run(lambda: write_all_atomic(files))
    if output is None:
        emit(gradebook, None)


def _progress(total: int) -> Any:
    """A Rich progress bar on stderr when it is a terminal; yields a tick function (or None)."""
    from tutor.render.console import no_color

    if not sys.stderr.isatty() or no_color():  # a live bar is made of ANSI codes
        return nullcontext(None)
    from contextlib import contextmanager

    from rich.console import Console
    from rich.progress import Progress

    @contextmanager
    def bar():
        with Progress(console=Console(stderr=True), transient=True) as progress:
            task = progress.add_task("grading", total=total)
            yield lambda: progress.advance(task)

    return bar()
