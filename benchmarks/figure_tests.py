"""Figure 9, tests: the README's test command (coverage run -m pytest, combine, report), wall time."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from common import Results, fmt_s, measure, verdict

TARGET_TESTS_SECONDS = 360.0  # the README's test command, install included; this figure times the tests alone


def bench_tests(results: Results, work: Path) -> None:
    """Figure 9: the README's test command (coverage run -m pytest, combine, report), wall time."""
    import hebeidb

    root = Path(hebeidb.__file__).resolve().parent.parent.parent
    if not (root / "tests").is_dir() or not (root / "pyproject.toml").is_file():
        results.add("9 README test command: no tests/ beside the measured hebeidb", "", "", "", "")
        return
    env = {**os.environ, "COVERAGE_FILE": str(work / ".coverage"), "PYTHONDONTWRITEBYTECODE": "1"}
    total = 0.0
    outcome = 0
    log = work / "tests.log"
    for argv in (
        [sys.executable, "-m", "coverage", "run", "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        [sys.executable, "-m", "coverage", "combine", "-q"],
        [sys.executable, "-m", "coverage", "report"],
    ):
        done = measure(argv, log, env, cwd=root)
        total += done.seconds
        outcome = outcome or done.returncode
        if argv[3] == "run":
            summary = [line for line in done.output.splitlines() if " passed" in line or " failed" in line]
            results.raw["tests"] = {"summary": summary[-1:] if summary else []}
    results.raw.setdefault("tests", {}).update({"seconds": total, "returncode": outcome})
    results.add(
        "9 README test command (coverage, pytest, report)",
        "",
        fmt_s(total) + ("" if outcome == 0 else f" (exit {outcome})"),
        "",
        " ".join(results.raw["tests"].get("summary", [])),
        f"< {TARGET_TESTS_SECONDS / 60:.0f} min",
        verdict(outcome == 0 and total < TARGET_TESTS_SECONDS),
    )
