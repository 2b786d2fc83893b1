"""Figure 3, the command line: ``hebeidb report medals`` against a bare ``python -c "import duckdb; ..."``
running the same SQL, on each synthetic database and on the one built from the shipped inputs; the import
time of ``import hebeidb``, what it imports beyond the anchor, and the heavy modules it must not import.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from common import Results, builder, child, fmt_s, fmt_size, remove_database, run_child, verdict

HEAVY_MODULES = ("sqlglot", "pyarrow", "pandas", "polars")
LISTED_MODULES = (*HEAVY_MODULES, "numpy", "duckdb", "jinja2")
TARGET_CLI_MS = 60.0
TARGET_IMPORT_MS = 150.0


# The environment of the timed commands of figure 3: Python's bytecode cache on, kept in the work folder.
# An installed package has its modules compiled at install time; a checkout run with
# PYTHONDONTWRITEBYTECODE set (as some machines do) would compile hebeidb's sources on every run
# while DuckDB's come compiled, charging the compiler to hebeidb. The untimed warm-up run fills the cache.
COMMAND_ENV: dict[str, str] | None = None


def command_env(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    return env


def use_bytecode_cache(work: Path) -> None:
    """Run the timed commands from now on with ``command_env(work)`` (see ``COMMAND_ENV``)."""
    global COMMAND_ENV
    COMMAND_ENV = command_env(work)


def wall_time(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=COMMAND_ENV)
    return time.perf_counter() - started


def best_commands(commands: dict[str, list[str]], repeat: int) -> dict[str, float]:
    """Best wall time of each command, the commands interleaved, after one untimed warm-up run each."""
    for argv in commands.values():
        wall_time(argv)
    best = dict.fromkeys(commands, math.inf)
    for _ in range(repeat):
        for name, argv in commands.items():
            best[name] = min(best[name], wall_time(argv))
    return best


# --------------------------------------------------------------------------------------------------
# The child process that lists the modules imported
# --------------------------------------------------------------------------------------------------
def child_modules(database: Path) -> dict[str, Any]:
    """Which of the listed modules are imported after ``import hebeidb`` and after running a report."""
    import hebeidb

    after_import = sorted(m for m in LISTED_MODULES if m in sys.modules)
    try:
        db = hebeidb.open(database, build=False)
    except TypeError:  # hebeidb.open without build=: it never builds
        db = hebeidb.open(database)
    with db:
        db.report("medals").fetchall()
    after_report = sorted(m for m in LISTED_MODULES if m in sys.modules)
    return {"after_import": after_import, "after_report": after_report}


# --------------------------------------------------------------------------------------------------
# The figure
# --------------------------------------------------------------------------------------------------
def cli_commands(database: Path, report: str = "medals") -> tuple[list[str], list[str]]:
    """``hebeidb report NAME --db PATH --format csv`` and the bare ``python -c`` running its SQL."""
    from hebeidb.reader.database import Database

    with Database(database) as db:
        rendered = db.render(report)
    command = Path(sys.executable).with_name("hebeidb")
    cli = [str(command)] if command.is_file() else [sys.executable, "-m", "hebeidb"]
    cli += ["report", report, "--db", str(database), "--format", "csv"]
    call = f"duckdb.connect({str(database)!r}, read_only=True).sql({rendered.sql!r}"
    call += f", params={rendered.params!r}).fetchall()" if rendered.params else ").fetchall()"
    return cli, [sys.executable, "-c", "import datetime, decimal, duckdb; " + call]


def cli_row(results: Results, size: str, times: dict[str, float]) -> float:
    difference = (times["cli"] - times["anchor"]) * 1000
    results.add(
        "3 CLI report medals vs python -c duckdb",
        size,
        fmt_s(times["cli"]),
        fmt_s(times["anchor"]),
        f"{difference:+.0f} ms",
        f"<= +{TARGET_CLI_MS:.0f} ms",
        verdict(difference <= TARGET_CLI_MS),
    )
    return difference


def bench_cli_size(results: Results, facts: int, database: Path, args: argparse.Namespace) -> None:
    """Figure 3 on a synthetic database, where hebeidb opens it as it is (it records its origin)."""
    from hebeidb.reader.database import Database

    with Database(database) as db:
        origin = db.build_info().get("inputs_origin")
    if origin != "synthetic":
        results.add(
            "3 CLI report medals: not measured (hebeidb.open would rebuild this database)", fmt_size(facts), "", "", ""
        )
        return
    cli, anchor = cli_commands(database)
    times = best_commands({"cli": cli, "anchor": anchor}, max(args.repeat, 5))
    difference = cli_row(results, fmt_size(facts), times)
    results.raw["sizes"][str(facts)]["cli"] = {"seconds": times, "difference_ms": difference}
    print(f"  CLI: {fmt_s(times['cli'])}, python -c {fmt_s(times['anchor'])}", flush=True)


def bench_cli(results: Results, work: Path, args: argparse.Namespace) -> None:
    """Figure 3: the command line and the import, on the database built from the shipped inputs."""
    database = work / "hebei.duckdb"
    builder().build_database(database)
    cli, anchor = cli_commands(database)
    times = best_commands(
        {
            "cli": cli,
            "anchor": anchor,
            "python": [sys.executable, "-c", "pass"],
            "import duckdb": [sys.executable, "-c", "import duckdb"],
            "import hebeidb": [sys.executable, "-c", "import hebeidb"],
        },
        max(2 * args.repeat, 10),  # cheap runs: more of them against the noise of process start
    )
    difference = cli_row(results, "shipped", times)
    results.add(
        "  python -c 'import hebeidb' vs 'pass'",
        "",
        fmt_s(times["import hebeidb"]),
        fmt_s(times["python"]),
        f"+{(times['import hebeidb'] - times['python']) * 1000:.0f} ms",
    )
    script = cli[1:] if cli[0] == sys.executable else cli
    extra_ms, extra_top = extra_imports(script, anchor[1:])
    results.add(
        "  CLI's imports beyond the anchor's (importtime)",
        "",
        f"+{extra_ms:.0f} ms",
        "",
        ", ".join(f"{name} {ms:.0f}" for name, ms in extra_top[:3]),
    )
    # -X importtime: the cumulative time of the top-level `hebeidb` line, in microseconds.
    samples = []
    for _ in range(max(2 * args.repeat, 10)):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import hebeidb"],
            capture_output=True,
            text=True,
            check=True,
            env=COMMAND_ENV,
        )
        for line in done.stderr.splitlines():
            parts = line.split("|")
            if len(parts) == 3 and parts[2] == " hebeidb":
                samples.append(int(parts[1]) / 1000)
    first, best, worst = samples[0], min(samples), max(samples)
    results.add(
        "3 import hebeidb (-X importtime; worst run)",
        "",
        f"{worst:.1f} ms",
        "",
        f"best {best:.1f} ms",
        f"< {TARGET_IMPORT_MS:.0f} ms",
        verdict(worst < TARGET_IMPORT_MS),
    )
    modules, _, _ = run_child(child("modules", database))
    heavy_after_import = [m for m in modules["after_import"] if m in HEAVY_MODULES]
    heavy_after_report = [m for m in modules["after_report"] if m in HEAVY_MODULES]
    results.add(
        "3 heavy modules after import hebeidb",
        "",
        ", ".join(modules["after_import"]) or "none",
        "",
        "",
        "none of " + "/".join(HEAVY_MODULES),
        verdict(not heavy_after_import),
    )
    results.add(
        "  after db.report('medals')",
        "",
        ", ".join(modules["after_report"]) or "none",
        "",
        "",
        "none of " + "/".join(HEAVY_MODULES),
        verdict(not heavy_after_report),
    )
    results.raw["cli"] = {
        "seconds": times,
        "difference_ms": difference,
        "import_ms": {"first": first, "best": best, "worst": worst, "samples": samples},
        "modules": modules,
        "extra_imports_ms": dict(extra_top),
    }
    remove_database(database)


def import_self_times(argv: list[str]) -> dict[str, float]:
    """Milliseconds of each module's own import time (-X importtime "self") in one run of ``argv``."""
    subprocess.run(argv, capture_output=True, check=True, env=COMMAND_ENV)  # fills the bytecode cache
    done = subprocess.run(argv, capture_output=True, text=True, check=True, env=COMMAND_ENV)
    found: dict[str, float] = {}
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if line.startswith("import time:") and len(parts) == 3 and parts[1].strip().isdigit():
            found[parts[2].strip()] = int(parts[0].split(":")[1]) / 1000
    return found


def extra_imports(command: list[str], anchor: list[str]) -> tuple[float, list[tuple[str, float]]]:
    """What ``command`` imports beyond ``anchor``: total milliseconds and the top packages."""
    ours = import_self_times([sys.executable, "-X", "importtime", *command])
    theirs = import_self_times([sys.executable, "-X", "importtime", *anchor])
    packages: dict[str, float] = {}
    for module, ms in ours.items():
        if module not in theirs:
            top = module.split(".")[0]
            key = module if top == "hebeidb" else top
            packages[key] = packages.get(key, 0.0) + ms
    ranked = sorted(packages.items(), key=lambda item: -item[1])
    return sum(packages.values()), ranked
