"""Exports stream (issue 17): memory does not grow with the number of annotations, and
the fast paths give what the slow ones gave (UUIDv5 sub-GUIDs, escaped attributes)."""

from __future__ import annotations

import random
import re
import tracemalloc
import uuid
import xml.dom.minidom
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core import exporters
from annotator.core.anchoring import describe
from annotator.core.exporters import qdpx
from annotator.core.exporters.base import ncname_id, xml_attr, xml_safe, xml_text
from annotator.core.importers.base import ImportedSource
from annotator.core.model import AnchorState, Annotation, DocumentKind, TagKind
from annotator.core.project import Project

WORDS = ("liberty treaty frontier grain tariff minister league council delegate "
         "memorandum harbour railway loan debt famine").split()


def _project(path, documents: int, per_doc: int) -> Project:
    rng = random.Random(7)
    project = Project.create(path, "Streaming", author="Historian")
    theme = project.tags.create("Trade", TagKind.THEME).value
    texts = {}
    with project.transaction():
        for i in range(documents):
            text = " ".join(rng.choice(WORDS) for _ in range(3000))
            doc = project.documents.add_source(ImportedSource(
                f"Letter {i}", DocumentKind.TEXT, "text/plain", f"l{i}.txt",
                text.encode(), text=text))
            texts[doc.id] = text
        author = project.author_id()
    anns = []
    for doc_id, text in texts.items():
        for _ in range(per_doc):
            start = rng.randrange(0, len(text) - 80)
            anns.append(Annotation(
                str(uuid.UUID(int=rng.getrandbits(128), version=4)), doc_id, author,
                describe(text, start, start + rng.randint(5, 60)), None, [theme.id],
                "A note." if rng.random() < 0.2 else "", "", None, "", AnchorState.OK,
                "2026-12-03T12:00:00.000000Z", "2026-12-03T12:00:00.000000Z"))
    project.annotations.add_many(anns)
    return project


def _peak(project: Project, fmt: str, out) -> int:
    tracemalloc.start()
    try:
        exporters.export(project, fmt, out)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture(scope="module")
def projects(tmp_path_factory):
    """600 annotations on one document and 2,400 on four (past every batch size)."""
    folder = tmp_path_factory.mktemp("streaming")
    pair = [_project(folder / "small.annot", 1, 600), _project(folder / "large.annot", 4, 600)]
    yield pair
    for project in pair:
        project.close()


@pytest.mark.parametrize(("fmt", "ext"), [
    ("csv", None), ("xlsx", None), ("w3c", None), ("qdpx", None), ("html", None),
    ("md", None), ("tei", None), ("tei", ".xml")])  # TEI: a folder of files, a corpus
def test_export_memory_does_not_grow_with_annotations(projects, tmp_path, monkeypatch, fmt,
                                                      ext):
    """Four times the annotations (and documents) must not take four times the memory:
    at most 25 % more (openpyxl's workbook, the report's lists of quotes, every text and
    id kept, a TEI corpus built in memory before its header all grew in proportion)."""
    monkeypatch.setattr(qdpx, "SPOOL_BYTES", 1)  # the XML spool straight to disk
    small, large = projects
    ext = exporters.FORMATS[fmt].extension if ext is None else ext
    _peak(small, fmt, tmp_path / f"warm{ext}")  # imports, caches of the first call
    peaks = [_peak(p, fmt, tmp_path / f"{i}{ext}") for i, p in enumerate((small, large))]
    assert peaks[1] <= peaks[0] * 1.25 + 200_000, peaks


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.uuids().map(str), st.text(max_size=40)), st.text(max_size=30))
def test_sub_guid_is_the_uuid5_it_always_was(base, what):
    try:
        namespace = uuid.UUID(base)
    except ValueError:
        namespace = uuid.NAMESPACE_URL
    assert qdpx.sub_guid(base, what) == str(uuid.uuid5(namespace, f"{base}/{what}"))


def _attribute(quoted: str) -> str:
    return xml.dom.minidom.parseString(f"<r a={quoted}/>").documentElement.getAttribute("a")


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.integers(), st.text(alphabet=st.characters(codec="utf-8"), max_size=30)))
def test_fast_escapes_read_back_as_the_slow_ones(value):
    assert _attribute(xml_attr(value)) == _attribute(quoteattr(xml_safe(str(value))))
    if isinstance(value, str):
        assert xml_text(value) == escape(xml_safe(value))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.uuids().map(str), st.text(max_size=40)))
def test_ncname_id_fast_path_is_the_substitution(value):
    assert ncname_id("a", value) == f"a-{re.sub(r'[^A-Za-z0-9_.-]', '_', value)}"
