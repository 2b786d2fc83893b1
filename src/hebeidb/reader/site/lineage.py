"""The lineage graph of the site: input files -> core tables -> public views -> report views.

Everything comes from the file. The input files are those the build recorded reading (``core.input_files``),
so only files that exist are drawn: a core table is fed by the seed files named after it
(``seeds/<table>.csv``, ``seeds/<table>.sql``), the stored texts by the files under ``seeds/sources/``.
Which tables and views each view reads is told by the one lineage engine (:func:`hebeidb.common.lineage.view_reads`)
from the view's SQL, through the helper views of the core schema; no object reads itself.

Node ids are indexes (``n0``, ``n1``, ...), never names from the file; the drawing is laid out here as
numbers and written by the page's template, which escapes every name.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any

LAYERS = ("input", "core", "view", "report")
LAYER_TITLES = {"input": "input files", "core": "core tables", "view": "public views", "report": "report views"}
BOX_W, BOX_H, ROW, COL, PAD, HEAD = 200, 24, 30, 250, 20, 26
MAX_TEXT_FILES = 5  # stored texts drawn one by one; more are drawn as their folder
MAX_LABEL = 27  # characters of a name inside its box (the full name is its title and is listed below)


@dataclass
class Node:
    id: str
    name: str
    layer: str
    description: str
    inputs: list[str] = field(default_factory=list)  # names of the nodes it reads
    x: int = 0
    y: int = 0

    @property
    def label(self) -> str:
        return self.name if len(self.name) <= MAX_LABEL else self.name[: MAX_LABEL - 1] + "…"


@dataclass
class Edge:
    source: Node
    target: Node

    @property
    def path(self) -> str:
        x1, y1 = self.source.x + BOX_W, self.source.y + BOX_H // 2
        x2, y2 = self.target.x, self.target.y + BOX_H // 2
        middle = (x1 + x2) // 2
        return f"M{x1},{y1} C{middle},{y1} {middle},{y2} {x2},{y2}"


@dataclass
class Graph:
    nodes: list[Node]
    edges: list[Edge]
    width: int
    height: int
    layer_titles: list[tuple[int, str]]
    box_width: int = BOX_W
    box_height: int = BOX_H

    def node(self, name: str) -> Node:
        return next(n for n in self.nodes if n.name == name)


def lineage_graph(query: Any, specs: list[Any], public: set[str]) -> Graph:
    """The graph of the file: ``query(sql)`` runs one query through the database's guard and returns rows;
    ``specs`` are the reports, ``public`` the names of the public views the file declares."""
    from hebeidb.common.lineage import view_reads

    tables = query(
        "SELECT table_name, coalesce(comment, '') FROM duckdb_tables() "
        "WHERE database_name = current_database() AND schema_name = 'core' ORDER BY table_name"
    )
    views = query(
        "SELECT schema_name, view_name, coalesce(comment, ''), sql FROM duckdb_views() "
        "WHERE NOT internal AND database_name = current_database() AND schema_name IN ('main', 'core') "
        "ORDER BY schema_name, view_name"
    )
    try:
        files = [path for (path,) in query("SELECT path FROM core.input_files ORDER BY path")]
    except Exception:  # a file written before the build recorded its inputs: no input files are drawn
        files = []
    reports = {spec.view_name: spec for spec in specs}
    core_tables = {name for name, _ in tables}
    main_views = {name for schema, name, _, _ in views if schema == "main"}
    core_views = {name: sql for schema, name, _, sql in views if schema == "core"}

    def resolve(name: str, schema: str) -> str | None:
        """``schema.name`` of a name a view of ``schema`` reads, as DuckDB finds it (its own schema first)."""
        if "." in name:
            owner, _, bare = name.rpartition(".")
            owner = owner.rpartition(".")[2]
            return f"{owner}.{bare}" if owner in ("main", "core") else None
        for candidate in (schema, "main", "core"):
            if (candidate == "core" and (name in core_tables or name in core_views)) or (
                candidate == "main" and name in main_views
            ):
                return f"{candidate}.{name}"
        return None

    memo: dict[str, set[str]] = {}

    def base_reads(qualified: str, seen: frozenset[str] = frozenset()) -> set[str]:
        """The core tables and public views ``qualified`` (a view) reads, through core helper views."""
        if qualified in memo:
            return memo[qualified]
        schema, _, name = qualified.partition(".")
        sql = (
            core_views.get(name)
            if schema == "core"
            else next((s for sch, n, _, s in views if sch == "main" and n == name), None)
        )
        found: set[str] = set()
        for read in view_reads(sql or ""):
            target = resolve(read.lower(), schema)
            if target is None or target == qualified or target in seen:
                continue
            owner, _, bare = target.partition(".")
            if owner == "core" and bare in core_views:
                found |= base_reads(target, seen | {qualified})
            else:
                found.add(target)
        found.discard(qualified)
        memo[qualified] = found
        return found

    nodes: dict[str, Node] = {}

    def add(name: str, layer: str, description: str) -> Node:
        node = Node(f"n{len(nodes)}", name, layer, description)
        nodes[name] = node
        return node

    texts = [path for path in files if path.startswith("seeds/sources/")]
    for name, comment in tables:
        node_name = f"core.{name}"
        fed = [path for path in files if path in (f"seeds/{name}.csv", f"seeds/{name}.sql")]
        if name == "source_texts" and texts:
            fed = texts if len(texts) <= MAX_TEXT_FILES else ["seeds/sources/"]
        node = add(node_name, "core", comment)
        for path in fed:
            if path not in nodes:
                if path.endswith("/"):
                    description = (
                        f"The folder of the {len(texts):,} stored texts the build read, each pinned by sha256."
                    )
                elif posixpath.dirname(path) == "seeds/sources":
                    description = "A stored text the build read, pinned by sha256."
                else:
                    description = f"Input file the build read into {node_name}."
                add(path, "input", description)
            node.inputs.append(path)
    for schema, name, comment, _sql in views:
        if schema != "main":
            continue
        layer = "report" if name in reports else "view" if name in public else None
        if layer is None:
            continue
        description = comment or (reports[name].description if name in reports else "")
        add(name, layer, description)
    for name in list(nodes):
        node = nodes[name]
        if node.layer in ("view", "report"):
            reads = base_reads(f"main.{name}")
            node.inputs = sorted(
                {r.removeprefix("main.") for r in reads if r.removeprefix("main.") in nodes and r != f"main.{name}"}
            )
    for node in nodes.values():
        node.inputs = [name for name in dict.fromkeys(node.inputs) if name in nodes and name != node.name]
    ordered = sorted(nodes.values(), key=lambda n: (LAYERS.index(n.layer), n.name))
    for index, node in enumerate(ordered):
        node.id = f"n{index}"
    return _layout(ordered)


def _layout(nodes: list[Node]) -> Graph:
    by_layer = {layer: [n for n in nodes if n.layer == layer] for layer in LAYERS}
    tallest = max((len(v) for v in by_layer.values()), default=0)
    height = tallest * ROW + 2 * PAD + HEAD
    for column, layer in enumerate(LAYERS):
        members = by_layer[layer]
        top = PAD + HEAD + (tallest - len(members)) * ROW // 2
        for row, node in enumerate(members):
            node.x, node.y = PAD + column * COL, top + row * ROW
    width = PAD * 2 + (len(LAYERS) - 1) * COL + BOX_W
    by_name = {n.name: n for n in nodes}
    edges = [Edge(by_name[source], node) for node in nodes for source in node.inputs]
    titles = [(PAD + column * COL, LAYER_TITLES[layer]) for column, layer in enumerate(LAYERS)]
    return Graph(nodes, edges, width, height, titles)
