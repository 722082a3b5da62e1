"""Reads a passage's history off the GUI thread, for the inspector.

Finding the change sets that touched one annotation means looking through the key
lists of bulk actions (an import or a merge of a million passages keeps ~135 MB of
them): 1.5-3.7 s at a million annotations, on every selection if the GUI thread did it.
A thread of its own, on a read-only connection (WAL lets it read while the GUI writes),
answers the newest question only: a selection made meanwhile interrupts the one before.
"""

from __future__ import annotations

import queue
import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from annotator.core.overview import passage_history, reader
from annotator.core.project import Project
from annotator.core.table_window import interrupt


class HistoryReader(QObject):
    """``ask(path, annotation id, limit)``; ``read(annotation id, change sets)`` comes back
    on the GUI thread, for the newest question only."""

    read = Signal(str, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: queue.Queue[tuple[int, Path, str, int] | None] = queue.Queue()
        self._newest = 0
        self._project: Project | None = None
        self._lock = threading.Lock()  # guards _project between the two threads
        self._thread: threading.Thread | None = None

    def ask(self, path: str | Path, annotation_id: str, limit: int) -> None:
        self._newest += 1
        with self._lock:
            if self._project is not None:
                interrupt(self._project)  # an older question still being read
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="history reader",
                                            daemon=True)
            self._thread.start()
        self._jobs.put((self._newest, Path(path), annotation_id, limit))

    def stop(self) -> None:
        """Let go of the file (the project closes): the thread ends, its connection too."""
        self._newest += 1
        with self._lock:
            if self._project is not None:
                interrupt(self._project)
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        try:
            while (job := self._jobs.get()) is not None:
                generation, path, annotation_id, limit = job
                if generation != self._newest:
                    continue  # asked again since
                found = self._history(path, annotation_id, limit)
                if found is not None and generation == self._newest:
                    self.read.emit(annotation_id, found)
        finally:
            with self._lock:
                if self._project is not None:
                    self._project.close()
                    self._project = None

    def _history(self, path: Path, annotation_id: str, limit: int) -> list | None:
        with self._lock:
            if self._project is None or self._project.path != path:
                if self._project is not None:
                    self._project.close()
                    self._project = None
                try:
                    self._project = reader(path)
                except Exception:  # the file went away or cannot be read: no history
                    return None
            project = self._project
        return passage_history(project, annotation_id, limit)
