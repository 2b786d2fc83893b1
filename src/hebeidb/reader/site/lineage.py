"""The lineage graph: seeds -> core tables -> public views -> report views, drawn as SVG by this module.

Edges come from the database itself: each view's SQL (``duckdb_views()``) parsed with sqlglot for
the tables and views it reads. A core table is fed by ``seeds/<table>.csv`` unless its description
says the build derives it or it belongs to the file's contract (reports, views, build info).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Any

from hebeidb.common.contract import REQUIRED_TABLES

LAYERS = ("seed", "core", "view", "report")
LAYER_TITLES = {"seed": "seeds", "core": "core tables", "view": "public views", "report": "report views"}
BOX_W, BOX_H, ROW, COL, PAD = 190, 24, 30, 250, 30


@dataclass
class Node:
    id: str
    name: str
    layer: str
    description: str
    inputs: list[str] = field(default_factory=list)


@dataclass
class Graph:
    nodes: list[Node]
    edges: list[tuple[str, str]]
    svg: str


def _anchor(layer: str, name: str) -> str:
    return f"{layer}-{name.replace('.', '-')}"


def lineage_graph(con: Any, specs: list[Any]) -> Graph:
    from hebeidb.common.lineage import view_reads

    tables = con.sql(
        "SELECT table_name, coalesce(comment, '') FROM duckdb_tables() WHERE schema_name = 'core' ORDER BY table_name"
    ).fetchall()
    views = con.sql(
        "SELECT schema_name, view_name, coalesce(comment, ''), sql FROM duckdb_views() "
        "WHERE NOT internal AND schema_name = 'main' AND database_name = current_database() ORDER BY view_name"
    ).fetchall()
    core_views = con.sql(
        "SELECT view_name, coalesce(comment, ''), sql FROM duckdb_views() "
        "WHERE NOT internal AND schema_name = 'core' AND database_name = current_database()"
    ).fetchall()
    nodes: dict[str, Node] = {}
    for name, comment in tables:
        nodes[f"core.{name}"] = Node(_anchor("core", name), f"core.{name}", "core", comment)
        if name not in REQUIRED_TABLES and "derived" not in comment.lower() and name != "source_texts":
            seed = f"seeds/{name}.csv"
            nodes[seed] = Node(_anchor("seed", name), seed, "seed", f"Seed file loaded into core.{name} by the build.")
            nodes[f"core.{name}"].inputs.append(seed)
        elif name == "source_texts":
            seed = "seeds/sources/"
            nodes[seed] = Node("seed-sources-texts", seed, "seed", "The stored document texts, pinned by sha256.")
            nodes["core.source_texts"].inputs.append(seed)

    reads = view_reads

    # Core helper views (derived in the core schema) are folded into the tables they read.
    helper = {f"core.{name}": reads(sql) for name, _comment, sql in core_views}

    def expand(names: set[str], seen: frozenset[str] = frozenset()) -> set[str]:
        out: set[str] = set()
        for name in names:
            if name in helper and name not in seen:
                out |= expand({n if "." in n else f"core.{n}" for n in helper[name]}, seen | {name})
            else:
                out.add(name)
        return out

    report_views = {spec.view_name: spec for spec in specs}
    for _schema, name, comment, sql in views:
        layer = "report" if name in report_views else "view"
        description = comment or (report_views[name].description if name in report_views else "")
        node = Node(_anchor(layer, name), name, layer, description)
        node.inputs = sorted(expand(reads(sql)))
        nodes[name] = node
    edges = sorted({(source, node.name) for node in nodes.values() for source in node.inputs if source in nodes})
    for node in nodes.values():
        node.inputs = [source for source in node.inputs if source in nodes]
    ordered = sorted(nodes.values(), key=lambda n: (LAYERS.index(n.layer), n.name))
    return Graph(ordered, edges, _svg(ordered, edges))


def _svg(nodes: list[Node], edges: list[tuple[str, str]]) -> str:
    by_layer = {layer: [n for n in nodes if n.layer == layer] for layer in LAYERS}
    place: dict[str, tuple[float, float]] = {}
    height = max(len(v) for v in by_layer.values()) * ROW + 2 * PAD + 20
    for column, layer in enumerate(LAYERS):
        members = by_layer[layer]
        top = PAD + 20 + (height - 2 * PAD - 20 - len(members) * ROW) / 2
        for row, node in enumerate(members):
            place[node.name] = (PAD + column * COL, top + row * ROW)
    width = PAD * 2 + (len(LAYERS) - 1) * COL + BOX_W
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="lineage" viewBox="0 0 {width} {height:.0f}" '
        f'width="{width}" height="{height:.0f}" role="group" aria-label="Lineage graph">'
    ]
    for column, layer in enumerate(LAYERS):
        parts.append(
            f'<text class="layer" x="{PAD + column * COL}" y="{PAD}" font-weight="bold">{LAYER_TITLES[layer]}</text>'
        )
    parts.append('<g class="edges" fill="none" stroke="#8a8a8a" stroke-width="1">')
    for source, target in edges:
        (x1, y1), (x2, y2) = place[source], place[target]
        x1, y1, x2, y2 = x1 + BOX_W, y1 + BOX_H / 2, x2, y2 + BOX_H / 2
        middle = (x1 + x2) / 2
        parts.append(
            f'<path class="edge" data-from="{escape(source)}" data-to="{escape(target)}" '
            f'd="M{x1:.0f},{y1:.0f} C{middle:.0f},{y1:.0f} {middle:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"/>'
        )
    parts.append("</g>")
    for node in nodes:
        x, y = place[node.name]
        label = node.name if len(node.name) <= 26 else node.name[:25] + "…"
        parts.append(
            f'<a class="node node-{node.layer}" href="#{node.id}" aria-label="{escape(node.name)}">'
            f"<title>{escape(node.name)}</title>"
            f'<rect x="{x}" y="{y:.0f}" width="{BOX_W}" height="{BOX_H}" rx="4"/>'
            f'<text x="{x + 8}" y="{y + 16:.0f}">{escape(label)}</text></a>'
        )
    parts.append("</svg>")
    return "".join(parts)
