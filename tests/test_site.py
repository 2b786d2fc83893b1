"""The report site: pages, links from every number to its fact, atomic writing that never deletes a stranger's files."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest

import hebeidb
from hebeidb.common.errors import TargetError as SiteTargetError
from hebeidb.reader.database import Database
from hebeidb.reader.site import MANIFEST, MAX_ROWS

Run = Callable[..., subprocess.CompletedProcess[str]]


class Anchors(HTMLParser):
    """Collect ids, links and the marked numbers of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.captured: list[dict[str, str]] = []
        self.excluded: list[dict[str, str]] = []
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        for key in ("href", "src"):
            if re.match(r"(https?:)?//", a.get(key, "")):
                self.external.append(a[key])
        classes = a.get("class", "").split()
        if "num" in classes and "id" in a:
            (self.captured if "fact" in classes else self.excluded).append(a)


def parse(path: Path) -> Anchors:
    parser = Anchors()
    parser.feed(path.read_text("utf-8"))
    return parser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, built_db: Path) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    with hebeidb.open(built_db) as db:
        db.site(out)
    return out


def test_pages(site: Path, db: Database) -> None:
    names = {p.name for p in site.iterdir()}
    expected = {"index.html", "article-1.html", "lineage.html", "style.css", MANIFEST}
    expected |= {f"report-{spec.name}.html" for spec in db.reports()}
    assert names == expected


def test_every_captured_number_links_to_its_fact(site: Path, db: Database) -> None:
    page = parse(site / "article-1.html")
    [(captured, excluded)] = db.sql(
        "SELECT count(*) FILTER (WHERE status = 'fact'), count(*) FILTER (WHERE status = 'excluded') FROM numbers"
    ).fetchall()
    # The legend shows one sample of each kind, without an id.
    assert len(page.captured) == captured
    assert len(page.excluded) == excluded
    facts_of = {
        start: ids.split(",")
        for start, ids in db.sql("SELECT token_start, fact_ids FROM numbers WHERE status = 'fact'").fetchall()
    }
    for number in page.captured:
        target = number["href"].removeprefix("#")
        assert target in page.ids
        assert target.removeprefix("fact-") in facts_of[int(number["id"].removeprefix("n"))]


def test_every_fact_links_back_to_its_words(site: Path, db: Database) -> None:
    page = parse(site / "article-1.html")
    quoted = [f for (f,) in db.sql("SELECT DISTINCT unnest(string_split(fact_ids, ',')) FROM numbers").fetchall()]
    assert quoted
    for fact_id in quoted:
        assert f"fact-{fact_id}" in page.ids
    backs = [link for link in page.links if re.fullmatch(r"#n\d+", link)]
    assert set(backs) <= {f"#{i}" for i in page.ids}
    # Every captured number is reached back from its fact; every excluded one from its reason.
    assert set(backs) == {f"#{n['id']}" for n in page.captured + page.excluded}


def test_every_excluded_number_shows_its_reason(site: Path, db: Database) -> None:
    html = (site / "article-1.html").read_text("utf-8")
    for token_start, reason in db.sql(
        "SELECT n.token_start, e.reason FROM numbers AS n JOIN core.exclusions AS e USING (exclusion_id)"
    ).fetchall():
        item = re.search(rf'<li id="why-n{token_start}">(.*?)</li>', html, re.S)
        assert item, token_start
        assert reason.replace('"', "&#34;").replace("'", "&#39;")[:40] in item.group(1)


def test_links_resolve_and_nothing_is_fetched(site: Path) -> None:
    for page in site.glob("*.html"):
        parsed = parse(page)
        assert not parsed.external, page.name
        for link in parsed.links:
            name, _, anchor = link.partition("#")
            target = site / name if name else page
            assert target.is_file(), (page.name, link)
            if anchor:
                assert anchor in parse(target).ids, (page.name, link)


def test_report_pages_show_title_sql_and_bounded_rows(site: Path, db: Database) -> None:
    for spec in db.reports():
        html = (site / f"report-{spec.name}.html").read_text("utf-8")
        assert spec.title in html
        for parameter in spec.parameters:
            assert f"<code>{parameter.name}</code>" in html
        rows = html.split('<table class="result">')[1].split("</table>")[0].count("<tr>") - 1
        assert rows == min(len(db.report(spec.name).fetchall()), MAX_ROWS)
        assert "FROM" in html.split('<pre class="sql">')[1]


def test_manifest_lists_every_file_with_its_hash(site: Path) -> None:
    import hashlib

    listed = json.loads((site / MANIFEST).read_text())["files"]
    assert set(listed) == {p.name for p in site.iterdir()} - {MANIFEST}
    for name, digest in listed.items():
        assert hashlib.sha256((site / name).read_bytes()).hexdigest() == digest


# --- atomic writing -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_an_earlier_site_is_replaced_and_nothing_else_is_written(tmp_path: Path, db: Database) -> None:
    out = tmp_path / "out" / "site"
    out.parent.mkdir()
    (tmp_path / "out" / "neighbour.txt").write_text("keep")
    db.site(out)
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    db.site(out)
    assert {p.name for p in out.iterdir()} == set(first)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["neighbour.txt", "site"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "spoil",
    [
        lambda out: (out / "notes.txt").write_text("mine"),
        lambda out: (out / "index.html").write_text("edited"),
        lambda out: (out / MANIFEST).unlink(),
        lambda out: (out / "style.css").unlink(),
    ],
    ids=["foreign-file", "edited-page", "no-manifest", "missing-file"],
)
def test_a_folder_that_is_not_an_unchanged_site_is_refused(tmp_path: Path, db: Database, spoil: Callable) -> None:
    out = tmp_path / "site"
    db.site(out)
    spoil(out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(SiteTargetError, match=r"nothing was replaced|not an earlier hebeidb site"):
        db.site(out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


@pytest.mark.slow
def test_a_file_or_a_stranger_folder_is_refused(tmp_path: Path, db: Database) -> None:
    stranger = tmp_path / "photos"
    stranger.mkdir()
    (stranger / "a.jpg").write_bytes(b"x")
    with pytest.raises(SiteTargetError):
        db.site(stranger)
    assert [p.name for p in stranger.iterdir()] == ["a.jpg"]
    plain = tmp_path / "file"
    plain.write_text("x")
    with pytest.raises(SiteTargetError):
        db.site(plain)
    assert plain.read_text() == "x"


@pytest.mark.slow
def test_cli_site(run_cli: Run, tmp_path: Path, built_db: Path) -> None:
    db_path = tmp_path / "hebei.duckdb"
    shutil.copy(built_db, db_path)
    result = run_cli("site", str(tmp_path / "out"), "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "article-1.html").is_file()
    refused = run_cli("site", str(tmp_path), "--db", str(db_path))
    assert refused.returncode == 2
    assert "not an earlier hebeidb site" in refused.stderr


@pytest.mark.slow
def test_site_of_a_synthetic_database(tmp_path: Path, run_cli: Run) -> None:
    db_path = tmp_path / "synth.duckdb"
    made = run_cli("synth", "--facts", "3000", "--seed", "2", "--db", str(db_path))
    assert made.returncode == 0, made.stderr
    with hebeidb.open(db_path) as db:
        db.site(tmp_path / "site")
        n_facts = db.sql("SELECT count(*) FROM facts").fetchall()[0][0]
    pages = list((tmp_path / "site").glob("*.html"))
    assert len(pages) >= 4
    for page in pages:
        assert page.read_text("utf-8").count("<tr>") <= 2 * MAX_ROWS + 50
    assert n_facts == 3000
