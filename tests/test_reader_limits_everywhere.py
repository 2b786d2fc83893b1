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


# A report whose SQL takes a second or more to analyse (6,500 output columns, within the template size limit): a
# template cannot loop or compute (tests/test_reports.py), but what is done with its SQL in Python (the
# translation for another engine, the lineage of each column, the SQLite export's canned query) runs under the
# same deadline as a query. (The site analyses the stored views, not the templates.)
HEAVY_TEMPLATE = "SELECT " + ", ".join(f"fact_id c{i}" for i in range(6500)) + " FROM facts"
ANALYSING = {
    "render": ("render", "provenance", "--dialect", "postgres"),
    "lineage": ("lineage", "provenance"),
    "export-sqlite": ("export", "{out}", "--format", "sqlite"),
}


def with_template(built_db: Path, folder: Path, report: str, template: str) -> Path:
    """A copy of the database whose report ``report`` stores ``template`` as its template."""
    database = copy_database(built_db, folder)
    with duckdb.connect(str(database)) as con:
        con.execute("UPDATE core.reports SET template = $t WHERE name = $r", {"t": template, "r": report})
    return database


@pytest.mark.parametrize("name", [pytest.param(n, marks=() if n == "render" else pytest.mark.slow) for n in ANALYSING])
def test_a_report_too_long_to_analyse_stops_every_command_at_the_timeout(
    name: str, built_db: Path, tmp_path: Path, run_cli
) -> None:
    database = with_template(built_db, tmp_path / "db", "provenance", HEAVY_TEMPLATE)
    before = tree_digest(tmp_path)
    args = [part.format(out=tmp_path / "out") for part in ANALYSING[name]]
    # Half a second: on a quiet machine the analysis of the template takes about a second.
    result = run_cli(*args, "--db", str(database), "--timeout", "0.5")
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert len(result.stderr.splitlines()) == 1 and "interrupted after 0.5 s" in result.stderr, result.stderr
    assert tree_digest(tmp_path) == before


def test_describe_never_runs_a_view_so_an_endless_one_does_not_stop_it(built_db: Path, tmp_path: Path, run_cli) -> None:
    """describe reads the catalog and the file's own descriptions, never a view's rows: an endless view is
    described at once, under a timeout it would not meet if it ran the view."""
    database = crafted(built_db, tmp_path / "db", SLOW)
    for args in (("describe",), ("describe", "facts")):
        result = run_cli(*args, "--db", str(database), "--timeout", "1")
        assert result.returncode == 0, result.stderr
        assert "fact_id" in result.stdout or "facts" in result.stdout


# A stored template that would render for ever (10^12 steps): the file is read as strictly as the inputs are,
# so no reader renders it.
ENDLESS_TEMPLATE = (
    "{% for a in 'x' * 9999 %}{% for b in 'x' * 9999 %}{% for c in 'x' * 9999 %}{% endfor %}{% endfor %}"
    "{% endfor %}SELECT 1 AS n"
)


@pytest.mark.parametrize(
    "args",
    [("report", "provenance", "--param", "fact_id=tokyo2020_hebei_gold"), ("render", "provenance"),
     ("lineage", "provenance")],
    ids=["report", "render", "lineage"],
)  # fmt: skip
def test_a_stored_template_that_loops_is_refused_by_every_reader(
    args: tuple[str, ...], built_db: Path, tmp_path: Path, run_cli
) -> None:
    database = with_template(built_db, tmp_path / "db", "provenance", ENDLESS_TEMPLATE)
    before = tree_digest(tmp_path)
    result = run_cli(*args, "--db", str(database), "--timeout", "5")
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert len(result.stderr.splitlines()) == 1 and "a for loop is not allowed" in result.stderr, result.stderr
    assert tree_digest(tmp_path) == before
