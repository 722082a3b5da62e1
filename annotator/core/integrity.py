"""`annotator check` and `annotator info`: is the file sound, and what is in it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from annotator.core import schema

if TYPE_CHECKING:
    from annotator.core.project import Project


@dataclass(slots=True)
class CheckReport:
    problems: list[str] = field(default_factory=list)  # the file is damaged: act
    notices: list[str] = field(default_factory=list)  # worth knowing (orphans, warnings)
    stats: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def check(project: Project, *, verify_sources: bool = True) -> CheckReport:
    """Integrity of the SQLite file, our schema and version, references between rows,
    sources against their SHA-256, and annotations whose anchor no longer holds."""
    conn = project.conn
    report = CheckReport()
    result = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    if result != ["ok"]:
        report.problems.extend(f"SQLite integrity: {line}" for line in result[:20])
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    if app_id != schema.APPLICATION_ID:
        report.problems.append(f"application id is {app_id:#x}, not an annotator project")
    version = project.schema_version
    report.stats["schema_version"] = version
    if version != schema.SCHEMA_VERSION:
        report.problems.append(f"file format {version}, expected {schema.SCHEMA_VERSION}")
    tables = set(project.db.table_names())
    missing = set(schema.TABLES) - tables
    if missing:
        report.problems.append(f"missing tables: {', '.join(sorted(missing))}")
        return report
    report.problems.extend(f"schema: {p}" for p in schema.foreign_objects(conn, version)[:20])
    for row in conn.execute("PRAGMA foreign_key_check").fetchall()[:20]:
        report.problems.append(f"{row[0]} row {row[1]} points at a missing {row[2]} row")

    for table in ("documents", "annotations", "tags", "entities", "authors", "links"):
        report.stats[table] = conn.execute(
            f"SELECT count(*) FROM {table} WHERE deleted = 0").fetchone()[0]

    if verify_sources:
        for title, sha, data in conn.execute(
                "SELECT d.title, d.sha256, dd.data FROM documents d "
                "LEFT JOIN document_data dd ON dd.document_id = d.id"):
            if data is None:
                report.problems.append(f"document “{title}” has lost its source bytes")
            elif hashlib.sha256(data).hexdigest() != sha:
                report.problems.append(f"document “{title}”: source bytes do not match "
                                       "their SHA-256 (damaged)")
    for title, count, pages in conn.execute(
            "SELECT d.title, d.page_count, (SELECT count(*) FROM pages p "
            "WHERE p.document_id = d.id) FROM documents d WHERE d.kind = 'paged'"):
        if count != pages:
            report.problems.append(f"document “{title}” should have {count} pages, has {pages}")

    _check_text_anchors(project, report)
    _check_journal(project, report)
    for title, n in conn.execute(
            "SELECT d.title, count(*) FROM annotations a JOIN documents d ON d.id = a.document_id "
            "WHERE a.deleted = 0 AND a.page IS NOT NULL AND (a.page < 1 OR a.page > d.page_count)"
            " GROUP BY d.id"):
        report.problems.append(f"{n} region(s) in “{title}” lie on pages that do not exist")
    return report


def _check_journal(project: Project, report: CheckReport) -> None:
    """The change journal names only our tables and its own change sets: undo must
    never be asked to write anywhere else."""
    from annotator.core.journal import KEYS

    if project.schema_version < 4:
        return
    conn = project.conn
    report.stats["changes"] = conn.execute("SELECT count(*) FROM changesets").fetchone()[0]
    names = ", ".join(f"'{t}'" for t in KEYS)
    bad = conn.execute(f"SELECT count(*) FROM changes WHERE table_name NOT IN ({names}) "
                       "OR op NOT IN ('insert', 'update', 'delete') OR changeset_id NOT IN "
                       "(SELECT id FROM changesets) OR (before IS NOT NULL AND "
                       "NOT json_valid(before)) OR (after IS NOT NULL AND NOT json_valid(after))"
                       ).fetchone()[0]
    if bad:
        report.problems.append(f"{bad} change(s) of the undo journal are damaged; undo may "
                               "refuse them")


def _check_text_anchors(project: Project, report: CheckReport) -> None:
    """Every live passage must point inside its text; ones whose quote no longer sits at
    their offsets are counted (they need re-anchoring), orphans are listed."""
    conn = project.conn
    mismatched = orphaned = outside = 0
    current_doc, text = None, ""
    for doc_id, start, end, exact, state in conn.execute(
            "SELECT a.document_id, a.start_offset, a.end_offset, a.exact, a.anchor_state "
            "FROM annotations a WHERE a.deleted = 0 AND a.start_offset IS NOT NULL "
            "ORDER BY a.document_id"):
        if doc_id != current_doc:
            current_doc = doc_id
            text = (conn.execute("SELECT text FROM documents WHERE id = ?",
                                 (doc_id,)).fetchone() or [""])[0] or ""
        if state == "orphaned":
            orphaned += 1
        elif not (0 <= start <= end <= len(text)):
            outside += 1
        elif text[start:end] != exact:
            mismatched += 1
    report.stats["orphaned"] = orphaned
    if outside:
        report.problems.append(f"{outside} passage(s) point outside their document's text")
    if mismatched:
        report.problems.append(f"{mismatched} passage(s) no longer match their quote "
                               "(re-anchor them: edit and save the transcription)")
    if orphaned:
        report.notices.append(f"{orphaned} orphaned annotation(s): their passage was not "
                              "found after the text changed; they are kept, not lost")


def info(project: Project) -> dict:
    """Documents, pages, annotations per tag and per author, for `annotator info`."""
    conn = project.conn
    counts = project.documents.annotation_counts()
    documents = [
        {"id": d.id, "title": d.title, "kind": str(d.kind), "media_type": d.media_type,
         "pages": d.page_count, "annotations": counts.get(d.id, 0),
         "chars": len(project.documents.text(d.id)) if d.kind == "text" else 0}
        for d in project.documents.list()
    ]
    tag_counts = project.tags.counts()
    tags = [{"name": t.name, "kind": str(t.kind), "annotations": tag_counts.get(t.id, 0)}
            for t in project.tags.list()]
    authors = [{"name": name, "annotations": n} for name, n in conn.execute(
        "SELECT au.name, count(a.id) FROM authors au LEFT JOIN annotations a "
        "ON a.author_id = au.id AND a.deleted = 0 WHERE au.deleted = 0 GROUP BY au.id "
        "ORDER BY au.name")]
    return {
        "path": str(project.path), "title": project.title, "id": project.id,
        "schema_version": project.schema_version,
        "documents": documents, "pages": sum(d["pages"] for d in documents),
        "annotations": project.annotations.count(),
        "entities": len(project.entities.list()), "tags": tags, "authors": authors,
    }
