"""The report site: its pages, charts declared by the reports, links from every number to its fact, citations,
the views page, lineage that is true, and the licence."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest

import hebeidb
from hebeidb.reader.database import Database
from hebeidb.reader.site import MANIFEST, MAX_ROWS, site_file_name
from hebeidb.reader.site.pages import anchor

Run = Callable[..., subprocess.CompletedProcess[str]]
SVG = "{http://www.w3.org/2000/svg}"


class Page(HTMLParser):
    """The ids, links, images, marked numbers and text of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.images: list[dict[str, str]] = []
        self.captured: list[dict[str, str]] = []
        self.excluded: list[dict[str, str]] = []
        self.external: list[str] = []
        self.title = ""
        self._in_title = False
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
            if re.match(r"https?:", a["href"]):
                self.external.append(a["href"])
        if tag in ("img", "source", "link", "script", "iframe"):
            for key in ("src", "srcset", "href"):
                if key in a and re.match(r"(https?:)?//", a[key]):
                    self.external.append(a[key])
        if tag == "img":
            self.images.append(a)
        self._in_title = tag == "title"
        classes = a.get("class", "").split()
        if "num" in classes and "id" in a:
            (self.captured if "fact" in classes else self.excluded).append(a)

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        self.text.append(data)

    @property
    def words(self) -> str:
        return " ".join(" ".join(self.text).split())


def parse(path: Path) -> Page:
    parser = Page()
    parser.feed(path.read_text("utf-8"))
    return parser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, built_db: Path) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    with hebeidb.open(built_db) as db:
        db.site(out)
    return out


def test_pages_and_files(site: Path, db: Database) -> None:
    names = {p.name for p in site.iterdir()}
    expected = {"index.html", "article-1.html", "facts.html", "views.html", "lineage.html", "style.css"}
    expected |= {"favicon.svg", MANIFEST}
    expected |= {f"report-{spec.name}.html" for spec in db.reports()}
    charted = [spec.name for spec in db.reports() if spec.chart is not None]
    assert sorted(charted) == ["consistency", "domain_summary", "medals", "timeline"]
    for name in charted:
        expected |= {f"report-{name}.svg", f"report-{name}-narrow.svg", f"report-{name}.csv"}
    assert names == expected
    assert all(site_file_name(name) for name in names - {MANIFEST})


def test_titles_do_not_repeat_and_every_page_has_a_favicon(site: Path, db: Database) -> None:
    title = db.dataset().title
    assert parse(site / "index.html").title == title
    for page in site.glob("*.html"):
        text = page.read_text("utf-8")
        assert '<link rel="icon" href="favicon.svg"' in text
        parsed = parse(page)
        assert parsed.title.count(title) == 1, page.name
    ET.fromstring((site / "favicon.svg").read_text())  # an SVG that parses


def test_every_captured_number_links_to_its_fact(site: Path, db: Database) -> None:
    article = parse(site / "article-1.html")
    facts = parse(site / "facts.html")
    [(captured, excluded)] = db.sql(
        "SELECT count(*) FILTER (WHERE status = 'fact'), count(*) FILTER (WHERE status = 'excluded') FROM numbers"
    ).fetchall()
    assert (len(article.captured), len(article.excluded)) == (captured, excluded)
    facts_of = {
        start: ids.split(",")
        for start, ids in db.sql("SELECT token_start, fact_ids FROM numbers WHERE status = 'fact'").fetchall()
    }
    anchors = {anchor("f", fact_id): fact_id for ids in facts_of.values() for fact_id in ids}
    for number in article.captured:
        page, _, target = number["href"].partition("#")
        assert page == "facts.html" and target in facts.ids
        assert anchors[target] in facts_of[int(number["id"].removeprefix("n"))]


def test_every_fact_of_the_text_links_back_to_its_words(site: Path, db: Database) -> None:
    article = parse(site / "article-1.html")
    facts_html = (site / "facts.html").read_text("utf-8")
    quoted = [f for (f,) in db.sql("SELECT DISTINCT unnest(string_split(fact_ids, ',')) FROM numbers").fetchall()]
    assert quoted
    for fact_id in quoted:
        card = re.search(rf'<details class="fact" id="{anchor("f", fact_id)}">(.*?)</details>', facts_html, re.S)
        assert card, fact_id
        backs = re.findall(r'href="article-1\.html#(n\d+)"', card.group(1))
        assert backs and set(backs) <= {n["id"] for n in article.captured}, fact_id


def test_every_excluded_number_shows_its_reason(site: Path, db: Database) -> None:
    html = (site / "article-1.html").read_text("utf-8")
    rows = db.sql("SELECT token_start, reason FROM numbers WHERE status = 'excluded'").fetchall()
    assert rows
    for token_start, reason in rows:
        item = re.search(rf'<li id="why-n{token_start}">(.*?)</li>', html, re.S)
        assert item, token_start
        assert reason.replace('"', "&#34;").replace("'", "&#39;")[:40] in item.group(1)


def test_links_resolve_and_nothing_is_fetched(site: Path, db: Database) -> None:
    urls = {url for (url,) in db.sql("SELECT url FROM sources WHERE url IS NOT NULL").fetchall()}
    for page in site.glob("*.html"):
        parsed = parse(page)
        # The only addresses outside the site are the sources' own and the licence's, as links to follow.
        assert set(parsed.external) <= urls | {db.dataset().license_url}, page.name
        for link in parsed.links:
            if link in parsed.external:
                continue
            name, _, fragment = link.partition("#")
            target = site / name if name else page
            assert target.is_file(), (page.name, link)
            if fragment:
                assert fragment in parse(target).ids, (page.name, link)
        for image in parsed.images:
            assert (site / image["src"]).is_file()
            assert int(image["width"]) > 0 and int(image["height"]) > 0


def test_headline_figures_quote_their_words_and_link_to_their_facts(site: Path, db: Database) -> None:
    html = (site / "index.html").read_text("utf-8")
    items = re.findall(r'<a href="facts\.html#(f-[0-9a-f]{12})">(.*?)</a>.*?<blockquote><p>“(.*?)”</p>', html, re.S)
    assert 4 <= len(items) <= 8
    facts = {anchor("f", f): (f, stated, quote) for f, stated, quote in db.sql(
        "SELECT fact_id, value_text, quote FROM facts"
    ).fetchall()}  # fmt: skip
    domains = []
    for target, stated, quote in items:
        fact_id, expected_stated, expected_quote = facts[target]
        assert stated == expected_stated.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
        assert quote == expected_quote.replace('"', "&#34;").replace("'", "&#39;")
        [(domain, inferred)] = db.sql(
            "SELECT domain, is_inferred FROM facts WHERE fact_id = $f", {"f": fact_id}
        ).fetchall()
        assert not inferred
        domains.append(domain)
    assert len(set(domains)) == len(domains)  # one figure per domain


def test_every_fact_has_a_citation_to_copy(site: Path, db: Database) -> None:
    html = (site / "facts.html").read_text("utf-8")
    info = db.build_info()
    rows = db.sql(
        "SELECT f.fact_id, f.quote, f.quote_start, f.quote_end, s.publisher, s.url FROM facts AS f "
        "JOIN sources AS s USING (source_id)"
    ).fetchall()
    for fact_id, quote, start, end, publisher, url in rows:
        card = re.search(rf'id="{anchor("f", fact_id)}">(.*?)</details>', html, re.S)
        assert card, fact_id
        cited = re.search(r'<pre class="citation">(.*?)</pre>', card.group(1), re.S)
        assert cited, fact_id
        text = re.sub(r"<[^>]+>", "", cited.group(1))
        if publisher:
            assert publisher.replace("'", "&#39;") in text
        if url:
            assert url in text
        if quote and start is not None:
            assert f"characters {start} to {end}" in text
        assert f"fact {fact_id}" in text
        assert info["inputs_sha256"][:12] in text and info["package_version"] in text


def test_views_page_describes_every_public_view_and_column(site: Path, db: Database) -> None:
    page = parse(site / "views.html")
    html = (site / "views.html").read_text("utf-8")
    views = db.views()
    assert len(views) >= 10
    for view in views:
        assert f"<code>{view.name}</code></h2>" in html
        for column in view.columns:
            assert column.description, (view.name, column.name)
            row = re.search(rf"<th scope=\"row\"><code>{re.escape(column.name)}</code></th>(.*?)</tr>", html, re.S)
            assert row, (view.name, column.name)
        assert view.description.replace("'", "&#39;").replace('"', "&#34;")[:50] in html
    assert {f"v{i}" for i in range(len(views))} <= page.ids


def test_report_pages_show_chart_table_parameters_and_sql(site: Path, db: Database) -> None:
    for spec in db.reports():
        html = (site / f"report-{spec.name}.html").read_text("utf-8")
        assert spec.title.replace("'", "&#39;") in html
        for parameter in spec.parameters:
            assert f"<code>{parameter.name}</code>" in html
        rows = html.split('<table class="result">')[1].split("</table>")[0].count("<tr>") - 1
        assert rows == min(len(db.report(spec.name).fetchall()), MAX_ROWS)
        assert "FROM" in html.split('<pre class="sql">')[1]
        assert ("<figure" in html) == (spec.chart is not None)


@pytest.mark.parametrize("name", ["consistency", "domain_summary", "medals", "timeline"])
def test_every_chart_has_its_words_its_data_and_its_images(site: Path, db: Database, name: str) -> None:
    spec = db.report_spec(name)
    chart = spec.chart
    assert chart is not None
    page = parse(site / f"report-{name}.html")
    [image] = page.images
    alt = image["alt"]
    assert alt.startswith(("Horizontal", "Timeline")) and chart.title in alt
    # The data download holds one row per mark, with names beside ids.
    with io.StringIO((site / f"report-{name}.csv").read_bytes().decode("utf-8-sig")) as handle:
        table = list(csv.DictReader(handle))
    assert len(table) == int(image["data-marks"]) > 0
    for column in chart.names:
        assert all(row[f"{column}_name"] for row in table)
        assert any(row[f"{column}_name"] != row[column] for row in table)
    # The images: the title, each label, and the source line are in them.
    for svg_name in (f"report-{name}.svg", f"report-{name}-narrow.svg"):
        svg = (site / svg_name).read_text("utf-8")
        root = ET.fromstring(svg)
        words = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
        assert chart.title.split()[0] in words and "Source:" in words
        assert "…" not in words  # no label cut by the renderer
        labels = {
            row[f"{chart.category}_name"] if chart.category in chart.names else row[chart.category] for row in table
        }
        for label in labels:
            assert all(word in words for word in label.split()), (svg_name, label)
    assert "Source:" in page.words and "Download:" in page.words


def test_medals_chart_names_delegations_and_keeps_the_report_order(site: Path, db: Database) -> None:
    with io.StringIO((site / "report-medals.csv").read_bytes().decode("utf-8-sig")) as handle:
        table = list(csv.DictReader(handle))
    names = dict(db.sql("SELECT region, name_en FROM regions").fetchall())
    expected = [
        (competition, names[delegation], float(total))
        for competition, delegation, total in db.sql(
            "SELECT competition, delegation, total FROM report_medals"
        ).fetchall()
        if total is not None
    ]
    assert [(row["competition"], row["delegation_name"], float(row["total"])) for row in table] == expected
    [(missing,)] = db.sql("SELECT count(*) FROM report_medals WHERE total IS NULL").fetchall()
    alt = parse(site / "report-medals.html").images[0]["alt"]
    assert f"{missing} row without a value is not drawn" in alt if missing == 1 else str(missing) in alt


def test_consistency_chart_counts_checks_by_kind_and_verdict(site: Path, db: Database) -> None:
    with io.StringIO((site / "report-consistency.csv").read_bytes().decode("utf-8-sig")) as handle:
        table = list(csv.DictReader(handle))
    counted = {(row["check_kind"], row["verdict"]): int(row["checks"]) for row in table}
    expected = dict(
        ((kind, verdict), n)
        for kind, verdict, n in db.sql("SELECT check_kind, verdict, count(*) FROM cross_checks GROUP BY ALL").fetchall()
    )
    assert counted == expected
    assert [int(row["checks"]) for row in table] == sorted((int(row["checks"]) for row in table), reverse=True)


def test_chinese_names_are_marked_with_their_language(site: Path, db: Database) -> None:
    [(title,)] = db.sql("SELECT title FROM sources WHERE regexp_matches(title, '[\\x{4e00}-\\x{9fff}]')").fetchall()
    html = (site / "facts.html").read_text("utf-8")
    assert f'<span lang="zh">{title}</span>' in html


def test_lineage_is_true(site: Path, db: Database) -> None:
    html = (site / "lineage.html").read_text("utf-8")
    files = {path for (path,) in db.sql("SELECT path FROM core.input_files").fetchall()}
    nodes = dict(re.findall(r'<dt id="(n\d+)"><code>(.*?)</code>', html))
    entries = re.findall(
        r'<dt id="(n\d+)"><code>(.*?)</code> <span class="layer">(\w+)</span></dt>\s*<dd>(.*?)</dd>', html, re.S
    )
    assert len(entries) == len(nodes) > 20
    inputs = [name for _id, name, layer, _ in entries if layer == "input"]
    assert inputs and set(inputs) <= files  # only files the build read
    assert "seeds/input_files.csv" not in html
    for node_id, name, _layer, description in entries:
        reads = re.findall(r'<a href="#(n\d+)"><code>(.*?)</code></a>', description)
        assert node_id not in {target for target, _ in reads}, name  # nothing reads itself
        assert name not in {read for _, read in reads}, name
        for target, read in reads:
            assert nodes[target] == read
    # Every id is an index; every edge joins two drawn nodes.
    assert all(re.fullmatch(r"n\d+", i) for i in nodes)
    drawn = set(re.findall(r'<a class="node node-\w+" href="#(n\d+)"', html))
    assert drawn == set(nodes)
    for source, target in re.findall(r'data-from="(n\d+)" data-to="(n\d+)"', html):
        assert source in nodes and target in nodes and source != target
    reads_of = {
        name: {r for _, r in re.findall(r'<a href="#(n\d+)"><code>(.*?)</code></a>', d)} for _, name, _, d in entries
    }
    assert "core.facts" in reads_of["facts"] and "facts" in reads_of["report_indicators"]
    assert "seeds/facts.csv" in reads_of["core.facts"]


def test_licence_and_rights_are_stated(site: Path, db: Database) -> None:
    dataset = db.dataset()
    assert dataset.license == "CC-BY-4.0" and dataset.license_url.startswith("https://")
    assert "publisher" in dataset.rights
    index = parse(site / "index.html").words
    assert "CC-BY-4.0" in index and "code (hebeidb): MIT" in index
    assert dataset.rights.replace("'", "'") in index
    article = parse(site / "article-1.html").words
    assert "belongs to its publisher" in article


def test_manifest_lists_every_file_with_its_hash(site: Path) -> None:
    listed = json.loads((site / MANIFEST).read_text())["files"]
    assert set(listed) == {p.name for p in site.iterdir()} - {MANIFEST}
    for name, digest in listed.items():
        assert hashlib.sha256((site / name).read_bytes()).hexdigest() == digest


@pytest.mark.slow
def test_cli_site(run_cli: Run, tmp_path: Path, built_db: Path) -> None:
    db_path = tmp_path / "hebei.duckdb"
    shutil.copy(built_db, db_path)
    result = run_cli("site", str(tmp_path / "out"), "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "article-1.html").is_file()
    refused = run_cli("site", str(tmp_path), "--db", str(db_path))
    assert refused.returncode == 2
    assert "not an earlier hebeidb site" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_site_of_a_synthetic_database(tmp_path: Path, run_cli: Run) -> None:
    db_path = tmp_path / "synth.duckdb"
    made = run_cli("synth", "--facts", "3000", "--seed", "2", "--db", str(db_path))
    assert made.returncode == 0, made.stderr
    with hebeidb.open(db_path) as db:
        db.site(tmp_path / "site")
        n_facts = db.sql("SELECT count(*) FROM facts").fetchall()[0][0]
    pages = list((tmp_path / "site").glob("*.html"))
    assert len(pages) >= 6
    for page in pages:
        assert page.read_text("utf-8").count("<tr>") <= 2 * MAX_ROWS + 50
    assert n_facts == 3000
    assert "the first 1,000 of 3,000 facts" in parse(tmp_path / "site" / "facts.html").words.lower()
