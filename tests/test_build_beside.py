"""The source texts and the derived tables are filled beside the seeds, each step once the tables it may read
are in; the result is the same as filling them after the seeds, and a problem of the seeds still comes first."""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb
import pytest

from hebeidb.builder import beside as builder
from hebeidb.builder import build_database, loading
from hebeidb.common.errors import BuildError

WAIT = 60  # seconds a test waits for the other thread before it fails


def test_the_tables_a_query_may_read_are_found_through_views_and_macros() -> None:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA core")
    for name in ("facts", "artifacts", "units", "words", "unused"):
        con.execute(f"CREATE TABLE core.{name} (x INTEGER)")
    con.execute("CREATE VIEW core.inner_view AS SELECT x FROM core.units")
    con.execute("CREATE VIEW main.outer_view AS SELECT * FROM core.inner_view")
    con.execute("CREATE MACRO core.plus_max(y) AS (SELECT max(x) FROM core.words) + y")
    con.execute("CREATE MACRO core.all_facts() AS TABLE SELECT * FROM core.facts")
    reads = loading.table_reads(con)
    assert reads("SELECT * FROM core.artifacts") == {"artifacts"}  # a name is a whole word, not a part of one
    assert reads("SELECT * FROM outer_view") == {"units"}  # through two views
    assert reads("SELECT core.plus_max(1)") == {"words"}  # through a macro's subquery
    assert reads("SELECT * FROM core.all_facts()") == {"facts"}  # through a table macro
    assert reads("SELECT 1 AS units, 'words' AS w") == set()  # an alias or a string names no table
    assert reads('SELECT * FROM CORE.Facts JOIN core."UNITS" USING (x)') == {"facts", "units"}  # in any case
    con.execute('CREATE VIEW core."Mixed_Case" AS SELECT x FROM CORE.ARTIFACTS')
    assert loading.table_reads(con)("SELECT * FROM core.mixed_case") == {"artifacts"}
    assert reads("SELECT 1") == set()
    # A table named by a value cannot be told from the text: the caller then waits for every table.
    assert reads("SELECT * FROM query_table('core.' || 'facts')") is None
    assert reads("SELECT * FROM QUERY ('SELECT * FROM core.facts')") is None


def test_the_tokens_fill_while_the_facts_load_and_the_fact_tokens_wait_for_them(
    inputs_copy: Path, tmp_path: Path, built_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[tuple[str, object]] = []
    tokens_filled = threading.Event()
    fill, insert = builder.fill_derived_table, loading.insert_rows

    def filling(cursor: duckdb.DuckDBPyConnection, name: str) -> int:
        rows = fill(cursor, name)
        events.append(("filled", name))
        if name == "number_tokens":
            tokens_filled.set()
        return rows

    def inserting(con: duckdb.DuckDBPyConnection, table: loading.Table, rows: str) -> int | None:
        if table.name == "facts":  # held back until the tokens are in: they must not wait for the facts
            events.append(("tokens in before the facts", tokens_filled.wait(WAIT)))
        inserted = insert(con, table, rows)
        events.append(("inserted", table.name))
        return inserted

    monkeypatch.setattr(builder, "fill_derived_table", filling)
    monkeypatch.setattr(loading, "insert_rows", inserting)
    report = build_database(tmp_path / "beside.duckdb", inputs=inputs_copy)

    assert ("tokens in before the facts", True) in events
    assert events.index(("filled", "fact_tokens")) > events.index(("inserted", "facts"))
    assert report.tables["number_tokens"] > 0 and report.tables["fact_tokens"] > 0
    # The same rows as the session's database, built from the same inputs.
    with duckdb.connect(str(tmp_path / "beside.duckdb"), read_only=True) as new, duckdb.connect() as con:
        con.execute(f"ATTACH '{built_db}' AS session (READ_ONLY)")
        for table in ("source_texts", "number_tokens", "fact_tokens"):
            query = f"SELECT * FROM {{}}.core.{table} ORDER BY ALL"
            assert new.execute(query.format("beside")).fetchall() == con.execute(query.format("session")).fetchall()


def test_a_problem_of_the_seeds_interrupts_the_step_beside_and_is_the_one_reported(
    inputs_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    facts = inputs_copy / "seeds" / "facts.csv"
    lines = facts.read_text("utf-8").splitlines(keepends=True)
    facts.write_text("".join([*lines, lines[1]]), "utf-8")  # the first fact again: a repeated fact_id
    started, outcome = threading.Event(), []
    insert = loading.insert_rows

    def endless(cursor: duckdb.DuckDBPyConnection, name: str) -> int:
        started.set()
        try:
            cursor.execute("SELECT sum(range) FROM range(100000000000)").fetchall()  # minutes, unless interrupted
        except duckdb.InterruptException:
            outcome.append("interrupted")
            raise
        outcome.append("ran to its end")
        return 0

    def inserting(con: duckdb.DuckDBPyConnection, table: loading.Table, rows: str) -> int | None:
        if table.name == "facts":
            assert started.wait(WAIT)
        return insert(con, table, rows)

    monkeypatch.setattr(builder, "fill_derived_table", endless)
    monkeypatch.setattr(loading, "insert_rows", inserting)
    with pytest.raises(BuildError) as caught:
        build_database(tmp_path / "beside.duckdb", inputs=inputs_copy)
    assert [p.file for p in caught.value.problems] == ["seeds/facts.csv"], str(caught.value)
    assert outcome == ["interrupted"]
    # No database and nothing beside it but the lock file, which stays.
    assert sorted(p.name for p in tmp_path.iterdir()) == [".beside.duckdb.lock", "inputs"]
