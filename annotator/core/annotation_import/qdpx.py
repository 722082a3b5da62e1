"""Import a REFI-QDA project exchange file (.qdpx), so a project can come from MAXQDA,
ATLAS.ti, NVivo or QualCoder (or go there and come back).

What is read: users (as authors), the codebook (as themes; a code under an entity
type of ours, e.g. "Person > Aristide Briand", as an entity record), text, PDF and
picture sources with their selections, codings, notes, selection descriptions and
links between selections. What is not (said in the report): audio and video, sources
outside the archive, rich-text-only sources, cases, variables, sets, graphs.

The archive may be hostile: a DOCTYPE (entity expansion) is refused, member sizes,
packing ratios and the total are bounded before anything is decompressed, an
encrypted, damaged or oddly packed member refuses the whole archive, the project.qde
is parsed as it is unpacked (its nesting bounded), positions and rectangles are
checked against the source, a CodeRef to a missing code is reported and skipped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.core.anchoring import describe, reanchor_all
from annotator.core.annotation_import import AnnotationImportReport, Progress
from annotator.core.annotation_import.common import (
    MAX_ANNOTATIONS,
    Resolver,
    Tick,
    clean_text,
    finite,
    refuse_count,
    stamp,
    uuid_of,
)
from annotator.core.annotation_import.qdpx_archive import Archive as _Archive
from annotator.core.annotation_import.qdpx_archive import int_attr as _int
from annotator.core.annotation_import.qdpx_archive import kids as _kids
from annotator.core.annotation_import.qdpx_archive import local as _local
from annotator.core.annotation_import.qdpx_archive import parse_qde
from annotator.core.annotation_import.qdpx_archive import text_of as _text_of
from annotator.core.annotation_import.qdpx_match import (
    DocumentMatcher,
    decode,
    line_end_readings,
    recombine,
)
from annotator.core.changes import OpResult
from annotator.core.errors import ImportFailed
from annotator.core.exporters.qdpx import AREAS_TOP_LEFT
from annotator.core.exporters.w3c import SCHEMES
from annotator.core.importers.pdf import mupdf_locked
from annotator.core.model import AnchorState, Annotation, Document, RegionSelector, TagKind
from annotator.core.names import fold
from annotator.core.util import new_id

if TYPE_CHECKING:
    from annotator.core.project import Project

MAX_QDE_BYTES = 256 * 2**20  # the project XML
_DATE = re.compile(r"date:[ \t]*([^\n]{1,200})", re.I)  # a Description as the exporter writes it
_SELECTIONS = ("PlainTextSelection", "PDFSelection", "PictureSelection")


class _Importer:
    def __init__(self, project: Project, archive: _Archive, root: ET.Element,
                 report: AnnotationImportReport, tick: Tick) -> None:
        self.p, self.archive, self.root, self.report, self.tick = (
            project, archive, root, report, tick)
        self.res = Resolver(project, report)
        self.users = {g.lower(): u.get("name", "") for u in root.iter() if
                      _local(u.tag) == "User" and (g := u.get("guid"))}
        self.codes: dict[str, tuple[str, str]] = {}  # guid -> ("tag"|"entity", id)
        self.notes: dict[str, str] = {}
        self.note_spans: dict[str, tuple[int, int]] = {}  # a Note's passage (QualCoder)
        self.note_authors: dict[str, tuple[str, str]] = {}  # user, time
        self.used_notes: set[str] = set()
        self.text_docs: dict[str, tuple[Document, str, str]] = {}  # guid -> doc, old, new
        self.matcher = DocumentMatcher(project)
        origin = (root.get("origin") or "").lower()
        self.ours = origin.startswith("annotator")
        #: PDF areas from the top-left: QualCoder's, or ours written for it
        self.top_left = "qualcoder" in origin or AREAS_TOP_LEFT in origin
        self.batch: list[Annotation] = []
        self.batch_ids: set[str] = set()

    # -- codebook and notes ---------------------------------------------------------

    def codebook(self) -> None:
        types = {fold(t.name): t.id for t in self.p.tags.list(TagKind.ENTITY_TYPE)}
        for book in _kids(self.root, "CodeBook"):
            for codes in _kids(book, "Codes"):
                for code in _kids(codes, "Code"):
                    self.code(code, [], types, None)

    def code(self, node: ET.Element, path: list[str], types: dict[str, str],
             entity_type: str | None) -> None:
        guid, name = (node.get("guid") or "").lower(), clean_text(node.get("name"), 200)
        if not name.strip():
            return
        children = _kids(node, "Code")
        desc = _text_of(node, "Description")
        if entity_type and not children:
            entity_id = self.res.entity(entity_id=guid, name=name, type_id=entity_type,
                                        **_entity_fields(desc))
            if entity_id:
                self.codes[guid] = ("entity", entity_id)
            return
        tag_id = self.res.tag([*path, name], TagKind.THEME, tag_id=guid,
                              color=node.get("color", ""), description=desc)
        if tag_id:
            self.codes[guid] = ("tag", tag_id)
        is_type = not path and fold(name) in types
        for child in children:
            self.code(child, [*path, name], types, types[fold(name)] if is_type else None)

    def read_notes(self) -> None:
        for notes in _kids(self.root, "Notes"):
            for note in _kids(notes, "Note"):
                text = _text_of(note, "PlainTextContent")
                if not text and note.get("plainTextPath"):
                    data = self.archive.internal(note.get("plainTextPath", ""))
                    text = data.decode("utf-8", "replace").lstrip("\ufeff") if data else ""
                guid = (note.get("guid") or "").lower()
                self.notes[guid] = text
                span = next(iter(_kids(note, "PlainTextSelection")), None)
                if span is not None:
                    start, end = _int(span, "startPosition"), _int(span, "endPosition")
                    if start is not None and end is not None and 0 <= start <= end:
                        self.note_spans[guid] = (start, end)
                self.note_authors[guid] = (
                    (note.get("creatingUser") or note.get("modifyingUser") or "").lower(),
                    note.get("creationDateTime") or note.get("modifiedDateTime") or "")

    # -- sources --------------------------------------------------------------------

    def sources(self) -> None:
        for sources in _kids(self.root, "Sources"):
            for node in sources:
                kind = _local(node.tag)
                name = clean_text(node.get("name"), 300) or kind
                try:
                    if kind == "TextSource":
                        self.text_source(node, name)
                    elif kind in ("PDFSource", "PictureSource"):
                        self.paged_source(node, name, kind == "PDFSource")
                    else:
                        self.report.skipped.append(f"{name}: {kind.replace('Source', '').lower()}"
                                                   " sources are not imported")
                except ImportFailed as exc:
                    self.report.skipped.append(f"{name}: {exc}")

    def _document(self, data: bytes, filename: str, guid: str | None,
                  kind: str) -> Document:
        """The project's document for this source (matched by GUID, bytes, normalised
        text or decoded pixels, and reported), else a new one."""
        found, how = self.matcher.by_guid(uuid_of(guid)), "its GUID"
        if found is None and kind == "text":
            found, how = self.matcher.by_text(data), "its text"
        elif found is None and kind == "picture":
            found, how = self.matcher.by_pixels(data), "its pixels"
        if found is not None:
            self.report.matched.append(f"{filename}: matched “{found.title}” by {how}")
            return found
        result = self.p.documents.import_bytes(data, filename)
        doc = result.value.document
        assert doc is not None
        if result.value.status == "imported":
            self.report.documents.append(doc.title)
            self.res.changes.documents.add(doc.id)
        else:
            self.report.matched.append(f"{filename}: matched “{doc.title}” by its bytes")
        return doc

    def text_source(self, node: ET.Element, name: str, link_to: Document | None = None) -> None:
        raw = None
        if node.get("plainTextPath"):
            raw = self.archive.internal(node.get("plainTextPath", ""))
        if raw is None and _kids(node, "PlainTextContent"):
            raw = _text_of(node, "PlainTextContent").encode("utf-8")
        if raw is None:
            raise ImportFailed("its plain text is not in the archive (rich text alone "
                               "cannot be imported)")
        filename = name if name.lower().endswith((".txt", ".md", ".html", ".htm")) else \
            f"{name}.txt"
        doc = self._document(raw, filename, node.get("guid"), "text")
        if link_to is not None and not self.p.documents.links(doc.id):
            self.p.documents.link(doc.id, link_to.id)
        old = decode(raw)
        new = self.p.documents.text(doc.id)
        nodes = _kids(node, "PlainTextSelection")
        spans = [(_int(sel, "startPosition"), _int(sel, "endPosition"), sel.get("name") or "")
                 for sel in nodes]
        valid = [(sel, span) for sel, span in zip(nodes, spans, strict=True)
                 if span[0] is not None and span[1] is not None]
        texts, reading, usual, warnings = line_end_readings(old, [s for _, s in valid])  # type: ignore[misc]
        self.report.warnings += [f"{name}: {w}" for w in warnings]
        self.text_docs[(node.get("guid") or "").lower()] = (doc, texts[usual], new)
        for start, end, _ in spans:
            if start is None or end is None:
                self.report.skipped.append(f"{name}: a selection at {start}–{end} has no "
                                           "position")
        for base in range(len(texts)):
            mine = [(sel, s) for (sel, s), r in zip(valid, reading, strict=True) if r == base]
            self.place(mine, texts[base], new, doc, name)
        for ref in _kids(node, "NoteRef"):  # QualCoder: a Note holding its passage
            self.note_on_span((ref.get("targetGUID") or "").lower(), doc, texts[usual], new)
        if _kids(node, "Coding") and new:  # codings of the whole source: one passage
            self.selection(node, doc, text=describe(new, 0, len(new)), whole=True)

    def place(self, selections: list, old: str, new: str, doc: Document, name: str) -> None:
        """Selections counted in ``old`` placed in the document's text ``new``."""
        inside = []
        for sel, (start, end, _) in selections:
            if not 0 <= start <= end <= len(old):
                self.report.skipped.append(f"{name}: a selection at {start}–{end} lies "
                                           "outside the text")
                continue
            inside.append((sel, describe(old, start, end)))
        anchors = reanchor_all(old, new, [(str(i), s) for i, (_, s) in enumerate(inside)])
        for i, (sel, _) in enumerate(inside):
            found = anchors[str(i)]
            text_sel = describe(new, found.start, found.end)
            state = AnchorState.OK if found.state != AnchorState.ORPHANED else found.state
            self.selection(sel, doc, text=text_sel, state=state)

    def note_on_span(self, guid: str, doc: Document, old: str, new: str) -> bool:
        """A Note holding the span of a passage (QualCoder's text annotation): added to
        the annotation of that span, else an annotation of its own."""
        if guid in self.used_notes or guid not in self.note_spans or not self.notes.get(guid):
            return False
        start, end = self.note_spans[guid]
        if end > len(old):
            return False
        found = reanchor_all(old, new, [("n", describe(old, start, end))])["n"]
        self.used_notes.add(guid)
        note = self.notes[guid]
        for ann in self.batch:
            if ann.document_id == doc.id and ann.text is not None and \
                    (ann.text.start, ann.text.end) == (found.start, found.end):
                if note not in ann.note:
                    ann.note = f"{ann.note}\n\n{note}" if ann.note else note
                return True
        user, when = self.note_authors.get(guid, ("", ""))
        self.batch.append(Annotation(new_id(), doc.id, self.res.author(user, self.users.get(user, "")),
                                     describe(new, found.start, found.end), None, [], note, "",
                                     None, "", found.state if found.state == AnchorState.ORPHANED
                                     else AnchorState.OK, stamp(when), stamp(when)))
        self.report.added += 1
        return True

    def loose_notes(self) -> None:
        """Notes with a passage no source points at (QualCoder writes the NoteRef of
        one text annotation per source only): placed on the one text source with a
        selection of that span, or the only text source."""
        for guid in [g for g in self.note_spans if g not in self.used_notes]:
            start, end = self.note_spans[guid]
            fitting = [t for t in self.text_docs.values() if any(
                a.document_id == t[0].id and a.text is not None and
                (a.text.start, a.text.end) == (start, end) for a in self.batch)]
            if len(fitting) != 1 and len(self.text_docs) == 1:
                fitting = list(self.text_docs.values())
            if len(fitting) == 1:
                self.note_on_span(guid, *fitting[0])

    def paged_source(self, node: ET.Element, name: str, pdf: bool) -> None:
        path = node.get("path", "")
        data = self.archive.internal(path)
        if data is None:
            raise ImportFailed(f"its file ({path or 'no path'}) is not inside the archive")
        ext = ".pdf" if pdf else Path(path).suffix.lower() or ".png"
        doc = self._document(data, name if name.lower().endswith(ext) else name + ext,
                             node.get("guid"), "pdf" if pdf else "picture")
        pages = {p.number: p for p in self.p.documents.pages(doc.id)}
        selections = _kids(node, "PDFSelection" if pdf else "PictureSelection")
        if pdf:
            regions = _pdf_regions(data, selections, pages, self.top_left)
        else:
            pixels = doc.metadata.get("pixels") if isinstance(doc.metadata, dict) else None
            width = float(pixels[0]) if isinstance(pixels, list) and pixels and \
                finite(pixels[0]) and pixels[0] > 0 else None
            scale = pages[1].width / width if width and 1 in pages else 1.0
            regions = [_box(sel, 1, scale, pages) for sel in selections]
        for sel, region in zip(selections, regions, strict=True):
            if region is None:
                self.report.skipped.append(f"{name}: a selection lies outside the pages")
                continue
            rep = next(iter(_kids(sel, "Representation")), None)
            text = _text_of(rep, "PlainTextContent") if rep is not None else ""
            self.selection(sel, doc, region=RegionSelector(*region, (), text))
        for rep in _kids(node, "Representation"):  # coded text of the PDF: a transcription
            if _kids(rep, "PlainTextSelection"):
                self.text_source(rep, f"{name} (text)", link_to=doc)

    # -- selections -----------------------------------------------------------------

    def selection(self, sel: ET.Element, doc: Document, *, text=None, region=None,
                  state: AnchorState = AnchorState.OK, whole: bool = False) -> None:
        self.tick.step()
        ann_id = None if whole else uuid_of(sel.get("guid"))
        if ann_id in self.batch_ids:  # ATLAS.ti gives a PDF selection and its text one id
            ann_id = None
        if ann_id and self.p.annotations.get(ann_id) is not None:
            self.report.existing += 1
            return
        tags, entity_id = [], None
        for coding in _kids(sel, "Coding"):
            for ref in _kids(coding, "CodeRef"):
                target = self.codes.get((ref.get("targetGUID") or "").lower())
                if target is None:
                    self.report.warnings.append(f"a coding of “{doc.title}” refers to a code "
                                                "that is not in the codebook; skipped")
                elif target[0] == "tag":
                    tags.append(target[1])
                elif entity_id is None:
                    entity_id = target[1]
        notes, date = [], ""
        desc = _text_of(sel, "Description")
        match = _DATE.fullmatch(desc.strip()) if desc else None
        if match:
            date = match.group(1)
        elif desc and not whole:
            notes.append(desc)
        for ref in _kids(sel, "NoteRef"):
            guid = (ref.get("targetGUID") or "").lower()
            if self.notes.get(guid):
                notes.append(self.notes[guid])
                self.used_notes.add(guid)
        user = (sel.get("creatingUser") or "").lower()
        author = self.res.author(user, self.users.get(user, ""))
        created = stamp(sel.get("creationDateTime"))
        modified = stamp(sel.get("modifiedDateTime") or sel.get("creationDateTime"))
        if state == AnchorState.ORPHANED:
            self.report.orphaned += 1
        ann_id = ann_id or new_id()
        self.batch_ids.add(ann_id)
        self.batch.append(Annotation(ann_id, doc.id, author, text, region,
                                     list(dict.fromkeys(tags)), "\n\n".join(notes), "",
                                     entity_id, date, state, created, modified))
        self.report.added += 1

    def links(self, folded: dict[str, str]) -> None:
        ids = {a.id for a in self.batch}
        for links in _kids(self.root, "Links"):
            for link in _kids(links, "Link"):
                a, b = uuid_of(link.get("originGUID")), uuid_of(link.get("targetGUID"))
                a, b = folded.get(a or "", a), folded.get(b or "", b)
                if a in ids and b in ids and a != b:
                    link_id = uuid_of(link.get("guid"))
                    if link_id and self.p.links.get(link_id) is not None:
                        continue
                    self.p.links.create(a, b, clean_text(link.get("name"), 200) or "related",
                                        link_id=link_id)
                    self.report.links += 1


def _entity_fields(desc: str) -> dict:
    """Aliases, identifiers and dates from a code description as our exporter writes it."""
    fields: dict = {"aliases": [], "identifiers": {}, "description": "", "dates": ""}
    rest = []
    for line in desc.splitlines():
        key, _, value = line.partition(":")
        if key == "Also" and value:
            fields["aliases"] = [a.strip() for a in value.split(";") if a.strip()]
        elif key == "Dates" and value:
            fields["dates"] = value.strip()
        elif key.strip().lower() in SCHEMES and value.strip():
            fields["identifiers"][key.strip()] = value.strip()
        else:
            rest.append(line)
    fields["description"] = "\n".join(rest).strip()
    return fields


def _box(sel: ET.Element, page: int, scale: float, pages: dict) -> tuple | None:
    coords = [_int(sel, k) for k in ("firstX", "firstY", "secondX", "secondY")]
    if any(c is None for c in coords) or page not in pages:
        return None
    x0, y0, x1, y1 = (c * scale for c in coords)  # type: ignore[operator]
    x0, x1, y0, y1 = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
    size = pages[page]
    if x0 < -1 or y0 < -1 or x1 > size.width + 1 or y1 > size.height + 1:
        return None
    return page, round(x0, 2), round(y0, 2), round(x1 - x0, 2), round(y1 - y0, 2)


@mupdf_locked  # MuPDF is single-threaded: the render thread draws too
def _pdf_regions(data: bytes, selections: list[ET.Element], pages: dict,
                 top_left: bool = False) -> list:
    """PDF points from the bottom-left (REFI-QDA 1.5 §10.3; page counted from 0, as
    ATLAS.ti writes it; from 1 if a selection names a page past the end) to our
    top-left page space; ``top_left``: already in it (QualCoder's areas)."""
    import pymupdf

    numbers = [_int(s, "page") for s in selections]
    base = 1 if any(n is not None and n >= len(pages) for n in numbers) and \
        not any(n == 0 for n in numbers) else 0
    out = []
    pdf = pymupdf.open(stream=data, filetype="pdf")
    try:
        for sel, number in zip(selections, numbers, strict=True):
            coords = [_int(sel, k) for k in ("firstX", "firstY", "secondX", "secondY")]
            page_no = None if number is None else number - base + 1
            if page_no not in pages or any(c is None for c in coords) or \
                    not 1 <= page_no <= pdf.page_count:
                out.append(None)
                continue
            page = pdf[page_no - 1]
            rect = pymupdf.Rect(*coords).normalize()
            if not top_left:
                rect = rect * page.transformation_matrix
                rect = (rect * page.rotation_matrix).normalize()
            size = pages[page_no]
            if rect.x0 < -1 or rect.y0 < -1 or rect.x1 > size.width + 1 or \
                    rect.y1 > size.height + 1:
                out.append(None)
                continue
            out.append((page_no, round(rect.x0, 2), round(rect.y0, 2),
                        round(rect.width, 2), round(rect.height, 2)))
    finally:
        pdf.close()
    return out


def import_qdpx(project: Project, path: str | Path, *, progress: Progress = None,
                ) -> OpResult[AnnotationImportReport]:
    """Import a .qdpx archive in one transaction (documents, codebook, annotations)."""
    path = Path(path)
    archive = _Archive(path)
    root = parse_qde(archive.chunks(archive.qde, MAX_QDE_BYTES))
    report = AnnotationImportReport(str(path), "qdpx")
    total = sum(1 for e in root.iter() if _local(e.tag) in _SELECTIONS)
    refuse_count("selections", total, MAX_ANNOTATIONS)
    tick = Tick(progress, total)
    with project.transaction():
        imp = _Importer(project, archive, root, report, tick)
        imp.codebook()
        imp.read_notes()
        imp.sources()
        imp.loose_notes()
        folded: dict[str, str] = {}
        if not imp.ours:  # one annotation per span, as it was before the other program
            imp.batch, folded = recombine(imp.batch)
            report.added -= len(folded)
            report.recombined = len(folded)
        imp.res.flush()
        project.annotations.add_many(imp.batch)
        imp.links(folded)
    report.annotation_ids = [a.id for a in imp.batch]
    unused = len([g for g in imp.notes if g not in imp.used_notes])
    if unused:
        report.warnings.append(f"{unused} memo(s) not attached to a selection were not "
                               "imported")
    for kind in ("Cases", "Variables", "Sets", "Graphs"):
        if _kids(root, kind):
            report.warnings.append(f"{kind.lower()} are not imported")
    imp.res.changes.annotations.update(report.annotation_ids)
    return OpResult(report, imp.res.changes)
