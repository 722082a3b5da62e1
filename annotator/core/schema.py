"""Tables, indexes and migrations of the project file, keyed by ``PRAGMA user_version``.

The DDL is written out in SQL (not generated) because it *is* the file format: a
colleague's copy is checked against it before anything of theirs is read, and a
migration is a reviewed change of it. Every row a colleague may also have carries a
UUID, ``created_at``, ``modified_at`` and a ``deleted`` tombstone so two copies merge
without asking which is "the" original.
"""

from __future__ import annotations

import functools
import sqlite3
from collections import Counter
from collections.abc import Callable

#: ``PRAGMA application_id``: "ANNT" — tells our files from any other SQLite file.
APPLICATION_ID = 0x414E4E54
#: The schema this version of annotator writes. Older files are migrated; newer refused.
SCHEMA_VERSION = 7

_ROW_META = """
    created_at TEXT NOT NULL,
    modified_at TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))"""

SCHEMA_V1 = f"""
CREATE TABLE project (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE authors (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    color TEXT NOT NULL DEFAULT '#4a7bd0',{_ROW_META}
);
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('text', 'paged')),
    media_type TEXT NOT NULL,
    filename TEXT NOT NULL DEFAULT '',
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL DEFAULT 0,
    text TEXT,
    page_count INTEGER NOT NULL DEFAULT 0,
    language TEXT NOT NULL DEFAULT '',
    metadata TEXT NOT NULL DEFAULT '{{}}',{_ROW_META}
);
CREATE INDEX documents_sha256 ON documents (sha256);
-- The original bytes live apart from the documents row, so listing documents never
-- reads megabytes of PDF.
CREATE TABLE document_data (
    document_id TEXT PRIMARY KEY REFERENCES documents (id),
    data BLOB NOT NULL
);
CREATE TABLE pages (
    document_id TEXT NOT NULL REFERENCES documents (id),
    number INTEGER NOT NULL CHECK (number >= 1),
    width REAL NOT NULL,
    height REAL NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    words TEXT NOT NULL DEFAULT '[]',
    is_scan INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (document_id, number)
);
CREATE TABLE document_links (
    id TEXT PRIMARY KEY,
    source_id TEXT NOT NULL REFERENCES documents (id),
    target_id TEXT NOT NULL REFERENCES documents (id),
    relation TEXT NOT NULL DEFAULT 'transcription',
    alignment TEXT NOT NULL DEFAULT '{{}}',{_ROW_META}
);
CREATE INDEX document_links_source ON document_links (source_id);
CREATE INDEX document_links_target ON document_links (target_id);
CREATE TABLE tags (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('entity_type', 'theme')),
    parent_id TEXT REFERENCES tags (id),
    color TEXT NOT NULL DEFAULT '#ffd54f',
    shortcut TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0,{_ROW_META}
);
CREATE TABLE entities (
    id TEXT PRIMARY KEY,
    type_id TEXT NOT NULL REFERENCES tags (id),
    name TEXT NOT NULL,
    aliases TEXT NOT NULL DEFAULT '[]',
    identifiers TEXT NOT NULL DEFAULT '{{}}',
    description TEXT NOT NULL DEFAULT '',
    dates TEXT NOT NULL DEFAULT '',{_ROW_META}
);
CREATE INDEX entities_type ON entities (type_id);
CREATE TABLE annotations (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents (id),
    author_id TEXT NOT NULL REFERENCES authors (id),
    -- text selector: code points of documents.text, with the quote and its context
    start_offset INTEGER,
    end_offset INTEGER,
    exact TEXT,
    prefix TEXT,
    suffix TEXT,
    -- region selector: a rectangle on a page in page points (quads: JSON highlight boxes)
    page INTEGER,
    x REAL,
    y REAL,
    w REAL,
    h REAL,
    quads TEXT,
    note TEXT NOT NULL DEFAULT '',
    color TEXT NOT NULL DEFAULT '',
    entity_id TEXT REFERENCES entities (id),
    date_value TEXT NOT NULL DEFAULT '',
    anchor_state TEXT NOT NULL DEFAULT 'ok' CHECK (anchor_state IN ('ok', 'moved', 'orphaned')),{_ROW_META},
    CHECK (start_offset IS NOT NULL OR page IS NOT NULL),
    CHECK (start_offset IS NULL OR (start_offset >= 0 AND end_offset >= start_offset))
);
CREATE INDEX annotations_document ON annotations (document_id, start_offset);
CREATE INDEX annotations_entity ON annotations (entity_id) WHERE entity_id IS NOT NULL;
CREATE TABLE annotation_tags (
    annotation_id TEXT NOT NULL REFERENCES annotations (id),
    tag_id TEXT NOT NULL REFERENCES tags (id),
    PRIMARY KEY (annotation_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX annotation_tags_tag ON annotation_tags (tag_id, annotation_id);
CREATE TABLE links (
    id TEXT PRIMARY KEY,
    source_id TEXT NOT NULL REFERENCES annotations (id),
    target_id TEXT NOT NULL REFERENCES annotations (id),
    relation TEXT NOT NULL DEFAULT 'related',
    note TEXT NOT NULL DEFAULT '',{_ROW_META}
);
CREATE INDEX links_source ON links (source_id);
CREATE INDEX links_target ON links (target_id);
"""

#: Tables every project file of the current schema has (checked on open and by ``check``).
TABLES = (
    "project", "authors", "documents", "document_data", "pages", "document_links", "tags",
    "entities", "annotations", "annotation_tags", "links", "conflicts",
    "relation_types", "relations", "relation_evidence",
)

#: Version 2: the full-text index and the suggestions a scholar rejected.
#: The index (search_*) is derived from documents, pages and annotations and refreshed
#: lazily before a search (annotator.core.search), so no trigger slows down an import
#: or a bulk insert; it is never merged, only rebuilt. A rejected suggestion is keyed
#: by a hash of what was proposed (annotator.core.suggestions), so copies merge as a
#: union of rows.
SCHEMA_V2 = """
CREATE VIRTUAL TABLE search_text USING fts5(
    body, tokenize = "unicode61 remove_diacritics 2"
);
-- which document (and page, 0 for a text document) each search_text row is
CREATE TABLE search_rows (
    id INTEGER PRIMARY KEY,
    document_id TEXT NOT NULL,
    page INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX search_rows_document ON search_rows (document_id);
-- the modified_at of every document as last indexed: a differing one is re-indexed
CREATE TABLE search_documents (
    document_id TEXT PRIMARY KEY,
    modified_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE VIRTUAL TABLE search_notes USING fts5(
    quote, note, tokenize = "unicode61 remove_diacritics 2"
);
-- search_notes rowid -> annotation, with the modified_at indexed
CREATE TABLE search_annotations (
    id INTEGER PRIMARY KEY,
    annotation_id TEXT NOT NULL UNIQUE,
    modified_at TEXT NOT NULL
);
CREATE TABLE rejected_suggestions (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    document_id TEXT,
    label TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    modified_at TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
);
"""


def _migrate_1_to_2(conn: sqlite3.Connection) -> None:
    for statement in _statements(SCHEMA_V2):
        conn.execute(statement)


def _migrate_2_to_3(conn: sqlite3.Connection) -> None:
    """An index in reading order, so loading a document's annotations (or all of them)
    needs no sort: the old index covered only (document_id, start_offset)."""
    conn.execute("DROP INDEX annotations_document")
    conn.execute("CREATE INDEX annotations_reading ON annotations "
                 "(document_id, start_offset, page, y, x)")


#: Version 4: the change journal (annotator.core.journal). Each user action is one row
#: of ``changesets``; each row it touched one row of ``changes``, with the columns'
#: values before and after (JSON; bytes in ``blob``). Undo, redo and history read it.
SCHEMA_V4 = """
CREATE TABLE changesets (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL,
    label TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'edit' CHECK (kind IN ('edit', 'merge', 'import', 'mechanical')),
    author_id TEXT,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'done' CHECK (state IN ('done', 'undone', 'dropped')),
    coalesce_key TEXT NOT NULL DEFAULT ''
);
CREATE TABLE changes (
    changeset_id INTEGER NOT NULL REFERENCES changesets (id),
    seq INTEGER NOT NULL,
    table_name TEXT NOT NULL,
    row_id TEXT NOT NULL,
    row_sub TEXT NOT NULL DEFAULT '',
    row_key TEXT NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
    before TEXT,
    after TEXT,
    blob BLOB,
    PRIMARY KEY (changeset_id, seq)
) WITHOUT ROWID;
CREATE INDEX changes_row ON changes (row_id);
-- a tag's children: undoing a codebook import deletes tags, and each delete checks that
-- no tag still names it as parent (without this index, a scan per tag: quadratic)
CREATE INDEX tags_parent ON tags (parent_id);
"""

#: The journal's tables (checked for value types on open; not merged row by row).
JOURNAL_TABLES = ("changesets", "changes")


def _migrate_3_to_4(conn: sqlite3.Connection) -> None:
    """The journal's tables, and rejected suggestions re-keyed by the one name fold
    (anyascii transliteration) so a scholar's rejections do not come back."""
    for statement in _statements(SCHEMA_V4):
        conn.execute(statement)
    if conn.execute("SELECT 1 FROM rejected_suggestions LIMIT 1").fetchone():
        from annotator.core.rekey import rekey_rejections  # opening stays light

        rekey_rejections(conn)


#: Version 5: what teams and research need beyond one scholar's annotations. Each
#: table added here is also listed in TABLES (merged, journaled, checked) unless it is
#: derived data. Tables are appended by the features that own them (issues 13, 15).
SCHEMA_V5 = f"""
-- issue 13: what a three-way merge could not settle by itself. One row per field that
-- both copies changed differently (or a deletion against an edit): both values (JSON),
-- who made each and when (mine = the project that merged), which one the merge kept,
-- and how the scholar settled it (annotator.core.conflicts).
CREATE TABLE conflicts (
    id TEXT PRIMARY KEY,
    table_name TEXT NOT NULL,
    row_id TEXT NOT NULL,
    field TEXT NOT NULL,
    mine TEXT NOT NULL DEFAULT 'null',
    theirs TEXT NOT NULL DEFAULT 'null',
    mine_author TEXT NOT NULL DEFAULT '',
    theirs_author TEXT NOT NULL DEFAULT '',
    mine_at TEXT NOT NULL DEFAULT '',
    theirs_at TEXT NOT NULL DEFAULT '',
    winner TEXT NOT NULL DEFAULT 'mine' CHECK (winner IN ('mine', 'theirs')),
    resolution TEXT NOT NULL DEFAULT 'open'
        CHECK (resolution IN ('open', 'mine', 'theirs', 'both')),
    merge_id TEXT NOT NULL DEFAULT '',{_ROW_META}
);
CREATE INDEX conflicts_row ON conflicts (row_id);
-- issue 10: which scan word each word of a transcription is (annotator.core.word_alignment).
-- Derived from both documents, like the search index: recomputed when either changed
-- (the fingerprint says from what), never merged or journaled.
CREATE TABLE word_alignment (
    link_id TEXT NOT NULL,
    start_offset INTEGER NOT NULL,
    end_offset INTEGER NOT NULL,
    page INTEGER NOT NULL,
    word INTEGER NOT NULL
);
CREATE INDEX word_alignment_text ON word_alignment (link_id, start_offset);
CREATE INDEX word_alignment_scan ON word_alignment (link_id, page, word);
CREATE TABLE word_alignment_state (
    link_id TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL
) WITHOUT ROWID;
-- issue 15: relations between entities, on the evidence of annotations
-- (annotator.core.relations). The relation types are a small vocabulary of their own
-- (not tags: a tag of a third kind would need another CHECK, and themes would show
-- them in every tag list, export and agreement table); evidence is one row per cited
-- annotation, so two copies that each cite a passage merge as a union of rows.
CREATE TABLE relation_types (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    color TEXT NOT NULL DEFAULT '#607d8b',
    description TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0,{_ROW_META}
);
CREATE TABLE relations (
    id TEXT PRIMARY KEY,
    relation_type_id TEXT NOT NULL REFERENCES relation_types (id),
    source_id TEXT NOT NULL REFERENCES entities (id),
    target_id TEXT NOT NULL REFERENCES entities (id),
    date_value TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',{_ROW_META}
);
CREATE INDEX relations_source ON relations (source_id);
CREATE INDEX relations_target ON relations (target_id);
CREATE TABLE relation_evidence (
    id TEXT PRIMARY KEY,
    relation_id TEXT NOT NULL REFERENCES relations (id),
    annotation_id TEXT NOT NULL REFERENCES annotations (id),{_ROW_META}
);
CREATE INDEX relation_evidence_relation ON relation_evidence (relation_id);
CREATE INDEX relation_evidence_annotation ON relation_evidence (annotation_id);
-- issue 17: the annotations table sorts a million rows by quote or by last change in
-- SQL, reading these in order (first rows in ms, not a sort of every row first)
CREATE INDEX annotations_quote ON annotations (exact COLLATE NOCASE);
CREATE INDEX annotations_modified ON annotations (modified_at);
"""


def _migrate_4_to_5(conn: sqlite3.Connection) -> None:
    for statement in _statements(SCHEMA_V5):
        conn.execute(statement)


#: Format 6 (issue 17, second pass): indexes and derived tables that keep a project of a
#: million annotations interactive. Only derived data here: nothing a merge carries.
SCHEMA_V6 = """
-- Reduced JPEGs of pages slow to decode (annotator.core.stored_previews): derived,
-- fingerprinted with the source's sha256, a digest of its bytes and the page's size,
-- so a stale one is never shown. Empty in a migrated file: the migration costs nothing.
CREATE TABLE page_previews (
    document_id TEXT NOT NULL,
    page INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    width REAL NOT NULL,
    height REAL NOT NULL,
    orientation INTEGER NOT NULL DEFAULT 1,
    image BLOB NOT NULL,
    PRIMARY KEY (document_id, page)
);
-- `annotator info` counts a million annotations per document and author, live and
-- deleted, from this index alone (a covering scan; a partial index WHERE deleted = 0 is
-- not covering for SQLite, which still read every row: 0.4 s per count at 1M)
CREATE INDEX annotations_tally ON annotations (deleted, document_id, author_id);
-- characters of each text as of its document's modified_at (the search index's stamp
-- for "this text changed"): counting 176 MB of UTF-8 took 0.3 s on every `info`
CREATE TABLE document_lengths (
    document_id TEXT PRIMARY KEY,
    modified_at TEXT NOT NULL,
    chars INTEGER NOT NULL
) WITHOUT ROWID;
-- the counts `info` shows (annotations per document, author and tag), as of a stamp of
-- the change journal: kept when a writable project that changed is closed, so that a
-- later `annotator info` reads 30 rows instead of stepping 2 million index entries
CREATE TABLE tallies (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;
-- the document list without walking each text's overflow pages to the columns after it
CREATE INDEX documents_listing ON documents
    (deleted, title COLLATE NOCASE, id, kind, media_type, page_count, modified_at);
-- the annotations table reads windows of rows (annotator.core.table_window) in each
-- sort's order; partial (live rows), so a count or an OFFSET reads the index alone,
-- never the table (an OFFSET of 500,000 through annotations_quote took 4.5 s). Each
-- ends with `deleted`: SQLite (3.40) does not count a partial index's WHERE column as
-- held by the index, and read every row for it (the plan said INDEX, not COVERING)
CREATE INDEX annotations_live_reading ON annotations
    (document_id, start_offset, page, y, x, deleted) WHERE deleted = 0;
CREATE INDEX annotations_live_quote ON annotations (exact COLLATE NOCASE, deleted) WHERE deleted = 0;
CREATE INDEX annotations_live_note ON annotations (note COLLATE NOCASE, deleted) WHERE deleted = 0;
CREATE INDEX annotations_live_date ON annotations (date_value, deleted) WHERE deleted = 0;
CREATE INDEX annotations_live_page ON annotations (page, deleted) WHERE deleted = 0;
CREATE INDEX annotations_live_modified ON annotations (modified_at, deleted) WHERE deleted = 0;
CREATE INDEX annotations_live_entity ON annotations (entity_id, deleted) WHERE deleted = 0;
CREATE INDEX annotations_live_author ON annotations (author_id, deleted) WHERE deleted = 0;
-- sort by tags: annotation_tags joins its live annotations here without reading the table
CREATE INDEX annotations_live_id ON annotations (id, deleted) WHERE deleted = 0;
-- superseded by annotations_live_quote and annotations_live_modified (format 5's two
-- sort indexes): every index more costs each annotation written (~30 % of a bulk insert)
DROP INDEX annotations_quote;
DROP INDEX annotations_modified;
"""


def _migrate_5_to_6(conn: sqlite3.Connection) -> None:
    for statement in _statements(SCHEMA_V6):
        conn.execute(statement)


#: Format 7: the tally index no longer starts with ``deleted``. Without statistics,
#: SQLite took an equality on an index's first column for a selective one, and drove
#: joins and counts from "deleted = 0" through it, reading every annotation: linking,
#: a passage's links in the inspector (0.55 s at 1M), the Documents panel's counts
#: (0.36 s), entities' mentions (1.07 s). Deleted rows get a small index of their own,
#: for the counts that subtract them.
SCHEMA_V7 = """
DROP INDEX annotations_tally;
CREATE INDEX annotations_tally ON annotations (document_id, author_id, deleted);
CREATE INDEX annotations_gone ON annotations (id, deleted) WHERE deleted = 1;
"""


def _migrate_6_to_7(conn: sqlite3.Connection) -> None:
    for statement in _statements(SCHEMA_V7):
        conn.execute(statement)


#: migrations[n] turns a version-n file into a version-(n+1) file, inside one transaction.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _migrate_1_to_2, 2: _migrate_2_to_3, 3: _migrate_3_to_4, 4: _migrate_4_to_5,
    5: _migrate_5_to_6, 6: _migrate_6_to_7}


def create(conn: sqlite3.Connection) -> None:
    """Create the current schema in an empty database (caller holds the transaction)."""
    for statement in _statements(SCHEMA_V1):
        conn.execute(statement)
    for version in range(1, SCHEMA_VERSION):
        MIGRATIONS[version](conn)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def migrate(conn: sqlite3.Connection, from_version: int) -> None:
    """Bring a file from ``from_version`` to SCHEMA_VERSION (caller holds the transaction)."""
    for version in range(from_version, SCHEMA_VERSION):
        MIGRATIONS[version](conn)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _statements(script: str) -> list[str]:
    """Split a DDL script into statements (executescript would commit behind our back)."""
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def _reference(version: int) -> sqlite3.Connection:
    """An empty database in memory with the schema of a file of ``version``."""
    conn = sqlite3.connect(":memory:")
    for statement in _statements(SCHEMA_V1):
        conn.execute(statement)
    for v in range(1, version):
        MIGRATIONS[v](conn)
    return conn


#: One object of a schema: type, name, the table it belongs to, its SQL (spaces folded).
SchemaObject = tuple[str, str, str, str]

#: The only objects a file may hold beyond ours: the statistics tables ANALYZE makes,
#: exactly as SQLite makes them (a trigger merely *named* sqlite_stat… is not one).
STATISTICS: frozenset[SchemaObject] = frozenset({
    ("table", "sqlite_stat1", "sqlite_stat1", "CREATE TABLE sqlite_stat1(tbl,idx,stat)"),
    ("table", "sqlite_stat4", "sqlite_stat4",
     "CREATE TABLE sqlite_stat4(tbl,idx,neq,nlt,ndlt,sample)"),
})


@functools.cache
def reference_objects(version: int = SCHEMA_VERSION) -> Counter[SchemaObject]:
    """Every schema object a file of ``version`` has, built by creating that schema in
    memory (so migrated files compare equal); computed once per version."""
    conn = _reference(version)
    try:
        return _objects(conn)
    finally:
        conn.close()


_COLUMNS: dict[str, tuple[str, ...]] = {}


def columns(table: str) -> tuple[str, ...]:
    """The columns of one of our tables, in order, read from the schema itself: the one
    place every store, the merge and the journal take their column lists from."""
    if not _COLUMNS:
        # PRAGMA, not sqlite-utils: this runs in every command, and importing
        # sqlite-utils costs ~100 ms (it stays for `check` and other slow paths)
        conn = _reference(SCHEMA_VERSION)
        try:
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
                _COLUMNS[name] = tuple(r[1] for r in conn.execute(f"PRAGMA table_info({name})"))
        finally:
            conn.close()
    return _COLUMNS[table]


def foreign_objects(conn: sqlite3.Connection, version: int) -> list[str]:
    """What a file holds beyond our schema (triggers, views, altered or extra tables)
    — a crafted file could run SQL of its author's when we write to it. The whole of
    sqlite_master is compared row by row (type, name, table, SQL), so an object cannot
    hide behind the name of one of ours or of SQLite's statistics."""
    expected = reference_objects(version)
    found = _objects(conn)
    ours = {obj[1] for obj in expected}
    problems = []
    for obj, n in sorted((found - expected).items()):
        if obj in STATISTICS and found[obj] == 1:
            continue  # ANALYZE's own statistics are harmless
        kind, name = obj[0], obj[1]
        problems.append(f"{kind} “{name}” differs from annotator's definition" if name in ours
                        and n == 1 and kind == next(e[0] for e in expected if e[1] == name)
                        else f"unexpected {kind} “{name}”")
    names = {obj[1] for obj in found}
    for obj in sorted(expected - found):
        if obj[1] not in names:
            problems.append(f"missing {obj[0]} “{obj[1]}”")
    return problems


def _objects(conn: sqlite3.Connection) -> Counter[SchemaObject]:
    rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")
    return Counter((kind, name, table, " ".join((sql or "").split()))
                   for kind, name, table, sql in rows)


_ALLOWED_TYPES = {"INTEGER": ("integer",), "REAL": ("real", "integer"), "TEXT": ("text",),
                  "BLOB": ("blob",)}


def type_problems(conn: sqlite3.Connection) -> list[str]:
    """Columns holding values of the wrong type (SQLite does not enforce declared
    types): a crafted file could put text where the app expects an offset.

    Each table is read once with every column's test in one WHERE (2.5 s for the
    annotations at 1M, where one sum per column took 4.7 s); only a table that fails
    is read again to name its columns."""
    problems = []
    for table in (*TABLES, *JOURNAL_TABLES):
        columns = conn.execute(f"PRAGMA table_info({table})").fetchall()
        wrong = {}
        for _cid, name, decl, notnull, _default, _pk in columns:
            allowed = _ALLOWED_TYPES.get((decl or "").upper())
            if allowed is None:
                continue
            kinds = ", ".join(f"'{k}'" for k in (*allowed, *(() if notnull else ("null",))))
            wrong[name] = f"typeof(\"{name}\") NOT IN ({kinds})"
        if not wrong or not conn.execute(
                f"SELECT EXISTS (SELECT 1 FROM {table} WHERE {' OR '.join(wrong.values())})"
        ).fetchone()[0]:
            continue
        counts = conn.execute("SELECT " + ", ".join(
            f"coalesce(sum({test}), 0)" for test in wrong.values()) + f" FROM {table}").fetchone()
        problems.extend(f"{n} row(s) of {table}.{name} hold the wrong type of value"
                        for name, n in zip(wrong, counts, strict=True) if n)
    return problems
