"""Where the build inputs live: schema/, seeds/, queries/ and checks/, in a checkout or inside the wheel."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from hebeidb.common.errors import Problem
from hebeidb.common.paths import PACKAGE_DIR

# The folders of a set of inputs, each a part whose hash build_info records: the DDL, the data with its
# source texts, the reports, and the data set's own checks.
INPUT_DIRS = ("schema", "seeds", "queries", "checks")
PARTS = INPUT_DIRS


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
            from hebeidb.common.errors import InputsNotFoundError

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

    @property
    def checks_dir(self) -> Path:
        return self.root / "checks"

    def check_files(self) -> list[Path]:
        """The data set's own checks (``checks/*.sql``), in the order of their names; none when there is no folder."""
        return sorted(self.checks_dir.glob("*.sql"))

    def relative(self, path: Path) -> str:
        """``path`` as the user knows it: relative to the inputs root, with forward slashes."""
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def schema_files(self) -> list[Path]:
        """The DDL files in the order they run (their names start with a number)."""
        return sorted(self.schema_dir.glob("*.sql"))

    def links_outside(self) -> list[Problem]:
        """Every input file or folder that is a link to a place outside the inputs folder, as a problem.

        Asked before any input is read: SQL from the inputs may read only inside the inputs, and a link
        (``seeds/facts.csv`` to ``/etc/passwd``) would let a file from elsewhere be read, or its first line
        be shown in an error. Links that stay inside the inputs are followed as usual.
        """
        root = os.path.realpath(self.root)
        problems = []
        for name in INPUT_DIRS:
            top = self.root / name
            outside = self._outside(top, root)
            problems += outside
            if outside or not top.is_dir():
                continue
            for folder, dirs, files in os.walk(top):  # links to folders are listed, not entered
                for child in sorted(dirs + files):
                    problems += self._outside(Path(folder) / child, root)
        return problems

    def _outside(self, path: Path, root: str) -> list[Problem]:
        if not path.is_symlink():
            return []
        resolved = os.path.realpath(path)
        if resolved == root or resolved.startswith(root + os.sep):
            return []
        return [
            Problem(
                "files",
                path.relative_to(self.root).as_posix(),
                "is a link to a place outside the inputs folder",
                value=os.readlink(path),
                expected=f"a file inside {self.root}",
            )
        ]

    def files(self) -> list[Path]:
        """Every input file the database is built from, in a stable order."""
        found: list[Path] = []
        for name in INPUT_DIRS:
            folder = self.root / name
            if folder.is_dir():
                found += [p for p in folder.rglob("*") if p.is_file() and not _ignored(p, folder)]
        return sorted(found, key=lambda p: self._hash_name(p))

    def _hash_name(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def sha256(self) -> str:
        """sha256 of every input file's path and sha256; equal inputs give equal hashes."""
        return self.hash_files().parts["inputs"]

    def part_hashes(self) -> dict[str, str]:
        """sha256 of all inputs (``inputs``) and of each part (``schema``, ``seeds``, ``queries``, ``checks``)."""
        return self.hash_files().parts

    def hash_files(self, known: Mapping[str, FileHash] | None = None) -> InputHashes:
        """Every input file's sha256, and from those the hash of each part and of the whole.

        A part's hash (and the whole one) is the sha256 of the lines ``<sha256>  <path>`` of its files
        in path order: what ``sha256sum`` prints for them, so it can be checked without hebeidb. A
        change to one file changes its part's hash and the whole one, and nothing else.

        ``known`` holds the files as a previous build recorded them: a file the file system still
        describes as it did then (:meth:`FileHash.still_describes`, the test git makes of its index)
        keeps its recorded sha256 instead of being read again. Pass nothing to read every file.
        """
        found = []
        reused = 0
        for path in self.files():
            name = self._hash_name(path)
            reading = time.time_ns()
            stat = path.stat()
            recorded = known.get(name) if known else None
            if recorded is not None and recorded.still_describes(stat):
                found.append(recorded)
                reused += 1
            else:
                found.append(FileHash.of(name, path, stat, reading))
        parts = {"inputs": _listing_sha256(found)}
        for part in PARTS:
            parts[part] = _listing_sha256([f for f in found if f.name.split("/", 1)[0] == part])
        return InputHashes(parts, tuple(found), reused)


# A file modified this close to the moment it was hashed may have changed again within the same tick
# of a coarse file system clock without its time moving: its recorded hash is not trusted.
RACY_NS = 2_000_000_000


@dataclass(frozen=True)
class FileHash:
    """One input file as hashed: its path among the inputs (``seeds/facts.csv``, ``checks/NAME``),
    what the file system said of it (size, modification and change times, inode), its sha256, and
    when it was read (times in nanoseconds since the epoch)."""

    name: str
    size: int
    modified_ns: int
    changed_ns: int
    inode: int
    sha256: str
    hashed_ns: int

    @classmethod
    def of(cls, name: str, path: Path, stat: os.stat_result, hashed_ns: int) -> FileHash:
        return cls(name, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, _file_sha256(path), hashed_ns)

    def still_describes(self, stat: os.stat_result) -> bool:
        """True when a file with ``stat`` may be taken to hold the bytes this hash was taken of: the
        same file (inode), not written to or replaced since (size, modification and change times;
        the change time moves on any write, rename into place or change of mode and cannot be set
        back), and last changed well before it was read."""
        return (
            stat.st_ino == self.inode
            and stat.st_size == self.size
            and stat.st_mtime_ns == self.modified_ns
            and stat.st_ctime_ns == self.changed_ns
            and max(self.modified_ns, self.changed_ns) < self.hashed_ns - RACY_NS
        )


@dataclass(frozen=True)
class InputHashes:
    """The hashes of a set of inputs: ``parts`` (``inputs`` for the whole, and each of PARTS), the
    files they were taken over, and how many recorded hashes were reused rather than read again."""

    parts: dict[str, str]
    files: tuple[FileHash, ...]
    reused: int = 0

    def __getitem__(self, part: str) -> str:
        return self.parts[part]

    @property
    def read(self) -> int:
        """How many files were read to hash them (the others kept their recorded hash)."""
        return len(self.files) - self.reused


def _listing_sha256(files: list[FileHash]) -> str:
    listing = "".join(f"{f.sha256}  {f.name}\n" for f in sorted(files, key=lambda f: f.name))
    return hashlib.sha256(listing.encode("utf-8")).hexdigest()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        # In pieces: a national-scale seed is gigabytes (hashlib releases the GIL on each piece).
        while piece := handle.read(8 * 1024 * 1024):
            digest.update(piece)
    return digest.hexdigest()


def _ignored(path: Path, folder: Path) -> bool:
    parts = path.relative_to(folder).parts
    return any(part.startswith(".") or part == "__pycache__" for part in parts) or path.suffix == ".pyc"
