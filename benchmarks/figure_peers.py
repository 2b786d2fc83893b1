"""Figure 6, peers: ``hebeidb build`` against ``dbt build`` of a dbt-duckdb project generated from the same
inputs (``dbt_peer.py``; seed route and ``read_csv`` route), cold processes, the order rotated each round.
``Peer`` is the dbt side, shared with figure 7.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from common import (
    SCRIPT,
    Measured,
    Results,
    build_env,
    fmt_bytes,
    fmt_s,
    hebeidb_command,
    measure,
    remove_database,
    size_label,
)


def peer_module() -> Any:
    """benchmarks/dbt_peer.py, which writes the dbt project and installs dbt."""
    if str(SCRIPT.parent) not in sys.path:
        sys.path.insert(0, str(SCRIPT.parent))
    import dbt_peer

    return dbt_peer


def dbt_env(database: Path) -> dict[str, str]:
    return {
        **os.environ,
        "HEBEIDB_PEER_DATABASE": str(database),
        "HEBEIDB_PEER_THREADS": str(os.cpu_count() or 1),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
    }


class Peer:
    """The dbt side of figures 6 and 7: one generated project per route, built cold each time."""

    def __init__(self, args: argparse.Namespace, results: Results) -> None:
        import duckdb

        self.module = peer_module()
        self.dbt = self.module.ensure_dbt(args.dbt_cache, duckdb_version=duckdb.__version__)
        self.routes: tuple[str, ...] = self.module.ROUTES
        results.raw["machine"]["dbt"] = self.module.dbt_versions(self.dbt)

    def generate(self, inputs: Path, folder: Path) -> tuple[dict[str, Path], Any]:
        projects, coverage = {}, None
        for route in self.routes:
            projects[route] = folder / f"dbt-{route}"
            coverage = self.module.generate_project(inputs, projects[route], route, self.module.default_checks())
        return projects, coverage

    def build(self, project: Path, partial_parse: bool = False) -> tuple[Measured, float | None]:
        """``dbt build`` from nothing: no database, no target/ (so no partial parsing), no logs; with
        ``partial_parse`` the previous run's target/ is kept, as a user's next build would find it.
        Also returns dbt's own elapsed time from run_results.json (without start-up and parsing)."""
        database = project / "peer.duckdb"
        remove_database(database)
        for folder in ("logs",) if partial_parse else ("target", "logs"):
            shutil.rmtree(project / folder, ignore_errors=True)
        argv = [str(self.dbt), "build", "--project-dir", str(project), "--profiles-dir", str(project)]
        done = measure(argv, project / "build.log", dbt_env(database), cwd=project)
        elapsed = None
        with contextlib.suppress(OSError, ValueError, KeyError):
            elapsed = json.loads((project / "target" / "run_results.json").read_text())["elapsed_time"]
        return done, elapsed


def differing_views(ours: Path, theirs: Path) -> tuple[list[str], int]:
    """Public views whose rows differ between hebeidb's file and the dbt project's (as multisets)."""
    import duckdb

    con = duckdb.connect()
    try:
        con.execute("ATTACH $p AS h (READ_ONLY)", {"p": str(ours)})
        con.execute("ATTACH $p AS d (READ_ONLY)", {"p": str(theirs)})
        names = [
            name
            for (name,) in con.execute(
                "SELECT view_name FROM duckdb_views() WHERE database_name = 'd' AND schema_name = 'main' ORDER BY 1"
            ).fetchall()
        ]
        differ = []
        for name in names:
            (count,) = con.execute(
                f'SELECT (SELECT count(*) FROM (FROM h.main."{name}" EXCEPT ALL FROM d.main."{name}"))'
                f' + (SELECT count(*) FROM (FROM d.main."{name}" EXCEPT ALL FROM h.main."{name}"))'
            ).fetchone()
            if count:
                differ.append(name)
    finally:
        con.close()
    return differ, len(names)


def bench_peers(
    results: Results, facts: int, inputs: Path | None, work: Path, args: argparse.Namespace, peer: Peer
) -> None:
    """Figure 6: ``hebeidb build`` against ``dbt build`` on both routes, cold processes, order rotated."""
    label = size_label(facts)
    folder = work / f"peers-{label}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    projects, coverage = peer.generate(inputs or peer.module.default_inputs(), folder)
    results.raw["coverage"] = {"counts": coverage.counts(), "summary": coverage.summary()}
    database = folder / "hebeidb.duckdb"
    command = [*hebeidb_command(), "build", "--db", str(database), *(["--inputs", str(inputs)] if inputs else [])]
    sides = ["hebeidb", *peer.routes]
    best: dict[str, Measured] = {}
    peaks: dict[str, int] = {}
    elapsed: dict[str, float] = {}
    same: dict[str, str] = {}
    rounds = 0
    while True:
        started = time.perf_counter()
        for side in sides[rounds % len(sides) :] + sides[: rounds % len(sides)]:
            if side == "hebeidb":
                remove_database(database)
                done, inner = measure(command, folder / "hebeidb.log", build_env(args)), None
            else:
                done, inner = peer.build(projects[side])
            if done.returncode != 0:
                tail = [line for line in done.output.splitlines() if line.strip()][-2:]
                message = f"{side} build FAILED at {label} (exit {done.returncode}): " + " / ".join(tail)
                print("  " + message, flush=True)
                results.raw.setdefault("peers", {})[label] = {"failed": message}
                results.add(f"6 {message}"[:160], label, fmt_s(done.seconds), "", "")
                return
            if side not in best or done.seconds < best[side].seconds:
                best[side] = done
                if inner is not None:
                    elapsed[side] = inner
            peaks[side] = max(peaks.get(side, 0), done.peak_rss)
        if rounds == 0:  # every database exists once: compare what the two tools built
            for route in peer.routes:
                differ, count = differing_views(database, projects[route] / "peer.duckdb")
                same[route] = f"all {count} views" if not differ else f"DIFFER: {', '.join(differ)}"
        rounds += 1
        took = time.perf_counter() - started
        print(
            f"  peers {label} round {rounds}: "
            + ", ".join(f"{side} {fmt_s(best[side].seconds)}" for side in sides)
            + f" ({took:.0f} s)",
            flush=True,
        )
        if rounds >= args.peer_repeat or (rounds >= 2 and took > args.peer_budget):
            break
    partial: dict[str, float] = {}
    if facts == min(args.peer_sizes):  # once, at the smallest size: how much of dbt's fixed cost is parsing
        for route in peer.routes:
            done, _ = peer.build(projects[route], partial_parse=True)
            partial[route] = done.seconds
    heb = best["hebeidb"].seconds
    record = {
        "partial_parse_seconds": partial,
        "rounds": rounds,
        "seconds": {side: m.seconds for side, m in best.items()},
        "peak_rss": peaks,
        "dbt_elapsed": elapsed,
        "same_rows": same,
    }
    results.raw.setdefault("peers", {})[label] = record
    if not any(r.figure.startswith("6 constraints") for r in results.rows):
        counts = coverage.counts()
        results.add(
            "6 constraints and checks covered (DDL + check files)",
            "",
            f"{counts['hebeidb']} of {counts['hebeidb']}",
            f"{counts['dbt']} ({counts['dbt_built_in']} dbt tests + {counts['dbt_custom']} custom)",
            f"dbt misses {counts['dbt_missing']}",
        )
    names = {"seed": "dbt build, seed route", "read_csv": "dbt build, read_csv models"}
    for index, route in enumerate(peer.routes):
        theirs = best[route].seconds
        results.add(
            f"6 hebeidb build vs {names.get(route, route)}" if index == 0 else f"  vs {names.get(route, route)}",
            label,
            f"{fmt_s(heb)}, {fmt_bytes(peaks['hebeidb'])}",
            f"{fmt_s(theirs)}, {fmt_bytes(peaks[route])}",
            f"{heb / theirs:.2f}x",
        )
    for route in peer.routes:
        inner = elapsed.get(route)
        if inner is not None:
            results.add(
                f"  dbt {route}: start-up and parsing (wall - run_results)",
                label,
                "",
                fmt_s(best[route].seconds - inner),
                f"same rows: {same[route]}",
            )
        if route in partial:
            results.add(f"  dbt {route} again, partial parsing (target/ kept)", label, "", fmt_s(partial[route]), "")
