"""Small LaTeX building blocks shared by the LaTeX views: align*, tables, listings, the preamble."""

from __future__ import annotations

from collections.abc import Sequence

BASE_PACKAGES = ("amsmath", "amssymb", "booktabs", "tikz")
TABLE_ROWS = 40  # rows per table (a tabular never breaks across pages)


def align(rows: Sequence[str]) -> str:
    return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"


def listing(head: str, items: Sequence[str]) -> str:
    return rf"\textbf{{{head}.}} " + ", ".join(items) + ".\n"


def table(header: Sequence[str], rows: Sequence[str], spec: str = "") -> str:
    """A booktabs table, centred; first column left, the others right unless `spec` says otherwise."""
    spec = spec or "l" + "r" * (len(header) - 1)
    lines = [
        r"\begin{center}",
        rf"\begin{{tabular}}{{{spec}}}",
        r"\toprule",
        " & ".join(header) + r" \\",
        r"\midrule",
        *(r + r" \\" for r in rows),
        r"\bottomrule",
        r"\end{tabular}",
        r"\end{center}",
    ]
    return "\n".join(lines)


def tables(header: Sequence[str], rows: Sequence[str], spec: str = "") -> list[str]:
    """As many tables of at most TABLE_ROWS rows as the rows need."""
    return [table(header, rows[i : i + TABLE_ROWS], spec) for i in range(0, len(rows), TABLE_ROWS)]


def body_note(packages: Sequence[str]) -> str:
    return (
        f"% body only, for \\input: needs \\usepackage{{{','.join(packages)}}} and \\allowdisplaybreaks;\n"
        "% laid out for a text width of about 16.5 cm, e.g. \\usepackage[a4paper,margin=2.2cm]{geometry}\n"
    )


def preamble(packages: Sequence[str]) -> str:
    extra = "\\pgfplotsset{compat=1.16}\n" if "pgfplots" in packages else ""
    return (
        "\\documentclass[11pt]{article}\n"
        "\\usepackage[a4paper,margin=2.2cm]{geometry}\n"
        f"\\usepackage{{{','.join(packages)}}}\n"
        f"{extra}"
        "\\allowdisplaybreaks\n"
        "\\setlength{\\parindent}{0pt}\n"
        "\\setlength{\\parskip}{4pt plus 1pt}\n"
        "\\begin{document}\n"
    )
