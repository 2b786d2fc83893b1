"""Every report, translated to Spark SQL, returns DuckDB's rows on local Spark reading the Parquet export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from engines import public_views, register_parquet_views, run_on_spark
from report_matrix import REPORT_NAMES, assert_same_rows, case_id, parameter_sets

from hebeidb.reader.database import Database
from hebeidb.reader.translate import translate

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def spark_views(spark: Any, db: Database, full_parquet_export: Path) -> Any:
    register_parquet_views(spark, db, full_parquet_export)
    return spark


def test_spark_reads_every_public_view_with_duckdbs_row_count(spark_views: Any, db: Database) -> None:
    for view in public_views(db):
        assert spark_views.table(view).count() == db.sql(f'SELECT count(*) FROM "{view}"').fetchall()[0][0], view


@pytest.mark.parametrize("name", REPORT_NAMES)
def test_report_on_spark_gives_duckdbs_rows(db: Database, spark_views: Any, name: str) -> None:
    sets = parameter_sets(db, name)
    assert len(sets) > 3
    translations = []
    for params in sets:
        rendered = db.render(name, **params)
        translation = translate(rendered.sql, rendered.params, "spark")
        assert translation.placeholder_style == ":name"
        translations.append(translation)
    for params, got in zip(sets, run_on_spark(spark_views, translations), strict=True):
        expected = db.report(name, **params).fetchall()
        assert_same_rows("Spark", got, expected, case_id(name, params))
