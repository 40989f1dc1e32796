"""The library's own exceptions; the CLI turns them into a message and an exit code."""

from __future__ import annotations

import re

MAX_WORD = 60  # a name (or any long word) in a message is cut to this many characters and "…"
_LONG_WORD = re.compile(rf"\S{{{MAX_WORD + 5},}}")
_PATH_MAX = 4096


class NnstepError(Exception):
    """Base class. `exit_code` is what the CLI exits with."""

    exit_code = 1


class InputError(NnstepError):
    """Bad input from a user: a problem file, an answers file, an option. Exit status 2.

    The message names the file, the key (a dotted path such as `neurons.y3.activation`) and the line
    where the parser knows it.
    """

    exit_code = 2

    def __init__(
        self, message: str, *, file: str | None = None, key: str | None = None, line: int | None = None
    ) -> None:
        self.message = message
        self.file = file
        self.key = key
        self.line = line
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = self.file or ""
        if self.line is not None:
            where += f":{self.line}" if where else f"line {self.line}"
        head = f"{where}: " if where else ""
        key = f"{self.key}: " if self.key else ""
        return cut_words(f"{head}{key}{self.message}", keep=len(head))


def cut_words(text: str, keep: int = 0) -> str:
    """Cut every very long word of `text` (a 100,000-character name, say) after its first `MAX_WORD`
    characters, keeping its closing punctuation. The first `keep` characters (the file name) and words
    that look like paths (with a `/`, within PATH_MAX) stay whole."""

    def cut(m: re.Match[str]) -> str:
        word = m.group()
        if "/" in word and len(word) <= _PATH_MAX:
            return word
        tail = re.search(r"[^\w…]{0,3}$", word)
        return word[:MAX_WORD] + "…" + (tail.group() if tail else "")

    return text[:keep] + _LONG_WORD.sub(cut, text[keep:])


class ProblemError(InputError):
    """A problem file that is not valid."""


class AnswersError(InputError):
    """An answers file that cannot be read."""


class CrossCheckError(NnstepError):
    """The SymPy and NumPy engines disagree: a bug in nnstep, never the user's fault. Exit status 1."""
