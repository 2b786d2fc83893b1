"""Reports: defaults equal their views, every parameter filters as documented, refusals say what is allowed.

Expected rows are derived independently from the public views (plain SQL or Python over their rows),
never copied from the reports' output.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

import hebeidb
from hebeidb.database import Database
from hebeidb.reports import ReportSpec, TemplateError, load_spec, load_specs, render, validate

REPORT_NAMES = ("consistency", "domain_summary", "indicators", "medals", "provenance", "timeline")
INJECTIONS = ("'; DROP TABLE facts; --", "1 OR 1=1", "{{ 7*7 }}")


# --- helpers ----------------------------------------------------------------------------------


def records(db: Database, query: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Rows of a plain query on the connection (not through the code under test) as dicts."""
    relation = db.con.sql(query, params=params)
    return [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]


def report_records(db: Database, name: str, **params: Any) -> list[dict[str, Any]]:
    relation = db.report(name, **params)
    return [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]


def nulls_last(value: Any) -> tuple[bool, Any]:
    return (value is None, value if value is not None else 0)


def facts_table_rows(db: Database) -> int:
    [(count,)] = db.con.sql("SELECT count(*) FROM core.facts").fetchall()
    return count


def seed_fact_count(inputs_root: Path) -> int:
    with (inputs_root / "seeds" / "facts.csv").open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.DictReader(handle))


def distinct(db: Database, view: str, column: str) -> list[Any]:
    return [v for (v,) in db.con.sql(f'SELECT DISTINCT "{column}" FROM {view} WHERE "{column}" IS NOT NULL').fetchall()]


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
    views = {name for (name,) in db.con.sql("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    assert {f"report_{name}" for name in templates} <= views


@pytest.mark.parametrize("name", REPORT_NAMES)
def test_report_with_defaults_equals_its_view(db: Database, name: str) -> None:
    relation = db.report(name)
    view = db.con.sql(f'SELECT * FROM "report_{name}"')
    assert relation.columns == view.columns
    rows = relation.fetchall()
    assert rows == view.fetchall()
    assert rows, f"report {name} is empty with its defaults"


@pytest.mark.parametrize("name", REPORT_NAMES)
def test_report_with_explicit_defaults_equals_no_parameters(db: Database, name: str) -> None:
    spec = db.report_spec(name)
    explicit = {p.name: p.default for p in spec.parameters if p.default is not None}
    assert db.report(name, **explicit).fetchall() == db.report(name).fetchall()


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
    # No source says how Hebei counts a team medal: the note says so rather than calling the share a bound.
    assert "upper bound" not in hebei["share_note"]
    assert "counting basis of hebei: unknown" in hebei["share_note"]
    assert "exact only if both count a team medal the same way" in hebei["share_note"]


def test_medals_shares_only_for_provinces_with_a_national_tally(db: Database) -> None:
    tallies = medal_tallies(db)
    countries = {r for (r,) in db.sql("SELECT region FROM regions WHERE level = 'country'").fetchall()}
    national = {r["competition_id"]: r for r in tallies if r["delegation"] in countries}
    for row in report_records(db, "medals"):
        source = next(
            t for t in tallies if (t["competition_id"], t["delegation"]) == (row["competition_id"], row["delegation"])
        )
        nation = national.get(row["competition_id"])
        if source["delegation"] not in countries and nation is not None and row["gold"] is not None:
            assert float(row["share_of_national_gold"]) == round(100 * float(row["gold"]) / float(nation["gold"]), 1)
            assert f"counting basis of {row['delegation']}: " in row["share_note"]
        else:
            assert row["share_of_national_gold"] is None
            assert row["share_note"] is None


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
    without = [d for (d,) in db.con.sql("SELECT domain FROM domains EXCEPT SELECT domain FROM facts").fetchall()]
    for domain in without:
        assert report_records(db, "indicators", domain=domain) == []


@pytest.mark.parametrize("region", ["hebei", "china", "baoding", "guangdong"])
def test_indicators_region(db: Database, region: str) -> None:
    everything = facts(db)
    expected = sorted((r for r in everything if r["region"] == region), key=lambda r: (r["domain"], r["fact_id"]))
    assert proper_subset(expected, everything)
    assert fact_ids(report_records(db, "indicators", region=region)) == fact_ids(expected)


@pytest.mark.parametrize("since", [2022, 2025, 2026, 2027])
def test_indicators_since(db: Database, since: int) -> None:
    everything = facts(db)
    expected = sorted(
        (r for r in everything if r["period_end"] is not None and r["period_end"].year >= since),
        key=lambda r: (r["domain"], r["fact_id"]),
    )
    assert proper_subset(expected, everything)
    assert fact_ids(report_records(db, "indicators", since=since)) == fact_ids(expected)


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
    return sorted(records(db, "SELECT * FROM cross_checks"), key=lambda r: (r["check_kind"], r["check_id"]))


def check_ids(rows: Iterable[dict[str, Any]]) -> list[str]:
    return [r["check_id"] for r in rows]


def test_consistency_default_is_every_check(db: Database) -> None:
    assert check_ids(report_records(db, "consistency")) == check_ids(cross_checks(db))


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
    assert check_ids(got) == check_ids(expected)
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
    assert quoted == sorted(quoted, key=lambda r: (r["source_id"], r["quote_start"], r["fact_id"]))


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


def timeline_events(db: Database) -> list[tuple[dt.date | None, dt.date | None, str]]:
    """(starts_on, ends_on, ref) of every dated thing the README says the timeline shows."""
    events = [(r["start_date"], r["end_date"], r["competition_id"]) for r in records(db, "SELECT * FROM competitions")]
    events += [
        (r["period_start"], r["period_end"], r["programme_id"])
        for r in records(db, "SELECT * FROM programmes")
        if r["period_start"] is not None or r["period_end"] is not None
    ]
    events += [(r["period_start"], r["period_end"], r["fact_id"]) for r in facts(db) if r["period_kind"] == "target"]
    events += [
        (r["published_on"], r["published_on"], r["source_id"])
        for r in records(db, "SELECT * FROM sources")
        if r["published_precision"] == "day"
    ]
    return events


def test_timeline_default_holds_every_event_in_date_order(db: Database) -> None:
    expected = timeline_events(db)
    got = report_records(db, "timeline")
    assert sorted(r["ref"] for r in got) == sorted(ref for _, _, ref in expected)
    placed = [r["starts_on"] if r["starts_on"] is not None else r["ends_on"] for r in got]
    assert placed == sorted(placed)
    # The 15th Five-Year Plan period and the employment quota "by 2027" are in it.
    assert {"fifteenth_five_year_plan", "public_institution_employment_quota"} <= {r["ref"] for r in got}


@pytest.mark.parametrize(("since", "until"), [(2024, None), (None, 2022), (2022, 2025), (2027, None), (None, 2021)])
def test_timeline_since_until(db: Database, since: int | None, until: int | None) -> None:
    events = timeline_events(db)
    expected = sorted(
        ref
        for start, end, ref in events
        if (since is None or (end or start).year >= since)  # type: ignore[union-attr]
        and (until is None or (start or end).year <= until)  # type: ignore[union-attr]
    )
    assert proper_subset(expected, events)
    params = {k: v for k, v in (("since", since), ("until", until)) if v is not None}
    assert sorted(r["ref"] for r in report_records(db, "timeline", **params)) == expected


# --- domain_summary ---------------------------------------------------------------------------


def expected_summary(db: Database, region: str | None) -> list[tuple[str, int, int, str | None]]:
    """(domain, facts, inferred, headline_1) per domain, ordered by facts descending then domain."""
    rows = [r for r in facts(db) if region is None or r["region"] == region]
    summary = []
    for domain in distinct(db, "domains", "domain"):
        mine = [r for r in rows if r["domain"] == domain]
        mine.sort(key=lambda r: (r["quote_start"] is None, r["quote_start"] or 0, r["fact_id"]))
        first = f"{mine[0]['label']}: {mine[0]['value_text']}" if mine else None
        summary.append((domain, len(mine), sum(bool(r["is_inferred"]) for r in mine), first))
    return sorted(summary, key=lambda s: (-s[1], s[0]))


def summary_of(rows: Iterable[dict[str, Any]]) -> list[tuple[str, int, int | None, str | None]]:
    return [(r["domain"], r["facts"], r["inferred"], r["headline_1"]) for r in rows]


def normalise_inferred(rows: list[tuple[str, int, int | None, str | None]]) -> list[tuple[str, int, int, str | None]]:
    return [(d, n, i or 0, h) for d, n, i, h in rows]


def test_domain_summary_default_counts_every_fact(db: Database) -> None:
    got = summary_of(report_records(db, "domain_summary"))
    assert normalise_inferred(got) == expected_summary(db, None)
    assert sum(n for _, n, _, _ in got) == len(facts(db))


@pytest.mark.parametrize("region", ["hebei", "china", "baoding", "guangdong"])
def test_domain_summary_region(db: Database, region: str) -> None:
    got = summary_of(report_records(db, "domain_summary", region=region))
    expected = expected_summary(db, region)
    assert normalise_inferred(got) == expected
    assert sum(n for _, n, _, _ in got) == sum(1 for r in facts(db) if r["region"] == region)


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
    assert db.report("timeline", since=1900, until=2100).fetchall() == db.report("timeline").fetchall()


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
    from hebeidb.inputs import Inputs

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
    assert db.con.sql("SELECT count(*) FROM facts").fetchall() == [(before,)]


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
    rewrite(medals_copy, "WHERE 1 = 1", "WHERE 1 = {{ 7*7 }}")
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
    assert "__class__" in message or "unsafe" in message, message
