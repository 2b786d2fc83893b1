"""Every public argument of the Python API gets a hebeidb error naming the type it expects, never a TypeError or a
misleading message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import hebeidb
from hebeidb.reader.database import Database

CALLS: dict[str, Any] = {
    "sql-bytes": lambda db: db.sql(b"SELECT 1"),
    "sql-none": lambda db: db.sql(None),
    "sql-params-list": lambda db: db.sql("SELECT $x", [1]),
    "sql-params-key": lambda db: db.sql("SELECT 1", {1: 2}),
    "sql-timeout": lambda db: db.sql("SELECT 1", timeout="soon"),
    "search-list-of-numbers": lambda db: db.search([1, 2]),
    "search-none": lambda db: db.search(None),
    "search-numbers-flag": lambda db: db.search("autism", numbers="yes"),
    "search-domain": lambda db: db.search("autism", domain=7),
    "search-limit": lambda db: db.search("autism", limit="ten"),
    "report-spec-list": lambda db: db.report_spec(["x"]),
    "report-name": lambda db: db.report(42),
    "render-name": lambda db: db.render(None),
    "translate-dialect": lambda db: db.translate("medals", 7),
    "describe-view": lambda db: db.describe(1),
    "export-folder": lambda db: db.export(3),
    "export-format": lambda db: db.export("out", format=1),
    "export-only": lambda db: db.export("out", only="facts"),
    "export-partition": lambda db: db.export("out", partition_by=[1]),
    "site-folder": lambda db: db.site(None),
    "fetchmany-size": lambda db: db.sql("SELECT 1").fetchmany("all"),
}


@pytest.mark.parametrize("call", sorted(CALLS))
def test_a_wrong_type_is_a_parameter_error_naming_what_is_expected(db: Database, call: str) -> None:
    with pytest.raises(hebeidb.ParameterError) as caught:
        result = CALLS[call](db)
        result.fetchall()
    message = str(caught.value)
    assert "\n" not in message
    assert "must be" in message or "is text" in message or "limit" in message, message


@pytest.mark.parametrize(
    "call",
    [
        lambda: hebeidb.open(123),
        lambda: hebeidb.open("x.duckdb", timeout="soon"),
        lambda: hebeidb.open("x.duckdb", memory_limit=2_000_000_000),
        lambda: hebeidb.build(123),
        lambda: hebeidb.build("x.duckdb", 5),
        lambda: hebeidb.build("x.duckdb", storage_version=1),
    ],
)
def test_the_entry_points_check_their_arguments(call: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(hebeidb.ParameterError, match="must be"):
        call()
    assert list(tmp_path.iterdir()) == []


def test_a_query_given_as_bytes_is_not_called_empty(db: Database) -> None:
    with pytest.raises(hebeidb.QueryRefusedError) as caught:
        db.sql(b"SELECT 1")
    assert "bytes" in str(caught.value) and "empty" not in str(caught.value)
