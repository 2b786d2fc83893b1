"""Ad-hoc SQL cannot change the reader's session, write a file or read one, whatever function it calls.

The property test calls every table, scalar, macro and pragma function DuckDB lists with arguments made
from its parameter types (paths of a planted secret and of a new file under a watched folder, SQL text,
numbers ...) and checks, after each function, that no file appeared or changed under the watched folder or
beside the database and that the secret never shows in a result or an error, and after every few functions
(and at the end) that the settings are those of before. Each sweep runs in its own process, which must then
close the database and exit normally.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from safety import assert_one_line_error, copy_database, run_hebeidb, tree_digest

import hebeidb
from hebeidb.common.errors import QueryRefusedError

SECRET = "SECRET-7f3a9c"

SWEEP = r"""
import json, os, sys, threading
import duckdb, hebeidb
from hebeidb.common.errors import HebeidbError

db_path, watch, mode, secret = sys.argv[1:5]
secret_file = os.path.join(watch, "secret.csv")
new_file = os.path.join(watch, "made_by_query.csv")


def lit(text):
    return "'" + text.replace("'", "''") + "'"


SCALARS = {
    "BOOLEAN": "true", "TINYINT": "1", "SMALLINT": "1", "INTEGER": "2", "BIGINT": "2", "HUGEINT": "2",
    "UTINYINT": "1", "USMALLINT": "1", "UINTEGER": "2", "UBIGINT": "2", "UHUGEINT": "2", "DOUBLE": "1.5",
    "FLOAT": "1.5", "DECIMAL": "1.5", "DATE": "DATE '2024-01-02'", "TIME": "TIME '01:02:03'",
    "TIMESTAMP": "TIMESTAMP '2024-01-02 03:04:05'", "TIMESTAMP WITH TIME ZONE": "TIMESTAMPTZ '2024-01-02 03:04:05+00'",
    "INTERVAL": "INTERVAL 1 DAY", "JSON": "'{\"a\": 1}'::JSON", "UUID": "uuid()", "LAMBDA": "x -> x",
    "BIT": "'101'::BIT", "TABLE": "facts", "BIGNUM": "1",
}


def value_for(kind, text):
    kind = (kind or "ANY").upper()
    if kind.startswith(("DOUBLE[", "FLOAT[")):
        return "[1.0, 2.0, 3.0]"
    if kind.endswith("]"):
        return "[" + value_for(kind[: kind.rindex("[")], text) + "]"
    if kind == "BLOB":
        return lit(text) + "::BLOB"
    return SCALARS.get(kind, lit(text))


TEXTS = [secret_file, new_file, os.path.join(watch, "*"), "SET memory_limit = '1GB'",
         "COPY (SELECT 1) TO " + lit(new_file), "memory_limit", "PRAGMA enable_profiling"]


def shapes(params, types):
    yield []
    for text in TEXTS:
        yield [value_for(kind, text) for kind in types]
    if params:
        yield [lit(secret_file)]
        yield [lit(new_file)] + [value_for(kind, new_file) for kind in types[1:]]
        yield [lit(secret_file)] * len(params)


def queries(name, kind, args):
    listed = ", ".join(args)
    if kind in ("table", "table_macro"):
        return [f"SELECT * FROM {name}({listed})"]
    if kind == "pragma":
        return [f"PRAGMA {name}" + (f"({listed})" if args else ""), f"CALL {name}({listed})"]
    return [f"SELECT {name}({listed})"]


def snapshot():
    found = {}
    for folder in (watch, os.path.dirname(db_path)):
        for root, dirs, files in os.walk(folder):
            for entry in dirs + files:
                stat = os.lstat(os.path.join(root, entry))
                found[os.path.join(root, entry)] = (stat.st_size, stat.st_mtime_ns)
    return found


functions = duckdb.connect().sql(
    "SELECT DISTINCT function_name, function_type, parameters, parameter_types FROM duckdb_functions() "
    "WHERE function_type IN ('table', 'scalar', 'table_macro', 'macro', 'pragma') ORDER BY 1, 2"
).fetchall()
db = hebeidb.open(db_path)


def settings():
    return db._connection.sql("SELECT name, value FROM duckdb_settings() ORDER BY name").fetchall()


# Calls on this small database answer in milliseconds; one that runs on (summary(facts) never ends) is
# interrupted after half a second, which costs the sweep that much CPU instead of seconds.
TIMEOUT = 0.5


def run(query):
    if mode == "api":
        return db.sql(query, timeout=TIMEOUT).fetchall()
    timer = threading.Timer(TIMEOUT, db._connection.interrupt)
    timer.start()
    try:
        return db._connection.sql(query).fetchall()
    finally:
        timer.cancel()


# Reading every setting costs some milliseconds (as much as the calls themselves): the settings are compared
# after every SETTINGS_EVERY functions, and a change names the functions called since the last comparison.
SETTINGS_EVERY = 25
before_settings, before_files = settings(), snapshot()
problems, calls, answered, names, seen, since = [], 0, 0, set(), set(), []
for position, (name, kind, params, types) in enumerate(functions, 1):
    names.add((name, kind))
    since.append(name)
    for args in shapes(params, types):
        for query in queries(name, kind, args):
            if query in seen:
                continue
            seen.add(query)
            calls += 1
            try:
                text = repr(run(query))
                answered += 1
            except HebeidbError as error:
                text = str(error)
            except duckdb.Error as error:
                text = str(error)
                if mode == "api":
                    problems.append([query, "raw duckdb error", text[:200]])
            if secret in text:
                problems.append([query, "read the planted file", text[:200]])
    if position % SETTINGS_EVERY == 0 or position == len(functions):
        now = settings()
        if now != before_settings:
            problems.append([since, "changed settings", sorted(set(now) ^ set(before_settings))])
            before_settings = now
        since = []
    files = snapshot()
    if files != before_files:
        problems.append([name, "touched files", sorted(set(files.items()) ^ set(before_files.items()))])
        before_files = files
db.close()
print(json.dumps({"functions": len(names), "calls": calls, "answered": answered, "problems": problems}))
"""


@pytest.fixture
def watched(tmp_path: Path) -> Path:
    """A folder holding a file with a secret in it: no query may read it or add anything beside it."""
    folder = tmp_path / "watched"
    folder.mkdir()
    (folder / "secret.csv").write_text(f"name,value\n{SECRET},1\n")
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["api", "connection"])
def test_no_function_duckdb_lists_changes_a_setting_or_touches_a_file(
    mode: str, built_db: Path, tmp_path: Path, watched: Path
) -> None:
    """``api`` goes through ``Database.sql``; ``connection`` sends the same text to the reader's connection
    itself, past hebeidb's own refusals, to prove the connection is the real guard."""
    database = copy_database(built_db, tmp_path / "db")
    before = tree_digest(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", SWEEP, str(database), str(watched), mode, SECRET],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    outcome = json.loads(result.stdout)
    assert outcome["problems"] == []
    assert outcome["functions"] > 1000 and outcome["calls"] > 5000
    assert outcome["answered"] > 1000, "most calls should run, or the sweep proves little"
    assert tree_digest(tmp_path) == before


SESSION_CHANGERS = [
    "SELECT * FROM enable_logging(level := 'trace', storage := 'file', storage_path := '{dir}/log')",
    "SELECT * FROM enable_logging('QueryLog')",
    "SELECT * FROM enable_profiling()",
    "SELECT * FROM enable_profiling(format := 'json', save_location := '{dir}/profile.json')",
    "SELECT * FROM disable_logging()",
    "SELECT * FROM truncate_duckdb_logs()",
    "SELECT * FROM query('SELECT 1')",
    "SELECT * FROM query('COPY (SELECT 1) TO ''{dir}/copy.csv''')",
    "SELECT * FROM query_table('facts')",
    "SELECT * FROM checkpoint()",
    "SELECT * FROM force_checkpoint()",
    "SELECT * FROM read_text('{dir}/secret.csv')",
    "SELECT * FROM read_csv('{dir}/secret.csv')",
    "SELECT * FROM '{dir}/secret.csv'",
    "SELECT * FROM glob('{dir}/*')",
    "SELECT current_setting('memory_limit'), * FROM sniff_csv('{dir}/secret.csv')",
    "WITH x AS (SELECT * FROM enable_logging()) SELECT * FROM x",
    "SELECT (SELECT count(*) FROM disable_logging())",
]


def session_probe(database: Path, folder: Path, queries: list[str]) -> subprocess.CompletedProcess[str]:
    script = r"""
import json, sys, duckdb, hebeidb
from hebeidb.common.errors import HebeidbError
db = hebeidb.open(sys.argv[1])
settings = lambda: db._connection.sql("SELECT name, value FROM duckdb_settings() ORDER BY name").fetchall()
before = settings()
outcome = []
for query in json.loads(sys.argv[2]):
    for call in (lambda: db.sql(query).fetchall(), lambda: db._connection.sql(query).fetchall()):
        try:
            outcome.append(["ran", repr(call())])
        except HebeidbError as error:
            outcome.append([type(error).__name__, str(error)])
        except duckdb.Error as error:
            outcome.append(["duckdb", str(error)])
after = settings()
working = db.sql("SELECT count(*) FROM facts").fetchall()[0][0] > 0
db.close()
print(json.dumps({"changed": sorted(map(str, set(before) ^ set(after))), "outcome": outcome, "working": working}))
"""
    return subprocess.run(
        [sys.executable, "-c", script, str(database), json.dumps(queries)], capture_output=True, text=True, timeout=300
    )


def test_named_session_changers_are_refused_and_the_database_closes_cleanly(
    built_db: Path, tmp_path: Path, watched: Path
) -> None:
    database = copy_database(built_db, tmp_path / "db")
    before = tree_digest(tmp_path)
    queries = [query.format(dir=watched) for query in SESSION_CHANGERS]
    result = session_probe(database, watched, queries)
    assert result.returncode == 0, result.stderr  # closing after these never aborts Python
    report = json.loads(result.stdout)
    assert report["changed"] == []
    assert report["working"]
    api = report["outcome"][0::2]
    assert all(kind == "QueryRefusedError" for kind, _ in api), api
    assert not any(SECRET in text for _, text in report["outcome"])
    assert tree_digest(tmp_path) == before


@pytest.mark.parametrize("query", SESSION_CHANGERS[:8])
def test_the_command_line_refuses_session_changers(query: str, built_db: Path, tmp_path: Path, watched: Path) -> None:
    database = copy_database(built_db, tmp_path / "db")
    before = tree_digest(tmp_path)
    result = run_hebeidb("sql", query.format(dir=watched), "--db", str(database), cwd=tmp_path)
    assert_one_line_error(result, 2)
    assert SECRET not in result.stdout + result.stderr
    assert tree_digest(tmp_path) == before


def test_the_reader_has_no_spill_folder_and_locked_settings(db: hebeidb.Database) -> None:
    settings = dict(
        db.sql(
            "SELECT name, value FROM duckdb_settings() WHERE name IN "
            "('temp_directory', 'lock_configuration', 'enable_external_access', 'autoload_known_extensions')"
        ).fetchall()
    )
    assert settings == {
        "temp_directory": "",
        "lock_configuration": "true",
        "enable_external_access": "false",
        "autoload_known_extensions": "false",
    }
    with pytest.raises(QueryRefusedError):
        db.sql("SET temp_directory = '/tmp'")
