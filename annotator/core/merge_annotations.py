"""The annotations of a merge, streamed: their rows are read a batch at a time (by
rowid), so a merge of two million-annotation projects holds one batch, the texts of
the few documents it is on, and no list of either side's rows (issue 17: the whole
of both sides in memory took 3.6 GB at 1M).

Which of their rows are worth reading is decided in SQL, on the attached file, by id:
a row of theirs we have is skipped unread when it cannot change ours — two-way, when
ours is later, or as late and the same; three-way, when they left it as the common
ancestor had it. Such a row is never written, so not worth checking either. New rows
that need no change but for their ids are copied across the attachment by SQL, and
the journal records them by key (one bulk change). The texts a batch needs (to check
each quote at its offsets, and to move passages onto the kept text) are read per
document and a few are kept, never all of them.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Callable

from annotator.core.anchoring import describe, reanchor_all
from annotator.core.annotation_import.project_rows import _CAPS, _UPDATE, Reject, garbled
from annotator.core.journal import BULK
from annotator.core.journal_record import KeysInSQL
from annotator.core.merge_three_way import ThreeWay
from annotator.core.model import TextSelector
from annotator.core.util import loads

#: their annotations read per batch
BATCH = 5000
#: their tags of rows copied by SQL written per statement (copy_tags)
TAG_STRETCH = 50_000
#: ids of new rows copied by SQL that the report's OpChanges names: more than any view
#: redraws one by one (they reload above 1,000), not the million of a large merge
#: (125 MB at 1M, issue 17); the counts are whole, and the search index is told in SQL
SHOWN_IDS = 10_000
#: bytes of text kept between batches (the texts of the documents a batch is on; rows
#: come grouped by document from an import, so this is a few texts in practice). In
#: bytes: a text with one character beyond the BMP takes 4 bytes a character
TEXT_BUDGET = 24 * 2**20


class AnnotationMerge(ThreeWay):
    """The annotations table of a merge (see the module docstring); the other tables
    are in project_tables.RowMerger, which calls :meth:`annotations` after documents."""

    def __init__(self, project, report, *, base: bool = False) -> None:
        super().__init__(project, report, base=base)
        self._text_cache: dict[tuple[str, str], str] = {}
        self._base_moved: dict[str, bool] = {}
        self.rowids: dict[str, int] = {}  # their rowid of each row of the current batch
        #: ids of the rows of the current batch that passed :meth:`clean_sql`
        self.sound: set[str] = set()
        self._indexed = "search_annotations" in {r[0] for r in self.c.execute(
            "SELECT name FROM main.sqlite_master WHERE type = 'table'")}

    # -- the texts their passages are checked against and moved onto -------------------

    def keep_text(self, ours: str, theirs: str | None, moved: bool) -> None:
        """Document ``ours`` (our id) has their passages checked against their text
        (their document ``theirs``; None: a text of no passages, e.g. a paged
        document) and, when ``moved``, moved onto the text we keep."""
        self.texts[ours] = (theirs, moved)

    def text_of(self, schema_name: str, doc_id: str) -> str:
        cache = self._text_cache
        key = (schema_name, doc_id)
        if key in cache:
            cache[key] = cache.pop(key)  # the most recently used last
            return cache[key]
        found = self.c.execute(f"SELECT substr(text, 1, {_CAPS['text'] + 1}) FROM "
                               f"{schema_name}.documents WHERE id = ?", (doc_id,)).fetchone()
        text = found[0] if found and isinstance(found[0], str) else ""
        held = sum(map(sys.getsizeof, cache.values()))
        while cache and held + sys.getsizeof(text) > TEXT_BUDGET:
            held -= sys.getsizeof(cache.pop(next(iter(cache))))
        cache[key] = text
        return text

    def their_text(self, doc: str) -> str:
        """Their text of our document ``doc`` (as they have it), "" if none."""
        theirs = self.texts.get(doc, (None, False))[0]
        return "" if theirs is None else self.text_of("theirs", theirs)

    def final_text(self, doc: str) -> str | None:
        """The text we keep of ``doc`` (written by then), None if not merged."""
        return self.text_of("main", doc) if doc in self.texts else None

    def text_moved(self, doc: str) -> bool:
        return bool(self.texts.get(doc, (None, False))[1])

    # -- which of their rows to read ---------------------------------------------------

    def changed(self, table: str) -> str:
        """SQL over their table ``t``: the rows worth reading (module docstring). One
        lookup by id in our table (and the base's) per row of theirs, in SQLite."""
        if self.base:
            return (f"NOT EXISTS (SELECT 1 FROM main.{table} m JOIN base.{table} b "
                    f"ON b.id = m.id WHERE m.id = t.id AND b.modified_at IS t.modified_at)")
        same = " AND ".join(f"m.{c} IS t.{c}" for c in ("document_id", *_UPDATE[table]))
        return (f"NOT EXISTS (SELECT 1 FROM main.{table} m WHERE m.id = t.id AND "
                f"(m.modified_at > t.modified_at OR ({same})))")

    def batches(self, table: str, where: str):
        """Their rows worth reading, BATCH at a time, with the last rowid read."""
        cols = [c for c in self.cols[table] if c != "data"]
        sel = ", ".join(f"substr({c}, 1, {_CAPS[c] + 1})" if c in _CAPS else c for c in cols)
        sound = self.clean_sql(table)  # checked in SQL, one pass: not again in Python
        after = None
        while True:
            found = self.fetched(
                f"SELECT t.rowid, CASE WHEN {sound} THEN 1 ELSE 0 END, {sel} "
                f"FROM theirs.{table} AS t WHERE "
                f"{'t.rowid > ? AND ' if after is not None else ''}{where} "
                f"ORDER BY t.rowid LIMIT {BATCH}", () if after is None else (after,))
            if not found:
                return
            after = found[-1][0]
            rows = [dict(zip(cols, values[2:], strict=True)) for values in found]
            self.rowids.update((r["id"], values[0]) for r, values in zip(rows, found,
                                                                          strict=True))
            self.sound = {r["id"] for r, values in zip(rows, found, strict=True) if values[1]}
            yield after, rows
            if len(found) < BATCH:
                return

    def fetched(self, sql: str, args: tuple) -> list[tuple]:
        """The rows of a query on their file, text decoded by sqlite3 itself (strict
        UTF-8, as garbled_text decodes it) when all of it is UTF-8, the usual case; a
        batch holding text that is not is read again with the merge's text factory,
        which marks that text (Garbled). A factory called per value was ~0.5 s of
        CPU per 100,000 of their rows (issue 17)."""
        factory = self.c.text_factory
        self.c.text_factory = str
        try:
            return self.c.execute(sql, args).fetchall()
        except sqlite3.OperationalError as exc:
            if "decode" not in str(exc):
                raise
        finally:
            self.c.text_factory = factory
        return self.c.execute(sql, args).fetchall()

    # -- the table ---------------------------------------------------------------------

    def annotations(self, tick: Callable[[float], None]) -> None:
        """By id; their passages moved onto the kept text of their document first.
        ``tick(fraction)``: how far through their table the merge is."""
        self._text_cache.clear()  # our texts as the documents left them
        pages = dict(((d, n), (w, h)) for d, n, w, h in self.c.execute(
            "SELECT document_id, number, width, height FROM main.pages"))
        low, high = self.c.execute(
            "SELECT coalesce(min(rowid), 0), coalesce(max(rowid), 0) "
            "FROM theirs.annotations").fetchone()
        self._copy_tables()
        try:
            for last, rows in self.batches("annotations", self.changed("annotations")):
                self.annotation_batch(rows, pages)
                tick((last - low + 1) / max(high - low + 1, 1))
            self.copy_tags()
        finally:
            for table in ("merge_ids", "merge_map", "merge_copied", "merge_tags"):
                self.c.execute(f"DROP TABLE IF EXISTS temp.{table}")
        tick(1.0)

    def annotation_batch(self, rows: list[dict], pages: dict) -> None:
        try:
            self._batch(rows, pages)
        finally:
            self.rowids.clear()
            self.sound = set()

    def _batch(self, rows: list[dict], pages: dict) -> None:
        mine = self.stamps([r["id"] for r in rows])
        by_doc: dict[str, list[dict]] = {}
        for row in rows:
            if row["id"] in mine and self.spoiled("annotations", row):
                continue
            try:
                row = self.clean_row(row) if row["id"] in self.sound else \
                    self.clean("annotations", row)
                row = self.checked_annotation(row, pages)
            except Reject as exc:
                self.reject("annotations", row, str(exc))
                continue
            by_doc.setdefault(row["document_id"], []).append(row)
        as_they_are: list[str] = []  # new rows to copy by SQL, unchanged but for ids
        fresh: list[dict] = []  # new rows written from Python (moved or with U+FFFD)
        ours_too: list[dict] = []  # rows we have as well
        for doc_id, doc_rows in by_doc.items():
            text_rows = [r for r in doc_rows if r["start_offset"] is not None]
            moved = self.text_moved(doc_id) and text_rows
            if moved:
                for r, m in zip(text_rows, self.moved(text_rows, self.their_text(doc_id),
                                                      self.final_text(doc_id) or ""),
                                strict=True):
                    r.update(m)
            new = [r for r in doc_rows if r["id"] not in mine]
            if not moved:  # text that was not UTF-8 is written repaired, not copied raw
                raw = {r["id"] for r in new if not garbled(r)}
                as_they_are += raw
                new = [r for r in new if r["id"] not in raw]
            ours_too += [r for r in doc_rows if r["id"] in mine]
            fresh += new
        # their tags of the rows written from Python (copy_new copies the rest by SQL)
        tags = self.their_tags([r["id"] for r in (*ours_too, *fresh)])
        if ours_too:
            self.contested(ours_too, mine, tags)
        # new rows: journaled by key in bulk (no trigger per row); none of them can
        # exist here already, their ids being new to us
        ours = self.map["tags"]
        tag_rows = [(r["id"], t) for r in fresh
                    for t in dict.fromkeys(ours[x] for x in tags.get(r["id"], ()) if x in ours)]
        with self.p.bulk_insert() as journal:
            self.insert_many("annotations", fresh)
            self.c.executemany("INSERT INTO main.annotation_tags VALUES (?, ?)", tag_rows)
            self.copy_new(as_they_are, journal)  # their tags too, mapped by SQL
            # many keys are written into the journal now, not held until the commit
            for table, keys in (("annotations", [[r["id"]] for r in fresh]),
                                ("annotation_tags", [list(k) for k in tag_rows])):
                journal(table, json.dumps(keys) if len(keys) > BULK else keys)

    def stamps(self, ids: list[str]) -> dict[str, str]:
        """Our modified_at of those of ``ids`` we have."""
        out: dict[str, str] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            out.update(self.c.execute(
                "SELECT id, modified_at FROM main.annotations WHERE id IN "
                f"({','.join('?' * len(chunk))})", chunk))
        return out

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
            if doc_id not in self._base_moved:  # compared in SQL: no text decoded
                found = self.c.execute(
                    "SELECT typeof(b.text) = 'text' AND b.text IS NOT m.text FROM "
                    "base.documents b JOIN main.documents m ON m.id = b.id WHERE b.id = ?",
                    (doc_id,)).fetchone()
                self._base_moved[doc_id] = bool(found and found[0]) and doc_id in self.texts
            if self._base_moved[doc_id]:
                was = self.text_of("base", doc_id)
                for r, m in zip(rows, self.moved(rows, was, self.final_text(doc_id) or ""),
                                strict=True):
                    r.update(m)

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

    def _copy_tables(self) -> None:
        """Temporary tables :meth:`copy_new` joins: the ids of a batch, our id maps."""
        c = self.c
        c.execute("CREATE TEMP TABLE merge_ids (rid INTEGER PRIMARY KEY)")  # their rowids
        # every row copied by SQL (their rowids, growing: appended), whose tags
        # copy_tags brings in afterwards, in our key order, a stretch at a time
        c.execute("CREATE TEMP TABLE merge_copied (rid INTEGER PRIMARY KEY)")
        c.execute("CREATE TEMP TABLE merge_tags (seq INTEGER PRIMARY KEY, annotation_id, "
                  "tag_id, ours TEXT)")
        c.execute("CREATE TEMP TABLE merge_map (kind TEXT, theirs TEXT, ours TEXT, "
                  "PRIMARY KEY (kind, theirs)) WITHOUT ROWID")
        c.executemany("INSERT INTO temp.merge_map VALUES (?, ?, ?)", [
            (k, t, o) for k in ("documents", "authors", "entities", "tags")
            for t, o in self.map[k].items()])

    def copy_new(self, ids: list[str], journal: Callable) -> None:
        """New rows of theirs, checked and unchanged, copied across the attachment by
        SQL, their ids and our id maps in temporary tables: binding 22 values a row
        from Python was most of a merge's time. Inside the caller's
        ``project.bulk_insert()``, whose ``journal`` takes their keys."""
        if not ids:
            return
        c, cols = self.c, self.cols["annotations"]
        c.executemany("INSERT INTO temp.merge_ids VALUES (?)",
                      [(self.rowids[i],) for i in ids])  # by rowid: one lookup, not two
        pick = {"document_id": "d.ours", "author_id": "u.ours", "entity_id": "e.ours"}
        c.execute(
            f"INSERT INTO main.annotations ({', '.join(cols)}) SELECT "
            f"{', '.join(pick.get(col, 'a.' + col) for col in cols)} FROM temp.merge_ids i "
            "CROSS JOIN theirs.annotations a ON a.rowid = i.rid "
            "JOIN temp.merge_map d ON d.kind = 'documents' AND d.theirs = a.document_id "
            "JOIN temp.merge_map u ON u.kind = 'authors' AND u.theirs = a.author_id "
            "LEFT JOIN temp.merge_map e ON e.kind = 'entities' AND e.theirs = a.entity_id")
        c.execute("INSERT INTO temp.merge_copied SELECT rid FROM temp.merge_ids")
        # their keys, as JSON built by SQLite and written into the journal at once
        journal("annotations", KeysInSQL(
            "SELECT json_group_array(json_array(a.id)) FROM temp.merge_ids i "
            "CROSS JOIN theirs.annotations a ON a.rowid = i.rid"))
        if self._indexed:  # a row of the word index left by an undone merge is redone
            c.execute("UPDATE main.search_annotations SET modified_at = '' WHERE "
                      "annotation_id IN (SELECT a.id FROM temp.merge_ids i CROSS JOIN "
                      "theirs.annotations a ON a.rowid = i.rid)")
        c.execute("DELETE FROM temp.merge_ids")
        self.r.added["annotations"] = self.r.added.get("annotations", 0) + len(ids)
        shown = self.r.changes.annotations  # views redraw all above a few hundred ids
        shown.update(ids[:max(0, SHOWN_IDS - len(shown))])

    def copy_tags(self) -> None:
        """Their tags of the rows :meth:`copy_new` copied, read in the order of their
        key and written in the order of ours, some TAG_STRETCH at a time and never
        an annotation's tags in two stretches (each row's keys are journaled once):
        copied per batch, each row's tags were a lookup in their index and in ours at
        a random place, which at a million rows missed the page cache nearly every
        time; the raw block copies the table in key order."""
        c, after = self.c, None
        pick = ("INSERT INTO temp.merge_tags (annotation_id, tag_id, ours) "
                "SELECT t.annotation_id, t.tag_id, m.ours FROM theirs.annotation_tags t "
                "CROSS JOIN theirs.annotations a ON a.id = t.annotation_id "
                "CROSS JOIN temp.merge_copied k ON k.rid = a.rowid "
                "CROSS JOIN temp.merge_map m ON m.kind = 'tags' AND m.theirs = t.tag_id ")
        with self.p.bulk_insert() as journal:
            while True:
                c.execute("DELETE FROM temp.merge_tags")
                n = c.execute(pick + ("WHERE (t.annotation_id, t.tag_id) > (?, ?) "
                                      if after else "") +
                              f"ORDER BY t.annotation_id, t.tag_id LIMIT {TAG_STRETCH}",
                              after or ()).rowcount
                if n <= 0:
                    return
                if n == TAG_STRETCH:  # the last annotation's tags whole, next time
                    last = c.execute("SELECT annotation_id FROM temp.merge_tags "
                                     "ORDER BY seq DESC LIMIT 1").fetchone()[0]
                    c.execute("DELETE FROM temp.merge_tags WHERE annotation_id = ?", (last,))
                    if c.execute("SELECT 1 FROM temp.merge_tags LIMIT 1").fetchone() is None:
                        c.execute(pick + "WHERE t.annotation_id = ? "  # one with them all
                                  "ORDER BY t.annotation_id, t.tag_id", (last,))
                c.execute("INSERT OR IGNORE INTO main.annotation_tags SELECT annotation_id, "
                          "ours FROM temp.merge_tags ORDER BY seq")
                journal("annotation_tags", KeysInSQL(
                    "SELECT json_group_array(json_array(t.annotation_id, t.tag_id)) FROM "
                    "main.annotation_tags t WHERE t.annotation_id IN "
                    "(SELECT annotation_id FROM temp.merge_tags)"))
                if n < TAG_STRETCH:
                    return
                after = c.execute("SELECT annotation_id, tag_id FROM temp.merge_tags "
                                  "ORDER BY seq DESC LIMIT 1").fetchone()

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
            text = self.their_text(doc)
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
