"""Translating a report to another dialect with sqlglot and tracing its columns to core tables."""

from __future__ import annotations

import pytest

from hebeidb.common.lineage import TableReads, column_lineage, narrowed_view
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


# --- which columns a query may read: what a change-aware build follows ---------------------------------------
READS = TableReads(
    {"core.facts", "core.indicators", "core.units"},
    {
        "core.labelled": [
            "CREATE VIEW core.labelled AS SELECT f.fact_id, i.label_en AS label FROM core.facts AS f "
            "JOIN core.indicators AS i USING (indicator_id)"
        ],
        "main.indicators": ["CREATE VIEW indicators AS SELECT * FROM core.indicators"],
        "core.in_unit": ["SELECT x || u.label FROM core.units AS u"],  # a macro's body
    },
)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        # Every identifier counts, for every table read: too many, never too few.
        ("SELECT fact_id FROM core.facts", {"facts": {"fact_id", "facts", "core"}}),
        ("SELECT count(*) FROM core.facts", {"facts": {"facts", "core"}}),  # rows, no column
        ("SELECT * FROM core.facts", {"facts": None}),
        (
            "SELECT f.* FROM core.facts AS f JOIN core.units AS u ON true",
            {"facts": None, "units": {"f", "u", "core", "facts", "units"}},
        ),
        ("SELECT f FROM core.facts AS f", {"facts": None}),  # the row as a struct
        ("SELECT COLUMNS('label.*') FROM core.indicators", {"indicators": None}),
        ("SELECT label FROM core.labelled", {"facts": ..., "indicators": ...}),  # through the view
        ("SELECT core.in_unit('a')", {"units": ...}),  # through the macro
        ("SELECT * FROM core.indicators_copy", {}),  # no such table
        # A star whose columns are then named one by one reads those: their names count.
        (
            "WITH r AS (SELECT f.* FROM core.facts AS f) SELECT r.fact_id FROM r",
            {"facts": {"r", "f", "fact_id", "core", "facts"}},
        ),
        # A star that flows into the output reads every column, through a common table expression or a subquery.
        ("WITH r AS (SELECT f.* FROM core.facts AS f) SELECT * FROM r", {"facts": None}),
        ("SELECT * FROM (SELECT * FROM core.facts) UNION ALL SELECT 1", {"facts": None}),
        ("SELECT now(), fact_id FROM core.facts", None),  # a different result every time
        ("SELECT * FROM query_table('facts')", None),  # a table named by a value
    ],
)
def test_the_columns_a_query_may_read(sql: str, expected: dict | None) -> None:
    found = READS.columns(sql)
    if expected is None:
        assert found is None
        return
    assert found is not None and set(found) == set(expected)
    for table, columns in expected.items():
        if columns is ...:  # reached through a view or macro, whose identifiers count
            assert found[table] is not None and ("label_en" in found[table] or "label" in found[table])
        else:
            assert found[table] == (None if columns is None else frozenset(columns)), table


def test_a_schema_named_means_that_schemas_view_only() -> None:
    # core.indicators is the table; main.indicators, a view of every column, is another object.
    assert READS.columns("SELECT indicator_id FROM core.indicators") == {
        "indicators": frozenset({"indicator_id", "core", "indicators"})
    }
    assert READS.columns("SELECT indicator_id FROM indicators")["indicators"] is None  # either may be meant


def test_a_view_narrowed_to_some_columns_keeps_what_makes_its_rows() -> None:
    view = (
        "CREATE VIEW v AS SELECT f.fact_id, i.label_en AS label, unnest(f.tags) AS tag, f.value AS v2 "
        "FROM core.facts AS f JOIN core.indicators AS i USING (indicator_id) WHERE v2 > 0"
    )
    narrowed = narrowed_view(view, ["fact_id"])
    assert narrowed is not None
    assert "label_en" not in narrowed  # only shown, never a key: a new label changes no key
    assert "unnest" in narrowed.lower()  # makes rows
    assert "v2" in narrowed and "indicator_id" in narrowed  # named by the filter; joins on it
    assert narrowed_view("CREATE VIEW v AS SELECT DISTINCT a FROM t", ["a"]) is None
    assert narrowed_view("CREATE VIEW v AS SELECT * FROM t", ["a"]) is None
    assert narrowed_view("CREATE VIEW v AS SELECT a FROM t UNION ALL SELECT b FROM u", ["a"]) is None


def test_a_view_that_passes_another_through_is_narrowed_through_it() -> None:
    reads = TableReads(
        {"core.facts"},
        {
            "core.checked": ["CREATE VIEW core.checked AS SELECT f.fact_id, f.note AS shown FROM core.facts AS f"],
            "main.checked": ["CREATE VIEW checked AS SELECT * FROM core.checked ORDER BY fact_id"],
        },
    )
    narrowed = reads.narrowed("checked", "main", ["fact_id"])
    assert narrowed is not None and "note" not in narrowed and "fact_id" in narrowed
    assert "note" in reads.columns("SELECT * FROM main.checked")["facts"]
