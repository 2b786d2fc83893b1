"""Reports: defaults equal their views, every parameter filters as documented, refusals say what is allowed;
the metadata beside each template, the conversion of parameter values, inline SQL and template rendering.

Expected rows are derived independently from the public views (plain SQL or Python over their rows),
never copied from the reports' output. Report metadata is written as small ``<name>.sql``/``<name>.toml``
pairs into ``tmp_path``; every refusal must name the file (and the parameter) it is about.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import duckdb
import pytest

import hebeidb
from hebeidb.common.errors import ReportNotFoundError, ReportParameterError, TemplateError
from hebeidb.common.reports import (
    Parameter,
    ReportSpec,
    coerce,
    load_spec,
    load_specs,
    render,
    validate,
)
from hebeidb.reader.database import Database

REPORT_NAMES = ("consistency", "domain_summary", "indicators", "medals", "provenance", "timeline")
INJECTIONS = ("'; DROP TABLE facts; --", "1 OR 1=1", "{{ 7*7 }}")
HEADER = 'title = "A report"\ndescription = "What it shows."\n'


# --- helpers ----------------------------------------------------------------------------------


def records(db: Database, query: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Rows of a plain query on the connection (not through the code under test) as dicts."""
    relation = db.sql(query, params)
    return [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]


def report_records(db: Database, name: str, **params: Any) -> list[dict[str, Any]]:
    relation = db.report(name, **params)
    return [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]


def nulls_last(value: Any) -> tuple[bool, Any]:
    return (value is None, value if value is not None else 0)


def facts_table_rows(db: Database) -> int:
    [(count,)] = db.sql("SELECT count(*) FROM core.facts").fetchall()
    return count


def seed_fact_count(inputs_root: Path) -> int:
    with (inputs_root / "seeds" / "facts.csv").open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.DictReader(handle))


def distinct(db: Database, view: str, column: str) -> list[Any]:
    return [v for (v,) in db.sql(f'SELECT DISTINCT "{column}" FROM {view} WHERE "{column}" IS NOT NULL').fetchall()]


def year(value: dt.date | None) -> int | None:
    return None if value is None else value.year


def proper_subset(selected: Iterable[Any], everything: Iterable[Any]) -> bool:
    chosen, every = list(selected), list(everything)
    return 0 < len(chosen) < len(every)


# --- defaults equal the views -----------------------------------------------------------------


def test_the_installed_reports_are_the_templates_in_queries(db: Database, inputs_root: Path) -> None:
    templates = sorted(p.stem for p in (inputs_root / "queries").glob("*.sql"))
    assert [spec.name for spec in db.reports()] == templates
    assert set(templates) == set(REPORT_NAMES)
    views = {name for (name,) in db.sql("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    assert {f"report_{name}" for name in templates} <= views


# Rows each report holds with its defaults, counted straight from the public views, not from the report.
INDEPENDENT_COUNTS = {
    "provenance": "SELECT count(*) FROM facts",
    "medals": "SELECT count(*) FROM medal_tallies",
    "indicators": "SELECT count(*) FROM facts",
    "consistency": "SELECT count(*) FROM cross_checks",
    "domain_summary": "SELECT count(*) FROM domains",  # every domain, with or without facts
}


@pytest.mark.parametrize("name", REPORT_NAMES)
def test_report_with_defaults_equals_its_view(db: Database, name: str) -> None:
    """The view the build made with the defaults holds what rendering the template with them gives now, bound, and
    as many rows as a count straight from the public views."""
    view = db.report(name)  # with its defaults a report reads its view
    rendered = db.render(name)
    fresh = db.sql(rendered.sql, rendered.params or None)
    assert view.columns == fresh.columns
    rows = view.fetchall()
    assert rows == fresh.fetchall()
    assert rows, f"report {name} is empty with its defaults"
    if name in INDEPENDENT_COUNTS:
        assert len(rows) == db.sql(INDEPENDENT_COUNTS[name]).fetchall()[0][0]


@pytest.mark.parametrize("name", REPORT_NAMES)
def test_report_with_explicit_defaults_equals_no_parameters(db: Database, name: str) -> None:
    spec = db.report_spec(name)
    explicit = {p.name: p.default for p in spec.parameters if p.default is not None}
    assert db.report(name, **explicit).fetchall() == db.report(name).fetchall()


def test_report_with_default_values_spelled_out_equals_the_view(db: Database) -> None:
    by_default = db.report("indicators").fetchall()
    spelled = db.report("indicators", order_by="domain", domain=None).fetchall()
    assert by_default == spelled
    assert by_default == db.sql("SELECT * FROM report_indicators").fetchall()
    assert len(by_default) == db.sql("SELECT count(*) FROM facts").fetchall()[0][0]
    by_fact = db.report("indicators", order_by="fact_id").fetchall()
    assert sorted(by_fact) == sorted(by_default) and by_fact != by_default


# --- medals -----------------------------------------------------------------------------------


def medal_tallies(db: Database) -> list[dict[str, Any]]:
    rows = records(db, "SELECT * FROM medal_tallies")
    return sorted(rows, key=lambda r: (r["start_date"], r["delegation"]))


def keys(rows: Iterable[dict[str, Any]], *columns: str) -> list[tuple[Any, ...]]:
    return [tuple(row[c] for c in columns) for row in rows]


def test_medals_default_lists_every_tally_in_date_order(db: Database) -> None:
    expected = keys(medal_tallies(db), "competition_id", "delegation")
    assert keys(report_records(db, "medals"), "competition_id", "delegation") == expected
    assert keys(report_records(db, "medals", kind="all"), "competition_id", "delegation") == expected


@pytest.mark.parametrize("kind", ["summer_paralympics", "winter_paralympics", "winter_deaflympics", "national_games"])
def test_medals_kind_returns_exactly_the_rows_of_that_kind(db: Database, kind: str) -> None:
    everything = medal_tallies(db)
    expected = [r for r in everything if r["kind"] == kind]
    assert proper_subset(expected, everything)
    got = report_records(db, "medals", kind=kind)
    assert {r["kind"] for r in got} == {kind}
    assert keys(got, "competition_id", "delegation") == keys(expected, "competition_id", "delegation")


@pytest.mark.parametrize("since", [2021, 2022, 2024, 2025, 2026])
def test_medals_since_keeps_competitions_ending_in_or_after_the_year(db: Database, since: int) -> None:
    expected = [r for r in medal_tallies(db) if r["end_date"].year >= since]
    got = report_records(db, "medals", since=since)
    assert keys(got, "competition_id", "delegation") == keys(expected, "competition_id", "delegation")
    assert all(r["end_date"].year >= since for r in got)


@pytest.mark.parametrize("until", [2020, 2021, 2022, 2024, 2025])
def test_medals_until_keeps_competitions_starting_in_or_before_the_year(db: Database, until: int) -> None:
    expected = [r for r in medal_tallies(db) if r["start_date"].year <= until]
    got = report_records(db, "medals", until=until)
    assert keys(got, "competition_id", "delegation") == keys(expected, "competition_id", "delegation")


def test_medals_since_and_until_together(db: Database) -> None:
    everything = medal_tallies(db)
    expected = [r for r in everything if r["end_date"].year >= 2022 and r["start_date"].year <= 2024]
    assert proper_subset(expected, everything)
    got = report_records(db, "medals", since="2022", until="2024")  # strings as from the command line
    assert keys(got, "competition_id", "delegation") == keys(expected, "competition_id", "delegation")


def test_medals_delegation_returns_only_that_delegation(db: Database) -> None:
    everything = medal_tallies(db)
    delegations = distinct(db, "medal_tallies", "delegation")
    assert {"hebei", "china"} <= set(delegations)
    for delegation in delegations:
        expected = [r for r in everything if r["delegation"] == delegation]
        got = report_records(db, "medals", delegation=delegation)
        assert keys(got, "competition_id", "delegation") == keys(expected, "competition_id", "delegation")


def test_medals_all_filters_combine(db: Database) -> None:
    expected = [r for r in medal_tallies(db) if r["kind"] == "summer_paralympics" and r["delegation"] == "hebei"]
    got = report_records(db, "medals", kind="summer_paralympics", delegation="hebei", since=2021, until=2024)
    assert keys(got, "competition_id") == keys(expected, "competition_id")
    assert len(got) == 2  # Tokyo 2020 (held 2021) and Paris 2024


def test_medals_hebei_share_of_chinas_gold_at_beijing_2022(db: Database) -> None:
    rows = report_records(db, "medals", kind="winter_paralympics", delegation="hebei")
    [hebei] = [r for r in rows if r["competition_id"] == "beijing_2022_winter_paralympics"]
    # The article: Hebei's athletes won 10 gold; China won 18 gold and 61 medals in all at Beijing 2022.
    assert float(hebei["gold"]) == 10
    assert float(hebei["share_of_national_gold"]) == round(100 * 10 / 18, 1)
    assert float(hebei["share_of_national_total"]) == round(100 * float(hebei["total"]) / 61, 1)
    # The article's own figures stand beside the computed ones, in columns of their own.
    assert (hebei["share_of_national_gold_stated"], hebei["share_of_national_total_stated"]) == (55, 60)
    # No source says how Hebei counts a team medal: the note says so rather than calling the share a bound.
    assert "upper bound" not in hebei["share_note"]
    assert "counting basis of hebei: unknown" in hebei["share_note"]
    assert "exact only if both count a team medal the same way" in hebei["share_note"]


def test_medals_shares_only_for_parts_of_a_delegation(db: Database) -> None:
    """A share is of the delegation a row is part of (Hebei's athletes within China's), computed from the tallies;
    a stated share comes from a fact of the same delegation, never from the computation."""
    tallies = {(t["competition_id"], t["delegation"]): t for t in medal_tallies(db)}
    stated = {
        (f["competition_id"], f["region"], f["indicator"]): f["value"]
        for f in facts(db)
        if f["indicator"] in ("share_of_national_gold", "share_of_national_medals")
    }
    parts = 0
    for row in report_records(db, "medals"):
        whole = tallies.get((row["competition_id"], row["part_of_delegation"]))
        key = (row["competition_id"], row["delegation"])
        assert row["share_of_national_gold_stated"] == stated.get((*key, "share_of_national_gold"))
        assert row["share_of_national_total_stated"] == stated.get((*key, "share_of_national_medals"))
        if whole is not None:
            parts += 1
            assert float(row["share_of_national_gold"]) == round(100 * float(row["gold"]) / float(whole["gold"]), 1)
            assert float(row["share_of_national_total"]) == round(100 * float(row["total"]) / float(whole["total"]), 1)
            assert f"counting basis of {row['delegation']}: " in row["share_note"]
            assert row["medal_table"] == "provincial_count"
        else:
            assert row["share_of_national_gold"] is None and row["share_of_national_total"] is None
            assert row["share_note"] is None
    assert parts == 4  # Hebei within China's delegation at Tokyo, Beijing, Erzurum and Paris


def test_medals_show_which_totals_a_source_states(db: Database) -> None:
    rows = {(r["competition_id"], r["delegation"]): r for r in report_records(db, "medals")}
    stated = {(f["competition_id"], f["region"]) for f in facts(db) if f["indicator"] == "total_medals"}
    assert {k for k, r in rows.items() if r["total_is_stated"]} == stated
    # Hebei's totals at the 12th National Games and the four international games are sums, not statements.
    computed = {k[0]: r["total"] for k, r in rows.items() if k[1] == "hebei" and not r["total_is_stated"]}
    assert sorted(float(t) for t in computed.values()) == [11, 31, 32, 37, 290]


# --- indicators -------------------------------------------------------------------------------


def facts(db: Database) -> list[dict[str, Any]]:
    return records(db, "SELECT * FROM facts")


def fact_ids(rows: Iterable[dict[str, Any]]) -> list[str]:
    return [r["fact_id"] for r in rows]


def test_indicators_default_is_every_fact_sorted_by_domain(db: Database) -> None:
    everything = facts(db)
    expected = sorted(everything, key=lambda r: (r["domain"], r["fact_id"]))
    got = report_records(db, "indicators")
    assert fact_ids(got) == fact_ids(expected)
    for row in got:
        source = next(f for f in everything if f["fact_id"] == row["fact_id"])
        assert row["stated"] == source["value_text"]
        assert row["interval"] == source["interval_text"]
        assert row["value"] == source["value"]


@pytest.mark.parametrize("domain", ["education", "employment", "sport_results", "healthcare", "accessibility"])
def test_indicators_domain(db: Database, domain: str) -> None:
    everything = facts(db)
    expected = sorted((r for r in everything if r["domain"] == domain), key=lambda r: r["fact_id"])
    assert proper_subset(expected, everything)
    assert fact_ids(report_records(db, "indicators", domain=domain)) == fact_ids(expected)


def test_indicators_domain_without_facts_is_empty(db: Database) -> None:
    without = [d for (d,) in db.sql("SELECT domain FROM domains EXCEPT SELECT domain FROM facts").fetchall()]
    for domain in without:
        assert report_records(db, "indicators", domain=domain) == []


@pytest.mark.parametrize("region", ["hebei", "china", "baoding", "guangdong"])
def test_indicators_region(db: Database, region: str) -> None:
    everything = facts(db)
    expected = sorted((r for r in everything if r["region"] == region), key=lambda r: (r["domain"], r["fact_id"]))
    assert proper_subset(expected, everything)
    assert fact_ids(report_records(db, "indicators", region=region)) == fact_ids(expected)


def known_to_reach(row: dict[str, Any], since: int) -> bool:
    """The year rule for ``since``: a dated period ends in or after the year; one whose end is only the date it
    was reported by counts only when it is known to start in or after the year."""
    if not row["period_end_is_upper_bound"]:
        return row["period_end"].year >= since
    return row["period_start"] is not None and row["period_start"].year >= since


@pytest.mark.parametrize("since", [2021, 2022, 2025, 2026, 2027])
def test_indicators_since(db: Database, since: int) -> None:
    everything = facts(db)
    expected = sorted((r for r in everything if known_to_reach(r, since)), key=lambda r: (r["domain"], r["fact_id"]))
    assert proper_subset(expected, everything)
    got = report_records(db, "indicators", since=since)
    assert fact_ids(got) == fact_ids(expected)
    # Figures reported by 2026-02-10 without a date of their own never count as 2026 figures.
    assert not [r for r in got if r["period_end_is_upper_bound"] and r["period_start"] is None]


@pytest.mark.parametrize("until", [2021, 2022, 2025, 2026])
def test_indicators_until(db: Database, until: int) -> None:
    everything = facts(db)

    def starts(row: dict[str, Any]) -> dt.date | None:
        return row["period_start"] if row["period_start"] is not None else row["period_end"]

    expected = sorted(
        (r for r in everything if starts(r) is not None and starts(r).year <= until),  # type: ignore[union-attr]
        key=lambda r: (r["domain"], r["fact_id"]),
    )
    assert proper_subset(expected, everything)
    assert fact_ids(report_records(db, "indicators", until=until)) == fact_ids(expected)


@pytest.mark.parametrize("order_by", ["domain", "indicator", "region", "period_end", "value", "fact_id"])
def test_indicators_order_by(db: Database, order_by: str) -> None:
    expected = sorted(facts(db), key=lambda r: (nulls_last(r[order_by]), r["fact_id"]))
    assert fact_ids(report_records(db, "indicators", order_by=order_by)) == fact_ids(expected)


def test_indicators_order_by_changes_the_order(db: Database) -> None:
    by_domain = fact_ids(report_records(db, "indicators", order_by="domain"))
    by_value = fact_ids(report_records(db, "indicators", order_by="value"))
    assert sorted(by_domain) == sorted(by_value)
    assert by_domain != by_value


def test_indicators_filters_combine(db: Database) -> None:
    expected = sorted(
        (r for r in facts(db) if r["domain"] == "sport_results" and r["region"] == "hebei"),
        key=lambda r: (nulls_last(r["value"]), r["fact_id"]),
    )
    got = report_records(db, "indicators", domain="sport_results", region="hebei", order_by="value")
    assert fact_ids(got) == fact_ids(expected)
    assert got


# --- consistency ------------------------------------------------------------------------------


def cross_checks(db: Database) -> list[dict[str, Any]]:
    return sorted(
        records(db, "SELECT * FROM cross_checks"), key=lambda r: (r["check_scope"], r["check_kind"], r["check_id"])
    )


def check_ids(rows: Iterable[dict[str, Any]]) -> list[str]:
    return [r["check_id"] for r in rows]


def test_consistency_default_is_every_check(db: Database) -> None:
    got = report_records(db, "consistency")
    assert sorted(check_ids(got)) == sorted(check_ids(cross_checks(db)))
    # The checks between claims come first, each fact against its own interval after them.
    scopes = [r["check_scope"] for r in got]
    assert scopes == sorted(scopes) and set(scopes) == {"between_claims", "within_fact"}


@pytest.mark.parametrize("scope", ["between_claims", "within_fact"])
def test_consistency_scope(db: Database, scope: str) -> None:
    everything = cross_checks(db)
    expected = [r for r in everything if r["check_scope"] == scope]
    assert proper_subset(expected, everything)
    got = report_records(db, "consistency", scope=scope)
    assert check_ids(got) == check_ids(expected)
    kinds = {r["check_kind"] for r in got}
    assert (kinds == {"interval"}) is (scope == "within_fact")


def test_consistency_check_kind(db: Database) -> None:
    everything = cross_checks(db)
    kinds = distinct(db, "cross_checks", "check_kind")
    assert {"share", "medal_sum"} <= set(kinds)
    for kind in kinds:
        expected = [r for r in everything if r["check_kind"] == kind]
        assert proper_subset(expected, everything)
        assert check_ids(report_records(db, "consistency", check_kind=kind)) == check_ids(expected)


@pytest.mark.parametrize("verdict", ["pass", "fail"])
def test_consistency_verdict(db: Database, verdict: str) -> None:
    expected = [r for r in cross_checks(db) if r["verdict"] == verdict]
    got = report_records(db, "consistency", verdict=verdict)
    assert sorted(check_ids(got)) == sorted(check_ids(expected))
    assert all(r["verdict"] == verdict for r in got)


def test_consistency_share_checks_hold_the_articles_figures(db: Database) -> None:
    rows = {r["fact_id"]: r for r in report_records(db, "consistency", check_kind="share", verdict="pass")}
    # "55% and 60%" of China's 18 gold and 61 medals (Hebei 10 gold, 37 medals).
    gold = rows["beijing2022_hebei_gold_share"]
    assert float(gold["stated_value"]) == 55
    assert float(gold["computed_value"]) == pytest.approx(100 * 10 / 18, abs=0.01)
    total = rows["beijing2022_hebei_medal_share"]
    assert float(total["stated_value"]) == 60
    assert float(total["computed_value"]) == pytest.approx(100 * 37 / 61, abs=0.01)


# --- provenance -------------------------------------------------------------------------------


def test_provenance_default_covers_every_fact_with_its_source(db: Database) -> None:
    everything = {r["fact_id"]: r for r in facts(db)}
    sources = {r["source_id"]: r for r in records(db, "SELECT * FROM sources")}
    got = report_records(db, "provenance")
    assert sorted(fact_ids(got)) == sorted(everything)
    for row in got:
        fact = everything[row["fact_id"]]
        assert (row["quote"], row["quote_start"], row["quote_end"]) == (
            fact["quote"],
            fact["quote_start"],
            fact["quote_end"],
        )
        assert row["source_id"] == fact["source_id"]
        assert row["title"] == sources[fact["source_id"]]["title"]
        assert row["source_kind"] == sources[fact["source_id"]]["kind"]
    # Quoted facts first, in the order of the text.
    quoted = [r for r in got if r["quote_start"] is not None]
    assert got[: len(quoted)] == quoted
    value_start = {r["fact_id"]: r["value_start"] for r in facts(db)}
    assert quoted == sorted(quoted, key=lambda r: (r["source_id"], r["quote_start"], value_start[r["fact_id"]]))


@pytest.mark.parametrize("fact_id", ["persons_benefiting", "beijing2022_hebei_gold", "public_unit_employment_quota"])
def test_provenance_fact_id(db: Database, fact_id: str) -> None:
    [fact] = records(db, "SELECT * FROM facts WHERE fact_id = $f", {"f": fact_id})
    got = report_records(db, "provenance", fact_id=fact_id)
    assert [(r["fact_id"], r["quote"], r["source_id"]) for r in got] == [(fact_id, fact["quote"], fact["source_id"])]


def test_provenance_indicator(db: Database) -> None:
    everything = facts(db)
    counts: dict[str, int] = {}
    for row in everything:
        counts[row["indicator"]] = counts.get(row["indicator"], 0) + 1
    several = [indicator for indicator, n in counts.items() if n > 1]
    assert several, "some indicator should have more than one fact (e.g. gold medals)"
    for indicator in [*several, next(iter(counts))]:
        expected = sorted(r["fact_id"] for r in everything if r["indicator"] == indicator)
        got = report_records(db, "provenance", indicator=indicator)
        assert sorted(fact_ids(got)) == expected
        assert {r["indicator"] for r in got} == {indicator}


def test_provenance_fact_id_and_indicator_combine(db: Database) -> None:
    [fact] = records(db, "SELECT fact_id, indicator FROM facts WHERE fact_id = 'beijing2022_hebei_gold'")
    assert fact_ids(report_records(db, "provenance", fact_id=fact["fact_id"], indicator=fact["indicator"])) == [
        fact["fact_id"]
    ]
    other = next(r["indicator"] for r in facts(db) if r["indicator"] != fact["indicator"])
    assert report_records(db, "provenance", fact_id=fact["fact_id"], indicator=other) == []


# --- timeline ---------------------------------------------------------------------------------


def timeline_events(db: Database) -> list[tuple[dt.date | None, dt.date | None, str, bool]]:
    """(starts_on, ends_on, ref, end is only a reported-by bound) of every dated thing the timeline shows."""
    targets = [r for r in facts(db) if r["period_kind"] == "target"]
    events = [
        (r["start_date"], r["end_date"], r["competition_id"], False) for r in records(db, "SELECT * FROM competitions")
    ]
    events += [
        (r["period_start"], r["period_end"], r["programme_id"], False)
        for r in records(db, "SELECT * FROM programmes")
        if (r["period_start"] is not None or r["period_end"] is not None)
        # a deadline a target fact gives is shown once, as the target
        and not any(t["programme_id"] == r["programme_id"] and t["period_end"] == r["period_end"] for t in targets)
    ]
    events += [
        (r["period_start"], r["period_end"], r["fact_id"], r["period_end_is_upper_bound"])
        for r in facts(db)
        if r["period_kind"] in ("target", "span")
    ]
    events += [
        (r["published_on"], r["published_on"], r["source_id"], False)
        for r in records(db, "SELECT * FROM sources")
        if r["published_on"] is not None
    ]
    return events


def timeline_keeps(event: tuple[Any, ...], since: int | None, until: int | None) -> bool:
    start, end, _, end_is_bound = event
    reaches = start if end_is_bound else (end or start)
    return (since is None or (reaches is not None and reaches.year >= since)) and (
        until is None or (start or end).year <= until
    )


def test_timeline_default_holds_every_event_in_date_order(db: Database) -> None:
    expected = timeline_events(db)
    got = report_records(db, "timeline")
    assert sorted(r["ref"] for r in got) == sorted(e[2] for e in expected)
    placed = [r["starts_on"] if r["starts_on"] is not None else r["ends_on"] for r in got]
    assert placed == sorted(placed)
    # The 15th Five-Year Plan period (years from a reference), the employment quota "by 2027" (once), the spans
    # the article states and every dated source (the Global Times, known to the month) are in it.
    refs = [r["ref"] for r in got]
    assert {"fifteenth_five_year_plan", "public_unit_employment_quota", "tdsp_key_livelihood_years"} <= set(refs)
    assert {"medical_insurance_rate", "global_times_2025_12_national_games"} <= set(refs)
    assert "public_institution_employment_quota" not in refs
    by_ref = {r["ref"]: r for r in got}
    assert by_ref["fifteenth_five_year_plan"]["source_id"] == "compiled_reference_facts"
    assert by_ref["fifteenth_five_year_plan"]["date_precision"] == "year"
    assert by_ref["public_unit_employment_quota"]["date_precision"] == "year"
    assert by_ref["global_times_2025_12_national_games"]["date_precision"] == "month"
    assert by_ref["tdsp_key_livelihood_years"]["ends_on_is_upper_bound"] is True


@pytest.mark.parametrize(
    ("since", "until"), [(2024, None), (None, 2022), (2022, 2025), (2027, None), (None, 2021), (2021, None)]
)
def test_timeline_since_until(db: Database, since: int | None, until: int | None) -> None:
    events = timeline_events(db)
    expected = sorted(e[2] for e in events if timeline_keeps(e, since, until))
    assert proper_subset(expected, events)
    params = {k: v for k, v in (("since", since), ("until", until)) if v is not None}
    assert sorted(r["ref"] for r in report_records(db, "timeline", **params)) == expected


# --- domain_summary ---------------------------------------------------------------------------


def expected_summary(db: Database, region: str | None) -> list[tuple[str, int, int, str | None, int, int]]:
    """(domain, facts, inferred, headline_1, document facts, reference facts) per domain, by facts descending then
    domain; the headline is the first figure by the position of its number in the text, never a criterion."""
    kinds = {r["source_id"]: r["kind"] for r in records(db, "SELECT * FROM sources")}
    rows = [r for r in facts(db) if region is None or r["region"] == region]
    summary = []
    for domain in distinct(db, "domains", "domain"):
        mine = [r for r in rows if r["domain"] == domain]
        figures = sorted(
            (r for r in mine if r["aggregation"] != "criterion"),
            key=lambda r: (r["quote_start"] is None, r["value_start"] or 0, r["fact_id"]),
        )
        first = f"{figures[0]['label']}: {figures[0]['value_text']}" if figures else None
        documents = sum(kinds[r["source_id"]] == "document" for r in mine)
        summary.append((domain, len(mine), sum(bool(r["is_inferred"]) for r in mine), first, documents,
                        len(mine) - documents))  # fmt: skip
    return sorted(summary, key=lambda s: (-s[1], s[0]))


def summary_of(rows: Iterable[dict[str, Any]]) -> list[tuple[str, int, int, str | None, int, int]]:
    return [
        (r["domain"], r["facts"], r["inferred"] or 0, r["headline_1"], r["document_facts"], r["reference_facts"])
        for r in rows
    ]


def test_domain_summary_default_counts_every_fact(db: Database) -> None:
    got = summary_of(report_records(db, "domain_summary"))
    assert got == expected_summary(db, None)
    assert sum(r[1] for r in got) == len(facts(db))
    assert sum(r[5] for r in got) > 0 and sum(r[4] for r in got) > 0


@pytest.mark.parametrize("region", ["hebei", "china", "baoding", "guangdong"])
def test_domain_summary_region(db: Database, region: str) -> None:
    got = summary_of(report_records(db, "domain_summary", region=region))
    assert got == expected_summary(db, region)
    assert sum(r[1] for r in got) == sum(1 for r in facts(db) if r["region"] == region)


# --- refusals ---------------------------------------------------------------------------------


def refused(call: Callable[[], Any]) -> str:
    with pytest.raises(hebeidb.ParameterError) as caught:
        call()
    assert isinstance(caught.value, ValueError)
    return str(caught.value)


def test_unknown_report_is_refused_with_the_list_of_reports(db: Database) -> None:
    message = refused(lambda: db.report("medal"))
    assert "medal'" in message
    for name in REPORT_NAMES:
        assert name in message


def test_report_spec_of_an_unknown_report_lists_the_reports(db: Database) -> None:
    with pytest.raises(ReportNotFoundError) as caught:
        db.report_spec("medal")
    assert isinstance(caught.value, ValueError)
    assert str(caught.value) == (
        "no report named 'medal'; did you mean 'medals'? "
        "reports: consistency, domain_summary, indicators, medals, provenance, timeline"
    )
    assert caught.value.suggestions == ("medals",)
    assert db.report_spec("medals").view_name == "report_medals"


@pytest.mark.parametrize("name", REPORT_NAMES)
def test_unknown_parameter_is_refused_with_the_parameters(db: Database, name: str) -> None:
    message = refused(lambda: db.report(name, colour="gold"))
    assert "colour" in message
    for parameter in db.report_spec(name).parameters:
        assert parameter.name in message


@pytest.mark.parametrize("value", ["abc", 2022.5, True, [2022], "2022-01-01", ""])
def test_wrong_type_is_refused_saying_integer(db: Database, value: Any) -> None:
    message = refused(lambda: db.report("medals", since=value))
    assert "since" in message
    assert "integer" in message
    assert "1900" in message and "2100" in message


@pytest.mark.parametrize(("parameter", "value", "bound"), [("since", 1899, "1900"), ("until", 2101, "2100")])
def test_out_of_range_is_refused_with_the_range(db: Database, parameter: str, value: int, bound: str) -> None:
    message = refused(lambda: db.report("timeline", **{parameter: value}))
    assert parameter in message
    assert bound in message


def test_edges_of_the_range_are_allowed(db: Database) -> None:
    everything = report_records(db, "timeline")
    # A span that neither starts on a known date nor ends on one (reported by a date) is in no year range.
    unplaced = [r for r in everything if r["ends_on_is_upper_bound"] and r["starts_on"] is None]
    assert [r["ref"] for r in unplaced] == ["medical_insurance_rate"]
    assert report_records(db, "timeline", since=1900, until=2100) == [r for r in everything if r not in unplaced]
    assert report_records(db, "timeline", until=2100) == everything


def test_choice_outside_its_list_is_refused_with_the_choices(db: Database) -> None:
    message = refused(lambda: db.report("medals", kind="olympics"))
    for kind in ("all", "summer_paralympics", "winter_paralympics", "winter_deaflympics", "national_games"):
        assert kind in message
    message = refused(lambda: db.report("consistency", verdict="maybe"))
    assert "pass" in message and "fail" in message


def test_choice_from_a_view_is_refused_with_the_views_values(db: Database) -> None:
    message = refused(lambda: db.report("medals", delegation="atlantis"))
    for delegation in distinct(db, "medal_tallies", "delegation"):
        assert delegation in message
    message = refused(lambda: db.report("indicators", domain="astronomy"))
    for domain in distinct(db, "domains", "domain"):
        assert domain in message


@pytest.mark.parametrize("value", ["value; DROP TABLE facts", "VALUE", "f.value", '"value"', "label"])
def test_identifier_outside_its_allow_list_is_refused(db: Database, value: str) -> None:
    message = refused(lambda: db.report("indicators", order_by=value))
    for column in ("domain", "indicator", "region", "period_end", "value", "fact_id"):
        assert column in message


def all_parameters() -> list[tuple[str, str]]:
    from hebeidb.builder.inputs import Inputs

    specs = load_specs(Inputs.installed().queries_dir)
    return [(spec.name, p.name) for spec in specs.values() for p in spec.parameters]


@pytest.mark.parametrize("injection", INJECTIONS)
@pytest.mark.parametrize(("name", "parameter"), all_parameters())
def test_injection_in_any_value_is_refused_or_bound(
    db: Database, inputs_root: Path, name: str, parameter: str, injection: str
) -> None:
    before = facts_table_rows(db)
    try:
        rendered = db.render(name, **{parameter: injection})
    except hebeidb.ParameterError:
        pass
    else:
        # Bound, never pasted: the text is not in the SQL, and running it does not execute it.
        assert injection not in rendered.sql
        assert "DROP" not in rendered.sql.upper()
        assert "49" not in rendered.sql
        assert rendered.params.get(parameter) == injection
        db.report(name, **{parameter: injection}).fetchall()
    assert facts_table_rows(db) == before == seed_fact_count(inputs_root)
    assert db.sql("SELECT count(*) FROM facts").fetchall() == [(before,)]


def test_injection_through_sql_params_is_bound(db: Database, inputs_root: Path) -> None:
    for injection in INJECTIONS:
        rows = db.sql("SELECT count(*) FROM facts WHERE fact_id = $x OR domain = $x", {"x": injection}).fetchall()
        assert rows == [(0,)]
    assert facts_table_rows(db) == seed_fact_count(inputs_root)


def test_none_for_a_parameter_with_a_default_is_not_a_silent_empty_result(db: Database) -> None:
    """``kind=None`` must mean the default (all kinds) or be refused, not filter on ``kind = NULL``."""
    for name, parameter in (("medals", "kind"), ("consistency", "verdict")):
        try:
            rows = db.report(name, **{parameter: None}).fetchall()
        except hebeidb.ParameterError:
            continue
        assert rows == db.report(name).fetchall(), f"{name} with {parameter}=None returned {len(rows)} rows"


# --- template rules ---------------------------------------------------------------------------


@pytest.fixture
def medals_copy(tmp_path: Path, inputs_root: Path) -> Path:
    """A private copy of the medals report (template and metadata)."""
    queries = tmp_path / "queries"
    queries.mkdir()
    for suffix in (".sql", ".toml"):
        shutil.copy(inputs_root / "queries" / f"medals{suffix}", queries / f"medals{suffix}")
    return queries / "medals.sql"


def render_copy(template: Path, **params: Any) -> Any:
    spec: ReportSpec = load_spec(template)
    return render(spec, validate(spec, params, lambda source: ("hebei", "china")))


def rewrite(template: Path, old: str, new: str) -> None:
    text = template.read_text(encoding="utf-8")
    assert old in text
    template.write_text(text.replace(old, new), encoding="utf-8")


def test_unchanged_copy_renders_with_bound_values(medals_copy: Path) -> None:
    rendered = render_copy(medals_copy, kind="national_games", since=2021, delegation="hebei")
    assert "$kind" in rendered.sql and "national_games" not in rendered.sql
    assert rendered.params == {"kind": "national_games", "since": 2021, "delegation": "hebei"}


def template_error(template: Path, **params: Any) -> str:
    with pytest.raises(TemplateError) as caught:
        render_copy(template, **params)
    assert isinstance(caught.value, ValueError)
    return str(caught.value)


def test_template_printing_a_value_is_refused(medals_copy: Path) -> None:
    rewrite(medals_copy, "AND m.kind = $kind", "AND m.kind = '{{ kind }}'")
    message = template_error(medals_copy, kind="national_games")
    assert "kind" in message
    assert "$kind" in message  # says how to do it instead
    assert "medals.sql" in message


def test_template_printing_a_constant_is_refused(medals_copy: Path) -> None:
    rewrite(medals_copy, "WHERE 1 = 1", "WHERE 1 = {{ 49 }}")
    message = template_error(medals_copy)
    assert "49" in message
    assert "bound" in message or "$" in message


def test_template_with_an_undefined_variable_is_refused(medals_copy: Path) -> None:
    rewrite(medals_copy, "{% if kind != 'all' %}", "{% if colour != 'all' %}")
    message = template_error(medals_copy)
    assert "colour" in message
    assert "undefined" in message


def test_template_testing_an_undefined_variable_with_is_none_is_refused(medals_copy: Path) -> None:
    """Every template tests its optional filters with ``is not none``; a misspelt name must not pass."""
    rewrite(medals_copy, "{% if delegation is not none %}", "{% if delegaton is not none %}")
    message = template_error(medals_copy)
    assert "delegaton" in message
    assert "undefined" in message


def test_template_with_an_unknown_placeholder_is_refused(medals_copy: Path) -> None:
    rewrite(medals_copy, "AND m.kind = $kind", "AND m.kind = $colour")
    message = template_error(medals_copy, kind="national_games")
    assert "$colour" in message
    assert "parameter" in message


def test_placeholder_inside_a_string_or_comment_is_not_a_placeholder(medals_copy: Path) -> None:
    rewrite(medals_copy, "WHERE 1 = 1", "WHERE '$colour' <> '' -- $other\n")
    rendered = render_copy(medals_copy)
    assert "colour" not in rendered.params and "other" not in rendered.params


@pytest.mark.parametrize(
    "escape",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{% if ''.__class__ %}1{% endif %}",
    ],
)
def test_template_sandbox_escape_is_refused(medals_copy: Path, escape: str) -> None:
    rewrite(medals_copy, "WHERE 1 = 1", f"WHERE 1 = 1 {escape}")
    message = template_error(medals_copy)
    assert "__class__" in message or "unsafe" in message or "a call is not allowed" in message, message


# What a template may not hold, whatever it is for: a construct whose rendering time does not follow the
# template's length (a loop, a macro calling itself, arithmetic on strings) or that computes values.
REFUSED_CONSTRUCTS = {
    "a for loop": "{% for a in 'xy' %}{% for b in 'xy' %}1{% endfor %}{% endfor %}",
    "a macro": "{% macro m(n) %}{{ m(n) }}{% endmacro %}",
    "arithmetic": "{% if ('x' * 999999999) == 'y' %}1{% endif %}",
    "an assignment": "{% set s = 'x' %}",
    "a filter": "{% if kind | length > 1 %}1{% endif %}",
    "a call": "{% if range(9) %}1{% endif %}",
    "a concatenation": "{% if kind ~ 'x' %}1{% endif %}",
    "an include": "{% include 'medals.sql' %}",
}


@pytest.mark.parametrize("construct", sorted(REFUSED_CONSTRUCTS))
def test_a_template_construct_beyond_if_and_identifiers_is_refused_on_its_line(
    medals_copy: Path, construct: str
) -> None:
    rewrite(medals_copy, "WHERE 1 = 1", "WHERE 1 = 1\n\n" + REFUSED_CONSTRUCTS[construct])
    message = template_error(medals_copy)
    assert f"{construct} is not allowed in a report template" in message, message
    lines = medals_copy.read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if REFUSED_CONSTRUCTS[construct][:8] in text)
    assert f"medals.sql, line {line}" in message, message


# --- report metadata: queries/<name>.toml beside its template ---------------------------------------


def write_report(folder: Path, toml: str | bytes | None, sql: str = "SELECT 1 AS one\n", name: str = "edge") -> Path:
    """Write ``<name>.sql`` (and ``<name>.toml`` unless ``toml`` is None); returns the template path."""
    template = folder / f"{name}.sql"
    template.write_text(sql, encoding="utf-8")
    if isinstance(toml, bytes):
        template.with_suffix(".toml").write_bytes(toml)
    elif toml is not None:
        template.with_suffix(".toml").write_text(toml, encoding="utf-8")
    return template


def param(**fields: Any) -> str:
    """One ``[[params]]`` table in TOML."""
    lines = ["[[params]]"]
    for key, value in fields.items():
        lines.append(f"{key} = {json.dumps(value) if not isinstance(value, bool) else str(value).lower()}")
    return "\n".join(lines) + "\n"


def refused_metadata(template: Path) -> str:
    with pytest.raises(TemplateError) as caught:
        load_spec(template)
    assert isinstance(caught.value, hebeidb.ParameterError)
    return str(caught.value)


@pytest.mark.parametrize("name", ["Medals", "my-report", "2024_report", "_private"])
def test_report_name_must_be_a_lower_case_name(tmp_path: Path, name: str) -> None:
    template = write_report(tmp_path, HEADER, name=name)
    message = refused_metadata(template)
    assert message.startswith(f"{template}: ")
    assert "lower case letters, digits and underscores" in message


def test_template_without_metadata_beside_it_is_refused(tmp_path: Path) -> None:
    template = write_report(tmp_path, None, name="lonely")
    message = refused_metadata(template)
    assert message == f"{template}: no metadata file lonely.toml beside it"


def test_metadata_that_is_not_toml_is_refused_with_its_line(tmp_path: Path) -> None:
    template = write_report(tmp_path, HEADER + "[[params]]\nname = kind\n")
    message = refused_metadata(template)
    assert message.startswith(f"{template.with_suffix('.toml')}, line 4: ")


def test_metadata_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    template = write_report(tmp_path, b'title = "caf\xe9"\ndescription = "d"\n')
    message = refused_metadata(template)
    assert message.startswith(f"{template.with_suffix('.toml')}: ")
    assert "utf-8" in message.lower()


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('description = "d"\n', "title"),
        ('title = "t"\n', "description"),
        ('title = 3\ndescription = "d"\n', "title"),
        ('title = "t"\ndescription = ["d"]\n', "description"),
    ],
)
def test_metadata_needs_a_text_title_and_description(tmp_path: Path, toml: str, key: str) -> None:
    template = write_report(tmp_path, toml)
    assert refused_metadata(template) == f"{template.with_suffix('.toml')}: needs a text value for {key!r}"


def test_a_parameter_name_used_twice_is_refused(tmp_path: Path) -> None:
    toml = HEADER + param(name="year", type="integer") + param(name="region", type="text")
    toml += param(name="year", type="date")
    message = refused_metadata(write_report(tmp_path, toml))
    assert "a parameter name is used twice" in message
    assert "['year', 'region', 'year']" in message


@pytest.mark.parametrize("name", [None, "Kind", "two words", "1st", 7])
def test_a_parameter_needs_a_plain_name(tmp_path: Path, name: Any) -> None:
    second = param(type="text") if name is None else param(name=name, type="text")
    template = write_report(tmp_path, HEADER + param(name="first", type="text") + second)
    message = refused_metadata(template)
    # The second [[params]] table is the one at fault.
    assert message.startswith(f"{template.with_suffix('.toml')}: params[2]: ")
    assert "needs a name of lower case letters, digits and underscores" in message


@pytest.mark.parametrize("kind", ["float", "string", "Integer", None])
def test_an_unknown_parameter_type_is_refused_with_the_types(tmp_path: Path, kind: str | None) -> None:
    fields: dict[str, Any] = {"name": "amount"} if kind is None else {"name": "amount", "type": kind}
    template = write_report(tmp_path, HEADER + param(**fields))
    message = refused_metadata(template)
    assert message.startswith(f"{template.with_suffix('.toml')}: params[1] (amount): ")
    assert "type must be one of text, integer, number, date, boolean, choice, identifier" in message
    assert message.endswith(f"not {kind!r}")


@pytest.mark.parametrize("kind", ["choice", "identifier"])
def test_choice_and_identifier_need_choices(tmp_path: Path, kind: str) -> None:
    message = refused_metadata(write_report(tmp_path, HEADER + param(name="pick", type=kind)))
    assert f"params[1] (pick): a {kind} parameter needs choices or choices_from" in message


def test_an_identifier_cannot_take_its_choices_from_a_view(tmp_path: Path) -> None:
    toml = HEADER + param(name="order_by", type="identifier", choices_from="facts.fact_id")
    message = refused_metadata(write_report(tmp_path, toml))
    assert "params[1] (order_by): identifiers need a fixed list of choices" in message


@pytest.mark.parametrize("choices", [["label", "Value"], ["label", "value; DROP TABLE facts"], ["label", 3], ['"x"']])
def test_identifier_choices_must_be_plain_names(tmp_path: Path, choices: list[Any]) -> None:
    toml = HEADER + param(name="order_by", type="identifier", choices=choices)
    message = refused_metadata(write_report(tmp_path, toml))
    assert "params[1] (order_by): identifier choices must be plain lower-case names" in message


@pytest.mark.parametrize("source", ["facts", "facts.", "Facts.domain", "facts.domain.x", "facts.do main", "1x.y"])
def test_choices_from_must_be_view_dot_column(tmp_path: Path, source: str) -> None:
    toml = HEADER + param(name="domain", type="choice", choices_from=source)
    message = refused_metadata(write_report(tmp_path, toml))
    assert "params[1] (domain): choices_from must be view.column" in message


def test_valid_metadata_is_read_with_converted_defaults(tmp_path: Path) -> None:
    toml = (
        'title = "Edge"\ndescription = """\n  Two lines\n  of description.\n"""\n'
        'portable = "uses list_sort, which SQLite lacks"\nexample = "hebeidb report edge"\n'
        + param(name="since", type="date", default="2020-01-31", min="2000-01-01", help="From.")
        + param(name="share", type="number", default=3, max=100)
        + param(name="flag", type="boolean", default="yes")
        + param(name="order_by", type="identifier", choices=["label", "value"], default="label")
        + param(name="domain", type="choice", choices_from="facts.domain", required=True)
    )
    spec = load_spec(write_report(tmp_path, toml))
    assert spec.name == "edge" and spec.view_name == "report_edge"
    assert spec.title == "Edge"
    assert spec.description == "Two lines\n  of description."
    assert spec.portable is False
    assert spec.portability_note == "uses list_sort, which SQLite lacks"
    assert spec.example == "hebeidb report edge"
    assert spec.defaults() == {
        "since": dt.date(2020, 1, 31),
        "share": 3.0,
        "flag": True,
        "order_by": "label",
        "domain": None,
    }
    assert isinstance(spec.defaults()["share"], float)
    assert spec.parameter("since").help == "From."
    assert spec.parameter("domain").required is True
    assert spec.parameter("order_by").choices == ("label", "value")


def test_a_report_without_parameters_says_so(tmp_path: Path) -> None:
    spec = load_spec(write_report(tmp_path, HEADER))
    assert spec.parameters == ()
    with pytest.raises(ReportParameterError) as caught:
        spec.parameter("kind")
    assert str(caught.value) == "report 'edge' has no parameter 'kind'; its parameters: none"


def test_a_portable_report_has_no_portability_note(tmp_path: Path) -> None:
    spec = load_spec(write_report(tmp_path, HEADER + "portable = true\n"))
    assert spec.portable is True and spec.portability_note == ""


def test_a_default_that_breaks_its_own_rules_names_the_metadata_file(tmp_path: Path) -> None:
    """A default outside its own allowed values is refused naming the metadata file, so that
    ``hebeidb build`` says which of the queries/*.toml to edit."""
    toml = HEADER + param(name="kind", type="choice", choices=["all", "national_games"], default="everything")
    template = write_report(tmp_path, toml)
    with pytest.raises(hebeidb.ParameterError) as caught:
        load_spec(template)
    assert str(template.with_suffix(".toml")) in str(caught.value)


@pytest.mark.parametrize(
    "toml",
    [
        pytest.param(HEADER + '[params]\nname = "kind"\ntype = "text"\n', id="params-as-one-table"),
        pytest.param(
            HEADER + param(name="domain", type="choice", choices_from=["facts.domain"]), id="choices_from-list"
        ),
        pytest.param(HEADER + param(name="order_by", type="identifier", choices="label"), id="choices-as-text"),
        pytest.param(HEADER + param(name="since", type="date", min="soon"), id="min-not-a-date"),
    ],
)
def test_malformed_metadata_is_refused_naming_the_file(tmp_path: Path, toml: str) -> None:
    """``[params]`` instead of ``[[params]]``, a list for choices_from, ``choices = "label"`` (not a
    list of choices) and ``min = "soon"`` on a date are each refused naming the metadata file, not a
    crash (AttributeError, TypeError) or a silent misreading."""
    template = write_report(tmp_path, toml)
    message = refused_metadata(template)
    assert str(template.with_suffix(".toml")) in message


# --- converting parameter values -------------------------------------------------------------------------


def p(kind: str, **fields: Any) -> Parameter:
    return Parameter(name="value", type=kind, help="", **fields)


def no_choices() -> tuple[Any, ...]:
    return ()


@pytest.mark.parametrize(
    ("value", "expected"),
    [(3, 3.0), (2.5, 2.5), ("2.5", 2.5), (" -1e3 ", -1000.0), ("0", 0.0), (-0.25, -0.25)],
)
def test_number_accepts_numbers_and_numeric_text(value: Any, expected: float) -> None:
    converted = coerce(p("number"), value, no_choices)
    assert converted == expected and isinstance(converted, float)


@pytest.mark.parametrize("value", [True, "nan", "inf", "-Infinity", "1e999", float("nan"), "abc", "", [1], {"a": 1}])
def test_number_refuses_what_is_not_a_finite_number(value: Any) -> None:
    with pytest.raises(ReportParameterError) as caught:
        coerce(p("number"), value, no_choices)
    assert "which is not a number: number, optional" in str(caught.value)
    assert str(caught.value).startswith("parameter 'value' got ")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022-03-04", dt.date(2022, 3, 4)),
        (" 2022-03-04 ", dt.date(2022, 3, 4)),
        (dt.date(2000, 2, 29), dt.date(2000, 2, 29)),
    ],
)
def test_date_accepts_iso_text_and_dates(value: Any, expected: dt.date) -> None:
    assert coerce(p("date"), value, no_choices) == expected


@pytest.mark.parametrize(
    "value", [dt.datetime(2022, 3, 4, 12, 0), "2022-02-30", "04/03/2022", "yesterday", 20220304, 2022.0, True]
)
def test_date_refuses_datetimes_and_what_is_not_a_date(value: Any) -> None:
    with pytest.raises(ReportParameterError, match=r"which is not a date: date, optional$"):
        coerce(p("date"), value, no_choices)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        ("true", True),
        ("TRUE", True),
        ("Yes", True),
        ("1", True),
        ("false", False),
        ("no", False),
        ("0", False),
    ],
)
def test_boolean_accepts_the_usual_words(value: Any, expected: bool) -> None:
    assert coerce(p("boolean"), value, no_choices) is expected


@pytest.mark.parametrize("value", ["maybe", "on", "2", "", 1, 0, 1.0])
def test_boolean_refuses_other_values(value: Any) -> None:
    with pytest.raises(ReportParameterError, match=r"which is not a boolean: boolean, optional$"):
        coerce(p("boolean"), value, no_choices)


def test_text_accepts_up_to_1000_characters() -> None:
    assert coerce(p("text"), "河北 " * 250, no_choices) == "河北 " * 250
    assert coerce(p("text"), "", no_choices) == ""


@pytest.mark.parametrize("value", [5, b"bytes", "a\x00b", "x" * 1001, ["a"]])
def test_text_refuses_non_text_nul_and_overlong_values(value: Any) -> None:
    with pytest.raises(ReportParameterError, match=r"which is not a text: text, optional$"):
        coerce(p("text"), value, no_choices)


@pytest.mark.parametrize(
    ("value", "expected"), [(" 42 ", 42), ("+7", 7), ("-0012", -12), (10**18 - 1, 10**18 - 1), (-5, -5)]
)
def test_integer_accepts_whole_numbers(value: Any, expected: int) -> None:
    assert coerce(p("integer"), value, no_choices) == expected


@pytest.mark.parametrize("value", ["4.0", 4.0, True, 10**18, -(10**18), "1" * 19, "1e3", dt.date(2020, 1, 1)])
def test_integer_refuses_fractions_booleans_and_huge_values(value: Any) -> None:
    with pytest.raises(ReportParameterError, match=r"which is not an integer: integer, optional$"):
        coerce(p("integer"), value, no_choices)


def test_a_value_too_large_to_print_is_described_not_printed() -> None:
    with pytest.raises(ReportParameterError) as caught:
        coerce(p("integer"), 10**5000, no_choices)
    assert str(caught.value).startswith("parameter 'value' got <int too large to show>, which is not an integer")


def test_a_long_value_is_shortened_in_the_message() -> None:
    value = "x" * 200
    with pytest.raises(ReportParameterError) as caught:
        coerce(p("integer"), value, no_choices)
    message = str(caught.value)
    assert "'" + "x" * 56 + "..." in message
    assert "x" * 60 not in message


@pytest.mark.parametrize(
    ("kind", "bounds", "value", "phrase"),
    [
        ("integer", {"minimum": 1, "maximum": 10}, 0, "got 0, below 1: integer, from 1 to 10, optional"),
        ("integer", {"minimum": 1, "maximum": 10}, "11", "got '11', above 10: integer, from 1 to 10, optional"),
        ("integer", {"minimum": 1}, -3, "got -3, below 1: integer, from 1 to +inf, optional"),
        ("number", {"maximum": 100}, 100.5, "got 100.5, above 100: number, from -inf to 100, optional"),
        (
            "date",
            {"minimum": dt.date(2020, 1, 1)},
            "2019-12-31",
            "got '2019-12-31', below 2020-01-01: date, from 2020-01-01 to +inf, optional",
        ),
        (
            "date",
            {"maximum": "2026-02-10"},
            dt.date(2026, 2, 11),
            "above 2026-02-10: date, from -inf to 2026-02-10, optional",
        ),
    ],
)
def test_values_outside_the_bounds_are_refused_with_the_range(
    kind: str, bounds: dict[str, Any], value: Any, phrase: str
) -> None:
    with pytest.raises(ReportParameterError) as caught:
        coerce(p(kind, **bounds), value, no_choices)
    assert phrase in str(caught.value)


@pytest.mark.parametrize(
    ("kind", "bounds", "value", "expected"),
    [
        ("integer", {"minimum": 1, "maximum": 10}, "1", 1),
        ("integer", {"minimum": 1, "maximum": 10}, 10, 10),
        ("number", {"minimum": 0, "maximum": 0.5}, "0.5", 0.5),
        ("date", {"minimum": "2020-01-01", "maximum": dt.date(2020, 12, 31)}, "2020-12-31", dt.date(2020, 12, 31)),
    ],
)
def test_the_bounds_themselves_are_allowed(kind: str, bounds: dict[str, Any], value: Any, expected: Any) -> None:
    assert coerce(p(kind, **bounds), value, no_choices) == expected


def test_a_bound_of_the_wrong_type_is_refused_when_the_metadata_is_read(tmp_path: Path) -> None:
    """``min = "soon"`` on a date parameter is refused by load_spec, naming the file and the bound,
    rather than making every later value fail with a bare ValueError."""
    with pytest.raises(TemplateError, match=r"edge\.toml: params\[1\] \(since\): min = 'soon' is not a date"):
        load_spec(write_report(tmp_path, HEADER + param(name="since", type="date", min="soon")))


def test_a_required_parameter_without_a_value_is_refused() -> None:
    required = p("integer", required=True, minimum=1)
    with pytest.raises(ReportParameterError) as caught:
        coerce(required, None, no_choices)
    assert str(caught.value) == "parameter 'value' is required: integer, from 1 to +inf"
    assert coerce(p("integer"), None, no_choices) is None


def test_validate_refuses_a_missing_required_parameter_and_accepts_it_given(tmp_path: Path) -> None:
    toml = HEADER + param(name="region", type="text", required=True) + param(name="year", type="integer", default=2024)
    spec = load_spec(write_report(tmp_path, toml))
    for params in ({}, {"region": None}, {"year": 2020}):
        with pytest.raises(ReportParameterError, match=r"^parameter 'region' is required: text$"):
            validate(spec, params, lambda source: ())
    assert validate(spec, {"region": "hebei", "year": None}, lambda source: ()) == {"region": "hebei", "year": 2024}


def test_validate_refuses_parameters_that_are_not_a_mapping(tmp_path: Path) -> None:
    spec = load_spec(write_report(tmp_path, HEADER))
    with pytest.raises(ReportParameterError, match="name=value pairs"):
        validate(spec, [("kind", "all")], lambda source: ())  # type: ignore[arg-type]


def test_choices_from_asks_for_the_view_column_once_it_is_needed(tmp_path: Path) -> None:
    toml = HEADER + param(name="domain", type="choice", choices_from="facts.domain")
    spec = load_spec(write_report(tmp_path, toml))
    asked: list[str] = []

    def choices(source: str) -> tuple[str, ...]:
        asked.append(source)
        return ("education", "employment")

    assert validate(spec, {}, choices) == {"domain": None}
    assert asked == []  # no value, nothing to check against
    assert validate(spec, {"domain": "education"}, choices) == {"domain": "education"}
    with pytest.raises(ReportParameterError) as caught:
        validate(spec, {"domain": "sports"}, choices)
    assert str(caught.value) == "parameter 'domain' got 'sports'; allowed: education, employment"
    assert asked == ["facts.domain", "facts.domain"]
    assert spec.parameter("domain").describe() == "choice, a value of facts.domain, optional"


@pytest.mark.parametrize(
    ("parameter", "described"),
    [
        (p("integer", minimum=1900, maximum=2100, default=2000), "integer, from 1900 to 2100, default 2000"),
        (p("choice", choices=("a", "b")), "choice, one of a, b, optional"),
        (p("text", required=True), "text"),
        (p("number", maximum=0), "number, from -inf to 0, optional"),
        (p("boolean", default=False), "boolean, default false"),
    ],
)
def test_describe_says_what_is_allowed(parameter: Parameter, described: str) -> None:
    assert parameter.describe() == described


# --- inline SQL: report views with their defaults written in ------------------------------------------


def test_inline_sql_gives_the_rows_of_the_bound_query(tmp_path: Path) -> None:
    toml = (
        HEADER
        + param(name="n", type="integer")
        + param(name="t", type="text")
        + param(name="d", type="date")
        + param(name="b", type="boolean")
        + param(name="x", type="number")
        + param(name="unset", type="text")
    )
    sql = (
        "SELECT $n AS n, $t AS t, $d AS d, $b AS b, $x AS x, $unset IS NULL AS unset_is_null,\n       $n + 1 AS next\n"
    )
    spec = load_spec(write_report(tmp_path, toml, sql))
    values = validate(spec, {"n": "5", "t": "it's", "d": "2020-01-01", "b": "no", "x": "0.5"}, lambda s: ())
    rendered = render(spec, values)
    assert rendered.params == {"n": 5, "t": "it's", "d": dt.date(2020, 1, 1), "b": False, "x": 0.5, "unset": None}
    inline = rendered.inline_sql()
    assert inline == (
        "SELECT 5 AS n, 'it''s' AS t, DATE '2020-01-01' AS d, FALSE AS b, CAST(0.5 AS DOUBLE) AS x, "
        "NULL IS NULL AS unset_is_null,\n"
        "       5 + 1 AS next\n"
    )
    bound = duckdb.execute(rendered.sql, rendered.params).fetchall()
    assert duckdb.sql(inline).fetchall() == bound == [(5, "it's", dt.date(2020, 1, 1), False, 0.5, True, 6)]


@pytest.mark.parametrize(
    "select",
    [
        pytest.param("SELECT '$colour' AS label, $n AS n -- $other\n", id="undeclared-name-in-string"),
        pytest.param("SELECT 'price in $n' AS label, $n AS n\n", id="declared-name-in-string"),
    ],
)
def test_inline_sql_leaves_dollar_words_in_strings_and_comments_alone(tmp_path: Path, select: str) -> None:
    """inline_sql() leaves ``$name`` inside a string or comment alone, as render() does: an undeclared
    name does not crash the view, a declared one does not rewrite the string's text, so the report view
    and the bound query give the same rows."""
    spec = load_spec(write_report(tmp_path, HEADER + param(name="n", type="integer", default=5), select))
    rendered = render(spec, validate(spec, {}, lambda s: ()))
    assert rendered.params == {"n": 5}
    bound = duckdb.execute(rendered.sql, rendered.params).fetchall()
    assert duckdb.sql(rendered.inline_sql()).fetchall() == bound


# --- rendering a template -------------------------------------------------------------------------------

RENDER_TOML = (
    HEADER
    + param(name="kind", type="text", default="a")
    + param(name="flag", type="boolean", default=False)
    + param(name="order_by", type="identifier", choices=["label", "value"], default="label")
)


def render_template(folder: Path, sql: str, **params: Any) -> Any:
    spec = load_spec(write_report(folder, RENDER_TOML, sql))
    return render(spec, validate(spec, params, lambda source: ()))


def test_a_template_may_test_a_value_for_truth(tmp_path: Path) -> None:
    sql = "SELECT 1 AS one{% if flag %} WHERE false{% endif %}"
    assert render_template(tmp_path, sql).sql == "SELECT 1 AS one\n"
    assert render_template(tmp_path, sql, flag="yes").sql == "SELECT 1 AS one WHERE false\n"


def test_a_template_may_look_a_value_up_in_a_mapping(tmp_path: Path) -> None:
    sql = "SELECT 1 AS one{% if kind in {'a': 1, 'b': 2} %} WHERE $kind <> ''{% endif %}"
    assert render_template(tmp_path, sql, kind="b").params == {"kind": "b"}
    assert render_template(tmp_path, sql, kind="c").sql == "SELECT 1 AS one\n"


def test_an_identifier_is_printed_quoted(tmp_path: Path) -> None:
    rendered = render_template(tmp_path, "SELECT 1 AS label, 2 AS value ORDER BY {{ order_by }}", order_by="value")
    assert rendered.sql == 'SELECT 1 AS label, 2 AS value ORDER BY "value"\n'
    assert rendered.params == {}


def test_an_identifier_bound_as_a_placeholder_is_refused(tmp_path: Path) -> None:
    template = tmp_path / "edge.sql"
    with pytest.raises(TemplateError) as caught:
        render_template(tmp_path, "SELECT 1 AS label ORDER BY $order_by")
    assert str(caught.value) == f"{template}: identifier parameters are printed with {{{{ name }}}}, not bound"


def test_a_template_printing_a_list_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TemplateError) as caught:
        render_template(tmp_path, "SELECT {{ [1, 2] }}")
    assert str(caught.value) == f"{tmp_path / 'edge.sql'}, line 1: the template prints an object of type list"


@pytest.mark.parametrize("sql", ["SELECT 1 {{ kind.upper }}", "SELECT 1 {% if kind.upper %}x{% endif %}"])
def test_a_template_reaching_into_a_value_is_refused(tmp_path: Path, sql: str) -> None:
    with pytest.raises(TemplateError) as caught:
        render_template(tmp_path, sql)
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'edge.sql'}, line 1: undefined name in template: ")
    assert "has no attribute 'upper'" in message


def test_a_template_that_is_not_utf8_is_refused_naming_it(tmp_path: Path) -> None:
    template = write_report(tmp_path, RENDER_TOML)
    template.write_bytes(b"SELECT 'caf\xe9' AS drink")
    with pytest.raises(TemplateError) as caught:
        load_spec(template)
    assert str(caught.value).startswith(f"{template}: not UTF-8 text: ")
    assert caught.value.file == str(template)


@pytest.mark.parametrize(
    "sql",
    [
        pytest.param("SELECT 1 {% include 'common.sql' %}", id="include"),
        pytest.param("SELECT 1 {% if 1 / 0 %}x{% endif %}", id="division-by-zero"),
    ],
)
def test_a_template_failing_while_it_renders_is_refused_naming_it(tmp_path: Path, sql: str) -> None:
    """A template failing while it renders for any reason (``{% include %}`` without a loader,
    ``1 / 0``) is a TemplateError naming queries/<name>.sql, not a traceback from ``hebeidb build``."""
    with pytest.raises(TemplateError) as caught:
        render_template(tmp_path, sql)
    assert str(caught.value).startswith(f"{tmp_path / 'edge.sql'}")
