"""Helpers of the security and fault tests: what a folder holds, and how a failing command reads."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

HEBEIDB = str(Path(sys.executable).with_name("hebeidb"))


def tree_digest(folder: Path) -> dict[str, str]:
    """Every entry under ``folder`` (itself included) by relative path: sha256 of a file, a link's target."""
    found: dict[str, str] = {}
    if folder.is_symlink() or not folder.exists():
        return {".": f"link:{os.readlink(folder)}" if folder.is_symlink() else "missing"}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root) / name
            relative = path.relative_to(folder).as_posix()
            if path.is_symlink():
                found[relative] = f"link:{os.readlink(path)}"
            elif path.is_dir():
                found[relative] = "folder"
            else:
                found[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def run_hebeidb(
    *args: str | bytes, cwd: Path, env: dict[str, str] | None = None, user: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the ``hebeidb`` command (as ``user`` when given); arguments may be bytes."""
    command: list[str | bytes] = [HEBEIDB, *args]
    full_env = {**os.environ, "COLUMNS": "80", **(env or {})}
    if user is not None:
        python, path = python_for_any_user()
        command = ["runuser", "-u", user, "--", python, "-m", "hebeidb", *args]
        full_env["PYTHONPATH"] = path
    return subprocess.run(command, capture_output=True, text=True, errors="replace", cwd=cwd, env=full_env, timeout=300)


def python_for_any_user() -> tuple[str, str]:
    """A Python of this version that every user may run, and the PYTHONPATH that finds hebeidb and DuckDB.

    The test's own interpreter may live in a folder only its owner can enter.
    """
    import duckdb

    import hebeidb

    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    python = shutil.which(version, path="/usr/bin:/usr/local/bin:/bin")
    if python is None:
        raise RuntimeError(f"no {version} outside the test's environment to run as another user")
    folders = [Path(hebeidb.__file__).parent.parent, Path(duckdb.__file__).parent.parent]
    return python, os.pathsep.join(str(folder) for folder in folders)


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int, *words: str) -> str:
    """The command failed with ``code`` and a single ``hebeidb:`` line (no traceback) holding ``words``."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("hebeidb: "), result.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


def copy_database(built_db: Path, folder: Path, name: str = "h.duckdb") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    shutil.copyfile(built_db, target)
    return target
