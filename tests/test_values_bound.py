"""Values are bound, never pasted: every report, with every kind of parameter, reaches DuckDB as SQL text holding
``$name`` placeholders and the values beside it, through the API and the command line (a spy on the connection)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import cli_in_process
from report_matrix import parameter_sets

import hebeidb
from hebeidb.reader import database as database_module


class Spy:
    """A reader connection that records every query with its bound values, and runs it: ``sql`` (the queries a
    result is made of) in one log, ``sql`` and ``execute`` (hebeidb's own reads too) in another."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        log: list[tuple[str, dict[str, Any] | None]],
        every: list[tuple[str, Any]],
    ) -> None:
        self._con, self._log, self._every = con, log, every

    def sql(self, query: str, params: dict[str, Any] | None = None) -> Any:
        self._log.append((query, params))
        self._every.append((query, params))
        return self._con.sql(query, params=params)

    def execute(self, query: str, parameters: Any = None) -> Any:
        self._every.append((query, parameters))
        return self._con.execute(query, parameters)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


@pytest.fixture
def everything() -> list[tuple[str, Any]]:
    """Every query a reader opened with the ``executed`` fixture hands DuckDB, by ``sql`` or ``execute``."""
    return []


@pytest.fixture
def executed(
    monkeypatch: pytest.MonkeyPatch, everything: list[tuple[str, Any]]
) -> list[tuple[str, dict[str, Any] | None]]:
    """What every reader opened from now on hands DuckDB to run (``sql``: the queries a result is made of)."""
    log: list[tuple[str, dict[str, Any] | None]] = []
    connect = database_module.connect
    monkeypatch.setattr(database_module, "connect", lambda role, **k: Spy(connect(role, **k), log, everything))
    return log


def literal_forms(value: Any) -> list[str]:
    """How a value would stand in SQL text, had it been pasted."""
    if isinstance(value, bool):
        return []  # a boolean parameter here only shapes the query (a descending sort)
    if isinstance(value, str):
        return [f"'{value}'", f'"{value}"']
    return []


def assert_bound(query: str, params: dict[str, Any] | None, given: dict[str, Any], spec: Any) -> set[str]:
    """Each given value reaches DuckDB bound to its ``$name``, or not at all; the names bound."""
    bound = set()
    for name, value in given.items():
        parameter = spec.parameter(name)
        if parameter.type == "identifier" or (parameter.type == "boolean"):
            continue  # identifiers are printed quoted from an allow-list; a boolean chooses a piece of SQL
        for pasted in literal_forms(value):
            assert pasted not in query, (name, pasted, query)
        if name not in (params or {}):
            continue  # this value left its filter out (kind=all): nothing of it reaches the SQL
        assert f"${name}" in query, (name, query)
        assert params[name] == value or str(params[name]) == str(value), (name, params)
        bound.add(name)
    return bound


def test_every_report_with_every_parameter_binds_its_values_through_the_api(built_db: Path, executed) -> None:
    bound: set[tuple[str, str]] = set()
    given_names: set[tuple[str, str]] = set()
    with hebeidb.open(built_db) as db:
        for spec in db.reports():
            for given in parameter_sets(db, spec.name):
                if not given:
                    continue
                rendered = db.render(spec.name, **given)
                executed.clear()
                db.report(spec.name, **given).fetchall()
                query, params = executed[-1]
                # What runs is the template rendered with its placeholders, the values beside it.
                assert (query, params or {}) == (rendered.sql, rendered.params), (spec.name, given)
                bound |= {(spec.name, name) for name in assert_bound(query, params, given, spec)}
                given_names |= {
                    (spec.name, name) for name in given if spec.parameter(name).type not in ("identifier", "boolean")
                }
    # Every parameter of every kind (text, integer, date, choice) that filters reached DuckDB bound at least once.
    assert given_names and bound == given_names, given_names - bound


@pytest.mark.parametrize(
    ("report", "given"),
    [
        ("provenance", {"fact_id": "tokyo2020_hebei_gold"}),
        ("medals", {"kind": "national_games", "since": "2021"}),
        ("indicators", {"domain": "education", "region": "hebei", "order_by": "value"}),
    ],
)
def test_the_command_line_binds_its_values(report: str, given: dict[str, str], built_db: Path, executed) -> None:
    args = [arg for name, value in given.items() for arg in ("--param", f"{name}={value}")]
    result = cli_in_process("report", report, *args, "--db", str(built_db))
    assert result.returncode == 0, result.stderr
    query, params = executed[-1]
    typed = {name: (int(value) if value.isdigit() else value) for name, value in given.items()}
    with hebeidb.open(built_db) as db:
        spec = db.report_spec(report)
        rendered = db.render(report, **typed)
    assert (query, params or {}) == (rendered.sql, rendered.params)
    filtering = {name for name in given if spec.parameter(name).type not in ("identifier", "boolean")}
    assert filtering and assert_bound(query, params, typed, spec) == filtering  # every value that filters is bound


def test_search_words_are_bound(built_db: Path, executed, everything) -> None:
    with hebeidb.open(built_db) as db:
        everything.clear()
        db.search("children autism'; DROP TABLE facts; --").fetchall()
    assert everything
    for query, _params in everything:
        # Not a word of the search (nor the stem it is searched by) stands in the text of any query.
        assert not re.search(r"autism|child|drop", query, re.I), query
    values = [str(v) for _query, params in everything if isinstance(params, dict) for v in params.values()]
    assert any("autism" in v for v in values) and any("child" in v for v in values)  # they reached DuckDB bound
