"""The first glance at a project (core/glance.py): the text the workbench opens on,
with its passages' colours, read through a read-only connection before anything else.
It must choose the document the workbench will open, colour a passage as the text
view does, never write, and give up quietly on any file it cannot read."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from annotator.core.glance import read_glance
from annotator.core.model import RegionSelector, TagKind
from annotator.core.project import Project
from annotator.core.spans import DEFAULT_HIGHLIGHT

LETTER = "Dear Minister,\n\nThe delegation of Georgia and of Azerbaijan asks " * 40


def _text(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path):
    """A letter linked to a 'scan' (another text stands in), an unlinked article that
    sorts first, a codebook with two themes, and passages of every colour kind."""
    path = tmp_path / "p.annot"
    p = Project.create(path, "Émigrés in Paris", author="Historian")
    article = p.documents.import_file(_text(tmp_path, "a.txt", "An article. " * 50)).value.document
    letter = p.documents.import_file(_text(tmp_path, "letter.txt", LETTER)).value.document
    scan = p.documents.import_file(_text(tmp_path, "scan.txt", "scan stand-in")).value.document
    p.documents.update(article.id, title="A first article")
    p.documents.update(letter.id, title="Letter to Briand")
    p.documents.link(letter.id, scan.id, "transcription")
    red = p.tags.create("Recognition", TagKind.THEME, color="#ff0000").value
    blue = p.tags.create("Debt", TagKind.THEME, color="#0000ff").value
    gone = p.tags.create("Dropped", TagKind.THEME, color="#00ff00").value
    start, end = p.annotations.locate(letter.id, "Georgia")
    tagged = p.annotations.add(letter.id, start=start, end=end, tag_ids=[red.id]).value
    start, end = p.annotations.locate(letter.id, "Azerbaijan")
    own = p.annotations.add(letter.id, start=start, end=end, tag_ids=[red.id],
                            color="#123456").value
    start, end = p.annotations.locate(letter.id, "Minister")
    plain = p.annotations.add(letter.id, start=start, end=end, tag_ids=[gone.id]).value
    p.tags.delete(gone.id)
    start, end = p.annotations.locate(letter.id, "delegation")
    deleted = p.annotations.add(letter.id, start=start, end=end, tag_ids=[blue.id]).value
    p.annotations.delete(deleted.id)
    far = LETTER.rindex("asks")
    beyond = p.annotations.add(letter.id, start=far, end=far + 4, tag_ids=[blue.id]).value
    p.annotations.add(scan.id, start=0, end=4, tag_ids=[blue.id])
    p.close()
    return {"path": path, "letter": letter.id, "article": article.id, "scan": scan.id,
            "tagged": tagged, "own": own, "plain": plain, "beyond": beyond}


def test_a_project_never_opened_here_opens_on_its_linked_transcription(project):
    glance = read_glance(project["path"], None, chars=2000)
    assert glance is not None
    assert glance.document_id == project["letter"]  # not the article, which sorts first
    assert glance.project_title == "Émigrés in Paris"
    assert glance.title == "Letter to Briand"
    assert glance.text == LETTER[:2000]


def test_passages_are_coloured_as_the_text_view_colours_them(project):
    glance = read_glance(project["path"], None, chars=2000)
    by_start = {start: (end, color) for start, end, color in glance.passages}
    t, o, p = (project[k].text for k in ("tagged", "own", "plain"))
    assert by_start[t.start] == (t.end, "#ff0000")  # its tag's colour
    assert by_start[o.start] == (o.end, "#123456")  # its own colour first
    assert by_start[p.start] == (p.end, DEFAULT_HIGHLIGHT)  # its only tag was deleted
    assert LETTER.index("delegation") not in by_start  # a deleted passage is not drawn
    assert project["beyond"].text.start not in by_start  # past the text read
    assert len(glance.passages) == 3


def test_the_remembered_document_wins_and_none_left_open_gives_none(project):
    glance = read_glance(project["path"], project["article"])
    assert glance is not None and glance.document_id == project["article"]
    assert glance.text.startswith("An article.")
    assert read_glance(project["path"], "") is None  # left with no document open
    assert read_glance(project["path"], "no-such-document") is None


def test_a_scan_gives_no_glance(tmp_path):
    import fitz

    pdf = fitz.open()
    pdf.new_page().insert_text((72, 72), "A scanned page")
    pdf.save(tmp_path / "s.pdf")
    path = tmp_path / "scan.annot"
    with Project.create(path, "Scans", author="H") as p:
        doc = p.documents.import_file(tmp_path / "s.pdf").value.document
        p.annotations.add(doc.id, region=RegionSelector(1, 10, 10, 50, 20, (), "x"))
    assert read_glance(path, doc.id) is None


def test_reading_writes_nothing(project):
    path = project["path"]
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
              for p in path.parent.iterdir() if p.is_file() and p.name.startswith("p.annot")}
    assert read_glance(path, None) is not None
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
             for p in path.parent.iterdir() if p.is_file() and p.name.startswith("p.annot")
             and p.name in before}
    assert after == before


@pytest.mark.parametrize("damage", ["not sqlite", "no documents table", "text is a blob",
                                    "missing file", "empty file", "tags without color"])
def test_a_file_it_cannot_read_gives_no_glance_and_no_error(project, damage):
    path = project["path"]
    if damage == "not sqlite":
        path.write_bytes(b"%PDF-1.4 this is not a project" * 100)
    elif damage == "missing file":
        path = path.with_name("nowhere.annot")
    elif damage == "empty file":
        path.write_bytes(b"")
    else:
        conn = sqlite3.connect(path)
        if damage == "no documents table":
            conn.execute("DROP TABLE documents")
        elif damage == "text is a blob":
            conn.execute("UPDATE documents SET text = CAST(text AS BLOB)")
        else:
            conn.execute("ALTER TABLE tags DROP COLUMN color")
        conn.commit()
        conn.close()
    assert read_glance(path, None) is None
