"""Take screenshots of the real workbench (run by hand, under Xvfb or on a desktop):

    xvfb-run -s "-screen 0 1600x1000x24" python tests/gui/make_screenshot.py OUT.png [dark]

Opens the sample project (or, while sample_documents/sample.annot cannot be built, the
test project of tests/gui/conftest.py), puts the letter beside its facsimile, selects a
linked annotation, waits for the scan to render, and saves the whole screen.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def project(tmp: Path) -> Path:
    target = tmp / "sample.annot"
    sample = ROOT / "sample_documents" / "sample.annot"
    if sample.exists():
        shutil.copyfile(sample, target)
        return target
    try:
        from sample_documents.build_sample_project import build

        build(target).close()
        return target
    except Exception as exc:
        print(f"sample project not available ({exc}); using the test project")
    from tests.gui.conftest import build_project

    for suffix in ("", "-wal", "-shm", ".lock"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    return build_project(target)


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "screenshot.png").resolve()
    if len(sys.argv) > 2:
        os.environ["ANNOTATOR_THEME"] = sys.argv[2]
    tmp = Path(tempfile.mkdtemp())
    os.environ["ANNOTATOR_SETTINGS_FILE"] = str(tmp / "settings.ini")
    os.environ["ANNOTATOR_DATA_DIR"] = str(tmp / "data")
    os.environ.setdefault("ANNOTATOR_AUTHOR", "Sample Historian")
    path = project(tmp)

    from PySide6.QtWidgets import QApplication

    from annotator.gui.app import _defer_import, make_app

    _defer_import("sqlite_utils")
    app = make_app()
    from annotator.gui.main_window import MainWindow

    win = MainWindow(author="Sample Historian")
    screen = app.primaryScreen().availableGeometry()
    win.setGeometry(screen.adjusted(0, 0, 0, 0))
    win.show()

    def pump(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            QApplication.processEvents()
            time.sleep(0.01)

    pump(0.3)
    win.open_project(path)
    docs = win.model.documents()
    letter = next(d for d in docs.values() if d.kind == "text" and "Briand" in d.title)
    win.open_document(letter.id)
    win.splitter.setSizes([620, 520])
    view = win.left.text_view
    p = win.model.p
    anns = p.annotations.for_document(letter.id)
    target = next((a for a in anns if a.quote == "Aristide Briand" and p.links.for_annotation(a.id)),
                  anns[0])
    win.docks["annotations"].raise_()
    win.annotations.refilter()
    pump(0.5)
    win.selected.jump_to(target.id)
    view.go_to_offset(max(0, target.text.start - 120))
    pump(0.3)
    win.selected.show(target.id, origin=win.left)
    pump(2.5)  # the scan renders in its thread
    shot = app.primaryScreen().grabWindow(0)
    shot.save(str(out))
    print(f"saved {out} ({shot.width()}x{shot.height()})")
    win.close()


if __name__ == "__main__":
    main()
