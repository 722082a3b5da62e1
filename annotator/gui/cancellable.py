"""A worker thread the scholar can cancel, whose cancelling outlasts the thread.

Its results reach the GUI thread through queued signals, so one read just before
Cancel can arrive just after it: the GUI asks ``cancelled`` before storing it. Qt's
own interruption flag will not do: Qt clears it when the thread ends, and a Cancel
pressed as the worker finished was then forgotten (the file or page in flight stored).
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread


class CancellableWorker(QThread):
    """A QThread with a cancel flag of its own (a :class:`threading.Event`)."""

    def __init__(self) -> None:
        super().__init__()
        self._stop = threading.Event()

    def cancel(self) -> None:
        self._stop.set()

    @property
    def cancelled(self) -> bool:
        return self._stop.is_set()
