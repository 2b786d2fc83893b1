"""A static, self-contained report site built from one database file.

``build_site(database, out)`` writes HTML pages (Jinja templates kept beside this module), a style sheet, a
favicon, and each report's chart as SVG images and its data as CSV (Vega-Lite specs rendered offline by
``vl-convert-python``). Nothing is fetched at view time and no page holds a script: the pages open from the
file system or any static host. It reads only the database it opened, through its guard, and writes only the
output folder, atomically, like an export: into a temporary folder beside the target, renamed into place when
complete. A folder that is not an unchanged earlier site is refused and left alone: it must hold exactly the
files its manifest (``hebeidb-site.json``) lists, each unchanged, and every name listed must be one a site
writes (see :func:`site_file_name`), whatever the manifest says.

Pages: ``index.html`` (headline figures, what the site holds, the licence); ``article-<n>.html``, the stored
text of each document with every number marked; ``facts.html``, every fact with its quote and a citation;
``report-<name>.html`` per report (its chart, declared in the report's metadata, with the chart's data and
images beside it: ``report-<name>.csv``, ``report-<name>.svg``, ``report-<name>-narrow.svg``);
``views.html``, every public view and column with its description; ``lineage.html``, the graph input files ->
core tables -> public views -> report views.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

from hebeidb.common.atomic import manifest_mismatch, new_temporary_folder, replace_folder, resolve_target
from hebeidb.common.errors import SiteError, TargetError
from hebeidb.common.progress import Listener

MANIFEST = "hebeidb-site.json"
TEMP_PURPOSE = "site"
MAX_ROWS = 200  # rows of a report shown on its page; the rest is counted, not shown
MAX_DOCUMENTS = 10  # documents annotated (a synthetic database holds thousands)
MAX_FACTS = 1000  # facts on the facts page
# The names of the files a site writes, and no others.
SITE_FILE = re.compile(
    r"(index|facts|views|lineage)\.html|style\.css|favicon\.svg|article-[1-9][0-9]*\.html"
    r"|report-[a-z_][a-z0-9_]*(\.html|\.csv|\.svg|-narrow\.svg)"
)


def site_file_name(name: str) -> bool:
    """Whether ``name`` (a path relative to the site's folder) is the name of a file a site writes."""
    return SITE_FILE.fullmatch(name) is not None


def build_site(
    database: Any, out: str | os.PathLike[str], listener: Listener | None = None, timeout: float | None = None
) -> list[Path]:
    """Write the site of the open :class:`hebeidb.Database` ``database`` into the folder ``out``.

    Returns the files written. ``out`` must be new, empty or an unchanged earlier site (see
    :func:`replaceable`); it is replaced only once the new site is complete. ``listener(phase, files, finished)``
    hears of each page as it is made. Every query runs through the database's guard, each under ``timeout``
    seconds.
    """
    target = _check_target(out)
    from hebeidb.reader.site.pages import render_pages

    files = render_pages(database, listener, timeout)
    odd = sorted(name for name in files if not site_file_name(name))
    if odd:  # a report whose name no site file may carry: refuse rather than write a name that cannot be replaced
        raise SiteError(f"the site would write {odd[0]!r}, which is not a name a site writes")
    try:
        temporary = new_temporary_folder(target, TEMP_PURPOSE, replaceable)
    except OSError as error:
        raise SiteError(f"cannot write to {target.parent}: {error.strerror}") from None
    try:
        for name, content in files.items():
            (temporary / name).write_bytes(content)
        manifest = {
            "generator": "hebeidb site",
            "files": {name: hashlib.sha256(content).hexdigest() for name, content in sorted(files.items())},
        }
        (temporary / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
        replace_folder(temporary, target, replaceable)
    except OSError as error:
        raise SiteError(f"cannot write the site to {target}: {error.strerror or error}") from None
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    return [target / name for name in sorted([*files, MANIFEST])]


def _check_target(out: str | os.PathLike[str]) -> Path:
    """The folder to write, checked before any work: a new folder in an existing one, an empty folder or an
    unchanged earlier site. Anything else is refused with :class:`TargetError`; nothing is written."""
    try:
        target = resolve_target(out)
    except (OSError, ValueError) as error:
        raise TargetError(f"cannot use {os.fspath(out)!r} as the site's folder: {error}") from None
    if target == target.parent or not target.name:
        raise TargetError(f"{target} is the root of the file system; give a new or empty folder for the site")
    try:
        if target.exists() and not target.is_dir():
            raise TargetError(f"{target} exists and is not a folder; give a new or empty folder, or an earlier site")
        if not target.parent.is_dir():
            raise TargetError(f"{target.parent} does not exist; create it first")
        if target.is_dir() and any(target.iterdir()):
            reason = replaceable(target)
            if reason is not None:
                raise TargetError(reason)
    except OSError as error:
        raise TargetError(f"cannot use {target} as the site's folder: {error.strerror or error}") from None
    except ValueError as error:  # a NUL character in the path
        raise TargetError(f"cannot use {os.fspath(out)!r} as the site's folder: {error}") from None
    return target


def replaceable(folder: Path) -> str | None:
    """None if ``folder`` is an unchanged earlier site, else the reason it may not be replaced.

    The folder must hold exactly the files its manifest lists, each unchanged (no other file, folder or link),
    and every listed name must be one a site writes: a manifest listing ``thesis.docx`` or ``photos/a.jpg``
    with their hashes does not make them a site's.
    """
    manifest = folder / MANIFEST
    refuse = f"{folder} is not an earlier hebeidb site"
    try:
        listed = json.loads(manifest.read_text("utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return f"{refuse} (no readable {MANIFEST}); give a new or empty folder"
    if not isinstance(listed, dict) or not listed or not all(isinstance(v, str) for v in listed.values()):
        return f"{refuse} ({MANIFEST} lists no files); give a new or empty folder"
    odd = sorted(name for name in listed if not site_file_name(name))
    if odd:
        return f"{refuse} ({MANIFEST} lists {odd[0]!r}, which is not a file a site writes); nothing was replaced"
    reason = manifest_mismatch(folder, listed, MANIFEST)
    return f"{folder} is not the unchanged earlier site ({reason}); nothing was replaced" if reason else None
