"""Shared fixtures: one database built per test session, copies of the inputs to break, the CLI."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import hypothesis
import pytest

import hebeidb
from hebeidb.builder.inputs import Inputs

CLI = [str(Path(sys.executable).with_name("hebeidb"))]
ARTICLE_PATH = "sources/hebei-targeted-support-2026-02-10.txt"


def rows(con: duckdb.DuckDBPyConnection, query: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The rows of ``query`` as dictionaries, column name to value."""
    result = con.execute(query, params or {})
    names = [d[0] for d in result.description]
    return [dict(zip(names, values, strict=True)) for values in result.fetchall()]


@pytest.fixture(scope="session")
def inputs_root() -> Path:
    """The installed inputs (schema/, seeds/, queries/)."""
    return Inputs.installed().root


@pytest.fixture(scope="session")
def built_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database built once from the installed inputs; tests must not modify it."""
    return hebeidb.build(tmp_path_factory.mktemp("built") / "hebei.duckdb")


@pytest.fixture(scope="session")
def old_version_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database that records hebeidb 0.0.1 as its writer, built once; tests copy it before use."""
    import hebeidb.builder.steps

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(hebeidb.builder.steps, "__version__", "0.0.1")
        return hebeidb.build(tmp_path_factory.mktemp("old") / "old.duckdb")


@pytest.fixture(scope="module")
def con(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """A plain read-only DuckDB connection to a copy of the session database.

    A copy, because the session's ``db`` fixture holds the file open with its own configuration.
    """
    copy = tmp_path_factory.mktemp("copy") / "hebei.duckdb"
    copy.write_bytes(built_db.read_bytes())
    connection = duckdb.connect(str(copy), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def article(inputs_root: Path) -> str:
    """The stored article, as the build reads it."""
    return (inputs_root / "seeds" / ARTICLE_PATH).read_bytes().decode("utf-8")


@pytest.fixture(scope="session")
def db(built_db: Path):
    with hebeidb.open(built_db) as database:
        yield database


@pytest.fixture
def inputs_copy(tmp_path: Path, inputs_root: Path) -> Path:
    """A private copy of schema/, seeds/, queries/ and checks/ that a test may break."""
    root = tmp_path / "inputs"
    for name in ("schema", "seeds", "queries", "checks"):
        shutil.copytree(inputs_root / name, root / name)
    return root


def cli_in_process(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``hebeidb`` in this process (``hebeidb.cli.main``) from ``cwd``: its exit code and what it printed.

    Usable where a fixture cannot be (a module-scoped fixture); an exception that escapes ``main`` (a
    traceback, as a process) fails the test where it happens.
    """
    from hebeidb.cli import main

    out, err = io.StringIO(), io.StringIO()
    previous = os.getcwd()
    os.chdir(cwd or previous)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exit:  # argparse: --help, --version and usage errors
                code = exit.code if isinstance(exit.code, int) else 0 if exit.code is None else 1
    finally:
        os.chdir(previous)
    return subprocess.CompletedProcess(["hebeidb", *args], code, out.getvalue(), err.getvalue())


@pytest.fixture
def run_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``hebeidb`` in this process (:func:`cli_in_process`), from a scratch directory.

    The command sees the environment, working directory, standard output and standard error it would see as a
    process; what it printed and its exit code come back as a ``CompletedProcess``. ``run_cli_process`` runs the
    installed command instead, for the tests whose subject is the process itself.
    """

    def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        with monkeypatch.context() as patch:
            for name, value in {"COLUMNS": "80", **(env or {})}.items():
                patch.setenv(name, value)
            return cli_in_process(*args, cwd=cwd or tmp_path)

    return run


@pytest.fixture
def run_cli_process(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the installed ``hebeidb`` command as a separate process, as a user would, from a scratch directory."""

    def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, "COLUMNS": "80", **(env or {})}
        return subprocess.run(
            [*CLI, *args], capture_output=True, text=True, cwd=cwd or tmp_path, env=full_env, timeout=300
        )

    return run


@pytest.fixture(scope="session")
def public_csv_export(db, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The public views exported as CSV (what PostgreSQL loads)."""
    from engines import public_views

    folder = tmp_path_factory.mktemp("csv") / "out"
    db.export(folder, format="csv", only=public_views(db))
    return folder


@pytest.fixture(scope="session")
def full_parquet_export(db, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole database exported as Parquet (what Spark reads)."""
    folder = tmp_path_factory.mktemp("parquet") / "out"
    db.export(folder, format="parquet")
    return folder


@pytest.fixture(scope="session")
def postgres(db, public_csv_export: Path):
    """A throwaway PostgreSQL cluster holding the public views; yields its connection string."""
    from engines import load_into_postgres, postgres_cluster

    with postgres_cluster() as dsn:
        load_into_postgres(db, public_csv_export, dsn)
        yield dsn


@pytest.fixture(scope="session")
def spark():
    """One local Spark session for the whole test run (start-up takes 15-25 s)."""
    from engines import spark_session

    session = spark_session()
    yield session
    session.stop()


# Property tests (hypothesis) try 40 random examples each in the full run; the quick loop
# (-m "not slow") tries 20 fixed ones, the same on every run. No example has a deadline: speed is the
# benchmark's business, not a test's.
hypothesis.settings.register_profile("full", max_examples=40, deadline=None)
hypothesis.settings.register_profile("quick", max_examples=20, derandomize=True, deadline=None)


def pytest_configure(config: pytest.Config) -> None:
    quick = "not slow" in (config.getoption("markexpr") or "")
    hypothesis.settings.load_profile("quick" if quick else "full")


# Fixtures that cost seconds to make (a build, a wheel, an engine started): the tests that use one run on the
# same worker, so that it is made once per run rather than once per worker. The README's Spark recipe reads
# the partitioned module's 10^5-fact database with the Spark session: that module joins the Spark group.
EXPENSIVE_FIXTURES = {
    "spark": "spark",
    "postgres": "postgres",
    "wheel": "wheel",
    "custom_db": "custom_db",
    "synthetic": "synthetic",
    "synth_db": "spark",
    "sqlite_export": "sqlite_export",
    "parquet_export": "export",
    "csv_export": "export",
    "site": "site",  # the site of the session database, in test_site.py and (for the browser) test_site_browser.py
    "browser": "site",
    "base": "rebuild",  # test_rebuild.py's first build
    "plan_base": "plan",  # test_build_plan.py's
    "changes_base": "changes",  # test_build_changes.py's
    "old_version_db": "old_version_db",
    "oldest_duckdb": "oldest_duckdb",  # a virtual environment with the oldest DuckDB the README promises
}
# The longest group (about a third of the suite's work) goes out first, so that it does not start last.
FIRST_GROUP = "spark"


# First, before pytest-xdist reads the xdist_group marks to send each group to one worker.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    groups: dict[str, str] = {}
    for item in items:
        names = getattr(item, "fixturenames", ())
        group = next((EXPENSIVE_FIXTURES[name] for name in names if name in EXPENSIVE_FIXTURES), None)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
            groups[item.nodeid] = group
    items.sort(key=lambda item: groups.get(item.nodeid) != FIRST_GROUP)  # stable: the rest keep their order
