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
import sqlite3
from collections.abc import Iterator
from itertools import groupby, islice
from operator import itemgetter
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


def printable(text: str | None) -> str:
    """Text without the control characters HTML forbids (tab and line ends kept), one
    U+FFFD for each, and without lone surrogates, which no UTF-8 file can hold."""
    if text and text.isprintable():  # the usual quote, decided in C: nothing to replace
        return text
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


def _group_order(look: Lookup, group_by: str) -> list[tuple[str, str, str]]:
    """(key, title, description) of every possible group, in codebook / name / title
    order; the key "" (untagged, no entity) last."""
    if group_by == "tag":
        tree = look.children()
        order: list = []

        def walk(parent: str | None) -> None:
            for tag in tree.get(parent, []):
                order.append(tag)
                walk(tag.id)

        walk(None)
        order.sort(key=lambda t: t.kind != TagKind.THEME)  # themes first, codebook order
        return [(t.id, look.tag_path(t.id), t.description) for t in order] + \
            [("", "Untagged", "")]
    if group_by == "entity":
        groups = []
        for entity in sorted(look.entities.values(), key=lambda e: e.name.casefold()):
            desc = "; ".join(x for x in (
                look.entity_type(entity), entity.dates,
                ("also " + ", ".join(entity.aliases)) if entity.aliases else "",
                ", ".join(f"{k} {v}" for k, v in entity.identifiers.items()),
                entity.description) if x)
            groups.append((entity.id, entity.name, desc))
        return groups + [("", "No entity", "")]
    return [(d.id, d.title, d.filename)
            for d in sorted(look.documents.values(), key=lambda d: d.title.casefold())]


class _Groups:
    """The quotes of every group, waiting in a private temporary SQLite database (on
    disk, a few MB of cache) until their group is written: a report of a million
    quotes never sits in memory (the lists of quotes took 55 MB per 100k)."""

    def __init__(self, project: Project, look: Lookup, filt: ExportFilter | None,
                 group_by: str, ticker: Ticker) -> None:
        self.order = _group_order(look, group_by)
        rank = {key: i for i, (key, _, _) in enumerate(self.order)}
        titles = {d.id: d.title for d in look.documents.values()}
        folds = sorted({t.casefold() for t in titles.values()} | {""})
        fold_rank = {f: i for i, f in enumerate(folds)}
        pages_of = {lk.source_id: lk.alignment for lk in project.documents.links()
                    if lk.alignment}
        self.db = sqlite3.connect("")  # "": a temporary file, deleted on close
        self.db.execute("CREATE TABLE q (grp INTEGER, fold INTEGER, p0, p1, p2, "
                        "seq INTEGER, quote TEXT, citation TEXT, note TEXT)")
        rows: list[tuple] = []
        for seq, ann in enumerate(iter_annotations(project, filt)):
            fold = fold_rank[titles.get(ann.document_id, "").casefold()]
            g = ann.region
            position = (g.page, g.y, g.x) if g else \
                (0, ann.text.start if ann.text else 0, 0)
            if group_by == "tag":
                keys = [t for t in ann.tag_ids if t in look.tags] or [""]
            elif group_by == "entity":
                keys = [ann.entity_id or ""]
            else:
                keys = [ann.document_id]
            cells = (printable(ann.quote), printable(_citation(ann, look, pages_of)),
                     printable(ann.note))
            rows += [(rank[k], fold, *position, seq, *cells) for k in keys if k in rank]
            if len(rows) >= 256:
                self.db.executemany("INSERT INTO q VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
                rows.clear()
            ticker.step()
        self.db.executemany("INSERT INTO q VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        self.counts = dict(self.db.execute("SELECT grp, count(*) FROM q GROUP BY grp"))

    def heads(self) -> list[tuple[int, str, str, int]]:
        """(rank, title, description, number of quotes) of the groups that have any."""
        return [(i, title, desc, self.counts[i])
                for i, (_, title, desc) in enumerate(self.order) if i in self.counts]

    def quotes(self) -> Iterator[tuple[int, str, str, str]]:
        """(group rank, quote, citation, note), group by group, each group's quotes by
        document title and place (SQLite sorts on disk)."""
        yield from self.db.execute("SELECT grp, quote, citation, note FROM q "
                                   "ORDER BY grp, fold, p0, p1, p2, seq")

    def close(self) -> None:
        self.db.close()


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
    groups = _Groups(project, look, filt, group_by, ticker)
    try:
        total = ticker.done
        html_ = fmt == "html"
        with atomic_file(out, "w", encoding="utf-8", newline="\n") as fh:
            heads = groups.heads()
            fh.write((_html_head if html_ else _md_head)(
                project.title, total, _filter_line(look, filt), heads))
            quote = _html_quote if html_ else _md_quote
            for i, (_, rows) in enumerate(groupby(groups.quotes(), key=itemgetter(0)), 1):
                _, name, desc, count = heads[i - 1]
                fh.write(_html_section(i, name, desc) if html_ else
                         _md_section(name, desc, count))
                for chunk in _batched(rows, 256):
                    fh.write("".join([quote(q, c, note) for _, q, c, note in chunk]))
                if html_:
                    fh.write("</section>\n")
            if html_:
                fh.write("</body></html>\n")
            ticker.finish()
    finally:
        groups.close()
    return ExportResult([out], total)


def _batched(rows: Iterator, n: int) -> Iterator[list]:
    while chunk := list(islice(rows, n)):
        yield chunk


def _stamp(total: int) -> str:
    return f"{total} quotation(s), made by annotator {__version__} on {now()[:10]}."


def _html_head(project_title: str, total: int, note: str,
               heads: list[tuple[int, str, str, int]]) -> str:
    e = html_escape
    title = f"Quotations — {project_title}"
    toc = "".join(f'<li><a href="#g{i}">{e(name)}</a> ({count})</li>'
                  for i, (_, name, _, count) in enumerate(heads, 1))
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{e(title)}</title><style>body{{font-family:serif;max-width:"
            "46em;margin:2em auto;line-height:1.45}blockquote{margin:1em 0 .3em;"
            "padding-left:1em;border-left:3px solid #bbb}footer{font-size:.9em;"
            "color:#444}.note{margin:.2em 0 1.2em 1.3em;font-style:italic}"
            "</style></head><body>\n"
            f"<h1>{e(title)}</h1>\n<p>{e(_stamp(total))} {e(note)}</p>\n<ul>{toc}</ul>\n")


def _md_head(project_title: str, total: int, note: str,
             heads: list[tuple[int, str, str, int]]) -> str:
    title = f"Quotations — {project_title}"
    return f"# {md_escape(title)}\n\n{md_escape(_stamp(total))} {md_escape(note)}\n\n"


def _html_section(n: int, name: str, desc: str) -> str:
    e = html_escape
    return (f'<section id="g{n}"><h2>{e(name)}</h2>\n'
            + (f"<p>{e(desc)}</p>\n" if desc else ""))


def _md_section(name: str, desc: str, count: int) -> str:
    return f"## {md_escape(name)} ({count})\n\n" + (f"{md_escape(desc)}\n\n" if desc else "")


def _html_quote(quote: str, citation: str, note: str) -> str:
    e = html_escape
    body = e(quote).replace("\n", "<br>")
    text = f"<blockquote><p>{body}</p><footer>— {e(citation)}</footer></blockquote>\n"
    if note:
        text += f'<p class="note">{e(note).replace(chr(10), "<br>")}</p>\n'
    return text


def _md_quote(quote: str, citation: str, note: str) -> str:
    lines = md_escape(quote).split("\n") or [""]
    text = "".join(f"> {line}\n" for line in lines) + f">\n> — {md_escape(citation)}\n\n"
    if note:
        text += "".join(f"{line}  \n" for line in md_escape(note).split("\n")) + "\n"
    return text
