"""Which word of the scan each word of a transcription is: a global, monotone
alignment of the transcription's words against the scan's words over all pages.

Why this shape:

- A transcription is rarely the scan's text alone: an editor's commentary stands
  before, between and after the letter; the scan has running heads, page numbers,
  OCR errors, words split or joined, and words hyphenated at line ends ("Auf-" +
  "klärung"). So words are compared by their fold (:func:`annotator.core.names.fold`:
  case, diacritics, script do not matter) and, failing equality, by a rapidfuzz
  ratio; one word may match two (a hyphenated or split word) or two one (OCR joined
  them); and a word that has no counterpart simply stays unaligned.
- It must be fast (300 pages in well under 2 s), so no O(n·m) table over the whole
  document: words that occur exactly once on each side are matched first ("patience"
  anchors: the longest chain that keeps both orders, each confirmed by a neighbour),
  recursively inside each gap between anchors, and only the small gaps left are
  aligned by a dynamic programme (a weighted longest common subsequence), banded
  along the diagonal where a gap is still large.
- A word that cannot be aligned is never guessed: only pairs that really look alike
  are reported, and the caller shows the rest as unaligned.

Everything here is plain data in, plain data out; storing and refreshing the
alignment in the project file is :mod:`annotator.core.word_alignment`.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from annotator.core.names import fold

#: Below this similarity (rapidfuzz ratio, 0–1) two words are not the same word.
MIN_SIMILARITY = 0.64
#: A gap between anchors is aligned cell by cell when it has at most this many cells;
#: a larger one without anchors is aligned in a band along its diagonal.
FULL_DP_CELLS = 60_000
BAND = 60
#: ... and beyond this many cells in that band it stays unaligned (time is bounded).
MAX_BAND_CELLS = 3_000_000
#: A word joined from two (hyphenation, a split) costs a little, so that two exact
#: one-to-one matches win over one join.
JOIN_COST = 0.05
#: Matches standing apart from the rest are kept only when their words have this many
#: letters together.
CLUSTER_LETTERS = 8
_HYPHENS = "-‐‑‒–—¬⸗="
#: A word: letters and digits with the combining marks on them (names.WORD would cut
#: "Aufklaͤrung", with its Fraktur superscript e, or a decomposed "ä" in two).
WORD = re.compile(r"(?:[^\W_]|[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff"
                  r"\ufe20-\ufe2f])+")


class WordLink(NamedTuple):
    """A word of the transcription (code points ``start``–``end``) is word ``word``
    (index into the page's ``words``) of page ``page``. A hyphenated word gives two
    links with the same offsets; two transcription words OCR joined, two links to the
    same scan word."""

    start: int
    end: int
    page: int
    word: int


def text_tokens(text: str) -> list[tuple[int, int, str]]:
    """(start, end, key) of every word of a transcription."""
    out = []
    for m in WORD.finditer(text):
        key = fold(m.group())
        if key:
            out.append((m.start(), m.end(), key))
    return out


def scan_tokens(pages: Iterable[tuple[int, Sequence[tuple]]]) -> list[tuple[int, int, str]]:
    """(page, word index, key) of every word of the pages' text layers, in reading
    order; a layer word holding several words ("l'homme", "1927-28") gives several."""
    out = []
    for number, words in pages:
        for index, word in enumerate(words):
            for m in WORD.finditer(str(word[4])):
                key = fold(m.group())
                if key:
                    out.append((number, index, key))
    return out


def _first_ratio(a: str, b: str) -> float:
    """rapidfuzz's Indel ratio (0-100). rapidfuzz takes 0.2-0.6 s to import, so it is
    imported at the first comparison, not on the way to the first window (issue 17),
    and then this name is rebound to its C function: the alignment's inner loop calls
    it directly."""
    global ratio
    from rapidfuzz.fuzz import ratio as fast

    ratio = fast
    return fast(a, b)


ratio: Callable[[str, str], float] = _first_ratio


def similarity(a: str, b: str) -> float:
    """How much two folded words are one word (0: not at all, 1: equal)."""
    if a == b:
        return 1.0
    if len(a) < 3 and len(b) < 3:  # "in"/"is", "l"/"1": too short to tell
        return 0.0
    score = ratio(a, b) / 100.0
    return score if score >= MIN_SIMILARITY else 0.0


def align_keys(text: Sequence[str], scan: Sequence[str]) -> list[tuple[int, int]]:
    """Pairs (i, j): text word i is scan word j, monotone in both, each pair looking
    alike (a text word matching two scan words gives two pairs, and the reverse)."""
    pairs: list[tuple[int, int]] = []
    stack = [(0, len(text), 0, len(scan))]
    while stack:
        i0, i1, j0, j1 = stack.pop()
        if i0 >= i1 or j0 >= j1:
            continue
        if (i1 - i0) * (j1 - j0) <= FULL_DP_CELLS:
            pairs.extend(_dp(text, scan, i0, i1, j0, j1, band=False))
            continue
        anchors = _anchors(text, scan, i0, i1, j0, j1)
        if not anchors:
            if (i1 - i0) * 2 * (BAND + abs((i1 - i0) - (j1 - j0))) <= MAX_BAND_CELLS:
                pairs.extend(_dp(text, scan, i0, i1, j0, j1, band=True))
            # else: a long stretch with no word or run of three words unique on both
            # sides (the same page printed over and over): left unaligned, not guessed
            continue
        pairs.extend(anchors)
        # the gaps around the anchors, each aligned the same way
        bounds = [(i0 - 1, j0 - 1), *anchors, (i1, j1)]
        for (a, b), (c, d) in zip(bounds, bounds[1:], strict=False):
            stack.append((a + 1, c, b + 1, d))
    pairs.sort()
    return _supported(pairs, text, scan)


def _supported(pairs: list[tuple[int, int]], text: Sequence[str],
               scan: Sequence[str]) -> list[tuple[int, int]]:
    """Leave out matches standing apart (no other within two words on both sides)
    unless together they weigh something: "of the" of a commentary matching "OF THE"
    of a running head is a guess, not an alignment; "Excellency" alone is not."""
    kept: list[tuple[int, int]] = []
    cluster: list[tuple[int, int]] = []
    for pair in [*pairs, (1 << 62, 1 << 62)]:
        if cluster and (pair[0] - cluster[-1][0] > 2 or pair[1] - cluster[-1][1] > 2):
            letters = sum(len(text[i]) for i in {i for i, _j in cluster})
            if letters >= CLUSTER_LETTERS:
                kept.extend(cluster)
            cluster = []
        cluster.append(pair)
    return kept


def _anchors(text: Sequence[str], scan: Sequence[str], i0: int, i1: int, j0: int,
             j1: int) -> list[tuple[int, int]]:
    """Words, and runs of three words, that occur once in the text range and once in
    the scan range; the longest chain of them in the same order on both sides, each
    single word confirmed by a neighbour (a run of three confirms itself)."""
    found: dict[tuple[int, int], bool] = {}  # pair -> part of a run of three
    in_text, in_scan = _unique(text, i0, i1, 3), _unique(scan, j0, j1, 3)
    for key, i in in_text.items():
        j = in_scan.get(key)
        if j is not None:
            found[i, j] = found[i + 1, j + 1] = found[i + 2, j + 2] = True
    in_text, in_scan = _unique(text, i0, i1, 1), _unique(scan, j0, j1, 1)
    for key, i in in_text.items():
        j = in_scan.get(key)
        if j is not None and (i, j) not in found:
            found[i, j] = False
    if not found:
        return []
    candidates = sorted(found, key=lambda p: (p[0], -p[1]))  # one j per i in a chain
    kept = []
    for i, j in _longest_chain(candidates):
        if found[i, j] or len(text[i]) >= 8 \
                or (i > i0 and j > j0 and similarity(text[i - 1], scan[j - 1]) > 0) \
                or (i + 1 < i1 and j + 1 < j1 and similarity(text[i + 1], scan[j + 1]) > 0):
            kept.append((i, j))
    return kept


def _unique(keys: Sequence[str], lo: int, hi: int, size: int) -> dict:
    """The runs of ``size`` keys that occur once in keys[lo:hi], and where."""
    seen: dict = {}
    twice: set = set()
    runs = keys[lo:hi] if size == 1 else \
        zip(*(keys[lo + k:hi] for k in range(size)), strict=False)
    for i, key in enumerate(runs, lo):
        if key in seen:
            twice.add(key)
        else:
            seen[key] = i
    for key in twice:
        del seen[key]
    return seen


def _longest_chain(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest subsequence of ``pairs`` (sorted by i) increasing in j (patience
    sorting, O(k log k))."""
    tails: list[int] = []  # tails[n]: smallest j ending a chain of length n+1
    tail_at: list[int] = []  # index into pairs of that chain end
    back = [-1] * len(pairs)
    for n, (_i, j) in enumerate(pairs):
        k = bisect_left(tails, j)
        if k == len(tails):
            tails.append(j)
            tail_at.append(n)
        else:
            tails[k] = j
            tail_at[k] = n
        back[n] = tail_at[k - 1] if k else -1
    out = []
    n = tail_at[-1]
    while n >= 0:
        out.append(pairs[n])
        n = back[n]
    out.reverse()
    return out


_SKIP_TEXT, _SKIP_SCAN, _ONE, _SCAN_TWO, _TEXT_TWO = range(5)
_NEG = float("-inf")


def _dp(text: Sequence[str], scan: Sequence[str], i0: int, i1: int, j0: int, j1: int,
        *, band: bool) -> list[tuple[int, int]]:
    """Weighted longest common subsequence of text[i0:i1] and scan[j0:j1] (a pair
    weighs its similarity; skipping a word costs nothing, so commentary and running
    heads stay unaligned), with one word matching two. ``band``: only cells near the
    diagonal, for a large gap without anchors."""
    n, m = i1 - i0, j1 - j0
    width = BAND + abs(n - m) if band else m
    rows: list[tuple[int, list[float], list[int]]] = []
    for i in range(n + 1):
        centre = (i * m) // n if n else 0
        lo = max(0, centre - width) if band else 0
        hi = min(m, centre + width) if band else m
        score = [_NEG] * (hi - lo + 1)
        move = [_SKIP_SCAN] * (hi - lo + 1)
        prev = rows[i - 1] if i else None
        prev2 = rows[i - 2] if i > 1 else None
        a = text[i0 + i - 1] if i else ""
        for j in range(lo, hi + 1):
            if i == 0:
                score[j - lo] = 0.0
                continue
            best, how = _get(prev, j), _SKIP_TEXT
            if j > lo and score[j - lo - 1] > best:
                best, how = score[j - lo - 1], _SKIP_SCAN
            if j == 0:
                score[0], move[0] = best, how
                continue
            b = scan[j0 + j - 1]
            s = similarity(a, b)
            if s:
                value = _get(prev, j - 1) + s
                if value >= best:  # a tie: the later word, next to what follows
                    best, how = value, _ONE
            if s < 1.0 and j > 1 and len(a) > len(b):
                s2 = similarity(a, scan[j0 + j - 2] + b)
                if s2 > s:
                    value = _get(prev, j - 2) + 2 * s2 - JOIN_COST
                    if value > best:
                        best, how = value, _SCAN_TWO
            if s < 1.0 and prev2 is not None and len(b) > len(a):
                s2 = similarity(text[i0 + i - 2] + a, b)
                if s2 > s:
                    value = _get(prev2, j - 1) + 2 * s2 - JOIN_COST
                    if value > best:
                        best, how = value, _TEXT_TWO
            score[j - lo], move[j - lo] = best, how
        rows.append((lo, score, move))
    pairs = []
    i, j = n, m
    while i > 0 and j > 0:
        lo, _score, move = rows[i]
        if not lo <= j < lo + len(move):
            break  # off the band: cannot happen on a path the band allowed
        how = move[j - lo]
        if how == _SKIP_TEXT:
            i -= 1
        elif how == _SKIP_SCAN:
            j -= 1
        elif how == _ONE:
            pairs.append((i0 + i - 1, j0 + j - 1))
            i, j = i - 1, j - 1
        elif how == _SCAN_TWO:
            pairs += [(i0 + i - 1, j0 + j - 1), (i0 + i - 1, j0 + j - 2)]
            i, j = i - 1, j - 2
        else:
            pairs += [(i0 + i - 1, j0 + j - 1), (i0 + i - 2, j0 + j - 1)]
            i, j = i - 2, j - 1
    return pairs


def _get(row: tuple[int, list[float], list[int]] | None, j: int) -> float:
    if row is None:
        return _NEG
    lo, score, _move = row
    k = j - lo
    return score[k] if 0 <= k < len(score) else _NEG


def align(text: str, pages: Iterable[tuple[int, Sequence[tuple]]]) -> list[WordLink]:
    """The word links between a transcription and the text layers of its scan's pages
    (``(number, words)`` in page order), sorted by text offset."""
    tokens = text_tokens(text)
    words = scan_tokens(pages)
    pairs = align_keys([t[2] for t in tokens], [w[2] for w in words])
    # two keys of one layer word ("l'homme") are one link
    links = dict.fromkeys(WordLink(*tokens[i][:2], *words[j][:2]) for i, j in pairs)
    return list(links)


def word_box(word: Sequence, key: str) -> tuple[float, float, float, float]:
    """The box of the part of a layer word that is the transcription word ``key``
    (folded): the whole box, or, when OCR joined several words into one ("S.516.)",
    "Entschließung'und"), the share of its width their characters take."""
    box = (float(word[0]), float(word[1]), float(word[2]), float(word[3]))
    text = str(word[4])
    parts = [(m.start(), m.end(), fold(m.group())) for m in WORD.finditer(text)]
    if len(parts) < 2 or not text:
        return box
    exact = [p for p in parts if p[2] == key]  # the usual case: no fuzzy match needed
    start, end, _k = exact[0] if exact else max(parts, key=lambda p: ratio(p[2], key))
    width = box[2] - box[0]
    return (box[0] + width * start / len(text), box[1],
            box[0] + width * end / len(text), box[3])


def page_starts(links: Sequence[WordLink]) -> dict[int, int]:
    """The page-level view: the offset of the first transcription word on each page."""
    starts: dict[int, int] = {}
    for link in links:
        if link.page not in starts:
            starts[link.page] = link.start
    return starts


def placed_words(text: str, links: Sequence[WordLink]) -> tuple[int, int]:
    """(words of the transcription placed on the scan, words of the transcription)."""
    return len({link.start for link in links}), len(text_tokens(text))
