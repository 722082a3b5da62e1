"""Deterministic test data: texts, annotations, project files and PDFs.

Everything comes from fixed seeds, so two runs measure the same work. Generated PDFs
are cached under ``benchmarks/out/data`` (git-ignored); projects are built per run
in the run's scratch folder and copied before every case that writes to them.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from benchmarks.harness import OUT

DATA = OUT / "data"
GENERATOR = 1  # bump when generated files change shape, so cached ones are remade

#: The annotations columns in table order, as a raw INSERT writes them.
COLUMNS = ("id", "document_id", "author_id", "start_offset", "end_offset", "exact", "prefix",
           "suffix", "page", "x", "y", "w", "h", "quads", "note", "color", "entity_id",
           "date_value", "anchor_state", "created_at", "modified_at", "deleted")
INSERT = (f"INSERT INTO annotations ({', '.join(COLUMNS)}) "
          f"VALUES ({', '.join('?' * len(COLUMNS))})")
STAMP = "2026-11-23T12:00:00.000000Z"

_SYLLABLES = ("ka", "ri", "to", "men", "sa", "lo", "vi", "de", "na", "bor", "el", "tre",
              "gu", "an", "is", "pol", "ser", "u", "o", "ch", "zh", "ev", "ov", "ia", "é", "ü")
_NAMES = ("Briand", "Herriot", "Krasin", "Paris", "Moscow", "Tiflis", "Baku", "Kiev",
          "treaty", "recognition", "delegation", "government", "republic", "debt", "loan")


def vocabulary(rng: random.Random, size: int = 4000) -> list[str]:
    words = set(_NAMES)
    while len(words) < size:
        words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 4))))
    return sorted(words)


def make_text(seed: int, chars: int) -> str:
    """About ``chars`` code points of prose-like text in paragraphs of 40-160 words,
    word frequencies Zipf-like (so a search finds common and rare words), with an
    occasional character beyond the BMP (so UTF-16 offsets differ from code points)."""
    rng = random.Random(seed)
    vocab = vocabulary(random.Random(7))
    cum, total = [], 0.0
    for rank in range(len(vocab)):
        total += 1.0 / (rank + 1)
        cum.append(total)
    words = rng.choices(vocab, cum_weights=cum, k=chars // 6 + 100)
    out, size, i = [], 0, 0
    while size < chars:
        n = rng.randint(40, 160)
        para = " ".join(words[i:i + n]) + ("." if rng.random() < 0.97 else " 𐌰𐌱.")
        para = para[0].upper() + para[1:]
        i = (i + n) % (len(words) - 200)
        out.append(para)
        size += len(para) + 1
    return "\n".join(out)[:chars]


@dataclass
class Store:
    """A project of text documents with their annotations, and what built it."""

    path: Path
    doc_ids: list[str]
    tag_ids: list[str]
    author_id: str
    texts: dict[str, str]


def create_project(path: Path, texts: list[tuple[str, str]], author: str = "Bench Historian",
                   themes: int = 5) -> Store:
    """A fresh project with the default codebook, ``themes`` theme tags and the texts
    (title, text) as text documents; no annotations yet."""
    from annotator.core.importers.base import ImportedSource
    from annotator.core.model import DocumentKind, TagKind
    from annotator.core.project import Project

    path.unlink(missing_ok=True)
    with Project.create(path, "Benchmark", author=author) as project:
        for i in range(themes):
            project.tags.create(f"Theme {i + 1}", TagKind.THEME)
        tag_ids = [t.id for t in project.tags.list()]
        doc_ids, by_id = [], {}
        with project.transaction():  # one commit for all the documents
            for title, text in texts:
                source = ImportedSource(title, DocumentKind.TEXT, "text/plain", f"{title}.txt",
                                        text.encode("utf-8"), text=text)
                doc = project.documents.add_source(source)
                doc_ids.append(doc.id)
                by_id[doc.id] = text
        with project.transaction():
            author_id = project.author_id()
    return Store(path, doc_ids, tag_ids, author_id, by_id)


def make_annotations(seed: int, store: Store, per_doc: int, author_id: str | None = None):
    """``per_doc`` text annotations on each document of ``store`` (passages of 3-60
    code points, one or two tags, a note on every tenth), as the core's Annotation."""
    import uuid

    from annotator.core.anchoring import describe
    from annotator.core.model import AnchorState, Annotation

    rng = random.Random(seed)
    author_id = author_id or store.author_id
    out = []
    for doc_id in store.doc_ids:
        text = store.texts[doc_id]
        starts = sorted(rng.randrange(0, len(text) - 64) for _ in range(per_doc))
        for start in starts:
            end = start + rng.randint(3, 60)
            tags = [rng.choice(store.tag_ids)]
            if rng.random() < 0.15:
                tags.append(rng.choice(store.tag_ids))
            out.append(Annotation(
                str(uuid.UUID(int=rng.getrandbits(128), version=4)), doc_id, author_id, describe(text, start, end),
                None, list(dict.fromkeys(tags)), "A note on this passage." if rng.random() < 0.1
                else "", "", None, "", AnchorState.OK, STAMP, STAMP))
    return out


def raw_rows(annotations) -> tuple[list[tuple], list[tuple[str, str]]]:
    """The same annotations as prepared tuples for a raw executemany (rows, tag rows)."""
    rows, tags = [], []
    for a in annotations:
        t = a.text
        rows.append((a.id, a.document_id, a.author_id, t.start, t.end, t.exact, t.prefix,
                     t.suffix, None, None, None, None, None, None, a.note, a.color,
                     a.entity_id, a.date_value, "ok", a.created_at, a.modified_at, 0))
        tags.extend((a.id, tag) for tag in a.tag_ids)
    return rows, tags


def store_project(path: Path, seed: int, documents: int, doc_chars: int,
                  per_doc: int) -> Store:
    """``documents`` texts of ``doc_chars`` each, ``per_doc`` annotations on each."""
    from annotator.core.project import Project

    store = create_project(path, [(f"Document {i + 1:04d}", make_text(seed + i, doc_chars))
                                  for i in range(documents)])
    if per_doc:
        with Project.open(path) as project:
            project.annotations.add_many(make_annotations(seed, store, per_doc))
    return store


def copy_project(src: Path, dst: Path) -> Path:
    """A copy of a closed project file (its WAL was checkpointed on close)."""
    for suffix in ("-wal", "-shm"):
        Path(str(dst) + suffix).unlink(missing_ok=True)
    shutil.copyfile(src, dst)
    with open(dst, "rb+") as fh:  # on disk now, not flushed under a later timing
        os.fsync(fh.fileno())
    return dst


def raw_connect(path: Path) -> sqlite3.Connection:
    """A bare connection set up as the project's: WAL, synchronous FULL, foreign keys."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    return conn


def remove_project(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


# -- PDFs ------------------------------------------------------------------------------


def scanned_pdf(pages: int) -> Path:
    """A ``pages``-page scanned PDF: every page its own grey JPEG of an A4 sheet at
    150 dpi (paper grain, lines of dark "writing", a page number), cached on disk."""
    path = DATA / f"scan-{pages}-g{GENERATOR}.pdf"
    if path.exists():
        return path
    import numpy as np
    import pymupdf

    DATA.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1927)
    width, height = 1240, 1754  # A4 at 150 dpi
    base = np.full((height, width), 232, np.int16)
    base += (np.linspace(0, 14, width)[None, :]).astype(np.int16)  # uneven lighting
    grain = rng.integers(-10, 11, size=(height + 64, width + 64), dtype=np.int16)
    doc = pymupdf.open()
    for number in range(pages):
        dy, dx = number % 64, (number * 7) % 64
        img = base + grain[dy:dy + height, dx:dx + width]
        for line in range(34):  # handwriting-like strokes: dark runs along each line
            y = 150 + line * 44 + (number * 3 + line * 5) % 9
            x = 120 + (number * 13 + line * 29) % 40
            while x < width - 160:
                run = 20 + (x * 31 + line * 17 + number) % 90
                img[y:y + 6, x:x + run] -= 150
                x += run + 12 + (x + line) % 20
        img[height - 90:height - 70, width // 2 - 20:width // 2 + 20 + number % 30] -= 120
        pix = pymupdf.Pixmap(pymupdf.csGRAY, width, height,
                             np.clip(img, 0, 255).astype(np.uint8).tobytes(), False)
        page = doc.new_page(width=595.28, height=841.89)
        page.insert_image(page.rect, stream=pix.tobytes("jpg", jpg_quality=55))
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    doc.save(tmp, garbage=0, deflate=False)
    doc.close()
    tmp.replace(path)
    return path


def text_pdf(pages: int) -> Path:
    """A ``pages``-page born-digital PDF: 45 lines of ~11 words a page, cached on disk."""
    path = DATA / f"text-{pages}-g{GENERATOR}.pdf"
    if path.exists():
        return path
    import pymupdf

    DATA.mkdir(parents=True, exist_ok=True)
    words = make_text(4242, pages * 45 * 80).split(" ")
    doc = pymupdf.open()
    i = 0
    for _ in range(pages):
        page = doc.new_page(width=595.28, height=841.89)
        lines = []
        for _line in range(45):
            lines.append(" ".join(words[i:i + 11]).replace("\n", " "))
            i = (i + 11) % (len(words) - 20)
        page.insert_text((60, 70), "\n".join(lines), fontsize=10, fontname="helv")
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    doc.save(tmp, garbage=3, deflate=True)
    doc.close()
    tmp.replace(path)
    return path


def big_tiff(megapixels: int = 100) -> Path:
    """A colour LZW TIFF of ``megapixels`` million pixels (a folio scanned at 600 dpi
    and more): paper tone, lines of dark "writing", cached on disk. MuPDF decodes
    such a file whole whatever the zoom (issue 17: ~4 s for 100 MP)."""
    path = DATA / f"scan-{megapixels}mp-g{GENERATOR}.tif"
    if path.exists():
        return path
    import numpy as np
    from PIL import Image

    DATA.mkdir(parents=True, exist_ok=True)
    height = int((megapixels * 1e6 * 1.3) ** 0.5)
    width = int(megapixels * 1e6 / height)
    grey = np.full((height, width), 228, np.uint8)
    grey += (np.linspace(0, 18, width)[None, :]).astype(np.uint8)
    rng = np.random.default_rng(1927)
    step = max(40, height // 120)
    for y in range(step * 2, height - step * 2, step):
        x = width // 12
        while x < width - width // 12:
            run = int(rng.integers(step // 2, step * 3))
            grey[y:y + step // 6, x:x + run] = 40
            x += run + int(rng.integers(step // 4, step))
    rgb = np.stack([grey, grey - 8, grey - 20], axis=2)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    Image.fromarray(rgb, "RGB").save(tmp, format="TIFF", compression="tiff_lzw", dpi=(600, 600))
    tmp.replace(path)
    return path
