"""Figure 2, reports: ``Database.report(name)`` against the same rendered SQL on a plain connection to the
same file, every report with its defaults, rows consumed alike on both sides.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from common import Results, best_side_by_side, fmt_s, fmt_size, timed, verdict

# Reports returning one row per fact hold ~1.8 GB of Python objects per 10^6 rows when fetched with
# fetchall(); above this size the rows are streamed as Arrow batches instead (same on both sides).
FETCHALL_MAX_FACTS = 2_000_000
ARROW_BATCH = 1_000_000
TARGET_REPORT_RATIO = 1.10  # at 10^6 facts
TARGET_REPORT_SIZE = 1_000_000


def consume(relation: Any, mode: str) -> int:
    if mode == "fetchall":
        return len(relation.fetchall())
    to_reader = getattr(relation, "to_arrow_reader", None) or relation.fetch_arrow_reader  # name since DuckDB 1.4
    reader = to_reader(ARROW_BATCH)
    return sum(batch.num_rows for batch in reader)


def bench_reports(results: Results, facts: int, database: Path, args: argparse.Namespace) -> float:
    """Figure 2: every report through the API and as the same SQL on a plain connection.

    Both connections use the same configuration (DuckDB refuses two configurations for one file in
    one process), so they share one database instance and its buffer cache: only hebeidb's layer
    differs. Returns the sum of the best API times (for figure 5)."""
    import duckdb

    from hebeidb.reader.database import Database

    mode = args.fetch if args.fetch != "auto" else ("fetchall" if facts <= FETCHALL_MAX_FACTS else "arrow")
    db = Database(database)  # not hebeidb.open(): that would rebuild a synthetic database (other inputs)
    try:  # the configuration hebeidb's readers use (DuckDB refuses a second one for the same file)
        from hebeidb.reader.database import connect_read_only

        raw = connect_read_only(database)
    except ImportError:  # hebeidb before connect_read_only
        raw = duckdb.connect(str(database), read_only=True, config={"enable_external_access": False})
    size = fmt_size(facts)
    record = results.raw["sizes"].setdefault(str(facts), {}).setdefault("reports", {})
    total = 0.0
    try:
        for spec in db.reports():
            rendered = db.render(spec.name)
            params = rendered.params or None

            def api(name: str = spec.name) -> int:
                return consume(db.report(name), mode)

            def plain(sql: str = rendered.sql, bound: Any = params) -> int:
                return consume(raw.sql(sql, params=bound), mode)

            api_s, raw_s, runs, rows = best_side_by_side(api, plain, args)
            render_s = min(timed(lambda name=spec.name: db.render(name)) for _ in range(5))
            ratio = api_s / raw_s
            total += api_s
            record[spec.name] = {
                "rows": rows,
                "api_seconds": api_s,
                "raw_seconds": raw_s,
                "render_seconds": render_s,
                "runs": runs,
                "fetch": mode,
            }
            target = facts == TARGET_REPORT_SIZE
            results.add(
                f"2 report {spec.name} ({rows:,} rows)",
                size,
                fmt_s(api_s),
                fmt_s(raw_s),
                f"{ratio:.3f}x",
                f"<= {TARGET_REPORT_RATIO:.2f}x" if target else "",
                verdict(ratio <= TARGET_REPORT_RATIO) if target else "",
            )
            print(f"  report {spec.name}: api {fmt_s(api_s)}, raw {fmt_s(raw_s)} ({runs} runs)", flush=True)
    finally:
        raw.close()
        db.close()
    return total
