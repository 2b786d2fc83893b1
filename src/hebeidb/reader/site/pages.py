"""The pages of the report site, rendered from the open database with the templates beside this module.

Every page depends only on what the file declares: its data set, its public views (by the contract) and its
reports (their specs). A page or part whose view the file does not declare is left out, and the first page
says which. Every value from the file reaches the pages through Jinja's autoescaping; links are made only of
http(s) addresses, and anchors are indexes or hashes, never names from the file.
"""

from __future__ import annotations

import hashlib
import re
import urllib.parse
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hebeidb.common.progress import Listener
from hebeidb.common.sqltext import quote_identifier
from hebeidb.reader.site import MAX_DOCUMENTS, MAX_FACTS, MAX_ROWS
from hebeidb.reader.site.charts import SourceRef, draw_chart
from hebeidb.reader.site.lineage import lineage_graph

TEMPLATES = Path(__file__).with_name("templates")
STATIC = ("style.css", "favicon.svg")
MAX_HEADLINES = 8
# Characters of the scripts that need a font of their own (CJK ideographs, kana, hangul, fullwidth forms).
CJK = re.compile(
    r"[\u2e80-\u2fdf\u3000-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]+"
)

FACT_FIELDS = (
    "fact_id", "label", "value_text", "value", "unit", "qualifier", "interval_text", "period_kind", "period_start",
    "period_end", "quote", "quote_start", "quote_end", "domain", "is_inferred", "note", "source_id",
)  # fmt: skip
SOURCE_FIELDS = ("source_id", "title", "publisher", "published_on", "published_precision", "url", "kind", "sha256")


def _environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,  # every template, whatever its name: HTML and the SVG inside it
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cell"] = cell
    env.filters["thousands"] = lambda n: f"{n:,}"
    env.filters["runs"] = runs
    env.filters["http_url"] = http_url
    return env


def cell(value: Any) -> str:
    """A value as a table cell shows it (numbers without float noise, dates as dates, NULL as empty)."""
    from hebeidb.common.output import text

    return text(value)


def runs(value: Any) -> Iterator[tuple[str, str]]:
    """The text cut into runs of one script: ("zh", ...) for Chinese, ("", ...) for the rest; the templates
    mark each Chinese run with its language, so that the reader's fonts and screen readers treat it right."""
    text = "" if value is None else str(value)
    position = 0
    for found in CJK.finditer(text):
        if found.start() > position:
            yield "", text[position : found.start()]
        yield "zh", found.group()
        position = found.end()
    if position < len(text):
        yield "", text[position:]


def http_url(value: Any) -> str | None:
    """``value`` if it is an http(s) address a link may carry, else None (javascript:, data:, relative ...)."""
    if not isinstance(value, str) or not value or len(value) > 2000:
        return None
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return None
    try:
        parts = urllib.parse.urlsplit(value)
    except ValueError:
        return None
    return value if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def anchor(kind: str, key: Any) -> str:
    """An anchor for a thing named in the file: a hash of its key, the same on every build of the same data."""
    return f"{kind}-{hashlib.sha256(str(key).encode('utf-8', 'surrogatepass')).hexdigest()[:12]}"


class Reader:
    """The site's queries, each run through the database's guard under the site's timeout."""

    def __init__(self, db: Any, timeout: float | None) -> None:
        self.db, self.timeout = db, timeout
        self.views = {view.name: view for view in db.views()}

    def query(self, sql: str, params: dict[str, Any] | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
        result = self.db.sql(sql, params, timeout=self.timeout)
        return result.columns, result.fetchall()

    def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return self.query(sql, params)[1]

    def dicts(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        columns, rows = self.query(sql, params)
        return [dict(zip(columns, row, strict=True)) for row in rows]

    def has(self, view: str, *columns: str) -> bool:
        found = self.views.get(view)
        return found is not None and all(c in {col.name for col in found.columns} for c in columns)

    def pick(self, view: str, alias: str, wanted: tuple[str, ...]) -> str:
        """``alias.column`` for each wanted column the view has, ``NULL AS column`` for the others."""
        present = {col.name for col in self.views[view].columns}
        q = quote_identifier
        return ", ".join(f"{alias}.{q(c)}" if c in present else f"NULL AS {q(c)}" for c in wanted)


def render_pages(db: Any, listener: Listener | None = None, timeout: float | None = None) -> dict[str, bytes]:
    """Every file of the site by name; ``listener`` hears of each page as it is made (pages done so far)."""
    env = _environment()
    reader = Reader(db, timeout)
    dataset = db.dataset()
    specs = db.reports()
    info = db.build_info()
    skipped: list[str] = []

    documents = _documents(reader, skipped)
    facts, n_facts = _facts(reader, documents, skipped)
    shown = {fact["fact_id"] for fact in facts}
    sources = _sources(reader)
    build = _build(info, dataset)
    for fact in facts:
        fact["citation"] = citation(fact, sources.get(fact.get("source_id")), build)

    nav = [("index.html", "Overview")]
    nav += [
        (f"article-{i}.html", "Article" if len(documents) == 1 else f"Article {i}")
        for i in range(1, len(documents) + 1)
    ]
    if facts:
        nav.append(("facts.html", "Facts"))
    nav += [(f"report-{spec.name}.html", spec.title) for spec in specs]
    nav += [("views.html", "Views"), ("lineage.html", "Lineage")]
    common = {
        "site_title": dataset.title,
        "dataset": dataset,
        "nav": nav,
        "build": build,
        "code_license": _code_license(),
    }
    files: dict[str, bytes] = {name: (TEMPLATES / name).read_bytes() for name in STATIC}
    pages = len(nav)
    made = 0
    if listener is not None:
        listener(f"0 of {pages} pages", None, False)

    def page(name: str, template: str, **context: Any) -> None:
        nonlocal made
        rendered = env.get_template(template).render(page_name=name, **common, **context)
        files[name] = rendered.encode("utf-8")
        made += 1
        if listener is not None:
            listener(f"{made} of {pages} pages ({name})", None, made == pages)

    fact_anchor = {fact["fact_id"]: fact["anchor"] for fact in facts}
    for i, document in enumerate(documents, 1):
        document["page"] = f"article-{i}.html"
        document["source"] = sources.get(document["source_id"], {})
        annotate(reader, document, fact_anchor, skipped)
        page(document["page"], "article.html.j2", article=document, heading=document["title"] or document["source_id"])
    number_links = {fid: links for document in documents for fid, links in document["tokens_of"].items()}
    for fact in facts:
        fact["in_text"] = number_links.get(fact["fact_id"], [])

    if facts:
        groups = _group_by_source(facts, sources, documents)
        page(
            "facts.html",
            "facts.html.j2",
            heading="Facts",
            groups=groups,
            n_facts=n_facts,
            checks=_checks(reader, shown),
        )

    reports = []
    for spec in specs:
        result = db.report(spec.name, timeout=timeout)
        total = result.count()
        columns, rows = result.columns, result.fetchmany(MAX_ROWS)
        chart = draw_chart(reader.query, spec, reader.views, lambda ids: _source_refs(ids, sources), dataset.title)
        stem = f"report-{spec.name}"
        if chart is not None:
            files[f"{stem}.svg"] = chart.wide.svg.encode("utf-8")
            files[f"{stem}-narrow.svg"] = chart.narrow.svg.encode("utf-8")
            files[f"{stem}.csv"] = chart.csv()
        reports.append({"spec": spec, "total": total, "page": f"{stem}.html", "chart": chart is not None})
        page(
            f"{stem}.html",
            "report.html.j2",
            spec=spec,
            heading=spec.title,
            columns=columns,
            rows=rows,
            total=total,
            shown=len(rows),
            sql=db.render(spec.name, timeout=timeout).sql,
            chart=chart,
            stem=stem,
            max_rows=MAX_ROWS,
        )

    views = _views(reader)
    page("views.html", "views.html.j2", heading="Views and columns", views=views)

    graph = lineage_graph(reader.rows, specs, set(reader.views))
    page("lineage.html", "lineage.html.j2", heading="Lineage", graph=graph)

    headlines = _headlines(facts, documents)
    counts = _counts(reader)
    page(
        "index.html",
        "index.html.j2",
        heading=dataset.title,
        articles=documents,
        n_documents=reader.n_documents,
        facts=facts,
        n_facts=n_facts,
        headlines=headlines,
        reports=reports,
        counts=counts,
        skipped=list(dict.fromkeys(skipped)),
        n_views=len(views),
    )
    return files


def _code_license() -> str | None:
    from importlib import metadata

    try:
        found = metadata.metadata("hebeidb")
    except metadata.PackageNotFoundError:
        return None
    return found.get("License-Expression") or found.get("License") or None


def _build(info: dict[str, Any], dataset: Any) -> dict[str, Any]:
    built_at = info.get("built_at")
    return {
        "package_version": info.get("package_version") or "",
        "inputs": str(info.get("inputs_sha256") or "")[:12],
        "built_on": built_at.date().isoformat() if hasattr(built_at, "date") else str(built_at or ""),
        "built_at": str(built_at or ""),
        "duckdb_version": info.get("duckdb_version") or "",
        "dataset": dataset.title,
    }


# --- what the pages show ---------------------------------------------------------------------------------------


def _documents(reader: Reader, skipped: list[str]) -> list[dict[str, Any]]:
    """The documents whose text the file stores (the first :data:`MAX_DOCUMENTS`), with their text."""
    reader.n_documents = 0  # type: ignore[attr-defined]
    if not reader.has("sources", "source_id"):
        skipped.append("no article pages: the file declares no sources view")
        return []
    order = "s.published_on NULLS LAST, " if reader.has("sources", "published_on") else ""
    documents = reader.dicts(
        f"""SELECT {reader.pick("sources", "s", SOURCE_FIELDS)}, t.text
            FROM sources AS s JOIN core.source_texts AS t ON t.source_id = s.source_id
            ORDER BY {order}s.source_id LIMIT $n""",
        {"n": MAX_DOCUMENTS},
    )
    [(n_documents,)] = reader.rows(
        "SELECT count(*) FROM sources AS s JOIN core.source_texts AS t ON t.source_id = s.source_id"
    )
    reader.n_documents = n_documents  # type: ignore[attr-defined]
    for document in documents:
        document["title"] = document["title"] or str(document["source_id"])
    return documents


def _sources(reader: Reader) -> dict[Any, dict[str, Any]]:
    if not reader.has("sources", "source_id"):
        return {}
    rows = reader.dicts(f"SELECT {reader.pick('sources', 's', SOURCE_FIELDS)} FROM sources AS s LIMIT 100000")
    return {row["source_id"]: row for row in rows}


def _source_refs(ids: Any, sources: dict[Any, dict[str, Any]]) -> list[SourceRef]:
    refs = []
    for source_id in ids:
        source = sources.get(source_id)
        if source is None:
            refs.append(SourceRef(str(source_id)))
            continue
        who = source.get("publisher") or source.get("title") or str(source_id)
        when = _date(source)
        refs.append(SourceRef(f"{who} ({when})" if when else str(who), http_url(source.get("url"))))
    return refs


def _date(source: dict[str, Any] | None) -> str:
    if not source or source.get("published_on") is None:
        return ""
    text = str(source["published_on"])[:10]
    return {"year": text[:4], "month": text[:7]}.get(source.get("published_precision") or "", text)


def _facts(reader: Reader, documents: list[dict[str, Any]], skipped: list[str]) -> tuple[list[dict[str, Any]], int]:
    """The facts (the first :data:`MAX_FACTS`: those of the documents shown first, in the order of their words)."""
    if not reader.has("facts", "fact_id"):
        skipped.append("no facts page and no headline figures: the file declares no facts view")
        return [], 0
    params: dict[str, Any] = {"n": MAX_FACTS}
    order = ""
    if reader.has("facts", "source_id"):
        params["documents"] = [str(d["source_id"]) for d in documents] or [""]
        order = "CASE WHEN CAST(f.source_id AS VARCHAR) IN (SELECT unnest($documents)) THEN 0 ELSE 1 END, f.source_id, "
    if reader.has("facts", "quote_start"):
        order += "f.quote_start NULLS LAST, "
    facts = reader.dicts(
        f"SELECT {reader.pick('facts', 'f', FACT_FIELDS)} FROM facts AS f ORDER BY {order}f.fact_id LIMIT $n", params
    )
    [(n_facts,)] = reader.rows("SELECT count(*) FROM facts")
    for fact in facts:
        fact["anchor"] = anchor("f", fact["fact_id"])
        fact["period"] = _period(fact.get("period_kind"), fact.get("period_start"), fact.get("period_end"))
        fact["stated"] = fact.get("value_text") or " ".join(
            part for part in (cell(fact.get("value")), fact.get("unit") or "") if part
        )
    return facts, n_facts


def _period(kind: Any, start: Any, end: Any) -> str:
    start, end = (str(v)[:10] if v is not None else None for v in (start, end))
    if kind == "as_of" and end:
        return f"as of {end}"
    if kind == "target" and end:
        return f"target: by {end}"
    if start and end and start != end:
        return f"{start} to {end}"
    return end or start or ""


def citation(fact: dict[str, Any], source: dict[str, Any] | None, build: dict[str, Any]) -> str:
    """A citation of one fact a reader can copy: source, date, address, quote, offsets and database version."""
    source = source or {}
    parts = []
    who = source.get("publisher")
    title = source.get("title")
    head = ". ".join(str(p) for p in (who, f"“{title}”" if title else None, _date(source) or None) if p)
    if head:
        parts.append(head + ".")
    if http_url(source.get("url")):
        parts.append(f"{source['url']}")
    if fact.get("quote"):
        where = ""
        if fact.get("quote_start") is not None and fact.get("quote_end") is not None:
            where = f" (characters {fact['quote_start']} to {fact['quote_end']} of the stored text)"
        parts.append(f"Quote: “{fact['quote']}”{where}.")
    parts.append(f"Figure: {fact.get('label') or fact['fact_id']}: {fact['stated']}.")
    parts.append(
        f"Via {build['dataset']}, fact {fact['fact_id']}; database built {build['built_on']} by hebeidb "
        f"{build['package_version']} from inputs {build['inputs']}."
    )
    return "\n".join(parts)


def _checks(reader: Reader, shown: set[Any]) -> dict[Any, list[dict[str, Any]]]:
    if not reader.has("cross_checks", "fact_id", "verdict") or not shown:
        return {}
    columns = ("fact_id", "check_kind", "verdict", "description")
    found: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in reader.dicts(
        f"SELECT {reader.pick('cross_checks', 'c', columns)} FROM cross_checks AS c "
        "WHERE CAST(c.fact_id AS VARCHAR) IN (SELECT unnest($ids)) LIMIT 100000",
        {"ids": sorted(map(str, shown))},
    ):
        found[row["fact_id"]].append(row)
    return found


def _group_by_source(
    facts: list[dict[str, Any]], sources: dict[Any, dict[str, Any]], documents: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    pages = {d["source_id"]: d["page"] for d in documents}
    groups: dict[Any, dict[str, Any]] = {}
    for fact in facts:
        key = fact.get("source_id")
        if key not in groups:
            source = sources.get(key, {})
            groups[key] = {
                "anchor": anchor("s", key),
                "source_id": key,
                "title": source.get("title") or (str(key) if key is not None else "Facts without a source"),
                "publisher": source.get("publisher"),
                "date": _date(source),
                "url": source.get("url"),
                "page": pages.get(key),
                "facts": [],
            }
        groups[key]["facts"].append(fact)
    return list(groups.values())


def _headlines(facts: list[dict[str, Any]], documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Headline figures: in the first document, the first stated (not inferred) fact of each domain, in the order
    of the text; facts of no document when the file stores none."""
    first = documents[0]["source_id"] if documents else None
    pool = [f for f in facts if (first is None or f.get("source_id") == first) and not f.get("is_inferred")]
    chosen, domains = [], set()
    for fact in pool:
        domain = fact.get("domain")
        if domain is not None and domain in domains:
            continue
        domains.add(domain)
        chosen.append(fact)
        if len(chosen) == MAX_HEADLINES:
            break
    return chosen


def _counts(reader: Reader) -> dict[str, int] | None:
    if not reader.has("numbers", "status"):
        return None
    [(captured, excluded, total)] = reader.rows(
        "SELECT count(*) FILTER (WHERE status = 'fact'), count(*) FILTER (WHERE status = 'excluded'), count(*) "
        "FROM numbers"
    )
    return {"captured": captured, "excluded": excluded, "numbers": total}


def _views(reader: Reader) -> list[dict[str, Any]]:
    names = list(reader.views)
    index = {name: f"v{i}" for i, name in enumerate(names)}
    views = []
    for name, view in reader.views.items():
        views.append(
            {
                "anchor": index[name],
                "view": view,
                "references": [(ref, index.get(ref.view)) for ref in view.references],
            }
        )
    return views


# --- the annotated text ----------------------------------------------------------------------------------------


def annotate(reader: Reader, document: dict[str, Any], fact_anchor: dict[Any, str], skipped: list[str]) -> None:
    """Cut the document's text into plain text and marked numbers (with the facts they state, or the reason they
    are not facts); sets ``paragraphs``, ``captured``, ``excluded`` and ``tokens_of`` on ``document``."""
    text: str = document.pop("text") or ""
    numbers: list[dict[str, Any]] = []
    if reader.has("numbers", "source_id", "token_start", "token_end", "status"):
        columns = ("token", "token_start", "token_end", "status", "fact_ids", "reason_kind", "reason")
        numbers = reader.dicts(
            f"SELECT {reader.pick('numbers', 'n', columns)} FROM numbers AS n WHERE n.source_id = $source "
            "ORDER BY n.token_start",
            {"source": document["source_id"]},
        )
    else:
        skipped.append("the articles' numbers are not marked: the file declares no numbers view")
    pieces: list[dict[str, Any]] = []
    tokens_of: dict[Any, list[dict[str, str]]] = defaultdict(list)
    position = 0
    for number in numbers:
        try:
            start, end = int(number["token_start"]), int(number["token_end"])
        except (TypeError, ValueError):
            continue
        if start < position or end <= start or end > len(text):
            continue  # overlapping tokens cannot both be marked; the first one stands
        pieces.append({"kind": "text", "text": text[position:start]})
        piece: dict[str, Any] = {"kind": number["status"], "text": text[start:end], "anchor": f"n{start}"}
        if number["status"] == "fact":
            ids = [f for f in str(number["fact_ids"] or "").split(",") if f]
            piece["facts"] = [fact_anchor[f] for f in ids if f in fact_anchor]
            for fact_id in ids:
                tokens_of[fact_id].append({"page": document["page"], "anchor": piece["anchor"]})
        elif number["status"] == "excluded":
            piece["reason_kind"] = str(number["reason_kind"] or "").replace("_", " ")
            piece["reason"] = number["reason"] or piece["reason_kind"]
        else:
            piece["kind"] = "other"
        pieces.append(piece)
        position = end
    pieces.append({"kind": "text", "text": text[position:]})
    document["paragraphs"] = _paragraphs(pieces)
    document["captured"] = [p for p in pieces if p["kind"] == "fact"]
    document["excluded"] = [p for p in pieces if p["kind"] == "excluded"]
    document["marked"] = bool(numbers)
    document["tokens_of"] = tokens_of
    document["facts_anchor"] = anchor("s", document["source_id"])


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
