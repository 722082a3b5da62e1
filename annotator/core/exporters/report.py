"""Quotation reports for a paper: HTML or Markdown, quotes grouped by theme, entity or
document, each with its document, page and a citation line, the note beneath.
Filtered as the annotation table is (tag, author, document, entity, words).

Everything from the project is escaped: a note holding ``<script>`` or ``&amp;`` shows
as those characters, in the browser and in any Markdown renderer. Control characters
(NUL, ESC, backspace, form feed...), which HTML forbids and a terminal showing the
Markdown would act on, become U+FFFD.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from annotator import __version__
from annotator.core.documents import page_for_offset
from annotator.core.exporters.base import (
    ExportFilter,
    ExportResult,
    Lookup,
    Progress,
    Ticker,
    atomic_file,
    count_annotations,
    iter_annotations,
    xml_safe,
)
from annotator.core.model import Annotation, TagKind
from annotator.core.util import now

if TYPE_CHECKING:
    from annotator.core.project import Project

GROUPINGS = ("tag", "entity", "document")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#&~!])")
_MD_LINE_START = re.compile(r"^(\s*)([-+>=]|\d+[.)])", re.M)
_DEL_AND_C1 = re.compile("[\x7f-\x9f]")


@dataclass(slots=True)
class _Quote:
    document: str
    position: tuple
    quote: str
    citation: str
    note: str


def printable(text: str | None) -> str:
    """Text without the control characters HTML forbids (tab and line ends kept), one
    U+FFFD for each, and without lone surrogates, which no UTF-8 file can hold."""
    return _DEL_AND_C1.sub("\ufffd", xml_safe(text))


def html_escape(text: str | None) -> str:
    """Text as itself in HTML: markup characters escaped, control characters replaced."""
    return html.escape(printable(text))


def md_escape(text: str) -> str:
    """Text as itself in CommonMark: punctuation with meaning backslash-escaped, and
    what would start a list, heading or quote at the beginning of a line; control
    characters replaced."""
    text = _MD_SPECIAL.sub(r"\\\1", printable(text))
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def _citation(ann: Annotation, look: Lookup, pages_of: dict) -> str:
    doc = look.documents.get(ann.document_id)
    meta = doc.metadata if doc and isinstance(doc.metadata, dict) else {}
    parts = [str(meta["creator"])] if meta.get("creator") else []
    parts.append(f"“{doc.title if doc else '?'}”" + (f" ({meta['date']})" if meta.get("date")
                                                      else ""))
    held = " ".join(str(meta[k]) for k in ("archive", "shelfmark") if meta.get(k))
    if held:
        parts.append(held)
    page = ann.region.page if ann.region else (
        page_for_offset(pages_of[ann.document_id], ann.text.start)
        if ann.text and ann.document_id in pages_of else None)
    if page is not None:
        parts.append(f"p. {page}")
    elif ann.text is not None:
        parts.append(f"characters {ann.text.start}–{ann.text.end}")
    who = look.author_name(ann.author_id)
    line = ", ".join(parts) + "."
    extra = [f"annotated by {who}" if who else "", ann.created_at[:10]]
    if ann.date_value:
        extra.insert(0, f"date {ann.date_value}")
    return line + " [" + ", ".join(e for e in extra if e) + "]"


def _groups(project: Project, look: Lookup, filt: ExportFilter | None, group_by: str,
            ticker: Ticker) -> list[tuple[str, str, list[_Quote]]]:
    """(title, description, quotes) per group, in codebook / name / title order."""
    pages_of = {lk.source_id: lk.alignment for lk in project.documents.links() if lk.alignment}
    buckets: dict[str, list[_Quote]] = {}
    for ann in iter_annotations(project, filt):
        doc = look.documents.get(ann.document_id)
        position = (ann.region.page, ann.region.y, ann.region.x) if ann.region else \
            (0, ann.text.start if ann.text else 0, 0)
        quote = _Quote(doc.title if doc else "", position, ann.quote,
                       _citation(ann, look, pages_of), ann.note)
        if group_by == "tag":
            keys = [t for t in ann.tag_ids if t in look.tags] or [""]
        elif group_by == "entity":
            keys = [ann.entity_id or ""]
        else:
            keys = [ann.document_id]
        for key in keys:
            buckets.setdefault(key, []).append(quote)
        ticker.step()
    out = []
    if group_by == "tag":
        tree = look.children()
        order: list = []

        def walk(parent: str | None) -> None:
            for tag in tree.get(parent, []):
                order.append(tag)
                walk(tag.id)

        walk(None)
        order.sort(key=lambda t: t.kind != TagKind.THEME)  # themes first, codebook order
        for tag in order:
            if tag.id in buckets:
                out.append((look.tag_path(tag.id), tag.description, buckets[tag.id]))
        if "" in buckets:
            out.append(("Untagged", "", buckets[""]))
    elif group_by == "entity":
        for entity in sorted(look.entities.values(), key=lambda e: e.name.casefold()):
            if entity.id in buckets:
                desc = "; ".join(x for x in (
                    look.entity_type(entity), entity.dates,
                    ("also " + ", ".join(entity.aliases)) if entity.aliases else "",
                    ", ".join(f"{k} {v}" for k, v in entity.identifiers.items()),
                    entity.description) if x)
                out.append((entity.name, desc, buckets[entity.id]))
        if "" in buckets:
            out.append(("No entity", "", buckets[""]))
    else:
        for doc in sorted(look.documents.values(), key=lambda d: d.title.casefold()):
            if doc.id in buckets:
                out.append((doc.title, doc.filename, buckets[doc.id]))
    for _, _, quotes in out:
        quotes.sort(key=lambda q: (q.document.casefold(), q.position))
    return out


def _filter_line(look: Lookup, filt: ExportFilter | None) -> str:
    if filt is None:
        return ""
    parts = []
    if filt.tag_id and filt.tag_id in look.tags:
        parts.append(f"tag {look.tag_path(filt.tag_id)}")
    if filt.document_id and filt.document_id in look.documents:
        parts.append(f"document “{look.documents[filt.document_id].title}”")
    if filt.author_id:
        parts.append(f"annotator {look.author_name(filt.author_id)}")
    if filt.entity_id and filt.entity_id in look.entities:
        parts.append(f"entity {look.entities[filt.entity_id].name}")
    if filt.contains:
        parts.append(f"containing “{filt.contains}”")
    return ("Only " + "; ".join(parts) + ".") if parts else ""


def export_report(project: Project, out: str | Path, *, filt: ExportFilter | None = None,
                  progress: Progress = None, fmt: str | None = None,
                  group_by: str = "tag") -> ExportResult:
    """Write the report as HTML (``fmt='html'``, or a .html/.htm ``out``) or Markdown."""
    out = Path(out)
    if group_by not in GROUPINGS:
        raise ValueError(f"group_by must be one of {GROUPINGS}")
    fmt = fmt or ("html" if out.suffix.lower() in (".html", ".htm") else "md")
    look = Lookup(project)
    ticker = Ticker(progress, count_annotations(project, filt))
    groups = _groups(project, look, filt, group_by, ticker)
    total = ticker.done
    title = f"Quotations — {project.title}"
    stamp = f"{total} quotation(s), made by annotator {__version__} on {now()[:10]}."
    note = _filter_line(look, filt)
    with atomic_file(out, "w", encoding="utf-8", newline="\n") as fh:
        if fmt == "html":
            e = html_escape
            fh.write(f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
                     f"<title>{e(title)}</title><style>body{{font-family:serif;max-width:"
                     "46em;margin:2em auto;line-height:1.45}blockquote{margin:1em 0 .3em;"
                     "padding-left:1em;border-left:3px solid #bbb}footer{font-size:.9em;"
                     "color:#444}.note{margin:.2em 0 1.2em 1.3em;font-style:italic}"
                     "</style></head><body>\n")
            fh.write(f"<h1>{e(title)}</h1>\n<p>{e(stamp)} {e(note)}</p>\n<ul>")
            for i, (name, _, quotes) in enumerate(groups, 1):
                fh.write(f'<li><a href="#g{i}">{e(name)}</a> ({len(quotes)})</li>')
            fh.write("</ul>\n")
            for i, (name, desc, quotes) in enumerate(groups, 1):
                fh.write(f'<section id="g{i}"><h2>{e(name)}</h2>\n')
                if desc:
                    fh.write(f"<p>{e(desc)}</p>\n")
                for q in quotes:
                    body = e(q.quote).replace("\n", "<br>")
                    fh.write(f"<blockquote><p>{body}</p><footer>— {e(q.citation)}</footer>"
                             "</blockquote>\n")
                    if q.note:
                        fh.write(f'<p class="note">{e(q.note).replace(chr(10), "<br>")}</p>\n')
                fh.write("</section>\n")
            fh.write("</body></html>\n")
        else:
            fh.write(f"# {md_escape(title)}\n\n{md_escape(stamp)} {md_escape(note)}\n\n")
            for name, desc, quotes in groups:
                fh.write(f"## {md_escape(name)} ({len(quotes)})\n\n")
                if desc:
                    fh.write(f"{md_escape(desc)}\n\n")
                for q in quotes:
                    lines = md_escape(q.quote).split("\n") or [""]
                    fh.write("".join(f"> {line}\n" for line in lines))
                    fh.write(f">\n> — {md_escape(q.citation)}\n\n")
                    if q.note:
                        fh.write("".join(f"{line}  \n" for line in md_escape(q.note).split("\n")))
                        fh.write("\n")
        ticker.finish()
    return ExportResult([out], total)
