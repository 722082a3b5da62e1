"""Word alignment of a transcription with its scan (issue 10, section 3): a noisy
copy of a text is aligned word for word, commentary around and between the pages
stays unaligned without moving any page, and no word is ever guessed."""

from __future__ import annotations

import random
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core import alignment
from annotator.core.documents import page_for_offset
from tests.conftest import SAMPLES

SOURCE = (SAMPLES / "france_soviet_union_relations.txt").read_text(encoding="utf-8")
WORDS = SOURCE.split()
PER_LINE, PER_PAGE = 9, 250


def _noisy_scan(words: list[str], rnd: random.Random, noise: float,
                first_page: int = 1) -> tuple[list[tuple[int, list]], list[set]]:
    """Pages of layer words made from ``words`` with OCR-like damage (a character
    substituted, a word dropped or split, hyphenation at line ends, a running head
    and a page number on each page), and for each word of ``words`` the (page, index)
    of the layer words it became."""
    pages: list[tuple[int, list]] = []
    truth: list[set] = []
    layer: list = []
    page = first_page

    def put(text: str, x: float, y: float) -> None:
        layer.append((x, y, x + 6 * len(text), y + 10, text))

    def new_page() -> None:
        nonlocal layer, page
        if layer:
            put(str(page), 300, 800)  # the page number
            pages.append((page, layer))
            page += 1
        layer = []
        put("MEMOIRS OF THE QUAI", 200, 20)  # the running head

    new_page()
    for k, word in enumerate(words):
        if k and k % PER_PAGE == 0:
            new_page()
        line, col = divmod(k % PER_PAGE, PER_LINE)
        x, y = 40 + 60 * col, 50 + 14 * line
        places: set = set()
        r = rnd.random()
        if r < noise * 0.25:  # dropped by the OCR
            truth.append(places)
            continue
        if len(word) > 3 and r < noise:  # one character misread
            c = rnd.randrange(len(word))
            word = word[:c] + rnd.choice("lI1rnmce") + word[c + 1:]
        if len(word) > 6 and (col == PER_LINE - 1 and rnd.random() < 0.5
                              or rnd.random() < noise * 0.2):
            cut = len(word) // 2  # hyphenated at the line end, or split by the OCR
            places.add((page, len(layer)))
            put(word[:cut] + ("-" if col == PER_LINE - 1 else ""), x, y)
            word, x, y = word[cut:], 40, y + 14
        places.add((page, len(layer)))
        put(word, x, y)
        truth.append(places)
    new_page()
    return pages, truth


def _transcription(words: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """The text of ``words`` and each word's (start, end)."""
    spans, pos = [], 0
    for word in words:
        spans.append((pos, pos + len(word)))
        pos += len(word) + 1
    return " ".join(words), spans


def _scores(words, spans, links, truth) -> tuple[int, int, int]:
    """(words placed where they belong, words placed wrongly, words the scan has)."""
    placed: dict[int, set] = {}
    for link in links:
        placed.setdefault(link.start, set()).add((link.page, link.word))
    right = wrong = present = 0
    for (start, _end), places in zip(spans, truth, strict=True):
        if not places:
            continue
        present += 1
        got = placed.get(start)
        if got:
            if got <= places:
                right += 1
            else:
                wrong += 1
    return right, wrong, present


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), noise=st.floats(0.0, 0.15),
       start=st.integers(0, len(WORDS) - 1200))
def test_a_noisy_copy_is_aligned_word_for_word(seed, noise, start):
    rnd = random.Random(seed)
    words = WORDS[start:start + 1200]
    text, spans = _transcription(words)
    pages, truth = _noisy_scan(words, rnd, noise)
    links = alignment.align(text, pages)
    right, wrong, present = _scores(words, spans, links, truth)
    assert right >= 0.95 * present, (right, wrong, present)
    assert wrong <= 0.01 * present, (right, wrong, present)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), start=st.integers(0, len(WORDS) - 1000))
def test_commentary_before_between_and_after_keeps_every_page(seed, start):
    """An editor's introduction, notes between the pages and an afterword (drawn
    from elsewhere in the same text, so they share its vocabulary) stay unaligned,
    and every page of the letter starts where it does."""
    rnd = random.Random(seed)
    letter = WORDS[start:start + 1000]
    pages, _truth = _noisy_scan(letter, rnd, 0.05)

    def commentary() -> list[str]:
        at = rnd.randrange(len(WORDS) - 80)
        return ["[Editor:"] + WORDS[at:at + rnd.randint(5, 80)] + ["]"]

    parts: list[str] = []
    letter_spans: list[tuple[int, int, int]] = []  # (start, end, page) of each page
    pos = 0
    chunks = [letter[k:k + PER_PAGE] for k in range(0, len(letter), PER_PAGE)]
    for number, chunk in enumerate(chunks, 1):
        note = " ".join(commentary()) + "\n\n"
        parts.append(note)
        pos += len(note)
        body = " ".join(chunk) + "\n\n"
        letter_spans.append((pos, pos + len(body), number))
        parts.append(body)
        pos += len(body)
    parts.append(" ".join(commentary()))
    text = "".join(parts)
    links = alignment.align(text, pages)
    starts = alignment.page_starts(links)
    for offset, end, number in letter_spans:
        on_page = [lk.page for lk in links if offset <= lk.start < end]
        assert len(on_page) > 0.9 * (end - offset) / 8, number
        assert all(p == number for p in on_page), (number, set(on_page))
        for link in links:  # the page-level view puts every word of the letter right
            if offset <= link.start < end:
                assert page_for_offset(starts, link.start) == number


def test_a_word_with_no_counterpart_is_never_guessed():
    """Words the scan does not have, between words it has, stay unaligned."""
    text = "Paris the seventeenth of June Zanzibar Quetzalcoatl 1927 to His Excellency"
    pages = [(1, [(0, 0, 10, 10, w) for w in
                  "Paris the seventeenth of June 1927 to His Excellency".split()])]
    links = alignment.align(text, pages)
    placed = {text[lk.start:lk.end] for lk in links}
    assert "Zanzibar" not in placed and "Quetzalcoatl" not in placed
    assert placed == set("Paris the seventeenth of June 1927 to His Excellency".split())
    # and a scan of something else entirely places nothing
    other = [(1, [(0, 0, 10, 10, w) for w in "Lorem ipsum dolor sit amet".split()])]
    assert alignment.align(text, other) == []


def test_hyphenated_and_joined_words():
    text = "die Aufklärung ist der Ausgang des Menschen"
    layer = [(0, 0, 1, 1, w) for w in ["die", "Auf-", "klärung", "istder", "Ausgang",
                                       "des", "Menschen"]]
    links = alignment.align(text, [(3, layer)])
    by_word: dict[str, set] = {}
    for lk in links:
        by_word.setdefault(text[lk.start:lk.end], set()).add(lk.word)
    assert by_word["Aufklärung"] == {1, 2}
    assert by_word["ist"] == by_word["der"] == {3}
    assert by_word["Menschen"] == {6}


def test_three_hundred_pages_in_under_two_seconds():
    rnd = random.Random(7)
    words = [rnd.choice(WORDS) for _ in range(300 * PER_PAGE)]  # as varied as prose
    text, _spans = _transcription(words)
    pages, _truth = _noisy_scan(words, rnd, 0.05)
    assert len(pages) == 300
    started = time.process_time()
    links = alignment.align(text, pages)
    elapsed = time.process_time() - started
    assert len({lk.start for lk in links}) >= 0.9 * len(words)
    assert elapsed < 2.0, f"{elapsed:.2f} s"


def test_a_text_without_unique_words_ends_in_bounded_time():
    """The same page thirty times over: nothing anchors it; whatever is not aligned
    in the time allowed stays unaligned rather than guessed."""
    words = WORDS[:400] * 30
    text, _spans = _transcription(words)
    pages, _truth = _noisy_scan(words, random.Random(3), 0.0)
    started = time.process_time()
    alignment.align(text, pages)
    assert time.process_time() - started < 10


def test_a_word_keeps_its_combining_marks():
    """Fraktur's superscript e ("Aufklaͤrung") and a decomposed umlaut are part of the
    word: cut in two, neither half matched the OCR's "Aufklärung"."""
    from annotator.core.alignment import align, text_tokens

    text = "Was ist Aufkla\u0364rung? Unmu\u0308ndigkeit."
    assert [t[2] for t in text_tokens(text)][2:] == ["aufklaerung", "unmundigkeit"]
    layer = [(0, 0, 30, 10, "Was"), (35, 0, 60, 10, "ist"), (65, 0, 160, 10, "Aufklärung?"),
             (0, 20, 120, 30, "Unmündigkeit.")]
    links = align(text, [(1, layer)])
    assert [(text[lk.start:lk.end], lk.word) for lk in links][2:] == [
        ("Aufkla\u0364rung", 2), ("Unmu\u0308ndigkeit", 3)]


def test_a_word_ocr_joined_to_another_gets_its_share_of_the_box():
    from annotator.core.alignment import word_box

    joined = (100.0, 5.0, 170.0, 15.0, "S.516.)")  # 7 characters, 10 points each
    assert word_box(joined, "516") == (120.0, 5.0, 150.0, 15.0)
    assert word_box(joined, "s") == (100.0, 5.0, 110.0, 15.0)
    assert word_box((0, 0, 50, 10, "Briand,"), "briand") == (0.0, 0.0, 50.0, 10.0)
