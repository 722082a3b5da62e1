"""Locks that cannot be bypassed (issue 16, items 8, 9 and the -wal/-shm half of 10):
a project reached through a symlink or a hard link has one writer, a planted
``<project>.lock`` link is never written through, and a planted journal link is named
as what it is."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.core.errors import ProjectError, ProjectLocked
from annotator.core.project import Project

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX links and locks")

HOLD = """
import sys, time
from annotator.core.project import Project
p = Project.open(sys.argv[1])
print("open", flush=True)
time.sleep(60)
"""

SECRET = "a colleague's file that must not be truncated\n"


@pytest.fixture
def project(tmp_path) -> Path:
    path = tmp_path / "letters.annot"
    Project.create(path, "Letters", default_codebook=False).close()
    return path


def _hold(path: Path) -> subprocess.Popen:
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path)],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "open"
    return holder


def _second_writer(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "annotator", "tags", str(path), "--add",
                           "Recognition"], capture_output=True, text=True, timeout=60)


def _tags(path: Path) -> list[str]:
    with Project.open(path, read_only=True) as p:
        return [t.name for t in p.tags.list()]


@pytest.mark.parametrize("how", ["symlink", "hard link"])
def test_a_second_writer_through_another_name_is_refused_with_the_holders_name(
        project, tmp_path, how):
    other = tmp_path / "elsewhere" / "link.annot" if how == "symlink" \
        else tmp_path / "link.annot"
    other.parent.mkdir(exist_ok=True)
    if how == "symlink":
        other.symlink_to(project)
    else:
        os.link(project, other)
    holder = _hold(project)
    try:
        refused = _second_writer(other)
        assert refused.returncode == 2, refused
        assert "open in another annotator" in refused.stderr
        assert f"process {holder.pid}" in refused.stderr, refused.stderr
        if how == "hard link":
            assert "letters.annot" in refused.stderr  # the name it is open as
        assert "Traceback" not in refused.stderr
        # the other way round too: the holder through the other name, the project itself
        # refused to a second writer
    finally:
        holder.kill()
        holder.wait()
    assert "Recognition" not in _tags(project)
    holder = _hold(other)
    try:
        refused = _second_writer(project)
        assert refused.returncode == 2 and f"process {holder.pid}" in refused.stderr, refused
    finally:
        holder.kill()
        holder.wait()
    # the kernel dropped both locks with the process: no stale lock under either name
    assert _second_writer(other).returncode == 0
    assert "Recognition" in _tags(project)


def test_the_same_file_under_two_names_in_one_process_has_one_writer(project, tmp_path):
    other = tmp_path / "copy-by-ln.annot"
    os.link(project, other)
    with Project.open(project):
        with pytest.raises(ProjectLocked, match="already open here as letters.annot"):
            Project.open(other)
        with Project.open(project.resolve()) as again:  # the same name shares the lock
            assert not again.read_only
    with Project.open(other):  # released: the other name may write now
        pass


@pytest.mark.parametrize("how", ["symlink", "hard link"])
def test_a_planted_lock_link_is_never_written_through(project, tmp_path, how):
    victim = tmp_path / "thesis.txt"
    victim.write_text(SECRET, encoding="utf-8")
    lock = project.with_name(project.name + ".lock")
    lock.unlink(missing_ok=True)
    if how == "symlink":
        lock.symlink_to(victim)
    else:
        os.link(victim, lock)
    before = project.read_bytes()
    with pytest.raises(ProjectError, match=r"letters\.annot\.lock beside it is a") as refused:
        Project.open(project)
    assert "remove it" in str(refused.value)
    assert victim.read_text(encoding="utf-8") == SECRET
    assert project.read_bytes() == before
    cli = _second_writer(project)
    assert cli.returncode == 2 and "not a lock file annotator made" in cli.stderr, cli
    assert victim.read_text(encoding="utf-8") == SECRET
    lock.unlink()  # as the message says: then it opens
    with Project.open(project) as p:
        assert not p.read_only
    assert victim.read_text(encoding="utf-8") == SECRET


def test_a_lock_file_holding_someone_elses_content_is_left_alone(project):
    lock = project.with_name(project.name + ".lock")
    lock.write_text(SECRET, encoding="utf-8")
    with pytest.raises(ProjectError, match="not a lock file annotator made"):
        Project.open(project)
    assert lock.read_text(encoding="utf-8") == SECRET


@pytest.mark.parametrize("suffix", ["-wal", "-shm"])
def test_a_planted_journal_link_is_named_not_called_damage(project, tmp_path, suffix):
    victim = tmp_path / "thesis.txt"
    victim.write_text(SECRET, encoding="utf-8")
    planted = project.with_name(project.name + suffix)
    planted.symlink_to(victim)
    cli = subprocess.run([sys.executable, "-m", "annotator", "info", str(project)],
                         capture_output=True, text=True, timeout=60)
    assert cli.returncode == 2, cli
    assert f"letters.annot{suffix} beside it is a link" in cli.stderr, cli.stderr
    assert f"remove letters.annot{suffix}" in cli.stderr
    assert "damaged" not in cli.stderr and "backup" not in cli.stderr
    assert victim.read_text(encoding="utf-8") == SECRET
    planted.unlink()
    assert _tags(project) == []


KILLED_MID_SESSION = """
import os, signal, sys
from annotator.core.project import Project
p = Project.open(sys.argv[1])
with p.transaction("Add a theme"):
    p.tags.create("Stranded")
os.kill(os.getpid(), signal.SIGKILL)  # never closes: the change stays in its -wal
"""


def test_changes_stranded_in_another_names_journal_are_not_overwritten(project, tmp_path):
    other = tmp_path / "link.annot"
    os.link(project, other)
    killed = subprocess.run([sys.executable, "-c", KILLED_MID_SESSION, str(other)],
                            capture_output=True, text=True, timeout=60)
    assert killed.returncode == -9, killed
    assert Path(str(other) + "-wal").stat().st_size > 0
    with pytest.raises(ProjectError, match=r"link\.annot-wal still holds changes") as refused:
        Project.open(project)
    assert "Open link.annot once and close it" in str(refused.value)
    with pytest.raises(ProjectError, match=r"link\.annot-wal still holds changes"):
        Project.open(project, read_only=True)  # it would read the file without them
    with Project.open(other) as p:  # as the message says: this folds them in
        assert "Stranded" in [t.name for t in p.tags.list()]
    with Project.open(project) as p:
        assert "Stranded" in [t.name for t in p.tags.list()]


WRITE_AND_HOLD = """
import sys, time
from annotator.core.project import Project
p = Project.open(sys.argv[1])
with p.transaction("Add a theme"):
    p.tags.create("Fresh")
print("open", flush=True)
time.sleep(60)
"""


def test_reading_under_another_name_while_it_is_written_there_is_refused(project, tmp_path):
    other = tmp_path / "link.annot"
    os.link(project, other)
    holder = subprocess.Popen([sys.executable, "-c", WRITE_AND_HOLD, str(other)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        reader = subprocess.run([sys.executable, "-m", "annotator", "info", str(project)],
                                capture_output=True, text=True, timeout=60)
        assert reader.returncode == 2, reader
        assert "as link.annot" in reader.stderr and f"process {holder.pid}" in reader.stderr
        assert "Traceback" not in reader.stderr
        with Project.open(other, read_only=True) as p:  # under its own name: fine
            assert "Fresh" in [t.name for t in p.tags.list()]
    finally:
        holder.kill()
        holder.wait()


def test_a_folder_named_like_the_lock_is_refused_not_ignored(project):
    lock = project.with_name(project.name + ".lock")
    lock.unlink(missing_ok=True)
    lock.mkdir()
    (lock / "notes.txt").write_text(SECRET, encoding="utf-8")
    with pytest.raises(ProjectError, match=r"letters\.annot\.lock beside it is a folder"):
        Project.open(project)  # before, the lock was silently skipped: no lock at all
    assert (lock / "notes.txt").read_text(encoding="utf-8") == SECRET
    with Project.open(project, read_only=True) as p:  # reading needs no lock
        assert p.read_only
