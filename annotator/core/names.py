"""Name normalisation: when are two spellings the same name?

The sources spell one person many ways: "Herriot", "HERRIOT", "Hérriot" (case and
diacritics), "Эррио" and "Errio" (a Cyrillic original and its transliteration),
"Aleksandr" and "Alexandr", "Zhukov" and "Joukov" (English and French transliteration
of Russian). Matching must see through these, and must still tell where in the text a
name stands, so everything here works word by word: a text is cut into words with
their code-point offsets, and each word gets a *key*.

Three levels, each built on the one before:

``fold(s)``
    case, diacritics and spacing: "Hérriot" -> "herriot". Used for display-level
    equality (the entity store's ``fold`` is the same rule).
``translit(s)``
    ``fold`` after writing Cyrillic in Latin letters (a scholarly table close to
    BGN/PCGN, see ``CYRILLIC``): "Эррио" -> "errio".
``word_key(word)``
    ``translit`` plus collapsing of transliteration variants, in this order:

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

#: Letters that diacritic stripping does not reduce to ASCII.
_SPECIAL = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d",
                          "ı": "i", "ð": "d", "þ": "th", "ə": "a", "ʼ": "", "’": "", "'": ""})

#: Cyrillic to Latin (Russian, with the Ukrainian and Belarusian extra letters), lower
#: case; ь and ъ vanish. Close to BGN/PCGN, which most English-language scholarship uses.
CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya", "і": "i", "ї": "yi", "є": "ye", "ґ": "g", "ў": "w",
}
_CYRILLIC = str.maketrans(CYRILLIC)

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
    """Case, diacritics and spacing do not matter: "Hérriot  X" -> "herriot x"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_SPECIAL))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


@lru_cache(maxsize=65536)
def translit(text: str) -> str:
    """``fold`` with Cyrillic written in Latin letters: "Эдуард Эррио" -> "eduard errio"."""
    return fold(text.casefold().translate(_CYRILLIC))


@lru_cache(maxsize=262144)
def word_key(word: str) -> str:
    """The matching key of one word (see the module docstring for the rules)."""
    return _DOUBLES.sub(r"\1", _VARIANTS.sub(_variant, translit(word)))


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

try:  # the same measure as below, in C; optional
    from rapidfuzz.fuzz import ratio as _rapid_ratio
except ImportError:  # pragma: no cover - depends on the environment
    _rapid_ratio = None


def similarity(a: str, b: str) -> float:
    """Indel similarity of two strings, 0-100: 2 * LCS / (len a + len b), as
    rapidfuzz's ``fuzz.ratio`` (used when installed; this pure-Python bit-parallel
    LCS gives the same numbers)."""
    if _rapid_ratio is not None:
        return float(_rapid_ratio(a, b))
    if not a and not b:
        return 100.0
    return 200.0 * lcs_length(a, b) / (len(a) + len(b))


def lcs_length(a: str, b: str) -> int:
    """Length of the longest common subsequence (Hyyrö's bit-vector algorithm: one
    pass over ``b`` with integer bit operations, fast enough for names)."""
    if len(a) < len(b):
        a, b = b, a
    masks: dict[str, int] = {}
    for i, ch in enumerate(a):
        masks[ch] = masks.get(ch, 0) | (1 << i)
    full = (1 << len(a)) - 1
    v = full
    for ch in b:
        u = v & masks.get(ch, 0)
        v = ((v + u) | (v - u)) & full
    return len(a) - bin(v).count("1")


def trigrams(key: str) -> set[str]:
    """Character trigrams of a padded key: the blocking index of fuzzy matching (two
    strings with a high similarity share most of their trigrams)."""
    padded = f"  {key} "
    return {padded[i:i + 3] for i in range(len(padded) - 2)}
