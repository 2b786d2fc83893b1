"""The report site in a real browser: Debian's Chromium driven by Playwright (no browser download).

Screenshots of every page go to ``$HEBEIDB_ARTEFACTS`` (default: a temporary folder of the run).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

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


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, built_db: Path) -> Path:
    out = tmp_path_factory.mktemp("browser") / "site"
    with hebeidb.open(built_db) as db:
        db.site(out)
    return out


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


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    opened = context.new_page()
    problems: list[str] = []
    opened.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    opened.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    opened.on("requestfailed", lambda r: problems.append(f"failed request: {r.url} {r.failure}"))
    opened.problems = problems  # type: ignore[attr-defined]
    yield opened
    context.close()


def test_every_page_loads_cleanly(page: Any, site: Path, artefacts: Path) -> None:
    pages = sorted(site.glob("*.html"))
    assert len(pages) >= 4
    for path in pages:
        response = page.goto(path.as_uri())
        assert response is None or response.ok
        page.wait_for_load_state("load")
        assert page.title()
        page.screenshot(path=str(artefacts / f"{path.stem}.png"), full_page=True)
    assert page.problems == []


def test_every_captured_number_reaches_its_fact(page: Any, site: Path, db: Database) -> None:
    page.goto((site / "article-1.html").as_uri())
    links = page.locator("article a.num.fact")
    [(captured,)] = db.sql("SELECT count(*) FROM numbers WHERE status = 'fact'").fetchall()
    assert links.count() == captured
    stated = dict(db.sql("SELECT fact_id, value_text FROM facts").fetchall())
    for i in range(links.count()):
        link = links.nth(i)
        target = link.get_attribute("href").removeprefix("#")
        card = page.locator(f"#{target}")
        assert card.count() == 1
        fact_id = target.removeprefix("fact-")
        assert card.locator(".value").inner_text() == stated[fact_id]
    # Following a link moves to the fact; its "back to the text" link returns to the number.
    first = links.first
    number_id = first.get_attribute("id")
    first.click()
    assert page.url.endswith(first.get_attribute("href"))
    page.locator(f"{first.get_attribute('href')} a[href='#{number_id}']").click()
    assert page.url.endswith(f"#{number_id}")
    assert page.problems == []


def test_excluded_numbers_show_their_reason(page: Any, site: Path, db: Database) -> None:
    page.goto((site / "article-1.html").as_uri())
    marked = page.locator("article .num.excluded")
    reasons = dict(
        db.sql(
            "SELECT 'n' || n.token_start, e.reason FROM numbers AS n JOIN core.exclusions AS e USING (exclusion_id)"
        ).fetchall()
    )
    assert marked.count() == len(reasons)
    for i in range(marked.count()):
        number = marked.nth(i)
        described = number.get_attribute("aria-describedby")
        assert reasons[number.get_attribute("id")] in page.locator(f"#{described}").inner_text()


def expected_marks(db: Database, name: str) -> int:
    queries = {
        "medals": "SELECT count(*) FROM medal_tallies WHERE delegation IN ('hebei', 'china') AND total IS NOT NULL",
        "domain_summary": "SELECT count(DISTINCT domain) FROM facts",
        "indicators": "SELECT count(DISTINCT domain) FROM facts",
        "timeline": "SELECT count(*) FROM report_timeline WHERE starts_on IS NOT NULL",
        "consistency": "SELECT count(*) FROM cross_checks WHERE stated_value > 0 AND computed_value > 0",
    }
    return min(db.sql(queries[name]).fetchall()[0][0], 300)


@pytest.mark.parametrize("name", ["medals", "domain_summary", "indicators", "timeline", "consistency"])
def test_every_chart_is_an_svg_with_one_mark_per_row(page: Any, site: Path, db: Database, name: str) -> None:
    page.goto((site / f"report-{name}.html").as_uri())
    figure = page.locator("figure.chart")
    assert figure.count() == 1
    assert figure.locator("svg").count() == 1
    kind = figure.get_attribute("data-mark-kind")
    selector = {"bar": ".mark-rect.role-mark path", "point": ".mark-symbol.role-mark path"}[kind]
    assert figure.locator(selector).count() == expected_marks(db, name)
    assert len(figure.get_attribute("aria-label")) > 40
    assert figure.locator("figcaption").inner_text() == figure.get_attribute("aria-label")


def test_lineage_nodes_link_to_their_descriptions(page: Any, site: Path) -> None:
    page.goto((site / "lineage.html").as_uri())
    nodes = page.locator("svg.lineage a.node")
    assert nodes.count() > 10
    for i in range(nodes.count()):
        href = nodes.nth(i).get_attribute("href")
        assert page.locator(href).count() == 1
    assert page.locator("svg.lineage path.edge").count() > nodes.count() / 2


@pytest.mark.parametrize("name", ["index.html", "article-1.html", "report-medals.html", "lineage.html"])
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
    # The navigation is reached, and on the article the marked numbers too.
    assert any(h.endswith(".html") for h in reached)
    if name == "article-1.html":
        # Skip link, site title, navigation, then the text.
        for _ in range(60):
            page.keyboard.press("Tab")
            reached.append(page.evaluate("() => document.activeElement.getAttribute('class') || ''"))
        assert any("num fact" in c for c in reached)
