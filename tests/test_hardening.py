"""Never lose a scholar's work: locking, read-only media, hostile project files,
corruption detection, rolling backups."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys

import pytest

from annotator.core import backups
from annotator.core.errors import ProjectCorrupt, ProjectError
from annotator.core.project import Project
from tests.conftest import LETTER


@pytest.fixture
def saved(tmp_path):
    """A closed project file with one document and two annotations."""
    path = tmp_path / "colleague.annot"
    src = tmp_path / "letter.txt"
    src.write_text(LETTER, encoding="utf-8")
    with Project.create(path, "Saved") as project:
        doc = project.documents.import_file(src).value.document
        person = project.tags.find("Person")
        project.annotations.add(doc.id, start=20, end=35, tag_ids=[person.id], note="Briand")
        project.annotations.add(doc.id, start=0, end=14)
    return path


HOLD = """
import sys, time
from annotator.core.project import Project
p = Project.open(sys.argv[1])
print("open", flush=True)
time.sleep(30)
"""


def test_second_process_gets_a_clear_message_and_can_read(saved):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(saved)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        code = ("import sys\nfrom annotator.core.project import Project\n"
                "from annotator.core.errors import ProjectLocked\n"
                "try:\n    Project.open(sys.argv[1])\nexcept ProjectLocked as e:\n"
                "    print('LOCKED', e)\n"
                "p = Project.open(sys.argv[1], read_only=True)\n"
                "print('READ', p.annotations.count())\n")
        out = subprocess.run([sys.executable, "-c", code, str(saved)], capture_output=True,
                             text=True, timeout=60)
        assert "LOCKED" in out.stdout and "open in another annotator" in out.stdout, out
        assert f"process {holder.pid}" in out.stdout
        assert "READ 2" in out.stdout
        cli = subprocess.run([sys.executable, "-m", "annotator", "tags", str(saved), "--add",
                              "Recognition"], capture_output=True, text=True, timeout=60)
        assert cli.returncode == 2 and "open in another annotator" in cli.stderr
    finally:
        holder.kill()
        holder.wait()
    # the kernel dropped the lock with the process: no stale lock
    with Project.open(saved) as project:
        assert project.annotations.count() == 2


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0,
                    reason="root ignores file permissions")
def test_read_only_medium_opens_read_only(saved, tmp_path):
    folder = tmp_path / "cdrom"
    folder.mkdir()
    copy = folder / "p.annot"
    shutil.copy(saved, copy)
    folder.chmod(0o555)
    copy.chmod(0o444)
    try:
        with Project.open(copy) as project:
            assert project.read_only and project.annotations.count() == 2
    finally:
        folder.chmod(0o755)


def test_read_only_flag_with_immutable_medium_simulated(saved, monkeypatch):
    from annotator.core import project as project_module

    monkeypatch.setattr(project_module, "_writable", lambda path: False)
    with Project.open(saved) as project:
        assert project.read_only
        assert project.annotations.count() == 2
        with pytest.raises(ProjectError, match="read-only"):
            project.tags.create("X")


HOSTILE = {
    "trigger": "CREATE TRIGGER wipe AFTER INSERT ON annotations BEGIN "
               "DELETE FROM documents; END",
    "view": "CREATE VIEW v AS SELECT * FROM annotations",
    "extra_table": "CREATE TABLE payload (x)",
    "altered_table": "ALTER TABLE annotations ADD COLUMN evil TEXT",
    "dropped_index": "DROP INDEX annotations_entity",
    "extra_index": "CREATE INDEX sneaky ON annotations (note)",
    "text_offsets": "UPDATE annotations SET start_offset = 'abc'",
    "blob_note": "UPDATE annotations SET note = x'00ff'",
    "forged_newer_version": "PRAGMA user_version = 99",
    "forged_zero_version": "PRAGMA user_version = 0",
    "foreign_app_id": "PRAGMA application_id = 1234",
}


@pytest.mark.parametrize("variant", sorted(HOSTILE))
def test_hostile_project_files_are_refused_untouched(saved, variant):
    conn = sqlite3.connect(saved)
    conn.execute("PRAGMA ignore_check_constraints = ON")  # what a crafter would do
    conn.execute(HOSTILE[variant])
    conn.commit()
    conn.close()
    before = saved.read_bytes()
    with pytest.raises(ProjectError) as info:
        Project.open(saved)
    message = str(info.value)
    assert saved.name in message or "annotator" in message
    assert saved.read_bytes() == before, "a refused file must stay untouched"
    assert not (saved.parent / (saved.name + ".backups")).exists()


def test_hostile_values_that_open_do_not_crash(saved):
    """Malformed JSON, absurd offsets, markup and SQL in names: the file opens, the
    app reads what it can, and `check` reports the damage."""
    conn = sqlite3.connect(saved)
    conn.execute("UPDATE documents SET metadata = '{not json', "
                 "title = '<script>alert(1)</script>''; DROP TABLE annotations; --'")
    conn.execute("UPDATE tags SET name = '<b>Person</b>' WHERE name = 'Person'")
    conn.execute("UPDATE annotations SET start_offset = 1000000000, end_offset = 1000000005 "
                 "WHERE note = 'Briand'")
    conn.execute("UPDATE annotations SET quads = '[[1,2', page = NULL")
    conn.execute("UPDATE entities SET aliases = '{\"a\": 1}'")
    conn.commit()
    conn.close()
    with Project.open(saved) as project:
        doc = project.documents.list()[0]
        assert doc.metadata == {}
        assert "DROP TABLE" in doc.title  # kept as text, never executed
        assert len(project.annotations.list()) == 2
        report = project.check()
        assert not report.ok
        assert any("outside" in p for p in report.problems)


def test_corrupt_file_is_detected_and_newest_good_backup_offered(saved):
    with Project.open(saved) as project:
        made = backups.make_backup(project.conn, saved, "test")
    assert made.exists()
    data = bytearray(saved.read_bytes())
    page = 4096
    for i in range(page * 2, min(len(data), page * 6)):  # smash a few pages
        data[i] = 0xAB
    saved.write_bytes(bytes(data))
    with pytest.raises(ProjectCorrupt) as info:
        Project.open(saved)
    assert "damaged" in str(info.value)
    good = backups.newest_good(saved)
    assert good is not None and good.path == made
    kept = backups.restore(good, saved)
    assert kept is not None and kept.exists()  # the damaged file is kept, not deleted
    with Project.open(saved) as project:
        assert project.annotations.count() == 2
        assert project.check().ok


def test_daily_backup_is_made_once_and_pruned(saved, monkeypatch):
    with Project.open(saved):
        pass
    first = backups.list_backups(saved)
    assert len(first) == 1 and first[0].reason == "daily"
    with Project.open(saved):
        pass
    assert len(backups.list_backups(saved)) == 1  # not due again within a day
    monkeypatch.setattr(backups, "KEEP", 3)
    with Project.open(saved) as project:
        for i in range(5):
            backups.make_backup(project.conn, saved, f"manual {i}")
    assert len(backups.list_backups(saved)) <= 10
    backups.prune(saved, keep=3)
    assert len(backups.list_backups(saved)) == 3


def test_cli_lists_makes_and_restores_backups(saved):
    def cli(*args):
        return subprocess.run([sys.executable, "-m", "annotator", *args], capture_output=True,
                              text=True, timeout=60)

    made = cli("backups", str(saved), "--make")
    assert made.returncode == 0 and "backup written" in made.stdout
    with Project.open(saved) as project:  # a change after the backup ...
        project.tags.create("Added later")
    restored = cli("backups", str(saved), "--restore", "1")
    assert restored.returncode == 0 and "kept as" in restored.stdout, restored
    with Project.open(saved) as project:  # ... is gone, and the replaced file kept
        assert project.tags.find("Added later") is None
    assert list(saved.parent.glob("colleague.replaced-*.annot"))
    assert cli("backups", str(saved), "--restore", "99").returncode == 2
