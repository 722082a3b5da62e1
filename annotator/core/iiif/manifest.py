"""Reading a IIIF Presentation manifest, version 2 or 3, into plain data: its label
and rights, its canvases with their image (an Image API service, or a plain image)
and the annotations it carries.

v2: ``sequences[0].canvases[].images[0].resource`` (its ``service``), annotations in
``otherContent`` lists (embedded ``resources`` or a list to fetch), ``on`` targets.
v3: ``items[]`` canvases, ``items[0].items[0].body`` painting the image (its
``service``), annotations in ``annotations`` pages (embedded ``items`` or a page to
fetch), W3C bodies and targets (a string ``canvas#xywh=…`` or a SpecificResource).

A manifest comes from anyone: every value is checked for its type, what is not
understood is skipped (and counted), and a file that is not a manifest at all is
refused with a message saying what it is.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field

from annotator.core.errors import ImportFailed

MAX_CANVASES = 5000
MAX_ANNOTATIONS = 200_000
_XYWH = re.compile(r"xywh=(?:pixel:)?(-?[\d.]+),(-?[\d.]+),([\d.]+),([\d.]+)")
_TAGS = re.compile(r"<[^>]*>")


@dataclass(slots=True)
class ImageRef:
    """Where a canvas's picture is: an Image API ``service`` (base URI, API major
    version) and/or the image resource's own ``url``; sizes in pixels (0: unknown)."""

    url: str = ""
    service: str = ""
    service_version: int = 2
    level0: bool | None = None
    width: int = 0
    height: int = 0


@dataclass(slots=True)
class ForeignAnnotation:
    """An annotation the manifest carries: a rectangle in canvas units (None: the
    whole canvas), its texts, tags and who made it."""

    id: str
    canvas: str
    xywh: tuple[float, float, float, float] | None
    notes: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    creator: str = ""
    created: str = ""
    modified: str = ""


@dataclass(slots=True)
class Canvas:
    id: str
    label: str
    width: float
    height: float
    image: ImageRef | None


@dataclass(slots=True)
class Manifest:
    id: str
    version: int
    label: str
    summary: str = ""
    attribution: str = ""
    rights: str = ""
    see_also: list[str] = field(default_factory=list)
    metadata: list[tuple[str, str]] = field(default_factory=list)
    canvases: list[Canvas] = field(default_factory=list)
    annotations: list[ForeignAnnotation] = field(default_factory=list)
    annotation_lists: list[tuple[str, str]] = field(default_factory=list)  # (canvas, URL)
    skipped: int = 0  # annotations not understood


# -- small readers that accept anything -------------------------------------------------

def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list:
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


def _id(value: object) -> str:
    """The id of a resource given as a string or an object (v2 ``@id``, v3 ``id``)."""
    if isinstance(value, str):
        return value.strip()
    value = _dict(value)
    found = value.get("id", value.get("@id"))
    return found.strip() if isinstance(found, str) else ""


def text_of(value: object, limit: int = 10_000) -> str:
    """A display string from a v2 string/``@value`` list or a v3 language map, HTML
    reduced to its text."""
    parts: list[str] = []
    if isinstance(value, str):
        parts = [value]
    elif isinstance(value, dict):
        if "@value" in value:
            parts = [value["@value"]] if isinstance(value["@value"], str) else []
        else:  # v3 language map: the first language given ("none" counts)
            for values in value.values():
                parts = [v for v in _list(values) if isinstance(v, str)]
                if parts:
                    break
    elif isinstance(value, list):
        parts = [text_of(v, limit) for v in value[:50]]
    joined = "; ".join(p for p in parts if p)
    if "<" in joined:
        joined = _TAGS.sub(" ", joined)
    return " ".join(html.unescape(joined).split())[:limit]


def _number(value: object) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 1e7:
        return float(value)
    return 0.0


def xywh_of(fragment: str) -> tuple[float, float, float, float] | None:
    found = _XYWH.search(fragment)
    if not found:
        return None
    try:
        x, y, w, h = (float(v) for v in found.groups())
    except ValueError:
        return None
    if not all(abs(v) < 1e7 for v in (x, y, w, h)) or w <= 0 or h <= 0:
        return None
    return x, y, w, h


# -- the manifest ------------------------------------------------------------------------

def parse_manifest(data: bytes, url: str = "") -> Manifest:
    """The manifest in ``data``; ImportFailed when it is not one."""
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype", b"<html", b"<?xml", b"<")):
        raise ImportFailed(f"{url or 'the file'} is an HTML or XML page, not a IIIF manifest "
                           "(JSON); check the address (a viewer's page is not its manifest).")
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ImportFailed(f"{url or 'the file'} is not valid JSON ({str(exc)[:120]}); it is "
                           "not a IIIF manifest.") from None
    if not isinstance(doc, dict):
        raise ImportFailed("the JSON is not a IIIF manifest (it is not an object).")
    kind = str(doc.get("type", doc.get("@type", "")))
    contexts = json.dumps(doc.get("@context", ""))
    if kind in ("Collection", "sc:Collection"):
        raise ImportFailed("this is a IIIF collection of manifests; import one of its "
                           "manifests.")
    if kind not in ("Manifest", "sc:Manifest"):
        raise ImportFailed(f"the JSON is not a IIIF manifest (its type is {kind[:40]!r}).")
    version = 3 if kind == "Manifest" or "presentation/3" in contexts else 2
    manifest = Manifest(_id(doc), version, text_of(doc.get("label"), 500) or "IIIF manifest")
    manifest.summary = text_of(doc.get("summary", doc.get("description")))
    if version == 3:
        manifest.attribution = text_of(_dict(doc.get("requiredStatement")).get("value"))
        manifest.rights = doc["rights"] if isinstance(doc.get("rights"), str) else ""
    else:
        manifest.attribution = text_of(doc.get("attribution"))
        manifest.rights = "; ".join(_id(v) for v in _list(doc.get("license")) if _id(v))
    manifest.see_also = [_id(v) for v in _list(doc.get("seeAlso"))[:50] if _id(v)]
    for pair in _list(doc.get("metadata"))[:500]:
        pair = _dict(pair)
        label, value = text_of(pair.get("label"), 200), text_of(pair.get("value"))
        if label or value:
            manifest.metadata.append((label, value))
    if version == 3:
        canvases = _list(doc.get("items"))
    else:
        canvases = _list(_dict(_list(doc.get("sequences"))[0] if _list(doc.get("sequences"))
                               else {}).get("canvases"))
    if len(canvases) > MAX_CANVASES:
        raise ImportFailed(f"the manifest has {len(canvases):,} canvases; at most "
                           f"{MAX_CANVASES:,} are imported as one document.")
    for raw in canvases:
        raw = _dict(raw)
        canvas_id = _id(raw)
        if not canvas_id:
            continue
        image = _image_v3(raw) if version == 3 else _image_v2(raw)
        canvas = Canvas(canvas_id, text_of(raw.get("label"), 200), _number(raw.get("width")),
                        _number(raw.get("height")), image)
        manifest.canvases.append(canvas)
        key = "annotations" if version == 3 else "otherContent"
        for page in _list(raw.get(key))[:100]:
            read_annotation_page(manifest, page, canvas_id)
    if not manifest.canvases:
        raise ImportFailed("the manifest has no canvas with an image; nothing to import.")
    return manifest


def _service(value: object) -> tuple[str, int, bool | None]:
    """(base URI, Image API major version, level 0?) of the first image service."""
    for service in _list(value):
        service = _dict(service)
        base = _id(service)
        if not base:
            continue
        kind = str(service.get("type", service.get("@type", "")))
        context = json.dumps(service.get("@context", ""))
        version = 3 if kind == "ImageService3" or "image/3" in context else 2
        profile = json.dumps(service.get("profile", ""))
        level0 = True if "level0" in profile else False if re.search(r"level[12]", profile) \
            else None
        return base.rstrip("/").removesuffix("/info.json"), version, level0
    return "", 2, None


def _image_from(resource: dict) -> ImageRef:
    base, version, level0 = _service(resource.get("service"))
    return ImageRef(_id(resource), base, version, level0, int(_number(resource.get("width"))),
                    int(_number(resource.get("height"))))


def _image_v2(canvas: dict) -> ImageRef | None:
    for image in _list(canvas.get("images")):
        resource = _dict(_dict(image).get("resource"))
        if resource.get("@type") == "oa:Choice":
            resource = _dict(resource.get("default"))
        if _id(resource) or resource.get("service"):
            return _image_from(resource)
    return None


def _image_v3(canvas: dict) -> ImageRef | None:
    for page in _list(canvas.get("items")):
        for anno in _list(_dict(page).get("items")):
            for body in _list(_dict(anno).get("body")):
                body = _dict(body)
                if body.get("type") == "Choice":
                    body = _dict(_list(body.get("items"))[0] if _list(body.get("items"))
                                 else {})
                if body.get("type", "Image") == "Image" and (_id(body) or body.get("service")):
                    return _image_from(body)
    return None


# -- annotations -------------------------------------------------------------------------

def read_annotation_page(manifest: Manifest, page: object, canvas_id: str) -> None:
    """Annotations of a v3 AnnotationPage or a v2 AnnotationList: embedded ones are
    read now, a referenced page is noted for fetching."""
    page = _dict(page) if not isinstance(page, str) else {"id": page}
    items = page.get("items", page.get("resources"))
    if items is None:
        if _id(page):
            manifest.annotation_lists.append((canvas_id, _id(page)))
        return
    for raw in _list(items):
        if len(manifest.annotations) >= MAX_ANNOTATIONS:
            raise ImportFailed(f"the manifest carries more than {MAX_ANNOTATIONS:,} "
                               "annotations; nothing was imported.")
        found = _annotation(_dict(raw), canvas_id, len(manifest.annotations))
        if found is None:
            manifest.skipped += 1
        else:
            manifest.annotations.append(found)


def _target(value: object, canvas_id: str) -> tuple[str, tuple | None] | None:
    """(canvas, xywh) of a target; None when it is on no canvas we know of."""
    for target in _list(value)[:1]:
        if isinstance(target, str):
            source, _, fragment = target.partition("#")
            return source or canvas_id, xywh_of(fragment)
        target = _dict(target)
        source = _id(target.get("source", target.get("full"))) or _id(target)
        selector = _dict(_list(target.get("selector"))[0] if _list(target.get("selector"))
                         else {})
        value_ = selector.get("value")
        xywh = xywh_of(value_) if isinstance(value_, str) else None
        return source.partition("#")[0] or canvas_id, xywh or xywh_of(source)
    return None


def _annotation(raw: dict, canvas_id: str, index: int) -> ForeignAnnotation | None:
    motivations = " ".join(str(m) for m in _list(raw.get("motivation")))
    target = _target(raw.get("target", raw.get("on")), canvas_id)
    if target is None:
        return None
    notes: list[str] = []
    tags: list[str] = []
    for body in _list(raw.get("body", raw.get("resource")))[:100]:
        if isinstance(body, str):
            continue
        body = _dict(body)
        value = text_of(body.get("value", body.get("chars")), 100_000)
        if not value:
            continue
        purpose = " ".join(str(p) for p in _list(body.get("purpose")))
        if "tagging" in purpose or "classifying" in purpose or body.get("@type") == "oa:Tag":
            tags.append(value[:200])
        else:
            notes.append(value)
    if not notes and not tags and "highlighting" not in motivations:
        return None
    creator = raw.get("creator", raw.get("annotatedBy"))
    creator_name = text_of(_dict(creator).get("name", _dict(creator).get("label"))
                           if isinstance(creator, dict) else creator, 200)
    stamp = raw.get("created", raw.get("annotatedAt"))
    changed = raw.get("modified")
    return ForeignAnnotation(
        _id(raw) or f"{target[0]}#annotation-{index}", target[0], target[1], notes, tags,
        creator_name, stamp if isinstance(stamp, str) else "",
        changed if isinstance(changed, str) else "")
