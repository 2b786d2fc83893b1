"""Where the build inputs live: schema/, seeds/ and queries/, in a checkout or inside the wheel."""

from __future__ import annotations

import concurrent.futures
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_FILENAME = "hebei.duckdb"
DATABASE_ENV = "HEBEIDB_DATABASE"
INPUT_DIRS = ("schema", "seeds", "queries")
PARTS = (*INPUT_DIRS, "checks")
CHECKS_DIR = PACKAGE_DIR / "checks"


def default_path() -> Path:
    """``$HEBEIDB_DATABASE`` when set, else ``hebei.duckdb`` in the current directory."""
    return Path(os.environ.get(DATABASE_ENV) or DEFAULT_FILENAME)


def _default_root() -> Path:
    # A wheel carries the inputs inside the package; a checkout (editable install or running
    # from src/) keeps them at the top of the repository, two levels up.
    if (PACKAGE_DIR / "schema").is_dir():
        return PACKAGE_DIR
    checkout = PACKAGE_DIR.parent.parent
    if (checkout / "schema").is_dir():
        return checkout
    raise FileNotFoundError(
        f"cannot find the schema/, seeds/ and queries/ folders in {PACKAGE_DIR} or {checkout}; reinstall hebeidb"
    )


@dataclass(frozen=True)
class Inputs:
    """A set of build inputs: a folder holding schema/, seeds/ and queries/."""

    root: Path
    origin: str = "custom"  # installed, custom or synthetic: recorded in build_info

    @classmethod
    def installed(cls) -> Inputs:
        """The inputs shipped with this installation of hebeidb."""
        return cls(_default_root(), "installed")

    @classmethod
    def at(cls, root: str | Path | None) -> Inputs:
        """Inputs in ``root``, or the installed ones when ``root`` is None."""
        if root is None:
            return cls.installed()
        path = Path(root).resolve()
        missing = [name for name in ("schema", "seeds") if not (path / name).is_dir()]
        if missing:
            from .errors import InputsNotFoundError

            raise InputsNotFoundError(f"{path} has no {' or '.join(f'{m}/' for m in missing)} folder")
        installed = cls.installed()
        return installed if path == installed.root else cls(path)

    @property
    def schema_dir(self) -> Path:
        return self.root / "schema"

    @property
    def seeds_dir(self) -> Path:
        return self.root / "seeds"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    def relative(self, path: Path) -> str:
        """``path`` as the user knows it: relative to the inputs root, with forward slashes."""
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def schema_files(self) -> list[Path]:
        """The DDL files in the order they run (their names start with a number)."""
        return sorted(self.schema_dir.glob("*.sql"))

    def files(self) -> list[Path]:
        """Every input file the database is built from, in a stable order."""
        found: list[Path] = []
        for name in INPUT_DIRS:
            folder = self.root / name
            if folder.is_dir():
                found += [p for p in folder.rglob("*") if p.is_file() and not _ignored(p, folder)]
        found += sorted(CHECKS_DIR.glob("*.sql"))
        return sorted(found, key=lambda p: self._hash_name(p))

    def _hash_name(self, path: Path) -> str:
        if path.is_relative_to(CHECKS_DIR):
            return "checks/" + path.relative_to(CHECKS_DIR).as_posix()
        return path.relative_to(self.root).as_posix()

    def sha256(self) -> str:
        """sha256 over every input file's path and bytes; equal inputs give equal hashes."""
        return self.part_hashes()["inputs"]

    def part_hashes(self) -> dict[str, str]:
        """sha256 of all inputs (``inputs``) and of each part (``schema``, ``seeds``, ``queries``, ``checks``).

        Each is taken over the files' paths and bytes in path order, so a change to one part changes
        that part's hash and the whole one, and nothing else.
        """
        whole = hashlib.sha256()
        parts = {name: hashlib.sha256() for name in PARTS}
        # Files are read in pieces (a national-scale seed is gigabytes), and the whole hash is fed
        # in a second thread while this one feeds the part's: hashlib releases the GIL on large data.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as beside:
            for path in self.files():
                name = self._hash_name(path)
                part = parts[name.split("/", 1)[0]]
                with path.open("rb") as handle:
                    for piece in _pieces(name.encode() + b"\0", handle):
                        fed = beside.submit(whole.update, piece)
                        part.update(piece)
                        fed.result()
        return {"inputs": whole.hexdigest(), **{name: digest.hexdigest() for name, digest in parts.items()}}


def _pieces(head: bytes, handle: BinaryIO, size: int = 8 * 1024 * 1024) -> Iterator[bytes]:
    """``head``, the file's bytes in pieces of ``size``, then a NUL: what the hashes take for one file."""
    yield head
    while piece := handle.read(size):
        yield piece
    yield b"\0"


def _ignored(path: Path, folder: Path) -> bool:
    parts = path.relative_to(folder).parts
    return any(part.startswith(".") or part == "__pycache__" for part in parts) or path.suffix == ".pyc"
