{#- Which constraints of a table some staged row breaks, in one pass over the rows: one count per
    row-wise rule (NOT NULL, CHECK) and per key (rows with a whole key less distinct keys). A clean
    table costs this one scan; only a constraint with a count above zero gets the query of
    constraint_lines.sql. References are not screened: each is one anti-join there. -#}
SELECT
{%- for c in constraints %}
    {% set cols = c.columns | map("ident") | list -%}
    {%- if c.kind == "NOT NULL" -%}
    count(*) FILTER (WHERE {{ cols[0] }} IS NULL)
    {%- elif c.kind == "CHECK" -%}
    count(*) FILTER (WHERE NOT coalesce(({{ c.expression }}), true))
    {%- else -%}
    count(*) FILTER (WHERE {% for col in cols %}{{ col }} IS NOT NULL{{ " AND " if not loop.last }}{% endfor %})
        - count(DISTINCT {{ "(" ~ cols | join(", ") ~ ")" if cols | length > 1 else cols[0] }})
    {%- endif %}{{ "," if not loop.last }}
{%- endfor %}
FROM {{ rows }}
