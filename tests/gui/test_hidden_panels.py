"""Hidden panels compute nothing (issue 17): the charts, the timeline and the
entities list, tabbed behind other docks, only note that the project changed; the
first time one is shown it refreshes once, with what changed meanwhile."""

from __future__ import annotations

from annotator.core.overview import annotations_per_author


def test_hidden_panels_wait_until_shown(window, qtbot):
    charts, timeline = window.research["charts"], window.research["timeline"]
    entities = window.entities
    panels = (charts, timeline, entities)
    for name in ("annotations", "inspector"):  # in front of the three, as by default
        window.docks[name].raise_()
    qtbot.waitUntil(lambda: not any(q.when_shown.on_screen() for q in panels))
    runs = [p.when_shown.runs for p in panels]
    p = window.model.p
    doc = next(d for d in p.documents.list() if d.kind == "text")
    tag = p.tags.list()[0].id
    before = sum(n for _name, _c, n in annotations_per_author(p))
    for i in range(3):  # three edits, none of which makes a hidden panel count
        window.model.do("Tag", p.annotations.add, doc.id, start=i, end=i + 4, tag_ids=[tag],
                        date_value="1924-10-28")
    qtbot.wait(600)  # past the entities panel's 400 ms timer
    assert [q.when_shown.runs for q in panels] == runs
    assert all(q.when_shown.stale for q in panels)
    window.docks["charts"].raise_()
    qtbot.waitUntil(charts.when_shown.on_screen)
    assert charts.when_shown.runs == runs[0] + 1 and not charts.when_shown.stale
    bars = charts.authors.chart().series()[0].barSets()[0]
    assert sum(bars.at(i) for i in range(bars.count())) == before + 3  # the edits are in
    window.docks["timeline"].raise_()
    qtbot.waitUntil(timeline.when_shown.on_screen)
    assert timeline.when_shown.runs == runs[1] + 1
    window.docks["entities"].raise_()
    qtbot.waitUntil(entities.when_shown.on_screen)
    assert entities.when_shown.runs == runs[2] + 1
    window.docks["annotations"].raise_()  # hidden again: a change waits once more
    qtbot.waitUntil(lambda: not charts.when_shown.on_screen())
    window.model.do("Tag", p.annotations.add, doc.id, start=9, end=12, tag_ids=[tag])
    assert charts.when_shown.runs == runs[0] + 1 and charts.when_shown.stale
