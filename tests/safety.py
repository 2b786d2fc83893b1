"""Helpers of the security and fault tests: what a folder holds, and how a failing command reads."""

from __future__ import annotations

import atexit
import functools
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
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


@functools.cache
def python_for_any_user() -> tuple[str, str]:
    """A Python of this version that every user may run, and a PYTHONPATH every user may read.

    The test's own interpreter and packages may live in folders only their owner can enter (a virtual
    environment under a private temporary folder, as CI makes), so hebeidb and what it imports are
    copied once into a folder anyone may read, laid out as an installed wheel (inputs inside the package).
    """
    import duckdb
    import jinja2
    import markupsafe

    import hebeidb
    from hebeidb.builder.inputs import INPUT_DIRS, Inputs

    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    python = shutil.which(version, path="/usr/bin:/usr/local/bin:/bin")
    if python is None:
        raise RuntimeError(f"no {version} outside the test's environment to run as another user")
    folder = Path(tempfile.mkdtemp(prefix="hebeidb-anyuser-"))
    atexit.register(shutil.rmtree, folder, True)
    for module in (hebeidb, duckdb, jinja2, markupsafe):
        package = Path(module.__file__).parent
        shutil.copytree(package, folder / package.name, ignore=shutil.ignore_patterns("__pycache__"))
    # DuckDB's compiled core sits beside its package in site-packages, and DuckDB reads its own version
    # from its distribution's metadata.
    site = Path(duckdb.__file__).parent.parent
    for extension in site.glob("_duckdb*"):
        if extension.is_file():
            shutil.copy2(extension, folder / extension.name)
    for metadata in site.glob("*.dist-info"):
        if metadata.name.lower().startswith(("duckdb-", "jinja2-", "markupsafe-")):
            shutil.copytree(metadata, folder / metadata.name)
    installed = Inputs.installed().root
    for name in INPUT_DIRS:
        if not (folder / "hebeidb" / name).exists():
            shutil.copytree(installed / name, folder / "hebeidb" / name)
    for root, _dirs, files in os.walk(folder):
        os.chmod(root, 0o755)
        for name in files:
            os.chmod(os.path.join(root, name), 0o644)
    return python, str(folder)


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
