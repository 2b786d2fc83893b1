"""Atomic replacement of files and folders, the lock that keeps two writers apart, and leftovers.

Every writer of hebeidb (the build, the export, the site) writes into a temporary beside its target,
named ``.<target>.<pid>.<token>.<purpose>``, and renames it into place when it is complete. So:

- a reader of the target sees the old result or the new one, never half of one;
- a writer killed at any point leaves at most a temporary, which the next writer of the *same target*
  removes once the process that made it is gone (the name carries the pid);
- nothing else is ever removed: a temporary of another target (``h.duckdb.bak`` beside ``h.duckdb``),
  a live writer's temporary, or any file that does not follow the naming pattern.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from hebeidb.common.errors import LockedError, TargetError

# A fault point for tests: HEBEIDB_FAULT=<name> kills the process (SIGKILL) when it reaches <name>,
# so that tests can prove each step of a replacement leaves the old or the new result complete.
FAULT_ENV = "HEBEIDB_FAULT"
# Temporaries that may hold a replaced folder (the user's, should it have changed at the last moment):
# cleanup removes them only once the writer's check accepts what they hold, and keeps them otherwise.
SWAP_PURPOSE = "swapping"
ASIDE_PURPOSE = "replaced"


def fault_point(name: str) -> None:
    """Die here, as if killed, when ``$HEBEIDB_FAULT`` names this point (tests only set it)."""
    if os.environ.get(FAULT_ENV) == name:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


def resolve_target(path: str | os.PathLike[str]) -> Path:
    """The real path a writer should replace: symbolic links followed, once, to the file they name.

    A link to a database is kept a link: the file it points to is the one replaced and locked, so two
    links to one file share one lock.
    """
    target = Path(path).absolute()
    try:
        resolved = Path(os.path.realpath(target))
    except OSError:  # pragma: no cover - realpath only fails on loops on some platforms
        resolved = target
    if not resolved.name:  # the root of the file system: nothing can be written beside it
        raise TargetError(f"{path} is the root of the file system; give a path inside it")
    return resolved


def temporary_name(target: Path, purpose: str) -> Path:
    """A fresh temporary path beside ``target`` for ``purpose`` (building, exporting, ...)."""
    return target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.{purpose}")


def new_temporary_folder(target: Path, purpose: str, may_replace: Callable[[Path], str | None] | None = None) -> Path:
    """Begin writing a folder that will replace ``target``: put back what a killed writer set aside,
    remove dead writers' leftovers (see :func:`remove_leftovers`), then create and return a fresh
    temporary folder beside it. Raises ``OSError`` when it cannot be created."""
    restore_aside(target)
    remove_leftovers(target, may_replace)
    temporary = temporary_name(target, purpose)
    temporary.mkdir()
    return temporary


def _leftover_pattern(target: Path) -> re.Pattern[str]:
    return re.compile(rf"\.{re.escape(target.name)}\.(?P<pid>\d+)\.[0-9a-f]{{8}}\.(?P<purpose>[a-z]+)(?:\.[a-z]+)*")


def remove_leftovers(target: Path, may_replace: Callable[[Path], str | None] | None = None) -> list[Path]:
    """Remove the temporaries of ``target`` whose writing process is gone; returns what was removed.

    A folder that may hold what stood at the target (set aside by a replacement) is removed only when
    ``may_replace`` accepts it; one it refuses is kept beside the target as ``<target>.kept-<token>``,
    and without ``may_replace`` such folders are left alone.
    """
    pattern = _leftover_pattern(target)
    removed = []
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None or process_alive(int(match["pid"])):
            continue
        path = Path(entry.path)
        if match["purpose"] in (SWAP_PURPOSE, ASIDE_PURPOSE):
            if may_replace is not None:
                _discard(path, may_replace, target)
                removed.append(path)
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        removed.append(path)
    return removed


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists (one we may not signal counts as alive)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


@contextlib.contextmanager
def exclusive_lock(target: Path, busy: Callable[[Path], str]) -> Iterator[None]:
    """Hold ``.<target>.lock`` beside ``target`` exclusively; raise LockedError(busy(lock)) if taken."""
    lock_path = target.with_name(f".{target.name}.lock")
    try:
        # Never through a link: a lock file that links elsewhere would make the build create or open a file
        # it did not mean to.
        descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
        handle = os.fdopen(descriptor, "r+b")
    except IsADirectoryError:
        raise TargetError(f"cannot lock {target}: {lock_path} is a folder; remove it or choose another path") from None
    except OSError as error:
        if error.errno == errno.ELOOP or lock_path.is_symlink():
            raise TargetError(
                f"cannot lock {target}: {lock_path} is a link; remove it (a build makes its own lock file)"
            ) from None
        raise TargetError(f"cannot lock {target}: {lock_path}: {error.strerror}") from None
    try:
        try:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # pragma: no cover - not POSIX: no locking, writers must not overlap
            pass
        except BlockingIOError:
            raise LockedError(busy(lock_path)) from None
        yield
    finally:
        handle.close()


def wait_for_lock(target: Path, timeout: float) -> bool:
    """Wait up to ``timeout`` seconds while another process holds the lock of ``target``; True if free."""
    import fcntl
    import time

    lock_path = target.with_name(f".{target.name}.lock")
    if lock_path.is_symlink() or not lock_path.is_file():
        return True  # no build holds a link: there is nothing to wait for
    deadline = time.monotonic() + timeout
    try:
        handle = os.fdopen(os.open(lock_path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)), "rb")
    except OSError:
        return True
    with handle:
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.05)


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, read in blocks."""
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_mismatch(folder: Path, files: dict[str, str], manifest: str) -> str | None:
    """Why ``folder`` does not hold exactly ``files`` (relative path -> sha256) besides ``manifest``, or None.

    A writer that lists what it wrote may later replace the folder only while this returns None: no link,
    no file or folder it did not write, none missing, none changed.
    """
    import posixpath

    found: dict[str, Path] = {}
    folders: set[str] = set()
    for root, dirs, names in os.walk(folder):
        for name in dirs + names:
            path = Path(root) / name
            if path.is_symlink():
                return f"{path.relative_to(folder).as_posix()} is a link"
        folders.update((Path(root) / name).relative_to(folder).as_posix() for name in dirs)
        for name in names:
            path = Path(root) / name
            found[path.relative_to(folder).as_posix()] = path
    found.pop(manifest, None)
    listed_folders = set()
    for name in files:
        parent = posixpath.dirname(name)
        while parent:
            listed_folders.add(parent)
            parent = posixpath.dirname(parent)
    extra = sorted(set(found) - set(files)) + sorted(f"{name}/" for name in folders - listed_folders)
    if extra:
        return f"{extra[0]} was not written by it"
    missing = sorted(set(files) - set(found))
    if missing:
        return f"{missing[0]} is missing"
    for name, path in sorted(found.items()):
        if file_sha256(path) != files[name]:
            return f"{name} was changed"
    return None


def fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def fsync_folder(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def fsync_tree(folder: Path) -> None:
    """Flush every file under ``folder`` and every folder in it to disk."""
    for root, _dirs, files in os.walk(folder):
        for name in files:
            fsync_file(Path(root) / name)
        fsync_folder(Path(root))


def replace_file(temporary: Path, target: Path) -> None:
    """Flush ``temporary`` and rename it over ``target`` (atomic on POSIX), then flush the folder."""
    fault_point("replace-file:before-fsync")
    fsync_file(temporary)
    fault_point("replace-file:before-rename")
    os.replace(temporary, target)
    fault_point("replace-file:after-rename")
    fsync_folder(target.parent)


def replace_folder(temporary: Path, target: Path, may_replace: Callable[[Path], str | None]) -> None:
    """Move the finished folder ``temporary`` to ``target``.

    ``target`` may be missing, an empty folder, or a folder that ``may_replace`` accepts (it returns
    None to accept, else the reason to refuse). What stands at ``target`` is checked again at the
    moment of the move: on Linux the two folders are exchanged in one atomic step and what came out of
    the target is checked then, so the target always holds the old folder or the new one, whenever the
    process dies. A folder that appeared or changed meanwhile is exchanged back untouched and the move
    is refused with TargetError. A folder set aside is deleted only when ``may_replace`` accepts it (an
    unchanged earlier result); anything else is kept under a visible name. Where the system cannot
    exchange, the old folder is renamed aside first and :func:`restore_aside` (called by the next
    writer) puts it back should the process die between the two renames.
    """
    fsync_tree(temporary)
    fault_point("replace-folder:before-move")
    if _rename_into_empty(temporary, target):
        fsync_folder(target.parent)
        return
    # From here on the new folder (and, after the exchange, the old one) carries a name that cleanup
    # removes only after checking what it holds.
    swap = temporary_name(target, SWAP_PURPOSE)
    os.rename(temporary, swap)
    try:
        exchanged = _exchange(swap, target)
    except FileNotFoundError:
        # The target vanished between the two calls: it is free now.
        if not _rename_into_empty(swap, target):
            _discard(swap, may_replace, target)
            raise TargetError(f"{target} appeared while it was being written; nothing was replaced") from None
        fsync_folder(target.parent)
        return
    if not exchanged:
        _replace_in_two_renames(swap, target, may_replace)
        return
    fault_point("replace-folder:after-exchange")
    reason = may_replace(swap) if swap.is_dir() and not swap.is_symlink() else f"{target} is not a folder"
    if reason is not None:
        _exchange(swap, target)
        _discard(swap, may_replace, target)
        raise TargetError(reason)
    fsync_folder(target.parent)
    fault_point("replace-folder:before-cleanup")
    shutil.rmtree(swap, ignore_errors=True)


def _replace_in_two_renames(new: Path, target: Path, may_replace: Callable[[Path], str | None]) -> None:
    aside = temporary_name(target, ASIDE_PURPOSE)
    try:
        os.rename(target, aside)
    except FileNotFoundError:
        if not _rename_into_empty(new, target):
            _discard(new, may_replace, target)
            raise TargetError(f"{target} appeared while it was being written; nothing was replaced") from None
        fsync_folder(target.parent)
        return
    reason = may_replace(aside) if aside.is_dir() and not aside.is_symlink() else f"{target} is not a folder"
    if reason is not None:
        _discard(new, may_replace, target)
        _put_back(aside, target)
        raise TargetError(reason)
    fault_point("replace-folder:between-renames")
    try:
        os.rename(new, target)
    except OSError as error:
        _discard(new, may_replace, target)
        _put_back(aside, target)
        if error.errno in (errno.ENOTEMPTY, errno.EEXIST):
            raise TargetError(f"{target} appeared while it was being written; nothing was replaced") from None
        raise
    fsync_folder(target.parent)
    shutil.rmtree(aside, ignore_errors=True)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one atomic step (Linux ``renameat2`` with ``RENAME_EXCHANGE``).

    False where the system or the file system cannot; FileNotFoundError when either path is gone.
    """
    if not sys.platform.startswith("linux"):  # pragma: no cover - Linux only
        return False
    import ctypes

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # pragma: no cover - C library older than glibc 2.28
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_cwd, rename_exchange = -100, 2
    if renameat2(at_cwd, os.fsencode(first), at_cwd, os.fsencode(second), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):  # pragma: no cover - file system without it
        return False
    raise OSError(code, os.strerror(code), str(second))


def _discard(folder: Path, may_replace: Callable[[Path], str | None], target: Path) -> None:
    """Delete a folder set aside when it is an unchanged earlier result; else keep it under a visible name."""
    if not (folder.exists() or folder.is_symlink()):
        return
    if folder.is_dir() and not folder.is_symlink() and may_replace(folder) is None:
        shutil.rmtree(folder, ignore_errors=True)
        return
    kept = target.with_name(f"{target.name}.kept-{secrets.token_hex(4)}")
    with contextlib.suppress(OSError):
        os.rename(folder, kept)


def _rename_into_empty(temporary: Path, target: Path) -> bool:
    """Rename when the target is missing or an empty folder (rename(2) replaces only empty folders)."""
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        return False
    try:
        os.rename(temporary, target)
    except OSError as error:
        if error.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
            return False
        raise
    return True


def _put_back(aside: Path, target: Path) -> None:
    try:
        os.rename(aside, target)
    except OSError:
        # Something new stands at the target: keep both, under a name no cleanup ever matches.
        kept = target.with_name(f"{target.name}.kept-{secrets.token_hex(4)}")
        os.rename(aside, kept)
        raise TargetError(
            f"{target} changed while it was being written; its earlier content is kept as {kept}"
        ) from None


def restore_aside(target: Path) -> None:
    """Put back a folder a killed writer set aside (``.<target>.<pid>.<token>.replaced``) if the target is gone."""
    if target.exists() or target.is_symlink():
        return
    pattern = _leftover_pattern(target)
    candidates = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(target.parent):
            match = pattern.fullmatch(entry.name)
            if match and match["purpose"] == ASIDE_PURPOSE and not process_alive(int(match["pid"])):
                candidates.append(Path(entry.path))
    if candidates:
        newest = max(candidates, key=lambda p: p.stat().st_mtime)
        with contextlib.suppress(OSError):
            os.rename(newest, target)
