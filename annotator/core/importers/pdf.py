"""PDF sources: page sizes, text layer and word boxes, read once at import.

PyMuPDF is imported inside the functions: it costs ~300 ms, and the CLI and the
project code must start without it. MuPDF repairs damaged files silently, so its
warnings are read after the work and turned into a message for the scholar."""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from annotator.core.errors import ImportFailed, PasswordRequired
from annotator.core.importers.base import ImportedPage, ImportedSource
from annotator.core.importers.pdf_words import WordBoxes, word_columns
from annotator.core.importers.text import title_from_filename
from annotator.core.model import DocumentKind

MAX_PAGES = 10_000
#: PyMuPDF runs MuPDF single-threaded (one context, no locks: ``reinit_singlethreaded``),
#: yet the workbench reads PDFs in an import thread while its render thread draws
#: scans: each holds this while it uses MuPDF, so the two never meet inside it.
MUPDF_LOCK = threading.RLock()
_F = TypeVar("_F", bound=Callable[..., Any])


def mupdf_locked(fn: _F) -> _F:
    """``fn`` runs holding MUPDF_LOCK: for every function that uses MuPDF in a thread
    that may run beside the render thread (imports, OCR, exports)."""
    @functools.wraps(fn)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with MUPDF_LOCK:
            return fn(*args, **kwargs)
    return locked  # type: ignore[return-value]
MAX_IMAGE_PIXELS = 200_000_000  # an embedded image larger than this is slow to show
REPAIRED = "this PDF was damaged and has been repaired; check the pages"
_BLANK_IMAGE = ("<</Type/XObject/Subtype/Image/Width 1/Height 1/BitsPerComponent 8"
                "/ColorSpace/DeviceGray/Length 1>>")


def load_pymupdf() -> Any:
    """Import PyMuPDF on first use, with MuPDF's own messages kept off stderr."""
    import pymupdf

    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)
    return pymupdf


def _clean(text: str) -> str:
    """Text fit for SQLite and for offsets: no NULs, no lone surrogates."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def _reason(exc: BaseException) -> str:
    """MuPDF's reason without PyMuPDF's error codes ('code=7: ...')."""
    text = re.sub(r"^code=\d+:\s*", "", str(exc).strip()) or type(exc).__name__
    return text.splitlines()[0][:200]


_JUNK_TITLES = re.compile(
    r"^(untitled.*|none|null|title|no title|document\d*|doc\d+|print|blank|scan\d*|image\d*|"
    r"img_?\d+|slide \d+|powerpoint presentation|adobe photoshop pdf|microsoft word - .*|"
    r".*\.(docx?|odt|rtf|txt|pdf|tex|dvi|ps|indd|qxd|html?|xml|jpe?g|tiff?|png))$", re.I)


def sensible_title(value: str | None, producer: str | None = None) -> str:
    """The PDF's /Title if it names the document, '' if it is blank, a file name or
    a program's name left behind by the software that made the PDF."""
    title = re.sub(r"\s+", " ", _clean(value or "")).strip()
    if len(title) < 2 or len(title) > 300 or not any(c.isalpha() for c in title):
        return ""
    if producer and title.casefold() == producer.strip().casefold():
        return ""
    return "" if _JUNK_TITLES.match(title) else title


def _open(pymupdf: Any, data: bytes, password: str | None) -> tuple[Any, bool]:
    """Open and unlock the PDF, or say why it cannot be; also whether it needed
    the password."""
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except Exception as exc:  # MuPDF raises several types for unreadable files
        raise ImportFailed(f"this PDF is damaged beyond repair: {_reason(exc)}.") from None
    needs_pass = bool(doc.needs_pass)
    if needs_pass:
        if not password:
            doc.close()
            raise PasswordRequired("this PDF is encrypted — give its password "
                                   "(CLI: --password)")
        if not doc.authenticate(password):
            doc.close()
            raise PasswordRequired("wrong password for this encrypted PDF")
    return doc, needs_pass


def _layout(doc: Any, index: int, warnings: list[str]) -> tuple[Any, Any, Any, bool]:
    """A page, its shown size, its rotation (None: upright) and whether it shows
    images; read from the page's dictionaries, without running its content. The page
    is kept for reading its text (loading it again cost ~2 % of a text PDF's import;
    ~1.6 KB a page held): images blanked later are blanked for it too."""
    try:
        page = doc.load_page(index)
        rect = page.rect
        rotate = page.rotation_matrix if page.rotation else None
        images = page.get_images(full=False)
    except Exception as exc:
        raise ImportFailed(f"this PDF is damaged beyond repair: page {index + 1} cannot be "
                           f"read ({_reason(exc)}).") from None
    for image in images:
        if image[2] * image[3] > MAX_IMAGE_PIXELS:
            warnings.append(f"page {index + 1} holds an image of {image[2]} x {image[3]} "
                            "pixels; it may be slow to display")
            break
    return page, rect, rotate, bool(images)


def _blank_images(doc: Any) -> None:
    """Replace every image of the in-memory copy by one grey pixel. Running a page
    for its text still loads its images, and a damaged JBIG2 stream can keep MuPDF
    busy for minutes; the text does not need them. The stored bytes are untouched.
    The image's dictionary is replaced whole (one parse; setting its keys one by one
    cost ~0.1 ms a key, 3x the text extraction of a scanned page)."""
    for xref in range(1, doc.xref_length()):
        try:
            if doc.xref_get_key(xref, "Subtype") != ("name", "/Image"):
                continue
            doc.update_object(xref, _BLANK_IMAGE)
            doc.update_stream(xref, b"\x80", compress=False)
        except Exception:  # a damaged object: text extraction will say so, or not
            continue


def _text(page: Any, index: int, rotate: Any, has_images: bool,
          warnings: list[str]) -> tuple[str, Sequence[tuple], bool]:
    """A page's text, its word boxes in the shown (rotated) page, and whether it is a
    scan: no words, and images (listed, or inline ones, which get_images() does not
    list: looking for those runs the page again, so only where none is listed)."""
    text, words = "", []
    try:
        textpage = page.get_textpage()
        # the text page's own extractors: Page.get_text's Python wrapper cost ~10 %
        found = textpage.extractWORDS()
        box, texts = word_columns(found) if found else (None, ())
        del found  # MuPDF's 8-column tuples: freed before the text is read
        joined = "\n".join(texts)  # a word holds no white space: one string for all
        printed = _printed_text(textpage, len(joined) - len(texts) + 1 if texts else 0)
        text = printed if printed is not None else _clean(textpage.extractText())
        words = _word_boxes(box, texts, joined, rotate)
    except Exception as exc:
        warnings.append(f"the text of page {index + 1} could not be read ({_reason(exc)}); "
                        "the page is kept without text")
        return "", [], has_images
    if words or has_images:
        return text, words, not words
    try:
        inline = bool(page.get_image_info())
    except Exception:
        inline = False
    return text, words, inline


def _printed_text(textpage: Any, letters: int) -> str | None:
    """The page text exactly as ``textpage.extractText()`` gives it, printed by MuPDF
    itself; None where the two could differ. extractText computes every character's
    box to leave out those off the page: 5x MuPDF's own printer, ~15 % of a text
    PDF's import (issue 17). MuPDF's printer keeps them and ends each block with a
    blank line; so this holds when every text block lies inside the page, no
    character but spaces was left out of the words (``letters``: the characters of
    the words; no tab, NUL or U+FFFD either), and the blank lines are exactly the
    block ends: then removing them gives extractText's text."""
    try:
        from pymupdf import mupdf

        stext = textpage.this
        page = stext.m_internal.mediabox
        blocks, block = 0, stext.m_internal.first_block
        while block is not None:
            if block.type == mupdf.FZ_STEXT_BLOCK_TEXT:
                box = block.bbox
                if not (page.x0 < box.x0 and page.y0 < box.y0 and box.x1 < page.x1
                        and box.y1 < page.y1):
                    return None
                blocks += 1
            block = block.next
        buffer = mupdf.fz_new_buffer(4096)
        out = mupdf.FzOutput(buffer)
        mupdf.fz_print_stext_page_as_text(out, stext)
        out.fz_close_output()
        text = mupdf.fz_buffer_extract_copy(buffer).decode("utf-8")
    except Exception:  # another PyMuPDF than the one this was proved with: the long way
        return None
    if (text.count("\n\n") != blocks or "\n\n\n" in text or text.startswith("\n")
            or "\x00" in text or "\ufffd" in text
            or len(text) - text.count(" ") - text.count("\n") != letters):
        return None
    return text.replace("\n\n", "\n")


def _word_boxes(box: Sequence[Sequence[float]], texts: Sequence[str], joined: str,
                rotate: Any) -> Sequence[tuple]:
    """(x0, y0, x1, y1, word) rounded to 0.01 pt, in the shown (rotated) page, from
    the columns of MuPDF's word tuples (in unrotated page space, ``box``), their
    words and those joined by line breaks. The coordinates stay one array until
    something reads the words (``WordBoxes``): a Python loop over 150k words
    (a Rect per word, then round() per coordinate) was most of a text PDF's import
    (issue 17: 2.2x the bare extraction), and the 150k tuples another ~10 %."""
    if not texts:
        return []
    import numpy

    if rotate is not None:
        a, b, c, d, e, f = (rotate.a, rotate.b, rotate.c, rotate.d, rotate.e, rotate.f)
        xa, ya, xb, yb = numpy.array(box, numpy.float64)
        xs = (a * xa + c * ya + e, a * xb + c * yb + e)
        ys = (b * xa + d * ya + f, b * xb + d * yb + f)
        box = numpy.array((numpy.minimum(*xs), numpy.minimum(*ys),
                           numpy.maximum(*xs), numpy.maximum(*ys)))
    if "\x00" in joined or not (joined.isascii() or _encodes(joined)):
        joined = _clean(joined)
        if joined.count("\n") != len(texts) - 1:
            texts = joined = tuple(map(_clean, texts))
    elif joined.count("\n") != len(texts) - 1:  # never so far: MuPDF splits at white space
        joined = texts
    return WordBoxes(numpy.array(box, numpy.float64) if rotate is None else box, joined,
                     len(texts))


def _encodes(text: str) -> bool:
    """Whether the text holds no lone surrogate (what _clean would replace)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _pages(doc: Any, count: int, warnings: list[str]) -> list[ImportedPage]:
    layouts = [_layout(doc, i, warnings) for i in range(count)]
    _blank_images(doc)
    pages = []
    for index, (page, rect, rotate, has_images) in enumerate(layouts):
        layouts[index] = None  # the page goes once its text is read
        text, words, is_scan = _text(page, index, rotate, has_images, warnings)
        pages.append(ImportedPage(number=index + 1, width=round(rect.width, 2),
                                  height=round(rect.height, 2), text=text, words=words,
                                  is_scan=is_scan))
    return pages


def _metadata(doc: Any, encrypted: bool, password_required: bool) -> dict:
    info = doc.metadata or {}
    metadata: dict = {}
    for key in ("author", "creationDate", "producer"):
        value = re.sub(r"\s+", " ", _clean(info.get(key) or "")).strip()
        if value:
            metadata[key] = value
    version = (info.get("format") or "").strip()
    if version:
        metadata["pdf_version"] = version
    if encrypted:
        metadata["encrypted"] = True
        if info.get("encryption"):
            metadata["encryption"] = info["encryption"]
    if password_required:
        metadata["password_required"] = True  # the viewer must ask for it again
    return metadata


@mupdf_locked  # every MuPDF object of the read is made and let go inside
def read_pdf(filename: str, data: bytes, password: str | None = None) -> ImportedSource:
    """Import a PDF: one ImportedPage per page, with its text layer and word boxes.

    The original bytes are stored (encrypted ones stay encrypted; the password is
    never stored). Damage MuPDF repaired becomes a warning; damage it cannot get
    past becomes ImportFailed, so a half-read file is never stored as if whole."""
    if not data:
        raise ImportFailed("the file is empty (0 bytes): there is nothing to import.")
    pymupdf = load_pymupdf()
    pymupdf.TOOLS.mupdf_warnings(reset=True)
    doc, password_required = _open(pymupdf, data, password or None)
    try:
        try:
            info = doc.metadata or {}
            count = doc.page_count
        except Exception as exc:
            raise ImportFailed(f"this PDF is damaged beyond repair: {_reason(exc)}.") from None
        encrypted = password_required or bool(info.get("encryption"))
        if count == 0:
            raise ImportFailed("this PDF is damaged beyond repair: no page could be found "
                               "in it.")
        if count > MAX_PAGES:
            raise ImportFailed(f"this PDF has {count:,} pages; annotator imports PDFs of up "
                               f"to {MAX_PAGES:,} pages — split it first.")
        warnings: list[str] = []
        # no pause of the cyclic collector (there was one while 150k word tuples were
        # built here): the words stay columns, and re-enabling it set off a full
        # collection of the whole process (~25 ms at 300 pages, more in a big one)
        pages = _pages(doc, count, warnings)
        repaired = bool(getattr(doc, "is_repaired", False))
        mupdf_said = pymupdf.TOOLS.mupdf_warnings(reset=True) or ""
        if repaired or "repair" in mupdf_said.lower():
            warnings.insert(0, REPAIRED)
        title = sensible_title(info.get("title"), info.get("creator") or info.get("producer"))
        metadata = _metadata(doc, encrypted, password_required)
    finally:
        doc.close()
    if not any(p.words for p in pages) and not any(p.is_scan for p in pages):
        warnings.append("no page has a text layer or an image: the pages may be blank, or "
                        "hold only drawings")
    return ImportedSource(title=title or title_from_filename(filename),
                          kind=DocumentKind.PAGED, media_type="application/pdf",
                          filename=filename, data=data, pages=pages, metadata=metadata,
                          warnings=warnings)

