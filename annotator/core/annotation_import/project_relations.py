"""The relations of a colleague's copy in a merge (issue 15): their relation types by id,
else by name (two copies that each made "met" share one); their relations by id, the
two entities and the type mapped to ours; their evidence by id, else by the same
(relation, annotation) pair, so the citations of both copies end up as one union.

Rows are read and checked like every other table of theirs (:class:`RowStore.clean`),
and written inside the merge's one transaction (journaled: the merge undoes whole).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from annotator.core.annotation_import.project_rows import Reject
from annotator.core.names import fold

if TYPE_CHECKING:
    from annotator.core.annotation_import.project_tables import RowMerger


def merge_relations(m: RowMerger) -> None:
    """Types, relations, evidence: after entities and annotations are merged."""
    _types(m)
    _relations(m)
    _evidence(m)


def _types(m: RowMerger) -> None:
    by_name = {fold(n): i for i, n in m.c.execute(
        "SELECT id, name FROM main.relation_types WHERE deleted = 0")}
    for row in m.rows("relation_types"):
        try:
            row = m.clean("relation_types", row)
            if not row["name"].strip():
                raise Reject("no name")
            same = m.ours("relation_types", row["id"]) is not None
            match = row["id"] if same else by_name.get(fold(row["name"]))
            ours = m.upsert("relation_types", row, match, same_id=same)
            m.map["relation_types"][row["id"]] = ours
            by_name.setdefault(fold(row["name"]), ours)
        except Reject as exc:
            m.reject("relation_types", row, str(exc))


def _relations(m: RowMerger) -> None:
    for row in m.rows("relations"):
        try:
            row = m.clean("relations", row)
            rtype = m.map["relation_types"].get(row["relation_type_id"])
            ends = [m.map["entities"].get(row[c]) for c in ("source_id", "target_id")]
            if rtype is None:
                raise Reject("its type was not merged")
            if None in ends:
                raise Reject("it joins entities that were not merged")
            if ends[0] == ends[1]:
                raise Reject("both its entities are one record here")
            row = {**row, "relation_type_id": rtype, "source_id": ends[0],
                   "target_id": ends[1]}
            same = m.ours("relations", row["id"]) is not None
            m.map["relations"][row["id"]] = m.upsert("relations", row,
                                                     row["id"] if same else None,
                                                     same_id=same)
        except Reject as exc:
            m.reject("relations", row, str(exc))


def _evidence(m: RowMerger) -> None:
    cited = {(r, a): i for i, r, a in m.c.execute(
        "SELECT id, relation_id, annotation_id FROM main.relation_evidence")}
    for row in m.rows("relation_evidence"):
        try:
            row = m.clean("relation_evidence", row)
            rel = m.map["relations"].get(row["relation_id"])
            ann = m.map["annotations"].get(row["annotation_id"], row["annotation_id"])
            if rel is None:
                raise Reject("its relation was not merged")
            if m.c.execute("SELECT 1 FROM main.annotations WHERE id = ?",
                           (ann,)).fetchone() is None:
                raise Reject("it cites an annotation that was not merged")
            row = {**row, "relation_id": rel, "annotation_id": ann}
            same = m.ours("relation_evidence", row["id"]) is not None
            match = row["id"] if same else cited.get((rel, ann))
            cited.setdefault((rel, ann), m.upsert("relation_evidence", row, match,
                                                  same_id=same))
        except Reject as exc:
            m.reject("relation_evidence", row, str(exc))
