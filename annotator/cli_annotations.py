"""`annotator annotate`, `list`, `tags`: annotating a passage or a region, listing the
annotations, and the codebook, from a script.

Wired into cli.py through COMMAND_MODULES; same conventions as the other command modules
(imports inside the commands, AnnotatorError messages, exit status 0 ok, 2 error).
"""

from __future__ import annotations

import argparse
import json

from annotator.cli import EXIT_OK, _document, _error, _open, _short, resolve_filters


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("annotate", help="annotate a passage or a region of a document")
    p.add_argument("project")
    p.add_argument("document", help="document id, id prefix, title or file name")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--quote", help="the passage, as it stands in the text")
    where.add_argument("--span", metavar="START:END", help="code-point offsets")
    where.add_argument("--region", metavar="PAGE:X,Y,W,H", help="a rectangle in page points")
    p.add_argument("--occurrence", type=int, default=1, help="which occurrence of --quote")
    p.add_argument("--tag", action="append", default=[], help="tag name or Theme/Sub-theme "
                   "(repeatable; an unknown theme is created)")
    p.add_argument("--entity", help="link to this entity (found by name or alias, spelt in "
                   "any script or case, or created); without it, the entity the quote names")
    p.add_argument("--entity-type", help="type of a new entity (default: the entity-type tag)")
    p.add_argument("--note", default="")
    p.add_argument("--date", default="", help="normalised date, ISO 8601 (1927-06-17, 1927); "
                   "a passage tagged Date without it gets the date it reads as")

    p = sub.add_parser("list", help="list annotations")
    p.add_argument("project")
    p.add_argument("--tag")
    p.add_argument("--doc")
    p.add_argument("--author")
    p.add_argument("--entity")
    p.add_argument("--contains", help="words in quote, note or entity name")
    p.add_argument("--state", choices=["ok", "moved", "orphaned"])
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("tags", help="list the codebook, or add a theme")
    p.add_argument("project")
    p.add_argument("--add", metavar="NAME", help="add a theme (Parent/Child for a sub-theme)")
    p.add_argument("--color", default="")
    p.add_argument("--shortcut", default="")


def cmd_annotate(args) -> int:
    """The workbench's tagging (annotator.core.tagging): the entity found by its
    folded name or created, a Date tag's date read from the quote."""
    from annotator.core.model import RegionSelector
    from annotator.core.tagging import tag_passage
    from annotator.core.text_layer import find_quote

    with _open(args) as project:
        doc = _document(project, args.document)
        with project.transaction():  # new themes and the annotation: one change
            tags = [project.tags.find(name) or project.tags.ensure(name) for name in args.tag]
            type_tag = project.tags.find(args.entity_type) if args.entity_type else None
            if args.entity_type and type_tag is None:
                raise _error(f"no entity type {args.entity_type!r}")
            result = tag_passage(project, doc.id, **_where(project, doc, args, RegionSelector,
                                                           find_quote),
                                 tag_ids=[t.id for t in tags], entity=args.entity,
                                 entity_type=type_tag.id if type_tag else None,
                                 date=args.date or None, note=args.note)
        ann = result.value
        where = (f"{ann.text.start}–{ann.text.end}" if ann.text else
                 f"page {ann.region.page}")  # type: ignore[union-attr]
        print(f"annotated “{_short(ann.quote, 60)}” ({where}) in “{doc.title}” "
              f"id {ann.id[:8]}")
    return EXIT_OK


def _where(project, doc, args, RegionSelector, find_quote) -> dict:
    """The passage (start, end) or the region that --region, --span or --quote names."""
    if args.region:
        try:
            page, rect = args.region.split(":")
            x, y, w, h = (float(v) for v in rect.split(","))
            return {"region": RegionSelector(int(page), x, y, w, h)}
        except ValueError:
            raise _error("--region is PAGE:X,Y,W,H, e.g. 1:72,100,200,40") from None
    if args.span:
        try:
            start, end = (int(v) for v in args.span.split(":"))
        except ValueError:
            raise _error("--span is START:END in characters, e.g. 120:135") from None
        return {"start": start, "end": end}
    if doc.kind == "text":
        start, end = project.annotations.locate(doc.id, args.quote, args.occurrence)
        return {"start": start, "end": end}
    region = find_quote(project.documents.pages(doc.id, with_words=True), args.quote,
                        args.occurrence)
    if region is None:
        raise _error(f"“{args.quote}” is not on the text layer of “{doc.title}” "
                     "(a scan without OCR has none: use --region)")
    return {"region": region}


def cmd_list(args) -> int:
    with _open(args, read_only=True) as project:
        annotations = project.annotations.list(resolve_filters(
            project, doc=args.doc, tag=args.tag, author=args.author, entity=args.entity,
            contains=args.contains, state=args.state))
        titles = {d.id: d.title for d in project.documents.list()}
        tag_names = {t.id: t.name for t in project.tags.list()}
        entities = {e.id: e.name for e in project.entities.list()}
        authors = {a.id: a.name for a in project.authors.list()}
        rows = [{
            "id": a.id, "document": titles.get(a.document_id, "?"), "quote": a.quote,
            "start": a.text.start if a.text else None, "end": a.text.end if a.text else None,
            "page": a.region.page if a.region else None,
            "tags": [tag_names[t] for t in a.tag_ids if t in tag_names],
            "entity": entities.get(a.entity_id or ""), "date": a.date_value, "note": a.note,
            "author": authors.get(a.author_id, ""), "state": str(a.anchor_state),
            "modified_at": a.modified_at,
        } for a in annotations]
        if args.json:  # where each is on the scan, or in the transcription
            from annotator.cli_alignment import alignment_fields

            cache: dict = {}
            for row, a in zip(rows, annotations, strict=True):
                row.update(alignment_fields(project, a, cache))
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    for r in rows:
        where = f"p.{r['page']}" if r["page"] else f"@{r['start']}"
        extra = "".join([f" → {r['entity']}" if r["entity"] else "",
                         f" [{r['date']}]" if r["date"] else "",
                         f" ({r['state']})" if r["state"] != "ok" else ""])
        print(f"{r['id'][:8]}  {_short(r['document'], 28):<28} {where:>7}  "
              f"“{_short(r['quote'], 48)}”  {', '.join(r['tags'])}{extra}")
        if r["note"]:
            print(f"{'':10}note: {_short(r['note'], 100)}")
    print(f"{len(rows)} annotation(s)")
    return EXIT_OK


def cmd_tags(args) -> int:
    from annotator.core.model import TagKind

    with _open(args, read_only=not args.add) as project:
        if args.add:
            tag = project.tags.ensure(args.add, TagKind.THEME)
            if args.color or args.shortcut:
                project.tags.update(tag.id, **{k: v for k, v in (("color", args.color),
                                    ("shortcut", args.shortcut)) if v})
            print(f"theme “{args.add}” id {tag.id[:8]}")
        counts = project.tags.counts()
        for t, depth in project.tags.tree():  # iterative: a crafted tree cannot recurse
            key = f"[{t.shortcut}] " if t.shortcut else ""
            print(f"{'  ' * depth}{key}{t.name} ({t.kind}, {t.color}) "
                  f"{counts.get(t.id, 0)} annotation(s)")
    return EXIT_OK


COMMANDS = {"annotate": cmd_annotate, "list": cmd_list, "tags": cmd_tags}
