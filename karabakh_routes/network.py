"""Road network: geodata files -> NetworkX graph; graph <-> GeoDataFrames.

The graph is a :class:`networkx.MultiGraph`:

* ``G.graph["crs"]`` is ``"EPSG:4326"``; ``G.graph["routes"]`` maps route id to :class:`Route`;
* nodes are place ids with ``x`` (lon), ``y`` (lat), ``name``, ``aliases``, ``kind``,
  ``coord_source``, ``coord_precision``;
* edges are keyed by segment id (stable keys) with ``id``, ``u``, ``v`` (the drawing
  direction of the geometry), ``name``, ``routes``,
  ``geometry`` (a shapely ``LineString``), ``length_km`` (geodesic, WGS84 ellipsoid),
  ``waypoints``, ``geometry_source`` and ``note``.

Geometry is schematic: drawn through sourced waypoints, not survey-grade.
"""

from __future__ import annotations

import json
import math
import os
import warnings
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import networkx as nx
from pyproj import Geod
from shapely.geometry import LineString, Point

from ._errors import DataError, KarabakhRoutesWarning, Problem
from ._io import read_text
from .datasets import bundled_path
from .dates import DateSpan, parse_edtf
from .places import PLACE_KINDS, Place, PlaceIndex, normalize_name

__all__ = [
    "Alignment",
    "Route",
    "REGION_BOUNDS",
    "read_places",
    "read_routes",
    "graph_from_geodata",
    "graph_to_gdfs",
    "graph_from_gdfs",
    "place_index",
    "segment_length_km",
    "resolve_route",
]

CRS = "EPSG:4326"
#: (min_lon, min_lat, max_lon, max_lat) of the region the bundled data covers; a
#: coordinate outside it gets a warning (likely swapped or mistyped), not an error.
REGION_BOUNDS = (43.0, 38.5, 50.5, 41.5)
#: How far (km) a segment's end may lie from its place before it is an error.
MAX_END_GAP_KM = 0.5

_GEOD = Geod(ellps="WGS84")
PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class Alignment:
    """The segments a route consists of during a period."""

    start: DateSpan
    end: DateSpan | None
    segments: tuple[str, ...]
    source: str = ""
    note: str = ""


@dataclass(frozen=True)
class Route:
    """A named group of segments that events can target by id or alias."""

    id: str
    name: str
    aliases: tuple[str, ...]
    description: str
    alignments: tuple[Alignment, ...]

    @property
    def segments(self) -> tuple[str, ...]:
        """Every segment that belongs to the route in any alignment, in first-seen order."""
        seen: dict[str, None] = {}
        for al in self.alignments:
            for s in al.segments:
                seen.setdefault(s, None)
        return tuple(seen)


def segment_length_km(geometry: LineString) -> float:
    """Return the geodesic length of a lon/lat LineString in km (WGS84 ellipsoid)."""
    return float(_GEOD.geometry_length(geometry)) / 1000.0


def _read_features(path: PathLike, label: str) -> list[dict[str, Any]]:
    text = read_text(path)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError([Problem(str(path), f"line {exc.lineno}", "-", "", f"not valid JSON: {exc.msg}")]) from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise DataError([Problem(str(path), "file", "type", str(doc.get("type") if isinstance(doc, dict) else type(doc).__name__),
                                 f"a GeoJSON FeatureCollection of {label}")])
    return [f if isinstance(f, dict) else {} for f in doc["features"]]


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _unique_id(value: object, seen: set[str], problems: list[Problem], file: str, where: str) -> bool:
    """Check a feature id (non-empty text, not seen before); record it; report a problem if not."""
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(file, where, "id", str(value), "a non-empty text id"))
        return False
    if value in seen:
        problems.append(Problem(file, where, "id", value, "ids must be unique; this one is used twice"))
        return False
    seen.add(value)
    return True


def _where(i: int, fid: object) -> str:
    return f"feature {i}" + (f" (id={fid})" if fid not in (None, "") else "")


def _str_list(value: object) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    if isinstance(value, str):
        return [v.strip() for v in value.split("|") if v.strip()]
    return None


def read_places(path: PathLike | None = None) -> dict[str, Place]:
    """Read places from a GeoJSON file of Points.

    Parameters
    ----------
    path
        A ``places.geojson``; the bundled one when omitted.

    Returns
    -------
    dict
        Place id -> :class:`~karabakh_routes.places.Place`, in file order.

    Raises
    ------
    DataError
        Listing every problem in the file.

    Examples
    --------
    >>> places = read_places()
    >>> places["khankendi_stepanakert"].name
    'Khankendi / Stepanakert'
    """
    p = path if path is not None else bundled_path("places")
    feats = _read_features(p, "Points")
    problems: list[Problem] = []
    places: dict[str, Place] = {}
    seen_ids: set[str] = set()
    seen_names: dict[str, str] = {}
    for i, f in enumerate(feats):
        props = _dict(f.get("properties"))
        pid = props.get("id")
        where = _where(i, pid)
        geom = _dict(f.get("geometry"))
        bad = not _unique_id(pid, seen_ids, problems, str(p), where)
        name = props.get("name")
        if not isinstance(name, str) or not name.strip():
            problems.append(Problem(str(p), where, "name", str(name), "a non-empty display name"))
            bad = True
        aliases = _str_list(props.get("aliases", []))
        if aliases is None:
            problems.append(Problem(str(p), where, "aliases", str(props.get("aliases")), "a JSON array of names"))
            bad = True
        kind = props.get("kind", "")
        if kind not in PLACE_KINDS:
            problems.append(Problem(str(p), where, "kind", str(kind), f"one of {', '.join(PLACE_KINDS)}"))
            bad = True
        if geom.get("type") != "Point":
            problems.append(Problem(str(p), where, "geometry.type", str(geom.get("type")), "Point"))
            continue
        coords = geom.get("coordinates")
        if (not isinstance(coords, list) or len(coords) < 2
                or not all(isinstance(c, (int, float)) and not isinstance(c, bool) and math.isfinite(c) for c in coords[:2])):
            problems.append(Problem(str(p), where, "geometry.coordinates", str(coords), "[longitude, latitude] numbers"))
            continue
        lon, lat = float(coords[0]), float(coords[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            problems.append(Problem(str(p), where, "geometry.coordinates", f"[{lon}, {lat}]",
                                    "longitude in -180..180 and latitude in -90..90"))
            continue
        x0, y0, x1, y1 = REGION_BOUNDS
        if not (x0 <= lon <= x1 and y0 <= lat <= y1):
            hint = " (longitude and latitude look swapped)" if x0 <= lat <= x1 and y0 <= lon <= y1 else ""
            problems.append(Problem(str(p), where, "geometry.coordinates", f"[{lon}, {lat}]",
                                    f"outside the region lon {x0}..{x1}, lat {y0}..{y1}{hint}", "warning"))
        if bad:
            continue
        assert isinstance(pid, str) and isinstance(name, str) and aliases is not None
        for n in (pid, name, *aliases):
            key = normalize_name(n)
            other = seen_names.get(key)
            if other is not None and other != pid:
                problems.append(Problem(str(p), where, "aliases", n,
                                        f"this name is already used by place {other!r}; names must identify one place"))
            seen_names.setdefault(key, pid)
        places[pid] = Place(
            id=pid, name=name, aliases=tuple(aliases), kind=str(kind), lon=lon, lat=lat,
            coord_source=str(props.get("coord_source", "")),
            coord_precision=str(props.get("coord_precision", "sourced")),
            note=str(props.get("note", "") or ""),
        )
    _raise_or_warn(problems)
    return places


def _raise_or_warn(problems: Sequence[Problem]) -> None:
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise DataError(problems)
    for prob in problems:
        warning = KarabakhRoutesWarning(str(prob))
        warning.problem = prob
        warnings.warn(warning, stacklevel=3)


def _is_position(c: object) -> bool:
    return (isinstance(c, list) and len(c) >= 2
            and all(isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in c[:2]))


def _read_segments(path: PathLike, places: Mapping[str, Place]) -> list[dict[str, Any]]:
    feats = _read_features(path, "LineStrings")
    problems: list[Problem] = []
    out: list[dict[str, Any]] = []
    ids: set[str] = set()
    for i, f in enumerate(feats):
        props = _dict(f.get("properties"))
        sid = props.get("id")
        where = _where(i, sid)
        geom = _dict(f.get("geometry"))
        bad = not _unique_id(sid, ids, problems, str(path), where)
        for end in ("u", "v"):
            val = props.get(end)
            if val not in places:
                problems.append(Problem(str(path), where, end, str(val), "a place id from the places file"))
                bad = True
        if geom.get("type") != "LineString":
            problems.append(Problem(str(path), where, "geometry.type", str(geom.get("type")), "LineString"))
            continue
        coords = geom.get("coordinates")
        if (not isinstance(coords, list) or len(coords) < 2
                or not all(_is_position(c) for c in coords)):
            problems.append(Problem(str(path), where, "geometry.coordinates", str(coords)[:80],
                                    "at least two [longitude, latitude] positions"))
            continue
        if any(not (-180 <= c[0] <= 180 and -90 <= c[1] <= 90) for c in coords):
            problems.append(Problem(str(path), where, "geometry.coordinates", str(coords)[:80],
                                    "longitude in -180..180 and latitude in -90..90"))
            continue
        if bad:
            continue
        line = LineString([(float(c[0]), float(c[1])) for c in coords])
        for end, pos in (("u", coords[0]), ("v", coords[-1])):
            pl = places[props[end]]
            gap = _GEOD.inv(pl.lon, pl.lat, float(pos[0]), float(pos[1]))[2] / 1000.0
            if gap > MAX_END_GAP_KM:
                problems.append(Problem(str(path), where, "geometry.coordinates", f"{pos}",
                                        f"the line's {'first' if end == 'u' else 'last'} point must be at place "
                                        f"{pl.id!r} ({pl.lon}, {pl.lat}); it is {gap:.1f} km away"))
        out.append({
            "id": sid, "u": props["u"], "v": props["v"], "name": str(props.get("name") or sid),
            "geometry": line,
            "waypoints": tuple(_str_list(props.get("waypoints", [])) or ()),
            "geometry_source": str(props.get("geometry_source", "") or ""),
            "note": str(props.get("note", "") or ""),
        })
    _raise_or_warn(problems)
    return out


def read_routes(path: PathLike | None, segment_ids: Sequence[str]) -> dict[str, Route]:
    """Read ``routes.json``: routes with their dated alignments.

    Parameters
    ----------
    path
        A ``routes.json``; the bundled one when None.
    segment_ids
        Known segment ids, to check every alignment against.
    """
    p = path if path is not None else bundled_path("routes")
    text = read_text(p)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError([Problem(str(p), f"line {exc.lineno}", "-", "", f"not valid JSON: {exc.msg}")]) from None
    if not isinstance(doc, list):
        raise DataError([Problem(str(p), "file", "-", type(doc).__name__, "a JSON array of routes")])
    problems: list[Problem] = []
    routes: dict[str, Route] = {}
    known = set(segment_ids)
    for i, r in enumerate(doc):
        if not isinstance(r, dict):
            problems.append(Problem(str(p), f"route {i}", "-", str(r)[:40], "an object"))
            continue
        rid = r.get("id")
        where = f"route {i}" + (f" (id={rid})" if rid else "")
        if not isinstance(rid, str) or not rid or rid in routes:
            problems.append(Problem(str(p), where, "id", str(rid), "a unique non-empty id"))
            continue
        aliases = _str_list(r.get("aliases", []))
        if aliases is None:
            problems.append(Problem(str(p), where, "aliases", str(r.get("aliases")), "a JSON array of names"))
            aliases = []
        als: list[Alignment] = []
        raw_als = r.get("alignments")
        if not isinstance(raw_als, list) or not raw_als:
            problems.append(Problem(str(p), where, "alignments", str(raw_als)[:40], "a non-empty array of alignments"))
            continue
        for j, a in enumerate(raw_als):
            aw = f"{where}, alignment {j}"
            if not isinstance(a, dict):
                problems.append(Problem(str(p), aw, "-", str(a)[:40], "an object"))
                continue
            try:
                start = parse_edtf(str(a.get("start", "")))
                end = parse_edtf(str(a["end"])) if str(a.get("end") or "").strip() else None
            except Exception as exc:  # DateError
                problems.append(Problem(str(p), aw, "start/end", f"{a.get('start')}/{a.get('end')}", str(exc)))
                continue
            if end is not None and end.upper < start.lower:
                problems.append(Problem(str(p), aw, "end", end.text, f"on or after the start {start.text}"))
            segs = _str_list(a.get("segments", []))
            if not segs:
                problems.append(Problem(str(p), aw, "segments", str(a.get("segments")), "a non-empty array of segment ids"))
                continue
            for s in segs:
                if s not in known:
                    problems.append(Problem(str(p), aw, "segments", s, "a segment id from the segments file"))
            als.append(Alignment(start, end, tuple(segs), str(a.get("source", "") or ""), str(a.get("note", "") or "")))
        routes[rid] = Route(rid, str(r.get("name") or rid), tuple(aliases), str(r.get("description", "") or ""), tuple(als))
    _raise_or_warn(problems)
    return routes


def graph_from_geodata(
    places: PathLike | None = None,
    segments: PathLike | None = None,
    routes: PathLike | None = None,
) -> nx.MultiGraph:
    """Build the road graph from geodata files (the bundled ones by default).

    Parameters
    ----------
    places, segments, routes
        Paths to ``places.geojson``, ``segments.geojson`` and ``routes.json``.
        A path left as None uses the bundled file. User routes are optional:
        with user segments and no routes file, no routes are defined.

    Returns
    -------
    networkx.MultiGraph
        See the module documentation for the attribute contract.

    See Also
    --------
    graph_to_gdfs : the inverse direction, graph -> GeoDataFrames.

    Examples
    --------
    >>> G = graph_from_geodata()
    >>> G.graph["crs"]
    'EPSG:4326'
    >>> round(G.edges["goris", "tegh", "goris__tegh"]["length_km"]) > 0
    True
    """
    place_map = read_places(places)
    seg_path = segments if segments is not None else bundled_path("segments")
    segs = _read_segments(seg_path, place_map)
    if routes is None and segments is not None:
        route_map: dict[str, Route] = {}
    else:
        route_map = read_routes(routes, [s["id"] for s in segs])
    routes_file = str(routes if routes is not None else ("" if segments is not None else bundled_path("routes")))
    G = nx.MultiGraph(crs=CRS, routes=route_map, routes_file=routes_file)
    for pl in place_map.values():
        G.add_node(pl.id, x=pl.lon, y=pl.lat, name=pl.name, aliases=pl.aliases, kind=pl.kind,
                   coord_source=pl.coord_source, coord_precision=pl.coord_precision, note=pl.note)
    membership: dict[str, list[str]] = {}
    for r in route_map.values():
        for sid in r.segments:
            membership.setdefault(sid, []).append(r.id)
    for seg in segs:
        G.add_edge(seg["u"], seg["v"], key=seg["id"], id=seg["id"], u=seg["u"], v=seg["v"], name=seg["name"],
                   routes=tuple(membership.get(seg["id"], ())), geometry=seg["geometry"],
                   length_km=segment_length_km(seg["geometry"]), waypoints=seg["waypoints"],
                   geometry_source=seg["geometry_source"], note=seg["note"])
    if G.number_of_nodes() and not nx.is_connected(G):
        parts = sorted((sorted(c) for c in nx.connected_components(G)), key=len)
        isolated = "; ".join(", ".join(c) for c in parts[:-1])
        prob = Problem(str(seg_path), "network", "u/v", isolated,
                       f"one connected network; it has {len(parts)} unconnected parts (these are not connected to the rest)",
                       "warning")
        warning = KarabakhRoutesWarning(str(prob))
        warning.problem = prob
        warnings.warn(warning, stacklevel=2)
    return G


_PLACE_INDEXES: weakref.WeakKeyDictionary[nx.MultiGraph, PlaceIndex] = weakref.WeakKeyDictionary()


def place_index(G: nx.MultiGraph) -> PlaceIndex:
    """Return a :class:`~karabakh_routes.places.PlaceIndex` over the graph's nodes (cached per graph)."""
    cached = _PLACE_INDEXES.get(G)
    if cached is not None and len(cached.places) == G.number_of_nodes():
        return cached
    places = {
        n: Place(id=n, name=d.get("name", n), aliases=tuple(d.get("aliases", ())), kind=d.get("kind", ""),
                 lon=d["x"], lat=d["y"], coord_source=d.get("coord_source", ""),
                 coord_precision=d.get("coord_precision", "sourced"), note=d.get("note", ""))
        for n, d in G.nodes(data=True)
    }
    idx = PlaceIndex(places)
    _PLACE_INDEXES[G] = idx
    return idx


def resolve_route(G: nx.MultiGraph, name: str) -> str | None:
    """Return the id of the route called ``name`` (id or alias, forgiving), else None."""
    key = normalize_name(name)
    for r in G.graph.get("routes", {}).values():
        if key in {normalize_name(n) for n in (r.id, r.name, *r.aliases)}:
            return str(r.id)
    return None


_NODE_COLS = ["name", "aliases", "kind", "coord_source", "coord_precision", "note", "x", "y"]
_EDGE_COLS = ["key", "u", "v", "id", "name", "routes", "length_km", "waypoints", "geometry_source", "note"]


def graph_to_gdfs(G: nx.MultiGraph) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Convert the graph to node and edge GeoDataFrames.

    Returns
    -------
    gdf_nodes, gdf_edges
        ``gdf_nodes`` indexed by place id with Point geometry; ``gdf_edges`` indexed by
        segment id with LineString geometry, columns ``u``, ``v``, ``key`` and the edge
        attributes. Both carry the graph's CRS.

    See Also
    --------
    graph_from_gdfs : the inverse.

    Examples
    --------
    >>> gdf_nodes, gdf_edges = graph_to_gdfs(graph_from_geodata())
    >>> gdf_edges.crs.to_string()
    'EPSG:4326'
    """
    crs = G.graph.get("crs", CRS)
    nodes = [{"id": n, **{c: d.get(c) for c in _NODE_COLS}} for n, d in G.nodes(data=True)]
    gdf_nodes = gpd.GeoDataFrame(
        nodes, geometry=[Point(d["x"], d["y"]) for _, d in G.nodes(data=True)], crs=crs
    ).set_index("id")
    edges = [{"key": k, "u": d.get("u", u), "v": d.get("v", v), **{c: d.get(c) for c in _EDGE_COLS[3:]}}
             for u, v, k, d in G.edges(keys=True, data=True)]
    gdf_edges = gpd.GeoDataFrame(
        edges, geometry=[d["geometry"] for *_, d in G.edges(keys=True, data=True)], crs=crs
    )
    gdf_edges.index = gdf_edges["id"].rename("segment")
    return gdf_nodes, gdf_edges


def graph_from_gdfs(
    gdf_nodes: gpd.GeoDataFrame, gdf_edges: gpd.GeoDataFrame, *, routes: Mapping[str, Route] | None = None
) -> nx.MultiGraph:
    """Build a graph from node and edge GeoDataFrames (the inverse of :func:`graph_to_gdfs`).

    Parameters
    ----------
    gdf_nodes
        Indexed by place id; Point geometry.
    gdf_edges
        Columns ``u``, ``v`` (place ids), ``id`` (segment id); LineString geometry.
    routes
        Route definitions to attach (``G.graph["routes"]``).

    See Also
    --------
    graph_to_gdfs : the inverse.
    """
    crs = gdf_edges.crs.to_string() if gdf_edges.crs is not None else CRS
    G = nx.MultiGraph(crs=crs, routes=dict(routes or {}))
    for pid, row in gdf_nodes.iterrows():
        attrs = {c: row[c] for c in _NODE_COLS if c in row.index}
        attrs["x"], attrs["y"] = float(row.geometry.x), float(row.geometry.y)
        G.add_node(pid, **attrs)
    for _, row in gdf_edges.iterrows():
        attrs = {c: row[c] for c in _EDGE_COLS[3:] if c in row.index}
        attrs["geometry"] = row.geometry
        if "length_km" not in attrs or attrs["length_km"] is None:
            attrs["length_km"] = segment_length_km(row.geometry)
        G.add_edge(row["u"], row["v"], key=row["id"], u=row["u"], v=row["v"], **attrs)
    return G
