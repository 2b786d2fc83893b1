"""The stored texts of the document sources, read from the inputs into ``core.source_texts``.

Each document source of ``seeds/sources.csv`` names its text file (``text_path``, inside ``seeds/``); the build
reads them all in one ``read_blob`` and takes each one's sha256 (the engine's checks then hold it against the
one the source pins, and every quote against its offsets in the text).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import duckdb

from hebeidb.builder.inputs import Inputs
from hebeidb.builder.loading import SCHEMA, core_tables, stage_lines
from hebeidb.common.errors import BuildError, Problem

# The document sources whose stored text the build reads: what the texts depend on, for the lineage engine too.
TEXTS_QUERY = f"SELECT source_id, text_path FROM {SCHEMA}.sources WHERE kind = 'document' ORDER BY source_id"


def load_source_texts(con: duckdb.DuckDBPyConnection, inputs: Inputs) -> int | list[tuple[str, Problem]]:
    """Insert the stored text of every document source; returns how many, or the problems of ``sources.csv``
    rows (each with its source_id, for :func:`on_their_lines`: ``con`` may be a cursor, which does not see
    the staged seeds)."""
    documents = con.execute(TEXTS_QUERY).fetchall()
    rel_sources = inputs.relative(inputs.seeds_dir / "sources.csv")
    problems: list[tuple[str, Problem]] = []  # with the row's source_id: its line is looked up if need be
    paths = {}
    # Links are resolved once per folder (and per linked file) rather than per path: thousands of
    # texts at national scale would otherwise cost several system calls each.
    root = os.path.realpath(inputs.seeds_dir)
    folders: dict[str, str] = {}
    for source_id, text_path in documents:
        joined = os.path.normpath(os.path.join(root, text_path))
        folder, name = os.path.split(joined)
        if folder not in folders:
            folders[folder] = os.path.realpath(folder)
        path = os.path.join(folders[folder], name)
        if os.path.islink(path):
            path = os.path.realpath(path)
        if not path.startswith(root + os.sep):
            problems.append(
                (
                    source_id,
                    Problem(
                        "files",
                        rel_sources,
                        "text_path leaves the seeds folder",
                        column="text_path",
                        value=text_path,
                        expected="a path inside seeds/",
                    ),
                )
            )
        elif not os.path.isfile(path):
            problems.append(
                (
                    source_id,
                    Problem(
                        "files",
                        rel_sources,
                        "stored text file is missing",
                        column="text_path",
                        value=text_path,
                        expected=f"a file at {inputs.relative(Path(path))}",
                    ),
                )
            )
        else:
            paths[source_id] = path
    if problems:
        return problems
    if not paths:
        return 0
    try:
        con.execute(
            f"""INSERT INTO {SCHEMA}.source_texts
                SELECT source_id, text, sha256, length(text)
                FROM (SELECT m.source_id, decode(b.content) AS text, sha256(b.content) AS sha256
                      FROM read_blob($files) AS b
                      JOIN (SELECT unnest($ids) AS source_id, unnest($files) AS filename) AS m USING (filename))""",
            {"files": list(paths.values()), "ids": list(paths)},
        )
    except duckdb.Error as error:
        raise BuildError([_text_problem(inputs, paths, error)]) from None
    return len(paths)


def on_their_lines(
    con: duckdb.DuckDBPyConnection, inputs: Inputs, problems: list[tuple[str, Problem]]
) -> list[Problem]:
    """Problems of sources.csv rows, given with their source_id: with their lines, in file order."""
    sources = next(t for t in core_tables(con) if t.name == "sources")
    unreadable = stage_lines(con, inputs, sources)
    if unreadable:  # pragma: no cover - the file was read moments ago
        return unreadable
    lines = dict(
        con.execute(
            f"SELECT source_id, min(csv_line) FROM {sources.stage} WHERE list_contains($ids, source_id) GROUP BY ALL",
            {"ids": [source_id for source_id, _ in problems]},
        ).fetchall()
    )
    located = [dataclasses.replace(p, line=lines.get(source_id)) for source_id, p in problems]
    return sorted(located, key=lambda p: p.line or 0)


def _text_problem(inputs: Inputs, paths: dict[str, str], error: duckdb.Error) -> Problem:
    for path in paths.values():
        data = Path(path).read_bytes()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as bad:
            return Problem(
                "encoding",
                inputs.relative(Path(path)),
                f"byte 0x{data[bad.start]:02x} is not valid UTF-8",
                line=data[: bad.start].count(b"\n") + 1,
                expected="UTF-8 text",
            )
    return Problem("files", inputs.relative(inputs.seeds_dir), f"cannot read the source texts: {error}")
