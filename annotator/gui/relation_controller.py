"""Annotate ▸ Relate two mentions (Ctrl+Shift+L): a relation between the entities of two
highlighted mentions, citing both as its evidence (issue 15).

With a mention selected in each pane, one press does it. Otherwise the first press
remembers the selected mention ("Krasin: now select the other mention"), and the
second, on another mention, asks for the relation type and makes the relation: one
core call (annotator.core.relations.create), one step of Edit ▸ Undo.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from annotator.gui.undo import short

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStatusBar

    from annotator.core.model import Annotation
    from annotator.gui.desk import Desk
    from annotator.gui.dialogs.service import Dialogs
    from annotator.gui.main_window import MainWindow
    from annotator.gui.project_model import ProjectModel

TITLE = "Relate two mentions"


class RelationController:
    def __init__(self, model: ProjectModel, desk: Desk, dialogs: Dialogs,
                 status: QStatusBar) -> None:
        self.model, self.desk, self.dialogs, self.status = model, desk, dialogs, status
        self.first: str | None = None  # the mention remembered by the first press
        model.projectClosed.connect(self.forget)

    def forget(self) -> None:
        self.first = None

    def say(self, text: str) -> None:
        self.status.showMessage(text, 8000)

    def _mention(self, annotation_id: str | None) -> Annotation | None:
        if not annotation_id or not self.model.is_open:
            return None
        ann = self.model.p.annotations.get(annotation_id)
        return ann if ann is not None and not ann.deleted and ann.entity_id else None

    def relate_mentions(self) -> bool:
        """The key's action; True when a relation was made."""
        panes = [self.desk.active, self.desk.other(self.desk.active)]
        chosen = [m for m in (self._mention(p.selected_annotation) for p in panes
                              if p.document_id) if m is not None]
        if len(chosen) == 2 and chosen[0].entity_id != chosen[1].entity_id:
            self.first = None
            return self.relate(chosen[0], chosen[1])
        current = chosen[0] if chosen else None
        first = self._mention(self.first)
        if current is None:
            self.say("Select a highlighted mention of an entity (a name linked to a record) "
                     "first.")
            return False
        if first is None or first.id == current.id or first.entity_id == current.entity_id:
            self.first = current.id
            self.say(f"“{short(current.quote, 30)}”: now select the other mention and press "
                     "Ctrl+Shift+L again.")
            return False
        self.first = None
        return self.relate(first, current)

    def relate(self, first: Annotation, second: Annotation) -> bool:
        from annotator.core import relations  # at the first use, not on the way to the window

        a, b = self.model.entity(first.entity_id), self.model.entity(second.entity_id)
        if a is None or b is None:
            return False
        names = [t.name for t in relations.types(self.model.p)] or \
            [name for name, _color in relations.DEFAULT_TYPES]
        rtype = self.dialogs.get_item(TITLE, f"{a.name} … {b.name}:", names)
        if not rtype:
            return False
        result = self.model.do(f"Relate “{short(a.name, 20)}” and “{short(b.name, 20)}”",
                               relations.create, self.model.p, a.id, rtype, b.id,
                               evidence=[first.id, second.id])
        if result is None:
            return False
        self.say(f"{a.name} —{rtype}→ {b.name}, both passages cited.")
        return True


def install(window: MainWindow) -> RelationController:
    """The controller and its key, in the Annotate menu after Ctrl+L's link."""
    controller = RelationController(window.model, window.desk, window.dialogs,
                                    window.statusBar())
    action = window.menus.act("&Relate two mentions…", controller.relate_mentions,
                              "Ctrl+Shift+L", "A relation between the entities of two "
                              "mentions, citing both as evidence")
    window.menus.extra_annotate.append(action)
    window.menus.fill_tag_menu()
    window.relations = controller  # type: ignore[attr-defined]
    return controller
