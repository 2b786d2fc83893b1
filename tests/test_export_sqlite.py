"""``export --format sqlite``: one SQLite file with keys and descriptions, reports as datasette canned queries."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import duckdb
import pytest
from engines import public_views
from report_matrix import REPORT_NAMES, assert_same_rows, case_id, parameter_sets

from hebeidb.database import Database
from hebeidb.export import VIEW_KEYS, VIEW_REFERENCES
from hebeidb.export_sqlite import SQLITE_FILE, export_sqlite, sqlite_type


@pytest.fixture(scope="module")
def sqlite_export(db: Database, built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sqlite")
    con = duckdb.connect()
    try:
        con.execute("ATTACH $path AS hebeidb_export (READ_ONLY)", {"path": str(built_db)})
        views = [(view, f"description of {view}") for view in public_views(db)]
        export_sqlite(con, "hebeidb_export", folder, views, {"title": "hebeidb"})
    finally:
        con.close()
    return folder


@pytest.fixture(scope="module")
def lite(sqlite_export: Path):
    con = sqlite3.connect(sqlite_export / SQLITE_FILE)
    yield con
    con.close()


@pytest.fixture(scope="module")
def metadata(sqlite_export: Path) -> dict[str, Any]:
    return json.loads((sqlite_export / "metadata.json").read_text("utf-8"))


def test_every_public_view_is_a_table_with_its_rows(db: Database, lite: sqlite3.Connection) -> None:
    tables = {name for (name,) in lite.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
    assert tables == set(public_views(db))
    for view in tables:
        columns = db.con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND table_name = $t ORDER BY column_index",
            {"t": view},
        ).fetchall()
        info = lite.execute(f'PRAGMA table_info("{view}")').fetchall()
        assert [(row[1], row[2]) for row in info] == [(name, sqlite_type(kind)) for name, kind in columns], view
        ordered = ", ".join(f'"{c}"' for c in VIEW_KEYS.get(view, ())) or "ALL"
        expected = db.con.sql(f'SELECT * FROM "{view}" ORDER BY {ordered}').fetchall()
        got = lite.execute(f'SELECT * FROM "{view}"').fetchall()
        assert_same_rows("SQLite", got, expected, view)


def test_types_are_declared_for_each_kind_of_column(lite: sqlite3.Connection) -> None:
    types = {row[1]: row[2] for row in lite.execute('PRAGMA table_info("facts")')}
    assert types["value"] == "REAL" and types["quote_start"] == "INTEGER" and types["is_inferred"] == "INTEGER"
    assert types["period_end"] == "TEXT" and types["label"] == "TEXT"
    [(period_end,)] = lite.execute("SELECT period_end FROM facts WHERE period_end IS NOT NULL LIMIT 1").fetchall()
    assert len(period_end) == 10 and period_end[4] == "-"  # ISO dates, as SQLite's date functions read them


def test_keys_and_foreign_keys_are_declared_and_hold(lite: sqlite3.Connection) -> None:
    for view, key in VIEW_KEYS.items():
        info = lite.execute(f'PRAGMA table_info("{view}")').fetchall()
        assert [row[1] for row in sorted(info, key=lambda r: r[5]) if row[5]] == list(key), view
    declared = 0
    for view, references in VIEW_REFERENCES.items():
        found = {(row[2], row[3], row[4]) for row in lite.execute(f'PRAGMA foreign_key_list("{view}")')}
        for local, remote_view, remote in references:
            for a, b in zip(local, remote, strict=True):
                assert (remote_view, a, b) in found, (view, local)
                declared += 1
    assert declared >= 10
    assert lite.execute("PRAGMA foreign_key_check").fetchall() == []


def test_metadata_describes_every_table_and_column(db: Database, metadata: dict[str, Any]) -> None:
    tables = metadata["databases"]["hebei"]["tables"]
    assert set(tables) == set(public_views(db))
    for view, table in tables.items():
        columns = db.con.sql(f'SELECT * FROM "{view}" LIMIT 0').columns
        assert list(table["columns"]) == columns, view
        assert all(isinstance(text, str) and text.strip() for text in table["columns"].values()), view


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
