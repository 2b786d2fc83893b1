"""What two database files hold, compared: every table and view, row for row, and the catalog.

A change-aware or queries-only build must hold the same rows as a full build of the same inputs; only what
records the build itself may differ: when it finished and which kind of build it was (``build_info.built_at``,
``build_info.build_kind``) and when each input file was read (``core.input_files.hashed_ns``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from hebeidb.builder import FULL, build_database
from hebeidb.builder.inputs import INPUT_DIRS, Inputs

# Written by the build about itself, so two builds of the same inputs may differ in them.
BUILD_RECORD_COLUMNS = {"build_info": ("built_at", "build_kind"), "input_files": ("hashed_ns",)}


def relations(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """Every table and view of the file, as (schema, name)."""
    return con.execute(
        """SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database()
           UNION ALL
           SELECT schema_name, view_name FROM duckdb_views() WHERE database_name = current_database() AND NOT internal
           ORDER BY ALL"""
    ).fetchall()


def rows(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> list[tuple]:
    """The rows of a table or view, sorted, without the columns that record the build itself."""
    columns = [
        c
        for (c,) in con.execute(
            """SELECT column_name FROM duckdb_columns() WHERE database_name = current_database()
               AND schema_name = $s AND table_name = $t ORDER BY column_index""",
            {"s": schema, "t": name},
        ).fetchall()
        if c not in BUILD_RECORD_COLUMNS.get(name, ())
    ]
    select = ", ".join(f'"{c}"' for c in columns)
    return sorted(con.execute(f'SELECT {select} FROM "{schema}"."{name}"').fetchall(), key=repr)


def catalog(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Every view's SQL and comment, and every column's name, type and comment."""
    views = con.execute(
        """SELECT schema_name, view_name, sql, comment FROM duckdb_views()
           WHERE database_name = current_database() AND NOT internal ORDER BY ALL"""
    ).fetchall()
    columns = con.execute(
        """SELECT schema_name, table_name, column_name, data_type, comment FROM duckdb_columns()
           WHERE database_name = current_database() ORDER BY ALL"""
    ).fetchall()
    return views + columns


def differences(first: Path, second: Path) -> list[str]:
    """The tables and views whose rows differ between two files, and whether their catalogs do; [] when none."""
    with (
        duckdb.connect(str(first), read_only=True) as a,
        duckdb.connect(str(second), read_only=True) as b,
    ):
        found = relations(a)
        if found != relations(b):
            return [f"relations differ: {sorted(set(found) ^ set(relations(b)))}"]
        differ = [f"{schema}.{name}" for schema, name in found if rows(a, schema, name) != rows(b, schema, name)]
        if catalog(a) != catalog(b):
            differ.append("catalog")
        return differ


def pristine_build(root: Path) -> tuple[Path, Path]:
    """A copy of the installed inputs under ``root`` and a full build of them: the base a test of change-aware
    builds copies before changing anything."""
    inputs = root / "inputs"
    for name in INPUT_DIRS:
        shutil.copytree(Inputs.installed().root / name, inputs / name)
    database = root / "hebei.duckdb"
    assert build_database(database, inputs=inputs).build_path == FULL
    return inputs, database
