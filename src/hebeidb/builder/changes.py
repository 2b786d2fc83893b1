"""The difference between the rows a seed gives now and the rows its table holds, and its application.

A change-aware build reads a changed seed through the same loader as a full build (the view ``rows_<table>``:
the CSV read with the table's types, through its seed hook), compares those rows with the stored ones by primary
key into the temporary table ``changes_<table>`` (one row per key added, removed or changed, with the new values
and the names of the columns that changed), and applies it: new values of changed rows (an ``UPDATE`` of only
the columns that changed, so that DuckDB rewrites no index it need not), new rows (parents first, where the table
refers to itself), and, last of all tables and children first, the rows removed. DuckDB enforces every
constraint of the DDL on what it writes; what it refuses makes the build fall back to a full one.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from hebeidb.builder.loading import SCHEMA, Table, insert_rows
from hebeidb.common.sqltext import quote_identifier, quote_literal

# Names of the columns changes_<table> adds to the table's own (a seed's column cannot start with two underscores
# and hebeidb: the prefix keeps them apart).
CHANGE = "__hebeidb_change"
CHANGED_COLUMNS = "__hebeidb_columns"
NEW, OLD = "__hebeidb_new", "__hebeidb_old"
DIGEST = "__hebeidb_digest"


@dataclass(frozen=True)
class Difference:
    """How the rows a seed gives differ from those its table holds: rows removed, changed and added, and the
    columns that change in the changed rows. ``replaced``: the table has no primary key to compare rows by,
    so every row is removed and inserted again."""

    table: str
    deleted: int
    updated: int
    inserted: int
    columns: tuple[str, ...] = ()
    replaced: bool = False

    @property
    def empty(self) -> bool:
        return not (self.deleted or self.updated or self.inserted)

    @property
    def touched(self) -> frozenset[str] | None:
        """The columns whose values change: None (every column) when rows are added or removed."""
        if self.deleted or self.inserted or self.replaced:
            return None
        return frozenset(self.columns)

    def describe(self) -> str:
        if self.replaced:
            return f"every row replaced ({self.deleted} out, {self.inserted} in: no primary key to compare rows by)"
        parts = [
            f"{count} {what}"
            for count, what in ((self.deleted, "removed"), (self.updated, "changed"), (self.inserted, "added"))
            if count
        ]
        if not parts:
            return "no row differs"
        text = ", ".join(parts) + (" row" if self.deleted + self.updated + self.inserted == 1 else " rows")
        if self.updated:
            text += f" (changed: {', '.join(self.columns)})"
        return text


def changes_table(table: Table) -> str:
    return f"temp.{quote_identifier('changes_' + table.name)}"


def measure(con: duckdb.DuckDBPyConnection, table: Table, *, exact: bool = True) -> Difference:
    """Compare ``rows_<table>`` with ``core.<table>`` by primary key into ``changes_<table>``.

    ``exact``: every row is compared value by value (a build: the join of the new rows with the stored ones spills
    to disk when it must). Otherwise (a plan, which writes nothing, not even a spill file) the keys and a 64-bit
    hash of each row's values are compared first, and only the rows whose key or hash differ value by value:
    a change whose hash is unchanged (a chance of one in 2^64 a row) goes unseen by the plan.

    Raises :class:`duckdb.Error` when DuckDB cannot read the rows (a value of the wrong type, say), and
    :class:`DuplicateKeys` when two new rows share a key with a stored row (a full build refuses them).
    """
    columns = list(table.columns)
    stored = f"{SCHEMA}.{quote_identifier(table.name)}"
    rows = f"temp.{quote_identifier('rows_' + table.name)}"
    selected = ", ".join(quote_identifier(c) for c in columns)
    if not table.primary_key:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {quote_identifier('changes_' + table.name)} AS "
            f"SELECT 'insert' AS {CHANGE}, NULL::VARCHAR[] AS {CHANGED_COLUMNS}, {selected} FROM {rows}"
        )
        inserted = _count(con, changes_table(table))
        stored_rows = _count(con, stored)
        return Difference(table.name, stored_rows, 0, inserted, replaced=True)
    keys = table.primary_key
    others = [c for c in columns if c not in keys]
    on = " AND ".join(f"n.{quote_identifier(k)} = o.{quote_identifier(k)}" for k in keys)
    differs = [f"n.{quote_identifier(c)} IS DISTINCT FROM o.{quote_identifier(c)}" for c in others]
    changed = (
        "list_filter(["
        + ", ".join(
            f"CASE WHEN n.{quote_identifier(c)} IS DISTINCT FROM o.{quote_identifier(c)} THEN {quote_literal(c)} END"
            for c in others
        )
        + "], lambda name: name IS NOT NULL)"
        if others
        else "[]::VARCHAR[]"
    )
    values = ", ".join(
        f"coalesce(n.{quote_identifier(c)}, o.{quote_identifier(c)}) AS {quote_identifier(c)}"
        if c in keys
        else f"n.{quote_identifier(c)}"
        for c in columns
    )
    new_rows, old_rows = (
        f"(SELECT {selected}, true AS {NEW} FROM {rows})",
        f"(SELECT {selected}, true AS {OLD} FROM {stored})",
    )
    if exact:
        count = _count(con, rows)
    else:
        count, candidates = _candidates(con, table, rows, stored)
        new_rows, old_rows = (
            f"(SELECT {selected}, true AS {flag} FROM {relation} AS r WHERE EXISTS (SELECT 1 FROM {candidates} AS k "
            f"WHERE k.{CHANGE} <> {quote_literal(other)} AND "
            + " AND ".join(f"k.{quote_identifier(k)} = r.{quote_identifier(k)}" for k in keys)
            + "))"
            for flag, relation, other in ((NEW, rows, "delete"), (OLD, stored, "insert"))
        )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {quote_identifier("changes_" + table.name)} AS
            SELECT CASE WHEN o.{OLD} IS NULL THEN 'insert' WHEN n.{NEW} IS NULL THEN 'delete' ELSE 'update' END
                       AS {CHANGE},
                   CASE WHEN o.{OLD} AND n.{NEW} THEN {changed} END AS {CHANGED_COLUMNS},
                   {values}
            FROM {new_rows} AS n
            FULL OUTER JOIN {old_rows} AS o ON {on}
            WHERE n.{NEW} IS NULL OR o.{OLD} IS NULL{"".join(" OR " + d for d in differs)}"""
    )
    counts = dict(con.execute(f"SELECT {CHANGE}, count(*) FROM {changes_table(table)} GROUP BY ALL").fetchall())
    deleted, updated, inserted = (int(counts.get(kind, 0)) for kind in ("delete", "update", "insert"))
    # A stored key given twice matches twice: the new rows then outnumber what the table would hold.
    if count != _count(con, stored) - deleted + inserted:
        raise DuplicateKeys(table.name)
    names: list[str] = []
    if updated:
        found = {
            name
            for (name,) in con.execute(
                f"SELECT DISTINCT unnest({CHANGED_COLUMNS}) FROM {changes_table(table)} WHERE {CHANGE} = 'update'"
            ).fetchall()
        }
        names = [c for c in others if c in found]
    return Difference(table.name, deleted, updated, inserted, tuple(names))


def _candidates(con: duckdb.DuckDBPyConnection, table: Table, rows: str, stored: str) -> tuple[int, str]:
    """The keys whose rows were added, removed or may have changed (their hashes differ), compared on the keys and
    a hash of each row alone; with how many new rows there are."""
    keys = ", ".join(quote_identifier(k) for k in table.primary_key)
    digest = "hash(" + ", ".join(quote_identifier(c) for c in table.columns) + ")"
    digests = quote_identifier("digests_" + table.name)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {digests} AS SELECT {keys}, {digest} AS {DIGEST} FROM {rows}")
    on = " AND ".join(f"n.{quote_identifier(k)} = o.{quote_identifier(k)}" for k in table.primary_key)
    found = ", ".join(
        f"coalesce(n.{quote_identifier(k)}, o.{quote_identifier(k)}) AS {quote_identifier(k)}"
        for k in table.primary_key
    )
    candidates = quote_identifier("candidates_" + table.name)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {candidates} AS
            SELECT CASE WHEN o.{DIGEST} IS NULL THEN 'insert' WHEN n.{DIGEST} IS NULL THEN 'delete' ELSE 'update' END
                       AS {CHANGE},
                   {found}
            FROM temp.{digests} AS n
            FULL OUTER JOIN (SELECT {keys}, {digest} AS {DIGEST} FROM {stored}) AS o ON {on}
            WHERE n.{DIGEST} IS DISTINCT FROM o.{DIGEST}"""
    )
    count = _count(con, f"temp.{digests}")
    con.execute(f"DROP TABLE temp.{digests}")
    return count, f"temp.{candidates}"


class DuplicateKeys(Exception):
    """Two new rows of a seed share the key of a stored row."""


def apply_updates_and_inserts(con: duckdb.DuckDBPyConnection, table: Table, difference: Difference) -> None:
    """Write the changed and added rows of ``changes_<table>`` into the table (the removed rows wait for
    :func:`apply_deletes`). Raises :class:`duckdb.Error` when DuckDB refuses them."""
    target = f"{SCHEMA}.{quote_identifier(table.name)}"
    changes = changes_table(table)
    if difference.replaced:
        con.execute(f"DELETE FROM {target}")
    if difference.updated:
        # One UPDATE per set of changed columns: a column set to its own value would still be rewritten, and
        # DuckDB rewrites a row whose indexed column is set as a delete and an insert (which a row referred to
        # by another cannot take).
        sets = con.execute(
            f"SELECT DISTINCT {CHANGED_COLUMNS} FROM {changes} WHERE {CHANGE} = 'update' ORDER BY ALL"
        ).fetchall()
        join = " AND ".join(f"t.{quote_identifier(k)} = c.{quote_identifier(k)}" for k in table.primary_key)
        for (names,) in sets:
            assignments = ", ".join(f"{quote_identifier(n)} = c.{quote_identifier(n)}" for n in names)
            con.execute(
                f"UPDATE {target} AS t SET {assignments} FROM {changes} AS c "
                f"WHERE c.{CHANGE} = 'update' AND c.{CHANGED_COLUMNS} = $names AND {join}",
                {"names": list(names)},
            )
    if difference.inserted:
        rows = quote_identifier("inserts_" + table.name)
        selected = ", ".join(quote_identifier(c) for c in table.columns)
        con.execute(f"CREATE OR REPLACE TEMP VIEW {rows} AS SELECT {selected} FROM {changes} WHERE {CHANGE} = 'insert'")
        if insert_rows(con, table, f"temp.{rows}") is None:
            raise duckdb.ConstraintException(f"rows of core.{table.name} refer to each other in a cycle")


def apply_deletes(con: duckdb.DuckDBPyConnection, table: Table, difference: Difference) -> None:
    """Remove the rows of the table that ``changes_<table>`` lists as removed (once every table's new rows are
    in, children's before parents'). Raises :class:`duckdb.Error` when a row removed is still referred to."""
    if not difference.deleted or difference.replaced:
        return
    join = " AND ".join(f"t.{quote_identifier(k)} = c.{quote_identifier(k)}" for k in table.primary_key)
    con.execute(
        f"DELETE FROM {SCHEMA}.{quote_identifier(table.name)} AS t USING {changes_table(table)} AS c "
        f"WHERE c.{CHANGE} = 'delete' AND {join}"
    )


def drop_changes(con: duckdb.DuckDBPyConnection, tables: list[Table]) -> None:
    for table in tables:
        con.execute(f"DROP VIEW IF EXISTS temp.{quote_identifier('inserts_' + table.name)}")
        for kind in ("changes", "candidates", "digests"):
            con.execute(f"DROP TABLE IF EXISTS temp.{quote_identifier(kind + '_' + table.name)}")


def _count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {relation}").fetchall()[0][0])
