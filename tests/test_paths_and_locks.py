"""Links, locks, odd bytes, unwritable folders and a full disk: one line, the documented exit code, nothing lost."""

from __future__ import annotations

import errno
import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from safety import assert_one_line_error, copy_database, run_hebeidb, tree_digest

import hebeidb
import hebeidb.reader.export.files
from hebeidb.cli import main
from hebeidb.common.atomic import exclusive_lock


def facts_count(path: Path) -> int:
    with hebeidb.open(path) as db:
        return db.sql("SELECT count(*) FROM facts").fetchall()[0][0]


@pytest.mark.slow
def test_a_linked_database_is_built_in_place_and_stays_a_link(built_db: Path, tmp_path: Path) -> None:
    real = copy_database(built_db, tmp_path / "real")
    inode = os.stat(real).st_ino
    link = tmp_path / "link.duckdb"
    link.symlink_to(real)
    chain = tmp_path / "chain.duckdb"
    chain.symlink_to(link)
    for path in (link, chain):
        result = run_hebeidb("build", "--db", str(path), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert path.is_symlink() and os.readlink(path) in (str(real), str(link))
        assert os.stat(real).st_ino != inode, "the real file was replaced by the new build"
        inode = os.stat(real).st_ino
        assert facts_count(path) > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chain.duckdb", "link.duckdb", "real"]


@pytest.mark.parametrize("via", ["first link", "second link", "the file"])
def test_links_to_one_file_share_one_lock(via: str, built_db: Path, tmp_path: Path) -> None:
    real = copy_database(built_db, tmp_path / "real")
    first, second = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    first.symlink_to(real)
    second.symlink_to(real)
    path = {"first link": first, "second link": second, "the file": real}[via]
    with exclusive_lock(real, lambda lock: "held"):
        before = tree_digest(tmp_path)
        result = run_hebeidb("build", "--db", str(path), cwd=tmp_path)
    assert_one_line_error(result, 1, "another build of", str(real), "is running")
    assert tree_digest(tmp_path) == before


def test_a_lock_path_that_is_a_folder_is_one_line(built_db: Path, tmp_path: Path) -> None:
    target = copy_database(built_db, tmp_path)
    (tmp_path / ".h.duckdb.lock").mkdir()
    before = tree_digest(tmp_path)
    result = run_hebeidb("build", "--db", str(target), cwd=tmp_path)
    assert_one_line_error(result, 2, ".h.duckdb.lock is a folder")
    assert tree_digest(tmp_path) == before


def test_exporting_to_a_link_to_an_empty_folder_fills_the_folder(built_db: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "out").symlink_to(tmp_path / "empty")
    result = run_hebeidb("export", "out", "--db", str(built_db), "--only", "facts", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out").is_symlink()
    assert sorted(p.name for p in (tmp_path / "empty").iterdir()) == ["datapackage.json", "facts.parquet"]


@pytest.mark.parametrize(
    ("points_to", "code"), [("nowhere/deeper", 2), ("/nonexistent-hebeidb/out", 2), ("/proc/hebeidb-out", 2)]
)
def test_exporting_to_a_dangling_link_into_a_missing_or_unwritable_folder_fails(
    points_to: str, code: int, built_db: Path, tmp_path: Path
) -> None:
    (tmp_path / "out").symlink_to(points_to)
    before = tree_digest(tmp_path)
    result = run_hebeidb("export", "out", "--db", str(built_db), cwd=tmp_path)
    assert_one_line_error(result, code)
    assert tree_digest(tmp_path) == before


def test_exporting_to_a_dangling_link_beside_writes_where_it_points(built_db: Path, tmp_path: Path) -> None:
    (tmp_path / "out").symlink_to(tmp_path / "made")
    result = run_hebeidb("export", "out", "--db", str(built_db), "--only", "facts", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out").is_symlink() and (tmp_path / "made" / "facts.parquet").is_file()


BAD_BYTES = [b"\xff", b"\xfe\xfe", b"caf\xe9", b"\xed\xa0\x80", b"\xc3"]


@pytest.mark.parametrize("bad", BAD_BYTES)
def test_bytes_that_are_not_utf8_in_a_query_are_a_usage_error(bad: bytes, built_db: Path, tmp_path: Path) -> None:
    result = run_hebeidb("sql", b"SELECT '" + bad + b"'", "--db", str(built_db), cwd=tmp_path)
    assert_one_line_error(result, 2, "not UTF-8")


@pytest.mark.parametrize("bad", BAD_BYTES)
def test_bytes_that_are_not_utf8_in_a_parameter_are_a_usage_error(bad: bytes, built_db: Path, tmp_path: Path) -> None:
    for command in (["sql", "SELECT $v AS v"], ["report", "indicators"]):
        name = b"v" if command[0] == "sql" else b"domain"
        result = run_hebeidb(*command, "--param", name + b"=" + bad, "--db", str(built_db), cwd=tmp_path)
        assert_one_line_error(result, 2, "not UTF-8")


def test_bytes_that_are_not_utf8_in_a_path_are_one_line(built_db: Path, tmp_path: Path) -> None:
    result = run_hebeidb("sql", "SELECT 1", "--db", os.fsencode(str(tmp_path)) + b"/\xff.duckdb", cwd=tmp_path)
    assert_one_line_error(result, 2)


@pytest.fixture
def nobody_folder() -> Iterator[Path]:
    """A folder the unprivileged user ``nobody`` can read and enter but not write.

    pytest's own temporary folders sit in a folder only their owner may enter, so this one is made
    directly in the system's temporary folder, and removed afterwards.
    """
    if os.geteuid() != 0:
        pytest.fail("these tests switch to the user nobody and need to start as root")
    with tempfile.TemporaryDirectory(prefix="hebeidb-nobody-") as name:
        folder = Path(name)
        folder.chmod(0o755)
        yield folder


def test_a_folder_nobody_may_not_enter_is_one_line(built_db: Path, tmp_path: Path) -> None:
    """tmp_path lies in a folder only root may enter: every command says so in one line."""
    database = copy_database(built_db, tmp_path)
    before = tree_digest(tmp_path)
    for args, code in [
        (["build", "--db", str(tmp_path / "new.duckdb")], 2),
        (["sql", "SELECT 1", "--db", str(database)], 2),
        (["export", str(tmp_path / "out"), "--db", str(database)], 2),
    ]:
        result = run_hebeidb(*args, cwd=Path("/"), user="nobody")
        assert_one_line_error(result, code, "Permission denied")
    assert tree_digest(tmp_path) == before


def test_a_build_in_a_folder_nobody_may_write_is_one_line(nobody_folder: Path) -> None:
    before = tree_digest(nobody_folder)
    result = run_hebeidb("build", "--db", str(nobody_folder / "h.duckdb"), cwd=nobody_folder, user="nobody")
    assert_one_line_error(result, 2, "not writable")
    assert tree_digest(nobody_folder) == before


def test_a_reader_in_a_folder_it_may_not_write_reads(built_db: Path, nobody_folder: Path) -> None:
    database = copy_database(built_db, nobody_folder)
    database.chmod(0o644)
    before = tree_digest(nobody_folder)
    query = "SELECT count(*) AS n FROM facts"
    result = run_hebeidb("sql", query, "--db", str(database), cwd=nobody_folder, user="nobody")
    assert result.returncode == 0, result.stderr
    export = run_hebeidb("export", str(nobody_folder / "out"), "--db", str(database), cwd=nobody_folder, user="nobody")
    assert_one_line_error(export, 2, "cannot write")
    assert tree_digest(nobody_folder) == before


def test_a_database_nobody_may_read_is_one_line(built_db: Path, nobody_folder: Path) -> None:
    database = copy_database(built_db, nobody_folder)
    database.chmod(0o600)
    result = run_hebeidb("sql", "SELECT 1", "--db", str(database), cwd=nobody_folder, user="nobody")
    assert result.returncode in (1, 2)
    assert_one_line_error(result, result.returncode, "cannot open")


@pytest.mark.parametrize("version", ["v9", "v0.9.0", "latest", "v1.0.0; DROP"])
def test_an_unknown_storage_version_is_a_usage_error_naming_the_allowed(version: str, tmp_path: Path) -> None:
    result = run_hebeidb("build", "--db", str(tmp_path / "h.duckdb"), "--storage-version", version, cwd=tmp_path)
    assert_one_line_error(result, 2, "unknown storage version", "v1.0.0", "v1.4.0")
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_while_writing_the_manifest_replaces_nothing(
    built_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out"
    with hebeidb.open(built_db) as db:
        db.export(target, only=["facts"])
    before = tree_digest(tmp_path)
    write_text = Path.write_text

    def full(path: Path, *args: object, **kwargs: object) -> int:
        if path.name == "datapackage.json":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return write_text(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "write_text", full)
    code = main(["export", str(target), "--db", str(built_db), "--only", "facts", "--only", "sources"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "No space left on device" in err and "Traceback" not in err
    assert tree_digest(tmp_path) == before


@pytest.mark.parametrize("size", ["200k", "340k"])
def test_a_really_full_disk_replaces_nothing(size: str, built_db: Path, tmp_path: Path) -> None:
    """A small tmpfs holding an earlier export: the new one (about 420 kB as CSV) runs out of space."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        pytest.fail(f"mounting a tmpfs needs root: {mounted.stderr!r}")
    try:
        result = run_hebeidb("export", str(disk / "out"), "--db", str(built_db), "--only", "domains", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        before = tree_digest(disk)
        result = run_hebeidb("export", str(disk / "out"), "--db", str(built_db), "--format", "csv", cwd=tmp_path)
        assert_one_line_error(result, 1)
        assert tree_digest(disk) == before
    finally:
        subprocess.run(["umount", str(disk)], check=True)
