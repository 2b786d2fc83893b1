"""Ctrl-C (SIGINT) ends any command with one line and exit code 130, and leaves nothing of what it was writing: the
previous database or export stays as it was, no temporary remains."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from safety import HEBEIDB, tree_digest

pytestmark = pytest.mark.slow  # real processes, interrupted at random moments


def interrupt_at_random(
    args: list[str], cwd: Path, tries: int, seed: int, watch: Path | None = None
) -> list[subprocess.CompletedProcess[str]]:
    """Run ``hebeidb args`` ``tries`` times, each interrupted after a random delay; what each printed and returned.

    With ``watch``, the delay counts from the moment a new entry appears in that folder (the command has begun
    writing beside its target), so that on a fast machine the interrupt still lands while a short command writes.
    """
    chooser = random.Random(seed)
    results = []
    for _ in range(tries):
        before = set(watch.iterdir()) if watch is not None else set()
        process = subprocess.Popen(
            [HEBEIDB, *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "COLUMNS": "80"},
        )  # fmt: skip
        if watch is None:
            time.sleep(chooser.uniform(0.15, 1.2))
        else:
            while set(watch.iterdir()) <= before and process.poll() is None:
                time.sleep(0.002)
            time.sleep(chooser.uniform(0.0, 0.1))
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(args, process.returncode, out, err))
    return results


def assert_interrupted_cleanly(results: list[subprocess.CompletedProcess[str]]) -> None:
    interrupted = [r for r in results if r.returncode != 0]
    # The delays are drawn so that most land while the command runs: a test that landed none would prove nothing.
    assert len(interrupted) >= len(results) // 2, [r.returncode for r in results]
    for result in interrupted:
        assert result.returncode == 130, result.stderr
        assert result.stderr == "hebeidb: interrupted\n", result.stderr


def test_an_interrupted_build_says_so_and_leaves_the_previous_database(built_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "hebei.duckdb"
    target.write_bytes(built_db.read_bytes())
    before = hashlib.sha256(target.read_bytes()).hexdigest()
    results = interrupt_at_random(["build", "--db", str(target), "--full"], tmp_path, tries=8, seed=1)
    assert_interrupted_cleanly(results)
    left = sorted(p.name for p in tmp_path.iterdir() if p.name not in ("hebei.duckdb", ".hebei.duckdb.lock"))
    assert left == []  # no temporary file, write-ahead log or spill folder
    if all(r.returncode != 0 for r in results):
        assert hashlib.sha256(target.read_bytes()).hexdigest() == before


def test_an_interrupted_export_says_so_and_leaves_the_earlier_export(built_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    subprocess.run([HEBEIDB, "export", str(out), "--db", str(built_db)], check=True, capture_output=True)
    before = tree_digest(out)
    args = ["export", str(out), "--db", str(built_db), "--format", "csv"]
    # The export writes beside ``out`` (a folder of its own) before it renames: the delay counts from then.
    results = interrupt_at_random(args, tmp_path, 6, seed=2, watch=tmp_path)
    assert_interrupted_cleanly(results)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    if all(r.returncode != 0 for r in results):
        assert tree_digest(out) == before
