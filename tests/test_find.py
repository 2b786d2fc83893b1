"""Finding facts by words: ``Database.search`` ranks every fact that holds a word of the search.

What a fact is searched in, how the words match (forms, ordinals, numbers, names in two languages),
how hits are ranked (BM25 over weighted fields), what each hit shows, and what is refused.
The "no figure" answer and "did you mean" are in test_find_unanswered.py, the question set in
test_find_questions.py, the command in test_cli_search.py.
"""

from __future__ import annotations

import csv
import itertools
import re
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

import hebeidb
from hebeidb import ParameterError
from hebeidb.reader.database import Database
from hebeidb.reader.find import FIELD_WEIGHTS, MAX_TERMS, terms
from hebeidb.reader.find.words import Term

# The columns a search has always shown, in this order; new columns come after them.
FIRST_COLUMNS = [
    "match", "fact_id", "label", "stated", "qualifier", "unit", "period", "quote", "domain", "indicator",
    "programme", "region", "reason", "source_id", "position", "score",
]  # fmt: skip


def records(db: Database, *args, **kwargs) -> list[dict]:
    result = db.search(*args, **kwargs)
    return [dict(zip(result.columns, row, strict=True)) for row in result.fetchall()]


def ids(db: Database, *args, **kwargs) -> list[str]:
    return [h["fact_id"] for h in records(db, *args, **kwargs) if h["match"] == "fact"]


def searched(db: Database, words: str) -> list[Term]:
    """The terms a search for ``words`` looks for, with the record's number words."""
    lexicon = {word: (value, kind) for word, value, kind in db.sql("SELECT * FROM core.number_words").fetchall()}
    return terms(words, lexicon)


def texts_of(db: Database, fact_id: str) -> str:
    """Every text a fact is searched in, from the public views, as one lower-case string."""
    [(text,)] = db.sql(
        """
        SELECT lower(concat_ws(' ', i.label_en, i.population, replace(i.indicator_id, '_', ' '), i.description,
                               u.label, replace(u.unit_id, '_', ' '), d.name_en, replace(d.domain_id, '_', ' '),
                               d.description, p.name_en, p.name_zh, p.name_zh_official, p.description,
                               replace(p.programme_id, '_', ' '),
                               (SELECT string_agg(concat_ws(' ', m.name_en, m.name_zh), ' ') FROM core.programmes AS m
                                 WHERE m.part_of_programme_id = f.programme_id),
                               c.name_en, c.official_name_en, replace(c.kind, '_', ' '), c.edition || 'th',
                               c.joint_event, year(c.start_date), year(c.end_date),
                               (SELECT string_agg(h.name_en, ' ') FROM core.competition_hosts
                                JOIN core.regions AS h USING (region_id) WHERE competition_id = f.competition_id),
                               r.name_en, r.name_zh, replace(r.region_id, '_', ' '),
                               s.title, s.publisher, f.quote, f.note, core.number_text(f.value), year(f.period_end)))
        FROM core.facts AS f
        JOIN core.indicators AS i USING (indicator_id)
        JOIN core.units AS u USING (unit_id)
        JOIN core.domains AS d USING (domain_id)
        JOIN core.sources AS s ON s.source_id = f.source_id
        LEFT JOIN core.programmes AS p ON p.programme_id = f.programme_id
        LEFT JOIN core.competitions AS c ON c.competition_id = f.competition_id
        LEFT JOIN core.regions AS r ON r.region_id = f.region_id
        WHERE f.fact_id = $f
        """,
        {"f": fact_id},
    ).fetchall()
    return text


# --- what a search finds --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "first"),
    [
        ("autism", "autistic_children_served"),
        ("children with autism", "autistic_children_served"),
        ("AUTISM", "autistic_children_served"),
        ("autism school", "autism_school_span"),
        ("flexible employment", "handicraft_flexible_employment"),
        ("medical insurance participation", "medical_insurance_rate"),
        ("special education schools", "special_education_schools"),
        ("new jobs", "new_jobs_created"),
    ],
)
def test_words_find_the_fact_they_are_about_first(db: Database, words: str, first: str) -> None:
    assert ids(db, words)[0] == first


def test_every_word_helps_and_no_word_is_required(db: Database) -> None:
    # No fact holds all of these words, yet the facts holding most of them come first.
    hits = records(db, "people with disabilities targeted support")
    assert hits[0]["fact_id"] == "persons_benefiting"
    assert set(ids(db, "autism")) < set(ids(db, "autism rehabilitation", limit=500))
    # A fact holding two of the words outranks the facts holding one.
    assert ids(db, "autism school")[0] == "autism_school_span"
    assert ids(db, "autism children")[0] == "autistic_children_served"


def test_rare_words_count_more(db: Database) -> None:
    # "hebei" is held by most facts, "autism" by two: the two come first, whatever the order of the words.
    for words in ("Hebei autism", "autism Hebei"):
        assert set(ids(db, words)[:2]) == {"autistic_children_served", "autism_school_span"}


def test_each_hit_names_the_words_it_holds(db: Database) -> None:
    for words in ("autism rehabilitation", "gold Tokyo 2020", "11th National Games", "yuan"):
        hits = [h for h in records(db, words, limit=20) if h["matched"]]
        assert hits
        for hit in hits:
            text = texts_of(db, hit["fact_id"])
            for word in hit["matched"].split(", "):
                [term] = [t for t in searched(db, words) if t.word == word]
                assert re.search(term.regex(), text), (hit["fact_id"], word)


def test_hits_come_best_first_and_limit_caps_them(db: Database) -> None:
    hits = records(db, "gold medals Hebei", limit=500)
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert len(hits) > 3
    assert len(records(db, "gold medals Hebei", limit=3)) == 3


# --- word forms, ordinals and numbers -------------------------------------------------------------


@pytest.mark.parametrize(
    "forms",
    [
        ["share", "shares", "sharing"],
        ["medal", "medals"],
        ["school", "schools"],
        ["disabled", "disability", "disabilities"],
        ["child", "children"],
        ["employ", "employed", "employment"],
        ["rehabilitate", "rehabilitated", "rehabilitation"],
        ["family", "families"],
    ],
)
def test_forms_of_a_word_find_the_same_facts(db: Database, forms: list[str]) -> None:
    found = [set(ids(db, form, limit=500)) for form in forms]
    assert found[0]
    assert all(f == found[0] for f in found[1:]), forms


@pytest.mark.parametrize(
    ("digits", "words", "competition"),
    [
        ("11th", "eleventh", "national_games_2021"),
        ("12th", "twelfth", "national_games_2025"),
        ("20th", "twentieth", "erzurum_2024_winter_deaflympics"),
        ("13th", "thirteenth", "beijing_2022_winter_paralympics"),
    ],
)
def test_ordinals_in_digits_and_words_find_the_same_competition(
    db: Database, digits: str, words: str, competition: str
) -> None:
    in_digits = records(db, f"{digits} games", limit=500)
    in_words = records(db, f"{words} games", limit=500)
    assert [h["fact_id"] for h in in_digits] == [h["fact_id"] for h in in_words]
    assert in_digits[0]["competition"] == competition
    # The ordinal is a word of its own: "11th" does not find figures of 11 or the "1" of "1.3 million".
    assert all(h["competition"] for h in in_digits if digits in h["matched"].split(", "))


@pytest.mark.parametrize(
    ("words", "first"),
    [
        ("17,000", "autistic_children_served"),
        ("17000", "autistic_children_served"),
        ("1.42 million", "rehabilitation_person_times"),
        ("96,700 jobs", "new_jobs_created"),
        ("nine world records", "tokyo2020_hebei_world_records"),
        ("9 world records", "tokyo2020_hebei_world_records"),
        ("97.5%", "compulsory_education_enrollment_rate"),
        ("by 2027", "public_unit_employment_quota"),
    ],
)
def test_numbers_find_the_facts_that_state_them(db: Database, words: str, first: str) -> None:
    assert ids(db, words)[0] == first


def test_a_number_does_not_match_inside_another(db: Database) -> None:
    # 17 is a figure of no fact and stands alone in no text: "17,000" and "1.7" do not hold it.
    found = ids(db, "17", limit=500)
    assert "autistic_children_served" not in found


# --- every name in the record -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "column", "value"),
    [
        ("Erzurum", "competition", "erzurum_2024_winter_deaflympics"),  # a host
        ("13th Winter Paralympic Games", "competition", "beijing_2022_winter_paralympics"),  # an official name
        ("winter deaflympics", "competition", "erzurum_2024_winter_deaflympics"),  # a kind
        ("Special Olympics", "competition", "national_games_2025"),  # a joint event
        ("Beijing 2022", "competition", "beijing_2022_winter_paralympics"),
        ("Paris Paralympics", "competition", "paris_2024_paralympics"),
        ("Hundred Counties, Thousand Products", "programme", "innovative_employment_projects"),  # a member's name
        ("百县千品", "programme", "innovative_employment_projects"),  # its Chinese name
        ("Targeted Disability Service Project", "programme", "key_projects"),
        ("Baoding", "region", "baoding"),
        ("保定", "region", "baoding"),
        ("Guangdong", "region", "guangdong"),
        ("yuan", "unit", "yuan"),
        ("person-times", "unit", "person_times"),
        ("Xinhua", "source_id", "xinhua_2021_09_06_tokyo_2020"),  # a publisher
        ("Hebei Economic Daily", "source_id", "hebei_economic_daily_2023_10_11"),
        ("world records broken", "indicator", "world_records_broken"),
        ("social security", "domain", "social_security"),
    ],
)
def test_every_name_in_the_record_is_searched(db: Database, words: str, column: str, value: str) -> None:
    hits = records(db, words, limit=3)
    assert value in [h[column] for h in hits]


# --- what each hit shows ----------------------------------------------------------------------


def test_the_columns_a_search_always_showed_come_first(db: Database) -> None:
    columns = db.search("autism").columns
    assert columns[: len(FIRST_COLUMNS)] == FIRST_COLUMNS
    assert {"is_inferred", "note", "competition", "position_end", "matched"} <= set(columns[len(FIRST_COLUMNS) :])


def test_each_hit_carries_value_unit_qualifier_period_quote_and_whether_inferred(db: Database) -> None:
    hits = records(db, "Beijing 2022 share gold", limit=500)
    assert hits
    facts = {
        row[0]: row[1:]
        for row in db.sql(
            "SELECT fact_id, value_text, qualifier, unit, quote, is_inferred, note, quote_start, quote_end FROM facts"
        ).fetchall()
    }
    for hit in hits:
        shown = (hit["stated"], hit["qualifier"], hit["unit"], hit["quote"], hit["is_inferred"], hit["note"])
        assert (*shown, hit["position"], hit["position_end"]) == facts[hit["fact_id"]]
        assert hit["period"]
    # The Beijing shares are inferred (which total they are of), and say why.
    shares = {h["fact_id"]: h for h in hits if h["fact_id"].endswith("_share")}
    assert set(shares) == {"beijing2022_hebei_gold_share", "beijing2022_hebei_medal_share"}
    assert all(h["is_inferred"] and h["note"] for h in shares.values())
    assert not any(h["is_inferred"] for h in hits if h["fact_id"] == "beijing2022_hebei_gold")


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
    assert not [h for h in plain if h["match"] == "excluded number"]
    [(n_editions,)] = db.sql("SELECT count(*) FROM numbers WHERE reason_kind = 'edition'").fetchall()
    assert n_editions and len([h for h in excluded if h["reason"] == "edition"]) == n_editions
    for hit in excluded:
        assert hit["label"] and hit["reason"] and hit["stated"] in hit["quote"] and hit["matched"] == "edition"


# --- ranking, on a record made for it -----------------------------------------------------------

WORD = "remained"  # in the article's quote of medical_insurance_rate, and in no other text of a fact


@pytest.fixture(scope="module")
def crafted(tmp_path_factory: pytest.TempPathFactory, inputs_root: Path) -> Iterator[Database]:
    """The record with WORD added to one indicator's label (total_medals) and one region's name (Baoding, which
    hosted no competition: a host's name is a name of its competitions too)."""
    root = tmp_path_factory.mktemp("crafted") / "inputs"
    for name in ("schema", "seeds", "queries", "checks"):
        shutil.copytree(inputs_root / name, root / name)
    _append_word(root / "seeds" / "indicators.csv", "indicator_id", "total_medals", "label_en")
    _append_word(root / "seeds" / "regions.csv", "region_id", "baoding", "name_en")
    path = hebeidb.build(root.parent / "crafted.duckdb", inputs=root)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the inputs are not the installed ones
        database = hebeidb.open(path)
    with database:
        yield database


def _append_word(path: Path, key: str, value: str, column: str) -> None:
    with path.open(encoding="utf-8", newline="") as file:
        table = list(csv.DictReader(file))
    [row] = [row for row in table if row[key] == value]
    row[column] += f" {WORD}"
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)


def test_a_word_in_the_label_outranks_a_name_which_outranks_a_quote(crafted: Database) -> None:
    hits = records(crafted, WORD, limit=500)
    holding = [h for h in hits if h["matched"] == WORD]
    by_field = [
        "label" if h["indicator"] == "total_medals" else "region" if h["region"] == "baoding" else "quote"
        for h in holding
    ]
    # Five totals hold it in their label, the autism school's span in its region, one fact in its quote.
    assert by_field == ["label"] * 5 + ["region"] + ["quote"]
    assert holding[-1]["fact_id"] == "medical_insurance_rate"
    assert len({h["score"] for h in holding}) == 3
    # Facts whose descriptions or notes alone hold a form of it ("remain") come after them all.
    assert hits[: len(holding)] == holding
    assert FIELD_WEIGHTS["label"] > FIELD_WEIGHTS["region"] > FIELD_WEIGHTS["quote"]


def test_a_second_word_lifts_a_fact_above_the_better_field_of_one(crafted: Database) -> None:
    # The school's span holds both words (in its region's name); the totals hold only the one, in their label.
    assert ids(crafted, f"{WORD} baoding")[0] == "autism_school_span"
    assert ids(crafted, f"{WORD} schooling")[0] == "autism_school_span"


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


@pytest.fixture(scope="module")
def fields_crafted(tmp_path_factory: pytest.TempPathFactory, inputs_root: Path) -> Iterator[tuple[Database, dict]]:
    """The record with WORD added to one indicator's label, one programme's name and one domain's name, chosen
    so that no fact holds it in two of them nor in a quote (WORD's one quote stays): each fact holding it holds
    it in one field. Yields the database and, for each field, the facts that hold WORD there."""
    root = tmp_path_factory.mktemp("fields") / "inputs"
    for name in ("schema", "seeds", "queries", "checks"):
        shutil.copytree(inputs_root / name, root / name)
    seeds = root / "seeds"
    facts, programmes = _csv(seeds / "facts.csv"), _csv(seeds / "programmes.csv")
    domain_of = {row["indicator_id"]: row["domain_id"] for row in _csv(seeds / "indicators.csv")}
    label_of = {row["indicator_id"]: row["label_en"] for row in _csv(seeds / "indicators.csv")}
    [quoted] = [row for row in facts if re.search(rf"\b{WORD}\b", row["quote"], re.I)]
    taken_domains = {domain_of[quoted["indicator_id"]]}
    # The label: the shortest among indicators whose facts are not the quoted fact's domain.
    indicator = min(
        (i for i in {row["indicator_id"] for row in facts} if domain_of[i] not in taken_domains),
        key=lambda i: (len(label_of[i].split()), i),
    )
    taken_domains.add(domain_of[indicator])
    # The programme: one of its own (no member, no group), whose facts are in other domains.
    groups = {row["part_of_programme_id"] for row in programmes} | {
        row["programme_id"] for row in programmes if row["part_of_programme_id"]
    }
    programme = next(
        p["programme_id"]
        for p in programmes
        if p["programme_id"] not in groups
        and (held := [row for row in facts if row["programme_id"] == p["programme_id"]])
        and not {domain_of[row["indicator_id"]] for row in held} & taken_domains
        and quoted not in held
    )
    taken_domains |= {domain_of[row["indicator_id"]] for row in facts if row["programme_id"] == programme}
    domain = next(d for d in sorted({domain_of[row["indicator_id"]] for row in facts}) if d not in taken_domains)
    _append_word(seeds / "indicators.csv", "indicator_id", indicator, "label_en")
    _append_word(seeds / "programmes.csv", "programme_id", programme, "name_en")
    _append_word(seeds / "domains.csv", "domain_id", domain, "name_en")
    holders = {
        "label": {row["fact_id"] for row in facts if row["indicator_id"] == indicator},
        "programme": {row["fact_id"] for row in facts if row["programme_id"] == programme},
        "domain": {row["fact_id"] for row in facts if domain_of[row["indicator_id"]] == domain},
        "quote": {quoted["fact_id"]},
    }
    path = hebeidb.build(root.parent / "fields.duckdb", inputs=root)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the inputs are not the installed ones
        database = hebeidb.open(path)
    with database:
        yield database, holders


def test_a_label_outranks_a_programme_which_outranks_a_domain_which_outranks_a_quote(fields_crafted) -> None:
    """docs/search.md: a word in a fact's label weighs most, then its programme, then its domain, then its quote."""
    db, holders = fields_crafted
    field_of = {fact: field for field, facts in holders.items() for fact in facts}
    assert all(holders.values()) and len(field_of) == sum(map(len, holders.values()))  # one field per fact
    hits = [h for h in records(db, WORD, limit=500) if h["matched"] == WORD]
    assert {h["fact_id"] for h in hits} == set(field_of)
    order = [field_of[h["fact_id"]] for h in hits]
    assert order == sorted(order, key=list(holders).index), order
    scores = {field: [h["score"] for h in hits if field_of[h["fact_id"]] == field] for field in holders}
    for higher, lower in itertools.pairwise(holders):
        assert min(scores[higher]) > max(scores[lower]), (higher, lower, scores)


# --- what is refused ----------------------------------------------------------------------------


@pytest.mark.parametrize("words", ["", "   ", "the with of", "how many were there?", "!!!", []])
def test_no_words_is_refused(db: Database, words: object) -> None:
    with pytest.raises(ParameterError, match="at least one word"):
        db.search(words)  # type: ignore[arg-type]


def test_too_many_words_are_refused_before_any_query_runs(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_query(*args: object, **kwargs: object) -> None:
        raise AssertionError("a query ran")

    monkeypatch.setattr(db, "_rows", no_query)
    monkeypatch.setattr(db, "_run", no_query)
    words = " ".join(f"word{i}" for i in range(MAX_TERMS + 1))
    with pytest.raises(ParameterError, match=f"at most {MAX_TERMS} words"):
        db.search(words)
    with pytest.raises(ParameterError, match="at most 1000 characters"):
        db.search("autism " * 200)
    with pytest.raises(ParameterError, match="at most"):
        db.search(["autism"] * 2 + [f"w{i}" for i in range(MAX_TERMS)])


@pytest.mark.parametrize("limit", [0, -1, 10**6, True, "5", 2.5, None])
def test_bad_limits_are_refused(db: Database, limit: object) -> None:
    with pytest.raises(ParameterError, match="limit"):
        db.search("autism", limit=limit)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "refused"),
    [
        ({"words": 17}, "words"),
        ({"words": b"autism"}, "words"),
        ({"words": ["autism", 3]}, "each word"),
        ({"words": "autism", "numbers": "yes"}, "numbers"),
        ({"words": "autism", "domain": 3}, "domain"),
        ({"words": "autism", "timeout": "soon"}, "timeout"),
    ],
)
def test_arguments_of_the_wrong_type_are_refused(db: Database, kwargs: dict, refused: str) -> None:
    with pytest.raises(ParameterError, match=refused):
        db.search(**kwargs)


@pytest.mark.parametrize("words", ["') OR 1=1 --", "autism'; DROP TABLE facts", "%", "_", "\\b.*", "$limit", "a%b_c"])
def test_words_never_become_sql(db: Database, words: str) -> None:
    try:
        hits = records(db, words)
    except ParameterError:
        return
    for hit in hits:
        if hit["match"] == "fact" and hit["matched"]:
            text = texts_of(db, hit["fact_id"])
            held = hit["matched"].split(", ")
            assert all(re.search(t.regex(), text) for t in searched(db, words) if t.word in held)


def test_limit_caps_the_hits(db: Database) -> None:
    assert len(records(db, "medals", limit=3)) == 3
