"""What every figure of ``run.py`` shares: the rows of results and their formatting, timing two sides against
each other, child processes (one per build, so that a peak RSS belongs to one build alone), commands run
with their wall time and peak RSS, and the machine the run is on.

Only the standard library is imported here at the top: the child that lists the modules ``import hebeidb``
pulls in (figure 3) imports this module too.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# run.py re-invokes itself for child processes (``--child KIND``); resolved before any chdir.
SCRIPT = Path(__file__).resolve().with_name("run.py")
GIB = 1024**3
SHIPPED = 0  # the size of the shipped inputs in --peer-sizes and --bad-row-sizes


# --------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------
@dataclass
class Row:
    figure: str
    size: str
    hebeidb: str
    anchor: str
    compare: str
    target: str = ""
    met: str = ""  # "yes", "NO", or "" for figures without a target
    section: int = 0  # the figure number; indented rows belong to the figure above them


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    def add(self, *args: Any, **kwargs: Any) -> None:
        row = Row(*args, **kwargs)
        row.section = int(row.figure[0]) if row.figure[:1].isdigit() else self.rows[-1].section
        self.rows.append(row)


def verdict(ok: bool) -> str:
    return "yes" if ok else "NO"


def fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def fmt_bytes(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= GIB:
        return f"{value / GIB:.2f} GiB"
    if value < 10 * 1024**2:
        return f"{value / 1024**2:.1f} MiB"
    return f"{value / 1024**2:.0f} MiB"


def fmt_size(facts: int) -> str:
    exponent = math.log10(facts)
    return f"10^{exponent:.0f}" if exponent.is_integer() else f"{facts:,}"


def size_label(facts: int) -> str:
    return "shipped" if facts == SHIPPED else fmt_size(facts)


# --------------------------------------------------------------------------------------------------
# Timing side by side
# --------------------------------------------------------------------------------------------------
def timed(call: Callable[[], Any]) -> float:
    gc.collect()
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def best_side_by_side(
    first: Callable[[], Any],
    second: Callable[[], Any],
    args: argparse.Namespace,
    repeat: int | None = None,
    warm: tuple[bool, bool] = (True, True),
) -> tuple[float, float, int, Any]:
    """Best time of each, runs interleaved and the order alternated. Both are called once untimed
    first, to warm them up. At least ``repeat`` runs each, more while less than ``--min-time``
    seconds have passed (fast figures get more runs against the noise, up to 10x ``repeat``), and
    none once ``--budget`` seconds have passed (after two runs each). Also returns what ``first``
    returned (on its warm-up run)."""
    repeat = repeat or args.repeat
    value = first() if warm[0] else None
    if warm[1]:
        second()
    best_a = best_b = math.inf
    started = time.perf_counter()
    runs = 0
    while True:
        runs += 1
        if runs % 2:
            best_a = min(best_a, timed(first))
            best_b = min(best_b, timed(second))
        else:
            best_b = min(best_b, timed(second))
            best_a = min(best_a, timed(first))
        elapsed = time.perf_counter() - started
        if runs >= 2 and elapsed > args.budget:
            break
        if runs >= repeat and (elapsed >= args.min_time or runs >= 10 * repeat):
            break
    return best_a, best_b, runs, value


# --------------------------------------------------------------------------------------------------
# Child processes
# --------------------------------------------------------------------------------------------------
def peak_rss() -> int:
    """This process's peak RSS in bytes (VmHWM). Unlike ru_maxrss of a child seen from its parent, it
    does not start from the parent's own peak (Linux carries that over through fork and exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class ChildError(Exception):
    """A child process failed; carries its last error line, wall time and peak RSS."""

    def __init__(self, message: str, wall: float, rss: int) -> None:
        super().__init__(message)
        self.wall = wall
        self.rss = rss


def run_child(argv: list[str], env: dict[str, str] | None = None) -> tuple[dict[str, Any], float, int]:
    """Run a child process that prints one JSON object on its last line of output.

    Returns the object, the wall time and the child's peak RSS in bytes as the child measured it.
    Raises ChildError when the child fails."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as errors:
        done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=errors, env=env, check=False)
        wall = time.perf_counter() - started
        lines = done.stdout.decode().strip().splitlines()
        try:
            result = json.loads(lines[-1])
        except (IndexError, ValueError):
            result = {}
        if done.returncode != 0 or "error" in result:
            errors.seek(0)
            sys.stderr.write(errors.read().decode(errors="replace"))
            message = result.get("error") or f"exit code {done.returncode}"
            raise ChildError(message, wall, result.get("peak_rss", 0))
    return result, wall, result["peak_rss"]


def child(kind: str, *paths: Path) -> list[str]:
    """The command of a child process of ``kind`` (see ``CHILDREN`` in run.py) on ``paths``."""
    return [sys.executable, str(SCRIPT), "--child", kind, *(str(p) for p in paths)]


# --------------------------------------------------------------------------------------------------
# Databases and commands
# --------------------------------------------------------------------------------------------------
def builder() -> Any:
    """hebeidb's build module: ``hebeidb.builder`` (``hebeidb.build`` in checkouts before the rename)."""
    from importlib import import_module

    try:
        return import_module("hebeidb.builder")
    except ModuleNotFoundError:
        return import_module("hebeidb.build")


def remove_database(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal"), path.with_name(f".{path.name}.lock")):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
    shutil.rmtree(path.with_name(path.name + ".tmp"), ignore_errors=True)  # spill folder


def build_env(args: argparse.Namespace) -> dict[str, str] | None:
    if not args.memory_limit:
        return None
    from hebeidb.common.connect import BUILD_MEMORY_ENV

    return {**os.environ, BUILD_MEMORY_ENV: args.memory_limit}


# Runs a command and writes its wall time, exit code and peak RSS (getrusage of its children) as JSON.
MEASURE = """\
import json, resource, subprocess, sys, time
started = time.perf_counter()
code = subprocess.call(sys.argv[2:])
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
with open(sys.argv[1], "w") as out:
    json.dump({"seconds": seconds, "returncode": code, "peak_rss": peak}, out)
"""


@dataclass
class Measured:
    seconds: float
    returncode: int
    peak_rss: int
    output: str  # standard output and error together


def measure(argv: list[str], log: Path, env: dict[str, str] | None = None, cwd: Path | None = None) -> Measured:
    """Run a command in a new process: its wall time, exit code, peak RSS and output.

    A small Python process starts the command and reads the peak RSS with getrusage(RUSAGE_CHILDREN):
    what Linux carries over through fork and exec is then that small process's peak, not this one's."""
    result = log.with_suffix(".json")
    with log.open("w") as out:
        subprocess.run(
            [sys.executable, "-c", MEASURE, str(result), *argv],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
            check=False,
        )
    done = json.loads(result.read_text())
    result.unlink()
    return Measured(done["seconds"], done["returncode"], done["peak_rss"], log.read_text(errors="replace"))


def hebeidb_command() -> list[str]:
    command = Path(sys.executable).with_name("hebeidb")
    return [str(command)] if command.is_file() else [sys.executable, "-m", "hebeidb"]


# --------------------------------------------------------------------------------------------------
# The machine
# --------------------------------------------------------------------------------------------------
def hebeidb_source() -> str:
    """Where the hebeidb being measured lives, with its git commit ("+changes" when its work tree
    differs). Set PYTHONPATH to an exported snapshot (``git archive``) to measure a fixed commit."""
    import hebeidb

    root = Path(hebeidb.__file__).resolve().parent.parent.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return f"{root} (not a git checkout)"
    return f"{commit}{'+changes' if dirty else ''} at {root}"


def machine() -> dict[str, Any]:
    import duckdb

    import hebeidb

    info: dict[str, Any] = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "duckdb": duckdb.__version__,
        "hebeidb": hebeidb.__version__,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "hebeidb_source": hebeidb_source(),
        "load_average_at_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory"] = fmt_bytes(int(line.split()[1]) * 1024)
    return info
