"""What the workbench remembers of its layout between sessions, and how it fits the
screen: the docks' places and sizes, the window's size, which documents were open in
which pane and the share of the width each had. A part of :class:`MainWindow` (its
methods act on the window's docks, splitter and panes), kept apart because it is a
job of its own: the window composes the workbench, this keeps it as the scholar left it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QRect, QTimer
from PySide6.QtWidgets import QMainWindow, QWidget

from annotator.gui import settings

if TYPE_CHECKING:
    from PySide6.QtGui import QShowEvent
    from PySide6.QtWidgets import QDockWidget, QSplitter

    from annotator.gui.document_pane import DocumentPane
    from annotator.gui.project_model import ProjectModel

STATE_VERSION = 1
MIN_PANE = 240  # px: below this a pane shows a word or two per line


def available_room(window: QWidget) -> QRect | None:
    """The free room of the screen the window is on (None: no screen)."""
    screen = window.screen()
    return screen.availableGeometry() if screen is not None else None


class LayoutMemory(QMainWindow):
    """The layout half of the main window (MainWindow derives from it)."""

    # what MainWindow builds and these methods use
    built: bool
    _sized: bool
    model: ProjectModel
    left: DocumentPane
    right: DocumentPane
    splitter: QSplitter
    docks: dict[str, QDockWidget]


    def _remember_documents(self) -> None:
        if not self.model.is_open:
            return
        path = self.model.p.path
        settings.set_project_value(path, "left", self.left.document_id or "")
        settings.set_project_value(path, "right", self.right.document_id or ""
                                   if self.right.isVisible() else "")
        sizes = self.splitter.sizes()
        if self.right.isVisible() and len(sizes) == 2 and min(sizes) > 0:
            settings.set_project_value(path, "splitter_share",
                                       round(sizes[0] / sum(sizes), 3))

    def _share_panes(self, share: object) -> None:
        """Give the left pane its remembered share of the two panes' width. A share
        (not pixels: the room changes with the docks and the screen) that would leave
        either pane narrower than a readable column gives each half."""
        sizes = self.splitter.sizes()
        total = sum(sizes)
        if len(sizes) != 2 or total <= 0 or self.right.isHidden():
            return
        try:
            left = round(total * float(share))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            left = total // 2
        if min(left, total - left) < min(MIN_PANE, total // 3):
            left = total // 2
        self.splitter.setSizes([left, total - left])

    def restore_layout(self) -> None:
        """The docks, their sizes and places, as the scholar left them, unless the
        window they were laid out in does not fit this screen (a laptop after a
        monitor): then the default layout, at a size that fits."""
        state = settings.value("window/state")
        if not isinstance(state, QByteArray):
            return
        size = self._saved_size()
        room = available_room(self)
        if size is None or (room is not None and (size[0] > room.width()
                                                  or size[1] > room.height())):
            self.resize(1400, 880)
            self.fit_screen()
            return
        if not (self.isMaximized() or self.isFullScreen()):
            self.resize(*size)  # the docks' sizes were measured in this window
        self._sized = True
        # once the window has that size and the documents are in their panes (a state
        # restored into a window still being laid out had its docks squeezed later)
        QTimer.singleShot(0, self, lambda: self._restore_state(state))

    def _restore_state(self, state: QByteArray) -> None:
        if not self.restoreState(state, STATE_VERSION):
            self._default_dock_sizes()

    def _saved_size(self) -> tuple[int, int] | None:
        """The size of the window the layout was saved in."""
        saved = settings.value("window/size")
        try:
            width, height = (int(n) for n in saved)  # type: ignore[union-attr]
        except (TypeError, ValueError):
            return None
        return width, height

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._size_docks()

    def fit_screen(self) -> None:
        """The default size (or one remembered from a larger screen) never runs off the
        screen the window is on: on a 1280×720 laptop every panel stays in reach."""
        room = available_room(self)
        if room is None or self.isMaximized() or self.isFullScreen():
            return
        frame = self.frameGeometry()
        extra_w, extra_h = frame.width() - self.width(), frame.height() - self.height()
        width = min(self.width(), room.width() - extra_w)
        height = min(self.height(), room.height() - extra_h)
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
        x = min(max(frame.x(), room.x()), room.x() + room.width() - width - extra_w)
        y = min(max(frame.y(), room.y()), room.y() + room.height() - height - extra_h)
        if (x, y) != (frame.x(), frame.y()):
            self.move(x, y)

    def _size_docks(self) -> None:
        if self.built and not self._sized:  # first run: room for the panels (later: as left)
            self._sized = True
            QTimer.singleShot(0, self, self._default_dock_sizes)  # once laid out

    def _default_dock_sizes(self) -> None:
        from PySide6.QtCore import Qt

        width, height = self.width(), self.height()
        self.resizeDocks([self.docks["documents"], self.docks["inspector"]],
                         [max(260, width // 5), max(280, width // 5)],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["annotations"]], [max(180, height // 4)],
                         Qt.Orientation.Vertical)
        self.resizeDocks([self.docks["documents"], self.docks["codebook"]],
                         [max(150, height // 4), max(250, height // 3)],
                         Qt.Orientation.Vertical)

    def save_layout(self) -> None:
        if not self.built:
            return
        settings.set_value("window/geometry", self.saveGeometry())
        settings.set_value("window/state", self.saveState(STATE_VERSION))
        settings.set_value("window/size", [self.width(), self.height()])
        self._remember_documents()
        settings.sync()
