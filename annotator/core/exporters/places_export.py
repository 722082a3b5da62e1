"""Places on a map (issue 15): every entity with coordinates (a gazetteer match or typed
by hand) as a GeoJSON point (RFC 7946: QGIS, uMap, Leaflet) or a KML placemark
(Google Earth), with its mentions and their dates.

A mention's date is the annotation's own date if it has one, else its document's
date: what the scholar would read off the source. Entities without coordinates are
left out and counted in the result's warnings.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from annotator.core import entity_ops
from annotator.core.exporters.base import (
    ExportFilter,
    ExportResult,
    Progress,
    atomic_file,
    xml_safe,
)
from annotator.core.places import coordinates

if TYPE_CHECKING:
    from annotator.core.project import Project


def _places(project: Project, filt: ExportFilter | None) -> tuple[list[dict], list[str]]:
    """Each located entity (of the filter's entity, if it names one) as a dict with
    its mentions; the names of entities with mentions but no coordinates."""
    dates = {d.id: str(d.metadata.get("date", "")) for d in project.documents.list()}
    out, missing = [], []
    types = {t.id: t.name for t in project.tags.list()}
    for entity in project.entities.list():
        if filt is not None and filt.entity_id and entity.id != filt.entity_id:
            continue
        point = coordinates(entity)
        if point is None:
            if types.get(entity.type_id, "").casefold() == "place":
                missing.append(entity.name)
            continue
        mentions = []
        for m in entity_ops.mentions(project, entity.id, context=0):
            if filt is not None and filt.document_id and m.document_id != filt.document_id:
                continue
            ann = project.annotations.get(m.annotation_id)
            date = (ann.date_value if ann else "") or dates.get(m.document_id, "")
            mentions.append({"annotation": m.annotation_id, "document": m.document_title,
                             "quote": m.quote, "date": date})
        out.append({"id": entity.id, "name": entity.name,
                    "type": types.get(entity.type_id, ""), "aliases": entity.aliases,
                    "geonames": entity.identifiers.get("geonames", ""),
                    "lat": point[0], "lon": point[1], "mentions": mentions})
    return out, missing


def _warnings(missing: list[str]) -> list[str]:
    if not missing:
        return []
    return [f"{len(missing)} place(s) without coordinates left out: "
            f"{', '.join(missing[:10])}{' …' if len(missing) > 10 else ''} "
            "(annotator entities P --locate NAME finds them in the gazetteer)"]


def export_geojson(project: Project, out: str | Path, *, filt: ExportFilter | None = None,
                   progress: Progress = None) -> ExportResult:
    places, missing = _places(project, filt)
    features = [{
        "type": "Feature", "id": p["id"],
        # RFC 7946: longitude first
        "geometry": {"type": "Point", "coordinates": [round(p["lon"], 6), round(p["lat"], 6)]},
        "properties": {k: p[k] for k in ("name", "type", "aliases", "geonames", "mentions")}
        | {"mention_count": len(p["mentions"]),
           "dates": sorted({m["date"] for m in p["mentions"] if m["date"]})},
    } for p in places]
    out = Path(out)
    with atomic_file(out, encoding="utf-8", newline="\n") as fh:
        json.dump({"type": "FeatureCollection", "features": features}, fh,
                  ensure_ascii=False, indent=1)
        fh.write("\n")
    return ExportResult([out], sum(len(p["mentions"]) for p in places), _warnings(missing))


def export_kml(project: Project, out: str | Path, *, filt: ExportFilter | None = None,
               progress: Progress = None) -> ExportResult:
    places, missing = _places(project, filt)
    out = Path(out)
    with atomic_file(out, encoding="utf-8", newline="\n") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                 '<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
                 f"<name>{escape(xml_safe(project.title))}</name>\n")
        for p in places:
            lines = [f"“{m['quote']}” — {m['document']}" + (f" ({m['date']})" if m["date"] else "")
                     for m in p["mentions"]]
            dates = sorted(m["date"][:10] for m in p["mentions"] if m["date"][:4].isdigit())
            span = (f"<TimeSpan><begin>{escape(dates[0])}</begin><end>{escape(dates[-1])}</end>"
                    "</TimeSpan>") if dates and "/" not in dates[0] + dates[-1] else ""
            fh.write(f"<Placemark id=\"{escape(p['id'])}\"><name>{escape(xml_safe(p['name']))}"
                     f"</name><description>{escape(xml_safe(chr(10).join(lines)))}</description>"
                     f"{span}<Point><coordinates>{p['lon']:.6f},{p['lat']:.6f}</coordinates>"
                     "</Point></Placemark>\n")
        fh.write("</Document></kml>\n")
    return ExportResult([out], sum(len(p["mentions"]) for p in places), _warnings(missing))
