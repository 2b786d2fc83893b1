"""The report site in a real browser: Debian's Chromium driven by Playwright (no browser download), one browser and
one site for the module.

Screenshots of every page at 390 px and 1,280 px go to ``$HEBEIDB_ARTEFACTS/site-screenshots/<width>/`` (default:
a temporary folder of the run). Checked at phone to wide desktop widths: nothing wider than the window, no chart
label cut, Chinese drawn in a font that has it, no console error, no serious or critical axe-core violation, and a
crafted name that would run a script runs nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_site_escaping import HOSTILE, PWNED, craft

import hebeidb
from hebeidb.reader.database import Database

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT_WIDTHS = (390, 1280)
WIDTHS = (390, 768, 1280, 1440)

# Elements wider than the window, outside a box that scrolls on its own (a table's, the SQL's).
OVERFLOWING = """(width) => [...document.querySelectorAll('body *')].filter(e => {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.right <= width + 0.5) return false;
    for (let a = e.parentElement; a; a = a.parentElement) {
        const o = getComputedStyle(a).overflowX;
        if (o === 'auto' || o === 'scroll' || o === 'hidden') return false;
    }
    return true;
}).map(e => `${e.tagName.toLowerCase()}.${e.className} right=${Math.round(e.getBoundingClientRect().right)}`)"""

# Every text of an SVG document inside its drawing area, and none cut short by the renderer.
CUT_LABELS = """() => {
    const svg = document.documentElement;
    const width = svg.width.baseVal.value, height = svg.height.baseVal.value;
    const problems = [];
    for (const t of svg.querySelectorAll('text')) {
        const box = t.getBBox();
        if (!t.textContent.trim()) continue;
        const m = t.getCTM();
        const x = m.a * box.x + m.c * box.y + m.e, y = m.b * box.x + m.d * box.y + m.f;
        if (x < -0.5 || y < -0.5 || x + box.width > width + 0.5 || y + box.height > height + 0.5)
            problems.push(`outside: ${t.textContent} (${Math.round(x)},${Math.round(y)},${Math.round(box.width)})`);
        if (t.textContent.endsWith('…')) problems.push(`cut: ${t.textContent}`);
    }
    return problems;
}"""

# Two different Chinese characters drawn in an element's font: a font without them draws both as the same box.
SAME_GLYPHS = """(e) => {
    const font = getComputedStyle(e).font;
    const draw = (ch) => {
        const c = document.createElement('canvas'); c.width = 40; c.height = 40;
        const x = c.getContext('2d'); x.font = font.replace(/\\d+(\\.\\d+)?px/, '28px'); x.fillText(ch, 2, 30);
        return Array.from(x.getImageData(0, 0, 40, 40).data).join(',');
    };
    return draw('河') === draw('北') || draw('河') === draw('\\uFFFF');
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, built_db: Path) -> Path:
    out = tmp_path_factory.mktemp("browser") / "site"
    with hebeidb.open(built_db) as db:
        db.site(out)
    return out


@pytest.fixture(scope="module")
def crafted_site(tmp_path_factory: pytest.TempPathFactory, built_db: Path) -> Path:
    folder = tmp_path_factory.mktemp("crafted-browser")
    path = craft(built_db, folder / "crafted.duckdb", HOSTILE)
    with hebeidb.open(path) as db:
        db.site(folder / "site")
    return folder / "site"


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("HEBEIDB_ARTEFACTS") or tmp_path_factory.mktemp("artefacts")) / "site-screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


def open_page(browser: Any, width: int = 1280) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900})
    opened = context.new_page()
    problems: list[str] = []
    opened.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    opened.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    opened.on("requestfailed", lambda r: problems.append(f"failed request: {r.url} {r.failure}"))
    opened.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    opened.problems = problems  # type: ignore[attr-defined]
    return opened


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    opened = open_page(browser)
    yield opened
    opened.context.close()


def pages_of(site: Path) -> list[Path]:
    pages = sorted(site.glob("*.html"))
    kinds = {p.name.split("-")[0].removesuffix(".html") for p in pages}
    assert kinds >= {"index", "article", "facts", "report", "views", "lineage"}
    return pages


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_fits_the_window_and_loads_cleanly(browser: Any, site: Path, artefacts: Path, width: int) -> None:
    opened = open_page(browser, width)
    try:
        for path in pages_of(site):
            response = opened.goto(path.as_uri())
            assert response is None or response.ok
            opened.wait_for_load_state("load")
            assert opened.evaluate("document.documentElement.scrollWidth") <= width, (path.name, width)
            assert opened.evaluate(OVERFLOWING, width) == [], (path.name, width)
            broken = opened.evaluate(
                "[...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)"
            )
            assert broken == [], path.name
            if width in SCREENSHOT_WIDTHS:
                folder = artefacts / str(width)
                folder.mkdir(exist_ok=True)
                opened.screenshot(path=str(folder / f"{path.stem}.png"), full_page=True)
        assert opened.problems == []
    finally:
        opened.context.close()


def test_no_serious_accessibility_violations(browser: Any, site: Path) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    found = []
    for width in SCREENSHOT_WIDTHS:
        opened = open_page(browser, width)
        try:
            for path in pages_of(site):
                opened.goto(path.as_uri())
                result = axe.run(opened)
                for violation in result.response["violations"]:
                    if violation["impact"] in ("serious", "critical"):
                        targets = [node["target"] for node in violation["nodes"][:3]]
                        found.append(f"{width} {path.name}: {violation['id']} ({violation['impact']}) {targets}")
        finally:
            opened.context.close()
    assert found == []


def test_no_chart_label_is_cut(page: Any, site: Path) -> None:
    images = sorted(site.glob("report-*.svg"))
    assert len(images) == 8
    for image in images:
        page.goto(image.as_uri())
        assert page.evaluate(CUT_LABELS) == [], image.name
        assert page.evaluate("document.querySelectorAll('text').length") > 5


def test_every_chart_shows_its_image_at_each_width(browser: Any, site: Path, db: Database) -> None:
    charted = [spec.name for spec in db.reports() if spec.chart is not None]
    for width, suffix in ((390, "-narrow.svg"), (1280, ".svg")):
        opened = open_page(browser, width)
        try:
            for name in charted:
                opened.goto((site / f"report-{name}.html").as_uri())
                image = opened.locator("figure.chart img")
                assert image.count() == 1
                assert opened.evaluate("document.querySelector('figure.chart img').currentSrc").endswith(
                    f"report-{name}{suffix}"
                )
                assert len(image.get_attribute("alt")) > 80
                box = image.bounding_box()
                assert 0 < box["width"] <= width
        finally:
            opened.context.close()


def test_chinese_names_are_drawn_in_a_font_that_has_them(page: Any, site: Path) -> None:
    for name in ("facts.html", "report-provenance.html", "report-timeline.html"):
        page.goto((site / name).as_uri())
        marked = page.locator("[lang=zh]")
        assert marked.count() > 0, name
        assert page.evaluate(SAME_GLYPHS, marked.first.element_handle()) is False, name


def test_every_captured_number_reaches_its_fact_and_back(page: Any, site: Path, db: Database) -> None:
    page.goto((site / "article-1.html").as_uri())
    links = page.locator("article a.num.fact")
    [(captured,)] = db.sql("SELECT count(*) FROM numbers WHERE status = 'fact'").fetchall()
    assert links.count() == captured
    first = links.first
    number_id, href = first.get_attribute("id"), first.get_attribute("href")
    first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith(href)
    target = page.locator(":target")
    assert target.count() == 1 and target.evaluate("e => e.tagName") == "DETAILS"
    target.locator("summary").click()
    target.locator(f"a[href='article-1.html#{number_id}']").first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith(f"article-1.html#{number_id}")
    assert page.problems == []


def test_excluded_numbers_show_their_reason(page: Any, site: Path, db: Database) -> None:
    page.goto((site / "article-1.html").as_uri())
    marked = page.locator("article .num.excluded")
    reasons = dict(db.sql("SELECT 'n' || token_start, reason FROM numbers WHERE status = 'excluded'").fetchall())
    assert marked.count() == len(reasons) > 0
    for i in range(marked.count()):
        number = marked.nth(i)
        described = number.get_attribute("aria-describedby")
        assert reasons[number.get_attribute("id")] in page.locator(f"#{described}").inner_text()


def test_lineage_nodes_link_to_their_descriptions(page: Any, site: Path) -> None:
    page.goto((site / "lineage.html").as_uri())
    nodes = page.locator("svg.lineage a.node")
    assert nodes.count() > 20
    for i in range(nodes.count()):
        href = nodes.nth(i).get_attribute("href")
        assert page.locator(href).count() == 1
    assert page.locator("svg.lineage path.edge").count() > nodes.count() / 2


def test_a_crafted_name_runs_no_script(browser: Any, crafted_site: Path) -> None:
    assert PWNED in HOSTILE
    opened = open_page(browser)
    try:
        for path in [*sorted(crafted_site.glob("*.html")), *sorted(crafted_site.glob("*.svg"))]:
            opened.goto(path.as_uri())
            opened.wait_for_load_state("load")
            assert opened.evaluate("document.title") != "PWNED", path.name
            assert opened.evaluate("document.querySelectorAll('script').length") == 0, path.name
        # The crafted name is on the page as text.
        opened.goto((crafted_site / "lineage.html").as_uri())
        assert "document.title='PWNED'" in opened.locator("main").inner_text()
        assert [p for p in opened.problems if "dialog" in p] == []
    finally:
        opened.context.close()


def test_print_leaves_out_the_navigation(page: Any, site: Path) -> None:
    page.goto((site / "report-medals.html").as_uri())
    assert page.locator("header nav").is_visible()
    page.emulate_media(media="print")
    assert not page.locator("header nav").is_visible()
    assert not page.locator(".downloads").is_visible()
    assert page.locator("figure.chart img").is_visible()


@pytest.mark.parametrize("name", ["index.html", "article-1.html", "facts.html", "report-medals.html", "lineage.html"])
def test_keyboard_reaches_the_links_with_visible_focus(page: Any, site: Path, name: str) -> None:
    page.goto((site / name).as_uri())
    reached: list[str] = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
                const e = document.activeElement;
                const style = getComputedStyle(e);
                return {tag: e.tagName, href: e.getAttribute('href') || '', cls: e.getAttribute('class') || '',
                        outline: style.outlineStyle, width: parseFloat(style.outlineWidth)};
            }"""
        )
        if focused["tag"] == "BODY":
            continue
        assert focused["outline"] != "none" and focused["width"] >= 2, focused
        reached.append(focused["href"] or focused["cls"])
    assert any(h.endswith(".html") for h in reached)
    if name == "article-1.html":
        for _ in range(60):
            page.keyboard.press("Tab")
            reached.append(page.evaluate("() => document.activeElement.getAttribute('class') || ''"))
        assert any("num fact" in c for c in reached)


def test_the_accessibility_check_finds_what_it_looks_for(page: Any, tmp_path: Path) -> None:
    from axe_playwright_python.sync_playwright import Axe

    bad = tmp_path / "bad.html"
    bad.write_text('<!doctype html><html><body><img src="x.png"><a href="#"></a></body></html>')
    page.goto(bad.as_uri())
    impacts = {v["id"]: v["impact"] for v in Axe().run(page).response["violations"]}
    assert impacts.get("image-alt") == "critical"
