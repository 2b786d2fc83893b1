"""A folder that appears at the export's target while the export runs is never deleted.

Each variant makes the user's folder appear at another moment: before the export writes, after it wrote
and before the move, at the last step of the move (with and without an atomic exchange of folders), or
from a thread at random moments. The export then fails with a one-line refusal (exit 2) and the user's
folder is intact; an earlier export caught in between is kept, not lost.
"""

from __future__ import annotations

import contextlib
import random
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from safety import tree_digest

import hebeidb
import hebeidb.common.atomic
import hebeidb.reader.export.files
from hebeidb.cli import main

USER_FILE = "thesis.txt"


def make_user_folder(target: Path) -> None:
    target.mkdir(exist_ok=True)
    (target / USER_FILE).write_text("years of work")


def user_folder_digest(tmp_path: Path) -> dict[str, str]:
    scratch = tmp_path / "expected"
    make_user_folder(scratch)
    digest = tree_digest(scratch)
    shutil.rmtree(scratch)
    return digest


@pytest.fixture
def target(tmp_path: Path) -> Path:
    return tmp_path / "out"


def appear_at(point: str, target: Path, action: Callable[[Path], None]) -> Callable[[str], None]:
    original = hebeidb.common.atomic.fault_point

    def fault_point(name: str) -> None:
        if name == point:
            action(target)
        original(name)

    return fault_point


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two-renames"])
@pytest.mark.parametrize("point", ["export:written", "replace-folder:before-move"])
def test_a_folder_appearing_before_the_move_is_kept(
    point: str, exchange: bool, built_db: Path, target: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not exchange:
        monkeypatch.setattr(hebeidb.common.atomic, "_exchange", lambda first, second: False)
    hook = appear_at(point, target, make_user_folder)
    monkeypatch.setattr(hebeidb.common.atomic, "fault_point", hook)
    monkeypatch.setattr(hebeidb.reader.export.files, "fault_point", hook)
    with hebeidb.open(built_db) as db, pytest.raises(hebeidb.ParameterError, match="not an unchanged earlier"):
        db.export(target, format="csv", only=["facts"])
    assert tree_digest(target) == user_folder_digest(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two-renames"])
def test_a_users_folder_replacing_an_earlier_export_is_kept(
    exchange: bool, built_db: Path, target: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with hebeidb.open(built_db) as db:
        db.export(target, format="csv", only=["facts"])

    def replace_with_user_folder(folder: Path) -> None:
        shutil.rmtree(folder)
        make_user_folder(folder)

    if not exchange:
        monkeypatch.setattr(hebeidb.common.atomic, "_exchange", lambda first, second: False)
    monkeypatch.setattr(
        hebeidb.reader.export.files, "fault_point", appear_at("export:written", target, replace_with_user_folder)
    )
    with hebeidb.open(built_db) as db, pytest.raises(hebeidb.ParameterError):
        db.export(target, format="csv", only=["facts"])
    assert tree_digest(target) == user_folder_digest(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_folder_appearing_between_the_two_renames_is_kept_and_so_is_the_old_export(
    built_db: Path, target: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with hebeidb.open(built_db) as db:
        db.export(target, format="csv", only=["facts"])
        old = tree_digest(target)
        monkeypatch.setattr(hebeidb.common.atomic, "_exchange", lambda first, second: False)
        monkeypatch.setattr(
            hebeidb.common.atomic, "fault_point", appear_at("replace-folder:between-renames", target, make_user_folder)
        )
        with pytest.raises(hebeidb.ParameterError, match="changed while it was being written"):
            db.export(target, format="csv", only=["facts"])
    assert tree_digest(target) == user_folder_digest(tmp_path)
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("out.kept-")]
    assert len(kept) == 1 and tree_digest(kept[0]) == old
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")) == []


@pytest.mark.parametrize("kind", ["file", "link to a folder"])
def test_something_else_appearing_at_the_target_is_left_alone(
    kind: str, built_db: Path, target: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    make_user_folder(elsewhere)

    def appear(path: Path) -> None:
        if kind == "file":
            path.write_text("a user's file")
        else:
            path.symlink_to(elsewhere)

    monkeypatch.setattr(hebeidb.reader.export.files, "fault_point", appear_at("export:written", target, appear))
    with hebeidb.open(built_db) as db, pytest.raises(hebeidb.ParameterError):
        db.export(target, format="csv", only=["facts"])
    if kind == "file":
        assert target.read_text() == "a user's file"
    else:
        assert target.is_symlink() and tree_digest(elsewhere) == user_folder_digest(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere", "out"]


def test_the_command_line_says_so_in_one_line_with_exit_2(
    built_db: Path, target: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        hebeidb.reader.export.files, "fault_point", appear_at("export:written", target, make_user_folder)
    )
    code = main(["export", str(target), "--db", str(built_db), "--only", "facts"])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith("hebeidb: ") and "Traceback" not in err
    assert tree_digest(target) == user_folder_digest(tmp_path)


@pytest.mark.parametrize("seed", range(4))
def test_a_folder_made_from_a_thread_at_random_moments_survives(seed: int, built_db: Path, tmp_path: Path) -> None:
    """Whoever wins, the user's file is there afterwards with its content, and the outcome is clean."""
    target = tmp_path / "out"
    with hebeidb.open(built_db) as db:
        db.export(target, format="csv", only=["facts"])
    delay = random.Random(seed).uniform(0.0, 1.0)

    def user() -> None:
        time.sleep(delay)
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(target)
        for _ in range(100):
            try:
                make_user_folder(target)
                return
            except FileNotFoundError:
                continue

    thread = threading.Thread(target=user)
    thread.start()
    with hebeidb.open(built_db) as db:
        try:
            db.export(target, format="csv", only=["facts", "sources"])
        except hebeidb.ParameterError as error:
            assert "\n" not in str(error)
    thread.join()
    places = [target, *(p for p in tmp_path.iterdir() if p.name.startswith("out.kept-"))]
    assert any((p / USER_FILE).is_file() and (p / USER_FILE).read_text() == "years of work" for p in places)
