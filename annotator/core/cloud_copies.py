"""Conflicted copies a cloud folder's sync client left beside a project.

When two laptops change a project in a synced folder before the client has carried
one change over, the client keeps both: the project and a "conflicted copy" beside
it. Each is a whole project; merging the copy into the project (``annotator merge``)
loses neither. When a project is opened we look for such copies and offer that.

The names the clients give (``P`` the project's name without ``.annot``):

* Dropbox: ``P (conflicted copy 2026-01-02).annot``, ``P (Alice's conflicted copy
  2026-01-02).annot``, also with `` (1)`` after it;
* Nextcloud / ownCloud: ``P (conflicted copy 2026-01-02 101010).annot`` and, since
  Nextcloud 3.x, ``P_conflict-20260102-101010.annot``;
* OneDrive: ``P-HOSTNAME.annot``, the computer's name appended. What a host name
  looks like, decided here: this machine's own name (any case), or a Windows
  computer name — 3 to 15 characters of capital letters, digits and hyphens that
  starts with a letter (DESKTOP-4F2K9QZ, LAPTOP-0A1B2C3, OFFICE-PC) — but not a
  version or a word people put in names (V2, FINAL, OLD, NEW, COPY, BACKUP, DRAFT), and
  never lower case ("P-v2.annot", "P-final.annot" are a scholar's own versions).

A name alone is not enough: a copy is offered only when it is an annotator project
with the same project id as ours (a conflicted copy is the same project, diverged).
"""

from __future__ import annotations

import re
import socket
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from annotator.core.errors import AnnotatorError

SUFFIX = ".annot"
_CONFLICTED = re.compile(r" \((?:[^()]*?'s )?conflicted copy[^()]*\)(?: \(\d+\))?", re.I)
_NEXTCLOUD = re.compile(r"_conflict-\d{8}-\d{6}(?: \(\d+\))?")
_WINDOWS_HOST = re.compile(r"-([A-Z][A-Z0-9-]{2,14})")
_NOT_A_HOST = re.compile(r"V\d+(?:-\d+)*|FINAL|OLD|NEW|COPY|BACKUP|DRAFT|ORIG(?:INAL)?|TEST",
                         re.I)


@dataclass(frozen=True, slots=True)
class CloudCopy:
    path: Path
    service: str  # which client's naming it follows


def service_of(project_name: str, candidate: str, *, host: str | None = None) -> str | None:
    """Which sync client's conflicted-copy name ``candidate`` is for the project file
    ``project_name`` (both plain file names), or None."""
    if not (project_name.endswith(SUFFIX) and candidate.endswith(SUFFIX)):
        return None
    stem = project_name[:-len(SUFFIX)]
    if not candidate.startswith(stem) or candidate == project_name:
        return None
    rest = candidate[len(stem):-len(SUFFIX)]
    if _CONFLICTED.fullmatch(rest):
        return "Dropbox or Nextcloud"
    if _NEXTCLOUD.fullmatch(rest):
        return "Nextcloud"
    host = (host if host is not None else socket.gethostname()).split(".")[0]
    if host and rest.casefold() == f"-{host}".casefold():
        return "OneDrive"
    found = _WINDOWS_HOST.fullmatch(rest)
    if found and not _NOT_A_HOST.fullmatch(found.group(1)):
        return "OneDrive"
    return None


def _project_id(path: Path) -> str | None:
    """The project id of an annotator file, read without writing anything; None for
    anything else."""
    from annotator.core.project import _inspect

    try:
        _inspect(path)
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    except (AnnotatorError, sqlite3.Error, OSError):
        return None
    try:
        conn.execute("PRAGMA trusted_schema = OFF")
        row = conn.execute("SELECT value FROM project WHERE key = 'id'").fetchone()
        return row[0] if row and isinstance(row[0], str) else None
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def conflicted_copies(project_path: Path, project_id: str | None = None) -> list[CloudCopy]:
    """The sync clients' conflicted copies of the project lying beside it, by name.
    ``project_id``: ours (read from the file when not given); copies of another
    project are left out."""
    project_path = Path(project_path)
    folder = project_path.parent
    if project_id is None:
        project_id = _project_id(project_path)
    found = []
    try:
        names = sorted(p.name for p in folder.iterdir())
    except OSError:
        return []
    for name in names:
        service = service_of(project_path.name, name)
        if service is None:
            continue
        candidate = folder / name
        if candidate.is_symlink() or not candidate.is_file():
            continue
        if project_id is not None and _project_id(candidate) != project_id:
            continue
        found.append(CloudCopy(candidate, service))
    return found
