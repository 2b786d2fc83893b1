"""Find facts by words: a ranked match of word stems over labels, indicators, domains, programmes and quotes.

Every word of the search must match (as the start of a word, after a light stemming that lets
"employment" find "employed" and "autism" find "autistic") in at least one of a fact's texts; hits
are ranked by where the words match (label first, then indicator and programme, domain, quote).
The small vocabularies (indicators, domains, programmes) are matched once each and joined to the
facts by key; only quotes are scanned per fact. Values reach DuckDB as bound ``$name`` parameters;
the SQL text itself holds no value.

>>> from hebeidb.find import rank_sql
>>> sql, params = rank_sql(["children with autism"])
>>> params["p0"]
'(?i)\\\\bchildren?'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .errors import ParameterError

DEFAULT_LIMIT = 50
MAX_LIMIT = 10_000
MAX_TERMS = 12
# Words that say nothing about what a fact is about; searching "children with autism" means
# "children" and "autism".
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "how",
        "in",
        "into",
        "is",
        "it",
        "many",
        "much",
        "of",
        "on",
        "or",
        "the",
        "their",
        "to",
        "was",
        "were",
        "what",
        "which",
        "who",
        "with",
    ]
)
# Suffixes removed to find a word's stem, longest first, with what replaces them; a stem keeps at
# least MIN_STEM letters. The stem then matches as the start of a word.
SUFFIXES = (
    ("ations", ""),
    ("ation", ""),
    ("ments", ""),
    ("ment", ""),
    ("istic", "is"),
    ("ings", ""),
    ("ists", "is"),
    ("ism", "is"),
    ("ist", "is"),
    ("ing", ""),
    ("ies", "y"),
    ("ied", "y"),
    ("ed", ""),
    ("es", ""),
    ("s", ""),
)
MIN_STEM = 4
# Weight of a match in each text: a word in the label says more than one in the quote.
WEIGHTS = {"label": 8, "indicator": 4, "programme": 4, "domain": 3, "quote": 2}
WORD = re.compile(r"[^\W_]+", re.UNICODE)
NUMBER_CONTEXT = 80  # characters of the article shown on each side of an excluded number


def terms(words: str | Sequence[str]) -> list[str]:
    """The stems a search looks for: words lower-cased, stop words dropped, suffixes removed.

    >>> terms("How many children with autism?")
    ['children', 'autis']
    >>> terms(["employment", "Flexible"])
    ['employ', 'flexible']
    """
    text = words if isinstance(words, str) else " ".join(words)
    found: list[str] = []
    for word in WORD.findall(text.lower()):
        if word in STOP_WORDS:
            continue
        stem = _stem(word)
        if stem not in found:
            found.append(stem)
    return found


def _stem(word: str) -> str:
    if word.isdigit():
        return word
    for suffix, replacement in SUFFIXES:
        if word.endswith(suffix):
            stem = word[: -len(suffix)] + replacement
            if len(stem) >= MIN_STEM:
                return stem
    return word


def _pattern(stem: str) -> str:
    # Stems hold letters and digits only (WORD), so nothing needs escaping; a word that ends in "y"
    # also matches its "ies" / "ied" forms, one that ends in "e" its forms without it.
    escaped = re.escape(stem)
    if stem.endswith("y") and len(stem) > MIN_STEM:
        escaped = escaped[:-1] + "(?:y|i)"
    elif stem.endswith("e") and len(stem) > MIN_STEM:
        escaped = escaped[:-1] + "e?"
    return r"(?i)\b" + escaped


def rank_sql(
    words: str | Sequence[str], *, domain: str | None = None, limit: int = DEFAULT_LIMIT
) -> tuple[str, dict[str, Any]]:
    """The query that ranks matching facts (``fact_id``, ``score``, best first) and its bound values."""
    stems = terms(words)
    if not stems:
        raise ParameterError("give at least one word to search for (stop words such as 'the' or 'with' do not count)")
    if len(stems) > MAX_TERMS:
        raise ParameterError(f"give at most {MAX_TERMS} words to search for, not {len(stems)}")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ParameterError(f"limit must be an integer from 1 to {MAX_LIMIT}, not {limit!r}")
    params: dict[str, Any] = {f"p{i}": _pattern(stem) for i, stem in enumerate(stems)}
    params.update({f"l{i}": f"%{stem}%" for i, stem in enumerate(stems)})
    params["domain"] = domain
    params["limit"] = limit
    n = range(len(stems))

    def hits(column: str) -> str:
        # One 0/1 flag per term, as a list: [flag_0, flag_1, ...].
        return "[" + ", ".join(f"coalesce(regexp_matches({column}, $p{i}), false)::INTEGER" for i in n) + "]"

    def score(prefix: str) -> str:
        return " + ".join(f"{weight} * list_sum({prefix}{name})" for name, weight in WEIGHTS.items())

    def every_term(prefix: str) -> str:
        return " AND ".join("(" + " OR ".join(f"{prefix}{name}[{i + 1}] = 1" for name in WEIGHTS) + ")" for i in n)

    zeros = "[" + ", ".join("0" for _ in n) + "]"
    query = f"""WITH
    indicator_hits AS (
        SELECT i.indicator AS indicator_key, {hits("i.label")} AS label,
               {hits("replace(i.indicator, '_', ' ')")} AS indicator
        FROM indicators AS i
    ),
    domain_hits AS (
        SELECT d.domain AS domain_key, {hits("d.name || ' ' || replace(d.domain, '_', ' ')")} AS domain
        FROM domains AS d
    ),
    programme_hits AS (
        SELECT p.programme_id AS programme_key,
               {hits("p.name_en || ' ' || replace(p.programme_id, '_', ' ')")} AS programme
        FROM programmes AS p
    ),
    matching_keys AS (
        SELECT indicator_key AS key, 'indicator' AS kind FROM indicator_hits
        WHERE list_sum(label) + list_sum(indicator) > 0
        UNION ALL SELECT domain_key, 'domain' FROM domain_hits WHERE list_sum(domain) > 0
        UNION ALL SELECT programme_key, 'programme' FROM programme_hits WHERE list_sum(programme) > 0
    ),
    candidates AS (
        -- The base tables, not the views: a search scans a million quotes, so it reads only the
        -- columns it matches, and a cheap ILIKE on each stem leaves only candidates for the regex.
        SELECT f.fact_id, f.indicator_id AS indicator, i.domain_id AS domain, f.programme_id, f.quote
        FROM core.facts AS f
        JOIN core.indicators AS i USING (indicator_id)
        WHERE ($domain IS NULL OR i.domain_id = $domain)
          AND (f.indicator_id IN (SELECT key FROM matching_keys WHERE kind = 'indicator')
               OR i.domain_id IN (SELECT key FROM matching_keys WHERE kind = 'domain')
               OR f.programme_id IN (SELECT key FROM matching_keys WHERE kind = 'programme')
               OR {" OR ".join(f"f.quote ILIKE $l{i}" for i in n)})
    ),
    fact_hits AS (
        SELECT f.fact_id,
               coalesce(ih.label, {zeros}) AS label,
               coalesce(ih.indicator, {zeros}) AS indicator,
               coalesce(ph.programme, {zeros}) AS programme,
               coalesce(dh.domain, {zeros}) AS domain,
               {hits("f.quote")} AS quote
        FROM candidates AS f
        LEFT JOIN indicator_hits AS ih ON ih.indicator_key = f.indicator
        LEFT JOIN domain_hits AS dh ON dh.domain_key = f.domain
        LEFT JOIN programme_hits AS ph ON ph.programme_key = f.programme_id
    ),
    ranked AS (
        SELECT h.fact_id, {score("h.")} AS score
        FROM fact_hits AS h
        WHERE {every_term("h.")}
        ORDER BY score DESC, h.fact_id
        LIMIT $limit
    )
    SELECT fact_id, score FROM ranked ORDER BY score DESC, fact_id"""
    return query, params


def results_sql(
    ranked: Sequence[tuple[str, int]], *, numbers: bool, words: str | Sequence[str], limit: int, domain: str | None
) -> tuple[str, dict[str, Any]]:
    """The query that shows ranked facts (and, when asked, matching excluded numbers) from the public views."""
    stems = terms(words)
    n = range(len(stems))
    params: dict[str, Any] = {
        "ids": [fact_id for fact_id, _ in ranked],
        "scores": [score for _, score in ranked],
    }

    def hits(column: str) -> str:
        return "[" + ", ".join(f"coalesce(regexp_matches({column}, $p{i}), false)::INTEGER" for i in n) + "]"

    parts = [
        """
    found AS (
        SELECT 'fact' AS match,
               f.fact_id,
               f.label,
               f.value_text AS stated,
               f.qualifier,
               f.unit,
               CASE f.period_kind
                    WHEN 'as_of' THEN 'as of ' || f.period_end
                    WHEN 'target' THEN 'by ' || f.period_end
                    ELSE coalesce(f.period_start || ' to ', '') || coalesce(CAST(f.period_end AS VARCHAR), '')
               END AS period,
               f.quote,
               f.domain,
               f.indicator,
               f.programme_id AS programme,
               f.region,
               CAST(NULL AS VARCHAR) AS reason,
               f.source_id,
               f.quote_start AS position,
               list_extract($scores, list_position($ids, f.fact_id)) AS score
        FROM facts AS f
        WHERE f.fact_id IN (SELECT unnest($ids))
    )"""
    ]
    selects = ["SELECT * FROM found"]
    if numbers:
        params.update({f"p{i}": _pattern(stem) for i, stem in enumerate(stems)})
        params["limit"] = limit
        params["domain"] = domain
        parts.append(
            f"""
    number_texts AS (
        -- Excluded numbers are few: read them from their table rather than sort the numbers view.
        SELECT n.source_id, n.token, n.token_start, n.reason_kind, n.reason,
               substring(t.text, greatest(n.token_start - {NUMBER_CONTEXT}, 0) + 1,
                         least(n.token_start, {NUMBER_CONTEXT}) + (n.token_end - n.token_start) + {NUMBER_CONTEXT})
                   AS context
        FROM core.exclusions AS n
        JOIN core.source_texts AS t USING (source_id)
        WHERE $domain IS NULL
    ),
    number_hits AS (
        SELECT x.*, {hits("coalesce(x.reason, '') || ' ' || replace(x.reason_kind, '_', ' ')")} AS label,
               {hits("x.context")} AS quote
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
               '…' || regexp_replace(regexp_replace(regexp_replace(x.context, '\\s+', ' ', 'g'),
                                                    '^\\S*\\s', ''), '\\s\\S*$', '') || '…' AS quote,
               CAST(NULL AS VARCHAR) AS domain,
               CAST(NULL AS VARCHAR) AS indicator,
               CAST(NULL AS VARCHAR) AS programme,
               CAST(NULL AS VARCHAR) AS region,
               x.reason_kind AS reason,
               x.source_id,
               x.token_start AS position,
               {WEIGHTS["label"]} * list_sum(x.label) + {WEIGHTS["quote"]} * list_sum(x.quote) AS score
        FROM number_hits AS x
        WHERE {" AND ".join(f"(x.label[{i + 1}] = 1 OR x.quote[{i + 1}] = 1)" for i in n)}
        ORDER BY score DESC, x.token_start
        LIMIT $limit
    )"""
        )
        selects.append("SELECT * FROM numbers_found")
    query = (
        "WITH"
        + ",".join(parts)
        + "\nSELECT * FROM ("
        + " UNION ALL ".join(selects)
        + ")\nORDER BY score DESC, match, source_id, position NULLS LAST, fact_id"
    )
    return query, params


def search(
    con: Any,
    words: str | Sequence[str],
    *,
    numbers: bool = False,
    domain: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Any:
    """Run a search on a read-only connection; returns the DuckDB relation of the hits, best first.

    Two steps: rank the matching facts on the base tables, then show the few best from the public
    views (a filter on a handful of keys; a join would sort the whole view).
    """
    query, params = rank_sql(words, domain=domain, limit=limit)
    ranked = con.execute(query, params).fetchall()
    query, params = results_sql(ranked, numbers=numbers, words=words, limit=limit, domain=domain)
    return con.sql(query, params=params)
