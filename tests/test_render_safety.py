"""Whatever a file's report titles, notes and values hold, ``hebeidb render`` prints exactly one statement in every
dialect: text from the file becomes SQL only as a comment of one line or a quoted name."""

from __future__ import annotations

import dataclasses
import shutil
import unicodedata
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot
from conftest import cli_in_process
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hebeidb.common.sqltext import quote_identifier, sql_comment
from hebeidb.reader.database import Database
from hebeidb.reader.translate import DIALECTS, UNVERIFIED_DIALECTS, commented_sql

ALL = DIALECTS + UNVERIFIED_DIALECTS

DROPPING = "Provenance\nDROP TABLE facts;\n--"


@pytest.fixture(scope="module")
def working_copy(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the database whose report metadata the tests rewrite."""
    copy = tmp_path_factory.mktemp("render") / "hebei.duckdb"
    shutil.copyfile(built_db, copy)
    return copy


def set_title_and_note(database: Path, report: str, title: str, note: str) -> None:
    """Give ``report`` this title and portability note in the file, as a crafted file could."""
    with duckdb.connect(str(database)) as con:
        (metadata,) = con.execute("SELECT metadata FROM core.reports WHERE name = $n", {"n": report}).fetchone()
        lines = [line for line in metadata.split("\n") if not line.startswith(("title =", "portable ="))]
        lines.insert(0, f"title = {toml_string(title)}\nportable = {toml_string(note)}")
        con.execute(
            "UPDATE core.reports SET metadata = $m, title = $t WHERE name = $n",
            {"m": "\n".join(lines), "t": title, "n": report},
        )


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string: backslash and quote escaped, every control character as ``\\uXXXX``."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(f"\\u{ord(c):04x}" if unicodedata.category(c) == "Cc" else c for c in escaped) + '"'


def statements(sql: str, dialect: str) -> int:
    """How many statements ``dialect`` reads in ``sql`` (comments alone are no statement)."""
    if dialect == "duckdb":
        return len(duckdb.extract_statements(sql))
    return len([tree for tree in sqlglot.parse(sql, read=dialect) if tree is not None])


def render(database: Path, report: str, dialect: str, *params: str) -> str:
    args = ["render", report, "--dialect", dialect, "--db", str(database), *params]
    if dialect in UNVERIFIED_DIALECTS:
        args.append("--unverified")
    result = cli_in_process(*args)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("dialect", ALL)
def test_a_title_that_ends_its_comment_adds_no_statement(working_copy: Path, dialect: str) -> None:
    set_title_and_note(working_copy, "provenance", DROPPING, "fine\r\nDELETE FROM facts;")
    out = render(working_copy, "provenance", dialect, "--param", "fact_id=tokyo2020_hebei_gold")
    assert statements(out, dialect) == 1, out
    assert "\nDROP TABLE" not in out and "\nDELETE" not in out
    assert out.splitlines()[0 if dialect in DIALECTS else 1].startswith("-- report provenance: Provenance\\nDROP")


# Any text: line breaks of every kind (\n, \r, \x0b, \x0c, \x85, \u2028, \u2029), quotes, comment markers, NUL.
TEXT = st.lists(
    st.one_of(
        st.characters(codec="utf-8", exclude_categories=["Cs"]),
        st.sampled_from(["\n", "\r", "\x0b", "\x0c", "\x85", "\u2028", "\u2029", "--", "/*", "*/", ";", "'", '"']),
    ),
    max_size=30,
).map("".join)


@pytest.fixture(scope="module")
def translations(db: Database) -> dict[str, Any]:
    """The medals report for every engine, translated once (its title and note do not change the query)."""
    return {dialect: db.translate("medals", dialect, unverified=True, kind="national_games") for dialect in ALL}


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=TEXT, note=TEXT, value=TEXT)
def test_any_title_note_or_value_renders_as_one_statement_in_every_dialect(
    db: Database, translations: dict[str, Any], title: str, note: str, value: str
) -> None:
    spec = dataclasses.replace(db.report_spec("medals"), title=title, portable=False, portability_note=note)
    for dialect, translation in translations.items():
        bound = tuple(dataclasses.replace(p, value=value) for p in translation.parameters)
        out = commented_sql(spec, dataclasses.replace(translation, parameters=bound))
        assert statements(out, dialect) == 1, out
        header = out.split("SELECT", 1)[0]
        assert all(line.startswith("-- ") for line in header.splitlines()), header


@given(text=TEXT)
def test_a_comment_is_one_line_whatever_it_holds(text: str) -> None:
    comment = sql_comment(text)
    assert comment.startswith("-- ") and len(comment.splitlines()) == 1
    assert statements(comment + "\nSELECT 1", "duckdb") == 1


@given(name=st.text(min_size=1, max_size=30))
def test_a_quoted_name_is_one_name_whatever_it_holds(name: str) -> None:
    """What the SQLite export does with a column's name: quoted, it can add no column and no statement."""
    sql = f"SELECT 1 AS {quote_identifier(name)}"
    if "\x00" in name:
        return  # no engine takes a NUL inside a name; DuckDB never reports one
    with duckdb.connect() as con:
        assert con.execute(sql).description[0][0] == name
