"""`annotator ocr` and `annotator text`: recognising text on scans, and reading any
document's text back out (to pipe, diff and check OCR).

Wired into cli.py like cli_exchange; same conventions (imports inside the commands,
AnnotatorError messages, exit status 0 ok, 1 problems, 2 error).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from annotator.cli import _document, _open

EXIT_OK, EXIT_PROBLEMS, EXIT_ERROR = 0, 1, 2


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ocr", help="recognise the text of a scan's image-only pages "
                       "(Tesseract, offline)")
    p.add_argument("project")
    p.add_argument("document", help="document id, id prefix, title or file name")
    p.add_argument("--lang", help="Tesseract languages, e.g. eng+fra, frk, Latin (default: "
                   "those used last on the document, else its language)")
    p.add_argument("--pages", help="pages to recognise, e.g. 1-5,8 (default: all)")
    p.add_argument("--force", action="store_true",
                   help="recognise pages that have a text layer already (born-digital, "
                   "imported or recognised before), replacing it")
    p.add_argument("--list-langs", action="store_true",
                   help="print the installed languages and exit")

    p = sub.add_parser("text", help="print a transcription's text, or a scan's text layer "
                       "page by page (a form feed between pages)")
    p.add_argument("project")
    p.add_argument("document", help="document id, id prefix, title or file name")
    p.add_argument("--pages", help="pages of a scan, e.g. 2-3 (default: all)")


def cmd_ocr(args) -> int:
    from annotator.core import ocr

    engine = ocr.engine()  # says what to install before the project is opened
    if args.list_langs:
        print(f"{engine.version}: {' '.join(engine.languages)}")
        return EXIT_OK
    with _open(args) as project:
        doc = _document(project, args.document)

        shown = []

        def progress(done: int, total: int, page: int) -> bool:
            if page:
                shown.append(page)
                print(f"\rrecognising page {page} ({done + 1}/{total}) …", end="",
                      file=sys.stderr, flush=True)
            return True

        try:
            work = ocr.recognise_document(project, doc.id, language=args.lang,
                                          pages=args.pages, force=args.force,
                                          progress=progress)
        finally:
            if shown:
                print("", file=sys.stderr)
        for number, why in sorted(work.skipped.items()):
            print(f"page {number}: skipped, {why}")
        pages = project.documents.pages(doc.id, with_words=True)
        done = [p for p in pages if p.number in set(work.pages)]
        words = sum(len(p.words) for p in done)
        language = project.documents.get(doc.id).metadata.get("ocr_language", "")
        print(f"“{doc.title}”: recognised {len(done)} page(s), {words:,} words"
              + (f" ({language})" if done else ""))
    return EXIT_OK


def cmd_text(args) -> int:
    from annotator.core import ocr

    with _open(args, read_only=True) as project:
        doc = _document(project, args.document)
        texts = ocr.page_texts(project, doc.id, args.pages)
    out = sys.stdout
    raw = getattr(out, "_stream", out)  # the form feed is ours: not escaped like content
    for i, text in enumerate(texts):
        if i:
            out.flush()
            raw.write("\f\n")
        out.write(text)
        if text and not text.endswith("\n"):
            out.write("\n")
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"ocr": cmd_ocr, "text": cmd_text}
