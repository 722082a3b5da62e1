"""Finding words on a page's text layer: a quote on a PDF becomes a highlight whose
boxes follow the lines of the words, not one rectangle over their bounding box."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from annotator.core.model import Page, RegionSelector

#: (x0, y0, x1, y1, word) or (x0, y0, x1, y1, word, line, confidence): see model.Page
Word = tuple


def _norm(word: str) -> str:
    return unicodedata.normalize("NFC", word).casefold()


def find_quote(pages: Sequence[Page], quote: str, occurrence: int = 1) -> RegionSelector | None:
    """The region of the n-th occurrence of ``quote`` (matched word by word, ignoring
    case and line breaks) on the pages' text layers, or None."""
    wanted = [_norm(w) for w in quote.split()]
    if not wanted:
        return None
    seen = 0
    for page in pages:
        words = page.words
        tokens = [_norm(w[4]) for w in words]
        n = len(wanted)
        for i in range(len(tokens) - n + 1):
            if _matches(tokens[i:i + n], wanted):
                seen += 1
                if seen == occurrence:
                    return region_of(page.number, words[i:i + n], quote)
    return None


def _matches(tokens: list[str], wanted: list[str]) -> bool:
    """Whole words, except that the first and last may be cut by the quote
    ("Briand," matches "Briand")."""
    if len(tokens) == 1:
        return wanted[0] in tokens[0]
    return (tokens[0].endswith(wanted[0]) and tokens[-1].startswith(wanted[-1])
            and tokens[1:-1] == wanted[1:-1])


def region_of(page: int, words: Sequence[Word], text: str = "") -> RegionSelector:
    """A region over ``words``: one quad per line, the region their bounding box."""
    lines: list[list[float]] = []
    for x0, y0, x1, y1, *_ in words:
        last = lines[-1] if lines else None
        # same line when the boxes overlap vertically by more than half a word's height
        if last and min(last[3], y1) - max(last[1], y0) > 0.5 * (y1 - y0) and x0 >= last[0]:
            last[0], last[1] = min(last[0], x0), min(last[1], y0)
            last[2], last[3] = max(last[2], x1), max(last[3], y1)
        else:
            lines.append([x0, y0, x1, y1])
    x0 = min(q[0] for q in lines)
    y0 = min(q[1] for q in lines)
    x1 = max(q[2] for q in lines)
    y1 = max(q[3] for q in lines)
    quads = tuple((round(a, 2), round(b, 2), round(c, 2), round(d, 2)) for a, b, c, d in lines)
    return RegionSelector(page, round(x0, 2), round(y0, 2), round(x1 - x0, 2),
                          round(y1 - y0, 2), quads, " ".join(w[4] for w in words) or text)
