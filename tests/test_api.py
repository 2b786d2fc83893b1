"""The Python API: opening read-only (and the files it refuses), ad-hoc SQL with bound parameters, relations.

What ad-hoc SQL refuses, through the API and the command line, is in test_sql_refusals.py.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

import hebeidb
from hebeidb.reader.database import Database


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
        counts = core_counts(db._connection)
        with pytest.raises(duckdb.Error, match=r"(?i)read.only"):
            db._connection.execute(statement)
        assert core_counts(db._connection) == counts
        assert counts["facts"] == seed_rows(inputs_root, "facts")
    assert sha256_of(db_copy) == before


def test_context_manager_closes_the_connection(db_copy: Path) -> None:
    with hebeidb.open(db_copy) as db:
        assert isinstance(db, Database)
        assert db._connection.sql("SELECT 1").fetchall() == [(1,)]
    with pytest.raises(duckdb.Error):
        db._connection.sql("SELECT 1").fetchall()


def test_context_manager_closes_on_an_exception(db_copy: Path) -> None:
    with pytest.raises(RuntimeError), hebeidb.open(db_copy) as db:
        raise RuntimeError("boom")
    with pytest.raises(duckdb.Error):
        db._connection.sql("SELECT 1").fetchall()
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


def test_open_a_file_built_by_another_version_warns_and_opens_it_as_it_is(tmp_path: Path, old_version_db: Path) -> None:
    target = tmp_path / "old.duckdb"
    shutil.copyfile(old_version_db, target)
    before = sha256_of(target)
    with pytest.warns(hebeidb.StaleDatabaseWarning) as caught, hebeidb.open(target) as db:
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
    relation = db._connection.sql("SELECT fact_id, value FROM facts")
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
    everything = db._connection.sql("SELECT domain, region, is_inferred FROM facts").fetchall()
    assert rows == [(sum(1 for d, r, i in everything if d == "sport_results" and r == "hebei" and not i),)]


# --- relations --------------------------------------------------------------------------------


def test_report_relation_has_columns_and_rows(db: Database) -> None:
    relation = db.report("medals", kind="winter_paralympics")
    rows = relation.fetchall()
    expected = db._connection.sql("SELECT count(*) FROM medal_tallies WHERE kind = 'winter_paralympics'").fetchall()
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


@pytest.mark.parametrize("method", ["fetchall", "fetchone", "fetchmany", "df", "pl", "arrow", "fetchnumpy"])
def test_every_way_of_fetching_leaves_the_connection_free(db: Database, method: str) -> None:
    needs = {"df": "pandas", "pl": "polars", "arrow": "pyarrow"}.get(method)
    if needs is not None and importlib.util.find_spec(needs) is None:
        pytest.fail(f"{needs} is part of the test extra: pip install -e '.[test]'")
    fetched = getattr(db.report("medals"), method)()
    if method == "arrow":
        assert fetched.num_rows == len(db.report("medals").fetchall())
    # The next query runs: nothing is left holding the connection.
    assert db.sql("SELECT count(*) FROM facts").fetchall()[0][0] > 0
    assert db.report("timeline").fetchall()


def test_render_keeps_values_out_of_the_sql(db: Database) -> None:
    rendered = db.render("medals", kind="national_games", since="2021")
    assert rendered.params == {"kind": "national_games", "since": 2021}
    assert "national_games" not in rendered.sql
    assert "$kind" in rendered.sql and "$since" in rendered.sql


def test_reports_lists_specs_with_titles(db: Database, inputs_root: Path) -> None:
    specs = db.reports()
    assert [s.name for s in specs] == sorted(p.stem for p in (inputs_root / "queries").glob("*.sql"))
    assert all(s.title and s.description for s in specs)


# --- opening: paths, folders and files that are not hebeidb databases ----------------------------------------


def test_open_without_build_names_the_missing_file_and_the_command(tmp_path: Path) -> None:
    target = tmp_path / "nowhere" / "hebei.duckdb"
    with pytest.raises(hebeidb.DatabaseError) as caught:
        hebeidb.open(target)
    assert str(caught.value) == f"{target} does not exist; build it with `hebeidb build --db {target}`"
    assert not target.parent.exists()


def test_open_without_a_path_uses_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "from-env.duckdb"
    monkeypatch.setenv("HEBEIDB_DATABASE", str(target))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(hebeidb.DatabaseError, match=r"from-env\.duckdb does not exist"):
        hebeidb.open()
    assert list(tmp_path.iterdir()) == []


def test_open_a_folder_is_a_database_error(tmp_path: Path) -> None:
    with pytest.raises(hebeidb.DatabaseError) as caught:
        hebeidb.open(tmp_path)
    assert str(caught.value) == f"{tmp_path} does not exist or is not a file"


def test_open_another_duckdb_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "mine.duckdb"
    con = duckdb.connect(str(target))
    con.execute("CREATE TABLE notes AS SELECT 'keep me' AS note")
    con.close()
    before = target.read_bytes()
    with pytest.raises(hebeidb.DatabaseError) as caught:
        hebeidb.open(target)
    message = str(caught.value)
    assert message.startswith(f"{target} is not a hebeidb database ")
    assert "build_info" in message
    assert target.read_bytes() == before  # not rebuilt over someone else's data


def test_open_a_file_that_is_not_duckdb_names_it(tmp_path: Path) -> None:
    target = tmp_path / "text.duckdb"
    target.write_text("just some text\n" * 200, encoding="utf-8")
    with pytest.raises(hebeidb.DatabaseError) as caught:
        hebeidb.open(target)
    assert str(caught.value).startswith(f"cannot open {target}: ")
    assert target.read_text(encoding="utf-8") == "just some text\n" * 200


def test_database_repr_shows_its_path(db: Database, built_db: Path) -> None:
    assert repr(db) == f"Database({str(built_db)!r})"


@pytest.mark.slow
def test_build_stays_callable_after_open_imports_the_build_module(tmp_path: Path) -> None:
    """``hebeidb.build`` stays the documented function after ``hebeidb.open`` and a first build have run
    in the same process (importing the build machinery), instead of turning into a module."""
    script = (
        "import sys, hebeidb\nhebeidb.build(sys.argv[1])\nhebeidb.open(sys.argv[1]).close()\n"
        "print(hebeidb.build(sys.argv[2]))\n"
    )
    first, second = tmp_path / "first.duckdb", tmp_path / "second.duckdb"
    result = subprocess.run(
        [sys.executable, "-c", script, str(first), str(second)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-600:]
    assert result.stdout.strip() == str(second)
    assert second.is_file()
