"""A build removes only its own leftovers: those of the same target whose process is gone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from safety import copy_database

import hebeidb
from hebeidb.common.atomic import remove_leftovers


@pytest.fixture(scope="module")
def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def plant(folder: Path, names: list[str]) -> None:
    for name in names:
        if name.endswith("/"):
            (folder / name).mkdir()
            (folder / name / "spill.bin").write_bytes(b"x")
        else:
            (folder / name).write_bytes(b"leftover or not")


def kept_and_removed(dead: int) -> tuple[list[str], list[str]]:
    live = os.getpid()
    own_dead = [
        f".h.duckdb.{dead}.deadbeef.building",
        f".h.duckdb.{dead}.deadbeef.building.wal",
        f".h.duckdb.{dead}.deadbeef.building.tmp/",
        f".h.duckdb.{dead}.0123abcd.exporting/",
    ]
    others = [
        f".h.duckdb.bak.{dead}.deadbeef.building",  # another target's, its process gone
        f".h.duckdb.bak.{live}.cafebabe.building",  # another target's, running
        f".h.duckdb.{live}.cafebabe.building",  # this target's, but its process is alive
        f".h.duckdb.{live}.cafebabe.building.wal",
        f".h.duckdbx.{dead}.deadbeef.building",
        f".h.duckdb.{dead}.notahex0.building",
        f".h.duckdb.{dead}.deadbeef",
        f".h.duckdb.{dead}.deadbeef.Building",
        f"h.duckdb.{dead}.deadbeef.building",
        f".h.duckdb.{dead}.deadbeef.replaced/",  # may hold a replaced folder: never removed unchecked
        f".h.duckdb.{dead}.deadbeef.swapping/",
        ".h.duckdb.bak",
        "h.duckdb.bak",
        "notes.building",
    ]
    return own_dead, others


def test_a_build_removes_only_its_own_dead_leftovers(built_db: Path, tmp_path: Path, dead_pid: int) -> None:
    target = copy_database(built_db, tmp_path)
    own_dead, others = kept_and_removed(dead_pid)
    plant(tmp_path, own_dead + others)
    hebeidb.build(target)
    present = {p.name + ("/" if p.is_dir() else "") for p in tmp_path.iterdir()}
    assert present == {*others, "h.duckdb", ".h.duckdb.lock"}


def test_cleanup_alone_spares_live_and_foreign_temporaries(tmp_path: Path, dead_pid: int) -> None:
    own_dead, others = kept_and_removed(dead_pid)
    plant(tmp_path, own_dead + others)
    removed = remove_leftovers(tmp_path / "h.duckdb")
    assert sorted(p.name for p in removed) == sorted(name.rstrip("/") for name in own_dead)
    assert sorted(p.name + ("/" if p.is_dir() else "") for p in tmp_path.iterdir()) == sorted(others)


def test_a_build_of_the_backup_beside_keeps_the_first_builds_temporary(built_db: Path, tmp_path: Path) -> None:
    """Two builds side by side: one of h.duckdb.bak while h.duckdb's temporary (of a live process) exists."""
    target = copy_database(built_db, tmp_path)
    live_temporary = tmp_path / f".h.duckdb.{os.getpid()}.cafebabe.building"
    live_temporary.write_bytes(b"being written")
    backup = tmp_path / "h.duckdb.bak"
    result = subprocess.run(
        [sys.executable, "-m", "hebeidb", "build", "--db", str(backup)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert live_temporary.read_bytes() == b"being written"
    assert target.exists()
