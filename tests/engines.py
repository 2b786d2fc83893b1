"""Real engines for the tests: a throwaway PostgreSQL cluster and a local Spark session.

PostgreSQL runs from the Debian package's binaries as the ``postgres`` user (the server refuses to
run as root) in a temporary folder on a free localhost port; Spark runs in ``local[2]``. Both read the
data the way a user moving to them would: PostgreSQL from the CSV export through ``COPY FROM STDIN``,
Spark from the Parquet export.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hebeidb.reader.database import Database

# DuckDB type -> PostgreSQL type for the public views' columns.
POSTGRES_TYPES = {
    "VARCHAR": "text",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "SMALLINT": "smallint",
    "DOUBLE": "double precision",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
}


def public_views(db: Database) -> list[str]:
    """The public views that hold data (not the report views, not build_info)."""
    rows = db.sql(
        "SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND schema_name = 'main' "
        "AND NOT internal AND NOT starts_with(view_name, 'report_') AND view_name <> 'build_info' ORDER BY 1"
    ).fetchall()
    return [name for (name,) in rows]


def postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: apt-get install -y postgresql (.ci/run does)")
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_postgres(*command: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


@contextlib.contextmanager
def postgres_cluster() -> Iterator[str]:
    """Start a throwaway cluster; yields its connection string and removes it at the end."""
    binaries = postgres_bin()
    folder = Path(tempfile.mkdtemp(prefix="hebeidb-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data = folder / "data"
    port = _free_port()
    run = {"check": True, "capture_output": True, "text": True, "timeout": 120}
    try:
        # No locale: text sorts by code point, as in DuckDB.
        initdb = [str(binaries / "initdb"), "-D", str(data), "--no-locale", "-E", "UTF8", "-A", "trust"]
        initdb += ["-U", "postgres"]
        subprocess.run(_as_postgres(*initdb), **run)
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        start = [str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"]
        subprocess.run(_as_postgres(*start), **run)
        try:
            yield f"host=127.0.0.1 port={port} user=postgres dbname=postgres"
        finally:
            subprocess.run(_as_postgres(str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"), **run)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def postgres_type(duckdb_type: str) -> str:
    if duckdb_type.startswith("DECIMAL"):
        return "numeric" + duckdb_type[len("DECIMAL") :]
    return POSTGRES_TYPES[duckdb_type]


def load_into_postgres(db: Database, export: Path, dsn: str) -> None:
    """Create one table per public view with the view's column types and COPY the CSV export into it."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as con:
        for view in public_views(db):
            columns = db._connection.execute(
                "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = current_database() "
                "AND schema_name = 'main' AND table_name = $t ORDER BY column_index",
                {"t": view},
            ).fetchall()
            definition = ", ".join(f'"{name}" {postgres_type(kind)}' for name, kind in columns)
            con.execute(f'CREATE TABLE "{view}" ({definition})')
            with (
                con.cursor() as cursor,
                cursor.copy(f'COPY "{view}" FROM STDIN (FORMAT csv, HEADER true)') as copy,
                (export / f"{view}.csv").open("rb") as source,
            ):
                while block := source.read(1 << 16):
                    copy.write(block)


def run_on_postgres(dsn: str, sql: str, args: list[Any]) -> list[tuple[Any, ...]]:
    """Run ``sql`` with PostgreSQL's own ``$n`` placeholders (psycopg's raw cursor sends them as they are)."""
    import psycopg

    with psycopg.connect(dsn) as con, psycopg.RawCursor(con) as cursor:
        cursor.execute(sql, args)
        return cursor.fetchall()


def spark_session() -> Any:
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master("local[2]")
        .appName("hebeidb-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "1")  # the test data is small: one task per shuffle
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "1g")
        .config("spark.sql.ansi.enabled", "true")
        # The tests run hundreds of small queries on small data in one short-lived JVM, whose CPU goes mostly to
        # compiling: the quick compiler (C1) alone, no generated code for query stages (Spark's interpreted
        # operators, which give the same rows) and one garbage-collector thread. The report matrix on an idle
        # machine: 80 s of JVM CPU to 44 s (45 s to 31 s of wall time). The larger code cache keeps C1 from
        # filling it and turning compilation off.
        .config(
            "spark.driver.extraJavaOptions",
            "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=256m -XX:+UseSerialGC",
        )
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.sql.codegen.factoryMode", "NO_CODEGEN")
        .getOrCreate()
    )


def register_parquet_views(spark: Any, db: Database, export: Path) -> None:
    """Each public view's Parquet file (or partitioned folder) as a Spark temporary view of the same name."""
    for view in public_views(db):
        path = export / f"{view}.parquet"
        spark.read.parquet(str(path)).createOrReplaceTempView(view)


def run_on_spark(spark: Any, translations: list[Any]) -> list[list[tuple[Any, ...]]]:
    """Each translated query's rows, the queries run as concurrent jobs of the one session: a small
    query costs Spark mostly planning and scheduling on the driver, so several at once keep both
    cores busy."""

    def rows(translation: Any) -> list[tuple[Any, ...]]:
        # Through Arrow: the values collect() gives (compared on the 10^5-row reports), in a quarter less time when a
        # report returns 10^5 rows.
        table = spark.sql(translation.sql, args=translation.args()).toArrow()
        return list(zip(*(column.to_pylist() for column in table.columns), strict=True))

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(rows, translations))
