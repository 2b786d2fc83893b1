"""Concurrency: readers during rebuilds, two builds at once (kills at each step: tests/test_faults.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import hebeidb
from hebeidb.builder.inputs import Inputs

BUILD = [sys.executable, "-m", "hebeidb", "build", "--db"]
READER = r"""
import os, sys, time, hebeidb
path, stop = sys.argv[1], sys.argv[2]
deadline = time.monotonic() + 600
count = 0
while (not os.path.exists(stop) or count < 3) and time.monotonic() < deadline:
    with hebeidb.open(path) as db:
        facts = db.sql("SELECT count(*) FROM facts").fetchall()[0][0]
        tallies = db.report("medals").fetchall()
        texts = db.sql("SELECT count(*) FROM core.source_texts").fetchall()[0][0]
    if facts != int(sys.argv[3]) or len(tallies) != int(sys.argv[4]) or texts != 1:
        print(f"partial result: {facts} facts, {len(tallies)} tallies, {texts} texts", file=sys.stderr)
        sys.exit(3)
    count += 1
print(count)
"""


def leftovers(folder: Path, name: str) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(f".{name}.") and not p.name.endswith(".lock"))


@pytest.mark.slow
def test_readers_never_see_errors_or_partial_results_during_rebuilds(tmp_path: Path) -> None:
    target = tmp_path / "hebei.duckdb"
    hebeidb.build(target)
    with hebeidb.open(target) as db:
        facts = db.sql("SELECT count(*) FROM facts").fetchall()[0][0]
        tallies = len(db.report("medals").fetchall())
    stop = tmp_path / "stop"
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", READER, str(target), str(stop), str(facts), str(tallies)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    try:
        for _ in range(4):
            result = subprocess.run([*BUILD, str(target)], capture_output=True, text=True)
            assert result.returncode == 0, result.stderr
    finally:
        stop.touch()
    for reader in readers:
        out, err = reader.communicate(timeout=600)
        assert reader.returncode == 0, err
        assert int(out.strip()) >= 3


@pytest.mark.slow
def test_two_builds_at_once_give_one_good_database_and_a_clear_message(tmp_path: Path) -> None:
    """The second build started while the first holds the lock stops with a clear message; the first finishes."""
    import fcntl
    import time

    target = tmp_path / "hebei.duckdb"
    lock = tmp_path / ".hebei.duckdb.lock"
    raced = 0
    for _ in range(3):
        first = subprocess.Popen([*BUILD, str(target), "--full"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)  # fmt: skip
        held = False
        deadline = time.monotonic() + 60
        while first.poll() is None and not held and time.monotonic() < deadline:
            if lock.exists():
                with lock.open("rb") as handle:
                    try:
                        fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
                    except BlockingIOError:
                        held = True  # the first build holds the lock now
            time.sleep(0.005)
        second = subprocess.run([*BUILD, str(target)], capture_output=True, text=True, timeout=120)
        first_code = first.wait(timeout=120)
        assert first_code == 0, first.stderr.read()  # type: ignore[union-attr]
        if held and first.poll() is not None and second.returncode == 1:
            raced += 1
            assert second.stderr.startswith(f"hebeidb: another build of {target} is running"), second.stderr
            assert "wait for it to finish, then build again" in second.stderr
            assert len(second.stderr.splitlines()) == 1
        else:
            assert second.returncode == 0, second.stderr  # it started after the first had finished
        with hebeidb.open(target) as db:
            assert db.sql("SELECT count(*) FROM numbers WHERE status = 'uncovered'").fetchall() == [(0,)]
            assert db.sql("SELECT count(*) FROM facts").fetchall()[0][0] > 0
    assert raced >= 1, "no second build ran while the first held the lock: the test proved nothing"
    assert leftovers(tmp_path, target.name) == []


# --- readers and a file held by another process --------------------------------------------------------------


HOLD_WRITE = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("ready", flush=True)
sys.stdin.read()
con.close()
"""


def test_a_file_held_by_a_writer_is_refused_after_the_timeout(tmp_path: Path, built_db: Path) -> None:
    target = tmp_path / "held.duckdb"
    shutil.copyfile(built_db, target)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_WRITE, str(target)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(hebeidb.DatabaseError) as caught:
            hebeidb.open(target, timeout=0.3)
        message = str(caught.value)
        assert message.startswith(f"cannot open {target}: ")
        assert "lock" in message.lower()
    finally:
        holder.communicate("", timeout=60)
    assert holder.returncode == 0
    with hebeidb.open(target) as db:  # free again
        assert db.build_info()["inputs_sha256"] == Inputs.installed().sha256()


def test_open_waits_for_a_build_that_holds_the_lock(tmp_path: Path, built_db: Path) -> None:
    """A missing file being built by someone else: open waits for that build instead of failing."""
    import fcntl
    import threading

    target = tmp_path / "hebei.duckdb"
    lock = (tmp_path / ".hebei.duckdb.lock").open("a+b")
    fcntl.flock(lock.fileno(), fcntl.LOCK_EX)

    def finish_the_other_build() -> None:
        shutil.copyfile(built_db, target)
        lock.close()  # releases the lock

    timer = threading.Timer(0.5, finish_the_other_build)
    timer.start()
    try:
        with hebeidb.open(target) as db:
            assert db.build_info()["inputs_sha256"] == Inputs.installed().sha256()
    finally:
        timer.join()
    assert target.read_bytes() == built_db.read_bytes()  # opened the other build's file, did not rebuild
