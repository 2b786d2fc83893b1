"""Numbers for data frames: `.df()`, `.pl()` and the exported Parquet files give numeric columns (DECIMAL as
float64), each value exactly the decimal the database holds; `fetchall()` and `.arrow()` keep the Decimal."""

from __future__ import annotations

import decimal
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

import hebeidb
from hebeidb.reader.database import Database

Run = Callable[..., subprocess.CompletedProcess[str]]
NUMERIC = ("DECIMAL", "DOUBLE", "FLOAT", "REAL", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UBIGINT")


def results(db: Database) -> list[tuple[str, Any]]:
    """Every report with its defaults and every public view, as results of the API."""
    reports = [(f"report {spec.name}", db.report(spec.name)) for spec in db.reports()]
    return reports + [(f"view {view.name}", db.sql(f'SELECT * FROM "{view.name}"')) for view in db.views()]


def decimal_columns(result: Any) -> list[int]:
    return [i for i, kind in enumerate(result.types) if str(kind).startswith("DECIMAL")]


def same_decimal(number: Any, value: Any) -> bool:
    """``number`` (a float of a data frame, or a missing value) is exactly the database's ``value``."""
    if value is None:
        return number is None or number != number  # NaN is pandas' missing value
    return decimal.Decimal(repr(float(number))) == value


def test_df_gives_numeric_dtypes_and_exact_values(db: Database) -> None:
    import pandas as pd

    checked = 0
    for what, result in results(db):
        frame = result.df()
        rows = result.fetchall()
        for i, kind in enumerate(result.types):
            if str(kind).startswith(NUMERIC):
                assert pd.api.types.is_numeric_dtype(frame.iloc[:, i]), (what, result.columns[i], frame.dtypes.iloc[i])
        for i in decimal_columns(result):
            assert str(frame.dtypes.iloc[i]) == "float64", (what, result.columns[i])
            assert all(same_decimal(n, row[i]) for n, row in zip(frame.iloc[:, i], rows, strict=True)), what
            checked += 1
    assert checked >= 15


def test_pl_gives_numeric_dtypes_and_exact_values(db: Database) -> None:
    import polars as pl

    checked = 0
    for what, result in results(db):
        frame = result.pl()
        rows = result.fetchall()
        for i, kind in enumerate(result.types):
            if str(kind).startswith(NUMERIC):
                assert frame.dtypes[i].is_numeric(), (what, result.columns[i])
        for i in decimal_columns(result):
            assert frame.dtypes[i] == pl.Float64, (what, result.columns[i])
            assert all(same_decimal(n, row[i]) for n, row in zip(frame.to_series(i), rows, strict=True)), what
            checked += 1
    assert checked >= 15


def test_the_medals_report_as_the_issue_names_it(db: Database) -> None:
    frame = db.report("medals").df()
    assert {str(frame[c].dtype) for c in ("gold", "silver", "bronze", "total")} == {"float64"}
    assert frame["gold"].sum() > 0  # a sum of numbers, not a concatenation of objects
    gold = frame["gold"].dropna()
    halves = gold[gold % 1 != 0].tolist()
    expected = [v for (v,) in db.sql("SELECT gold FROM report_medals WHERE gold <> round(gold)").fetchall()]
    assert sorted(decimal.Decimal(repr(v)) for v in halves) == sorted(expected)


def test_fetchall_and_arrow_keep_the_decimal(db: Database) -> None:
    import pyarrow as pa

    result = db.sql("SELECT value, fact_id FROM facts WHERE value IS NOT NULL")
    assert all(isinstance(value, decimal.Decimal) for value, _ in result.fetchall())
    assert result.arrow().schema.field("value").type == pa.decimal128(18, 2)


def test_a_result_naming_two_columns_alike_or_nesting_decimals_becomes_a_frame(db: Database) -> None:
    frame = db.sql("SELECT value, value_low AS value, [value, value_high] AS pair FROM facts ORDER BY fact_id").df()
    rows = db.sql("SELECT value, value_low, [value, value_high] FROM facts ORDER BY fact_id").fetchall()
    assert list(frame.dtypes.astype(str))[:2] == ["float64", "float64"]
    assert all(same_decimal(frame.iloc[k, 1], row[1]) for k, row in enumerate(rows))
    assert all(same_decimal(frame.iloc[k, 2][0], row[2][0]) for k, row in enumerate(rows))


# --- the exported Parquet files ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def exported(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import cli_in_process

    folder = tmp_path_factory.mktemp("frames") / "out"
    result = cli_in_process("export", str(folder), "--only", "facts", "--only", "report_medals", "--db", str(built_db))
    assert result.returncode == 0, result.stderr
    return folder


@pytest.mark.parametrize("name", ["facts", "report_medals"])
def test_pandas_and_polars_read_the_exported_numbers_exactly(db: Database, exported: Path, name: str) -> None:
    import pandas as pd
    import polars as pl

    package = json.loads((exported / "datapackage.json").read_text("utf-8"))
    [resource] = [r for r in package["resources"] if r["name"] == name]
    fields = resource["schema"]["fields"]
    frame = pd.read_parquet(exported / f"{name}.parquet")
    polars_frame = pl.read_parquet(exported / f"{name}.parquet")
    rows = db.sql(f'SELECT * FROM "{name}"').fetchall()
    decimals = 0
    for i, field in enumerate(fields):
        if field["type"] in ("number", "integer"):
            assert pd.api.types.is_numeric_dtype(frame[field["name"]]), field["name"]
            assert polars_frame.dtypes[i].is_numeric(), field["name"]
        if "decimalPlaces" in field:
            decimals += 1
            assert field["duckdbType"].startswith("DECIMAL")
            assert all(same_decimal(n, row[i]) for n, row in zip(frame[field["name"]], rows, strict=True))
            # At most decimalPlaces decimals, as the package says.
            places = field["decimalPlaces"]
            assert all(
                decimal.Decimal(repr(float(n))).as_tuple().exponent >= -places for n in frame[field["name"]].dropna()
            )
    assert decimals >= 3
    assert "DOUBLE" in package["hebeidb"]["numbers"]


def test_a_value_a_double_cannot_keep_fails_the_parquet_export_not_the_csv(
    built_db: Path, tmp_path: Path, run_cli: Run
) -> None:
    crafted = tmp_path / "crafted.duckdb"
    shutil.copy(built_db, crafted)
    with duckdb.connect(str(crafted)) as con:
        [(fact_id,)] = con.execute("SELECT min(fact_id) FROM core.facts WHERE value IS NOT NULL").fetchall()
        con.execute(
            "UPDATE core.facts SET value = 1234567890123456.7, precision = 0.1 WHERE fact_id = $f", {"f": fact_id}
        )
    result = run_cli("export", str(tmp_path / "out"), "--only", "facts", "--db", str(crafted))
    assert result.returncode == 1
    assert "facts.value holds 1234567890123456.70" in result.stderr
    assert "15 significant digits" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "out").exists()
    # CSV writes the decimal as text: exactly.
    assert (
        run_cli("export", str(tmp_path / "csv"), "--format", "csv", "--only", "facts", "--db", str(crafted)).returncode
        == 0
    )
    assert "1234567890123456.7" in (tmp_path / "csv" / "facts.csv").read_text("utf-8")
    with hebeidb.open(crafted) as db:  # a data frame gets the nearest double, as any frame library would
        frame = db.sql("SELECT value FROM facts WHERE fact_id = $f", {"f": fact_id}).df()
        assert frame["value"].iloc[0] == pytest.approx(1234567890123456.7)
