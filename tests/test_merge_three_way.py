"""Three-way merge (issue 13): the common ancestor found from copy-for-colleague or
given, one-sided changes taken, both-sided ones kept as conflicts, deletion against
edit, tags as sets, settling conflicts (and undoing that), unmerge, mechanical
re-anchoring that is not an edit, and the properties (hypothesis): deterministic and
symmetric, no version lost, merging the result again changes nothing."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator import cli
from annotator.core import conflicts
from annotator.core.errors import AnnotatorError
from annotator.core.merge import MergeError, copy_for_colleague, merge
from annotator.core.project import Project

TEXT = ("The debt of the former Russian Empire to France was the core of the letter.\n\n"
        "Herriot recognised the Union in 1924; Briand signed the pact in 1928.")
QUOTES = ("debt", "Herriot", "1924", "Briand")


def start(tmp_path: Path) -> tuple[Project, list[str], Path]:
    """Alice's project with four passages; the copy she sent Bob (base recorded)."""
    p = Project.create(tmp_path / "alice.annot", author="Alice")
    doc = p.documents.import_bytes(TEXT.encode(), "letter.txt").value.document
    theme, other = p.tags.ensure("Debt"), p.tags.ensure("Diplomacy")
    ids = []
    for quote in QUOTES:
        s, e = p.annotations.locate(doc.id, quote)
        ids.append(p.annotations.add(doc.id, start=s, end=e, tag_ids=[theme.id],
                                     note=f"on {quote}").value.id)
    assert other
    bob = tmp_path / "bob.annot"
    copy_for_colleague(p, bob)
    return p, ids, bob


def bob_edits(bob: Path, edit) -> None:
    with Project.open(bob, author="Bob") as b:
        edit(b)


def test_alice_and_bob(tmp_path):
    """The story of the issue: her note overwritten by his later edit is kept as a
    conflict; her deletion against his edit is a conflict, not a silent resurrection."""
    p, ids, bob = start(tmp_path)
    p.annotations.update(ids[0], note="Alice: the debt question")
    p.annotations.delete(ids[1])
    p.annotations.update(ids[2], color="#00ff00")  # only hers

    def edit(b):
        b.annotations.update(ids[0], note="Bob: reparations")
        b.annotations.update(ids[1], note="Bob: Herriot's recognition")
        b.annotations.update(ids[3], date_value="1928")  # only his
    bob_edits(bob, edit)
    report = merge(p, bob).value
    assert report.three_way and "three-way" in report.summary()
    found = {(c["row_id"], c["field"]): c for c in report.conflicts}
    assert set(found) == {(ids[0], "note"), (ids[1], "deleted")}
    note = found[ids[0], "note"]
    assert (note["mine_author"], note["theirs_author"], note["winner"]) == ("Alice", "Bob",
                                                                            "theirs")
    assert "Alice: the debt question" in note["mine"] and "Bob: reparations" in note["theirs"]
    assert p.annotations.get(ids[0]).note == "Bob: reparations"
    herriot = p.annotations.get(ids[1])
    assert not herriot.deleted and herriot.note == "Bob: Herriot's recognition"
    assert p.annotations.get(ids[2]).color == "#00ff00"
    assert p.annotations.get(ids[3]).date_value == "1928"
    # kept in the file, listed with both versions and who made them
    listed = conflicts.list_conflicts(p)
    assert {c.field for c in listed} == {"note", "deleted"}
    p.close()
    out = run_cli(["conflicts", str(tmp_path / "alice.annot")])
    assert "Alice: the debt question" in out and "Bob: reparations" in out
    assert "Alice" in out and "Bob" in out


def run_cli(argv: list[str]) -> str:
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = cli.main(argv)
    assert code == 0, buf.getvalue()
    return buf.getvalue()


def test_one_side_changes_win_even_when_older(tmp_path):
    """Field by field: his older colour and her later note both stay (two-way, her
    later row would have taken his colour away)."""
    p, ids, bob = start(tmp_path)
    bob_edits(bob, lambda b: b.annotations.update(ids[0], color="#123456"))
    p.annotations.update(ids[0], note="later note of Alice")
    report = merge(p, bob).value
    a = p.annotations.get(ids[0])
    assert (a.color, a.note) == ("#123456", "later note of Alice")
    assert report.conflicts == []


def test_deletion_later_than_edit_keeps_the_edit_in_the_row(tmp_path):
    p, ids, bob = start(tmp_path)
    bob_edits(bob, lambda b: b.annotations.update(ids[1], note="his edit"))
    p.annotations.delete(ids[1])
    report = merge(p, bob).value
    [c] = report.conflicts
    assert (c["field"], c["winner"]) == ("deleted", "mine")
    row = p.conn.execute("SELECT deleted, note FROM annotations WHERE id = ?",
                         (ids[1],)).fetchone()
    assert row == (1, "his edit")
    conflicts.resolve(p, c["id"], "theirs")  # he was right: it stays
    assert p.annotations.get(ids[1]).note == "his edit"
    assert not p.annotations.get(ids[1]).deleted


def test_tags_merge_as_sets(tmp_path):
    p, ids, bob = start(tmp_path)
    debt, diplomacy = p.tags.find("Debt"), p.tags.find("Diplomacy")
    p.annotations.update(ids[0], tag_ids=[debt.id, diplomacy.id])  # she adds one
    bob_edits(bob, lambda b: b.annotations.update(ids[0], tag_ids=[]))  # he removes Debt
    report = merge(p, bob).value
    assert p.annotations.get(ids[0]).tag_ids == [diplomacy.id]
    assert report.conflicts == []


def test_resolve_mine_theirs_both_and_undo(tmp_path):
    p, ids, bob = start(tmp_path)
    p.annotations.update(ids[0], note="hers")
    p.annotations.update(ids[2], color="#111111")
    bob_edits(bob, lambda b: (b.annotations.update(ids[0], note="his"),
                              b.annotations.update(ids[2], color="#222222")))
    merge(p, bob)
    by_field = {c.field: c for c in conflicts.list_conflicts(p)}
    note, color = by_field["note"], by_field["color"]
    conflicts.resolve(p, note.id[:8], "both")
    both = p.annotations.get(ids[0]).note
    assert "hers" in both and "his" in both and "Alice" in both and "Bob" in both
    assert [c.field for c in conflicts.list_conflicts(p)] == ["color"]
    p.undo()  # resolving is one step
    assert p.annotations.get(ids[0]).note == "his"
    assert {c.field for c in conflicts.list_conflicts(p)} == {"note", "color"}
    conflicts.resolve(p, note.id, "mine")
    assert p.annotations.get(ids[0]).note == "hers"
    before = len(p.annotations.list())
    conflicts.resolve(p, color.id, "both")  # a colour twice: two annotations
    colors = sorted(a.color for a in p.annotations.list() if a.text.exact == "1924")
    assert len(p.annotations.list()) == before + 1 and colors == ["#111111", "#222222"]
    with pytest.raises(AnnotatorError):
        conflicts.resolve(p, color.id, "neither")


def test_merging_again_changes_nothing_and_unmerge(tmp_path):
    p, ids, bob = start(tmp_path)
    p.annotations.update(ids[0], note="hers")
    bob_edits(bob, lambda b: b.annotations.update(ids[0], note="his"))
    assert len(merge(p, bob).value.conflicts) == 1
    again = merge(p, bob).value
    assert again.conflicts == [] and again.changeset is None
    p.close()
    path = str(tmp_path / "alice.annot")
    out = run_cli(["unmerge", path])
    assert "took back" in out
    with Project.open(path, author="Alice") as q:
        assert q.annotations.get(ids[0]).note == "hers"
        assert conflicts.list_conflicts(q) == []
    assert cli.main(["unmerge", path]) == 2  # nothing left to take back


def test_without_base_two_way_and_said(tmp_path):
    p, ids, bob = start(tmp_path)
    stranger = tmp_path / "stranger.annot"
    shutil.copy(bob, stranger)
    conn = sqlite3.connect(stranger)
    conn.execute("UPDATE project SET value = '../../../etc/passwd' WHERE key = 'sent_snapshot'")
    conn.commit()
    conn.close()
    p.annotations.update(ids[0], note="hers")
    bob_edits(stranger, lambda b: b.annotations.update(ids[0], note="his"))
    report = merge(p, stranger).value
    assert not report.three_way and "two-way" in report.summary()
    assert report.conflicts == [] and p.annotations.get(ids[0]).note == "his"


def test_explicit_base_and_a_hostile_one(tmp_path):
    p, ids, bob = start(tmp_path)
    base = tmp_path / "base.annot"
    shutil.copy(bob, base)
    sent = next((tmp_path / "alice.annot.backups" / "sent").iterdir())
    sent.unlink()  # the recorded snapshot is gone: only --base can make it three-way
    p.annotations.update(ids[0], note="hers")
    bob_edits(bob, lambda b: b.annotations.update(ids[0], note="his"))
    bad = tmp_path / "bad.annot"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    before = p.conn.execute("SELECT note FROM annotations ORDER BY id").fetchall()
    with pytest.raises(MergeError):
        merge(p, bob, base=bad)
    assert p.conn.execute("SELECT note FROM annotations ORDER BY id").fetchall() == before
    report = merge(p, bob, base=base).value
    assert report.three_way and len(report.conflicts) == 1


def test_transcription_fix_is_not_an_edit(tmp_path):
    """Re-anchoring keeps modified_at, so his earlier note edit is not beaten by her
    later transcription fix (before: every annotation of the letter looked newer)."""
    p, ids, bob = start(tmp_path)
    doc = p.documents.list()[0]
    stamps = dict(p.conn.execute("SELECT id, modified_at FROM annotations"))
    bob_edits(bob, lambda b: b.annotations.update(ids[3], note="his note on Briand"))
    p.documents.set_text(doc.id, TEXT.replace("former", "late"))
    assert dict(p.conn.execute("SELECT id, modified_at FROM annotations")) == stamps
    assert p.annotations.get(ids[0]).text.start == TEXT.index("debt")  # still moved
    sent = next((tmp_path / "alice.annot.backups" / "sent").iterdir())
    sent.unlink()  # two-way: only modified_at decides
    merge(p, bob)
    a = p.annotations.get(ids[3])
    assert a.note == "his note on Briand" and a.text.exact == "Briand"


# -- properties ------------------------------------------------------------------------

_OPS = st.one_of(
    st.tuples(st.just("note"), st.integers(0, 1), st.sampled_from(["x", "y", "z"])),
    st.tuples(st.just("tag"), st.integers(0, 3), st.sampled_from(["Debt", "Diplomacy"])),
    st.tuples(st.just("untag"), st.integers(0, 3), st.sampled_from(["Debt", "Diplomacy"])),
    st.tuples(st.just("delete"), st.integers(0, 1), st.just("")),
    st.tuples(st.just("create"), st.integers(0, 3), st.sampled_from(["n1", "n2"])))
_SCRIPT = st.lists(st.tuples(st.sampled_from(["a", "b"]), _OPS), max_size=7)


def _apply(p: Project, ids: list[str], op: tuple) -> None:
    kind, i, value = op
    try:
        if kind == "note":
            p.annotations.update(ids[i], note=value)
        elif kind in ("tag", "untag"):
            tag = p.tags.find(value).id
            now = p.annotations.get(ids[i]).tag_ids
            p.annotations.update(ids[i], tag_ids=[*now, tag] if kind == "tag" else
                                 [t for t in now if t != tag])
        elif kind == "delete":
            p.annotations.delete(ids[i])
        else:
            doc = p.documents.list()[0]
            s, e = p.annotations.locate(doc.id, QUOTES[i])
            p.annotations.add(doc.id, start=s, end=e, note=value)
    except AnnotatorError:
        pass  # an edit of a deleted annotation: the workbench would not offer it


def _state(path: Path) -> dict:
    conn = sqlite3.connect(path)
    try:
        tags = dict(conn.execute("SELECT id, name FROM tags"))
        out = {}
        for i, note, deleted, color in conn.execute(
                "SELECT id, note, deleted, color FROM annotations"):
            names = sorted(tags[t] for (t,) in conn.execute(
                "SELECT tag_id FROM annotation_tags WHERE annotation_id = ?", (i,)))
            out[i] = (note, deleted, color, tuple(names))
        kept = {(r, f, frozenset((m, t))) for r, f, m, t in conn.execute(
            "SELECT row_id, field, mine, theirs FROM conflicts")}
        return {"rows": out, "conflicts": kept}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def origin(tmp_path_factory):
    folder = tmp_path_factory.mktemp("origin")
    p, ids, bob = start(folder)
    p.close()
    return folder / "alice.annot", ids, bob


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(script=_SCRIPT)
def test_properties(origin, tmp_path_factory, script):
    base, ids, _ = origin
    d = tmp_path_factory.mktemp("prop")
    paths = {s: shutil.copy(base, d / f"{s}.annot") for s in "ab"}
    opened = {s: Project.open(paths[s], author={"a": "Alice", "b": "Bob"}[s]) for s in "ab"}
    for side, op in script:
        _apply(opened[side], ids, op)
    for p in opened.values():
        p.close()
    m1, m2 = shutil.copy(paths["a"], d / "m1.annot"), shutil.copy(paths["b"], d / "m2.annot")
    for mine, theirs in ((m1, paths["b"]), (m2, paths["a"])):
        with Project.open(mine, author="Merger") as p:
            merge(p, theirs, base=base, backup=False)
    s1, s2, o = _state(m1), _state(m2), _state(base)
    # deterministic and symmetric: the same rows and the same conflicts either way
    assert s1 == s2
    # no version lost: a field a side changed is in the result or in a kept conflict
    kept = {(r, f): set().union(*(v for rr, ff, v in s1["conflicts"] if (rr, ff) == (r, f)))
            for r, f, _ in s1["conflicts"]}
    for side in "ab":
        for row_id, (note, deleted, _color, _tags) in _state(paths[side])["rows"].items():
            was = o["rows"].get(row_id)
            merged = s1["rows"][row_id]
            if was is None:
                continue  # a new row: present (checked by s1 holding row_id)
            if note != was[0] and note != merged[0]:
                assert any(f'"note":"{note}"' in v for v in kept.get((row_id, "note"), ()))
            if deleted != was[1] and deleted != merged[1]:
                assert (row_id, "deleted") in kept
    # merging the result with either side again changes nothing
    for side in "ab":
        with Project.open(m1, author="Merger") as p:
            merge(p, paths[side], base=base, backup=False)
        assert _state(m1) == s1


def test_a_crafted_conflict_is_refused_not_written(tmp_path):
    """A conflict row comes with a colleague's file: its versions are checked before
    they are written (wrong column, wrong type, a passage that is not the text, an
    author we do not have), and refused with a message."""
    p, ids, _ = start(tmp_path)
    before = p.conn.execute("SELECT * FROM annotations ORDER BY id").fetchall()
    stamp = "2024-01-01T00:00:00.000000Z"
    for n, (fld, theirs) in enumerate((
            ("note", '{"deleted":1}'), ("note", '{"note":7}'),
            ("passage", '{"start_offset":0,"end_offset":4,"exact":"EVIL","prefix":"",'
                        '"suffix":"","anchor_state":"ok"}'),
            ("author_id", '{"author_id":"nobody"}'))):
        cid = f"00000000-0000-4000-8000-00000000000{n}"
        p.conn.execute("INSERT INTO conflicts (id, table_name, row_id, field, mine, theirs, "
                       "created_at, modified_at) VALUES (?, 'annotations', ?, ?, ?, ?, ?, ?)",
                       (cid, ids[0], fld, theirs.replace("EVIL", "The "), theirs, stamp,
                        stamp))
        p.conn.commit() if p.conn.in_transaction else None
        with pytest.raises(AnnotatorError):
            conflicts.resolve(p, cid, "theirs")
    assert p.conn.execute("SELECT * FROM annotations ORDER BY id").fetchall() == before
