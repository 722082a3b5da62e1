"""Name normalisation: when are two spellings the same name?

The sources spell one person many ways: "Herriot", "HERRIOT", "Hérriot" (case and
diacritics), "Эррио" and "Errio" (a Cyrillic original and its transliteration),
"Aleksandr" and "Alexandr", "Zhukov" and "Joukov" (English and French transliteration
of Russian). Matching must see through these, and must still tell where in the text a
name stands, so everything here works word by word: a text is cut into words with
their code-point offsets, and each word gets a *key*.

Two levels, the second built on the first:

``fold(s)``
    *the* rule for "the same spelling": case, diacritics, script and spacing do not
    matter. Every script is written in Latin letters by anyascii (maintained, and
    it covers the Georgian, Greek and Armenian names of our sources, which a table of
    our own did not): "Hérriot" -> "herriot", "Чичерин" -> "chicherin", "ჟორდანია" ->
    "zhordania", "Straße" -> "strasse", "Œuvre" -> "oeuvre"; apostrophes (and the
    soft sign, which anyascii writes as one) vanish. Entities, aliases, tags of an
    import or a merge, rejected suggestions: everything that asks "same name?" asks it.
``word_key(word)``
    ``fold`` plus collapsing of transliteration variants, in this order:

    ====================  ======  =====================================
    variants              key     example
    ====================  ======  =====================================
    tsch, sch, tch        ch      Tchitcherine, Tschitscherin ~ Chicherin
    dzh, dj, zh, j        j       Zhukov ~ Joukov, Dzhugashvili ~ Djougachvili
    kh                    h       Mikhail ~ Mihail
    x, ks                 ks      Alexandr ~ Aleksandr
    tz, ts                c       Trotzki ~ Trotski
    w                     v       Tschaikowsky ~ Chaikovsky
    ff (word end)         v       Rachmaninoff ~ Rachmaninov
    y                     i       Dmitry ~ Dmitri, Nikolay ~ Nikolai
    ou                    u       Boukharine ~ Bukharin
    ie, ye                e       Yevgeny ~ Ievgeny ~ Evgeny
    doubled letters       single  Errio ~ Erio, Vassili ~ Vasili
    ====================  ======  =====================================

    The key is only for *finding* candidates; a scholar confirms each one in the
    review queue, so a key that now and then joins two different names costs one
    keystroke (reject), while a key that misses a variant loses a mention. What the
    rules cannot join (Herriot ~ Errio: the Russian drops the H and the silent t) is
    left to fuzzy matching (``similarity``) in suggestions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

from anyascii import anyascii

#: Armenian ու is "u" in English and French usage; anyascii follows ISO 9985 ("ow"),
#: which would keep "Նուբար" from "Nubar".
_ARMENIAN_U = re.compile("[Ոո][Ււ]")
#: What transliteration leaves of apostrophes, the okina and the soft and hard signs.
_APOSTROPHES = str.maketrans("", "", "'`")

_VARIANT_MAP = {"tsch": "ch", "sch": "ch", "tch": "ch", "dzh": "j", "dj": "j", "zh": "j",
                "kh": "h", "x": "ks", "ts": "c", "tz": "c", "w": "v", "ff": "v", "ye": "e",
                "y": "i", "ou": "u", "ie": "e"}
# One pass, longest variants first; "ff" only at the end of a word. "ye" stands for the
# two steps y -> i, ie -> e of the table above.
_VARIANTS = re.compile(r"tsch|t?sch|tch|dzh|dj|zh|kh|x|t[sz]|w|ff$|ye|y|ou|ie")
_DOUBLES = re.compile(r"(.)\1+")


def _variant(m: re.Match) -> str:
    return _VARIANT_MAP[m.group()]


#: A word as the full-text index sees one (unicode61): letters and digits, no "_".
WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Case, diacritics, script and spacing do not matter: "Эдуард  Эррио" and
    "Eduard Errio" -> "eduard errio" (cached: suggestions fold every word of a corpus)."""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)  # decomposed "й" is "и" + breve: "i"
        if "ւ" in text or "Ւ" in text:
            text = _ARMENIAN_U.sub(lambda m: "U" if m.group()[0] == "Ո" else "u", text)
        text = anyascii(text)
    return " ".join(text.casefold().translate(_APOSTROPHES).split())


@lru_cache(maxsize=262144)
def word_key(word: str) -> str:
    """The matching key of one word (see the module docstring for the rules)."""
    return _DOUBLES.sub(r"\1", _VARIANTS.sub(_variant, fold(word)))


def words(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, word) of every word of ``text``, offsets in code points."""
    for m in WORD.finditer(text):
        yield m.start(), m.end(), m.group()


def name_key(name: str) -> tuple[str, ...]:
    """The word keys of a name: "M.I. Kalinin" -> ("m", "i", "kalinin")."""
    return tuple(word_key(w) for _, _, w in words(name))


def same_name(a: str, b: str) -> bool:
    """True when two spellings have the same key: Herriot = HERRIOT = Hérriot,
    Эррио = Errio, Aleksandr = Alexandr."""
    ka = name_key(a)
    return bool(ka) and ka == name_key(b)


# -- similarity ------------------------------------------------------------------------

def similarity(a: str, b: str) -> float:
    """Indel similarity of two strings, 0-100: 2 * LCS / (len a + len b), by rapidfuzz
    (a declared dependency: the same measure in C, ~50x our former pure-Python LCS)."""
    from rapidfuzz.fuzz import ratio

    return float(ratio(a, b))


def trigrams(key: str) -> set[str]:
    """Character trigrams of a padded key: the blocking index of fuzzy matching (two
    strings with a high similarity share most of their trigrams)."""
    padded = f"  {key} "
    return {padded[i:i + 3] for i in range(len(padded) - 2)}
