"""Kills at each step of a build and of an export leave the old or the new result complete.

``HEBEIDB_FAULT=<point>`` makes the process kill itself (SIGKILL) when it reaches that point, so every
step is hit deterministically; after each kill the target opens (a database answers ``count(*) FROM
facts``, an export holds exactly the files its manifest lists, unchanged), and the next run cleans up.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import same_rows
from safety import copy_database, tree_digest

import hebeidb
from hebeidb.builder import build_database
from hebeidb.builder.inputs import INPUT_DIRS, Inputs
from hebeidb.reader.export.files import _replaceable

BUILD_POINTS = ["build:written", "replace-file:before-fsync", "replace-file:before-rename", "replace-file:after-rename"]
EXPORT_POINTS = [
    "export:written",
    "replace-folder:before-move",
    "replace-folder:after-exchange",
    "replace-folder:before-cleanup",
]
# Runs an export in a child process; argv: database, target, "two-renames" to take the path of systems
# that cannot exchange two folders atomically, "user-folder" to put a user's folder at the target
# while the export runs.
EXPORT_CHILD = r"""
import shutil, sys
from pathlib import Path
import hebeidb, hebeidb.common.atomic, hebeidb.reader.export.files
database, target, *flags = sys.argv[1:]
if "two-renames" in flags:
    hebeidb.common.atomic._exchange = lambda first, second: False
if "user-folder" in flags:
    original = hebeidb.reader.export.files._export_into
    def export_then_user_folder(*args):
        written = original(*args)
        shutil.rmtree(target)
        Path(target).mkdir()
        Path(target, "notes.txt").write_text("mine")
        return written
    hebeidb.reader.export.files._export_into = export_then_user_folder
with hebeidb.open(database) as db:
    db.export(target, "csv")
"""

# Each test kills real processes at fault points: system tests.
pytestmark = pytest.mark.slow


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def facts_count(path: Path) -> int:
    with hebeidb.open(path) as db:
        return db.sql("SELECT count(*) FROM facts").fetchall()[0][0]


def leftovers(folder: Path, name: str) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(f".{name}.") and not p.name.endswith(".lock"))


@pytest.mark.slow
def test_a_build_killed_at_any_step_leaves_the_old_or_the_new_database(built_db: Path, tmp_path: Path) -> None:
    target = copy_database(built_db, tmp_path)
    expected = facts_count(target)
    for point in BUILD_POINTS:
        before = sha256(target)
        result = subprocess.run(
            [sys.executable, "-m", "hebeidb", "build", "--db", str(target)],
            capture_output=True,
            env={**os.environ, "HEBEIDB_FAULT": point},
        )
        assert result.returncode == -signal.SIGKILL, (point, result.stderr)
        if point == "replace-file:after-rename":
            assert sha256(target) != before, "the new build is in place"
        else:
            assert sha256(target) == before, point
        assert facts_count(target) == expected, point
        if point != "replace-file:after-rename":
            assert leftovers(tmp_path, target.name), f"a kill at {point} leaves the temporary behind"
    hebeidb.build(target)
    assert leftovers(tmp_path, target.name) == []
    assert facts_count(target) == expected


def run_export_child(database: Path, target: Path, point: str, *flags: str) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-c", EXPORT_CHILD, str(database), str(target), *flags],
        capture_output=True,
        text=True,
        env={**os.environ, "HEBEIDB_FAULT": point},
        timeout=300,
    )


def assert_complete_export(target: Path) -> None:
    assert target.is_dir(), "the target is never missing"
    assert _replaceable(target) is None, _replaceable(target)
    listed = json.loads((target / "datapackage.json").read_text())["hebeidb"]["files"]
    assert "facts.csv" in listed


@pytest.mark.parametrize(
    ("point", "flags"),
    [(point, ()) for point in EXPORT_POINTS] + [("replace-folder:between-renames", ("two-renames",))],
)
def test_an_export_killed_at_any_step_leaves_the_old_or_the_new_export(
    point: str, flags: tuple[str, ...], built_db: Path, tmp_path: Path
) -> None:
    database = copy_database(built_db, tmp_path / "db")
    target = tmp_path / "out"
    hebeidb.open(database).export(target, format="csv")
    old = tree_digest(target)
    result = run_export_child(database, target, point, *flags)
    assert result.returncode == -signal.SIGKILL, result.stderr
    if "two-renames" in flags:
        # Between the two renames the old export stands aside; the next writer puts it back first.
        from hebeidb.common.atomic import restore_aside

        restore_aside(target)
        assert tree_digest(target) == old
    assert_complete_export(target)
    with hebeidb.open(database) as db:
        db.export(target, format="csv")
    assert_complete_export(target)
    assert leftovers(tmp_path, target.name) == []
    assert [p.name for p in tmp_path.iterdir() if ".kept-" in p.name] == []


def test_a_users_folder_caught_in_a_killed_export_is_kept(built_db: Path, tmp_path: Path) -> None:
    """The user's folder replaced the earlier export while the export ran, and the export died just after
    moving into place: the next export must not delete the user's folder, which it finds set aside."""
    database = copy_database(built_db, tmp_path / "db")
    target = tmp_path / "out"
    hebeidb.open(database).export(target, format="csv")
    result = run_export_child(database, target, "replace-folder:after-exchange", "user-folder")
    assert result.returncode == -signal.SIGKILL, result.stderr
    user = {".": "folder", "notes.txt": hashlib.sha256(b"mine").hexdigest()}
    with hebeidb.open(database) as db:
        try:
            db.export(target, format="csv")
        except hebeidb.ParameterError as error:
            assert "not an unchanged earlier hebeidb export" in str(error)
    places = [target, *(p for p in tmp_path.iterdir() if p.name.startswith("out.kept-"))]
    digests = [{**tree_digest(p), ".": "folder"} for p in places]
    assert user in digests, digests
    assert leftovers(tmp_path, target.name) == []


def test_a_build_killed_at_random_times_never_damages_the_previous_database(built_db: Path, tmp_path: Path) -> None:
    """Kills at random times: whenever one lands, the database opens whole; most must land while the build runs."""
    import random
    import time

    target = copy_database(built_db, tmp_path)
    expected = facts_count(target)
    chooser = random.Random(20260210)
    landed = 0
    for _ in range(5):
        process = subprocess.Popen(
            [sys.executable, "-m", "hebeidb", "build", "--db", str(target), "--full"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(chooser.uniform(0.1, 1.0))
        process.send_signal(signal.SIGKILL)
        landed += process.wait() == -signal.SIGKILL  # killed while it ran, not after it finished
        assert facts_count(target) == expected
    assert landed >= 3, f"only {landed} of 5 kills landed while the build ran: the test proved little"


# The steps of a change-aware build, in order: the previous file copied beside the target, the changed rows
# applied to the copy, its checks run, then the same steps as a full build's.
CHANGE_POINTS = ["changes:copied", "changes:applied", "changes:checked", *BUILD_POINTS]


def label(path: Path) -> str:
    with hebeidb.open(path) as db:
        return db.sql("SELECT label_en FROM core.indicators WHERE indicator_id = 'persons_benefiting'").fetchall()[0][0]


def test_a_change_aware_build_killed_at_any_step_leaves_the_old_or_the_new_database(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    for name in INPUT_DIRS:
        shutil.copytree(Inputs.installed().root / name, inputs / name)
    target = tmp_path / "db" / "h.duckdb"
    target.parent.mkdir()
    hebeidb.build(target, inputs)
    seed = inputs / "seeds" / "indicators.csv"
    old = label(target)
    seed.write_text(seed.read_text("utf-8").replace(old, old.replace("targeted ", ""), 1), "utf-8")
    for point in CHANGE_POINTS:
        before = sha256(target)
        result = subprocess.run(
            [sys.executable, "-m", "hebeidb", "build", "--db", str(target), "--inputs", str(inputs)],
            capture_output=True,
            env={**os.environ, "HEBEIDB_FAULT": point},
        )
        assert result.returncode == -signal.SIGKILL, (point, result.stderr)
        if point == "replace-file:after-rename":
            assert label(target) == old.replace("targeted ", ""), "the new build is in place"
        else:
            assert sha256(target) == before, point
            assert label(target) == old, point
            assert leftovers(target.parent, target.name), f"a kill at {point} leaves the temporary behind"
    report = build_database(target, inputs=inputs)
    assert report.build_path == "queries-only"  # the killed build had written the change
    assert leftovers(target.parent, target.name) == []
    hebeidb.build(tmp_path / "full.duckdb", inputs)
    assert same_rows.differences(target, tmp_path / "full.duckdb") == []
