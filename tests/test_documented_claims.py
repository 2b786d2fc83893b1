"""Claims of the documentation that a reader relies on, each held against the built file or the API."""

from __future__ import annotations

import decimal
import json
import shutil
from pathlib import Path

import pytest

import hebeidb
from hebeidb.reader.database import Database

INTEGER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT")


def test_no_row_of_the_shipped_tallies_ranks_beside_another(db: Database) -> None:
    """docs/views.md: in the shipped data no row is comparable; a row alone at its competition has no answer."""
    rows = db.sql(
        """SELECT competition_id, comparable, comparison_note, part_of_delegation,
                  count(*) FILTER (WHERE part_of_delegation IS NULL) OVER (PARTITION BY competition_id) AS peers
           FROM medal_tallies"""
    ).fetchall()
    assert rows
    for competition, comparable, note, part_of, peers in rows:
        assert comparable is not True, competition
        if part_of is not None or peers > 1:
            assert comparable is False and note, competition
        else:
            assert comparable is None and note is None, competition


def test_whole_counts_are_integers_and_facts_value_a_decimal(db: Database) -> None:
    """docs/conventions.md: the columns that hold only whole counts are integers; facts.value a two-place decimal."""
    types = {
        (view, column): kind
        for view, column, kind in db.sql(
            "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE schema_name = 'main'"
        ).fetchall()
    }
    for column in ("athletes", "sports", "events", "world_records", "rank_gold", "rank_total"):
        assert types["medal_tallies", column] in INTEGER_TYPES, column
    assert types["facts", "value"] == "DECIMAL(18,2)"
    [(value,)] = db.sql("SELECT value FROM facts WHERE fact_id = 'ng2025_hebei_athletes'").fetchall()
    assert value == decimal.Decimal("263.00")


def test_the_sources_of_a_datapackage_carry_a_sha256_only_for_stored_documents(db: Database, tmp_path: Path) -> None:
    """docs/exports.md: each source with its citation, a stored document also with its sha256."""
    db.export(tmp_path / "out", only=["sources"])
    package = json.loads((tmp_path / "out" / "datapackage.json").read_text(encoding="utf-8"))
    kinds = dict(db.sql("SELECT source_id, kind FROM sources").fetchall())
    assert package["sources"]
    for source in package["sources"]:
        assert source["title"]  # the citation
        assert ("sha256" in source) == (kinds[source["source_id"]] == "document"), source


def test_build_takes_its_inputs_as_the_second_argument(tmp_path: Path) -> None:
    """docs/using.md: hebeidb.build(path=None, inputs=None, ...)."""
    tiny = Path(__file__).parent / "data" / "tiny"
    path = hebeidb.build(tmp_path / "t.duckdb", tiny)
    with hebeidb.open(path) as db:
        assert db.title() == "Riverside Library in figures"


def test_an_open_after_a_build_reads_the_new_build_while_an_earlier_one_keeps_its_snapshot(
    built_db: Path, inputs_copy: Path, tmp_path: Path
) -> None:
    """docs/using.md: every open opens the file anew, within one process too."""
    target = tmp_path / "h.duckdb"
    shutil.copyfile(built_db, target)
    domains = inputs_copy / "seeds" / "domains.csv"
    domains.write_text(domains.read_text(encoding="utf-8").replace(",Accessibility,", ",Access for all,"), "utf-8")
    name = "SELECT name FROM domains WHERE domain = 'accessibility'"
    with hebeidb.open(target) as first:
        before = first.sql(name).fetchall()
        hebeidb.build(target, inputs_copy)
        with hebeidb.open(target) as second:
            assert second.sql(name).fetchall() == [("Access for all",)]
        assert first.sql(name).fetchall() == before == [("Accessibility",)]


def test_open_waits_for_a_build_of_the_missing_file_as_long_as_its_timeout(tmp_path: Path) -> None:
    """docs/using.md: open retries for up to ``timeout`` seconds (10 by default), then says why."""
    import inspect

    assert inspect.signature(hebeidb.open).parameters["timeout"].default == 10
    lock = tmp_path / ".h.duckdb.lock"
    import fcntl

    with lock.open("wb") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)  # a build of the missing file is running
        import time

        started = time.monotonic()
        with pytest.raises(hebeidb.DatabaseNotFoundError):
            hebeidb.open(tmp_path / "h.duckdb", timeout=0.5)
        assert time.monotonic() - started >= 0.5  # it waited for the build before saying the file is missing


def test_the_build_memory_limit_defaults_to_3_gb_or_60_percent_of_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from hebeidb.common import connect

    monkeypatch.delenv("HEBEIDB_MEMORY_LIMIT", raising=False)
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert connect.build_memory_limit() == f"{min(3000, int(physical * 0.6 / 1_000_000))}MB"
    monkeypatch.setenv("HEBEIDB_MEMORY_LIMIT", "700MB")
    assert connect.build_memory_limit() == "700MB"


def test_the_command_lines_default_timeout_is_60_seconds(built_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/using.md: a reader command given no --timeout and no $HEBEIDB_TIMEOUT runs each query under 60 s."""
    from conftest import cli_in_process

    from hebeidb.reader import database as database_module

    given: list[float | None] = []
    real_open = database_module.open
    monkeypatch.delenv("HEBEIDB_TIMEOUT", raising=False)
    monkeypatch.setattr(
        database_module, "open", lambda *a, **k: given.append(k.get("query_timeout")) or real_open(*a, **k)
    )
    assert cli_in_process("sql", "SELECT 1", "--db", str(built_db)).returncode == 0
    assert cli_in_process("export", "--help").returncode == 0
    assert given == [60.0]
