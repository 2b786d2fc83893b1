"""The inputs: where they are found, which folders they need, what their hash covers, and the default
database path."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from pathlib import Path

import duckdb
import pytest

import hebeidb
import hebeidb.builder.inputs as inputs_module
from hebeidb.builder import build_database, check_inputs
from hebeidb.builder.inputs import FileHash, Inputs
from hebeidb.common.paths import default_path


def test_default_path_honours_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HEBEIDB_DATABASE", str(tmp_path / "elsewhere.duckdb"))
    assert default_path() == tmp_path / "elsewhere.duckdb"
    monkeypatch.setenv("HEBEIDB_DATABASE", "")
    assert default_path() == Path("hebei.duckdb")
    monkeypatch.delenv("HEBEIDB_DATABASE")
    assert default_path() == Path("hebei.duckdb")


# --- where the inputs are ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("present", "message"),
    [
        ((), "has no schema/ or seeds/ folder"),
        (("schema",), "has no seeds/ folder"),
        (("seeds",), "has no schema/ folder"),
    ],
)
def test_inputs_at_a_folder_without_schema_or_seeds(tmp_path: Path, present: tuple[str, ...], message: str) -> None:
    for name in present:
        (tmp_path / name).mkdir()
    with pytest.raises(hebeidb.ParameterError) as caught:
        Inputs.at(tmp_path)
    assert str(caught.value) == f"{tmp_path.resolve()} {message}"
    with pytest.raises(hebeidb.ParameterError, match=message):
        check_inputs(tmp_path)


def test_inputs_at_none_are_the_installed_ones(inputs_root: Path) -> None:
    assert Inputs.at(None) == Inputs.installed()
    assert Inputs.at(inputs_root).root == inputs_root.resolve()


def test_relative_keeps_paths_outside_the_inputs_as_they_are(inputs_copy: Path, tmp_path: Path) -> None:
    inputs = Inputs.at(inputs_copy)
    assert inputs.relative(inputs_copy / "seeds" / "facts.csv") == "seeds/facts.csv"
    outside = tmp_path / "elsewhere.csv"
    assert inputs.relative(outside) == str(outside)


# --- the inputs hash -----------------------------------------------------------------------------------------


def test_a_copy_of_the_inputs_hashes_like_the_installed_ones(inputs_copy: Path) -> None:
    assert Inputs.at(inputs_copy).sha256() == Inputs.installed().sha256()


def test_the_hash_follows_every_byte_of_a_seed(inputs_copy: Path) -> None:
    inputs = Inputs.at(inputs_copy)
    original = inputs.sha256()
    assert inputs.sha256() == original  # stable
    seed = inputs_copy / "seeds" / "units.csv"
    data = seed.read_bytes()
    seed.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    changed = inputs.sha256()
    assert changed != original
    seed.write_bytes(data)
    assert inputs.sha256() == original


def test_the_hash_follows_file_names(inputs_copy: Path) -> None:
    inputs = Inputs.at(inputs_copy)
    original = inputs.sha256()
    query = inputs_copy / "queries" / "timeline.toml"
    query.rename(query.with_name("timeline2.toml"))
    assert inputs.sha256() != original


def test_a_new_input_file_changes_the_hash(inputs_copy: Path) -> None:
    inputs = Inputs.at(inputs_copy)
    original = inputs.sha256()
    (inputs_copy / "queries" / "notes.md").write_text("draft\n", encoding="utf-8")
    assert inputs.sha256() != original


def test_ignored_files_do_not_change_the_hash(inputs_copy: Path) -> None:
    inputs = Inputs.at(inputs_copy)
    original = inputs.sha256()
    files_before = inputs.files()
    (inputs_copy / "seeds" / "__pycache__").mkdir()
    (inputs_copy / "seeds" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\x00\x01")
    (inputs_copy / "schema" / ".DS_Store").write_bytes(b"\x00mac")
    (inputs_copy / "queries" / ".medals.sql.swp").write_bytes(b"vim")
    (inputs_copy / "seeds" / ".git").mkdir()
    (inputs_copy / "seeds" / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    (inputs_copy / "queries" / "compiled.pyc").write_bytes(b"\x00")
    (inputs_copy / "README.txt").write_text("outside the input folders\n", encoding="utf-8")
    assert inputs.files() == files_before
    assert inputs.sha256() == original


def test_the_hash_is_the_one_a_build_records(inputs_copy: Path) -> None:
    report = check_inputs(inputs_copy)
    assert report.inputs_sha256 == Inputs.at(inputs_copy).sha256()
    assert report.path is None
    assert not report.summary().startswith("built")


# --- what the hash is, and when a file's recorded hash is reused ----------------------------------------------


def _sha256sum_listing(root: Path, folders: list[Path]) -> str:
    """What ``find FOLDER -type f | sort | xargs sha256sum | sha256sum`` gives, computed here from the bytes."""
    lines = []
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file() and not any(part.startswith(".") for part in path.relative_to(folder).parts):
                name = path.relative_to(root).as_posix()
                lines.append((name, hashlib.sha256(path.read_bytes()).hexdigest()))
    listing = "".join(f"{digest}  {name}\n" for name, digest in sorted(lines))
    return hashlib.sha256(listing.encode()).hexdigest()


def test_each_part_hash_is_the_sha256sum_listing_of_its_files(inputs_copy: Path) -> None:
    parts = Inputs.at(inputs_copy).part_hashes()
    for part in ("schema", "seeds", "queries", "checks"):
        assert parts[part] == _sha256sum_listing(inputs_copy, [inputs_copy / part]), part
    folders = [inputs_copy / part for part in ("schema", "seeds", "queries", "checks")]
    assert parts["inputs"] == _sha256sum_listing(inputs_copy, folders)


def _long_ago(hashes: tuple[FileHash, ...]) -> dict[str, FileHash]:
    """The files as if they had been hashed a minute after they last changed."""
    return {f.name: dataclasses.replace(f, hashed_ns=max(f.modified_ns, f.changed_ns) + 60 * 10**9) for f in hashes}


def test_a_file_unchanged_since_it_was_hashed_keeps_its_recorded_hash(inputs_copy: Path) -> None:
    inputs = Inputs.at(inputs_copy)
    known = _long_ago(inputs.hash_files().files)
    # A recorded hash that is not the file's own shows that it is taken, not recomputed.
    forged = dataclasses.replace(known["seeds/units.csv"], sha256="0" * 64)
    again = inputs.hash_files(known | {"seeds/units.csv": forged})
    assert again.reused == len(again.files)
    assert {f.name: f.sha256 for f in again.files}["seeds/units.csv"] == "0" * 64
    assert inputs.hash_files().parts["inputs"] != again.parts["inputs"]  # read afresh without the record


@pytest.mark.parametrize(
    "change",
    [
        "rewritten, same size, time set back",
        "replaced by a renamed copy",
        "grown",
        "touched",
    ],
)
def test_a_changed_file_is_read_again(inputs_copy: Path, change: str) -> None:
    inputs = Inputs.at(inputs_copy)
    known = _long_ago(inputs.hash_files().files)
    seed = inputs_copy / "seeds" / "units.csv"
    before = seed.stat()
    data = seed.read_bytes()
    if change == "rewritten, same size, time set back":
        seed.write_bytes(data[:-2] + bytes([data[-2] ^ 1]) + data[-1:])
        os.utime(seed, ns=(before.st_atime_ns, before.st_mtime_ns))  # the change time still moves
    elif change == "replaced by a renamed copy":
        other = seed.with_name("units.csv.new")
        other.write_bytes(data.replace(b"percent", b"per cent", 1))
        os.utime(other, ns=(before.st_atime_ns, before.st_mtime_ns))
        other.replace(seed)
    elif change == "grown":
        seed.write_bytes(data + b"\n")
    else:
        os.utime(seed)
    again = inputs.hash_files(known)
    assert again.reused == len(again.files) - 1
    assert {f.name: f.sha256 for f in again.files}["seeds/units.csv"] == hashlib.sha256(seed.read_bytes()).hexdigest()


def test_a_file_changed_just_before_it_was_hashed_is_read_again(inputs_copy: Path) -> None:
    # Changed within the clock tick of a coarse file system, its time might not move on a second
    # write: a record taken that soon after the change is not trusted.
    inputs = Inputs.at(inputs_copy)
    recorded = inputs.hash_files().files
    racy = {f.name: dataclasses.replace(f, hashed_ns=max(f.modified_ns, f.changed_ns) + 10**9) for f in recorded}
    assert inputs.hash_files(racy).reused == 0
    assert inputs.hash_files(_long_ago(recorded)).reused == len(recorded)


def test_builds_record_every_input_file_and_reuse_them_unless_full(
    inputs_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inputs_module, "RACY_NS", -(10**12))  # the copy is seconds old: trust it anyway
    target = tmp_path / "h.duckdb"
    first = build_database(target, inputs=inputs_copy)
    assert first.input_files == first.files_read == len(Inputs.at(inputs_copy).files())
    with duckdb.connect(str(target), read_only=True) as con:
        recorded = dict(con.execute("SELECT path, sha256 FROM core.input_files").fetchall())
        (whole,) = con.execute("SELECT inputs_sha256 FROM core.build_info").fetchone()  # type: ignore[misc]
    assert recorded == {f.name: f.sha256 for f in Inputs.at(inputs_copy).hash_files().files}
    assert whole == first.inputs_sha256
    query = inputs_copy / "queries" / "medals.sql"
    query.write_text(query.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    second = build_database(target, inputs=inputs_copy)
    assert (second.input_files, second.files_read) == (first.input_files, 1)
    assert "1 read to hash them" in second.summary()
    assert second.inputs_sha256 == Inputs.at(inputs_copy).sha256() != first.inputs_sha256
    full = build_database(target, inputs=inputs_copy, full=True)
    assert full.files_read == full.input_files
    assert full.results_document()["inputs"] == {"files": full.input_files, "read": full.input_files}
