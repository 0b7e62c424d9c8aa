"""One object holding the graph, the ledger and the compiled timeline."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx

from ._errors import DataError
from .dates import DateLike
from .events import Ledger, read_ledger
from .network import graph_from_geodata, place_index
from .places import Place
from .reach import Period, Reach, periods, reach
from .timeline import Horizon, Timeline, View

__all__ = ["RoadModel", "load"]

PathLike = str | os.PathLike[str]


@dataclass
class RoadModel:
    """The road graph, the claim ledger, and the timeline compiled from them.

    Build it with :func:`load`.
    """

    G: nx.MultiGraph
    ledger: Ledger
    timeline: Timeline = field(init=False)

    def __post_init__(self) -> None:
        self.timeline = Timeline(self.G, self.ledger)

    @property
    def places(self) -> dict[str, Place]:
        """Place id -> :class:`~karabakh_routes.places.Place`."""
        return dict(place_index(self.G).places)

    def place(self, name: str) -> Place:
        """Return the place called ``name`` (id, name or any alias)."""
        idx = place_index(self.G)
        return idx.places[idx.resolve(name)]

    def status(self, *, on: DateLike, traffic: str | None = None, view: str | View = "consensus",
               horizon: Horizon = "default") -> gpd.GeoDataFrame:
        """Return every segment's status on a date; see :meth:`Timeline.status`."""
        return self.timeline.status(on=on, traffic=traffic, view=view, horizon=horizon)

    def reach(self, origin: str, destination: str, *, on: DateLike, traffic: str = "civilian",
              view: str | View = "consensus", horizon: Horizon = "default") -> Reach:
        """Answer a reachability question; see :func:`karabakh_routes.reach.reach`."""
        return reach(self.timeline, origin, destination, on=on, traffic=traffic, view=view, horizon=horizon)

    def periods(self, origin: str, destination: str, *, start: DateLike | None = None, end: DateLike | None = None,
                traffic: str = "civilian", view: str | View = "consensus", horizon: Horizon = "default") -> list[Period]:
        """Return reachability periods; see :func:`karabakh_routes.reach.periods`."""
        return periods(self.timeline, origin, destination, start=start, end=end, traffic=traffic, view=view,
                       horizon=horizon)

    def map(self, *, on: DateLike, traffic: str | None = None, view: str | View = "consensus",
            horizon: Horizon = "default", **kwargs: Any) -> Any:
        """Return a :class:`folium.Map` of the date; see :func:`karabakh_routes.maps.date_map`."""
        from .maps import date_map

        return date_map(self, on=on, traffic=traffic, view=view, horizon=horizon, **kwargs)


def load(
    *,
    events: PathLike | None = None,
    sources: PathLike | None = None,
    places: PathLike | None = None,
    segments: PathLike | None = None,
    routes: PathLike | None = None,
) -> RoadModel:
    """Load the bundled data, or your own files, into a :class:`RoadModel`.

    Every argument left as None uses the bundled file. Problems in the network files and in
    the ledger are reported together in one :class:`~karabakh_routes.DataError`.

    Examples
    --------
    >>> m = load()
    >>> m.place("Stepanakert").id
    'khankendi_stepanakert'
    >>> m.reach("Goris", "Khankendi", on="2023-01-10").answer
    'disputed'
    """
    G = graph_from_geodata(places, segments, routes)
    try:
        ledger = read_ledger(events, sources, G=G)
    except DataError as exc:
        raise DataError(exc.problems) from None
    return RoadModel(G, ledger)
