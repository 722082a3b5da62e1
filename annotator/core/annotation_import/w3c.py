"""Import W3C Web Annotation JSON-LD: our own exports (a round trip gives back the same
annotations, ids and timestamps included) and those of other tools.

Accepted shapes: one Annotation, a list of them, an AnnotationPage, or an
AnnotationCollection whose pages are embedded (nothing is fetched from the network).
A target is matched to a document of this project by its id (``urn:uuid:``), by the
named-information URI of its bytes (``ni:///sha-256;``, the same in every copy of a
project) or by its title; passages are placed by their position when the quote is
still there, else found again by quote and context (a transcription corrected since),
else kept as orphaned. Bodies are read by purpose, as the exporter writes them.
``document_id`` sends every target to one document (a file whose sources name a web
page the project does not know), matched there by quote and context.

A foreign annotation id that is not a ``urn:uuid`` (Hypothesis's
``https://hypothes.is/a/…``, an annotation server's URL) becomes our id through
UUIDv5 under :data:`FOREIGN_IDS`, so importing the same file again finds every
annotation and adds none; our export then names it ``urn:uuid:`` of that UUID (the
foreign id itself is not stored: that would need a column). An ``identifying`` body
whose source is a bare URI (Recogito's Wikidata, GeoNames, Pleiades links) is the
entity with that identifier: found by it, else created, named by its label or the
passage it marks.
"""

from __future__ import annotations

import json
import re
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote
from uuid import UUID, uuid5

from annotator.core.anchoring import anchor, describe
from annotator.core.annotation_import import AnnotationImportReport, ImportRefused, Progress
from annotator.core.annotation_import.common import (
    MAX_ANNOTATIONS,
    Resolver,
    Tick,
    clean_color,
    clean_text,
    finite,
    refuse_count,
    stamp,
    uuid_of,
)
from annotator.core.changes import OpResult
from annotator.core.errors import AnnotatorError
from annotator.core.exporters.w3c import ID_URN, SCHEMES, ni_uri, web_address
from annotator.core.model import (
    AnchorState,
    Annotation,
    Document,
    DocumentKind,
    Page,
    RegionSelector,
    TagKind,
    TextSelector,
)
from annotator.core.text_layer import find_quote
from annotator.core.util import new_id

if TYPE_CHECKING:
    from annotator.core.project import Project

_NUMBER = r"(\d{1,12}(?:\.\d{0,12})?|\.\d{1,12})"
_XYWH = re.compile(rf"xywh=(pixel:|percent:)?{_NUMBER},{_NUMBER},{_NUMBER},{_NUMBER}")
_RECT = re.compile(r"<rect\b([^>]*)/?>")
_ATTR = re.compile(r'(\w+)="([-\d.eE+]+)"')
#: A JSON-LD file is parsed whole (no streaming parser in the standard library), so its
#: size and its number of objects and arrays are bounded before it is parsed.
MAX_JSON_BYTES = 256 * 2**20
MAX_JSON_CONTAINERS = 8_000_000
_BG = re.compile(r"background-color:\s*(#[0-9a-fA-F]{3,6})")
#: the namespace of the UUIDs made from foreign annotation ids (fixed: never change it)
FOREIGN_IDS = UUID("6f1d3c52-3a4e-5b8e-9c1a-a7e0f2b4c913")


def annotation_id(value: object) -> str | None:
    """Our id for an annotation's ``id``: its UUID, else a UUIDv5 of the foreign id."""
    found = uuid_of(_id(value))
    if found or not isinstance(value, str) or not value.strip():
        return found
    return str(uuid5(FOREIGN_IDS, value.strip()[:2000]))


def _list(value: object) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _types(obj: dict) -> set[str]:
    return {t for t in _list(obj.get("type") or obj.get("@type")) if isinstance(t, str)}


def _id(value: object) -> str:
    if isinstance(value, dict):
        value = value.get("id") or value.get("@id")
    return value if isinstance(value, str) else ""


def collect_items(data: object) -> list[dict]:
    """The annotations in a document of any accepted shape, in document order, following
    embedded pages (parsed JSON is a tree, so this ends; nothing is fetched)."""
    items: list[dict] = []
    pending: deque = deque([data])
    while pending:
        node = pending.popleft()
        if isinstance(node, list):
            pending.extendleft(reversed(node))
        elif isinstance(node, dict):
            if "Annotation" in _types(node):
                items.append(node)
            elif _types(node) & {"AnnotationCollection", "AnnotationPage"} or "items" in node:
                inner = [n for key in ("first", "items", "next") for n in _list(node.get(key))
                         if isinstance(n, dict | list)]
                pending.extendleft(reversed(inner))
    return items


class _Documents:
    """Finds this project's document for a target source."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.pages: dict[str, dict[int, Page]] = {}
        self.by_key: dict[str, Document] = {}
        for doc in project.documents.list():
            self.by_key.setdefault(f"urn:uuid:{doc.id}", doc)
            self.by_key.setdefault(doc.id, doc)
            self.by_key.setdefault(ni_uri(doc.sha256), doc)
            url = doc.metadata.get("url") if isinstance(doc.metadata, dict) else None
            if isinstance(url, str) and url:
                self.by_key.setdefault(url, doc)
                self.by_key.setdefault(web_address(doc), doc)
            self.by_key.setdefault("title:" + doc.title.casefold(), doc)

    def page(self, doc_id: str, number: int) -> Page | None:
        """A page's size, the pages of a document read once (without their words)."""
        if doc_id not in self.pages:
            self.pages[doc_id] = {p.number: p for p in self.project.documents.pages(doc_id)}
        return self.pages[doc_id].get(number)

    only: Document | None = None

    def find_any(self, sources: list) -> Document | None:
        if self.only is not None:
            return self.only
        return next((d for d in map(self.find, sources) if d is not None), None)

    def find(self, source: object) -> Document | None:
        keys = [_id(source)]
        if isinstance(source, dict):
            keys += [_id(source.get("dcterms:source")), *map(_id, _list(source.get("sameAs")))]
            if isinstance(source.get("label"), str):
                keys.append("title:" + source["label"].casefold())
        for key in keys:
            if key and key in self.by_key:
                return self.by_key[key]
        return None


def _source(target: object) -> object:
    return target.get("source", target) if isinstance(target, dict) else target


def _sources(target: object) -> list:
    """The target's source, then its scope (where our export keeps our own id when the
    source is the document's URL)."""
    found = [_source(target)]
    if isinstance(target, dict) and target.get("scope") is not None:
        found += _list(target.get("scope"))
    return found


def _text_selector(text: str, selectors: list) -> tuple[TextSelector | None, AnchorState]:
    quote: dict | None = None
    position: dict | None = None
    for sel in selectors:
        if isinstance(sel, dict):
            kinds = _types(sel)
            if "TextQuoteSelector" in kinds and isinstance(sel.get("exact"), str):
                quote = sel
            elif "TextPositionSelector" in kinds:
                position = sel
    start = end = None
    if position is not None and isinstance(position.get("start"), int) and \
            isinstance(position.get("end"), int):
        start, end = position["start"], position["end"]
    if quote is None:
        if start is None or not 0 <= start <= end <= len(text):
            return None, AnchorState.ORPHANED
        return describe(text, start, end), AnchorState.OK
    exact = clean_text(quote["exact"])
    if start is not None and 0 <= start <= end <= len(text) and text[start:end] == exact:
        return describe(text, start, end), AnchorState.OK
    wanted = TextSelector(max(start or 0, 0), max(end or 0, 0), exact,
                          clean_text(quote.get("prefix"), 200), clean_text(quote.get("suffix"), 200))
    found = anchor(text, wanted)
    if found.state == AnchorState.ORPHANED:
        return TextSelector(found.start, found.end, exact, wanted.prefix, wanted.suffix), \
            AnchorState.ORPHANED
    return describe(text, found.start, found.end), AnchorState.MOVED


def _region(docs: _Documents, doc: Document, selectors: list, text: str
            ) -> RegionSelector | None:
    page, box, frag, quads, percent = 1, None, None, [], False
    flat: list[dict] = []
    for sel in selectors:  # a page selector refined by a region: walk the chain
        while isinstance(sel, dict):
            flat.append(sel)
            sel = sel.get("refinedBy")
    for sel in flat:
        value = sel.get("value") if isinstance(sel.get("value"), str) else ""
        match = re.fullmatch(r"page=(\d{1,6})", value)
        if match:
            page = int(match.group(1))
        elif "SvgSelector" in _types(sel) and box is None:
            rects = [{k: _float(v) for k, v in _ATTR.findall(m)} for m in
                     _RECT.findall(value[:1_000_000])]
            rects = [(r.get("x", 0.0), r.get("y", 0.0), r.get("width", 0.0),
                      r.get("height", 0.0)) for r in rects]
            if rects and all(finite(*r) for r in rects):
                box, quads = rects[0], [(x, y, x + w, y + h) for x, y, w, h in rects[1:]]
        elif value.startswith("xywh=") and frag is None:
            m = _XYWH.fullmatch(value)
            if m:
                percent = m.group(1) == "percent:"
                frag = tuple(float(v) for v in m.groups()[1:])
    if box is None:  # the exact SVG rectangle if given, else the media fragment
        box = frag
    else:
        percent = False
    page_row = docs.page(doc.id, page)
    if box is None or page_row is None or not finite(*box) or box[2] < 0 or box[3] < 0:
        return None
    if percent:
        sx, sy = page_row.width / 100, page_row.height / 100
    else:
        pixels = doc.metadata.get("pixels") if doc.media_type.startswith("image/") else None
        scale = (page_row.width / pixels[0]) if isinstance(pixels, list) and pixels and \
            finite(pixels[0]) and pixels[0] > 0 else 1.0
        sx = sy = scale
    x, y, w, h = (round(box[0] * sx, 2), round(box[1] * sy, 2), round(box[2] * sx, 2),
                  round(box[3] * sy, 2))
    return RegionSelector(page, x, y, w, h,
                          tuple((round(a * sx, 2), round(b * sy, 2), round(c * sx, 2),
                                 round(d * sy, 2)) for a, b, c, d in quads[:1000]), text)


def _float(text: str) -> float | None:
    """A number written in an SVG attribute, else None ("1-2", "e")."""
    try:
        return float(text)
    except ValueError:
        return None


def _identifiers(source: dict) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in _list(source.get("schema:identifier")):
        if isinstance(item, dict) and isinstance(item.get("schema:propertyID"), str):
            found[item["schema:propertyID"]] = str(item.get("schema:value", ""))
    if found:
        return found
    for uri in _list(source.get("schema:sameAs")) + _list(source.get("sameAs")):
        if not isinstance(uri, str):
            continue
        if uri.startswith(ID_URN) and ":" in uri[len(ID_URN):]:
            scheme, value = uri[len(ID_URN):].split(":", 1)
            found[unquote(scheme)] = unquote(value)
            continue
        bare = uri.split("://", 1)[-1]  # http or https: the same record
        for scheme, base in SCHEMES.items():
            stem = base.split("://", 1)[-1]
            if bare.startswith(stem):
                found[scheme] = unquote(bare[len(stem):].rstrip("/"))
                break
    return found


def _bodies(item: dict, res: Resolver, region: bool) -> dict:
    out: dict = {"tags": [], "entity": None, "date": "", "notes": [], "region_text": ""}
    if isinstance(item.get("bodyValue"), str):
        out["notes"].append(clean_text(item["bodyValue"]))
    for body in _list(item.get("body")):
        if isinstance(body, str):
            continue
        if not isinstance(body, dict):
            continue
        purposes = {p for p in _list(body.get("purpose")) if isinstance(p, str)}
        kinds = _types(body)
        value = clean_text(body.get("value"))
        if "SpecificResource" in kinds and isinstance(body.get("source"), dict | str):
            if "identifying" in purposes or not purposes:
                out["entity"] = body["source"]
            continue
        if "TextualBody" not in kinds and not value:
            continue
        if purposes & {"tagging", "classifying"}:
            parts = [p.replace("∕", "/") for p in value.split("/")]
            kind = TagKind.ENTITY_TYPE if "classifying" in purposes else TagKind.THEME
            tag_id = res.tag(parts, kind)
            if tag_id:
                out["tags"].append(tag_id)
        elif "identifying" in purposes and not out["date"] and len(value) <= 200:
            out["date"] = value.strip()  # a normalised date ("1927-06-17", "about 1927")
        elif "describing" in purposes and region:
            out["region_text"] = value
        elif value:
            out["notes"].append(value)
    return out


def _entity(res: Resolver, source: object, tags: list[str], quote: str = "") -> str | None:
    if isinstance(source, str):
        source = {"id": source}
    assert isinstance(source, dict)
    uri = _id(source)
    bare = not uuid_of(uri) and uri.startswith(("http://", "https://"))
    type_name = source.get("schema:additionalType")
    if isinstance(type_name, str) and type_name.strip():
        type_id = res.entity_type(type_name.strip())
    else:
        type_id = next((t for t in tags if res.kind(t) == TagKind.ENTITY_TYPE), None) \
            or res.entity_type("Entity")
    label = source.get("label") or source.get("name") or ""
    if isinstance(label, list):
        label = next((v for v in label if isinstance(v, str)), "")
    aliases = [a for a in _list(source.get("skos:altLabel")) if isinstance(a, str)]
    identifiers = _identifiers(source)
    if bare and not identifiers:  # Recogito: the authority record's URI is the entity
        identifiers = _identifiers({"sameAs": uri}) or {"uri": uri}
    if bare and not (isinstance(label, str) and label.strip()):
        label = quote.strip() or next(iter(identifiers.values()))
    return res.entity(entity_id=uri, name=clean_text(label, 500), type_id=type_id,
                      aliases=aliases, identifiers=identifiers,
                      description=clean_text(source.get("schema:description"), 10_000),
                      dates=clean_text(source.get("schema:temporalCoverage"), 200))


def import_w3c(project: Project, path: str | Path, *, progress: Progress = None,
               document_id: str | None = None) -> OpResult[AnnotationImportReport]:
    """Import every annotation of a W3C JSON-LD file in one transaction; with
    ``document_id`` every target is taken to be on that document."""
    path = Path(path)
    items = collect_items(_load(path))
    report = AnnotationImportReport(str(path), "w3c")
    if not items:
        raise AnnotatorError(f"{path.name} holds no W3C Web Annotations.")
    refuse_count("annotations", len(items), MAX_ANNOTATIONS)
    docs = _Documents(project)
    if document_id is not None:
        only = project.documents.get(document_id)
        if only is None or only.deleted:
            raise AnnotatorError(f"there is no document {document_id} in this project.")
        docs.only = only
    tick = Tick(progress, len(items))
    links: list[dict] = []
    with project.transaction():
        res = Resolver(project, report)
        batch: list[Annotation] = []
        first: dict[str, int] = {}  # an id -> the number of the item that has it first
        for n, item in enumerate(items, 1):
            tick.step()
            if item.get("motivation") == "linking" or "linking" in _list(item.get("motivation")):
                links.append(item)
                continue
            ann_id = annotation_id(item.get("id", item.get("@id")))
            if ann_id in first:
                report.skipped.append(f"annotation {n}: it has the id of annotation "
                                      f"{first[ann_id]} of this file; only the first is kept")
                continue
            if ann_id:
                first[ann_id] = n
            ann = _one(project, item, n, docs, res, report)
            if ann is not None:
                batch.append(ann)
        res.flush()
        project.annotations.add_many(batch)
        report.annotation_ids = [a.id for a in batch]
        for item in links:
            _link(project, item, report)
    res.changes.annotations.update(report.annotation_ids)
    res.changes.documents.update({a.document_id for a in batch})
    return OpResult(report, res.changes)


def _load(path: Path) -> object:
    """The parsed JSON, its size and shape bounded first (a parsed object costs ~20
    times its bytes: 1M annotations took 2.4 GB)."""
    if path.stat().st_size > MAX_JSON_BYTES:
        raise ImportRefused(f"{path.name} is larger than {MAX_JSON_BYTES // 2**20} MB; a W3C "
                            "file that large is not imported (split it).")
    raw = path.read_bytes()
    refuse_count("JSON objects and arrays", raw.count(b"{") + raw.count(b"["),
                 MAX_JSON_CONTAINERS)
    # every annotation says "Annotation" (an escaped quote in a note cannot): a bound
    # on their number before anything is parsed
    refuse_count("annotations", raw.count(b'"Annotation"'), MAX_ANNOTATIONS)
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise AnnotatorError(f"{path.name} is not valid JSON: {str(exc)[:200]}") from None


def _one(project: Project, item: dict, n: int, docs: _Documents, res: Resolver,
         report: AnnotationImportReport) -> Annotation | None:
    ann_id = annotation_id(item.get("id", item.get("@id")))
    if ann_id and project.annotations.get(ann_id) is not None:
        report.existing += 1
        return None
    targets = _list(item.get("target"))
    target = next((t for t in targets if docs.find_any(_sources(t))), None)
    if target is None:
        name = _id(_source(targets[0])) if targets else ""
        report.skipped.append(
            f"annotation {n}: its document ({name or 'no target'}) is not in this project; "
            "import the source, then give it that URL (annotator set PROJECT DOC --url "
            "URL) or import this file onto it (annotator import-annotations PROJECT FILE "
            "--document DOC)")
        return None
    doc = docs.find_any(_sources(target))
    assert doc is not None
    selectors = _list(target.get("selector")) if isinstance(target, dict) else []
    is_region = doc.kind == DocumentKind.PAGED
    bodies = _bodies(item, res, is_region)
    text_sel, region, state = None, None, AnchorState.OK
    if is_region:
        region = _region(docs, doc, selectors, bodies["region_text"])
        if region is None:  # a quote on a PDF's text layer (Hypothesis and the like)
            quote = next((s.get("exact") for s in selectors if isinstance(s, dict) and
                          "TextQuoteSelector" in _types(s)), None)
            if isinstance(quote, str) and quote.strip():
                region = find_quote(project.documents.pages(doc.id, with_words=True),
                                    clean_text(quote, 10_000))
        if region is None or not 1 <= region.page <= doc.page_count:
            report.skipped.append(f"annotation {n}: no usable region on a page of "
                                  f"“{doc.title}”")
            return None
    else:
        text_sel, state = _text_selector(project.documents.text(doc.id), selectors)
        if text_sel is None:
            report.skipped.append(f"annotation {n}: no passage of “{doc.title}” to attach to")
            return None
        if state == AnchorState.ORPHANED:
            report.orphaned += 1
    creator = next(iter(_list(item.get("creator"))), None)
    name = creator if isinstance(creator, str) and not creator.startswith(("urn:", "http")) \
        else creator.get("name", "") if isinstance(creator, dict) else ""
    author_id = res.author(_id(creator), name if isinstance(name, str) else "")
    quote = text_sel.exact if text_sel is not None else region.text if region else ""
    entity_id = _entity(res, bodies["entity"], bodies["tags"], quote) \
        if bodies["entity"] else None
    color = ""
    sheet = item.get("stylesheet")
    if isinstance(sheet, dict) and isinstance(sheet.get("value"), str):
        match = _BG.search(sheet["value"][:10_000])
        color = clean_color(match.group(1)) if match else ""
    created = stamp(item.get("created"))
    report.added += 1
    return Annotation(ann_id or new_id(), doc.id, author_id, text_sel, region,
                      list(dict.fromkeys(bodies["tags"])), "\n\n".join(bodies["notes"]), color,
                      entity_id, bodies["date"], state, created,
                      stamp(item.get("modified") or item.get("created")))


def _link(project: Project, item: dict, report: AnnotationImportReport) -> None:
    ends = [uuid_of(_id(t)) for t in _list(item.get("target"))]
    others = [b for b in _list(item.get("body")) if isinstance(b, dict | str)]
    targets = [uuid_of(_id(b)) for b in others if isinstance(b, str) or "id" in b]
    relation, note = "related", ""
    for body in others:
        if isinstance(body, dict) and "classifying" in _list(body.get("purpose")):
            relation = clean_text(body.get("value"), 200) or relation
        elif isinstance(body, dict) and "commenting" in _list(body.get("purpose")):
            note = clean_text(body.get("value"))
    link_id = uuid_of(_id(item))
    if link_id and project.links.get(link_id) is not None:
        return  # in the project already (or twice in this file)
    source = ends[0] if ends else None
    target = next((t for t in targets if t), None)
    live = {a: project.annotations.get(a) for a in (source, target) if a}
    if not source or not target or source == target or \
            any(v is None or v.deleted for v in live.values()) or len(live) < 2:
        report.skipped.append("a link between annotations that are not both in the project")
        return
    project.links.create(source, target, relation, note, link_id=link_id)
    report.links += 1
