"""The read-only Python API: open a built database, run its reports and ad-hoc SQL.

A reader reads only the file it opened: report templates and metadata, the public views' keys,
references and descriptions all come from the file (the build wrote them there). A reader never
creates, builds or replaces a file; the connection is read-only, has no access to any other file,
and its settings are locked once configured, so that no query can change them.

>>> import hebeidb
>>> hebeidb.build("hebei.duckdb")  # doctest: +SKIP
>>> with hebeidb.open("hebei.duckdb") as db:  # doctest: +SKIP
...     db.report("medals", kind="summer_paralympics").df()
...     db.sql("SELECT count(*) FROM facts WHERE domain = $d", {"d": "education"}).fetchall()
"""

from __future__ import annotations

import os
import re
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import duckdb

from hebeidb.common.atomic import wait_for_lock
from hebeidb.common.contract import View, read_dataset, read_report_specs, read_views, require_contract
from hebeidb.common.errors import (
    DatabaseError,
    DatabaseNotFoundError,
    MissingLibraryError,
    ParameterError,
    QueryError,
    QueryMemoryError,
    QueryRefusedError,
    QueryTimeoutError,
    ReportNotFoundError,
    StaleDatabaseWarning,
    missing_library,
)
from hebeidb.common.paths import default_path
from hebeidb.common.progress import Listener
from hebeidb.common.reports import RenderedReport, ReportSpec, render, validate
from hebeidb.common.sqltext import error_first_line, error_with_hints, quote_identifier

# Keywords that only statements which write, reach outside the database or change the session
# contain. A query holding one of them as a keyword (not inside a string or a quoted name) is
# refused before DuckDB sees it, wherever it hides (a CTE, a subquery). The connection itself is
# the real guard (read-only, no file access, settings locked); this gives a clear message first.
REFUSED_KEYWORDS = frozenset(
    {
        "ALTER",
        "ATTACH",
        "BEGIN",
        "CALL",
        "CHECKPOINT",
        "COMMIT",
        "COPY",
        "CREATE",
        "DEALLOCATE",
        "DELETE",
        "DETACH",
        "DROP",
        "EXECUTE",
        "EXPORT",
        "FORCE",
        "GRANT",
        "IMPORT",
        "INSERT",
        "INSTALL",
        "LOAD",
        "MERGE",
        "PRAGMA",
        "PREPARE",
        "RESET",
        "REVOKE",
        "ROLLBACK",
        "SET",
        "TRUNCATE",
        "UPDATE",
        "USE",
        "VACUUM",
    }
)
ALLOWED_STATEMENTS = ("SELECT", "EXPLAIN")
# Functions that read files, run SQL text of their own, or change the session (logging, profiling,
# checkpoints). The locked connection refuses what they would do anyway; naming them here refuses
# such queries up front with a clear message.
FILE_FUNCTIONS = re.compile(
    r"read_\w+|glob|sniff_csv|parquet_\w+|\w+_scan|iceberg_\w+|delta_\w+|which_secret|duckdb_secrets"
)
SESSION_FUNCTIONS = re.compile(r"query|query_table|enable_\w+|disable_\w+|truncate_\w+|\w*checkpoint")
OPEN_RETRY_SECONDS = 10.0
MEMORY_ENV = "HEBEIDB_READER_MEMORY_LIMIT"
DEFAULT_READER_MEMORY = "2GB"
T = TypeVar("T")


def open(
    path: str | os.PathLike[str] | None = None,
    *,
    timeout: float = OPEN_RETRY_SECONDS,
    query_timeout: float | None = None,
    memory_limit: str | None = None,
) -> Database:
    """Open a built database read-only. Nothing is built, created or written.

    A missing file raises :class:`DatabaseError` naming the command that builds it (after waiting
    up to ``timeout`` seconds for a build of that file that is running). A file built by
    another version of hebeidb opens as it is, with a :class:`StaleDatabaseWarning` that says how to
    rebuild it. ``query_timeout`` (seconds) interrupts any query that runs longer;
    ``memory_limit`` caps the memory of queries (default ``$HEBEIDB_READER_MEMORY_LIMIT`` or 2 GB).
    """
    target = Path(path) if path is not None else default_path()
    if not _exists(target):
        # A build of this very file may be running (it holds the lock beside it): wait for it, read-only.
        wait_for_lock(target.absolute(), timeout)
    if not _exists(target):
        raise DatabaseNotFoundError(f"{target} does not exist; build it with `hebeidb build --db {target}`")
    database = Database(target, timeout=timeout, query_timeout=query_timeout, memory_limit=memory_limit)
    stale = database.stale_reason()
    if stale:
        warnings.warn(stale, StaleDatabaseWarning, stacklevel=2)
    return database


def _exists(path: Path) -> bool:
    """Whether ``path`` exists; a folder on the way that this user may not enter is a DatabaseError."""
    try:
        return path.exists()
    except OSError as error:
        raise DatabaseError(f"cannot open {path}: {error.strerror}") from None


class Database:
    """A read-only connection to a built hebeidb database and the contract the file records.

    Readers never write: the connection is read-only, reads no file but the database, does not spill
    to disk, and its settings are locked after they are configured.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        timeout: float = OPEN_RETRY_SECONDS,
        query_timeout: float | None = None,
        memory_limit: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.query_timeout = query_timeout
        self.con = connect_read_only(self.path, timeout, memory_limit)
        try:
            self._catalog = self.con.execute("SELECT current_database()").fetchall()[0][0]
            require_contract(self.con, self._catalog, self.path)
        except BaseException:
            self.con.close()
            raise
        self._specs: dict[str, ReportSpec] | None = None
        self._choices: dict[str, tuple[Any, ...]] = {}

    # --- lifecycle ---------------------------------------------------------------------------
    def close(self) -> None:
        """Close the connection; the object cannot be used afterwards."""
        self.con.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Database({str(self.path)!r})"

    # --- what the file says about itself -----------------------------------------------------
    def build_info(self) -> dict[str, Any]:
        """The row of ``build_info``: package and DuckDB versions, inputs hashes and origin, time of the build."""
        relation = self.con.sql("SELECT * FROM core.build_info")
        row = relation.fetchall()
        return dict(zip(relation.columns, row[0], strict=True)) if row else {}

    def stale_reason(self) -> str | None:
        """Why the file may be out of date for this installation (another hebeidb version built it), or None."""
        from hebeidb.common.version import __version__

        built_by = self.build_info().get("package_version")
        if built_by == __version__:
            return None
        return (
            f"{self.path} was built by hebeidb {built_by}; this is hebeidb {__version__}. It opens as it is; "
            f"rebuild it with `hebeidb build --db {self.path}` to get this version's data and reports"
        )

    def title(self) -> str:
        """The title of the data set the file holds."""
        return read_dataset(self.con, self._catalog).title

    def views(self) -> list[View]:
        """The public views with description, key, references and columns (with descriptions), from the file."""
        return read_views(self.con, self._catalog)

    def describe(self, view: str | None = None) -> list[View]:
        """Every public view, or the one named, as the file describes it; an unknown name is refused.

        >>> [column.name for column in db.describe("facts")[0].columns][:3]  # doctest: +SKIP
        ['fact_id', 'domain', 'indicator']
        """
        views = self.views()
        if view is None:
            return views
        found = [v for v in views if v.name == view]
        if not found:
            raise ParameterError(f"no public view named {view!r}; views: {', '.join(v.name for v in views)}")
        return found

    # --- reports -----------------------------------------------------------------------------
    def reports(self) -> list[ReportSpec]:
        """The reports the file holds, sorted by name."""
        return list(self._report_specs().values())

    def report_spec(self, name: str) -> ReportSpec:
        """One report's spec (title, description, parameters, template) as the file holds it."""
        specs = self._report_specs()
        if name not in specs:
            raise ReportNotFoundError(f"no report named {name!r}; reports: {', '.join(specs)}")
        return specs[name]

    def render(self, name: str, **params: Any) -> RenderedReport:
        """Validate the parameters and render the report's SQL (values stay as ``$name``)."""
        return render(*self._validated(name, params))

    def report(self, name: str, *, timeout: float | None = None, **params: Any) -> Result:
        """Run a report; the result reads like a DuckDB relation (``.df()``, ``.pl()``, ``.fetchall()`` ...).

        >>> db.report("indicators", domain="education", region="hebei").fetchall()  # doctest: +SKIP
        """
        spec, values = self._validated(name, params)
        if values == spec.defaults():
            # With its defaults a report is exactly its view, built from the same template: no
            # rendering needed (and Jinja stays unimported on this path).
            return self._run(f"SELECT * FROM {quote_identifier(spec.view_name)}", None, timeout)
        rendered = render(spec, values)
        return self._run(rendered.sql, rendered.params or None, timeout)

    def _validated(self, name: str, params: Mapping[str, Any]) -> tuple[ReportSpec, dict[str, Any]]:
        spec = self.report_spec(name)
        return spec, validate(spec, params, self._dynamic_choices)

    def _report_specs(self) -> dict[str, ReportSpec]:
        if self._specs is None:
            self._specs = read_report_specs(self.con, self._catalog)
        return self._specs

    def _dynamic_choices(self, source: str | None) -> tuple[Any, ...]:
        if source is None:
            return ()
        if source not in self._choices:
            view, column = source.split(".")
            rows = self.con.sql(
                f"SELECT DISTINCT {quote_identifier(column)} FROM {quote_identifier(view)} "
                f"WHERE {quote_identifier(column)} IS NOT NULL ORDER BY 1"
            )
            self._choices[source] = tuple(value for (value,) in rows.fetchall())
        return self._choices[source]

    # --- finding ------------------------------------------------------------------------------
    def search(
        self,
        words: str | list[str] | tuple[str, ...],
        *,
        numbers: bool = False,
        domain: str | None = None,
        limit: int = 50,
        timeout: float | None = None,
    ) -> Result:
        """Facts whose label, indicator, domain, programme or quote match every word, best matches first.

        Each hit has its stated value with unit, qualifier, period and quote. With ``numbers=True``
        the article's excluded numbers whose reason or surrounding words match come too, with their
        reason. ``domain`` keeps one domain's facts.

        >>> db.search("children with autism").fetchall()  # doctest: +SKIP
        """
        from hebeidb.reader.find import search as find

        if domain is not None and domain not in self._dynamic_choices("domains.domain"):
            allowed = ", ".join(map(str, self._dynamic_choices("domains.domain")))
            raise ParameterError(f"no domain named {domain!r}; domains: {allowed}")
        limit_seconds = timeout if timeout is not None else self.query_timeout
        relation = self._guard(
            lambda: find(self.con, words, numbers=numbers, domain=domain, limit=limit), limit_seconds
        )
        return Result(self, relation, limit_seconds)

    # --- exports -----------------------------------------------------------------------------
    def export(
        self,
        directory: str | os.PathLike[str],
        format: str = "parquet",
        only: list[str] | None = None,
        partition_by: list[str] | str | None = None,
        *,
        listener: Listener | None = None,
    ) -> list[Path]:
        """Write every public view, report view and base table as one file each, with datapackage.json.

        ``format`` is ``parquet``, ``csv`` or ``sqlite`` (one SQLite file with a datasette ``metadata.json``);
        ``partition_by`` writes Parquet objects that have those columns as Hive-partitioned folders;
        ``listener(phase, rows, finished)`` hears of each file as it is written.

        >>> db.export("out", format="csv", only=["facts", "medal_tallies"])  # doctest: +SKIP
        >>> db.export("big", partition_by=["domain", "year"])  # doctest: +SKIP
        """
        from hebeidb.reader.export.files import export_database

        return export_database(self.path, directory, format, only, partition_by, listener)

    def site(self, out: str | os.PathLike[str], *, listener: Listener | None = None) -> list[Path]:
        """Write the static report site of this database into the folder ``out`` (``pip install "hebeidb[site]"``).

        ``listener(phase, files, finished)`` hears of each page as it is made.

        >>> db.site("site")  # doctest: +SKIP
        """
        from hebeidb.reader.site import build_site

        return build_site(self, out, listener)

    # --- ad-hoc SQL --------------------------------------------------------------------------
    def sql(self, query: str, params: Mapping[str, Any] | None = None, *, timeout: float | None = None) -> Result:
        """Run one read-only query; values bind as ``$name`` from ``params``.

        Anything but a single SELECT (or EXPLAIN) is refused before it runs; the connection can read
        no file, write nothing and change no setting. ``timeout`` (seconds) interrupts a long query.
        """
        check_read_only_query(query)
        return self._run(query, dict(params) if params else None, timeout)

    def _run(self, query: str, params: dict[str, Any] | None, timeout: float | None) -> Result:
        limit = timeout if timeout is not None else self.query_timeout
        relation = self._guard(lambda: self.con.sql(query, params=params), limit)
        return Result(self, relation, limit)

    def _guard(self, action: Callable[[], T], timeout: float | None) -> T:
        """Run ``action`` under the timeout, turning DuckDB's errors into hebeidb's."""
        timer = None
        if timeout is not None:
            timer = threading.Timer(timeout, self.con.interrupt)
            timer.daemon = True
            timer.start()
        try:
            return action()
        except duckdb.InterruptException:
            raise QueryTimeoutError(
                f"query interrupted after {timeout:g} s (its timeout); narrow it or give a longer timeout"
            ) from None
        except duckdb.PermissionException as error:
            raise QueryRefusedError(f"query refused: {error_first_line(error)}") from None
        except duckdb.InvalidInputException as error:
            missing = re.search(r"'(\w+)' is required for this operation but it was not installed", str(error))
            if missing:  # DuckDB's own check for pandas / pyarrow, when numpy is there but pandas is not
                raise _missing_library(missing.group(1)) from None
            if "configuration has been locked" in str(error):
                raise QueryRefusedError(f"query refused: {error_first_line(error)}") from None
            raise QueryError(f"query failed: {error_with_hints(error)}") from None
        except duckdb.OutOfMemoryException as error:
            raise QueryMemoryError(
                f"query needs more memory than readers may use: {error_first_line(error)} "
                f"(set ${MEMORY_ENV} or memory_limit= to allow more)"
            ) from None
        except duckdb.Error as error:
            raise QueryError(f"query failed: {error_with_hints(error)}") from None
        except ModuleNotFoundError as error:
            raise _missing_library(error.name or "pandas") from None
        finally:
            if timer is not None:
                timer.cancel()


def _missing_library(name: str) -> MissingLibraryError:
    """The error for a data-frame library that is not installed, naming the extra that installs it."""
    return missing_library(name, "polars" if name in ("polars", "pyarrow") else "pandas")  # polars brings pyarrow


class Result:
    """The result of a report or query: a DuckDB relation whose errors and timeout are hebeidb's.

    ``fetchall()``, ``fetchone()``, ``fetchmany()``, ``df()``, ``pl()``, ``arrow()`` and
    ``fetchnumpy()`` run the query under the reader's timeout and raise :class:`QueryError` (or
    :class:`QueryTimeoutError`) rather than a raw DuckDB exception. ``relation`` is the DuckDB
    relation itself for anything else.
    """

    def __init__(self, database: Database, relation: duckdb.DuckDBPyRelation, timeout: float | None) -> None:
        self.relation = relation
        self._database = database
        self._timeout = timeout

    @property
    def columns(self) -> list[str]:
        return self.relation.columns

    @property
    def types(self) -> list[Any]:
        return self.relation.types

    def _fetch(self, method: str, *args: Any) -> Any:
        return self._database._guard(lambda: getattr(self.relation, method)(*args), self._timeout)

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._fetch("fetchall")

    def fetchone(self) -> tuple[Any, ...] | None:
        """The first row, or None (DuckDB 2 relations keep no cursor: each call runs the query again)."""
        rows = self.fetchmany(1)
        return rows[0] if rows else None

    def fetchmany(self, size: int = 1) -> list[tuple[Any, ...]]:
        """The first ``size`` rows (each call runs the query again)."""
        return self._database._guard(lambda: self.relation.limit(size).fetchall(), self._timeout)

    def df(self) -> Any:
        """The result as a pandas DataFrame (``pip install "hebeidb[pandas]"``)."""
        return self._fetch("df")

    def pl(self) -> Any:
        """The result as a polars DataFrame (``pip install "hebeidb[polars]"``)."""
        return self._fetch("pl")

    def arrow(self) -> Any:
        """The result as a pyarrow Table (``pip install pyarrow``), read whole: the connection is free
        for the next query. (DuckDB's own ``relation.arrow()`` returns a reader that holds the
        connection until drained; ``to_arrow_reader`` still streams when wanted.)"""
        return self._fetch("to_arrow_table")

    def fetchnumpy(self) -> Any:
        return self._fetch("fetchnumpy")

    def __getattr__(self, name: str) -> Any:
        # Everything else a DuckDB relation offers (to_arrow_table, limit, filter, ...), with the same
        # error translation and timeout for the calls that run the query.
        attribute = getattr(self.relation, name)
        if not callable(attribute):
            return attribute
        return lambda *args, **kwargs: self._database._guard(lambda: attribute(*args, **kwargs), self._timeout)

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self.fetchall())

    def __repr__(self) -> str:
        return f"<hebeidb result: {', '.join(self.columns)}>"


def check_read_only_query(query: str) -> None:
    """Raise QueryRefusedError unless ``query`` is exactly one read-only statement."""
    if not isinstance(query, str) or not query.strip():
        raise QueryRefusedError("the query is empty; give one SELECT statement")
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


def reader_memory_limit(value: str | None = None) -> str:
    """The memory limit of a reader: ``value``, else ``$HEBEIDB_READER_MEMORY_LIMIT``, else 2 GB."""
    return value or os.environ.get(MEMORY_ENV) or DEFAULT_READER_MEMORY


def _require_memory_size(limit: str, value: str | None) -> None:
    """ParameterError naming where ``limit`` came from when DuckDB cannot read it as a size.

    Asked only once opening the file has failed: a first DuckDB instance costs a reader some 30 ms.
    """
    try:
        duckdb.connect(config={"memory_limit": limit}).close()
    except duckdb.Error:
        where = "memory_limit=" if value else f"${MEMORY_ENV}"
        raise ParameterError(f"{where} {limit!r} is not a memory size; give one such as 500MB or 2GB") from None


def connect_read_only(path: Path, timeout: float = OPEN_RETRY_SECONDS, memory_limit: str | None = None) -> Any:
    """A read-only connection to ``path`` that can do nothing but read that database.

    No file access (``enable_external_access = false``), no spilling to disk (no temporary folder a
    query could reach), no extension loading, a memory limit, and the configuration locked, so that
    no query can change a setting (logging, profiling, limits) afterwards.
    """
    if not _exists(path) or not path.is_file():
        raise DatabaseError(f"{path} does not exist or is not a file")
    config = {
        "enable_external_access": False,
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_community_extensions": False,
        "temp_directory": "",
        "memory_limit": (limit := reader_memory_limit(memory_limit)),
        "lock_configuration": True,
    }
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        try:
            return duckdb.connect(str(path), read_only=True, config=config)
        except duckdb.IOException as error:
            # Another process holds the file for writing (only a build does, and only briefly
            # while it renames); retry until the timeout, then say so.
            if "lock" not in str(error).lower() or time.monotonic() > deadline:
                raise DatabaseError(f"cannot open {path}: {error_first_line(error)}") from None
        except duckdb.Error as error:
            _require_memory_size(limit, memory_limit)
            raise DatabaseError(f"cannot open {path}: {error_first_line(error)}") from None
        time.sleep(delay)
        delay = min(delay * 2, 0.2)
