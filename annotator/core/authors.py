"""Authors: every annotation says who made it, so a merged project shows who said what."""

from __future__ import annotations

from typing import TYPE_CHECKING

from annotator.core.model import Author
from annotator.core.rows import Table
from annotator.core.util import new_id, now

if TYPE_CHECKING:
    from annotator.core.project import Project

_T = Table("authors")
_PALETTE = ("#4a7bd0", "#c0504d", "#9bbb59", "#8064a2", "#f79646", "#4bacc6", "#7f7f7f")


def _author(row: tuple) -> Author:
    return _T.record(Author, row, deleted=bool)


class AuthorStore:
    def __init__(self, project: Project) -> None:
        self._p = project
        self._by_name: dict[str, Author] = {}

    def list(self) -> list[Author]:
        rows = self._p.conn.execute(
            f"{_T.select} WHERE deleted = 0 ORDER BY name")
        return [_author(r) for r in rows]

    def get(self, author_id: str) -> Author | None:
        row = self._p.conn.execute(f"{_T.select} WHERE id = ?",
                                   (author_id,)).fetchone()
        return _author(row) if row else None

    def find(self, name: str) -> Author | None:
        row = self._p.conn.execute(
            f"{_T.select} WHERE name = ? AND deleted = 0 "
            "ORDER BY created_at LIMIT 1", (name,)).fetchone()
        return _author(row) if row else None

    def ensure(self, name: str) -> Author:
        """The author called ``name``, created (in the caller's transaction) if new."""
        cached = self._by_name.get(name)
        if cached is not None:
            return cached
        author = self.find(name)
        if author is None:
            count = self._p.conn.execute("SELECT count(*) FROM authors").fetchone()[0]
            stamp = now()
            author = Author(new_id(), name, _PALETTE[count % len(_PALETTE)], stamp, stamp)
            with self._p.transaction():
                self._p.conn.execute(_T.insert(), _T.values(author, deleted=int))
        self._by_name[name] = author
        return author

    def forget_cache(self) -> None:
        """Drop cached rows (after a rollback or a merge rewrote them)."""
        self._by_name.clear()
