"""Text nested too deeply to read, or a number too long to hold, is refused in one line wherever it stands: in the
inputs of a build, or in a file a reader opens. Never a traceback."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from safety import copy_database, tree_digest

DEEP_TOML = "nested = " + "[" * 5000 + "]" * 5000 + "\n"
DEEPER_TOML = "nested = " + "[" * 50000 + "]" * 50000 + "\n"
HUGE_INTEGER = "number = " + "9" * 5000 + "\n"
DEEP_IF = "SELECT 1 AS one" + "{% if 1 %}" * 2000 + "{% endif %}" * 2000
DEEP_PARENTHESES = "SELECT " + "(" * 300 + "1" + ")" * 300 + " AS one"


@pytest.mark.parametrize(
    ("file", "text"),
    [
        ("queries/medals.toml", DEEP_TOML),
        ("queries/medals.toml", HUGE_INTEGER),
        ("schema/public_views.toml", DEEP_TOML),
        ("schema/public_views.toml", HUGE_INTEGER),
        ("checks/060_value_ranges.toml", DEEP_TOML),
        ("checks/060_value_ranges.toml", HUGE_INTEGER),
        ("queries/medals.sql", DEEP_IF),
    ],
)
def test_inputs_nested_too_deeply_fail_the_build_in_their_file(
    file: str, text: str, inputs_copy: Path, tmp_path: Path, run_cli
) -> None:
    path = inputs_copy / file
    path.write_text(text + path.read_text(encoding="utf-8") if path.suffix == ".toml" else text, encoding="utf-8")
    result = run_cli("build", "--inputs", str(inputs_copy), "--db", str(tmp_path / "h.duckdb"))
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert file in result.stderr, result.stderr
    assert not (tmp_path / "h.duckdb").exists()


def crafted(built_db: Path, folder: Path, *, metadata: str | None = None, template: str | None = None) -> Path:
    """A copy of the database whose medals report holds ``metadata`` before its own, or ``template``."""
    database = copy_database(built_db, folder)
    with duckdb.connect(str(database)) as con:
        if metadata is not None:
            con.execute("UPDATE core.reports SET metadata = $m || metadata WHERE name = 'medals'", {"m": metadata})
        if template is not None:
            con.execute("UPDATE core.reports SET template = $t WHERE name = 'medals'", {"t": template})
    return database


@pytest.mark.parametrize("metadata", [DEEPER_TOML, HUGE_INTEGER])
@pytest.mark.parametrize("args", [("reports",), ("report", "medals"), ("describe",)])
def test_a_file_with_metadata_nested_too_deeply_is_refused_in_one_line(
    metadata: str, args: tuple[str, ...], built_db: Path, tmp_path: Path, run_cli
) -> None:
    database = crafted(built_db, tmp_path / "db", metadata=metadata)
    before = tree_digest(tmp_path)
    result = run_cli(*args, "--db", str(database))
    if args == ("describe",):  # describe reads no report: it works
        assert result.returncode == 0, result.stderr
        return
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert len(result.stderr.splitlines()) == 1 and "queries/medals.toml" in result.stderr, result.stderr
    assert tree_digest(tmp_path) == before


@pytest.mark.parametrize("template", [DEEP_IF, DEEP_PARENTHESES])
@pytest.mark.parametrize(
    "args",
    [
        ("report", "medals", "--param", "kind=national_games"),
        ("render", "medals", "--dialect", "postgres"),
        ("lineage", "medals"),
        ("export", "{out}", "--format", "sqlite"),
    ],
)
def test_a_file_with_a_template_nested_too_deeply_is_served_or_refused_in_one_line(
    template: str, args: tuple[str, ...], built_db: Path, tmp_path: Path, run_cli
) -> None:
    database = crafted(built_db, tmp_path / "db", template=template)
    before = tree_digest(tmp_path)
    result = run_cli(*[a.format(out=tmp_path / "out") for a in args], "--db", str(database), "--timeout", "20")
    assert "Traceback" not in result.stderr
    if result.returncode != 0:
        assert result.returncode == 2, result.stderr
        assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("hebeidb: "), result.stderr
        assert tree_digest(tmp_path) == before
