"""The built file in other DuckDBs: the oldest one the documentation promises opens it and reads every view."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from hebeidb.builder.pipeline import OLDEST_READER
from hebeidb.common.sqltext import quote_identifier

README = Path(__file__).resolve().parents[1] / "docs" / "exports.md"
Run = Callable[..., subprocess.CompletedProcess[str]]

# Run by the old DuckDB: each query's rows, every value as text (which needs no optional Python module for
# any type, TIMESTAMP WITH TIME ZONE included) so that the rows compare with the current DuckDB's.
READ_EVERY_VIEW = """
import json, sys
import duckdb
job = json.load(sys.stdin)
con = duckdb.connect(job["path"], read_only=True)
rows = {name: [list(row) for row in con.execute(sql).fetchall()] for name, sql in job["queries"].items()}
json.dump({"version": duckdb.__version__, "rows": rows}, sys.stdout)
"""


def _public_and_report_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The public views and the report views, as the file lists them."""
    found = con.execute(
        "SELECT view_name FROM core.public_views UNION SELECT view_name FROM core.reports ORDER BY 1"
    ).fetchall()
    return [name for (name,) in found]


@pytest.fixture(scope="session")
def oldest_duckdb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Python of a throwaway virtual environment holding the oldest DuckDB the documentation promises."""
    venv = tmp_path_factory.mktemp("oldest-duckdb") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300)
    python = venv / "bin" / "python"
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", f"duckdb=={OLDEST_READER}"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert installed.returncode == 0, f"cannot install DuckDB {OLDEST_READER} from PyPI:\n{installed.stderr}"
    return python


@pytest.mark.slow
def test_the_oldest_duckdb_promised_reads_every_view_of_the_built_file(
    oldest_duckdb: Path, built_db: Path, con: duckdb.DuckDBPyConnection
) -> None:
    views = _public_and_report_views(con)
    assert {"facts", "medal_tallies", "build_info", "report_medals"} <= set(views)
    queries = {name: f"SELECT CAST(COLUMNS(*) AS VARCHAR) FROM main.{quote_identifier(name)}" for name in views}
    read = subprocess.run(
        [str(oldest_duckdb), "-c", READ_EVERY_VIEW],
        input=json.dumps({"path": str(built_db), "queries": queries}),
        capture_output=True,
        text=True,
        timeout=300,
    )
    # A construct the old DuckDB cannot read fails the opening itself (a serialization error naming a field id).
    assert read.returncode == 0, f"DuckDB {OLDEST_READER} cannot read the built file:\n{read.stderr}"
    old = json.loads(read.stdout)
    assert old["version"] == OLDEST_READER
    assert set(old["rows"]) == set(views)
    for name, sql in queries.items():
        current = [list(row) for row in con.execute(sql).fetchall()]
        assert current, f"{name} is empty: nothing to compare"
        assert old["rows"][name] == current, f"{name} reads otherwise in DuckDB {OLDEST_READER}"


def test_the_documentation_promises_the_oldest_duckdb_the_test_installs(run_cli: Run) -> None:
    major, minor, _patch = OLDEST_READER.split(".")
    promise = f"DuckDB {major}.{minor} and later"
    readme = " ".join(README.read_text(encoding="utf-8").split())
    assert promise in readme
    help_text = run_cli("build", "--help")
    assert help_text.returncode == 0, help_text.stderr
    assert promise in " ".join(help_text.stdout.split())


def test_no_stored_view_orders_an_aggregate_over_a_window(con: duckdb.DuckDBPyConnection) -> None:
    """The construct that made the file unreadable to DuckDB 1.1 once (``first(x ORDER BY y) OVER w``), looked for
    in every stored view, reports included, without the old DuckDB: the slow test above finds any other."""
    views = con.execute("SELECT schema_name, view_name, sql FROM duckdb_views() WHERE NOT internal").fetchall()
    assert len(views) > 20
    found = []
    for schema, name, sql in views:
        for window in sqlglot.parse_one(sql, read="duckdb").find_all(exp.Window):
            if isinstance(window.this, exp.AggFunc) and window.this.find(exp.Order):
                found.append(f"{schema}.{name}: {window.sql('duckdb')}")
    assert found == []
