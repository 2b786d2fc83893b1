"""Control characters a file holds never reach the terminal as such: tables, Markdown, help and messages show
them escaped; CSV and JSON keep the data exactly."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import duckdb
import pytest
from safety import copy_database

# An OSC 52 sequence writes the clipboard; CSI 2J clears the screen; BEL rings.
CLIPBOARD = "\x1b]52;c;aGVsbG8=\x07"
CLEAR = "\x1b[2J"
LABEL = f"Persons{CLIPBOARD}benefiting{CLEAR}"
RAW = ("\x1b", "\x07", "\x9b")


@pytest.fixture(scope="module")
def crafted(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the database with control characters in a label, a report's title and a domain's name."""
    database = copy_database(built_db, tmp_path_factory.mktemp("crafted"))
    with duckdb.connect(str(database)) as con:
        con.execute("UPDATE core.indicators SET label_en = $l WHERE indicator_id = 'persons_benefiting'", {"l": LABEL})
        con.execute("UPDATE core.reports SET title = $t WHERE name = 'medals'", {"t": f"Medals{CLEAR}"})
        (metadata,) = con.execute("SELECT metadata FROM core.reports WHERE name = 'medals'").fetchone()
        metadata = metadata.replace('title = "Medal tallies"', 'title = "Medal\\u001b]52;c;x\\u0007 tallies"')
        con.execute("UPDATE core.reports SET metadata = $m WHERE name = 'medals'", {"m": metadata})
    return database


def raw(text: str) -> list[str]:
    return [char for char in RAW if char in text]


@pytest.mark.parametrize(
    "args",
    [
        ("sql", "SELECT label FROM facts WHERE fact_id = 'persons_benefiting'"),
        ("sql", "SELECT label FROM facts WHERE fact_id = 'persons_benefiting'", "--format", "markdown"),
        ("search", "benefiting"),
        ("reports",),
        ("report", "medals", "--help"),
        ("describe", "facts"),
    ],
)
def test_tables_markdown_and_help_show_control_characters_escaped(
    crafted: Path, args: tuple[str, ...], run_cli
) -> None:
    options = ("--db", str(crafted))
    result = run_cli(*args[:-1], *options, "--help") if args[-1] == "--help" else run_cli(*args, *options)
    assert result.returncode == 0, result.stderr
    assert raw(result.stdout) == [] and raw(result.stderr) == []
    escaped = "Persons\\x1b]52;c;aGVsbG8=\\x07benefiting\\x1b[2J"
    if "markdown" in args:  # Markdown writes a backslash as two, which it reads as one
        assert escaped.replace("\\", "\\\\") in result.stdout
    elif args[0] in ("sql", "search"):
        assert escaped in result.stdout
    if args[0] == "report":
        assert "Medal\\x1b]52;c;x\\x07 tallies" in result.stdout


def test_messages_quoting_the_file_or_the_command_line_show_them_escaped(crafted: Path, run_cli) -> None:
    result = run_cli("report", f"medals{CLEAR}", "--db", str(crafted))
    assert result.returncode == 2
    assert raw(result.stderr) == [] and "medals\\x1b[2J" in result.stderr


def test_csv_and_json_keep_the_data_exactly(crafted: Path, run_cli) -> None:
    query = "SELECT label FROM facts WHERE fact_id = 'persons_benefiting'"
    as_csv = run_cli("sql", query, "--db", str(crafted), "--format", "csv")
    assert list(csv.reader(io.StringIO(as_csv.stdout)))[1] == [LABEL]
    as_json = run_cli("sql", query, "--db", str(crafted), "--format", "json")
    assert json.loads(as_json.stdout) == [{"label": LABEL}]
