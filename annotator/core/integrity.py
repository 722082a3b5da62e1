"""`annotator check` and `annotator info`: is the file sound, and what is in it."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from annotator.core import schema
from annotator.core.util import too_deep

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
    _check_rows(project, report)
    for title, n in conn.execute(
            "SELECT d.title, count(*) FROM annotations a JOIN documents d ON d.id = a.document_id "
            "WHERE a.deleted = 0 AND a.page IS NOT NULL AND (a.page < 1 OR a.page > d.page_count)"
            " GROUP BY d.id"):
        report.problems.append(f"{n} region(s) in “{title}” lie on pages that do not exist")
    return report


#: Rows a crafted file can hold although the schema's CHECK constraints forbid them
#: (SQLite does not verify those on a read-only connection, nor on a file written with
#: ignore_check_constraints): readers skip or tolerate them, check names them.
_RULES = (
    ("documents", "kind NOT IN ('text', 'paged')", "a kind other than text or paged"),
    ("tags", "kind NOT IN ('entity_type', 'theme')", "a kind other than entity_type or theme"),
    ("annotations", "anchor_state NOT IN ('ok', 'moved', 'orphaned')",
     "an anchor state other than ok, moved or orphaned"),
    ("annotations", "(start_offset IS NULL AND page IS NULL) OR start_offset < 0 "
     "OR end_offset < start_offset", "neither a passage nor a region, or a passage that "
     "ends before it starts"),
    ("pages", "number < 1", "a page number below 1"),
    ("changesets", "kind NOT IN ('edit', 'merge', 'import', 'mechanical') OR state NOT IN "
     "('done', 'undone', 'dropped')", "a kind or state the journal does not know"),
)
#: JSON columns and the type each must hold (util.loads reads anything else as empty)
_JSON = (("documents", "metadata", dict), ("document_links", "alignment", dict),
         ("pages", "words", list), ("entities", "aliases", list),
         ("entities", "identifiers", dict), ("annotations", "quads", list))


def _bad_utf8(data: bytes | None) -> int:
    if data is None:
        return 0
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return 1
    return 0


def _bad_json(data: bytes | None, kind: str) -> int:
    """1 when a JSON column holds what util.loads cannot read as its type."""
    text = data.decode("utf-8", "replace") if data else ""
    if not text:
        return 0
    try:
        if too_deep(text):
            return 1
        return 0 if type(json.loads(text)).__name__ == kind else 1
    except (ValueError, RecursionError):
        return 1


def _check_rows(project: Project, report: CheckReport) -> None:
    """Rows that read, but not as written: forbidden values, text that is not UTF-8,
    unreadable or too deeply nested JSON, infinite regions, a codebook deeper than
    MAX_TAG_DEPTH or in a cycle, a damaged search index. Every command works around
    them (skips, or reads them as empty or U+FFFD); here each is named."""
    from annotator.core.codebook import MAX_TAG_DEPTH, deep_tags
    from annotator.core.exporters.base import INSANE_REGION
    from annotator.core.search_index import index_problems

    conn = project.conn
    problems = report.problems
    tables = [t for t in (*schema.TABLES, *schema.JOURNAL_TABLES)
              if t in set(project.db.table_names())]
    for table, condition, what in _RULES:
        if table in tables:
            n = conn.execute(f"SELECT count(*) FROM {table} WHERE {condition}").fetchone()[0]
            if n:
                problems.append(f"{n} row(s) of {table} hold {what} (a damaged or crafted "
                                "file); they are read as the nearest safe value")
    for table in tables:
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
        if "deleted" in columns:
            n = conn.execute(f"SELECT count(*) FROM {table} WHERE deleted NOT IN (0, 1)"
                             ).fetchone()[0]
            if n:
                problems.append(f"{n} row(s) of {table} have a deleted flag other than 0 or 1")
    conn.create_function("annotator_bad_utf8", 1, _bad_utf8, deterministic=True)
    conn.create_function("annotator_bad_json", 2, _bad_json, deterministic=True)
    for table in tables:
        texts = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")
                 if (r[2] or "").upper() == "TEXT"]
        if not texts:
            continue
        row = " || char(10) || ".join(f"coalesce({c}, '')" for c in texts)
        if not conn.execute(f"SELECT 1 FROM {table} WHERE annotator_bad_utf8(CAST({row} AS "
                            "BLOB)) LIMIT 1").fetchone():
            continue  # one pass over the rows; the columns are named only when needed
        counts = conn.execute("SELECT " + ", ".join(
            f"coalesce(sum(annotator_bad_utf8(CAST({c} AS BLOB))), 0)" for c in texts)
            + f" FROM {table}").fetchone()
        problems.extend(f"{n} row(s) of {table}.{c} hold text that is not valid UTF-8 (shown "
                        "with � in its place)" for c, n in zip(texts, counts, strict=True) if n)
    for table, column, kind in _JSON:
        n = conn.execute(f"SELECT count(*) FROM {table} WHERE annotator_bad_json("
                         f"CAST({column} AS BLOB), ?)", (kind.__name__,)).fetchone()[0]
        if n:
            problems.append(f"{n} row(s) of {table}.{column} hold JSON annotator cannot read "
                            "(malformed, of the wrong kind, or nested too deep); they are "
                            "read as empty")
    n = conn.execute(f"SELECT count(*) FROM annotations a WHERE {INSANE_REGION}").fetchone()[0]
    if n:
        problems.append(f"{n} region(s) have a coordinate that is not a finite number of "
                        "points; exports skip them")
    deep = deep_tags(conn)
    cycles = [name for name, depth in deep if depth is None]
    if len(deep) > len(cycles):
        name, depth = deep[0]
        problems.append(f"{len(deep) - len(cycles)} theme(s) lie deeper than {MAX_TAG_DEPTH} "
                        f"levels in the codebook (“{name[:60]}” at level {depth}): they are "
                        "shown and exported at the last level")
    if cycles:
        problems.append(f"{len(cycles)} theme(s) of the codebook are their own ancestors or "
                        f"under such (a cycle, e.g. “{cycles[0][:60]}”): they are shown at the "
                        "top level")
    try:
        problems.extend(index_problems(conn))
    except sqlite3.DatabaseError as exc:  # no FTS5 tables (an old file): nothing to check
        report.notices.append(f"the search index was not checked ({exc})")


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
    """Documents, pages, annotations per tag and per author, for `annotator info`: counted
    from small indexes and remembered text lengths (annotator.core.tally), so that it
    answers in a fraction of a second at a million annotations."""
    from annotator.core import tally

    conn = project.conn
    counts = tally.counts(project)
    if project.read_only:
        chars = tally.text_lengths(conn, remember=False)
    else:
        with project.transaction(record=False):  # derived: never an undo step
            chars = tally.text_lengths(conn, remember=True)
    documents = [
        {"id": doc_id, "title": title, "kind": kind, "media_type": media_type,
         "pages": pages, "annotations": counts.by_document.get(doc_id, 0),
         "chars": chars.get(doc_id, 0)}
        for doc_id, title, kind, media_type, pages in tally.document_list(conn)
    ]
    tags = [{"name": t.name, "kind": str(t.kind), "annotations": counts.by_tag.get(t.id, 0)}
            for t in project.tags.list()]
    authors = [{"name": name, "annotations": counts.by_author.get(author_id, 0)}
               for author_id, name in sorted(conn.execute(
                   "SELECT id, name FROM authors WHERE deleted = 0"), key=lambda r: r[1])]
    return {
        "path": str(project.path), "title": project.title, "id": project.id,
        "schema_version": project.schema_version,
        "documents": documents, "pages": sum(d["pages"] for d in documents),
        "annotations": counts.annotations,
        "entities": conn.execute("SELECT count(*) FROM entities WHERE deleted = 0"
                                 ).fetchone()[0],
        "tags": tags, "authors": authors,
    }
