"""A report's SQL written for another engine, with the values to bind in that engine's style (sqlglot).

sqlglot is imported inside each function, so a plain report or query never pays for it.

A translation is offered only for the engines the test suite runs every report on (``DIALECTS``):
each report, with its defaults and other parameter sets, returns DuckDB's rows on PostgreSQL 15, Spark
and SQLite. Where sqlglot's output is wrong for an engine, an AST transform here fixes it before the SQL
is written (``_TRANSFORMS``), never a string patch on the output.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hebeidb.common.errors import ParameterError, unknown_name

if TYPE_CHECKING:
    pass

# Verified: the tests run every report on each of these and compare the rows with DuckDB's.
DIALECTS = ("duckdb", "postgres", "spark", "sqlite")
# Translated by sqlglot, never run here: offered only with ``unverified=True`` (``--unverified``).
UNVERIFIED_DIALECTS = ("trino",)
# How each engine writes a bound value: "$name" and ":name" are named (a name may repeat), "$n" is
# numbered in order of first use (a repeated name reuses its number), "?" is one value per mark.
PLACEHOLDER_STYLES = {"duckdb": "$name", "postgres": "$n", "spark": ":name", "sqlite": ":name", "trino": "?"}


@dataclass(frozen=True)
class BoundValue:
    """One value to bind: the report parameter it comes from, the value and its SQL-neutral type."""

    name: str
    value: Any
    type: str  # "text", "integer", "number", "date", "boolean" or "null"

    def as_json(self) -> dict[str, Any]:
        value = self.value.isoformat() if isinstance(self.value, dt.date) else self.value
        return {"name": self.name, "type": self.type, "value": value}


@dataclass(frozen=True)
class Translation:
    """SQL for one engine with the values to bind, in the order and style that engine expects."""

    dialect: str
    sql: str
    placeholder_style: str
    parameters: tuple[BoundValue, ...]
    verified: bool

    def args(self) -> dict[str, Any] | list[Any]:
        """What the engine's client takes beside the SQL: a dict for named styles, a list for positional ones.

        >>> translation.args()  # doctest: +SKIP
        {'kind': 'national_games'}   # spark.sql(translation.sql, args=...), sqlite3 execute(sql, ...)
        """
        if self.placeholder_style in ("$n", "?"):
            return [p.value for p in self.parameters]
        return {p.name: p.value for p in self.parameters}

    def as_json(self) -> dict[str, Any]:
        return {
            "dialect": self.dialect,
            "verified": self.verified,
            "placeholder_style": self.placeholder_style,
            "sql": self.sql,
            "parameters": [p.as_json() for p in self.parameters],
        }


def value_type(value: Any) -> str:
    """The type a bound value is sent as."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return "date"
    if isinstance(value, str):
        return "text"
    raise TypeError(f"no bound value of type {type(value).__name__}")


def check_dialect(dialect: str, *, unverified: bool = False) -> None:
    """Raise :class:`ParameterError` naming the offered dialects unless ``dialect`` is one of them."""
    if dialect in DIALECTS or (unverified and dialect in UNVERIFIED_DIALECTS):
        return
    offered = ", ".join(DIALECTS)
    if dialect in UNVERIFIED_DIALECTS:
        raise ParameterError(
            f"dialect {dialect!r} is not verified (no test runs the reports on it); verified: {offered}; "
            "add --unverified (unverified=True) to translate anyway"
        )
    raise unknown_name(f"unknown dialect {dialect!r}", dialect, DIALECTS, "dialects")


def translate(sql: str, params: Mapping[str, Any] | None, dialect: str, *, unverified: bool = False) -> Translation:
    """``sql`` (DuckDB, ``$name`` placeholders) written for ``dialect``, with ``params`` in its binding order.

    >>> t = translate("SELECT * FROM medal_tallies WHERE kind = $kind", {"kind": "national_games"}, "postgres")
    >>> t.sql, t.args()  # doctest: +SKIP
    ('SELECT * FROM medal_tallies WHERE kind = $1', ['national_games'])
    """
    check_dialect(dialect, unverified=unverified)
    values = dict(params or {})
    style = PLACEHOLDER_STYLES[dialect]
    if dialect == "duckdb":
        from hebeidb.common.sqltext import placeholders

        used = sorted(placeholders(sql))
        _check_bound(used, values)
        bound = tuple(BoundValue(n, values[n], value_type(values[n])) for n in used)
        return Translation(dialect, sql, style, bound, verified=True)
    import sqlglot
    from sqlglot import exp

    expression = sqlglot.parse_one(sql, read="duckdb")
    for transform in _TRANSFORMS.get(dialect, ()):
        expression = expression.transform(transform)
    order: list[str] = []  # placeholder names in the order the engine numbers them

    def placeholder(node: exp.Expression) -> exp.Expression:
        if not isinstance(node, exp.Placeholder) or not node.name:
            return node
        name = node.name
        if style == "?":
            order.append(name)
            return exp.Placeholder()
        if style == "$n":
            if name not in order:
                order.append(name)
            return exp.Parameter(this=exp.Literal.number(order.index(name) + 1))
        if name not in order:
            order.append(name)
        return node  # ":name": sqlglot writes a named placeholder that way for these engines

    expression = expression.transform(placeholder)
    _check_bound(order, values)
    text = expression.sql(dialect=dialect, pretty=True) + "\n"
    bound = tuple(BoundValue(n, values[n], value_type(values[n])) for n in order)
    if style == ":name":
        bound = tuple(sorted(bound, key=lambda b: b.name))
    return Translation(dialect, text, style, bound, verified=dialect in DIALECTS)


def transpile(sql: str, dialect: str, *, unverified: bool = False) -> str:
    """``sql`` (DuckDB) written for ``dialect``; placeholders follow the dialect's style."""
    check_dialect(dialect, unverified=unverified)
    from hebeidb.common.sqltext import placeholders

    return translate(sql, dict.fromkeys(placeholders(sql)), dialect, unverified=unverified).sql


def _check_bound(names: list[str], values: Mapping[str, Any]) -> None:
    missing = sorted(set(names) - set(values))
    if missing:
        raise ValueError(f"no value for placeholder ${missing[0]}")


def _numeric_before_round(node: Any) -> Any:
    """PostgreSQL has ``round(numeric, int)`` only: ``round(double precision, 1)`` does not exist."""
    from sqlglot import exp

    if isinstance(node, exp.Round) and node.args.get("decimals") is not None:
        this = node.this
        if not (isinstance(this, exp.Cast) and this.to.is_type(exp.DataType.Type.DECIMAL)):
            node.set("this", exp.cast(this, exp.DataType.build("DECIMAL")))
    return node


def _sqlite_date_parts(node: Any) -> Any:
    """SQLite has no ``year()``/``month()``/``day()``: read the part with ``strftime`` as an integer."""
    from sqlglot import exp

    formats = {exp.Year: "%Y", exp.Month: "%m", exp.Day: "%d"}
    for kind, fmt in formats.items():
        if type(node) is kind:
            part = exp.Anonymous(this="STRFTIME", expressions=[exp.Literal.string(fmt), node.this])
            return exp.cast(part, exp.DataType.build("INTEGER"))
    return node


_TRANSFORMS: dict[str, tuple[Callable[[Any], Any], ...]] = {
    "postgres": (_numeric_before_round,),
    "sqlite": (_sqlite_date_parts,),
}


def commented_sql(spec: Any, translation: Translation) -> str:
    """The report's SQL for its engine, headed by comments: what it is, how values bind, whether it is verified
    and portable. Every line of the header is one SQL comment, whatever the file's title or note holds, so the
    text is exactly one statement.

    >>> print(commented_sql(db.report_spec("medals"), db.translate("medals", "postgres")))  # doctest: +SKIP
    -- report medals: Medal tallies (postgres)
    SELECT ...
    """
    from hebeidb.common.sqltext import sql_comment

    dialect = translation.dialect
    header = []
    if not translation.verified:
        header.append(f"UNVERIFIED: translated by sqlglot for {dialect}; no test runs the reports there")
    header.append(f"report {spec.name}: {spec.title} ({dialect})")
    if translation.parameters:
        style = translation.placeholder_style
        bind = ", ".join(
            f"${i}={p.name}={p.value!r}" if style == "$n" else f"{p.name}={p.value!r}"
            for i, p in enumerate(translation.parameters, 1)
        )
        header.append(f"placeholders {style}, bind: {bind}")
    if dialect != "duckdb" and not spec.portable:
        header.append(f"NOT PORTABLE: {spec.portability_note}")
    return "".join(sql_comment(line) + "\n" for line in header) + translation.sql
