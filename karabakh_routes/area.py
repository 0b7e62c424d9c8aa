"""Areas: a bounding box of the network, given as numbers or as a place and a distance.

A map of a country-sized network (thousands of segments) cannot be read, nor quickly
written, as a whole; a map of an area draws only the roads and places in it. An area is a
``bbox``: ``(west, south, east, north)`` in degrees of longitude and latitude (EPSG:4326), in
the order GeoPandas (``read_file(bbox=...)``, ``total_bounds``) and OSMnx use. The statuses
drawn are the whole network's (a claim about a route counts on each of its segments, wherever
the route runs), and a trip's answer is the whole network's: the area only chooses what is
drawn.

>>> from karabakh_routes import load
>>> m = load()
>>> west, south, east, north = bbox_around(m.G, "Berdzor", 10)   # any of a place's names
>>> round(east - west, 3), round(north - south, 3)
(0.233, 0.18)
>>> [m.timeline.segments[i] for i in segments_in(m.timeline, bbox_around(m, "Asgaran", 3))]
['khojaly_ivanyan__askeran', 'askeran__aghdam']
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ._errors import AreaError

if TYPE_CHECKING:
    import networkx as nx

    from .timeline import Timeline

__all__ = ["Bounds", "bbox_around", "check_bbox", "describe", "no_roads", "parse_bbox", "roads_in", "segments_in"]

#: (west, south, east, north) in degrees (EPSG:4326).
Bounds = tuple[float, float, float, float]

_BBOX_FORM = "west,south,east,north in degrees, e.g. 46.3,39.5,46.9,39.9"


def check_bbox(bbox: Sequence[Any], *, what: str = "bbox", shown: str | None = None) -> Bounds:
    """Return ``bbox`` as four floats ``(west, south, east, north)``, or raise :class:`AreaError`.

    Valid: four finite numbers, longitudes in [-180, 180], latitudes in [-90, 90], west below
    east and south below north. A box across the antimeridian (west above east) is refused:
    ask for the two boxes on either side of it. Messages name ``what`` and the box as
    ``shown`` (default: its repr).

    >>> check_bbox([46, 39.5, 47, 40])
    (46.0, 39.5, 47.0, 40.0)
    >>> check_bbox((47, 39.5, 46, 40))
    Traceback (most recent call last):
    ...
    karabakh_routes._errors.AreaError: bbox (47, 39.5, 46, 40): west (47.0) must be less than east (46.0) ...
    """
    if isinstance(bbox, (str, bytes)) or not isinstance(bbox, Sequence) or len(bbox) != 4:
        raise AreaError(f"{what} {shown or repr(bbox)}: expected four numbers, {_BBOX_FORM}")
    label = f"{what} {shown or repr(tuple(bbox))}"
    out: list[float] = []
    for name, value in zip(("west", "south", "east", "north"), bbox, strict=True):
        try:
            x = float(value)
        except (TypeError, ValueError, OverflowError):
            raise AreaError(f"{label}: {name} {value!r} is not a number ({_BBOX_FORM})") from None
        if isinstance(value, bool) or not math.isfinite(x):
            raise AreaError(f"{label}: {name} {value!r} is not a finite number ({_BBOX_FORM})")
        out.append(x)
    west, south, east, north = out
    for name, x in (("west", west), ("east", east)):
        if not -180.0 <= x <= 180.0:
            raise AreaError(f"{label}: {name} {x!r} is not a longitude (valid: -180 to 180)")
    for name, x in (("south", south), ("north", north)):
        if not -90.0 <= x <= 90.0:
            raise AreaError(f"{label}: {name} {x!r} is not a latitude (valid: -90 to 90)")
    if not west < east:
        raise AreaError(f"{label}: west ({west!r}) must be less than east ({east!r}) "
                        "(a box across the antimeridian is not supported: ask for one box on each side)")
    if not south < north:
        raise AreaError(f"{label}: south ({south!r}) must be less than north ({north!r})")
    return (west, south, east, north)


def parse_bbox(text: str, *, what: str = "bbox") -> Bounds:
    """Parse ``"west,south,east,north"`` (commas, optional spaces) into checked :data:`Bounds`.

    >>> parse_bbox(" 46.3, 39.5,46.9 ,39.9")
    (46.3, 39.5, 46.9, 39.9)
    """
    parts = [p.strip() for p in str(text).split(",")]
    if len(parts) != 4 or not all(parts):
        raise AreaError(f"{what} {text!r}: expected four numbers separated by commas, {_BBOX_FORM}")
    return check_bbox(parts, what=what, shown=repr(str(text)))


#: The largest distance :func:`bbox_around` accepts (km): half of the Earth's circumference.
MAX_KM = 20_000.0


def bbox_around(G: nx.MultiGraph | Any, place: str, km: float) -> Bounds:
    """Return the box reaching ``km`` kilometres north, south, east and west of a place.

    ``G`` is the road graph (or a model: its ``G`` is used); ``place`` any of the place's names
    or its id (:class:`~karabakh_routes.PlaceNotFoundError` with the closest names else). The
    four distances are measured on the WGS84 ellipsoid (``pyproj.Geod``); the box is clipped
    at the poles, and a box that would cross the antimeridian raises :class:`AreaError`.
    """
    from pyproj import Geod

    from .network import place_index

    graph = getattr(G, "G", G)
    try:
        d = float(km)
    except (TypeError, ValueError, OverflowError):
        raise AreaError(f"distance {km!r} km is not a number (a distance in km above 0, e.g. 25)") from None
    if isinstance(km, bool) or not math.isfinite(d) or not 0 < d <= MAX_KM:
        raise AreaError(f"distance {km!r} km: expected a distance in km above 0 and at most {MAX_KM:,.0f}")
    pl = place_index(graph).places[place_index(graph).resolve(place)]
    geod = Geod(ellps="WGS84")
    lon, lat = float(pl.lon), float(pl.lat)
    metres = d * 1000.0
    north = geod.fwd(lon, lat, 0.0, metres)[1] if lat + d / 111.0 < 89.0 else 90.0
    south = geod.fwd(lon, lat, 180.0, metres)[1] if lat - d / 111.0 > -89.0 else -90.0
    east = geod.fwd(lon, lat, 90.0, metres)[0]
    west = geod.fwd(lon, lat, 270.0, metres)[0]
    # a degree of longitude is shortest at the box's edge farthest from the equator: reach d there too
    edge = max(abs(north), abs(south))
    if edge < 89.0 and abs(lat) < edge:
        east = max(east, geod.fwd(lon, math.copysign(edge, lat), 90.0, metres)[0])
        west = min(west, geod.fwd(lon, math.copysign(edge, lat), 270.0, metres)[0])
    if abs(east - west) >= 360.0 or not west < lon < east or east - west > 359.0:
        raise AreaError(f"{d:g} km around {pl.name} crosses the antimeridian: not supported (use a smaller distance)")
    return check_bbox((west, max(south, -90.0), east, min(north, 90.0)),
                      what=f"{d:g} km around {pl.name}")


_BOUNDS: weakref.WeakKeyDictionary[Any, np.ndarray] = weakref.WeakKeyDictionary()


def _segment_bounds(timeline: Timeline) -> np.ndarray:
    """Each segment's ``(minx, miny, maxx, maxy)`` (its geometry's, else its ends'), in ``timeline.segments`` order."""
    got = _BOUNDS.get(timeline)
    if got is None:
        import shapely

        rows = timeline._edge_rows()
        geoms = np.array([d.get("geometry") for _, _, _, d in rows], dtype=object)
        got = np.full((len(rows), 4), np.nan)
        has = np.array([g is not None for g in geoms], bool)
        if has.any():
            got[has] = shapely.bounds(geoms[has])
        G = timeline.G
        for i in np.flatnonzero(~has):
            u, v = rows[i][0], rows[i][1]
            xs = [float(G.nodes[n]["x"]) for n in (u, v)]
            ys = [float(G.nodes[n]["y"]) for n in (u, v)]
            got[i] = (min(xs), min(ys), max(xs), max(ys))
        _BOUNDS[timeline] = got
    return got


def _check_crs(crs: Any) -> None:
    """Refuse a network whose coordinates are not longitude and latitude (EPSG:4326): an area is in degrees."""
    if crs is None or crs == "EPSG:4326":
        return
    from pyproj import CRS

    if not CRS.from_user_input(crs).equals(CRS.from_epsg(4326)):
        raise AreaError(f"the network's coordinates are in {crs}; an area is in degrees of longitude and latitude "
                        "(EPSG:4326): build the graph from frames in EPSG:4326 (gdf.to_crs(4326))")


def segments_in(timeline: Timeline, bbox: Sequence[Any]) -> np.ndarray:
    """Indexes (in ``timeline.segments`` order, ascending) of the segments whose geometry meets ``bbox``.

    A segment counts when its line intersects the box (touching its edge counts); a segment
    that only passes near a corner does not. The network must be in EPSG:4326 (as
    :func:`karabakh_routes.load` makes it; :class:`AreaError` else). Vectorised: a test of every segment's bounds,
    then shapely's ``intersects`` on those whose bounds meet the box.
    """
    import shapely

    west, south, east, north = check_bbox(bbox)
    _check_crs(timeline.G.graph.get("crs"))
    b = _segment_bounds(timeline)
    near = np.flatnonzero((b[:, 0] <= east) & (b[:, 2] >= west) & (b[:, 1] <= north) & (b[:, 3] >= south))
    if not len(near):
        return near
    rows = timeline._edge_rows()
    geoms = np.array([rows[i][3].get("geometry") for i in near], dtype=object)
    box = shapely.box(west, south, east, north)
    has = np.array([g is not None for g in geoms], bool)
    hit = ~has  # a segment without geometry: its ends' box meets the area
    if has.any():
        hit[has] = shapely.intersects(geoms[has], box)
    out: np.ndarray = near[hit]
    return out


def roads_in(timeline: Timeline, bbox: Sequence[Any]) -> tuple[Bounds, np.ndarray]:
    """The checked box and :func:`segments_in` it, for a map or table of an area: :func:`no_roads` when none."""
    area = check_bbox(bbox)
    found = segments_in(timeline, area)
    if not len(found):
        raise no_roads(timeline.G, area)
    return area, found


def _deg(lo: float, hi: float, pos: str, neg: str) -> str:
    def one(x: float) -> str:
        return f"{abs(x):.3f}°{pos if x >= 0 else neg}"
    return f"{one(lo)} to {one(hi)}"


def describe(bbox: Sequence[Any]) -> str:
    """Return a box in words, to three decimals of a degree (about 100 m).

    >>> describe((46.5119, 39.6138, 46.5819, 39.6678))
    '46.512°E to 46.582°E, 39.614°N to 39.668°N'
    >>> describe((-0.5, -1.25, 0.5, 1))
    '0.500°W to 0.500°E, 1.250°S to 1.000°N'
    """
    west, south, east, north = check_bbox(bbox)
    return f"{_deg(west, east, 'E', 'W')}, {_deg(south, north, 'N', 'S')}"


def no_roads(G: nx.MultiGraph, bbox: Sequence[Any]) -> AreaError:
    """The error for an area that meets no segment: it names the area and the network's own bounds."""
    xs = [float(d["x"]) for _, d in G.nodes(data=True)]
    ys = [float(d["y"]) for _, d in G.nodes(data=True)]
    span = f"; the network's places lie within {describe((min(xs), min(ys), max(xs) + 1e-9, max(ys) + 1e-9))}" if xs else ""
    return AreaError(f"no road of the network meets the area {describe(bbox)} "
                     f"(bbox {tuple(float(x) for x in bbox)!r}){span}")
