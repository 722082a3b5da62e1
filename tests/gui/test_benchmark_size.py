"""A benchmark-size document (5 MB, 100k annotations) opens and scrolls without
freezing. A smoke test: timings are measured by tests/gui/bench_gui.py, not asserted."""

from __future__ import annotations

import random
import time

import pytest
from PySide6.QtCore import Qt


def make_big_project(path, *, chars: int = 5_000_000, annotations: int = 100_000,
                     seed: int = 7, astral: bool = True) -> tuple[str, str]:
    """A project with one ~5 MB text and ``annotations`` passages spread over it,
    written with add_many. With ``astral``, one word in eight is beyond the BMP (the
    hard case for offsets); without, one in ten thousand. Returns (document id, text)."""
    from annotator.core.anchoring import describe
    from annotator.core.model import AnchorState, Annotation
    from annotator.core.project import Project
    from annotator.core.util import new_id, now

    rng = random.Random(seed)
    words = ["Briand", "Herriot", "émigré", "Paris", "treaty", "1927", "League", "Тифлис",
             "debt", "𐌰𐌱", "recognition", "the", "of", "and", "🇫🇷", "Caucasus"]
    if not astral:
        words = [w for w in words if w.isascii() or w in ("émigré", "Тифлис")] * 1000 + ["𐌰𐌱"]
    paragraphs, size = [], 0
    while size < chars:
        para = " ".join(rng.choice(words) for _ in range(rng.randint(30, 160)))
        paragraphs.append(para)
        size += len(para) + 1
    text = "\n".join(paragraphs)
    source = path.parent / "big.txt"
    source.write_text(text, encoding="utf-8")
    p = Project.create(path, "Benchmark", author="Bench")
    try:
        doc = p.documents.import_file(source).value.document
        text = p.documents.text(doc.id)
        tags = [t.id for t in p.tags.list()]
        with p.transaction():
            author = p.author_id()
        stamp = now()
        step = max(1, len(text) // max(1, annotations))

        def generate():
            for i in range(annotations):
                start = min(i * step + rng.randint(0, step // 2), len(text) - 1)
                end = min(len(text), start + rng.randint(3, 80))
                yield Annotation(new_id(), doc.id, author, describe(text, start, end), None,
                                 [rng.choice(tags)], "", "", None, "", AnchorState.OK, stamp,
                                 stamp)

        p.annotations.add_many(generate())
    finally:
        p.close()
    return doc.id, text


@pytest.fixture(scope="module")
def big_project(tmp_path_factory):
    path = tmp_path_factory.mktemp("big") / "big.annot"
    doc_id, text = make_big_project(path)
    return path, doc_id, text


def test_big_document_opens_paints_scrolls_and_tags(qtbot, big_project, tmp_path):
    import shutil

    from annotator.gui.main_window import MainWindow

    path, doc_id, text = big_project
    work = tmp_path / "big.annot"
    shutil.copyfile(path, work)
    win = MainWindow(author="Bench")
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    qtbot.waitExposed(win)
    assert win.open_project(work)
    started = time.perf_counter()
    win.open_document(doc_id)
    view = win.left.text_view
    qtbot.waitUntil(lambda: len(view.layer.painted) > 10, timeout=10_000)  # drawn at once
    opened = time.perf_counter() - started
    assert view.text() == text
    bar = view.verticalScrollBar()
    for value in (bar.maximum() // 3, bar.maximum() // 2, bar.maximum()):
        bar.setValue(value)
        view.viewport().repaint()
        assert view.layer.painted
    # tagging still works at this size, with the right code points near the end
    start = len(text) - 200
    while text[start] == " ":
        start += 1
    view.select_codepoints(start, start + 12)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_1)
    ann = win.inspector.annotation
    assert ann is not None and (ann.text.start, ann.text.end) == (start, start + 12)
    view.viewport().repaint()
    assert ann.id in view.layer.painted
    # the table fills in the background while the window stays responsive
    win.annotations.refilter()
    qtbot.waitUntil(lambda: not win.annotations.table.loading, timeout=60_000)
    assert len(win.annotations.table.rows) == 100_001
    win.close()
    print(f"opened in {opened:.3f}s")
