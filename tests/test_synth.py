"""Synthetic national-scale data: same seed, same database; every check passes at scale."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import duckdb
import pytest

from hebeidb.builder.synth import PROVINCES, build_synthetic, generate_inputs


def file_hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.parent.name != "queries" and p.parent.name != "schema"
    }


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    folder = tmp_path_factory.mktemp("synth")
    report = build_synthetic(folder / "synth.duckdb", 3000, seed=7, keep_inputs=folder / "inputs")
    return folder, report


@pytest.mark.slow
def test_synthetic_build_passes_every_check(synthetic: tuple[Path, object]) -> None:
    folder, report = synthetic
    assert all(check.passed for check in report.checks)  # type: ignore[attr-defined]
    with duckdb.connect(str(folder / "synth.duckdb"), read_only=True) as con:
        assert con.sql("SELECT count(*) FROM facts").fetchall() == [(3000,)]
        assert con.sql("SELECT count(*) FROM numbers WHERE status <> 'fact'").fetchall() == [(0,)]
        regions = {r for (r,) in con.sql("SELECT region FROM facts WHERE region <> 'china'").fetchall()}
        assert len(regions) == len(PROVINCES) == 34
        years = con.sql("SELECT count(DISTINCT year(period_end)) FROM facts WHERE period_kind = 'as_of'").fetchall()
        assert years == [(20,)]
        domains = con.sql("SELECT count(DISTINCT domain) FROM facts").fetchall()[0][0]
        assert domains == 10
        qualifiers = {q for (q,) in con.sql("SELECT DISTINCT qualifier FROM facts").fetchall()}
        assert {"exact", "over", "nearly", "at_least", "above"} <= qualifiers
        # Every province and China have a medal table row at the generated competition.
        delegations = con.sql("SELECT count(DISTINCT delegation) FROM medal_tallies").fetchall()
        assert delegations == [(35,)]
        failing = con.sql("SELECT count(*) FROM cross_checks WHERE verdict <> 'pass'").fetchall()
        assert failing == [(0,)]


def test_same_seed_gives_the_same_inputs_and_another_seed_does_not(tmp_path: Path) -> None:
    first = generate_inputs(tmp_path / "a", 500, seed=3).root
    second = generate_inputs(tmp_path / "b", 500, seed=3).root
    other = generate_inputs(tmp_path / "c", 500, seed=4).root
    assert file_hashes(first) == file_hashes(second)
    assert file_hashes(first)["seeds/facts.csv"] != file_hashes(other)["seeds/facts.csv"]


def test_synth_command_refuses_tiny_sizes(run_cli, tmp_path: Path) -> None:
    result = run_cli("synth", "--facts", "10", "--db", str(tmp_path / "s.duckdb"))
    assert result.returncode == 2
    assert "at least 100" in result.stderr
    assert not (tmp_path / "s.duckdb").exists()


@pytest.mark.slow
def test_synth_command_builds_a_database(run_cli, tmp_path: Path) -> None:
    result = run_cli("synth", "--facts", "400", "--seed", "1", "--db", str(tmp_path / "s.duckdb"))
    assert result.returncode == 0, result.stderr
    assert re.search(r"checks: (\d+) of \1 passed", result.stdout), result.stdout
    assert "none unaccounted" in result.stdout
    with duckdb.connect(str(tmp_path / "s.duckdb"), read_only=True) as con:
        assert con.sql("SELECT count(*) FROM facts").fetchall() == [(400,)]


def test_generator_paths_are_bound_not_pasted(tmp_path: Path) -> None:
    """A folder whose name holds a quote and SQL-looking text is just a folder to the generator."""
    folder = tmp_path / "it's'); DROP TABLE facts; --"
    inputs = generate_inputs(folder, 150, seed=3)
    assert (folder / "seeds" / "facts.csv").is_file()
    with (folder / "seeds" / "facts.csv").open(encoding="utf-8") as handle:
        assert sum(1 for _ in handle) - 1 >= 150
    assert inputs.root == folder.resolve()


def test_generator_sql_lives_in_sql_files() -> None:
    """The generator's SQL is in numbered .sql files with bound parameters, not in Python strings."""
    import hebeidb.builder.synth as synth

    scripts = sorted(p.name for p in synth.SQL_DIR.glob("*.sql"))
    assert scripts and all(re.fullmatch(r"\d{3}_[a-z_]+\.sql", name) for name in scripts)
    source = Path(synth.__file__).read_text(encoding="utf-8")
    blocks = re.findall(r'"""(.*?)"""', source, re.S)
    assert not [b for b in blocks if re.search(r"\b(SELECT|COPY|CREATE)\b", b)], "SQL in Python strings"
    for script in scripts:
        text = (synth.SQL_DIR / script).read_text(encoding="utf-8")
        assert "{" not in text.replace("{:", ""), script  # no Python formatting left in the SQL
