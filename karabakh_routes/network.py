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

import datetime as dt
import json
import math
import os
import warnings
import weakref
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import networkx as nx
from pyproj import Geod
from shapely.geometry import LineString, Point

from ._errors import DataError, DateError, KarabakhRoutesWarning, Problem, escape_surrogates, has_lone_surrogate
from ._io import read_text
from .datasets import bundled_path
from .dates import DATE_MAX, DateSpan, parse_edtf
from .places import PLACE_KINDS, Place, PlaceIndex, mixed_script_note, normalize_name

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


#: Integers longer than this (digits) are not read as numbers (no coordinate needs them).
MAX_JSON_INT_DIGITS = 300


class _Oversized:
    """A JSON integer too long to be a number here; kept as text so it can be reported."""

    def __init__(self, digits: str) -> None:
        self.digits = digits

    def __repr__(self) -> str:
        return f"{self.digits[:20]}... (a {len(self.digits.lstrip('-'))}-digit number)"


def _parse_int(text: str) -> int | _Oversized:
    return _Oversized(text) if len(text.lstrip("-")) > MAX_JSON_INT_DIGITS else int(text)


def _load_json(path: PathLike) -> Any:
    """Read a JSON file; every failure is a DataError naming the file (and line when known)."""
    text = read_text(path)
    try:
        return json.loads(text, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        raise DataError([Problem(str(path), f"line {exc.lineno}", "-", "", f"not valid JSON: {exc.msg}")]) from None
    except RecursionError:
        raise DataError([Problem(str(path), "file", "-", "", "not usable JSON: arrays/objects are nested too deeply")]) from None
    except ValueError as exc:  # anything else the decoder refuses
        raise DataError([Problem(str(path), "file", "-", "", f"not usable JSON: {exc}")]) from None


def _show(value: object, limit: int = 200) -> str:
    """Return a short, printable text form of any JSON value (never raises)."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, _Oversized):
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


def _read_features(path: PathLike, label: str) -> list[Any]:
    doc = _load_json(path)
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        found = _show(doc.get("type")) if isinstance(doc, dict) else type(doc).__name__
        raise DataError([Problem(str(path), "file", "type", found, f"a GeoJSON FeatureCollection of {label}")])
    return list(doc["features"])


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
    feats = _read_features(p, "Points")
    problems: list[Problem] = []
    places: dict[str, Place] = {}
    seen_ids: set[str] = set()
    seen_names: dict[str, str] = {}
    file = str(p)
    for i, f, props in _features_with_properties(feats, file, problems):
        pid = props.get("id")
        where = _where(i, pid)
        geom = _dict(f.get("geometry"))
        n_before = len(problems)
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


def _number(x: object) -> float | None:
    """Return a JSON number as a finite float, or None (not a number, infinite, NaN or too large)."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return None
    try:
        value = float(x)
    except OverflowError:
        return None
    return value if math.isfinite(value) else None


def _position(c: object) -> tuple[float, float] | None:
    """Return ``(lon, lat)`` of a GeoJSON position, or None if it is not one."""
    if not isinstance(c, list) or len(c) < 2:
        return None
    lon, lat = _number(c[0]), _number(c[1])
    return None if lon is None or lat is None else (lon, lat)


def _read_segments(path: PathLike, places: Mapping[str, Place]) -> list[dict[str, Any]]:
    feats = _read_features(path, "LineStrings")
    problems: list[Problem] = []
    out: list[dict[str, Any]] = []
    ids: set[str] = set()
    file = str(path)
    for i, f, props in _features_with_properties(feats, file, problems):
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
            continue
        coords = geom.get("coordinates")
        positions = [_position(c) for c in coords] if isinstance(coords, list) else []
        if len(positions) < 2 or any(pos is None for pos in positions):
            problems.append(Problem(file, where, "geometry.coordinates", _show(coords, 80),
                                    "at least two [longitude, latitude] positions"))
            continue
        xy = [pos for pos in positions if pos is not None]
        if any(not (-180 <= x <= 180 and -90 <= y <= 90) for x, y in xy):
            problems.append(Problem(file, where, "geometry.coordinates", _show(coords, 80),
                                    "longitude in -180..180 and latitude in -90..90"))
            continue
        if bad:
            continue
        assert isinstance(sid, str) and name is not None and waypoints is not None
        assert geometry_source is not None and note is not None
        line = LineString(xy)
        for end, (x, y) in (("u", xy[0]), ("v", xy[-1])):
            pl = places[props[end]]
            gap = _GEOD.inv(pl.lon, pl.lat, x, y)[2] / 1000.0
            if gap > MAX_END_GAP_KM:
                problems.append(Problem(file, where, "geometry.coordinates", f"[{x}, {y}]",
                                        f"the line's {'first' if end == 'u' else 'last'} point must be at place "
                                        f"{pl.id!r} ({pl.lon}, {pl.lat}); it is {gap:.1f} km away"))
        out.append({
            "id": sid, "u": props["u"], "v": props["v"], "name": name or sid,
            "geometry": line,
            "waypoints": tuple(waypoints),
            "geometry_source": geometry_source,
            "note": note,
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
    doc = _load_json(p)
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
