"""Recognising text on scans, offline: Tesseract turns an image-only page into a text
layer (words with boxes in page points, their line and confidence) that search,
suggestions, selection and alignment read like any other.

Why the ``tesseract`` program (TSV output, one process per page) and not a binding
(benchmarks/ocr.py measured all three on the corpus pages with ground truth):

- it *is* raw Tesseract: fed the same pixels, our text is the text a scholar gets at
  the command line, character for character (Kant 1784 Fraktur CER 0.122 both);
  ``tesserocr``'s wheel bundles libtesseract 5.5, whose output differs slightly from
  the system's 5.3 (linn 0.0107 vs 0.0103), and PyMuPDF's ``get_textpage_ocr`` lost
  whole columns (linn CER 0.38, the UNLV page 0.77) and gives no word confidence;
- no new Python dependency: the language data must come from the system anyway;
- a page in flight can be cancelled by ending its process, and a crash of the engine
  cannot take the workbench with it.

A page is recognised outside any transaction (seconds of work); only storing it is
one (:func:`store_page`), so a cancelled or killed run keeps every finished page and
never half of one. The pages of one run fold into one undo step (``coalesce``).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from annotator.core.changes import OpChanges, OpResult
from annotator.core.errors import AnnotatorError
from annotator.core.model import Document, DocumentKind
from annotator.core.util import dumps, new_id, now

if TYPE_CHECKING:
    from annotator.core.project import Project

#: Tesseract reads best with a capital letter 20-30 pixels high, ~300 dpi for book
#: print; a PDF page is rendered at its scan's own resolution within these bounds
#: (more invents no detail and costs time, less loses strokes), 300 dpi when the page
#: shows no image.
MIN_DPI, DEFAULT_DPI, MAX_DPI = 200, 300, 400
MAX_PIXELS = 60_000_000  # one rendered page (an A3 page at 400 dpi is ~31 million)
#: Tesseract's model names for the languages a document's metadata may name.
_LANGUAGE_CODES = {
    "en": "eng", "english": "eng", "fr": "fra", "french": "fra", "français": "fra",
    "de": "deu", "german": "deu", "deutsch": "deu", "ru": "rus", "russian": "rus",
    "it": "ita", "es": "spa", "la": "lat", "latin": "lat", "pl": "pol", "nl": "nld",
    "pt": "por", "uk": "ukr", "cs": "ces", "sv": "swe", "da": "dan", "el": "ell",
}
#: Debian/Ubuntu package of each model (the script models have their own names).
_DEBIAN = {"Latin": "script-latn", "Cyrillic": "script-cyrl", "Fraktur": "script-frak"}
#: Not languages: orientation and script detection, equations.
_NOT_LANGUAGES = {"osd", "equ"}


class OcrUnavailable(AnnotatorError):
    """Tesseract (or a language of it) is not installed; the message says how to."""


class Cancelled(AnnotatorError):
    """The scholar stopped the run; the pages finished so far are kept."""


# -- the engine -----------------------------------------------------------------------


def install_hint(languages: Sequence[str] = ()) -> str:
    """The command that installs Tesseract with ``languages``, for this system."""
    if sys.platform == "darwin":
        return "brew install tesseract tesseract-lang"
    if sys.platform == "win32":
        return ("the Tesseract installer of UB Mannheim (github.com/UB-Mannheim/tesseract/"
                "wiki), with the languages ticked, then put tesseract.exe on the PATH")
    wanted = [lang for lang in languages if lang] or ["eng", "fra", "deu", "rus", "frk"]
    packages = [f"tesseract-ocr-{_DEBIAN.get(lang, lang.lower())}" for lang in wanted]
    return "sudo apt-get install tesseract-ocr " + " ".join(packages)


def tesseract_program() -> str | None:
    """The tesseract program ($ANNOTATOR_TESSERACT, else the one on the PATH)."""
    return os.environ.get("ANNOTATOR_TESSERACT") or shutil.which("tesseract")


@dataclass(frozen=True, slots=True)
class Engine:
    program: str
    version: str  # "tesseract 5.3.0"
    languages: tuple[str, ...]  # installed models, scripts included ("Latin", "frk")


@functools.cache
def _engine(program: str) -> Engine:
    try:
        version = subprocess.run([program, "--version"], capture_output=True, text=True,
                                 timeout=30, env=_env())
        listed = subprocess.run([program, "--list-langs"], capture_output=True, text=True,
                                timeout=30, env=_env())
    except (OSError, subprocess.SubprocessError) as exc:
        raise OcrUnavailable(f"Tesseract could not be run ({exc}); install it with: "
                             f"{install_hint()}") from None
    first = (version.stdout or version.stderr).strip().splitlines()
    names = [line.strip() for line in listed.stdout.splitlines()[1:] if line.strip()]
    languages = tuple(n.removeprefix("script/") for n in names
                      if n not in _NOT_LANGUAGES and re.fullmatch(r"[\w/.-]+", n))
    return Engine(program, first[0] if first else "tesseract", languages)


def engine() -> Engine:
    """The installed Tesseract and its languages; OcrUnavailable says what to install."""
    program = tesseract_program()
    if not program:
        raise OcrUnavailable("recognising text needs Tesseract, which is not installed. "
                             f"Install it with: {install_hint()}")
    found = _engine(program)
    if not found.languages:
        raise OcrUnavailable("Tesseract is installed without any language. Install "
                             f"languages with: {install_hint()}")
    return found


def check_languages(spec: str, installed: Sequence[str]) -> str:
    """``spec`` ("eng+fra") checked against what is installed, tidied."""
    wanted = [part.strip() for part in re.split(r"[+,\s]+", spec or "") if part.strip()]
    if not wanted:
        raise AnnotatorError("name at least one language to recognise (e.g. eng, or eng+fra).")
    missing = [lang for lang in wanted if lang not in installed]
    if missing:
        raise OcrUnavailable(
            f"Tesseract has no {', '.join(missing)} language model here (installed: "
            f"{', '.join(installed) or 'none'}). Install it with: {install_hint(missing)}")
    return "+".join(dict.fromkeys(wanted))


def default_languages(document: Document, installed: Sequence[str]) -> str:
    """The languages last used on this document, else its language field's, else
    English (or the first installed)."""
    remembered = str(document.metadata.get("ocr_language") or "")
    if remembered and all(p in installed for p in remembered.split("+")):
        return remembered
    field_value = (document.language or "").strip().casefold()
    code = _LANGUAGE_CODES.get(field_value) or _LANGUAGE_CODES.get(field_value[:2])
    if field_value in installed:
        code = field_value
    for candidate in (code, "eng"):
        if candidate and candidate in installed:
            return candidate
    return installed[0] if installed else "eng"


def _env() -> dict[str, str]:
    # one thread per page: on a loaded 2-core machine OpenMP made a page 2-3x slower
    # (Kant 1784: 8.1 s with OpenMP, 2.8 s without; benchmarks/ocr.py)
    env = dict(os.environ)
    env.setdefault("OMP_THREAD_LIMIT", "1")
    return env


# -- one page -------------------------------------------------------------------------


@dataclass(slots=True)
class PageImage:
    """The pixels Tesseract reads, and their size, to turn its boxes into points."""

    data: bytes  # an image file (the source's own bytes, or a rendered PNG)
    width: int
    height: int
    dpi: int  # 0: the image file says its own


@dataclass(slots=True)
class RecognisedPage:
    number: int
    text: str
    words: list[tuple] = field(default_factory=list)
    language: str = ""
    engine: str = ""
    dpi: int = 0
    seconds: float = 0.0


def _orientation(metadata: dict, number: int) -> int:
    """The EXIF orientation MuPDF does not apply itself (1: none)."""
    from annotator.core.importers.image import turns_to_apply

    return turns_to_apply(metadata).get(number, 1)


def _scan_dpi(page: Any) -> float:
    """The resolution of the largest image the page shows (0 if none)."""
    best, area = 0.0, 0.0
    for info in page.get_image_info():
        x0, y0, x1, y1 = info["bbox"]
        if x1 - x0 > 1 and (x1 - x0) * (y1 - y0) > area:
            area = (x1 - x0) * (y1 - y0)
            best = info["width"] / (x1 - x0) * 72
    return best


#: EXIF orientation -> (rotation in degrees, mirror left-right first) to show it upright
_TURNS = {2: (0, True), 3: (180, False), 4: (180, True), 5: (270, True), 6: (90, False),
          7: (90, True), 8: (270, False)}


def page_image(pdoc: Any, number: int, media_type: str, metadata: dict,
               data: bytes) -> PageImage:
    """What Tesseract reads for page ``number`` of an open PyMuPDF document: the image
    file itself for a one-page PNG, JPEG or TIFF shown as stored (exactly the pixels
    raw Tesseract reads: MuPDF's colour management changes JPEG pixels, which cost
    the Kant page 4 points of CER), else the page rendered in colour at the scan's
    resolution (colour: Tesseract's own binarisation read better than MuPDF's grey)."""
    import pymupdf

    page = pdoc.load_page(number - 1)
    turn = _orientation(metadata, number)
    native = _scan_dpi(page)
    if (media_type in ("image/png", "image/jpeg", "image/tiff") and pdoc.page_count == 1
            and turn == 1 and metadata.get("mupdf_applies_orientation", True) is not False
            and not (media_type == "image/jpeg" and metadata.get("orientation", 1) != 1)):
        info = page.get_image_info()
        if info:
            return PageImage(data, int(info[0]["width"]), int(info[0]["height"]), 0)
    dpi = round(min(MAX_DPI, max(MIN_DPI, native))) if native else DEFAULT_DPI
    rect = page.rect
    zoom = dpi / 72
    if rect.width * rect.height * zoom * zoom > MAX_PIXELS:
        zoom = (MAX_PIXELS / (rect.width * rect.height)) ** 0.5
        dpi = round(zoom * 72)
    matrix = pymupdf.Matrix(zoom, zoom)
    degrees, mirror = _TURNS.get(turn, (0, False))
    if mirror:
        matrix = pymupdf.Matrix(-1, 0, 0, 1, 0, 0) * matrix
    if degrees:
        matrix = matrix * pymupdf.Matrix(degrees)
    pix = page.get_pixmap(matrix=matrix, colorspace=pymupdf.csRGB, alpha=False)
    pix.set_dpi(dpi, dpi)
    return PageImage(pix.tobytes("png"), pix.width, pix.height, dpi)


def run_tesseract(image: PageImage, language: str, *,
                  cancelled: Callable[[], bool] | None = None) -> str:
    """Tesseract's TSV for one image; ends its process when ``cancelled()`` says so."""
    import tempfile

    program = engine().program
    # the image goes by a private file: Popen.communicate cannot resume writing stdin
    # after a timeout, and the timeout is what lets a run be cancelled mid-page
    with tempfile.TemporaryDirectory(prefix="annotator-ocr-") as folder:
        path = os.path.join(folder, "page")
        with open(path, "wb") as fh:
            fh.write(image.data)
        command = [program, path, "-", "-l", language]
        if image.dpi:
            command += ["--dpi", str(image.dpi)]
        proc = subprocess.Popen([*command, "tsv"], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env())
        try:
            while True:
                try:
                    out, err = proc.communicate(timeout=0.2)
                    break
                except subprocess.TimeoutExpired:
                    if cancelled is not None and cancelled():
                        raise Cancelled("recognition cancelled") from None
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    if proc.returncode != 0:
        reason = err.decode("utf-8", "replace").strip().splitlines()
        raise AnnotatorError(f"Tesseract failed on this page: {(reason or ['no reason'])[-1]}")
    return out.decode("utf-8", "replace")


def parse_tsv(tsv: str, sx: float, sy: float) -> tuple[list[tuple], str]:
    """Words (x0, y0, x1, y1, word, line, confidence) in page points and the page's
    text (lines joined by a line break, blocks by a blank line) from Tesseract's TSV;
    ``sx``, ``sy``: points per pixel."""
    words: list[tuple] = []
    lines: list[list[str]] = []
    keys: dict[tuple[str, str, str], int] = {}
    block_of: list[str] = []
    for row in tsv.splitlines()[1:]:
        f = row.split("\t")
        if len(f) < 12 or f[0] != "5":
            continue
        text = "\t".join(f[11:]).strip()
        if not text:
            continue
        try:
            left, top, width, height = (int(v) for v in f[6:10])
            confidence = round(float(f[10]), 1)
        except ValueError:
            continue
        key = (f[2], f[3], f[4])
        line = keys.get(key)
        if line is None:
            line = keys[key] = len(lines)
            lines.append([])
            block_of.append(f[2])
        lines[line].append(text)
        words.append((round(left * sx, 2), round(top * sy, 2), round((left + width) * sx, 2),
                      round((top + height) * sy, 2), text, line,
                      confidence if confidence >= 0 else -1))
    parts: list[str] = []
    for i, line_words in enumerate(lines):
        if i:
            parts.append("\n\n" if block_of[i] != block_of[i - 1] else "\n")
        parts.append(" ".join(line_words))
    return words, "".join(parts)


def recognise_page(pdoc: Any, document: Document, number: int, language: str, data: bytes,
                   *, cancelled: Callable[[], bool] | None = None) -> RecognisedPage:
    """Recognise page ``number`` (no project needed: a worker thread may call this,
    with its own PyMuPDF document)."""
    from annotator.core.importers.pdf import MUPDF_LOCK

    started = time.perf_counter()
    with MUPDF_LOCK:  # MuPDF is single-threaded; Tesseract runs outside the lock
        image = page_image(pdoc, number, document.media_type, document.metadata, data)
        rect = pdoc.load_page(number - 1).rect
    tsv = run_tesseract(image, language, cancelled=cancelled)
    turned = _orientation(document.metadata, number) in (5, 6, 7, 8)
    width, height = (rect.height, rect.width) if turned else (rect.width, rect.height)
    words, text = parse_tsv(tsv, width / max(image.width, 1), height / max(image.height, 1))
    return RecognisedPage(number, text, words, language, engine().version, image.dpi,
                          round(time.perf_counter() - started, 3))


# -- which pages, and storing them ----------------------------------------------------


def parse_pages(spec: str | None, page_count: int) -> list[int]:
    """ "1-5,8" -> [1, 2, 3, 4, 5, 8]; None or "" -> every page."""
    if not spec:
        return list(range(1, page_count + 1))
    found: list[int] = []
    for part in spec.split(","):
        match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d*)\s*)?", part)
        if not match:
            raise AnnotatorError(f"pages {spec!r}: write them as 1-5,8.")
        first = int(match.group(1))
        last = first if match.group(2) is None else int(match.group(2) or page_count)
        if first < 1 or last > page_count or first > last:
            raise AnnotatorError(f"pages {spec!r}: this document has pages 1 to {page_count}.")
        found.extend(range(first, last + 1))
    return list(dict.fromkeys(found))


def layer_source(document: Document, number: int, has_words: bool) -> str:
    """Where page ``number``'s text layer came from ('' when it has none)."""
    layers = document.metadata.get("text_layers")
    entry = layers.get(str(number)) if isinstance(layers, dict) else None
    if isinstance(entry, dict) and entry.get("source") and has_words:
        return str(entry["source"])
    return "born-digital" if has_words else ""


@dataclass(slots=True)
class Plan:
    """The pages a run will recognise, and those it leaves with the reason."""

    document: Document
    pages: list[int]
    skipped: dict[int, str]


def plan(project: Project, document_id: str, pages: str | None = None, *,
         force: bool = False) -> Plan:
    """Which pages to recognise: the ones asked for, less those that already have a
    text layer (born-digital, imported, recognised) unless ``force``."""
    document = project.documents.get(document_id)
    if document is None or document.deleted:
        raise AnnotatorError(f"no document {document_id!r} in this project.")
    if document.kind != DocumentKind.PAGED:
        raise AnnotatorError(f"“{document.title}” is a text, not a scan: there is nothing "
                             "to recognise.")
    wanted = parse_pages(pages, document.page_count)
    has_words = dict(project.conn.execute(
        "SELECT number, words NOT IN ('', '[]') FROM pages WHERE document_id = ?",
        (document_id,)).fetchall())
    todo, skipped = [], {}
    for number in wanted:
        source = layer_source(document, number, bool(has_words.get(number)))
        if source and not force:
            skipped[number] = f"it has a text layer ({source}); --force recognises it again"
        else:
            todo.append(number)
    return Plan(document, todo, skipped)


def store_page(project: Project, document_id: str, page: RecognisedPage, *,
               label: str = "", coalesce: str = "") -> OpResult[RecognisedPage]:
    """Store one recognised page as its text layer, in one transaction of its own
    (the run's pages fold into one undo step by ``coalesce``). The document's
    modified_at moves, which is what the search index watches."""
    stamp = now()
    with project.transaction(label or f"Recognise text, page {page.number}",
                             coalesce=coalesce) as conn:
        row = conn.execute("SELECT metadata FROM documents WHERE id = ? AND deleted = 0",
                           (document_id,)).fetchone()
        if row is None:
            raise AnnotatorError("the document was deleted while its text was recognised.")
        from annotator.core.util import loads

        metadata = loads(row[0], {})
        metadata = metadata if isinstance(metadata, dict) else {}
        layers = metadata.get("text_layers")
        layers = dict(layers) if isinstance(layers, dict) else {}
        layers[str(page.number)] = {"source": "ocr", "engine": page.engine,
                                    "language": page.language, "date": stamp[:10],
                                    **({"dpi": page.dpi} if page.dpi else {})}
        metadata["text_layers"] = dict(sorted(layers.items(), key=lambda kv: _int(kv[0])))
        metadata["ocr_language"] = page.language
        updated = conn.execute(
            "UPDATE pages SET text = ?, words = ? WHERE document_id = ? AND number = ?",
            (page.text, dumps([list(w) for w in page.words]), document_id, page.number))
        if updated.rowcount != 1:
            raise AnnotatorError(f"the document has no page {page.number}.")
        conn.execute("UPDATE documents SET metadata = ?, modified_at = ? WHERE id = ?",
                     (dumps(metadata), stamp, document_id))
    return OpResult(page, OpChanges(documents={document_id}))


def _int(text: str) -> int:
    return int(text) if text.isdigit() else 0


def run_key(document_id: str) -> str:
    """The coalesce key of one run: its pages become one undo step."""
    return f"ocr:{document_id}:{new_id()}"


def recognise_document(project: Project, document_id: str, *, language: str | None = None,
                       pages: str | None = None, force: bool = False,
                       progress: Callable[[int, int, int], bool] | None = None) -> Plan:
    """Recognise the pages of a document one by one, each stored as soon as it is
    read. ``progress(done, total, page)`` is called before each page; False stops
    (what is stored stays). Returns the plan that was run."""
    import pymupdf

    found = engine()
    work = plan(project, document_id, pages, force=force)
    document = work.document
    language = check_languages(language or default_languages(document, found.languages),
                               found.languages)
    if not work.pages:
        return work
    data = project.documents.data(document_id)
    from annotator.core.importers.pdf import MUPDF_LOCK, load_pymupdf

    load_pymupdf()
    filetype = document.media_type.split("/")[-1]
    with MUPDF_LOCK:
        pdoc = pymupdf.open(stream=data, filetype="pdf" if filetype == "pdf" else filetype)
    key = run_key(document_id)
    label = f"Recognise text on “{document.title}”"
    try:
        for done, number in enumerate(work.pages):
            if progress is not None and progress(done, len(work.pages), number) is False:
                raise Cancelled(f"stopped after {done} page(s)")
            page = recognise_page(pdoc, document, number, language, data)
            store_page(project, document_id, page, label=label, coalesce=key)
        if progress is not None:
            progress(len(work.pages), len(work.pages), 0)
    finally:
        with MUPDF_LOCK:
            pdoc.close()
    return work


def page_texts(project: Project, document_id: str, pages: str | None = None) -> list[str]:
    """A text document's text (one item), or a paged document's text layer page by page."""
    document = project.documents.get(document_id)
    if document is None or document.deleted:
        raise AnnotatorError(f"no document {document_id!r} in this project.")
    if document.kind == DocumentKind.TEXT:
        if pages:
            raise AnnotatorError(f"“{document.title}” is a text without pages; leave out --pages.")
        return [project.documents.text(document_id)]
    wanted = set(parse_pages(pages, document.page_count))
    return [p.text for p in project.documents.pages(document_id) if p.number in wanted]

