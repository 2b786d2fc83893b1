"""``hebeidb search``: the rows of ``Database.search`` on standard output, its notes ("did you mean", "no figure
in the record matches") on standard error."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from hebeidb.reader.database import Database

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def db_path(tmp_path: Path, built_db: Path) -> Path:
    target = tmp_path / "hebei.duckdb"
    shutil.copy(built_db, target)
    return target


def api_rows(db: Database, *args, **kwargs) -> list[dict]:
    result = db.search(*args, **kwargs)
    return [dict(zip(result.columns, row, strict=True)) for row in result.fetchall()]


def test_cli_search_json_equals_the_api(run_cli: Run, db_path: Path, db: Database) -> None:
    result = run_cli("search", "children", "with", "autism", "--numbers", "--format", "json", "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    shown = json.loads(result.stdout)
    expected = api_rows(db, "children with autism", numbers=True)
    assert [(r["match"], r["fact_id"], r["position"]) for r in shown] == [
        (r["match"], r["fact_id"], r["position"]) for r in expected
    ]
    assert shown[0]["is_inferred"] is False and shown[0]["matched"]


def test_cli_search_columns_and_width(run_cli: Run, db_path: Path, db: Database) -> None:
    result = run_cli("search", "employment", "--columns", "stated,quote", "--width", "80", "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["stated", "quote"]
    assert max(len(line) for line in lines) <= 80
    flattened = " ".join(result.stdout.split())
    for hit in api_rows(db, "employment"):
        assert " ".join(hit["quote"].split()) in flattened  # wrapped, not cut


def test_cli_search_unknown_column_is_a_usage_error(run_cli: Run, db_path: Path) -> None:
    result = run_cli("search", "autism", "--columns", "stated,nope", "--db", str(db_path))
    assert result.returncode == 2
    assert "nope" in result.stderr and "columns: " in result.stderr


def test_cli_search_without_a_figure_says_so_on_one_line(run_cli: Run, db_path: Path, article: str) -> None:
    columns = "match,quote,source_id,position,position_end"
    result = run_cli(
        "search", "How much was spent on autism?", "--format", "json", "--columns", columns, "--db", str(db_path)
    )
    assert result.returncode == 0, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("hebeidb: no figure in the record matches 'How much was spent on autism?'")
    sentences = json.loads(result.stdout)
    assert sentences and {s["match"] for s in sentences} == {"sentence"}
    for sentence in sentences:
        assert article[sentence["position"] : sentence["position_end"]] == sentence["quote"]


def test_cli_search_offers_the_records_words_for_a_misspelt_one(run_cli: Run, db_path: Path) -> None:
    result = run_cli(
        "search", "gold", "medls", "Tokyo", "--columns", "fact_id", "--format", "csv", "--db", str(db_path)
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == ["hebeidb: did you mean 'medals' for 'medls'?"]
    assert "tokyo2020_hebei_gold" in result.stdout.splitlines()[1:4]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        ([" ".join(f"w{i}" for i in range(13))], "at most 12 words"),
        (["the", "with"], "at least one word"),
        (["autism", "--limit", "0"], "limit must be an integer from 1"),
        (["autism", "--domain", "nowhere"], "no domain named 'nowhere'"),
    ],
)
def test_cli_search_refusals_are_one_line_with_exit_code_2(run_cli: Run, db_path: Path, args: list, said: str) -> None:
    result = run_cli("search", *args, "--db", str(db_path))
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert said in line and result.stdout == ""
