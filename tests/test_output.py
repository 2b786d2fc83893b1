"""Output formats: table, CSV, JSON and Markdown as the command line writes them (``hebeidb.common.output``)."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import unicodedata
from typing import Any

import pytest

from hebeidb.common.output import FORMATS, write_rows


def written(columns: list[str], rows: list[list[Any]], fmt: str, width: int | None = 80) -> str:
    out = io.StringIO()
    write_rows(columns, rows, fmt, out, width=width)
    return out.getvalue()


def test_unknown_format_is_refused_with_the_formats() -> None:
    with pytest.raises(ValueError) as caught:
        written(["a"], [[1]], "xml")
    assert str(caught.value) == "unknown format 'xml'; formats: table, csv, json, markdown"
    assert FORMATS == ("table", "csv", "json", "markdown")


def test_csv_quotes_what_needs_quoting_and_reads_back() -> None:
    rows = [
        ["a, b", 'say "hi"', "two\nlines", None, True, 3.0, decimal.Decimal("1.50"), dt.date(2022, 3, 4)],
        ["", "x", "y", "z", False, 2.25, decimal.Decimal("-7"), None],
    ]
    out = written(["c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8"], rows, "csv")
    assert out.startswith("c1,c2,c3,c4,c5,c6,c7,c8\n")
    back = list(csv.reader(io.StringIO(out)))
    assert back[1] == ["a, b", 'say "hi"', "two\nlines", "", "true", "3", "1.5", "2022-03-04"]
    assert back[2] == ["", "x", "y", "z", "false", "2.25", "-7", ""]


def test_json_turns_duckdb_values_into_plain_json() -> None:
    rows = [
        [
            decimal.Decimal("1.50"),
            decimal.Decimal("12.000"),
            dt.date(2022, 3, 4),
            dt.datetime(2026, 2, 10, 8, 30, 0),
            dt.time(9, 5),
            b"\x00\xff",
            [decimal.Decimal("2.5"), dt.date(2020, 1, 1), None],
            {1: decimal.Decimal("3"), "k": (b"\x01",)},
            "河北",
            None,
        ]
    ]
    columns = ["dec", "whole", "date", "stamp", "time", "blob", "list", "map", "text", "null"]
    out = written(columns, rows, "json")
    assert out.endswith("]\n")
    assert "河北" in out  # not escaped as \uXXXX
    [record] = json.loads(out)
    assert record == {
        "dec": 1.5,
        "whole": 12,
        "date": "2022-03-04",
        "stamp": "2026-02-10T08:30:00",
        "time": "09:05:00",
        "blob": "00ff",
        "list": [2.5, "2020-01-01", None],
        "map": {"1": 3, "k": ["01"]},
        "text": "河北",
        "null": None,
    }
    assert type(record["whole"]) is int and type(record["dec"]) is float


def test_json_of_no_rows_is_an_empty_list() -> None:
    assert json.loads(written(["a", "b"], [], "json")) == []


def test_markdown_escapes_pipes_backslashes_and_newlines() -> None:
    rows = [["a|b", "back\\slash", "two\nlines"], [None, 1.0, "x"]]
    out = written(["col|1", "col2", "col3"], rows, "markdown")
    lines = out.splitlines()
    assert lines == [
        "| col\\|1 | col2 | col3 |",
        "|---|---|---|",
        "| a\\|b | back\\\\slash | two lines |",
        "|  | 1 | x |",
    ]
    # Every line has exactly four unescaped pipes: the table keeps three columns.
    for line in lines:
        assert line.replace("\\\\", "").replace("\\|", "").count("|") == 4


def table_lines(columns: list[str], rows: list[list[Any]], width: int = 80) -> list[str]:
    return written(columns, rows, "table", width).splitlines()


def test_table_right_aligns_numeric_columns_and_left_aligns_text() -> None:
    rows = [["hebei", 12, "1,300,000", None, "-"], ["china", 207, "98.5", None, "x"], ["x", -3, "-4", None, "y"]]
    lines = table_lines(["region", "gold", "amount", "empty", "note"], rows)
    assert lines[0] == "region  gold     amount  empty  note"
    assert lines[1] == "------  ----  ---------  -----  ----"
    assert lines[2] == "hebei     12  1,300,000         -"
    assert lines[3] == "china    207       98.5         x"
    assert lines[4] == "x         -3         -4         y"
    assert lines[5] == "(3 rows)"
    assert all(line == line.rstrip() for line in lines)


@pytest.mark.parametrize(("count", "footer"), [(0, "(0 rows)"), (1, "(1 row)"), (2, "(2 rows)")])
def test_table_counts_its_rows(count: int, footer: str) -> None:
    lines = table_lines(["n"], [[i] for i in range(count)])
    assert lines[-1] == footer
    assert len(lines) == 2 + count + 1


def test_table_puts_a_multi_line_value_on_one_line() -> None:
    lines = table_lines(["a", "b"], [["one\ntwo", "z"]])
    assert lines[2] == "one two  z"


def test_table_that_does_not_fit_switches_to_one_block_per_record() -> None:
    """Three columns cannot share 25 terminal columns at a readable width: one block per record."""
    columns = ["label", "value", "quote"]
    rows = [["Persons certified", 1300000, "over 1.3 million people"], ["Schools", 9, None]]
    out = written(columns, rows, "table", width=25)
    assert out.splitlines() == [
        "-[ 1 ]-------------------",
        "label | Persons certified",
        "value | 1300000",
        "quote | over 1.3 million",
        "      | people",
        "-[ 2 ]-------------------",
        "label | Schools",
        "value | 9",
        "quote |",
        "(2 rows)",
    ]


def test_record_layout_wraps_long_values_without_losing_text() -> None:
    words = " ".join(f"word{i}" for i in range(60))
    unbroken = "x" * 95
    # Six wide columns cannot share 50 terminal columns at a readable width: records, wrapped.
    wide = ["a" * 30, "b" * 30, "c" * 30]
    lines = table_lines(["id", "text", "blob", "a", "b", "c"], [[1, words, unbroken, *wide]], width=50)
    assert lines[0].startswith("-[ 1 ]")
    pieces: dict[str, list[str]] = {}
    current = ""
    for line in lines[1:-1]:
        name, bar, value = line.partition(" | ") if " | " in line else (line[:-2], " |", "")
        assert bar, line
        current = name.strip() or current
        pieces.setdefault(current, []).append(value)
        assert len(line) <= 50 or value == unbroken, line
    assert " ".join(pieces["text"]) == words
    assert len(pieces["text"]) > 1
    # A word longer than the line is not split: it takes a line of its own.
    assert pieces["blob"] == [unbroken]
    assert lines[-1] == "(1 row)"


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as ``sys.stdout`` does in an interactive shell."""

    def isatty(self) -> bool:
        return True


def test_table_width_defaults_to_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "30")
    out = Terminal()
    write_rows(["label", "value"], [[" ".join(["word"] * 12), 1]], "table", out)
    narrow = out.getvalue()
    # The long label wraps inside its column so that every line fits 30 columns, and none of it is lost.
    assert all(len(line) <= 30 for line in narrow.splitlines())
    assert len(narrow.splitlines()) > 4
    assert narrow.split().count("word") == 12
    monkeypatch.setenv("COLUMNS", "200")
    out = Terminal()
    write_rows(["label", "value"], [["x" * 40, 1]], "table", out)
    assert out.getvalue().splitlines()[0] == "label" + " " * 37 + "value"


@pytest.mark.parametrize("width", [None, 0])
def test_table_not_written_to_a_terminal_or_with_width_0_has_one_line_per_row(
    monkeypatch: pytest.MonkeyPatch, width: int | None
) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    rows = [[i, " ".join(f"word{j}" for j in range(40)), "河北省" * 30] for i in range(3)]
    out = Terminal() if width == 0 else io.StringIO()
    write_rows(["id", "text", "name_zh"], rows, "table", out, width=width)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 + len(rows) + 1
    for line, row in zip(lines[2:-1], rows, strict=True):
        assert line.split()[1:] == [*str(row[1]).split(), row[2]]


TOKENS = [
    "deep_news_2026_02_10",  # an id
    "1,300,000",  # a number with separators
    "https://www.itiger.com/news/1148086511",  # a URL
    "well-known",  # a hyphenated word
    "a4ace8c3e8614fbcb39c5e74624bbbd3c761257112cbefe569dd143a89601fcd",  # a sha256
    "beijing_2022_winter_paralympics",
]


@pytest.mark.parametrize("width", [40, 60, 80, 120])
@pytest.mark.parametrize("layout", ["table", "records"])
def test_wrapping_never_splits_a_word_an_id_or_a_number(width: int, layout: str) -> None:
    text = " ".join(f"{token} and some words between {token}" for token in TOKENS)
    text += " 河北省残疾人联合会 deep_news_2026_02_10"
    columns = ["id", "text"] if layout == "table" else ["id", "text", "a", "b", "c", "d"]
    extra = [] if layout == "table" else ["y" * 25] * 4
    out = written(columns, [[7, text, *extra]], "table", width)
    lines = out.splitlines()
    # Side by side only where the longest word (the sha256) fits its column beside the id.
    longest = max(len(token) for token in TOKENS)
    assert lines[0].startswith("-[ 1 ]") == (layout == "records" or width < 1 + 2 + longest)
    pieces = [line.split(" | ", 1)[-1] if " | " in line else line[3:] for line in lines[1:-1]]
    for token in TOKENS:
        # Every token stands whole on one line, never cut in two.
        assert any(token in piece.split() for piece in pieces), (token, out)
    # The Chinese name may break between characters (it has no spaces), never losing one.
    assert "".join("".join(piece.split()) for piece in pieces).count("河北省残疾人联合会") == 1
    for line, piece in zip(lines[1:-1], pieces, strict=True):
        # Only a word longer than the line passes the width, on a line of its own.
        assert display_width(line) <= width or piece.strip() in TOKENS, line


def test_chinese_text_wraps_between_characters_and_keeps_latin_words_whole() -> None:
    text = "河北省残疾人联合会" * 4 + " deep_news_2026_02_10 " + "残疾人" * 5
    lines = table_lines(["id", "name_zh"], [[1, text]], width=40)
    assert lines[0].split() == ["id", "name_zh"]
    cells = [line[3:].strip() for line in lines[2:-1]]
    assert all(display_width(line) <= 40 for line in lines)
    assert sum("河" in cell for cell in cells) >= 2  # broken where it had to be
    assert "deep_news_2026_02_10" in cells or any("deep_news_2026_02_10" in c.split() for c in cells)
    assert "".join("".join(c.split()) for c in cells) == "".join(text.split())


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def test_table_aligns_columns_holding_chinese_names() -> None:
    """Widths are counted in terminal columns, where a Chinese character takes two, so
    `hebeidb sql "SELECT name_zh, level FROM regions"` prints a straight table."""
    rows = [["河北省", "province"], ["保定市", "prefecture_city"], ["", "country"]]
    lines = table_lines(["name_zh", "level"], rows)
    starts = set()
    for line in lines[:2] + lines[2:5]:
        level = line.rstrip().split()[-1]
        starts.add(display_width(line[: line.rindex(level)]))
    assert len(starts) == 1, "\n".join(lines)
