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
       'a competition with a national delegation (a region of level country) in seeds/delegations.csv',
       'share of a national total with no national delegation to compare with'
FROM tally AS t
WHERE t.measure_kind = 'share'
  AND NOT EXISTS (SELECT 1 FROM core.delegations AS d JOIN core.regions AS r USING (region_id)
                  WHERE d.competition_id = t.competition_id AND r.level = 'country')
UNION ALL
SELECT 'facts', f.fact_id, 'region_id', f.competition_id || '/' || f.region_id,
       'a competition_id/region_id pair listed in seeds/delegations.csv, or no region for a figure of the games '
           || 'as a whole (all delegations)',
       'a figure at a competition names a region that has no delegation there'
FROM core.facts AS f
WHERE f.competition_id IS NOT NULL AND f.region_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM core.delegations AS d
                  WHERE d.competition_id = f.competition_id AND d.region_id = f.region_id)
UNION ALL
SELECT 'facts', f.fact_id, 'region_id', NULL,
       'the region whose delegation the figure belongs to',
       'a delegation''s figure (' || i.indicator_id || ') names no region'
FROM core.facts AS f
JOIN core.indicators AS i USING (indicator_id)
WHERE f.region_id IS NULL AND (i.tally_column IS NOT NULL OR i.part_of_indicator_id IS NOT NULL)

UNION ALL
SELECT 'delegations', d.competition_id || '/' || d.region_id, 'medal_table', d.medal_table,
       'games or unknown: ' || d.competition_id || ' has no event held with it',
       'a medal table of the games and a joint event at games without one'
FROM core.delegations AS d
JOIN core.competitions AS c USING (competition_id)
WHERE d.medal_table = 'games_and_joint_event' AND c.joint_event IS NULL
