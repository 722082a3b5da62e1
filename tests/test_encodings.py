"""Legacy code pages: a Russian or French file saved before UTF-8 is read with the code
page it was written in, the guess is named in a warning, and the scholar can name the
encoding instead (``read_source(..., encoding=)``, ``annotator import --encoding``).

The paragraphs are written for these tests in the manner of the sources the app is
for: the French recognition of the USSR in October 1924 and its aftermath."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator import cli
from annotator.core.errors import ImportFailed
from annotator.core.importers import read_source
from annotator.core.importers.text import decode_text
from annotator.core.project import Project

RECOGNITION_RU = (
    "28 октября 1924 года правительство Эдуарда Эррио признало Союз Советских "
    "Социалистических Республик де-юре. В ноте, переданной в Москву, председатель Совета "
    "министров выражал надежду, что восстановление нормальных отношений позволит "
    "урегулировать вопрос о долгах царского правительства и о положении русских эмигрантов "
    "во Франции. Полпредом в Париже был назначен Леонид Борисович Красин; здание бывшего "
    "посольства на улице Гренель было передано советским представителям в декабре.")
TELEGRAM_RU = (
    "Телеграмма Чичерина Эррио. Москва, 29 октября 1924 г. Правительство СССР с "
    "удовлетворением принимает признание и готово начать переговоры о долгах.")
RECOGNITION_FR = (
    "Le 28 octobre 1924, le gouvernement d’Édouard Herriot reconnut de jure l’Union des "
    "républiques socialistes soviétiques. Dans sa dépêche à Moscou, le président du Conseil "
    "exprimait l’espoir que la reprise des relations permettrait de régler la question des "
    "emprunts russes… Les vœux des porteurs, disait « Le Temps », n’étaient pas oubliés.")
EMBASSY_FR = (
    "Monsieur le Ministre, j'ai l'honneur de vous faire connaître que l'hôtel de la rue de "
    "Grenelle a été remis le 12 décembre aux représentants de l'Union soviétique. Les "
    "anciens diplomates russes l'ont quitté ; leurs archives ont été déposées à la "
    "préfecture de police.")
ARRIVAL_FR = ("Krassine arriva à Paris le 7 décembre ; la presse de droite protesta contre "
              "« l’ambassade des Soviets ».")
NOTE_FR = "Reçu ce matin la note de M. Herriot ; réponse à préparer avant jeudi."

CYRILLIC_PAGES = ["cp1251", "koi8-r", "cp866", "iso8859-5", "mac-cyrillic"]
LABELS = {"cp1251": "Windows-1251", "koi8-r": "KOI8-R", "cp866": "CP866",
          "iso8859-5": "ISO-8859-5", "mac-cyrillic": "Mac OS Cyrillic"}
# (text, the code page it is saved in, the name the guess must give): latin-1 text
# reads the same in Windows-1252, which is the name given to both.
FRENCH = [(RECOGNITION_FR, "cp1252", "cp1252"), (EMBASSY_FR, "latin-1", "cp1252"),
          (ARRIVAL_FR, "cp1252", "cp1252"), (NOTE_FR, "latin-1", "cp1252")]


@pytest.mark.parametrize("text", [RECOGNITION_RU, TELEGRAM_RU], ids=["note", "telegram"])
@pytest.mark.parametrize("codec", CYRILLIC_PAGES)
def test_russian_in_each_cyrillic_code_page_is_read_right(codec: str, text: str) -> None:
    decoded, encoding, warnings = decode_text(text.encode(codec))
    assert decoded == text
    assert encoding == codec
    assert f"read as {LABELS[codec]}" in warnings[0]
    assert not any("probably not Western European" in w for w in warnings)


@pytest.mark.parametrize("text,codec,named", FRENCH, ids=["cp1252", "latin-1", "cp1252-short",
                                                         "latin-1-short"])
def test_french_in_western_code_pages_is_read_right(text: str, codec: str, named: str) -> None:
    decoded, encoding, warnings = decode_text(text.encode(codec))
    assert decoded == text
    assert encoding == named
    assert "not UTF-8; read as Windows-1252 (Western European)" in warnings[0]


@pytest.mark.parametrize("text", [
    "Paris, 1924 \u2013 notes on the recognition of the USSR by France.",
    "He said \u201cyes\u201d to Briand.", "Très bien.", "Café de la Paix, 12 novembre."])
def test_short_western_text_is_not_taken_for_cyrillic(text: str) -> None:
    """A dash or one accent in English or French must not be read as Cyrillic
    (Windows-1251 reads "è" as "и")."""
    decoded, encoding, _ = decode_text(text.encode("cp1252"))
    assert (decoded, encoding) == (text, "cp1252")


def test_the_guess_is_stored_with_the_document_and_named_in_the_warning(tmp_path: Path) -> None:
    path = tmp_path / "krasin.txt"
    path.write_bytes(RECOGNITION_RU.encode("koi8-r"))
    source = read_source(path)
    assert source.text == RECOGNITION_RU
    assert source.metadata["encoding"] == "koi8-r"
    assert "read as KOI8-R (Russian)" in source.warnings[0]
    assert "--encoding" in source.warnings[0]


def test_named_encoding_overrides_the_guess(tmp_path: Path) -> None:
    """ISO-8859-5 and Windows-1251 read a paragraph differently: naming either one is
    obeyed, and a garbled reading says so."""
    path = tmp_path / "note.txt"
    path.write_bytes(RECOGNITION_RU.encode("iso8859-5"))
    right = read_source(path, encoding="iso8859_5")
    assert right.text == RECOGNITION_RU and not right.warnings
    assert right.metadata["encoding"] == "iso8859-5"
    wrong = read_source(path, encoding="cp1251")
    assert wrong.text != RECOGNITION_RU and wrong.metadata["encoding"] == "cp1251"
    assert "look garbled" in wrong.warnings[0]


def test_named_encoding_applies_to_html_over_its_meta_charset() -> None:
    page = ("<html><head><meta charset='windows-1251'><title>Нота</title></head>"
            f"<body><p>{TELEGRAM_RU}</p></body></html>")
    source = read_source("nota.html", data=page.encode("koi8-r"), encoding="koi8-r")
    assert source.text == TELEGRAM_RU and source.metadata["encoding"] == "koi8-r"


@pytest.mark.parametrize("encoding,message", [
    ("utf-8", r"this file is not in utf-8: byte 0 \(0xD2\)"),
    ("klingon", "“klingon” is not a text encoding"),
    ("base64", "“base64” is not a text encoding"),
])
def test_a_wrong_named_encoding_is_a_clear_error(encoding: str, message: str) -> None:
    with pytest.raises(ImportFailed, match=message):
        read_source("note.txt", data=TELEGRAM_RU.encode("cp1251"), encoding=encoding)


def test_named_utf8_drops_the_bom_and_utf16_needs_no_sniffing() -> None:
    assert read_source("a.txt", data=b"\xef\xbb\xbfLocarno", encoding="utf-8").text == "Locarno"
    data = "Рапалло".encode("utf-16")
    assert read_source("a.txt", data=data, encoding="utf-16").text == "Рапалло"


def test_cli_import_with_encoding_and_re_reading(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """The guess is printed; importing the same file again naming its encoding re-reads
    the document in place (its annotations re-anchored), not a second copy."""
    project = tmp_path / "p.annot"
    source = tmp_path / "nota.txt"
    source.write_bytes(RECOGNITION_RU.encode("iso8859-5"))
    assert cli.main(["new", str(project)]) == 0
    assert cli.main(["import", str(project), str(source), "--encoding", "cp1251"]) == 0
    assert "as asked" in capsys.readouterr().out
    with Project.open(project) as p:
        [doc] = p.documents.list()
        start = p.documents.text(doc.id).index("1924")  # digits read alike in both
        p.annotations.add(doc.id, start=start, end=start + 4, note="the year")
    assert cli.main(["import", str(project), str(source), "--encoding", "iso8859-5"]) == 0
    out = capsys.readouterr().out
    assert "re-read as iso8859-5; 1 annotation(s) re-anchored" in out
    assert cli.main(["import", str(project), str(source), "--encoding", "iso8859_5"]) == 0
    assert "already in project" in capsys.readouterr().out
    with Project.open(project) as p:
        [doc] = p.documents.list()
        text = p.documents.text(doc.id)
        assert text == RECOGNITION_RU
        assert doc.metadata["encoding"] == "iso8859-5"
        assert "import_warnings" not in doc.metadata
        [annotation] = p.annotations.for_document(doc.id)
        assert text[annotation.text.start:annotation.text.end] == "1924"


def test_cli_wrong_encoding_fails_the_file_without_a_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "p.annot"
    source = tmp_path / "nota.txt"
    source.write_bytes(TELEGRAM_RU.encode("cp866"))
    assert cli.main(["new", str(project)]) == 0
    assert cli.main(["import", str(project), str(source), "--encoding", "utf-8"]) == 1
    assert cli.main(["import", str(project), str(source), "--encoding", "no-such"]) == 1
    captured = capsys.readouterr()
    assert "FAILED — this file is not in utf-8" in captured.out
    assert "“no-such” is not a text encoding" in captured.out
    assert "Traceback" not in captured.out + captured.err


_NO_NUL = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")


@settings(max_examples=300, deadline=None)
@given(text=st.text(_NO_NUL, min_size=1))
def test_any_utf8_text_round_trips_exactly(text: str) -> None:
    """Text already in the stored form (LF, NFC) comes back character for character,
    guessed or named; no legacy guess is ever made for valid UTF-8."""
    text = unicodedata.normalize("NFC", text.replace("\r", "\n")).lstrip("\ufeff")
    if not text.strip():
        return
    assert decode_text(text.encode("utf-8")) == (text, "utf-8", [])
    assert decode_text(text.encode("utf-8"), "utf-8")[0] == text


@settings(max_examples=100, deadline=None)
@given(data=st.data(), codec=st.sampled_from(CYRILLIC_PAGES + ["cp1252", "latin-1"]))
def test_any_text_in_a_named_code_page_round_trips(data: st.DataObject, codec: str) -> None:
    letters = sorted({bytes([b]).decode(codec, errors="ignore") for b in range(0x20, 0x100)}
                     - {"", "\x7f"})
    letters = [c for c in letters if unicodedata.category(c) != "Cc"]
    text = data.draw(st.text(st.sampled_from(letters), min_size=1))
    if not text.strip():
        return
    assert decode_text(text.encode(codec), codec)[0] == unicodedata.normalize("NFC", text)
