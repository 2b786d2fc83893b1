"""A broken report fails the build with its template's file and the template's own line, whatever broke it: a
misspelt column (DuckDB binds it), a syntax error, an undefined name, a printed value, a second statement."""

from __future__ import annotations

from pathlib import Path

import pytest

import hebeidb

PROVENANCE = "queries/provenance.sql"


def line_of(text: str, needle: str) -> int:
    [number] = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    return number


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("s.publisher,", "s.publisherr,", "Binder Error"),  # a column DuckDB cannot bind
        ("WHERE 1 = 1", "WHERE 1 = = 1", "does not parse"),  # a syntax error
        ("{% if fact_id is not none %}", "{% if fact_idd is not none %}", "undefined name 'fact_idd'"),
        ("AND f.fact_id = $fact_id", "AND f.fact_id = '{{ fact_id }}'", "prints the value of 'fact_id'"),
        ("ORDER BY CASE", "; DROP TABLE facts; SELECT 1 ORDER BY CASE", "exactly one SELECT"),
    ],
)
def test_a_broken_report_is_located_on_its_template_line(
    old: str, new: str, says: str, inputs_copy: Path, tmp_path: Path
) -> None:
    template = inputs_copy / PROVENANCE
    text = template.read_text(encoding="utf-8")
    expected = line_of(text, old)
    template.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(hebeidb.BuildError) as caught:
        hebeidb.build(tmp_path / "h.duckdb", inputs_copy)
    [problem] = caught.value.problems
    assert problem.file == PROVENANCE, problem
    assert says in problem.message, problem
    assert problem.line == expected, problem
