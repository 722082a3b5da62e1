"""Small helpers every store needs: ids, timestamps, JSON columns."""

from __future__ import annotations

import gc
import json
import uuid
from collections.abc import Iterator
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


def loads(text: str | None, default: object) -> object:
    """Read a JSON column; a malformed value (a hostile or damaged file) gives the default."""
    if not text:
        return default
    try:
        value = json.loads(text)
    except (ValueError, TypeError):
        return default
    return value if isinstance(value, type(default)) else default


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small objects (100k
    annotations): it otherwise runs dozens of times over objects that cannot be
    garbage, which made loading twice as slow as the query itself."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
