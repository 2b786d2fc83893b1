"""Searches the record has no figure for, and words it does not know: ``no_figure``, the closest
sentences of the stored texts, and "did you mean" from the record's own words."""

from __future__ import annotations

import pytest

from hebeidb.reader.database import Database

SPENT = "How much was spent on autism?"


def records(db: Database, *args, **kwargs) -> list[dict]:
    result = db.search(*args, **kwargs)
    return [dict(zip(result.columns, row, strict=True)) for row in result.fetchall()]


def test_a_question_without_a_figure_says_so_and_shows_the_closest_sentences(db: Database, article: str) -> None:
    result = db.search(SPENT)
    assert not result.answered
    assert result.no_figure is not None and result.no_figure.startswith("no figure in the record matches ")
    assert SPENT in result.no_figure and "\n" not in result.no_figure
    assert result.messages() == [result.no_figure]
    hits = [dict(zip(result.columns, row, strict=True)) for row in result.fetchall()]
    assert hits and {h["match"] for h in hits} == {"sentence"}
    [(body_start, body_end)] = db.sql(
        "SELECT body_start, body_end FROM core.sources WHERE source_id = 'deep_news_2026_02_10'"
    ).fetchall()
    for hit in hits:
        # Each sentence is the stored text between its offsets, whole, in the article's body.
        assert hit["source_id"] == "deep_news_2026_02_10"
        assert article[hit["position"] : hit["position_end"]] == hit["quote"]
        assert body_start <= hit["position"] < hit["position_end"] <= body_end
        assert hit["quote"][0].isupper() and hit["quote"].endswith(".")
        assert "autism" in hit["quote"].lower() and hit["matched"] == "autism"
        assert hit["fact_id"] is None and hit["stated"] is None
    assert any("17,000 children with autism" in h["quote"] for h in hits)
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)


def test_a_question_with_a_figure_shows_facts_and_no_sentence(db: Database) -> None:
    result = db.search("How many children with autism received rehabilitation?")
    assert result.answered and result.no_figure is None and result.messages() == []
    assert {row[0] for row in result.fetchall()} == {"fact"}


@pytest.mark.parametrize(
    "question",
    [
        SPENT,
        "How many wheelchairs were distributed?",
        "What is the poverty rate among disabled people?",
        "Five Ones",  # a programme the record names, with no figure of its own
    ],
)
def test_questions_without_a_figure(db: Database, question: str) -> None:
    result = db.search(question)
    assert result.no_figure is not None
    assert not [row for row in result.fetchall() if row[0] == "fact"]


def test_no_sentence_either_is_said(db: Database) -> None:
    result = db.search("zebras")
    assert result.no_figure is not None and "no sentence" in result.no_figure
    assert result.fetchall() == []


def test_the_limit_caps_the_sentences(db: Database) -> None:
    assert len(records(db, "five years", limit=2)) <= 2
    assert len([h for h in records(db, "Five Ones") if h["match"] == "sentence"]) >= 2


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("autsim", "autism"),  # two letters swapped
        ("medls", "medals"),  # one left out
        ("rehabilitaion", "rehabilitation"),
        ("Deaflimpics", "deaflympics"),
        ("paralimpics", "paralympics"),
        ("guangdongg", "guangdong"),
        ("insurrance", "insurance"),
    ],
)
def test_a_misspelt_word_gets_the_closest_words_of_the_record(db: Database, typed: str, meant: str) -> None:
    result = db.search(typed)
    assert meant in result.suggestions[typed.lower()]
    assert f"did you mean {meant!r}" in result.messages()[0]


def test_a_misspelt_word_does_not_hide_what_the_other_words_find(db: Database) -> None:
    result = db.search("gold medls Tokyo")
    assert result.suggestions == {"medls": ("medals",)}
    assert result.answered
    assert "tokyo2020_hebei_gold" in [row[1] for row in result.fetchall()[:3]]


@pytest.mark.parametrize("word", ["spent", "wheelchairs", "2031", "17"])
def test_words_and_numbers_with_no_close_word_get_no_suggestion(db: Database, word: str) -> None:
    assert db.search(f"autism {word}").suggestions == {}


def test_a_form_of_a_word_the_record_writes_otherwise_is_found(db: Database) -> None:
    # "beneficiaries" is nowhere; "benefiting" shares its first letters.
    result = db.search("beneficiaries")
    assert result.suggestions == {} and result.answered
    assert next(row[1] for row in result.fetchall()) == "persons_benefiting"
