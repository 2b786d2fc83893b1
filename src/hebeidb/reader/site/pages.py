"""The pages of the report site, rendered from the open database with the templates beside this module."""

from __future__ import annotations

import html
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from hebeidb.common.progress import Listener
from hebeidb.reader.site import MAX_DOCUMENTS, MAX_FACT_CARDS, MAX_ROWS
from hebeidb.reader.site.charts import report_chart
from hebeidb.reader.site.lineage import lineage_graph

TEMPLATES = Path(__file__).with_name("templates")


def _environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cell"] = _cell
    env.filters["thousands"] = lambda n: f"{n:,}"
    return env


def _cell(value: Any) -> str:
    from hebeidb.common.output import text

    return text(value)


class _Guarded:
    """The site's queries, each run through the database's guard under the site's timeout."""

    def __init__(self, db: Any, timeout: float | None) -> None:
        self.db, self.timeout = db, timeout

    def sql(self, query: str, params: dict[str, Any] | None = None) -> Any:
        return self.db.sql(query, params, timeout=self.timeout)

    execute = sql


def render_pages(db: Any, listener: Listener | None = None, timeout: float | None = None) -> dict[str, bytes]:
    """Every file of the site by name; ``listener`` hears of each page as it is made (pages done so far)."""
    env = _environment()
    con = _Guarded(db, timeout)
    title = db.title()
    specs = db.reports()
    documents = con.sql(
        "SELECT s.source_id, s.title, s.publisher, s.published_on, s.url FROM sources AS s "
        "WHERE s.kind = 'document' AND s.n_chars IS NOT NULL ORDER BY s.published_on, s.source_id LIMIT $n",
        params={"n": MAX_DOCUMENTS},
    ).fetchall()
    n_documents = con.execute(
        "SELECT count(*) FROM sources WHERE kind = 'document' AND n_chars IS NOT NULL"
    ).fetchall()[0][0]
    nav = [("index.html", "Overview")]
    nav += [
        (f"article-{i}.html", "Article" if len(documents) == 1 else f"Article {i}")
        for i in range(1, len(documents) + 1)
    ]
    nav += [(f"report-{spec.name}.html", spec.title) for spec in specs]
    nav.append(("lineage.html", "Lineage"))
    common = {"site_title": title, "nav": nav, "build": db.build_info()}
    files: dict[str, bytes] = {"style.css": (TEMPLATES / "style.css").read_bytes()}

    pages = len(nav)
    if listener is not None:
        listener(f"0 of {pages} pages", None, False)

    def page(name: str, template: str, **context: Any) -> None:
        rendered = env.get_template(template).render(page_name=name, **common, **context)
        files[name] = rendered.encode("utf-8")
        if listener is not None:
            made = len(files) - 1  # style.css is not a page
            listener(f"{made} of {pages} pages ({name})", None, made == pages)

    articles = []
    for i, (source_id, doc_title, publisher, published_on, url) in enumerate(documents, 1):
        article = annotate(con, source_id)
        article.update(title=doc_title, publisher=publisher, published_on=published_on, url=url, source_id=source_id)
        articles.append(article)
        page(f"article-{i}.html", "article.html.j2", article=article, heading=doc_title)

    reports = []
    for spec in specs:
        result = db.report(spec.name, timeout=timeout)
        total = result.count()
        columns, rows = result.columns, result.fetchmany(MAX_ROWS)
        chart = report_chart(con, spec.name)
        reports.append({"spec": spec, "total": total})
        page(
            f"report-{spec.name}.html",
            "report.html.j2",
            spec=spec,
            heading=spec.title,
            columns=columns,
            rows=rows,
            total=total,
            shown=len(rows),
            sql=db.render(spec.name, timeout=timeout).sql,
            chart=chart,
            max_rows=MAX_ROWS,
        )

    graph = lineage_graph(con, specs)
    page("lineage.html", "lineage.html.j2", heading="Lineage", graph=graph)

    counts = con.execute(
        "SELECT count(*) FILTER (WHERE status = 'fact'), count(*) FILTER (WHERE status = 'excluded'), count(*) "
        "FROM numbers"
    ).fetchall()[0]
    n_facts = con.execute("SELECT count(*) FROM facts").fetchall()[0][0]
    page(
        "index.html",
        "index.html.j2",
        heading=title,
        description=_dataset_description(db),
        articles=articles,
        n_documents=n_documents,
        reports=reports,
        counts={"captured": counts[0], "excluded": counts[1], "numbers": counts[2], "facts": n_facts},
    )
    return files


def _dataset_description(db: Any) -> str:
    return db.dataset().description or ""


NUMBER_SQL = """
SELECT n.token, n.token_start, n.token_end, n.status, n.fact_ids, n.exclusion_id, n.reason_kind, e.reason
FROM numbers AS n
LEFT JOIN core.exclusions AS e USING (exclusion_id)
WHERE n.source_id = $source
ORDER BY n.token_start
"""

FACT_COLUMNS = (
    "fact_id", "label", "value_text", "qualifier", "interval_text", "unit", "period_kind", "period_start",
    "period_end", "quote", "domain", "is_inferred", "note", "value",
)  # fmt: skip
FACT_SQL = """
SELECT f.fact_id, f.label, f.value_text, f.qualifier, f.interval_text, f.unit, f.period_kind, f.period_start,
       f.period_end, f.quote, f.domain, f.is_inferred, f.note, f.value
FROM facts AS f
WHERE f.source_id = $source
ORDER BY f.quote_start NULLS LAST, f.fact_id
LIMIT $limit
"""

CHECK_SQL = """
SELECT c.fact_id, c.check_id, c.check_kind, c.verdict, c.description
FROM cross_checks AS c
WHERE c.fact_id IN (SELECT f.fact_id FROM facts AS f WHERE f.source_id = $source)
ORDER BY c.fact_id, c.check_id
"""


def annotate(con: Any, source_id: str) -> dict[str, Any]:
    """The stored text of one document cut into plain text and marked numbers, with the facts they state."""
    [(text,)] = con.sql("SELECT text FROM core.source_texts WHERE source_id = $s", params={"s": source_id}).fetchall()
    numbers = con.sql(NUMBER_SQL, params={"source": source_id}).fetchall()
    facts = con.sql(FACT_SQL, params={"source": source_id, "limit": MAX_FACT_CARDS}).fetchall()
    checks: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for fact_id, *rest in con.sql(CHECK_SQL, params={"source": source_id}).fetchall():
        checks[fact_id].append(tuple(rest))
    known = {row[0] for row in facts}
    pieces: list[dict[str, Any]] = []
    tokens_of: dict[str, list[str]] = defaultdict(list)
    position = 0
    for token, start, end, status, fact_ids, _exclusion, reason_kind, reason in numbers:
        if start < position:
            continue  # overlapping tokens cannot both be marked; the first one stands
        pieces.append({"kind": "text", "text": text[position:start]})
        anchor = f"n{start}"
        ids = [f for f in (fact_ids or "").split(",") if f]
        piece = {"kind": status, "text": text[start:end], "anchor": anchor, "token": token}
        if status == "fact":
            piece["facts"] = [f for f in ids if f in known] or ids
            for fact_id in ids:
                tokens_of[fact_id].append(anchor)
        else:
            piece["reason"] = reason or (reason_kind or "").replace("_", " ")
            piece["reason_kind"] = reason_kind
        pieces.append(piece)
        position = end
    pieces.append({"kind": "text", "text": text[position:]})
    paragraphs = _paragraphs(pieces)
    cards = []
    for row in facts:
        card = dict(zip(FACT_COLUMNS, row, strict=True))
        card["stated"] = card.pop("value_text")
        card["interval"] = card.pop("interval_text")
        card["inferred"] = card.pop("is_inferred")
        card["period"] = _period(card.pop("period_kind"), card.pop("period_start"), card.pop("period_end"))
        card["tokens"] = tokens_of.get(card["fact_id"], [])
        card["checks"] = checks.get(card["fact_id"], [])
        cards.append(card)
    excluded = [p for p in pieces if p["kind"] == "excluded"]
    captured = [p for p in pieces if p["kind"] == "fact"]
    return {"paragraphs": paragraphs, "facts": cards, "excluded": excluded, "captured": captured}


def _period(kind: str | None, start: Any, end: Any) -> str:
    if kind == "as_of":
        return f"as of {end} (an upper bound of the date it describes)"
    if kind == "target":
        return f"target: by {end}"
    if start is not None and end is not None and start != end:
        return f"{start} to {end}"
    return str(end or start or "")


def _paragraphs(pieces: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Split the pieces into paragraphs at blank lines (or single line breaks) of the plain text."""
    paragraphs: list[list[dict[str, Any]]] = [[]]
    for piece in pieces:
        if piece["kind"] != "text":
            paragraphs[-1].append(piece)
            continue
        parts = re.split(r"\n\s*\n|\n", piece["text"])
        for k, part in enumerate(parts):
            if k:
                paragraphs.append([])
            if part:
                paragraphs[-1].append({"kind": "text", "text": part})
    return [p for p in paragraphs if any(piece["kind"] != "text" or piece["text"].strip() for piece in p)]


def escape(value: Any) -> str:
    return html.escape(str(value), quote=True)
