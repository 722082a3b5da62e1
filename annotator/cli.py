"""`annotator` entry point: no argument opens the GUI; subcommands run the core.

Only argparse is imported at start-up, so `annotator --help` is instant; each command
imports what it needs (Qt only for the GUI, PyMuPDF only to read paged sources).
"""

from __future__ import annotations

import argparse
import errno
import json
import re
import sys
from pathlib import Path

EXIT_OK, EXIT_PROBLEMS, EXIT_ERROR = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="annotator",
        description="Annotate historical sources: transcriptions beside their scans, "
                    "entities, themes and notes, in one SQLite project file. "
                    "Without a command, opens the workbench.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("--author", help="your name on new annotations "
                        "(default: $ANNOTATOR_AUTHOR or your login name)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("gui", help="open the workbench (the default)")
    p.add_argument("project", nargs="?", help="project file to open")

    p = sub.add_parser("new", help="create a project file")
    p.add_argument("project")
    p.add_argument("--title", default="")
    p.add_argument("--empty-codebook", action="store_true",
                   help="start without the default entity types")

    p = sub.add_parser("import", help="import sources (text, Markdown, HTML, PDF, images)")
    p.add_argument("project")
    p.add_argument("files", nargs="+")
    p.add_argument("--password", help="password of encrypted PDFs")
    p.add_argument("--encoding", help="encoding of the text files (cp1251, koi8-r, ...) "
                   "instead of the guess; a text already imported is re-read with it")
    p.add_argument("--transcription-of", metavar="DOC",
                   help="link the imported text(s) as transcription of this document")
    p.add_argument("--image", help="the scan an ALTO, PAGE XML or hOCR file transcribes "
                   "(default: the image it names, or the one with its name, beside it)")
    p.add_argument("--size", default="max", help="IIIF manifest (a URL or .json): the "
                   "image size to fetch, as the Image API says it: max, W, ,H, W,H, pct:N")

    p = sub.add_parser("info", help="documents, pages, annotations per tag, authors")
    p.add_argument("project")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("link", help="link a transcription to its scan")
    p.add_argument("project")
    p.add_argument("text", help="the transcription (document)")
    p.add_argument("scan", help="the scan it transcribes (document)")
    p.add_argument("--relation", default="transcription")
    p.add_argument("--page-starts", metavar="JSON",
                   help='page alignment, e.g. \'{"1": 0, "2": 1450}\'')

    for module in command_modules():
        module.add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(_project_first(parser, list(sys.argv[1:] if argv is None
                                                          else argv)))
    if args.version:
        from annotator import __version__

        print(f"annotator {__version__}")
        return EXIT_OK
    if args.command in (None, "gui"):
        try:
            from annotator.gui.app import run
        except ImportError as exc:  # Qt's GUI module cannot load its system libraries
            from annotator.desktop_libraries import why_no_window

            print(f"annotator: {why_no_window(str(exc))}", file=sys.stderr)
            return EXIT_ERROR

        # run() ends the process itself when the window closes (gui.quitting); a
        # caller that replaced it (a test) gets its status back, and its process lives
        return run(getattr(args, "project", None), author=args.author)
    from annotator.core.errors import AnnotatorError

    commands = dict(COMMANDS)
    for module in command_modules():
        commands.update(module.COMMANDS)
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = Escaped(stdout), Escaped(stderr, keep="\r")
    try:
        refuse_undecodable(args)
        return commands[args.command](args)
    except AnnotatorError as exc:
        print(f"annotator: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:  # `annotator list P | head`: the reader has all it wanted
        _quiet_stdout()
        return EXIT_OK
    except Exception as exc:
        if not _disk_full(exc):
            raise
        print("annotator: the disk is full; nothing was saved of this action. Free some "
              "space and try again.", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("annotator: interrupted; the project holds every finished action.",
              file=sys.stderr)
        return EXIT_ERROR
    finally:
        sys.stdout, sys.stderr = stdout, stderr


def _project_first(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """`annotator letters.annot` opens the workbench on that file, as a double-click
    would: a first argument that is no command but a file is read as `gui FILE`."""
    commands: set[str] = set()
    for action in parser._subparsers._group_actions if parser._subparsers else ():
        commands.update(getattr(action, "choices", None) or ())
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--author":
            i += 2
            continue
        if arg.startswith("-"):
            i += 1
            continue
        if arg not in commands and (arg.endswith(".annot") or Path(arg).is_file()):
            return [*argv[:i], "gui", *argv[i:]]
        break
    return argv


def _quiet_stdout() -> None:
    """After a broken pipe, send what is left to /dev/null: Python's own flush at exit
    would otherwise print a second traceback."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.__stdout__.fileno())
    except (OSError, AttributeError, ValueError):
        pass


# -- what reaches the terminal -------------------------------------------------------

#: control characters a terminal acts on (ESC starts a command sequence, BEL rings, CR
#: overwrites the line, C1 0x9b is CSI on some), and lone surrogates, which no terminal
#: encoding can carry; tab and line feed are ours
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


class Escaped:
    """A terminal stream through which every command prints: project content can hold
    ESC sequences that recolour or retitle the terminal, and these are shown as
    ``\\u001b`` (a JSON escape, so --json stays valid JSON) instead of being acted on."""

    def __init__(self, stream, keep: str = "") -> None:
        self._stream = stream
        self._keep = keep  # \r for stderr: the progress counter rewrites its line

    def write(self, text: str) -> int:
        text = _UNPRINTABLE.sub(
            lambda m: m.group() if m.group() in self._keep else f"\\u{ord(m.group()):04x}",
            text)
        try:
            return self._stream.write(text)
        except UnicodeEncodeError:  # a terminal in Latin-1 or ASCII
            encoding = getattr(self._stream, "encoding", None) or "ascii"
            return self._stream.write(text.encode(encoding, "backslashreplace")
                                      .decode(encoding))

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


#: arguments that are file names (which may be any bytes); the others become text in
#: the project or are looked up in it
_PATH_ARGUMENTS = {"project", "files", "output", "file", "other", "projects", "base", "ours",
                   "theirs", "path"}


def refuse_undecodable(args: argparse.Namespace) -> None:
    """Bytes that are not UTF-8 in an argument (a terminal or script in another encoding)
    arrive as lone surrogates, which SQLite cannot store: refuse them, naming the
    argument, before anything is opened."""
    for key, value in vars(args).items():
        if key in _PATH_ARGUMENTS:
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and re.search("[\ud800-\udfff]", item):
                positional = key in ("document", "annotation", "query", "text", "scan")
                name = key if positional else "--" + key.replace("by_", "").replace("_", "-")
                raise _error(f"{name} holds bytes that are not UTF-8 text (is your terminal "
                             "or script set to another encoding?); nothing was changed.")


def _disk_full(exc: BaseException) -> bool:
    """SQLite's SQLITE_FULL or the system's ENOSPC/EDQUOT: the disk (or quota) is full."""
    import sqlite3

    if isinstance(exc, sqlite3.OperationalError):
        return "disk is full" in str(exc) or getattr(exc, "sqlite_errorname", "") == "SQLITE_FULL"
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


# -- commands ------------------------------------------------------------------------


def _open(args, **kw):
    from annotator.core.project import Project

    return Project.open(args.project, author=getattr(args, "author", None), **kw)


def cmd_new(args) -> int:
    from annotator.core.project import Project

    with Project.create(args.project, args.title, author=args.author,
                        default_codebook=not args.empty_codebook) as project:
        print(f"created {project.path} “{project.title}”")
    return EXIT_OK


def cmd_import(args) -> int:
    with _open(args) as project:
        target = None
        if args.transcription_of:
            target = _document(project, args.transcription_of)
        failed = 0
        files = [f for f in args.files]
        for i, path in enumerate(files, 1):
            from annotator.core.iiif import import_report, is_manifest_ref

            if is_manifest_ref(path):
                report = import_report(project, path, size=args.size)
            elif args.encoding:
                report = _import_in_encoding(project, path, args)
            else:
                report = project.documents.import_files([path], password=args.password,
                                                        image=args.image)[0]
            prefix = f"[{i}/{len(files)}] {Path(path).name}:"
            if report.status == "failed":
                failed += 1
                print(f"{prefix} FAILED — {report.message}")
                continue
            doc = report.document
            assert doc is not None
            what = (f"{doc.page_count} page(s)" if doc.kind == "paged"
                    else f"{len(project.documents.text(doc.id)):,} characters")
            state = {"existing": "already in project", "reread": "re-read"}.get(
                report.status, "imported")
            print(f"{prefix} {state} as “{doc.title}” ({what}) id {doc.id[:8]}")
            if report.message and report.status != "existing":
                print(f"    {report.message}")
            for warning in report.warnings:
                print(f"    warning: {warning}")
            if target is not None and doc.kind == "text" and report.status == "imported":
                from annotator.cli_alignment import describe_link

                link = project.documents.link(doc.id, target.id).value
                print(f"    linked as transcription of “{target.title}”: "
                      f"{describe_link(project, link)}")
        ok = len(files) - failed
        print(f"{ok} of {len(files)} file(s) in the project" +
              (f"; {failed} failed (nothing of them was written)" if failed else ""))
    return EXIT_PROBLEMS if failed else EXIT_OK


def _import_in_encoding(project, path: str, args):
    """``import --encoding``: read the file in the encoding the scholar named. A text
    imported before from the same bytes, under a wrong guess, is re-read in place (its
    annotations re-anchored) instead of being reported as already there."""
    import hashlib

    from annotator.core.errors import ImportFailed
    from annotator.core.importers import read_source
    from annotator.core.prepared_import import ImportReport, PreparedImport

    try:
        source = read_source(path, password=args.password, encoding=args.encoding)
    except ImportFailed as exc:
        return ImportReport(path, "failed", str(exc))
    store = project.documents
    prepared = PreparedImport(path, source.filename, source.data,
                              hashlib.sha256(source.data).hexdigest(), source)
    existing = store.by_sha256(prepared.sha256)
    encoding = source.metadata.get("encoding")
    if (existing is None or existing.kind != "text"
            or existing.metadata.get("encoding") == encoding):
        return store.store_import(prepared).value
    with project.transaction(f"re-read {existing.title} as {encoding}"):
        if existing.deleted:
            store.restore(existing)
        moved = store.set_text(existing.id, source.text or "").value
        document = store.update(existing.id, metadata={
            "encoding": encoding, "import_warnings": list(source.warnings) or None}).value
    return ImportReport(path, "reread", f"re-read as {encoding}; {len(moved)} annotation(s) "
                        "re-anchored", document, list(source.warnings))


def cmd_info(args) -> int:
    with _open(args, read_only=True) as project:
        data = project.info()
        from annotator.cli_team import cloud_copies_hint

        cloud_copies_hint(project)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"{data['title']}  ({data['path']}, file format {data['schema_version']})")
    print(f"\n{len(data['documents'])} document(s), {data['pages']} page(s), "
          f"{data['annotations']} annotation(s), {data['entities']} entit(y/ies)")
    for d in data["documents"]:
        size = f"{d['pages']} p." if d["kind"] == "paged" else f"{d['chars']:,} chars"
        print(f"  {d['id'][:8]}  {d['title'][:60]:<60}  {size:>12}  "
              f"{d['annotations']:>5} annotation(s)")
    print("\nAnnotations per tag:")
    for t in data["tags"]:
        print(f"  {t['name']:<30} {t['kind']:<12} {t['annotations']:>6}")
    print("\nAuthors:")
    for a in data["authors"] or [{"name": "(none yet)", "annotations": 0}]:
        print(f"  {a['name']:<30} {a['annotations']:>6}")
    return EXIT_OK


def cmd_link(args) -> int:
    with _open(args) as project:
        text = _document(project, args.text)
        scan = _document(project, args.scan)
        alignment = {}
        if args.page_starts:
            try:
                alignment = {int(k): int(v) for k, v in json.loads(args.page_starts).items()}
            except (ValueError, AttributeError):
                raise _error('--page-starts is JSON like {"1": 0, "2": 1450}') from None
        link = project.documents.link(text.id, scan.id, args.relation, alignment).value
        print(f"linked “{text.title}” as {link.relation} of “{scan.title}”")
        from annotator.cli_alignment import describe_link

        print(f"  {describe_link(project, link)}")
    return EXIT_OK


COMMANDS = {"new": cmd_new, "import": cmd_import, "info": cmd_info, "link": cmd_link}

#: The modules that add commands, each with ``add_parsers(sub)`` and ``COMMANDS``: the
#: one list both the parser and the dispatch read (imported when a command runs).
COMMAND_MODULES = ("cli_annotations", "cli_exchange", "cli_research", "cli_history",
                   "cli_team", "cli_ocr", "cli_merge", "cli_alignment", "cli_relations", "cli_care")


def command_modules() -> list:
    import importlib

    return [importlib.import_module(f"annotator.{name}") for name in COMMAND_MODULES]


# -- helpers (shared with the command modules) ---------------------------------------


def resolve_filters(project, *, doc: str | None = None, tag: str | None = None,
                    author: str | None = None, entity: str | None = None,
                    contains: str | None = None, state: str | None = None):
    """The annotation filter the command line asks for, names turned into ids (an
    unknown name is an error): one filter for ``list`` and ``export``."""
    from annotator.core.filters import AnnotationFilter

    filters = {"contains": contains or None, "anchor_state": state or None}
    if doc:
        filters["document_id"] = _document(project, doc).id
    for key, ref, store, what in (("tag_id", tag, project.tags, "tag"),
                                  ("author_id", author, project.authors, "author"),
                                  ("entity_id", entity, project.entities, "entity")):
        if ref:
            found = store.find(ref)
            if found is None:
                raise _error(f"no {what} {ref!r}")
            filters[key] = found.id
    return AnnotationFilter(**filters)


def _document(project, ref: str):
    doc = project.documents.find(ref)
    if doc is None:
        raise _error(f"no document {ref!r} in this project (see `annotator info`)")
    return doc


def _error(message: str):
    from annotator.core.errors import AnnotatorError

    return AnnotatorError(message)


def _short(text: str, width: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


if __name__ == "__main__":
    sys.exit(main())
