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
    latest_year >= since follows from the first condition; it lets an engine reading an export
    partitioned by latest_year skip whole folders. -#}
{% if since is not none %}
  AND coalesce(f.year, year(f.period_start)) >= $since
  AND f.latest_year >= $since
{% endif %}
{% if until is not none %}
  AND year(coalesce(f.period_start, f.period_end)) <= $until
{% endif %}
ORDER BY {{ order_by }}{% if descending %} DESC{% endif %} NULLS LAST, f.fact_id
