"""The ``hebeidb`` command against a copy of the session database: run in this process (``run_cli``), and
as the installed command in its own process where that is what is tested (``run_cli_process``)."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import shutil
import subprocess
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
import sqlglot

from hebeidb.reader.database import Database, _catalog_sql

Run = Callable[..., subprocess.CompletedProcess[str]]

REPORT_PARAMS: list[tuple[str, dict[str, str]]] = [
    ("medals", {}),
    ("medals", {"kind": "winter_paralympics"}),
    ("medals", {"kind": "summer_paralympics", "delegation": "hebei", "since": "2021"}),
    ("indicators", {"domain": "education", "region": "hebei"}),
    ("indicators", {"order_by": "value", "since": "2025"}),
    ("consistency", {"check_kind": "share"}),
    ("domain_summary", {"region": "hebei"}),
    ("provenance", {"fact_id": "persons_benefiting"}),
    ("timeline", {"since": "2024", "until": "2026"}),
]
COMMANDS = ("build", "check", "reports", "report", "sql", "render", "lineage")
DIALECTS = ("duckdb", "postgres", "spark", "sqlite")


@pytest.fixture
def db_path(tmp_path: Path, built_db: Path) -> Path:
    """A copy of the session database, so that the command never rebuilds nor touches the original."""
    target = tmp_path / "db" / "hebei.duckdb"
    target.parent.mkdir()
    shutil.copy(built_db, target)
    return target


def param_args(params: dict[str, str]) -> list[str]:
    return [arg for name, value in params.items() for arg in ("--param", f"{name}={value}")]


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def api_rows(db: Database, name: str, params: dict[str, str]) -> tuple[list[str], list[tuple[Any, ...]]]:
    relation = db.report(name, **params)
    return relation.columns, relation.fetchall()


def same_cell_text(text: str, value: Any) -> bool:
    """Does a CSV field read as the API's value?"""
    if value is None:
        return text == ""
    if isinstance(value, bool):
        return text == ("true" if value else "false")
    if isinstance(value, (int, float, decimal.Decimal)):
        return text != "" and float(text) == pytest.approx(float(value), abs=1e-9)
    if isinstance(value, (dt.date, dt.datetime)):
        return text == value.isoformat()
    return text == str(value)


def same_json_value(item: Any, value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return item is value
    if isinstance(value, (int, float, decimal.Decimal)):
        return isinstance(item, (int, float)) and not isinstance(item, bool) and item == pytest.approx(float(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return item == value.isoformat()
    return item == value


# --- reports and report -----------------------------------------------------------------------


def test_reports_lists_every_report(run_cli: Run, db_path: Path, db: Database) -> None:
    out = ok(run_cli("reports", "--db", str(db_path), "--format", "csv"))
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["name"] for r in rows] == [s.name for s in db.reports()]
    for row, spec in zip(rows, db.reports(), strict=True):
        assert row["title"] == spec.title
        assert row["view"] == f"report_{spec.name}"
        for parameter in spec.parameters:
            assert parameter.name in row["parameters"]


def test_reports_table_fits_80_columns(run_cli: Run, db_path: Path, db: Database) -> None:
    out = ok(run_cli("reports", "--width", "80", "--db", str(db_path)))
    assert max(len(line) for line in out.splitlines()) <= 80
    for spec in db.reports():
        assert spec.name in out


@pytest.mark.parametrize(("name", "params"), REPORT_PARAMS)
def test_report_csv_equals_the_api(run_cli: Run, db_path: Path, db: Database, name: str, params: dict) -> None:
    out = ok(run_cli("report", name, *param_args(params), "--format", "csv", "--db", str(db_path)))
    columns, rows = api_rows(db, name, params)
    assert rows, "pick parameters that return rows"
    parsed = list(csv.reader(io.StringIO(out)))
    assert parsed[0] == columns
    assert len(parsed) - 1 == len(rows)
    for line, row in zip(parsed[1:], rows, strict=True):
        mismatched = [(c, t, v) for c, t, v in zip(columns, line, row, strict=True) if not same_cell_text(t, v)]
        assert not mismatched


@pytest.mark.parametrize(("name", "params"), REPORT_PARAMS)
def test_report_json_equals_the_api(run_cli: Run, db_path: Path, db: Database, name: str, params: dict) -> None:
    out = ok(run_cli("report", name, *param_args(params), "--format", "json", "--db", str(db_path)))
    columns, rows = api_rows(db, name, params)
    records = json.loads(out)
    assert len(records) == len(rows)
    for record, row in zip(records, rows, strict=True):
        assert list(record) == columns
        mismatched = [(c, record[c], v) for c, v in zip(columns, row, strict=True) if not same_json_value(record[c], v)]
        assert not mismatched


@pytest.mark.parametrize(("name", "params"), REPORT_PARAMS)
def test_report_markdown(run_cli: Run, db_path: Path, db: Database, name: str, params: dict) -> None:
    out = ok(run_cli("report", name, *param_args(params), "--format", "markdown", "--db", str(db_path)))
    columns, rows = api_rows(db, name, params)
    lines = out.splitlines()
    assert lines[0] == "| " + " | ".join(columns) + " |"
    assert set(lines[1]) <= {"|", "-", ":"}
    assert len(lines) == len(rows) + 2
    assert all(line.startswith("| ") and line.endswith(" |") for line in lines[2:])


@pytest.mark.parametrize(("name", "params"), REPORT_PARAMS)
def test_report_table_fits_80_columns(run_cli: Run, db_path: Path, db: Database, name: str, params: dict) -> None:
    out = ok(run_cli("report", name, *param_args(params), "--width", "80", "--db", str(db_path)))
    _, rows = api_rows(db, name, params)
    # Only a word longer than a line (a sha256, a URL) may pass the width, on a line of its own.
    too_long = [line for line in out.splitlines() if len(line) > 80 and len(line.split(" | ", 1)[-1].split()) > 1]
    assert not too_long
    assert out.splitlines()[-1] == f"({len(rows)} row{'s' if len(rows) != 1 else ''})"


def test_report_table_keeps_long_values(run_cli: Run, db_path: Path, db: Database) -> None:
    out = ok(run_cli("report", "provenance", "--param", "fact_id=persons_benefiting", "--db", str(db_path)))
    [(title,)] = db.sql("SELECT title FROM sources WHERE kind = 'document'").fetchall()
    assert len(title) > 40
    flattened = " ".join(line.split(" | ", 1)[-1].strip() for line in out.splitlines())
    assert title in flattened


def test_short_options_equal_long_options(run_cli: Run, db_path: Path) -> None:
    long = ok(run_cli("report", "medals", "--param", "kind=national_games", "--format", "csv", "--db", str(db_path)))
    short = ok(run_cli("report", "medals", "-p", "kind=national_games", "-f", "csv", "--db", str(db_path)))
    assert long == short


def test_database_from_the_environment(run_cli: Run, db_path: Path, db: Database) -> None:
    out = ok(run_cli("report", "timeline", "--format", "json", env={"HEBEIDB_DATABASE": str(db_path)}))
    assert len(json.loads(out)) == len(db.report("timeline").fetchall())


# --- errors -----------------------------------------------------------------------------------


def usage_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr.strip()
    for word in words:
        assert word in result.stderr


def test_bad_parameter_value(run_cli: Run, db_path: Path) -> None:
    result = run_cli("report", "medals", "--param", "kind=olympics", "--db", str(db_path))
    usage_error(result, "olympics", "winter_paralympics", "national_games")


def test_parameter_of_wrong_type(run_cli: Run, db_path: Path) -> None:
    usage_error(run_cli("report", "timeline", "--param", "since=soon", "--db", str(db_path)), "since", "integer")


def test_parameter_out_of_range(run_cli: Run, db_path: Path) -> None:
    usage_error(run_cli("report", "timeline", "--param", "since=1800", "--db", str(db_path)), "since", "1900")


def test_unknown_parameter(run_cli: Run, db_path: Path) -> None:
    usage_error(
        run_cli("report", "medals", "--param", "colour=gold", "--db", str(db_path)), "colour", "kind", "delegation"
    )


def test_identifier_outside_allow_list(run_cli: Run, db_path: Path) -> None:
    result = run_cli("report", "indicators", "--param", "order_by=value; DROP TABLE facts", "--db", str(db_path))
    usage_error(result, "order_by", "fact_id", "period_end")


def test_unknown_report(run_cli: Run, db_path: Path, db: Database) -> None:
    usage_error(run_cli("report", "medal", "--db", str(db_path)), "medal", *(s.name for s in db.reports()))


@pytest.mark.parametrize("param", ["kind", "=national_games", "", " =x"])
def test_malformed_param(run_cli: Run, db_path: Path, param: str) -> None:
    usage_error(run_cli("report", "medals", "--param", param, "--db", str(db_path)), "NAME=VALUE")


def test_param_given_twice(run_cli: Run, db_path: Path) -> None:
    result = run_cli("report", "medals", "-p", "kind=all", "-p", "kind=national_games", "--db", str(db_path))
    usage_error(result, "kind")


@pytest.mark.parametrize(
    "query",
    [
        "DROP TABLE facts",
        "DELETE FROM core.facts",
        "SELECT 1; DROP TABLE facts",
        "COPY core.facts TO 'out.csv'",
        "SELECT * FROM read_csv('/etc/passwd')",
        "ATTACH 'other.duckdb' AS other",
    ],
)
def test_refused_sql(run_cli: Run, db_path: Path, db: Database, tmp_path: Path, query: str) -> None:
    usage_error(run_cli("sql", query, "--db", str(db_path)))
    assert not (tmp_path / "out.csv").exists()
    assert not (tmp_path / "other.duckdb").exists()
    out = ok(run_cli("sql", "SELECT count(*) AS n FROM core.facts", "--format", "csv", "--db", str(db_path)))
    [(count,)] = db.sql("SELECT count(*) FROM core.facts").fetchall()
    assert out == f"n\n{count}\n"


def test_failing_sql_is_a_usage_error(run_cli: Run, db_path: Path) -> None:
    usage_error(run_cli("sql", "SELECT no_such_column FROM facts", "--db", str(db_path)), "no_such_column")


def test_unknown_format_and_dialect(run_cli: Run, db_path: Path) -> None:
    usage_error(run_cli("report", "medals", "--format", "xml", "--db", str(db_path)), "csv")
    usage_error(run_cli("render", "medals", "--dialect", "oracle", "--db", str(db_path)), "sqlite")


def test_no_command_is_a_usage_error(run_cli: Run) -> None:
    result = run_cli()
    assert result.returncode == 2
    assert result.stdout == ""


# --- sql --------------------------------------------------------------------------------------


def test_sql_with_params(run_cli: Run, db_path: Path, db: Database) -> None:
    query = "SELECT fact_id, value FROM facts WHERE domain = $d AND value > $v ORDER BY fact_id"
    out = ok(run_cli("sql", query, "--param", "d=sport_results", "--param", "v=20", "-f", "json", "--db", str(db_path)))
    everything = db.sql("SELECT fact_id, domain, value FROM facts").fetchall()
    expected = sorted((f, float(v)) for f, d, v in everything if d == "sport_results" and v is not None and v > 20)
    assert expected
    assert [(r["fact_id"], float(r["value"])) for r in json.loads(out)] == expected


def test_sql_param_values_are_bound_not_pasted(run_cli: Run, db_path: Path) -> None:
    injection = "x' OR '1'='1"
    out = ok(run_cli("sql", "SELECT count(*) AS n FROM facts WHERE fact_id = $f", "-p", f"f={injection}", "-f", "csv",
                     "--db", str(db_path)))  # fmt: skip
    assert out == "n\n0\n"


# --- render -----------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
def test_render_each_dialect(run_cli: Run, db_path: Path, dialect: str) -> None:
    result = run_cli("render", "medals", "--param", "kind=national_games", "--dialect", dialect, "--db", str(db_path))
    out = ok(result)
    assert f"({dialect})" in out.splitlines()[0]
    assert "national_games" in out  # in the bind comment
    body = "\n".join(line for line in out.splitlines() if not line.startswith("--"))
    assert "SELECT" in body.upper()
    parsed = sqlglot.parse_one(body, read=dialect)
    assert "medal_tallies" in {table.name for table in parsed.find_all(sqlglot.exp.Table)}


def test_render_unverified_dialect_is_refused_without_the_flag(run_cli: Run, db_path: Path) -> None:
    usage_error(run_cli("render", "medals", "--dialect", "trino", "--db", str(db_path)), "--unverified")
    out = ok(run_cli("render", "medals", "--dialect", "trino", "--unverified", "--db", str(db_path)))
    assert out.splitlines()[0].startswith("-- UNVERIFIED:")
    assert "-- UNVERIFIED" not in ok(run_cli("render", "medals", "--dialect", "spark", "--db", str(db_path)))


@pytest.mark.parametrize(
    ("dialect", "style", "marks"),
    [("postgres", "$n", ["$1", "$2", "$3"]), ("spark", ":name", [":delegation", ":kind", ":since"]),
     ("sqlite", ":name", [":kind"]), ("duckdb", "$name", ["$kind"])],
)  # fmt: skip
def test_render_json_gives_sql_style_and_typed_values(
    run_cli: Run, db_path: Path, dialect: str, style: str, marks: list[str]
) -> None:
    params = ["--param", "kind=national_games", "--param", "since=2021", "--param", "delegation=hebei"]
    document = json.loads(ok(run_cli("render", "medals", *params, "--dialect", dialect, "-f", "json", "--db",
                                     str(db_path))))  # fmt: skip
    assert document["report"] == "medals" and document["dialect"] == dialect and document["verified"] is True
    assert document["placeholder_style"] == style
    assert all(mark in document["sql"] for mark in marks)
    values = {p["name"]: (p["type"], p["value"]) for p in document["parameters"]}
    assert values == {"kind": ("text", "national_games"), "since": ("integer", 2021), "delegation": ("text", "hebei")}
    if style == "$n":  # numbered in the order of first use, each value once
        names = [p["name"] for p in document["parameters"]]
        for index in range(1, len(names) + 1):
            assert f"${index}" in document["sql"]
        assert document["sql"].index("$1") < document["sql"].index("$2") < document["sql"].index("$3")
        assert names == ["kind", "since", "delegation"]


@pytest.mark.parametrize("name", ["consistency", "domain_summary", "indicators", "provenance", "timeline"])
def test_render_every_report_for_every_dialect(run_cli: Run, db_path: Path, name: str) -> None:
    for dialect in DIALECTS:
        out = ok(run_cli("render", name, "--dialect", dialect, "--db", str(db_path)))
        assert "SELECT" in out.upper()


# --- lineage ----------------------------------------------------------------------------------


def test_lineage_traces_medal_columns_to_core_tables(run_cli: Run, db_path: Path, db: Database) -> None:
    out = ok(run_cli("lineage", "medals", "--format", "csv", "--db", str(db_path)))
    rows = {r["column"]: r["sources"] for r in csv.DictReader(io.StringIO(out))}
    assert list(rows) == db.report("medals").columns
    core = _catalog_sql(db._connection)[0]["core"]
    for column in ("gold", "silver", "bronze", "competition", "delegation"):
        sources = [s.strip() for s in rows[column].split(",")]
        assert sources, column
        for source in sources:
            schema, table, name = source.split(".", 2)
            assert schema == "core", source
            assert name.strip('"') in core[table], source
    assert any(s.strip().endswith(".gold") for s in rows["gold"].split(","))


# --- help and version -------------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(run_cli: Run, command: str) -> None:
    out = ok(run_cli(command, "--help"))
    assert "example" in out.lower()
    assert f"hebeidb {command}" in out


def test_top_level_help_has_an_example(run_cli: Run) -> None:
    out = ok(run_cli("--help"))
    assert "example" in out.lower()
    for command in COMMANDS:
        assert command in out


def test_version_of_the_installed_command(run_cli_process: Run) -> None:
    assert ok(run_cli_process("--version")) == f"hebeidb {version('hebeidb')}\n"


def test_check_of_a_folder_without_inputs_is_a_clear_error(tmp_path: Path, run_cli: Run) -> None:
    """A one-line error naming the folder, not a FileNotFoundError traceback."""
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_cli("check", "--inputs", str(empty))
    assert result.returncode in (1, 2), result
    assert "Traceback" not in result.stderr, result.stderr[-600:]
    assert result.stderr.startswith("hebeidb: ")
    assert f"{empty} has no schema/ or seeds/ folder" in result.stderr


# --- a DuckDB error no command foresaw: one line, never a traceback -------------------------------------------


def _real_duckdb_error(kind: str) -> Exception:
    """An error DuckDB itself raises, of the kind asked for."""
    import duckdb

    con = duckdb.connect(config={"memory_limit": "2MB"})
    statements = {
        "out of memory": "SELECT list(range) FROM range(1000000)",
        "conversion": "SELECT CAST('x' AS INTEGER)",
        "invalid input": "SELECT error('refused by the engine')",
    }
    try:
        con.execute(statements[kind]).fetchall()
    except duckdb.Error as error:
        return error
    finally:
        con.close()
    raise AssertionError(f"DuckDB ran {statements[kind]!r}")


def command_raises(monkeypatch: pytest.MonkeyPatch, command: str, error: Exception) -> None:
    """The handler of ``command`` raises ``error`` (an error no command foresaw)."""
    import dataclasses

    from hebeidb import cli

    def fails(args: Any) -> int:
        raise error

    monkeypatch.setitem(cli._COMMANDS, command, dataclasses.replace(cli._COMMANDS[command], handler=fails))


@pytest.mark.parametrize("kind", ["out of memory", "conversion", "invalid input"])
@pytest.mark.parametrize("command", [["reports"], ["report", "medals"], ["search", "gold"]])
def test_an_unforeseen_duckdb_error_is_one_line_with_exit_code_1(
    command: list[str], kind: str, db_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: Run
) -> None:
    error = _real_duckdb_error(kind)
    command_raises(monkeypatch, command[0], error)
    result = run_cli(*command, "--db", str(db_path))
    assert result.returncode == 1
    assert result.stderr == f"hebeidb: DuckDB: {str(error).splitlines()[0]}\n"


def test_any_other_unforeseen_error_is_not_hidden(db_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: Run) -> None:
    command_raises(monkeypatch, "reports", RuntimeError("a bug"))
    with pytest.raises(RuntimeError, match="a bug"):
        run_cli("reports", "--db", str(db_path))
