"""The network of a project (issue 15): entities as nodes (coloured by their type, sized
by their mentions), relations and same-paragraph co-occurrence as edges, narrowed by
the annotation table's filter (date range, document, tag, author).

Built from the project in one read (the GUI builds it off its thread, then lays it
out with :mod:`annotator.core.network_layout`); the GEXF, GraphML and Palladio
exports write what this returns, so the picture and the files agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from annotator.core import relations
from annotator.core.dates import overlaps
from annotator.core.entity_ops import cooccurrence
from annotator.core.filters import AnnotationFilter, annotation_where

if TYPE_CHECKING:
    from annotator.core.project import Project


@dataclass(slots=True)
class Node:
    id: str  # the entity's id
    label: str
    type_name: str
    color: str
    mentions: int


@dataclass(slots=True)
class Edge:
    source: str
    target: str
    kind: str  # "relation" (directed: source is active) or "cooccurrence" (undirected)
    weight: int = 1  # co-occurrences: paragraphs shared
    label: str = ""  # the relation type
    color: str = ""
    relation_id: str = ""
    date: str = ""
    evidence: list[str] = field(default_factory=list)  # annotation ids


@dataclass(slots=True)
class Network:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

    def index(self) -> dict[str, int]:
        return {node.id: i for i, node in enumerate(self.nodes)}


def build(project: Project, filt: AnnotationFilter | None = None, *,
          with_relations: bool = True, with_cooccurrence: bool = True) -> Network:
    """The network of the mentions ``filt`` keeps: co-occurrence among those mentions,
    and the relations cited by one of them (or, with only a date range, dated within
    it; with no filter, every relation)."""
    filt = filt or AnnotationFilter()
    where, args = annotation_where(project, filt)
    mentions = dict(project.conn.execute(
        f"SELECT a.entity_id, count(*) FROM annotations a WHERE {where} AND "
        "a.entity_id IS NOT NULL GROUP BY a.entity_id", args).fetchall())
    edges: list[Edge] = []
    if with_relations:
        kinds = {t.id: t for t in relations.types(project, include_deleted=True)}
        kept = _kept_evidence(project, filt)
        for rel in relations.listing(project):
            if not _keeps(filt, rel, kept):
                continue
            kind = kinds.get(rel.relation_type_id)
            edges.append(Edge(rel.source_id, rel.target_id, "relation", 1,
                              kind.name if kind else "", kind.color if kind else "",
                              rel.id, rel.date_value, rel.evidence))
    if with_cooccurrence:
        _entities, pairs = cooccurrence(project, filt)
        edges.extend(Edge(a, b, "cooccurrence", n) for (a, b), n in sorted(pairs.items()))
    involved = set(mentions) | {e.source for e in edges} | {e.target for e in edges}
    types = {t.id: t for t in project.tags.list()}
    nodes = []
    for entity in project.entities.list():
        if entity.id in involved:
            tag = types.get(entity.type_id)
            nodes.append(Node(entity.id, entity.name, tag.name if tag else "",
                              tag.color if tag else "#9e9e9e", mentions.get(entity.id, 0)))
    live = {n.id for n in nodes}
    return Network(nodes, [e for e in edges if e.source in live and e.target in live])


def _kept_evidence(project: Project, filt: AnnotationFilter) -> set[str] | None:
    """The annotations the filter keeps among those cited as evidence (None: all)."""
    if not filt.narrows:
        return None
    where, args = annotation_where(project, filt)
    return {r[0] for r in project.conn.execute(
        f"SELECT a.id FROM annotations a WHERE {where} AND a.id IN "
        "(SELECT annotation_id FROM relation_evidence WHERE deleted = 0)", args)}


def _keeps(filt: AnnotationFilter, rel: relations.Relation, kept: set[str] | None) -> bool:
    if kept is None:
        return True
    if any(a in kept for a in rel.evidence):
        return True
    only_dates = filt.has_dates and not filt.document_id and not filt.on_annotations
    return only_dates and bool(rel.date_value) and overlaps(rel.date_value, filt.date_from,
                                                            filt.date_to)
