"""Opening stays fast at scale without trusting a file changed elsewhere (issue 17):
the record of verified files, backups off the open path, within a size budget and
never filling the disk."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from annotator.core import backups, schema, verified
from annotator.core.errors import ProjectError
from annotator.core.project import Project


@pytest.fixture
def saved(tmp_path, monkeypatch):
    monkeypatch.setenv("ANNOTATOR_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "p.annot"
    with Project.create(path, "P") as project:
        project.tags.create("Person")
        source = tmp_path / "a.txt"
        source.write_text("Leonid Krasin arrived in Paris in 1924.", encoding="utf-8")
        doc = project.documents.import_file(source).value.document
        project.annotations.add(doc.id, start=0, end=13)
    return path


def test_an_unchanged_file_is_vouched_for_and_a_changed_one_is_not(saved):
    assert verified.is_verified(saved, schema.SCHEMA_VERSION)  # we closed it ourselves
    with Project.open(saved, read_only=True) as project:
        assert project.annotations.count() == 1
    # changed elsewhere: a value of the wrong type, and the times put back as they were
    before = os.stat(saved)
    conn = sqlite3.connect(saved)
    conn.execute("UPDATE annotations SET note = x'00ff'")
    conn.commit()
    conn.close()
    os.utime(saved, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert not verified.is_verified(saved, schema.SCHEMA_VERSION)  # ctime tells
    with pytest.raises(ProjectError, match="wrong type"):
        Project.open(saved)


def test_a_record_for_another_file_at_that_path_does_not_count(saved, tmp_path):
    assert verified.is_verified(saved, schema.SCHEMA_VERSION)
    copy = tmp_path / "copy.annot"
    shutil.copy2(saved, copy)
    os.replace(copy, saved)  # same bytes, same mtime: another file all the same
    assert not verified.is_verified(saved, schema.SCHEMA_VERSION)
    with Project.open(saved) as project:  # checked in full, then vouched for again
        assert project.annotations.count() == 1
    assert verified.is_verified(saved, schema.SCHEMA_VERSION)


def test_a_file_with_a_write_ahead_log_is_always_checked(saved):
    with Project.open(saved) as project:
        project.tags.create("Place")
        assert not verified.is_verified(saved, schema.SCHEMA_VERSION)


def _backdate(path, days):
    """Make the project's only backup look ``days`` old (its name is its time)."""
    (made,) = backups.list_backups(path)
    stamp = (datetime.now(UTC) - timedelta(days=days)).strftime("%Y%m%dT%H%M%S%fZ")
    made.path.rename(made.path.with_name(f"{stamp}.daily.annot"))
    old = (datetime.now(UTC) - timedelta(days=days + 1)).timestamp()
    os.utime(path, (old, old))


def test_the_daily_backup_is_not_made_again_when_nothing_changed(saved):
    with Project.open(saved):
        pass
    assert len(backups.list_backups(saved)) == 1
    _backdate(saved, 2)
    assert not backups.is_due(saved)  # two days old, but the project did not change
    with Project.open(saved) as project:
        project.tags.create("Place")
    assert backups.is_due(saved)


def test_backups_are_kept_within_a_size_budget(saved, monkeypatch):
    size = os.stat(saved).st_size
    with Project.open(saved) as project:
        for i in range(8):
            backups.make_backup(project.conn, saved, f"by hand {i}")
    kept = backups.list_backups(saved)
    assert 1 <= len(kept) <= backups.BUDGET + 1
    assert sum(b.path.stat().st_size for b in kept[1:]) <= backups.BUDGET * size
    assert kept[0].reason == "by hand 7"  # the newest always stays


def test_a_backup_that_would_fill_the_disk_is_skipped_with_a_warning(saved, monkeypatch,
                                                                       caplog):
    real = shutil.disk_usage
    monkeypatch.setattr(backups.shutil, "disk_usage",
                        lambda p: real(p)._replace(free=backups.DISK_MARGIN // 2))
    with Project.open(saved, backup_now=False) as project:
        with caplog.at_level(logging.WARNING):
            assert backups.make_backup(project.conn, saved, "daily") is None
        assert "disk has" in caplog.text
        with pytest.raises(backups.BackupRefused, match="free some space"):
            backups.make_backup(project.conn, saved, "by hand", strict=True)
    assert not list(backups.backup_dir(saved).glob("*.partial"))


def test_the_workbench_backup_is_made_in_the_background_and_stops_cleanly(saved,
                                                                          monkeypatch):
    with Project.open(saved, backup_now=False) as project:
        assert project.backup_due and not backups.list_backups(saved)
        project.tags.create("Written meanwhile")  # the copy never blocks the work
        job = backups.BackgroundBackup(saved).start()
        assert job.wait(30)
        assert job.made is not None and backups.is_good(job.made)
    monkeypatch.setattr(backups, "STEP_PAGES", 1)
    with Project.open(saved, backup_now=False):
        job = backups.BackgroundBackup(saved, "stopped")
        job._stop.set()  # closing the project before the first step ends
        job.start().wait(30)
        assert job.made is None
    assert [b.reason for b in backups.list_backups(saved)] == ["daily"]
    assert not list(backups.backup_dir(saved).glob("*.partial"))


#: a value the column's affinity cannot turn into its declared type
_WRONG = {"integer": "'twelve'", "real": "'one and a half'", "text": "x'00ff'"}


@pytest.mark.parametrize("column", ["id", "document_id", "start_offset", "x", "note",
                                    "quads", "deleted", "modified_at"])
def test_the_check_in_one_pass_names_the_one_column_that_is_wrong(saved, column):
    conn = sqlite3.connect(saved)
    decl = {r[1]: r[2] for r in conn.execute("PRAGMA table_info(annotations)")}[column]
    wrong = _WRONG[decl.lower()]
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("PRAGMA ignore_check_constraints = ON")
    conn.execute(f"UPDATE annotations SET {column} = {wrong}")
    conn.commit()
    assert schema.type_problems(conn) == [
        f"1 row(s) of annotations.{column} hold the wrong type of value"]
    conn.close()
    with pytest.raises(ProjectError, match=f"annotations.{column} hold the wrong type"):
        Project.open(saved)


def test_a_damaged_file_is_said_damaged_though_its_values_are_read_meanwhile(saved):
    """The page check runs beside the type check: a damaged page still wins the message."""
    conn = sqlite3.connect(saved)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'annotations'"
                        ).fetchone()[0]
    conn.close()
    with open(saved, "r+b") as f:  # scribble over the annotations' page past its header
        f.seek((root - 1) * page_size + 8)
        f.write(b"\xff" * (page_size - 8))
    with pytest.raises(ProjectError) as raised:
        Project.open(saved)
    assert type(raised.value).__name__ == "ProjectCorrupt"
    assert "damaged" in str(raised.value)
