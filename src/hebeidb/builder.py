"""Build the database file: schema, seeds, source texts, checks, then an atomic rename.

The build writes into a temporary file beside the target and renames it over the target only
when every check has passed, so a failed, interrupted or killed build never replaces or damages
the last good database. A lock file beside the target lets one build at a time write it.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime as dt
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from . import __version__
from .atomic import (
    LockedError,
    TargetError,
    exclusive_lock,
    fault_point,
    remove_leftovers,
    replace_file,
    resolve_target,
    temporary_name,
)
from .checks import CheckResult, coverage_counts, run_checks
from .contract import CONTRACT_FILE, check_contract, create_report_views, load_declared, write_contract
from .errors import BuildError, BuildLockedError, Problem
from .inputs import Inputs, default_path
from .loading import SCHEMA, derived_tables, fill_derived_tables, load_seeds, run_sql_file, timed
from .reports import TemplateError, load_specs
from .sqltext import error_first_line

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
    cross_checks: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        """A few lines for the terminal: tables, rows, checks passed, coverage."""
        rows = sum(self.tables.values())
        lines = []
        if self.path is not None:
            lines.append(f"built {self.path}")
        lines.append(
            f"tables: {len(self.tables)} with {rows} rows ({', '.join(f'{n} {c}' for n, c in self.tables.items())})"
        )
        passed = sum(result.passed for result in self.checks)
        lines.append(f"checks: {passed} of {len(self.checks)} passed ({', '.join(r.name for r in self.checks)})")
        total = sum(self.coverage.values())
        lines.append(
            f"coverage: {total} numbers in the article body, {self.coverage.get('fact', 0)} captured by facts, "
            f"{self.coverage.get('excluded', 0)} excluded with a reason, none unaccounted"
        )
        lines.append(f"cross-checks: {self.cross_checks} passed")
        return "\n".join(lines)


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
) -> BuildReport:
    """Build into a temporary file and rename it over ``path`` once every check passed."""
    source = inputs if isinstance(inputs, Inputs) else Inputs.at(inputs)
    if storage_version not in STORAGE_VERSIONS:
        from .errors import ParameterError

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

    try:
        with exclusive_lock(target, busy):
            remove_leftovers(target)
            temporary = temporary_name(target, TEMP_PURPOSE)
            try:
                report = _build_into(temporary, source, storage_version)
                fault_point("build:written")
                replace_file(temporary, target)
            finally:
                _remove(temporary)
    except LockedError as error:
        raise BuildLockedError(str(error)) from None
    except TargetError as error:
        raise BuildError(str(error)) from None
    except OSError as error:
        raise BuildError(f"cannot write {target}: {error.strerror or error}") from None
    report.path = target
    return report


def check_inputs(inputs: str | os.PathLike[str] | Inputs | None = None) -> BuildReport:
    """Run the whole build in memory, checks included, without writing any file."""
    source = inputs if isinstance(inputs, Inputs) else Inputs.at(inputs)
    return _build_into(None, source, None)


def _build_into(temporary: Path | None, inputs: Inputs, storage_version: str | None) -> BuildReport:
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
        if temporary is not None:
            try:
                con.execute(
                    f"ATTACH $path AS {BUILD_ALIAS} (STORAGE_VERSION $version)",
                    {"path": str(temporary), "version": storage_version},
                )
            except duckdb.Error as error:
                raise BuildError(f"cannot create {temporary}: {error_first_line(error)}") from None
            con.execute(f"USE {BUILD_ALIAS}")
        con.execute("SET lock_configuration = true")
        report = _fill(con, inputs, storage_version or "in-memory")
        if temporary is not None:
            with timed(report.timings, "write"):
                con.execute("CHECKPOINT")
                con.execute("USE memory")
                con.execute(f"DETACH {BUILD_ALIAS}")
        return report
    finally:
        con.close()


def _fill(con: duckdb.DuckDBPyConnection, inputs: Inputs, storage_version: str) -> BuildReport:
    timings: dict[str, float] = {}
    # Hashing the inputs reads them all again; do it beside the build (DuckDB releases the GIL).
    hashing = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    inputs_sha256 = hashing.submit(inputs.part_hashes)
    hashing.shutdown(wait=False)
    with timed(timings, "contract"):
        declared = load_declared(inputs.schema_dir / CONTRACT_FILE, inputs.relative)
        try:
            specs = load_specs(inputs.queries_dir, inputs.relative)
        except TemplateError as error:
            raise BuildError([Problem("reports", error.file or "queries/", error.message, line=error.line)]) from None
    with timed(timings, "schema"):
        for path in inputs.schema_files():
            run_sql_file(con, path, inputs)
    tables = load_seeds(con, inputs, timings)
    with timed(timings, "texts"):
        _load_source_texts(con, inputs)
    with timed(timings, "derive"):
        fill_derived_tables(con)
    with timed(timings, "checks"):
        results = run_checks(con, inputs, tables)
    problems = [problem for result in results for problem in result.problems]
    if problems:
        raise BuildError(problems)
    with timed(timings, "reports"):
        create_report_views(con, specs)
        write_contract(con, declared, specs, SCHEMA)
    with timed(timings, "contract"):
        contract_problems = check_contract(con, declared)
    if contract_problems:
        raise BuildError(contract_problems)
    results.append(CheckResult("contract", []))
    coverage = coverage_counts(con)
    cross_checks = con.execute(f"SELECT count(*) FROM {SCHEMA}.cross_checks").fetchall()[0][0]
    hashes = inputs_sha256.result()
    report = BuildReport(
        None, hashes["inputs"], checks=results, coverage=coverage, cross_checks=cross_checks, timings=timings
    )
    con.execute(
        f"""INSERT INTO {SCHEMA}.build_info VALUES
            ($version, $inputs, $origin, $duckdb, $storage, $built_at, $checks, $numbers, $facts, $excluded,
             $schema_sha256, $seeds_sha256, $queries_sha256, $checks_sha256)""",
        {
            "schema_sha256": hashes["schema"],
            "seeds_sha256": hashes["seeds"],
            "queries_sha256": hashes["queries"],
            "checks_sha256": hashes["checks"],
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
    for table in [t.name for t in tables] + ["source_texts", *derived_tables(con), "build_info"]:
        report.tables[table] = con.execute(f"SELECT count(*) FROM {SCHEMA}.{table}").fetchall()[0][0]
    for table in tables:
        con.execute(f"DROP VIEW IF EXISTS temp.rows_{table.name}")
        con.execute(f"DROP TABLE IF EXISTS temp.{table.stage}")
    return report


def _load_source_texts(con: duckdb.DuckDBPyConnection, inputs: Inputs) -> None:
    documents = con.execute(
        f"""SELECT s.source_id, s.text_path, r.csv_line
            FROM {SCHEMA}.sources AS s JOIN stage_sources AS r USING (source_id)
            WHERE s.kind = 'document' ORDER BY r.csv_line"""
    ).fetchall()
    rel_sources = inputs.relative(inputs.seeds_dir / "sources.csv")
    problems = []
    paths = {}
    # Links are resolved once per folder (and per linked file) rather than per path: thousands of
    # texts at national scale would otherwise cost several system calls each.
    root = os.path.realpath(inputs.seeds_dir)
    folders: dict[str, str] = {}
    for source_id, text_path, line in documents:
        joined = os.path.normpath(os.path.join(root, text_path))
        folder, name = os.path.split(joined)
        if folder not in folders:
            folders[folder] = os.path.realpath(folder)
        path = os.path.join(folders[folder], name)
        if os.path.islink(path):
            path = os.path.realpath(path)
        if not path.startswith(root + os.sep):
            problems.append(
                Problem(
                    "files",
                    rel_sources,
                    "text_path leaves the seeds folder",
                    line=line,
                    column="text_path",
                    value=text_path,
                    expected="a path inside seeds/",
                )
            )
        elif not os.path.isfile(path):
            problems.append(
                Problem(
                    "files",
                    rel_sources,
                    "stored text file is missing",
                    line=line,
                    column="text_path",
                    value=text_path,
                    expected=f"a file at {inputs.relative(Path(path))}",
                )
            )
        else:
            paths[source_id] = path
    if problems:
        raise BuildError(problems)
    if not paths:
        return
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
