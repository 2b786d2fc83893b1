"""The site of a database built from other inputs: it depends only on what the file declares (its views and
reports), leaves out what the file lacks and says so, and draws any report's chart from that report's metadata."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import hebeidb

pytestmark = pytest.mark.slow


def drop_numbers_view(root: Path) -> None:
    """The inputs without the public view ``numbers`` (its definition, its comments, its contract entry)."""
    views = root / "schema" / "100_public_views.sql"
    text = views.read_text("utf-8")
    text = re.sub(r"CREATE VIEW numbers AS.*?COMMENT ON VIEW numbers IS '[^']*';\n", "", text, flags=re.S)
    views.write_text(text, "utf-8")
    comments = root / "schema" / "110_view_comments.sql"
    kept = [
        line for line in comments.read_text("utf-8").splitlines() if not line.startswith("COMMENT ON COLUMN numbers.")
    ]
    comments.write_text("\n".join(kept) + "\n", "utf-8")
    contract = root / "schema" / "public_views.toml"
    text = contract.read_text("utf-8")
    text = re.sub(r"\[views\.numbers\]\n.*?\n\]\n", "", text, flags=re.S)
    contract.write_text(text, "utf-8")


@pytest.fixture(scope="module")
def other(tmp_path_factory: pytest.TempPathFactory, inputs_root: Path) -> tuple[Path, Path]:
    """A database built from a trimmed copy of the inputs (no numbers view, no medals report, the timeline
    report renamed, and a new report with a chart of its own), and its site."""
    root = tmp_path_factory.mktemp("other") / "inputs"
    for name in ("schema", "seeds", "queries", "checks"):
        shutil.copytree(inputs_root / name, root / name)
    drop_numbers_view(root)
    for suffix in (".sql", ".toml"):
        (root / "queries" / f"medals{suffix}").unlink()
        (root / "queries" / f"timeline{suffix}").rename(root / "queries" / f"events_in_time{suffix}")
    (root / "queries" / "facts_by_region.sql").write_text(
        "SELECT f.region, count(*) AS facts, min(f.source_id) AS source_id FROM facts AS f "
        "WHERE f.region IS NOT NULL GROUP BY f.region ORDER BY facts DESC, f.region\n",
        "utf-8",
    )
    (root / "queries" / "facts_by_region.toml").write_text(
        'title = "Facts by region"\ndescription = "How many facts describe each region."\n\n'
        '[chart]\nkind = "bar"\ncategory = "region"\nvalue = "facts"\nlabel = "facts"\nsort = "value"\n'
        'title = "Facts about each region"\nsubtitle = "Number of facts"\nunit = "facts"\n'
        'source_field = "source_id"\nnames.region = "regions.name_en"\n',
        "utf-8",
    )
    folder = root.parent
    db_path = hebeidb.build(folder / "other.duckdb", inputs=root)
    with hebeidb.open(db_path) as db:
        assert "numbers" not in {v.name for v in db.views()}
        db.site(folder / "site")
    return db_path, folder / "site"


def test_pages_follow_the_reports_of_the_file(other: tuple[Path, Path]) -> None:
    _db, site = other
    names = {p.name for p in site.iterdir()}
    assert "report-medals.html" not in names and "report-timeline.html" not in names
    for name in ("events_in_time", "facts_by_region"):
        assert {f"report-{name}.html", f"report-{name}.svg", f"report-{name}-narrow.svg", f"report-{name}.csv"} <= names
    assert {"index.html", "article-1.html", "facts.html", "views.html", "lineage.html"} <= names


def test_a_new_reports_chart_is_drawn_from_its_metadata(other: tuple[Path, Path]) -> None:
    db_path, site = other
    csv_text = (site / "report-facts_by_region.csv").read_bytes().decode("utf-8-sig")
    with hebeidb.open(db_path) as db:
        regions = dict(db.sql("SELECT region, name_en FROM regions").fetchall())
        rows = db.report("facts_by_region").fetchall()
    assert len(csv_text.strip().splitlines()) == len(rows) + 1
    for region, facts, _source in rows:
        assert f"{region},{regions[region]},{facts}" in csv_text
    svg = (site / "report-facts_by_region.svg").read_text("utf-8")
    assert "Facts about each region" in svg and regions["hebei"] in svg
    page = (site / "report-facts_by_region.html").read_text("utf-8")
    assert 'alt="Horizontal bar chart: Facts about each region.' in page


def test_what_the_file_lacks_is_left_out_and_said(other: tuple[Path, Path]) -> None:
    _db, site = other
    index = (site / "index.html").read_text("utf-8")
    assert "the articles&#39; numbers are not marked: the file declares no numbers view" in index
    article = (site / "article-1.html").read_text("utf-8")
    assert 'class="num' not in article.split('<article class="text"')[1]
    assert "Hebei Province has prioritized" in article
    views = (site / "views.html").read_text("utf-8")
    assert "<code>numbers</code></h2>" not in views and "<code>facts</code></h2>" in views


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory, built_db: Path) -> Path:
    """The site of a file shaped like a small data set's: public views ``sources`` and ``facts`` with a few of the
    shipped columns, no other view, and one report of its own with a chart (a copy of the built file, edited)."""
    import duckdb

    folder = tmp_path_factory.mktemp("small")
    path = folder / "small.duckdb"
    shutil.copy(built_db, path)
    con = duckdb.connect(str(path))
    try:
        con.execute("CREATE TABLE core.small_facts AS SELECT fact_id, label, value, unit, quote, source_id FROM facts")
        con.execute("CREATE TABLE core.small_sources AS SELECT source_id, title, url FROM sources")
        con.execute("CREATE OR REPLACE VIEW facts AS SELECT * FROM core.small_facts")
        con.execute("CREATE OR REPLACE VIEW sources AS SELECT * FROM core.small_sources")
        con.execute("DELETE FROM core.public_view_references")
        con.execute("DELETE FROM core.public_views WHERE view_name NOT IN ('facts', 'sources')")
        con.execute("DELETE FROM core.report_parameters")
        for (view,) in con.execute("SELECT view_name FROM core.reports").fetchall():
            con.execute(f"DROP VIEW {view}")
        con.execute("DELETE FROM core.reports")
        for (view,) in con.execute(
            "SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND schema_name = 'main' "
            "AND NOT internal AND view_name NOT IN ('facts', 'sources')"
        ).fetchall():
            con.execute(f"DROP VIEW {view}")
        template = "SELECT source_id, count(*) AS facts FROM facts GROUP BY source_id ORDER BY facts DESC, source_id\n"
        metadata = (
            'title = "Facts per source"\ndescription = "How many facts each source gives."\n\n[chart]\nkind = "bar"\n'
            'category = "source_id"\nvalue = "facts"\nlabel = "facts"\ntitle = "Facts each source gives"\n'
            'unit = "facts"\nsource_field = "source_id"\nnames.source_id = "sources.title"\n'
        )
        con.execute(
            "INSERT INTO core.reports VALUES ('by_source', 'Facts per source', 'How many facts each source gives.', "
            "'report_by_source', $t, $m, 'queries/by_source.sql', 'queries/by_source.toml')",
            {"t": template, "m": metadata},
        )
        con.execute(f"CREATE VIEW report_by_source AS {template}")
    finally:
        con.close()
    with hebeidb.open(path) as db:
        assert [v.name for v in db.views()] == ["sources", "facts"]
        db.site(folder / "site")
    return folder / "site"


def test_a_small_data_sets_file_gets_every_page_its_views_allow(small: Path) -> None:
    names = {p.name for p in small.iterdir()}
    assert {"index.html", "article-1.html", "facts.html", "views.html", "lineage.html"} <= names
    assert {"report-by_source.html", "report-by_source.svg", "report-by_source-narrow.svg"} <= names
    assert not any(name.startswith("report-medals") for name in names)
    index = (small / "index.html").read_text("utf-8")
    assert "the file declares no numbers view" in index
    assert 'href="facts.html#f-' in index  # headline figures, from the facts the file has
    facts = (small / "facts.html").read_text("utf-8")
    assert facts.count('<details class="fact"') > 10 and "Quote: “" in facts
    svg = (small / "report-by_source.svg").read_text("utf-8")
    assert "Facts each source gives" in svg and "Hebei Enhances Targeted Support" in svg  # a title, not an id
    views = (small / "views.html").read_text("utf-8")
    assert views.count('<section class="view"') == 2
