"""The few places sqlglot earns its keep: transpiling, qualifying against the schema, lineage.

sqlglot is imported inside each function, so a plain report or query never pays for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

DIALECTS = ("duckdb", "postgres", "spark", "trino", "sqlite")
PUBLIC_SCHEMA = "main"


def transpile(sql: str, dialect: str) -> str:
    """``sql`` (DuckDB) written for ``dialect``; placeholders follow the dialect's style."""
    if dialect not in DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r}; dialects: {', '.join(DIALECTS)}")
    import sqlglot

    return sqlglot.transpile(sql, read="duckdb", write=dialect, pretty=True)[0] + "\n"


def database_schema(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, dict[str, str]]]:
    """``{schema: {table: {column: type}}}`` for every table and view of the database."""
    schema: dict[str, dict[str, dict[str, str]]] = {}
    rows = con.sql(
        """SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns()
           WHERE database_name = current_database() AND NOT internal
           ORDER BY schema_name, table_name, column_index"""
    ).fetchall()
    for schema_name, table, column, data_type in rows:
        schema.setdefault(schema_name, {}).setdefault(table, {})[column] = data_type
    return schema


def qualify(sql: str, schema: dict[str, dict[str, dict[str, str]]]) -> Any:
    """Parse ``sql`` and qualify every column against ``schema``; raises on an unknown column."""
    import sqlglot
    from sqlglot.optimizer.qualify import qualify as sqlglot_qualify

    expression = sqlglot.parse_one(sql, read="duckdb")
    return sqlglot_qualify(expression, schema=schema, db=PUBLIC_SCHEMA, dialect="duckdb", validate_qualify_columns=True)


@dataclass(frozen=True)
class ColumnLineage:
    """Where one output column of a report comes from."""

    column: str
    sources: tuple[str, ...]  # "schema.table.column", base tables where the trace reaches them


def lineage(sql: str, con: duckdb.DuckDBPyConnection) -> list[ColumnLineage]:
    """Trace each output column of ``sql`` through the public views to the base tables."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.lineage import lineage as sqlglot_lineage

    schema = database_schema(con)
    views = {}
    for name, definition in con.sql(
        "SELECT view_name, sql FROM duckdb_views() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND NOT internal"
    ).fetchall():
        try:
            create = sqlglot.parse_one(definition, read="duckdb")
        except sqlglot.errors.ParseError:
            continue
        if isinstance(create, exp.Create) and isinstance(create.expression, exp.Query):
            views[name] = create.expression
    expression = sqlglot.parse_one(sql, read="duckdb")
    result = []
    for select in expression.selects:
        column = select.alias_or_name
        try:
            node = sqlglot_lineage(column, expression, schema=schema, sources=views, dialect="duckdb")
        except (sqlglot.errors.SqlglotError, KeyError, ValueError):
            result.append(ColumnLineage(column, ()))
            continue
        found = set()
        for leaf in node.walk():
            if leaf.downstream:
                continue
            source = leaf.source
            if isinstance(source, exp.Table):
                table = ".".join(part for part in (source.db or PUBLIC_SCHEMA, source.name) if part)
                found.add(f"{table}.{leaf.name.split('.')[-1]}")
        result.append(ColumnLineage(column, tuple(sorted(found))))
    return result
