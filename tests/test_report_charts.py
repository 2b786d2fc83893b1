"""The chart a report declares in its metadata ([chart] in queries/<name>.toml): parsed, checked, stored in the file."""

from __future__ import annotations

from pathlib import Path

import pytest

import hebeidb
from hebeidb.common.errors import BuildError, TemplateError
from hebeidb.common.reports import parse_spec
from hebeidb.reader.database import Database

TEMPLATE = "SELECT 'a' AS name, 1 AS n, 'x' AS kind, DATE '2024-01-01' AS day"
BASE = 'title = "T"\ndescription = "D"\n'


def spec(chart: str) -> object:
    return parse_spec("r", TEMPLATE, BASE + "[chart]\n" + chart, "queries/r.sql", "queries/r.toml")


def test_a_bar_chart_with_names_from_a_view_and_from_a_table() -> None:
    parsed = spec(
        'kind = "grouped_bar"\ncategory = "name"\nseries = "kind"\nvalue = "n"\nlabel = "n"\n'
        'title = "Counts"\nsubtitle = "Per name"\nunit = "things"\nperiod = "day"\n'
        'names.name = "regions.name_en"\nnames.kind = { x = "Ex" }\n'
    ).chart
    assert parsed.kind == "grouped_bar" and parsed.title == "Counts" and parsed.unit == "things"
    assert parsed.names == {"name": "regions.name_en", "kind": {"x": "Ex"}}
    assert parsed.fields() == ["name", "kind", "n", "day"]


def test_a_report_without_a_chart_has_none() -> None:
    assert parse_spec("r", TEMPLATE, BASE, "queries/r.sql", "queries/r.toml").chart is None


@pytest.mark.parametrize(
    ("chart", "message"),
    [
        ('kind = "pie"\ncategory = "name"\ntitle = "T"', "kind must be one of"),
        ('kind = "bar"\ncategory = "name"\nvalue = "n"\nunit = "u"', "needs a title"),
        ('kind = "bar"\ncategory = "name"\nvalue = "n"\nunit = "u"\ntitle = "  "', "needs a title"),
        ('kind = "bar"\ncategory = "name"\nunit = "u"\ntitle = "T"', 'needs value (or aggregate = "count")'),
        ('kind = "bar"\nvalue = "n"\nunit = "u"\ntitle = "T"', "needs category"),
        ('kind = "grouped_bar"\ncategory = "name"\nvalue = "n"\nunit = "u"\ntitle = "T"', "needs series"),
        ('kind = "timeline"\ncategory = "name"\ntitle = "T"', "needs start"),
        ('kind = "timeline"\ncategory = "name"\nstart = "day"\nvalue = "n"\ntitle = "T"', "takes no value"),
        (
            'kind = "bar"\ncategory = "name"\nvalue = "n"\nunit = "u"\nstart = "day"\ntitle = "T"',
            "belong to a timeline",
        ),
        ('kind = "bar"\ncategory = "Name; DROP"\nvalue = "n"\nunit = "u"\ntitle = "T"', "must name a column"),
        (
            'kind = "bar"\ncategory = "name"\nvalue = "n"\nunit = "u"\ntitle = "T"\ncolour = "red"',
            "unknown key 'colour'",
        ),
        ('kind = "bar"\ncategory = "name"\nvalue = "n"\nunit = "u"\ntitle = 3', "needs a title"),
        ('kind = "bar"\ncategory = "name"\nvalue = "n"\nunit = ["u"]\ntitle = "T"', "unit must be text"),
        ('kind = "bar"\ncategory = "name"\naggregate = "mean"\nunit = "u"\ntitle = "T"', "aggregate must be one of"),
        ('kind = "bar"\ncategory = "name"\nvalue = "n"\nunit = "u"\ntitle = "T"\nsort = "up"', "sort must be one of"),
        ('kind = "bar"\ncategory = "name"\nvalue = "n"\nunit = "u"\ntitle = "T"\nnames.kind = "a.b"', "not a field"),
        ('kind = "bar"\ncategory = "name"\nvalue = "n"\nunit = "u"\ntitle = "T"\nnames.name = "a"', '"view.column"'),
        ('kind = "bar"\ncategory = "name"\nvalue = "n"\nunit = "u"\ntitle = "T"\nnames.name = 3', '"view.column"'),
        ('kind = "bar"\ncategory = "name"\naggregate = "count"\nlabel = "n"\nunit = "u"\ntitle = "T"', "no label"),
        ('kind = "bar"\ncategory = "name"\nvalue = "n"\nunit = "u"\ntitle = "' + "x" * 501 + '"', "longer than"),
    ],
)
def test_a_chart_that_breaks_the_rules_is_refused_naming_its_file(chart: str, message: str) -> None:
    with pytest.raises(TemplateError, match="chart") as raised:
        spec(chart)
    assert raised.value.file == "queries/r.toml"
    assert message in str(raised.value)
    assert str(raised.value).startswith("queries/r.toml: [chart]:")


def test_chart_must_be_a_table() -> None:
    with pytest.raises(TemplateError, match=r"\[chart\]: must be a table"):
        parse_spec("r", TEMPLATE, BASE + 'chart = "bar"\n', "queries/r.sql", "queries/r.toml")


def test_the_shipped_reports_declare_their_charts_in_the_file(db: Database) -> None:
    charts = {spec.name: spec.chart for spec in db.reports()}
    assert charts["medals"].kind == "grouped_bar" and charts["medals"].names["delegation"] == "regions.name_en"
    assert charts["consistency"].aggregate == "count" and charts["consistency"].kind == "stacked_bar"
    assert charts["timeline"].kind == "timeline" and charts["domain_summary"].kind == "bar"
    assert charts["indicators"] is None and charts["provenance"] is None
    for name, chart in charts.items():
        if chart is not None:
            columns = db.report(name).columns
            assert set(chart.fields()) <= set(columns), name


@pytest.mark.slow
def test_the_build_refuses_a_chart_of_a_column_the_report_lacks(inputs_copy: Path, tmp_path: Path) -> None:
    toml = inputs_copy / "queries" / "domain_summary.toml"
    toml.write_text(toml.read_text("utf-8").replace('value = "facts"', 'value = "fact_count"'), "utf-8")
    with pytest.raises(BuildError) as raised:
        hebeidb.build(tmp_path / "x.duckdb", inputs=inputs_copy)
    text = str(raised.value)
    assert "queries/domain_summary.toml" in text and "fact_count is not a column of the report" in text
    assert not (tmp_path / "x.duckdb").exists()
