"""Export the database as Parquet or CSV files with a Frictionless ``datapackage.json``.

Files are written into a temporary folder beside the target and moved into place only when all of
them are complete, so an interrupted export never leaves a half-written file where a finished one is
expected. Parquet files carry their own metadata (package version, build hash, sources with their
sha256 and citation) and keep DuckDB's column types (DECIMAL stays DECIMAL, DATE stays DATE).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from .errors import HebeidbError, ParameterError
from .reports import sql_literal

FORMATS = ("parquet", "csv")
MANIFEST = "datapackage.json"
EXPORT_ALIAS = "hebeidb_export"
TEMP_MARK = ".exporting"
# Objects that describe the file rather than hold data: their content goes into the metadata.
NOT_EXPORTED = ("build_info", "core.build_info")
# Keys of the public views (base tables declare theirs in the DDL); checked unique by the tests.
VIEW_KEYS: dict[str, tuple[str, ...]] = {
    "sources": ("source_id",),
    "facts": ("fact_id",),
    "medal_tallies": ("competition_id", "delegation"),
    "competitions": ("competition_id",),
    "programmes": ("programme_id",),
    "regions": ("region",),
    "domains": ("domain",),
    "indicators": ("indicator",),
    "cross_checks": ("check_id",),
    "numbers": ("source_id", "token_start"),
}
VIEW_REFERENCES: dict[str, tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...]] = {
    "facts": (
        (("source_id",), "sources", ("source_id",)),
        (("region",), "regions", ("region",)),
        (("domain",), "domains", ("domain",)),
        (("indicator",), "indicators", ("indicator",)),
        (("competition_id",), "competitions", ("competition_id",)),
        (("programme_id",), "programmes", ("programme_id",)),
    ),
    "medal_tallies": (
        (("competition_id",), "competitions", ("competition_id",)),
        (("delegation",), "regions", ("region",)),
        (("source_id",), "sources", ("source_id",)),
    ),
    "competitions": ((("source_id",), "sources", ("source_id",)),),
    "programmes": ((("source_id",), "sources", ("source_id",)), (("domain",), "domains", ("domain",))),
    "indicators": ((("domain",), "domains", ("domain",)),),
    "cross_checks": ((("fact_id",), "facts", ("fact_id",)),),
    "numbers": ((("source_id",), "sources", ("source_id",)),),
}
FRICTIONLESS_TYPES = {
    "VARCHAR": "string",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP WITH TIME ZONE": "datetime",
    "TIMESTAMP": "datetime",
    "DOUBLE": "number",
    "FLOAT": "number",
}


class ExportError(HebeidbError):
    """The export could not be written; nothing was replaced."""


class ExportTargetError(ParameterError):
    """The export folder or the names asked for are not acceptable."""


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
        return f'{EXPORT_ALIAS}."{self.schema}"."{self.table}"'

    def filename(self, fmt: str) -> str:
        return f"{self.name}.{fmt}"


def exportable(con: duckdb.DuckDBPyConnection) -> list[ExportObject]:
    """Public views, report views and base tables, in that order (``build_info`` goes to the metadata)."""
    rows = con.execute(
        f"""
        SELECT CASE WHEN schema_name = 'main' THEN view_name ELSE schema_name || '.' || view_name END,
               'view', coalesce(comment, '')
        FROM duckdb_views() WHERE database_name = '{EXPORT_ALIAS}' AND schema_name = 'main' AND NOT internal
        UNION ALL
        SELECT schema_name || '.' || table_name, 'table', coalesce(comment, '')
        FROM duckdb_tables() WHERE database_name = '{EXPORT_ALIAS}' AND schema_name = 'core'
        """
    ).fetchall()
    objects = [ExportObject(name, kind, description) for name, kind, description in rows if name not in NOT_EXPORTED]

    def order(obj: ExportObject) -> tuple[int, str]:
        return (2 if obj.kind == "table" else 1 if obj.name.startswith("report_") else 0, obj.name)

    return sorted(objects, key=order)


def export_database(
    database: str | os.PathLike[str],
    directory: str | os.PathLike[str],
    fmt: str = "parquet",
    only: Sequence[str] | None = None,
) -> list[Path]:
    """Export the built database at ``database`` into ``directory``; returns the files written.

    ``directory`` must be new, empty, or an earlier hebeidb export (which is replaced only once the
    new export is complete). ``only`` limits the export to some views or tables by name.
    """
    if fmt not in FORMATS:
        raise ExportTargetError(f"unknown export format {fmt!r}; formats: {', '.join(FORMATS)}")
    target = Path(directory).absolute()
    _check_target(target)
    con = duckdb.connect()
    try:
        try:
            con.execute(f"ATTACH $path AS {EXPORT_ALIAS} (READ_ONLY)", {"path": str(Path(database))})
        except duckdb.Error as error:
            raise ExportError(f"cannot open {database}: {str(error).strip().splitlines()[0]}") from None
        objects = _select(exportable(con), only)
        info = _build_info(con)
        sources = _sources(con)
        _remove_stale_temporaries(target)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}{TEMP_MARK}")
        try:
            temporary.mkdir()
        except OSError as error:
            raise ExportError(f"cannot write to {target.parent}: {error.strerror}") from None
        try:
            written = [_write(con, obj, temporary, fmt, info, sources) for obj in objects]
            manifest = _datapackage(con, objects, written, fmt, info, sources)
            (temporary / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", "utf-8")
            _fsync_tree(temporary)
            _move_into_place(temporary, target)
        finally:
            shutil.rmtree(temporary, ignore_errors=True)
    finally:
        con.close()
    return [target / path.name for path in written] + [target / MANIFEST]


def _check_target(target: Path) -> None:
    if target.exists() and not target.is_dir():
        raise ExportTargetError(f"{target} exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not _is_export(target):
        raise ExportTargetError(
            f"{target} is not empty and holds no earlier hebeidb export (no {MANIFEST} written by hebeidb); "
            "choose a new or empty folder"
        )
    if not target.parent.is_dir():
        raise ExportTargetError(f"folder {target.parent} does not exist")


def _is_export(folder: Path) -> bool:
    try:
        manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and "hebeidb" in manifest


def _select(objects: list[ExportObject], only: Sequence[str] | None) -> list[ExportObject]:
    if not only:
        return objects
    by_name = {obj.name: obj for obj in objects}
    unknown = [name for name in only if name not in by_name]
    if unknown:
        raise ExportTargetError(f"nothing to export named {', '.join(unknown)}; names: {', '.join(by_name)}")
    wanted = set(only)
    return [obj for obj in objects if obj.name in wanted]


def _build_info(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    try:
        relation = con.sql(f"SELECT * FROM {EXPORT_ALIAS}.core.build_info")
        rows = relation.fetchall()
    except duckdb.Error as error:
        raise ExportError(f"not a hebeidb database: {str(error).strip().splitlines()[0]}") from None
    if not rows:
        raise ExportError("the database has no build_info row; rebuild it with `hebeidb build`")
    return dict(zip(relation.columns, rows[0], strict=True))


def _sources(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    relation = con.sql(
        f"""SELECT source_id, kind, title, publisher, published_on, published_precision, url, sha256
            FROM {EXPORT_ALIAS}.core.sources ORDER BY source_id"""
    )
    sources = []
    for row in relation.fetchall():
        record = dict(zip(relation.columns, row, strict=True))
        record["citation"] = citation(record)
        sources.append(record)
    return sources


def citation(source: dict[str, Any]) -> str:
    """A one-line citation: publisher, title, date, URL, as far as they are known."""
    date = source.get("published_on")
    if date is not None:
        precision = source.get("published_precision")
        date = str(date)[: {"year": 4, "month": 7}.get(precision or "day", 10)]
    parts = [source.get("publisher"), source.get("title"), date, source.get("url")]
    return ". ".join(str(part) for part in parts if part) + "."


def _metadata(info: dict[str, Any], sources: list[dict[str, Any]], obj: ExportObject) -> dict[str, str]:
    return {
        "hebeidb_version": str(info["package_version"]),
        "hebeidb_build_sha256": str(info["inputs_sha256"]),
        "hebeidb_object": obj.name,
        "hebeidb_description": obj.description,
        "hebeidb_sources": json.dumps(
            [{"source_id": s["source_id"], "sha256": s["sha256"], "citation": s["citation"]} for s in sources],
            ensure_ascii=False,
        ),
    }


def _order_by(con: duckdb.DuckDBPyConnection, obj: ExportObject) -> str:
    # Views carry their own ORDER BY; base tables are written in primary key order.
    if obj.kind == "view":
        return ""
    keys = con.execute(
        """SELECT constraint_column_names FROM duckdb_constraints()
           WHERE database_name = $db AND schema_name = $schema AND table_name = $table
             AND constraint_type = 'PRIMARY KEY'""",
        {"db": EXPORT_ALIAS, "schema": obj.schema, "table": obj.table},
    ).fetchall()
    columns = keys[0][0] if keys else []
    return " ORDER BY " + (", ".join(f'"{c}"' for c in columns) if columns else "ALL")


def _write(
    con: duckdb.DuckDBPyConnection,
    obj: ExportObject,
    folder: Path,
    fmt: str,
    info: dict[str, Any],
    sources: list[dict[str, Any]],
) -> Path:
    path = folder / obj.filename(fmt)
    query = f"SELECT * FROM {obj.sql_name}{_order_by(con, obj)}"
    if fmt == "parquet":
        metadata = ", ".join(f"{key}: {sql_literal(value)}" for key, value in _metadata(info, sources, obj).items())
        options = f"FORMAT parquet, COMPRESSION zstd, KV_METADATA {{{metadata}}}"
    else:
        options = "FORMAT csv, HEADER true, DELIMITER ','"
    try:
        con.execute(f"COPY ({query}) TO {sql_literal(str(path))} ({options})")
    except duckdb.Error as error:
        raise ExportError(f"cannot write {obj.filename(fmt)}: {str(error).strip().splitlines()[0]}") from None
    return path


def _datapackage(
    con: duckdb.DuckDBPyConnection,
    objects: list[ExportObject],
    files: list[Path],
    fmt: str,
    info: dict[str, Any],
    sources: list[dict[str, Any]],
) -> dict[str, Any]:
    included = {obj.name for obj in objects}
    shared = _public_column_descriptions(con)
    resources = []
    for obj, path in zip(objects, files, strict=True):
        resource: dict[str, Any] = {
            "name": obj.name,
            "path": path.name,
            "format": fmt,
            "mediatype": "application/vnd.apache.parquet" if fmt == "parquet" else "text/csv",
            "encoding": "utf-8",
            "bytes": path.stat().st_size,
            "hash": "sha256:" + _sha256(path),
            "description": obj.description,
            "schema": _table_schema(con, obj, included, shared),
        }
        if fmt == "parquet":
            del resource["encoding"]
        else:
            resource["dialect"] = {"delimiter": ",", "header": True}
        resources.append(resource)
    return {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": "hebeidb",
        "title": "Hebei Province's support for people with disabilities",
        "description": (
            "Every numeric claim of the article 'Hebei Enhances Targeted Support for People with Disabilities "
            "to Improve Livelihoods' (Deep News, 2026-02-10) with its verbatim quote and offsets, qualifiers as "
            "intervals, medal tallies and cited reference facts, checked on every build."
        ),
        "version": str(info["package_version"]),
        "created": _iso(info["built_at"]),
        "hebeidb": {
            "version": str(info["package_version"]),
            "build_sha256": str(info["inputs_sha256"]),
            "duckdb_version": str(info["duckdb_version"]),
            "storage_version": str(info["storage_version"]),
            "checks_passed": int(info["n_checks"]),
        },
        "sources": [
            {key: value for key, value in (("title", s["citation"]), ("path", s["url"])) if value}
            | {"source_id": s["source_id"], **({"sha256": s["sha256"]} if s["sha256"] else {})}
            for s in sources
        ],
        "resources": resources,
    }


def _table_schema(
    con: duckdb.DuckDBPyConnection, obj: ExportObject, included: set[str], shared: dict[str, str]
) -> dict[str, Any]:
    columns = con.execute(
        """SELECT column_name, data_type, is_nullable, comment FROM duckdb_columns()
           WHERE database_name = $db AND schema_name = $schema AND table_name = $table ORDER BY column_index""",
        {"db": EXPORT_ALIAS, "schema": obj.schema, "table": obj.table},
    ).fetchall()
    fields = []
    for name, data_type, nullable, comment in columns:
        field: dict[str, Any] = {"name": name, "type": frictionless_type(data_type)}
        description = comment or (shared.get(name) if obj.name.startswith("report_") else None)
        if description:
            field["description"] = description
        if data_type.startswith("DECIMAL"):
            field["duckdbType"] = data_type
        if not nullable:
            field["constraints"] = {"required": True}
        fields.append(field)
    schema: dict[str, Any] = {"fields": fields}
    if obj.kind == "table":
        keys, references = _table_keys(con, obj)
    else:
        keys = VIEW_KEYS.get(obj.name, ())
        references = VIEW_REFERENCES.get(obj.name, ())
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


def _table_keys(
    con: duckdb.DuckDBPyConnection, obj: ExportObject
) -> tuple[tuple[str, ...], list[tuple[tuple[str, ...], str, tuple[str, ...]]]]:
    rows = con.execute(
        """SELECT constraint_type, constraint_column_names, referenced_table, referenced_column_names
           FROM duckdb_constraints()
           WHERE database_name = $db AND schema_name = $schema AND table_name = $table
             AND constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY') ORDER BY constraint_index""",
        {"db": EXPORT_ALIAS, "schema": obj.schema, "table": obj.table},
    ).fetchall()
    keys: tuple[str, ...] = ()
    references = []
    for kind, columns, referenced, referenced_columns in rows:
        if kind == "PRIMARY KEY":
            keys = tuple(columns)
        else:
            references.append((tuple(columns), f"{obj.schema}.{referenced}", tuple(referenced_columns)))
    return keys, references


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


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_tree(folder: Path) -> None:
    for path in folder.iterdir():
        with path.open("rb") as handle:
            os.fsync(handle.fileno())


def _move_into_place(temporary: Path, target: Path) -> None:
    if not target.exists():
        os.replace(temporary, target)
        return
    if not any(target.iterdir()):
        target.rmdir()
        os.replace(temporary, target)
        return
    # An earlier export: swap it out, move the new one in, then delete the old one. If the second
    # rename fails, put the old export back.
    old = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.replaced{TEMP_MARK}")
    os.replace(target, old)
    try:
        os.replace(temporary, target)
    except OSError:
        os.replace(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _remove_stale_temporaries(target: Path) -> None:
    for stale in target.parent.glob(f".{target.name}.*{TEMP_MARK}"):
        pid = stale.name[len(target.name) + 2 :].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
