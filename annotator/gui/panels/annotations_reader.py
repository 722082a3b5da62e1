"""Reads the annotations table's counts and windows off the GUI thread (issue 17: a
count or a window deep into a million rows takes 0.1-0.5 s, a count of a common
filter word seconds), on a read-only connection of its own (WAL lets it read while
the GUI writes; core.overview.reader does not check the file again). SQLite lets go
of the interpreter while it steps, so the window stays responsive meanwhile."""

from __future__ import annotations

import queue
import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, QThread, Signal

from annotator.core.filters import AnnotationFilter
from annotator.core.overview import reader
from annotator.core.project import Project
from annotator.core.table_window import TableWindow, interrupt
from annotator.core.table_words import prepare_words

#: Seconds a count may take before the rows read are shown ahead of it.
SHOW_AFTER = 0.03


@dataclass(frozen=True)
class Ask:
    """What the model wants read: the count and/or windows starting at ``firsts``."""

    generation: int
    filt: AnnotationFilter
    sort: str | None
    descending: bool
    candidates: tuple[int, ...] | None
    count: bool
    firsts: tuple[int, ...]
    size: int
    locate: str | None = None  # an annotation whose row is wanted
    #: the GUI's connection knows the word index current (table_words.index_current)
    words_current: bool = False
    #: only read the word index's vocabulary ahead for these words (being typed)
    prepare: str | None = None


class WindowReader(QThread):
    """Answers :class:`Ask` requests in order; a request of an older generation than
    the newest asked is skipped (the scholar sorted or filtered again meanwhile)."""

    answered = Signal(int, object)  # generation, (count | None, {first: (rowids, rows)})
    located = Signal(int, str, int)  # generation, annotation id, its row (-1: not shown)
    narrowed = Signal(int, object)  # generation, the word filter's candidates found here
    failed = Signal(int, str)  # generation, why: the model reads on the GUI thread then

    def __init__(self, path: str, parent: QObject | None = None) -> None:
        super().__init__(parent)  # owned by the model: never freed by a collection
        # running on another thread (a QObject deleted off its own thread can crash)
        self.path = path
        self.jobs: queue.Queue[Ask | None] = queue.Queue()
        self.newest = 0
        self._reading = 0  # the generation being read
        self._project: Project | None = None  # the reader's connection, once open

    def ask(self, job: Ask) -> None:
        """Read this next; a read of an older generation under way is interrupted (a
        count of a filter word the scholar has typed on from)."""
        self.newest = max(self.newest, job.generation)
        if self._reading < self.newest and self._project is not None:
            interrupt(self._project)
        self.jobs.put(job)

    def finish(self) -> None:
        """End the thread, interrupting what it reads (the project closes)."""
        self.newest = 1 << 62
        if self._project is not None:
            interrupt(self._project)
        self.jobs.put(None)
        self.wait()

    def _count(self, project: Project, table: TableWindow, job: Ask,
               windows: dict) -> dict:
        """Count while holding the windows read; they are sent ahead of the count if
        it takes longer than SHOW_AFTER (a common filter word: up to ~1 s at 1M),
        else with it: one repaint of the view instead of two (each ~15 ms of the GUI
        thread at 1M rows). Returns the windows not sent yet."""
        if not windows:
            table.count()
            return windows
        held, t0 = [windows], time.perf_counter()

        def send_ahead() -> int:  # SQLite's progress handler, in this thread
            if held[0] and time.perf_counter() - t0 > SHOW_AFTER:
                self.answered.emit(job.generation, (None, held[0]))
                held[0] = {}
            return 0  # go on counting

        send_ahead()  # (none of it when SHOW_AFTER is 0)
        project.conn.set_progress_handler(send_ahead, 500_000)  # every few ms
        try:
            table.count()
        finally:
            project.conn.set_progress_handler(None, 0)
        return held[0]

    def _window(self, project: Project, job: Ask) -> TableWindow:
        """The table's window on this connection; a word filter's candidates are found
        here, off the GUI thread (reading the word index's vocabulary takes ~0.3 s at
        1M annotations), when the GUI has none, and handed back to it."""
        if job.candidates is not None:
            return TableWindow(project, job.filt, job.sort, job.descending,
                               list(job.candidates), find_words=False)
        table = TableWindow(project, job.filt, job.sort, job.descending,
                            words_current=job.words_current or None)
        found = table.narrowed_to()
        if found is not None:
            self.narrowed.emit(job.generation, found)
        return table

    def run(self) -> None:
        project = None
        window: tuple[tuple, TableWindow] | None = None
        try:
            while (job := self.jobs.get()) is not None:
                if job.generation < self.newest:
                    continue
                self._reading = job.generation
                try:
                    if project is None:
                        project = self._project = reader(self.path)
                    if job.prepare is not None:  # only what the filter typed will read
                        self._reading = 1 << 62  # so not interrupted by it
                        prepare_words(project, job.prepare, job.words_current)
                        continue
                    key = (job.generation, job.filt, job.sort, job.descending)
                    if window is None or window[0] != key:
                        window = (key, self._window(project, job))
                    table = window[1]
                    windows = {first: table.rows_with_keys(first, job.size)
                               for first in job.firsts}
                    count = None
                    if job.count and 0 in windows and len(windows[0][0]) < job.size:
                        count = len(windows[0][0])  # all there is: no second pass
                    elif job.count:  # the first rows, the count when it is done
                        windows = self._count(project, table, job, windows)
                        count = table.count()  # counted (or found counted) by now
                except Exception as exc:  # a damaged or vanished file: read on the GUI side
                    if job.generation >= self.newest:  # not interrupted for a newer one
                        self.failed.emit(job.generation, str(exc))
                    continue
                if job.count or job.firsts:
                    self.answered.emit(job.generation, (count, windows))
                if job.locate is not None:
                    try:
                        row = table.position(job.locate)
                    except Exception:  # interrupted: a newer request came
                        continue
                    self.located.emit(job.generation, job.locate, row)
        finally:
            self._project = None
            if project is not None:
                project.close()
