"""Exceptions of hebeidb. Every error a user can cause says where to look and what was expected."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the inputs, located as precisely as it can be.

    ``file`` is relative to the project (``seeds/facts.csv``); ``line`` is the 1-based line of that
    file (a CSV header is line 1); ``column`` is a CSV column or, for text files, the character
    column on that line.
    """

    check: str
    file: str
    message: str
    line: int | None = None
    column: str | None = None
    value: str | None = None
    expected: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column {self.column}"
        text = f"{where}: {self.message}"
        if self.value is not None:
            text += f"; found {_shorten(self.value)!r}"
        if self.expected is not None:
            text += f"; expected {_shorten(self.expected, 300)}"
        return f"{text} [{self.check}]"


def _shorten(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


class HebeidbError(Exception):
    """Base class of every error hebeidb raises on purpose."""


class BuildError(HebeidbError):
    """The inputs are wrong or the build could not finish; the previous database is untouched."""

    def __init__(self, problems: list[Problem] | str) -> None:
        if isinstance(problems, str):
            self.problems: list[Problem] = []
            message = problems
        else:
            self.problems = list(problems)
            count = len(self.problems)
            lines = [f"{count} problem{'s' if count != 1 else ''} found:"]
            lines += [f"  {problem}" for problem in self.problems]
            message = "\n".join(lines)
        super().__init__(message)


class BuildLockedError(BuildError):
    """Another build of the same database file is running."""


class DatabaseError(HebeidbError):
    """A database file is missing, unreadable, or not a hebeidb database."""


class DatabaseNotFoundError(DatabaseError):
    """The database file asked for does not exist (nothing is created: build it first)."""


class ParameterError(HebeidbError, ValueError):
    """A report name, parameter or query was refused; the message says what is allowed."""


class InputsNotFoundError(ParameterError):
    """The folder given as build inputs has no schema/ or seeds/."""
