"""The read-only Python API: open a built database, run reports and ad-hoc SQL.

>>> import hebeidb
>>> with hebeidb.open() as db:  # doctest: +SKIP
...     db.report("medals", kind="summer_paralympics").df()
...     db.sql("SELECT count(*) FROM facts WHERE domain = $d", {"d": "education"}).fetchall()
"""

from __future__ import annotations

import builtins
import os
import re
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb

from .errors import DatabaseError, ParameterError
from .inputs import Inputs, default_path
from .reports import RenderedReport, ReportNotFoundError, ReportSpec, load_specs, render, validate

# Keywords that only statements which write, reach outside the database or change the session
# contain. A query holding one of them as a keyword (not inside a string or a quoted name) is
# refused before DuckDB sees it, wherever it hides (a CTE, a subquery).
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
# Table functions that read files. The connection cannot reach files anyway
# (enable_external_access = false); naming them here refuses such queries before they run.
FILE_FUNCTIONS = re.compile(r"read_\w+|glob|sniff_csv|parquet_\w+|\w+_scan|iceberg_\w+|delta_\w+")
OPEN_RETRY_SECONDS = 10.0


class QueryRefusedError(ParameterError):
    """Ad-hoc SQL that is not exactly one read-only query."""


class QueryError(ParameterError):
    """Ad-hoc SQL that DuckDB cannot run (a misspelt table or column, a type error, ...)."""


def open(
    path: str | os.PathLike[str] | None = None,
    *,
    build: bool = True,
    timeout: float = OPEN_RETRY_SECONDS,
) -> Database:
    """Open the database read-only, building it first when it is missing or out of date.

    Out of date means built from other schema, seeds or queries than the installed ones. A
    synthetic database (``hebeidb synth``) is never rebuilt: it opens as it is. With
    ``build=False`` a missing or out-of-date file raises :class:`DatabaseError` instead.
    """
    target = Path(path) if path is not None else default_path()
    installed = Inputs.installed()
    if not target.exists():
        if not build:
            raise DatabaseError(f"{target} does not exist; run `hebeidb build --db {target}` first")
        _build(target)
    database = Database(target, timeout=timeout)
    info = database.build_info()
    if info.get("inputs_sha256") == installed.sha256() or info.get("inputs_origin") == "synthetic":
        return database
    database.close()
    if not build:
        raise DatabaseError(
            f"{target} was built from other inputs than the installed ones "
            f"({info.get('inputs_origin', 'unknown')} inputs, hebeidb {info.get('package_version', '?')}); "
            f"rebuild it with `hebeidb build --db {target}` or open it with build=True"
        )
    _build(target)
    return Database(target, timeout=timeout)


def _build(target: Path) -> None:
    from .builder import build_database
    from .errors import BuildLockedError

    try:
        build_database(target)
    except BuildLockedError:
        # Someone else is building this very file; wait for that build instead of failing.
        _wait_for_unlock(target)


def _wait_for_unlock(target: Path, timeout: float = 120.0) -> None:
    import fcntl

    lock_path = target.with_name(f".{target.name}.lock")
    deadline = time.monotonic() + timeout
    with builtins.open(lock_path, "a+b") as handle:
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise DatabaseError(f"gave up after {timeout:.0f} s waiting for the build of {target}") from None
                time.sleep(0.05)


class Database:
    """A read-only connection to a built hebeidb database.

    Readers never write: the connection is read-only and has no access to files outside the
    database (DuckDB ``enable_external_access = false``).
    """

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = OPEN_RETRY_SECONDS) -> None:
        self.path = Path(path)
        self.con = _connect_read_only(self.path, timeout)
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

    # --- metadata ----------------------------------------------------------------------------
    def build_info(self) -> dict[str, Any]:
        """The row of ``build_info``: package version, inputs hash, time of the build."""
        try:
            relation = self.con.sql("SELECT * FROM core.build_info")
            row = relation.fetchall()
        except duckdb.Error as error:
            raise DatabaseError(f"{self.path} is not a hebeidb database: {error}") from None
        return dict(zip(relation.columns, row[0], strict=True)) if row else {}

    # --- reports -----------------------------------------------------------------------------
    def reports(self) -> list[ReportSpec]:
        """The reports this installation ships, sorted by name."""
        return list(self._report_specs().values())

    def report_spec(self, name: str) -> ReportSpec:
        specs = self._report_specs()
        if name not in specs:
            raise ReportNotFoundError(f"no report named {name!r}; reports: {', '.join(specs)}")
        return specs[name]

    def render(self, name: str, **params: Any) -> RenderedReport:
        """Validate the parameters and render the report's SQL (values stay as ``$name``)."""
        return render(*self._validated(name, params))

    def report(self, name: str, **params: Any) -> duckdb.DuckDBPyRelation:
        """Run a report; returns a DuckDB relation (``.df()``, ``.pl()``, ``.fetchall()`` ...).

        >>> db.report("indicators", domain="education", region="hebei")  # doctest: +SKIP
        """
        spec, values = self._validated(name, params)
        if values == spec.defaults():
            # With its defaults a report is exactly its view, built from the same template: no
            # rendering needed (and Jinja stays unimported on this path).
            return self.con.sql(f'SELECT * FROM "{spec.view_name}"')
        rendered = render(spec, values)
        return self.con.sql(rendered.sql, params=rendered.params or None)

    def _validated(self, name: str, params: Mapping[str, Any]) -> tuple[ReportSpec, dict[str, Any]]:
        spec = self.report_spec(name)
        return spec, validate(spec, params, self._dynamic_choices)

    def _report_specs(self) -> dict[str, ReportSpec]:
        if self._specs is None:
            self._specs = load_specs(Inputs.installed().queries_dir)
        return self._specs

    def _dynamic_choices(self, source: str | None) -> tuple[Any, ...]:
        if source is None:
            return ()
        if source not in self._choices:
            view, column = source.split(".")
            rows = self.con.sql(f'SELECT DISTINCT "{column}" FROM "{view}" WHERE "{column}" IS NOT NULL ORDER BY 1')
            self._choices[source] = tuple(value for (value,) in rows.fetchall())
        return self._choices[source]

    # --- exports -----------------------------------------------------------------------------
    def export(
        self, directory: str | os.PathLike[str], format: str = "parquet", only: list[str] | None = None
    ) -> list[Path]:
        """Write every public view, report view and base table as one file each, with datapackage.json.

        >>> db.export("out", format="csv", only=["facts", "medal_tallies"])  # doctest: +SKIP
        """
        from .export import export_database

        return export_database(self.path, directory, format, only)

    # --- ad-hoc SQL --------------------------------------------------------------------------
    def sql(self, query: str, params: Mapping[str, Any] | None = None) -> duckdb.DuckDBPyRelation:
        """Run one read-only query; values bind as ``$name`` from ``params``.

        Anything but a single SELECT (or EXPLAIN) is refused before it runs, and the connection
        can read no file outside the database.
        """
        check_read_only_query(query)
        try:
            return self.con.sql(query, params=dict(params) if params else None)
        except duckdb.PermissionException as error:
            raise QueryRefusedError(f"query refused: {_first_line(error)}") from None
        except duckdb.Error as error:
            raise QueryError(f"query failed: {_short(error)}") from None


def check_read_only_query(query: str) -> None:
    """Raise QueryRefusedError unless ``query`` is exactly one read-only statement."""
    if not isinstance(query, str) or not query.strip():
        raise QueryRefusedError("the query is empty; give one SELECT statement")
    try:
        statements = duckdb.extract_statements(query)
    except duckdb.Error as error:
        raise QueryRefusedError(f"the query does not parse: {_first_line(error)}") from None
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
        if FILE_FUNCTIONS.fullmatch(word.lower()) and encoded[after : after + 1] == b"(":
            raise QueryRefusedError(f"reading files is not allowed: {word}() at byte {position}")


def _word_at(encoded: bytes, position: int) -> str:
    end = position
    while end < len(encoded) and ((chr(encoded[end]).isalnum() and encoded[end] < 128) or encoded[end] == 95):
        end += 1
    return encoded[position:end].decode("ascii")


def _short(error: BaseException) -> str:
    """DuckDB's message on one line: the error, plus its "Did you mean" hint when it gives one."""
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    hint = next((line for line in lines[1:] if line.startswith("Did you mean")), "")
    return lines[0] + (f" ({hint})" if hint else "") if lines else type(error).__name__


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _connect_read_only(path: Path, timeout: float) -> duckdb.DuckDBPyConnection:
    if not path.is_file():
        raise DatabaseError(f"{path} does not exist or is not a file")
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        try:
            return duckdb.connect(str(path), read_only=True, config={"enable_external_access": False})
        except duckdb.IOException as error:
            # Another process holds the file for writing (only a build does, and only briefly
            # while it renames); retry until the timeout, then say so.
            if "lock" not in str(error).lower() or time.monotonic() > deadline:
                raise DatabaseError(f"cannot open {path}: {_first_line(error)}") from None
        except duckdb.Error as error:
            raise DatabaseError(f"cannot open {path}: {_first_line(error)}") from None
        time.sleep(delay)
        delay = min(delay * 2, 0.2)
