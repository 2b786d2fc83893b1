"""Write query results as a terminal table, CSV, JSON or Markdown (one helper for every command)."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import shutil
import textwrap
import unicodedata
from collections.abc import Sequence
from typing import Any, TextIO

from hebeidb.common.sqltext import visible_controls

FORMATS = ("table", "csv", "json", "markdown")


_AS_IS = (str, int, float, type(None))


def plain(value: Any) -> Any:
    """A JSON-friendly version of a DuckDB value (Decimal, date, ...)."""
    if type(value) in _AS_IS:
        return value
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, bytes):
        return value.hex()
    return value


def text(value: Any) -> str:
    """How a value reads in a table cell or CSV field; NULL is empty."""
    kind = type(value)
    if kind is str:  # most cells: no conversion
        return value
    if kind is int:
        return str(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    value = plain(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def terminal_text(value: Any) -> str:
    """How a value reads on a terminal or in Markdown: on one line (a line break reads as a space), every other
    control character written as a visible escape (an escape sequence in the data cannot act on the terminal).
    CSV and JSON keep the data exact."""
    return visible_controls(text(value).replace("\r\n", " ").replace("\n", " "))


def write_rows(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str, out: TextIO, width: int | None = None
) -> None:
    """Write ``rows`` in format ``fmt`` (table, csv, json or markdown).

    A table is wrapped to ``width`` terminal columns; by default to the terminal's width when ``out`` is a
    terminal, and not at all when it is not (a file, a pipe: one line per row, as ``grep`` and ``cut``
    expect); ``width=0`` never wraps.
    """
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[text(v) for v in row] for row in rows])
    elif fmt == "json":
        records = [dict(zip(columns, (plain(v) for v in row), strict=True)) for row in rows]
        json.dump(records, out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif fmt == "markdown":
        out.write(_markdown(columns, rows))
    elif fmt == "table":
        out.write(_table(columns, rows, terminal_width(out) if width is None else width or None))
    else:
        raise ValueError(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}")


def terminal_width(out: TextIO) -> int | None:
    """The width to wrap tables written to ``out`` to: the terminal's when ``out`` is one, else None (no limit)."""
    isatty = getattr(out, "isatty", None)
    try:
        terminal = bool(isatty and isatty())
    except ValueError:  # a closed stream
        terminal = False
    return shutil.get_terminal_size((80, 24)).columns if terminal else None


def describe_report(spec: Any, columns: Sequence[str], width: int | None = None) -> str:
    """A report's help: title, description, every parameter with type, default, allowed values and help.

    Wrapped to ``width`` columns (default: the terminal's, at most 100; 0: not wrapped)."""
    if width is None:
        width = min(shutil.get_terminal_size((80, 24)).columns, 100)
    width = width or 10**6
    indent = "  "
    out = io.StringIO()
    out.write(
        f"usage: hebeidb report {spec.name} [--param NAME=VALUE ...] [--format FORMAT] [--columns A,B] "
        "[--width N] [--db PATH] [--timeout SECONDS]\n\n"
    )
    out.write(f"{spec.title}\n\n")
    for paragraph in spec.description.split("\n\n"):
        out.write("\n".join(_wrap(" ".join(paragraph.split()), width)) + "\n\n")
    if spec.parameters:
        out.write("parameters (--param NAME=VALUE):\n")
        label = max(len(p.name) for p in spec.parameters) + 2
        for parameter in spec.parameters:
            room = max(width - len(indent) - label, 30)
            lines = _wrap_nonempty(parameter.describe(), room) + _wrap_nonempty(parameter.help, room)
            out.write(f"{indent}{parameter.name.ljust(label)}{lines[0] if lines else ''}".rstrip() + "\n")
            for line in lines[1:]:
                out.write(f"{indent}{'':{label}}{line}\n")
    else:
        out.write("parameters: none\n")
    listed = _wrap("columns (--columns A,B): " + ", ".join(columns), width - len(indent))
    out.write("\n" + "\n".join([listed[0], *(indent + line for line in listed[1:])]))
    out.write(f"\n\nview: {spec.view_name} (the result with the defaults)\n")
    if spec.example:
        out.write(f"\nexample:\n{indent}{spec.example}\n")
    # Everything above comes from the file: no control character of it reaches the terminal as such.
    return "\n".join(visible_controls(line) for line in out.getvalue().split("\n"))


def _markdown(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    def cell(value: Any) -> str:
        return terminal_text(value).replace("\\", "\\\\").replace("|", "\\|")

    lines = ["| " + " | ".join(cell(c) for c in columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


# A text column is never wrapped narrower than this (nor than its longest word): a description squeezed into
# a dozen columns is unreadable, one record per block reads better.
MIN_TEXT_WIDTH = 30
MIN_RECORD_WIDTH = 20  # one record per block: values wrap to the width left beside the labels, at least this
GAP = 2  # spaces between columns


def pick_columns(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], wanted: Sequence[str] | None
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Keep only the ``wanted`` columns, in that order; an unknown name is refused with the list of columns."""
    if not wanted:
        return list(columns), [tuple(row) for row in rows]
    from hebeidb.common.errors import ParameterError, unknown_name

    index = {name: i for i, name in enumerate(columns)}
    unknown = [name for name in wanted if name not in index]
    if unknown:
        raise unknown_name(f"no column named {unknown[0]!r} in the result", unknown[0], list(columns), "columns")
    if len(set(wanted)) != len(wanted):
        raise ParameterError(f"a column is named twice in --columns: {', '.join(wanted)}")
    picked = [index[name] for name in wanted]
    return list(wanted), [tuple(row[i] for i in picked) for row in rows]


def parse_columns(text: str | None) -> list[str] | None:
    """``"a, b"`` -> ``["a", "b"]``; None or empty -> None (all columns)."""
    if not text:
        return None
    names = [name.strip() for name in text.split(",")]
    return [name for name in names if name] or None


def _table(columns: Sequence[str], rows: Sequence[Sequence[Any]], width: int | None) -> str:
    """Columns side by side, wide text wrapped within its column, when they fit ``width`` (None: no limit).

    Numbers, dates and short values keep their full width; long text columns share the room left and wrap
    between words (nothing is cut, and a word, id or number is never split). A text column is never wrapped
    narrower than ``MIN_TEXT_WIDTH`` or its longest word: a result that cannot fit even then is shown as one
    record per block (like psql's \\x), where a word longer than the line takes a line of its own.
    """
    cells = [[terminal_text(v) for v in row] for row in rows]
    columns = [terminal_text(c) for c in columns]
    natural = [max([_width(c)] + [_width(row[i]) for row in cells]) for i, c in enumerate(columns)]
    right = [
        all(_numeric(row[i]) for row in cells if row[i]) and any(row[i] for row in cells) for i in range(len(columns))
    ]
    count = f"({len(rows)} row{'s' if len(rows) != 1 else ''})\n"
    if width is None:
        widths: list[int] | None = natural
    else:
        longest = [
            0 if right[i] else max([_longest_word(c)] + [_longest_word(row[i]) for row in cells])
            for i, c in enumerate(columns)
        ]
        widths = _fit(natural, right, longest, width - GAP * (len(columns) - 1))
    if widths is None:
        return _records(columns, cells, width or 0) + count

    def wrapped(value: str, w: int) -> list[str]:
        if _width(value) <= w:
            return [value]
        return _wrap(value, w)

    def lines(values: Sequence[str]) -> list[str]:
        pieces = [wrapped(v, w) for v, w in zip(values, widths, strict=True)]
        height = max(len(p) for p in pieces)
        out = []
        for k in range(height):
            parts = []
            for piece, w, r in zip(pieces, widths, right, strict=True):
                v = piece[k] if k < len(piece) else ""
                pad = " " * (w - _width(v))
                parts.append(pad + v if r else v + pad)
            out.append((" " * GAP).join(parts).rstrip())
        return out

    body = [lines(row) for row in cells]
    spaced = any(len(block) > 1 for block in body)
    out = io.StringIO()
    out.write("\n".join(lines(list(columns))) + "\n")
    out.write((" " * GAP).join("-" * w for w in widths) + "\n")
    for number, block in enumerate(body):
        if spaced and number:
            out.write("\n")
        out.write("\n".join(block) + "\n")
    out.write(count)
    return out.getvalue()


def _fit(natural: list[int], numeric: list[bool], longest: list[int], room: int) -> list[int] | None:
    """Column widths that fit ``room``: short and numeric columns whole, long text shrunk (never below
    ``MIN_TEXT_WIDTH`` nor its ``longest`` word); None if impossible."""
    if sum(natural) <= room:
        return natural
    least = [n if numeric[i] else max(min(n, MIN_TEXT_WIDTH), longest[i]) for i, n in enumerate(natural)]
    if sum(least) > room:
        return None
    # Water-filling: columns that need less than their share of the room get what they need; the others
    # share what is left in proportion to their length (a long description gets more lines' width than a
    # short list beside it), none below its least width.
    widths = list(least)
    flexible = sorted((i for i, n in enumerate(natural) if widths[i] < n), key=lambda i: natural[i])
    spare = room - sum(widths[i] for i in range(len(widths)) if i not in flexible)
    for position, i in enumerate(flexible):
        wanted = sum(natural[j] for j in flexible[position:])
        share = spare * natural[i] // wanted
        widths[i] = max(least[i], min(natural[i], share))
        spare -= widths[i]
    return widths


def _wrap(value: str, width: int) -> list[str]:
    """Wrap ``value`` to lines of at most ``width`` terminal columns (wide characters count two), breaking only
    between words: a word, id or number is never split, and one longer than a line takes a line of its own.
    Chinese text, which has no spaces, is kept whole where it fits a line and otherwise broken between
    characters (never inside a Latin word or number within it)."""
    if value.isascii():
        return textwrap.wrap(value, width, break_long_words=False, break_on_hyphens=False) or [""]
    pieces: list[str] = []
    line, used = "", 0
    for word in value.split():
        size = _width(word)
        space = 1 if line else 0
        if used + space + size <= width:
            line, used = line + " " * space + word, used + space + size
            continue
        if size <= width or not any(_is_wide(ch) for ch in word):
            if line:
                pieces.append(line)
            line, used = word, size
            continue
        # Longer than a line and breakable: fill this line and the next between its characters.
        for position, atom in enumerate(_atoms(word)):
            gap = 1 if position == 0 and line else 0
            atom_size = _width(atom)
            if line and used + gap + atom_size > width:
                pieces.append(line)
                line, used, gap = "", 0, 0
            line, used = line + " " * gap + atom, used + gap + atom_size
    pieces.append(line)
    return pieces


def _wrap_nonempty(value: str, width: int) -> list[str]:
    """:func:`_wrap` for text that may be empty (no line then)."""
    return _wrap(value, width) if value.strip() else []


def _atoms(word: str) -> list[str]:
    """The pieces of a word between which a line may break: each wide character alone, every run of other
    characters (a Latin word, a number, an id) whole."""
    if word.isascii():
        return [word]
    atoms: list[str] = []
    run = ""
    for ch in word:
        if _is_wide(ch):
            if run:
                atoms.append(run)
                run = ""
            atoms.append(ch)
        else:
            run += ch
    if run:
        atoms.append(run)
    return atoms


def _longest_word(value: str) -> int:
    """The width of the widest piece of ``value`` that wrapping never splits."""
    if value.isascii():
        return max((len(word) for word in value.split()), default=0)
    return max((_width(atom) for word in value.split() for atom in _atoms(word)), default=0)


def _records(columns: Sequence[str], cells: Sequence[Sequence[str]], width: int) -> str:
    label = max((len(c) for c in columns), default=0)
    room = max(width - label - 3, MIN_RECORD_WIDTH)
    out = io.StringIO()
    for number, row in enumerate(cells, 1):
        out.write(f"-[ {number} ]".ljust(min(width, label + 3 + 20), "-") + "\n")
        for name, value in zip(columns, row, strict=True):
            # Wrap long values under themselves rather than cut them: nothing is lost.
            pieces = _wrap(value, room) if value else [""]
            out.write(f"{name.ljust(label)} | {pieces[0]}".rstrip() + "\n")
            for piece in pieces[1:]:
                out.write(f"{'':{label}} | {piece}".rstrip() + "\n")
    return out.getvalue()


def _width(value: str) -> int:
    """Columns a string takes in a terminal: East Asian wide characters (河北省) take two."""
    if value.isascii():
        return len(value)
    return sum(2 if _is_wide(ch) else 1 for ch in value)


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _numeric(value: str) -> bool:
    try:
        float(value.replace(",", ""))
    except ValueError:
        return False
    return True


# --- a build report, for people and as data --------------------------------------------------------------


def build_summary(report: Any) -> str:
    """A build report (:class:`hebeidb.builder.report.BuildReport`) in a few lines for the terminal: tables, rows,
    checks passed, coverage."""
    rows = sum(report.tables.values())
    lines = []
    if report.path is not None:
        lines.append(f"built {report.path}")
        lines.append(f"path: {report.build_path} build ({report.reason})")
        unchanged = report.input_files - report.files_read
        lines.append(
            f"inputs: {report.input_files} files, {report.files_read} read to hash them"
            + (f" ({unchanged} unchanged since the previous build)" if unchanged > 0 else "")
        )
    lines.append(
        f"tables: {len(report.tables)} with {rows} rows ({', '.join(f'{n} {c}' for n, c in report.tables.items())})"
    )
    if report.plan is not None and report.build_path == "change-aware":
        lines += _made_again(report.plan)
    passed = sum(result.passed for result in report.checks)
    line = f"checks: {passed} of {len(report.checks)} passed ({', '.join(r.name for r in report.checks)})"
    if report.kept_checks:
        line += f"; {len(report.kept_checks)} kept, passed on the same data when the previous file was built"
    lines.append(line)
    if report.coverage:
        total = sum(report.coverage.values())
        lines.append(
            f"coverage: {total} numbers in the article body, {report.coverage.get('fact', 0)} captured by facts, "
            f"{report.coverage.get('excluded', 0)} excluded with a reason, none unaccounted"
        )
    if report.cross_checks is not None:
        lines.append(
            f"cross-checks: {report.cross_checks} between claims passed; "
            f"{report.interval_checks or 0} of a fact against its own interval passed"
        )
    return "\n".join(lines)


def _made_again(plan: dict[str, Any]) -> list[str]:
    """What a change-aware build made again: the seed tables read again (with how their rows differed), the
    source texts and the derived tables."""
    tables = [f"core.{t['table']} ({t['difference']})" for t in plan["tables"]]
    refilled = [f"core.{d['table']}" for d in plan["derived"]]
    if plan["source_texts"]:
        refilled.insert(0, "core.source_texts")
    lines = [f"read again: {', '.join(tables) or 'no seed table'}"]
    if refilled:
        lines.append(f"filled again: {', '.join(refilled)}")
    return lines


def build_plan_text(plan: dict[str, Any]) -> str:
    """A build plan (:meth:`hebeidb.builder.plan.Plan.as_dict`) for the terminal: the kind of build and why, what
    changed, what would be made again and why, and what would be kept."""
    lines = [f"plan: {plan['build']} build ({plan['reason']})"]
    if plan["files"]:
        changed = [f"{f['path']} ({f['change']})" for f in plan["files"]]
        lines.append(
            f"changed: {', '.join(changed[:10])}" + (f" and {len(changed) - 10} more" if len(changed) > 10 else "")
        )
    if plan["build"] == "full":
        lines.append("made again: everything, from the inputs")
        return "\n".join(lines)
    for table in plan["tables"]:
        lines.append(f"read again: core.{table['table']}: {table['difference']} ({table['why']})")
    if plan["source_texts"]:
        lines.append(f"read again: core.source_texts ({plan['source_texts']})")
    for derived in plan["derived"]:
        lines.append(f"filled again: core.{derived['table']} ({derived['why']})")
    for check in plan["checks"]["run"]:
        lines.append(f"run again: check {check['check']} ({check['why']})")
    lines.append(f"made again: the reports ({plan['reports']})")
    kept_checks, kept_tables = plan["checks"]["kept"], plan["kept_tables"]
    lines.append(f"kept: {len(kept_tables)} tables ({', '.join(kept_tables)})")
    lines.append(f"kept: {len(kept_checks)} checks' results ({', '.join(kept_checks)})")
    return "\n".join(lines)


def build_timings_table(report: Any) -> str:
    """A build report's phases as an aligned table for the terminal, with the total."""
    width = max([len(name) for name in report.timings] + [5])
    lines = [f"{'phase':<{width}}  {'seconds':>8}  {'rows':>12}"]
    for phase in report.phases():
        rows = "" if phase["rows"] is None else f"{phase['rows']:,}"
        lines.append(f"{phase['phase']:<{width}}  {phase['seconds']:>8.3f}  {rows:>12}")
    lines.append(f"{'total':<{width}}  {report.seconds:>8.3f}  {report.build_path + ' build':>12}")
    return "\n".join(lines)


def build_results_document(report: Any) -> dict[str, Any]:
    """A build report as data, in the manner of dbt's ``run_results.json``: metadata, one result per phase and
    per check, the total time and the path taken."""
    import duckdb

    from hebeidb.common.version import __version__

    return {
        "metadata": {
            "hebeidb_version": __version__,
            "duckdb_version": duckdb.__version__,
            "generated_at": dt.datetime.now(tz=dt.UTC).isoformat(timespec="seconds"),
            "database": None if report.path is None else str(report.path),
            "inputs_sha256": report.inputs_sha256,
        },
        "build": report.build_path,
        "reason": report.reason,
        "elapsed_time": round(report.seconds, 6),
        "results": report.phases(),
        "checks": [
            {"check": c.name, "seconds": round(c.seconds, 6), "status": "pass" if c.passed else "fail"}
            for c in report.checks
        ],
        "tables": report.tables,
        "inputs": {"files": report.input_files, "read": report.files_read},
        "kept_checks": list(report.kept_checks),
        "plan": report.plan,
    }
