"""The chart a report declares in its metadata: the ``[chart]`` table of ``queries/<name>.toml``.

A report says what its chart shows and which columns of its own result (run with the defaults) draw it;
readers that draw charts (the site) take everything from here and know no report by name::

    [chart]
    kind = "grouped_bar"            # bar, grouped_bar, stacked_bar or timeline
    category = "competition"        # one bar (or one row of the timeline) per value
    series = "delegation"           # colour, with one legend (grouped_bar, stacked_bar, timeline)
    value = "total"                 # the bar's length (bars)
    label = "total"                 # a text drawn at the end of each bar (optional)
    title = "Medals won at each competition"
    subtitle = "Total medals, Hebei beside China's national delegation"
    unit = "medals"                 # the value's unit: axis title, text alternative
    period = "start_date"           # a date or year column: its span is added to the subtitle (optional)
    source_field = "source_id"      # a column of source ids: the source line names those sources (optional)
    source = "..."                  # the source line's own words (optional)
    note = "..."                    # a sentence printed under the chart (optional)
    aggregate = "count"             # count rows (no value column) or sum the value per category and series
    sort = "value"                  # "value": longest bar first; "data" (default): the result's own order
                                    # (a counted or summed chart is always longest first)
    names.delegation = "regions.name_en"                 # show a name for an id: view.column of the view
    names.event_kind = { competition = "Competition" }   # keyed by that id, or a table of names

A timeline draws ``start`` to ``end`` (date columns; a row with only one of them is a point) for each
``category``. Errors are :class:`TemplateError` naming the metadata file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hebeidb.common.errors import TemplateError
from hebeidb.common.sqltext import is_plain_name

CHART_KINDS = ("bar", "grouped_bar", "stacked_bar", "timeline")
AGGREGATES = ("count", "sum")
SORTS = ("data", "value")
TEXT_KEYS = ("title", "subtitle", "unit", "source", "note")
FIELD_KEYS = ("category", "series", "value", "label", "start", "end", "period", "source_field")
# What each kind needs besides its title.
REQUIRED = {
    "bar": ("category", "unit"),
    "grouped_bar": ("category", "series", "value", "unit"),
    "stacked_bar": ("category", "series", "unit"),
    "timeline": ("category", "start"),
}
MAX_TEXT = 500  # characters of a title, subtitle, source line or note


@dataclass(frozen=True)
class ChartSpec:
    """What a report's chart shows, as its metadata declares it (field names are columns of the report)."""

    kind: str
    title: str
    category: str
    subtitle: str = ""
    unit: str = ""
    series: str | None = None
    value: str | None = None
    label: str | None = None
    start: str | None = None
    end: str | None = None
    period: str | None = None
    source_field: str | None = None
    source: str = ""
    note: str = ""
    aggregate: str | None = None
    sort: str = "data"
    names: Mapping[str, str | Mapping[str, str]] = field(default_factory=dict)

    def fields(self) -> list[str]:
        """Every column of the report the chart reads, each once."""
        named = [getattr(self, key) for key in FIELD_KEYS]
        return list(dict.fromkeys(name for name in named if name))


def parse_chart(where: str, raw: Any) -> ChartSpec:
    """The ``[chart]`` table of a report's metadata, checked; ``where`` names the file in errors."""

    def fail(message: str) -> TemplateError:
        return TemplateError(where, f"[chart]: {message}")

    if not isinstance(raw, dict):
        raise fail("must be a table, written [chart]")
    known = {"kind", "aggregate", "sort", "names", *TEXT_KEYS, *FIELD_KEYS}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise fail(f"unknown key {unknown[0]!r}; keys: {', '.join(sorted(known))}")
    kind = raw.get("kind")
    if kind not in CHART_KINDS:
        raise fail(f"kind must be one of {', '.join(CHART_KINDS)}, not {kind!r}")
    if not isinstance(raw.get("title"), str) or not raw["title"].strip():
        raise fail("needs a title saying what the chart shows")
    for key in TEXT_KEYS:
        value = raw.get(key, "")
        if not isinstance(value, str):
            raise fail(f"{key} must be text, not {value!r}")
        if len(value) > MAX_TEXT:
            raise fail(f"{key} is longer than {MAX_TEXT} characters")
    for key in FIELD_KEYS:
        value = raw.get(key)
        if value is not None and not is_plain_name(value):
            raise fail(f"{key} must name a column of the report (lower case letters, digits, _), not {value!r}")
    aggregate = raw.get("aggregate")
    if aggregate is not None and aggregate not in AGGREGATES:
        raise fail(f"aggregate must be one of {', '.join(AGGREGATES)}, not {aggregate!r}")
    sort = raw.get("sort", "data")
    if sort not in SORTS:
        raise fail(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    needed = list(REQUIRED[kind])
    if kind in ("bar", "stacked_bar") and aggregate != "count":
        needed.append("value")
    if aggregate == "sum" and not raw.get("value"):
        needed.append("value")
    missing = [key for key in needed if not raw.get(key)]
    if missing:
        raise fail(
            f"a {kind} chart needs {missing[0]}" + (' (or aggregate = "count")' if missing[0] == "value" else "")
        )
    if kind == "timeline" and (aggregate or raw.get("value") or raw.get("label")):
        raise fail("a timeline draws start to end; it takes no value, label or aggregate")
    if kind != "timeline" and (raw.get("start") or raw.get("end")):
        raise fail(f"start and end belong to a timeline, not to a {kind} chart")
    if aggregate == "count" and raw.get("label"):
        raise fail("a counted chart labels each bar with its count; it takes no label column")
    names = raw.get("names", {})
    if not isinstance(names, dict):
        raise fail('names must be a table: names.column = "view.column" or names.column = { id = "Name" }')
    fields = {raw.get(key) for key in FIELD_KEYS if raw.get(key)}
    checked: dict[str, str | Mapping[str, str]] = {}
    for column, source in names.items():
        if column not in fields:
            raise fail(f"names.{column}: {column} is not a field of the chart")
        if isinstance(source, str):
            parts = source.split(".")
            if len(parts) != 2 or not all(is_plain_name(p) for p in parts):
                raise fail(f'names.{column} must be "view.column" (a public view keyed by the id), not {source!r}')
            checked[column] = source
        elif isinstance(source, dict) and all(isinstance(v, str) for v in source.values()):
            checked[column] = dict(source)
        else:
            raise fail(f'names.{column} must be "view.column" or a table of names, not {source!r}')
    return ChartSpec(
        kind=kind,
        title=raw["title"].strip(),
        category=raw["category"],
        subtitle=raw.get("subtitle", "").strip(),
        unit=raw.get("unit", "").strip(),
        series=raw.get("series"),
        value=raw.get("value"),
        label=raw.get("label"),
        start=raw.get("start"),
        end=raw.get("end"),
        period=raw.get("period"),
        source_field=raw.get("source_field"),
        source=raw.get("source", "").strip(),
        note=raw.get("note", "").strip(),
        aggregate=aggregate,
        sort=sort,
        names=checked,
    )
