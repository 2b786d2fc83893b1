"""Edges of the report metadata, parameter conversion, SQL literals, output formats and sqltools.

Report metadata is written as small ``<name>.sql``/``<name>.toml`` pairs into ``tmp_path``; every
refusal must name the file (and the parameter) it is about.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import unicodedata
from pathlib import Path
from typing import Any

import duckdb
import pytest

import hebeidb
from hebeidb.database import Database
from hebeidb.output import FORMATS, write_rows
from hebeidb.reports import (
    Parameter,
    ReportParameterError,
    TemplateError,
    coerce,
    load_spec,
    render,
    validate,
)
from hebeidb.sqltext import quote_literal as sql_literal
from hebeidb.sqltools import DIALECTS, lineage, transpile

HEADER = 'title = "A report"\ndescription = "What it shows."\n'


def write_report(folder: Path, toml: str | bytes | None, sql: str = "SELECT 1 AS one\n", name: str = "edge") -> Path:
    """Write ``<name>.sql`` (and ``<name>.toml`` unless ``toml`` is None); returns the template path."""
    template = folder / f"{name}.sql"
    template.write_text(sql, encoding="utf-8")
    if isinstance(toml, bytes):
        template.with_suffix(".toml").write_bytes(toml)
    elif toml is not None:
        template.with_suffix(".toml").write_text(toml, encoding="utf-8")
    return template


def param(**fields: Any) -> str:
    """One ``[[params]]`` table in TOML."""
    lines = ["[[params]]"]
    for key, value in fields.items():
        lines.append(f"{key} = {json.dumps(value) if not isinstance(value, bool) else str(value).lower()}")
    return "\n".join(lines) + "\n"


def refused(template: Path) -> str:
    with pytest.raises(TemplateError) as caught:
        load_spec(template)
    assert isinstance(caught.value, hebeidb.ParameterError)
    return str(caught.value)


# --- report metadata ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Medals", "my-report", "2024_report", "_private"])
def test_report_name_must_be_a_lower_case_name(tmp_path: Path, name: str) -> None:
    template = write_report(tmp_path, HEADER, name=name)
    message = refused(template)
    assert message.startswith(f"{template}: ")
    assert "lower case letters, digits and underscores" in message


def test_template_without_metadata_beside_it_is_refused(tmp_path: Path) -> None:
    template = write_report(tmp_path, None, name="lonely")
    message = refused(template)
    assert message == f"{template}: no metadata file lonely.toml beside it"


def test_metadata_that_is_not_toml_is_refused_with_its_line(tmp_path: Path) -> None:
    template = write_report(tmp_path, HEADER + "[[params]]\nname = kind\n")
    message = refused(template)
    assert message.startswith(f"{template.with_suffix('.toml')}, line 4: ")


def test_metadata_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    template = write_report(tmp_path, b'title = "caf\xe9"\ndescription = "d"\n')
    message = refused(template)
    assert message.startswith(f"{template.with_suffix('.toml')}: ")
    assert "utf-8" in message.lower()


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('description = "d"\n', "title"),
        ('title = "t"\n', "description"),
        ('title = 3\ndescription = "d"\n', "title"),
        ('title = "t"\ndescription = ["d"]\n', "description"),
    ],
)
def test_metadata_needs_a_text_title_and_description(tmp_path: Path, toml: str, key: str) -> None:
    template = write_report(tmp_path, toml)
    assert refused(template) == f"{template.with_suffix('.toml')}: needs a text value for {key!r}"


def test_a_parameter_name_used_twice_is_refused(tmp_path: Path) -> None:
    toml = HEADER + param(name="year", type="integer") + param(name="region", type="text")
    toml += param(name="year", type="date")
    message = refused(write_report(tmp_path, toml))
    assert "a parameter name is used twice" in message
    assert "['year', 'region', 'year']" in message


@pytest.mark.parametrize("name", [None, "Kind", "two words", "1st", 7])
def test_a_parameter_needs_a_plain_name(tmp_path: Path, name: Any) -> None:
    second = param(type="text") if name is None else param(name=name, type="text")
    template = write_report(tmp_path, HEADER + param(name="first", type="text") + second)
    message = refused(template)
    # The second [[params]] table is the one at fault.
    assert message.startswith(f"{template.with_suffix('.toml')}: params[2]: ")
    assert "needs a name of lower case letters, digits and underscores" in message


@pytest.mark.parametrize("kind", ["float", "string", "Integer", None])
def test_an_unknown_parameter_type_is_refused_with_the_types(tmp_path: Path, kind: str | None) -> None:
    fields: dict[str, Any] = {"name": "amount"} if kind is None else {"name": "amount", "type": kind}
    template = write_report(tmp_path, HEADER + param(**fields))
    message = refused(template)
    assert message.startswith(f"{template.with_suffix('.toml')}: params[1] (amount): ")
    assert "type must be one of text, integer, number, date, boolean, choice, identifier" in message
    assert message.endswith(f"not {kind!r}")


@pytest.mark.parametrize("kind", ["choice", "identifier"])
def test_choice_and_identifier_need_choices(tmp_path: Path, kind: str) -> None:
    message = refused(write_report(tmp_path, HEADER + param(name="pick", type=kind)))
    assert f"params[1] (pick): a {kind} parameter needs choices or choices_from" in message


def test_an_identifier_cannot_take_its_choices_from_a_view(tmp_path: Path) -> None:
    toml = HEADER + param(name="order_by", type="identifier", choices_from="facts.fact_id")
    message = refused(write_report(tmp_path, toml))
    assert "params[1] (order_by): identifiers need a fixed list of choices" in message


@pytest.mark.parametrize("choices", [["label", "Value"], ["label", "value; DROP TABLE facts"], ["label", 3], ['"x"']])
def test_identifier_choices_must_be_plain_names(tmp_path: Path, choices: list[Any]) -> None:
    toml = HEADER + param(name="order_by", type="identifier", choices=choices)
    message = refused(write_report(tmp_path, toml))
    assert "params[1] (order_by): identifier choices must be plain lower-case names" in message


@pytest.mark.parametrize("source", ["facts", "facts.", "Facts.domain", "facts.domain.x", "facts.do main", "1x.y"])
def test_choices_from_must_be_view_dot_column(tmp_path: Path, source: str) -> None:
    toml = HEADER + param(name="domain", type="choice", choices_from=source)
    message = refused(write_report(tmp_path, toml))
    assert "params[1] (domain): choices_from must be view.column" in message


def test_valid_metadata_is_read_with_converted_defaults(tmp_path: Path) -> None:
    toml = (
        'title = "Edge"\ndescription = """\n  Two lines\n  of description.\n"""\n'
        'portable = "uses list_sort, which SQLite lacks"\nexample = "hebeidb report edge"\n'
        + param(name="since", type="date", default="2020-01-31", min="2000-01-01", help="From.")
        + param(name="share", type="number", default=3, max=100)
        + param(name="flag", type="boolean", default="yes")
        + param(name="order_by", type="identifier", choices=["label", "value"], default="label")
        + param(name="domain", type="choice", choices_from="facts.domain", required=True)
    )
    spec = load_spec(write_report(tmp_path, toml))
    assert spec.name == "edge" and spec.view_name == "report_edge"
    assert spec.title == "Edge"
    assert spec.description == "Two lines\n  of description."
    assert spec.portable is False
    assert spec.portability_note == "uses list_sort, which SQLite lacks"
    assert spec.example == "hebeidb report edge"
    assert spec.defaults() == {
        "since": dt.date(2020, 1, 31),
        "share": 3.0,
        "flag": True,
        "order_by": "label",
        "domain": None,
    }
    assert isinstance(spec.defaults()["share"], float)
    assert spec.parameter("since").help == "From."
    assert spec.parameter("domain").required is True
    assert spec.parameter("order_by").choices == ("label", "value")


def test_a_report_without_parameters_says_so(tmp_path: Path) -> None:
    spec = load_spec(write_report(tmp_path, HEADER))
    assert spec.parameters == ()
    with pytest.raises(ReportParameterError) as caught:
        spec.parameter("kind")
    assert str(caught.value) == "report 'edge' has no parameter 'kind'; its parameters: none"


def test_a_portable_report_has_no_portability_note(tmp_path: Path) -> None:
    spec = load_spec(write_report(tmp_path, HEADER + "portable = true\n"))
    assert spec.portable is True and spec.portability_note == ""


def test_a_default_that_breaks_its_own_rules_names_the_metadata_file(tmp_path: Path) -> None:
    """BUG: the default is checked, but the error names neither the file nor its params entry.

    Through ``hebeidb build`` this becomes "hebeidb: parameter 'kind' got 'everything'; allowed:
    all, national_games" with exit code 2, with no hint of which of the queries/*.toml is wrong.
    """
    toml = HEADER + param(name="kind", type="choice", choices=["all", "national_games"], default="everything")
    template = write_report(tmp_path, toml)
    with pytest.raises(hebeidb.ParameterError) as caught:
        load_spec(template)
    assert str(template.with_suffix(".toml")) in str(caught.value)


@pytest.mark.parametrize(
    "toml",
    [
        pytest.param(HEADER + '[params]\nname = "kind"\ntype = "text"\n', id="params-as-one-table"),
        pytest.param(
            HEADER + param(name="domain", type="choice", choices_from=["facts.domain"]), id="choices_from-list"
        ),
        pytest.param(HEADER + param(name="order_by", type="identifier", choices="label"), id="choices-as-text"),
        pytest.param(HEADER + param(name="since", type="date", min="soon"), id="min-not-a-date"),
    ],
)
def test_malformed_metadata_is_refused_naming_the_file(tmp_path: Path, toml: str) -> None:
    """BUG: these mistakes crash (AttributeError, TypeError) or pass unnoticed.

    ``[params]`` instead of ``[[params]]`` raises AttributeError: 'str' object has no attribute 'get';
    a list for choices_from raises TypeError; ``choices = "label"`` is read as the choices
    l, a, b, e, l; ``min = "soon"`` on a date is accepted and later makes every value crash
    with a bare ValueError (see test_a_bound_of_the_wrong_type_is_not_a_bare_value_error).
    """
    template = write_report(tmp_path, toml)
    message = refused(template)
    assert str(template.with_suffix(".toml")) in message


# --- converting parameter values ----------------------------------------------------------------


def p(kind: str, **fields: Any) -> Parameter:
    return Parameter(name="value", type=kind, help="", **fields)


def no_choices() -> tuple[Any, ...]:
    return ()


@pytest.mark.parametrize(
    ("value", "expected"),
    [(3, 3.0), (2.5, 2.5), ("2.5", 2.5), (" -1e3 ", -1000.0), ("0", 0.0), (-0.25, -0.25)],
)
def test_number_accepts_numbers_and_numeric_text(value: Any, expected: float) -> None:
    converted = coerce(p("number"), value, no_choices)
    assert converted == expected and isinstance(converted, float)


@pytest.mark.parametrize("value", [True, "nan", "inf", "-Infinity", "1e999", float("nan"), "abc", "", [1], {"a": 1}])
def test_number_refuses_what_is_not_a_finite_number(value: Any) -> None:
    with pytest.raises(ReportParameterError) as caught:
        coerce(p("number"), value, no_choices)
    assert "which is not a number: number, optional" in str(caught.value)
    assert str(caught.value).startswith("parameter 'value' got ")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022-03-04", dt.date(2022, 3, 4)),
        (" 2022-03-04 ", dt.date(2022, 3, 4)),
        (dt.date(2000, 2, 29), dt.date(2000, 2, 29)),
    ],
)
def test_date_accepts_iso_text_and_dates(value: Any, expected: dt.date) -> None:
    assert coerce(p("date"), value, no_choices) == expected


@pytest.mark.parametrize(
    "value", [dt.datetime(2022, 3, 4, 12, 0), "2022-02-30", "04/03/2022", "yesterday", 20220304, 2022.0, True]
)
def test_date_refuses_datetimes_and_what_is_not_a_date(value: Any) -> None:
    with pytest.raises(ReportParameterError, match=r"which is not a date: date, optional$"):
        coerce(p("date"), value, no_choices)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        ("true", True),
        ("TRUE", True),
        ("Yes", True),
        ("1", True),
        ("false", False),
        ("no", False),
        ("0", False),
    ],
)
def test_boolean_accepts_the_usual_words(value: Any, expected: bool) -> None:
    assert coerce(p("boolean"), value, no_choices) is expected


@pytest.mark.parametrize("value", ["maybe", "on", "2", "", 1, 0, 1.0])
def test_boolean_refuses_other_values(value: Any) -> None:
    with pytest.raises(ReportParameterError, match=r"which is not a boolean: boolean, optional$"):
        coerce(p("boolean"), value, no_choices)


def test_text_accepts_up_to_1000_characters() -> None:
    assert coerce(p("text"), "河北 " * 250, no_choices) == "河北 " * 250
    assert coerce(p("text"), "", no_choices) == ""


@pytest.mark.parametrize("value", [5, b"bytes", "a\x00b", "x" * 1001, ["a"]])
def test_text_refuses_non_text_nul_and_overlong_values(value: Any) -> None:
    with pytest.raises(ReportParameterError, match=r"which is not a text: text, optional$"):
        coerce(p("text"), value, no_choices)


@pytest.mark.parametrize(
    ("value", "expected"), [(" 42 ", 42), ("+7", 7), ("-0012", -12), (10**18 - 1, 10**18 - 1), (-5, -5)]
)
def test_integer_accepts_whole_numbers(value: Any, expected: int) -> None:
    assert coerce(p("integer"), value, no_choices) == expected


@pytest.mark.parametrize("value", ["4.0", 4.0, True, 10**18, -(10**18), "1" * 19, "1e3", dt.date(2020, 1, 1)])
def test_integer_refuses_fractions_booleans_and_huge_values(value: Any) -> None:
    with pytest.raises(ReportParameterError, match=r"which is not an integer: integer, optional$"):
        coerce(p("integer"), value, no_choices)


def test_a_value_too_large_to_print_is_described_not_printed() -> None:
    with pytest.raises(ReportParameterError) as caught:
        coerce(p("integer"), 10**5000, no_choices)
    assert str(caught.value).startswith("parameter 'value' got <int too large to show>, which is not an integer")


def test_a_long_value_is_shortened_in_the_message() -> None:
    value = "x" * 200
    with pytest.raises(ReportParameterError) as caught:
        coerce(p("integer"), value, no_choices)
    message = str(caught.value)
    assert "'" + "x" * 56 + "..." in message
    assert "x" * 60 not in message


@pytest.mark.parametrize(
    ("kind", "bounds", "value", "phrase"),
    [
        ("integer", {"minimum": 1, "maximum": 10}, 0, "got 0, below 1: integer, from 1 to 10, optional"),
        ("integer", {"minimum": 1, "maximum": 10}, "11", "got '11', above 10: integer, from 1 to 10, optional"),
        ("integer", {"minimum": 1}, -3, "got -3, below 1: integer, from 1 to +inf, optional"),
        ("number", {"maximum": 100}, 100.5, "got 100.5, above 100: number, from -inf to 100, optional"),
        (
            "date",
            {"minimum": dt.date(2020, 1, 1)},
            "2019-12-31",
            "got '2019-12-31', below 2020-01-01: date, from 2020-01-01 to +inf, optional",
        ),
        (
            "date",
            {"maximum": "2026-02-10"},
            dt.date(2026, 2, 11),
            "above 2026-02-10: date, from -inf to 2026-02-10, optional",
        ),
    ],
)
def test_values_outside_the_bounds_are_refused_with_the_range(
    kind: str, bounds: dict[str, Any], value: Any, phrase: str
) -> None:
    with pytest.raises(ReportParameterError) as caught:
        coerce(p(kind, **bounds), value, no_choices)
    assert phrase in str(caught.value)


@pytest.mark.parametrize(
    ("kind", "bounds", "value", "expected"),
    [
        ("integer", {"minimum": 1, "maximum": 10}, "1", 1),
        ("integer", {"minimum": 1, "maximum": 10}, 10, 10),
        ("number", {"minimum": 0, "maximum": 0.5}, "0.5", 0.5),
        ("date", {"minimum": "2020-01-01", "maximum": dt.date(2020, 12, 31)}, "2020-12-31", dt.date(2020, 12, 31)),
    ],
)
def test_the_bounds_themselves_are_allowed(kind: str, bounds: dict[str, Any], value: Any, expected: Any) -> None:
    assert coerce(p(kind, **bounds), value, no_choices) == expected


def test_a_bound_of_the_wrong_type_is_refused_when_the_metadata_is_read(tmp_path: Path) -> None:
    """``min = "soon"`` on a date parameter is refused by load_spec, naming the file and the bound,
    rather than making every later value fail with a bare ValueError."""
    with pytest.raises(TemplateError, match=r"edge\.toml: params\[1\] \(since\): min = 'soon' is not a date"):
        load_spec(write_report(tmp_path, HEADER + param(name="since", type="date", min="soon")))


def test_a_required_parameter_without_a_value_is_refused() -> None:
    required = p("integer", required=True, minimum=1)
    with pytest.raises(ReportParameterError) as caught:
        coerce(required, None, no_choices)
    assert str(caught.value) == "parameter 'value' is required: integer, from 1 to +inf"
    assert coerce(p("integer"), None, no_choices) is None


def test_validate_refuses_a_missing_required_parameter_and_accepts_it_given(tmp_path: Path) -> None:
    toml = HEADER + param(name="region", type="text", required=True) + param(name="year", type="integer", default=2024)
    spec = load_spec(write_report(tmp_path, toml))
    for params in ({}, {"region": None}, {"year": 2020}):
        with pytest.raises(ReportParameterError, match=r"^parameter 'region' is required: text$"):
            validate(spec, params, lambda source: ())
    assert validate(spec, {"region": "hebei", "year": None}, lambda source: ()) == {"region": "hebei", "year": 2024}


def test_validate_refuses_parameters_that_are_not_a_mapping(tmp_path: Path) -> None:
    spec = load_spec(write_report(tmp_path, HEADER))
    with pytest.raises(ReportParameterError, match="name=value pairs"):
        validate(spec, [("kind", "all")], lambda source: ())  # type: ignore[arg-type]


def test_choices_from_asks_for_the_view_column_once_it_is_needed(tmp_path: Path) -> None:
    toml = HEADER + param(name="domain", type="choice", choices_from="facts.domain")
    spec = load_spec(write_report(tmp_path, toml))
    asked: list[str] = []

    def choices(source: str) -> tuple[str, ...]:
        asked.append(source)
        return ("education", "employment")

    assert validate(spec, {}, choices) == {"domain": None}
    assert asked == []  # no value, nothing to check against
    assert validate(spec, {"domain": "education"}, choices) == {"domain": "education"}
    with pytest.raises(ReportParameterError) as caught:
        validate(spec, {"domain": "sports"}, choices)
    assert str(caught.value) == "parameter 'domain' got 'sports'; allowed: education, employment"
    assert asked == ["facts.domain", "facts.domain"]
    assert spec.parameter("domain").describe() == "choice, a value of facts.domain, optional"


@pytest.mark.parametrize(
    ("parameter", "described"),
    [
        (p("integer", minimum=1900, maximum=2100, default=2000), "integer, from 1900 to 2100, default 2000"),
        (p("choice", choices=("a", "b")), "choice, one of a, b, optional"),
        (p("text", required=True), "text"),
        (p("number", maximum=0), "number, from -inf to 0, optional"),
        (p("boolean", default=False), "boolean, default False"),
    ],
)
def test_describe_says_what_is_allowed(parameter: Parameter, described: str) -> None:
    assert parameter.describe() == described


# --- SQL literals and inline SQL ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        (None, "NULL"),
        (True, "TRUE"),
        (False, "FALSE"),
        (42, "42"),
        (-7, "-7"),
        (dt.date(2022, 3, 4), "DATE '2022-03-04'"),
        ("O'Brien", "'O''Brien'"),
        ("", "''"),
        ("河北 '' --", "'河北 '''' --'"),
    ],
)
def test_sql_literal_reads_back_as_the_same_value(value: Any, literal: str) -> None:
    assert sql_literal(value) == literal
    [(back,)] = duckdb.sql(f"SELECT {literal}").fetchall()
    assert back == value and type(back) is type(value)


@pytest.mark.parametrize(
    ("value", "literal"),
    [(2.5, "CAST(2.5 AS DOUBLE)"), (1e-07, "CAST(1e-07 AS DOUBLE)"), (-0.1, "CAST(-0.1 AS DOUBLE)")],
)
def test_sql_literal_of_a_float_is_its_shortest_repr(value: float, literal: str) -> None:
    assert sql_literal(value) == literal
    [(back,)] = duckdb.sql(f"SELECT {literal}").fetchall()
    assert float(back) == value


def test_an_inlined_number_computes_like_the_bound_number() -> None:
    """BUG (latent): sql_literal(0.1) is ``0.1``, which DuckDB reads as DECIMAL(2,1), while the bound
    value is a DOUBLE. A report view (its defaults inlined) and the same report run with bound values
    then give different types and results: 0.1 * 3 is 0.3 (DECIMAL) in one, 0.30000000000000004 in
    the other. No shipped report has a number parameter yet."""
    inlined = duckdb.sql(f"SELECT typeof({sql_literal(0.1)}), {sql_literal(0.1)} * 3").fetchall()
    bound = duckdb.execute("SELECT typeof($x), $x * 3", {"x": 0.1}).fetchall()
    assert inlined == bound


@pytest.mark.parametrize("value", [b"x", ["a"], decimal.Decimal("1.5"), object()])
def test_sql_literal_refuses_other_types(value: Any) -> None:
    with pytest.raises(TypeError, match=f"no SQL literal for {type(value).__name__}"):
        sql_literal(value)


def test_inline_sql_gives_the_rows_of_the_bound_query(tmp_path: Path) -> None:
    toml = (
        HEADER
        + param(name="n", type="integer")
        + param(name="t", type="text")
        + param(name="d", type="date")
        + param(name="b", type="boolean")
        + param(name="x", type="number")
        + param(name="unset", type="text")
    )
    sql = (
        "SELECT $n AS n, $t AS t, $d AS d, $b AS b, $x AS x, $unset IS NULL AS unset_is_null,\n       $n + 1 AS next\n"
    )
    spec = load_spec(write_report(tmp_path, toml, sql))
    values = validate(spec, {"n": "5", "t": "it's", "d": "2020-01-01", "b": "no", "x": "0.5"}, lambda s: ())
    rendered = render(spec, values)
    assert rendered.params == {"n": 5, "t": "it's", "d": dt.date(2020, 1, 1), "b": False, "x": 0.5, "unset": None}
    inline = rendered.inline_sql()
    assert inline == (
        "SELECT 5 AS n, 'it''s' AS t, DATE '2020-01-01' AS d, FALSE AS b, CAST(0.5 AS DOUBLE) AS x, "
        "NULL IS NULL AS unset_is_null,\n"
        "       5 + 1 AS next\n"
    )
    bound = duckdb.execute(rendered.sql, rendered.params).fetchall()
    assert duckdb.sql(inline).fetchall() == bound == [(5, "it's", dt.date(2020, 1, 1), False, 0.5, True, 6)]


@pytest.mark.parametrize(
    "select",
    [
        pytest.param("SELECT '$colour' AS label, $n AS n -- $other\n", id="undeclared-name-in-string"),
        pytest.param("SELECT 'price in $n' AS label, $n AS n\n", id="declared-name-in-string"),
    ],
)
def test_inline_sql_leaves_dollar_words_in_strings_and_comments_alone(tmp_path: Path, select: str) -> None:
    """BUG: render() ignores ``$name`` inside a string or comment, inline_sql() does not.

    With an undeclared name it raises KeyError (a report view is made with inline_sql, so the
    build crashes with a traceback); with a declared name it rewrites the string's text, so the
    report view and the bound query give different rows.
    """
    spec = load_spec(write_report(tmp_path, HEADER + param(name="n", type="integer", default=5), select))
    rendered = render(spec, validate(spec, {}, lambda s: ()))
    assert rendered.params == {"n": 5}
    bound = duckdb.execute(rendered.sql, rendered.params).fetchall()
    assert duckdb.sql(rendered.inline_sql()).fetchall() == bound


# --- rendering ----------------------------------------------------------------------------------

RENDER_TOML = (
    HEADER
    + param(name="kind", type="text", default="a")
    + param(name="flag", type="boolean", default=False)
    + param(name="order_by", type="identifier", choices=["label", "value"], default="label")
)


def render_template(folder: Path, sql: str, **params: Any) -> Any:
    spec = load_spec(write_report(folder, RENDER_TOML, sql))
    return render(spec, validate(spec, params, lambda source: ()))


def test_a_template_may_test_a_value_for_truth(tmp_path: Path) -> None:
    sql = "SELECT 1 AS one{% if flag %} WHERE false{% endif %}"
    assert render_template(tmp_path, sql).sql == "SELECT 1 AS one\n"
    assert render_template(tmp_path, sql, flag="yes").sql == "SELECT 1 AS one WHERE false\n"


def test_a_template_may_look_a_value_up_in_a_mapping(tmp_path: Path) -> None:
    sql = "SELECT 1 AS one{% if kind in {'a': 1, 'b': 2} %} WHERE $kind <> ''{% endif %}"
    assert render_template(tmp_path, sql, kind="b").params == {"kind": "b"}
    assert render_template(tmp_path, sql, kind="c").sql == "SELECT 1 AS one\n"


def test_an_identifier_is_printed_quoted(tmp_path: Path) -> None:
    rendered = render_template(tmp_path, "SELECT 1 AS label, 2 AS value ORDER BY {{ order_by }}", order_by="value")
    assert rendered.sql == 'SELECT 1 AS label, 2 AS value ORDER BY "value"\n'
    assert rendered.params == {}


def test_an_identifier_bound_as_a_placeholder_is_refused(tmp_path: Path) -> None:
    template = tmp_path / "edge.sql"
    with pytest.raises(TemplateError) as caught:
        render_template(tmp_path, "SELECT 1 AS label ORDER BY $order_by")
    assert str(caught.value) == f"{template}: identifier parameters are printed with {{{{ name }}}}, not bound"


def test_a_template_printing_a_list_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TemplateError) as caught:
        render_template(tmp_path, "SELECT {{ [1, 2] }}")
    assert str(caught.value) == f"{tmp_path / 'edge.sql'}: the template prints an object of type list"


@pytest.mark.parametrize("sql", ["SELECT 1 {{ kind.upper }}", "SELECT 1 {% if kind.upper %}x{% endif %}"])
def test_a_template_reaching_into_a_value_is_refused(tmp_path: Path, sql: str) -> None:
    with pytest.raises(TemplateError) as caught:
        render_template(tmp_path, sql)
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'edge.sql'}: undefined name in template: ")
    assert "has no attribute 'upper'" in message


def test_a_template_that_is_not_utf8_is_refused_naming_it(tmp_path: Path) -> None:
    template = write_report(tmp_path, RENDER_TOML)
    template.write_bytes(b"SELECT 'caf\xe9' AS drink")
    with pytest.raises(TemplateError) as caught:
        load_spec(template)
    assert str(caught.value).startswith(f"{template}: not UTF-8 text: ")
    assert caught.value.file == str(template)


@pytest.mark.parametrize(
    "sql",
    [
        pytest.param("SELECT 1 {% include 'common.sql' %}", id="include"),
        pytest.param("SELECT 1 {% if 1 / 0 %}x{% endif %}", id="division-by-zero"),
    ],
)
def test_a_template_failing_while_it_renders_is_refused_naming_it(tmp_path: Path, sql: str) -> None:
    """BUG: render() turns only Jinja's own errors into a TemplateError; ``{% include %}`` raises
    TypeError ("no loader for this environment specified") and ``1 / 0`` ZeroDivisionError, so
    ``hebeidb build`` stops with a traceback instead of naming queries/<name>.sql."""
    with pytest.raises(TemplateError) as caught:
        render_template(tmp_path, sql)
    assert str(caught.value).startswith(f"{tmp_path / 'edge.sql'}")


# --- output formats -----------------------------------------------------------------------------


def written(columns: list[str], rows: list[list[Any]], fmt: str, width: int | None = 80) -> str:
    out = io.StringIO()
    write_rows(columns, rows, fmt, out, width=width)
    return out.getvalue()


def test_unknown_format_is_refused_with_the_formats() -> None:
    with pytest.raises(ValueError) as caught:
        written(["a"], [[1]], "xml")
    assert str(caught.value) == "unknown format 'xml'; formats: table, csv, json, markdown"
    assert FORMATS == ("table", "csv", "json", "markdown")


def test_csv_quotes_what_needs_quoting_and_reads_back() -> None:
    rows = [
        ["a, b", 'say "hi"', "two\nlines", None, True, 3.0, decimal.Decimal("1.50"), dt.date(2022, 3, 4)],
        ["", "x", "y", "z", False, 2.25, decimal.Decimal("-7"), None],
    ]
    out = written(["c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8"], rows, "csv")
    assert out.startswith("c1,c2,c3,c4,c5,c6,c7,c8\n")
    back = list(csv.reader(io.StringIO(out)))
    assert back[1] == ["a, b", 'say "hi"', "two\nlines", "", "true", "3", "1.5", "2022-03-04"]
    assert back[2] == ["", "x", "y", "z", "false", "2.25", "-7", ""]


def test_json_turns_duckdb_values_into_plain_json() -> None:
    rows = [
        [
            decimal.Decimal("1.50"),
            decimal.Decimal("12.000"),
            dt.date(2022, 3, 4),
            dt.datetime(2026, 2, 10, 8, 30, 0),
            dt.time(9, 5),
            b"\x00\xff",
            [decimal.Decimal("2.5"), dt.date(2020, 1, 1), None],
            {1: decimal.Decimal("3"), "k": (b"\x01",)},
            "河北",
            None,
        ]
    ]
    columns = ["dec", "whole", "date", "stamp", "time", "blob", "list", "map", "text", "null"]
    out = written(columns, rows, "json")
    assert out.endswith("]\n")
    assert "河北" in out  # not escaped as \uXXXX
    [record] = json.loads(out)
    assert record == {
        "dec": 1.5,
        "whole": 12,
        "date": "2022-03-04",
        "stamp": "2026-02-10T08:30:00",
        "time": "09:05:00",
        "blob": "00ff",
        "list": [2.5, "2020-01-01", None],
        "map": {"1": 3, "k": ["01"]},
        "text": "河北",
        "null": None,
    }
    assert type(record["whole"]) is int and type(record["dec"]) is float


def test_json_of_no_rows_is_an_empty_list() -> None:
    assert json.loads(written(["a", "b"], [], "json")) == []


def test_markdown_escapes_pipes_backslashes_and_newlines() -> None:
    rows = [["a|b", "back\\slash", "two\nlines"], [None, 1.0, "x"]]
    out = written(["col|1", "col2", "col3"], rows, "markdown")
    lines = out.splitlines()
    assert lines == [
        "| col\\|1 | col2 | col3 |",
        "|---|---|---|",
        "| a\\|b | back\\\\slash | two lines |",
        "|  | 1 | x |",
    ]
    # Every line has exactly four unescaped pipes: the table keeps three columns.
    for line in lines:
        assert line.replace("\\\\", "").replace("\\|", "").count("|") == 4


def table_lines(columns: list[str], rows: list[list[Any]], width: int = 80) -> list[str]:
    return written(columns, rows, "table", width).splitlines()


def test_table_right_aligns_numeric_columns_and_left_aligns_text() -> None:
    rows = [["hebei", 12, "1,300,000", None, "-"], ["china", 207, "98.5", None, "x"], ["x", -3, "-4", None, "y"]]
    lines = table_lines(["region", "gold", "amount", "empty", "note"], rows)
    assert lines[0] == "region  gold     amount  empty  note"
    assert lines[1] == "------  ----  ---------  -----  ----"
    assert lines[2] == "hebei     12  1,300,000         -"
    assert lines[3] == "china    207       98.5         x"
    assert lines[4] == "x         -3         -4         y"
    assert lines[5] == "(3 rows)"
    assert all(line == line.rstrip() for line in lines)


@pytest.mark.parametrize(("count", "footer"), [(0, "(0 rows)"), (1, "(1 row)"), (2, "(2 rows)")])
def test_table_counts_its_rows(count: int, footer: str) -> None:
    lines = table_lines(["n"], [[i] for i in range(count)])
    assert lines[-1] == footer
    assert len(lines) == 2 + count + 1


def test_table_puts_a_multi_line_value_on_one_line() -> None:
    lines = table_lines(["a", "b"], [["one\ntwo", "z"]])
    assert lines[2] == "one two  z"


def test_table_that_does_not_fit_switches_to_one_block_per_record() -> None:
    columns = ["label", "value", "quote"]
    rows = [["Persons certified", 1300000, "over 1.3 million people"], ["Schools", 9, None]]
    out = written(columns, rows, "table", width=40)
    assert out.splitlines() == [
        "-[ 1 ]----------------------",
        "label | Persons certified",
        "value | 1300000",
        "quote | over 1.3 million people",
        "-[ 2 ]----------------------",
        "label | Schools",
        "value | 9",
        "quote |",
        "(2 rows)",
    ]


def test_record_layout_wraps_long_values_without_losing_text() -> None:
    words = " ".join(f"word{i}" for i in range(60))
    unbroken = "x" * 95
    lines = table_lines(["id", "text", "blob"], [[1, words, unbroken]], width=50)
    assert lines[0].startswith("-[ 1 ]")
    pieces: dict[str, list[str]] = {}
    current = ""
    for line in lines[1:-1]:
        name, bar, value = line.partition(" | ") if " | " in line else (line[:-2], " |", "")
        assert bar, line
        current = name.strip() or current
        pieces.setdefault(current, []).append(value)
        assert len(line) <= 50, line
    assert " ".join(pieces["text"]) == words
    assert len(pieces["text"]) > 1
    assert "".join(pieces["blob"]) == unbroken
    assert len(pieces["blob"]) > 1
    assert lines[-1] == "(1 row)"


def test_table_width_defaults_to_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "30")
    narrow = written(["label", "value"], [["x" * 40, 1]], "table", width=None)
    assert narrow.startswith("-[ 1 ]")
    monkeypatch.setenv("COLUMNS", "200")
    wide = written(["label", "value"], [["x" * 40, 1]], "table", width=None)
    assert wide.splitlines()[0] == "label" + " " * 37 + "value"


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def test_table_aligns_columns_holding_chinese_names() -> None:
    """BUG (display): widths are counted in characters, but a Chinese character takes two terminal
    columns, so `hebeidb sql "SELECT name_zh, level FROM regions"` prints a ragged table."""
    rows = [["河北省", "province"], ["保定市", "prefecture_city"], ["", "country"]]
    lines = table_lines(["name_zh", "level"], rows)
    starts = set()
    for line in lines[:2] + lines[2:5]:
        level = line.rstrip().split()[-1]
        starts.add(display_width(line[: line.rindex(level)]))
    assert len(starts) == 1, "\n".join(lines)


# --- sqltools -----------------------------------------------------------------------------------


def test_transpile_to_an_unknown_dialect_names_the_dialects() -> None:
    with pytest.raises(ValueError) as caught:
        transpile("SELECT 1", "oracle")
    assert str(caught.value) == "unknown dialect 'oracle'; dialects: duckdb, postgres, spark, sqlite"
    assert DIALECTS == ("duckdb", "postgres", "spark", "sqlite")


def test_transpile_to_an_unverified_dialect_needs_the_flag() -> None:
    with pytest.raises(ValueError, match="'trino' is not verified"):
        transpile("SELECT 1", "trino")
    assert "SELECT" in transpile("SELECT 1", "trino", unverified=True)


@pytest.mark.parametrize(
    ("dialect", "placeholder"), [("postgres", "$1"), ("sqlite", ":kind"), ("spark", ":kind"), ("duckdb", "$kind")]
)
def test_transpile_writes_placeholders_in_the_dialects_style(db: Database, dialect: str, placeholder: str) -> None:
    rendered = db.render("medals", kind="national_games")
    sql = transpile(rendered.sql, dialect)
    assert placeholder in sql and ("$kind" not in sql or dialect == "duckdb")
    assert "%(" not in sql
    assert sql.endswith("\n")


def test_lineage_traces_report_columns_to_core_tables(db: Database) -> None:
    columns = {c.column: c.sources for c in lineage(db.render("medals").inline_sql(), db.con)}
    assert columns["gold"] == ("core.tally_figures.gold",)
    assert columns["competition"] == ("core.competitions.name_en",)
    assert columns["delegation"] == ("core.delegations.region_id",)
    assert all(source.startswith("core.") for sources in columns.values() for source in sources)
    assert list(columns)[:3] == ["competition_id", "competition", "kind"]


def test_lineage_of_a_computed_column_and_a_star(db: Database) -> None:
    traced = lineage("SELECT 1 AS one, upper(label) AS shout FROM facts", db.con)
    assert [(c.column, c.sources) for c in traced] == [("one", ()), ("shout", ("core.indicators.label_en",))]
    assert [(c.column, c.sources) for c in lineage("SELECT * FROM facts", db.con)] == [("*", ())]
