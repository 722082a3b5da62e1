"""The research panels (search, review queue, entity page, timeline, charts) and the
find bar, docked into the workbench and wired to it.

They are written as standalone widgets that speak one vocabulary of signals
(``jumpRequested(document, start, end)``, ``pageRequested(document, page)``,
``annotationActivated(id)``, ``entityActivated(id)``); this module turns those into
the window's gestures. Each is built, and its module imported, only when its dock is
first shown or the window asks for it (issue 17: the first window does not wait for
panels nobody looks at); the find bar at the first Ctrl+F. Each is optional: a panel
that cannot be imported is left out and the rest of the workbench works without it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDockWidget

    from annotator.gui.main_window import MainWindow

log = logging.getLogger(__name__)

#: name, title, module, class, dock area, the dock it shares a place with
PANELS = (
    ("search", "Search", "annotator.gui.panels.search_panel", "SearchPanel", "left",
     "documents"),
    ("review", "Review", "annotator.gui.panels.review_queue", "ReviewQueue", "right",
     "inspector"),
    ("entity", "Entity", "annotator.gui.panels.entity_page", "EntityPage", "right",
     "inspector"),
    ("conflicts", "Conflicts", "annotator.gui.panels.conflicts", "ConflictsPanel", "right",
     "inspector"),
    ("timeline", "Timeline", "annotator.gui.timeline", "Timeline", "bottom", "annotations"),
    ("charts", "Charts", "annotator.gui.charts", "ChartsPanel", "bottom", "annotations"),
    ("network", "Network", "annotator.gui.panels.network", "NetworkPanel", "bottom",
     "annotations"),
    ("map", "Map", "annotator.gui.panels.map_panel", "MapPanel", "bottom", "annotations"),
)


def _make(window: MainWindow, module: str, cls: str) -> QWidget | None:
    try:
        from importlib import import_module

        return getattr(import_module(module), cls)(window.model)
    except Exception as exc:
        log.warning("panel %s.%s left out: %s", module, cls, exc)
        return None


def _scrolling(widget: QWidget) -> QWidget:
    """A scroll area for the panel, so its dock can be made smaller than the panel's
    own minimum (a chart wants 370 px) without squeezing the text."""
    from PySide6.QtWidgets import QFrame, QScrollArea

    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(widget)
    return area


class ResearchPanels(Mapping[str, QWidget]):
    """The research panels by name, each built (its module imported) the first time
    its dock is shown or it is looked up here (issue 17: built at start-up although
    hidden, they took 1.6 s of the first window). Until then its dock holds an empty
    widget, so the View menu, the remembered layout and tabbing all work on it.
    A panel whose module fails to load is left out: its dock says so."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.specs = {spec[0]: spec for spec in PANELS}
        self.built: dict[str, QWidget] = {}
        self.failed: set[str] = set()
        self.document_id: object = None  # the document the scholar works in, for new panels
        window.documentActivated.connect(self._document)

    def _document(self, document_id: object) -> None:
        self.document_id = document_id

    def __getitem__(self, name: str) -> QWidget:
        widget = self.build(name)
        if widget is None:
            raise KeyError(name)
        return widget

    def __contains__(self, name: object) -> bool:
        return name in self.specs and name not in self.failed

    def __iter__(self) -> Iterator[str]:
        return (name for name in self.specs if name not in self.failed)

    def __len__(self) -> int:
        return len(self.specs) - len(self.failed)

    def is_built(self, name: str) -> bool:
        return name in self.built

    def follow(self, name: str, dock: QDockWidget) -> None:
        """Build the panel when its dock (or its tab) first comes forward."""
        def shown(visible: bool) -> None:
            if visible and name not in self.built:
                self.build(name)

        dock.visibilityChanged.connect(shown)

    def build(self, name: str) -> QWidget | None:
        if name in self.built:
            return self.built[name]
        if name not in self.specs or name in self.failed:
            return None
        _name, _title, module, cls, _area, _beside = self.specs[name]
        window = self.window
        widget = _make(window, module, cls)
        if widget is None:
            self.failed.add(name)
            from PySide6.QtWidgets import QLabel

            widget = QLabel("This panel could not be loaded (see the log).")
            window.docks[name].setWidget(widget)
            return None
        self.built[name] = widget
        self._wire(name, widget)
        window.docks[name].setWidget(_scrolling(widget))
        return widget

    def _wire(self, name: str, widget: QWidget) -> None:
        window, dock = self.window, self.window.docks[name]
        for signal, slot in (("jumpRequested", window.desk.show_span),
                             ("pageRequested", window.desk.show_page),
                             ("annotationActivated", window.selected.jump_to),
                             ("entityActivated", window.show_entity)):
            if hasattr(widget, signal):
                getattr(widget, signal).connect(slot)
        if hasattr(widget, "set_current_document"):
            widget.set_current_document(self.document_id)  # type: ignore[attr-defined]
            window.documentActivated.connect(widget.set_current_document)
        if hasattr(widget, "when_shown"):  # hidden, it computes nothing (issue 17)
            widget.when_shown.follow(dock)
        if hasattr(widget, "suggestionsReady") and "review" in self.specs:
            widget.suggestionsReady.connect(self._suggest)  # type: ignore[attr-defined]

    def _suggest(self, items: list) -> None:
        """The search panel's suggestions, into the review queue (built if need be)."""
        review = self.build("review")
        if review is not None:
            review.set_suggestions(items)  # type: ignore[attr-defined]
            self.window.docks["review"].raise_()


def add_research_panels(window: MainWindow) -> ResearchPanels:
    """Dock the panels, each built on first show; returns them by name."""
    panels = ResearchPanels(window)
    window.research = panels
    for name, title, _module, _cls, area, beside in PANELS:
        dock = window.add_panel(name, title, QWidget(), area)
        window.tabifyDockWidget(window.docks[beside], dock)
    for name in ("codebook", "entities"):
        panel = getattr(window, name, None)
        if hasattr(panel, "when_shown") and name in window.docks:
            panel.when_shown.follow(window.docks[name])
    for name in ("documents", "inspector", "annotations"):
        window.docks[name].raise_()
    for name in panels.specs:  # after the raises: a dock brought forward now is shown
        panels.follow(name, window.docks[name])
    _add_find_bar(window)
    try:  # issue 15: Annotate ▸ Relate two mentions, View ▸ Network of entities
        from annotator.gui.relation_controller import install

        install(window)
    except Exception as exc:
        log.warning("relations left out: %s", exc)
    return panels


def _find_bar(window: MainWindow) -> QWidget | None:
    """The find bar under the panes, made (and search_panel imported) at the first
    Ctrl+F; None if it cannot be loaded."""
    if window.find_bar is not None:
        return window.find_bar
    try:
        from annotator.gui.panels.search_panel import FindBar
    except Exception as exc:
        log.warning("find bar left out: %s", exc)
        return None
    bar = FindBar(window.model)
    bar.hide()
    bar.jumpRequested.connect(window.desk.show_span)
    window.workspace_layout.addWidget(bar)
    window.find_bar = bar
    window.documentActivated.connect(
        lambda doc: bar.set_document(doc) if bar.isVisible() else None)
    return bar


def _add_find_bar(window: MainWindow) -> None:
    """Ctrl+F: find in the open text, under the panes."""

    def find() -> None:
        pane = window.desk.active
        if pane.kind != "text":
            pane = window.desk.other(pane)
        if pane.kind != "text":
            window.statusBar().showMessage("Open a text to find in it.", 4000)
            return
        bar = _find_bar(window)
        if bar is None:
            window.statusBar().showMessage("Find is not available (see the log).", 4000)
            return
        bar.set_document(pane.document_id)  # type: ignore[attr-defined]
        selection = pane.text_view.textCursor().selectedText()
        if not selection or "\u2029" in selection:  # nothing, or more than one paragraph
            selection = ""
        bar.open(selection)  # type: ignore[attr-defined]

    action = window.menus.act("&Find in document…", find, QKeySequence.StandardKey.Find,
                              "Find words in the open text (Enter: next, Shift+Enter: "
                              "previous)")
    window.menus.edit_menu.addSeparator()
    window.menus.edit_menu.addAction(action)
