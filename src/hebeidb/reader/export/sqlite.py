"""Export to one SQLite file with a datasette ``metadata.json`` whose canned queries are the reports.

``datasette hebei.sqlite -m metadata.json`` then serves every public view as a table (declared types,
primary and foreign keys, column descriptions) and every report as a canned query with ``:named``
parameters. A canned query is one fixed SQL text, while a report template includes a filter only for some
values (``{% if kind != 'all' %}``): the canned query therefore holds every filter, each guarded by the
values that leave it out (found by rendering the template with each value), and a parameter left empty
takes the report's default, as datasette passes a missing parameter as ``''``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from hebeidb.common.contract import View
from hebeidb.common.errors import ExportError
from hebeidb.common.reports import ReportSpec, parse_spec, render, validate
from hebeidb.common.sqltext import quote_identifier

if TYPE_CHECKING:
    from hebeidb.reader.database import ReaderSession

SQLITE_FILE = "hebei.sqlite"
METADATA_FILE = "metadata.json"
BATCH_ROWS = 50_000


def sqlite_type(duckdb_type: str) -> str:
    """The declared SQLite type (and so the column affinity) for a DuckDB type."""
    if duckdb_type in ("BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT") or duckdb_type.startswith(
        ("UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")
    ):
        return "INTEGER"
    if duckdb_type.startswith(("DECIMAL", "DOUBLE", "FLOAT", "REAL")):
        return "REAL"
    return "TEXT"  # VARCHAR, DATE (ISO 8601 text, as SQLite's date functions read it), timestamps


def write_sqlite(
    session: ReaderSession, timeout: float | None, database: str, views: Sequence[View], folder: Path
) -> Path:
    """Write ``views`` of the attached DuckDB ``database`` as tables of one SQLite file.

    Each table gets the view's columns with declared types, its key as primary key and its references
    (to tables in the file) as foreign keys; rows are inserted in key order, so the same build gives the
    same file content.
    """
    path = folder / SQLITE_FILE
    target = sqlite3.connect(path)
    try:
        target.execute("PRAGMA journal_mode = OFF")
        names = {view.name for view in views}
        for view in views:
            columns = session.run(lambda con, name=view.name: _columns(con, database, name), timeout)
            definition = [f"{quote_identifier(column)} {sqlite_type(kind)}" for column, kind, _ in columns]
            if view.key:
                definition.append("PRIMARY KEY (" + ", ".join(map(quote_identifier, view.key)) + ")")
            for reference in view.references:
                if reference.view in names:
                    definition.append(
                        "FOREIGN KEY (" + ", ".join(map(quote_identifier, reference.columns)) + ") REFERENCES "
                        + quote_identifier(reference.view) + " ("
                        + ", ".join(map(quote_identifier, reference.view_columns)) + ")"
                    )  # fmt: skip
            table = quote_identifier(view.name)
            target.execute(f"CREATE TABLE {table} (\n  " + ",\n  ".join(definition) + "\n)")
            select = ", ".join(_as_sqlite_value(column, kind) for column, kind, _ in columns)
            order = ", ".join(map(quote_identifier, view.key)) if view.key else "ALL"
            query = f"SELECT {select} FROM {quote_identifier(database)}.main.{table} ORDER BY {order}"
            insert = f"INSERT INTO {table} VALUES ({', '.join('?' for _ in columns)})"

            def copy(con: duckdb.DuckDBPyConnection, query: str = query, insert: str = insert) -> None:
                relation = con.execute(query)
                while batch := relation.fetchmany(BATCH_ROWS):
                    target.executemany(insert, batch)

            session.run(copy, timeout)
        target.commit()
        problems = target.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            table, row, parent, _ = problems[0]
            raise ExportError(f"{SQLITE_FILE}: row {row} of {table} refers to a missing row of {parent}")
    finally:
        target.close()
    return path


def _as_sqlite_value(column: str, duckdb_type: str) -> str:
    """The DuckDB expression giving a value sqlite3 stores as declared (decimals as REAL, dates as ISO text)."""
    declared = sqlite_type(duckdb_type)
    name = quote_identifier(column)
    if duckdb_type == "DATE":
        return f"strftime({name}, '%Y-%m-%d')"
    if declared == "REAL":
        return f"CAST({name} AS DOUBLE)"
    if declared == "TEXT" and duckdb_type != "VARCHAR":
        return f"CAST({name} AS VARCHAR)"
    return name


def _columns(con: duckdb.DuckDBPyConnection, database: str, view: str) -> list[tuple[str, str, str | None]]:
    return con.execute(
        """SELECT column_name, data_type, comment FROM duckdb_columns()
           WHERE database_name = $db AND schema_name = 'main' AND table_name = $view ORDER BY column_index""",
        {"db": database, "view": view},
    ).fetchall()


def datasette_metadata(
    views: Sequence[View], specs: Sequence[ReportSpec], sql: Mapping[str, str], about: Mapping[str, str]
) -> dict[str, Any]:
    """datasette's ``metadata.json``: table and column descriptions, and one canned query per report."""
    tables = {
        view.name: {"description": view.description, "columns": {c.name: c.description for c in view.columns}}
        for view in views
    }
    queries = {}
    for spec in specs:
        queries[spec.name] = {
            "title": spec.title,
            "description": spec.description,
            "sql": sql[spec.name],
            "params": [p.name for p in spec.parameters],
        }
    name = Path(SQLITE_FILE).stem
    return {**about, "databases": {name: {"tables": tables, "queries": queries}}}


def canned_query(spec: ReportSpec, dynamic_choices: Callable[[str | None], tuple[Any, ...]]) -> str:
    """The report as one SQLite query with ``:named`` parameters; an empty parameter takes its default.

    The template is rendered with every parameter set to a value that includes its filter; each filter
    (the comparison holding the placeholder) is then guarded by the values that leave it out, and an
    identifier parameter (a sort column) becomes one ``CASE`` sort key per allowed column.
    """
    import sqlglot
    from sqlglot import exp

    from hebeidb.reader.translate import translate

    def choices(parameter: Any) -> tuple[Any, ...]:
        if parameter.choices is not None:
            return tuple(parameter.choices)
        if parameter.choices_from is not None:
            return dynamic_choices(parameter.choices_from)
        return tuple(v for v in (parameter.minimum, parameter.maximum) if v is not None)

    def rendered_with(values: Mapping[str, Any]) -> Any:
        return render(spec, validate(spec, values, dynamic_choices))

    def active_value(parameter: Any) -> Any:
        for value in (*choices(parameter), parameter.default):
            if value is not None and value != parameter.default:
                return value
        return parameter.default if parameter.default is not None else 2000

    # Booleans that only shape the query (a descending sort) are rendered off; the sort keys then read them.
    shaping = [p for p in spec.parameters if p.type == "boolean" and p.name not in rendered_with({p.name: True}).params]
    active = {p.name: active_value(p) for p in spec.parameters if p.type != "identifier" and p not in shaping}
    full = rendered_with({**active, **{p.name: False for p in shaping}})
    expression = sqlglot.parse_one(translate(full.sql, full.params, "sqlite").sql, read="sqlite")
    for parameter in spec.parameters:
        if parameter.type == "identifier":
            expression = _sort_by_parameter(expression, parameter, shaping[0] if shaping else None)
            continue
        if parameter in shaping:
            continue
        # The values for which the template leaves this parameter's filter out.
        left_out = [
            value
            for value in (None, *choices(parameter))
            if parameter.name not in rendered_with({**active, parameter.name: value}).params
        ]
        value = _effective(parameter)
        guard_parts: list[exp.Expression] = []
        if None in left_out and parameter.default is None:
            guard_parts.append(exp.Is(this=value.copy(), expression=exp.Null()))
        literals = [_literal(v) for v in left_out if v is not None]
        if literals:
            guard_parts.append(exp.In(this=value.copy(), expressions=literals))

        def guard(node: exp.Expression, name: str = parameter.name, parts: list = guard_parts) -> exp.Expression:
            if not isinstance(node, exp.Predicate) or isinstance(node, (exp.And, exp.Or)):
                return node
            if not any(p.name == name for p in node.find_all(exp.Placeholder)):
                return node
            if parts:
                return exp.paren(exp.or_(*[p.copy() for p in parts], node.copy()), copy=False)
            return node

        expression = expression.transform(guard)

        def effective(node: exp.Expression, name: str = parameter.name, replacement: exp.Expression = value) -> Any:
            if isinstance(node, exp.Placeholder) and node.name == name and not node.meta.get("raw"):
                return replacement.copy()
            return node

        expression = expression.transform(effective)
    for node in expression.find_all(exp.Placeholder):
        node.meta.pop("raw", None)
    return expression.sql(dialect="sqlite", pretty=True) + "\n"


def _effective(parameter: Any) -> Any:
    """The parameter's value as the report sees it: datasette's ``''`` becomes the default, typed."""
    from sqlglot import exp

    raw = exp.Placeholder(this=parameter.name)
    raw.meta["raw"] = True
    value: exp.Expression = exp.Nullif(this=raw, expression=exp.Literal.string(""))
    if parameter.default is not None:
        value = exp.Coalesce(this=value, expressions=[_literal(parameter.default)])
    if parameter.type == "integer":
        value = exp.cast(value, exp.DataType.build("INTEGER"))
    elif parameter.type == "number":
        value = exp.cast(value, exp.DataType.build("REAL"))
    return value


def _literal(value: Any) -> Any:
    from sqlglot import exp

    if isinstance(value, bool):
        return exp.Literal.number(int(value))
    if isinstance(value, (int, float)):
        return exp.Literal.number(value)
    return exp.Literal.string(str(value))


def _sort_by_parameter(expression: Any, parameter: Any, descending: Any = None) -> Any:
    """``ORDER BY "domain", ...`` -> one ``CASE WHEN :order_by = 'x' THEN x END`` sort key per allowed column.

    With a ``descending`` boolean parameter, each column gets two keys: one that sorts it descending when
    the parameter is true, one ascending otherwise.
    """
    from sqlglot import exp

    order = expression.args.get("order")
    if order is None:
        return expression
    keys = []
    for ordered in order.expressions:
        column = ordered.this
        if isinstance(column, exp.Column) and not column.table and column.name == parameter.default:
            value = _effective(parameter)
            directions: list[tuple[Any, bool]] = [(None, bool(ordered.args.get("desc")))]
            if descending is not None:
                raw = exp.Placeholder(this=descending.name)
                raw.meta["raw"] = True
                truthy = exp.In(
                    this=exp.Lower(this=exp.Coalesce(this=raw, expressions=[exp.Literal.string("")])),
                    expressions=[exp.Literal.string(v) for v in ("1", "true", "yes")],
                )
                directions = [(truthy, True), (exp.Not(this=exp.paren(truthy.copy())), False)]
            for condition, desc in directions:
                for choice in parameter.choices:
                    test: Any = exp.EQ(this=value.copy(), expression=_literal(choice))
                    if condition is not None:
                        test = exp.and_(test, condition.copy())
                    case = exp.Case(ifs=[exp.If(this=test, true=exp.column(choice))])
                    keys.append(exp.Ordered(this=case, desc=desc, nulls_first=False))
        else:
            keys.append(ordered)
    order.set("expressions", keys)
    return expression


def export_sqlite(
    session: ReaderSession, timeout: float | None, database: str, folder: Path, views: Sequence[View], dataset: Any
) -> list[Path]:
    """Write ``hebei.sqlite`` (the public ``views``) and datasette's ``metadata.json`` into ``folder``.

    ``database`` is the alias under which the built file is attached to the ``session``'s connection
    (read-only); the reports and their parameters come from that file. Every query, and sqlglot's work on
    each report, runs through the reader's guard under ``timeout``.
    """
    from hebeidb.common.contract import read_report_rows

    choices: dict[str, tuple[Any, ...]] = {}

    def dynamic_choices(source: str | None) -> tuple[Any, ...]:
        if source is None:
            return ()
        if source not in choices:
            view, column = (quote_identifier(part) for part in source.split("."))
            rows = session.run(
                lambda con: con.execute(
                    f"SELECT DISTINCT {column} FROM {database}.main.{view} WHERE {column} IS NOT NULL ORDER BY 1"
                ).fetchall(),
                timeout,
            )
            choices[source] = tuple(value for (value,) in rows)
        return choices[source]

    rows = session.run(lambda con: read_report_rows(con, database), timeout)
    specs = [session.compute(lambda row=row: parse_spec(*row), timeout, f"report {row[0]}") for row in rows]
    sqlite_path = write_sqlite(session, timeout, database, views, folder)
    about = {"title": dataset.title, "description": dataset.description}
    queries = {
        spec.name: session.compute(
            lambda spec=spec: canned_query(spec, dynamic_choices), timeout, f"the canned query of report {spec.name}"
        )
        for spec in specs
    }
    metadata = datasette_metadata(views, specs, queries, about)
    return [sqlite_path, write_datasette_metadata(metadata, folder)]


def sqlite_datapackage(files: Sequence[Path]) -> dict[str, Any]:
    """The resources of a SQLite export's ``datapackage.json``: the SQLite file and datasette's metadata."""
    import hashlib

    kinds = {".sqlite": ("sqlite", "application/vnd.sqlite3"), ".json": ("json", "application/json")}
    resources = []
    for path in files:
        fmt, mediatype = kinds[path.suffix]
        resources.append(
            {
                "name": path.stem if fmt == "sqlite" else "datasette-metadata",
                "path": path.name,
                "format": fmt,
                "mediatype": mediatype,
                "bytes": path.stat().st_size,
                "hash": "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest(),
            }
        )
    return {"resources": resources}


def write_datasette_metadata(metadata: Mapping[str, Any], folder: Path) -> Path:
    path = folder / METADATA_FILE
    path.write_text(json.dumps(metadata, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
