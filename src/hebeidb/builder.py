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
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from . import __version__
from .checks import CheckResult, coverage_counts, run_checks
from .errors import BuildError, BuildLockedError, Problem
from .inputs import Inputs, default_path
from .loading import SCHEMA, derived_tables, fill_derived_tables, load_seeds, run_sql_file, timed
from .reports import create_report_views

# The oldest storage format DuckDB 2.0 writes: the file opens in every DuckDB from 1.0 on,
# the duckdb-cli shell from PyPI (1.5.x) included.
DEFAULT_STORAGE_VERSION = "v1.0.0"
TEMP_SUFFIX = ".building"
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
            f"{self.coverage.get('excluded', 0)} excluded with a reason, "
            f"{self.coverage.get('uncovered', 0)} unaccounted"
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
    target = Path(path) if path is not None else default_path()
    target = target.absolute()
    if target.is_dir():
        raise BuildError(f"{target} is a directory; give the path of the database file to write")
    if not target.parent.is_dir():
        raise BuildError(f"cannot build {target}: folder {target.parent} does not exist")
    with _build_lock(target):
        _remove_stale_temporaries(target)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
        try:
            report = _build_into(temporary, source, storage_version)
            _fsync(temporary)
            os.replace(temporary, target)
            _fsync_directory(target.parent)
        finally:
            _remove(temporary)
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
        if temporary is not None:
            try:
                con.execute(
                    f"ATTACH $path AS {BUILD_ALIAS} (STORAGE_VERSION $version)",
                    {"path": str(temporary), "version": storage_version},
                )
            except duckdb.Error as error:
                raise BuildError(
                    f"cannot create {temporary} with storage version {storage_version!r}: {error}"
                ) from None
            con.execute(f"USE {BUILD_ALIAS}")
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
    inputs_sha256 = hashing.submit(inputs.sha256)
    hashing.shutdown(wait=False)
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
        create_report_views(con, inputs.queries_dir, lambda path: inputs.relative(path))
    coverage = coverage_counts(con)
    cross_checks = con.execute(f"SELECT count(*) FROM {SCHEMA}.cross_checks").fetchall()[0][0]
    report = BuildReport(
        None, inputs_sha256.result(), checks=results, coverage=coverage, cross_checks=cross_checks, timings=timings
    )
    con.execute(
        f"""INSERT INTO {SCHEMA}.build_info VALUES
            ($version, $inputs, $origin, $duckdb, $storage, $built_at, $checks, $numbers, $facts, $excluded)""",
        {
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


@contextlib.contextmanager
def _build_lock(target: Path) -> Iterator[None]:
    lock_path = target.with_name(f".{target.name}.lock")
    handle = open(lock_path, "a+b")  # noqa: SIM115 - held for the whole build
    try:
        try:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # pragma: no cover - not POSIX: no locking, builds must not overlap
            pass
        except BlockingIOError:
            raise BuildLockedError(
                f"another build of {target} is running (it holds {lock_path}); "
                "wait for it to finish, then build again if you need to"
            ) from None
        yield
    finally:
        handle.close()


def _remove_stale_temporaries(target: Path) -> None:
    # Holding the lock, no other build is writing: any temporary left is from a killed build.
    for stale in target.parent.glob(f".{target.name}.*{TEMP_SUFFIX}*"):
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            _remove(stale)


def _remove(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
    spill = path.with_name(path.name + ".tmp")
    if spill.is_dir():
        shutil.rmtree(spill, ignore_errors=True)


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_directory(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
