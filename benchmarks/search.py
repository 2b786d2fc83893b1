"""Search: the question set's share answered in the top three, and search latency; run by hand, prints a table.

    python benchmarks/search.py                                   # the shipped data and 10^5 synthetic facts
    python benchmarks/search.py --sizes shipped,100000,1000000    # also 10^6 (minutes and a few GiB to build)
    python benchmarks/search.py --db hebei.duckdb --db big.duckdb # databases already built

Every phrasing of tests/questions.toml is searched (``Database.search(question).fetchall()``, the way a
reader asks), once untimed to warm up, then ``--repeat`` times, each timed on its own: the latency
figures are the median, the 95th percentile and the slowest of those searches. On the shipped data the
phrasings' share answered in the top three is printed too (a phrasing is answered when one of its facts is
among the first three facts shown; a question without a figure when the search says so), with the share
the file states as its target. Synthetic databases hold none of the article's facts: there the questions
are only a workload (every step of a search runs: the ranking, the closest sentences, the record's words).

Databases are built into a temporary folder (or ``--workdir``) and removed; nothing is written into the
repository. This script is not a test; the test suite never runs it (tests/test_find_questions.py asserts
the share).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

QUESTIONS = Path(__file__).resolve().parent.parent / "tests" / "questions.toml"


def load_questions(path: Path = QUESTIONS) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def phrasings(questions: dict[str, Any]) -> list[tuple[str, list[str] | None]]:
    """Every phrasing with the facts that answer it (None for a question the record has no figure for)."""
    asked: list[tuple[str, list[str] | None]] = [
        (text, question["answers"]) for question in questions["question"] for text in question["asked"]
    ]
    return asked + [(text, None) for question in questions.get("no_figure", []) for text in question["asked"]]


def answered(result: Any, answers: list[str] | None) -> bool:
    """Whether a search's result answers its question (one of its facts in the first three, or no figure said)."""
    if answers is None:
        return result.no_figure is not None
    shown = [row[1] for row in result.fetchall() if row[0] == "fact"][:3]
    return bool(set(shown) & set(answers))


def measure(database: Path, repeat: int) -> dict[str, Any]:
    """The share answered in the top three and the latency of every phrasing (seconds), on one database."""
    import hebeidb

    questions = load_questions()
    asked = phrasings(questions)
    seconds: list[float] = []
    with hebeidb.open(database) as db:
        facts = db.sql("SELECT count(*) FROM facts").fetchall()[0][0]
        outcomes = [answered(db.search(text), answers) for text, answers in asked]  # also the warm-up
        for _ in range(repeat):
            for text, _ in asked:
                started = time.perf_counter()
                db.search(text).fetchall()
                seconds.append(time.perf_counter() - started)
    return {
        "database": str(database),
        "facts": facts,
        "phrasings": len(asked),
        "answered": sum(outcomes),
        "missed": [text for (text, _), ok in zip(asked, outcomes, strict=True) if not ok],
        "target": questions["top_three_share"],
        "seconds": seconds,
    }


def percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` of ``values`` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def build(size: str, folder: Path) -> Path:
    """A database of the shipped inputs (``shipped``) or of ``size`` synthetic facts, built in ``folder``."""
    target = folder / f"search-{size}.duckdb"
    command = ["build"] if size == "shipped" else ["synth", "--facts", size]
    print(f"building {size} ...", flush=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "hebeidb", *command, "--db", str(target)], check=True, capture_output=True)
    print(f"  built in {time.perf_counter() - started:.1f} s", flush=True)
    return target


def commit() -> str:
    """The commit of the hebeidb measured, when it is imported from a git checkout."""
    import hebeidb

    try:
        found = subprocess.run(
            ["git", "-C", str(Path(hebeidb.__file__).parent), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"
    return found.stdout.strip()


def report(figures: list[dict[str, Any]]) -> None:
    print()
    print("| database | facts | searches | median | 95th percentile | slowest | answered in the top three |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for f in figures:
        ms = [s * 1000 for s in f["seconds"]]
        share = f["answered"] / f["phrasings"]
        shipped = f["facts"] < 1000
        verdict = (
            f"{f['answered']} of {f['phrasings']} ({share:.1%}; target {f['target']:.0%})"
            if shipped
            else "(no article facts: workload only)"
        )
        print(
            f"| {Path(f['database']).name} | {f['facts']:,} | {len(ms)} | {statistics.median(ms):.0f} ms "
            f"| {percentile(ms, 0.95):.0f} ms | {max(ms):.0f} ms | {verdict} |"
        )
    for f in figures:
        if f["facts"] < 1000 and f["missed"]:
            print(f"\nmissed on {Path(f['database']).name}: " + "; ".join(repr(text) for text in f["missed"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="shipped,100000", help="databases to build: shipped and numbers of facts")
    parser.add_argument("--db", type=Path, action="append", help="a database already built (instead of --sizes)")
    parser.add_argument("--repeat", type=int, default=3, help="timed searches of each phrasing (default: 3)")
    parser.add_argument("--workdir", type=Path, help="folder for the databases built (default: a temporary one)")
    args = parser.parse_args(argv)
    import duckdb

    import hebeidb

    print(
        f"hebeidb {hebeidb.__version__} ({commit()}), DuckDB {duckdb.__version__}, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.workdir or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        databases = args.db or [build(size.strip(), folder) for size in args.sizes.split(",")]
        figures = [measure(database.resolve(), args.repeat) for database in databases]
    report(figures)
    print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
