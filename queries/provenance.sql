{#- Each fact with its source, the exact quote and its character offsets in the stored text; facts sharing a
    quote in the order of their numbers. -#}
SELECT f.fact_id,
       f.indicator,
       f.region,
       f.value_text AS stated,
       f.quote,
       f.quote_start,
       f.quote_end,
       f.is_inferred,
       f.note,
       s.source_id,
       s.kind AS source_kind,
       s.title,
       s.publisher,
       s.published_on,
       s.url,
       s.sha256
FROM facts AS f
JOIN sources AS s ON s.source_id = f.source_id
WHERE 1 = 1
{% if fact_id is not none %}
  AND f.fact_id = $fact_id
{% endif %}
{% if indicator is not none %}
  AND f.indicator = $indicator
{% endif %}
ORDER BY CASE WHEN f.quote_start IS NULL THEN 1 ELSE 0 END, f.source_id, f.quote_start, f.value_start, f.fact_id
