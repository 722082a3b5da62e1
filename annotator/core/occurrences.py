"""Tag all occurrences, annotate all hits: the same passage wherever else it stands,
proposed as suggestions to review (the queue of annotator.core.suggestions)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from annotator.core import names
from annotator.core.model import DocumentKind
from annotator.core.name_runs import adjacent
from annotator.core.suggestions import Suggestion, _make, rejected_keys

if TYPE_CHECKING:
    from annotator.core.project import Project
    from annotator.core.search import Hit


def occurrences(project: Project, quote: str, *, document_id: str | None = None,
                tag_ids: Sequence[str] = (), entity_id: str | None = None, note: str = "",
                date_value: str = "") -> list[Suggestion]:
    """Every occurrence of ``quote`` (word keys, so spellings vary as names do) not
    yet annotated with these tags or this entity, as suggestions to annotate so."""
    keys = names.name_key(quote)
    if not keys:
        return []
    docs = [project.documents.get(document_id)] if document_id else project.documents.list()
    rejected = rejected_keys(project)
    out = []
    for doc in docs:
        if doc is None or doc.kind != DocumentKind.TEXT:
            continue
        text = project.documents.text(doc.id)
        tokens = [(m.start(), m.end(), m.group()) for m in names.WORD.finditer(text)]
        done = _done(project, doc.id, tag_ids, entity_id)
        n = len(keys)
        for i in range(len(tokens) - n + 1):
            if names.word_key(tokens[i][2]) != keys[0]:
                continue
            if n > 1 and (tuple(names.word_key(t[2]) for t in tokens[i:i + n]) != keys
                          or not adjacent(text, tokens, i, i + n)):
                continue
            start, end = tokens[i][0], tokens[i + n - 1][1]
            if any(start < b and a < end for a, b in done):
                continue
            s = _make("occurrence", doc.id, text, start, end, f"Annotate “{text[start:end]}”",
                      entity_id=entity_id, tag_ids=tuple(tag_ids), note=note,
                      date_value=date_value)
            if s.key not in rejected:
                out.append(s)
    return out


def from_hits(project: Project, hits: Iterable[Hit], *, tag_ids: Sequence[str] = (),
              entity_id: str | None = None, note: str = "") -> list[Suggestion]:
    """Search hits in text documents as suggestions to annotate ("annotate all hits")."""
    out = []
    done: dict[str, list[tuple[int, int]]] = {}
    for hit in hits:
        if hit.kind != "text":
            continue
        if hit.document_id not in done:
            done[hit.document_id] = _done(project, hit.document_id, tag_ids, entity_id)
        if any(hit.start < b and a < hit.end for a, b in done[hit.document_id]):
            continue
        text = project.documents.text(hit.document_id)
        out.append(_make("occurrence", hit.document_id, text, hit.start, hit.end,
                         f"Annotate “{hit.hit}”", entity_id=entity_id, tag_ids=tuple(tag_ids),
                         note=note))
    return out


def _done(project: Project, doc_id: str, tag_ids: Sequence[str],
          entity_id: str | None) -> list[tuple[int, int]]:
    """Spans already annotated with one of these tags or this entity."""
    rows = project.conn.execute(
        "SELECT a.start_offset, a.end_offset, a.entity_id, "
        "(SELECT group_concat(tag_id, ' ') FROM annotation_tags WHERE annotation_id = a.id) "
        "FROM annotations a WHERE a.document_id = ? AND a.deleted = 0 "
        "AND a.start_offset IS NOT NULL", (doc_id,))
    wanted = set(tag_ids)
    return [(r[0], r[1]) for r in rows
            if (entity_id and r[2] == entity_id) or wanted & set((r[3] or "").split())
            or (not entity_id and not wanted)]




def entity_occurrences(project: Project, entity_id: str) -> list[Suggestion]:
    """Where an entity's name or one of its aliases stands in a text without being
    annotated with it: the entity page's "not yet annotated". The same matching as
    "tag all occurrences" (:func:`occurrences`, word keys); where two spellings
    overlap ("Eduard Errio", "Errio") the longer is kept. In document and text order."""
    entity = project.entities.get(entity_id)
    if entity is None or entity.deleted:
        return []
    found: list[Suggestion] = []
    for spelling in dict.fromkeys((entity.name, *entity.aliases)):
        found.extend(occurrences(project, spelling, entity_id=entity_id))
    kept: list[Suggestion] = []
    for s in sorted(found, key=lambda s: s.start - s.end):
        if not any(k.document_id == s.document_id and s.start < k.end and k.start < s.end
                   for k in kept):
            kept.append(s)
    return sorted(kept, key=lambda s: (s.document_id, s.start))
