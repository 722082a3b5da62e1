"""Reading a born-digital PDF at import: its text layer and word boxes."""

from __future__ import annotations

from pathlib import Path

from benchmarks import data
from benchmarks.harness import Context, Result, need, pair


def word_boxes(ctx: Context) -> list[Result]:
    """The PDF importer (``read_source``: page sizes, text, word boxes, images checked)
    on a generated text PDF vs opening it and ``get_text('words')`` on every page."""
    read_source = need("annotator.core.importers", "read_source")
    import pymupdf

    pages = ctx.scale.text_pdf_pages
    path = ctx.once(f"text PDF ({pages} pages)", lambda: data.text_pdf(pages))
    pdf = Path(path).read_bytes()

    def raw() -> None:
        with pymupdf.open(stream=pdf, filetype="pdf") as doc:
            for page in doc:
                page.get_text("words")

    ours_t, raw_t = pair(lambda: read_source(Path("book.pdf"), data=pdf), raw,
                         ctx.reps(5, 3), warmup=1)
    words = sum(len(p.words) for p in read_source(Path("book.pdf"), data=pdf).pages)
    return [Result.from_samples(f"word boxes, {pages}-page text PDF", ours_t, raw_t, 1.2,
                                note=f"importers.read_source; {words:,} words")]
