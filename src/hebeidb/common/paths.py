"""Where a database is by default: ``$HEBEIDB_DATABASE`` or ``hebei.duckdb`` in the current folder."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_FILENAME = "hebei.duckdb"
DATABASE_ENV = "HEBEIDB_DATABASE"
# The installed package: the wheel carries the shipped inputs here.
PACKAGE_DIR = Path(__file__).resolve().parent.parent


def default_path() -> Path:
    """``$HEBEIDB_DATABASE`` when set, else ``hebei.duckdb`` in the current directory."""
    return Path(os.environ.get(DATABASE_ENV) or DEFAULT_FILENAME)
