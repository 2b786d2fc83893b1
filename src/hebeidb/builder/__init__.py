"""The builder: the only code that writes a database file.

It reads the inputs (``schema/``, ``seeds/``, ``queries/``, ``checks/``), loads and checks them, and renames the
finished file into place. It stands on :mod:`hebeidb.common` and never imports :mod:`hebeidb.reader`.
"""

from hebeidb.builder.pipeline import build, build_database, check_inputs, plan_build
from hebeidb.builder.plan import Plan
from hebeidb.builder.report import CHANGE_AWARE, FULL, QUERIES_ONLY, BuildReport

__all__ = [
    "CHANGE_AWARE",
    "FULL",
    "QUERIES_ONLY",
    "BuildReport",
    "Plan",
    "build",
    "build_database",
    "check_inputs",
    "plan_build",
]
