"""Readable output: tables that fit the terminal, picked columns, whole numbers, reports that describe themselves."""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from hebeidb.cli import _COMMANDS
from hebeidb.common.output import MIN_TEXT_WIDTH, write_rows
from hebeidb.reader.database import Database

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def db_path(tmp_path: Path, built_db: Path) -> Path:
    target = tmp_path / "hebei.duckdb"
    shutil.copy(built_db, target)
    return target


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


# --- tables fit the terminal ------------------------------------------------------------------


@pytest.mark.parametrize("width", [60, 80, 120])
def test_wide_text_wraps_within_its_column(width: int) -> None:
    columns = ("id", "amount", "text")
    rows = [(i, 1000 * i, " ".join(["provenance"] * (i + 12)) + " 河北省") for i in range(5)]
    out = io.StringIO()
    write_rows(columns, rows, "table", out, width=width)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == list(columns)  # side by side, not one record per block
    assert all(len(line) + line.count("河") + line.count("北") + line.count("省") <= width for line in lines)
    # Nothing is cut: the words of every cell are all there, in order.
    body = " ".join(out.getvalue().split())
    for row in rows:
        assert " ".join(str(row[2]).split()) in body.replace(" 河北省", " 河北省")


def test_a_result_too_wide_to_fit_becomes_records() -> None:
    columns = [f"column_{i}" for i in range(30)]
    rows = [tuple("x" * 15 for _ in columns)]
    out = io.StringIO()
    write_rows(columns, rows, "table", out, width=80)
    assert out.getvalue().startswith("-[ 1 ]")
    assert all(len(line) <= 80 for line in out.getvalue().splitlines())


@pytest.mark.parametrize(
    ("command", "columns"),
    [
        (["report", "medals"], "competition,delegation,gold,silver,bronze,total"),
        (["report", "indicators"], "label,stated,interval"),
        (["sql", "SELECT label, quote FROM facts"], "quote,label"),
        (["report", "provenance"], "fact_id,stated,quote,title"),
    ],
)
def test_columns_pick_and_order(run_cli: Run, db_path: Path, db: Database, command: list[str], columns: str) -> None:
    out = ok(run_cli(*command, "--columns", columns, "--format", "csv", "--db", str(db_path)))
    table = list(csv.reader(io.StringIO(out)))
    assert table[0] == columns.split(",")
    wide = ok(run_cli(*command, "--columns", columns, "--width", "160", "--db", str(db_path)))
    lines = wide.splitlines()
    assert lines[0].split()[: len(columns.split(","))] == columns.split(",")  # side by side
    assert max(len(line) for line in lines) <= 160


def test_unknown_columns_are_a_usage_error(run_cli: Run, db_path: Path) -> None:
    result = run_cli("report", "medals", "--columns", "gold,golden", "--db", str(db_path))
    assert result.returncode == 2
    assert "'golden'" in result.stderr and "competition_id" in result.stderr


@pytest.mark.parametrize("width", ["80", "100", "120"])
def test_reports_on_a_terminal_give_each_description_a_readable_width(
    run_cli: Run, db_path: Path, db: Database, width: str
) -> None:
    out = ok(run_cli("reports", "--width", width, "--db", str(db_path)))
    spec = next(s for s in db.reports() if s.name == "medals")
    description = " ".join(spec.description.split())
    lines = out.splitlines()
    if lines[0].startswith("-[ 1 ]"):  # one block per report: the description takes the width beside its label
        pieces = [line.split(" | ", 1)[1] for line in lines if " | " in line and not line.startswith("-[")]
    else:
        start = lines[0].index("description")
        end = lines[0].index("parameters")
        pieces = [line[start:end] for line in lines[2:-1]]
    assert description in " ".join(" ".join(pieces).split())
    longest = max(len(piece.rstrip()) for piece in pieces)
    assert longest >= MIN_TEXT_WIDTH - 5, out  # never squeezed into a narrow column
    assert max(len(line) for line in lines) <= int(width)


@pytest.mark.parametrize(
    "command",
    [["reports"], ["report", "provenance"], ["report", "medals"], ["describe", "facts"], ["search", "autism"]],
)
def test_output_to_a_pipe_has_one_line_per_row(run_cli: Run, db_path: Path, db: Database, command: list[str]) -> None:
    """Output that is not a terminal is not wrapped (as `sqlite-utils` and the `duckdb` shell write it): `grep`
    finds a whole row, whatever its length."""
    out = ok(run_cli(*command, "--db", str(db_path)))
    rows = ok(run_cli(*command, "--format", "json", "--db", str(db_path)))
    count = len(json.loads(rows))
    lines = out.splitlines()
    assert len(lines) == 2 + count + 1, out
    assert lines[-1] == f"({count} row{'s' if count != 1 else ''})"
    if command == ["reports"]:
        for spec in db.reports():
            [line] = [line for line in lines if spec.title in line]
            assert " ".join(spec.description.split()) in line


def test_width_0_never_wraps_and_a_bad_width_is_refused(run_cli: Run, db_path: Path) -> None:
    unwrapped = ok(run_cli("report", "provenance", "--width", "0", "--db", str(db_path)))
    assert unwrapped == ok(run_cli("report", "provenance", "--db", str(db_path)))
    for bad in ("-1", "wide", "1.5"):
        result = run_cli("report", "provenance", "--width", bad, "--db", str(db_path))
        assert result.returncode == 2
        assert "--width" in result.stderr and repr(bad) in result.stderr


def test_a_terminal_gets_tables_wrapped_to_its_width(built_db: Path, tmp_path: Path) -> None:
    """The command as a process writing to a (pseudo-)terminal of 70 columns, then to a pipe."""
    import os
    import pty

    from conftest import CLI

    env = {**os.environ, "COLUMNS": "70", "LINES": "24"}
    command = [*CLI, "report", "provenance", "--columns", "fact_id,quote", "--db", str(built_db)]
    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen(command, stdout=terminal, stderr=subprocess.PIPE, env=env, cwd=tmp_path)
        os.close(terminal)
        chunks = []
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal closed: the command has finished writing
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=120) == 0, process.stderr.read() if process.stderr else ""
    finally:
        os.close(controller)
    shown = b"".join(chunks).decode("utf-8").replace("\r\n", "\n")
    assert max(len(line) for line in shown.splitlines()) <= 70
    piped = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, check=True).stdout
    assert len(piped.splitlines()) < len(shown.splitlines())
    assert max(len(line) for line in piped.splitlines()) > 70
    fact_ids = [line.split()[0] for line in piped.splitlines()[2:-1]]
    assert len(fact_ids) > 10
    assert all(fact_id in shown.split() for fact_id in fact_ids)  # the same rows, only the lines differ


def test_report_help_never_splits_a_word(run_cli: Run, db_path: Path, db: Database) -> None:
    for width in ("40", "60"):
        out = ok(run_cli("report", "provenance", "--help", "--width", width, "--db", str(db_path)))
        for column in db.report("provenance").columns:
            assert column in out.replace(",", " ").split()


# --- whole numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "table", "markdown"])
def test_whole_medal_counts_print_without_a_decimal(run_cli: Run, db_path: Path, db: Database, fmt: str) -> None:
    out = ok(
        run_cli("report", "medals", "--columns", "gold,silver,bronze,total", "--format", fmt, "--db", str(db_path))
    )
    cells = re.findall(r"[\d.]+", out)
    assert cells
    assert not [c for c in cells if re.fullmatch(r"\d+\.0+", c)]
    # Half medals keep their half.
    halves = [r for (r,) in db.sql("SELECT gold FROM medal_tallies WHERE gold <> round(gold)").fetchall()]
    for half in halves:
        assert str(half).rstrip("0") in out


def test_json_keeps_numbers_as_numbers(run_cli: Run, db_path: Path) -> None:
    records = json.loads(ok(run_cli("report", "medals", "--format", "json", "--db", str(db_path))))
    assert all(isinstance(r["gold"], (int, float)) for r in records if r["gold"] is not None)


# --- sorting ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("order_by", ["value", "period_end", "indicator"])
@pytest.mark.parametrize("descending", [False, True])
def test_indicators_sort_either_way(db: Database, order_by: str, descending: bool) -> None:
    result = db.report("indicators", order_by=order_by, descending=descending)
    index = result.columns.index(order_by)
    keys = [row[index] for row in result.fetchall() if row[index] is not None]
    assert keys == sorted(keys, reverse=descending)
    assert len(set(keys)) > 1


# --- reports describe themselves ------------------------------------------------------------------


def test_report_help_describes_every_parameter(run_cli: Run, db_path: Path, db: Database) -> None:
    for spec in db.reports():
        out = ok(run_cli("report", spec.name, "--help", "--db", str(db_path)))
        flat = " ".join(out.split())
        assert spec.title in out
        assert " ".join(spec.description.split()) in flat
        for parameter in spec.parameters:
            assert parameter.name in out
            assert " ".join(parameter.help.split()) in flat
            assert " ".join(parameter.describe().split()) in flat
        for column in db.report(spec.name).columns:
            assert column in flat


def test_report_help_for_an_unknown_report(run_cli: Run, db_path: Path) -> None:
    result = run_cli("report", "nope", "--help", "--db", str(db_path))
    assert result.returncode == 2
    assert "medals" in result.stderr


def test_generic_report_help_still_works(run_cli: Run, db_path: Path) -> None:
    out = ok(run_cli("report", "--help"))
    assert "--columns" in out and "NAME --help" in out


def test_reports_json_gives_parameters_as_objects(run_cli: Run, db_path: Path, db: Database) -> None:
    listed = json.loads(ok(run_cli("reports", "--format", "json", "--db", str(db_path))))
    for item, spec in zip(listed, db.reports(), strict=True):
        assert item["title"] == spec.title
        assert item["description"] == " ".join(spec.description.split())
        assert [p["name"] for p in item["parameters"]] == [p.name for p in spec.parameters]
        for given, parameter in zip(item["parameters"], spec.parameters, strict=True):
            assert given["type"] == parameter.type
            assert given["help"] == parameter.help
            assert given["choices"] == (list(parameter.choices) if parameter.choices is not None else None)
            assert (given["min"], given["max"]) == (parameter.minimum, parameter.maximum)


def test_reports_table_shows_titles_and_descriptions(run_cli: Run, db_path: Path, db: Database) -> None:
    table = ok(run_cli("reports", "--width", "80", "--db", str(db_path)))
    assert max(len(line) for line in table.splitlines()) <= 80
    markdown = ok(run_cli("reports", "--format", "markdown", "--db", str(db_path)))
    for spec in db.reports():
        assert spec.title in table
        assert f"| {spec.name} | {spec.title} | {' '.join(spec.description.split())} |" in markdown


# --- help examples work when pasted into bash -------------------------------------------------------


def bash_words(command: str, cwd: Path) -> list[str]:
    """The words bash passes to a command written as ``command`` (after quoting, expansion, globbing)."""
    return subprocess.run(
        ["bash", "-c", f"printf '%s\\n' {command}"],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "d": "EXPANDED"},
        check=True,
    ).stdout.splitlines()


@pytest.mark.parametrize("name", sorted(_COMMANDS))
def test_help_example_survives_bash(name: str, tmp_path: Path) -> None:
    for line in _COMMANDS[name].example.splitlines():
        for command in line.strip().split(" && "):
            # What bash gives the command is what the example shows, quotes removed: no $name expanded.
            assert bash_words(command, tmp_path) == shlex.split(command), command


def test_report_examples_survive_bash(db: Database, tmp_path: Path) -> None:
    for spec in db.reports():
        if not spec.example:
            continue
        assert bash_words(spec.example, tmp_path) == shlex.split(spec.example)


# --- extras ----------------------------------------------------------------------------------------

HIDE_MODULES = """
import sys
for name in {hidden!r}:
    sys.modules[name] = None  # import fails as if the package were not installed
import hebeidb
with hebeidb.open({path!r}) as db:
    try:
        getattr(db.report("medals"), {method!r})()
    except hebeidb.MissingLibraryError as error:
        print(error)
"""


@pytest.mark.parametrize(
    ("method", "hidden", "extra"),
    [
        ("df", ("pandas", "numpy"), "pandas"),
        ("df", ("pandas",), "pandas"),
        ("pl", ("polars",), "polars"),
        ("fetchnumpy", ("numpy",), "pandas"),
    ],
)
def test_a_missing_dataframe_library_names_the_extra(
    built_db: Path, method: str, hidden: tuple[str, ...], extra: str
) -> None:
    import sys

    code = HIDE_MODULES.format(hidden=hidden, path=str(built_db), method=method)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert f'pip install "hebeidb[{extra}]"' in out
    assert "not installed" in out


def test_csv_export_prints_whole_decimals_without_a_decimal(run_cli: Run, db_path: Path, db: Database) -> None:
    out = ok(
        run_cli(
            "export", str(db_path.parent / "out"), "--format", "csv", "--only", "medal_tallies", "--db", str(db_path)
        )
    )
    rows = list(csv.DictReader(io.StringIO((db_path.parent / "out" / "medal_tallies.csv").read_text("utf-8"))))
    assert out
    expected = db.sql("SELECT gold, silver, bronze, total FROM medal_tallies").fetchall()
    assert len(rows) == len(expected)
    shown = sorted(tuple(row[c] for c in ("gold", "silver", "bronze", "total")) for row in rows)
    # Whole counts as integers, halves with their half, missing ones empty; the values are unchanged.
    assert all(not re.fullmatch(r"\d+\.0*", cell) for row in shown for cell in row)
    assert sorted(tuple("" if v is None else f"{v.normalize():f}" for v in row) for row in expected) == shown
