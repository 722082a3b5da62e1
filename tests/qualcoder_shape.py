"""A model of QualCoder's REFI-QDA round trip, written from its importer and exporter
(ccbogel/QualCoder src/qualcoder/refi.py, read at c3204641; no code copied): what a
.qdpx looks like after QualCoder imported it and exported it again. QualCoder is on
no package index and needs a GUI; this model lets a test judge our exports the way
QualCoder reads them and our importer on the shapes QualCoder writes.

What it reproduces, each a fact of refi.py:
- text is read as UTF-8 without stripping a BOM; a file whose first line ends in CRLF
  gets a space after each LF (so a CRLF counts two); exported texts are UTF-8 *with*
  a BOM, with CRLF if the MAXQDA option is chosen; positions count the stored text;
- one coding per (code, source, span, coder); each becomes its own PlainTextSelection
  with a new GUID, ``name`` = the quoted text, Description = the coding memo;
- a selection without a coding, and a Note holding a PlainTextSelection that a
  source-level NoteRef points at, are text annotations; on export every annotation is
  a Note with its PlainTextSelection, but only the first of each source gets a NoteRef;
- a PDF source is created from its Representation only; PDFSelection and
  PictureSelection are kept only with a Coding, their memo is the ``name`` attribute,
  written back as ``name`` and Description; PDF areas are top-left, page from 0;
- a picture is filed under its ``name``; the exported file's extension is what
  follows the last dot of that name;
- every source, selection, user and note gets a new GUID; codes keep theirs; origin
  is "QualCoder 4.0 Beta".
"""

from __future__ import annotations

import io
import uuid
import xml.etree.ElementTree as ET
import zipfile
from html import escape

NS = "{urn:QDA-XML:project:1.0}"


def _g() -> str:
    return str(uuid.uuid4())


def _kids(node, name):
    return [c for c in node if c.tag == NS + name]


def qualcoder_round_trip(qdpx: bytes, *, crlf: bool = False) -> bytes:
    """Our .qdpx as QualCoder would export it after importing it."""
    zin = zipfile.ZipFile(io.BytesIO(qdpx))
    root = ET.fromstring(zin.read("project.qde"))

    def member(path: str) -> bytes:
        return zin.read("Sources/" + path.removeprefix("internal://"))

    users = {u.get("guid"): u.get("name") for u in root.iter(NS + "User")}
    new_user = {name: _g() for name in set(users.values()) | {"default"}}
    codes = {c.get("guid") for c in root.iter(NS + "Code")}
    notes = {n.get("guid"): n for n in root.iter(NS + "Note")}
    sources = []  # dicts: kind, name, data, text, codings, annotations, areas

    def owner(el) -> str:
        return users.get(el.get("creatingUser") or el.get("modifyingUser"), "default")

    def load_text(el, name):
        raw = member(el.get("plainTextPath"))
        text = raw.decode("utf-8", "replace").replace("\r\n", "\n")  # text mode
        first = raw.split(b"\n", 1)[0]
        if first.endswith(b"\r"):
            text = text.replace("\n", "\n ")
        src = {"name": name, "text": text, "codings": [], "annotations": [], "areas": []}
        for sel in _kids(el, "PlainTextSelection"):
            p0, p1 = int(sel.get("startPosition")), int(sel.get("endPosition"))
            desc = next((d.text or "" for d in _kids(sel, "Description")), "")
            coded = _kids(sel, "Coding")
            for c in coded:
                key = (c[0].get("targetGUID"), p0, p1, owner(sel))
                if key[0] in codes and key not in {tuple(x[:4]) for x in src["codings"]}:
                    src["codings"].append([*key, desc, sel.get("creationDateTime")])
            if not coded:
                src["annotations"].append((p0, p1, desc, owner(sel)))
        for ref in _kids(el, "NoteRef"):
            note = notes.get(ref.get("targetGUID"))
            span = next(iter(_kids(note, "PlainTextSelection")), None) if note is not None \
                else None
            content = next((c.text for c in _kids(note, "PlainTextContent")), None) \
                if note is not None else None
            if span is not None and content is not None:
                src["annotations"].append((int(span.get("startPosition")),
                                           int(span.get("endPosition")), content, owner(note)))
        return src

    def areas(el, selection, pdf):
        out = []
        for sel in _kids(el, selection):
            for c in _kids(sel, "Coding"):
                out.append({"page": sel.get("page") if pdf else None,
                            "box": [int(sel.get(k)) for k in
                                    ("firstX", "firstY", "secondX", "secondY")],
                            "memo": sel.get("name"), "code": c[0].get("targetGUID"),
                            "owner": owner(sel), "date": sel.get("creationDateTime")})
        return out

    for el in root.find(NS + "Sources"):
        kind = el.tag.removeprefix(NS)
        if kind == "TextSource":
            sources.append({"kind": "text", **load_text(el, el.get("name"))})
        elif kind == "PDFSource":
            rep = next(iter(_kids(el, "Representation")), None)
            if rep is None:
                continue  # QualCoder creates the PDF from its Representation only
            name = el.get("name") if el.get("name").lower().endswith(".pdf") \
                else el.get("name") + ".pdf"
            src = {"kind": "pdf", **load_text(rep, name), "data": member(el.get("path"))}
            src["areas"] = areas(el, "PDFSelection", True)
            sources.append(src)
        elif kind == "PictureSource":
            sources.append({"kind": "picture", "name": el.get("name"), "codings": [],
                            "annotations": [], "data": member(el.get("path")),
                            "areas": areas(el, "PictureSelection", False)})

    out = io.BytesIO()
    zout = zipfile.ZipFile(out, "w")
    bom = "\ufeff"
    xml = ['<?xml version="1.0" encoding="utf-8"?>\n<Project name="qc" '
           'origin="QualCoder 4.0 Beta" xmlns="urn:QDA-XML:project:1.0"><Users>']
    xml += [f'<User guid="{g}" name="{escape(n)}"/>' for n, g in new_user.items()]
    xml.append("</Users>")
    book = root.find(NS + "CodeBook")
    if book is not None:
        xml.append(ET.tostring(book, encoding="unicode").replace("ns0:", "").replace(
            ' xmlns:ns0="urn:QDA-XML:project:1.0"', ""))
    xml.append("<Sources>")
    note_xml = []

    def text_part(src) -> str:
        path = f"{_g()}.txt"
        text = src["text"].replace("\n", "\r\n") if crlf else src["text"]
        zout.writestr(f"sources/{path}", (bom + text).encode("utf-8"))
        parts = []
        for cid, p0, p1, who, memo, date in src["codings"]:
            parts.append(f'<PlainTextSelection guid="{_g()}" startPosition="{p0}" '
                         f'endPosition="{p1}" name="{escape(src["text"][p0:p1])}" '
                         f'creatingUser="{new_user[who]}" creationDateTime="{date}">'
                         + (f"<Description>{escape(memo)}</Description>" if memo else "")
                         + f'<Coding guid="{_g()}"><CodeRef targetGUID="{cid}"/></Coding>'
                         "</PlainTextSelection>")
        for i, (p0, p1, memo, who) in enumerate(src["annotations"]):
            guid = _g()
            if i == 0:
                parts.append(f'<NoteRef targetGUID="{guid}"/>')
            note_xml.append(f'<Note guid="{guid}" creatingUser="{new_user[who]}">'
                            f"<PlainTextContent>{escape(memo)}</PlainTextContent>"
                            f'<PlainTextSelection guid="{_g()}" startPosition="{p0}" '
                            f'endPosition="{p1}"/></Note>')
        return f'plainTextPath="internal://{path}"', "".join(parts)

    def area_xml(src, tag) -> str:
        parts = []
        for a in src["areas"]:
            memo = a["memo"]
            if memo is None:  # html.escape(None) in picture_selection_xml: export fails
                raise TypeError("QualCoder cannot export an area without a name")
            page = f' page="{a["page"]}"' if a["page"] is not None else ""
            x0, y0, x1, y1 = a["box"]
            parts.append(f'<{tag} guid="{_g()}"{page} firstX="{x0}" firstY="{y0}" '
                         f'secondX="{x1}" secondY="{y1}" name="{escape(memo)}" '
                         f'creatingUser="{new_user[a["owner"]]}" creationDateTime="{a["date"]}">'
                         + (f"<Description>{escape(memo)}</Description>" if memo else "")
                         + f'<Coding guid="{_g()}"><CodeRef targetGUID="{a["code"]}"/></Coding>'
                         f"</{tag}>")
        return "".join(parts)

    for src in sources:
        name = escape(src["name"])
        if src["kind"] == "text":
            attr, body = text_part(src)
            xml.append(f'<TextSource {attr} guid="{_g()}" name="{name}">{body}</TextSource>')
        elif src["kind"] == "pdf":
            path = f"{_g()}.pdf"
            zout.writestr(f"sources/{path}", src["data"])
            attr, body = text_part(src)
            xml.append(f'<PDFSource path="internal://{path}" guid="{_g()}" name="{name}">'
                       f'<Representation guid="{_g()}" {attr} name="{name}">{body}'
                       f"</Representation>{area_xml(src, 'PDFSelection')}</PDFSource>")
        else:
            suffix = ("/images/" + src["name"]).split(".")[-1]
            path = f"{_g()}.{suffix}"
            zout.writestr(f"sources/{path}", src["data"])
            xml.append(f'<PictureSource path="internal://{path}" guid="{_g()}" name="{name}">'
                       f"{area_xml(src, 'PictureSelection')}</PictureSource>")
    xml.append("</Sources>")
    if note_xml:
        xml.append("<Notes>" + "".join(note_xml) + "</Notes>")
    xml.append("</Project>")
    zout.writestr("project.qde", "".join(xml).encode("utf-8"))
    zout.close()
    return out.getvalue()
