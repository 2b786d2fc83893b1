"""A fresh build: the public views hold the article's figures, the command line builds where told,
a failed build keeps the last good database, and the wheel carries everything a build needs."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import ARTICLE_PATH, rows

import hebeidb
from hebeidb.builder import build_database, check_inputs
from hebeidb.builder.checks import load_checks
from hebeidb.builder.inputs import Inputs
from hebeidb.common.errors import BuildError

REPO = Path(__file__).resolve().parent.parent
ARTICLE_ID = "deep_news_2026_02_10"
PUBLISHED = dt.date(2026, 2, 10)
INF = None  # an unbounded end of an interval

RunCli = Callable[..., subprocess.CompletedProcess[str]]


def columns(con: duckdb.DuckDBPyConnection, view: str) -> list[str]:
    return [name for (name,) in con.execute(f"SELECT column_name FROM (DESCRIBE {view})").fetchall()]


def fingerprint(path: Path) -> tuple[bytes, dict[str, str]]:
    """The file bytes and a sha256 of every public view's rows, read through a read-only connection."""
    connection = duckdb.connect(str(path), read_only=True)
    try:
        digests = {
            view: hashlib.sha256(
                repr(connection.execute(f"SELECT * FROM {view} ORDER BY ALL").fetchall()).encode()
            ).hexdigest()
            for view in ("facts", "sources", "medal_tallies")
        }
    finally:
        connection.close()
    return path.read_bytes(), digests


def break_a_quote(inputs: Path) -> None:
    """Make the inputs fail a check (after the schema and seeds have loaded)."""
    facts = inputs / "seeds" / "facts.csv"
    text = facts.read_text(encoding="utf-8")
    assert text.count("benefiting over 1.3 million individuals") == 1
    facts.write_text(text.replace("benefiting over 1.3 million individuals", "benefiting over 1.3 million citizens"))


def break_a_report(inputs: Path) -> None:
    """Make the build fail at its last step, the report views, when every table is filled and checked."""
    template = inputs / "queries" / "indicators.sql"
    text = template.read_text(encoding="utf-8")
    assert text.count("       f.qualifier,\n") == 1
    template.write_text(text.replace("       f.qualifier,\n", "       f.qualifier_word,\n"), encoding="utf-8")


def build_leftovers(folder: Path, name: str = "hebei.duckdb") -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(f".{name}.") and ".building" in p.name)


# --- the build and its public views ----------------------------------------------------------------------


def test_fresh_build_writes_a_database_that_opens(built_db: Path, db: hebeidb.Database) -> None:
    assert built_db.is_file() and built_db.stat().st_size > 0
    assert db.sql("SELECT count(*) FROM facts").fetchall()[0][0] > 0
    assert db.sql("SELECT count(*) FROM build_info").fetchall() == [(1,)]
    rows = db.sql("SELECT value, qualifier, unit FROM facts WHERE fact_id = 'persons_benefiting'").fetchall()
    assert [(int(v), q, u) for v, q, u in rows] == [(1300000, "over", "persons")]  # the article's headline figure


@pytest.mark.parametrize(
    ("view", "documented"),
    [
        pytest.param(
            "sources", ["source_id", "kind", "title", "publisher", "published_on", "url", "sha256"], id="sources"
        ),
        pytest.param(
            "facts",
            [
                "fact_id",
                "domain",
                "indicator",
                "label",
                "region",
                "period_start",
                "period_end",
                "value",
                "value_low",
                "value_high",
                "qualifier",
                "unit",
                "is_cumulative",
                "is_inferred",
                "source_id",
                "quote",
            ],
            id="facts",
        ),
        pytest.param(
            "medal_tallies",
            [
                "competition_id",
                "competition",
                "kind",
                "edition",
                "start_date",
                "end_date",
                "host",
                "delegation",
                "gold",
                "silver",
                "bronze",
                "total",
                "world_records",
                "rank_gold",
                "rank_total",
                "source_id",
            ],
            id="medal_tallies",
        ),
    ],
)
def test_public_views_start_with_the_documented_columns(
    con: duckdb.DuckDBPyConnection, view: str, documented: list[str]
) -> None:
    assert columns(con, view)[: len(documented)] == documented


@pytest.mark.parametrize(
    ("view", "further"),
    [
        pytest.param(
            "facts",
            {
                "low_inclusive",
                "high_inclusive",
                "period_kind",
                "note",
                "quote_start",
                "quote_end",
                "competition_id",
                "programme_id",
                "measure_kind",
                "value_text",
                "interval_text",
                "year",
            },
            id="facts",
        ),
        pytest.param("medal_tallies", {"total_is_stated", "counting_basis", "is_inferred"}, id="medal_tallies"),
    ],
)
def test_public_views_have_the_further_documented_columns(
    con: duckdb.DuckDBPyConnection, view: str, further: set[str]
) -> None:
    assert further <= set(columns(con, view))


# fact_id: domain, region, value, qualifier, (value_low, low_inclusive, value_high, high_inclusive), unit,
# is_cumulative, value_text, period_kind. The figures are read off the article, not off the seeds; the
# intervals follow the convention of seeds/facts.sql (qualifier first, then precision, then the unit's limits).
FACTS = {
    "persons_benefiting": (
        "policy", "hebei", "1300000", "over", ("1300000", False, "1400000", True), "persons", False,
        "> 1,300,000 persons", "as_of",
    ),
    "tdsp_key_livelihood_years": (
        "social_security", "hebei", "5", "exact", ("5", True, "5", True), "years", False, "5 years", "span"
    ),
    "medical_insurance_rate": (
        "healthcare", "hebei", "98", "above", ("98", False, "99", True), "percent", False, "> 98%", "span"
    ),
    "insured_rehabilitation_items": (
        "healthcare", "hebei", "31", "exact", ("31", True, "31", True), "items", False, "31 items", "as_of"
    ),
    "accessibility_households": (
        "accessibility", "hebei", "50000", "over", ("50000", False, "60000", True), "households", False,
        "> 50,000 households", "as_of",
    ),
    "autistic_children_served": (
        "children_rehabilitation", "hebei", "17000", "exact", ("16500", True, "18000", False), "persons", True,
        "17,000 persons", "as_of",
    ),
    "screening_network_counties": (
        "children_rehabilitation", "hebei", "38", "exact", ("38", True, "38", True), "counties", False, "38 counties",
        "as_of",
    ),
    "autism_school_span": (
        "children_rehabilitation", "baoding", "15", "exact", ("15", True, "15", True), "years", False, "15 years",
        "as_of",
    ),
    "rehabilitation_person_times": (
        "rehabilitation", "hebei", "1420000", "exact", ("1415000", True, "1430000", False), "person_times", True,
        "1,420,000 person-times", "as_of",
    ),
    "rehabilitation_coverage_rate": (
        "rehabilitation", "hebei", "99", "exceeding", ("99", False, "100", True), "percent", False, "> 99%", "as_of"
    ),
    "key_project_investment": (
        "rehabilitation", "hebei", "1470000000", "surpassing", ("1470000000", False, "1480000000", True), "yuan",
        False, "> 1,470,000,000 yuan", "as_of",
    ),
    "designated_rehabilitation_institutions": (
        "rehabilitation", "hebei", "480", "over", ("480", False, "490", True), "institutions", False,
        "> 480 institutions", "as_of",
    ),
    "special_education_schools": (
        "education", "hebei", "163", "exact", ("163", True, "163", True), "schools", False, "163 schools", "as_of"
    ),
    "special_school_county_coverage": (
        "education", "hebei", "100", "exact", ("100", True, "100", True), "percent", False, "100%", "as_of"
    ),
    "special_school_population_threshold": (
        "education", "hebei", "200000", "exact", ("200000", True, "200000", True), "persons", False,
        "> 200,000 persons", "as_of",
    ),
    "compulsory_education_enrollment_rate": (
        "education", "hebei", "97.5", "exact", ("97.45", True, "97.6", False), "percent", False, "97.5%", "as_of"
    ),
    "special_education_college_graduates": (
        "education", "hebei", "2221", "exact", ("2221", True, "2221", True), "persons", True, "2,221 persons", "as_of"
    ),
    "education_financial_aid_students": (
        "education", "hebei", "4752", "exact", ("4752", True, "4752", True), "persons", False, "4,752 persons", "as_of"
    ),
    "new_jobs_created": (
        "employment", "hebei", "96700", "over", ("96700", False, "96800", True), "jobs", False, "> 96,700 jobs",
        "as_of",
    ),
    "handicraft_flexible_employment": (
        "employment", "hebei", "3000", "nearly", ("2500", True, "3000", False), "persons", False, "< 3,000 persons",
        "as_of",
    ),
    "public_unit_employment_quota": (
        "employment", "hebei", "1", "exact", ("1", True, "1", True), "persons", False, "≥ 1 person", "target"
    ),
    "ng2025_hebei_athletes": (
        "sport_results", "hebei", "263", "exact", ("263", True, "263", True), "persons", False, "263 persons", "event"
    ),
    "tokyo2020_hebei_world_records": (
        "sport_results", "hebei", "9", "exact", ("9", True, "9", True), "records", False, "9 world records", "event"
    ),
    "paris2024_hebei_world_records": (
        "sport_results", "hebei", "7", "exact", ("7", True, "7", True), "records", False, "7 world records", "event"
    ),
    "beijing2022_hebei_gold_share": (
        "sport_results", "hebei", "55", "exact", ("55", True, "56", False), "percent", False, "55%", "event"
    ),
    "beijing2022_hebei_medal_share": (
        "sport_results", "hebei", "60", "exact", ("60", True, "61", False), "percent", False, "60%", "event"
    ),
    "ng2025_hebei_rank_gold": (
        "sport_results", "hebei", "2", "exact", ("2", True, "2", True), "rank", False, "rank 2", "event"
    ),
}  # fmt: skip
INFERRED = {"tdsp_key_livelihood_years", "beijing2022_hebei_gold_share", "beijing2022_hebei_medal_share"}


def _dec(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


@pytest.mark.parametrize("fact_id", sorted(FACTS))
def test_facts_hold_the_articles_figures(con: duckdb.DuckDBPyConnection, article: str, fact_id: str) -> None:
    domain, region, value, qualifier, interval, unit, cumulative, value_text, period_kind = FACTS[fact_id]
    (fact,) = rows(con, "SELECT * FROM facts WHERE fact_id = $id", {"id": fact_id})
    low, low_inclusive, high, high_inclusive = interval
    assert (fact["domain"], fact["region"], fact["value"], fact["qualifier"], fact["unit"]) == (
        domain,
        region,
        Decimal(value),
        qualifier,
        unit,
    )
    assert (fact["value_low"], fact["low_inclusive"], fact["value_high"], fact["high_inclusive"]) == (
        _dec(low),
        low_inclusive,
        _dec(high),
        high_inclusive,
    )
    assert fact["is_cumulative"] is cumulative
    assert fact["is_inferred"] is (fact_id in INFERRED)
    assert fact["value_text"] == value_text
    assert fact["period_kind"] == period_kind
    assert fact["source_id"] == ARTICLE_ID
    assert fact["quote"] and article[fact["quote_start"] : fact["quote_end"]] == fact["quote"]
    if period_kind == "as_of":
        assert (fact["period_start"], fact["period_end"]) == (None, PUBLISHED)
        assert fact["period_end_is_upper_bound"] is True


def test_facts_cover_every_domain_the_article_gives_figures_for(con: duckdb.DuckDBPyConnection) -> None:
    domains = {d for (d,) in con.execute("SELECT DISTINCT domain FROM facts").fetchall()}
    assert {
        "policy",
        "social_security",
        "healthcare",
        "rehabilitation",
        "children_rehabilitation",
        "accessibility",
        "education",
        "employment",
        "sport_results",
    } <= domains
    assert {f[0] for f in FACTS.values()} <= domains


def test_interval_text_prints_plain_numbers_and_the_unit(con: duckdb.DuckDBPyConnection) -> None:
    found = dict(
        con.execute(
            "SELECT fact_id, interval_text FROM facts WHERE fact_id IN "
            "('persons_benefiting', 'medical_insurance_rate', 'handicraft_flexible_employment', "
            "'compulsory_education_enrollment_rate', 'special_education_schools', 'beijing2022_hebei_gold_share')"
        ).fetchall()
    )
    assert found == {
        "persons_benefiting": "(1300000, 1400000] persons",
        "medical_insurance_rate": "(98, 99] percent",
        "handicraft_flexible_employment": "[2500, 3000) persons",
        "compulsory_education_enrollment_rate": "[97.45, 97.6) percent",
        "special_education_schools": "[163, 163] schools",
        "beijing2022_hebei_gold_share": "[55, 56) percent",
    }
    assert not con.execute("SELECT fact_id FROM facts WHERE regexp_matches(interval_text, '\\.0\\b')").fetchall()


def test_the_employment_quota_is_a_target_for_the_end_of_2027(con: duckdb.DuckDBPyConnection) -> None:
    (fact,) = rows(con, "SELECT * FROM facts WHERE fact_id = 'public_unit_employment_quota'")
    assert (fact["period_kind"], fact["period_start"], fact["period_end"]) == ("target", None, dt.date(2027, 12, 31))


def test_every_quote_stands_in_the_stored_article_at_its_offsets(con: duckdb.DuckDBPyConnection, article: str) -> None:
    stored = con.execute("SELECT text FROM core.source_texts WHERE source_id = $id", {"id": ARTICLE_ID}).fetchone()
    assert stored is not None and stored[0] == article
    quoted = rows(
        con, "SELECT fact_id, quote, quote_start, quote_end FROM facts WHERE source_id = $id", {"id": ARTICLE_ID}
    )
    assert len(quoted) >= 40
    wrong = [q["fact_id"] for q in quoted if not q["quote"] or article[q["quote_start"] : q["quote_end"]] != q["quote"]]
    assert wrong == []


def test_reference_facts_have_no_quote(con: duckdb.DuckDBPyConnection) -> None:
    found = rows(
        con,
        "SELECT f.fact_id, f.quote, f.quote_start FROM facts AS f JOIN sources AS s USING (source_id) "
        "WHERE s.kind = 'reference'",
    )
    assert len(found) >= 20
    assert all(f["quote"] is None and f["quote_start"] is None for f in found)


# --- medal tallies ----------------------------------------------------------------------------------------

# (competition_id, delegation): gold, silver, bronze, total, world_records, rank_gold, rank_total
TALLIES = {
    ("tokyo_2020_paralympics", "hebei"): ("16", "11", "5", "32", 9, None, None),
    ("tokyo_2020_paralympics", "china"): ("96", "60", "51", "207", None, 1, 1),
    ("beijing_2022_winter_paralympics", "hebei"): ("10", "15", "12", "37", None, None, None),
    ("beijing_2022_winter_paralympics", "china"): ("18", "20", "23", "61", None, 1, 1),
    ("paris_2024_paralympics", "hebei"): ("13", "10", "8", "31", 7, None, None),
    ("paris_2024_paralympics", "china"): ("94", "76", "50", "220", None, 1, 1),
    ("erzurum_2024_winter_deaflympics", "hebei"): ("6", "4", "1", "11", None, None, None),
    ("erzurum_2024_winter_deaflympics", "china"): ("7", "7", "6", "20", None, 2, 1),
    ("national_games_2025", "hebei"): ("127", "92", "71", "290", None, 2, 2),
}


@pytest.mark.parametrize(("competition_id", "delegation"), sorted(TALLIES), ids=lambda x: x)
def test_medal_tallies(con: duckdb.DuckDBPyConnection, competition_id: str, delegation: str) -> None:
    gold, silver, bronze, total, world_records, rank_gold, rank_total = TALLIES[competition_id, delegation]
    (row,) = rows(
        con,
        "SELECT * FROM medal_tallies WHERE competition_id = $c AND delegation = $d",
        {"c": competition_id, "d": delegation},
    )
    assert (row["gold"], row["silver"], row["bronze"], row["total"]) == tuple(
        Decimal(n) for n in (gold, silver, bronze, total)
    )
    assert (row["world_records"], row["rank_gold"], row["rank_total"]) == (world_records, rank_gold, rank_total)
    # The article never says how Hebei counts a team medal; China's basis is assumed from its medal table.
    assert (row["counting_basis"], row["counting_basis_status"]) == (
        ("per_event", "assumed") if delegation == "china" else ("unknown", "unknown")
    )
    assert row["total_is_stated"] is (delegation == "china")
    assert row["is_inferred"] is False


@pytest.mark.parametrize(
    ("competition_id", "kind", "edition", "start", "end", "host"),
    [
        ("tokyo_2020_paralympics", "summer_paralympics", 16, dt.date(2021, 8, 24), dt.date(2021, 9, 5), "Tokyo"),
        (
            "beijing_2022_winter_paralympics",
            "winter_paralympics",
            13,
            dt.date(2022, 3, 4),
            dt.date(2022, 3, 13),
            "Beijing, Yanqing, Zhangjiakou",
        ),
        ("paris_2024_paralympics", "summer_paralympics", 17, dt.date(2024, 8, 28), dt.date(2024, 9, 8), "Paris"),
        (
            "erzurum_2024_winter_deaflympics",
            "winter_deaflympics",
            20,
            dt.date(2024, 3, 2),
            dt.date(2024, 3, 12),
            "Erzurum",
        ),
        (
            "national_games_2025",
            "national_games",
            12,
            dt.date(2025, 12, 8),
            dt.date(2025, 12, 15),
            "Guangdong, Hong Kong, Macao",
        ),
        ("national_games_2021", "national_games", 11, dt.date(2021, 10, 22), dt.date(2021, 10, 29), "Shaanxi"),
    ],
    ids=lambda x: x if isinstance(x, str) and x.endswith(("paralympics", "deaflympics", "2021", "2025")) else "",
)
def test_medal_tallies_describe_the_competition(
    con: duckdb.DuckDBPyConnection,
    competition_id: str,
    kind: str,
    edition: int,
    start: dt.date,
    end: dt.date,
    host: str,
) -> None:
    found = rows(con, "SELECT * FROM medal_tallies WHERE competition_id = $c", {"c": competition_id})
    assert found
    assert {(r["kind"], r["edition"], r["start_date"], r["end_date"], r["host"]) for r in found} == {
        (kind, edition, start, end, host)
    }


def test_12th_national_games_delegation_figures(con: duckdb.DuckDBPyConnection) -> None:
    found = {
        r["delegation"]: r
        for r in rows(con, "SELECT * FROM medal_tallies WHERE competition_id = 'national_games_2025'")
    }
    assert set(found) == {"hebei", "guangdong"}
    hebei = found["hebei"]
    assert (hebei["athletes"], hebei["sports"], hebei["events"]) == (263, 28, 377)
    guangdong = found["guangdong"]
    assert (guangdong["rank_gold"], guangdong["rank_total"], guangdong["gold"], guangdong["total"]) == (
        1,
        1,
        None,
        None,
    )


def test_the_11th_national_games_result_is_marked_inferred(con: duckdb.DuckDBPyConnection) -> None:
    (fact,) = rows(con, "SELECT * FROM facts WHERE fact_id = 'ng2021_hebei_rank_total'")
    assert (fact["competition_id"], fact["region"], fact["indicator"], fact["value"], fact["is_inferred"]) == (
        "national_games_2021",
        "hebei",
        "medal_rank_total",
        Decimal(1),
        True,
    )
    assert fact["note"] and "11th" in fact["note"] and "infer" in fact["note"].lower()
    assert "first time" in fact["quote"]
    # Only the link from the article's words to the 11th games is inferred: the Hebei Economic Daily states the
    # rank directly, so the tally's rank rests on no inference.
    (row,) = rows(con, "SELECT * FROM medal_tallies WHERE competition_id = 'national_games_2021'")
    assert (row["delegation"], row["rank_total"], row["is_inferred"], row["edition"]) == ("hebei", 1, False, 11)
    # The reference that sources the inference gives the tally, half medals included.
    assert (row["gold"], row["silver"], row["bronze"], row["total"], row["rank_gold"]) == (
        Decimal("123.5"),
        Decimal("102"),
        Decimal("63.5"),
        Decimal("289"),
        3,
    )
    assert (row["counting_basis"], row["counting_basis_status"], row["counting_basis_source_id"]) == (
        "per_event_halves",
        "sourced",
        "hebei_economic_daily_2023_10_11",
    )


def test_shares_of_chinas_beijing_2022_medals_are_cross_checked(con: duckdb.DuckDBPyConnection) -> None:
    found = {
        r["fact_id"]: (r["stated_value"], r["computed_value"], r["stated_interval"], r["verdict"])
        for r in rows(con, "SELECT * FROM cross_checks WHERE check_kind = 'share'")
    }
    assert found == {
        "beijing2022_hebei_gold_share": (Decimal("55.00"), Decimal("55.56"), "[55, 56)", "pass"),  # 10 of 18
        "beijing2022_hebei_medal_share": (Decimal("60.00"), Decimal("60.66"), "[60, 61)", "pass"),  # 37 of 61
    }
    for check in rows(con, "SELECT * FROM cross_checks WHERE check_kind = 'share'"):
        assert "respectively" in check["inference"] and "cuts, not rounds" in check["inference"]


def test_every_cross_check_passes_and_each_kind_is_present(con: duckdb.DuckDBPyConnection) -> None:
    verdicts = dict(con.execute("SELECT verdict, count(*) FROM cross_checks GROUP BY verdict").fetchall())
    assert set(verdicts) == {"pass"}
    kinds = {k for (k,) in con.execute("SELECT DISTINCT check_kind FROM cross_checks").fetchall()}
    assert {"medal_sum", "share", "part_of_whole", "repeat", "interval"} <= kinds
    sums = rows(con, "SELECT * FROM cross_checks WHERE check_kind = 'medal_sum'")
    assert {(r["check_id"], r["stated_value"]) for r in sums} >= {
        ("medal_sum:tokyo_2020_paralympics:china", Decimal("207.00")),
        ("medal_sum:beijing_2022_winter_paralympics:china", Decimal("61.00")),
        ("medal_sum:paris_2024_paralympics:china", Decimal("220.00")),
        ("medal_sum:erzurum_2024_winter_deaflympics:china", Decimal("20.00")),
    }


# --- coverage of the numbers in the article body ----------------------------------------------------------


def test_every_number_in_the_body_is_accounted_for(con: duckdb.DuckDBPyConnection) -> None:
    statuses = dict(con.execute("SELECT status, count(*) FROM numbers GROUP BY status").fetchall())
    assert statuses.get("uncovered", 0) == 0
    assert statuses.get("fact", 0) >= 40 and statuses.get("excluded", 0) >= 15
    (info,) = rows(con, "SELECT * FROM build_info")
    assert info["n_numbers"] == sum(statuses.values())
    assert info["n_facts_covering"] == statuses["fact"]
    assert info["n_excluded"] == statuses["excluded"]
    assert not rows(con, "SELECT * FROM numbers WHERE status = 'fact' AND fact_ids IS NULL")
    assert not rows(con, "SELECT * FROM numbers WHERE status = 'excluded' AND reason_kind IS NULL")


def test_numbers_view_finds_every_number_python_finds_in_the_body(
    con: duckdb.DuckDBPyConnection, article: str, inputs_root: Path
) -> None:
    (body_start, body_end) = con.execute(
        "SELECT body_start, body_end FROM core.sources WHERE source_id = $id", {"id": ARTICLE_ID}
    ).fetchone()  # type: ignore[misc]
    body = article[body_start:body_end]
    words = [
        line.split(",")[0]
        for line in (inputs_root / "seeds" / "number_words.csv").read_text(encoding="utf-8").splitlines()[1:]
    ]
    pattern = re.compile(r"\d+|\b(?:" + "|".join(sorted(words, key=len, reverse=True)) + r")\b", re.IGNORECASE)
    spans = con.execute(
        "SELECT token_start, token_end FROM numbers WHERE source_id = $id", {"id": ARTICLE_ID}
    ).fetchall()
    missing = [
        (m.group(), body_start + m.start())
        for m in pattern.finditer(body)
        if not any(s <= body_start + m.start() and body_start + m.end() <= e for s, e in spans)
    ]
    assert missing == []
    assert len(spans) >= 60


def test_a_number_in_the_page_furniture_is_not_counted(con: duckdb.DuckDBPyConnection) -> None:
    # "Most Discussed 1 ... 10" after the article body is the hosting site's, not the article's.
    (body_end,) = con.execute("SELECT body_end FROM core.sources WHERE source_id = $id", {"id": ARTICLE_ID}).fetchone()  # type: ignore[misc]
    assert con.execute("SELECT count(*) FROM numbers WHERE token_start >= $e", {"e": body_end}).fetchone() == (0,)


# --- build_info and sources --------------------------------------------------------------------------------


def test_build_info_records_version_and_inputs(con: duckdb.DuckDBPyConnection) -> None:
    (info,) = rows(con, "SELECT * FROM build_info")
    assert info["package_version"] == hebeidb.__version__
    assert info["inputs_sha256"] == Inputs.installed().sha256()
    assert re.fullmatch(r"[0-9a-f]{64}", info["inputs_sha256"])
    assert info["duckdb_version"] == duckdb.__version__
    assert info["storage_version"] == "v1.0.0"
    assert info["n_checks"] == len(load_checks(Inputs.installed())) + 1  # and the contract
    parts = Inputs.installed().part_hashes()
    assert [info[f"{part}_sha256"] for part in ("schema", "seeds", "queries", "checks")] == [
        parts["schema"],
        parts["seeds"],
        parts["queries"],
        parts["checks"],
    ]
    assert len({parts["schema"], parts["seeds"], parts["queries"], parts["checks"], parts["inputs"]}) == 5


def test_sources_pin_the_stored_article_by_sha256(con: duckdb.DuckDBPyConnection, inputs_root: Path) -> None:
    data = (inputs_root / "seeds" / ARTICLE_PATH).read_bytes()
    (source,) = rows(con, "SELECT * FROM sources WHERE source_id = $id", {"id": ARTICLE_ID})
    assert source["kind"] == "document"
    assert source["sha256"] == hashlib.sha256(data).hexdigest()
    assert source["n_chars"] == len(data.decode("utf-8"))
    assert (source["publisher"], source["published_on"]) == ("Deep News", PUBLISHED)
    assert source["title"] == "Hebei Enhances Targeted Support for People with Disabilities to Improve Livelihoods"
    assert source["text_path"] == ARTICLE_PATH
    stored = con.execute("SELECT sha256 FROM core.source_texts WHERE source_id = $id", {"id": ARTICLE_ID}).fetchone()
    assert stored == (hashlib.sha256(data).hexdigest(),)


def test_reference_sources_are_cited_not_stored(con: duckdb.DuckDBPyConnection) -> None:
    references = rows(con, "SELECT * FROM sources WHERE kind = 'reference'")
    assert len(references) >= 5
    assert all(r["sha256"] is None and r["text_path"] is None for r in references)
    cited = {r["source_id"] for r in rows(con, "SELECT DISTINCT source_id FROM facts")}
    assert cited <= {r["source_id"] for r in rows(con, "SELECT source_id FROM sources")}


# --- the command line ---------------------------------------------------------------------------------------


def assert_summary(stdout: str) -> None:
    n_checks = len(load_checks(Inputs.installed())) + 1  # and the contract
    assert f"checks: {n_checks} of {n_checks} passed" in stdout
    assert re.search(r"coverage: (\d+) numbers in the article body, \d+ captured by facts, \d+ excluded", stdout)
    assert "none unaccounted" in stdout


def opens(path: Path) -> int:
    connection = duckdb.connect(str(path), read_only=True)
    try:
        return connection.execute("SELECT count(*) FROM facts").fetchone()[0]  # type: ignore[index]
    finally:
        connection.close()


@pytest.mark.slow
def test_cli_build_db_path(run_cli_process: RunCli, tmp_path: Path) -> None:
    """The installed command, as its own process, builds where --db says."""
    target = tmp_path / "out" / "mine.duckdb"
    target.parent.mkdir()
    result = run_cli_process("build", "--db", str(target))
    assert result.returncode == 0, result.stderr
    assert f"built {target}" in result.stdout
    assert_summary(result.stdout)
    assert opens(target) > 0
    assert build_leftovers(target.parent, target.name) == []
    assert not (tmp_path / "hebei.duckdb").exists()


@pytest.mark.slow
def test_cli_build_uses_hebeidb_database(run_cli: RunCli, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    target = tmp_path / "from_env.duckdb"
    result = run_cli("build", env={"HEBEIDB_DATABASE": str(target)}, cwd=work)
    assert result.returncode == 0, result.stderr
    assert opens(target) > 0
    assert list(work.iterdir()) == []


@pytest.mark.slow
def test_cli_build_defaults_to_hebei_duckdb_in_the_working_directory(run_cli: RunCli, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    result = run_cli("build", env={"HEBEIDB_DATABASE": ""}, cwd=work)
    assert result.returncode == 0, result.stderr
    assert opens(work / "hebei.duckdb") > 0
    assert_summary(result.stdout)


@pytest.mark.slow
def test_cli_db_option_wins_over_the_environment(run_cli: RunCli, tmp_path: Path) -> None:
    env_target = tmp_path / "env.duckdb"
    target = tmp_path / "option.duckdb"
    result = run_cli("build", "--db", str(target), env={"HEBEIDB_DATABASE": str(env_target)})
    assert result.returncode == 0, result.stderr
    assert target.is_file() and not env_target.exists()


@pytest.mark.slow
def test_cli_check_runs_every_check_and_writes_nothing(run_cli: RunCli, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_cli("check", env={"HEBEIDB_DATABASE": str(elsewhere / "hebei.duckdb")}, cwd=work)
    assert result.returncode == 0, result.stderr
    assert_summary(result.stdout)
    assert list(work.iterdir()) == []
    assert list(elsewhere.iterdir()) == []


@pytest.mark.slow
def test_cli_check_of_broken_inputs_exits_1_and_writes_nothing(
    run_cli: RunCli, inputs_copy: Path, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    break_a_quote(inputs_copy)
    result = run_cli("check", "--inputs", str(inputs_copy), cwd=work)
    assert result.returncode == 1
    assert "seeds/facts.csv" in result.stderr and "quote does not appear in the source text" in result.stderr
    assert list(work.iterdir()) == []


# --- atomic builds ------------------------------------------------------------------------------------------


def test_failed_build_through_the_api_keeps_the_good_database(
    built_db: Path, inputs_copy: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "db"
    folder.mkdir()
    target = folder / "hebei.duckdb"
    target.write_bytes(built_db.read_bytes())
    before = fingerprint(target)
    break_a_report(inputs_copy)
    with pytest.raises(BuildError) as raised:
        hebeidb.build(target, inputs=inputs_copy)
    assert "queries/indicators.sql" in str(raised.value) and "qualifier_word" in str(raised.value)
    assert fingerprint(target) == before
    assert build_leftovers(folder) == []


@pytest.mark.slow
def test_failed_build_through_the_cli_keeps_the_good_database(
    built_db: Path, inputs_copy: Path, tmp_path: Path, run_cli: RunCli
) -> None:
    folder = tmp_path / "db"
    folder.mkdir()
    target = folder / "hebei.duckdb"
    target.write_bytes(built_db.read_bytes())
    before = fingerprint(target)
    break_a_report(inputs_copy)
    result = run_cli("build", "--inputs", str(inputs_copy), "--db", str(target))
    assert result.returncode == 1
    assert "queries/indicators.sql" in result.stderr
    # Nothing is reported built: the output is only its first line, which inputs were used.
    assert result.stdout == f"inputs: {inputs_copy} (--inputs)\n"
    assert fingerprint(target) == before
    assert build_leftovers(folder) == []


@pytest.mark.slow
def test_failed_build_without_a_previous_database_writes_no_file(inputs_copy: Path, tmp_path: Path) -> None:
    folder = tmp_path / "db"
    folder.mkdir()
    break_a_report(inputs_copy)
    with pytest.raises(BuildError):
        hebeidb.build(folder / "hebei.duckdb", inputs=inputs_copy)
    assert sorted(p.name for p in folder.iterdir() if p.name != ".hebei.duckdb.lock") == []


@pytest.mark.slow
def test_build_from_an_unbroken_copy_of_the_inputs_succeeds(inputs_copy: Path, tmp_path: Path) -> None:
    # The control for the failing builds: the copy itself is sound, only the edit breaks it.
    path = hebeidb.build(tmp_path / "copy.duckdb", inputs=inputs_copy)
    assert opens(path) > 0


@pytest.mark.slow
def test_next_build_removes_leftovers_of_a_killed_build_and_only_those(tmp_path: Path) -> None:
    stale = tmp_path / ".hebei.duckdb.999999.deadbeef.building"
    stale.write_bytes(b"half a database")
    stale_wal = tmp_path / ".hebei.duckdb.999999.deadbeef.building.wal"
    stale_wal.write_bytes(b"")
    (tmp_path / ".hebei.duckdb.4242.deadbeef.building").write_bytes(b"half a database")
    (tmp_path / ".hebei.duckdb.4242.deadbeef.building.wal").write_bytes(b"wal")
    spill = tmp_path / ".hebei.duckdb.4243.cafebabe.building.tmp"
    spill.mkdir()
    (spill / "duckdb_temp_block-1.block").write_bytes(b"\x00" * 16)
    other = tmp_path / ".other.duckdb.1.x.building"
    other.write_bytes(b"not ours")
    hebeidb.build(tmp_path / "hebei.duckdb")
    assert not stale.exists() and not stale_wal.exists()
    assert build_leftovers(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".hebei.duckdb.lock",
        ".other.duckdb.1.x.building",
        "hebei.duckdb",
    ]
    assert other.read_bytes() == b"not ours"


@pytest.mark.slow
def test_rebuild_replaces_the_database(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    target = tmp_path / "hebei.duckdb"
    target.write_bytes(b"not a database")
    hebeidb.build(target)
    assert opens(target) == con.execute("SELECT count(*) FROM facts").fetchone()[0]  # type: ignore[index]


# --- packaging ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(out), str(REPO)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (built,) = out.glob("hebeidb-*.whl")
    return built


def repo_files(folder: str, pattern: str) -> list[str]:
    return sorted(p.relative_to(REPO / folder).as_posix() for p in (REPO / folder).glob(pattern) if p.is_file())


@pytest.mark.slow
def test_wheel_carries_every_input(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {"hebeidb/py.typed", f"hebeidb/seeds/{ARTICLE_PATH}"}
    expected |= {f"hebeidb/schema/{name}" for name in repo_files("schema", "*.sql")}
    expected |= {f"hebeidb/seeds/{name}" for name in repo_files("seeds", "*.csv")}
    expected |= {f"hebeidb/queries/{name}" for name in repo_files("queries", "*.sql") + repo_files("queries", "*.toml")}
    expected |= {f"hebeidb/checks/{name}" for name in repo_files("src/hebeidb/checks", "*.sql")}
    assert len(expected) > 30
    assert sorted(expected - names) == []
    assert any(re.fullmatch(r"hebeidb/schema/\d+_\w+\.sql", n) for n in names)
    assert any(re.fullmatch(r"hebeidb/queries/\w+\.toml", n) for n in names)


@pytest.mark.slow
def test_wheel_article_is_byte_identical(wheel: Path, inputs_root: Path) -> None:
    data = zipfile.ZipFile(wheel).read(f"hebeidb/seeds/{ARTICLE_PATH}")
    assert data == (inputs_root / "seeds" / ARTICLE_PATH).read_bytes()


@pytest.mark.slow
def test_wheel_installs_and_builds_from_an_unrelated_directory(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    # The base interpreter may lack duckdb, jinja2 and sqlglot; make this environment's dependencies
    # importable with a plain path line (its .pth files, the editable hebeidb among them, stay unread).
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours = subprocess.run(
        [sys.executable, "-c", "import duckdb, os; print(os.path.dirname(os.path.dirname(duckdb.__file__)))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "zz_test_dependencies.pth").write_text(ours + "\n", encoding="utf-8")
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--ignore-installed", str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stdout + install.stderr

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "HEBEIDB_DATABASE")}
    where = subprocess.run(
        [str(python), "-c", "import hebeidb.builder.inputs as i; print(i.Inputs.installed().root)"],
        capture_output=True,
        text=True,
        cwd=elsewhere,
        env=env,
    )
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(venv), "hebeidb was not imported from the installed wheel"

    result = subprocess.run(
        [str(venv / "bin" / "hebeidb"), "build", "--db", "X.duckdb"],
        capture_output=True,
        text=True,
        cwd=elsewhere,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert_summary(result.stdout)
    assert opens(elsewhere / "X.duckdb") > 0


# --- where a build goes --------------------------------------------------------------------------------------


def test_build_into_a_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(hebeidb.TargetError) as caught:
        build_database(folder)
    assert str(caught.value) == f"{folder} is a directory; give the path of the database file to write"
    assert caught.value.exit_code == 2
    assert list(folder.iterdir()) == []


def test_build_into_a_missing_folder_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "hebei.duckdb"
    with pytest.raises(hebeidb.TargetError) as caught:
        build_database(target)
    assert str(caught.value) == f"cannot build {target}: folder {target.parent} does not exist"
    assert not target.parent.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_build_with_a_relative_path_returns_the_absolute_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HEBEIDB_DATABASE", raising=False)
    report = build_database()
    assert report.path == tmp_path / "hebei.duckdb"
    assert report.path.is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".hebei.duckdb.lock", "hebei.duckdb"]
    summary = report.summary()
    assert summary.startswith(f"built {tmp_path / 'hebei.duckdb'}\n")
    assert "none unaccounted" in summary


def test_a_bad_memory_limit_is_refused_naming_where_it_came_from(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEBEIDB_MEMORY_LIMIT", "plenty")
    with pytest.raises(hebeidb.ParameterError) as caught:
        check_inputs(None)
    message = str(caught.value)
    assert message == "$HEBEIDB_MEMORY_LIMIT 'plenty' is not a memory size; give one such as 500MB or 2GB"
