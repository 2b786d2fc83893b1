"""Ad-hoc SQL is read-only with no file access, through the API (``Database.sql``) and ``hebeidb sql``.

Every query below that writes, changes the schema or the session, reaches outside the database or
holds more than one statement must be refused with one clear line (``hebeidb.ParameterError`` in
Python; exit code 2, nothing on stdout and one ``hebeidb:`` line on stderr on the command line),
leave the database file byte for byte unchanged, create no file, and return no file contents.
Legitimate read-only queries keep working.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

import hebeidb
from hebeidb.reader.database import Database

SECRET = "hebeidb-secret-file-content-7c1f"

# (id, query; {tmp} is a scratch folder, {secret} a file holding SECRET, {rows} a CSV of fact-like rows)
STATEMENTS: list[tuple[str, str]] = [
    # writes
    ("insert", "INSERT INTO core.facts SELECT * FROM core.facts"),
    ("insert-values", "INSERT INTO core.domains VALUES ('x', 'X', 'x')"),
    ("insert-view", "INSERT INTO facts (fact_id) VALUES ('evil')"),
    ("update", "UPDATE core.facts SET value = 0"),
    ("update-returning", "UPDATE core.facts SET value = 0 RETURNING *"),
    ("delete", "DELETE FROM core.facts"),
    ("delete-lowercase", "delete from core.facts where true"),
    # DDL
    ("create-table", "CREATE TABLE core.evil AS SELECT 1 AS x"),
    ("create-table-in-the-default-schema", "CREATE TABLE scratch (a INTEGER)"),
    ("create-temp-table", "CREATE TEMP TABLE evil (x INTEGER)"),
    ("create-view", "CREATE VIEW evil AS SELECT 1 AS x"),
    ("create-macro", "CREATE MACRO evil() AS 1"),
    ("drop-table", "DROP TABLE core.facts"),
    ("drop-view", "DROP VIEW facts"),
    ("alter-table", "ALTER TABLE core.facts ADD COLUMN evil INTEGER"),
    ("alter-view", "ALTER VIEW facts RENAME TO facts_gone"),
    # COPY
    ("copy-to", "COPY facts TO '{tmp}/copy_to.csv'"),
    ("copy-table-to", "COPY core.facts TO '{tmp}/copy_table_to.csv'"),
    ("copy-query-to", "COPY (SELECT * FROM facts) TO '{tmp}/copy_query.parquet' (FORMAT parquet)"),
    ("copy-from", "COPY core.facts FROM '{rows}'"),
    ("copy-view-from", "COPY facts FROM '{rows}'"),
    ("copy-from-a-system-file", "COPY core.facts FROM '/etc/passwd'"),
    # other databases and extensions
    ("attach", "ATTACH '{tmp}/attached.duckdb' AS evil"),
    ("attach-memory", "ATTACH ':memory:' AS scratch"),
    ("detach", "DETACH evil"),
    ("detach-if-exists", "DETACH DATABASE IF EXISTS evil"),
    ("install", "INSTALL httpfs"),
    ("force-install", "FORCE INSTALL httpfs"),
    ("load", "LOAD httpfs"),
    ("load-file", "LOAD '{tmp}/evil.duckdb_extension'"),
    # session and storage
    ("pragma", "PRAGMA database_list"),
    ("pragma-set", "PRAGMA threads = 1"),
    ("set", "SET threads = 1"),
    ("set-external-access", "SET enable_external_access = true"),
    ("reset", "RESET threads"),
    ("call", "CALL pragma_version()"),
    ("checkpoint", "CHECKPOINT"),
    ("force-checkpoint", "FORCE CHECKPOINT"),
    ("export", "EXPORT DATABASE '{tmp}/exported'"),
    ("import", "IMPORT DATABASE '{tmp}'"),
    ("begin", "BEGIN TRANSACTION"),
    ("vacuum", "VACUUM"),
    ("use", "USE core"),
    # more than one statement
    ("two-selects", "SELECT 1; SELECT 2"),
    ("select-then-drop", "SELECT 1; DROP TABLE core.facts"),
    ("comment-then-delete", "SELECT 1; -- x\nDELETE FROM core.facts"),
    ("block-comment-then-delete", "SELECT 1 /* ; */; DELETE FROM core.facts"),
    ("select-then-copy", "SELECT count(*) FROM facts;\nCOPY facts TO '{tmp}/after_select.csv'"),
    # statements hidden inside a query
    ("cte-delete", "WITH x AS (DELETE FROM core.facts RETURNING *) SELECT * FROM x"),
    ("cte-update", "WITH x AS (UPDATE core.facts SET value = 0 RETURNING *) SELECT count(*) FROM x"),
    ("cte-insert", "WITH x AS (INSERT INTO core.facts SELECT * FROM core.facts RETURNING *) SELECT * FROM x"),
    (
        "cte-delete-after-chinese-text",
        "WITH a AS (SELECT '河北省残疾人联合会' AS s), x AS (DELETE FROM core.facts RETURNING *) SELECT * FROM x",
    ),
    ("explain-delete", "EXPLAIN DELETE FROM core.facts"),
    ("explain-analyze-delete", "EXPLAIN ANALYZE DELETE FROM core.facts"),
    ("query-function-delete", "SELECT * FROM query('DELETE FROM core.facts')"),
]
FILE_ACCESS: list[tuple[str, str]] = [
    ("read-csv", "SELECT * FROM read_csv('/etc/passwd')"),
    ("read-csv-auto", "SELECT * FROM read_csv_auto('/etc/passwd')"),
    ("read-text", "SELECT * FROM read_text('/etc/passwd')"),
    ("read-text-concat", "SELECT * FROM read_text('/etc/pass' || 'wd')"),
    ("read-text-secret", "SELECT content FROM read_text('{secret}')"),
    ("read-blob", "SELECT * FROM read_blob('/etc/passwd')"),
    ("read-json", "SELECT * FROM read_json('/etc/passwd')"),
    ("glob", "SELECT * FROM glob('/etc/*')"),
    ("read-parquet", "SELECT * FROM read_parquet('/etc/passwd')"),
    ("parquet-metadata", "SELECT * FROM parquet_metadata('/etc/passwd')"),
    ("sniff-csv", "SELECT * FROM sniff_csv('/etc/passwd')"),
    ("from-path", "FROM '/etc/hosts'"),
    ("select-from-secret", "SELECT * FROM '{secret}'"),
    ("select-from-a-csv-path", "SELECT * FROM '/etc/passwd.csv'"),
]
REFUSED = STATEMENTS + FILE_ACCESS
IDS = [case for case, _ in REFUSED]
# Files and folders a refused query would create if it ran.
ARTIFACTS = (
    "copy_to.csv",
    "copy_table_to.csv",
    "copy_query.parquet",
    "attached.duckdb",
    "exported",
    "after_select.csv",
)
# What the one line of a refusal must say: a statement is refused as not one read-only SELECT, a file as a file.
WHY = {
    **{case: ("SELECT", "read-only", "one statement", "exactly one") for case, _ in STATEMENTS},
    **{case: ("file", "File") for case, _ in FILE_ACCESS},
}
CLEAR = re.compile(r"read-only|refused|not allowed|one statement|single select|file|access|permission", re.I)


# --- fixtures and helpers -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def private_db(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the session database that only this module opens."""
    target = tmp_path_factory.mktemp("refusals") / "hebei.duckdb"
    shutil.copyfile(built_db, target)
    return target


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A folder for COPY/ATTACH/EXPORT targets, with a secret file and a CSV to COPY FROM."""
    folder = tmp_path / "scratch"
    folder.mkdir()
    (folder / "secret.txt").write_text(SECRET + "\n", encoding="utf-8")
    (folder / "rows.csv").write_text(f"fact_id,domain\n{SECRET},policy\n", encoding="utf-8")
    return folder


def fill(query: str, scratch: Path) -> str:
    return query.format(tmp=scratch, secret=scratch / "secret.txt", rows=scratch / "rows.csv")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# A copy of the file as it was copied for this module, made once (outside the file's folder): every case
# compares the file after its refusal with it byte for byte (a case that changed the file fails, and so
# does every later one).
PRISTINE: dict[Path, Path] = {}


def pristine_copy(path: Path) -> Path:
    if path not in PRISTINE:
        folder = path.parent.with_name(path.parent.name + "-pristine")
        folder.mkdir()
        PRISTINE[path] = Path(shutil.copyfile(path, folder / path.name))
    return PRISTINE[path]


class Snapshot:
    """The database file, its neighbours and the scratch folder, to compare after a refusal. The file's
    bytes stand for its rows; a write held in a WAL beside it shows as a new neighbour."""

    def __init__(self, path: Path, scratch: Path) -> None:
        self.path, self.scratch = path, scratch
        self.pristine = pristine_copy(path)
        self.neighbours = sorted(p.name for p in path.parent.iterdir())
        self.scratch_files = sorted(p.name for p in scratch.iterdir())

    def assert_unchanged(self) -> None:
        assert self.path.read_bytes() == self.pristine.read_bytes(), f"{self.path} changed"
        assert sorted(p.name for p in self.path.parent.iterdir()) == self.neighbours, "files appeared beside the db"
        for name in ARTIFACTS:
            assert not (self.scratch / name).exists(), f"{name} was written"
        assert sorted(p.name for p in self.scratch.iterdir()) == self.scratch_files, "files appeared in scratch"


def file_lines(path: str) -> list[str]:
    """Distinctive lines of a system file, to make sure none of them comes back."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [line.strip() for line in text.splitlines() if len(line.strip()) >= 8 and not line.startswith("#")]


LEAK_MARKERS = [SECRET, *file_lines("/etc/passwd"), *file_lines("/etc/hosts")]


def assert_no_file_contents(text: str) -> None:
    leaked = [line for line in LEAK_MARKERS if line in text]
    assert not leaked, f"file contents came back: {leaked[:3]}"


@pytest.fixture
def api(private_db: Path) -> Iterator[Database]:
    with hebeidb.open(private_db) as database:
        yield database


def rows_of(relation: Any) -> list[dict[str, Any]]:
    return [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]


# --- refused through the API --------------------------------------------------------------------


def session_state(db: Database) -> tuple[Any, ...]:
    """The rows of every core table, the thread setting and the attached databases, seen by the connection."""
    tables = [
        t for (t,) in db._connection.sql("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'core'").fetchall()
    ]
    assert "facts" in tables
    counted = ", ".join(f'(SELECT count(*) FROM core."{table}")' for table in tables)
    table_counts = dict(zip(tables, db._connection.sql(f"SELECT {counted}").fetchall()[0], strict=True))
    threads = db._connection.sql("SELECT current_setting('threads')").fetchall()
    attached = db._connection.sql(
        "SELECT database_name, readonly FROM duckdb_databases() WHERE NOT internal ORDER BY ALL"
    ).fetchall()
    assert attached == [("hebeidb", True), ("memory", False)]  # the file read-only, the connection's own scratch
    return table_counts, threads, attached


@pytest.mark.parametrize(("case", "query"), REFUSED, ids=IDS)
def test_api_refuses(private_db: Path, scratch: Path, case: str, query: str) -> None:
    text = fill(query, scratch)
    snapshot = Snapshot(private_db, scratch)
    with hebeidb.open(private_db) as db:
        state = session_state(db)
        try:
            result = db.sql(text).fetchall()
        except hebeidb.ParameterError as error:
            message = str(error).strip()
        except Exception as error:
            pytest.fail(
                f"{text!r} raised {type(error).__module__}.{type(error).__name__} instead of ParameterError: "
                f"{str(error)[:300]!r}"
            )
        else:
            pytest.fail(f"{text!r} was not refused; it returned {str(result)[:200]}")
        assert isinstance(db.sql("SELECT 1 AS ok").fetchall(), list), "the connection is unusable after a refusal"
        # Nothing changed in this session either: no table, setting or attached database.
        assert session_state(db) == state
        assert db.sql("SELECT count(*) FROM facts").fetchall() == [(state[0]["facts"],)]
    assert message, f"{text!r}: refused with an empty message"
    assert len(message) < 500, f"{text!r}: the message is {len(message)} characters long"
    assert any(word in message for word in WHY[case]), f"{text!r}: {message!r} does not say {WHY[case]}"
    assert "\n" not in message, f"{text!r}: the message is more than one line: {message!r}"
    assert CLEAR.search(message), f"{text!r}: the message does not say why it was refused: {message!r}"
    assert_no_file_contents(message)
    snapshot.assert_unchanged()


def test_api_refuses_an_empty_query(private_db: Path, scratch: Path) -> None:
    snapshot = Snapshot(private_db, scratch)
    with hebeidb.open(private_db) as db:
        state = session_state(db)
        with pytest.raises(hebeidb.ParameterError) as caught:
            db.sql("").fetchall()
        assert session_state(db) == state
    message = str(caught.value)
    assert "SELECT" in message and "\n" not in message and len(message) < 500
    snapshot.assert_unchanged()


def test_sql_with_missing_parameter_is_refused(db: Database) -> None:
    with pytest.raises(hebeidb.ParameterError):
        db.sql("SELECT count(*) FROM facts WHERE domain = $d").fetchall()


def test_a_query_that_does_not_parse_is_refused(db: Database) -> None:
    with pytest.raises(hebeidb.ParameterError) as caught:
        db.sql("SELEC label FROM facts")
    first, *pointer = str(caught.value).splitlines()
    assert first.startswith("the query does not parse: Parser Error: syntax error")
    # DuckDB's pointer at the culprit is kept: the query line and a caret under "SELEC".
    assert pointer == ["LINE 1: SELEC label FROM facts", "        ^^^^^"]


def test_sql_refusal_names_the_offending_keyword(db: Database) -> None:
    with pytest.raises(hebeidb.ParameterError, match="DELETE"):
        db.sql("WITH x AS (DELETE FROM core.facts RETURNING *) SELECT * FROM x")
    with pytest.raises(hebeidb.ParameterError, match="2"):
        db.sql("SELECT 1; DROP TABLE facts")


# --- refused through the command line -----------------------------------------------------------


@pytest.mark.parametrize("query", [q for _, q in REFUSED], ids=IDS)
def test_cli_refuses(private_db: Path, scratch: Path, run_cli: Callable[..., Any], query: str) -> None:
    assert_cli_refuses(private_db, scratch, run_cli, query)


# One statement, two statements and a file read, through the installed command in its own process.
@pytest.mark.parametrize(("case", "query"), [(c, q) for c, q in REFUSED if c in {"delete", "two-selects", "read-text"}])
def test_installed_command_refuses(
    private_db: Path, scratch: Path, run_cli_process: Callable[..., Any], case: str, query: str
) -> None:
    assert_cli_refuses(private_db, scratch, run_cli_process, query)


def assert_cli_refuses(private_db: Path, scratch: Path, run_cli: Callable[..., Any], query: str) -> None:
    text = fill(query, scratch)
    snapshot = Snapshot(private_db, scratch)
    result = run_cli("sql", text, "--db", str(private_db))
    assert result.returncode == 2, f"{text!r}: exit code {result.returncode}; stderr {result.stderr!r}"
    assert result.stdout == "", f"{text!r}: printed {result.stdout[:200]!r}"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, f"{text!r}: stderr should be one line, got {len(lines)}: {result.stderr!r}"
    assert lines[0].startswith("hebeidb:"), lines[0]
    assert "Traceback" not in result.stderr
    assert CLEAR.search(lines[0]), f"{text!r}: the message does not say why it was refused: {lines[0]!r}"
    assert_no_file_contents(result.stdout + result.stderr)
    snapshot.assert_unchanged()


def test_the_refusal_list_covers_every_refused_keyword_family() -> None:
    """Guard against the list shrinking: each kind of statement the brief names is present."""
    words = " ".join(q.upper() for _, q in REFUSED)
    for word in (
        "INSERT",
        "UPDATE",
        "DELETE",
        "CREATE",
        "DROP",
        "ALTER",
        "COPY",
        "ATTACH",
        "DETACH",
        "INSTALL",
        "LOAD",
        "PRAGMA",
        "SET",
        "CALL",
        "CHECKPOINT",
        "EXPORT DATABASE",
        "READ_CSV",
        "READ_TEXT",
        "READ_BLOB",
        "GLOB",
        "READ_PARQUET",
        "FROM '/ETC/HOSTS'",
    ):
        assert word in words, word


def test_the_database_file_is_unchanged_after_all_refusals(private_db: Path, built_db: Path) -> None:
    """The private copy, with every connection closed, is still byte for byte the built database."""
    assert sha256(private_db) == sha256(built_db)


# --- legitimate read-only queries work ----------------------------------------------------------


def plain(db: Database, query: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """A query run on the raw connection, not through Database.sql."""
    return db._connection.sql(query, params=params).fetchall()


def test_select_with_parameters(api: Database) -> None:
    facts = rows_of(api._connection.sql("SELECT * FROM facts"))
    expected = sorted(f["fact_id"] for f in facts if f["domain"] == "sport_results" and f["value"] > 1)
    assert expected
    got = api.sql(
        "SELECT fact_id FROM facts WHERE domain = $d AND value > $v ORDER BY fact_id", {"d": "sport_results", "v": 1}
    ).fetchall()
    assert [fact_id for (fact_id,) in got] == expected


def test_with_select(api: Database) -> None:
    facts = rows_of(api._connection.sql("SELECT * FROM facts"))
    expected = {}
    for fact in facts:
        expected[fact["domain"]] = expected.get(fact["domain"], 0) + 1
    got = api.sql(
        "WITH per_domain AS (SELECT domain, count(*) AS n FROM facts GROUP BY domain) "
        "SELECT domain, n FROM per_domain ORDER BY domain"
    ).fetchall()
    assert got == sorted(expected.items())


@pytest.mark.parametrize(
    "literal",
    ["please delete this", "drop table facts", "DELETE FROM core.facts; DROP TABLE facts", "update; insert; copy"],
)
def test_select_with_dangerous_words_in_a_string_literal(api: Database, literal: str) -> None:
    [(total,)] = plain(api, "SELECT count(*) FROM facts")
    escaped = literal.replace("'", "''")
    got = api.sql(f"SELECT '{escaped}' AS note, count(*) AS n FROM facts WHERE label <> '{escaped}'").fetchall()
    assert got == [(literal, total)]


def test_select_with_dangerous_words_as_quoted_names_and_in_a_comment(api: Database) -> None:
    [(total,)] = plain(api, "SELECT count(*) FROM facts")
    got = api.sql('SELECT count(*) AS "delete", \'x\' AS "drop table" FROM facts -- delete everything\n').fetchall()
    assert got == [(total, "x")]


def test_select_with_chinese_text_and_a_dangerous_word_in_a_literal(api: Database) -> None:
    """Non-ASCII text before a literal must not shift the keyword scan onto the literal."""
    [(total,)] = plain(api, "SELECT count(*) FROM facts WHERE label <> 'drop table'")
    got = api.sql("SELECT count(*) AS \"保定市残联\" FROM facts WHERE label <> 'drop table'").fetchall()
    assert got == [(total,)]


def test_sql_keywords_inside_strings_and_quoted_names_are_allowed(db: Database) -> None:
    rows = db.sql("""SELECT 'DROP TABLE facts; DELETE' AS "update", count(*) AS n FROM facts""").fetchall()
    [(count,)] = db._connection.sql("SELECT count(*) FROM core.facts").fetchall()
    assert rows == [("DROP TABLE facts; DELETE", count)]


def test_explain_select(api: Database) -> None:
    relation = api.sql("EXPLAIN SELECT * FROM facts WHERE domain = 'education'")
    rows = relation.fetchall()
    assert rows
    plan = " ".join(str(value) for row in rows for value in row).upper()
    assert "FACTS" in plan or "SCAN" in plan, plan[:300]


def test_legitimate_query_leaves_the_database_unchanged(private_db: Path, scratch: Path) -> None:
    snapshot = Snapshot(private_db, scratch)
    with hebeidb.open(private_db) as db:
        assert db.sql("SELECT count(*) FROM facts WHERE value > $v", {"v": 0}).fetchall()
    snapshot.assert_unchanged()


def test_cli_select_with_parameter_as_csv(private_db: Path, run_cli: Callable[..., Any]) -> None:
    [(expected,)] = duckdb_rows(private_db, "SELECT count(*) FROM facts WHERE domain = 'education'")
    result = run_cli(
        "sql",
        "SELECT count(*) AS n FROM facts WHERE domain = $d",
        "--param",
        "d=education",
        "--format",
        "csv",
        "--db",
        str(private_db),
    )
    assert result.returncode == 0, result.stderr
    assert list(csv.reader(io.StringIO(result.stdout))) == [["n"], [str(expected)]]


def test_cli_select_with_parameter_in_the_default_table_format(private_db: Path, run_cli: Callable[..., Any]) -> None:
    [(expected,)] = duckdb_rows(private_db, "SELECT count(*) FROM facts WHERE domain = 'education'")
    result = run_cli(
        "sql", "SELECT count(*) AS n FROM facts WHERE domain = $d", "--param", "d=education", "--db", str(private_db)
    )
    assert result.returncode == 0, f"exit code {result.returncode}; stderr {result.stderr[-600:]!r}"
    assert result.stderr == ""
    assert re.search(rf"(?m)^\s*{expected}\s*$", result.stdout), result.stdout


def test_cli_with_select_and_dangerous_literal(private_db: Path, run_cli: Callable[..., Any]) -> None:
    [(expected,)] = duckdb_rows(private_db, "SELECT count(*) FROM facts WHERE region = 'hebei'")
    query = "WITH h AS (SELECT * FROM facts WHERE region = $r) SELECT 'drop table facts' AS note, count(*) AS n FROM h"
    result = run_cli("sql", query, "--param", "r=hebei", "--format", "csv", "--db", str(private_db))
    assert result.returncode == 0, result.stderr
    assert list(csv.reader(io.StringIO(result.stdout))) == [["note", "n"], ["drop table facts", str(expected)]]


def test_cli_explain_select(private_db: Path, run_cli: Callable[..., Any]) -> None:
    result = run_cli("sql", "EXPLAIN SELECT * FROM facts", "--format", "csv", "--db", str(private_db))
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip().splitlines()) >= 2


def duckdb_rows(path: Path, query: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.sql(query).fetchall()
    finally:
        con.close()
