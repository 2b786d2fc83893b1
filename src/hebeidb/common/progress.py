"""Progress of long work (a build, ``synth``, an export, a site): for people watching a terminal, and the
timings of a build's phases.

The work calls a listener with ``(phase, rows, finished)``: what it is doing, how many rows or files it
has done so far (None when it does not count them) and whether that phase has just ended. The command
line shows it as one line on standard error, rewritten in place, and only when standard error is a
terminal: output piped to a file or another program stays free of it.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Listener = Callable[[str, "int | None", bool], None]


class ProgressLine:
    """One line on standard error, rewritten in place: what is done, the phase, its count and the time so far."""

    def __init__(self, doing: str) -> None:
        self._doing = doing
        self._started = time.perf_counter()
        self._width = 0
        self._lock = threading.Lock()  # work done in two threads (a build's texts beside its seeds) tells it

    def __call__(self, phase: str, count: int | None, finished: bool) -> None:
        text = f"{self._doing}: {phase}" + ("" if count is None else f", {count:,} rows")
        text += f" ({'done, ' if finished else ''}{time.perf_counter() - self._started:.1f} s)"
        with self._lock:
            sys.stderr.write("\r" + text.ljust(self._width))
            sys.stderr.flush()
            self._width = len(text)

    def close(self) -> None:
        """Clear the line, so that what the command prints next starts on a clean line."""
        with self._lock:
            if self._width:
                sys.stderr.write("\r" + " " * self._width + "\r")
                sys.stderr.flush()
                self._width = 0


@contextmanager
def progress_line(doing: str) -> Iterator[ProgressLine | None]:
    """A progress line while the block runs, cleared at its end, when standard error is a terminal; None
    (nothing shown) otherwise."""
    line = ProgressLine(doing) if sys.stderr.isatty() else None
    try:
        yield line
    finally:
        if line is not None:
            line.close()


class Timings(dict[str, float]):
    """Seconds per build phase, in the order the phases first ran, with row counts where known.

    A plain ``dict`` of seconds to read; ``rows`` holds the rows a phase wrote or read, and
    ``listener`` (when set) hears of each phase as it starts and ends, for a progress line.
    """

    def __init__(self, listener: Listener | None = None) -> None:
        super().__init__()
        self.rows: dict[str, int] = {}
        self.listener = listener

    def count(self, name: str, rows: int) -> None:
        """Add ``rows`` to what phase ``name`` handled."""
        self.rows[name] = self.rows.get(name, 0) + rows
        if self.listener is not None:
            self.listener(name, self.rows[name], False)


@contextlib.contextmanager
def timed(timings: dict[str, float], name: str) -> Iterator[None]:
    """Add the seconds the block takes to ``timings[name]``; a :class:`Timings` also tells its listener."""
    listener = timings.listener if isinstance(timings, Timings) else None
    if listener is not None:
        listener(name, timings.rows.get(name), False)  # type: ignore[union-attr]
    started = time.perf_counter()
    try:
        yield
    finally:
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - started
        if listener is not None:
            listener(name, timings.rows.get(name), True)  # type: ignore[union-attr]


class Tally:
    """Items done of a known total (files of an export, pages of a site) and rows written, told to a listener
    from whichever thread finished one."""

    def __init__(self, total: int, listener: Listener | None, unit: str = "files") -> None:
        self.total, self.listener, self.unit = total, listener, unit
        self.done = self.rows = 0
        self._lock = threading.Lock()

    def tell(self, doing: str = "") -> None:
        """Say where the work stands, with what it is ``doing`` now (", writing facts")."""
        if self.listener is not None:
            with self._lock:
                self.listener(f"{self.done} of {self.total} {self.unit}{doing}", self.rows or None,
                              self.done == self.total)  # fmt: skip

    def add(self, rows: int | None = None) -> None:
        """One item more is done (with the rows it wrote, when counted)."""
        with self._lock:
            self.done += 1
            self.rows += rows or 0
        self.tell()
