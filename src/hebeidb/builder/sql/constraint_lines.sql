{#- The rows of a staged seed that break one constraint of its table, each with the CSV line it came from
    (``rows`` names the staged rows, with ``csv_line``; ``columns`` are the constraint's columns). Run only
    for a constraint the screen below found broken. Identifiers are quoted by the ``ident`` filter; the
    number of lines is the bound $limit. -#}
{%- macro key_text(prefix="") -%}
{%- for c in columns %}CAST({{ prefix }}{{ c | ident }} AS VARCHAR){{ " || '/' || " if not loop.last }}{% endfor -%}
{%- endmacro -%}
{%- macro not_null(prefix="") -%}
{%- for c in columns %}{{ prefix }}{{ c | ident }} IS NOT NULL{{ " AND " if not loop.last }}{% endfor -%}
{%- endmacro -%}

{%- if kind == "NOT NULL" -%}
SELECT csv_line
FROM {{ rows }}
WHERE {{ columns[0] | ident }} IS NULL
ORDER BY csv_line
LIMIT $limit
{%- elif kind in ("PRIMARY KEY", "UNIQUE") -%}
-- Every line but the first of each key, with the line that used it first.
SELECT csv_line, key, first_line
FROM (
    SELECT csv_line,
           {{ key_text() }} AS key,
           min(csv_line) OVER (PARTITION BY {{ columns | map("ident") | join(", ") }}) AS first_line
    FROM {{ rows }}
    WHERE {{ not_null() }}
)
WHERE csv_line > first_line
ORDER BY csv_line
LIMIT $limit
{%- elif kind == "FOREIGN KEY" -%}
SELECT r.csv_line, {{ key_text("r.") }}
FROM {{ rows }} AS r
WHERE {{ not_null("r.") }}
  AND NOT EXISTS (
      SELECT 1
      FROM {{ parent }} AS p
      WHERE {% for rc in referenced_columns %}p.{{ rc | ident }} = r.{{ columns[loop.index0] | ident }}{{ " AND " if not loop.last }}{% endfor %}
  )
ORDER BY r.csv_line
LIMIT $limit
{%- elif kind == "CHECK" -%}
SELECT csv_line, {% for c in columns %}CAST({{ c | ident }} AS VARCHAR){{ ", " if not loop.last }}{% else %}NULL{% endfor %}
FROM {{ rows }}
WHERE NOT coalesce(({{ expression }}), true)
ORDER BY csv_line
LIMIT $limit
{%- endif -%}
