"""Scale-out Parquet: ``export --partition-by``, row groups an engine can split, and the documented Spark recipe."""

from __future__ import annotations

import hashlib
import json
import math
import re
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
from conftest import cli_in_process
from engines import run_on_spark
from report_matrix import REPORT_NAMES, assert_same_rows, case_id

import hebeidb
from hebeidb.reader.database import Database
from hebeidb.reader.export.partitioned import ROW_GROUP_ROWS
from hebeidb.reader.translate import translate

pytestmark = pytest.mark.slow
RECIPE = Path(__file__).resolve().parents[1] / "docs" / "reports.md"
SYNTH_FACTS = 100_000


# The commands run in this process: what is tested is what they write, not the process (which
# tests/test_cli.py and the progress tests run as the installed command).
hebeidb_cli = cli_in_process


@pytest.fixture(scope="module")
def synth_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Spark recipe's 10^5-fact synthetic database."""
    path = tmp_path_factory.mktemp("synth") / "synth.duckdb"
    result = hebeidb_cli("synth", "--facts", str(SYNTH_FACTS), "--seed", "1", "--db", str(path))
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture(scope="module")
def synth(synth_db: Path):
    with hebeidb.open(synth_db) as db:
        yield db


@pytest.fixture(scope="module")
def partitioned(synth_db: Path) -> Path:
    out = synth_db.parent / "out"
    result = hebeidb_cli("export", str(out), "--db", str(synth_db), "--partition-by", "domain,year")
    assert result.returncode == 0, result.stderr
    return out


def tree_bytes(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_facts_become_hive_partitions_holding_every_row(synth: hebeidb.Database, partitioned: Path) -> None:
    files = sorted((partitioned / "facts").rglob("*.parquet"))
    expected_partitions = synth.sql("SELECT DISTINCT domain, year FROM facts ORDER BY ALL").fetchall()
    assert len(expected_partitions) > 20
    assert [tuple(re.findall(r"=(\w+)", f.relative_to(partitioned / "facts").parent.as_posix())) for f in files] == [
        (domain, str(year)) for domain, year in expected_partitions
    ]
    columns = synth.sql("SELECT * FROM facts LIMIT 0").columns
    for path in files[:3]:  # each file holds whole rows in the view's column order, of its partition only
        table = pq.read_table(path, partitioning=None)
        assert table.column_names == columns
        domain, year = re.findall(r"=(\w+)", path.parent.relative_to(partitioned / "facts").as_posix())
        assert set(table.column("domain").to_pylist()) == {domain}
        assert set(table.column("year").to_pylist()) == {int(year)}
    listed = ", ".join(f'"{c}"' for c in columns)
    read = duckdb.sql(
        f"SELECT {listed} FROM read_parquet('{partitioned}/facts/**/*.parquet', hive_partitioning = false) "
        "ORDER BY fact_id"
    ).fetchall()
    # DECIMAL columns are written as DOUBLE (see tests/test_dataframes.py for their exactness).
    types = [str(kind) for kind in synth.sql("SELECT * FROM facts LIMIT 0").types]
    as_written = ", ".join(
        f'CAST("{c}" AS DOUBLE)' if kind.startswith("DECIMAL") else f'"{c}"'
        for c, kind in zip(columns, types, strict=True)
    )
    assert read == synth.sql(f"SELECT {as_written} FROM facts ORDER BY fact_id").fetchall()


def test_datapackage_describes_the_partitioned_facts(partitioned: Path) -> None:
    package = json.loads((partitioned / "datapackage.json").read_text("utf-8"))
    resources = {r["name"]: r for r in package["resources"]}
    facts = resources["facts"]
    files = sorted(p.relative_to(partitioned).as_posix() for p in (partitioned / "facts").rglob("*.parquet"))
    assert facts["path"] == files
    assert facts["partitioning"]["columns"] == ["domain", "year"]
    assert facts["partitioning"]["folder"] == "facts"
    for part in facts["partitioning"]["files"]:
        path = partitioned / part["path"]
        assert part["bytes"] == path.stat().st_size
        assert part["hash"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert isinstance(resources["sources"]["path"], str)  # no domain and year: one file
    assert (partitioned / "core.facts.parquet").is_file()  # the base table has neither column


def test_partitioned_export_is_byte_for_byte_reproducible(synth_db: Path, partitioned: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    result = hebeidb_cli("export", str(again), "--db", str(synth_db), "--partition-by", "domain,year")
    assert result.returncode == 0, result.stderr
    first, second = tree_bytes(partitioned), tree_bytes(again)
    assert len(first) > 50
    assert first == second


def test_a_files_bytes_do_not_depend_on_the_number_of_threads(
    synth_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Single files are written on every core: the same bytes as on one thread, row groups in order."""
    with hebeidb.open(synth_db) as db:
        db.export(tmp_path / "every-core")
    session = Database._session
    monkeypatch.setattr(Database, "_session", lambda self, role, **k: session(self, role, **{**k, "threads": 1}))
    with hebeidb.open(synth_db) as db:
        db.export(tmp_path / "one-thread")
    every_core, one_thread = tree_bytes(tmp_path / "every-core"), tree_bytes(tmp_path / "one-thread")
    assert len(every_core) == 36 and every_core == one_thread  # 35 files and datapackage.json
    assert pq.read_metadata(tmp_path / "every-core" / "core.facts.parquet").num_row_groups > 1


def test_large_files_are_split_into_row_groups(synth: hebeidb.Database, partitioned: Path) -> None:
    metadata = pq.read_metadata(partitioned / "core.facts.parquet")
    assert metadata.num_rows == SYNTH_FACTS
    assert metadata.num_row_groups == math.ceil(SYNTH_FACTS / ROW_GROUP_ROWS) > 1
    assert all(metadata.row_group(i).num_rows <= ROW_GROUP_ROWS for i in range(metadata.num_row_groups))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--partition-by", "competition_id"], "rows have no value there"),
        (["--partition-by", "no_such_column"], "no exported object has"),
        (["--partition-by", "year,year"], "twice"),
        (["--partition-by", "Year;DROP"], "column names"),
        (["--partition-by", "year", "--format", "csv"], "Parquet"),
    ],
)
def test_bad_partition_columns_are_refused(built_db: Path, tmp_path: Path, args: list[str], message: str) -> None:
    result = hebeidb_cli("export", str(tmp_path / "out"), "--db", str(built_db), *args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_the_articles_facts_partition_by_latest_year_not_by_year(
    built_db: Path, con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """A figure whose date the article does not state has no year: a partition by year is refused, one by
    latest_year (the year it was reported by, never NULL) holds every fact, the undated ones in its year."""
    refused = hebeidb_cli("export", str(tmp_path / "by_year"), "--db", str(built_db), "--partition-by", "domain,year")
    assert refused.returncode == 2 and "20 rows have no value there" in refused.stderr
    assert not (tmp_path / "by_year").exists()
    out = tmp_path / "out"
    result = hebeidb_cli("export", str(out), "--db", str(built_db), "--partition-by", "domain,latest_year")
    assert result.returncode == 0, result.stderr
    written = duckdb.sql(
        f"SELECT fact_id, year, latest_year, regexp_extract(filename, 'latest_year=(\\d+)', 1) AS folder "
        f"FROM read_parquet('{out}/facts/**/*.parquet', hive_partitioning = false, filename = true)"
    ).fetchall()
    expected = dict(con.execute("SELECT fact_id, latest_year FROM facts").fetchall())
    assert {fact_id: latest for fact_id, _, latest, _ in written} == expected
    assert all(folder == str(latest) for _, _, latest, folder in written)
    undated = [latest for _, year, latest, _ in written if year is None]
    assert len(undated) == 20 and set(undated) == {2026}


# --- the documented Spark recipe ---------------------------------------------------------------


def readme_recipe() -> tuple[list[list[str]], str]:
    """The shell commands before the recipe and its Python block, as the documentation shows them."""
    text = RECIPE.read_text("utf-8")
    section = text[text.index("## Spark on a scale-out export") :]
    shell = section[section.index("```sh") + len("```sh") : section.index("```", section.index("```sh") + 5)]
    python = section[section.index("<!-- spark-recipe -->") : section.index("<!-- /spark-recipe -->")]
    code = python[python.index("```python") + len("```python") : python.rindex("```")]
    commands = [line.split() for line in shell.strip().splitlines()]
    return commands, code


def test_readme_spark_recipe_runs_and_gives_duckdbs_rows(
    spark: Any, synth: hebeidb.Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commands, code = readme_recipe()
    assert [c[:2] for c in commands] == [["hebeidb", "synth"], ["hebeidb", "export"], ["hebeidb", "render"]]
    for command in commands:
        if command[1] == "synth":
            assert command[2:6] == ["--facts", str(SYNTH_FACTS), "--seed", "1"]
            continue  # built once for the module, from the same command
        words = [w.replace("synth.duckdb", str(synth.path)) for w in command[1:]]
        if ">" in words:
            words, target = words[: words.index(">")], words[words.index(">") + 1]
            result = hebeidb_cli(*words, cwd=tmp_path)
            (tmp_path / target).write_text(result.stdout, "utf-8")
        else:
            result = hebeidb_cli(*words, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {}
    exec(compile(code, str(RECIPE), "exec"), namespace)
    expected = synth.report("indicators", since=2025).fetchall()
    assert len(expected) > 1000
    assert_same_rows("Spark", [tuple(r) for r in namespace["rows"]], expected, "documented recipe")
    # The recipe registered the views: every report runs on them with Spark's named parameters.
    session = namespace["spark"]
    cases = synth_parameter_sets()
    translations = []
    for name, params in cases:
        rendered = synth.render(name, **params)
        translations.append(translate(rendered.sql, rendered.params, "spark"))
    for (name, params), got in zip(cases, run_on_spark(session, translations), strict=True):
        assert_same_rows("Spark", got, synth.report(name, **params).fetchall(), case_id(name, params))
    # A since filter reads only the year= folders it keeps.
    rendered = synth.render("indicators", since=2025)
    translation = translate(rendered.sql, rendered.params, "spark")
    plan = session.sql(translation.sql, args=translation.args())._jdf.queryExecution().executedPlan().toString()
    assert re.search(r"PartitionFilters: \[[^\]]*year#\d+ >= 2025", plan), plan


def synth_parameter_sets() -> list[tuple[str, dict[str, Any]]]:
    """Each report with its defaults, and the recipe's own query. The values of each parameter are run on Spark
    by tests/test_engine_spark.py with the same translation: here the point is that the views registered from
    the partitioned files serve every report (each Spark query costs a second or two over many small files)."""
    return [(name, {}) for name in REPORT_NAMES] + [("indicators", {"since": 2015})]
