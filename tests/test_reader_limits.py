"""Readers have a query timeout and a memory limit, both overridable, both failing with one line."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from safety import assert_one_line_error, copy_database, run_hebeidb, tree_digest

import hebeidb
from hebeidb.cli import DEFAULT_QUERY_TIMEOUT
from hebeidb.common.errors import QueryError, QueryTimeoutError

ENDLESS = [
    "SELECT count(*) FROM range(1000000) a, range(1000000) b",
    "SELECT count(*) FROM range(100000) a, range(100000) b, range(1000) c WHERE a.range + b.range = c.range",
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT max(n) FROM r",
]
HUNGRY = "SELECT count(*) FROM (SELECT DISTINCT range::VARCHAR || 'padding-padding' AS v FROM range(3000000))"


@pytest.mark.parametrize("query", ENDLESS)
def test_the_api_interrupts_a_long_query_after_its_timeout(query: str, built_db: Path) -> None:
    with hebeidb.open(built_db) as db:
        with pytest.raises(QueryTimeoutError, match=r"interrupted after 0\.3 s"):
            db.sql(query, timeout=0.3).fetchall()
        assert db.sql("SELECT count(*) FROM facts").fetchall()[0][0] > 0, "the connection still works"
    with hebeidb.open(built_db, query_timeout=0.3) as db, pytest.raises(QueryTimeoutError):
        db.sql(query).fetchall()


@pytest.mark.parametrize("query", ENDLESS[:2])
def test_the_command_line_interrupts_a_long_query(query: str, built_db: Path, tmp_path: Path) -> None:
    database = copy_database(built_db, tmp_path / "db")
    before = tree_digest(tmp_path)
    result = run_hebeidb("sql", query, "--db", str(database), "--timeout", "0.5", cwd=tmp_path)
    assert_one_line_error(result, 2, "interrupted after 0.5 s", "timeout")
    assert tree_digest(tmp_path) == before


def test_the_command_line_has_a_default_timeout_of_at_most_a_minute(tmp_path: Path) -> None:
    assert 0 < DEFAULT_QUERY_TIMEOUT <= 60
    for command in ("sql", "report"):
        help_text = run_hebeidb(command, "--help", cwd=tmp_path).stdout
        assert f"default: {DEFAULT_QUERY_TIMEOUT:g}" in " ".join(help_text.split())


def test_a_report_obeys_the_timeout(built_db: Path, tmp_path: Path) -> None:
    database = copy_database(built_db, tmp_path / "db")
    with duckdb.connect(str(database)) as con:
        con.execute(f"CREATE OR REPLACE VIEW report_medals AS {ENDLESS[0]}")
    with hebeidb.open(database) as db, pytest.raises(QueryTimeoutError, match=r"interrupted after 0\.3 s"):
        db.report("medals", timeout=0.3).fetchall()
    result = run_hebeidb("report", "medals", "--db", str(database), "--timeout", "0.3", cwd=tmp_path)
    assert_one_line_error(result, 2, "interrupted after 0.3 s")


@pytest.mark.parametrize("limit", ["20MB", "30MB"])
def test_an_over_limit_query_fails_with_a_hebeidb_message(limit: str, built_db: Path, tmp_path: Path) -> None:
    # A copy: DuckDB shares one instance, and its settings, among the connections to a file in a process.
    with hebeidb.open(copy_database(built_db, tmp_path), memory_limit=limit) as db:
        with pytest.raises(QueryError, match="more memory than readers may use") as caught:
            db.sql(HUNGRY).fetchall()
        assert "HEBEIDB_READER_MEMORY_LIMIT" in str(caught.value)
        assert db.sql("SELECT current_setting('memory_limit')").fetchall()[0][0].endswith("MiB")


def test_the_memory_limit_is_overridable(built_db: Path, tmp_path: Path) -> None:
    with hebeidb.open(copy_database(built_db, tmp_path), memory_limit="1GB") as db:
        assert db.sql(HUNGRY).fetchall() == [(3000000,)]


def test_the_environment_sets_the_readers_memory_limit(built_db: Path, tmp_path: Path) -> None:
    database = copy_database(built_db, tmp_path / "db")
    before = tree_digest(tmp_path)
    env = {"HEBEIDB_READER_MEMORY_LIMIT": "20MB"}
    result = run_hebeidb("sql", HUNGRY, "--db", str(database), env=env, cwd=tmp_path)
    assert_one_line_error(result, 2, "more memory than readers may use", "HEBEIDB_READER_MEMORY_LIMIT")
    assert tree_digest(tmp_path) == before, "nothing spilled to disk"
    small = run_hebeidb("sql", "SELECT 42 AS n", "--db", str(database), env=env, cwd=tmp_path)
    assert small.returncode == 0, small.stderr


@pytest.mark.parametrize("value", ["lots", "GB", "1 parsec"])
def test_a_memory_limit_that_is_not_a_size_is_a_usage_error(value: str, built_db: Path, tmp_path: Path) -> None:
    env = {"HEBEIDB_READER_MEMORY_LIMIT": value}
    result = run_hebeidb("sql", "SELECT 1", "--db", str(built_db), env=env, cwd=tmp_path)
    assert_one_line_error(result, 2, "HEBEIDB_READER_MEMORY_LIMIT", "not a memory size")
    with pytest.raises(hebeidb.ParameterError, match="memory_limit="):
        hebeidb.open(built_db, memory_limit=value)
