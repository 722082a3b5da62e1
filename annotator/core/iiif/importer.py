"""Importing a IIIF manifest (by URL or from a file) as one paged document: its
canvases' images, its metadata, and the annotations it carries.

Two halves, like every import: :func:`prepare_iiif` fetches and reads without the
project (a worker thread runs it in the workbench; its pages are gathered in a
partial folder beside the project, so a cancel or a crash loses nothing fetched),
:func:`store_iiif` writes the document and the manifest's annotations in one action.
The images are stored like any scan: one image as it came, several put into one PDF
(the helper the ALTO importer uses), so regions and page sizes behave the same.

What is kept in the document's metadata: ``url`` (the manifest's address),
``rights``, and ``iiif``: the manifest's id and version, label, summary,
attribution, rights, ``seeAlso``, its metadata pairs, and per page the canvas (id,
label, size in canvas units, image service) an export writes back against.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.core.errors import ImportFailed
from annotator.core.iiif.fetch import Fetcher, FetchProgress, partial_folder
from annotator.core.iiif.manifest import Manifest, parse_manifest, read_annotation_page
from annotator.core.iiif.net import MAX_MANIFEST_BYTES, Web, check_url

if TYPE_CHECKING:
    from annotator.core.changes import OpResult
    from annotator.core.importers.base import ImportedSource
    from annotator.core.prepared_import import ImportReport, PreparedImport
    from annotator.core.project import Project

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")
_MARKERS = (b"iiif.io/api/presentation", b"sc:Manifest")


def is_manifest_ref(ref: str) -> bool:
    """Whether ``annotator import`` should read ``ref`` as a IIIF manifest: any
    address with a scheme (``https://``, and ``file:`` too, to refuse it clearly) or
    a local JSON file that says it is a Presentation manifest."""
    if _SCHEME.match(ref) and not re.match(r"^[A-Za-z]:[\\/]", ref):  # not C:\…
        return True
    path = Path(ref)
    if path.suffix.lower() not in (".json", ".jsonld") or not path.is_file():
        return False
    try:
        with open(path, "rb") as fh:
            head = fh.read(65536)
    except OSError:
        return False
    return any(m in head for m in _MARKERS)


def partial_root(project_path: Path) -> Path:
    """The folder beside a project where IIIF pages are gathered until imported."""
    return project_path.parent / f".{project_path.name}.iiif-downloads"


@dataclass(slots=True)
class PreparedIIIF:
    """A manifest read and its images fetched, not yet stored."""

    ref: str
    url: str
    manifest: Manifest
    prepared: PreparedImport
    folder: Path
    warnings: list[str] = field(default_factory=list)


def read_manifest(ref: str, web: Web) -> tuple[Manifest, str, list[str]]:
    """The manifest at ``ref`` (an http(s) URL or a file), its address, and warnings
    about annotation lists that could not be fetched."""
    if _SCHEME.match(ref) and not re.match(r"^[A-Za-z]:[\\/]", ref):
        url = check_url(ref, web.allowed_hosts)
        data = web.get(url, MAX_MANIFEST_BYTES)[0]
    else:
        path = Path(ref)
        if not path.is_file():
            raise ImportFailed(f"there is no manifest file at {ref}.")
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            raise ImportFailed(f"{path.name} is larger than {MAX_MANIFEST_BYTES // 2**20} MB; "
                               "it is not a manifest we can read.")
        data, url = path.read_bytes(), ""
    manifest = parse_manifest(data, url or Path(ref).name)
    url = url or (manifest.id if manifest.id.startswith(("http://", "https://")) else "")
    warnings: list[str] = []
    for canvas_id, list_url in manifest.annotation_lists[:500]:
        try:
            page = json.loads(web.get(list_url, MAX_MANIFEST_BYTES)[0])
            read_annotation_page(manifest, page, canvas_id)
        except (ImportFailed, ValueError, RecursionError) as exc:
            warnings.append(f"the annotations at {list_url[:120]} were not read: "
                            f"{str(exc)[:200]}")
    if manifest.skipped:
        warnings.append(f"{manifest.skipped} annotation(s) of the manifest have no text, tag "
                        "or canvas we could read; they were left out")
    return manifest, url, warnings


def prepare_iiif(ref: str, download_root: Path, *, size: str = "max", web: Web | None = None,
                 progress: FetchProgress = None, cancelled=None) -> PreparedIIIF:
    """Read the manifest and fetch its pages (resuming in ``download_root``); never
    touches a project."""
    from annotator.core.prepared_import import PreparedImport

    web = web or Web()
    manifest, url, warnings = read_manifest(ref, web)
    folder = partial_folder(download_root, url or manifest.id or ref, size)
    fetcher = Fetcher(web, folder, size)
    fetcher.cancelled = cancelled
    paths = fetcher.fetch_all(manifest.canvases, progress)
    source = build_source(manifest, url, paths)
    source.warnings[:0] = warnings
    prepared = PreparedImport(ref, source.filename, source.data,
                              hashlib.sha256(source.data).hexdigest(), source)
    return PreparedIIIF(ref, url, manifest, prepared, folder, warnings)


def build_source(manifest: Manifest, url: str, paths: list[Path]) -> ImportedSource:
    """One paged document of the fetched images, with the manifest's metadata."""
    from annotator.core.importers import sniff
    from annotator.core.importers.image import read_image
    from annotator.core.importers.text import title_from_filename
    from annotator.core.importers.transcription import _combine

    images = []
    for index, path in enumerate(paths):
        data = path.read_bytes()
        kind = sniff(data) or ""
        try:
            images.append(read_image(f"page-{index + 1:04d}{path.suffix}", data, kind))
        except ImportFailed as exc:
            raise ImportFailed(f"the image of canvas {index + 1} cannot be read: {exc}") \
                from None
    title = manifest.label or title_from_filename(url.rsplit("/", 1)[-1] or "IIIF manifest")
    if len(images) == 1 and len(images[0].pages) == 1:
        source = images[0]
        source.filename = f"{title[:80]}{Path(source.filename).suffix}"
    else:
        from annotator.core.importers.base import ImportedPage, ImportedSource
        from annotator.core.model import DocumentKind

        data = _combine([(image, 0) for image in images])
        source = ImportedSource(title, DocumentKind.PAGED, "application/pdf", f"{title[:80]}.pdf",
                                data, pages=[ImportedPage(i + 1, im.pages[0].width,
                                                          im.pages[0].height, is_scan=True)
                                             for i, im in enumerate(images)])
        source.warnings = [w for im in images for w in im.warnings]
    source.title = title
    source.metadata.update(_metadata(manifest, url, images))
    return source


def _metadata(manifest: Manifest, url: str, images: list) -> dict:
    canvases = []
    for canvas, image in zip(manifest.canvases, images, strict=True):
        pixels = image.metadata.get("pixels") or [0, 0]
        entry = {"id": canvas.id, "label": canvas.label,
                 "width": canvas.width or pixels[0], "height": canvas.height or pixels[1],
                 "pixels": pixels}
        if canvas.image is not None:
            entry.update({"image": canvas.image.url, "service": canvas.image.service,
                          "service_version": canvas.image.service_version,
                          "level0": canvas.image.level0})
        canvases.append(entry)
    iiif = {"manifest": url, "id": manifest.id, "version": manifest.version,
            "label": manifest.label, "summary": manifest.summary,
            "attribution": manifest.attribution, "rights": manifest.rights,
            "seeAlso": manifest.see_also, "metadata": [list(p) for p in manifest.metadata],
            "canvases": canvases}
    found = {"iiif": {k: v for k, v in iiif.items() if v not in ("", [], None)}}
    if url:
        found["url"] = url
    if manifest.rights or manifest.attribution:
        found["rights"] = "; ".join(v for v in (manifest.rights, manifest.attribution) if v)
    return found


def store_iiif(project: Project, ready: PreparedIIIF) -> OpResult[ImportReport]:
    """Write the document and the manifest's annotations as one action; the partial
    folder is removed once they are in the project."""
    from annotator.core.changes import OpResult

    label = f"Import IIIF manifest “{ready.manifest.label[:60]}”"
    with project.transaction(label):
        result = project.documents.store_import(ready.prepared)
        report = result.value
        changes = result.changes
        if report.document is not None:
            added, ids = _add_annotations(project, report.document.id, ready.manifest)
            changes.annotations |= ids
            if added:
                report.message = "; ".join(m for m in (
                    report.message, f"{added} annotation(s) from the manifest") if m)
    report.warnings = list(dict.fromkeys([*report.warnings, *ready.warnings]))
    shutil.rmtree(ready.folder, ignore_errors=True)
    try:
        ready.folder.parent.rmdir()  # the root, once nothing else is pending in it
    except OSError:
        pass
    return OpResult(report, changes)


def import_iiif(project: Project, ref: str, *, size: str = "max", web: Web | None = None,
                progress: FetchProgress = None) -> OpResult[ImportReport]:
    """``annotator import P URL``: prepare and store in one go."""
    ready = prepare_iiif(ref, partial_root(project.path), size=size, web=web,
                         progress=progress)
    return store_iiif(project, ready)


def _add_annotations(project: Project, document_id: str,
                     manifest: Manifest) -> tuple[int, set[str]]:
    """The manifest's annotations as regions (ids derived from theirs, so a second
    import adds nothing); those on canvases not in the manifest are left out."""
    from annotator.core.annotation_import import AnnotationImportReport
    from annotator.core.annotation_import.common import Resolver, stamp
    from annotator.core.model import AnchorState, Annotation, RegionSelector, TagKind

    pages = {p.number: p for p in project.documents.pages(document_id)}
    index = {c.id: i + 1 for i, c in enumerate(manifest.canvases)}
    resolver = Resolver(project, AnnotationImportReport(manifest.id, "iiif"))
    existing = {r[0] for r in project.conn.execute(
        "SELECT id FROM annotations WHERE document_id = ?", (document_id,))}
    new: list[Annotation] = []
    for foreign in manifest.annotations:
        number = index.get(foreign.canvas)
        page = pages.get(number or 0)
        ann_id = str(uuid.uuid5(uuid.NAMESPACE_URL, foreign.id))
        if page is None or ann_id in existing:
            continue
        existing.add(ann_id)
        canvas = manifest.canvases[number - 1]  # type: ignore[operator]
        sx = page.width / canvas.width if canvas.width else 1.0
        sy = page.height / canvas.height if canvas.height else sx
        x, y, w, h = foreign.xywh or (0, 0, canvas.width or page.width / sx,
                                      canvas.height or page.height / sy)
        x0, y0 = min(max(x * sx, 0), page.width), min(max(y * sy, 0), page.height)
        x1, y1 = min(max((x + w) * sx, 0), page.width), min(max((y + h) * sy, 0), page.height)
        if x1 - x0 <= 0 or y1 - y0 <= 0:
            continue
        tags = [t for t in (resolver.tag([name], TagKind.THEME) for name in foreign.tags) if t]
        author = resolver.author(None, foreign.creator) if foreign.creator \
            else project.author_id()
        created = stamp(foreign.created)
        region = RegionSelector(number, round(x0, 2), round(y0, 2), round(x1 - x0, 2),
                                round(y1 - y0, 2))  # type: ignore[arg-type]
        new.append(Annotation(ann_id, document_id, author, None, region,
                              list(dict.fromkeys(tags)), "\n\n".join(foreign.notes)[:100_000],
                              "", None, "", AnchorState.OK, created,
                              stamp(foreign.modified) if foreign.modified else created))
    resolver.flush()
    if new:
        project.annotations.add_many(new)
    return len(new), {a.id for a in new}


def import_report(project: Project, ref: str, *, size: str = "max",
                  web: Web | None = None) -> ImportReport:
    """:func:`import_iiif` as one line of an import batch: a failure is reported (the
    project untouched, the pages fetched kept for the next try), never raised."""
    from annotator.core.prepared_import import ImportReport

    try:
        return import_iiif(project, ref, size=size, web=web).value
    except ImportFailed as exc:
        return ImportReport(ref, "failed", str(exc))
