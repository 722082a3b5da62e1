"""Code-point offsets <-> UTF-16 code units, as Qt counts a text.

Its own module, importing only the standard library: the window's first glance at a
project (gui/first_glance.py) places its highlights before the rest of the core, with
its text anchoring, is loaded; the text view uses the same map.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class Utf16Map:
    """Code-point offsets <-> UTF-16 code units for one text (QTextDocument counts the
    latter: every character beyond the BMP is a surrogate pair, two units).

    Built once per text in O(n) at C speed (a regex over the text); each conversion is
    O(log a) by bisection over the a non-BMP characters, O(1) for an all-BMP text.
    Offsets out of range are clamped, so the GUI never gets a position past the end.
    """

    __slots__ = ("_astral", "_astral_u16", "length", "utf16_length")

    def __init__(self, text: str) -> None:
        self.length = len(text)
        self._astral = [] if text.isascii() else [m.start() for m in _ASTRAL.finditer(text)]
        self._astral_u16 = [cp + i for i, cp in enumerate(self._astral)]
        self.utf16_length = self.length + len(self._astral)

    def to_utf16(self, cp: int) -> int:
        cp = min(max(cp, 0), self.length)
        return cp + bisect_left(self._astral, cp) if self._astral else cp

    def to_codepoint(self, u16: int) -> int:
        """A unit inside a surrogate pair maps to the start of its character."""
        u16 = min(max(u16, 0), self.utf16_length)
        if not self._astral:
            return u16
        before = bisect_right(self._astral_u16, u16 - 2)  # pairs wholly before u16
        if before < len(self._astral_u16) and self._astral_u16[before] == u16 - 1:
            return self._astral[before]
        return u16 - before
