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


# === second reading: time, comparisons and words as a statistician would store them ====================
# Each class below is a rule of docs/conventions.md; its broken-input side (a seed row breaking it fails the
# build at its file, line and column) is in test_bad_inputs.py, the cases whose ids start with ``fidelity2-``.


def published(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    return dict(con.execute("SELECT source_id, published_on FROM sources").fetchall())


# --- 1. a figure whose date is not stated has no year ---------------------------------------------------


def test_a_figure_has_a_year_exactly_when_its_source_dates_it(con: duckdb.DuckDBPyConnection) -> None:
    dates = published(con)
    facts = rows(con, "SELECT * FROM facts")
    undated = [f for f in facts if f["period_end_is_upper_bound"]]
    assert len(undated) == 20  # every article figure without a reference date
    for f in facts:
        assert f["latest_year"] == f["period_end"].year, f["fact_id"]  # never NULL: what an export partitions by
        if f["period_end_is_upper_bound"]:
            # reported by the publication date, which the quote does not write: the year is unknown
            assert f["year"] is None and f["period_end"] == dates[f["source_id"]], f["fact_id"]
            assert str(f["period_end"].year) not in (f["quote"] or ""), f["fact_id"]
        else:
            assert f["year"] == f["period_end"].year, f["fact_id"]
    kinds = {f["period_kind"] for f in undated}
    assert kinds == {"as_of", "span"}  # levels, running totals and spans up to the present alike


@pytest.mark.parametrize(
    ("fact_id", "year", "latest_year"),
    [
        ("new_jobs_created", None, 2026),  # "over 96,700 new ... jobs have been created": no year
        ("special_education_schools", None, 2026),  # "The province now has 163": a level, no year
        ("medical_insurance_rate", None, 2026),  # "for an extended period": a span of unknown dates
        ("tdsp_key_livelihood_years", None, 2026),  # "for five consecutive years" up to the present
        ("ng2025_hebei_gold", 2025, 2025),  # the dates of the games
        ("public_unit_employment_quota", 2027, 2027),  # "by 2027"
        ("ng2021_hebei_rank_total_reference", 2021, 2021),  # a reference fact, dated by its games
    ],
)
def test_the_year_and_its_bound(
    con: duckdb.DuckDBPyConnection, fact_id: str, year: int | None, latest_year: int
) -> None:
    f = fact(con, fact_id)
    assert (f["year"], f["latest_year"]) == (year, latest_year)


@pytest.mark.parametrize(
    ("params", "kept", "left_out"),
    [
        ({"since": 2026}, [], ["new_jobs_created", "special_education_schools", "tdsp_key_livelihood_years"]),
        ({"since": 2027}, ["public_unit_employment_quota"], ["new_jobs_created"]),
        ({"since": 2021}, ["tdsp_key_livelihood_years", "ng2025_hebei_gold"], ["new_jobs_created"]),
        ({"until": 2025}, ["ng2025_hebei_gold", "tdsp_key_livelihood_years"],
         ["new_jobs_created", "handicraft_flexible_employment"]),
        ({"until": 2026}, ["new_jobs_created", "special_education_schools", "medical_insurance_rate"],
         ["public_unit_employment_quota"]),
        ({"since": 2022, "until": 2026}, ["ng2025_hebei_gold"], ["tokyo2020_hebei_gold", "new_jobs_created"]),
    ],
)  # fmt: skip
def test_year_filters_keep_what_is_known_to_be_in_range(
    db: hebeidb.Database, params: dict[str, int], kept: list[str], left_out: list[str]
) -> None:
    result = db.report("indicators", **params)
    names = [d[0] for d in result.description]
    found = {r[names.index("fact_id")]: dict(zip(names, r, strict=True)) for r in result.fetchall()}
    assert set(kept) <= set(found), params
    assert not set(left_out) & set(found), params
    if "since" in params:  # a figure only reported by a date, with no known start, never counts for a year
        assert not [f for f in found.values() if f["period_end_is_upper_bound"] and f["period_start"] is None]


def test_the_year_rule_is_said_in_the_parameter_help(db: hebeidb.Database) -> None:
    spec = db.report_spec("indicators")
    helps = {p.name: p.help for p in spec.parameters}
    assert "no stated date" in helps["since"] and "reported by" in helps["until"]
    assert "year" in comment_of(db, "facts", "year") and "NULL" in comment_of(db, "facts", "year")
    assert "Never NULL" in comment_of(db, "facts", "latest_year")


def comment_of(db: hebeidb.Database, view: str, column: str) -> str:
    (found,) = db._connection.execute(
        "SELECT comment FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = $t AND column_name = $c",
        {"t": view, "c": column},
    ).fetchall()
    return found[0]


@pytest.mark.parametrize(
    ("fact_id", "aggregation", "upper_bound"),
    [
        ("new_jobs_created", "running_total", True),  # 96,700 new jobs: accumulated up to a date
        ("special_education_schools", "level", True),  # 163 schools: a stock
        ("designated_rehabilitation_institutions", "running_total", True),  # established: not a stock
        ("ng2025_hebei_athletes", "count_over_period", False),
        ("medical_insurance_rate", "rate", True),
        ("public_unit_employment_quota", "criterion", False),
    ],
)
def test_the_indicators_report_says_what_kind_of_figure_and_of_date(
    db: hebeidb.Database, fact_id: str, aggregation: str, upper_bound: bool
) -> None:
    result = db.report("indicators")
    names = [d[0] for d in result.description]
    (row,) = [dict(zip(names, r, strict=True)) for r in result.fetchall() if r[names.index("fact_id")] == fact_id]
    assert (row["aggregation"], row["period_end_is_upper_bound"]) == (aggregation, upper_bound)
    assert (row["year"] is None) is upper_bound


# --- 2. what comes from a reference cites it in its own column ---------------------------------------------


def test_every_programme_period_cites_its_own_source(con: duckdb.DuckDBPyConnection) -> None:
    kinds = dict(con.execute("SELECT source_id, kind FROM sources").fetchall())
    dated = rows(con, "SELECT * FROM programmes WHERE period_start IS NOT NULL OR period_end IS NOT NULL")
    assert {p["programme_id"] for p in dated} == {"fifteenth_five_year_plan", "public_institution_employment_quota"}
    for p in dated:
        assert p["period_source_id"] is not None and p["period_precision"] is not None, p["programme_id"]
        assert p["source_id"] == ARTICLE_ID  # the quote stays the article's words that name it
        if kinds[p["period_source_id"]] == "document":  # then the years stand in the quote
            for day in (p["period_start"], p["period_end"]):
                assert day is None or str(day.year) in p["quote"], p["programme_id"]
        else:
            assert not any(str(d.year) in p["quote"] for d in (p["period_start"], p["period_end"]) if d)
    plan = next(p for p in dated if p["programme_id"] == "fifteenth_five_year_plan")
    assert (plan["period_source_id"], kinds[plan["period_source_id"]]) == ("compiled_reference_facts", "reference")
    undated = rows(con, "SELECT * FROM programmes WHERE period_start IS NULL AND period_end IS NULL")
    assert all(p["period_source_id"] is None and p["period_precision"] is None for p in undated)


def test_what_a_row_credits_to_the_article_stands_in_it(con: duckdb.DuckDBPyConnection, article: str) -> None:
    # Chinese names: the English article writes none, so each cites a reference.
    kinds = dict(con.execute("SELECT source_id, kind FROM sources").fetchall())
    named = rows(
        con,
        "SELECT name_zh, name_zh_source_id AS source FROM regions AS r JOIN core.regions USING (name_zh) "
        "WHERE r.name_zh IS NOT NULL UNION ALL "
        "SELECT name_zh, name_zh_source_id FROM programmes WHERE name_zh IS NOT NULL",
    )
    assert len(named) >= 5
    for n in named:
        assert kinds[n["source"]] == "reference" or n["name_zh"] in article
    # Competition dates credited to the article are written in it: its numbers are date exclusions of the games.
    for c in rows(con, "SELECT * FROM competitions WHERE source_id = $s", {"s": ARTICLE_ID}):
        written = {
            v
            for (v,) in con.execute(
                "SELECT value FROM numbers WHERE exclusion_id IN "
                "(SELECT exclusion_id FROM core.exclusions WHERE competition_id = $c AND reason_kind = 'date')",
                {"c": c["competition_id"]},
            ).fetchall()
        }
        wanted = {c["start_date"].day, c["end_date"].day, c["start_date"].year, c["end_date"].year}
        assert wanted <= written, c["competition_id"]


# --- 3. stated and computed shares stand apart, side by side ---------------------------------------------


def test_stated_shares_are_kept_apart_from_computed_ones(db: hebeidb.Database) -> None:
    result = db.report("medals")
    names = [d[0] for d in result.description]
    for kind in ("gold", "total"):  # each stated column stands right after its computed one
        assert names.index(f"share_of_national_{kind}_stated") == names.index(f"share_of_national_{kind}") + 1
    found = [dict(zip(names, r, strict=True)) for r in result.fetchall()]
    stated = {
        (f["competition_id"], f["region"], f["indicator"]): f
        for f in rows(db._connection, "SELECT * FROM facts WHERE measure_kind = 'share'")
    }
    with_stated = [r for r in found if r["share_of_national_gold_stated"] is not None]
    assert [(r["competition_id"], r["delegation"]) for r in with_stated] == [
        ("beijing_2022_winter_paralympics", "hebei")
    ]
    for row in found:
        for kind, indicator in (("gold", "share_of_national_gold"), ("total", "share_of_national_medals")):
            source = stated.get((row["competition_id"], row["delegation"], indicator))
            assert row[f"share_of_national_{kind}_stated"] == (source["value"] if source else None)
            if source is not None:
                computed = row[f"share_of_national_{kind}"]
                assert computed != source["value"]  # 55.6 beside 55, 60.7 beside 60
                assert contains(computed, source["value_low"], source["low_inclusive"], source["value_high"],
                                source["high_inclusive"])  # fmt: skip
    hebei = with_stated[0]
    assert (float(hebei["share_of_national_gold"]), float(hebei["share_of_national_total"])) == (55.6, 60.7)
    # The other games' shares are computed only, and say so.
    for row in found:
        if row["share_of_national_gold"] is not None and row["share_of_national_gold_stated"] is None:
            assert row["share_note"].startswith("computed from the tallies;")


def test_medal_tallies_keep_the_stated_shares_of_the_whole_they_are_part_of(con: duckdb.DuckDBPyConnection) -> None:
    tallies = rows(con, "SELECT * FROM medal_tallies WHERE stated_share_of_gold IS NOT NULL")
    assert [(t["delegation"], t["part_of_delegation"]) for t in tallies] == [("hebei", "china")]
    (t,) = tallies
    assert (t["stated_share_of_gold"], t["stated_share_of_total"]) == (Decimal(55), Decimal(60))
    assert "as a source states it" in comment(con, "medal_tallies", "stated_share_of_gold")


# --- 4. checks between claims, apart from a fact's consistency with itself ----------------------------------


def test_every_cross_check_says_whether_it_compares_claims(con: duckdb.DuckDBPyConnection) -> None:
    checks = rows(con, "SELECT * FROM cross_checks")
    for c in checks:
        assert c["check_scope"] == ("within_fact" if c["check_kind"] == "interval" else "between_claims"), c["check_id"]
    within = [c for c in checks if c["check_scope"] == "within_fact"]
    assert {c["fact_id"] for c in within} == {f for (f,) in con.execute("SELECT fact_id FROM facts").fetchall()}
    between = {c["check_kind"] for c in checks if c["check_scope"] == "between_claims"}
    assert between == {"medal_sum", "share", "part_of_whole", "repeat", "agreement"}


def test_the_build_summary_counts_the_two_scopes_apart(inputs_root: Path, con: duckdb.DuckDBPyConnection) -> None:
    from hebeidb.builder import check_inputs

    counts = dict(con.execute("SELECT check_scope, count(*) FROM cross_checks GROUP BY ALL").fetchall())
    summary = check_inputs(inputs_root).summary()
    (line,) = [line for line in summary.splitlines() if line.startswith("cross-checks:")]
    assert line == (
        f"cross-checks: {counts['between_claims']} between claims passed; "
        f"{counts['within_fact']} of a fact against its own interval passed"
    )
    assert counts["between_claims"] < counts["within_fact"]


# --- 5. a province's tally is part of its national delegation's --------------------------------------------


def test_a_province_at_international_games_is_part_of_its_national_delegation(
    con: duckdb.DuckDBPyConnection,
) -> None:
    levels = dict(con.execute("SELECT region, level FROM regions").fetchall())
    parents = dict(con.execute("SELECT region, parent_region FROM regions").fetchall())
    tallies = rows(con, "SELECT * FROM medal_tallies")
    keys = {(t["competition_id"], t["delegation"]) for t in tallies}
    parts = 0
    for t in tallies:
        international = t["kind"] != "national_games"
        if international and levels[t["delegation"]] != "country":
            parts += 1
            assert t["part_of_delegation"] is not None, t
        if t["part_of_delegation"] is None:
            assert t["medal_table"] != "provincial_count"
            continue
        # the whole is a delegation at the same games, of a region that encloses the part
        assert (t["competition_id"], t["part_of_delegation"]) in keys
        ancestors, region = set(), t["delegation"]
        while parents.get(region):
            region = parents[region]
            ancestors.add(region)
        assert t["part_of_delegation"] in ancestors
        assert t["medal_table"] == "provincial_count"
        assert t["comparable"] is False and t["comparison_note"].startswith(f"part of {t['part_of_delegation']}'s")
    assert parts == 4
    # China's rows have no peer there: nothing to compare side by side.
    assert {t["comparable"] for t in tallies if t["delegation"] == "china"} == {None}
    assert {t["medal_table"] for t in tallies if t["delegation"] == "china"} == {"games"}


# --- 6. rounding: the union of the readings where the convention is unknown --------------------------------


def test_rounding_is_a_single_reading_only_where_a_cross_check_shows_it(con: duckdb.DuckDBPyConnection) -> None:
    facts = rows(con, "SELECT * FROM facts WHERE qualifier = 'exact' AND rounding <> 'none'")
    assert {f["rounding"] for f in facts} == {"nearest_or_down", "down"}
    for f in facts:
        v, p = f["value"], f["precision"]
        nearest = (v - p / 2, True, v + p / 2, False)
        down = (v, True, v + p, False)
        if f["rounding"] == "nearest_or_down":
            expected = (v - p / 2, True, v + p, False)  # the union of both readings
            assert f["rounding_reason"].startswith("convention unknown"), f["fact_id"]
        else:
            expected = down
            computed = [
                c["computed_value"]
                for c in rows(con, "SELECT * FROM cross_checks WHERE fact_id = $f", {"f": f["fact_id"]})
                if c["check_scope"] == "between_claims"
            ]
            # what shows the reading: a check against other claims that cutting passes and rounding fails
            assert any(contains(x, *down) and not contains(x, *nearest) for x in computed), f["fact_id"]
            assert f["rounding_reason"].startswith("shown by a cross-check"), f["fact_id"]
        assert (f["value_low"], f["low_inclusive"], f["value_high"], f["high_inclusive"]) == expected, f["fact_id"]
    assert {f["fact_id"] for f in facts if f["rounding"] == "nearest_or_down"} >= {
        "autistic_children_served",  # "17,000"
        "rehabilitation_person_times",  # "1.42 million"
        "compulsory_education_enrollment_rate",  # "97.5%"
    }


# --- 7. one-sided qualifiers and their reach -------------------------------------------------------------


def test_every_qualifier_prints_the_side_it_bounds(con: duckdb.DuckDBPyConnection) -> None:
    for q in rows(con, "SELECT * FROM core.qualifiers"):
        if q["low_from_value"] and q["high_from_value"]:
            assert q["symbol"] == "=" and q["reach"] is None
        elif q["low_from_value"]:
            assert q["symbol"] == ("≥" if q["low_inclusive"] else ">"), q["qualifier"]
        elif q["high_from_value"]:
            assert q["symbol"] == ("≤" if q["high_inclusive"] else "<"), q["qualifier"]
        else:
            assert q["symbol"] == "~", q["qualifier"]
    assert not rows(con, "SELECT * FROM core.qualifiers WHERE symbol = '≈'")


def test_qualified_intervals_follow_the_qualifiers_reach(con: duckdb.DuckDBPyConnection) -> None:
    qualifiers = {q["qualifier"]: q for q in rows(con, "SELECT * FROM core.qualifiers")}
    qualified = rows(con, "SELECT * FROM facts WHERE qualifier <> 'exact'")
    assert {f["qualifier"] for f in qualified} >= {"over", "nearly", "above", "exceeding", "surpassing"}
    for f in qualified:
        q, v, p = qualifiers[f["qualifier"]], f["value"], f["precision"]
        assert f["value_text"].startswith(q["symbol"] + " "), f["fact_id"]
        if q["low_from_value"]:
            assert (f["value_low"], f["low_inclusive"]) == (v, q["low_inclusive"]), f["fact_id"]
        else:
            assert (f["value_low"], f["low_inclusive"]) == (v - q["reach"] * p, True), f["fact_id"]
        if q["high_from_value"]:
            assert (f["value_high"], f["high_inclusive"]) == (v, q["high_inclusive"]), f["fact_id"]
        else:
            assert f["value_high"] == min(v + q["reach"] * p, Decimal(100) if f["unit"] == "percent" else v + p)
    nearly = fact(con, "handicraft_flexible_employment")
    assert (nearly["value_text"], nearly["interval_text"]) == ("< 3,000 persons", "[2500, 3000) persons")


# --- 8. labels say exactly what was measured --------------------------------------------------------------

DONE = ("establish", "creat", "provid", "graduat", "receiv", "help")


def test_a_figure_of_things_done_is_a_running_total_named_by_what_was_done(con: duckdb.DuckDBPyConnection) -> None:
    seen = set()
    for f in rows(con, "SELECT * FROM facts WHERE quote IS NOT NULL"):
        quote = f["quote"].lower()
        before = quote[: f["value_start"] - f["quote_start"]]
        stems = [stem for stem in DONE if re.search(rf"\b{stem}", quote)]
        if not stems:
            continue
        # the word nearest before the number, else the first after it
        earlier = [stem for stem in stems if stem in before]
        stem = max(earlier, key=before.rfind) if earlier else min(stems, key=quote.find)
        seen.add(stem)
        assert f["aggregation"] in ("running_total", "count_over_period"), f["fact_id"]
        assert stem in f["label"].lower(), f"{f['fact_id']}: the label does not say it was {stem}ed"
    assert seen == set(DONE)
    institutions = fact(con, "designated_rehabilitation_institutions")
    assert (institutions["aggregation"], institutions["label"]) == (
        "running_total",
        "Designated rehabilitation institutions established through the key projects",
    )


def test_labels_write_possessives_as_the_article_does(con: duckdb.DuckDBPyConnection, article: str) -> None:
    text = article.lower()
    for label, indicator in con.execute(
        "SELECT DISTINCT label, indicator FROM facts WHERE source_id = $s", {"s": ARTICLE_ID}
    ).fetchall():
        for word in re.findall(r"\b([a-z]{3,})s\b", label.lower()):
            if f"{word}'s" in text:
                assert re.search(rf"\b{word}s\b", text), f"{indicator}: {word}s for the article's {word}'s"
    shares = dict(con.execute("SELECT indicator, label FROM indicators WHERE measure_kind = 'share'").fetchall())
    assert all("the Chinese delegation's" in label for label in shares.values()) and len(shares) == 2


def test_a_rate_is_described_of_no_population_the_article_does_not_give(con: duckdb.DuckDBPyConnection) -> None:
    rates = rows(
        con,
        "SELECT DISTINCT i.* FROM indicators AS i JOIN facts AS f ON f.indicator = i.indicator "
        "WHERE i.measure_kind = 'rate' AND f.source_id = $s",
        {"s": ARTICLE_ID},
    )
    assert len(rates) >= 4
    for rate in rates:
        if rate["population"] is None:
            assert not re.match(r"(share|percentage|proportion) of ", rate["description"].lower()), rate["indicator"]
        else:
            assert rate["population"] in rate["description"].lower(), rate["indicator"]
    coverage = next(r for r in rates if r["indicator"] == "basic_rehabilitation_coverage_rate")
    assert "in need" not in coverage["description"]


# --- 9. a phrase is not a number -----------------------------------------------------------------------------


def test_an_ordinal_of_occurrence_is_a_milestone_never_a_value(con: duckdb.DuckDBPyConnection, article: str) -> None:
    numbers = rows(con, "SELECT * FROM numbers")
    milestones = [n for n in numbers if re.match(r"\s+times?\b", article[n["token_end"] : n["token_end"] + 6])]
    assert [n["token"] for n in milestones] == ["first"]
    for n in milestones:
        assert (n["status"], n["reason_kind"], n["fact_ids"]) == ("excluded", "milestone", None)
        (exclusion,) = rows(con, "SELECT * FROM core.exclusions WHERE exclusion_id = $e", {"e": n["exclusion_id"]})
        assert exclusion["fact_id"] == "ng2021_hebei_rank_total"  # the fact it is said of
    # The rank 1 is stated by "topping", a word that states a rank, as "full" states 100%.
    (topping,) = [n for n in numbers if n["token"] == "topping"]
    assert (topping["value"], topping["fact_ids"]) == (1, "ng2021_hebei_rank_total")
    assert fact(con, "ng2021_hebei_rank_total")["value_start"] == topping["token_start"]
    # No excluded number states a value.
    assert not [n for n in numbers if n["status"] == "excluded" and n["fact_ids"]]


# --- 10. inference at the right grain ---------------------------------------------------------------------------


def test_a_tally_rests_on_an_inference_only_where_every_statement_of_a_figure_does(
    con: duckdb.DuckDBPyConnection,
) -> None:
    statements = rows(
        con,
        "SELECT f.competition_id, f.region, i.tally_column, f.is_inferred, f.source_id FROM facts AS f "
        "JOIN indicators AS i USING (indicator) WHERE i.tally_column IS NOT NULL AND f.measure_kind <> 'share' "
        "AND f.competition_id IS NOT NULL",
    )
    for t in rows(con, "SELECT * FROM medal_tallies"):
        mine = [s for s in statements if (s["competition_id"], s["region"]) == (t["competition_id"], t["delegation"])]
        columns = {s["tally_column"] for s in mine}
        inferred = any(all(s["is_inferred"] for s in mine if s["tally_column"] == c) for c in columns)
        assert t["is_inferred"] is inferred, t["competition_id"]
    # The 11th National Games: the article's words are linked by inference, the rank is the report's own.
    rank = [s for s in statements if (s["competition_id"], s["tally_column"]) == ("national_games_2021", "rank_total")]
    assert sorted((s["source_id"], s["is_inferred"]) for s in rank) == [
        (ARTICLE_ID, True),
        ("hebei_economic_daily_2023_10_11", False),
    ]
    (agreement,) = rows(con, "SELECT * FROM cross_checks WHERE check_kind = 'agreement'")
    assert (agreement["fact_id"], agreement["verdict"], agreement["check_scope"]) == (
        "ng2021_hebei_rank_total",
        "pass",
        "between_claims",
    )


def test_the_2021_inference_rests_on_what_its_sources_say(con: duckdb.DuckDBPyConnection) -> None:
    note = fact(con, "ng2021_hebei_rank_total")["note"]
    assert "only national games" not in note  # an unsourced claim the note made before
    assert "for the first time" in note and "Hebei Economic Daily" in note
    roles = rows(con, "SELECT * FROM core.inference_basis WHERE fact_id = 'ng2021_hebei_rank_total'")
    assert "ng2021_hebei_rank_total_reference" in {r["basis_fact_id"] for r in roles}
    assert not [r for r in roles if "only national games" in r["role"]]


@pytest.mark.parametrize(
    ("query", "precision_column", "end_column"),
    [
        ("SELECT * FROM facts WHERE period_kind = 'target'", "period_end_precision", "period_end"),
        ("SELECT * FROM programmes WHERE period_end IS NOT NULL", "period_precision", "period_end"),
    ],
)
def test_a_date_read_from_a_year_has_year_precision(
    con: duckdb.DuckDBPyConnection, query: str, precision_column: str, end_column: str
) -> None:
    found = rows(con, query)
    assert found
    for row in found:
        quote = row["quote"] or ""
        if re.search(rf"\b{row[end_column].year}\b", quote) and not re.search(
            r"\b(january|december|jan|dec)\b", quote.lower()
        ):
            assert row[precision_column] == "year", row
        if row[precision_column] == "year":
            assert (row[end_column].month, row[end_column].day) == (12, 31), row
            assert row.get("period_start") is None or (row["period_start"].month, row["period_start"].day) == (1, 1)
    quota = fact(con, "public_unit_employment_quota")
    assert (str(quota["period_end"]), quota["period_end_precision"], quota["is_inferred"]) == (
        "2027-12-31",
        "year",
        False,
    )


# --- 11. precision is the step of a measurement -----------------------------------------------------------------


def test_precision_is_never_finer_than_the_units_step_and_a_criterion_has_none(con: duckdb.DuckDBPyConnection) -> None:
    steps = dict(con.execute("SELECT unit_id, step FROM core.units").fetchall())
    for f in rows(con, "SELECT * FROM facts"):
        step = steps[f["unit"]]
        if f["aggregation"] == "criterion":
            assert f["precision"] is None and f["value_low"] == f["value_high"] == f["value"], f["fact_id"]
            continue
        if step is not None:
            assert f["precision"] >= step and f["value"] % step == 0, f["fact_id"]
    halves = rows(con, "SELECT * FROM facts WHERE unit = 'medals' AND value % 1 <> 0")
    assert sorted(h["value"] for h in halves) == [Decimal("63.5"), Decimal("123.5")]
    assert {h["precision"] for h in halves} == {Decimal("0.5")}
    assert steps["medals"] == Decimal("0.5") and steps["persons"] == 1 and steps["percent"] is None


# --- cosmetic: figures read right ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fact_id", "text"),
    [
        ("deaflympics2024_hebei_bronze", "1 medal"),
        ("public_unit_employment_quota", "≥ 1 person"),
        ("ng2021_hebei_rank_total", "rank 1"),
        ("deaflympics2024_hebei_silver", "4 medals"),
    ],
)
def test_the_figure_one_takes_the_singular(con: duckdb.DuckDBPyConnection, fact_id: str, text: str) -> None:
    assert fact(con, fact_id)["value_text"] == text


def test_share_checks_say_who_states_the_share(con: duckdb.DuckDBPyConnection) -> None:
    for check in rows(con, "SELECT * FROM cross_checks WHERE check_kind = 'share'"):
        assert "stated by hebei" not in check["description"]
        assert f"as {ARTICLE_ID} states it" in check["description"]
        assert check["description"].startswith("hebei's share of china's ")


def test_facts_sharing_a_quote_are_in_the_order_of_their_numbers(con: duckdb.DuckDBPyConnection) -> None:
    ordered = [f for f in rows(con, "SELECT * FROM facts") if f["value_start"] is not None]
    assert [f["value_start"] for f in ordered] == sorted(f["value_start"] for f in ordered)
    athletes = [f["fact_id"] for f in ordered if f["quote_start"] == fact(con, "ng2025_hebei_sports")["quote_start"]]
    assert athletes == ["ng2025_hebei_athletes", "ng2025_hebei_sports", "ng2025_hebei_events"]  # 263, 28, 377


def test_every_fact_names_the_source_of_its_dates(con: duckdb.DuckDBPyConnection) -> None:
    competitions = dict(con.execute("SELECT competition_id, source_id FROM competitions").fetchall())
    facts = rows(con, "SELECT * FROM facts")
    for f in facts:
        expected = competitions[f["competition_id"]] if f["period_kind"] == "event" else f["source_id"]
        assert f["period_source_id"] == expected, f["fact_id"]
    # The article states Hebei's Tokyo medals; the dates of the games come from the Xinhua report.
    tokyo = fact(con, "tokyo2020_hebei_gold")
    assert (tokyo["source_id"], tokyo["period_source_id"]) == (ARTICLE_ID, "xinhua_2021_09_06_tokyo_2020")
