"""IIIF: importing a Presentation manifest (v2, v3) with its images fetched through
the Image API, and the export of annotations as a Presentation 3 manifest
(:mod:`annotator.core.exporters.iiif`).

Modules: ``net`` (http(s) only, timeouts, size caps), ``manifest`` (reading v2/v3),
``fetch`` (images at a chosen size, resumable), ``importer`` (one paged document and
the manifest's annotations). Nothing here touches the network unless an import asks.
"""

from annotator.core.iiif.importer import (
    PreparedIIIF,
    import_iiif,
    import_report,
    is_manifest_ref,
    partial_root,
    prepare_iiif,
    store_iiif,
)
from annotator.core.iiif.net import Cancelled, Web

__all__ = ["Cancelled", "PreparedIIIF", "Web", "import_iiif", "import_report", "is_manifest_ref",
           "partial_root", "prepare_iiif", "store_iiif"]
