"""Dates in English, French and Russian text, normalised to ISO 8601 with a precision;
and names folded for matching (case, diacritics, transliteration)."""

from __future__ import annotations

from datetime import date

import pytest

from annotator.core import names
from annotator.core.dates import Precision, find_dates, iso_interval, overlaps, parse_date


@pytest.mark.parametrize("text, iso, precision, approximate", [
    ("17 June 1927", "1927-06-17", Precision.DAY, False),
    ("June 17, 1927", "1927-06-17", Precision.DAY, False),
    ("October 28, 1924", "1924-10-28", Precision.DAY, False),
    ("28 October, 1924", "1924-10-28", Precision.DAY, False),
    ("17th of June, 1927", "1927-06-17", Precision.DAY, False),
    ("Oct. 28, 1924", "1924-10-28", Precision.DAY, False),
    ("1927-06-17", "1927-06-17", Precision.DAY, False),
    ("17.06.1927", "1927-06-17", Precision.DAY, False),
    ("August 1928", "1928-08", Precision.MONTH, False),
    ("early June 1927", "1927-06", Precision.MONTH, True),
    ("mid-1927", "1927", Precision.YEAR, True),
    ("1924", "1924", Precision.YEAR, False),
    ("1917-1941", "1917/1941", Precision.YEAR, False),
    ("1945–1949", "1945/1949", Precision.YEAR, False),
    ("1960s", "1960/1969", Precision.DECADE, False),
    ("late 1920s", "1920/1929", Precision.DECADE, True),
    ("spring 1927", "1927-03/1927-05", Precision.SEASON, False),
    ("XI century", "1000/1099", Precision.CENTURY, False),
    ("20th century", "1900/1999", Precision.CENTURY, False),
    # French
    ("1er mai 1935", "1935-05-01", Precision.DAY, False),
    ("28 octobre 1924", "1924-10-28", Precision.DAY, False),
    ("août 1928", "1928-08", Precision.MONTH, False),
    ("les années 1960", "1960/1969", Precision.DECADE, False),
    ("XXe siècle", "1900/1999", Precision.CENTURY, False),
    ("hiver 1927", "1927-12/1928-02", Precision.SEASON, False),
    ("vers 1927", "1927", Precision.YEAR, True),
    # Russian
    ("28 октября 1924", "1924-10-28", Precision.DAY, False),
    ("2 мая 1935 г.", "1935-05-02", Precision.DAY, False),
    ("августе 1928 года", "1928-08", Precision.MONTH, False),
    ("1924 году", "1924", Precision.YEAR, False),
    ("1960-е", "1960/1969", Precision.DECADE, False),
    ("около 1927", "1927", Precision.YEAR, True),
])
def test_dates_normalise_with_precision(text, iso, precision, approximate):
    value = parse_date(text)
    assert value is not None, text
    assert (value.iso, value.precision, value.approximate) == (iso, precision, approximate)


def test_find_dates_in_running_text_with_offsets():
    text = ("Foreign relations began on 28 October, 1924. In the 1960s and 1970s France "
            "tried to broker; the letter of mid-1927 is dated June 17, 1927. В 1924 году; "
            "28 октября 1924 г.")
    found = find_dates(text)
    assert [v.iso for v in found] == ["1924-10-28", "1960/1969", "1970/1979", "1927",
                                      "1927-06-17", "1924", "1924-10-28"]
    for v in found:
        assert text[v.start:v.end] == v.text


def test_no_dates_in_numbers_and_words():
    assert find_dates("1,917 people paid 1924.50 francs, No. 1927") == []
    assert [v.iso for v in find_dates("they may 1935")] == ["1935"]  # "may" is no month
    assert all(v.iso != "1927-06-31" for v in find_dates("31 June 1927"))
    assert parse_date("not a date") is None


def test_slashes_follow_the_numbers_then_the_language():
    assert parse_date("06/17/1927").iso == "1927-06-17"
    assert parse_date("17/06/1927").iso == "1927-06-17"
    assert parse_date("05/06/1927", "en").iso == "1927-05-06"
    assert parse_date("05/06/1927", "fr").iso == "1927-06-05"


def test_iso_intervals_and_overlap():
    assert iso_interval("1927") == (date(1927, 1, 1), date(1927, 12, 31))
    assert iso_interval("1928-02") == (date(1928, 2, 1), date(1928, 2, 29))
    assert iso_interval("1920/1929") == (date(1920, 1, 1), date(1929, 12, 31))
    assert iso_interval("192X") == (date(1920, 1, 1), date(1929, 12, 31))
    assert iso_interval("1927~") == iso_interval("1927")
    assert iso_interval("nonsense") is None and iso_interval("1930/1920") is None
    assert overlaps("1927-06-17", date(1927, 1, 1), None)
    assert not overlaps("1935", None, date(1930, 1, 1))
    assert not overlaps("", None, None)


# -- names -------------------------------------------------------------------------------


@pytest.mark.parametrize("a, b", [
    ("Herriot", "HERRIOT"), ("Herriot", "Hérriot"), ("Эррио", "Errio"),
    ("Эдуард Эррио", "Eduard Errio"), ("Aleksandr", "Alexandr"), ("Zhukov", "Joukov"),
    ("Fyodor", "Fiodor"), ("Yevgeny", "Evgeny"), ("Tchaikovsky", "Tschaikowsky"),
    ("Dmitrii", "Dmitry"), ("Rachmaninoff", "Rachmaninov"), ("Boukharine", "Bukharine"),
    ("Trotzki", "Trotsky"), ("M.I. Kalinin", "M. I. Kalinin"), ("Errio", "Erio"),
    ("Topçubaşov", "Topcubasov"),
])
def test_same_name_across_spellings(a, b):
    assert names.same_name(a, b)


@pytest.mark.parametrize("a, b", [("Herriot", "Errio"), ("Briand", "Krasin"),
                                  ("Paris", "Parish"), ("", "")])
def test_different_names_stay_apart(a, b):
    assert not names.same_name(a, b)


def test_fold_and_words():
    assert names.fold("  Édouard   HERRIOT ") == "edouard herriot"
    assert names.fold("Straße Œuvre") == "strasse oeuvre"
    assert names.fold("Литвинов") == "litvinov"
    text = "M.I. Kalinin, 𐌰 Эррио"
    spans = list(names.words(text))
    assert [w for _, _, w in spans] == ["M", "I", "Kalinin", "𐌰", "Эррио"]
    assert all(text[s:e] == w for s, e, w in spans)


def test_similarity_is_the_indel_ratio():
    assert names.similarity("abc", "abc") == 100
    assert names.similarity("", "") == 100
    assert round(names.similarity("topcubasov", "topchubashov"), 1) == 90.9
    assert names.similarity("paris", "krasin") < 60
