"""The charts of the report pages, drawn from what each report declares in its metadata (``[chart]``).

The site knows no report by name: a report's :class:`~hebeidb.common.report_charts.ChartSpec` names the
columns of its own result (run with its defaults) that draw the chart, and this module reads them from the
report's view, puts names in place of ids where the spec says where they are, and renders a Vega-Lite spec
to SVG offline with ``vl-convert-python`` (no network, the machine's fonts). Each chart is rendered twice:
for wide screens and for phones, with labels wrapped (never cut) to fit each.

Every chart carries its title, a subtitle with unit and period, a source line and a text alternative; the
site writes its data as CSV and its images as SVG files beside the pages, and shows the image through
``<img>``: an SVG loaded as an image runs no script and fetches nothing, whatever text it holds.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import functools
import io
import json
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hebeidb.common.errors import SiteError, require_library
from hebeidb.common.report_charts import ChartSpec
from hebeidb.common.sqltext import quote_identifier

MAX_MARKS = 300  # bars or events a chart draws; the rest are counted in its subtitle
MAX_ALT_ITEMS = 40  # items the text alternative spells out; the CSV has them all
FONT = "DejaVu Sans, Noto Sans, WenQuanYi Micro Hei, Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif"
PALETTE = ["#2f6f9f", "#c0562b", "#4f8a3a", "#8a5aa6", "#b08a1a", "#4d4d4d", "#2a9d8f", "#d17aa0"]


@dataclass(frozen=True)
class Layout:
    """One rendering of a chart: its total width in pixels and how many characters a line of text may hold."""

    name: str
    width: int  # the whole image, labels and titles included
    label_chars: int  # a category label wraps past this many characters
    title_chars: int


WIDE = Layout("wide", 760, 40, 70)
NARROW = Layout("narrow", 350, 18, 34)


@dataclass(frozen=True)
class SourceRef:
    """One source of a chart's data: its words and, when it has one, its http(s) address."""

    text: str
    url: str | None = None


@dataclass
class Image:
    svg: str
    width: int
    height: int


@dataclass
class Chart:
    """A report's chart, rendered: the images, its words, and the data it draws."""

    title: str
    subtitle: str
    sources: list[SourceRef]
    source_text: str
    note: str
    alt: str
    marks: int
    kind: str
    wide: Image
    narrow: Image
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)

    def csv(self) -> bytes:
        """The data the chart draws, one row per mark, with names beside ids (UTF-8 with a byte order mark,
        so that spreadsheet programs read non-Latin names right). Values are kept exactly as they are."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(self.columns)
        writer.writerows([_csv_value(v) for v in row] for row in self.rows)
        return ("\ufeff" + out.getvalue()).encode("utf-8")


Query = Callable[[str, dict[str, Any] | None], tuple[list[str], list[tuple[Any, ...]]]]


def require_chart_library() -> Any:
    """vl-convert, which renders the charts (the ``site`` extra), or the error that says how to install it."""
    return require_library("vl_convert", "site", "vl-convert-python")


def draw_chart(
    query: Query,
    spec: Any,
    views: dict[str, Any],
    sources_of: Callable[[Sequence[Any]], list[SourceRef]],
    dataset_title: str,
) -> Chart | None:
    """The chart a report declares, drawn from its view; None when it declares none or has nothing to draw.

    ``query(sql, params)`` runs one query through the database's guard; ``views`` are the public views the
    file declares (by name); ``sources_of(ids)`` names the sources of the data.
    """
    chart: ChartSpec | None = spec.chart
    if chart is None:
        return None
    data, dropped, more = _data(query, spec.view_name, chart)
    if not data:
        return None
    names = {column: _names(query, views, chart.names[column], [row[column] for row in data]) for column in chart.names}
    for row in data:
        for column, found in names.items():
            value = row.get(column)
            row[f"{column}_name"] = found.get(_key(value), _plain(value))
    source_ids = _source_ids(query, spec.view_name, chart) if chart.source_field else []
    sources = sources_of(source_ids) if source_ids else []
    subtitle = _subtitle(chart, data, dropped, more)
    source_text = _source_text(chart, sources, dataset_title)
    columns, rows = _table(chart, data)
    alt = _alternative(chart, data, subtitle, dropped, more)
    marks = len(data)
    try:
        wide = _render(chart, data, WIDE, subtitle, source_text)
        narrow = _render(chart, data, NARROW, subtitle, source_text)
    except (ValueError, TypeError) as error:  # the renderer refuses data of a type the chart cannot draw
        raise SiteError(f"the chart of report {spec.name} cannot be drawn: {str(error).splitlines()[0]}") from None
    return Chart(
        chart.title, subtitle, sources, source_text, chart.note, alt, marks, chart.kind, wide, narrow, columns, rows
    )


# --- the data -------------------------------------------------------------------------------------------------


def _data(query: Query, view_name: str, chart: ChartSpec) -> tuple[list[dict[str, Any]], int, bool]:
    """The rows the chart draws (as dictionaries), how many rows lack the value it draws, and whether rows
    beyond :data:`MAX_MARKS` were left out."""
    view = quote_identifier(view_name)
    q = quote_identifier
    if chart.aggregate:
        keys = [chart.category, *([chart.series] if chart.series else [])]
        measure = "count(*)" if chart.aggregate == "count" else f"sum({q(chart.value or '')})"
        value = chart.value or "count"
        columns, rows = query(
            f"SELECT {', '.join(q(k) for k in keys)}, {measure} AS {q(value)} FROM {view} "
            f"GROUP BY ALL ORDER BY {q(value)} DESC NULLS LAST, {', '.join(q(k) for k in keys)} LIMIT $n",
            {"n": MAX_MARKS + 1},
        )
        dropped = 0
    else:
        if chart.kind == "timeline":
            drawn = " OR ".join(f"{q(name)} IS NOT NULL" for name in (chart.start, chart.end) if name)
        else:
            drawn = f"{q(chart.value or '')} IS NOT NULL"
        order = f" ORDER BY {q(chart.value or '')} DESC" if chart.sort == "value" and chart.value else ""
        fields = ", ".join(q(name) for name in chart.fields())
        columns, rows = query(f"SELECT {fields} FROM {view} WHERE {drawn}{order} LIMIT $n", {"n": MAX_MARKS + 1})
        [(dropped,)] = query(f"SELECT count(*) FILTER (WHERE NOT ({drawn})) FROM {view}", None)[1]
    more = len(rows) > MAX_MARKS
    data = [dict(zip(columns, row, strict=True)) for row in rows[:MAX_MARKS]]
    if chart.aggregate and chart.value is None:
        for row in data:
            row[chart.unit or "count"] = row.pop("count")
    return data, dropped, more


def _measure(chart: ChartSpec) -> str:
    """The key of the drawn value in a row of data."""
    if chart.aggregate and chart.value is None:
        return chart.unit or "count"
    return chart.value or ""


def _key(value: Any) -> str:
    return "" if value is None else str(value)


def _plain(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _names(query: Query, views: dict[str, Any], source: Any, values: list[Any]) -> dict[str, str]:
    """Names of ids: from a table of names, or from ``view.column`` of a public view keyed by one column (an
    id it does not know keeps its id)."""
    if isinstance(source, dict):
        return {str(k): v for k, v in source.items()}
    view_name, column = source.split(".")
    view = views.get(view_name)
    if view is None or len(view.key) != 1 or column not in {c.name for c in view.columns}:
        return {}
    wanted = sorted({_key(v) for v in values if v is not None})
    if not wanted:
        return {}
    key, name = quote_identifier(view.key[0]), quote_identifier(column)
    _columns, rows = query(
        f"SELECT CAST({key} AS VARCHAR), CAST({name} AS VARCHAR) FROM {quote_identifier(view_name)} "
        f"WHERE CAST({key} AS VARCHAR) IN (SELECT unnest($ids))",
        {"ids": wanted},
    )
    return {k: v for k, v in rows if v}


def _source_ids(query: Query, view_name: str, chart: ChartSpec) -> list[Any]:
    field_ = quote_identifier(chart.source_field or "")
    _columns, rows = query(
        f"SELECT DISTINCT {field_} FROM {quote_identifier(view_name)} WHERE {field_} IS NOT NULL ORDER BY 1 LIMIT 50",
        None,
    )
    return [value for (value,) in rows]


def _period(chart: ChartSpec, data: list[dict[str, Any]]) -> str:
    fields = [f for f in (chart.start, chart.end) if f] if chart.kind == "timeline" else [chart.period or ""]
    years = sorted({_year(row.get(f)) for row in data for f in fields if f and _year(row.get(f)) is not None})
    if not years:
        return ""
    return str(years[0]) if years[0] == years[-1] else f"{years[0]} to {years[-1]}"


def _year(value: Any) -> int | None:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.year
    if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999:
        return value
    return None


def _subtitle(chart: ChartSpec, data: list[dict[str, Any]], dropped: int, more: bool) -> str:
    parts = [chart.subtitle.rstrip(".")] if chart.subtitle else []
    period = _period(chart, data)
    if period:
        parts.append(period)
    if more:
        parts.append(f"the first {len(data):,} shown")
    text = "; ".join(parts)
    return text + "." if text else ""


def _source_text(chart: ChartSpec, sources: list[SourceRef], dataset_title: str) -> str:
    named = "; ".join(source.text for source in sources)
    own = chart.source or ""
    words = "; ".join(part for part in (own, named) if part)
    return f"Source: {words or dataset_title}. Compiled in {dataset_title}."


def _table(chart: ChartSpec, data: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    columns: list[str] = []
    for name in [*chart.fields(), *(["count"] if chart.aggregate == "count" and not chart.value else [])]:
        key = _measure(chart) if name == "count" else name
        columns.append(key)
        if name in chart.names:
            columns.append(f"{name}_name")
    columns = list(dict.fromkeys(c for c in columns if c))
    return columns, [[row.get(c) for c in columns] for row in data]


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


# --- words ----------------------------------------------------------------------------------------------------


def _shown(row: dict[str, Any], column: str | None) -> str:
    if not column:
        return ""
    return row.get(f"{column}_name") or _plain(row.get(column))


def _number(value: Any) -> str:
    if value is None:
        return "no value"
    if isinstance(value, decimal.Decimal):
        value = float(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, (int, float)) else str(value)


def _alternative(chart: ChartSpec, data: list[dict[str, Any]], subtitle: str, dropped: int, more: bool) -> str:
    """The chart in words: what it is, what it shows, and its values (the first :data:`MAX_ALT_ITEMS`)."""
    measure = _measure(chart)
    unit = f" {chart.unit}" if chart.unit else ""
    items = []
    for row in data[:MAX_ALT_ITEMS]:
        if chart.kind == "timeline":
            start, end = row.get(chart.start or ""), row.get(chart.end or "") if chart.end else None
            when = f"{start or end}" if not start or not end or start == end else f"from {start} to {end}"
            kind = f" ({_shown(row, chart.series)})" if chart.series else ""
            items.append(f"{_shown(row, chart.category)}{kind}, {when}")
        else:
            series = f", {_shown(row, chart.series)}" if chart.series else ""
            items.append(f"{_shown(row, chart.category)}{series}: {_number(row.get(measure))}{unit}")
    kinds = {
        "bar": "Horizontal bar chart",
        "grouped_bar": "Horizontal bar chart, bars grouped",
        "stacked_bar": "Horizontal stacked bar chart",
        "timeline": "Timeline",
    }
    marks = "events" if chart.kind == "timeline" else "bars"
    text = f"{kinds[chart.kind]}: {chart.title}. {subtitle} {len(data):,} {marks}: " + "; ".join(items)
    if len(data) > MAX_ALT_ITEMS:
        text += f"; and {len(data) - MAX_ALT_ITEMS:,} more (all are in the chart's data, CSV)"
    text += "."
    if dropped:
        rows = "1 row without a value is" if dropped == 1 else f"{dropped:,} rows without a value are"
        text += f" {rows} not drawn."
    return " ".join(text.split())


# --- drawing --------------------------------------------------------------------------------------------------


# Characters XML 1.0 cannot hold (an SVG with one would not open): C0 controls but tab and line breaks,
# surrogates and the two non-characters; each is drawn as U+FFFD.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return NOT_XML.sub("\ufffd", text)


def _wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` characters, broken at spaces only: a longer word keeps its own line whole."""
    text = _xml_text(text)
    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [""]


def _label(text: str, width: int) -> str:
    return "\n".join(_wrap(text, width))


def _json_value(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _render(chart: ChartSpec, data: list[dict[str, Any]], layout: Layout, subtitle: str, source: str) -> Image:
    measure = _measure(chart)
    values = []
    for row in data:
        point = {
            "c": _label(_shown(row, chart.category), layout.label_chars),
            "s": _xml_text(_shown(row, chart.series)) if chart.series else "",
        }
        if chart.kind == "timeline":
            start, end = row.get(chart.start or ""), row.get(chart.end or "") if chart.end else None
            point["t0"] = _json_value(start or end)
            point["t1"] = _json_value(end or start)
        else:
            point["v"] = _json_value(row.get(measure))
            point["l"] = _xml_text(_number(row.get(chart.label or measure))) if chart.label or chart.aggregate else ""
        values.append(point)
    categories = list(dict.fromkeys(point["c"] for point in values))
    series = list(dict.fromkeys(point["s"] for point in values if point["s"]))
    lines = max((c.count("\n") + 1 for c in categories), default=1)
    label_width = min(layout.label_chars, max((len(line) for c in categories for line in c.split("\n")), default=8))
    plot_width = max(120, layout.width - int(label_width * 6.6) - 40)
    grouped = chart.kind == "grouped_bar" and len(series) > 1
    band = max(lines * 13 + 7, (len(series) * 13 + 8) if grouped else 22)
    spec: dict[str, Any] = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "config": {
            "font": FONT,
            "view": {"stroke": None},
            "axis": {"labelFontSize": 11, "titleFontSize": 11, "titleFontWeight": "normal", "labelLimit": 0},
            "legend": {"labelFontSize": 11, "labelLimit": 0, "titleLimit": 0, "symbolType": "square"},
            "title": {"limit": 0, "subtitleLimit": 0},
        },
        "background": "white",
        "padding": 8,
        "title": {
            "text": _wrap(chart.title, layout.title_chars),
            "subtitle": _wrap(subtitle, int(layout.title_chars * 1.25)) if subtitle else "",
            "anchor": "start",
            "frame": "bounds",
            "fontSize": 15,
            "subtitleFontSize": 11,
            "subtitleColor": "#4a4a4a",
            "subtitlePadding": 4,
            "offset": 14,
        },
        "vconcat": [
            _plot(chart, values, categories, series, plot_width, band, layout),
            {
                "width": plot_width,
                "height": 12 * len(_wrap(source, int(layout.title_chars * 1.25))),
                "data": {"values": [{"t": _wrap(source, int(layout.title_chars * 1.25))}]},
                "mark": {"type": "text", "align": "left", "baseline": "top", "fontSize": 10, "color": "#4a4a4a"},
                "encoding": {"text": {"field": "t"}, "x": {"value": -int(label_width * 6.6)}, "y": {"value": 0}},
            },
        ],
        "spacing": 14,
    }
    svg = render_svg(spec)
    width, height = _size(svg)
    return Image(svg, width, height)


def _plot(
    chart: ChartSpec,
    values: list[dict[str, Any]],
    categories: list[str],
    series: list[str],
    width: int,
    band: int,
    layout: Layout,
) -> dict[str, Any]:
    y_axis = {
        "field": "c",
        "type": "nominal",
        "sort": categories,
        "title": None,
        "axis": {"labelExpr": "split(datum.label, '\\n')", "labelLimit": 0, "labelPadding": 6, "ticks": False},
    }
    legend = {
        "orient": "top",
        "direction": "horizontal",
        "columns": 1 if layout is NARROW else min(len(series), 3),
        "title": None,
    }
    color = (
        {
            "field": "s",
            "type": "nominal",
            "sort": series,
            "scale": {"domain": series, "range": PALETTE[: max(1, len(series))] or PALETTE},
            "legend": legend,
        }
        if series
        else {"value": PALETTE[0]}
    )
    height = band * len(categories)
    if chart.kind == "timeline":
        x = {
            "field": "t0",
            "type": "temporal",
            "title": None,
            "axis": {"format": "%Y", "tickCount": "year"},
            "scale": {"padding": 10},  # the first and last dots clear the axes
        }
        return {
            "width": width,
            "height": height,
            "data": {"values": values},
            "layer": [
                {
                    "mark": {"type": "rule", "strokeWidth": 4, "strokeCap": "round"},
                    "encoding": {"y": y_axis, "x": x, "x2": {"field": "t1"}, "color": color},
                },
                {
                    "mark": {"type": "point", "filled": True, "size": 60, "opacity": 1},
                    "encoding": {"y": y_axis, "x": x, "color": color},
                },
            ],
        }
    # A channel's title goes into the renderer's own tooltip expression, where a line break ends the string: one line.
    unit = " ".join(_xml_text(chart.unit).split()) if chart.unit else ""
    x = {"field": "v", "type": "quantitative", "title": unit[:1].upper() + unit[1:] if unit else None}
    x["axis"] = {"format": "~s" if _large(values) else ",~r", "tickCount": 5 if layout is NARROW else 8}
    encoding: dict[str, Any] = {"y": y_axis, "x": x, "color": color}
    if chart.kind == "grouped_bar" and len(series) > 1:
        encoding["yOffset"] = {"field": "s", "sort": series}
    bar = {
        "mark": {"type": "bar", "height": {"band": 0.8} if chart.kind != "grouped_bar" else 11},
        "encoding": encoding,
    }
    if chart.kind == "stacked_bar":
        x["stack"] = "zero"
        layers: list[dict[str, Any]] = [bar]
        totals = {}
        for point in values:
            totals[point["c"]] = totals.get(point["c"], 0) + (point["v"] or 0)
        layers.append(
            {
                "data": {"values": [{"c": c, "v": v, "l": _number(v)} for c, v in totals.items()]},
                "mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 11, "color": "#1d1d1f"},
                "encoding": {"y": y_axis, "x": {"field": "v", "type": "quantitative"}, "text": {"field": "l"}},
            }
        )
    else:
        layers = [bar]
        if chart.label or chart.aggregate:
            text_encoding = {k: v for k, v in encoding.items() if k != "color"}
            text_encoding["text"] = {"field": "l"}
            layers.append(
                {
                    "mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 10, "color": "#1d1d1f"},
                    "encoding": text_encoding,
                }
            )
    # Room at the end of the longest bar for its label.
    top = max((float(p["v"]) for p in values if p.get("v") is not None), default=0.0)
    if chart.kind == "stacked_bar":
        top = max(totals.values(), default=0)
    x["scale"] = {"domainMax": top * (1.18 if layout is NARROW else 1.1) or 1, "nice": False}
    return {"width": width, "height": height, "data": {"values": values}, "layer": layers}


def _large(values: list[dict[str, Any]]) -> bool:
    return any(abs(float(p["v"])) >= 100_000 for p in values if p.get("v") is not None)


def _size(svg: str) -> tuple[int, int]:
    head = svg[: svg.find(">")]
    width = re.search(r'\bwidth="([\d.]+)"', head)
    height = re.search(r'\bheight="([\d.]+)"', head)
    return (round(float(width.group(1))) if width else 0, round(float(height.group(1))) if height else 0)


def render_svg(spec: dict[str, Any]) -> str:
    """A Vega-Lite spec rendered to SVG on this machine (no network, fonts of the machine).

    Every text of the spec is made fit for XML first: the renderer stops the whole process (it does not raise)
    on a character XML cannot hold, and the text comes from the file.
    """
    vl_convert = require_chart_library()
    return _svg(vl_convert, json.dumps(_fit_for_xml(spec), sort_keys=True, ensure_ascii=False))


def _fit_for_xml(value: Any) -> Any:
    if isinstance(value, str):
        return _xml_text(value)
    if isinstance(value, dict):
        return {_xml_text(str(k)): _fit_for_xml(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_fit_for_xml(v) for v in value]
    return value


@functools.lru_cache(maxsize=64)
def _svg(vl_convert: Any, spec: str) -> str:
    """The same spec always gives the same SVG: a process that writes the site of the same data again (a
    notebook, a test run) renders each chart once."""
    return vl_convert.vegalite_to_svg(json.loads(spec), allowed_base_urls=[])
