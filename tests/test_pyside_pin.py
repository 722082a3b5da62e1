"""PySide6 6.12.0 on Python 3.11 leaks a reference to None on every void C++ call and
aborts the app after ~5,000 calls. pyproject.toml pins around it; this test catches the
broken combination should the pin ever be loosened."""

from __future__ import annotations

import subprocess
import sys

import pytest

CHECK = """
import os, sys
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtGui import QTextDocument, QTextCursor
d = QTextDocument(); d.setPlainText("x" * 100)
c = QTextCursor(d)
before = sys.getrefcount(None)
for _ in range(2000):
    c.setPosition(5)
print(sys.getrefcount(None) - before)
"""


def test_void_calls_do_not_leak_none():
    pytest.importorskip("PySide6")
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    delta = int(out.stdout.strip().splitlines()[-1])
    # A leak shows as about -2000; allow a little noise from the interpreter itself.
    assert delta > -100, f"None refcount fell by {-delta} over 2000 calls: broken PySide6"


def test_installed_pyside_is_not_the_broken_combination():
    PySide6 = pytest.importorskip("PySide6")
    if sys.version_info < (3, 12):
        assert not PySide6.__version__.startswith("6.12.0")
