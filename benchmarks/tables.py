"""The tables a run prints: one row per figure and size, then growth, the build's phases, the details, and
the targets with what the run measured of each; also a run saved with ``--json`` shown again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from common import Results, Row, fmt_bytes, fmt_s, fmt_size, verdict
from figure_build import TARGET_BUILD_RATIO, TARGET_BUILD_SIZES, phases_table
from figure_changes import CHANGES, TARGET_FACT_SHARE, TARGET_LABEL_SECONDS, TARGET_REPORT_SECONDS, TARGET_SIZE
from figure_export import TARGET_EXPORT_RATIO
from figure_growth import growth_table
from figure_rebuild import TARGET_REBUILD_SECONDS, TARGET_REBUILD_SIZE
from figure_tests import TARGET_TESTS_SECONDS

HEADERS = ["figure", "facts", "hebeidb", "anchor", "ratio / diff", "target", "met?"]


def print_grid(headers: list[str], rows: list[list[str]], markdown: bool, left: tuple[int, ...] = (0,)) -> None:
    if not rows:
        return
    if markdown:
        print("| " + " | ".join(headers) + " |")
        print("|" + "|".join("---" if i in left else "--:" for i in range(len(headers))) + "|")
        for row in rows:
            cells = [c.replace("|", "\\|") for c in row]
            indent = len(cells[0]) - len(cells[0].lstrip(" "))
            cells[0] = "&emsp;" * (indent // 2) + cells[0].lstrip(" ")  # Markdown drops leading spaces
            print("| " + " | ".join(cells) + " |")
        return
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    for row in rows:
        cells = [c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        print("  ".join(cells).rstrip())


def print_report(results: Results, sizes: list[int], markdown: bool) -> list[Row]:
    rows = results.rows
    table = [[r.figure, r.size, r.hebeidb, r.anchor, r.compare, r.target, r.met] for r in rows]
    print_grid(HEADERS, table, markdown, left=(0, 5, 6))
    sections = (
        ("Growth (figure 5): k is the exponent in time ~ facts^k; 1 is linear, 2 quadratic", growth_table, (0,)),
        ("Build phases (BuildReport.timings of the best build; share of the build)", phases_table, (0, 11)),
        ("Details", details_table, (0, 1)),
    )
    for title, make, left in sections:
        headers, grid = make(results, sizes)
        if grid:
            print(f"\n{title}\n")
            print_grid(headers, grid, markdown, left=left)
    return rows


def details_table(results: Results, sizes: list[int]) -> tuple[list[str], list[list[str]]]:
    """Per report: hebeidb's own work (validate + render the template) and how the rows were consumed;
    per export: the bytes written."""
    records = results.raw.get("sizes", {})
    rows = []
    for facts in sizes:
        r = records.get(str(facts), {})
        for name, x in r.get("reports", {}).items():
            rows.append(
                [
                    f"{facts:,}",
                    f"report {name}",
                    f"{x['rows']:,} rows",
                    f"{x['fetch']}, best of {x['runs']}",
                    f"render {x['render_seconds'] * 1000:.2f} ms (other params)",
                    f"api - raw {(x['api_seconds'] - x['raw_seconds']) * 1000:+.1f} ms",
                ]
            )
        if "export" in r:
            x = r["export"]
            rows.append(
                [
                    f"{facts:,}",
                    "export parquet",
                    f"{x['files']} files",
                    f"best of {x['runs']}",
                    f"{fmt_bytes(x['hebeidb_bytes'])} vs {fmt_bytes(x['raw_bytes'])}",
                    f"hebeidb - raw {x['hebeidb_seconds'] - x['raw_seconds']:+.2f} s",
                ]
            )
    return ["facts", "what", "rows", "runs", "note", "difference"], rows


def show(results: Results, markdown: bool) -> None:
    info, arguments = results.raw["machine"], results.raw["arguments"]
    print()
    print(
        f"hebeidb {info['hebeidb']} ({info.get('hebeidb_source', info.get('hebeidb_commit'))}), "
        f"DuckDB {info['duckdb']}, Python {info['python']}, "
        f"{info.get('cpu', '?')} x{info['cpus']}, {info.get('memory', '?')} RAM, {info['date']}; "
        f"best of {arguments['repeat']} or more (builds {arguments['build_repeat']}), "
        f"{results.raw['elapsed_seconds']:.0f} s in all"
    )
    if "dbt" in info:
        print(", ".join(f"{name} {version}" for name, version in info["dbt"].items()) + " (dbt's environment)")
    print(
        f"load average (1, 5, 15 min) at start {info['load_average_at_start']}, "
        f"at end {info.get('load_average_at_end', '?')}\n"
    )
    rows = print_report(results, results.raw["size_list"], markdown)
    missed = [r for r in rows if r.met == "NO"]
    print(f"\ntargets: {sum(r.met == 'yes' for r in rows)} met, {len(missed)} missed")
    print("\nTargets\n")
    print_grid(["target", "measured", "met?"], target_rows(results.raw), markdown, left=(0, 1, 2))


def target_rows(raw: dict[str, Any]) -> list[list[str]]:
    """Each target with what this run measured of it ("not measured" and why otherwise)."""
    sizes, rebuild, peers = raw.get("sizes", {}), raw.get("rebuild", {}), raw.get("peers", {})
    targets = []
    for facts in TARGET_BUILD_SIZES:
        r, b = sizes.get(str(facts), {}), rebuild.get(str(facts), {})
        if "build_seconds" in r and "anchor_seconds" in r:
            ratio = r["build_seconds"] / r["anchor_seconds"]
            seen = f"{ratio:.2f}x ({fmt_s(r['build_seconds'])} vs {fmt_s(r['anchor_seconds'])})"
        elif "anchor_seconds" in b:
            ratio = b["full_seconds"] / b["anchor_seconds"]
            seen = f"{ratio:.2f}x ({fmt_s(b['full_seconds'])} vs {fmt_s(b['anchor_seconds'])}, one run each)"
        else:
            targets.append([f"build <= {TARGET_BUILD_RATIO}x raw load at {fmt_size(facts)}", "not measured", ""])
            continue
        targets.append(
            [
                f"build <= {TARGET_BUILD_RATIO}x raw load at {fmt_size(facts)}",
                seen,
                verdict(ratio <= TARGET_BUILD_RATIO),
            ]
        )
    name = f"queries-only rebuild at {fmt_size(TARGET_REBUILD_SIZE)} < {TARGET_REBUILD_SECONDS:.0f} s"
    seen_rebuilds = ", ".join(
        f"{fmt_size(int(n))}: {fmt_s(b['rebuild_seconds'])} (full {fmt_s(b['full_seconds'])})"
        for n, b in rebuild.items()
    )
    at_target = rebuild.get(str(TARGET_REBUILD_SIZE))
    if at_target:
        ok = at_target["rebuild_returncode"] == 0 and at_target["rebuild_seconds"] < TARGET_REBUILD_SECONDS
        targets.append([name, seen_rebuilds, verdict(ok)])
    else:
        targets.append([name, (seen_rebuilds + "; " if seen_rebuilds else "") + "10^7 not measured", ""])
    targets += change_targets(raw.get("changes", {}))
    for what, key_h, key_r, fmt in (
        ("time", "hebeidb_seconds", "raw_seconds", fmt_s),
        ("size", "hebeidb_bytes", "raw_bytes", fmt_bytes),
    ):
        exports = [(int(n), r["export"]) for n, r in sizes.items() if "export" in r]
        if not exports:
            targets.append([f"export {what} <= {TARGET_EXPORT_RATIO}x raw COPY at every size", "not measured", ""])
            continue
        ratios = [(n, x[key_h] / x[key_r]) for n, x in exports]
        seen = ", ".join(
            f"{fmt_size(n)}: {ratio:.2f}x ({fmt(x[key_h])} vs {fmt(x[key_r])})"
            for (n, ratio), (_, x) in zip(ratios, exports, strict=True)
        )
        targets.append(
            [
                f"export {what} <= {TARGET_EXPORT_RATIO}x raw COPY at every size",
                seen,
                verdict(all(r <= TARGET_EXPORT_RATIO for _, r in ratios)),
            ]
        )
    tests = raw.get("tests")
    if tests and "seconds" in tests:
        ok = tests["returncode"] == 0 and tests["seconds"] < TARGET_TESTS_SECONDS
        targets.append(
            [f"README test command < {TARGET_TESTS_SECONDS / 60:.0f} min", fmt_s(tests["seconds"]), verdict(ok)]
        )
    else:
        targets.append([f"README test command < {TARGET_TESTS_SECONDS / 60:.0f} min", "not measured (--tests)", ""])
    peers = {label: p for label, p in peers.items() if "seconds" in p}
    if peers:
        seen = "; ".join(
            f"{label}: hebeidb {fmt_s(p['seconds']['hebeidb'])}, "
            + ", ".join(f"dbt {route} {fmt_s(t)}" for route, t in p["seconds"].items() if route != "hebeidb")
            for label, p in peers.items()
        )
        targets.append(["dbt rows beside hebeidb's (figure 6, no target)", seen, ""])
    else:
        targets.append(["dbt rows beside hebeidb's (figure 6, no target)", "not measured (--skip-peers)", ""])
    return targets


def change_targets(changes: dict[str, Any]) -> list[list[str]]:
    """The change-aware rebuilds' targets at 10^7 facts, each with what the run measured (at every size)."""
    goals = (
        f"< {TARGET_LABEL_SECONDS:.0f} s",
        f"under {TARGET_FACT_SHARE:.1f}x the full build",
        f"< {TARGET_REPORT_SECONDS:.0f} s",
    )
    rows = []
    for (name, _edit, model), goal in zip(CHANGES, goals, strict=True):
        expected = "queries-only" if model is None else "change-aware"
        seen = []
        met = ""
        for facts, record in changes.items():
            done = record["changes"].get(name)
            if done is None:
                continue
            seen.append(f"{fmt_size(int(facts))}: {fmt_s(done['seconds'])} (full {fmt_s(record['full_seconds'])})")
            if int(facts) == TARGET_SIZE:
                ok = done["returncode"] == 0 and done["path"].startswith(expected)
                limit = TARGET_FACT_SHARE * record["full_seconds"] if model == "core_facts" else None
                limit = limit or (TARGET_REPORT_SECONDS if model is None else TARGET_LABEL_SECONDS)
                met = verdict(ok and done["seconds"] < limit)
        label = f"change-aware rebuild at {fmt_size(TARGET_SIZE)}, {name}, {goal}"
        rows.append([label, ", ".join(seen) or "not measured", met if met else ""])
    return rows


def show_saved(path: Path, markdown: bool) -> int:
    """Print the tables of a run saved with --json again (for example as Markdown), measuring nothing."""
    raw = json.loads(path.read_text())
    if "size_list" not in raw:  # saved by an earlier version of this script
        raw["size_list"] = json.loads(raw["arguments"]["sizes"])
        raw.setdefault("elapsed_seconds", float("nan"))
    results = Results(rows=[Row(**row) for row in raw["rows"]], raw=raw)
    show(results, markdown)
    return 0
