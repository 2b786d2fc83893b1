"""The documentation: the README stays short and true to CI, the documentation site builds, and the exit-code table
says what the error classes declare."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

import hebeidb
from hebeidb.common import errors

PROJECT = Path(__file__).resolve().parent.parent
README = PROJECT / "README.md"
DOCS = PROJECT / "docs"
MKDOCS = str(Path(sys.executable).with_name("mkdocs"))


def test_the_readme_is_short() -> None:
    assert len(README.read_text(encoding="utf-8")) < 8000


def test_the_readmes_test_command_is_the_one_ci_runs() -> None:
    readme = README.read_text(encoding="utf-8")
    commands = re.findall(r"```sh\n(.*?)\n```", readme, re.S)
    test_command = next(c for c in commands if "pytest" in c)
    ci = (PROJECT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command.strip() in ci.splitlines()
    assert "pip install . && hebeidb build" in commands  # the other quickstart command


def test_the_documentation_site_builds_strictly(tmp_path: Path) -> None:
    result = subprocess.run(
        [MKDOCS, "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "index.html").is_file()
    assert (tmp_path / "site" / "security" / "index.html").is_file()


def test_every_documentation_page_is_in_the_navigation() -> None:
    nav = (PROJECT / "mkdocs.yml").read_text(encoding="utf-8")
    for page in DOCS.glob("*.md"):
        assert f": {page.name}" in nav, page.name


def exit_code_table() -> dict[str, int]:
    """The error classes the documentation's exit-code table lists, with the code of their row."""
    text = (DOCS / "using.md").read_text(encoding="utf-8")
    table = text.split("<!-- exit-codes -->", 1)[1].split("<!-- /exit-codes -->", 1)[0]
    listed: dict[str, int] = {}
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].isdigit():
            for name in re.findall(r"`(\w+)`", cells[2]):
                assert name not in listed, f"{name} is listed twice"
                listed[name] = int(cells[0])
    return listed


def error_classes() -> dict[str, type[errors.HebeidbError]]:
    return {
        name: cls
        for name, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.HebeidbError) and cls is not errors.HebeidbError
    }


def test_the_exit_code_table_lists_every_error_class_with_its_code() -> None:
    listed = exit_code_table()
    classes = error_classes()
    assert set(listed) == set(classes)
    for name, code in listed.items():
        assert classes[name].exit_code == code, name


@pytest.mark.parametrize("command", ["sql", "build"])
@pytest.mark.parametrize(("name", "code"), sorted(exit_code_table().items()))
def test_the_command_line_exits_with_the_code_of_the_tables_row(
    name: str, code: int, command: str, built_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each error class the table lists, raised where a reader command and the build do their work, ends the
    command with its row's code and one line on standard error."""
    from conftest import cli_in_process

    from hebeidb.builder import pipeline
    from hebeidb.reader import database

    cls = getattr(errors, name)
    error = cls("queries/x.sql", "a crafted failure") if cls is errors.TemplateError else cls("a crafted failure")

    def fail(*args: object, **kwargs: object) -> None:
        raise error

    if command == "sql":
        monkeypatch.setattr(database, "open", fail)
        result = cli_in_process("sql", "SELECT 1", "--db", str(built_db))
    else:
        monkeypatch.setattr(pipeline, "build_database", fail)
        result = cli_in_process("build", "--db", str(tmp_path / "h.duckdb"))
    assert result.returncode == code, (name, result.stderr)
    assert result.stderr.splitlines() == [f"hebeidb: {error}"], result.stderr


@pytest.mark.parametrize("name", sorted(error_classes()))
def test_every_error_class_declares_its_own_exit_code(name: str) -> None:
    """Declared in the class itself, not inherited by accident, and one the documentation explains."""
    cls = error_classes()[name]
    assert "exit_code" in vars(cls), f"{name} inherits its exit code"
    assert cls.exit_code in (errors.EXIT_DATA, errors.EXIT_USAGE)


def test_the_package_face_offers_every_error_class() -> None:
    for name in error_classes():
        assert getattr(hebeidb, name) is getattr(errors, name)
