"""Write query results as a terminal table, CSV, JSON or Markdown (one helper for every command)."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import shutil
import textwrap
import unicodedata
from collections.abc import Sequence
from typing import Any, TextIO

FORMATS = ("table", "csv", "json", "markdown")


_AS_IS = (str, int, float, type(None))


def plain(value: Any) -> Any:
    """A JSON-friendly version of a DuckDB value (Decimal, date, ...)."""
    if type(value) in _AS_IS:
        return value
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, bytes):
        return value.hex()
    return value


def text(value: Any) -> str:
    """How a value reads in a table cell or CSV field; NULL is empty."""
    kind = type(value)
    if kind is str:  # most cells: no conversion
        return value
    if kind is int:
        return str(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    value = plain(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def write_rows(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str, out: TextIO, width: int | None = None
) -> None:
    """Write ``rows`` in format ``fmt`` (table, csv, json or markdown)."""
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[text(v) for v in row] for row in rows])
    elif fmt == "json":
        records = [dict(zip(columns, (plain(v) for v in row), strict=True)) for row in rows]
        json.dump(records, out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif fmt == "markdown":
        out.write(_markdown(columns, rows))
    elif fmt == "table":
        out.write(_table(columns, rows, width or shutil.get_terminal_size((80, 24)).columns))
    else:
        raise ValueError(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}")


def _markdown(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    def cell(value: Any) -> str:
        return text(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(c) for c in columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _table(columns: Sequence[str], rows: Sequence[Sequence[Any]], width: int) -> str:
    """Columns side by side when they fit the terminal, else one record per block (like psql's \\x)."""
    cells = [[text(v).replace("\n", " ") for v in row] for row in rows]
    widths = [max([_width(c)] + [_width(row[i]) for row in cells]) for i, c in enumerate(columns)]
    count = f"({len(rows)} row{'s' if len(rows) != 1 else ''})\n"
    if sum(widths) + 2 * (len(widths) - 1) <= width:
        right = [
            all(_numeric(row[i]) for row in cells if row[i]) and any(row[i] for row in cells)
            for i in range(len(columns))
        ]

        def line(values: Sequence[str]) -> str:
            parts = [
                " " * (w - _width(v)) + v if r else v + " " * (w - _width(v))
                for v, w, r in zip(values, widths, right, strict=True)
            ]
            return "  ".join(parts).rstrip()

        out = io.StringIO()
        out.write(line(list(columns)) + "\n")
        out.write("  ".join("-" * w for w in widths) + "\n")
        for row in cells:
            out.write(line(row) + "\n")
        out.write(count)
        return out.getvalue()
    label = max((len(c) for c in columns), default=0)
    room = max(width - label - 3, 20)
    out = io.StringIO()
    for number, row in enumerate(cells, 1):
        out.write(f"-[ {number} ]".ljust(min(width, label + 3 + 20), "-") + "\n")
        for name, value in zip(columns, row, strict=True):
            # Wrap long values under themselves rather than cut them: nothing is lost.
            pieces = textwrap.wrap(value, room, break_long_words=True, break_on_hyphens=False) or [""]
            out.write(f"{name.ljust(label)} | {pieces[0]}".rstrip() + "\n")
            for piece in pieces[1:]:
                out.write(f"{'':{label}} | {piece}".rstrip() + "\n")
    out.write(count)
    return out.getvalue()


def _width(value: str) -> int:
    """Columns a string takes in a terminal: East Asian wide characters (河北省) take two."""
    if value.isascii():
        return len(value)
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in value)


def _numeric(value: str) -> bool:
    try:
        float(value.replace(",", ""))
    except ValueError:
        return False
    return True
