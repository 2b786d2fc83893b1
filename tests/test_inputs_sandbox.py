"""Inputs run sandboxed: they read files only inside their own folder and write none.

``hebeidb check --inputs DIR`` and ``hebeidb build --inputs DIR`` with inputs that try to write a file,
reach outside their folder or slip in a second statement: each fails (exit 1) with an error naming the
file and line, and nothing outside the inputs is written or read.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from safety import tree_digest

SECRET = "SECRET-51d2e8"
HOSTNAME = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").is_file() else SECRET


def append(relative: str, text: str) -> Callable[[Path, Path], str]:
    def edit(inputs: Path, outside: Path) -> str:
        path = inputs / relative
        path.write_text(path.read_text().rstrip() + "\n" + text.format(outside=outside) + "\n")
        return relative

    return edit


def replace(relative: str, text: str) -> Callable[[Path, Path], str]:
    def edit(inputs: Path, outside: Path) -> str:
        (inputs / relative).write_text(text.format(outside=outside))
        return relative

    return edit


def new_schema_file(text: str) -> Callable[[Path, Path], str]:
    return replace("schema/105_extra.sql", text)


CASES: dict[str, Callable[[Path, Path], str]] = {
    "report template with a COPY after it": append("queries/medals.sql", "; COPY (SELECT 1) TO '{outside}/f.csv'"),
    "report template with a second SELECT": append("queries/timeline.sql", "; SELECT 1"),
    "report template reading an outside file": replace(
        "queries/domain_summary.sql", "SELECT * FROM read_csv('{outside}/secret.csv')"
    ),
    "schema COPY to a file": new_schema_file("COPY (SELECT 1) TO '{outside}/copied.csv';"),
    "schema COPY from a file": new_schema_file(
        "CREATE TABLE core.stolen (a VARCHAR, b VARCHAR);\nCOPY core.stolen FROM '{outside}/secret.csv';"
    ),
    "schema ATTACH": new_schema_file("ATTACH '{outside}/attached.duckdb' AS other;"),
    "schema INSTALL": new_schema_file("INSTALL httpfs;"),
    "schema LOAD": new_schema_file("LOAD httpfs;"),
    "schema SET": new_schema_file("SET enable_external_access = true;"),
    "schema SET allowed directories": new_schema_file("SET allowed_directories = ['/'];"),
    "schema INSERT of a file": new_schema_file(
        "CREATE TABLE core.stolen (a VARCHAR, b VARCHAR);\n"
        "INSERT INTO core.stolen SELECT * FROM read_csv('{outside}/secret.csv');"
    ),
    "schema EXPORT DATABASE": new_schema_file("EXPORT DATABASE '{outside}/dump';"),
    "schema view over /etc/hostname": new_schema_file("CREATE VIEW host AS SELECT * FROM read_text('/etc/hostname');"),
    "schema table from an outside file": new_schema_file(
        "CREATE TABLE core.stolen AS SELECT * FROM read_text('{outside}/secret.csv');"
    ),
    "schema view over a relative path out": new_schema_file(
        "CREATE VIEW stolen AS SELECT * FROM read_text('../../outside/secret.csv');"
    ),
    "schema view through query()": new_schema_file(
        "CREATE VIEW stolen AS SELECT * FROM query('SELECT * FROM read_text(''{outside}/secret.csv'')');"
    ),
    "schema logging to a file": new_schema_file(
        "CREATE TABLE core.logged AS SELECT * FROM enable_logging(storage := 'file', storage_path := '{outside}/log');"
    ),
    "seed hook with two statements": append("seeds/facts.sql", "; SELECT 1"),
    "seed hook reading an outside file": replace("seeds/facts.sql", "SELECT * FROM read_csv('{outside}/secret.csv')"),
    "seed hook with a COPY": replace("seeds/facts.sql", "COPY (SELECT 1) TO '{outside}/hook.csv'"),
}


# The quick loop (pytest -m "not slow") runs every case through the build, which writes a file; the full
# suite also through the in-memory check.
@pytest.mark.parametrize("command", [pytest.param("check", marks=pytest.mark.slow), "build"])
@pytest.mark.parametrize("case", CASES)
def test_inputs_cannot_reach_outside_their_folder(
    command: str, case: str, inputs_copy: Path, tmp_path: Path, run_cli: Callable[..., Any]
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.csv").write_text(f"a,b\n{SECRET},1\n")
    edited = CASES[case](inputs_copy, outside)
    out = tmp_path / "out"
    out.mkdir()
    before = tree_digest(tmp_path)
    args = ["--inputs", str(inputs_copy)] + (["--db", str(out / "h.duckdb")] if command == "build" else [])
    result = run_cli(command, *args, cwd=tmp_path)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("hebeidb: ")
    # A statement that is not allowed is located by line; a read the sandbox refuses, by file.
    located = (f"{edited}, line ",) if "reading" not in case else (f"{edited}, line ", f"{edited}: ")
    assert any(where in result.stderr for where in located), result.stderr
    assert SECRET not in result.stdout + result.stderr
    assert HOSTNAME not in result.stdout + result.stderr
    after = tree_digest(tmp_path)
    after.pop("out/.h.duckdb.lock", None)
    assert after == before, "nothing written: no file outside, no database, no leftover"


@pytest.mark.parametrize(
    "link", ["seeds/units.csv", "seeds/facts.sql", "schema/010_sources.sql", "checks/040_wording.sql"]
)
def test_an_input_that_links_outside_the_inputs_is_refused_before_it_is_read(
    link: str, inputs_copy: Path, tmp_path: Path, run_cli
) -> None:
    """A seed linked to /etc/passwd is refused as a link: nothing of the file it names is read or shown."""
    path = inputs_copy / link
    path.unlink()
    path.symlink_to("/etc/passwd")
    result = run_cli("build", "--inputs", str(inputs_copy), "--db", str(tmp_path / "h.duckdb"))
    assert result.returncode == 1
    assert f"{link}: is a link to a place outside the inputs folder; found '/etc/passwd'" in result.stderr
    assert "root:" not in result.stderr and "root:" not in result.stdout
    assert not (tmp_path / "h.duckdb").exists()
