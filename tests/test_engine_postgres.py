"""Every report, translated to PostgreSQL, returns DuckDB's rows on a real PostgreSQL server."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from engines import postgres_bin, run_on_postgres
from report_matrix import REPORT_NAMES, assert_same_rows, case_id, parameter_sets

from hebeidb.reader.database import Database
from hebeidb.reader.translate import translate

pytestmark = pytest.mark.slow


def test_postgres_holds_every_public_view_with_duckdbs_row_count(db: Database, postgres: str) -> None:
    import psycopg
    from engines import public_views

    with psycopg.connect(postgres) as con:
        for view in public_views(db):
            [(count,)] = con.execute(f'SELECT count(*) FROM "{view}"').fetchall()
            assert count == db.sql(f'SELECT count(*) FROM "{view}"').fetchall()[0][0], view


@pytest.mark.parametrize("name", REPORT_NAMES)
def test_report_on_postgres_gives_duckdbs_rows(db: Database, postgres: str, name: str) -> None:
    sets = parameter_sets(db, name)
    assert len(sets) > 3
    for params in sets:
        rendered = db.render(name, **params)
        translation = translate(rendered.sql, rendered.params, "postgres")
        assert translation.placeholder_style == "$n"
        assert "%(" not in translation.sql
        got = run_on_postgres(postgres, translation.sql, translation.args())
        expected = db.report(name, **params).fetchall()
        assert_same_rows("PostgreSQL", got, expected, case_id(name, params))


def test_medals_round_runs_on_postgres(db: Database, postgres: str) -> None:
    """``round(double precision, int)`` does not exist on PostgreSQL: the dividend is cast to NUMERIC."""
    rendered = db.render("medals", kind="winter_paralympics", delegation="hebei")
    translation = translate(rendered.sql, rendered.params, "postgres")
    assert "AS DECIMAL), 1)" in translation.sql
    [row] = run_on_postgres(postgres, translation.sql, translation.args())
    columns = db.report("medals").columns
    assert float(row[columns.index("share_of_national_gold")]) == round(100 * 10 / 18, 1)


def test_rendered_postgres_sql_runs_in_psql_with_prepare(
    db: Database, postgres: str, run_cli, built_db: Path, tmp_path: Path
) -> None:
    """The CLI's output is plain PostgreSQL: ``PREPARE`` takes its ``$n`` placeholders as they are."""
    copy = tmp_path / "hebei.duckdb"
    shutil.copy(built_db, copy)
    result = run_cli(
        "render", "medals", "--dialect", "postgres", "--param", "kind=national_games", "--param", "since=2020",
        "--format", "json", "--db", str(copy),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    import json

    document = json.loads(result.stdout)
    assert document["placeholder_style"] == "$n"
    assert [(p["name"], p["type"]) for p in document["parameters"]] == [("kind", "text"), ("since", "integer")]
    literals = ", ".join(
        str(p["value"]) if p["type"] == "integer" else "'" + str(p["value"]).replace("'", "''") + "'"
        for p in document["parameters"]
    )
    script = f"PREPARE medals AS {document['sql'].rstrip().rstrip(';')};\nEXECUTE medals({literals});\n"
    host, port = (dict(part.split("=") for part in postgres.split())[k] for k in ("host", "port"))
    psql = subprocess.run(
        [str(postgres_bin() / "psql"), "-h", host, "-p", port, "-U", "postgres", "-d", "postgres", "-X", "-A", "-t",
         "-v", "ON_ERROR_STOP=1", "-F", "|"],
        input=script, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert psql.returncode == 0, psql.stderr
    lines = [line for line in psql.stdout.splitlines() if line and line != "PREPARE"]
    expected = db.report("medals", kind="national_games", since=2020).fetchall()
    assert len(lines) == len(expected) > 0
    assert [line.split("|")[0] for line in lines] == [row[0] for row in expected]
