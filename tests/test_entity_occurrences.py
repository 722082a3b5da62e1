"""The entity page's "not yet annotated": where an entity's name or alias stands in a
text without being annotated with it (issue 11, item 15)."""

from __future__ import annotations

from annotator.core import entity_ops
from annotator.core.importers.base import ImportedSource
from annotator.core.model import DocumentKind
from annotator.core.occurrences import entity_occurrences

TEXT = ("Eduard Errio spoke. Later Errio wrote to HERRIOT; Herriot's reply came. "
        "Édouard Herriot signed.")


def test_names_and_aliases_unannotated_longest_spelling_kept(project):
    person = next(t.id for t in project.tags.list() if t.name == "Person")
    herriot = project.entities.create("Édouard Herriot", person,
                                      aliases=["Eduard Errio", "Errio", "Herriot"]).value
    src = ImportedSource("t", DocumentKind.TEXT, "text/plain", "t.txt", TEXT.encode(), text=TEXT)
    doc = project.documents.add_source(src)
    found = entity_occurrences(project, herriot.id)
    assert [s.quote for s in found] == ["Eduard Errio", "Errio", "HERRIOT", "Herriot",
                                        "Édouard Herriot"]
    assert all(s.entity_id == herriot.id and s.document_id == doc.id for s in found)
    entity_ops.accept(project, found[1])  # annotated with him: no longer listed
    assert [s.quote for s in entity_occurrences(project, herriot.id)] == [
        "Eduard Errio", "HERRIOT", "Herriot", "Édouard Herriot"]
    assert entity_occurrences(project, "no such entity") == []
