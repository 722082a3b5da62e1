"""`annotator relate`, `annotator relations`, `annotator gazetteer`: relations between
entities on evidence, and places looked up offline (issue 15).

Wired into cli.py like cli_ocr; same conventions (imports inside the commands,
AnnotatorError messages, exit status 0 ok, 1 problems, 2 error).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

from annotator.cli import _open

EXIT_OK, EXIT_PROBLEMS, EXIT_ERROR = 0, 1, 2


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("relate", help="say how two entities relate, citing annotations "
                       "as evidence")
    p.add_argument("project")
    p.add_argument("source", help="the active entity (id, name or spelling)")
    p.add_argument("type", help="relation type, e.g. represented, wrote to, member of "
                   "(a new name is added to the vocabulary)")
    p.add_argument("target", help="the passive entity (id, name or spelling)")
    p.add_argument("--evidence", action="append", default=[], metavar="ANNOTATION",
                   help="an annotation id (or id prefix) citing it (repeatable)")
    p.add_argument("--date", default="", help="1924-11-14, 1924-11, 1924, 1924/1927 or "
                   "“14 November 1924”")
    p.add_argument("--note", default="")

    p = sub.add_parser("relations", help="list relations (of one entity), or the "
                       "relation types")
    p.add_argument("project")
    p.add_argument("entity", nargs="?", help="only this entity's relations")
    p.add_argument("--types", action="store_true", help="list the relation types")
    p.add_argument("--add-type", metavar="NAME", help="add a relation type to the vocabulary")
    p.add_argument("--edit-type", metavar="NAME", help="change a relation type: --rename "
                   "and/or --color")
    p.add_argument("--rename", metavar="NEW")
    p.add_argument("--color", help="with --add-type or --edit-type: the colour (#rrggbb)")
    p.add_argument("--delete", metavar="RELATION", help="delete a relation (id or prefix)")
    p.add_argument("--edit", metavar="RELATION", help="change a relation's --set-type, "
                   "--set-date ('' clears it) or --set-note (id or prefix)")
    p.add_argument("--set-type")
    p.add_argument("--set-date")
    p.add_argument("--set-note")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("gazetteer", help="look a place up in the offline gazetteer "
                       "(GeoNames cities, with historic names)")
    p.add_argument("name", help="a place name, e.g. Lemberg, Danzig, Petrograd")
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--json", action="store_true")


def _entity(project, ref: str):
    from annotator.core.errors import AnnotatorError

    entity = project.entities.find(ref)
    if entity is None:
        raise AnnotatorError(f"no entity {ref!r} (by id, name or spelling)")
    return entity


def _by_prefix(project, table: str, ref: str) -> str:
    """The id of the live row of ``table`` (annotations, relations) starting with ``ref``."""
    from annotator.core.errors import AnnotatorError

    rows = project.conn.execute(f"SELECT id FROM {table} WHERE deleted = 0 AND "
                                "substr(id, 1, ?) = ? LIMIT 2", (len(ref), ref)).fetchall()
    if len(rows) != 1:
        noun = table.rstrip("s")
        raise AnnotatorError(f"{'no' if not rows else 'more than one'} {noun} {ref!r}")
    return rows[0][0]


def cmd_relate(args) -> int:
    from annotator.core import relations

    with _open(args) as project:
        source, target = _entity(project, args.source), _entity(project, args.target)
        evidence = [_by_prefix(project, "annotations", ref) for ref in args.evidence]
        rel = relations.create(project, source.id, args.type, target.id, evidence=evidence,
                               date=args.date, note=args.note).value
        rtype = relations.find_type(project, rel.relation_type_id)
    date = f" ({rel.date_value})" if rel.date_value else ""
    print(f"{rel.id[:8]}  {source.name} —{rtype.name if rtype else '?'}→ {target.name}{date}, "
          f"{len(rel.evidence)} passage(s) cited")
    return EXIT_OK


def cmd_relations(args) -> int:
    import re

    from annotator.core import relations
    from annotator.core.errors import AnnotatorError

    with _open(args, read_only=not (args.delete or args.add_type or args.edit
                                    or args.edit_type)) as project:
        if args.color and not re.fullmatch(r"#[0-9a-fA-F]{6}", args.color):
            raise AnnotatorError("--color is #rrggbb, e.g. #d62728")
        if args.edit_type:
            rtype = relations.find_type(project, args.edit_type)
            if rtype is None:
                raise AnnotatorError(f"no relation type “{args.edit_type}”")
            fields = {k: v for k, v in (("name", args.rename), ("color", args.color)) if v}
            relations.update_type(project, rtype.id, **fields)
            args.types = True
        if args.edit:
            relations.update(project, _by_prefix(project, "relations", args.edit),
                             type_ref=args.set_type, date=args.set_date, note=args.set_note)
        if args.add_type:
            with project.transaction(f"Add relation type “{args.add_type}”"):
                relations.ensure_default_types(project)
                relations.add_type(project, args.add_type, args.color or "#607d8b")
            args.types = True
        if args.types:
            rows = [{"id": t.id, "name": t.name, "color": t.color}
                    for t in relations.types(project)]
            if args.json:
                print(json.dumps(rows, ensure_ascii=False, indent=2))
            for r in rows if not args.json else ():
                print(f"{r['id'][:8]}  {r['color']}  {r['name']}")
            return EXIT_OK
        if args.delete:
            relations.delete(project, _by_prefix(project, "relations", args.delete))
        entity = _entity(project, args.entity) if args.entity else None
        names = {e.id: e.name for e in project.entities.list()}
        kinds = {t.id: t.name for t in relations.types(project, include_deleted=True)}
        rows = [{"id": r.id, "source": names[r.source_id], "type": kinds.get(r.relation_type_id),
                 "target": names[r.target_id], "date": r.date_value, "note": r.note,
                 "evidence": [{"annotation": e.annotation_id, "document": e.document_title,
                               "quote": e.quote}
                              for e in relations.evidence(project, r.evidence)]}
                for r in relations.listing(project, entity.id if entity else None)]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    for r in rows:
        date = f"  {r['date']}" if r["date"] else ""
        print(f"{r['id'][:8]}  {r['source']} —{r['type']}→ {r['target']}{date}")
        for e in r["evidence"]:
            print(f"            “{e['quote'][:70]}” ({e['document']}, {e['annotation'][:8]})")
    print(f"{len(rows)} relation(s)")
    return EXIT_OK


def cmd_gazetteer(args) -> int:
    from annotator.core import gazetteer

    found = gazetteer.lookup(args.name, limit=args.limit)
    rows = [p.as_dict() for p in found]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK if rows else EXIT_PROBLEMS
    for p in found:
        via = f"  (as “{p.matched}”)" if p.matched != p.name else ""
        print(f"{p.name:<28} {p.country:<3} geonames:{p.geonames_id:<9} "
              f"{p.latitude:9.4f} {p.longitude:9.4f}  pop. {p.population:,}{via}")
    if not found:
        print(f"no place called {args.name!r} in the offline gazetteer")
        return EXIT_PROBLEMS
    print(gazetteer.ATTRIBUTION)
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "relate": cmd_relate, "relations": cmd_relations, "gazetteer": cmd_gazetteer}


def locate_entity(project, ref: str, choose: int | None) -> int:
    """`annotator entities P --locate NAME [--choose N]`: the candidates for the entity's
    name (and spellings) in the gazetteer; the best (or the chosen one) is stored."""
    from annotator.core import gazetteer, places
    from annotator.core.errors import AnnotatorError

    entity = _entity(project, ref)
    found: list = []
    for name in (entity.name, *entity.aliases):
        found += [p for p in gazetteer.lookup(name) if p.geonames_id not in
                  {f.geonames_id for f in found}]
    if not found:
        print(f"no place called “{entity.name}” in the offline gazetteer")
        return EXIT_PROBLEMS
    for i, p in enumerate(found, 1):
        print(f"{i:>3}. {p.name} ({p.country}) geonames:{p.geonames_id} {p.latitude:.4f} "
              f"{p.longitude:.4f} pop. {p.population:,}")
    if choose is not None and not 1 <= choose <= len(found):
        raise AnnotatorError(f"--choose takes 1 to {len(found)}")
    place = found[(choose or 1) - 1]
    places.locate(project, entity.id, place)
    print(f"“{entity.name}” is {place.name} ({place.country}), geonames:{place.geonames_id}")
    print(gazetteer.ATTRIBUTION)
    return EXIT_OK
