"""A first glance at a project: the text the workbench opens on, with its highlights,
read before anything else is loaded.

Opening a project for work (checks, the day's backup, the panels) takes most of a
second; the scholar should see her text at once, as fast as a bare viewer would show
it (issue 17). So the window first shows the top of that text read here, through a
read-only connection and a few indexed queries, and the workbench replaces it when it
is built. Nothing here writes, and a file that cannot be read this way (not SQLite,
locked, damaged, hostile) gives no glance: the full open then says what is wrong.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from annotator.core.spans import _SPAN_TAGS, _spans, passage_color

#: Enough text for a full screen at any usual size (a 4K screen shows ~8,000 characters).
GLANCE_CHARS = 12_000
#: Passages drawn at most: a screenful seldom holds more than a few hundred.
GLANCE_PASSAGES = 2_000

#: The text the workbench opens a project on when none is remembered: the first (by
#: title) transcription linked to another live document (its scan), so the two are
#: side by side; MainWindow asks the same through Documents.first_to_read.
FIRST_LINKED_TEXT = (
    "SELECT d.id FROM documents d WHERE d.deleted = 0 AND d.kind = 'text' AND EXISTS ("
    "SELECT 1 FROM document_links l JOIN documents o ON o.deleted = 0 AND o.id = "
    "CASE WHEN l.source_id = d.id THEN l.target_id ELSE l.source_id END "
    "WHERE l.deleted = 0 AND (l.source_id = d.id OR l.target_id = d.id)) "
    "ORDER BY d.title COLLATE NOCASE LIMIT 1")


@dataclass(slots=True)
class Glance:
    """The top of a text and its highlighted passages (code points, colours)."""

    project_title: str
    document_id: str
    title: str
    text: str
    passages: list[tuple[int, int, str]] = field(default_factory=list)


def first_to_read(conn: sqlite3.Connection, remembered: str | None) -> str | None:
    """The document the workbench opens a project on: the one it was left open on
    (``remembered``; "" if it was left with none open) if still there; for a project
    never opened here (None), the first linked transcription. None: the welcome page."""
    if remembered is None:
        row = conn.execute(FIRST_LINKED_TEXT).fetchone()
        return row[0] if row else None
    row = conn.execute("SELECT id FROM documents WHERE id = ? AND deleted = 0",
                       (remembered,)).fetchone()
    return row[0] if row else None


def read_glance(path: str | Path, remembered: str | None = None,
                chars: int = GLANCE_CHARS) -> Glance | None:
    """The glance at the project in ``path``, or None (no such file, not readable as a
    project, or the document it opens on is not a text)."""
    try:
        uri = f"file:{quote(str(Path(path).resolve()))}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, timeout=0.2, check_same_thread=False)
    except (sqlite3.Error, OSError, ValueError):
        return None
    try:
        conn.execute("PRAGMA query_only = 1")
        return _read(conn, remembered, chars)
    except (sqlite3.Error, ValueError, TypeError, IndexError):
        return None  # whatever is wrong, the full open will say it
    finally:
        conn.close()


def _read(conn: sqlite3.Connection, remembered: str | None, chars: int) -> Glance | None:
    document_id = first_to_read(conn, remembered)
    if document_id is None:
        return None
    row = conn.execute("SELECT title, kind, substr(text, 1, ?) FROM documents WHERE id = ?",
                       (chars, document_id)).fetchone()
    if row is None or row[1] != "text" or not isinstance(row[2], str):
        return None
    title, _kind, text = row
    project = conn.execute("SELECT value FROM project WHERE key = 'title'").fetchone()
    colors = dict(conn.execute("SELECT id, color FROM tags WHERE deleted = 0"))
    spans = _spans(conn.execute(
        f"{_SPAN_TAGS} WHERE a.document_id = ? AND a.deleted = 0 AND a.start_offset < ? "
        "AND a.end_offset > a.start_offset ORDER BY a.start_offset LIMIT ?",
        (document_id, len(text), GLANCE_PASSAGES)))
    passages = [(s.start, min(s.end, len(text)), passage_color(s.color, s.tag_ids, colors.get))
                for s in spans if s.state != "orphaned"]
    return Glance(str(project[0]) if project and project[0] else "", document_id,
                  str(title or ""), text, passages)
