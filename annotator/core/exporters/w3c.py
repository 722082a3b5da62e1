"""W3C Web Annotation JSON-LD: one AnnotationCollection with its page embedded.

The shape, and why:
- the collection embeds its first (and only) AnnotationPage, with its own
  ``@context`` so that it passes the suite's page tests when taken out alone; one
  file is complete and the collection and page assertions apply to it as it is;
- a target's ``source`` is the document's URL where it has one (a web page other
  tools annotate too), with our ``urn:uuid:`` kept as the target's ``scope``
  (oa:hasScope, "the context in which the source was seen": the model's one slot for
  a second resource on a target); otherwise ``source`` is our ``urn:uuid:``;
- an annotation that came from another tool with a non-UUID id has our UUIDv5 of
  it (see annotation_import.w3c), so it is written as that ``urn:uuid:``;
  ``partOf`` is an embedded object naming the collection;
- every annotation carries its own ``@context`` so it stands alone when copied out;
- a passage is targeted by a TextQuoteSelector (quote with 32 characters of context)
  and a TextPositionSelector (code points, as the model counts), given as
  alternatives; a region by a page selector (RFC 3778 ``page=N``) refined by a
  media-fragment ``xywh=`` (whole units, grown to cover the region), with an
  SvgSelector alternative carrying the exact rectangle and the highlight's line boxes;
- bodies: theme tags ``tagging``, entity-type tags ``classifying``, the entity record
  ``identifying`` (a SpecificResource whose source carries type, aliases and
  identifiers in schema.org/SKOS terms, prefixes the annotation context defines), a
  normalised date an ``identifying`` TextualBody, the note ``commenting``, a
  region's transcribed words ``describing``;
- links between annotations become ``linking`` annotations;
- a passage of a transcription aligned with its scan word by word has a second
  target: the scan, ``page=N`` refined by ``xywh=`` around its words (SVG: the word
  boxes), one per page it is on.

The file is written as a stream: 100,000 annotations never sit in memory together.
"""

from __future__ import annotations

import base64
import json
import math
import re
import uuid
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from annotator import __version__
from annotator.core.exporters.base import (
    ExportFilter,
    ExportResult,
    Lookup,
    Progress,
    Ticker,
    atomic_file,
    count_annotations,
    iter_annotations,
    link_ends,
    region_warnings,
)
from annotator.core.model import (
    MAX_COORDINATE,
    Annotation,
    Document,
    DocumentKind,
    RegionSelector,
    TagKind,
)
from annotator.core.util import now

if TYPE_CHECKING:
    from annotator.core.project import Project

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
PAGE_FRAGMENT = "http://tools.ietf.org/rfc/rfc3778"
MEDIA_FRAGMENT = "http://www.w3.org/TR/media-frags/"
ID_URN = "urn:x-annotator-id:"  # identifiers of no known scheme: scheme:value, quoted
#: identifier schemes whose values have a canonical URI (entity ``identifiers`` keys)
SCHEMES = {
    "wikidata": "http://www.wikidata.org/entity/",
    "viaf": "http://viaf.org/viaf/",
    "geonames": "https://sws.geonames.org/",
    "gnd": "https://d-nb.info/gnd/",
    "isni": "https://isni.org/isni/",
    "orcid": "https://orcid.org/",
    "lccn": "http://id.loc.gov/authorities/names/",
    "tgn": "http://vocab.getty.edu/tgn/",
    "ulan": "http://vocab.getty.edu/ulan/",
    "pleiades": "https://pleiades.stoa.org/places/",
}
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_COLOR = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?")


def urn(row_id: str) -> str:
    """A URI for a row: ``urn:uuid:`` for our UUIDs, else a quoted private URN."""
    if _UUID.fullmatch(row_id):
        return f"urn:uuid:{row_id.lower()}"
    return f"urn:x-annotator:{quote(row_id, safe='')}"


def identifier_uri(scheme: str, value: str) -> str:
    """The URI of an authority record, for schemes that have one."""
    value = str(value).strip()
    if value.startswith(("http://", "https://")):
        return value
    base = SCHEMES.get(scheme.strip().lower())
    if base:
        return base + quote(value, safe="") + ("/" if scheme.lower() == "geonames" else "")
    return ID_URN + quote(scheme, safe="") + ":" + quote(value, safe="")


def ni_uri(sha256_hex: str) -> str:
    """RFC 6920 named-information URI of a source's bytes: the same scan or letter has
    the same name in every copy of a project, whatever its local id."""
    try:
        digest = bytes.fromhex(sha256_hex)
    except ValueError:
        return f"urn:x-annotator:sha256:{quote(sha256_hex, safe='')}"
    return "ni:///sha-256;" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def web_address(doc: Document | None) -> str:
    """The document's URL (its metadata ``url``) as an IRI a validator accepts, or ''."""
    url = doc.metadata.get("url") if doc is not None and isinstance(doc.metadata, dict) \
        else None
    if not isinstance(url, str) or not url.strip().lower().startswith(("http://", "https://")):
        return ""
    return quote(url.strip(), safe=":/?#[]@!$&'()*+,;=%~")


def source_of(doc: Document | None, document_id: str) -> dict:
    """The target's source: the document's URL where it has one (so other tools find
    the page they know), else our id."""
    if doc is None:
        return {"id": urn(document_id)}
    image = doc.media_type.startswith("image/")
    source = {"id": web_address(doc) or urn(doc.id), "type": "Image" if image else "Text",
              "format": "text/plain" if doc.kind == DocumentKind.TEXT else doc.media_type,
              "label": doc.title, "dcterms:source": ni_uri(doc.sha256)}
    if doc.language:
        source["language"] = doc.language
    return source


def pixel_scale(doc: Document | None, page_width: float) -> float:
    """Regions are stored in points; an image's media fragments count pixels."""
    if doc is None or not doc.media_type.startswith("image/") or not page_width:
        return 1.0
    pixels = doc.metadata.get("pixels") if isinstance(doc.metadata, dict) else None
    if isinstance(pixels, list) and pixels and isinstance(pixels[0], int | float) \
            and 0 < pixels[0] <= MAX_COORDINATE:  # not a crafted infinity
        return float(pixels[0]) / page_width
    return 1.0


def _num(value: float) -> str:
    return f"{round(value, 4):g}"


def region_selectors(ann: Annotation, scale: float) -> list[dict]:
    assert ann.region is not None
    return rect_selectors(ann.region, scale)


def rect_selectors(g: RegionSelector, scale: float) -> list[dict]:
    """A rectangle of a page (and its line or word boxes) as a page selector refined by
    ``xywh=``, with an SvgSelector alternative."""
    x0, y0 = math.floor(g.x * scale), math.floor(g.y * scale)
    x1, y1 = math.ceil((g.x + g.w) * scale), math.ceil((g.y + g.h) * scale)
    rects = [f'<rect x="{_num(g.x * scale)}" y="{_num(g.y * scale)}" '
             f'width="{_num(g.w * scale)}" height="{_num(g.h * scale)}"/>']
    if g.quads:
        rects.append('<g class="quads">' + "".join(
            f'<rect x="{_num(a * scale)}" y="{_num(b * scale)}" width="{_num((c - a) * scale)}" '
            f'height="{_num((d - b) * scale)}"/>' for a, b, c, d in g.quads) + "</g>")
    svg = '<svg xmlns="http://www.w3.org/2000/svg">' + "".join(rects) + "</svg>"
    page = {"type": "FragmentSelector", "conformsTo": PAGE_FRAGMENT, "value": f"page={g.page}"}
    return [
        {**page, "refinedBy": {"type": "FragmentSelector", "conformsTo": MEDIA_FRAGMENT,
                               "value": f"xywh={max(x0, 0)},{max(y0, 0)},"
                                        f"{max(x1 - x0, 0)},{max(y1 - y0, 0)}"}},
        {**page, "refinedBy": {"type": "SvgSelector", "value": svg}},
    ]


def entity_resource(look: Lookup, entity_id: str) -> dict:
    entity = look.entities.get(entity_id)
    if entity is None:
        return {"id": urn(entity_id)}
    source: dict = {"id": urn(entity.id), "label": entity.name,
                    "schema:additionalType": look.entity_type(entity)}
    if entity.aliases:
        source["skos:altLabel"] = list(entity.aliases)
    if entity.identifiers:
        source["schema:sameAs"] = [identifier_uri(k, v) for k, v in entity.identifiers.items()]
        source["schema:identifier"] = [{"schema:propertyID": k, "schema:value": str(v)}
                                       for k, v in entity.identifiers.items()]
    if entity.description:
        source["schema:description"] = entity.description
    if entity.dates:
        source["schema:temporalCoverage"] = entity.dates
    return source


def scan_targets(look: Lookup, places: list[dict]) -> list[dict]:
    """The second targets of a passage of an aligned transcription: where its words are
    on the scan (``word_alignment.on_scan``), one per page, ``xywh=`` around them and
    the word boxes in the SVG alternative."""
    out = []
    for place in places:
        boxes = place["boxes"]
        x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
        x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
        g = RegionSelector(place["page"], x0, y0, x1 - x0, y1 - y0,
                           tuple(tuple(b) for b in boxes))
        scan = look.documents.get(place["document"])
        width = look.page_size(place["document"], place["page"])[0]
        target = {"source": source_of(scan, place["document"]),
                  "selector": rect_selectors(g, pixel_scale(scan, width))}
        if web_address(scan):
            target["scope"] = urn(place["document"])
        out.append(target)
    return out


def annotation_json(ann: Annotation, look: Lookup, on_scan: list[dict] | None = None) -> dict:
    """``on_scan``: where a passage of an aligned transcription is on its scan (then
    the annotation has a second target there, after the text's own)."""
    doc = look.documents.get(ann.document_id)
    bodies: list[dict] = []
    for tag_id in ann.tag_ids:
        tag = look.tags.get(tag_id)
        if tag is not None:
            purpose = "classifying" if tag.kind == TagKind.ENTITY_TYPE else "tagging"
            bodies.append({"type": "TextualBody", "purpose": purpose,
                           "value": look.tag_path(tag_id)})
    if ann.entity_id:
        bodies.append({"type": "SpecificResource", "purpose": "identifying",
                       "source": entity_resource(look, ann.entity_id)})
    if ann.date_value:
        bodies.append({"type": "TextualBody", "purpose": "identifying", "format": "text/plain",
                       "value": ann.date_value})
    if ann.note:
        bodies.append({"type": "TextualBody", "purpose": "commenting", "format": "text/plain",
                       "value": ann.note})
    target: dict = {"source": source_of(doc, ann.document_id)}
    if web_address(doc):  # our id kept: the scope the passage is read in
        target["scope"] = urn(ann.document_id)
    if ann.text is not None:
        t = ann.text
        target["selector"] = [
            {"type": "TextQuoteSelector", "exact": t.exact, "prefix": t.prefix,
             "suffix": t.suffix},
            {"type": "TextPositionSelector", "start": t.start, "end": t.end},
        ]
    elif ann.region is not None:
        width = look.page_size(ann.document_id, ann.region.page)[0]
        target["selector"] = region_selectors(ann, pixel_scale(doc, width))
        if ann.region.text:
            bodies.append({"type": "TextualBody", "purpose": "describing",
                           "format": "text/plain", "value": ann.region.text})
    motivation = ("commenting" if ann.note else "identifying" if ann.entity_id else
                  "classifying" if any(b["purpose"] == "classifying" for b in bodies) else
                  "tagging" if ann.tag_ids else "highlighting")
    item: dict = {"@context": CONTEXT, "id": urn(ann.id), "type": "Annotation",
                  "motivation": motivation}
    author = look.authors.get(ann.author_id)
    item["creator"] = {"id": urn(ann.author_id), "type": "Person",
                       "name": author.name if author else "Unknown"}
    if ann.created_at:
        item["created"] = ann.created_at
    if ann.modified_at:
        item["modified"] = ann.modified_at
    if ann.color and _COLOR.fullmatch(ann.color):
        css = "c" + ann.color[1:].lower()
        item["stylesheet"] = {"type": "CssStylesheet",
                              "value": f".{css} {{ background-color: {ann.color}; }}"}
        target["styleClass"] = css
    if ann.anchor_state != "ok":
        target["schema:status"] = str(ann.anchor_state)
    if bodies:
        item["body"] = bodies
    item["target"] = [target, *scan_targets(look, on_scan)] if on_scan else target
    return item


def link_json(link, look: Lookup) -> dict:
    bodies: list[dict] = [{"id": urn(link.target_id)},
                          {"type": "TextualBody", "purpose": "classifying",
                           "value": link.relation}]
    if link.note:
        bodies.append({"type": "TextualBody", "purpose": "commenting", "format": "text/plain",
                       "value": link.note})
    return {"@context": CONTEXT, "id": urn(link.id), "type": "Annotation",
            "motivation": "linking", "created": link.created_at, "modified": link.modified_at,
            "body": bodies, "target": urn(link.source_id)}


def export_w3c(project: Project, out: str | Path, *, filt: ExportFilter | None = None,
               progress: Progress = None) -> ExportResult:
    """Write the filtered annotations (and the links among them) as one collection."""
    out = Path(out)
    look = Lookup(project)
    collection_id = urn(project.id) if project.id else f"urn:uuid:{uuid.uuid4()}"
    page_id = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, collection_id + '#page-1')}"
    ticker = Ticker(progress, count_annotations(project, filt))
    ends = link_ends(project)  # the only ids remembered (not a million)
    exported: set[str] = set()
    written = 0
    dump = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    with atomic_file(out, "w", encoding="utf-8", newline="\n") as fh:
        head = {"@context": CONTEXT, "id": collection_id, "type": "AnnotationCollection",
                "label": project.title}
        fh.write(json.dumps(head, ensure_ascii=False, indent=1)[:-2])
        page_head = {"@context": CONTEXT, "id": page_id, "type": "AnnotationPage",
                     "partOf": {"id": collection_id, "type": "AnnotationCollection",
                                "label": project.title}, "startIndex": 0}
        fh.write(',\n "first": ' + dump(page_head)[:-1] + ',"items":[\n')
        sep = ""
        from annotator.core import word_alignment

        aligned: dict = {}  # the word alignments asked for, per document
        for ann in iter_annotations(project, filt):
            on_scan = word_alignment.on_scan(project, ann.document_id, ann.text.start,
                                             ann.text.end, aligned) if ann.text else None
            fh.write(sep + dump(annotation_json(ann, look, on_scan)))
            sep = ",\n"
            written += 1
            if ann.id in ends:
                exported.add(ann.id)
            ticker.step()
        links = [link for link in project.links.list()
                 if link.source_id in exported and link.target_id in exported]
        for link in links:
            fh.write(sep + dump(link_json(link, look)))
            sep = ",\n"
        total = written + len(links)
        tail = {"total": total, "last": page_id, "generated": now(),
                "generator": {"type": "Software", "name": f"annotator {__version__}"}}
        fh.write("\n]},\n " + dump(tail)[1:] + "\n")
        ticker.finish()
    return ExportResult([out], written, region_warnings(project, filt))
