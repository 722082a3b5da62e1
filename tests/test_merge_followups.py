"""What the three-way merge left (issue 13, second pass): unmerge refuses when later
work depends on the merge, a document's own fields merge three-way, rows matched
under another id merge three-way, and a cloud conflicted copy finds its base."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from annotator import cli
from annotator.core.merge import copy_for_colleague, merge, unmerge_last
from annotator.core.merge_undo import MergeDependedOn
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
