"""Finding facts by words: ``Database.search`` and ``hebeidb search``."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from hebeidb import ParameterError
from hebeidb.reader.database import Database
from hebeidb.reader.find import terms

Run = Callable[..., subprocess.CompletedProcess[str]]


def records(db: Database, *args, **kwargs) -> list[dict]:
    result = db.search(*args, **kwargs)
    return [dict(zip(result.columns, row, strict=True)) for row in result.fetchall()]


def texts_of(db: Database, fact_id: str) -> str:
    """Every text a fact is searched in: label, indicator, domain, programme and quote."""
    [row] = db.sql(
        """
        SELECT concat_ws(' ', f.label, replace(f.indicator, '_', ' '), f.domain, d.name, p.name_en,
                         replace(f.programme_id, '_', ' '), f.quote)
        FROM facts AS f JOIN domains AS d USING (domain) LEFT JOIN programmes AS p USING (programme_id)
        WHERE f.fact_id = $f
        """,
        {"f": fact_id},
    ).fetchall()
    return row[0].lower()


@pytest.mark.parametrize(
    ("words", "must_find"),
    [
        ("autism", ["autistic_children_served"]),
        ("children with autism", ["autistic_children_served"]),
        ("autistic children", ["autistic_children_served"]),
        ("AUTISM", ["autistic_children_served"]),
        ("flexible employment", ["handicraft_flexible_employment"]),
        ("employment", ["handicraft_flexible_employment", "new_jobs_created"]),
        ("gold medal", ["tokyo2020_hebei_gold", "ng2025_hebei_gold"]),
    ],
)
def test_words_find_their_facts(db: Database, words: str, must_find: list[str]) -> None:
    hits = records(db, words)
    found = [h["fact_id"] for h in hits]
    assert set(must_find) <= set(found)
    # Every hit holds every stem as the start of a word in one of its texts.
    for hit in hits:
        text = texts_of(db, hit["fact_id"])
        for stem in terms(words):
            assert re.search(rf"\b{stem[:-1] if stem.endswith(('y', 'e')) else stem}", text), (hit["fact_id"], stem)


def test_a_domain_word_finds_every_fact_of_the_domain(db: Database) -> None:
    expected = {fact_id for (fact_id,) in db.sql("SELECT fact_id FROM facts WHERE domain = 'employment'").fetchall()}
    assert expected
    assert expected <= {h["fact_id"] for h in records(db, "employment", limit=500)}


def test_best_matches_come_first(db: Database) -> None:
    hits = records(db, "autism")
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)
    # A word in the label outranks a word found only in the domain's name.
    by_id = {h["fact_id"]: h for h in records(db, "employment", limit=500)}
    assert by_id["handicraft_flexible_employment"]["score"] > by_id["new_jobs_created"]["score"]


def test_singular_and_plural_find_the_same_facts(db: Database) -> None:
    assert {h["fact_id"] for h in records(db, "medal")} == {h["fact_id"] for h in records(db, "medals")}
    assert {h["fact_id"] for h in records(db, "school")} == {h["fact_id"] for h in records(db, "schools")}


def test_each_hit_carries_value_unit_qualifier_period_and_quote(db: Database) -> None:
    hits = records(db, "rehabilitation")
    assert hits
    facts = {
        row[0]: row[1:] for row in db.sql("SELECT fact_id, value_text, qualifier, unit, quote FROM facts").fetchall()
    }
    for hit in hits:
        assert (hit["stated"], hit["qualifier"], hit["unit"], hit["quote"]) == facts[hit["fact_id"]]
        assert hit["period"]


def test_domain_keeps_one_domain(db: Database) -> None:
    hits = records(db, "persons", domain="education")
    assert hits
    assert {h["domain"] for h in hits} == {"education"}
    with pytest.raises(ParameterError, match="domains: "):
        db.search("persons", domain="nowhere")


def test_numbers_adds_excluded_numbers_with_their_reason(db: Database) -> None:
    plain = records(db, "edition")
    with_numbers = records(db, "edition", numbers=True)
    excluded = [h for h in with_numbers if h["match"] == "excluded number"]
    assert not [h for h in plain if h["match"] != "fact"]
    [(n_editions,)] = db.sql("SELECT count(*) FROM numbers WHERE reason_kind = 'edition'").fetchall()
    assert n_editions and len([h for h in excluded if h["reason"] == "edition"]) == n_editions
    for hit in excluded:
        assert hit["label"] and hit["reason"] and hit["stated"] in hit["quote"]


@pytest.mark.parametrize("words", ["", "   ", "the with of", "!!!"])
def test_no_words_is_refused(db: Database, words: str) -> None:
    with pytest.raises(ParameterError, match="at least one word"):
        db.search(words)


@pytest.mark.parametrize("limit", [0, -1, 10**6, True, "5"])
def test_bad_limits_are_refused(db: Database, limit: object) -> None:
    with pytest.raises(ParameterError, match="limit"):
        db.search("autism", limit=limit)  # type: ignore[arg-type]


@pytest.mark.parametrize("words", ["') OR 1=1 --", "autism'; DROP TABLE facts", "%", "_", "\\b.*"])
def test_words_never_become_sql(db: Database, words: str) -> None:
    try:
        hits = records(db, words)
    except ParameterError:
        return
    for hit in hits:
        text = texts_of(db, hit["fact_id"])
        assert all(re.search(rf"\b{stem}", text) for stem in terms(words))


def test_limit_caps_the_hits(db: Database) -> None:
    assert len(records(db, "medals", limit=3)) == 3


# --- the command ------------------------------------------------------------------------------


@pytest.fixture
def db_path(tmp_path: Path, built_db: Path) -> Path:
    target = tmp_path / "hebei.duckdb"
    shutil.copy(built_db, target)
    return target


def test_cli_search_json_equals_the_api(run_cli: Run, db_path: Path, db: Database) -> None:
    result = run_cli("search", "children", "with", "autism", "--numbers", "--format", "json", "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    assert [r["fact_id"] for r in json.loads(result.stdout)] == [
        h["fact_id"] for h in records(db, "children with autism", numbers=True)
    ]


def test_cli_search_columns_and_width(run_cli: Run, db_path: Path, db: Database) -> None:
    result = run_cli("search", "employment", "--columns", "stated,quote", "--width", "80", "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["stated", "quote"]
    assert max(len(line) for line in lines) <= 80
    flattened = " ".join(result.stdout.split())
    for hit in records(db, "employment"):
        assert " ".join(hit["quote"].split()) in flattened  # wrapped, not cut


def test_cli_search_unknown_column_is_a_usage_error(run_cli: Run, db_path: Path) -> None:
    result = run_cli("search", "autism", "--columns", "stated,nope", "--db", str(db_path))
    assert result.returncode == 2
    assert "nope" in result.stderr and "columns: " in result.stderr
