"""Run the schema and load the seeds into a DuckDB connection; locate every row DuckDB refuses.

Seeds are CSV files named after their table (``seeds/facts.csv`` fills ``core.facts``). Each is read
with DuckDB's ``read_csv`` using the column types of its table, through a temporary view
``stage_<table>``. An optional ``seeds/<table>.sql`` turns the staged rows into table rows (for
example to derive columns). The rows are inserted with ``INSERT ... SELECT`` straight from the CSV,
DuckDB enforcing every constraint the DDL declares. Only when it refuses them (or a later check
fails) is the CSV read again into a temporary table that remembers each row's line, and the rows
are checked against each constraint so that every violation is reported with its file, line and
column instead of as a bare constraint error.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from hebeidb.builder.inputs import Inputs
from hebeidb.common.contract import REQUIRED_TABLES as CONTRACT_TABLES
from hebeidb.common.errors import BuildError, Problem
from hebeidb.common.lineage import TableReads
from hebeidb.common.progress import Timings, timed
from hebeidb.common.sqltext import (
    error_first_line,
    quote_identifier,
    quote_literal,
    sql_statement_line,
    statement_kinds,
)

SCHEMA = "core"
# Tables the build fills itself rather than from a CSV file.
BUILD_FILLED_TABLES = ("source_texts", "input_files", "check_results", *CONTRACT_TABLES)
CSV_OPTIONS = (
    "header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"', strict_mode = true, nullstr = ''"
)
MAX_PROBLEMS_PER_CONSTRAINT = 20


@dataclass(frozen=True)
class Table:
    name: str
    columns: dict[str, str]  # column name -> DuckDB type, in table order
    primary_key: tuple[str, ...]
    # Foreign keys to the same table: (child columns, parent columns) each.
    self_references: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = ()

    @property
    def stage(self) -> str:
        return f"stage_{self.name}"


# What each kind of input file may hold: the schema declares (CREATE, and ALTER for COMMENT ON);
# a seed hook or a report is one query. Nothing in the inputs copies, attaches, loads or sets.
SCHEMA_STATEMENTS = ("CREATE", "ALTER")
QUERY_STATEMENTS = ("SELECT",)


def require_statements(text: str, file: str, allowed: tuple[str, ...], single: bool = False) -> list[Problem]:
    """Problems for statements of a kind ``allowed`` does not list (or for a second one, when ``single``)."""
    try:
        kinds = statement_kinds(text)
    except duckdb.Error as error:
        return [sql_problem(file, text, 0, error)]
    problems = [
        Problem(
            "sql",
            file,
            f"a {kind} statement is not allowed here",
            line=line,
            value=kind,
            expected=" or ".join(allowed) + " statements",
        )
        for kind, line in kinds
        if kind not in allowed
    ]
    if single and len(kinds) > 1 and not problems:
        problems.append(
            Problem("sql", file, "a second statement", line=kinds[1][1], expected="exactly one SELECT statement")
        )
    return problems


def run_sql_file(con: duckdb.DuckDBPyConnection, path: Path, inputs: Inputs) -> None:
    """Run every statement of a SQL file; an error names the file and the statement's line."""
    text = _read_text(path, inputs)
    problems = require_statements(text, inputs.relative(path), SCHEMA_STATEMENTS)
    if problems:
        raise BuildError(problems)
    # The whole file in one call is fast; only when it fails is it rolled back and run again a
    # statement at a time, to tell which statement (and line) failed.
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(text)
    except duckdb.Error:
        con.execute("ROLLBACK")
    else:
        con.execute("COMMIT")
        return
    try:
        statements = con.extract_statements(text)
    except duckdb.Error as error:
        raise BuildError([sql_problem(inputs.relative(path), text, 0, error)]) from None
    offset = 0
    for statement in statements:
        query = statement.query
        try:
            con.execute(query)
        except duckdb.Error as error:
            raise BuildError([sql_problem(inputs.relative(path), text, offset, error, query)]) from None
        offset += len(query)


def _read_text(path: Path, inputs: Inputs) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        data = path.read_bytes()
        line = data[: error.start].count(b"\n") + 1
        raise BuildError(
            [
                Problem(
                    "encoding",
                    inputs.relative(path),
                    f"byte 0x{data[error.start]:02x} is not valid UTF-8",
                    line=line,
                    expected="UTF-8 text",
                )
            ]
        ) from None
    except OSError as error:
        raise BuildError([Problem("files", inputs.relative(path), f"cannot read: {error.strerror}")]) from None


def sql_problem(file: str, text: str, offset: int, error: duckdb.Error, query: str | None = None) -> Problem:
    """Locate a DuckDB error in ``text``: the statement (or hook) starts at character ``offset``."""
    first_line = error_first_line(error)
    statement_line = sql_statement_line(str(error))
    if statement_line is not None:
        # DuckDB counts lines from the start of the statement it was given.
        return Problem("sql", file, first_line, line=text.count("\n", 0, offset) + statement_line)
    start = offset
    if query is not None:
        # Point at the statement itself, past the blank lines and comments before it.
        body = query.lstrip()
        while body.startswith("--"):
            body = body.split("\n", 1)[1].lstrip() if "\n" in body else ""
        start += len(query) - len(body)
    return Problem("sql", file, first_line, line=text.count("\n", 0, start) + 1)


def core_tables(con: duckdb.DuckDBPyConnection) -> list[Table]:
    """The base tables in the order they were created, which respects their foreign keys."""
    rows = con.execute(
        """
        SELECT t.table_name,
               list(c.column_name ORDER BY c.column_index),
               list(c.data_type ORDER BY c.column_index)
        FROM duckdb_tables() AS t
        JOIN duckdb_columns() AS c USING (database_name, schema_name, table_name)
        WHERE t.database_name = current_database() AND t.schema_name = $schema
        GROUP BY t.table_name, t.table_oid
        ORDER BY t.table_oid
        """,
        {"schema": SCHEMA},
    ).fetchall()
    keys: dict[str, tuple[str, ...]] = {}
    self_references: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
    for table, kind, columns, parent_columns in con.execute(
        """
        SELECT table_name, constraint_type, constraint_column_names, referenced_column_names
        FROM duckdb_constraints()
        WHERE database_name = current_database() AND schema_name = $schema
          AND (constraint_type = 'PRIMARY KEY' OR constraint_type = 'FOREIGN KEY' AND referenced_table = table_name)
        ORDER BY table_name, constraint_index
        """,
        {"schema": SCHEMA},
    ).fetchall():
        if kind == "PRIMARY KEY":
            keys[table] = tuple(columns)
        else:
            self_references.setdefault(table, []).append((tuple(columns), tuple(parent_columns)))
    return [
        Table(
            name,
            dict(zip(columns, types, strict=True)),
            keys.get(name, ()),
            tuple(self_references.get(name, ())),
        )
        for name, columns, types in rows
    ]


def seed_tables(con: duckdb.DuckDBPyConnection) -> list[Table]:
    """The tables loaded from seed CSVs, in the order they are loaded (their creation order)."""
    derived = set(derived_tables(con))
    return [t for t in core_tables(con) if t.name not in BUILD_FILLED_TABLES and t.name not in derived]


def load_seeds(
    con: duckdb.DuckDBPyConnection,
    inputs: Inputs,
    timings: dict[str, float] | None = None,
    tables: list[Table] | None = None,
    loaded: Callable[[str], None] | None = None,
) -> list[Table]:
    """Stage, validate and insert every seed CSV (``tables``, by default :func:`seed_tables`); returns
    the tables loaded from CSV.

    ``timings`` (seconds per phase: stage, validate, insert) is filled in when given; ``loaded`` is
    called with each table's name once its rows are in.
    """
    timings = timings if timings is not None else {}
    tables = seed_tables(con) if tables is None else tables
    with timed(timings, "stage"):
        stage_seeds(con, inputs, tables)
    for index, table in enumerate(tables):
        outcome = _validate_and_insert(con, inputs, table, timings)
        if isinstance(outcome, Refused):
            # Every CSV not yet inserted is read with its lines, so that all unreadable files are
            # named together; then this table's rows are held against each constraint.
            with timed(timings, "validate"):
                outcome = [p for later in tables[index:] for p in stage_lines(con, inputs, later)] or (
                    _refusal_problems(con, inputs, table, outcome)
                )
        if outcome:
            raise BuildError(outcome)
        if loaded is not None:
            loaded(table.name)
    return tables


def stage_seeds(con: duckdb.DuckDBPyConnection, inputs: Inputs, tables: list[Table]) -> None:
    """Make the view ``stage_<table>`` over each table's CSV (reading only its header); raise the problems of every
    file that cannot be staged (missing, empty, an unknown or repeated column) together."""
    problems: list[Problem] = []
    for table in tables:
        problems += _stage(con, inputs, table)
    if problems:
        raise BuildError(problems)


def stage_lines(con: duckdb.DuckDBPyConnection, inputs: Inputs, table: Table) -> list[Problem]:
    """Read ``table``'s CSV again into the temporary table ``stage_<table>`` with each row's line
    (``csv_line``), replacing the plain view the insert read; once per build, when a problem must be
    located. Returns the problem that makes the file unreadable, if any."""
    kind = con.execute(
        "SELECT count(*) FROM duckdb_views() WHERE temporary AND view_name = $name", {"name": table.stage}
    ).fetchall()[0][0]
    if not kind:
        return []  # already read with its lines (or never staged: a missing file was reported)
    path = seed_file(inputs, table.name)
    header, problem = _read_header(path, inputs.relative(path), ",".join(table.columns))
    if problem:
        return [problem]
    con.execute(f"DROP VIEW temp.{table.stage}")
    try:
        con.execute(
            f"CREATE TEMP TABLE {table.stage} AS "
            f"SELECT CAST(row_number() OVER () + 1 AS INTEGER) AS csv_line, * "
            f"FROM read_csv($path, {CSV_OPTIONS}, columns = {_column_types(table, header)})",
            {"path": str(path)},
        )
    except duckdb.Error as error:
        return [_csv_problem(inputs.relative(path), table, error)]
    return []


def derived_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Base tables the build fills from a view ``core.<table>_scan``, in creation order."""
    return [
        name
        for (name,) in con.execute(
            """SELECT t.table_name FROM duckdb_tables() AS t
               JOIN duckdb_views() AS v
                 ON v.database_name = t.database_name AND v.schema_name = t.schema_name
                AND v.view_name = t.table_name || '_scan'
               WHERE t.database_name = current_database() AND t.schema_name = $schema
               ORDER BY t.table_oid""",
            {"schema": SCHEMA},
        ).fetchall()
    ]


# The tokenizer reads its pattern from a variable so that DuckDB compiles it once; it is set before the
# derived tables are filled, on the connection that fills them.
PATTERN_VIEW = "number_pattern"
PATTERN_QUERY = f"SELECT regex FROM {SCHEMA}.{PATTERN_VIEW}"
SET_PATTERN = f"SET VARIABLE hebeidb_number_pattern = ({PATTERN_QUERY})"


def fill_derived_table(con: duckdb.DuckDBPyConnection, name: str) -> int:
    """Fill the derived table ``name`` from its ``_scan`` view; returns the rows."""
    insert = f"INSERT INTO {SCHEMA}.{quote_identifier(name)} SELECT * FROM {derived_view(name)}"
    return con.execute(insert).fetchall()[0][0]


def derived_view(name: str) -> str:
    return f"{SCHEMA}.{quote_identifier(name + '_scan')}"


def table_reads(con: duckdb.DuckDBPyConnection) -> TableReads:
    """Which base tables of this database's ``core`` schema a query may read (None when that cannot be told),
    from the catalog as it is now: the tables, and the text of every view and macro, for the lineage engine.

    Told from the text, not from a plan (a plan over empty tables may leave a join out): every table the
    query names, or a view or macro it names reads, recursively, whatever their case. Temporary views count
    (the staged seeds, the rows the checks read beside the tables).
    """
    # Each named with its schema (a temporary view by its name alone: it is found first whatever schema is named).
    catalog = con.execute(
        """SELECT schema_name || '.' || table_name, 'table', NULL FROM duckdb_tables()
           WHERE database_name = current_database() AND schema_name = $schema
           UNION ALL
           SELECT CASE WHEN temporary THEN view_name ELSE schema_name || '.' || view_name END, 'view', sql
           FROM duckdb_views()
           WHERE (database_name = current_database() OR temporary) AND NOT internal
           UNION ALL
           SELECT schema_name || '.' || function_name, 'macro',
                  CASE WHEN function_type = 'table_macro' THEN macro_definition
                       ELSE 'SELECT ' || macro_definition END
           FROM duckdb_functions()
           WHERE database_name = current_database() AND NOT internal AND macro_definition IS NOT NULL""",
        {"schema": SCHEMA},
    ).fetchall()
    tables = {name for name, kind, _ in catalog if kind == "table"}
    definitions: dict[str, list[str]] = {}
    for name, kind, text in catalog:
        if kind != "table":
            definitions.setdefault(name.lower(), []).append(text or "")
    return TableReads(tables, definitions)


def seed_file(inputs: Inputs, table: str) -> Path:
    return inputs.seeds_dir / f"{table}.csv"


def _stage(con: duckdb.DuckDBPyConnection, inputs: Inputs, table: Table) -> list[Problem]:
    path = seed_file(inputs, table.name)
    rel = inputs.relative(path)
    expected_header = ",".join(table.columns)
    if not path.is_file():
        return [Problem("files", rel, "file is missing", expected=f"a CSV file with header {expected_header}")]
    header, problem = _read_header(path, rel, expected_header)
    if problem:
        return [problem]
    unknown = [name for name in header if name not in table.columns]
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if unknown or duplicated:
        what = f"unknown column {', '.join(unknown)}" if unknown else f"repeated column {', '.join(duplicated)}"
        return [
            Problem(
                "header",
                rel,
                what,
                line=1,
                value=",".join(header),
                expected=f"columns of core.{table.name}: {expected_header}",
            )
        ]
    # A view: the insert reads the CSV once, in parallel, straight into the table. Lines are
    # numbered (stage_lines) only when a problem has to be located.
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {table.stage} AS SELECT * "
            f"FROM read_csv({quote_literal(str(path))}, {CSV_OPTIONS}, columns = {_column_types(table, header)})"
        )
    except duckdb.Error as error:
        return [_csv_problem(rel, table, error)]
    return []


def drop_stages(con: duckdb.DuckDBPyConnection, tables: list[Table]) -> None:
    """Drop every ``stage_<table>`` and ``rows_<table>``, views or tables, once the build no longer needs them."""
    names = [name for table in tables for name in (f"rows_{table.name}", table.stage)]
    for kind, name in con.execute(
        """SELECT 'VIEW', view_name FROM duckdb_views() WHERE temporary AND list_contains($names, view_name)
           UNION ALL
           SELECT 'TABLE', table_name FROM duckdb_tables() WHERE temporary AND list_contains($names, table_name)""",
        {"names": names},
    ).fetchall():
        con.execute(f"DROP {kind} IF EXISTS temp.{quote_identifier(name)}")


def _column_types(table: Table, header: list[str]) -> str:
    return "{" + ", ".join(f"{quote_literal(name)}: {quote_literal(table.columns[name])}" for name in header) + "}"


def _read_header(path: Path, rel: str, expected: str) -> tuple[list[str], Problem | None]:
    with path.open("rb") as handle:
        first = handle.readline()
    if not first.strip():
        return [], Problem(
            "header", rel, "file is empty or starts with a blank line", line=1, expected=f"header {expected}"
        )
    try:
        decoded = first.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return [], Problem(
            "encoding", rel, f"byte 0x{first[error.start]:02x} is not valid UTF-8", line=1, expected="UTF-8 text"
        )
    header = next(csv.reader([decoded.rstrip("\r\n")]))
    return [name.strip() for name in header], None


def _csv_problem(rel: str, table: Table, error: duckdb.Error) -> Problem:
    message = str(error)
    line_match = re.search(r"CSV Error on Line: (\d+)", message)
    line = int(line_match.group(1)) if line_match else None
    convert = re.search(r'Error when converting column "([^"]+)"\. Could not convert string "(.*?)" to', message)
    if convert:
        column, value = convert.group(1), convert.group(2)
        return Problem(
            "types",
            rel,
            "value has the wrong type",
            line=line,
            column=column,
            value=value,
            expected=_describe_type(table.columns.get(column, "?")),
        )
    count = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", message)
    if count:
        return Problem(
            "csv",
            rel,
            f"row has {count.group(2)} fields",
            line=line,
            expected=f"{count.group(1)} fields, one per header column",
        )
    if "unterminated quote" in message:
        return Problem(
            "csv", rel, "quoted field is never closed", line=line, expected='a closing " before the end of the file'
        )
    if "not utf-8 encoded" in message or "Invalid unicode" in message:
        return Problem("encoding", rel, "row is not valid UTF-8", line=line, expected="UTF-8 text")
    reason = next(
        (part.strip() for part in message.splitlines()[1:] if part.strip() and not part.startswith("Original Line")),
        message.splitlines()[0],
    )
    return Problem("csv", rel, reason, line=line)


def _describe_type(duckdb_type: str) -> str:
    decimals = re.fullmatch(r"DECIMAL\(\d+,\s*(\d+)\)", duckdb_type)
    if decimals:
        return f"a number with at most {decimals.group(1)} decimals"
    return {
        "DATE": "a date as YYYY-MM-DD",
        "BOOLEAN": "true or false",
        "INTEGER": "a whole number",
        "BIGINT": "a whole number",
        "VARCHAR": "text",
    }.get(duckdb_type, duckdb_type)


@dataclass(frozen=True)
class Refused:
    """DuckDB refused a table's rows: its error, or None when rows refer to each other in a cycle."""

    error: str | None


def _validate_and_insert(
    con: duckdb.DuckDBPyConnection, inputs: Inputs, table: Table, timings: dict[str, float]
) -> list[Problem] | Refused:
    """Insert the table's rows; returns the problems found before inserting (none when the rows
    went in), or :class:`Refused` (then :func:`_refusal_problems` locates why)."""
    problems = rows_view(con, inputs, table)
    if problems:
        return problems
    # DuckDB enforces every constraint of the DDL on insert, so clean rows go straight in; only when
    # the insert is refused do the validation queries run, to name each bad row's line and column.
    with timed(timings, "insert"):
        try:
            inserted = insert_rows(con, table, f"rows_{table.name}")
        except duckdb.Error as error:
            return Refused(error_first_line(error))
        if inserted is None:
            return Refused(None)
        if isinstance(timings, Timings):
            timings.count("insert", inserted)
    return []


def rows_view(con: duckdb.DuckDBPyConnection, inputs: Inputs, table: Table) -> list[Problem]:
    """The view ``rows_<table>`` of the rows to insert: the seed hook's query over ``stage_<table>``,
    or the staged rows themselves."""
    rel = inputs.relative(seed_file(inputs, table.name))
    rows = f"rows_{table.name}"
    hook = inputs.seeds_dir / f"{table.name}.sql"
    if hook.is_file():
        source = _read_text(hook, inputs)
        statements = require_statements(source, inputs.relative(hook), QUERY_STATEMENTS, single=True)
        if statements:
            return statements
        select = source.strip().rstrip(";")
        lead = len(source) - len(source.lstrip())
        try:
            # A view, not a copy: the validation queries and the insert read through it.
            con.execute(f"CREATE OR REPLACE TEMP VIEW {rows} AS {select}")
            con.execute(f"SELECT * FROM {rows} LIMIT 0").fetchall()
        except duckdb.Error as error:
            return [sql_problem(inputs.relative(hook), source, lead, error)]
    else:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {rows} AS SELECT * FROM {table.stage}")
    present = {name for (name,) in con.execute(f"SELECT column_name FROM (DESCRIBE {rows})").fetchall()}
    missing = [name for name in table.columns if name not in present]
    if missing:
        return [
            Problem(
                "header",
                rel,
                f"missing column {', '.join(missing)}",
                line=1,
                expected=f"header {','.join(table.columns)}",
            )
        ]
    return []


def _refusal_problems(con: duckdb.DuckDBPyConnection, inputs: Inputs, table: Table, refused: Refused) -> list[Problem]:
    """Why DuckDB refused ``table``'s rows, each problem with its line (its CSV is staged with lines
    by now). The build fails, so whatever rows went in go with it."""
    rel = inputs.relative(seed_file(inputs, table.name))
    rows = f"rows_{table.name}"
    problems = rows_view(con, inputs, table) or _constraint_problems(con, table, rows, rel)
    if problems:
        return problems
    if refused.error is not None:
        return [Problem("sql", rel, f"rows cannot be inserted into core.{table.name}: {refused.error}")]
    left = con.execute(f"SELECT min(csv_line) FROM {rows} AS r WHERE {_pending(table)}").fetchall()
    return [
        Problem(
            "foreign_key",
            rel,
            "rows refer to each other in a cycle",
            line=left[0][0],
            expected="parents that do not depend on their children",
        )
    ]


def _constraint_problems(con: duckdb.DuckDBPyConnection, table: Table, rows: str, rel: str) -> list[Problem]:
    constraints = [
        Constraint(*row)
        for row in con.execute(
            """
            SELECT constraint_type, expression, constraint_column_names, referenced_table, referenced_column_names
            FROM duckdb_constraints()
            WHERE database_name = current_database() AND schema_name = $schema AND table_name = $table
            ORDER BY CASE constraint_type WHEN 'NOT NULL' THEN 0 WHEN 'PRIMARY KEY' THEN 1 WHEN 'UNIQUE' THEN 2
                                          WHEN 'FOREIGN KEY' THEN 3 ELSE 4 END, constraint_index
            """,
            {"schema": SCHEMA, "table": table.name},
        ).fetchall()
    ]
    problems: list[Problem] = []
    for constraint in _screen_constraints(con, rows, constraints):
        kind, columns, referenced = constraint.kind, constraint.columns, constraint.referenced_columns
        parent = constraint.referenced_table
        if parent is not None:  # a reference: to the staged rows themselves, or to a table already loaded
            parent = rows if parent == table.name else f"{SCHEMA}.{quote_identifier(parent)}"
        sql = _sql("constraint_lines.sql", rows=rows, parent=parent, **vars(constraint))
        found = con.execute(sql, {"limit": MAX_PROBLEMS_PER_CONSTRAINT}).fetchall()
        if kind == "NOT NULL":
            for (line,) in found:
                problems.append(
                    Problem(
                        "not_null",
                        rel,
                        "required value is empty",
                        line=line,
                        column=columns[0],
                        expected=_describe_type(table.columns[columns[0]]),
                    )
                )
        elif kind in ("PRIMARY KEY", "UNIQUE"):
            for line, value, first in found:
                problems.append(
                    Problem(
                        "unique",
                        rel,
                        f"duplicate {'key' if kind == 'PRIMARY KEY' else 'value'} (first used on line {first})",
                        line=line,
                        column="/".join(columns),
                        value=value,
                        expected=f"a {'/'.join(columns)} not used on another line",
                    )
                )
        elif kind == "FOREIGN KEY":
            for line, value in found:
                problems.append(
                    Problem(
                        "foreign_key",
                        rel,
                        f"unknown {'/'.join(referenced)}",
                        line=line,
                        column="/".join(columns),
                        value=value,
                        expected=f"a {'/'.join(referenced)} listed in seeds/{constraint.referenced_table}.csv",
                    )
                )
        elif kind == "CHECK":
            for line, *values in found:
                shown = ", ".join(f"{c}={v if v is not None else ''}" for c, v in zip(columns, values, strict=False))
                problems.append(
                    Problem(
                        "check",
                        rel,
                        "values break a rule of the schema",
                        line=line,
                        column="/".join(columns),
                        value=shown,
                        expected=_plain_rule(constraint.expression),
                    )
                )
    return problems


@dataclass(frozen=True)
class Constraint:
    """A constraint of a table as ``duckdb_constraints()`` lists it."""

    kind: str
    expression: str | None
    columns: list[str]
    referenced_table: str | None
    referenced_columns: list[str]


def _screen_constraints(con: duckdb.DuckDBPyConnection, rows: str, constraints: list[Constraint]) -> list[Constraint]:
    """The constraints some row may break, found in one pass over the rows for all row-wise rules and keys
    (see sql/constraint_screen.sql); every reference is kept (each is one anti-join)."""
    screened = [i for i, c in enumerate(constraints) if c.kind in ("NOT NULL", "CHECK", "PRIMARY KEY", "UNIQUE")]
    broken: set[int] = set()
    if screened:
        sql = _sql("constraint_screen.sql", rows=rows, constraints=[constraints[i] for i in screened])
        (counts,) = con.execute(sql).fetchall()
        broken = {i for i, count in zip(screened, counts, strict=True) if count}
    return [c for i, c in enumerate(constraints) if i in broken or c.kind == "FOREIGN KEY"]


def _sql(template: str, **shape: Any) -> str:
    """One of this package's SQL templates (``sql/``), shaped by ``shape``; values are bound, never written."""
    return _templates().get_template(template).render(**shape)


@functools.cache
def _templates() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    environment = Environment(
        loader=FileSystemLoader(Path(__file__).with_name("sql")), undefined=StrictUndefined, autoescape=False
    )
    environment.filters["ident"] = quote_identifier
    return environment


def _plain_rule(expression: str) -> str:
    return expression.replace("regexp_full_match", "matching").strip()


def _pending(table: Table) -> str:
    """Rows of ``r`` not yet in the table (by primary key)."""
    target = f"{SCHEMA}.{quote_identifier(table.name)}"
    return (
        f"NOT EXISTS (SELECT 1 FROM {target} AS done WHERE "
        + " AND ".join(f"done.{quote_identifier(k)} = r.{quote_identifier(k)}" for k in table.primary_key)
        + ")"
    )


def insert_rows(con: duckdb.DuckDBPyConnection, table: Table, rows: str) -> int | None:
    """Insert every row; returns how many, or None when rows are left that refer to each other in a cycle."""
    columns = ", ".join(quote_identifier(c) for c in table.columns)
    target = f"{SCHEMA}.{quote_identifier(table.name)}"
    self_references = table.self_references
    if not self_references:
        return con.execute(f"INSERT INTO {target} ({columns}) SELECT {columns} FROM {rows}").fetchall()[0][0]
    # DuckDB checks a foreign key to the same table against rows already stored, so insert
    # parents before children, one generation at a time.
    conditions = []
    for child_cols, parent_cols in self_references:
        child = " AND ".join(f"r.{quote_identifier(c)} IS NOT NULL" for c in child_cols)
        join = " AND ".join(
            f"t.{quote_identifier(p)} = r.{quote_identifier(c)}" for c, p in zip(child_cols, parent_cols, strict=True)
        )
        conditions.append(f"NOT ({child}) OR EXISTS (SELECT 1 FROM {target} AS t WHERE {join})")
    ready = " AND ".join(f"({c})" for c in conditions)
    pending = _pending(table)
    total = 0
    while True:
        inserted = con.execute(
            f"INSERT INTO {target} ({columns}) SELECT {', '.join('r.' + quote_identifier(c) for c in table.columns)} "
            f"FROM {rows} AS r WHERE {pending} AND {ready}"
        ).fetchall()
        if not inserted or not inserted[0][0]:
            break
        total += inserted[0][0]
    left = con.execute(f"SELECT count(*) FROM {rows} AS r WHERE {pending}").fetchall()
    return None if left[0][0] else total
