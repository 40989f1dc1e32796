"""Compile a .tex file to PDF with latexmk or pdflatex, safely, next to the .tex.

The run happens in a temporary folder with `-no-shell-escape` and `-halt-on-error`, and with
kpathsea's paranoid file access (`openin_any=p`, `openout_any=p`: no absolute paths, no dot files), so
even a document that tried could neither run commands nor read files outside the TeX tree. The PDF is
copied next to the .tex atomically.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

from tutor.errors import InputError, NnstepError
from tutor.fileio import temporary_folder, write_atomic

INSTALL_HINT = "sudo apt-get install texlive-latex-base texlive-latex-recommended texlive-pictures"
FLAGS = ("-halt-on-error", "-no-shell-escape", "-interaction=nonstopmode")
TIMEOUT = 300  # seconds for one compilation
LOG_LINES = 12


class LatexError(NnstepError):
    """pdflatex failed on a document nnstep wrote: a bug in nnstep. Exit status 1."""


def tex_command(name: str) -> list[str]:
    """The command line compiling `name` in the current folder; InputError when there is no TeX."""
    pdflatex = shutil.which("pdflatex")
    if (latexmk := shutil.which("latexmk")) and pdflatex:
        # -norc: no latexmkrc may switch shell escape back on; pdflatex is named with its flags
        return [latexmk, "-norc", "-pdf", f"-pdflatex={shlex.quote(pdflatex)} {' '.join(FLAGS)} %O %S", name]
    if pdflatex:
        return [pdflatex, *FLAGS, name]
    raise InputError(f"no TeX found (pdflatex or latexmk) to make the PDF; install it: {INSTALL_HINT}")


def compile_pdf(tex: Path) -> Path:
    """Compile `tex`; returns the PDF written next to it. LatexError with the log's end on failure."""
    command = tex_command("document.tex")
    pdf = tex.with_suffix(".pdf")
    env = {**os.environ, "openin_any": "p", "openout_any": "p", "TEXMFOUTPUT": ""}
    with temporary_folder("nnstep-tex-") as tmp:
        folder = Path(tmp)
        shutil.copyfile(tex, folder / "document.tex")
        try:
            done = subprocess.run(
                command, cwd=folder, env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT
            )
        except subprocess.TimeoutExpired:
            raise LatexError(f"{tex}: {Path(command[0]).name} took longer than {TIMEOUT} s") from None
        made = folder / "document.pdf"
        if done.returncode != 0 or not made.exists():
            raise LatexError(f"{tex}: {Path(command[0]).name} failed:\n{log_tail(folder / 'document.log')}")
        write_atomic(pdf, made.read_bytes())
    return pdf


def log_tail(log: Path) -> str:
    """The error of a LaTeX log (from its first `!` line), else its last lines."""
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return "(no log)"
    start = next((i for i, line in enumerate(lines) if line.startswith("!")), None)
    chosen = lines[start : start + LOG_LINES] if start is not None else lines[-LOG_LINES:]
    return "\n".join(chosen)
