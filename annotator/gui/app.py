"""Start the workbench: the window first, then the project.

The window must appear as fast as a bare Qt window, so nothing heavy runs before it
shows: sqlite_utils (which pulls in numpy) is loaded lazily, PyMuPDF only when a scan
is first shown, and the project is opened from the event loop once the window is up.
First run: the user is asked their name once, and a copy of the sample project is
opened from the user data folder, so there is something real to look at.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

# icons and stylesheets live at the top of the repository (resources/), beside the package
RESOURCES = Path(__file__).resolve().parents[2] / "resources"


def sample_source() -> Path:
    """The bundled sample project (built by sample_documents/build_sample_project.py)."""
    import annotator

    return Path(annotator.__file__).resolve().parents[1] / "sample_documents" / "sample.annot"


def _defer_import(name: str) -> None:
    """Register ``name`` as a lazy module: it is executed on first attribute use."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)


# -- look -----------------------------------------------------------------------------------


def dark_palette() -> QPalette:
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
                        (roles.Shadow, QColor("#000000")), (roles.BrightText, QColor("#ff6b6b"))):
        p.setColor(role, color)
    disabled = QPalette.ColorGroup.Disabled
    for role in (roles.Text, roles.WindowText, roles.ButtonText):
        p.setColor(disabled, role, QColor("#73777d"))
    return p


def wants_dark(app: QGuiApplication) -> bool:
    """ANNOTATOR_THEME=dark|light wins; otherwise follow the system: its palette is dark
    when the desktop's colour scheme is (asked this way, not through styleHints(), which
    costs ~30 ms of enum set-up before the first window)."""
    theme = os.environ.get("ANNOTATOR_THEME", "").lower()
    if theme in ("dark", "light"):
        return theme == "dark"
    global _system_dark
    if _system_dark is None:
        _system_dark = app.palette().color(QPalette.ColorRole.Window).lightness() < 128
    return _system_dark


_system_dark: bool | None = None


def apply_theme(app: QApplication, stylesheet: bool = True) -> None:
    """Fusion, a dark palette if the system is dark, and our few style touches (the
    style sheet may wait until the first window is up: it slows the first paint)."""
    if app.style().name().lower() != "fusion" and "Fusion" in QStyleFactory.keys():
        app.setStyle("Fusion")
    app.setPalette(dark_palette() if wants_dark(app) else app.style().standardPalette())
    if stylesheet:
        apply_stylesheet(app)


def apply_stylesheet(app: QApplication) -> None:
    qss = RESOURCES / "style.qss"
    app.setStyleSheet(qss.read_text(encoding="utf-8") if qss.exists() else "")


def make_app(argv: list[str] | None = None, stylesheet: bool = True) -> QApplication:
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    QCoreApplication.setApplicationName("annotator")
    QGuiApplication.setDesktopFileName("annotator")
    apply_theme(app, stylesheet)  # type: ignore[arg-type]
    return app  # type: ignore[return-value]


def finish_app(app: QApplication) -> None:
    """What can wait until the window is on screen: version, icon, style sheet, and
    following the desktop when it switches between light and dark."""
    QCoreApplication.setApplicationVersion(_version())
    icon = RESOURCES / "icon.png"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    apply_stylesheet(app)

    def changed(_scheme: object) -> None:
        global _system_dark
        app.setPalette(QPalette())  # the platform's own, to read its new scheme
        _system_dark = None
        apply_theme(app)

    try:
        app.styleHints().colorSchemeChanged.connect(changed)
    except AttributeError:  # Qt < 6.5
        pass


def _version() -> str:
    from annotator import __version__

    return __version__


# -- first run ------------------------------------------------------------------------------


def resolve_author(explicit: str | None, parent=None) -> str:
    """The user's name: given, remembered, from $ANNOTATOR_AUTHOR, or asked once."""
    from annotator.gui import settings

    if explicit:
        return explicit
    remembered = settings.author_name()
    if remembered:
        return remembered
    env = os.environ.get("ANNOTATOR_AUTHOR", "").strip()
    if env:
        return env
    import getpass

    from PySide6.QtWidgets import QInputDialog

    try:
        default = getpass.getuser()
    except Exception:
        default = ""
    name, ok = QInputDialog.getText(parent, "Welcome to annotator",
                                    "Your name, as it will appear on your annotations:",
                                    text=default)
    name = name.strip() if ok else ""
    name = name or default or "Anonymous"
    settings.set_author_name(name)
    return name


def first_run_project(sample: Path | None = None) -> Path | None:
    """A copy of the sample project in the user data folder (the original stays clean);
    an empty project there if no sample is available."""
    from annotator.gui import settings

    target = settings.data_dir() / "sample.annot"
    if target.exists():
        return target
    sample = sample or sample_source()
    if sample.exists():
        shutil.copyfile(sample, target)
        return target
    from annotator.core.project import Project

    empty = settings.data_dir() / "My project.annot"
    if not empty.exists():
        Project.create(empty, "My project").close()
    return empty


def start(window, project: str | Path | None) -> None:
    """Open the project once the window is on screen."""
    from annotator.gui import settings

    window.author = resolve_author(window.author, window)
    path = Path(project) if project else None
    if path is None:
        last = settings.last_project()
        path = Path(last) if last else first_run_project()
    if path is None:
        return
    if not path.exists():
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.warning(window, "annotator", f"There is no project file at {path}.")
        return
    window.open_project(path)


def run(project: str | Path | None = None, author: str | None = None) -> int:
    """The `annotator` GUI entry point; returns the exit status."""
    _defer_import("sqlite_utils")
    app = make_app(stylesheet=False)
    from annotator.gui.main_window import MainWindow

    window = MainWindow(author=author, build=False)
    window.show()
    window.fit_screen()

    def build() -> None:
        finish_app(app)
        window.build()
        start(window, project)

    window.after_first_paint(build)
    app._window = window  # type: ignore[attr-defined] - keep it alive
    return app.exec()
