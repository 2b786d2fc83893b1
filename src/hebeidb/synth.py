"""Synthetic national-scale inputs: every provincial-level region, twenty years, many indicators.

The generator writes ordinary build inputs (schema/ and queries/ copied from the installed ones,
seeds/ generated) and hands them to the normal build, so a synthetic database goes through the same
bulk loading, validation and checks as the real one. Everything is generated set-based by DuckDB
from a seed: the same seed and size give the same database.

Each generated document is a statistical bulletin for one region, year and domain, made of sentences such as
"The figure for Education measure C in Hebei was cumulatively over 12,345 persons." whose numbers
are the facts' values, quoted at their offsets, with their qualifiers written before them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from .inputs import Inputs

PROVINCES = (
    "Beijing", "Tianjin", "Hebei", "Shanxi", "Inner Mongolia", "Liaoning", "Jilin", "Heilongjiang", "Shanghai",
    "Jiangsu", "Zhejiang", "Anhui", "Fujian", "Jiangxi", "Shandong", "Henan", "Hubei", "Hunan", "Guangdong",
    "Guangxi", "Hainan", "Chongqing", "Sichuan", "Guizhou", "Yunnan", "Tibet", "Shaanxi", "Gansu", "Qinghai",
    "Ningxia", "Xinjiang", "Hong Kong", "Macao", "Taiwan",
)  # fmt: skip
FIRST_YEAR, YEARS = 2006, 20
INDICATORS_PER_DOMAIN = 8
COPIED_SEEDS = ("domains", "units", "qualifiers", "number_words")
KINDS = ("summer_paralympics", "winter_paralympics", "winter_deaflympics", "national_games")


def _sql_list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def generate_inputs(folder: Path, facts: int, seed: int) -> Inputs:
    """Write synthetic inputs with about ``facts`` facts into ``folder`` and return them."""
    if facts < 100:
        raise ValueError("synthetic data needs at least 100 facts")
    installed = Inputs.installed()
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("schema", "queries"):
        shutil.copytree(installed.root / name, folder / name, dirs_exist_ok=True)
    seeds = folder / "seeds"
    (seeds / "texts").mkdir(parents=True, exist_ok=True)
    for name in COPIED_SEEDS:
        shutil.copy(installed.seeds_dir / f"{name}.csv", seeds / f"{name}.csv")
    shutil.copy(installed.seeds_dir / "facts.sql", seeds / "facts.sql")
    con = duckdb.connect()
    try:
        con.execute("SET preserve_insertion_order = true")
        con.execute("SET enable_progress_bar = false")
        _generate(con, installed, seeds, facts, seed)
    finally:
        con.close()
    return Inputs(folder.resolve(), "synthetic")


def _generate(con: duckdb.DuckDBPyConnection, installed: Inputs, seeds: Path, total: int, seed: int) -> None:
    con.execute(f"CREATE TABLE domains AS SELECT * FROM read_csv('{installed.seeds_dir / 'domains.csv'}')")
    con.execute(f"CREATE TABLE units AS SELECT * FROM read_csv('{installed.seeds_dir / 'units.csv'}')")
    con.execute(
        f"""CREATE TABLE regions AS
            SELECT row_number() OVER () - 1 AS idx,
                   lower(replace(name, ' ', '_')) AS region_id, name AS name_en
            FROM (SELECT unnest({_sql_list(PROVINCES)}) AS name)"""
    )
    competitions = max(1, min(len(KINDS) * YEARS, total // 2000))
    medal_facts = competitions * (len(PROVINCES) * 3 + 4)
    plain = max(total - medal_facts, 0)
    con.execute(f"SET VARIABLE seed = {int(seed)}")
    con.execute(f"SET VARIABLE plain = {plain}")
    con.execute(f"SET VARIABLE competitions = {competitions}")

    con.execute(
        f"""CREATE TABLE indicators AS
            SELECT row_number() OVER (ORDER BY d.domain_id, letter) - 1 AS idx,
                   d.domain_id || '_measure_' || lower(letter) AS indicator_id,
                   d.domain_id,
                   d.name_en || ' measure ' || letter AS label_en,
                   CASE WHEN letter IN ('G', 'H') THEN 'percent' ELSE 'persons' END AS unit_id,
                   CASE WHEN letter IN ('G', 'H') THEN 'rate' ELSE 'count' END AS measure_kind,
                   NULL AS tally_column, NULL AS part_of_indicator_id,
                   'Synthetic ' || lower(d.name_en) || ' figure ' || letter || '.' AS description
            FROM domains AS d,
                 (SELECT chr(CAST(65 + i AS INTEGER)) AS letter FROM range({INDICATORS_PER_DOMAIN}) AS r(i))
            WHERE d.domain_id <> 'sport_results'"""
    )
    con.execute(
        f"""COPY (
            SELECT indicator_id, domain_id, label_en, unit_id, measure_kind, tally_column, part_of_indicator_id,
                   description, NULL AS population FROM indicators
            UNION ALL
            SELECT * FROM read_csv('{installed.seeds_dir / "indicators.csv"}', all_varchar = true)
            WHERE tally_column IN ('gold', 'silver', 'bronze', 'total') AND measure_kind = 'count'
        ) TO '{seeds / "indicators.csv"}' (HEADER, DELIMITER ',')"""
    )
    # Plain facts: one sentence each, placed in the bulletin of a region and year.
    con.execute(
        """CREATE TABLE plain AS
           WITH raw AS (
               SELECT n, hash(n, getvariable('seed')) AS h FROM range(getvariable('plain')) AS r(n)
           )
           SELECT n,
                  CAST(h % 34 AS INTEGER) AS region_idx,
                  2006 + CAST((h // 34) % 20 AS INTEGER) AS year,
                  CAST((h // 680) % (SELECT count(*) FROM indicators) AS INTEGER) AS indicator_idx,
                  CAST((h // 100000) % 10 AS INTEGER) AS qualifier_pick,
                  (h // 1000000) % 5 = 0 AS is_cumulative,
                  h // 10000000 AS amount
           FROM raw"""
    )
    con.execute(
        """CREATE TABLE plain_sentences AS
           SELECT p.n, r.region_id, p.year, i.indicator_id, i.unit_id, i.domain_id,
                  CASE WHEN i.unit_id = 'percent' THEN CAST((1 + p.amount % 998) / 10 AS DECIMAL(18, 2))
                       ELSE CAST(1 + p.amount % 999999 AS DECIMAL(18, 2)) END AS value,
                  CASE p.qualifier_pick WHEN 6 THEN 'over' WHEN 7 THEN 'nearly' WHEN 8 THEN 'at_least'
                                        WHEN 9 THEN 'above' ELSE 'exact' END AS qualifier,
                  p.is_cumulative AND i.unit_id <> 'percent' AS is_cumulative,
                  'The figure for ' || i.label_en || ' in ' || r.name_en || ' was ' AS lead,
                  p.region_idx, p.indicator_idx
           FROM plain AS p
           JOIN regions AS r ON r.idx = p.region_idx
           JOIN indicators AS i ON i.idx = p.indicator_idx"""
    )
    # Competitions with a medal table row for every province and for China.
    con.execute(
        f"""CREATE TABLE competitions AS
            SELECT c AS idx,
                   'games_' || c AS competition_id,
                   'Synthetic ' || replace((({_sql_list(KINDS)})[1 + c % 4]), '_', ' ') || ' '
                       || chr(CAST(65 + c // 26 AS INTEGER)) || chr(CAST(65 + c % 26 AS INTEGER)) AS name_en,
                   ({_sql_list(KINDS)})[1 + c % 4] AS kind,
                   1 + c // 4 AS edition,
                   make_date({FIRST_YEAR} + (c // 4) % {YEARS}, 2 + 3 * (c % 4), 1) AS start_date
            FROM range(getvariable('competitions')) AS r(c)"""
    )
    con.execute(
        """CREATE TABLE medals AS
           WITH delegations AS (
               SELECT c.*, r.region_id, r.name_en AS region_name, r.idx AS region_idx
               FROM competitions AS c, regions AS r
           )
           SELECT d.competition_id, d.region_id, d.region_idx, year(d.start_date) AS year, d.name_en AS games,
                  d.region_name, m.medal, 'per_athlete' AS counting_basis,
                  CAST(hash(d.competition_id, d.region_id, m.medal, getvariable('seed')) % 40 AS DECIMAL(18, 2))
                      AS value
           FROM delegations AS d, (SELECT unnest(['gold', 'silver', 'bronze']) AS medal) AS m"""
    )
    con.execute(
        """CREATE TABLE national AS
           SELECT competition_id, medal, CAST(sum(value) AS DECIMAL(18, 2)) AS value
           FROM medals GROUP BY competition_id, medal"""
    )
    con.execute(
        """CREATE TABLE sentences AS
           SELECT 'f' || n AS fact_id, 'doc_' || region_id || '_' || year || '_' || domain_id AS source_id,
                  region_id, year,
                  indicator_id, NULL AS competition_id, 'as_of' AS period_kind, NULL::DATE AS period_start,
                  make_date(year, 12, 31) AS period_end, value, qualifier, is_cumulative,
                  lead || CASE WHEN is_cumulative THEN 'cumulatively ' ELSE '' END
                       || CASE qualifier WHEN 'exact' THEN '' ELSE replace(qualifier, '_', ' ') || ' ' END
                       || CASE WHEN unit_id = 'percent' THEN format('{:.1f}', CAST(value AS DOUBLE)) || '%'
                               ELSE format('{:,}', CAST(value AS BIGINT)) || ' persons' END || '.' AS sentence,
                  0 AS part, n AS position
           FROM plain_sentences
           UNION ALL
           SELECT 'm_' || m.competition_id || '_' || m.region_id || '_' || m.medal,
                  'doc_' || m.region_id || '_' || m.year || '_sport_results', m.region_id, m.year,
                  m.medal || '_medals',
                  m.competition_id, 'event', c.start_date, c.start_date + 9, m.value, 'exact', false,
                  'The delegation of ' || m.region_name || ' at the ' || m.games || ' won '
                      || CAST(CAST(m.value AS INTEGER) AS VARCHAR) || ' ' || m.medal || ' medals.',
                  1, hash(m.competition_id, m.medal) % 1000000
           FROM medals AS m JOIN competitions AS c USING (competition_id)
           UNION ALL
           SELECT 'm_' || n.competition_id || '_china_' || n.medal,
                  'doc_china_' || year(c.start_date) || '_sport_results', 'china', year(c.start_date),
                  n.medal || '_medals',
                  n.competition_id, 'event', c.start_date, c.start_date + 9, n.value, 'exact', false,
                  'The national delegation at the ' || c.name_en || ' won '
                      || CAST(CAST(n.value AS INTEGER) AS VARCHAR) || ' ' || n.medal || ' medals.',
                  2, hash(n.competition_id, n.medal) % 1000000
           FROM national AS n JOIN competitions AS c USING (competition_id)
           UNION ALL
           SELECT 'm_' || c.competition_id || '_china_total',
                  'doc_china_' || year(c.start_date) || '_sport_results', 'china',
                  year(c.start_date), 'total_medals', c.competition_id, 'event', c.start_date, c.start_date + 9,
                  t.value, 'exact', false,
                  'In all the national delegation at the ' || c.name_en || ' won '
                      || CAST(CAST(t.value AS INTEGER) AS VARCHAR) || ' medals.',
                  3, hash(c.competition_id) % 1000000
           FROM competitions AS c
           JOIN (SELECT competition_id, sum(value) AS value FROM national GROUP BY ALL) AS t USING (competition_id)"""
    )
    con.execute(
        """CREATE TABLE placed AS
           SELECT s.*,
                  CAST(sum(length(sentence) + 1) OVER w - length(sentence) - 1 AS INTEGER) AS quote_start
           FROM sentences AS s
           WINDOW w AS (PARTITION BY source_id ORDER BY part, position, fact_id)"""
    )
    con.execute(
        """CREATE TABLE documents AS
           SELECT source_id, any_value(region_id) AS region_id, any_value(year) AS year,
                  any_value(split_part(source_id, '_' || year || '_', 2)) AS domain_id,
                  string_agg(sentence, ' ' ORDER BY part, position, fact_id) AS text
           FROM placed GROUP BY source_id"""
    )
    _write_texts(con, seeds)
    con.execute(
        f"""COPY (
            SELECT source_id, 'document' AS kind,
                   '[Synthetic ' || replace(domain_id, '_', ' ') || ' bulletin for ' || region_id || ', ' || year || ']'
                       AS title,
                   'Synthetic data' AS publisher, make_date(year + 1, 1, 15) AS published_on,
                   'day' AS published_precision, NULL AS url, 'en' AS language,
                   'texts/' || source_id || '.txt' AS text_path, sha256(text) AS sha256, 0 AS body_start,
                   length(text) AS body_end, 'Generated by hebeidb synth.' AS note
            FROM documents ORDER BY source_id
        ) TO '{seeds / "sources.csv"}' (HEADER, DELIMITER ',')"""
    )
    con.execute(
        f"""COPY (
            SELECT region_id, name_en, NULL AS name_zh, NULL AS name_zh_source_id,
                   CASE WHEN region_id IN ('hong_kong', 'macao') THEN 'special_administrative_region'
                        ELSE 'province' END AS level,
                   'china' AS parent_region_id, NULL AS note
            FROM regions
            UNION ALL
            SELECT 'china', 'China', NULL, NULL, 'country', NULL, NULL
            ORDER BY parent_region_id NULLS FIRST, region_id
        ) TO '{seeds / "regions.csv"}' (HEADER, DELIMITER ',')"""
    )
    con.execute(
        f"""COPY (
            SELECT competition_id, name_en, NULL AS official_name_en, kind, edition, NULL AS joint_event,
                   NULL AS joint_event_edition, start_date, start_date + 9 AS end_date,
                   'doc_china_' || year(start_date) || '_sport_results' AS source_id, NULL AS note
            FROM competitions ORDER BY idx
        ) TO '{seeds / "competitions.csv"}' (HEADER, DELIMITER ',')"""
    )
    con.execute(
        f"""COPY (
            SELECT competition_id, 'beijing' AS region_id, 1 AS host_order FROM competitions WHERE false
        ) TO '{seeds / "competition_hosts.csv"}' (HEADER, DELIMITER ',')"""
    )
    con.execute(
        f"""COPY (
            SELECT DISTINCT competition_id, region_id, 'per_athlete' AS counting_basis,
                   'doc_' || region_id || '_' || year || '_sport_results' AS source_id,
                   'Assumed by the generator.' AS note, 'assumed' AS counting_basis_status,
                   NULL AS counting_basis_source_id, 'games' AS medal_table
            FROM medals
            UNION ALL
            SELECT competition_id, 'china', 'per_event', 'doc_china_' || year(start_date) || '_sport_results',
                   'Assumed by the generator.', 'assumed', NULL, 'games'
            FROM competitions
            ORDER BY competition_id, region_id
        ) TO '{seeds / "delegations.csv"}' (HEADER, DELIMITER ',')"""
    )
    con.execute(
        f"""COPY (
            SELECT fact_id, indicator_id, region_id, competition_id, NULL AS programme_id, period_kind,
                   period_start, period_end, value, qualifier, is_cumulative, false AS is_inferred, source_id,
                   sentence AS quote, quote_start, quote_start + length(sentence) AS quote_end, NULL AS note,
                   -- A figure written with three or more trailing zeros is round: stated to its last
                   -- non-zero digit and, without a qualifier, rounded (schema/060_facts.sql).
                   CASE WHEN unit_id = 'percent' THEN 0.1 WHEN value % 1000 = 0 AND value <> 0
                        THEN power(10, length(CAST(CAST(value AS BIGINT) AS VARCHAR))
                                       - length(rtrim(CAST(CAST(value AS BIGINT) AS VARCHAR), '0')))
                        ELSE 1 END AS precision,
                   CASE WHEN qualifier = 'exact' AND coalesce(unit_id, '') <> 'percent'
                             AND value % 1000 = 0 AND value <> 0 THEN 'nearest' ELSE 'none' END AS rounding,
                   CASE WHEN unit_id = 'percent' THEN 'rate' WHEN competition_id IS NOT NULL THEN 'count_over_period'
                        WHEN is_cumulative THEN 'running_total' ELSE 'level' END AS aggregation,
                   NULL AS comparison
            FROM placed LEFT JOIN (SELECT indicator_id, unit_id FROM indicators) USING (indicator_id)
            ORDER BY source_id, quote_start
        ) TO '{seeds / "facts.csv"}' (HEADER, DELIMITER ',')"""
    )
    for name, header in (
        ("programmes", "programme_id,name_en,name_zh,name_zh_official,name_zh_source_id,kind,domain_id,region_id,"
                       "edition,period_start,period_end,description,source_id,quote,quote_start,quote_end,"
                       "part_of_programme_id"),
        ("inference_basis", "basis_id,fact_id,basis_fact_id,basis_source_id,role"),
        ("exclusions", "exclusion_id,source_id,token,token_start,token_end,reason_kind,reason,fact_id,"
                       "competition_id,programme_id"),
    ):  # fmt: skip
        (seeds / f"{name}.csv").write_text(header + "\n", encoding="utf-8")


def _write_texts(con: duckdb.DuckDBPyConnection, seeds: Path) -> None:
    # Texts are written as plain files (the build reads them with read_blob), a few documents at a
    # time so that memory stays bounded by the largest bulletins.
    texts = seeds / "texts"
    cursor = con.execute("SELECT source_id, text FROM documents ORDER BY source_id")
    while batch := cursor.fetchmany(16):
        for source_id, text in batch:
            (texts / f"{source_id}.txt").write_bytes(text.encode("utf-8"))


@contextmanager
def synthetic_inputs(facts: int, seed: int, keep: Path | None = None) -> Iterator[Inputs]:
    """Generated inputs in ``keep`` (kept) or in a temporary folder (removed afterwards)."""
    if keep is not None:
        yield generate_inputs(keep, facts, seed)
        return
    folder = Path(tempfile.mkdtemp(prefix="hebeidb-synth-"))
    try:
        yield generate_inputs(folder, facts, seed)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def build_synthetic(path: str | os.PathLike[str], facts: int, seed: int = 0, keep_inputs: Path | None = None) -> object:
    """Generate inputs for ``facts`` facts and build them into ``path`` with the normal build."""
    from .builder import build_database

    with synthetic_inputs(facts, seed, keep_inputs) as inputs:
        return build_database(path, inputs=inputs)
