"""Search over long texts (issue 17): a text is indexed in passages of a few KB, so
the commonest word's first lines cost what a letter's do; offsets and context run
across passage edges; the index a writable session leaves is searched read-only
without a rebuild; an index in the old one-row layout is re-indexed."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core import search, search_index
from annotator.core.importers.base import ImportedSource
from annotator.core.model import DocumentKind
from annotator.core.project import Project

WORDS = ("the", "treaty", "of", "Rapallo", "Genoa", "Chicherin", "Rathenau", "conference")


def long_text(n_words: int) -> str:
    return " ".join(WORDS[(i * 7 + i // 3) % len(WORDS)] for i in range(n_words)) + "."


def add_text(project, title, text):
    src = ImportedSource(title, DocumentKind.TEXT, "text/plain", f"{title}.txt",
                         text.encode("utf-8"), text=text)
    return project.documents.add_source(src)


def norm(s: str) -> str:
    return " ".join(s.split())


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab \n𐌰é"), max_size=400),
       st.integers(min_value=1, max_value=50))
def test_passages_cover_the_text_and_cut_after_a_space(text, size):
    parts = list(search_index.passages(text, size))
    assert "".join(p for _s, p in parts) == text
    for i, (start, body) in enumerate(parts):
        assert text[start:start + len(body)] == body
        if i + 1 < len(parts) and not body[-1].isspace():  # a word cut in two only
            assert len(body) == size  # where no space follows for 256 code points
            assert not any(c.isspace() for c in text[start + size:start + size + 256])


def test_hits_in_a_long_text_have_offsets_order_and_context(project):
    text = long_text(30_000)  # ~230 KB: some 55 passages
    doc = add_text(project, "protocol", text)
    hits = search.search(project, "rapallo", limit=400)
    rows = project.conn.execute("SELECT count(*), min(page) FROM search_rows").fetchone()
    assert rows[0] > 40 and rows[1] < -150_000  # passages, each with its offset
    assert len(hits) == 400 and {h.document_id for h in hits} == {doc.id}
    starts = [h.start for h in hits]
    assert starts == sorted(starts) and hits[-1].start > 4 * search_index.PASSAGE
    for h in hits:
        assert text[h.start:h.end] == h.hit == "Rapallo"
        # context is the text's own, also where a hit sits at a passage's edge
        assert norm(text[:h.start]).endswith(norm(h.left))
        assert norm(text[h.end:]).startswith(norm(h.right))
        assert len(h.left) > 40 and len(h.right) > 40
    assert search.count_documents(project, "rapallo") == 1


def test_a_word_at_a_passage_edge_has_its_context(project):
    filler = "word " * (search_index.PASSAGE // 5)
    text = filler + "Vicksburg fell in July."
    add_text(project, "edge", text)
    (hit,) = search.search(project, "vicksburg")
    assert text[hit.start:hit.end] == "Vicksburg" and hit.start == len(filler)
    assert hit.left.strip().startswith("word") and len(hit.left) > 40
    assert hit.right == " fell in July."


def test_read_only_search_uses_the_index_a_writable_session_left(tmp_path):
    path = tmp_path / "p.annot"
    with Project.create(path) as p:
        add_text(p, "a", long_text(2000))
    with Project.open(path, read_only=True) as ro:
        assert search.search(ro, "genoa")
        temp = ro.conn.execute("SELECT name FROM temp.sqlite_master").fetchall()
        assert temp == []  # no temporary index was built


def test_an_index_in_the_old_layout_is_rebuilt(project):
    text = long_text(3000)
    doc = add_text(project, "old", text)
    search.refresh(project)
    with project.transaction():  # the one-row-per-document layout of before
        conn = project.conn
        conn.execute("DELETE FROM search_text")
        conn.execute("DELETE FROM search_rows")
        conn.execute("INSERT INTO search_rows (id, document_id, page) VALUES (1, ?, 0)",
                     (doc.id,))
        conn.execute("INSERT INTO search_text (rowid, body) VALUES (1, ?)", (text,))
        conn.execute("UPDATE search_documents SET modified_at = (SELECT modified_at FROM "
                      "documents WHERE id = ?)", (doc.id,))
    search_index._state(project).stamps.clear()
    hits = search.search(project, "chicherin", limit=1000)
    assert all(text[h.start:h.end] == "Chicherin" for h in hits)
    assert len(hits) == text.count("Chicherin")
    assert project.conn.execute("SELECT count(*) FROM search_rows").fetchone()[0] > 3


def test_a_word_in_more_passages_than_are_ranked_streams_in_index_order(project, monkeypatch):
    texts = [long_text(3000 + 500 * i) for i in range(3)]
    docs = [add_text(project, f"t{i}", t) for i, t in enumerate(texts)]
    ranked = search.search(project, "genoa", limit=5000)
    monkeypatch.setattr(search, "RANKED_UP_TO", 3)
    hits = search.search(project, "genoa", limit=5000)
    assert sorted((h.document_id, h.start) for h in hits) == \
        sorted((h.document_id, h.start) for h in ranked)  # the same hits, another order
    by_doc = [h.document_id for h in hits]
    assert by_doc == sorted(by_doc, key=by_doc.index)  # grouped
    for h in hits:
        text = texts[[d.id for d in docs].index(h.document_id)]
        assert text[h.start:h.end] == "Genoa"
    one_each = search.search(project, "genoa", per_document=1)
    assert sorted(h.document_id for h in one_each) == sorted(d.id for d in docs)


def test_settling_on_close_is_no_undo_step_and_skips_unchanged_annotations(tmp_path,
                                                                          monkeypatch):
    path = tmp_path / "p.annot"
    with Project.create(path, author="A") as p:
        doc = add_text(p, "a", long_text(500))
        p.annotations.add(doc.id, start=0, end=3, note="A was here")
    with Project.open(path, author="B") as p:  # B's first actions in the file
        p.tags.update(p.tags.list()[0].id, name="Renamed")
        steps = len(p.history())
    with Project.open(path, read_only=True) as ro:
        assert len(ro.history()) == steps  # indexing on close is no action of B's
        assert search.search_annotations(ro, "here")
        assert ro.conn.execute("SELECT name FROM temp.sqlite_master").fetchall() == []
    parts = []
    real = search_index.refresh
    monkeypatch.setattr(search_index, "refresh",
                        lambda project, p=("documents", "annotations"): parts.append(p)
                        or real(project, p))
    with Project.open(path, author="B") as p:
        p.conn.execute("PRAGMA user_version")  # nothing written but what opening writes
        p.conn.execute("UPDATE project SET value = value WHERE 0")
    assert ("documents", "annotations") not in parts  # no scan of every annotation
