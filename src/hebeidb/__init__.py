"""hebeidb: a provenance-first statistical database of Hebei Province's support for people with disabilities.

>>> import hebeidb
>>> path = hebeidb.build("hebei.duckdb")  # doctest: +SKIP
>>> with hebeidb.open(path) as db:  # doctest: +SKIP
...     db.report("medals", kind="winter_paralympics").df()

The package face: :func:`build` (the builder, the only writer), :func:`open` and :class:`Database` (the
readers), and the errors. It imports nothing heavy until a function is called: ``import hebeidb`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hebeidb.common.errors import (
    BuildError,
    DatabaseError,
    DatabaseNotFoundError,
    EngineError,
    ExportError,
    HebeidbError,
    InputsNotFoundError,
    LockedError,
    MissingLibraryError,
    ParameterError,
    Problem,
    QueryError,
    QueryMemoryError,
    QueryRefusedError,
    QueryTimeoutError,
    ReportNotFoundError,
    ReportParameterError,
    SiteError,
    StaleDatabaseWarning,
    TargetError,
    TemplateError,
    UsageError,
)
from hebeidb.common.version import __version__

if TYPE_CHECKING:
    from hebeidb.builder.pipeline import build
    from hebeidb.reader.database import Database, open

_LAZY = {"build": "hebeidb.builder.pipeline", "open": "hebeidb.reader.database", "Database": "hebeidb.reader.database"}

__all__ = [
    "BuildError",
    "Database",
    "DatabaseError",
    "DatabaseNotFoundError",
    "EngineError",
    "ExportError",
    "HebeidbError",
    "InputsNotFoundError",
    "LockedError",
    "MissingLibraryError",
    "ParameterError",
    "Problem",
    "QueryError",
    "QueryMemoryError",
    "QueryRefusedError",
    "QueryTimeoutError",
    "ReportNotFoundError",
    "ReportParameterError",
    "SiteError",
    "StaleDatabaseWarning",
    "TargetError",
    "TemplateError",
    "UsageError",
    "__version__",
    "build",
    "open",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hebeidb' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
