"""Rows by name: each store's column list and its rows' meaning come from the schema.

Every store used to keep a column string of its own and read rows by position (up to
``r[22]``): a column added to the schema had to be added, in the right place, in
several files. Here a table's columns are read from :func:`schema.columns`, and a row
turns into a record by its column names (the model's fields are named like the columns).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from annotator.core import schema


class Table:
    """One of our tables as a store reads and writes it (``skip``: columns it leaves out
    of its usual SELECT, such as a document's text)."""

    def __init__(self, name: str, *, skip: Sequence[str] = ()) -> None:
        self.name = name
        self.columns: tuple[str, ...] = tuple(c for c in schema.columns(name) if c not in skip)
        #: position of each column in a row of :attr:`select`
        self.at: dict[str, int] = {c: i for i, c in enumerate(self.columns)}
        self.list = ", ".join(self.columns)
        self.select = f"SELECT {self.list} FROM {name}"

    def aliased(self, alias: str) -> str:
        """The column list with a table alias, for joins."""
        return ", ".join(f"{alias}.{c}" for c in self.columns)

    def insert(self, *extra: str) -> str:
        """INSERT of every column (and ``extra`` ones), one ? each."""
        cols = (*self.columns, *extra)
        return f"INSERT INTO {self.name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"

    def named(self, row: Sequence[Any]) -> dict[str, Any]:
        return dict(zip(self.columns, row, strict=True))

    def values(self, record: object, /, **convert: Callable[[Any], Any]) -> tuple:
        """A record's fields in column order, ``convert``-ed where named (a bool to 0/1,
        a dict to JSON)."""
        out = []
        for col in self.columns:
            value = getattr(record, col)
            out.append(convert[col](value) if col in convert else value)
        return tuple(out)

    def record(self, make: Callable[..., Any], row: Sequence[Any], /,
               **convert: Callable[[Any], Any]) -> Any:
        """``make(**row by name)``, ``convert``-ing the named columns (JSON, enums)."""
        fields = self.named(row)
        for col, fn in convert.items():
            fields[col] = fn(fields[col])
        return make(**fields)
