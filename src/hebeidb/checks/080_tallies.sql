-- Medal-table figures belong to a recorded delegation at a competition, once each, and shares
-- have a national delegation to be shares of.
WITH tally AS (
    SELECT f.*, i.tally_column, i.measure_kind
    FROM core.facts AS f
    JOIN core.indicators AS i USING (indicator_id)
    WHERE i.tally_column IS NOT NULL
)
SELECT 'facts' AS table_name,
       t.fact_id AS row_key,
       'competition_id' AS column_name,
       coalesce(t.competition_id, '') || '/' || t.region_id AS value,
       'a competition_id/region_id pair listed in seeds/delegations.csv' AS expected,
       'medal-table figure without a delegation row' AS problem
FROM tally AS t
WHERE t.measure_kind <> 'share'
  AND NOT EXISTS (SELECT 1 FROM core.delegations AS d
                  WHERE d.competition_id = t.competition_id AND d.region_id = t.region_id)
UNION ALL
SELECT 'facts', t.fact_id, 'indicator_id', t.indicator_id,
       'one ' || t.tally_column || ' figure per delegation; first given as ' || first_fact,
       'the delegation already has this medal-table figure'
FROM (SELECT t.*, first(t.fact_id ORDER BY t.fact_id) OVER (
             PARTITION BY t.competition_id, t.region_id, t.tally_column, t.measure_kind) AS first_fact
      FROM tally AS t) AS t
WHERE t.fact_id <> t.first_fact
UNION ALL
SELECT 'facts', t.fact_id, 'competition_id', t.competition_id,
       'a competition with a per_event (national) delegation in seeds/delegations.csv',
       'share of a national total with no national delegation to compare with'
FROM tally AS t
WHERE t.measure_kind = 'share'
  AND NOT EXISTS (SELECT 1 FROM core.delegations AS d
                  WHERE d.competition_id = t.competition_id AND d.counting_basis = 'per_event')
