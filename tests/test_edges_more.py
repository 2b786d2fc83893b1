"""Edges of opening, building and checking: missing or foreign files, broken schema and seed files,
where the database goes, and what the inputs hash covers."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

import hebeidb
from hebeidb.builder import build_database, check_inputs
from hebeidb.database import Database
from hebeidb.errors import BuildError, Problem
from hebeidb.inputs import Inputs
from hebeidb.reports import ReportNotFoundError

BUILD_FUNCTION = hebeidb.build
default_path = hebeidb.inputs.default_path

Run = Callable[..., subprocess.CompletedProcess[str]]


def only_problem(error: BuildError) -> Problem:
    assert len(error.problems) == 1, str(error)
    return error.problems[0]


def check_fails(root: Path) -> Problem:
    with pytest.raises(BuildError) as caught:
        check_inputs(root)
    problem = only_problem(caught.value)
    assert str(problem) in str(caught.value)
    assert str(caught.value).startswith("1 problem found:\n")
    return problem


def rewrite_csv(path: Path, change: Callable[[list[list[str]]], list[list[str]]]) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(change(rows))
    path.write_text(out.getvalue(), encoding="utf-8")


# --- opening ------------------------------------------------------------------------------------


def test_open_without_build_names_the_missing_file_and_the_command(tmp_path: Path) -> None:
    target = tmp_path / "nowhere" / "hebei.duckdb"
    with pytest.raises(hebeidb.DatabaseError) as caught:
        hebeidb.open(target)
    assert str(caught.value) == f"{target} does not exist; build it with `hebeidb build --db {target}`"
    assert not target.parent.exists()


def test_open_without_a_path_uses_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "from-env.duckdb"
    monkeypatch.setenv("HEBEIDB_DATABASE", str(target))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(hebeidb.DatabaseError, match=r"from-env\.duckdb does not exist"):
        hebeidb.open()
    assert list(tmp_path.iterdir()) == []


def test_default_path_honours_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HEBEIDB_DATABASE", str(tmp_path / "elsewhere.duckdb"))
    assert default_path() == tmp_path / "elsewhere.duckdb"
    monkeypatch.setenv("HEBEIDB_DATABASE", "")
    assert default_path() == Path("hebei.duckdb")
    monkeypatch.delenv("HEBEIDB_DATABASE")
    assert default_path() == Path("hebei.duckdb")


def test_open_a_folder_is_a_database_error(tmp_path: Path) -> None:
    with pytest.raises(hebeidb.DatabaseError) as caught:
        hebeidb.open(tmp_path)
    assert str(caught.value) == f"{tmp_path} does not exist or is not a file"


def test_open_another_duckdb_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "mine.duckdb"
    con = duckdb.connect(str(target))
    con.execute("CREATE TABLE notes AS SELECT 'keep me' AS note")
    con.close()
    before = target.read_bytes()
    with pytest.raises(hebeidb.DatabaseError) as caught:
        hebeidb.open(target)
    message = str(caught.value)
    assert message.startswith(f"{target} is not a hebeidb database ")
    assert "build_info" in message
    assert target.read_bytes() == before  # not rebuilt over someone else's data


def test_open_a_file_that_is_not_duckdb_names_it(tmp_path: Path) -> None:
    target = tmp_path / "text.duckdb"
    target.write_text("just some text\n" * 200, encoding="utf-8")
    with pytest.raises(hebeidb.DatabaseError) as caught:
        hebeidb.open(target)
    assert str(caught.value).startswith(f"cannot open {target}: ")
    assert target.read_text(encoding="utf-8") == "just some text\n" * 200


def test_a_file_built_from_other_inputs_opens_as_it_is(tmp_path: Path, inputs_copy: Path) -> None:
    """A custom build is read as built: its own labels, never rebuilt from the installed inputs."""
    domains = inputs_copy / "seeds" / "domains.csv"
    text = domains.read_text(encoding="utf-8")
    domains.write_text(text.replace("\naccessibility,Accessibility,", "\naccessibility,Accessibility (old),"))
    target = build_database(tmp_path / "custom.duckdb", inputs=inputs_copy).path
    assert target is not None
    before = target.read_bytes()
    with hebeidb.open(target) as db:
        labels = dict(db.sql("SELECT domain, name FROM domains").fetchall())
        assert db.build_info()["inputs_origin"] == "custom"
    assert labels["accessibility"] == "Accessibility (old)"
    assert target.read_bytes() == before


def test_report_spec_of_an_unknown_report_lists_the_reports(db: Database) -> None:
    with pytest.raises(ReportNotFoundError) as caught:
        db.report_spec("medal")
    assert isinstance(caught.value, ValueError)
    assert str(caught.value) == (
        "no report named 'medal'; reports: consistency, domain_summary, indicators, medals, provenance, timeline"
    )
    assert db.report_spec("medals").view_name == "report_medals"


def test_database_repr_shows_its_path(db: Database, built_db: Path) -> None:
    assert repr(db) == f"Database({str(built_db)!r})"


def test_report_with_default_values_spelled_out_equals_the_view(db: Database) -> None:
    by_default = db.report("indicators").fetchall()
    spelled = db.report("indicators", order_by="domain", domain=None).fetchall()
    assert by_default == spelled
    assert by_default == db.con.sql("SELECT * FROM report_indicators").fetchall()
    assert len(by_default) == db.con.sql("SELECT count(*) FROM facts").fetchall()[0][0]
    by_fact = db.report("indicators", order_by="fact_id").fetchall()
    assert sorted(by_fact) == sorted(by_default) and by_fact != by_default


def test_build_stays_callable_after_open_imports_the_build_module(tmp_path: Path) -> None:
    """``hebeidb.build`` stays the documented function after hebeidb.open has built a missing file
    (which imports the build machinery), instead of turning into a module."""
    script = (
        "import sys, hebeidb\nhebeidb.build(sys.argv[1])\nhebeidb.open(sys.argv[1]).close()\n"
        "print(hebeidb.build(sys.argv[2]))\n"
    )
    first, second = tmp_path / "first.duckdb", tmp_path / "second.duckdb"
    result = subprocess.run(
        [sys.executable, "-c", script, str(first), str(second)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-600:]
    assert result.stdout.strip() == str(second)
    assert second.is_file()


# --- where a build goes -------------------------------------------------------------------------


def test_build_into_a_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(BuildError) as caught:
        build_database(folder)
    assert str(caught.value) == f"{folder} is a directory; give the path of the database file to write"
    assert caught.value.problems == []
    assert list(folder.iterdir()) == []


def test_build_into_a_missing_folder_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "hebei.duckdb"
    with pytest.raises(BuildError) as caught:
        build_database(target)
    assert str(caught.value) == f"cannot build {target}: folder {target.parent} does not exist"
    assert not target.parent.exists()
    assert list(tmp_path.iterdir()) == []


def test_build_with_a_relative_path_returns_the_absolute_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HEBEIDB_DATABASE", raising=False)
    report = build_database()
    assert report.path == tmp_path / "hebei.duckdb"
    assert report.path.is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".hebei.duckdb.lock", "hebei.duckdb"]
    summary = report.summary()
    assert summary.startswith(f"built {tmp_path / 'hebei.duckdb'}\n")
    assert "none unaccounted" in summary


def test_check_of_a_folder_without_inputs_is_a_clear_error(tmp_path: Path, run_cli: Run) -> None:
    """BUG: the command crashes with a FileNotFoundError traceback instead of a one-line error."""
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_cli("check", "--inputs", str(empty))
    assert result.returncode in (1, 2), result
    assert "Traceback" not in result.stderr, result.stderr[-600:]
    assert result.stderr.startswith("hebeidb: ")
    assert f"{empty} has no schema/ or seeds/ folder" in result.stderr


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


# --- the inputs hash ----------------------------------------------------------------------------


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


# --- broken schema files ------------------------------------------------------------------------

THIRD_STATEMENT_FAILS = (
    "CREATE TABLE core.edge_a (x INTEGER);\n"  # line 1
    "-- a comment\n"
    "CREATE TABLE core.edge_b (y INTEGER);\n"  # line 3
    "\n"
    "-- the third statement\n"
    "CREATE VIEW core.edge_v AS\n"  # line 6
    "SELECT x\n"
    "FROM core.no_such_table;\n"  # line 8: the error
)


def test_a_failing_third_statement_names_the_schema_file_and_its_line(inputs_copy: Path) -> None:
    """BUG: the reported line is 11, past the end of this 8-line file.

    DuckDB counts its "LINE n" from the start of the statement's text, which includes the blank
    and comment lines before it; _sql_problem adds it to the line of the statement's first
    keyword, so those lines are counted twice.
    """
    (inputs_copy / "schema" / "999_edges.sql").write_text(THIRD_STATEMENT_FAILS, encoding="utf-8")
    problem = check_fails(inputs_copy)
    assert problem.file == "schema/999_edges.sql"
    assert problem.check == "sql"
    assert "no_such_table" in problem.message
    assert problem.line == 8


def test_a_statement_failing_without_a_line_is_located_at_its_first_keyword(inputs_copy: Path) -> None:
    text = (
        "CREATE TABLE core.edge_a (x INTEGER);\n"
        "CREATE TABLE core.edge_b (y INTEGER);\n"
        "\n"
        "-- the same table again\n"
        "-- (second comment line)\n"
        "CREATE TABLE core.edge_a (z INTEGER);\n"
    )
    (inputs_copy / "schema" / "999_edges.sql").write_text(text, encoding="utf-8")
    problem = check_fails(inputs_copy)
    assert str(problem).startswith("schema/999_edges.sql, line 6: Catalog Error:")
    assert "edge_a" in problem.message and "already exists" in problem.message


def test_a_syntax_error_in_the_third_statement_names_its_line(inputs_copy: Path) -> None:
    text = THIRD_STATEMENT_FAILS.replace("SELECT x\nFROM core.no_such_table;", "SELECT x,\nFROM WHERE;")
    (inputs_copy / "schema" / "999_edges.sql").write_text(text, encoding="utf-8")
    problem = check_fails(inputs_copy)
    assert str(problem).startswith("schema/999_edges.sql, line 8: Parser Error: syntax error")


def test_a_schema_file_that_is_not_utf8_names_the_byte_and_line(inputs_copy: Path) -> None:
    (inputs_copy / "schema" / "999_edges.sql").write_bytes(
        b"CREATE TABLE core.edge_a (x INTEGER);\n-- note\n-- caf\xe9 au lait\nSELECT 1;\n"
    )
    problem = check_fails(inputs_copy)
    assert str(problem) == (
        "schema/999_edges.sql, line 3: byte 0xe9 is not valid UTF-8; expected UTF-8 text [encoding]"
    )


def test_a_broken_schema_file_leaves_no_database(inputs_copy: Path, tmp_path: Path) -> None:
    (inputs_copy / "schema" / "999_edges.sql").write_text(THIRD_STATEMENT_FAILS, encoding="utf-8")
    target = tmp_path / "db" / "hebei.duckdb"
    target.parent.mkdir()
    with pytest.raises(BuildError) as caught:
        build_database(target, inputs=inputs_copy)
    assert only_problem(caught.value).file == "schema/999_edges.sql"
    assert [p.name for p in target.parent.iterdir()] == [".hebei.duckdb.lock"]


# --- broken seed files --------------------------------------------------------------------------


def test_a_repeated_header_column_is_refused(inputs_copy: Path) -> None:
    seed = inputs_copy / "seeds" / "units.csv"
    rewrite_csv(seed, lambda rows: [[*rows[0][:2], "label", *rows[0][2:]]] + [[*r[:2], r[1], *r[2:]] for r in rows[1:]])
    problem = check_fails(inputs_copy)
    assert (problem.file, problem.line, problem.check) == ("seeds/units.csv", 1, "header")
    assert problem.message == "repeated column label"
    assert problem.value == "unit_id,label,label,min_value,max_value,description,text_prefix,text_suffix"
    assert problem.expected == (
        "columns of core.units: unit_id,label,min_value,max_value,description,text_prefix,text_suffix"
    )


def test_an_unknown_header_column_is_named(inputs_copy: Path) -> None:
    seed = inputs_copy / "seeds" / "units.csv"
    rewrite_csv(seed, lambda rows: [[*rows[0][:4], "max_valeu"]] + [[*r[:4], ""] for r in rows[1:]])
    problem = check_fails(inputs_copy)
    assert (problem.file, problem.line) == ("seeds/units.csv", 1)
    assert problem.message == "unknown column max_valeu"


def test_a_missing_column_is_refused_naming_it(inputs_copy: Path) -> None:
    seed = inputs_copy / "seeds" / "units.csv"
    rewrite_csv(seed, lambda rows: [row[:-1] for row in rows])  # drop the last column, text_suffix
    problem = check_fails(inputs_copy)
    assert str(problem) == (
        "seeds/units.csv, line 1: missing column text_suffix; "
        "expected header unit_id,label,min_value,max_value,description,text_prefix,text_suffix [header]"
    )


def test_header_columns_may_come_in_any_order(inputs_copy: Path) -> None:
    seed = inputs_copy / "seeds" / "units.csv"
    rewrite_csv(seed, lambda rows: [list(reversed(row)) for row in rows])
    with seed.open(encoding="utf-8", newline="") as handle:
        count = sum(1 for _ in csv.DictReader(handle))
    assert check_inputs(inputs_copy).tables["units"] == count


@pytest.mark.parametrize(
    "text_path", ["../schema/000_schemas.sql", "/etc/hostname", "sources/../../queries/medals.sql"]
)
def test_a_text_path_outside_seeds_is_refused(inputs_copy: Path, text_path: str) -> None:
    sources = inputs_copy / "seeds" / "sources.csv"
    document_line = 0

    def change(rows: list[list[str]]) -> list[list[str]]:
        nonlocal document_line
        column = rows[0].index("text_path")
        for number, row in enumerate(rows[1:], 2):
            if row[rows[0].index("kind")] == "document":
                row[column] = text_path
                document_line = number
        return rows

    rewrite_csv(sources, change)
    problem = check_fails(inputs_copy)
    assert str(problem) == (
        f"seeds/sources.csv, line {document_line}, column text_path: text_path leaves the seeds folder; "
        f"found {text_path!r}; expected a path inside seeds/ [files]"
    )


def test_a_text_path_through_a_symlink_out_of_seeds_is_refused(inputs_copy: Path, tmp_path: Path) -> None:
    sources = inputs_copy / "seeds" / "sources.csv"
    text = sources.read_text(encoding="utf-8")
    article = "sources/hebei-targeted-support-2026-02-10.txt"
    outside = tmp_path / "outside.txt"
    shutil.copyfile(inputs_copy / "seeds" / article, outside)
    (inputs_copy / "seeds" / "sources" / "link.txt").symlink_to(outside)
    sources.write_text(text.replace(article, "sources/link.txt"), encoding="utf-8")
    problem = check_fails(inputs_copy)
    assert problem.message == "text_path leaves the seeds folder"
    assert problem.value == "sources/link.txt"


def test_a_seed_header_that_is_not_utf8_is_refused(inputs_copy: Path) -> None:
    seed = inputs_copy / "seeds" / "units.csv"
    seed.write_bytes(seed.read_bytes().replace(b"label", b"lab\xffel", 1))
    problem = check_fails(inputs_copy)
    assert str(problem) == "seeds/units.csv, line 1: byte 0xff is not valid UTF-8; expected UTF-8 text [encoding]"


@pytest.mark.parametrize("blank_lines", [0, 2])
def test_a_broken_seed_hook_names_its_file_and_line(inputs_copy: Path, blank_lines: int) -> None:
    """BUG (blank_lines=2): the hook's text is stripped before it runs, so leading blank lines are
    not counted and the reported line is 6 instead of 8."""
    hook = inputs_copy / "seeds" / "facts.sql"
    text = hook.read_text(encoding="utf-8")
    assert text.count("SELECT f.*,") == 1
    hook.write_text("\n" * blank_lines + text.replace("SELECT f.*,", "SELECT f.*, no_such_column,"), encoding="utf-8")
    line = ("\n" * blank_lines + text)[: ("\n" * blank_lines + text).index("SELECT f.*,")].count("\n") + 1
    problem = check_fails(inputs_copy)
    assert (problem.file, problem.check) == ("seeds/facts.sql", "sql")
    assert "no_such_column" in problem.message
    assert problem.line == line


def test_a_folder_named_like_a_schema_file_is_refused(inputs_copy: Path) -> None:
    (inputs_copy / "schema" / "999_folder.sql").mkdir()
    problem = check_fails(inputs_copy)
    assert str(problem) == "schema/999_folder.sql: cannot read: Is a directory [files]"


def test_a_stored_text_that_is_not_utf8_names_the_byte_and_line(inputs_copy: Path) -> None:
    article = inputs_copy / "seeds" / "sources" / "hebei-targeted-support-2026-02-10.txt"
    data = article.read_bytes()
    at = data.index(b"\n", 500)
    article.write_bytes(data[:at] + b"\xff" + data[at:])
    line = data[:at].count(b"\n") + 1
    problem = check_fails(inputs_copy)
    assert str(problem) == (
        f"seeds/sources/hebei-targeted-support-2026-02-10.txt, line {line}: "
        "byte 0xff is not valid UTF-8; expected UTF-8 text [encoding]"
    )


def test_regions_that_are_each_others_parents_are_refused(inputs_copy: Path) -> None:
    regions = inputs_copy / "seeds" / "regions.csv"
    lines = regions.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[1].startswith("china,China,,,country,,")
    assert lines[2].startswith("hebei,") and ",china," in lines[2]
    lines[1] = lines[1].replace("china,China,,,country,,", "china,China,,,country,hebei,", 1)
    regions.write_text("".join(lines), encoding="utf-8")
    problem = check_fails(inputs_copy)
    assert str(problem) == (
        "seeds/regions.csv, line 2: rows refer to each other in a cycle; "
        "expected parents that do not depend on their children [foreign_key]"
    )


def test_a_bad_memory_limit_is_a_build_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEBEIDB_MEMORY_LIMIT", "plenty")
    with pytest.raises(BuildError) as caught:
        check_inputs(None)
    message = str(caught.value)
    assert message.startswith("cannot start DuckDB with {'memory_limit': 'plenty'}: ")


def test_a_report_without_metadata_fails_the_build_naming_it(inputs_copy: Path) -> None:
    (inputs_copy / "queries" / "draft.sql").write_text("SELECT 1 AS one\n", encoding="utf-8")
    problem = check_fails(inputs_copy)
    assert str(problem) == "queries/draft.sql: no metadata file draft.toml beside it [reports]"


def test_leftovers_of_a_killed_build_are_removed_by_the_next(tmp_path: Path) -> None:
    target = tmp_path / "hebei.duckdb"
    stale_file = tmp_path / ".hebei.duckdb.4242.deadbeef.building"
    stale_file.write_bytes(b"half a database")
    (tmp_path / ".hebei.duckdb.4242.deadbeef.building.wal").write_bytes(b"wal")
    spill = tmp_path / ".hebei.duckdb.4243.cafebabe.building.tmp"
    spill.mkdir()
    (spill / "duckdb_temp_block-1.block").write_bytes(b"\x00" * 16)
    other = tmp_path / ".other.duckdb.1.x.building"
    other.write_bytes(b"not ours")
    build_database(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".hebei.duckdb.lock",
        ".other.duckdb.1.x.building",
        "hebei.duckdb",
    ]
    assert other.read_bytes() == b"not ours"


def test_a_query_that_does_not_parse_is_refused(db: Database) -> None:
    with pytest.raises(hebeidb.ParameterError) as caught:
        db.sql("SELEC label FROM facts")
    message = str(caught.value)
    assert message.startswith("the query does not parse: Parser Error: syntax error")
    assert "\n" not in message


HOLD_WRITE = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("ready", flush=True)
sys.stdin.read()
con.close()
"""


def test_a_file_held_by_a_writer_is_refused_after_the_timeout(tmp_path: Path, built_db: Path) -> None:
    target = tmp_path / "held.duckdb"
    shutil.copyfile(built_db, target)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_WRITE, str(target)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(hebeidb.DatabaseError) as caught:
            hebeidb.open(target, timeout=0.3)
        message = str(caught.value)
        assert message.startswith(f"cannot open {target}: ")
        assert "lock" in message.lower()
    finally:
        holder.communicate("", timeout=60)
    assert holder.returncode == 0
    with hebeidb.open(target) as db:  # free again
        assert db.build_info()["inputs_sha256"] == Inputs.installed().sha256()


def test_open_waits_for_a_build_that_holds_the_lock(tmp_path: Path, built_db: Path) -> None:
    """A missing file being built by someone else: open waits for that build instead of failing."""
    import fcntl
    import threading

    target = tmp_path / "hebei.duckdb"
    lock = (tmp_path / ".hebei.duckdb.lock").open("a+b")
    fcntl.flock(lock.fileno(), fcntl.LOCK_EX)

    def finish_the_other_build() -> None:
        shutil.copyfile(built_db, target)
        lock.close()  # releases the lock

    timer = threading.Timer(0.5, finish_the_other_build)
    timer.start()
    try:
        with hebeidb.open(target) as db:
            assert db.build_info()["inputs_sha256"] == Inputs.installed().sha256()
    finally:
        timer.join()
    assert target.read_bytes() == built_db.read_bytes()  # opened the other build's file, did not rebuild
