"""hebeidb: a provenance-first statistical database of Hebei Province's support for people with disabilities.

>>> import hebeidb
>>> path = hebeidb.build("hebei.duckdb")  # doctest: +SKIP
>>> with hebeidb.open(path) as db:  # doctest: +SKIP
...     db.report("medals", kind="winter_paralympics").df()

The package imports nothing heavy until a function is called: ``import hebeidb`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hebeidb.common.version import __version__

if TYPE_CHECKING:
    from hebeidb.builder.pipeline import build
    from hebeidb.common.errors import BuildError, DatabaseError, HebeidbError, ParameterError, Problem
    from hebeidb.reader.database import Database, open

_LAZY = {
    "build": "builder.pipeline",
    "open": "reader.database",
    "Database": "reader.database",
    "BuildError": "common.errors",
    "DatabaseError": "common.errors",
    "HebeidbError": "common.errors",
    "ParameterError": "common.errors",
    "Problem": "common.errors",
}

__all__ = [
    "BuildError",
    "Database",
    "DatabaseError",
    "HebeidbError",
    "ParameterError",
    "Problem",
    "__version__",
    "build",
    "open",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hebeidb' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
