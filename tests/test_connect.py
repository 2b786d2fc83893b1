"""Every DuckDB connection hebeidb makes is opened by one module, each role with the settings it declares."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb
import pytest

from hebeidb.common import connect as connect_module
from hebeidb.common.connect import ALIAS, ROLES, Attach, connect
from hebeidb.common.errors import DatabaseError, ParameterError

PACKAGE = Path(connect_module.__file__).resolve().parent.parent


def settings(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("SELECT name, value FROM duckdb_settings()").fetchall())


def normalised(name: str, value: Any) -> str:
    """A declared value as ``duckdb_settings()`` prints it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(sorted(value)) + "]"
    if name == "memory_limit":
        with duckdb.connect() as scratch:  # DuckDB prints a size in its own units
            scratch.execute("SET memory_limit = $v", {"v": value})
            return scratch.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    return str(value)


def listed(value: str) -> str:
    """A list setting as printed, its items sorted (DuckDB keeps a set)."""
    if value.startswith("[") and value.endswith("]"):
        items = [item.strip() for item in value[1:-1].split(",") if item.strip()]
        return "[" + ", ".join(sorted(items)) + "]"
    return value


@pytest.fixture
def folders(tmp_path: Path, built_db: Path) -> dict[str, Path]:
    out = tmp_path / "out"
    out.mkdir()
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(built_db.read_bytes())
    return {"db": copy, "out": out, "inputs": tmp_path, "new": tmp_path / "new.duckdb", "spill": tmp_path / "spill"}


def role_cases(f: dict[str, Path]) -> dict[str, dict[str, Any]]:
    """How each role is opened in these tests, as hebeidb opens it."""
    return {
        "reader": {"attach": Attach(f["db"])},
        "export": {"attach": Attach(f["db"]), "writes": [f["out"]], "threads": 1},
        "build": {"attach": Attach(f["new"], "v1.0.0"), "reads": [f["inputs"]], "spill": f["spill"]},
        "probe": {"attach": Attach(f["db"])},
        "plan": {"attach": Attach(f["db"]), "reads": [f["inputs"]]},
        "synth": {"reads": [f["inputs"]], "writes": [f["out"]], "extra": {"preserve_insertion_order": True}},
    }


@pytest.mark.parametrize("role", sorted(ROLES))
def test_each_role_has_the_settings_it_declares_and_locks_them(role: str, folders: dict[str, Path]) -> None:
    case = role_cases(folders)[role]
    con = connect(role, **case)
    try:
        attach = case.get("attach")
        paths = [] if attach is None else [str(attach.path), f"{attach.path}.wal"]
        if attach is not None and not ROLES[role].read_only:
            paths.append(f"{attach.path}.wal.checkpoint")
        folders_ = [str(Path(p).resolve()) for p in (*case.get("reads", ()), *case.get("writes", ()))]
        if case.get("spill") is not None:
            folders_.append(str(case["spill"]))
        memory = {"reader": connect_module.reader_memory_limit(), "build": connect_module.build_memory_limit()}
        declared = ROLES[role].settings(paths, folders_, memory.get(ROLES[role].memory))
        if case.get("spill") is not None:
            declared["temp_directory"] = str(case["spill"])
        if case.get("threads") is not None:
            declared["threads"] = case["threads"]
        declared |= case.get("extra", {})
        actual = settings(con)
        for name, value in declared.items():
            assert listed(actual[name]) == normalised(name, value), name
        assert actual["lock_configuration"] == "true"
        assert actual["enable_external_access"] == "false"
        assert actual["autoload_known_extensions"] == actual["autoinstall_known_extensions"] == "false"
        assert actual["allow_community_extensions"] == "false"
        if attach is not None:
            assert con.execute("SELECT current_database()").fetchone()[0] == ALIAS
            readonly = con.execute("SELECT readonly FROM duckdb_databases() WHERE database_name = $a", {"a": ALIAS})
            assert readonly.fetchone()[0] == ROLES[role].read_only
        with pytest.raises(duckdb.Error, match=r"locked|disabled"):
            con.execute("SET enable_external_access = true")
        with pytest.raises(duckdb.Error):
            con.execute("SELECT * FROM read_text('/etc/hostname')").fetchall()
    finally:
        con.close()


def test_no_other_module_opens_a_connection() -> None:
    opening = re.compile(r"\bduckdb\.connect\(")
    found = [
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if opening.search(path.read_text(encoding="utf-8"))
    ]
    assert found == ["common/connect.py"]


def test_a_missing_file_is_a_database_error(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="cannot open"):
        connect("reader", attach=Attach(tmp_path / "missing.duckdb"))


@pytest.mark.parametrize(("value", "where"), [("plenty", "memory_limit="), ("12 parsecs", "memory_limit=")])
def test_a_memory_size_duckdb_cannot_read_is_refused_naming_where_it_came_from(
    value: str, where: str, folders: dict[str, Path]
) -> None:
    with pytest.raises(ParameterError) as caught:
        connect("reader", attach=Attach(folders["db"]), memory_limit=value)
    assert str(caught.value) == f"{where} {value!r} is not a memory size; give one such as 500MB or 2GB"


def test_every_open_is_a_new_instance_that_sees_the_file_as_it_is_now(tmp_path: Path, built_db: Path) -> None:
    """DuckDB caches instances by path; hebeidb's connections never share one, so a later open reads a new file."""
    target = tmp_path / "h.duckdb"
    target.write_bytes(built_db.read_bytes())
    first = connect("reader", attach=Attach(target))
    with duckdb.connect(str(tmp_path / "other.duckdb")) as other:
        other.execute("CREATE TABLE marker AS SELECT 1 AS x")
    (tmp_path / "other.duckdb").replace(target)  # a build renames its new file into place
    second = connect("reader", attach=Attach(target))
    try:
        assert first.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'marker'").fetchone() == (0,)
        assert second.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'marker'").fetchone() == (1,)
    finally:
        first.close()
        second.close()
