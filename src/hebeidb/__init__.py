"""hebeidb: a provenance-first statistical database of Hebei Province's support for people with disabilities.

>>> import hebeidb
>>> hebeidb.build()  # doctest: +SKIP
PosixPath('hebei.duckdb')
"""

from __future__ import annotations

__version__ = "0.1.0"

from .build import build  # noqa: E402
from .errors import BuildError, HebeidbError, Problem  # noqa: E402

__all__ = ["BuildError", "HebeidbError", "Problem", "__version__", "build"]
