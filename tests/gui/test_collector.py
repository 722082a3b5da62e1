"""While a workbench window is open, Python's cyclic collector runs on the GUI thread
only (annotator.gui.collector): a collection on the import or render thread freed Qt
objects there and crashed the process."""

from __future__ import annotations

import gc
import threading
import weakref


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_collection_happens_on_the_gui_thread_while_the_window_is_open(window, qtbot):
    assert not gc.isenabled()  # automatic collection (in any thread) is off
    threads: list[str] = []

    def seen(phase: str, _info: dict) -> None:
        if phase == "start":
            threads.append(threading.current_thread().name)

    gc.callbacks.append(seen)
    try:
        garbage = _Cycle()
        gone = weakref.ref(garbage)
        del garbage

        def allocate() -> None:  # a worker allocating a great deal, as an import does
            keep = [[i] for i in range(200_000)]
            del keep

        worker = threading.Thread(target=allocate, name="worker")
        worker.start()
        worker.join()
        assert "worker" not in threads
        kept = [[i] for i in range(5 * gc.get_threshold()[0])]  # a collection is due
        qtbot.waitUntil(lambda: bool(threads), timeout=3000)  # and the timer makes it
        del kept
        assert set(threads) == {threading.main_thread().name}
        gc.collect()
        assert gone() is None
    finally:
        gc.callbacks.remove(seen)


def test_closing_the_last_window_gives_collection_back(qtbot, project_path, dialogs):
    from annotator.gui.main_window import MainWindow

    was = gc.isenabled()
    win = MainWindow(author="Test Historian", dialogs=dialogs)
    qtbot.addWidget(win)
    assert not gc.isenabled()
    win.close()
    assert gc.isenabled() == was


def test_a_thread_pausing_collection_as_a_window_opens_does_not_turn_it_back_on(
        qtbot, dialogs):
    """A render or reader thread pauses the collector while it builds many objects; if
    a window opens meanwhile, the thread's end must not turn automatic collection back
    on under the window (it did: each saved and restored it for itself)."""
    from annotator.core.util import gc_paused
    from annotator.gui.main_window import MainWindow

    was = gc.isenabled()
    inside, leave = threading.Event(), threading.Event()

    def render() -> None:
        with gc_paused():
            inside.set()
            leave.wait(10)

    thread = threading.Thread(target=render, name="render")
    gc.enable()
    try:
        thread.start()
        assert inside.wait(10)
        win = MainWindow(author="Test Historian", dialogs=dialogs)
        qtbot.addWidget(win)
        leave.set()
        thread.join()
        assert not gc.isenabled()  # the window's hold stands
        win.close()
        assert gc.isenabled()  # both ended: as it was before the first
    finally:
        leave.set()
        gc.enable() if was else gc.disable()
