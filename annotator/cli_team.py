"""`annotator git-setup`, `merge-driver`, `diff-text`, `agreement`: working as a team —
git as the sync engine, and how far two annotators agree.

Wired into cli.py like cli_exchange; same conventions (imports inside the commands,
AnnotatorError messages, exit status 0 ok, 2 error).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from annotator.cli import _error, _open

EXIT_OK = 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("git-setup", help="make git merge and diff project files with "
                       "annotator (run inside a git work tree)")
    p.add_argument("projects", nargs="*", metavar="P",
                   help="project files not named *.annot to cover as well")

    p = sub.add_parser("merge-driver", help="git's merge driver for project files "
                       "(git-setup configures it; not run by hand)")
    p.add_argument("base", help="%%O: the common ancestor")
    p.add_argument("ours", help="%%A: ours; the result is written here")
    p.add_argument("theirs", help="%%B: theirs")
    p.add_argument("path", nargs="?", default="", help="%%P: the file's path in the work tree")

    p = sub.add_parser("diff-text", help="a project as lines, for `git diff` (git's "
                       "textconv; git-setup configures it)")
    p.add_argument("project")

    p = sub.add_parser("agreement", help="agreement between two annotators, per tag "
                       "(Krippendorff's alpha over the text's characters)")
    p.add_argument("project")
    p.add_argument("--authors", nargs=2, required=True, metavar=("A", "B"))
    p.add_argument("--tag", help="only this tag")
    p.add_argument("--doc", help="only this document")
    p.add_argument("--json", action="store_true")


def cloud_copies_hint(project) -> None:
    """On stderr (``--json`` stays JSON): a sync client's conflicted copies of the
    project beside it, and the command that merges each in."""
    import shlex

    from annotator.core.cloud_copies import conflicted_copies

    for copy in conflicted_copies(project.path, project.id):
        print(f"annotator: {copy.service} left a conflicted copy of this project beside "
              f"it: {copy.path.name}. Merge it in (both versions are kept where they "
              f"differ): annotator merge {shlex.quote(str(project.path))} "
              f"{shlex.quote(str(copy.path))}", file=sys.stderr)


def cmd_git_setup(args) -> int:
    from annotator.core.git_sync import setup

    report = setup(Path.cwd(), [Path(p) for p in args.projects])
    for line in report.written:
        print(f"wrote {line}")
    if not report.written:
        print(f"already set up in {report.worktree}; nothing written")
    else:
        print("commit .gitattributes and .gitignore; every clone runs `annotator git-setup` "
              "once (git does not share its config)")
    return EXIT_OK


def cmd_merge_driver(args) -> int:
    from annotator.core.git_sync import git_author, merge_driver

    author = args.author or git_author(Path.cwd())
    try:
        result = merge_driver(Path(args.base), Path(args.ours), Path(args.theirs),
                              author=author, name=args.path)
    except Exception as exc:  # git shows this and keeps the conflict for the user
        from annotator.core.errors import AnnotatorError

        if not isinstance(exc, AnnotatorError):
            raise
        raise _error(f"{args.path or args.ours} was not merged: {exc}") from None
    name = args.path or "the project"
    how = "three-way" if result.three_way else "two-way (no common ancestor known)"
    print(f"annotator: merged {name} ({how}): {result.summary}", file=sys.stderr)
    if result.conflicts:
        print(f"annotator: {result.conflicts} conflict(s) kept in the project; review them "
              f"with `annotator conflicts {name}`", file=sys.stderr)
    return EXIT_OK


def cmd_diff_text(args) -> int:
    from annotator.core.errors import AnnotatorError
    from annotator.core.git_sync import diff_lines

    out = sys.stdout
    try:
        for line in diff_lines(Path(args.project)):
            out.write(line + "\n")
    except AnnotatorError as exc:  # git would abort the whole diff or log on an error
        out.write(f"(not readable as an annotator project: {exc})\n")
    return EXIT_OK


def cmd_agreement(args) -> int:
    from annotator.cli import _document
    from annotator.core.agreement import agreement

    with _open(args, read_only=True) as project:
        authors = []
        for name in args.authors:
            author = project.authors.find(name)
            if author is None:
                raise _error(f"no author {name!r} in this project (see `annotator info`).")
            authors.append(author)
        tag = project.tags.find(args.tag) if args.tag else None
        if args.tag and tag is None:
            raise _error(f"no tag {args.tag!r} in the codebook (see `annotator tags`).")
        doc = _document(project, args.doc) if args.doc else None
        result = agreement(project, authors[0].id, authors[1].id,
                           tag_id=tag.id if tag else None,
                           document_id=doc.id if doc else None)
    if args.json:
        print(json.dumps({"measure": result.measure, "authors": list(args.authors),
                          "tags": [{"tag": t.tag, "alpha": t.alpha, "units_a": t.units_a,
                                    "units_b": t.units_b, "agreed": t.agreed,
                                    "characters": t.characters} for t in result.tags]},
                         ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"{result.measure}; {args.authors[0]} and {args.authors[1]}, "
          f"{result.characters:,} characters of {result.documents} document(s)")
    if not result.tags:
        print("neither annotated a passage of text here")
    for t in result.tags:
        alpha = "   n/a" if t.alpha is None else f"{t.alpha:6.3f}"
        print(f"  {t.tag:<30} alpha {alpha}   {t.units_a:>5} / {t.units_b:<5} passages, "
              f"{t.agreed:>5} agreed exactly")
    return EXIT_OK


COMMANDS = {"git-setup": cmd_git_setup, "merge-driver": cmd_merge_driver,
            "diff-text": cmd_diff_text, "agreement": cmd_agreement}
