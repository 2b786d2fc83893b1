"""Parquet for scale-out engines: Hive-partitioned datasets and row groups an engine can split.

``hebeidb export out/ --partition-by domain,year`` writes every exported view or table that has all the
partition columns (``facts`` has ``domain`` and ``year``) as a folder of Hive-style partitions,
``out/facts/domain=education/year=2020/data_0.parquet``, which Spark (``spark.read.parquet("out/facts")``),
DuckDB (``read_parquet('out/facts/**/*.parquet', hive_partitioning = true)``) and other engines read as
one table, skipping the partitions a filter on a partition column rules out. The partition columns are in
the folder names and also inside the files, so that each file holds complete rows in the view's column
order. Other objects stay one file each.

Every Parquet file is written in row groups of at most ``ROW_GROUP_ROWS`` rows: an engine splits a
file's work at row group boundaries, so one large file still feeds several tasks.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from hebeidb.common.atomic import file_sha256
from hebeidb.common.errors import ParameterError
from hebeidb.common.sqltext import is_plain_name, quote_identifier, quote_literal

# Rows per Parquet row group (a multiple of DuckDB's 2,048-row vectors): 10^5 facts make 4 row groups,
# 10^7 about 300 of some 2 MB each, so that Spark's splits of a large file each hold whole row groups.
ROW_GROUP_ROWS = 32_768


def parse_partition_by(values: Sequence[str] | str | None) -> tuple[str, ...]:
    """``"domain,year"`` (or repeated options) as ``("domain", "year")``; names must be plain."""
    if not values:
        return ()
    items = [values] if isinstance(values, str) else list(values)
    columns: list[str] = []
    for item in items:
        for name in item.split(","):
            name = name.strip()
            if not is_plain_name(name):
                raise ParameterError(f"--partition-by wants column names separated by commas, got {name!r}")
            if name in columns:
                raise ParameterError(f"--partition-by names {name!r} twice")
            columns.append(name)
    return tuple(columns)


def partitioned(columns: Sequence[str], partition_by: Sequence[str]) -> bool:
    """Whether an object with ``columns`` is written partitioned: it has every partition column."""
    return bool(partition_by) and set(partition_by) <= set(columns)


def parquet_options(metadata: str, partition_by: Sequence[str] = ()) -> str:
    """Options of DuckDB's ``COPY ... TO`` for one Parquet file or partitioned folder."""
    options = f"FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {ROW_GROUP_ROWS}, KV_METADATA {{{metadata}}}"
    if partition_by:
        columns = ", ".join(quote_identifier(c) for c in partition_by)
        options += f", PARTITION_BY ({columns}), WRITE_PARTITION_COLUMNS true, FILENAME_PATTERN 'data_{{i}}'"
    return options


def write_partitioned(
    con: duckdb.DuckDBPyConnection, query: str, folder: Path, partition_by: Sequence[str], metadata: str
) -> Path:
    """COPY ``query`` into ``folder`` as Hive partitions; the same rows always give the same bytes.

    DuckDB writes partitions from several threads in an order that varies between runs; one thread
    keeps the files and their row order fixed. A NULL in a partition column is refused: engines read
    its folder name (``year=NULL``) differently.
    """
    nulls = " OR ".join(f"{quote_identifier(c)} IS NULL" for c in partition_by)
    [(count,)] = con.execute(f"SELECT count(*) FROM ({query}) WHERE {nulls}").fetchall()
    if count:
        raise ParameterError(
            f"cannot partition {folder.name} by {', '.join(partition_by)}: {count} rows have no value there"
        )
    copy = f"COPY ({query}) TO {quote_literal(str(folder))} ({parquet_options(metadata, partition_by)})"
    [(threads,)] = con.execute("SELECT current_setting('threads')").fetchall()
    if int(threads) == 1:  # the export connection runs with one thread and a locked configuration
        con.execute(copy)
        return folder
    con.execute("SET threads = 1")
    try:
        con.execute(copy)
    finally:
        con.execute(f"SET threads = {int(threads)}")
    return folder


def partition_files(folder: Path) -> list[Path]:
    """The data files of a partitioned folder, in a stable order."""
    return sorted(path for path in folder.rglob("*.parquet") if path.is_file())


def describe_partitioned(folder: Path, root: Path) -> dict[str, Any]:
    """The datapackage fields of a partitioned resource: every file's path, size and sha256."""
    files = partition_files(folder)
    # The partition columns, read off the folder names of a file: facts/domain=education/year=2020/data_0.parquet
    partition_by = [part.split("=", 1)[0] for part in files[0].relative_to(folder).parts[:-1]] if files else []
    parts = []
    for path in files:
        digest = file_sha256(path)
        parts.append({"path": path.relative_to(root).as_posix(), "bytes": path.stat().st_size, "hash": digest})
    return {
        "path": [part["path"] for part in parts],
        "partitioning": {
            "style": "hive",
            "folder": folder.relative_to(root).as_posix(),
            "columns": list(partition_by),
            "files": parts,
        },
    }
