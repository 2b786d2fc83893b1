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

import itertools
from collections.abc import Iterable, Sequence
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
    """A name, parameter, path or query was refused; the message says what is allowed.

    ``suggestions`` holds the allowed names or values nearest to the one refused, best first (the message's
    "did you mean"), or is empty.
    """

    exit_code = EXIT_USAGE

    def __init__(self, *args: object, suggestions: Sequence[str] = ()) -> None:
        super().__init__(*args)
        self.suggestions = tuple(suggestions)


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


# --- names that are not known: the nearest ones, and how to list them all -------------------------------

SHORT_LIST = 12  # a message lists every allowed name up to this many; beyond, the nearest few and how to list them
NEAR = 0.6  # how alike (difflib's ratio, 0 to 1) a name must be to be suggested
CLOSE_TO_BEST = 0.1  # and at most this much less alike than the nearest
LARGE_LIST = 5_000  # beyond this many names, only those near in sorted order or holding the name are compared
NEIGHBOURS = 100


def closest_names(name: str, names: Iterable[object], count: int = 3) -> list[str]:
    """The allowed ``names`` nearest to ``name``, best first: alike by difflib's ratio (over lower case), or
    holding it (``autism`` -> ``autism_school_span``) or held in it (``medalss`` -> ``medals``)."""
    import difflib

    wanted = name.lower().strip()
    if not wanted:
        return []
    names = _candidates(name.strip(), names)
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(wanted)  # difflib caches what it learns of the second sequence: the refused name
    scored: list[tuple[float, str]] = []
    seen: set[str] = set()
    for candidate in names:
        text = str(candidate)
        if text in seen:
            continue
        seen.add(text)
        lowered = text.lower()
        if lowered == wanted:
            score = 1.0
        elif len(wanted) >= 3 and wanted in lowered:
            score = 0.9 + 0.05 * len(wanted) / len(lowered)  # a shorter name holding it is nearer
        elif len(lowered) >= 3 and lowered in wanted:
            score = 0.85 + 0.05 * len(lowered) / len(wanted)
        else:
            matcher.set_seq1(lowered)
            if matcher.real_quick_ratio() < NEAR or matcher.quick_ratio() < NEAR:
                continue
            score = matcher.ratio()
        if score >= NEAR:
            scored.append((score, text))
    scored.sort(key=lambda item: (-item[0], item[1]))
    # Only those about as near as the nearest: "reprot" is report or reports, not also export.
    return [text for score, text in scored[:count] if score >= scored[0][0] - CLOSE_TO_BEST]


def _candidates(name: str, names: Iterable[object]) -> Iterable[object]:
    """The names worth comparing with ``name``: all of them while they are a few thousand; of a longer list
    (the fact ids of a large database) those holding ``name`` and its neighbours in sorted order, so that a
    typo after the first characters is found at once among millions."""
    listed = names if isinstance(names, Sequence) else list(names)
    if len(listed) <= LARGE_LIST:
        return listed
    import bisect

    texts = [str(n) for n in listed]
    ordered = texts if all(a <= b for a, b in itertools.pairwise(texts)) else sorted(texts)
    at = bisect.bisect_left(ordered, name)
    holding = [text for text in texts if name in text][:NEIGHBOURS]
    return [*ordered[max(0, at - NEIGHBOURS) : at + NEIGHBOURS], *holding]


def did_you_mean(suggestions: Sequence[str]) -> str:
    """``"did you mean 'medals'?"`` (or ``'a' or 'b'``, ``'a', 'b' or 'c'``); empty without suggestions."""
    if not suggestions:
        return ""
    quoted = [repr(s) for s in suggestions]
    listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
    return f"did you mean {listed}?"


def unknown_name(
    refused: str,
    value: object,
    names: Sequence[object],
    kind: str,
    *,
    counted: str | None = None,
    how_to_list: str | None = None,
    error: type[ParameterError] = ParameterError,
) -> ParameterError:
    """The error for ``value``, which is not one of ``names``: ``refused`` (what was refused, in words), the
    nearest names (did you mean), then the names, as ``kind: a, b, c``; when there are more than
    ``SHORT_LIST`` and ``how_to_list`` says how to list them, only how many ``counted`` there are and how.

    >>> str(unknown_name("no report named 'medal'", "medal", ["medals", "timeline"], "reports"))
    "no report named 'medal'; did you mean 'medals'? reports: medals, timeline"
    """
    suggestions = closest_names(value, names) if isinstance(value, str) else []
    hint = did_you_mean(suggestions)
    if len(names) <= SHORT_LIST or how_to_list is None:
        listing = f"{kind}: {', '.join(map(str, names)) or 'none'}"
    else:
        listing = f"{len(names):,} {counted or kind}; list them all with {how_to_list}"
    return error(f"{refused}; {hint} {listing}" if hint else f"{refused}; {listing}", suggestions=suggestions)


def missing_library(module: str, extra: str) -> MissingLibraryError:
    """The error for an optional library that is not installed, with the command that installs it from the
    package index and from a checkout of the project."""
    return MissingLibraryError(
        f'this needs {module}, which is not installed; install it with pip install "hebeidb[{extra}]" '
        f'(in a checkout of hebeidb, from its folder: pip install ".[{extra}]")'
    )


def require_library(module: str, extra: str, package: str | None = None) -> object:
    """Import the optional library ``module`` (``package`` on the index, of the ``extra`` that installs it), or
    raise :class:`MissingLibraryError` saying how to install it."""
    from importlib import import_module

    try:
        return import_module(module)
    except ModuleNotFoundError:
        raise missing_library(package or module, extra) from None
