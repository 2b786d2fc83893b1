"""The one lineage engine: what a query reads, table by table and column by column, told by sqlglot.

The build asks it which seed tables a step may read (to start the step as soon as they are in), the site which
tables and views each view reads (the lineage graph), and ``hebeidb lineage`` where each column of a report comes
from. It works on text and the catalog's data, never on a connection: its caller reads the catalog (through the
reader's guard, or on the build's connection) and hands it over.

sqlglot is imported inside each function, so that a plain report or query never pays for it.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

PUBLIC_SCHEMA = "main"
# Table functions that read a table named by a value, which no text names: a query using one may read anything.
DYNAMIC_READS = frozenset({"query", "query_table"})


def _parse(sql: str) -> Any:
    """The statements of ``sql`` parsed as DuckDB's, or None when sqlglot cannot read them."""
    import sqlglot

    try:
        return [tree for tree in sqlglot.parse(sql, read="duckdb") if tree is not None]
    except (sqlglot.errors.SqlglotError, RecursionError, ValueError):
        return None


def names_read(sql: str) -> tuple[set[str], set[str]] | None:
    """The tables or views ``sql`` names (lower case, without their schema) and the functions it calls (which
    may be macros); None when that cannot be told (the text does not parse, or it reads a table named by a
    value, as ``query_table('t')`` does). Names of its own common table expressions are left out."""
    named = _names_read(sql)
    return None if named is None else (set(named[0]), set(named[1]))


# A text's names do not change: a process that builds again (a test run, a long-lived caller of the API)
# parses each schema statement once.
@functools.lru_cache(maxsize=4096)
def _names_read(sql: str) -> tuple[frozenset[str], frozenset[str]] | None:
    from sqlglot import exp

    trees = _parse(sql)
    if trees is None:
        return None
    tables: set[str] = set()
    functions: set[str] = set()
    for tree in trees:
        ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
        for table in tree.find_all(exp.Table):
            name = table.name.lower()
            if not name:
                # a table function: query_table('t'), read_csv(...), range(3)
                call = table.this
                called = (getattr(call, "name", "") or getattr(call, "sql_name", lambda: "")() or "").lower()
                if called in DYNAMIC_READS:
                    return None
                if called:
                    functions.add(called)
                continue
            if table.db or name not in ctes:
                tables.add(name)
        for call in tree.find_all(exp.Func):
            name = (call.name if isinstance(call, exp.Anonymous) else call.sql_name()).lower()
            if name in DYNAMIC_READS:
                return None
            functions.add(name)
    return frozenset(tables), frozenset(functions)


class TableReads:
    """Which base tables a query may read, following the views and macros it names (recursively).

    ``tables`` are the base tables that matter (lower case); ``definitions`` the text of every view and macro
    by lower-case name (a name may have several). Names are matched whatever their case and schema, as DuckDB
    resolves them in the schemas of one database: a name shared by two schemas counts for both, so the answer
    may hold too many tables, never too few.
    """

    def __init__(self, tables: set[str], definitions: Mapping[str, list[str]]) -> None:
        self.tables = {name.lower() for name in tables}
        self.definitions = {name.lower(): texts for name, texts in definitions.items()}
        self._cache: dict[str, tuple[set[str], set[str]] | None] = {}

    def _names(self, sql: str) -> tuple[set[str], set[str]] | None:
        if sql not in self._cache:
            self._cache[sql] = names_read(sql)
        return self._cache[sql]

    def __call__(self, sql: str) -> set[str] | None:
        """The base tables of :attr:`tables` that ``sql`` may read; None when that cannot be told."""
        found: set[str] = set()
        pending, seen = [sql], set()
        while pending:
            named = self._names(pending.pop())
            if named is None:
                return None
            tables, functions = named
            for name in (tables | functions) - seen:
                seen.add(name)
                if name in self.tables:
                    found.add(name)
                pending.extend(self.definitions.get(name, []))
        return found


def view_reads(definition: str) -> set[str]:
    """The tables and views a view's definition reads, schema-qualified where it says so (``core.facts``)."""
    from sqlglot import exp

    trees = _parse(definition)
    if not trees:
        return set()
    found: set[str] = set()
    for tree in trees:
        query = tree.expression if isinstance(tree, exp.Create) and tree.expression is not None else tree
        ctes = {cte.alias_or_name for cte in query.find_all(exp.CTE)}
        for table in query.find_all(exp.Table):
            if not table.name or (table.name in ctes and not table.db):
                continue
            found.add(f"{table.db}.{table.name}" if table.db else table.name)
    return found


@dataclass(frozen=True)
class ColumnLineage:
    """Where one output column of a report comes from."""

    column: str
    sources: tuple[str, ...]  # "schema.table.column", base tables where the trace reaches them


def _column_name(reference: str) -> str:
    """The bare column name of a lineage leaf, which names it as SQL (``facts."value"`` for a keyword)."""
    import sqlglot

    try:
        return sqlglot.parse_one(reference, read="duckdb").name or reference
    except sqlglot.errors.ParseError:
        return reference.split(".")[-1]


def column_lineage(
    sql: str, schema: Mapping[str, Mapping[str, Mapping[str, str]]], views: Mapping[str, str]
) -> list[ColumnLineage]:
    """Trace each output column of ``sql`` through the public ``views`` (name -> ``CREATE VIEW`` text) to the
    base tables of ``schema`` (``{schema: {table: {column: type}}}``)."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.lineage import lineage as sqlglot_lineage

    sources = {}
    for name, definition in views.items():
        try:
            create = sqlglot.parse_one(definition, read="duckdb")
        except (sqlglot.errors.ParseError, RecursionError):
            continue
        if isinstance(create, exp.Create) and isinstance(create.expression, exp.Query):
            sources[name] = create.expression
    expression = sqlglot.parse_one(sql, read="duckdb")
    traced: dict[str, Any] = {}
    with contextlib.suppress(sqlglot.errors.SqlglotError, KeyError, ValueError):
        # Every column in one walk, which expands the views and qualifies the query once (three to five
        # times faster than a walk per column); a column that defeats it is traced alone below.
        traced = sqlglot_lineage(None, expression, schema=schema, sources=sources, dialect="duckdb")
    result = []
    for select in expression.selects:
        column = select.alias_or_name
        try:
            node = traced.get(column) or sqlglot_lineage(
                column, expression, schema=schema, sources=sources, dialect="duckdb"
            )
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
                found.add(f"{table}.{_column_name(leaf.name)}")
        result.append(ColumnLineage(column, tuple(sorted(found))))
    return result
