"""Broken copies of the inputs: each must fail the build with a message that says where and what.

Every case edits a private copy of schema/, seeds/ and queries/ (the ``inputs_copy`` fixture) with a
small function that returns what the error must name: the file, the line and column where that makes
sense, and phrases of what was found and expected. The build runs through the ``hebeidb`` command (in this
process) against a copy of the session's database, which must come out of the failed build byte for byte
unchanged. Further cases run the check alone (``check_inputs``) and compare the whole problem: file, line,
check and message.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from hebeidb.builder import build_database, check_inputs
from hebeidb.builder.inputs import Inputs
from hebeidb.common.errors import BuildError, Problem

ARTICLE = "seeds/sources/hebei-targeted-support-2026-02-10.txt"


@dataclass(frozen=True)
class Expect:
    """What the error output must contain for one broken input."""

    file: str
    phrases: tuple[str, ...]
    line: int | None = None
    column: str | None = None

    @property
    def location(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column {self.column}"
        return where + ":"


# --- editing helpers -------------------------------------------------------------------------------


def _seed(root: Path, table: str) -> Path:
    return root / "seeds" / f"{table}.csv"


def _read_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def _write_lines(path: Path, lines: list[str]) -> None:
    path.write_text("".join(lines), encoding="utf-8")


def _fields(line: str) -> list[str]:
    return next(csv.reader([line.rstrip("\r\n")]))


def _unparse(fields: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(fields)
    return buffer.getvalue()


def _row_index(lines: list[str], key: str) -> int:
    """0-based index of the row whose leading fields are ``key`` (comma-separated for composite keys)."""
    wanted = key.split(",")
    matches = [i for i, line in enumerate(lines[1:], 1) if _fields(line)[: len(wanted)] == wanted]
    assert len(matches) == 1, f"test setup: expected one row with key {key!r}, found {len(matches)}"
    return matches[0]


def row_line(root: Path, table: str, key: str) -> int:
    """1-based line of a row in ``seeds/<table>.csv`` (the header is line 1)."""
    return _row_index(_read_lines(_seed(root, table)), key) + 1


def set_field(root: Path, table: str, key: str, column: str, value: str) -> int:
    """Set one field of one row of ``seeds/<table>.csv``; returns the edited line number."""
    path = _seed(root, table)
    lines = _read_lines(path)
    header = _fields(lines[0])
    index = _row_index(lines, key)
    fields = _fields(lines[index])
    assert fields[header.index(column)] != value, "test setup: the edit must change the value"
    fields[header.index(column)] = value
    lines[index] = _unparse(fields)
    _write_lines(path, lines)
    return index + 1


def delete_row(root: Path, table: str, key: str) -> int:
    path = _seed(root, table)
    lines = _read_lines(path)
    index = _row_index(lines, key)
    del lines[index]
    _write_lines(path, lines)
    return index + 1


def replace_line(root: Path, table: str, key: str, change: Callable[[str], str]) -> int:
    """Replace the raw text of one row; returns its line number."""
    path = _seed(root, table)
    lines = _read_lines(path)
    index = _row_index(lines, key)
    new = change(lines[index])
    assert new != lines[index], "test setup: the edit must change the line"
    lines[index] = new
    _write_lines(path, lines)
    return index + 1


def replace_text(path: Path, old: str, new: str) -> int:
    """Replace the only occurrence of ``old`` in a text file; returns the 1-based line where it stood."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"test setup: {old!r} must occur once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def text_position(root: Path, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset in the stored article."""
    text = (root / ARTICLE).read_bytes().decode("utf-8")
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def token_offset(root: Path, token: str, after: str) -> int:
    """Offset of ``token`` in the stored article, where it first follows the words ``after``."""
    text = (root / ARTICLE).read_bytes().decode("utf-8")
    start = text.index(after) + len(after)
    return text.index(token, start)


# --- the broken inputs -------------------------------------------------------------------------------


def too_few_fields(root: Path) -> Expect:
    line = replace_line(root, "facts", "medical_insurance_rate", lambda text: _unparse(_fields(text)[:-3]))
    return Expect("seeds/facts.csv", ("row has 19 fields", "expected 22 fields"), line)


def too_many_fields(root: Path) -> Expect:
    line = replace_line(root, "regions", "baoding", lambda text: text.rstrip("\n") + ",surplus\n")
    return Expect("seeds/regions.csv", ("row has 8 fields", "expected 7 fields"), line)


def unclosed_quote(root: Path) -> Expect:
    line = replace_line(
        root,
        "domains",
        "healthcare",
        lambda text: text.replace("Medical insurance", '"Medical insurance'),
    )
    return Expect("seeds/domains.csv", ("quoted field is never closed", 'expected a closing "'), line)


def value_not_a_number(root: Path) -> Expect:
    line = set_field(root, "facts", "insured_rehabilitation_items", "value", "abc")
    return Expect("seeds/facts.csv", ("value has the wrong type", "found 'abc'", "expected a number"), line, "value")


def impossible_date(root: Path) -> Expect:
    line = set_field(root, "competitions", "national_games_2021", "start_date", "2021-02-30")
    return Expect(
        "seeds/competitions.csv",
        ("value has the wrong type", "found '2021-02-30'", "expected a date as YYYY-MM-DD"),
        line,
        "start_date",
    )


def date_in_words(root: Path) -> Expect:
    line = set_field(root, "facts", "persons_benefiting", "period_end", "10 Feb 2026")
    return Expect(
        "seeds/facts.csv",
        ("value has the wrong type", "found '10 Feb 2026'", "expected a date as YYYY-MM-DD"),
        line,
        "period_end",
    )


def boolean_not_true_or_false(root: Path) -> Expect:
    line = set_field(root, "facts", "autistic_children_served", "is_cumulative", "perhaps")
    return Expect(
        "seeds/facts.csv", ("value has the wrong type", "found 'perhaps'", "true or false"), line, "is_cumulative"
    )


def empty_indicator(root: Path) -> Expect:
    line = set_field(root, "facts", "screening_network_counties", "indicator_id", "")
    return Expect("seeds/facts.csv", ("required value is empty", "expected text"), line, "indicator_id")


def empty_source_title(root: Path) -> Expect:
    line = set_field(root, "sources", "cns_2024_09_09_paris_2024", "title", "")
    return Expect("seeds/sources.csv", ("required value is empty",), line, "title")


def duplicate_fact_id(root: Path) -> Expect:
    path = _seed(root, "facts")
    lines = _read_lines(path)
    index = _row_index(lines, "accessibility_households")
    lines.insert(index + 1, lines[index])
    _write_lines(path, lines)
    return Expect(
        "seeds/facts.csv",
        (f"duplicate key (first used on line {index + 1})", "found 'accessibility_households'"),
        index + 2,
        "fact_id",
    )


def duplicate_host_order(root: Path) -> Expect:
    first = row_line(root, "competition_hosts", "beijing_2022_winter_paralympics,zhangjiakou")
    set_field(root, "competition_hosts", "beijing_2022_winter_paralympics,yanqing", "host_order", "3")
    assert first > row_line(root, "competition_hosts", "beijing_2022_winter_paralympics,yanqing")
    return Expect(
        "seeds/competition_hosts.csv",
        ("duplicate value", "found 'beijing_2022_winter_paralympics/3'"),
        first,
        "competition_id/host_order",
    )


def unknown_region(root: Path) -> Expect:
    line = set_field(root, "facts", "autism_school_span", "region_id", "atlantis")
    return Expect(
        "seeds/facts.csv",
        ("unknown region_id", "found 'atlantis'", "expected a region_id listed in seeds/regions.csv"),
        line,
        "region_id",
    )


def unknown_indicator(root: Path) -> Expect:
    line = set_field(root, "facts", "accessibility_households", "indicator_id", "happiness_index")
    return Expect(
        "seeds/facts.csv",
        ("unknown indicator_id", "found 'happiness_index'", "indicator_id listed in seeds/indicators.csv"),
        line,
        "indicator_id",
    )


def unknown_source(root: Path) -> Expect:
    line = set_field(root, "competitions", "paris_2024_paralympics", "source_id", "nowhere_news")
    return Expect(
        "seeds/competitions.csv",
        ("unknown source_id", "found 'nowhere_news'", "listed in seeds/sources.csv"),
        line,
        "source_id",
    )


def unknown_competition(root: Path) -> Expect:
    line = set_field(root, "facts", "tokyo2020_hebei_gold", "competition_id", "tokyo_1964_paralympics")
    return Expect(
        "seeds/facts.csv",
        ("unknown competition_id", "found 'tokyo_1964_paralympics'", "listed in seeds/competitions.csv"),
        line,
        "competition_id",
    )


def unknown_qualifier(root: Path) -> Expect:
    line = set_field(root, "facts", "handicraft_flexible_employment", "qualifier", "aprox")
    return Expect(
        "seeds/facts.csv",
        ("unknown qualifier", "found 'aprox'", "expected a qualifier listed in seeds/qualifiers.csv"),
        line,
        "qualifier",
    )


def quote_not_in_text(root: Path) -> Expect:
    line = set_field(root, "facts", "persons_benefiting", "quote", "benefiting over 1.3 million citizens")
    return Expect(
        "seeds/facts.csv",
        ("quote does not appear in the source text", "benefiting over 1.3 million citizens"),
        line,
        "quote",
    )


def quote_at_wrong_offsets(root: Path) -> Expect:
    set_field(root, "facts", "special_education_schools", "quote_start", "4482")
    line = set_field(root, "facts", "special_education_schools", "quote_end", "4532")
    return Expect(
        "seeds/facts.csv",
        ("quote is not at its recorded offsets", "4481-4531, where the quote first appears"),
        line,
        "quote_start",
    )


def value_not_in_quote(root: Path) -> Expect:
    line = set_field(root, "facts", "new_jobs_created", "value", "97600")
    return Expect(
        "seeds/facts.csv",
        ("value does not appear in its quote", "found '97600'", "96,700"),
        line,
        "value",
    )


def source_text_edited(root: Path) -> Expect:
    replace_text(root / ARTICLE, "Hebei Province has prioritized", "Hebei Province has prioritised")
    return Expect(
        "seeds/sources.csv",
        (f"the stored text {ARTICLE} does not match its pinned sha256", "expected a4ace8c3e861"),
        row_line(root, "sources", "deep_news_2026_02_10"),
        "sha256",
    )


def source_text_truncated(root: Path) -> Expect:
    path = root / ARTICLE
    path.write_bytes(path.read_bytes()[:5000])
    return Expect(
        "seeds/sources.csv",
        (f"the stored text {ARTICLE} does not match its pinned sha256",),
        row_line(root, "sources", "deep_news_2026_02_10"),
        "sha256",
    )


def source_text_missing(root: Path) -> Expect:
    (root / ARTICLE).unlink()
    return Expect(
        "seeds/sources.csv",
        ("stored text file is missing", f"expected a file at {ARTICLE}"),
        row_line(root, "sources", "deep_news_2026_02_10"),
        "text_path",
    )


def seed_file_missing(root: Path) -> Expect:
    _seed(root, "qualifiers").unlink()
    return Expect(
        "seeds/qualifiers.csv",
        ("file is missing", "expected a CSV file with header qualifier,phrase,symbol,low_from_value"),
    )


def seed_file_empty(root: Path) -> Expect:
    _seed(root, "domains").write_bytes(b"")
    return Expect("seeds/domains.csv", ("file is empty", "expected header domain_id,name_en,description"), line=1)


def unknown_header_column(root: Path) -> Expect:
    replace_text(_seed(root, "regions"), "region_id,name_en,", "region_id,name_english,")
    return Expect("seeds/regions.csv", ("unknown column name_english", "columns of core.regions"), line=1)


def not_utf8(root: Path) -> Expect:
    path = _seed(root, "facts")
    lines = _read_lines(path)
    index = _row_index(lines, "special_school_population_threshold")
    data = "".join(lines[:index]).encode() + lines[index].replace("selects", "sel\udcffects").encode(
        "utf-8", "surrogateescape"
    )
    path.write_bytes(data + "".join(lines[index + 1 :]).encode())
    return Expect("seeds/facts.csv", ("not valid UTF-8", "expected UTF-8 text"), index + 1)


def period_ends_before_start(root: Path) -> Expect:
    line = set_field(root, "programmes", "fifteenth_five_year_plan", "period_end", "2025-12-31")
    return Expect(
        "seeds/programmes.csv",
        ("values break a rule of the schema", "period_end=2025-12-31", "period_end >= period_start"),
        line,
        "period_end/period_start",
    )


def competition_ends_before_start(root: Path) -> Expect:
    line = set_field(root, "competitions", "paris_2024_paralympics", "end_date", "2024-08-20")
    return Expect(
        "seeds/competitions.csv",
        ("values break a rule of the schema", "end_date=2024-08-20", "end_date >= start_date"),
        line,
        "end_date/start_date",
    )


def inferred_without_note(root: Path) -> Expect:
    line = set_field(root, "facts", "ng2021_hebei_rank_total", "note", "")
    return Expect(
        "seeds/facts.csv",
        ("values break a rule of the schema", "is_inferred=true", "note IS NOT NULL"),
        line,
        "is_inferred/note",
    )


def negative_count(root: Path) -> Expect:
    line = set_field(root, "facts", "ng2025_games_delegations", "value", "-34")
    return Expect(
        "seeds/facts.csv",
        ("value is outside the range of its unit", "found '-34'", "from 0 to +inf delegations"),
        line,
        "value",
    )


def percentage_over_100(root: Path) -> Expect:
    line = set_field(root, "facts", "compulsory_education_enrollment_rate", "value", "197.5")
    return Expect(
        "seeds/facts.csv",
        ("value is outside the range of its unit", "found '197.5'", "from 0 to 100 percent"),
        line,
        "value",
    )


def fraction_of_a_school(root: Path) -> Expect:
    set_field(root, "facts", "special_education_schools", "precision", "0.1")
    line = set_field(root, "facts", "special_education_schools", "value", "163.5")
    return Expect(
        "seeds/facts.csv",
        ("value has a fraction its unit cannot have", "a whole number of schools"),
        line,
        "value",
    )


def medal_total_disagrees(root: Path) -> Expect:
    line = set_field(root, "facts", "tokyo2020_china_total", "value", "208")
    return Expect(
        "seeds/facts.csv",
        ("medal_sum check fails", "china at tokyo_2020_paralympics", "found '208'", "expected 207"),
        line,
        "value",
    )


def share_disagrees(root: Path) -> Expect:
    # 10 of 22 gold is 45.45%, not the 55% the article states; the total stays 61 (22 + 16 + 23).
    set_field(root, "facts", "beijing2022_china_gold", "value", "22")
    set_field(root, "facts", "beijing2022_china_silver", "value", "16")
    return Expect(
        "seeds/facts.csv",
        ("share check fails", "found '55'", "a computed share in [55, 56)", "computed 45.45"),
        row_line(root, "facts", "beijing2022_hebei_gold_share"),
        "value",
    )


def athletes_exceed_the_games(root: Path) -> Expect:
    set_field(root, "facts", "ng2025_games_athletes", "value", "200")
    return Expect(
        "seeds/facts.csv",
        ("part_of_whole check fails", "found '263'", "expected at most 200"),
        row_line(root, "facts", "ng2025_hebei_athletes"),
        "value",
    )


def repeat_disagrees(root: Path) -> Expect:
    line = set_field(root, "exclusions", "ng2025_silver_repeat", "fact_id", "ng2025_hebei_bronze")
    return Expect(
        "seeds/exclusions.csv",
        ("repeat check fails", "found '92'", "expected 71"),
        line,
        "token",
    )


def fact_deleted(root: Path) -> Expect:
    delete_row(root, "facts", "insured_rehabilitation_items")
    line, column = text_position(root, 1079)
    return Expect(
        ARTICLE,
        ("number in the article body is neither a fact nor an exclusion", "found 'Thirty-one'"),
        line,
        str(column),
    )


def exclusion_deleted(root: Path) -> Expect:
    delete_row(root, "exclusions", "ng2025_year")
    line, column = text_position(root, token_offset(root, "2025", "December 8 to 15, "))
    return Expect(
        ARTICLE,
        ("number in the article body is neither a fact nor an exclusion", "found '2025'", "token_start 2155"),
        line,
        str(column),
    )


def exclusion_at_wrong_offsets(root: Path) -> Expect:
    set_field(root, "exclusions", "ng2025_edition", "token_start", "2040")
    line = set_field(root, "exclusions", "ng2025_edition", "token_end", "2044")
    return Expect(
        "seeds/exclusions.csv",
        ("no number of the body stands at these offsets", "found '12th at 2040-2044'"),
        line,
        "token_start",
    )


def exclusion_disagrees_with_edition(root: Path) -> Expect:
    set_field(root, "competitions", "national_games_2025", "edition", "13")
    return Expect(
        "seeds/exclusions.csv",
        ("excluded edition number disagrees with the row that holds it", "found '12th'"),
        row_line(root, "exclusions", "ng2025_edition"),
        "token",
    )


def qualifier_lost(root: Path) -> Expect:
    line = set_field(root, "facts", "persons_benefiting", "qualifier", "exact")
    return Expect(
        "seeds/facts.csv",
        ("qualifier disagrees with the words of the source", "found 'exact'", "expected over"),
        line,
        "qualifier",
    )


def qualifier_invented(root: Path) -> Expect:
    line = set_field(root, "facts", "special_education_schools", "qualifier", "nearly")
    return Expect(
        "seeds/facts.csv",
        ("qualifier disagrees with the words of the source", "found 'nearly'", "expected exact"),
        line,
        "qualifier",
    )


def cumulative_lost(root: Path) -> Expect:
    line = set_field(root, "facts", "autistic_children_served", "is_cumulative", "false")
    return Expect(
        "seeds/facts.csv",
        ("the source calls this figure cumulative", "found 'false'"),
        line,
        "is_cumulative",
    )


def as_of_after_publication(root: Path) -> Expect:
    line = set_field(root, "facts", "designated_rehabilitation_institutions", "period_end", "2026-03-01")
    return Expect(
        "seeds/facts.csv",
        ("an as_of figure is dated after its source was published", "at most 2026-02-10"),
        line,
        "period_end",
    )


def schema_syntax_error(root: Path) -> Expect:
    path = root / "schema" / "020_vocabularies.sql"
    line = replace_text(path, "    label        VARCHAR NOT NULL,\n", "    label        VARCHAR NOT NULL,,\n")
    return Expect("schema/020_vocabularies.sql", ("syntax error",), line)


def template_jinja_syntax_error(root: Path) -> Expect:
    path = root / "queries" / "medals.sql"
    line = replace_text(path, "{% if since is not none %}", "{% if since is not none %}{% endfi %}")
    return Expect("queries/medals.sql", ("endfi",), line)


def column_without_description(root: Path) -> Expect:
    replace_text(
        root / "schema" / "110_view_comments.sql",
        "COMMENT ON COLUMN facts.label IS",
        "-- COMMENT ON COLUMN facts.label IS",
    )
    return Expect("schema/", ("column main.facts.label has no description",), None, "label")


def contract_key_not_unique(root: Path) -> Expect:
    replace_text(
        root / "schema" / "public_views.toml", '[views.facts]\nkey = ["fact_id"]', '[views.facts]\nkey = ["domain"]'
    )
    return Expect("schema/public_views.toml", ("key (domain) of view facts is not unique",), None, "views.facts.key")


def line_of(path: Path, text: str) -> int:
    """The 1-based line of ``path`` that holds ``text`` (once)."""
    [number] = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line]
    return number


def template_unknown_column(root: Path) -> Expect:
    replace_text(root / "queries" / "indicators.sql", "       f.qualifier,\n", "       f.qualifier_word,\n")
    return Expect(
        "queries/indicators.sql",
        ("qualifier_word", "fails with its defaults"),
        line_of(root / "queries" / "indicators.sql", "f.qualifier_word,"),
    )


# --- data fidelity: each rule of the README's data section, broken by one seed row ---------------------


def share_read_as_rounded(root: Path) -> Expect:
    # "55%" for 10 of 18 gold (55.6%) is cut, not rounded: read as rounded it means [54.5, 55.5), which 55.56 misses.
    line = set_field(root, "facts", "beijing2022_hebei_gold_share", "rounding", "nearest")
    return Expect(
        "seeds/facts.csv", ("share check fails", "a computed share in [54.5, 55.5)", "computed 55.56"), line, "value"
    )


def share_mapping_not_marked_inferred(root: Path) -> Expect:
    line = set_field(root, "facts", "beijing2022_hebei_medal_share", "is_inferred", "false")
    return Expect("seeds/facts.csv", ("a fact with an inference basis is not marked inferred",), line, "is_inferred")


def counting_basis_stated_without_a_source(root: Path) -> Expect:
    line = set_field(root, "delegations", "paris_2024_paralympics,hebei", "counting_basis", "per_athlete")
    return Expect(
        "seeds/delegations.csv",
        ("values break a rule of the schema", "counting_basis=per_athlete", "counting_basis_status=unknown"),
        line,
        "counting_basis/counting_basis_status",
    )


def counting_basis_sourced_without_citation(root: Path) -> Expect:
    set_field(root, "delegations", "tokyo_2020_paralympics,hebei", "counting_basis", "per_athlete")
    line = set_field(root, "delegations", "tokyo_2020_paralympics,hebei", "counting_basis_status", "sourced")
    return Expect(
        "seeds/delegations.csv",
        ("values break a rule of the schema", "counting_basis_status=sourced", "counting_basis_source_id IS NOT NULL"),
        line,
        "counting_basis_status/counting_basis_source_id",
    )


def group_investment_credited_to_one_project(root: Path) -> Expect:
    line = set_field(root, "facts", "key_project_investment", "programme_id", "targeted_disability_service_project")
    return Expect(
        "seeds/facts.csv",
        ("the figure is credited to one member of a group the source names", "including the"),
        line,
        "programme_id",
    )


def group_employment_credited_to_one_initiative(root: Path) -> Expect:
    line = set_field(
        root, "facts", "handicraft_flexible_employment", "programme_id", "hundred_counties_thousand_products"
    )
    return Expect(
        "seeds/facts.csv",
        ("the figure is credited to one member of a group the source names", "projects like the"),
        line,
        "programme_id",
    )


def selection_threshold_read_as_uncertain(root: Path) -> Expect:
    line = set_field(root, "facts", "special_school_population_threshold", "qualifier", "over")
    return Expect(
        "seeds/facts.csv",
        ("values break a rule of the schema", "qualifier=over", "comparison IS NULL"),
        line,
        "comparison/qualifier",
    )


def full_coverage_not_stored(root: Path) -> Expect:
    delete_row(root, "facts", "special_school_county_coverage")
    line, column = text_position(root, token_offset(root, "full", "achieving "))
    return Expect(
        ARTICLE, ("number in the article body is neither a fact nor an exclusion", "found 'full'"), line, str(column)
    )


def inferred_fact_without_basis(root: Path) -> Expect:
    for basis in ("ng2021_rank_report", "ng2021_rank_total_medals", "ng2021_rank_stated", "ng2021_rank_games_dates"):
        delete_row(root, "inference_basis", basis)
    return Expect(
        "seeds/facts.csv",
        ("an inferred fact has no basis in the database",),
        row_line(root, "facts", "ng2021_hebei_rank_total"),
        "is_inferred",
    )


def inference_resting_on_an_unknown_source(root: Path) -> Expect:
    line = set_field(root, "inference_basis", "ng2021_rank_games_dates", "basis_source_id", "hearsay")
    return Expect(
        "seeds/inference_basis.csv",
        ("unknown source_id", "found 'hearsay'", "listed in seeds/sources.csv"),
        line,
        "basis_source_id",
    )


def round_figure_stored_as_exact(root: Path) -> Expect:
    line = set_field(root, "facts", "autistic_children_served", "rounding", "none")
    return Expect(
        "seeds/facts.csv",
        ("a round figure without a qualifier is stated as exact", "found 'none'", '"17,000" is a round figure'),
        line,
        "rounding",
    )


def precision_finer_than_written(root: Path) -> Expect:
    line = set_field(root, "facts", "rehabilitation_person_times", "precision", "1")
    return Expect(
        "seeds/facts.csv",
        ("precision is finer than the digits the source writes", "at least 10000", "1.42 million"),
        line,
        "precision",
    )


def nearly_figure_without_a_meaningful_bound(root: Path) -> Expect:
    # "nearly 3,000" at precision 1 would claim [2999, 3000): 3,000 is a round figure, stated to the thousand.
    line = set_field(root, "facts", "handicraft_flexible_employment", "precision", "1")
    return Expect(
        "seeds/facts.csv",
        ("a round figure is stated to its last non-zero digit", "found '1'", "expected 1000"),
        line,
        "precision",
    )


def precision_that_does_not_divide_the_value(root: Path) -> Expect:
    line = set_field(root, "facts", "new_jobs_created", "precision", "1000")
    return Expect(
        "seeds/facts.csv",
        ("values break a rule of the schema", "precision=1000", '% "precision"'),
        line,
        "value/precision",
    )


def running_total_as_a_count_over_a_period(root: Path) -> Expect:
    line = set_field(root, "facts", "new_jobs_created", "aggregation", "count_over_period")
    return Expect(
        "seeds/facts.csv",
        ("period disagrees with the aggregation count_over_period", "found 'as_of'"),
        line,
        "period_kind",
    )


def stated_span_stored_as_a_point(root: Path) -> Expect:
    line = set_field(root, "facts", "medical_insurance_rate", "period_kind", "as_of")
    return Expect(
        "seeds/facts.csv",
        ("the source states a span, not a point", "for an extended period"),
        line,
        "period_kind",
    )


def inferred_span_start_not_marked(root: Path) -> Expect:
    line = set_field(root, "facts", "tdsp_key_livelihood_years", "is_inferred", "false")
    return Expect(
        "seeds/facts.csv",
        ("a span start the source does not state is not marked inferred", "year 2021"),
        line,
        "is_inferred",
    )


def cumulative_figure_as_a_level(root: Path) -> Expect:
    line = set_field(root, "facts", "special_education_college_graduates", "aggregation", "level")
    return Expect(
        "seeds/facts.csv",
        ("values break a rule of the schema", "is_cumulative=true", "aggregation = 'running_total'"),
        line,
        "is_cumulative/aggregation",
    )


def games_figure_under_the_national_delegation(root: Path) -> Expect:
    line = set_field(root, "facts", "ng2025_games_athletes", "region_id", "china")
    return Expect(
        "seeds/facts.csv",
        ("a figure at a competition names a region that has no delegation there", "national_games_2025/china"),
        line,
        "region_id",
    )


def delegation_figure_without_a_region(root: Path) -> Expect:
    line = set_field(root, "facts", "ng2025_hebei_events", "region_id", "")
    return Expect("seeds/facts.csv", ("a delegation's figure (delegation_events) names no region",), line, "region_id")


def joint_medal_table_at_games_without_one(root: Path) -> Expect:
    line = set_field(root, "delegations", "tokyo_2020_paralympics,china", "medal_table", "games_and_joint_event")
    return Expect(
        "seeds/delegations.csv",
        ("a medal table of the games and a joint event at games without one",),
        line,
        "medal_table",
    )


def label_drops_the_qualifying_population(root: Path) -> Expect:
    line = set_field(
        root, "indicators", "education_financial_aid_students", "label_en", "Students provided financial aid"
    )
    return Expect(
        "seeds/indicators.csv",
        ("the label drops part of the population it counts", "students from families with financial difficulties"),
        line,
        "label_en",
    )


def label_paraphrases_the_article(root: Path) -> Expect:
    line = replace_line(root, "indicators", "screening_network_counties", lambda t: t.replace("pioneered", "piloted"))
    return Expect(
        "seeds/indicators.csv", ("the label uses a word the source does not", "found 'piloted'"), line, "label_en"
    )


def population_not_in_the_quote(root: Path) -> Expect:
    set_field(root, "indicators", "new_jobs_created", "population", "new jobs")
    return Expect(
        "seeds/facts.csv",
        ("the quote does not name the population its indicator counts", '"new jobs"'),
        row_line(root, "facts", "new_jobs_created"),
        "quote",
    )


def unit_printed_without_its_name(root: Path) -> Expect:
    line = set_field(root, "units", "person_times", "text_suffix", "")
    return Expect(
        "seeds/units.csv",
        ("values break a rule of the schema", "text_prefix=, text_suffix="),
        line,
        "text_prefix/text_suffix",
    )


# --- data fidelity, second reading: each class of docs/conventions.md, broken by one seed row ---------------


def undated_figure_credited_with_a_date(root: Path) -> Expect:
    line = set_field(root, "facts", "persons_benefiting", "period_end", "2025-12-31")
    return Expect(
        "seeds/facts.csv",
        ("a date the source does not state is credited to it", "found '2025-12-31'", "expected 2026-02-10"),
        line,
        "period_end",
    )


def reference_period_credited_to_the_article(root: Path) -> Expect:
    line = set_field(root, "programmes", "fifteenth_five_year_plan", "period_source_id", "deep_news_2026_02_10")
    return Expect(
        "seeds/programmes.csv",
        ("the period is credited to a document whose words here do not write it", "the years 2026, 2030"),
        line,
        "period_source_id",
    )


def programme_period_without_its_source(root: Path) -> Expect:
    line = set_field(root, "programmes", "fifteenth_five_year_plan", "period_source_id", "")
    return Expect(
        "seeds/programmes.csv",
        ("values break a rule of the schema", "period_source_id IS NULL"),
        line,
        "period_start/period_end/period_source_id",
    )


def chinese_name_credited_to_the_article(root: Path) -> Expect:
    line = set_field(root, "regions", "baoding", "name_zh_source_id", "deep_news_2026_02_10")
    return Expect(
        "seeds/regions.csv",
        ("a Chinese name is credited to a document that does not write it", "保定市"),
        line,
        "name_zh_source_id",
    )


def competition_dates_credited_to_the_article(root: Path) -> Expect:
    line = set_field(root, "competitions", "tokyo_2020_paralympics", "source_id", "deep_news_2026_02_10")
    return Expect(
        "seeds/competitions.csv",
        ("the competition's dates are credited to a document that does not write them", "24, 5, 2021"),
        line,
        "source_id",
    )


def province_as_a_peer_of_its_nation(root: Path) -> Expect:
    set_field(root, "delegations", "paris_2024_paralympics,hebei", "part_of_region_id", "")
    line = set_field(root, "delegations", "paris_2024_paralympics,hebei", "medal_table", "games")
    return Expect(
        "seeds/delegations.csv",
        ("a region below the country stands as a delegation of its own at international games",),
        line,
        "part_of_region_id",
    )


def part_of_a_delegation_with_the_games_table(root: Path) -> Expect:
    line = set_field(root, "delegations", "tokyo_2020_paralympics,hebei", "medal_table", "games")
    return Expect(
        "seeds/delegations.csv",
        ("values break a rule of the schema", "medal_table=games", "provincial_count"),
        line,
        "part_of_region_id/medal_table",
    )


def part_of_a_delegation_absent_from_the_games(root: Path) -> Expect:
    set_field(root, "delegations", "national_games_2025,hebei", "part_of_region_id", "china")
    line = set_field(root, "delegations", "national_games_2025,hebei", "medal_table", "provincial_count")
    return Expect(
        "seeds/delegations.csv",
        ("a delegation is part of a delegation that is not at the competition", "found 'china'"),
        line,
        "part_of_region_id",
    )


def part_of_a_region_that_does_not_enclose_it(root: Path) -> Expect:
    set_field(root, "delegations", "national_games_2025,hebei", "part_of_region_id", "guangdong")
    line = set_field(root, "delegations", "national_games_2025,hebei", "medal_table", "provincial_count")
    return Expect(
        "seeds/delegations.csv",
        ("a delegation is part of the delegation of a region that does not enclose it", "found 'guangdong'"),
        line,
        "part_of_region_id",
    )


def share_of_a_delegation_that_is_part_of_none(root: Path) -> Expect:
    set_field(root, "delegations", "beijing_2022_winter_paralympics,hebei", "part_of_region_id", "")
    set_field(root, "delegations", "beijing_2022_winter_paralympics,hebei", "medal_table", "unknown")
    return Expect(
        "seeds/facts.csv",
        ("share of a delegation that is part of no other",),
        row_line(root, "facts", "beijing2022_hebei_gold_share"),
        "competition_id",
    )


def restatement_disagrees(root: Path) -> Expect:
    set_field(root, "facts", "ng2021_hebei_rank_total_reference", "value", "2")
    return Expect(
        "seeds/facts.csv",
        ("agreement check fails", "states the same figure as ng2021_hebei_rank_total_reference", "expected 2"),
        row_line(root, "facts", "ng2021_hebei_rank_total"),
        "value",
    )


def same_source_states_a_figure_twice(root: Path) -> Expect:
    # The report's rank in gold turned into a second rank in total: the later of the two is refused.
    set_field(root, "facts", "ng2021_hebei_rank_gold", "indicator_id", "medal_rank_total")
    return Expect(
        "seeds/facts.csv",
        ("the delegation already has this medal-table figure from this source", "hebei_economic_daily_2023_10_11"),
        row_line(root, "facts", "ng2021_hebei_rank_total_reference"),
        "indicator_id",
    )


def single_rounding_reading_without_evidence(root: Path) -> Expect:
    line = set_field(root, "facts", "autistic_children_served", "rounding", "nearest")
    return Expect(
        "seeds/facts.csv",
        ("a single reading of rounding with nothing to show it", "found 'nearest'", "nearest_or_down"),
        line,
        "rounding",
    )


def percentage_stated_in_full(root: Path) -> Expect:
    line = set_field(root, "facts", "compulsory_education_enrollment_rate", "rounding", "none")
    return Expect(
        "seeds/facts.csv",
        ("a percentage without a qualifier is stated as exact", "found 'none'", "nearest_or_down"),
        line,
        "rounding",
    )


def nearly_printed_as_either_side(root: Path) -> Expect:
    line = set_field(root, "qualifiers", "nearly", "symbol", "≈")
    return Expect(
        "seeds/qualifiers.csv",
        ("the symbol does not say which side of the interval the stated value bounds", "found '≈'", "expected <"),
        line,
        "symbol",
    )


def nearly_reaching_no_bound(root: Path) -> Expect:
    line = set_field(root, "qualifiers", "nearly", "reach", "")
    return Expect(
        "seeds/qualifiers.csv",
        ("values break a rule of the schema", "reach IS NULL"),
        line,
        "reach/low_from_value/high_from_value",
    )


def things_done_stored_as_a_stock(root: Path) -> Expect:
    line = set_field(root, "facts", "designated_rehabilitation_institutions", "aggregation", "level")
    return Expect(
        "seeds/facts.csv",
        ("a count of things done is stored as a level", "found 'level'", '"establishment"'),
        line,
        "aggregation",
    )


def running_total_label_names_a_stock(root: Path) -> Expect:
    line = set_field(
        root,
        "indicators",
        "designated_rehabilitation_institutions",
        "label_en",
        "Designated rehabilitation institutions",
    )
    return Expect(
        "seeds/indicators.csv",
        ("the label of a running total does not say what it counts was done", '"establish..."'),
        line,
        "label_en",
    )


def possessive_without_its_apostrophe(root: Path) -> Expect:
    line = set_field(root, "indicators", "share_of_national_gold", "label_en", "Share of the national delegations gold")
    return Expect(
        "seeds/indicators.csv",
        ("the label drops the apostrophe of a possessive", "found 'delegations'", "delegation's"),
        line,
        "label_en",
    )


def rate_described_of_a_population_the_article_does_not_give(root: Path) -> Expect:
    line = set_field(
        root,
        "indicators",
        "basic_rehabilitation_coverage_rate",
        "description",
        "Share of people with disabilities in need who receive basic rehabilitation services.",
    )
    return Expect(
        "seeds/indicators.csv",
        ("the description of a rate names a population the article does not",),
        line,
        "description",
    )


def milestone_counted_as_the_rank(root: Path) -> Expect:
    delete_row(root, "exclusions", "ng2021_first_time")
    return Expect(
        "seeds/facts.csv",
        ("an ordinal of occurrence is read as the value of a fact", "first at 2771", "milestone"),
        row_line(root, "facts", "ng2021_hebei_rank_total"),
        "value",
    )


def milestone_excluded_as_something_else(root: Path) -> Expect:
    line = set_field(root, "exclusions", "ng2021_first_time", "reason_kind", "descriptor")
    return Expect(
        "seeds/exclusions.csv",
        ("an ordinal of occurrence is read as a descriptor", "found 'descriptor'"),
        line,
        "reason_kind",
    )


def value_resting_on_an_excluded_number(root: Path) -> Expect:
    rewrite_csv(root / "seeds" / "number_words.csv", lambda rows: [r for r in rows if r[0] != "topping"])
    return Expect(
        "seeds/facts.csv",
        ("value does not appear in its quote except as an excluded number", "ng2021_first_time (milestone)"),
        row_line(root, "facts", "ng2021_hebei_rank_total"),
        "value",
    )


def deadline_from_a_year_stated_to_the_day(root: Path) -> Expect:
    line = set_field(root, "facts", "public_unit_employment_quota", "period_end_precision", "day")
    return Expect(
        "seeds/facts.csv",
        ("a date read from a year is stated more precisely than its source", "found 'day'", "expected year"),
        line,
        "period_end_precision",
    )


def year_precision_not_at_the_end_of_the_year(root: Path) -> Expect:
    line = set_field(root, "programmes", "fifteenth_five_year_plan", "period_precision", "day")
    set_field(root, "programmes", "fifteenth_five_year_plan", "period_source_id", "deep_news_2026_02_10")
    return Expect("seeds/programmes.csv", ("the period is credited to a document",), line, "period_source_id")


def half_medals_at_a_tenth(root: Path) -> Expect:
    line = set_field(root, "facts", "ng2021_hebei_gold", "precision", "0.1")
    return Expect(
        "seeds/facts.csv",
        ("precision is finer than the unit's step", "found '0.1'", "at least 0.5, the step of medals"),
        line,
        "precision",
    )


def criterion_with_a_precision(root: Path) -> Expect:
    line = set_field(root, "facts", "special_school_population_threshold", "precision", "100000")
    return Expect(
        "seeds/facts.csv",
        ("values break a rule of the schema", "aggregation=criterion", "precision=100000", "IS NULL"),
        line,
        "aggregation/precision",
    )


CASES = [
    pytest.param(too_few_fields, id="csv-row-too-few-fields"),
    pytest.param(too_many_fields, id="csv-row-too-many-fields"),
    pytest.param(unclosed_quote, id="csv-unclosed-quote"),
    pytest.param(value_not_a_number, id="type-value-abc"),
    pytest.param(impossible_date, id="type-impossible-date"),
    pytest.param(date_in_words, id="type-date-in-words"),
    pytest.param(boolean_not_true_or_false, id="type-bad-boolean"),
    pytest.param(empty_indicator, id="empty-required-indicator"),
    pytest.param(empty_source_title, id="empty-required-source-title"),
    pytest.param(duplicate_fact_id, id="duplicate-fact-id"),
    pytest.param(duplicate_host_order, id="duplicate-unique-host-order"),
    pytest.param(unknown_region, id="unknown-region"),
    pytest.param(unknown_indicator, id="unknown-indicator"),
    pytest.param(unknown_source, id="unknown-source"),
    pytest.param(unknown_competition, id="unknown-competition"),
    pytest.param(unknown_qualifier, id="unknown-qualifier"),
    pytest.param(quote_not_in_text, id="quote-not-in-text"),
    pytest.param(quote_at_wrong_offsets, id="quote-wrong-offsets"),
    pytest.param(value_not_in_quote, id="value-not-in-quote"),
    pytest.param(source_text_edited, id="source-text-edited"),
    pytest.param(source_text_truncated, id="source-text-truncated"),
    pytest.param(source_text_missing, id="source-text-missing"),
    pytest.param(seed_file_missing, id="seed-csv-missing"),
    pytest.param(seed_file_empty, id="seed-csv-empty"),
    pytest.param(unknown_header_column, id="csv-unknown-header-column"),
    pytest.param(not_utf8, id="csv-not-utf8"),
    pytest.param(period_ends_before_start, id="period-ends-before-start"),
    pytest.param(competition_ends_before_start, id="competition-ends-before-start"),
    pytest.param(inferred_without_note, id="inferred-without-note"),
    pytest.param(negative_count, id="negative-count"),
    pytest.param(percentage_over_100, id="percentage-over-100"),
    pytest.param(fraction_of_a_school, id="fractional-count"),
    pytest.param(medal_total_disagrees, id="medal-total-not-sum-of-parts"),
    pytest.param(share_disagrees, id="share-disagrees-with-reference-totals"),
    pytest.param(athletes_exceed_the_games, id="part-exceeds-whole"),
    pytest.param(repeat_disagrees, id="repeat-disagrees"),
    pytest.param(fact_deleted, id="uncovered-number-fact-deleted"),
    pytest.param(exclusion_deleted, id="uncovered-number-exclusion-deleted"),
    pytest.param(exclusion_at_wrong_offsets, id="exclusion-wrong-offsets"),
    pytest.param(exclusion_disagrees_with_edition, id="exclusion-disagrees-with-edition"),
    pytest.param(qualifier_lost, id="qualifier-exact-for-over"),
    pytest.param(qualifier_invented, id="qualifier-nearly-for-exact"),
    pytest.param(cumulative_lost, id="cumulative-wording-lost"),
    pytest.param(as_of_after_publication, id="as-of-after-publication"),
    pytest.param(schema_syntax_error, id="schema-sql-syntax-error"),
    pytest.param(template_jinja_syntax_error, id="report-template-jinja-syntax-error"),
    pytest.param(template_unknown_column, id="report-template-unknown-column"),
    pytest.param(column_without_description, id="column-without-description"),
    pytest.param(contract_key_not_unique, id="contract-key-not-unique"),
    pytest.param(share_read_as_rounded, id="fidelity-1-share-read-as-rounded"),
    pytest.param(share_mapping_not_marked_inferred, id="fidelity-1-share-mapping-not-inferred"),
    pytest.param(counting_basis_stated_without_a_source, id="fidelity-2-counting-basis-without-source"),
    pytest.param(counting_basis_sourced_without_citation, id="fidelity-2-counting-basis-sourced-uncited"),
    pytest.param(group_investment_credited_to_one_project, id="fidelity-3-investment-credited-to-one-project"),
    pytest.param(group_employment_credited_to_one_initiative, id="fidelity-3-employment-credited-to-one-initiative"),
    pytest.param(selection_threshold_read_as_uncertain, id="fidelity-4-threshold-with-qualifier"),
    pytest.param(full_coverage_not_stored, id="fidelity-4-full-coverage-missing"),
    pytest.param(inferred_fact_without_basis, id="fidelity-5-inference-without-basis"),
    pytest.param(inference_resting_on_an_unknown_source, id="fidelity-5-inference-on-unknown-source"),
    pytest.param(round_figure_stored_as_exact, id="fidelity-6-round-figure-zero-width"),
    pytest.param(precision_finer_than_written, id="fidelity-6-precision-finer-than-written"),
    pytest.param(nearly_figure_without_a_meaningful_bound, id="fidelity-6-nearly-at-unit-precision"),
    pytest.param(precision_that_does_not_divide_the_value, id="fidelity-6-precision-not-dividing-value"),
    pytest.param(running_total_as_a_count_over_a_period, id="fidelity-7-running-total-as-period-count"),
    pytest.param(stated_span_stored_as_a_point, id="fidelity-7-span-as-point"),
    pytest.param(inferred_span_start_not_marked, id="fidelity-7-inferred-start-not-marked"),
    pytest.param(cumulative_figure_as_a_level, id="fidelity-7-cumulative-as-level"),
    pytest.param(games_figure_under_the_national_delegation, id="fidelity-8-games-figure-as-china"),
    pytest.param(delegation_figure_without_a_region, id="fidelity-8-delegation-figure-without-region"),
    pytest.param(joint_medal_table_at_games_without_one, id="fidelity-8-joint-medal-table-without-joint-event"),
    pytest.param(label_drops_the_qualifying_population, id="fidelity-9-label-drops-population"),
    pytest.param(label_paraphrases_the_article, id="fidelity-9-label-paraphrase"),
    pytest.param(population_not_in_the_quote, id="fidelity-9-population-not-in-quote"),
    pytest.param(unit_printed_without_its_name, id="fidelity-9-unit-without-text"),
    pytest.param(undated_figure_credited_with_a_date, id="fidelity2-1-undated-figure-given-a-date"),
    pytest.param(reference_period_credited_to_the_article, id="fidelity2-2-reference-period-credited-to-article"),
    pytest.param(programme_period_without_its_source, id="fidelity2-2-period-without-source"),
    pytest.param(chinese_name_credited_to_the_article, id="fidelity2-2-chinese-name-credited-to-article"),
    pytest.param(competition_dates_credited_to_the_article, id="fidelity2-2-competition-dates-credited-to-article"),
    pytest.param(share_of_a_delegation_that_is_part_of_none, id="fidelity2-3-share-without-whole"),
    pytest.param(restatement_disagrees, id="fidelity2-4-restatement-disagrees"),
    pytest.param(province_as_a_peer_of_its_nation, id="fidelity2-5-province-as-peer"),
    pytest.param(part_of_a_delegation_with_the_games_table, id="fidelity2-5-part-with-games-table"),
    pytest.param(part_of_a_delegation_absent_from_the_games, id="fidelity2-5-part-of-absent-delegation"),
    pytest.param(part_of_a_region_that_does_not_enclose_it, id="fidelity2-5-part-of-non-enclosing-region"),
    pytest.param(single_rounding_reading_without_evidence, id="fidelity2-6-rounding-reading-without-evidence"),
    pytest.param(percentage_stated_in_full, id="fidelity2-6-percentage-stated-in-full"),
    pytest.param(nearly_printed_as_either_side, id="fidelity2-7-nearly-as-either-side"),
    pytest.param(nearly_reaching_no_bound, id="fidelity2-7-nearly-without-reach"),
    pytest.param(things_done_stored_as_a_stock, id="fidelity2-8-things-done-as-level"),
    pytest.param(running_total_label_names_a_stock, id="fidelity2-8-running-total-label-as-stock"),
    pytest.param(possessive_without_its_apostrophe, id="fidelity2-8-possessive-without-apostrophe"),
    pytest.param(rate_described_of_a_population_the_article_does_not_give, id="fidelity2-8-rate-population-added"),
    pytest.param(milestone_counted_as_the_rank, id="fidelity2-9-milestone-counted"),
    pytest.param(milestone_excluded_as_something_else, id="fidelity2-9-milestone-other-reason"),
    pytest.param(value_resting_on_an_excluded_number, id="fidelity2-9-value-on-excluded-number"),
    pytest.param(same_source_states_a_figure_twice, id="fidelity2-10-same-source-twice"),
    pytest.param(deadline_from_a_year_stated_to_the_day, id="fidelity2-10-deadline-to-the-day"),
    pytest.param(year_precision_not_at_the_end_of_the_year, id="fidelity2-10-programme-period-precision"),
    pytest.param(half_medals_at_a_tenth, id="fidelity2-11-half-medals-at-a-tenth"),
    pytest.param(criterion_with_a_precision, id="fidelity2-11-criterion-with-precision"),
]
# The quick loop (pytest -m "not slow") builds one case of each check and of each kind of problem the loading of
# the seeds names (a CSV, a type, a constraint of the DDL), so that breaking any of them fails it; the full suite
# builds every case. tests/test_bad_inputs.py checks that every check the build runs has its case here.
QUICK_CASES = {
    "attribution": "fidelity-3-investment-credited-to-one-project",
    "check": "period-ends-before-start",
    "cited_attributes": "uncovered-number-exclusion-deleted",
    "contract": "contract-key-not-unique",
    "coverage": "value-not-in-quote",
    "cross_checks": "negative-count",
    "csv": "csv-row-too-few-fields",
    "documentation": "column-without-description",
    "encoding": "csv-not-utf8",
    "exclusion_agreement": "exclusion-disagrees-with-edition",
    "files": "source-text-missing",
    "foreign_key": "unknown-region",
    "header": "seed-csv-empty",
    "inference_basis": "fidelity-1-share-mapping-not-inferred",
    "labels": "quote-not-in-text",
    "not_null": "empty-required-indicator",
    "periods": "as-of-after-publication",
    "precision": "fractional-count",
    "qualifiers": "fidelity2-7-nearly-as-either-side",
    "quotes": "quote-not-in-text",
    "reports": "report-template-jinja-syntax-error",
    "source_hash": "source-text-edited",
    "sql": "schema-sql-syntax-error",
    "tallies": "fidelity-8-games-figure-as-china",
    "time_basis": "fidelity-7-running-total-as-period-count",
    "types": "type-value-abc",
    "unique": "duplicate-fact-id",
    "value_ranges": "negative-count",
    "values_in_quotes": "value-not-in-quote",
    "wording": "qualifier-exact-for-over",
}
CASES = [
    pytest.param(*case.values, id=case.id, marks=() if case.id in QUICK_CASES.values() else pytest.mark.slow)
    for case in CASES
]


def problem_lines(stderr: str) -> list[str]:
    lines = []
    for raw in stderr.splitlines():
        line = raw.strip()
        line = line.removeprefix("hebeidb: ")
        if line:
            lines.append(line)
    return lines


@pytest.mark.parametrize("breaks", CASES)
def test_broken_inputs_fail_the_build_and_keep_the_good_database(
    breaks: Callable[[Path], Expect],
    inputs_copy: Path,
    built_db: Path,
    tmp_path: Path,
    run_cli: Callable[..., subprocess.CompletedProcess[str]],
    request: pytest.FixtureRequest,
) -> None:
    folder = tmp_path / "db"
    folder.mkdir()
    target = folder / "hebei.duckdb"
    shutil.copyfile(built_db, target)
    bytes_before = target.read_bytes()

    expect = breaks(inputs_copy)
    result = run_cli("build", "--inputs", str(inputs_copy), "--db", str(target))

    assert result.returncode == 1, f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    # The same bytes and nothing beside them (no write-ahead log to replay): the same rows for every reader.
    assert target.read_bytes() == bytes_before, "the failed build changed the database file"
    leftovers = sorted(p.name for p in folder.iterdir() if p.name not in {"hebei.duckdb", ".hebei.duckdb.lock"})
    assert leftovers == [], f"the failed build left files behind: {leftovers}"

    assert "Traceback" not in result.stderr, (
        f"the build crashed instead of reporting the problem:\n{result.stderr[-400:]}"
    )
    located = [line for line in problem_lines(result.stderr) if line.startswith(expect.location)]
    assert located, f"no problem located at {expect.location!r} in stderr:\n{result.stderr}"
    assert any(all(phrase in line for phrase in expect.phrases) for line in located), (
        f"no problem at {expect.location!r} says all of {expect.phrases!r}; stderr:\n{result.stderr}"
    )
    # The case the quick loop keeps for a check is found by that check itself, not only by another one that
    # finds the same input broken: breaking the check must fail the quick loop.
    case = request.node.callspec.id
    for check in sorted(name for name, kept in QUICK_CASES.items() if kept == case):
        assert any(line.endswith(f"[{check}]") for line in problem_lines(result.stderr)), (
            f"the quick case of {check!r} is not found by {check}; stderr:\n{result.stderr}"
        )


# --- broken inputs found by the check, in process: each names its file and line ------------------------------


def only_problem(error: BuildError) -> Problem:
    assert len(error.problems) == 1, str(error)
    return error.problems[0]


def check_fails(root: Path) -> Problem:
    with pytest.raises(BuildError) as caught:
        check_inputs(root)
    problem = only_problem(caught.value)
    assert str(problem) in str(caught.value)
    assert str(caught.value).startswith("1 problem found:\n")
    return problem


def rewrite_csv(path: Path, change: Callable[[list[list[str]]], list[list[str]]]) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(change(rows))
    path.write_text(out.getvalue(), encoding="utf-8")


THIRD_STATEMENT_FAILS = (
    "CREATE TABLE core.edge_a (x INTEGER);\n"  # line 1
    "-- a comment\n"
    "CREATE TABLE core.edge_b (y INTEGER);\n"  # line 3
    "\n"
    "-- the third statement\n"
    "CREATE VIEW core.edge_v AS\n"  # line 6
    "SELECT x\n"
    "FROM core.no_such_table;\n"  # line 8: the error
)


def test_a_failing_third_statement_names_the_schema_file_and_its_line(inputs_copy: Path) -> None:
    """The reported line is the failing line of the file (8), with the blank and comment lines before
    the statement counted once: DuckDB counts its "LINE n" from the start of the statement's text.
    """
    (inputs_copy / "schema" / "999_edges.sql").write_text(THIRD_STATEMENT_FAILS, encoding="utf-8")
    problem = check_fails(inputs_copy)
    assert problem.file == "schema/999_edges.sql"
    assert problem.check == "sql"
    assert "no_such_table" in problem.message
    assert problem.line == 8


def test_a_statement_failing_without_a_line_is_located_at_its_first_keyword(inputs_copy: Path) -> None:
    text = (
        "CREATE TABLE core.edge_a (x INTEGER);\n"
        "CREATE TABLE core.edge_b (y INTEGER);\n"
        "\n"
        "-- the same table again\n"
        "-- (second comment line)\n"
        "CREATE TABLE core.edge_a (z INTEGER);\n"
    )
    (inputs_copy / "schema" / "999_edges.sql").write_text(text, encoding="utf-8")
    problem = check_fails(inputs_copy)
    assert str(problem).startswith("schema/999_edges.sql, line 6: Catalog Error:")
    assert "edge_a" in problem.message and "already exists" in problem.message


def test_a_syntax_error_in_the_third_statement_names_its_line(inputs_copy: Path) -> None:
    text = THIRD_STATEMENT_FAILS.replace("SELECT x\nFROM core.no_such_table;", "SELECT x,\nFROM WHERE;")
    (inputs_copy / "schema" / "999_edges.sql").write_text(text, encoding="utf-8")
    problem = check_fails(inputs_copy)
    assert str(problem).startswith("schema/999_edges.sql, line 8: Parser Error: syntax error")


def test_a_schema_file_that_is_not_utf8_names_the_byte_and_line(inputs_copy: Path) -> None:
    (inputs_copy / "schema" / "999_edges.sql").write_bytes(
        b"CREATE TABLE core.edge_a (x INTEGER);\n-- note\n-- caf\xe9 au lait\nSELECT 1;\n"
    )
    problem = check_fails(inputs_copy)
    assert str(problem) == (
        "schema/999_edges.sql, line 3: byte 0xe9 is not valid UTF-8; expected UTF-8 text [encoding]"
    )


def test_a_broken_schema_file_leaves_no_database(inputs_copy: Path, tmp_path: Path) -> None:
    (inputs_copy / "schema" / "999_edges.sql").write_text(THIRD_STATEMENT_FAILS, encoding="utf-8")
    target = tmp_path / "db" / "hebei.duckdb"
    target.parent.mkdir()
    with pytest.raises(BuildError) as caught:
        build_database(target, inputs=inputs_copy)
    assert only_problem(caught.value).file == "schema/999_edges.sql"
    assert [p.name for p in target.parent.iterdir()] == [".hebei.duckdb.lock"]


def test_a_repeated_header_column_is_refused(inputs_copy: Path) -> None:
    seed = inputs_copy / "seeds" / "units.csv"
    rewrite_csv(seed, lambda rows: [[*rows[0][:2], "label", *rows[0][2:]]] + [[*r[:2], r[1], *r[2:]] for r in rows[1:]])
    problem = check_fails(inputs_copy)
    assert (problem.file, problem.line, problem.check) == ("seeds/units.csv", 1, "header")
    assert problem.message == "repeated column label"
    assert problem.value == (
        "unit_id,label,label,min_value,max_value,description,text_prefix,text_suffix,text_suffix_one,step"
    )
    assert problem.expected == (
        "columns of core.units: unit_id,label,min_value,max_value,description,text_prefix,text_suffix,"
        "text_suffix_one,step"
    )


def test_an_unknown_header_column_is_named(inputs_copy: Path) -> None:
    seed = inputs_copy / "seeds" / "units.csv"
    rewrite_csv(seed, lambda rows: [[*rows[0][:4], "max_valeu"]] + [[*r[:4], ""] for r in rows[1:]])
    problem = check_fails(inputs_copy)
    assert (problem.file, problem.line) == ("seeds/units.csv", 1)
    assert problem.message == "unknown column max_valeu"


def test_a_missing_column_is_refused_naming_it(inputs_copy: Path) -> None:
    seed = inputs_copy / "seeds" / "units.csv"
    rewrite_csv(seed, lambda rows: [row[:-1] for row in rows])  # drop the last column, step
    problem = check_fails(inputs_copy)
    assert str(problem) == (
        "seeds/units.csv, line 1: missing column step; expected header "
        "unit_id,label,min_value,max_value,description,text_prefix,text_suffix,text_suffix_one,step [header]"
    )


def test_header_columns_may_come_in_any_order(inputs_copy: Path) -> None:
    seed = inputs_copy / "seeds" / "units.csv"
    rewrite_csv(seed, lambda rows: [list(reversed(row)) for row in rows])
    with seed.open(encoding="utf-8", newline="") as handle:
        count = sum(1 for _ in csv.DictReader(handle))
    assert check_inputs(inputs_copy).tables["units"] == count


@pytest.mark.parametrize(
    "text_path", ["../schema/000_schemas.sql", "/etc/hostname", "sources/../../queries/medals.sql"]
)
def test_a_text_path_outside_seeds_is_refused(inputs_copy: Path, text_path: str) -> None:
    sources = inputs_copy / "seeds" / "sources.csv"
    document_line = 0

    def change(rows: list[list[str]]) -> list[list[str]]:
        nonlocal document_line
        column = rows[0].index("text_path")
        for number, row in enumerate(rows[1:], 2):
            if row[rows[0].index("kind")] == "document":
                row[column] = text_path
                document_line = number
        return rows

    rewrite_csv(sources, change)
    problem = check_fails(inputs_copy)
    assert str(problem) == (
        f"seeds/sources.csv, line {document_line}, column text_path: text_path leaves the seeds folder; "
        f"found {text_path!r}; expected a path inside seeds/ [files]"
    )


def test_a_text_path_through_a_symlink_out_of_seeds_is_refused(inputs_copy: Path, tmp_path: Path) -> None:
    sources = inputs_copy / "seeds" / "sources.csv"
    text = sources.read_text(encoding="utf-8")
    article = "sources/hebei-targeted-support-2026-02-10.txt"
    outside = tmp_path / "outside.txt"
    shutil.copyfile(inputs_copy / "seeds" / article, outside)
    (inputs_copy / "seeds" / "sources" / "link.txt").symlink_to(outside)
    sources.write_text(text.replace(article, "sources/link.txt"), encoding="utf-8")
    problem = check_fails(inputs_copy)
    assert problem.file == "seeds/sources/link.txt"
    assert problem.message == "is a link to a place outside the inputs folder"
    assert problem.value == str(outside)


def test_a_seed_header_that_is_not_utf8_is_refused(inputs_copy: Path) -> None:
    seed = inputs_copy / "seeds" / "units.csv"
    seed.write_bytes(seed.read_bytes().replace(b"label", b"lab\xffel", 1))
    problem = check_fails(inputs_copy)
    assert str(problem) == "seeds/units.csv, line 1: byte 0xff is not valid UTF-8; expected UTF-8 text [encoding]"


@pytest.mark.parametrize("blank_lines", [0, 2])
def test_a_broken_seed_hook_names_its_file_and_line(inputs_copy: Path, blank_lines: int) -> None:
    """Leading blank lines of the hook count towards the reported line (8, not 6, with two of them)."""
    hook = inputs_copy / "seeds" / "facts.sql"
    text = hook.read_text(encoding="utf-8")
    assert text.count("SELECT f.*,") == 1
    hook.write_text("\n" * blank_lines + text.replace("SELECT f.*,", "SELECT f.*, no_such_column,"), encoding="utf-8")
    line = ("\n" * blank_lines + text)[: ("\n" * blank_lines + text).index("SELECT f.*,")].count("\n") + 1
    problem = check_fails(inputs_copy)
    assert (problem.file, problem.check) == ("seeds/facts.sql", "sql")
    assert "no_such_column" in problem.message
    assert problem.line == line


def test_a_folder_named_like_a_schema_file_is_refused(inputs_copy: Path) -> None:
    (inputs_copy / "schema" / "999_folder.sql").mkdir()
    problem = check_fails(inputs_copy)
    assert str(problem) == "schema/999_folder.sql: cannot read: Is a directory [files]"


def test_a_stored_text_that_is_not_utf8_names_the_byte_and_line(inputs_copy: Path) -> None:
    article = inputs_copy / "seeds" / "sources" / "hebei-targeted-support-2026-02-10.txt"
    data = article.read_bytes()
    at = data.index(b"\n", 500)
    article.write_bytes(data[:at] + b"\xff" + data[at:])
    line = data[:at].count(b"\n") + 1
    problem = check_fails(inputs_copy)
    assert str(problem) == (
        f"seeds/sources/hebei-targeted-support-2026-02-10.txt, line {line}: "
        "byte 0xff is not valid UTF-8; expected UTF-8 text [encoding]"
    )


def test_regions_that_are_each_others_parents_are_refused(inputs_copy: Path) -> None:
    regions = inputs_copy / "seeds" / "regions.csv"
    lines = regions.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[1].startswith("china,China,,,country,,")
    assert lines[2].startswith("hebei,") and ",china," in lines[2]
    lines[1] = lines[1].replace("china,China,,,country,,", "china,China,,,country,hebei,", 1)
    regions.write_text("".join(lines), encoding="utf-8")
    problem = check_fails(inputs_copy)
    assert str(problem) == (
        "seeds/regions.csv, line 2: rows refer to each other in a cycle; "
        "expected parents that do not depend on their children [foreign_key]"
    )


def test_a_report_without_metadata_fails_the_build_naming_it(inputs_copy: Path) -> None:
    (inputs_copy / "queries" / "draft.sql").write_text("SELECT 1 AS one\n", encoding="utf-8")
    problem = check_fails(inputs_copy)
    assert str(problem) == "queries/draft.sql: no metadata file draft.toml beside it [reports]"


def test_the_quick_loop_breaks_every_check_the_build_runs(inputs_root: Path) -> None:
    """Each check of the build (the engine's and the data set's) has a broken input the quick loop builds."""
    from hebeidb.builder.checks import load_checks

    ids = {case.id for case in CASES}
    names = {check.name for check in load_checks(Inputs.at(inputs_root))} | {"contract"}
    assert names <= set(QUICK_CASES), sorted(names - set(QUICK_CASES))
    assert set(QUICK_CASES.values()) <= ids
