"""The ``hebeidb`` command: a thin mirror of the Python API.

Exit codes: 0 success, 2 usage or bad parameter, 1 data or build error. Results go to standard
output, errors to standard error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import __version__

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"hebeidb: error: {message}\n")


def _add_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="database file (default: $HEBEIDB_DATABASE or ./hebei.duckdb); built first when missing or out of date",
    )


def _add_format(parser: argparse.ArgumentParser) -> None:
    from .output import FORMATS

    parser.add_argument("--format", "-f", choices=FORMATS, default="table", help="output format (default: table)")


def _add_params(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--param", "-p", action="append", default=[], metavar="NAME=VALUE", help="a parameter value; repeat for more"
    )


def _parser() -> argparse.ArgumentParser:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = _Parser(
        prog="hebeidb",
        description="Build and query the hebeidb database of Hebei's support for people with disabilities.",
        epilog="example:\n  hebeidb build && hebeidb report medals --param kind=summer_paralympics",
        formatter_class=formatter,
    )
    parser.add_argument("--version", action="version", version=f"hebeidb {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, summary: str, example: str) -> argparse.ArgumentParser:
        return commands.add_parser(
            name, help=summary, description=summary, epilog=f"example:\n  {example}", formatter_class=formatter
        )

    build = command(
        "build",
        "Build the database from the schema, seeds and queries, running every check.",
        "hebeidb build --db hebei.duckdb",
    )
    build.add_argument("--db", metavar="PATH", help="file to write (default: $HEBEIDB_DATABASE or ./hebei.duckdb)")
    build.add_argument(
        "--storage-version",
        metavar="VERSION",
        help="DuckDB storage format to write (default: v1.0.0, "
        "which DuckDB 1.0 and later, the duckdb-cli shell included, can open)",
    )
    build.add_argument(
        "--inputs",
        metavar="DIR",
        help="build from the schema/, seeds/ and queries/ in DIR instead of the installed ones",
    )

    check = command("check", "Run every check on the inputs without writing a database.", "hebeidb check")
    check.add_argument("--inputs", metavar="DIR", help="check the schema/, seeds/ and queries/ in DIR")

    reports = command("reports", "List the reports with their parameters.", "hebeidb reports --format markdown")
    _add_db(reports)
    _add_format(reports)

    report = command("report", "Run a report.", "hebeidb report indicators --param domain=education --format csv")
    report.add_argument("name", help="report name (see `hebeidb reports`)")
    _add_params(report)
    _add_format(report)
    _add_db(report)

    sql = command(
        "sql",
        "Run one read-only SQL query.",
        'hebeidb sql "SELECT label, value FROM facts WHERE domain = $d" --param d=healthcare',
    )
    sql.add_argument("query", help="a single SELECT statement; values bind as $name from --param")
    _add_params(sql)
    _add_format(sql)
    _add_db(sql)

    render = command(
        "render",
        "Print a report's SQL, optionally translated to another SQL dialect.",
        "hebeidb render medals --param kind=national_games --dialect postgres",
    )
    render.add_argument("name", help="report name")
    _add_params(render)
    from .sqltools import DIALECTS

    render.add_argument("--dialect", choices=DIALECTS, default="duckdb", help="SQL dialect (default: duckdb)")
    _add_db(render)

    export = command(
        "export",
        "Write every public view, report view and base table as Parquet or CSV files with a datapackage.json.",
        "hebeidb export out/ --format parquet --only facts --only medal_tallies",
    )
    export.add_argument("directory", help="a new or empty folder, or an earlier export (replaced once complete)")
    export.add_argument(
        "--format", "-f", choices=("parquet", "csv"), default="parquet", help="file format (default: parquet)"
    )
    export.add_argument(
        "--only", action="append", metavar="NAME", help="export only this view or table; repeat for more"
    )
    _add_db(export)

    synth = command(
        "synth",
        "Build a database of synthetic national-scale data (34 regions, 20 years) through the normal build.",
        "hebeidb synth --facts 100000 --seed 1 --db synth.duckdb",
    )
    synth.add_argument("--facts", type=int, required=True, metavar="N", help="number of facts (at least 100)")
    synth.add_argument("--seed", type=int, default=0, help="random seed; the same seed gives the same database")
    synth.add_argument("--db", metavar="PATH", required=True, help="file to write")
    synth.add_argument("--keep-inputs", metavar="DIR", help="keep the generated schema/, seeds/ and queries/ in DIR")

    lineage = command("lineage", "Show where each output column of a report comes from.", "hebeidb lineage medals")
    lineage.add_argument("name", help="report name")
    _add_format(lineage)
    _add_db(lineage)
    return parser


def _params(pairs: Sequence[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise _Usage(f"--param wants NAME=VALUE, got {pair!r}")
        if name in params:
            raise _Usage(f"--param {name} is given twice")
        params[name] = value
    return params


class _Usage(Exception):
    pass


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hebeidb`` command; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    handler: Callable[[argparse.Namespace], int] = _HANDLERS[args.command]
    from .errors import HebeidbError, ParameterError

    try:
        return handler(args)
    except _Usage as error:
        return _fail(str(error), EXIT_USAGE)
    except ParameterError as error:
        return _fail(str(error), EXIT_USAGE)
    except HebeidbError as error:
        return _fail(str(error), EXIT_DATA)
    except BrokenPipeError:
        # The reader of our output went away (`hebeidb report ... | head`): not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        return _fail("interrupted", 130)


def _fail(message: str, code: int) -> int:
    print(f"hebeidb: {message}", file=sys.stderr)
    return code


def _open(args: argparse.Namespace) -> Any:
    from .database import open as open_database

    return open_database(args.db)


def _write(columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str) -> None:
    from .output import write_rows

    write_rows(columns, rows, fmt, sys.stdout)


def _cmd_build(args: argparse.Namespace) -> int:
    from .builder import DEFAULT_STORAGE_VERSION, build_database

    report = build_database(
        args.db, inputs=args.inputs, storage_version=args.storage_version or DEFAULT_STORAGE_VERSION
    )
    print(report.summary())
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    from .builder import check_inputs

    report = check_inputs(args.inputs)
    print(report.summary())
    return EXIT_OK


def _cmd_reports(args: argparse.Namespace) -> int:
    with _open(args) as db:
        rows = [
            (
                spec.name,
                spec.title,
                ", ".join(f"{p.name} ({p.describe()})" for p in spec.parameters) or "-",
                spec.view_name,
            )
            for spec in db.reports()
        ]
    _write(("name", "title", "parameters", "view"), rows, args.format)
    return EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    params = _params(args.param)
    with _open(args) as db:
        relation = db.report(args.name, **params)
        _write(relation.columns, relation.fetchall(), args.format)
    return EXIT_OK


def _cmd_sql(args: argparse.Namespace) -> int:
    import duckdb

    from .database import _short
    from .errors import ParameterError

    params = _params(args.param)
    with _open(args) as db:
        try:
            relation = db.sql(args.query, params or None)
            rows = relation.fetchall()
        except duckdb.Error as error:
            raise ParameterError(f"query failed: {_short(error)}") from None
        _write(relation.columns, rows, args.format)
    return EXIT_OK


def _cmd_render(args: argparse.Namespace) -> int:
    from .sqltools import transpile

    params = _params(args.param)
    with _open(args) as db:
        rendered = db.render(args.name, **params)
    sql = rendered.sql if args.dialect == "duckdb" else transpile(rendered.sql, args.dialect)
    header = [f"-- report {rendered.spec.name}: {rendered.spec.title} ({args.dialect})"]
    if rendered.params:
        header.append("-- bind: " + ", ".join(f"{k}={v!r}" for k, v in rendered.params.items()))
    if args.dialect != "duckdb" and not rendered.spec.portable:
        header.append(f"-- NOT PORTABLE: {rendered.spec.portability_note}")
    elif args.dialect not in ("duckdb", "sqlite"):
        header.append(f"-- translated by sqlglot; tested on DuckDB and SQLite only, check it on {args.dialect}")
    sys.stdout.write("\n".join(header) + "\n" + sql)
    return EXIT_OK


def _cmd_lineage(args: argparse.Namespace) -> int:
    from .sqltools import lineage

    with _open(args) as db:
        rendered = db.render(args.name)
        columns = lineage(rendered.inline_sql(), db.con)
    rows = [(c.column, ", ".join(c.sources) or "(computed, no column source)") for c in columns]
    _write(("column", "sources"), rows, args.format)
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    with _open(args) as db:
        paths = db.export(args.directory, format=args.format, only=args.only)
    print(f"exported {len(paths) - 1} files and datapackage.json to {args.directory}")
    return EXIT_OK


def _cmd_synth(args: argparse.Namespace) -> int:
    from .synth import build_synthetic

    if args.facts < 100:
        raise _Usage("--facts must be at least 100")
    keep = Path(args.keep_inputs) if args.keep_inputs else None
    report = build_synthetic(args.db, args.facts, args.seed, keep)
    print(report.summary())
    return EXIT_OK


_HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "synth": _cmd_synth,
    "export": _cmd_export,
    "build": _cmd_build,
    "check": _cmd_check,
    "reports": _cmd_reports,
    "report": _cmd_report,
    "sql": _cmd_sql,
    "render": _cmd_render,
    "lineage": _cmd_lineage,
}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
