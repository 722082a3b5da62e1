"""The research widgets on their own (no main window), offscreen: the review queue
walked with the keyboard, the entity page, timeline click-to-jump, chart export, the
search panel and the find bar. No modal dialog is ever opened."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from annotator.core import occurrences, suggestions
from annotator.core.importers.base import ImportedSource
from annotator.core.model import DocumentKind
from annotator.core.overview import tag_frequency, timeline_items
from annotator.gui.charts import ChartsPanel
from annotator.gui.panels.entity_page import EntityPage, parse_identifiers
from annotator.gui.panels.review_queue import ReviewQueue
from annotator.gui.panels.search_panel import FindBar, SearchPanel
from annotator.gui.project_model import ProjectModel
from annotator.gui.timeline import Timeline

pytestmark = pytest.mark.gui

TEXT = ("On October 28, 1924 the French premier Eduard Errio sent a telegram to Kalinin.\n"
        "HERRIOT and Hérriot met the Supreme Allied Council in Paris in mid-1927.\n"
        "Kalinin and Herriot again, 17 June 1927.")


@pytest.fixture
def model(tmp_path, qtbot):
    m = ProjectModel()
    m.create(tmp_path / "w.annot", "Widgets", author="Test Historian")
    yield m
    m.close()


@pytest.fixture
def world(model):
    p = model.p
    src = ImportedSource("letter", DocumentKind.TEXT, "text/plain", "l.txt", TEXT.encode(),
                         text=TEXT)
    doc = p.documents.add_source(src)
    person = p.tags.find("Person").id
    herriot = p.entities.create("Édouard Herriot", person, aliases=["Eduard Errio"],
                                dates="1872/1957", identifiers={"wikidata": "Q193375"}).value
    kalinin = p.entities.create("Mikhail Kalinin", person).value
    errio = p.entities.create("Errio", person).value
    start, end = p.annotations.locate(doc.id, "Kalinin")
    k1 = p.annotations.add(doc.id, start=start, end=end, tag_ids=[person],
                           entity_id=kalinin.id).value
    start, end = p.annotations.locate(doc.id, "Eduard Errio")
    e1 = p.annotations.add(doc.id, start=start, end=end, tag_ids=[person],
                           entity_id=errio.id).value
    start, end = p.annotations.locate(doc.id, "October 28, 1924")
    d1 = p.annotations.add(doc.id, start=start, end=end, date_value="1924-10-28").value
    model.announce(model.p.documents.update(doc.id).changes)  # refresh the caches
    model._forget()
    return dict(doc=doc, person=person, herriot=herriot, kalinin=kalinin, errio=errio,
                k1=k1, e1=e1, d1=d1)


def key(widget, k, modifier=Qt.KeyboardModifier.NoModifier):
    QTest.keyClick(widget, k, modifier)


def go_to(queue, wanted) -> None:
    """Skip (S) to the first suggestion from the current one on that ``wanted`` says."""
    for _ in range(len(queue.items)):
        if wanted(queue.current()):
            return
        key(queue.tree, Qt.Key.Key_S)
    raise AssertionError("no such suggestion")


def test_review_queue_walked_with_the_keyboard(model, world, qtbot):
    queue = ReviewQueue(model)
    qtbot.addWidget(queue)
    queue.set_current_document(world["doc"].id)
    with qtbot.waitSignal(queue.jumpRequested) as jumped:
        queue.suggest()
    first = queue.current()
    assert jumped.args == [first.document_id, first.start, first.end]
    assert TEXT[first.start:first.end] == first.quote
    n = len(queue.items)
    # skip, then reject: remembered in the project
    key(queue.tree, Qt.Key.Key_S)
    skipped_to = queue.current()
    assert skipped_to is not first
    key(queue.tree, Qt.Key.Key_R)
    assert len(queue.items) == n - 1
    assert skipped_to.key in suggestions.rejected_keys(model.p)
    # accept all of Herriot's mentions at once (Shift+A)
    go_to(queue, lambda s: s.entity_id == world["herriot"].id)
    key(queue.tree, Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)
    counts = model.p.entities.mention_counts()
    assert counts[world["herriot"].id] >= 2
    assert not [s for s in queue.items if s.entity_id == world["herriot"].id]
    # a name: needs its type, given by the type's key
    queue.tree.setCurrentItem(queue.tree.topLevelItem(0))
    go_to(queue, lambda s: s.kind == "name")
    name = queue.current()
    assert name.quote == "Supreme Allied Council"
    key(queue.tree, Qt.Key.Key_1)  # Person's key in the default codebook
    council = model.p.entities.find("Supreme Allied Council")
    assert council is not None and council.type_id == world["person"]
    # undo takes back the queue's decisions, one journal step each
    model.undo_stack.undo()
    assert model.p.entities.get(council.id) is None  # its creation is undone
    model.undo_stack.undo()
    assert model.p.entities.mention_counts().get(world["herriot"].id, 0) == 0
    model.undo_stack.undo()
    assert skipped_to.key not in suggestions.rejected_keys(model.p)


def test_review_queue_enter_accepts_one(model, world, qtbot):
    queue = ReviewQueue(model)
    qtbot.addWidget(queue)
    queue.set_suggestions(occurrences.occurrences(model.p, "Paris", tag_ids=[world["person"]]))
    assert len(queue.items) == 1
    key(queue.tree, Qt.Key.Key_Return)
    assert queue.items == []
    (ann,) = [a for a in model.p.annotations.for_document(world["doc"].id)
              if a.quote == "Paris"]
    assert ann.tag_ids == [world["person"]]


def test_entity_page_lists_mentions_jumps_merges_splits(model, world, qtbot):
    page = EntityPage(model)
    qtbot.addWidget(page)
    page.show_entity(world["kalinin"].id)
    assert page.annotated.childCount() == 1
    assert "Q193375" not in page.details.text()
    item = page.annotated.child(0)
    with qtbot.waitSignal(page.jumpRequested) as jumped:
        page._activated(item)
    doc_id, start, end = jumped.args
    assert (doc_id, TEXT[start:end]) == (world["doc"].id, "Kalinin")

    page.show_entity(world["herriot"].id)
    assert "https://www.wikidata.org/wiki/Q193375" in page.details.text()
    page.merge_from.setCurrentIndex(page.merge_from.findData(world["errio"].id))
    assert page.merge_selected()
    assert model.p.entities.get(world["errio"].id).deleted
    assert model.p.annotations.get(world["e1"].id).entity_id == world["herriot"].id
    assert page.annotated.childCount() == 1
    model.undo_stack.undo()
    assert not model.p.entities.get(world["errio"].id).deleted
    assert model.p.annotations.get(world["e1"].id).entity_id == world["errio"].id
    model.undo_stack.redo()
    assert model.p.annotations.get(world["e1"].id).entity_id == world["herriot"].id

    page.reload()
    page.mentions.setCurrentItem(page.annotated.child(0))
    assert page.alias_selected()  # "Eduard Errio" is an alias already: no change
    page.mentions.setCurrentItem(page.annotated.child(0))
    assert page.split_selected()
    new_id = model.p.annotations.get(world["e1"].id).entity_id
    assert model.p.entities.get(new_id).name == "Eduard Errio"
    model.undo_stack.undo()
    assert model.p.annotations.get(world["e1"].id).entity_id == world["herriot"].id

    page.identifiers.setText("wikidata=Q193375; viaf=12345")
    assert page.save_identifiers()
    assert model.p.entities.get(world["herriot"].id).identifiers["viaf"] == "12345"
    assert parse_identifiers("a=1; b ; =2; c = 3 ") == {"a": "1", "c": "3"}


def test_timeline_click_jumps_and_zooms(model, world, qtbot):
    items = timeline_items(model.p)
    assert {i.lane for i in items} == {"letter", "Entities"}
    timeline = Timeline(model)
    qtbot.addWidget(timeline)
    timeline.resize(900, 300)
    timeline.show()
    qtbot.waitExposed(timeline)
    timeline.view.fit()
    view = timeline.view
    dated = next(i for i in view.items_ if i.annotation_id == world["d1"].id)
    point = view.mapFromScene(view.center_of(dated))
    with qtbot.waitSignal(timeline.jumpRequested) as jumped:
        QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    doc_id, start, end = jumped.args
    assert TEXT[start:end] == "October 28, 1924"
    life = next(i for i in view.items_ if i.entity_id == world["herriot"].id)
    with qtbot.waitSignal(timeline.entityActivated) as activated:
        QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                         pos=view.mapFromScene(view.center_of(life)))
    assert activated.args == [world["herriot"].id]
    before = view.px_per_day
    view.zoom(2.0)
    assert view.px_per_day == pytest.approx(before * 2)
    timeline.lanes.setCurrentIndex(1)
    assert set(timeline.view.lanes) == {"Date", "Person"} or "Person" in timeline.view.lanes


def test_charts_export_png_and_svg(model, world, qtbot, tmp_path):
    titles, series = tag_frequency(model.p)
    assert titles == ["letter"] and series[0][0] == "Person"
    panel = ChartsPanel(model)
    qtbot.addWidget(panel)
    panel.resize(800, 500)
    for which, name in enumerate(("tags", "entities", "authors")):
        png = panel.export(tmp_path / f"{name}.png", which)
        svg = panel.export(tmp_path / f"{name}.svg", which)
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert b"<svg" in svg.read_bytes()
    timeline = Timeline(model)
    qtbot.addWidget(timeline)
    timeline.export(str(tmp_path / "timeline.svg"))
    assert (tmp_path / "timeline.svg").stat().st_size > 0


def test_search_panel_and_find_bar(model, world, qtbot):
    panel = SearchPanel(model)
    qtbot.addWidget(panel)
    panel.search_for("herriot")
    assert len(panel.hits) == 3
    group = panel.tree.topLevelItem(0)
    assert group.text(0).startswith("letter — 3 hits")
    with qtbot.waitSignal(panel.jumpRequested) as jumped:
        panel._activated(group.child(0))
    _, start, end = jumped.args
    assert TEXT[start:end] == "HERRIOT"
    panel.as_tag.setCurrentIndex(panel.as_tag.findData(world["person"]))
    with qtbot.waitSignal(panel.suggestionsReady) as ready:
        panel.annotate_all()
    assert [s.quote for s in ready.args[0]] == ["HERRIOT", "Hérriot", "Herriot"]
    panel.search_for('"unbalanced')  # no crash, no hits
    assert panel.hits == []

    # quotes and notes of the open document only: the filter takes the document
    panel.scope.setCurrentIndex(1)
    panel.set_current_document(world["doc"].id)
    panel.notes.setChecked(True)
    panel.search_for("kalinin")
    assert {h.kind for h in panel.hits} == {"text", "quote"}

    bar = FindBar(model)
    qtbot.addWidget(bar)
    bar.set_document(world["doc"].id)
    bar.edit.setText("herriot")
    assert bar.count.text() == "0 of 3"
    with qtbot.waitSignal(bar.jumpRequested) as jumped:
        bar.next()
    assert TEXT[jumped.args[1]:jumped.args[2]] == "HERRIOT"
    with qtbot.waitSignal(bar.jumpRequested) as jumped:
        bar.previous()
    assert TEXT[jumped.args[1]:jumped.args[2]] == "Herriot"
    assert bar.count.text() == "3 of 3"
    _ = QPoint
