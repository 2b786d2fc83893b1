"""Every report on local Spark against DuckDB, on synthetic data; run by hand, prints a table.

    python benchmarks/engines.py --facts 100000            # about 3 minutes
    python benchmarks/engines.py --facts 1000000           # about 10 minutes, 1 GB of disk
    python benchmarks/engines.py --facts 10000000 --repeat 1   # about 40 minutes, 10 GB of disk

For each size: ``hebeidb synth`` builds the database, ``hebeidb export --partition-by domain,year`` writes
the Parquet Spark reads (the README's recipe), then each report runs with its defaults on DuckDB
(``Database.report(name)``) and on Spark ``local[2]`` (``spark.sql(render ... --dialect spark, args=...)``),
each the best of ``--repeat`` runs after one warm-up run. Up to 2*10^6 facts the rows are fetched into
Python on both sides (``fetchall()`` and ``collect()``) and their numbers compared. Above (``--fetch sink``),
ten million rows as Python objects would not fit in memory, and collecting them to Spark's driver as Arrow
failed with 6 GB of heap (and a whole 10^7-row Arrow table needed more than 5.5 GB of DuckDB's): DuckDB
streams each result into Python as Arrow batches of 10^6 rows, each dropped once read
(``to_arrow_reader``), Spark runs each query to completion into its ``noop`` sink
(``df.write.format("noop")``: every row computed, none sent to Python), which favours Spark.
``--fetch arrow`` fetches whole Arrow tables on both sides (``.arrow()`` and ``toArrow()``). Spark's start-up
(15-25 s) is reported apart. Work files go into a temporary folder (or ``--workdir``), never into the
repository. This script is not a test and the test suite never runs it.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEBEIDB = str(Path(sys.executable).with_name("hebeidb"))


def best_of(repeat: int, run: object) -> tuple[float, int]:
    rows = run()  # warm-up: caches, JIT, file listing
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        rows = run()
        times.append(time.perf_counter() - start)
    return min(times), len(rows)


def sink(frame: object) -> list[None]:
    """Run a Spark query to completion without sending its rows anywhere."""
    frame.write.format("noop").mode("overwrite").save()  # type: ignore[attr-defined]
    return []


def stream(result: object) -> range:
    """Read a DuckDB result as a stream of Arrow batches, each dropped once read; returns range(rows)."""
    reader = result.to_arrow_reader(1_000_000)  # type: ignore[attr-defined]
    rows = sum(batch.num_rows for batch in reader)
    return range(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument(
        "--fetch",
        choices=("auto", "rows", "arrow", "sink"),
        default="auto",
        help="rows: fetchall()/collect(); arrow: Arrow tables; sink: Arrow batches against Spark's noop sink; "
        "auto: rows up to 2*10^6 facts, sink above",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="with --workdir: reuse the database and export a previous run left there"
    )
    args = parser.parse_args()
    fetch = args.fetch if args.fetch != "auto" else ("rows" if args.facts <= 2_000_000 else "sink")
    arrow = fetch != "rows"

    import hebeidb
    from hebeidb.reader.translate import translate

    work = args.workdir or Path(tempfile.mkdtemp(prefix="hebeidb-engines-"))
    work.mkdir(parents=True, exist_ok=True)
    database, out = work / "synth.duckdb", work / "out"
    try:
        synth_seconds = export_seconds = 0.0
        if not (args.reuse and database.is_file() and (out / "datapackage.json").is_file()):
            start = time.perf_counter()
            subprocess.run([HEBEIDB, "synth", "--facts", str(args.facts), "--seed", "1", "--db", str(database)],
                           check=True, capture_output=True)  # fmt: skip
            synth_seconds = time.perf_counter() - start
            start = time.perf_counter()
            subprocess.run([HEBEIDB, "export", str(out), "--db", str(database), "--partition-by", "domain,year"],
                           check=True, capture_output=True)  # fmt: skip
            export_seconds = time.perf_counter() - start

        from pyspark.sql import SparkSession

        start = time.perf_counter()
        spark = (
            SparkSession.builder.master("local[2]")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.driver.memory", "6g" if arrow else "2g")
            .config("spark.driver.maxResultSize", "4g")  # a 10^7-row report is over the 1 GB default
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        spark_start = time.perf_counter() - start
        import json

        package = json.loads((out / "datapackage.json").read_text("utf-8"))
        for resource in package["resources"]:
            if "." in resource["name"] or resource["name"].startswith("report_"):
                continue
            folder = resource.get("partitioning", {}).get("folder") or resource["path"]
            spark.read.parquet(str(out / folder)).createOrReplaceTempView(resource["name"])

        fetched = {
            "rows": "rows as Python tuples",
            "arrow": "Arrow tables; DuckDB's reader 12 GB, Spark's driver 6 GB",
            "sink": "DuckDB (12 GB): a stream of Arrow batches, Spark (6 GB): the noop sink (rows not compared)",
        }[fetch]
        print(f"# {args.facts:,} facts; {platform.machine()}, {os.cpu_count()} cores; best of {args.repeat}; {fetched}")
        print(f"# synth {synth_seconds:.1f} s, partitioned export {export_seconds:.1f} s, ", end="")
        print(f"Spark start {spark_start:.1f} s")
        print("| report | rows | DuckDB (s) | Spark local[2] (s) | Spark / DuckDB |")
        print("|---|---:|---:|---:|---:|")
        # Readers write nothing, so DuckDB cannot spill a large sort to disk: at 10^7 facts the indicators
        # report needs more than 5.5 GB of memory (Spark's driver has 6 GB, its executor spills).
        with hebeidb.open(database, memory_limit="12GB" if arrow else None) as db:
            for spec in db.reports():
                rendered = db.render(spec.name)
                translation = translate(rendered.sql, rendered.params, "spark")
                sql, bound = translation.sql, translation.args()
                if fetch == "sink":
                    duck, duck_rows = best_of(args.repeat, lambda s=spec: stream(db.report(s.name)))
                    sparked, _ = best_of(args.repeat, lambda q=sql, a=bound: sink(spark.sql(q, args=a)))
                    spark_rows = duck_rows  # not fetched; compared at the smaller sizes and in the tests
                elif fetch == "arrow":
                    duck, duck_rows = best_of(args.repeat, lambda s=spec: db.report(s.name).arrow())
                    sparked, spark_rows = best_of(args.repeat, lambda q=sql, a=bound: spark.sql(q, args=a).toArrow())
                else:
                    duck, duck_rows = best_of(args.repeat, lambda s=spec: db.report(s.name).fetchall())
                    sparked, spark_rows = best_of(args.repeat, lambda q=sql, a=bound: spark.sql(q, args=a).collect())
                assert duck_rows == spark_rows, (spec.name, duck_rows, spark_rows)
                print(f"| {spec.name} | {duck_rows:,} | {duck:.3f} | {sparked:.3f} | {sparked / duck:.0f}x |")
        spark.stop()
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
