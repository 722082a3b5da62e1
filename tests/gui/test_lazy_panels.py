"""The first window does not wait for panels nobody looks at (issue 17): the research
panels and the word alignment's fuzzy matching are imported only when needed, and each
research dock is built, and works, when its View menu entry first shows it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from annotator.gui.research_docks import PANELS

SAMPLE = Path(__file__).resolve().parents[2] / "sample_documents" / "sample.annot"
LAZY = sorted({module for _n, _t, module, _c, _a, _b in PANELS} | {"rapidfuzz"})

# What `annotator` does up to the project painted (gui.app.launch), then the modules
# loaded. The window is painted thrice: what the opening queued runs first.
STARTUP = """
import json, os, sys
from annotator.gui import app as gui_app

def ready():
    for _ in range(3):
        qapp.processEvents()
        window.repaint()
    print(json.dumps({"open": window.model.is_open, "left": window.left.document_id,
                      "right": window.right.document_id,
                      "loaded": sorted(m for m in json.loads(sys.argv[2]) if m in sys.modules)}),
          flush=True)
    os._exit(0)  # as gui.quitting.leave: the scan's render thread may still run

qapp, window = gui_app.launch(sys.argv[1], author="Test Historian", ready=ready)
qapp.exec()
"""


def test_opening_the_sample_project_imports_no_research_panel_nor_rapidfuzz(tmp_path):
    project = tmp_path / "sample.annot"
    shutil.copyfile(SAMPLE, project)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path),
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"),
               ANNOTATOR_SETTINGS_FILE=str(tmp_path / "settings.ini"))
    for run in (1, 2):  # the first open migrates the copy and stores its alignment
        done = subprocess.run([sys.executable, "-c", STARTUP, str(project), json.dumps(LAZY)],
                              env=env, cwd=tmp_path, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        state = json.loads(done.stdout.strip().splitlines()[-1])
        assert state["open"] and state["left"], state  # the project is there, painted
        if run == 2:
            assert state["loaded"] == [], state


def view_action(window, title: str):
    return next(a for a in window.menus.view_menu.actions() if a.text() == title)


def test_each_research_dock_is_built_when_its_view_entry_shows_it(window, qtbot):
    from annotator.core.overview import annotations_per_author

    research = window.research
    assert not any(research.is_built(name) for name in research)  # tabbed behind others
    assert window.find_bar is None
    for name, title, _module, cls, _area, _beside in PANELS:
        dock, action = window.docks[name], view_action(window, title)
        if action.isChecked():  # tabbed behind another dock: View hides, then shows it
            action.trigger()
            assert not dock.isVisible()
        action.trigger()
        dock.raise_()
        qtbot.waitUntil(lambda n=name: research.is_built(n))
        panel = research[name]
        assert type(panel).__name__ == cls
        qtbot.waitUntil(lambda p=panel: p.isVisible() and not p.visibleRegion().isEmpty())
        if hasattr(panel, "when_shown"):  # shown, it reads the project once
            qtbot.waitUntil(lambda p=panel: p.when_shown.runs >= 1)
    p = window.model.p
    bars = research["charts"].authors.chart().series()[0].barSets()[0]
    assert sum(bars.at(i) for i in range(bars.count())) == \
        sum(n for _name, _c, n in annotations_per_author(p))
    window.docks["search"].raise_()
    research["search"].search_for("Briand")
    assert research["search"].hits  # built after the project opened, it searches it
    window.docks["network"].raise_()
    qtbot.waitUntil(lambda: research["network"].document.count() > 1)  # its filters read


def test_a_research_dock_left_showing_is_built_when_the_layout_is_restored(
        window, qtbot, project_path, dialogs):
    from annotator.gui import settings
    from annotator.gui.main_window import STATE_VERSION, MainWindow

    view_action(window, "Timeline").trigger()  # hides it (tabbed), then
    view_action(window, "Timeline").trigger()  # shows it in front
    window.docks["timeline"].raise_()
    qtbot.waitUntil(lambda: window.research.is_built("timeline"))
    window.close()  # saves the layout
    again = MainWindow(author="Test Historian", dialogs=dialogs)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    assert again.open_project(project_path)
    assert not again.research.is_built("timeline")
    # what restore_layout does once the saved window fits the screen (the offscreen
    # screen, 800 px, is narrower than the workbench's smallest width)
    assert again.restoreState(settings.value("window/state"), STATE_VERSION)
    qtbot.waitUntil(lambda: again.research.is_built("timeline"))
    timeline = again.research["timeline"]
    qtbot.waitUntil(lambda: timeline.when_shown.runs >= 1)
    assert not again.research.is_built("charts")  # behind the timeline: not built
    again.close()


def test_ctrl_f_makes_the_find_bar(window, qtbot):
    from PySide6.QtCore import Qt

    letter = next(d.id for d in window.model.documents().values()
                  if d.title.startswith("Letter to Aristide"))
    window.open_document(letter)
    window.desk.activate(window.left)
    assert window.find_bar is None
    qtbot.keyClick(window.left.text_view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.find_bar is not None and window.find_bar.isVisible()
