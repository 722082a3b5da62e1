"""The annotations table's rows as a sequence (an export of "the table" reads them):
fetched window by window through the virtual model as they are read."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, overload

if TYPE_CHECKING:
    from annotator.gui.panels.annotations_model import AnnotationsModel


class Rows(Sequence):
    """The table's rows as a sequence, fetched window by window as they are read."""

    def __init__(self, model: AnnotationsModel) -> None:
        self.model = model

    def __len__(self) -> int:
        return self.model.rowCount()

    @overload
    def __getitem__(self, i: int) -> tuple: ...
    @overload
    def __getitem__(self, i: slice) -> list[tuple]: ...

    def __getitem__(self, i: int | slice) -> tuple | list[tuple]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self.model.row(i)

    def __iter__(self) -> Iterator[tuple]:
        for i in range(len(self)):
            yield self.model.row(i)
