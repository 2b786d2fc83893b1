"""A data set of its own (tests/data/tiny: one source, three facts, one report with a chart, one check) builds
with the same engine, passes its own check, and every reader serves it: the data set lives in its inputs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import cli_in_process

import hebeidb
from hebeidb.builder import build_database
from hebeidb.reader.translate import DIALECTS

TINY = Path(__file__).parent / "data" / "tiny"


@pytest.fixture(scope="module")
def tiny_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hebeidb.build(tmp_path_factory.mktemp("tiny") / "tiny.duckdb", inputs=TINY)


@pytest.fixture
def tiny_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "tiny"
    shutil.copytree(TINY, copy)
    return copy


def test_the_data_set_builds_with_its_own_check_and_the_engines(tmp_path: Path) -> None:
    report = build_database(tmp_path / "t.duckdb", inputs=TINY)
    names = [check.name for check in report.checks]
    assert "positive" in names  # its own, from its checks/
    assert {"source_hash", "quotes", "documentation", "contract"} <= set(names)  # the engine's
    assert all(check.passed for check in report.checks)
    assert report.tables["facts"] == 3
    assert report.coverage == {} and report.cross_checks is None  # it tokenises no text and cross-checks nothing
    assert "coverage:" not in report.summary()


def test_its_own_check_fails_its_build_where_the_row_is(tiny_copy: Path) -> None:
    facts = tiny_copy / "seeds" / "facts.csv"
    facts.write_text(facts.read_text(encoding="utf-8").replace(",45,persons,", ",-45,persons,"), encoding="utf-8")
    with pytest.raises(hebeidb.BuildError) as caught:
        hebeidb.build(tiny_copy / "t.duckdb", inputs=tiny_copy)
    [problem] = caught.value.problems
    assert (problem.check, problem.file, problem.line, problem.column) == ("positive", "seeds/facts.csv", 4, "value")


def test_the_engine_checks_its_quotes_at_their_offsets(tiny_copy: Path) -> None:
    facts = tiny_copy / "seeds" / "facts.csv"
    facts.write_text(facts.read_text(encoding="utf-8").replace(",143,172", ",144,173"), encoding="utf-8")
    with pytest.raises(hebeidb.BuildError) as caught:
        hebeidb.build(tiny_copy / "t.duckdb", inputs=tiny_copy)
    [problem] = caught.value.problems
    assert (problem.check, problem.file, problem.line, problem.column) == (
        "quotes",
        "seeds/facts.csv",
        4,
        "quote_start",
    )


def test_the_file_describes_itself_with_its_own_words(tiny_db: Path) -> None:
    with hebeidb.open(tiny_db) as db:
        assert db.title() == "Riverside Library in figures"
        assert [view.name for view in db.views()] == ["sources", "facts"]
        assert [spec.name for spec in db.reports()] == ["figures"]
        assert db.build_info()["inputs_origin"] == "custom"
        facts = db.describe("facts")[0]
        assert facts.key == ("fact_id",) and facts.references[0].view == "sources"


def test_the_api_reads_it(tiny_db: Path) -> None:
    with hebeidb.open(tiny_db) as db:
        assert db.report("figures").fetchall()[0][:2] == ("books_lent", "Books lent")
        assert [row[0] for row in db.report("figures", unit="persons").fetchall()] == ["visitors", "volunteers"]
        assert db.sql("SELECT count(*) FROM facts WHERE year = $y", {"y": 2024}).fetchall() == [(2,)]
        lineage = {c.column: c.sources for c in db.lineage("figures")}
        assert lineage["value"] == ("core.facts.value",)
        for dialect in DIALECTS:
            translation = db.translate("figures", dialect, unit="books")
            assert [p.value for p in translation.parameters] == ["books"]


@pytest.mark.parametrize(
    "args",
    [
        ("reports",),
        ("report", "figures", "--param", "unit=books"),
        ("report", "figures", "--help"),
        ("sql", "SELECT label FROM facts ORDER BY label"),
        ("describe",),
        ("describe", "facts"),
        ("lineage", "figures"),
        ("render", "figures", "--dialect", "sqlite"),
    ],
)
def test_every_reader_command_serves_it(tiny_db: Path, args: tuple[str, ...]) -> None:
    result = (
        cli_in_process(*args, "--db", str(tiny_db))
        if args[-1] != "--help"
        else cli_in_process(*args[:-1], "--db", str(tiny_db), "--help")
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.strip()


@pytest.mark.parametrize("fmt", ["parquet", "csv", "sqlite"])
def test_its_exports(tiny_db: Path, tmp_path: Path, fmt: str) -> None:
    with hebeidb.open(tiny_db) as db:
        written = db.export(tmp_path / "out", format=fmt)
    package = json.loads((tmp_path / "out" / "datapackage.json").read_text(encoding="utf-8"))
    assert package["name"] == "riverside-library"
    assert package["title"] == "Riverside Library in figures"
    if fmt != "sqlite":
        assert {p.name for p in written} >= {f"facts.{fmt}", f"sources.{fmt}", f"report_figures.{fmt}"}
    else:
        import sqlite3

        with sqlite3.connect(tmp_path / "out" / "hebei.sqlite") as sqlite:
            assert sqlite.execute("SELECT count(*) FROM facts").fetchall() == [(3,)]


def test_its_site_draws_the_chart_its_report_declares(tiny_db: Path, tmp_path: Path) -> None:
    with hebeidb.open(tiny_db) as db:
        written = {p.name for p in db.site(tmp_path / "site")}
    assert {"index.html", "report-figures.html", "report-figures.svg", "report-figures.csv"} <= written
    page = (tmp_path / "site" / "report-figures.html").read_text(encoding="utf-8")
    assert "The figures of the Riverside Library note" in page
    svg = (tmp_path / "site" / "report-figures.svg").read_text(encoding="utf-8")
    assert "Books lent" in svg and "Visitors to the reading room" in svg
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "Riverside Library in figures" in index
    assert "medal" not in index.lower()  # nothing of the shipped data set


# --- search: the facts view of another data set, read from its catalog ----------------------------------


def test_its_search_finds_each_fact_by_its_label_and_its_number(tiny_db: Path) -> None:
    with hebeidb.open(tiny_db) as db:
        facts = db.sql("SELECT fact_id, label, value FROM facts").fetchall()
        assert len(facts) == 3
        for fact_id, label, value in facts:
            by_label = db.search(label)
            assert by_label.answered and by_label.fetchall()[0][1] == fact_id, label
            number = f"{int(value):,}"  # as a reader writes it: "12,400"
            assert [row[1] for row in db.search(number).fetchall()] == [fact_id], number


def test_its_search_shows_the_closest_sentence_when_no_fact_answers(tiny_db: Path) -> None:
    """A word of the stored note that no fact holds: no figure, and the sentence holding it, at its offsets."""
    with hebeidb.open(tiny_db) as db:
        [(text,)] = db.sql("SELECT text FROM core.source_texts").fetchall()
        held = {
            w.lower()
            for row in db.sql("SELECT label, quote, unit FROM facts").fetchall()
            for w in " ".join(row).split()
        }
        word = next(w.strip(".,").lower() for w in text.split() if len(w) > 5 and w.strip(".,").lower() not in held)
        result = db.search(word)
        rows = [dict(zip(result.columns, row, strict=True)) for row in result.fetchall()]
    assert not result.answered and result.no_figure and word in result.no_figure
    assert rows and {row["match"] for row in rows} == {"sentence"}
    for row in rows:
        assert text[row["position"] : row["position_end"]] == row["quote"]
        assert word in row["quote"].lower() and row["matched"] == word


@pytest.mark.parametrize(
    ("kwargs", "said"),
    [({"domain": "books"}, "no domain column"), ({"numbers": True}, "no excluded numbers")],
)
def test_its_search_refuses_what_its_facts_cannot_answer(tiny_db: Path, kwargs: dict, said: str) -> None:
    with hebeidb.open(tiny_db) as db, pytest.raises(hebeidb.ParameterError, match=said):
        db.search("books", **kwargs)


def test_its_search_command_speaks_on_one_line(tiny_db: Path) -> None:
    answered = cli_in_process("search", "volunteers", "--format", "json", "--db", str(tiny_db))
    assert answered.returncode == 0 and answered.stderr == ""
    assert [row["fact_id"] for row in json.loads(answered.stdout)] == ["volunteers"]
    refused = cli_in_process("search", "books", "--numbers", "--db", str(tiny_db))
    assert refused.returncode == 2 and len(refused.stderr.splitlines()) == 1


def test_its_search_names_no_column_twice(tiny_copy: Path, tmp_path: Path) -> None:
    """A facts view with columns named as the ones search adds (score, matched) keeps them; search's own take a
    prefix."""
    views = tiny_copy / "schema" / "020_views.sql"
    text = views.read_text(encoding="utf-8")
    text = text.replace(
        "SELECT fact_id, label, value, unit, year, source_id, quote, quote_start, quote_end\nFROM core.facts",
        "SELECT fact_id, label, value, unit, year, source_id, quote, quote_start, quote_end, value * 2 AS score,\n"
        "       'yes' AS matched\nFROM core.facts",
    )
    text += "COMMENT ON COLUMN facts.score IS 'Twice the figure.';\nCOMMENT ON COLUMN facts.matched IS 'Always yes.';\n"
    views.write_text(text, encoding="utf-8")
    database = hebeidb.build(tmp_path / "t.duckdb", inputs=tiny_copy)
    with hebeidb.open(database) as db:
        result = db.search("volunteers")
        columns = result.columns
        [row] = [dict(zip(columns, r, strict=True)) for r in result.fetchall()]
    assert len(columns) == len(set(columns))
    assert row["score"] == 90 and row["matched"] == "yes"  # the view's own
    assert row["search_score"] > 0 and row["search_matched"] == "volunteers"
