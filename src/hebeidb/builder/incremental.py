"""Builds that reuse the previous file: what it says of itself, what changed since, and the queries-only path.

The build reads the file it is about to replace once (:func:`previous_build`): the input files it recorded
(whose sha256 a file unchanged since keeps) and the hash of each part of its inputs. When only ``queries/``
changed since, and the same hebeidb, DuckDB and storage version built it from inputs of the same origin, the
previous file is copied beside the target and only its reports are replaced (:func:`rebuild_reports`).
"""

from __future__ import annotations

import concurrent.futures
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from hebeidb.builder import steps
from hebeidb.builder.checks import CATALOG_CHECKS, run_checks
from hebeidb.builder.contract import create_report_views, write_reports
from hebeidb.builder.inputs import FileHash, InputHashes, Inputs
from hebeidb.builder.loading import SCHEMA
from hebeidb.builder.report import QUERIES_ONLY, BuildReport
from hebeidb.common.connect import Attach, connect
from hebeidb.common.contract import REQUIRED_TABLES
from hebeidb.common.errors import BuildError, DatabaseError
from hebeidb.common.progress import Timings, timed
from hebeidb.common.sqltext import error_first_line, quote_identifier
from hebeidb.common.version import __version__

# Parts of the inputs whose change requires a full build (all but queries/), as build_info names them.
DATA_PARTS = ("schema", "seeds", "checks")


@dataclass
class PreviousBuild:
    """What the file a build replaces says of itself, read once: why its data cannot be reused (None
    when it can), the part hashes of its inputs, and its input files as it recorded them."""

    reason: str | None
    parts: dict[str, str] = field(default_factory=dict)
    files: dict[str, FileHash] = field(default_factory=dict)


def previous_build(target: Path, inputs: Inputs, storage_version: str) -> PreviousBuild:
    """Read ``target`` once: its data is reusable when this hebeidb, DuckDB and storage version built it
    from inputs of the same origin. Its recorded input files serve either way (a file that cannot be
    read, or that recorded none, gives none: every input file is read then)."""
    if not target.is_file():
        return PreviousBuild("no previous file")
    if target.with_name(target.name + ".wal").exists():
        return PreviousBuild("the previous file has a write-ahead log")
    try:
        con = connect("probe", attach=Attach(target))
    except DatabaseError as error:
        return PreviousBuild(f"cannot read the previous file: {error}")
    try:
        present = {
            name
            for (name,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
                "AND schema_name = $schema",
                {"schema": SCHEMA},
            ).fetchall()
        }
        files = {}
        if "input_files" in present:
            files = {
                row[0]: FileHash(*row)
                for row in con.execute(
                    f"""SELECT path, bytes, modified_ns, changed_ns, inode, sha256, hashed_ns
                        FROM {SCHEMA}.input_files"""
                ).fetchall()
            }
        if any(name not in present for name in REQUIRED_TABLES):
            return PreviousBuild("the previous file is not a hebeidb database of this version", files=files)
        rows = con.execute(
            f"""SELECT package_version, duckdb_version, storage_version, inputs_origin,
                       {", ".join(f"{part}_sha256" for part in DATA_PARTS)}
                FROM {SCHEMA}.build_info"""
        ).fetchall()
    except duckdb.Error as error:
        return PreviousBuild(f"cannot read the previous file: {error_first_line(error)}")
    finally:
        con.close()
    if len(rows) != 1:
        return PreviousBuild("the previous file records no single build", files=files)
    (package, engine, storage, origin, *parts), reason = rows[0], None
    if package != __version__:
        reason = f"the previous file was built by hebeidb {package}"
    elif engine != duckdb.__version__:
        reason = f"the previous file was written by DuckDB {engine}"
    elif storage != storage_version:
        reason = f"the previous file has storage version {storage}"
    elif origin != inputs.origin:
        reason = f"the previous file was built from {origin} inputs"
    return PreviousBuild(reason, dict(zip(DATA_PARTS, parts, strict=True)), files)


def changed_parts(recorded: dict[str, str], current: InputHashes) -> str | None:
    """Which data parts of the inputs differ from those the previous file records, or None when none does."""
    changed = [f"{part}/" for part in DATA_PARTS if current[part] != recorded[part]]
    if changed:
        return f"{' and '.join(changed)} changed"
    return None


def copy_beside(source: Path, destination: Path) -> concurrent.futures.Future[None]:
    copying = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    future = copying.submit(copy_file, source, destination)
    copying.shutdown(wait=False)
    return future


def rebuild_reports(
    temporary: Path,
    inputs: Inputs,
    hashes: concurrent.futures.Future[InputHashes],
    timings: Timings,
    copying: concurrent.futures.Future[None],
) -> BuildReport:
    """The copy of the previous file with the report views and report rows replaced, checked and stamped."""
    with timed(timings, "copy"):  # what is left of the copy once the hashes are known
        copying.result()
    timings.count("copy", temporary.stat().st_size)
    con = steps.open_build(temporary, inputs, None)
    try:
        declared = steps.declarations(inputs, timings)
        (previous_queries,) = con.execute(f"SELECT queries_sha256 FROM {SCHEMA}.build_info").fetchall()[0]
        with timed(timings, "reports"):
            for (view,) in con.execute(f"SELECT view_name FROM {SCHEMA}.reports").fetchall():
                con.execute(f"DROP VIEW IF EXISTS main.{quote_identifier(view)}")
            con.execute(f"DELETE FROM {SCHEMA}.report_parameters")
            con.execute(f"DELETE FROM {SCHEMA}.reports")
            create_report_views(con, declared.reports)
            write_reports(con, declared.reports, SCHEMA)
        timings.count("reports", len(declared.reports))
        with timed(timings, "checks"):
            results = run_checks(con, inputs, [], declared.checks, only=CATALOG_CHECKS)
        steps.raise_problems(results)
        report = steps.finish(con, inputs, declared, results, hashes, timings, {}, data=False)
        report.build_path = QUERIES_ONLY
        report.reason = "queries changed" if previous_queries != hashes.result()["queries"] else ""
        with timed(timings, "write"):
            steps.checkpoint(con)
        return report
    finally:
        con.close()


def copy_file(source: Path, destination: Path) -> None:
    """Copy a file in the kernel (sharing blocks where the file system can) rather than through Python."""
    with source.open("rb") as reader, destination.open("xb") as writer:
        size = os.fstat(reader.fileno()).st_size
        copied = 0
        try:
            while copied < size:
                done = os.copy_file_range(reader.fileno(), writer.fileno(), size - copied)
                if done == 0:
                    break
                copied += done
        except OSError:  # no copy_file_range across these file systems: copy the rest the plain way
            reader.seek(copied)
            writer.seek(copied)
            shutil.copyfileobj(reader, writer, 16 * 1024 * 1024)
            copied = size
        if copied < size:
            raise BuildError(f"cannot copy {source}: it shrank while being copied")
