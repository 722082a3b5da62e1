"""Dates in English, French and Russian text, normalised to ISO 8601 with a precision.

A historian's sources write "17 June 1927", "June 17, 1927", "le 1er mai 1935",
"28 октября 1924 г.", "mid-1927", "the 1960s", "XI century". A timeline and a date
filter need one comparable value, but must not pretend to know more than the source
says: "mid-1927" is 1927 *roughly*, not 1927-07-01. So every date found carries:

- ``iso``: ISO 8601 at the precision the text gives ("1927-06-17", "1927-06", "1927"),
  an ISO interval for periods ("1960/1969", "1917/1941", "1000/1099");
- ``precision``: day, month, season, year, decade or century;
- ``approximate``: the text hedges ("mid-", "early", "vers", "около", "c.").

A day and month without a year ("15 October", "le 3 mai") takes its year from the
nearest full date (day or month and year) before it in the same text, else from the
document's own date: a letter's "15 October" follows its dateline, and an article
about 1924 means 1924 whatever year it was written in. ``year_from`` says which.

Centuries run 00-99 ("XX century" = 1900/1999), as ISO 8601's century does.
Numeric dates with dots are day-first (European); with slashes, day-first unless the
numbers say otherwise or the text is English, where month-first is the custom.
"""

from __future__ import annotations

import bisect
import calendar
import functools
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Precision(StrEnum):
    DAY = "day"
    MONTH = "month"
    SEASON = "season"
    YEAR = "year"
    DECADE = "decade"
    CENTURY = "century"


@dataclass(frozen=True, slots=True)
class DateValue:
    """A date found in a text: where (code points), what it says, and how exactly."""

    start: int
    end: int
    text: str
    iso: str
    precision: Precision
    approximate: bool = False
    #: where the year came from when the text gives none: the earlier date's words,
    #: or DOCUMENT_DATE ("" when the text gives the year)
    year_from: str = ""

    @property
    def interval(self) -> tuple[date, date]:
        found = iso_interval(self.iso)
        assert found is not None
        return found


_MONTHS: dict[str, int] = {}
for _n, _names in enumerate((
        "january jan janvier janv январь января январе",
        "february feb febr février fevrier févr fevr февраль февраля феврале",
        "march mar mars март марта марте",
        "april apr avril avr апрель апреля апреле",
        "may mai май мая мае",
        "june jun juin июнь июня июне",
        "july jul juillet juil июль июля июле",
        "august aug août aout август августа августе",
        "september sep sept septembre сентябрь сентября сентябре",
        "october oct octobre октябрь октября октябре",
        "november nov novembre ноябрь ноября ноябре",
        "december dec décembre decembre déc дек декабрь декабря декабре"), 1):
    for _name in _names.split():
        _MONTHS[_name] = _n
_MONTH = "(?P<{}>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11),
            "winter": (12, 2), "printemps": (3, 5), "été": (6, 8), "ete": (6, 8),
            "automne": (9, 11), "hiver": (12, 2), "весна": (3, 5), "весной": (3, 5),
            "лето": (6, 8), "летом": (6, 8), "осень": (9, 11), "осенью": (9, 11),
            "зима": (12, 2), "зимой": (12, 2)}
_HEDGE = (r"(?P<hedge>(?:mid|early|late|circa|c\.|ca\.|around|about|approximately|"
          r"mi|début|debut|fin|vers|environ|"
          r"в\s+середине|середина|в\s+начале|начало|в\s+конце|конец|около|примерно)[-\s]+)?")
_YEAR = r"(?P<year>1\d{3}|20\d{2})"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th|er|e|-?го|-?е)?"
_YEAR_WORD = r"(?:\s*(?:года|году|год|гг?)\b\.?)?"
_ROMAN = r"(?P<roman>[IVXL]{1,6})"

#: (kind, pattern) in order of priority; compiled on first use (``_patterns``), because
#: compiling them cost 0.1-0.2 s at the start of every command, dates read or not
_SOURCES: tuple[tuple[str, str], ...] = (
    ("iso", r"\b(?P<year>\d{4})-(?P<month>[01]\d)-(?P<day>[0-3]\d)\b"),
    ("dmy", rf"\b{_DAY}\s+(?:of\s+|de\s+)?{_MONTH.format('month')},?\s+{_YEAR}\b{_YEAR_WORD}"),
    ("mdy", rf"\b{_MONTH.format('month')}\s+{_DAY},?\s+{_YEAR}\b"),
    ("dotted", r"\b(?P<day>[0-3]?\d)\.(?P<month>[01]?\d)\.(?P<year>\d{4})\b"),
    ("slashed", r"\b(?P<a>[0-3]?\d)/(?P<b>[0-3]?\d)/(?P<year>\d{4})\b"),
    ("season", rf"\b{_HEDGE}(?P<season>{'|'.join(_SEASONS)})\s+(?:of\s+|de\s+)?{_YEAR}\b{_YEAR_WORD}"),
    ("my", rf"\b{_HEDGE}{_MONTH.format('month')},?\s+(?:of\s+|de\s+)?{_YEAR}\b{_YEAR_WORD}"),
    ("range", r"\b(?P<year>1\d{3}|20\d{2})\s?[-–—]\s?(?P<year2>1\d{3}|20\d{2})\b(?!-)"),
    ("decade", rf"\b{_HEDGE}(?P<decade>1\d{{2}}0|20\d0)"
               r"(?:['’]?s\b|-?(?:е|х|ые|ых)\b|(?=\s+(?:годы|годов|годах)\b))"),
    ("decade", rf"\b{_HEDGE}(?:les\s+)?années\s+(?P<decade>1\d{{2}}0|20\d0)\b"),
    ("century", rf"\b{_ROMAN}(?:th|e|ème)?\s+(?:century|siècle|siecle|век|века|веке)\b"),
    ("century_n", r"\b(?P<cnum>[12]?\d)(?:st|nd|rd|th)\s+century\b"),
    ("year", rf"(?<![\d.,/$€£№#-])(?<!No\. )(?<!no\. )(?<!p\. )(?<!pp\. )(?<!№ )\b{_HEDGE}{_YEAR}\b(?![-–]\d|[.,]\d|\s*%)"
             rf"{_YEAR_WORD}"),
)
_PRIORITY = {kind: i for i, (kind, _) in enumerate(_SOURCES)}
DOCUMENT_DATE = "the document's date"
#: a day and a month with no year after them (a year after them is a full date,
#: which is longer and wins where both match): "15 October", "October 15"; found
#: from each one- or two-digit number, so a megabyte of prose is read once, fast
_DAY_NUMBER = re.compile(r"(?<![\d.,/:])\b[0-3]?\d(?!\d)(?![.,:/]\d)")
_DM = rf"{_DAY}\s+(?:of\s+|de\s+)?{_MONTH.format('month')}(?![\w-])"
_MD = rf"\b{_MONTH.format('month')}\s+{_DAY}\b(?![.,]?\s*\d)"


@functools.cache
def _patterns() -> list[tuple[str, re.Pattern]]:
    return [(kind, re.compile(p, re.IGNORECASE)) for kind, p in _SOURCES]


@functools.cache
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)
_FULL = (Precision.DAY, Precision.MONTH)


_ANCHOR = re.compile(r"\d{3}|centur|si[eè]cle|век", re.IGNORECASE)
_WINDOW = 60


def find_dates(text: str, language: str = "", document_date: str = "") -> list[DateValue]:
    """Every date in ``text`` (English, French or Russian), in reading order; where
    two readings overlap, the longer (then the more specific pattern) wins, so
    "17 June 1927" is one day, not a day plus the year 1927. A day and month without
    a year count when a year can be had (module docstring): ``document_date`` is the
    document's own date (ISO 8601, as its metadata holds it).

    Every full date has three digits in a row or a word for century, so the patterns
    run only in windows around those: a megabyte of prose takes milliseconds, not a
    second."""
    found: list[tuple[int, int, int, DateValue]] = []
    for lo, hi in _windows(text):
        for kind, pattern in _patterns():
            for m in pattern.finditer(text, lo, hi):
                value = _value(kind, m, language)
                if value is not None:
                    found.append((-(value.end - value.start), _PRIORITY[kind], value.start,
                                  value))
    out = _resolve(found)
    fallback = _one_year(document_date)
    full = [v for v in out if v.precision in _FULL]
    if full or fallback is not None:
        for value in _yearless(text, language, full, fallback):
            found.append((-(value.end - value.start), len(_PRIORITY), value.start, value))
        out = _resolve(found)
    return out


def _resolve(found: list[tuple[int, int, int, DateValue]]) -> list[DateValue]:
    """Overlapping readings: the longest, then the most specific pattern, wins. The
    spans taken are disjoint, so sorted by start their ends are sorted too: only the
    last one starting before a reading ends can overlap it (this check was a scan of
    all taken spans, 3.3 s for the 5,000 dates of a megabyte)."""
    found.sort(key=lambda f: (f[0], f[1], f[2]))
    starts: list[int] = []
    ends: list[int] = []
    out = []
    for _, _, _, value in found:
        i = bisect.bisect_left(starts, value.end)
        if i and ends[i - 1] > value.start:
            continue
        starts.insert(i, value.start)
        ends.insert(i, value.end)
        out.append(value)
    return sorted(out, key=lambda v: v.start)


def _windows(text: str) -> list[tuple[int, int]]:
    """Stretches of ``text`` around each anchor, merged, ending after a space (a
    pattern searched up to ``endpos`` sees the text as ending there)."""
    out: list[tuple[int, int]] = []
    n = len(text)
    for m in _ANCHOR.finditer(text):
        lo = max(0, m.start() - _WINDOW)
        hi = min(n, m.end() + _WINDOW)
        while hi < n and not text[hi].isspace():
            hi += 1
        hi = min(n, hi + 1)
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _one_year(value: str) -> int | None:
    """The year an ISO value lies in, if it lies in one ("1927-06-17", "1927")."""
    interval = iso_interval(value) if value else None
    if interval is None or interval[0].year != interval[1].year:
        return None
    return interval[0].year


def _yearless(text: str, language: str, full: list[DateValue],
              fallback: int | None) -> list[DateValue]:
    """Days and months written without a year, given the year of the nearest full
    date before each (``full``, in reading order), else ``fallback``."""
    starts = [v.start for v in full]
    out = []
    for number in _DAY_NUMBER.finditer(text):
        m = _compiled(_DM).match(text, number.start())
        if m is None:  # the month before the number?
            m = _compiled(_MD).search(text, max(0, number.start() - 14), number.end() + 8)
            if m is None or m.start("day") != number.start():
                continue
        month_word = m.group("month")
        if month_word[:3] in ("may", "mar") and not month_word[0].isupper() and \
                not language.startswith("fr"):
            continue  # "may" and "mar" are English words, as in _value
        before = bisect.bisect_right(starts, m.start()) - 1
        if before >= 0:
            year, source = int(full[before].iso[:4]), full[before].text
        elif fallback is not None:
            year, source = fallback, DOCUMENT_DATE
        else:
            continue
        month, day = _month(month_word), int(m.group("day"))
        try:
            date(year, month, day)
        except ValueError:
            continue
        words = m.group().rstrip(".")  # "on 2 March." ends a sentence
        out.append(DateValue(m.start(), m.start() + len(words), words,
                             f"{year:04d}-{month:02d}-{day:02d}", Precision.DAY,
                             year_from=source))
    return out


def document_date(metadata: object) -> str:
    """A document's own date as its metadata holds it ("" when none: a crafted file's
    metadata may hold anything)."""
    own = metadata.get("date") if isinstance(metadata, dict) else None
    return own if isinstance(own, str) else ""


def year_context(text: str, offset: int, language: str = "", document_date: str = "") -> str:
    """The text before ``offset`` that a day and month written there would take its
    year from (its nearest full date; the document's date stands after it), for
    :func:`parse_date` on a passage or a field: "17 June 1927" or "1927-06-17"."""
    full = [v for v in find_dates(text[:offset], language) if v.precision in _FULL]
    return full[-1].iso if full else document_date


def parse_date(text: str, language: str = "", year_from: str = "") -> DateValue | None:
    """The date that ``text`` is, if the whole of it (but for spaces and punctuation
    around it) is one date: for the note field, a CLI argument, a selection.
    ``year_from``: an ISO date whose year a day and month without one take (see
    :func:`year_context`)."""
    stripped = text.strip(" \t\n.,;:()[]")
    for value in find_dates(stripped, language, year_from):
        if value.start == 0 and value.end == len(stripped):
            return value
    return None


def _value(kind: str, m: re.Match, language: str) -> DateValue | None:
    g = m.groupdict()
    hedge = bool(g.get("hedge"))
    start, end = m.start(), m.end()
    month_word = g.get("month") or ""
    if month_word[:3] in ("may", "mar") and not month_word[0].isupper() and \
            not language.startswith("fr"):
        return None  # "may" and "mar" are English words; the month is written "May"
    try:
        if kind in ("iso", "dmy", "mdy", "dotted", "slashed"):
            year = int(g["year"])
            if kind == "slashed":
                a, b = int(g["a"]), int(g["b"])
                month_first = b > 12 or (a <= 12 and language.startswith("en"))
                month, day = (a, b) if month_first else (b, a)
            else:
                month = int(g["month"]) if g["month"].isdigit() else _month(g["month"])
                day = int(g["day"])
            date(year, month, day)  # raises for 31 June
            return DateValue(start, end, m.group(), f"{year:04d}-{month:02d}-{day:02d}",
                             Precision.DAY)
        if kind == "my":
            year, month = int(g["year"]), _month(g["month"])
            return DateValue(start, end, m.group(), f"{year:04d}-{month:02d}", Precision.MONTH,
                             hedge)
        if kind == "season":
            year = int(g["year"])
            first, last = _SEASONS[g["season"].casefold()]
            end_year = year + 1 if last < first else year  # winter runs into January
            return DateValue(start, end, m.group(),
                             f"{year:04d}-{first:02d}/{end_year:04d}-{last:02d}",
                             Precision.SEASON, hedge)
        if kind == "range":
            y1, y2 = int(g["year"]), int(g["year2"])
            if y2 <= y1:
                return None
            return DateValue(start, end, m.group(), f"{y1:04d}/{y2:04d}", Precision.YEAR)
        if kind == "decade":
            d = int(g["decade"])
            return DateValue(start, end, m.group(), f"{d:04d}/{d + 9:04d}", Precision.DECADE,
                             hedge)
        if kind in ("century", "century_n"):
            n = _roman(g["roman"]) if kind == "century" else int(g["cnum"])
            if not 1 <= n <= 21:
                return None
            c = (n - 1) * 100
            return DateValue(start, end, m.group(), f"{c:04d}/{c + 99:04d}", Precision.CENTURY)
        if kind == "year":
            return DateValue(start, end, m.group(), f"{int(g['year']):04d}", Precision.YEAR,
                             hedge)
    except (ValueError, KeyError):
        return None
    return None


def _month(name: str) -> int:
    return _MONTHS[name.casefold().rstrip(".")]


def _roman(text: str) -> int:
    values = {"I": 1, "V": 5, "X": 10, "L": 50}
    total = 0
    for i, ch in enumerate(text.upper()):
        v = values[ch]
        nxt = values[text.upper()[i + 1]] if i + 1 < len(text) else 0
        total += -v if v < nxt else v
    return total


# -- ISO values as intervals ------------------------------------------------------------

_ISO_PART = re.compile(r"^(-?\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def iso_interval(value: str) -> tuple[date, date] | None:
    """First and last day a stored ISO value covers: "1927" -> 1927-01-01..1927-12-31,
    "1927-06" -> June, "1920/1929" -> the decade; EDTF's "~"/"?" qualifiers and
    unspecified digits ("192X") are understood. None when ``value`` is not a date."""
    value = value.strip().rstrip("~?%")
    if not value:
        return None
    if "/" in value:
        a, _, b = value.partition("/")
        first, last = iso_interval(a), iso_interval(b)
        if first is None or last is None or last[1] < first[0]:
            return None
        return first[0], last[1]
    if re.fullmatch(r"\d{2}[0-9X]X|\d{3}X", value):
        low = int(value.replace("X", "0"))
        high = int(value.replace("X", "9"))
        return date(max(low, 1), 1, 1), date(high, 12, 31)
    m = _ISO_PART.match(value)
    if m is None:
        return None
    try:
        year = int(m.group(1))
        if year < 1:
            return None
        if m.group(3):
            d = date(year, int(m.group(2)), int(m.group(3)))
            return d, d
        if m.group(2):
            month = int(m.group(2))
            return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
        return date(year, 1, 1), date(year, 12, 31)
    except ValueError:
        return None


def precision_of(value: str) -> Precision | None:
    """The precision a stored ISO value expresses (for the timeline's marks)."""
    interval = iso_interval(value)
    if interval is None:
        return None
    days = (interval[1] - interval[0]).days
    if days == 0:
        return Precision.DAY
    if days <= 31:
        return Precision.MONTH
    if days <= 100:
        return Precision.SEASON
    if days <= 366:
        return Precision.YEAR
    if days <= 3700:
        return Precision.DECADE
    return Precision.CENTURY


def overlaps(value: str, first: date | None, last: date | None) -> bool:
    """Whether a stored ISO value's interval meets [first, last] (open ends allowed):
    the date-range filter of the annotations table and of search."""
    interval = iso_interval(value)
    if interval is None:
        return False
    return (first is None or interval[1] >= first) and (last is None or interval[0] <= last)
