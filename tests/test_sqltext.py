"""SQL text: literals that DuckDB reads back as the same value and type (``hebeidb.common.sqltext``)."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import duckdb
import pytest

from hebeidb.common.sqltext import quote_literal as sql_literal


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        (None, "NULL"),
        (True, "TRUE"),
        (False, "FALSE"),
        (42, "42"),
        (-7, "-7"),
        (dt.date(2022, 3, 4), "DATE '2022-03-04'"),
        ("O'Brien", "'O''Brien'"),
        ("", "''"),
        ("河北 '' --", "'河北 '''' --'"),
    ],
)
def test_sql_literal_reads_back_as_the_same_value(value: Any, literal: str) -> None:
    assert sql_literal(value) == literal
    [(back,)] = duckdb.sql(f"SELECT {literal}").fetchall()
    assert back == value and type(back) is type(value)


@pytest.mark.parametrize(
    ("value", "literal"),
    [(2.5, "CAST(2.5 AS DOUBLE)"), (1e-07, "CAST(1e-07 AS DOUBLE)"), (-0.1, "CAST(-0.1 AS DOUBLE)")],
)
def test_sql_literal_of_a_float_is_its_shortest_repr(value: float, literal: str) -> None:
    assert sql_literal(value) == literal
    [(back,)] = duckdb.sql(f"SELECT {literal}").fetchall()
    assert float(back) == value


def test_an_inlined_number_computes_like_the_bound_number() -> None:
    """A float literal is a DOUBLE, as the bound value is (a bare ``0.1`` would be DECIMAL(2,1)), so a
    report view (its defaults inlined) and the same report run with bound values give the same type
    and result: 0.1 * 3 is 0.30000000000000004 in both."""
    inlined = duckdb.sql(f"SELECT typeof({sql_literal(0.1)}), {sql_literal(0.1)} * 3").fetchall()
    bound = duckdb.execute("SELECT typeof($x), $x * 3", {"x": 0.1}).fetchall()
    assert inlined == bound


@pytest.mark.parametrize("value", [b"x", ["a"], decimal.Decimal("1.5"), object()])
def test_sql_literal_refuses_other_types(value: Any) -> None:
    with pytest.raises(TypeError, match=f"no SQL literal for {type(value).__name__}"):
        sql_literal(value)
