"""What the three-way merge left (issue 13, second pass): unmerge refuses when later
work depends on the merge, a document's own fields merge three-way, rows matched
under another id merge three-way, and a cloud conflicted copy finds its base."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from annotator import cli
from annotator.core import conflicts
from annotator.core.merge import copy_for_colleague, merge, unmerge_last
from annotator.core.merge_undo import MergeDependedOn
from annotator.core.model import TagKind
from annotator.core.project import Project

TEXT = ("The debt of the former Russian Empire to France was the core of the letter.\n\n"
        "Herriot recognised the Union in 1924; Briand signed the pact in 1928.")


def start(tmp_path: Path) -> tuple[Project, list[str], Path]:
    p = Project.create(tmp_path / "alice.annot", author="Alice")
    doc = p.documents.import_bytes(TEXT.encode(), "letter.txt").value.document
    theme = p.tags.ensure("Debt")
    ids = []
    for quote in ("debt", "Herriot", "1924"):
        s, e = p.annotations.locate(doc.id, quote)
        ids.append(p.annotations.add(doc.id, start=s, end=e, tag_ids=[theme.id],
                                     note=f"on {quote}").value.id)
    bob = tmp_path / "bob.annot"
    copy_for_colleague(p, bob)
    return p, ids, bob


def cli_run(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    return code, out.getvalue() + err.getvalue()


def everything(p: Project) -> list:
    return [p.conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
            for t in ("annotations", "annotation_tags", "conflicts", "documents")]


# -- unmerge refuses when later work depends on the merge -------------------------------


def _merged_with_new_annotation(tmp_path):
    p, ids, bob = start(tmp_path)
    with Project.open(bob, author="Bob") as b:
        doc = b.documents.list()[0]
        s, e = b.annotations.locate(doc.id, "Briand")
        new = b.annotations.add(doc.id, start=s, end=e, note="his Briand").value.id
        b.annotations.update(ids[0], note="his debt")
    merge(p, bob)
    return p, ids, new


def test_unmerge_refuses_when_a_later_edit_touched_what_it_brought(tmp_path):
    p, ids, new = _merged_with_new_annotation(tmp_path)
    p.annotations.update(new, note="Alice revised Bob's Briand")
    before = everything(p)
    with pytest.raises(MergeDependedOn) as caught:
        unmerge_last(p)
    assert "Alice" in str(caught.value) and "--force" in str(caught.value)
    assert len(caught.value.dependents) == 1
    assert everything(p) == before  # nothing changed
    path = str(p.path)
    p.close()
    code, out = cli_run(["unmerge", path])
    assert code == 2 and "later action" in out and "--force" in out
    code, out = cli_run(["unmerge", path, "--force"])
    assert code == 0 and "took back" in out and "later action kept" in out
    with Project.open(path, author="Alice") as q:
        assert q.annotations.get(ids[0]).note == "on debt"  # the merge's edit taken back


def test_unmerge_refuses_when_a_later_row_refers_to_what_it_added(tmp_path):
    """A link from a new annotation of hers to one the merge brought in."""
    p, _ids, new = _merged_with_new_annotation(tmp_path)
    doc = p.documents.list()[0].id
    s, e = p.annotations.locate(doc, "France")
    mine = p.annotations.add(doc, start=s, end=e).value.id  # depends on nothing merged
    p.links.create(mine, new, "cites")
    with pytest.raises(MergeDependedOn) as caught:
        unmerge_last(p)
    assert [d.label for d in caught.value.dependents] == [p.history(limit=1)[0].label]
    p.undo()  # the link gone, the merge can be taken back
    unmerge_last(p)
    assert new not in {a.id for a in p.annotations.list()}
    assert mine in {a.id for a in p.annotations.list()}


def test_unmerge_goes_ahead_when_later_work_is_elsewhere(tmp_path):
    p, ids, new = _merged_with_new_annotation(tmp_path)
    p.annotations.update(ids[2], note="unrelated later edit")
    unmerge_last(p)
    assert p.annotations.get(ids[2]).note == "unrelated later edit"
    assert p.annotations.get(ids[0]).note == "on debt"
    assert new not in {a.id for a in p.annotations.list()}


# -- a document's own fields ------------------------------------------------------------


def test_title_conflict_kept_metadata_merged_by_key(tmp_path):
    p, _ids, bob = start(tmp_path)
    doc = p.documents.list()[0].id
    p.documents.update(doc, title="Letter to Poincaré", metadata={"date": "1924-10-28"})
    with Project.open(bob, author="Bob") as b:
        b.documents.update(doc, title="Herriot's letter", metadata={"archive": "AN F7"})
    report = merge(p, bob).value
    [c] = report.conflicts
    assert (c["table_name"], c["field"], c["winner"]) == ("documents", "title", "theirs")
    assert "Letter to Poincaré" in c["mine"] and c["mine_author"] == "Alice"
    d = p.documents.get(doc)
    assert d.title == "Herriot's letter"
    assert d.metadata["date"] == "1924-10-28" and d.metadata["archive"] == "AN F7"
    conflicts.resolve(p, c["id"], "mine")
    assert p.documents.get(doc).title == "Letter to Poincaré"
    assert merge(p, bob).value.conflicts == []  # again: nothing new


def test_both_corrected_the_transcription_the_other_text_is_kept(tmp_path):
    p, ids, bob = start(tmp_path)
    doc = p.documents.list()[0].id
    hers = TEXT.replace("former", "late")
    p.documents.set_text(doc, hers)
    with Project.open(bob, author="Bob") as b:
        b.documents.set_text(doc, TEXT.replace("core", "heart"))
    report = merge(p, bob).value
    [c] = [c for c in report.conflicts if c["field"] == "text"]
    assert c["winner"] == "theirs" and json.loads(c["mine"])["text"] == hers
    assert p.documents.text(doc) == TEXT.replace("core", "heart")
    assert p.annotations.get(ids[0]).text.exact == "debt"  # re-anchored onto his text
    conflicts.resolve(p, c["id"], "mine")  # her text back; the passages follow it
    assert p.documents.text(doc) == hers
    for a in p.annotations.for_document(doc):
        assert hers[a.text.start:a.text.end] == a.text.exact
    p.undo()
    assert p.documents.text(doc) == TEXT.replace("core", "heart")


def test_one_side_text_and_other_side_title_both_taken(tmp_path):
    p, _ids, bob = start(tmp_path)
    doc = p.documents.list()[0].id
    with Project.open(bob, author="Bob") as b:
        b.documents.update(doc, title="His title")  # earlier than her text fix
    p.documents.set_text(doc, TEXT.replace("former", "late"))
    report = merge(p, bob).value
    assert report.conflicts == []
    assert p.documents.get(doc).title == "His title"  # two-way, her later row won it all
    assert "late" in p.documents.text(doc)


# -- rows matched under another id -------------------------------------------------------


def _rekey_entity(path: Path, old: str, new: str) -> None:
    import sqlite3

    conn = sqlite3.connect(path)
    conn.execute("UPDATE entities SET id = ? WHERE id = ?", (new, old))
    conn.commit()
    conn.close()


def test_entity_matched_by_identifier_merges_three_way(tmp_path):
    """His record of Herriot came under another id (re-created from the gazetteer):
    matched by its identifier, and the base has it under her id, so his description
    and her dates both stay, and their two names are a conflict, not a silent loss."""
    p = Project.create(tmp_path / "alice.annot", author="Alice")
    person = p.tags.ensure("Person", TagKind.ENTITY_TYPE)
    herriot = p.entities.create("Édouard Herriot", person.id,
                                identifiers={"wikidata": "Q193"}).value.id
    bob = tmp_path / "bob.annot"
    copy_for_colleague(p, bob)
    _rekey_entity(bob, herriot, "bob-herriot")
    with Project.open(bob, author="Bob") as b:
        b.entities.update("bob-herriot", description="Mayor of Lyon", name="E. Herriot")
    p.entities.update(herriot, dates="1872-1957", name="Herriot, Édouard")
    report = merge(p, bob).value
    e = p.entities.get(herriot)
    assert (e.description, e.dates) == ("Mayor of Lyon", "1872-1957")
    assert [(c["field"], c["row_id"]) for c in report.conflicts] == [("name", herriot)]
    assert "E. Herriot" in e.aliases or e.name == "E. Herriot"
    assert merge(p, bob).value.conflicts == []


# -- checks paid once ---------------------------------------------------------------------


def _count_quick_checks(monkeypatch) -> list[str]:
    """Files the merge checked (read where they lie since issue 17, or copied)."""
    from annotator.core import merge as merging

    checked: list[str] = []
    real = merging._checked

    def spy(other, *a, **k):
        checked.append(Path(other).name)
        return real(other, *a, **k)

    monkeypatch.setattr(merging, "_checked", spy)
    return checked


def test_the_sent_snapshot_is_read_unchecked_but_a_changed_one_is_checked(tmp_path,
                                                                          monkeypatch):
    p, ids, bob = start(tmp_path)
    with Project.open(bob, author="Bob") as b:
        b.annotations.update(ids[0], note="his")
    bob.write_bytes(bob.read_bytes())  # as it comes back by mail: never checked here
    copied = _count_quick_checks(monkeypatch)
    report = merge(p, bob).value
    assert report.three_way and copied == ["bob.annot"]  # the base we wrote: not copied
    sent = next((tmp_path / "alice.annot.backups" / "sent").iterdir())
    sent.write_bytes(sent.read_bytes())  # rewritten: no longer vouched for
    copied.clear()
    assert merge(p, bob).value.three_way and copied == ["bob.annot", sent.name]


def test_git_driver_vouches_for_ours_only_when_it_is_the_checked_work_tree_file(
        tmp_path, monkeypatch):
    import shutil

    from annotator.core import git_sync, schema

    p, ids, bob = start(tmp_path)
    p.close()
    base = tmp_path / "base.annot"
    shutil.copyfile(bob, base)
    with Project.open(bob, author="Bob") as b:
        b.annotations.update(ids[0], note="his")
    work = tmp_path / "alice.annot"  # the work tree's file, opened and closed: checked
    checked: list[str] = []
    real = schema.type_problems
    monkeypatch.setattr(schema, "type_problems",
                        lambda conn, *a: checked.append("full") or real(conn, *a))
    for same in (True, False):
        ours = tmp_path / f"ours-{same}.annot"
        shutil.copyfile(work, ours)
        if not same:  # committed after the work tree's file was last checked
            import sqlite3

            conn = sqlite3.connect(ours)
            conn.execute("UPDATE annotations SET color = '#abcdef' WHERE id = ?", (ids[2],))
            conn.commit()
            conn.close()
        checked.clear()
        result = git_sync.merge_driver(base, ours, bob, author="Alice", name=str(work))
        assert result.three_way
        assert checked == ([] if same else ["full"])
    with Project.open(tmp_path / "ours-True.annot") as q:
        assert q.annotations.get(ids[0]).note == "his"


# -- a cloud folder's conflicted copy ---------------------------------------------------


def test_conflicted_copy_merges_against_the_newest_backup_both_descend_from(tmp_path):
    import shutil

    from annotator.core import backups, cloud_copies

    p, ids, _ = start(tmp_path)
    p.annotations.update(ids[1], note="shared edit, synced to both laptops")
    old = backups.make_backup(p.conn, p.path, "earlier")
    p.annotations.update(ids[2], note="also synced")
    kept = backups.make_backup(p.conn, p.path, "daily")
    assert old and kept
    copy = tmp_path / "alice (Bob's conflicted copy 2026-01-02).annot"
    p.close()
    shutil.copyfile(tmp_path / "alice.annot", copy)
    with Project.open(copy, author="Bob") as b:  # the other laptop, offline
        b.annotations.update(ids[0], note="Bob's laptop")
    p = Project.open(tmp_path / "alice.annot", author="Alice")
    p.annotations.update(ids[0], note="Alice's laptop")
    p.annotations.update(ids[2], color="#ff0000")
    [found] = cloud_copies.conflicted_copies(p.path)
    report = merge(p, found.path).value
    assert report.three_way and Path(report.base).name == Path(kept).name
    assert [(c["row_id"], c["field"]) for c in report.conflicts] == [(ids[0], "note")]
    assert p.annotations.get(ids[2]).color == "#ff0000"  # hers, one-sided, kept


def test_conflicted_copy_without_shared_backup_stays_two_way(tmp_path):
    import shutil

    p, ids, _ = start(tmp_path)
    p.close()
    copy = tmp_path / "alice (conflicted copy 2026-01-02).annot"
    shutil.copyfile(tmp_path / "alice.annot", copy)
    with Project.open(copy, author="Bob") as b:
        b.annotations.update(ids[0], note="Bob's laptop")
    p = Project.open(tmp_path / "alice.annot", author="Alice")
    for b in (tmp_path / "alice.annot.backups").glob("*.annot"):
        b.unlink()  # (the daily backup made on reopening would be a sound base)
    report = merge(p, copy).value
    assert not report.three_way and p.annotations.get(ids[0]).note == "Bob's laptop"
