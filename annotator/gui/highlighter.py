"""Highlights drawn lazily, for the blocks on screen only.

``setExtraSelections`` for every annotation costs seconds and hundreds of MB at 100k
highlights. Instead: :class:`SpanCache` asks the core for the passages of a window of
the text around the viewport (an indexed range query), and :class:`HighlightLayer`
turns the passages of each *visible* block into rectangles through the block's own
QTextLayout (already laid out for painting), caches them per block and paints them
under the text. Overlaps stay readable: translucent fills blend, and each passage also
gets an underline stacked below the others it overlaps.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QTextBlock

from annotator.core.anchoring import Utf16Map
from annotator.core.overview import LONG_SPAN, Span

WINDOW_MARGIN = 12_000  # code points fetched beyond the visible range


class SpanCache:
    """The passages of one document around what is on screen, in code points.

    Short passages come window by window (an index range query). The few long ones are
    listed once per document, in idle time: until then, a window asks only for the long
    passages starting before it, which costs nothing near the top of the text."""

    def __init__(self, fetch_window: Callable[[int, int], list[Span]],
                 fetch_long: Callable[..., list[Span]]) -> None:
        self._fetch_window, self._fetch_long = fetch_window, fetch_long
        self._long_near: list[Span] = []
        self._window: tuple[int, int] | None = None
        self._spans: list[Span] = []
        self._starts: list[int] = []
        self._long: list[Span] | None = None

    def invalidate(self, long_too: bool = False) -> None:
        self._window = None
        if long_too:
            self._long = None

    @property
    def long_ids(self) -> set[str]:
        return {s.id for s in self.long_spans()}

    def long_spans(self) -> list[Span]:
        if self._long is None:
            self._long = self._fetch_long()
        return self._long

    @property
    def has_long_list(self) -> bool:
        return self._long is not None

    def covers(self, start: int, end: int) -> bool:
        return self._window is not None and self._window[0] <= start and end <= self._window[1]

    def spans_in(self, start: int, end: int) -> list[Span]:
        """Passages overlapping [start, end] (touching counts for empty passages)."""
        if not self.covers(start, end):
            if self._window is not None and start >= self._window[0] and \
                    start - self._window[0] < 3 * WINDOW_MARGIN:  # reading on: fetch ahead
                ws, we = max(0, start - WINDOW_MARGIN // 4), end + 2 * WINDOW_MARGIN
            elif self._window is not None and end <= self._window[1]:  # reading back
                ws, we = max(0, start - 2 * WINDOW_MARGIN), end + WINDOW_MARGIN // 4
            else:
                ws, we = max(0, start - WINDOW_MARGIN), end + WINDOW_MARGIN
            self._spans = self._fetch_window(ws, we)
            self._starts = [s.start for s in self._spans]
            self._window = (ws, we)
            if self._long is None:  # not listed yet: only those that can reach in here
                self._long_near = self._fetch_long(before=ws + 1, reaching=ws)
        lo = bisect_left(self._starts, start - LONG_SPAN)
        hi = bisect_right(self._starts, end)
        found = [s for s in self._spans[lo:hi] if s.end > start or s.start == s.end >= start]
        longs = self._long if self._long is not None else self._long_near
        found.extend(s for s in longs if s.start <= end and s.end > start
                     and s.end - s.start > LONG_SPAN)
        return list({s.id: s for s in found}.values())


class HighlightLayer:
    """Rectangles of the passages of visible blocks, computed once per block and layout."""

    FILL_ALPHA = 95

    def __init__(self, cache: SpanCache, umap: Utf16Map,
                 color_of: Callable[[Span], str]) -> None:
        self.cache, self.umap, self.color_of = cache, umap, color_of
        self._blocks: dict[int, list[Piece]] = {}
        self.selected: str | None = None
        self.painted: set[str] = set()  # ids drawn by the last paint (for tests, hit tests)

    def invalidate(self) -> None:
        """Forget block rectangles: after a relayout or when the passages changed."""
        self._blocks.clear()

    def block_rects(self, block: QTextBlock) -> list[Piece]:
        """The pieces (one per passage and line) of a laid-out block, in layout
        coordinates: computed on first paint of the block, then reused."""
        number = block.blockNumber()
        pieces = self._blocks.get(number)
        if pieces is not None:
            return pieces
        pieces = []
        layout = block.layout()
        pos16 = block.position()
        len16 = max(0, block.length() - 1)
        to_u16 = self.umap.to_utf16
        cp0 = self.umap.to_codepoint(pos16)
        cp1 = self.umap.to_codepoint(pos16 + len16)
        spans = self.cache.spans_in(cp0, cp1)
        n_lines = layout.lineCount()
        if n_lines == 0 and len16:
            return []  # not laid out yet: nothing to cache
        if spans and n_lines:
            lines = [layout.lineAt(i) for i in range(n_lines)]
            starts = [line.textStart() for line in lines]
            ends = [s + line.textLength() for s, line in zip(starts, lines, strict=True)]
            tops = [(box.top(), box.height()) for box in (line.rect() for line in lines)]
            spans.sort(key=lambda s: (s.start, -s.end))
            level_ends: list[int] = []  # greedy stacking of overlapping underlines
            color_of, append = self.color_of, pieces.append
            for span in spans:
                start, end = span.start, span.end
                for level, last_end in enumerate(level_ends):
                    if last_end <= start:
                        level_ends[level] = end
                        break
                else:
                    level = len(level_ends)
                    level_ends.append(end)
                s16 = to_u16(start if start > cp0 else cp0) - pos16
                e16 = to_u16(end if end < cp1 else cp1) - pos16
                color = color_of(span)
                lift = 1.5 + 2.5 * (level if level < 4 else 4)
                for i in range(max(0, bisect_right(starts, s16) - 1), n_lines):
                    ls = starts[i]
                    if ls > e16 or (ls == e16 and s16 != e16):
                        break
                    le = ends[i]
                    a = s16 if s16 > ls else ls
                    b = e16 if e16 < le else le
                    if b < a or (b == a and s16 != e16):
                        continue
                    line = lines[i]
                    x0 = line.cursorToX(a)[0]
                    x1 = line.cursorToX(b)[0] if b != a else x0
                    if x1 < x0:
                        x0, x1 = x1, x0
                    width = x1 - x0 if x1 - x0 > 2.0 else 2.0
                    top, height = tops[i]
                    append(Piece(QRectF(x0, top, width, height),
                                 QRectF(x0, top + height - lift, width, 1.6), span, color))
        self._blocks[number] = pieces
        return pieces

    def paint(self, painter: QPainter, blocks: list[tuple[QTextBlock, QPointF]],
              dark: bool) -> None:
        """Fill the passages of the visible blocks (each with the viewport position of its
        layout), then their underlines, under the text."""
        painted: set[str] = set()
        fills: dict[str, QColor] = {}
        lines: dict[str, QColor] = {}
        outlines: list[tuple[QRectF, str]] = []
        orphans: list[QRectF] = []
        alpha = self.FILL_ALPHA + (25 if dark else 0)
        painter.setPen(Qt.PenStyle.NoPen)
        for block, origin in blocks:
            pieces = self.block_rects(block)
            if not pieces:
                continue
            painter.save()
            painter.translate(origin)
            for piece in pieces:
                color = piece.color
                fill = fills.get(color)
                if fill is None:
                    fill = fills[color] = QColor(color)
                    fill.setAlpha(alpha)
                    c = QColor(color)
                    lines[color] = c.lighter(115) if dark else c.darker(135)
                painter.fillRect(piece.rect, fill)
                painter.fillRect(piece.line, lines[color])
                span = piece.span
                painted.add(span.id)
                if span.id == self.selected:
                    outlines.append((piece.rect.translated(origin), color))
                if span.state == "orphaned":
                    orphans.append(piece.rect.translated(origin))
            painter.restore()
        self.painted = painted
        if outlines:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            for rect, color in outlines:
                c = QColor(color)
                c.setAlpha(110)
                painter.setBrush(c)
                painter.setPen(QPen(QColor(color).darker(170) if not dark else QColor(color), 1.4))
                painter.drawRoundedRect(rect.adjusted(-1, 0, 1, 0), 2, 2)
        if orphans:
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(QColor("#d32f2f"), 1.2, Qt.PenStyle.DashLine))
            for rect in orphans:
                painter.drawRect(rect)


class Piece:
    """One passage on one line: its fill, its underline, the passage and its colour."""

    __slots__ = ("color", "line", "rect", "span")

    def __init__(self, rect: QRectF, line: QRectF, span: Span, color: str) -> None:
        self.rect, self.line, self.span, self.color = rect, line, span, color
