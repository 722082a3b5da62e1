"""`annotator align`: align a linked transcription with its scan word by word, and the
helpers `link`, `import --transcription-of` and `list --json` use to report it.

Same conventions as the other cli_* modules: imports inside the commands, errors as
AnnotatorError messages, exit status 0 ok, 2 error.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from annotator.cli import _document, _open

EXIT_OK = 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("align", help="align a transcription with its scan word by word "
                       "(again), setting the page alignment from it")
    p.add_argument("project")
    p.add_argument("text", help="the transcription (document)")
    p.add_argument("scan", nargs="?", help="the scan (when the text transcribes several)")


def describe_link(project, link) -> str:
    """What linking placed, for the scholar: words placed and on which pages, or why
    nothing was aligned."""
    from annotator.core import word_alignment

    if not word_alignment.scan_has_words(project, link.target_id):
        return ("the scan has no text layer yet: recognise its text (annotator ocr), "
                "then run annotator align")
    return word_alignment.placement(project, link).describe()


def alignment_fields(project, annotation, cache: dict) -> dict:
    """`list --json`: where a text annotation is on its scans ("on_scan"), which
    passage of its transcriptions a region covers ("in_text"); {} when unaligned."""
    from annotator.core import word_alignment

    if annotation.text is not None:
        found = word_alignment.on_scan(project, annotation.document_id,
                                       annotation.text.start, annotation.text.end, cache)
        return {"on_scan": found} if found or _aligned(project, annotation, cache) else {}
    region = annotation.region
    if region is not None:
        found = word_alignment.in_text(project, annotation.document_id, region.page,
                                       region.x, region.y, region.w, region.h, cache)
        return {"in_text": found} if found or _aligned(project, annotation, cache) else {}
    return {}


def _aligned(project, annotation, cache: dict) -> bool:
    """Whether the annotation's document is aligned with anything at all (then an
    empty list says "not on the scan"; otherwise the field is left out)."""
    from annotator.core import word_alignment

    side = "source_id" if annotation.text is not None else "target_id"
    return bool(word_alignment.aligned_scans(project, annotation.document_id, side, cache))


def cmd_align(args) -> int:
    from annotator.core.errors import AnnotatorError

    with _open(args) as project:
        text = _document(project, args.text)
        scan = _document(project, args.scan) if args.scan else None
        links = [lk for lk in project.documents.links(text.id)
                 if lk.source_id == text.id and (scan is None or lk.target_id == scan.id)]
        if not links:
            raise AnnotatorError(f"“{text.title}” is not linked to "
                                 f"{'“' + scan.title + '”' if scan else 'a scan'}: "
                                 "annotator link P TEXT SCAN first.")
        if len(links) > 1:
            raise AnnotatorError(f"“{text.title}” transcribes {len(links)} documents: "
                                 "name the scan.")
        target = project.documents.get(links[0].target_id)
        with project.transaction(f"Align “{text.title}” with its scan"):
            link = project.documents.align(links[0].id).value
        print(f"aligned “{text.title}” with “{target.title if target else '?'}”: "
              f"{describe_link(project, link)}")
        if link.alignment:
            print("page starts: " + ", ".join(f"{p}@{o}" for p, o in
                                              sorted(link.alignment.items())))
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"align": cmd_align}
