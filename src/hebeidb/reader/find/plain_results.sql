{#- What the search of a record with only its public facts view shows, best first, every row with
    the same columns: the facts found as the view shows them, with what found them; and, when no
    fact answers, the closest sentences of the stored texts (in the view's quote and source
    columns). The names of the columns added are given (``extra``), so that none takes the name of
    a column of the view. -#}
WITH scores AS (
    SELECT unnest(CAST($fact_ids AS VARCHAR[])) AS fact_id, unnest(CAST($fact_scores AS DOUBLE[])) AS score,
           unnest(CAST($fact_matched AS VARCHAR[])) AS matched
)
SELECT * FROM (
    SELECT 'fact' AS {{ extra.match }}, f.*, s.score AS {{ extra.score }}, s.matched AS {{ extra.matched }},
           {{ position or "CAST(NULL AS INTEGER)" }} AS {{ extra.position }},
           {{ position_end or "CAST(NULL AS INTEGER)" }} AS {{ extra.position_end }}
    FROM main.facts AS f
    JOIN scores AS s ON s.fact_id = f.{{ key }}
{%- if quote and source %}
    UNION ALL BY NAME
    SELECT 'sentence' AS {{ extra.match }}, sentence AS {{ quote }}, source_id AS {{ source }},
           score AS {{ extra.score }}, matched AS {{ extra.matched }}, start AS {{ extra.position }},
           "end" AS {{ extra.position_end }}
    FROM (SELECT unnest(CAST($sentence_sources AS VARCHAR[])) AS source_id,
                 unnest(CAST($sentence_starts AS INTEGER[])) AS start,
                 unnest(CAST($sentence_ends AS INTEGER[])) AS "end",
                 unnest(CAST($sentence_texts AS VARCHAR[])) AS sentence,
                 unnest(CAST($sentence_scores AS DOUBLE[])) AS score,
                 unnest(CAST($sentence_matched AS VARCHAR[])) AS matched)
{%- endif %}
)
ORDER BY {{ extra.score }} DESC, {{ extra.match }}, {{ extra.position }} NULLS LAST
