"""Where a text has a name: runs of capitalised words that belong together ("Central
Executive Committee", "M.I. Kalinin", "Karl von Clausewitz"), and a guess at what kind
of name a run is from its telling words. Used by the suggestions (names, aliases,
places) and by "tag all occurrences", so both agree on what joins two words."""

from __future__ import annotations

import re

_GAP = re.compile(r"[ \u00a0]|[-‐–—'’] ?|\. ?|\.-")
_INITIALS = {"mr", "mrs", "dr", "st", "mme", "gen", "col", "jr", "sr"}


def adjacent(text: str, tokens: list, i: int, j: int) -> bool:
    """Words i..j-1 form one name: between neighbours a space, a hyphen or dash, an
    apostrophe, or a full stop after an initial or a title ("M.I. Kalinin", "Mr.
    Briand"); not a comma, not a sentence end, not a line break."""
    for k in range(i, j - 1):
        gap = text[tokens[k][1]:tokens[k + 1][0]]
        if not _GAP.fullmatch(gap):
            return False
        if "." in gap:
            word = tokens[k][2]
            if len(word) > 1 and word.casefold() not in _INITIALS:
                return False
    return True


_CONNECTORS = {"of", "de", "du", "des", "la", "le", "von", "van", "der", "den", "di", "da",
               "del", "al", "el", "ibn", "bin", "y"}
STOP_WORDS = set("""the a an in on at of for to by from with and but or as if when while after
before during since until this that these those there here his her its their our my your
we he she it they i however although though yet so thus also then mr mrs ms m mme mlle dr
le la les un une des en dans et mais ou pour par avec sur ce cette il elle nous vous ils
elles je в на и но с по для от к о это он она они мы вы я""".split())
_MONTH_WORDS = {"january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december", "monday", "tuesday",
                "wednesday", "thursday", "friday", "saturday", "sunday", "janvier", "février",
                "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
                "novembre", "décembre"}


def capitalised_runs(text: str, tokens: list, taken: list[bool]) -> list[tuple[int, int]]:
    """Runs of capitalised words (token index ranges [i, j)), allowing "of", "de",
    "von" … inside, without leading function words ("The") or month names."""
    runs = []
    n = len(tokens)
    after = -1
    for i in [i for i, t in enumerate(tokens) if t[2][0].isupper()]:
        word = tokens[i][2].casefold()
        if i < after or taken[i] or word in STOP_WORDS or word in _MONTH_WORDS:
            continue
        j = i + 1
        while j < n and not taken[j] and adjacent(text, tokens, j - 1, j + 1):
            w = tokens[j][2]
            if w[0].isupper() and w.casefold() not in _MONTH_WORDS and \
                    w.casefold() not in STOP_WORDS:  # not "World War I. They"
                j += 1
            elif w in _CONNECTORS and j + 1 < n and tokens[j + 1][2][0].isupper() \
                    and not taken[j + 1] and adjacent(text, tokens, j, j + 2):
                j += 2
            else:
                break
        runs.append((i, j))
        after = j
    return runs


_TYPE_WORDS = {
    "Organisation": {"committee", "council", "party", "league", "government", "ministry",
                     "society", "bank", "company", "commission", "assembly", "delegation",
                     "office", "union", "comintern", "academy", "army", "navy", "agency",
                     "comité", "conseil", "parti", "ligue", "gouvernement", "ministère",
                     "société", "комитет", "совет", "партия", "правительство"},
    "Event": {"treaty", "pact", "conference", "war", "revolution", "agreement", "accord",
              "congress", "summit", "crisis", "invasion", "traité", "pacte", "conférence",
              "guerre", "révolution", "договор", "пакт", "конференция", "война", "революция"},
    "Place": {"sea", "river", "mountains", "street", "square", "island", "islands", "bay",
              "ocean", "city", "mer", "rue", "place", "море", "река", "улица"},
    "Person": {"mr", "mrs", "m", "mme", "dr", "general", "count", "prince", "princess",
               "comrade", "monsieur", "madame", "sir", "lord", "lady", "president", "king",
               "queen", "tsar"},
}


def guess_type(words: list[str]) -> str:
    """Person, Place, Organisation, Event from telling words; "" when unsure."""
    folded = [w.casefold() for w in words]
    if folded[0] in _TYPE_WORDS["Person"]:
        return "Person"
    for type_name in ("Organisation", "Event", "Place"):
        if any(w in _TYPE_WORDS[type_name] for w in folded):
            return type_name
    return ""
