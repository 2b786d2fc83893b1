"""The steps of a build, each a function of its own, so that the full build and the queries-only build read as
lists of them and share their tail (reports, contract, the record of the inputs, build_info, the report).

The engine's own schema (``builder/schema/*.sql``: build_info, the contract tables, the record of the input
files) is created before the inputs' schema; the inputs' DDL creates the data set's tables and views.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime as dt
import functools
import os
import shutil
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from hebeidb.builder.checks import (
    CONTRACT_CHECK,
    Check,
    CheckResult,
    check_file,
    check_sha256,
    coverage_counts,
    load_checks,
)
from hebeidb.builder.contract import CONTRACT_FILE, DeclaredContract, check_contract, load_declared
from hebeidb.builder.inputs import InputHashes, Inputs
from hebeidb.builder.loading import BUILD_FILLED_TABLES, SCHEMA, core_tables, derived_tables, run_sql_file
from hebeidb.builder.report import FULL, QUERIES_ONLY, BuildReport
from hebeidb.common.connect import ALIAS, Attach, connect
from hebeidb.common.errors import BuildError, DatabaseError, Problem, TemplateError
from hebeidb.common.progress import Timings, timed
from hebeidb.common.reports import ReportSpec, load_specs
from hebeidb.common.version import __version__

ENGINE_SCHEMA_DIR = Path(__file__).resolve().parent / "schema"


@dataclass(frozen=True)
class Declarations:
    """What the inputs declare beside their data: the public views' contract, the reports and the checks."""

    contract: DeclaredContract
    reports: dict[str, ReportSpec]
    checks: list[Check]


def declarations(inputs: Inputs, timings: Timings) -> Declarations:
    """Read the contract, the reports and the checks of ``inputs`` (each error located in its file)."""
    with timed(timings, "declarations"):
        return Declarations(
            load_declared(inputs.schema_dir / CONTRACT_FILE, inputs.relative),
            load_specs_of(inputs),
            load_checks(inputs),
        )


def load_specs_of(inputs: Inputs) -> dict[str, ReportSpec]:
    try:
        return load_specs(inputs.queries_dir, inputs.relative)
    except TemplateError as error:
        raise BuildError([Problem("reports", error.file or "queries/", error.message, line=error.line)]) from None


def create_schema(con: duckdb.DuckDBPyConnection, inputs: Inputs, timings: Timings) -> None:
    """The engine's tables, then the inputs' DDL, file by file in the order of their names."""
    with timed(timings, "schema"):
        for path in sorted(ENGINE_SCHEMA_DIR.glob("*.sql")):
            con.execute(path.read_text(encoding="utf-8"))
        for path in inputs.schema_files():
            run_sql_file(con, path, inputs)


def schema_tables(inputs: Inputs) -> dict[str, str]:
    """The base tables of schema ``core`` that the engine's and the inputs' DDL create, in the order a full build
    creates them (the order it loads and fills them in), each with its definition (DuckDB's ``CREATE TABLE``)."""
    texts = tuple(path.read_bytes() for path in [*sorted(ENGINE_SCHEMA_DIR.glob("*.sql")), *inputs.schema_files()])
    return dict(_schema_tables(inputs, texts))


@functools.lru_cache(maxsize=8)
def _schema_tables(inputs: Inputs, texts: tuple[bytes, ...]) -> tuple[tuple[str, str], ...]:
    """:func:`schema_tables`, kept for the same DDL (``texts``): a process that builds again asks again."""
    con = connect("build", reads=[inputs.root])
    try:
        create_schema(con, inputs, Timings())
        return tuple(
            con.execute(
                """SELECT table_name, sql FROM duckdb_tables()
                   WHERE database_name = current_database() AND schema_name = $schema ORDER BY table_oid""",
                {"schema": SCHEMA},
            ).fetchall()
        )
    finally:
        con.close()


def open_build(temporary: Path | None, inputs: Inputs, storage_version: str | None) -> duckdb.DuckDBPyConnection:
    """A sandboxed build connection (role ``build``) writing ``temporary`` (in ``storage_version`` when given), or
    an in-memory one when there is no file to write (a check). The inputs may read files inside their own
    folder only, and write none: SQL from the inputs (schema, seed hooks, reports, checks) cannot reach
    anything else, whatever it calls."""
    if temporary is None:
        return connect("build", reads=[inputs.root])
    try:
        return connect(
            "build",
            attach=Attach(temporary, storage_version),
            reads=[inputs.root],
            # Spill to disk beside the target (removed with the other leftovers of a killed build).
            spill=temporary.with_name(temporary.name + ".tmp"),
        )
    except DatabaseError as error:
        raise BuildError(str(error)) from None


def checkpoint(con: duckdb.DuckDBPyConnection) -> None:
    """Write the built file out and detach it."""
    con.execute("CHECKPOINT")
    detach(con)


def detach(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("USE memory")
    con.execute(f"DETACH {ALIAS}")


def raise_problems(results: list[CheckResult]) -> None:
    problems = [problem for result in results for problem in result.problems]
    if problems:
        raise BuildError(problems)


def finish(
    con: duckdb.DuckDBPyConnection,
    inputs: Inputs,
    declared: Declarations,
    results: list[CheckResult],
    hashes: concurrent.futures.Future[InputHashes],
    timings: Timings,
    build_info: dict[str, Any],
    *,
    kind: str,
    contract_views: Collection[str] | None = None,
    kept: Sequence[str] = (),
    count_cross_checks: bool = True,
) -> BuildReport:
    """The tail every build path shares: hold the contract against the views (and, unless the build is
    queries-only, the rows: of every public view, or of ``contract_views``), record the input files and the
    checks passed (those run and those ``kept`` from the previous build), write ``build_info`` (a new row for a
    full build, the previous one updated with ``build_info``'s values otherwise) and make the report."""
    with timed(timings, "contract"):
        contract_problems = check_contract(con, declared.contract, data=kind != QUERIES_ONLY, views=contract_views)
    if contract_problems:
        raise BuildError(contract_problems)
    results.append(CheckResult("contract", [], timings["contract"]))
    current = hashes.result()
    record_files(con, current)
    record_checks(con, inputs, declared)
    parts = {f"{part}_sha256": current[part] for part in ("schema", "seeds", "queries", "checks")}
    values = {"inputs_sha256": current["inputs"], "built_at": build_time(), **parts, **build_info}
    values |= {"build_kind": kind, "n_checks": len(declared.checks) + 1}
    cross_checks: int | None = None
    interval_checks: int | None = None
    if kind == QUERIES_ONLY:
        n_facts, n_excluded = con.execute(f"SELECT n_facts_covering, n_excluded FROM {SCHEMA}.build_info").fetchall()[0]
        coverage = {} if n_facts is None else {"fact": n_facts, "excluded": n_excluded}
    else:
        coverage = coverage_counts(con)
        if count_cross_checks:
            cross_checks, interval_checks = _cross_checks(con)
        values |= {
            "n_numbers": sum(coverage.values()) if coverage else None,
            "n_facts_covering": coverage.get("fact"),
            "n_excluded": coverage.get("excluded"),
        }
    if kind == FULL:
        values |= {"package_version": __version__, "duckdb_version": duckdb.__version__}
        columns = list(values)
        con.execute(
            f"INSERT INTO {SCHEMA}.build_info ({', '.join(columns)}) VALUES ({', '.join('$' + c for c in columns)})",
            values,
        )
    else:
        con.execute(
            f"UPDATE {SCHEMA}.build_info SET " + ", ".join(f"{c} = ${c}" for c in values),
            values,
        )
    return BuildReport(
        None,
        current["inputs"],
        tables=table_counts(con, inputs),
        input_files=len(current.files),
        files_read=current.read,
        checks=results,
        coverage=coverage,
        cross_checks=cross_checks,
        interval_checks=interval_checks,
        timings=timings,
        rows=timings.rows,
        build_path=kind,
        kept_checks=list(kept),
    )


def record_checks(con: duckdb.DuckDBPyConnection, inputs: Inputs, declared: Declarations) -> None:
    """Write every check of the build, and the contract, into core.check_results (replacing what was there): each
    passed, or the build would have stopped. Which of them ran in this build does not matter: a change-aware build
    and a full build of the same inputs record the same rows."""
    con.execute(f"DELETE FROM {SCHEMA}.check_results")
    names = [check.name for check in declared.checks] + [CONTRACT_CHECK]
    files = [check_file(inputs, check) for check in declared.checks] + [declared.contract.file]
    digests = [check_sha256(check) for check in declared.checks] + [None]
    con.execute(
        f"""INSERT INTO {SCHEMA}.check_results (check_name, position, origin, file, sql_sha256, problems, passed)
            SELECT unnest($names), unnest(range(1, len($names) + 1)), unnest($origins), unnest($files),
                   unnest($digests), 0, true""",
        {
            "names": names,
            "origins": [check.origin for check in declared.checks] + ["engine"],
            "files": files,
            "digests": digests,
        },
    )


def _cross_checks(con: duckdb.DuckDBPyConnection) -> tuple[int | None, int | None]:
    """The cross-checks that passed: between claims, and of a fact against its own interval (``check_scope``);
    None, None when the data set defines no ``core.cross_checks``."""
    present = con.execute(
        "SELECT count(*) FROM duckdb_views() WHERE database_name = current_database() AND schema_name = $schema "
        "AND view_name = 'cross_checks'",
        {"schema": SCHEMA},
    ).fetchall()[0][0]
    if not present:
        return None, None
    return con.execute(
        f"""SELECT count(*) FILTER (WHERE check_scope = 'between_claims'),
                   count(*) FILTER (WHERE check_scope = 'within_fact')
            FROM {SCHEMA}.cross_checks"""
    ).fetchall()[0]


def record_files(con: duckdb.DuckDBPyConnection, hashes: InputHashes) -> None:
    """Write the hashed input files into core.input_files, replacing what was there (in one statement)."""
    con.execute(f"DELETE FROM {SCHEMA}.input_files")
    columns = ("path", "bytes", "modified_ns", "changed_ns", "inode", "sha256", "hashed_ns")
    fields = ("name", "size", "modified_ns", "changed_ns", "inode", "sha256", "hashed_ns")
    con.execute(
        f"INSERT INTO {SCHEMA}.input_files ({', '.join(columns)}) SELECT "
        + ", ".join(f"unnest(${name})" for name in columns),
        {column: [getattr(f, field) for f in hashes.files] for column, field in zip(columns, fields, strict=True)},
    )


def table_counts(con: duckdb.DuckDBPyConnection, inputs: Inputs) -> dict[str, int]:
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


def hash_beside(inputs: Inputs, known: dict[str, Any]) -> concurrent.futures.Future[InputHashes]:
    """The inputs' hashes, computed in a thread beside the build (hashlib and DuckDB release the GIL)."""
    hashing = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    hashes = hashing.submit(inputs.hash_files, known)
    hashing.shutdown(wait=False)
    return hashes


def build_time() -> dt.datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    return dt.datetime.now(tz=dt.UTC).replace(microsecond=0)


def remove(path: Path) -> None:
    """Remove a temporary build file with its write-ahead log and spill folder."""
    for leftover in (path, path.with_name(path.name + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
    spill = path.with_name(path.name + ".tmp")
    if spill.is_dir():
        shutil.rmtree(spill, ignore_errors=True)
