"""Find facts by words: a ranked match of word stems over labels, indicators, domains, programmes and quotes.

Every word of the search must match (as the start of a word, after a light stemming that lets
"employment" find "employed" and "autism" find "autistic") in at least one of a fact's texts; hits
are ranked by where the words match (label first, then indicator and programme, domain, quote).
The small vocabularies (indicators, domains, programmes) are matched once each and joined to the
facts by key; only quotes are scanned per fact. Values reach DuckDB as bound ``$name`` parameters;
the SQL text itself holds no value.

>>> from hebeidb.find import vocabulary_sql
>>> sql, params = vocabulary_sql(["children with autism"])
>>> params["p1"]
'(?i)\\\\bautis'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from hebeidb.common.errors import ParameterError

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
    found: dict[str, None] = {}  # in order of first use, each once
    for word in WORD.findall(text.lower()):
        if word in STOP_WORDS:
            continue
        found.setdefault(_stem(word), None)
        if len(found) > MAX_TERMS:
            break  # enough to refuse: the rest is not read
    return list(found)


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


def _check(words: str | Sequence[str], limit: int) -> list[str]:
    stems = terms(words)
    if not stems:
        raise ParameterError("give at least one word to search for (stop words such as 'the' or 'with' do not count)")
    if len(stems) > MAX_TERMS:
        raise ParameterError(f"give at most {MAX_TERMS} words to search for, not {len(stems)}")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ParameterError(f"limit must be an integer from 1 to {MAX_LIMIT}, not {limit!r}")
    return stems


def _flags(column: str, n: int) -> str:
    """One 0/1 flag per term, as a list: [flag_0, flag_1, ...]."""
    return "[" + ", ".join(f"coalesce(regexp_matches({column}, $p{i}), false)::INTEGER" for i in range(n)) + "]"


def _quote_flags(n: int) -> str:
    """Like :func:`_flags` on quotes, with the regular expression run only where ILIKE cannot decide.

    A stem after a space (or at the start) starts a word; one absent as a substring matches nowhere.
    """
    return (
        "["
        + ", ".join(
            f"CASE WHEN f.quote ILIKE $s{i} OR f.quote ILIKE $b{i} THEN 1 WHEN NOT f.quote ILIKE $l{i} THEN 0 "
            f"ELSE coalesce(regexp_matches(f.quote, $p{i}), false)::INTEGER END"
            for i in range(n)
        )
        + "]"
    )


def vocabulary_sql(words: str | Sequence[str]) -> tuple[str, dict[str, Any]]:
    """The query that matches the words against the small vocabularies (indicators, domains, programmes).

    One row per entry that matches some word: ``kind`` (indicator, domain, programme), ``key``,
    ``score`` (its weight for the words it holds) and ``flags`` (which words it holds).
    """
    stems = terms(words)
    n = len(stems)
    params = {f"p{i}": _pattern(stem) for i, stem in enumerate(stems)}
    label, indicator = _flags("i.label", n), _flags("replace(i.indicator, '_', ' ')", n)
    domain = _flags("d.name || ' ' || replace(d.domain, '_', ' ')", n)
    programme = _flags("p.name_en || ' ' || replace(p.programme_id, '_', ' ')", n)
    query = f"""
    WITH entries AS (
        SELECT 'indicator' AS kind, i.indicator AS key,
               {WEIGHTS["label"]} * list_sum({label}) + {WEIGHTS["indicator"]} * list_sum({indicator}) AS score,
               list_transform(list_zip({label}, {indicator}), lambda x: greatest(x[1], x[2])) AS flags
        FROM indicators AS i
        UNION ALL
        SELECT 'domain', d.domain, {WEIGHTS["domain"]} * list_sum({domain}), {domain} FROM domains AS d
        UNION ALL
        SELECT 'programme', p.programme_id, {WEIGHTS["programme"]} * list_sum({programme}), {programme}
        FROM programmes AS p
    )
    SELECT kind, key, score, flags FROM entries WHERE score > 0 ORDER BY kind, key"""
    return query, params


def rank_sql(
    words: str | Sequence[str],
    vocabulary: Sequence[tuple[str, str, int, list[int]]],
    *,
    domain: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> tuple[str, dict[str, Any]]:
    """The query that ranks matching facts (``fact_id``, ``score``, best first) and its bound values.

    ``vocabulary`` is the result of :func:`vocabulary_sql`: the entries that hold some word, bound
    as lists. A fact must hold every word, in one of its entries or its quote; a cheap ILIKE on each
    stem narrows the million quotes before the word-start match runs on the few left.
    """
    stems = _check(words, limit)
    n = len(stems)
    params: dict[str, Any] = {f"p{i}": _pattern(stem) for i, stem in enumerate(stems)}
    for i, stem in enumerate(stems):
        varies = stem.endswith(("y", "e")) and len(stem) > MIN_STEM  # its pattern varies the last letter
        base = stem[:-1] if varies else stem
        params[f"l{i}"] = f"%{base}%"  # stems hold no % or _ (WORD)
        # Sure word starts for ILIKE (after a space, or at the start); NULL leaves it to the regex.
        params[f"s{i}"] = None if varies else f"% {stem}%"
        params[f"b{i}"] = None if varies else f"{stem}%"
    params["domain"] = domain
    params["limit"] = limit
    for kind in ("indicator", "domain", "programme"):
        entries = [row for row in vocabulary if row[0] == kind]
        params[f"{kind}_keys"] = [key for _, key, _, _ in entries] or [""]
        params[f"{kind}_scores"] = [score for _, _, score, _ in entries] or [0]
        for i in range(n):
            params[f"{kind}_{i}"] = [key for _, key, _, flags in entries if flags[i]] or [""]

    def holds(i: int, quote: str, indicator: str = "f.indicator", domain: str = "f.domain") -> str:
        return (
            f"(list_contains($indicator_{i}, {indicator}) OR list_contains($domain_{i}, {domain}) "
            f"OR list_contains($programme_{i}, f.programme_id) OR {quote})"
        )

    def entry_score(kind: str, column: str) -> str:
        return f"coalesce(list_extract(${kind}_scores, list_position(${kind}_keys, {column})), 0)"

    query = f"""
    WITH candidates AS (
        -- The base tables, not the views: a search scans a million quotes, so it reads only the
        -- columns it matches.
        SELECT f.fact_id, f.indicator_id AS indicator, i.domain_id AS domain, f.programme_id, f.quote
        FROM core.facts AS f
        JOIN core.indicators AS i USING (indicator_id)
        WHERE ($domain IS NULL OR i.domain_id = $domain)
          AND {" AND ".join(holds(i, f"f.quote ILIKE $l{i}", "f.indicator_id", "i.domain_id") for i in range(n))}
    ),
    flagged AS (
        -- The word-start match runs once per candidate and word.
        SELECT f.*, {_quote_flags(n)} AS in_quote FROM candidates AS f
    )
    SELECT f.fact_id,
           {entry_score("indicator", "f.indicator")} + {entry_score("domain", "f.domain")}
           + {entry_score("programme", "f.programme_id")} + {WEIGHTS["quote"]} * list_sum(f.in_quote) AS score
    FROM flagged AS f
    WHERE {" AND ".join(holds(i, f"f.in_quote[{i + 1}] = 1") for i in range(n))}
    ORDER BY score DESC, f.fact_id
    LIMIT $limit"""
    return query, params


def results_sql(
    ranked: Sequence[tuple[str, int]], *, numbers: bool, words: str | Sequence[str], limit: int, domain: str | None
) -> tuple[str, dict[str, Any]]:
    """The query that shows ranked facts (and, when asked, matching excluded numbers) from the public views."""
    stems = terms(words)
    n = range(len(stems))
    ids = [fact_id for fact_id, _ in ranked]
    params: dict[str, Any] = {"ids": ids or [""], "scores": [score for _, score in ranked] or [0]}
    params.update({f"i{k}": fact_id for k, fact_id in enumerate(ids)})
    # One placeholder per key: a list of keys bound as constants reaches the view's base table,
    # where a subquery would make DuckDB compute the whole view first.
    keys = ", ".join(f"$i{k}" for k in range(len(ids))) or "NULL"

    def hits(column: str) -> str:
        return "[" + ", ".join(f"coalesce(regexp_matches({column}, $p{i}), false)::INTEGER" for i in n) + "]"

    parts = [
        f"""
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
        WHERE f.fact_id IN ({keys})
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
    rows: Callable[[str, dict[str, Any]], list[tuple[Any, ...]]],
    words: str | Sequence[str],
    *,
    numbers: bool = False,
    domain: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> tuple[str, dict[str, Any]]:
    """The query that shows the hits of a search, best first, with its bound values.

    Three steps: match the words in the small vocabularies, rank the matching facts on the base
    tables (both run through ``rows``, the reader's guarded query), then the query that shows the few
    best from the public views (a filter on a handful of keys; a join would sort the whole view).
    """
    _check(words, limit)
    query, params = vocabulary_sql(words)
    vocabulary = rows(query, params)
    query, params = rank_sql(words, vocabulary, domain=domain, limit=limit)
    ranked = rows(query, params)
    return results_sql(ranked, numbers=numbers, words=words, limit=limit, domain=domain)
