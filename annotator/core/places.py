"""Where a place entity is: its coordinates, kept among the entity's identifiers.

An entity's identifiers are already a JSON object the scholar edits, merges and
exports ("wikidata=Q…; geonames=…"), so coordinates live there too, as
``coordinates = "lat,lon"`` (WGS 84, decimal degrees), typed by hand or set by
accepting a gazetteer match (which also sets ``geonames``). No schema change, and a
merge of two copies unites them like any identifier.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from annotator.core.changes import OpResult
from annotator.core.errors import AnnotatorError
from annotator.core.model import Entity

if TYPE_CHECKING:
    from annotator.core.gazetteer import Place
    from annotator.core.project import Project

KEY = "coordinates"


def parse_coordinates(text: str) -> tuple[float, float] | None:
    """ "49.8397, 24.0297" or "49.8397 24.0297" -> (lat, lon); None if not a point."""
    parts = text.replace(",", " ").split()
    if len(parts) != 2:
        return None
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def coordinates(entity: Entity) -> tuple[float, float] | None:
    value = entity.identifiers.get(KEY)
    return parse_coordinates(value) if isinstance(value, str) else None


def locate(project: Project, entity_id: str, place: Place) -> OpResult[Entity]:
    """Accept a gazetteer match: the entity gets its GeoNames id and coordinates (the
    coordinates typed by hand before are replaced; undo brings them back)."""
    entity = project.entities.get(entity_id)
    if entity is None or entity.deleted:
        raise AnnotatorError(f"no entity {entity_id!r} in this project.")
    identifiers = {**entity.identifiers, "geonames": str(place.geonames_id),
                   KEY: f"{place.latitude:.5f},{place.longitude:.5f}"}
    with project.transaction(f"Locate “{entity.name}”"):
        return project.entities.update(entity_id, identifiers=identifiers)
