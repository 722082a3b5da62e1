"""Annotated PDFs (issue 12, item 15): highlights, underlines, squiggles, strike-outs,
squares, ink and notes made in a reader (written here with PyMuPDF's annotation API,
as Zotero or Acrobat write them) come in as annotations with their words, note,
colour, author and date; the PDF is matched to the document it annotates; a second
import adds nothing; our own exported annotated PDF round trips to the same
annotations."""

from __future__ import annotations

import pymupdf
import pytest

from annotator.core.annotation_import import import_annotations
from annotator.core.model import RegionSelector
from annotator.core.project import Project

LINES = ["Paris, 17 June 1927. Monsieur Aristide Briand,", "Ministre des Affaires etrangeres.",
         "We write to you about the recognition of Georgia."]


def _source(path) -> None:
    pdf = pymupdf.open()
    page = pdf.new_page(width=420, height=595)
    for i, line in enumerate(LINES):
        page.insert_text((50, 100 + 20 * i), line, fontsize=11)
    pdf.save(path)
    pdf.close()


def _annotate(source, out) -> None:
    """What a scholar does in Zotero: five kinds of annotation, her name on them."""
    pdf = pymupdf.open(source)
    page = pdf[0]

    def sign(annot, note: str, color=(1, 1, 0)) -> None:
        annot.set_info(title="Zotero User", content=note,
                       creationDate="D:20240301120000Z", modDate="D:20240302120000Z")
        annot.set_colors(stroke=color)
        annot.update()

    sign(page.add_highlight_annot(page.search_for("Aristide Briand")), "the addressee")
    sign(page.add_underline_annot(page.search_for("Georgia")), "recognition", (0, 0, 1))
    sign(page.add_squiggly_annot(page.search_for("etrangeres")), "accents lost")
    sign(page.add_strikeout_annot(page.search_for("Paris,")), "")
    sign(page.add_rect_annot(pymupdf.Rect(40, 200, 200, 260)), "a stamp")
    sign(page.add_ink_annot([[(60, 300), (90, 320), (120, 300)]]), "a signature?")
    sign(page.add_text_annot((380, 90), "check the date"), "check the date")
    pdf.save(out)
    pdf.close()


@pytest.fixture
def annotated(tmp_path):
    _source(tmp_path / "letter.pdf")
    _annotate(tmp_path / "letter.pdf", tmp_path / "letter-zotero.pdf")
    return tmp_path


def test_reader_annotations_come_in_on_the_matching_document(annotated):
    from annotator.cli import main

    with Project.create(annotated / "p.annot", "PDF") as project:
        doc = project.documents.import_file(annotated / "letter.pdf").value.document
    assert main(["import-annotations", str(annotated / "p.annot"),
                 str(annotated / "letter-zotero.pdf")]) == 0
    with Project.open(annotated / "p.annot") as project:
        assert [d.id for d in project.documents.list()] == [doc.id]  # matched, not added
        anns = project.annotations.list()
        assert len(anns) == 7
        by_note = {a.note: a for a in anns}
        briand = by_note["the addressee"]
        assert briand.region.text == "Aristide Briand," and briand.region.quads
        assert briand.color == "#ffff00"
        assert by_note["recognition"].region.text == "Georgia."
        assert by_note["recognition"].color == "#0000ff"
        assert by_note[""].region.text == "Paris,"
        assert by_note["a stamp"].region.w == pytest.approx(160, abs=2)
        assert by_note["check the date"].region.page == 1
        assert {project.authors.get(a.author_id).name for a in anns} == {"Zotero User"}
        assert briand.created_at.startswith("2024-03-01T12:00:00")
        assert briand.modified_at.startswith("2024-03-02T12:00:00")
        again = import_annotations(project, annotated / "letter-zotero.pdf").value
        assert again.added == 0 and again.existing == 7
        assert project.annotations.count() == 7


def test_an_unknown_pdf_is_imported_first(annotated):
    with Project.create(annotated / "p.annot", "PDF") as project:
        report = import_annotations(project, annotated / "letter-zotero.pdf").value
        assert report.documents == ["letter-zotero"] and report.added == 7
        (doc,) = project.documents.list()
        assert {a.document_id for a in project.annotations.list()} == {doc.id}


def test_our_own_annotated_pdf_round_trips(annotated):
    from annotator.core.exporters import ExportFilter, export

    with Project.create(annotated / "p.annot", "PDF") as project:
        doc = project.documents.import_file(annotated / "letter.pdf").value.document
        project.annotations.add(doc.id, region=RegionSelector(1, 40, 80, 200, 40),
                                note="the heading")
        import_annotations(project, annotated / "letter-zotero.pdf")
        before = {(a.id, a.note, a.region) for a in project.annotations.list()}
        export(project, "pdf", annotated / "ours.pdf", filt=ExportFilter(document_id=doc.id))
        report = import_annotations(project, annotated / "ours.pdf").value
        assert report.added == 0 and report.existing == len(before) == 8
        assert report.matched == [doc.title]
        assert {(a.id, a.note, a.region) for a in project.annotations.list()} == before


def test_a_damaged_pdf_is_refused_untouched(tmp_path):
    from annotator.core.errors import AnnotatorError

    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 10)
    with Project.create(tmp_path / "p.annot", "PDF") as project:
        with pytest.raises(AnnotatorError):
            import_annotations(project, bad)
        assert project.documents.list() == []
