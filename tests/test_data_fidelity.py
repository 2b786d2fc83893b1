"""The shipped database reads the article as a statistician would: what is inferred says so and rests on
rows of the database, figures carry their stated precision and the interval it implies, time, scope and
attribution mean one thing each, and every printed figure carries its unit.

The broken-input side of each rule (a seed row breaking it fails the build at its file, line and column)
is in test_bad_inputs.py, the cases whose ids start with ``fidelity-``.
"""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import rows

import hebeidb

ARTICLE_ID = "deep_news_2026_02_10"


def fact(con: duckdb.DuckDBPyConnection, fact_id: str) -> dict[str, Any]:
    (found,) = rows(con, "SELECT * FROM facts WHERE fact_id = $id", {"id": fact_id})
    return found


def comment(con: duckdb.DuckDBPyConnection, view: str, column: str) -> str:
    (found,) = con.execute(
        "SELECT comment FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = $t AND column_name = $c",
        {"t": view, "c": column},
    ).fetchall()
    return found[0]


def contains(
    value: Decimal, low: Decimal | None, low_closed: bool | None, high: Decimal | None, high_closed: bool | None
) -> bool:
    above = low is None or value > low or (bool(low_closed) and value == low)
    below = high is None or value < high or (bool(high_closed) and value == high)
    return above and below


# --- 1. which share is which --------------------------------------------------------------------------


def test_only_gold_and_all_medals_fit_the_stated_shares(con: duckdb.DuckDBPyConnection) -> None:
    """The inference the two share facts rest on, recomputed from the medal tables."""
    tallies = {
        r["delegation"]: r
        for r in rows(con, "SELECT * FROM medal_tallies WHERE competition_id = 'beijing_2022_winter_paralympics'")
    }
    shares = {
        kind: 100 * tallies["hebei"][kind] / tallies["china"][kind] for kind in ("gold", "silver", "bronze", "total")
    }
    for fact_id in ("beijing2022_hebei_gold_share", "beijing2022_hebei_medal_share"):
        stated = fact(con, fact_id)
        fitting = [
            kind
            for kind, share in shares.items()
            if contains(
                share, stated["value_low"], stated["low_inclusive"], stated["value_high"], stated["high_inclusive"]
            )
        ]
        assert fitting == (["gold"] if fact_id.endswith("gold_share") else ["total"])
        assert stated["is_inferred"] is True
        assert stated["rounding"] == "down" and stated["precision"] == 1
        for figure in ("55.6%", "60.7%", "75%", "52.2%", "cuts, not rounds"):
            assert figure in stated["note"]


def test_the_cross_check_tests_the_shares_against_the_stated_interval(con: duckdb.DuckDBPyConnection) -> None:
    checks = rows(con, "SELECT * FROM cross_checks WHERE check_kind = 'share' ORDER BY fact_id")
    assert [(c["stated_interval"], c["verdict"]) for c in checks] == [("[55, 56)", "pass"), ("[60, 61)", "pass")]
    assert all(c["tolerance"] is None and c["inference"] for c in checks)
    assert all("exact only if both count a team medal the same way" in c["description"] for c in checks)


# --- 2. counting basis ------------------------------------------------------------------------------


def test_no_counting_basis_is_stated_without_a_source(con: duckdb.DuckDBPyConnection) -> None:
    tallies = rows(con, "SELECT * FROM medal_tallies")
    kinds = dict(con.execute("SELECT source_id, kind FROM sources").fetchall())
    for row in tallies:
        if row["counting_basis_status"] == "sourced":
            assert kinds[row["counting_basis_source_id"]] == "reference"
        else:
            assert row["counting_basis_source_id"] is None
    # The article never says how Hebei counts a team medal.
    hebei_from_article = [r for r in tallies if r["delegation"] == "hebei" and r["source_id"] == ARTICLE_ID]
    assert len(hebei_from_article) >= 5
    assert {r["counting_basis"] for r in hebei_from_article} == {"unknown"}
    # Where a basis is sourced, the tally shows it: halves at the 11th National Games.
    (sourced,) = [r for r in tallies if r["counting_basis_status"] == "sourced"]
    assert sourced["counting_basis"] == "per_event_halves"
    assert any(value % 1 == Decimal("0.5") for value in (sourced["gold"], sourced["silver"], sourced["bronze"]))


def test_the_medals_report_says_the_basis_is_unknown_and_claims_no_bound(
    con: duckdb.DuckDBPyConnection, inputs_root: Path
) -> None:
    spec = tomllib.loads((inputs_root / "queries" / "medals.toml").read_text(encoding="utf-8"))
    description = " ".join(spec["description"].split())
    assert "upper bound" not in description
    assert "unknown" in description and "half" in description
    for column in ("counting_basis", "gold", "total"):
        assert "upper bound" not in comment(con, "medal_tallies", column)
    assert "unknown" in comment(con, "medal_tallies", "counting_basis")


# --- 3. attribution ---------------------------------------------------------------------------------


def test_a_join_on_programme_does_not_credit_one_project_with_the_groups_figure(
    con: duckdb.DuckDBPyConnection,
) -> None:
    project = rows(con, "SELECT * FROM facts WHERE programme_id = 'targeted_disability_service_project'")
    assert [f["unit"] for f in project] == ["years"]  # five consecutive years, nothing in yuan
    investment = fact(con, "key_project_investment")
    assert investment["unit"] == "yuan"
    (group,) = rows(con, "SELECT * FROM programmes WHERE programme_id = $p", {"p": investment["programme_id"]})
    assert group["kind"] == "programme_group"
    members = {
        r["programme_id"]
        for r in rows(con, "SELECT * FROM programmes WHERE part_of_programme = $p", {"p": group["programme_id"]})
    }
    assert "targeted_disability_service_project" in members


def test_every_figure_the_article_states_for_a_group_belongs_to_the_group(
    con: duckdb.DuckDBPyConnection, article: str
) -> None:
    """Read off the text: a programme named after "including" or "like" inside a fact's sentence is a member."""
    programmes = rows(con, "SELECT * FROM programmes")
    checked = 0
    for f in rows(con, "SELECT * FROM facts WHERE quote IS NOT NULL"):
        sentence_start = article.rfind(". ", 0, f["quote_start"]) + 2
        sentence = article[sentence_start : f["quote_end"]].lower()
        for p in programmes:
            at = sentence.find(p["name_en"].lower())
            if at > 0 and re.search(r"\b(including|like|such as)\b[^.]*$", sentence[:at]):
                checked += 1
                (own,) = [q for q in programmes if q["programme_id"] == f["programme_id"]]
                assert own["kind"] == "programme_group", f["fact_id"]
                assert p["part_of_programme"] == own["programme_id"], f["fact_id"]
    assert checked >= 2  # the investment of the key projects and the employment of the innovative projects


# --- 4. selection vs quantity -------------------------------------------------------------------------


def test_the_population_threshold_is_an_exact_selection_criterion(con: duckdb.DuckDBPyConnection) -> None:
    threshold = fact(con, "special_school_population_threshold")
    assert (threshold["aggregation"], threshold["comparison"], threshold["qualifier"]) == ("criterion", "over", "exact")
    assert threshold["value_low"] == threshold["value_high"] == Decimal(200000)
    quota = fact(con, "public_unit_employment_quota")
    assert (quota["aggregation"], quota["comparison"], quota["value_low"], quota["value_high"]) == (
        "criterion",
        "at_least",
        Decimal(1),
        Decimal(1),
    )


def test_full_coverage_is_stored_as_100_percent(con: duckdb.DuckDBPyConnection) -> None:
    coverage = fact(con, "special_school_county_coverage")
    assert (coverage["value"], coverage["unit"], coverage["aggregation"]) == (Decimal(100), "percent", "rate")
    assert "full coverage in counties with populations over 200,000" in coverage["quote"]
    assert "counties with populations over 200,000" in coverage["label"]
    (number,) = rows(con, "SELECT * FROM numbers WHERE token = 'full'")
    assert number["fact_ids"] == "special_school_county_coverage"


# --- 5. inferences rest on the database -------------------------------------------------------------


def test_every_inference_rests_on_rows_of_the_database(con: duckdb.DuckDBPyConnection) -> None:
    inferred = {f["fact_id"] for f in rows(con, "SELECT fact_id FROM facts WHERE is_inferred")}
    assert {"ng2021_hebei_rank_total", "beijing2022_hebei_gold_share", "tdsp_key_livelihood_years"} <= inferred
    basis = rows(con, "SELECT * FROM core.inference_basis")
    assert {b["fact_id"] for b in basis} == inferred
    facts = {f for (f,) in con.execute("SELECT fact_id FROM facts").fetchall()}
    sources = {s for (s,) in con.execute("SELECT source_id FROM sources").fetchall()}
    for b in basis:
        assert (b["basis_fact_id"] in facts) if b["basis_fact_id"] else (b["basis_source_id"] in sources)


def test_the_11th_national_games_inference_cites_the_reference_it_names(con: duckdb.DuckDBPyConnection) -> None:
    note = fact(con, "ng2021_hebei_rank_total")["note"]
    cited = rows(
        con,
        "SELECT s.* FROM core.inference_basis AS b JOIN sources AS s ON s.source_id = b.basis_source_id "
        "WHERE b.fact_id = 'ng2021_hebei_rank_total' AND s.kind = 'reference' AND s.url IS NOT NULL",
    )
    assert [s["publisher"] for s in cited] == ["Hebei Economic Daily"]
    assert "Hebei Economic Daily" in note and str(cited[0]["published_on"]) in note
    tally = {
        f["indicator"]: f["value"]
        for f in rows(con, "SELECT * FROM facts WHERE source_id = $s", {"s": cited[0]["source_id"]})
    }
    assert tally == {
        "gold_medals": Decimal("123.5"),
        "silver_medals": Decimal("102"),
        "bronze_medals": Decimal("63.5"),
        "total_medals": Decimal("289"),
        "medal_rank_gold": Decimal("3"),
        "medal_rank_total": Decimal("1"),  # stated by the report itself: the article's words only link to it
    }


# --- 6. stated precision --------------------------------------------------------------------------------


def written_place(token: str) -> tuple[Decimal, bool]:
    """Place of the last digit written and whether the figure is round ("17,000", "1.3 million")."""
    scales = {"million": Decimal(10**6), "billion": Decimal(10**9)}
    match = re.fullmatch(r"([\d,]+)(?:\.(\d+))?(?:\s+(million|billion))?", token.lower())
    if match is None:
        return Decimal(1), False
    whole, decimals, scale = match.groups()
    place = Decimal(10) ** -len(decimals or "") * scales.get(scale or "", Decimal(1))
    return place, scale is not None or (not decimals and re.search(r"[1-9]0{3,}$", whole.replace(",", "")) is not None)


def test_precision_follows_the_digits_written(con: duckdb.DuckDBPyConnection) -> None:
    tokens = rows(con, "SELECT token, fact_ids FROM numbers WHERE status = 'fact'")
    seen = 0
    for token in tokens:
        place, is_round = written_place(token["token"])
        for fact_id in token["fact_ids"].split(","):
            f = fact(con, fact_id)
            if f["value"] != rows(con, "SELECT value FROM numbers WHERE token = $t", {"t": token["token"]})[0]["value"]:
                continue
            seen += 1
            if f["aggregation"] == "criterion":
                assert f["precision"] is None, f"{fact_id}: a rule's threshold is no measurement"
                continue
            assert f["precision"] >= place, fact_id
            if is_round:
                assert f["value"] % (f["precision"] * 10) != 0, f"{fact_id}: not stated to its last non-zero digit"
                assert f["value_low"] != f["value_high"], f"{fact_id}: a round figure with a zero-width interval"
    assert seen >= 40


@pytest.mark.parametrize(
    ("fact_id", "interval"),
    [
        ("autistic_children_served", ("16500", True, "18000", False)),  # "17,000": rounded or cut, convention unknown
        ("rehabilitation_person_times", ("1415000", True, "1430000", False)),  # "1.42 million"
        ("compulsory_education_enrollment_rate", ("97.45", True, "97.6", False)),  # "97.5%"
        ("new_jobs_created", ("96700", False, "96800", True)),  # "over 96,700": not to +inf
        ("handicraft_flexible_employment", ("2500", True, "3000", False)),  # "nearly 3,000": closest to 3,000
        ("key_project_investment", ("1470000000", False, "1480000000", True)),
    ],
)
def test_intervals_a_user_can_rely_on(con: duckdb.DuckDBPyConnection, fact_id: str, interval: tuple) -> None:
    f = fact(con, fact_id)
    low, low_closed, high, high_closed = interval
    assert (f["value_low"], f["low_inclusive"], f["value_high"], f["high_inclusive"]) == (
        Decimal(low),
        low_closed,
        Decimal(high),
        high_closed,
    )


def test_no_measured_figure_of_the_article_is_unbounded(con: duckdb.DuckDBPyConnection) -> None:
    open_ended = rows(
        con,
        "SELECT fact_id FROM facts WHERE source_id = $s AND aggregation <> 'criterion' "
        "AND (value_low IS NULL OR value_high IS NULL)",
        {"s": ARTICLE_ID},
    )
    assert open_ended == []
    assert rows(con, "SELECT fact_id FROM facts WHERE qualifier = 'nearly' AND value_low = 0") == []


# --- 7. stock or flow, point or span ---------------------------------------------------------------------


def test_running_totals_and_spans_are_told_apart(con: duckdb.DuckDBPyConnection) -> None:
    kinds = dict(con.execute("SELECT fact_id, aggregation FROM facts").fetchall())
    for fact_id in (
        "new_jobs_created",
        "key_project_investment",
        "accessibility_households",
        "autistic_children_served",
    ):
        assert kinds[fact_id] == "running_total"
    assert {f for f, k in kinds.items() if k == "running_total"} >= {
        f for (f,) in con.execute("SELECT fact_id FROM facts WHERE is_cumulative").fetchall()
    }
    assert {"level", "running_total", "count_over_period", "rate", "criterion"} == set(kinds.values())
    insurance = fact(con, "medical_insurance_rate")
    assert (insurance["period_kind"], insurance["period_start"]) == ("span", None)
    years = fact(con, "tdsp_key_livelihood_years")
    assert (years["period_kind"], str(years["period_start"]), years["is_inferred"]) == ("span", "2021-01-01", True)


def test_the_publication_date_is_an_upper_bound_of_the_reference_date(con: duckdb.DuckDBPyConnection) -> None:
    published = con.execute("SELECT published_on FROM sources WHERE source_id = $s", {"s": ARTICLE_ID}).fetchone()[0]
    for f in rows(con, "SELECT * FROM facts WHERE period_kind = 'as_of' AND source_id = $s", {"s": ARTICLE_ID}):
        assert f["period_end"] == published and f["period_end_is_upper_bound"] is True
    assert not rows(con, "SELECT * FROM facts WHERE period_kind = 'event' AND period_end_is_upper_bound")
    assert "upper bound" in comment(con, "facts", "period_end")


# --- 8. mixed bases ----------------------------------------------------------------------------------------


def test_region_china_means_the_country_and_its_delegation_only(con: duckdb.DuckDBPyConnection) -> None:
    delegations = set(con.execute("SELECT competition_id, region_id FROM core.delegations").fetchall())
    for f in rows(con, "SELECT * FROM facts WHERE region = 'china'"):
        assert (f["competition_id"], "china") in delegations and f["scope"] == "delegation", f["fact_id"]
    games = rows(con, "SELECT * FROM facts WHERE indicator LIKE 'games_%'")
    assert len(games) == 4 and all(g["region"] is None and g["scope"] == "competition" for g in games)


def test_the_12th_national_games_ranks_are_not_set_side_by_side(db: hebeidb.Database) -> None:
    result = db.report("medals", kind="national_games")
    names = [d[0] for d in result.description]
    found = [dict(zip(names, r, strict=True)) for r in result.fetchall()]
    twelfth = [r for r in found if r["competition_id"] == "national_games_2025"]
    assert {r["delegation"] for r in twelfth} == {"hebei", "guangdong"}
    for row in twelfth:
        assert "not comparable side by side" in row["comparison_note"]
        assert "hebei: counting basis unknown" in row["comparison_note"]
        assert "guangdong: counting basis unknown" in row["comparison_note"]


# --- 9. words as written, figures with units ----------------------------------------------------------


def test_labels_use_the_articles_words_and_keep_the_population(con: duckdb.DuckDBPyConnection, article: str) -> None:
    text = article.lower()
    labels = rows(
        con,
        "SELECT DISTINCT i.* FROM indicators AS i JOIN facts AS f ON f.indicator = i.indicator WHERE f.source_id = $s",
        {"s": ARTICLE_ID},
    )
    for indicator in labels:
        for word in re.findall(r"\b[a-z]{4,}ed\b", indicator["label"].lower()):
            assert re.search(rf"\b{word}\b", text), f"{indicator['indicator']}: {word!r} is not the article's word"
        if indicator["domain"] != "sport_results" and indicator["measure_kind"] in ("count", "amount"):
            assert indicator["population"], indicator["indicator"]
        if indicator["population"]:
            assert indicator["population"] in indicator["label"].lower()
    screening = [i for i in labels if i["indicator"] == "screening_network_counties"]
    assert "pioneered" in screening[0]["label"]
    aid = [i for i in labels if i["indicator"] == "education_financial_aid_students"]
    assert "families with financial difficulties" in aid[0]["label"]


def test_every_printed_figure_carries_its_unit(con: duckdb.DuckDBPyConnection) -> None:
    units = {u["unit_id"]: u for u in rows(con, "SELECT * FROM core.units")}
    for f in rows(con, "SELECT fact_id, unit, value, value_text, interval_text FROM facts"):
        unit = units[f["unit"]]
        suffix = unit["text_suffix_one"] if f["value"] == 1 else unit["text_suffix"]
        assert f["value_text"].startswith(tuple(filter(None, [unit["text_prefix"]]))) or f["value_text"].endswith(
            suffix or "\0"
        ), f["fact_id"]
        assert f["interval_text"].endswith(" " + unit["label"]), f["fact_id"]
    # The cross-checks print values of many units side by side: each row names its unit.
    assert not rows(con, "SELECT check_id FROM cross_checks WHERE unit IS NULL")
    assert {
        u for (u,) in con.execute("SELECT DISTINCT unit FROM cross_checks WHERE check_kind = 'share'").fetchall()
    } == {"percent"}
    texts = dict(con.execute("SELECT fact_id, value_text FROM facts").fetchall())
    assert texts["key_project_investment"] == "> 1,470,000,000 yuan"
    assert texts["medical_insurance_rate"] == "> 98%"
    assert texts["rehabilitation_person_times"] == "1,420,000 person-times"


# --- issue 14, readable output: whole counts are integers, medal counts keep one decimal ---------------

WHOLE = {"world_records", "rank_gold", "rank_total", "athletes", "sports", "events", "edition", "joint_event_edition"}


def test_whole_counts_are_integers_in_every_view_and_report(con: duckdb.DuckDBPyConnection) -> None:
    found = rows(
        con,
        "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE schema_name = 'main' "
        "AND column_name IN (SELECT unnest($names))",
        {"names": sorted(WHOLE)},
    )
    assert {r["table_name"] for r in found} >= {"medal_tallies", "competitions", "report_medals"}
    wrong = [
        (r["table_name"], r["column_name"], r["data_type"])
        for r in found
        if r["data_type"] not in ("INTEGER", "BIGINT")
    ]
    assert wrong == []


def test_medal_counts_keep_one_decimal_and_say_why(con: duckdb.DuckDBPyConnection) -> None:
    for column in ("gold", "silver", "bronze", "total"):
        (data_type,) = con.execute(
            "SELECT data_type FROM duckdb_columns() WHERE table_name = 'medal_tallies' AND column_name = $c",
            {"c": column},
        ).fetchone()
        assert data_type == "DECIMAL(7,1)"
        assert re.search(r"\bhal(f|ves)\b", comment(con, "medal_tallies", column))
