"""The first half of every import: a source file read and parsed without the project,
so that a worker thread can do it while the window stays responsive; and how each
file of a batch fared. :meth:`documents.DocumentStore.store_import` is the other half,
on the project's thread."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.core.errors import ImportFailed, PasswordRequired
from annotator.core.model import Document

if TYPE_CHECKING:
    from annotator.core.importers.base import ImportedSource


@dataclass(slots=True)
class ImportReport:
    """How one file of a batch fared: ``imported``, ``existing`` or ``failed``."""

    path: str
    status: str
    message: str = ""
    document: Document | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class PreparedImport:
    """One source read and parsed, not yet stored: the slow half of an import, done
    without the project so that a worker thread can do it while the window stays
    responsive. :meth:`DocumentStore.store_import` is the other half."""

    path: str  # as the scholar gave it, for the report
    name: str
    data: bytes = b""
    sha256: str = ""
    source: ImportedSource | None = None  # None: failed, or the project has it already
    failure: ImportFailed | None = None

    @property
    def error(self) -> str:
        return str(self.failure) if self.failure is not None else ""

    @property
    def needs_password(self) -> bool:
        return isinstance(self.failure, PasswordRequired)


def prepare_import(path: str | Path, password: str | None = None,
                   known: Callable[[str], bool] | None = None, *,
                   image: str | Path | None = None) -> PreparedImport:
    """Read and parse one source file, never touching a project. A file the project
    already has (``known(sha256)``) is not parsed again. A transcription (ALTO, PAGE
    XML, hOCR) or a folder of them is read with its image(s) (``image`` overrides)."""
    from annotator.core.importers import read_source, read_source_bytes

    path = Path(path)
    try:
        if path.is_dir():
            return _prepared(str(path), read_source(path))
        data = read_source_bytes(path)
    except ImportFailed as exc:
        return PreparedImport(str(path), path.name, failure=exc)
    return prepare_bytes(data, path.name, password, known, path=str(path), image=image)


def _prepared(path: str, source: ImportedSource) -> PreparedImport:
    """A source whose stored bytes are not the file read (a transcription stores its
    image): the fingerprint is that of the bytes stored."""
    return PreparedImport(path, source.filename, source.data,
                          hashlib.sha256(source.data).hexdigest(), source)


def prepare_bytes(data: bytes, filename: str, password: str | None = None,
                  known: Callable[[str], bool] | None = None, *,
                  path: str | None = None, image: str | Path | None = None) -> PreparedImport:
    """:func:`prepare_import` for a source already in memory."""
    from annotator.core.importers import read_source

    prepared = PreparedImport(path or filename, filename, data,
                              hashlib.sha256(data).hexdigest())
    if known is not None and known(prepared.sha256):
        return prepared
    try:
        prepared.source = read_source(Path(path or filename), data=data, password=password,
                                      image=image)
    except ImportFailed as exc:
        prepared.failure = exc
        return prepared
    if prepared.source.data is not data:
        return _prepared(prepared.path, prepared.source)
    return prepared
