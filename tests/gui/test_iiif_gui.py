"""File ▸ Import from IIIF…: the menu entry starts a worker that fetches a manifest's
pages from the localhost IIIF server; the document lands in the project file as one
undoable action."""

from __future__ import annotations

import pytest

from annotator.core.project import Project
from tests import iiif_server
from tests.test_iiif_import import v3_manifest

pytest.importorskip("iiif_prezi3")


@pytest.fixture
def server(tmp_path, monkeypatch):
    monkeypatch.setenv("ANNOTATOR_NET_ALLOW", "127.0.0.1")
    state = iiif_server.start(tmp_path / "srv")
    yield state
    iiif_server.stop(state)


def test_import_from_iiif_through_the_file_menu(window, qtbot, server, project_path, dialogs):
    url = v3_manifest(server, "gui.json")
    action = next(a for a in window.menus.file_menu.actions()
                  if a.text().replace("&", "") == "Import from IIIF…")
    assert action is window.iiif.action
    window.iiif.start(url)  # what the dialog's OK does with the address typed
    qtbot.waitUntil(lambda: window.iiif.worker is None, timeout=20_000)
    window.close()
    with Project.open(project_path, read_only=True) as project:
        docs = [d for d in project.documents.list() if "iiif" in d.metadata]
        assert [d.title for d in docs] == ["Letters to Briand"]
        assert docs[0].page_count == 2
        assert sum(a.document_id == docs[0].id for a in project.annotations.list()) == 2


def test_cancel_as_the_last_page_arrives_imports_nothing(window, qtbot, server, project_path,
                                                         monkeypatch):
    """The scholar's Cancel lands after the worker fetched the last page, before the GUI
    stored the document: Cancel wins, the project is as it was."""
    from annotator.core import iiif

    prepare = iiif.prepare_iiif

    def fetched_then_cancelled(*args, **kwargs):
        prepared = prepare(*args, **kwargs)
        window.iiif.worker.cancel()  # the click, between the last page and the store
        return prepared

    monkeypatch.setattr(iiif, "prepare_iiif", fetched_then_cancelled)
    with Project.open(project_path, read_only=True) as project:
        before = len(project.documents.list())
    window.iiif.start(v3_manifest(server, "cancelled.json"))
    qtbot.waitUntil(lambda: window.iiif.worker is None, timeout=20_000)
    window.close()
    with Project.open(project_path, read_only=True) as project:
        assert len(project.documents.list()) == before
