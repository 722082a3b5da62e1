"""The research panels (search, review queue, entity page, timeline, charts) and the
find bar, docked into the workbench and wired to it.

They are written as standalone widgets that speak one vocabulary of signals
(``jumpRequested(document, start, end)``, ``pageRequested(document, page)``,
``annotationActivated(id)``, ``entityActivated(id)``); this module turns those into
the window's gestures. Each is optional: a panel that cannot be imported is left out
and the rest of the workbench works without it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
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
    """The panel in a scroll area, so its dock can be made smaller than the panel's
    own minimum (a chart wants 370 px) without squeezing the text."""
    from PySide6.QtWidgets import QFrame, QScrollArea

    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(widget)
    return area


def add_research_panels(window: MainWindow) -> dict[str, QWidget]:
    """Dock the panels that are available; returns them by name."""
    panels: dict[str, QWidget] = {}
    for name, title, module, cls, area, beside in PANELS:
        widget = _make(window, module, cls)
        if widget is None:
            continue
        dock = window.add_panel(name, title, _scrolling(widget), area)
        window.tabifyDockWidget(window.docks[beside], dock)
        panels[name] = widget
        for signal, slot in (("jumpRequested", window.desk.show_span),
                             ("pageRequested", window.desk.show_page),
                             ("annotationActivated", window.selected.jump_to),
                             ("entityActivated", window.show_entity)):
            if hasattr(widget, signal):
                getattr(widget, signal).connect(slot)
        if hasattr(widget, "set_current_document"):
            window.documentActivated.connect(widget.set_current_document)
        if hasattr(widget, "when_shown"):  # hidden, it computes nothing (issue 17)
            widget.when_shown.follow(dock)
    for name in ("codebook", "entities"):
        panel = getattr(window, name, None)
        if hasattr(panel, "when_shown") and name in window.docks:
            panel.when_shown.follow(window.docks[name])
    for name in ("documents", "inspector", "annotations"):
        window.docks[name].raise_()
    if "search" in panels and "review" in panels:
        review, review_dock = panels["review"], window.docks["review"]

        def suggest(items: list) -> None:
            review.set_suggestions(items)  # type: ignore[attr-defined]
            review_dock.raise_()

        panels["search"].suggestionsReady.connect(suggest)  # type: ignore[attr-defined]
    window.research = panels
    _add_find_bar(window)
    try:  # issue 15: Annotate ▸ Relate two mentions, View ▸ Network of entities
        from annotator.gui.relation_controller import install

        install(window)
    except Exception as exc:
        log.warning("relations left out: %s", exc)
    return panels


def _add_find_bar(window: MainWindow) -> None:
    """Ctrl+F: find in the open text, under the panes."""
    try:
        from annotator.gui.panels.search_panel import FindBar
    except Exception as exc:
        log.warning("find bar left out: %s", exc)
        return
    bar = FindBar(window.model)
    bar.hide()
    bar.jumpRequested.connect(window.desk.show_span)
    window.workspace_layout.addWidget(bar)
    window.find_bar = bar

    def find() -> None:
        pane = window.desk.active
        if pane.kind != "text":
            pane = window.desk.other(pane)
        if pane.kind != "text":
            window.statusBar().showMessage("Open a text to find in it.", 4000)
            return
        bar.set_document(pane.document_id)
        selection = pane.text_view.textCursor().selectedText()
        bar.open(selection if selection and "\u2029" not in selection else "")

    action = window.menus.act("&Find in document…", find, QKeySequence.StandardKey.Find,
                        "Find words in the open text (Enter: next, Shift+Enter: previous)")
    window.menus.edit_menu.addSeparator()
    window.menus.edit_menu.addAction(action)
    window.documentActivated.connect(
        lambda doc: bar.set_document(doc) if bar.isVisible() else None)
