"""Bringing annotations made elsewhere into a project: W3C Web Annotation JSON-LD (our
own exports, Hypothesis, Recogito, ...) and REFI-QDA project exchange files (.qdpx
from MAXQDA, ATLAS.ti, NVivo, QualCoder).

Each import is one transaction: a file that cannot be read changes nothing, and
annotations that cannot be placed are listed in the report with the reason, never
silently dropped. Offsets are code points, as both standards say.

Modules: ``w3c`` and ``qdpx`` (the formats), ``common`` (finding or creating tags,
entities and authors), and ``project_rows`` / ``project_tables``: the row level of
merging a colleague's project file (:mod:`annotator.core.merge` is the entry point).
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.core.changes import OpResult
from annotator.core.errors import AnnotatorError

if TYPE_CHECKING:
    from annotator.core.project import Project

#: ``progress(done, total)``; returning False cancels (nothing is written).
Progress = Callable[[int, int], bool] | None
#: The largest file read: a REFI-QDA archive with its PDFs, or a JSON-LD collection.
MAX_FILE_BYTES = 2 * 1024 * 1024 * 1024


class ImportCancelled(AnnotatorError):
    """The scholar cancelled an import; nothing was written."""


class ImportRefused(AnnotatorError):
    """The whole file is refused (damaged, hostile, or beyond a stated limit), not one
    source or annotation of it: nothing was written."""


@dataclass(slots=True)
class AnnotationImportReport:
    """What an import did: counts, what it created, and every item it could not use
    (with the reason)."""

    path: str
    format: str
    added: int = 0
    existing: int = 0  # already in the project (same id): left as they are
    orphaned: int = 0  # quote not found in the text: kept, marked orphaned
    links: int = 0
    documents: list[str] = field(default_factory=list)  # titles of documents created
    tags: list[str] = field(default_factory=list)  # codebook entries created
    entities: list[str] = field(default_factory=list)  # entity records created
    authors: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # items not imported, with why
    warnings: list[str] = field(default_factory=list)
    annotation_ids: list[str] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)  # sources found in the project
    recombined: int = 0  # codings of one span folded into its annotation

    def summary(self) -> str:
        parts = [f"{self.added} annotation(s) imported"]
        if self.existing:
            parts.append(f"{self.existing} already in the project")
        if self.orphaned:
            parts.append(f"{self.orphaned} kept as orphaned (passage not found)")
        if self.links:
            parts.append(f"{self.links} link(s)")
        if self.documents:
            parts.append(f"{len(self.documents)} document(s)")
        if self.matched:
            parts.append(f"{len(self.matched)} source(s) matched to documents of the project")
        if self.recombined:
            parts.append(f"{self.recombined} coding(s) of an already imported span "
                         "recombined with it")
        if self.skipped:
            parts.append(f"{len(self.skipped)} item(s) skipped")
        return "; ".join(parts)


def detect_format(path: Path) -> str:
    """'qdpx' for a ZIP archive, 'w3c' for JSON, by the bytes, whatever the name."""
    with open(path, "rb") as fh:
        head = fh.read(64)
    if head.startswith(b"PK\x03\x04") or zipfile.is_zipfile(path):
        return "qdpx"
    if b"%PDF" in head:
        return "pdf"  # an annotated PDF (annotation_import.pdf_annotations)
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        return "w3c"
    raise AnnotatorError(f"{path.name} is neither W3C Web Annotation JSON-LD nor a REFI-QDA "
                         ".qdpx file.")


def import_annotations(project: Project, path: str | Path, *, progress: Progress = None,
                       document_id: str | None = None) -> OpResult[AnnotationImportReport]:
    """Import a W3C JSON-LD file or a .qdpx archive (told apart by their bytes);
    ``document_id``: every W3C target is on that document (matched by quote)."""
    path = Path(path)
    if not path.is_file():
        raise AnnotatorError(f"there is no file at {path}.")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise AnnotatorError(f"{path.name} is larger than 2 GB; it cannot be imported.")
    if detect_format(path) == "pdf":
        from annotator.core.annotation_import.pdf_annotations import import_pdf_annotations

        return import_pdf_annotations(project, path, progress=progress)
    if detect_format(path) == "qdpx":
        if document_id is not None:
            raise AnnotatorError(f"{path.name} is a REFI-QDA project, which names its own "
                                 "sources; --document is for W3C files.")
        from annotator.core.annotation_import.qdpx import import_qdpx

        return import_qdpx(project, path, progress=progress)
    from annotator.core.annotation_import.w3c import import_w3c

    return import_w3c(project, path, progress=progress, document_id=document_id)

