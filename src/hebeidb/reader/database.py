"""The read-only Python API: open a built database, run its reports and ad-hoc SQL.

A reader reads only the file it opened: report templates and metadata, the public views' keys,
references and descriptions all come from the file (the build wrote them there). A reader never
creates, builds or replaces a file; its connection is read-only, has no access to any other file,
and its settings are locked once configured (:mod:`hebeidb.common.connect`, role ``reader``).

:class:`Database` is the one guarded door of every reader: the command line, search, lineage,
rendering for other engines, the exports and the site all query through it, each query and each
template rendering under the reader's deadline and memory limit (:mod:`hebeidb.reader.guard`).

>>> import hebeidb
>>> hebeidb.build("hebei.duckdb")  # doctest: +SKIP
>>> with hebeidb.open("hebei.duckdb") as db:  # doctest: +SKIP
...     db.report("medals", kind="summer_paralympics").df()
...     db.sql("SELECT count(*) FROM facts WHERE domain = $d", {"d": "education"}).fetchall()
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from hebeidb.common.atomic import wait_for_lock
from hebeidb.common.connect import OPEN_RETRY_SECONDS, Attach, connect
from hebeidb.common.contract import (
    View,
    parse_report_rows,
    read_dataset,
    read_report_rows,
    read_views,
    require_contract,
)
from hebeidb.common.errors import (
    DatabaseError,
    DatabaseNotFoundError,
    ReportNotFoundError,
    StaleDatabaseWarning,
    require_type,
    unknown_name,
)
from hebeidb.common.paths import default_path
from hebeidb.common.progress import Listener
from hebeidb.common.reports import RenderedReport, ReportSpec, render, validate
from hebeidb.common.sqltext import quote_identifier
from hebeidb.common.version import __version__
from hebeidb.reader.guard import Deadline, Guard, check_read_only_query

if TYPE_CHECKING:
    import duckdb

    from hebeidb.common.lineage import ColumnLineage
    from hebeidb.reader.translate import Translation

T = TypeVar("T")
_DECIMAL = re.compile(r"DECIMAL\(\d+,\s*\d+\)")
PathLike = str | os.PathLike[str]


def open(
    path: PathLike | None = None,
    *,
    timeout: float = OPEN_RETRY_SECONDS,
    query_timeout: float | None = None,
    memory_limit: str | None = None,
) -> Database:
    """Open a built database read-only. Nothing is built, created or written.

    A missing file raises :class:`DatabaseError` naming the command that builds it (after waiting
    up to ``timeout`` seconds for a build of that file that is running). A file built by
    another version of hebeidb opens as it is, with a :class:`StaleDatabaseWarning` that says how to
    rebuild it. ``query_timeout`` (seconds) interrupts any query or template rendering that runs longer;
    ``memory_limit`` caps the memory of queries (default ``$HEBEIDB_READER_MEMORY_LIMIT`` or 2 GB).
    Every ``open`` opens the file anew: one opened after a build reads the new file.
    """
    if path is not None:
        require_type("path", path, (str, os.PathLike), "a path (str or pathlib.Path)")
    require_type("timeout", timeout, (int, float), "a number of seconds")
    if query_timeout is not None:
        require_type("query_timeout", query_timeout, (int, float), "a number of seconds or None")
    if memory_limit is not None:
        require_type("memory_limit", memory_limit, str, "a memory size such as '2GB', or None")
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
    except ValueError as error:  # a path holding a NUL character
        raise DatabaseError(f"cannot open {path!r}: {error}") from None


class Database:
    """A read-only connection to a built hebeidb database and the contract the file records.

    Readers never write: the connection is read-only, reads no file but the database, does not spill
    to disk, and its settings are locked after they are configured. Every query runs through
    the guard (deadline, memory limit, errors); nothing reaches the connection around it.
    """

    def __init__(
        self,
        path: PathLike,
        *,
        timeout: float = OPEN_RETRY_SECONDS,
        query_timeout: float | None = None,
        memory_limit: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.query_timeout = query_timeout
        self._memory_limit = memory_limit
        if not self.path.is_file():
            raise DatabaseError(f"{self.path} does not exist or is not a file")
        self._guard = Guard(query_timeout)
        self._connection = connect("reader", attach=Attach(self.path), memory_limit=memory_limit, timeout=timeout)
        self._guard.register(self._connection)
        try:
            deadline = self._guard.deadline()
            self._catalog = self._run(lambda con: con.execute("SELECT current_database()").fetchall()[0][0], deadline)
            self._run(lambda con: require_contract(con, self._catalog, self.path), deadline)
        except BaseException:
            self._connection.close()
            raise
        self._specs: dict[str, ReportSpec] | None = None
        self._choices: dict[str, tuple[Any, ...]] = {}

    # --- lifecycle ---------------------------------------------------------------------------
    def close(self) -> None:
        """Close the connection; the object cannot be used afterwards."""
        self._guard.unregister(self._connection)
        self._connection.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Database({str(self.path)!r})"

    # --- the guarded door --------------------------------------------------------------------
    def _run(self, action: Callable[[duckdb.DuckDBPyConnection], T], deadline: Deadline) -> T:
        """DuckDB work on the reader's connection, under ``deadline``."""
        return self._guard.run(lambda: action(self._connection), deadline)

    def _rows(self, query: str, params: Mapping[str, Any] | None, deadline: Deadline) -> list[tuple[Any, ...]]:
        """The rows of one of hebeidb's own queries (a catalog read, a parameter's allowed values)."""
        return self._run(lambda con: con.execute(query, dict(params) if params else None).fetchall(), deadline)

    def _deadline(self, timeout: float | None) -> Deadline:
        if timeout is not None:
            require_type("timeout", timeout, (int, float), "a number of seconds or None")
        return self._guard.deadline(timeout)

    # --- what the file says about itself -----------------------------------------------------
    def build_info(self) -> dict[str, Any]:
        """The row of ``build_info``: package and DuckDB versions, inputs hashes and origin, time of the build."""

        def read(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
            relation = con.sql("SELECT * FROM core.build_info")
            row = relation.fetchall()
            return dict(zip(relation.columns, row[0], strict=True)) if row else {}

        return self._run(read, self._guard.deadline())

    def stale_reason(self) -> str | None:
        """Why the file may be out of date for this installation (another hebeidb version built it), or None."""
        built_by = self.build_info().get("package_version")
        if built_by == __version__:
            return None
        return (
            f"{self.path} was built by hebeidb {built_by}; this is hebeidb {__version__}. It opens as it is; "
            f"rebuild it with `hebeidb build --db {self.path}` to get this version's data and reports"
        )

    def title(self) -> str:
        """The title of the data set the file holds."""
        return self._run(lambda con: read_dataset(con, self._catalog).title, self._guard.deadline())

    def dataset(self) -> Any:
        """The data set the file holds: its name, title and description."""
        return self._run(lambda con: read_dataset(con, self._catalog), self._guard.deadline())

    def views(self) -> list[View]:
        """The public views with description, key, references and columns (with descriptions), from the file."""
        return self._run(lambda con: read_views(con, self._catalog), self._guard.deadline())

    def describe(self, view: str | None = None) -> list[View]:
        """Every public view, or the one named, as the file describes it; an unknown name is refused.

        >>> [column.name for column in db.describe("facts")[0].columns][:3]  # doctest: +SKIP
        ['fact_id', 'domain', 'indicator']
        """
        if view is not None:
            require_type("view", view, str, "a view name (str) or None")
        views = self.views()
        if view is None:
            return views
        found = [v for v in views if v.name == view]
        if not found:
            raise unknown_name(f"no public view named {view!r}", view, [v.name for v in views], "views")
        return found

    # --- reports -----------------------------------------------------------------------------
    def reports(self) -> list[ReportSpec]:
        """The reports the file holds, sorted by name."""
        return list(self._report_specs().values())

    def report_spec(self, name: str) -> ReportSpec:
        """One report's spec (title, description, parameters, template) as the file holds it."""
        require_type("name", name, str, "a report name (str)")
        specs = self._report_specs()
        if name not in specs:
            raise unknown_name(f"no report named {name!r}", name, list(specs), "reports", error=ReportNotFoundError)
        return specs[name]

    def render(self, name: str, *, timeout: float | None = None, **params: Any) -> RenderedReport:
        """Validate the parameters and render the report's SQL (values stay as ``$name``)."""
        deadline = self._deadline(timeout)
        spec, values = self._validated(name, params, deadline)
        return self._guard.compute(lambda: render(spec, values), deadline, f"report {name}")

    def translate(
        self,
        name: str,
        dialect: str = "duckdb",
        *,
        unverified: bool = False,
        timeout: float | None = None,
        **params: Any,
    ) -> Translation:
        """The report's SQL for another engine (``postgres``, ``spark``, ``sqlite``; ``trino`` with
        ``unverified=True``), with the values to bind in that engine's order and placeholder style.

        >>> db.translate("medals", "postgres", kind="national_games").args()  # doctest: +SKIP
        ['national_games']
        """
        from hebeidb.reader.translate import translate

        require_type("dialect", dialect, str, "a dialect name (str)")
        deadline = self._deadline(timeout)
        spec, values = self._validated(name, params, deadline)
        rendered = self._guard.compute(lambda: render(spec, values), deadline, f"report {name}")
        return self._guard.compute(
            lambda: translate(rendered.sql, rendered.params, dialect, unverified=unverified),
            deadline,
            f"report {name} for {dialect}",
        )

    def lineage(self, name: str, *, timeout: float | None = None) -> list[ColumnLineage]:
        """Where each output column of a report (with its defaults) comes from: ``schema.table.column`` of
        the base tables, traced through the public views.

        >>> {c.column: c.sources for c in db.lineage("medals")}["gold"]  # doctest: +SKIP
        ('core.facts.value',)
        """
        from hebeidb.common.lineage import column_lineage

        deadline = self._deadline(timeout)
        spec, values = self._validated(name, {}, deadline)
        rendered = self._guard.compute(lambda: render(spec, values), deadline, f"report {name}")
        schema, views = self._run(_catalog_sql, deadline)
        return self._guard.compute(
            lambda: column_lineage(rendered.inline_sql(), schema, views), deadline, f"the lineage of report {name}"
        )

    def report(self, name: str, *, timeout: float | None = None, **params: Any) -> Result:
        """Run a report; the result reads like a DuckDB relation (``.df()``, ``.pl()``, ``.fetchall()`` ...).

        >>> db.report("indicators", domain="education", region="hebei").fetchall()  # doctest: +SKIP
        """
        deadline = self._deadline(timeout)
        spec, values = self._validated(name, params, deadline)
        if values == spec.defaults():
            # With its defaults a report is exactly its view, built from the same template: no
            # rendering needed (and Jinja stays unimported on this path).
            return self._result(f"SELECT * FROM {quote_identifier(spec.view_name)}", None, deadline, timeout)
        rendered = self._guard.compute(lambda: render(spec, values), deadline, f"report {name}")
        return self._result(rendered.sql, rendered.params or None, deadline, timeout)

    def _validated(self, name: str, params: Mapping[str, Any], deadline: Deadline) -> tuple[ReportSpec, dict[str, Any]]:
        spec = self.report_spec(name)
        return spec, validate(spec, params, lambda source: self._dynamic_choices(source, deadline))

    def _report_specs(self) -> dict[str, ReportSpec]:
        if self._specs is None:
            deadline = self._guard.deadline()
            rows = self._run(lambda con: read_report_rows(con, self._catalog), deadline)
            self._specs = self._guard.compute(lambda: parse_report_rows(rows), deadline, "the reports' metadata")
        return self._specs

    def _dynamic_choices(self, source: str | None, deadline: Deadline | None = None) -> tuple[Any, ...]:
        if source is None:
            return ()
        deadline = deadline or self._guard.deadline()
        if source not in self._choices:
            view, column = (quote_identifier(part) for part in source.split("."))
            rows = self._rows(
                f"SELECT DISTINCT {column} FROM {view} WHERE {column} IS NOT NULL ORDER BY 1", None, deadline
            )
            self._choices[source] = tuple(value for (value,) in rows)
        return self._choices[source]

    # --- finding ------------------------------------------------------------------------------
    def search(
        self,
        words: str | Sequence[str],
        *,
        numbers: bool = False,
        domain: str | None = None,
        limit: int = 50,
        timeout: float | None = None,
    ) -> SearchResult:
        """Facts that answer a question or hold its words, best first (BM25: every word helps, rare words more).

        A fact is searched in its label, what it counts, its indicator, unit, domain, programme,
        competition, region, source, quote, note, value and period. Each hit has its stated value
        with unit, qualifier, period, quote, whether it is inferred (``is_inferred``, with ``note``)
        and the words it holds (``matched``). When no fact answers the question, the result holds
        the closest sentences of the stored texts instead (``match = 'sentence'``, with offsets) and
        ``.no_figure`` says so in one line; ``.suggestions`` offers the record's own words for a
        word nothing in the record holds. With ``numbers=True`` the article's excluded numbers that
        hold its words come too, with their reason. ``domain`` keeps one domain's facts. A database built
        from other inputs is searched through its public ``facts`` view (see ``docs/search.md``).

        >>> db.search("How many children with autism were served?").fetchall()  # doctest: +SKIP
        >>> db.search("How much was spent on autism?").no_figure  # doctest: +SKIP
        """
        from hebeidb.reader.find import check_limit, split_words
        from hebeidb.reader.find import search as find

        if not isinstance(words, str):
            require_type("words", words, (list, tuple), "text or a list of words (str)")
            for word in words:
                require_type("each word", word, str, "text (str)")
        require_type("numbers", numbers, bool, "True or False")
        check_limit(limit)
        split_words(words)  # too many words, or none, are refused before any query runs
        deadline = self._deadline(timeout)
        if domain is not None:
            require_type("domain", domain, str, "a domain name (str) or None")
        found = find(lambda sql, values: self._rows(sql, values, deadline), words, numbers=numbers,
                     domain=domain, limit=limit)  # fmt: skip
        relation = self._run(lambda con: con.sql(found.sql, params=found.params), deadline)
        return SearchResult(
            self._guard,
            relation,
            timeout if timeout is not None else self.query_timeout,
            no_figure=found.no_figure,
            suggestions=found.suggestions,
            words=found.words,
        )

    # --- exports -----------------------------------------------------------------------------
    def export(
        self,
        directory: PathLike,
        format: str = "parquet",
        only: Sequence[str] | None = None,
        partition_by: Sequence[str] | str | None = None,
        *,
        listener: Listener | None = None,
        timeout: float | None = None,
    ) -> list[Path]:
        """Write every public view, report view and base table as one file each, with datapackage.json.

        ``format`` is ``parquet``, ``csv`` or ``sqlite`` (one SQLite file with a datasette ``metadata.json``);
        ``partition_by`` writes Parquet objects that have those columns as Hive-partitioned folders;
        ``listener(phase, rows, finished)`` hears of each file as it is written; ``timeout`` (seconds)
        interrupts any one query of the export that runs longer.

        >>> db.export("out", format="csv", only=["facts", "medal_tallies"])  # doctest: +SKIP
        >>> db.export("big", partition_by=["domain", "year"])  # doctest: +SKIP
        """
        from hebeidb.reader.export.files import export_database

        require_type("directory", directory, (str, os.PathLike), "a folder path (str or pathlib.Path)")
        require_type("format", format, str, "parquet, csv or sqlite")
        if only is not None:
            require_type("only", only, (list, tuple), "a list of view or table names, or None")
            for name in only:
                require_type("each name of only", name, str, "a view or table name (str)")
        if partition_by is not None and not isinstance(partition_by, str):
            require_type("partition_by", partition_by, (list, tuple), "column names (a list, or text with commas)")
            for name in partition_by:
                require_type("each partition column", name, str, "a column name (str)")
        self._deadline(timeout)
        return export_database(self, directory, format, only, partition_by, listener, timeout)

    def _session(
        self, role: str, *, writes: Sequence[Path] = (), threads: int | None = None, memory_limit: str | None = None
    ) -> ReaderSession:
        """A further connection of this reader in ``role`` (an export's), under the same guard and limits."""
        con = connect(
            role,
            attach=Attach(self.path),
            writes=writes,
            threads=threads,
            memory_limit=memory_limit or self._memory_limit,
        )
        return ReaderSession(con, self._guard)

    def site(self, out: PathLike, *, listener: Listener | None = None, timeout: float | None = None) -> list[Path]:
        """Write the static report site of this database into the folder ``out`` (the ``site`` extra:
        ``pip install "hebeidb[site]"``, or ``pip install ".[site]"`` in a checkout).

        ``listener(phase, files, finished)`` hears of each page as it is made; ``timeout`` (seconds) interrupts
        any one query or rendering that runs longer.

        >>> db.site("site")  # doctest: +SKIP
        """
        from hebeidb.reader.site import build_site

        require_type("out", out, (str, os.PathLike), "a folder path (str or pathlib.Path)")
        self._deadline(timeout)
        return build_site(self, out, listener, timeout)

    # --- ad-hoc SQL --------------------------------------------------------------------------
    def sql(self, query: str, params: Mapping[str, Any] | None = None, *, timeout: float | None = None) -> Result:
        """Run one read-only query; values bind as ``$name`` from ``params``.

        Anything but a single SELECT (or EXPLAIN) is refused before it runs; the connection can read
        no file, write nothing and change no setting. ``timeout`` (seconds) interrupts a long query.
        """
        check_read_only_query(query)
        if params is not None:
            require_type("params", params, Mapping, "a mapping of names to values (a dict) or None")
            for key in params:
                require_type("each parameter name", key, str, "a name (str)")
        deadline = self._deadline(timeout)
        return self._result(query, dict(params) if params else None, deadline, timeout)

    def _result(self, query: str, params: dict[str, Any] | None, deadline: Deadline, timeout: float | None) -> Result:
        relation = self._run(lambda con: con.sql(query, params=params), deadline)
        return Result(self._guard, relation, timeout if timeout is not None else self.query_timeout)


def _catalog_sql(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, dict[str, dict[str, str]]], dict[str, str]]:
    """The database's tables and views with their columns, and the public views' SQL, as lineage reads them."""
    schema: dict[str, dict[str, dict[str, str]]] = {}
    for schema_name, table, column, data_type in con.execute(
        """SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns()
           WHERE database_name = current_database() AND NOT internal
           ORDER BY schema_name, table_name, column_index"""
    ).fetchall():
        schema.setdefault(schema_name, {}).setdefault(table, {})[column] = data_type
    views = dict(
        con.execute(
            "SELECT view_name, sql FROM duckdb_views() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND NOT internal"
        ).fetchall()
    )
    return schema, views


class ReaderSession:
    """A further connection of a reader (an export writes on one), run through the reader's guard."""

    def __init__(self, con: duckdb.DuckDBPyConnection, guard: Guard) -> None:
        self.con = con
        self.guard = guard
        guard.register(con)

    def run(self, action: Callable[[duckdb.DuckDBPyConnection], T], timeout: float | None) -> T:
        """DuckDB work on this session's connection (or a cursor the action opens), under ``timeout``."""
        return self.guard.run(lambda: action(self.con), self.guard.deadline(timeout))

    def run_on(self, con: duckdb.DuckDBPyConnection, action: Callable[[], T], timeout: float | None) -> T:
        """DuckDB work on ``con`` (this session's connection or one of its cursors), under ``timeout``."""
        return self.guard.run(action, self.guard.deadline(timeout))

    def compute(self, action: Callable[[], T], timeout: float | None, what: str) -> T:
        """Python work over data from the file (sqlglot's), under ``timeout``."""
        return self.guard.compute(action, self.guard.deadline(timeout), what)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor of the session's connection, interrupted with it."""
        cursor = self.con.cursor()
        self.guard.register(cursor)
        return cursor

    def close_cursor(self, cursor: duckdb.DuckDBPyConnection) -> None:
        self.guard.unregister(cursor)
        cursor.close()

    def close(self) -> None:
        self.guard.unregister(self.con)
        self.con.close()


class Result:
    """The result of a report or query: a DuckDB relation whose errors and timeout are hebeidb's.

    ``fetchall()``, ``fetchone()``, ``fetchmany()``, ``df()``, ``pl()``, ``arrow()`` and
    ``fetchnumpy()`` run the query under the reader's timeout and raise :class:`QueryError` (or
    :class:`QueryTimeoutError`) rather than a raw DuckDB exception. ``relation`` is the DuckDB
    relation itself for anything else.

    Numbers: ``fetchall()`` and ``arrow()`` keep DuckDB's DECIMAL columns (``value``, medal counts) as
    ``Decimal`` and ``decimal128``; ``df()`` and ``pl()`` give them as float64, so that a data frame computes
    with them (pandas would hold ``Decimal`` objects, dtype ``object``). Nothing is lost: every value has at
    most two decimals and fewer than 16 significant digits, and the nearest double to such a decimal prints
    as that decimal again (``1300000.0``, ``97.5``, ``123.5``).
    """

    def __init__(self, guard: Guard, relation: duckdb.DuckDBPyRelation, timeout: float | None) -> None:
        self.relation = relation
        self._guard = guard
        self._timeout = timeout

    @property
    def columns(self) -> list[str]:
        return self.relation.columns

    @property
    def types(self) -> list[Any]:
        return self.relation.types

    def _call(self, action: Callable[[], T]) -> T:
        return self._guard.run(action, self._guard.deadline(self._timeout))

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._call(self.relation.fetchall)

    def fetchone(self) -> tuple[Any, ...] | None:
        """The first row, or None (DuckDB 2 relations keep no cursor: each call runs the query again)."""
        rows = self.fetchmany(1)
        return rows[0] if rows else None

    def fetchmany(self, size: int = 1) -> list[tuple[Any, ...]]:
        """The first ``size`` rows (each call runs the query again)."""
        require_type("size", size, int, "a whole number")
        return self._call(lambda: self.relation.limit(size).fetchall())

    def df(self) -> Any:
        """The result as a pandas DataFrame (the ``pandas`` extra: ``pip install "hebeidb[pandas]"``, or
        ``pip install ".[pandas]"`` in a checkout). DECIMAL columns come as float64 (see the class)."""
        return self._call(self._frame_relation().df)

    fetchdf = df

    def pl(self) -> Any:
        """The result as a polars DataFrame (the ``polars`` extra: ``pip install "hebeidb[polars]"``, or
        ``pip install ".[polars]"`` in a checkout). DECIMAL columns come as Float64 (see the class)."""
        return self._call(self._frame_relation().pl)

    def _frame_relation(self) -> duckdb.DuckDBPyRelation:
        """The relation data frames are made from: every DECIMAL column cast to DOUBLE (nested ones too)."""
        types = [str(kind) for kind in self.relation.types]
        if not any("DECIMAL(" in kind for kind in types):
            return self.relation
        # Columns by position (#n): a result may name two columns alike.
        select = ", ".join(
            f"CAST(#{n} AS {_DECIMAL.sub('DOUBLE', kind)}) AS {quote_identifier(name)}"
            if "DECIMAL(" in kind
            else f"#{n} AS {quote_identifier(name)}"
            for n, (name, kind) in enumerate(zip(self.relation.columns, types, strict=True), 1)
        )
        return self._call(lambda: self.relation.project(select))

    def arrow(self) -> Any:
        """The result as a pyarrow Table (``pip install pyarrow``), read whole: the connection is free
        for the next query. (DuckDB's own ``relation.arrow()`` returns a reader that holds the
        connection until drained; ``to_arrow_reader`` still streams when wanted.)"""
        return self._call(self.relation.to_arrow_table)

    def fetchnumpy(self) -> Any:
        return self._call(self.relation.fetchnumpy)

    def count(self) -> int:
        """How many rows the result has (counted by DuckDB, not fetched)."""
        return self._call(lambda: self.relation.aggregate("count(*)").fetchall()[0][0])

    def __getattr__(self, name: str) -> Any:
        # Everything else a DuckDB relation offers (to_arrow_table, limit, filter, ...), with the same
        # error translation and timeout for the calls that run the query.
        attribute = getattr(self.relation, name)
        if not callable(attribute):
            return attribute
        return lambda *args, **kwargs: self._call(lambda: attribute(*args, **kwargs))

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self.fetchall())

    def __repr__(self) -> str:
        return f"<hebeidb result: {', '.join(self.columns)}>"


class SearchResult(Result):
    """The result of :meth:`Database.search`: its rows, and what the search found out on the way.

    ``no_figure`` is one line ("no figure in the record matches ...") when no fact answers the
    search (the rows are then the closest sentences of the stored texts, ``match = 'sentence'``),
    else None; ``suggestions`` maps each word the record holds nowhere to its closest words in
    the record ("did you mean"); ``words`` are the words and numbers searched for;
    ``messages()`` gives these notes as lines for a person.
    """

    def __init__(
        self,
        guard: Guard,
        relation: duckdb.DuckDBPyRelation,
        timeout: float | None,
        *,
        no_figure: str | None,
        suggestions: Mapping[str, tuple[str, ...]],
        words: tuple[str, ...],
    ) -> None:
        super().__init__(guard, relation, timeout)
        self.no_figure = no_figure
        self.suggestions = dict(suggestions)
        self.words = words

    @property
    def answered(self) -> bool:
        """Whether some fact answers the search (False when the rows are the closest sentences instead)."""
        return self.no_figure is None

    def messages(self) -> list[str]:
        """The notes to read beside the rows, one line each: "did you mean ..." and the "no figure" line."""
        lines = [
            f"did you mean {' or '.join(repr(s) for s in suggested)} for {word!r}?"
            for word, suggested in self.suggestions.items()
        ]
        return lines + ([self.no_figure] if self.no_figure else [])
