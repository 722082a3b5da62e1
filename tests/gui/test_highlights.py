"""Highlights drawn lazily: overlaps stay readable, long passages are found, offsets
beyond the BMP land on the right characters, and only what is on screen is fetched."""

from __future__ import annotations

from PySide6.QtGui import QTextCursor

from annotator.core.overview import LONG_SPAN


def open_text(qtbot, tmp_path, text: str, spans: list[tuple[int, int, str]]):
    """A window on a one-document project with passages tagged by tag name."""
    from annotator.core.project import Project
    from annotator.gui.main_window import MainWindow

    src = tmp_path / "t.txt"
    src.write_text(text, encoding="utf-8")
    path = tmp_path / "t.annot"
    p = Project.create(path, "T", author="T")
    doc = p.documents.import_file(src).value.document
    ids = [p.annotations.add(doc.id, start=s, end=e, tag_ids=[p.tags.find(t).id]).value.id
           for s, e, t in spans]
    p.close()
    win = MainWindow(author="T")
    qtbot.addWidget(win)
    win.resize(1100, 800)
    win.show()
    assert win.open_project(path)
    win.open_document(doc.id)
    qtbot.waitUntil(lambda: bool(win.left.text_view.layer.painted), timeout=3000)
    return win, win.left.text_view, ids


def pieces_of(view, annotation_id):
    return [piece for block, _origin in view._visible_blocks()
            for piece in view.layer.block_rects(block) if piece.span.id == annotation_id]


def test_overlapping_passages_blend_and_stack_their_underlines(qtbot, tmp_path):
    text = "The Franco-Soviet treaty of mutual assistance was signed in Paris in May 1935."
    a = text.index("Franco-Soviet treaty")
    b = text.index("treaty of mutual assistance")
    win, view, (outer, inner) = open_text(
        qtbot, tmp_path, text, [(a, a + len("Franco-Soviet treaty of mutual assistance"), "Event"),
                                (b, b + len("treaty of mutual"), "Date")])
    assert {outer, inner} <= view.layer.painted
    p_outer, p_inner = pieces_of(view, outer)[0], pieces_of(view, inner)[0]
    assert p_outer.rect.intersects(p_inner.rect)  # fills overlap and blend (alpha)
    assert p_outer.line.top() != p_inner.line.top()  # underlines stacked, both visible
    assert p_outer.color != p_inner.color
    # the overlap is drawn in a colour of its own (the two translucent fills mixed)
    image = view.viewport().grab().toImage()
    origin = view._visible_blocks()[0][1]
    both = p_inner.rect.translated(origin).center().toPoint()
    only = both.__class__(int(p_outer.rect.translated(origin).left()) + 3, both.y())
    assert image.pixelColor(both) != image.pixelColor(only)
    win.close()


def test_a_long_passage_covering_the_screen_is_drawn_at_once(qtbot, tmp_path):
    text = "\n".join(f"Paragraph {i}: " + "the émigrés wrote to Briand again. " * 6
                     for i in range(400))
    end = len(text) - 10
    assert end > LONG_SPAN
    win, view, (long_id,) = open_text(qtbot, tmp_path, text, [(5, end, "Event")])
    assert long_id in view.layer.painted
    view.go_to_offset(len(text) // 2)
    view.viewport().repaint()
    assert long_id in view.layer.painted
    win.close()


def test_highlight_after_astral_characters_covers_the_right_units(qtbot, tmp_path):
    text = "𐌰𐌱𐌲 🇺🇦🇫🇷 😀 Mr. Aristide Briand, Paris."
    start = text.index("Aristide")
    win, view, (ann,) = open_text(qtbot, tmp_path, text, [(start, start + 8, "Person")])
    piece = pieces_of(view, ann)[0]
    cursor = QTextCursor(view.document())
    cursor.setPosition(view.umap.to_utf16(start))
    left = view.cursorRect(cursor).left()
    cursor.setPosition(view.umap.to_utf16(start + 8))
    right = view.cursorRect(cursor).left()
    origin = view._visible_blocks()[0][1]
    rect = piece.rect.translated(origin)
    assert abs(rect.left() - left) <= 2 and abs(rect.right() - right) <= 2
    win.close()


def test_only_the_visible_window_is_fetched(qtbot, tmp_path):
    text = "\n".join(f"Line {i} names Paris and Briand." for i in range(20000))
    spans = []
    pos = 0
    for i in range(0, 20000, 10):
        pos = text.index(f"Line {i} ", pos)
        spans.append((pos, pos + 4, "Place"))
    win, view, ids = open_text(qtbot, tmp_path, text, spans)
    cache = view.cache
    assert cache._window is not None
    ws, we = cache._window
    assert we - ws < len(text) // 4  # a window, not the whole text
    assert len(cache._spans) < len(ids) // 4
    win.close()
