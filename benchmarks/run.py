"""Benchmark hebeidb against plain DuckDB and against dbt doing the same work; run by hand, prints tables.

    python benchmarks/run.py --quick               # everything but 10^7 facts
    python benchmarks/run.py                       # also the queries-only rebuild and the build ratio at 10^7

Every figure is measured side by side in one run, as the best of several runs, against an anchor
that does the same work with DuckDB alone, or with dbt (see benchmarks/README.md for each figure).
Each figure has its module beside this one:

1. build (``figure_build.py``): ``build_database`` (staging, validation, checks, atomic write) against one
   DuckDB process running the same schema files and inserting the same seed CSVs with no checks;
2. reports (``figure_reports.py``): ``Database.report(name).fetchall()`` against the same rendered SQL on a
   plain connection;
3. command line (``figure_cli.py``): ``hebeidb report medals`` against a bare ``python -c "import duckdb;
   ..."``, and the import time of ``import hebeidb`` with the heavy modules it must not import;
4. export (``figure_export.py``): ``Database.export`` (Parquet) against ``COPY (SELECT * FROM view) TO ...
   (FORMAT parquet)``, time and bytes;
5. growth (``figure_growth.py``): build time, report latency and peak RSS per size;
6. peers (``figure_peers.py``): ``hebeidb build`` against ``dbt build`` of a dbt-duckdb project generated
   from the same inputs (``dbt_peer.py``; seed route and ``read_csv`` route), cold processes, order rotated;
7. a bad row (``figure_bad_row.py``): an unknown qualifier in seeds/facts.csv: time to the error, what it
   names, what is left;
8. a queries-only rebuild (``figure_rebuild.py``): one ``queries/*.sql`` edited, the same target rebuilt; and
   change-aware rebuilds (``figure_changes.py``): one label, one fact, one report edited in turn, each rebuild
   beside the full build and beside ``dbt build -s <model>+``;
9. with ``--tests`` (``figure_tests.py``): the README's test command.

With ``--search-and-site DB`` only search and site latency are measured, on databases already built
(``figure_search_site.py``). ``common.py`` holds what the figures share (rows of results and their
formatting, timing side by side, child processes, the machine); ``tables.py`` prints the tables and the
targets. This module parses the arguments, runs the figures in their order, and saves the results; it is
also the child process the figures start (``--child KIND``, see ``CHILDREN``).

Synthetic inputs come from ``hebeidb.builder.synth.generate_inputs``. Work files go into a temporary folder (or
``--workdir``), never into the repository; dbt is installed into its own virtual environment under
``~/.cache/hebeidb-bench``. This script is not a test and the test suite never runs it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import figure_cli
from common import SHIPPED, Results, child, fmt_s, machine, peak_rss, remove_database, run_child, size_label
from figure_bad_row import bench_bad_row
from figure_build import bench_build, child_anchor, child_build
from figure_changes import bench_changes
from figure_cli import bench_cli, bench_cli_size, child_modules
from figure_export import bench_export
from figure_growth import growth
from figure_peers import Peer, bench_peers
from figure_rebuild import bench_rebuild
from figure_reports import bench_reports
from figure_search_site import main_search_and_site
from figure_tests import bench_tests
from tables import show, show_saved


# --------------------------------------------------------------------------------------------------
# Arguments and work files
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
        "--changes-sizes",
        default="1000000,10000000",
        help="sizes of the change-aware rebuilds (figure 8, continued); --quick drops 10^7 (default: %(default)s)",
    )
    parser.add_argument("--skip-changes", action="store_true", help="skip the change-aware rebuilds")
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
    args.changes_sizes = [] if args.skip_changes else size_list("--changes-sizes", args.changes_sizes)
    args.changes_sizes = [n for n in args.changes_sizes if n != SHIPPED and not (args.quick and n >= 10_000_000)]
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


# --------------------------------------------------------------------------------------------------
# Child processes: ``run.py --child KIND PATH...`` prints one JSON object (see common.run_child)
# --------------------------------------------------------------------------------------------------
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


# --------------------------------------------------------------------------------------------------
# Main: the figures in their order
# --------------------------------------------------------------------------------------------------
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
        figure_cli.use_bytecode_cache(work)
        try:
            peer = Peer(args, results) if args.peer_sizes or args.bad_row_sizes or args.changes_sizes else None
            if peer is not None and SHIPPED in args.peer_sizes + args.bad_row_sizes:
                print("== shipped inputs: hebeidb and dbt", flush=True)
                if SHIPPED in args.peer_sizes:
                    bench_peers(results, SHIPPED, None, work, args, peer)
                if SHIPPED in args.bad_row_sizes:
                    bench_bad_row(results, SHIPPED, None, work, args, peer)
            synthetic_sizes = set(args.sizes) | set(args.peer_sizes) | set(args.bad_row_sizes) | set(args.rebuild_sizes)
            synthetic_sizes |= set(args.changes_sizes)
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
                if facts in args.changes_sizes:
                    bench_changes(results, facts, inputs, work, args, peer)
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


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        sys.exit(child_main(sys.argv[2:]))
    sys.exit(main())
