-- The bulletins: every fact becomes a sentence stating its value with its qualifier (and "cumulatively"
-- where it is cumulative); sentences are placed one after another in their bulletin, so each fact's quote
-- stands at known offsets. Medal figures go to the region's sport bulletin of the year, national totals
-- to China's.
CREATE TABLE sentences AS
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
JOIN (SELECT competition_id, sum(value) AS value FROM national GROUP BY ALL) AS t USING (competition_id);

CREATE TABLE placed AS
SELECT s.*,
       CAST(sum(length(sentence) + 1) OVER w - length(sentence) - 1 AS INTEGER) AS quote_start
FROM sentences AS s
WINDOW w AS (PARTITION BY source_id ORDER BY part, position, fact_id);

CREATE TABLE documents AS
SELECT source_id, any_value(region_id) AS region_id, any_value(year) AS year,
       any_value(split_part(source_id, '_' || year || '_', 2)) AS domain_id,
       string_agg(sentence, ' ' ORDER BY part, position, fact_id) AS text
FROM placed GROUP BY source_id;
