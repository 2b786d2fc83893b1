"""Builds that reuse the previous file: what it says of itself, and the change-aware path.

The build reads the file it is about to replace once (:func:`previous_build`): the input files it recorded
(whose sha256 a file unchanged since keeps), the checks its data passed and what built it. When the same hebeidb,
DuckDB and storage version built it from inputs of the same origin and its schema is that of the inputs, the
previous file is copied beside the target and only what the changed inputs touch is made again there
(:func:`build_changes`, following :mod:`hebeidb.builder.plan`): the changed rows of the seeds, the source texts,
the derived tables, the checks, the reports. Nothing else is written; the result holds the same rows as a full
build of the same inputs.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from hebeidb.builder import plan as planning
from hebeidb.builder import steps
from hebeidb.builder.changes import drop_changes
from hebeidb.builder.checks import run_checks
from hebeidb.builder.contract import create_report_views, write_reports
from hebeidb.builder.inputs import FileHash, InputHashes, Inputs
from hebeidb.builder.loading import (
    PATTERN_VIEW,
    SCHEMA,
    SET_PATTERN,
    drop_stages,
    fill_derived_table,
    seed_tables,
)
from hebeidb.builder.report import BuildReport
from hebeidb.builder.texts import load_source_texts, on_their_lines
from hebeidb.common.atomic import fault_point
from hebeidb.common.connect import Attach, connect
from hebeidb.common.contract import REQUIRED_TABLES
from hebeidb.common.errors import BuildError, DatabaseError
from hebeidb.common.progress import Timings, timed
from hebeidb.common.sqltext import error_first_line, quote_identifier
from hebeidb.common.version import __version__


@dataclass
class PreviousBuild:
    """What the file a build replaces says of itself, read once: why its data cannot be reused (None
    when it can), its input files as it recorded them, and the checks its data passed (name to the sha256
    of the SQL that ran)."""

    reason: str | None
    files: dict[str, FileHash] = field(default_factory=dict)
    checks: dict[str, str | None] = field(default_factory=dict)


def previous_build(target: Path, inputs: Inputs, storage_version: str) -> PreviousBuild:
    """Read ``target`` once: its data is reusable when this hebeidb, DuckDB and storage version built it
    from inputs of the same origin and every check it records passed. Its recorded input files serve either
    way (a file that cannot be read, or that recorded none, gives none: every input file is read then)."""
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
            return PreviousBuild("the previous file is not a hebeidb database of this version", files)
        rows = con.execute(
            f"SELECT package_version, duckdb_version, storage_version, inputs_origin FROM {SCHEMA}.build_info"
        ).fetchall()
        checks = []
        if "check_results" in present:
            checks = con.execute(
                f"SELECT check_name, sql_sha256, passed FROM {SCHEMA}.check_results ORDER BY position"
            ).fetchall()
    except duckdb.Error as error:
        return PreviousBuild(f"cannot read the previous file: {error_first_line(error)}")
    finally:
        con.close()
    if len(rows) != 1:
        return PreviousBuild("the previous file records no single build", files)
    (package, engine, storage, origin), reason = rows[0], None
    failed = [name for name, _, passed in checks if not passed]
    if package != __version__:
        reason = f"the previous file was built by hebeidb {package}"
    elif engine != duckdb.__version__:
        reason = f"the previous file was written by DuckDB {engine}"
    elif storage != storage_version:
        reason = f"the previous file has storage version {storage}"
    elif origin != inputs.origin:
        reason = f"the previous file was built from {origin} inputs"
    elif "check_results" not in present:
        reason = "the previous file records no check results"
    elif failed:
        reason = f"the previous file records a failed check ({failed[0]})"
    return PreviousBuild(reason, files, {name: digest for name, digest, _ in checks})


def copy_beside(source: Path, destination: Path) -> concurrent.futures.Future[None]:
    copying = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    future = copying.submit(copy_file, source, destination)
    copying.shutdown(wait=False)
    return future


def build_changes(
    temporary: Path,
    inputs: Inputs,
    plan: planning.Plan,
    previous: PreviousBuild,
    hashes: concurrent.futures.Future[InputHashes],
    timings: Timings,
    copying: concurrent.futures.Future[None],
) -> BuildReport | planning.Plan:
    """Make again, in the copy of the previous file, what ``plan`` (change-aware or queries-only) says the changed
    inputs touch; check, stamp and write the copy. Returns the report, or the full plan to follow instead when a
    change cannot be applied to the copy (which is then left to be removed)."""
    with timed(timings, "copy"):  # what is left of the copy once the hashes are known
        copying.result()
    timings.count("copy", temporary.stat().st_size)
    fault_point("changes:copied")
    con = steps.open_build(temporary, inputs, None)
    try:
        declared = steps.declarations(inputs, timings)
        plan = planning.plan_changes(
            con, inputs, plan, declared.checks, previous.checks, declared.contract.views, timings, apply=True
        )
        if plan.kind == planning.FULL:
            steps.detach(con)
            return plan
        seeds = seed_tables(con)
        try:
            with timed(timings, "insert"):
                if plan.texts is not None:
                    con.execute(f"DELETE FROM {SCHEMA}.{planning.TEXTS_TABLE}")  # before the sources it refers to
                planning.apply_deletes(con, plan, seeds)
        except duckdb.Error as error:
            steps.detach(con)
            return planning.fall_back(plan, f"rows removed are still referred to: {error_first_line(error)}")
        fault_point("changes:applied")
        _refill(con, inputs, plan, timings)
        with timed(timings, "checks"):
            results = run_checks(con, inputs, seeds, declared.checks, only=tuple(plan.checks))
        steps.raise_problems(results)
        fault_point("changes:checked")
        with timed(timings, "reports"):
            for (view,) in con.execute(f"SELECT view_name FROM {SCHEMA}.reports").fetchall():
                con.execute(f"DROP VIEW IF EXISTS main.{quote_identifier(view)}")
            con.execute(f"DELETE FROM {SCHEMA}.report_parameters")
            con.execute(f"DELETE FROM {SCHEMA}.reports")
            create_report_views(con, declared.reports)
            write_reports(con, declared.reports, SCHEMA)
        timings.count("reports", len(declared.reports))
        report = steps.finish(
            con,
            inputs,
            declared,
            results,
            hashes,
            timings,
            {},
            kind=plan.kind,
            contract_views=plan.contract,
            kept=plan.kept_checks,
            count_cross_checks=plan.recount,
        )
        report.reason = plan.reason
        report.plan = plan.as_dict()
        drop_stages(con, seeds)
        drop_changes(con, seeds)
        with timed(timings, "write"):
            steps.checkpoint(con)
        return report
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            steps.detach(con)  # without writing the file out: it is deleted
        raise
    finally:
        con.close()


def _refill(con: duckdb.DuckDBPyConnection, inputs: Inputs, plan: planning.Plan, timings: Timings) -> None:
    """Read the source texts again and refill the derived tables, as the plan says (each from all its rows)."""
    if plan.texts is not None:
        with timed(timings, "texts"):
            loaded = load_source_texts(con, inputs)
        if isinstance(loaded, list):
            raise BuildError(on_their_lines(con, inputs, loaded))
        timings.count("texts", loaded)
    if not plan.derived:
        return
    with timed(timings, "derive"):
        pattern = con.execute(
            "SELECT count(*) FROM duckdb_views() WHERE database_name = current_database() "
            "AND schema_name = $schema AND view_name = $name",
            {"schema": SCHEMA, "name": PATTERN_VIEW},
        ).fetchall()[0][0]
        if pattern:
            con.execute(SET_PATTERN)
        for name in plan.derived:
            con.execute(f"DELETE FROM {SCHEMA}.{quote_identifier(name)}")
            timings.count("derive", fill_derived_table(con, name))


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
