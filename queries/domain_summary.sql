{#- Per domain: how many facts, how many inferred, and the first three figures in the order the
    article gives them. -#}
WITH ranked AS (
    SELECT f.domain,
           f.fact_id,
           f.is_inferred,
           f.label || ': ' || f.value_text AS figure,
           row_number() OVER (PARTITION BY f.domain
                              ORDER BY CASE WHEN f.quote_start IS NULL THEN 1 ELSE 0 END,
                                       f.quote_start, f.fact_id) AS position
    FROM facts AS f
{% if region is not none %}
    WHERE f.region = $region
{% endif %}
)
SELECT d.domain,
       d.name,
       count(r.fact_id) AS facts,
       CAST(sum(CASE WHEN r.is_inferred THEN 1 ELSE 0 END) AS INTEGER) AS inferred,
       max(CASE WHEN r.position = 1 THEN r.figure END) AS headline_1,
       max(CASE WHEN r.position = 2 THEN r.figure END) AS headline_2,
       max(CASE WHEN r.position = 3 THEN r.figure END) AS headline_3
FROM domains AS d
LEFT JOIN ranked AS r ON r.domain = d.domain
GROUP BY d.domain, d.name
ORDER BY facts DESC, d.domain
