"""Reading a born-digital PDF at import: its text layer and word boxes."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
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
    makes every word's tuple too, what the words-only block's result already is.
    Both sides run in this one thread, so the process's CPU time of each call is
    noted beside the wall time: under load the wall times of one side swing 2x
    between rounds, the CPU times do not."""
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

    results = []
    for case, side, bare, warmup, goal, note in (
            ("word boxes", ours, raw, 1, 1.2, "importers.read_source"),
            ("word boxes + page text", ours, raw_with_text, 0, 1.2,
             "raw: extractWORDS + extractText"),
            ("word boxes made tuples", ours_as_tuples, raw, 0, None,
             "every word's tuple made, as the raw block's are")):
        cpu: dict[str, list[float]] = {"ours": [], "raw": []}
        ours_t, raw_t = pair(_cpu(side, cpu["ours"]), _cpu(bare, cpu["raw"]),
                             ctx.reps(9, 9), warmup=warmup)
        ours_cpu, raw_cpu = cpu["ours"][warmup:], cpu["raw"][warmup:]
        rounds = statistics.median(o / r for o, r in zip(ours_cpu, raw_cpu, strict=False))
        results.append(Result.from_samples(
            f"{case}, {pages}-page text PDF", ours_t, raw_t, goal,
            note=f"{note}; process CPU {statistics.median(ours_cpu) * 1e3:.0f} vs "
                 f"{statistics.median(raw_cpu) * 1e3:.0f} ms, per-round median "
                 f"{rounds:.2f}x"))
    words = sum(len(p.words) for p in read_source(Path("book.pdf"), data=pdf).pages)
    results[0].note += f"; {words:,} words"
    return results


def _cpu(fn: Callable[[], None], times: list[float]) -> Callable[[], None]:
    """``fn``, noting the process's CPU time of each call in ``times``."""
    def timed() -> None:
        started = time.process_time()
        fn()
        times.append(time.process_time() - started)
    return timed
