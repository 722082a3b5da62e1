"""Annotations as a IIIF Presentation 3 manifest, for a IIIF viewer (Mirador, the
Universal Viewer) to show on the scans.

Each page of an exported scan is a canvas; our annotations are W3C annotations in an
AnnotationPage of ``annotations`` on it, their bodies TextualBodies (the note
``commenting``, each tag ``tagging``, the entity and a date ``identifying``, a
transcribed quote ``describing``), their target ``canvas#xywh=…`` in the canvas's
own units (regions are kept in page points: scaled by canvas width / page width).

- A scan that came from a IIIF manifest is written against that manifest's canvases
  (their ids, sizes and image services, ``partOf`` the original manifest), so the
  annotations sit on the pages the archive publishes.
- Any other scan gets canvases of its own: each page's image is written beside the
  manifest (``<name>-images/``, the image's own bytes where it is one JPEG or PNG,
  else the page rendered at 150 dpi), addressed under ``base_url`` (default
  ``http://localhost:8000/``: serve the folder with ``python -m http.server`` and
  open the manifest in a viewer). IIIF ids must be http(s) URIs.
- A passage of a transcription goes onto its scan through the word alignment
  (:mod:`annotator.core.word_alignment`): one annotation per page it covers, on the
  box of its aligned words; a passage without alignment is counted in a warning.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from annotator import __version__
from annotator.core.errors import AnnotatorError
from annotator.core.exporters.base import (
    ExportFilter,
    ExportResult,
    Lookup,
    Progress,
    Ticker,
    atomic_file,
    count_annotations,
    iter_annotations,
    region_warnings,
    safe_filename,
    source_bytes,
)
from annotator.core.importers.pdf import mupdf_locked
from annotator.core.model import Annotation, Document, DocumentKind

if TYPE_CHECKING:
    from annotator.core.project import Project

PRESENTATION = "http://iiif.io/api/presentation/3/context.json"
DEFAULT_BASE = "http://localhost:8000/"
RENDER_DPI = 150


def _label(text: str) -> dict:
    return {"none": [text or "—"]}


def _xywh(box: tuple[float, float, float, float], scale: tuple[float, float]) -> str:
    x0, y0, x1, y1 = box
    sx, sy = scale
    x, y = max(0, round(x0 * sx)), max(0, round(y0 * sy))
    return f"xywh={x},{y},{max(1, round((x1 - x0) * sx))},{max(1, round((y1 - y0) * sy))}"


def _bodies(ann: Annotation, look: Lookup, quote: str = "") -> list[dict]:
    bodies: list[dict] = []
    if ann.note:
        bodies.append({"type": "TextualBody", "purpose": "commenting", "format": "text/plain",
                       "value": ann.note})
    for name in look.tag_names(ann):
        bodies.append({"type": "TextualBody", "purpose": "tagging", "value": name})
    entity = look.entity(ann)
    if entity is not None:
        bodies.append({"type": "TextualBody", "purpose": "identifying",
                       "value": f"{entity.name} ({look.entity_type(entity)})"
                       if look.entity_type(entity) else entity.name})
    if ann.date_value:
        bodies.append({"type": "TextualBody", "purpose": "identifying", "value": ann.date_value})
    if quote:
        bodies.append({"type": "TextualBody", "purpose": "describing", "format": "text/plain",
                       "value": quote})
    return bodies


class _Canvases:
    """The canvases of the exported scans, made on first use: ids, sizes, images."""

    def __init__(self, project: Project, base: str, images: Path, look: Lookup,
                 warnings: list[str]) -> None:
        self.project, self.base, self.images, self.look = project, base, images, look
        self.warnings = warnings
        self.by_doc: dict[str, list[dict]] = {}
        self.scales: dict[tuple[str, int], tuple[float, float]] = {}
        self.order: list[str] = []
        self._used: set[str] = set()

    def of(self, doc: Document) -> list[dict] | None:
        if doc.id in self.by_doc:
            return self.by_doc[doc.id]
        pages = self.project.documents.pages(doc.id)
        iiif = doc.metadata.get("iiif") if isinstance(doc.metadata, dict) else None
        canvases = self._from_manifest(doc, pages, iiif) if isinstance(iiif, dict) else None
        if canvases is None:
            canvases = self._own(doc, pages)
        if canvases is not None:
            self.by_doc[doc.id] = canvases
            self.order.append(doc.id)
        return canvases

    def _from_manifest(self, doc: Document, pages, iiif: dict) -> list[dict] | None:
        known = iiif.get("canvases")
        if not isinstance(known, list) or len(known) != len(pages):
            return None
        out = []
        for page, entry in zip(pages, known, strict=True):
            if not isinstance(entry, dict) or not str(entry.get("id", "")).startswith("http"):
                return None
            width, height = int(entry.get("width") or 0), int(entry.get("height") or 0)
            if width <= 0 or height <= 0:
                return None
            service, version = str(entry.get("service") or ""), entry.get("service_version", 2)
            image = str(entry.get("image") or "")
            body: dict = {"id": f"{service}/full/{'max' if version == 3 else 'full'}/0/"
                                "default.jpg" if service else image,
                          "type": "Image", "format": "image/jpeg", "width": width,
                          "height": height}
            if service:
                level = "level0" if entry.get("level0") is not False else "level1"
                body["service"] = [{"id": service, "type": f"ImageService{version}",
                                    "profile": level if version == 3 else
                                    f"http://iiif.io/api/image/2/{level}.json"}]
            canvas = self._canvas(entry["id"], str(entry.get("label") or f"p. {page.number}"),
                                  width, height, body)
            if str(iiif.get("manifest", "")).startswith("http"):
                canvas["partOf"] = [{"id": iiif["manifest"], "type": "Manifest"}]
            self.scales[(doc.id, page.number)] = (width / page.width, height / page.height)
            out.append(canvas)
        return out

    @mupdf_locked  # MuPDF is single-threaded: the render thread draws too
    def _own(self, doc: Document, pages) -> list[dict] | None:
        from annotator.core.importers.pdf import load_pymupdf

        data = source_bytes(self.project, doc, self.warnings)
        if data is None:
            return None
        pymupdf = load_pymupdf()
        kind = doc.media_type.split("/")[-1]
        try:
            opened = pymupdf.open(stream=data, filetype=kind)
        except Exception:  # MuPDF raises several types
            self.warnings.append(f"“{doc.title}”: its source could not be opened; its "
                                 "annotations were left out")
            return None
        out = []
        try:
            self.images.mkdir(exist_ok=True)
            for page in pages:
                direct = (len(pages) == 1 and doc.media_type in ("image/jpeg", "image/png")
                          and isinstance(doc.metadata.get("pixels"), list))
                if direct:
                    width, height = (int(v) for v in doc.metadata["pixels"][:2])
                    blob, ext, fmt = data, ".jpg" if kind == "jpeg" else ".png", doc.media_type
                else:
                    pix = opened[page.number - 1].get_pixmap(dpi=RENDER_DPI)
                    width, height = pix.width, pix.height
                    blob, ext, fmt = pix.tobytes("jpeg", jpg_quality=85), ".jpg", "image/jpeg"
                name = safe_filename(f"{doc.title}-p{page.number:04d}", ext, self._used)
                (self.images / name).write_bytes(blob)
                canvas_id = f"{self.base}canvas/{doc.id}/p{page.number}"
                body = {"id": f"{self.base}{self.images.name}/{name}", "type": "Image",
                        "format": fmt, "width": width, "height": height}
                out.append(self._canvas(canvas_id, f"{doc.title}, p. {page.number}", width,
                                        height, body))
                self.scales[(doc.id, page.number)] = (width / page.width,
                                                      height / page.height)
        finally:
            opened.close()
        return out

    def _canvas(self, canvas_id: str, label: str, width: int, height: int,
                body: dict) -> dict:
        return {"id": canvas_id, "type": "Canvas", "label": _label(label), "width": width,
                "height": height,
                "items": [{"id": f"{canvas_id}/painting", "type": "AnnotationPage",
                           "items": [{"id": f"{canvas_id}/painting/image",
                                      "type": "Annotation", "motivation": "painting",
                                      "body": body, "target": canvas_id}]}],
                "annotations": []}


def _annotation(ann: Annotation, look: Lookup, base: str, target: str, part: int = 0,
                quote: str = "") -> dict:
    bodies = _bodies(ann, look, quote)
    motivation = ("commenting" if ann.note else "tagging" if ann.tag_ids else
                  "identifying" if ann.entity_id else "highlighting")
    item: dict = {"id": f"{base}annotation/{ann.id}" + (f"/{part}" if part else ""),
                  "type": "Annotation", "motivation": motivation, "target": target}
    if bodies:
        item["body"] = bodies
    return item


def export_iiif(project: Project, out: str | Path, *, filt: ExportFilter | None = None,
                progress: Progress = None, base_url: str = DEFAULT_BASE) -> ExportResult:
    """Write one Presentation 3 manifest of the scans the filtered annotations are on."""
    from annotator.core.word_alignment import on_scan

    out = Path(out)
    base = base_url if base_url.endswith("/") else base_url + "/"
    if not base.startswith(("http://", "https://")):
        raise AnnotatorError("the IIIF export's base URL must be an http(s) address.")
    look = Lookup(project)
    warnings = region_warnings(project, filt)
    canvases = _Canvases(project, base, out.parent / f"{out.stem}-images", look, warnings)
    pages: dict[tuple[str, int], list[dict]] = {}
    ticker = Ticker(progress, count_annotations(project, filt))
    exported, unaligned, cache = 0, 0, {}
    for ann in iter_annotations(project, filt):
        ticker.step()
        doc = look.documents.get(ann.document_id)
        if doc is None:
            continue
        if ann.region is not None and doc.kind == DocumentKind.PAGED:
            if canvases.of(doc) is None:
                continue
            g = ann.region
            target = f"{canvases.by_doc[doc.id][g.page - 1]['id']}#" + _xywh(
                (g.x, g.y, g.x + g.w, g.y + g.h), canvases.scales[(doc.id, g.page)])
            pages.setdefault((doc.id, g.page), []).append(
                _annotation(ann, look, base, target, quote=g.text))
            exported += 1
        elif ann.text is not None:
            places = on_scan(project, doc.id, ann.text.start, ann.text.end, cache)
            placed = False
            for part, place in enumerate(places, 1):
                scan = look.documents.get(place["document"])
                if scan is None or canvases.of(scan) is None or not place["boxes"]:
                    continue
                boxes = place["boxes"]
                box = (min(b[0] for b in boxes), min(b[1] for b in boxes),
                       max(b[2] for b in boxes), max(b[3] for b in boxes))
                target = f"{canvases.by_doc[scan.id][place['page'] - 1]['id']}#" + _xywh(
                    box, canvases.scales[(scan.id, place["page"])])
                pages.setdefault((scan.id, place["page"]), []).append(_annotation(
                    ann, look, base, target, part if len(places) > 1 else 0, ann.text.exact))
                placed = True
            exported += placed
            unaligned += not placed
    if unaligned:
        warnings.append(f"{unaligned} passage(s) of transcriptions are not aligned with a "
                        "scan (link the transcription to its scan, which needs a text layer); "
                        "they were left out")
    if not canvases.order:
        raise AnnotatorError("none of the annotations chosen is on a scan (or a "
                             "transcription aligned with one): there is nothing to show in a "
                             "IIIF viewer.")
    items = []
    for doc_id in canvases.order:
        for number, canvas in enumerate(canvases.by_doc[doc_id], 1):
            found = pages.get((doc_id, number))
            if found:
                canvas["annotations"] = [{"id": f"{base}annotations/{doc_id}/p{number}",
                                          "type": "AnnotationPage", "items": found}]
            else:
                del canvas["annotations"]
            items.append(canvas)
    titles = [look.documents[d].title for d in canvases.order]
    manifest = {"@context": PRESENTATION, "id": f"{base}{out.name}", "type": "Manifest",
                "label": _label(project.title or "; ".join(titles)),
                "summary": _label(f"Annotations from annotator {__version__}: "
                                  + "; ".join(titles)),
                "items": items}
    with atomic_file(out, "w", encoding="utf-8", newline="\n") as fh:
        json.dump(manifest, fh, ensure_ascii=False, indent=1)
    ticker.finish()
    paths = [out] + ([canvases.images] if canvases.images.is_dir() else [])
    return ExportResult(paths, exported, warnings)
