"""Where a place is, on its entity page (issue 15): the offline gazetteer's candidates
for the place's name and spellings (Lemberg → Lviv, UA), proposed as soon as the page
shows a place without coordinates; "Locate" stores the chosen one's GeoNames id and
coordinates (one core call, one undo step). The first look-up ever indexes the
gazetteer (~15 s): that runs on a worker thread, the page stays usable.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from annotator.core import places
from annotator.core.errors import AnnotatorError
from annotator.gui.project_model import ProjectModel


class _Found(QObject):
    candidates = Signal(str, object)  # entity id, list of Place (or an error message)


class EntityPlace(QWidget):
    def __init__(self, model: ProjectModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.m = model
        self.entity_id: str | None = None
        self.where = QLabel()
        self.candidates = QComboBox(toolTip="Places of this name in the offline gazetteer "
                                    "(GeoNames, CC BY 4.0)")
        self.find = QPushButton("Find in gazetteer")
        self.find.clicked.connect(self.look_up)
        self.locate = QPushButton("Locate", toolTip="Store the chosen place's GeoNames id "
                                  "and coordinates (undoable)")
        self.locate.clicked.connect(self.locate_chosen)
        self._found = _Found()
        self._found.candidates.connect(self._show)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for w, stretch in ((self.where, 0), (self.candidates, 1), (self.find, 0),
                           (self.locate, 0)):
            row.addWidget(w, stretch)

    def show_entity(self, entity_id: str | None) -> None:
        """Shown for places only; candidates proposed at once for one not yet located
        (when the gazetteer is indexed: a look-up is then milliseconds)."""
        from annotator.core import gazetteer

        entity = self.m.entity(entity_id) if entity_id and self.m.is_open else None
        tag = self.m.tag(entity.type_id) if entity else None
        self.entity_id = entity.id if entity else None
        self.setVisible(bool(tag and tag.name.casefold() == "place"))
        self.candidates.clear()
        self.locate.setEnabled(False)
        if entity is None:
            return
        point = places.coordinates(entity)
        self.where.setText(f"At {point[0]:.4f}, {point[1]:.4f}" if point else "Not located")
        if point is None and self.isVisibleTo(self.parentWidget() or self) \
                and gazetteer.ready():
            self.look_up()

    def look_up(self) -> None:
        entity = self.m.entity(self.entity_id)
        if entity is None:
            return
        spellings = [entity.name, *entity.aliases]
        entity_id = entity.id
        self.find.setEnabled(False)

        def work() -> None:
            from annotator.core import gazetteer

            try:
                found: list = []
                for name in spellings:
                    found += [p for p in gazetteer.lookup(name)
                              if p.geonames_id not in {f.geonames_id for f in found}]
                self._found.candidates.emit(entity_id, found)
            except AnnotatorError as exc:
                self._found.candidates.emit(entity_id, str(exc))

        threading.Thread(target=work, name="annotator-gazetteer-lookup", daemon=True).start()

    def _show(self, entity_id: str, found: object) -> None:
        self.find.setEnabled(True)
        if entity_id != self.entity_id:
            return  # the page moved on
        self.candidates.clear()
        if isinstance(found, str):
            self.m.failed.emit(found)
            return
        for p in found:  # type: ignore[union-attr]
            self.candidates.addItem(f"{p.name} ({p.country}) · pop. {p.population:,} · "
                                    f"geonames {p.geonames_id}", p)
        self.locate.setEnabled(bool(found))
        if not found:
            self.candidates.addItem("No place of this name in the gazetteer")

    def locate_chosen(self) -> bool:
        place = self.candidates.currentData()
        if place is None or not self.entity_id:
            return False
        return self.m.do(f"Locate as {place.name}", places.locate, self.m.p, self.entity_id,
                         place) is not None
