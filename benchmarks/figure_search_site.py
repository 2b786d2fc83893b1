"""Search and site latency (``--search-and-site DB``): ``Database.search`` for a few word lists and one
build of the report site, on databases already built; printed on their own, outside the table.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from common import fmt_bytes, fmt_s, timed

SEARCHES = ("autism", "children with autism", "employment", "gold medals", "persons")


def bench_search_and_site(database: Path, repeat: int, work: Path) -> dict[str, Any]:
    """Search (best of ``repeat`` per word list) and the report site (one build: time, files, bytes) on one database."""
    import hebeidb

    figures: dict[str, Any] = {"database": str(database), "search_seconds": {}}
    with hebeidb.open(database) as db:
        figures["facts"] = db.sql("SELECT count(*) FROM facts").fetchall()[0][0]
        for words in SEARCHES:
            figures["search_seconds"][words] = min(
                timed(lambda words=words: db.search(words, numbers=True).fetchall()) for _ in range(repeat)
            )
        out = work / f"site-{database.stem}"
        started = time.perf_counter()
        paths = db.site(out)
        figures["site_seconds"] = time.perf_counter() - started
    figures["site_files"] = len(paths)
    figures["site_bytes"] = sum(p.stat().st_size for p in paths)
    shutil.rmtree(out, ignore_errors=True)
    return figures


def main_search_and_site(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as work:
        for database in args.search_and_site:
            figures = bench_search_and_site(database.resolve(), args.repeat, Path(work))
            print(f"{database} ({figures['facts']:,} facts)")
            for words, seconds in figures["search_seconds"].items():
                print(f"  search {words!r}: {fmt_s(seconds)}")
            print(
                f"  site: {fmt_s(figures['site_seconds'])}, {figures['site_files']} files, "
                f"{fmt_bytes(figures['site_bytes'])}"
            )
    return 0
