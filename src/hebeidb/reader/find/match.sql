{#- Whether a text holds a term of the search (see words.py, Term): the ILIKE patterns decide most
    rows (a text without the letters of the term at all, then a text with the term at a word start),
    the regular expression only the rest. A NULL text holds nothing, and no text holds a term the
    record's own words do not (core.search_words; term.present is false): it is not searched for.
    Every value is a bound parameter of the term: $t<i>_maybe<j>, $t<i>_sure<j>, $t<i>_regex. -#}
{%- macro holds(text, term) -%}
{%- if not term.present -%}
false
{%- else -%}
(CASE WHEN NOT ({% for j in range(term.maybe) %}{{ text }} ILIKE $t{{ term.i }}_maybe{{ j }}{{ " OR " if not loop.last }}{% endfor %}) THEN false
{%- if term.sure %}
      WHEN {% for j in range(term.sure) %}{{ text }} ILIKE $t{{ term.i }}_sure{{ j }}{{ " OR " if not loop.last }}{% endfor %} THEN true
{%- endif %}
      ELSE coalesce(regexp_matches({{ text }}, $t{{ term.i }}_regex), false) END)
{%- endif -%}
{%- endmacro -%}

{#- The score of a term held with weight tf, as BM25 saturates it: each further field that holds
    the word adds less, so a fact that holds two words outranks one that holds one word twice. -#}
{%- macro saturated(tf) -%}
({{ tf }} * ($k1 + 1) / ({{ tf }} + $k1))
{%- endmacro -%}

{#- A whole number as an ordinal: 11 is "11th", 22 is "22nd"; NULL stays NULL. -#}
{%- macro ordinal(x) -%}
({{ x }} || CASE WHEN {{ x }} % 100 IN (11, 12, 13) THEN 'th' WHEN {{ x }} % 10 = 1 THEN 'st'
                 WHEN {{ x }} % 10 = 2 THEN 'nd' WHEN {{ x }} % 10 = 3 THEN 'rd' ELSE 'th' END)
{%- endmacro -%}
