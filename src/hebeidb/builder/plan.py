"""What a change to the inputs touches: the plan of a change-aware build.

The previous file records every input file it was built from (``core.input_files``, each with its sha256) and every
check its data passed (``core.check_results``, each with the sha256 of its SQL). A build compares the inputs with
that record file by file, and follows what each changed file feeds:

- ``seeds/<table>.csv`` and ``seeds/<table>.sql`` (its hook): the rows of ``core.<table>``, read again through the
  loader of a full build and compared with the stored rows by key (:mod:`hebeidb.builder.changes`); a table whose
  seed hook reads a column that changed is read again too;
- any other file under ``seeds/`` (a stored text): ``core.source_texts``, read again;
- ``checks/NNN_name.sql`` or ``.toml``: that check runs again;
- ``queries/``: the reports, which every build makes again (they are views);
- ``schema/``: a full build (the schema of a carried-over table cannot be trusted to match).

From the tables whose rows differ, and the columns that differ in them, the lineage engine
(:class:`hebeidb.common.lineage.TableReads`, the one that schedules the steps of a full build) tells what else
must be made again: the source texts when their loader reads a column that changed, each derived table whose
``_scan`` view does, each check whose SQL does (or whose SQL changed, or that reads only the catalog, or whose
reads cannot be told), and the keys and references of each public view that does. Everything else is carried
over from the previous file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb

from hebeidb.builder import changes as diff
from hebeidb.builder.checks import CATALOG_CHECKS, CONTRACT_CHECK, Check, check_sha256, prepare_checks
from hebeidb.builder.inputs import FileHash, InputHashes, Inputs
from hebeidb.builder.loading import (
    SCHEMA,
    Table,
    derived_tables,
    derived_view,
    rows_view,
    seed_tables,
    stage_seeds,
    table_reads,
)
from hebeidb.builder.report import CHANGE_AWARE, FULL, QUERIES_ONLY
from hebeidb.builder.steps import schema_tables
from hebeidb.builder.texts import TEXTS_QUERY
from hebeidb.common.lineage import TableReads
from hebeidb.common.progress import Timings, timed
from hebeidb.common.sqltext import error_first_line, quote_identifier

# A table whose rows differ: the columns that differ (None: rows were added or removed, or which is not known).
Changes = dict[str, frozenset[str] | None]
TEXTS_TABLE = "source_texts"


@dataclass(frozen=True)
class FileChange:
    """An input file that differs from the previous build's record: added, removed or changed."""

    path: str
    change: str


@dataclass
class TableStep:
    """A seed table whose rows are read again, why, and how they differ from the stored ones (None when not
    measured: a plan does not read a table again for a change of the tables its seed hook reads)."""

    table: str
    why: str
    difference: diff.Difference | None = None


@dataclass
class Plan:
    """What a build does: its kind (full, change-aware, queries-only) and why; for a change-aware build, what
    changed and what is made again (each with why), and what is carried over."""

    kind: str
    reason: str
    files: list[FileChange] = field(default_factory=list)
    tables: list[TableStep] = field(default_factory=list)
    texts: str | None = None
    derived: dict[str, str] = field(default_factory=dict)
    checks: dict[str, str] = field(default_factory=dict)
    kept_checks: list[str] = field(default_factory=list)
    contract: dict[str, str] = field(default_factory=dict)
    kept_tables: list[str] = field(default_factory=list)
    reports: str = ""
    changes: Changes = field(default_factory=dict)
    recount: bool = True  # whether the cross-checks are counted again (their view reads what changed)

    def as_dict(self) -> dict[str, Any]:
        """The plan as data (what ``hebeidb build --plan --format json`` prints)."""
        return {
            "build": self.kind,
            "reason": self.reason,
            "files": [{"path": f.path, "change": f.change} for f in self.files],
            "tables": [
                {
                    "table": step.table,
                    "why": step.why,
                    "rows": None
                    if step.difference is None
                    else {
                        "removed": step.difference.deleted,
                        "changed": step.difference.updated,
                        "added": step.difference.inserted,
                    },
                    "columns": None if step.difference is None else list(step.difference.columns),
                    "difference": "not measured: read again with the tables its hook reads"
                    if step.difference is None
                    else step.difference.describe(),
                }
                for step in self.tables
            ],
            "source_texts": self.texts,
            "derived": [{"table": name, "why": why} for name, why in self.derived.items()],
            "checks": {
                "run": [{"check": name, "why": why} for name, why in self.checks.items()],
                "kept": list(self.kept_checks),
            },
            "contract": [{"view": name, "why": why} for name, why in self.contract.items()],
            "reports": self.reports,
            "kept_tables": list(self.kept_tables),
        }


def file_changes(recorded: Mapping[str, FileHash], current: InputHashes) -> list[FileChange]:
    """The input files that differ from the previous build's record, in path order."""
    now = {f.name: f.sha256 for f in current.files}
    found = [FileChange(name, "added") for name in now if name not in recorded]
    found += [FileChange(name, "removed") for name in recorded if name not in now]
    found += [
        FileChange(name, "changed") for name, sha in now.items() if name in recorded and recorded[name].sha256 != sha
    ]
    return sorted(found, key=lambda f: f.path)


def first_plan(reason: str | None, files: list[FileChange]) -> Plan:
    """What the record alone tells: a full build (previous file cannot be trusted, or the schema changed), a
    queries-only build (nothing but queries/ changed), or a change-aware one, whose details need the file."""
    if reason is not None:
        return Plan(FULL, reason, files)
    schema = [f for f in files if _part(f.path) == "schema"]
    if schema:
        return Plan(FULL, f"{_said(schema)}: a change to the schema takes a full build", files)
    if not files:
        return Plan(QUERIES_ONLY, "no input changed; data reused from the previous file", files)
    if all(_part(f.path) == "queries" for f in files):
        return Plan(QUERIES_ONLY, "only queries/ changed; data reused from the previous file", files)
    data = [f for f in files if _part(f.path) != "queries"]
    return Plan(CHANGE_AWARE, f"{_said(data)}; the rest reused from the previous file", files)


def plan_changes(
    con: duckdb.DuckDBPyConnection,
    inputs: Inputs,
    plan: Plan,
    checks: list[Check],
    recorded_checks: Mapping[str, str | None],
    public_views: Mapping[str, tuple[Any, ...]],
    timings: Timings,
    *,
    apply: bool,
) -> Plan:
    """Complete ``plan`` (a change-aware one from :func:`first_plan`) on ``con``, whose database is the previous
    file: stage every seed, read again the tables whose files changed and measure how their rows differ, then
    follow the changes (:func:`follow`). With ``apply``, each table's changed and added rows are written as it goes
    (a table read again for what its hook reads sees its parents' new rows); its removed rows wait for
    :func:`apply_deletes`. Without, nothing is written (``con`` may be read-only).

    Returns a full plan, with the reason, when a difference cannot be measured or applied: a full build then
    reports the seed's problems, located, as it always does.
    """
    with timed(timings, "schema"):
        created = schema_tables(inputs)
    stored = dict(
        con.execute(
            "SELECT table_name, sql FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = $schema",
            {"schema": SCHEMA},
        ).fetchall()
    )
    if stored != created:
        differs = sorted(set(stored) ^ set(created)) or sorted(n for n in created if stored[n] != created[n])
        return _fall_back(plan, f"the previous file's core.{differs[0]} is not the one the schema creates")
    # In the order a full build creates them (a file opened again lists its tables in another order): a
    # table's seed hook reads the tables loaded before it as a full build has them.
    position = {name: index for index, name in enumerate(created)}
    seeds = sorted(seed_tables(con), key=lambda table: position[table.name])
    by_name = {table.name: table for table in seeds}
    own = _own_changes(plan.files, by_name)
    texts_files = [f for f in plan.files if _part(f.path) == "seeds" and _seed_of(f.path, by_name) is None]
    with timed(timings, "stage"):
        stage_seeds(con, inputs, seeds)
        prepare_checks(con)
    reads = table_reads(con)
    changes: Changes = {}
    removed: set[str] = set()  # tables whose removed rows wait for apply_deletes
    for table in seeds:
        hook_reads = _hook_reads(inputs, table, reads) if changes else {}
        why = own.get(table.name) or _hook_reads_changed(hook_reads, changes)
        if why is None:
            continue
        stale = sorted(removed & set(hook_reads or {}))
        if apply and removed and (hook_reads is None or stale):
            # Its hook would read rows that a full build would not have: those removed, still there until the end.
            return _fall_back(
                plan,
                f"the seed hook of core.{table.name} reads rows removed from core.{stale[0]}"
                if stale
                else f"what the seed hook of core.{table.name} reads cannot be told",
            )
        step = TableStep(table.name, why)
        plan.tables.append(step)
        if table.name not in own and not apply:
            changes[table.name] = None  # not measured: counted as changed in every column
            continue
        with timed(timings, "diff"):
            problems = rows_view(con, inputs, table)
            if problems:
                return _fall_back(plan, f"{problems[0].file} cannot be read into core.{table.name}")
            try:
                step.difference = diff.measure(con, table, exact=apply)
            except diff.DuplicateKeys:
                return _fall_back(plan, f"seeds/{table.name}.csv gives a key twice")
            except duckdb.Error as error:
                return _fall_back(plan, f"core.{table.name} cannot be read again: {error_first_line(error)}")
        if apply and not step.difference.empty:
            with timed(timings, "insert"):
                try:
                    diff.apply_updates_and_inserts(con, table, step.difference)
                except duckdb.Error as error:
                    return _fall_back(
                        plan, f"the change to core.{table.name} cannot be applied: {error_first_line(error)}"
                    )
            timings.count("insert", step.difference.updated + step.difference.inserted)
        if not step.difference.empty:
            changes[table.name] = step.difference.touched
        if step.difference.deleted and not step.difference.replaced:
            removed.add(table.name)
    if texts_files:
        plan.texts = f"{_said(texts_files)}"
    derived = sorted(derived_tables(con), key=position.__getitem__)
    follow(plan, reads, changes, [t.name for t in seeds], derived, checks, recorded_checks, public_views)
    return plan


def follow(
    plan: Plan,
    reads: TableReads,
    changes: Changes,
    seeds: list[str],
    derived: list[str],
    checks: list[Check],
    recorded_checks: Mapping[str, str | None],
    public_views: Mapping[str, tuple[Any, ...]],
) -> None:
    """From the tables that changed, what else is made again: the source texts, the derived tables (each in turn
    a change for those after it), the checks, the public views whose keys and references are checked again.
    Fills ``plan``; what is not made again is listed as kept."""
    if plan.texts is None:
        why = touches(reads.columns(TEXTS_QUERY), changes)
        if why is not None:
            plan.texts = f"their loader reads {why}"
    if plan.texts is not None:
        changes[TEXTS_TABLE] = None
    for name in derived:
        why = touches(reads.columns(f"SELECT * FROM {derived_view(name)}"), changes)
        if why is not None:
            plan.derived[name] = f"its view reads {why}"
            changes[name] = None
    for check in checks:
        why = _check_why(check, reads, changes, recorded_checks)
        if why is None:
            plan.kept_checks.append(check.name)
        else:
            plan.checks[check.name] = why
    # What the contract reads of each view: its key, its references' columns and the columns others refer to.
    needed: dict[str, set[str]] = {name: set(key) for name, (key, _references) in public_views.items()}
    for name, (_key, references) in public_views.items():
        for ref in references:
            needed[name].update(ref.columns)
            needed.setdefault(ref.view, set()).update(ref.view_columns)
    changed_rows = {}
    for name in public_views:
        query = reads.narrowed(name, "main", needed[name]) or f"SELECT * FROM main.{quote_identifier(name)}"
        why = touches(reads.columns(query), changes)
        if why is not None:
            changed_rows[name] = f"reads {why}"
    referring = {}
    for name, (_key, references) in public_views.items():
        into = [ref.view for ref in references if ref.view in changed_rows]
        if into and name not in changed_rows:
            referring[name] = f"refers to {into[0]}"
    affected = changed_rows | referring
    plan.contract = {name: affected[name] for name in public_views if name in affected}
    plan.recount = touches(reads.columns(f"SELECT * FROM {SCHEMA}.cross_checks"), changes) is not None
    plan.checks[CONTRACT_CHECK] = (
        "the public views' keys and references: " + ", ".join(plan.contract) if plan.contract else "the views' columns"
    )
    plan.changes = changes
    plan.reports = (
        "queries/ changed" if any(_part(f.path) == "queries" for f in plan.files) else "every build makes them"
    )
    made = {step.table for step in plan.tables if step.difference is None or not step.difference.empty}
    made |= set(plan.derived) | ({TEXTS_TABLE} if plan.texts else set())
    plan.kept_tables = [name for name in [*seeds, TEXTS_TABLE, *derived] if name not in made]


def touches(read: Mapping[str, frozenset[str] | None] | None, changes: Changes) -> str | None:
    """Why a query that reads ``read`` (:meth:`TableReads.columns`) sees ``changes``: the first changed column or
    table it reads; None when it reads nothing that changed."""
    if read is None:
        return "what its text does not tell (it may read anything)"
    for table in sorted(read):
        if table not in changes:
            continue
        changed, columns = changes[table], read[table]
        if changed is None:
            return f"core.{table}, whose rows changed"
        if columns is None:
            return f"every column of core.{table} ({', '.join(sorted(changed))} changed)"
        common = sorted(changed & columns)
        if common:
            return f"core.{table}.{common[0]}, changed"
    return None


def apply_deletes(con: duckdb.DuckDBPyConnection, plan: Plan, seeds: list[Table]) -> None:
    """Remove the rows the seeds no longer give, children's before parents' (raises :class:`duckdb.Error` when a
    row removed is still referred to)."""
    by_name = {table.name: table for table in seeds}
    for step in reversed(plan.tables):
        if step.difference is not None:
            diff.apply_deletes(con, by_name[step.table], step.difference)


def _check_why(check: Check, reads: TableReads, changes: Changes, recorded: Mapping[str, str | None]) -> str | None:
    if check.name not in recorded:
        return "a new check"
    if recorded[check.name] != check_sha256(check):
        return "its SQL changed"
    read = reads.columns(check.sql)
    if check.name in CATALOG_CHECKS or read == {}:
        return "it reads the catalog"
    why = touches(read, changes)
    return None if why is None else f"it reads {why}"


def _own_changes(files: list[FileChange], seeds: Mapping[str, Table]) -> dict[str, str]:
    """The seed tables whose own files (CSV, seed hook) changed, with why."""
    own: dict[str, list[FileChange]] = {}
    for change in files:
        table = _seed_of(change.path, seeds)
        if table is not None:
            own.setdefault(table, []).append(change)
    return {table: _said(found) for table, found in own.items()}


def _hook_reads(inputs: Inputs, table: Table, reads: TableReads) -> Mapping[str, frozenset[str] | None] | None:
    """What the seed hook of ``table`` reads ({} when it has none; None when that cannot be told)."""
    hook = inputs.seeds_dir / f"{table.name}.sql"
    if not hook.is_file():
        return {}
    try:
        text = hook.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return reads.columns(text)


def _hook_reads_changed(hook_reads: Mapping[str, frozenset[str] | None] | None, changes: Changes) -> str | None:
    if hook_reads == {}:
        return None
    why = touches(hook_reads, changes)
    return None if why is None else f"its seed hook reads {why}"


def _seed_of(path: str, seeds: Mapping[str, Table]) -> str | None:
    """The seed table a file under seeds/ feeds (its CSV or its hook), or None (a stored text)."""
    folder, _, name = path.rpartition("/")
    stem, dot, suffix = name.rpartition(".")
    if folder == "seeds" and dot and suffix in ("csv", "sql") and stem in seeds:
        return stem
    return None


def _part(path: str) -> str:
    return path.split("/", 1)[0]


def _said(files: list[FileChange]) -> str:
    shown = ", ".join(f"{f.path} {f.change}" for f in files[:3])
    return shown + (f" and {len(files) - 3} more files" if len(files) > 3 else "")


def _fall_back(plan: Plan, reason: str) -> Plan:
    return fall_back(plan, reason)


def fall_back(plan: Plan, reason: str) -> Plan:
    """The full build that replaces ``plan`` when what it would do cannot be done (the full build reports the
    inputs' problems, located, as it always does)."""
    return Plan(FULL, f"{reason}; built in full instead", plan.files)
