"""``translate``: each engine's placeholder style, binding order and value types, and the AST fixes."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from hebeidb.reader.translate import DIALECTS, PLACEHOLDER_STYLES, UNVERIFIED_DIALECTS, translate

SQL = "SELECT a FROM t WHERE k = $kind AND y >= $since AND z <= $since AND d > $day AND b = $flag AND x < $ratio"
VALUES = {"kind": "it's", "since": 2020, "day": dt.date(2024, 2, 29), "flag": True, "ratio": 0.5}


def test_every_offered_dialect_has_a_placeholder_style() -> None:
    assert set(PLACEHOLDER_STYLES) == set(DIALECTS) | set(UNVERIFIED_DIALECTS)
    assert "trino" not in DIALECTS


def test_postgres_numbers_each_name_once_in_order_of_first_use() -> None:
    translation = translate(SQL, VALUES, "postgres")
    assert [p.name for p in translation.parameters] == ["kind", "since", "day", "flag", "ratio"]
    assert translation.args() == ["it's", 2020, dt.date(2024, 2, 29), True, 0.5]
    where = translation.sql[translation.sql.index("WHERE") :]
    assert [int(n) for n in re.findall(r"\$(\d+)", where)] == [1, 2, 2, 3, 4, 5]  # since: one number, twice
    assert "$2" in where and "$6" not in where
    assert "it's" not in translation.sql  # values are bound, never pasted


@pytest.mark.parametrize("dialect", ["spark", "sqlite"])
def test_named_styles_bind_by_name(dialect: str) -> None:
    translation = translate(SQL, VALUES, dialect)
    assert translation.placeholder_style == ":name"
    assert translation.args() == VALUES
    assert ":since" in translation.sql and "$since" not in translation.sql


def test_question_marks_take_one_value_per_mark() -> None:
    translation = translate(SQL, VALUES, "trino", unverified=True)
    assert translation.verified is False
    assert translation.args() == ["it's", 2020, 2020, dt.date(2024, 2, 29), True, 0.5]
    assert translation.sql.count("?") == 6


def test_json_gives_each_value_with_its_type() -> None:
    document = translate(SQL, VALUES, "postgres").as_json()
    assert document["parameters"] == [
        {"name": "kind", "type": "text", "value": "it's"},
        {"name": "since", "type": "integer", "value": 2020},
        {"name": "day", "type": "date", "value": "2024-02-29"},
        {"name": "flag", "type": "boolean", "value": True},
        {"name": "ratio", "type": "number", "value": 0.5},
    ]
    assert document["verified"] is True and document["placeholder_style"] == "$n"


def test_a_placeholder_without_a_value_is_refused() -> None:
    with pytest.raises(ValueError, match=r"\$since"):
        translate("SELECT 1 WHERE 2 > $since", {}, "postgres")


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT round(100.0 * a / b, 1) FROM t", "ROUND(CAST(CAST(100.0 * a AS DOUBLE PRECISION) / b AS DECIMAL), 1)"),
        ("SELECT round(avg(x), 2) FROM t", "ROUND(CAST(AVG(x) AS DECIMAL), 2)"),
        ("SELECT round(CAST(x AS DECIMAL(10, 2)), 1) FROM t", "ROUND(CAST(x AS DECIMAL(10, 2)), 1)"),
        ("SELECT round(x) FROM t", "ROUND(x)"),  # round(double precision) exists
    ],
)
def test_postgres_rounds_numeric_values(sql: str, expected: str) -> None:
    assert expected in translate(sql, {}, "postgres").sql.replace("\n", " ")


@pytest.mark.parametrize(
    ("function", "fmt"), [("year", "%Y"), ("month", "%m"), ("day", "%d")]
)  # fmt: skip
def test_sqlite_reads_date_parts_with_strftime(function: str, fmt: str) -> None:
    import sqlite3

    sql = translate(f"SELECT {function}(d) AS part FROM t", {}, "sqlite").sql
    assert f"CAST(STRFTIME('{fmt}', d) AS INTEGER)" in sql
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE t (d TEXT)")
    con.execute("INSERT INTO t VALUES ('2024-02-09')")
    assert con.execute(sql).fetchall() == [({"year": 2024, "month": 2, "day": 9}[function],)]
