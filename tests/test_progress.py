"""Long work tells its progress: the export, the site and ``synth`` through a listener, and the command line
as one line rewritten in place on a terminal, nothing when standard error is not one."""

from __future__ import annotations

import os
import pty
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import CLI

import hebeidb
from hebeidb.builder.synth import build_synthetic


class Heard:
    """What a listener was told: (phase, count, finished)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int | None, bool]] = []

    def __call__(self, phase: str, count: int | None, finished: bool) -> None:
        self.calls.append((phase, count, finished))


def test_an_export_tells_each_file_and_the_rows_written(db: hebeidb.Database, con, tmp_path: Path) -> None:
    heard = Heard()
    files = db.export(tmp_path / "out", listener=heard)
    total = len(files) - 1  # datapackage.json is written after the files
    done = [int(m.group(1)) for phase, _, _ in heard.calls if (m := re.fullmatch(rf"(\d+) of {total} files", phase))]
    assert done == list(range(1, total + 1))
    writing = {phase.split("writing ")[1] for phase, _, _ in heard.calls if "writing" in phase}
    assert writing == {path.name.removesuffix(".parquet") for path in files[:-1]}
    counts = [count for _, count, _ in heard.calls]
    assert counts == sorted(counts)
    rows = sum(con.execute(f"SELECT count(*) FROM '{path}'").fetchall()[0][0] for path in files[:-1])
    assert heard.calls[-1] == (f"{total} of {total} files", rows, True)
    assert [finished for *_, finished in heard.calls].count(True) == 1


def test_a_partitioned_or_sqlite_export_tells_its_progress_too(db: hebeidb.Database, tmp_path: Path) -> None:
    heard = Heard()
    db.export(tmp_path / "parts", only=["facts", "sources"], partition_by="domain", listener=heard)
    assert heard.calls[-1][0] == "2 of 2 files" and heard.calls[-1][2]
    assert "facts" in [phase.split("writing ")[-1] for phase, _, _ in heard.calls]
    heard = Heard()
    db.export(tmp_path / "sqlite", format="sqlite", listener=heard)
    assert [finished for *_, finished in heard.calls] == [False, True]
    assert all("SQLite" in phase for phase, _, _ in heard.calls)


def test_a_site_tells_each_page(db: hebeidb.Database, tmp_path: Path) -> None:
    heard = Heard()
    pages = [p for p in db.site(tmp_path / "site", listener=heard) if p.suffix == ".html"]
    assert [phase.split(" of ")[0] for phase, _, _ in heard.calls] == [str(n) for n in range(len(pages) + 1)]
    assert {phase.split("(")[-1].rstrip(")") for phase, _, _ in heard.calls[1:]} == {p.name for p in pages}
    assert [finished for *_, finished in heard.calls] == [False] * len(pages) + [True]


def test_synth_tells_the_generation_then_each_phase_of_the_build(tmp_path: Path) -> None:
    heard = Heard()
    build_synthetic(tmp_path / "s.duckdb", 300, 1, listener=heard)
    assert heard.calls[:2] == [("generating inputs", None, False), ("generating inputs", 300, True)]
    phases = [phase for phase, _, finished in heard.calls[2:] if finished]
    assert {"schema", "insert", "derive", "checks", "write"} <= set(phases)


def run_on_a_terminal(*args: str, cwd: Path) -> tuple[int, str]:
    """Run the command with standard error on a pseudo-terminal (standard output a pipe): its exit code and
    what the terminal received."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen([*CLI, *args], stdout=subprocess.PIPE, stderr=terminal, cwd=cwd)
    os.close(terminal)
    received = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the command closed the terminal
            break
        if not chunk:
            break
        received += chunk
    os.close(controller)
    process.communicate(timeout=120)
    return process.returncode, received.decode("utf-8")


COMMANDS = {
    "export": (["export", "out", "--db", "{db}"], r"exporting: (\d+) of (\d+) files"),
    "site": (["site", "site", "--db", "{db}"], r"writing the site: (\d+) of (\d+) pages"),
    "synth": (["synth", "--facts", "300", "--seed", "1", "--db", "synth.duckdb"], r"synth: (schema|insert|checks)"),
    "build": (["build", "--db", "built.duckdb"], r"building: (schema|insert|checks)"),
}


@pytest.mark.slow
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_the_command_line_shows_progress_on_a_terminal_only(built_db: Path, tmp_path: Path, command: str) -> None:
    args, pattern = COMMANDS[command]
    for where in ("terminal", "pipe"):
        (tmp_path / where).mkdir()
        shutil.copyfile(built_db, tmp_path / where / "hebei.duckdb")
    args = [arg.format(db="hebei.duckdb") for arg in args]
    code, shown = run_on_a_terminal(*args, cwd=tmp_path / "terminal")
    assert code == 0, shown
    lines = shown.split("\r")
    assert [line for line in lines if re.match(pattern, line)], shown
    assert lines[-1] == "" and lines[-2].strip() == "", "the progress line is cleared at the end"
    piped = subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=tmp_path / "pipe", timeout=120)
    assert piped.returncode == 0, piped.stderr
    assert piped.stderr == ""  # not a terminal: quiet
