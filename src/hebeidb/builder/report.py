"""What a build or a check run did: tables, checks, coverage, phases and their timings, the path it took.

How a report reads (the summary, the timings table, the JSON document in the manner of dbt's
``run_results.json``) is written with the other output formats, in :mod:`hebeidb.common.output`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hebeidb.builder.checks import CheckResult

# The ways a build can go: everything from the inputs; the previous file with what the changed inputs touch built
# again; the previous file's data with new reports (build_info.build_kind names them).
FULL, CHANGE_AWARE, QUERIES_ONLY = "full", "change-aware", "queries-only"
BUILD_KINDS = (FULL, CHANGE_AWARE, QUERIES_ONLY)


@dataclass
class BuildReport:
    """What a build or a check run did."""

    path: Path | None
    inputs_sha256: str
    tables: dict[str, int] = field(default_factory=dict)
    checks: list[CheckResult] = field(default_factory=list)
    coverage: dict[str, int] = field(default_factory=dict)  # empty when the data set has no numbers to cover
    cross_checks: int | None = 0  # between claims; None: not counted again (the data is the previous build's)
    interval_checks: int | None = 0  # each fact against its own interval (check_scope within_fact)
    timings: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)  # rows per phase, where known
    build_path: str = FULL  # FULL, CHANGE_AWARE or QUERIES_ONLY
    reason: str = ""  # why that path was taken
    kept_checks: list[str] = field(default_factory=list)  # checks whose recorded result was carried over
    plan: dict[str, Any] | None = None  # what a change-aware build did (Plan.as_dict), None for the others
    seconds: float = 0.0  # the whole build, lock to rename
    input_files: int = 0  # input files hashed
    files_read: int = 0  # of those, read to hash them (the others were unchanged since the previous build)

    def summary(self) -> str:
        """A few lines for the terminal: tables, rows, checks passed, coverage."""
        from hebeidb.common.output import build_summary

        return build_summary(self)

    def phases(self) -> list[dict[str, Any]]:
        """One record per phase, in the order they ran: phase, seconds, rows (None when not counted)."""
        return [
            {"phase": name, "seconds": round(seconds, 6), "rows": self.rows.get(name)}
            for name, seconds in self.timings.items()
        ]

    def timings_table(self) -> str:
        """The phases as an aligned table for the terminal, with the total."""
        from hebeidb.common.output import build_timings_table

        return build_timings_table(self)

    def results_document(self) -> dict[str, Any]:
        """The build as data, in the manner of dbt's ``run_results.json``: metadata, one result per
        phase and per check, the total time and the path taken."""
        from hebeidb.common.output import build_results_document

        return build_results_document(self)
