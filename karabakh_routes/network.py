"""Road network: geodata files -> NetworkX graph; graph <-> GeoDataFrames.

The graph is a :class:`networkx.MultiGraph`:

* ``G.graph`` holds plain values only: ``crs`` (``"EPSG:4326"``), ``routes`` (the route
  definitions as JSON text, the format of ``routes.json``: read them as :class:`Route` objects
  with :func:`routes_of`) and ``routes_file`` (the routes file's name, no folder);
* nodes are place ids with ``x`` (lon), ``y`` (lat), ``name``, ``aliases``, ``kind``,
  ``coord_source``, ``coord_precision``, ``note`` and ``street_count`` (how many segments meet
  there, as OSMnx counts them);
* edges are keyed by segment id (stable keys) with ``id``, ``u``, ``v`` (the drawing
  direction of the geometry), ``name``, ``routes``,
  ``geometry`` (a shapely ``LineString``), ``length_km`` (geodesic, WGS84 ellipsoid),
  ``length`` (the same in metres, as in OSMnx), ``waypoints``, ``geometry_source`` and ``note``.

Geometry is schematic: drawn through sourced waypoints, not survey-grade.

OSMnx works on it: :func:`graph_to_gdfs` returns GeoDataFrames shaped as OSMnx's (nodes indexed
by id, edges by ``(u, v, key)``), :func:`to_directed` gives the ``MultiDiGraph`` OSMnx routes on,
and :func:`save_graphml` / :func:`load_graphml` store the graph exactly. ``nx.write_graphml(G)``
does not work on the graph itself (edges hold tuples and LineStrings): use :func:`save_graphml`,
or ``ox.io.save_graphml`` (which stores every value as text).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import warnings
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import networkx as nx
import numpy as np
import shapely
from pyproj import CRS as CRSType
from pyproj import Geod
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from ._errors import DataError, DateError, KarabakhRoutesWarning, Problem, escape_surrogates, has_lone_surrogate
from ._io import OversizedInt, atomic_write, gc_paused, json_number, read_json, read_json_checked
from .datasets import bundled_path
from .dates import DATE_MAX, DateSpan, parse_edtf
from .places import PLACE_KINDS, Place, PlaceIndex, mixed_script_note, normalize_name

if TYPE_CHECKING:  # loaded by the functions that build or read GeoDataFrames (reach needs neither)
    import geopandas as gpd
    import pandas as pd

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
    "routes_of",
    "to_directed",
    "save_graphml",
    "load_graphml",
]

CRS = "EPSG:4326"
#: (min_lon, min_lat, max_lon, max_lat) of the region the bundled data covers; a
#: coordinate outside it gets a warning (likely swapped or mistyped), not an error.
REGION_BOUNDS = (43.0, 38.5, 50.5, 41.5)
#: Allowed values of a place's ``coord_precision``.
COORD_PRECISIONS = ("sourced", "estimate")
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


def _show(value: object, limit: int = 200) -> str:
    """Return a short, printable text form of any JSON value (never raises)."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, OversizedInt):
        text = repr(value)
    elif value is None or isinstance(value, (bool, int, float)):
        text = json.dumps(value)  # as written in JSON: null, true, 1e+300, Infinity, NaN
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, default=repr)
        except (RecursionError, ValueError, TypeError):
            text = f"<a {'JSON array' if isinstance(value, list) else 'JSON object'} nested too deeply to show>"
    text = escape_surrogates(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _surrogates(node: object, base: str) -> list[tuple[str, str]]:
    """Return (field path, text) for every string or key under ``node`` holding a lone surrogate."""
    found: list[tuple[str, str]] = []
    stack: list[tuple[object, str]] = [(node, base)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if has_lone_surrogate(item):
                found.append((path or "-", item))
        elif isinstance(item, dict):
            for k, v in item.items():
                sub = f"{path}.{k}" if path else str(k)
                if has_lone_surrogate(k):
                    found.append((sub, k))
                stack.append((v, sub))
        elif isinstance(item, list):
            stack.extend((v, f"{path}[{j}]") for j, v in enumerate(item))
    return sorted(found)


def _check_surrogates(node: object, problems: list[Problem], file: str, where: str) -> bool:
    """Report every lone surrogate under ``node`` (a feature, a route); return whether any."""
    found = _surrogates(node, "")
    for field_path, text in found:
        field_path = field_path.removeprefix("properties.")
        problems.append(Problem(file, where, field_path, escape_surrogates(text),
                                "valid Unicode text: this has a lone surrogate (a \\ud800-\\udfff escape "
                                "that is half of a pair); write the character itself or its full pair"))
    return bool(found)


def _read_features(path: PathLike, label: str) -> tuple[list[Any], bool]:
    """Return the features of a GeoJSON file and whether they may hold a lone surrogate."""
    doc, surrogates = read_json_checked(path)
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        found = _show(doc.get("type")) if isinstance(doc, dict) else type(doc).__name__
        raise DataError([Problem(str(path), "file", "type", found, f"a GeoJSON FeatureCollection of {label}")])
    return list(doc["features"]), surrogates


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _opt_text(props: Mapping[str, Any], key: str, problems: list[Problem], file: str, where: str,
              expected: str, default: str = "") -> str | None:
    """Return an optional text property (absent/null -> ``default``); report a non-text value."""
    value = props.get(key)
    if value is None:
        return default
    if isinstance(value, str):
        return value
    problems.append(Problem(file, where, key, _show(value), f"{expected} (JSON text, or leave it out)"))
    return None


def _name_list(props: Mapping[str, Any], key: str, problems: list[Problem], file: str, where: str,
               what: str) -> list[str] | None:
    """Return a list-of-names property; report a wrong type or an element that is not a usable name."""
    raw = props.get(key)
    if raw is None:
        return []
    values = _str_list(raw)
    if values is None:
        if isinstance(raw, list):
            for j, v in enumerate(raw):
                if not isinstance(v, str):
                    problems.append(Problem(file, where, f"{key}[{j}]", _show(v), f"a {what} as JSON text"))
        else:
            problems.append(Problem(file, where, key, _show(raw), f"a JSON array of {what}s"))
        return None
    ok = True
    for j, v in enumerate(values):
        if not normalize_name(v):
            problems.append(Problem(file, where, f"{key}[{j}]", v, f"a {what} with at least one letter or digit"))
            ok = False
    return values if ok else None


def _name_text(value: object, problems: list[Problem], file: str, where: str, key: str, what: str) -> str | None:
    """Return a required name; report anything that is not text with at least one letter or digit."""
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(file, where, key, _show(value), f"a non-empty {what} (JSON text)"))
        return None
    if not normalize_name(value):
        problems.append(Problem(file, where, key, value, f"a {what} with at least one letter or digit"))
        return None
    return value


def _warn_mixed(names: Sequence[tuple[str, str]], problems: list[Problem], file: str, where: str) -> None:
    """Add a warning for each (field, name) whose words mix Latin with Cyrillic or Greek letters."""
    for key, name in names:
        note = mixed_script_note(name)
        if note:
            problems.append(Problem(file, where, key, name, note, "warning"))


def _unique_id(value: object, seen: set[str], problems: list[Problem], file: str, where: str) -> bool:
    """Check a feature id (non-empty text, not seen before); record it; report a problem if not."""
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(file, where, "id", _show(value), "a non-empty text id"))
        return False
    if not normalize_name(value):
        problems.append(Problem(file, where, "id", value, "an id with at least one letter or digit"))
        return False
    if value in seen:
        problems.append(Problem(file, where, "id", value, "ids must be unique; this one is used twice"))
        return False
    seen.add(value)
    return True


def _where(i: int, fid: object, label: str = "feature") -> str:
    shown = f" (id={_show(fid, 60)})" if isinstance(fid, str) and fid else ""
    return f"{label} {i}{shown}"


def _str_list(value: object) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    if isinstance(value, str):
        return [v.strip() for v in value.split("|") if v.strip()]
    return None


def _features_with_properties(
    feats: Sequence[Any], file: str, problems: list[Problem]
) -> Iterator[tuple[int, dict[str, Any], dict[str, Any]]]:
    """Yield ``(index, feature, properties)`` for each feature with an object of properties.

    Every other feature (not an object, or without an object of properties) is reported as a problem.
    """
    for i, f in enumerate(feats):
        if not isinstance(f, dict):
            problems.append(Problem(file, f"feature {i}", "-", _show(f, 40), "a GeoJSON Feature (a JSON object)"))
        elif not isinstance(f.get("properties"), dict):
            problems.append(Problem(file, f"feature {i}", "properties", _show(f.get("properties"), 40),
                                    "a JSON object of properties"))
        else:
            yield i, f, f["properties"]


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
    with gc_paused():
        return _read_places(p)


def _read_places(p: PathLike) -> dict[str, Place]:
    feats, surrogates = _read_features(p, "Points")
    problems: list[Problem] = []
    places: dict[str, Place] = {}
    seen_ids: set[str] = set()
    seen_names: dict[str, str] = {}
    file = str(p)
    fast = _PLACES_FAST and not surrogates
    for i, f, props in _features_with_properties(feats, file, problems):
        if fast:
            place = _fast_place(props, f.get("geometry"), seen_ids, seen_names)
            if place is not None:
                places[place.id] = place
                continue
        pid = props.get("id")
        where = _where(i, pid)
        geom = _dict(f.get("geometry"))
        n_before = len(problems)
        if surrogates:
            _check_surrogates(f, problems, file, where)
        _unique_id(pid, seen_ids, problems, file, where)
        name = _name_text(props.get("name"), problems, file, where, "name", "display name")
        aliases = _name_list(props, "aliases", problems, file, where, "name")
        kind = props.get("kind")
        if not isinstance(kind, str) or kind not in PLACE_KINDS:
            problems.append(Problem(file, where, "kind", _show(kind), f"one of {', '.join(PLACE_KINDS)}"))
        coord_source = _opt_text(props, "coord_source", problems, file, where, "where the coordinate comes from")
        precision = props.get("coord_precision", "sourced")
        if not isinstance(precision, str) or precision not in COORD_PRECISIONS:
            problems.append(Problem(file, where, "coord_precision", _show(precision), f"one of {', '.join(COORD_PRECISIONS)}"))
        note = _opt_text(props, "note", problems, file, where, "free text")
        bad = len(problems) > n_before
        if geom.get("type") != "Point":
            problems.append(Problem(file, where, "geometry.type", _show(geom.get("type")), "Point"))
            continue
        coords = geom.get("coordinates")
        pos = _position(coords)
        if pos is None:
            problems.append(Problem(file, where, "geometry.coordinates", _show(coords), "[longitude, latitude] numbers"))
            continue
        lon, lat = pos
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            problems.append(Problem(file, where, "geometry.coordinates", f"[{lon}, {lat}]",
                                    "longitude in -180..180 and latitude in -90..90"))
            continue
        x0, y0, x1, y1 = REGION_BOUNDS
        if not (x0 <= lon <= x1 and y0 <= lat <= y1):
            hint = " (longitude and latitude look swapped)" if x0 <= lat <= x1 and y0 <= lon <= y1 else ""
            problems.append(Problem(file, where, "geometry.coordinates", f"[{lon}, {lat}]",
                                    f"outside the region lon {x0}..{x1}, lat {y0}..{y1}{hint}", "warning"))
        if bad:
            continue
        assert isinstance(pid, str) and name is not None and aliases is not None
        assert coord_source is not None and note is not None and isinstance(precision, str)
        _warn_mixed([("name", name), *((f"aliases[{j}]", a) for j, a in enumerate(aliases))], problems, file, where)
        for n in (pid, name, *aliases):
            key = normalize_name(n)
            other = seen_names.get(key)
            if other is not None and other != pid:
                problems.append(Problem(file, where, "aliases", n,
                                        f"this name is already used by place {other!r}; names must identify one place"))
            seen_names.setdefault(key, pid)
        places[pid] = Place(
            id=pid, name=name, aliases=tuple(aliases), kind=str(kind), lon=lon, lat=lat,
            coord_source=coord_source, coord_precision=precision, note=note,
        )
    _raise_or_warn(problems, stacklevel=4)  # the caller of read_places
    return places


#: Whether :func:`_read_places` takes :func:`_fast_place` first (tests compare it with the full checks).
_PLACES_FAST = True


def _fast_place(props: dict[str, Any], geom: object, seen_ids: set[str], seen_names: dict[str, str]) -> Place | None:
    """The place of a feature the full checks would report nothing about, recorded as seen; else None (nothing recorded).

    Only the plain case: ASCII names (no letters of another script to warn about), aliases
    absent or a list, a point of two JSON floats inside the region, every optional property
    absent or text.
    """
    pid, name, kind, aliases = props.get("id"), props.get("name"), props.get("kind"), props.get("aliases")
    if type(pid) is not str or type(name) is not str or type(kind) is not str or kind not in PLACE_KINDS:
        return None
    if aliases is None:
        aliases = []
    elif type(aliases) is not list or not all(type(a) is str for a in aliases):
        return None
    coord_source, note = props.get("coord_source"), props.get("note")
    precision = props.get("coord_precision", "sourced")
    if ((coord_source is not None and type(coord_source) is not str) or (note is not None and type(note) is not str)
            or type(precision) is not str or precision not in COORD_PRECISIONS):
        return None
    if type(geom) is not dict or geom.get("type") != "Point":
        return None
    coords = geom.get("coordinates")
    if type(coords) is not list or len(coords) < 2 or type(coords[0]) is not float or type(coords[1]) is not float:
        return None
    lon, lat = coords[0], coords[1]
    x0, y0, x1, y1 = REGION_BOUNDS
    if not (x0 <= lon <= x1 and y0 <= lat <= y1) or pid in seen_ids or not (pid + name + "".join(aliases)).isascii():
        return None
    keys = [normalize_name(n) for n in (pid, name, *aliases)]
    if not all(keys) or any(seen_names.get(k, pid) != pid for k in keys):
        return None
    seen_ids.add(pid)
    for k in keys:
        seen_names.setdefault(k, pid)
    out = object.__new__(Place)  # (the frozen dataclass's fields, set without its per-field setattr)
    out.__dict__.update(id=pid, name=name, aliases=tuple(aliases), kind=kind, lon=lon, lat=lat,
                        coord_source=coord_source if coord_source is not None else "",
                        coord_precision=precision, note=note if note is not None else "")
    return out


def _raise_or_warn(problems: Sequence[Problem], stacklevel: int = 3) -> None:
    """Raise a DataError listing ``problems`` if any is an error, else warn each (attributed to the caller's caller)."""
    if any(p.severity == "error" for p in problems):
        raise DataError(problems)
    for prob in problems:
        warning = KarabakhRoutesWarning(str(prob))
        warning.problem = prob
        warnings.warn(warning, stacklevel=stacklevel)


def _position(c: object) -> tuple[float, float] | None:
    """Return ``(lon, lat)`` of a GeoJSON position, or None if it is not one."""
    if not isinstance(c, list) or len(c) < 2:
        return None
    lon, lat = json_number(c[0]), json_number(c[1])
    return None if lon is None or lat is None else (lon, lat)


def _fast_coords(coords: object) -> tuple[list[float], list[float]] | None:
    """Return the x and y lists of a LineString's coordinates, or None to run the full checks.

    Only at least two positions, each a pair of in-range JSON floats, are taken here.
    """
    if type(coords) is not list or len(coords) < 2:
        return None
    xs: list[float] = []
    ys: list[float] = []
    for c in coords:
        if type(c) is not list or len(c) < 2:
            return None
        x, y = c[0], c[1]
        if type(x) is not float or type(y) is not float or not (-180.0 <= x <= 180.0 and -90.0 <= y <= 90.0):
            return None
        xs.append(x)
        ys.append(y)
    return xs, ys


def _fast_segment(props: dict[str, Any], places: Mapping[str, Place], ids: set[str]) -> tuple[str, str, str] | None:
    """Return ``(id, u, v)`` of a segment, or None to run the full checks.

    Only properties the full checks would report nothing about are taken here (the id is then
    recorded as seen); any waypoint goes to the full checks.
    """
    sid, u, v = props.get("id"), props.get("u"), props.get("v")
    if (type(sid) is not str or sid in ids or type(u) is not str or u not in places or type(v) is not str
            or v not in places or not sid.strip() or not normalize_name(sid)):
        return None
    for key in ("name", "geometry_source", "note"):
        value = props.get(key)
        if value is not None and type(value) is not str:
            return None
    waypoints = props.get("waypoints")
    if waypoints is not None and waypoints != []:
        return None
    ids.add(sid)
    return sid, u, v


def _read_segments(path: PathLike, places: Mapping[str, Place]) -> list[dict[str, Any]]:
    """Read the segments file: one dict per segment (id, u, v, name, geometry, length_km, waypoints, ...)."""
    with gc_paused():
        feats, surrogates = _read_features(path, "LineStrings")
        problems: list[Problem] = []
        out: list[dict[str, Any]] = []
        ids: set[str] = set()
        file = str(path)
        # per accepted segment: its feature index, and where its end-gap problems go in ``problems``
        index: list[int] = []
        at: list[int] = []
        xs: list[float] = []
        ys: list[float] = []
        counts: list[int] = []
        for i, f in enumerate(feats):
            if not surrogates and type(f) is dict:
                props = f.get("properties")
                geom = f.get("geometry")
                if type(props) is dict and type(geom) is dict and geom.get("type") == "LineString":
                    fast = _fast_segment(props, places, ids)
                    if fast is not None:
                        xy = _fast_coords(geom.get("coordinates"))
                        if xy is not None:
                            sid, u, v = fast
                            out.append({"id": sid, "u": u, "v": v, "name": props.get("name") or sid,
                                        "waypoints": (), "geometry_source": props.get("geometry_source") or "",
                                        "note": props.get("note") or ""})
                            index.append(i)
                            at.append(len(problems))
                            xs.extend(xy[0])
                            ys.extend(xy[1])
                            counts.append(len(xy[0]))
                            continue
                        ids.discard(fast[0])  # checked again below, with every problem reported
            seg = _check_segment(i, f, places, ids, problems, file)
            if seg is not None:
                seg_props, (sxs, sys_) = seg
                out.append(seg_props)
                index.append(i)
                at.append(len(problems))
                xs.extend(sxs)
                ys.extend(sys_)
                counts.append(len(sxs))
        if not out:
            _raise_or_warn(problems)
            return out
        x = np.array(xs, dtype=float)
        y = np.array(ys, dtype=float)
        n_points = np.array(counts, dtype=np.intp)
        first = np.zeros(len(counts), dtype=np.intp)
        np.cumsum(n_points[:-1], out=first[1:])
        last = first + n_points - 1
        gaps = _end_gaps(out, places, x, y, first, last)
        lengths = _line_lengths_km(x, y, first, n_points)
        lines = shapely.linestrings(np.column_stack([x, y]), indices=np.repeat(np.arange(len(counts)), n_points))
        found: list[tuple[int, Problem]] = []
        for k, seg_props in enumerate(out):
            seg_props["geometry"] = lines[k]
            seg_props["length_km"] = lengths[k]
            for end, point, gap in (("u", first[k], gaps[0][k]), ("v", last[k], gaps[1][k])):
                if gap > MAX_END_GAP_KM:
                    pl = places[seg_props[end]]
                    px, py = xs[point], ys[point]
                    found.append((at[k], Problem(
                        file, _where(index[k], seg_props["id"]), "geometry.coordinates", f"[{px}, {py}]",
                        f"the line's {'first' if end == 'u' else 'last'} point must be at place "
                        f"{pl.id!r} ({pl.lon}, {pl.lat}); it is {gap:.1f} km away")))
        if found:  # each in file order: after the problems of the features before its own
            merged: list[Problem] = []
            done = 0
            for pos, prob in found:
                merged.extend(problems[done:pos])
                merged.append(prob)
                done = pos
            problems = merged + problems[done:]
        _raise_or_warn(problems)
        return out


def _end_gaps(segs: Sequence[Mapping[str, Any]], places: Mapping[str, Place], x: np.ndarray, y: np.ndarray,
              first: np.ndarray, last: np.ndarray) -> tuple[list[float], list[float]]:
    """Return the distances (km) from each line's first point to its place ``u`` and from its last to ``v``."""
    out = []
    for end, points in (("u", first), ("v", last)):
        lon = np.array([places[s[end]].lon for s in segs], dtype=float)
        lat = np.array([places[s[end]].lat for s in segs], dtype=float)
        dist = _GEOD.inv(lon, lat, x[points], y[points])[2]
        out.append((np.asarray(dist, dtype=float) / 1000.0).tolist())
    return out[0], out[1]


def _line_lengths_km(x: np.ndarray, y: np.ndarray, first: np.ndarray, n_points: np.ndarray) -> list[float]:
    """Return the geodesic length (km) of each line, exactly as :func:`segment_length_km` computes it.

    The distances between consecutive points are computed at once; each line's are then added
    up in order from 0.0, as ``Geod.line_length`` does, so the sums are the same to the last bit.
    """
    n_pairs = n_points - 1
    pair_first = np.zeros(len(n_pairs), dtype=np.intp)
    np.cumsum(n_pairs[:-1], out=pair_first[1:])
    total = int(n_pairs.sum())
    start = np.repeat(first - pair_first, n_pairs) + np.arange(total, dtype=np.intp)
    dist = np.asarray(_GEOD.inv(x[start], y[start], x[start + 1], y[start + 1])[2], dtype=float)
    metres = np.zeros(len(n_pairs), dtype=float)
    for k in np.unique(n_pairs).tolist():
        rows = np.flatnonzero(n_pairs == k)
        if len(rows) * 4 < k:  # a few long lines: add their distances one by one
            for r in rows.tolist():
                acc = 0.0
                for d in dist[pair_first[r]:pair_first[r] + k].tolist():
                    acc += d
                metres[r] = acc
            continue
        block = dist[pair_first[rows][:, None] + np.arange(k, dtype=np.intp)]
        acc_arr = np.zeros(len(rows), dtype=float)
        for j in range(k):
            acc_arr += block[:, j]
        metres[rows] = acc_arr
    km: list[float] = (metres / 1000.0).tolist()
    return km


def _check_segment(i: int, f: object, places: Mapping[str, Place], ids: set[str], problems: list[Problem],
                   file: str) -> tuple[dict[str, Any], tuple[list[float], list[float]]] | None:
    """Check one feature of the segments file with every check, reporting each problem.

    Returns the segment's properties and its coordinates (x and y lists) when it is fit to
    join the network (its ends' distance to its places is checked afterwards), else None.
    """
    if not isinstance(f, dict):
        problems.append(Problem(file, f"feature {i}", "-", _show(f, 40), "a GeoJSON Feature (a JSON object)"))
        return None
    if not isinstance(f.get("properties"), dict):
        problems.append(Problem(file, f"feature {i}", "properties", _show(f.get("properties"), 40),
                                "a JSON object of properties"))
        return None
    props = f["properties"]
    sid = props.get("id")
    where = _where(i, sid)
    geom = _dict(f.get("geometry"))
    n_before = len(problems)
    _check_surrogates(f, problems, file, where)
    _unique_id(sid, ids, problems, file, where)
    for end in ("u", "v"):
        val = props.get(end)
        if not isinstance(val, str) or val not in places:
            problems.append(Problem(file, where, end, _show(val), "a place id from the places file (JSON text)"))
    name = _opt_text(props, "name", problems, file, where, "a display name")
    waypoints = _name_list(props, "waypoints", problems, file, where, "waypoint name")
    geometry_source = _opt_text(props, "geometry_source", problems, file, where, "the sources of the waypoints")
    note = _opt_text(props, "note", problems, file, where, "free text")
    bad = len(problems) > n_before
    if geom.get("type") != "LineString":
        problems.append(Problem(file, where, "geometry.type", _show(geom.get("type")), "LineString"))
        return None
    coords = geom.get("coordinates")
    positions = [_position(c) for c in coords] if isinstance(coords, list) else []
    if len(positions) < 2 or any(pos is None for pos in positions):
        problems.append(Problem(file, where, "geometry.coordinates", _show(coords, 80),
                                "at least two [longitude, latitude] positions"))
        return None
    xy = [pos for pos in positions if pos is not None]
    if any(not (-180 <= x <= 180 and -90 <= y <= 90) for x, y in xy):
        problems.append(Problem(file, where, "geometry.coordinates", _show(coords, 80),
                                "longitude in -180..180 and latitude in -90..90"))
        return None
    if bad:
        return None
    assert isinstance(sid, str) and name is not None and waypoints is not None
    assert geometry_source is not None and note is not None
    seg = {"id": sid, "u": props["u"], "v": props["v"], "name": name or sid, "waypoints": tuple(waypoints),
           "geometry_source": geometry_source, "note": note}
    return seg, ([x for x, _ in xy], [y for _, y in xy])


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
    doc = read_json(p)
    if not isinstance(doc, list):
        raise DataError([Problem(str(p), "file", "-", type(doc).__name__, "a JSON array of routes")])
    file = str(p)
    problems: list[Problem] = []
    routes: dict[str, Route] = {}
    known = set(segment_ids)
    route_names: dict[str, str] = {}
    for i, r in enumerate(doc):
        if not isinstance(r, dict):
            problems.append(Problem(file, f"route {i}", "-", _show(r, 40), "an object"))
            continue
        rid = r.get("id")
        where = _where(i, rid, "route")
        n_before = len(problems)
        _check_surrogates(r, problems, file, where)
        if not isinstance(rid, str) or not rid.strip() or rid in routes:
            problems.append(Problem(file, where, "id", _show(rid), "a unique non-empty id (JSON text)"))
        elif not normalize_name(rid):
            problems.append(Problem(file, where, "id", rid, "an id with at least one letter or digit"))
        name = _opt_text(r, "name", problems, file, where, "a display name")
        if name is not None and name.strip() and not normalize_name(name):
            problems.append(Problem(file, where, "name", name, "a name with at least one letter or digit"))
        aliases = _name_list(r, "aliases", problems, file, where, "name")
        description = _opt_text(r, "description", problems, file, where, "free text")
        numbered: list[tuple[int, Alignment]] = []
        raw_als = r.get("alignments")
        if not isinstance(raw_als, list) or not raw_als:
            problems.append(Problem(file, where, "alignments", _show(raw_als, 40), "a non-empty array of alignments"))
            continue
        for j, a in enumerate(raw_als):
            al = _read_alignment(a, f"{where}, alignment {j}", known, problems, file)
            if al is not None:
                numbered.append((j, al))
        _check_overlaps(numbered, problems, file, where)
        als = [al for _, al in numbered]
        if len(problems) > n_before:
            continue
        assert isinstance(rid, str) and name is not None and aliases is not None and description is not None
        shown = name or rid
        _warn_mixed([("name", shown), *((f"aliases[{j}]", a) for j, a in enumerate(aliases))], problems, file, where)
        for n in (rid, shown, *aliases):
            key = normalize_name(n)
            other = route_names.setdefault(key, rid)
            if other != rid:
                problems.append(Problem(file, where, "aliases", n,
                                        f"this name is already used by route {other!r}; names must identify one route"))
        routes[rid] = Route(rid, shown, tuple(aliases), description, tuple(als))
    _raise_or_warn(problems)
    return routes


def _read_alignment(a: object, aw: str, known: set[str], problems: list[Problem], file: str) -> Alignment | None:
    """Read one alignment object of a route; report its problems and return None if it has any."""
    if not isinstance(a, dict):
        problems.append(Problem(file, aw, "-", _show(a, 40), "an object"))
        return None
    n_before = len(problems)
    start: DateSpan | None = None
    end: DateSpan | None = None
    raw_start, raw_end = a.get("start"), a.get("end")
    if not isinstance(raw_start, str) or not raw_start.strip():
        problems.append(Problem(file, aw, "start", _show(raw_start), "an EDTF date as JSON text (e.g. \"2022-08-30\")"))
    else:
        try:
            start = parse_edtf(raw_start)
        except DateError as exc:
            problems.append(Problem(file, aw, "start", raw_start, str(exc)))
    if raw_end is not None and not isinstance(raw_end, str):
        problems.append(Problem(file, aw, "end", _show(raw_end),
                                "an EDTF date as JSON text, or empty/null while the alignment is in force"))
    elif raw_end is not None and raw_end.strip():
        try:
            end = parse_edtf(raw_end)
        except DateError as exc:
            problems.append(Problem(file, aw, "end", raw_end, str(exc)))
    if start is not None and end is not None and end.upper < start.lower:
        problems.append(Problem(file, aw, "end", end.text, f"on or after the start {start.text}"))
    raw_segs = a.get("segments")
    segs = _str_list(raw_segs) if raw_segs is not None else None
    if not segs:
        problems.append(Problem(file, aw, "segments", _show(raw_segs, 80), "a non-empty array of segment ids (JSON text)"))
    else:
        for s in segs:
            if s not in known:
                problems.append(Problem(file, aw, "segments", s, "a segment id from the segments file"))
    source = _opt_text(a, "source", problems, file, aw, "a source id")
    note = _opt_text(a, "note", problems, file, aw, "free text")
    if len(problems) > n_before:
        return None
    assert start is not None and segs and source is not None and note is not None
    return Alignment(start, end, tuple(segs), source, note)


def _alignment_days(al: Alignment) -> tuple[dt.date, dt.date]:
    """Return the first and last day an alignment is in force (the last is DATE_MAX while open)."""
    return al.start.lower, al.end.upper if al.end is not None else DATE_MAX


def _check_overlaps(numbered: Sequence[tuple[int, Alignment]], problems: list[Problem], file: str, where: str) -> None:
    """Report every pair of a route's alignments in force on a common day (only one can apply on a date)."""
    def label(j: int, al: Alignment) -> str:
        end = al.end.text if al.end is not None else "no end"
        return f"alignment {j} ({al.start.text} to {end})"

    for x, (i, a) in enumerate(numbered):
        for j, b in numbered[x + 1:]:
            a0, a1 = _alignment_days(a)
            b0, b1 = _alignment_days(b)
            if a0 <= b1 and b0 <= a1:
                problems.append(Problem(file, where, "alignments", f"{label(i, a)} and {label(j, b)}",
                                        "alignments of one route that do not overlap in time (on any date only one "
                                        "alignment is in force): end the earlier one the day before the later starts"))


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
    >>> d = G.edges["goris", "tegh", "goris__tegh"]
    >>> round(d["length_km"]) > 0 and d["length"] == d["length_km"] * 1000
    True
    >>> routes_of(G)["lachin_corridor"].name
    'Lachin corridor'
    """
    with gc_paused():
        place_map = read_places(places)
        seg_path = segments if segments is not None else bundled_path("segments")
        segs = _read_segments(seg_path, place_map)
        if routes is None and segments is not None:
            route_map: dict[str, Route] = {}
        else:
            route_map = read_routes(routes, [s["id"] for s in segs])
        routes_path = str(routes if routes is not None else ("" if segments is not None else bundled_path("routes")))
        routes_text = _routes_json(route_map)
        G = nx.MultiGraph(crs=CRS, routes=routes_text, routes_file=os.path.basename(routes_path))
        _ROUTES[G] = (routes_text, route_map)
        if routes_path:
            _ROUTES_PATHS[G] = routes_path
        for pl in place_map.values():
            G.add_node(pl.id, x=pl.lon, y=pl.lat, name=pl.name, aliases=pl.aliases, kind=pl.kind,
                       coord_source=pl.coord_source, coord_precision=pl.coord_precision, note=pl.note)
        membership: dict[str, list[str]] = {}
        for r in route_map.values():
            for sid in r.segments:
                membership.setdefault(sid, []).append(r.id)
        for seg in segs:
            length_km = seg["length_km"]
            G.add_edge(seg["u"], seg["v"], key=seg["id"], id=seg["id"], u=seg["u"], v=seg["v"], name=seg["name"],
                       routes=tuple(membership.get(seg["id"], ())), geometry=seg["geometry"],
                       length_km=length_km, length=length_km * 1000.0, waypoints=seg["waypoints"],
                       geometry_source=seg["geometry_source"], note=seg["note"])
        _set_street_counts(G)
        connected = not G.number_of_nodes() or nx.is_connected(G)
    if not connected:
        parts = sorted((sorted(c) for c in nx.connected_components(G)), key=len)
        isolated = "; ".join(", ".join(c) for c in parts[:-1])
        prob = Problem(str(seg_path), "network", "u/v", isolated,
                       f"one connected network; it has {len(parts)} unconnected parts (these are not connected to the rest)",
                       "warning")
        warning = KarabakhRoutesWarning(str(prob))
        warning.problem = prob
        warnings.warn(warning, stacklevel=2)
    return G


def _set_street_counts(G: nx.MultiGraph, *, keep: bool = False) -> None:
    """Set each node's ``street_count``: the segments that meet there (a loop counts twice), as OSMnx counts.

    With ``keep``, a node that has a ``street_count`` keeps it.
    """
    degree = G.to_undirected(as_view=True).degree if G.is_directed() else G.degree
    for n, d in G.nodes(data=True):
        if not (keep and "street_count" in d):
            d["street_count"] = int(degree(n))


_PLACE_INDEXES: weakref.WeakKeyDictionary[nx.MultiGraph, PlaceIndex] = weakref.WeakKeyDictionary()


def _edges_of(G: nx.MultiGraph, index: Mapping[Any, int]
              ) -> tuple[list[int], list[int], list[str], list[float], list[dict[str, Any]]]:
    """Each edge's ends (node indexes), key, ``length_km`` (nan: none) and data, in the order of ``G.edges(keys=True)``.

    Read from the adjacency dicts in one loop, as NetworkX walks an undirected multigraph's
    edges (each node's neighbours not yet walked from): 0.15 s instead of 0.25 s at L (100,000
    edges), with the collector paused, as reading does. Another kind of graph: from ``G.edges``.
    """
    us: list[int] = []
    ws: list[int] = []
    keys: list[str] = []
    lengths: list[float] = []
    data: list[dict[str, Any]] = []
    with gc_paused():
        if type(G) is nx.MultiGraph:
            seen: set[Any] = set()
            for n, nbrs in G._adj.items():
                i = index[n]
                for nbr, kd in nbrs.items():
                    if nbr in seen:
                        continue
                    j = index[nbr]
                    for k, d in kd.items():
                        us.append(i)
                        ws.append(j)
                        keys.append(k)
                        lengths.append(d.get("length_km", math.nan))
                        data.append(d)
                seen.add(n)
        else:
            for a, b, k, d in G.edges(keys=True, data=True):
                us.append(index[a])
                ws.append(index[b])
                keys.append(k)
                lengths.append(d.get("length_km", math.nan))
                data.append(d)
    return us, ws, keys, lengths, data


class EdgeArrays(NamedTuple):
    """A graph's edges as arrays, in the order of ``G.edges(keys=True)`` (see :func:`edge_arrays`)."""

    nodes: list[Any]  # the graph's nodes, in order
    position: dict[Any, int]  # each node's position in ``nodes``
    keys: list[Any]  # each edge's key (a segment id)
    u: np.ndarray  # each edge's ends, as node positions
    v: np.ndarray
    length: np.ndarray  # ``length_km`` (nan where an edge has none)
    data: list[dict[str, Any]]  # each edge's attributes: the graph's own dicts


def edge_arrays(G: nx.MultiGraph) -> EdgeArrays:
    """Return the edges of ``G`` as arrays: what routing and the status table read, made in one pass over the graph."""
    nodes = list(G.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    us, ws, keys, lengths, data = _edges_of(G, index)
    try:
        length = np.array(lengths, float)
    except (TypeError, ValueError):  # a length that is not a number (a graph built in code): nan
        length = np.array([x if isinstance(x, (int, float)) else math.nan for x in lengths], float)
    return EdgeArrays(nodes, index, keys, np.array(us, np.int64), np.array(ws, np.int64), length, data)


def place_index(G: nx.MultiGraph) -> PlaceIndex:
    """Return a :class:`~karabakh_routes.places.PlaceIndex` over the graph's nodes (cached per graph)."""
    cached = _PLACE_INDEXES.get(G)
    if cached is not None and len(cached.places) == G.number_of_nodes():
        return cached
    with gc_paused():  # (a place and its keys per node: no collector passes over a large network's meanwhile)
        places = {
            n: Place(id=n, name=d.get("name", n), aliases=tuple(d.get("aliases", ())), kind=d.get("kind", ""),
                     lon=d["x"], lat=d["y"], coord_source=d.get("coord_source", ""),
                     coord_precision=d.get("coord_precision", "sourced"), note=d.get("note", ""))
            for n, d in G.nodes(data=True)
        }
        idx = PlaceIndex(places)
    _PLACE_INDEXES[G] = idx
    return idx


def _route_to_dict(r: Route) -> dict[str, Any]:
    """Return a route as plain JSON data, in the format of ``routes.json``."""
    return {"id": r.id, "name": r.name, "aliases": list(r.aliases), "description": r.description,
            "alignments": [{"start": a.start.text, "end": a.end.text if a.end is not None else None,
                            "segments": list(a.segments), "source": a.source, "note": a.note}
                           for a in r.alignments]}


def _route_from_dict(d: object) -> Route:
    """Return the :class:`Route` of one object of ``routes.json`` data (as :func:`_route_to_dict` writes it)."""
    if not isinstance(d, Mapping) or not isinstance(d.get("id"), str):
        raise ValueError(f"G.graph['routes']: expected route objects with an 'id', got {_show(d, 80)}")
    als = []
    for a in d.get("alignments") or ():
        if not isinstance(a, Mapping) or not isinstance(a.get("start"), str):
            raise ValueError(f"G.graph['routes']: expected alignment objects with a 'start', got {_show(a, 80)}")
        end = a.get("end")
        als.append(Alignment(parse_edtf(a["start"]), parse_edtf(end) if end else None, tuple(a.get("segments") or ()),
                             a.get("source") or "", a.get("note") or ""))
    rid = d["id"]
    return Route(rid, d.get("name") or rid, tuple(d.get("aliases") or ()), d.get("description") or "", tuple(als))


def _routes_json(routes: object) -> str:
    """Return route definitions as JSON text, the plain form kept in ``G.graph["routes"]``.

    ``routes`` may be a mapping of route id to :class:`Route` (or to route objects as plain
    data), a sequence of either, JSON text of them, or None (no routes).
    """
    return json.dumps([_route_to_dict(r) for r in _parse_routes(routes).values()], ensure_ascii=False,
                      separators=(",", ":"))


def _parse_routes(raw: object) -> dict[str, Route]:
    """Return route id -> :class:`Route` from any form :func:`_routes_json` accepts."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return {}
    if isinstance(raw, (str, bytes)):
        raw = json.loads(raw)
    items = raw.values() if isinstance(raw, Mapping) else raw
    if isinstance(items, (str, bytes)) or not isinstance(items, Iterable):
        raise ValueError(f"G.graph['routes']: expected route definitions, got {_show(raw, 80)}")
    out: dict[str, Route] = {}
    for item in items:
        route = item if isinstance(item, Route) else _route_from_dict(item)
        out[route.id] = route
    return out


#: Per graph: (the ``G.graph["routes"]`` text parsed, its routes). The text is immutable, so the
#: entry is valid while ``G.graph["routes"]`` is that same text.
_ROUTES: weakref.WeakKeyDictionary[nx.MultiGraph, tuple[str, dict[str, Route]]] = weakref.WeakKeyDictionary()
#: Per graph: the full path of the routes file it was read from (``G.graph`` keeps the name only).
_ROUTES_PATHS: weakref.WeakKeyDictionary[nx.MultiGraph, str] = weakref.WeakKeyDictionary()


def _same_text(cached: str, raw: object) -> bool:
    return cached is raw or (isinstance(raw, str) and cached == raw)


def routes_of(G: nx.MultiGraph) -> dict[str, Route]:
    """Return the graph's routes, route id -> :class:`Route` (read from ``G.graph["routes"]``).

    ``G.graph["routes"]`` holds the route definitions as JSON text (the ``routes.json``
    format), so the graph stays plain data (GraphML, GeoPackage, ``json.dumps``). This reads
    them as :class:`Route` objects, cached per graph until ``G.graph["routes"]`` changes.
    A mapping of :class:`Route` or a list of route objects in ``G.graph["routes"]`` works too.
    The dict returned is shared by later calls: do not change it (set ``G.graph["routes"]``).

    Examples
    --------
    >>> G = graph_from_geodata()
    >>> isinstance(G.graph["routes"], str)
    True
    >>> routes_of(G)["aghdam_road"].segments[0]
    'askeran__aghdam'
    """
    raw = G.graph.get("routes")
    cached = _ROUTES.get(G)
    if cached is not None and _same_text(cached[0], raw):
        return cached[1]
    routes = _parse_routes(raw)
    if isinstance(raw, str):
        _ROUTES[G] = (raw, routes)
    return routes


def _routes_path(G: nx.MultiGraph) -> str:
    """Return the path of the file the graph's routes were read from, for messages ("routes" when unknown)."""
    return _ROUTES_PATHS.get(G) or str(G.graph.get("routes_file") or "routes")


_ROUTE_INDEXES: weakref.WeakKeyDictionary[nx.MultiGraph, tuple[object, dict[str, str]]] = weakref.WeakKeyDictionary()


def _route_index(G: nx.MultiGraph) -> dict[str, str]:
    """Return ``{normalized id, name or alias: route id}`` (the first route wins), cached per graph.

    The cache holds while ``G.graph["routes"]`` is the same JSON text; routes in any other form
    (which may change in place) are indexed afresh on each call.
    """
    raw = G.graph.get("routes")
    cached = _ROUTE_INDEXES.get(G)
    if cached is not None and isinstance(cached[0], str) and _same_text(cached[0], raw):
        return cached[1]
    index: dict[str, str] = {}
    for r in routes_of(G).values():
        for n in (r.id, r.name, *r.aliases):
            index.setdefault(normalize_name(n), str(r.id))
    _ROUTE_INDEXES[G] = (raw, index)
    return index


def resolve_route(G: nx.MultiGraph, name: str) -> str | None:
    """Return the id of the route called ``name`` (id or alias, forgiving), else None."""
    return _route_index(G).get(normalize_name(name))


_NODE_COLS = ["name", "aliases", "kind", "coord_source", "coord_precision", "note", "x", "y"]
_EDGE_COLS = ["id", "name", "routes", "length_km", "length", "waypoints", "geometry_source", "note"]
#: Attributes the library keeps as tuples; a GeoDataFrame holds them as lists (as OSMnx does).
_NODE_TUPLES = frozenset({"aliases"})
_EDGE_TUPLES = frozenset({"routes", "waypoints"})


def _plain(value: Any) -> Any:
    """Return a value with numpy scalars and arrays turned into Python ones."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def _missing(value: Any) -> bool:
    """Return whether a GeoDataFrame cell is empty (None, NaN, NA, NaT); a list or geometry never is."""
    import pandas as pd

    if value is None:
        return True
    if isinstance(value, (str, list, tuple, dict, set, np.ndarray, BaseGeometry)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _cell(value: Any, as_tuple: bool) -> Any:
    """Return a GeoDataFrame cell as a graph attribute value (a library sequence as a tuple)."""
    value = _plain(value)
    return tuple(value) if as_tuple and isinstance(value, list) else value


def _columns(preferred: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Return the column names: ``preferred`` ones that occur, in that order, then the rest in first-seen order."""
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return [c for c in preferred if c in seen] + [c for c in seen if c not in preferred]


def _frame(rows: list[dict[str, Any]], preferred: Sequence[str], geometry: list[Any], crs: Any,
           index: pd.Index) -> gpd.GeoDataFrame:
    import geopandas as gpd
    import pandas as pd

    columns = _columns(preferred, rows)
    frame = pd.DataFrame([[row.get(c) for c in columns] for row in rows], columns=columns)
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, crs=crs), crs=crs)
    gdf.index = index
    return gdf


def _edge_ends(G: nx.MultiGraph, u: Any, v: Any, d: Mapping[str, Any]) -> tuple[Any, Any]:
    """Return an edge's ends in the drawing direction of its geometry (``d["u"]``, ``d["v"]``) when known."""
    if G.is_directed():
        return u, v
    a, b = d.get("u", u), d.get("v", v)
    return (a, b) if {a, b} == {u, v} else (u, v)


def graph_to_gdfs(G: nx.MultiGraph) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Convert the graph to node and edge GeoDataFrames, shaped as OSMnx's.

    Every node and edge attribute becomes a column (user columns too); tuples (``aliases``,
    ``routes``, ``waypoints``) become lists, as OSMnx holds sequences. The result works with
    ``osmnx.convert.graph_from_gdfs`` and with :func:`graph_from_gdfs`.

    Returns
    -------
    gdf_nodes, gdf_edges
        ``gdf_nodes`` indexed by node id (index name ``osmid``, as in OSMnx; here place ids)
        with columns ``x``, ``y``, the node attributes and Point geometry; ``gdf_edges``
        indexed by ``(u, v, key)`` (the drawing direction of the geometry and the segment
        id) with the edge attributes, among them ``id`` (the segment id), and LineString
        geometry. Both carry the graph's CRS.

    See Also
    --------
    graph_from_gdfs : the inverse.

    Examples
    --------
    >>> gdf_nodes, gdf_edges = graph_to_gdfs(graph_from_geodata())
    >>> gdf_edges.crs.to_string()
    'EPSG:4326'
    >>> gdf_edges.index.names, gdf_nodes.index.name
    (FrozenList(['u', 'v', 'key']), 'osmid')
    >>> gdf_edges.loc[("goris", "tegh", "goris__tegh"), "id"]
    'goris__tegh'
    """
    import pandas as pd

    crs = G.graph.get("crs", CRS)
    nodes = list(G.nodes(data=True))
    node_rows = [{c: list(x) if isinstance(x, tuple) else x for c, x in d.items() if c != "geometry"} for _, d in nodes]
    gdf_nodes = _frame(node_rows, _NODE_COLS, [Point(d["x"], d["y"]) for _, d in nodes], crs,
                       pd.Index([n for n, _ in nodes], name="osmid"))
    ends: list[tuple[Any, Any, Any]] = []
    edge_rows: list[dict[str, Any]] = []
    geoms: list[Any] = []
    for u, v, k, d in G.edges(keys=True, data=True):
        a, b = _edge_ends(G, u, v, d)
        ends.append((a, b, k))
        edge_rows.append({c: list(x) if isinstance(x, tuple) else x for c, x in d.items()
                          if c not in ("u", "v", "key", "geometry")})
        geom = d.get("geometry")
        if geom is None:  # a straight line, as OSMnx draws an edge without geometry
            geom = LineString([(G.nodes[a]["x"], G.nodes[a]["y"]), (G.nodes[b]["x"], G.nodes[b]["y"])])
        geoms.append(geom)
    index = pd.MultiIndex.from_arrays([[e[i] for e in ends] for i in range(3)], names=["u", "v", "key"])
    gdf_edges = _frame(edge_rows, _EDGE_COLS, geoms, crs, index)
    # the graph's own attributes (plain values: CRS, routes as JSON text), so that
    # graph_from_gdfs(*graph_to_gdfs(G)) keeps the routes without being told
    gdf_edges.attrs["graph"] = dict(G.graph)
    return gdf_nodes, gdf_edges


def _crs_text(crs: Any) -> str:
    """Return a CRS (pyproj CRS, text, EPSG code) as text, e.g. ``"EPSG:4326"``."""
    if isinstance(crs, str):
        return crs
    return str(CRSType.from_user_input(crs).to_string())


def _geometry_column(gdf: gpd.GeoDataFrame) -> str | None:
    name = getattr(gdf, "active_geometry_name", None)
    return str(name) if name is not None else None


def _length_km(geometry: LineString, crs: Any) -> float:
    """Return the geodesic length in km of a line in ``crs`` (reprojected to lon/lat when needed)."""
    import geopandas as gpd

    if crs is not None and not CRSType.from_user_input(crs).is_geographic:
        geometry = gpd.GeoSeries([geometry], crs=crs).to_crs(CRS).iloc[0]
    return segment_length_km(geometry)


def graph_from_gdfs(
    gdf_nodes: gpd.GeoDataFrame,
    gdf_edges: gpd.GeoDataFrame,
    graph_attrs: Mapping[str, Any] | None = None,
    *,
    routes: Mapping[str, Route] | Sequence[Mapping[str, Any]] | str | None = None,
) -> nx.MultiGraph:
    """Build a graph from node and edge GeoDataFrames (the inverse of :func:`graph_to_gdfs`).

    Takes what :func:`graph_to_gdfs` and ``osmnx.convert.graph_to_gdfs`` return (the
    signature is OSMnx's). Every column other than the geometry is kept as a node or edge
    attribute (empty cells are left out); lists in ``aliases``, ``routes`` and ``waypoints``
    become tuples. A directed edge table (each road both ways, as OSMnx's) gives one
    undirected edge per road: the row drawn from its ``u`` is kept.

    Parameters
    ----------
    gdf_nodes
        Indexed by node id (place id); ``x``, ``y`` columns and/or Point geometry (the
        geometry wins when both are there).
    gdf_edges
        Indexed by ``(u, v, key)``, with LineString geometry (an empty one is drawn straight
        between the nodes). An old-style table with ``u``, ``v`` and ``id`` columns works too.
        ``length_km`` and ``length`` (metres) are computed when missing.
    graph_attrs
        Graph attributes (``G.graph``), e.g. the ``G.graph`` of the graph the tables came from;
        by default the ``G.graph`` that :func:`graph_to_gdfs` recorded in ``gdf_edges.attrs["graph"]``
        (routes included), else the CRS of ``gdf_edges`` and no routes. A ``crs`` object is
        stored as text.
    routes
        Route definitions to attach (a mapping of :class:`Route`, or route objects as plain
        data or JSON text); they replace any in ``graph_attrs``. Stored as JSON text in
        ``G.graph["routes"]``; read them with :func:`routes_of`.

    See Also
    --------
    graph_to_gdfs : the inverse.

    Examples
    --------
    >>> G = graph_from_geodata()
    >>> H = graph_from_gdfs(*graph_to_gdfs(G), graph_attrs=G.graph)
    >>> sorted(H.edges(keys=True)) == sorted(G.edges(keys=True)) and routes_of(H) == routes_of(G)
    True
    """
    crs = gdf_edges.crs if gdf_edges.crs is not None else gdf_nodes.crs
    attrs: dict[str, Any] = {"crs": _crs_text(crs) if crs is not None else CRS}
    if graph_attrs is None:  # what graph_to_gdfs recorded, if these tables came from it
        graph_attrs = gdf_edges.attrs.get("graph") if isinstance(gdf_edges.attrs.get("graph"), Mapping) else None
    attrs.update(graph_attrs or {})
    attrs["crs"] = _crs_text(attrs["crs"]) if attrs.get("crs") is not None else CRS
    attrs["routes"] = _routes_json(routes if routes is not None else attrs.get("routes"))
    if "routes_file" in attrs:
        attrs["routes_file"] = os.path.basename(str(attrs["routes_file"] or ""))
    G = nx.MultiGraph(**attrs)

    geom_col = _geometry_column(gdf_nodes)
    cols = [c for c in gdf_nodes.columns if c != geom_col]
    geoms = list(gdf_nodes.geometry) if geom_col is not None else [None] * len(gdf_nodes)
    for nid, values, point in zip(gdf_nodes.index, gdf_nodes[cols].itertuples(index=False, name=None), geoms):
        node = {c: _cell(x, c in _NODE_TUPLES) for c, x in zip(cols, values) if not _missing(x)}
        if point is not None and not point.is_empty:
            node["x"], node["y"] = float(point.x), float(point.y)
        elif "x" in node and "y" in node:
            node["x"], node["y"] = float(node["x"]), float(node["y"])
        else:
            raise ValueError(f"node {nid!r}: needs x and y columns or a Point geometry")
        G.add_node(_plain(nid), **node)

    geom_col = _geometry_column(gdf_edges)
    cols = [c for c in gdf_edges.columns if c != geom_col]
    multi = gdf_edges.index.nlevels == 3
    if not multi and not {"u", "v"} <= set(cols):
        raise ValueError("gdf_edges: needs a (u, v, key) index, or u, v and id columns")
    geoms = list(gdf_edges.geometry) if geom_col is not None else [None] * len(gdf_edges)
    forward: dict[tuple[Any, Any, Any], bool] = {}
    for idx, values, geom in zip(gdf_edges.index, gdf_edges[cols].itertuples(index=False, name=None), geoms):
        edge = {c: _cell(x, c in _EDGE_TUPLES) for c, x in zip(cols, values) if not _missing(x)}
        if multi:
            u, v, k = (_plain(i) for i in idx)
        else:
            u, v = edge["u"], edge["v"]
            k = edge.get("key", edge.get("id", _plain(idx)))
        for c in ("u", "v", "key"):
            edge.pop(c, None)
        for end in (u, v):
            if end not in G:
                raise ValueError(f"edge {(u, v, k)!r}: node {end!r} is not in gdf_nodes")
        pu, pv = G.nodes[u], G.nodes[v]
        if geom is None or geom.is_empty:
            geom = LineString([(pu["x"], pu["y"]), (pv["x"], pv["y"])])
        x0, y0 = geom.coords[0]
        drawn_from_u = math.dist((x0, y0), (pu["x"], pu["y"])) <= math.dist((x0, y0), (pv["x"], pv["y"]))
        if G.has_edge(u, v, k):
            old = G.edges[u, v, k]["geometry"]
            if not old.equals(geom):  # another road between the same places: OSMnx gives it a new key too
                k = G.new_edge_key(u, v)
            elif forward[_undirected(u, v, k)] or not drawn_from_u:
                continue  # the same road the other way: keep the row drawn from its u
            else:
                G.remove_edge(u, v, k)
        forward[_undirected(u, v, k)] = drawn_from_u
        if "length_km" not in edge:
            edge["length_km"] = float(edge["length"]) / 1000.0 if "length" in edge else _length_km(geom, crs)
        edge.setdefault("length", float(edge["length_km"]) * 1000.0)
        edge.setdefault("id", k)
        G.add_edge(u, v, key=k, u=u, v=v, geometry=geom, **edge)
    _set_street_counts(G, keep=True)
    return G


def _undirected(u: Any, v: Any, k: Any) -> tuple[Any, Any, Any]:
    a, b = sorted((u, v), key=repr)
    return a, b, k


def to_directed(G: nx.MultiGraph) -> nx.MultiDiGraph:
    """Return the graph as a :class:`networkx.MultiDiGraph` with each segment both ways, for OSMnx.

    Both edges of a segment have its key and the same attributes (a shallow copy): the
    geometry and the ``u``, ``v`` attributes keep the segment's drawing direction, so the
    edge against it has its geometry drawn from its ``v`` (OSMnx's own graphs reverse it;
    use ``d["geometry"].reverse()`` where that matters). Nodes keep their attributes, with
    ``street_count``; ``G.graph`` is copied. :func:`graph_from_gdfs` turns it back into ``G``.

    OSMnx's statistics and routing work on it. Place ids are text, which OSMnx would take for
    lists of nodes, so give one-element lists:
    ``ox.routing.shortest_path(D, ["goris"], ["khankendi_stepanakert"], weight="length", cpus=1)[0]``.

    Examples
    --------
    >>> G = graph_from_geodata()
    >>> D = to_directed(G)
    >>> D.number_of_edges() == 2 * G.number_of_edges()
    True
    >>> D.edges["tegh", "goris", "goris__tegh"]["length"] == G.edges["goris", "tegh", "goris__tegh"]["length"]
    True
    """
    if G.is_directed():
        return nx.MultiDiGraph(G)
    D = nx.MultiDiGraph(**G.graph)
    D.add_nodes_from((n, dict(d)) for n, d in G.nodes(data=True))
    for u, v, k, d in G.edges(keys=True, data=True):
        a, b = _edge_ends(G, u, v, d)
        D.add_edge(a, b, key=k, **d)
        if a != b:
            D.add_edge(b, a, key=k, **d)
    _set_street_counts(D, keep=True)
    cached = _ROUTES.get(G)
    if cached is not None:
        _ROUTES[D] = cached
    return D


#: The graph attribute in which :func:`save_graphml` records how it turned values into text.
GRAPHML_TYPES = "karabakh_routes_types"


def _encoding(values: Sequence[Any]) -> str:
    """Return how to store an attribute's values as GraphML text.

    One of ``str`` (as is), ``int``, ``float``, ``bool``, ``wkt`` (geometries), ``tuple`` or
    ``list`` (JSON arrays) and ``json`` (anything else, or a mix of types).
    """
    kinds = {type(x) for x in values}
    if len(kinds) == 1 and kinds <= {str, int, float, bool, tuple, list}:
        return next(iter(kinds)).__name__
    if all(isinstance(x, BaseGeometry) for x in values):
        return "wkt"
    return "json"


def _encode(value: Any, how: str, where: str) -> str:
    if how in ("str", "int", "float", "bool"):
        return str(value)  # float: the shortest text that reads back exactly
    if how == "wkt":
        return str(value.wkt)
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{where}: cannot store {type(value).__name__} {value!r:.60} in GraphML ({exc})") from None


def _decode(value: Any, how: str) -> Any:
    if not isinstance(value, str) or how == "str":
        return value
    if how in ("int", "float"):
        return int(value) if how == "int" else float(value)
    if how == "bool":
        return value == "True"
    if how == "wkt":
        return shapely.from_wkt(value)
    out = json.loads(value)
    return tuple(out) if how == "tuple" else out


def _encode_all(items: Sequence[dict[str, Any]], what: str) -> dict[str, str]:
    """Turn the attribute dicts ``items`` into GraphML-storable values in place; return the encodings used."""
    by_name: dict[str, list[Any]] = {}
    for d in items:
        for name, value in d.items():
            d[name] = value = _plain(value)
            by_name.setdefault(name, []).append(value)
    hows = {name: _encoding(values) for name, values in by_name.items()}
    for d in items:
        for name, value in d.items():
            d[name] = _encode(value, hows[name], f"{what} attribute {name!r}")
    return {name: how for name, how in hows.items() if how != "str"}


def _id_type(values: Iterable[Any], what: str) -> str:
    kinds = {type(_plain(x)) for x in values}
    if kinds <= {str}:
        return "str"
    if kinds <= {int}:
        return "int"
    raise TypeError(f"save_graphml: {what} must all be text or all be integers, found {sorted(k.__name__ for k in kinds)}")


def save_graphml(G: nx.MultiGraph, path: PathLike) -> None:
    """Write the graph to a GraphML file that :func:`load_graphml` reads back exactly.

    The file is written atomically (never half-written). Every value is stored as text, as
    ``ox.io.save_graphml`` does: numbers and booleans as Python writes them, geometries as WKT,
    tuples, lists and other values as JSON (``G.graph["routes"]`` is JSON text already). How
    each attribute was stored is recorded in the graph attribute ``karabakh_routes_types``:
    :func:`load_graphml` restores every value and type from it, and other readers read the
    file too (``nx.read_graphml``; ``ox.io.load_graphml(path, node_dtypes={"osmid": str})``,
    which gives lists for tuples and drops the edge attribute ``id``, the key).

    Examples
    --------
    >>> import os, tempfile
    >>> G = graph_from_geodata()
    >>> path = os.path.join(tempfile.mkdtemp(), "roads.graphml")
    >>> save_graphml(G, path)
    >>> H = load_graphml(path)
    >>> H.edges["goris", "tegh", "goris__tegh"] == G.edges["goris", "tegh", "goris__tegh"]
    True
    """
    H = nx.MultiDiGraph() if G.is_directed() else nx.MultiGraph()
    node_type = _id_type(G.nodes, "node ids")
    key_type = _id_type((k for *_, k in G.edges(keys=True)), "edge keys")
    graph = dict(G.graph)
    nodes = [(n, dict(d)) for n, d in G.nodes(data=True)]
    edges = [(u, v, k, dict(d)) for u, v, k, d in G.edges(keys=True, data=True)]
    types = {"graph": _encode_all([graph], "graph"), "node": _encode_all([d for _, d in nodes], "node"),
             "edge": _encode_all([d for *_, d in edges], "edge"), "node_id": node_type, "edge_key": key_type}
    graph[GRAPHML_TYPES] = json.dumps(types, separators=(",", ":"))
    H.graph.update(graph)
    H.add_nodes_from((str(_plain(n)), d) for n, d in nodes)
    H.add_edges_from((str(_plain(u)), str(_plain(v)), str(_plain(k)), d) for u, v, k, d in edges)
    with atomic_write(path, "wb") as fh:
        nx.write_graphml(H, fh)


def load_graphml(path: PathLike) -> nx.MultiGraph:
    """Read a GraphML file written by :func:`save_graphml`, restoring every value and type.

    Returns a :class:`networkx.MultiGraph` (a ``MultiDiGraph`` if a directed graph was saved).
    A GraphML file from elsewhere is read too: its values stay as GraphML typed them.

    See Also
    --------
    save_graphml : the inverse (with an example).
    """
    H = nx.read_graphml(os.fspath(path), node_type=str, edge_key_type=str, force_multigraph=True)
    raw = H.graph.pop(GRAPHML_TYPES, None)
    types: dict[str, Any] = json.loads(raw) if isinstance(raw, str) else {}
    for name in ("node_default", "edge_default"):  # added by the GraphML reader (a saved value is never a dict)
        if isinstance(H.graph.get(name), dict):
            del H.graph[name]
    node_id = int if types.get("node_id") == "int" else str
    edge_key = int if types.get("edge_key") == "int" else str

    def decode(d: Mapping[str, Any], hows: Mapping[str, str]) -> dict[str, Any]:
        return {name: _decode(value, hows.get(name, "str")) for name, value in d.items()}

    G = nx.MultiDiGraph() if H.is_directed() else nx.MultiGraph()
    G.graph.update(decode(H.graph, types.get("graph", {})))
    G.add_nodes_from((node_id(n), decode(d, types.get("node", {}))) for n, d in H.nodes(data=True))
    G.add_edges_from((node_id(u), node_id(v), edge_key(k), decode(d, types.get("edge", {})))
                     for u, v, k, d in H.edges(keys=True, data=True))
    return G
