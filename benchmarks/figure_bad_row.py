"""Figure 7, a bad row: one unknown qualifier in seeds/facts.csv; hebeidb's and dbt's time to the error,
what the error names and what of the bad row is left in the database.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
from pathlib import Path
from typing import Any

from common import Results, build_env, fmt_s, hebeidb_command, measure, size_label, verdict
from figure_peers import Peer

BAD_QUALIFIER = "aprox"


def bad_inputs(inputs: Path, folder: Path) -> int:
    """A copy of ``inputs`` (hard links) whose seeds/facts.csv has an unknown qualifier in its middle row.
    Returns the line of the bad value."""
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(inputs, folder, copy_function=os.link, ignore=shutil.ignore_patterns(".*"))
    facts = folder / "seeds" / "facts.csv"
    original = facts.read_text(encoding="utf-8")
    facts.unlink()  # a new file, so that the hard-linked original stays as it is
    reader = csv.reader(original.splitlines(keepends=True))
    rows, lines = [], []
    for row in reader:
        rows.append(row)
        lines.append(reader.line_num)  # the physical line where the row ends
    middle = max(1, len(rows) // 2)
    rows[middle][rows[0].index("qualifier")] = BAD_QUALIFIER
    with facts.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return lines[middle]


def bad_rows_left(database: Path) -> str:
    """What of the bad row a failed build left behind in its database file."""
    if not database.exists():
        return "no file written"
    import duckdb

    try:
        con = duckdb.connect(str(database), read_only=True)
    except duckdb.Error as error:
        return f"file unreadable: {str(error).splitlines()[0]}"
    try:
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE table_name IN ('facts', 'stage_facts')"
        ).fetchall()
        found = []
        for schema, table in tables:
            (count,) = con.execute(
                f'SELECT count(*) FROM "{schema}"."{table}" WHERE qualifier = $q', {"q": BAD_QUALIFIER}
            ).fetchone()
            if count:
                found.append(f"{schema}.{table}")
    finally:
        con.close()
    return f"bad row kept in {', '.join(found)}" if found else "file written, bad row not in it"


def located(output: str, line: int) -> str:
    """Which of file, line, column and value the error output names."""
    parts = [
        ("file", "facts.csv" in output),
        ("line", f"line {line}" in output),
        ("column", "qualifier" in output),
        ("value", BAD_QUALIFIER in output),
    ]
    return ", ".join(name for name, present in parts if present) or "none"


def error_line(output: str, side: str) -> str:
    lines = [line.strip() for line in re.sub(r"\x1b\[[0-9;]*m", "", output).splitlines() if line.strip()]
    if side == "hebeidb":
        wanted = [line for line in lines if "facts.csv" in line] or lines[-1:]
    else:
        wanted = [line.split("  ", 1)[-1].strip() for line in lines if "Failure in" in line or "Error in" in line]
    return wanted[0] if wanted else ""


def bench_bad_row(
    results: Results, facts: int, inputs: Path | None, work: Path, args: argparse.Namespace, peer: Peer
) -> None:
    """Figure 7: one unknown qualifier in seeds/facts.csv; time to the error, what it says, what is left."""
    label = size_label(facts)
    folder = work / f"bad-{label}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    source = inputs or peer.module.default_inputs()
    broken = folder / "inputs"
    line = bad_inputs(source, broken)
    projects, _ = peer.generate(broken, folder)
    database = folder / "hebeidb.duckdb"
    outcomes: dict[str, dict[str, Any]] = {}
    for side in ["hebeidb", *peer.routes]:
        if side == "hebeidb":
            done = measure(
                [*hebeidb_command(), "build", "--inputs", str(broken), "--db", str(database)],
                folder / "hebeidb.log",
                build_env(args),
            )
            left = bad_rows_left(database)
        else:
            done, _ = peer.build(projects[side])
            left = bad_rows_left(projects[side] / "peer.duckdb")
        outcomes[side] = {
            "seconds": done.seconds,
            "returncode": done.returncode,
            "names": located(done.output, line),
            "message": error_line(done.output, side)[:300],
            "left": left,
        }
        print(f"  bad row {label}: {side} exit {done.returncode} after {fmt_s(done.seconds)}; {left}", flush=True)
    results.raw.setdefault("bad_row", {})[label] = {"line": line, **outcomes}
    heb = outcomes["hebeidb"]
    for index, route in enumerate(peer.routes):
        theirs = outcomes[route]
        results.add(
            f"7 bad row (facts.csv line {line}): time to the error vs dbt {route}"
            if index == 0
            else f"  vs dbt {route}",
            label,
            f"{fmt_s(heb['seconds'])} (exit {heb['returncode']})",
            f"{fmt_s(theirs['seconds'])} (exit {theirs['returncode']})",
            f"{heb['seconds'] / theirs['seconds']:.2f}x",
        )
        results.add(
            "    what the error names",
            label,
            heb["names"],
            theirs["names"],
            "",
            "file, line, column" if index == 0 else "",
            verdict(heb["returncode"] != 0 and all(x in heb["names"] for x in ("file", "line", "column")))
            if index == 0
            else "",
        )
        results.add("    the bad row left in the database", label, heb["left"], theirs["left"], "")
