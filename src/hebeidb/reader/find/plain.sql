{#- The search of a record that has only its public facts view (another data set than the shipped
    one): BM25 over the view's text columns, each weighed by its name (a label more than a quote),
    and its value and year columns for a number. The columns are names read from the file's catalog
    and quoted; every value is bound.

    One row per fact that holds some term, best first, with the terms it holds; then one row
    (fact_id NULL) with each term's idf. -#}
{% from "match.sql" import holds, saturated %}
WITH held AS MATERIALIZED (
    SELECT {{ key }} AS fact_id,
{%- for t in terms %}
           0
{%- for f in fields %}
           + CASE WHEN {{ holds(f.column, t) }} THEN $field_weight{{ f.k }} ELSE 0 END
{%- endfor %}
{%- if t.value and value_column %}
           + CASE WHEN coalesce({{ value_column }} = $t{{ t.i }}_value, false) THEN $value_weight ELSE 0 END
{%- endif %}
{%- if t.year and year_column %}
           + CASE WHEN coalesce({{ year_column }} = $t{{ t.i }}_year, false) THEN $period_weight ELSE 0 END
{%- endif %}
           AS tf{{ t.i }}{{ "," if not loop.last }}
{%- endfor %}
    FROM main.facts
{%- if domain_column %}
    WHERE $domain IS NULL OR {{ domain_column }} = $domain
{%- endif %}
),
idf AS (
    SELECT [{% for t in terms %}ln(1 + (count(*) - count(*) FILTER (WHERE tf{{ t.i }} > 0) + 0.5)
             / (count(*) FILTER (WHERE tf{{ t.i }} > 0) + 0.5)){{ ", " if not loop.last }}{% endfor %}] AS idf
    FROM held
),
ranked AS (
    SELECT h.fact_id,
           {% for t in terms %}i.idf[{{ t.n }}] * {{ saturated("h.tf" ~ t.i) }}{{ " + " if not loop.last }}{% endfor %}
               AS score,
           [{% for t in terms %}h.tf{{ t.i }} > 0{{ ", " if not loop.last }}{% endfor %}] AS hits
    FROM held AS h, idf AS i
    WHERE {% for t in terms %}h.tf{{ t.i }}{{ " + " if not loop.last }}{% endfor %} > 0
    ORDER BY score DESC, h.fact_id
    LIMIT $limit
)
SELECT fact_id, score, hits, CAST(NULL AS DOUBLE[]) AS idf FROM ranked
UNION ALL
SELECT NULL, NULL, NULL, idf FROM idf
