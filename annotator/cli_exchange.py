"""`annotator export`, `import-annotations` and `set` (a document's title, URL, date, ...;
`merge` and `copy-for-colleague` are in cli_merge).

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

from annotator.cli import _document, _open, resolve_filters

EXIT_OK, EXIT_PROBLEMS, EXIT_ERROR = 0, 1, 2
#: document metadata `annotator set` changes (keys of Document.metadata)
META_KEYS = ("url", "date", "creator", "archive", "shelfmark", "rights")
FORMAT_KEYS = ("csv", "xlsx", "w3c", "tei", "qdpx", "pdf", "html", "md", "alto", "pagexml",
               "iiif", "gexf", "graphml", "palladio", "geojson", "kml")


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
    p.add_argument("--area-origin", choices=("bottom-left", "top-left"), default="bottom-left",
                   help="qdpx: PDF areas from the page's bottom-left (REFI-QDA 1.5, MAXQDA, "
                        "ATLAS.ti) or top-left (for QualCoder)")

    p = subparsers.add_parser("import-annotations",
                              help="import annotations: W3C JSON-LD or a REFI-QDA .qdpx")
    p.add_argument("project")
    p.add_argument("file")
    p.add_argument("--document", dest="document", metavar="DOC",
                   help="W3C: every annotation is on this document (id, title or file "
                        "name), placed by its quote and context")

    p = subparsers.add_parser("set", help="change a document's title, language or "
                                         "metadata (URL, date, creator, archive, ...)")
    p.add_argument("project")
    p.add_argument("document", metavar="DOC", help="id, id prefix, title or file name")
    p.add_argument("--title")
    p.add_argument("--language")
    for key in META_KEYS:
        p.add_argument(f"--{key}", help=f"the document's {key} ('' removes it)")



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

    options = {"group_by": args.group_by} if args.format in ("html", "md") else \
        {"area_origin": args.area_origin} if args.format == "qdpx" else {}
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
        document_id = _document(project, args.document).id if args.document else None
        report = import_annotations(project, args.file, progress=_progress("importing"),
                                    document_id=document_id).value
    for title in report.documents:
        print(f"document: {title}")
    for line in report.matched:
        print(f"matched: {line}")
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


def cmd_set(args) -> int:
    """Document metadata from the command line: one change, undoable."""
    metadata = {k: getattr(args, k) for k in META_KEYS if getattr(args, k) is not None}
    if args.title is None and args.language is None and not metadata:
        print("nothing to change: give --title, --language or one of "
              + ", ".join(f"--{k}" for k in META_KEYS), file=sys.stderr)
        return EXIT_ERROR
    with _open(args) as project:
        doc = _document(project, args.document)
        what = ["title"] * (args.title is not None) + ["language"] * (args.language is not None)
        with project.transaction(f"Set {', '.join(what + list(metadata))} of {doc.title}"):
            doc = project.documents.update(doc.id, title=args.title, language=args.language,
                                           metadata=metadata or None).value
    shown = {"title": doc.title, "language": doc.language,
             **{k: doc.metadata.get(k) for k in metadata}}
    for key, value in shown.items():
        if value:
            print(f"{key}: {value}")
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "export": cmd_export, "import-annotations": cmd_import_annotations, "set": cmd_set}
