"""Find facts by the words of a question: BM25 over every text the record holds about a fact.

A fact is searched in its own quote, note, value and period and in everything it refers to: its
indicator (label, what is counted, code, description, unit, domain), programme, competition (name,
official name, kind, edition as "11th", joint event, hosts, years), region and source (title,
publisher). Every word of the search helps and rare words count more: each term's weight in a fact
is the sum of the weights of the fields that hold it (a label more than a quote), saturated as BM25
does, times its inverse document frequency over the facts (:data:`FIELD_WEIGHTS`, :data:`K1`).

The words of a search are looked up first in the record's own words (``core.search_words``, which
the build cuts from every text and name): a word the record holds nowhere is searched for nowhere;
a misspelt one gets the closest words ("did you mean", :attr:`Search.suggestions`); another form
of a word is searched in the record's form ("beneficiaries" as "benefi...", as in "benefiting").

A fact *answers* the search when the terms it holds make up at least half of the search's idf
(:data:`ANSWER_COVERAGE`; a word no fact holds counts with the highest idf, a misspelt one not at
all). When no fact does, the search says so (:attr:`Search.no_figure`) and shows the sentences of
the stored texts that come closest, with their offsets, instead of facts.

The small tables are searched once each and their weights joined to the facts by key; only quotes
and notes are scanned per fact, with ILIKE patterns, the regular expressions running only where
those cannot decide. Every step runs through ``rows`` (the reader's guarded query); nothing here
touches a connection, and every value reaches DuckDB as a bound ``$name`` parameter. The SQL lives
beside this module (``*.sql``, Jinja templates whose loops repeat a term's expression per term).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from hebeidb.common.errors import ParameterError, unknown_name
from hebeidb.common.sqltext import placeholders
from hebeidb.reader.find import plain
from hebeidb.reader.find.words import MAX_TERMS, Term, split_words, terms

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "MAX_TERMS", "Search", "search", "split_words", "terms"]

Rows = Callable[[str, dict[str, Any]], list[tuple[Any, ...]]]

DEFAULT_LIMIT = 50
MAX_LIMIT = 10_000
# The weight of a term in each field of a fact: what is measured (label, population) says most,
# then the names of what the fact belongs to, then where and in what unit; the quote, which
# holds many words beside the figure's own, and descriptions and notes least.
FIELD_WEIGHTS = {
    "label": 4.0,
    "population": 4.0,
    "value": 3.0,
    "indicator": 2.0,
    "programme": 2.0,
    "competition": 2.0,
    "region": 1.5,
    "domain": 1.5,
    "unit": 1.0,
    "quote": 1.0,
    "period": 1.0,
    "source": 0.5,
    "about": 0.5,
}
# A fact holds a term (for its coverage and the term's document frequency) when a field of at least
# this weight holds it: a description, a note or a source's title alone only adds to the score.
STRONG = 1.0
K1 = 2.0  # BM25 saturation: a term held with weight K1 scores half of what it can
LABEL_B = 0.3  # BM25 length normalisation of the label: a short label that holds a word is about it
ANSWER_COVERAGE = 0.5
SENTENCES = 5  # closest sentences shown when no fact answers
TEXTS = 3  # stored texts cut into sentences to find them
NUMBER_CONTEXT = 80  # characters of the article shown on each side of an excluded number
# Where a sentence ends: its final punctuation (with a closing quote or bracket) and the blanks
# after it, or a line break. "1.3 million" and "97.5%" have no blank after the point.
SENTENCE_END = "[.!?]+[\"'\u201d\u2019)\\]]*\\s+|\\s*\\n\\s*"
BLANKS = " \t\r\n"
SQL_DIR = Path(__file__).resolve().parent
NUMBER_WORDS_SQL = "SELECT word, value, kind FROM core.number_words"
CATALOG_SQL = """SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns()
                 WHERE database_name = current_database() AND schema_name IN ('core', 'main')
                 ORDER BY schema_name, table_name, column_index"""
FACTS_CONTRACT_SQL = """SELECT v.key_columns,
                               (SELECT list(c) FROM core.public_view_references AS r, unnest(r.columns) AS u(c)
                                WHERE r.view_name = v.view_name)
                        FROM core.public_views AS v WHERE v.view_name = 'facts'"""
DOMAINS_SQL = "SELECT DISTINCT domain FROM main.domains WHERE domain IS NOT NULL ORDER BY 1"
PLAIN_TEMPLATES = ("plain.sql", "plain_results.sql")


@dataclass(frozen=True)
class Search:
    """A search made ready to run: the query that shows its rows, and what the search found out on the way.

    ``no_figure`` is the one line saying that no fact answers the search (its rows are then the
    closest sentences, ``match = 'sentence'``), else None; ``suggestions`` maps each word that
    nothing in the record holds to the record's closest words; ``words`` are the terms searched.
    """

    sql: str
    params: dict[str, Any]
    words: tuple[str, ...]
    no_figure: str | None = None
    suggestions: dict[str, tuple[str, ...]] = field(default_factory=dict)


def check_limit(limit: object) -> int:
    """``limit`` as the number of rows a search may show, or :class:`ParameterError`."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ParameterError(f"limit must be an integer from 1 to {MAX_LIMIT}, not {limit!r}")
    return limit


def search(
    rows: Rows,
    words: str | Sequence[str],
    *,
    numbers: bool = False,
    domain: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Search:
    """The search for ``words``, ready to run: its query, its bound values and its notes.

    Steps, each through ``rows``: the record's number words; the record's own words
    (vocabulary.sql), for the words of the search that no text, label or name holds (they are not
    searched for in a million quotes; a misspelt one gets the closest words, another form is
    searched in the record's form); the small tables' entries that hold a term (entries.sql); the
    facts ranked (facts.sql); when no fact answers, the closest sentences of the stored texts
    (texts.sql). The returned query shows the facts (or sentences) found.
    """
    check_limit(limit)
    shown = words if isinstance(words, str) else " ".join(words)
    split_words(words)  # refuses too many words, or none, before anything is looked up
    catalog: dict[tuple[str, str], dict[str, str]] = {}
    for schema, table, column, kind in rows(CATALOG_SQL, {}):
        catalog.setdefault((schema, table), {})[column] = kind
    if not _full_search_reads() <= {table for schema, table in catalog if schema == "core"}:
        return _plain_search(rows, catalog, words, shown, numbers=numbers, domain=domain, limit=limit)
    if domain is not None:
        domains = [name for (name,) in rows(DOMAINS_SQL, {})]
        if domain not in domains:
            raise unknown_name(f"no domain named {domain!r}", domain, domains, "domains")
    lexicon = {word: (value, kind) for word, value, kind in rows(NUMBER_WORDS_SQL, {})}
    found = terms(words, lexicon)
    checked = [i for i, t in enumerate(found) if t.kind == "word" and len(t.stem) >= 3 and t.stem.isascii()]
    absent: frozenset[int] = frozenset()
    suggestions: dict[str, tuple[str, ...]] = {}
    if checked:
        absent, forms, suggestions = _vocabulary(rows, found, checked)
        found = [replace(t, stem=forms[i]) if i in forms else t for i, t in enumerate(found)]
    ranking = _rank(rows, found, absent, domain, limit)
    # A misspelt word does not make the other words' facts wrong: it is left out of the answer's weight.
    ranking = replace(ranking, typos=frozenset(i for i, t in enumerate(found) if t.word in suggestions))
    sentences: list[dict[str, Any]] = []
    no_figure = None
    if not ranking.answered:
        sentences = _sentences(rows, found, absent, ranking) if len(absent) < len(found) else []
        no_figure = f"no figure in the record matches {shown.strip()!r}; " + (
            "the closest sentences of the stored texts are shown instead"
            if sentences
            else "no sentence of the stored texts holds its words either"
        )
    sql, params = _results(found, absent, ranking, sentences, numbers=numbers, domain=domain, limit=limit)
    return Search(sql, params, tuple(t.word for t in found), no_figure, suggestions)


@cache
def _full_search_reads() -> frozenset[str]:
    """The tables of ``core`` that the full search reads (its templates name them): a record that lacks one
    is searched through its public facts view alone (:mod:`hebeidb.reader.find.plain`)."""
    import re

    names: set[str] = set()
    for path in SQL_DIR.glob("*.sql"):
        if path.name not in PLAIN_TEMPLATES:
            names.update(re.findall(r"\bcore\.([a-z_][a-z0-9_]*)\b(?!\s*\()", path.read_text(encoding="utf-8")))
    return frozenset(names)


def _plain_search(
    rows: Rows,
    catalog: Mapping[tuple[str, str], Mapping[str, str]],
    words: str | Sequence[str],
    shown: str,
    *,
    numbers: bool,
    domain: str | None,
    limit: int,
) -> Search:
    """The search of a record laid out otherwise than the shipped one, over its public facts view (see
    :mod:`hebeidb.reader.find.plain`)."""
    if numbers:
        raise ParameterError("this database records no excluded numbers to search (numbers=True, --numbers)")
    contract = rows(FACTS_CONTRACT_SQL, {}) if ("core", "public_views") in catalog else []
    key_columns, referring = contract[0] if contract else (None, None)
    found_layout = plain.layout(catalog, key_columns, set(referring or ()), FIELD_WEIGHTS)
    if domain is not None and found_layout.domain_column is not None:
        column = found_layout.domain_column
        domains = [
            name
            for (name,) in rows(f"SELECT DISTINCT {column} FROM main.facts WHERE {column} IS NOT NULL ORDER BY 1", {})
        ]
    else:
        domains = []
    plain.check_domain(found_layout, domain, domains)
    lexicon = (
        {word: (value, kind) for word, value, kind in rows(NUMBER_WORDS_SQL, {})}
        if ("core", "number_words") in catalog
        else {}
    )
    found = terms(words, lexicon)
    params = _term_params(found)
    params.update(plain.field_weights(found_layout), value_weight=FIELD_WEIGHTS["value"],
                  period_weight=FIELD_WEIGHTS["period"], k1=K1, domain=domain, limit=limit)  # fmt: skip
    ranked = _run(rows, "plain.sql", found, params, **found_layout.shape)
    [(_, _, _, idf)] = [row for row in ranked if row[0] is None]
    ranking = _Ranking(hits=[(fact_id, score, hits) for fact_id, score, hits, _ in ranked if fact_id], idf=list(idf))
    sentences: list[dict[str, Any]] = []
    no_figure = None
    if not ranking.answered:
        shows = found_layout.texts and found_layout.quote is not None and found_layout.source is not None
        sentences = _sentences(rows, found, frozenset(), ranking) if shows else []
        no_figure = f"no figure in the record matches {shown.strip()!r}" + (
            "; the closest sentences of the stored texts are shown instead"
            if sentences
            else "; no sentence of the stored texts holds its words either"
            if shows
            else ""
        )
    hits = ranking.hits if ranking.answered else []
    params = {
        "fact_ids": [fact_id for fact_id, _, _ in hits],
        "fact_scores": [score for _, score, _ in hits],
        "fact_matched": [_matched(found, held) for _, _, held in hits],
        "sentence_sources": [s["source_id"] for s in sentences],
        "sentence_starts": [s["start"] for s in sentences],
        "sentence_ends": [s["end"] for s in sentences],
        "sentence_texts": [s["sentence"] for s in sentences],
        "sentence_scores": [s["score"] for s in sentences],
        "sentence_matched": [_matched(found, s["hits"]) for s in sentences],
    }
    sql = _render("plain_results.sql", found, **found_layout.shape)
    return Search(sql, _bound(sql, params), tuple(t.word for t in found), no_figure, {})


@dataclass(frozen=True)
class _Ranking:
    hits: list[tuple[str, float, list[bool]]]  # fact_id, score, which terms it holds
    idf: list[float]  # each term's inverse document frequency over the facts
    typos: frozenset[int] = frozenset()  # terms taken for misspellings: they do not count against an answer

    @property
    def answered(self) -> bool:
        """Whether some fact holds at least :data:`ANSWER_COVERAGE` of the search's idf (misspelt words left out)."""
        counted = [i for i in range(len(self.idf)) if i not in self.typos]
        total = sum(self.idf[i] for i in counted)
        return total > 0 and any(
            sum(self.idf[i] for i in counted if held[i]) >= ANSWER_COVERAGE * total for _, _, held in self.hits
        )


def _rank(rows: Rows, found: Sequence[Term], absent: frozenset[int], domain: str | None, limit: int) -> _Ranking:
    if len(absent) == len(found):  # no text of the record holds a word of the search: no fact can
        return _Ranking(hits=[], idf=[1.0] * len(found))
    params = _term_params(found)
    params.update(
        fields=list(FIELD_WEIGHTS),
        field_weights=list(FIELD_WEIGHTS.values()),
        label_b=LABEL_B,
        strong=STRONG,
        k1=K1,
        domain=domain,
    )
    entries = _run(rows, "entries.sql", found, params, absent)
    params.update(
        entry_kinds=[kind for kind, _, _, _ in entries],
        entry_keys=[key for _, key, _, _ in entries],
        entry_weights=[[float(w) for w in weights] for _, _, weights, _ in entries],
        entry_strong=[list(strong) for _, _, _, strong in entries],
        quote_weight=FIELD_WEIGHTS["quote"],
        about_weight=FIELD_WEIGHTS["about"],
        value_weight=FIELD_WEIGHTS["value"],
        period_weight=FIELD_WEIGHTS["period"],
        limit=limit,
    )
    ranked = _run(rows, "facts.sql", found, params, absent, kinds=sorted({kind for kind, _, _, _ in entries}))
    [(_, _, _, idf)] = [row for row in ranked if row[0] is None]
    return _Ranking(hits=[(fact_id, score, hits) for fact_id, score, hits, _ in ranked if fact_id], idf=list(idf))


def _sentences(rows: Rows, found: Sequence[Term], absent: frozenset[int], ranking: _Ranking) -> list[dict[str, Any]]:
    """The sentences of the stored texts closest to the search, best first."""
    params = _term_params(found)
    params.update(idf=ranking.idf, texts=TEXTS, sentences=SENTENCES, sentence_end=SENTENCE_END, blanks=BLANKS)
    [(sentences,)] = _run(rows, "texts.sql", found, params, absent)
    return list(sentences or [])


def _vocabulary(
    rows: Rows, found: Sequence[Term], checked: Sequence[int]
) -> tuple[frozenset[int], dict[int, str], dict[str, tuple[str, ...]]]:
    """The words of the search that the record's own words (core.search_words: every word of its texts,
    labels, names, descriptions and titles) hold nowhere; for those, the closest words of the record
    (a misspelling: "did you mean"), or else a shorter stem that words of the record share (another
    form of the word, searched in its stead: "beneficiaries" as "benefi", which "benefiting" starts with)."""
    stems = [found[i].stem for i in checked]
    params: dict[str, Any] = {
        "unknown_terms": list(checked),
        "unknown_words": [found[i].word for i in checked],
        "unknown_stems": stems,
        "max_distances": [_max_distance(found[i].word) for i in checked],
        "min_shared": [_min_shared(stem) for stem in stems],
    }
    near = _run(rows, "vocabulary.sql", found, params)
    absent: set[int] = set()
    forms: dict[int, str] = {}
    suggestions: dict[str, tuple[str, ...]] = {}
    for i in checked:
        mine = [(word, holds, distance, shared) for term, word, _, holds, distance, shared in near if term == i]
        if any(holds for _, holds, _, _ in mine):
            continue
        close = [word for word, _, distance, _ in mine if distance <= _max_distance(found[i].word)]
        sharing = [shared for _, _, _, shared in mine if shared >= _min_shared(found[i].stem)]
        if close:
            suggestions[found[i].word] = tuple(close[:3])
        elif sharing:
            forms[i] = found[i].stem[: max(sharing)]
            continue
        absent.add(i)
    return frozenset(absent), forms, suggestions


def _max_distance(word: str) -> int:
    """The edit distance within which another word is taken for a misspelling of ``word``."""
    return 1 if len(word) <= 7 else 2 if len(word) <= 11 else 3


def _min_shared(stem: str) -> int:
    """The first letters a word must share with ``stem`` to be taken for another form of it."""
    return max(5, math.ceil(len(stem) / 2))


def _results(
    found: Sequence[Term],
    absent: frozenset[int],
    ranking: _Ranking,
    sentences: Sequence[dict[str, Any]],
    *,
    numbers: bool,
    domain: str | None,
    limit: int,
) -> tuple[str, dict[str, Any]]:
    hits = ranking.hits if ranking.answered else []
    params = _term_params(found) if numbers else {}
    params.update(
        fact_ids=[fact_id for fact_id, _, _ in hits],
        fact_scores=[score for _, score, _ in hits],
        fact_matched=[_matched(found, held) for _, _, held in hits],
        sentence_sources=[s["source_id"] for s in sentences],
        sentence_starts=[s["start"] for s in sentences],
        sentence_ends=[s["end"] for s in sentences],
        sentence_texts=[s["sentence"] for s in sentences],
        sentence_scores=[s["score"] for s in sentences],
        sentence_matched=[_matched(found, s["hits"]) for s in sentences],
        domain=domain,
        limit=limit,
        context=NUMBER_CONTEXT,
        idf=ranking.idf,
        k1=K1,
        label_weight=FIELD_WEIGHTS["label"],
        quote_weight=FIELD_WEIGHTS["quote"],
    )
    params.update({f"fact{k}": fact_id for k, (fact_id, _, _) in enumerate(hits)})
    params.update({f"word{i}": t.word for i, t in enumerate(found)})
    sql = _render("results.sql", found, absent, n_facts=len(hits), numbers=numbers)
    return sql, _bound(sql, params)


def _matched(found: Sequence[Term], held: Sequence[bool]) -> str:
    return ", ".join(t.word for t, h in zip(found, held, strict=True) if h)


def _term_params(found: Sequence[Term]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for i, term in enumerate(found):
        params.update({f"t{i}_sure{j}": pattern for j, pattern in enumerate(term.sure())})
        params.update({f"t{i}_maybe{j}": pattern for j, pattern in enumerate(term.maybe())})
        params[f"t{i}_regex"] = term.regex()
        if term.value is not None:
            params[f"t{i}_value"] = term.value
        if term.year is not None:
            params[f"t{i}_year"] = term.year
    return params


def _run(
    rows: Rows,
    template: str,
    found: Sequence[Term],
    params: dict[str, Any],
    absent: frozenset[int] = frozenset(),
    **shape: Any,
) -> list[tuple[Any, ...]]:
    sql = _render(template, found, absent, **shape)
    return rows(sql, _bound(sql, params))


def _bound(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    """The values the query names: DuckDB refuses a value no placeholder asks for."""
    named = set(placeholders(sql))
    return {name: value for name, value in params.items() if name in named}


def _render(template: str, found: Sequence[Term], absent: frozenset[int] = frozenset(), **shape: Any) -> str:
    context = [
        {
            "i": i,
            "n": i + 1,
            "present": i not in absent,
            "sure": len(t.sure()),
            "maybe": len(t.maybe()),
            "value": t.value is not None,
            "year": t.year is not None,
        }
        for i, t in enumerate(found)
    ]
    return _environment().get_template(template).render(terms=context, **shape)


@cache
def _environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    # The templates are this package's own files; they shape the SQL and never see a value.
    return Environment(loader=FileSystemLoader(SQL_DIR), undefined=StrictUndefined, autoescape=False)
