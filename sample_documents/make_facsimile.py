"""Generate a typewriter-style *facsimile* of the 1927 letter to Aristide Briand.

This is NOT a scan of the original document.  It renders the English translation
of the letter (the part of ``caucasian_letter_to_briand_1927.txt`` from
"His Excellency" to the end of the signature block) as a 1920s-looking typescript,
rasterises each page, degrades it a little (paper tone, uneven ink, grain, dust,
a slight skew) and writes an image-only PDF, so that the app has a scan-like
paged document to show beside its transcription.

Outputs (next to this script):

* ``letter_to_briand_1927_facsimile.pdf`` - A4, one JPEG image per page, no text layer;
  the PDF metadata says it is a generated facsimile.
* ``letter_to_briand_1927_facsimile.alignment.json`` - ``{"<page>": <offset>}``: for
  each facsimile page (1-based) the Unicode code-point offset in the transcription
  file (as stored, UTF-8 decoded, LF line endings) at which that page's text starts.

Run from the repository root:  ``python sample_documents/make_facsimile.py``

Deterministic (fixed seed, no timestamps in the PDF): running it twice gives
byte-identical files.  Needs PyMuPDF only (no Pillow, no numpy).
"""

from __future__ import annotations

import json
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pymupdf

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "caucasian_letter_to_briand_1927.txt"
OUT_PDF = HERE / "letter_to_briand_1927_facsimile.pdf"
OUT_ALIGN = HERE / "letter_to_briand_1927_facsimile.alignment.json"

LETTER_START = "His Excellency"
LETTER_END = "Head of Mission of the Ukrainian Democratic Republic in France"

SEED = 19270617

# --- typescript layout (PDF points; A4 = 595.3 x 841.9) -------------------------------
FONT_SIZE = 12.0  # Courier 12 pt = 10 characters per inch ("pica")
CHAR_W = 0.6 * FONT_SIZE  # Courier advance width: 7.2 pt
COLS = 65  # characters per line
LEFT = 76.0  # left margin; 65 * 7.2 = 468 pt of text leaves ~51 pt on the right
TOP_FIRST = 104.0  # baseline of the first line on page 1
TOP_CONT = 108.0  # baseline of the first line on continuation pages
PAGE_NO_Y = 58.0  # baseline of "- n -" on continuation pages
BOTTOM = 770.0  # no baseline below this
LINE = 24.0  # double spacing (two 1/6-inch platen clicks)
PARA_GAP = 12.0  # the typist's extra half-line between paragraphs
INDENT = 5  # paragraph indent, in characters

# --- raster / degradation -------------------------------------------------------------
DPI = 150
JPEG_QUALITY = 70
INK_LEVELS = (0.06, 0.13, 0.20, 0.30)  # grey of a key strike (0 = black)
INK_WEIGHTS = (3, 5, 3, 1)


@dataclass
class Line:
    text: str
    offset: int  # code-point offset of text[0] in the source file
    col: int  # starting column (0..COLS-1)
    gap_before: float  # extra space above this line, in points


def load_source() -> str:
    raw = SOURCE.read_bytes()
    if b"\r" in raw:
        sys.exit(f"{SOURCE.name}: expected LF line endings, found CR bytes")
    return raw.decode("utf-8")  # strict; no BOM expected (checked below)


def letter_span(text: str) -> tuple[int, int]:
    start = text.index(LETTER_START)
    end = text.index(LETTER_END, start) + len(LETTER_END)
    return start, end


def wrap(
    para: str, base: int, first_col: int, gap: float, breaks: tuple[str, ...] = ()
) -> list[Line]:
    """Greedy word wrap of one source line; offsets are kept per output line.

    ``breaks`` lists words before which a new line is forced (used to lay out the
    address and signature blocks the way a typist would; no text is changed).
    """
    lines: list[Line] = []
    words = list(re.finditer(r"\S+", para))
    cur: list[re.Match[str]] = []
    col0 = first_col

    def flush() -> None:
        nonlocal cur, col0, gap
        if cur:
            s = para[cur[0].start() : cur[-1].end()]
            lines.append(Line(s, base + cur[0].start(), col0, gap))
            gap = 0.0
        cur = []
        col0 = 0 if first_col == INDENT else first_col

    for w in words:
        if cur and w.group() in breaks:
            flush()
        if cur:
            width = col0 + (w.end() - cur[0].start())
            if width > COLS:
                flush()
        cur.append(w)
    flush()
    return lines


def layout(text: str) -> list[Line]:
    start, end = letter_span(text)
    out: list[Line] = []
    pos = start
    paras = text[start:end].split("\n")
    n = len(paras)
    for i, para in enumerate(paras):
        base = pos
        pos += len(para) + 1
        if not para.strip():
            continue
        if i == 0:  # "His Excellency"
            out += wrap(para, base, 0, 0.0)
        elif i == 1:  # "Mr. Aristide Briand Minister for Foreign Affairs"
            out += wrap(para, base, 0, 0.0, breaks=("Minister",))
        elif para.startswith("Paris,"):  # date, typed towards the right
            out += wrap(para, base, COLS - len(para) - 2, LINE)
        elif para.startswith("Mr. President"):  # salutation
            out += wrap(para, base, 0, LINE)
        elif i >= n - 4:  # signature block
            first = para.startswith("Signed")
            out += wrap(
                para,
                base,
                0,
                LINE + PARA_GAP if first else 0.0,
                breaks=("Chairman",) if first else (),
            )
        else:  # body paragraph (and the closing formula)
            out += wrap(para, base, INDENT, PARA_GAP)
    return out


def paginate(lines: list[Line]) -> list[list[tuple[Line, float]]]:
    pages: list[list[tuple[Line, float]]] = [[]]
    y = TOP_FIRST
    for ln in lines:
        if pages[-1]:
            y += LINE + ln.gap_before
        if y > BOTTOM:
            pages.append([])
            y = TOP_CONT
        pages[-1].append((ln, y))
    return pages


def type_page(
    page: pymupdf.Page, rows: list[tuple[Line, float]], number: int, rng: random.Random
) -> None:
    """Strike every character separately: uneven ink, a wobbly baseline, a skewed sheet."""
    font = pymupdf.Font("cour")
    writers = [pymupdf.TextWriter(page.rect) for _ in INK_LEVELS]
    # the sheet sits a little crooked and shifted in the typewriter
    angle = rng.choice((-1, 1)) * rng.uniform(0.4, 0.8)
    shift = pymupdf.Matrix(1, 0, 0, 1, rng.uniform(-4, 4), rng.uniform(-3, 5))
    morph = (
        pymupdf.Point(page.rect.width / 2, page.rect.height / 2),
        pymupdf.Matrix(angle) * shift,
    )

    def strike(x: float, y: float, ch: str) -> None:
        if ch == " ":
            return
        k = rng.choices(range(len(INK_LEVELS)), INK_WEIGHTS)[0]
        dx, dy = rng.uniform(-0.25, 0.25), rng.uniform(-0.35, 0.35)
        # the type face bites into the ribbon and paper: ink spreads ~0.3 pt, which we
        # imitate by striking every glyph twice, slightly offset (Courier is too thin)
        for ox, oy in ((0.0, 0.0), (0.32, 0.08)):
            writers[k].append((x + dx + ox, y + dy + oy), ch, font=font, fontsize=FONT_SIZE)
        if rng.random() < 0.03:  # a heavy key strike
            writers[0].append((x + dx + 0.16, y + dy + 0.2), ch, font=font, fontsize=FONT_SIZE)

    def type_line(s: str, col: float, y: float) -> None:
        drift = rng.uniform(-0.4, 0.4)  # each line is fed a touch differently
        for j, ch in enumerate(s):
            strike(LEFT + (col + j) * CHAR_W, y + drift, ch)

    if number > 1:
        label = f"- {number} -"
        type_line(label, (COLS - len(label)) / 2, PAGE_NO_Y)
    for ln, y in rows:
        type_line(ln.text, ln.col, y)
    for w, grey in zip(writers, INK_LEVELS, strict=True):
        w.write_text(page, color=(grey, grey, grey), morph=morph)

    # dust specks on the scanner glass: in the margins only, so that none can be
    # mistaken for punctuation in the text
    pw, ph = page.rect.width, page.rect.height
    margins = [
        (8, 8, 60, ph - 8),
        (pw - 40, 8, pw - 8, ph - 8),
        (8, 8, pw - 8, 40),
        (8, ph - 50, pw - 8, ph - 8),
    ]
    for _ in range(rng.randint(4, 9)):
        x0, y0, x1, y1 = rng.choice(margins)
        c = pymupdf.Point(rng.uniform(x0, x1), rng.uniform(y0, y1))
        g = rng.uniform(0.3, 0.65)
        page.draw_circle(c, rng.uniform(0.3, 1.0), color=None, fill=(g, g, g))


def _box_blur(a: list[float], w: int, h: int) -> list[float]:
    out = []
    for y in range(h):
        for x in range(w):
            t = n = 0.0
            for yy in range(max(0, y - 1), min(h, y + 2)):
                for xx in range(max(0, x - 1), min(w, x + 2)):
                    t += a[yy * w + xx]
                    n += 1
            out.append(t / n)
    return out


def lut(fn) -> bytes:
    return bytes(max(0, min(255, int(round(fn(v))))) for v in range(256))


def degrade(pix: pymupdf.Pixmap, rng: random.Random) -> pymupdf.Pixmap:
    """Paper tone, blotchy ink/paper unevenness and grain, with byte-table and big-int ops.

    Every image byte is first mapped into 28..222 (ink..paper); two non-negative noise
    fields whose sum stays <= 27 are then added.  Because no byte can exceed 255 the
    three buffers can be added as big integers without any carry between pixels.
    """
    w, h = pix.width, pix.height
    assert pix.n == 1 and not pix.alpha and pix.stride == w
    base = pix.samples.translate(lut(lambda v: 28 + v * (222 - 28) / 255))

    # low-frequency field: uneven paper and ribbon, a little darker towards the edges.
    # White noise on a coarse grid, blurred, then scaled up in two steps (smooth clouds).
    cell = 32
    sw, sh = w // cell + 3, h // cell + 3
    grid = [rng.random() for _ in range(sw * sh)]
    for _ in range(2):
        grid = _box_blur(grid, sw, sh)
    lo, hi = min(grid), max(grid)
    small = bytearray(sw * sh)
    for yy in range(sh):
        for xx in range(sw):
            v = (grid[yy * sw + xx] - lo) / (hi - lo)  # 0..1
            edge = min(xx, sw - 1 - xx, yy, sh - 1 - yy) / 3.0  # 0 at the border
            small[yy * sw + xx] = round(4 + 14 * v * min(1.0, 0.35 + 0.65 * edge))
    field = pymupdf.Pixmap(pymupdf.csGRAY, sw, sh, bytes(small), False)
    field = pymupdf.Pixmap(field, sw * 4, sh * 4, None)
    field = pymupdf.Pixmap(field, w, h, None)
    assert field.width == w and field.height == h and field.stride == w
    blotch = field.samples

    # high-frequency grain, mostly small, sometimes a lighter spot in a letter
    grain = rng.randbytes(w * h).translate(lut(lambda v: 0 if v < 96 else (4 if v < 250 else 9)))

    total = (
        int.from_bytes(base, "big") + int.from_bytes(blotch, "big") + int.from_bytes(grain, "big")
    )
    out = total.to_bytes(w * h, "big")
    res = pymupdf.Pixmap(pymupdf.csGRAY, w, h, out, False)
    res.set_dpi(DPI, DPI)
    return res


def main() -> int:
    text = load_source()
    if text.startswith("\ufeff"):
        sys.exit(f"{SOURCE.name}: unexpected BOM")
    rng = random.Random(SEED)
    lines = layout(text)

    # self-check: the facsimile carries exactly the words of the letter, in order
    start, end = letter_span(text)
    typed_words = " ".join(ln.text for ln in lines).split()
    assert typed_words == text[start:end].split(), "layout lost or changed words"
    for ln in lines:
        assert text[ln.offset : ln.offset + len(ln.text)] == ln.text
        assert ln.col + len(ln.text) <= COLS, ln.text

    pages = paginate(lines)
    alignment = {str(i + 1): rows[0][0].offset for i, rows in enumerate(pages)}

    zoom = DPI / 72
    draft = pymupdf.open()
    out = pymupdf.open()
    for i, rows in enumerate(pages):
        page = draft.new_page(width=595.28, height=841.89)  # A4
        type_page(page, rows, i + 1, rng)
        pix = page.get_pixmap(
            matrix=pymupdf.Matrix(zoom, zoom), colorspace=pymupdf.csGRAY, alpha=False
        )
        pix = degrade(pix, rng)
        jpeg = pix.tobytes("jpeg", jpg_quality=JPEG_QUALITY)
        opage = out.new_page(width=page.rect.width, height=page.rect.height)
        opage.insert_image(opage.rect, stream=jpeg)

    out.set_metadata(
        {
            "title": "Letter to Aristide Briand, 17 June 1927 \u2014 generated facsimile",
            "subject": (
                "Generated typewriter-style rendering of the English translation of the letter of "
                "17 June 1927 from the representatives of Azerbaijan, Georgia, the North Caucasus "
                "and Ukraine in France to Aristide Briand, rasterised with artificial skew and noise "
                "by sample_documents/make_facsimile.py. It is NOT a scan or image of the original "
                "document."
            ),
            "keywords": "generated facsimile; not an original document; sample document",
            "creator": "annotator sample_documents/make_facsimile.py",
            "producer": f"PyMuPDF {pymupdf.VersionBind}",
            "author": "",
            "creationDate": "",
            "modDate": "",
        }
    )
    OUT_PDF.write_bytes(out.tobytes(garbage=4, deflate=True, no_new_id=True))
    OUT_ALIGN.write_text(json.dumps(alignment, indent=2) + "\n", encoding="utf-8")

    # verify what was written
    check = pymupdf.open(OUT_PDF)
    assert check.page_count == len(pages)
    for p in check:
        assert p.get_text().strip() == "", "facsimile must have no text layer"
        assert len(p.get_images()) == 1 and not p.get_fonts()
    for k, off in alignment.items():
        first = pages[int(k) - 1][0][0].text
        assert text[off : off + len(first)] == first
    size = OUT_PDF.stat().st_size
    assert size < 1_500_000, size
    print(f"{OUT_PDF.name}: {check.page_count} pages, {size} bytes")
    print(f"{OUT_ALIGN.name}: {json.dumps(alignment)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
