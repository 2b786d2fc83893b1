"""Figure 8, continued: change-aware rebuilds. A full ``hebeidb build`` of a copy of the synthetic inputs, then
three changes, each followed by the same command on the same target: one word of one indicator's label
(``seeds/indicators.csv``), one fact's note (one row of ``seeds/facts.csv``), one report (``queries/``). Each is
printed beside the full build's time and dbt's time for the same change: ``dbt build -s <model>+`` of the
``read_csv``-route project (``dbt_peer.py``), which builds the changed model and everything downstream of it,
with its tests (dbt compares no rows: it builds each of them whole). The report change has no counterpart in
the dbt project (it holds no report views).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from common import Measured, Results, build_env, fmt_s, fmt_size, hebeidb_command, measure, remove_database, verdict
from figure_peers import Peer, dbt_env
from figure_rebuild import linked_copy

TARGET_SIZE = 10_000_000
TARGET_LABEL_SECONDS = 10.0  # a one-row change of a small seed
TARGET_FACT_SHARE = 0.5  # a one-row change of facts.csv, of the full build's time
TARGET_REPORT_SECONDS = 5.0  # a change under queries/
DBT_ROUTE = "read_csv"


def replace_linked(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` without touching the file it is a hard link of."""
    fresh = path.with_name(path.name + ".new")
    fresh.write_text(text, encoding="utf-8")
    os.replace(fresh, path)


def edit_label(inputs: Path) -> str:
    """One word of the first indicator's label ("measure" becomes "indicator", and back)."""
    path = inputs / "seeds" / "indicators.csv"
    header, first, *rest = path.read_text(encoding="utf-8").split("\n", 2)
    row = next(csv.reader([first]))
    column = header.split(",").index("label_en")
    before = row[column]
    words = ("measure", "indicator") if "measure" in before else ("indicator", "measure")
    row[column] = before.replace(*words, 1) if words[0] in before else before + " revised"
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(row)
    replace_linked(path, "\n".join([header, out.getvalue(), *rest]))
    return f"indicators.csv: {before!r} -> {row[column]!r}"


def edit_fact(inputs: Path) -> str:
    """The note of the middle fact of seeds/facts.csv, set (the file is copied line by line, not loaded)."""
    path = inputs / "seeds" / "facts.csv"
    with path.open("rb") as handle:
        lines = sum(1 for _ in handle)
    middle = lines // 2
    fresh = path.with_name(path.name + ".new")
    with path.open(encoding="utf-8", newline="") as source, fresh.open("w", encoding="utf-8", newline="") as out:
        header = source.readline()
        out.write(header)
        column = header.rstrip("\r\n").split(",").index("note")
        for number, line in enumerate(source, start=2):
            if number == middle:
                row = next(csv.reader([line.rstrip("\r\n")]))
                row[column] = (row[column] + " " if row[column] else "") + "reviewed"
                buffer = io.StringIO()
                csv.writer(buffer, lineterminator="\n").writerow(row)
                line = buffer.getvalue()
                edited = row[0]
            out.write(line)
    os.replace(fresh, path)
    return f"facts.csv line {middle} ({edited}): note set"


def edit_report(inputs: Path) -> str:
    template = sorted((inputs / "queries").glob("*.sql"))[0]
    template.write_text(template.read_text(encoding="utf-8") + "\n-- edited: a change under queries/\n")
    return f"queries/{template.name}: a comment line added"


# Each change: a name, the edit, the dbt model it changes (None: no counterpart in the dbt project).
CHANGES: tuple[tuple[str, Any, str | None], ...] = (
    ("one label in seeds/indicators.csv", edit_label, "core_indicators"),
    ("one row of seeds/facts.csv", edit_fact, "core_facts"),
    ("one report under queries/", edit_report, None),
)


def build_path(output: str) -> str:
    """The path line of a build's summary ("change-aware build (...)"), or the last line when it failed."""
    lines = [line for line in output.splitlines() if line.strip()]
    return next((line[len("path: ") :] for line in lines if line.startswith("path: ")), lines[-1] if lines else "")


def bench_changes(
    results: Results, facts: int, inputs: Path, work: Path, args: argparse.Namespace, peer: Peer | None
) -> None:
    """Figure 8, continued: a full build, then each change followed by a change-aware build, beside dbt."""
    label = fmt_size(facts)
    folder = work / f"changes-{label}"
    copy = folder / "inputs"
    folder.mkdir(exist_ok=True)
    linked_copy(inputs, copy)
    time.sleep(2.5)  # as in figure 8: files just linked are read again by the next build
    database = folder / "hebeidb.duckdb"
    remove_database(database)
    command = [*hebeidb_command(), "build", "--inputs", str(copy), "--db", str(database), "--timings"]
    full = measure(command, folder / "full.log", build_env(args))
    if full.returncode != 0:
        results.add("8 change-aware rebuilds: the full build failed", label, fmt_s(full.seconds), "", "")
        return
    record: dict[str, Any] = {"full_seconds": full.seconds, "full_output": full.output[-4000:], "changes": {}}
    results.raw.setdefault("changes", {})[str(facts)] = record
    done: dict[str, tuple[Measured, str]] = {}
    for name, edit, _model in CHANGES:
        what = edit(copy)
        time.sleep(2.5)
        rebuilt = measure(command, folder / f"change-{len(done)}.log", build_env(args))
        done[name] = (rebuilt, what)
        record["changes"][name] = {
            "edit": what,
            "seconds": rebuilt.seconds,
            "returncode": rebuilt.returncode,
            "peak_rss": rebuilt.peak_rss,
            "path": build_path(rebuilt.output),
            "output": rebuilt.output[-6000:],
        }
        print(f"  change {label}: {name}: {fmt_s(rebuilt.seconds)} ({build_path(rebuilt.output)})", flush=True)
    dbt = _dbt_changes(peer, copy, folder, record) if peer is not None else {}
    target = facts == TARGET_SIZE
    for index, (name, _edit, model) in enumerate(CHANGES):
        rebuilt, what = done[name]
        expected = "queries-only" if model is None else "change-aware"
        ok = rebuilt.returncode == 0 and record["changes"][name]["path"].startswith(expected)
        goal, met = "", ""
        if index == 0:
            goal, met = f"< {TARGET_LABEL_SECONDS:.0f} s", verdict(ok and rebuilt.seconds < TARGET_LABEL_SECONDS)
        elif index == 1:
            goal = f"< {TARGET_FACT_SHARE:.1f}x full"
            met = verdict(ok and rebuilt.seconds < TARGET_FACT_SHARE * full.seconds)
        else:
            goal, met = f"< {TARGET_REPORT_SECONDS:.0f} s", verdict(ok and rebuilt.seconds < TARGET_REPORT_SECONDS)
        results.add(
            f"8 change-aware rebuild, {name}, vs full build",
            label,
            fmt_s(rebuilt.seconds) + ("" if rebuilt.returncode == 0 else f" (exit {rebuilt.returncode})"),
            fmt_s(full.seconds),
            f"{rebuilt.seconds / full.seconds:.2f}x",
            goal if target else "",
            met if target else "",
        )
        if model is not None and model in dbt:
            theirs = dbt[model]
            results.add(
                f"  vs dbt build -s {model}+ ({DBT_ROUTE} route)",
                label,
                fmt_s(rebuilt.seconds),
                fmt_s(theirs.seconds) + ("" if theirs.returncode == 0 else f" (exit {theirs.returncode})"),
                f"{rebuilt.seconds / theirs.seconds:.2f}x",
            )
        results.add(f"    path taken: {record['changes'][name]['path'][:110]}", label, "", "", "")
    if "full" in dbt:
        results.add(
            f"  full builds: hebeidb build vs dbt build ({DBT_ROUTE} route)",
            label,
            fmt_s(full.seconds),
            fmt_s(dbt["full"].seconds) + ("" if dbt["full"].returncode == 0 else f" (exit {dbt['full'].returncode})"),
            f"{full.seconds / dbt['full'].seconds:.2f}x",
        )
    remove_database(database)
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


def _dbt_changes(peer: Peer, inputs: Path, folder: Path, record: dict[str, Any]) -> dict[str, Measured]:
    """dbt on the edited inputs: one full ``dbt build`` (the database every change starts from), then
    ``dbt build -s <model>+`` for each change that has a model, the project's target/ kept (as a user's next
    build finds it). dbt reads no change: its time does not depend on what the edit was."""
    project = folder / f"dbt-{DBT_ROUTE}"
    peer.module.generate_project(inputs, project, DBT_ROUTE, peer.module.default_checks())
    full, _ = peer.build(project)
    measured = {"full": full}
    record["dbt_full_seconds"] = full.seconds
    print(f"  dbt {DBT_ROUTE} full build: {fmt_s(full.seconds)} (exit {full.returncode})", flush=True)
    if full.returncode != 0:
        return measured
    database = project / "peer.duckdb"
    for _name, _edit, model in CHANGES:
        if model is None:
            continue
        argv = [
            str(peer.dbt),
            "build",
            "-s",
            f"{model}+",
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
        ]
        done = measure(argv, project / f"build-{model}.log", dbt_env(database), cwd=project)
        measured[model] = done
        record.setdefault("dbt", {})[model] = {
            "seconds": done.seconds,
            "returncode": done.returncode,
            "output": done.output[-3000:],
        }
        print(f"  dbt build -s {model}+: {fmt_s(done.seconds)} (exit {done.returncode})", flush=True)
    subprocess.run(["sync"], check=False)
    remove_database(database)
    return measured
