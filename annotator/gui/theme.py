"""Light or dark: View ▸ Theme (System / Light / Dark), remembered in the settings.

The choice is applied at once by giving the application a new palette; every view that
draws its own colours (charts, timeline, text highlights, the scan's backdrop) reads
them from its palette when it paints, and redraws on the ``PaletteChange`` event Qt
sends every widget, so nothing here needs to know which views exist.

``ANNOTATOR_THEME=dark|light`` in the environment still overrides the remembered
choice at start-up (a scholar's own desktop set-up, screenshots); a choice made from
the menu applies for the session and is remembered for when the variable is gone.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QActionGroup, QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

from annotator.gui import settings
from annotator.gui.scroll_bars import FlatScrollBars

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMenu, QWidget

#: the menu's entries, in order: (choice, menu text)
CHOICES = (("system", "&System"), ("light", "&Light"), ("dark", "&Dark"))
ENV = "ANNOTATOR_THEME"


def dark_palette() -> QPalette:
    """Our dark palette: greys with enough contrast for long reading, a blue selection."""
    p = QPalette()
    base, window, text = QColor("#1f2124"), QColor("#2a2d31"), QColor("#e6e6e6")
    roles = QPalette.ColorRole
    for role, color in ((roles.Window, window), (roles.WindowText, text), (roles.Base, base),
                        (roles.AlternateBase, QColor("#26292d")), (roles.Text, text),
                        (roles.Button, QColor("#33363b")), (roles.ButtonText, text),
                        (roles.ToolTipBase, QColor("#3a3d42")), (roles.ToolTipText, text),
                        (roles.Highlight, QColor("#3d6fb4")),
                        (roles.HighlightedText, QColor("#ffffff")),
                        (roles.Link, QColor("#7fb3ff")), (roles.LinkVisited, QColor("#b39ddb")),
                        (roles.PlaceholderText, QColor("#8c9096")), (roles.Mid, QColor("#45484d")),
                        (roles.Midlight, QColor("#3a3d42")), (roles.Dark, QColor("#18191b")),
                        (roles.Light, QColor("#4a4d52")),
                        (roles.Shadow, QColor("#000000")), (roles.BrightText, QColor("#ff6b6b"))):
        p.setColor(role, color)
    disabled = QPalette.ColorGroup.Disabled
    for role in (roles.Text, roles.WindowText, roles.ButtonText):
        p.setColor(disabled, role, QColor("#73777d"))
    return p


def is_dark(palette: QPalette) -> bool:
    """Whether a palette is a dark one (its text background is): what the views ask."""
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


def scan_backdrop(palette: QPalette) -> QColor:
    """The grey around a scan's pages: mid grey beside a light window, near-black beside
    a dark one (a light grey frame glares around a page read at night)."""
    return QColor("#26282b") if is_dark(palette) else QColor("#5f6368")


# -- the choice ---------------------------------------------------------------------------


def env_choice() -> str | None:
    value = os.environ.get(ENV, "").strip().lower()
    return value if value in ("dark", "light") else None


def remembered() -> str:
    value = str(settings.value("view/theme", "system") or "system")
    return value if value in dict(CHOICES) else "system"


def chosen() -> str:
    """The theme in force at start-up: the environment's, else the remembered one."""
    return env_choice() or remembered()


_system_dark: bool | None = None
_current: str | None = None
_found: QPalette | None = None  # the palette before ours, for forget()


def _system_is_dark(app: QGuiApplication) -> bool:
    """The desktop's scheme, read once from the platform's palette before ours replaces
    it (asked this way, not through styleHints(), which costs ~30 ms of enum set-up
    before the first window)."""
    global _system_dark
    if _system_dark is None:
        _system_dark = app.palette().color(QPalette.ColorRole.Window).lightness() < 128
    return _system_dark


def current() -> str:
    """The choice now in force (System until one was applied)."""
    return _current or chosen()


def wants_dark(app: QGuiApplication, choice: str | None = None) -> bool:
    choice = choice or current()
    system = _system_is_dark(app)  # before any palette of ours hides it
    return system if choice == "system" else choice == "dark"


def apply(app: QApplication, choice: str | None = None, stylesheet: bool = True) -> None:
    """Fusion (flat scroll bars) and the palette of ``choice`` (the one in force when
    None). The style sheet (it slows the first paint) is set again when asked: its
    palette(...) colours are resolved when it is set."""
    global _current, _found
    choice = choice or current()
    _system_is_dark(app)
    if _found is None:
        _found = QPalette(app.palette())
    _current = choice
    if not isinstance(app.style(), FlatScrollBars) and "Fusion" in QStyleFactory.keys():
        app.setStyle(FlatScrollBars())  # Fusion, its scroll bars drawn flat (scroll_bars.py)
    app.setPalette(dark_palette() if wants_dark(app, choice) else app.style().standardPalette())
    if stylesheet:
        apply_stylesheet(app)


def apply_stylesheet(app: QApplication) -> None:
    from annotator.gui.app import RESOURCES

    qss = RESOURCES / "style.qss"
    app.setStyleSheet(qss.read_text(encoding="utf-8") if qss.exists() else "")


def forget() -> None:
    """No choice in force and the palette found before the first (tests end so)."""
    global _current
    app = QApplication.instance()
    if _current is not None and _found is not None and isinstance(app, QApplication):
        app.setPalette(_found)
    _current = None


def choose(choice: str) -> None:
    """What View ▸ Theme does: apply now, remember for the next session."""
    if choice not in dict(CHOICES):
        raise ValueError(f"unknown theme {choice!r}")
    settings.set_value("view/theme", choice)
    app = QApplication.instance()
    if isinstance(app, QApplication):
        apply(app, choice, stylesheet=bool(app.styleSheet()))


def follow_desktop(app: QApplication) -> None:
    """When the desktop switches between light and dark, follow it if the choice is
    System (a chosen Light or Dark stays)."""

    def changed(_scheme: object) -> None:
        global _system_dark
        if current() != "system":
            _system_dark = None  # read again when System is chosen
            return
        app.setPalette(QPalette())  # the platform's own, to read its new scheme
        _system_dark = None
        apply(app)

    try:
        app.styleHints().colorSchemeChanged.connect(changed)
    except AttributeError:  # Qt < 6.5
        pass


# -- the menu -----------------------------------------------------------------------------


def add_menu(menu: QMenu, parent: QWidget) -> dict[str, QAction]:
    """View ▸ Theme: three exclusive checkable entries; the one in force is checked."""
    group = QActionGroup(parent)
    group.setExclusive(True)
    actions: dict[str, QAction] = {}
    now = current()
    for choice, text in CHOICES:
        action = QAction(text, parent, checkable=True)
        action.setStatusTip({"system": "Follow the desktop's light or dark colours",
                             "light": "Dark text on light backgrounds",
                             "dark": "Light text on dark backgrounds"}[choice])
        action.setChecked(choice == now)
        action.triggered.connect(lambda _c=False, c=choice: choose(c))
        group.addAction(action)
        menu.addAction(action)
        actions[choice] = action
    return actions
