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
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from hebeidb.common.atomic import file_sha256
from hebeidb.common.contract import View
from hebeidb.common.errors import SHORT_LIST, ExportError
from hebeidb.common.reports import ReportSpec, parse_spec, render, validate
from hebeidb.common.sqltext import quote_identifier, quote_literal

if TYPE_CHECKING:
    from hebeidb.reader.database import ReaderSession

SQLITE_FILE = "hebei.sqlite"
LISTED_VALUES = 1_000  # a canned query lists at most this many allowed values of a column it cannot read
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


@dataclass(frozen=True)
class SearchIndex:
    """A full-text index of one table: each searched column with the DuckDB expression that fills it, over the
    table (``t``) and the views it refers to, whose names a reader searches for (``Paralympic``, ``Five-Year``)."""

    table: str
    key: str
    columns: Mapping[str, str]
    joins: str
    tokenizer: str = "porter unicode61 remove_diacritics 2"  # "schools" finds "school", "résumé" "resume"

    @property
    def index(self) -> str:
        return f"{self.table}_fts"


SEARCHED_VIEW = "facts"  # the view of the figures, whose rows datasette's ?_search= finds
TEXT_TYPES = ("VARCHAR",)


def search_index(views: Sequence[View]) -> SearchIndex | None:
    """The full-text index of the facts, as the file's contract describes them: the text columns of the facts
    (label, quote, note, ...), and for each view the facts refer to (an indicator, a programme, a competition) one
    column of that view's words, so that a reader finds a figure by the names it points to. None when no facts
    view with a one-column key is exported."""
    by_name = {view.name: view for view in views}
    facts = by_name.get(SEARCHED_VIEW)
    if facts is None or len(facts.key) != 1:
        return None
    referring = {column for reference in facts.references for column in reference.columns}
    columns = {
        c.name: f"t.{quote_identifier(c.name)}"
        for c in facts.columns
        if c.type in TEXT_TYPES and c.name not in facts.key and c.name not in referring
    }
    joins = []
    for number, reference in enumerate(facts.references):
        target = by_name.get(reference.view)
        if target is None or reference.view == SEARCHED_VIEW or reference.view in columns:
            continue
        words = [f"r{number}.{quote_identifier(c.name)}" for c in target.columns if c.type in TEXT_TYPES]
        if not words:
            continue
        on = " AND ".join(
            f"r{number}.{quote_identifier(theirs)} = t.{quote_identifier(ours)}"
            for ours, theirs in zip(reference.columns, reference.view_columns, strict=True)
        )
        columns[reference.view] = f"concat_ws(' ', {', '.join(words)})"
        joins.append(f"LEFT JOIN {{db}}.main.{quote_identifier(reference.view)} AS r{number} ON {on}")
    return SearchIndex(SEARCHED_VIEW, facts.key[0], columns, "\n".join(joins)) if columns else None


def write_search_index(
    session: ReaderSession, timeout: float | None, database: str, path: Path, search: SearchIndex
) -> None:
    """Add the full-text index ``search`` (SQLite FTS5, contentless: it holds the words, the table the rows)
    to the SQLite file at ``path``, one entry per row of its table, under the row's rowid."""
    db = quote_identifier(database)
    columns = ", ".join(f"{expression} AS {quote_identifier(name)}" for name, expression in search.columns.items())
    query = (
        f"SELECT t.{quote_identifier(search.key)}, {columns} FROM {db}.main.{quote_identifier(search.table)} AS t "
        f"{search.joins.format(db=db)} ORDER BY 1"
    )
    names = ", ".join(map(quote_identifier, search.columns))
    target = sqlite3.connect(path)
    try:
        target.execute(
            f"CREATE VIRTUAL TABLE {quote_identifier(search.index)} USING fts5({names}, content='', "
            f"tokenize={quote_literal(search.tokenizer)})"
        )
        rowid = f"(SELECT rowid FROM {quote_identifier(search.table)} WHERE {quote_identifier(search.key)} = ?)"
        insert = (
            f"INSERT INTO {quote_identifier(search.index)} (rowid, {names}) "
            f"VALUES ({rowid}, {', '.join('?' for _ in search.columns)})"
        )

        def copy(con: duckdb.DuckDBPyConnection) -> None:
            relation = con.execute(query)
            while batch := relation.fetchmany(BATCH_ROWS):
                target.executemany(insert, batch)

        session.run(copy, timeout)
        target.commit()
    finally:
        target.close()


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


def about(dataset: Any, documents: Sequence[tuple[str, str | None]]) -> dict[str, str]:
    """datasette's description of the whole instance: title and description, the licence (of the compiled data
    and the code) and what it does not cover, as the file's dataset record states them, and the source: the
    document the facts come from (its citation and URL), or how many there are."""
    description = dataset.description + (f"\n\n{dataset.rights}" if dataset.rights else "")
    out = {"title": dataset.title, "description": description}
    if dataset.license:
        out["license"] = dataset.license
    if dataset.license_url:
        out["license_url"] = dataset.license_url
    if len(documents) == 1:
        citation, url = documents[0]
        out["source"] = citation
        if url:
            out["source_url"] = url
    elif documents:
        out["source"] = f"{len(documents):,} documents, cited in the sources table"
    return out


def datasette_metadata(
    views: Sequence[View],
    specs: Sequence[ReportSpec],
    sql: Mapping[str, str],
    about: Mapping[str, str],
    search: SearchIndex | None = None,
) -> dict[str, Any]:
    """datasette's ``metadata.json``: table and column descriptions, the facts' full-text search (``?_search=``)
    of the index ``search``, and one canned query per report."""
    tables: dict[str, dict[str, Any]] = {
        view.name: {"description": view.description, "columns": {c.name: c.description for c in view.columns}}
        for view in views
    }
    if search is not None:
        # datasette searches the index for ?_search=: its rowid is the row's rowid in the table.
        tables[search.table] |= {"fts_table": search.index, "fts_pk": "rowid", "searchmode": "escaped"}
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


def canned_query(
    spec: ReportSpec, dynamic_choices: Callable[[str | None], tuple[Any, ...]], tables: Collection[str] = ()
) -> str:
    """The report as one SQLite query with ``:named`` parameters; an empty parameter takes its default.

    The template is rendered with every parameter set to a value that includes its filter; each filter
    (the comparison holding the placeholder) is then guarded by the values that leave it out, and an
    identifier parameter (a sort column) becomes one ``CASE`` sort key per allowed column. A value the
    command line refuses is refused here too, with the same explanation (see :func:`_refusals`); the
    allowed values of a view's column are read from its table when it is one of ``tables``.
    """
    import sqlglot
    from sqlglot import exp

    from hebeidb.reader.translate import translate

    def choices(parameter: Any) -> tuple[Any, ...]:
        if parameter.choices is not None:
            return tuple(parameter.choices)
        if parameter.choices_from is not None:
            # The values of a view's column (a million fact ids): a template can single out only a value it
            # writes (``{% if region != 'all' %}``), so those are tried, with one other to include the filter.
            values = dynamic_choices(parameter.choices_from)
            named = [
                v for v in values if isinstance(v, str) and (f"'{v}'" in spec.template or f'"{v}"' in spec.template)
            ]
            other = next((v for v in values if v not in named), None)
            return tuple(named) + ((other,) if other is not None else ())
        return tuple(v for v in (parameter.minimum, parameter.maximum) if v is not None)

    def rendered_with(values: Mapping[str, Any]) -> Any:
        return render(spec, validate(spec, values, dynamic_choices))

    def active_value(parameter: Any) -> Any:
        # A value for which the template includes the parameter's filter (not one it singles out to leave
        # the filter out, as 'all'); failing that, any other than the default.
        others = [v for v in (*choices(parameter), parameter.default) if v is not None and v != parameter.default]
        for value in others:
            if parameter.name in rendered_with({parameter.name: value}).params:
                return value
        if others:
            return others[0]
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
    refusals = _refusals(spec, dynamic_choices, tables)
    if refusals:
        # In the LIMIT, which SQLite evaluates once before it reads a row: a refused value fails the query even
        # where it would match no row (kind=winter is refused, not an empty result). A WHERE term holding a
        # subquery would be tested only on the rows read.
        limit = expression.args.get("limit")
        otherwise = limit.expression.sql(dialect="sqlite") if limit is not None else "-1"
        case = f"CASE {' '.join(refusals)} ELSE {otherwise} END"
        expression.set("limit", exp.Limit(expression=sqlglot.parse_one(case, read="sqlite")))
    return expression.sql(dialect="sqlite", pretty=True) + "\n"


# SQLite has no statement that raises an error of one's choosing; a JSON path that does not begin with $ makes
# json_extract fail with its text in the message ("JSON path error near '...'", "bad JSON path: '...'"),
# which datasette shows as the query's error (status 400).
_RAISE = "json_extract('{{}}', {message})"


def _refusals(
    spec: ReportSpec, dynamic_choices: Callable[[str | None], tuple[Any, ...]], tables: Collection[str]
) -> list[str]:
    """One ``WHEN ... THEN`` (SQLite) per parameter that fails the query with an explanation when the parameter
    has a value the command line refuses.

    Each parameter is checked as :func:`hebeidb.common.reports.coerce` checks it: its type (an integer, a
    number, an ISO date, a boolean), its range and its allowed values; datasette's empty value takes the
    default.
    """
    checks = []
    for parameter in spec.parameters:
        raw = f":{parameter.name}"
        text = f"trim({raw})"
        valid: list[str] = []
        if parameter.type == "integer":
            digits = f"(CASE WHEN substr({text}, 1, 1) IN ('+', '-') THEN substr({text}, 2) ELSE {text} END)"
            valid.append(f"{digits} <> '' AND {digits} NOT GLOB '*[^0-9]*' AND length({digits}) <= 18")
            value = f"CAST({text} AS INTEGER)"
        elif parameter.type == "number":
            number = f"ltrim({text}, '+')"
            valid.append(f"(CASE WHEN json_valid({number}) THEN json_type({number}) IN ('integer', 'real') END)")
            value = f"CAST({text} AS REAL)"
        elif parameter.type == "date":
            valid.append(f"date({text}) IS NOT NULL AND date({text}) = {text}")
            value = text
        elif parameter.type == "boolean":
            valid.append(f"lower({raw}) IN ('true', 'false', 'yes', 'no', '1', '0')")
            value = raw
        else:
            valid.append(f"length({raw}) <= 1000")
            value = raw
        for bound, operator in ((parameter.minimum, ">="), (parameter.maximum, "<=")):
            if bound is not None:
                valid.append(f"{value} {operator} {_literal(bound).sql(dialect='sqlite')}")
        allowed = _allowed(parameter, dynamic_choices, tables)
        if allowed is not None:
            valid.append(f"{raw} IN ({allowed})")
        condition = f"NULLIF({raw}, '') IS NULL OR ({' AND '.join(valid)})"
        if parameter.required and parameter.default is None:
            condition = f"NULLIF({raw}, '') IS NOT NULL AND ({' AND '.join(valid)})"
        message = " || ".join(
            [quote_literal(f'parameter {parameter.name} got "'), raw, quote_literal(f'": {_expected(parameter)}')]
        )
        checks.append(f"WHEN NOT coalesce({condition}, 0) THEN {_RAISE.format(message=message)}")
    return checks


def _allowed(
    parameter: Any, dynamic_choices: Callable[[str | None], tuple[Any, ...]], tables: Collection[str]
) -> str | None:
    """The SQL list (or subquery) of a parameter's allowed values, or None when any value of its type is."""
    if parameter.choices is not None:
        return ", ".join(_literal(choice).sql(dialect="sqlite") for choice in parameter.choices)
    if parameter.choices_from is None:
        return None
    view, column = parameter.choices_from.split(".")
    if view in tables:  # read where they are: a column of a million fact ids is not written into the query
        return f"SELECT {quote_identifier(column)} FROM {quote_identifier(view)}"
    values = dynamic_choices(parameter.choices_from)
    if len(values) > LISTED_VALUES:  # too many to write into the query, and not in the file: not checked
        return None
    return ", ".join(_literal(value).sql(dialect="sqlite") for value in values)


def _expected(parameter: Any) -> str:
    """What a parameter allows, in words, as its refusal says it."""
    if parameter.type == "boolean":
        return "true or false (yes, no, 1, 0; empty: the default)"
    if parameter.choices is not None and len(parameter.choices) <= SHORT_LIST:
        return f"{parameter.describe()} (empty: the default)"
    if parameter.choices_from is not None:
        view, column = parameter.choices_from.split(".")
        return f"{parameter.type}, one of the values of {column} in the {view} table"
    return parameter.describe()


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
    session: ReaderSession,
    timeout: float | None,
    database: str,
    folder: Path,
    views: Sequence[View],
    dataset: Any,
    documents: Sequence[tuple[str, str | None]] = (),
) -> list[Path]:
    """Write ``hebei.sqlite`` (the public ``views``, and the facts' full-text index) and datasette's
    ``metadata.json`` into ``folder``.

    ``database`` is the alias under which the built file is attached to the ``session``'s connection
    (read-only); the reports and their parameters come from that file, the licence from its ``dataset``
    record, the source from its ``documents`` (citation and URL of each). Every query, and sqlglot's work on
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
    tables = {view.name for view in views}
    search = search_index(views)
    if search is not None:
        write_search_index(session, timeout, database, sqlite_path, search)
    queries = {
        spec.name: session.compute(
            lambda spec=spec: canned_query(spec, dynamic_choices, tables),
            timeout,
            f"the canned query of report {spec.name}",
        )
        for spec in specs
    }
    metadata = datasette_metadata(views, specs, queries, about(dataset, documents), search)
    return [sqlite_path, write_datasette_metadata(metadata, folder)]


def sqlite_datapackage(files: Sequence[Path]) -> dict[str, Any]:
    """The resources of a SQLite export's ``datapackage.json``: the SQLite file and datasette's metadata."""

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
                "hash": "sha256:" + file_sha256(path),
            }
        )
    return {"resources": resources}


def write_datasette_metadata(metadata: Mapping[str, Any], folder: Path) -> Path:
    path = folder / METADATA_FILE
    path.write_text(json.dumps(metadata, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
