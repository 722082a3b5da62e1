"""Find text annotations again after their transcription was corrected.

A text annotation stores code-point offsets *and* its quote with up to ``CONTEXT``
characters either side (a :class:`TextSelector`). Offsets alone break as soon as a
scholar fixes a typo earlier in the page; the quote and its context let us find the
passage again, and never losing an annotation matters more than always finding it:
what cannot be found is ORPHANED (kept, shown, offsets clamped), never dropped.

Everything here is pure Python and stdlib only, and built for 5 MB texts with
thousands of annotations: exact searches are ``str.find`` (C speed), fuzzy matching
is a bit-parallel edit distance (Myers 1999, Python ints as bit vectors) run over a
bounded window, and :func:`reanchor_all` diffs the old and new text once and maps
every offset through it instead of searching for each annotation.

:class:`Utf16Map` converts offsets for Qt, whose QTextDocument counts UTF-16 units.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import product

from annotator.core.model import AnchorState, TextSelector

CONTEXT = 32

_CONTEXT_WEIGHT = 0.25  # how much matching context may outweigh a few extra edits
_SHORT_QUOTE, _SHORT_QUOTE_CONTEXT = 16, 0.6  # a fuzzy short quote needs its context back
_MAX_FUZZY_CANDIDATES = 32  # end positions verified per searched region
_MAX_SEEDS = 8  # pieces of the quote looked up in a whole-text fuzzy search
_LONG_QUOTE, _EDGE = 512, 128  # a longer quote is found by its two ends
_SEED_HITS = 5_000  # hits after which a piece is too common to locate anything
_CHAR_DIFF_CELLS = 40_000  # len(a) * len(b) up to which a char-level diff is affordable


@dataclass(frozen=True)
class Anchor:
    """Where a selector was found in the current text. ``score`` is 1.0 when the quote
    was found verbatim, the quote's similarity (1 - edits/len) when found fuzzily,
    0.0 when orphaned."""

    start: int
    end: int
    state: AnchorState
    score: float


def describe(text: str, start: int, end: int, context: int = CONTEXT) -> TextSelector:
    """The selector for ``text[start:end]``, with its context so it can be found again."""
    if not 0 <= start <= end <= len(text):
        raise ValueError(f"span {start}:{end} outside text of length {len(text)}")
    context = max(0, context)
    before, after = text[max(0, start - context) : start], text[end : end + context]
    return TextSelector(start, end, text[start:end], prefix=before, suffix=after)


# --- small string helpers -------------------------------------------------------------


def _gallop(same: Callable[[int, int], bool], limit: int) -> int:
    """Length (<= limit) of the run where ``same(done, size)`` holds for the chunk
    [done, done + size): chunks doubling, then bisection inside the first failing one,
    so megabytes are compared by a few dozen C-speed slice comparisons."""
    done, step = 0, 64
    while done < limit:
        size = min(step, limit - done)
        if same(done, size):
            done, step = done + size, step * 2
            continue
        while size > 1:  # the first mismatch lies in [done, done + size)
            half = size // 2
            done, size = (done + half, size - half) if same(done, half) else (done, half)
        return done
    return done


def _context_match(text: str, start: int, end: int, prefix: str, suffix: str) -> int:
    """How many context characters agree around text[start:end] (0 .. len(prefix+suffix))."""
    p, s, limit = 0, 0, min(len(prefix), start)
    while p < limit and prefix[-1 - p] == text[start - 1 - p]:
        p += 1
    limit = min(len(suffix), len(text) - end)
    while s < limit and suffix[s] == text[end + s]:
        s += 1
    return p + s


def _similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()  # 1.0 for two empty strings


# --- bit-parallel edit distance -------------------------------------------------------


def _myers(pattern: str, text: str, anchored: bool) -> list[int]:
    """Edit distances of ``pattern`` against text, one per end position j in 0..len(text).

    Searching (anchored=False): the best distance to any substring ending at j.
    Anchored: the distance to text[:j]. Myers' bit-vector algorithm (Hyyrö's form)
    with Python ints as bit vectors: O(len(text) * ceil(len(pattern)/64)) machine
    work, about a dozen int operations per text character instead of a DP row.
    """
    m = len(pattern)
    peq: dict[str, int] = {}
    for i, ch in enumerate(pattern):
        peq[ch] = peq.get(ch, 0) | (1 << i)
    mask, high = (1 << m) - 1, 1 << (m - 1)
    pv, mv, score = mask, 0, m
    carry = 1 if anchored else 0
    scores = [m]
    append, get = scores.append, peq.get
    for ch in text:
        eq = get(ch, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | ~(xh | pv)
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        ph = (ph << 1) | carry
        mh <<= 1
        pv = (mh | ~(xv | ph)) & mask
        mv = ph & xv & mask
        append(score)
    return scores


def _fuzzy_in(text: str, pattern: str, lo: int, hi: int, k: int, pos: int) -> list[tuple[int, int, int]]:
    """Approximate occurrences (start, end, edits <= k) of ``pattern`` in text[lo:hi].

    One searching pass finds the ends (local minima of the distance), then a short
    anchored pass over the reversed pattern finds each start. O((hi - lo) + C * (m + k))
    bit-vector steps for C <= _MAX_FUZZY_CANDIDATES candidates.
    """
    m = len(pattern)
    scores = _myers(pattern, text[lo:hi], anchored=False)
    scores.append(m + 1)  # a sentinel, so the last end can be a local minimum
    ends = [j for j in range(1, len(scores) - 1) if scores[j] <= k
            and scores[j] <= scores[j - 1] and scores[j] <= scores[j + 1]]
    ends.sort(key=lambda j: (scores[j], abs(lo + j - m - pos)))
    found: dict[tuple[int, int], int] = {}
    for j in ends[:_MAX_FUZZY_CANDIDATES]:
        end = lo + j
        back = _myers(pattern[::-1], text[max(0, end - m - k) : end][::-1], anchored=True)
        r = min(range(len(back)), key=lambda r: (back[r], abs(r - m)))
        if back[r] <= k:
            found.setdefault((end - r, end), back[r])
    return [(s, e, d) for (s, e), d in found.items()]


def _best_fuzzy(
    text: str, prefix: str, suffix: str, m: int, cands: list[tuple[int, int, int]], pos: int
) -> tuple[int, int, float] | None:
    """(start, end, quote similarity) of the candidate ranked best by quote plus
    weighted context similarity, ties to the nearest ``pos``. A short quote (a name)
    is an edit or two from many words, so it must also bring back its context."""
    best: tuple[float, int, int, int, float] | None = None
    for s, e, d in cands:
        quote = 1.0 - d / m
        sides = [_similarity(prefix, text[max(0, s - len(prefix)) : s])] if prefix else []
        if suffix:
            sides.append(_similarity(suffix, text[e : e + len(suffix)]))
        ctx = sum(sides) / len(sides) if sides else 1.0
        if m < _SHORT_QUOTE and ctx < _SHORT_QUOTE_CONTEXT:
            continue
        key = (quote + _CONTEXT_WEIGHT * ctx, -abs(s - pos), s, e, quote)
        if best is None or key[:2] > best[:2]:
            best = key
    return None if best is None else (best[2], best[3], best[4])


def _fuzzy(
    text: str, pattern: str, prefix: str, suffix: str, pos: int, threshold: float
) -> tuple[int, int, float] | None:
    """Best approximate match of ``pattern`` with similarity >= threshold, or None.

    First a window of +-(4m + 2000) around ``pos`` (where a corrected passage almost
    always is): O(window * ceil(m/64)). Only if that fails, the whole text, bounded:
    up to 8 pieces of 4..24 characters spread over the pattern are located with
    ``str.find`` (a correction touches a few characters, so some piece survives
    intact; k + 1 <= 8 disjoint pieces even guarantee it), their hits vote for a start
    and only the best-voted spots are verified: O(8 n) in C, O(8 * 5000) hits, plus
    O(32 * (m + k) * ceil(m/64)) in Python - never quadratic in the text.
    """
    m, k = len(pattern), int((1.0 - threshold) * len(pattern) + 1e-9)
    if m == 0 or k <= 0:
        return None
    n, radius = len(text), 4 * m + 2000
    pos = min(max(pos, 0), n)
    lo, hi = max(0, pos - radius), min(n, pos + m + radius)
    best = _best_fuzzy(text, prefix, suffix, m, _fuzzy_in(text, pattern, lo, hi, k, pos), pos)
    if best is not None or (lo == 0 and hi == n):
        return best
    pieces = min(k + 1, _MAX_SEEDS)
    if (size := max(4, min(24, m // pieces))) > m:
        return None
    offsets = sorted({i * (m - size) // max(1, pieces - 1) for i in range(pieces)})
    votes, bucket = Counter[int](), k + 1
    for o in offsets:
        piece, hits = pattern[o : o + size], []
        i = text.find(piece)
        while i != -1 and len(hits) < _SEED_HITS:
            hits.append((i - o) // bucket)
            i = text.find(piece, i + 1)
        if i == -1:  # a piece found everywhere says nothing about where the quote went
            votes.update(hits)
    cands: dict[tuple[int, int], int] = {}
    for b, _ in votes.most_common(_MAX_FUZZY_CANDIDATES):
        s = b * bucket
        for c in _fuzzy_in(text, pattern, max(0, s - 2 * k - 2), min(n, s + m + 3 * k + 4), k, s):
            cands.setdefault(c[:2], c[2])
    return _best_fuzzy(text, prefix, suffix, m, [(*se, d) for se, d in cands.items()], pos)


def _fuzzy_long(
    text: str, exact: str, prefix: str, suffix: str, pos: int, threshold: float
) -> tuple[int, int, float] | None:
    """A long passage: a bit-vector scan would cost O(m^2/64) per window, so its first
    and last 128 characters are found fuzzily (short patterns, cheap) and the span
    between is scored by the chunked diff, O(m log m) in C: similarity = characters
    matched / max(len(quote), len(span)), which is 1 - edits/len for substitutions."""
    m, n, edge = len(exact), len(text), _EDGE
    head = _fuzzy(text, exact[:edge], prefix, exact[edge : edge + CONTEXT], pos, threshold)
    guess = head[0] + m - edge if head else pos + m - edge
    tail = _fuzzy(text, exact[-edge:], exact[-edge - CONTEXT : -edge], suffix, guess, threshold)
    if (start := head[0] if head else max(0, tail[1] - m) if tail else -1) < 0:
        return None
    end = tail[1] if tail and start < tail[1] <= start + 2 * m else min(n, start + m)
    score = sum(_OffsetMap.between(exact, text[start:end]).size) / max(m, end - start)
    return (start, end, score) if score >= threshold else None


# --- anchoring -------------------------------------------------------------------------


def _orphan(text: str, selector: TextSelector) -> Anchor:
    start = min(max(selector.start, 0), len(text))
    return Anchor(start, min(max(selector.end, start), len(text)), AnchorState.ORPHANED, 0.0)


def _found(selector: TextSelector, start: int, end: int, score: float) -> Anchor:
    same = (start, end) == (selector.start, selector.end) and score == 1.0
    return Anchor(start, end, AnchorState.OK if same else AnchorState.MOVED, score)


def _anchor_point(text: str, selector: TextSelector, threshold: float, pos: int) -> Anchor:
    """A zero-length annotation (a caret mark): its context is all there is to find."""
    prefix, suffix, n = selector.prefix, selector.suffix, len(text)
    if len(prefix) <= pos <= n and text.startswith(prefix, pos - len(prefix)):
        if text.startswith(suffix, pos):
            return _found(selector, pos, pos, 1.0)
    pattern = prefix + suffix
    if not pattern:
        return _orphan(text, selector)
    best = _best_exact(text, pattern, "", "", pos - len(prefix))  # the nearest
    if best != -1:
        return _found(selector, best + len(prefix), best + len(prefix), 1.0)
    fuzzy = _fuzzy(text, pattern, "", "", pos, threshold)
    if fuzzy is None:
        return _orphan(text, selector)
    s, e, score = fuzzy
    point = _OffsetMap.between(pattern, text[s:e]).map_end(len(prefix))[0] + s
    return Anchor(point, point, AnchorState.MOVED, score)


def anchor(
    text: str, selector: TextSelector, threshold: float = 0.75, hint: int | None = None
) -> Anchor:
    """Find ``selector`` in ``text``; never raises, always 0 <= start <= end <= len(text).

    In order: (1) the quote is still at its offsets (at ``hint`` when given, e.g. the
    offset mapped through a diff) -> OK, or MOVED if the hint differs from the stored
    start; (2) the quote occurs verbatim elsewhere: the occurrence whose context
    agrees best, then the nearest -> MOVED (so a quote corrected in place that also
    occurs verbatim elsewhere goes there: MOVED lets the GUI flag it); (3) a fuzzy
    match with similarity >= ``threshold``, context breaking near-ties -> MOVED with
    score < 1 (the caller should store the new quote); (4) ORPHANED, clamped offsets.

    Cost, n = len(text), m = len(quote): (1) O(m); (2) 1-3 ``str.find`` scans, O(n)
    in C each (see :func:`_best_exact`); (3) O(window * ceil(m/64)), then a bounded
    seeded whole-text search of about 8 more C scans (see :func:`_fuzzy`); a quote
    longer than 512 is found by its two ends (see :func:`_fuzzy_long`).
    Typically a few ms on 5 MB; a quote that is gone costs about 10 C scans.
    """
    try:
        return _anchor(text, selector, threshold, hint)
    except Exception:  # a corrupt selector must not lose the annotation
        return _orphan(text, selector)


def _best_exact(text: str, exact: str, prefix: str, suffix: str, pos: int) -> int:
    """Start (or -1) of the verbatim occurrence whose context agrees best, then the
    nearest to ``pos``. "1927" may occur 100,000 times in 5 MB, so not every one is
    scored: needles carrying all the context, then c = 32, 16, 8 ... characters of
    it, are searched with ``str.find``; an occurrence not yet seen agrees on fewer
    than c characters each side, so we stop once the best beats 2c - 2.
    Usually 2-3 C-speed scans of the text."""
    if text.find(exact) == -1:
        return -1
    m, top = len(exact), len(prefix) + len(suffix)
    most = max(len(prefix), len(suffix))  # level -1: the quote with all its context
    best, best_key, seen = -1, (-1, 0), set()
    for c in [-1, *(most >> i for i in range(most.bit_length())), 0]:
        needles = [(prefix + exact + suffix, len(prefix))] if c < 0 else [] if c else [(exact, 0)]
        if c > 0 and len(prefix) >= c:
            needles.append((prefix[-c:] + exact, c))
        if c > 0 and len(suffix) >= c:
            needles.append((exact + suffix[:c], 0))
        for needle, offset in needles:
            i = text.find(needle)
            while i != -1:
                if i + offset not in seen:
                    seen.add(i + offset)
                    key = (_context_match(text, i + offset, i + offset + m, prefix, suffix),
                           -abs(i + offset - pos))
                    if key > best_key:
                        best, best_key = i + offset, key
                i = text.find(needle, i + 1)
        if best_key[0] == top or (c > 0 and best_key[0] > 2 * c - 2):
            break
    return best


def _anchor(text: str, selector: TextSelector, threshold: float, hint: int | None) -> Anchor:
    exact = selector.exact
    pos = selector.start if hint is None else hint
    if not exact:
        return _anchor_point(text, selector, threshold, pos)
    m = len(exact)
    if 0 <= pos <= len(text) - m and text.startswith(exact, pos):
        return _found(selector, pos, pos + m, 1.0)
    prefix, suffix = selector.prefix, selector.suffix
    best = _best_exact(text, exact, prefix, suffix, pos)
    if best != -1:  # a verbatim quote always wins: an untouched passage is never replaced
        return _found(selector, best, best + m, 1.0)  # by a look-alike, whatever the context
    fuzzy = (_fuzzy_long if m > _LONG_QUOTE else _fuzzy)(text, exact, prefix, suffix, pos, threshold)
    if fuzzy is None:
        return _orphan(text, selector)
    return Anchor(fuzzy[0], fuzzy[1], AnchorState.MOVED, fuzzy[2])


# --- re-anchoring after an edit --------------------------------------------------------


class _OffsetMap:
    """Old-text offsets to new-text offsets through the equal runs of a diff."""

    def __init__(self, blocks: list[tuple[int, int, int]], old_len: int, new_len: int) -> None:
        # The sentinels pin both ends: offset 0 and the old end map to 0 and the new end.
        blocks = [(0, 0, 0), *sorted(b for b in blocks if b[2] > 0), (old_len, new_len, 0)]
        self.old, self.new, self.size = ([b[i] for b in blocks] for i in range(3))

    @classmethod
    def between(cls, old: str, new: str) -> _OffsetMap:
        """Diff once. Common prefix/suffix are trimmed at C speed (the usual edit is
        one local correction), the rest is split at unique shared chunks and only
        small pieces get a char-level SequenceMatcher: about O(n log n) in C plus
        O(_CHAR_DIFF_CELLS) per changed spot, instead of difflib's quadratic worst."""
        blocks: list[tuple[int, int, int]] = []
        _diff(old, new, 0, len(old), 0, len(new), blocks, 0)
        return cls(blocks, len(old), len(new))

    def map_start(self, x: int) -> int:
        """A start belongs to the character after it; inside a changed region it goes
        to the region's left edge in the new text."""
        i = bisect_right(self.old, x) - 1  # >= 0 thanks to the (0, 0, 0) sentinel
        if x < self.old[i] + self.size[i] or i == len(self.old) - 1:
            return self.new[i] + x - self.old[i]
        return self.new[i] + self.size[i]

    def map_end(self, x: int) -> tuple[int, bool]:
        """An end (or a caret) belongs to the character before it. Returns the new
        offset and whether that character survived; inside a changed region it goes
        to the region's right edge, so a span that lost its text shrinks to a point."""
        i = bisect_left(self.old, x) - 1
        if i < 0:
            return 0, True
        if x <= self.old[i] + self.size[i]:
            return self.new[i] + x - self.old[i], True
        return self.new[i + 1], False

    def stood_elsewhere(self, start: int, end: int, old_start: int, old_end: int) -> bool:
        """Whether new text[start:end] is, unchanged, text that stood before the edit
        outside old[old_start:old_end]: another passage that was already there (the
        earlier "League of Nations" in the introduction), which an annotation whose own
        words were deleted must not jump onto. Only a span inside one equal run counts:
        a span the diff pieced together from several runs is not a standing passage."""
        if end <= start:
            return False
        i = bisect_right(self.new, start) - 1
        for j in range(i, max(-1, i - 3), -1):  # runs of size 0 may share a start
            if self.new[j] <= start and end <= self.new[j] + self.size[j]:
                was = self.old[j] + start - self.new[j]
                return was + (end - start) <= old_start or was >= old_end
        return False


def _diff(
    a: str, b: str, a0: int, a1: int, b0: int, b1: int, out: list[tuple[int, int, int]], depth: int
) -> None:
    """Append the equal runs between a[a0:a1] and b[b0:b1] to ``out``."""
    p = _gallop(lambda d, z: a[a0 + d : a0 + d + z] == b[b0 + d : b0 + d + z], min(a1 - a0, b1 - b0))
    out.append((a0, b0, p))
    a0, b0 = a0 + p, b0 + p
    s = _gallop(lambda d, z: a[a1 - d - z : a1 - d] == b[b1 - d - z : b1 - d], min(a1 - a0, b1 - b0))
    out.append((a1 - s, b1 - s, s))
    a1, b1 = a1 - s, b1 - s
    if a0 == a1 or b0 == b1:
        return
    if (a1 - a0) * (b1 - b0) <= _CHAR_DIFF_CELLS:
        matcher = SequenceMatcher(None, a[a0:a1], b[b0:b1], autojunk=False)
        out.extend((a0 + i, b0 + j, size) for i, j, size in matcher.get_matching_blocks())
        return
    if depth > 64 or min(a1 - a0, b1 - b0) < 64:
        return  # give up: the span counts as changed, anchor() will search for it
    # Split at a chunk of ``a`` found once in ``b``: first long chunks unique in the
    # whole range, then shorter ones unique near where they should be (repetitive
    # texts, dense corrections).
    slack = abs((b1 - b0) - (a1 - a0)) + 1024
    for probe_len, local in ((64, False), (32, True), (12, True)):
        for frac, step in product((0.5, 0.3, 0.7, 0.1, 0.9), (0, 1, 2)):
            # a probe may straddle an edit: its neighbours are tried too
            i = min(a1 - probe_len, a0 + int((a1 - a0 - probe_len) * frac) + step * probe_len)
            probe = a[i : i + probe_len]
            expect = b0 + (i - a0) * (b1 - b0) // (a1 - a0)
            lo, hi = (max(b0, expect - slack), min(b1, expect + slack)) if local else (b0, b1)
            alo, ahi = (max(a0, i - slack), min(a1, i + slack)) if local else (a0, a1)
            j = b.find(probe, lo, hi)
            if (
                j != -1
                and b.find(probe, j + 1, hi) == -1
                and a.find(probe, alo, i) == -1
                and a.find(probe, i + 1, ahi) == -1
            ):
                _diff(a, b, a0, i, b0, j, out, depth + 1)
                out.append((i, j, probe_len))
                _diff(a, b, i + probe_len, a1, j + probe_len, b1, out, depth + 1)
                return


def reanchor_all(
    old_text: str, new_text: str, selectors: Iterable[tuple[str, TextSelector]],
    threshold: float = 0.75,
) -> dict[str, Anchor]:
    """Re-anchor every annotation of a text after an edit; one entry per input id.

    The diff of old -> new is computed once; each selector's offsets are mapped
    through it in O(log b) and accepted when the mapped span still holds the quote
    (OK if the offsets did not change, MOVED otherwise). Only annotations whose
    own text was edited fall back to :func:`anchor` with the mapped start as hint,
    and what that finds is refused when it is a passage that stood unchanged
    elsewhere before the edit: a deleted passage is orphaned, it does not jump to
    another occurrence of its words (the diff knows where each occurrence came
    from; only text the edit wrote, or the annotation's own words, may take it).
    An orphan is placed at its mapped span, where its passage used to be.
    """
    offsets = _OffsetMap.between(old_text, new_text)
    result: dict[str, Anchor] = {}
    n_old = len(old_text)
    for key, sel in selectors:
        try:
            s0 = min(max(sel.start, 0), n_old)
            e0 = min(max(sel.end, s0), n_old)
            end, end_kept = offsets.map_end(e0)
            start = min(offsets.map_start(s0), end) if sel.exact else end
            if (sel.exact and new_text[start:end] == sel.exact) or (not sel.exact and end_kept):
                result[key] = _found(sel, start, end, 1.0)
                continue
            found = anchor(new_text, sel, threshold, hint=start)
            if found.state is not AnchorState.ORPHANED and offsets.stood_elsewhere(
                    found.start, found.end, s0, e0):
                found = Anchor(start, end, AnchorState.ORPHANED, 0.0)
            elif found.state is AnchorState.ORPHANED:
                found = Anchor(start, end, AnchorState.ORPHANED, 0.0)
        except Exception:  # never lose an annotation, whatever its selector holds
            found = _orphan(new_text, sel)
        result[key] = found
    return result
