"""`annotator edit`, `delete`, `undo`, `redo`, `history`: every edit the workbench makes,
from a script, each one undoable step of the project's change journal.

Wired into cli.py like cli_exchange and cli_research; same conventions (imports inside
the commands, AnnotatorError messages, exit status 0 ok, 2 error).
"""

from __future__ import annotations

import argparse
import json

from annotator.cli import _error, _open, _short

EXIT_OK = 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("edit", help="change an annotation's note, tags, entity or date "
                       "(one undoable step)")
    p.add_argument("project")
    p.add_argument("annotation", help="annotation id (or its first 6+ characters)")
    p.add_argument("--note", help="the new note (replaces the old one)")
    p.add_argument("--add-tag", action="append", default=[], metavar="TAG",
                   help="add a tag (name or Theme/Sub-theme; unknown themes are created)")
    p.add_argument("--remove-tag", action="append", default=[], metavar="TAG")
    entity = p.add_mutually_exclusive_group()
    entity.add_argument("--entity", help="the entity it names (found by name or alias, "
                        "or created with the annotation's entity type)")
    entity.add_argument("--no-entity", action="store_true", help="unlink the entity")
    p.add_argument("--entity-type", help="type of a new entity (default: the annotation's)")
    p.add_argument("--date", help="normalised date: ISO 8601 (1927-06-17, 1927-06, 1927) or "
                   "as written (17 June 1927); empty to clear")
    p.add_argument("--color", help="highlight colour (#rrggbb; empty for the tag's)")

    p = sub.add_parser("update-text", help="replace a transcription by a corrected version; "
                       "its annotations are re-anchored (one undoable step)")
    p.add_argument("project")
    p.add_argument("document", help="document id, id prefix, title or file name")
    p.add_argument("file", help="the corrected text (.txt, .md, .html; encoding detected)")
    p.add_argument("--encoding", help="the file's encoding, when the guess is wrong")

    p = sub.add_parser("delete", help="delete an annotation (undo brings it back)")
    p.add_argument("project")
    p.add_argument("annotation", help="annotation id (or its first 6+ characters)")

    p = sub.add_parser("undo", help="take back the latest change (any command or the "
                       "workbench's)")
    p.add_argument("project")
    p.add_argument("--steps", type=int, default=1, help="how many changes (default 1)")

    p = sub.add_parser("redo", help="do again the change undone last")
    p.add_argument("project")
    p.add_argument("--steps", type=int, default=1, help="how many changes (default 1)")

    p = sub.add_parser("history", help="the changes made to the project, newest first")
    p.add_argument("project")
    p.add_argument("--annotation", metavar="ID", help="only the changes of this annotation, "
                   "field by field")
    p.add_argument("--limit", type=int, default=30, help="how many (default 30; 0: all)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--compact-before", metavar="DATE", help="let go of the history made "
                   "before DATE (2026-01-01): the current annotations stay as they are, "
                   "undo cannot reach back past it, the file shrinks")


def _annotation(project, ref: str):
    """An annotation by id or an unambiguous id prefix of 6+ characters."""
    ann = project.annotations.get(ref)
    if ann is None and len(ref) >= 6:
        rows = project.conn.execute(
            "SELECT id FROM annotations WHERE id LIKE ? ESCAPE '\\' LIMIT 2",
            (ref.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",)
        ).fetchall()
        if len(rows) > 1:
            raise _error(f"{ref!r} names more than one annotation; give more of its id.")
        if rows:
            ann = project.annotations.get(rows[0][0])
    if ann is None or ann.deleted:
        raise _error(f"no annotation {ref!r} in this project (see `annotator list`).")
    return ann


def _tag(project, name: str, *, create: bool):
    tag = project.tags.find(name)
    if tag is None and create:
        tag = project.tags.ensure(name)
    if tag is None:
        raise _error(f"no tag {name!r} in the codebook (see `annotator tags`).")
    return tag


def _date(text: str) -> str:
    from annotator.core.dates import parse_date, precision_of

    text = text.strip()
    if not text or precision_of(text) is not None:
        return text
    found = parse_date(text)
    if found is None:
        raise _error(f"“{text}” is not a date annotator can read; give it as 1927-06-17, "
                     "1927-06 or 1927.")
    return found.iso


def cmd_edit(args) -> int:
    from annotator.core.model import TagKind

    with _open(args) as project:
        ann = _annotation(project, args.annotation)
        fields: dict = {}
        with project.transaction(f"Edit annotation “{_short(ann.quote, 30)}”"):
            if args.add_tag or args.remove_tag:
                tag_ids = list(ann.tag_ids)
                for name in args.add_tag:
                    tag = _tag(project, name, create=True)
                    if tag.id not in tag_ids:
                        tag_ids.append(tag.id)
                for name in args.remove_tag:
                    tag = _tag(project, name, create=False)
                    if tag.id not in tag_ids:
                        raise _error(f"the annotation is not tagged {name!r}.")
                    tag_ids.remove(tag.id)
                fields["tag_ids"] = tag_ids
            if args.note is not None:
                fields["note"] = args.note
            if args.color is not None:
                fields["color"] = args.color
            if args.date is not None:
                fields["date_value"] = _date(args.date)
            if args.no_entity:
                fields["entity_id"] = None
            elif args.entity:
                tags = [project.tags.get(t) for t in fields.get("tag_ids", ann.tag_ids)]
                type_tag = (_tag(project, args.entity_type, create=False) if args.entity_type
                            else next((t for t in tags if t and t.kind == TagKind.ENTITY_TYPE),
                                      None))
                entity = project.entities.find(args.entity,
                                               type_tag.id if type_tag else None)
                if entity is None:
                    if type_tag is None or type_tag.kind != TagKind.ENTITY_TYPE:
                        raise _error("a new entity needs a type: tag the annotation Person, "
                                     "Place, ... or give --entity-type")
                    entity = project.entities.create(args.entity, type_tag.id).value
                fields["entity_id"] = entity.id
            if not fields:
                raise _error("nothing to change: give --note, --add-tag, --remove-tag, "
                             "--entity, --no-entity, --date or --color.")
            project.annotations.update(ann.id, **fields)
        print(f"edited “{_short(ann.quote, 60)}” ({', '.join(sorted(fields))}); "
              f"`annotator undo {args.project}` takes it back")
    return EXIT_OK


def cmd_update_text(args) -> int:
    """A corrected transcription from elsewhere must not cost the scholar her codings:
    every annotation is re-anchored, and what moved or was orphaned is listed."""
    from annotator.cli import _document
    from annotator.core.importers import read_source
    from annotator.core.model import AnchorState, DocumentKind

    source = read_source(args.file, encoding=args.encoding)
    if source.kind != DocumentKind.TEXT or source.text is None:
        raise _error(f"{args.file} is not a text; a transcription is corrected from a text "
                     "file.")
    with _open(args) as project:
        doc = _document(project, args.document)
        quotes = {a.id: a.quote for a in project.annotations.for_document(doc.id)}
        with project.transaction(f"Correct the text of “{_short(doc.title, 30)}”"):
            anchors = project.documents.set_text(doc.id, source.text).value
        moved = [i for i, a in anchors.items() if a.state == AnchorState.MOVED]
        orphaned = [i for i, a in anchors.items() if a.state == AnchorState.ORPHANED]
        print(f"updated “{doc.title}”: {len(anchors) - len(moved) - len(orphaned)} "
              f"annotation(s) in place, {len(moved)} moved, {len(orphaned)} orphaned")
        for label, ids in (("moved", moved), ("orphaned", orphaned)):
            for ann_id in ids:
                print(f"  {label:<9} {ann_id[:8]}  “{_short(quotes.get(ann_id, ''), 60)}”")
        if orphaned:
            print(f"review them with `annotator list {args.project} --state orphaned`; "
                  f"`annotator undo {args.project}` takes the correction back")
    return EXIT_OK


def cmd_delete(args) -> int:
    with _open(args) as project:
        ann = _annotation(project, args.annotation)
        with project.transaction(f"Delete annotation “{_short(ann.quote, 30)}”"):
            project.annotations.delete(ann.id)
        print(f"deleted “{_short(ann.quote, 60)}”; `annotator undo {args.project}` "
              "brings it back")
    return EXIT_OK


def _replay(args, *, backwards: bool) -> int:
    if args.steps < 1:
        raise _error("--steps must be at least 1")
    verb = "undid" if backwards else "redid"
    with _open(args) as project:
        for _ in range(args.steps):
            changeset = (project.undo() if backwards else project.redo()).value
            note = (f" ({changeset.skipped} field(s) changed since were left as they are)"
                    if changeset.skipped else "")
            print(f"{verb} “{changeset.label}” by {changeset.author or 'unknown'}, "
                  f"{changeset.created_at[:16].replace('T', ' ')}{note}")
    return EXIT_OK


def cmd_undo(args) -> int:
    return _replay(args, backwards=True)


def cmd_redo(args) -> int:
    return _replay(args, backwards=False)


def _value(v: object) -> str:
    if isinstance(v, dict) and "$splice" in v:  # a long text: the stretch that changed
        head, _tail, middle = v["$splice"]
        return _short(f"…“{middle}”… at {head}", 60)
    text = json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else f"“{v}”"
    return _short(text, 60)


def cmd_history(args) -> int:
    if args.compact_before:
        return _compact(args)
    with _open(args, read_only=True) as project:
        row_id = _annotation(project, args.annotation).id if args.annotation else None
        found = project.history(row_id=row_id, limit=args.limit or None,
                                with_changes=bool(row_id))
        if args.json:
            print(json.dumps([{
                "id": cs.id, "label": cs.label, "kind": cs.kind, "author": cs.author,
                "time": cs.created_at, "state": cs.state, "rows": cs.count,
                **({"changes": [{"table": c.table, "op": c.op, "before": c.before,
                                 "after": c.after} for c in cs.changes]} if row_id else {}),
            } for cs in found], ensure_ascii=False, indent=1, default=str))
            return EXIT_OK
        if not found:
            print("no changes recorded" + (" for this annotation" if row_id else ""))
        for cs in found:
            state = "" if cs.state == "done" else f"  [{cs.state}]"
            print(f"{cs.id:>5}  {cs.created_at[:19].replace('T', ' ')}  "
                  f"{cs.author or '?':<16} {cs.label}{state}")
            for c in cs.changes:
                if c.op == "update":
                    for col in sorted(c.after or {}):
                        if col != "modified_at":
                            print(f"         {col}: {_value((c.before or {}).get(col))} → "
                                  f"{_value((c.after or {})[col])}")
                elif c.table == "annotation_tags":
                    tag = project.tags.get(str(c.key[1]))
                    sign = "+" if c.op == "insert" else "−"
                    print(f"         tag {sign} {tag.name if tag else c.key[1]}")
                else:
                    print(f"         {c.op} {c.table[:-1]}")
    return EXIT_OK


def _compact(args) -> int:
    from annotator.core.journal_compact import compact_before

    with _open(args) as project:
        report = compact_before(project, args.compact_before).value
    if not report.changesets:
        print(f"no change made before {report.before}; nothing compacted")
        return EXIT_OK
    print(f"compacted the history before {report.before}: {report.changesets:,} change "
          f"set(s), {report.changes:,} row change(s) let go; the file went from "
          f"{report.size_before / 2**20:.1f} MB to {report.size_after / 2**20:.1f} MB")
    return EXIT_OK


COMMANDS = {"edit": cmd_edit, "update-text": cmd_update_text, "delete": cmd_delete,
            "undo": cmd_undo, "redo": cmd_redo, "history": cmd_history}
