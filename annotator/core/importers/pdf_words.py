"""A PDF page's word boxes, read from MuPDF as columns and made into tuples only
when something reads them.

Issue 17: importing a 300-page text PDF spent ~10 % of its time building 150k
``(x0, y0, x1, y1, word)`` tuples (600k rounded floats) that the import only hands
to the JSON encoder. A page's words are kept as one numpy array of the four
coordinates and their texts joined by line breaks (a word holds no white space);
``WordBoxes`` is the read-only list of tuples the rest of annotator expects, built
once, on first use, exactly as before (``numpy.round(box, 2).tolist()``, zipped with
the texts). Keeping only these two lets the memory of MuPDF's word tuples go page by
page: keeping their floats and strings pinned it all until the import's end, and each
import mapped it again (~4,500 page faults, 4 % of a 300-page import)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import islice
from typing import Any, overload

Word = tuple[float, float, float, float, str]


class WordBoxes(Sequence[Word]):
    """A page's words, ``(x0, y0, x1, y1, word)`` rounded to 0.01 pt, in reading
    order; a read-only list whose tuples are made on first use and then kept."""

    __slots__ = ("_box", "_texts", "_count", "_words")

    def __init__(self, box: Any, texts: Sequence[str] | str, count: int | None = None) -> None:
        self._box = box  # x0, y0, x1, y1 columns (an array or 4 sequences), not yet rounded
        self._texts = texts  # the words, or all of them joined by line breaks (``count``)
        self._count = len(texts) if count is None else count
        self._words: list[Word] | None = None

    def _made(self) -> list[Word]:
        words = self._words
        if words is None:
            import numpy

            box = numpy.asarray(self._box, numpy.float64).round(2).tolist()
            texts = self._texts
            if isinstance(texts, str):
                texts = texts.split("\n")
            words = self._words = list(zip(*box, texts, strict=True))
            self._box = self._texts = None  # the tuples hold it all now
        return words

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> Word: ...

    @overload
    def __getitem__(self, index: slice) -> list[Word]: ...

    def __getitem__(self, index: int | slice) -> Word | list[Word]:
        return self._made()[index]

    def __iter__(self) -> Iterator[Word]:
        return iter(self._made())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, WordBoxes):
            other = other._made()
        if isinstance(other, list | tuple):
            return self._made() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # a list's equality, not hashable

    def __repr__(self) -> str:
        return f"WordBoxes({self._made()!r})"

    def __reduce__(self) -> tuple:
        return (list, (self._made(),))  # pickled (a worker's result) as the plain list


def word_columns(found: list[tuple]) -> tuple[tuple[tuple[float, ...], ...], tuple[str, ...]]:
    """The four coordinate columns of MuPDF's word tuples, and the words.
    ``zip(*found)`` turns the rows into columns in C; only the first five are taken
    (3-4x faster than fetching four columns with itemgetter)."""
    x0, y0, x1, y1, texts = islice(zip(*found, strict=False), 5)
    return (x0, y0, x1, y1), texts
