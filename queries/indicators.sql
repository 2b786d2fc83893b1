{#- Facts by domain, region and period, with the qualifier written for people next to the
    interval it implies. -#}
SELECT f.fact_id,
       f.domain,
       f.indicator,
       f.label,
       f.region,
       f.period_start,
       f.period_end,
       f.value_text AS stated,
       f.value,
       f.interval_text AS "interval",
       f.value_low,
       f.value_high,
       f.qualifier,
       f.unit,
       f.is_cumulative,
       f.is_inferred,
       f.competition_id,
       f.source_id,
       f.aggregation,
       f.period_end_is_upper_bound,
       f.year,
       f.period_end_precision
FROM facts AS f
WHERE 1 = 1
{% if domain is not none %}
  AND f.domain = $domain
{% endif %}
{% if region is not none %}
  AND f.region = $region
{% endif %}
{#- The year rule: a filter keeps a figure when what is known of its period meets the years asked
    for. A figure whose date the source does not state has no year: since keeps it only when its
    period is known to start in or after that year, until when it was reported by the end of it.
    Written so that an engine reading an export partitioned by year or by latest_year skips whole
    folders: the year alone decides a dated figure, and latest_year >= since follows from either. -#}
{% if since is not none %}
  AND (f.year >= $since OR (f.year IS NULL AND year(f.period_start) >= $since))
  AND f.latest_year >= $since
{% endif %}
{% if until is not none %}
  AND year(coalesce(f.period_start, f.period_end)) <= $until
{% endif %}
ORDER BY {{ order_by }}{% if descending %} DESC{% endif %} NULLS LAST, f.fact_id
