"""The word alignment in the project file: linking aligns, the page alignment falls
out of it, a corrected transcription or an undo re-aligns lazily, the CLI reports it,
and an older project (the sample, format 3) opens with the new tables."""

from __future__ import annotations

import json
import shutil

import pymupdf
import pytest

from annotator.cli import main
from annotator.core import schema, word_alignment
from annotator.core.project import Project
from tests.conftest import SAMPLES

PAGES = [
    "Paris, 17 June 1927. To His Excellency Mr Aristide Briand, Minister for Foreign "
    "Affairs. We, the undersigned representatives of the National Governments",
    "of the Republics of Azerbaijan, Georgia, the North Caucasus and Ukraine have the "
    "honour to draw your attention to the negotiations now conducted",
]
COMMENTARY = "An introduction by the editor about émigré politics in Paris. "


@pytest.fixture
def scan_and_text(project, tmp_path):
    pdf = pymupdf.open()
    for body in PAGES:
        page = pdf.new_page(width=400, height=500)
        page.insert_textbox(pymupdf.Rect(40, 40, 360, 460), body, fontsize=11)
    pdf.save(tmp_path / "scan.pdf")
    text = tmp_path / "letter.txt"
    text.write_text(COMMENTARY + "\n\n" + PAGES[0] + "\n\n[a note between the pages]\n\n"
                    + PAGES[1] + "\n\nAfterword.", encoding="utf-8")
    scan = project.documents.import_file(tmp_path / "scan.pdf").value.document
    letter = project.documents.import_file(text).value.document
    return scan, letter


def test_linking_aligns_and_sets_the_page_starts(project, scan_and_text):
    scan, letter = scan_and_text
    text = project.documents.text(letter.id)
    link = project.documents.link(letter.id, scan.id).value
    assert link.alignment == {1: text.index("Paris, 17"), 2: text.index("of the Republics")}
    links = word_alignment.links_of(project, link)
    assert {text[lk.start:lk.end] for lk in links if lk.page == 2} >= {"Azerbaijan", "honour"}
    assert not any(lk.start < len(COMMENTARY) for lk in links)  # the commentary stays out
    found = word_alignment.on_scan(project, letter.id, text.index("Aristide"),
                                   text.index("Briand") + 6)
    assert [f["page"] for f in found] == [1] and len(found[0]["boxes"]) == 2
    x0, y0, x1, y1 = found[0]["boxes"][0]
    back = word_alignment.in_text(project, scan.id, 1, x0, y0, x1 - x0, y1 - y0)
    assert back == [{"document": letter.id, "start": text.index("Aristide"),
                     "end": text.index("Aristide") + 8}]


def test_a_corrected_transcription_and_an_undo_realign(project, scan_and_text):
    scan, letter = scan_and_text
    link = project.documents.link(letter.id, scan.id).value
    before = word_alignment.links_of(project, link)
    text = project.documents.text(letter.id)
    with project.transaction("Correct"):
        project.documents.set_text(letter.id, "A much longer introduction. " + text)
    link = project.documents.get_link(link.id)
    after = word_alignment.links_of(project, link)
    assert [lk.start - 28 for lk in after] == [lk.start for lk in before]
    project.undo()
    assert word_alignment.links_of(project, project.documents.get_link(link.id)) == before


def test_cli_link_align_and_list(project, scan_and_text, capsys):
    scan, letter = scan_and_text
    text = project.documents.text(letter.id)
    start = text.index("Azerbaijan")
    project.annotations.add(letter.id, start=start, end=start + len("Azerbaijan"))
    path = str(project.path)
    project.close()
    assert main(["link", path, letter.id, scan.id]) == 0
    out = capsys.readouterr().out
    assert "placed on the scan" in out and "1: " in out and "2: " in out
    assert main(["align", path, letter.id]) == 0
    assert "page starts: 1@" in capsys.readouterr().out
    assert main(["list", path, "--doc", letter.id, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["on_scan"][0]["document"] == scan.id
    assert rows[0]["on_scan"][0]["page"] == 2


def test_an_older_project_opens_with_the_alignment_tables(tmp_path):
    path = tmp_path / "sample.annot"
    shutil.copy(SAMPLES / "sample.annot", path)
    from annotator.core.project import _inspect

    assert _inspect(path) < 5  # the sample project is an older format
    with Project.open(path) as project:
        assert project.schema_version == schema.SCHEMA_VERSION
        assert project.conn.execute("SELECT count(*) FROM word_alignment").fetchone() == (0,)
        link = project.documents.links()[0]
        # the facsimile has no text layer: nothing to align, the typed pages stay
        assert word_alignment.links_of(project, link) == []
        assert link.alignment[1] == 2768
