{#- What a search shows, best first, every row with the same columns: the facts it found (as the
    public facts view shows them), the article's excluded numbers that hold its words (when asked),
    and the closest sentences of the stored texts (when no fact answers it). -#}
{% from "match.sql" import holds, saturated %}
WITH
hits AS MATERIALIZED (
    -- The facts found, by key, from the base table first: there the keys filter the scan, where
    -- through the public view's joins they would become a join over every fact.
    SELECT *
    FROM core.facts
    WHERE fact_id IN ({% for k in range(n_facts) %}$fact{{ k }}{{ ", " if not loop.last }}{% else %}NULL{% endfor %})
),
found AS (
    -- The columns of the public facts view a hit shows, from the same tables and macro.
    SELECT 'fact' AS match,
           f.fact_id,
           i.label_en AS label,
           core.value_text(f.value, q.qualifier, q.symbol, c.symbol, u.text_prefix, u.text_suffix, u.text_suffix_one) AS stated,
           f.qualifier,
           i.unit_id AS unit,
           CASE f.period_kind
                WHEN 'as_of' THEN 'as of ' || f.period_end
                WHEN 'target' THEN 'by ' || f.period_end
                ELSE coalesce(f.period_start || ' to ', '') || coalesce(CAST(f.period_end AS VARCHAR), '')
           END AS period,
           f.quote,
           i.domain_id AS domain,
           f.indicator_id AS indicator,
           f.programme_id AS programme,
           f.region_id AS region,
           CAST(NULL AS VARCHAR) AS reason,
           f.source_id,
           f.quote_start AS position,
           list_extract(CAST($fact_scores AS DOUBLE[]), list_position(CAST($fact_ids AS VARCHAR[]), f.fact_id))
               AS score,
           f.is_inferred,
           f.note,
           f.competition_id AS competition,
           f.quote_end AS position_end,
           list_extract(CAST($fact_matched AS VARCHAR[]), list_position(CAST($fact_ids AS VARCHAR[]), f.fact_id))
               AS matched
    FROM hits AS f
    JOIN core.indicators AS i USING (indicator_id)
    JOIN core.units AS u ON u.unit_id = i.unit_id
    JOIN core.qualifiers AS q ON q.qualifier = f.qualifier
    LEFT JOIN core.qualifiers AS c ON c.qualifier = f.comparison
),
sentences AS (
    SELECT 'sentence' AS match,
           CAST(NULL AS VARCHAR) AS fact_id,
           CAST(NULL AS VARCHAR) AS label,
           CAST(NULL AS VARCHAR) AS stated,
           CAST(NULL AS VARCHAR) AS qualifier,
           CAST(NULL AS VARCHAR) AS unit,
           CAST(NULL AS VARCHAR) AS period,
           s.sentence AS quote,
           CAST(NULL AS VARCHAR) AS domain,
           CAST(NULL AS VARCHAR) AS indicator,
           CAST(NULL AS VARCHAR) AS programme,
           CAST(NULL AS VARCHAR) AS region,
           CAST(NULL AS VARCHAR) AS reason,
           s.source_id,
           s.start AS position,
           s.score,
           CAST(NULL AS BOOLEAN) AS is_inferred,
           CAST(NULL AS VARCHAR) AS note,
           CAST(NULL AS VARCHAR) AS competition,
           s."end" AS position_end,
           s.matched
    FROM (SELECT unnest(CAST($sentence_sources AS VARCHAR[])) AS source_id,
                 unnest(CAST($sentence_starts AS INTEGER[])) AS start,
                 unnest(CAST($sentence_ends AS INTEGER[])) AS "end",
                 unnest(CAST($sentence_texts AS VARCHAR[])) AS sentence,
                 unnest(CAST($sentence_scores AS DOUBLE[])) AS score,
                 unnest(CAST($sentence_matched AS VARCHAR[])) AS matched) AS s
)
{%- if numbers %},
number_texts AS (
    -- Excluded numbers are few: read them from their table rather than sort the numbers view.
    SELECT n.source_id, n.token, n.token_start, n.token_end, n.reason_kind, n.reason,
           coalesce(n.reason, '') || ' ' || replace(n.reason_kind, '_', ' ') AS about,
           substring(t.text, greatest(n.token_start - $context, 0) + 1,
                     least(n.token_start, $context) + (n.token_end - n.token_start) + $context) AS context
    FROM core.exclusions AS n
    JOIN core.source_texts AS t USING (source_id)
    WHERE $domain IS NULL
),
number_hits AS (
    SELECT x.*,
{%- for t in terms %}
           $label_weight * {{ holds("x.about", t) }}::INTEGER + $quote_weight * {{ holds("x.context", t) }}::INTEGER
               AS tf{{ t.i }}{{ "," if not loop.last }}
{%- endfor %}
    FROM number_texts AS x
),
numbers_found AS (
    SELECT 'excluded number' AS match,
           CAST(NULL AS VARCHAR) AS fact_id,
           x.reason AS label,
           x.token AS stated,
           CAST(NULL AS VARCHAR) AS qualifier,
           CAST(NULL AS VARCHAR) AS unit,
           CAST(NULL AS VARCHAR) AS period,
           '…' || regexp_replace(regexp_replace(regexp_replace(x.context, '\s+', ' ', 'g'),
                                                '^\S*\s', ''), '\s\S*$', '') || '…' AS quote,
           CAST(NULL AS VARCHAR) AS domain,
           CAST(NULL AS VARCHAR) AS indicator,
           CAST(NULL AS VARCHAR) AS programme,
           CAST(NULL AS VARCHAR) AS region,
           x.reason_kind AS reason,
           x.source_id,
           x.token_start AS position,
           {% for t in terms %}$idf[{{ t.n }}] * {{ saturated("x.tf" ~ t.i) }}{{ " + " if not loop.last }}{% endfor %} AS score,
           CAST(NULL AS BOOLEAN) AS is_inferred,
           CAST(NULL AS VARCHAR) AS note,
           CAST(NULL AS VARCHAR) AS competition,
           x.token_end AS position_end,
           concat_ws(', ', {% for t in terms %}CASE WHEN x.tf{{ t.i }} > 0 THEN $word{{ t.i }} END{{ ", " if not loop.last }}{% endfor %})
               AS matched
    FROM number_hits AS x
    WHERE {% for t in terms %}x.tf{{ t.i }}{{ " + " if not loop.last }}{% endfor %} > 0
    ORDER BY score DESC, x.token_start
    LIMIT $limit
)
{%- endif %}
SELECT * FROM (
    SELECT * FROM found
    UNION ALL
    SELECT * FROM sentences
{%- if numbers %}
    UNION ALL
    SELECT * FROM numbers_found
{%- endif %}
)
ORDER BY score DESC, match, source_id, position NULLS LAST, fact_id
