"""REFI-QDA project exchange (.qdpx) for MAXQDA, ATLAS.ti, NVivo, QualCoder.

A ZIP of ``project.qde`` (QDA-XML, valid against Project-mrt2019.xsd) and
``Sources/<guid>.<ext>``. Choices, and why:
- ``origin`` names this app: importers use it to decide how to read the file;
- users are the annotators; the codebook is the tag tree (colours, descriptions),
  and each entity record is a code under its entity type, so "Person > Aristide
  Briand" codes every mention of him whatever the spelling;
- a text document is a TextSource whose plain text is stored as UTF-8, LF only, no
  BOM (some importers shift offsets on CRLF or a BOM); selections count code points,
  end exclusive, as this app does;
- a PDF is a PDFSource with PDFSelections (page counted from 0, as ATLAS.ti writes
  it) and always a plain-text Representation (its text layer, or empty: QualCoder
  creates a PDF source only from its Representation, and drops it and its areas
  without one). Area coordinates are PDF points from the bottom-left of the page
  (REFI-QDA 1.5 §10.3) unless ``area_origin="top-left"``: QualCoder reads and writes
  top-left (rotated page space), so an export meant for it says so, and ``origin``
  records the choice ("annotator X; areas top-left") for our own importer;
- an image keeps its original bytes and its extension (``.tif``, ``.png``, ``.jpg``;
  the source's ``name`` ends with it too: QualCoder files a picture under its name
  and cannot re-export one without an extension); only an image of several frames or
  turned by the scholar is written as one lossless PNG per page at full resolution;
- notes are Notes referenced from their selection (MAXQDA, ATLAS.ti) and, for a
  passage, also from the source with the Note holding a PlainTextSelection of the
  same span (the form QualCoder reads as a text annotation; the standard's Note is a
  TextSource, which may hold selections). A region's note is also its ``name``
  (QualCoder reads an area's memo from there). A normalised date is the selection's
  Description; links between annotations are Links;
- nothing points at what is not in the file: every CodeRef, NoteRef, user and link
  end is checked (real importers crash on dangling references).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
import uuid
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from annotator import __version__
from annotator.core.errors import AnnotatorError
from annotator.core.exporters.base import (
    ExportFilter,
    ExportResult,
    Lookup,
    Progress,
    Ticker,
    atomic_file,
    count_annotations,
    document_text,
    iter_annotations,
    link_ends,
    region_warnings,
    source_bytes,
    xml_attr,
    xml_text,
)
from annotator.core.importers.pdf import mupdf_locked
from annotator.core.model import Annotation, Document, DocumentKind

if TYPE_CHECKING:
    from annotator.core.project import Project

QDA_NS = "urn:QDA-XML:project:1.0"
AREAS_TOP_LEFT = "areas top-left"  # in ``origin``: PDF areas measured as QualCoder does
#: how much of project.qde is held in memory before it goes to a temporary file
SPOOL_BYTES = 32 * 2**20
_RGB = re.compile(r"#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")


_IMAGE_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/tiff": "tif",
                     "image/gif": "gif", "image/bmp": "bmp", "image/webp": "webp",
                     "image/jp2": "jp2"}


def _a(pairs: list[tuple[str, object]]) -> str:
    # an empty name is written: QualCoder reads an area's memo from it and fails on none
    return "".join([f" {k}={xml_attr(v)}" for k, v in pairs
                    if v is not None and (v != "" or k == "name")])


_t = xml_text


@lru_cache(maxsize=64)
def _namespace(base: str) -> bytes:
    """The UUIDv5 namespace of a row's sub-GUIDs: its own UUID, else the URL namespace."""
    try:
        return uuid.UUID(base).bytes
    except ValueError:
        return uuid.NAMESPACE_URL.bytes


def sub_guid(base: str, what: str) -> str:
    """A stable GUID derived from a row's id (codings, notes, representations): the
    UUIDv5 of ``base/what`` in the row's namespace, formatted here rather than through
    ``uuid.UUID`` (a third of a 100k export went to building UUID objects)."""
    digest = hashlib.sha1(_namespace(base) + f"{base}/{what}".encode(),
                          usedforsecurity=False).hexdigest()
    variant = "89ab"[int(digest[16], 16) & 3]
    return (f"{digest[:8]}-{digest[8:12]}-5{digest[13:16]}-{variant}{digest[17:20]}-"
            f"{digest[20:32]}")


def _name(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 80 else text[:79] + "…"


class _Qde:
    """Writes project.qde into the open ZIP and the sources beside it."""

    def __init__(self, project: Project, look: Lookup, zf: zipfile.ZipFile,
                 filt: ExportFilter | None, ticker: Ticker, top_left: bool = False) -> None:
        self.p, self.look, self.zf, self.filt, self.ticker = project, look, zf, filt, ticker
        self.top_left = top_left
        self.source_notes: list[str] = []  # NoteRefs of the source being written
        self.users = {a for a in look.authors}
        self.codes: set[str] = set()
        # the XML is spooled (to disk past 32 MB): sources go into the ZIP as they are
        # read, project.qde last, and 100,000 selections never sit in one string
        self.out = tempfile.SpooledTemporaryFile(SPOOL_BYTES, mode="w+", encoding="utf-8")
        self.notes = tempfile.SpooledTemporaryFile(max(SPOOL_BYTES // 4, 1), mode="w+",
                                                   encoding="utf-8")
        self.has_notes = False
        self.selections: set[str] = set()  # written link ends (links point at them)
        self.link_ends = link_ends(project)
        self.written = 0
        self.warnings: list[str] = []

    def user(self, author_id: str) -> str | None:
        return author_id if author_id in self.users else None

    # -- codebook -------------------------------------------------------------------

    def codebook(self) -> str:
        tree = self.look.children()
        entities: dict[str, list] = {}
        for entity in self.look.entities.values():
            if not entity.deleted:
                entities.setdefault(entity.type_id if entity.type_id in self.look.tags
                                    else "", []).append(entity)

        def entity_code(entity) -> str:
            self.codes.add(entity.id)
            lines = [entity.description] if entity.description else []
            if entity.aliases:
                lines.append("Also: " + "; ".join(entity.aliases))
            lines += [f"{k}: {v}" for k, v in entity.identifiers.items()]
            if entity.dates:
                lines.append(f"Dates: {entity.dates}")
            desc = f"<Description>{_t(chr(10).join(lines))}</Description>" if lines else ""
            return (f"<Code{_a([('guid', entity.id), ('name', entity.name), ('isCodable', 'true')])}>"
                    f"{desc}</Code>")

        def code(tag) -> str:
            self.codes.add(tag.id)
            color = tag.color if _RGB.fullmatch(tag.color or "") else None
            desc = f"<Description>{_t(tag.description)}</Description>" if tag.description else ""
            inner = "".join(code(c) for c in tree.get(tag.id, []))
            inner += "".join(entity_code(e) for e in sorted(entities.get(tag.id, []),
                                                            key=lambda e: e.name.casefold()))
            return (f"<Code{_a([('guid', tag.id), ('name', tag.name), ('isCodable', 'true'), ('color', color)])}>"
                    f"{desc}{inner}</Code>")

        body = "".join(code(t) for t in tree.get(None, []))
        body += "".join(entity_code(e) for e in entities.get("", []))
        return f"<CodeBook><Codes>{body}</Codes></CodeBook>" if body else ""

    # -- selections -----------------------------------------------------------------

    def selection_children(self, ann: Annotation, representation: str = "") -> str:
        """Description (date), representation, codings and the NoteRef of a selection;
        its Note goes to the project's Notes (with the passage's span for a text)."""
        parts = [f"<Description>{_t('date: ' + ann.date_value)}</Description>"
                 if ann.date_value else "", representation]
        codes = [t for t in ann.tag_ids if t in self.codes]
        if ann.entity_id and ann.entity_id in self.codes:
            codes.append(ann.entity_id)
        for code in codes:
            parts.append(f"<Coding{_a([('guid', sub_guid(ann.id, 'coding/' + code)), ('creatingUser', self.user(ann.author_id)), ('creationDateTime', ann.created_at)])}>"
                         f"<CodeRef targetGUID=\"{code}\"/></Coding>")
        if ann.note:
            note_id = sub_guid(ann.id, "note")
            self.has_notes = True
            span = ""
            if ann.text is not None:  # QualCoder's text annotation: the Note holds the span
                span = (f"<PlainTextSelection{_a([('guid', sub_guid(ann.id, 'note/span')), ('name', _name(ann.quote)), ('startPosition', ann.text.start), ('endPosition', ann.text.end)])}/>")
                self.source_notes.append(note_id)
            self.notes.write(
                f"<Note{_a([('guid', note_id), ('name', 'Note: ' + _name(ann.quote or ann.note)), ('creatingUser', self.user(ann.author_id)), ('creationDateTime', ann.created_at), ('modifyingUser', self.user(ann.author_id)), ('modifiedDateTime', ann.modified_at)])}>"
                f"<PlainTextContent>{_t(ann.note)}</PlainTextContent>{span}</Note>")
            parts.append(f'<NoteRef targetGUID="{note_id}"/>')
        if ann.id in self.link_ends:
            self.selections.add(ann.id)
        self.written += 1
        self.ticker.step()
        return "".join(parts)

    def common(self, ann: Annotation) -> list[tuple[str, object]]:
        user = self.user(ann.author_id)
        # an area's name is its note (QualCoder's memo of an area), else empty: a quote
        # there would come back from QualCoder as a note
        if ann.region is None:
            name = _name(ann.quote) or "Selection"
        else:  # QualCoder files an area's memo from its name (and fails on none)
            name = ann.note
        return [("guid", ann.id), ("name", name),
                ("creatingUser", user), ("creationDateTime", ann.created_at),
                ("modifyingUser", user), ("modifiedDateTime", ann.modified_at)]

    # -- sources --------------------------------------------------------------------

    def text_source(self, doc: Document) -> None:
        text = document_text(self.p, doc.id).replace("\r", "\n")  # one for one: offsets hold
        self.zf.writestr(f"Sources/{doc.id}.txt", text.encode("utf-8"),
                         zipfile.ZIP_DEFLATED)
        del text  # one document's text at a time
        self.out.write(f"<TextSource{_a(self.source_attrs(doc) + [('plainTextPath', f'internal://{doc.id}.txt')])}>")
        self.source_notes = []
        parts: list[str] = []  # written a few hundred selections at a time
        for ann in iter_annotations(self.p, self.filt, document_id=doc.id):
            if ann.text is not None:
                parts.append(f"<PlainTextSelection{_a(self.common(ann) + [('startPosition', ann.text.start), ('endPosition', ann.text.end)])}>"
                             f"{self.selection_children(ann)}</PlainTextSelection>")
                if len(parts) >= 256:
                    self.out.write("".join(parts))
                    parts.clear()
        self.out.write("".join(parts))
        self.out.write("".join(f'<NoteRef targetGUID="{n}"/>' for n in self.source_notes))
        self.out.write("</TextSource>")

    def source_attrs(self, doc: Document) -> list[tuple[str, object]]:
        return [("guid", doc.id), ("name", doc.title), ("creationDateTime", doc.created_at),
                ("modifiedDateTime", doc.modified_at)]

    @mupdf_locked  # MuPDF is single-threaded: the render thread draws too
    def pdf_source(self, doc: Document, data: bytes) -> None:
        import pymupdf

        try:
            pdf = pymupdf.open(stream=data, filetype="pdf")
        except RuntimeError as exc:  # FileDataError: bytes that match their hash, yet no PDF
            self.warnings.append(f"“{doc.title}”: left out, its PDF cannot be read ({exc})")
            return
        self.zf.writestr(f"Sources/{doc.id}.pdf", data, zipfile.ZIP_STORED)
        self.out.write(f"<PDFSource{_a(self.source_attrs(doc) + [('path', f'internal://{doc.id}.pdf')])}>")
        try:
            for ann in iter_annotations(self.p, self.filt, document_id=doc.id):
                g = ann.region
                if g is None or not 1 <= g.page <= pdf.page_count:
                    continue
                page = pdf[g.page - 1]
                rect = pymupdf.Rect(g.x, g.y, g.x + g.w, g.y + g.h)
                if not self.top_left:  # REFI-QDA: unrotated PDF space, from the bottom-left
                    rect = rect * page.derotation_matrix
                    rect = (rect * ~page.transformation_matrix).normalize()
                rep = ""
                if g.text:
                    rep = (f"<Representation guid=\"{sub_guid(ann.id, 'text')}\">"
                           f"<PlainTextContent>{_t(g.text)}</PlainTextContent></Representation>")
                coords = [("page", g.page - 1), ("firstX", round(rect.x0)),
                          ("firstY", round(rect.y0)), ("secondX", round(rect.x1)),
                          ("secondY", round(rect.y1))]
                self.out.write(f"<PDFSelection{_a(self.common(ann) + coords)}>"
                               f"{self.selection_children(ann, rep)}</PDFSelection>")
        finally:
            pdf.close()
        pages = self.p.documents.pages(doc.id)
        text = "\n\n".join(p.text.strip() for p in pages).replace("\r", "\n").strip()
        rep_id = sub_guid(doc.id, "representation")  # always, empty for a scan without text
        self.zf.writestr(f"Sources/{rep_id}.txt", text.encode("utf-8"), zipfile.ZIP_DEFLATED)
        self.out.write(f"<Representation{_a([('guid', rep_id), ('name', 'Text of ' + doc.title), ('plainTextPath', f'internal://{rep_id}.txt')])}/>")
        self.out.write("</PDFSource>")

    @mupdf_locked  # MuPDF is single-threaded: the render thread draws too
    def picture_sources(self, doc: Document, data: bytes) -> None:
        import pymupdf

        pages = self.p.documents.pages(doc.id)
        by_page: dict[int, list[Annotation]] = {}
        for ann in iter_annotations(self.p, self.filt, document_id=doc.id):
            if ann.region is not None:
                by_page.setdefault(ann.region.page, []).append(ann)
        # the scholar's own file whenever it is one picture as she sees it
        original = len(pages) == 1 and not doc.metadata.get("orientation")
        kind = doc.media_type.removeprefix("image/")
        try:
            image = None if original else pymupdf.open(stream=data, filetype=kind)
        except RuntimeError as exc:
            self.warnings.append(f"“{doc.title}”: left out, its image cannot be read ({exc})")
            return
        try:
            for page in pages:
                guid = doc.id if len(pages) == 1 else sub_guid(doc.id, f"page/{page.number}")
                if original:
                    ext = _IMAGE_EXTENSIONS.get(doc.media_type, kind.split("+")[0] or "img")
                    pixels = doc.metadata.get("pixels") or [page.width, page.height]
                    payload, width = data, float(pixels[0])
                else:  # lossless, full size: as many pixels as the frame has
                    ext = "png"
                    frame = image[page.number - 1]
                    info = frame.get_images(full=True)
                    zoom = info[0][2] / frame.rect.width if info and frame.rect.width else 1.0
                    pix = frame.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom))
                    payload, width = pix.tobytes("png"), float(pix.width)
                scale = width / page.width if page.width else 1.0
                self.zf.writestr(f"Sources/{guid}.{ext}", payload, zipfile.ZIP_STORED)
                name = doc.title if len(pages) == 1 else f"{doc.title}, p. {page.number}"
                if not name.lower().endswith(f".{ext}"):
                    name += f".{ext}"
                attrs = self.source_attrs(doc)
                attrs[0], attrs[1] = ("guid", guid), ("name", name)
                self.out.write(f"<PictureSource{_a(attrs + [('path', f'internal://{guid}.{ext}')])}>")
                for ann in by_page.get(page.number, []):
                    g = ann.region
                    assert g is not None
                    coords = [("firstX", round(g.x * scale)), ("firstY", round(g.y * scale)),
                              ("secondX", round((g.x + g.w) * scale)),
                              ("secondY", round((g.y + g.h) * scale))]
                    self.out.write(f"<PictureSelection{_a(self.common(ann) + coords)}>"
                                   f"{self.selection_children(ann)}</PictureSelection>")
                self.out.write("</PictureSource>")
        finally:
            if image is not None:
                image.close()

    def source(self, doc: Document) -> None:
        if doc.kind == DocumentKind.TEXT:
            self.text_source(doc)
            return
        data = source_bytes(self.p, doc, self.warnings)
        if data is None:
            return
        if doc.media_type == "application/pdf":
            self.pdf_source(doc, data)
        else:
            self.picture_sources(doc, data)


def export_qdpx(project: Project, out: str | Path, *, filt: ExportFilter | None = None,
                progress: Progress = None, area_origin: str = "bottom-left") -> ExportResult:
    """Write the project (the filtered annotations, every document they are on, or
    the one filtered document) as a .qdpx archive. ``area_origin="top-left"`` writes
    PDF areas as QualCoder reads them (see the module docstring)."""
    if area_origin not in ("bottom-left", "top-left"):
        raise AnnotatorError(f"a PDF area origin is bottom-left or top-left, not {area_origin!r}.")
    top_left = area_origin == "top-left"
    out = Path(out)
    look = Lookup(project)
    filt = filt or ExportFilter()
    ticker = Ticker(progress, count_annotations(project, filt))
    docs = [d for d in sorted(look.documents.values(), key=lambda d: d.title.casefold())
            if not filt.document_id or d.id == filt.document_id]
    with atomic_file(out, "wb") as raw, zipfile.ZipFile(raw, "w", allowZip64=True) as zf:
        qde = _Qde(project, look, zf, filt, ticker, top_left)
        codebook = qde.codebook()
        for doc in docs:
            qde.source(doc)
        users = "".join(f"<User{_a([('guid', a.id), ('name', a.name)])}/>"
                        for a in look.authors.values())
        links = "".join(
            f"<Link{_a([('guid', lk.id), ('name', lk.relation), ('direction', 'OneWay'), ('originGUID', lk.source_id), ('targetGUID', lk.target_id)])}/>"
            for lk in project.links.list()
            if lk.source_id in qde.selections and lk.target_id in qde.selections)
        first_author = next(iter(look.authors), None)
        head = _a([("name", project.title), ("origin", f"annotator {__version__}" + (f"; {AREAS_TOP_LEFT}" if top_left else "")),
                   ("creatingUserGUID", first_author),
                   ("creationDateTime", project.meta("created_at") or None)])
        with zf.open("project.qde", "w", force_zip64=True) as fh:
            def put(text: str) -> None:
                fh.write(text.encode("utf-8"))

            put(f'<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="{QDA_NS}"{head}>')
            put(f"<Users>{users}</Users>" if users else "")
            put(codebook)
            if docs:
                put("<Sources>")
                qde.out.seek(0)
                for chunk in iter(lambda: qde.out.read(1 << 16), ""):
                    put(chunk)
                put("</Sources>")
            if qde.has_notes:
                put("<Notes>")
                qde.notes.seek(0)
                shutil.copyfileobj(qde.notes, _Encoder(fh))
                put("</Notes>")
            put(f"<Links>{links}</Links>" if links else "")
            put(f"<Description>{_t(project.title)}</Description></Project>\n")
        qde.out.close()
        qde.notes.close()
        ticker.finish()
    return ExportResult([out], qde.written, qde.warnings + region_warnings(project, filt))


class _Encoder:
    """A text sink writing UTF-8 into a binary ZIP member (for shutil.copyfileobj)."""

    def __init__(self, fh) -> None:
        self.fh = fh

    def write(self, text: str) -> None:
        self.fh.write(text.encode("utf-8"))
