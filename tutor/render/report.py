"""A check report on a Rich console: one table row per answered key, then the score."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from tutor.checking.check import CheckReport
from tutor.errors import cut_words
from tutor.maths.numfmt import fmt
from tutor.render.console import user_text

STYLE = {"correct": "green", "carried": "yellow", "incorrect": "red", "invalid": "magenta", "unanswered": "dim"}
MAX_UNANSWERED_ROWS = 50  # a long answer key left mostly blank: one summary row for the rest


def score_text(report: CheckReport) -> str:
    score = fmt(report.score) if report.score != int(report.score) else str(int(report.score))
    return f"Score: {score} / {report.max_score}"


def print_report(report: CheckReport, console: Console, *, digits: int = 6, title: str = "", unlisted: int = 0) -> None:
    table = Table(title=user_text(title) if title else None, show_lines=False, expand=False)
    table.add_column("key", no_wrap=True)
    table.add_column("given", justify="right")
    table.add_column("expected", justify="right")
    table.add_column("verdict")
    table.add_column("feedback", overflow="fold")
    for item in report.items:
        expected = "—" if item.expected is None else fmt(item.expected, digits)
        # never markup, controls escaped: a student's "[1]" or ESC prints as typed (the message names the tags)
        table.add_row(
            user_text(cut_words(item.key)),
            user_text(cut_words(item.raw)),
            Text(expected),
            Text(item.verdict, style=STYLE.get(item.verdict, "")),
            user_text(cut_words(item.message)),
        )
    for key in report.unanswered[:MAX_UNANSWERED_ROWS]:
        table.add_row(Text(key), Text(""), Text("—"), _unanswered(), Text("not answered: score 0"))
    if len(report.unanswered) > MAX_UNANSWERED_ROWS:
        more = len(report.unanswered) - MAX_UNANSWERED_ROWS
        table.add_row(Text("…"), Text(""), Text(""), _unanswered(), Text(f"{more} more keys, score 0"))
    console.print(table)
    if unlisted:  # a file of thousands of stray keys is summarised, not drawn row by row
        console.print(f"… and {unlisted:,} more keys that name nothing in this problem (--format json lists all)")
    console.print(Text(score_text(report), style="bold"))


def _unanswered() -> Text:
    return Text("unanswered", style=STYLE["unanswered"])
