{#- Dated events and periods in order: competitions, programme periods and deadlines, targets and
    publications. -#}
WITH events AS (
    SELECT c.start_date AS starts_on,
           c.end_date AS ends_on,
           'competition' AS event_kind,
           c.competition AS event,
           c.competition_id AS ref,
           c.source_id
    FROM competitions AS c
    UNION ALL
    SELECT p.period_start, p.period_end, 'programme', p.name_en, p.programme_id, p.source_id
    FROM programmes AS p
    WHERE p.period_start IS NOT NULL OR p.period_end IS NOT NULL
    UNION ALL
    SELECT f.period_start, f.period_end, 'target', f.label || ': ' || f.value_text, f.fact_id, f.source_id
    FROM facts AS f
    WHERE f.period_kind = 'target'
    UNION ALL
    SELECT s.published_on, s.published_on, 'publication', s.title, s.source_id, s.source_id
    FROM sources AS s
    WHERE s.published_precision = 'day'
)
SELECT e.starts_on, e.ends_on, e.event_kind, e.event, e.ref, e.source_id
FROM events AS e
WHERE 1 = 1
{% if since is not none %}
  AND year(coalesce(e.ends_on, e.starts_on)) >= $since
{% endif %}
{% if until is not none %}
  AND year(coalesce(e.starts_on, e.ends_on)) <= $until
{% endif %}
ORDER BY coalesce(e.starts_on, e.ends_on), e.event_kind, e.ref
