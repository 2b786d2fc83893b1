"""Claims of the documentation that a reader relies on, each held against the built file or the API."""

from __future__ import annotations

import contextlib
import decimal
import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager as ContextManager
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


@pytest.fixture
def moved_clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[], ContextManager[list[float]]]:
    """A clock that only sleeping moves (``time.monotonic`` and ``time.sleep``), for as long as the context lasts:
    a wait of seconds is counted without being waited."""

    @contextlib.contextmanager
    def moved() -> Iterator[list[float]]:
        import time

        clock = [0.0]
        with monkeypatch.context() as patch:
            patch.setattr(time, "monotonic", lambda: clock[0])
            patch.setattr(time, "sleep", lambda seconds: clock.__setitem__(0, clock[0] + seconds))
            yield clock

    return moved


def test_open_given_no_timeout_waits_10_seconds_for_a_build_of_the_missing_file(tmp_path: Path, moved_clock) -> None:
    """docs/using.md: ``timeout=10``: a missing file whose build holds its lock is waited for 10 s, then missing."""
    import fcntl

    with (tmp_path / ".h.duckdb.lock").open("wb") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)  # a build of the missing file is running
        with moved_clock() as clock, pytest.raises(hebeidb.DatabaseNotFoundError):
            hebeidb.open(tmp_path / "h.duckdb")
    assert 10 <= clock[0] < 10.5, clock


def test_open_given_no_timeout_waits_10_seconds_for_a_file_another_process_writes(
    built_db: Path, tmp_path: Path, moved_clock
) -> None:
    """docs/using.md: ``timeout=10``: a file another process holds for writing is retried for 10 s, then refused."""
    target = tmp_path / "h.duckdb"
    shutil.copyfile(built_db, target)
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print(1, flush=True); input()",
            target,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "1"  # it holds the file
        with moved_clock() as clock, pytest.raises(hebeidb.DatabaseError, match="lock"):
            hebeidb.open(target)
    finally:
        writer.communicate("\n", timeout=60)
    assert 10 <= clock[0] < 10.5, clock


@pytest.mark.parametrize("gigabytes", [2, 4, 64])
def test_a_build_runs_under_3_gb_or_60_percent_of_the_machine_whichever_is_less(
    gigabytes: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/builds.md: a build's DuckDB memory limit is 3 GB or 60% of the machine's memory, whichever is less,
    unless $HEBEIDB_MEMORY_LIMIT says otherwise. The machine's size is faked; the limit is read back from the
    build's own connection."""
    import duckdb

    from hebeidb.builder import steps
    from hebeidb.common import connect

    page = 4096
    machine = {"SC_PAGE_SIZE": page, "SC_PHYS_PAGES": gigabytes * 10**9 // page}
    real_sysconf = connect.os.sysconf
    monkeypatch.setattr(connect.os, "sysconf", lambda name: machine.get(name) or real_sysconf(name))
    seen: list[str] = []
    real_connect = steps.connect

    def spy(role: str, **kwargs):
        con = real_connect(role, **kwargs)
        if role == "build":
            seen.append(con.execute("SELECT current_setting('memory_limit')").fetchone()[0])
        return con

    monkeypatch.setattr(steps, "connect", spy)
    tiny = Path(__file__).parent / "data" / "tiny"

    def printed(megabytes: int | str) -> str:
        """A memory size as DuckDB prints it."""
        with duckdb.connect() as scratch:
            scratch.execute("SET memory_limit = $v", {"v": f"{megabytes}MB"})
            return scratch.execute("SELECT current_setting('memory_limit')").fetchone()[0]

    monkeypatch.delenv("HEBEIDB_MEMORY_LIMIT", raising=False)
    hebeidb.build(tmp_path / "t.duckdb", tiny)
    physical = machine["SC_PAGE_SIZE"] * machine["SC_PHYS_PAGES"]
    assert seen and set(seen) == {printed(min(3000, int(physical * 0.6 / 1_000_000)))}, (gigabytes, seen)
    seen.clear()
    monkeypatch.setenv("HEBEIDB_MEMORY_LIMIT", "700MB")
    hebeidb.build(tmp_path / "t.duckdb", tiny)
    assert seen and set(seen) == {printed(700)}


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
