"""Place names the gazetteer knows, proposed as places (issue 15): "Moscow", "Riga",
"New York", "Rio de Janeiro", a country ("Germany", "Finland"). A run of capitalised
words is proposed where the gazetteer knows it whole (15,000 people or more); one word
standing alone only where it is a country or a place of 100,000 people or more (the
towns called "Union", "Howard" or "Davis" stay quiet), never where the text also
writes it in lower case ("Not", "All", "Central"), nor an all-capital code ("GPO"), nor
a word in brackets (a name after a role: "the Chargé in Finland (Hall)"), nor at the
start of a sentence unless the text also writes it capitalised within one or a comma
follows (a dateline: "Washington, May 19, 1925"). Nothing without the gazetteer's
index (:func:`annotator.core.gazetteer.ready`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from annotator.core import gazetteer
from annotator.core.names import fold

if TYPE_CHECKING:
    from collections.abc import Callable

    from annotator.core.suggestions import Suggestion

_ENDS = ".!?:;\u2029"
SINGLE_WORD_POPULATION = 100_000


def place_spans(text: str, tokens: list[tuple[int, int, str]], taken: list[bool],
                phrases: list[tuple[int, int]], stop: set[str]) -> list[tuple[int, int, tuple]]:
    """(start, end, (name, country code, population)) of place names in ``text``: a
    whole run of capitalised words ("New York"), or a word standing alone."""
    if not gazetteer.ready():
        return []
    mid_sentence = {w for i, (_s, _e, w) in enumerate(tokens) if w[0].isupper()
                    and not _sentence_start(text, tokens, i)}
    candidates: dict[str, list[tuple[int, int]]] = {}
    singles = []
    for i, j in phrases:  # a run is a place whole or not at all ("Soviet Union" ≠ Union)
        if j - i > 1:
            candidates.setdefault(fold(text[tokens[i][0]:tokens[j - 1][1]]), []).append(
                (tokens[i][0], tokens[j - 1][1]))
        else:
            singles.append(i)
    lower = {w for _s, _e, w in tokens if w.islower()}
    for i in singles:
        start, end, word = tokens[i]
        if taken[i] or len(word) < 3 or word.casefold() in stop or word.casefold() in lower \
                or (word.isupper() and len(word) <= 4) or _bracketed(text, start, end):
            continue
        if _sentence_start(text, tokens, i) and word not in mid_sentence \
                and text[end:end + 1] != ",":  # "Washington, May 19": a dateline
            continue
        candidates.setdefault(fold(word), []).append((start, end))
    known = gazetteer.known_places(set(candidates))
    known = {k: v for k, v in known.items()
             if " " in k or v[2] >= SINGLE_WORD_POPULATION or _country(v)}
    spans = sorted((a, b, known[key]) for key, where in candidates.items() if key in known
                   for a, b in where)
    out: list[tuple[int, int, tuple]] = []
    for a, b, place in sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]))):
        if not out or a >= out[-1][1]:
            out.append((a, b, place))
    return out


def _country(place: tuple) -> bool:
    return len(place) > 3 and place[3]


def _bracketed(text: str, start: int, end: int) -> bool:
    return text[start - 1:start] in "([" and text[end:end + 1] in ")]" and start > 0


def _sentence_start(text: str, tokens: list, i: int) -> bool:
    """After a full stop, a colon, or a blank line (a line break alone is not: a letter's
    "Helsingfors, August 24" line is a place)."""
    head = text[:tokens[i][0]]
    before = head.rstrip(" \t\"'“‘([")
    return not before or before[-1] in _ENDS or head.rstrip(" \t").endswith("\n\n")


def place_suggestions(doc_id: str, text: str, tokens: list, taken: list[bool],
                      phrases: list[tuple[int, int]], stop: set[str], place_type: str | None,
                      make: Callable[..., Suggestion]) -> list[Suggestion]:
    """The spans as suggestions of kind ``place`` (``make`` is suggestions._make)."""
    return [make("place", doc_id, text, a, b,
                 f"Place “{text[a:b]}” ({name}, {iso})" if name != text[a:b]
                 else f"Place “{name}” ({iso})", type_id=place_type, score=60.0)
            for a, b, (name, iso, *_rest) in place_spans(text, tokens, taken, phrases,
                                                              stop)]
