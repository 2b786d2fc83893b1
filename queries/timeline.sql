{#- Dated events and periods in order: competitions, programme periods and deadlines, targets, the
    spans the article states and the publication of every dated source, each with the precision of
    its dates. -#}
WITH events AS (
    SELECT c.start_date AS starts_on,
           c.end_date AS ends_on,
           'competition' AS event_kind,
           c.competition AS event,
           c.competition_id AS ref,
           c.source_id,
           'day' AS date_precision,
           false AS ends_on_is_upper_bound
    FROM competitions AS c
    UNION ALL
    -- A deadline that a target fact of the programme gives is shown once, as the target.
    SELECT p.period_start, p.period_end, 'programme', p.name_en, p.programme_id, p.period_source_id,
           p.period_precision, false
    FROM programmes AS p
    WHERE (p.period_start IS NOT NULL OR p.period_end IS NOT NULL)
      AND NOT EXISTS (SELECT 1 FROM facts AS t
                      WHERE t.period_kind = 'target' AND t.programme_id = p.programme_id
                        AND t.period_end = p.period_end)
    UNION ALL
    SELECT f.period_start, f.period_end, f.period_kind, f.label || ': ' || f.value_text, f.fact_id, f.source_id,
           f.period_end_precision, f.period_end_is_upper_bound
    FROM facts AS f
    WHERE f.period_kind IN ('target', 'span')
    UNION ALL
    SELECT s.published_on, s.published_on, 'publication', s.title, s.source_id, s.source_id,
           s.published_precision, false
    FROM sources AS s
    WHERE s.published_on IS NOT NULL
)
SELECT e.starts_on, e.ends_on, e.event_kind, e.event, e.ref, e.source_id, e.date_precision, e.ends_on_is_upper_bound
FROM events AS e
WHERE 1 = 1
{#- The year rule of the indicators report: an end that is only the date a figure was reported by
    does not place the span in a year; since then reads its start. -#}
{% if since is not none %}
  AND year(CASE WHEN e.ends_on_is_upper_bound THEN e.starts_on ELSE coalesce(e.ends_on, e.starts_on) END) >= $since
{% endif %}
{% if until is not none %}
  AND year(coalesce(e.starts_on, e.ends_on)) <= $until
{% endif %}
ORDER BY coalesce(e.starts_on, e.ends_on), e.event_kind, e.ref
