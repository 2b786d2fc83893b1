"""The file's contract, build side: read the declared contract from ``schema/public_views.toml``, write it and
the reports into the file, create the report views, and hold the contract against the views the build made.

The readers' side (the data types and how a reader reads the contract from the file) is in
:mod:`hebeidb.common.contract`.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from hebeidb.common.contract import DATASET_OPTIONAL, Dataset, Reference
from hebeidb.common.errors import BuildError, Problem, TemplateError, closest_names, did_you_mean
from hebeidb.common.reports import ReportSpec, render, template_line, toml_error, validate
from hebeidb.common.sqltext import (
    error_first_line,
    is_plain_name,
    quote_identifier,
    quote_literal,
    sql_statement_line,
)

CONTRACT_FILE = "public_views.toml"


@dataclass(frozen=True)
class DeclaredContract:
    """The contract as declared in ``schema/public_views.toml``."""

    dataset: Dataset
    views: dict[str, tuple[tuple[str, ...], tuple[Reference, ...]]]  # name -> (key, references)
    file: str


# --- declared in the inputs (build side) -------------------------------------------------------------


def load_declared(path: Path, relative: Callable[[Path], str]) -> DeclaredContract:
    """Read and validate ``schema/public_views.toml``; errors name the file, line and what was expected."""
    file = relative(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BuildError([Problem("contract", file, "the public views' contract is missing")]) from None
    except UnicodeDecodeError as error:
        raise BuildError([Problem("contract", file, f"not UTF-8 text: {error.reason}")]) from None
    except tomllib.TOMLDecodeError as error:
        message, line = toml_error(error)
        raise BuildError([Problem("contract", file, message, line=line)]) from None
    except RecursionError:
        raise BuildError([Problem("contract", file, "nested too deeply to read", expected="flat tables")]) from None
    except ValueError as error:  # a number TOML reads but Python refuses (an integer of thousands of digits)
        raise BuildError([Problem("contract", file, f"holds a value that cannot be read: {error}")]) from None

    def fail(message: str, column: str | None = None, expected: str | None = None) -> BuildError:
        return BuildError([Problem("contract", file, message, column=column, expected=expected)])

    raw_dataset = data.get("dataset")
    if not isinstance(raw_dataset, dict) or not all(
        isinstance(raw_dataset.get(k), str) and raw_dataset.get(k) for k in ("name", "title", "description")
    ):
        raise fail("[dataset] needs name, title and description as text", column="dataset")
    for key in DATASET_OPTIONAL:
        if key in raw_dataset and not (isinstance(raw_dataset[key], str) and raw_dataset[key].strip()):
            raise fail(f"[dataset] {key} must be text", column=f"dataset.{key}")
    known = ("name", "title", "description", *DATASET_OPTIONAL)
    unknown = sorted(set(raw_dataset) - set(known))
    if unknown:
        hint = did_you_mean(closest_names(unknown[0], known))
        raise fail(
            f"unknown entry {unknown[0]!r} in [dataset]{f' ({hint})' if hint else ''}",
            column="dataset",
            expected=", ".join(known),
        )
    dataset = Dataset(
        raw_dataset["name"],
        raw_dataset["title"],
        raw_dataset["description"],
        *(raw_dataset.get(key, "").strip() or None for key in DATASET_OPTIONAL),
    )
    raw_views = data.get("views")
    if not isinstance(raw_views, dict) or not raw_views:
        raise fail("no [views.<name>] tables", column="views")
    views: dict[str, tuple[tuple[str, ...], tuple[Reference, ...]]] = {}
    for name, raw in raw_views.items():
        where = f"views.{name}"
        if not is_plain_name(name) or not isinstance(raw, dict):
            raise fail(f"view name {name!r}", column=where, expected="a plain lower-case view name with a table")
        unknown = sorted(set(raw) - {"key", "references"})
        if unknown:
            raise fail(f"unknown entry {unknown[0]!r}", column=where, expected="key and references")
        key = raw.get("key")
        if not _names(key):
            raise fail("key must be a list of column names", column=f"{where}.key", expected='["column", ...]')
        references = []
        for index, ref in enumerate(raw.get("references", []), 1):
            place = f"{where}.references[{index}]"
            if (
                not isinstance(ref, dict)
                or set(ref) != {"columns", "view", "view_columns"}
                or not _names(ref["columns"])
                or not _names(ref["view_columns"])
                or not ref["columns"]
                or len(ref["columns"]) != len(ref["view_columns"])
                or not is_plain_name(ref["view"])
            ):
                raise fail(
                    "malformed reference",
                    column=place,
                    expected='{ columns = [...], view = "name", view_columns = [...] }, as many columns on each side',
                )
            references.append(Reference(tuple(ref["columns"]), ref["view"], tuple(ref["view_columns"])))
        views[name] = (tuple(key), tuple(references))
    for name, (_key, references) in views.items():
        for ref in references:
            if ref.view not in views:
                raise fail(
                    f"view {name} refers to {ref.view}, which the contract does not declare",
                    column=f"views.{name}.references",
                    expected=f"one of {', '.join(views)}",
                )
    return DeclaredContract(dataset, views, file)


def _names(value: Any) -> bool:
    return isinstance(value, list) and all(is_plain_name(v) for v in value)


# --- written into the file (build side) --------------------------------------------------------------


def write_contract(
    con: duckdb.DuckDBPyConnection, declared: DeclaredContract, specs: dict[str, ReportSpec], schema: str = "core"
) -> None:
    """Write the declared contract and the report specs into the file, and create the report views."""
    dataset = declared.dataset
    values = {"name": dataset.name, "title": dataset.title, "description": dataset.description}
    values |= {key: getattr(dataset, key) for key in DATASET_OPTIONAL}
    con.execute(
        f"INSERT INTO {schema}.dataset ({', '.join(values)}) VALUES ({', '.join('$' + key for key in values)})",
        values,
    )
    names = list(declared.views)
    con.execute(
        f"""INSERT INTO {schema}.public_views
            SELECT unnest($names), unnest($keys), unnest(range(1, len($names) + 1))""",
        {"names": names, "keys": [list(declared.views[n][0]) for n in names]},
    )
    refs = [(name, i, ref) for name in names for i, ref in enumerate(declared.views[name][1], 1)]
    if refs:
        con.execute(
            f"""INSERT INTO {schema}.public_view_references
                SELECT unnest($views), unnest($positions), unnest($columns), unnest($targets),
                       unnest($target_columns)""",
            {
                "views": [r[0] for r in refs],
                "positions": [r[1] for r in refs],
                "columns": [list(r[2].columns) for r in refs],
                "targets": [r[2].view for r in refs],
                "target_columns": [list(r[2].view_columns) for r in refs],
            },
        )
    write_reports(con, specs, schema)


def write_reports(con: duckdb.DuckDBPyConnection, specs: dict[str, ReportSpec], schema: str = "core") -> None:
    """Write each report's template, metadata and parameters into ``core.reports`` and ``core.report_parameters``."""
    ordered = list(specs.values())
    if not ordered:
        return
    con.execute(
        f"""INSERT INTO {schema}.reports
            SELECT unnest($names), unnest($titles), unnest($descriptions), unnest($views), unnest($templates),
                   unnest($metadata), unnest($template_files), unnest($metadata_files)""",
        {
            "names": [s.name for s in ordered],
            "titles": [s.title for s in ordered],
            "descriptions": [s.description for s in ordered],
            "views": [s.view_name for s in ordered],
            "templates": [s.template for s in ordered],
            "metadata": [s.metadata for s in ordered],
            "template_files": [s.template_file for s in ordered],
            "metadata_files": [s.metadata_file for s in ordered],
        },
    )
    rows = [(spec.name, i, p) for spec in ordered for i, p in enumerate(spec.parameters, 1)]
    if rows:
        con.execute(
            f"""INSERT INTO {schema}.report_parameters
                SELECT unnest($reports), unnest($positions), unnest($names), unnest($types), unnest($helps),
                       unnest($defaults), unnest($choices), unnest($choices_from), unnest($minimums),
                       unnest($maximums), unnest($required)""",
            {
                "reports": [r[0] for r in rows],
                "positions": [r[1] for r in rows],
                "names": [r[2].name for r in rows],
                "types": [r[2].type for r in rows],
                "helps": [r[2].help for r in rows],
                "defaults": [_text(r[2].default) for r in rows],
                "choices": [None if r[2].choices is None else [_text(c) for c in r[2].choices] for r in rows],
                "choices_from": [r[2].choices_from for r in rows],
                "minimums": [_text(r[2].minimum) for r in rows],
                "maximums": [_text(r[2].maximum) for r in rows],
                "required": [r[2].required for r in rows],
            },
        )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def create_report_views(con: duckdb.DuckDBPyConnection, specs: dict[str, ReportSpec]) -> list[str]:
    """Create ``report_<name>`` for every report, rendered with its default parameters.

    Default values become literals (a DuckDB view cannot hold parameters). Any error names the
    template file; the build fails on it.
    """
    names = []
    for spec in specs.values():
        try:
            rendered = render(spec, validate(spec, {}, lambda source: ()))
        except TemplateError as error:
            raise BuildError(
                [Problem("reports", error.file or spec.template_file, error.message, line=error.line)]
            ) from None
        except BuildError:
            raise
        except Exception as error:  # a parameter default that its own rules refuse, ...
            raise BuildError([Problem("reports", spec.metadata_file, str(error))]) from None
        view = quote_identifier(spec.view_name)
        try:
            con.execute(f"CREATE VIEW {view} AS {rendered.inline_sql()}")
            con.execute(f"COMMENT ON VIEW {view} IS {quote_literal(spec.title + ': ' + spec.description)}")
            columns = [d[0] for d in con.execute(f"SELECT * FROM {view} LIMIT 0").description]
        except duckdb.Error as error:
            # DuckDB counts lines from the start of the statement, whose first line the view's name opens.
            line = template_line(spec.template, rendered.sql, sql_statement_line(str(error)))
            raise BuildError(
                [
                    Problem(
                        "reports",
                        spec.template_file,
                        f"the report's SQL fails with its defaults: {error_first_line(error)}",
                        line=line,
                    )
                ]
            ) from None
        if spec.chart is not None:
            absent = [name for name in spec.chart.fields() if name not in columns]
            if absent:
                raise BuildError(
                    [
                        Problem(
                            "reports",
                            spec.metadata_file,
                            f"[chart]: {absent[0]} is not a column of the report; its columns: {', '.join(columns)}",
                        )
                    ]
                )
        names.append(spec.view_name)
    return names


def check_contract(
    con: duckdb.DuckDBPyConnection,
    declared: DeclaredContract,
    data: bool = True,
    views: Collection[str] | None = None,
) -> list[Problem]:
    """Hold the declared contract against the views the build created.

    Every public view is declared and every declared view exists; key and reference columns exist;
    and, unless ``data`` is false (the rows are those of a build that passed), every key is unique
    and every reference resolves (a non-NULL value is found in the referred view): of every view, or of
    those in ``views`` (the others' rows are those of a build that passed).
    """
    problems = []
    file = declared.file
    existing = {
        name: tuple(columns)
        for name, columns in con.execute(
            """SELECT table_name, list(column_name ORDER BY column_index) FROM duckdb_columns()
               WHERE database_name = current_database() AND schema_name = 'main'
                 AND NOT starts_with(table_name, 'report_')
               GROUP BY table_name"""
        ).fetchall()
    }
    for name in sorted(set(existing) - set(declared.views)):
        problems.append(
            Problem(
                "contract",
                file,
                f"public view {name} is not declared",
                column=f"views.{name}",
                expected="a [views.NAME] table",
            )
        )
    complete = {}
    for name, (key, references) in declared.views.items():
        where = f"views.{name}"
        if name not in existing:
            problems.append(Problem("contract", file, f"declared view {name} does not exist", column=where))
            continue
        columns = existing[name]
        needed = list(key) + [c for ref in references for c in ref.columns]
        missing = [c for c in needed if c not in columns]
        missing += [
            f"{ref.view}.{c}" for ref in references for c in ref.view_columns if c not in existing.get(ref.view, ())
        ]
        if missing:
            problems.append(
                Problem("contract", file, f"view {name}: no column {missing[0]}", column=where, value=missing[0])
            )
            continue
        complete[name] = (key, references)
    if data:
        problems += _check_rows(con, file, {n: v for n, v in complete.items() if views is None or n in views})
    return problems


def _check_rows(
    con: duckdb.DuckDBPyConnection, file: str, views: dict[str, tuple[tuple[str, ...], tuple[Reference, ...]]]
) -> list[Problem]:
    """Keys unique and references resolved, each view computed once.

    Each view is read once into a temporary table holding only the columns the contract names (a
    view such as ``cross_checks`` sorts all its rows; reading it once per reference would sort them
    again each time), and the keys and references are checked there.
    """
    wanted: dict[str, list[str]] = {}
    for name, (key, references) in views.items():
        wanted.setdefault(name, []).extend(key)
        for ref in references:
            wanted[name].extend(ref.columns)
            if ref.view in views:
                wanted.setdefault(ref.view, []).extend(ref.view_columns)
    copies = {}
    for name, columns in wanted.items():
        unique = list(dict.fromkeys(columns))
        if not unique:
            continue
        copies[name] = f"temp.{quote_identifier('contract_' + name)}"
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {quote_identifier('contract_' + name)} AS "
            f"SELECT {', '.join(quote_identifier(c) for c in unique)} FROM main.{quote_identifier(name)}"
        )
    problems = []
    try:
        for name, (key, references) in views.items():
            where = f"views.{name}"
            if key:
                cols = ", ".join(quote_identifier(c) for c in key)
                duplicate = con.execute(
                    f"SELECT {cols} FROM {copies[name]} GROUP BY ALL HAVING count(*) > 1 LIMIT 1"
                ).fetchall()
                if duplicate:
                    problems.append(
                        Problem(
                            "contract",
                            file,
                            f"key ({', '.join(key)}) of view {name} is not unique",
                            column=f"{where}.key",
                            value=", ".join(map(str, duplicate[0])),
                            expected="one row per key",
                        )
                    )
            for ref in references:
                target = copies.get(ref.view, f"main.{quote_identifier(ref.view)}")
                problems += _unresolved(con, file, name, ref, copies[name], target)
    finally:
        for copy in copies.values():
            con.execute(f"DROP TABLE IF EXISTS {copy}")
    return problems


def _unresolved(
    con: duckdb.DuckDBPyConnection, file: str, name: str, ref: Reference, rows: str, target: str
) -> list[Problem]:
    on = " AND ".join(
        f"r.{quote_identifier(c)} = t.{quote_identifier(rc)}"
        for c, rc in zip(ref.columns, ref.view_columns, strict=True)
    )
    present = " AND ".join(f"r.{quote_identifier(c)} IS NOT NULL" for c in ref.columns)
    cols = ", ".join(f"r.{quote_identifier(c)}" for c in ref.columns)
    found = con.execute(
        f"""SELECT {cols} FROM {rows} AS r
            WHERE {present} AND NOT EXISTS (SELECT 1 FROM {target} AS t WHERE {on})
            LIMIT 1"""
    ).fetchall()
    if not found:
        return []
    return [
        Problem(
            "contract",
            file,
            f"view {name}: ({', '.join(ref.columns)}) does not resolve in {ref.view}",
            column=f"views.{name}.references",
            value=", ".join(map(str, found[0])),
            expected=f"a value of {ref.view}({', '.join(ref.view_columns)})",
        )
    ]
