"""Red team, issue 16 items 4, 5, 7 and the backups folder of 10: restoring a backup and
writing one must never lose or half-write work.

Work that only the write-ahead log holds (a window or command killed after saving) is
in the kept "replaced" copy; a restore killed at any moment leaves a project that opens,
holding all of the old state or all of the restored one; a project reached through a
symbolic link is restored in its real file; a ``.backups`` link or file is never
written through."""

from __future__ import annotations

import errno
import logging
import os
import random
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from annotator.core import backups
from annotator.core.errors import ProjectError
from annotator.core.merge import merge
from annotator.core.project import Project
from tests.conftest import LETTER

needs_fork = pytest.mark.skipif(sys.platform == "win32" or not hasattr(os, "fork"),
                                reason="needs fork and SIGKILL")

BEFORE = {"Kept before the backup", "Also before"}
AFTER = {"Saved after the backup", "Only in the log"}


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "annotator", *args], capture_output=True,
                          text=True, timeout=120)


def _build(path: Path, text: str = LETTER) -> Path:
    """A project with one document and the BEFORE themes, and a backup of it."""
    source = path.with_name("source.txt")
    source.write_text(text, encoding="utf-8")
    with Project.create(path, "Letters") as project:
        project.documents.import_file(source)
        for name in BEFORE:
            project.tags.create(name)
        made = backups.make_backup(project.conn, path, "before the mistake")
    assert made is not None
    return made


def _save_then_crash(path: Path, names: set[str]) -> None:
    """A writer that saves ``names`` and is then killed: its work is only in the WAL."""
    pid = os.fork()
    if pid == 0:
        try:
            project = Project.open(path)
            for name in names:
                project.tags.create(name)
        finally:
            os._exit(0)  # no close: nothing folds the log back
    os.waitpid(pid, 0)
    wal = path.with_name(path.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0, "the test needs work left in the WAL"


def _themes(path: Path) -> set[str]:
    with Project.open(path, read_only=True) as project:
        return {t.name for t in project.tags.list()} & (BEFORE | AFTER)


def _replaced(path: Path) -> list[Path]:
    real = path.resolve()
    return sorted(real.parent.glob(f"{real.stem}.replaced-*{real.suffix}"))


# -- item 4: the write-ahead log is kept ---------------------------------------------


@needs_fork
def test_restore_keeps_work_only_the_write_ahead_log_held(tmp_path):
    path = tmp_path / "letters.annot"
    _build(path)
    _save_then_crash(path, AFTER)
    done = _cli("backups", str(path), "--restore", "1")
    assert done.returncode == 0 and "kept as" in done.stdout, done
    assert _themes(path) == BEFORE
    [kept] = _replaced(path)
    assert not Path(str(kept) + "-wal").exists(), "the replaced copy is one whole file"
    assert _themes(kept) == BEFORE | AFTER, "the replaced copy must hold the crashed work"
    assert not path.with_name(path.name + ".restoring").exists()


@needs_fork
def test_a_damaged_file_is_kept_with_the_work_its_log_held(tmp_path):
    """The usual reason to restore: the file's header is smashed. SQLite would take
    its log for a foreign one and delete it; it goes along with the kept copy instead
    (the log holds the header page too, so the pair can still be repaired)."""
    path = tmp_path / "letters.annot"
    made = _build(path)
    _save_then_crash(path, AFTER)
    wal = path.with_name(path.name + "-wal").read_bytes()
    with open(path, "r+b") as fh:
        fh.write(b"\xab" * 100)
    kept = backups.restore(made, path)
    assert kept is not None and Path(f"{kept}-wal").read_bytes() == wal
    assert not path.with_name(path.name + "-wal").exists()
    assert _themes(path) == BEFORE


@needs_fork
def test_a_log_that_cannot_be_folded_goes_along_with_the_kept_copy(tmp_path, monkeypatch):
    """A reader in the middle of a read keeps the log from being folded in: it is then
    kept under the kept copy's name, never deleted, and never left beside the restored
    file (where SQLite would replay it into the wrong database)."""
    path = tmp_path / "letters.annot"
    made = _build(path)
    _save_then_crash(path, AFTER)
    monkeypatch.setattr(backups, "FOLD_WAIT_MS", 50, raising=False)
    reader = sqlite3.connect(path)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM tags").fetchone()  # holds its snapshot
    try:
        kept = backups.restore(made, path)
    finally:
        reader.close()
    assert kept is not None and Path(f"{kept}-wal").exists()
    assert not path.with_name(path.name + "-wal").exists()
    assert _themes(kept) == BEFORE | AFTER
    assert _themes(path) == BEFORE


# -- item 5: atomic, and an interrupted restore is rolled back on open ---------------


def test_restore_interrupted_before_its_rename_is_rolled_back_on_open(tmp_path, monkeypatch):
    path = tmp_path / "letters.annot"
    made = _build(path)
    with Project.open(path) as project:
        project.tags.create("Saved after the backup")

    rename = os.replace

    def killed(source, target):  # dies as the restored file would take the project's name
        if Path(target) == path:
            raise KeyboardInterrupt
        rename(source, target)

    monkeypatch.setattr(backups.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        backups.restore(made, path)
    monkeypatch.undo()
    assert path.exists(), "the project stays at its path until the final rename"
    with Project.open(path) as project:
        assert project.tags.find("Saved after the backup") is not None
    assert not path.with_name(path.name + ".restoring").exists()
    assert _replaced(path) == [], "the copy kept for a restore that did not happen goes"


@pytest.mark.parametrize("fault", ["copy", "rename"])
def test_a_restore_that_fails_says_so_and_leaves_the_project_as_it_was(tmp_path,
                                                                       monkeypatch, fault):
    """A full disk while the backup is copied, or a rename refused at the end: a clear
    message, and nothing left behind (no partial copy, no kept copy of a file that was
    not replaced)."""
    path = tmp_path / "letters.annot"
    made = _build(path)
    with Project.open(path) as project:
        project.tags.create("Saved after the backup")
    before = path.read_bytes()

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    if fault == "copy":
        monkeypatch.setattr(backups.shutil, "copyfileobj", full)
    else:
        monkeypatch.setattr(backups.os, "replace", full)
    with pytest.raises(ProjectError, match="could not be restored .No space left on device"):
        backups.restore(made, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    left = {p.name for p in tmp_path.iterdir() if p.name.startswith("letters.")}
    assert left - {"letters.annot.lock"} == {"letters.annot", "letters.annot.backups"}


def test_restore_killed_by_an_older_annotator_is_rolled_back_on_open(tmp_path):
    """The state the red team found 20 times in 35: the project moved aside, a partial
    copy under ``.restoring``, nothing at the project's path."""
    path = tmp_path / "letters.annot"
    made = _build(path)
    kept = tmp_path / "letters.replaced-20261201T101010.annot"
    os.replace(path, kept)
    partial = path.with_name(path.name + ".restoring")
    partial.write_bytes(made.read_bytes()[: made.stat().st_size // 3])
    with Project.open(path) as project:
        assert {t.name for t in project.tags.list()} >= BEFORE
    assert not partial.exists()


@needs_fork
def test_kills_during_restore_leave_the_old_or_the_restored_project(tmp_path):
    """35 SIGKILLs at random moments of a restore (a 10 MB project whose last work is in
    its WAL): every time a project opens at the path with all of the old state or all
    of the restored one, and after a restore the kept copy holds the old state."""
    kills, outcomes = _kill_loop(tmp_path, 30, seed=16)
    assert kills >= 30 and outcomes["old"] and outcomes["restored"], (kills, outcomes)


@pytest.mark.slow
@needs_fork
def test_a_hundred_more_kills_during_restore(tmp_path):
    kills, outcomes = _kill_loop(tmp_path, 100, seed=1916)
    assert kills >= 100 and outcomes["old"] and outcomes["restored"], (kills, outcomes)


@pytest.mark.slow
@needs_fork
def test_kills_of_the_restore_command(tmp_path):
    """The red team's own attack: ``annotator backups P --restore 1`` in a process of
    its own (the command's listing, lock and restore), SIGKILLed at random moments."""
    kills, outcomes = _kill_loop(tmp_path, 30, seed=35, run=_command_and_kill)
    assert kills >= 30 and outcomes["old"] and outcomes["restored"], (kills, outcomes)


COMMAND = """
import sys
from annotator import cli
print("ready", flush=True)
sys.stdin.readline()
print("go", flush=True)
code = cli.main(["backups", sys.argv[1], "--restore", "1"])
print("done" if code == 0 else f"failed {code}", flush=True)
"""


def _command_and_kill(made: Path, path: Path, delay: float | None) -> float | None:
    """Run the restore command in a new process, SIGKILL it ``delay`` s after it is told
    to start (None: let it end); how long it took when it finished, else None."""
    child = subprocess.Popen([sys.executable, "-c", COMMAND, str(path)], text=True,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert child.stdout.readline().strip() == "ready"  # interpreter and imports done
    child.stdin.write("\n")
    child.stdin.flush()
    assert child.stdout.readline().strip() == "go"
    start = time.perf_counter()
    if delay is None:
        child.stdout.readline()
    else:
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
    child.wait()
    took = time.perf_counter() - start
    return took if delay is None or "done" in child.stdout.read() else None


def _kill_loop(tmp_path: Path, wanted: int, seed: int,
               run=None) -> tuple[int, dict[str, int]]:
    """Kill restores (``run``: forked by default) until ``wanted`` kills landed during
    one and both outcomes were seen (at most four times as many rounds); the kills and
    the outcomes."""
    run = run or _restore_and_kill
    template = tmp_path / "template"
    template.mkdir()
    line = "Paris, 17 June 1927. The delegation of Azerbaijan wrote to the League. " * 50
    made = _build(template / "letters.annot", (line + "\n") * 1500)
    _save_then_crash(template / "letters.annot", AFTER)
    work = tmp_path / "work"
    path = work / "letters.annot"

    def fresh() -> None:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        for name in ("letters.annot", "letters.annot-wal"):
            shutil.copyfile(template / name, work / name)
        shutil.copytree(template / "letters.annot.backups", work / "letters.annot.backups")

    timings = []
    for _ in range(3):  # restores unkilled, to know how long one takes
        fresh()
        timings.append(run(made, path, None))
    took = sorted(timings)[1]
    rng = random.Random(seed)
    kills, outcomes, rounds = 0, {"old": 0, "restored": 0}, 0
    while (kills < wanted or not outcomes["restored"]) and rounds < 4 * wanted:
        rounds += 1
        fresh()
        delay = rng.uniform(0, took * 1.1)
        killed = run(made, path, delay) is None
        kills += killed
        themes = _themes(path)  # opening finishes or rolls back what was interrupted
        # the machine's load changes how long a restore takes: the range of delays
        # follows it (a restore that ended first took less; one killed before its end,
        # with the file left old, may take more), so kills keep landing inside one
        took = delay if not killed else took * (1.02 if themes == BEFORE | AFTER else 1)
        assert themes in (BEFORE | AFTER, BEFORE), themes
        assert not path.with_name(path.name + ".restoring").exists()
        kept = _replaced(path)
        if themes == BEFORE:
            outcomes["restored"] += 1
            assert len(kept) == 1 and _themes(kept[0]) == BEFORE | AFTER
        else:
            outcomes["old"] += 1
            assert kept == []
    print(f"restore of {path.stat().st_size / 2**20:.0f} MB: {took * 1000:.0f} ms; "
          f"{kills} of {rounds} kills during a restore; outcomes {outcomes}")
    return kills, outcomes


def _restore_and_kill(made: Path, path: Path, delay: float | None) -> float | None:
    """Fork a restore and SIGKILL it ``delay`` s after it starts (None: let it end);
    how long it took when it finished, else None."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.write(write_fd, b"s")
            backups.restore(made, path)
            os.write(write_fd, b"d")
        finally:
            os._exit(0)
    os.close(write_fd)
    assert os.read(read_fd, 1) == b"s"
    start = time.perf_counter()
    if delay is None:
        os.read(read_fd, 1)
    else:
        time.sleep(delay)
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    took = time.perf_counter() - start
    ready, _, _ = select.select([read_fd], [], [], 0)
    finished = delay is None or (bool(ready) and os.read(read_fd, 1) == b"d")
    os.close(read_fd)
    return took if finished else None


# -- item 7: through a symbolic link, the real file is restored ----------------------


def test_restore_through_a_symbolic_link_restores_the_real_file(tmp_path):
    real_folder = tmp_path / "real"
    real_folder.mkdir()
    real = real_folder / "letters.annot"
    made = _build(real)
    with Project.open(real) as project:
        project.tags.create("Saved after the backup")
    link = tmp_path / "letters.annot"
    link.symlink_to(real)
    kept = backups.restore(made, link)
    assert link.is_symlink() and link.resolve() == real.resolve(), "the link is kept"
    assert not real.is_symlink()
    assert _themes(real) == BEFORE and _themes(link) == BEFORE
    assert kept is not None and kept.parent == real.parent.resolve()
    assert "Saved after the backup" in _themes(kept)
    assert list(tmp_path.glob("letters.replaced-*")) == [], "nothing renamed beside the link"
    # the command sees the real file's backups through the link, and keeps the link
    done = _cli("backups", str(link), "--restore", "1")
    assert done.returncode == 0 and link.is_symlink(), done


def test_restore_does_not_write_through_a_planted_restoring_link(tmp_path):
    path = tmp_path / "letters.annot"
    made = _build(path)
    victim = tmp_path / "victim.txt"
    victim.write_text("someone else's file")
    path.with_name(path.name + ".restoring").symlink_to(victim)
    backups.restore(made, path)
    assert victim.read_text() == "someone else's file"
    assert _themes(path) == BEFORE


# -- item 10: the backups folder is a real folder of ours, or nothing is written -----


@pytest.fixture
def planted(tmp_path):
    """A project whose ``.backups`` is a symbolic link to another folder, which holds
    files that look like old backups (a prune must not delete them)."""
    path = tmp_path / "letters.annot"
    source = tmp_path / "source.txt"
    source.write_text(LETTER, encoding="utf-8")
    with Project.create(path, "Letters") as project:
        project.documents.import_file(source)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for day in range(1, 13):
        (elsewhere / f"202001{day:02d}T000000000000Z.daily.annot").write_text("theirs")
    backups.backup_dir(path).symlink_to(elsewhere, target_is_directory=True)
    return path, elsewhere


def test_a_backups_link_is_never_written_through(planted, caplog):
    path, elsewhere = planted
    before = sorted(p.name for p in elsewhere.iterdir())
    with caplog.at_level(logging.WARNING), Project.open(path) as project:  # daily backup due
        project.tags.create("Work goes on")
    assert "backup was skipped" in caplog.text and "symbolic link" in caplog.text
    assert sorted(p.name for p in elsewhere.iterdir()) == before
    assert backups.list_backups(path) == []  # none offered from someone else's folder
    made = _cli("backups", str(path), "--make")
    assert made.returncode == 2 and "symbolic link" in made.stderr, made
    assert "Traceback" not in made.stderr
    listed = _cli("backups", str(path))
    assert listed.returncode == 0 and "symbolic link" in listed.stderr, listed
    assert sorted(p.name for p in elsewhere.iterdir()) == before


def test_a_merge_goes_on_without_writing_through_a_backups_link(planted, tmp_path):
    path, elsewhere = planted
    other = tmp_path / "colleague.annot"
    shutil.copyfile(path, other)
    with Project.open(other) as theirs:
        theirs.tags.create("Their theme")
    before = sorted(p.name for p in elsewhere.iterdir())
    with Project.open(path) as project:
        report = merge(project, other).value
        assert project.tags.find("Their theme") is not None
    assert report.backup == ""
    assert sorted(p.name for p in elsewhere.iterdir()) == before


def test_a_file_named_like_the_backups_folder_is_refused_clearly(tmp_path):
    path = tmp_path / "letters.annot"
    _build(path)
    shutil.rmtree(backups.backup_dir(path))
    backups.backup_dir(path).write_text("not a folder")
    made = _cli("backups", str(path), "--make")
    assert made.returncode == 2 and "is a file, not a folder" in made.stderr, made
    assert "Traceback" not in made.stderr
    with Project.open(path) as project:  # the daily backup is skipped, work goes on
        project.tags.create("Work goes on")
    assert backups.backup_dir(path).read_text() == "not a folder"


def test_a_link_among_the_backups_is_not_offered(tmp_path):
    """A backups folder that arrived with a shared project may hold a link named like a
    backup: it is neither listed nor restored from (nor followed when pruned)."""
    path = tmp_path / "letters.annot"
    made = _build(path)
    planted = backups.backup_dir(path) / "29990101T000000000000Z.daily.annot"
    planted.symlink_to(made)
    assert [b.path for b in backups.list_backups(path)] == [made]
