"""Python's cyclic garbage collector runs on the GUI thread only, while a window is open.

The collector runs in whichever thread happens to allocate when its threshold is reached:
the import, render, table-reader or OCR thread. If it then frees a Qt object of the GUI
thread (a wrapper in a reference cycle), Qt deletes it from the wrong thread and the
process crashes (seen as a segmentation fault inside "Garbage-collecting" on the import
thread). So, while a workbench window exists, automatic collection is off and a timer
on the GUI thread collects each generation when its threshold is reached, as Python
itself would (the approach pyqtgraph takes for the same crash).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

from annotator.core.util import pause_gc, resume_gc

_INTERVAL_MS = 500


class GuiThreadCollector(QObject):
    """Collects on the GUI thread what automatic collection would have collected."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(_INTERVAL_MS)
        self._timer.timeout.connect(self.collect_due)
        self._holders = 0

    def hold(self) -> None:
        """A window opened: collect here from now on."""
        if self._holders == 0:
            pause_gc()  # with the threads' own pauses (core.util.gc_paused): none undoes it
            self._timer.start()
        self._holders += 1

    def release(self) -> None:
        """A window closed: the last one gives collection back to Python."""
        if self._holders == 0:
            return
        self._holders -= 1
        if self._holders == 0:
            self._timer.stop()
            self.collect_due()
            resume_gc()

    def collect_due(self) -> None:
        counts = gc.get_count()
        thresholds = gc.get_threshold()
        for generation in (2, 1, 0):
            if thresholds[generation] and counts[generation] > thresholds[generation]:
                gc.collect(generation)
                return


_COLLECTOR: GuiThreadCollector | None = None


def collector() -> GuiThreadCollector:
    """The one collector of the process (made on the GUI thread with the first window)."""
    global _COLLECTOR
    if _COLLECTOR is None:
        _COLLECTOR = GuiThreadCollector()
    return _COLLECTOR


class CollectorHold:
    """One window's hold on the collector, given back once: when the window closes or,
    if it never does, when it is destroyed."""

    def __init__(self) -> None:
        self._held = True
        collector().hold()

    def release(self, *_: object) -> None:
        if self._held:
            self._held = False
            collector().release()
