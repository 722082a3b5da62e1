"""A jump (the scroll bar set far away) paints the highlights of the place it lands on
in its first paint, after one query for that screen only; idle time then fetches the
reading window around it, so the next page paints without a query (issue 17). And the
span cache, whatever the order of jumps, widenings and reads, answers what a query
over every passage would."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.overview import LONG_SPAN, Span
from annotator.gui.highlighter import WINDOW_MARGIN, SpanCache
from tests.gui.test_highlights import open_text


def test_a_jump_paints_the_target_highlights_from_one_narrow_query(qtbot, tmp_path):
    text = "\n".join(f"Line {i} names Paris and Briand." for i in range(6000))
    places, pos = [], 0
    for i in range(0, 6000, 5):
        pos = text.index(f"Line {i} ", pos)
        places.append((pos, pos + 4, "Place"))
    win, view, ids = open_text(qtbot, tmp_path, text, places)
    qtbot.wait(50)  # the first idle time: long passages listed, neighbours measured
    asked: list[tuple[int, int]] = []
    fetch = view.cache._fetch_window
    view.cache._fetch_window = lambda s, e: asked.append((s, e)) or fetch(s, e)
    bar = view.verticalScrollBar()

    bar.setValue(bar.maximum() * 2 // 3)
    view.viewport().repaint()
    first, last = view.visible_range()
    target = {i for (s, e, _t), i in zip(places, ids, strict=True) if first <= s and e <= last}
    assert len(target) > 5 and target <= view.layer.painted
    assert len(asked) == 1 and asked[0][1] - asked[0][0] < 3 * (last - first)  # the screen

    qtbot.waitUntil(lambda: view.cache.covers(max(0, first - WINDOW_MARGIN // 2),
                                              last + WINDOW_MARGIN // 2), timeout=3000)
    asked.clear()
    bar.setValue(bar.value() + bar.pageStep())
    view.viewport().repaint()
    first, last = view.visible_range()
    target = {i for (s, e, _t), i in zip(places, ids, strict=True) if first <= s and e <= last}
    assert target <= view.layer.painted and not asked  # painted from what idle time read
    win.close()


def test_a_jump_into_a_long_paragraph_paints_its_lines_on_screen(qtbot, tmp_path):
    text = "\n".join(" ".join(f"p{p}w{i} Briand" for i in range(600)) for p in range(25))
    places = [(i, i + 5, "Person") for i in range(0, len(text) - 10, 420)]
    win, view, ids = open_text(qtbot, tmp_path, text, places)
    qtbot.wait(50)
    view.go_to_offset(len(text) * 2 // 3 + 2000)  # as a search hit or a table row does
    view.viewport().repaint()
    first, last = view.visible_range()
    target = {i for (s, e, _t), i in zip(places, ids, strict=True) if first <= s and e <= last}
    assert target and target <= view.layer.painted
    block = view.firstVisibleBlock()
    assert block.blockNumber() > 10
    assert block.blockNumber() not in view.layer._blocks  # drawn from the screen's passages
    qtbot.waitUntil(lambda: block.blockNumber() in view.layer._blocks, timeout=3000)
    view.viewport().repaint()  # measured whole once idle time widened the window
    assert target <= view.layer.painted
    win.close()


def _spans_in(spans: list[Span], start: int, end: int) -> set[str]:
    return {s.id for s in spans if s.start <= end and (s.end > start or s.start == s.end >= start)}


passages = st.lists(st.tuples(st.integers(0, 60_000), st.one_of(
    st.integers(0, 90), st.integers(LONG_SPAN + 1, 3 * LONG_SPAN))), max_size=120)
calls = st.lists(st.tuples(st.sampled_from(["prepare", "widen", "spans_in", "invalidate"]),
                           st.integers(0, 70_000), st.integers(0, 9_000)), min_size=1, max_size=12)


@settings(max_examples=150, deadline=None)
@given(found=passages, steps=calls, long_listed=st.booleans())
def test_the_span_cache_answers_as_a_query_over_every_passage(found, steps, long_listed):
    spans = sorted((Span(f"a{i}", s, s + n, "", ()) for i, (s, n) in enumerate(found)),
                   key=lambda s: s.start)
    short = [s for s in spans if s.end - s.start <= LONG_SPAN]
    long = [s for s in spans if s.end - s.start > LONG_SPAN]

    def window(start: int, end: int) -> list[Span]:  # as overview.spans_between
        return [s for s in short if start - LONG_SPAN <= s.start <= end and s.end >= start]

    def longs(before: int | None = None, reaching: int = 0) -> list[Span]:
        return [s for s in long if before is None or (s.start < before and s.end > reaching)]

    cache = SpanCache(window, longs)
    if long_listed:
        cache.long_spans()
    for step, start, width in steps:
        end = start + width
        if step == "invalidate":
            cache.invalidate()
            continue
        if step != "spans_in":
            getattr(cache, step)(start, end)
            assert cache.covers(start, end)
        got = {s.id for s in cache.spans_in(start, end)}
        assert got & {s.id for s in short} == _spans_in(short, start, end)
        expected_long = _spans_in(long, start, end)
        assert got - expected_long <= {s.id for s in short}
        if long_listed:
            assert expected_long <= got
        held = cache.window  # what a block reaching past the window is drawn from
        if held is not None and max(start, held[0]) <= min(end, held[1]):
            a, b = max(start, held[0]), min(end, held[1])
            got = {s.id for s in cache.held_in(a, b)}
            assert got & {s.id for s in short} == _spans_in(short, a, b)
