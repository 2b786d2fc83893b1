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
       f.source_id
FROM facts AS f
WHERE 1 = 1
{% if domain is not none %}
  AND f.domain = $domain
{% endif %}
{% if region is not none %}
  AND f.region = $region
{% endif %}
{% if since is not none %}
  AND f.year >= $since
{% endif %}
{% if until is not none %}
  AND year(coalesce(f.period_start, f.period_end)) <= $until
{% endif %}
ORDER BY {{ order_by }}{% if descending %} DESC{% endif %} NULLS LAST, f.fact_id
