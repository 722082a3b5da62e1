"""The red team's holes in merging and sharing (issue 16, items 2 and 6), each rebuilt
here as the attack that found it: a colleague's file that ``open`` would refuse, rows
that are not what they claim, and a copy for a colleague killed half-way.

Crafted files are made in the test from a good project (the sample), with a raw
SQLite connection, never shipped as blobs."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from annotator.core.errors import AnnotatorError
from annotator.core.merge import MergeError, copy_for_colleague, merge
from annotator.core.project import Project
from tests import test_red_team
from tests.test_merge import _tamper
from tests.test_merge import copy as _copy

ROOT = Path(__file__).resolve().parent.parent
#: later than anything in the good project, and not in the future
STAMP = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
good = test_red_team.good  # the fixture: the sample project, upgraded to the current format


def _digest(*paths: Path) -> dict[str, str | None]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else None
            for p in paths}


def _rows(p: Project) -> dict:
    """Every merged row of a project, for before/after comparisons."""
    return {t: sorted(p.conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr)
            for t in ("authors", "tags", "entities", "documents", "pages", "annotations",
                      "annotation_tags", "links")}


def _diverged(good: Path, folder: Path) -> Path:
    """A copy of ``good`` beside a WAL from another copy's history: the WAL's frames
    hold 40 newer notes (readable) while the file under them has moved on (a document's
    bytes deleted, its pages freed), so quick_check fails."""
    folder.mkdir()
    other, theirs = _copy(good, folder / "other.annot"), _copy(good, folder / "theirs.annot")
    _tamper(theirs, "DELETE FROM document_data WHERE rowid = (SELECT rowid FROM document_data "
                 "ORDER BY length(data) DESC LIMIT 1)")
    conn = sqlite3.connect(other)
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("UPDATE annotations SET note = 'overwritten ' || printf('%.3000c', 'x'), "
                 f"modified_at = '{STAMP}' WHERE rowid IN (SELECT rowid FROM annotations "
                 "LIMIT 40)")
    conn.commit()
    shutil.copy(str(other) + "-wal", str(theirs) + "-wal")  # while it is still there
    conn.close()
    other.unlink()
    check = sqlite3.connect(f"file:{_copy(theirs, folder / 'probe.annot')}?mode=ro", uri=True)
    shutil.copy(str(theirs) + "-wal", folder / "probe.annot-wal")
    assert check.execute("PRAGMA quick_check").fetchone()[0] != "ok"  # the attack holds
    assert check.execute("SELECT count(*) FROM annotations WHERE note LIKE 'overwritten%'"
                         ).fetchone()[0] == 40
    check.close()
    for name in ("probe.annot", "probe.annot-wal", "probe.annot-shm"):
        (folder / name).unlink(missing_ok=True)
    return theirs


# -- item 2: a merge source passes the checks an opened project passes ---------------


def test_a_file_beside_a_diverged_wal_is_refused_and_ours_stays_byte_identical(tmp_path,
                                                                              good):
    theirs = _diverged(good, tmp_path / "colleague")
    files = (theirs, Path(str(theirs) + "-wal"))
    before_theirs = _digest(*files)
    before = _digest(good)
    with Project.open(good, author="Alice") as a:
        with pytest.raises(MergeError, match="damaged"):
            merge(a, theirs)
        assert not any("overwritten" in (x.note or "") for x in a.annotations.list())
    assert _digest(good) == before
    assert _digest(*files) == before_theirs  # their files untouched, nothing made beside
    assert sorted(p.name for p in theirs.parent.iterdir()) == ["theirs.annot",
                                                               "theirs.annot-wal"]
    # the command says so in one line, exit 2, no traceback; the project is unchanged
    run = subprocess.run([sys.executable, "-m", "annotator", "merge", str(good), str(theirs)],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert run.returncode == 2, run.stdout + run.stderr
    assert run.stderr.startswith("annotator: ") and "Traceback" not in run.stderr
    assert "damaged" in run.stderr
    assert _digest(good) == before


def test_a_colleague_file_with_its_own_wal_is_read_whole_from_a_private_copy(tmp_path,
                                                                              good):
    """A file still open on the colleague's side (its WAL holds their latest notes) is
    merged with that WAL, and nothing is created or changed beside it."""
    folder = tmp_path / "colleague"
    folder.mkdir()
    live = _copy(good, tmp_path / "live.annot")
    conn = sqlite3.connect(live)
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute(f"UPDATE annotations SET note = 'latest', modified_at = '{STAMP}' "
                 "WHERE rowid IN (SELECT rowid FROM annotations LIMIT 5)")
    conn.commit()
    theirs = _copy(live, folder / "theirs.annot")
    shutil.copy(str(live) + "-wal", str(theirs) + "-wal")
    conn.close()
    files = (theirs, Path(str(theirs) + "-wal"))
    before_theirs = _digest(*files)
    with Project.open(good, author="Alice") as a:
        report = merge(a, theirs).value
        assert sum(x.note == "latest" for x in a.annotations.list()) == 5
        assert report.updated.get("annotations") == 5 and a.check().ok
    assert _digest(*files) == before_theirs
    assert sorted(p.name for p in folder.iterdir()) == ["theirs.annot", "theirs.annot-wal"]


def _not_utf8(column: str) -> str:
    """SQL for the column's own text with a byte that is not UTF-8 in it, stored as
    TEXT (a BLOB cast to TEXT: SQLite does not check encodings)."""
    return f"CAST(CAST({column} AS BLOB) || X'FF' AS TEXT)"


@pytest.mark.parametrize("modified", ["modified_at", f"'{STAMP}'"],
                         ids=["same-timestamps", "later-timestamps"])
def test_text_that_is_not_utf8_never_replaces_ours(tmp_path, good, modified):
    """Same ids, same (or later) timestamps, every quote and note with a stray byte:
    none of them replaces one of ours, each is reported."""
    theirs = _copy(good, tmp_path / "theirs.annot")
    _tamper(theirs, f"UPDATE annotations SET note = {_not_utf8('note')}, "
                 f"exact = {_not_utf8('exact')}, modified_at = {modified}")
    with sqlite3.connect(theirs) as conn:
        assert conn.execute("SELECT count(*) FROM annotations WHERE typeof(note) = 'text' "
                            "AND hex(note) LIKE '%FF'").fetchone()[0] == 46
    with Project.open(good, author="Alice") as a:
        before = _rows(a)
        report = merge(a, theirs).value
        assert _rows(a) == before
        assert a.check().ok
        assert len([u for u in report.unmatched if "UTF-8" in u]) == 46, report.unmatched


def test_a_text_that_is_not_utf8_does_not_replace_ours_nor_move_our_passages(tmp_path,
                                                                             good):
    theirs = _copy(good, tmp_path / "theirs.annot")
    _tamper(theirs, f"UPDATE documents SET text = {_not_utf8('text')}, "
                 f"modified_at = '{STAMP}' WHERE kind = 'text'")
    with Project.open(good, author="Alice") as a:
        before = _rows(a)
        report = merge(a, theirs).value
        assert _rows(a) == before and a.check().ok
        assert any("documents" in u and "UTF-8" in u for u in report.unmatched)


def test_a_quote_must_match_the_text_it_claims(tmp_path, good):
    """A later row whose quote is not the text at its offsets (valid UTF-8, sound
    types) replaced ours and left passages that no longer match; a new one came in."""
    theirs = _copy(good, tmp_path / "theirs.annot")
    _tamper(theirs, f"UPDATE annotations SET exact = 'not what the text says', "
                 f"modified_at = '{STAMP}' WHERE start_offset IS NOT NULL",
         "INSERT INTO annotations (id, document_id, author_id, start_offset, end_offset, "
         "exact, prefix, suffix, created_at, modified_at) SELECT 'new-one', document_id, "
         f"author_id, 0, 5, 'wrong', '', '', '{STAMP}', '{STAMP}' FROM annotations "
         "WHERE start_offset IS NOT NULL LIMIT 1")
    with Project.open(good, author="Alice") as a:
        before = _rows(a)
        report = merge(a, theirs).value
        assert _rows(a) == before and a.check().ok
        assert len([u for u in report.unmatched if "quote" in u]) == 44, report.unmatched


def test_json_nested_beyond_reason_is_not_merged(tmp_path, good):
    """JSON nested 500 deep parses (below Python's recursion limit) but is more than any
    reader of ours accepts: a later row holding it does not replace ours."""
    theirs = _copy(good, tmp_path / "theirs.annot")
    deep = "[" * 500 + "]" * 500
    _tamper(theirs, f"UPDATE entities SET aliases = '{deep}', modified_at = '{STAMP}'",
            f"UPDATE documents SET metadata = '{{\"a\": {deep}}}', modified_at = '{STAMP}'")
    with Project.open(good, author="Alice") as a:
        before = _rows(a)
        report = merge(a, theirs).value
        assert _rows(a) == before
    with sqlite3.connect(theirs) as conn:
        rows = conn.execute("SELECT (SELECT count(*) FROM entities) + "
                            "(SELECT count(*) FROM documents)").fetchone()[0]
    assert len([u for u in report.unmatched if "JSON" in u]) == rows, report.unmatched


def test_a_codebook_deeper_than_a_codebook_may_be_is_refused_quickly(tmp_path, good):
    """5,000 themes each under the last (valid rows otherwise) would make every later
    command that walks the tree die: the merge is refused at once, ours unchanged."""
    theirs = _copy(good, tmp_path / "theirs.annot")
    conn = sqlite3.connect(theirs)
    conn.executemany("INSERT INTO tags (id, name, kind, parent_id, created_at, modified_at) "
                     "VALUES (?, ?, 'theme', ?, ?, ?)",
                     [(f"deep-{i}", f"Level {i}", f"deep-{i - 1}" if i else None, STAMP,
                       STAMP) for i in range(5000)])
    conn.commit()
    conn.close()
    before = _digest(good)
    with Project.open(good, author="Alice") as a:
        rows = _rows(a)
        start = time.monotonic()
        with pytest.raises(MergeError, match="at most 32 levels"):
            merge(a, theirs, backup=False)
        assert time.monotonic() - start < 5  # one pass per level would take longer
        assert _rows(a) == rows
    assert _digest(good) == before


def test_new_rows_come_in_repaired_and_objects_not_ours_are_named(tmp_path, good):
    """A new annotation whose note is not UTF-8 comes in with U+FFFD, and the report
    says so; a trigger and a view of theirs are never run, and named."""
    theirs = _copy(good, tmp_path / "theirs.annot")
    cols = ("document_id, author_id, start_offset, end_offset, exact, prefix, suffix, page, "
            "x, y, w, h, quads, color, entity_id, date_value, anchor_state, created_at, "
            "modified_at")
    _tamper(theirs, f"INSERT INTO annotations (id, note, {cols}) SELECT 'fresh-one', "
                    f"CAST(X'41FF42' AS TEXT), {cols} FROM annotations LIMIT 1",
            "CREATE TRIGGER boom AFTER INSERT ON annotations BEGIN DELETE FROM authors; END",
            "CREATE VIEW extra AS SELECT 1")
    second = _copy(good, tmp_path / "second.annot")
    with Project.open(good, author="Alice") as a:
        report = merge(a, theirs).value
        assert a.annotations.get("fresh-one").note == "A\ufffdB"
        assert report.added == {"annotations": 1} and not report.unmatched
        assert any("fresh-one" in n and "UTF-8" in n for n in report.notes), report.notes
        assert any("boom" in n for n in report.notes) and any("extra" in n for n in report.notes)
        assert "note(s)" in report.summary() and a.check().ok
    # the command prints them (escaped, one a line) and gives them in --json
    run = subprocess.run([sys.executable, "-m", "annotator", "merge", str(second), str(theirs)],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    notes = [line for line in run.stdout.splitlines() if line.startswith("note: ")]
    assert len(notes) == 3 and any("fresh-one" in line for line in notes), run.stdout


# -- item 6: a copy for a colleague is whole or absent --------------------------------


def _big_project(path: Path) -> Path:
    """A project of ~30 MB, so that writing its copy takes a few tenths of a second."""
    p = Project.create(path, "Big", author="Alice")
    line = ("The debt of the former Russian Empire to France was the core of the letter. "
            * 100 + "\n").encode()
    for i in range(4):
        doc = p.documents.import_bytes(line * 150 * (i + 1), f"letter-{i}.txt").value.document
        s, e = p.annotations.locate(doc.id, "Russian Empire")
        p.annotations.add(doc.id, start=s, end=e, note=f"note {i}")
    p.close()
    return path


def _whole(path: Path, notes: set[str]) -> bool:
    """``path`` opens as a sound project with every note of the original."""
    with Project.open(path, read_only=True) as c:
        assert c.conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        return {x.note for x in c.annotations.list()} == notes


@pytest.mark.skipif(sys.platform == "win32" or not hasattr(os, "fork"),
                    reason="needs fork and SIGKILL")
def test_a_killed_copy_for_colleague_leaves_no_half_file_and_a_retry_works(tmp_path):
    source = _big_project(tmp_path / "big.annot")
    notes = {f"note {i}" for i in range(4)}
    target = tmp_path / "out" / "for-bob.annot"
    target.parent.mkdir()
    rnd = random.Random(16)
    start = time.monotonic()
    with Project.open(source, read_only=True) as p:  # how long one copy takes here
        copy_for_colleague(p, target)
    took = time.monotonic() - start
    target.unlink()
    kills = whole = half_written = 0
    seen: set[Path] = set()
    while kills < 30:
        pid = os.fork()
        if pid == 0:  # the child copies, as the command would
            try:
                with Project.open(source, read_only=True) as p:
                    copy_for_colleague(p, target)
            finally:
                os._exit(0)
        time.sleep(rnd.uniform(0, took * 1.5))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        kills += 1
        leftovers = {f for f in target.parent.iterdir() if f != target} - seen
        half_written += bool(leftovers)
        seen |= leftovers
        if target.exists():  # there is a copy under its name only when it is whole
            assert _whole(target, notes)
            whole += 1
            target.unlink()
    assert half_written >= 5, (half_written, whole)  # the kills did land mid-copy
    # a retry after a killed run is not refused, and leaves only the copy behind
    with Project.open(source, read_only=True) as p:
        copy_for_colleague(p, target)
    assert _whole(target, notes)
    # leftovers of killed runs are removed by the next copy once they are stale
    assert any(f != target for f in target.parent.iterdir())
    for f in target.parent.iterdir():
        os.utime(f, (time.time() - 3600, time.time() - 3600))
    target.unlink()
    with Project.open(source, read_only=True) as p:
        copy_for_colleague(p, target)
        assert [f.name for f in target.parent.iterdir()] == ["for-bob.annot"]
        with pytest.raises(AnnotatorError, match="already exists"):  # never overwritten
            copy_for_colleague(p, target)
    assert _whole(target, notes)
    print(f"{kills} kills: {half_written} mid-copy, {whole} after the copy was whole")
