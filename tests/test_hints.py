"""Typos and hints: "did you mean" for commands, options, reports, parameters, values, views and columns, in the
API's errors and on the command line; long lists of allowed values shortened; install hints for the extras."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import hebeidb
from hebeidb.common.errors import SHORT_LIST, closest_names, did_you_mean, missing_library, unknown_name
from hebeidb.reader.database import Database

Run = Callable[..., subprocess.CompletedProcess[str]]
ROOT = Path(__file__).resolve().parents[1]


def misspellings(name: str) -> list[str]:
    """A letter dropped, two swapped, one doubled, the case changed: typos a user makes."""
    middle = len(name) // 2
    return [
        name[:middle] + name[middle + 1 :],
        name[: middle - 1] + name[middle] + name[middle - 1] + name[middle + 1 :],
        name[:middle] + name[middle] + name[middle:],
        name.upper(),
    ]


def refused(call: Callable[[], Any], error: type[hebeidb.ParameterError] = hebeidb.ParameterError) -> Any:
    with pytest.raises(error) as caught:
        call()
    return caught.value


def test_closest_names_by_likeness_case_and_containment() -> None:
    names = ["medals", "timeline", "provenance", "indicators", "autism_school_span", "consistency"]
    assert closest_names("medal", names) == ["medals"]
    assert closest_names("MEDALS", names) == ["medals"]
    assert closest_names("provenence", names) == ["provenance"]
    assert closest_names("autism", names) == ["autism_school_span"]  # a name holding the word
    assert closest_names("indicatorss", names) == ["indicators"]  # a name held in the word
    assert closest_names("xyzzy", names) == []
    assert closest_names("", names) == []
    assert did_you_mean([]) == ""
    assert did_you_mean(["a", "b", "c"]) == "did you mean 'a', 'b' or 'c'?"


@pytest.mark.parametrize("position", [0.1, 0.5, 0.9])
def test_closest_names_finds_a_typo_among_many_names(position: float) -> None:
    names = [f"fact_{i:06d}_region_{i % 34}" for i in range(100_000)]
    wanted = names[int(position * len(names))]
    typo = wanted[:-4] + wanted[-3:]  # a letter dropped near the end
    assert closest_names(typo, names)[0] == wanted


@pytest.mark.parametrize("count", [SHORT_LIST, SHORT_LIST + 1, 500])
def test_a_long_list_gives_the_nearest_and_how_to_list_them_all(count: int) -> None:
    names = [f"value_{i:03d}" for i in range(count)]
    error = unknown_name("got 'value_0007'", "value_0007", names, "allowed", counted="values", how_to_list="CMD")
    message = str(error)
    assert error.suggestions[0] == "value_007"
    assert message.startswith("got 'value_0007'; did you mean 'value_007'")
    if count <= SHORT_LIST:
        assert f"allowed: {', '.join(names)}" in message
    else:
        assert message.endswith(f"{count:,} values; list them all with CMD")
        assert names[-1] not in message


# --- the API ----------------------------------------------------------------------------------------------


def test_misspelt_report_names(db: Database) -> None:
    for spec in db.reports():
        for typo in misspellings(spec.name):
            error = refused(lambda typo=typo: db.report(typo), hebeidb.ReportNotFoundError)
            assert error.suggestions and error.suggestions[0] == spec.name, (typo, str(error))
            assert f"did you mean {spec.name!r}" in str(error)


def test_misspelt_parameter_names(db: Database) -> None:
    for spec in db.reports():
        for parameter in spec.parameters:
            for typo in misspellings(parameter.name):
                error = refused(lambda spec=spec, typo=typo: db.report(spec.name, **{typo: "x"}))
                assert isinstance(error, hebeidb.ReportParameterError)
                assert parameter.name in error.suggestions, (typo, str(error))
                assert str(error).startswith(f"report {spec.name!r} has no parameter {typo!r}; did you mean ")


def test_misspelt_choice_values(db: Database) -> None:
    checked = 0
    for spec in db.reports():
        for parameter in spec.parameters:
            if parameter.type != "choice":
                continue
            values = parameter.choices or db._dynamic_choices(parameter.choices_from)
            for value in values[:5]:
                if len(value) < 4:
                    continue
                typo = misspellings(value)[0]
                if typo in values:
                    continue
                error = refused(
                    lambda spec=spec, parameter=parameter, typo=typo: db.report(spec.name, **{parameter.name: typo})
                )
                assert value in error.suggestions, (spec.name, typo, str(error))
                checked += 1
    assert checked >= 10


def test_a_misspelt_word_for_a_value_gets_the_values_holding_it(db: Database) -> None:
    error = refused(lambda: db.report("medals", kind="winter"))
    assert set(error.suggestions) == {"winter_paralympics", "winter_deaflympics"}
    assert "summer_paralympics" in str(error)  # a short list is given whole


def test_a_value_of_a_long_list_names_the_nearest_and_how_to_list_them_all(db: Database, run_cli: Run) -> None:
    ids = [fact_id for (fact_id,) in db.sql("SELECT DISTINCT fact_id FROM facts ORDER BY 1").fetchall()]
    assert len(ids) > SHORT_LIST
    wanted = ids[len(ids) // 2]
    error = refused(lambda: db.report("provenance", fact_id=misspellings(wanted)[0]))
    message = str(error)
    assert error.suggestions[0] == wanted
    assert len(message) < 400
    assert sum(fact_id in message for fact_id in ids) <= 3
    assert f"{len(ids)} allowed values; list them all with hebeidb sql '" in message
    # The command the message gives lists every allowed value.
    command = message.split("list them all with hebeidb sql ")[1].strip("'")
    listed = run_cli("sql", command, "--format", "csv", "--db", str(db.path))
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split()[1:] == ids


def test_misspelt_views_columns_domains_dialects_and_export_names(db: Database, tmp_path: Path) -> None:
    for view in db.views():
        for typo in misspellings(view.name)[:2]:
            assert view.name in refused(lambda typo=typo: db.describe(typo)).suggestions, typo
    assert refused(lambda: db.search("autism", domain="educaton")).suggestions == ("education",)
    assert refused(lambda: db.translate("medals", "postgress")).suggestions == ("postgres",)
    error = refused(lambda: db.export(tmp_path / "out", only=["medal_tally"]))
    assert error.suggestions[0] == "medal_tallies"
    assert refused(lambda: db.export(tmp_path / "out", format="parquett")).suggestions == ("parquet",)
    assert not (tmp_path / "out").exists()


def test_nothing_near_gives_no_suggestion(db: Database) -> None:
    error = refused(lambda: db.report("xyzzy"))
    assert error.suggestions == ()
    assert "did you mean" not in str(error)
    assert str(error).startswith("no report named 'xyzzy'; reports: ")


# --- the command line -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "hint"),
    [
        (["reprot"], "did you mean 'report'"),
        (["expot", "out"], "did you mean 'export'"),
        (["report", "medals", "--format", "tabel"], "did you mean 'table'?"),
        (["render", "medals", "--dialect", "postgress"], "did you mean 'postgres'?"),
        (["report", "medals", "--colums", "gold"], "did you mean --columns?"),
        (["search", "autism", "--domian", "education"], "did you mean --domain?"),
        (["export", "out", "--partiton-by", "year"], "did you mean --partition-by?"),
    ],
)
def test_command_line_typos(run_cli: Run, built_db: Path, arguments: list[str], hint: str) -> None:
    result = run_cli(*arguments, "--db", str(built_db))
    assert result.returncode == 2
    assert hint in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("arguments", "pairs"),
    [
        (["report", "medals", "kind=winter_paralympics"], ["kind=winter_paralympics"]),
        (["report", "indicators", "domain=education", "since=2020"], ["domain=education", "since=2020"]),
        (["sql", "SELECT $d AS d", "d=1"], ["d=1"]),
        (["render", "medals", "kind=national_games", "--dialect", "postgres"], ["kind=national_games"]),
    ],
)
def test_a_missing_param_is_named(run_cli: Run, built_db: Path, arguments: list[str], pairs: list[str]) -> None:
    result = run_cli(*arguments, "--db", str(built_db))
    assert result.returncode == 2
    command = arguments[0]
    assert result.stderr.startswith(f"usage: hebeidb {command} "), result.stderr  # the command's usage
    assert "did you mean " + " ".join(f"--param {pair}" for pair in pairs) + "?" in result.stderr
    fixed = [arguments[0], arguments[1], *(item for pair in pairs for item in ("--param", pair))]
    fixed += [item for item in arguments[2:] if item not in pairs]
    assert run_cli(*fixed, "--db", str(built_db)).returncode == 0


@pytest.mark.parametrize(
    ("arguments", "hint"),
    [
        (["report", "medal"], "did you mean 'medals'?"),
        (["report", "medals", "--param", "knd=all"], "did you mean 'kind'?"),
        (["report", "medals", "--param", "kind=winter"], "did you mean 'winter_deaflympics' or 'winter_paralympics'?"),
        (["report", "medals", "--columns", "gld"], "did you mean 'gold'?"),
        (["describe", "fact"], "did you mean 'facts'?"),
        (["report", "medal", "--help"], "did you mean 'medals'?"),
    ],
)
def test_command_line_names_and_values(run_cli: Run, built_db: Path, arguments: list[str], hint: str) -> None:
    result = run_cli(*arguments, "--db", str(built_db))
    assert result.returncode == 2
    assert result.stderr.startswith("hebeidb: ") and hint in result.stderr
    assert len(result.stderr.splitlines()) == 1


# --- install hints ----------------------------------------------------------------------------------------


def extras() -> dict[str, list[str]]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["optional-dependencies"]


@pytest.mark.parametrize("extra", ["pandas", "polars", "site"])
def test_a_missing_library_names_the_extra_from_the_index_and_from_a_checkout(extra: str) -> None:
    assert extra in extras()  # the hint names an extra the package declares
    message = str(missing_library("a library", extra))
    assert f'pip install "hebeidb[{extra}]"' in message
    assert f'pip install ".[{extra}]"' in message


SITE_WITHOUT_CHARTS = """
import sys
sys.modules["vl_convert"] = None  # import fails as if the package were not installed
from hebeidb.reader.site.charts import require_chart_library
import hebeidb
try:
    require_chart_library()
except hebeidb.MissingLibraryError as error:
    print(error)
"""


def test_the_site_without_its_chart_library_says_how_to_install_it() -> None:
    out = subprocess.run([sys.executable, "-c", SITE_WITHOUT_CHARTS], capture_output=True, text=True, check=True)
    assert 'pip install "hebeidb[site]"' in out.stdout and 'pip install ".[site]"' in out.stdout
    assert "vl-convert-python" in out.stdout
    assert any(requirement.startswith("vl-convert-python") for requirement in extras()["site"])
