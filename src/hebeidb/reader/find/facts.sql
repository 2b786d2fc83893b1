{#- The facts that hold some term of the search, ranked by BM25 over their fields: each term's
    weight in a fact (tf<i>) is the sum of the weights of the fields that hold it, from the entries
    the fact refers to (entries.sql, bound as lists) and from its own quote, note, value and period;
    a rare term counts more (idf, from how many facts hold it in a strong field: s<i>). Runs on the
    base tables, not the views: a search scans a million facts and reads only the columns it matches.

    One row per fact, best first, with the terms it holds; then one row (fact_id NULL) with each
    term's idf. -#}
{% from "match.sql" import holds, saturated %}
{#- The kinds of entry a fact refers to by a key of its own; only those some entry of the search is of are joined. -#}
{%- set keyed = [("indicator", "indicator_id"), ("programme", "programme_id"), ("competition", "competition_id"),
                 ("region", "region_id"), ("source", "source_id")] | selectattr(0, "in", kinds) | list %}
WITH entries AS (
    SELECT unnest(CAST($entry_kinds AS VARCHAR[])) AS kind, unnest(CAST($entry_keys AS VARCHAR[])) AS key,
           unnest(CAST($entry_weights AS DOUBLE[][])) AS weights, unnest(CAST($entry_strong AS BOOLEAN[][])) AS strong
),
{%- for kind, column in keyed %}
{{ kind }}_entries AS (
    -- One table of entries per kind, a column per term, each joined to the facts by its key alone.
    SELECT key{% for t in terms %}, weights[{{ t.n }}] AS w{{ t.i }}, strong[{{ t.n }}] AS s{{ t.i }}{% endfor %}
    FROM entries
    WHERE kind = '{{ kind }}'
),
{%- endfor %}
in_play AS (
    -- The facts that hold some term at all, found cheaply first: a fact refers to an entry that
    -- holds one (a key among the entries' keys), or its quote, note, value or period holds one.
    -- Only these are weighed term by term below.
    SELECT f.fact_id, f.quote, f.note, f.value, f.period_start, f.period_end
{%- for kind, column in keyed %}, f.{{ column }}{% endfor %}
    FROM core.facts AS f
    WHERE ($domain IS NULL
           OR f.indicator_id IN (SELECT indicator_id FROM core.indicators WHERE domain_id = $domain))
      AND (false
{%- for kind, column in keyed %}
           OR f.{{ column }} IN (SELECT key FROM {{ kind }}_entries)
{%- endfor %}
{%- for t in terms %}
{%- if t.value %}
           OR coalesce(f.value = $t{{ t.i }}_value, false)
{%- endif %}
{%- if t.year %}
           OR coalesce(year(f.period_end) = $t{{ t.i }}_year OR year(f.period_start) = $t{{ t.i }}_year, false)
{%- endif %}
{%- endfor %}
{%- for t in terms if t.present %}
           OR {{ holds("f.quote", t) }}
           OR {{ holds("f.note", t) }}
{%- endfor %})
),
matched AS (
    -- For each term: its weight from the entries, whether one holds it in a strong field, and
    -- whether the fact's own quote, note, value and period hold it.
    SELECT f.fact_id,
{%- for t in terms %}
           0{% for kind, _ in keyed %} + coalesce({{ kind }}.w{{ t.i }}, 0){% endfor %} AS e{{ t.i }},
           coalesce(false{% for kind, _ in keyed %} OR {{ kind }}.s{{ t.i }}{% endfor %}, false) AS es{{ t.i }},
           {{ holds("f.quote", t) }} AS q{{ t.i }},
           {{ holds("f.note", t) }} AS o{{ t.i }},
           {% if t.value %}coalesce(f.value = $t{{ t.i }}_value, false){% else %}false{% endif %} AS v{{ t.i }},
           {% if t.year %}coalesce(year(f.period_end) = $t{{ t.i }}_year OR year(f.period_start) = $t{{ t.i }}_year, false)
           {%- else %}false{% endif %} AS y{{ t.i }}{{ "," if not loop.last }}
{%- endfor %}
    FROM in_play AS f
{%- for kind, column in keyed %}
    LEFT JOIN {{ kind }}_entries AS {{ kind }} ON {{ kind }}.key = f.{{ column }}
{%- endfor %}
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
    SELECT (SELECT count(*) FROM core.facts
             WHERE $domain IS NULL
                OR indicator_id IN (SELECT indicator_id FROM core.indicators WHERE domain_id = $domain)) AS n,
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
),
best AS (
    SELECT c.fact_id,
           {% for t in terms %}idf{{ t.i }} * {{ saturated("c.tf" ~ t.i) }}{{ "\n           + " if not loop.last }}{% endfor %} AS score,
           [{% for t in terms %}c.s{{ t.i }} OR (NOT strong{{ t.i }} AND c.tf{{ t.i }} > 0){{ ", " if not loop.last }}{% endfor %}]
               AS hits
    FROM candidates AS c, idf
    ORDER BY score DESC, c.fact_id
    LIMIT $limit
)
-- The best facts, then one row that carries each term's idf (even when no fact holds a term).
SELECT fact_id, score, hits, NULL AS idf FROM best
UNION ALL
SELECT NULL, NULL, NULL, [{% for t in terms %}idf{{ t.i }}{{ ", " if not loop.last }}{% endfor %}]
FROM idf
