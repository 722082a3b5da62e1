"""Source importers: bytes in, ImportedSource out (no project, no Qt).

tests/data/broken/ holds a few small files copied from the shared corpus (origin and
licence of each in tests/data/broken/SOURCES.tsv); tests/data/generated/ holds tiny
images made for these tests with Pillow (a 3-frame TIFF at 200 dpi; 60 x 20 px
images with EXIF/TIFF Orientation 6). Tests that walk the whole corpus skip when
../shared/corpus is absent."""

from __future__ import annotations

import codecs
import csv
import re
import struct
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from annotator.core.errors import ImportFailed, PasswordRequired
from annotator.core.importers import SUPPORTED_EXTENSIONS, read_source, sniff
from annotator.core.importers.image import MAX_PIXELS
from annotator.core.importers.pdf import REPAIRED, sensible_title
from annotator.core.importers.text import decode_text, markdown_title, title_from_filename
from annotator.core.model import DocumentKind

DATA = Path(__file__).parent / "data"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
PASSWORDS = {  # corpus/README.txt
    "pypdf_r2-user-password": "asdfzxcv", "pypdf_r4-aes-user-password": "asdfzxcv",
    "pypdf_r6-user-password": "asdfzxcv", "pypdf_r5-owner-password": "asdfzxcv",
    "pypdf_crazyones-encrypted-256": "password",
    "pypdf_libreoffice-writer-password": "openpassword", "pdfminer_rc4-40": "foo",
    "pdfminer_aes-256-r6": "usersecret", "qpdf_encrypted-40-bit-R3": "623",
    "pdfjs_encrypted-attachment": "000000",
}
TIME_LIMIT = 10.0  # seconds per file
GROUND_TRUTH = {".xml", ".json", ".yaml"}


def _looks_clean(message: str) -> bool:
    """A message for a scholar: long enough to say something, no Python internals."""
    return len(message) >= 20 and not re.search(
        r"Traceback|File \"|\bcode=\d|\b[A-Z]\w*(Error|Exception)\b", message)


# -- registry ----------------------------------------------------------------------------


def test_supported_extensions_cover_the_three_kinds() -> None:
    for ext in (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".gif", ".bmp", ".txt",
                ".md", ".markdown", ".html", ".htm"):
        assert ext in SUPPORTED_EXTENSIONS


def test_sniff_by_magic_bytes() -> None:
    assert sniff(b"junk\r\n" * 10 + b"%PDF-1.7\n") == "pdf"
    assert sniff(b"\x89PNG\r\n\x1a\n....") == "png"
    assert sniff(b"\xff\xd8\xff\xe0") == "jpeg"
    assert sniff(b"II*\x00....") == "tiff" and sniff(b"MM\x00+....") == "tiff"
    assert sniff(b"GIF89a...") == "gif"
    assert sniff(b"\xef\xbb\xbf  <!DOCTYPE html><html>") == "html"
    assert sniff(b"BMW sold 3 cars in 1927.") is None
    assert sniff(b"Plain text with <html> inside") is None


def test_zero_byte_file_is_refused_clearly(tmp_path: Path) -> None:
    empty = tmp_path / "letter.pdf"
    empty.write_bytes(b"")
    with pytest.raises(ImportFailed, match="empty"):
        read_source(empty)
    with pytest.raises(ImportFailed, match="empty"):
        read_source("notes.txt", data=b"")


def test_reads_from_path_and_reports_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_bytes(b"Briand met Stresemann.")
    assert read_source(path).text == "Briand met Stresemann."
    with pytest.raises(ImportFailed, match="does not exist"):
        read_source(tmp_path / "gone.txt")


def test_html_saved_as_pdf_is_refused_with_its_title() -> None:
    data = (DATA / "broken/pdf/derived_html_saved_as.pdf").read_bytes()
    with pytest.raises(ImportFailed) as info:
        read_source("derived_html_saved_as.pdf", data=data)
    assert "this file is an HTML page saved as .pdf" in str(info.value)
    assert "404 Not Found" in str(info.value)


def test_png_named_pdf_is_imported_as_an_image_with_a_warning() -> None:
    data = (DATA / "generated/orientation_6_exif.png").read_bytes()
    source = read_source("scan.pdf", data=data)
    assert source.media_type == "image/png" and source.kind == DocumentKind.PAGED
    assert "this is a PNG image named .pdf" in source.warnings[0]


def test_text_named_pdf_and_unknown_formats_are_refused() -> None:
    with pytest.raises(ImportFailed, match="not a PDF.*plain text"):
        read_source("bad1.pdf", data=(DATA / "broken/pdf/qpdf_bad1.pdf").read_bytes())
    with pytest.raises(ImportFailed, match="Word"):
        read_source("letter.docx", data=b"PK\x03\x04" + b"\x00" * 40)
    with pytest.raises(ImportFailed, match="cannot be imported"):
        read_source("image.ppm", data=b"P6 32 32 255\n" + b"\x00" * 30)
    with pytest.raises(ImportFailed, match="not a PNG"):
        read_source("image.png", data=b"hello, this is not a picture")


def test_text_that_mentions_pdf_stays_text() -> None:
    source = read_source("notes.txt", data=b"%PDF-1.4 is the header I saw in the file.")
    assert source.media_type == "text/plain" and source.text.startswith("%PDF-1.4")


def test_importers_do_not_load_pymupdf_for_text() -> None:
    """PyMuPDF costs ~300 ms to import: the CLI must start without it."""
    code = ("import sys; from annotator.core.importers import read_source; "
            "read_source('a.txt', data=b'hello'); "
            "import annotator.core.importers.pdf, annotator.core.importers.image; "
            "sys.exit('pymupdf' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


# -- text ------------------------------------------------------------------------------


@pytest.mark.parametrize("codec,bom", [("utf-8", codecs.BOM_UTF8),
                                       ("utf-16-le", codecs.BOM_UTF16_LE),
                                       ("utf-16-be", codecs.BOM_UTF16_BE),
                                       ("utf-32-le", codecs.BOM_UTF32_LE),
                                       ("utf-32-be", codecs.BOM_UTF32_BE)])
def test_boms_are_honoured(tmp_path: Path, codec: str, bom: bytes) -> None:
    text = "Édouard Herriot à Genève\r\n— 1924 ‘note’\r"
    path = tmp_path / f"note-{codec}.txt"
    path.write_bytes(bom + text.encode(codec))
    source = read_source(path)
    assert source.text == "Édouard Herriot à Genève\n— 1924 ‘note’\n"
    assert source.metadata["encoding"] == codec
    assert source.data == path.read_bytes() and not source.warnings
    assert source.kind == DocumentKind.TEXT and source.media_type == "text/plain"


def test_utf32_bom_is_not_mistaken_for_utf16() -> None:
    """FF FE 00 00 is the UTF-32LE BOM, and also FF FE (UTF-16LE) then U+0000."""
    text, encoding, _ = decode_text(codecs.BOM_UTF32_LE + "Locarno".encode("utf-32-le"))
    assert (text, encoding) == ("Locarno", "utf-32-le")


def test_cp1252_guess_is_named_in_a_warning() -> None:
    data = "“Mémoire” — Briand’s reply".encode("cp1252") + b" \x81"
    source = read_source("memo.txt", data=data)
    assert source.text == "“Mémoire” — Briand’s reply \x81"  # 0x81: undefined in cp1252
    assert source.metadata["encoding"] == "cp1252"
    assert "not UTF-8; read as Windows-1252 (Western European)" in source.warnings[0]


def test_mostly_utf8_with_stray_cp1252_bytes_keeps_the_utf8() -> None:
    data = "Genève ".encode() + "“quoted”".encode("cp1252") + " Zürich".encode()
    text, encoding, warnings = decode_text(data)
    assert text == "Genève “quoted” Zürich" and encoding == "utf-8+cp1252"
    assert "Windows-1252" in warnings[0]


def test_code_page_outside_the_guesses_can_be_named() -> None:
    """Greek is not among the code pages guessed (its letters are read as Cyrillic
    ones): the warning names that guess and the way out, naming the encoding."""
    greek = "Ελληνικά κείμενα και λέξεις"
    text, _, warnings = decode_text(greek.encode("cp1253"))
    assert text != greek and "Cyrillic" in warnings[0] and "--encoding" in warnings[0]
    assert decode_text(greek.encode("cp1253"), "cp1253") == (greek, "cp1253", [])


def test_nul_bytes_refuse_binary_files() -> None:
    with pytest.raises(ImportFailed, match="NUL bytes") as info:
        read_source("data.txt", data=b"Some text\x00\x01\x02 then binary \x00")
    assert _looks_clean(str(info.value))


def test_utf16_without_bom_is_recognised() -> None:
    text, encoding, warnings = decode_text("Vienna, 1924\n".encode("utf-16-le"))
    assert text == "Vienna, 1924\n" and encoding == "utf-16" and warnings


def test_line_endings_and_nfc() -> None:
    source = read_source("a.txt", data="Cafe\u0301\r\nline\rlast\n".encode())
    assert source.text == "Café\nline\nlast\n"
    assert source.data == "Cafe\u0301\r\nline\rlast\n".encode()  # bytes untouched


@pytest.mark.parametrize("data", [b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, b" \n\r\n\t"])
def test_empty_text_files_are_refused(data: bytes) -> None:
    with pytest.raises(ImportFailed, match="the file is empty"):
        read_source("empty.txt", data=data)


def test_bom_only_corpus_file_is_refused() -> None:
    data = (DATA / "broken/encodings/derived_bom_only.txt").read_bytes()
    with pytest.raises(ImportFailed, match="the file is empty"):
        read_source("derived_bom_only.txt", data=data)


def test_cp1252_corpus_copy_reads_its_curly_quotes() -> None:
    source = read_source(DATA / "broken/encodings/derived_frus_d567_cp1252.txt")
    assert source.metadata["encoding"] == "cp1252"
    assert "—" in source.text or "’" in source.text or "“" in source.text


def test_markdown_title_and_text_kept_as_written() -> None:
    md = "---\ndoc_num: 63\ntitle: 'Casey''s letter, 15 April 1926'\n---\n\n# Heading\n*x*\n"
    source = read_source("dfat_063.md", data=md.encode())
    assert source.title == "Casey's letter, 15 April 1926"
    assert source.text == md and source.media_type == "text/markdown"
    assert markdown_title("Intro\n\n#  The Locarno Pact  #\n## sub") == "The Locarno Pact"
    assert markdown_title("no heading\n#hashtag") == ""


def test_html_is_converted_to_plain_text() -> None:
    html = (b"<!DOCTYPE html><html><head><title>FRUS &amp; d567</title>"
            b"<style>p{color:red}</style><script>var x = '<p>';</script>"
            b"<body><h1>The Secretary</h1><p>To the British&nbsp;Ambassador:<br>Sir,"
            b"</p>\n  <ul>\n    <li>one</li>\n    <li>two &eacute;t&#233;</li>\n  </ul>"
            b"\n<pre>  keep\n    this</pre></body></html>")
    source = read_source("d567.html", data=html)
    assert source.title == "FRUS & d567" and source.media_type == "text/html"
    assert source.text == ("The Secretary\n\nTo the British\u00a0Ambassador:\nSir,\n\n"
                           "one\ntwo été\n\n  keep\n    this")
    assert source.data == html


def test_html_with_unclosed_head_still_gives_the_body() -> None:
    source = read_source("page.htm", data=b"<html><head><title>T</title><body>Text</body>")
    assert source.text == "Text" and source.title == "T"


def test_title_from_filename() -> None:
    assert title_from_filename("Letter_to%20Bruce_1926-04-15.txt") == "Letter to Bruce 1926-04-15"
    assert read_source("frus1925v02_d567.txt", data=b"x").title == "frus1925v02 d567"


@settings(max_examples=300, deadline=None)
@given(text=st.text(min_size=1), codec=st.sampled_from(
    ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"]))
def test_decoder_round_trips_any_text_with_a_bom(text: str, codec: str) -> None:
    assume(text.strip())
    # FF FE 00 00 starts both UTF-32LE and UTF-16LE + U+0000: read as UTF-32 if it can be.
    assume(not (text.startswith("\x00") and codec in ("utf-16", "utf-16-le")))
    data = text.encode(codec)
    if codec.endswith(("-le", "-be")):
        bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE,
               "utf-32-le": codecs.BOM_UTF32_LE, "utf-32-be": codecs.BOM_UTF32_BE}[codec]
        data = bom + data
    expected = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    assert decode_text(data)[0] == expected


@settings(max_examples=200, deadline=None)
@given(text=st.text(min_size=1).filter(lambda t: "\x00" not in t))
def test_decoder_round_trips_utf8_without_bom(text: str) -> None:
    assume(text.strip() and not text.startswith("\ufeff"))
    decoded, encoding, warnings = decode_text(text.encode("utf-8"))
    expected = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    assert (decoded, encoding, warnings) == (expected, "utf-8", [])


# -- PDF -------------------------------------------------------------------------------


def _pdf(pages: int = 2, rotate: int = 0, **save: object) -> bytes:
    import pymupdf

    doc = pymupdf.open()
    for i in range(pages):
        page = doc.new_page(width=595, height=842)
        page.insert_text((72, 100), f"Page {i + 1}: Briand and Stresemann at Locarno.")
        if rotate:
            page.set_rotation(rotate)
    doc.set_metadata({"title": "Locarno notes", "author": "A. Historian"})
    data = doc.tobytes(**save)
    doc.close()
    return data


def test_pdf_pages_text_and_words() -> None:
    data = _pdf()
    source = read_source("notes.pdf", data=data)
    assert source.kind == DocumentKind.PAGED and source.media_type == "application/pdf"
    assert source.title == "Locarno notes" and source.metadata["author"] == "A. Historian"
    assert source.data == data and source.text is None and not source.warnings
    assert [p.number for p in source.pages] == [1, 2]
    page = source.pages[1]
    assert (page.width, page.height) == (595, 842) and not page.is_scan
    assert "Page 2: Briand" in page.text
    x0, y0, x1, y1, word = page.words[0]
    assert word == "Page" and 70 < x0 < x1 < 120 and 80 < y0 < y1 < 105
    assert all(v == round(v, 2) for w in page.words for v in w[:4])


def test_pdf_rotated_page_gives_words_in_the_shown_page() -> None:
    page = read_source("r.pdf", data=_pdf(pages=1, rotate=90)).pages[0]
    assert (page.width, page.height) == (842, 595)
    for x0, y0, x1, y1, _ in page.words:
        assert 0 <= x0 < x1 <= page.width and 0 <= y0 < y1 <= page.height
    # Text ran left to right on the unrotated page: shown turned, it runs downwards.
    first, last = page.words[0], page.words[-1]
    assert last[1] > first[1] and abs(last[0] - first[0]) < 5


def test_encrypted_pdf_needs_its_password() -> None:
    import pymupdf

    data = _pdf(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="secret", owner_pw="owner")
    with pytest.raises(PasswordRequired, match="encrypted — give its password"):
        read_source("locked.pdf", data=data)
    with pytest.raises(PasswordRequired, match="wrong password"):
        read_source("locked.pdf", data=data, password="guess")
    source = read_source("locked.pdf", data=data, password="secret")
    assert len(source.pages) == 2 and "Briand" in source.pages[0].text
    assert source.data == data  # the encrypted original, not a decrypted copy
    assert source.metadata["encrypted"] is True
    assert "secret" not in repr(source.metadata)


def test_encrypted_corpus_copy_opens_with_its_password() -> None:
    data = (DATA / "broken/pdf/pdfminer_aes-256-r6.pdf").read_bytes()
    with pytest.raises(PasswordRequired):
        read_source("aes.pdf", data=data)
    assert read_source("aes.pdf", data=data, password="usersecret").pages


def test_repaired_pdf_gets_a_warning() -> None:
    source = read_source(DATA / "broken/pdf/pdfjs_xref_command_missing.pdf")
    assert source.pages and REPAIRED in source.warnings


def test_pdf_damaged_beyond_repair() -> None:
    with pytest.raises(ImportFailed, match="damaged beyond repair") as info:
        read_source(DATA / "broken/pdf/ocrmypdf_invalid.pdf")
    assert _looks_clean(str(info.value))
    no_pages = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
                b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF")
    with pytest.raises(ImportFailed, match="no page"):
        read_source("empty.pdf", data=no_pages)


def test_image_only_pdf_page_is_a_scan() -> None:
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=300, height=400)
    page.insert_image(page.rect, stream=(DATA / "generated/orientation_6.jpg").read_bytes())
    source = read_source("scan.pdf", data=doc.tobytes())
    assert source.pages[0].is_scan and not source.pages[0].words


def test_pdf_text_error_on_one_page_is_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    import pymupdf

    real = pymupdf.Page.get_textpage

    def flaky(self: pymupdf.Page, *args: object, **kwargs: object) -> object:
        if self.number == 1:
            raise RuntimeError("broken content stream")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pymupdf.Page, "get_textpage", flaky)
    source = read_source("notes.pdf", data=_pdf(pages=3))
    assert [bool(p.text) for p in source.pages] == [True, False, True]
    assert any("page 2" in w for w in source.warnings)


def test_pdf_page_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    from annotator.core.importers import pdf

    monkeypatch.setattr(pdf, "MAX_PAGES", 1)
    with pytest.raises(ImportFailed, match="2 pages"):
        read_source("long.pdf", data=_pdf(pages=2))


def test_sensible_pdf_titles() -> None:
    assert sensible_title("  The Locarno Pact ") == "The Locarno Pact"
    for junk in (" ", "Untitled", "zen_of_python.txt", "Microsoft Word - memo.doc",
                 "Adobe Photoshop PDF", "1234", None):
        assert sensible_title(junk) == ""
    assert sensible_title("Aspose.PDF", "Aspose.PDF") == ""


# -- images ----------------------------------------------------------------------------


def test_multipage_tiff_gives_one_page_per_frame() -> None:
    source = read_source(DATA / "generated/multipage.tif")
    assert source.media_type == "image/tiff" and source.metadata["frames"] == 3
    sizes = [(p.width, p.height) for p in source.pages]
    assert sizes == [(21.6, 7.2), (14.4, 28.8), (10.8, 12.96)]  # pixels * 72 / 200 dpi
    assert all(p.is_scan and not p.text for p in source.pages)


@pytest.mark.parametrize("name,applied", [("orientation_6.jpg", True),
                                          ("orientation_6.tif", False),
                                          ("orientation_6_exif.png", False),
                                          ("../broken/images/pillow_g4_orientation_6.tif", False)])
def test_orientation_6_gives_an_upright_page(name: str, applied: bool) -> None:
    """Stored landscape, orientation 6: shown turned 90°, so the page is portrait
    (pillow_g4_orientation_6.tif is stored 88 x 590 and shown 590 x 88)."""
    source = read_source(DATA / "generated" / name)
    page = source.pages[0]
    stored_portrait = "g4" in name
    assert (page.width > page.height) == stored_portrait
    assert source.metadata["orientation"] == 6
    assert source.metadata["mupdf_applies_orientation"] is applied


def test_zero_dpi_falls_back_to_a_default() -> None:
    data = bytearray((DATA / "generated/orientation_6.jpg").read_bytes())
    at = data.index(b"JFIF\x00")
    data[at + 7:at + 12] = b"\x01\x00\x00\x00\x00"  # dots per inch, 0 x 0
    page = read_source("zero.jpg", data=bytes(data)).pages[0]
    assert sorted((page.width, page.height)) in ([15.0, 45.0], [20.0, 60.0])  # 96 or 72 dpi


def _bomb_message(name: str, data: bytes) -> str:
    with pytest.raises(ImportFailed) as info:
        read_source(name, data=data)
    assert "decompression bomb" in str(info.value) and _looks_clean(str(info.value))
    return str(info.value)


def test_decompression_bombs_are_refused_before_decoding() -> None:
    png = (DATA / "broken/images/derived_png_declares_100000x100000.png").read_bytes()
    assert "declares 100000 x 100000 pixels" in _bomb_message("bomb.png", png)
    _bomb_message("bomb.gif", (DATA / "broken/images/pillow_decompression_bomb.gif").read_bytes())
    side = 20_000  # 400 million pixels, > MAX_PIXELS
    assert side * side > MAX_PIXELS
    sof = b"\xff\xd8\xff\xc0\x00\x11\x08" + struct.pack(">HH", side, side) + b"\x03" + b"\x00" * 9
    _bomb_message("bomb.jpg", sof + b"\xff\xd9")
    entries = struct.pack("<HHII", 256, 4, 1, side) + struct.pack("<HHII", 257, 4, 1, side)
    _bomb_message("bomb.tif", b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 2)
                  + entries + b"\x00" * 4)
    big = struct.pack("<HHQQ", 256, 16, 1, side) + struct.pack("<HHQQ", 257, 16, 1, side)
    _bomb_message("bomb.tif", b"II+\x00\x08\x00\x00\x00" + struct.pack("<Q", 16)
                  + struct.pack("<Q", 2) + big + b"\x00" * 8)
    bmp = b"BM" + b"\x00" * 12 + struct.pack("<Iii", 40, side, -side) + b"\x00" * 30
    _bomb_message("bomb.bmp", bmp)


def test_bigtiff_is_refused_clearly() -> None:
    entries = struct.pack("<HHQQ", 256, 16, 1, 10) + struct.pack("<HHQQ", 257, 16, 1, 10)
    data = (b"II+\x00\x08\x00\x00\x00" + struct.pack("<Q", 16) + struct.pack("<Q", 2)
            + entries + b"\x00" * 8)
    with pytest.raises(ImportFailed, match="BigTIFF"):
        read_source("big.tif", data=data)


def test_truncated_jpeg_imports_with_a_warning() -> None:
    source = read_source(DATA / "broken/images/pillow_truncated_jpeg.jpg")
    assert len(source.pages) == 1 and "damaged or incomplete" in source.warnings[0]


def test_broken_png_is_refused_clearly() -> None:
    with pytest.raises(ImportFailed, match="damaged or incomplete") as info:
        read_source(DATA / "broken/images/pillow_broken.png")
    assert _looks_clean(str(info.value))


# -- the shared corpus -------------------------------------------------------------------


def _corpus(folder: str, *, skip_ground_truth: bool = False) -> list:
    root = CORPUS / folder
    if not root.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason="corpus absent"), id="absent")]
    files = sorted(p for p in root.rglob("*") if p.is_file()
                   and not (skip_ground_truth and p.suffix.lower() in GROUND_TRUTH))
    return [pytest.param(p, id=str(p.relative_to(CORPUS))) for p in files]


def _import_timed(path: Path) -> tuple[object, float]:
    start = time.perf_counter()
    try:
        result: object = read_source(path, password=PASSWORDS.get(path.stem))
    except ImportFailed as exc:
        result = exc
    return result, time.perf_counter() - start


@pytest.mark.corpus
@pytest.mark.parametrize("path", _corpus("broken"))
def test_broken_file_imports_or_fails_clearly(path: Path) -> None:
    result, seconds = _import_timed(path)
    assert seconds < TIME_LIMIT, f"{path.name} took {seconds:.1f} s"
    if isinstance(result, ImportFailed):
        assert _looks_clean(str(result)), str(result)
    else:
        assert result.pages or (result.text and result.text.strip())


@pytest.mark.corpus
@pytest.mark.parametrize("path", _corpus("scans", skip_ground_truth=True)
                         + _corpus("texts", skip_ground_truth=True))
def test_clean_corpus_file_imports(path: Path) -> None:
    result, seconds = _import_timed(path)
    assert not isinstance(result, ImportFailed), str(result)
    assert seconds < TIME_LIMIT
    assert result.pages or result.text
    expected = _manifest_pages().get(str(path.relative_to(CORPUS)))
    if expected is not None and result.pages:
        assert len(result.pages) == expected


@pytest.mark.corpus
@pytest.mark.parametrize("stem", sorted(PASSWORDS))
def test_known_passwords_open_encrypted_corpus_pdfs(stem: str) -> None:
    path = CORPUS / "broken" / "pdf" / f"{stem}.pdf"
    if not path.exists():
        pytest.skip("corpus absent")
    source = read_source(path, password=PASSWORDS[stem])
    assert source.pages and source.metadata.get("encrypted") is True
    assert source.data == path.read_bytes()


def _manifest_pages() -> dict[str, int]:
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.exists():
        return {}
    with manifest.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return {r["file"]: int(r["pages_or_frames"]) for r in rows
                if r.get("pages_or_frames", "").isdigit()}


@pytest.mark.corpus
def test_broken_corpus_tally(capsys: pytest.CaptureFixture[str]) -> None:
    """Not a check so much as a report: run with -s to see it."""
    if not (CORPUS / "broken").is_dir():
        pytest.skip("corpus absent")
    imported, refused, slowest = 0, 0, (0.0, "")
    for path in sorted(p for p in (CORPUS / "broken").rglob("*") if p.is_file()):
        result, seconds = _import_timed(path)
        if isinstance(result, ImportFailed):
            refused += 1
        else:
            imported += 1
        slowest = max(slowest, (seconds, path.name))
    with capsys.disabled():
        print(f"\nbroken corpus: {imported} imported, {refused} refused with a message; "
              f"slowest {slowest[1]} {slowest[0]:.2f} s")
    assert imported + refused > 0
