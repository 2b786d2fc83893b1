"""Errors while rows are fetched are hebeidb's, with the text the command line prints and DuckDB's hints."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from safety import copy_database, run_hebeidb

import hebeidb
from hebeidb.common.errors import QueryError

FAILING = {
    "conversion at fetch": ("SELECT\n  CAST(label AS INTEGER) FROM facts", ["Conversion Error", "LINE 2:", "^"]),
    "misspelt column": ("SELECT lable FROM facts", ["Candidate bindings", '"label"']),
    "misspelt table": ("SELECT * FROM fact", ["Did you mean", '"facts"']),
    "misspelt function": ("SELECT * FROM rnge(3)", ["Did you mean", '"range"']),
    "wrong argument types": ("SELECT count(*) FROM range(1e6)", ["Candidate functions", "stop BIGINT"]),
    "error() at run time": ("SELECT error('boom ' || fact_id) FROM facts", ["boom"]),
}


def api_message(db: hebeidb.Database, query: str) -> str:
    with pytest.raises(QueryError) as caught:
        db.sql(query).fetchall()
    assert not isinstance(caught.value, duckdb.Error)
    return str(caught.value)


@pytest.mark.parametrize("case", FAILING)
def test_the_api_and_the_command_line_give_the_same_hebeidb_error(
    case: str, built_db: Path, db: hebeidb.Database, tmp_path: Path
) -> None:
    query, hints = FAILING[case]
    message = api_message(db, query)
    for hint in hints:
        assert hint in message, message
    result = run_hebeidb("sql", query, "--db", str(built_db), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == f"hebeidb: {message}\n"
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("method", ["fetchall", "fetchone", "fetchmany", "df", "pl", "arrow", "fetchnumpy"])
def test_every_way_of_fetching_raises_the_hebeidb_error(method: str, db: hebeidb.Database) -> None:
    result = db.sql("SELECT CAST(label AS INTEGER) FROM facts")
    with pytest.raises(QueryError, match="Conversion Error"):
        getattr(result, method)()


def test_a_report_that_fails_while_fetching_raises_the_same_error_as_the_command_line(
    built_db: Path, tmp_path: Path
) -> None:
    database = copy_database(built_db, tmp_path / "db")
    with duckdb.connect(str(database)) as con:
        con.execute("CREATE OR REPLACE VIEW report_medals AS SELECT error('report broke') AS x")
    with hebeidb.open(database) as db, pytest.raises(QueryError, match="report broke") as caught:
        db.report("medals").fetchall()
    result = run_hebeidb("report", "medals", "--db", str(database), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == f"hebeidb: {caught.value}\n"
