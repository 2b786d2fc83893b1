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
from hebeidb.reader.export.sqlite import SEARCHED_VIEW, SQLITE_FILE, sqlite_type


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
    assert {name for name in tables if not name.startswith(f"{SEARCHED_VIEW}_fts")} == set(public_views(db))
    tables -= {name for name in tables if name.startswith(f"{SEARCHED_VIEW}_fts")}
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


def datasette_get(folder: Path, metadata: dict[str, Any], paths: list[str]) -> list[tuple[int, Any]]:
    """The status and JSON body datasette's own in-process client gives for each path."""
    from datasette.app import Datasette

    async def run() -> list[tuple[int, Any]]:
        datasette = Datasette([str(folder / SQLITE_FILE)], metadata=metadata)
        answers = []
        for path in paths:
            response = await datasette.client.get(path)
            answers.append((response.status_code, response.json()))
        return answers

    return asyncio.run(run())


# --- full-text search of the facts ---------------------------------------------------------------------------


def text_columns(db: Database, view: str) -> list[str]:
    return [
        name
        for (name,) in db.sql(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' AND table_name = $view "
            "AND data_type = 'VARCHAR' "
            "ORDER BY ordinal_position",
            params={"view": view},
        ).fetchall()
    ]


def searched_texts(db: Database) -> dict[str, str]:
    """fact_id -> every word a fact holds or points to: its own text columns and the text of the indicator,
    programme, competition, domain, region and source it names, read from DuckDB's catalog and rows,
    independently of the index."""
    pointed = {
        "indicators": "indicator",
        "programmes": "programme_id",
        "competitions": "competition_id",
        "domains": "domain",
        "regions": "region",
        "sources": "source_id",
    }
    parts = [f"f.{c}" for c in text_columns(db, "facts")]
    joins = []
    for number, (view, key) in enumerate(pointed.items()):
        parts += [f"r{number}.{c}" for c in text_columns(db, view)]
        joins.append(f"LEFT JOIN {view} AS r{number} ON r{number}.{key} = f.{key}")
    rows = db.sql(f"SELECT f.fact_id, concat_ws(' ', {', '.join(parts)}) FROM facts AS f {' '.join(joins)}").fetchall()
    return {fact_id: text.lower().replace("_", " ") for fact_id, text in rows}


def words(text: str) -> set[str]:
    import re

    return set(re.findall(r"\w+", text))


def test_the_facts_full_text_index_is_declared_for_datasette(
    metadata: dict[str, Any], lite: sqlite3.Connection
) -> None:
    facts = metadata["databases"]["hebei"]["tables"]["facts"]
    assert (facts["fts_table"], facts["fts_pk"], facts["searchmode"]) == ("facts_fts", "rowid", "escaped")
    [(sql,)] = lite.execute("SELECT sql FROM sqlite_schema WHERE name = 'facts_fts'").fetchall()
    assert "fts5(" in sql.lower()
    # The facts' own words, and one column for each kind of thing a fact names.
    for column in ("label", "quote", "indicators", "programmes", "competitions", "domains", "regions", "sources"):
        assert f'"{column}"' in sql
    # One entry per fact, under the fact's rowid.
    assert (
        lite.execute("SELECT count(*) FROM facts_fts").fetchall()
        == lite.execute("SELECT count(*) FROM facts").fetchall()
    )


@pytest.mark.parametrize("query", ["autism", "Paralympic", "rehabilitation", "children autism", "Games", "employment"])
def test_search_returns_only_the_matching_facts(
    db: Database, sqlite_export: Path, metadata: dict[str, Any], query: str
) -> None:
    """``facts.json?_search=`` returns the facts holding every word (in a form of it: "employment", "employed")
    in their label, quote or the names they point to, and no other."""
    texts = searched_texts(db)
    [(status, body)] = datasette_get(
        sqlite_export,
        metadata,
        [f"/hebei/facts.json?{urlencode({'_search': query, '_size': 'max', '_shape': 'objects'})}"],
    )
    assert status == 200, body
    found = {row["fact_id"] for row in body["rows"]}
    assert 0 < len(found) < len(texts), len(found)
    asked = query.lower().split()
    # Every fact holding each word as it is written is found; every fact found holds a word of the same stem.
    exact = {f for f, text in texts.items() if all(word in words(text) for word in asked)}
    assert exact <= found, sorted(exact - found)
    stems = [word[:5] for word in asked]
    assert all(all(any(w.startswith(stem) for w in words(texts[f])) for stem in stems) for f in found)


def test_search_finds_facts_by_the_names_they_point_to(
    db: Database, sqlite_export: Path, metadata: dict[str, Any]
) -> None:
    """A word of a competition's or programme's name finds its facts even where their own words lack it."""
    names = db.sql(
        """SELECT f.fact_id, lower(concat_ws(' ', c.competition, p.name_en)), lower(concat_ws(' ', f.label, f.quote))
           FROM facts AS f LEFT JOIN competitions AS c USING (competition_id)
           LEFT JOIN programmes AS p USING (programme_id)"""
    ).fetchall()
    candidates = sorted(
        (word, fact_id)
        for fact_id, name, own in names
        for word in words(name) - words(own)
        if len(word) > 4 and word.isalpha()
    )
    assert candidates
    word, fact_id = candidates[0]
    [(status, body)] = datasette_get(
        sqlite_export,
        metadata,
        [f"/hebei/facts.json?{urlencode({'_search': word, '_size': 'max', '_shape': 'objects'})}"],
    )
    assert status == 200
    assert fact_id in {row["fact_id"] for row in body["rows"]}


def test_a_word_no_fact_holds_finds_nothing(sqlite_export: Path, metadata: dict[str, Any]) -> None:
    [(status, body)] = datasette_get(sqlite_export, metadata, ["/hebei/facts.json?_search=xylophone&_shape=objects"])
    assert status == 200
    assert body["rows"] == []


# --- canned queries refuse what the command line refuses ---------------------------------------------------


def refused_values(db: Database) -> list[tuple[str, str, str]]:
    """(report, parameter, value) for values the API refuses, of every kind of parameter."""
    cases = []
    for spec in db.reports():
        for parameter in spec.parameters:
            if parameter.type in ("choice", "identifier"):
                values = ["winter" if parameter.name == "kind" else "not_a_value"]
            elif parameter.type == "integer":
                values = ["abc", "20x0", "1.5"]
                values += [str(parameter.minimum - 1)] if parameter.minimum is not None else []
                values += [str(parameter.maximum + 1)] if parameter.maximum is not None else []
            elif parameter.type == "boolean":
                values = ["maybe", "tru"]
            else:
                values = []
            cases += [(spec.name, parameter.name, value) for value in values]
    return cases


def test_canned_queries_refuse_with_an_explanation_what_the_api_refuses(
    db: Database, sqlite_export: Path, metadata: dict[str, Any]
) -> None:
    import hebeidb

    cases = refused_values(db)
    assert len(cases) >= 20 and {name for name, _, _ in cases} == set(REPORT_NAMES) - {
        spec.name for spec in db.reports() if not spec.parameters
    }
    for name, parameter, value in cases:
        with pytest.raises(hebeidb.ReportParameterError):
            db.report(name, **{parameter: value})
    answers = datasette_get(
        sqlite_export,
        metadata,
        [f"/hebei/{name}.json?{urlencode({parameter: value})}" for name, parameter, value in cases],
    )
    for (name, parameter, value), (status, body) in zip(cases, answers, strict=True):
        assert status == 400, (name, parameter, value, body)
        assert body["ok"] is False and body["rows"] == []
        assert f'parameter {parameter} got "{value}"' in body["error"], body["error"]


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("medals", {"since": " 2022 "}),
        ("medals", {"since": "+2022"}),
        ("indicators", {"descending": "YES"}),
        ("indicators", {"descending": "0", "order_by": "value"}),
        ("medals", {"kind": "winter_paralympics"}),
    ],
)
def test_canned_queries_take_every_form_the_api_takes(
    db: Database, sqlite_export: Path, metadata: dict[str, Any], name: str, params: dict[str, str]
) -> None:
    [(status, body)] = datasette_get(
        sqlite_export, metadata, [f"/hebei/{name}.json?{urlencode({**params, '_size': 'max'})}"]
    )
    assert status == 200, body
    assert_same_rows("datasette", [tuple(row) for row in body["rows"]], db.report(name, **params).fetchall(), name)


def test_an_allowed_value_that_matches_no_row_is_an_empty_result_not_a_refusal(
    db: Database, sqlite_export: Path, metadata: dict[str, Any]
) -> None:
    assert db.report("medals", kind="winter_deaflympics", delegation="guangdong").fetchall() == []
    [(status, body)] = datasette_get(
        sqlite_export, metadata, ["/hebei/medals.json?kind=winter_deaflympics&delegation=guangdong"]
    )
    assert status == 200 and body["rows"] == []


# --- licence and source --------------------------------------------------------------------------------------


def test_metadata_states_the_licence_and_the_source(db: Database, metadata: dict[str, Any]) -> None:
    dataset = db.dataset()
    assert (metadata["license"], metadata["license_url"]) == (dataset.license, dataset.license_url)
    assert dataset.license  # the shipped inputs declare one
    assert metadata["description"].startswith(dataset.description)
    assert dataset.rights in metadata["description"]
    [(title, publisher, url)] = db.sql("SELECT title, publisher, url FROM sources WHERE kind = 'document'").fetchall()
    assert title in metadata["source"] and publisher in metadata["source"]
    assert metadata["source_url"] == url


def test_datasette_shows_the_licence_and_source(sqlite_export: Path, metadata: dict[str, Any]) -> None:
    [(status, body)] = datasette_get(sqlite_export, metadata, ["/-/metadata.json"])
    assert status == 200
    assert (body["license"], body["source_url"]) == (metadata["license"], metadata["source_url"])


def test_a_canned_query_over_a_column_of_many_values_tries_only_those_its_template_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A parameter whose values are a view's column (a million fact ids) is not rendered once per value: the
    template can single out only a value it writes, and the canned query reads the others from the table."""
    import sqlite3 as sqlite

    from hebeidb.common.reports import parse_spec, render
    from hebeidb.reader.export.sqlite import canned_query

    template = (
        "SELECT region, n FROM counts WHERE 1 = 1\n"
        "{% if region is not none and region != 'all' %}\nAND region = $region\n{% endif %}\nORDER BY region"
    )
    metadata = '[[params]]\nname = "region"\ntype = "choice"\nchoices_from = "counts.region"\n'
    metadata = 'title = "Counts"\ndescription = "Counts."\n' + metadata
    spec = parse_spec("counts", template, metadata, "queries/counts.sql", "queries/counts.toml")
    values = ("all", *(f"region_{i:06d}" for i in range(100_000)))
    import hebeidb.reader.export.sqlite as module

    renders: list[object] = []
    monkeypatch.setattr(module, "render", lambda *args: renders.append(args) or render(*args))
    sql = canned_query(spec, lambda source: values, tables={"counts"})
    assert 0 < len(renders) < 10  # not once per value
    assert "region_000500" not in sql  # read from the table, not listed
    con = sqlite.connect(":memory:")
    con.execute("CREATE TABLE counts (region TEXT, n INTEGER)")
    con.executemany("INSERT INTO counts VALUES (?, ?)", [("all", 0), ("region_000001", 1), ("region_000002", 2)])
    assert con.execute(sql, {"region": ""}).fetchall() == [("all", 0), ("region_000001", 1), ("region_000002", 2)]
    assert con.execute(sql, {"region": "all"}).fetchall() == [("all", 0), ("region_000001", 1), ("region_000002", 2)]
    assert con.execute(sql, {"region": "region_000002"}).fetchall() == [("region_000002", 2)]
    with pytest.raises(sqlite.OperationalError, match='parameter region got "nowhere"'):
        con.execute(sql, {"region": "nowhere"}).fetchall()
