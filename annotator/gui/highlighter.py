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

from annotator.core.overview import LONG_SPAN, Span
from annotator.core.utf16 import Utf16Map
from annotator.gui.reading import HIGHLIGHT_ALPHA

JUMP_MARGIN = 0  # code points fetched beyond the visible blocks on a jump
WINDOW_MARGIN = 12_000  # code points kept ready beyond the visible range (idle time)
WIDEST = 6 * WINDOW_MARGIN  # a window grown past this is cut back to what is asked


class SpanCache:
    """The passages of one document around what is on screen, in code points.

    Short passages come window by window (an index range query). A jump fetches only
    the screen it lands on (and a little beyond), so its first paint waits for a few
    dozen rows, not the hundreds of a reading window; idle time then widens the window
    (:meth:`widen`), and a window that grows fetches only what it did not hold yet. The
    few long passages are listed once per document, in idle time: until then, a window
    asks only for the long passages starting before it, which costs nothing near the
    top of the text."""

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
        self._spans, self._starts, self._long_near = [], [], []
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

    @property
    def window(self) -> tuple[int, int] | None:
        """The range whose short passages are all held, in code points."""
        return self._window

    def covers(self, start: int, end: int) -> bool:
        return self._window is not None and self._window[0] <= start and end <= self._window[1]

    def prepare(self, start: int, end: int) -> None:
        """Before a paint of [start, end]: have its passages at hand in one query. Far
        from what is held (a jump), fetch only the screen and a little beyond."""
        if self.covers(start, end):
            return
        window = self._window
        if window is None or start > window[1] + WINDOW_MARGIN or end < window[0] - WINDOW_MARGIN:
            self._replace(max(0, start - JUMP_MARGIN), end + JUMP_MARGIN)
        else:
            self._grow(max(0, start - JUMP_MARGIN), end + JUMP_MARGIN)

    def widen(self, start: int, end: int) -> None:
        """In idle time: hold WINDOW_MARGIN either side of [start, end], so scrolling on
        or back paints without a query."""
        self._grow(max(0, start - WINDOW_MARGIN), end + WINDOW_MARGIN)

    def _replace(self, ws: int, we: int) -> None:
        self._set(self._fetch_window(ws, we), (ws, we))
        if self._long is None:  # not listed yet: only those that can reach in here
            self._long_near = self._fetch_long(before=ws + 1, reaching=ws)

    def _grow(self, ws: int, we: int) -> None:
        """Hold [ws, we] too: fetch only the parts of it not held (or all of it, if it
        does not touch the held window), and cut the window back if it grew too wide."""
        window = self._window
        if window is None or ws > window[1] or we < window[0]:
            self._replace(ws, we)
            return
        if window[0] <= ws and we <= window[1]:
            return  # held already (a short text is held whole)
        held, spans = window, list(self._spans)
        if ws < held[0]:
            spans += self._fetch_window(ws, held[0])
            if self._long is None:
                self._long_near = list({s.id: s for s in (
                    *self._long_near, *self._fetch_long(before=ws + 1, reaching=ws))}.values())
        if we > held[1]:
            spans += self._fetch_window(held[1], we)
        lo, hi = min(ws, held[0]), max(we, held[1])
        if hi - lo > WIDEST:  # keep what was asked for, drop the rest
            lo, hi = ws, we
            spans = [s for s in spans if s.end >= lo and s.start <= hi]
        unique = {s.id: s for s in spans}
        self._set(sorted(unique.values(), key=lambda s: s.start), (lo, hi))

    def _set(self, spans: list[Span], window: tuple[int, int]) -> None:
        self._spans, self._window = spans, window
        self._starts = [s.start for s in spans]

    def spans_in(self, start: int, end: int) -> list[Span]:
        """Passages overlapping [start, end] (touching counts for empty passages)."""
        if not self.covers(start, end):
            window = self._window
            if window is not None and start >= window[0] and \
                    start - window[0] < 3 * WINDOW_MARGIN:  # reading on: fetch ahead
                self._grow(max(0, start - WINDOW_MARGIN // 4), end + 2 * WINDOW_MARGIN)
            elif window is not None and end <= window[1]:  # reading back
                self._grow(max(0, start - 2 * WINDOW_MARGIN), end + WINDOW_MARGIN // 4)
            else:
                self._replace(max(0, start - WINDOW_MARGIN), end + WINDOW_MARGIN)
        return self.held_in(start, end)

    def held_in(self, start: int, end: int) -> list[Span]:
        """Passages overlapping [start, end] among those held, without a query: all of
        them for the part of [start, end] inside the window."""
        lo = bisect_left(self._starts, start - LONG_SPAN)
        hi = bisect_right(self._starts, end)
        found = [s for s in self._spans[lo:hi] if s.end > start or s.start == s.end >= start]
        longs = self._long if self._long is not None else self._long_near
        found.extend(s for s in longs if s.start <= end and s.end > start
                     and s.end - s.start > LONG_SPAN)
        return list({s.id: s for s in found}.values())


class HighlightLayer:
    """Rectangles of the passages of visible blocks, computed once per block and layout."""

    FILL_ALPHA = HIGHLIGHT_ALPHA

    def __init__(self, cache: SpanCache, umap: Utf16Map,
                 color_of: Callable[[Span], str]) -> None:
        self.cache, self.umap, self.color_of = cache, umap, color_of
        self._blocks: dict[int, list[Piece]] = {}
        self._drawn: dict[int, Drawn] = {}
        self._colors: dict[tuple[str, tuple[str, ...]], str] = {}  # by own colour and tags
        self.selected: str | None = None
        self.painted: set[str] = set()  # ids drawn by the last paint (for tests, hit tests)

    def invalidate(self) -> None:
        """Forget block rectangles: after a relayout or when the passages changed."""
        self._blocks.clear()
        self._drawn.clear()
        self._colors.clear()

    def drawn(self, block: QTextBlock) -> Drawn:
        """A block's pieces grouped for painting (made once per block and layout)."""
        number = block.blockNumber()
        drawn = self._drawn.get(number)
        if drawn is None:
            drawn = Drawn(self.block_rects(block))
            if number in self._blocks:  # laid out: kept (else made again next time)
                self._drawn[number] = drawn
        return drawn

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
        cache = self.cache
        window = cache.window
        # a block reaching past the window (the screen's first or last, after a jump):
        # its lines on screen are drawn from what is held, and it is measured again
        # once idle time has widened the window
        whole = window is None or cache.covers(cp0, cp1) or cp1 < window[0] or cp0 > window[1]
        spans = cache.spans_in(cp0, cp1) if whole else cache.held_in(cp0, cp1)
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
            color_of, append, colors = self.color_of, pieces.append, self._colors
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
                key = (span.color, span.tag_ids)
                color = colors.get(key)
                if color is None:
                    color = colors[key] = color_of(span)
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
        if whole:
            self._blocks[number] = pieces
        return pieces

    def paint(self, painter: QPainter, blocks: list[tuple[QTextBlock, QPointF]],
              dark: bool) -> None:
        """Fill the passages of the visible blocks (each with the viewport position of its
        layout), then their underlines, under the text: one call per block and colour
        (a call per piece cost more than the raster work on a jump)."""
        painted: set[str] = set()
        brushes: dict[str, tuple[QColor, QColor]] = {}
        outlines: list[tuple[QRectF, str]] = []
        orphans: list[QRectF] = []
        alpha = self.FILL_ALPHA + (25 if dark else 0)
        selected = self.selected
        painter.setPen(Qt.PenStyle.NoPen)
        for block, origin in blocks:
            drawn = self.drawn(block)
            if not drawn.ids:
                continue
            painter.translate(origin)
            for color, rects, lines in drawn.by_color:
                pair = brushes.get(color)
                if pair is None:
                    fill, c = QColor(color), QColor(color)
                    fill.setAlpha(alpha)
                    pair = brushes[color] = (fill, c.lighter(115) if dark else c.darker(135))
                painter.setBrush(pair[0])
                painter.drawRects(rects)
                painter.setBrush(pair[1])
                painter.drawRects(lines)
            painter.translate(-origin)
            painted |= drawn.ids
            if selected in drawn.ids:
                outlines.extend((p.rect.translated(origin), p.color)
                                for p in drawn.pieces if p.span.id == selected)
            orphans.extend(rect.translated(origin) for rect in drawn.orphans)
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


class Drawn:
    """A block's pieces as paint() draws them: fills and underlines by colour (in the
    order of their first piece, so overlaps blend as before), the passages drawn and
    the rectangles of orphaned ones."""

    __slots__ = ("by_color", "ids", "orphans", "pieces")

    def __init__(self, pieces: list[Piece]) -> None:
        self.pieces = pieces
        groups: dict[str, tuple[list[QRectF], list[QRectF]]] = {}
        for piece in pieces:
            group = groups.get(piece.color)
            if group is None:
                group = groups[piece.color] = ([], [])
            group[0].append(piece.rect)
            group[1].append(piece.line)
        self.by_color = [(color, rects, lines) for color, (rects, lines) in groups.items()]
        self.ids = {p.span.id for p in pieces}
        self.orphans = [p.rect for p in pieces if p.span.state == "orphaned"]


class Piece:
    """One passage on one line: its fill, its underline, the passage and its colour."""

    __slots__ = ("color", "line", "rect", "span")

    def __init__(self, rect: QRectF, line: QRectF, span: Span, color: str) -> None:
        self.rect, self.line, self.span, self.color = rect, line, span, color
