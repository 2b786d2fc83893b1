"""The licence: declared once in ``schema/public_views.toml`` ([dataset] license, license_url, rights), written
into the file (core.dataset) and stated by every export from there: datapackage.json (``licenses``, ``rights``)
and the datasette metadata (tests/test_export_sqlite.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
import tomllib
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

import hebeidb
from hebeidb.builder.contract import load_declared
from hebeidb.common.errors import BuildError
from hebeidb.reader.database import Database

Run = Callable[..., subprocess.CompletedProcess[str]]
ROOT = Path(__file__).resolve().parents[1]


def test_the_file_records_the_licence_the_inputs_declare(db: Database, inputs_root: Path) -> None:
    declared = tomllib.loads((inputs_root / "schema" / "public_views.toml").read_text("utf-8"))["dataset"]
    dataset = db.dataset()
    assert (dataset.license, dataset.license_url, dataset.rights) == (
        declared["license"],
        declared["license_url"],
        declared["rights"],
    )
    # What the data licence does not cover: the article's text, its publisher's, kept to verify the figures.
    [(publisher,)] = db.sql("SELECT publisher FROM sources WHERE kind = 'document'").fetchall()
    assert publisher in dataset.rights
    assert "verif" in dataset.rights


@pytest.mark.parametrize("fmt", ["parquet", "csv", "sqlite"])
def test_datapackage_states_the_licence_and_the_rights(db: Database, tmp_path: Path, fmt: str) -> None:
    import frictionless

    db.export(tmp_path / "out", format=fmt, only=["facts", "sources"])
    package = json.loads((tmp_path / "out" / "datapackage.json").read_text("utf-8"))
    dataset = db.dataset()
    assert package["licenses"] == [
        {"name": dataset.license, "path": dataset.license_url, "title": f"{dataset.license} licence"}
    ]
    assert package["rights"] == dataset.rights
    assert list(frictionless.Package.metadata_validate(package)) == []


def test_frictionless_validates_the_csv_export_with_its_licence(db: Database, tmp_path: Path, run_cli: Run) -> None:
    result = run_cli("export", str(tmp_path / "out"), "--format", "csv", "--only", "facts", "--db", str(db.path))
    assert result.returncode == 0, result.stderr
    validated = subprocess.run(
        [str(Path(shutil.which("frictionless") or "frictionless")), "validate", "--json", "datapackage.json"],
        capture_output=True,
        text=True,
        cwd=tmp_path / "out",
        check=False,
    )
    report = json.loads(validated.stdout)
    assert report["valid"], validated.stdout[:2000]


def test_a_file_built_before_the_licence_was_recorded_exports_without_one(built_db: Path, tmp_path: Path) -> None:
    older = tmp_path / "older.duckdb"
    shutil.copy(built_db, older)
    with duckdb.connect(str(older)) as con:
        for column in ("license", "license_url", "rights"):
            con.execute(f"ALTER TABLE core.dataset DROP COLUMN {column}")
    with hebeidb.open(older) as db:
        dataset = db.dataset()
        assert (dataset.license, dataset.license_url, dataset.rights) == (None, None, None)
        assert dataset.title
        db.export(tmp_path / "out", format="sqlite", only=["facts"])
    package = json.loads((tmp_path / "out" / "datapackage.json").read_text("utf-8"))
    metadata = json.loads((tmp_path / "out" / "metadata.json").read_text("utf-8"))
    assert "licenses" not in package and "rights" not in package
    assert "license" not in metadata and metadata["title"] == dataset.title


def contract_with(inputs_copy: Path, lines: str) -> Path:
    path = inputs_copy / "schema" / "public_views.toml"
    text = path.read_text("utf-8")
    start = text.index("license = ")
    end = text.index("[views.")
    path.write_text(text[:start] + lines + "\n\n" + text[end:], "utf-8")
    return path


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ('licence = "MIT"', ["unknown entry 'licence'", "did you mean 'license'?", "column dataset"]),
        ("license = 5", ["[dataset] license must be text", "column dataset.license"]),
        ('rights = ""', ["[dataset] rights must be text", "column dataset.rights"]),
    ],
)
def test_a_wrong_licence_entry_names_the_file_and_what_is_expected(
    inputs_copy: Path, run_cli: Run, lines: str, expected: list[str]
) -> None:
    path = contract_with(inputs_copy, lines)
    with pytest.raises(BuildError) as caught:
        load_declared(path, lambda p: p.relative_to(inputs_copy).as_posix())
    message = str(caught.value)
    assert "schema/public_views.toml" in message
    for part in expected:
        assert part in message, message
    result = run_cli("check", "--inputs", str(inputs_copy))
    assert result.returncode == 1
    assert all(part in result.stderr for part in expected), result.stderr


def test_the_licence_entries_are_optional(inputs_copy: Path) -> None:
    path = contract_with(inputs_copy, "")
    declared = load_declared(path, str)
    assert (declared.dataset.license, declared.dataset.license_url, declared.dataset.rights) == (None, None, None)
