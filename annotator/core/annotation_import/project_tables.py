"""Each table of a merge: what matches what (documents by SHA-256, tags by kind + name
+ parent, entities by identifier or type + name, the rest by UUID), which row wins
(the later ``modified_at``; a tombstone deletes its own row only), passages moved onto
the kept text, and new annotations copied in bulk. Called by :func:`annotator.core.merge.merge`
in dependency order, inside its one transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from annotator.core.anchoring import describe, reanchor_all
from annotator.core.annotation_import.project_rows import (
    SHA256_HEX,
    Reject,
    garbled,
    tally,
)
from annotator.core.codebook import check_tag_depth
from annotator.core.merge_three_way import ThreeWay
from annotator.core.model import TextSelector
from annotator.core.names import fold
from annotator.core.util import dumps, loads


class RowMerger(ThreeWay):
    """One merge: call the table methods in dependency order. With ``base`` (the
    common ancestor attached as ``base``) rows both copies have merge three-way."""

    def authors(self) -> None:
        """By id, else by exact name: a merged project shows who annotated what."""
        by_name = {n: i for i, n in self.c.execute(
            "SELECT id, name FROM main.authors WHERE deleted = 0")}
        for row in self.rows("authors"):
            try:
                row = self.clean("authors", row)
                same = self.ours("authors", row["id"]) is not None
                match = row["id"] if same else by_name.get(row["name"])
                self.map["authors"][row["id"]] = self.upsert("authors", row, match, same_id=same)
            except Reject as exc:
                self.reject("authors", row, str(exc))

    def tags(self) -> None:
        """By id, else by kind + name + parent (folded), parents first, a level at a
        time: a tree deeper than a codebook may be is refused (TagTooDeep) before it
        costs a pass per level over thousands of levels."""
        theirs = {}
        for row in self.rows("tags"):
            try:
                theirs[row["id"]] = self.clean("tags", row)
            except Reject as exc:
                self.reject("tags", row, str(exc))
        done: set[str] = set()
        pending = sorted(theirs.values(), key=lambda r: (r["position"], r["id"]))
        level = 0
        while pending:  # parents before children; whatever is left is a cycle
            ready = [r for r in pending if r["parent_id"] not in theirs or r["parent_id"] in done]
            level += 1
            if ready:
                check_tag_depth(level, ready[0]["name"])
            else:
                for row in pending:
                    self.reject("tags", row, "its parents form a cycle")
                break
            for row in ready:
                done.add(row["id"])
                try:
                    self.tag(row)
                except Reject as exc:
                    self.reject("tags", row, str(exc))
            pending = [r for r in pending if r["id"] not in done]

    def tag(self, row: dict) -> None:
        parent = row["parent_id"]
        row = {**row, "parent_id": self.map["tags"].get(parent) if parent else None}
        if not row["name"].strip():
            return self.reject("tags", row, "no name")
        same = self.ours("tags", row["id"]) is not None
        match = row["id"] if same else None
        if not same and not row["deleted"]:
            for tag_id, name in self.c.execute(
                    "SELECT id, name FROM main.tags WHERE deleted = 0 AND kind = ? AND "
                    "parent_id IS ?", (row["kind"], row["parent_id"])):
                if fold(name) == fold(row["name"]):
                    match = tag_id
                    break
        if same and row["parent_id"] and row["id"] in self.p.tags.descendants(row["parent_id"]):
            row["parent_id"] = self.ours("tags", row["id"])["parent_id"]  # type: ignore[index]
        self.map["tags"][row["id"]] = self.upsert("tags", row, match, same_id=same)

    def entities(self) -> None:
        """By id, else by a shared identifier, else by type + name (folded)."""
        by_ident: dict[tuple[str, str], str] = {}
        by_name: dict[tuple[str, str], str] = {}
        for i, type_id, name, idents in self.c.execute(
                "SELECT id, type_id, name, identifiers FROM main.entities WHERE deleted = 0"):
            by_name.setdefault((type_id, fold(name)), i)
            for k, v in loads(idents, {}).items():
                by_ident.setdefault((str(k).lower(), str(v)), i)
        for row in self.rows("entities"):
            try:
                row = self.clean("entities", row)
                row["type_id"] = self.map["tags"].get(row["type_id"])
                if row["type_id"] is None:
                    raise Reject("its type is not in the codebook")
                same = self.ours("entities", row["id"]) is not None
                match = row["id"] if same else None
                if not same and not row["deleted"]:
                    idents = [(str(k).lower(), str(v)) for k, v in loads(row["identifiers"],
                                                                         {}).items()]
                    match = next((by_ident[k] for k in idents if k in by_ident),
                                 by_name.get((row["type_id"], fold(row["name"]))))
                if match and not same:
                    mine = self.ours("entities", match)
                    assert mine is not None
                    tally(self.r.matched, "entities")
                    if not self.spoiled("entities", row):
                        self.matched_entity(mine, row)
                    self.map["entities"][row["id"]] = match
                else:
                    self.map["entities"][row["id"]] = self.upsert("entities", row, match,
                                                                  same_id=same)
            except Reject as exc:
                self.reject("entities", row, str(exc))

    def matched_entity(self, mine: dict, row: dict) -> None:
        """Their entity matched to ours under another id: aliases and identifiers as
        the union of both; the other fields three-way when the base has the entity
        under either id (conflicts kept), else the later record's."""
        joined = self.union(mine, row)
        was = self.base_row("entities", mine["id"], row["id"])
        if was is not None:
            kept = self.merged("entities", mine, {**self.mapped(dict(row)), "id": mine["id"],
                                                  "deleted": mine["deleted"]}, was,
                               skip=("aliases", "identifiers"))
            joined = {**kept, "aliases": joined["aliases"],
                      "identifiers": joined["identifiers"]}
        self.update("entities", mine, joined, clock=False)

    def union(self, ours: dict, theirs: dict) -> dict:
        """Their record with both sides' aliases and identifiers (the winner's first)."""
        win, lose = (theirs, ours) if self.wins(ours, theirs, "entities") else (ours, theirs)
        aliases = [win["name"], *loads(win["aliases"], []), lose["name"],
                   *loads(lose["aliases"], [])]
        seen, kept = {fold(win["name"])}, []
        for alias in aliases[1:]:
            if isinstance(alias, str) and fold(alias) not in seen:
                seen.add(fold(alias))
                kept.append(alias)
        idents = {**loads(lose["identifiers"], {}), **loads(win["identifiers"], {})}
        merged = {**win, "aliases": dumps(kept), "identifiers": dumps(idents),
                  "modified_at": max(ours["modified_at"], theirs["modified_at"])}
        return {**merged, "id": theirs["id"], "type_id": win["type_id"]}

    def documents(self) -> None:
        """By id, else by the SHA-256 of the bytes; a new one brings bytes and pages,
        checked against that SHA-256."""
        for row in self.rows("documents"):
            try:
                row = self.clean("documents", row)
                if not SHA256_HEX.fullmatch(row["sha256"]):
                    raise Reject("its SHA-256 is not one")
                same = self.ours("documents", row["id"]) is not None
                match = row["id"] if same else (self.c.execute(
                    "SELECT id FROM main.documents WHERE sha256 = ? ORDER BY deleted LIMIT 1",
                    (row["sha256"],)).fetchone() or [None])[0]
                if match is None:
                    self.new_document(row)
                    self.map["documents"][row["id"]] = row["id"]
                    self.texts[row["id"]] = (row["text"] or "", row["text"] or "")
                    continue
                mine = self.ours("documents", match)
                assert mine is not None
                if mine["sha256"] != row["sha256"] or mine["kind"] != row["kind"]:
                    raise Reject("same id as one of ours but other bytes")
                if not same:
                    tally(self.r.matched, "documents")
                spoiled = self.spoiled("documents", row)
                was = None if spoiled else self.base_row("documents", match, row["id"])
                if was is not None:  # title, metadata, text: three-way, conflicts kept
                    kept = self.merged("documents", mine, {**row, "id": match}, was)
                    self.update("documents", mine, kept, clock=same)
                    final = kept["text"]
                else:
                    theirs_win = not spoiled and self.wins(mine, row, "documents")
                    if theirs_win:  # a tombstone of the same bytes deletes
                        self.update("documents", mine, row, clock=same)
                    final = row["text"] if theirs_win else mine["text"]
                if mine["kind"] == "text":  # (their passages follow onto the kept text)
                    self.texts[match] = (row["text"] or "", final or "")
                    if (mine["text"] or "") != (final or ""):
                        self.reanchor_ours(match, mine["text"] or "", final or "")
                self.map["documents"][row["id"]] = match
            except Reject as exc:
                self.reject("documents", row, str(exc))

    def new_document(self, row: dict) -> None:
        size, ok = self.c.execute(
            "SELECT length(data), length(data) <= ? FROM theirs.document_data "
            "WHERE document_id = ?", (900 * 2**20, row["id"])).fetchone() or (None, 0)
        if not ok:
            raise Reject("its source bytes are missing or too large")
        data = self.c.execute("SELECT data FROM theirs.document_data WHERE document_id = ?",
                              (row["id"],)).fetchone()[0]
        if not isinstance(data, bytes) or hashlib.sha256(data).hexdigest() != row["sha256"]:
            raise Reject("its source bytes do not match its SHA-256")
        pages, checked = [], []
        for page in self.c.execute(
                "SELECT document_id, number, width, height, substr(text, 1, 10000001), "
                "substr(words, 1, 50000001), is_scan FROM theirs.pages WHERE document_id = ? "
                "ORDER BY number", (row["id"],)):
            clean = self.clean("pages", dict(zip(self.cols["pages"], page, strict=True)))
            if not (1 <= clean["number"] <= 100_000 and 0 < clean["width"] < 1e6 and
                    0 < clean["height"] < 1e6):
                raise Reject("a page has no sensible number or size")
            pages.append(page)
            checked.append(clean)
        if row["kind"] == "paged" and len(pages) != row["page_count"]:
            raise Reject("its pages are incomplete")
        self.insert("documents", {**row, "size": size})
        self.c.execute("INSERT INTO main.document_data (document_id, data) VALUES (?, ?)",
                       (row["id"], data))
        self.c.executemany(f"INSERT INTO main.pages ({', '.join(self.cols['pages'])}) VALUES "
                           "(?,?,?,?,?,?,?)", pages)
        self.repaired("pages", checked)

    def reanchor_ours(self, doc_id: str, old: str, new: str) -> None:
        """Our passages of a text whose other version won, moved onto that text."""
        rows = self.c.execute(
            "SELECT * FROM main.annotations WHERE document_id = ? AND start_offset IS NOT NULL",
            (doc_id,)).fetchall()
        rows = [dict(zip(self.cols["annotations"], r, strict=True)) for r in rows]
        for row, new_row in zip(rows, self.moved(rows, old, new), strict=True):
            self.r.reanchored += self.update("annotations", row, new_row)

    def moved(self, rows: list[dict], old: str, new: str) -> list[dict]:
        sels = [(r["id"], TextSelector(r["start_offset"], r["end_offset"], r["exact"] or "",
                                       r["prefix"] or "", r["suffix"] or "")) for r in rows]
        anchors = reanchor_all(old, new, sels)
        out = []
        for row in rows:
            a = anchors[row["id"]]
            sel = describe(new, a.start, a.end) if a.state != "orphaned" else None
            out.append({**row, "start_offset": a.start, "end_offset": a.end,
                        "anchor_state": str(a.state),
                        **({"exact": sel.exact, "prefix": sel.prefix, "suffix": sel.suffix}
                           if sel else {})})
        return out

    def document_links(self) -> None:
        for row in self.rows("document_links"):
            try:
                row = self.clean("document_links", row)
                ends = [self.map["documents"].get(row[k]) for k in ("source_id", "target_id")]
                if None in ends or ends[0] == ends[1]:
                    raise Reject("it links documents that were not merged")
                row = {**row, "source_id": ends[0], "target_id": ends[1]}
                same = self.ours("document_links", row["id"]) is not None
                match = row["id"] if same else (self.c.execute(
                    "SELECT id FROM main.document_links WHERE source_id = ? AND target_id = ? "
                    "AND relation = ? AND deleted = 0", (*ends, row["relation"])).fetchone()
                    or [None])[0]
                self.upsert("document_links", row, match, same_id=same)
            except Reject as exc:
                self.reject("document_links", row, str(exc))

    def annotations(self, tick: Callable[[], None]) -> None:
        """By id; their passages moved onto the kept text of their document first."""
        mine = dict(self.c.execute("SELECT id, modified_at FROM main.annotations"))
        tags: dict[str, list[str]] = {}
        if not self.base:  # (three-way: only the tags of the rows read, below)
            for a, t in self.c.execute("SELECT annotation_id, tag_id FROM "
                                       "theirs.annotation_tags"):
                tags.setdefault(a, []).append(t)
        pages = dict(((d, n), (w, h)) for d, n, w, h in self.c.execute(
            "SELECT document_id, number, width, height FROM main.pages"))
        by_doc: dict[str, list[dict]] = {}
        for row in self.rows("annotations", where=self.changed("annotations")):
            tick()
            if row["id"] in mine and self.spoiled("annotations", row):
                continue
            try:
                row = self.checked_annotation(self.clean("annotations", row), pages)
            except Reject as exc:
                self.reject("annotations", row, str(exc))
                continue
            by_doc.setdefault(row["document_id"], []).append(row)
        if self.base:
            tags = self.their_tags([r["id"] for rows in by_doc.values() for r in rows])
        as_they_are: list[str] = []  # new rows to copy by SQL, unchanged but for ids
        fresh: list[dict] = []  # new rows written from Python (moved or with U+FFFD)
        for doc_id, rows in by_doc.items():
            theirs_text, final = self.texts.get(doc_id, ("", ""))
            text_rows = [r for r in rows if r["start_offset"] is not None]
            moved = theirs_text != final and text_rows
            if moved:
                for r, m in zip(text_rows, self.moved(text_rows, theirs_text, final), strict=True):
                    r.update(m)
            new = [r for r in rows if r["id"] not in mine]
            if not moved:  # text that was not UTF-8 is written repaired, not copied raw
                raw = {r["id"] for r in new if not garbled(r)}
                as_they_are += raw
                new = [r for r in new if r["id"] not in raw]
            self.contested([r for r in rows if r["id"] in mine], mine, tags)
            fresh += new
        # new rows, all at once: journaled by key in bulk (no trigger per row); none of
        # them can exist here already, their ids being new to us
        ours = self.map["tags"]
        tag_rows = [(i, t) for i in (*(r["id"] for r in fresh), *as_they_are)
                    for t in dict.fromkeys(ours[x] for x in tags.get(i, ()) if x in ours)]
        fresh_ids = {r["id"] for r in fresh}
        with self.p.bulk_insert() as journal:
            self.insert_many("annotations", fresh)
            self.c.executemany("INSERT INTO main.annotation_tags VALUES (?, ?)",
                               [r for r in tag_rows if r[0] in fresh_ids])
            self.copy_new(as_they_are)  # their tags too, mapped as tag_rows says
            journal("annotations", [(r["id"],) for r in fresh])
            journal("annotations", [(i,) for i in as_they_are])
            journal("annotation_tags", tag_rows)

    def contested(self, rows: list[dict], mine: dict[str, str],
                  tags: dict[str, list[str]]) -> None:
        """Their rows that we have too. Two-way: where theirs is newer it wins. Three-way:
        only rows they changed since the base were read (``changed``), merged field by
        field where the base has them."""
        if not self.base:  # (where ours is newer there is nothing to do)
            rows = [r for r in rows if r["modified_at"] >= mine[r["id"]]]
        ids = [r["id"] for r in rows]
        here = self.ours_many("annotations", ids)
        base = self.base_rows("annotations", ids)
        self.base_onto_final(base)
        if base:
            base_tags = self.tag_sets("base", list(base))
            our_tags = self.tag_sets("main", list(base))
        for row in rows:
            ours = here[row["id"]]
            if ours["document_id"] != row["document_id"]:
                self.reject("annotations", row, "same id as one of ours, elsewhere")
            elif row["id"] in base:
                theirs_tags = {self.map["tags"].get(t, t) for t in tags.get(row["id"], ())}
                was, now_ours = base_tags[row["id"]], our_tags[row["id"]]
                merged = self.merged("annotations", ours, row, base[row["id"]],
                                     (now_ours != was, theirs_tags != was))
                self.update("annotations", ours, merged)
                self.merge_tags(row["id"], now_ours, theirs_tags, was)
            elif self.wins(ours, row, "annotations"):
                self.update("annotations", ours, row)
                self.set_tags(row["id"], tags.get(row["id"], []))

    def base_onto_final(self, base: dict[str, dict]) -> None:
        """Base passages moved onto the kept text where the base's text differs, as
        theirs were: a passage is then "changed" only if a scholar changed it."""
        docs: dict[str, list[dict]] = {}
        for row in base.values():
            if row["start_offset"] is not None:
                docs.setdefault(row["document_id"], []).append(row)
        for doc_id, rows in docs.items():
            was = self.c.execute("SELECT text FROM base.documents WHERE id = ?",
                                 (doc_id,)).fetchone()
            final = self.texts.get(doc_id, (None, None))[1]
            if was and isinstance(was[0], str) and final is not None and was[0] != final:
                for r, m in zip(rows, self.moved(rows, was[0], final), strict=True):
                    r.update(m)

    def copy_new(self, ids: list[str]) -> None:
        """New rows of theirs, checked and unchanged, copied across the attachment by
        SQL, their ids and our id maps in temporary tables: binding 22 values a row
        from Python was most of a merge's time. (The caller journals their keys.)"""
        c, cols = self.c, self.cols["annotations"]
        c.execute("CREATE TEMP TABLE merge_ids (id TEXT PRIMARY KEY) WITHOUT ROWID")
        c.execute("CREATE TEMP TABLE merge_map (kind TEXT, theirs TEXT, ours TEXT, "
                  "PRIMARY KEY (kind, theirs)) WITHOUT ROWID")
        try:
            c.executemany("INSERT INTO temp.merge_ids VALUES (?)", [(i,) for i in ids])
            c.executemany("INSERT INTO temp.merge_map VALUES (?, ?, ?)", [
                (k, t, o) for k in ("documents", "authors", "entities", "tags")
                for t, o in self.map[k].items()])
            pick = {"document_id": "d.ours", "author_id": "u.ours", "entity_id": "e.ours"}
            c.execute(
                f"INSERT INTO main.annotations ({', '.join(cols)}) SELECT "
                f"{', '.join(pick.get(col, 'a.' + col) for col in cols)} FROM theirs.annotations a "
                "JOIN temp.merge_ids i ON i.id = a.id "
                "JOIN temp.merge_map d ON d.kind = 'documents' AND d.theirs = a.document_id "
                "JOIN temp.merge_map u ON u.kind = 'authors' AND u.theirs = a.author_id "
                "LEFT JOIN temp.merge_map e ON e.kind = 'entities' AND e.theirs = a.entity_id")
            c.execute("INSERT OR IGNORE INTO main.annotation_tags SELECT t.annotation_id, m.ours "
                      "FROM theirs.annotation_tags t JOIN temp.merge_ids i "
                      "ON i.id = t.annotation_id JOIN temp.merge_map m ON m.kind = 'tags' "
                      "AND m.theirs = t.tag_id")
        finally:
            c.execute("DROP TABLE temp.merge_ids")
            c.execute("DROP TABLE temp.merge_map")
        self.insert_many("annotations", [], counted=ids)

    def checked_annotation(self, row: dict, pages: dict) -> dict:
        doc = self.map["documents"].get(row["document_id"])
        author = self.map["authors"].get(row["author_id"])
        if doc is None or author is None:
            raise Reject("its document or author was not merged")
        row = {**row, "document_id": doc, "author_id": author}
        if row["entity_id"] is not None:
            row["entity_id"] = self.map["entities"].get(row["entity_id"])
            if row["entity_id"] is None:
                self.r.unmatched.append(f"annotations {row['id']}: its entity was not merged; "
                                        "kept without it")
        if row["start_offset"] is not None:
            text = self.texts.get(doc, ("", ""))[0]
            s, e = row["start_offset"], row["end_offset"]
            if e is None or not 0 <= s <= e <= len(text):
                raise Reject("its passage lies outside the text")
            if not row["deleted"] and row["anchor_state"] != "orphaned" and \
                    text[s:e] != row["exact"]:
                raise Reject("its quote is not the text at its offsets")
        elif row["page"] is not None:
            size = pages.get((doc, row["page"]))
            box = [row[k] for k in ("x", "y", "w", "h")]
            if size is None or None in box or box[2] < 0 or box[3] < 0:
                raise Reject("its region is not on a page of the document")
            if len(loads(row["quads"], [])) > 10_000:
                raise Reject("too many highlight boxes")
        else:
            raise Reject("it has neither a passage nor a region")
        return row

    def set_tags(self, ann_id: str, their_tags: list[str]) -> None:
        """Their tag set (mapped) replaces ours (the journal keeps ours for undo)."""
        mapped = list(dict.fromkeys(self.map["tags"][t] for t in their_tags
                                    if t in self.map["tags"]))
        self.c.execute("DELETE FROM main.annotation_tags WHERE annotation_id = ?", (ann_id,))
        self.c.executemany("INSERT INTO main.annotation_tags VALUES (?, ?)",
                           [(ann_id, t) for t in mapped])

    def links(self) -> None:
        for row in self.rows("links"):
            try:
                row = self.clean("links", row)
                ends = self.c.execute("SELECT count(*) FROM main.annotations WHERE id IN (?, ?)",
                                      (row["source_id"], row["target_id"])).fetchone()[0]
                if ends != 2:
                    raise Reject("it links annotations that were not merged")
                same = self.ours("links", row["id"]) is not None
                self.upsert("links", row, row["id"] if same else None, same_id=same)
            except Reject as exc:
                self.reject("links", row, str(exc))

    def conflicts(self) -> None:
        """Their record of conflicts, by id (settling one travels: the later row wins);
        the rows they name mapped to ours."""
        for row in self.rows("conflicts"):
            try:
                row = self.clean("conflicts", row)
                row["row_id"] = self.map[row["table_name"]].get(row["row_id"], row["row_id"])
                same = self.ours("conflicts", row["id"]) is not None
                self.upsert("conflicts", row, row["id"] if same else None, same_id=same)
            except Reject as exc:
                self.reject("conflicts", row, str(exc))

    def rejected_suggestions(self) -> None:
        """A union of rows by key: what either of us rejected stays rejected (the later
        row wins, so taking a rejection back travels too)."""
        for row in self.rows("rejected_suggestions", "key"):
            try:
                row = self.clean("rejected_suggestions", row)
                if row["document_id"] is not None:
                    row["document_id"] = self.map["documents"].get(row["document_id"])
                    if row["document_id"] is None:
                        raise Reject("its document was not merged")
                same = self.ours("rejected_suggestions", row["key"]) is not None
                self.upsert("rejected_suggestions", row, row["key"] if same else None,
                            same_id=True)
            except Reject as exc:
                self.reject("rejected_suggestions", row, str(exc))
