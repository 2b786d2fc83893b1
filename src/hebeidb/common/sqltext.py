"""SQL text, one helper per idea: quote a name or a value, find placeholders, read an engine error.

Everything that writes SQL text or reads DuckDB's messages uses these, so that a name from a file,
a validated value or an error reads the same way everywhere.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

# A string literal, a quoted name or a comment (which hold no placeholders), or a $name placeholder.
_CODE_OR_PLACEHOLDER = re.compile(
    r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/|\$(?P<name>[A-Za-z_][A-Za-z0-9_]*)", re.S
)
# Plain lower-case names: what a view, a table, a column or a report may be called.
PLAIN_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")


def quote_identifier(name: str) -> str:
    """``name`` as a SQL identifier, double-quoted with inner quotes doubled."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: Any) -> str:
    """A SQL literal for a validated value (None, bool, int, float, date, str)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # A bare 0.1 is a DECIMAL in DuckDB; a bound value is a DOUBLE: keep them alike.
        return f"CAST({value!r} AS DOUBLE)"
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no SQL literal for {type(value).__name__}")


# Characters that would end a comment or a line in some engine, or that a terminal acts on.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def visible_controls(text: str) -> str:
    """``text`` with every control character (line breaks, escape, bell ...) written as a visible escape
    (``\\n``, ``\\x1b``), so that it stays on one line and acts on nothing: the one filter for SQL
    comments and for text shown on a terminal."""

    def escape(match: re.Match[str]) -> str:
        char = match.group(0)
        named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char)
        return named or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")

    return _CONTROL.sub(escape, text)


def sql_comment(text: str) -> str:
    """``text`` as one line comment of SQL (``-- text``), whatever it holds: nothing in it can end the comment."""
    return "-- " + visible_controls(text)


def placeholders(sql: str) -> set[str]:
    """The ``$name`` placeholders of ``sql``, ignoring string literals, quoted names and comments."""
    return {m.group("name") for m in _CODE_OR_PLACEHOLDER.finditer(sql) if m.group("name")}


def inline_placeholders(sql: str, values: Mapping[str, Any]) -> str:
    """``sql`` with each ``$name`` replaced by the literal of ``values[name]`` (strings and comments kept)."""

    def replace(match: re.Match[str]) -> str:
        name = match.group("name")
        return match.group(0) if name is None else quote_literal(values[name])

    return _CODE_OR_PLACEHOLDER.sub(replace, sql)


def is_plain_name(name: object) -> bool:
    """True for names safe to use as file names and unquoted identifiers (``facts``, ``report_medals``)."""
    return isinstance(name, str) and PLAIN_NAME.fullmatch(name) is not None


def error_first_line(error: BaseException) -> str:
    """The first line of an engine's message (or the exception's type when it says nothing)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def error_with_hints(error: BaseException) -> str:
    """DuckDB's message with the hints that help a user: "Did you mean", candidates and the ``LINE`` pointer.

    The first line carries the error with its hints in parentheses (candidate functions listed one after
    the other); when DuckDB points at the place in the query (``LINE 1: ...`` with carets under it),
    those two lines follow, as psql shows them.
    """
    lines = [line.rstrip() for line in str(error).strip().splitlines() if line.strip()]
    if not lines:
        return type(error).__name__
    hints: list[str] = []
    pointer: list[str] = []
    index = 1
    while index < len(lines):
        text = lines[index].strip()
        if text.startswith(("Did you mean", "Candidate bindings")):
            hints.append(text)
        elif text.startswith("Candidate functions"):
            listed = []
            while index + 1 < len(lines) and lines[index + 1].startswith(("\t", " ")):
                index += 1
                listed.append(lines[index].strip())
            hints.append(f"{text.rstrip(':')}: {'; '.join(listed)}" if listed else text)
        elif text.startswith("LINE ") and index + 1 < len(lines) and set(lines[index + 1].strip()) == {"^"}:
            pointer = [lines[index], lines[index + 1]]
            index += 1
        index += 1
    head = lines[0] + (f" ({'; '.join(hints)})" if hints else "")
    return "\n".join([head, *pointer])


def sql_statement_line(message: str) -> int | None:
    """The 1-based ``LINE n:`` DuckDB gives in a message (counted from the statement's start), if any."""
    match = re.search(r"LINE (\d+):", message)
    return int(match.group(1)) if match else None


def statement_kinds(text: str) -> list[tuple[str, int]]:
    """Each statement of ``text`` as (kind, line where it starts): ``[("CREATE", 3), ("ALTER", 9)]``.

    Raises ``duckdb.Error`` when the text does not parse.
    """
    import duckdb

    found = []
    offset = 0
    for statement in duckdb.extract_statements(text):
        query = statement.query
        body = query.lstrip()
        while body.startswith("--"):
            body = body.split("\n", 1)[1].lstrip() if "\n" in body else ""
        start = offset + len(query) - len(body)
        found.append((statement.type.name, text.count("\n", 0, start) + 1))
        offset += len(query)
    return found
