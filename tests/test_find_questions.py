"""The question set (tests/questions.toml): natural questions, several phrasings each, with the facts that
answer them; the share answered in the top three must reach the share the file states."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from hebeidb.reader.database import Database

QUESTIONS = Path(__file__).with_name("questions.toml")


@pytest.fixture(scope="module")
def questions() -> dict:
    return tomllib.loads(QUESTIONS.read_text(encoding="utf-8"))


def answered(db: Database, asked: str, answers: list[str]) -> bool:
    """Whether one of ``answers`` is among the first three facts the search shows."""
    result = db.search(asked, limit=3)
    return bool({row[1] for row in result.fetchall() if row[0] == "fact"} & set(answers))


def test_the_question_set_is_large_and_names_real_facts(db: Database, questions: dict) -> None:
    facts = {fact_id for (fact_id,) in db.sql("SELECT fact_id FROM facts").fetchall()}
    assert len(questions["question"]) >= 30
    for question in questions["question"]:
        assert len(question["asked"]) >= 2, question
        assert set(question["answers"]) <= facts, question
    assert questions["no_figure"]
    assert 0.5 < questions["top_three_share"] <= 1


def test_the_questions_are_answered_in_the_top_three(db: Database, questions: dict) -> None:
    outcomes = {
        asked: answered(db, asked, question["answers"])
        for question in questions["question"]
        for asked in question["asked"]
    }
    outcomes |= {asked: db.search(asked).no_figure is not None for q in questions["no_figure"] for asked in q["asked"]}
    share = sum(outcomes.values()) / len(outcomes)
    missed = [asked for asked, ok in outcomes.items() if not ok]
    assert share >= questions["top_three_share"], f"{share:.1%} answered; missed: {missed}"
