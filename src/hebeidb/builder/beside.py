"""The work a build does beside the seeds: the source texts and the derived tables, filled on a second cursor
while the seeds load, each step once every seed table it may read is in (told by the lineage engine)."""

from __future__ import annotations

import concurrent.futures
import functools
import threading
from collections.abc import Callable

import duckdb

from hebeidb.builder.inputs import Inputs
from hebeidb.builder.loading import (
    PATTERN_QUERY,
    PATTERN_VIEW,
    SET_PATTERN,
    Table,
    derived_tables,
    derived_view,
    fill_derived_table,
    table_reads,
)
from hebeidb.builder.texts import TEXTS_QUERY, load_source_texts, on_their_lines
from hebeidb.common.errors import BuildError, Problem
from hebeidb.common.progress import Timings, timed
from hebeidb.common.sqltext import quote_identifier


class Beside:
    """The source texts and the derived tables, filled on a cursor of the build connection while the seeds load.

    Inserting a large seed keeps about one core and a third busy; tokenising the texts meanwhile uses the
    rest. The steps run in their usual order (texts, the tokenizer's pattern, each derived table in creation
    order), each once every seed table it may read is in (:func:`table_reads`; all of them when that cannot
    be told). The build waits for them once the seeds are in, so the seeds' problems still come first, then
    the texts', then the derived tables'. When the seeds fail, the step under way is interrupted.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, inputs: Inputs, timings: Timings, seeds: list[Table]) -> None:
        self._con, self._inputs, self._timings = con, inputs, timings
        names = {table.name for table in seeds}

        reads = table_reads(con)

        def needs(sql: str) -> set[str]:
            read = reads(sql)
            return names if read is None else read & names

        self._steps: list[tuple[set[str], Callable[[duckdb.DuckDBPyConnection], None]]] = [
            (needs(TEXTS_QUERY), self._texts),
        ]
        if PATTERN_VIEW in reads.definitions:  # a schema that tokenises its texts defines the pattern
            self._steps.append((needs(PATTERN_QUERY), lambda cursor: cursor.execute(SET_PATTERN)))
        for name in derived_tables(con):
            self._steps.append((needs(f"SELECT * FROM {derived_view(name)}"), functools.partial(self._derive, name)))
        self._loaded: set[str] = set()
        self._stopped = False
        self._ready = threading.Condition()
        database = con.execute("SELECT current_database()").fetchall()[0][0]
        self._cursor = con.cursor()
        try:
            self._cursor.execute(f"USE {quote_identifier(database)}")
        except BaseException:
            self._cursor.close()
            raise
        self._text_problems: list[tuple[str, Problem]] = []
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="hebeidb-beside")
        self._work = self._pool.submit(self._run)

    def __enter__(self) -> Beside:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is not None:  # the seeds failed (or the build was interrupted): stop, then let that error go on
            with self._ready:
                self._stopped = True
                self._ready.notify()
            while True:  # a step may start just after an interrupt: interrupt until the work has ended
                self._cursor.interrupt()
                try:
                    self._work.result(timeout=0.05)
                except concurrent.futures.TimeoutError:
                    continue
                except BaseException:  # the error that stopped the build is the one to report
                    pass
                break
        self._pool.shutdown()
        self._cursor.close()

    def loaded(self, table: str) -> None:
        """The rows of seed table ``table`` are in."""
        with self._ready:
            self._loaded.add(table)
            self._ready.notify()

    def finish(self) -> None:
        """Once every seed is in: wait for the steps; raise their first problem."""
        with self._ready:
            # load_seeds has reported every seed; marking what the steps need as in anyway means no step
            # can wait forever on a table it was not told of.
            self._loaded.update(*(needs for needs, _ in self._steps))
            self._ready.notify()
        self._work.result()
        if self._text_problems:
            raise BuildError(on_their_lines(self._con, self._inputs, self._text_problems))

    def _run(self) -> None:
        for needs, step in self._steps:
            with self._ready:
                self._ready.wait_for(lambda needs=needs: self._stopped or needs <= self._loaded)
                if self._stopped:
                    return
            step(self._cursor)
            if self._text_problems:
                return

    def _texts(self, cursor: duckdb.DuckDBPyConnection) -> None:
        with timed(self._timings, "texts"):
            loaded = load_source_texts(cursor, self._inputs)
            if isinstance(loaded, list):
                self._text_problems = loaded
            else:
                self._timings.count("texts", loaded)

    def _derive(self, name: str, cursor: duckdb.DuckDBPyConnection) -> None:
        with timed(self._timings, "derive"):
            self._timings.count("derive", fill_derived_table(cursor, name))
