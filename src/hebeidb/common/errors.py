"""Every error hebeidb raises on purpose, each with the exit code the command line gives it.

One module holds them all. A class says what went wrong in its name and its docstring, and declares its own
``exit_code`` (never inherited silently): the command line prints the message on one line and exits with it.
The exit codes, as the documentation's table lists them:

- 1: the data or the work failed: the inputs hold problems, a build, export or site could not be written, a
  library is missing, an engine error no command foresaw;
- 2: usage: a bad argument, name, parameter, path or query (a missing or unusable database, a refused, failing
  or interrupted query, a target folder refused);
- 130: interrupted (Ctrl-C), whatever was under way (:data:`EXIT_INTERRUPTED`).

Errors carry their fields (a :class:`Problem` its file, line and column); the message is formatted once.
"""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_DATA = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


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

    exit_code = EXIT_DATA


# --- usage: what the user asked for is refused (exit 2) ---------------------------------------------------


class ParameterError(HebeidbError, ValueError):
    """A name, parameter, path or query was refused; the message says what is allowed."""

    exit_code = EXIT_USAGE


class UsageError(ParameterError):
    """A command line that does not say what to do (a missing or malformed option)."""

    exit_code = EXIT_USAGE


class ReportNotFoundError(ParameterError):
    """No report has the name asked for."""

    exit_code = EXIT_USAGE


class ReportParameterError(ParameterError):
    """A parameter is unknown, missing, of the wrong type or outside its allowed values."""

    exit_code = EXIT_USAGE


class QueryRefusedError(ParameterError):
    """Ad-hoc SQL that is not exactly one read-only query."""

    exit_code = EXIT_USAGE


class QueryError(ParameterError):
    """A query DuckDB cannot run (a misspelt table or column, a type error, a division by zero ...)."""

    exit_code = EXIT_USAGE


class QueryTimeoutError(QueryError):
    """A reader's work ran longer than its timeout and was interrupted (a query, or a template being rendered)."""

    exit_code = EXIT_USAGE


class QueryMemoryError(QueryError):
    """A query needed more memory than readers may use."""

    exit_code = EXIT_USAGE


class TemplateError(ParameterError):
    """A report's template or metadata breaks the rules (prints a value, undefined name, bad identifier).

    The location is kept as fields (``file`` relative to the inputs, ``line``) and formatted once, by
    ``str()``, so that the build can report it as a located problem without reading the message back.
    """

    exit_code = EXIT_USAGE

    def __init__(self, file: str | None, message: str, line: int | None = None) -> None:
        self.file = file
        self.line = line
        self.message = message
        where = file if line is None else f"{file}, line {line}"
        super().__init__(f"{where}: {message}" if file else message)


class TargetError(ParameterError):
    """A path to write is refused: a folder where a file should be, a missing parent, a folder that is not
    an unchanged earlier result, a path that may not be written."""

    exit_code = EXIT_USAGE


class InputsNotFoundError(ParameterError):
    """The folder given as build inputs has no schema/ or seeds/."""

    exit_code = EXIT_USAGE


class DatabaseError(ParameterError):
    """The database file named cannot be used: it is not a file, not a hebeidb database, too old, or locked."""

    exit_code = EXIT_USAGE


class DatabaseNotFoundError(DatabaseError):
    """The database file asked for does not exist (nothing is created: build it first)."""

    exit_code = EXIT_USAGE


# --- the data or the work failed (exit 1) -----------------------------------------------------------------


class BuildError(HebeidbError):
    """The inputs are wrong or the build could not finish; the previous database is untouched."""

    exit_code = EXIT_DATA

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


class LockedError(HebeidbError):
    """Another writer holds the lock of the same target (another build of the same file is running)."""

    exit_code = EXIT_DATA


class ExportError(HebeidbError):
    """The export could not be written; nothing was replaced."""

    exit_code = EXIT_DATA


class SiteError(HebeidbError):
    """The site could not be written (a page or chart cannot be made); nothing was replaced."""

    exit_code = EXIT_DATA


class MissingLibraryError(HebeidbError):
    """An optional library this needs is not installed; the message says how to install it."""

    exit_code = EXIT_DATA


class EngineError(HebeidbError):
    """An error of DuckDB's that no command foresaw (out of memory while building, say)."""

    exit_code = EXIT_DATA


# --- warnings ----------------------------------------------------------------------------------------------


class StaleDatabaseWarning(UserWarning):
    """The file was built by another version of hebeidb than the one reading it."""


def require_type(name: str, value: object, types: type | tuple[type, ...], expected: str) -> None:
    """Raise :class:`ParameterError` naming ``name`` and the ``expected`` type unless ``value`` is one of ``types``
    (a bool is not taken for a number)."""
    if isinstance(value, bool) and bool not in (types if isinstance(types, tuple) else (types,)):
        raise ParameterError(f"{name} must be {expected}, not a bool")
    if not isinstance(value, types):
        raise ParameterError(f"{name} must be {expected}, not {type(value).__name__}")


def missing_library(module: str, extra: str) -> MissingLibraryError:
    """The error for an optional library that is not installed, with the command that installs it from the
    package index and from a checkout of the project."""
    return MissingLibraryError(
        f'this needs {module}, which is not installed; install it with pip install "hebeidb[{extra}]" '
        f'(from a checkout of hebeidb: pip install ".[{extra}]")'
    )


def require_library(module: str, extra: str) -> object:
    """Import the optional library ``module`` (of the ``extra`` that installs it), or raise
    :class:`MissingLibraryError` saying how to install it."""
    from importlib import import_module

    try:
        return import_module(module)
    except ModuleNotFoundError:
        raise missing_library(module, extra) from None
