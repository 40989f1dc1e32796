"""The library's own exceptions; the CLI turns them into a message and an exit code."""

from __future__ import annotations


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
        return f"{head}{key}{self.message}"


class ProblemError(InputError):
    """A problem file that is not valid."""


class AnswersError(InputError):
    """An answers file that cannot be read."""


class CrossCheckError(NnstepError):
    """The SymPy and NumPy engines disagree: a bug in nnstep, never the user's fault. Exit status 1."""
