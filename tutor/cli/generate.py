"""`nnstep generate` (randomised variants of a problem, Moodle quizzes) and `nnstep exam` (sheets per student)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from tutor.cli.app import app
from tutor.cli.common import fail, run

if TYPE_CHECKING:
    from tutor.classroom.variants import Search
    from tutor.model.problem import Problem


class Format(str, Enum):
    yaml = "yaml"
    moodle = "moodle"


@app.command(
    epilog="\b\nExamples:\n"
    "  nnstep generate problems/relu-exercise-vary.yaml --count 30 --seed 7 --nice -o variants/\n"
    "  nnstep generate problems/relu-exercise-vary.yaml --roster roster.csv --seed 7 --nice -o exam/\n"
    "  nnstep generate problems/relu-exercise-vary.yaml --count 50 --format moodle -o quiz.xml\n"
    "  nnstep generate problems/relu-exercise-vary.yaml --count 50 --format moodle --ask y5.out --ask w13.grad -o q/"
    "\b\nExit status: 0 all variants found, 1 fewer found (those are written), 2 bad input."
)
def generate(
    problem: Path = typer.Argument(..., help="Problem file with a vary: section.", show_default=False),
    output: Path = typer.Option(..., "--output", "-o", help="Folder for the variants (moodle: or a .xml file)."),
    count: int | None = typer.Option(None, "--count", "-n", min=1, max=10000, help="How many variants [10]."),
    seed: int = typer.Option(1, "--seed", "-s", help="Master seed: the same seed gives the same files."),
    nice: bool = typer.Option(False, "--nice", help="Only variants whose every value has at most 2 decimals."),
    roster: Path | None = typer.Option(None, "--roster", help="CSV of student ids: one variant per student."),
    format: Format = typer.Option(Format.yaml, "--format", "-f", help="yaml: problem files; moodle: also quiz.xml."),
    ask: list[str] | None = typer.Option(
        None, "--ask", help="Moodle: a quantity to ask (repeatable) [outputs, loss, new parameters]."
    ),
) -> None:
    """Write randomised, pairwise different variants of a problem: ordinary problem files, each with its
    variant id and seed, drawn from the problem's vary: section. Degenerate ones (dead layers, saturated
    sigmoids, outputs already on target) are skipped. With --roster, one per student, seeded from the id,
    and a mapping variants.csv (id,file,variant_id,seed) for `nnstep grade --variants` and `nnstep exam`.
    """
    from tutor.classroom import variants as lib
    from tutor.files.roster import read_roster

    if roster is not None and count is not None:
        raise fail("give --count or --roster, not both", 2)
    base = run(lambda: lib.load_varied(problem))
    if ask:
        _check_ask(base, ask, format)
    if roster is not None:
        students = run(lambda: read_roster(roster))
        search = run(lambda: lib.generate_roster(base, students, seed, nice))
        wanted = len(students)
    else:
        wanted = count or 10
        search = run(lambda: lib.generate(base, wanted, seed, nice))
    quiz = format is Format.moodle and output.suffix.lower() == ".xml"
    folder = output.parent if quiz else output
    if not quiz:
        written = run(lambda: lib.write_variants(base, search, output, seed))
        _remove_stale(lib.stale_files(base, output, written))
    if format is Format.moodle:
        _write_quiz(search, output if quiz else output / "quiz.xml", ask, f"{problem.stem}-s{seed}-")
    _report(search, wanted, output if quiz else folder, base)


def _check_ask(base: Problem, ask: list[str], format: Format) -> None:
    """--ask keys are checked against this problem's own quantities before the search, not after it."""
    if format is not Format.moodle:
        raise fail("--ask chooses the quantities of a Moodle quiz: add --format moodle", 2)
    from tutor.classroom.moodle import asked_keys
    from tutor.engines.solver import solve_problem

    run(lambda: asked_keys(solve_problem(base, whole_run=False), ask))


def _remove_stale(paths: list[Path]) -> None:
    """Files of an earlier run that this one did not rewrite: removed, so that `nnstep exam` and `grade
    --variants` see this run's variants only."""
    for path in paths:
        path.unlink(missing_ok=True)
    if paths:
        names = ", ".join(p.name for p in paths[:5]) + (", …" if len(paths) > 5 else "")
        typer.echo(f"removed {len(paths)} file(s) of an earlier run: {names}", err=True)


def _write_quiz(search: Search, path: Path, ask: list[str] | None, id_prefix: str) -> None:
    from tutor.classroom.moodle import quiz_xml
    from tutor.cli.common import write_atomic
    from tutor.engines.solver import solve_problem

    def build() -> str:
        return quiz_xml([(v.id, solve_problem(v.problem, whole_run=False)) for v in search.found], ask, id_prefix)

    text = run(build)
    run(lambda: write_atomic(path, text))
    typer.echo(f"wrote {path}", err=True)


def _report(search: Search, wanted: int, where: Path, base: Problem) -> None:
    """What was written where (`where`: the folder of problem files, or the quiz file alone)."""
    found = len(search.found)
    quiz = where.suffix.lower() == ".xml"
    into = f"in {where}" if quiz else f"to {where}"
    if found < wanted:
        missing = search.missing[:20]
        wrote = f"wrote those {into}" if found else "wrote none"
        typer.echo(
            f"nnstep: found only {found} of {wanted} valid variant(s) of {base.source} "
            f"({search.summary()}); {wrote}" + (f"; none for: {', '.join(missing)}" if missing else ""),
            err=True,
        )
        raise typer.Exit(1)
    typer.echo(f"{'' if quiz else 'wrote '}{found} variant(s) {into} ({search.summary()})", err=True)


@app.command(
    epilog="\b\nExamples:\n"
    "  nnstep exam exam/ -o exam.tex                  # also writes exam-solutions.tex\n"
    "  nnstep exam exam/ -o exam.tex --solutions key.tex --pdf\n"
    "\b\nThe folder is what `nnstep generate` wrote; with its variants.csv (from --roster) there is a page\n"
    "per student with their id, else a page per problem file."
)
def exam(
    folder: Path = typer.Argument(..., help="Folder of variants (from nnstep generate).", show_default=False),
    output: Path = typer.Option(..., "--output", "-o", help="The problem sheets (.tex)."),
    solutions: Path | None = typer.Option(None, "--solutions", help="The solutions [<output>-solutions.tex]."),
    pdf: bool = typer.Option(False, "--pdf", help="Also compile both to PDF (pdflatex or latexmk)."),
) -> None:
    """Exam sheets: a LaTeX page per student (or variant) with the problem, id and variant on it, and a
    separate document with every worked solution."""
    from tutor.classroom.exam import write_exam

    for path in run(lambda: write_exam(folder, output, solutions, pdf)):
        typer.echo(f"wrote {path}", err=True)
