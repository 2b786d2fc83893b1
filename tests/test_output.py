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
    # Six wide columns cannot share 50 terminal columns at a readable width (ten each): records, wrapped.
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
        assert len(line) <= 50, line
    assert " ".join(pieces["text"]) == words
    assert len(pieces["text"]) > 1
    assert "".join(pieces["blob"]) == unbroken
    assert len(pieces["blob"]) > 1
    assert lines[-1] == "(1 row)"


def test_table_width_defaults_to_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "30")
    narrow = written(["label", "value"], [["x" * 40, 1]], "table", width=None)
    # The long label wraps inside its column so that every line fits 30 columns, and none of it is lost.
    assert all(len(line) <= 30 for line in narrow.splitlines())
    assert "".join(line.split()[0] for line in narrow.splitlines()[2:-1]) == "x" * 40
    monkeypatch.setenv("COLUMNS", "200")
    wide = written(["label", "value"], [["x" * 40, 1]], "table", width=None)
    assert wide.splitlines()[0] == "label" + " " * 37 + "value"


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
