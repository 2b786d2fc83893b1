"""The built file is the only contract: readers read only the file they opened and never write."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

import hebeidb
from hebeidb.builder import build_database
from hebeidb.builder.inputs import INPUT_DIRS

# Every command that reads a database, with the arguments it needs besides --db.
READER_COMMANDS = {
    "reports": ["reports"],
    "report": ["report", "medals"],
    "sql": ["sql", "SELECT count(*) FROM facts"],
    "describe": ["describe", "facts"],
    "render": ["render", "medals"],
    "lineage": ["lineage", "medals"],
    "export": ["export", "out"],
    "search": ["search", "autism"],
    "site": ["site", "out"],
}


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def custom_db(tmp_path_factory: pytest.TempPathFactory, inputs_root: Path) -> Path:
    """A database built from a copy of the inputs with a label, a report title and a report's SQL changed."""
    root = tmp_path_factory.mktemp("custom-inputs")
    for name in INPUT_DIRS:
        shutil.copytree(inputs_root / name, root / name)
    domains = root / "seeds" / "domains.csv"
    text = domains.read_text(encoding="utf-8")
    assert "\naccessibility,Accessibility," in text
    domains.write_text(text.replace("\naccessibility,Accessibility,", "\naccessibility,Barrier-free living,"))
    metadata = root / "queries" / "timeline.toml"
    metadata.write_text(metadata.read_text(encoding="utf-8").replace('title = "', 'title = "Custom: ', 1))
    template = root / "queries" / "domain_summary.sql"
    sql = template.read_text(encoding="utf-8")
    assert "SELECT f.domain," in sql
    template.write_text(sql.replace("SELECT f.domain,", "SELECT /* changed for this build */ f.domain,"), "utf-8")
    target = tmp_path_factory.mktemp("custom-db") / "c.duckdb"
    build_database(target, inputs=root)
    return target


def test_a_custom_build_is_read_with_its_own_labels_titles_and_sql(custom_db: Path, run_cli, tmp_path: Path) -> None:
    before = sha256_of(custom_db)
    with hebeidb.open(custom_db) as db:
        assert db.build_info()["inputs_origin"] == "custom"
        names = dict(db.sql("SELECT domain, name FROM domains").fetchall())
        assert names["accessibility"] == "Barrier-free living"
        assert db.report_spec("timeline").title.startswith("Custom: ")
        assert "/* changed for this build */" in db.render("domain_summary").sql
        assert db.report("domain_summary", region="hebei").fetchall()
    db_args = ["--db", str(custom_db)]
    reports = run_cli("reports", "--format", "json", *db_args)
    assert reports.returncode == 0, reports.stderr
    titles = {r["name"]: r["title"] for r in json.loads(reports.stdout)}
    assert titles["timeline"].startswith("Custom: ")
    rendered = run_cli("render", "domain_summary", *db_args)
    assert rendered.returncode == 0 and "/* changed for this build */" in rendered.stdout
    queried = run_cli("sql", "SELECT name FROM domains WHERE domain = 'accessibility'", "--format", "csv", *db_args)
    assert queried.stdout.splitlines() == ["name", "Barrier-free living"]
    exported = run_cli("export", str(tmp_path / "out"), "--format", "csv", "--only", "domains", *db_args)
    assert exported.returncode == 0, exported.stderr
    assert "Barrier-free living" in (tmp_path / "out" / "domains.csv").read_text(encoding="utf-8")
    for command, args in READER_COMMANDS.items():
        result = run_cli(*[str(tmp_path / f"out-{command}") if a == "out" else a for a in args], *db_args)
        assert result.returncode == 0, (command, result.stderr)
    assert sha256_of(custom_db) == before, "a reader changed the file"


def test_a_custom_build_exports_its_own_title_keys_and_descriptions(custom_db: Path, tmp_path: Path) -> None:
    con = duckdb.connect(str(custom_db))
    con.execute("UPDATE core.dataset SET title = 'A title only this file holds'")
    # DuckDB cannot update a row a foreign key points at: drop numbers' references first, which the
    # export must then leave out too.
    con.execute("DELETE FROM core.public_view_references WHERE view_name = 'numbers'")
    con.execute("UPDATE core.public_views SET key_columns = ['token_start', 'source_id'] WHERE view_name = 'numbers'")
    con.execute("COMMENT ON COLUMN domains.name IS 'A description only this file holds.'")
    con.close()
    with hebeidb.open(custom_db) as db:
        db.export(tmp_path / "out", format="csv", only=["domains", "facts", "numbers"])
    manifest = json.loads((tmp_path / "out" / "datapackage.json").read_text(encoding="utf-8"))
    assert manifest["title"] == "A title only this file holds"
    resources = {r["name"]: r for r in manifest["resources"]}
    assert resources["numbers"]["schema"]["primaryKey"] == ["token_start", "source_id"]
    assert "foreignKeys" not in resources["numbers"]["schema"]
    assert resources["facts"]["schema"]["foreignKeys"]
    fields = {f["name"]: f for f in resources["domains"]["schema"]["fields"]}
    assert fields["name"]["description"] == "A description only this file holds."


@pytest.mark.parametrize("command", sorted(READER_COMMANDS))
def test_no_reader_command_creates_a_missing_database(command: str, run_cli, tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    target = folder / "typo.duckdb"
    args = [str(folder / "out") if a == "out" else a for a in READER_COMMANDS[command]]
    result = run_cli(*args, "--db", str(target))
    assert result.returncode == 2, result.stderr
    assert result.stderr == f"hebeidb: {target} does not exist; build it with `hebeidb build --db {target}`\n"
    assert result.stdout == ""
    assert list(folder.iterdir()) == []


def test_the_default_database_is_not_created_either(run_cli, tmp_path: Path) -> None:
    result = run_cli("report", "medals", env={"HEBEIDB_DATABASE": ""}, cwd=tmp_path)
    assert result.returncode == 2
    assert "hebei.duckdb does not exist" in result.stderr and "hebeidb build" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "opener",
    [
        pytest.param(lambda path: hebeidb.open(path), id="open"),
        pytest.param(lambda path: hebeidb.Database(path), id="Database"),
    ],
)
def test_the_api_creates_no_missing_file(tmp_path: Path, opener: Callable[[Path], object]) -> None:
    with pytest.raises(hebeidb.DatabaseError):
        opener(tmp_path / "missing.duckdb")
    assert list(tmp_path.iterdir()) == []


def test_a_stale_database_warns_on_one_line_and_opens_as_it_is(tmp_path: Path, old_version_db: Path, run_cli) -> None:
    target = tmp_path / "old.duckdb"
    shutil.copyfile(old_version_db, target)
    before = sha256_of(target)
    result = run_cli("sql", "SELECT count(*) AS n FROM facts", "--format", "csv", "--db", str(target))
    assert result.returncode == 0
    warning = result.stderr.splitlines()
    assert len(warning) == 1 and warning[0].startswith("hebeidb: warning: ")
    assert "hebeidb 0.0.1" in warning[0] and f"hebeidb build --db {target}" in warning[0]
    assert result.stdout.splitlines()[0] == "n"
    assert sha256_of(target) == before


def test_importing_the_reader_does_not_import_the_builder() -> None:
    code = (
        "import sys, hebeidb.reader.database, hebeidb.reader.export.files, hebeidb.cli\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('hebeidb.'))\n"
        "assert 'hebeidb.builder' not in loaded and 'hebeidb.builder.loading' not in loaded, loaded\n"
        "assert 'hebeidb.builder.checks' not in loaded and 'hebeidb.builder.synth' not in loaded, loaded\n"
        "print(' '.join(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "hebeidb.reader.database" in result.stdout


def test_a_file_built_from_other_inputs_opens_as_it_is(custom_db: Path) -> None:
    """A custom build is read as built: its own labels, never rebuilt from the installed inputs."""
    target = custom_db
    before = target.read_bytes()
    with hebeidb.open(target) as db:
        labels = dict(db.sql("SELECT domain, name FROM domains").fetchall())
        assert db.build_info()["inputs_origin"] == "custom"
    assert labels["accessibility"] == "Barrier-free living"
    assert target.read_bytes() == before
