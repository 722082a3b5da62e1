"""Documents: importing sources into the project file and reading them back.

The original bytes of every source are stored (with their SHA-256) so the project
file is self-contained; re-importing the same bytes finds the existing document.
Each import is one transaction: a bad file never leaves half a document behind.
Every import (command line, import dialog, archives) takes one path in two halves:
:func:`prepared_import.prepare_import` reads and parses without the project (a worker
thread may run it), :meth:`DocumentStore.store_import` writes on the project's thread.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.core.changes import OpChanges, OpResult
from annotator.core.errors import AnnotatorError, ImportFailed
from annotator.core.model import Document, DocumentKind, DocumentLink, Page
from annotator.core.prepared_import import (
    ImportReport,
    PreparedImport,
    prepare_bytes,
    prepare_import,
)
from annotator.core.rows import Table
from annotator.core.util import dumps, loads, new_id, now

if TYPE_CHECKING:
    from annotator.core.importers.base import ImportedSource
    from annotator.core.project import Project

_DOCS = Table("documents", skip=("text",))  # a text is read only when asked for
_LINKS = Table("document_links")
_PAGES = Table("pages")
METADATA_FIELDS = ("date", "creator", "archive", "shelfmark", "url", "rights", "notes")


def _document(row: tuple) -> Document:
    return _DOCS.record(Document, row, kind=DocumentKind.read, page_count=lambda n: n or 0,
                        metadata=lambda v: loads(v, {}), deleted=bool)


def _alignment(value: str) -> dict[int, int]:
    return {int(k): int(v) for k, v in loads(value, {}).items()
            if str(k).isdigit() and isinstance(v, int)}


def _doc_link(row: tuple) -> DocumentLink:
    return _LINKS.record(DocumentLink, row, alignment=_alignment, deleted=bool)


class DocumentStore:
    def __init__(self, project: Project) -> None:
        self._p = project
        self._texts: dict[str, str] = {}

    def forget_cache(self) -> None:
        self._texts.clear()

    # -- reading ---------------------------------------------------------------------

    def list(self, *, include_deleted: bool = False) -> list[Document]:
        where = "" if include_deleted else "WHERE deleted = 0"
        return [_document(r) for r in self._p.conn.execute(
            f"{_DOCS.select} {where} ORDER BY title COLLATE NOCASE")]

    def get(self, document_id: str) -> Document | None:
        row = self._p.conn.execute(f"{_DOCS.select} WHERE id = ?",
                                   (document_id,)).fetchone()
        return _document(row) if row else None

    def find(self, ref: str) -> Document | None:
        """A live document by id, id prefix (6+ characters), title or file name."""
        doc = self.get(ref)
        if doc is not None and not doc.deleted:
            return doc
        conn = self._p.conn
        for sql, arg in (
            ("id LIKE ? ESCAPE '\\'", _like_prefix(ref) if len(ref) >= 6 else None),
            ("title = ? COLLATE NOCASE", ref),
            ("filename = ?", ref),
            ("filename = ?", Path(ref).name),
        ):
            if arg is None:
                continue
            rows = conn.execute(f"{_DOCS.select} WHERE deleted = 0 AND {sql}",
                                (arg,)).fetchall()
            if len(rows) == 1:
                return _document(rows[0])
            if len(rows) > 1:
                raise AnnotatorError(f"{ref!r} names {len(rows)} documents; use the id.")
        return None

    def text(self, document_id: str) -> str:
        """The normalised text of a text document ('' for a paged one). Cached: the
        text of the open document is read once, not per annotation."""
        text = self._texts.get(document_id)
        if text is None:
            row = self._p.conn.execute("SELECT text FROM documents WHERE id = ?",
                                       (document_id,)).fetchone()
            if row is None:
                raise AnnotatorError(f"no document {document_id!r} in this project.")
            text = row[0] or ""
            self._texts[document_id] = text
        return text

    def data(self, document_id: str) -> bytes:
        """The original bytes of the source, as imported."""
        row = self._p.conn.execute("SELECT data FROM document_data WHERE document_id = ?",
                                   (document_id,)).fetchone()
        if row is None:
            raise AnnotatorError(f"the source bytes of document {document_id!r} are missing.")
        return bytes(row[0])

    def pages(self, document_id: str, *, with_words: bool = False) -> list[Page]:
        columns = _PAGES.list if with_words else _PAGES.list.replace("words", "'[]'")
        rows = self._p.conn.execute(
            f"SELECT {columns} FROM pages WHERE document_id = ? ORDER BY number", (document_id,))
        return [_page(r) for r in rows]

    def page(self, document_id: str, number: int) -> Page | None:
        row = self._p.conn.execute(
            f"{_PAGES.select} WHERE document_id = ? AND number = ?",
            (document_id, number)).fetchone()
        return _page(row) if row else None

    def annotation_counts(self, document_ids: Iterable[str] | None = None) -> dict[str, int]:
        """Live annotations per document: of every document (0.36 s at 1M, a covering
        index), or only of ``document_ids`` (a few ms each: what an edit changed)."""
        if document_ids is None:
            return dict(self._p.conn.execute(
                "SELECT document_id, count(*) FROM annotations WHERE deleted = 0 "
                "GROUP BY document_id").fetchall())
        ids = list(dict.fromkeys(document_ids))
        counts = dict.fromkeys(ids, 0)
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            counts.update(self._p.conn.execute(
                "SELECT document_id, count(*) FROM annotations WHERE deleted = 0 AND "
                f"document_id IN ({','.join('?' * len(chunk))}) GROUP BY document_id", chunk))
        return counts

    def by_sha256(self, sha256: str) -> Document | None:
        row = self._p.conn.execute(
            f"{_DOCS.select} WHERE sha256 = ? ORDER BY deleted LIMIT 1",
            (sha256,)).fetchone()
        return _document(row) if row else None

    # -- importing -------------------------------------------------------------------

    def import_file(self, path: str | Path, *, password: str | None = None,
                    title: str | None = None,
                    image: str | Path | None = None) -> OpResult[ImportReport]:
        """Import one source file. Raises ImportFailed with a message for the scholar;
        on failure nothing is written. ``image``: the scan of an ALTO/PAGE/hOCR file."""
        return self.store_import(prepare_import(path, password, self._known, image=image),
                                 title=title)

    def import_bytes(self, data: bytes, filename: str, *, password: str | None = None,
                     title: str | None = None) -> OpResult[ImportReport]:
        """Import a source held in memory (a member of a .qdpx archive, a merge)."""
        return self.store_import(prepare_bytes(data, filename, password, self._known),
                                 title=title)

    def store_import(self, prepared: PreparedImport, *,
                     title: str | None = None) -> OpResult[ImportReport]:
        """The second half of every import, on the project's thread: write a source
        :func:`prepare_import` read (one transaction). A document already there is
        reported, a deleted one brought back; a failed read raises its ImportFailed."""
        if prepared.failure is not None:
            raise prepared.failure
        existing = self.by_sha256(prepared.sha256)
        if existing is not None and not existing.deleted:
            added = self._add_text_layer(existing, prepared)
            if added is not None:
                return added
            return OpResult(ImportReport(prepared.path, "existing",
                                         f"already in the project as “{existing.title}”",
                                         existing), OpChanges())
        if existing is not None:  # imported before, then deleted: bring it back as it was
            restored = self.restore(existing)
            return OpResult(ImportReport(prepared.path, "imported",
                                         "restored a deleted document", restored.value),
                            restored.changes)
        source = prepared.source
        if source is None:  # the project had it when it was read, and has it no longer
            from annotator.core.importers import read_source

            source = read_source(Path(prepared.name), data=prepared.data)
        if title:
            source.title = title
        document = self.add_source(source, prepared.sha256)
        return OpResult(ImportReport(prepared.path, "imported", "", document,
                                     list(source.warnings)), OpChanges(documents={document.id}))

    def _add_text_layer(self, existing: Document,
                        prepared: PreparedImport) -> OpResult[ImportReport] | None:
        """An ALTO/PAGE/hOCR file for a scan the project holds without words: its words
        become that scan's text layer (annotations on the scan stay where they are)."""
        source = prepared.source
        if source is None or "text_layers" not in source.metadata:
            return None
        pages = self.pages(existing.id, with_words=True)
        if len(pages) != len(source.pages) or any(p.words for p in pages):
            return None
        metadata = dict(existing.metadata)
        for key in ("text_layers", "transcription_files"):
            metadata[key] = source.metadata[key]
        with self._p.transaction() as conn:
            conn.executemany(
                "UPDATE pages SET words = ?, text = ?, is_scan = ? "
                "WHERE document_id = ? AND number = ?",
                [(dumps([list(w) for w in p.words]), p.text, int(p.is_scan), existing.id,
                  p.number) for p in source.pages])
            conn.execute("UPDATE documents SET metadata = ?, modified_at = ? WHERE id = ?",
                         (dumps(metadata), now(), existing.id))
        return OpResult(ImportReport(prepared.path, "imported", "its words became the text "
                                     f"layer of “{existing.title}”, already in the project",
                                     self.get(existing.id), list(source.warnings)),
                        OpChanges(documents={existing.id}))

    def source_fingerprints(self) -> set[str]:
        """The SHA-256 of every source the project holds, deleted ones too: what an
        import running off the project's thread need not parse."""
        return {r[0] for r in self._p.conn.execute("SELECT sha256 FROM documents")}

    def _known(self, sha256: str) -> bool:
        return self.by_sha256(sha256) is not None

    def import_files(self, paths: Iterable[str | Path], *, password: str | None = None,
                     progress: Callable[[int, str], bool] | None = None,
                     image: str | Path | None = None) -> list[ImportReport]:
        """Import a batch, one transaction per file; a bad file never stops the others.
        ``progress(i, name)`` is called before each file; returning False cancels."""
        reports = []
        for i, path in enumerate(paths):
            if progress is not None and progress(i, Path(path).name) is False:
                break
            try:
                reports.append(self.import_file(path, password=password, image=image).value)
            except ImportFailed as exc:
                reports.append(ImportReport(str(path), "failed", str(exc)))
        return reports

    def add_source(self, source: ImportedSource, sha256: str | None = None) -> Document:
        """Write an imported source (document, bytes, pages) in one transaction."""
        sha256 = sha256 or hashlib.sha256(source.data).hexdigest()
        stamp = now()
        metadata = dict(source.metadata)
        if source.warnings:
            metadata["import_warnings"] = list(source.warnings)
        doc = Document(new_id(), source.title or source.filename, DocumentKind(source.kind),
                       source.media_type, source.filename, sha256, len(source.pages),
                       source.language, metadata, None, len(source.data), stamp, stamp)
        with self._p.transaction() as conn:
            conn.execute(_DOCS.insert("text"), (*_DOCS.values(
                doc, kind=str, metadata=dumps, deleted=int), source.text))
            conn.execute("INSERT INTO document_data (document_id, data) VALUES (?, ?)",
                         (doc.id, source.data))
            pages = (Page(doc.id, p.number, p.width, p.height, p.text or "", p.words,
                          p.is_scan) for p in source.pages)
            conn.executemany(_PAGES.insert(), [_PAGES.values(
                page, words=lambda ws: dumps([list(w) for w in ws]), is_scan=int)
                for page in pages])
            if source.previews:
                from annotator.core.stored_previews import fingerprint, store

                store(conn, doc.id, fingerprint(source.data), source.previews)
        return doc

    # -- editing ---------------------------------------------------------------------

    def update(self, document_id: str, *, title: str | None = None,
               language: str | None = None, metadata: dict | None = None) -> OpResult[Document]:
        """Change title, language or metadata (date, creator, archive, shelfmark, url,
        rights, notes); ``metadata`` keys given replace those stored, others stay."""
        doc = self._live(document_id)
        new_meta = dict(doc.metadata)
        for key, value in (metadata or {}).items():
            if value in (None, ""):
                new_meta.pop(key, None)
            else:
                new_meta[key] = value
        new = replace(doc, title=doc.title if title is None else title.strip() or doc.title,
                      language=doc.language if language is None else language,
                      metadata=new_meta, modified_at=now())
        with self._p.transaction() as conn:
            conn.execute("UPDATE documents SET title=?, language=?, metadata=?, modified_at=? "
                         "WHERE id=?", (new.title, new.language, dumps(new.metadata),
                                        new.modified_at, document_id))
        return OpResult(new, OpChanges(documents={document_id}))

    def set_text(self, document_id: str, new_text: str) -> OpResult[dict]:
        """Correct a transcription and re-anchor its annotations (never dropping one).
        The value maps annotation ids to their new Anchor."""
        import unicodedata

        from annotator.core.anchoring import reanchor_all

        doc = self._live(document_id)
        if doc.kind != DocumentKind.TEXT:
            raise AnnotatorError("only a text document's transcription can be edited.")
        new_text = unicodedata.normalize("NFC", new_text.replace("\r\n", "\n").replace("\r", "\n"))
        old_text = self.text(document_id)
        if new_text == old_text:  # nothing to do, nothing to undo, no review state reset
            return OpResult({}, OpChanges())
        annotations = self._p.annotations.for_document(document_id)
        selectors = [(a.id, a.text) for a in annotations if a.text is not None]
        anchors = reanchor_all(old_text, new_text, selectors)
        stamp = now()
        with self._p.transaction() as conn:
            conn.execute("UPDATE documents SET text = ?, modified_at = ? WHERE id = ?",
                         (new_text, stamp, document_id))
            self._p.annotations.apply_anchors(document_id, new_text, anchors, stamp)
        self._texts[document_id] = new_text
        return OpResult(anchors, OpChanges(documents={document_id}, annotations=set(anchors)))

    def delete(self, document_id: str) -> OpResult[Document]:
        """Tombstone a document; its annotations stay in the file, hidden with it, so
        undo (or re-importing the same bytes) brings everything back."""
        doc = self._live(document_id)
        with self._p.transaction() as conn:
            conn.execute("UPDATE documents SET deleted = 1, modified_at = ? WHERE id = ?",
                         (now(), document_id))
        return OpResult(doc, OpChanges(documents={document_id}))

    def restore(self, document: Document) -> OpResult[Document]:
        with self._p.transaction() as conn:
            conn.execute("UPDATE documents SET deleted = 0, modified_at = ? WHERE id = ?",
                         (now(), document.id))
        return OpResult(self._live(document.id), OpChanges(documents={document.id}))

    # -- transcriptions and their scans -----------------------------------------------

    def link(self, source_id: str, target_id: str, relation: str = "transcription",
             alignment: dict[int, int] | None = None) -> OpResult[DocumentLink]:
        """Say that ``source`` (a text) transcribes ``target`` (usually a scan). When the
        scan has words (born-digital, OCR, imported) and no ``alignment`` is given by
        hand, the two are aligned word by word and the page alignment is filled from
        it (:mod:`annotator.core.word_alignment`)."""
        if source_id == target_id:
            raise AnnotatorError("a document cannot be linked to itself.")
        source = self._live(source_id)
        target = self._live(target_id)
        stamp = now()
        link = DocumentLink(new_id(), source_id, target_id, relation,
                            dict(alignment or {}), stamp, stamp)
        with self._p.transaction() as conn:
            conn.execute(_LINKS.insert(), _LINKS.values(
                link, alignment=lambda a: dumps({str(k): v for k, v in a.items()}),
                deleted=int))
            if not alignment and source.kind == DocumentKind.TEXT \
                    and target.kind == DocumentKind.PAGED:
                link = self._align(link) or link
        return OpResult(link, OpChanges(document_links={link.id},
                                        documents={source_id, target_id}))

    def align(self, link_id: str) -> OpResult[DocumentLink]:
        """Align a linked transcription with its scan again, word by word, and set the
        page alignment from it (replacing pages typed by hand)."""
        link = self.get_link(link_id)
        if link is None or link.deleted:
            raise AnnotatorError(f"no document link {link_id!r}.")
        from annotator.core.word_alignment import scan_has_words

        if not scan_has_words(self._p, link.target_id):
            raise AnnotatorError("the scan has no text layer to align with: recognise its "
                                 "text first (annotator ocr, or Document ▸ Recognise text…).")
        with self._p.transaction():
            link = self._align(link) or link
        return OpResult(link, OpChanges(document_links={link_id}))

    def _align(self, link: DocumentLink) -> DocumentLink | None:
        """Inside an action: align, store the word links, and set the page starts."""
        from annotator.core import word_alignment
        from annotator.core.alignment import page_starts

        if not word_alignment.scan_has_words(self._p, link.target_id):
            return None
        links = word_alignment.compute(self._p, link)
        starts = page_starts(links)
        if starts and starts != link.alignment:
            link = self.set_alignment(link.id, starts).value
        word_alignment.store(self._p, link, links)  # under the link as it now is
        return link

    def set_alignment(self, link_id: str, alignment: dict[int, int]) -> OpResult[DocumentLink]:
        """Set which text offset starts each page ("this offset starts page N")."""
        stamp = now()
        with self._p.transaction() as conn:
            changed = conn.execute(
                "UPDATE document_links SET alignment = ?, modified_at = ? "
                "WHERE id = ? AND deleted = 0",
                (dumps({str(k): int(v) for k, v in sorted(alignment.items())}), stamp, link_id))
            if changed.rowcount != 1:
                raise AnnotatorError(f"no document link {link_id!r}.")
        link = self.get_link(link_id)
        assert link is not None
        return OpResult(link, OpChanges(document_links={link_id}))

    def get_link(self, link_id: str) -> DocumentLink | None:
        row = self._p.conn.execute(f"{_LINKS.select} WHERE id = ?",
                                   (link_id,)).fetchone()
        return _doc_link(row) if row else None

    def first_to_read(self, remembered: str | None) -> str | None:
        """The document to open the project on (core/glance.py's rule, which the
        window's first glance follows too)."""
        from annotator.core.glance import first_to_read

        return first_to_read(self._p.conn, remembered)

    def links(self, document_id: str | None = None) -> list[DocumentLink]:
        sql = f"{_LINKS.select} WHERE deleted = 0"
        args: tuple = ()
        if document_id:
            sql += " AND (source_id = ? OR target_id = ?)"
            args = (document_id, document_id)
        return [_doc_link(r) for r in self._p.conn.execute(sql + " ORDER BY created_at", args)]

    def unlink(self, link_id: str) -> OpResult[DocumentLink]:
        link = self.get_link(link_id)
        if link is None or link.deleted:
            raise AnnotatorError(f"no document link {link_id!r}.")
        with self._p.transaction() as conn:
            conn.execute("UPDATE document_links SET deleted = 1, modified_at = ? WHERE id = ?",
                         (now(), link_id))
        return OpResult(link, OpChanges(document_links={link_id}))

    def _live(self, document_id: str) -> Document:
        doc = self.get(document_id)
        if doc is None or doc.deleted:
            raise AnnotatorError(f"no document {document_id!r} in this project.")
        return doc


def page_for_offset(alignment: dict[int, int], offset: int) -> int | None:
    """The page on which a text offset falls, by the link's page alignment."""
    best = None
    for number, start in sorted(alignment.items(), key=lambda item: item[1]):
        if start <= offset:
            best = number
        else:
            break
    return best


def _page(row: tuple) -> Page:
    def words(value: str) -> list:
        return [tuple(w) for w in loads(value, []) if isinstance(w, list) and len(w) in (5, 7)]

    return _PAGES.record(Page, row, words=words, is_scan=bool)


def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
