"""git as the team's sync engine: the attributes and configuration that make git merge
project files with our three-way merge, the merge driver git calls, and the textconv
that makes ``git diff`` / ``git log -p`` of a project file readable.

Without this git treats a ``.annot`` file as an opaque binary: a pull where both sides
annotated ends in a conflict nobody can resolve by hand. With it git calls
``annotator merge-driver %O %A %B %P`` (its custom merge driver protocol: the common
ancestor, ours, theirs, the path in the work tree) and ``annotator diff-text``.

The driver never works on git's temporary files in place: ours is copied into a
private temporary folder (so no ``-wal``/``-shm``, lock file or backup folder is made
beside it in the work tree) and merged there, theirs and the base are read by the
merge from its own private checked copies, and only then is the result put over
``%A`` by rename. git keeps every committed version, so no backup is made.
"""

from __future__ import annotations

import filecmp
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from annotator.core import verified
from annotator.core.backups import copy_durably
from annotator.core.errors import AnnotatorError, ProjectError

#: the line ``git-setup`` keeps in .gitattributes: our merge and diff, never line-ending
#: conversion (a project file is bytes)
ATTRIBUTES = "*.annot merge=annotator diff=annotator -text"
#: what opening a project leaves beside it, never to be committed
IGNORED = ("*.annot-wal", "*.annot-shm", "*.annot-journal", "*.annot.lock",
           "*.annot.backups/")


class GitError(AnnotatorError):
    """git is missing, this is not a work tree, or git refused a command."""


@dataclass(slots=True)
class SetupReport:
    """What ``git-setup`` wrote (empty lists: everything was already in place)."""

    worktree: Path
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def annotator_command() -> str:
    """This very annotator, as a shell command: the running interpreter's absolute path,
    so git finds the one in the venv even when the venv is not activated."""
    return shlex.join([sys.executable, "-m", "annotator"])


def _git(args: list[str], cwd: Path, *, check: bool = True) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    except FileNotFoundError:
        raise GitError("git is not installed (or not on the PATH).") from None
    if check and done.returncode != 0:
        raise GitError(f"git {' '.join(args)} failed: {done.stderr.strip() or done.stdout}")
    return done.stdout.strip()


def worktree_of(folder: Path) -> Path:
    """The top of the git work tree ``folder`` lies in; GitError outside one."""
    if not folder.is_dir():
        raise GitError(f"{folder} is not a folder.")
    top = _git(["rev-parse", "--show-toplevel"], folder, check=False)
    if not top:
        raise GitError(f"{folder} is not inside a git work tree; run `git init` or "
                       "`git clone` first, then `annotator git-setup` there.")
    return Path(top)


def setup(folder: Path, projects: list[Path] = ()) -> SetupReport:  # type: ignore[assignment]
    """Write .gitattributes, .gitignore and the repository's config so that project
    files merge with ``annotator merge-driver`` and diff with ``annotator diff-text``.
    Idempotent: what is already in place is left as it is. ``projects`` whose names do
    not end in .annot get an attribute line of their own."""
    top = worktree_of(folder)
    report = SetupReport(top)
    lines = [ATTRIBUTES]
    for project in projects:
        path = Path(project).resolve()
        try:
            relative = path.relative_to(top.resolve())
        except ValueError:
            raise GitError(f"{project} is not inside the work tree {top}.") from None
        if path.suffix != ".annot":
            lines.append(f"/{_attribute_path(relative.as_posix())} merge=annotator "
                         "diff=annotator -text")
    _keep_lines(top / ".gitattributes", lines, report, replaces=_same_pattern)
    _keep_lines(top / ".gitignore", list(IGNORED), report)
    command = annotator_command()
    config = {
        "merge.annotator.name": "annotator: three-way merge of project files",
        "merge.annotator.driver": f"{command} merge-driver %O %A %B %P",
        "diff.annotator.textconv": f"{command} diff-text",
    }
    for key, value in config.items():
        current = _git(["config", "--local", "--get", key], top, check=False)
        if current == value:
            report.unchanged.append(f"git config {key}")
        else:
            _git(["config", "--local", key, value], top)
            report.written.append(f"git config {key} = {value}")
    return report


def _attribute_path(path: str) -> str:
    """A path as a .gitattributes pattern: spaces and pattern characters escaped."""
    return "".join("\\" + c if c in " \\*?[#!" else c for c in path)


def _same_pattern(old: str, new: str) -> bool:
    """An attribute line for the pattern ours sets (``*.annot …``), to be replaced."""
    return bool(old.split()) and old.split()[0] == new.split()[0]


def _keep_lines(file: Path, lines: list[str], report: SetupReport,
                replaces=None) -> None:
    """Make every one of ``lines`` present in ``file``; a line ``replaces(old, new)``
    says is an older version of one of ours is rewritten in place. Written beside and
    renamed, so a kill leaves the old file or the new one."""
    old_text = file.read_text(encoding="utf-8") if file.exists() else ""
    existing = old_text.splitlines()
    out = list(existing)
    for line in lines:
        if line in out:
            continue
        at = next((i for i, old in enumerate(out) if replaces and replaces(old, line)), None)
        if at is None:
            out.append(line)
        else:
            out[at] = line
    if out == existing:
        report.unchanged.append(file.name)
        return
    partial = file.with_name(f".{file.name}.annotator-partial")
    partial.write_text("\n".join(out) + "\n", encoding="utf-8")
    os.replace(partial, file)
    report.written.append(f"{file.name}: " + "; ".join(line for line in out
                                                        if line not in existing))


# -- the merge driver -----------------------------------------------------------------


@dataclass(slots=True)
class DriverResult:
    """What the merge driver did, for the line git shows."""

    summary: str
    conflicts: int | None = None  # None: this merge cannot tell conflicts (two-way)
    three_way: bool = False


def git_author(folder: Path) -> str | None:
    """The committer's name from git's config, for the merge's change set."""
    try:
        return _git(["config", "user.name"], folder, check=False) or None
    except GitError:
        return None


def merge_driver(base: Path, ours: Path, theirs: Path, *, author: str | None = None,
                 name: str = "") -> DriverResult:
    """git's merge driver: merge ``theirs`` into ``ours`` with ``base`` as their common
    ancestor and leave the result in ``ours``. Conflicts are kept inside the project
    (listed by ``annotator conflicts``), never as conflict markers: a clean exit.
    Raises AnnotatorError (``ours`` untouched) when a file cannot be merged."""
    from annotator.core import merge as merging
    from annotator.core.project import Project

    for what, path in (("ours", ours), ("theirs", theirs)):
        if not path.is_file():
            raise ProjectError(f"the merge driver was given no file for {what} ({path}).")
    file_name = Path(name).name if name.endswith(".annot") else "project.annot"
    # theirs and the base are read by the merge itself from private checked copies
    # (nothing is made beside git's files); ours is merged into a private copy
    base_file = base if base.is_file() and base.stat().st_size > 0 else None  # add/add
    with tempfile.TemporaryDirectory(prefix="annotator-git-") as folder:
        mine = Path(folder) / "ours" / file_name
        try:
            mine.parent.mkdir()
            shutil.copyfile(ours, mine)
            _no_daily_backup(mine)
        except OSError as exc:  # a full temporary folder: git keeps the conflict
            raise ProjectError(f"the files could not be copied for merging "
                               f"({exc.strerror or exc}); nothing was changed.") from None
        vouched = _vouch_for_ours(ours, mine, Path(name) if name else None)
        try:
            with Project.open(mine, author=author) as project:
                kwargs = {"backup": False}
                three_way = base_file is not None and _takes_base(merging.merge)
                if three_way:
                    kwargs["base"] = base_file
                report = merging.merge(project, theirs, **kwargs).value
        finally:
            if vouched:
                verified.forget(mine)  # a record of a temporary file is no use later
        conflicts = getattr(report, "conflicts", None)
        count = len(conflicts) if isinstance(conflicts, list | tuple | dict) else conflicts
        _put_back(mine, ours)
    return DriverResult(report.summary(), count, three_way)


def _vouch_for_ours(ours: Path, copy: Path, work_file: Path | None) -> bool:
    """git's ``%A`` is our committed file, which the work tree (``%P``) holds too; if
    that file passed our checks and is unchanged since (:mod:`verified`) and ``%A`` is
    byte for byte the same, the private copy is vouched for, so opening it costs no
    second check of every page and value (1.5 s at 100k annotations). Byte-compared,
    never assumed: any difference and the copy is checked in full."""
    from annotator.core.project import _inspect

    if work_file is None or not work_file.is_file():
        return False
    try:
        version = _inspect(work_file)
        if not verified.is_verified(work_file, version) or \
                work_file.stat().st_size != ours.stat().st_size or \
                not filecmp.cmp(work_file, ours, shallow=False):
            return False
    except (OSError, ProjectError):
        return False
    verified.remember(copy, version, verified.fingerprint(copy))
    return verified.is_verified(copy, version)


def _no_daily_backup(copy: Path) -> None:
    """Opening a project makes its first backup of the day (a second copy of the file:
    ~1 s for 100k annotations); git keeps every committed version, so the private copy
    the driver merges in is marked as backed up today."""
    from datetime import UTC, datetime

    from annotator.core import backups

    folder = backups.backup_dir(copy)
    folder.mkdir()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    (folder / f"{stamp}.kept-by-git.annot").touch()


def _takes_base(function) -> bool:
    import inspect

    return "base" in inspect.signature(function).parameters


def _put_back(result: Path, ours: Path) -> None:
    """The merged file over git's ``%A``: copied beside it, synced, renamed."""
    partial = ours.with_name(f".{ours.name}.annotator-merge")
    try:
        partial.unlink(missing_ok=True)  # left by a driver that was killed
        copy_durably(result, partial)
        os.replace(partial, ours)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ProjectError(f"the merged project could not be written to {ours}: "
                           f"{exc.strerror or exc}.") from None


# -- textconv: the project as lines ---------------------------------------------------


def diff_lines(path: Path) -> Iterator[str]:
    """A project file as one line per thing a scholar made, in a stable order (by id
    within each kind, annotations in reading order per document), for ``git diff``.
    Read as it lies, never written to, streamed: a 100k-annotation file is not loaded
    whole. Deleted rows are left out (a deletion shows as a removed line)."""
    from annotator.core.project import _connect, _inspect

    path = Path(path)
    _inspect(path)  # one of our files, of a format we read
    wal = Path(f"{path}-wal")
    # git's temporary copy of a blob has no journal: read it immutable (no -shm made)
    live = wal.exists() and wal.stat().st_size > 0
    conn = _connect(path, read_only=True, immutable=not live)
    try:
        yield from _lines(conn)
    except sqlite3.DatabaseError as exc:
        raise ProjectError(f"{path.name} cannot be read ({exc}).") from None
    finally:
        conn.close()


def _one_line(value: object) -> str:
    text = "" if value is None else str(value)
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")


def _q(value: object) -> str:
    return f"“{_one_line(value)}”"


def _lines(conn: sqlite3.Connection) -> Iterator[str]:
    title = conn.execute("SELECT value FROM project WHERE key = 'title'").fetchone()
    yield f"project {_q(title[0] if title else '')}"
    authors = dict(conn.execute("SELECT id, name FROM authors"))
    tags: dict[str, tuple[str, str | None]] = {
        r[0]: (r[1], r[2]) for r in conn.execute(
            "SELECT id, name, parent_id FROM tags WHERE deleted = 0")}

    paths: dict[str, str] = {}

    def tag_path(tag_id: str) -> str:
        if tag_id not in paths:
            paths[tag_id] = _path_of(tag_id)
        return paths[tag_id]

    def _path_of(tag_id: str) -> str:
        parts, seen = [], set()
        while tag_id in tags and tag_id not in seen and len(parts) < 32:
            seen.add(tag_id)
            name, parent = tags[tag_id]
            parts.append(name)
            tag_id = parent or ""
        return "/".join(reversed(parts)) or tag_id[:8]

    titles: dict[str, str] = {}
    for doc_id, title_, kind, sha, pages, chars in conn.execute(
            "SELECT id, title, kind, sha256, page_count, length(text) FROM documents "
            "WHERE deleted = 0 ORDER BY id"):
        titles[doc_id] = title_
        size = f"{pages} pages" if kind == "paged" else f"{chars or 0} chars"
        yield f"document {doc_id[:8]} {_q(title_)} {kind}, {size}, sha256 {sha[:16]}"
    for tag_id, kind, color, description in conn.execute(
            "SELECT id, kind, color, description FROM tags WHERE deleted = 0 "
            "ORDER BY id"):
        desc = f" {_q(description)}" if description else ""
        yield f"tag {tag_id[:8]} {kind} {_q(tag_path(tag_id))} {color}{desc}"
    entities: dict[str, str] = {}
    for ent_id, type_id, name, aliases, identifiers in conn.execute(
            "SELECT id, type_id, name, aliases, identifiers FROM entities WHERE deleted = 0 "
            "ORDER BY id"):
        entities[ent_id] = name
        extra = "".join(f" {label} {_one_line(value)}" for label, value in
                        (("aliases", aliases), ("ids", identifiers))
                        if value not in ("[]", "{}", "", None))
        yield f"entity {ent_id[:8]} {_q(tag_path(type_id))} {_q(name)}{extra}"
    for link_id, source, target, relation in conn.execute(
            "SELECT id, source_id, target_id, relation FROM document_links WHERE deleted = 0 "
            "ORDER BY id"):
        yield (f"document link {link_id[:8]} {source[:8]} {relation} of {target[:8]} "
               f"{_q(titles.get(source, ''))} -> {_q(titles.get(target, ''))}")
    rows = conn.execute(
        "SELECT a.id, a.document_id, a.start_offset, a.end_offset, a.page, a.x, a.y, a.w, "
        "a.h, coalesce(a.exact, ''), a.note, a.entity_id, a.author_id, a.date_value, "
        "(SELECT group_concat(tag_id, ' ') FROM annotation_tags WHERE annotation_id = a.id) "
        "FROM annotations a WHERE a.deleted = 0 "
        "ORDER BY a.document_id, a.start_offset, a.page, a.y, a.x, a.id")
    for (ann_id, doc_id, start, end, page, x, y, w, h, exact, note, entity_id, author_id,
         date_value, tag_ids) in rows:
        where = (f"{start}-{end}" if start is not None
                 else f"p{page} {x:.0f},{y:.0f},{w:.0f}x{h:.0f}" if page is not None else "?")
        tag_names = sorted(tag_path(t) for t in (tag_ids or "").split())
        parts = [f"annotation {ann_id[:8]} in {_q(titles.get(doc_id, doc_id[:8]))} {where}",
                 _q(exact)]
        if tag_names:
            parts.append("tags " + ", ".join(_one_line(t) for t in tag_names))
        if entity_id:
            parts.append(f"entity {_q(entities.get(entity_id, entity_id[:8]))}")
        if date_value:
            parts.append(f"date {date_value}")
        if note:
            parts.append(f"note {_q(note)}")
        parts.append(f"by {_one_line(authors.get(author_id, author_id[:8]))}")
        yield " ".join(parts)
    for link_id, source, target, relation, note in conn.execute(
            "SELECT id, source_id, target_id, relation, note FROM links WHERE deleted = 0 "
            "ORDER BY id"):
        tail = f" note {_q(note)}" if note else ""
        yield f"link {link_id[:8]} {source[:8]} {relation} {target[:8]}{tail}"
