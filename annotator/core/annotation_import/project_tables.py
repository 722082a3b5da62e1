"""Each table of a merge: what matches what (documents by SHA-256, tags by kind + name
+ parent, entities by identifier or type + name, the rest by UUID), which row wins
(the later ``modified_at``; a tombstone deletes its own row only), passages moved onto
the kept text, and new annotations copied in bulk. Called by :func:`annotator.core.merge.merge`
in dependency order, inside its one transaction.
"""

from __future__ import annotations

import hashlib

from annotator.core.annotation_import.project_rows import (
    SHA256_HEX,
    Reject,
    tally,
)
from annotator.core.codebook import check_tag_depth
from annotator.core.merge_annotations import AnnotationMerge
from annotator.core.names import fold
from annotator.core.util import dumps, loads


class RowMerger(AnnotationMerge):
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
        checked against that SHA-256. A row the same as ours in every column (found in
        SQL) changes nothing and is not read: its text is not decoded (issue 17)."""
        same = " AND ".join(f"m.{c} IS t.{c}" for c in self.cols["documents"])
        for doc_id, kind in self.c.execute(
                f"SELECT t.id, t.kind FROM theirs.documents t JOIN main.documents m "
                f"ON m.id = t.id WHERE {same}"):
            self.map["documents"][doc_id] = doc_id
            if kind == "text":
                self.keep_text(doc_id, doc_id, moved=False)
        for row in self.rows("documents", where=f"NOT EXISTS (SELECT 1 FROM main.documents "
                                                f"m WHERE m.id = t.id AND {same})"):
            try:
                row = self.clean("documents", row)
                if not SHA256_HEX.fullmatch(row["sha256"]):
                    raise Reject("its SHA-256 is not one")
                same_id = self.ours("documents", row["id"]) is not None
                match = row["id"] if same_id else (self.c.execute(
                    "SELECT id FROM main.documents WHERE sha256 = ? ORDER BY deleted LIMIT 1",
                    (row["sha256"],)).fetchone() or [None])[0]
                if match is None:
                    self.new_document(row)
                    self.map["documents"][row["id"]] = row["id"]
                    self.keep_text(row["id"], row["id"], moved=False)
                    continue
                mine = self.ours("documents", match)
                assert mine is not None
                if mine["sha256"] != row["sha256"] or mine["kind"] != row["kind"]:
                    raise Reject("same id as one of ours but other bytes")
                if not same_id:
                    tally(self.r.matched, "documents")
                spoiled = self.spoiled("documents", row)
                was = None if spoiled else self.base_row("documents", match, row["id"])
                if was is not None:  # title, metadata, text: three-way, conflicts kept
                    kept = self.merged("documents", mine, {**row, "id": match}, was)
                    self.update("documents", mine, kept, clock=same_id)
                    final = kept["text"]
                else:
                    theirs_win = not spoiled and self.wins(mine, row, "documents")
                    if theirs_win:  # a tombstone of the same bytes deletes
                        self.update("documents", mine, row, clock=same_id)
                    final = row["text"] if theirs_win else mine["text"]
                if mine["kind"] == "text":  # (their passages follow onto the kept text)
                    self.keep_text(match, row["id"], (row["text"] or "") != (final or ""))
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
