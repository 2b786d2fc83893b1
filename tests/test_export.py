"""Exports: Parquet and CSV read back by every common reader, metadata, datapackage.json, atomicity."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import hashlib
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

import hebeidb
from hebeidb.common.errors import ExportError
from hebeidb.reader.database import Database
from hebeidb.reader.export import files as export_module

DUCKDB_SHELL = Path(sys.executable).with_name("duckdb")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def normalise(value: object) -> object:
    """One comparable form for what DuckDB, pyarrow, pandas and polars return."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN from pandas
        return None
    if isinstance(value, decimal.Decimal):
        return round(float(value), 6)
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        return value.to_pydatetime().astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def database_rows(db: hebeidb.Database, name: str) -> tuple[list[str], list[tuple]]:
    """Rows in the order an export writes them: views in their own order, base tables by primary key."""
    relation = db.sql(f"SELECT * FROM {_qualified(name)}")
    rows = relation.fetchall()
    if name.startswith("core."):
        keys = db._connection.execute(
            "SELECT constraint_column_names FROM duckdb_constraints() WHERE schema_name = 'core' "
            "AND table_name = $t AND constraint_type = 'PRIMARY KEY'",
            {"t": name.split(".")[1]},
        ).fetchall()
        positions = [relation.columns.index(k) for k in keys[0][0]] if keys else range(len(relation.columns))
        rows.sort(key=lambda row: tuple(row[i] for i in positions))
    return relation.columns, rows


@pytest.fixture(scope="module")
def parquet_export(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    with hebeidb.open(built_db) as db:
        folder = tmp_path_factory.mktemp("export") / "parquet"
        db.export(folder)
    return folder


@pytest.fixture(scope="module")
def csv_export(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    with hebeidb.open(built_db) as db:
        folder = tmp_path_factory.mktemp("export") / "csv"
        db.export(folder, format="csv")
    return folder


def exported_names(folder: Path, suffix: str) -> list[str]:
    return sorted(p.name[: -len(suffix)] for p in folder.glob(f"*{suffix}"))


def test_export_has_one_file_per_view_and_table(db: hebeidb.Database, parquet_export: Path) -> None:
    views = {
        r[0]
        for r in db.sql("SELECT view_name FROM duckdb_views() WHERE schema_name='main' AND NOT internal").fetchall()
    }
    tables = {
        "core." + r[0] for r in db.sql("SELECT table_name FROM duckdb_tables() WHERE schema_name='core'").fetchall()
    }
    # build_info, the contract tables and the records of the input files and check results describe the file:
    # they go into the metadata, not into files.
    described = {"build_info", "core.build_info", "core.dataset", "core.public_views", "core.input_files"}
    described |= {"core.check_results"}
    described |= {"core.public_view_references", "core.reports", "core.report_parameters"}
    expected = (views | tables) - described
    assert set(exported_names(parquet_export, ".parquet")) == expected
    assert {"facts", "sources", "medal_tallies", "report_medals", "core.facts"} <= expected


def exact(row: tuple[Any, ...], decimals: list[int]) -> tuple[Any, ...]:
    """A row read from Parquet with each double of a DECIMAL column (its position in ``decimals``) as the decimal
    its shortest form writes (``97.5`` -> Decimal('97.5'))."""
    return tuple(decimal.Decimal(repr(v)) if i in decimals and isinstance(v, float) else v for i, v in enumerate(row))


def decimal_positions(db: hebeidb.Database, name: str) -> list[int]:
    return [i for i, kind in enumerate(db.sql(f"SELECT * FROM {_qualified(name)}").types) if "DECIMAL" in str(kind)]


def test_duckdb_reads_parquet_back_with_identical_rows_and_types(db: hebeidb.Database, parquet_export: Path) -> None:
    decimals = 0
    for name in exported_names(parquet_export, ".parquet"):
        path = parquet_export / f"{name}.parquet"
        columns, rows = database_rows(db, name)
        # read_parquet needs file access, which the read-only API connection refuses.
        with duckdb.connect() as reader:
            relation = reader.sql("SELECT * FROM read_parquet($p)", params={"p": str(path)})
            assert relation.columns == columns, name
            # Every DECIMAL comes back as the double whose shortest form is the decimal: exactly the value.
            positions = decimal_positions(db, name)
            assert [exact(row, positions) for row in relation.fetchall()] == rows, name
            exported_types = [str(t) for t in relation.types]
        original_types = [str(t) for t in db.sql(f"SELECT * FROM {_qualified(name)}").types]
        assert exported_types == ["DOUBLE" if t.startswith("DECIMAL") else t for t in original_types], name
        decimals += sum(t.startswith("DECIMAL") for t in original_types)
    assert decimals >= 20


def _qualified(name: str) -> str:
    schema, _, table = name.rpartition(".")
    return f'"{schema or "main"}"."{table}"'


def test_pyarrow_reads_numbers_dates_and_booleans(db: hebeidb.Database, parquet_export: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(parquet_export / "facts.parquet")
    assert table.schema.field("value").type == pa.float64()
    assert table.schema.field("period_end").type == pa.date32()
    assert table.schema.field("is_cumulative").type == pa.bool_()
    columns, rows = database_rows(db, "facts")
    assert table.column_names == columns
    positions = decimal_positions(db, "facts")
    assert [exact(tuple(r.values()), positions) for r in table.to_pylist()] == rows
    # The file says which columns were DECIMAL, and of what type.
    recorded = json.loads(pq.read_metadata(parquet_export / "facts.parquet").metadata[b"hebeidb_decimal_columns"])
    types = dict(zip(columns, map(str, db.sql("SELECT * FROM facts").types), strict=True))
    assert recorded == {column: kind for column, kind in types.items() if kind.startswith("DECIMAL")}
    assert recorded["value"] == "DECIMAL(18,2)"


def test_polars_and_pandas_read_the_same_rows(db: hebeidb.Database, parquet_export: Path) -> None:
    import pandas as pd
    import polars as pl

    for name in ("facts", "medal_tallies", "sources", "report_medals", "core.facts"):
        path = parquet_export / f"{name}.parquet"
        columns, rows = database_rows(db, name)
        expected = [tuple(normalise(v) for v in row) for row in rows]
        frame = pl.read_parquet(path)
        assert frame.columns == columns
        assert [tuple(normalise(v) for v in row) for row in frame.iter_rows()] == expected, name
        pandas_frame = pd.read_parquet(path)
        assert list(pandas_frame.columns) == columns
        pandas_rows = [tuple(normalise(v) for v in row) for row in pandas_frame.itertuples(index=False)]
        assert pandas_rows == expected, name
    assert pl.read_parquet(parquet_export / "facts.parquet").schema["value"] == pl.Float64
    assert str(pd.read_parquet(parquet_export / "facts.parquet")["value"].dtype) == "float64"


def test_parquet_files_carry_their_metadata(db: hebeidb.Database, parquet_export: Path) -> None:
    import pyarrow.parquet as pq

    info = db.build_info()
    sources = dict(db.sql("SELECT source_id, sha256 FROM sources").fetchall())
    manifest = json.loads((parquet_export / "datapackage.json").read_text("utf-8"))
    for name in exported_names(parquet_export, ".parquet"):
        metadata = {
            k.decode(): v.decode() for k, v in pq.read_metadata(parquet_export / f"{name}.parquet").metadata.items()
        }
        assert metadata["hebeidb_version"] == hebeidb.__version__
        assert metadata["hebeidb_build_sha256"] == info["inputs_sha256"]
        assert metadata["hebeidb_object"] == name
        # Each file names the sources by digest and points to the resource that lists them.
        assert metadata["hebeidb_sources_resource"] == "core.sources"
        assert metadata["hebeidb_sources_sha256"] == manifest["hebeidb"]["sources_sha256"]
        assert len(metadata["hebeidb_sources_sha256"]) == 64
    cited = {s["source_id"]: s for s in manifest["sources"]}
    assert {k: v.get("sha256") for k, v in cited.items()} == sources
    assert "Deep News" in cited["deep_news_2026_02_10"]["title"]
    assert "2026-02-10" in cited["deep_news_2026_02_10"]["title"]


def fake_sources(count: int) -> list[dict[str, object]]:
    return [
        {"source_id": f"doc_{i}", "citation": f"Publisher. Document {i}.", "url": None, "sha256": f"{i:064x}"}
        for i in range(count)
    ]


@pytest.mark.parametrize("count", [1, export_module.LISTED_SOURCES])
def test_datapackage_cites_each_of_a_few_sources(count: int) -> None:
    cited = export_module.package_sources(fake_sources(count), {"core.sources.parquet"}, "parquet")
    assert [s["source_id"] for s in cited] == [f"doc_{i}" for i in range(count)]
    assert all(s["title"].startswith("Publisher. Document") and len(s["sha256"]) == 64 for s in cited)


@pytest.mark.parametrize(
    ("written", "fmt", "path"),
    [
        ({"core.sources.parquet", "facts.parquet"}, "parquet", "core.sources.parquet"),
        ({"core.sources.csv"}, "csv", "core.sources.csv"),
        ({"facts.parquet"}, "parquet", None),  # --only facts: the resource is named, no file to point at
    ],
)
def test_datapackage_points_to_the_sources_resource_beyond_a_few(written: set[str], fmt: str, path: str | None) -> None:
    count = export_module.LISTED_SOURCES + 1
    [pointer] = export_module.package_sources(fake_sources(count), written, fmt)
    assert pointer["resource"] == "core.sources"
    assert pointer.get("path") == path
    assert f"{count:,} sources" in pointer["title"] and "sources_sha256" in pointer["title"]


def test_datapackage_describes_every_file(db: hebeidb.Database, parquet_export: Path) -> None:
    manifest = json.loads((parquet_export / "datapackage.json").read_text("utf-8"))
    assert manifest["hebeidb"]["build_sha256"] == db.build_info()["inputs_sha256"]
    resources = {r["name"]: r for r in manifest["resources"]}
    assert set(resources) == set(exported_names(parquet_export, ".parquet"))
    for name, resource in resources.items():
        path = parquet_export / resource["path"]
        assert resource["hash"] == "sha256:" + sha256(path)
        assert "bytes" not in resource  # frictionless cannot count a Parquet file's bytes
        columns, _ = database_rows(db, name)
        assert [f["name"] for f in resource["schema"]["fields"]] == columns
    facts = resources["facts"]["schema"]
    assert facts["primaryKey"] == ["fact_id"]
    assert {"fields": ["source_id"], "reference": {"resource": "sources", "fields": ["source_id"]}} in facts[
        "foreignKeys"
    ]
    assert all(f.get("description") for f in facts["fields"]), "every public column is described"
    value = next(f for f in facts["fields"] if f["name"] == "value")
    assert value["type"] == "number" and value["duckdbType"] == "DECIMAL(18,2)"
    core_fields = {f["name"]: f for f in resources["core.facts"]["schema"]["fields"]}
    assert core_fields["value"]["constraints"] == {"required": True}
    assert "constraints" not in core_fields["note"]
    assert resources["core.delegations"]["schema"]["primaryKey"] == ["competition_id", "region_id"]
    assert {s["source_id"] for s in manifest["sources"]} == {
        r[0] for r in db.sql("SELECT source_id FROM sources").fetchall()
    }


def test_view_keys_declared_for_the_datapackage_are_unique(db: hebeidb.Database, parquet_export: Path) -> None:
    manifest = json.loads((parquet_export / "datapackage.json").read_text("utf-8"))
    declared = {r["name"]: r["schema"].get("primaryKey") for r in manifest["resources"]}
    from_file = {view.name: list(view.key) for view in db.views() if view.key}
    assert {name: declared[name] for name in from_file} == from_file  # the keys come from the file
    for view, keys in from_file.items():
        cols = ", ".join(f'"{k}"' for k in keys)
        duplicates = db.sql(f'SELECT {cols}, count(*) FROM "{view}" GROUP BY ALL HAVING count(*) > 1').fetchall()
        assert duplicates == [], view
        nulls = db.sql(f'SELECT count(*) FROM "{view}" WHERE ' + " OR ".join(f'"{k}" IS NULL' for k in keys))
        assert nulls.fetchall() == [(0,)], view


@pytest.mark.slow  # a peer's own validator, run in full (system test)
def test_frictionless_validates_the_csv_export_with_its_data(csv_export: Path) -> None:
    import frictionless

    report = frictionless.validate(csv_export / "datapackage.json")
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "message"])[:10]


def test_frictionless_accepts_the_parquet_descriptor(parquet_export: Path) -> None:
    import frictionless

    descriptor = json.loads((parquet_export / "datapackage.json").read_text("utf-8"))
    errors = list(frictionless.Package.metadata_validate(descriptor))
    assert errors == []
    package = frictionless.Package(parquet_export / "datapackage.json")
    assert {r.name for r in package.resources} == set(exported_names(parquet_export, ".parquet"))


@pytest.mark.slow  # a peer's own validator, run in full (system test)
def test_frictionless_validates_the_parquet_export_with_its_data(parquet_export: Path) -> None:
    import frictionless

    report = frictionless.validate(parquet_export / "datapackage.json")
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "message"])[:10]
    descriptor = json.loads((parquet_export / "datapackage.json").read_text("utf-8"))
    fields = {f["name"]: f for r in descriptor["resources"] if r["name"] == "core.facts" for f in r["schema"]["fields"]}
    assert fields["quote_start"]["missingValues"] == ["", "nan"]  # nullable integer: pandas' empty cell
    assert "missingValues" not in fields["note"]  # text keeps the default: a "nan" there is a value
    # A DECIMAL written as DOUBLE holds no NaN: a "nan" is pandas' empty cell, required or not.
    assert fields["value"]["missingValues"] == ["", "nan"] and fields["value"]["constraints"]["required"]
    assert fields["value_low"]["missingValues"] == ["", "nan"]


@pytest.mark.parametrize(
    ("column", "bad", "error"),
    [
        ("quote_start", 1.5, "type-error"),  # a fraction in an integer field is still an error
        ("value", None, "constraint-error"),  # an empty required number is still an error
        ("value", float("nan"), "constraint-error"),  # so is pandas' NaN for it
    ],
)
def test_frictionless_still_finds_real_errors_in_parquet(
    parquet_export: Path, tmp_path: Path, column: str, bad: object, error: str
) -> None:

    import frictionless
    import pyarrow as pa
    import pyarrow.parquet as pq

    copy = tmp_path / "copy"
    shutil.copytree(parquet_export, copy)
    path = copy / "core.facts.parquet"
    table = pq.read_table(path)
    values = table.column(column).to_pylist()
    values[0] = bad
    kind = pa.float64() if isinstance(bad, float) else table.schema.field(column).type
    index = table.schema.get_field_index(column)
    table = table.set_column(index, pa.field(column, kind), pa.array(values, type=kind))
    pq.write_table(table, path)
    descriptor = json.loads((copy / "datapackage.json").read_text("utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] == "core.facts"]
    for resource in descriptor["resources"]:
        resource.pop("hash")
        resource["schema"].pop("foreignKeys", None)
    (copy / "datapackage.json").write_text(json.dumps(descriptor), "utf-8")
    report = frictionless.validate(copy / "datapackage.json")
    assert not report.valid
    found = report.flatten(["rowNumber", "fieldName", "type"])
    assert [2, column, error] in found, found[:5]


def test_csv_export_rows_match_the_database(db: hebeidb.Database, csv_export: Path) -> None:
    columns, rows = database_rows(db, "medal_tallies")
    with (csv_export / "medal_tallies.csv").open(encoding="utf-8", newline="") as handle:
        read = list(csv.reader(handle))
    assert read[0] == columns
    assert len(read) - 1 == len(rows)
    gold = columns.index("gold")
    # The same numbers; a whole count reads 96, not 96.0 (issue 14), a half medal keeps its half.
    assert [r[gold] for r in read[1:]] == ["" if row[gold] is None else f"{row[gold].normalize():f}" for row in rows]
    assert not [r[gold] for r in read[1:] if r[gold].endswith(".0")]


def test_exporting_the_same_build_twice_gives_identical_bytes(built_db: Path, tmp_path: Path) -> None:
    with hebeidb.open(built_db) as db:
        first = db.export(tmp_path / "one")
        second = db.export(tmp_path / "two")
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second, strict=True):
        assert sha256(a) == sha256(b), a.name


@pytest.mark.slow
def test_two_builds_from_the_same_inputs_give_identical_parquet(built_db: Path, tmp_path: Path) -> None:
    folders = []
    for name, path in (("a", built_db), ("b", hebeidb.build(tmp_path / "b.duckdb"))):
        with hebeidb.open(path) as db:
            db.export(tmp_path / f"export_{name}")
        folders.append(tmp_path / f"export_{name}")
    names = exported_names(folders[0], ".parquet")
    assert names == exported_names(folders[1], ".parquet")
    for name in names:
        assert sha256(folders[0] / f"{name}.parquet") == sha256(folders[1] / f"{name}.parquet"), name


def test_only_limits_the_export_and_drops_dangling_foreign_keys(db: hebeidb.Database, tmp_path: Path) -> None:
    paths = db.export(tmp_path / "some", only=["facts"])
    assert sorted(p.name for p in paths) == ["datapackage.json", "facts.parquet"]
    manifest = json.loads((tmp_path / "some" / "datapackage.json").read_text("utf-8"))
    assert "foreignKeys" not in manifest["resources"][0]["schema"]
    with pytest.raises(ValueError, match=r"nothing to export named nope; names: .*facts"):
        db.export(tmp_path / "other", only=["nope"])
    assert not (tmp_path / "other").exists()


def test_existing_folder_that_is_not_an_export_is_refused_and_left_alone(
    built_db: Path, run_cli, tmp_path: Path
) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    result = run_cli("export", str(folder), "--db", str(built_db))
    assert result.returncode == 2
    assert "is not empty and is not an unchanged earlier hebeidb export" in result.stderr
    assert result.stdout == ""
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


def test_earlier_export_is_replaced_as_a_whole(built_db: Path, run_cli, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    assert run_cli("export", str(folder), "--db", str(built_db)).returncode == 0
    result = run_cli("export", str(folder), "--db", str(built_db), "--format", "csv", "--only", "facts")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["datapackage.json", "facts.csv"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_empty_existing_folder_is_filled(db: hebeidb.Database, tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    db.export(folder, only=["sources"])
    assert sorted(p.name for p in folder.iterdir()) == ["datapackage.json", "sources.parquet"]


def test_failed_export_keeps_the_earlier_export_and_leaves_no_temporaries(
    db: hebeidb.Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "out"
    db.export(folder, only=["facts", "sources"])
    before = {p.name: sha256(p) for p in folder.iterdir()}
    real_write = export_module._write
    calls = []

    def failing_write(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise ExportError("disk full (simulated)")
        return real_write(*args, **kwargs)

    monkeypatch.setattr(export_module, "_write", failing_write)
    with pytest.raises(hebeidb.HebeidbError, match="simulated"):
        db.export(folder)
    assert {p.name: sha256(p) for p in folder.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


class WriteLog:
    """Wraps ``export._write``: when each object's write began and ended, how many ran at once, and an
    object whose write fails."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, failing: str | None = None, pause: float = 0.01) -> None:
        self.real, self.failing, self.pause = export_module._write, failing, pause
        self.lock = threading.Lock()
        self.running = self.most = 0
        self.spans: dict[str, tuple[float, float]] = {}
        monkeypatch.setattr(export_module, "_write", self)

    def __call__(self, con, obj, *args, **kwargs):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(self.pause)  # long enough for the writes to overlap when they can
            if obj.name == self.failing:
                raise ExportError(f"cannot write {obj.name} (simulated)")
            return self.real(con, obj, *args, **kwargs)
        finally:
            with self.lock:
                self.running -= 1
            self.spans[obj.name] = (started, time.perf_counter())


def export_database(database: Path, target: Path, **options: Any) -> list[Path]:
    """``hebeidb.open(database).export(target, ...)``: what the command line does."""
    with hebeidb.open(database) as opened:
        return opened.export(target, **options)


def one_thread_exports(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every export session from now on runs on one DuckDB thread (as a partitioned export does)."""
    session = Database._session
    monkeypatch.setattr(Database, "_session", lambda self, role, **k: session(self, role, **{**k, "threads": 1}))


def duckdb_threads() -> int:
    return duckdb.connect().execute("SELECT current_setting('threads')").fetchone()[0]


def test_objects_are_written_side_by_side_with_the_bytes_of_one_at_a_time(
    built_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = WriteLog(monkeypatch)
    written = export_database(built_db, tmp_path / "side-by-side")
    assert log.most == min(duckdb_threads(), len(written) - 1)  # the files and datapackage.json
    alone = WriteLog(monkeypatch)
    one_thread_exports(monkeypatch)
    export_database(built_db, tmp_path / "one-at-a-time")
    assert alone.most == 1
    side_by_side = {p.name: sha256(p) for p in (tmp_path / "side-by-side").iterdir()}
    one_at_a_time = {p.name: sha256(p) for p in (tmp_path / "one-at-a-time").iterdir()}
    assert len(side_by_side) > 30 and side_by_side == one_at_a_time


@pytest.mark.parametrize("row_group_rows", [1, 40])
def test_a_database_with_a_table_larger_than_a_row_group_per_thread_is_written_one_object_at_a_time(
    built_db: Path,
    con: duckdb.DuckDBPyConnection,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    row_group_rows: int,
) -> None:
    """Each object then runs on every core, and no two large sorts hold memory at once."""
    largest = con.execute("SELECT max(estimated_size) FROM duckdb_tables()").fetchone()[0]
    assert largest > duckdb_threads() * row_group_rows  # the shipped facts: some dozens of rows
    monkeypatch.setattr(export_module, "TABLE_ROW_GROUP_ROWS", row_group_rows)
    log = WriteLog(monkeypatch)
    export_database(built_db, tmp_path / "out")
    assert log.most == 1 and len(log.spans) > 30


@pytest.mark.parametrize("which", [0, 1, 15, -1])
def test_an_object_that_cannot_be_written_fails_the_export_once_the_writes_under_way_end(
    built_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, which: int
) -> None:
    names = [p.name.removesuffix(".parquet") for p in export_database(built_db, tmp_path / "first")]
    failing = names[:-1][which]  # the last name is datapackage.json
    log = WriteLog(monkeypatch, failing=failing)
    with pytest.raises(ExportError, match=f"cannot write {failing} \\(simulated\\)"):
        export_database(built_db, tmp_path / "out")
    failed_at = time.perf_counter()
    assert failing in log.spans
    assert all(end <= failed_at for _, end in log.spans.values()), "a write went on after the export had failed"
    assert log.running == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["first"]  # no export, no temporary folder


def test_a_citation_names_what_is_known_of_a_source_to_the_precision_of_its_date() -> None:
    con = duckdb.connect()
    con.execute(f"ATTACH ':memory:' AS {export_module.EXPORT_ALIAS}")
    con.execute(f"CREATE SCHEMA {export_module.EXPORT_ALIAS}.core")
    con.execute(
        f"""CREATE TABLE {export_module.EXPORT_ALIAS}.core.sources AS SELECT * FROM (VALUES
            ('a', 'Title A', 'Publisher', DATE '2024-05-17', 'day', 'https://example.org/a', repeat('a', 64)),
            ('b', 'Title B', 'Publisher', DATE '2024-05-17', 'month', NULL, NULL),
            ('c', 'Title C', NULL, DATE '2019-01-01', 'year', 'https://example.org/c', NULL),
            ('d', 'Title D', '', NULL, NULL, NULL, NULL)
        ) AS t(source_id, title, publisher, published_on, published_precision, url, sha256)"""
    )
    assert export_module._sources(con) == [
        {
            "source_id": "a",
            "sha256": "a" * 64,
            "url": "https://example.org/a",
            "citation": "Publisher. Title A. 2024-05-17. https://example.org/a.",
        },
        {"source_id": "b", "sha256": None, "url": None, "citation": "Publisher. Title B. 2024-05."},
        {
            "source_id": "c",
            "sha256": None,
            "url": "https://example.org/c",
            "citation": "Title C. 2019. https://example.org/c.",
        },
        {"source_id": "d", "sha256": None, "url": None, "citation": "Title D."},
    ]


def test_unwritable_location_is_a_refused_target_with_exit_code_2(built_db: Path, run_cli) -> None:
    # /proc refuses new folders even to root, so this holds whoever runs the tests.
    result = run_cli("export", "/proc/hebeidb-export-test", "--db", str(built_db))
    assert result.returncode == 2
    assert "cannot write to /proc" in result.stderr


def test_duckdb_shell_from_pypi_reads_the_built_file(db: hebeidb.Database, built_db: Path) -> None:
    query = "SELECT competition_id, delegation, gold, silver, bronze, total FROM medal_tallies ORDER BY ALL"
    result = subprocess.run(
        [str(DUCKDB_SHELL), "-readonly", "-csv", "-nullvalue", "", str(built_db), "-c", query],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    shell_rows = list(csv.reader(result.stdout.splitlines()))
    relation = db.sql(query)
    assert shell_rows[0] == relation.columns
    api_rows = [["" if v is None else str(v) for v in row] for row in relation.fetchall()]
    assert shell_rows[1:] == api_rows
    assert len(api_rows) == db.sql("SELECT count(*) FROM medal_tallies").fetchall()[0][0]


@pytest.mark.slow
def test_storage_version_can_be_chosen(tmp_path: Path) -> None:
    path = hebeidb.build(tmp_path / "new.duckdb")
    with hebeidb.open(path) as db:
        assert db.build_info()["storage_version"] == "v1.0.0"
    from hebeidb.builder import build_database

    build_database(tmp_path / "v15.duckdb", storage_version="v1.5.0")
    with hebeidb.open(tmp_path / "v15.duckdb") as db:
        assert db.build_info()["storage_version"] == "v1.5.0"
    with pytest.raises(hebeidb.ParameterError, match=r"storage version 'v0\.0\.1'.*v1\.0\.0"):
        build_database(tmp_path / "bad.duckdb", storage_version="v0.0.1")
    assert not (tmp_path / "bad.duckdb").exists()


# --- DuckDB refusing the export's own queries: one line, nothing written ----------------------------------


def squeeze_export_memory(monkeypatch: pytest.MonkeyPatch, limit: str) -> None:
    """From now on an export's own connection gets a memory limit of ``limit``: DuckDB itself then runs out of
    memory in the export's queries (the reader that opened the file keeps its own limit)."""
    session = Database._session
    monkeypatch.setattr(
        Database, "_session", lambda self, role, **k: session(self, role, **{**k, "memory_limit": limit})
    )


# From the setup of the connection (2 MB), the catalog queries before the first file (4 and 8 MB) to a write
# (16 MB), for each kind of export.
@pytest.mark.parametrize("limit", ["2MB", "4MB", "8MB", "16MB"])
@pytest.mark.parametrize(
    "kind", [{}, {"format": "sqlite"}, {"partition_by": ["domain"]}], ids=["parquet", "sqlite", "partitioned"]
)
def test_duckdb_out_of_memory_is_one_line_at_the_reader_limit_and_writes_nothing(
    built_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: str, kind: dict[str, object]
) -> None:
    squeeze_export_memory(monkeypatch, limit)
    with pytest.raises(hebeidb.QueryMemoryError) as caught:
        export_database(built_db, tmp_path / "out", **kind)
    message = str(caught.value)
    assert "\n" not in message and "more memory than readers may use" in message, message
    assert caught.value.exit_code == 2
    assert [p.name for p in tmp_path.iterdir()] == []  # no export, no temporary folder


def test_the_command_line_reports_duckdb_out_of_memory_in_one_line(
    built_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli
) -> None:
    squeeze_export_memory(monkeypatch, "4MB")
    result = run_cli("export", str(tmp_path / "out"), "--db", str(built_db))
    assert result.returncode == 2
    assert result.stdout == ""
    assert "more memory than readers may use" in result.stderr, result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "out").exists()
