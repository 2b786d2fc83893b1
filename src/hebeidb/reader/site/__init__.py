"""A static, self-contained report site built from one database file.

``build_site(database, out)`` writes HTML pages (Jinja templates kept beside this module), one CSS
file and charts rendered to SVG at build time (Vega-Lite specs rendered offline by
``vl-convert-python``, of the ``site`` extra). Nothing is fetched at view time: the pages
open from the file system or any static host. It reads only the database it opened and writes only
the output folder, atomically, like an export: into a temporary folder beside the target, renamed
into place when complete. A folder that is not an earlier site (checked against the manifest
``hebeidb-site.json``: every file name and its sha256) is refused and left alone.

Pages: ``index.html``; ``article-<n>.html``, the stored text of each document with every number
marked (captured numbers link to their fact, excluded ones show their reason); ``report-<name>.html``
per report (title, description, parameters, result with the defaults, the SQL that ran, a chart
where one fits); ``lineage.html``, the graph seeds -> core tables -> public views -> report views.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hebeidb.common.atomic import (
    manifest_mismatch,
    new_temporary_folder,
    replace_folder,
    resolve_target,
)
from hebeidb.common.errors import SiteError, TargetError
from hebeidb.common.progress import Listener

MANIFEST = "hebeidb-site.json"
TEMP_PURPOSE = "site"
MAX_ROWS = 200  # rows of a report shown on its page; the rest is counted, not shown
MAX_DOCUMENTS = 10  # documents annotated (a synthetic database holds thousands)
MAX_FACT_CARDS = 2000  # facts described per article page


@dataclass
class Page:
    name: str
    title: str
    html: str = ""


@dataclass
class Chart:
    """A chart: its SVG, the number of marks it draws, and a text alternative."""

    svg: str
    marks: int
    alt: str
    kind: str = "bar"
    data: list[dict[str, Any]] = field(default_factory=list)


def build_site(
    database: Any, out: str | os.PathLike[str], listener: Listener | None = None, timeout: float | None = None
) -> list[Path]:
    """Write the site of the open :class:`hebeidb.Database` ``database`` into the folder ``out``.

    Returns the files written. ``out`` must be new, empty or an earlier site whose files are all
    unchanged (names and sha256 in its manifest); it is replaced only once the new site is complete.
    ``listener(phase, files, finished)`` hears of each page as it is made. Every query runs through the
    database's guard, each under ``timeout`` seconds.
    """
    target = resolve_target(out)
    if target.exists() and not target.is_dir():
        raise TargetError(f"{target} exists and is not a folder; give a new folder or an earlier site")
    if not target.parent.is_dir():
        raise TargetError(f"{target.parent} does not exist; create it first")
    try:
        temporary = new_temporary_folder(target, TEMP_PURPOSE)
    except OSError as error:
        raise SiteError(f"cannot write to {target.parent}: {error.strerror}") from None
    try:
        from hebeidb.reader.site.pages import render_pages

        files = render_pages(database, listener, timeout)
        for name, content in files.items():
            (temporary / name).write_bytes(content)
        manifest = {
            "generator": "hebeidb site",
            "files": {name: hashlib.sha256(content).hexdigest() for name, content in sorted(files.items())},
        }
        (temporary / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
        if target.is_dir() and any(target.iterdir()):
            reason = replaceable(target)
            if reason is not None:
                raise TargetError(reason)
        replace_folder(temporary, target, replaceable)
    except OSError as error:
        raise SiteError(f"cannot write the site to {target}: {error.strerror or error}") from None
    finally:
        import shutil

        shutil.rmtree(temporary, ignore_errors=True)
    return [target / name for name in sorted([*files, MANIFEST])]


def replaceable(folder: Path) -> str | None:
    """None if ``folder`` is an earlier site holding exactly the files its manifest lists, unchanged."""
    manifest = folder / MANIFEST
    refuse = f"{folder} is not an earlier hebeidb site"
    try:
        listed = json.loads(manifest.read_text("utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return f"{refuse} (no readable {MANIFEST}); give a new or empty folder"
    if not isinstance(listed, dict):
        return f"{refuse} ({MANIFEST} lists no files); give a new or empty folder"
    reason = manifest_mismatch(folder, listed, MANIFEST)
    return f"{folder} is not the unchanged earlier site ({reason}); nothing was replaced" if reason else None
