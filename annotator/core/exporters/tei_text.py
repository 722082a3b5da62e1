"""A text with overlapping annotations as well-formed TEI, losing none of them.

Annotations overlap freely (a theme over half a sentence, a name inside it, a date
across a paragraph break); XML elements must nest. Each annotation becomes one
element where it can; where it cannot, it is split into fragments linked with
``@next``/``@prev`` (TEI's att.global.linking), the first fragment carrying the
annotation's ``xml:id``. Paragraphs (text between blank lines) are ``<p>``; a single
line break is ``<lb/>``; milestones such as ``<pb/>`` sit at their offsets; a
zero-length annotation (or one covering only the blank lines between paragraphs)
becomes an ``<anchor/>``.

One pass over the sorted boundaries: O(n + a log a) for n characters and a
annotations (plus the depth of overlapping stacks at each boundary).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from annotator.core.exporters.base import xml_attr, xml_text

_SEPARATOR = re.compile(r"\n(?:[ \t\r\f\v]*\n)+")


@dataclass(slots=True)
class Span:
    """One annotation to mark up: element ``name`` over code points [start, end)."""

    key: str  # the xml:id of the first fragment
    start: int
    end: int
    name: str
    attrs: list[tuple[str, str]] = field(default_factory=list)  # on every fragment
    first_attrs: list[tuple[str, str]] = field(default_factory=list)  # first one only
    fragments: int = 0
    order: int = 0


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of the paragraphs: the stretches between blank lines."""
    out, pos = [], 0
    for match in _SEPARATOR.finditer(text):
        out.append((pos, match.start()))
        pos = match.end()
    out.append((pos, len(text)))
    return out


def attributes(pairs: list[tuple[str, str]]) -> str:
    """`` k="v"`` for each pair with a value (base.xml_attr: the usual value decided in
    C; quoteattr cost a third of a TEI export)."""
    return "".join(f" {k}={xml_attr(v)}" for k, v in pairs if v)


def _fragment_id(span: Span, k: int) -> str:
    return span.key if k == 0 else f"{span.key}.{k + 1}"


def _open_tag(span: Span, k: int) -> str:
    pairs = [("xml:id", _fragment_id(span, k)), *span.attrs]
    if k == 0:
        pairs += span.first_attrs
    if k > 0:
        pairs.append(("prev", "#" + _fragment_id(span, k - 1)))
    if k + 1 < span.fragments:
        pairs.append(("next", "#" + _fragment_id(span, k + 1)))
    return f"<{span.name}{attributes(pairs)}>"


def _chunk(text: str) -> str:
    return xml_text(text).replace("\n", "<lb/>\n")


def render(text: str, spans: list[Span], milestones: dict[int, list[str]] | None = None,
           ) -> str:
    """The body content (a sequence of ``<p>``) for ``text`` with ``spans`` marked up."""
    paras = paragraphs(text)
    starts = [p[0] for p in paras]

    def para_of(pos: int) -> int:
        return max(0, bisect_right(starts, pos) - 1)

    def map_start(pos: int) -> int:
        pos = min(max(pos, 0), len(text))
        i = para_of(pos)
        if pos >= paras[i][1] and i + 1 < len(paras):  # nothing of paragraph i follows
            return paras[i + 1][0]
        return min(pos, paras[i][1])

    def map_end(pos: int) -> int:
        pos = min(max(pos, 0), len(text))
        i = para_of(pos)
        if pos <= paras[i][0] and i > 0:  # nothing of paragraph i precedes
            return paras[i - 1][1]
        return min(pos, paras[i][1])

    opening: dict[int, list[Span]] = {}
    points: dict[int, list[Span]] = {}
    for n, span in enumerate(sorted(spans, key=lambda s: (s.start, -s.end, s.key))):
        span.order, span.fragments = n, 0
        s, e = map_start(span.start), map_end(span.end)
        if span.end <= span.start or e <= s:
            points.setdefault(s, []).append(span)
        else:
            span.start, span.end = s, e
            opening.setdefault(s, []).append(span)
    stones: dict[int, list[str]] = {}
    for pos, items in (milestones or {}).items():
        stones.setdefault(map_start(pos), []).extend(items)

    ends = {s.end for group in opening.values() for s in group}
    events = sorted(set(opening) | set(points) | set(stones) | ends)
    pieces: list[str | tuple[Span, int]] = []
    stack: list[Span] = []
    carry: list[Span] = []

    def open_(span: Span) -> None:
        pieces.append((span, span.fragments))
        span.fragments += 1
        stack.append(span)

    for ps, pe in paras:
        inner = events[bisect_left(events, ps):bisect_right(events, pe)]
        cuts = sorted({ps, pe, *inner})
        if pe == ps and not any(p in opening or p in points or p in stones for p in cuts):
            continue
        pieces.append("<p>")
        for span in carry:
            if span.end > ps:
                open_(span)
        carry = []
        for i, pos in enumerate(cuts):
            ends = [j for j, s in enumerate(stack) if s.end <= pos]
            if ends:
                lowest = ends[0]
                again = [s for s in stack[lowest:] if s.end > pos]
                for span in reversed(stack[lowest:]):
                    pieces.append(f"</{span.name}>")
                del stack[lowest:]
                for span in again:
                    open_(span)
            pieces.extend(stones.pop(pos, []))
            for span in points.pop(pos, []):
                pieces.append(f"<anchor{attributes([('xml:id', span.key), *span.attrs, *span.first_attrs])}/>")
            for span in opening.pop(pos, []):
                if span.end > pos:
                    open_(span)
            if i + 1 < len(cuts):
                pieces.append(_chunk(text[pos:cuts[i + 1]]))
        carry = [s for s in stack if s.end > pe]
        for span in reversed(stack):
            pieces.append(f"</{span.name}>")
        stack = []
        pieces.append("</p>\n")
    if not any(p == "<p>" for p in pieces):
        pieces.append("<p/>\n")
    return "".join(p if isinstance(p, str) else _open_tag(*p) for p in pieces)
