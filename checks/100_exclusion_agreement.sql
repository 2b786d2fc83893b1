WITH e AS (
    SELECT e.*, t.value
    FROM core.exclusions AS e
    JOIN core.number_tokens AS t
      ON t.source_id = e.source_id AND t.token_start = e.token_start AND t.token_end = e.token_end
),
date_parts AS (
    SELECT e.exclusion_id, list_value(day(d), month(d), year(d)) AS parts
    FROM e, LATERAL (
        SELECT c.start_date AS d FROM core.competitions AS c WHERE c.competition_id = e.competition_id
        UNION ALL SELECT c.end_date FROM core.competitions AS c WHERE c.competition_id = e.competition_id
        UNION ALL SELECT f.period_end FROM core.facts AS f WHERE f.fact_id = e.fact_id
        UNION ALL SELECT f.period_start FROM core.facts AS f WHERE f.fact_id = e.fact_id AND f.period_start IS NOT NULL
        UNION ALL SELECT s.published_on FROM core.sources AS s
                  WHERE s.source_id = e.source_id AND e.reason_kind = 'publication_date'
    ) AS dates
),
verdicts AS (
    SELECT e.exclusion_id, e.reason_kind, e.token, e.value,
           CASE e.reason_kind
               WHEN 'edition' THEN e.value IN (
                   SELECT c.edition FROM core.competitions AS c WHERE c.competition_id = e.competition_id
                   UNION ALL SELECT c.joint_event_edition FROM core.competitions AS c
                             WHERE c.competition_id = e.competition_id
                   UNION ALL SELECT p.edition FROM core.programmes AS p WHERE p.programme_id = e.programme_id)
               WHEN 'date' THEN e.value IN (SELECT unnest(parts) FROM date_parts AS d
                                            WHERE d.exclusion_id = e.exclusion_id)
               WHEN 'publication_date' THEN e.value IN (SELECT unnest(parts) FROM date_parts AS d
                                                        WHERE d.exclusion_id = e.exclusion_id)
               WHEN 'name' THEN (SELECT strpos(lower(p.name_en), lower(e.token)) > 0 FROM core.programmes AS p
                                 WHERE p.programme_id = e.programme_id)
               ELSE true
           END AS agrees,
           CASE e.reason_kind
               WHEN 'edition' THEN 'the edition of ' || coalesce(e.competition_id, e.programme_id)
               WHEN 'name' THEN 'a word of the name of programme ' || e.programme_id
               WHEN 'publication_date' THEN 'a part of the publication date of ' || e.source_id
               ELSE 'a day, month or year of ' || coalesce(e.competition_id, e.fact_id)
           END AS expected
    FROM e
)
SELECT 'exclusions' AS table_name,
       exclusion_id AS row_key,
       'token' AS column_name,
       token AS value,
       expected,
       'excluded ' || reason_kind || ' number disagrees with the row that holds it' AS problem
FROM verdicts
WHERE NOT coalesce(agrees, false)
