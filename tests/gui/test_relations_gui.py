"""Relations in the workbench (issue 15): two mentions related by key, the entity page
listing the relation with its evidence (a click on a quote jumps to it)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from annotator.core import relations
from tests.gui.conftest import doc_id


def _mention(window, doc: str, quote: str):
    return next(a for a in window.model.p.annotations.for_document(doc) if a.quote == quote)


def test_relate_two_mentions_by_key_then_entity_page_lists_it(window, dialogs, qtbot):
    letter = doc_id(window, "Letter to Aristide")
    window.open_document(letter)
    briand = _mention(window, letter, "Aristide Briand")
    league = _mention(window, letter, "League of Nations")
    view = window.left.text_view
    window.selected.show(briand.id)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    assert relations.listing(window.model.p) == []  # the first press remembers Briand
    assert "other mention" in window.statusBar().currentMessage()
    dialogs.script("get_item", "member of")
    window.selected.show(league.id)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    [rel] = relations.listing(window.model.p)
    assert (rel.source_id, rel.target_id) == (briand.entity_id, league.entity_id)
    assert relations.find_type(window.model.p, rel.relation_type_id).name == "member of"
    assert rel.evidence == [briand.id, league.id]
    assert "Relate" in window.model.undo_stack.undoText()
    assert window.menus.extra_annotate[0] in window.menus.tag_menu.actions()

    window.show_entity(league.entity_id)
    page = window.research["entity"].relations
    top = page.tree.topLevelItem(0)
    assert top.text(0) == "member of (by)" and top.text(1) == "Aristide Briand"
    assert top.childCount() == 2
    window.selected.show(None)
    page.tree.itemClicked.emit(top.child(0), 0)  # a click on the first quote (Briand)
    assert window.selected.id == briand.id

    page.tree.setCurrentItem(top)  # its date and note, edited on the page
    page.date_edit.setText("17 June 1927")
    page.note_edit.setText("both at Geneva")
    page.save_selected()
    assert (relations.get(window.model.p, rel.id).date_value,
            relations.get(window.model.p, rel.id).note) == ("1927-06-17", "both at Geneva")
    assert page.tree.topLevelItem(0).text(2) == "1927-06-17"
    window.model.undo_stack.undo()
    assert relations.get(window.model.p, rel.id).date_value == ""
    window.model.undo_stack.undo()
    assert relations.listing(window.model.p) == []
    assert page.tree.topLevelItemCount() == 0


def test_network_view_click_through(window, qtbot):
    from PySide6.QtTest import QTest

    letter = doc_id(window, "Letter to Aristide")
    briand = _mention(window, letter, "Aristide Briand")
    league = _mention(window, letter, "League of Nations")
    window.model.do("Relate", relations.create, window.model.p, briand.entity_id, "met",
                    league.entity_id, evidence=[league.id])
    panel = window.research["network"]
    with qtbot.waitSignal(panel.drawn, timeout=20000):
        window.docks["network"].show()
        window.docks["network"].raise_()
    assert {n.id for n in panel.graph.nodes} >= {briand.entity_id, league.entity_id}
    with qtbot.waitSignal(panel.drawn, timeout=20000):
        panel.cooccurrence.setChecked(False)  # relations only
    assert [e.kind for e in panel.graph.edges] == ["relation"]
    view = panel.view

    def click(point) -> None:
        QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.NoModifier, view.mapFromScene(point))

    click(panel.items[briand.entity_id].scenePos())
    assert window.research["entity"].entity_id == briand.entity_id
    edge = next(i for i in panel.scene.items() if i.data(0) and i.data(0)[0] == "edge")
    click(edge.line().center())
    assert window.selected.id == league.id  # the relation's evidence


def test_entity_page_locates_a_place_from_the_gazetteer(window, qtbot, tmp_path, monkeypatch):
    from annotator.core import gazetteer, places
    from tests.conftest import DATA

    monkeypatch.setenv("ANNOTATOR_CACHE_DIR", str(tmp_path / "cache"))
    gazetteer.build_index(gazetteer.index_path(), source=DATA / "gazetteer" / "cities500.json")
    p = window.model.p
    result = window.model.do("Add place", p.entities.create, "Lemberg",
                             p.tags.find("Place").id)
    lemberg = result.value
    page = window.research["entity"].place
    window.show_entity(lemberg.id)
    assert page.isVisibleTo(window.research["entity"])
    qtbot.waitUntil(lambda: page.locate.isEnabled(), timeout=10000)  # proposed at once
    assert page.candidates.currentData().name == "Lviv"
    page.locate.click()
    entity = p.entities.get(lemberg.id)
    assert entity.identifiers["geonames"] == "702550" and places.coordinates(entity)
    assert page.where.text().startswith("At 49.8")
    window.model.undo_stack.undo()
    assert "geonames" not in p.entities.get(lemberg.id).identifiers
    briand = next(e for e in p.entities.list() if e.name == "Aristide Briand")
    window.show_entity(briand.id)
    assert not page.isVisibleTo(window.research["entity"])  # a person has no place


def test_map_shows_located_places_and_opens_their_page(window, qtbot):
    from PySide6.QtTest import QTest

    p = window.model.p
    lemberg = window.model.do("Add place", p.entities.create, "Lemberg",
                              p.tags.find("Place").id,
                              identifiers={"coordinates": "49.83826,24.02324"}).value
    panel = window.research["map"]
    window.docks["map"].show()
    window.docks["map"].raise_()
    qtbot.waitUntil(lambda: lemberg.id in panel.dots, timeout=5000)
    dot = panel.dots[lemberg.id]
    assert dot.scenePos().x() == pytest.approx(24.02324 * 6) and dot.scenePos().y() < 0
    view = panel.view
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, view.mapFromScene(dot.scenePos()))
    assert window.research["entity"].entity_id == lemberg.id
    window.model.undo_stack.undo()  # the place is gone: so is its dot
    assert lemberg.id not in panel.dots
