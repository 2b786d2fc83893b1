{#- Per domain: how many facts (from the article and from references), how many inferred, and the
    first three figures in the order the article gives them (by the position of their numbers in
    the text; a rule's threshold is a criterion, not a headline figure). -#}
WITH chosen AS (
    SELECT f.domain,
           f.fact_id,
           f.is_inferred,
           s.kind AS source_kind,
           f.label || ': ' || f.value_text AS figure,
           CASE WHEN f.aggregation = 'criterion' THEN 1 ELSE 0 END AS is_criterion,
           CASE WHEN f.quote_start IS NULL THEN 1 ELSE 0 END AS is_cited,
           coalesce(f.value_start, f.quote_start) AS position_in_text
    FROM facts AS f
    JOIN sources AS s ON s.source_id = f.source_id
{% if region is not none %}
    WHERE f.region = $region
{% endif %}
),
ranked AS (
    SELECT c.*,
           row_number() OVER (PARTITION BY c.domain, c.is_criterion
                              ORDER BY c.is_cited, c.position_in_text, c.fact_id) AS position
    FROM chosen AS c
)
SELECT d.domain,
       d.name,
       count(r.fact_id) AS facts,
       CAST(sum(CASE WHEN r.is_inferred THEN 1 ELSE 0 END) AS INTEGER) AS inferred,
       max(CASE WHEN r.position = 1 AND r.is_criterion = 0 THEN r.figure END) AS headline_1,
       max(CASE WHEN r.position = 2 AND r.is_criterion = 0 THEN r.figure END) AS headline_2,
       max(CASE WHEN r.position = 3 AND r.is_criterion = 0 THEN r.figure END) AS headline_3,
       CAST(count(CASE WHEN r.source_kind = 'document' THEN r.fact_id END) AS INTEGER) AS document_facts,
       CAST(count(CASE WHEN r.source_kind = 'reference' THEN r.fact_id END) AS INTEGER) AS reference_facts
FROM domains AS d
LEFT JOIN ranked AS r ON r.domain = d.domain
GROUP BY d.domain, d.name
ORDER BY facts DESC, d.domain
