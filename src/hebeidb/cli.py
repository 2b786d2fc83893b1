"""The ``hebeidb`` command: a thin mirror of the Python API.

Each command is declared once, beside its handler, with :func:`command`; options that several
commands share are bundled (``READER``, ``OUTPUT``, ``PARAMS``). Handlers call the method of the same
name on :class:`hebeidb.Database` (or the build) and print its result with one output helper.

Exit codes: 0 success, 2 usage or bad parameter (a missing database, a refused or failing query),
1 data or build error. Results go to standard output, errors and warnings to standard error.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hebeidb.common.errors import EXIT_DATA, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, UsageError
from hebeidb.common.version import __version__

DEFAULT_QUERY_TIMEOUT = 60.0
TIMEOUT_ENV = "HEBEIDB_TIMEOUT"

Argument = tuple[tuple[str, ...], dict[str, Any]]
Handler = Callable[[argparse.Namespace], int]


def arg(*flags: str, **options: Any) -> Argument:
    """One argument of a command, as ``argparse.add_argument`` takes it."""
    return flags, options


# Options shared by several commands, declared once.
DB = arg(
    "--db",
    metavar="PATH",
    help="database file to read (default: $HEBEIDB_DATABASE or ./hebei.duckdb); build it first with `hebeidb build`",
)
TIMEOUT = arg(
    "--timeout",
    type=float,
    metavar="SECONDS",
    help=f"interrupt any one query or template rendering that runs longer (default: {DEFAULT_QUERY_TIMEOUT:g}, "
    f"or ${TIMEOUT_ENV}; 0: no limit)",
)
READER = (DB, TIMEOUT)
PARAMS = (
    arg("--param", "-p", action="append", default=[], metavar="NAME=VALUE", help="a parameter value; repeat for more"),
)


def _format_argument() -> Argument:
    from hebeidb.common.output import FORMATS

    return arg("--format", "-f", choices=FORMATS, default="table", help="output format (default: table)")


def _width_value(text: str) -> int:
    try:
        width = int(text)
    except ValueError:
        width = -1
    if width < 0:
        raise argparse.ArgumentTypeError(f"a width is a number of columns from 0 (never wrap) up, not {text!r}")
    return width


WIDTH = arg(
    "--width",
    type=_width_value,
    metavar="N",
    help="wrap tables to N columns (default: the terminal's width; output to a file or pipe is not wrapped: "
    "one line per row; 0: never wrap)",
)
OUTPUT = (_format_argument(), WIDTH)
COLUMNS = arg(
    "--columns",
    "-c",
    metavar="A,B",
    help="show only these columns, in this order (names separated by commas)",
)


@dataclass(frozen=True)
class Command:
    name: str
    summary: str
    example: str
    arguments: tuple[Argument, ...]
    handler: Handler


_COMMANDS: dict[str, Command] = {}


def command(
    name: str, summary: str, example: str, *arguments: Argument | tuple[Argument, ...]
) -> Callable[[Handler], Handler]:
    """Declare a command beside its handler: name, one-line summary, an example, its arguments."""
    flat: list[Argument] = []
    for item in arguments:
        if item and isinstance(item[0], tuple) and item[0] and isinstance(item[0][0], str):
            flat.append(item)  # type: ignore[arg-type]
        else:
            flat.extend(item)  # type: ignore[arg-type]

    def register(handler: Handler) -> Handler:
        _COMMANDS[name] = Command(name, summary, example, tuple(flat), handler)
        return handler

    return register


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"hebeidb: error: {message}\n")

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        # argparse's own check of a value with choices (a command name, --format, --dialect), naming the
        # nearest choices first.
        if action.choices is not None and value not in action.choices:
            from hebeidb.common.errors import closest_names, did_you_mean

            names = [str(choice) for choice in action.choices]
            hint = did_you_mean(closest_names(str(value), names))
            raise argparse.ArgumentError(
                action, f"invalid choice: {value!r}; {hint + ' ' if hint else ''}choose from {', '.join(names)}"
            )


def _refuse_extra(parser: argparse.ArgumentParser, name: str | None, extra: Sequence[str]) -> None:
    """Refuse arguments no option or positional of the command takes, saying what was probably meant: a
    forgotten ``--param`` before NAME=VALUE, a misspelt option."""
    from hebeidb.common.errors import closest_names

    message = f"unrecognized arguments: {' '.join(extra)}"
    flags = ["--help", "-h"] + [flag for flags, _ in (_COMMANDS[name].arguments if name else ()) for flag in flags]
    pairs = [item for item in extra if not item.startswith("-") and "=" in item.lstrip("=")]
    options = [item.split("=", 1)[0] for item in extra if item.startswith("--")]
    if pairs and "--param" in flags:
        message += "; did you mean " + " ".join(f"--param {pair}" for pair in pairs) + "?"
    elif options:
        # Compared without their dashes, which every option shares.
        long = {flag[2:]: flag for flag in flags if flag.startswith("--")}
        nearest = closest_names(options[0][2:], list(long))
        message += f"; did you mean {' or '.join(long[name] for name in nearest)}?" if nearest else ""
    parser.error(message)


def _parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = _Parser(
        prog="hebeidb",
        description="Build and query the hebeidb database of Hebei's support for people with disabilities.",
        epilog="example:\n  hebeidb build && hebeidb report medals --param kind=summer_paralympics",
        formatter_class=formatter,
    )
    parser.add_argument("--version", action="version", version=f"hebeidb {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands = {}
    for spec in _COMMANDS.values():
        sub = subparsers.add_parser(
            spec.name,
            help=spec.summary,
            description=spec.summary,
            epilog=f"example:\n  {spec.example}",
            formatter_class=formatter,
        )
        for flags, options in spec.arguments:
            sub.add_argument(*flags, **options)
        sub.set_defaults(handler=spec.handler)
        commands[spec.name] = sub
    return parser, commands


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hebeidb`` command; returns the exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    asked = _report_help(arguments)
    if asked is not None:
        return asked
    parser, commands = _parser()
    args, extra = parser.parse_known_args(arguments)
    if extra:
        _refuse_extra(parser if args.command is None else commands[args.command], args.command, extra)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    with _interrupts() as interrupted:
        try:
            return args.handler(args)
        except BaseException as error:
            if interrupted.is_set() or isinstance(error, KeyboardInterrupt):
                # Whatever the interrupt broke on its way out (a DuckDB query, a thread beside it), the
                # command says so in one line; what it was writing has been removed on the way.
                return _fail("interrupted", EXIT_INTERRUPTED)
            return _failure(error)


@contextlib.contextmanager
def _interrupts() -> Iterator[threading.Event]:
    """While the command runs, Ctrl-C (SIGINT) is recorded before it interrupts, so that any error it causes
    is known for what it is."""
    interrupted = threading.Event()
    if threading.current_thread() is not threading.main_thread():  # signals reach the main thread only
        yield interrupted
        return

    def on_interrupt(number: int, frame: object) -> None:
        interrupted.set()
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield interrupted
    finally:
        signal.signal(signal.SIGINT, previous)


def _failure(error: BaseException) -> int:
    """The exit code of an error that ended a command, printed in one line; a bug is raised as it is."""
    from hebeidb.common.errors import HebeidbError

    if isinstance(error, HebeidbError):
        return _fail(str(error), error.exit_code)
    if isinstance(error, BrokenPipeError):
        # The reader of our output went away (`hebeidb report ... | head`): not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    if isinstance(error, OSError):
        # A file system error no command foresaw (a folder it may not enter, a full disk): one line.
        where = f"{error.filename}: " if error.filename else ""
        return _fail(f"{where}{error.strerror or error}", EXIT_DATA)
    if _is_duckdb_error(error):
        # A DuckDB error no command foresaw (out of memory, say) is one line too; anything else is a bug.
        from hebeidb.common.sqltext import error_first_line

        return _fail(f"DuckDB: {error_first_line(error)}", EXIT_DATA)
    raise error


def _is_duckdb_error(error: BaseException) -> bool:
    """Whether ``error`` is DuckDB's (the check does not import DuckDB: it has been imported if it raised)."""
    duckdb = sys.modules.get("duckdb")
    return duckdb is not None and isinstance(error, duckdb.Error)


def _fail(message: str, code: int) -> int:
    from hebeidb.common.sqltext import visible_controls

    # A message may quote the file or the command line: its control characters are shown, never acted on.
    print("\n".join(f"hebeidb: {visible_controls(line)}" if i == 0 else visible_controls(line)
                    for i, line in enumerate(message.split("\n"))), file=sys.stderr)  # fmt: skip
    return code


def _note(message: str) -> None:
    """A line for the person at the terminal (not data) on standard error, its control characters shown."""
    _fail(message, EXIT_OK)


def _open(args: argparse.Namespace) -> Any:
    """Open the database read-only; a warning about it becomes one line on standard error."""
    import warnings

    from hebeidb.reader.database import open as open_database

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        database = open_database(args.db, query_timeout=_timeout(args))
    for warning in caught:
        _fail(f"warning: {warning.message}", 0)
    return database


def _timeout(args: argparse.Namespace) -> float | None:
    """The reader's timeout: ``--timeout``, else ``$HEBEIDB_TIMEOUT``, else 60 seconds; 0 means none."""
    seconds = getattr(args, "timeout", None)
    if seconds is None:
        text = os.environ.get(TIMEOUT_ENV, "").strip()
        try:
            seconds = float(text) if text else DEFAULT_QUERY_TIMEOUT
        except ValueError:
            raise UsageError(f"${TIMEOUT_ENV} is {text!r}, not a number of seconds") from None
    if not seconds == seconds or seconds < 0 or seconds == float("inf"):  # NaN, negative or infinite
        raise UsageError(f"a timeout is a number of seconds from 0 (no limit) up, not {seconds:g}")
    return seconds or None


def _write(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    args: argparse.Namespace,
    only: str | None = None,
) -> None:
    """Print a result in the format the command line asks (``--format``, ``--width``, ``--columns``)."""
    from hebeidb.common.output import parse_columns, pick_columns, write_rows

    columns, rows = pick_columns(columns, rows, parse_columns(only))
    write_rows(columns, rows, args.format, sys.stdout, width=getattr(args, "width", None))


def _params(pairs: Sequence[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"--param wants NAME=VALUE, got {pair!r}")
        if name in params:
            raise UsageError(f"--param {name} is given twice")
        _require_text(f"--param {name}", value)
        params[name] = value
    return params


def _require_text(what: str, value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise UsageError(f"{what} holds bytes that are not UTF-8 text (at character {error.start + 1})") from None


# --- the build side: the only commands that write a database ---------------------------------------


@command(
    "build",
    "Build the database from the schema, seeds and queries, running every check. When the file was built from "
    "the same schema, only what the changed inputs touch is made again (--plan shows what; --full rebuilds all).",
    "hebeidb build --db hebei.duckdb --timings build-timings.json",
    arg("--db", metavar="PATH", help="file to write (default: $HEBEIDB_DATABASE or ./hebei.duckdb)"),
    arg(
        "--storage-version",
        metavar="VERSION",
        help="DuckDB storage format to write (default: v1.0.0, which DuckDB 1.1 and later, the duckdb-cli shell "
        "included, can open)",
    ),
    arg(
        "--inputs",
        metavar="DIR",
        help="build from the schema/, seeds/, queries/ and checks/ in DIR (default: the current folder when it holds "
        "schema/ and seeds/, else the copy installed with hebeidb)",
    ),
    arg(
        "--full",
        action="store_true",
        help="build everything from the inputs, reading every input file again, rather than only what changed",
    ),
    arg(
        "--plan",
        action="store_true",
        help="print what the build would do (what changed, what would be made again and why, what would be kept) "
        "and write nothing",
    ),
    arg(
        "--timings",
        nargs="?",
        const="-",
        metavar="FILE.json",
        help="print the seconds and rows of each phase after the summary; with FILE.json, write them there as JSON",
    ),
    arg(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text: a summary for people (default); json: the build's phases, checks and tables as one JSON document",
    ),
)
def build(args: argparse.Namespace) -> int:
    import json

    from hebeidb.builder.pipeline import DEFAULT_STORAGE_VERSION, build_database
    from hebeidb.common.progress import progress_line

    inputs, said = _inputs(args)
    if args.format != "json":
        print(said, flush=True)
    if args.plan:
        from hebeidb.builder.pipeline import plan_build
        from hebeidb.common.output import build_plan_text

        plan = plan_build(
            args.db,
            inputs=inputs,
            storage_version=args.storage_version or DEFAULT_STORAGE_VERSION,
            full=args.full,
        ).as_dict()
        print(json.dumps(plan, indent=2) if args.format == "json" else build_plan_text(plan))
        return EXIT_OK
    with progress_line("building") as progress:
        report = build_database(
            args.db,
            inputs=inputs,
            storage_version=args.storage_version or DEFAULT_STORAGE_VERSION,
            full=args.full,
            listener=progress,
        )
    results = report.results_document()
    results["inputs"]["folder"] = str(inputs.root)
    document = json.dumps(results, indent=2)
    if args.timings not in (None, "-"):
        try:
            Path(args.timings).write_text(document + "\n", encoding="utf-8")
        except OSError as error:
            raise UsageError(f"cannot write --timings {args.timings}: {error.strerror or error}") from None
    if args.format == "json":
        print(document)
        return EXIT_OK
    print(report.summary())
    if args.timings == "-":
        print(report.timings_table())
    return EXIT_OK


@command(
    "check",
    "Run every check on the inputs without writing a database.",
    "hebeidb check --inputs path/to/inputs",
    arg(
        "--inputs",
        metavar="DIR",
        help="check the inputs in DIR (default: the current folder when it holds schema/ and seeds/, else the "
        "copy installed with hebeidb)",
    ),
)
def check(args: argparse.Namespace) -> int:
    from hebeidb.builder.pipeline import check_inputs

    inputs, said = _inputs(args)
    print(said, flush=True)
    print(check_inputs(inputs).summary())
    return EXIT_OK


def _inputs(args: argparse.Namespace) -> tuple[Any, str]:
    """The inputs a build or check reads, and the line that says which: ``--inputs DIR``, else the current folder
    when it holds inputs (as dbt reads the project in its folder), else the copy installed with hebeidb."""
    from hebeidb.builder.inputs import Inputs

    if args.inputs is not None:
        inputs = Inputs.at(args.inputs)
        return inputs, f"inputs: {inputs.root} (--inputs)"
    here = Path.cwd()
    if (here / "schema").is_dir() and (here / "seeds").is_dir():
        inputs = Inputs.at(here)
        return inputs, f"inputs: {inputs.root} (the current folder)"
    inputs = Inputs.installed()
    return inputs, (
        f"inputs: the copy installed with hebeidb ({inputs.root}); to build your own, run in a folder holding "
        "schema/ and seeds/, or give --inputs DIR"
    )


@command(
    "synth",
    "Build a database of synthetic national-scale data (34 regions, 20 years) through the normal build.",
    "hebeidb synth --facts 100000 --seed 1 --db synth.duckdb",
    arg("--facts", type=int, required=True, metavar="N", help="number of facts (at least 100)"),
    arg("--seed", type=int, default=0, help="random seed; the same seed gives the same database"),
    arg("--db", metavar="PATH", required=True, help="file to write"),
    arg("--keep-inputs", metavar="DIR", help="keep the generated schema/, seeds/ and queries/ in DIR"),
)
def synth(args: argparse.Namespace) -> int:
    from hebeidb.builder.synth import build_synthetic
    from hebeidb.common.progress import progress_line

    if args.facts < 100:
        raise UsageError("--facts must be at least 100")
    keep = Path(args.keep_inputs) if args.keep_inputs else None
    with progress_line("synth") as progress:
        report = build_synthetic(args.db, args.facts, args.seed, keep, listener=progress)
    print(report.summary())
    return EXIT_OK


# --- readers: they open the file read-only and take everything from it -----------------------------


@command(
    "reports",
    "List the reports the database holds, with their titles, descriptions and parameters.",
    "hebeidb reports --format markdown",
    READER,
    OUTPUT,
)
def reports(args: argparse.Namespace) -> int:
    with _open(args) as db:
        rows = [
            (
                spec.name,
                spec.title,
                " ".join(spec.description.split()),
                [p.as_dict() for p in spec.parameters]
                if args.format == "json"
                # A terminal table names them (`hebeidb report NAME --help` describes each); files get it all.
                else ", ".join(p.name for p in spec.parameters) or "-"
                if args.format == "table"
                else "; ".join(f"{p.name} ({p.describe()})" for p in spec.parameters) or "-",
                spec.view_name,
            )
            for spec in db.reports()
        ]
    _write(("name", "title", "description", "parameters", "view"), rows, args)
    return EXIT_OK


@command(
    "report",
    "Run a report.",
    "hebeidb report indicators --param domain=education --format csv",
    arg("name", help="report name (see `hebeidb reports`); `hebeidb report NAME --help` describes it"),
    PARAMS,
    OUTPUT,
    COLUMNS,
    READER,
)
def report(args: argparse.Namespace) -> int:
    params = _params(args.param)
    with _open(args) as db:
        result = db.report(args.name, **params)
        _write(result.columns, result.fetchall(), args, only=args.columns)
    return EXIT_OK


def _report_help(argv: Sequence[str]) -> int | None:
    """``hebeidb report NAME --help``: the report's own help, from the opened database; None if not asked."""
    if len(argv) < 3 or argv[0] != "report" or not ({"-h", "--help"} & set(argv[1:])):
        return None
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("name", nargs="?")
    for flags in (("--db",), ("--param", "-p"), ("--format", "-f"), ("--columns", "-c"), ("--timeout",), ("--width",)):
        where.add_argument(*flags, action="append")
    where.add_argument("--help", "-h", action="store_true")
    try:
        known, _ = where.parse_known_args(argv[1:])
    except SystemExit:
        return None
    name = known.name
    if name is None:
        return None
    known.db = known.db[-1] if known.db else None
    from hebeidb.common.errors import HebeidbError

    try:
        with _open(argparse.Namespace(db=known.db, timeout=None)) as db:
            spec = db.report_spec(name)
            columns = db.report(name).columns
    except HebeidbError as error:
        return _fail(str(error), error.exit_code)
    from hebeidb.common.output import describe_report

    try:
        width = _width_value(known.width[-1]) if known.width else None
    except argparse.ArgumentTypeError as error:
        return _fail(f"--width: {error}", EXIT_USAGE)
    sys.stdout.write(describe_report(spec, columns, width))
    return EXIT_OK


@command(
    "sql",
    "Run one read-only SQL query.",
    "hebeidb sql 'SELECT label, value FROM facts WHERE domain = $d' --param d=healthcare",
    arg("query", help="a single SELECT statement; values bind as $name from --param (quote it with '...')"),
    PARAMS,
    OUTPUT,
    COLUMNS,
    READER,
)
def sql(args: argparse.Namespace) -> int:
    _require_text("the query", args.query)
    params = _params(args.param)
    with _open(args) as db:
        result = db.sql(args.query, params or None)
        _write(result.columns, result.fetchall(), args, only=args.columns)
    return EXIT_OK


@command(
    "search",
    "Find the facts that answer a question, best first: every word helps, rare words more.",
    "hebeidb search How many children with autism were served --columns stated,label,quote",
    arg(
        "words",
        nargs="+",
        help="a question or words to find (shares finds sharing, 11th finds eleventh); a fact need not hold them all",
    ),
    arg("--numbers", action="store_true", help="also list the article's excluded numbers that match, with reasons"),
    arg("--domain", metavar="D", help="only facts of this domain (see `hebeidb sql 'SELECT * FROM domains'`)"),
    arg("--limit", type=int, default=50, metavar="N", help="at most N facts (and N numbers); default 50"),
    OUTPUT,
    COLUMNS,
    READER,
)
def search(args: argparse.Namespace) -> int:
    """The rows go to standard output; "did you mean" and "no figure in the record matches" to standard error."""
    for word in args.words:
        _require_text("a search word", word)
    with _open(args) as db:
        result = db.search(args.words, numbers=args.numbers, domain=args.domain, limit=args.limit)
        _write(result.columns, result.fetchall(), args, only=args.columns)
    for line in result.messages():
        _note(line)
    return EXIT_OK


@command(
    "describe",
    "List the public views with their descriptions, keys and references, or one view's columns.",
    "hebeidb describe facts",
    arg("view", nargs="?", help="a public view (default: list them all)"),
    OUTPUT,
    READER,
)
def describe(args: argparse.Namespace) -> int:
    with _open(args) as db:
        views = db.describe(args.view)
    if args.view is None:
        rows = [
            (
                v.name,
                v.description,
                ", ".join(v.key) or "-",
                "; ".join(f"{', '.join(r.columns)} -> {r.view}({', '.join(r.view_columns)})" for r in v.references)
                or "-",
            )
            for v in views
        ]
        _write(("view", "description", "key", "references"), rows, args)
        return EXIT_OK
    view = views[0]
    referring = {c: r for r in view.references for c in r.columns}
    rows = [
        (
            c.name,
            c.type,
            "key" if c.name in view.key else "",
            f"{referring[c.name].view}.{referring[c.name].view_columns[referring[c.name].columns.index(c.name)]}"
            if c.name in referring
            else "",
            c.description,
        )
        for c in view.columns
    ]
    _write(("column", "type", "key", "references", "description"), rows, args)
    return EXIT_OK


def _dialect_arguments() -> tuple[Argument, ...]:
    from hebeidb.reader.translate import DIALECTS, UNVERIFIED_DIALECTS

    return (
        arg(
            "--dialect",
            choices=DIALECTS + UNVERIFIED_DIALECTS,
            default="duckdb",
            help=f"SQL dialect (default: duckdb); verified on {', '.join(DIALECTS)}",
        ),
        arg(
            "--unverified",
            action="store_true",
            help=f"allow a dialect no test runs the reports on ({', '.join(UNVERIFIED_DIALECTS)}); the output says so",
        ),
    )


@command(
    "render",
    "Print a report's SQL, optionally translated to another engine's SQL, with the values to bind.",
    "hebeidb render medals --param kind=national_games --dialect postgres --format json",
    arg("name", help="report name"),
    PARAMS,
    _dialect_arguments(),
    arg(
        "--format",
        "-f",
        choices=("sql", "json"),
        default="sql",
        help="sql: the query with a header comment; json: the query, placeholder style and bound values as data",
    ),
    READER,
)
def render(args: argparse.Namespace) -> int:
    import json

    from hebeidb.reader.translate import commented_sql

    params = _params(args.param)
    with _open(args) as db:
        spec = db.report_spec(args.name)
        translation = db.translate(args.name, args.dialect, unverified=args.unverified, **params)
    portable = args.dialect == "duckdb" or spec.portable
    if args.format == "json":
        document = {"report": spec.name, "title": spec.title, **translation.as_json(), "portable": portable}
        if not portable:
            document["portability_note"] = spec.portability_note
        sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
        return EXIT_OK
    sys.stdout.write(commented_sql(spec, translation))
    return EXIT_OK


@command(
    "lineage",
    "Show where each output column of a report comes from.",
    "hebeidb lineage medals",
    arg("name", help="report name"),
    OUTPUT,
    READER,
)
def lineage(args: argparse.Namespace) -> int:
    with _open(args) as db:
        columns = db.lineage(args.name)
    rows = [(c.column, ", ".join(c.sources) or "(computed, no column source)") for c in columns]
    _write(("column", "sources"), rows, args)
    return EXIT_OK


@command(
    "site",
    "Write a static report site: the annotated article, one page per report with its chart, the lineage graph.",
    "hebeidb site site/ && python -m http.server -d site/",
    arg("directory", help="a new or empty folder, or an earlier site (replaced once the new one is complete)"),
    READER,
)
def site(args: argparse.Namespace) -> int:
    from hebeidb.common.progress import progress_line

    with progress_line("writing the site") as progress, _open(args) as db:
        paths = db.site(args.directory, listener=progress, timeout=_timeout(args))
    print(f"wrote {len(paths)} files to {args.directory}; open {Path(args.directory) / 'index.html'}")
    return EXIT_OK


@command(
    "export",
    "Write every public view, report view and base table as Parquet or CSV files with a datapackage.json, "
    "or the public views as one SQLite file with a datasette metadata.json.",
    "hebeidb export out/ --format parquet --only facts --only medal_tallies\n"
    "  hebeidb export out/ --partition-by domain,year\n"
    "  hebeidb export out/ --format sqlite && datasette out/hebei.sqlite -m out/metadata.json",
    arg("directory", help="a new or empty folder, or an earlier export (replaced once complete)"),
    arg(
        "--format",
        "-f",
        choices=("parquet", "csv", "sqlite"),
        default="parquet",
        help="file format (default: parquet); sqlite writes hebei.sqlite and a datasette metadata.json",
    ),
    arg("--only", action="append", metavar="NAME", help="export only this view or table; repeat for more"),
    arg(
        "--partition-by",
        metavar="COL[,COL]",
        action="append",
        help="write each Parquet object that has these columns as Hive partitions (e.g. domain,year)",
    ),
    READER,
)
def export(args: argparse.Namespace) -> int:
    from hebeidb.common.progress import progress_line

    with progress_line("exporting") as progress, _open(args) as db:
        paths = db.export(
            args.directory,
            format=args.format,
            only=args.only,
            partition_by=args.partition_by,
            listener=progress,
            timeout=_timeout(args),
        )
    print(f"exported {len(paths) - 1} files and datapackage.json to {args.directory}")
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
