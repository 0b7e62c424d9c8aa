"""Map extents shared by the HTML and the static maps (no folium import).

>>> from karabakh_routes import load
>>> min_lon, min_lat, max_lon, max_lat = contested_bounds(load())
>>> min_lon < 46.57 < max_lon and min_lat < 39.99 < max_lat   # Hakari bridge .. Aghdam
True
>>> min_lon < 44.51   # Yerevan is left out
False
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..network import routes_of
from ..region import DEFAULT_FOCUS_ROUTES, DEFAULT_REGION, Region

if TYPE_CHECKING:
    from ..model import RoadModel

__all__ = ["Bounds", "CONTESTED_ROUTES", "claimed_places", "EXTENTS", "contested_bounds", "network_bounds", "segment_bounds",
           "map_bounds", "region_of"]

#: (min_lon, min_lat, max_lon, max_lat) in degrees (EPSG:4326).
Bounds = tuple[float, float, float, float]

#: The routes the "contested" extent is fitted to when the dataset's region names none
#: (``model.region.focus_routes``, from ``region.json``).
CONTESTED_ROUTES = DEFAULT_FOCUS_ROUTES


def region_of(model: Any) -> Region:
    """Return the model's region metadata (:mod:`karabakh_routes.region`), the defaults if it has none."""
    region = getattr(model, "region", None)
    return region if isinstance(region, Region) else DEFAULT_REGION
#: The extents :func:`map_bounds` knows.
EXTENTS = ("contested", "all")


def _pad(b: Bounds, pad: float, min_pad_deg: float) -> Bounds:
    min_lon, min_lat, max_lon, max_lat = b
    dx = max((max_lon - min_lon) * pad, min_pad_deg)
    dy = max((max_lat - min_lat) * pad, min_pad_deg)
    return (min_lon - dx, min_lat - dy, max_lon + dx, max_lat + dy)


def segment_bounds(model: RoadModel, segments: Iterable[str]) -> Bounds | None:
    """Return the bounds of the given segments' geometries (None if none of them exists)."""
    wanted = set(segments)
    xs: list[float] = []
    ys: list[float] = []
    for u, v, k, d in model.G.edges(keys=True, data=True):
        if k not in wanted:
            continue
        geom = d.get("geometry")
        if geom is not None:
            for x, y in geom.coords:
                xs.append(float(x))
                ys.append(float(y))
        for n in (u, v):
            xs.append(float(model.G.nodes[n]["x"]))
            ys.append(float(model.G.nodes[n]["y"]))
    if not xs:
        return None
    return (min(xs), min(ys), max(xs), max(ys))


def network_bounds(model: RoadModel, *, pad: float = 0.04) -> Bounds:
    """Return the bounds of every node and segment of the network, padded by ``pad`` of each side."""
    b = segment_bounds(model, [k for _, _, k in model.G.edges(keys=True)])
    if b is None:
        xs = [float(d["x"]) for _, d in model.G.nodes(data=True)] or [0.0]
        ys = [float(d["y"]) for _, d in model.G.nodes(data=True)] or [0.0]
        b = (min(xs), min(ys), max(xs), max(ys))
    return _pad(b, pad, 0.01)


def contested_bounds(model: RoadModel, *, pad: float = 0.08, routes: Iterable[str] | None = None) -> Bounds:
    """Return the maps' initial view: the region's ``bounds``, else its focus routes' bounds, padded.

    The region is ``model.region`` (from ``region.json``). Its ``bounds``, when set, are returned
    as they are. Otherwise the bounds of the ``routes`` (default: the region's
    ``focus_routes``; in the bundled data the Lachin corridor and the Aghdam road, every
    alignment) are padded by ``pad``, the fraction of the width (height) added on each side
    (at least 0.02°): the approach roads (Yerevan–Goris, Barda–Yevlakh) leave the frame. When
    none of the routes exists (a user network without them), the whole network's bounds are
    returned.
    """
    region = region_of(model)
    if routes is None:
        if region.bounds is not None:
            return region.bounds
        routes = region.focus_routes
    known = routes_of(model.G)
    segs = [s for r in routes if r in known for s in known[r].segments]
    b = segment_bounds(model, segs)
    if b is None:
        return network_bounds(model)
    return _pad(b, pad, 0.02)


def map_bounds(model: RoadModel, extent: str = "contested") -> Bounds:
    """Return the bounds for an extent name: ``contested`` or ``all``.

    Raises ValueError for another name.
    """
    if extent == "contested":
        return contested_bounds(model)
    if extent == "all":
        return network_bounds(model)
    raise ValueError(f"unknown extent {extent!r}: use one of {', '.join(EXTENTS)}")


def claimed_places(model: RoadModel) -> set[str]:
    """Return the ids of the places at either end of a segment that some claim or passage is about.

    Dataset baselines are not claims; routes count for every segment of every alignment.
    """
    e = model.timeline._edges
    seg = model.timeline._claimed_segments()
    return {e.nodes[i] for i in np.concatenate([e.u[seg], e.v[seg]]).tolist()}
