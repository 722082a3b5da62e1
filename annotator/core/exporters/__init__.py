"""Exports, one module per format, and a registry the CLI and the GUI's Export menu
read: each format's key, label, file extension, whether it writes a folder, and the
function. Format modules are imported only when used (PyMuPDF only for PDFs).

Every export has the signature ``fn(project, out, *, filt=None, progress=None,
**options) -> ExportResult``; ``progress(done, total)`` returning False cancels and
leaves nothing behind.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.core.errors import AnnotatorError
from annotator.core.exporters.base import (
    ExportCancelled,
    ExportFilter,
    ExportResult,
    Progress,
    safe_filename,
)

if TYPE_CHECKING:
    from annotator.core.project import Project

__all__ = ["FORMATS", "ExportCancelled", "ExportFilter", "ExportFormat", "ExportResult",
           "Progress", "export", "safe_filename"]


@dataclass(frozen=True, slots=True)
class ExportFormat:
    key: str
    label: str  # for a menu entry: "Export ▸ <label>…"
    extension: str  # of the file written ("" when ``folder``)
    folder: bool  # writes a folder of files (one per document) unless told otherwise
    module: str
    function: str
    options: tuple[tuple[str, Any], ...] = ()  # fixed keyword arguments

    def run(self, project: Project, out: str | Path, *, filt: ExportFilter | None = None,
            progress: Progress = None, **options: Any) -> ExportResult:
        fn = getattr(importlib.import_module(f"annotator.core.exporters.{self.module}"),
                     self.function)
        return fn(project, out, filt=filt, progress=progress, **dict(self.options), **options)


FORMATS: dict[str, ExportFormat] = {f.key: f for f in (
    ExportFormat("csv", "CSV for spreadsheets", ".csv", False, "csv_export", "export_csv"),
    ExportFormat("xlsx", "Excel workbook (.xlsx)", ".xlsx", False, "xlsx_export", "export_xlsx"),
    ExportFormat("w3c", "W3C Web Annotations (JSON-LD)", ".jsonld", False, "w3c", "export_w3c"),
    ExportFormat("tei", "TEI P5 (one file per document, or a corpus .xml)", "", True, "tei",
                 "export_tei"),
    ExportFormat("qdpx", "REFI-QDA project (.qdpx) for MAXQDA, ATLAS.ti, NVivo, QualCoder",
                 ".qdpx", False, "qdpx", "export_qdpx"),
    ExportFormat("pdf", "Annotated PDFs (one per document)", "", True, "pdf_export",
                 "export_pdf"),
    ExportFormat("html", "Quotation report (HTML)", ".html", False, "report", "export_report",
                 (("fmt", "html"),)),
    ExportFormat("md", "Quotation report (Markdown)", ".md", False, "report", "export_report",
                 (("fmt", "md"),)),
    ExportFormat("iiif", "IIIF Presentation 3 manifest (for Mirador)", ".json", False, "iiif",
                 "export_iiif"),
    ExportFormat("alto", "Text layer as ALTO v4 (one file per page)", "", True, "layout",
                 "export_layout", (("fmt", "alto"),)),
    ExportFormat("pagexml", "Text layer as PAGE XML 2019 (one file per page)", "", True,
                 "layout", "export_layout", (("fmt", "pagexml"),)),
    # issue 15: the network of entities, and the places on a map
    ExportFormat("gexf", "Network as GEXF (Gephi)", ".gexf", False, "network_export",
                 "export_gexf"),
    ExportFormat("graphml", "Network as GraphML (Cytoscape, yEd, nodegoat)", ".graphml", False,
                 "network_export", "export_graphml"),
    ExportFormat("palladio", "Network as Palladio CSV (edges and nodes)", "", True,
                 "network_export", "export_palladio"),
    ExportFormat("geojson", "Places as GeoJSON (QGIS, uMap, Leaflet)", ".geojson", False,
                 "places_export", "export_geojson"),
    ExportFormat("kml", "Places as KML (Google Earth)", ".kml", False, "places_export",
                 "export_kml"),
)}


def export(project: Project, fmt: str, out: str | Path, *, filt: ExportFilter | None = None,
           progress: Progress = None, **options: Any) -> ExportResult:
    """Run the export called ``fmt`` (a key of FORMATS)."""
    try:
        spec = FORMATS[fmt]
    except KeyError:
        raise AnnotatorError(f"unknown export format {fmt!r}; choose one of "
                             f"{', '.join(FORMATS)}.") from None
    return spec.run(project, out, filt=filt, progress=progress, **options)
