"""The .qdpx archive as a hostile file: members read with bounded sizes and packing
ratios (a decompression bomb, an encrypted or oddly packed member refuses the whole
archive, so do names pointing outside it), ``internal://`` paths resolved, and the
project.qde parsed as it is unpacked with no DOCTYPE and bounded nesting."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from annotator.core.annotation_import import ImportRefused
from annotator.core.annotation_import.common import clean_text
from annotator.core.errors import AnnotatorError, ImportFailed
from annotator.core.importers import MAX_SOURCE_BYTES

MAX_TOTAL_BYTES = 8 * 2**30
#: A member larger than 1 MB that unpacks to more than 100 times its packed size is a
#: decompression bomb (text packs 3-10 times, the project XML 10-30 times).
MAX_RATIO = 100
MAX_XML_DEPTH = 256  # the project XML's nesting (a 32-level codebook needs ~40)
#: what zipfile unpacks (not Deflate64, method 9, nor the rarer ones)
_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError,
               OSError, ValueError)


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def kids(node: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in node if local(c.tag) == name]


def text_of(node: ET.Element, name: str) -> str:
    child = next(iter(kids(node, name)), None)
    return clean_text(child.text or "") if child is not None else ""


def int_attr(node: ET.Element, name: str) -> int | None:
    """An integer attribute (at most 12 digits), else None."""
    value = node.get(name, "")
    return int(value) if re.fullmatch(r"-?\d{1,12}", value.strip()) else None


class Archive:
    """Members of the .qdpx read with bounded sizes; ``internal://`` paths resolved."""

    def __init__(self, path: Path) -> None:
        try:
            self.zf = zipfile.ZipFile(path)
            infos = self.zf.infolist()
        except _ZIP_ERRORS as exc:
            raise AnnotatorError(f"{path.name} is not a readable .qdpx (ZIP) file: {exc}.") \
                from None
        for info in infos:  # zip-slip and absolute names: refuse the archive outright
            name = info.filename.replace("\\", "/")
            if name.startswith("/") or ".." in name.split("/") or (len(name) > 1 and name[1] == ":"):
                raise AnnotatorError(
                    f"{path.name} holds a file named “{info.filename[:80]}” that points outside "
                    "the archive; such archives are refused (nothing was imported).")
        if sum(i.file_size for i in infos) > MAX_TOTAL_BYTES:
            raise AnnotatorError(f"{path.name} would unpack to more than 8 GB; refused.")
        for info in infos:
            check_member(path.name, info)
        self.by_name = {i.filename.replace("\\", "/").lower(): i for i in infos}
        qde = [i for i in infos if i.filename.lower().endswith(".qde")]
        if not qde:
            raise AnnotatorError(f"{path.name} holds no project.qde: not a REFI-QDA project.")
        self.qde = min(qde, key=lambda i: i.filename.count("/"))
        self.root = self.qde.filename.replace("\\", "/").lower().rpartition("/")[0]

    def read(self, info: zipfile.ZipInfo, limit: int) -> bytes:
        return b"".join(self.chunks(info, limit))

    def chunks(self, info: zipfile.ZipInfo, limit: int) -> Iterator[bytes]:
        """A member's bytes as they are unpacked, never more than ``limit``; a member
        that fails its checksum or cannot be unpacked refuses the whole archive."""
        if info.file_size > limit:
            raise ImportFailed(f"{info.filename} is larger than {limit // 2**20} MB")
        size = 0
        try:
            with self.zf.open(info) as fh:
                while chunk := fh.read(2**20):
                    size += len(chunk)
                    if size > limit:
                        raise ImportFailed(f"{info.filename} is larger than it says")
                    yield chunk
        except _ZIP_ERRORS as exc:
            raise ImportRefused(f"{info.filename[:80]} in the archive is damaged ({exc}); "
                                "nothing was imported.") from None

    def internal(self, url: str) -> bytes | None:
        if not url.lower().startswith("internal://"):
            return None
        name = url[len("internal://"):].lstrip("/").lower()
        prefix = f"{self.root}/" if self.root else ""
        for candidate in (f"{prefix}sources/{name}", f"sources/{name}", name):
            info = self.by_name.get(candidate)
            if info is not None:
                return self.read(info, MAX_SOURCE_BYTES)
        return None


def check_member(archive: str, info: zipfile.ZipInfo) -> None:
    """Refuse, before unpacking anything, an encrypted member, one packed in a way we do
    not unpack, or one that would unpack to more than MAX_RATIO times its size."""
    name = info.filename[:80]
    if info.flag_bits & 0x1:
        raise ImportRefused(f"{archive}: {name} is encrypted; a REFI-QDA archive is not. "
                            "Nothing was imported.")
    if info.compress_type not in _METHODS:
        raise ImportRefused(f"{archive}: {name} is packed with ZIP method "
                            f"{info.compress_type} (e.g. Deflate64), which annotator does "
                            "not unpack; re-zip the archive with ordinary Deflate.")
    if info.file_size > 2**20 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise ImportRefused(f"{archive}: {name} would unpack to "
                            f"{info.file_size // max(info.compress_size, 1):,} times its packed "
                            "size (a decompression bomb); nothing was imported.")


def parse_qde(data: bytes | Iterable[bytes]) -> ET.Element:
    """The project element, parsed as the bytes come (never held whole beside the
    tree); a DOCTYPE is refused (no entity expansion, ever), and so is XML nested more
    than MAX_XML_DEPTH deep."""
    parser = ET.XMLPullParser(events=("start", "end"))
    root: ET.Element | None = None
    depth, seen, tail = 0, 0, b""
    try:
        for chunk in [data] if isinstance(data, bytes) else data:
            window = (tail + chunk).lower()
            if (seen < 4096 and b"<!doctype" in window[:4096 + len(tail)]) or \
                    b"<!entity" in window:
                raise AnnotatorError("the project.qde declares a DOCTYPE or entities; "
                                     "refused.")
            seen, tail = seen + len(chunk), chunk[-16:]
            parser.feed(chunk)
            for event, element in parser.read_events():
                depth += 1 if event == "start" else -1
                root = element if root is None else root
                if depth > MAX_XML_DEPTH:
                    raise ImportRefused(f"the project.qde is nested more than {MAX_XML_DEPTH}"
                                        " levels deep; nothing was imported.")
        parser.close()
    except ET.ParseError as exc:
        raise AnnotatorError(f"the project.qde is not well-formed XML: {exc}.") from None
    if root is None or local(root.tag) != "Project":
        raise AnnotatorError("the project.qde is not a REFI-QDA Project.")
    return root
