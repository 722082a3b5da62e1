"""``python -m benchmarks.scale_table_gui PROJECT``: the annotations panel on a large
project, as the scholar meets it (issue 17: "fills without a GUI freeze over 50 ms").
The longest gap between ticks of a 5 ms timer on the GUI thread while the panel
counts and shows its first rows, scrolls to the middle and the end, is sorted by each
column both ways, edited and undone while sorted by tags (descending: the
untagged annotations, whose count an edit changes, come first) and filtered by a
common and a rare word, and two more words after a note is written on a row the rare
word shows (the new note's word must find it); the time until the rows
asked for are shown, and until they are counted too (with what the status said when
the first rows were shown: a partial count must say so), and the GUI thread's longest
CPU time in one event (what our code costs it, whatever else the machine runs). Opens
the project writable: run it on a copy (a format-5 file is migrated). Prints one JSON
object. An idle loop's longest gap on the same machine is printed too, as the floor to
compare with."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from annotator.gui.panels.annotations_table import AnnotationsPanel
    from annotator.gui.project_model import ProjectModel
    from benchmarks.scale import another_rare, common_and_rare

    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer(interval=5)
    timer.timeout.connect(tick)
    timer.start()

    cpu: list[float] = []

    def wait(until: Callable[[], bool], seconds: float) -> float:
        t0 = time.perf_counter()
        while not until() and time.perf_counter() - t0 < seconds:
            c0 = time.thread_time()
            app.processEvents()
            cpu.append(time.thread_time() - c0)
            time.sleep(0.001)
        return time.perf_counter() - t0

    gaps.clear()
    last[0] = time.perf_counter()
    wait(lambda: False, 2.0)
    results: dict = {"idle": {"max_stall_ms": round(1000 * max(gaps), 1)}}
    model = ProjectModel()
    model.open(argv[0])
    panel = AnnotationsPanel(model)
    panel.resize(1200, 700)
    panel.show()
    table, view = panel.table, panel.view

    def step(name: str, action: Callable[[], None], row: Callable[[], int],
             ready: Callable[[], bool] = lambda: True) -> None:
        gaps.clear()
        cpu.clear()
        last[0] = time.perf_counter()
        t0, c0 = time.perf_counter(), time.thread_time()
        action()
        acted = time.perf_counter() - t0
        cpu.append(time.thread_time() - c0)
        first = acted + wait(lambda: ready() and table.rowCount() > 0
                             and table.index(max(0, row()), 1).data() is not None, 120)
        said = panel.count.text()
        shown = first + wait(lambda: not table.loading
                             and table.index(max(0, row()), 1).data() is not None, 120)
        wait(lambda: False, 0.1)
        results[name] = {"rows_s": round(first, 3), "counted_s": round(shown, 3),
                         "max_stall_ms": round(1000 * max([acted, *gaps]), 1),
                         "max_cpu_ms": round(1000 * max(cpu), 1), "status": said}
        print(name, results[name], file=sys.stderr, flush=True)

    bar = view.verticalScrollBar()
    step("first window", panel.refilter, lambda: 0)
    step("scroll to the middle", lambda: bar.setValue(bar.maximum() // 2),
         lambda: view.rowAt(10))
    step("scroll to the end", lambda: bar.setValue(bar.maximum()), lambda: view.rowAt(10))
    header = view.horizontalHeader()
    for column, name in enumerate(("document", "quote", "page", "tags", "entity", "date",
                                   "note", "author", "modified")):
        for order, way in ((Qt.SortOrder.AscendingOrder, "up"),
                           (Qt.SortOrder.DescendingOrder, "down")):
            bar.setValue(0)
            step(f"sort {name} {way}",
                 lambda c=column, o=order: header.setSortIndicator(c, o), lambda: 0)
    bar.setValue(0)  # sorted by tags again: the untagged counted once per journal stamp
    step("sort tags down again", lambda: header.setSortIndicator(
        3, Qt.SortOrder.DescendingOrder), lambda: 0)
    # an edit while sorted by tags, descending (the untagged rows first): the time
    # until the table is counted again; then sorted again, and the edit undone
    p = model.p
    first = table.index(0, 0).data(Qt.ItemDataRole.UserRole)
    step("untag the first row, tags down", lambda: model.do(
        "Untag", p.annotations.update, first, tag_ids=[]), lambda: 0, lambda: table.counted)
    step("sort tags down after an edit", lambda: (
        header.setSortIndicator(3, Qt.SortOrder.AscendingOrder),
        header.setSortIndicator(3, Qt.SortOrder.DescendingOrder)), lambda: 0)
    step("undo it, tags down", model.undo_stack.undo, lambda: 0, lambda: table.counted)
    header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
    common, rare = common_and_rare()
    for name, word in (("filter common word", common), ("filter rare word", rare)):
        # typed in the filter box: applied by its timer 300 ms after the last key
        # (included in the times)
        step(name, lambda w=word: panel.text.setText(w), lambda: 0,
             lambda w=word: table.filters.contains == w)
    # a note written on a row the rare word shows, then two more words typed: the word
    # index followed the edit (annotator.core.search_follow), and the vocabulary the
    # reader read for the rare word is brought forward, not read again; the new
    # note's word must find that one row
    noted = table.index(0, 0).data(Qt.ItemDataRole.UserRole)
    step("write a note on a filtered row", lambda: model.do(
        "Note", p.annotations.update, noted, note=f"{rare} Qzxwvyk"), lambda: 0,
        lambda: table.counted)
    for name, word in (("filter another rare word after an edit", another_rare()),
                       ("filter the new note's word", "zxwvy")):
        step(name, lambda w=word: panel.text.setText(w), lambda: 0,
             lambda w=word: table.filters.contains == w)
    table.stop()
    model.close()
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
