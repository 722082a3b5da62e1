"""The scan view's zoom: an exact scale, or one that follows the width or the page.

Zoom is only the view's transform (the scene stays in page points), so changing it
moves no item; it keeps the page point under the mouse, or the centre, in place.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF

from annotator.gui.scan_graphics import ScanGraphicsView
from annotator.gui.scan_pages import GAP, PageColumn

MIN_ZOOM, MAX_ZOOM = 0.05, 8.0
ZOOM_STEP = 2 ** 0.25  # two render buckets: keyboard zooms land on cached scales


class ZoomControl:
    """The zoom and the fit ("width", "page" or None for an exact zoom).

    Fitting the page also scrolls to it, through ``go_to_page``; ``changed`` is told
    after each zoom so the pages in view get rendered at the new scale."""

    def __init__(self, view: ScanGraphicsView, column: PageColumn,
                 current_page: Callable[[], int], go_to_page: Callable[[int], None],
                 changed: Callable[[], None]) -> None:
        self._view = view
        self._column = column
        self._current_page = current_page
        self._go_to_page = go_to_page
        self._changed = changed
        self.reset()

    def reset(self) -> None:
        self.zoom = 1.0
        self.fit: str | None = "width"

    def set(self, zoom: float) -> None:
        """An exact zoom, which ends fitting to the width or the page."""
        self.fit = None
        self._set(zoom)

    def fit_to(self, fit: str) -> None:
        self.fit = fit
        self.apply_fit()

    def wheel(self, steps: float, pos: QPointF) -> None:
        """Zoom by wheel steps about the point under the mouse."""
        self.fit = None
        self._set(self.zoom * ZOOM_STEP ** steps, pos)

    def apply_fit(self) -> None:
        """Zoom to the fit chosen, if any (again after a resize)."""
        pages = self._column.pages
        if not pages or self.fit is None:
            return
        viewport = self._view.viewport()
        width = (viewport.width() - 2) / (self._column.width + 2 * GAP)
        if self.fit == "width":
            self._set(width, QPointF(viewport.width() / 2, 0))
            return
        current = max(self._current_page(), 1)
        page = pages[current - 1]
        self._set(min(width, (viewport.height() - 2) / (page.height + GAP)))
        self._go_to_page(current)

    def _set(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Zoom keeping the page point under ``anchor`` (viewport pixels; by default
        the centre) where it is on screen."""
        self.zoom = min(MAX_ZOOM, max(MIN_ZOOM, zoom))
        if not self._column.pages:
            return
        if anchor is None:
            anchor = QPointF(self._view.viewport().rect().center())
        self._view.zoom_about(self.zoom, anchor)
        self._changed()
