"""Figure 5, growth: the build's peak RSS at each size and how build time, report latency and memory
grow between sizes (the exponent k in time ~ facts^k), from what figures 1 and 2 recorded.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

from common import GIB, Results, fmt_bytes, fmt_s, fmt_size, verdict

TARGET_MEMORY_BYTES = 4 * GIB  # at 10^7 facts
TARGET_MEMORY_SIZE = 10_000_000
# Growth exponent k in time ~ facts^k between two sizes: 1 is linear, 2 quadratic. Fixed costs make
# k < 1 between small sizes; anything up to this counts as linear.
TARGET_GROWTH_EXPONENT = 1.2


def growth_exponent(small: tuple[int, float], large: tuple[int, float]) -> float:
    (n1, t1), (n2, t2) = small, large
    return math.log(t2 / t1) / math.log(n2 / n1)


def growth(results: Results, sizes: list[int]) -> None:
    """Figure 5 in the main table: peak memory at each size and the growth exponent between sizes."""
    records = results.raw.get("sizes", {})
    known = [n for n in sizes if str(n) in records]
    for facts in known:
        r = records[str(facts)]
        target = facts == TARGET_MEMORY_SIZE
        peak = r["build_peak_rss"]
        anchor_peak = r.get("anchor_peak_rss")
        failed = "build_failed" in r
        results.add(
            "5 peak RSS of the build process" + (" (until it failed)" if failed else ""),
            fmt_size(facts),
            fmt_bytes(peak),
            fmt_bytes(anchor_peak),
            f"{peak / anchor_peak:.2f}x" if anchor_peak else "",
            "< 4 GiB" if target else "",
            verdict(peak < TARGET_MEMORY_BYTES and not failed) if target else "",
        )
    built = [n for n in known if "build_seconds" in records[str(n)]]
    for small, large in itertools.pairwise(built):
        a, b = records[str(small)], records[str(large)]
        k = growth_exponent((small, a["build_seconds"]), (large, b["build_seconds"]))
        anchor_k = (
            f"{growth_exponent((small, a['anchor_seconds']), (large, b['anchor_seconds'])):.2f}"
            if "anchor_seconds" in a and "anchor_seconds" in b
            else ""
        )
        results.add(
            "5 build time growth exponent k",
            f"{fmt_size(small)}->{fmt_size(large)}",
            f"k = {k:.2f}",
            f"k = {anchor_k}" if anchor_k else "",
            f"x{b['build_seconds'] / a['build_seconds']:.1f} for x{large / small:.0f} facts",
            f"k <= {TARGET_GROWTH_EXPONENT} (linear)",
            verdict(k <= TARGET_GROWTH_EXPONENT),
        )


def growth_table(results: Results, sizes: list[int]) -> tuple[list[str], list[list[str]]]:
    """Figure 5 in full: one row per size, then k (time ~ facts^k) between neighbouring sizes."""
    records = results.raw.get("sizes", {})
    known = [n for n in sizes if str(n) in records]
    headers = ["facts", "build", "us/fact", "raw load", "reports (sum)", "medals", "build RSS", "raw load RSS"]
    rows = []

    def report_sum(r: dict[str, Any]) -> float | None:
        reports = r.get("reports")
        return sum(x["api_seconds"] for x in reports.values()) if reports else None

    for facts in known:
        r = records[str(facts)]
        medals = r.get("reports", {}).get("medals", {}).get("api_seconds")
        rows.append(
            [
                f"{facts:,}",
                fmt_s(r["build_seconds"]) if "build_seconds" in r else "failed",
                f"{r['build_seconds'] / facts * 1e6:.1f}" if "build_seconds" in r else "",
                fmt_s(r.get("anchor_seconds")),
                fmt_s(report_sum(r)),
                fmt_s(medals),
                fmt_bytes(r["build_peak_rss"]),
                fmt_bytes(r.get("anchor_peak_rss")),
            ]
        )
    keys: list[Callable[[dict[str, Any]], float | None]] = [
        lambda r: r.get("build_seconds"),
        lambda r: None,
        lambda r: r.get("anchor_seconds"),
        report_sum,
        lambda r: r.get("reports", {}).get("medals", {}).get("api_seconds"),
        lambda r: None if "build_failed" in r else r["build_peak_rss"],
        lambda r: r.get("anchor_peak_rss"),
    ]
    report_columns = (3, 4)  # keys that time reports: comparable only when rows were consumed alike

    def fetch(r: dict[str, Any]) -> set[str]:
        return {x["fetch"] for x in r.get("reports", {}).values()}

    for small, large in itertools.pairwise(known):
        a, b = records[str(small)], records[str(large)]
        row = [f"{fmt_size(small)}->{fmt_size(large)}"]
        for index, key in enumerate(keys):
            x, y = key(a), key(b)
            if index in report_columns and x and y and fetch(a) != fetch(b):
                row.append("(" + " vs ".join("/".join(sorted(fetch(r))) for r in (a, b)) + ")")
            else:
                row.append(f"k={growth_exponent((small, x), (large, y)):.2f}" if x and y else "")
        rows.append(row)
    return headers, rows
