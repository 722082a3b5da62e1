"""A copy of the project for a colleague: compacted, self-contained, and the snapshot
sent remembered so that her copy merges back three-way.

It is written under a temporary name beside the target, synced, and only then given
its name: a killed copy leaves no half file under that name (and a retry is not
refused); temporaries that killed copies left behind are removed when stale.
"""

from __future__ import annotations

import glob
import os
import secrets
import sqlite3
import stat
import time
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.core import backups, merge_base
from annotator.core.changes import OpChanges, OpResult
from annotator.core.errors import AnnotatorError, ProjectError
from annotator.core.project import _inspect

if TYPE_CHECKING:
    from annotator.core.project import Project


#: a leftover of a killed copy is removed once it has not been written to for this long
_STALE_SECONDS = 600


def copy_for_colleague(project: Project, target: str | Path) -> OpResult[Path]:
    """"Save a copy for a colleague…": a compacted, self-contained copy (VACUUM INTO,
    no -wal beside it) with every source inside. Refuses to overwrite a file. Written
    under a temporary name beside ``target`` and synced before it takes that name, so
    a crash or a kill leaves either no copy or a whole one (and a retry is not
    refused); temporaries that killed copies left behind are removed when stale."""
    target = Path(target)
    if target.exists():
        raise AnnotatorError(f"{target} already exists; choose another name.")
    if not target.parent.is_dir():
        raise AnnotatorError(f"the folder {target.parent} does not exist.")
    _remove_stale_partials(target)
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    try:  # made empty (VACUUM INTO writes into an empty file), with the usual permissions
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except OSError as exc:
        raise AnnotatorError(f"the copy could not be written in {target.parent}: "
                             f"{exc.strerror or exc}.") from None
    try:
        project.conn.execute("VACUUM INTO ?", (str(partial),))
        # the snapshot sent is kept, so the copy merges back three-way
        merge_base.record_sent(partial, project.path)
        _inspect(partial)  # the copy must open as one of our files
        _sync(partial)
        _give_name(partial, target)
    except (sqlite3.Error, OSError, ProjectError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise AnnotatorError(f"the copy could not be written: {reason}.") from None
    finally:
        partial.unlink(missing_ok=True)
        Path(f"{partial}-journal").unlink(missing_ok=True)
    return OpResult(target, OpChanges())


def _sync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _give_name(partial: Path, target: Path) -> None:
    """``partial`` becomes ``target`` — unless a file of that name appeared meanwhile
    (a hard link never replaces one) — and the folder entry is synced."""
    try:
        os.link(partial, target)
    except FileExistsError:
        raise AnnotatorError(f"{target} already exists; choose another name.") from None
    except OSError:  # a file system without hard links
        if target.exists():
            raise AnnotatorError(f"{target} already exists; choose another name.") from None
        os.replace(partial, target)
    backups.sync_folder(target.parent)


def _remove_stale_partials(target: Path) -> None:
    """Temporaries of earlier copies to ``target`` that were killed, and SQLite's
    journals of them (none is left unwritten for minutes by a copy still running)."""
    for leftover in target.parent.glob(f".{glob.escape(target.name)}.*.part*"):
        try:
            found = leftover.lstat()
            if stat.S_ISREG(found.st_mode) and time.time() - found.st_mtime > _STALE_SECONDS:
                leftover.unlink()
        except OSError:
            pass
