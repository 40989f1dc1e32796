"""Grade a class: many answers files against one solved problem → a CSV gradebook and feedback files.

The problem is solved once (`Checker`); each submission is read and checked on its own, and a broken or
hostile one (binary, alias bomb, huge, deeply nested) becomes a row with score 0 and the reason — it
never stops the run.
"""

from __future__ import annotations

import csv
import io
import os
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tutor.checking.check import Checker, CheckReport, json_number
from tutor.errors import InputError, NnstepError
from tutor.escape import csv_cell, markdown, markdown_code
from tutor.fileio import shown
from tutor.files.answers import read_answers
from tutor.maths.numfmt import fmt
from tutor.model.problem import CheckSettings

SUFFIXES = (".yaml", ".yml", ".json")
NAME_MAX = 255  # bytes in one file name (Linux, macOS, Windows)


@dataclass(frozen=True)
class Grade:
    student: str  # the file stem
    path: Path
    report: CheckReport | None  # None when the file could not be read
    error: str | None = None


def collect_submissions(paths: Iterable[str | Path], skipped: list[Path] | None = None) -> list[Path]:
    """Answers files among `paths`: files as given, folders searched (recursively) for .yaml/.yml/.json;
    the other files found in folders are appended to `skipped`; a file named twice (`subs/` and
    `subs/anna.yaml`) is graded once."""
    found: dict[str, Path] = {}
    for p in map(Path, paths):
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.suffix.lower() in SUFFIXES and f.is_file():
                    found.setdefault(os.path.abspath(f), f)
                elif skipped is not None and f.is_file():
                    skipped.append(f)
        else:
            found.setdefault(os.path.abspath(p), p)
    return list(found.values())


def student_ids(paths: Sequence[Path]) -> list[str]:
    """The file stem; where files share it, as many of their folders as tell them apart (`b/anna`,
    `p/sub/bob`), else the whole name (`anna.json`). Bytes that are not UTF-8 are shown escaped (`b\\xe9n`).
    InputError when two are still the same: the gradebook would mix them up."""
    parts = [[*(q for q in p.parent.parts if q not in ("/", ".")), p.stem] for p in paths]
    depth = [1] * len(paths)
    while True:
        ids = ["/".join(q[-d:]) for q, d in zip(parts, depth, strict=True)]
        count = Counter(ids)
        grow = [i for i, d in enumerate(depth) if count[ids[i]] > 1 and d < len(parts[i])]
        if not grow:
            break
        for i in grow:
            depth[i] += 1
    ids = [shown(f"{i[: -len(p.stem)]}{p.name}" if count[i] > 1 else i) for i, p in zip(ids, paths, strict=True)]
    _unique(ids, [shown(p) for p in paths], "the same id")
    return ids


def feedback_names(students: Sequence[str]) -> list[str]:
    """Each student's feedback file name (`b/anna` → `b_anna.md`); InputError when two would be the same
    file (names that differ only in case are one file on macOS and Windows) or one is too long."""
    names = [student.replace("/", "_") + ".md" for student in students]
    _unique([n.casefold() for n in names], list(students), "the same feedback file")
    for student, name in zip(students, names, strict=True):
        if len(os.fsencode(name)) > NAME_MAX:
            raise InputError(f"the feedback file of {student} would have a name longer than {NAME_MAX} bytes")
    return names


def _unique(keys: Sequence[str], whose: Sequence[str], what: str) -> None:
    first: dict[str, str] = {}
    for key, who in zip(keys, whose, strict=True):
        if key in first:
            raise InputError(f"{first[key]} and {who} would get {what} ({key}); rename one of them")
        first[key] = who


def grade_file(checker: Checker, path: Path, student: str) -> Grade:
    try:
        return Grade(student, path, checker.check(read_answers(path)))
    except RecursionError:
        return Grade(student, path, None, "answers file nested too deeply")
    except MemoryError:
        return Grade(student, path, None, "answers file too large")
    except Exception as exc:  # noqa: BLE001 — one bad submission never stops the run
        return Grade(student, path, None, str(exc) or type(exc).__name__)


def grade_all(checker: Checker, paths: Sequence[Path], progress: Callable[[], None] | None = None) -> list[Grade]:
    grades = []
    for path, student in zip(paths, student_ids(paths), strict=True):
        grades.append(grade_file(checker, path, student))
        if progress:
            progress()
    return grades


class VariantCheckers:
    """Each student's own checker from a variants mapping (`nnstep grade --variants`): student id → problem
    file; each distinct file is solved once, on first use."""

    def __init__(self, files: Mapping[str, Path], settings: Callable[[CheckSettings], CheckSettings]) -> None:
        self.files = dict(files)
        self.settings = settings  # the problem's own check settings → the ones to grade with
        self.solved: dict[Path, Checker] = {}

    def __call__(self, student: str) -> Checker:
        from tutor.engines.solver import solve_any

        if student not in self.files:
            raise InputError(f"{student!r} is not in the variants mapping")
        file = self.files[student]
        if file not in self.solved:
            derivation = solve_any(file, whole_run=False)
            self.solved[file] = Checker(derivation, self.settings(derivation.problem.check))
        return self.solved[file]


def grade_each(
    checker_for: Callable[[str], Checker], paths: Sequence[Path], progress: Callable[[], None] | None = None
) -> list[Grade]:
    """`grade_all`, each student checked against their own checker (their variant); a student without one
    (not in the mapping, a broken variant file) gets a row with score 0 and the reason."""
    grades = []
    for path, student in zip(paths, student_ids(paths), strict=True):
        try:
            checker = checker_for(student)
        except NnstepError as exc:
            grades.append(Grade(student, path, None, str(exc)))
        else:
            grades.append(grade_file(checker, path, student))
        if progress:
            progress()
    return grades


def absent(grades: Sequence[Grade], students: Mapping[str, Path]) -> list[Grade]:
    """A row (score 0, "no submission") for each student of a variants mapping who handed nothing in."""
    handed_in = {g.student for g in grades}
    return [Grade(s, path, None, "no submission") for s, path in students.items() if s not in handed_in]


def columns(checker: Checker, grades: Sequence[Grade]) -> list[str]:
    """The assignment's keys: the keys that count (`tutor.model.keyset`), as in `nnstep check`, in derivation order."""
    return list(checker.counted)


def score_of(grade: Grade, keys: Sequence[str]) -> float:
    """The check report's own score (out of the keys that count); 0 for a file that could not be read."""
    return 0.0 if grade.report is None else grade.report.score


def feedback_line(grade: Grade, keys: Sequence[str]) -> str:
    """A short summary: the reason a file was refused, or every key that is not fully right."""
    if grade.report is None:
        return f"not graded: {grade.error}"
    notes = []
    for i in grade.report.items:
        if i.verdict != "correct":
            tags = f" ({', '.join(i.tags)})" if i.tags else ""
            notes.append(f"{i.key}: {i.verdict}{tags}")
    missing = [k for k in keys if k not in {i.key for i in grade.report.items}]
    if missing:
        notes.append(f"unanswered: {', '.join(missing)}")
    return "; ".join(notes) or "all correct"


def gradebook_csv(grades: Sequence[Grade], keys: Sequence[str]) -> str:
    """id, score, max_score, one column per key (the credit earned), feedback.

    The text cells (id, feedback) hold what students wrote and go through `csv_cell`, so none runs as a
    formula (`=cmd|' /C calc'!A0`, `-2+3`); the number cells are nnstep's own numbers, written as numbers."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", "score", "max_score", *keys, "feedback"])
    for g in grades:
        credit = {i.key: i.credit for i in g.report.items} if g.report else {}
        cells = [_num(credit.get(k, 0.0)) if g.report else "" for k in keys]  # unanswered: 0
        row = [csv_cell(g.student), _num(score_of(g, keys)), len(keys), *cells, csv_cell(feedback_line(g, keys))]
        writer.writerow(row)
    return buffer.getvalue()


def _num(x: float) -> str:
    n = json_number(x)
    return str(n)


def feedback_markdown(grade: Grade, checker: Checker, keys: Sequence[str]) -> str:
    """One student's feedback as Markdown: the score, then a table of their answers. Everything from a file
    (id, title, keys, values, messages) goes through `markdown`: the page an LMS renders runs none of it."""
    title = checker.problem.title or Path(checker.problem.source).stem
    lines = [f"# Feedback for {markdown(grade.student)}", "", f"Problem: {markdown(title)}", ""]
    if grade.report is None:
        return "\n".join([*lines, f"Your file could not be graded: {markdown(grade.error or '')}", ""])
    lines += [f"**Score: {_num(score_of(grade, keys))} / {len(keys)}**", ""]
    lines += ["| key | your value | expected | verdict | feedback |", "|---|---|---|---|---|"]
    for i in grade.report.items:
        expected = "—" if i.expected is None else fmt(i.expected, 6)
        row = [markdown(i.key), markdown(i.raw), expected, i.verdict, markdown(i.message)]
        lines.append("| " + " | ".join(row) + " |")
    answered = {i.key for i in grade.report.items}
    missing = [k for k in keys if k not in answered]
    if missing:
        lines += ["", "Not answered:", ""]
        lines += [f"- {markdown_code(k)}: {markdown(checker.describe(k))}" for k in missing]
    return "\n".join(lines) + "\n"
