"""Which importer reads a file: decided by what the bytes are, then by the name.

Files arrive misnamed: a failed download saves the server's HTML error page as
"letter.pdf", a scan is saved as "page.pdf" while it is a PNG. Sniffing the bytes
first turns those into a clear message (or a correct import) instead of a cryptic
failure deep inside a decoder.

Choices: a PNG/JPEG/TIFF/GIF/BMP named .pdf (or .txt ...) is imported as the image
it is, with a warning saying so; an HTML page named .pdf or as an image is refused
(it is almost always an error page, not the source); an HTML page named .txt is read
as HTML. A password is used only by PDFs, an encoding only by text files.
"""

from __future__ import annotations

from pathlib import Path, PurePath

from annotator.core.errors import ImportFailed, PasswordRequired
from annotator.core.importers.base import ImportedPage, ImportedSource

__all__ = ["SUPPORTED_EXTENSIONS", "ImportedPage", "ImportedSource", "read_source", "sniff"]

PDF_EXTENSIONS = (".pdf",)
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".jpe", ".tif", ".tiff", ".gif", ".bmp")
TEXT_EXTENSIONS = (".txt", ".text", ".md", ".markdown", ".html", ".htm")
LAYER_EXTENSIONS = (".xml", ".hocr")  # ALTO, PAGE XML, hOCR: recognised by their content
SUPPORTED_EXTENSIONS: tuple[str, ...] = (PDF_EXTENSIONS + IMAGE_EXTENSIONS + TEXT_EXTENSIONS
                                         + LAYER_EXTENSIONS)

_IMAGE_BY_EXTENSION = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".jpe": "jpeg",
                       ".tif": "tiff", ".tiff": "tiff", ".gif": "gif", ".bmp": "bmp"}
_LABELS = {"pdf": "a PDF", "png": "a PNG image", "jpeg": "a JPEG image", "tiff": "a TIFF image",
           "gif": "a GIF image", "bmp": "a BMP image", "html": "an HTML page"}
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<title", b"<meta")
# Formats people try to import that are not supported: say what to do instead.
_OTHER_FORMATS = (
    (b"PK\x03\x04", "a ZIP archive (or a Word/LibreOffice/EPUB document, which are ZIP "
                    "inside); save the document as PDF or plain text"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document (.doc, .xls); save it as PDF or "
                          "plain text"),
    (b"{\\rtf", "an RTF document; save it as PDF or plain text"),
    (b"\x00\x00\x00\x0cjP  ", "a JPEG 2000 image; save it as PNG, TIFF or JPEG"),
    (b"RIFF", "a RIFF file (WebP image, audio or video); save images as PNG, TIFF or JPEG"),
    (b"AT&TFORM", "a DjVu document; convert it to PDF"),
)


def sniff(data: bytes) -> str | None:
    """What the bytes are: 'pdf', 'png', 'jpeg', 'tiff', 'gif', 'bmp', 'html' or None."""
    head = data[:1024]
    if b"%PDF" in head:
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    # "BM" alone also starts plain text ("BMW ..."): require a sane DIB header size.
    if head[:2] == b"BM" and len(head) >= 18 and head[14:18] in (
            b"\x0c\x00\x00\x00", b"(\x00\x00\x00", b"@\x00\x00\x00", b"l\x00\x00\x00",
            b"|\x00\x00\x00", b"4\x00\x00\x00", b"8\x00\x00\x00"):
        return "bmp"
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith(_HTML_STARTS) or (start.startswith((b"<?xml", b"<!--"))
                                          and b"<html" in head.lower()):
        return "html"
    return None


def _html_title(data: bytes) -> str:
    from annotator.core.importers.text import html_to_text

    try:
        return html_to_text(data[:65536].decode("utf-8", errors="replace"))[1][:80]
    except Exception:  # a title is a nicety in an error message, never a second error
        return ""


def _looks_like_text(data: bytes) -> bool:
    sample = data[:4096]
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(sample) - 3  # a character cut by the sample's end
    return True


#: SQLite stores at most 1 GB in one value; a larger source cannot live in the file.
MAX_SOURCE_BYTES = 900 * 1024 * 1024


def read_source_bytes(path: Path) -> bytes:
    """The bytes of a source file, or ImportFailed saying why they cannot be had (the
    one reader of a source from disk: the import pipeline and read_source)."""
    try:
        if path.is_dir():
            raise ImportFailed(f"{path.name} is a folder; choose the files in it.")
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES:
            raise ImportFailed(f"{path.name} is {size // 2**20} MB; a project file can "
                               f"hold sources up to {MAX_SOURCE_BYTES // 2**20} MB each.")
        return path.read_bytes()
    except FileNotFoundError:
        raise ImportFailed(f"{path} does not exist.") from None
    except PermissionError:
        raise ImportFailed(f"{path} cannot be read (permission denied).") from None
    except OSError as exc:
        raise ImportFailed(f"{path} cannot be read: {exc.strerror or exc}.") from None


def read_source(path: Path | str, data: bytes | None = None,
                password: str | None = None, encoding: str | None = None,
                image: Path | str | None = None) -> ImportedSource:
    """Read one source file (from ``data`` if given, else from ``path``) into an
    ImportedSource; raise ImportFailed (PasswordRequired for a locked PDF) with a
    message for the scholar when it cannot be imported. ``encoding`` overrides the
    guessed encoding of a text file. A transcription (ALTO, PAGE XML, hOCR) is read
    with its image: ``image``, else the one it names beside ``path``; a folder of
    them is one document. Never touches a project."""
    path = Path(path)
    filename = path.name or str(path)
    if data is None:
        if path.is_dir():
            from annotator.core.importers.transcription import read_transcription_folder

            source = read_transcription_folder(path)
            if source is not None:
                return source
        data = read_source_bytes(path)
    if not data:
        raise ImportFailed("the file is empty (0 bytes): there is nothing to import. It may "
                           "have been cut short in copying or downloading.")
    from annotator.core.importers.transcription import read_transcription, sniff_layer

    layer = sniff_layer(data)
    if layer is not None:
        return read_transcription(path, data, layer, Path(image) if image else None)
    if image:
        raise ImportFailed(f"--image goes with an ALTO, PAGE XML or hOCR file; {filename} "
                           "is none of them.")
    return _dispatch(filename, data, password, encoding)


def _dispatch(filename: str, data: bytes, password: str | None,
              encoding: str | None = None) -> ImportedSource:
    suffix = PurePath(filename).suffix.lower()
    kind = sniff(data)
    if kind == "pdf":
        from annotator.core.importers.pdf import read_pdf

        if suffix in TEXT_EXTENSIONS and _looks_like_text(data):
            try:  # notes that mention "%PDF" near their start are still notes
                return read_pdf(filename, data, password)
            except PasswordRequired:
                raise
            except ImportFailed:
                kind = None
        else:
            return read_pdf(filename, data, password)
    if kind in ("png", "jpeg", "tiff", "gif", "bmp"):
        from annotator.core.importers.image import read_image

        source = read_image(filename, data, kind)
        if _IMAGE_BY_EXTENSION.get(suffix) != kind:
            named = f"named {suffix}" if suffix else "without an extension"
            source.warnings.insert(0, f"this is {_LABELS[kind]} {named}; it was imported "
                                      "as an image")
        return source
    if kind == "html":
        if suffix in PDF_EXTENSIONS + IMAGE_EXTENSIONS:
            title = _html_title(data)
            said = f" (it says “{title}”)" if title else ""
            raise ImportFailed(f"this file is an HTML page saved as {suffix}{said}, not "
                               f"{_LABELS.get(_IMAGE_BY_EXTENSION.get(suffix, 'pdf'))} — "
                               "probably a failed download or an error page; download the "
                               "source again.")
        from annotator.core.importers.text import read_text

        return read_text(filename, data, media_type="text/html", encoding=encoding)
    for magic, what in _OTHER_FORMATS:
        if data.startswith(magic):
            raise ImportFailed(f"this file is {what}.")
    if suffix in PDF_EXTENSIONS:
        if b" obj" in data[:65536] or b"%PDF" in data:  # a PDF with a damaged start
            from annotator.core.importers.pdf import read_pdf

            return read_pdf(filename, data, password)
        if _looks_like_text(data):
            start = " ".join(data[:60].decode("utf-8", errors="replace").split())
            hint = f"it holds plain text, beginning “{start}”"
        else:
            hint = "it may be damaged, cut short, or a different kind of file"
        raise ImportFailed(f"this file is named .pdf but is not a PDF (it has no %PDF "
                           f"header): {hint}.")
    if suffix in IMAGE_EXTENSIONS:
        label = _LABELS[_IMAGE_BY_EXTENSION[suffix]]
        raise ImportFailed(f"this file is named {suffix} but is not {label} (its first bytes "
                           "are not an image signature); it may be damaged or cut short.")
    if suffix in TEXT_EXTENSIONS or (not suffix and _looks_like_text(data)):
        from annotator.core.importers.text import read_text

        return read_text(filename, data, encoding=encoding)
    if suffix in LAYER_EXTENSIONS:
        raise ImportFailed(f"this {suffix} file is not ALTO, PAGE XML or hOCR, the "
                           "transcription formats annotator reads.")
    kinds = ", ".join(e.lstrip(".") for e in SUPPORTED_EXTENSIONS)
    shown = f"“{suffix}” files" if suffix else "files without an extension"
    raise ImportFailed(f"{shown} cannot be imported; annotator reads {kinds}. Save the source "
                       "in one of these formats.")
