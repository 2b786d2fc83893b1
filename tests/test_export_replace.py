"""An export replaces only an unchanged earlier export; any other folder is refused (exit 2) and left alone."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from safety import assert_one_line_error, copy_database, run_hebeidb, tree_digest

import hebeidb


@pytest.fixture(scope="module")
def genuine_export(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("genuine") / "out"
    with hebeidb.open(built_db) as db:
        db.export(folder, format="csv", only=["facts", "sources"])
    return folder


def with_export(change: Callable[[Path], None]) -> Callable[[Path, Path], None]:
    def make(folder: Path, genuine: Path) -> None:
        shutil.copytree(genuine, folder, dirs_exist_ok=True, symlinks=True)
        change(folder)

    return make


def marker_only(text: str) -> Callable[[Path, Path], None]:
    def make(folder: Path, genuine: Path) -> None:
        (folder / "datapackage.json").write_text(text)
        (folder / "h.duckdb").write_bytes(b"a user's database")

    return make


def copied_manifest(folder: Path, genuine: Path) -> None:
    shutil.copyfile(genuine / "datapackage.json", folder / "datapackage.json")
    (folder / "thesis.txt").write_text("years of work")


def manifest_naming_user_files(folder: Path, genuine: Path) -> None:
    (folder / "thesis.txt").write_text("years of work")
    manifest = {"hebeidb": {"files": {"thesis.txt": "0" * 64, "h.duckdb": "0" * 64}}}
    (folder / "datapackage.json").write_text(json.dumps(manifest))


def changed_file(folder: Path) -> None:
    with (folder / "facts.csv").open("a") as handle:
        handle.write("my own row\n")


def link_inside(folder: Path) -> None:
    (folder / "facts.csv").rename(folder.parent / "facts-elsewhere.csv")
    (folder / "facts.csv").symlink_to(folder.parent / "facts-elsewhere.csv")


def nested_folder(folder: Path) -> None:
    (folder / "notes").mkdir()
    (folder / "notes" / "todo.txt").write_text("keep me")


def manifest_listing_user_files(folder: Path) -> None:
    """A manifest edited to list the user's files with their true hashes: still not names an export writes."""
    manifest = json.loads((folder / "datapackage.json").read_text())
    nested_folder(folder)
    for name in ("notes/todo.txt", "../outside.csv", "/etc/hostname.csv"):
        manifest["hebeidb"]["files"][name] = hashlib.sha256(b"keep me").hexdigest()
        (folder / "datapackage.json").write_text(json.dumps(manifest))


def manifest_is_a_link(folder: Path) -> None:
    (folder / "datapackage.json").rename(folder.parent / "manifest.json")
    (folder / "datapackage.json").symlink_to(folder.parent / "manifest.json")


FAKES = {
    "null marker": marker_only('{"hebeidb": null}'),
    "empty files list": marker_only('{"hebeidb": {"files": {}}}'),
    "files not a mapping": marker_only('{"hebeidb": {"files": ["h.duckdb"]}}'),
    "not json": marker_only("hebeidb"),
    "empty files list alone": lambda folder, genuine: (folder / "datapackage.json").write_text(
        '{"hebeidb": {"files": {}}}'
    ),
    "a json list": marker_only('["hebeidb"]'),
    "copied manifest beside a user file": copied_manifest,
    "manifest naming user files with other hashes": manifest_naming_user_files,
    "a changed file": with_export(changed_file),
    "an extra file": with_export(lambda folder: (folder / "notes.txt").write_text("mine")),
    "a missing file": with_export(lambda folder: (folder / "facts.csv").unlink()),
    "a link inside": with_export(link_inside),
    "a nested folder": with_export(nested_folder),
    "a manifest listing user files": with_export(manifest_listing_user_files),
    "a manifest that is a link": with_export(manifest_is_a_link),
    "an empty nested folder": with_export(lambda folder: (folder / "empty").mkdir()),
}


@pytest.mark.parametrize("fake", FAKES)
def test_a_folder_that_is_not_an_unchanged_export_is_refused_and_left_alone(
    fake: str, built_db: Path, genuine_export: Path, tmp_path: Path, run_cli: Callable[..., Any]
) -> None:
    database = copy_database(built_db, tmp_path / "db")
    project = tmp_path / "proj"
    project.mkdir()
    FAKES[fake](project, genuine_export)
    before = tree_digest(tmp_path)
    result = run_cli("export", str(project), "--db", str(database), "--format", "csv", cwd=tmp_path)
    assert_one_line_error(result, 2, "not an unchanged earlier hebeidb export")
    assert tree_digest(tmp_path) == before


@pytest.mark.parametrize("fake", ["null marker", "an extra file", "a changed file"])
def test_the_api_refuses_the_same_folders(fake: str, built_db: Path, genuine_export: Path, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    FAKES[fake](project, genuine_export)
    before = tree_digest(tmp_path)
    with hebeidb.open(built_db) as db, pytest.raises(hebeidb.ParameterError, match="not an unchanged earlier"):
        db.export(project, format="csv")
    assert tree_digest(tmp_path) == before


def test_a_genuine_earlier_export_is_replaced(built_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "out"
    database = copy_database(built_db, tmp_path / "db")
    assert run_hebeidb("export", str(target), "--db", str(database), "--only", "facts", cwd=tmp_path).returncode == 0
    result = run_hebeidb("export", str(target), "--db", str(database), "--format", "csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in target.iterdir())
    assert "facts.csv" in names and "facts.parquet" not in names
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith((".out.", "out."))] == []


def test_the_database_inside_the_target_is_never_deleted(built_db: Path, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    database = copy_database(built_db, project)
    before = tree_digest(project)
    for fmt in ("parquet", "csv"):
        result = run_hebeidb("export", str(project), "--db", str(database), "--format", fmt, cwd=tmp_path)
        assert_one_line_error(result, 2)
    relative = run_hebeidb("export", ".", "--db", "h.duckdb", cwd=project)
    assert_one_line_error(relative, 2)
    assert tree_digest(project) == before
    assert os.path.getsize(database) > 0
