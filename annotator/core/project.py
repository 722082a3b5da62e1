"""The project file: open, create, migrate, and the one transaction per user action.

A project is one SQLite file, self-contained so it can be mailed. Each user action is
one ``with project.transaction():`` block that commits (WAL, synchronous=FULL) before
the caller reports it done: a crash or a power cut loses at most the action in flight.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from annotator import __version__
from annotator.core import backups, locking, open_checks, schema, verified
from annotator.core.changes import OpChanges, OpResult
from annotator.core.errors import ProjectError
from annotator.core.util import new_id, now, tolerant_text

if TYPE_CHECKING:
    from annotator.core.search_follow import Followed

SQLITE_MAGIC = b"SQLite format 3\x00"


def default_author_name() -> str:
    """Who is annotating: $ANNOTATOR_AUTHOR, else the login name. The GUI asks once
    and passes the answer explicitly."""
    name = os.environ.get("ANNOTATOR_AUTHOR", "").strip()
    if name:
        return name
    try:
        import getpass

        return getpass.getuser() or "Anonymous"
    except Exception:  # no login name in some sandboxes and services
        return "Anonymous"


class Project:
    """An open project file. Use :meth:`create` or :meth:`open`; close when done
    (or use it as a context manager)."""

    def __init__(self, conn: sqlite3.Connection, path: Path, *, read_only: bool,
                 author: str | None) -> None:
        from annotator.core.annotations import AnnotationStore
        from annotator.core.authors import AuthorStore
        from annotator.core.codebook import TagStore
        from annotator.core.documents import DocumentStore
        from annotator.core.entities import EntityStore
        from annotator.core.links import LinkStore

        self.conn = conn
        self.path = path
        self.read_only = read_only
        self.backup_due = False  # the day's backup, left to the caller (see open)
        self._db = None
        self._depth = 0
        self._action: dict = {}
        self._journal = None  # the change journal's recorder (annotator.core.journal)
        self._undone_may_exist = True  # until a new action has ended the redo chain
        self._followed: Followed | None = None  # the action's, till commit
        self._journal_moved = False  # the action under way recorded or replayed changes
        #: the change set the last action recorded (the GUI's undo step); None when it
        #: changed nothing
        self.last_changeset: int | None = None
        self._author_name = author or default_author_name()
        self.authors = AuthorStore(self)
        self.documents = DocumentStore(self)
        self.annotations = AnnotationStore(self)
        self.tags = TagStore(self)
        self.entities = EntityStore(self)
        self.links = LinkStore(self)

    # -- opening ---------------------------------------------------------------------

    @classmethod
    def create(cls, path: str | Path, title: str = "", *, author: str | None = None,
               default_codebook: bool = True) -> Project:
        """Create a new project file; refuses to overwrite an existing file."""
        path = Path(path)
        if path.exists():
            raise ProjectError(f"{path} already exists; choose another name or open it.")
        if not path.parent.exists():
            raise ProjectError(f"the folder {path.parent} does not exist.")
        locking.acquire(path)
        conn = _connect(path, read_only=False)
        project = cls(conn, path, read_only=False, author=author)
        try:
            with project.transaction():
                schema.create(conn)
                stamp = now()
                for key, value in (("id", new_id()), ("title", title or path.stem),
                                   ("created_at", stamp), ("app_version", __version__)):
                    conn.execute("INSERT INTO project (key, value) VALUES (?, ?)", (key, value))
            project._start_journal()
            if default_codebook:
                with project.transaction("Default codebook", kind="mechanical"):
                    project.tags.create_default_codebook()
        except BaseException:
            conn.close()
            locking.release(path)
            for suffix in ("", "-wal", "-shm", ".lock"):
                Path(str(path) + suffix).unlink(missing_ok=True)
            raise
        return project

    @classmethod
    def open(cls, path: str | Path, *, read_only: bool = False,
             author: str | None = None, backup_now: bool = True) -> Project:
        """Open a project file. It is checked first, through a read-only connection:
        a newer, foreign, damaged or tampered file is refused before anything is
        written to it. An older file is migrated after a backup. Raises ProjectLocked
        when another process has it open for writing (open it read-only instead).
        The day's backup is made before the first write, unless ``backup_now`` is
        False: then ``backup_due`` says whether the caller (the workbench) should make
        it in the background (:func:`backups.make_backup_of`), off the open path."""
        path = Path(path)
        backups.finish_interrupted_restore(path)  # a restore killed halfway is rolled back
        version = _inspect(path)
        immutable = not _writable(path)
        read_only = read_only or immutable
        # the file as we left it at our last close (not changed, copied or restored
        # since): what our cache folder remembers of it holds (journal_split's mark)
        as_left = not read_only and verified.is_verified(path, version)
        # the header's version is stale while a WAL holds a newer one (a migration not
        # yet folded back when the app was killed): the file's own answer decides
        version = _validate(path, version, immutable)
        if version < schema.SCHEMA_VERSION and read_only:
            raise ProjectError(
                f"{path.name} uses an older file format (version {version}) and must be "
                "upgraded before it can be read; open it where it can be written to "
                "upgrade it (a backup copy is kept)."
            )
        if not read_only:
            locking.acquire(path)
        try:
            conn = _connect(path, read_only=read_only, immutable=immutable)
            # checked again on the connection that will write: the file cannot be
            # swapped for another between the check and the first write
            foreign = schema.foreign_objects(conn, version)
            if foreign:
                conn.close()
                raise ProjectError(f"{path.name} changed while it was being opened and now "
                                   f"holds objects annotator did not make ({foreign[0]}); "
                                   "it was not opened.")
        except BaseException:
            if not read_only:
                locking.release(path)
            raise
        project = cls(conn, path, read_only=read_only, author=author)
        try:
            if version < schema.SCHEMA_VERSION:
                backups.make_backup(conn, path, f"before upgrade to format {schema.SCHEMA_VERSION}")
                with project.transaction():
                    schema.migrate(conn, version)
                # fold the upgrade into the file itself, header included, at once
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            elif not read_only and backups.is_due(path) and project.documents.list():
                if backup_now:
                    backups.make_backup(conn, path, "daily")
                else:
                    project.backup_due = True
            project._start_journal()
            if not read_only:
                _bound_journal_rows(project, as_left)
        except BaseException:
            project.close()
            raise
        return project

    def close(self) -> None:
        if self.conn is not None:
            if not self.read_only:
                from annotator.core import search_index, tally

                if self.conn.total_changes:
                    search_index.settle(self)  # searched read-only without rebuilding
                    tally.settle(self)  # `info` reads its counts
                try:  # fold the WAL back so the single .annot file is complete to mail
                    self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                except sqlite3.Error:
                    pass
            self.conn.close()
            self.conn = None  # type: ignore[assignment]
            if not self.read_only:
                # what we wrote under our lock needs no checking on the next open
                verified.remember(self.path, schema.SCHEMA_VERSION,
                                  verified.fingerprint(self.path))
                locking.release(self.path)

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def db(self):
        """The file as a ``sqlite_utils.Database``, for introspection and ad-hoc queries.
        Imported on first use: sqlite-utils pulls in numpy when present (~100 ms), which
        must stay off the start-up path."""
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self.conn)
        return self._db

    # -- transactions ----------------------------------------------------------------

    @contextmanager
    def transaction(self, label: str = "", *, kind: str = "edit", coalesce: str = "",
                    record: bool = True) -> Iterator[sqlite3.Connection]:
        """One user action: commits on success, rolls back on any error, and is recorded
        in the change journal as one change set (``label``, or one made from what it
        changed) that undo and history read. A nested block is a SAVEPOINT inside the
        outer action: its failure rolls back only its own writes, and its label names
        the action when the outer block gave none. ``coalesce``: successive actions with
        the same key (typing a note) become one undo step. ``record=False`` is for the
        journal's own undo and redo."""
        if self.read_only:
            raise ProjectError(f"{self.path.name} is open read-only; nothing can be changed.")
        if self._depth:
            action = self._action
            if label and not action["label"]:
                action["label"] = label
            if kind != "edit" and action["kind"] == "edit":
                action["kind"] = kind
            savepoint = f"action_{self._depth}"
            self.conn.execute(f"SAVEPOINT {savepoint}")
            self._depth += 1
            try:
                yield self.conn
            except BaseException:
                if self.conn.in_transaction:  # SQLite may have rolled it all back (disk full)
                    self.conn.execute(f"ROLLBACK TO {savepoint}")
                    self.conn.execute(f"RELEASE {savepoint}")
                raise
            finally:
                self._depth -= 1
            self.conn.execute(f"RELEASE {savepoint}")
            return
        journaled = self._journal is not None
        self.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        self._action = {"label": label, "kind": kind, "coalesce": coalesce}
        self._followed, self._journal_moved = None, False
        from annotator.core import search_follow  # off the start-up path (journal: ~10 ms)

        search_follow.began(self)
        if record:
            self.last_changeset = None
        try:
            if journaled:
                self._journal.clear()
                self._journal.recording(record)
            yield self.conn
            if journaled and record:
                from annotator.core import journal

                changes = self._journal.take()
                if changes:
                    was_settled = search_follow.settled_before(self)
                    self.last_changeset = journal.store(
                        self.conn, changes, label=self._action["label"],
                        kind=self._action["kind"], coalesce=self._action["coalesce"],
                        author_id=self.author_id(), drop_undone=self._undone_may_exist)
                    self._undone_may_exist = False
                    self._followed = search_follow.follow(self, changes, was_settled,
                                                          self.last_changeset)
                    self._journal_moved = True
            self._depth = 0
            self.conn.execute("COMMIT")  # on a full disk it fails: rolled back below
            followed, self._followed = self._followed, None
            search_follow.committed(self, followed, self._journal_moved)
        except BaseException as exc:
            self._depth = 0
            self._followed = None
            if self.conn.in_transaction:  # not when SQLite rolled it back itself (disk
                self.conn.execute("ROLLBACK")  # full): the cause, not that, is raised
            if journaled:
                self._journal.forget()
            self.forget_caches()
            if isinstance(exc, UnicodeEncodeError):  # a lone surrogate: not storable text
                raise ProjectError("the text holds characters that are not valid Unicode "
                                   "(lone surrogates: bytes that were not UTF-8?); nothing "
                                   "was saved of this action.") from None
            raise

    def _start_journal(self) -> None:
        """Record every action from now on (a file of the current format only: an older
        one has no journal tables until it is migrated)."""
        if self.read_only or self.schema_version < 4:
            return
        from annotator.core.journal_record import Recorder

        self._journal = Recorder(self.conn)
        self._journal.install()

    @contextmanager
    def bulk_insert(self) -> Iterator[Callable[[str, Iterable[tuple]], None]]:
        """Inside an action: write many new rows without a journal trigger per row; the
        writer reports their keys with the function this yields (``report(table,
        keys)``), and they are journaled as one bulk change. Rows not reported would not
        be undone: report every one."""
        if self._journal is None:
            yield lambda table, keys: None
            return
        with self._journal.paused():
            yield self._journal.inserted

    # -- undo, redo, history ---------------------------------------------------------

    def undo(self, changeset_id: int | None = None) -> OpResult:
        """Take back the latest action (or the change set ``changeset_id``), in one
        transaction. The value is the ChangeSet, with ``skipped``: fields a later
        action had changed, which were left as they are."""
        return self._replay(changeset_id, backwards=True)

    def redo(self, changeset_id: int | None = None) -> OpResult:
        """Do again the action undone last (or ``changeset_id``)."""
        return self._replay(changeset_id, backwards=False)

    def _replay(self, changeset_id: int | None, *, backwards: bool) -> OpResult:
        from annotator.core import journal, journal_replay, search_follow
        from annotator.core.annotation_import.project_rows import stale_index

        if self._journal is None:
            raise journal.NothingToUndo(f"{self.path.name} keeps no history of changes.")
        if changeset_id is None:
            found = journal.next_undo(self.conn) if backwards else journal.next_redo(self.conn)
            if found is None:
                raise journal.NothingToUndo(f"there is nothing to {'undo' if backwards else 'redo'}.")
            changeset_id = found.id
        self._undone_may_exist = True
        with self.transaction(record=False):
            was_settled = search_follow.settled_before(self)
            changeset, skipped = journal_replay.apply(self, changeset_id, backwards=backwards)
            changes = changeset.touched()
            stale_index(self.conn, changes)
            self._followed = search_follow.follow(self, changeset.changes, was_settled)
            self._journal_moved = True
        self.forget_caches()
        changeset.skipped = skipped
        return OpResult(changeset, changes)

    def history(self, *, row_id: str | None = None, limit: int | None = None,
                with_changes: bool = False) -> list:
        """The change sets, newest first; ``row_id``: only those that touched it."""
        from annotator.core import journal

        if self.schema_version < 4:
            return []
        return journal.history(self.conn, row_id=row_id, limit=limit, with_changes=with_changes)

    def forget_caches(self) -> None:
        """Drop every cached row: after a rollback or when another writer changed the file."""
        self.authors.forget_cache()
        self.documents.forget_cache()

    # -- project metadata ------------------------------------------------------------

    def meta(self, key: str, default: str = "") -> str:
        row = self.conn.execute("SELECT value FROM project WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    @property
    def title(self) -> str:
        return self.meta("title", self.path.stem)

    @property
    def id(self) -> str:
        return self.meta("id")

    def set_meta(self, key: str, value: str) -> OpResult[str]:
        with self.transaction():
            self.conn.execute(
                "INSERT INTO project (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))
        return OpResult(value, OpChanges(project=True))

    def set_title(self, title: str) -> OpResult[str]:
        return self.set_meta("title", title)

    @property
    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    # -- checks ---------------------------------------------------------------------

    def check(self, *, verify_sources: bool = True):
        """Integrity, schema version, references, sources, anchors (see integrity.py)."""
        from annotator.core.integrity import check

        return check(self, verify_sources=verify_sources)

    def info(self) -> dict:
        from annotator.core.integrity import info

        return info(self)

    # -- who is annotating -----------------------------------------------------------

    @property
    def author_name(self) -> str:
        return self._author_name

    def author_id(self) -> str:
        """The current author's id, created on first use (inside the caller's
        transaction), so opening a project never writes to it."""
        return self.authors.ensure(self._author_name).id

    def set_author(self, name: str) -> None:
        self._author_name = name.strip() or default_author_name()


def _inspect(path: Path) -> int:
    """Check that ``path`` is one of our project files and return its schema version,
    without writing anything (a newer or foreign file must stay untouched)."""
    if not path.exists():
        raise ProjectError(f"there is no project file at {path}.")
    if path.is_dir():
        raise ProjectError(f"{path} is a folder, not a project file.")
    try:
        with open(path, "rb") as fh:
            header = fh.read(100)
    except OSError as exc:
        raise ProjectError(f"cannot read {path}: {exc.strerror}.") from None
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        raise ProjectError(f"{path.name} is not an annotator project (not an SQLite file).")
    application_id = int.from_bytes(header[68:72], "big")
    user_version = int.from_bytes(header[60:64], "big", signed=True)
    if application_id != schema.APPLICATION_ID:
        raise ProjectError(
            f"{path.name} is an SQLite database but not an annotator project "
            f"(application id {application_id:#x})."
        )
    if user_version > schema.SCHEMA_VERSION:
        raise ProjectError(
            f"{path.name} was written by a newer version of annotator (file format "
            f"{user_version}; this version reads up to {schema.SCHEMA_VERSION}). Update "
            "annotator to open it; the file has not been changed."
        )
    if user_version < 1:
        raise ProjectError(f"{path.name} has no valid file-format version ({user_version}).")
    return user_version


def _writable(path: Path) -> bool:
    """False on a read-only medium or folder: then the file is opened immutable."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _bound_journal_rows(project: Project, as_left: bool) -> None:
    """An older journal's oversized bulk rows split, once (see :mod:`journal_split`);
    a failure (a full disk) leaves them for the next open, the project opens all the same."""
    from annotator.core.journal_split import bound_bulk_rows

    try:
        bound_bulk_rows(project, as_left)
    except (sqlite3.Error, MemoryError):  # rolled back: the rows stay as they were
        pass


def _validate(path: Path, version: int, immutable: bool) -> int:
    """The full checks of a file not seen as it is (see :mod:`open_checks`)."""
    return open_checks.validate(path, version, immutable, _connect)


def _connect(path: Path, *, read_only: bool, immutable: bool = False) -> sqlite3.Connection:
    if read_only:
        mode = "ro&immutable=1" if immutable else "ro"
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True,
                               isolation_level=None, check_same_thread=False)
    else:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA trusted_schema = OFF")  # never run a file's own SQL functions
        conn.text_factory = tolerant_text  # bad UTF-8 in one row must not stop a command
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 5000")
        if not read_only:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise ProjectError(f"cannot use write-ahead logging on {path} ({mode}).")
            conn.execute("PRAGMA synchronous = FULL")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise ProjectError(f"{path.name} cannot be opened: {exc}.") from None
    return conn
