"""The one guarded door of a reader: every query, parameter check, template rendering and SQL analysis a
reader does runs through a :class:`Guard`, under one deadline and with one translation of errors.

- DuckDB work (:meth:`Guard.run`) runs on the reader's connections, which a timer interrupts at the deadline;
  DuckDB's errors become hebeidb's (a refused query, a failing one, one that needs more memory than readers
  may use, one that ran out of time).
- Python work over data from the file (:meth:`Guard.compute`: rendering a template, sqlglot's analysis of a
  report's SQL) runs in a worker thread that is abandoned at the deadline, and a structure nested too deeply
  to walk is refused rather than raising ``RecursionError``.
- :func:`check_read_only_query` refuses anything but one read-only statement before DuckDB sees it.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from hebeidb.common.connect import READER_MEMORY_ENV
from hebeidb.common.errors import (
    HebeidbError,
    ParameterError,
    QueryError,
    QueryMemoryError,
    QueryRefusedError,
    QueryTimeoutError,
    missing_library,
)
from hebeidb.common.sqltext import error_first_line, error_with_hints

if TYPE_CHECKING:
    import duckdb

T = TypeVar("T")

# Keywords that only statements which write, reach outside the database or change the session
# contain. A query holding one of them as a keyword (not inside a string or a quoted name) is
# refused before DuckDB sees it, wherever it hides (a CTE, a subquery). The connection itself is
# the real guard (read-only, no file access, settings locked); this gives a clear message first.
REFUSED_KEYWORDS = frozenset(
    {
        "ALTER", "ATTACH", "BEGIN", "CALL", "CHECKPOINT", "COMMIT", "COPY", "CREATE", "DEALLOCATE", "DELETE",
        "DETACH", "DROP", "EXECUTE", "EXPORT", "FORCE", "GRANT", "IMPORT", "INSERT", "INSTALL", "LOAD", "MERGE",
        "PRAGMA", "PREPARE", "RESET", "REVOKE", "ROLLBACK", "SET", "TRUNCATE", "UPDATE", "USE", "VACUUM",
    }
)  # fmt: skip
ALLOWED_STATEMENTS = ("SELECT", "EXPLAIN")
# Functions that read files, run SQL text of their own, or change the session (logging, profiling,
# checkpoints). The locked connection refuses what they would do anyway; naming them here refuses
# such queries up front with a clear message.
FILE_FUNCTIONS = re.compile(
    r"read_\w+|glob|sniff_csv|parquet_\w+|\w+_scan|iceberg_\w+|delta_\w+|which_secret|duckdb_secrets"
)
SESSION_FUNCTIONS = re.compile(r"query|query_table|enable_\w+|disable_\w+|truncate_\w+|\w*checkpoint")
# The longest query text a reader takes: far beyond any real query, short enough to parse at once.
MAX_QUERY_CHARACTERS = 1_000_000


class Deadline:
    """When a reader's work must end: ``seconds`` from now, or never (None or 0)."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds if seconds else None
        self.end = None if self.seconds is None else time.monotonic() + self.seconds

    def remaining(self) -> float | None:
        return None if self.end is None else max(self.end - time.monotonic(), 0.0)

    def expired(self) -> bool:
        return self.end is not None and time.monotonic() >= self.end

    def error(self) -> QueryTimeoutError:
        return QueryTimeoutError(
            f"query interrupted after {self.seconds:g} s (its timeout); narrow it or give a longer timeout"
        )

    def check(self) -> None:
        if self.expired():
            raise self.error()


class Guard:
    """The deadline and error translation of one reader, over the connections it registered."""

    def __init__(self, timeout: float | None = None) -> None:
        self.timeout = timeout
        self._connections: list[duckdb.DuckDBPyConnection] = []
        self._lock = threading.Lock()

    def deadline(self, timeout: float | None = None) -> Deadline:
        """A deadline ``timeout`` seconds away (the reader's own timeout when None)."""
        return Deadline(timeout if timeout is not None else self.timeout)

    def register(self, con: duckdb.DuckDBPyConnection) -> None:
        """A connection (or cursor) whose queries this guard's deadlines interrupt."""
        with self._lock:
            self._connections.append(con)

    def unregister(self, con: duckdb.DuckDBPyConnection) -> None:
        with self._lock:
            if con in self._connections:
                self._connections.remove(con)

    def _interrupt(self, fired: threading.Event) -> None:
        fired.set()
        with self._lock:
            connections = list(self._connections)
        for con in connections:
            with contextlib.suppress(Exception):  # a connection closed meanwhile has nothing to interrupt
                con.interrupt()

    def run(self, action: Callable[[], T], deadline: Deadline) -> T:
        """Run DuckDB work under ``deadline``, turning DuckDB's errors into hebeidb's."""
        import duckdb

        deadline.check()
        remaining = deadline.remaining()
        timer = None
        fired = threading.Event()
        if remaining is not None:
            timer = threading.Timer(remaining, self._interrupt, (fired,))
            timer.daemon = True
            timer.start()
        try:
            return action()
        except duckdb.InterruptException:
            if not fired.is_set() and not deadline.expired():  # interrupted from outside: Ctrl-C reached DuckDB
                raise KeyboardInterrupt from None
            raise deadline.error() from None
        except duckdb.PermissionException as error:
            raise QueryRefusedError(f"query refused: {error_first_line(error)}") from None
        except duckdb.InvalidInputException as error:
            missing = re.search(r"'(\w+)' is required for this operation but it was not installed", str(error))
            if missing:  # DuckDB's own check for pandas / pyarrow, when numpy is there but pandas is not
                raise _missing_data_library(missing.group(1)) from None
            if "configuration has been locked" in str(error):
                raise QueryRefusedError(f"query refused: {error_first_line(error)}") from None
            raise QueryError(f"query failed: {error_with_hints(error)}") from None
        except duckdb.OutOfMemoryException as error:
            raise QueryMemoryError(
                f"query needs more memory than readers may use: {error_first_line(error)} "
                f"(set ${READER_MEMORY_ENV} or memory_limit= to allow more)"
            ) from None
        except duckdb.Error as error:
            raise QueryError(f"query failed: {error_with_hints(error)}") from None
        except ModuleNotFoundError as error:
            raise _missing_data_library(error.name or "pandas") from None
        except RecursionError:
            raise QueryError("query failed: the query is nested too deeply to run") from None
        finally:
            if timer is not None:
                timer.cancel()

    def compute(self, action: Callable[[], T], deadline: Deadline, what: str) -> T:
        """Run Python work over data from the file (``what`` it is, for messages) under ``deadline``.

        The work runs in a worker thread; at the deadline the reader stops waiting and raises
        :class:`QueryTimeoutError` (the thread is left to end on its own; it holds nothing of the reader's).
        Work nested too deeply to walk is refused.
        """
        deadline.check()
        outcome: list[object] = []
        failure: list[BaseException] = []

        def work() -> None:
            try:
                outcome.append(action())
            except RecursionError:
                failure.append(ParameterError(f"{what}: nested too deeply to be read"))
            except BaseException as error:  # handed to the waiting thread
                failure.append(error)

        worker = threading.Thread(target=work, name="hebeidb-reader-work", daemon=True)
        worker.start()
        worker.join(deadline.remaining())
        if worker.is_alive():
            raise QueryTimeoutError(
                f"{what}: interrupted after {deadline.seconds:g} s (its timeout); give a longer timeout"
            )
        if failure:
            raise failure[0]
        return outcome[0]  # type: ignore[return-value]


def _missing_data_library(name: str) -> HebeidbError:
    """The error for a data-frame library that is not installed, naming the extra that installs it."""
    return missing_library(name, "polars" if name in ("polars", "pyarrow") else "pandas")  # polars brings pyarrow


def check_read_only_query(query: object) -> None:
    """Raise QueryRefusedError unless ``query`` is exactly one read-only statement."""
    import duckdb

    if not isinstance(query, str):
        raise QueryRefusedError(f"a query is text (str), not {type(query).__name__}; give one SELECT statement")
    if not query.strip():
        raise QueryRefusedError("the query is empty; give one SELECT statement")
    if len(query) > MAX_QUERY_CHARACTERS:
        raise QueryRefusedError(f"the query is {len(query):,} characters long; the limit is {MAX_QUERY_CHARACTERS:,}")
    try:
        query.encode("utf-8")
    except UnicodeEncodeError as error:
        raise QueryRefusedError(
            f"the query holds a character that is not text (at position {error.start}); give it as UTF-8"
        ) from None
    try:
        statements = duckdb.extract_statements(query)
    except duckdb.Error as error:
        raise QueryRefusedError(f"the query does not parse: {error_with_hints(error)}") from None
    except RecursionError:
        raise QueryRefusedError("the query is nested too deeply to parse") from None
    if len(statements) != 1:
        raise QueryRefusedError(f"give exactly one statement; this text holds {len(statements)}")
    # duckdb.tokenize gives byte offsets; keywords and function names are ASCII, so read the
    # words from the UTF-8 bytes.
    encoded = query.encode("utf-8")
    tokens = [(position, kind.name, _word_at(encoded, position)) for position, kind in duckdb.tokenize(query)]
    kind = statements[0].type.name
    if kind not in ALLOWED_STATEMENTS:
        first = next((word.upper() for _, name, word in tokens if name == "keyword"), kind)
        raise QueryRefusedError(f"only read-only queries (SELECT) are allowed, not {first} statements")
    for index, (position, name, word) in enumerate(tokens):
        if name == "keyword" and word.upper() in REFUSED_KEYWORDS:
            raise QueryRefusedError(
                f"only read-only queries are allowed; {word.upper()} at byte {position} would change the database"
            )
        previous = tokens[index - 1][2].upper() if index > 0 else ""
        if name == "string_const" and previous in ("FROM", "JOIN"):
            raise QueryRefusedError(f"reading files is not allowed: {previous} a quoted path at byte {position}")
        after = tokens[index + 1][0] if index + 1 < len(tokens) else len(encoded)
        if encoded[after : after + 1] == b"(" and name != "string_const":
            if FILE_FUNCTIONS.fullmatch(word.lower()):
                raise QueryRefusedError(f"reading files is not allowed: {word}() at byte {position}")
            if SESSION_FUNCTIONS.fullmatch(word.lower()):
                raise QueryRefusedError(
                    f"{word}() is not allowed: a read-only query may not run other SQL or change the session "
                    f"(at byte {position})"
                )


def _word_at(encoded: bytes, position: int) -> str:
    end = position
    while end < len(encoded) and ((chr(encoded[end]).isalnum() and encoded[end] < 128) or encoded[end] == 95):
        end += 1
    return encoded[position:end].decode("ascii")
