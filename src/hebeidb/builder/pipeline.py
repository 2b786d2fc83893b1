"""Build the database file: schema, seeds (with the source texts and derived tables filled beside them),
checks, then an atomic rename.

The build writes into a temporary file beside the target and renames it over the target only
when every check has passed, so a failed, interrupted or killed build never replaces or damages
the last good database. A lock file beside the target lets one build at a time write it.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import datetime as dt
import functools
import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from hebeidb.builder.checks import CATALOG_CHECKS, CheckResult, coverage_counts, load_checks, run_checks
from hebeidb.builder.inputs import FileHash, InputHashes, Inputs
from hebeidb.builder.loading import (
    BUILD_FILLED_TABLES,
    PATTERN_QUERY,
    SCHEMA,
    SET_PATTERN,
    Table,
    Timings,
    core_tables,
    derived_tables,
    derived_view,
    drop_stages,
    fill_derived_table,
    load_seeds,
    run_sql_file,
    seed_tables,
    stage_lines,
    table_reads,
    timed,
)
from hebeidb.common.atomic import (
    LockedError,
    TargetError,
    exclusive_lock,
    fault_point,
    remove_leftovers,
    replace_file,
    resolve_target,
    temporary_name,
)
from hebeidb.common.contract import (
    CONTRACT_FILE,
    REQUIRED_TABLES,
    check_contract,
    create_report_views,
    load_declared,
    write_contract,
    write_reports,
)
from hebeidb.common.errors import BuildError, BuildLockedError, Problem
from hebeidb.common.paths import default_path
from hebeidb.common.progress import Listener
from hebeidb.common.reports import TemplateError, load_specs
from hebeidb.common.sqltext import error_first_line, quote_identifier
from hebeidb.common.version import __version__

# The oldest storage format DuckDB 2.0 writes: the file opens in every DuckDB from 1.0 on,
# the duckdb-cli shell from PyPI (1.5.x) included.
DEFAULT_STORAGE_VERSION = "v1.0.0"
TEMP_PURPOSE = "building"
STORAGE_VERSIONS = ("v1.0.0", "v1.1.0", "v1.2.0", "v1.3.0", "v1.4.0", "v1.5.0")
BUILD_ALIAS = "hebeidb_build"
MEMORY_ENV = "HEBEIDB_MEMORY_LIMIT"
# DuckDB spills to disk beyond its memory limit. 3 GB lets a 10^7-fact build finish while the
# whole process stays under 4 GiB; smaller machines get 60% of their memory.
DEFAULT_MEMORY_LIMIT = "3GB"
# The two ways a build can go: everything from the inputs, or the previous file's data with new reports.
FULL, QUERIES_ONLY = "full", "queries-only"
# Parts of the inputs whose change requires a full build (all but queries/), as build_info names them.
DATA_PARTS = ("schema", "seeds", "checks")


def default_memory_limit() -> str:
    """``$HEBEIDB_MEMORY_LIMIT``, else 3 GB or 60% of the machine's memory, whichever is less."""
    if os.environ.get(MEMORY_ENV):
        return os.environ[MEMORY_ENV]
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return DEFAULT_MEMORY_LIMIT
    return f"{min(3000, int(physical * 0.6 / 1_000_000))}MB"


@dataclass
class BuildReport:
    """What a build or a check run did."""

    path: Path | None
    inputs_sha256: str
    tables: dict[str, int] = field(default_factory=dict)
    checks: list[CheckResult] = field(default_factory=list)
    coverage: dict[str, int] = field(default_factory=dict)
    cross_checks: int | None = 0  # between claims; None: not counted again (the data is the previous build's)
    interval_checks: int | None = 0  # each fact against its own interval (check_scope within_fact)
    timings: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)  # rows per phase, where known
    build_path: str = FULL  # FULL or QUERIES_ONLY
    reason: str = ""  # why that path was taken
    seconds: float = 0.0  # the whole build, lock to rename
    input_files: int = 0  # input files hashed
    files_read: int = 0  # of those, read to hash them (the others were unchanged since the previous build)

    def summary(self) -> str:
        """A few lines for the terminal: tables, rows, checks passed, coverage."""
        rows = sum(self.tables.values())
        lines = []
        if self.path is not None:
            lines.append(f"built {self.path}")
            lines.append(f"path: {self.build_path} build ({self.reason})")
            lines.append(
                f"inputs: {self.input_files} files, {self.files_read} read to hash them"
                + (
                    f" ({self.input_files - self.files_read} unchanged since the previous build)"
                    if self.files_read < self.input_files
                    else ""
                )
            )
        lines.append(
            f"tables: {len(self.tables)} with {rows} rows ({', '.join(f'{n} {c}' for n, c in self.tables.items())})"
        )
        passed = sum(result.passed for result in self.checks)
        line = f"checks: {passed} of {len(self.checks)} passed ({', '.join(r.name for r in self.checks)})"
        if self.build_path == QUERIES_ONLY:
            line += "; the data checks passed when the reused data was built"
        lines.append(line)
        total = sum(self.coverage.values())
        lines.append(
            f"coverage: {total} numbers in the article body, {self.coverage.get('fact', 0)} captured by facts, "
            f"{self.coverage.get('excluded', 0)} excluded with a reason, none unaccounted"
        )
        if self.cross_checks is not None:
            lines.append(
                f"cross-checks: {self.cross_checks} between claims passed; "
                f"{self.interval_checks} of a fact against its own interval passed"
            )
        return "\n".join(lines)

    def phases(self) -> list[dict[str, Any]]:
        """One record per phase, in the order they ran: phase, seconds, rows (None when not counted)."""
        return [
            {"phase": name, "seconds": round(seconds, 6), "rows": self.rows.get(name)}
            for name, seconds in self.timings.items()
        ]

    def timings_table(self) -> str:
        """The phases as an aligned table for the terminal, with the total."""
        width = max([len(name) for name in self.timings] + [5])
        lines = [f"{'phase':<{width}}  {'seconds':>8}  {'rows':>12}"]
        for phase in self.phases():
            rows = "" if phase["rows"] is None else f"{phase['rows']:,}"
            lines.append(f"{phase['phase']:<{width}}  {phase['seconds']:>8.3f}  {rows:>12}")
        lines.append(f"{'total':<{width}}  {self.seconds:>8.3f}  {self.build_path + ' build':>12}")
        return "\n".join(lines)

    def results_document(self) -> dict[str, Any]:
        """The build as data, in the manner of dbt's ``run_results.json``: metadata, one result per
        phase and per check, the total time and the path taken."""
        return {
            "metadata": {
                "hebeidb_version": __version__,
                "duckdb_version": duckdb.__version__,
                "generated_at": dt.datetime.now(tz=dt.UTC).isoformat(timespec="seconds"),
                "database": None if self.path is None else str(self.path),
                "inputs_sha256": self.inputs_sha256,
            },
            "build": self.build_path,
            "reason": self.reason,
            "elapsed_time": round(self.seconds, 6),
            "results": self.phases(),
            "checks": [
                {"check": c.name, "seconds": round(c.seconds, 6), "status": "pass" if c.passed else "fail"}
                for c in self.checks
            ],
            "tables": self.tables,
            "inputs": {"files": self.input_files, "read": self.files_read},
        }


def build(
    path: str | os.PathLike[str] | None = None,
    *,
    inputs: str | os.PathLike[str] | None = None,
    storage_version: str = DEFAULT_STORAGE_VERSION,
) -> Path:
    """Build the database and return its path.

    >>> import hebeidb
    >>> hebeidb.build("hebei.duckdb")  # doctest: +SKIP
    PosixPath('hebei.duckdb')
    """
    return build_database(path, inputs=inputs, storage_version=storage_version).path  # type: ignore[return-value]


def build_database(
    path: str | os.PathLike[str] | None = None,
    *,
    inputs: str | os.PathLike[str] | Inputs | None = None,
    storage_version: str = DEFAULT_STORAGE_VERSION,
    full: bool = False,
    listener: Listener | None = None,
) -> BuildReport:
    """Build into a temporary file and rename it over ``path`` once every check passed.

    When only ``queries/`` changed since ``path`` was built (same hebeidb, DuckDB and storage
    version, same origin of the inputs), the previous file's data is reused: it is copied to the
    temporary file, whose report views and report rows are replaced and checked. ``full`` forces a
    build from scratch. ``listener`` hears of each phase as it starts and ends (of the source texts and
    the derived tables from a second thread: they are filled while the seeds load).
    """
    started = time.perf_counter()
    source = inputs if isinstance(inputs, Inputs) else Inputs.at(inputs)
    if storage_version not in STORAGE_VERSIONS:
        from hebeidb.common.errors import ParameterError

        raise ParameterError(
            f"unknown storage version {storage_version!r}; versions DuckDB {duckdb.__version__} writes: "
            + ", ".join(STORAGE_VERSIONS)
        )
    # A link to a database stays a link: the file it names is the one locked and replaced.
    target = resolve_target(path if path is not None else default_path())
    try:
        if target.is_dir():
            raise BuildError(f"{target} is a directory; give the path of the database file to write")
        if not target.parent.is_dir():
            raise BuildError(f"cannot build {target}: folder {target.parent} does not exist")
    except OSError as error:
        raise BuildError(f"cannot build {target}: {error.strerror}") from None
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise BuildError(f"cannot build {target}: folder {target.parent} is not writable")

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
                    reason = "--full given"
                    hashes = _hash_beside(source, {})  # every input file read again
                else:
                    with timed(timings, "compare"):
                        previous = _previous_build(target, source, storage_version)
                        # Files unchanged since the previous build keep the sha256 it recorded.
                        hashes = _hash_beside(source, previous.files)
                        reason = previous.reason
                        if reason is None:
                            # The copy needs the disk, the hashes of the inputs the processor: while the
                            # hashes tell whether the data can be reused, the copy is already under way.
                            copying = _copy_beside(target, temporary)
                            reason = _changed_parts(previous.parts, hashes.result())
                    if reason is not None and copying is not None:
                        copying.exception()  # wait for it; its file goes, whatever became of it
                        _remove(temporary)
                if reason is None and copying is not None:
                    report = _rebuild_reports(temporary, source, hashes, timings, copying)
                    report.reason = (
                        "only queries/ changed; data reused from the previous file"
                        if report.reason
                        else "no input changed; data reused from the previous file"
                    )
                else:
                    report = _build_into(temporary, source, storage_version, hashes, timings)
                    report.reason = reason
                fault_point("build:written")
                replace_file(temporary, target)
            finally:
                if copying is not None:
                    copying.exception()  # a copy still writing would leave its file behind
                _remove(temporary)
    except LockedError as error:
        raise BuildLockedError(str(error)) from None
    except TargetError as error:
        raise BuildError(str(error)) from None
    except OSError as error:
        raise BuildError(f"cannot write {target}: {error.strerror or error}") from None
    report.path = target
    report.seconds = time.perf_counter() - started
    return report


def check_inputs(inputs: str | os.PathLike[str] | Inputs | None = None) -> BuildReport:
    """Run the whole build in memory, checks included, without writing any file."""
    source = inputs if isinstance(inputs, Inputs) else Inputs.at(inputs)
    started = time.perf_counter()
    report = _build_into(None, source, None, _hash_beside(source, {}), Timings())
    report.reason = "checked in memory"
    report.seconds = time.perf_counter() - started
    return report


@dataclass
class PreviousBuild:
    """What the file a build replaces says of itself, read once: why its data cannot be reused (None
    when it can), the part hashes of its inputs, and its input files as it recorded them."""

    reason: str | None
    parts: dict[str, str] = field(default_factory=dict)
    files: dict[str, FileHash] = field(default_factory=dict)


def _previous_build(target: Path, inputs: Inputs, storage_version: str) -> PreviousBuild:
    """Read ``target`` once: its data is reusable when this hebeidb, DuckDB and storage version built it
    from inputs of the same origin. Its recorded input files serve either way (a file that cannot be
    read, or that recorded none, gives none: every input file is read then)."""
    if not target.is_file():
        return PreviousBuild("no previous file")
    if target.with_name(target.name + ".wal").exists():
        return PreviousBuild("the previous file has a write-ahead log")
    try:
        con = duckdb.connect(config={"autoload_known_extensions": False, "autoinstall_known_extensions": False})
    except duckdb.Error as error:  # pragma: no cover - DuckDB cannot start at all
        return PreviousBuild(f"cannot start DuckDB: {error_first_line(error)}")
    try:
        con.execute("ATTACH $path AS previous (READ_ONLY)", {"path": str(target)})
        present = {
            name
            for (name,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'previous' AND schema_name = $schema",
                {"schema": SCHEMA},
            ).fetchall()
        }
        files = {}
        if "input_files" in present:
            files = {
                row[0]: FileHash(*row)
                for row in con.execute(
                    f"""SELECT path, bytes, modified_ns, changed_ns, inode, sha256, hashed_ns
                        FROM previous.{SCHEMA}.input_files"""
                ).fetchall()
            }
        if any(name not in present for name in REQUIRED_TABLES):
            return PreviousBuild("the previous file is not a hebeidb database of this version", files=files)
        rows = con.execute(
            f"""SELECT package_version, duckdb_version, storage_version, inputs_origin,
                       {", ".join(f"{part}_sha256" for part in DATA_PARTS)}
                FROM previous.{SCHEMA}.build_info"""
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


def _changed_parts(recorded: dict[str, str], current: InputHashes) -> str | None:
    """Which data parts of the inputs differ from those the previous file records, or None when none does."""
    changed = [f"{part}/" for part in DATA_PARTS if current[part] != recorded[part]]
    if changed:
        return f"{' and '.join(changed)} changed"
    return None


def _copy_beside(source: Path, destination: Path) -> concurrent.futures.Future[None]:
    copying = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    future = copying.submit(_copy_file, source, destination)
    copying.shutdown(wait=False)
    return future


def _rebuild_reports(
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
    con = _connect(temporary, inputs, None)
    try:
        with timed(timings, "declarations"):
            declared = load_declared(inputs.schema_dir / CONTRACT_FILE, inputs.relative)
            specs = _load_specs(inputs)
            checks = load_checks(inputs)
        with timed(timings, "reports"):
            old_views = con.execute(f"SELECT view_name FROM {SCHEMA}.reports").fetchall()
            for (view,) in old_views:
                con.execute(f"DROP VIEW IF EXISTS main.{quote_identifier(view)}")
            con.execute(f"DELETE FROM {SCHEMA}.report_parameters")
            con.execute(f"DELETE FROM {SCHEMA}.reports")
            create_report_views(con, specs)
            write_reports(con, specs, SCHEMA)
        timings.count("reports", len(specs))
        with timed(timings, "checks"):
            results = run_checks(con, inputs, [], checks, only=CATALOG_CHECKS)
        problems = [problem for result in results for problem in result.problems]
        if problems:
            raise BuildError(problems)
        with timed(timings, "contract"):
            problems = check_contract(con, declared, data=False)
        if problems:
            raise BuildError(problems)
        results.append(CheckResult("contract", [], timings["contract"]))
        current = hashes.result()
        (previous_queries,) = con.execute(f"SELECT queries_sha256 FROM {SCHEMA}.build_info").fetchall()[0]
        con.execute(
            f"UPDATE {SCHEMA}.build_info SET inputs_sha256 = $inputs, queries_sha256 = $queries, built_at = $built_at",
            {"inputs": current["inputs"], "queries": current["queries"], "built_at": _build_time()},
        )
        _record_files(con, current)
        n_facts, n_excluded = con.execute(f"SELECT n_facts_covering, n_excluded FROM {SCHEMA}.build_info").fetchall()[0]
        report = BuildReport(
            None,
            current["inputs"],
            input_files=len(current.files),
            files_read=current.read,
            checks=results,
            coverage={"fact": n_facts, "excluded": n_excluded},
            cross_checks=None,
            timings=timings,
            rows=timings.rows,
            build_path=QUERIES_ONLY,
            reason="queries changed" if previous_queries != current["queries"] else "",
        )
        report.tables = _table_counts(con, inputs)
        with timed(timings, "write"):
            _checkpoint(con)
        return report
    finally:
        con.close()


def _load_specs(inputs: Inputs) -> dict[str, Any]:
    try:
        return load_specs(inputs.queries_dir, inputs.relative)
    except TemplateError as error:
        raise BuildError([Problem("reports", error.file or "queries/", error.message, line=error.line)]) from None


def _copy_file(source: Path, destination: Path) -> None:
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


def _table_counts(con: duckdb.DuckDBPyConnection, inputs: Inputs) -> dict[str, int]:
    """Rows per base table, in the order a build lists them: seeds, source texts, derived, build_info.

    Seeds come in the order the schema creates their tables (a reopened file lists its tables in
    another order).
    """
    derived = derived_tables(con)
    seeded = [t.name for t in core_tables(con) if t.name not in BUILD_FILLED_TABLES and t.name not in derived]
    schema = "\n".join(path.read_text(encoding="utf-8") for path in inputs.schema_files()).lower()
    seeded.sort(key=lambda name: schema.find(f"create table {SCHEMA}.{name} "))
    derived.sort(key=lambda name: schema.find(f"create table {SCHEMA}.{name} "))
    return {
        table: con.execute(f"SELECT count(*) FROM {SCHEMA}.{table}").fetchall()[0][0]
        for table in [*seeded, "source_texts", *derived, "build_info"]
    }


def _hash_beside(inputs: Inputs, known: dict[str, FileHash]) -> concurrent.futures.Future[InputHashes]:
    """The inputs' hashes, computed in a thread beside the build (hashlib and DuckDB release the GIL)."""
    hashing = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    hashes = hashing.submit(inputs.hash_files, known)
    hashing.shutdown(wait=False)
    return hashes


def _record_files(con: duckdb.DuckDBPyConnection, hashes: InputHashes) -> None:
    """Write the hashed input files into core.input_files, replacing what was there (in one statement)."""
    con.execute((Path(__file__).with_name("input_files.sql")).read_text(encoding="utf-8"))
    con.execute(f"DELETE FROM {SCHEMA}.input_files")
    columns = ("path", "bytes", "modified_ns", "changed_ns", "inode", "sha256", "hashed_ns")
    fields = ("name", "size", "modified_ns", "changed_ns", "inode", "sha256", "hashed_ns")
    con.execute(
        f"INSERT INTO {SCHEMA}.input_files ({', '.join(columns)}) SELECT "
        + ", ".join(f"unnest(${name})" for name in columns),
        {column: [getattr(f, field) for f in hashes.files] for column, field in zip(columns, fields, strict=True)},
    )


def _connect(temporary: Path | None, inputs: Inputs, storage_version: str | None) -> duckdb.DuckDBPyConnection:
    """A sandboxed build connection, using ``temporary`` (created in ``storage_version`` when given)."""
    config = {"memory_limit": default_memory_limit()}
    if temporary is not None:
        # Spill to disk beside the target (removed with the other leftovers of a killed build).
        config["temp_directory"] = str(temporary.with_name(temporary.name + ".tmp"))
    try:
        con = duckdb.connect(config=config)
    except duckdb.Error as error:
        raise BuildError(f"cannot start DuckDB with {config}: {error}") from None
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute("SET autoinstall_known_extensions = false")
        con.execute("SET autoload_known_extensions = false")
        # The inputs may read files inside their own folder only, and write none: SQL from the inputs
        # (schema, seed hooks, reports) cannot reach anything else, whatever it calls.
        allowed = [os.path.realpath(inputs.root) + os.sep]
        paths = []
        if temporary is not None:
            allowed.append(config["temp_directory"] + os.sep)
            paths = [str(temporary), f"{temporary}.wal", f"{temporary}.wal.checkpoint"]
        con.execute("SET allowed_directories = $folders", {"folders": allowed})
        con.execute("SET allowed_paths = $paths", {"paths": paths})
        con.execute("SET enable_external_access = false")
        _no_checkpoint_on_detach(con)
        if temporary is not None:
            options = " (STORAGE_VERSION $version)" if storage_version is not None else ""
            parameters = {"path": str(temporary)} | ({"version": storage_version} if storage_version else {})
            try:
                con.execute(f"ATTACH $path AS {BUILD_ALIAS}{options}", parameters)
            except duckdb.Error as error:
                raise BuildError(f"cannot open {temporary}: {error_first_line(error)}") from None
            con.execute(f"USE {BUILD_ALIAS}")
        con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


def _no_checkpoint_on_detach(con: duckdb.DuckDBPyConnection) -> None:
    """Detaching the file writes nothing: a build that passed has checkpointed it already (``_checkpoint``),
    and the file of a failed build is deleted, so writing it out (some 40 ms for the shipped data) is waste."""
    with contextlib.suppress(duckdb.CatalogException, duckdb.InvalidInputException):  # a DuckDB without it
        con.execute("SET checkpoint_on_detach = 'DISABLED'")


def _checkpoint(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CHECKPOINT")
    _detach(con)


def _detach(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("USE memory")
    con.execute(f"DETACH {BUILD_ALIAS}")


def _build_into(
    temporary: Path | None,
    inputs: Inputs,
    storage_version: str | None,
    hashes: concurrent.futures.Future[InputHashes],
    timings: Timings,
) -> BuildReport:
    con = _connect(temporary, inputs, storage_version)
    try:
        report = _fill(con, inputs, storage_version or "in-memory", hashes, timings)
        if temporary is not None:
            with timed(timings, "write"):
                _checkpoint(con)
        return report
    except BaseException:
        if temporary is not None:
            with contextlib.suppress(duckdb.Error):
                _detach(con)  # without writing the file out: it is deleted
        raise
    finally:
        con.close()


def _fill(
    con: duckdb.DuckDBPyConnection,
    inputs: Inputs,
    storage_version: str,
    hashes: concurrent.futures.Future[InputHashes],
    timings: Timings,
) -> BuildReport:
    with timed(timings, "declarations"):
        declared = load_declared(inputs.schema_dir / CONTRACT_FILE, inputs.relative)
        specs = _load_specs(inputs)
        checks = load_checks(inputs)
    with timed(timings, "schema"):
        for path in inputs.schema_files():
            run_sql_file(con, path, inputs)
    seeds = seed_tables(con)
    with _Beside(con, inputs, timings, seeds) as beside:
        tables = load_seeds(con, inputs, timings, seeds, beside.loaded)
        beside.finish()
    with timed(timings, "checks"):
        results = run_checks(con, inputs, tables, checks)
    problems = [problem for result in results for problem in result.problems]
    if problems:
        raise BuildError(problems)
    with timed(timings, "reports"):
        create_report_views(con, specs)
        write_contract(con, declared, specs, SCHEMA)
    timings.count("reports", len(specs))
    with timed(timings, "contract"):
        contract_problems = check_contract(con, declared)
    if contract_problems:
        raise BuildError(contract_problems)
    results.append(CheckResult("contract", [], timings["contract"]))
    coverage = coverage_counts(con)
    cross_checks, interval_checks = con.execute(
        f"SELECT count(*) FILTER (WHERE check_scope = 'between_claims'), count(*) FILTER (WHERE check_scope = "
        f"'within_fact') FROM {SCHEMA}.cross_checks"
    ).fetchall()[0]
    current = hashes.result()
    _record_files(con, current)
    report = BuildReport(
        None,
        current["inputs"],
        input_files=len(current.files),
        files_read=current.read,
        checks=results,
        coverage=coverage,
        cross_checks=cross_checks,
        interval_checks=interval_checks,
        timings=timings,
        rows=timings.rows,
    )
    con.execute(
        f"""INSERT INTO {SCHEMA}.build_info VALUES
            ($version, $inputs, $origin, $duckdb, $storage, $built_at, $checks, $numbers, $facts, $excluded,
             $schema_sha256, $seeds_sha256, $queries_sha256, $checks_sha256)""",
        {
            "schema_sha256": current["schema"],
            "seeds_sha256": current["seeds"],
            "queries_sha256": current["queries"],
            "checks_sha256": current["checks"],
            "version": __version__,
            "inputs": report.inputs_sha256,
            "origin": inputs.origin,
            "duckdb": duckdb.__version__,
            "storage": storage_version,
            "built_at": _build_time(),
            "checks": len(results),
            "numbers": sum(coverage.values()),
            "facts": coverage["fact"],
            "excluded": coverage["excluded"],
        },
    )
    drop_stages(con, tables)
    report.tables = _table_counts(con, inputs)
    return report


class _Beside:
    """The source texts and the derived tables, filled on a cursor of the build connection while the seeds load.

    Inserting a large seed keeps about one core and a third busy; tokenising the texts meanwhile uses the
    rest. The steps run in their usual order (texts, the tokenizer's pattern, each derived table in creation
    order), each once every seed table it may read is in (:func:`table_reads`; all of them when that cannot
    be told). The build waits for them once the seeds are in, so the seeds' problems still come first, then
    the texts', then the derived tables'. When the seeds fail, the step under way is interrupted.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, inputs: Inputs, timings: Timings, seeds: list[Table]) -> None:
        self._con, self._inputs, self._timings = con, inputs, timings
        names = {table.name for table in seeds}

        reads = table_reads(con)

        def needs(sql: str) -> set[str]:
            read = reads(sql)
            return names if read is None else read & names

        self._steps: list[tuple[set[str], Callable[[duckdb.DuckDBPyConnection], None]]] = [
            (needs(f"SELECT * FROM {SCHEMA}.sources"), self._texts),
            (needs(PATTERN_QUERY), lambda cursor: cursor.execute(SET_PATTERN)),
        ]
        for name in derived_tables(con):
            self._steps.append((needs(f"SELECT * FROM {derived_view(name)}"), functools.partial(self._derive, name)))
        self._loaded: set[str] = set()
        self._stopped = False
        self._ready = threading.Condition()
        database = con.execute("SELECT current_database()").fetchall()[0][0]
        self._cursor = con.cursor()
        try:
            self._cursor.execute(f"USE {quote_identifier(database)}")
        except BaseException:
            self._cursor.close()
            raise
        self._text_problems: list[tuple[str, Problem]] = []
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="hebeidb-beside")
        self._work = self._pool.submit(self._run)

    def __enter__(self) -> _Beside:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is not None:  # the seeds failed (or the build was interrupted): stop, then let that error go on
            with self._ready:
                self._stopped = True
                self._ready.notify()
            while True:  # a step may start just after an interrupt: interrupt until the work has ended
                self._cursor.interrupt()
                try:
                    self._work.result(timeout=0.05)
                except concurrent.futures.TimeoutError:
                    continue
                except BaseException:  # the error that stopped the build is the one to report
                    pass
                break
        self._pool.shutdown()
        self._cursor.close()

    def loaded(self, table: str) -> None:
        """The rows of seed table ``table`` are in."""
        with self._ready:
            self._loaded.add(table)
            self._ready.notify()

    def finish(self) -> None:
        """Once every seed is in: wait for the steps; raise their first problem."""
        with self._ready:
            # load_seeds has reported every seed; marking what the steps need as in anyway means no step
            # can wait forever on a table it was not told of.
            self._loaded.update(*(needs for needs, _ in self._steps))
            self._ready.notify()
        self._work.result()
        if self._text_problems:
            raise BuildError(_on_their_lines(self._con, self._inputs, self._text_problems))

    def _run(self) -> None:
        for needs, step in self._steps:
            with self._ready:
                self._ready.wait_for(lambda needs=needs: self._stopped or needs <= self._loaded)
                if self._stopped:
                    return
            step(self._cursor)
            if self._text_problems:
                return

    def _texts(self, cursor: duckdb.DuckDBPyConnection) -> None:
        with timed(self._timings, "texts"):
            loaded = _load_source_texts(cursor, self._inputs)
            if isinstance(loaded, list):
                self._text_problems = loaded
            else:
                self._timings.count("texts", loaded)

    def _derive(self, name: str, cursor: duckdb.DuckDBPyConnection) -> None:
        with timed(self._timings, "derive"):
            self._timings.count("derive", fill_derived_table(cursor, name))


def _load_source_texts(con: duckdb.DuckDBPyConnection, inputs: Inputs) -> int | list[tuple[str, Problem]]:
    """Insert the stored text of every document source; returns how many, or the problems of ``sources.csv``
    rows (each with its source_id, for :func:`_on_their_lines`: ``con`` may be a cursor, which does not see
    the staged seeds)."""
    documents = con.execute(
        f"SELECT source_id, text_path FROM {SCHEMA}.sources WHERE kind = 'document' ORDER BY source_id"
    ).fetchall()
    rel_sources = inputs.relative(inputs.seeds_dir / "sources.csv")
    problems: list[tuple[str, Problem]] = []  # with the row's source_id: its line is looked up if need be
    paths = {}
    # Links are resolved once per folder (and per linked file) rather than per path: thousands of
    # texts at national scale would otherwise cost several system calls each.
    root = os.path.realpath(inputs.seeds_dir)
    folders: dict[str, str] = {}
    for source_id, text_path in documents:
        joined = os.path.normpath(os.path.join(root, text_path))
        folder, name = os.path.split(joined)
        if folder not in folders:
            folders[folder] = os.path.realpath(folder)
        path = os.path.join(folders[folder], name)
        if os.path.islink(path):
            path = os.path.realpath(path)
        if not path.startswith(root + os.sep):
            problems.append(
                (
                    source_id,
                    Problem(
                        "files",
                        rel_sources,
                        "text_path leaves the seeds folder",
                        column="text_path",
                        value=text_path,
                        expected="a path inside seeds/",
                    ),
                )
            )
        elif not os.path.isfile(path):
            problems.append(
                (
                    source_id,
                    Problem(
                        "files",
                        rel_sources,
                        "stored text file is missing",
                        column="text_path",
                        value=text_path,
                        expected=f"a file at {inputs.relative(Path(path))}",
                    ),
                )
            )
        else:
            paths[source_id] = path
    if problems:
        return problems
    if not paths:
        return 0
    try:
        con.execute(
            f"""INSERT INTO {SCHEMA}.source_texts
                SELECT source_id, text, sha256, length(text)
                FROM (SELECT m.source_id, decode(b.content) AS text, sha256(b.content) AS sha256
                      FROM read_blob($files) AS b
                      JOIN (SELECT unnest($ids) AS source_id, unnest($files) AS filename) AS m USING (filename))""",
            {"files": list(paths.values()), "ids": list(paths)},
        )
    except duckdb.Error as error:
        raise BuildError([_text_problem(inputs, paths, error)]) from None
    return len(paths)


def _on_their_lines(
    con: duckdb.DuckDBPyConnection, inputs: Inputs, problems: list[tuple[str, Problem]]
) -> list[Problem]:
    """Problems of sources.csv rows, given with their source_id: with their lines, in file order."""
    sources = next(t for t in core_tables(con) if t.name == "sources")
    unreadable = stage_lines(con, inputs, sources)
    if unreadable:  # pragma: no cover - the file was read moments ago
        return unreadable
    lines = dict(
        con.execute(
            f"SELECT source_id, min(csv_line) FROM {sources.stage} WHERE list_contains($ids, source_id) GROUP BY ALL",
            {"ids": [source_id for source_id, _ in problems]},
        ).fetchall()
    )
    located = [dataclasses.replace(p, line=lines.get(source_id)) for source_id, p in problems]
    return sorted(located, key=lambda p: p.line or 0)


def _text_problem(inputs: Inputs, paths: dict[str, str], error: duckdb.Error) -> Problem:
    for path in paths.values():
        data = Path(path).read_bytes()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as bad:
            return Problem(
                "encoding",
                inputs.relative(Path(path)),
                f"byte 0x{data[bad.start]:02x} is not valid UTF-8",
                line=data[: bad.start].count(b"\n") + 1,
                expected="UTF-8 text",
            )
    return Problem("files", inputs.relative(inputs.seeds_dir), f"cannot read the source texts: {error}")


def _build_time() -> dt.datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    return dt.datetime.now(tz=dt.UTC).replace(microsecond=0)


def _remove(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
    spill = path.with_name(path.name + ".tmp")
    if spill.is_dir():
        shutil.rmtree(spill, ignore_errors=True)
