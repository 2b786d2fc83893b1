"""Export the database as Parquet or CSV files with a Frictionless ``datapackage.json``.

Files are written into a temporary folder beside the target and moved into place only when all of
them are complete, so an interrupted export never leaves a half-written file where a finished one is
expected; several files are written at once. Parquet files carry their own metadata (package version,
build hash, the digest of the sources and the resource that lists them) and keep DuckDB's column types
(DATE stays DATE), except DECIMAL, written as DOUBLE so that data frames read numbers: every value has at most
15 significant digits, which a double keeps exactly (a larger one fails the export), and datapackage.json and
the file's metadata record each such column's DECIMAL type.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import duckdb

from hebeidb.common.atomic import (
    fault_point,
    file_sha256,
    manifest_mismatch,
    new_temporary_folder,
    replace_folder,
    resolve_target,
)
from hebeidb.common.connect import ALIAS as EXPORT_ALIAS
from hebeidb.common.contract import REQUIRED_TABLES as CONTRACT_TABLES
from hebeidb.common.contract import View, read_dataset, read_views
from hebeidb.common.errors import (
    ExportError,
    ParameterError,
    QueryError,
    QueryMemoryError,
    QueryTimeoutError,
    TargetError,
    unknown_name,
)
from hebeidb.common.progress import Listener
from hebeidb.common.sqltext import error_first_line, is_plain_name, quote_identifier, quote_literal

if TYPE_CHECKING:
    from hebeidb.reader.database import Database, ReaderSession

FORMATS = ("parquet", "csv", "sqlite")
MANIFEST = "datapackage.json"
# What an export's files end with (data files, the SQLite file, datasette's metadata.json).
EXPORT_SUFFIXES = (".parquet", ".csv", ".sqlite", ".json")
TEMP_PURPOSE = "exporting"
SOURCES_RESOURCE = "core.sources"  # the resource every file and the package point to for the sources
LISTED_SOURCES = 100  # datapackage.json cites each source up to this many, then points to the resource
TABLE_ROW_GROUP_ROWS = 122_880  # rows per row group of a DuckDB table, the unit of a parallel scan
# Objects that describe the file rather than hold data: their content goes into the metadata. The
# input files' record describes the building machine's files (inodes, times): the metadata carries
# the inputs' hash taken over it, so that two builds of the same inputs export the same bytes.
NOT_EXPORTED = ("build_info", "core.input_files", "core.check_results", *(f"core.{name}" for name in CONTRACT_TABLES))
FRICTIONLESS_TYPES = {
    "VARCHAR": "string",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP WITH TIME ZONE": "datetime",
    "TIMESTAMP": "datetime",
    "DOUBLE": "number",
    "FLOAT": "number",
}


@dataclass(frozen=True)
class ExportObject:
    """A view or table to export: its name in the database and the file it becomes."""

    name: str  # "facts", "report_medals", "core.facts"
    kind: str  # "view" or "table"
    description: str

    @property
    def schema(self) -> str:
        return self.name.split(".")[0] if "." in self.name else "main"

    @property
    def table(self) -> str:
        return self.name.split(".")[-1]

    @property
    def sql_name(self) -> str:
        return f"{EXPORT_ALIAS}.{quote_identifier(self.schema)}.{quote_identifier(self.table)}"

    def filename(self, fmt: str) -> str:
        return f"{self.name}.{fmt}"


def exportable(con: duckdb.DuckDBPyConnection) -> list[ExportObject]:
    """Public views, report views and base tables, in that order (``build_info`` goes to the metadata).

    The public views and reports are those the file's contract lists. Every name comes from the file, so
    each is checked to be a plain name before it becomes a file name or part of a query.
    """
    rows = con.execute(
        f"""
        SELECT p.view_name, 'view', coalesce(v.comment, ''), 0 AS part, p.position
        FROM {EXPORT_ALIAS}.core.public_views AS p
        LEFT JOIN duckdb_views() AS v
          ON v.database_name = '{EXPORT_ALIAS}' AND v.schema_name = 'main' AND v.view_name = p.view_name
        UNION ALL
        SELECT r.view_name, 'view', coalesce(v.comment, ''), 1, 0
        FROM {EXPORT_ALIAS}.core.reports AS r
        LEFT JOIN duckdb_views() AS v
          ON v.database_name = '{EXPORT_ALIAS}' AND v.schema_name = 'main' AND v.view_name = r.view_name
        UNION ALL
        SELECT 'core.' || table_name, 'table', coalesce(comment, ''), 2, 0
        FROM duckdb_tables() WHERE database_name = '{EXPORT_ALIAS}' AND schema_name = 'core'
        ORDER BY part, 1
        """
    ).fetchall()
    objects = []
    for name, kind, description, _part, _position in rows:
        if not is_plain_name(name.removeprefix("core.")):
            raise ExportError(
                f"the database holds an object named {name!r}, which is not a plain name "
                "(lower-case letters, digits, underscores); refusing to use it as a file name"
            )
        if name not in NOT_EXPORTED:
            objects.append(ExportObject(name, kind, description))
    return objects


def export_database(
    database: Database,
    directory: str | os.PathLike[str],
    fmt: str = "parquet",
    only: Sequence[str] | None = None,
    partition_by: Sequence[str] | str | None = None,
    listener: Listener | None = None,
    timeout: float | None = None,
) -> list[Path]:
    """Export the open ``database`` into ``directory``; returns the files written.

    ``directory`` must be new, empty, or an earlier hebeidb export holding exactly the files its
    manifest lists, unchanged (it is replaced only once the new export is complete). ``only`` limits
    the export to some views or tables by name. The export connection can read nothing but the
    database and write nothing but its own temporary folder. With ``partition_by`` (Parquet only),
    each object having all those columns becomes a Hive-partitioned folder (see ``export_partitioned``);
    ``fmt="sqlite"`` writes the public views into one SQLite file with a datasette ``metadata.json``
    (see ``export_sqlite``). ``listener`` hears of each file as it is written (files done, rows written).
    Every query runs through the reader's guard, each under ``timeout`` seconds and the reader memory limit.
    """
    from hebeidb.reader.export.partitioned import parse_partition_by

    if fmt not in FORMATS:
        raise unknown_name(f"unknown export format {fmt!r}", fmt, FORMATS, "formats")
    partition_columns = parse_partition_by(partition_by)
    if partition_columns and fmt != "parquet":
        raise ParameterError(f"--partition-by applies to Parquet exports, not {fmt}")
    target = resolve_target(directory)
    _check_target(target)
    try:
        temporary = new_temporary_folder(target, TEMP_PURPOSE, lambda folder: _replaceable(folder, target))
    except OSError as error:
        raise TargetError(f"cannot write to {target.parent}: {error.strerror}") from None
    try:
        session = database._session("export", writes=[temporary], threads=1 if partition_columns else None)
        try:
            written = _export_into(session, temporary, fmt, only, partition_columns, listener, timeout)
        finally:
            session.close()
        fault_point("export:written")
        replace_folder(temporary, target, lambda folder: _replaceable(folder, target))
    except OSError as error:
        raise ExportError(f"cannot write the export to {target}: {error.strerror or error}") from None
    finally:
        _remove_tree(temporary)
    return [target / path.relative_to(temporary) for path in written]


def _export_into(
    session: ReaderSession,
    folder: Path,
    fmt: str,
    only: Sequence[str] | None,
    partition_by: Sequence[str] = (),
    listener: Listener | None = None,
    timeout: float | None = None,
) -> list[Path]:
    def catalog(con: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
        objects = _select(exportable(con), only)
        views = {view.name: view for view in read_views(con, EXPORT_ALIAS)}
        return objects, _build_info(con), _sources(con), views, read_dataset(con, EXPORT_ALIAS), document_sources(con)

    objects, info, sources, views, dataset, documents = session.run(catalog, timeout)
    digest = sources_digest(sources)  # once: every file and the package carry it
    if fmt == "sqlite":
        from hebeidb.reader.export.sqlite import export_sqlite, sqlite_datapackage

        chosen = [views[obj.name] for obj in objects if obj.name in views]
        if listener is not None:
            listener(f"{len(chosen)} views into one SQLite file", None, False)
        written = export_sqlite(session, timeout, EXPORT_ALIAS, folder, chosen, dataset, documents)
        if listener is not None:
            listener(f"{len(chosen)} views into one SQLite file", None, True)
        manifest = session.run(
            lambda con: _datapackage(con, [], [], fmt, info, sources, digest, views, dataset, {}, {}), timeout
        )
        manifest |= sqlite_datapackage(written)
        manifest["hebeidb"]["files"] = {path.name: file_sha256(path) for path in written}
    else:
        table_keys, columns = session.run(lambda con: (_table_keys(con), _columns(con)), timeout)
        session.run(lambda con: _check_partition_columns(con, objects, columns, partition_by), timeout)
        settings = FileSettings(folder, fmt, info, digest, table_keys, columns, partition_by)
        written = _write_all(session, objects, settings, listener, timeout)
        manifest = session.run(
            lambda con: _datapackage(
                con, objects, written, fmt, info, sources, digest, views, dataset, table_keys, columns
            ),
            timeout,
        )
    path = folder / MANIFEST
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return [*written, path]


def _check_partition_columns(
    con: duckdb.DuckDBPyConnection, objects: list[ExportObject], catalog: Columns, partition_by: Sequence[str]
) -> None:
    from hebeidb.reader.export.partitioned import partitioned

    if partition_by and not any(partitioned(_names_and_types(con, obj, catalog)[0], partition_by) for obj in objects):
        raise ParameterError(f"no exported object has all of the columns {', '.join(partition_by)}")


def _remove_tree(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


def _check_target(target: Path) -> None:
    try:
        _check_target_exists(target)
    except OSError as error:
        raise ExportError(f"cannot write the export to {target}: {error.strerror}") from None


def _check_target_exists(target: Path) -> None:
    if target.exists() and not target.is_dir():
        raise TargetError(f"{target} exists and is not a folder")
    if not target.parent.is_dir():
        raise TargetError(f"folder {target.parent} does not exist")
    if target.is_dir() and any(target.iterdir()):
        reason = _replaceable(target)
        if reason is not None:
            raise TargetError(reason)


def _replaceable(folder: Path, target: Path | None = None) -> str | None:
    """None when ``folder`` holds exactly the files an earlier hebeidb export wrote, each unchanged.

    Else the reason, in words, naming ``target`` (where the folder stood, when it has been set aside):
    the folder is then not replaced, whatever its datapackage.json says.
    """
    refuse = (
        f"{target or folder} is not empty and is not an unchanged earlier hebeidb export; choose a new or empty folder"
    )
    try:
        manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return f"{refuse} (no readable {MANIFEST})"
    block = manifest.get("hebeidb") if isinstance(manifest, dict) else None
    files = block.get("files") if isinstance(block, dict) else None
    if not isinstance(files, dict) or not files or not all(isinstance(v, str) for v in files.values()):
        return f"{refuse} ({MANIFEST} lists no files written by hebeidb)"
    odd = sorted(name for name in files if not _export_file_name(name))
    if odd:
        return f"{refuse} ({MANIFEST} lists {odd[0]!r}, which is not a file name an export writes)"
    reason = manifest_mismatch(folder, files, MANIFEST)
    return f"{refuse} ({reason})" if reason is not None else None


def _export_file_name(name: str) -> bool:
    """Whether ``name`` is a relative path an export writes: plain parts, a data or metadata suffix."""
    path = PurePosixPath(name)
    return (
        not path.is_absolute()
        and all(part not in ("", ".", "..") for part in path.parts)
        and path.suffix in EXPORT_SUFFIXES
    )


def _select(objects: list[ExportObject], only: Sequence[str] | None) -> list[ExportObject]:
    if not only:
        return objects
    by_name = {obj.name: obj for obj in objects}
    unknown = [name for name in only if name not in by_name]
    if unknown:
        raise unknown_name(f"nothing to export named {', '.join(unknown)}", unknown[0], list(by_name), "names")
    wanted = set(only)
    return [obj for obj in objects if obj.name in wanted]


def _build_info(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    try:
        relation = con.sql(f"SELECT * FROM {EXPORT_ALIAS}.core.build_info")
        rows = relation.fetchall()
    except duckdb.Error as error:
        raise ExportError(f"not a hebeidb database: {error_first_line(error)}") from None
    if not rows:
        raise ExportError("the database has no build_info row; rebuild it with `hebeidb build`")
    return dict(zip(relation.columns, rows[0], strict=True))


# A one-line citation, as far as its parts are known: publisher, title, date to its precision, URL
# ("Hebei Daily. Title. 2024-05. https://..."). Written in SQL, so that thousands of sources cost one query.
CITATION_SQL = """concat_ws('. ', nullif(publisher, ''), nullif(title, ''),
    left(CAST(published_on AS VARCHAR), CASE published_precision WHEN 'year' THEN 4 WHEN 'month' THEN 7 ELSE 10 END),
    nullif(url, '')) || '.'"""


def _sources(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every source's id, sha256, URL and citation, in id order."""
    rows = con.execute(
        f"SELECT source_id, sha256, url, {CITATION_SQL} FROM {EXPORT_ALIAS}.core.sources ORDER BY source_id"
    ).fetchall()
    return [{"source_id": i, "sha256": h, "url": u, "citation": c} for i, h, u, c in rows]


def _metadata(
    info: dict[str, Any], sources_sha256: str, obj: ExportObject, columns: Sequence[str], types: Sequence[str]
) -> dict[str, str]:
    decimals = {column: kind for column, kind in zip(columns, types, strict=True) if _decimal(kind)}
    return {
        "hebeidb_version": str(info["package_version"]),
        "hebeidb_build_sha256": str(info["inputs_sha256"]),
        "hebeidb_object": obj.name,
        "hebeidb_description": obj.description,
        # The sources themselves are a resource of the export (core.sources, and datapackage.json's
        # "sources"); each file carries only their digest and where to find them.
        "hebeidb_sources_sha256": sources_sha256,
        "hebeidb_sources_resource": SOURCES_RESOURCE,
        # DECIMAL columns are written as DOUBLE (see _parquet_columns): their DuckDB types, to restore them.
        **({"hebeidb_decimal_columns": json.dumps(decimals, sort_keys=True)} if decimals else {}),
    }


PARQUET_NUMBERS = (
    "Columns whose duckdbType is DECIMAL are stored as DOUBLE, which every reader takes for a number; each value "
    "has at most decimalPlaces decimals and 15 significant digits, so the shortest decimal form of the double "
    "(as Python, Arrow, pandas and DuckDB print it) is the exact value."
)
# A double keeps every decimal of at most 15 significant digits: the shortest decimal form of the nearest
# double (Python's repr, Arrow's, pandas', DuckDB's text) is that decimal again.
DOUBLE_DIGITS = 15


def _decimal(data_type: str) -> tuple[int, int] | None:
    """(precision, scale) of a DuckDB DECIMAL type, or None."""
    found = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", data_type)
    return (int(found.group(1)), int(found.group(2))) if found else None


def _parquet_columns(obj: ExportObject, columns: Sequence[str], types: Sequence[str]) -> str:
    """The select list of a Parquet file: DECIMAL columns as DOUBLE, which every data frame reads as a number
    (pandas reads Parquet decimals as Python objects). A value is written only if the double keeps it exactly
    (at most ``DOUBLE_DIGITS`` significant digits); a larger one fails the export, naming it."""
    parts = []
    for column, kind in zip(columns, types, strict=True):
        name = quote_identifier(column)
        decimal = _decimal(kind)
        if decimal is None:
            parts.append(name)
        elif decimal[0] <= DOUBLE_DIGITS:
            parts.append(f"CAST({name} AS DOUBLE) AS {name}")
        else:
            limit = 10 ** (DOUBLE_DIGITS - decimal[1])
            message = (
                f"{quote_literal(f'{obj.name}.{column} holds ')} || CAST({name} AS VARCHAR) || "
                f"{quote_literal(f', more than {DOUBLE_DIGITS} significant digits: a DOUBLE cannot keep it exactly')}"
            )
            parts.append(
                f"CASE WHEN {name} IS NULL OR abs({name}) < {limit} THEN CAST({name} AS DOUBLE) "
                f"ELSE error({message}) END AS {name}"
            )
    return ", ".join(parts)


def sources_digest(sources: list[dict[str, Any]]) -> str:
    """sha256 of the sources' ids, hashes and citations (canonical JSON): one value names the whole list."""
    canonical = json.dumps(
        [{"source_id": s["source_id"], "sha256": s["sha256"], "citation": s["citation"]} for s in sources],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _order_by(obj: ExportObject, table_keys: Keys) -> str:
    # Views carry their own ORDER BY; base tables are written in primary key order, the derived
    # tables (no key) by all their columns.
    if obj.kind == "view":
        return ""
    columns = table_keys.get((obj.schema, obj.table), ((), []))[0]
    return " ORDER BY " + (", ".join(quote_identifier(c) for c in columns) if columns else "ALL")


@dataclass(frozen=True)
class FileSettings:
    """What every file of one export shares: its folder and format, the metadata, the catalog read once."""

    folder: Path
    fmt: str
    info: dict[str, Any]
    sources_sha256: str
    table_keys: Keys
    catalog: Columns
    partition_by: Sequence[str] = ()


def _write(con: duckdb.DuckDBPyConnection, obj: ExportObject, settings: FileSettings) -> tuple[Path, int | None]:
    """Write one object; returns its file (or partitioned folder) and the rows written (None when not counted)."""
    from hebeidb.reader.export.partitioned import parquet_options, partitioned, write_partitioned

    folder, fmt, partition_by = settings.folder, settings.fmt, settings.partition_by
    path = folder / obj.filename(fmt)
    order_by = _order_by(obj, settings.table_keys)
    query = f"SELECT * FROM {obj.sql_name}{order_by}"
    columns, types = _names_and_types(con, obj, settings.catalog)
    if fmt == "parquet":
        query = f"SELECT {_parquet_columns(obj, columns, types)} FROM {obj.sql_name}{order_by}"
        pairs = _metadata(settings.info, settings.sources_sha256, obj, columns, types).items()
        metadata = ", ".join(f"{key}: {quote_literal(value)}" for key, value in pairs)
        options = parquet_options(metadata)
        if partitioned(columns, partition_by):
            try:
                return write_partitioned(con, query, folder / obj.name, partition_by, metadata), None
            except duckdb.IOException as error:  # the disk, not the data: the export could not be written
                raise ExportError(f"cannot write {obj.name}/: {error_first_line(error)}") from None
    else:
        options = "FORMAT csv, HEADER true, DELIMITER ','"
        query = f"SELECT {_csv_columns(columns, types)} FROM {obj.sql_name}{order_by}"
    try:
        [(rows,)] = con.execute(f"COPY ({query}) TO {quote_literal(str(path))} ({options})").fetchall()
    except duckdb.IOException as error:  # the disk, not the data: the export could not be written
        raise ExportError(f"cannot write {obj.filename(fmt)}: {error_first_line(error)}") from None
    return path, rows


def _write_all(
    session: ReaderSession,
    objects: list[ExportObject],
    settings: FileSettings,
    listener: Listener | None = None,
    timeout: float | None = None,
) -> list[Path]:
    """Write every object: several at once, each on its own cursor of the session, while the tables are small.

    DuckDB scans a table by row groups (``TABLE_ROW_GROUP_ROWS`` rows), one per thread: while no table
    has more row groups than DuckDB has threads, the ``COPY`` of an object cannot keep every core busy,
    so as many objects as there are threads are written side by side (at 10^4 facts, a third less time).
    Larger databases are written one object at a time, each on every core, so that no two large sorts
    hold memory at once. A file's bytes do not depend on it. A partitioned export runs on one thread
    (see :func:`export_database`), so one object at a time. ``listener`` hears of each file written. Each
    object is written under ``timeout`` through the reader's guard.
    """
    import concurrent.futures

    progress = _Progress(len(objects), listener, session, timeout)
    threads, largest = session.run(
        lambda con: con.execute(
            """SELECT current_setting('threads'), coalesce(max(estimated_size), 0) FROM duckdb_tables()
               WHERE database_name = $db""",
            {"db": EXPORT_ALIAS},
        ).fetchone(),
        timeout,
    )
    workers = min(len(objects), int(threads)) if largest <= threads * TABLE_ROW_GROUP_ROWS else 1
    if workers <= 1:
        return [progress.write(session.con, obj, settings) for obj in objects]
    local = threading.local()
    cursors: list[duckdb.DuckDBPyConnection] = []

    def write_on_own_cursor(obj: ExportObject) -> Path:
        if not hasattr(local, "cursor"):
            local.cursor = session.cursor()
            cursors.append(local.cursor)
        return progress.write(local.cursor, obj, settings)

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hebeidb-export")
    try:
        futures = [pool.submit(write_on_own_cursor, obj) for obj in objects]
        return [future.result() for future in futures]
    finally:
        # On an error, the objects not yet begun are dropped and those being written finish before the
        # temporary folder is removed.
        pool.shutdown(wait=True, cancel_futures=True)
        for cursor in cursors:
            session.close_cursor(cursor)


class _Progress:
    """Files written and rows in them so far, told to a listener from whichever thread writes a file."""

    def __init__(self, total: int, listener: Listener | None, session: ReaderSession, timeout: float | None) -> None:
        self.total, self.listener = total, listener
        self.session, self.timeout = session, timeout
        self.files = self.rows = 0
        self.lock = threading.Lock()

    def write(self, con: duckdb.DuckDBPyConnection, obj: ExportObject, settings: FileSettings) -> Path:
        self._tell(f", writing {obj.name}")
        try:
            path, rows = self.session.run_on(con, lambda: _write(con, obj, settings), self.timeout)
        except (QueryTimeoutError, QueryMemoryError) as error:  # the reader's limits: as for any query
            raise type(error)(f"cannot write {obj.filename(settings.fmt)}: {error}") from None
        except QueryError as error:  # the file's own view or table fails: the export cannot be written
            raise ExportError(f"cannot write {obj.filename(settings.fmt)}: {error}") from None
        with self.lock:
            self.files += 1
            self.rows += rows or 0
        self._tell("")
        return path

    def _tell(self, doing: str) -> None:
        if self.listener is not None:
            with self.lock:
                finished = self.files == self.total
                self.listener(f"{self.files} of {self.total} files{doing}", self.rows, finished)


def _csv_columns(columns: list[str], types: list[str]) -> str:
    """The select list of a CSV file: decimals without trailing zeros (a whole medal count is 96, not 96.0)."""
    parts = []
    for name, kind in zip(columns, types, strict=True):
        column = quote_identifier(name)
        if re.fullmatch(r"DECIMAL\(\d+,\s*[1-9]\d*\)", str(kind)):
            parts.append(f"rtrim(rtrim(CAST({column} AS VARCHAR), '0'), '.') AS {column}")
        else:
            parts.append(column)
    return ", ".join(parts)


def _datapackage(
    con: duckdb.DuckDBPyConnection,
    objects: list[ExportObject],
    files: list[Path],
    fmt: str,
    info: dict[str, Any],
    sources: list[dict[str, Any]],
    sources_sha256: str,
    views: dict[str, View],
    dataset: Any,
    table_keys: Keys,
    catalog: Columns,
) -> dict[str, Any]:
    included = {obj.name for obj in objects}
    shared = _public_column_descriptions(con)
    hashes = {name: file_sha256(path) for name, path in _file_tree(files)}  # each file read once
    resources = []
    for obj, path in zip(objects, files, strict=True):
        resource: dict[str, Any] = {
            "name": obj.name,
            "path": path.name,
            "format": fmt,
            "mediatype": "application/vnd.apache.parquet" if fmt == "parquet" else "text/csv",
            "encoding": "utf-8",
            "bytes": path.stat().st_size,
            "hash": "sha256:" + hashes[path.name] if path.is_file() else None,
            "description": obj.description,
            "schema": _table_schema(obj, included, shared, views, table_keys, catalog),
        }
        if fmt == "parquet":
            # frictionless reads Parquet through pandas and cannot count its bytes; the sha256 stays.
            del resource["encoding"], resource["bytes"]
            if path.is_dir():
                from hebeidb.reader.export.partitioned import describe_partitioned

                del resource["hash"]
                resource.update(describe_partitioned(path, path.parent))
            _declare_pandas_missing_values(resource["schema"])
        else:
            resource["dialect"] = {"delimiter": ",", "header": True}
        resources.append(resource)
    return {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": dataset.name,
        "title": dataset.title,
        "description": dataset.description,
        "version": str(info["package_version"]),
        "created": _iso(info["built_at"]),
        **licensing(dataset),
        "hebeidb": {
            "version": str(info["package_version"]),
            "build_sha256": str(info["inputs_sha256"]),
            "duckdb_version": str(info["duckdb_version"]),
            "storage_version": str(info["storage_version"]),
            "checks_passed": int(info["n_checks"]),
            "sources_sha256": sources_sha256,
            **({"numbers": PARQUET_NUMBERS} if fmt == "parquet" else {}),
            # Every file the export wrote, with its sha256: a later export replaces this folder only
            # while it holds exactly these files, unchanged.
            "files": hashes,
        },
        "sources": package_sources(sources, {path.name for path in files}, fmt),
        "resources": resources,
    }


def licensing(dataset: Any) -> dict[str, Any]:
    """The package's ``licenses`` (the data set's licence: of the compiled data and the code) and ``rights`` (what
    it does not cover: the sources' own texts), as the file's dataset record states them; empty if it does not."""
    out: dict[str, Any] = {}
    if dataset.license:
        licence = {"name": dataset.license, "path": dataset.license_url, "title": f"{dataset.license} licence"}
        out["licenses"] = [{key: value for key, value in licence.items() if value}]
    if dataset.rights:
        out["rights"] = dataset.rights
    return out


def document_sources(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str | None]]:
    """The citation and URL of every document source (the texts whose numbers are the facts), in id order."""
    return con.execute(
        f"SELECT {CITATION_SQL}, url FROM {EXPORT_ALIAS}.core.sources WHERE kind = 'document' ORDER BY source_id"
    ).fetchall()


def package_sources(sources: list[dict[str, Any]], written: set[str], fmt: str) -> list[dict[str, Any]]:
    """The ``sources`` of ``datapackage.json``: each source with its citation while they are few (the
    shipped data has a dozen); beyond ``LISTED_SOURCES`` one entry naming the resource that lists them,
    so that the package does not outweigh its data (10^4 synthetic facts cite some 5,000 documents)."""
    if len(sources) <= LISTED_SOURCES:
        return [
            {key: value for key, value in (("title", s["citation"]), ("path", s["url"])) if value}
            | {"source_id": s["source_id"], **({"sha256": s["sha256"]} if s["sha256"] else {})}
            for s in sources
        ]
    pointer: dict[str, Any] = {
        "title": f"{len(sources):,} sources, one row each of the resource {SOURCES_RESOURCE} "
        "(citation, URL and sha256 of its stored text); their digest is hebeidb.sources_sha256",
        "resource": SOURCES_RESOURCE,
    }
    if f"{SOURCES_RESOURCE}.{fmt}" in written:
        pointer["path"] = f"{SOURCES_RESOURCE}.{fmt}"
    return [pointer]


def _file_tree(written: list[Path]) -> list[tuple[str, Path]]:
    """Every file written, a partitioned folder's files included, by its path relative to the export."""
    from hebeidb.reader.export.partitioned import partition_files

    files = []
    for path in written:
        if path.is_dir():
            files += [(part.relative_to(path.parent).as_posix(), part) for part in partition_files(path)]
        else:
            files.append((path.name, path))
    return files


def _declare_pandas_missing_values(schema: dict[str, Any]) -> None:
    """frictionless reads Parquet through pandas, which turns an empty integer cell into ``nan``.

    A Parquet integer column cannot hold the text ``nan``, so in a nullable integer field it can only be
    an empty cell: declaring it missing hides no value, and a ``nan`` in a required field is still an error.
    Nor can a DECIMAL written as DOUBLE hold a NaN: there ``nan`` is an empty cell too, in every such field,
    so that one in a required field is the error it is (not a number NaN).
    """
    for field in schema["fields"]:
        if "decimalPlaces" in field or (
            field["type"] == "integer" and not field.get("constraints", {}).get("required")
        ):
            field["missingValues"] = ["", "nan"]


def _table_schema(
    obj: ExportObject,
    included: set[str],
    shared: dict[str, str],
    views: dict[str, View],
    table_keys: Keys,
    catalog: Columns,
) -> dict[str, Any]:
    columns = catalog.get((obj.schema, obj.table), [])
    fields = []
    for name, data_type, nullable, comment in columns:
        field: dict[str, Any] = {"name": name, "type": frictionless_type(data_type)}
        description = comment or (shared.get(name) if obj.name.startswith("report_") else None)
        if description:
            field["description"] = description
        decimal = _decimal(data_type)
        if decimal is not None:
            # Parquet files hold it as DOUBLE: the type of the database and the decimals every value has.
            field["duckdbType"] = data_type
            field["decimalPlaces"] = decimal[1]
        if not nullable:
            field["constraints"] = {"required": True}
        fields.append(field)
    schema: dict[str, Any] = {"fields": fields}
    if obj.kind == "table":
        keys, references = table_keys.get((obj.schema, obj.table), ((), []))
    elif obj.name in views:
        keys = views[obj.name].key
        references = [(r.columns, r.view, r.view_columns) for r in views[obj.name].references]
    else:
        keys, references = (), []
    if keys:
        schema["primaryKey"] = list(keys)
    foreign = [
        {"fields": list(local), "reference": {"resource": resource, "fields": list(remote)}}
        for local, resource, remote in references
        if resource in included
    ]
    if foreign:
        schema["foreignKeys"] = foreign
    return schema


Keys = dict[tuple[str, str], tuple[tuple[str, ...], list[tuple[tuple[str, ...], str, tuple[str, ...]]]]]
# (schema, object) -> its columns in order: name, DuckDB type, nullable, comment
Columns = dict[tuple[str, str], list[tuple[str, str, bool, str | None]]]


def _columns(con: duckdb.DuckDBPyConnection) -> Columns:
    """Every view's and table's columns, in one read of DuckDB's catalog."""
    columns: Columns = {}
    for schema, table, *column in con.execute(
        """SELECT schema_name, table_name, column_name, data_type, is_nullable, comment FROM duckdb_columns()
           WHERE database_name = $db ORDER BY schema_name, table_name, column_index""",
        {"db": EXPORT_ALIAS},
    ).fetchall():
        columns.setdefault((schema, table), []).append(tuple(column))  # type: ignore[arg-type]
    return columns


def _names_and_types(
    con: duckdb.DuckDBPyConnection, obj: ExportObject, catalog: Columns
) -> tuple[list[str], list[str]]:
    """The columns of ``obj`` and their types, from the catalog; an object the catalog lacks is asked for
    directly, so that DuckDB's own error names what is wrong with it."""
    if (obj.schema, obj.table) in catalog:
        listed = catalog[obj.schema, obj.table]
        return [name for name, *_ in listed], [kind for _, kind, *_ in listed]
    described = con.sql(f"SELECT * FROM {obj.sql_name} LIMIT 0")
    return described.columns, [str(kind) for kind in described.types]


def _table_keys(con: duckdb.DuckDBPyConnection) -> Keys:
    """(schema, table) -> primary key and foreign keys (columns, referenced object, its columns) of every
    base table, in one read of DuckDB's constraints."""
    rows = con.execute(
        """SELECT schema_name, table_name, constraint_type, constraint_column_names, referenced_table,
                  referenced_column_names
           FROM duckdb_constraints()
           WHERE database_name = $db AND constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')
           ORDER BY schema_name, table_name, constraint_index""",
        {"db": EXPORT_ALIAS},
    ).fetchall()
    keys: Keys = {}
    for schema, table, kind, columns, referenced, referenced_columns in rows:
        references = keys.setdefault((schema, table), ((), []))[1]
        if kind == "PRIMARY KEY":
            keys[schema, table] = (tuple(columns), references)
        else:
            references.append((tuple(columns), f"{schema}.{referenced}", tuple(referenced_columns)))
    return keys


def _public_column_descriptions(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Column name -> description from the public views, for report columns of the same name."""
    rows = con.execute(
        """SELECT column_name, first(comment ORDER BY table_name) FROM duckdb_columns()
           WHERE database_name = $db AND schema_name = 'main' AND comment IS NOT NULL
             AND NOT starts_with(table_name, 'report_')
           GROUP BY column_name""",
        {"db": EXPORT_ALIAS},
    ).fetchall()
    return dict(rows)


def frictionless_type(data_type: str) -> str:
    """The Frictionless Table Schema type for a DuckDB type."""
    if data_type in FRICTIONLESS_TYPES:
        return FRICTIONLESS_TYPES[data_type]
    if data_type.startswith("DECIMAL"):
        return "number"
    if data_type in (
        "TINYINT",
        "SMALLINT",
        "INTEGER",
        "BIGINT",
        "HUGEINT",
        "UTINYINT",
        "USMALLINT",
        "UINTEGER",
        "UBIGINT",
    ):
        return "integer"
    if data_type.endswith("[]"):
        return "array"
    if data_type.startswith(("STRUCT", "MAP")):
        return "object"
    return "any"


def _iso(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
