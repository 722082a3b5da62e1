"""Panels that compute nothing while hidden (issue 17).

The charts, the timeline, the codebook's counts and the entities list each ask the
project for counts over every annotation: at a million annotations the hidden charts
alone took 6 s of every open. A panel routes its refresh through :class:`WhenShown`:
while the panel is hidden a request only marks it stale, and the first time it is
shown again it refreshes once.

"Hidden" includes a dock tabbed behind another: Qt keeps such a panel ``isVisible()``
with nothing of it on screen, so what counts is its visible region, and the dock's
``visibilityChanged`` (see :meth:`WhenShown.follow`) says when its tab comes forward.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QDockWidget, QWidget


class WhenShown(QObject):
    """Run ``refresh`` now if ``widget`` is on screen, else when it is next shown."""

    def __init__(self, widget: QWidget, refresh: Callable[[], None]) -> None:
        super().__init__(widget)
        self.widget, self.refresh = widget, refresh
        self.stale = False
        self.runs = 0  # how often it really refreshed (for tests and benchmarks)
        widget.installEventFilter(self)

    def on_screen(self) -> bool:
        return self.widget.isVisible() and not self.widget.visibleRegion().isEmpty()

    def request(self) -> None:
        if self.on_screen():
            self._run()
            return
        self.stale = True
        QTimer.singleShot(50, self._if_on_screen)  # a window still being laid out

    def follow(self, dock: QDockWidget) -> None:
        """Catch up when the panel's dock (or its tab) comes forward."""
        dock.visibilityChanged.connect(lambda shown: self.ensure() if shown else None)

    def _if_on_screen(self) -> None:
        if self.stale and self.on_screen():
            self._run()

    def ensure(self) -> None:
        """Refresh now if a request is pending: an export reads a hidden panel."""
        if self.stale:
            self._run()

    def _run(self) -> None:
        self.stale = False
        self.runs += 1
        self.refresh()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.widget and event.type() == QEvent.Type.Show and self.stale:
            self._run()
        return False
