"""Translating a report to another dialect with sqlglot and tracing its columns to core tables."""

from __future__ import annotations

import pytest

from hebeidb.common.lineage import column_lineage
from hebeidb.reader.database import Database, _catalog_sql
from hebeidb.reader.translate import DIALECTS, transpile


def test_transpile_to_an_unknown_dialect_names_the_dialects() -> None:
    with pytest.raises(ValueError) as caught:
        transpile("SELECT 1", "oracle")
    assert str(caught.value) == "unknown dialect 'oracle'; dialects: duckdb, postgres, spark, sqlite"
    assert DIALECTS == ("duckdb", "postgres", "spark", "sqlite")


def test_transpile_to_an_unverified_dialect_needs_the_flag() -> None:
    with pytest.raises(ValueError, match="'trino' is not verified"):
        transpile("SELECT 1", "trino")
    assert "SELECT" in transpile("SELECT 1", "trino", unverified=True)


@pytest.mark.parametrize(
    ("dialect", "placeholder"), [("postgres", "$1"), ("sqlite", ":kind"), ("spark", ":kind"), ("duckdb", "$kind")]
)
def test_transpile_writes_placeholders_in_the_dialects_style(db: Database, dialect: str, placeholder: str) -> None:
    rendered = db.render("medals", kind="national_games")
    sql = transpile(rendered.sql, dialect)
    assert placeholder in sql and ("$kind" not in sql or dialect == "duckdb")
    assert "%(" not in sql
    assert sql.endswith("\n")


def test_lineage_traces_report_columns_to_core_tables(db: Database) -> None:
    columns = {c.column: c.sources for c in lineage(db.render("medals").inline_sql(), db._connection)}
    assert columns["gold"] == ("core.tally_figures.gold",)
    assert columns["competition"] == ("core.competitions.name_en",)
    assert columns["delegation"] == ("core.delegations.region_id",)
    assert all(source.startswith("core.") for sources in columns.values() for source in sources)
    assert list(columns)[:3] == ["competition_id", "competition", "kind"]


def test_lineage_traces_column_by_column_when_the_walk_of_all_columns_fails(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlglot.lineage

    sql = "SELECT fact_id, upper(label) AS shout, value * 2 AS doubled FROM facts"
    together = lineage(sql, db._connection)
    assert [c.sources for c in together][1:] == [("core.indicators.label_en",), ("core.facts.value",)]
    real = sqlglot.lineage.lineage
    walks = []

    def column_by_column(column, *args, **kwargs):  # type: ignore[no-untyped-def]
        walks.append(column)
        if column is None:
            raise sqlglot.errors.OptimizeError("simulated")
        return real(column, *args, **kwargs)

    monkeypatch.setattr(sqlglot.lineage, "lineage", column_by_column)
    assert lineage(sql, db._connection) == together
    assert walks == [None, *(c.column for c in together)]


def test_lineage_of_a_computed_column_and_a_star(db: Database) -> None:
    traced = lineage("SELECT 1 AS one, upper(label) AS shout FROM facts", db._connection)
    assert [(c.column, c.sources) for c in traced] == [("one", ()), ("shout", ("core.indicators.label_en",))]
    assert [(c.column, c.sources) for c in lineage("SELECT * FROM facts", db._connection)] == [("*", ())]


def lineage(sql: str, con: object) -> list:
    return column_lineage(sql, *_catalog_sql(con))
