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
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from annotator.gui import theme

if TYPE_CHECKING:
    from collections.abc import Callable

    from annotator.gui.main_window import MainWindow

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


# -- the application (its look: theme.py) ----------------------------------------------------


def make_app(argv: list[str] | None = None, stylesheet: bool = True) -> QApplication:
    app = QApplication.instance()
    if app is None:
        from annotator.gui.start_failure import explained_if_qt_cannot_start

        with explained_if_qt_cannot_start():  # no display, no xcb libraries: said, not a core dump
            app = QApplication(argv or sys.argv[:1])
    QCoreApplication.setApplicationName("annotator")
    QGuiApplication.setDesktopFileName("annotator")
    theme.apply(app, stylesheet=stylesheet)  # type: ignore[arg-type]
    return app  # type: ignore[return-value]


def finish_app(app: QApplication) -> None:
    """What can wait until the window is on screen: version, icon, style sheet, and
    following the desktop when it switches between light and dark."""
    QCoreApplication.setApplicationVersion(_version())
    icon = RESOURCES / "icon.png"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    theme.apply_stylesheet(app)
    theme.follow_desktop(app)


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


def project_to_open(project: str | Path | None) -> Path | None:
    """The project asked for, else the last one, else the first-run copy of the sample."""
    from annotator.gui import settings

    if project:
        return Path(project)
    last = settings.last_project()
    return Path(last) if last else first_run_project()


def start(window, project: str | Path | None) -> None:
    """Open the project once the window is on screen; on the very first run, the tour."""
    from annotator.gui.dialogs.getting_started import show_once

    window.author = resolve_author(window.author, window)
    _open_first(window, project_to_open(project))
    show_once(window)


def _open_first(window, path: Path | None) -> None:
    if path is None:
        return
    if not path.exists():
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.warning(window, "annotator", f"There is no project file at {path}.")
        return
    window.open_project(path)


def launch(project: str | Path | None = None, author: str | None = None,
           ready: Callable[[], object] | None = None) -> tuple[QApplication, MainWindow]:
    """The window as `annotator` starts it: the frame shows the first glance at the
    project (first_glance.py) in its first paint; the workbench is built and the
    project opened from the event loop right after; then ``ready`` is called."""
    _defer_import("sqlite_utils")
    app = make_app(stylesheet=False)
    from annotator.gui.first_glance import show_glance
    from annotator.gui.main_window import MainWindow

    window = MainWindow(author=author, build=False)
    path = project_to_open(project)
    show_glance(window, path)
    if path is not None:  # a big file changed elsewhere is checked in full: seconds
        window.statusBar().showMessage(f"Opening {path.name}…")
    window.show()
    window.fit_screen()

    def build() -> None:
        # the glance stays on screen until the workbench has its layout: painted at
        # once, its docks and panes would show unplaced for a frame (a grey flash)
        window.setUpdatesEnabled(False)
        finish_app(app)
        window.build()
        start(window, path)
        QTimer.singleShot(0, window, lambda: QTimer.singleShot(0, window, show_workbench))

    def show_workbench() -> None:  # after two turns of the loop: laid out, state restored
        window.setUpdatesEnabled(True)
        if ready is not None:
            ready()

    window.after_first_paint(build)
    app._window = window  # type: ignore[attr-defined] - keep it alive
    return app, window


def run(project: str | Path | None = None, author: str | None = None) -> int:
    """The `annotator` GUI entry point. Once the window has closed and everything is
    on disk the process ends at once (gui.quitting.leave), without Python's teardown."""
    app, _window = launch(project, author)
    from annotator.gui.quitting import leave

    leave(app.exec())
