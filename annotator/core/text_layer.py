"""Finding words on a page's text layer: a quote on a PDF becomes a highlight whose
boxes follow the lines of the words, not one rectangle over their bounding box."""

from __future__ import annotations

import re
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


#: Confidence (0-100) under which an OCR word is noise: left out of the text suggestions
#: read ("|", "£6", "Ij" made junk names and dates), and off a selection's edges
NOISE_CONFIDENCE = 50.0
_ABBREVIATION = re.compile(r"(?<![\w.])\w{1,3}\.$|\w\.\w\.$")  # "Mr.", "St.", "U.S."


def _noise(word: Word, threshold: float) -> bool:
    text = word[4]
    if not any(c.isalnum() for c in text):
        return True  # "|", "—", "•": a rule, a dash, a speck
    confidence = word[6] if len(word) >= 7 else -1
    return 0 <= confidence < threshold and not any(c.isalpha() for c in text)


def snap(words: Sequence[Word], threshold: float = NOISE_CONFIDENCE) -> list[Word]:
    """A run of words chosen on a text layer without the noise at its ends: a word
    with no letter or digit, or an uncertain one without a letter ("| Warren" ->
    "Warren", "£6" read into a margin). All noise: kept as chosen."""
    start, end = 0, len(words)
    while start < end and _noise(words[start], threshold):
        start += 1
    while end > start and _noise(words[end - 1], threshold):
        end -= 1
    return list(words[start:end]) or list(words)


def trimmed_quote(words: Sequence[Word]) -> str:
    """The words' text without the punctuation around it ("(Warren," -> "Warren"); a
    full stop stays after a short word ("Mr.", "U.S.")."""
    text = " ".join(w[4] for w in words)
    start, end = 0, len(text)
    while start < end and _stray(text[start]):
        start += 1
    while end > start and _stray(text[end - 1]):
        if text[end - 1] == "." and _ABBREVIATION.search(text[start:end]):
            break
        end -= 1
    return text[start:end] or text


def _stray(char: str) -> bool:
    """Punctuation, a rule or a space at a quote's edge (not a currency sign: "£6")."""
    return char.isspace() or char in "|¦" or unicodedata.category(char).startswith("P")


def layer_text(pages: Sequence[Page],
               threshold: float = NOISE_CONFIDENCE) -> tuple[str, list[tuple[int, int, Page, int]]]:
    """A scan's text layers as one text of their sure words (a line break between
    lines, a blank line between pages), and where each word stands: (start, end, page,
    index in page.words)."""
    parts: list[str] = []
    spans: list[tuple[int, int, Page, int]] = []
    pos, last = 0, None
    for page in pages:
        for index, word in enumerate(page.words):
            if len(word) >= 7 and 0 <= word[6] < threshold:
                continue
            line = (page.number, word[5] if len(word) >= 7 else None)
            if last is not None:
                sep = " " if line == last else ("\n" if line[0] == last[0] else "\n\n")
                parts.append(sep)
                pos += len(sep)
            last = line
            parts.append(word[4])
            spans.append((pos, pos + len(word[4]), page, index))
            pos += len(word[4])
    return "".join(parts), spans


def share_inside(a: tuple, b: Sequence[float]) -> float:
    """The share of box ``a`` inside box ``b``."""
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    return w * h / max((a[2] - a[0]) * (a[3] - a[1]), 1e-6)
