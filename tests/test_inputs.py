"""The inputs: where they are found, which folders they need, what their hash covers, and the default
database path."""

from __future__ import annotations

from pathlib import Path

import pytest

import hebeidb
from hebeidb.builder import check_inputs
from hebeidb.inputs import Inputs, default_path


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
