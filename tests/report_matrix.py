"""The report x parameter-set matrix every engine runs, and the comparison of its rows with DuckDB's.

Each report runs with its defaults, with every choice of each choice and identifier parameter (the fixed
lists; of the values a ``choices_from`` column holds, which the template binds alike, a spread of
``COLUMN_VALUES`` from the first to the last), with each range parameter at its edges and in between, and
with a few combinations. Rows must equal DuckDB's in order (every report has an ORDER BY that makes
it total); numbers are compared within ``REL_TOLERANCE``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
from typing import Any

from hebeidb.builder.inputs import Inputs
from hebeidb.reader.database import Database

# The installed reports, known before any database is built (tests are parametrized by them).
REPORT_NAMES = sorted(path.stem for path in Inputs.installed().queries_dir.glob("*.sql"))

# Floats may differ in their last bits between engines (a DOUBLE on DuckDB, a NUMERIC on PostgreSQL).
REL_TOLERANCE = 1e-9
# How many of a column's values (a hundred fact ids) each engine runs: one query shape, bound to each value.
COLUMN_VALUES = 6
# A year inside the data, besides the range edges (which keep all or no rows).
MIDDLE_YEARS = (2022, 2025)
COMBINATIONS: dict[str, list[dict[str, Any]]] = {
    "medals": [
        {"kind": "national_games", "delegation": "hebei"},
        {"since": 2022, "until": 2024},
        {"kind": "summer_paralympics", "since": 2025},
    ],
    "indicators": [
        {"region": "hebei", "order_by": "value"},
        {"since": 2025, "order_by": "period_end"},
        {"domain": "sport_results", "region": "china", "order_by": "indicator"},
        {"order_by": "value", "descending": True},
    ],
    "consistency": [{"check_kind": "share", "verdict": "pass"}, {"scope": "between_claims", "verdict": "pass"}],
    "timeline": [{"since": 2022, "until": 2025}],
}


def parameter_sets(db: Database, name: str) -> list[dict[str, Any]]:
    """Defaults, every choice of each choice parameter, range edges and the combinations for one report."""
    spec = db.report_spec(name)
    sets: list[dict[str, Any]] = [{}]
    for parameter in spec.parameters:
        if parameter.choices is not None:
            values = list(parameter.choices)
        elif parameter.choices_from is not None:
            values = spread(list(db._dynamic_choices(parameter.choices_from)), COLUMN_VALUES)
        elif parameter.minimum is not None or parameter.maximum is not None:
            values = [v for v in (parameter.minimum, *MIDDLE_YEARS, parameter.maximum) if v is not None]
        elif parameter.type == "boolean":
            values = [True, False]
        else:
            values = []
        sets += [{parameter.name: value} for value in values if value != parameter.default]
    sets += COMBINATIONS.get(name, [])
    unique = {json.dumps(s, sort_keys=True, default=str): s for s in sets}
    return list(unique.values())


def spread(values: list[Any], count: int) -> list[Any]:
    """``count`` of ``values`` evenly apart, the first and the last included (all of them when fewer)."""
    if len(values) <= count:
        return values
    return [values[round(i * (len(values) - 1) / (count - 1))] for i in range(count)]


def cases(db: Database) -> list[tuple[str, dict[str, Any]]]:
    return [(spec.name, params) for spec in db.reports() for params in parameter_sets(db, spec.name)]


def case_id(name: str, params: dict[str, Any]) -> str:
    return name + json.dumps(params, sort_keys=True, default=str)


def normalise(value: Any) -> Any:
    """A cell as a comparable value: numbers (booleans too, SQLite has none) as floats, dates as ISO text."""
    if value is None:
        return value
    if isinstance(value, (int, float, decimal.Decimal)):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def assert_same_rows(engine: str, got: list[tuple[Any, ...]], expected: list[tuple[Any, ...]], what: str) -> None:
    if [tuple(row) for row in got] == expected:
        # Equal cell for cell as Python values (a Decimal equals the int or float of the same value): equal
        # after normalising too. Only a difference needs the cell-by-cell comparison (a second for 10^5 rows).
        return
    assert len(got) == len(expected), f"{what}: {engine} gives {len(got)} rows, DuckDB {len(expected)}"
    for index, (row, reference) in enumerate(zip(got, expected, strict=True)):
        left = [normalise(v) for v in row]
        right = [normalise(v) for v in reference]
        assert len(left) == len(right), f"{what}, row {index}: {len(left)} columns on {engine}, {len(right)} on DuckDB"
        for column, (a, b) in enumerate(zip(left, right, strict=True)):
            if isinstance(a, float) and isinstance(b, float):
                same = math.isclose(a, b, rel_tol=REL_TOLERANCE, abs_tol=REL_TOLERANCE)
            else:
                same = a == b
            assert same, f"{what}, row {index}, column {column}: {engine} gives {a!r}, DuckDB {b!r}"
