"""The checks every build runs on the loaded data: the engine's own, then the data set's.

A check is one SQL query that returns one row per failure with the columns ``table_name, row_key,
column_name, value, expected, problem`` and optionally ``file, line`` (for failures located in a source
text or a schema file rather than in a seed row). The runner turns each row into a
:class:`~hebeidb.common.errors.Problem` naming the seed file and its line.

Two sets of checks run, merged in the order of their file names:

- the engine's own, in this folder: what makes any hebeidb database trustworthy, whatever its data
  (stored texts match their sha256, quotes stand at their offsets, everything is described);
- the data set's, in the inputs' ``checks/`` folder: ``<nnn>_<name>.sql`` with its metadata beside it in
  ``<nnn>_<name>.toml`` (``title`` and ``description``), so that ``--inputs DIR`` brings its own.
"""

from __future__ import annotations

import hashlib
import re
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

import duckdb

from hebeidb.builder.inputs import Inputs
from hebeidb.builder.loading import SCHEMA, Table, require_statements, seed_file, sql_problem, stage_lines
from hebeidb.common.errors import BuildError, Problem
from hebeidb.common.reports import toml_error
from hebeidb.common.sqltext import quote_identifier, quote_literal

ENGINE_CHECKS_DIR = Path(__file__).resolve().parent
REQUIRED_COLUMNS = ("table_name", "row_key", "column_name", "value", "expected", "problem")
CHECK_NAME = re.compile(r"\d+_[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class Check:
    """One check: its name (the file's without the number), the SQL, where it comes from and what it holds."""

    name: str
    path: Path
    origin: str  # "engine" or "inputs"
    title: str
    description: str
    sql: str


@dataclass(frozen=True)
class CheckResult:
    name: str
    problems: list[Problem]
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.problems


def check_file(inputs: Inputs, check: Check) -> str:
    """Where ``check`` is written, as messages and core.check_results name it."""
    return inputs.relative(check.path) if check.origin == "inputs" else f"hebeidb: {check.path.name}"


def check_sha256(check: Check) -> str:
    """sha256 of the check's SQL: a check whose SQL changed runs again, whatever its tables."""
    return hashlib.sha256(check.sql.encode("utf-8")).hexdigest()


def check_name(path: Path) -> str:
    return path.stem.split("_", 1)[1] if "_" in path.stem else path.stem


def engine_checks() -> list[Check]:
    """The engine's own checks, with their descriptions from the comment that opens each file."""
    checks = []
    for path in sorted(ENGINE_CHECKS_DIR.glob("*.sql")):
        sql = path.read_text(encoding="utf-8")
        header = [line[2:].strip() for line in sql.splitlines() if line.startswith("--")]
        description = " ".join(header[: next((i for i, line in enumerate(header) if not line), len(header))])
        checks.append(Check(check_name(path), path, "engine", check_name(path).replace("_", " "), description, sql))
    return checks


def load_checks(inputs: Inputs) -> list[Check]:
    """Every check a build of ``inputs`` runs, engine and data set merged in file-name order.

    A data set's check is exactly one SELECT with a ``.toml`` beside it giving ``title`` and
    ``description``; anything else is a problem located in the file.
    """
    problems: list[Problem] = []
    found = engine_checks()
    for path in inputs.check_files():
        file = inputs.relative(path)
        if not CHECK_NAME.fullmatch(path.stem):
            problems.append(
                Problem(
                    "checks",
                    file,
                    "a check's file name is its number and name",
                    value=path.name,
                    expected="NNN_name.sql, lower-case letters, digits and underscores",
                )
            )
            continue
        try:
            sql = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as error:
            problems.append(Problem("encoding", file, f"not UTF-8 text at byte {error.start}", expected="UTF-8 text"))
            continue
        problems += require_statements(sql, file, ("SELECT",), single=True)
        metadata = path.with_suffix(".toml")
        title = description = ""
        if not metadata.is_file():
            problems.append(
                Problem(
                    "checks",
                    inputs.relative(metadata),
                    "a check needs its metadata beside it",
                    expected='a file holding title = "..." and description = "..."',
                )
            )
        else:
            meta_file = inputs.relative(metadata)
            try:
                meta = tomllib.loads(metadata.read_bytes().decode("utf-8"))
            except UnicodeDecodeError as error:
                problems.append(Problem("encoding", meta_file, f"not UTF-8 text at byte {error.start}"))
                continue
            except tomllib.TOMLDecodeError as error:
                message, line = toml_error(error)
                problems.append(Problem("checks", meta_file, message, line=line))
                continue
            except RecursionError:
                problems.append(Problem("checks", meta_file, "nested too deeply to read", expected="a flat table"))
                continue
            except ValueError as error:  # an integer of thousands of digits
                problems.append(Problem("checks", meta_file, f"holds a value that cannot be read: {error}"))
                continue
            for key in ("title", "description"):
                if not isinstance(meta.get(key), str) or not meta[key].strip():
                    problems.append(Problem("checks", meta_file, f"no text for {key}", column=key, expected="text"))
            unknown = sorted(set(meta) - {"title", "description"})
            if unknown:
                problems.append(
                    Problem("checks", meta_file, f"unknown entry {unknown[0]!r}", column=unknown[0],
                            expected="title and description")
                )  # fmt: skip
            title, description = str(meta.get("title", "")), " ".join(str(meta.get("description", "")).split())
        found.append(Check(check_name(path), path, "inputs", title, description, sql))
    names = [check.name for check in found]
    for check in found:
        if names.count(check.name) > 1 and check.origin == "inputs":
            problems.append(
                Problem(
                    "checks",
                    inputs.relative(check.path),
                    f"a check named {check.name} runs already",
                    expected="a name no other check has (the engine's: "
                    + ", ".join(c.name for c in found if c.origin == "engine")
                    + ")",
                )
            )
    if problems:
        raise BuildError(problems)
    return sorted(found, key=lambda check: check.path.name)


# The checks that read the catalog rather than the rows: a build that only replaces the report views
# runs these again (the data checks passed in the build whose rows it reuses).
CATALOG_CHECKS = ("documentation",)
# The check the build makes of the public views' contract (keys unique, references resolved), run last.
CONTRACT_CHECK = "contract"


def run_checks(
    con: duckdb.DuckDBPyConnection,
    inputs: Inputs,
    tables: list[Table],
    checks: list[Check],
    only: tuple[str, ...] | None = None,
) -> list[CheckResult]:
    """Run ``checks`` (or those named in ``only``); the staging views ``stage_<table>`` must still exist to find
    seed lines. A check whose SQL DuckDB refuses is a problem located in its file."""
    by_name = {t.name: t for t in tables}
    prepare_checks(con)
    results = []
    for check in checks:
        if only is not None and check.name not in only:
            continue
        started = time.perf_counter()
        try:
            relation = con.sql(check.sql)
            columns = relation.columns
            missing = [c for c in REQUIRED_COLUMNS if c not in columns]
            rows = [] if missing else relation.fetchall()
        except duckdb.Error as error:
            raise BuildError([sql_problem(check_file(inputs, check), check.sql, 0, error)]) from None
        if missing:
            raise BuildError(
                [
                    Problem(
                        "checks",
                        inputs.relative(check.path),
                        f"the check returns no column {missing[0]}",
                        expected="the columns " + ", ".join(REQUIRED_COLUMNS) + " (and optionally file, line)",
                    )
                ]
            )
        problems = [
            _locate(con, inputs, by_name, check.name, dict(zip(columns, values, strict=True))) for values in rows
        ]
        results.append(CheckResult(check.name, problems, time.perf_counter() - started))
    return results


QUOTE_COLUMNS = ("source_id", "quote", "quote_start", "quote_end")


def prepare_checks(con: duckdb.DuckDBPyConnection) -> None:
    """Make what the engine's checks read beside the tables, on ``con``: the temporary view ``quoted_rows``, every
    row of every core table that quotes a source (it has the columns source_id, quote, quote_start and quote_end,
    and a primary key), as table_name, row_key and those columns."""
    tables = con.execute(
        """SELECT t.table_name, list(k.constraint_column_names ORDER BY k.constraint_index)[1]
           FROM duckdb_tables() AS t
           JOIN duckdb_constraints() AS k
             ON k.database_name = t.database_name AND k.schema_name = t.schema_name AND k.table_name = t.table_name
            AND k.constraint_type = 'PRIMARY KEY'
           WHERE t.database_name = current_database() AND t.schema_name = $schema
             AND (SELECT count(*) FROM duckdb_columns() AS c
                  WHERE c.database_name = t.database_name AND c.schema_name = t.schema_name
                    AND c.table_name = t.table_name AND list_contains($columns, c.column_name)) = len($columns)
           GROUP BY t.table_name ORDER BY t.table_name""",
        {"schema": SCHEMA, "columns": list(QUOTE_COLUMNS)},
    ).fetchall()
    parts = [
        f"SELECT {quote_literal(table)} AS table_name, "
        + " || '/' || ".join(f"CAST({quote_identifier(c)} AS VARCHAR)" for c in key)
        + f" AS row_key, {', '.join(QUOTE_COLUMNS)} FROM {SCHEMA}.{quote_identifier(table)}"
        for table, key in tables
    ] or ["SELECT NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR, NULL::INTEGER, NULL::INTEGER WHERE false"]
    columns = "table_name, row_key, " + ", ".join(QUOTE_COLUMNS)
    con.execute(f"CREATE OR REPLACE TEMP VIEW quoted_rows ({columns}) AS " + " UNION ALL ".join(parts))


def _locate(con: duckdb.DuckDBPyConnection, inputs: Inputs, tables: dict[str, Table], check: str, row: dict) -> Problem:
    file = row.get("file")
    line = row.get("line")
    table = tables.get(row["table_name"])
    if file is None:
        file = inputs.relative(seed_file(inputs, str(row["table_name"])))
        if table is not None and row.get("row_key") is not None and table.primary_key:
            stage_lines(con, inputs, table)  # the seed's lines, read when a problem needs them
            key = " || '/' || ".join(f"CAST({quote_identifier(c)} AS VARCHAR)" for c in table.primary_key)
            found = con.execute(
                f"SELECT min(csv_line) FROM {table.stage} WHERE {key} = $key", {"key": str(row["row_key"])}
            ).fetchall()
            line = found[0][0] if found else None
    return Problem(
        check=check,
        file=str(file),
        message=tidy_numbers(str(row["problem"])),
        line=line,
        column=None if row.get("column_name") is None else str(row["column_name"]),
        value=None if row.get("value") is None else tidy_numbers(str(row["value"])),
        expected=None if row.get("expected") is None else tidy_numbers(str(row["expected"])),
    )


def tidy_numbers(text: str) -> str:
    """Drop the zeros a DECIMAL prints after the point: "31.00" reads "31", "97.50" reads "97.5"."""
    return re.sub(r"(?<![\w.])(\d+)\.(\d*?)0+(?!\w|\.\d)", lambda m: m[1] + ("." + m[2] if m[2] else ""), text)


def coverage_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """How the numbers in the document bodies are accounted for: by a fact or by an exclusion; empty when the
    data set does not tokenise its texts (no ``core.number_tokens`` and ``core.exclusions``).

    Called once the checks have passed: every number of a body is then a fact or an exclusion (the
    coverage check fails the build otherwise) and no exclusion stands on a number a fact captures.
    """
    present = con.execute(
        """SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = $schema
           AND table_name IN ('number_tokens', 'exclusions')""",
        {"schema": SCHEMA},
    ).fetchall()[0][0]
    if present < 2:
        return {}
    in_body, excluded = con.execute(
        f"""SELECT (SELECT count(*) FROM {SCHEMA}.number_tokens WHERE in_body),
                   (SELECT count(*) FROM {SCHEMA}.exclusions)"""
    ).fetchall()[0]
    return {"fact": int(in_body - excluded), "excluded": int(excluded)}
