"""The file's contract, as every reader reads it: the public views, their keys, references and descriptions,
the data set, and the reports, all taken from the file a reader opened.

The build declares the contract in the inputs (``schema/public_views.toml``, the DDL's ``COMMENT ON`` statements,
``queries/<name>.sql`` and ``.toml``) and writes it into ``core.dataset``, ``core.public_views``,
``core.public_view_references``, ``core.reports`` and ``core.report_parameters`` (see
:mod:`hebeidb.builder.contract`). Readers take everything from the file they opened.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from hebeidb.common.errors import DatabaseError
from hebeidb.common.reports import ReportSpec, parse_spec
from hebeidb.common.sqltext import quote_identifier

# Tables a file must hold for a reader to use it; a file without them was written by an older hebeidb.
# They describe the file rather than hold data (exports carry them as metadata, not as files).
# What [dataset] may say besides its name, title and description (columns of core.dataset of the same names).
DATASET_OPTIONAL = ("license", "license_url", "rights")
REQUIRED_TABLES = ("build_info", "dataset", "public_views", "public_view_references", "reports", "report_parameters")


@dataclass(frozen=True)
class Reference:
    """A reference from some columns of a view to the key of another view."""

    columns: tuple[str, ...]
    view: str
    view_columns: tuple[str, ...]


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str


@dataclass(frozen=True)
class View:
    """A public view as the file describes it: description, key, references and columns."""

    name: str
    description: str
    key: tuple[str, ...]
    references: tuple[Reference, ...]
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class Dataset:
    """The data set a file holds: ``[dataset]`` of ``schema/public_views.toml``, stored in ``core.dataset``.

    ``license`` is the compiled data's licence (an SPDX identifier) and ``license_url`` its text; ``rights``
    says who holds the rights in the texts the file stores and quotes. Each is None where the inputs (or an
    older file) state none.
    """

    name: str
    title: str
    description: str
    license: str | None = None
    license_url: str | None = None
    rights: str | None = None


# --- read from the file (reader side) ----------------------------------------------------------------


def missing_tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    """The contract tables a file lacks (an older hebeidb wrote it, or it is no hebeidb file at all)."""
    present = {
        name
        for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = $catalog AND schema_name = 'core'",
            {"catalog": catalog},
        ).fetchall()
    }
    return [name for name in REQUIRED_TABLES if name not in present]


def require_contract(con: duckdb.DuckDBPyConnection, catalog: str, path: Path | str) -> None:
    """Raise DatabaseError, saying how to rebuild, unless the file holds every contract table."""
    missing = missing_tables(con, catalog)
    if len(missing) == len(REQUIRED_TABLES):
        raise DatabaseError(f"{path} is not a hebeidb database (no core.build_info); build one with `hebeidb build`")
    if missing:
        raise DatabaseError(
            f"{path} was written by an older hebeidb (no core.{missing[0]} table); "
            f"rebuild it with `hebeidb build --db {path}`"
        )


def read_report_rows(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple[str, str, str, str, str]]:
    """Every report of the file as the build stored it: name, template, metadata, template file, metadata file."""
    return con.execute(
        f"""SELECT name, template, metadata, template_file, metadata_file
            FROM {quote_identifier(catalog)}.core.reports ORDER BY name"""
    ).fetchall()


def parse_report_rows(rows: Sequence[tuple[str, str, str, str, str]]) -> dict[str, ReportSpec]:
    """The reports of :func:`read_report_rows`, parsed (their templates' rules checked)."""
    return {row[0]: parse_spec(*row) for row in rows}


def read_report_specs(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, ReportSpec]:
    """Every report of the file, parsed from the template and metadata the build stored."""
    return parse_report_rows(read_report_rows(con, catalog))


def _dataset_columns(con: duckdb.DuckDBPyConnection, catalog: str) -> set[str]:
    return {
        name
        for (name,) in con.execute(
            """SELECT column_name FROM duckdb_columns()
               WHERE database_name = $catalog AND schema_name = 'core' AND table_name = 'dataset'""",
            {"catalog": catalog},
        ).fetchall()
    }


def read_dataset(con: duckdb.DuckDBPyConnection, catalog: str) -> Dataset:
    """The data set the file holds; the licence and rights are None in a file whose core.dataset lacks them."""
    present = _dataset_columns(con, catalog)
    columns = ["name", "title", "description"] + [
        key if key in present else f"NULL AS {key}" for key in DATASET_OPTIONAL
    ]
    rows = con.execute(f"SELECT {', '.join(columns)} FROM {quote_identifier(catalog)}.core.dataset").fetchall()
    if not rows:
        raise DatabaseError("the file names no data set (core.dataset is empty); rebuild it with `hebeidb build`")
    return Dataset(*rows[0])


def read_views(con: duckdb.DuckDBPyConnection, catalog: str, names: Sequence[str] | None = None) -> list[View]:
    """The public views with their descriptions, keys, references and columns, as the file records them."""
    db = quote_identifier(catalog)
    declared = con.execute(
        f"""SELECT p.view_name, p.key_columns, coalesce(v.comment, '')
            FROM {db}.core.public_views AS p
            LEFT JOIN duckdb_views() AS v
              ON v.database_name = $catalog AND v.schema_name = 'main' AND v.view_name = p.view_name
            ORDER BY p.position""",
        {"catalog": catalog},
    ).fetchall()
    references: dict[str, list[Reference]] = {}
    for view, columns, target, target_columns in con.execute(
        f"""SELECT view_name, columns, referenced_view, referenced_columns
            FROM {db}.core.public_view_references ORDER BY view_name, position"""
    ).fetchall():
        references.setdefault(view, []).append(Reference(tuple(columns), target, tuple(target_columns)))
    columns: dict[str, list[Column]] = {}
    for view, column, data_type, comment in con.execute(
        """SELECT table_name, column_name, data_type, coalesce(comment, '') FROM duckdb_columns()
           WHERE database_name = $catalog AND schema_name = 'main' ORDER BY table_name, column_index""",
        {"catalog": catalog},
    ).fetchall():
        columns.setdefault(view, []).append(Column(column, data_type, comment))
    views = [
        View(name, description, tuple(key), tuple(references.get(name, ())), tuple(columns.get(name, ())))
        for name, key, description in declared
    ]
    if names is not None:
        wanted = set(names)
        views = [v for v in views if v.name in wanted]
    return views
