{#- The facts that hold some term of the search, ranked by BM25 over their fields: each term's
    weight in a fact (tf<i>) is the sum of the weights of the fields that hold it, from the entries
    the fact refers to (entries.sql, bound as lists) and from its own quote, note, value and period;
    a rare term counts more (idf, from how many facts hold it in a strong field: s<i>). Runs on the base tables, not the
    views: a search scans a million facts and reads only the columns it matches.

    One row per fact, best first, with the terms it holds; every row carries each term's document
    frequency and idf, and a search no fact matches still gives one row (fact_id NULL) to carry them. -#}
{% from "match.sql" import holds, saturated %}
WITH entries AS (
    SELECT unnest(CAST($entry_kinds AS VARCHAR[])) AS kind, unnest(CAST($entry_keys AS VARCHAR[])) AS key,
           unnest(CAST($entry_weights AS DOUBLE[][])) AS weights, unnest(CAST($entry_strong AS BOOLEAN[][])) AS strong
),
in_scope AS (
    SELECT f.*
    FROM core.facts AS f
    WHERE $domain IS NULL
       OR f.indicator_id IN (SELECT indicator_id FROM core.indicators WHERE domain_id = $domain)
),
matched AS (
    -- For each term: its weight from the entries, whether one holds it in a strong field, and
    -- whether the fact's own quote, note, value and period hold it.
    SELECT f.fact_id,
{%- for t in terms %}
           coalesce(ind.weights[{{ t.n }}], 0) + coalesce(prg.weights[{{ t.n }}], 0)
           + coalesce(cmp.weights[{{ t.n }}], 0) + coalesce(reg.weights[{{ t.n }}], 0)
           + coalesce(src.weights[{{ t.n }}], 0) AS e{{ t.i }},
           coalesce(ind.strong[{{ t.n }}] OR prg.strong[{{ t.n }}] OR cmp.strong[{{ t.n }}] OR reg.strong[{{ t.n }}]
                    OR src.strong[{{ t.n }}], false) AS es{{ t.i }},
           {{ holds("f.quote", t) }} AS q{{ t.i }},
           {{ holds("f.note", t) }} AS o{{ t.i }},
           {% if t.value %}coalesce(f.value = $t{{ t.i }}_value, false){% else %}false{% endif %} AS v{{ t.i }},
           {% if t.year %}coalesce(year(f.period_end) = $t{{ t.i }}_year OR year(f.period_start) = $t{{ t.i }}_year, false)
           {%- else %}false{% endif %} AS y{{ t.i }}{{ "," if not loop.last }}
{%- endfor %}
    FROM in_scope AS f
    LEFT JOIN entries AS ind ON ind.kind = 'indicator' AND ind.key = f.indicator_id
    LEFT JOIN entries AS prg ON prg.kind = 'programme' AND prg.key = f.programme_id
    LEFT JOIN entries AS cmp ON cmp.kind = 'competition' AND cmp.key = f.competition_id
    LEFT JOIN entries AS reg ON reg.kind = 'region' AND reg.key = f.region_id
    LEFT JOIN entries AS src ON src.kind = 'source' AND src.key = f.source_id
),
scanned AS (
    -- tf: the term's weight in the fact; s: whether the fact holds it in a strong field.
    SELECT fact_id,
{%- for t in terms %}
           e{{ t.i }} + $quote_weight * q{{ t.i }}::INTEGER + $about_weight * o{{ t.i }}::INTEGER
           + $value_weight * v{{ t.i }}::INTEGER + $period_weight * y{{ t.i }}::INTEGER AS tf{{ t.i }},
           es{{ t.i }} OR q{{ t.i }} OR v{{ t.i }} OR y{{ t.i }} AS s{{ t.i }}{{ "," if not loop.last }}
{%- endfor %}
    FROM matched
),
candidates AS MATERIALIZED (
    SELECT * FROM scanned WHERE {% for t in terms %}tf{{ t.i }}{{ " + " if not loop.last }}{% endfor %} > 0
),
frequencies AS (
    -- A term's facts are those that hold it in a strong field; only a term no fact holds so is
    -- counted in the weak fields (a word of a source's title: every fact of that source).
    SELECT (SELECT count(*) FROM in_scope) AS n,
{%- for t in terms %}
           count(*) FILTER (WHERE s{{ t.i }}) > 0 AS strong{{ t.i }},
           CASE WHEN count(*) FILTER (WHERE s{{ t.i }}) > 0 THEN count(*) FILTER (WHERE s{{ t.i }})
                ELSE count(*) FILTER (WHERE tf{{ t.i }} > 0) END AS df{{ t.i }}{{ "," if not loop.last }}
{%- endfor %}
    FROM candidates
),
idf AS (
    SELECT *,
{%- for t in terms %}
           ln(1 + (n - df{{ t.i }} + 0.5) / (df{{ t.i }} + 0.5)) AS idf{{ t.i }}{{ "," if not loop.last }}
{%- endfor %}
    FROM frequencies
)
SELECT c.fact_id,
       {% for t in terms %}idf{{ t.i }} * {{ saturated("c.tf" ~ t.i) }}{{ "\n       + " if not loop.last }}{% endfor %} AS score,
       [{% for t in terms %}c.s{{ t.i }} OR (NOT strong{{ t.i }} AND c.tf{{ t.i }} > 0){{ ", " if not loop.last }}{% endfor %}]
           AS hits,
       [{% for t in terms %}df{{ t.i }}{{ ", " if not loop.last }}{% endfor %}] AS df,
       [{% for t in terms %}idf{{ t.i }}{{ ", " if not loop.last }}{% endfor %}] AS idf
FROM idf
LEFT JOIN candidates AS c ON true
ORDER BY score DESC NULLS LAST, c.fact_id
LIMIT $limit
