"""hOCR: OCR results as HTML (Tesseract's ``hocr`` output, OCRopus, kraken, gImageReader).

Read with the standard library's HTML parser (hOCR is HTML, not always well-formed
XML; no entity but HTML's own is ever expanded): each ``ocr_page`` (its ``title``
gives ``image "file"`` and ``bbox 0 0 w h`` in pixels), its lines (``ocr_line``,
``ocrx_line``, ``ocr_header``, ``ocr_caption``, ``ocr_textfloat``) and their
``ocrx_word``s (``bbox``, ``x_wconf`` 0..100) in document order. The engine is the
``ocr-system`` meta tag."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from annotator.core.errors import ImportFailed
from annotator.core.importers.layer import (
    MAX_LAYER_BYTES,
    Layer,
    LayerLine,
    LayerPage,
    LayerWord,
    confidence,
    number,
)

LINE_CLASSES = {"ocr_line", "ocrx_line", "ocr_header", "ocr_caption", "ocr_textfloat"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
         "source", "track", "wbr"}
_IMAGE = re.compile(r'(?:^|;)\s*image\s+(?:"([^"]*)"|(\S+))')
_BBOX = re.compile(r"(?:^|;)\s*bbox\s+([^\s;]+)\s+([^\s;]+)\s+([^\s;]+)\s+([^\s;]+)")
_WCONF = re.compile(r"(?:^|;)\s*x_wconf\s+([^\s;]+)")


class _Reader(HTMLParser):
    def __init__(self, filename: str) -> None:
        super().__init__(convert_charrefs=True)
        self.filename = filename
        self.layer = Layer("hocr", [])
        self.stack: list[tuple[str, str]] = []  # (tag, role) of open elements
        self.page: LayerPage | None = None
        self.line: LayerLine | None = None
        self.word: LayerWord | None = None
        self.text: list[str] = []

    def _bbox(self, title: str, what: str) -> tuple[float, float, float, float] | None:
        found = _BBOX.search(title)
        if found is None:
            return None
        x0, y0, x1, y1 = (number(v, f"the bbox of {what}", self.filename)
                          for v in found.groups())
        return (x0, y0, x1, y1)

    def handle_decl(self, decl: str) -> None:
        if "ENTITY" in decl.upper():
            raise ImportFailed(f"{self.filename} declares entities in its DOCTYPE; hOCR never "
                               "needs them, and it may be a hostile file. Nothing was "
                               "imported.")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "meta" and values.get("name", "").lower() == "ocr-system":
            self.layer.engine = values.get("content", "")[:200]
        if tag in _VOID:
            return
        classes = set(values.get("class", "").split())
        title = values.get("title", "")
        role = ""
        if "ocr_page" in classes:
            role = "page"
            box = self._bbox(title, "a page") or (0, 0, 0, 0)
            image = _IMAGE.search(title)
            name = (image.group(1) or image.group(2)) if image else ""
            self.page = LayerPage(name, box[2], box[3])
            self.layer.pages.append(self.page)
            self.line = None
        elif classes & LINE_CLASSES and self.page is not None:
            role = "line"
            self.line = LayerLine(self._bbox(title, "a line"))
            self.page.lines.append(self.line)
        elif "ocrx_word" in classes and self.page is not None:
            role = "word"
            wconf = _WCONF.search(title)
            self.word = LayerWord("", self._bbox(title, "a word"),
                                  confidence(wconf.group(1) if wconf else None, 1))
            self.text = []
        self.stack.append((tag, role))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self.word is not None:
            self.text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if not any(t == tag for t, _ in self.stack):
            return  # a stray end tag: HTML forgives it, so do we
        while self.stack:
            name, role = self.stack.pop()
            self._close(role)
            if name == tag:
                break

    def _close(self, role: str) -> None:
        if role == "word" and self.word is not None and self.page is not None:
            self.word.text = " ".join("".join(self.text).split())
            if self.word.text:
                if self.line is None:  # a word outside any line: a line of its own
                    self.line = LayerLine(None)
                    self.page.lines.append(self.line)
                self.line.words.append(self.word)
            self.word = None
        elif role == "line":
            self.line = None
        elif role == "page":
            self.page, self.line = None, None


def read_hocr(data: bytes, filename: str) -> Layer:
    """The pages of an hOCR file; ImportFailed if it has none."""
    if len(data) > MAX_LAYER_BYTES:
        raise ImportFailed(f"{filename} is {len(data) // 2**20} MB; a transcription file "
                           f"can be up to {MAX_LAYER_BYTES // 2**20} MB. Split it by page.")
    reader = _Reader(filename)
    text = data.decode("utf-8", errors="replace")
    reader.feed(text)
    reader.close()
    for page in reader.layer.pages:
        page.lines = [line for line in page.lines if line.words]
    if not reader.layer.pages:
        raise ImportFailed(f"{filename} is HTML without an ocr_page: not an hOCR file.")
    return reader.layer
