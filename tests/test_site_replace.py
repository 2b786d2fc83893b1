"""Where a site may be written: a new or empty folder, or an unchanged earlier site; anything else is refused in
one line, exit code 2, with nothing written or removed."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from hebeidb.common.errors import TargetError
from hebeidb.reader.database import Database
from hebeidb.reader.site import MANIFEST, site_file_name

Run = Callable[..., subprocess.CompletedProcess[str]]


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every file and folder under ``folder`` with its bytes (a link by its target)."""
    found: dict[str, bytes | str] = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root) / name
            key = path.relative_to(folder).as_posix()
            if path.is_symlink():
                found[key] = f"link to {os.readlink(path)}"
            elif path.is_dir():
                found[key] = "folder"
            else:
                found[key] = path.read_bytes()
    return found


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def earlier(tmp_path_factory: pytest.TempPathFactory, built_db: Path) -> Path:
    """A site written once; tests copy it."""
    import hebeidb

    out = tmp_path_factory.mktemp("earlier") / "site"
    with hebeidb.open(built_db) as db:
        db.site(out)
    return out


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("index.html", True),
        ("article-3.html", True),
        ("report-medals.svg", True),
        ("report-medals-narrow.svg", True),
        ("report-domain_summary.csv", True),
        ("favicon.svg", True),
        ("thesis.docx", False),
        ("photos/a.jpg", False),
        ("../index.html", False),
        ("/etc/passwd", False),
        ("report-medals.exe", False),
        ("article-0.html", False),
        ("index.html/", False),
        ("Index.html", False),
        ("notes.html", False),
    ],
)
def test_the_names_a_site_writes(name: str, allowed: bool) -> None:
    assert site_file_name(name) is allowed


@pytest.mark.slow
def test_an_earlier_site_is_replaced_and_nothing_else_is_written(tmp_path: Path, db: Database, earlier: Path) -> None:
    out = tmp_path / "out" / "site"
    out.parent.mkdir()
    (tmp_path / "out" / "neighbour.txt").write_text("keep")
    shutil.copytree(earlier, out)
    (out / "index.html").write_bytes((earlier / "index.html").read_bytes())
    db.site(out)
    assert set(snapshot(out)) == set(snapshot(earlier))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["neighbour.txt", "site"]
    db.site(tmp_path / "empty")  # a new folder
    (tmp_path / "made-empty").mkdir()
    db.site(tmp_path / "made-empty")  # an empty one
    assert (tmp_path / "made-empty" / "index.html").is_file()


def _hand_written(out: Path, extra: dict[str, bytes]) -> None:
    """A manifest that lists extra files with their true hashes, as a hand-written one would."""
    for name, data in extra.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)
    manifest = json.loads((out / MANIFEST).read_text())
    manifest["files"].update({name: digest(data) for name, data in extra.items()})
    (out / MANIFEST).write_text(json.dumps(manifest))


SPOILS: dict[str, Callable[[Path], None]] = {
    "foreign-file": lambda out: (out / "notes.txt").write_text("mine"),
    "edited-page": lambda out: (out / "index.html").write_text("edited"),
    "edited-chart": lambda out: (out / "report-medals.svg").write_text("<svg/>"),
    "no-manifest": lambda out: (out / MANIFEST).unlink(),
    "missing-file": lambda out: (out / "style.css").unlink(),
    "sub-folder": lambda out: (out / "photos").mkdir(),
    "link": lambda out: (out / "extra.html").symlink_to(out / "index.html"),
    "manifest-not-json": lambda out: (out / MANIFEST).write_text("{"),
    "manifest-lists-nothing": lambda out: (out / MANIFEST).write_text('{"files": {}}'),
    "manifest-lists-a-list": lambda out: (out / MANIFEST).write_text('{"files": ["index.html"]}'),
    "hand-written-thesis": lambda out: _hand_written(out, {"thesis.docx": b"my thesis"}),
    "hand-written-photos": lambda out: _hand_written(out, {"photos/a.jpg": b"\xff\xd8jpeg"}),
    "hand-written-html": lambda out: _hand_written(out, {"notes.html": b"<p>mine</p>"}),
    "hand-written-only-theirs": lambda out: (
        [p.unlink() for p in out.iterdir() if p.name != MANIFEST],
        (out / "thesis.docx").write_bytes(b"x"),
        (out / MANIFEST).write_text(json.dumps({"files": {"thesis.docx": digest(b"x")}})),
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("spoil", list(SPOILS))
def test_a_folder_that_is_not_an_unchanged_site_is_refused(
    tmp_path: Path, db: Database, earlier: Path, spoil: str
) -> None:
    out = tmp_path / "site"
    shutil.copytree(earlier, out)
    SPOILS[spoil](out)
    before = snapshot(out)
    with pytest.raises(TargetError, match=r"nothing was replaced|not an earlier hebeidb site") as raised:
        db.site(out)
    assert "\n" not in str(raised.value)
    assert snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


@pytest.mark.slow
def test_cli_refuses_a_hand_written_manifest_in_one_line(run_cli: Run, tmp_path: Path, built_db: Path) -> None:
    folder = tmp_path / "mine"
    (folder / "photos").mkdir(parents=True)
    files = {"thesis.docx": b"chapter one", "photos/a.jpg": b"\xff\xd8"}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    (folder / MANIFEST).write_text(json.dumps({"files": {n: digest(d) for n, d in files.items()}}))
    before = snapshot(tmp_path)
    result = run_cli("site", str(folder), "--db", str(built_db))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "photos/a.jpg" in result.stderr
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    "target",
    ["/", "//", "/.", "a-file", "missing/site", "a-file/site", "with\x00nul", "{db}"],
)
def test_odd_targets_are_refused_in_one_line_and_nothing_is_written(
    run_cli: Run, tmp_path: Path, built_db: Path, target: str
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    db_path = work / "hebei.duckdb"
    shutil.copy(built_db, db_path)
    (work / "a-file").write_text("keep")
    root_before = sorted(os.listdir("/"))
    before = snapshot(tmp_path)
    result = run_cli("site", target.format(db=db_path), "--db", str(db_path), cwd=work)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(tmp_path) == before
    assert sorted(os.listdir("/")) == root_before


def test_the_current_folder_with_other_files_is_refused(run_cli: Run, tmp_path: Path, built_db: Path) -> None:
    (tmp_path / "thesis.docx").write_bytes(b"x")
    before = snapshot(tmp_path)
    result = run_cli("site", ".", "--db", str(built_db), cwd=tmp_path)
    assert result.returncode == 2 and "not an earlier hebeidb site" in result.stderr
    assert snapshot(tmp_path) == before
