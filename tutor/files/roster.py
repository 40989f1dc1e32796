"""Class rosters in, variant mappings out: `roster.csv` (student ids) and `variants.csv` (who got which variant).

roster.csv: one student id per row, in the first column; a header row is optional and recognised when its
first cell is one of `HEADERS` (then the column of that name is used). Blank rows are skipped; a repeated id is
an error.

variants.csv (written by `nnstep generate --roster`, read by `nnstep grade --variants` and `nnstep exam`):

    id,file,variant_id,seed
    anna,relu-exercise-vary-v001.yaml,v001,1234567890

`file` is relative to the folder of variants.csv.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from tutor.errors import InputError
from tutor.escape import csv_kept, csv_read
from tutor.fileio import read_bounded

HEADERS = frozenset(
    [
        "id",
        "student",
        "student_id",
        "studentid",
        "student_number",
        "username",
        "user",
        "email",
        "e_mail",
        "login",
        "name",
        "matriculation",
        "matriculation_number",
        "matrikelnummer",
    ]
)
MAPPING_FILE = "variants.csv"
MAPPING_COLUMNS = ("id", "file", "variant_id", "seed")
MAX_ROSTER_BYTES = 2 * 1024 * 1024
MAX_STUDENTS = 10000


@dataclass(frozen=True)
class Assignment:
    """One row of variants.csv: a student and their variant's problem file."""

    student: str
    file: Path  # resolved against the folder of variants.csv
    variant_id: str
    seed: str


def _read_text(path: Path) -> str:
    try:
        data = read_bounded(path, MAX_ROSTER_BYTES)
    except OSError as e:
        raise InputError(f"{path}: cannot read the file: {e.strerror or e}") from None
    if data is None:
        raise InputError(f"{path}: too large for a roster (over {MAX_ROSTER_BYTES} bytes)")
    try:
        return data.decode("utf-8-sig")  # -sig: spreadsheets like to start with a BOM
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None


def read_roster(path: Path) -> list[str]:
    """The student ids of a roster file, in order."""
    rows = [(n, r) for n, r in csv_rows(path) if any(c.strip() for c in r)]
    column = 0
    if rows and _header(rows[0][1][0]) in HEADERS:
        column = next(i for i, c in enumerate(rows[0][1]) if _header(c) in HEADERS)
        rows = rows[1:]
    ids: list[str] = []
    for number, (line, row) in enumerate(rows, start=1):
        student = row[column].strip() if column < len(row) else ""
        if not student:
            raise InputError(f"row {number} has no student id", file=str(path), line=line)
        ids.append(student)
    return _checked(path, ids)


def csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of each record of a CSV file; a malformed one (a field past csv's size limit,
    a NUL) is an InputError naming the file and line."""
    reader = csv.reader(io.StringIO(_read_text(path)))
    try:
        for row in reader:
            yield reader.line_num, row
    except csv.Error as e:
        raise InputError(f"not a readable CSV row: {e}", file=str(path), line=reader.line_num) from None


def _header(cell: str) -> str:
    """`Student ID`, `student-id` → `student_id`."""
    return re.sub(r"[\s_.-]+", "_", cell.strip().lower())


def _checked(path: Path, ids: list[str]) -> list[str]:
    if not ids:
        raise InputError(f"{path}: no student ids")
    if len(ids) > MAX_STUDENTS:
        raise InputError(f"{path}: too many students ({len(ids)}; at most {MAX_STUDENTS})")
    seen: set[str] = set()
    for student in ids:
        if any(unicodedata.category(c) == "Cc" for c in student):
            raise InputError(f"{path}: student id {student!r} contains a control character")
        if student in seen:
            raise InputError(f"{path}: student id {student!r} appears twice")
        seen.add(student)
    return ids


def mapping_csv(rows: Sequence[tuple[str, str, str, int]]) -> str:
    """variants.csv text from (student, file name, variant id, seed) rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(MAPPING_COLUMNS)
    writer.writerows((csv_kept(s), csv_kept(f), csv_kept(v), seed) for s, f, v, seed in rows)  # ids open in sheets
    return buffer.getvalue()


def read_mapping(path: Path) -> list[Assignment]:
    """The rows of a variants.csv, files resolved next to it (cells past the header's columns are ignored)."""
    rows = [(n, r) for n, r in csv_rows(path) if r]
    header = rows[0][1] if rows else []
    if any(c not in header for c in MAPPING_COLUMNS):
        raise InputError(f"{path}: not a variants mapping (expected the columns {', '.join(MAPPING_COLUMNS)})")
    out = []
    for line, cells in rows[1:]:
        row = dict(zip(header, [csv_read(c) for c in cells] + [""] * (len(header) - len(cells)), strict=False))
        if not row["id"].strip() or not row["file"].strip():
            raise InputError("a row without an id or file", file=str(path), line=line)
        file = Path(row["file"])
        if file.is_absolute() or ".." in file.parts:  # variants live in the mapping's folder, nowhere else
            message = f"file {row['file']!r} is not inside the folder of the mapping"
            raise InputError(message, file=str(path), line=line)
        out.append(Assignment(row["id"].strip(), Path(path).parent / file, row["variant_id"], row["seed"]))
    _checked(path, [a.student for a in out])
    return out
