"""Small helpers every store needs: ids, timestamps, JSON columns."""

from __future__ import annotations

import functools
import gc
import json
import re
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime


def new_id() -> str:
    """A UUID4 as text: rows made on two laptops never collide, so copies merge."""
    return str(uuid.uuid4())


def now() -> str:
    """UTC with microseconds, ISO 8601: sorts as text, so 'later modified_at wins'
    is a string comparison in SQL."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


#: Deepest nesting a JSON column may have (ours need 3): a crafted value 100,000
#: brackets deep would otherwise raise RecursionError in every command that reads it.
MAX_JSON_DEPTH = 32
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_SQUARE = str.maketrans("{}", "[]")  # only the depth counts, not which bracket
_TOO_MANY_OPEN = "[" * (MAX_JSON_DEPTH + 1)


def too_deep(text: str) -> bool:
    """Whether JSON ``text`` nests deeper than MAX_JSON_DEPTH. Fast for the usual
    column: only a value with more brackets than the limit is looked at closely (its
    strings and everything but brackets removed, then innermost pairs peeled off at most
    MAX_JSON_DEPTH times), all in C-speed passes."""
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return False
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text) if '"' in text else text)
    brackets = brackets.translate(_SQUARE)
    for _ in range(MAX_JSON_DEPTH):
        if _TOO_MANY_OPEN in brackets:
            return True  # that many opened in a row: deeper for sure (and found fast)
        peeled = brackets.replace("[]", "")
        if not peeled or peeled == brackets:
            return False  # balanced within the limit, or unbalanced (not JSON at all)
        brackets = peeled
    return True


def loads(text: str | None, default: object) -> object:
    """Read a JSON column; a malformed or too deeply nested value (a hostile or damaged
    file) gives the default."""
    if not text:
        return default
    try:
        if too_deep(text):
            return default
        value = json.loads(text)
    except (ValueError, TypeError, RecursionError):
        return default
    return value if isinstance(value, type(default)) else default


#: SQLite text as str, invalid UTF-8 shown as U+FFFD (the project connection's
#: text_factory): one crafted or damaged row must not stop every command that reads
#: it; ``annotator check`` names such rows. A partial of ``str``, not a Python function:
#: it is called for every text value read (2.3x the plain decoding, a function 3.2x).
tolerant_text = functools.partial(str, encoding="utf-8", errors="replace")


def fetch_all(conn: sqlite3.Connection, sql: str, args: Sequence = ()) -> list[tuple]:
    """Rows of a hot query (100k annotations) decoded by SQLite's own fast path, and
    only when some text in them is not UTF-8, again tolerantly (tolerant_text)."""
    tolerant = conn.text_factory
    conn.text_factory = str
    try:
        return conn.execute(sql, args).fetchall()
    except sqlite3.OperationalError as exc:
        if "decode" not in str(exc):
            raise
    finally:
        conn.text_factory = tolerant
    return conn.execute(sql, args).fetchall()


def connection_state(conn: sqlite3.Connection) -> tuple[int, int]:
    """What a connection has written (``total_changes``) and seen others commit
    (``PRAGMA data_version``): the same pair twice, the file did not change between
    (what is kept derived from it still holds)."""
    return conn.total_changes, conn.execute("PRAGMA data_version").fetchone()[0]


#: the pauses of the cyclic collector under way (threads, windows) and whether it ran
#: before the first: it runs again only when the last ends (two threads each saving
#: and restoring it would leave it running while a window needs it off)
_GC_PAUSES = {"count": 0, "restore": False}
_GC_LOCK = threading.Lock()


def pause_gc() -> None:
    """Stop automatic collection until the matching :func:`resume_gc`."""
    with _GC_LOCK:
        if _GC_PAUSES["count"] == 0:
            _GC_PAUSES["restore"] = gc.isenabled()
            gc.disable()
        _GC_PAUSES["count"] += 1


def resume_gc() -> None:
    """End one :func:`pause_gc`: the last one gives collection back as it was."""
    with _GC_LOCK:
        if _GC_PAUSES["count"] == 0:
            return
        _GC_PAUSES["count"] -= 1
        if _GC_PAUSES["count"] == 0 and _GC_PAUSES["restore"]:
            gc.enable()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small objects (100k
    annotations): it otherwise runs dozens of times over objects that cannot be
    garbage, which made loading twice as slow as the query itself. Nests and overlaps
    with other threads' pauses and the window's (annotator.gui.collector)."""
    pause_gc()
    try:
        yield
    finally:
        resume_gc()
