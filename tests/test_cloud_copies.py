"""Conflicted copies of a project that sync clients leave beside it are found by name
(and by being the same project), and `annotator info` says how to merge them in."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from annotator.core.cloud_copies import conflicted_copies, service_of
from annotator.core.project import Project


@pytest.mark.parametrize("name, service", [
    ("letters (conflicted copy 2026-01-02).annot", "Dropbox or Nextcloud"),
    ("letters (Alice's conflicted copy 2026-01-02).annot", "Dropbox or Nextcloud"),
    ("letters (Alice Smith's MacBook Pro's conflicted copy 2026-01-02).annot",
     "Dropbox or Nextcloud"),
    ("letters (conflicted copy 2026-01-02) (1).annot", "Dropbox or Nextcloud"),
    ("letters (conflicted copy 2026-01-02 101010).annot", "Dropbox or Nextcloud"),
    ("letters_conflict-20260102-101010.annot", "Nextcloud"),
    ("letters-DESKTOP-4F2K9QZ.annot", "OneDrive"),
    ("letters-LAPTOP-0A1B2C3.annot", "OneDrive"),
    ("letters-OFFICEPC.annot", "OneDrive"),
    ("letters-archive-box.annot", "OneDrive"),  # this machine's own name, any case
])
def test_conflicted_copy_names(name, service):
    assert service_of("letters.annot", name, host="Archive-Box.local") == service


@pytest.mark.parametrize("name", [
    "letters.annot", "letters-v2.annot", "letters-V2.annot", "letters-final.annot",
    "letters-FINAL.annot", "letters-BACKUP.annot", "letters-2026.annot",
    "letters copy.annot", "letters (1).annot", "letters (conflicted copy).txt",
    "other (conflicted copy 2026-01-02).annot", "letters_conflict-2026.annot",
    "letters.annot.backups", "letters (conflicted copy 2026-01-02).annot-wal",
    "letters-my-laptop.annot",  # lower case, and not this machine
])
def test_not_conflicted_copies(name):
    assert service_of("letters.annot", name, host="archive-box") is None


def test_copies_of_this_project_only(tmp_path):
    path = tmp_path / "letters.annot"
    Project.create(path).close()
    Project.create(tmp_path / "other.annot").close()
    copy = tmp_path / "letters (conflicted copy 2026-01-02).annot"
    shutil.copyfile(path, copy)
    shutil.copyfile(tmp_path / "other.annot", tmp_path / "letters-DESKTOP-4F2K9QZ.annot")
    (tmp_path / "letters_conflict-20260102-101010.annot").write_bytes(b"not a project")
    found = conflicted_copies(path)
    assert [(c.path, c.service) for c in found] == [(copy, "Dropbox or Nextcloud")]
    done = subprocess.run([sys.executable, "-m", "annotator", "info", str(path), "--json"],
                          capture_output=True, text=True)
    assert done.returncode == 0
    assert "conflicted copy of this project" in done.stderr
    assert f"annotator merge {path}" in done.stderr and "'" in done.stderr  # quoted name
