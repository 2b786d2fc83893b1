WITH RECURSIVE tally AS (
    SELECT f.*, i.tally_column, i.measure_kind
    FROM core.facts AS f
    JOIN core.indicators AS i USING (indicator_id)
    WHERE i.tally_column IS NOT NULL
),
ancestry(region_id, ancestor_id) AS (
    SELECT region_id, parent_region_id FROM core.regions WHERE parent_region_id IS NOT NULL
    UNION
    SELECT a.region_id, r.parent_region_id
    FROM ancestry AS a JOIN core.regions AS r ON r.region_id = a.ancestor_id
    WHERE r.parent_region_id IS NOT NULL
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
       'one ' || t.tally_column || ' figure per delegation from each source (another source may state it again: '
           || 'the agreement cross-check compares them); first given by ' || t.source_id || ' as ' || first_fact,
       'the delegation already has this medal-table figure from this source'
FROM (SELECT t.*, first(t.fact_id ORDER BY t.fact_id) OVER (
             PARTITION BY t.competition_id, t.region_id, t.tally_column, t.measure_kind, t.source_id) AS first_fact
      FROM tally AS t) AS t
WHERE t.fact_id <> t.first_fact
UNION ALL
SELECT 'facts', t.fact_id, 'competition_id', t.competition_id || '/' || t.region_id,
       'a delegation in seeds/delegations.csv that names the delegation it is part of (part_of_region_id), '
           || 'whose medals the share is of',
       'share of a delegation that is part of no other: there is no whole to be a share of'
FROM tally AS t
WHERE t.measure_kind = 'share'
  AND NOT EXISTS (SELECT 1 FROM core.delegations AS d
                  WHERE d.competition_id = t.competition_id AND d.region_id = t.region_id
                    AND d.part_of_region_id IS NOT NULL)
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
UNION ALL
SELECT 'delegations', d.competition_id || '/' || d.region_id, 'part_of_region_id', d.region_id,
       'the national delegation its athletes competed in (part_of_region_id, with medal_table provincial_count): at '
           || replace(c.kind, '_', ' ') || ' the delegations are countries',
       'a region below the country stands as a delegation of its own at international games'
FROM core.delegations AS d
JOIN core.competitions AS c USING (competition_id)
JOIN core.regions AS r USING (region_id)
WHERE c.kind <> 'national_games' AND r.level <> 'country' AND d.part_of_region_id IS NULL
UNION ALL
SELECT 'delegations', d.competition_id || '/' || d.region_id, 'part_of_region_id', d.part_of_region_id,
       'a delegation at ' || d.competition_id || ' listed in seeds/delegations.csv',
       'a delegation is part of a delegation that is not at the competition'
FROM core.delegations AS d
WHERE d.part_of_region_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM core.delegations AS w
                  WHERE w.competition_id = d.competition_id AND w.region_id = d.part_of_region_id)
UNION ALL
SELECT 'delegations', d.competition_id || '/' || d.region_id, 'part_of_region_id', d.part_of_region_id,
       'a region that encloses ' || d.region_id || ' (one of its parent regions in seeds/regions.csv)',
       'a delegation is part of the delegation of a region that does not enclose it'
FROM core.delegations AS d
WHERE d.part_of_region_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM ancestry AS a
                  WHERE a.region_id = d.region_id AND a.ancestor_id = d.part_of_region_id)
