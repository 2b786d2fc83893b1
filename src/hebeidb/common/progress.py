"""Progress of long work (a build, ``synth``, an export, a site) for people watching a terminal.

The work calls a listener with ``(phase, rows, finished)``: what it is doing, how many rows or files it
has done so far (None when it does not count them) and whether that phase has just ended. The command
line shows it as one line on standard error, rewritten in place, and only when standard error is a
terminal: output piped to a file or another program stays free of it.
"""

from __future__ import annotations

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
