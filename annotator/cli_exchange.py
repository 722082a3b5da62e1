"""`annotator export` and `import-annotations` (`merge` and `copy-for-colleague` are in cli_merge).

Wired into :mod:`annotator.cli` with ``cli_exchange.add_parsers(sub)`` and
``COMMANDS.update(cli_exchange.COMMANDS)``. As there, each command imports what it
needs when it runs (PyMuPDF only for PDF exports and .qdpx), errors reach the
scholar as AnnotatorError messages, and the exit status is 0 (done), 1 (done, with
problems to read: skipped items, documents not exported, rows not merged) or 2
(nothing done).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from annotator.cli import _open, resolve_filters

EXIT_OK, EXIT_PROBLEMS, EXIT_ERROR = 0, 1, 2
FORMAT_KEYS = ("csv", "w3c", "tei", "qdpx", "pdf", "html", "md", "alto", "pagexml")


def add_parsers(subparsers) -> None:
    p = subparsers.add_parser(
        "export", help="export annotations: CSV, W3C JSON-LD, TEI, REFI-QDA, annotated PDF, "
                       "quotation report (HTML, Markdown)")
    p.add_argument("project")
    p.add_argument("--format", "-f", required=True, choices=FORMAT_KEYS)
    p.add_argument("-o", "--output", required=True,
                   help="file to write (TEI and PDF: a folder, one file per document; TEI "
                        "to a .xml file: one teiCorpus)")
    p.add_argument("--doc", help="only this document (id, id prefix, title or file name)")
    p.add_argument("--tag", help="only annotations with this tag (or its sub-tags)")
    p.add_argument("--author", dest="by_author", metavar="NAME",
                   help="only annotations by this annotator")
    p.add_argument("--entity", help="only mentions of this entity")
    p.add_argument("--contains",
                   help="only annotations with these words in quote, note or entity name")
    p.add_argument("--group-by", choices=("tag", "entity", "document"), default="tag",
                   help="how a quotation report groups its quotes (default: tag)")

    p = subparsers.add_parser("import-annotations",
                              help="import annotations: W3C JSON-LD or a REFI-QDA .qdpx")
    p.add_argument("project")
    p.add_argument("file")



# -- commands ------------------------------------------------------------------------


def _progress(label: str) -> Callable[[int, int], bool] | None:
    """A one-line progress counter on a terminal; nothing when piped."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> bool:
        print(f"\r{label}: {done:,} of {total:,}", end="" if done < total else "\n",
              file=sys.stderr, flush=True)
        return True

    return show


def _filter(project, args):
    return resolve_filters(project, doc=args.doc, tag=args.tag, author=args.by_author,
                           entity=args.entity, contains=args.contains)


def cmd_export(args) -> int:
    from annotator.core.exporters import export

    options = {"group_by": args.group_by} if args.format in ("html", "md") else {}
    with _open(args, read_only=True) as project:
        filt = _filter(project, args)
        result = export(project, args.format, args.output, filt=filt,
                        progress=_progress("exporting"), **options)
    for path in result.paths:
        print(f"wrote {path}")
    for warning in result.warnings:
        print(f"warning: {warning}")
    print(f"{result.annotations} annotation(s) exported to {len(result.paths)} file(s)")
    return EXIT_PROBLEMS if result.warnings else EXIT_OK


def cmd_import_annotations(args) -> int:
    from annotator.core.annotation_import import import_annotations

    with _open(args) as project:
        report = import_annotations(project, args.file,
                                    progress=_progress("importing")).value
    for title in report.documents:
        print(f"document: {title}")
    for line in report.skipped:
        print(f"skipped: {line}")
    for line in dict.fromkeys(report.warnings):
        print(f"warning: {line}")
    if report.tags:
        print(f"codebook: {len(report.tags)} new tag(s): {', '.join(report.tags[:10])}"
              + (" …" if len(report.tags) > 10 else ""))
    if report.entities:
        print(f"{len(report.entities)} new entit(y/ies)")
    print(report.summary())
    return EXIT_PROBLEMS if report.skipped else EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "export": cmd_export, "import-annotations": cmd_import_annotations}
