"""Text sources: plain text, Markdown and HTML, decoded to one normalised string.

Offsets of annotations are code points of the stored text, so the text must be the
same however the file was saved: line endings become LF and the text is NFC. The
original bytes are kept unchanged beside it, so nothing is lost by the decoding."""

from __future__ import annotations

import codecs
import re
import unicodedata
from html.parser import HTMLParser
from pathlib import PurePath
from urllib.parse import unquote

from annotator.core.errors import ImportFailed
from annotator.core.importers.base import ImportedSource
from annotator.core.model import DocumentKind

MEDIA_TYPES = {".txt": "text/plain", ".text": "text/plain", ".md": "text/markdown",
               ".markdown": "text/markdown", ".html": "text/html", ".htm": "text/html"}

# Check UTF-32 before UTF-16: the UTF-32LE BOM starts with the UTF-16LE one.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32LE"),
         (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32BE"),
         (codecs.BOM_UTF8, "utf-8", "UTF-8"),
         (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16LE"),
         (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16BE"))


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Bytes that are not UTF-8 read as Windows-1252; the five bytes cp1252 leaves
    undefined read as Latin-1, so every byte gives a character and none is lost."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start:exc.end]
    return "".join(bytes([b]).decode("cp1252", errors="_annotator_latin1") for b in bad), exc.end


def _latin1_fallback(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return exc.object[exc.start:exc.end].decode("latin-1"), exc.end


codecs.register_error("_annotator_latin1", _latin1_fallback)
codecs.register_error("_annotator_cp1252", _cp1252_fallback)


def normalise(text: str) -> str:
    """LF line endings and NFC: the form in which offsets are counted."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def _utf16_without_bom(data: bytes) -> str | None:
    """A BOM-less UTF-16 file (some Windows tools write them) shows NULs in every
    other byte for Latin text; tell it from a binary file by that pattern."""
    if len(data) % 2 or len(data) < 4:
        return None
    sample = data[:4096]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    for codec, nuls, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if nuls > 0.3 * half and other == 0:
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                return None
    return None


_ASCII = bytes(range(0x80))


def decode_text(data: bytes, encoding: str | None = None) -> tuple[str, str, list[str]]:
    """Decode the bytes of a text file: (normalised text, encoding name, warnings).

    ``encoding`` is the scholar's word on it and is obeyed. Otherwise BOMs first,
    then strict UTF-8, else the legacy code page the bytes fit best (Windows-1252 byte
    by byte where a file is UTF-8 with a few stray bytes), and say which guess was
    made so the scholar can check the letters. Refuse binary files (NUL bytes) rather
    than store garbage that annotations would then anchor to."""
    if encoding:
        return decode_as(data, encoding)
    warnings: list[str] = []
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            body = data[len(bom):]
            try:
                text = body.decode(codec)
            except UnicodeDecodeError as exc:
                if codec == "utf-32-le":  # or UTF-16LE whose text starts with U+0000
                    continue
                text = body.decode(codec, errors="replace")
                warnings.append(f"some bytes are not valid {label} (the first at byte "
                                f"{exc.start + len(bom)}); they were replaced by \ufffd")
            return _checked(normalise(text)), codec, warnings
    if b"\x00" in data:
        text = _utf16_without_bom(data)
        if text is not None:
            warnings.append("the file has no byte-order mark; read as UTF-16 — check the text")
            return _checked(normalise(text)), "utf-16", warnings
        raise ImportFailed(
            f"this file contains NUL bytes (the first at byte {data.index(0)}), so it is not "
            "plain text — it may be a binary or damaged file. If it is text, open it in an "
            "editor and save it again as UTF-8.")
    try:
        return _checked(normalise(data.decode("utf-8"))), "utf-8", warnings
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    # Non-ASCII bytes in valid UTF-8 sequences: if they are most of them, the file is
    # UTF-8 with a few stray bytes, and reading it all in a legacy code page would garble
    # its good part. Legacy text has some by chance (a third of Russian in CP866).
    valid = data.decode("utf-8", errors="ignore")
    in_utf8 = len(valid.encode()) - len(valid.encode("ascii", errors="ignore"))
    if 2 * in_utf8 >= len(data.translate(None, _ASCII)):  # the bytes above 0x7F
        text = data.decode("utf-8", errors="_annotator_cp1252")
        encoding = "utf-8+cp1252"
        warnings.append(f"mostly UTF-8, but some bytes (the first at byte {first_bad}) are "
                        "not; those were read as Windows-1252 (Western European) — check "
                        "accented letters and quotation marks")
        return _checked(normalise(text)), encoding, warnings
    encoding = guess_code_page(data)
    text = data.decode(encoding, errors="_annotator_latin1")
    warnings.append(f"not UTF-8; read as {_CODE_PAGES[encoding]}, the code page its bytes "
                    "fit best — check the letters; if they are wrong, import the file again "
                    "naming its encoding (annotator import --encoding NAME)")
    letters = [c for c in text if c.isalpha()] if encoding in _WESTERN else []
    if letters and sum(1 for c in letters if ord(c) > 0x7F) > 0.3 * len(letters):
        warnings.append("most letters are outside plain ASCII, so this is probably not "
                        "Western European text (Greek, Cyrillic, Hebrew ... in an old "
                        "code page?): import it again naming its encoding, or convert "
                        "it to UTF-8")
    return _checked(normalise(text)), encoding, warnings


#: The legacy code pages a file that is not UTF-8 may be in, commonest first (the first
#: of two that read a file alike names it): the Western European pages of French and
#: English papers and the Cyrillic ones of Russian, Ukrainian and emigre files. Central
#: European pages are left out on purpose: they read a short French text as Czech
#: ("è" as "č"). Keys are Python's codec names, stored as the document's encoding.
_CODE_PAGES = {
    "cp1252": "Windows-1252 (Western European)",
    "iso8859-1": "ISO-8859-1 (Western European)",
    "iso8859-15": "ISO-8859-15 (Western European with €)",
    "cp1251": "Windows-1251 (Cyrillic)",
    "koi8-r": "KOI8-R (Russian)",
    "koi8-u": "KOI8-U (Ukrainian)",
    "cp866": "CP866 (DOS Cyrillic)",
    "iso8859-5": "ISO-8859-5 (Cyrillic)",
    "mac-cyrillic": "Mac OS Cyrillic",
}
_WESTERN = ("cp1252", "iso8859-1", "iso8859-15")
_GUESS_SAMPLE = 1 << 15  # bytes read to guess; every candidate is one byte a character


def guess_code_page(data: bytes) -> str:
    """The candidate code page that reads ``data`` best, as a Python codec name.

    charset-normalizer, restricted to the candidates, proposes the readings it finds
    plausible, best first. Its measure of chaos does not see Mac Cyrillic capitals or a
    French "è" read as the Cyrillic "и" as wrong, so each reading is then counted for
    words no language writes; the fewest wins, a Cyrillic page must show Cyrillic
    words, and charset-normalizer's order breaks ties. Windows-1252 is always among
    the readings: it was the only guess before and stays the default."""
    from charset_normalizer import from_bytes

    sample = data[:_GUESS_SAMPLE]
    matches = from_bytes(sample, cp_isolation=[c.replace("-", "_") for c in _CODE_PAGES])
    proposed = [name for name in dict.fromkeys(codecs.lookup(m.encoding).name for m in matches)
                if name in _CODE_PAGES]
    if "cp1252" not in proposed:
        proposed.append("cp1252")
    readings = {name: sample.decode(name, errors="_annotator_latin1") for name in proposed}

    def cost(ranked: tuple[int, str]) -> tuple[int, bool, int]:
        rank, name = ranked
        text = readings[name]
        unfounded = name not in _WESTERN and not _CYRILLIC_WORD.search(text)
        return _odd_words(text), unfounded, rank

    best = min(enumerate(proposed), key=cost)[1]
    return next(name for name in _CODE_PAGES if readings.get(name) == readings[best])


_CYRILLIC = frozenset("ЁЄІЇЎёєіїўҐґ" + "".join(map(chr, range(0x410, 0x450))))
# What a Cyrillic reading must show: a word of two Cyrillic letters or more, not just
# the "Ц" that CP866 makes of an English text's one dash.
_CYRILLIC_WORD = re.compile("[А-яЁёЄєІіЇїЎўҐґ]{2}")
_LATIN_EXTRA = frozenset("ŒœŠšŽžŸ")  # letters of cp1252 and ISO-8859-15 beyond Latin-1
_WORD_JOINERS = frozenset("-'’.,/")  # d’Édouard, M.I., 1924-1935, 10,5
_SYMBOLS = frozenset("§№%&+=<>€$£°*#@")  # symbols real prose writes


def _script(char: str) -> str | None:
    """'latin' or 'cyrillic' for a letter of the candidates' languages, else None."""
    if char in _CYRILLIC:
        return "cyrillic"
    if char.isascii() or ("\u00c0" <= char <= "\u00ff" and char not in "×÷") \
            or char in _LATIN_EXTRA:
        return "latin"
    return None


def _odd_words(text: str) -> int:
    """How many words of ``text`` no language of the candidate code pages writes: a
    control character, a letter outside their alphabets, Latin and Cyrillic in one
    word, a symbol inside a word, a capital after a small letter. A wrong code page
    leaves many such words, the right one next to none."""
    odd = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\t\n\r\f\v")
    for word in text.split():
        start, end = 0, len(word)
        while start < end and unicodedata.category(word[start]).startswith("P"):
            start += 1
        while end > start and unicodedata.category(word[end - 1]).startswith("P"):
            end -= 1
        core, scripts, previous = word[start:end], set(), ""
        for char in core:
            if char.isalpha():
                scripts.add(_script(char))
                if previous.islower() and char.isupper():
                    scripts.add(None)
            elif not (char.isdigit() or char in _WORD_JOINERS or char in _SYMBOLS):
                scripts.add(None)
            previous = char
        odd += None in scripts or len(scripts) > 1
    return odd


def decode_as(data: bytes, encoding: str) -> tuple[str, str, list[str]]:
    """Decode with the encoding the scholar named, after a wrong guess: strictly, so
    that a wrong name is an error saying so rather than a garbled text."""
    try:
        name = codecs.lookup(encoding).name
        text = data.decode("utf-8-sig" if name == "utf-8" else name)
    except LookupError:
        raise ImportFailed(f"“{encoding}” is not a text encoding annotator knows; name one "
                           "such as utf-8, cp1252, cp1251, koi8-r, cp866, iso8859-5 or "
                           "mac_cyrillic.") from None
    except UnicodeDecodeError as exc:
        raise ImportFailed(f"this file is not in {encoding}: byte {exc.start} "
                           f"(0x{data[exc.start]:02X}) has no meaning there. Name another "
                           "encoding, or leave the encoding out to let annotator guess."
                           ) from None
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        raise ImportFailed(f"read as {encoding}, this file holds NUL characters, so it is "
                           "not plain text in that encoding; name another encoding.")
    warnings: list[str] = []
    if name in _CODE_PAGES:
        words = len(text.split())
        odd = _odd_words(text)
        if odd >= 3 and odd > 0.2 * words:
            warnings.append(f"read as {_CODE_PAGES[name]} as asked, but {odd} of {words} "
                            "words look garbled — is the file in another encoding?")
    return _checked(normalise(text)), name, warnings


def _checked(text: str) -> str:
    if not text:
        raise ImportFailed("the file is empty: it holds no text to annotate.")
    if not text.strip():
        raise ImportFailed("the file is empty: it holds only spaces and blank lines.")
    return text


def title_from_filename(filename: str) -> str:
    """'Letter_to%20Bruce_1926.txt' -> 'Letter to Bruce 1926': a readable default
    title the scholar can change."""
    stem = PurePath(unquote(filename)).stem or filename
    title = re.sub(r"\s+", " ", stem.replace("_", " ")).strip()
    return title or filename


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


def markdown_title(text: str) -> str:
    """YAML front matter ``title:`` or the first level-1 ``# heading``, else ''."""
    match = _FRONT_MATTER.match(text)
    if match:
        for line in match.group(1).split("\n"):
            key, sep, value = line.partition(":")
            if sep and key.strip().lower() == "title":
                value = value.strip()
                if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                    value = value[1:-1].replace("''", "'") if value[0] == "'" else value[1:-1]
                if value:
                    return value
        text = text[match.end():]
    for line in text.split("\n"):
        heading = re.match(r"^ {0,3}#[ \t]+(.+?)[ \t#]*$", line)
        if heading:
            return heading.group(1).strip()
    return ""


_BLOCK = {"address", "article", "aside", "blockquote", "dd", "details", "dialog", "div",
          "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
          "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section",
          "table", "tr", "ul", "caption", "summary"}
_PARAGRAPH = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul",
              "ol", "dl", "figure", "hr"}
_SKIP = {"script", "style", "noscript", "template", "svg", "object", "iframe"}


class _HTMLText(HTMLParser):
    """Visible text of a page: blocks become line breaks, scripts and styles vanish."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str | int] = []  # text, or a break of n newlines
        self.title_parts: list[str] = []
        self._skip = 0
        self._pre = 0
        self._in_title = False
        self._head = False  # <head> is often left unclosed: <body> ends it too

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag == "head":
            self._head = True
        elif tag == "body":
            self._head = False
        elif tag in _SKIP:
            self._skip += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append("\t")
        elif tag in _BLOCK:
            self.parts.append(2 if tag in _PARAGRAPH else 1)
            if tag == "pre":
                self._pre += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "hr":
            self.parts.append(2)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "head":
            self._head = False
        elif tag in _SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK:
            if tag == "pre":
                self._pre = max(0, self._pre - 1)
            self.parts.append(2 if tag in _PARAGRAPH else 1)

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title_parts.append(data)
        elif self._skip or self._head:
            return
        elif self._pre:
            # protected from the collapsing and stripping of spaces below
            self.parts.append(data.replace("\n", "\x00").replace(" ", "\x01"))
        else:
            self.parts.append(re.sub(r"[ \t\n\r\f]+", " ", data))  # not NBSP

    def text(self) -> str:
        out: list[str] = []
        pending = 0  # adjacent block edges give one break, the largest
        for part in self.parts:
            if isinstance(part, int):
                pending = max(pending, part)
            elif part:
                if pending and not part.strip(" \t"):
                    continue  # the indentation between two tags
                if pending:
                    out.append("\n" * pending)
                    pending = 0
                out.append(part)
        raw = "".join(out)
        lines = [line.strip(" ") for line in raw.split("\n")]
        joined = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
        return joined.replace("\x00", "\n").replace("\x01", " ")

    def title(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.title_parts)).strip()


def html_to_text(html: str) -> tuple[str, str]:
    """(visible text, <title>) of an HTML page, with the stdlib parser only."""
    parser = _HTMLText()
    parser.feed(html.replace("\x00", "").replace("\x01", ""))
    parser.close()
    return parser.text(), parser.title()


_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.I)


def _decode_html(data: bytes, encoding: str | None = None) -> tuple[str, str, list[str]]:
    """HTML may name its legacy encoding in <meta charset>; honour it when the bytes
    are not UTF-8 and have no BOM (and the scholar named none)."""
    if encoding:
        return decode_as(data, encoding)
    if not any(data.startswith(bom) for bom, _, _ in _BOMS) and b"\x00" not in data:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            match = _META_CHARSET.search(data[:4096])
            if match:
                name = match.group(1).decode("ascii").lower()
                try:
                    codec = codecs.lookup(name).name
                    text = data.decode(codec)
                except (LookupError, UnicodeDecodeError):
                    pass
                else:
                    return _checked(normalise(text)), codec, []
    return decode_text(data)


def read_text(filename: str, data: bytes, *, media_type: str | None = None,
              encoding: str | None = None) -> ImportedSource:
    """Import a .txt, .md or .html file; ``media_type`` overrides the extension
    (an HTML page saved as .txt is still read as HTML), ``encoding`` the guess."""
    suffix = PurePath(filename).suffix.lower()
    media_type = media_type or MEDIA_TYPES.get(suffix, "text/plain")
    if not data:
        raise ImportFailed("the file is empty (0 bytes): there is nothing to import.")
    if media_type == "text/html":
        decoded, encoding, warnings = _decode_html(data, encoding)
        text, title = html_to_text(decoded)
        text = unicodedata.normalize("NFC", text)
        if not text.strip():
            raise ImportFailed("this HTML page has no visible text to annotate"
                               + (f" (its title is “{title}”)." if title else "."))
    else:
        text, encoding, warnings = decode_text(data, encoding)
        title = markdown_title(text) if media_type == "text/markdown" else ""
    metadata: dict = {"encoding": encoding}
    if media_type == "text/html":
        metadata["converted_from"] = "html"
    return ImportedSource(title=title or title_from_filename(filename), kind=DocumentKind.TEXT,
                          media_type=media_type, filename=filename, data=data, text=text,
                          metadata=metadata, warnings=warnings)
