"""Build the database file: schema, seeds (with the source texts and derived tables filled beside them),
checks, then an atomic rename.

The build writes into a temporary file beside the target and renames it over the target only
when every check has passed, so a failed, interrupted or killed build never replaces or damages
the last good database. A lock file beside the target lets one build at a time write it.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import time
from pathlib import Path

import duckdb

from hebeidb.builder import incremental, steps
from hebeidb.builder import plan as planning
from hebeidb.builder.beside import Beside
from hebeidb.builder.checks import run_checks
from hebeidb.builder.contract import create_report_views, write_contract
from hebeidb.builder.inputs import InputHashes, Inputs
from hebeidb.builder.loading import SCHEMA, drop_stages, load_seeds, seed_tables
from hebeidb.builder.report import CHANGE_AWARE, FULL, QUERIES_ONLY, BuildReport
from hebeidb.common.atomic import (
    exclusive_lock,
    fault_point,
    remove_leftovers,
    replace_file,
    resolve_target,
    temporary_name,
)
from hebeidb.common.connect import Attach, connect
from hebeidb.common.errors import (
    BuildError,
    DatabaseError,
    EngineError,
    ParameterError,
    TargetError,
    require_type,
)
from hebeidb.common.paths import default_path
from hebeidb.common.progress import Listener, Timings, timed
from hebeidb.common.sqltext import error_first_line

__all__ = [
    "CHANGE_AWARE",
    "FULL",
    "QUERIES_ONLY",
    "BuildReport",
    "build",
    "build_database",
    "check_inputs",
    "plan_build",
]

# The oldest storage format DuckDB 2.0 writes. A file in it opens, and every view reads, in each DuckDB
# from OLDEST_READER on (the duckdb-cli shell from PyPI, 1.4.4 and later, included), but not in 1.0:
# DuckDB 1.5 and later record a storage version in the index of each primary key, unique key and
# reference (a field 1.0 cannot read, "expected end of object, but found field id: 103"), whatever the
# format. The schema keeps to what 1.1 reads: no ordered aggregate over a window, for one, which DuckDB
# before 1.2 cannot read ("found field id: 216"). tests/test_storage_compatibility.py opens the built
# file with OLDEST_READER.
DEFAULT_STORAGE_VERSION = "v1.0.0"
OLDEST_READER = "1.1.0"
TEMP_PURPOSE = "building"
STORAGE_VERSIONS = ("v1.0.0", "v1.1.0", "v1.2.0", "v1.3.0", "v1.4.0", "v1.5.0")


def build(
    path: str | os.PathLike[str] | None = None,
    inputs: str | os.PathLike[str] | None = None,
    *,
    storage_version: str = DEFAULT_STORAGE_VERSION,
    full: bool = False,
) -> Path:
    """Build the database at ``path`` (default ``$HEBEIDB_DATABASE`` or ``hebei.duckdb``) from ``inputs`` (a folder
    holding schema/, seeds/, queries/ and checks/; default the copy installed with hebeidb) and return its path.

    >>> import hebeidb
    >>> hebeidb.build("hebei.duckdb")  # doctest: +SKIP
    PosixPath('hebei.duckdb')
    >>> hebeidb.build("mine.duckdb", "path/to/inputs")  # doctest: +SKIP
    """
    for name, value in (("path", path), ("inputs", inputs)):
        if value is not None:
            require_type(name, value, (str, os.PathLike), "a path (str or pathlib.Path) or None")
    require_type("storage_version", storage_version, str, "a storage version such as 'v1.0.0'")
    report = build_database(path, inputs=inputs, storage_version=storage_version, full=full)
    return report.path  # type: ignore[return-value]


def build_database(
    path: str | os.PathLike[str] | None = None,
    *,
    inputs: str | os.PathLike[str] | Inputs | None = None,
    storage_version: str = DEFAULT_STORAGE_VERSION,
    full: bool = False,
    listener: Listener | None = None,
) -> BuildReport:
    """Build into a temporary file and rename it over ``path`` once every check passed.

    When ``path`` was built by the same hebeidb, DuckDB and storage version from inputs of the same origin
    and the same schema, the previous file is reused: it is copied to the temporary file, where only what the
    changed inputs touch is made again (:mod:`hebeidb.builder.plan`: the changed rows of the seeds, the source
    texts, the derived tables and the checks that read them, the reports) and checked. ``full`` forces a
    build from scratch. ``listener`` hears of each phase as it starts and ends (of the source texts and
    the derived tables from a second thread: they are filled while the seeds load).
    """
    started = time.perf_counter()
    source = _inputs(inputs)
    if storage_version not in STORAGE_VERSIONS:
        raise ParameterError(
            f"unknown storage version {storage_version!r}; versions DuckDB {duckdb.__version__} writes: "
            + ", ".join(STORAGE_VERSIONS)
        )
    # A link to a database stays a link: the file it names is the one locked and replaced.
    target = resolve_target(path if path is not None else default_path())
    try:
        if target.is_dir():
            raise TargetError(f"{target} is a directory; give the path of the database file to write")
        if not target.parent.is_dir():
            raise TargetError(f"cannot build {target}: folder {target.parent} does not exist")
    except OSError as error:
        raise TargetError(f"cannot build {target}: {error.strerror}") from None
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise TargetError(f"cannot build {target}: folder {target.parent} is not writable")

    def busy(lock: Path) -> str:
        return f"another build of {target} is running (it holds {lock}); wait for it to finish, then build again"

    timings = Timings(listener)
    try:
        with exclusive_lock(target, busy):
            remove_leftovers(target)
            temporary = temporary_name(target, TEMP_PURPOSE)
            copying: concurrent.futures.Future[None] | None = None
            try:
                if full:
                    plan = planning.Plan(FULL, "--full given")
                    hashes = steps.hash_beside(source, {})  # every input file read again
                else:
                    with timed(timings, "compare"):
                        previous = incremental.previous_build(target, source, storage_version)
                        # Files unchanged since the previous build keep the sha256 it recorded.
                        hashes = steps.hash_beside(source, previous.files)
                        if previous.reason is None:
                            # The copy needs the disk, the hashes of the inputs the processor: while the
                            # hashes tell what changed, the copy is already under way.
                            copying = incremental.copy_beside(target, temporary)
                        files = planning.file_changes(previous.files, hashes.result())
                        plan = planning.first_plan(previous.reason, files)
                    if plan.kind == FULL and copying is not None:
                        copying.exception()  # wait for it; its file goes, whatever became of it
                        steps.remove(temporary)
                if plan.kind != FULL and copying is not None:
                    built = incremental.build_changes(temporary, source, plan, previous, hashes, timings, copying)
                    if isinstance(built, planning.Plan):  # a change the copy cannot take: build it all
                        plan = built
                        steps.remove(temporary)
                    else:
                        report = built
                if plan.kind == FULL:
                    report = _build_into(temporary, source, storage_version, hashes, timings)
                    report.reason = plan.reason
                fault_point("build:written")
                replace_file(temporary, target)
            finally:
                if copying is not None:
                    copying.exception()  # a copy still writing would leave its file behind
                steps.remove(temporary)
    except OSError as error:
        raise BuildError(f"cannot write {target}: {error.strerror or error}") from None
    except duckdb.Error as error:  # what no step foresaw (out of memory, say): one line, the old file untouched
        raise EngineError(f"DuckDB: {error_first_line(error)}") from None
    report.path = target
    report.seconds = time.perf_counter() - started
    return report


def plan_build(
    path: str | os.PathLike[str] | None = None,
    *,
    inputs: str | os.PathLike[str] | Inputs | None = None,
    storage_version: str = DEFAULT_STORAGE_VERSION,
    full: bool = False,
) -> planning.Plan:
    """What :func:`build_database` would do with the same arguments, without writing anything (no lock, no
    temporary file): the kind of build and why, and for a change-aware build what changed (each changed seed's
    rows measured against the previous file), what would be made again and why, and what would be kept.

    >>> from hebeidb.builder import plan_build
    >>> plan_build("hebei.duckdb").as_dict()["build"]  # doctest: +SKIP
    'change-aware'
    """
    source = _inputs(inputs)
    if storage_version not in STORAGE_VERSIONS:
        raise ParameterError(f"unknown storage version {storage_version!r}; versions: " + ", ".join(STORAGE_VERSIONS))
    target = resolve_target(path if path is not None else default_path())
    if full:
        return planning.Plan(FULL, "--full given")
    previous = incremental.previous_build(target, source, storage_version)
    plan = planning.first_plan(
        previous.reason, planning.file_changes(previous.files, source.hash_files(previous.files))
    )
    if plan.kind == FULL:
        return plan
    timings = Timings()
    try:
        con = connect("plan", attach=Attach(target), reads=[source.root])
    except DatabaseError as error:
        return planning.Plan(FULL, f"cannot read the previous file: {error}", plan.files)
    try:
        declared = steps.declarations(source, timings)
        return planning.plan_changes(
            con, source, plan, declared.checks, previous.checks, declared.contract.views, timings, apply=False
        )
    except duckdb.Error as error:
        raise EngineError(f"DuckDB: {error_first_line(error)}") from None
    finally:
        con.close()


def check_inputs(inputs: str | os.PathLike[str] | Inputs | None = None) -> BuildReport:
    """Run the whole build in memory, checks included, without writing any file."""
    source = _inputs(inputs)
    started = time.perf_counter()
    report = _build_into(None, source, None, steps.hash_beside(source, {}), Timings())
    report.reason = "checked in memory"
    report.seconds = time.perf_counter() - started
    return report


def _inputs(inputs: str | os.PathLike[str] | Inputs | None) -> Inputs:
    """The inputs to build from, refused when a file of them links outside their folder."""
    source = inputs if isinstance(inputs, Inputs) else Inputs.at(inputs)
    problems = source.links_outside()
    if problems:
        raise BuildError(problems)
    return source


def _build_into(
    temporary: Path | None,
    inputs: Inputs,
    storage_version: str | None,
    hashes: concurrent.futures.Future[InputHashes],
    timings: Timings,
) -> BuildReport:
    """The full build, phase by phase, into ``temporary`` (or in memory, for a check)."""
    con = steps.open_build(temporary, inputs, storage_version)
    try:
        declared = steps.declarations(inputs, timings)
        steps.create_schema(con, inputs, timings)
        seeds = seed_tables(con)
        with Beside(con, inputs, timings, seeds) as beside:  # source texts and derived tables, beside the seeds
            tables = load_seeds(con, inputs, timings, seeds, beside.loaded)
            beside.finish()
        with timed(timings, "checks"):
            results = run_checks(con, inputs, tables, declared.checks)
        steps.raise_problems(results)
        with timed(timings, "reports"):
            create_report_views(con, declared.reports)
            write_contract(con, declared.contract, declared.reports, SCHEMA)
        timings.count("reports", len(declared.reports))
        origin = {"inputs_origin": inputs.origin, "storage_version": storage_version or "in-memory"}
        report = steps.finish(con, inputs, declared, results, hashes, timings, origin, kind=FULL)
        drop_stages(con, tables)
        if temporary is not None:
            with timed(timings, "write"):
                steps.checkpoint(con)
        return report
    except BaseException:
        if temporary is not None:
            with contextlib.suppress(duckdb.Error):
                steps.detach(con)  # without writing the file out: it is deleted
        raise
    finally:
        con.close()
