"""Compacting history older than a date keeps every current row, passes `check`, and
survives a kill at any moment."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time

import pytest

from annotator.core.journal_compact import COMPACTED_KEY, compact_before
from annotator.core.model import Annotation, TextSelector
from annotator.core.project import Project

TEXT = "The ambassador met the commissar in Moscow; the debts were discussed at length.\n" * 40
DATA_TABLES = ("project", "authors", "documents", "tags", "entities", "annotations",
               "annotation_tags", "links")


def _rows(project: Project) -> dict:
    return {t: sorted(map(tuple, project.conn.execute(f"SELECT * FROM {t}")))
            for t in DATA_TABLES}


def _grow(p: Project, copies: int) -> None:
    """More history, fast: the edits' change sets again ``copies`` times (made by SQL,
    as many journal rows as that many real edits would write)."""
    with p.transaction(record=False) as conn:
        for _ in range(copies):
            top = conn.execute("SELECT max(id) FROM changesets").fetchone()[0]
            conn.execute("INSERT INTO changesets (id, uid, label, kind, author_id, created_at, "
                         "state) SELECT id + ?, uid || '-' || (id + ?), label, kind, author_id, "
                         "created_at, 'dropped' FROM changesets", (top, top))
            conn.execute("INSERT INTO changes SELECT changeset_id + ?, seq, table_name, row_id, "
                         "row_sub, row_key, op, before, after, blob FROM changes", (top,))


def _build(tmp_path, annotations: int, edits: int, copies: int = 0):
    source = tmp_path / "letter.txt"
    source.write_text(TEXT, encoding="utf-8")
    path = tmp_path / "p.annot"
    with Project.create(path, author="Ada") as p:
        p.conn.execute("PRAGMA synchronous = OFF")  # building only
        doc = p.documents.import_file(source).value.document
        author = p.author_id()
        anns = [Annotation(f"00000000-0000-4000-8000-{i:012x}", doc.id, author,
                           TextSelector(i % 100, i % 100 + 5, TEXT[i % 100:i % 100 + 5]))
                for i in range(annotations)]
        p.annotations.add_many(anns)
        for i in range(edits):
            p.annotations.update(anns[i % annotations].id, note=f"edit {i}")
        # the first half of the history is "old"
        _grow(p, copies)
        total = p.conn.execute("SELECT count(*) FROM changesets").fetchone()[0]
        p.conn.execute("UPDATE changesets SET created_at = '2025-06-01T12:00:00.000000Z' "
                       "WHERE id <= ?", (total // 2,))
    return path, total


def test_compaction_keeps_current_rows_and_check_passes(tmp_path):
    path, total = _build(tmp_path, 50, 100)
    with Project.open(path) as p:
        before = _rows(p)
        newest = p.history(limit=1)[0]
        report = compact_before(p, "2026-01-01").value
        assert report.changesets == total // 2 and report.changes >= report.changesets
        assert report.size_after <= report.size_before
        after = _rows(p)
        assert after.pop("project") == sorted([*before.pop("project"),
                                              (COMPACTED_KEY, "2026-01-01")])
        assert after == before
        assert len(p.history()) == total - total // 2
        assert p.history(limit=1)[0].uid == newest.uid
        p.undo()  # the newer history still undoes
        assert p.check().ok
        assert compact_before(p, "2026-01-01").value.changesets == 0  # nothing older left
    done = subprocess.run([sys.executable, "-m", "annotator", "check", str(path)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_compaction_cli_and_bad_date(tmp_path):
    path, total = _build(tmp_path, 10, 20)
    run = [sys.executable, "-m", "annotator", "history", str(path)]
    done = subprocess.run([*run, "--compact-before", "1 Jan"], capture_output=True, text=True)
    assert done.returncode == 2 and "not a date" in done.stderr
    done = subprocess.run([*run, "--compact-before", "2026-01-01"], capture_output=True,
                          text=True)
    assert done.returncode == 0 and f"{total // 2:,} change set(s)" in done.stdout
    with Project.open(path, read_only=True) as p:
        assert len(p.history()) == total - total // 2


_COMPACT = ("import sys; from annotator.core.project import Project; "
            "from annotator.core.journal_compact import compact_before; "
            "p = Project.open(sys.argv[1]); print('go', flush=True); "
            "compact_before(p, '2026-01-01'); p.close()")


@pytest.fixture(scope="module")
def big_history(tmp_path_factory):
    """~26k change sets: compacting takes long enough for a kill to land inside."""
    path, total = _build(tmp_path_factory.mktemp("big"), 100, 200, copies=7)
    with Project.open(path, read_only=True) as p:
        return path, total, _rows(p)


@pytest.mark.parametrize("delay", [0.05, 0.25])
def test_compaction_killed_leaves_rows_intact(tmp_path, big_history, delay):
    path, total, before = big_history
    victim = tmp_path / "victim.annot"
    shutil.copyfile(path, victim)
    proc = subprocess.Popen([sys.executable, "-c", _COMPACT, str(victim)],
                            stdout=subprocess.PIPE, text=True)
    proc.stdout.readline()  # opened: compaction starts now
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    with Project.open(victim) as p:
        after = _rows(p)
        after["project"] = [r for r in after["project"] if r[0] != COMPACTED_KEY]
        assert after == before
        left = p.conn.execute("SELECT count(*) FROM changesets").fetchone()[0]
        assert left in (total, total - total // 2)
        assert p.check().ok
