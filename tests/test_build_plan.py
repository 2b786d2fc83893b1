"""The plan of a build (``hebeidb build --plan``), for each kind of change, and against what the build then did.

A plan reads the previous file and the inputs and writes nothing. The change-aware build that follows it
reads again the seed tables the plan names (with the same differences), fills again the derived tables, runs
again the checks it names and keeps the rest: the rows of every table it keeps are the previous file's, and
the file holds the same rows as a full build of the same inputs.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from pathlib import Path

import duckdb
import pytest
import same_rows

from hebeidb.builder import CHANGE_AWARE, FULL, QUERIES_ONLY, build_database, plan_build
from hebeidb.builder.inputs import Inputs
from hebeidb.common.errors import BuildError


@pytest.fixture(scope="module")
def plan_base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Pristine custom inputs and a full build of them; tests copy both before changing anything."""
    return same_rows.pristine_build(tmp_path_factory.mktemp("plan-base"))


@pytest.fixture
def previous(plan_base: tuple[Path, Path], tmp_path: Path) -> Path:
    database = tmp_path / "db" / "hebei.duckdb"
    database.parent.mkdir()
    shutil.copyfile(plan_base[1], database)
    return database


@pytest.fixture
def inputs(plan_base: tuple[Path, Path], tmp_path: Path) -> Path:
    return Path(shutil.copytree(plan_base[0], tmp_path / "inputs"))


def edit_csv(path: Path, edit) -> None:
    """Rewrite a seed CSV after ``edit(rows)`` changed its rows (a list of dicts) in place."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header, rows = list(reader.fieldnames or []), list(reader)
    edit(rows)
    out = io.StringIO()
    writer = csv.DictWriter(out, header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def relabel(inputs: Path) -> None:
    """The change an analyst makes: one word of one indicator's label (the checks still pass)."""

    def edit(rows: list[dict[str, str]]) -> None:
        row = next(r for r in rows if r["indicator_id"] == "persons_benefiting")
        assert "targeted support strategy" in row["label_en"], "test setup: the label to edit"
        row["label_en"] = row["label_en"].replace("targeted support strategy", "support strategy")

    edit_csv(inputs / "seeds" / "indicators.csv", edit)


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def table_rows(path: Path, table: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return same_rows.rows(con, "core", table)


def test_a_label_change_reads_one_table_again_and_runs_the_checks_that_read_labels(
    previous: Path, inputs: Path, tmp_path: Path
) -> None:
    relabel(inputs)
    before = digest(previous.parent)
    plan = plan_build(previous, inputs=inputs)
    assert digest(previous.parent) == before, "a plan writes nothing: no lock, no temporary file"

    assert (plan.kind, [(f.path, f.change) for f in plan.files]) == (
        CHANGE_AWARE,
        [("seeds/indicators.csv", "changed")],
    )
    (step,) = plan.tables
    assert (step.table, step.why) == ("indicators", "seeds/indicators.csv changed")
    assert step.difference is not None
    assert (step.difference.deleted, step.difference.updated, step.difference.inserted) == (0, 1, 0)
    assert step.difference.columns == ("label_en",)
    assert plan.texts is None
    assert list(plan.derived) == ["search_words"]  # the only table derived from labels (not text_words)
    assert plan.checks["labels"] == "it reads core.indicators.label_en, changed"
    assert "facts" not in {s.table for s in plan.tables}, "the facts' hook reads no label"
    assert {"source_hash", "quotes", "coverage"} <= set(plan.kept_checks)
    assert {"facts", "fact_tokens", "number_tokens", "source_texts"} <= set(plan.kept_tables)

    old_rows = {table: table_rows(previous, table) for table in plan.kept_tables}
    report = build_database(previous, inputs=inputs)
    assert report.build_path == CHANGE_AWARE
    assert report.plan == plan.as_dict(), "the build did what the plan said"
    assert [c.name for c in report.checks] == list(plan.checks)
    assert report.kept_checks == plan.kept_checks
    for table, rows in old_rows.items():
        assert table_rows(previous, table) == rows, f"core.{table} was kept"
    assert "read again: core.indicators (1 changed row (changed: label_en))" in report.summary()

    full = build_database(tmp_path / "full.duckdb", inputs=inputs, full=True)
    assert full.build_path == FULL
    assert same_rows.differences(previous, tmp_path / "full.duckdb") == []
    with duckdb.connect(str(previous), read_only=True) as con:
        assert con.execute("SELECT build_kind FROM core.build_info").fetchall() == [(CHANGE_AWARE,)]


def test_rows_added_and_removed_are_counted_and_everything_reading_the_table_runs_again(
    previous: Path, inputs: Path, tmp_path: Path
) -> None:
    def edit(rows: list[dict[str, str]]) -> None:
        rows.append({**rows[0], "word": "zillion"})  # a number word no text uses
        del rows[1]

    edit_csv(inputs / "seeds" / "number_words.csv", edit)
    plan = plan_build(previous, inputs=inputs)
    (step,) = plan.tables
    assert step.difference is not None
    assert (step.difference.deleted, step.difference.updated, step.difference.inserted) == (1, 0, 1)
    assert plan.derived["number_tokens"] == "its view reads core.number_words, whose rows changed"
    assert "fact_tokens" in plan.derived  # it reads the number tokens
    outcome, full_outcome = _build_both(previous, inputs, tmp_path)
    assert outcome == full_outcome


def _build_both(previous: Path, inputs: Path, tmp_path: Path) -> tuple[str, str]:
    """A change-aware build of ``previous`` and a full build of the same inputs: what each gave (the same rows, or
    the same problems)."""
    outcomes = []
    for target, full in ((previous, False), (tmp_path / "full.duckdb", True)):
        try:
            build_database(target, inputs=inputs, full=full)
            outcomes.append("built")
        except BuildError as error:
            outcomes.append(str(error))
    if outcomes == ["built", "built"]:
        assert same_rows.differences(previous, tmp_path / "full.duckdb") == []
    return outcomes[0], outcomes[1]


def test_a_removed_row_another_table_needs_fails_as_a_full_build_fails(
    previous: Path, inputs: Path, tmp_path: Path
) -> None:
    before = digest(previous.parent)[previous.name]
    edit_csv(inputs / "seeds" / "exclusions.csv", lambda rows: rows.pop(0))
    plan = plan_build(previous, inputs=inputs)
    assert plan.checks["coverage"].startswith("it reads core.exclusions")
    outcome, full_outcome = _build_both(previous, inputs, tmp_path)
    assert "[coverage]" in outcome, "a number of the article is no longer accounted for"
    assert outcome == full_outcome
    assert digest(previous.parent)[previous.name] == before, "the previous file is untouched"


def test_a_changed_seed_hook_reads_its_table_again_and_keeps_the_rest_when_no_row_differs(
    previous: Path, inputs: Path
) -> None:
    hook = inputs / "seeds" / "facts.sql"
    hook.write_text(hook.read_text(encoding="utf-8") + "\n-- reviewed\n", encoding="utf-8")
    plan = plan_build(previous, inputs=inputs)
    (step,) = plan.tables
    assert (step.table, step.why) == ("facts", "seeds/facts.sql changed")
    assert step.difference is not None and step.difference.empty
    assert plan.derived == {} and plan.contract == {}
    assert set(plan.checks) == {"documentation", "contract"}
    report = build_database(previous, inputs=inputs)
    assert report.plan == plan.as_dict()


def test_a_changed_unit_limit_reads_the_facts_again_through_their_hook(previous: Path, inputs: Path) -> None:
    # The facts' hook clips each interval to its unit's limits: a unit's limit is a change of the facts.
    def edit(rows: list[dict[str, str]]) -> None:
        row = next(r for r in rows if r["max_value"] == "100")
        row["max_value"] = "1000"

    edit_csv(inputs / "seeds" / "units.csv", edit)
    plan = plan_build(previous, inputs=inputs)
    assert [s.table for s in plan.tables] == ["units", "facts"]
    assert plan.tables[1].why == "its seed hook reads core.units.max_value, changed"
    assert plan.tables[1].difference is None, "a plan does not read a table again for what its hook reads"
    report = build_database(previous, inputs=inputs)
    done = {t["table"]: t for t in report.plan["tables"]}
    assert done["facts"]["rows"] is not None, "the build measures it, with its parents' new rows"


def test_a_changed_check_runs_again_and_the_others_are_kept(previous: Path, inputs: Path) -> None:
    path = inputs / "checks" / "070_periods.sql"
    path.write_text(path.read_text(encoding="utf-8") + "\n-- reviewed\n", encoding="utf-8")
    plan = plan_build(previous, inputs=inputs)
    assert plan.tables == [] and plan.derived == {}
    assert plan.checks == {
        "periods": "its SQL changed",
        "documentation": "it reads the catalog",
        "contract": "the views' columns",
    }
    assert len(plan.kept_checks) == len(Inputs.at(inputs).check_files()) + 3 - 2  # engine's 3, less the two run


def test_a_changed_stored_text_reads_the_texts_again(previous: Path, inputs: Path) -> None:
    text = next((inputs / "seeds" / "sources").glob("*.txt"))
    text.write_text(text.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    plan = plan_build(previous, inputs=inputs)
    assert plan.texts == f"seeds/sources/{text.name} changed"
    assert plan.tables == []
    assert {"number_tokens", "fact_tokens", "text_words", "search_words"} <= set(plan.derived)
    assert plan.checks["source_hash"].startswith("it reads core.source_texts")


@pytest.mark.parametrize(
    ("change", "kind", "reason"),
    [
        ("nothing", QUERIES_ONLY, "no input changed"),
        ("report", QUERIES_ONLY, "only queries/ changed"),
        ("schema", FULL, "schema/020_vocabularies.sql changed: a change to the schema takes a full build"),
        ("no previous file", FULL, "no previous file"),
        ("--full", FULL, "--full given"),
    ],
)
def test_plans_that_read_no_seed(previous: Path, inputs: Path, change: str, kind: str, reason: str) -> None:
    if change == "report":
        path = inputs / "queries" / "medals.sql"
        path.write_text(path.read_text(encoding="utf-8") + "\n-- reviewed\n", encoding="utf-8")
    elif change == "schema":
        path = inputs / "schema" / "020_vocabularies.sql"
        path.write_text(path.read_text(encoding="utf-8") + "\n-- reviewed\n", encoding="utf-8")
    elif change == "no previous file":
        previous.unlink()
    plan = plan_build(previous, inputs=inputs, full=change == "--full")
    assert plan.kind == kind
    assert plan.reason.startswith(reason)
    assert plan.tables == [] and plan.derived == {}
    if kind == QUERIES_ONLY:
        assert set(plan.checks) == {"documentation", "contract"}
        assert plan.reports == ("queries/ changed" if change == "report" else "every build makes them")
    if change != "no previous file":
        assert build_database(previous, inputs=inputs, full=change == "--full").build_path == kind


def test_the_command_prints_the_plan_as_text_and_json(run_cli, previous: Path, inputs: Path) -> None:
    relabel(inputs)
    before = digest(previous.parent)
    done = run_cli("build", "--db", str(previous), "--inputs", str(inputs), "--plan")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[1] == "plan: change-aware build (seeds/indicators.csv changed; the rest reused from the previous file)"
    assert "read again: core.indicators: 1 changed row (changed: label_en) (seeds/indicators.csv changed)" in lines
    assert "run again: check labels (it reads core.indicators.label_en, changed)" in lines
    assert any(line.startswith("kept: ") and "checks' results (source_hash, quotes," in line for line in lines)

    done = run_cli("build", "--db", str(previous), "--inputs", str(inputs), "--plan", "--format", "json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["build"] == "change-aware"
    assert document["tables"][0]["rows"] == {"removed": 0, "changed": 1, "added": 0}
    assert digest(previous.parent) == before

    done = run_cli("build", "--db", str(previous), "--inputs", str(inputs), "--plan", "--full")
    assert done.stdout.splitlines()[1:] == [
        "plan: full build (--full given)",
        "made again: everything, from the inputs",
    ]


def test_a_hook_that_reads_a_table_losing_rows_is_built_in_full(previous: Path, inputs: Path, tmp_path: Path) -> None:
    # The rows a seed loses leave the table last (children's before parents'): a hook reading that table while
    # its removed rows are still there might compute what a full build would not, so the build is a full one.
    units = inputs / "seeds" / "units.csv"
    edit_csv(units, lambda rows: rows.append({**rows[0], "unit_id": "widgets", "label": "widgets"}))
    assert build_database(previous, inputs=inputs).build_path == CHANGE_AWARE  # a unit no indicator uses yet
    edit_csv(units, lambda rows: rows.pop())
    report = build_database(previous, inputs=inputs)
    assert report.build_path == FULL
    assert report.reason.startswith("the seed hook of core.facts reads rows removed from core.units")
    build_database(tmp_path / "full.duckdb", inputs=inputs, full=True)
    assert same_rows.differences(previous, tmp_path / "full.duckdb") == []
