"""Which inputs ``hebeidb build`` and ``hebeidb check`` read: --inputs, else the current folder when it holds
inputs (as dbt reads the project in its folder), else the copy installed with hebeidb; the first line says which."""

from __future__ import annotations

from pathlib import Path

import hebeidb
from hebeidb.builder.inputs import Inputs


def test_a_build_in_a_project_folder_reads_its_inputs_and_says_so(run_cli, inputs_copy: Path) -> None:
    domains = inputs_copy / "seeds" / "domains.csv"
    domains.write_text(domains.read_text(encoding="utf-8").replace(",Accessibility,", ",Access for all,"), "utf-8")
    result = run_cli("build", "--db", "here.duckdb", cwd=inputs_copy)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"inputs: {inputs_copy.resolve()} (the current folder)"
    with hebeidb.open(inputs_copy / "here.duckdb") as db:
        assert db.sql("SELECT name FROM domains WHERE domain = 'accessibility'").fetchall() == [("Access for all",)]
        assert db.build_info()["inputs_origin"] == "custom"


def test_a_build_elsewhere_reads_the_installed_copy_and_says_so(run_cli, tmp_path: Path) -> None:
    result = run_cli("build", "--db", "elsewhere.duckdb", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"inputs: the copy installed with hebeidb ({Inputs.installed().root})")
    assert "--inputs DIR" in first


def test_inputs_named_on_the_command_line_win_over_the_current_folder(run_cli, inputs_copy: Path) -> None:
    tiny = Path(__file__).parent / "data" / "tiny"
    result = run_cli("check", "--inputs", str(tiny), cwd=inputs_copy)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"inputs: {tiny.resolve()} (--inputs)"
    assert "positive" in result.stdout  # the tiny data set's own check ran, not this folder's


def test_a_folder_with_only_some_inputs_is_not_taken_for_a_project(run_cli, tmp_path: Path) -> None:
    (tmp_path / "seeds").mkdir()  # a folder named seeds alone is not a set of inputs
    result = run_cli("check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("inputs: the copy installed with hebeidb")
