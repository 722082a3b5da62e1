"""ALTO, PAGE XML and hOCR imported with their scan (issue 10, part 2): the readers on
the Kant 1784 ground truth, namespace variants, hostile and broken files, the image
search, folders, and the CLI. The image in tests/data is a blank PNG of the scan's
size and resolution (1457 x 2083 px, 300 dpi), so page sizes are those of the TIFF."""

from __future__ import annotations

import re
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core.errors import ImportFailed
from annotator.core.importers import read_source
from annotator.core.importers.alto import read_alto
from annotator.core.importers.hocr import read_hocr
from annotator.core.importers.layer import LayerLine, LayerWord, spread
from annotator.core.importers.page_xml import read_page_xml
from annotator.core.importers.transcription import sniff_layer
from tests.conftest import DATA

HERE = DATA / "transcriptions"
STEM = "ocrd_kant_aufklaerung_1784_0017"
ALTO, PAGE, HOCR, IMAGE = (HERE / f"{STEM}_ALTO.xml", HERE / f"{STEM}_PAGE.xml",
                           HERE / f"{STEM}.hocr", HERE / f"{STEM}.png")
WIDTH, HEIGHT = 349.68, 499.92  # 1457 x 2083 px at 300 dpi, in points


def _inside(page) -> None:
    for x0, y0, x1, y1, *_ in page.words:
        assert 0 <= x0 <= x1 <= page.width and 0 <= y0 <= y1 <= page.height


@pytest.mark.parametrize("path,source", [(ALTO, "alto"), (PAGE, "page")])
def test_kant_ground_truth(path, source) -> None:
    doc = read_source(path)
    assert doc.media_type == "image/png" and doc.data == IMAGE.read_bytes()
    (page,) = doc.pages
    assert (page.width, page.height) == (WIDTH, HEIGHT)
    assert len(page.words) == 161
    assert page.words[0][4] == "Berliniſche" and page.words[-1][4] == "(na-"
    # 'Berliniſche' is at HPOS 114, VPOS 368, 328 x 69 px: in points x 72/300
    assert page.words[0][:4] == (27.36, 88.32, 106.08, 104.88)
    _inside(page)
    lines = [w[5] for w in page.words]
    assert lines == sorted(lines) and lines[-1] == 23  # 24 lines, in reading order
    assert page.text.splitlines()[0] == "Berliniſche Monatsſchrift ."
    assert page.text.split() == [w[4] for w in page.words]
    assert not page.is_scan
    layer = doc.metadata["text_layers"]["1"]
    assert layer["source"] == source and layer["pixels"] == [1457, 2083]
    if source == "page":
        assert layer["engine"] == "OCR-D"


def test_alto_and_page_agree_on_every_word() -> None:
    alto, page = read_source(ALTO).pages[0], read_source(PAGE).pages[0]
    assert [w[4] for w in alto.words] == [w[4] for w in page.words]
    for a, p in zip(alto.words, page.words, strict=True):
        assert max(abs(i - j) for i, j in zip(a[:4], p[:4], strict=True)) < 1.0


def test_hocr_from_tesseract() -> None:
    doc = read_source(HOCR)
    (page,) = doc.pages
    assert len(page.words) == 123
    assert page.words[0][4] == "Berliniihe" and page.words[0][6] == 28.0
    assert doc.metadata["text_layers"]["1"]["engine"] == "tesseract 5.3.0"
    _inside(page)


def _alto(ns: str, body: str = "", unit: str = "pixel", extra: str = "") -> bytes:
    return (f'<?xml version="1.0"?><alto xmlns="{ns}"><Description><MeasurementUnit>{unit}'
            f'</MeasurementUnit>{extra}</Description><Layout><Page ID="p" WIDTH="1000" '
            f'HEIGHT="2000" PHYSICAL_IMG_NR="1"><PrintSpace><TextBlock ID="b">'
            f'<TextLine ID="l" HPOS="10" VPOS="20" WIDTH="300" HEIGHT="40">{body}'
            '</TextLine></TextBlock></PrintSpace></Page></Layout></alto>').encode()


WORDS = ('<String CONTENT="Auf" HPOS="10" VPOS="20" WIDTH="90" HEIGHT="40" WC="0.9"/><SP/>'
         '<String CONTENT="klaͤrung" HPOS="110" VPOS="20" WIDTH="100" HEIGHT="40"/>'
         '<HYP CONTENT="-" HPOS="210" VPOS="20" WIDTH="10" HEIGHT="40"/>')


@pytest.mark.parametrize("ns", ["http://www.loc.gov/standards/alto/ns-v2#",
                                "http://www.loc.gov/standards/alto/ns-v3#",
                                "http://www.loc.gov/standards/alto/ns-v4#", ""])
def test_alto_versions_read_alike(ns) -> None:
    data = _alto(ns, WORDS)
    assert sniff_layer(data) == "alto"
    (page,) = read_alto(data, "a.xml").pages
    words = page.lines[0].words
    assert [w.text for w in words] == ["Auf", "klaͤrung-"]  # the HYP is the printed hyphen
    assert words[0].confidence == 90.0 and words[1].confidence == -1
    assert words[1].box == (110, 20, 220, 60)


@pytest.mark.parametrize("unit,factor", [("mm10", 72 / 254), ("inch1200", 72 / 1200)])
def test_alto_physical_units(unit, factor, tmp_path) -> None:
    data = _alto("http://www.loc.gov/standards/alto/ns-v4#", WORDS, unit).replace(
        b'WIDTH="1000" HEIGHT="2000"', b"")
    (tmp_path / "a.xml").write_bytes(data)
    page = read_source(tmp_path / "a.xml", image=IMAGE).pages[0]
    assert page.words[0][:4] == tuple(round(v * factor, 2) for v in (10, 20, 100, 60))


def test_page_2013_and_reading_order() -> None:
    ns = "http://schema.primaresearch.org/PAGE/gts/pagecontent/2013-07-15"

    def region(rid: str, text: str, y: int) -> str:
        return (f'<TextRegion id="{rid}"><Coords points="0,{y} 100,{y} 100,{y + 10}"/>'
                f'<TextLine id="l{rid}"><Coords points="0,{y} 100,{y} 100,{y + 10} 0,{y + 10}"/>'
                f'<TextEquiv conf="0.5"><Unicode>{text}</Unicode></TextEquiv></TextLine>'
                '</TextRegion>')

    data = (f'<PcGts xmlns="{ns}"><Metadata><Creator>Transkribus</Creator></Metadata>'
            '<Page imageFilename="x.png" imageWidth="100" imageHeight="100"><ReadingOrder>'
            '<OrderedGroup id="g"><RegionRefIndexed index="1" regionRef="a"/>'
            '<RegionRefIndexed index="0" regionRef="b"/></OrderedGroup></ReadingOrder>'
            f'{region("a", "second line", 0)}{region("c", "unordered", 80)}'
            f'{region("b", "first ab", 40)}</Page></PcGts>').encode()
    assert sniff_layer(data) == "page"
    layer = read_page_xml(data, "p.xml")
    page = layer.pages[0]
    assert [" ".join(w.text for w in line.words) for line in page.lines] == [
        "first ab", "second line", "unordered"]
    assert layer.engine == "Transkribus" and "estimated" in layer.warnings[0]
    line = page.lines[0]
    assert spread(line) == 2  # "first" 5 chars + space + "ab" 2 over 100 px
    assert line.words[0].box == (0, 40, 62.5, 50) and line.words[1].box[2] == 100
    assert line.words[0].confidence == 50.0


@given(st.lists(st.text(alphabet="abcdefgh", min_size=1, max_size=12), min_size=1, max_size=20),
       st.floats(0, 500), st.floats(1, 2000))
@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
def test_spread_boxes_stay_in_the_line_and_in_order(texts, x0, width) -> None:
    line = LayerLine((x0, 5, x0 + width, 25), [LayerWord(t, None) for t in texts])
    assert spread(line) == len(texts)
    boxes = [w.box for w in line.words]
    for (a0, _, a1, _), nxt in zip(boxes, boxes[1:] + [None], strict=True):
        assert x0 - 1e-6 <= a0 <= a1 <= x0 + width + 1e-6
        if nxt is not None:
            assert a1 <= nxt[0] + 1e-6


# -- hostile and broken files: a clear error, nothing imported ---------------------------

def test_doctype_with_entities_refused(tmp_path) -> None:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE alto [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            + _alto("http://www.loc.gov/standards/alto/ns-v4#",
                    '<String CONTENT="&b;" HPOS="1" VPOS="1" WIDTH="1" HEIGHT="1"/>')
            .split(b"?>", 1)[1])
    assert sniff_layer(bomb) == "alto"
    with pytest.raises(ImportFailed, match="DOCTYPE"):
        read_alto(bomb, "bomb.xml")
    external = (b'<?xml version="1.0"?><!DOCTYPE PcGts [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                b'<PcGts><Page imageFilename="a.png"/></PcGts>')
    with pytest.raises(ImportFailed, match="DOCTYPE"):
        read_page_xml(external, "x.xml")
    with pytest.raises(ImportFailed, match="entities"):
        read_hocr(b'<!DOCTYPE html [<!ENTITY x "y">]><html><body><div class="ocr_page">'
                  b"</div></body></html>", "h.hocr")


def test_malformed_xml_names_file_and_line(tmp_path, project) -> None:
    broken = ALTO.read_bytes().replace(b"</TextLine>", b"</TextLin>", 1)
    path = tmp_path / f"{STEM}_ALTO.xml"
    path.write_bytes(broken)
    shutil.copy(IMAGE, tmp_path)
    line = broken[:broken.index(b"</TextLin>")].count(b"\n") + 1
    with pytest.raises(ImportFailed, match=rf"{path.name} is not well-formed XML: .* line "
                                           rf"{line}, column"):
        read_source(path)
    _nothing_written(project, path)


def _nothing_written(project, path, **kw) -> None:
    report = project.documents.import_files([path], **kw)[0]
    assert report.status == "failed"
    assert project.documents.list() == []
    assert project.conn.execute("SELECT count(*) FROM pages").fetchone()[0] == 0


def test_missing_image_is_a_clear_error(tmp_path, project) -> None:
    path = tmp_path / "scan_PAGE.xml"
    shutil.copy(PAGE, path)
    with pytest.raises(ImportFailed, match=r"names the image “OCR-D-IMG/INPUT_0017.tif”.*--image"):
        read_source(path)
    _nothing_written(project, path)
    alto = tmp_path / "other_ALTO.xml"
    shutil.copy(ALTO, alto)
    with pytest.raises(ImportFailed, match="names no image"):
        read_source(alto)


def test_image_path_never_leaves_the_folder(tmp_path) -> None:
    (tmp_path / "inner").mkdir()
    shutil.copy(IMAGE, tmp_path / "secret.png")
    data = PAGE.read_bytes().replace(b"OCR-D-IMG/INPUT_0017.tif", b"../secret.png")
    (tmp_path / "inner" / "p.xml").write_bytes(data)
    with pytest.raises(ImportFailed, match="not beside it"):
        read_source(tmp_path / "inner" / "p.xml")
    # the same name beside the file is found, and a named sub-folder is followed
    (tmp_path / "inner" / "OCR-D-IMG").mkdir()
    shutil.copy(IMAGE, tmp_path / "inner" / "OCR-D-IMG" / "INPUT_0017.tif")
    (tmp_path / "inner" / "q.xml").write_bytes(PAGE.read_bytes())
    assert len(read_source(tmp_path / "inner" / "q.xml").pages[0].words) == 161


def test_coordinates_outside_the_image_are_clipped(tmp_path) -> None:
    body = ('<String CONTENT="in" HPOS="10" VPOS="20" WIDTH="90" HEIGHT="40"/>'
            '<String CONTENT="out" HPOS="1400" VPOS="-50" WIDTH="500" HEIGHT="100"/>')
    data = _alto("http://www.loc.gov/standards/alto/ns-v4#", body).replace(
        b'WIDTH="1000" HEIGHT="2000"', b'WIDTH="1457" HEIGHT="2083"')
    (tmp_path / "a.xml").write_bytes(data)
    doc = read_source(tmp_path / "a.xml", image=IMAGE)
    page = doc.pages[0]
    _inside(page)
    assert [w[4] for w in page.words] == ["in", "out"]
    assert page.words[1][2] == page.width and page.words[1][1] == 0
    assert any("clipped" in w for w in doc.warnings)


def test_wrong_image_shape_and_bad_numbers_refused(tmp_path) -> None:
    (tmp_path / "a.xml").write_bytes(_alto("", WORDS))  # 1000 x 2000: not the PNG's shape
    with pytest.raises(ImportFailed, match="wrong image"):
        read_source(tmp_path / "a.xml", image=IMAGE)
    (tmp_path / "b.xml").write_bytes(_alto("", WORDS.replace('HPOS="110"', 'HPOS="1e999"')))
    with pytest.raises(ImportFailed, match="not a coordinate"):
        read_source(tmp_path / "b.xml", image=IMAGE)
    with pytest.raises(ImportFailed, match="not an image"):
        read_source(tmp_path / "a.xml", image=tmp_path / "b.xml")


def test_an_xml_that_is_no_transcription(tmp_path) -> None:
    (tmp_path / "tei.xml").write_text('<TEI xmlns="http://www.tei-c.org/ns/1.0"/>')
    with pytest.raises(ImportFailed, match="not ALTO, PAGE XML or hOCR"):
        read_source(tmp_path / "tei.xml")


# -- several pages -------------------------------------------------------------------------

def test_folder_is_one_document_in_file_name_order(tmp_path, project) -> None:
    folder = tmp_path / "Kant set"
    folder.mkdir()
    shutil.copy(IMAGE, folder / "page10.png")
    shutil.copy(IMAGE, folder / "page2.png")
    (folder / "page10.xml").write_bytes(ALTO.read_bytes())
    (folder / "page2.hocr").write_bytes(HOCR.read_bytes().replace(
        f"{STEM}.tif".encode(), b"page2.png"))
    report = project.documents.import_files([folder])[0]
    assert report.status == "imported", report.message
    doc = report.document
    assert doc.title == "Kant set" and doc.media_type == "application/pdf"
    pages = project.documents.pages(doc.id, with_words=True)
    assert [len(p.words) for p in pages] == [123, 161]  # page2 before page10
    assert [(p.width, p.height) for p in pages] == [(WIDTH, HEIGHT)] * 2
    assert [doc.metadata["text_layers"][n]["source"] for n in "12"] == ["hocr", "alto"]
    import hashlib

    assert hashlib.sha256(project.documents.data(doc.id)).hexdigest() == doc.sha256
    # the same set again: the same bytes, found, not a second document
    assert project.documents.import_files([folder])[0].status == "existing"


def test_one_alto_with_two_pages_on_a_two_page_pdf(tmp_path) -> None:
    import pymupdf

    text = _alto("http://www.loc.gov/standards/alto/ns-v3#", WORDS).decode()
    page = re.search(r"<Page .*</Page>", text).group(0)
    (tmp_path / "book.xml").write_text(text.replace(page, page + page.replace("Auf", "Zwei")))
    with pytest.raises(ImportFailed, match="more pages than its image"):
        read_source(tmp_path / "book.xml", image=IMAGE)
    pdf = pymupdf.open()
    for _ in range(2):
        pdf.new_page(width=500, height=1000)
    (tmp_path / "book.pdf").write_bytes(pdf.tobytes())
    doc = read_source(tmp_path / "book.xml", image=tmp_path / "book.pdf")
    assert doc.data == (tmp_path / "book.pdf").read_bytes()
    assert [p.words[0][:5] for p in doc.pages] == [(5, 10, 50, 30, "Auf"),
                                                   (5, 10, 50, 30, "Zwei")]


def test_cli_import_with_image(tmp_path, capsys) -> None:
    from annotator.cli import main
    from annotator.core.project import Project

    target = tmp_path / "p.annot"
    Project.create(target, "P").close()
    xml = tmp_path / "scan.xml"
    shutil.copy(ALTO, xml)
    assert main(["import", str(target), str(xml)]) != 0  # no image: refused, said why
    assert "--image" in capsys.readouterr().out
    assert main(["import", str(target), str(xml), "--image", str(IMAGE)]) == 0
    assert "1 page(s)" in capsys.readouterr().out
    with Project.open(target) as project:
        (doc,) = project.documents.list()
        (page,) = project.documents.pages(doc.id, with_words=True)
        assert len(page.words) == 161 and len(page.words[0]) == 7


def test_text_layer_added_to_a_scan_already_imported(project, tmp_path) -> None:
    shutil.copy(IMAGE, tmp_path / f"{STEM}.png")
    scan = project.documents.import_file(tmp_path / f"{STEM}.png").value.document
    assert project.documents.pages(scan.id, with_words=True)[0].words == []
    report = project.documents.import_file(ALTO).value
    assert report.status == "imported" and report.document.id == scan.id
    assert len(project.documents.pages(scan.id, with_words=True)[0].words) == 161
    assert project.documents.get(scan.id).metadata["text_layers"]["1"]["source"] == "alto"
    again = project.documents.import_file(PAGE).value  # it has a layer now: not replaced
    assert again.status == "existing"
