"""Charts of the report pages: Vega-Lite specs rendered to SVG at build time by vl-convert (offline).

Each chart draws one mark per data row (so that a test can count them) and carries a text
alternative that says what it shows. Data come from the public views; a report with no chart of
its own gets none.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import json
import unicodedata
from typing import Any

from hebeidb.common.errors import missing_library
from hebeidb.reader.site import Chart

MAX_MARKS = 300  # marks of one chart; the rest is counted in the text alternative
WIDTH = 640
POWERS = [10**k for k in range(16)]  # ticks of a log axis: one per power of ten
FONT = "DejaVu Sans, Arial, sans-serif"


def _plain(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _rows(con: Any, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    relation = con.sql(sql, params=params)
    return [dict(zip(relation.columns, map(_plain, row), strict=True)) for row in relation.fetchall()]


def render_svg(spec: dict[str, Any]) -> str:
    """A Vega-Lite spec as SVG, rendered offline (no network, fonts of the machine)."""
    vl_convert = require_chart_library()
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "config": {"font": FONT, "view": {"stroke": None}, "axis": {"labelFontSize": 11, "titleFontSize": 12}},
        **spec,
    }
    # The SVG gets its accessible name from the figure around it.
    return _svg(vl_convert, json.dumps(spec, sort_keys=True)).replace("<svg ", '<svg role="img" focusable="false" ', 1)


@functools.lru_cache(maxsize=64)
def _svg(vl_convert: Any, spec: str) -> str:
    """Rendering is most of a site's time (0.07 s to 2 s a chart) and the same spec always gives the same SVG:
    a process that writes the site of the same data again (a notebook, a test run) renders each chart once."""
    return vl_convert.vegalite_to_svg(json.loads(spec))


def report_chart(con: Any, name: str) -> Chart | None:
    """The chart of a report, or None where none fits."""
    maker = {
        "medals": medals_chart,
        "domain_summary": domains_chart,
        "indicators": domains_chart,
        "timeline": timeline_chart,
        "consistency": consistency_chart,
    }.get(name)
    return maker(con) if maker else None


def medals_chart(con: Any) -> Chart | None:
    """Hebei beside China per competition (total medals); a share is marked where counting bases differ."""
    data = _rows(
        con,
        """
        SELECT competition, delegation, total, gold, coalesce(comparable, true) AS comparable, start_date
        FROM medal_tallies
        WHERE delegation IN ('hebei', 'china') AND total IS NOT NULL
        ORDER BY start_date, competition_id, delegation
        LIMIT $n
        """,
        {"n": MAX_MARKS},
    )
    if not data:
        return None
    for row in data:
        row["bases"] = "same counting basis" if row["comparable"] else "counting bases differ: a share is an estimate"
    spec = {
        "width": WIDTH,
        "height": 260,
        "data": {"values": data},
        "mark": {"type": "bar", "strokeWidth": 2},
        "encoding": {
            "x": {"field": "competition", "type": "nominal", "sort": None, "axis": {"labelAngle": -20, "title": None}},
            "xOffset": {"field": "delegation"},
            "y": {"field": "total", "type": "quantitative", "title": "medals (total)"},
            "color": {
                "field": "delegation",
                "type": "nominal",
                "scale": {"domain": ["china", "hebei"], "range": ["#b0413e", "#2f6f9f"]},
            },
            "strokeDash": {
                "field": "bases",
                "type": "nominal",
                "title": None,
                "scale": {
                    "domain": ["same counting basis", "counting bases differ: a share is an estimate"],
                    "range": [[1, 0], [4, 3]],
                },
            },
            "stroke": {"value": "#222"},
        },
    }
    differ = sorted({row["competition"] for row in data if not row["comparable"]})
    alt = (
        f"Bar chart of total medals per competition, Hebei beside China, {len(data)} bars: "
        + "; ".join(f"{r['competition']}, {r['delegation']}: {r['total']}" for r in data)
        + ". "
        + (
            f"Dashed outlines mark competitions where the counting bases differ ({', '.join(differ)}), so a "
            "share of the national total is an estimate there."
            if differ
            else "Both delegations count alike at every competition shown."
        )
    )
    return Chart(render_svg(spec), len(data), alt, "bar", data)


def domains_chart(con: Any) -> Chart | None:
    """Facts by domain."""
    data = _rows(
        con,
        "SELECT domain, count(*) AS facts FROM facts GROUP BY domain ORDER BY facts DESC, domain LIMIT $n",
        {"n": MAX_MARKS},
    )
    if not data:
        return None
    spec = {
        "width": WIDTH,
        "height": max(120, 22 * len(data)),
        "data": {"values": data},
        "mark": {"type": "bar", "color": "#2f6f9f"},
        "encoding": {
            "y": {"field": "domain", "type": "nominal", "sort": None, "title": None},
            "x": {"field": "facts", "type": "quantitative", "title": "facts"},
        },
    }
    alt = f"Bar chart of the number of facts per domain, {len(data)} bars: " + "; ".join(
        f"{r['domain']}: {r['facts']}" for r in data
    )
    return Chart(render_svg(spec), len(data), alt + ".", "bar", data)


def timeline_chart(con: Any) -> Chart | None:
    """Competitions, programme periods, targets and the publication on a time axis."""
    data = _rows(
        con,
        """
        SELECT starts_on, coalesce(ends_on, starts_on) AS ends_on, event_kind, event, ref
        FROM report_timeline
        WHERE starts_on IS NOT NULL
        ORDER BY starts_on, event
        LIMIT $n
        """,
        {"n": MAX_MARKS},
    )
    if not data:
        return None
    for row in data:
        # The chart's renderer has Latin fonts only: a title in another script is labelled by its key
        # (the text alternative and the table keep the title).
        event = row["event"] if all(unicodedata.east_asian_width(ch) not in "WF" for ch in row["event"]) else row["ref"]
        row["label"] = event if len(event) <= 60 else event[:59] + "…"
    encoding = {
        # Labels come cut to 60 characters above; the renderer's own cut to a width (labelLimit) measures each
        # label again and again: with 300 events it took 4.5 s of the chart's 4.7 (2.2 s without it).
        "y": {"field": "label", "type": "nominal", "sort": None, "title": None, "axis": {"labelLimit": 0}},
        "x": {"field": "starts_on", "type": "temporal", "title": None},
        "color": {"field": "event_kind", "type": "nominal", "title": "kind"},
    }
    spec = {
        "width": WIDTH,
        "height": max(120, 18 * len(data)),
        "data": {"values": data},
        # A rule spans each period; a point marks where each event starts (one point per event).
        "layer": [
            {"mark": {"type": "rule", "strokeWidth": 4}, "encoding": {**encoding, "x2": {"field": "ends_on"}}},
            {
                "mark": {"type": "point", "filled": True, "size": 70},
                "encoding": {**encoding, "shape": {"field": "event_kind", "title": "kind"}},
            },
        ],
    }
    alt = f"Timeline of {len(data)} dated events: " + "; ".join(
        f"{r['event_kind']} {r['event']} from {r['starts_on']} to {r['ends_on']}" for r in data[:40]
    )
    return Chart(render_svg(spec), len(data), alt + ("." if len(data) <= 40 else "; ..."), "point", data)


def consistency_chart(con: Any) -> Chart | None:
    """Each cross-check: stated against computed value, coloured by verdict (on log scales)."""
    data = _rows(
        con,
        """
        SELECT check_id, check_kind, verdict, CAST(stated_value AS DOUBLE) AS stated,
               CAST(computed_value AS DOUBLE) AS computed
        FROM cross_checks
        WHERE stated_value > 0 AND computed_value > 0
        ORDER BY check_kind, check_id
        LIMIT $n
        """,
        {"n": MAX_MARKS},
    )
    if not data:
        return None
    spec = {
        "width": 420,
        "height": 420,
        "data": {"values": data},
        "mark": {"type": "point", "filled": True, "size": 60, "opacity": 0.8},
        "encoding": {
            "x": {
                "field": "stated",
                "type": "quantitative",
                "scale": {"type": "log"},
                "title": "stated value",
                "axis": {"format": "~s", "labelAngle": 0, "values": POWERS},
            },
            "y": {
                "field": "computed",
                "type": "quantitative",
                "scale": {"type": "log"},
                "title": "computed value",
                "axis": {"format": "~s", "values": POWERS},
            },
            "color": {
                "field": "verdict",
                "type": "nominal",
                "scale": {"domain": ["pass", "fail"], "range": ["#2f6f9f", "#c0392b"]},
            },
            "shape": {"field": "check_kind", "type": "nominal", "title": "check"},
        },
    }
    failing = [r["check_id"] for r in data if r["verdict"] != "pass"]
    alt = (
        f"Scatter plot of {len(data)} cross-checks, stated value against computed value on log scales, coloured "
        f"by verdict: {len(data) - len(failing)} pass, {len(failing)} fail"
        + (f" ({', '.join(failing[:20])})" if failing else "")
        + ". Checks whose values are zero or negative are listed in the table only."
    )
    return Chart(render_svg(spec), len(data), alt, "point", data)


def require_chart_library() -> Any:
    """vl-convert-python, which renders the charts, or the error saying how to install it (the ``site`` extra)."""
    try:
        import vl_convert
    except ModuleNotFoundError:
        raise missing_library("vl-convert-python (it renders the site's charts)", "site") from None
    return vl_convert
