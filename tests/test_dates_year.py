"""Dates without a year ("15 October") take it from the nearest full date before them
in the same text, else from the document's date (issue 11, item 15)."""

from __future__ import annotations

import calendar

from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core import suggestions, tagging
from annotator.core.dates import DOCUMENT_DATE, Precision, find_dates, parse_date
from annotator.core.importers.base import ImportedSource
from annotator.core.model import DocumentKind

MONTHS = list(calendar.month_name)[1:]
years = st.integers(1800, 2020)
days_months = st.tuples(st.integers(1, 28), st.integers(1, 12))


def yearless(found):
    return [d for d in found if d.year_from]


@settings(max_examples=60, deadline=None)
@given(years, years, days_months, days_months, days_months)
def test_a_day_and_month_take_the_year_of_the_nearest_full_date_before(
        y1, y2, first, second, bare):
    (d1, m1), (d2, m2), (d, m) = first, second, bare
    text = (f"Paris, {d1} {MONTHS[m1 - 1]} {y1}. We wrote on {d} {MONTHS[m - 1]}. "
            f"Then, on {MONTHS[m2 - 1]} {d2}, {y2} we met; and again on {d} {MONTHS[m - 1]}.")
    found = find_dates(text, "en", "1700-01-01")  # the text's dates come first
    full = [x for x in found if not x.year_from]
    assert [x.iso for x in full] == [f"{y1:04d}-{m1:02d}-{d1:02d}",
                                     f"{y2:04d}-{m2:02d}-{d2:02d}"]
    bare_dates = yearless(found)
    assert [x.iso for x in bare_dates] == [f"{y:04d}-{m:02d}-{d:02d}" for y in (y1, y2)]
    assert [x.year_from for x in bare_dates] == [full[0].text, full[1].text]
    assert all(x.text == f"{d} {MONTHS[m - 1]}" and x.precision == Precision.DAY
               for x in bare_dates)


@settings(max_examples=40, deadline=None)
@given(years, days_months, st.sampled_from(["{d} {month}", "{month} {d}", "the {d}th of {month}"]))
def test_without_a_full_date_before_the_document_date_gives_the_year(year, bare, form):
    d, m = bare
    words = form.format(d=d, month=MONTHS[m - 1])
    text = f"We shall arrive on {words}, as agreed."
    assert find_dates(text, "en") == []  # no year anywhere: not a date
    (found,) = find_dates(text, "en", f"{year}-03-02")
    assert found.iso == f"{year:04d}-{m:02d}-{d:02d}"
    assert found.year_from == DOCUMENT_DATE
    assert text[found.start:found.end] == found.text == words.removeprefix("the ")
    assert parse_date(found.text, "en", f"{year}").iso == found.iso  # the date field's way
    assert parse_date(found.text, "en") is None


def test_what_is_not_a_yearless_date():
    # a decade, a range or a century names no single year to take
    assert find_dates("On 15 October they met.", "en", "1920/1929") == []
    assert find_dates("In the 1920s, on 15 October, they met.", "en") \
        == [d for d in find_dates("In the 1920s, on 15 October, they met.", "en")
            if not d.year_from]
    # no 31 June, lower-case "may", times and decimals
    text = "Paris, 17 June 1927. Not 31 June; we may 5 times; at 10:15 October; 1.5 May."
    assert [d.text for d in find_dates(text, "en")] == ["17 June 1927"]
    # a full date stays one date, with no borrowed year
    (full,) = find_dates("We met on 15 October 1925.", "en", "1927")
    assert (full.iso, full.year_from) == ("1925-10-15", "")


def test_french_and_russian():
    (fr,) = yearless(find_dates("Le 3 mai 1926 nous écrivions ; le 1er juin nous partions.", "fr"))
    assert (fr.text, fr.iso) == ("1er juin", "1926-06-01")
    (ru,) = find_dates("Встреча 15 октября прошла.", "ru", "1924-01-05")
    assert ru.iso == "1924-10-15"


def add_text(project, title, text, date=""):
    src = ImportedSource(title, DocumentKind.TEXT, "text/plain", f"{title}.txt",
                         text.encode("utf-8"), text=text)
    doc = project.documents.add_source(src)
    if date:
        project.documents.update(doc.id, metadata={"date": date})
    return doc


def test_suggestions_and_tagging_take_the_year(project):
    doc = add_text(project, "letter", "Dear friend, we arrive on 15 October with the papers.",
                   date="1927-06-17")
    found = suggestions.suggest(project, document_id=doc.id, kinds=("date",))
    assert [(s.quote, s.date_value) for s in found] == [("15 October", "1927-10-15")]
    assert "year from the document's date" in found[0].label
    date_tag = next(t for t in project.tags.list() if t.name == "Date")
    text = project.documents.text(doc.id)
    start = text.index("15 October")
    made = tagging.tag_passage(project, doc.id, start=start, end=start + 10,
                               tag_ids=[date_tag.id]).value
    assert made.date_value == "1927-10-15"
    # a full date earlier in the text wins over the document's own date
    other = add_text(project, "diary", "Paris, 2 May 1925. On 15 October I saw him.",
                     date="1930")
    at = project.documents.text(other.id).index("15 October")
    made = tagging.tag_passage(project, other.id, start=at, end=at + 10,
                               tag_ids=[date_tag.id]).value
    assert made.date_value == "1925-10-15"
