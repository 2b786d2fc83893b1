"""The checks every build runs on the loaded data: provenance, coverage and arithmetic.

Each check is a SQL file in ``hebeidb/checks/`` that returns one row per failure with the columns
``table_name, row_key, column_name, value, expected, problem`` and optionally ``file, line`` (for
failures located in a source text rather than in a seed row). The runner turns each row into a
:class:`~hebeidb.errors.Problem` naming the seed file and its line.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .errors import Problem
from .inputs import CHECKS_DIR, Inputs
from .loading import SCHEMA, Table, seed_file, stage_lines
from .sqltext import quote_identifier


@dataclass(frozen=True)
class CheckResult:
    name: str
    problems: list[Problem]
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.problems


def check_files() -> list[Path]:
    return sorted(CHECKS_DIR.glob("*.sql"))


def check_names() -> list[str]:
    """Every check a build runs, in order: the SQL checks, then the public views' contract."""
    return [check_name(path) for path in check_files()] + ["contract"]


def check_name(path: Path) -> str:
    return path.stem.split("_", 1)[1] if "_" in path.stem else path.stem


# The checks that read the catalog rather than the rows: a build that only replaces the report views
# runs these again (the data checks passed in the build whose rows it reuses).
CATALOG_CHECKS = ("documentation",)


def run_checks(
    con: duckdb.DuckDBPyConnection, inputs: Inputs, tables: list[Table], only: tuple[str, ...] | None = None
) -> list[CheckResult]:
    """Run every check (or those named in ``only``); the staging views ``stage_<table>`` must still
    exist to find seed lines."""
    by_name = {t.name: t for t in tables}
    results = []
    for path in check_files():
        name = check_name(path)
        if only is not None and name not in only:
            continue
        started = time.perf_counter()
        relation = con.sql(path.read_text(encoding="utf-8"))
        columns = relation.columns
        problems = []
        for values in relation.fetchall():
            row = dict(zip(columns, values, strict=True))
            problems.append(_locate(con, inputs, by_name, name, row))
        results.append(CheckResult(name, problems, time.perf_counter() - started))
    return results


def _locate(con: duckdb.DuckDBPyConnection, inputs: Inputs, tables: dict[str, Table], check: str, row: dict) -> Problem:
    file = row.get("file")
    line = row.get("line")
    table = tables.get(row["table_name"])
    if file is None:
        file = inputs.relative(seed_file(inputs, row["table_name"]))
        if table is not None and row.get("row_key") is not None and table.primary_key:
            stage_lines(con, inputs, table)  # the seed's lines, read when a problem needs them
            key = " || '/' || ".join(f"CAST({quote_identifier(c)} AS VARCHAR)" for c in table.primary_key)
            found = con.execute(
                f"SELECT min(csv_line) FROM {table.stage} WHERE {key} = $key", {"key": str(row["row_key"])}
            ).fetchall()
            line = found[0][0] if found else None
    return Problem(
        check=check,
        file=file,
        message=tidy_numbers(row["problem"]),
        line=line,
        column=row.get("column_name"),
        value=None if row.get("value") is None else tidy_numbers(str(row["value"])),
        expected=None if row.get("expected") is None else tidy_numbers(row["expected"]),
    )


def tidy_numbers(text: str) -> str:
    """Drop the zeros a DECIMAL prints after the point: "31.00" reads "31", "97.50" reads "97.5"."""
    return re.sub(r"(?<![\w.])(\d+)\.(\d*?)0+(?!\w|\.\d)", lambda m: m[1] + ("." + m[2] if m[2] else ""), text)


def coverage_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """How the numbers in the document bodies are accounted for: by a fact or by an exclusion.

    Called once the checks have passed: every number of a body is then a fact or an exclusion (the
    coverage check fails the build otherwise) and no exclusion stands on a number a fact captures.
    """
    in_body, excluded = con.execute(
        f"""SELECT (SELECT count(*) FROM {SCHEMA}.number_tokens WHERE in_body),
                   (SELECT count(*) FROM {SCHEMA}.exclusions)"""
    ).fetchall()[0]
    return {"fact": int(in_body - excluded), "excluded": int(excluded)}
