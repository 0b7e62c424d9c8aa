"""Region metadata: the maps' title, initial view, attribution and default dates, read from ``region.json``.

A dataset may carry an optional ``region.json`` next to its ``places.geojson`` (the bundled one
is ``karabakh_routes/geodata/region.json``). :func:`karabakh_routes.load` reads it and attaches
it to the model as ``model.region``; the maps take their title, initial view and attribution
from it, the chart its default dates. Without a file the defaults below apply and the map's
initial view is derived from the data. The format is in ``docs/data-format.md``.

Every text in it is data: the maps show it escaped, never as HTML, script or template.

>>> r = read_region()
>>> r.title
'Roads into Nagorno-Karabakh'
>>> r.start_date()
datetime.date(2020, 11, 10)
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from ._errors import DataError, DateError, Problem, escape_surrogates, has_lone_surrogate
from ._io import json_number, read_json, write_text_atomic
from .dates import DateSpan, parse_edtf

__all__ = ["Region", "DEFAULT_REGION", "DEFAULT_TITLE", "DEFAULT_ATTRIBUTION", "DEFAULT_FOCUS_ROUTES",
           "REGION_FILE", "read_region", "write_region", "bundled_region_path"]

PathLike = str | os.PathLike[str]
#: (min_lon, min_lat, max_lon, max_lat) in degrees (EPSG:4326).
Bounds = tuple[float, float, float, float]

#: The file name of the region metadata, next to ``places.geojson``.
REGION_FILE = "region.json"
#: The maps' title when a dataset has no ``region.json``.
DEFAULT_TITLE = "Roads into Nagorno-Karabakh"
#: The attribution line of every map when a dataset has no ``region.json``.
DEFAULT_ATTRIBUTION = ("Road status: karabakh_routes, from the sources cited in each popup. "
                       "Geometry is schematic (drawn through sourced waypoints), not survey-grade.")
#: What the maps' subtitle says of the geometry when a dataset has no ``region.json``.
DEFAULT_GEOMETRY_NOTE = "geometry schematic"
#: The routes the maps' initial view is fitted to when a dataset has no ``region.json``.
DEFAULT_FOCUS_ROUTES = ("lachin_corridor", "aghdam_road")

#: The properties of ``region.json`` (every one optional).
FIELDS = ("title", "attribution", "geometry_note", "bounds", "focus_routes", "area", "dates")
_MAX_TEXT = 2000


@dataclass(frozen=True)
class Region:
    """What a dataset says about itself: title, map view, attribution and dates.

    Attributes
    ----------
    title
        The maps' title (``"<title> on <date>"``) and page title.
    attribution
        The attribution line of every map (HTML and static).
    geometry_note
        What the maps' subtitle says of the geometry (``"geometry schematic"``); empty = nothing.
    bounds
        The maps' initial view ``(min_lon, min_lat, max_lon, max_lat)``; None = fitted to
        ``focus_routes``, or to the whole network when none of them exists.
    focus_routes
        Route ids the initial view is fitted to when ``bounds`` is None.
    area
        Where the data's coordinates are expected ``(min_lon, min_lat, max_lon, max_lat)``: a
        place outside it gets a warning. None = the library's default check.
    start, end
        EDTF text: the period the dataset is about (empty = not stated). The chart's default
        range starts (ends) there.
    file
        The file it was read from (empty for the defaults).
    """

    title: str = DEFAULT_TITLE
    attribution: str = DEFAULT_ATTRIBUTION
    geometry_note: str = DEFAULT_GEOMETRY_NOTE
    bounds: Bounds | None = None
    focus_routes: tuple[str, ...] = DEFAULT_FOCUS_ROUTES
    area: Bounds | None = None
    start: str = ""
    end: str = ""
    file: str = field(default="", compare=False)

    def start_date(self) -> dt.date | None:
        """Return the first day of ``start`` (None when not stated)."""
        return parse_edtf(self.start).lower if self.start else None

    def end_date(self) -> dt.date | None:
        """Return the last day of ``end`` (None when not stated)."""
        return parse_edtf(self.end).upper if self.end else None

    def to_dict(self) -> dict[str, Any]:
        """Return the region as the JSON object of ``region.json`` (unset properties left out)."""
        out: dict[str, Any] = {"title": self.title, "attribution": self.attribution,
                               "geometry_note": self.geometry_note}
        if self.bounds is not None:
            out["bounds"] = list(self.bounds)
        out["focus_routes"] = list(self.focus_routes)
        if self.area is not None:
            out["area"] = list(self.area)
        if self.start or self.end:
            out["dates"] = {"start": self.start or None, "end": self.end or None}
        return out


#: The region of a dataset without ``region.json``: today's title and attribution, the view derived from the data.
DEFAULT_REGION = Region()


def bundled_region_path() -> Path:
    """Return the path of the bundled ``region.json``."""
    return Path(str(resources.files("karabakh_routes") / "geodata" / REGION_FILE))


def _show(value: object) -> str:
    try:
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    text = escape_surrogates(text)
    return text if len(text) <= 200 else text[:197] + "..."


def _text(doc: Mapping[str, Any], key: str, default: str, problems: list[Problem], file: str, *,
          required_letter: bool = False) -> str:
    if key not in doc or doc[key] is None:
        return default
    value = doc[key]
    if not isinstance(value, str):
        problems.append(Problem(file, "region", key, _show(value), "JSON text (or leave it out)"))
        return default
    if has_lone_surrogate(value):
        problems.append(Problem(file, "region", key, escape_surrogates(value),
                                "valid Unicode text: this has a lone surrogate (half of a \\ud800-\\udfff pair)"))
        return default
    if len(value) > _MAX_TEXT:
        problems.append(Problem(file, "region", key, value, f"at most {_MAX_TEXT} characters"))
        return default
    if required_letter and not any(ch.isalnum() for ch in value):
        problems.append(Problem(file, "region", key, value, "text with at least one letter or digit"))
        return default
    return value


def _bounds(doc: Mapping[str, Any], key: str, problems: list[Problem], file: str) -> Bounds | None:
    if key not in doc or doc[key] is None:
        return None
    raw = doc[key]
    expected = ("[min_lon, min_lat, max_lon, max_lat]: four finite numbers, longitudes in -180..180, "
                "latitudes in -90..90, each minimum below its maximum")
    nums = [json_number(x) for x in raw] if isinstance(raw, list) and len(raw) == 4 else []
    if len(nums) != 4 or any(n is None for n in nums):
        problems.append(Problem(file, "region", key, _show(raw), expected))
        return None
    x0, y0, x1, y1 = (float(n) for n in nums if n is not None)
    if not (-180 <= x0 < x1 <= 180 and -90 <= y0 < y1 <= 90):
        problems.append(Problem(file, "region", key, _show(raw), expected))
        return None
    return (x0, y0, x1, y1)


def _routes(doc: Mapping[str, Any], problems: list[Problem], file: str,
            route_ids: Sequence[str] | None) -> tuple[str, ...]:
    if "focus_routes" not in doc or doc["focus_routes"] is None:
        return DEFAULT_FOCUS_ROUTES
    raw = doc["focus_routes"]
    if not isinstance(raw, list) or not all(isinstance(r, str) and r.strip() for r in raw):
        problems.append(Problem(file, "region", "focus_routes", _show(raw), "a JSON array of route ids (JSON text)"))
        return DEFAULT_FOCUS_ROUTES
    if route_ids is not None:
        known = set(route_ids)
        for j, r in enumerate(raw):
            if r not in known:
                valid = ", ".join(route_ids) if route_ids else "none: the routes file defines no route"
                problems.append(Problem(file, "region", f"focus_routes[{j}]", r, f"a route id of the dataset ({valid})"))
    return tuple(raw)


def _dates(doc: Mapping[str, Any], problems: list[Problem], file: str) -> tuple[str, str]:
    if "dates" not in doc or doc["dates"] is None:
        return "", ""
    raw = doc["dates"]
    if not isinstance(raw, dict) or set(raw) - {"start", "end"}:
        problems.append(Problem(file, "region", "dates", _show(raw),
                                'an object {"start": EDTF date, "end": EDTF date}, either may be null'))
        return "", ""
    out: list[str] = []
    spans: list[DateSpan | None] = []
    for key in ("start", "end"):
        value = raw.get(key)
        if value is None or value == "":
            out.append("")
            spans.append(None)
            continue
        if not isinstance(value, str):
            problems.append(Problem(file, "region", f"dates.{key}", _show(value), "an EDTF date as JSON text, or null"))
            out.append("")
            spans.append(None)
            continue
        try:
            spans.append(parse_edtf(value))
            out.append(value)
        except DateError as exc:
            problems.append(Problem(file, "region", f"dates.{key}", value, str(exc)))
            out.append("")
            spans.append(None)
    a, b = spans
    if a is not None and b is not None and b.upper < a.lower:
        problems.append(Problem(file, "region", "dates.end", out[1], f"on or after the start {out[0]}"))
        return "", ""
    return out[0], out[1]


def read_region(path: PathLike | None = None, *, route_ids: Sequence[str] | None = None) -> Region:
    """Read a ``region.json``.

    Parameters
    ----------
    path
        The file; the bundled one when None.
    route_ids
        The dataset's route ids, to check ``focus_routes`` against (not checked when None).

    Returns
    -------
    Region

    Raises
    ------
    DataError
        Naming the file, each property at fault, its value and what is valid.

    Examples
    --------
    >>> read_region().focus_routes
    ('lachin_corridor', 'aghdam_road')
    """
    p = Path(path) if path is not None else bundled_region_path()
    file = str(p)
    doc = read_json(p)
    if not isinstance(doc, dict):
        raise DataError([Problem(file, "file", "-", _show(doc), "a JSON object of region properties")])
    problems: list[Problem] = []
    for key in doc:
        if key not in FIELDS:
            problems.append(Problem(file, "region", escape_surrogates(str(key)), "",
                                    f"a known property: one of {', '.join(FIELDS)}"))
    region = Region(
        title=_text(doc, "title", DEFAULT_TITLE, problems, file, required_letter=True),
        attribution=_text(doc, "attribution", DEFAULT_ATTRIBUTION, problems, file),
        geometry_note=_text(doc, "geometry_note", DEFAULT_GEOMETRY_NOTE, problems, file),
        bounds=_bounds(doc, "bounds", problems, file),
        focus_routes=_routes(doc, problems, file, route_ids),
        area=_bounds(doc, "area", problems, file),
        file=file,
    )
    start, end = _dates(doc, problems, file)
    if problems:
        raise DataError(problems)
    return replace(region, start=start, end=end)


def write_region(region: Region, path: PathLike) -> None:
    """Write a region as ``region.json``, atomically (it reads back equal)."""
    write_text_atomic(path, json.dumps(region.to_dict(), ensure_ascii=False, indent=2) + "\n")
