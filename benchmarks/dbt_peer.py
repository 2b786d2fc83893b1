"""Generate a dbt project (dbt-core + dbt-duckdb) that builds what hebeidb builds, from hebeidb's own inputs.

    python benchmarks/dbt_peer.py --out /tmp/peer                       # the shipped inputs, seed route
    python benchmarks/dbt_peer.py --inputs DIR --out /tmp/peer --route read_csv
    python benchmarks/dbt_peer.py --coverage                            # only print the constraint count

Nothing here is a hand-kept copy of the schema: the DDL is run in an in-memory DuckDB and read back
from ``duckdb_columns()`` and ``duckdb_constraints()``, the models are the ``CREATE VIEW`` statements
of ``schema/*_views.sql``, and the singular tests are hebeidb's check files. Two routes:

* ``seed``: every ``seeds/<table>.csv`` is a dbt seed typed with the columns of ``core.<table>``
  (``dbt seed``); a table with a ``seeds/<table>.sql`` hook (facts) is a seed ``stage_<table>`` plus a
  model running the hook;
* ``read_csv``: every table is a model reading its CSV with DuckDB's ``read_csv`` and the same types.

Each constraint becomes a dbt test: PRIMARY KEY and UNIQUE on one column ``unique`` (with ``not_null``
for keys), NOT NULL ``not_null``, FOREIGN KEY ``relationships``, ``CHECK (column IN (...))``
``accepted_values``; the rest need tests written for the project: a generic ``check_expression``
(every other CHECK, rows where the expression is false) and ``unique_combination`` (keys of several
columns). Each of hebeidb's check files becomes a singular test where it reads only tables and views
that the project builds.

The dbt environment itself is installed by ``ensure_dbt`` into its own virtual environment under
``~/.cache/hebeidb-bench`` (never into hebeidb's dependencies).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import venv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DBT_CORE = "dbt-core~=1.11.0"
DBT_DUCKDB = "dbt-duckdb==1.11.1"
CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hebeidb-bench"
ROUTES = ("seed", "read_csv")
PATTERN_VARIABLE = "hebeidb_number_pattern"  # set by hebeidb's build before it fills core.number_tokens
# Filled by the build from the stored text files rather than from a seed CSV or a _scan view.
TEXT_TABLE = "source_texts"
VIEW_STATEMENT = re.compile(r"CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+(?:(\w+)\.)?(\w+)\s+AS\s+(.*)", re.S | re.I)
CORE_NAME = re.compile(r"\bcore\.(\w+)\b")
CORE_RELATION = re.compile(r"\bcore\.(\w+)\b(?!\s*\()")  # not core.<macro>(...)
MACRO_STATEMENT = re.compile(r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?MACRO\s+(.*)", re.S | re.I)


# --------------------------------------------------------------------------------------------------
# Reading hebeidb's inputs
# --------------------------------------------------------------------------------------------------
@dataclass
class Table:
    name: str
    columns: dict[str, str]  # name -> DuckDB type, in table order
    derived: bool = False  # filled by the build from the view <name>_scan
    hook: str | None = None  # seeds/<name>.sql, the SQL that turns the staged CSV rows into table rows
    csv_columns: list[str] = field(default_factory=list)


@dataclass
class Constraint:
    table: str
    kind: str  # NOT NULL, PRIMARY KEY, UNIQUE, FOREIGN KEY, CHECK
    columns: list[str]
    expression: str | None
    referenced_table: str | None
    referenced_columns: list[str]
    text: str


@dataclass
class View:
    schema: str  # core or main
    name: str
    sql: str
    description: str | None = None


@dataclass
class Schema:
    tables: dict[str, Table]
    constraints: list[Constraint]
    views: list[View]
    macros: list[str]  # CREATE OR REPLACE MACRO statements: dbt runs them first (on-run-start)


def read_schema(inputs: Path) -> Schema:
    """Run the engine's DDL and ``schema/*.sql`` in an in-memory DuckDB and read back the tables, constraints and
    views (the engine's tables, such as build_info, which the build writes from its own state, are left out of the
    project: they have neither a seed nor a _scan view)."""
    import duckdb

    from hebeidb.builder.steps import ENGINE_SCHEMA_DIR

    con = duckdb.connect()
    try:
        for path in [*sorted(ENGINE_SCHEMA_DIR.glob("*.sql")), *sorted((inputs / "schema").glob("*.sql"))]:
            try:
                con.execute(path.read_text(encoding="utf-8"))
            except duckdb.Error as error:
                raise SystemExit(f"{path}: {str(error).splitlines()[0]}") from None
        view_names = {
            name for (name,) in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
        }
        tables: dict[str, Table] = {}
        for name, columns, types in con.execute(
            """SELECT t.table_name, list(c.column_name ORDER BY c.column_index),
                      list(c.data_type ORDER BY c.column_index)
               FROM duckdb_tables() AS t JOIN duckdb_columns() AS c USING (database_name, schema_name, table_name)
               WHERE t.schema_name = 'core' GROUP BY t.table_name, t.table_oid ORDER BY t.table_oid"""
        ).fetchall():
            table = Table(name, dict(zip(columns, types, strict=True)), derived=f"{name}_scan" in view_names)
            hook = inputs / "seeds" / f"{name}.sql"
            if hook.is_file():
                table.hook = hook.read_text(encoding="utf-8").strip().rstrip(";")
            csv_path = inputs / "seeds" / f"{name}.csv"
            if csv_path.is_file():
                with csv_path.open(encoding="utf-8", newline="") as handle:
                    table.csv_columns = next(csv.reader(handle))
            tables[name] = table
        constraints = [
            Constraint(table, kind, list(columns), expression, referenced, list(referenced_columns or []), text)
            for table, kind, columns, expression, referenced, referenced_columns, text in con.execute(
                """SELECT table_name, constraint_type, constraint_column_names, expression, referenced_table,
                          referenced_column_names, constraint_text
                   FROM duckdb_constraints() WHERE schema_name = 'core' ORDER BY table_oid, constraint_index"""
            ).fetchall()
        ]
        comments = dict(
            con.execute(
                "SELECT schema_name || '.' || view_name, comment FROM duckdb_views() WHERE NOT internal"
            ).fetchall()
        )
    finally:
        con.close()
    views, macros = [], []
    for path in sorted((inputs / "schema").glob("*.sql")):
        views_file = path.name.endswith("_views.sql")
        for statement in duckdb.extract_statements(path.read_text(encoding="utf-8")):
            macro = MACRO_STATEMENT.match(without_comments(statement.query))
            if macro:
                macros.append("CREATE OR REPLACE MACRO " + macro.group(1).strip().rstrip(";"))
            match = VIEW_STATEMENT.search(statement.query)
            if match and views_file:
                schema, name, sql = match.group(1) or "main", match.group(2), match.group(3)
                views.append(View(schema, name, sql.strip().rstrip(";"), comments.get(f"{schema}.{name}")))
    return Schema(tables, constraints, views, macros)


# --------------------------------------------------------------------------------------------------
# The dbt project
# --------------------------------------------------------------------------------------------------
def model_name(schema: str, name: str) -> str:
    return f"core_{name}" if schema == "core" else name


def without_comments(sql: str) -> str:
    """The SQL without its ``--`` comments (string literals kept as they are)."""
    return re.sub(r"('(?:[^']|'')*')|--[^\n]*", lambda m: m.group(1) or "", sql).strip()


def refs(sql: str, known: set[str], used: set[str] | None = None) -> str:
    """``core.<name>`` becomes ``{{ ref('core_<name>') }}`` for every object the project builds
    (comments dropped: a ref in a comment is still a dependency to dbt)."""

    def replace(match: re.Match[str]) -> str:
        node = f"core_{match.group(1)}"
        if node not in known:
            return match.group(0)
        if used is not None:
            used.add(node)
        return "{{ ref('" + node + "') }}"

    for marker in ("{{", "{%", "{#"):
        if marker in sql:
            raise SystemExit(f"SQL holds {marker!r}, which dbt's Jinja would read: {sql[:80]!r}...")
    return CORE_NAME.sub(replace, without_comments(sql))


def unresolved(sql: str, known: set[str]) -> list[str]:
    """core objects the SQL reads that the project does not build (outside comments and strings)."""
    code = re.sub(r"'(?:[^']|'')*'", "", without_comments(sql))
    return sorted({m for m in CORE_RELATION.findall(code) if f"core_{m}" not in known})


def read_csv_sql(path: Path, table: Table) -> str:
    types = ", ".join(f"'{name}': '{table.columns[name]}'" for name in table.csv_columns)
    return (
        f"(SELECT * FROM read_csv('{path}', header = true, auto_detect = false, delim = ',', quote = '\"', "
        f"escape = '\"', columns = {{{types}}}))"
    )


@dataclass
class Coverage:
    """Each of hebeidb's constraints and checks and the dbt test that covers it (None: not covered)."""

    items: list[tuple[str, str, str | None]] = field(default_factory=list)  # (what, hebeidb's text, dbt test)
    left_out: dict[str, int] = field(default_factory=dict)  # tables only the build writes: constraints each
    skipped_views: list[str] = field(default_factory=list)  # views that read such tables

    def add(self, what: str, text: str, test: str | None) -> None:
        self.items.append((what, text, test))

    def counts(self) -> dict[str, int]:
        built_in = sum(1 for _, _, t in self.items if t and not t.startswith("custom"))
        custom = sum(1 for _, _, t in self.items if t and t.startswith("custom"))
        return {
            "hebeidb": len(self.items),
            "dbt": built_in + custom,
            "dbt_built_in": built_in,
            "dbt_custom": custom,
            "dbt_missing": len(self.items) - built_in - custom,
        }

    def summary(self) -> str:
        c = self.counts()
        return (
            f"hebeidb covers {c['hebeidb']} of {c['hebeidb']} constraints and checks; dbt covers {c['dbt']} "
            f"({c['dbt_built_in']} with dbt's own tests, {c['dbt_custom']} with tests written for the project), "
            f"{c['dbt_missing']} not at all"
            + (
                "; left out: "
                + ", ".join(f"{t} ({n} constraints)" for t, n in self.left_out.items())
                + ", written by hebeidb's build from its own state"
                if self.left_out
                else ""
            )
        )


def test_for(constraint: Constraint) -> tuple[str, dict[str, Any] | None, str]:
    """The dbt test of one constraint: (kind, arguments, label). Kind "column" tests attach to a column."""
    columns = constraint.columns
    if constraint.kind == "NOT NULL":
        return "not_null", None, "not_null"
    if constraint.kind in ("PRIMARY KEY", "UNIQUE"):
        if len(columns) == 1:
            return "unique", None, "unique"
        return "unique_combination", {"columns": columns}, "custom unique_combination"
    if constraint.kind == "FOREIGN KEY":
        if len(columns) == 1:
            arguments = {"to": f"ref('core_{constraint.referenced_table}')", "field": constraint.referenced_columns[0]}
            return "relationships", arguments, "relationships"
        return "custom", None, "custom (composite foreign key)"
    assert constraint.expression is not None
    values = accepted_values(constraint.expression)
    if values is not None:
        return "accepted_values", {"values": values[1]}, "accepted_values"
    return "check_expression", {"expression": constraint.expression}, "custom check_expression"


def accepted_values(expression: str) -> tuple[str, list[str]] | None:
    """``(column IN ('a', 'b'))`` -> (column, ['a', 'b']); None for any other expression."""
    match = re.fullmatch(r"\(?\s*(\w+)\s+IN\s+\(((?:\s*'(?:[^']|'')*'\s*,?)+)\)\s*\)?", expression.strip(), re.I)
    if not match:
        return None
    return match.group(1), [v.replace("''", "'") for v in re.findall(r"'((?:[^']|'')*)'", match.group(2))]


def generate_project(inputs: Path, out: Path, route: str, checks: Path) -> Coverage:
    """Write the dbt project for ``inputs`` into ``out`` (replaced) and return what its tests cover."""
    if route not in ROUTES:
        raise SystemExit(f"route must be one of {', '.join(ROUTES)}, not {route!r}")
    inputs = inputs.resolve()
    schema = read_schema(inputs)
    shutil.rmtree(out, ignore_errors=True)
    for folder in ("models", "seeds", "tests", "macros"):
        (out / folder).mkdir(parents=True)
    seeds_dir = inputs / "seeds"

    # Nodes: core_<table> for every table the project can fill, core_<view>/<view> for every view.
    # Tables with neither a CSV nor a _scan view (build_info) the build writes from its own state: they
    # have no counterpart in a dbt project and are left out of the count on both sides.
    loaded = {name: t for name, t in schema.tables.items() if t.csv_columns or t.derived}
    build_only = sorted(set(schema.tables) - set(loaded) - {TEXT_TABLE})
    known = {f"core_{name}" for name in loaded} | {f"core_{TEXT_TABLE}"}
    views = [v for v in schema.views if not (v.schema == "core" and v.name.endswith("_scan"))]
    known |= {model_name(v.schema, v.name) for v in views}
    skipped: list[str] = []
    for _ in range(len(views) + 1):  # drop views that read, directly or not, what the project cannot build
        keep = [v for v in views if not unresolved(v.sql, known)]
        for v in views:
            if v not in keep:
                skipped.append(
                    f"{v.schema}.{v.name} (reads {', '.join('core.' + m for m in unresolved(v.sql, known))})"
                )
                known.discard(model_name(v.schema, v.name))
        if len(keep) == len(views):
            break
        views = keep

    seeds_yml: list[dict[str, Any]] = []
    models_yml: list[dict[str, Any]] = []
    node_yml: dict[str, dict[str, Any]] = {}

    def write_model(name: str, sql: str, config: dict[str, Any]) -> None:
        settings = ", ".join(f"{k}={json.dumps(v)}" for k, v in config.items())
        (out / "models" / f"{name}.sql").write_text("{{ config(" + settings + ") }}\n" + sql.strip() + "\n")
        entry: dict[str, Any] = {"name": name}
        models_yml.append(entry)
        node_yml[name] = entry

    core = {"schema": "core"}
    for name, table in loaded.items():
        csv_path = seeds_dir / f"{name}.csv"
        if table.derived:
            scan = next(v for v in schema.views if v.schema == "core" and v.name == f"{name}_scan")
            used: set[str] = set()
            sql = refs(scan.sql, known, used)
            config: dict[str, Any] = {**core, "alias": name, "materialized": "table"}
            if f"getvariable('{PATTERN_VARIABLE}')" in sql and "core_number_pattern" in known:
                config["pre_hook"] = (
                    f"SET VARIABLE {PATTERN_VARIABLE} = (SELECT regex FROM {{{{ ref('core_number_pattern') }}}})"
                )
                sql = "-- depends_on: {{ ref('core_number_pattern') }}\n" + sql
            write_model(f"core_{name}", sql, config)
        elif route == "seed":
            seed = f"stage_{name}" if table.hook else f"core_{name}"
            (out / "seeds" / f"{seed}.csv").symlink_to(csv_path)
            types = {c: table.columns[c] for c in table.csv_columns}
            seed_config: dict[str, Any] = {"column_types": types, "quote_columns": False}
            seed_config |= {"schema": "staging"} if table.hook else {**core, "alias": name}
            entry = {"name": seed, "config": seed_config}
            seeds_yml.append(entry)
            if table.hook:
                hook = refs(table.hook, known).replace(f"stage_{name}", "{{ ref('" + seed + "') }}")
                write_model(f"core_{name}", hook, {**core, "alias": name, "materialized": "table"})
            else:
                node_yml[f"core_{name}"] = entry
        else:
            source = read_csv_sql(csv_path, table)
            sql = refs(table.hook, known).replace(f"stage_{name}", source) if table.hook else f"SELECT * FROM {source}"
            write_model(f"core_{name}", sql, {**core, "alias": name, "materialized": "table"})

    # core.source_texts: the stored texts of the document sources, read the way the build reads them.
    write_model(
        "core_source_texts",
        SOURCE_TEXTS_SQL.replace("__SEEDS__", str(seeds_dir)),
        {**core, "alias": "source_texts", "materialized": "table"},
    )
    for view in views:
        config = {"materialized": "view"} | ({**core, "alias": view.name} if view.schema == "core" else {})
        write_model(model_name(view.schema, view.name), refs(view.sql, known), config)
        if view.description:
            node_yml[model_name(view.schema, view.name)]["description"] = view.description

    def attach(node: dict[str, Any], kind: str, arguments: dict[str, Any] | None, column: str | None) -> None:
        """A generic test on a node: on one of its columns, or on the whole node when ``column`` is None."""
        test: Any = kind if arguments is None else {kind: {"arguments": arguments}}
        if column is None:
            node.setdefault("data_tests", []).append(test)
            return
        columns = node.setdefault("columns", [])
        entry = next((c for c in columns if c["name"] == column), None)
        if entry is None:
            entry = {"name": column, "data_tests": []}
            columns.append(entry)
        if test not in entry["data_tests"]:
            entry["data_tests"].append(test)

    # Tests from the constraints.
    coverage = Coverage(left_out={f"core.{name}": 0 for name in build_only})
    for constraint in schema.constraints:
        if constraint.table in build_only:
            coverage.left_out[f"core.{constraint.table}"] += 1
            continue
        what = f"core.{constraint.table} {constraint.kind} ({', '.join(constraint.columns)})"
        text = constraint.text if constraint.kind != "NOT NULL" else f"{constraint.columns[0]} NOT NULL"
        node = node_yml.get(f"core_{constraint.table}")
        if node is None:
            coverage.add(what, text, None)
            continue
        kind, arguments, label = test_for(constraint)
        if kind == "custom":
            coverage.add(what, text, None)
            continue
        if kind in ("check_expression", "unique_combination"):
            attach(node, kind, arguments, None)
        elif kind == "accepted_values":
            attach(node, kind, arguments, (accepted_values(constraint.expression or "") or ("",))[0])
        else:
            attach(node, kind, arguments, constraint.columns[0])
        coverage.add(what, text, label)

    # Tests from the public views' contract (schema/public_views.toml, where there is one): each key
    # unique, each reference resolved, as the build checks them.
    contract = inputs / "schema" / "public_views.toml"
    declared = tomllib.loads(contract.read_text(encoding="utf-8")).get("views", {}) if contract.is_file() else {}
    for name, entry in declared.items():
        node = node_yml.get(name)
        key = list(entry.get("key", []))
        if key:
            what = f"view {name} key ({', '.join(key)})"
            if node is None:
                coverage.add(what, contract.name, None)
            elif len(key) == 1:
                attach(node, "unique", None, key[0])
                coverage.add(what, contract.name, "unique")
            else:
                attach(node, "unique_combination", {"columns": key, "nulls_distinct": False}, None)
                coverage.add(what, contract.name, "custom unique_combination")
        for reference in entry.get("references", []):
            columns, target, target_columns = reference["columns"], reference["view"], reference["view_columns"]
            what = f"view {name} ({', '.join(columns)}) references {target}"
            if node is None or target not in node_yml or len(columns) != 1:
                coverage.add(what, contract.name, None)
                continue
            attach(node, "relationships", {"to": f"ref('{target}')", "field": target_columns[0]}, columns[0])
            coverage.add(what, contract.name, "relationships")

    # Singular tests from hebeidb's checks: each returns the rows that fail.
    for path in sorted(checks.glob("*.sql")):
        sql = path.read_text(encoding="utf-8").strip().rstrip(";")
        what = f"check {path.stem}"
        code = re.sub(r"'(?:[^']|'')*'", "", without_comments(sql))
        if unresolved(sql, known) or re.search(r"\bduckdb_\w+\(", code):
            coverage.add(what, path.name, None)  # reads what a dbt project has not got (the catalog's comments)
            continue
        (out / "tests" / f"check_{path.stem}.sql").write_text(refs(sql, known) + "\n")
        coverage.add(what, path.name, "custom singular test")

    (out / "macros" / "project_tests.sql").write_text(PROJECT_MACROS)
    for macro in schema.macros:
        refs(macro, set())  # refuses Jinja markers
    start = ["CREATE SCHEMA IF NOT EXISTS core", *schema.macros] if schema.macros else []
    (out / "dbt_project.yml").write_text(PROJECT_YML + f"on-run-start: {json.dumps(start)}\n")
    (out / "profiles.yml").write_text(PROFILES_YML)
    properties = {"version": 2, "models": models_yml}
    if seeds_yml:
        properties["seeds"] = seeds_yml
    (out / "models" / "properties.yml").write_text(json.dumps(properties, indent=1) + "\n")  # JSON is YAML
    (out / "coverage.json").write_text(
        json.dumps(
            {
                "counts": coverage.counts(),
                "left_out": coverage.left_out,
                "skipped_views": skipped,
                "items": coverage.items,
            },
            indent=1,
        )
        + "\n"
    )
    coverage.skipped_views = skipped
    return coverage


# The stored texts of the document sources, read as hebeidb's build reads them; dbt asks the sources
# model for their paths when it runs the model.
SOURCE_TEXTS_SQL = """
-- depends_on: {{ ref('core_sources') }}
{% if execute %}
{% set query = "SELECT text_path FROM " ~ ref('core_sources') ~ " WHERE kind = 'document' ORDER BY 1" %}
{% set paths = run_query(query).columns[0].values() %}
{% else %}{% set paths = [] %}{% endif %}
SELECT s.source_id, decode(b.content) AS text, sha256(b.content) AS sha256,
       CAST(length(decode(b.content)) AS INTEGER) AS n_chars
FROM {{ ref('core_sources') }} AS s
JOIN read_blob([{% for p in paths %}'__SEEDS__/{{ p }}'{% if not loop.last %}, {% endif %}{% endfor %}]) AS b
  ON b.filename = '__SEEDS__/' || s.text_path
WHERE s.kind = 'document'
{% if not paths %}AND false{% endif %}
"""

PROJECT_YML = """\
name: hebeidb_peer
version: "1.0"
config-version: 2
profile: hebeidb_peer
model-paths: [models]
seed-paths: [seeds]
test-paths: [tests]
macro-paths: [macros]
"""

PROFILES_YML = """\
hebeidb_peer:
  target: bench
  outputs:
    bench:
      type: duckdb
      path: "{{ env_var('HEBEIDB_PEER_DATABASE', 'peer.duckdb') }}"
      schema: main
      threads: "{{ env_var('HEBEIDB_PEER_THREADS', '2') | int }}"
"""

PROJECT_MACROS = """\
{# Schemas by their own names (core, staging, main), as hebeidb names them. #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name if custom_schema_name else target.schema }}
{%- endmacro %}

{# A CHECK constraint: the rows where its expression is false (NULL passes, as in SQL). #}
{% test check_expression(model, expression) %}
SELECT * FROM {{ model }} WHERE NOT ({{ expression }})
{% endtest %}

{# A key of several columns: each combination at most once. As SQL's UNIQUE, rows with a NULL in the
   key are left out, unless nulls_distinct is false (hebeidb's check of a public view's key groups them). #}
{% test unique_combination(model, columns, nulls_distinct=true) %}
SELECT {{ columns | join(', ') }}, count(*) AS n FROM {{ model }}
{% if nulls_distinct %}
WHERE {% for c in columns %}{{ c }} IS NOT NULL{% if not loop.last %} AND {% endif %}{% endfor %}
{% endif %}
GROUP BY ALL HAVING count(*) > 1
{% endtest %}
"""


# --------------------------------------------------------------------------------------------------
# The dbt environment
# --------------------------------------------------------------------------------------------------
def ensure_dbt(cache: Path = CACHE_DIR, duckdb_version: str | None = None) -> Path:
    """The ``dbt`` executable of a virtual environment under ``cache``, created on first use with
    dbt-core 1.11 and dbt-duckdb 1.11.1 (and the DuckDB version hebeidb runs, so both use one engine)."""
    folder = cache / "dbt-venv"
    dbt = folder / "bin" / "dbt"
    wanted = [DBT_CORE, DBT_DUCKDB] + ([f"duckdb=={duckdb_version}"] if duckdb_version else [])
    marker = folder / "installed.json"
    if dbt.is_file() and marker.is_file() and json.loads(marker.read_text()) == wanted:
        return dbt
    shutil.rmtree(folder, ignore_errors=True)
    print(f"installing {' '.join(wanted)} into {folder}", flush=True)
    venv.create(folder, with_pip=True)
    done = subprocess.run(
        [str(folder / "bin" / "python"), "-m", "pip", "install", "-q", *wanted], capture_output=True, text=True
    )
    if done.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        last = [line for line in done.stderr.splitlines() if line.strip()]
        raise SystemExit(f"could not install dbt into {folder}: {last[-1] if last else 'pip failed'}")
    marker.write_text(json.dumps(wanted) + "\n")
    return dbt


def dbt_versions(dbt: Path) -> dict[str, str]:
    python = dbt.with_name("python")
    code = (
        "import importlib.metadata as m; import json; "
        "print(json.dumps({n: m.version(n) for n in ('dbt-core', 'dbt-duckdb', 'duckdb')}))"
    )
    return json.loads(subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True).stdout)


def default_checks() -> Path:
    import hebeidb

    return Path(hebeidb.__file__).resolve().parent / "checks"


def default_inputs() -> Path:
    from hebeidb.builder.inputs import Inputs

    return Inputs.installed().root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write a dbt project that builds what hebeidb builds, from hebeidb's inputs.",
        epilog="example:\n  python benchmarks/dbt_peer.py --out /tmp/peer --route read_csv --build",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--inputs", type=Path, help="folder with schema/ and seeds/ (default: the installed inputs)")
    parser.add_argument("--out", type=Path, help="folder to write the dbt project into (replaced)")
    parser.add_argument("--route", choices=ROUTES, default="seed", help="seeds or read_csv models (default: seed)")
    parser.add_argument("--checks", type=Path, help="hebeidb's check files (default: the installed ones)")
    parser.add_argument("--coverage", action="store_true", help="list each constraint and check with its dbt test")
    parser.add_argument("--build", action="store_true", help="then run dbt build (installs dbt on first use)")
    args = parser.parse_args(argv)
    inputs = args.inputs or default_inputs()
    checks = args.checks or default_checks()
    out = args.out
    if out is None:
        if not args.coverage:
            parser.error("--out is required unless --coverage is given")
        import tempfile

        out = Path(tempfile.mkdtemp(prefix="hebeidb-peer-"))
    coverage = generate_project(inputs, out, args.route, checks)
    if args.coverage:
        for what, text, test in coverage.items:
            print(f"{what:<60} {test or 'NOT COVERED':<28} {text}")
    print(coverage.summary())
    if coverage.skipped_views:
        print("views left out (they read what only hebeidb's build writes): " + ", ".join(coverage.skipped_views))
    if args.out is None:
        shutil.rmtree(out, ignore_errors=True)
    else:
        print(f"dbt project written to {out}")
    if args.build and args.out is not None:
        import duckdb

        dbt = ensure_dbt(duckdb_version=duckdb.__version__)
        env = {**os.environ, "HEBEIDB_PEER_DATABASE": str(out / "peer.duckdb")}
        return subprocess.run(
            [str(dbt), "build", "--project-dir", str(out), "--profiles-dir", str(out)], env=env
        ).returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
