"""When Qt cannot start the window, say why in the scholar's words.

Qt ends the process (qFatal, then abort) when no platform plugin loads: a missing xcb
library, no display. Its words name no package, or a wrong one ("xcb-cursor0 is needed"
when there is no display). While the application object is made (gui.app.make_app), a
message handler catches that fatal message, explains it (annotator.desktop_libraries),
and ends the process with the command line's error status; the handler is removed as
soon as the application exists.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

EXIT_ERROR = 2  # as annotator.cli


def _explain(message: str) -> None:
    from annotator.desktop_libraries import why_no_window

    sys.stderr.write(f"annotator: {why_no_window(message)}\n")
    sys.stderr.flush()


@contextmanager
def explained_if_qt_cannot_start() -> Iterator[None]:
    held: list[str] = []  # Qt's warnings on the way: shown if it starts, else misleading

    def handler(kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
        if kind == QtMsgType.QtFatalMsg:
            _explain(" ".join([*held, message]))
            os._exit(EXIT_ERROR)  # Qt would abort (a core dump) right after we return
        held.append(message)

    previous = qInstallMessageHandler(handler)
    try:
        yield
    finally:
        qInstallMessageHandler(previous)
        for message in held:
            sys.stderr.write(message + "\n")
