"""The Python API: read-only open, build on demand, rebuild when stale, and the guarded ad-hoc SQL."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

import hebeidb
from hebeidb.database import Database


@pytest.fixture
def db_copy(tmp_path: Path, built_db: Path) -> Path:
    """A private copy of the session database, so that a test may try to damage it."""
    target = tmp_path / "copy" / "hebei.duckdb"
    target.parent.mkdir()
    shutil.copy(built_db, target)
    return target


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def core_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    tables = [t for (t,) in con.sql("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'core'").fetchall()]
    assert "facts" in tables
    counts = {}
    for table in tables:
        [(count,)] = con.sql(f'SELECT count(*) FROM core."{table}"').fetchall()
        counts[table] = count
    return counts


def seed_rows(inputs_root: Path, table: str) -> int:
    with (inputs_root / "seeds" / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.DictReader(handle))


# --- opening ----------------------------------------------------------------------------------


def test_parameter_error_is_a_value_error() -> None:
    assert issubclass(hebeidb.ParameterError, ValueError)
    assert issubclass(hebeidb.ParameterError, hebeidb.HebeidbError)


@pytest.mark.parametrize(
    "statement",
    ["CREATE TABLE t (a INTEGER)", "DELETE FROM core.facts", "DROP VIEW facts", "UPDATE core.facts SET value = 0"],
)
def test_open_is_read_only(db_copy: Path, inputs_root: Path, statement: str) -> None:
    before = sha256_of(db_copy)
    with hebeidb.open(db_copy) as db:
        counts = core_counts(db.con)
        with pytest.raises(duckdb.Error, match=r"(?i)read.only"):
            db.con.execute(statement)
        assert core_counts(db.con) == counts
        assert counts["facts"] == seed_rows(inputs_root, "facts")
    assert sha256_of(db_copy) == before


def test_context_manager_closes_the_connection(db_copy: Path) -> None:
    with hebeidb.open(db_copy) as db:
        assert isinstance(db, Database)
        assert db.con.sql("SELECT 1").fetchall() == [(1,)]
    with pytest.raises(duckdb.Error):
        db.con.sql("SELECT 1").fetchall()


def test_context_manager_closes_on_an_exception(db_copy: Path) -> None:
    with pytest.raises(RuntimeError), hebeidb.open(db_copy) as db:
        raise RuntimeError("boom")
    with pytest.raises(duckdb.Error):
        db.con.sql("SELECT 1").fetchall()
    # Closed, so a writer may open the file again.
    con = duckdb.connect(str(db_copy))
    con.close()


def test_open_a_missing_file_raises_and_creates_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "fresh"
    folder.mkdir()
    target = folder / "hebei.duckdb"
    with pytest.raises(hebeidb.DatabaseError) as caught:
        hebeidb.open(target)
    assert str(caught.value) == f"{target} does not exist; build it with `hebeidb build --db {target}`"
    assert list(folder.iterdir()) == []


def test_open_a_file_built_by_another_version_warns_and_opens_it_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hebeidb.builder

    monkeypatch.setattr(hebeidb.builder, "__version__", "0.0.1")
    target = hebeidb.build(tmp_path / "old.duckdb")
    monkeypatch.undo()
    before = sha256_of(target)
    with pytest.warns(hebeidb.database.StaleDatabaseWarning) as caught, hebeidb.open(target) as db:
        assert db.build_info()["package_version"] == "0.0.1"
        assert db.sql("SELECT count(*) FROM facts").fetchall()[0][0] > 0
    message = str(caught[0].message)
    assert "hebeidb 0.0.1" in message and f"hebeidb {hebeidb.__version__}" in message
    assert f"hebeidb build --db {target}" in message
    assert sha256_of(target) == before


def test_a_file_of_the_current_version_opens_without_a_warning(built_db: Path) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hebeidb.open(built_db).close()


def test_a_file_without_the_contract_tables_is_refused_as_too_old(db_copy: Path) -> None:
    con = duckdb.connect(str(db_copy))
    con.execute("DROP TABLE core.report_parameters")
    con.close()
    before = sha256_of(db_copy)
    with pytest.raises(hebeidb.DatabaseError) as caught:
        hebeidb.open(db_copy)
    assert str(caught.value) == (
        f"{db_copy} was written by an older hebeidb (no core.report_parameters table); "
        f"rebuild it with `hebeidb build --db {db_copy}`"
    )
    assert sha256_of(db_copy) == before


def test_open_a_foreign_file_is_a_database_error(tmp_path: Path) -> None:
    target = tmp_path / "not-a-database.duckdb"
    target.write_bytes(b"this is not a DuckDB file\n" * 100)
    with pytest.raises(hebeidb.DatabaseError):
        hebeidb.open(target)


# --- ad-hoc SQL -------------------------------------------------------------------------------


def test_sql_runs_one_select_with_bound_parameters(db: Database) -> None:
    relation = db.con.sql("SELECT fact_id, value FROM facts")
    everything = relation.fetchall()
    expected = sorted(fact_id for fact_id, value in everything if value is not None and value > 10000)
    assert 0 < len(expected) < len(everything)
    got = db.sql("SELECT fact_id FROM facts WHERE value > $v ORDER BY fact_id", {"v": 10000}).fetchall()
    assert [f for (f,) in got] == expected


def test_sql_binds_several_parameters_of_several_types(db: Database) -> None:
    rows = db.sql(
        "SELECT count(*) FROM facts WHERE domain = $d AND region = $r AND is_inferred = $i",
        {"d": "sport_results", "r": "hebei", "i": False},
    ).fetchall()
    everything = db.con.sql("SELECT domain, region, is_inferred FROM facts").fetchall()
    assert rows == [(sum(1 for d, r, i in everything if d == "sport_results" and r == "hebei" and not i),)]


def test_sql_with_missing_parameter_is_refused(db: Database) -> None:
    with pytest.raises(hebeidb.ParameterError):
        db.sql("SELECT count(*) FROM facts WHERE domain = $d").fetchall()


REFUSED = [
    "INSERT INTO core.domains VALUES ('x', 'X', 'x')",
    "UPDATE core.facts SET value = 0",
    "DELETE FROM core.facts",
    "CREATE TABLE scratch (a INTEGER)",
    "CREATE VIEW scratch AS SELECT 1",
    "DROP TABLE core.facts",
    "DROP VIEW facts",
    "COPY core.facts TO '{tmp}/out.csv'",
    "COPY (SELECT * FROM facts) TO '{tmp}/out.parquet' (FORMAT parquet)",
    "COPY core.facts FROM '/etc/passwd'",
    "ATTACH '{tmp}/other.duckdb' AS other",
    "INSTALL httpfs",
    "LOAD httpfs",
    "PRAGMA version",
    "SET threads = 1",
    "SELECT 1; DROP TABLE facts",
    "SELECT 1; SELECT 2",
    "WITH x AS (DELETE FROM core.facts RETURNING *) SELECT * FROM x",
    "EXPLAIN ANALYZE DELETE FROM core.facts",
    "CALL pragma_version()",
    "EXPORT DATABASE '{tmp}/export'",
    "",
]
FILE_ACCESS = [
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM glob('/etc/*')",
    "SELECT * FROM read_csv_auto('/etc/passwd')",
    "SELECT * FROM '/etc/passwd.csv'",
]


def assert_refused_without_change(db_path: Path, tmp_path: Path, query: str, words: tuple[str, ...]) -> str:
    before = sha256_of(db_path)
    with hebeidb.open(db_path) as db:
        counts = core_counts(db.con)
        [(threads,)] = db.con.sql("SELECT current_setting('threads')").fetchall()
        with pytest.raises(hebeidb.ParameterError) as caught:
            db.sql(query).fetchall()
        message = str(caught.value)
        assert isinstance(caught.value, ValueError)
        assert any(word in message for word in words), message
        # Nothing changed, nothing was written, the connection still works.
        assert core_counts(db.con) == counts
        assert db.con.sql("SELECT current_setting('threads')").fetchall() == [(threads,)]
        assert db.con.sql("SELECT count(*) FROM duckdb_databases() WHERE NOT internal").fetchall() == [(1,)]
        assert db.sql("SELECT count(*) FROM facts").fetchall() == [(counts["facts"],)]
    assert sha256_of(db_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy"]
    return message


@pytest.mark.parametrize("template", REFUSED)
def test_sql_refuses_anything_but_one_select(db_copy: Path, tmp_path: Path, template: str) -> None:
    query = template.format(tmp=tmp_path)
    message = assert_refused_without_change(
        db_copy, tmp_path, query, ("SELECT", "read-only", "one statement", "exactly one")
    )
    assert len(message) < 500


@pytest.mark.parametrize("query", FILE_ACCESS)
def test_sql_refuses_file_access(db_copy: Path, tmp_path: Path, query: str) -> None:
    message = assert_refused_without_change(db_copy, tmp_path, query, ("file", "File"))
    assert "root:" not in message  # nothing of the file's content leaks


def test_sql_refusal_names_the_offending_keyword(db: Database) -> None:
    with pytest.raises(hebeidb.ParameterError, match="DELETE"):
        db.sql("WITH x AS (DELETE FROM core.facts RETURNING *) SELECT * FROM x")
    with pytest.raises(hebeidb.ParameterError, match="2"):
        db.sql("SELECT 1; DROP TABLE facts")


def test_sql_keywords_inside_strings_and_quoted_names_are_allowed(db: Database) -> None:
    rows = db.sql("""SELECT 'DROP TABLE facts; DELETE' AS "update", count(*) AS n FROM facts""").fetchall()
    [(count,)] = db.con.sql("SELECT count(*) FROM core.facts").fetchall()
    assert rows == [("DROP TABLE facts; DELETE", count)]


# --- relations --------------------------------------------------------------------------------


def test_report_relation_has_columns_and_rows(db: Database) -> None:
    relation = db.report("medals", kind="winter_paralympics")
    rows = relation.fetchall()
    expected = db.con.sql("SELECT count(*) FROM medal_tallies WHERE kind = 'winter_paralympics'").fetchall()
    assert [(len(rows),)] == expected
    assert relation.columns[:3] == ["competition_id", "competition", "kind"]
    assert all(len(row) == len(relation.columns) for row in rows)
    # A relation runs again on every call.
    assert relation.fetchall() == rows


def test_report_relation_to_pandas_when_installed(db: Database) -> None:
    relation = db.report("medals")
    rows = relation.fetchall()
    if importlib.util.find_spec("pandas") is not None:
        frame = relation.df()
        assert list(frame.columns) == relation.columns
        assert len(frame) == len(rows)
    if importlib.util.find_spec("pyarrow") is not None:
        table: Any = relation.to_arrow_table()
        assert table.column_names == relation.columns
        assert table.num_rows == len(rows)
        assert table.column("delegation").to_pylist() == [row[relation.columns.index("delegation")] for row in rows]


def test_render_keeps_values_out_of_the_sql(db: Database) -> None:
    rendered = db.render("medals", kind="national_games", since="2021")
    assert rendered.params == {"kind": "national_games", "since": 2021}
    assert "national_games" not in rendered.sql
    assert "$kind" in rendered.sql and "$since" in rendered.sql


def test_reports_lists_specs_with_titles(db: Database, inputs_root: Path) -> None:
    specs = db.reports()
    assert [s.name for s in specs] == sorted(p.stem for p in (inputs_root / "queries").glob("*.sql"))
    assert all(s.title and s.description for s in specs)
