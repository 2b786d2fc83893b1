"""A crafted database file cannot make an export write outside its folder or read another file.

Each test copies a built database and edits it with DuckDB as an attacker could: hostile names in the
contract tables and in the catalogue, views over files. The export refuses or fails with one line, or
writes plain files inside its target only, and no planted secret shows anywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
from safety import assert_one_line_error, copy_database, run_hebeidb, tree_digest

SECRET = "SECRET-b41e07"


def unconstrained(con: duckdb.DuckDBPyConnection) -> None:
    """Recreate the contract tables without their checks and keys, as a hand-made file may hold them."""
    for table in ("public_view_references", "report_parameters"):
        con.execute(f"CREATE TABLE core.saved_{table} AS SELECT * FROM core.{table}")
        con.execute(f"DROP TABLE core.{table}")
    for table in ("public_views", "reports"):
        con.execute(f"CREATE TABLE core.saved_{table} AS SELECT * FROM core.{table}")
        con.execute(f"DROP TABLE core.{table}")
    for table in ("public_view_references", "report_parameters", "public_views", "reports"):
        con.execute(f"ALTER TABLE core.saved_{table} RENAME TO {table}")


def hostile_view(name: str) -> Callable[[duckdb.DuckDBPyConnection, Path], None]:
    def craft(con: duckdb.DuckDBPyConnection, tmp: Path) -> None:
        name_here = name.format(tmp=tmp)
        unconstrained(con)
        con.execute(f"CREATE VIEW main.{quote(name_here)} AS SELECT 1 AS x")
        con.execute("INSERT INTO core.public_views VALUES ($name, [], 99)", {"name": name_here})

    return craft


def hostile_report_view(name: str) -> Callable[[duckdb.DuckDBPyConnection, Path], None]:
    def craft(con: duckdb.DuckDBPyConnection, tmp: Path) -> None:
        name_here = name.format(tmp=tmp)
        unconstrained(con)
        con.execute(f"CREATE VIEW main.{quote(name_here)} AS SELECT 1 AS x")
        con.execute("UPDATE core.reports SET view_name = $name WHERE name = 'medals'", {"name": name_here})

    return craft


def hostile_table(name: str) -> Callable[[duckdb.DuckDBPyConnection, Path], None]:
    def craft(con: duckdb.DuckDBPyConnection, tmp: Path) -> None:
        con.execute(f"CREATE TABLE core.{quote(name.format(tmp=tmp))} (x INTEGER)")

    return craft


def view_over_file(reader: str) -> Callable[[duckdb.DuckDBPyConnection, Path], None]:
    def craft(con: duckdb.DuckDBPyConnection, tmp: Path) -> None:
        source = reader.format(secret=tmp / "planted" / "secret.csv")
        con.execute(f"CREATE OR REPLACE VIEW main.sources AS SELECT * FROM {source}")

    return craft


def report_over_file(con: duckdb.DuckDBPyConnection, tmp: Path) -> None:
    secret = tmp / "planted" / "secret.csv"
    con.execute(f"CREATE OR REPLACE VIEW main.report_medals AS SELECT * FROM read_csv('{secret}')")


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


REFUSED = {
    "absolute path view": hostile_view("{tmp}/x/ESCAPED"),
    "parent view": hostile_view("../up"),
    "double quote view": hostile_view('fa"cts'),
    "single quote view": hostile_view("fa'cts"),
    "unicode view": hostile_view("fäcts_数据"),
    "space and semicolon view": hostile_view("x; COPY y"),
    "absolute path report view": hostile_report_view("{tmp}/x/REPORT"),
    "parent report view": hostile_report_view("../../report_up"),
    "quoted report view": hostile_report_view("report'); --"),
    "parent core table": hostile_table("../up"),
    "absolute path core table": hostile_table("{tmp}/x/TABLE"),
    "view over /etc/hostname": view_over_file("read_text('/etc/hostname')"),
    "view over a planted csv": view_over_file("read_csv('{secret}')"),
    "view over a planted text": view_over_file("read_text('{secret}')"),
    "view through query()": view_over_file("query('SELECT * FROM read_text(''{secret}'')')"),
    "report view over a planted csv": report_over_file,
}


def crafted(built_db: Path, tmp_path: Path, craft: Callable[[duckdb.DuckDBPyConnection, Path], None]) -> Path:
    planted = tmp_path / "planted"
    planted.mkdir()
    (planted / "secret.csv").write_text(f"a,b\n{SECRET},1\n")
    (tmp_path / "x").mkdir()
    database = copy_database(built_db, tmp_path / "db")
    with duckdb.connect(str(database)) as con:
        craft(con, tmp_path)
    return database


@pytest.mark.parametrize("case", REFUSED)
def test_a_crafted_file_cannot_escape_through_export(
    case: str, built_db: Path, tmp_path: Path, run_cli: Callable[..., Any]
) -> None:
    database = crafted(built_db, tmp_path, REFUSED[case])
    before = tree_digest(tmp_path)
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").is_file() else SECRET
    result = run_cli("export", str(tmp_path / "out"), "--db", str(database), "--format", "csv", cwd=tmp_path)
    assert result.returncode in (1, 2), result
    assert_one_line_error(result, result.returncode)
    assert tree_digest(tmp_path) == before, "nothing written anywhere, no target, no leftover"
    assert SECRET not in result.stderr + result.stdout
    assert hostname not in result.stderr + result.stdout


def test_hostile_column_names_stay_names(built_db: Path, tmp_path: Path) -> None:
    def craft(con: duckdb.DuckDBPyConnection, tmp: Path) -> None:
        con.execute(f"""CREATE TABLE core.odd ("a""b" INTEGER PRIMARY KEY, "x'); COPY (SELECT 1) TO '{tmp}/x/c.csv"
                        VARCHAR, "../up" INTEGER)""")
        con.execute("INSERT INTO core.odd VALUES (1, 'one', 2)")

    database = crafted(built_db, tmp_path, craft)
    target = tmp_path / "out"
    result = run_hebeidb("export", str(target), "--db", str(database), "--format", "csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (target / "core.odd.csv").read_text().splitlines()[1] == "1,one,2"
    assert list((tmp_path / "x").iterdir()) == []
    assert all(path.parent == target for path in target.rglob("*"))


@pytest.mark.parametrize("target_name", ["o'ut", 'o"ut', "out; DROP"])
def test_hostile_partition_values_and_target_names_stay_inside_the_export(
    target_name: str, built_db: Path, tmp_path: Path
) -> None:
    def craft(con: duckdb.DuckDBPyConnection, tmp: Path) -> None:
        con.execute(
            "CREATE OR REPLACE VIEW main.domains AS SELECT * FROM "
            f"(VALUES ('../../../x/ESCAPED', 1), ('{tmp}/x/ABSOLUTE', 2), ('it''s', 3)) AS t(domain, n)"
        )

    database = crafted(built_db, tmp_path, craft)
    target = tmp_path / target_name
    for _ in range(2):  # the second export replaces the first
        result = run_hebeidb(
            "export", str(target), "--db", str(database), "--only", "domains", "--partition-by", "domain", cwd=tmp_path
        )
        assert result.returncode == 0, result.stderr
    assert list((tmp_path / "x").iterdir()) == []
    files = [path for path in target.rglob("*") if path.is_file()]
    assert len(files) == 4 and all(target in path.parents for path in files)


def test_a_view_the_contract_lists_but_the_file_lacks_fails_on_one_line(
    built_db: Path, tmp_path: Path, run_cli: Callable[..., Any]
) -> None:
    def craft(con: duckdb.DuckDBPyConnection, tmp: Path) -> None:
        unconstrained(con)
        con.execute("INSERT INTO core.public_views VALUES ('ghost', [], 99)")

    database = crafted(built_db, tmp_path, craft)
    before = tree_digest(tmp_path)
    result = run_cli("export", str(tmp_path / "out"), "--db", str(database), cwd=tmp_path)
    assert_one_line_error(result, 1, "ghost.parquet")
    assert tree_digest(tmp_path) == before, "nothing written anywhere, no target, no leftover"
