"""GUI speed figures, run by hand (not collected by pytest, nothing asserted):

    python tests/gui/bench_gui.py [--quick]

1. time to first window: `annotator` up to its window on screen, against a bare
   QApplication + QMainWindow show (fresh processes, median of several);
2. opening a 5 MB text with 100k annotations, with highlights drawn, against the same
   text without annotations (fresh processes, median);
3. painting one screen (cached) and scrolling by one page (with and without idle time
   between pages), with highlights against without.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Byte code cached as in an installed copy (pip compiles it), kept out of the repository.
ENV = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
       "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
       "PYTHONPATH": str(ROOT),
       "PYTHONPYCACHEPREFIX": str(Path(tempfile.gettempdir()) / "annotator-bench-pycache")}

# Both scripts report the time from their first line to the first paint of the main
# window, seen by an application-wide event filter, then run the event loop briefly.
WATCH = """
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
class Watch(QObject):
    done = False
    def eventFilter(self, obj, event):
        if (not Watch.done and event.type() == QEvent.Type.Paint
                and obj.isWidgetType() and isinstance(obj.window(), QMainWindow)):
            Watch.done = True
            print("SHOWN", time.perf_counter() - t0, time.process_time() - c0, flush=True)
        return False
_exec = QApplication.exec
def exec_(*_args):
    app = QApplication.instance()
    watch = Watch(); app.installEventFilter(watch)
    QTimer.singleShot(1500, app.quit)
    return _exec()
QApplication.exec = exec_
"""

BARE = """
import time; t0 = time.perf_counter(); c0 = time.process_time()
""" + WATCH + """
app = QApplication([])
w = QMainWindow(); w.resize(1400, 880); w.show()
app.exec()
"""

APP = """
import time; t0 = time.perf_counter(); c0 = time.process_time()
import os, sys
""" + WATCH + """
from annotator.cli import main
main([])
"""

OPEN = """
import json, os, sys, time
from PySide6.QtWidgets import QApplication
from annotator.gui.app import _defer_import, make_app
app = make_app()
from annotator.gui.main_window import MainWindow
w = MainWindow(author="Bench"); w.resize(1200, 900); w.show(); app.processEvents()
for dock in w.docks.values():
    dock.hide()  # the text alone, at a reading size
w.open_project(sys.argv[1]); app.processEvents()
w.annotations._open_timer.stop()  # the table fills later, in a thread: not measured here
doc = sys.argv[2]
view = w.left.text_view
assert view.document_id is None
from annotator.gui.text_view import TextView
first = []
_paint = TextView.paintEvent
def paint(self, event):  # the clock stops when the first screen has been painted
    _paint(self, event)
    if self.document_id and not first:
        first.append(time.perf_counter())
TextView.paintEvent = paint
t = time.perf_counter()
w.open_document(doc)
while not first:
    app.processEvents()
opened = first[0] - t
view.viewport().repaint()
painted = len(view.layer.painted)
def timed_repaint():
    t = time.perf_counter(); view.viewport().repaint(); return time.perf_counter() - t
bar = view.verticalScrollBar()
page = max(1, bar.pageStep())
# Highlights on and off in turn, in this same process, at every step: a busy machine
# then slows both alike.
samples = {}
def add(name, on, value):
    samples.setdefault(("with_" if on else "without_") + name, []).append(value)
bar.setValue(bar.maximum() // 5); app.processEvents(); view.viewport().repaint()
for i in range(40):  # one screen, painted again (pieces and layout cached)
    view.show_highlights = i % 2 == 0
    add("cached", view.show_highlights, timed_repaint())
bar.setValue(int(bar.maximum() * 0.3)); app.processEvents()
for i in range(80):  # a page further each time, nothing laid out there yet
    view.show_highlights = i % 2 == 0
    bar.setValue(bar.value() + page)
    add("scroll_cold", view.show_highlights, timed_repaint())
for block, where in enumerate((0.5, 0.6, 0.7, 0.8, 0.9, 0.95)):
    view.show_highlights = block % 2 == 0  # ten pages each, idle time between pages
    bar.setValue(int(bar.maximum() * where)); app.processEvents(); view.viewport().repaint()
    for i in range(10):
        bar.setValue(bar.value() + page)
        add("scroll_warm", view.show_highlights, timed_repaint())
        app.processEvents()
result = {"open": opened, "painted": painted, "viewport": list(view.viewport().size().toTuple())}
result.update({k: statistics.median(v) for k, v in samples.items()})
print(json.dumps(result))
w.close()
"""


def run(code: str, *args: str, env: dict | None = None) -> str:
    out = subprocess.run([sys.executable, "-c", "import statistics\n" + code, *args],
                         capture_output=True, text=True, env=env or ENV, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return out.stdout


def startup(repeat: int) -> None:
    tmp = Path(tempfile.mkdtemp())
    env = {**ENV, "ANNOTATOR_SETTINGS_FILE": str(tmp / "s.ini"),
           "ANNOTATOR_DATA_DIR": str(tmp / "data"), "ANNOTATOR_AUTHOR": "Bench"}

    def shown(code: str) -> tuple[float, float]:
        out = run(code, env=env)
        line = next(line for line in out.splitlines() if line.startswith("SHOWN"))
        return float(line.split()[1]), float(line.split()[2])

    run(BARE, env=env)  # warm the file cache
    run(APP, env=env)
    bare, app = [], []
    for _ in range(repeat):  # interleaved, so a busy machine slows both alike
        bare.append(shown(BARE))
        app.append(shown(APP))
    for i, what in ((0, "wall"), (1, "CPU")):
        b = statistics.median(x[i] for x in bare)
        a = statistics.median(x[i] for x in app)
        print(f"first window ({what}): bare Qt {b * 1000:.0f} ms, annotator {a * 1000:.0f} ms "
              f"(ratio {a / b:.2f}; script start to first paint, median of {repeat})")


def documents(repeat: int, chars: int, annotations: int, astral: bool = False) -> None:
    from tests.gui.test_benchmark_size import make_big_project

    tmp = Path(tempfile.mkdtemp())
    with_path, without_path = tmp / "with.annot", tmp / "without.annot"
    doc_with, _ = make_big_project(with_path, chars=chars, annotations=annotations,
                                   astral=astral)
    doc_without, _ = make_big_project(without_path, chars=chars, annotations=0, astral=astral)
    results: dict[str, list[dict]] = {"with": [], "without": []}
    for i in range(repeat):
        for key, path, doc in (("without", without_path, doc_without),
                               ("with", with_path, doc_with)):
            env = {**ENV, "ANNOTATOR_SETTINGS_FILE": str(tmp / f"s{i}{key}.ini"),
                   "ANNOTATOR_DATA_DIR": str(tmp / "data")}  # fresh: nothing reopened
            results[key].append(json.loads(run(OPEN, str(path), doc, env=env)
                                           .strip().splitlines()[-1]))

    def med(key: str, field: str) -> float:
        return statistics.median(r[field] for r in results[key])

    first = results["with"][0]
    print(f"document: {chars / 1e6:.1f} M characters{' (many beyond the BMP)' if astral else ''}, "
          f"{annotations:,} annotations ({first['painted']} drawn on a "
          f"{'x'.join(map(str, first['viewport']))} px screen)")
    a, b = med("with", "open"), med("without", "open")
    print(f"  {'open, first screen drawn':34s} with {a * 1000:7.1f} ms   without {b * 1000:7.1f} ms"
          f"   ratio {a / b:.2f}   (separate processes, median of {repeat})")
    for field, label in (("cached", "repaint one screen"),
                         ("scroll_cold", "scroll one page, no idle time"),
                         ("scroll_warm", "scroll one page, idle time between")):
        a, b = med("with", "with_" + field), med("with", "without_" + field)
        print(f"  {label:34s} with {a * 1000:7.1f} ms   without {b * 1000:7.1f} ms   "
              f"ratio {a / b:.2f}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    quick = "--quick" in sys.argv
    startup(3 if quick else 7)
    if "--startup" in sys.argv:
        sys.exit(0)
    documents(1 if quick else 3, 5_000_000, 100_000)
    if not quick:
        documents(3, 5_000_000, 100_000, astral=True)
