"""Every DuckDB connection hebeidb makes, opened here, each with the settings of its role declared once.

A role is what a connection is for; :data:`ROLES` lists the settings each one gets, in the order they are
set. Every connection starts as a new in-memory DuckDB instance (never one cached for a path: a reader opened
after a build sees the new file), is configured setting by setting, attaches the files its role may use, and
then locks its configuration, so that no later query can turn on logging or profiling, change a limit, load an
extension or reach a file.

- ``reader``: the built file attached read-only; no other file, no extension, no spilling to disk, the
  reader memory limit.
- ``export``: a reader that may also write into the one folder it exports into (and, for partitioned
  Parquet, runs on one thread so that the files are the same every time).
- ``build``: the only writer: the temporary file it builds (in a given storage version), the inputs folder
  to read, a spill folder beside the target, the build memory limit.
- ``probe``: the build reading what the file it replaces says of itself, read-only.
- ``plan``: ``hebeidb build --plan``: the file it would replace, read-only, and the inputs folder to read, with
  the build memory limit and nowhere to spill (a plan writes nothing).
- ``synth``: the synthetic-data generator: reads the installed seeds, writes the generated ones.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hebeidb.common.errors import DatabaseError, ParameterError
from hebeidb.common.sqltext import error_first_line

if TYPE_CHECKING:
    import duckdb

READER_MEMORY_ENV = "HEBEIDB_READER_MEMORY_LIMIT"
DEFAULT_READER_MEMORY = "2GB"
BUILD_MEMORY_ENV = "HEBEIDB_MEMORY_LIMIT"
# DuckDB spills to disk beyond its memory limit. 3 GB lets a 10^7-fact build finish while the whole process
# stays under 4 GiB; smaller machines get 60% of their memory.
DEFAULT_BUILD_MEMORY_MB = 3000
# The alias every attached database of hebeidb has in its connection.
ALIAS = "hebeidb"
OPEN_RETRY_SECONDS = 10.0

# What no connection of hebeidb may do, whatever its role: install or load extensions.
_NO_EXTENSIONS: dict[str, Any] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "enable_progress_bar": False,
}


@dataclass(frozen=True)
class Role:
    """A role's settings, as a function of where it may read and write (set in this order)."""

    name: str
    read_only: bool  # the attached file is opened read-only
    memory: str  # "reader", "build" or "default": which memory limit applies

    def settings(self, paths: Sequence[str], folders: Sequence[str], memory_limit: str | None) -> dict[str, Any]:
        """The settings of a connection of this role that may read or write ``paths`` (files) and ``folders``."""
        settings: dict[str, Any] = dict(_NO_EXTENSIONS)
        if memory_limit is not None:
            settings["memory_limit"] = memory_limit
        if self.name != "build":
            settings["temp_directory"] = ""  # no spilling: a query that needs more memory fails instead
        settings["allowed_paths"] = list(paths)
        settings["allowed_directories"] = [folder.rstrip(os.sep) + os.sep for folder in folders]
        settings["enable_external_access"] = False
        return settings


ROLES: dict[str, Role] = {
    "reader": Role("reader", read_only=True, memory="reader"),
    "export": Role("export", read_only=True, memory="reader"),
    "build": Role("build", read_only=False, memory="build"),
    "probe": Role("probe", read_only=True, memory="default"),
    "plan": Role("plan", read_only=True, memory="build"),
    "synth": Role("synth", read_only=False, memory="default"),
}


def reader_memory_limit(value: str | None = None) -> str:
    """The memory limit of a reader: ``value``, else ``$HEBEIDB_READER_MEMORY_LIMIT``, else 2 GB."""
    return value or os.environ.get(READER_MEMORY_ENV) or DEFAULT_READER_MEMORY


def build_memory_limit() -> str:
    """``$HEBEIDB_MEMORY_LIMIT``, else 3 GB or 60% of the machine's memory, whichever is less."""
    if os.environ.get(BUILD_MEMORY_ENV):
        return os.environ[BUILD_MEMORY_ENV]
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return f"{DEFAULT_BUILD_MEMORY_MB}MB"
    return f"{min(DEFAULT_BUILD_MEMORY_MB, int(physical * 0.6 / 1_000_000))}MB"


@dataclass(frozen=True)
class Attach:
    """A file to attach: its path, and for a new build file the storage version to write."""

    path: Path
    storage_version: str | None = None


def connect(
    role: str,
    *,
    attach: Attach | None = None,
    reads: Sequence[Path] = (),
    writes: Sequence[Path] = (),
    spill: Path | None = None,
    memory_limit: str | None = None,
    threads: int | None = None,
    extra: Mapping[str, Any] | None = None,
    timeout: float = 0.0,
) -> duckdb.DuckDBPyConnection:
    """A new connection in ``role``: configured, ``attach`` attached as :data:`ALIAS` and made current, locked.

    ``reads`` and ``writes`` are the folders it may use besides the attached file (the inputs to read, an
    export's folder); ``spill`` the folder a build spills to; ``memory_limit`` replaces the role's default
    (a reader's ``memory_limit=``); ``threads`` fixes the number of threads; ``extra`` adds settings of its
    own (a generator's insertion order). Opening a file another process holds for writing is retried for up
    to ``timeout`` seconds. Raises :class:`DatabaseError` when the file cannot be opened and
    :class:`ParameterError` when a setting is refused (a memory size DuckDB cannot read).
    """
    import duckdb

    spec = ROLES[role]
    memory = memory_limit or {"reader": reader_memory_limit(), "build": build_memory_limit()}.get(spec.memory)
    paths: list[str] = []
    if attach is not None:
        # DuckDB opens a linked file's write-ahead log beside the file the link points to: both names are allowed.
        for path in dict.fromkeys((str(attach.path), os.path.realpath(attach.path))):
            paths += [path, f"{path}.wal"] + ([f"{path}.wal.checkpoint"] if not spec.read_only else [])
    folders = [os.path.realpath(folder) for folder in (*reads, *writes)]
    if spill is not None:
        folders.append(str(spill))
    settings = spec.settings(paths, folders, memory)
    if spill is not None:
        settings = {"temp_directory": str(spill), **settings}
    if threads is not None:
        settings = {"threads": threads, **settings}
    if extra:
        settings = {**extra, **settings}
    con = duckdb.connect(":memory:")
    try:
        for name, value in settings.items():
            try:
                con.execute(f"SET {name} = $value", {"value": value})
            except duckdb.Error:
                if name == "memory_limit":
                    env = READER_MEMORY_ENV if spec.memory == "reader" else BUILD_MEMORY_ENV
                    where = "memory_limit=" if memory_limit else f"${env}"
                    raise ParameterError(
                        f"{where} {value!r} is not a memory size; give one such as 500MB or 2GB"
                    ) from None
                raise
        if spec.name == "build":
            _no_checkpoint_on_detach(con)
        if attach is not None:
            _attach(con, attach, spec.read_only, timeout)
            con.execute(f"USE {ALIAS}")
        con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


def _attach(con: duckdb.DuckDBPyConnection, attach: Attach, read_only: bool, timeout: float) -> None:
    import duckdb

    options = ["READ_ONLY"] if read_only else []
    parameters: dict[str, Any] = {"path": str(attach.path)}
    if attach.storage_version is not None:
        options.append("STORAGE_VERSION $version")
        parameters["version"] = attach.storage_version
    sql = f"ATTACH $path AS {ALIAS}" + (f" ({', '.join(options)})" if options else "")
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        try:
            con.execute(sql, parameters)
            return
        except duckdb.IOException as error:
            # Another process holds the file for writing (only a build does, and only briefly while it
            # renames); retry until the timeout, then say so.
            if "lock" not in str(error).lower() or time.monotonic() > deadline:
                raise DatabaseError(f"cannot open {attach.path}: {error_first_line(error)}") from None
        except duckdb.Error as error:
            raise DatabaseError(f"cannot open {attach.path}: {error_first_line(error)}") from None
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


def _no_checkpoint_on_detach(con: duckdb.DuckDBPyConnection) -> None:
    """Detaching the build file writes nothing: a build that passed has checkpointed it already, and the file
    of a failed build is deleted, so writing it out is waste."""
    import duckdb

    with contextlib.suppress(duckdb.CatalogException, duckdb.InvalidInputException):  # a DuckDB without it
        con.execute("SET checkpoint_on_detach = 'DISABLED'")
