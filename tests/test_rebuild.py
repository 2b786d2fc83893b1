"""Builds that reuse the previous file: a rebuild after a change to queries/ alone reuses its data.

The rebuilt file must equal a full build of the same inputs (every table, every view, build_info
apart from its time and kind), must run the checks a report change can affect, must fail located and leave
the previous file alone when a report is broken; a change to the schema takes the full path, a change to a
seed or a check the change-aware one (tests/test_build_plan.py follows what it does).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import pytest
import same_rows

from hebeidb.builder import CHANGE_AWARE, FULL, QUERIES_ONLY, build_database
from hebeidb.builder import checks as checks_module
from hebeidb.builder.inputs import INPUT_DIRS, Inputs
from hebeidb.common.errors import BuildError


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Pristine custom inputs and a full build of them; tests copy both before changing anything."""
    root = tmp_path_factory.mktemp("base")
    inputs = root / "inputs"
    for name in INPUT_DIRS:
        shutil.copytree(Inputs.installed().root / name, inputs / name)
    database = root / "hebei.duckdb"
    report = build_database(database, inputs=inputs)
    assert report.build_path == FULL
    return inputs, database


@pytest.fixture
def previous(base: tuple[Path, Path], tmp_path: Path) -> Path:
    """A copy of the base build in this test's folder."""
    database = tmp_path / "hebei.duckdb"
    shutil.copyfile(base[1], database)
    return database


@pytest.fixture
def inputs_copy(base: tuple[Path, Path], tmp_path: Path) -> Path:
    """A private copy of the base inputs (the ones the previous file was built from)."""
    return Path(shutil.copytree(base[0], tmp_path / "inputs"))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _edit_reports(inputs: Path) -> None:
    """A change a report author makes: a new title and a reworded template (same result shape)."""
    toml = inputs / "queries" / "medals.toml"
    text = toml.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("title"))
    toml.write_text(text.replace(title, 'title = "Medal tallies, edited"', 1), encoding="utf-8")
    template = inputs / "queries" / "indicators.sql"
    text = template.read_text(encoding="utf-8")
    assert "SELECT f.fact_id," in text, "test setup: expected the indicators report to start with the fact id"
    template.write_text(text.replace("SELECT f.fact_id,", "SELECT /* reworded */ f.fact_id,", 1), encoding="utf-8")


def test_queries_only_rebuild_equals_a_full_build(previous: Path, inputs_copy: Path, tmp_path: Path) -> None:
    _edit_reports(inputs_copy)
    rebuilt = build_database(previous, inputs=inputs_copy)
    assert rebuilt.build_path == QUERIES_ONLY
    assert "only queries/ changed" in rebuilt.reason
    assert "queries-only build" in rebuilt.summary()
    assert [c.name for c in rebuilt.checks] == ["documentation", "contract"]
    assert all(c.passed for c in rebuilt.checks)
    assert "copy" in rebuilt.timings and "derive" not in rebuilt.timings

    full = build_database(tmp_path / "full.duckdb", inputs=inputs_copy)
    assert full.build_path == FULL
    assert rebuilt.tables == full.tables
    assert rebuilt.inputs_sha256 == full.inputs_sha256
    assert rebuilt.coverage == full.coverage
    assert same_rows.differences(previous, tmp_path / "full.duckdb") == []

    with duckdb.connect(str(previous), read_only=True) as a:
        assert ("main", "report_medals") in same_rows.relations(a)
        ((title,),) = a.execute("SELECT title FROM core.reports WHERE name = 'medals'").fetchall()
        assert title == "Medal tallies, edited"
        # Every check of a full build holds on the rebuilt file: each check query finds nothing.
        checks_module.prepare_checks(a)
        for check in checks_module.load_checks(Inputs.at(inputs_copy)):
            assert a.sql(check.sql).fetchall() == [], check.name


def test_unchanged_inputs_take_the_short_path_and_say_so(previous: Path, inputs_copy: Path) -> None:
    before = duckdb.connect(str(previous), read_only=True)
    ((inputs_sha256,),) = before.execute("SELECT inputs_sha256 FROM core.build_info").fetchall()
    before.close()
    report = build_database(previous, inputs=inputs_copy)
    assert report.build_path == QUERIES_ONLY
    assert report.reason.startswith("no input changed")
    assert report.inputs_sha256 == inputs_sha256


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        (
            "SELECT no_such_column FROM medal_tallies\n",
            "queries/medals.sql, line 1: the report's SQL fails with its defaults",
        ),
        ("SELECT {{ undefined_name }} FROM medal_tallies\n", "queries/medals.sql"),
        ("DELETE FROM core.facts\n", "queries/medals.sql"),
    ],
)
def test_broken_report_on_the_short_path_fails_located_and_keeps_the_file(
    previous: Path, inputs_copy: Path, template: str, expected: str
) -> None:
    before = _digest(previous)
    (inputs_copy / "queries" / "medals.sql").write_text(template, encoding="utf-8")
    with pytest.raises(BuildError) as caught:
        build_database(previous, inputs=inputs_copy)
    assert expected in str(caught.value)
    assert len(str(caught.value).splitlines()) == 2  # "1 problem found:" and the located problem
    assert _digest(previous) == before
    assert sorted(p.name for p in previous.parent.iterdir()) == sorted(
        [previous.name, f".{previous.name}.lock", "inputs"]
    )


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def _edit_seed_text(root: Path) -> None:
    """Reword the supplied title of a reference source: a valid seed change the checks do not mind."""
    path = root / "seeds" / "sources.csv"
    text = path.read_text(encoding="utf-8")
    assert "[" in text, "test setup: expected a supplied title in square brackets"
    path.write_text(text.replace("[", "[Reviewed: ", 1), encoding="utf-8")


FULL_CHANGES = {
    "schema file": lambda root: _append(root / "schema" / "020_vocabularies.sql", "\n-- reviewed\n"),
    "contract file": lambda root: _append(root / "schema" / "public_views.toml", "\n# reviewed\n"),
    "new schema file": lambda root: (root / "schema" / "999_note.sql").write_text("-- a note\n", encoding="utf-8"),
    "schema and queries": lambda root: (_edit_reports(root), _append(root / "schema" / "000_schemas.sql", "\n")),
}
CHANGE_AWARE_CHANGES = {
    "seed csv": _edit_seed_text,
    "seed hook": lambda root: _append(root / "seeds" / "facts.sql", "\n-- reviewed\n"),
}


def test_an_edited_stored_text_is_read_again_and_checked(previous: Path, inputs_copy: Path) -> None:
    # The text is read again, and the check of its hash runs again and finds it no longer matches.
    before = _digest(previous)
    _append(next((inputs_copy / "seeds" / "sources").glob("*.txt")), "\n")
    with pytest.raises(BuildError, match=r"does not match its pinned sha256.*\[source_hash\]"):
        build_database(previous, inputs=inputs_copy)
    assert _digest(previous) == before


@pytest.mark.parametrize("change", sorted(FULL_CHANGES))
def test_a_schema_change_takes_the_full_path(previous: Path, inputs_copy: Path, change: str) -> None:
    FULL_CHANGES[change](inputs_copy)
    report = build_database(previous, inputs=inputs_copy)
    assert report.build_path == FULL
    assert "a change to the schema takes a full build" in report.reason
    assert "derive" in report.timings and "copy" not in report.timings
    assert len(report.checks) > 2


@pytest.mark.parametrize("change", sorted(CHANGE_AWARE_CHANGES))
def test_a_seed_change_takes_the_change_aware_path(previous: Path, inputs_copy: Path, change: str) -> None:
    CHANGE_AWARE_CHANGES[change](inputs_copy)
    report = build_database(previous, inputs=inputs_copy)
    assert report.build_path == CHANGE_AWARE
    assert "changed" in report.reason
    assert "copy" in report.timings


def test_a_changed_check_runs_again_alone(previous: Path, inputs_copy: Path) -> None:
    first = sorted((inputs_copy / "checks").glob("*.sql"))[0]
    _append(first, "\n-- reviewed\n")
    report = build_database(previous, inputs=inputs_copy)
    assert report.build_path == CHANGE_AWARE
    assert report.reason.startswith(f"checks/{first.name} changed")
    name = first.stem.split("_", 1)[1]
    assert [c.name for c in report.checks] == [name, "documentation", "contract"]  # in the order of their files
    assert name not in report.kept_checks


@pytest.mark.slow
def test_previous_files_that_cannot_be_reused(base: tuple[Path, Path], inputs_copy: Path, tmp_path: Path) -> None:
    cases = {
        "missing": (None, "no previous file"),
        "garbage": (b"not a database at all\n" * 100, "cannot read the previous file"),
    }
    for name, (content, reason) in cases.items():
        database = tmp_path / f"{name}.duckdb"
        if content is not None:
            database.write_bytes(content)
        report = build_database(database, inputs=inputs_copy)
        assert report.build_path == FULL and report.reason.startswith(reason), name

    foreign = tmp_path / "foreign.duckdb"
    with duckdb.connect(str(foreign)) as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
    report = build_database(foreign, inputs=inputs_copy)
    assert report.build_path == FULL and "not a hebeidb database" in report.reason

    other_storage = tmp_path / "other-storage.duckdb"
    shutil.copyfile(base[1], other_storage)
    report = build_database(other_storage, inputs=inputs_copy, storage_version="v1.2.0")
    assert report.build_path == FULL and "storage version v1.0.0" in report.reason

    forced = tmp_path / "forced.duckdb"
    shutil.copyfile(base[1], forced)
    report = build_database(forced, inputs=inputs_copy, full=True)
    assert (report.build_path, report.reason) == (FULL, "--full given")


def test_another_origin_takes_the_full_path(previous: Path, inputs_copy: Path) -> None:
    report = build_database(previous, inputs=Inputs(inputs_copy.resolve(), "synthetic"))
    assert report.build_path == FULL
    assert report.reason == "the previous file was built from custom inputs"


@pytest.mark.slow
def test_cli_timings_as_table_and_json(run_cli, previous: Path, inputs_copy: Path, tmp_path: Path) -> None:
    _edit_reports(inputs_copy)
    out = tmp_path / "timings.json"
    done = run_cli("build", "--db", str(previous), "--inputs", str(inputs_copy), "--timings", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # not a terminal: no progress line
    assert "path: queries-only build (only queries/ changed" in done.stdout
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["build"] == "queries-only"
    assert [r["phase"] for r in document["results"]][:2] == ["compare", "copy"]
    assert all(r["seconds"] >= 0 for r in document["results"])
    assert {c["check"]: c["status"] for c in document["checks"]} == {"documentation": "pass", "contract": "pass"}

    done = run_cli("build", "--db", str(previous), "--inputs", str(inputs_copy), "--full", "--timings")
    assert done.returncode == 0, done.stderr
    assert "path: full build (--full given)" in done.stdout
    table = done.stdout.split("phase", 1)[1]
    for phase in ("stage", "insert", "derive", "checks", "contract", "write", "total"):
        assert f"\n{phase} " in table, phase

    done = run_cli("build", "--db", str(previous), "--inputs", str(inputs_copy), "--format", "json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["build"] == "queries-only"
    assert document["reason"].startswith("no input changed")
    rows = {r["phase"]: r["rows"] for r in json.loads(out.read_text(encoding="utf-8"))["results"]}
    assert rows["reports"] == len(list((inputs_copy / "queries").glob("*.toml")))


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("UPDATE core.check_results SET passed = false WHERE check_name = 'labels'", "records a failed check (labels)"),
        ("DROP TABLE core.check_results", "records no check results"),
        (
            "ALTER TABLE core.exclusions ADD COLUMN reviewed BOOLEAN",
            "core.exclusions is not the one the schema creates",
        ),
    ],
    ids=["failed check", "no check results", "another table"],
)
def test_a_previous_file_that_cannot_be_trusted_takes_the_full_path(
    previous: Path, inputs_copy: Path, change: str, reason: str
) -> None:
    with duckdb.connect(str(previous)) as con:
        con.execute(change)
    _edit_seed_text(inputs_copy)
    report = build_database(previous, inputs=inputs_copy)
    assert report.build_path == FULL
    assert reason in report.reason
