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
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

PUBLIC_SCHEMA = "main"
# Table functions that read a table named by a value, which no text names: a query using one may read anything.
DYNAMIC_READS = frozenset({"query", "query_table"})
# Functions whose result changes from one run to the next over the same rows: what a query calling one returned
# cannot be carried over to another build.
VOLATILE = frozenset(
    {
        "now",
        "today",
        "current_date",
        "current_time",
        "current_timestamp",
        "currenttimestamp",
        "currentdate",
        "currenttime",
        "get_current_time",
        "get_current_timestamp",
        "localtime",
        "localtimestamp",
        "transaction_timestamp",
        "random",
        "rand",
        "setseed",
        "uuid",
        "gen_random_uuid",
        "uuidv4",
        "uuidv7",
    }
)


def _parse(sql: str) -> Any:
    """The statements of ``sql`` parsed as DuckDB's, or None when sqlglot cannot read them."""
    import sqlglot

    try:
        return [tree for tree in sqlglot.parse(sql, read="duckdb") if tree is not None]
    except (sqlglot.errors.SqlglotError, RecursionError, ValueError):
        return None


@dataclass(frozen=True)
class NamesRead:
    """What one text names: tables or views (``schema.name`` where it names the schema), functions (which may be
    macros), every identifier (the columns it reads among them), the tables it reads whole (through a star,
    ``COLUMNS(...)`` or the row as a value), and whether it calls a volatile function. Names are lower case;
    those but the tables' are without their schema."""

    tables: frozenset[str]
    functions: frozenset[str]
    identifiers: frozenset[str]
    whole: frozenset[str]
    volatile: bool


def names_read(sql: str) -> tuple[set[str], set[str]] | None:
    """The tables or views ``sql`` names (lower case, without their schema) and the functions it calls (which
    may be macros); None when that cannot be told (the text does not parse, or it reads a table named by a
    value, as ``query_table('t')`` does). Names of its own common table expressions are left out."""
    named = read_names(sql)
    if named is None:
        return None
    return {name.rpartition(".")[2] for name in named.tables}, set(named.functions)


@functools.lru_cache(maxsize=4096)
def read_names(sql: str) -> NamesRead | None:
    """What ``sql`` names (:class:`NamesRead`); None when that cannot be told, as for :func:`names_read`. Kept
    for the texts read before: a build asks about the same views and checks many times."""
    from sqlglot import exp

    trees = _parse(sql)
    if trees is None:
        return None
    tables: set[str] = set()
    functions: set[str] = set()
    identifiers: set[str] = set()
    whole: set[str] = set()
    for tree in trees:
        found: dict[type, list[Any]] = {}
        for node in tree.walk():
            found.setdefault(type(node), []).append(node)
        identifiers.update(node.name.lower() for node in found.get(exp.Identifier, ()))
        named = found.get(exp.Table, [])
        whole.update(_read_whole(tree, found, named))
        ctes = {cte.alias_or_name.lower() for cte in found.get(exp.CTE, ())}
        for table in named:
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
                tables.add(f"{table.db.lower()}.{name}" if table.db else name)
        for kind, nodes in found.items():
            if not issubclass(kind, exp.Func):
                continue
            for call in nodes:
                name = (call.name if isinstance(call, exp.Anonymous) else call.sql_name()).lower()
                if name in DYNAMIC_READS:
                    return None
                functions.add(name)
    return NamesRead(
        frozenset(tables),
        frozenset(functions),
        frozenset(identifiers),
        frozenset(whole),
        bool(functions & VOLATILE),
    )


def _read_whole(tree: Any, found: dict[type, list[Any]], named: list[Any]) -> set[str]:
    """The tables (and views) whose every column a statement may read: the sources of a select whose output is
    the statement's (or flows into it through stars) and that takes a star (``*``, ``t.*``, ``COLUMNS(...)``);
    the sources named as a value (``SELECT t FROM t``, a struct of its row); every table it names when it pivots
    (its columns are chosen by their names). A star of a common table expression or a subquery whose columns the
    statement then names one by one reads only those: their names count as identifiers. ``found`` holds the
    statement's nodes by type, ``named`` its tables."""
    from sqlglot import exp

    if found.get(exp.Pivot):
        return {table.name.lower() for table in named if table.name}
    whole: set[str] = set()
    aliases = {table.alias_or_name.lower(): table.name.lower() for table in named if table.name}
    for column in found.get(exp.Column, ()):
        if not column.table and isinstance(column.this, exp.Identifier) and column.name.lower() in aliases:
            whole.add(aliases[column.name.lower()])
    stars = [
        node
        for node in [*found.get(exp.Star, ()), *found.get(exp.Columns, ())]
        if not (isinstance(node, exp.Star) and isinstance(node.parent, exp.Count))  # count(*) reads no column
    ]
    if not stars:
        return whole
    ctes = {cte.alias_or_name.lower(): cte.this for cte in found.get(exp.CTE, ())}
    query = tree.expression if isinstance(tree, exp.Create) and tree.expression is not None else tree
    tops = _branches(query)
    counted: set[int] | None = None
    if tops is not None:  # the selects whose output is the statement's, and those their stars read from
        counted = set()
        pending = list(tops)
        while pending:
            select = pending.pop()
            if id(select) in counted:
                continue
            counted.add(id(select))
            if not any(star.find_ancestor(exp.Select) is select for star in stars):
                continue
            for source in _sources(select):
                inner = None
                if isinstance(source, exp.Subquery):
                    inner = source.this
                elif isinstance(source, exp.Table) and source.name and not source.db:
                    inner = ctes.get(source.name.lower())
                if inner is not None:
                    branches = _branches(inner)
                    if branches is None:
                        counted = None
                        break
                    pending += branches
            if counted is None:
                break
    for node in stars:
        select = node.find_ancestor(exp.Select)
        if counted is not None and (select is None or id(select) not in counted):
            continue
        parent = node.parent
        qualifier = parent.table.lower() if isinstance(parent, exp.Column) and parent.table else None
        for source in _sources(select) if select is not None else named:
            named_here = isinstance(source, exp.Table) and source.name
            if named_here and (qualifier is None or source.alias_or_name.lower() == qualifier):
                whole.add(source.name.lower())
    return whole


def _sources(select: Any) -> list[Any]:
    """What a select reads from: its FROM and its joins (tables, subqueries, functions)."""
    found = []
    clause = select.args.get("from_") or select.args.get("from")
    if clause is not None:
        found.append(clause.this)
    found += [join.this for join in select.args.get("joins") or []]
    return found


def _branches(query: Any) -> list[Any] | None:
    """The selects whose rows a query returns: itself, or each branch of a set operation; None for another shape."""
    from sqlglot import exp

    if isinstance(query, exp.Select):
        return [query]
    if isinstance(query, exp.Subquery):
        return _branches(query.this)
    if isinstance(query, getattr(exp, "SetOperation", exp.Union)):
        left, right = _branches(query.left), _branches(query.right)
        return None if left is None or right is None else left + right
    return None


def _star_over(definition: str) -> tuple[str, str] | None:
    """The (schema, name) of the one relation a view passes through whole (``SELECT * FROM x``, perhaps ordered),
    or None."""
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(definition, read="duckdb")
    except (sqlglot.errors.SqlglotError, RecursionError, ValueError):
        return None
    query = tree.expression if isinstance(tree, exp.Create) else tree
    if not isinstance(query, exp.Select) or len(query.expressions) != 1:
        return None
    star = query.expressions[0]
    if not isinstance(star, exp.Star) or any(star.args.get(k) for k in ("except", "except_", "replace", "rename")):
        return None
    if any(query.args.get(k) for k in ("joins", "where", "group", "having", "qualify", "limit", "offset", "distinct")):
        return None
    sources = _sources(query)
    if query.args.get("with") or len(sources) != 1 or not isinstance(sources[0], exp.Table) or not sources[0].name:
        return None
    return sources[0].db.lower(), sources[0].name.lower()


class TableReads:
    """Which base tables a query may read, following the views and macros it names (recursively).

    ``tables`` are the base tables that matter and ``definitions`` the text of every view and macro (a name may
    have several), each named ``schema.name``, or ``name`` alone for one that every schema may mean. Names are
    matched whatever their case: a name the query gives with its schema (``core.facts``) means that schema's,
    a bare name any schema's (DuckDB resolves it along a search path), so the answer may hold too many tables,
    never too few. Tables are answered by their names alone.
    """

    def __init__(self, tables: set[str], definitions: Mapping[str, list[str]]) -> None:
        self.tables: dict[str, set[str | None]] = {}
        for key in tables:
            schema, _, name = key.lower().rpartition(".")
            self.tables.setdefault(name, set()).add(schema or None)
        self.definitions: dict[str, list[tuple[str | None, list[str]]]] = {}
        for key, texts in definitions.items():
            schema, _, name = key.lower().rpartition(".")
            self.definitions.setdefault(name, []).append((schema or None, texts))
        self._cache: dict[str, NamesRead | None] = {}

    def _names(self, sql: str) -> NamesRead | None:
        if sql not in self._cache:
            self._cache[sql] = read_names(sql)
        return self._cache[sql]

    def _closure(self, sql: str) -> tuple[set[str], list[NamesRead]] | None:
        """The base tables ``sql`` may read, and what each text it reaches (its own, and those of the views and
        macros it names, recursively) names; None when that cannot be told."""
        found: set[str] = set()
        texts: list[NamesRead] = []
        pending, seen = [sql], set()
        while pending:
            named = self._names(pending.pop())
            if named is None:
                return None
            texts.append(named)
            for reference in (named.tables | named.functions) - seen:
                seen.add(reference)
                schema, _, name = reference.rpartition(".")
                if any(_same_schema(schema, s) for s in self.tables.get(name, ())):
                    found.add(name)
                for defined_in, definitions in self.definitions.get(name, []):
                    if _same_schema(schema, defined_in):
                        pending.extend(definitions)
        return found, texts

    def defined(self, name: str, schema: str) -> list[str]:
        """The texts of the views and macros named ``name`` in ``schema`` (or in any schema)."""
        return [
            text
            for defined_in, texts in self.definitions.get(name.lower(), [])
            if _same_schema(schema.lower(), defined_in)
            for text in texts
        ]

    def narrowed(self, name: str, schema: str, columns: Collection[str], depth: int = 0) -> str | None:
        """The view ``schema.name`` narrowed to ``columns`` (:func:`narrowed_view`), through the views it passes
        through whole (``SELECT * FROM x``); None when that cannot be done."""
        texts = self.defined(name, schema)
        if len(texts) != 1 or depth > 20:
            return None
        narrowed = narrowed_view(texts[0], columns)
        if narrowed is not None:
            return narrowed
        inner = _star_over(texts[0])
        return None if inner is None else self.narrowed(inner[1], inner[0], columns, depth + 1)

    def __call__(self, sql: str) -> set[str] | None:
        """The base tables of :attr:`tables` that ``sql`` may read; None when that cannot be told."""
        closure = self._closure(sql)
        return None if closure is None else closure[0]

    def columns(self, sql: str) -> dict[str, frozenset[str] | None] | None:
        """The base tables ``sql`` may read, each with the columns of it that it may read: None for every column
        (read through a star or as a row). None when that cannot be told, or when a volatile function (``now()``,
        ``random()``) makes its result change from one run to the next.

        The columns are every identifier the texts reached name, whatever table they belong to: too many,
        never too few (a view that renames a column names the original in its own text).
        """
        closure = self._closure(sql)
        if closure is None:
            return None
        found, texts = closure
        if any(named.volatile for named in texts):
            return None
        identifiers = frozenset().union(*(named.identifiers for named in texts))
        whole = set().union(*(named.whole for named in texts))
        return {table: None if table in whole else identifiers for table in found}


def _same_schema(named: str, defined_in: str | None) -> bool:
    """Whether a reference naming ``named`` as its schema ("" for none) may mean an object of ``defined_in``."""
    return not named or defined_in is None or named == defined_in


def narrowed_view(definition: str, columns: Collection[str]) -> str | None:
    """The query of a view (``CREATE VIEW ... AS query``) keeping only the output ``columns``: what tells which
    columns those and the view's rows depend on (its joins, filters and groups are kept whole). None when its
    output cannot be narrowed so: a set operation, DISTINCT, a star. A projection that makes rows (``unnest``)
    or whose name the query uses elsewhere (DuckDB lets ``WHERE`` and ``GROUP BY`` name an output column) is
    kept. The text is for the lineage engine, not to be run."""
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(definition, read="duckdb")
    except (sqlglot.errors.SqlglotError, RecursionError, ValueError):
        return None
    query = tree.expression if isinstance(tree, exp.Create) else tree
    if not isinstance(query, exp.Select) or query.args.get("distinct"):
        return None
    projections = list(query.expressions)
    if any(isinstance(p, exp.Star) or isinstance(p.this, exp.Star) for p in projections):
        return None
    elsewhere = {
        node.name.lower()
        for node in query.walk()
        if isinstance(node, exp.Identifier) and not any(node is p or _within(node, p) for p in projections)
    }
    wanted = {column.lower() for column in columns}
    kept = [
        p
        for p in projections
        if p.alias_or_name.lower() in wanted | elsewhere
        or any(True for _ in p.find_all(exp.Unnest, exp.Explode))
        or any(isinstance(f, exp.Anonymous) and f.name.lower() == "unnest" for f in p.find_all(exp.Anonymous))
    ]
    narrowed = query.copy()
    narrowed.set("expressions", [p.copy() for p in kept] or [exp.Literal.number(1)])
    try:
        return narrowed.sql(dialect="duckdb")
    except (sqlglot.errors.SqlglotError, RecursionError, ValueError):
        return None


def _within(node: Any, ancestor: Any) -> bool:
    parent = node.parent
    while parent is not None:
        if parent is ancestor:
            return True
        parent = parent.parent
    return False


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
