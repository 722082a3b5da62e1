"""The workbench used the way a person uses it (issue 11): keys pressed on the
focused widget of the real window, menu actions triggered, dialogs answered by the
scripted dialog service; each test judges by reading the project file afresh."""

from __future__ import annotations

from PySide6.QtCore import Qt

from annotator.core.project import Project
from tests.gui.conftest import doc_id


def reread(window):
    """The project file as a fresh reader sees it."""
    return Project.open(window.model.p.path, read_only=True)


# -- item 1: one bar per document ------------------------------------------------------


def test_tags_per_document_one_bar_per_document_with_full_title(window, qtbot):
    facsimile = doc_id(window, "letter_to_briand")
    window.model.do("Rename", window.model.p.documents.update, facsimile,
                    title="Letter to Aristide Briand, 17 June 1927 (facsimile)")
    chart = window.research["charts"].tags
    window.research["charts"].reload()
    with reread(window) as p:
        counted = {a.document_id for a in p.annotations.list() if a.tag_ids}
    axis = chart.chart().axes(Qt.Orientation.Horizontal)[0]
    labels = axis.categories()
    assert len(labels) == len(set(labels)) == len(counted) == len(chart.titles)
    assert all(len(label) <= 30 for label in labels)
    bars = chart.chart().series()[0].barSets()
    person = next(b for b in bars if b.label() == "Person")
    i = chart.titles.index("Letter to Aristide Briand, 17 June 1927 (facsimile)")
    assert person.at(i) == 1  # the region on the facsimile, its own bar
    assert chart.tooltip(i, person).startswith(
        "Letter to Aristide Briand, 17 June 1927 (facsimile)")
