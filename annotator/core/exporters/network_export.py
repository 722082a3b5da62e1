"""The network for the tools historians draw networks with (issue 15): GEXF 1.2 for
Gephi, GraphML for Cytoscape, yEd and nodegoat, and Palladio's CSV pairs.

Each writes :func:`annotator.core.network.build` as is: entities as nodes (type,
colour, mentions as attributes: Gephi partitions by type and ranks by mentions in a
click), relations as directed edges (type, date, evidence) and same-paragraph
co-occurrence as undirected weighted edges. The GEXF is valid against the published
1.2draft XSD, which declares the viz extension (colour, size) in a way no validator
accepts with the core schema, so colour travels as an attribute, not as viz:color.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import quoteattr

from annotator.core import network
from annotator.core.errors import AnnotatorError
from annotator.core.exporters.base import (
    ExportFilter,
    ExportResult,
    Progress,
    atomic_file,
    xml_safe,
)

if TYPE_CHECKING:
    from annotator.core.project import Project


def _a(value: object) -> str:
    return quoteattr(xml_safe(str(value)))


def _graph(project: Project, filt: ExportFilter | None) -> network.Network:
    return network.build(project, filt)


def export_gexf(project: Project, out: str | Path, *, filt: ExportFilter | None = None,
                progress: Progress = None) -> ExportResult:
    graph = _graph(project, filt)
    out = Path(out)
    today = datetime.now(UTC).date().isoformat()
    node_attrs = (("type", "string"), ("color", "string"), ("mentions", "integer"))
    edge_attrs = (("kind", "string"), ("date", "string"), ("evidence", "string"))
    with atomic_file(out, encoding="utf-8", newline="\n") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                 '<gexf xmlns="http://www.gexf.net/1.2draft" version="1.2">\n'
                 f'<meta lastmodifieddate="{today}"><creator>annotator</creator>'
                 f"<description>{xml_safe(project.title)}</description></meta>\n"
                 '<graph defaultedgetype="undirected" mode="static">\n')
        for cls, attrs in (("node", node_attrs), ("edge", edge_attrs)):
            fh.write(f'<attributes class="{cls}">'
                     + "".join(f'<attribute id="{k}" title="{k}" type="{t}"/>' for k, t in attrs)
                     + "</attributes>\n")
        fh.write("<nodes>\n")
        for node in graph.nodes:
            fh.write(f"<node id={_a(node.id)} label={_a(node.label)}><attvalues>"
                     f'<attvalue for="type" value={_a(node.type_name)}/>'
                     f'<attvalue for="color" value={_a(node.color)}/>'
                     f'<attvalue for="mentions" value="{node.mentions}"/></attvalues></node>\n')
        fh.write("</nodes>\n<edges>\n")
        for i, edge in enumerate(graph.edges):
            kind = "directed" if edge.kind == "relation" else "undirected"
            label = f" label={_a(edge.label)}" if edge.label else ""
            fh.write(f'<edge id="e{i}" source={_a(edge.source)} target={_a(edge.target)} '
                     f'type="{kind}" weight="{float(edge.weight)}"{label}><attvalues>'
                     f'<attvalue for="kind" value="{edge.kind}"/>'
                     f'<attvalue for="date" value={_a(edge.date)}/>'
                     f'<attvalue for="evidence" value={_a(" ".join(edge.evidence))}/>'
                     "</attvalues></edge>\n")
        fh.write("</edges>\n</graph>\n</gexf>\n")
    return ExportResult([out], _cited(graph))


_GRAPHML_KEYS = (
    ("label", "node", "string"), ("type", "node", "string"), ("color", "node", "string"),
    ("mentions", "node", "int"), ("kind", "edge", "string"), ("relation", "edge", "string"),
    ("date", "edge", "string"), ("weight", "edge", "double"), ("evidence", "edge", "string"),
)


def export_graphml(project: Project, out: str | Path, *, filt: ExportFilter | None = None,
                   progress: Progress = None) -> ExportResult:
    graph = _graph(project, filt)
    out = Path(out)
    with atomic_file(out, encoding="utf-8", newline="\n") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                 '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n')
        for name, target, kind in _GRAPHML_KEYS:
            fh.write(f'<key id="{name}" for="{target}" attr.name="{name}" '
                     f'attr.type="{kind}"/>\n')
        fh.write('<graph id="entities" edgedefault="undirected">\n')
        for node in graph.nodes:
            fh.write(f"<node id={_a(node.id)}><data key=\"label\">{xml_safe(node.label)}</data>"
                     f'<data key="type">{xml_safe(node.type_name)}</data>'
                     f'<data key="color">{node.color}</data>'
                     f'<data key="mentions">{node.mentions}</data></node>\n')
        for i, edge in enumerate(graph.edges):
            directed = "true" if edge.kind == "relation" else "false"
            fh.write(f'<edge id="e{i}" source={_a(edge.source)} target={_a(edge.target)} '
                     f'directed="{directed}"><data key="kind">{edge.kind}</data>'
                     f'<data key="relation">{xml_safe(edge.label)}</data>'
                     f'<data key="date">{xml_safe(edge.date)}</data>'
                     f'<data key="weight">{float(edge.weight)}</data>'
                     f'<data key="evidence">{" ".join(edge.evidence)}</data></edge>\n')
        fh.write("</graph>\n</graphml>\n")
    return ExportResult([out], _cited(graph))


def export_palladio(project: Project, out: str | Path, *, filt: ExportFilter | None = None,
                    progress: Progress = None) -> ExportResult:
    """A folder with edges.csv (Palladio's primary table: Source, Target, Relation, Date,
    Kind, Weight, Evidence) and nodes.csv (its extension table, joined on the name:
    Name, Type, Mentions, Coordinates as "lat,lon" where the place has them)."""
    graph = _graph(project, filt)
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise AnnotatorError(f"{folder} is a file; Palladio's export writes a folder.")
    folder.mkdir(parents=True, exist_ok=True)
    names = {n.id: n.label for n in graph.nodes}
    coords = _coordinates(project)
    edges, nodes = folder / "edges.csv", folder / "nodes.csv"
    with atomic_file(edges, encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Source", "Target", "Relation", "Date", "Kind", "Weight", "Evidence"])
        for e in graph.edges:
            w.writerow([names[e.source], names[e.target], e.label or "co-occurs with",
                        e.date, e.kind, e.weight, " ".join(e.evidence)])
    with atomic_file(nodes, encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Name", "Type", "Mentions", "Coordinates"])
        for n in graph.nodes:
            lat_lon = coords.get(n.id)
            w.writerow([n.label, n.type_name, n.mentions,
                        f"{lat_lon[0]},{lat_lon[1]}" if lat_lon else ""])
    return ExportResult([edges, nodes], _cited(graph))


def _coordinates(project: Project) -> dict[str, tuple[float, float]]:
    """Entities' coordinates (a gazetteer match or typed by hand), where present."""
    from annotator.core.places import coordinates

    return {e.id: c for e in project.entities.list() if (c := coordinates(e)) is not None}


def _cited(graph: network.Network) -> int:
    return len({a for e in graph.edges for a in e.evidence})
