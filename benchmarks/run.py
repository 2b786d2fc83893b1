"""Benchmark hebeidb against plain DuckDB and against dbt doing the same work; run by hand, prints tables.

    python benchmarks/run.py --quick               # everything but 10^7 facts
    python benchmarks/run.py                       # also the queries-only rebuild and the build ratio at 10^7

Every figure is measured side by side in one run, as the best of several runs, against an anchor
that does the same work with DuckDB alone, or with dbt (see benchmarks/README.md for each figure):

1. build: ``build_database`` (staging, validation, checks, atomic write) against one DuckDB process
   running the same schema files and inserting the same seed CSVs with no checks;
2. reports: ``Database.report(name).fetchall()`` against the same rendered SQL on a plain connection;
3. command line: ``hebeidb report medals`` against a bare ``python -c "import duckdb; ..."``, and the
   import time of ``import hebeidb`` with the heavy modules it must not import;
4. export: ``Database.export`` (Parquet) against ``COPY (SELECT * FROM view) TO ... (FORMAT parquet)``,
   time and bytes;
5. growth: build time, report latency and peak RSS per size;
6. peers: ``hebeidb build`` against ``dbt build`` of a dbt-duckdb project generated from the same inputs
   (``benchmarks/dbt_peer.py``; seed route and ``read_csv`` route), cold processes, order rotated;
7. a bad row (an unknown qualifier in seeds/facts.csv): time to the error, what it names, what is left;
8. a queries-only rebuild: one ``queries/*.sql`` edited, the same target rebuilt;
9. with ``--tests``: the README's test command.

Synthetic inputs come from ``hebeidb.builder.synth.generate_inputs``. Work files go into a temporary folder (or
``--workdir``), never into the repository; dbt is installed into its own virtual environment under
``~/.cache/hebeidb-bench``. This script is not a test and the test suite never runs it.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import gc
import itertools
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve()  # before any chdir
HEAVY_MODULES = ("sqlglot", "pyarrow", "pandas", "polars")
LISTED_MODULES = (*HEAVY_MODULES, "numpy", "duckdb", "jinja2")
# Reports returning one row per fact hold ~1.8 GB of Python objects per 10^6 rows when fetched with
# fetchall(); above this size the rows are streamed as Arrow batches instead (same on both sides).
FETCHALL_MAX_FACTS = 2_000_000
ARROW_BATCH = 1_000_000
GIB = 1024**3

# Targets from the issue.
TARGET_REPORT_RATIO = 1.10  # at 10^6 facts
TARGET_REPORT_SIZE = 1_000_000
TARGET_CLI_MS = 60.0
TARGET_IMPORT_MS = 150.0
TARGET_BUILD_RATIO = 1.5  # at 10^6 and 10^7 facts (issue 13; it was 2.0 at 10^6 before)
TARGET_BUILD_SIZES = (1_000_000, 10_000_000)
TARGET_EXPORT_RATIO = 1.2  # time and bytes against raw COPY, at every size
TARGET_REBUILD_SECONDS = 5.0  # queries-only rebuild at 10^7 facts
TARGET_REBUILD_SIZE = 10_000_000
TARGET_TESTS_SECONDS = 240.0  # the README's test command
TARGET_MEMORY_BYTES = 4 * GIB  # at 10^7 facts
TARGET_MEMORY_SIZE = 10_000_000
# Growth exponent k in time ~ facts^k between two sizes: 1 is linear, 2 quadratic. Fixed costs make
# k < 1 between small sizes; anything up to this counts as linear.
TARGET_GROWTH_EXPONENT = 1.2


# --------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------
@dataclass
class Row:
    figure: str
    size: str
    hebeidb: str
    anchor: str
    compare: str
    target: str = ""
    met: str = ""  # "yes", "NO", or "" for figures without a target
    section: int = 0  # the figure number; indented rows belong to the figure above them


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    def add(self, *args: Any, **kwargs: Any) -> None:
        row = Row(*args, **kwargs)
        row.section = int(row.figure[0]) if row.figure[:1].isdigit() else self.rows[-1].section
        self.rows.append(row)


def verdict(ok: bool) -> str:
    return "yes" if ok else "NO"


def fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def fmt_bytes(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= GIB:
        return f"{value / GIB:.2f} GiB"
    if value < 10 * 1024**2:
        return f"{value / 1024**2:.1f} MiB"
    return f"{value / 1024**2:.0f} MiB"


def fmt_size(facts: int) -> str:
    exponent = math.log10(facts)
    return f"10^{exponent:.0f}" if exponent.is_integer() else f"{facts:,}"


def growth_exponent(small: tuple[int, float], large: tuple[int, float]) -> float:
    (n1, t1), (n2, t2) = small, large
    return math.log(t2 / t1) / math.log(n2 / n1)


def builder() -> Any:
    """hebeidb's build module: ``hebeidb.builder`` (``hebeidb.build`` in checkouts before the rename)."""
    from importlib import import_module

    try:
        return import_module("hebeidb.builder")
    except ModuleNotFoundError:
        return import_module("hebeidb.build")


def synthetic(inputs: Path) -> Any:
    """The inputs folder marked as synthetic where hebeidb records an origin (then ``hebeidb.open``
    and the command line open the database as it is instead of rebuilding it from the shipped inputs)."""
    from hebeidb.builder.inputs import Inputs

    try:
        return Inputs(inputs.resolve(), "synthetic")
    except TypeError:  # hebeidb without inputs_origin
        return inputs


def peak_rss() -> int:
    """This process's peak RSS in bytes (VmHWM). Unlike ru_maxrss of a child seen from its parent, it
    does not start from the parent's own peak (Linux carries that over through fork and exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# --------------------------------------------------------------------------------------------------
# Timing helpers
# --------------------------------------------------------------------------------------------------
def timed(call: Callable[[], Any]) -> float:
    gc.collect()
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def best_side_by_side(
    first: Callable[[], Any],
    second: Callable[[], Any],
    args: argparse.Namespace,
    repeat: int | None = None,
    warm: tuple[bool, bool] = (True, True),
) -> tuple[float, float, int, Any]:
    """Best time of each, runs interleaved and the order alternated. Both are called once untimed
    first, to warm them up. At least ``repeat`` runs each, more while less than ``--min-time``
    seconds have passed (fast figures get more runs against the noise, up to 10x ``repeat``), and
    none once ``--budget`` seconds have passed (after two runs each). Also returns what ``first``
    returned (on its warm-up run)."""
    repeat = repeat or args.repeat
    value = first() if warm[0] else None
    if warm[1]:
        second()
    best_a = best_b = math.inf
    started = time.perf_counter()
    runs = 0
    while True:
        runs += 1
        if runs % 2:
            best_a = min(best_a, timed(first))
            best_b = min(best_b, timed(second))
        else:
            best_b = min(best_b, timed(second))
            best_a = min(best_a, timed(first))
        elapsed = time.perf_counter() - started
        if runs >= 2 and elapsed > args.budget:
            break
        if runs >= repeat and (elapsed >= args.min_time or runs >= 10 * repeat):
            break
    return best_a, best_b, runs, value


class ChildError(Exception):
    """A child process failed; carries its last error line, wall time and peak RSS."""

    def __init__(self, message: str, wall: float, rss: int) -> None:
        super().__init__(message)
        self.wall = wall
        self.rss = rss


def run_child(argv: list[str], env: dict[str, str] | None = None) -> tuple[dict[str, Any], float, int]:
    """Run a child process that prints one JSON object on its last line of output.

    Returns the object, the wall time and the child's peak RSS in bytes as the child measured it.
    Raises ChildError when the child fails."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as errors:
        done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=errors, env=env, check=False)
        wall = time.perf_counter() - started
        lines = done.stdout.decode().strip().splitlines()
        try:
            result = json.loads(lines[-1])
        except (IndexError, ValueError):
            result = {}
        if done.returncode != 0 or "error" in result:
            errors.seek(0)
            sys.stderr.write(errors.read().decode(errors="replace"))
            message = result.get("error") or f"exit code {done.returncode}"
            raise ChildError(message, wall, result.get("peak_rss", 0))
    return result, wall, result["peak_rss"]


# The environment of the timed commands of figure 3: Python's bytecode cache on, kept in the work folder.
# An installed package has its modules compiled at install time; a checkout run with
# PYTHONDONTWRITEBYTECODE set (as some machines do) would compile hebeidb's sources on every run
# while DuckDB's come compiled, charging the compiler to hebeidb. The untimed warm-up run fills the cache.
COMMAND_ENV: dict[str, str] | None = None


def command_env(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    return env


def wall_time(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=COMMAND_ENV)
    return time.perf_counter() - started


def best_commands(commands: dict[str, list[str]], repeat: int) -> dict[str, float]:
    """Best wall time of each command, the commands interleaved, after one untimed warm-up run each."""
    for argv in commands.values():
        wall_time(argv)
    best = dict.fromkeys(commands, math.inf)
    for _ in range(repeat):
        for name, argv in commands.items():
            best[name] = min(best[name], wall_time(argv))
    return best


# --------------------------------------------------------------------------------------------------
# Child processes: one build each, so that the peak RSS belongs to that build alone
# --------------------------------------------------------------------------------------------------
def child_build(database: Path, inputs: Path) -> dict[str, Any]:
    build_database = builder().build_database
    started = time.perf_counter()
    report = build_database(database, inputs=synthetic(inputs))
    seconds = time.perf_counter() - started
    return {  # read leniently: the report's fields have changed between commits
        "seconds": seconds,
        "timings": dict(getattr(report, "timings", {}) or {}),
        "checks": {check.name: getattr(check, "seconds", 0.0) for check in getattr(report, "checks", [])},
        "tables": dict(getattr(report, "tables", {}) or {}),
    }


def child_anchor(database: Path, inputs: Path, settings: str = "plain") -> dict[str, Any]:
    """Raw DuckDB: the same schema files and seed CSVs in one process, no staging, no checks.

    ``settings`` "plain" is DuckDB's defaults (a file in the newest storage format, memory limit 80%
    of RAM); "build" uses the build's: its memory limit and a file attached in storage format v1.0.0."""
    import duckdb

    seeds = inputs / "seeds"
    started = time.perf_counter()
    if settings == "plain":
        con = duckdb.connect(str(database))
    else:
        build = builder()
        if hasattr(build, "default_memory_limit"):
            limit = build.default_memory_limit()
        else:
            limit = os.environ.get(build.MEMORY_ENV) or build.DEFAULT_MEMORY_LIMIT
        con = duckdb.connect(config={"memory_limit": limit, "temp_directory": str(database) + ".tmp"})
        con.execute(
            "ATTACH $p AS anchor (STORAGE_VERSION $v)", {"p": str(database), "v": build.DEFAULT_STORAGE_VERSION}
        )
        con.execute("USE anchor")
    con.execute("SET enable_progress_bar = false")
    for path in sorted((inputs / "schema").glob("*.sql")):
        con.execute(path.read_text(encoding="utf-8"))
    derived = [
        name
        for (name,) in con.execute(
            """SELECT t.table_name FROM duckdb_tables() AS t
               JOIN duckdb_views() AS v ON v.schema_name = t.schema_name AND v.view_name = t.table_name || '_scan'
               WHERE t.schema_name = 'core' ORDER BY t.table_oid"""
        ).fetchall()
    ]
    tables = [
        (name, dict(zip(columns, types, strict=True)))
        for name, columns, types in con.execute(
            """SELECT t.table_name, list(c.column_name ORDER BY c.column_index),
                      list(c.data_type ORDER BY c.column_index)
               FROM duckdb_tables() AS t JOIN duckdb_columns() AS c USING (database_name, schema_name, table_name)
               WHERE t.schema_name = 'core' GROUP BY t.table_name, t.table_oid ORDER BY t.table_oid"""
        ).fetchall()
        # Tables the build writes from its own state (build_info, the contract's tables) have no seed CSV.
        if name not in derived and (seeds / f"{name}.csv").is_file()
    ]
    for name, column_types in tables:
        _anchor_insert(con, seeds, name, column_types)
    documents = con.execute("SELECT source_id, text_path FROM core.sources WHERE kind = 'document'").fetchall()
    if documents:
        con.execute(
            """INSERT INTO core.source_texts
               SELECT m.source_id, decode(b.content), sha256(b.content), length(decode(b.content))
               FROM read_blob($files) AS b
               JOIN (SELECT unnest($ids) AS source_id, unnest($files) AS filename) AS m USING (filename)""",
            {"ids": [d[0] for d in documents], "files": [str(seeds / d[1]) for d in documents]},
        )
    con.execute("CHECKPOINT")
    loaded = time.perf_counter()
    pattern = con.execute(
        "SELECT count(*) FROM duckdb_views() WHERE schema_name = 'core' AND view_name = 'number_pattern'"
    ).fetchone()
    if pattern and pattern[0]:
        # The tokenizer view reads its pattern from a variable the build sets first (as its comment says).
        con.execute("SET VARIABLE hebeidb_number_pattern = (SELECT regex FROM core.number_pattern)")
    for name in derived:
        con.execute(f"INSERT INTO core.{name} SELECT * FROM core.{name}_scan")
    con.execute("CHECKPOINT")
    finished = time.perf_counter()
    counts = {name: con.execute(f"SELECT count(*) FROM core.{name}").fetchone()[0] for name in derived}
    con.close()
    return {"seconds": loaded - started, "derive_seconds": finished - loaded, "derived_rows": counts}


def _anchor_insert(con: Any, seeds: Path, table: str, column_types: dict[str, str]) -> None:
    path = seeds / f"{table}.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    types = "{" + ", ".join(f"'{name}': '{column_types[name]}'" for name in header) + "}"
    source = (
        f"(SELECT * FROM read_csv('{path}', header = true, auto_detect = false, delim = ',', quote = '\"', "
        f"escape = '\"', columns = {types}))"
    )
    hook = seeds / f"{table}.sql"
    select = f"SELECT * FROM {source}"
    if hook.is_file():  # seeds/facts.sql derives the interval columns from the staged rows
        select = hook.read_text(encoding="utf-8").strip().rstrip(";").replace(f"stage_{table}", source)
    self_references = con.execute(
        """SELECT constraint_column_names[1], referenced_column_names[1] FROM duckdb_constraints()
           WHERE schema_name = 'core' AND table_name = $t AND constraint_type = 'FOREIGN KEY'
             AND referenced_table = $t""",
        {"t": table},
    ).fetchall()
    if not self_references:
        con.execute(f"INSERT INTO core.{table} BY NAME {select}")
        return
    # Rows reference rows of the same table (regions.parent_region_id): parents first, level by level.
    (parent, key), *_ = self_references
    con.execute(f"CREATE OR REPLACE TEMP TABLE anchor_{table} AS {select}")
    while True:
        (inserted,) = con.execute(
            f"""INSERT INTO core.{table} BY NAME
                SELECT * FROM anchor_{table} AS s
                WHERE s.{key} NOT IN (SELECT {key} FROM core.{table})
                  AND (s.{parent} IS NULL OR s.{parent} IN (SELECT {key} FROM core.{table}))"""
        ).fetchone()
        if not inserted:
            break
    con.execute(f"DROP TABLE anchor_{table}")


def child_modules(database: Path) -> dict[str, Any]:
    """Which of the listed modules are imported after ``import hebeidb`` and after running a report."""
    import hebeidb

    after_import = sorted(m for m in LISTED_MODULES if m in sys.modules)
    try:
        db = hebeidb.open(database, build=False)
    except TypeError:  # hebeidb.open without build=: it never builds
        db = hebeidb.open(database)
    with db:
        db.report("medals").fetchall()
    after_report = sorted(m for m in LISTED_MODULES if m in sys.modules)
    return {"after_import": after_import, "after_report": after_report}


def child_generate(folder: Path, facts: Path, seed: Path) -> dict[str, Any]:
    """Synthetic inputs, generated in a child so that the parent process stays small."""
    from hebeidb.builder.synth import generate_inputs

    started = time.perf_counter()
    generate_inputs(folder, int(str(facts)), int(str(seed)))
    return {"seconds": time.perf_counter() - started}


CHILDREN: dict[str, Callable[..., dict[str, Any]]] = {
    "build": child_build,
    "anchor": child_anchor,
    "anchor-build-settings": lambda database, inputs: child_anchor(database, inputs, "build"),
    "modules": child_modules,
    "generate": child_generate,
}


def child_main(argv: list[str]) -> int:
    kind, *paths = argv
    try:
        result = CHILDREN[kind](*(Path(p) for p in paths))
    except Exception as error:
        # Report the failure and the memory reached, then the traceback on standard error.
        message = str(error).strip().splitlines()[0] if str(error).strip() else ""
        print(json.dumps({"error": f"{type(error).__name__}: {message}", "peak_rss": peak_rss()}))
        raise
    result["peak_rss"] = peak_rss()
    print(json.dumps(result))
    return 0


def child(kind: str, *paths: Path) -> list[str]:
    return [sys.executable, str(SCRIPT), "--child", kind, *(str(p) for p in paths)]


# --------------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------------
def remove_database(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal"), path.with_name(f".{path.name}.lock")):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
    shutil.rmtree(path.with_name(path.name + ".tmp"), ignore_errors=True)  # spill folder


def build_env(args: argparse.Namespace) -> dict[str, str] | None:
    if not args.memory_limit:
        return None
    return {**os.environ, builder().MEMORY_ENV: args.memory_limit}


def bench_build(results: Results, facts: int, inputs: Path, work: Path, args: argparse.Namespace) -> Path | None:
    """Figure 1 (and the build half of figure 5): returns the built database, None if the build failed."""
    database = work / f"hebeidb-{facts}.duckdb"
    anchor_db = work / f"anchor-{facts}.duckdb"
    env = build_env(args)
    size = fmt_size(facts)
    record: dict[str, Any] = {"facts": facts}
    results.raw.setdefault("sizes", {})[str(facts)] = record
    builds: list[tuple[dict[str, Any], int]] = []
    anchors: list[tuple[dict[str, Any], int]] = []
    anchors_like_build: list[float] = []
    failure: ChildError | None = None
    for run in range(args.build_repeat):
        remove_database(database)
        try:
            report, _, rss = run_child(child("build", database, inputs), env)
            builds.append((report, rss))
        except ChildError as error:
            failure = error
        if not args.skip_build_anchor:
            remove_database(anchor_db)
            anchor, _, anchor_rss = run_child(child("anchor", anchor_db, inputs))
            anchors.append((anchor, anchor_rss))
            remove_database(anchor_db)
            try:
                like_build, _, _ = run_child(child("anchor-build-settings", anchor_db, inputs), env)
                anchors_like_build.append(like_build["seconds"])
            except ChildError as error:
                print(f"  raw load with the build's settings FAILED: {error}", flush=True)
                record["anchor_build_settings_failed"] = str(error)
        what = (
            f"FAILED after {fmt_s(failure.wall)} ({fmt_bytes(failure.rss)}): {failure}"
            if failure
            else f"{fmt_s(builds[-1][0]['seconds'])} ({fmt_bytes(builds[-1][1])})"
        )
        print(
            f"  build {run + 1}/{args.build_repeat}: hebeidb {what}"
            + (f", raw duckdb {fmt_s(anchors[-1][0]['seconds'])}" if anchors else ""),
            flush=True,
        )
        if failure or builds[-1][0]["seconds"] > args.build_budget:
            break
    remove_database(anchor_db)
    if anchors:
        anchor = min(anchors, key=lambda a: a[0]["seconds"])[0]
        record |= {
            "anchor_seconds": anchor["seconds"],
            "anchor_derive_seconds": anchor["derive_seconds"],
            "anchor_derived_rows": anchor.get("derived_rows", {}),
            "anchor_peak_rss": max(rss for _, rss in anchors),
        }
    if anchors_like_build:
        record["anchor_build_settings_seconds"] = min(anchors_like_build)
    if failure:
        remove_database(database)
        record |= {"build_failed": str(failure), "build_failed_after": failure.wall, "build_peak_rss": failure.rss}
        limit = args.memory_limit or "the default"
        results.add(
            f"1 build FAILED ({limit} memory limit)",
            size,
            f"after {fmt_s(failure.wall)}",
            fmt_s(record.get("anchor_seconds")),
            f"raw, build's settings: {fmt_s(record['anchor_build_settings_seconds'])}"
            if "anchor_build_settings_seconds" in record
            else "raw, build's settings: failed",
            "completes",
            "NO",
        )
        results.add(f"  {failure}"[:110], size, "", "", "")
        return None

    best = min(builds, key=lambda b: b[0]["seconds"])[0]
    seconds = best["seconds"]
    checks = sum(best["checks"].values())
    timings = best["timings"]
    record |= {
        "build_seconds": seconds,
        "build_timings": timings,
        "check_seconds": best["checks"],
        "build_peak_rss": max(rss for _, rss in builds),
        "tables": best["tables"],
    }
    if anchors:
        ratio = seconds / record["anchor_seconds"]
        target = facts in TARGET_BUILD_SIZES
        results.add(
            "1 build (all checks) vs raw DuckDB load",
            size,
            fmt_s(seconds),
            fmt_s(record["anchor_seconds"]),
            f"{ratio:.2f}x",
            f"<= {TARGET_BUILD_RATIO:.1f}x" if target else "",
            verdict(ratio <= TARGET_BUILD_RATIO) if target else "",
        )
        like_build = record.get("anchor_build_settings_seconds")
        results.add(
            "  vs raw load with the build's settings",
            size,
            fmt_s(seconds),
            fmt_s(like_build) if like_build else "failed",
            f"{seconds / like_build:.2f}x" if like_build else "",
        )
        with_derive = record["anchor_seconds"] + record["anchor_derive_seconds"]
        # The anchor's derived tables must hold what the build's do, or the comparison means nothing.
        differ = [n for n, c in record.get("anchor_derived_rows", {}).items() if best["tables"].get(n) != c]
        results.add(
            "  vs raw load + derived token tables" + (f" (ROWS DIFFER: {', '.join(differ)})" if differ else ""),
            size,
            fmt_s(seconds),
            fmt_s(with_derive),
            f"{seconds / with_derive:.2f}x",
        )
    else:
        results.add("1 build (all checks), no raw load measured", size, fmt_s(seconds), "", "")
    results.add("  checks' share (sum of checks)", size, fmt_s(checks), "", f"{checks / seconds:.0%}")
    derive = timings.get("derive", 0.0)
    results.add("  derive phase's share", size, fmt_s(derive), "", f"{derive / seconds:.0%}")
    return database


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


def bench_export(results: Results, facts: int, database: Path, work: Path, args: argparse.Namespace) -> None:
    """Figure 4: hebeidb's Parquet export against DuckDB's COPY ... TO of the same objects."""
    import duckdb

    from hebeidb.reader.database import Database

    out = work / f"export-{facts}"
    names: list[str] = []

    def hebeidb_export() -> None:
        shutil.rmtree(out, ignore_errors=True)
        db = Database(database)
        try:
            files = db.export(out)
        finally:
            db.close()
        names[:] = [f.name.removesuffix(".parquet") for f in files if f.suffix == ".parquet"]

    hebeidb_export()  # learns the objects the anchor must write

    def raw_export() -> None:
        folder = work / f"copy-{facts}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        con = duckdb.connect()
        try:
            con.execute("ATTACH $p AS src (READ_ONLY)", {"p": str(database)})
            for name in names:
                schema, _, table = name.rpartition(".")
                con.execute(
                    f"COPY (SELECT * FROM src.{schema or 'main'}.\"{table}\") TO '{folder / (name + '.parquet')}' "
                    "(FORMAT parquet, COMPRESSION zstd)"
                )
        finally:
            con.close()

    # The export above warmed hebeidb's side up already.
    heb_s, raw_s, runs, _ = best_side_by_side(hebeidb_export, raw_export, args, args.export_repeat, (False, True))
    heb_bytes = sum(p.stat().st_size for p in out.iterdir())
    raw_bytes = sum(p.stat().st_size for p in (work / f"copy-{facts}").iterdir())
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(work / f"copy-{facts}", ignore_errors=True)
    results.raw["sizes"][str(facts)]["export"] = {
        "files": len(names),
        "hebeidb_seconds": heb_s,
        "raw_seconds": raw_s,
        "hebeidb_bytes": heb_bytes,
        "raw_bytes": raw_bytes,
        "runs": runs,
    }
    results.add(
        f"4 export Parquet ({len(names)} files) vs raw COPY, time",
        fmt_size(facts),
        fmt_s(heb_s),
        fmt_s(raw_s),
        f"{heb_s / raw_s:.2f}x",
        f"<= {TARGET_EXPORT_RATIO:.1f}x",
        verdict(heb_s / raw_s <= TARGET_EXPORT_RATIO),
    )
    results.add(
        "  export size vs raw COPY",
        fmt_size(facts),
        fmt_bytes(heb_bytes),
        fmt_bytes(raw_bytes),
        f"{heb_bytes / raw_bytes:.2f}x",
        f"<= {TARGET_EXPORT_RATIO:.1f}x",
        verdict(heb_bytes / raw_bytes <= TARGET_EXPORT_RATIO),
    )
    print(f"  export: hebeidb {fmt_s(heb_s)}, raw COPY {fmt_s(raw_s)}", flush=True)


def cli_commands(database: Path, report: str = "medals") -> tuple[list[str], list[str]]:
    """``hebeidb report NAME --db PATH --format csv`` and the bare ``python -c`` running its SQL."""
    from hebeidb.reader.database import Database

    with Database(database) as db:
        rendered = db.render(report)
    command = Path(sys.executable).with_name("hebeidb")
    cli = [str(command)] if command.is_file() else [sys.executable, "-m", "hebeidb"]
    cli += ["report", report, "--db", str(database), "--format", "csv"]
    call = f"duckdb.connect({str(database)!r}, read_only=True).sql({rendered.sql!r}"
    call += f", params={rendered.params!r}).fetchall()" if rendered.params else ").fetchall()"
    return cli, [sys.executable, "-c", "import datetime, decimal, duckdb; " + call]


def cli_row(results: Results, size: str, times: dict[str, float]) -> float:
    difference = (times["cli"] - times["anchor"]) * 1000
    results.add(
        "3 CLI report medals vs python -c duckdb",
        size,
        fmt_s(times["cli"]),
        fmt_s(times["anchor"]),
        f"{difference:+.0f} ms",
        f"<= +{TARGET_CLI_MS:.0f} ms",
        verdict(difference <= TARGET_CLI_MS),
    )
    return difference


def bench_cli_size(results: Results, facts: int, database: Path, args: argparse.Namespace) -> None:
    """Figure 3 on a synthetic database, where hebeidb opens it as it is (it records its origin)."""
    from hebeidb.reader.database import Database

    with Database(database) as db:
        origin = db.build_info().get("inputs_origin")
    if origin != "synthetic":
        results.add(
            "3 CLI report medals: not measured (hebeidb.open would rebuild this database)", fmt_size(facts), "", "", ""
        )
        return
    cli, anchor = cli_commands(database)
    times = best_commands({"cli": cli, "anchor": anchor}, max(args.repeat, 5))
    difference = cli_row(results, fmt_size(facts), times)
    results.raw["sizes"][str(facts)]["cli"] = {"seconds": times, "difference_ms": difference}
    print(f"  CLI: {fmt_s(times['cli'])}, python -c {fmt_s(times['anchor'])}", flush=True)


def bench_cli(results: Results, work: Path, args: argparse.Namespace) -> None:
    """Figure 3: the command line and the import, on the database built from the shipped inputs."""
    database = work / "hebei.duckdb"
    builder().build_database(database)
    cli, anchor = cli_commands(database)
    times = best_commands(
        {
            "cli": cli,
            "anchor": anchor,
            "python": [sys.executable, "-c", "pass"],
            "import duckdb": [sys.executable, "-c", "import duckdb"],
            "import hebeidb": [sys.executable, "-c", "import hebeidb"],
        },
        max(2 * args.repeat, 10),  # cheap runs: more of them against the noise of process start
    )
    difference = cli_row(results, "shipped", times)
    results.add(
        "  python -c 'import hebeidb' vs 'pass'",
        "",
        fmt_s(times["import hebeidb"]),
        fmt_s(times["python"]),
        f"+{(times['import hebeidb'] - times['python']) * 1000:.0f} ms",
    )
    script = cli[1:] if cli[0] == sys.executable else cli
    extra_ms, extra_top = extra_imports(script, anchor[1:])
    results.add(
        "  CLI's imports beyond the anchor's (importtime)",
        "",
        f"+{extra_ms:.0f} ms",
        "",
        ", ".join(f"{name} {ms:.0f}" for name, ms in extra_top[:3]),
    )
    # -X importtime: the cumulative time of the top-level `hebeidb` line, in microseconds.
    samples = []
    for _ in range(max(2 * args.repeat, 10)):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import hebeidb"],
            capture_output=True,
            text=True,
            check=True,
            env=COMMAND_ENV,
        )
        for line in done.stderr.splitlines():
            parts = line.split("|")
            if len(parts) == 3 and parts[2] == " hebeidb":
                samples.append(int(parts[1]) / 1000)
    first, best, worst = samples[0], min(samples), max(samples)
    results.add(
        "3 import hebeidb (-X importtime; worst run)",
        "",
        f"{worst:.1f} ms",
        "",
        f"best {best:.1f} ms",
        f"< {TARGET_IMPORT_MS:.0f} ms",
        verdict(worst < TARGET_IMPORT_MS),
    )
    modules, _, _ = run_child(child("modules", database))
    heavy_after_import = [m for m in modules["after_import"] if m in HEAVY_MODULES]
    heavy_after_report = [m for m in modules["after_report"] if m in HEAVY_MODULES]
    results.add(
        "3 heavy modules after import hebeidb",
        "",
        ", ".join(modules["after_import"]) or "none",
        "",
        "",
        "none of " + "/".join(HEAVY_MODULES),
        verdict(not heavy_after_import),
    )
    results.add(
        "  after db.report('medals')",
        "",
        ", ".join(modules["after_report"]) or "none",
        "",
        "",
        "none of " + "/".join(HEAVY_MODULES),
        verdict(not heavy_after_report),
    )
    results.raw["cli"] = {
        "seconds": times,
        "difference_ms": difference,
        "import_ms": {"first": first, "best": best, "worst": worst, "samples": samples},
        "modules": modules,
        "extra_imports_ms": dict(extra_top),
    }
    remove_database(database)


def import_self_times(argv: list[str]) -> dict[str, float]:
    """Milliseconds of each module's own import time (-X importtime "self") in one run of ``argv``."""
    subprocess.run(argv, capture_output=True, check=True, env=COMMAND_ENV)  # fills the bytecode cache
    done = subprocess.run(argv, capture_output=True, text=True, check=True, env=COMMAND_ENV)
    found: dict[str, float] = {}
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if line.startswith("import time:") and len(parts) == 3 and parts[1].strip().isdigit():
            found[parts[2].strip()] = int(parts[0].split(":")[1]) / 1000
    return found


def extra_imports(command: list[str], anchor: list[str]) -> tuple[float, list[tuple[str, float]]]:
    """What ``command`` imports beyond ``anchor``: total milliseconds and the top packages."""
    ours = import_self_times([sys.executable, "-X", "importtime", *command])
    theirs = import_self_times([sys.executable, "-X", "importtime", *anchor])
    packages: dict[str, float] = {}
    for module, ms in ours.items():
        if module not in theirs:
            top = module.split(".")[0]
            key = module if top == "hebeidb" else top
            packages[key] = packages.get(key, 0.0) + ms
    ranked = sorted(packages.items(), key=lambda item: -item[1])
    return sum(packages.values()), ranked


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


PHASES = ("schema", "stage", "validate", "insert", "texts", "derive", "checks", "reports", "write")


def phases_table(results: Results, sizes: list[int]) -> tuple[list[str], list[list[str]]]:
    """Where a build's time goes (BuildReport.timings of the best build), and its slowest checks."""
    records = results.raw.get("sizes", {})
    rows = []
    for facts in sizes:
        r = records.get(str(facts))
        if not r or "build_seconds" not in r:
            continue
        total = r["build_seconds"]
        slowest = sorted(r["check_seconds"].items(), key=lambda item: -item[1])[:3]
        rows.append(
            [f"{facts:,}", fmt_s(total)]
            + [f"{fmt_s(r['build_timings'].get(p))} {r['build_timings'].get(p, 0) / total:.0%}" for p in PHASES]
            + [", ".join(f"{name} {fmt_s(s)}" for name, s in slowest)]
        )
    return ["facts", "total", *PHASES, "slowest checks"], rows


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


# --------------------------------------------------------------------------------------------------
# Peers (figure 6), a bad row (figure 7), the queries-only rebuild (figure 8), the test loop (figure 9)
# --------------------------------------------------------------------------------------------------
# Runs a command and writes its wall time, exit code and peak RSS (getrusage of its children) as JSON.
MEASURE = """\
import json, resource, subprocess, sys, time
started = time.perf_counter()
code = subprocess.call(sys.argv[2:])
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
with open(sys.argv[1], "w") as out:
    json.dump({"seconds": seconds, "returncode": code, "peak_rss": peak}, out)
"""
SHIPPED = 0  # the size of the shipped inputs in --peer-sizes and --bad-row-sizes
BAD_QUALIFIER = "aprox"


@dataclass
class Measured:
    seconds: float
    returncode: int
    peak_rss: int
    output: str  # standard output and error together


def measure(argv: list[str], log: Path, env: dict[str, str] | None = None, cwd: Path | None = None) -> Measured:
    """Run a command in a new process: its wall time, exit code, peak RSS and output.

    A small Python process starts the command and reads the peak RSS with getrusage(RUSAGE_CHILDREN):
    what Linux carries over through fork and exec is then that small process's peak, not this one's."""
    result = log.with_suffix(".json")
    with log.open("w") as out:
        subprocess.run(
            [sys.executable, "-c", MEASURE, str(result), *argv],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
            check=False,
        )
    done = json.loads(result.read_text())
    result.unlink()
    return Measured(done["seconds"], done["returncode"], done["peak_rss"], log.read_text(errors="replace"))


def hebeidb_command() -> list[str]:
    command = Path(sys.executable).with_name("hebeidb")
    return [str(command)] if command.is_file() else [sys.executable, "-m", "hebeidb"]


def peer_module() -> Any:
    """benchmarks/dbt_peer.py, which writes the dbt project and installs dbt."""
    if str(SCRIPT.parent) not in sys.path:
        sys.path.insert(0, str(SCRIPT.parent))
    import dbt_peer

    return dbt_peer


def size_label(facts: int) -> str:
    return "shipped" if facts == SHIPPED else fmt_size(facts)


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


def bench_tests(results: Results, work: Path) -> None:
    """Figure 9: the README's test command (coverage run -m pytest, combine, report), wall time."""
    import hebeidb

    root = Path(hebeidb.__file__).resolve().parent.parent.parent
    if not (root / "tests").is_dir() or not (root / "pyproject.toml").is_file():
        results.add("9 README test command: no tests/ beside the measured hebeidb", "", "", "", "")
        return
    env = {**os.environ, "COVERAGE_FILE": str(work / ".coverage"), "PYTHONDONTWRITEBYTECODE": "1"}
    total = 0.0
    outcome = 0
    log = work / "tests.log"
    for argv in (
        [sys.executable, "-m", "coverage", "run", "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        [sys.executable, "-m", "coverage", "combine", "-q"],
        [sys.executable, "-m", "coverage", "report"],
    ):
        done = measure(argv, log, env, cwd=root)
        total += done.seconds
        outcome = outcome or done.returncode
        if argv[3] == "run":
            summary = [line for line in done.output.splitlines() if " passed" in line or " failed" in line]
            results.raw["tests"] = {"summary": summary[-1:] if summary else []}
    results.raw.setdefault("tests", {}).update({"seconds": total, "returncode": outcome})
    results.add(
        "9 README test command (coverage, pytest, report)",
        "",
        fmt_s(total) + ("" if outcome == 0 else f" (exit {outcome})"),
        "",
        " ".join(results.raw["tests"].get("summary", [])),
        f"< {TARGET_TESTS_SECONDS / 60:.0f} min",
        verdict(outcome == 0 and total < TARGET_TESTS_SECONDS),
    )


# --------------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------------
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


def hebeidb_source() -> str:
    """Where the hebeidb being measured lives, with its git commit ("+changes" when its work tree
    differs). Set PYTHONPATH to an exported snapshot (``git archive``) to measure a fixed commit."""
    import hebeidb

    root = Path(hebeidb.__file__).resolve().parent.parent.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return f"{root} (not a git checkout)"
    return f"{commit}{'+changes' if dirty else ''} at {root}"


def machine() -> dict[str, Any]:
    import duckdb

    import hebeidb

    info: dict[str, Any] = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "duckdb": duckdb.__version__,
        "hebeidb": hebeidb.__version__,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "hebeidb_source": hebeidb_source(),
        "load_average_at_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory"] = fmt_bytes(int(line.split()[1]) * 1024)
    return info


# --------------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark hebeidb against plain DuckDB and dbt doing the same work (see benchmarks/README.md).",
        epilog="examples:\n  python benchmarks/run.py --quick\n  python benchmarks/run.py --sizes 10000 --skip-peers",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--sizes", default="10000,1000000", help="numbers of synthetic facts, comma-separated (default: %(default)s)"
    )
    parser.add_argument(
        "--repeat", type=int, default=5, help="at least N runs of each report and CLI command, best taken (default: 5)"
    )
    parser.add_argument("--build-repeat", type=int, default=3, help="best of N for builds (default: 3)")
    parser.add_argument("--export-repeat", type=int, default=3, help="best of N for exports (default: 3)")
    parser.add_argument(
        "--build-budget",
        type=float,
        default=120.0,
        help="stop repeating a size's builds once one took longer than this many seconds (default: 120)",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=60.0,
        help="stop repeating a report or export past this many seconds, after two runs (default: 60)",
    )
    parser.add_argument(
        "--min-time",
        type=float,
        default=5.0,
        help="repeat a fast report or export beyond --repeat until this many seconds have passed (default: 5)",
    )
    parser.add_argument(
        "--fetch",
        choices=("auto", "fetchall", "arrow"),
        default="auto",
        help="how report rows are consumed: fetchall() or Arrow batches; auto uses fetchall up to 2*10^6 facts",
    )
    parser.add_argument(
        "--memory-limit",
        metavar="SIZE",
        help="DuckDB memory limit of the builds (sets HEBEIDB_MEMORY_LIMIT, e.g. 3GB; default: the build's own)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic inputs (default: 0)")
    parser.add_argument("--workdir", type=Path, help="folder for inputs and databases (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the databases and inputs in the work folder")
    parser.add_argument("--skip-build-anchor", action="store_true", help="build with hebeidb only (no raw load)")
    parser.add_argument("--skip-reports", action="store_true", help="skip figure 2 (reports)")
    parser.add_argument("--skip-export", action="store_true", help="skip figure 4 (export)")
    parser.add_argument("--skip-cli", action="store_true", help="skip figure 3 (command line and import)")
    parser.add_argument(
        "--search-and-site",
        type=Path,
        action="append",
        metavar="DB",
        help="only time search (best of --repeat) and the site build (once, with its size) on this built "
        "database; repeat for more",
    )
    parser.add_argument(
        "--quick", action="store_true", help="leave out 10^7 facts (the queries-only rebuild and build ratio there)"
    )
    parser.add_argument(
        "--peer-sizes",
        default="shipped,100000,1000000",
        help="inputs for hebeidb build vs dbt build: shipped and numbers of synthetic facts (default: %(default)s)",
    )
    parser.add_argument(
        "--peer-repeat", type=int, default=3, help="rounds of the peer builds, order rotated each round (default: 3)"
    )
    parser.add_argument(
        "--peer-budget",
        type=float,
        default=60.0,
        help="after two rounds, stop once a round of peer builds took longer than this many seconds (default: 60)",
    )
    parser.add_argument(
        "--bad-row-sizes",
        default="shipped,100000",
        help="inputs for the bad-row case, one unknown qualifier in seeds/facts.csv (default: %(default)s)",
    )
    parser.add_argument(
        "--rebuild-sizes",
        default="1000000,10000000",
        help="sizes of the queries-only rebuild; --quick drops 10^7 (default: %(default)s)",
    )
    parser.add_argument("--skip-peers", action="store_true", help="skip figures 6 and 7 (dbt)")
    parser.add_argument("--skip-rebuild", action="store_true", help="skip figure 8 (queries-only rebuild)")
    parser.add_argument(
        "--tests", action="store_true", help="also time the README's test command (figure 9; minutes of both cores)"
    )
    parser.add_argument(
        "--dbt-cache",
        type=Path,
        default=Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hebeidb-bench",
        help="folder of dbt's virtual environment, installed on first use (default: %(default)s)",
    )
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write every measurement as JSON")
    parser.add_argument(
        "--show", type=Path, metavar="PATH", help="print the tables of a run saved with --json (measures nothing)"
    )
    args = parser.parse_args(argv)
    try:
        args.sizes = [int(float(s)) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes wants numbers separated by commas, got {args.sizes!r}")
    if any(n < 100 for n in args.sizes):
        parser.error("every size must be at least 100 facts")

    def size_list(option: str, text: str) -> list[int]:
        try:
            sizes = [SHIPPED if s.strip() == "shipped" else int(float(s)) for s in text.split(",") if s.strip()]
        except ValueError:
            parser.error(f"{option} wants 'shipped' or numbers separated by commas, got {text!r}")
        if any(0 < n < 100 for n in sizes):
            parser.error(f"{option}: every synthetic size must be at least 100 facts")
        return sizes

    args.peer_sizes = [] if args.skip_peers else size_list("--peer-sizes", args.peer_sizes)
    args.bad_row_sizes = [] if args.skip_peers else size_list("--bad-row-sizes", args.bad_row_sizes)
    args.rebuild_sizes = [] if args.skip_rebuild else size_list("--rebuild-sizes", args.rebuild_sizes)
    args.rebuild_sizes = [n for n in args.rebuild_sizes if n != SHIPPED and not (args.quick and n >= 10_000_000)]
    return args


@contextlib.contextmanager
def work_folder(args: argparse.Namespace) -> Iterator[Path]:
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        yield args.workdir.resolve()
        return
    folder = Path(tempfile.mkdtemp(prefix="hebeidb-bench-"))
    try:
        yield folder
    finally:
        if args.keep:
            print(f"work files kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def synthetic_inputs(work: Path, facts: int, seed: int) -> Path:
    """Generate the inputs once per size and seed; a kept --workdir reuses them."""
    folder = work / f"inputs-{facts}-seed{seed}"
    marker = folder / ".complete"  # dot files are not build inputs
    if marker.is_file():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    done, _, _ = run_child(child("generate", folder, Path(str(facts)), Path(str(seed))))
    marker.write_text("ok\n")
    print(f"  generated inputs in {fmt_s(done['seconds'])}", flush=True)
    return folder


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


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.show is not None:
        return show_saved(args.show, args.markdown)
    if args.search_and_site:
        return main_search_and_site(args)
    results = Results()
    results.raw["machine"] = machine()
    results.raw["arguments"] = {k: str(v) for k, v in vars(args).items()}
    started = time.perf_counter()
    if args.json:
        args.json = args.json.resolve()
    with work_folder(args) as work:
        # In-memory DuckDB connections spill into ./.tmp: keep that, like every work file, out of the repository.
        previous = Path.cwd()
        os.chdir(work)
        global COMMAND_ENV
        COMMAND_ENV = command_env(work)
        try:
            peer = Peer(args, results) if args.peer_sizes or args.bad_row_sizes else None
            if peer is not None and SHIPPED in args.peer_sizes + args.bad_row_sizes:
                print("== shipped inputs: hebeidb and dbt", flush=True)
                if SHIPPED in args.peer_sizes:
                    bench_peers(results, SHIPPED, None, work, args, peer)
                if SHIPPED in args.bad_row_sizes:
                    bench_bad_row(results, SHIPPED, None, work, args, peer)
            synthetic_sizes = set(args.sizes) | set(args.peer_sizes) | set(args.bad_row_sizes) | set(args.rebuild_sizes)
            for facts in sorted(synthetic_sizes - {SHIPPED}):
                print(f"== {facts:,} facts", flush=True)
                inputs = synthetic_inputs(work, facts, args.seed)
                database = None
                if facts in args.sizes:
                    database = bench_build(results, facts, inputs, work, args)
                if database is not None and not args.skip_reports:
                    bench_reports(results, facts, database, args)
                if database is not None and not args.skip_cli:
                    bench_cli_size(results, facts, database, args)
                if database is not None and not args.skip_export:
                    bench_export(results, facts, database, work, args)
                if database is not None and not args.keep:
                    remove_database(database)
                if peer is not None and facts in args.peer_sizes:
                    bench_peers(results, facts, inputs, work, args, peer)
                if peer is not None and facts in args.bad_row_sizes:
                    bench_bad_row(results, facts, inputs, work, args, peer)
                if facts in args.rebuild_sizes:
                    bench_rebuild(results, facts, inputs, work, args)
                if not args.keep:
                    for leftover in work.glob(f"*-{size_label(facts)}"):
                        shutil.rmtree(leftover, ignore_errors=True)
                    shutil.rmtree(inputs, ignore_errors=True)
            if args.tests:
                print("== the README's test command", flush=True)
                bench_tests(results, work)
            if not args.skip_cli:
                print("== command line and import", flush=True)
                bench_cli(results, work, args)
        finally:
            os.chdir(previous)
    growth(results, args.sizes)
    results.raw["machine"]["load_average_at_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    results.raw["elapsed_seconds"] = time.perf_counter() - started
    results.raw["size_list"] = args.sizes
    results.rows.sort(key=lambda r: r.section)  # stable: by figure, sizes in their order
    results.raw["rows"] = [asdict(r) for r in results.rows]
    if args.json:
        args.json.write_text(json.dumps(results.raw, indent=2, default=str) + "\n")
    show(results, args.markdown)
    return 0


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
    print("\nTargets of issue 13\n")
    print_grid(["target", "measured", "met?"], issue13_targets(results.raw), markdown, left=(0, 1, 2))


def issue13_targets(raw: dict[str, Any]) -> list[list[str]]:
    """Each target of issue 13 with what this run measured of it ("not measured" and why otherwise)."""
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


def show_saved(path: Path, markdown: bool) -> int:
    """Print the tables of a run saved with --json again (for example as Markdown), measuring nothing."""
    raw = json.loads(path.read_text())
    if "size_list" not in raw:  # saved by an earlier version of this script
        raw["size_list"] = json.loads(raw["arguments"]["sizes"])
        raw.setdefault("elapsed_seconds", float("nan"))
    results = Results(rows=[Row(**row) for row in raw["rows"]], raw=raw)
    show(results, markdown)
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        sys.exit(child_main(sys.argv[2:]))
    sys.exit(main())
