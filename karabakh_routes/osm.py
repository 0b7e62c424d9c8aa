"""Road geometry from a local OpenStreetMap extract: a region of your own, or real geometry for the bundled data.

Two entry points, both reading a local extract (nothing is downloaded):

* :func:`import_osm` builds ``places.geojson``, ``segments.geojson``, ``routes.json`` and
  ``region.json`` (the library's formats, ``docs/data-format.md``) from a small spec that
  lists places and routes: each place is looked up among the extract's place nodes (their
  ``name`` and ``name:*`` tags) or given as ``lat,lon``, snapped to the nearest road node, and
  each segment is the shortest road path (by length) between two consecutive places of a route.
* :func:`snap_segments` replaces the schematic lines of the bundled segments (or of your own)
  by the shortest road path between their end places' nearest road nodes, keeping every
  segment id, so the bundled claims apply unchanged.

``.osm`` and ``.osm.bz2`` (OSM XML) are read with :func:`osmnx.graph_from_xml`, ``.osm.pbf``
with pyosmium. Roads are the ways whose ``highway`` tag is in :data:`ROAD_HIGHWAYS` (or the
values you give). The road network is undirected: one-way tags are not used.

OSM data is © OpenStreetMap contributors, available under the Open Database License (ODbL):
the region metadata written with the files carries that attribution, so every map shows it.
Names from OSM are data: the maps show them escaped.
"""

from __future__ import annotations

import bz2
import functools
import json
import math
import os
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._errors import DataError, DateError, Problem
from ._io import read_json, read_text, write_text_atomic
from .datasets import bundled_path
from .dates import parse_edtf
from .places import PLACE_KINDS, name_keys, normalize_name
from .region import DEFAULT_ATTRIBUTION, REGION_FILE, Region, bundled_region_path, read_region, write_region
from .vocab import DEFAULT_MAX_SNAP_M, ROAD_HIGHWAYS

if TYPE_CHECKING:  # networkx, numpy and pyproj load when an extract is read (the command line's --help stays fast)
    import networkx as nx
    import numpy as np

__all__ = [
    "OSM_ATTRIBUTION",
    "ROAD_HIGHWAYS",
    "DEFAULT_MAX_SNAP_M",
    "ALIAS_TAGS",
    "OsmPlace",
    "RoadNetwork",
    "Snap",
    "OsmImport",
    "read_extract",
    "read_osm_spec",
    "import_osm",
    "snap_segments",
]

PathLike = str | os.PathLike[str]

#: The attribution OpenStreetMap data requires; carried into the region metadata, so maps show it.
OSM_ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"
# ROAD_HIGHWAYS (the ``highway`` values read as roads by default) and DEFAULT_MAX_SNAP_M live in
# vocab.py, so that the CLI's --help reads them without importing this module.
#: The OSM name tags that become a place's aliases (with its ``name`` tag).
ALIAS_TAGS = ("name", "name:hy", "name:az", "name:ru", "name:en")
#: Extract suffixes read, by format.
XML_SUFFIXES = (".osm", ".osm.bz2", ".xml", ".xml.bz2")
PBF_SUFFIXES = (".osm.pbf", ".pbf")
#: OSM ``place`` values -> this library's place kinds.
_KIND_OF_PLACE = {"city": "city", "town": "town"}



@functools.lru_cache(maxsize=1)
def _geod() -> Any:
    from pyproj import Geod

    return Geod(ellps="WGS84")


def _distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Return the distance between two points in metres (WGS84 ellipsoid)."""
    return float(_geod().inv(lon1, lat1, lon2, lat2)[2])


# -- the road network of an extract -------------------------------------------------------------


@dataclass(frozen=True)
class OsmPlace:
    """A place node of the extract (a node with a ``place`` tag and a name)."""

    osm_id: int
    lon: float
    lat: float
    tags: Mapping[str, str]

    @property
    def names(self) -> list[str]:
        """Its ``name`` and ``name:*`` values, ``name`` first."""
        out = [self.tags["name"]] if self.tags.get("name") else []
        out += [v for k, v in sorted(self.tags.items()) if k.startswith("name:") and v]
        return out

    @property
    def label(self) -> str:
        """A readable label: its name, place type and coordinate."""
        first = self.names[0] if self.names else f"node {self.osm_id}"
        return f"{first} ({self.tags.get('place', 'place')}, node {self.osm_id}, {self.lat:.5f},{self.lon:.5f})"


@dataclass
class RoadNetwork:
    """The roads of an extract: an undirected graph of OSM nodes, and the extract's place nodes.

    ``graph`` nodes are OSM node ids with ``x`` (lon) and ``y`` (lat); edges carry ``length``
    (metres, great-circle) and ``name`` (the way's ``name`` or ``ref``, may be empty).
    """

    graph: nx.Graph
    places: list[OsmPlace]
    file: str  #: the extract's file name (no folder)
    highways: tuple[str, ...] = ROAD_HIGHWAYS
    _ids: np.ndarray = field(init=False, repr=False)
    _xy: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        import numpy as np

        nodes = list(self.graph.nodes(data=True))
        self._ids = np.array([n for n, _ in nodes], dtype=np.int64)
        self._xy = np.array([(d["x"], d["y"]) for _, d in nodes], dtype=float).reshape(-1, 2)

    def nearest(self, lon: float, lat: float) -> tuple[int, float]:
        """Return the road node nearest to a point and its distance in metres (WGS84 ellipsoid)."""
        if not len(self._ids):
            raise DataError([Problem(self.file, "file", "highway", "", "an extract with roads: it has no way tagged "
                                     f"highway={'|'.join(self.highways)}")])
        import numpy as np

        dx = (self._xy[:, 0] - lon) * math.cos(math.radians(lat))
        dy = self._xy[:, 1] - lat
        i = int(np.argmin(dx * dx + dy * dy))
        x, y = self._xy[i]
        return int(self._ids[i]), _distance_m(lon, lat, float(x), float(y))

    def path(self, a: int, b: int) -> list[int] | None:
        """Return the shortest road path (by length) from node ``a`` to node ``b``; None if there is none."""
        import networkx as nx

        try:
            return [int(n) for n in nx.shortest_path(self.graph, a, b, weight="length")]
        except nx.NetworkXNoPath:
            return None

    def coords(self, node: int) -> tuple[float, float]:
        """Return ``(lon, lat)`` of a road node."""
        d = self.graph.nodes[node]
        return float(d["x"]), float(d["y"])

    def road_names(self, nodes: Sequence[int]) -> list[str]:
        """Return the names of the roads along a path, in order, each once."""
        seen: dict[str, None] = {}
        for a, b in zip(nodes, nodes[1:]):
            name = self.graph.edges[a, b].get("name", "")
            if name:
                seen.setdefault(name, None)
        return list(seen)


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for s in PBF_SUFFIXES + XML_SUFFIXES:
        if name.endswith(s):
            return s
    return ""


def _check_file(path: Path) -> str:
    """Return the extract's format (``xml`` or ``pbf``); refuse a missing file or an unknown suffix."""
    suffix = _suffix(path)
    if not suffix:
        raise DataError([Problem(str(path), "file", "-", path.name, "an OSM extract named *"
                                 + ", *".join(XML_SUFFIXES + PBF_SUFFIXES))])
    if not path.is_file():
        what = "a file, not a folder" if path.is_dir() else "file not found"
        raise DataError([Problem(str(path), "file", "-", "", what)])
    return "pbf" if suffix in PBF_SUFFIXES else "xml"


def _is_road(value: object, wanted: frozenset[str]) -> bool:
    if isinstance(value, list):
        return any(_is_road(v, wanted) for v in value)
    return isinstance(value, str) and value in wanted


def _way_name(tags: Mapping[str, Any]) -> str:
    for key in ("name", "ref"):
        value = tags.get(key)
        if isinstance(value, list):
            value = "; ".join(str(v) for v in value)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _add_edge(G: nx.Graph, a: int, b: int, length: float, name: str) -> None:
    if a == b:
        return
    old = G.get_edge_data(a, b)
    if old is None or length < old["length"]:
        G.add_edge(a, b, length=length, name=name or (old or {}).get("name", ""))


def _xml_places(path: Path) -> list[OsmPlace]:
    """Return the named place nodes of an OSM XML file (streamed: the file is not held in memory)."""
    opener = bz2.open if path.name.lower().endswith(".bz2") else open
    out: list[OsmPlace] = []
    with opener(path, "rb") as fh:
        for _, elem in ET.iterparse(fh, events=("end",)):
            if elem.tag == "node":
                tags = {t.get("k", ""): t.get("v", "") for t in elem.findall("tag")}
                lon, lat = float(elem.get("lon", "nan")), float(elem.get("lat", "nan"))
                named = any(k == "name" or k.startswith("name:") for k in tags)
                if "place" in tags and named and math.isfinite(lon) and math.isfinite(lat):
                    out.append(OsmPlace(int(elem.get("id", "0")), lon, lat, tags))
                elem.clear()
            elif elem.tag in ("way", "relation"):
                elem.clear()
    return out


def _need(module: str) -> Any:
    """Import ``osmnx`` or ``osmium``; say how to install it when it is missing."""
    from importlib import import_module

    try:
        return import_module(module)
    except ImportError as exc:
        msg = (f"reading an OSM extract needs the {module!r} package: pip install 'karabakh_routes[osm]' "
               f"(or pip install {'osmnx' if module == 'osmnx' else 'osmium'})")
        raise ImportError(msg) from exc


def _read_xml(path: Path, wanted: frozenset[str]) -> tuple[nx.Graph, list[OsmPlace]]:
    import networkx as nx

    ox = _need("osmnx")
    G0 = ox.graph_from_xml(path, simplify=False, retain_all=True)
    G = nx.Graph()
    for u, v, d in G0.edges(data=True):
        if _is_road(d.get("highway"), wanted):
            for n in (u, v):
                if n not in G:
                    G.add_node(int(n), x=float(G0.nodes[n]["x"]), y=float(G0.nodes[n]["y"]))
            _add_edge(G, int(u), int(v), float(d.get("length", 0.0)), _way_name(d))
    return G, _xml_places(path)


def _read_pbf(path: Path, wanted: frozenset[str]) -> tuple[nx.Graph, list[OsmPlace]]:
    import networkx as nx

    osmium = _need("osmium")
    G = nx.Graph()
    places: list[OsmPlace] = []
    for obj in osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY).with_locations():
        if isinstance(obj, osmium.osm.Node):
            tags = {t.k: t.v for t in obj.tags}
            if "place" in tags and any(k == "name" or k.startswith("name:") for k in tags) and obj.location.valid():
                places.append(OsmPlace(int(obj.id), float(obj.location.lon), float(obj.location.lat), tags))
        elif isinstance(obj, osmium.osm.Way):
            if obj.tags.get("highway") not in wanted:
                continue
            name = _way_name({t.k: t.v for t in obj.tags})
            prev: tuple[int, float, float] | None = None
            for ref in obj.nodes:
                if not ref.location.valid():  # a node outside the extract: the way is cut there
                    prev = None
                    continue
                cur = (int(ref.ref), float(ref.location.lon), float(ref.location.lat))
                if cur[0] not in G:
                    G.add_node(cur[0], x=cur[1], y=cur[2])
                if prev is not None:
                    _add_edge(G, prev[0], cur[0], _distance_m(prev[1], prev[2], cur[1], cur[2]), name)
                prev = cur
    return G, places


def read_extract(path: PathLike, *, highways: Iterable[str] = ROAD_HIGHWAYS, retain_all: bool = False) -> RoadNetwork:
    """Read the roads and place nodes of a local OSM extract.

    Parameters
    ----------
    path
        ``.osm`` / ``.osm.bz2`` (OSM XML, read with :func:`osmnx.graph_from_xml`) or
        ``.osm.pbf`` (read with pyosmium).
    highways
        The ``highway`` values read as roads (default :data:`ROAD_HIGHWAYS`).
    retain_all
        Keep every part of the road network; by default only its largest connected part is
        kept (as osmnx does), so that every two snapped places have a path between them.

    Raises
    ------
    DataError
        A missing file, an unknown suffix, or a file that is not a readable extract.
    """
    p = Path(path)
    fmt = _check_file(p)
    wanted = frozenset(highways)
    _need("osmium" if fmt == "pbf" else "osmnx")  # a missing package is not a broken file
    try:
        G, places = _read_pbf(p, wanted) if fmt == "pbf" else _read_xml(p, wanted)
    except DataError:
        raise
    except Exception as exc:  # the parsers raise many kinds of errors on a broken file
        kind = "OSM PBF" if fmt == "pbf" else "OSM XML"
        detail = " ".join(str(exc).split())[:300] or type(exc).__name__
        raise DataError([Problem(str(p), "file", "-", "", f"a readable {kind} extract: {detail}")]) from None
    if not retain_all and G.number_of_nodes():
        import networkx as nx

        keep = max(nx.connected_components(G), key=len)
        G = G.subgraph(keep).copy()
    return RoadNetwork(G, places, p.name, tuple(sorted(wanted)))


# -- the spec: places and routes to build ------------------------------------------------------


@dataclass(frozen=True)
class _SpecPlace:
    index: int
    name: str
    id: str
    kind: str
    aliases: tuple[str, ...]
    at: tuple[float, float] | None  # (lat, lon)
    near: tuple[float, float] | None


@dataclass(frozen=True)
class _SpecRoute:
    index: int
    id: str
    name: str
    aliases: tuple[str, ...]
    places: tuple[str, ...]  # spec place ids
    start: str


@dataclass(frozen=True)
class _Spec:
    file: str
    title: str
    start: str
    end: str
    places: tuple[_SpecPlace, ...]
    routes: tuple[_SpecRoute, ...]
    pairs: tuple[tuple[str, str], ...]


_SLUG_FOLD = str.maketrans("əƏı", "aai")


def _slug(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name.translate(_SLUG_FOLD))
    ascii_only = plain.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "_", ascii_only).strip("_")


def _latlon(value: object) -> tuple[float, float] | None:
    if not isinstance(value, str):
        return None
    parts = [p.strip() for p in value.split(",")]
    if len(parts) != 2:
        return None
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def _shown(value: object) -> str:
    try:
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)[:200]
    except (TypeError, ValueError, RecursionError):
        return repr(value)[:200]


def _names(value: object) -> list[str] | None:
    if value is None:
        return []
    if isinstance(value, list) and all(isinstance(v, str) and normalize_name(v) for v in value):
        return list(value)
    return None


_LATLON = 'text "lat,lon" in degrees, e.g. "39.5075,46.3386"'


def read_osm_spec(path: PathLike) -> _Spec:
    """Read and check an import spec (the JSON format in ``docs/data-format.md``, section *OSM import spec*).

    Raises
    ------
    DataError
        Listing every problem: file, place or route, field, value and what is valid.
    """
    p = Path(path)
    file = str(p)
    doc = read_json(p)
    if not isinstance(doc, dict):
        raise DataError([Problem(file, "file", "-", _shown(doc), 'a JSON object with "places" and "routes"')])
    problems: list[Problem] = []
    known = ("title", "start", "dates", "places", "routes", "segments")
    for key in doc:
        if key not in known:
            problems.append(Problem(file, "spec", str(key), "", f"a known property: one of {', '.join(known)}"))
    title = doc.get("title") or ""
    if not isinstance(title, str):
        problems.append(Problem(file, "spec", "title", _shown(title), "the maps' title (JSON text)"))
        title = ""
    dates = doc.get("dates") or {}
    if not isinstance(dates, dict):
        problems.append(Problem(file, "spec", "dates", _shown(dates), 'an object {"start": EDTF date, "end": EDTF date}'))
        dates = {}
    period: dict[str, str] = {}
    for key in ("start", "end"):
        value = dates.get(key) or ""
        if value and not isinstance(value, str):
            problems.append(Problem(file, "spec", f"dates.{key}", _shown(value), "an EDTF date as JSON text"))
            value = ""
        if value:
            try:
                parse_edtf(value)
            except DateError as exc:
                problems.append(Problem(file, "spec", f"dates.{key}", value, str(exc)))
                value = ""
        period[key] = value
    start = doc.get("start") or period["start"] or "0001-01-01"
    if not isinstance(start, str):
        problems.append(Problem(file, "spec", "start", _shown(start), "an EDTF date as JSON text"))
        start = "0001-01-01"
    else:
        try:
            parse_edtf(start)
        except DateError as exc:
            problems.append(Problem(file, "spec", "start", start, str(exc)))

    places: list[_SpecPlace] = []
    keys: dict[str, str] = {}  # name key -> spec place id
    raw_places = doc.get("places")
    if not isinstance(raw_places, list) or not raw_places:
        problems.append(Problem(file, "spec", "places", _shown(raw_places), "a non-empty JSON array of places"))
        raw_places = []
    for i, rp in enumerate(raw_places):
        where = f"place {i}"
        if not isinstance(rp, dict):
            problems.append(Problem(file, where, "-", _shown(rp), 'an object such as {"name": "Goris"}'))
            continue
        name = rp.get("name")
        if not isinstance(name, str) or not normalize_name(name):
            problems.append(Problem(file, where, "name", _shown(name), "a name with at least one letter or digit"))
            continue
        where = f"place {i} ({name})"
        n_before = len(problems)
        for key in rp:
            if key not in ("name", "id", "kind", "aliases", "at", "near"):
                problems.append(Problem(file, where, str(key), "", "a known property: name, id, kind, aliases, at, near"))
        pid = rp.get("id") or _slug(name) or f"place_{i + 1}"
        if not isinstance(pid, str) or not normalize_name(pid):
            problems.append(Problem(file, where, "id", _shown(pid), "an id with at least one letter or digit"))
            continue
        kind = rp.get("kind") or ""
        if kind and kind not in PLACE_KINDS:
            problems.append(Problem(file, where, "kind", _shown(kind), f"one of {', '.join(PLACE_KINDS)}"))
        aliases = _names(rp.get("aliases"))
        if aliases is None:
            problems.append(Problem(file, where, "aliases", _shown(rp.get("aliases")),
                                    "a JSON array of names, each with a letter or digit"))
            aliases = []
        at = near = None
        for key in ("at", "near"):
            if rp.get(key) is not None:
                ll = _latlon(rp.get(key))
                if ll is None:
                    problems.append(Problem(file, where, key, _shown(rp.get(key)), _LATLON))
                elif key == "at":
                    at = ll
                else:
                    near = ll
        for n in (pid, name, *aliases):
            other = keys.setdefault(normalize_name(n), pid)
            if other != pid:
                problems.append(Problem(file, where, "name", n, f"a name of one place only: place {other!r} has it too"))
        if len(problems) == n_before:
            places.append(_SpecPlace(i, name, pid, str(kind), tuple(aliases), at, near))

    def place_ref(value: object, where: str, key: str) -> str | None:
        pid = keys.get(normalize_name(value)) if isinstance(value, str) else None
        if pid is None:
            listed = ", ".join(sp.name for sp in places) or "none"
            problems.append(Problem(file, where, key, _shown(value), f"a place of this spec (id or name: {listed})"))
        return pid

    routes: list[_SpecRoute] = []
    raw_routes = doc.get("routes") or []
    if not isinstance(raw_routes, list):
        problems.append(Problem(file, "spec", "routes", _shown(raw_routes), "a JSON array of routes"))
        raw_routes = []
    route_ids: set[str] = set()
    for i, rr in enumerate(raw_routes):
        where = f"route {i}"
        if not isinstance(rr, dict):
            problems.append(Problem(file, where, "-", _shown(rr), 'an object such as {"name": "...", "places": [...]}'))
            continue
        name = rr.get("name")
        if not isinstance(name, str) or not normalize_name(name):
            problems.append(Problem(file, where, "name", _shown(name), "a route name with at least one letter or digit"))
            continue
        where = f"route {i} ({name})"
        n_before = len(problems)
        for key in rr:
            if key not in ("id", "name", "aliases", "places", "start"):
                problems.append(Problem(file, where, str(key), "", "a known property: id, name, aliases, places, start"))
        rid = rr.get("id") or _slug(name) or f"route_{i + 1}"
        if not isinstance(rid, str) or not normalize_name(rid) or rid in route_ids:
            problems.append(Problem(file, where, "id", _shown(rid), "a unique route id with a letter or digit"))
        else:
            route_ids.add(rid)
        aliases = _names(rr.get("aliases"))
        if aliases is None:
            problems.append(Problem(file, where, "aliases", _shown(rr.get("aliases")), "a JSON array of names"))
            aliases = []
        rstart = rr.get("start") or start
        if not isinstance(rstart, str):
            problems.append(Problem(file, where, "start", _shown(rstart), "an EDTF date as JSON text"))
        elif rr.get("start"):
            try:
                parse_edtf(rstart)
            except DateError as exc:
                problems.append(Problem(file, where, "start", rstart, str(exc)))
        raw = rr.get("places")
        if not isinstance(raw, list) or len(raw) < 2:
            problems.append(Problem(file, where, "places", _shown(raw), "a JSON array of at least two places, in order"))
            continue
        ids = [place_ref(v, where, f"places[{j}]") for j, v in enumerate(raw)]
        for j in range(1, len(ids)):
            if ids[j] is not None and ids[j] == ids[j - 1]:
                problems.append(Problem(file, where, f"places[{j}]", _shown(raw[j]), "a place other than the one before it"))
        if len(problems) == n_before:
            routes.append(_SpecRoute(i, str(rid), name, tuple(aliases), tuple(str(x) for x in ids), str(rstart)))
    pairs: list[tuple[str, str]] = []
    raw_pairs = doc.get("segments") or []
    if not isinstance(raw_pairs, list):
        problems.append(Problem(file, "spec", "segments", _shown(raw_pairs), 'a JSON array of pairs ["A", "B"]'))
        raw_pairs = []
    for i, pair in enumerate(raw_pairs):
        where = f"segment {i}"
        if not isinstance(pair, list) or len(pair) != 2:
            problems.append(Problem(file, where, "-", _shown(pair), 'a pair of places ["A", "B"]'))
            continue
        a, b = place_ref(pair[0], where, "[0]"), place_ref(pair[1], where, "[1]")
        if a is not None and b is not None:
            if a == b:
                problems.append(Problem(file, where, "[1]", _shown(pair[1]), "a place other than the first"))
            else:
                pairs.append((a, b))
    if not routes and not pairs and not problems:
        problems.append(Problem(file, "spec", "routes", "", 'at least one route (or a "segments" pair) to build'))
    if problems:
        raise DataError(problems)
    return _Spec(file, title, period["start"], period["end"], tuple(places), tuple(routes), tuple(pairs))


# -- building ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Snap:
    """Where a place met the road network."""

    place: str  #: place id
    name: str  #: display name
    node: int  #: OSM node id of the nearest road node
    distance_m: float  #: from the place to that node (WGS84 ellipsoid)


@dataclass
class OsmImport:
    """What :func:`import_osm` or :func:`snap_segments` built: the files' contents, the snaps, the region.

    ``places``, ``segments`` are GeoJSON FeatureCollections, ``routes`` the ``routes.json``
    array, ``region`` the ``region.json``; :meth:`write` writes the four files.
    """

    places: dict[str, Any]
    segments: dict[str, Any]
    routes: list[Any]
    region: Region
    snaps: list[Snap]
    replaced: list[str]  #: ids of the segments whose geometry comes from OpenStreetMap

    def write(self, folder: PathLike) -> dict[str, Path]:
        """Write ``places.geojson``, ``segments.geojson``, ``routes.json`` and ``region.json`` into ``folder``.

        Each file is written atomically (a temporary file renamed into place). The folder is
        created if needed; the bundled data folder is refused.
        """
        out = Path(folder)
        bundled = Path(os.path.realpath(bundled_path("places").parent))
        if out.exists() and Path(os.path.realpath(out)) == bundled:
            raise DataError([Problem(str(out), "folder", "-", str(out),
                                     "a folder other than the bundled data's: writing there would replace the bundled files")])
        out.mkdir(parents=True, exist_ok=True)
        paths = {k: out / name for k, name in (("places", "places.geojson"), ("segments", "segments.geojson"),
                                                ("routes", "routes.json"), ("region", REGION_FILE))}
        write_text_atomic(paths["places"], json.dumps(self.places, ensure_ascii=False, indent=1) + "\n")
        write_text_atomic(paths["segments"], json.dumps(self.segments, ensure_ascii=False, indent=1) + "\n")
        write_text_atomic(paths["routes"], json.dumps(self.routes, ensure_ascii=False, indent=2) + "\n")
        write_region(self.region, paths["region"])
        return paths


def _haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return _distance_m(lon1, lat1, lon2, lat2)


def _find_place(sp: _SpecPlace, net: RoadNetwork, spec_file: str) -> OsmPlace:
    keys = set(name_keys(sp.name))
    found = [pl for pl in net.places if any(keys.intersection(name_keys(n)) for n in pl.names)]
    where = f"place {sp.index} ({sp.name})"
    if not found:
        from rapidfuzz import fuzz, process

        names = sorted({n for pl in net.places for n in pl.names})
        close = [m[0] for m in process.extract(sp.name, names, scorer=fuzz.WRatio, limit=5)] if names else []
        hint = f"; closest: {', '.join(close)}" if close else "; the extract has no named place nodes"
        raise DataError([Problem(spec_file, where, "name", sp.name,
                                 f"a place in {net.file} (its place nodes' name and name:* tags){hint}; "
                                 'or give its coordinate as "at": "lat,lon"')])
    if sp.near is not None:
        lat, lon = sp.near
        return min(found, key=lambda pl: _haversine_m(lon, lat, pl.lon, pl.lat))
    if len(found) > 1:
        listed = "; ".join(pl.label for pl in found[:6])
        raise DataError([Problem(spec_file, where, "name", sp.name,
                                 f"one place: {len(found)} place nodes in {net.file} have this name ({listed}); "
                                 'add "near": "lat,lon" to choose the nearest, or "at": "lat,lon"')])
    return found[0]


def _snap(net: RoadNetwork, pid: str, name: str, lon: float, lat: float, max_snap_m: float, file: str,
          where: str) -> Snap:
    node, dist = net.nearest(lon, lat)
    if dist > max_snap_m:
        raise DataError([Problem(file, where, "coordinates", f"{lat:.6f},{lon:.6f}",
                                 f"a place at most {max_snap_m:g} m from a road of {net.file}: place {name!r} is "
                                 f"{dist:.0f} m from the nearest road node (highway="
                                 f"{'|'.join(net.highways)}); raise the maximum snap distance (--max-snap) "
                                 "or give a coordinate nearer a road")])
    return Snap(pid, name, node, dist)


def _path_line(net: RoadNetwork, a: Snap, b: Snap, a_xy: tuple[float, float], b_xy: tuple[float, float],
               file: str, where: str) -> tuple[list[list[float]], list[int]]:
    if a.node == b.node:
        raise DataError([Problem(file, where, "-", f"{a.name} / {b.name}",
                                 f"two places on different road nodes: both snap to OSM node {a.node} of {net.file} "
                                 f"({a.distance_m:.0f} m and {b.distance_m:.0f} m away); they are too close to be "
                                 "separate places of the network")])
    nodes = net.path(a.node, b.node)
    if nodes is None:
        raise DataError([Problem(file, where, "-", f"{a.name} -> {b.name}",
                                 f"places joined by road: there is no road path in {net.file} between {a.name!r} "
                                 f"(OSM node {a.node}) and {b.name!r} (OSM node {b.node}); they lie on unconnected "
                                 "parts of its road network (an extract cut at its edge, or a highway type "
                                 "not read: see --highways)")])
    xy = [a_xy, *(net.coords(n) for n in nodes), b_xy]
    line: list[list[float]] = []
    for x, y in xy:
        pt = [round(x, 7), round(y, 7)]
        if not line or line[-1] != pt:
            line.append(pt)
    return line, nodes


def _osm_note(net: RoadNetwork, nodes: Sequence[int], a: Snap, b: Snap) -> str:
    roads = net.road_names(nodes)
    text = f"Roads: {', '.join(roads)}. " if roads else ""
    return (text + f"Ends joined to the road network by straight lines of {a.distance_m:.0f} m ({a.name}) "
            f"and {b.distance_m:.0f} m ({b.name}).")


def _geometry_source(net: RoadNetwork) -> str:
    return (f"OpenStreetMap, extract {net.file} ({OSM_ATTRIBUTION}): shortest road path by length "
            f"(highway={'|'.join(net.highways)})")


def _region_attribution(base: str, net: RoadNetwork) -> str:
    return f"{base} Roads: {OSM_ATTRIBUTION}, extract {net.file}."


def _aliases(display: str, pid: str, given: Sequence[str], osm: OsmPlace | None, taken: dict[str, str]) -> list[str]:
    out: list[str] = []
    seen = {normalize_name(display), normalize_name(pid)}
    names = list(given) + ([osm.tags[t] for t in ALIAS_TAGS if osm.tags.get(t)] if osm is not None else [])
    for n in names:
        key = normalize_name(n)
        if not key or key in seen or taken.get(key, pid) != pid:
            continue  # no letter or digit, a repeat, or another place's name
        seen.add(key)
        out.append(n.strip())
    for key in seen:
        taken.setdefault(key, pid)
    return out


def _padded(xs: Sequence[float], ys: Sequence[float], pad: float) -> tuple[float, float, float, float]:
    return (max(-180.0, min(xs) - pad), max(-90.0, min(ys) - pad), min(180.0, max(xs) + pad), min(90.0, max(ys) + pad))


def import_osm(extract: PathLike, spec: PathLike, *, max_snap_m: float = DEFAULT_MAX_SNAP_M,
               highways: Iterable[str] = ROAD_HIGHWAYS, retain_all: bool = False) -> OsmImport:
    """Build places, segments, routes and region metadata for the places and routes of a spec.

    Parameters
    ----------
    extract
        A local OSM extract: ``.osm``, ``.osm.bz2`` or ``.osm.pbf``.
    spec
        The import spec (JSON): places (by name, looked up in the extract's place nodes, or
        ``"at": "lat,lon"``) and routes (ordered lists of places); ``docs/data-format.md``.
    max_snap_m
        The largest distance (m) from a place to its nearest road node; farther is an error.
    highways
        The ``highway`` values read as roads.
    retain_all
        Keep every part of the road network (default: its largest connected part only).

    Returns
    -------
    OsmImport
        Call ``.write(folder)``; ``.snaps`` gives each place's snap distance.

    Raises
    ------
    DataError
        An unknown place name, a place too far from a road, two places with no road path
        between them, a missing or broken file: naming the file, item, value and what is valid.
    """
    sp = read_osm_spec(spec)
    net = read_extract(extract, highways=highways, retain_all=retain_all)
    spec_name = Path(spec).name
    taken: dict[str, str] = {}
    features: list[dict[str, Any]] = []
    snaps: dict[str, Snap] = {}
    where_xy: dict[str, tuple[float, float]] = {}
    for p in sp.places:
        where = f"place {p.index} ({p.name})"
        osm: OsmPlace | None = None
        if p.at is not None:
            lat, lon = p.at
        else:
            osm = _find_place(p, net, sp.file)
            lat, lon = osm.lat, osm.lon
        snap = _snap(net, p.id, p.name, lon, lat, max_snap_m, sp.file, where)
        snaps[p.id] = snap
        where_xy[p.id] = (lon, lat)
        kind = p.kind or (_KIND_OF_PLACE.get(osm.tags.get("place", ""), "village") if osm is not None else "junction")
        if osm is not None:
            source = f"OpenStreetMap node {osm.osm_id}, extract {net.file} ({OSM_ATTRIBUTION})"
        else:
            source = f"given in {spec_name} ({lat},{lon})"
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                         "properties": {"id": p.id, "name": p.name,
                                        "aliases": _aliases(p.name, p.id, p.aliases, osm, taken),
                                        "kind": kind, "coord_source": source, "coord_precision": "sourced",
                                        "note": f"Nearest OpenStreetMap road node {snap.node} of {net.file} is "
                                                f"{snap.distance_m:.0f} m away."}})
    names = {p.id: p.name for p in sp.places}
    seg_of: dict[frozenset[str], str] = {}
    seg_features: list[dict[str, Any]] = []

    def segment(a: str, b: str, where: str) -> str:
        key = frozenset((a, b))
        if key in seg_of:
            return seg_of[key]
        sid = f"{a}__{b}"
        line, nodes = _path_line(net, snaps[a], snaps[b], where_xy[a], where_xy[b], sp.file, where)
        seg_features.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": line},
                             "properties": {"id": sid, "u": a, "v": b, "name": f"{names[a]} – {names[b]}",
                                            "waypoints": [], "geometry_source": _geometry_source(net),
                                            "note": _osm_note(net, nodes, snaps[a], snaps[b])}})
        seg_of[key] = sid
        return sid

    routes: list[dict[str, Any]] = []
    for r in sp.routes:
        segs = [segment(a, b, f"route {r.index} ({r.name})") for a, b in zip(r.places, r.places[1:])]
        routes.append({"id": r.id, "name": r.name, "aliases": list(r.aliases), "description": "",
                       "alignments": [{"start": r.start, "end": None, "segments": segs, "source": "",
                                       "note": f"Built from OpenStreetMap ({net.file}) through "
                                               + ", ".join(names[p] for p in r.places) + "."}]})
    for i, (a, b) in enumerate(sp.pairs):
        segment(a, b, f"segment {i}")
    xs = [c[0] for f in seg_features for c in f["geometry"]["coordinates"]] + [x for x, _ in where_xy.values()]
    ys = [c[1] for f in seg_features for c in f["geometry"]["coordinates"]] + [y for _, y in where_xy.values()]
    region = Region(title=sp.title or f"Roads ({Path(extract).name})",
                    attribution=_region_attribution("Road status: karabakh_routes, from the sources cited in each popup.",
                                                    net),
                    geometry_note="roads from OpenStreetMap", bounds=None,
                    focus_routes=tuple(r["id"] for r in routes), area=_padded(xs, ys, 0.5),
                    start=sp.start, end=sp.end)
    return OsmImport({"type": "FeatureCollection", "features": features},
                     {"type": "FeatureCollection", "features": seg_features}, routes, region,
                     list(snaps.values()), [f["properties"]["id"] for f in seg_features])


def _load_doc(path: Path) -> Any:
    return json.loads(read_text(path))


def snap_segments(extract: PathLike, *, places: PathLike | None = None, segments: PathLike | None = None,
                  routes: PathLike | None = None, only: Sequence[str] | None = None,
                  max_snap_m: float = DEFAULT_MAX_SNAP_M, highways: Iterable[str] = ROAD_HIGHWAYS,
                  retain_all: bool = False) -> OsmImport:
    """Give segments real geometry from an extract, keeping their ids: the bundled ones by default.

    Each chosen segment's line becomes the shortest road path (by length) between the road
    nodes nearest to its two places, joined to the places by short straight lines; ids, ends,
    names and routes stay, so the claims that name them (``events.csv``) apply unchanged.
    Places stay where they are. The region metadata (the bundled ``region.json``, or the one
    beside ``places``) gets the OpenStreetMap attribution.

    Parameters
    ----------
    extract
        A local OSM extract: ``.osm``, ``.osm.bz2`` or ``.osm.pbf``.
    places, segments, routes
        The data to snap (the bundled files by default).
    only
        The ids of the segments to replace (default: every segment); the others keep their lines.
    max_snap_m, highways, retain_all
        As for :func:`import_osm`.

    Raises
    ------
    DataError
        An unknown segment id, a place too far from a road, no road path between a segment's places.
    """
    from .network import graph_from_geodata

    G = graph_from_geodata(places, segments, routes)  # checks the input files
    places_path = Path(places) if places is not None else bundled_path("places")
    seg_path = Path(segments) if segments is not None else bundled_path("segments")
    routes_path = Path(routes) if routes is not None else (bundled_path("routes") if segments is None else None)
    edges = {k: (u, v, d) for u, v, k, d in G.edges(keys=True, data=True)}
    chosen = list(only) if only is not None else list(edges)
    bad = [s for s in chosen if s not in edges]
    if bad:
        raise DataError([Problem(str(seg_path), "segments", "id", s, f"a segment id of {seg_path.name} "
                                 f"({', '.join(list(edges)[:8])}{', ...' if len(edges) > 8 else ''})") for s in bad])
    net = read_extract(extract, highways=highways, retain_all=retain_all)
    snaps: dict[str, Snap] = {}
    for sid in chosen:
        d = edges[sid][2]
        for pid in (d["u"], d["v"]):
            if pid not in snaps:
                node = G.nodes[pid]
                snaps[pid] = _snap(net, pid, str(node.get("name", pid)), float(node["x"]), float(node["y"]), max_snap_m,
                                   str(places_path), f"place {pid}")
    seg_doc = _load_doc(seg_path)
    by_id = {f["properties"]["id"]: f for f in seg_doc["features"]}
    for sid in chosen:
        d = edges[sid][2]
        a, b = snaps[d["u"]], snaps[d["v"]]
        a_xy = (float(G.nodes[d["u"]]["x"]), float(G.nodes[d["u"]]["y"]))
        b_xy = (float(G.nodes[d["v"]]["x"]), float(G.nodes[d["v"]]["y"]))
        line, nodes = _path_line(net, a, b, a_xy, b_xy, str(seg_path), f"segment {sid}")
        feat = by_id[sid]
        props = feat["properties"]
        old = list(props.get("waypoints") or [])
        note = (props.get("note") or "").strip()
        note = (note + " " if note else "") + _osm_note(net, nodes, a, b)
        if old:
            note += f" The schematic line this replaces was drawn through {', '.join(old)}."
        feat["geometry"] = {"type": "LineString", "coordinates": line}
        props.update({"waypoints": [], "geometry_source": _geometry_source(net), "note": note})
    beside = places_path.parent / REGION_FILE if places is not None else bundled_region_path()
    base = read_region(beside) if beside.is_file() else Region()
    attribution = base.attribution
    if attribution == DEFAULT_ATTRIBUTION:
        attribution = "Road status: karabakh_routes, from the sources cited in each popup."
        if len(chosen) < len(edges):
            attribution += " Geometry of the other roads is schematic (drawn through sourced waypoints)."
    note = "roads from OpenStreetMap" if len(chosen) == len(edges) else "geometry partly from OpenStreetMap, partly schematic"
    region = replace(base, attribution=_region_attribution(attribution, net), geometry_note=note, file="")
    routes_doc = _load_doc(routes_path) if routes_path is not None else []
    return OsmImport(_load_doc(places_path), seg_doc, routes_doc, region, list(snaps.values()), chosen)

