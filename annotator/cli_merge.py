"""`annotator merge`, `copy-for-colleague`, `conflicts`, `unmerge`: bringing a
colleague's copy in, and reviewing what the merge could not settle by itself.

Wired into cli.py like cli_exchange; same conventions (imports inside the commands,
AnnotatorError messages, exit status 0 ok, 1 problems to read, 2 error).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

from annotator.cli import _error, _open, _short

EXIT_OK = 0
EXIT_PROBLEMS = 1


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("merge", help="merge a colleague's copy of the project")
    p.add_argument("project")
    p.add_argument("other", help="the colleague's .annot file (read, never changed)")
    p.add_argument("--base", metavar="FILE",
                   help="the copy both started from (git's merge base); without it, the "
                   "snapshot copy-for-colleague sent is used when OTHER is that copy come "
                   "back, else the two-way rules (the later change wins)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("copy-for-colleague",
                       help="write a compacted, self-contained copy to send (the snapshot "
                       "is kept, so the copy merges back three-way)")
    p.add_argument("project")
    p.add_argument("output")

    p = sub.add_parser("conflicts", help="list what merges kept for review (both versions, "
                       "who, when), or settle one")
    p.add_argument("project")
    p.add_argument("--resolve", nargs=2, metavar=("ID", "CHOICE"),
                   help="settle conflict ID (or its first characters): mine, theirs or both "
                   "(both: a note keeps the two texts, each under its author's name; an "
                   "annotation's passage, region, colour, entity or date is kept twice, as "
                   "two annotations; a deletion against an edit keeps the edited row)")
    p.add_argument("--all", action="store_true", help="settled ones too")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("unmerge", help="take back the last merge (one step); refused when "
                       "later actions changed what it brought in")
    p.add_argument("project")
    p.add_argument("--force", action="store_true",
                   help="take it back even though later actions depend on it (what they "
                   "changed stays as they left it)")


def _shown_conflict(c, width: int = 70) -> list[str]:
    """A conflict in three lines: what and which field; each version, who, when."""
    mark = {"mine": " (kept)", "theirs": ""} if c.winner == "mine" else \
        {"mine": "", "theirs": " (kept)"}
    state = "" if c.is_open else f" [settled: {c.resolution}]"
    return [f"{c.id[:8]}  {c.field} of {c.what or c.table + ' ' + c.row_id[:8]}{state}",
            f"    mine{mark['mine']}: {_short(c.shown('mine'), width)}  — "
            f"{c.mine_author or '?'}, {c.mine_at[:16].replace('T', ' ')}",
            f"    theirs{mark['theirs']}: {_short(c.shown('theirs'), width)}  — "
            f"{c.theirs_author or '?'}, {c.theirs_at[:16].replace('T', ' ')}"]


def cmd_merge(args) -> int:
    from annotator.cli_exchange import _progress
    from annotator.core import conflicts
    from annotator.core.changes import OpChanges
    from annotator.core.merge import merge

    with _open(args) as project:
        report = merge(project, args.other, base=args.base,
                       progress=_progress("merging")).value
        # the id of every row it wrote, for views to redraw: none here, and a million of
        # them would stay in memory while the close settles the search index (issue 17)
        report.changes = OpChanges()
        found = [conflicts.get(project, c["id"]) for c in report.conflicts]
    if args.json:
        print(json.dumps({"added": report.added, "updated": report.updated,
                          "matched": report.matched, "reanchored": report.reanchored,
                          "not_merged": report.unmatched, "notes": report.notes,
                          "backup": report.backup, "base": report.base,
                          "three_way": report.three_way,
                          "conflicts": [_as_json(c) for c in found]},
                         ensure_ascii=False, indent=2))
        return EXIT_PROBLEMS if report.unmatched else EXIT_OK
    for line in report.unmatched[:50]:
        print(f"not merged: {line}")
    if len(report.unmatched) > 50:
        print(f"… and {len(report.unmatched) - 50} more")
    for line in report.notes[:50]:
        print(f"note: {line}")
    if found:
        print(f"conflicts ({len(found)}): the later version is in place, the other kept")
        for c in found[:50]:
            print("\n".join(_shown_conflict(c)))
        if len(found) > 50:
            print(f"… and {len(found) - 50} more (annotator conflicts)")
    print(report.summary())
    print(f"backup of the project before the merge: {report.backup}")
    return EXIT_PROBLEMS if report.unmatched else EXIT_OK


def cmd_copy_for_colleague(args) -> int:
    from annotator.core.colleague_copy import copy_for_colleague

    with _open(args, read_only=True) as project:
        target = copy_for_colleague(project, args.output).value
    print(f"wrote {target} ({target.stat().st_size / 2**20:.1f} MB), sources included")
    return EXIT_OK


def _as_json(c) -> dict:
    return {"id": c.id, "table": c.table, "row": c.row_id, "field": c.field, "what": c.what,
            "mine": c.mine, "theirs": c.theirs, "mine_author": c.mine_author,
            "theirs_author": c.theirs_author, "mine_at": c.mine_at, "theirs_at": c.theirs_at,
            "kept": c.winner, "resolution": c.resolution}


def cmd_conflicts(args) -> int:
    from annotator.core import conflicts

    if args.resolve:
        ref, choice = args.resolve
        if choice not in conflicts.CHOICES:
            raise _error(f"choose mine, theirs or both, not {choice!r}.")
        with _open(args) as project:
            c = conflicts.resolve(project, ref, choice).value
        print(f"settled {c.id[:8]} ({c.field} of {c.what or c.row_id[:8]}): {choice} "
              "(annotator undo takes it back)")
        return EXIT_OK
    with _open(args, read_only=True) as project:
        found = conflicts.list_conflicts(project, include_settled=args.all)
    if args.json:
        print(json.dumps([_as_json(c) for c in found], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not found:
        print("no conflicts to review" if not args.all else "no conflicts")
    for c in found:
        print("\n".join(_shown_conflict(c)))
    return EXIT_OK


def cmd_unmerge(args) -> int:
    from annotator.core import merge_undo
    from annotator.core.merge import unmerge_last

    with _open(args) as project:
        later = merge_undo.dependents(project, merge_undo.latest_merge(project)) \
            if args.force else []
        result = unmerge_last(project, force=args.force)
    cs = result.value
    print(f"took back “{cs.label}” of {cs.created_at[:16].replace('T', ' ')}")
    for action in later:
        print(f"later action kept as it stands: {action}")
    if cs.skipped:
        print(f"{cs.skipped} field(s) were left as they are: they were changed after the merge")
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "merge": cmd_merge, "copy-for-colleague": cmd_copy_for_colleague,
    "conflicts": cmd_conflicts, "unmerge": cmd_unmerge}
