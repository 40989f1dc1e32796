"""Exam sheets from a folder of variants: one page per student (or per variant), and a solutions document.

The folder is what `nnstep generate` wrote. With a `variants.csv` (from `--roster`) there is a page per student,
in roster order, with the student id and variant id on it; without one, a page per problem file (sorted by
name) with the variant id and a line for the name. Each page is the LaTeX renderer's own body
(`tutor.render.latex.render_latex`, `body_only`): the problem sheet without answers, or the whole worked
solution; pages are separated by `\\clearpage` in one compilable document. Each distinct variant file is solved
once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tutor.errors import InputError
from tutor.fileio import write_all_atomic
from tutor.files.roster import MAPPING_FILE, read_mapping
from tutor.model.derivation import Derivation
from tutor.render import latexfmt as lf
from tutor.render.latex import PACKAGES, LatexOptions, render_latex
from tutor.render.latexblocks import preamble

PREAMBLE = preamble(PACKAGES)  # the worked solutions' own preamble: every page typesets the same


@dataclass(frozen=True)
class Sheet:
    """One page of the exam: whose it is (None without a roster), which variant, and its problem file."""

    student: str | None
    variant_id: str
    file: Path


def collect_sheets(folder: Path) -> list[Sheet]:
    """The pages: from variants.csv when there is one, else one per problem file in the folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder of variants (write one with nnstep generate)")
    if (folder / MAPPING_FILE).exists():
        return [Sheet(a.student, a.variant_id, a.file) for a in read_mapping(folder / MAPPING_FILE)]
    files = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    if not files:
        raise InputError(f"{folder}: no problem files (.yaml) in it")
    return [Sheet(None, "", f) for f in files]


def solve_sheets(sheets: Sequence[Sheet]) -> dict[Path, Derivation]:
    """Each distinct problem file solved once (cross-checked)."""
    from tutor.engines.solver import solve_problem
    from tutor.files.loader import load_problem

    solved: dict[Path, Derivation] = {}
    for sheet in sheets:
        if sheet.file not in solved:
            solved[sheet.file] = solve_problem(load_problem(sheet.file))
    return solved


def variant_label(sheet: Sheet, derivation: Derivation) -> str:
    """The variant id: from the mapping, else the one recorded in the file, else the file stem."""
    recorded = (derivation.problem.variant or {}).get("id")
    return sheet.variant_id or (str(recorded) if recorded is not None else sheet.file.stem)


def page_head(sheet: Sheet, variant: str, solution: bool) -> str:
    """The line at the top of a page: who, which variant (escaped: ids are user text)."""
    who = rf"\textbf{{Student:}} {lf.line(sheet.student)}" if sheet.student is not None else ""
    name = "" if solution or sheet.student is not None else r"\textbf{Name:} \rule{7cm}{0.4pt}"
    kind = r"\textbf{Solution.} " if solution else ""
    return (
        rf"\noindent {kind}{who}{name}\hfill \textbf{{Variant:}} {lf.line(variant)}" + "\n"
        r"\par\smallskip\hrule\medskip" + "\n"
    )


def exam_document(sheets: Sequence[Sheet], solved: dict[Path, Derivation], solution: bool, digits: int = 6) -> str:
    """One document, a page (or more, for long solutions) per sheet."""
    opts = LatexOptions(digits=digits, body_only=True, solution=solution)
    bodies: dict[Path, str] = {}
    pages = []
    for sheet in sheets:
        derivation = solved[sheet.file]
        if sheet.file not in bodies:
            bodies[sheet.file] = render_latex(derivation, opts)
        pages.append(page_head(sheet, variant_label(sheet, derivation), solution) + bodies[sheet.file])
    kind = "solutions" if solution else "problem sheets"
    head = f"% nnstep exam: {kind}, {len(pages)} page(s)\n"
    return head + PREAMBLE + "\n\\clearpage\n".join(pages) + "\\end{document}\n"


def solutions_path(output: Path) -> Path:
    """exam.tex → exam-solutions.tex, next to it."""
    return output.with_name(f"{output.stem}-solutions{output.suffix or '.tex'}")


def write_exam(folder: Path, output: Path, solutions: Path | None = None, pdf: bool = False) -> list[Path]:
    """Write the problem sheets and the solutions (and their PDFs with `pdf`); returns the files written."""
    sheets = collect_sheets(folder)
    solved = solve_sheets(sheets)
    answers = solutions or solutions_path(output)
    if answers.resolve() == Path(output).resolve():
        raise InputError(f"{output}: the sheets and the solutions need two different files")
    targets = {output: False, answers: True}
    write_all_atomic([(path, exam_document(sheets, solved, solution)) for path, solution in targets.items()])
    written = list(targets)
    if pdf:
        from tutor.render.latexpdf import compile_pdf

        written += [compile_pdf(path) for path in targets]
    return written
