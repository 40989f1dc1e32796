"""`nnstep exam`: a problem-sheet page per student (or variant) and a solutions document; real pdflatex runs.

Tests marked `latex` compile with a real pdflatex; they are skipped only when pdflatex/pdftotext are missing
and CI is not set.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import PROBLEMS
from typer.testing import CliRunner

from tutor.cli import app

VARY = str(PROBLEMS / "relu-exercise-vary.yaml")
HAVE_TEX = shutil.which("pdflatex") is not None and shutil.which("pdftotext") is not None
needs_tex = pytest.mark.skipif(not HAVE_TEX and not os.environ.get("CI"), reason="pdflatex/pdftotext not installed")
HOSTILE_ID = r"eve\input{/etc/passwd}_#%"


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), env={"NO_COLOR": "1", "COLUMNS": "200"})


@pytest.fixture
def roster_folder(tmp_path: Path) -> Path:
    (tmp_path / "roster.csv").write_text(f"id\nanna\nben\n{HOSTILE_ID}\n")
    folder = tmp_path / "variants"
    result = invoke("generate", VARY, "--roster", str(tmp_path / "roster.csv"), "--nice", "-o", str(folder))
    assert result.exit_code == 0, result.output
    return folder


def test_a_page_per_student_and_a_solutions_document(roster_folder: Path, tmp_path: Path) -> None:
    result = invoke("exam", str(roster_folder), "-o", str(tmp_path / "exam.tex"))
    assert result.exit_code == 0, result.output
    sheets = (tmp_path / "exam.tex").read_text()
    solutions = (tmp_path / "exam-solutions.tex").read_text()
    for doc in (sheets, solutions):
        assert doc.count(r"\documentclass") == 1 and doc.count(r"\clearpage") == 2
        assert doc.index(r"\textbf{Student:} anna") < doc.index(r"\textbf{Student:} ben")
        assert r"\textbf{Variant:} v001" in doc and r"\textbf{Variant:} v003" in doc
        assert r"\input{" not in doc  # the hostile id is escaped
        assert r"eve\textbackslash{}input\{/etc/passwd\}\_\#\%" in doc
    assert "Forward pass" not in sheets and "Task." in sheets
    assert solutions.count("Forward pass") == 3 and r"\textbf{Solution.}" in solutions


def test_without_a_roster_a_page_per_variant_file(tmp_path: Path) -> None:
    folder = tmp_path / "v"
    assert invoke("generate", VARY, "-n", "4", "-o", str(folder)).exit_code == 0
    result = invoke("exam", str(folder), "-o", str(tmp_path / "e.tex"), "--solutions", str(tmp_path / "key.tex"))
    assert result.exit_code == 0, result.output
    sheets = (tmp_path / "e.tex").read_text()
    assert sheets.count(r"\clearpage") == 3 and r"\textbf{Name:}" in sheets
    assert [f"v00{i}" in sheets for i in range(1, 5)] == [True] * 4
    assert (tmp_path / "key.tex").read_text().count("Forward pass") == 4


def test_bad_exam_input(tmp_path: Path) -> None:
    assert invoke("exam", str(tmp_path / "missing"), "-o", str(tmp_path / "e.tex")).exit_code == 2
    assert invoke("exam", str(tmp_path), "-o", str(tmp_path / "e.tex")).exit_code == 2  # no problem files
    (tmp_path / "p.yaml").write_text(Path(VARY).read_text())
    same = invoke("exam", str(tmp_path), "-o", str(tmp_path / "e.tex"), "--solutions", str(tmp_path / "e.tex"))
    assert same.exit_code == 2 and "two different files" in same.output


def test_mapping_files_stay_in_their_folder(tmp_path: Path) -> None:
    (tmp_path / "variants.csv").write_text("id,file,variant_id,seed\nanna,../../etc/passwd,v001,1\n")
    result = invoke("exam", str(tmp_path), "-o", str(tmp_path / "e.tex"))
    assert result.exit_code == 2 and "not inside the folder" in result.output


@pytest.mark.latex
@needs_tex
def test_exam_and_solutions_compile_with_pdflatex(roster_folder: Path, tmp_path: Path) -> None:
    result = invoke("exam", str(roster_folder), "-o", str(tmp_path / "exam.tex"), "--pdf")
    assert result.exit_code == 0, result.output
    for name, marker in (("exam", "Task."), ("exam-solutions", "Parameters before and after")):
        pdf = tmp_path / f"{name}.pdf"
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
        assert text.count(marker) == 3
        assert "Student: anna" in text and "Variant: v002" in text
        assert "eve\\input{/etc/passwd}" in text  # printed, not run (pdftotext reads \\_ as a space)
