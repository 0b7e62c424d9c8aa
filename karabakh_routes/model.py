"""One object holding the graph, the ledger and the compiled timeline."""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

from ._errors import DataError, KarabakhRoutesWarning, Problem
from ._range import outside_note
from .datasets import bundled_path
from .dates import DateLike
from .events import Ledger, read_ledger
from .network import _routes_json, graph_from_geodata, place_index, read_routes, routes_of
from .places import Place
from .query import Query
from .reach import Period, Reach, periods, prepare, reach
from .region import DEFAULT_REGION, REGION_FILE, Region, bundled_region_path, read_region
from .timeline import Horizon, Timeline, View

if TYPE_CHECKING:  # loaded by the methods that return tables
    import datetime as dt
    from collections.abc import Callable, Sequence

    import geopandas as gpd

__all__ = ["RoadModel", "load"]

PathLike = str | os.PathLike[str]


@dataclass
class RoadModel:
    """The road graph, the claim ledger, and the timeline compiled from them.

    Build it with :func:`load`.
    """

    G: nx.MultiGraph
    ledger: Ledger
    #: Title, map view, attribution and dates of the dataset (``region.json``; :mod:`karabakh_routes.region`).
    region: Region = field(default=DEFAULT_REGION)
    timeline: Timeline = field(init=False)
    #: Where the compiled arrays are cached (a path prefix keyed by the inputs' content), or None.
    cache: Path | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.timeline = Timeline(self.G, self.ledger, cache=self.cache)
        prepare(self.timeline)  # (the routing laid out now: a first answer then costs what any other does)

    def __repr__(self) -> str:
        from ._repr import model_repr
        return model_repr(self)

    def _repr_html_(self) -> str:
        from ._repr import model_html
        return model_html(self)

    @property
    def places(self) -> dict[str, Place]:
        """Place id -> :class:`~karabakh_routes.places.Place`."""
        return dict(place_index(self.G).places)

    def place(self, name: str) -> Place:
        """Return the place called ``name`` (id, name or any alias)."""
        idx = place_index(self.G)
        return idx.places[idx.resolve(name)]

    def query(self, *, on: DateLike | None = None, traffic: str | None = None, view: str | View = "consensus",
              horizon: Horizon = "default", start: DateLike | None = None, end: DateLike | None = None) -> Query:
        """Parse a question's date (or range), traffic class and view once; see :meth:`Query.parse`.

        Examples
        --------
        >>> q = load().query(on="2023-07-20", traffic="Humanitarian", view="icrc")
        >>> q.traffic, str(q.view)
        ('humanitarian', 'claimant:ICRC')
        """
        return Query.parse(self.ledger, on=on, traffic=traffic, view=view, horizon=horizon, start=start, end=end)

    def status(self, *, on: DateLike, traffic: str | None = None, view: str | View = "consensus",
               horizon: Horizon = "default", bbox: Sequence[float] | None = None) -> gpd.GeoDataFrame:
        """Return every segment's status on a date (or those in ``bbox``); see :meth:`Timeline.status`.

        ``attrs["outside_data"]`` is empty for a date the data speaks about, else a sentence
        saying the date lies outside the data's range (docs/semantics.md).
        """
        return self._status(self.query(on=on, traffic=traffic, view=view, horizon=horizon), bbox=bbox)

    def _status(self, q: Query, *, bbox: Sequence[float] | None = None) -> gpd.GeoDataFrame:
        """:meth:`status` of a parsed query (nothing is parsed again)."""
        gdf = self.timeline.status(on=q.day, traffic=q.traffic, view=q.view, bbox=bbox)
        gdf.attrs["outside_data"] = outside_note(self.timeline, q.day, horizon=q.horizon)
        return gdf

    def reach(self, origin: str, destination: str, *, on: DateLike, traffic: str = "civilian",
              view: str | View = "consensus", horizon: Horizon = "default") -> Reach:
        """Answer a reachability question; see :func:`karabakh_routes.reach.reach`."""
        return self._reach(origin, destination, self.query(on=on, traffic=traffic, view=view, horizon=horizon))

    def _reach(self, origin: str, destination: str, q: Query) -> Reach:
        """:meth:`reach` of a parsed query (for ``q.traffic``; nothing is parsed again)."""
        return reach(self.timeline, origin, destination, on=q.day, traffic=q.traffic_class, view=q.view)

    def periods(self, origin: str, destination: str, *, start: DateLike | None = None, end: DateLike | None = None,
                traffic: str = "civilian", view: str | View = "consensus", horizon: Horizon = "default",
                progress: Callable[[int, int, dt.date], None] | None = None, workers: int | None = 1) -> list[Period]:
        """Return reachability periods; see :func:`karabakh_routes.reach.periods` (and its ``progress``, ``workers``)."""
        return self._periods(origin, destination, self.query(start=start, end=end, traffic=traffic, view=view,
                                                             horizon=horizon), progress=progress, workers=workers)

    def _periods(self, origin: str, destination: str, q: Query, *,
                 progress: Callable[[int, int, dt.date], None] | None = None,
                 workers: int | None = 1) -> list[Period]:
        """:meth:`periods` of a parsed query (its range, for ``q.traffic``; nothing is parsed again)."""
        return periods(self.timeline, origin, destination, start=q.start, end=q.end, traffic=q.traffic_class,
                       view=q.view, progress=progress, workers=workers)

    def map(self, *, on: DateLike, traffic: str | None = None, view: str | View = "consensus",
            horizon: Horizon = "default", **kwargs: Any) -> Any:
        """Return a :class:`folium.Map` of the date; see :func:`karabakh_routes.maps.date_map`."""
        from .maps.date_map import query_map

        return query_map(self, self.query(on=on, traffic=traffic, view=view, horizon=horizon), **kwargs)


def load(
    *,
    events: PathLike | None = None,
    sources: PathLike | None = None,
    places: PathLike | None = None,
    segments: PathLike | None = None,
    routes: PathLike | None = None,
    region: PathLike | None = None,
    cache: PathLike | bool | None = None,
) -> RoadModel:
    """Load the bundled data, or your own files, into a :class:`RoadModel`.

    Every argument left as None uses the bundled file. Problems in the network files and in
    the ledger are reported together in one :class:`~karabakh_routes.DataError`.

    ``region`` is a ``region.json`` (title, map view, attribution, dates:
    :mod:`karabakh_routes.region`). When None: the bundled one with the bundled places, else
    the ``region.json`` beside your ``places`` file if there is one, else the defaults (the
    maps' view then fitted to the data). A region's ``area`` replaces the library's default
    check of where place coordinates are expected.

    ``cache`` is a folder for the compiled claims (``.npz`` files of numbers: one per horizon
    and traffic class, one of the days they change on, and one of the events' columns and
    windows on the segments, named by a hash of the input files' content and the library
    version): a second load of the same files maps them instead of compiling.
    ``None`` (default) uses the folder named by the ``KARABAKH_ROUTES_CACHE`` environment
    variable, if set; ``False`` never caches; ``True`` uses ``~/.cache/karabakh_routes``.

    Examples
    --------
    >>> m = load()
    >>> m.place("Stepanakert").id
    'khankendi_stepanakert'
    >>> m.reach("Goris", "Khankendi", on="2023-01-10").answer
    'disputed'
    """
    region_path = region
    if region_path is None:
        beside = Path(places).parent / REGION_FILE if places is not None else bundled_region_path()
        region_path = beside if beside.is_file() else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        G, dropped = build_graph(places, segments, routes)
    reg = DEFAULT_REGION
    if region_path is not None:
        own = region is not None or places is not None  # the bundled region names the bundled routes
        reg = read_region(region_path, route_ids=list(routes_of(G)) if own else None)
    _rewarn(caught, G, reg)
    try:
        ledger = read_ledger(events, sources, G=G)
    except DataError as exc:
        errors = sum(p.severity == "error" for p in exc.problems)
        raise DataError(exc.problems, header=f"{errors} problem(s) in the input data" + (
            f" ({dropped_routes_note(dropped, segments)})" if dropped else "")) from None
    return RoadModel(G, ledger, reg, cache=_cache_prefix(cache, events, sources, places, segments, routes))


def _cache_prefix(cache: PathLike | bool | None, events: PathLike | None, sources: PathLike | None,
                  places: PathLike | None, segments: PathLike | None, routes: PathLike | None) -> Path | None:
    """The cache path prefix for these inputs: the folder, then a hash of the files' content and the version."""
    import hashlib

    if cache is None:
        cache = os.environ.get("KARABAKH_ROUTES_CACHE") or False
    if cache is False:
        return None
    folder = Path.home() / ".cache" / "karabakh_routes" if cache is True else Path(cache).expanduser()
    from . import __version__
    from ._columnar import CACHE_FORMAT

    digest = hashlib.sha256(f"karabakh_routes {__version__} cache {CACHE_FORMAT}".encode())
    for kind, given in (("events", events), ("sources", sources), ("places", places), ("segments", segments),
                        ("routes", routes)):
        path = Path(given) if given is not None else bundled_path(kind)
        digest.update(kind.encode())
        try:
            with open(path, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
        except OSError:  # read already, so rarely: no cache rather than a stale one
            return None
    return folder / f"compiled-{digest.hexdigest()[:32]}"


def build_graph(
    places: PathLike | None = None, segments: PathLike | None = None, routes: PathLike | None = None
) -> tuple[nx.MultiGraph, list[str]]:
    """Build the road graph as :func:`load` does; return it and the ids of the bundled routes left out.

    With your own segments and no routes file, every bundled route whose segments all exist
    in your segments is kept (so a copy of the bundled segments with a road added keeps every
    route); the others are left out.

    Examples
    --------
    >>> G, dropped = build_graph()
    >>> "lachin_corridor" in routes_of(G), dropped
    (True, [])
    """
    G = graph_from_geodata(places, segments, routes)
    if segments is None or routes is not None:
        return G, []
    known = {k for *_, k in G.edges(keys=True)}
    with open(bundled_path("routes"), encoding="utf-8") as fh:
        doc = json.load(fh)
    mentioned = {s for r in doc for a in r.get("alignments", ()) for s in a.get("segments", ())}
    bundled = read_routes(None, sorted(known | mentioned))
    kept = {rid: r for rid, r in bundled.items() if set(r.segments) <= known}
    G.graph["routes"] = _routes_json(kept)
    G.graph["routes_file"] = bundled_path("routes").name
    for *_, k, d in G.edges(keys=True, data=True):
        d["routes"] = tuple(rid for rid, r in kept.items() if k in r.segments)
    return G, [rid for rid in bundled if rid not in kept]


def dropped_routes_note(dropped: list[str], segments: PathLike | None) -> str:
    """Return the one line naming the bundled routes left out, and how to give your own."""
    return (f"bundled routes left out because not all their segments are in {segments}: {', '.join(dropped)}; "
            "claims about them cannot be placed. Give your own routes with --routes FILE (routes= in Python)")


def _rewarn(caught: list[warnings.WarningMessage], G: nx.MultiGraph, region: Region) -> None:
    """Issue the network's warnings again; a region with an ``area`` checks place coordinates against it instead."""
    outside: list[Problem] = []
    if region.area is not None:
        x0, y0, x1, y1 = region.area
        for n, d in G.nodes(data=True):
            if not (x0 <= d["x"] <= x1 and y0 <= d["y"] <= y1):
                outside.append(Problem(region.file or REGION_FILE, f"place {n}", "area", f"[{d['x']}, {d['y']}]",
                                       f"inside the region's area lon {x0}..{x1}, lat {y0}..{y1}", "warning"))
    for w in caught:
        prob = getattr(w.message, "problem", None)
        if (region.area is not None and isinstance(prob, Problem) and prob.field == "geometry.coordinates"
                and prob.expected.startswith("outside the region")):
            continue  # checked against the region's own area above
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    for prob in outside:
        warning = KarabakhRoutesWarning(str(prob))
        warning.problem = prob
        warnings.warn(warning, stacklevel=3)
