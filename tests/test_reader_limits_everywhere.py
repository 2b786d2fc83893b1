"""Every reader command runs its queries under the reader's deadline and memory limit: a crafted file whose
``facts`` view (or the view the command reads first) is endless, or needs more memory than readers may use,
stops each command at the limit with one line and exit code 2, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from safety import copy_database, tree_digest

SLOW = "(SELECT count(*) AS n FROM range(1000000) AS a, range(1000000) AS b)"
HUNGRY = "(SELECT count(DISTINCT range::VARCHAR || 'padding-padding-padding') AS n FROM range(4000000))"

# Each reader command, with what makes it read the crafted view.
COMMANDS = {
    "sql": ("sql", "SELECT * FROM facts"),
    "report": ("report", "provenance"),
    "report-with-a-parameter": ("report", "provenance", "--param", "fact_id=tokyo2020_hebei_gold"),
    "search-with-a-domain": ("search", "medals", "--domain", "sport_results"),
    "render-with-a-parameter": ("render", "provenance", "--param", "fact_id=tokyo2020_hebei_gold"),
    "export-parquet": ("export", "{out}", "--only", "facts"),
    "export-csv": ("export", "{out}", "--format", "csv", "--only", "facts"),
    "export-sqlite": ("export", "{out}", "--format", "sqlite"),
    "site": ("site", "{out}"),
}
QUICK = {"sql", "report-with-a-parameter"}
# The view each command reads, where it is not ``facts``: search checks a domain against the ``domains`` view
# (and searches the record's own tables, which a file cannot make slow without failing the contract).
VIEW = {"search-with-a-domain": "domains"}


def crafted(built_db: Path, folder: Path, cost: str, view: str = "facts") -> Path:
    """A copy of the database whose public view ``view`` returns its rows only after ``cost`` is computed."""
    database = copy_database(built_db, folder)
    with duckdb.connect(str(database)) as con:
        (definition,) = con.execute("SELECT sql FROM duckdb_views() WHERE view_name = $v", {"v": view}).fetchone()
        assert definition.startswith(f"CREATE VIEW {view} AS"), definition
        con.execute(definition.replace(f"CREATE VIEW {view} AS", f"CREATE VIEW {view}_as_built AS", 1))
        con.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT v.* FROM {view}_as_built AS v, {cost} AS c WHERE c.n > 0")
    return database


def command(name: str, out: Path) -> list[str]:
    return [part.format(out=out) for part in COMMANDS[name]]


def params() -> list[object]:
    return [pytest.param(name, marks=() if name in QUICK else pytest.mark.slow) for name in COMMANDS]


@pytest.mark.parametrize("name", params())
def test_an_endless_view_stops_every_reader_command_at_the_timeout(
    name: str, built_db: Path, tmp_path: Path, run_cli
) -> None:
    database = crafted(built_db, tmp_path / "db", SLOW, VIEW.get(name, "facts"))
    before = tree_digest(tmp_path)
    result = run_cli(*command(name, tmp_path / "out"), "--db", str(database), "--timeout", "1")
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert len(result.stderr.splitlines()) == 1 and "interrupted after 1 s" in result.stderr, result.stderr
    assert tree_digest(tmp_path) == before  # the database unchanged, nothing written


@pytest.mark.parametrize("name", params())
def test_a_memory_hungry_view_stops_every_reader_command_at_the_memory_limit(
    name: str, built_db: Path, tmp_path: Path, run_cli
) -> None:
    database = crafted(built_db, tmp_path / "db", HUNGRY, VIEW.get(name, "facts"))
    before = tree_digest(tmp_path)
    env = {"HEBEIDB_READER_MEMORY_LIMIT": "60MB"}
    result = run_cli(*command(name, tmp_path / "out"), "--db", str(database), env=env)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "more memory than readers may use" in result.stderr, result.stderr
    assert tree_digest(tmp_path) == before


def test_the_default_timeout_comes_from_the_environment(built_db: Path, tmp_path: Path, run_cli) -> None:
    """A command given no --timeout is interrupted all the same: at $HEBEIDB_TIMEOUT, else 60 s."""
    database = crafted(built_db, tmp_path / "db", SLOW)
    result = run_cli("sql", "SELECT * FROM facts", "--db", str(database), env={"HEBEIDB_TIMEOUT": "0.5"})
    assert result.returncode == 2
    assert "interrupted after 0.5 s" in result.stderr


@pytest.mark.parametrize("value", ["soon", "-1", "nan", "inf"])
def test_a_timeout_that_is_not_a_number_of_seconds_is_a_usage_error(value: str, built_db: Path, run_cli) -> None:
    result = run_cli("sql", "SELECT 1", "--db", str(built_db), env={"HEBEIDB_TIMEOUT": value})
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and "timeout" in result.stderr.lower(), result.stderr
