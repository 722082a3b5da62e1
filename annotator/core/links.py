"""Links between annotations: a passage and the scan region it transcribes, two
accounts of one event, a quotation and its source."""

from __future__ import annotations

from typing import TYPE_CHECKING

from annotator.core.changes import OpChanges, OpResult
from annotator.core.errors import AnnotatorError
from annotator.core.model import Link
from annotator.core.rows import Table
from annotator.core.util import new_id, now

if TYPE_CHECKING:
    from annotator.core.project import Project

_T = Table("links")


def _link(row: tuple) -> Link:
    return _T.record(Link, row, deleted=bool)


class LinkStore:
    def __init__(self, project: Project) -> None:
        self._p = project

    def get(self, link_id: str) -> Link | None:
        row = self._p.conn.execute(f"{_T.select} WHERE id = ?",
                                   (link_id,)).fetchone()
        return _link(row) if row else None

    def for_annotation(self, annotation_id: str) -> list[Link]:
        """Live links touching a live annotation (a deleted end hides the link)."""
        rows = self._p.conn.execute(
            f"SELECT {_T.aliased('l')} FROM links l "
            "JOIN annotations s ON s.id = l.source_id AND s.deleted = 0 "
            "JOIN annotations t ON t.id = l.target_id AND t.deleted = 0 "
            "WHERE l.deleted = 0 AND (l.source_id = ? OR l.target_id = ?)",
            (annotation_id, annotation_id))
        return [_link(r) for r in rows]

    def list(self) -> list[Link]:
        return [_link(r) for r in self._p.conn.execute(
            f"{_T.select} WHERE deleted = 0 ORDER BY created_at")]

    def create(self, source_id: str, target_id: str, relation: str = "related",
               note: str = "", *, link_id: str | None = None) -> OpResult[Link]:
        if source_id == target_id:
            raise AnnotatorError("an annotation cannot be linked to itself.")
        for ann_id in (source_id, target_id):
            ann = self._p.annotations.get(ann_id)
            if ann is None or ann.deleted:
                raise AnnotatorError(f"no annotation {ann_id!r} to link.")
        stamp = now()
        link = Link(link_id or new_id(), source_id, target_id, relation, note, stamp, stamp)
        with self._p.transaction() as conn:
            conn.execute(_T.insert(), _T.values(link, deleted=int))
        return OpResult(link, OpChanges(links={link.id},
                                        annotations={source_id, target_id}))

    def delete(self, link_id: str) -> OpResult[Link]:
        link = self.get(link_id)
        if link is None or link.deleted:
            raise AnnotatorError(f"no link {link_id!r}.")
        with self._p.transaction() as conn:
            conn.execute("UPDATE links SET deleted = 1, modified_at = ? WHERE id = ?",
                         (now(), link_id))
        return OpResult(link, OpChanges(links={link_id},
                                        annotations={link.source_id, link.target_id}))
