"""Every value from the file reaches the site's pages and images escaped: a crafted file (names, titles, labels,
notes, quotes, addresses, report metadata, even the names of tables and columns) writes no element, attribute or
address that can run a script, on any page or in any chart."""

from __future__ import annotations

import json
import re
import shutil
import tomllib
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hebeidb
from hebeidb.common.sqltext import quote_identifier
from hebeidb.reader.site import site_file_name

PWNED = "x\"><script>document.title='PWNED'</script><a href=\""
HOSTILE = [
    PWNED,
    "</title><script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '" onmouseover="alert(1)',
    "' onfocus='alert(1)' autofocus='",
    "javascript:alert(1)",
    "</style><script>alert(1)</script>",
    "]]><script>alert(1)</script><![CDATA[",
    "--><script>alert(1)</script><!--",
    "<svg onload=alert(1)>",
    "{{ 7 * 7 }}{% raw %}",
    "\u202eevil\u202c 河北省 \x07\x1b[31m",
    "<a href='javascript:alert(1)'>x</a>",
]
# Where the crafted words go: the public views' text columns that some page or chart shows (a crafted file holds
# any view definition it likes; a reader has nothing else to go by).
TEXT_COLUMNS = {
    "facts": ("label", "quote", "note", "value_text", "unit"),
    "sources": ("title", "publisher", "note"),
    "regions": ("name_en",),
    "competitions": ("competition",),
    "medal_tallies": ("competition",),
    "domains": ("name",),
    "programmes": ("name_en",),
    "numbers": ("reason", "reason_kind"),
    "cross_checks": ("description", "check_kind"),
}
DATASET_COLUMNS = ("title", "description", "rights", "license")
URLS = ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", " javascript:alert(1)", "JaVaScRiPt:x"]
URL_ATTRIBUTES = {"href", "src", "srcset", "action", "formaction", "xlink:href", "poster", "data", "background"}
OWN_META = 4  # charset, viewport, the content security policy and the referrer policy


def craft(source: Path, out: Path, words: list[str], urls: list[str] | None = None) -> Path:
    """A copy of ``source`` with ``words`` written into every column of :data:`TEXT_COLUMNS` (in turn), ``urls``
    as the sources' addresses, crafted report metadata, comments and names of a table and a column."""
    shutil.copy(source, out)
    con = duckdb.connect(str(out))
    urls = urls or URLS
    try:
        i = 0
        for view, columns in TEXT_COLUMNS.items():
            replaced = []
            for column in columns:
                replaced.append(f"{_literal(words[i % len(words)] + f' {i}')} AS {quote_identifier(column)}")
                i += 1
            if view == "sources":
                cases = " ".join(f"WHEN {n} THEN {_literal(u)}" for n, u in enumerate(urls, 1))
                replaced.append(f"CASE row_number() OVER (ORDER BY source_id) {cases} ELSE url END AS url")
            copy = quote_identifier(f"crafted_{view}")
            con.execute(f"CREATE TABLE core.{copy} AS SELECT * REPLACE ({', '.join(replaced)}) FROM {view}")
            con.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM core.{copy}")
        for k, column in enumerate(DATASET_COLUMNS):
            con.execute(f"UPDATE core.dataset SET {column} = $w", {"w": words[k % len(words)]})
        con.execute("UPDATE core.dataset SET license_url = $u", {"u": urls[0]})
        word = words[0]
        # The reports' metadata: their parameters refer to them, so they step aside while the reports change.
        con.execute("CREATE TEMP TABLE parameters AS SELECT * FROM core.report_parameters")
        con.execute("DELETE FROM core.report_parameters")
        for name, metadata in con.execute("SELECT name, metadata FROM core.reports").fetchall():
            meta = tomllib.loads(metadata)
            meta["title"] = f"{word} title"
            meta["description"] = f"{word} description"
            if "chart" in meta:
                meta["chart"].update(title=f"{word} chart", subtitle=f"{word} sub", note=f"{word} note", unit=word)
            con.execute(
                "UPDATE core.reports SET metadata = $m, title = $t WHERE name = $n",
                {"m": _toml(meta), "t": meta["title"], "n": name},
            )
        con.execute("INSERT INTO core.report_parameters SELECT * FROM parameters")
        con.execute(f"COMMENT ON VIEW facts IS {_literal(word)}")
        con.execute(f"COMMENT ON COLUMN facts.label IS {_literal(word)}")
        con.execute(f"CREATE TABLE core.{quote_identifier(PWNED)} (a INTEGER)")
        con.execute(f"COMMENT ON TABLE core.{quote_identifier(PWNED)} IS {_literal(word)}")
        con.execute(
            f"CREATE OR REPLACE VIEW domains AS SELECT *, 1 AS {quote_identifier(PWNED)} FROM core.crafted_domains"
        )
    finally:
        con.close()
    return out


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _toml(value: object, prefix: str = "") -> str:
    """A TOML document of plain tables, lists and text (enough for report metadata)."""
    lines, tables = [], []
    assert isinstance(value, dict)
    for key, item in value.items():
        if isinstance(item, dict) and key != "names":
            tables.append((key, item))
        elif isinstance(item, list) and item and isinstance(item[0], dict):
            for entry in item:
                lines.append(f"[[{prefix}{key}]]\n" + _toml(entry))
        else:
            lines.insert(0, f"{json.dumps(key)} = {_toml_value(item)}")
    for key, table in tables:
        lines.append(f"[{prefix}{key}]\n" + _toml(table, f"{prefix}{key}."))
    return "\n".join(lines) + "\n"


def _toml_value(item: object) -> str:
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, (int, float)):
        return repr(item)
    if isinstance(item, str):
        return json.dumps(item, ensure_ascii=False)
    if isinstance(item, list):
        return "[" + ", ".join(_toml_value(v) for v in item) + "]"
    if isinstance(item, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in item.items()) + "}"
    raise TypeError(item)


class Inspector(HTMLParser):
    """Every element and attribute of a page that could run a script or fetch something."""

    def __init__(self, site: Path) -> None:
        super().__init__(convert_charrefs=True)
        self.site = site
        self.problems: list[str] = []
        self.meta = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.check(tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.check(tag, attrs)

    def check(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {
            "script",
            "iframe",
            "object",
            "embed",
            "base",
            "form",
            "frame",
            "frameset",
            "applet",
            "foreignobject",
        }:
            self.problems.append(f"element <{tag}>")
        if tag == "meta":
            self.meta += 1
        for name, value in attrs:
            if name.startswith("on") or name in {"style", "srcdoc", "autofocus"}:
                self.problems.append(f"attribute {name} on <{tag}>")
            if name in URL_ATTRIBUTES:
                self.check_url(tag, name, value or "")

    def check_url(self, tag: str, name: str, value: str) -> None:
        for url in value.split(",") if name == "srcset" else [value]:
            url = url.strip().split(" ")[0]
            page, _, fragment = url.partition("#")
            if re.fullmatch(r"https?://[^\s]+", url):
                continue
            if page == "" and re.fullmatch(r"[\w-]+", fragment):
                continue
            if site_file_name(page) and (self.site / page).is_file() and re.fullmatch(r"[\w-]*", fragment):
                continue
            self.problems.append(f"{name}={value!r} on <{tag}>")


def inspect_site(site: Path) -> list[str]:
    problems = []
    for page in sorted(site.glob("*.html")):
        inspector = Inspector(site)
        inspector.feed(page.read_text("utf-8"))
        inspector.close()
        if inspector.meta != OWN_META:
            inspector.problems.append(f"{inspector.meta} meta elements")
        problems += [f"{page.name}: {p}" for p in inspector.problems]
    for image in sorted(site.glob("*.svg")):
        root = ET.fromstring(image.read_text("utf-8"))  # an image that parses as XML
        for element in root.iter():
            local = element.tag.rpartition("}")[2].lower()
            if local in {"script", "foreignobject", "iframe", "a", "use", "image", "animate", "set"}:
                problems.append(f"{image.name}: element <{local}>")
            for name, value in element.attrib.items():
                bare = name.rpartition("}")[2].lower()
                if bare.startswith("on") or bare in {"href", "src", "style"}:
                    problems.append(f"{image.name}: attribute {bare}={value[:40]!r}")
    return problems


@pytest.fixture(scope="module")
def crafted_site(tmp_path_factory: pytest.TempPathFactory, built_db: Path) -> Path:
    folder = tmp_path_factory.mktemp("crafted")
    path = craft(built_db, folder / "crafted.duckdb", HOSTILE)
    with hebeidb.open(path) as db:
        db.site(folder / "site")
    return folder / "site"


def test_hostile_words_run_nothing_on_any_page_or_chart(crafted_site: Path) -> None:
    assert inspect_site(crafted_site) == []


def test_hostile_words_are_shown_as_words(crafted_site: Path) -> None:
    index = (crafted_site / "index.html").read_text("utf-8")
    # The crafted title is the page's title, as text: escaped once, never markup.
    assert "<title>x&#34;&gt;&lt;script&gt;document.title=&#39;PWNED&#39;&lt;/script&gt;" in index
    lineage = (crafted_site / "lineage.html").read_text("utf-8")
    assert "&lt;script&gt;document.title" in lineage and "<script>" not in lineage
    views = (crafted_site / "views.html").read_text("utf-8")
    assert "<code>x&#34;&gt;&lt;script&gt;" in views  # the crafted column, listed by its name


def test_only_http_addresses_become_links(crafted_site: Path) -> None:
    for page in crafted_site.glob("*.html"):
        text = page.read_text("utf-8")
        assert not re.search(r"""href=["']?\s*(javascript|data):""", text, re.I), page.name
    facts = (crafted_site / "facts.html").read_text("utf-8")
    assert "javascript:alert(1)" in facts  # shown as the address it is, not linked


def test_the_inspector_finds_what_it_looks_for(tmp_path: Path) -> None:
    """The checker itself: each kind of hole it must report, in a page and in an image."""
    holes = [
        "<script>x</script>",
        '<a href="javascript:alert(1)">x</a>',
        '<img src="x" onerror="alert(1)">',
        '<a href="data:text/html,x">x</a>',
        '<p style="background:url(x)">x</p>',
        '<iframe src="https://example.org"></iframe>',
        '<a href="other.html">x</a>',
    ]
    for hole in holes:
        (tmp_path / "index.html").write_text("<meta><meta><meta><meta>" + hole)
        assert inspect_site(tmp_path), hole
    (tmp_path / "index.html").write_text('<meta><meta><meta><meta><a href="#n1">x</a><a href="https://a.b/c">y</a>')
    assert inspect_site(tmp_path) == []
    (tmp_path / "report-x.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>')
    assert inspect_site(tmp_path)


def words() -> st.SearchStrategy[str]:
    """Any Unicode text (no surrogates: DuckDB holds UTF-8), hostile fragments mixed in."""
    text = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40)
    return st.one_of(text, st.sampled_from(HOSTILE), st.tuples(text, st.sampled_from(HOSTILE)).map("".join))


@pytest.mark.slow
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chosen=st.lists(words(), min_size=3, max_size=6), url=st.sampled_from(URLS))
def test_any_words_in_a_crafted_file_run_nothing(
    tmp_path_factory: pytest.TempPathFactory, built_db: Path, chosen: list[str], url: str
) -> None:
    folder = tmp_path_factory.mktemp("any")
    path = craft(built_db, folder / "crafted.duckdb", chosen, [url])
    with hebeidb.open(path) as db:
        db.site(folder / "site")
    assert inspect_site(folder / "site") == []


def test_characters_xml_cannot_hold_do_not_stop_the_site(tmp_path: Path, built_db: Path) -> None:
    """The chart renderer stops the whole process on such a character; the site hands it none."""
    path = craft(built_db, tmp_path / "crafted.duckdb", ["unit\x1f\x00\x0b\ufffe\x08end", "\x01", "a\x7f\x9fb"])
    with hebeidb.open(path) as db:
        db.site(tmp_path / "site")
    images = sorted((tmp_path / "site").glob("*.svg"))
    assert len(images) >= 8
    assert inspect_site(tmp_path / "site") == []
    words = " ".join("".join(ET.fromstring(i.read_text("utf-8")).itertext()) for i in images)
    assert "unit\ufffd\ufffd\ufffd\ufffd\ufffdend" in words


def test_no_template_or_module_of_the_site_turns_escaping_off() -> None:
    """Escaping holds as a class only if nothing opts out: no |safe, no Markup, no autoescape switched off."""
    folder = Path(hebeidb.__file__).parent / "reader" / "site"
    texts = {path.name: path.read_text("utf-8") for path in [*folder.glob("*.py"), *(folder / "templates").iterdir()]}
    assert len(texts) >= 10
    for name, text in texts.items():
        assert not re.search(r"\|\s*safe\b", text), name
        assert "Markup" not in text, name
        assert not re.search(r"autoescape\s*(=\s*False|false)", text), name
        assert "<script" not in text.lower(), name
