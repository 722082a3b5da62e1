"""Shared fixtures. GUI tests run offscreen; corpus tests skip where ../shared is absent."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("ANNOTATOR_AUTHOR", "Test Historian")
# the record of verified files (annotator.core.verified) goes to a scratch folder of
# this run, not the user's cache
if "ANNOTATOR_CACHE_DIR" not in os.environ:
    import atexit
    import shutil
    import tempfile

    os.environ["ANNOTATOR_CACHE_DIR"] = tempfile.mkdtemp(prefix="annotator-test-cache-")
    atexit.register(shutil.rmtree, os.environ["ANNOTATOR_CACHE_DIR"], True)

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
SAMPLES = ROOT / "sample_documents"
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"

LETTER = (
    "His Excellency\nMr. Aristide Briand Minister for Foreign Affairs\nParis, 17 June 1927\n"
    "We, the undersigned, representatives of the National Governments of the Republics of "
    "Azerbaijan, Georgia, the North Caucasus, and Ukraine 🇺🇦 𐌰𐌱, have the honor…\n"
    "Signed TOPTIBACHY Chairman of the Delegation of Azerbaijan\n"
)


@pytest.fixture
def project(tmp_path):
    from annotator.core.project import Project

    p = Project.create(tmp_path / "test.annot", "Test project", author="Test Historian")
    yield p
    p.close()


@pytest.fixture
def letter(project, tmp_path):
    """A text document in the project (with characters beyond the BMP)."""
    path = tmp_path / "letter.txt"
    path.write_text(LETTER, encoding="utf-8")
    return project.documents.import_file(path).value.document


def corpus_dir(*parts: str) -> Path:
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not available (the shared corpus is not part of a user's clone)")
    return path


@pytest.fixture(autouse=True)
def _no_hard_exit(monkeypatch):
    """``os._exit`` inside the test process would end the whole run with status 0 and
    every later test silently unrun (the GUI's quick quit once did): make it a failure."""
    real, test_process = os._exit, os.getpid()

    def refuse(status: int) -> None:
        # a forked child of a crash test, or pytest-timeout ending a hung run from its
        # own thread: let it go
        if os.getpid() != test_process or threading.current_thread() is not \
                threading.main_thread():
            real(status)
        raise AssertionError(f"os._exit({status}) called inside the test process")

    monkeypatch.setattr(os, "_exit", refuse)
