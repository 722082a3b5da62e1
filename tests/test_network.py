"""The network (issue 15): built from the sample project (node and edge counts checked
against the annotations themselves), filtered, laid out fast; exported as GEXF and
GraphML valid against their published XSDs, Palladio CSV, and TEI listRelation."""

from __future__ import annotations

import csv
import random
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from annotator.core import network, relations
from annotator.core.exporters import export
from annotator.core.filters import AnnotationFilter
from annotator.core.network_layout import spring_layout
from annotator.core.project import Project
from tests.test_export_common import jing_or_lxml_relaxng, sample_copy, validators

lxml = pytest.importorskip("lxml.etree")
GRAPHML_URL = "http://graphml.graphdrawing.org/xmlns/1.1/"


@pytest.fixture
def sample(tmp_path):
    p = Project.open(sample_copy(tmp_path))
    yield p
    p.close()


def _paragraph_pairs(p: Project) -> set[frozenset]:
    """Co-occurring entity pairs counted independently: mentions on the same line."""
    units: dict = {}
    for doc in p.documents.list():
        text = p.documents.text(doc.id) if doc.kind == "text" else ""
        for a in p.annotations.for_document(doc.id):
            if not a.entity_id or p.entities.get(a.entity_id).deleted:
                continue
            unit = text.count("\n", 0, a.text.start) if a.text else -a.region.page
            units.setdefault((doc.id, unit), set()).add(a.entity_id)
    return {frozenset((x, y)) for members in units.values() for x in members
            for y in members if x < y}


def _relate(p: Project) -> relations.Relation:
    mentions = [a for a in p.annotations.list() if a.entity_id][:2]
    a, b = mentions
    return relations.create(p, a.entity_id, "met", b.entity_id, evidence=[a.id, b.id],
                            date="1924-11").value


def test_sample_network_counts(sample):
    net = network.build(sample)
    mentioned = {a.entity_id for a in sample.annotations.list() if a.entity_id}
    assert {n.id for n in net.nodes} == mentioned
    assert len(net.nodes) == 17
    pairs = {frozenset((e.source, e.target)) for e in net.edges if e.kind == "cooccurrence"}
    assert pairs == _paragraph_pairs(sample) and len(pairs) == 11
    counts = {n.id: n.mentions for n in net.nodes}
    assert sum(counts.values()) == sum(1 for a in sample.annotations.list() if a.entity_id)

    rel = _relate(sample)
    net = network.build(sample, with_cooccurrence=False)
    assert [(e.kind, e.label, e.relation_id) for e in net.edges] == [
        ("relation", "met", rel.id)]
    one_doc = sample.annotations.get(rel.evidence[0]).document_id
    other = next(d.id for d in sample.documents.list() if d.id != one_doc)
    assert network.build(sample, AnnotationFilter(document_id=one_doc)).edges
    assert not [e for e in network.build(sample, AnnotationFilter(document_id=other)).edges
                if e.kind == "relation"]
    from datetime import date
    later = AnnotationFilter(date_from=date(1990, 1, 1))
    assert not [e for e in network.build(sample, later).edges if e.kind == "relation"]


def test_layout_of_5000_entities_and_50000_cooccurrences():
    rng = random.Random(3)
    edges = [(rng.randrange(5000), rng.randrange(5000), rng.randint(1, 4))
             for _ in range(50_000)]
    cpu = time.process_time()
    pos = spring_layout(5000, edges)
    cpu = time.process_time() - cpu
    assert len(pos) == 5000 and cpu < 2.0, cpu
    # two cliques end up apart, each drawn tight
    cliques = [(i, j, 1) for g in (range(0, 15), range(15, 30)) for i in g for j in g if i < j]
    pos = spring_layout(30, cliques)

    def centre(nodes):
        return [sum(pos[i][k] for i in nodes) / len(nodes) for k in (0, 1)]

    a, b = centre(range(15)), centre(range(15, 30))
    apart = ((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5
    spread = max(((pos[i][0] - a[0]) ** 2 + (pos[i][1] - a[1]) ** 2) ** 0.5 for i in range(15))
    assert apart > 2 * spread


class _Local(lxml.Resolver):
    """GraphML's schemas import each other by their web address: served from the copy."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder

    def resolve(self, url, pubid, context):
        if url.startswith(GRAPHML_URL):
            return self.resolve_filename(str(self.folder / url[len(GRAPHML_URL):]), context)
        return None


def _xsd(path: Path):
    parser = lxml.XMLParser()
    parser.resolvers.add(_Local(path.parent))
    return lxml.XMLSchema(lxml.parse(str(path), parser))


def test_gexf_and_graphml_valid_against_their_xsds(sample, tmp_path):
    rel = _relate(sample)
    gexf = export(sample, "gexf", tmp_path / "n.gexf").paths[0]
    graphml = export(sample, "graphml", tmp_path / "n.graphml").paths[0]
    for schema, path in ((_xsd(validators("gexf", "gexf.xsd")), gexf),
                         (_xsd(validators("graphml", "graphml.xsd")), graphml)):
        assert schema.validate(lxml.parse(str(path))), schema.error_log
        broken = lxml.fromstring(path.read_bytes().replace(b'id="e0"', b'id="e0" bogus="1"'))
        assert not schema.validate(lxml.ElementTree(broken))  # the check can fail
    net = network.build(sample)
    g = ET.parse(gexf).getroot()
    ns = {"g": "http://www.gexf.net/1.2draft"}
    assert len(g.findall(".//g:node", ns)) == len(net.nodes)
    directed = g.findall(".//g:edge[@type='directed']", ns)
    assert [e.get("label") for e in directed] == ["met"]
    m = ET.parse(graphml).getroot()
    gm = {"g": "http://graphml.graphdrawing.org/xmlns"}
    assert len(m.findall(".//g:edge", gm)) == len(net.edges)
    evidence = [d.text for d in m.findall(".//g:data[@key='evidence']", gm) if d.text]
    assert evidence == [" ".join(rel.evidence)]


def test_palladio_csv_pairs(sample, tmp_path):
    _relate(sample)
    result = export(sample, "palladio", tmp_path / "palladio")
    edges, nodes = result.paths
    rows = list(csv.DictReader(edges.open(encoding="utf-8")))
    names = {r["Name"] for r in csv.DictReader(nodes.open(encoding="utf-8"))}
    assert [r["Relation"] for r in rows if r["Kind"] == "relation"] == ["met"]
    assert all(r["Source"] in names and r["Target"] in names for r in rows)
    assert len(rows) == len(network.build(sample).edges)


def test_tei_list_relation_points_at_entities_and_evidence(sample, tmp_path):
    rel = _relate(sample)
    out = export(sample, "tei", tmp_path / "corpus.xml").paths[0]
    root = ET.parse(out).getroot()
    tei = "{http://www.tei-c.org/ns/1.0}"
    [relation] = root.iter(f"{tei}relation")
    ids = {e.get("{http://www.w3.org/XML/1998/namespace}id") for e in root.iter()}
    assert relation.get("name") == "met" and relation.get("when") == "1924-11"
    for att in ("active", "passive", "source"):
        assert all(tok[1:] in ids for tok in relation.get(att).split()), att
    assert len(relation.get("source").split()) == len(rel.evidence)


@pytest.mark.slow  # tei_all.rng loads in ~5 s with lxml, ~50 s on a loaded machine
def test_tei_with_list_relation_is_valid(sample, tmp_path):
    _relate(sample)
    out = export(sample, "tei", tmp_path / "corpus.xml").paths[0]
    assert b"<listRelation>" in out.read_bytes()
    assert jing_or_lxml_relaxng(validators("tei", "tei_all.rng"))(out) == []
