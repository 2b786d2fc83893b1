"""The package's direction, as pyproject.toml's import contracts say it: they hold, and they catch a wrong import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import hebeidb

PROJECT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))


def lint_imports(package_parent: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` with the project's contracts, over the ``hebeidb`` package found in ``package_parent``."""
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    return subprocess.run(
        [LINT_IMPORTS, "--config", str(PROJECT / "pyproject.toml"), "--no-cache"],
        capture_output=True,
        text=True,
        cwd=package_parent,
        env=env,
        timeout=120,
    )


def planted(tmp_path: Path, module: str, line: str) -> Path:
    """A copy of the package with ``line`` added at the end of ``module`` (a path inside the package)."""
    copy = tmp_path / "copy"
    shutil.copytree(Path(hebeidb.__file__).parent, copy / "hebeidb", ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / "hebeidb" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    return copy


def test_the_package_keeps_its_import_contracts() -> None:
    result = lint_imports(Path(hebeidb.__file__).parent.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        # a reader reaching into the builder
        (
            "reader/find/__init__.py",
            "from hebeidb.builder import inputs  # noqa",
            "the builder and the readers are independent",
        ),
        # the builder reaching into a reader
        ("builder/loading.py", "from hebeidb.reader import database  # noqa", "command line > builder | reader"),
        # the ground looking up
        ("common/sqltext.py", "from hebeidb.reader import find  # noqa", "command line > builder | reader"),
        # a reader reaching up to the command line
        ("reader/database.py", "from hebeidb import cli  # noqa", "command line > builder | reader"),
        # a circle inside one package
        ("reader/site/lineage.py", "from hebeidb.reader.site import pages  # noqa", "no circle of imports"),
    ],
)
def test_a_wrong_import_breaks_a_contract(tmp_path: Path, module: str, line: str, broken: str) -> None:
    result = lint_imports(planted(tmp_path, module, line))
    assert result.returncode != 0
    assert f"{broken}" in result.stdout and "BROKEN" in result.stdout.split(broken, 1)[1].splitlines()[0]
