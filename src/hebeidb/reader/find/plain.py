"""The search of a record that is not laid out as the shipped one: BM25 over its public facts view.

Another data set (``--inputs DIR``) keeps its facts in a ``facts`` view of its own design. Its search
reads the view's columns from the file's catalog: the text columns (not the key, not the columns that
name a row of another view) are the fields, each weighed by its name as the full search weighs it (a
label more than a quote, a note least; any other text as a unit); a number of the search also
matches a ``value`` column, a year a ``year`` column; ``domain`` keeps the facts whose ``domain``
column holds it. A fact answers as in the full search, and when none does the closest sentences of
the stored texts are shown where the record stores texts (``core.source_texts`` with the bodies'
offsets in ``core.sources``). Names come from the catalog and are quoted; values are bound.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hebeidb.common.errors import ParameterError, unknown_name
from hebeidb.common.sqltext import quote_identifier

FACTS = "facts"
ABOUT_COLUMNS = ("note", "notes", "description", "comment")
WHOLE = ("INTEGER", "BIGINT", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT")
NUMERIC = ("DECIMAL", "DOUBLE", "FLOAT", "REAL", *WHOLE)
EXTRA = ("match", "score", "matched", "position", "position_end")

Catalog = Mapping[tuple[str, str], Mapping[str, str]]  # (schema, table) -> column -> DuckDB type


@dataclass(frozen=True)
class Field:
    k: int
    column: str  # quoted
    weight: float


@dataclass(frozen=True)
class Layout:
    """What the search reads of a facts view: its quoted key and columns, and the names of the columns it adds."""

    key: str
    fields: tuple[Field, ...]
    value_column: str | None
    year_column: str | None
    domain_column: str | None
    position: str | None
    position_end: str | None
    quote: str | None
    source: str | None
    extra: dict[str, str]
    texts: bool  # whether the record stores texts with their bodies' offsets (for the closest sentences)

    @property
    def shape(self) -> dict[str, Any]:
        """The template's arguments (names only, never a value)."""
        return {
            "key": self.key,
            "fields": self.fields,
            "value_column": self.value_column,
            "year_column": self.year_column,
            "domain_column": self.domain_column,
            "position": self.position,
            "position_end": self.position_end,
            "quote": self.quote,
            "source": self.source,
            "extra": self.extra,
        }


def layout(
    catalog: Catalog, key_columns: list[str] | None, referring: set[str], weights: Mapping[str, float]
) -> Layout:
    """The layout of the record's facts view, or :class:`ParameterError` when it has none to search."""
    columns = catalog.get(("main", FACTS))
    if columns is None or not key_columns or len(key_columns) != 1:
        raise ParameterError(
            "search reads the public view 'facts' with a one-column key, which this database does not have"
        )
    [key] = key_columns

    def typed(name: str, kinds: tuple[str, ...]) -> str | None:
        kind = columns.get(name)
        return quote_identifier(name) if kind is not None and kind.split("(")[0] in kinds else None

    texts = [name for name, kind in columns.items() if kind == "VARCHAR" and name != key and name not in referring]
    fields = tuple(
        Field(
            k, quote_identifier(name), weights["about"] if name in ABOUT_COLUMNS else weights.get(name, weights["unit"])
        )
        for k, name in enumerate(texts)
    )
    if not fields:
        raise ParameterError("search reads the text columns of the view 'facts', which has none")
    extra = {name: quote_identifier(f"search_{name}" if name in columns else name) for name in EXTRA}
    stored = catalog.get(("core", "source_texts"), {})
    sources = catalog.get(("core", "sources"), {})
    return Layout(
        key=quote_identifier(key),
        fields=fields,
        value_column=typed("value", NUMERIC),
        year_column=typed("year", WHOLE),
        domain_column=typed("domain", ("VARCHAR",)),
        position=typed("quote_start", WHOLE),
        position_end=typed("quote_end", WHOLE),
        quote=typed("quote", ("VARCHAR",)),
        source=typed("source_id", ("VARCHAR",)),
        extra=extra,
        texts={"source_id", "text"} <= set(stored) and {"source_id", "body_start", "body_end"} <= set(sources),
    )


def check_domain(found: Layout, domain: str | None, domains: list[str]) -> None:
    """Refuse a domain the facts do not have (or any, when they have no domain column)."""
    if domain is None:
        return
    if found.domain_column is None:
        raise ParameterError("the facts of this database have no domain column to keep one domain's facts")
    if domain not in domains:
        raise unknown_name(f"no domain named {domain!r}", domain, domains, "domains")


def field_weights(found: Layout) -> dict[str, float]:
    return {f"field_weight{f.k}": f.weight for f in found.fields}
