"""Looking after a project file from the command line: ``check`` (integrity, orphaned
anchors, schema version) and ``backups`` (list, make, restore). Wired into
:mod:`annotator.cli` through its COMMAND_MODULES."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from annotator.cli import EXIT_OK, EXIT_PROBLEMS, _error, _open


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="integrity, orphaned anchors, schema version")
    p.add_argument("project")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("backups", help="list the project's backups, or restore one")
    p.add_argument("project")
    p.add_argument("--restore", metavar="N", type=int,
                   help="restore backup N of the list (the current file is kept beside it)")
    p.add_argument("--make", action="store_true", help="make a backup now")


def cmd_check(args) -> int:
    with _open(args, read_only=True) as project:
        report = project.check()
    if args.json:
        print(json.dumps({"ok": report.ok, "problems": report.problems,
                          "notices": report.notices, "stats": report.stats}, indent=2))
    else:
        stats = report.stats
        print(f"file format {stats.get('schema_version')}; "
              + ", ".join(f"{stats[k]} {k}" for k in ("documents", "annotations", "tags",
                                                       "entities", "authors") if k in stats))
        for line in report.problems:
            print(f"PROBLEM: {line}")
        for line in report.notices:
            print(f"note: {line}")
        print("ok" if report.ok else f"{len(report.problems)} problem(s) found")
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def cmd_backups(args) -> int:
    from annotator.core import backups

    path = Path(args.project)
    if args.make:
        with _open(args) as project:
            made = backups.make_backup(project.conn, path, "by hand", strict=True)
        print(f"backup written: {made}")
    found = backups.list_backups(path)
    if problem := backups.folder_problem(path):
        print(f"annotator: no backups are read or written: {problem}.", file=sys.stderr)
    if args.restore is not None:
        if not 1 <= args.restore <= len(found):
            raise _error(f"there is no backup {args.restore}; `annotator backups {path}` "
                         "lists them")
        from annotator.core import locking

        locking.acquire(path)  # nobody may have the project open while it is replaced
        try:
            kept = backups.restore(found[args.restore - 1], path)
        finally:
            locking.release(path)
        print(f"restored {found[args.restore - 1].label}"
              + (f"; the file it replaced is kept as {kept.name}" if kept else ""))
        return EXIT_OK
    if not found:
        print("no backups yet (they are made before upgrades and merges, and daily)")
    for i, backup in enumerate(found, 1):
        good = "" if backups.is_good(backup.path) else "  DAMAGED"
        print(f"{i:>3}  {backup.label}  {backup.path.stat().st_size / 2**20:.1f} MB{good}")
    return EXIT_OK


COMMANDS = {"check": cmd_check, "backups": cmd_backups}
