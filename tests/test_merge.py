"""Merging a colleague's copy: matching, last-writer-wins, tombstones, undo, hostile
files, and the properties (hypothesis): idempotent, order-independent in content,
never losing an annotation that either side has and did not delete."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core.merge import MergeError, copy_for_colleague, merge, unmerge
from annotator.core.model import TagKind
from annotator.core.project import Project
from tests.test_export_common import make_pdf

TEXT = ("The debt of the former Russian Empire to France was the core of the letter.\n\n"
        "Herriot recognised the Union in 1924; Briand signed the pact in 1928.")


def content(p: Project) -> set:
    """Live annotations as a scholar sees them (ids of matched tags and entities may
    differ between merge orders; names may not)."""
    docs = {d.id: d.sha256 for d in p.documents.list(include_deleted=True)}
    tags = {t.id: t.name for t in p.tags.list()}
    ents = {e.id: (e.name, tuple(sorted(e.aliases)), tuple(sorted(e.identifiers.items())))
            for e in p.entities.list()}
    authors = {r[0]: r[1] for r in p.conn.execute("SELECT id, name FROM authors")}
    return {(a.id, docs[a.document_id], a.text, a.region, a.note, a.date_value,
             tuple(sorted(tags[t] for t in a.tag_ids if t in tags)), ents.get(a.entity_id),
             authors[a.author_id], str(a.anchor_state)) for a in p.annotations.list()}


def everything(p: Project) -> dict:
    """Every row of every merged table, for exact before/after comparisons."""
    return {t: sorted(p.conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr)
            for t in ("authors", "tags", "entities", "documents", "document_links", "pages",
                      "annotations", "annotation_tags", "links")}


def base_project(path: Path) -> Path:
    p = Project.create(path, "Base", author="Alice")
    doc = p.documents.import_bytes(TEXT.encode(), "letter.txt").value.document
    p.documents.import_bytes(make_pdf(1), "scan.pdf")
    theme = p.tags.ensure("Debt")
    person = p.tags.find("Person")
    herriot = p.entities.create("Édouard Herriot", person.id,
                                identifiers={"wikidata": "Q193384"}).value
    for quote, tags, entity in (("debt", [theme.id], None), ("Herriot", [person.id], herriot.id),
                                ("1924", [], None), ("Briand", [person.id], None)):
        s, e = p.annotations.locate(doc.id, quote)
        p.annotations.add(doc.id, start=s, end=e, tag_ids=tags, entity_id=entity)
    p.close()
    return path


def copy(src: Path, dest: Path) -> Path:
    shutil.copy(src, dest)
    return dest


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return base_project(tmp_path_factory.mktemp("base") / "base.annot")


def text_doc(p: Project):
    return next(d for d in p.documents.list() if d.filename == "letter.txt")


def test_independent_projects_match_by_sha_name_and_identifier(tmp_path):
    a = Project.create(tmp_path / "a.annot", author="Alice")
    b = Project.create(tmp_path / "b.annot", author="Bob")
    for p, theme, ident in ((a, "Imperial debt", {"wikidata": "Q193384"}),
                            (b, "imperial DEBT", {"wikidata": "Q193384", "viaf": "1"})):
        doc = p.documents.import_bytes(TEXT.encode(), "letter.txt").value.document
        tag = p.tags.create(theme).value
        ent = p.entities.create("Herriot" if p is a else "Edouard Herriot",
                                p.tags.find("Person").id, identifiers=ident).value
        s, e = p.annotations.locate(doc.id, "Herriot")
        p.annotations.add(doc.id, start=s, end=e, tag_ids=[tag.id], entity_id=ent.id)
    b.close()
    report = merge(a, tmp_path / "b.annot").value
    assert report.matched == {"documents": 1, "tags": 6, "entities": 1}  # 5 types + theme
    assert report.added == {"authors": 1, "annotations": 1} and report.unmatched == []
    assert len(a.documents.list()) == 1 and len(a.tags.list(TagKind.THEME)) == 1
    [herriot] = a.entities.list()
    assert herriot.identifiers == {"wikidata": "Q193384", "viaf": "1"}
    assert {herriot.name, *herriot.aliases} == {"Herriot", "Edouard Herriot"}
    authors = {a.authors.get(x.author_id).name for x in a.annotations.list()}
    assert authors == {"Alice", "Bob"}  # authors kept
    assert Path(report.backup).exists()
    assert a.check().ok
    a.close()


def test_later_edit_wins_and_tombstones_delete(tmp_path, base):
    a = Project.open(copy(base, tmp_path / "a.annot"), author="Alice")
    b = Project.open(copy(base, tmp_path / "b.annot"), author="Bob")
    first, second, third, _ = b.annotations.list()
    b.annotations.delete(first.id)
    a.annotations.update(second.id, note="Alice, earlier")
    b.annotations.update(second.id, note="Bob, later")
    b.annotations.delete(third.id)
    a.annotations.update(third.id, note="Alice edited after Bob deleted")
    b.close()
    merge(a, tmp_path / "b.annot")
    notes = {x.id: x.note for x in a.annotations.list()}
    assert first.id not in notes
    assert notes[second.id] == "Bob, later"
    assert notes[third.id] == "Alice edited after Bob deleted"
    a.close()


def test_undo_restores_every_row(tmp_path, base):
    a = Project.open(copy(base, tmp_path / "a.annot"), author="Alice")
    b = Project.open(copy(base, tmp_path / "b.annot"), author="Bob")
    doc = text_doc(b)
    b.documents.set_text(doc.id, "PREFACE.\n\n" + TEXT.replace("core", "heart"))
    b.tags.ensure("Recognition/De jure")
    b.documents.import_bytes(b"A second source, only Bob has it.", "bob.txt")
    s, e = b.annotations.locate(doc.id, "pact")
    b.annotations.add(doc.id, start=s, end=e, tag_ids=[b.tags.find("Recognition/De jure").id])
    b.annotations.delete(b.annotations.list()[0].id)
    b.close()
    before = everything(a)
    report = merge(a, tmp_path / "b.annot").value
    assert report.reanchored == 0 or report.updated.get("annotations")
    assert everything(a) != before
    assert a.documents.text(text_doc(a).id).startswith("PREFACE")
    unmerge(a, report)
    assert everything(a) == before
    assert a.check().ok
    a.close()


def test_the_kept_text_wins_and_passages_follow_it(tmp_path, base):
    a = Project.open(copy(base, tmp_path / "a.annot"), author="Alice")
    b = Project.open(copy(base, tmp_path / "b.annot"), author="Bob")
    doc = text_doc(a)
    s, e = a.annotations.locate(doc.id, "Empire")
    mine = a.annotations.add(doc.id, start=s, end=e, note="Alice's").value
    b.documents.set_text(doc.id, "A corrected opening.\n\n" + TEXT)  # Bob's text is later
    b.close()
    merge(a, tmp_path / "b.annot")
    text = a.documents.text(doc.id)
    assert text.startswith("A corrected opening.")
    moved = a.annotations.get(mine.id)
    assert text[moved.text.start:moved.text.end] == "Empire"
    assert a.check().ok
    a.close()


def _tamper(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    for sql in statements:
        conn.execute(sql)
    conn.commit()
    conn.close()


def test_hostile_rows_are_reported_not_merged(tmp_path, base):
    a = Project.open(copy(base, tmp_path / "a.annot"), author="Alice")
    b = Project.open(copy(base, tmp_path / "b.annot"), author="Bob")
    doc = text_doc(b)
    ids = []
    for quote in ("former", "Russian", "France", "letter", "recognised", "Union", "pact"):
        s, e = b.annotations.locate(doc.id, quote)
        ids.append(b.annotations.add(doc.id, start=s, end=e, note=quote).value.id)
    b.documents.import_bytes(b"tampered bytes", "evil.txt")
    b.close()
    _tamper(tmp_path / "b.annot",
            f"UPDATE annotations SET quads = '{{bad json' , page = 1, x = 1, y = 1, w = 1, "
            f"h = 1, start_offset = NULL, end_offset = NULL WHERE id = '{ids[0]}'",
            f"UPDATE annotations SET start_offset = 5, end_offset = 99999999 WHERE id = '{ids[1]}'",
            f"UPDATE annotations SET note = zeroblob(10) WHERE id = '{ids[2]}'",
            f"UPDATE annotations SET modified_at = '2999-01-01T00:00:00.000000Z' "
            f"WHERE id = '{ids[3]}'",
            f"UPDATE annotations SET note = 'x' || printf('%.2000000c', 'y') WHERE id = '{ids[4]}'",
            "UPDATE document_data SET data = X'00' WHERE document_id = "
            "(SELECT id FROM documents WHERE filename = 'evil.txt')",
            f"UPDATE annotations SET note = CAST(X'FF41' AS TEXT) WHERE id = '{ids[6]}'",
            "CREATE TRIGGER boom AFTER UPDATE ON annotations BEGIN "
            "DELETE FROM authors; END",
            "CREATE VIEW extra AS SELECT 1")
    report = merge(a, tmp_path / "b.annot").value
    notes = {x.note for x in a.annotations.list()}
    assert "Union" in notes  # the sound rows came in, the invalid UTF-8 as U+FFFD
    assert "\ufffdA" in notes
    assert not {"former", "Russian", "France", "letter"} & notes
    assert len(report.unmatched) == 6, report.unmatched
    assert not any(d.filename == "evil.txt" for d in a.documents.list())
    assert a.check().ok
    a.close()


@pytest.mark.parametrize("tamper,message", [
    (("DROP TABLE links", "CREATE VIEW links AS SELECT * FROM annotations"), "links"),
    (("ALTER TABLE tags DROP COLUMN color",), "columns"),
    (("PRAGMA application_id = 42",), "not an annotator project"),
    (("PRAGMA user_version = 99",), "newer version"),
])
def test_foreign_or_damaged_files_change_nothing(tmp_path, base, tamper, message):
    a = Project.open(copy(base, tmp_path / "a.annot"), author="Alice")
    other = copy(base, tmp_path / "b.annot")
    _tamper(other, *tamper)
    before = everything(a)
    with pytest.raises(MergeError, match=message):
        merge(a, other)
    assert everything(a) == before
    a.close()


def test_cancel_and_self_merge_change_nothing(tmp_path, base):
    a = Project.open(copy(base, tmp_path / "a.annot"), author="Alice")
    b = Project.open(copy(base, tmp_path / "b.annot"), author="Bob")
    doc = text_doc(b)
    s, e = b.annotations.locate(doc.id, "pact")
    b.annotations.add(doc.id, start=s, end=e)
    b.close()
    before = everything(a)
    with pytest.raises(MergeError, match="cancelled"):
        merge(a, tmp_path / "b.annot", progress=lambda done, total: False)
    with pytest.raises(MergeError, match="itself"):
        merge(a, tmp_path / "a.annot")
    assert everything(a) == before
    a.close()


def test_copy_for_colleague_is_compact_and_complete(tmp_path, base):
    a = Project.open(copy(base, tmp_path / "a.annot"), author="Alice")
    target = copy_for_colleague(a, tmp_path / "for-bob.annot").value
    assert not Path(str(target) + "-wal").exists()
    with Project.open(target) as c:
        assert content(c) == content(a) and c.check().ok
    a.close()


# -- properties -----------------------------------------------------------------------

QUOTES = ("debt", "Russian Empire", "France", "letter", "Herriot", "Union", "1924", "pact")
THEMES = ("Recognition", "recognition", "Debt", "Pacts")
op = st.one_of(
    st.tuples(st.just("add"), st.sampled_from(QUOTES), st.sampled_from(THEMES)),
    st.tuples(st.just("note"), st.integers(0, 20), st.text("ab<&", max_size=3)),
    st.tuples(st.just("delete"), st.integers(0, 20)),
    st.tuples(st.just("tag"), st.integers(0, 20), st.sampled_from(THEMES)),
    st.tuples(st.just("entity"), st.integers(0, 20), st.sampled_from(("Briand", "briand"))),
    st.tuples(st.just("text"), st.sampled_from(("Foreword.\n\n", "", "Note: "))),
)


def apply(p: Project, ops: list) -> None:
    doc = text_doc(p)
    person = p.tags.find("Person")
    for kind, arg, *rest in ops:
        anns = p.annotations.list()
        if kind == "add":
            s, e = p.annotations.locate(doc.id, arg)
            p.annotations.add(doc.id, start=s, end=e, tag_ids=[p.tags.ensure(rest[0]).id])
        elif kind == "text":
            p.documents.set_text(doc.id, arg + p.documents.text(doc.id))
        elif anns:
            target = anns[arg % len(anns)]
            if kind == "note":
                p.annotations.update(target.id, note=rest[0])
            elif kind == "delete":
                p.annotations.delete(target.id)
            elif kind == "tag":
                p.annotations.update(target.id, tag_ids=[*target.tag_ids,
                                                         p.tags.ensure(rest[0]).id])
            else:
                entity = p.entities.find(rest[0]) or p.entities.create(rest[0], person.id).value
                p.annotations.update(target.id, entity_id=entity.id)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops_a=st.lists(op, max_size=5), ops_b=st.lists(op, max_size=5))
def test_merge_properties(base, ops_a, ops_b):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name, who, ops in (("a", "Alice", ops_a), ("b", "Bob", ops_b)):
            with Project.open(copy(base, tmp / f"{name}.annot"), author=who) as p:
                apply(p, ops)
        with Project.open(tmp / "a.annot") as a, Project.open(tmp / "b.annot") as b:
            live_a, live_b = content(a), content(b)
            dead = {r[0] for p in (a, b) for r in p.conn.execute(
                "SELECT id FROM annotations WHERE deleted = 1")}
        ab, ba = copy(tmp / "a.annot", tmp / "ab.annot"), copy(tmp / "b.annot", tmp / "ba.annot")
        with Project.open(ab) as p:
            merge(p, tmp / "b.annot", backup=False)
            merged_ab = content(p)
            merge(p, tmp / "b.annot", backup=False)  # A+B+B = A+B
            assert content(p) == merged_ab
            assert p.check().ok
        with Project.open(ba) as p:
            merge(p, tmp / "a.annot", backup=False)
            assert content(p) == merged_ab  # A+B = B+A, in content
        kept = {row[0] for row in merged_ab}
        for row in live_a | live_b:  # never lost unless someone deleted it
            assert row[0] in kept or row[0] in dead
