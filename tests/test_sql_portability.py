"""Reports are plain SQL: they qualify against the schema, and translated to SQLite give DuckDB's rows."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlglot
from sqlglot import exp

import hebeidb
from hebeidb.builder.inputs import Inputs
from hebeidb.common.lineage import PUBLIC_SCHEMA
from hebeidb.common.reports import RenderedReport, load_spec, render, validate
from hebeidb.reader.database import Database, _catalog_sql
from hebeidb.reader.translate import transpile

PARAMETER_SETS: dict[str, list[dict[str, Any]]] = {
    "medals": [
        {},
        {"kind": "winter_paralympics"},
        {"kind": "national_games", "delegation": "hebei"},
        {"since": 2022, "until": 2024},
        {"delegation": "china"},
        {"kind": "summer_paralympics", "since": 2025},
    ],
    "indicators": [
        {},
        {"domain": "education"},
        {"region": "hebei", "order_by": "value"},
        {"since": 2025, "order_by": "period_end"},
        {"since": 2021},
        {"until": 2022, "order_by": "region"},
        {"until": 2026},
        {"domain": "sport_results", "region": "china", "order_by": "indicator"},
        {"order_by": "fact_id"},
        {"order_by": "value", "descending": True},
    ],
    "consistency": [
        {},
        {"check_kind": "share"},
        {"verdict": "pass"},
        {"verdict": "fail"},
        {"check_kind": "repeat"},
        {"scope": "between_claims"},
        {"scope": "within_fact", "verdict": "pass"},
    ],
    "provenance": [{}, {"fact_id": "persons_benefiting"}, {"indicator": "gold_medals"}],
    "timeline": [{}, {"since": 2024}, {"until": 2022}, {"since": 2022, "until": 2025}, {"since": 2021}],
    "domain_summary": [{}, {"region": "hebei"}, {"region": "china"}, {"region": "baoding"}],
}
CASES = [(name, params) for name, sets in PARAMETER_SETS.items() for params in sets]


def qualify(sql: str, schema: dict[str, dict[str, dict[str, str]]]) -> Any:
    """Parse ``sql`` and qualify every column against ``schema`` with sqlglot; raises on an unknown column."""
    import sqlglot
    from sqlglot.optimizer.qualify import qualify as sqlglot_qualify

    expression = sqlglot.parse_one(sql, read="duckdb")
    return sqlglot_qualify(expression, schema=schema, db=PUBLIC_SCHEMA, dialect="duckdb", validate_qualify_columns=True)


def case_id(case: Any) -> str:
    return json.dumps(case, sort_keys=True) if isinstance(case, dict) else str(case)


# --- qualify ----------------------------------------------------------------------------------


def test_parameter_sets_cover_every_report(db: Database) -> None:
    assert set(PARAMETER_SETS) == {spec.name for spec in db.reports()}
    for spec in db.reports():
        used = {name for params in PARAMETER_SETS[spec.name] for name in params}
        assert used == {p.name for p in spec.parameters}, spec.name


def test_indicator_used_in_parameter_sets_exists(db: Database) -> None:
    assert db.sql("SELECT count(*) FROM facts WHERE indicator = 'gold_medals'").fetchall()[0][0] > 1


@pytest.fixture(scope="module")
def schema(db: Database) -> dict[str, dict[str, dict[str, str]]]:
    return _catalog_sql(db._connection)[0]


@pytest.mark.parametrize(("name", "params"), CASES, ids=case_id)
def test_report_qualifies_against_the_schema(
    db: Database, schema: dict[str, dict[str, dict[str, str]]], name: str, params: dict[str, Any]
) -> None:
    rendered = db.render(name, **params)
    expression = qualify(rendered.sql, schema)
    columns = [select.alias_or_name for select in expression.selects]
    assert columns == db.report(name, **params).columns
    # Every column reference outside ORDER BY (which may name an output column) has its table.
    order = {id(c) for o in expression.find_all(exp.Order) for c in o.find_all(exp.Column)}
    assert all(column.table for column in expression.find_all(exp.Column) if id(column) not in order)


def test_schema_holds_the_public_views_and_core_tables(schema: dict[str, dict[str, dict[str, str]]]) -> None:
    assert {"facts", "medal_tallies", "sources", "cross_checks"} <= set(schema["main"])
    assert "gold" in schema["main"]["medal_tallies"]
    assert "facts" in schema["core"]


@pytest.mark.parametrize(
    ("name", "old", "new"),
    [
        ("medals", "m.silver,", "m.silvr,"),
        ("indicators", "f.label,", "f.lable,"),
        ("consistency", "c.verdict,", "c.verdikt,"),
        ("timeline", "c.end_date AS ends_on", "c.end_dat AS ends_on"),
    ],
)
def test_misspelt_column_fails_qualify(
    tmp_path: Path, inputs_root: Path, schema: dict[str, dict[str, dict[str, str]]], name: str, old: str, new: str
) -> None:
    for suffix in (".sql", ".toml"):
        shutil.copy(inputs_root / "queries" / f"{name}{suffix}", tmp_path / f"{name}{suffix}")
    template = tmp_path / f"{name}.sql"
    text = template.read_text(encoding="utf-8")
    assert old in text
    template.write_text(text.replace(old, new), encoding="utf-8")
    spec = load_spec(template)
    rendered = render(spec, validate(spec, {}, lambda source: ()))
    misspelt = new.split(".")[1].split(",")[0].split()[0]
    with pytest.raises(sqlglot.errors.SqlglotError, match=misspelt):
        qualify(rendered.sql, schema)


# --- SQLite -----------------------------------------------------------------------------------


def sqlite_value(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def views_read(sql: str) -> set[str]:
    """Tables and views a query reads (CTE names excluded)."""
    expression = sqlglot.parse_one(sql, read="duckdb")
    ctes = {cte.alias for cte in expression.find_all(exp.CTE)}
    return {table.name for table in expression.find_all(exp.Table)} - ctes


def all_rendered(db: Database) -> list[RenderedReport]:
    return [db.render(name, **params) for name, params in CASES]


@pytest.fixture(scope="module")
def sqlite_copy(db: Database, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with one table per public view the reports read, holding the view's rows."""
    needed = set().union(*(views_read(r.sql) for r in all_rendered(db)))
    public = {name for (name,) in db.sql("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    assert needed <= public, needed - public
    assert {"facts", "medal_tallies", "sources", "cross_checks", "domains"} <= needed
    path = tmp_path_factory.mktemp("sqlite") / "hebei.sqlite"
    target = sqlite3.connect(path)
    try:
        for view in sorted(needed):
            relation = db.sql(f'SELECT * FROM "{view}"')
            types = []
            for column_type in relation.types:
                text = str(column_type).upper()
                if text.startswith(("DECIMAL", "DOUBLE", "FLOAT", "REAL")):
                    types.append("REAL")
                elif text.startswith(("INTEGER", "BIGINT", "SMALLINT", "TINYINT", "BOOLEAN", "HUGEINT")):
                    types.append("INTEGER")
                else:
                    types.append("TEXT")
            columns = ", ".join(f'"{c}" {t}' for c, t in zip(relation.columns, types, strict=True))
            target.execute(f'CREATE TABLE "{view}" ({columns})')
            rows = [tuple(sqlite_value(v) for v in row) for row in relation.fetchall()]
            marks = ", ".join("?" for _ in relation.columns)
            target.executemany(f'INSERT INTO "{view}" VALUES ({marks})', rows)
        target.commit()
    finally:
        target.close()
    return path


def normalise(value: Any) -> Any:
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, (int, float, decimal.Decimal)):
        return round(float(value), 6)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def normalised(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [tuple(normalise(v) for v in row) for row in rows]


def sqlite_params(params: dict[str, Any]) -> dict[str, Any]:
    return {name: sqlite_value(value) for name, value in params.items()}


def run_on_sqlite(path: Path, rendered: RenderedReport) -> list[tuple[Any, ...]]:
    sql = transpile(rendered.sql, "sqlite")
    con = sqlite3.connect(path)
    try:
        return con.execute(sql, sqlite_params(rendered.params)).fetchall()
    finally:
        con.close()


def test_sqlite_copy_has_the_views_rows(db: Database, sqlite_copy: Path) -> None:
    con = sqlite3.connect(sqlite_copy)
    try:
        tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()]
        for table in tables:
            [(count,)] = con.execute(f'SELECT count(*) FROM "{table}"').fetchall()
            assert [(count,)] == db.sql(f'SELECT count(*) FROM "{table}"').fetchall()
    finally:
        con.close()


@pytest.mark.parametrize(("name", "params"), CASES, ids=case_id)
def test_report_on_sqlite_gives_duckdbs_rows(db: Database, sqlite_copy: Path, name: str, params: dict) -> None:
    rendered = db.render(name, **params)
    duck = normalised(db.report(name, **params).fetchall())
    if rendered.spec.portable:
        lite = normalised(run_on_sqlite(sqlite_copy, rendered))
        assert lite == duck
    else:
        try:
            lite = normalised(run_on_sqlite(sqlite_copy, rendered))
        except sqlite3.Error:
            return
        assert lite != duck, f"{name} is marked not portable but gives the same rows on SQLite"


def test_sqlite_comparison_is_not_vacuous(db: Database) -> None:
    non_empty = [(n, p) for n, p in CASES if db.report(n, **p).fetchall()]
    assert len(non_empty) >= len(CASES) - 3
    assert {n for n, _ in non_empty} == set(PARAMETER_SETS)


def test_hebei_share_is_the_same_on_sqlite(db: Database, sqlite_copy: Path) -> None:
    rendered = db.render("medals", kind="winter_paralympics", delegation="hebei")
    columns = db.report("medals").columns
    [row] = run_on_sqlite(sqlite_copy, rendered)
    assert round(row[columns.index("share_of_national_gold")], 6) == round(100 * 10 / 18, 1)


# --- a report marked not portable -------------------------------------------------------------


@pytest.fixture
def not_portable_inputs(inputs_copy: Path) -> Path:
    """Inputs whose medals report uses a DuckDB-only function and says so in its metadata."""
    template = inputs_copy / "queries" / "medals.sql"
    text = template.read_text(encoding="utf-8")
    assert "m.comparison_note\n" in text
    template.write_text(
        text.replace(
            "m.comparison_note\n",
            "m.comparison_note,\n       regexp_extract(m.competition, '[0-9]+') AS first_number\n",
        ),
        encoding="utf-8",
    )
    metadata = inputs_copy / "queries" / "medals.toml"
    metadata.write_text(
        'portable = "regexp_extract is DuckDB-only"\n' + metadata.read_text(encoding="utf-8"), encoding="utf-8"
    )
    return inputs_copy


def test_report_marked_not_portable_fails_on_sqlite_and_render_says_so(
    not_portable_inputs: Path,
    tmp_path: Path,
    sqlite_copy: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    spec = load_spec(not_portable_inputs / "queries" / "medals.sql")
    assert spec.portable is False
    assert spec.portability_note == "regexp_extract is DuckDB-only"
    rendered = render(spec, validate(spec, {}, lambda source: ()))
    with pytest.raises(sqlite3.Error):
        run_on_sqlite(sqlite_copy, rendered)

    target = hebeidb.build(tmp_path / "np.duckdb", inputs=not_portable_inputs)
    monkeypatch.setattr(Inputs, "installed", classmethod(lambda cls: cls(not_portable_inputs)))
    from hebeidb import cli

    assert cli.main(["render", "medals", "--dialect", "sqlite", "--db", str(target)]) == 0
    out = capsys.readouterr().out
    assert "NOT PORTABLE" in out
    assert "regexp_extract is DuckDB-only" in out
    assert cli.main(["render", "medals", "--dialect", "duckdb", "--db", str(target)]) == 0
    assert "NOT PORTABLE" not in capsys.readouterr().out


def test_installed_reports_not_marked_portable_say_so_on_render(run_cli: Any, built_db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "hebei.duckdb"
    shutil.copy(built_db, copy)
    with hebeidb.open(copy) as db:
        specs = db.reports()
    for spec in specs:
        result = run_cli("render", spec.name, "--dialect", "sqlite", "--db", str(copy))
        assert result.returncode == 0, result.stderr
        assert ("NOT PORTABLE" in result.stdout) is (not spec.portable), spec.name


# --- import cost ------------------------------------------------------------------------------


def loaded_modules(code: str, cwd: Path) -> dict[str, bool]:
    script = (
        "import json, sys\n"
        + code
        + "\nprint(json.dumps({m: m in sys.modules for m in ('duckdb', 'sqlglot', 'jinja2')}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=cwd, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_import_hebeidb_is_cheap(tmp_path: Path) -> None:
    assert loaded_modules("import hebeidb", tmp_path) == {"duckdb": False, "sqlglot": False, "jinja2": False}


def test_running_a_report_does_not_import_sqlglot(tmp_path: Path, built_db: Path) -> None:
    copy = tmp_path / "hebei.duckdb"
    shutil.copy(built_db, copy)
    code = f"import hebeidb\nrows = hebeidb.open({str(copy)!r}).report('medals').fetchall()\nassert rows\n"
    modules = loaded_modules(code, tmp_path)
    assert modules["sqlglot"] is False
    assert modules["duckdb"] is True  # the report did run
