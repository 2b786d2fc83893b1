"""``export --format sqlite``: one SQLite file with keys and descriptions, reports as datasette canned queries."""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from conftest import CLI
from engines import public_views
from report_matrix import REPORT_NAMES, assert_same_rows, case_id, parameter_sets

from hebeidb.reader.database import Database
from hebeidb.reader.export.sqlite import SQLITE_FILE, sqlite_type


@pytest.fixture(scope="module")
def sqlite_export(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``hebeidb export out --format sqlite``, as a user runs it."""
    folder = tmp_path_factory.mktemp("sqlite") / "out"
    result = subprocess.run(
        [*CLI, "export", str(folder), "--format", "sqlite", "--db", str(built_db)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return folder


def test_sqlite_export_holds_the_file_metadata_and_a_datapackage(sqlite_export: Path) -> None:
    assert sorted(p.name for p in sqlite_export.iterdir()) == ["datapackage.json", "hebei.sqlite", "metadata.json"]
    package = json.loads((sqlite_export / "datapackage.json").read_text("utf-8"))
    assert "hebeidb" in package
    for resource in package["resources"]:
        path = sqlite_export / resource["path"]
        assert resource["hash"] == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
        assert resource["bytes"] == path.stat().st_size


def test_sqlite_export_of_the_same_build_twice_gives_the_same_rows(
    built_db: Path, sqlite_export: Path, tmp_path: Path
) -> None:
    import hebeidb

    with hebeidb.open(built_db) as db:
        db.export(tmp_path / "again", format="sqlite")
    again = sqlite3.connect(tmp_path / "again" / SQLITE_FILE)
    first = sqlite3.connect(sqlite_export / SQLITE_FILE)
    try:
        dump = list(first.iterdump())
        assert dump == list(again.iterdump())
        assert len(dump) > 100
    finally:
        again.close()
        first.close()
    assert (tmp_path / "again" / "metadata.json").read_bytes() == (sqlite_export / "metadata.json").read_bytes()


@pytest.fixture(scope="module")
def lite(sqlite_export: Path):
    con = sqlite3.connect(sqlite_export / SQLITE_FILE)
    yield con
    con.close()


@pytest.fixture(scope="module")
def metadata(sqlite_export: Path) -> dict[str, Any]:
    return json.loads((sqlite_export / "metadata.json").read_text("utf-8"))


def test_every_public_view_is_a_table_with_its_rows(db: Database, lite: sqlite3.Connection) -> None:
    keys = {view.name: view.key for view in db.views()}
    tables = {name for (name,) in lite.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
    assert tables == set(public_views(db))
    for view in tables:
        columns = db._connection.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND table_name = $t ORDER BY column_index",
            {"t": view},
        ).fetchall()
        info = lite.execute(f'PRAGMA table_info("{view}")').fetchall()
        assert [(row[1], row[2]) for row in info] == [(name, sqlite_type(kind)) for name, kind in columns], view
        ordered = ", ".join(f'"{c}"' for c in keys[view]) or "ALL"
        expected = db.sql(f'SELECT * FROM "{view}" ORDER BY {ordered}').fetchall()
        got = lite.execute(f'SELECT * FROM "{view}"').fetchall()
        assert_same_rows("SQLite", got, expected, view)


def test_types_are_declared_for_each_kind_of_column(lite: sqlite3.Connection) -> None:
    types = {row[1]: row[2] for row in lite.execute('PRAGMA table_info("facts")')}
    assert types["value"] == "REAL" and types["quote_start"] == "INTEGER" and types["is_inferred"] == "INTEGER"
    assert types["period_end"] == "TEXT" and types["label"] == "TEXT"
    [(period_end,)] = lite.execute("SELECT period_end FROM facts WHERE period_end IS NOT NULL LIMIT 1").fetchall()
    assert len(period_end) == 10 and period_end[4] == "-"  # ISO dates, as SQLite's date functions read them


def test_keys_and_foreign_keys_are_declared_and_hold(db: Database, lite: sqlite3.Connection) -> None:
    declared = 0
    for view in db.views():
        info = lite.execute(f'PRAGMA table_info("{view.name}")').fetchall()
        assert [row[1] for row in sorted(info, key=lambda r: r[5]) if row[5]] == list(view.key), view.name
        found = {(row[2], row[3], row[4]) for row in lite.execute(f'PRAGMA foreign_key_list("{view.name}")')}
        for reference in view.references:
            for a, b in zip(reference.columns, reference.view_columns, strict=True):
                assert (reference.view, a, b) in found, (view.name, reference)
                declared += 1
    assert declared >= 10
    assert sum(bool(view.key) for view in db.views()) >= 8
    assert lite.execute("PRAGMA foreign_key_check").fetchall() == []


def test_metadata_describes_every_table_and_column(db: Database, metadata: dict[str, Any]) -> None:
    tables = metadata["databases"]["hebei"]["tables"]
    assert set(tables) == set(public_views(db))
    for view, table in tables.items():
        columns = db.sql(f'SELECT * FROM "{view}" LIMIT 0').columns
        assert list(table["columns"]) == columns, view
        assert all(isinstance(text, str) and text.strip() for text in table["columns"].values()), view
        assert table["description"] == next(v.description for v in db.views() if v.name == view)


def test_every_report_is_a_canned_query_with_its_title_and_description(db: Database, metadata: dict[str, Any]) -> None:
    queries = metadata["databases"]["hebei"]["queries"]
    assert sorted(queries) == REPORT_NAMES
    for spec in db.reports():
        query = queries[spec.name]
        assert (query["title"], query["description"]) == (spec.title, spec.description)
        assert query["params"] == [p.name for p in spec.parameters]
        for parameter in spec.parameters:
            assert f":{parameter.name}" in query["sql"]
        assert "$" not in query["sql"] and "{%" not in query["sql"]


def datasette_rows(folder: Path, metadata: dict[str, Any], calls: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    """Run canned queries through datasette's own in-process client; rows and columns of each."""
    from datasette.app import Datasette

    async def run() -> list[Any]:
        datasette = Datasette([str(folder / SQLITE_FILE)], metadata=metadata)
        results = []
        for name, params in calls:
            query = urlencode({**{k: str(v) for k, v in params.items()}, "_size": "max"})
            response = await datasette.client.get(f"/hebei/{name}.json?{query}")
            assert response.status_code == 200, response.text
            body = response.json()
            assert body.get("ok", True), body
            results.append((body["columns"], [tuple(row) for row in body["rows"]]))
        return results

    return asyncio.run(run())


@pytest.mark.parametrize("name", REPORT_NAMES)
def test_canned_query_with_its_defaults_gives_duckdbs_rows(
    db: Database, sqlite_export: Path, metadata: dict[str, Any], name: str
) -> None:
    [(columns, rows)] = datasette_rows(sqlite_export, metadata, [(name, {})])
    expected = db.report(name)
    assert columns == expected.columns
    reference = expected.fetchall()
    assert reference
    assert_same_rows("datasette", rows, reference, name)


@pytest.mark.parametrize("name", REPORT_NAMES)
def test_canned_query_with_other_parameters_gives_duckdbs_rows(
    db: Database, sqlite_export: Path, metadata: dict[str, Any], name: str
) -> None:
    sets = [params for params in parameter_sets(db, name) if params]
    results = datasette_rows(sqlite_export, metadata, [(name, params) for params in sets])
    for params, (_, rows) in zip(sets, results, strict=True):
        assert_same_rows("datasette", rows, db.report(name, **params).fetchall(), case_id(name, params))
