"""Reading a born-digital PDF at import: its text layer and word boxes."""

from __future__ import annotations

from pathlib import Path

from benchmarks import data
from benchmarks.harness import Context, Result, need, pair


def word_boxes(ctx: Context) -> list[Result]:
    """The PDF importer (``read_source``: page sizes, text, word boxes, images checked)
    on a generated text PDF vs opening it and ``get_text('words')`` on every page; and
    vs the bare block that also reads the page text the importer stores (one text page
    per page, ``extractWORDS`` and ``extractText``): the words-only block leaves out
    a fifth of what the import must produce. The importer keeps a page's words as
    columns until something reads them (``pdf_words.WordBoxes``: the import hands
    them to the JSON encoder, which needs the floats, not tuples); the third figure
    makes every word's tuple too, what the words-only block's result already is."""
    read_source = need("annotator.core.importers", "read_source")
    import pymupdf

    pages = ctx.scale.text_pdf_pages
    path = ctx.once(f"text PDF ({pages} pages)", lambda: data.text_pdf(pages))
    pdf = Path(path).read_bytes()

    def raw() -> None:
        with pymupdf.open(stream=pdf, filetype="pdf") as doc:
            for page in doc:
                page.get_text("words")

    def raw_with_text() -> None:
        with pymupdf.open(stream=pdf, filetype="pdf") as doc:
            for page in doc:
                textpage = page.get_textpage()
                textpage.extractWORDS()
                textpage.extractText()

    def ours() -> None:
        read_source(Path("book.pdf"), data=pdf)

    def ours_as_tuples() -> None:
        for page in read_source(Path("book.pdf"), data=pdf).pages:
            page.words[:0]  # makes the page's tuples

    ours_t, raw_t = pair(ours, raw, ctx.reps(9, 9), warmup=1)
    ours_t2, raw_t2 = pair(ours, raw_with_text, ctx.reps(9, 9), warmup=0)
    ours_t3, raw_t3 = pair(ours_as_tuples, raw, ctx.reps(9, 9), warmup=0)
    words = sum(len(p.words) for p in read_source(Path("book.pdf"), data=pdf).pages)
    return [Result.from_samples(f"word boxes, {pages}-page text PDF", ours_t, raw_t, 1.2,
                                note=f"importers.read_source; {words:,} words"),
            Result.from_samples(f"word boxes + page text, {pages}-page text PDF", ours_t2,
                                raw_t2, 1.2, note="raw: extractWORDS + extractText"),
            Result.from_samples(f"word boxes made tuples, {pages}-page text PDF", ours_t3,
                                raw_t3, None, note="every word's tuple made, as the raw "
                                "block's are")]
