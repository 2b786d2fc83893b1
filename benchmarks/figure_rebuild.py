"""Figure 8, the queries-only rebuild: a full ``hebeidb build``, then one ``queries/*.sql`` edited and the
same target rebuilt; at a size with a build-ratio target that figure 1 did not run, the raw load too.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import time
from pathlib import Path

from common import (
    Results,
    build_env,
    child,
    fmt_bytes,
    fmt_s,
    fmt_size,
    hebeidb_command,
    measure,
    remove_database,
    run_child,
    verdict,
)
from figure_build import TARGET_BUILD_RATIO, TARGET_BUILD_SIZES

TARGET_REBUILD_SECONDS = 5.0  # queries-only rebuild at 10^7 facts
TARGET_REBUILD_SIZE = 10_000_000


def linked_copy(inputs: Path, folder: Path) -> None:
    """A copy of the inputs to edit: seeds and schema hard-linked (nothing to copy at 10^7), queries copied."""
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(inputs, folder, copy_function=os.link, ignore=shutil.ignore_patterns(".*", "queries"))
    if (inputs / "queries").is_dir():
        shutil.copytree(inputs / "queries", folder / "queries")


def bench_rebuild(results: Results, facts: int, inputs: Path, work: Path, args: argparse.Namespace) -> None:
    """Figure 8: a full ``hebeidb build``, then one queries/*.sql edited and the same target rebuilt.
    Where this size has a build-ratio target but figure 1 did not run at it, the raw load is timed too."""
    label = fmt_size(facts)
    folder = work / f"rebuild-{facts}"
    copy = folder / "inputs"
    folder.mkdir(exist_ok=True)
    linked_copy(inputs, copy)
    # Linking changes each file's change time, and a build reads again at the next build any file
    # read within 2 s of a change (a coarse clock could hide a second change): wait those out, as
    # inputs that were not just copied would have.
    time.sleep(2.5)
    database = folder / "hebeidb.duckdb"
    remove_database(database)
    command = [*hebeidb_command(), "build", "--inputs", str(copy), "--db", str(database)]
    usage = subprocess.run([*hebeidb_command(), "build", "--help"], capture_output=True, text=True, check=False)
    if "--timings" in usage.stdout:  # per-phase timings, where the build offers them (kept in the JSON)
        command.append("--timings")
    full = measure(command, folder / "full.log", build_env(args))
    if full.returncode != 0:
        print(f"  full build at {label} FAILED: {full.output.strip().splitlines()[-1:]}", flush=True)
        results.add("8 queries-only rebuild: the full build failed", label, fmt_s(full.seconds), "", "")
        return
    template = sorted((copy / "queries").glob("*.sql"))[0]
    template.write_text(template.read_text(encoding="utf-8") + "\n-- edited: a queries-only change\n")
    rebuild = measure(command, folder / "rebuild.log", build_env(args))
    record = {
        "full_seconds": full.seconds,
        "full_peak_rss": full.peak_rss,
        "rebuild_seconds": rebuild.seconds,
        "rebuild_peak_rss": rebuild.peak_rss,
        "rebuild_returncode": rebuild.returncode,
        "edited": template.name,
        "full_output": full.output[-4000:],
        "rebuild_output": rebuild.output[-4000:],
    }
    results.raw.setdefault("rebuild", {})[str(facts)] = record
    print(f"  rebuild {label}: full {fmt_s(full.seconds)}, queries-only {fmt_s(rebuild.seconds)}", flush=True)
    target = facts == TARGET_REBUILD_SIZE
    results.add(
        f"8 queries-only rebuild ({template.name} edited) vs full build",
        label,
        fmt_s(rebuild.seconds) + ("" if rebuild.returncode == 0 else f" (exit {rebuild.returncode})"),
        fmt_s(full.seconds),
        f"{rebuild.seconds / full.seconds:.2f}x",
        f"< {TARGET_REBUILD_SECONDS:.0f} s" if target else "",
        verdict(rebuild.returncode == 0 and rebuild.seconds < TARGET_REBUILD_SECONDS) if target else "",
    )
    if facts in TARGET_BUILD_SIZES and facts not in args.sizes and not args.skip_build_anchor:
        anchor_db = folder / "anchor.duckdb"
        remove_database(anchor_db)
        # Whole-process times on both sides here: the command's and the raw load's child process.
        _, anchor_wall, anchor_rss = run_child(child("anchor", anchor_db, inputs))
        remove_database(anchor_db)
        ratio = full.seconds / anchor_wall
        record |= {"anchor_seconds": anchor_wall, "anchor_peak_rss": anchor_rss}
        results.add(
            "1 build (hebeidb build command) vs raw DuckDB load (process), one run each",
            label,
            f"{fmt_s(full.seconds)}, {fmt_bytes(full.peak_rss)}",
            f"{fmt_s(anchor_wall)}, {fmt_bytes(anchor_rss)}",
            f"{ratio:.2f}x",
            f"<= {TARGET_BUILD_RATIO:.1f}x",
            verdict(ratio <= TARGET_BUILD_RATIO),
        )
    remove_database(database)
    shutil.rmtree(folder, ignore_errors=True)
