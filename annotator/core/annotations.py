"""Annotations: highlighted passages and page regions, with tags, entity, date and note.

Every write is one transaction; a delete is a tombstone and returns the full record,
so undo restores it with the same id, tags included.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from operator import itemgetter
from typing import TYPE_CHECKING

from annotator.core.anchoring import describe
from annotator.core.changes import OpChanges, OpResult
from annotator.core.errors import AnnotatorError
from annotator.core.filters import AnnotationFilter, annotation_where
from annotator.core.model import (
    AnchorState,
    Annotation,
    DocumentKind,
    RegionSelector,
    TextSelector,
)
from annotator.core.rows import Table
from annotator.core.util import dumps, fetch_all, gc_paused, loads, new_id, now

if TYPE_CHECKING:
    from annotator.core.project import Project

_T = Table("annotations")
_INSERT = _T.insert()
_ASSIGN = ", ".join(f"{c} = ?" for c in _T.columns[1:])
# Tags ride along with each row (one indexed lookup per annotation), hiding deleted tags.
_SELECT = (f"SELECT {_T.aliased('a')}, "
           "(SELECT group_concat(at.tag_id, ' ') FROM annotation_tags at "
           " JOIN tags t ON t.id = at.tag_id AND t.deleted = 0 "
           " WHERE at.annotation_id = a.id) FROM annotations a")
# where each column stands in a row of _SELECT (by name: the schema decides the order)
(_ID, _DOC, _AUTHOR, _START, _END, _EXACT, _PREFIX, _SUFFIX, _PAGE, _X, _Y, _W, _H, _QUADS,
 _NOTE, _COLOR, _ENTITY, _DATE, _STATE, _CREATED, _MODIFIED, _DELETED) = (_T.at[c] for c in (
    "id", "document_id", "author_id", "start_offset", "end_offset", "exact", "prefix",
    "suffix", "page", "x", "y", "w", "h", "quads", "note", "color", "entity_id",
    "date_value", "anchor_state", "created_at", "modified_at", "deleted"))
_TAGS = len(_T.columns)
_ORDER = itemgetter(*_T.columns)

_STATES = {str(s): s for s in AnchorState}


def _annotation(r: tuple) -> Annotation:
    text = (TextSelector(r[_START], r[_END], r[_EXACT] or "", r[_PREFIX] or "",
                         r[_SUFFIX] or "") if r[_START] is not None else None)
    region = None
    if r[_PAGE] is not None:
        quads = tuple(tuple(q) for q in loads(r[_QUADS], [])
                      if isinstance(q, list) and len(q) == 4)
        region = RegionSelector(r[_PAGE], r[_X] or 0.0, r[_Y] or 0.0, r[_W] or 0.0,
                                r[_H] or 0.0, quads, r[_EXACT] or "")  # type: ignore[arg-type]
    state = r[_STATE]
    return Annotation(r[_ID], r[_DOC], r[_AUTHOR], text, region,
                      r[_TAGS].split(" ") if r[_TAGS] else [], r[_NOTE], r[_COLOR],
                      r[_ENTITY], r[_DATE], _STATES.get(state) or AnchorState.read(state),
                      r[_CREATED], r[_MODIFIED], bool(r[_DELETED]))


def _row(a: Annotation) -> tuple:
    """The row of an annotation, in the schema's column order."""
    t, g = a.text, a.region
    return _ORDER({
        "id": a.id, "document_id": a.document_id, "author_id": a.author_id,
        "start_offset": t.start if t else None, "end_offset": t.end if t else None,
        "exact": t.exact if t else (g.text if g else None),
        "prefix": t.prefix if t else None, "suffix": t.suffix if t else None,
        "page": g.page if g else None, "x": g.x if g else None, "y": g.y if g else None,
        "w": g.w if g else None, "h": g.h if g else None,
        "quads": dumps([list(q) for q in g.quads]) if g and g.quads else None,
        "note": a.note, "color": a.color, "entity_id": a.entity_id,
        "date_value": a.date_value, "anchor_state": str(a.anchor_state),
        "created_at": a.created_at, "modified_at": a.modified_at, "deleted": int(a.deleted)})


class AnnotationStore:
    def __init__(self, project: Project) -> None:
        self._p = project

    # -- reading ---------------------------------------------------------------------

    def get(self, annotation_id: str) -> Annotation | None:
        row = self._p.conn.execute(f"{_SELECT} WHERE a.id = ?", (annotation_id,)).fetchone()
        return _annotation(row) if row else None

    def for_document(self, document_id: str) -> list[Annotation]:
        """A document's live annotations in reading order."""
        rows = fetch_all(self._p.conn, f"{_SELECT} WHERE a.document_id = ? AND a.deleted = 0 "
                         "ORDER BY a.start_offset, a.page, a.y, a.x", (document_id,))
        with gc_paused():
            return [_annotation(r) for r in rows]

    def list(self, filt: AnnotationFilter | None = None, *, include_deleted: bool = False,
             **fields: object) -> list[Annotation]:
        """Filter as the annotation table does (``filt``, or its fields as keywords:
        tag_id=..., contains=...), in reading order per document."""
        filt = filt or AnnotationFilter(**fields)  # type: ignore[arg-type]
        where, args = annotation_where(self._p, filt, include_deleted=include_deleted)
        rows = fetch_all(self._p.conn, f"{_SELECT} WHERE {where} "
                         "ORDER BY a.document_id, a.start_offset, a.page, a.y, a.x", args)
        with gc_paused():
            return [_annotation(r) for r in rows]

    def count(self) -> int:
        return self._p.conn.execute(
            "SELECT count(*) FROM annotations WHERE deleted = 0").fetchone()[0]

    # -- writing ---------------------------------------------------------------------

    def add(self, document_id: str, *, start: int | None = None, end: int | None = None,
            region: RegionSelector | None = None, tag_ids: Sequence[str] = (),
            note: str = "", entity_id: str | None = None, date_value: str = "",
            color: str = "", annotation_id: str | None = None) -> OpResult[Annotation]:
        """Annotate a passage (``start``/``end`` in code points of a text document) or a
        region of a page (``region``; its ``text`` may carry the words selected on a
        PDF's text layer). Committed before it returns."""
        doc = self._p.documents.get(document_id)
        if doc is None or doc.deleted:
            raise AnnotatorError(f"no document {document_id!r} in this project.")
        text_sel = None
        if region is None:
            if start is None or end is None:
                raise AnnotatorError("an annotation needs a passage (start, end) or a region.")
            if doc.kind != DocumentKind.TEXT:
                raise AnnotatorError("passages are marked on text documents; on a scan, "
                                     "mark a region of a page.")
            text_sel = self._selector(document_id, start, end)
        else:
            self._check_region(region, doc.page_count)
        stamp = now()
        with self._p.transaction() as conn:
            ann = Annotation(annotation_id or new_id(), document_id, self._p.author_id(),
                             text_sel, region, list(dict.fromkeys(tag_ids)), note, color,
                             entity_id, date_value, AnchorState.OK, stamp, stamp)
            self._check_refs(ann)
            conn.execute(_INSERT, _row(ann))
            conn.executemany("INSERT INTO annotation_tags (annotation_id, tag_id) VALUES (?, ?)",
                             [(ann.id, t) for t in ann.tag_ids])
        return OpResult(ann, OpChanges(annotations={ann.id}))

    def add_many(self, annotations: Iterable[Annotation]) -> OpResult[int]:
        """Write many prepared annotations in one transaction (imports, merges, tests).
        Selectors are taken as given; the caller has described them."""
        ids: set[str] = set()
        tag_rows: list[tuple[str, str]] = []
        keys: list[tuple[str]] = []  # journaled in bulk, by key (no trigger per row)

        def rows():
            for a in annotations:
                ids.add(a.id)
                keys.append((a.id,))
                tag_rows.extend((a.id, t) for t in a.tag_ids)
                yield _row(a)

        with self._p.transaction() as conn, self._p.bulk_insert() as report:
            conn.executemany(_INSERT, rows())
            conn.executemany("INSERT INTO annotation_tags (annotation_id, tag_id) VALUES (?, ?)",
                             tag_rows)
            report("annotations", keys)
            report("annotation_tags", tag_rows)
        return OpResult(len(ids), OpChanges(annotations=ids))

    def update(self, annotation_id: str, **fields: object) -> OpResult[Annotation]:
        """Change note, color, entity_id, date_value, tag_ids, the passage
        (``start``/``end``) or the ``region``. The value is the annotation after."""
        allowed = {"note", "color", "entity_id", "date_value", "tag_ids", "start", "end",
                   "region"}
        if set(fields) - allowed:
            raise TypeError(f"cannot update {sorted(set(fields) - allowed)} of an annotation")
        old = self._live(annotation_id)
        new = replace(old, modified_at=now())
        for name in ("note", "color", "entity_id", "date_value"):
            if name in fields:
                setattr(new, name, fields[name] if fields[name] is not None or
                        name == "entity_id" else "")
        if "tag_ids" in fields:
            new.tag_ids = list(dict.fromkeys(fields["tag_ids"]))  # type: ignore[arg-type]
        if "start" in fields or "end" in fields:
            if old.text is None:
                raise AnnotatorError("only a passage has a start and an end.")
            start = fields.get("start", old.text.start)
            end = fields.get("end", old.text.end)
            new.text = self._selector(old.document_id, start, end)  # type: ignore[arg-type]
            new.anchor_state = AnchorState.OK
        if "region" in fields:
            doc = self._p.documents.get(old.document_id)
            self._check_region(fields["region"], doc.page_count if doc else 0)  # type: ignore[arg-type]
            new.region = fields["region"]  # type: ignore[assignment]
        self._write(new, tags_changed="tag_ids" in fields)
        return OpResult(new, OpChanges(annotations={annotation_id}))

    def delete(self, annotation_id: str) -> OpResult[Annotation]:
        """Tombstone (links and tags are kept, so undo brings it back whole); the
        value is the record as it was."""
        ann = self._live(annotation_id)
        with self._p.transaction() as conn:
            conn.execute("UPDATE annotations SET deleted = 1, modified_at = ? WHERE id = ?",
                         (now(), annotation_id))
            links = {r[0] for r in conn.execute(
                "SELECT id FROM links WHERE source_id = ? OR target_id = ?",
                (annotation_id, annotation_id))}
        return OpResult(ann, OpChanges(annotations={annotation_id}, links=links))

    def apply_anchors(self, document_id: str, text: str, anchors: dict,
                      stamp: str | None = None) -> None:
        """Store re-anchoring results (inside the caller's transaction). Found passages
        take their new span and context; orphans keep their quote, to be found later.
        Re-anchoring is mechanical, not an edit: the annotations keep their
        ``modified_at`` (``stamp`` is not written), or a transcription fix would make
        every annotation of the document look newer and win a later merge; the search
        index is told to re-read their quotes instead."""
        from annotator.core.annotation_import.project_rows import stale_index

        rows = []
        for ann_id, anchor in anchors.items():
            if anchor.state == AnchorState.ORPHANED:
                rows.append((anchor.start, anchor.end, None, None, None, str(anchor.state),
                             ann_id, document_id))
            else:
                sel = describe(text, anchor.start, anchor.end)
                rows.append((sel.start, sel.end, sel.exact, sel.prefix, sel.suffix,
                             str(anchor.state), ann_id, document_id))
        self._p.conn.executemany(
            "UPDATE annotations SET start_offset = ?, end_offset = ?, "
            "exact = coalesce(?, exact), prefix = coalesce(?, prefix), "
            "suffix = coalesce(?, suffix), anchor_state = ? "
            "WHERE id = ? AND document_id = ?", rows)
        stale_index(self._p.conn, OpChanges(annotations=set(anchors)))

    # -- helpers ---------------------------------------------------------------------

    def locate(self, document_id: str, quote: str, occurrence: int = 1) -> tuple[int, int]:
        """The code-point span of the n-th occurrence of ``quote`` in a text document."""
        import unicodedata

        text = self._p.documents.text(document_id)
        quote = unicodedata.normalize("NFC", quote)
        if not quote:
            raise AnnotatorError("the quote is empty.")
        pos = -1
        for _ in range(max(1, occurrence)):
            pos = text.find(quote, pos + 1)
            if pos < 0:
                raise AnnotatorError(f"“{quote}” does not occur {occurrence} time(s) in "
                                     "this document.")
        return pos, pos + len(quote)

    def _selector(self, document_id: str, start: int, end: int) -> TextSelector:
        text = self._p.documents.text(document_id)
        if not (isinstance(start, int) and isinstance(end, int)
                and 0 <= start <= end <= len(text)):
            raise AnnotatorError(f"the passage {start}–{end} lies outside the text "
                                 f"(0–{len(text)}).")
        return describe(text, start, end)

    @staticmethod
    def _check_region(region: RegionSelector, page_count: int) -> None:
        if not 1 <= region.page <= page_count:
            raise AnnotatorError(f"page {region.page} does not exist (1–{page_count}).")
        if region.w < 0 or region.h < 0:
            raise AnnotatorError("a region needs a positive width and height.")

    def _check_refs(self, ann: Annotation) -> None:
        for tag_id in ann.tag_ids:
            tag = self._p.tags.get(tag_id)
            if tag is None or tag.deleted:
                raise AnnotatorError(f"no tag {tag_id!r} in this project.")
        if ann.entity_id is not None:
            entity = self._p.entities.get(ann.entity_id)
            if entity is None or entity.deleted:
                raise AnnotatorError(f"no entity {ann.entity_id!r} in this project.")

    def _write(self, ann: Annotation, *, tags_changed: bool) -> None:
        self._check_refs(ann)
        row = _row(ann)
        with self._p.transaction() as conn:
            # UPDATE, not INSERT OR REPLACE: replacing would delete the row that
            # annotation_tags and links refer to.
            updated = conn.execute(f"UPDATE annotations SET {_ASSIGN} WHERE id = ?",
                                   (*row[1:], ann.id))
            if updated.rowcount == 0:
                conn.execute(_INSERT, row)
            if tags_changed:
                conn.execute("DELETE FROM annotation_tags WHERE annotation_id = ?", (ann.id,))
                conn.executemany("INSERT INTO annotation_tags VALUES (?, ?)",
                                 [(ann.id, t) for t in ann.tag_ids])

    def _live(self, annotation_id: str) -> Annotation:
        ann = self.get(annotation_id)
        if ann is None or ann.deleted:
            raise AnnotatorError(f"no annotation {annotation_id!r} in this project.")
        return ann
