"""TEI's ``listRelation`` for the relations between the entities a file lists (issue 15):
``<relation name="represented" active="#e-…" passive="#e-…" when="1924-11-14"
source="#a-…"/>``, @active the first entity, @passive the second, the date as
@when or @from/@to, and the annotations cited as evidence in @source (the passages of
this file only: a pointer must resolve inside it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from annotator.core import relations
from annotator.core.exporters.base import ncname_id

if TYPE_CHECKING:
    from annotator.core.project import Project


def list_relation(project: Project, entity_ids: set[str], xml_ids: dict[str, str],
                  text: Callable[[object], str], token: Callable[[str], str],
                  date_attrs: Callable[[str], list[tuple[str, str]]]) -> str:
    """The listRelation of the live relations whose two entities are both listed ("" if
    none). ``text``/``token``/``date_attrs``: the TEI writer's own escaping helpers."""
    kinds = {t.id: t.name for t in relations.types(project, include_deleted=True)}
    out = []
    for rel in relations.listing(project):
        if rel.source_id not in entity_ids or rel.target_id not in entity_ids:
            continue
        attrs = [("name", token(kinds.get(rel.relation_type_id, "related"))),
                 ("active", "#" + ncname_id("e", rel.source_id)),
                 ("passive", "#" + ncname_id("e", rel.target_id)),
                 *date_attrs(rel.date_value)]
        cited = [f"#{xml_ids[a]}" for a in rel.evidence if a in xml_ids]
        if cited:
            attrs.append(("source", " ".join(cited)))
        note = f"<desc>{text(rel.note)}</desc>" if rel.note else ""
        joined = " ".join(f'{k}="{text(v)}"' for k, v in attrs)
        out.append(f"<relation {joined}>{note}</relation>" if note else f"<relation {joined}/>")
    return f"<listRelation>{''.join(out)}</listRelation>" if out else ""
