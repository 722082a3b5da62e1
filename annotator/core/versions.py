"""The versions a bug report needs, as far as they are not Qt's: the GUI's About box
adds Qt's to these, and keeps its hands off sqlite3."""

from __future__ import annotations

import platform
import sqlite3
import sys
from importlib import metadata

from annotator import __version__


def versions() -> dict[str, str]:
    """annotator, Python, SQLite, PyMuPDF and the system; PyMuPDF is asked by package
    metadata, not imported (importing it costs a third of a second)."""
    try:
        pymupdf = metadata.version("pymupdf")
    except metadata.PackageNotFoundError:
        pymupdf = "not installed"
    return {"annotator": __version__, "Python": sys.version.split()[0],
            "SQLite": sqlite3.sqlite_version, "PyMuPDF": pymupdf,
            "System": f"{platform.system()} {platform.release()} ({platform.machine()})"}
