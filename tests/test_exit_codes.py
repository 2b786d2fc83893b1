"""Each kind of failure exits with the code the documentation gives it, in one line, leaving everything as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from safety import tree_digest


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("sql", "SELECT 1", "--db", "notes.md"), "cannot open"),  # a file that is not a database
        (("sql", "SELECT 1", "--db", "folder"), "not a file"),  # a folder
        (("reports", "--db", "missing.duckdb"), "does not exist"),
        (("build", "--db", "folder"), "is a directory"),  # a folder where the database should be
        (("build", "--db", "missing/h.duckdb"), "does not exist"),
        (("build", "--inputs", "empty", "--db", "h.duckdb"), "has no schema/ or seeds/"),
        (("check", "--inputs", "missing"), "has no schema/ or seeds/"),
        (("site", "/"), "root of the file system"),
        (("export", "/"), "root of the file system"),
        (("build", "--db", "/"), "root of the file system"),
        (("export", "notes.md"), "not a folder"),
        (("sql", "SELECT 1", "--timeout", "-3"), "timeout"),
        (("report", "medals", "--param", "kind"), "NAME=VALUE"),
    ],
)
def test_a_usage_error_exits_2_in_one_line_and_changes_nothing(
    args: tuple[str, ...], words: str, tmp_path: Path, built_db: Path, run_cli
) -> None:
    (tmp_path / "notes.md").write_text("# notes\n", encoding="utf-8")
    (tmp_path / "folder").mkdir()
    (tmp_path / "empty").mkdir()
    if "--db" not in args and args[0] != "check":
        args = (*args, "--db", str(built_db))
    before = tree_digest(tmp_path)
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("hebeidb: "), result.stderr
    assert words in result.stderr
    assert tree_digest(tmp_path) == before


def test_a_broken_input_exits_1_with_every_problem_located(inputs_copy: Path, tmp_path: Path, run_cli) -> None:
    facts = inputs_copy / "seeds" / "facts.csv"
    facts.write_text(facts.read_text(encoding="utf-8").replace(",over,", ",aprox,", 1), encoding="utf-8")
    result = run_cli("build", "--inputs", str(inputs_copy), "--db", str(tmp_path / "h.duckdb"))
    assert result.returncode == 1
    assert "seeds/facts.csv, line" in result.stderr and "column qualifier" in result.stderr
    assert not (tmp_path / "h.duckdb").exists()


def test_a_lock_file_that_is_a_link_is_refused_and_its_target_never_created(tmp_path: Path, run_cli) -> None:
    elsewhere = tmp_path / "elsewhere" / "made-by-the-build"
    elsewhere.parent.mkdir()
    (tmp_path / ".h.duckdb.lock").symlink_to(elsewhere)
    result = run_cli("build", "--db", str(tmp_path / "h.duckdb"))
    assert result.returncode == 2
    assert "is a link" in result.stderr and len(result.stderr.splitlines()) == 1
    assert not elsewhere.exists() and not (tmp_path / "h.duckdb").exists()
