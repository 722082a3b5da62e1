"""Shared material for the export, import and merge tests (helpers, no fixtures in
conftest), and tests of what every exporter shares: filters, safe file names,
atomic output, cancelling."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from annotator.core.errors import AnnotatorError
from annotator.core.model import RegionSelector, TagKind
from annotator.core.project import Project

VALIDATORS = Path(__file__).resolve().parents[2] / "shared" / "validators"
SAMPLE = Path(__file__).resolve().parents[1] / "sample_documents" / "sample.annot"

TEXT = (
    "His Excellency\nMr. Aristide Briand, Minister for Foreign Affairs\nParis, 17 June 1927\n\n"
    "We, the representatives of Azerbaijan, Georgia 🇬🇪 and Ukraine 𐌰𐌱, write about the "
    "debt of the former Russian Empire.\n\nSigned TOPTIBACHY, Paris, ca. 1927."
)
HOSTILE_NOTE = '<script>alert("x")</script> & “quotes” ]]> =1+2'


#: copies of the validators we need, so every clone validates (see its README)
BUNDLED_VALIDATORS = Path(__file__).resolve().parent / "data" / "validators"


def validators(*parts: str) -> Path:
    """A file of ../shared/validators, else of the bundled copies, else skip."""
    for root in (VALIDATORS, BUNDLED_VALIDATORS):
        path = root.joinpath(*parts)
        if path.exists():
            return path
    pytest.skip(f"{VALIDATORS.joinpath(*parts)} not available")


def sample_copy(tmp_path: Path) -> Path:
    """A consistent copy of the sample project (its WAL included), to write to."""
    if not SAMPLE.exists():
        pytest.skip("sample_documents/sample.annot not built")
    target = tmp_path / "sample.annot"
    src = sqlite3.connect(f"{SAMPLE.resolve().as_uri()}?mode=ro", uri=True)
    dest = sqlite3.connect(target)
    try:
        src.backup(dest)
    finally:
        src.close()
        dest.close()
    return target


def make_pdf(pages: int = 2) -> bytes:
    import pymupdf

    doc = pymupdf.open()
    for n in range(pages):
        page = doc.new_page(width=595, height=842)
        page.insert_text((72, 100), f"Page {n + 1}: Signed by John Smith on 17 June 1927.",
                         fontsize=12)
        page.insert_text((72, 130), "The debt of the former Russian Empire to France.",
                         fontsize=12)
    return doc.tobytes()


def make_png(width: int = 300, height: int = 200) -> bytes:
    import pymupdf

    pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, width, height), False)
    pix.set_rect(pix.irect, (230, 220, 200))
    return pix.tobytes("png")


def rich_project(path: Path, author: str = "Test Historian") -> Project:
    """A project with what exports find hard: characters beyond the BMP, overlapping,
    nested, zero-length and paragraph-crossing passages, a hostile note, a theme tree,
    entities with identifiers, free-text dates, a PDF transcribed by the text (with page
    alignment and a linked region), highlight quads, and a page image."""
    p = Project.create(path, "Rich <project> & co", author=author)
    text = p.documents.import_bytes(TEXT.encode("utf-8"), "letter.txt").value.document
    pdf = p.documents.import_bytes(make_pdf(), "scan.pdf").value.document
    png = p.documents.import_bytes(make_png(), "photo.png").value.document
    p.documents.update(text.id, metadata={"date": "1927-06-17", "creator": "Delegates",
                                          "archive": "Archive & Co", "shelfmark": "F7/13",
                                          "url": "https://example.org/a b?x=1&y=2"},
                       language="en")
    p.documents.link(text.id, pdf.id, "transcription", {1: 0, 2: 84})
    debt = p.tags.ensure("Debt/Imperial debt")
    person = p.tags.find("Person")
    place = p.tags.find("Place")
    date = p.tags.find("Date")
    briand = p.entities.create("Aristide Briand", person.id, aliases=["Briand"],
                               identifiers={"wikidata": "Q134965", "viaf": "12345",
                                            "local": "no/such thing"}).value
    paris = p.entities.create("Paris", place.id, identifiers={"geonames": "2988507"}).value
    t = p.documents.text(text.id)

    def at(quote: str, n: int = 1) -> tuple[int, int]:
        return p.annotations.locate(text.id, quote, n)

    add = p.annotations.add
    s, e = at("Aristide Briand")
    a_briand = add(text.id, start=s, end=e, tag_ids=[person.id], entity_id=briand.id,
                   note=HOSTILE_NOTE, color="#ff8800").value
    add(text.id, start=s, end=at("Minister")[1], tag_ids=[debt.id], note="overlaps")
    add(text.id, start=at("Briand")[0], end=at("Foreign")[1], tag_ids=[debt.parent_id])
    s, e = at("Paris")
    add(text.id, start=s, end=e, tag_ids=[place.id], entity_id=paris.id)
    s, e = at("17 June 1927")
    add(text.id, start=s, end=e, tag_ids=[date.id], date_value="1927-06-17")
    s, e = at("ca. 1927")
    add(text.id, start=s, end=e, tag_ids=[date.id], date_value="about 1927")
    s, e = at("Georgia 🇬🇪 and Ukraine 𐌰𐌱")
    add(text.id, start=s, end=e, tag_ids=[place.id], note="astral")
    add(text.id, start=at("Empire.")[0], end=at("Signed")[1], note="crosses a paragraph")
    add(text.id, start=at("debt")[0], end=at("debt")[0], note="a caret")
    add(text.id, start=len(t) - 1, end=len(t), note="last character")
    quads = ((72.0, 88.0, 200.0, 104.0), (72.0, 118.0, 150.0, 134.0))
    region = add(pdf.id, region=RegionSelector(1, 72, 88, 128, 46, quads, "Signed by John"),
                 tag_ids=[person.id], entity_id=briand.id, note="on the scan").value
    add(pdf.id, region=RegionSelector(2, 60.5, 90.25, 300, 20, (), ""), tag_ids=[debt.id],
        date_value="1927")
    add(png.id, region=RegionSelector(1, 10, 20, 100, 50, (), ""), tag_ids=[place.id],
        note="on the photo")
    p.links.create(a_briand.id, region.id, "transcribes")
    assert p.tags.find("Debt").kind == TagKind.THEME
    return p


def jing_or_lxml_relaxng(schema: Path):
    """``validate(*paths) -> list of errors``: one jing run for all the files if jing is
    installed (~0.5 s), else lxml (loads tei_all.rng in ~5 s, once)."""
    if shutil.which("jing"):
        def validate(*paths: Path) -> list[str]:
            run = subprocess.run(["jing", str(schema), *map(str, paths)], capture_output=True,
                                 text=True)
            return [line for line in run.stdout.splitlines() if line.strip()]
        return validate
    lxml = pytest.importorskip("lxml.etree")
    rng = lxml.RelaxNG(lxml.parse(str(schema)))

    def validate(*paths: Path) -> list[str]:
        errors = []
        for path in paths:
            if not rng.validate(lxml.parse(str(path))):
                errors += [f"{path}: {e}" for e in rng.error_log]
        return errors
    return validate


# -- tests of the shared parts ------------------------------------------------------------


def test_safe_filenames_stay_inside_the_folder(tmp_path):
    from annotator.core.exporters.base import inside, safe_filename

    used: set[str] = set()
    names = [safe_filename(n, ".xml", used) for n in
             ("../../etc/passwd", "a/b\\c", "CON", "  .. ", "x" * 500, "Été: 1927?",
              "../../etc/passwd", "\x00\x1f")]
    assert len(set(n.lower() for n in names)) == len(names)
    for name in names:
        assert "/" not in name and "\\" not in name and not name.startswith(".")
        assert len(name) <= 130
        assert inside(tmp_path, name).parent == tmp_path.resolve()
    assert names[2].startswith("_CON")
    with pytest.raises(AnnotatorError):
        inside(tmp_path, "../x.xml")


def test_filters_stream_and_cancel(tmp_path):
    from annotator.core.exporters import ExportCancelled, ExportFilter, export
    from annotator.core.exporters.base import count_annotations, iter_annotations

    p = rich_project(tmp_path / "p.annot")
    everything = list(iter_annotations(p))
    assert len(everything) == count_annotations(p) == p.annotations.count()
    debt = p.tags.find("Debt")
    by_tag = list(iter_annotations(p, ExportFilter(tag_id=debt.id)))
    assert {a.id for a in by_tag} == {a.id for a in p.annotations.list(tag_id=debt.id)}
    assert len(list(iter_annotations(p, ExportFilter(tag_id=debt.id, subtags=False)))) == 1
    assert len(list(iter_annotations(p, ExportFilter(contains="astral")))) == 1
    out = tmp_path / "x.csv"
    out.write_text("previous good export")
    with pytest.raises(ExportCancelled):
        export(p, "csv", out, progress=lambda done, total: False)
    assert out.read_text() == "previous good export"  # untouched, and no partial file
    assert [f.name for f in tmp_path.iterdir() if f.name.startswith(".x.csv")] == []
    seen = []
    export(p, "csv", out, progress=lambda d, t: seen.append((d, t)) or True)
    assert seen[-1] == (len(everything), len(everything))
    p.close()
