"""`annotator search`, `annotator suggest`, `annotator entities`: the research commands.

Wired into cli.py by ``add_parsers(subparsers)`` and ``COMMANDS``; same conventions:
imports inside the commands (so `annotator --help` stays instant), errors as
AnnotatorError messages, exit status 0 ok, 1 problems, 2 error. Reading commands open
the project read-only; only an explicit flag (--accept-all, --merge) writes.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

from annotator.cli import _document, _open

EXIT_OK, EXIT_PROBLEMS, EXIT_ERROR = 0, 1, 2


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("search", help="full-text search with keywords in context")
    p.add_argument("project")
    p.add_argument("query", help='words, "a phrase", prefix*, OR, -excluded')
    p.add_argument("--doc", help="only this document (id, id prefix, title or file name)")
    p.add_argument("--limit", type=int, default=20, help="hits to show (default 20)")
    p.add_argument("--notes", action="store_true",
                   help="search annotation quotes and notes instead of the texts")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("suggest", help="suggest mentions, spellings, dates and names to "
                       "annotate (nothing is written without --accept-all)")
    p.add_argument("project")
    p.add_argument("--doc", help="only this document")
    p.add_argument("--kind", action="append", choices=["mention", "alias", "date", "name", "place"],
                   help="only these kinds (repeatable; default all)")
    p.add_argument("--accept-all", action="store_true",
                   help="annotate every suggestion listed (names of unknown type are left)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("entities", help="list entity records with their mentions, or merge")
    p.add_argument("project")
    p.add_argument("--merge", nargs=2, metavar=("A", "B"),
                   help="merge entity A into B (mentions and spellings move to B)")
    p.add_argument("--locate", metavar="NAME", help="find a place entity in the offline "
                   "gazetteer and store its GeoNames id and coordinates (the best match, or "
                   "--choose N of the candidates listed)")
    p.add_argument("--choose", type=int, metavar="N", help="with --locate: take candidate N")
    p.add_argument("--json", action="store_true")


def cmd_search(args) -> int:
    from annotator.core import search

    if args.limit < 1:
        from annotator.core.errors import AnnotatorError

        raise AnnotatorError("--limit must be at least 1")
    with _open(args, read_only=True) as project:
        doc_id = _document(project, args.doc).id if args.doc else None
        if args.notes:
            filters = search.Filters(document_id=doc_id)
            hits = search.search_annotations(project, args.query, limit=args.limit,
                                             filters=filters)
        else:
            hits = search.search(project, args.query, limit=args.limit, document_id=doc_id)
        titles = {d.id: d.title for d in project.documents.list()}
    if args.json:
        print(json.dumps([{"kind": h.kind, "document_id": h.document_id,
                           "document": titles.get(h.document_id, ""), "start": h.start,
                           "end": h.end, "page": h.page, "annotation_id": h.annotation_id,
                           "left": h.left, "hit": h.hit, "right": h.right} for h in hits],
                         ensure_ascii=False, indent=2))
        return EXIT_OK
    current = None
    for h in hits:
        if h.document_id != current:
            current = h.document_id
            print(f"\n{titles.get(current, current)}  ({current[:8]})")
        where = f"p.{h.page}:{h.start}" if h.page else f"@{h.start}"
        tag = f" [{h.kind}]" if h.kind in ("quote", "note") else ""
        print(f"  {where:>10}  {h.left[-40:]:>40} [{h.hit}] {h.right[:40]}{tag}")
    print(f"\n{len(hits)} hit(s)" + (" (more with --limit)" if len(hits) == args.limit else ""))
    return EXIT_OK


def cmd_suggest(args) -> int:
    from annotator.core import entity_ops, suggestions

    kinds = tuple(args.kind or suggestions.KINDS)
    with _open(args, read_only=not args.accept_all) as project:
        doc_id = _document(project, args.doc).id if args.doc else None
        found = suggestions.suggest(project, document_id=doc_id, kinds=kinds)
        titles = {d.id: d.title for d in project.documents.list()}
        accepted = skipped = 0
        if args.accept_all:
            ready = [s for s in found if s.kind != "name" or s.type_id]
            skipped = len(found) - len(ready)
            accepted = len(entity_ops.accept_many(project, ready).value)
    if args.json:
        print(json.dumps([{"kind": s.kind, "document_id": s.document_id,
                           "document": titles.get(s.document_id, ""), "start": s.start,
                           "end": s.end, "quote": s.quote, "label": s.label,
                           "entity_id": s.entity_id, "date": s.date_value,
                           "precision": s.precision, "score": round(s.score, 1)}
                          for s in found], ensure_ascii=False, indent=2))
    else:
        current = None
        for s in found:
            if s.document_id != current:
                current = s.document_id
                print(f"\n{titles.get(current, current)}  ({current[:8]})")
            left = " ".join(s.left.split())[-30:]
            right = " ".join(s.right.split())[:30]
            print(f"  @{s.start:<7} {s.kind:<8} {left:>30} [{s.quote}] {right}  → {s.label}")
        print(f"\n{len(found)} suggestion(s)")
    if args.accept_all:
        print(f"accepted {accepted}" + (f"; {skipped} name(s) of unknown type left for the "
                                        "review queue" if skipped else ""))
    return EXIT_OK


def cmd_entities(args) -> int:
    from annotator.core import entity_ops
    from annotator.core.errors import AnnotatorError

    with _open(args, read_only=not (args.merge or args.locate)) as project:
        if args.locate:  # issue 15: cli_relations does the work
            from annotator.cli_relations import locate_entity

            return locate_entity(project, args.locate, args.choose)
        if args.merge:
            source, target = (project.entities.find(ref) for ref in args.merge)
            for ref, entity in zip(args.merge, (source, target), strict=True):
                if entity is None:
                    raise AnnotatorError(f"no entity {ref!r} (by id, name or spelling)")
            record = entity_ops.merge(project, source.id, target.id).value
            print(f"merged “{record.source.name}” into “{record.target_after.name}”: "
                  f"{len(record.moved)} mention(s) moved; spellings now: "
                  f"{', '.join(record.target_after.aliases) or '(none)'}")
        counts = project.entities.mention_counts()
        types = {t.id: t.name for t in project.tags.list()}
        rows = [{"id": e.id, "name": e.name, "type": types.get(e.type_id, ""),
                 "aliases": e.aliases, "identifiers": e.identifiers, "dates": e.dates,
                 "description": e.description, "mentions": counts.get(e.id, 0)}
                for e in project.entities.list()]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    for r in rows:
        also = f"  also: {'; '.join(r['aliases'])}" if r["aliases"] else ""
        ids = "  " + ", ".join(f"{k}: {v}" for k, v in r["identifiers"].items()) \
            if r["identifiers"] else ""
        print(f"{r['id'][:8]}  {r['name'][:40]:<40} {r['type']:<13} {r['mentions']:>4} "
              f"mention(s){also}{ids}")
    print(f"{len(rows)} entit{'y' if len(rows) == 1 else 'ies'}")
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "search": cmd_search, "suggest": cmd_suggest, "entities": cmd_entities}
