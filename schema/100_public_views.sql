-- The public contract: plain names in the default schema. Column names and meanings here are
-- stable; add columns at the end, never rename. The README documents each view.

CREATE VIEW sources AS
SELECT s.source_id,
       s.kind,
       s.title,
       s.publisher,
       s.published_on,
       s.url,
       s.sha256,
       s.published_precision,
       s.language,
       s.text_path,
       t.n_chars,
       s.note
FROM core.sources AS s
LEFT JOIN core.source_texts AS t USING (source_id)
ORDER BY s.kind, s.source_id;
COMMENT ON VIEW sources IS 'Every source cited: the article (document) and the reference publications.';

CREATE VIEW facts AS
SELECT f.fact_id,
       i.domain_id AS domain,
       f.indicator_id AS indicator,
       i.label_en AS label,
       f.region_id AS region,
       f.period_start,
       f.period_end,
       f.value,
       f.value_low,
       f.value_high,
       f.qualifier,
       i.unit_id AS unit,
       f.is_cumulative,
       f.is_inferred,
       f.source_id,
       f.quote,
       f.low_inclusive,
       f.high_inclusive,
       i.measure_kind,
       f.period_kind,
       f.competition_id,
       f.programme_id,
       f.quote_start,
       f.quote_end,
       f.note,
       core.value_text(f.value, q.qualifier, q.symbol, c.symbol, u.text_prefix, u.text_suffix, u.text_suffix_one) AS value_text,
       core.interval_text(f.value_low, f.low_inclusive, f.value_high, f.high_inclusive) || ' ' || u.label
           AS interval_text,
       f.precision,
       f.rounding,
       f.aggregation,
       f.comparison,
       CASE WHEN f.competition_id IS NOT NULL AND f.region_id IS NULL THEN 'competition'
            WHEN f.competition_id IS NOT NULL THEN 'delegation'
            ELSE 'region' END AS scope,
       f.period_kind IN ('as_of', 'span') AND f.period_end = s.published_on AS period_end_is_upper_bound,
       -- The year rule: a figure whose date its source does not state has no year, only the
       -- reported-by bound (period_end, the publication date); latest_year is never NULL.
       CASE WHEN f.period_kind IN ('as_of', 'span') AND f.period_end = s.published_on THEN NULL
            ELSE CAST(year(f.period_end) AS INTEGER) END AS year,
       CAST(year(f.period_end) AS INTEGER) AS latest_year,
       f.period_end_precision,
       CAST(t.value_start AS INTEGER) AS value_start,
       CASE WHEN f.aggregation = 'criterion' THEN 'a criterion: a rule''s threshold, exact as written'
            WHEN f.rounding = 'none' AND f.qualifier = 'exact' THEN 'stated in full'
            WHEN f.rounding = 'none' THEN 'qualified: the qualifier bounds one side, the precision the other'
            WHEN f.rounding = 'nearest_or_down' THEN 'convention unknown: the union of rounding to the nearest and cutting'
            ELSE 'shown by a cross-check against other claims that only this reading passes'
       END AS rounding_reason,
       -- The dates of a result at a competition are the competition's, from the source that dates it.
       CASE WHEN f.period_kind = 'event' THEN m.source_id ELSE f.source_id END AS period_source_id
FROM core.facts AS f
JOIN core.indicators AS i USING (indicator_id)
JOIN core.units AS u ON u.unit_id = i.unit_id
JOIN core.qualifiers AS q USING (qualifier)
LEFT JOIN core.qualifiers AS c ON c.qualifier = f.comparison
JOIN core.sources AS s ON s.source_id = f.source_id
LEFT JOIN (SELECT fact_id, min(token_start) AS value_start FROM core.fact_tokens GROUP BY fact_id) AS t
       ON t.fact_id = f.fact_id
LEFT JOIN core.competitions AS m ON m.competition_id = f.competition_id
ORDER BY f.quote_start IS NULL, f.source_id, coalesce(t.value_start, f.quote_start), f.quote_start, f.fact_id;
COMMENT ON VIEW facts IS 'Every numeric claim, medal counts included, with qualifier, implied interval and provenance, in the order of the numbers in the text (reference facts last).';

CREATE VIEW medal_tallies AS
WITH bases AS (
    -- The delegations of their own at a competition are peers; a delegation that is part of another
    -- (a province's athletes within the national delegation) is no peer of anyone there. Two peers'
    -- ranks and medals compare side by side only when both counting bases and both medal tables
    -- are known and the same. Grouped per competition rather than a window over it: an ordered
    -- aggregate over a window (string_agg(... ORDER BY ...) OVER) is stored in a form DuckDB before
    -- 1.2 cannot read, and such a reader could not open the file at all.
    SELECT competition_id,
           count(*) FILTER (WHERE part_of_region_id IS NULL) AS n_peers,
           coalesce(bool_and(counting_basis <> 'unknown' AND medal_table <> 'unknown')
                        FILTER (WHERE part_of_region_id IS NULL), false)
               AND min(counting_basis) FILTER (WHERE part_of_region_id IS NULL)
                   = max(counting_basis) FILTER (WHERE part_of_region_id IS NULL)
               AND min(medal_table) FILTER (WHERE part_of_region_id IS NULL)
                   = max(medal_table) FILTER (WHERE part_of_region_id IS NULL) AS same_bases,
           string_agg(region_id || ': counting basis ' || replace(counting_basis, '_', ' ')
                      || CASE counting_basis_status WHEN 'unknown' THEN '' ELSE ' (' || counting_basis_status || ')' END
                      || ', medal table ' || replace(medal_table, '_', ' '), '; '
                      ORDER BY region_id) FILTER (WHERE part_of_region_id IS NULL) AS bases_text
    FROM core.delegations
    GROUP BY competition_id
)
SELECT c.competition_id,
       c.name_en AS competition,
       c.kind,
       c.edition,
       c.start_date,
       c.end_date,
       (SELECT string_agg(r.name_en, ', ' ORDER BY h.host_order)
          FROM core.competition_hosts AS h JOIN core.regions AS r USING (region_id)
         WHERE h.competition_id = c.competition_id) AS host,
       d.region_id AS delegation,
       CAST(t.gold AS DECIMAL(7, 1)) AS gold,
       CAST(t.silver AS DECIMAL(7, 1)) AS silver,
       CAST(t.bronze AS DECIMAL(7, 1)) AS bronze,
       CAST(coalesce(t.stated_total, t.gold + t.silver + t.bronze) AS DECIMAL(7, 1)) AS total,
       CAST(t.world_records AS INTEGER) AS world_records,
       CAST(t.rank_gold AS INTEGER) AS rank_gold,
       CAST(t.rank_total AS INTEGER) AS rank_total,
       d.source_id,
       CAST(t.athletes AS INTEGER) AS athletes,
       CAST(t.sports AS INTEGER) AS sports,
       CAST(t.events AS INTEGER) AS events,
       t.stated_total IS NOT NULL AS total_is_stated,
       d.counting_basis,
       t.is_inferred,
       d.note,
       d.counting_basis_status,
       d.counting_basis_source_id,
       d.medal_table,
       CASE WHEN d.part_of_region_id IS NOT NULL THEN false WHEN b.n_peers > 1 THEN b.same_bases END AS comparable,
       CASE WHEN d.part_of_region_id IS NOT NULL
            THEN 'part of ' || d.part_of_region_id || '''s delegation: ' || d.region_id || '''s own count of the medals its '
                 || 'athletes won for ' || d.part_of_region_id || ', not a row of the games'' medal table beside it'
            WHEN b.n_peers > 1 AND NOT b.same_bases
            THEN 'not comparable side by side with the other delegations at this competition: ' || b.bases_text
       END AS comparison_note,
       d.part_of_region_id AS part_of_delegation,
       CAST(t.stated_share_of_gold AS DECIMAL(5, 1)) AS stated_share_of_gold,
       CAST(t.stated_share_of_total AS DECIMAL(5, 1)) AS stated_share_of_total
FROM core.delegations AS d
JOIN bases AS b USING (competition_id)
JOIN core.competitions AS c USING (competition_id)
JOIN core.tally_figures AS t USING (competition_id, region_id)
ORDER BY c.start_date, d.region_id;
COMMENT ON VIEW medal_tallies IS 'Medal table rows per competition and delegation (Hebei, China, ...), built from the facts; a province''s tally within its national delegation is a part of that delegation''s (part_of_delegation), not a peer row.';

CREATE VIEW competitions AS
SELECT c.competition_id,
       c.name_en AS competition,
       c.official_name_en,
       c.kind,
       c.edition,
       c.joint_event,
       c.joint_event_edition,
       c.start_date,
       c.end_date,
       (SELECT string_agg(r.name_en, ', ' ORDER BY h.host_order)
          FROM core.competition_hosts AS h JOIN core.regions AS r USING (region_id)
         WHERE h.competition_id = c.competition_id) AS host,
       c.source_id,
       c.note
FROM core.competitions AS c
ORDER BY c.start_date;
COMMENT ON VIEW competitions IS 'Games with edition, kind, dates and hosts.';

CREATE VIEW programmes AS
SELECT p.programme_id,
       p.name_en,
       p.name_zh,
       p.name_zh_official,
       p.kind,
       p.domain_id AS domain,
       p.region_id AS region,
       p.edition,
       p.period_start,
       p.period_end,
       p.description,
       p.source_id,
       p.quote,
       p.name_zh_source_id,
       p.part_of_programme_id AS part_of_programme,
       p.period_source_id,
       p.period_precision
FROM core.programmes AS p
ORDER BY p.quote_start;
COMMENT ON VIEW programmes IS 'Programmes, policies, institutions and plan periods named in the article.';

CREATE VIEW domains AS
SELECT domain_id AS domain, name_en AS name, description FROM core.domains ORDER BY domain_id;
COMMENT ON VIEW domains IS 'Policy areas the facts belong to.';

CREATE VIEW regions AS
SELECT region_id AS region, name_en, name_zh, level, parent_region_id AS parent_region, note
FROM core.regions ORDER BY region_id;
COMMENT ON VIEW regions IS 'Regions with English and (where confirmed) Chinese names.';

CREATE VIEW indicators AS
SELECT i.indicator_id AS indicator, i.domain_id AS domain, i.label_en AS label, i.unit_id AS unit,
       i.measure_kind, i.tally_column, i.part_of_indicator_id AS part_of_indicator, i.description, i.population
FROM core.indicators AS i ORDER BY i.domain_id, i.indicator_id;
COMMENT ON VIEW indicators IS 'What the facts measure, with unit and measure kind.';

CREATE VIEW cross_checks AS
SELECT * FROM core.cross_checks ORDER BY check_kind, check_id;
COMMENT ON VIEW cross_checks IS 'Every cross-check with stated value, computed value, tolerance and verdict: checks between claims (sums, shares, parts against wholes, repeats, agreements) and each fact against its own interval, told apart by check_scope.';

CREATE VIEW numbers AS
SELECT source_id, token, token_start, token_end, value, status, fact_ids, exclusion_id, reason_kind, reason
FROM core.number_coverage
ORDER BY source_id, token_start;
COMMENT ON VIEW numbers IS 'Every number in the article body and what accounts for it: the facts that capture it or the exclusion that explains it.';

CREATE VIEW build_info AS
SELECT * FROM core.build_info;
COMMENT ON VIEW build_info IS 'How and from what this database file was built.';
