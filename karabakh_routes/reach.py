"""Reachability between two places on a date, and reachability periods over a range."""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from .dates import DateLike, to_date
from .events import check_traffic
from .network import place_index
from .timeline import ClassStatus, Timeline, View, parse_view

__all__ = ["Reach", "Period", "ANSWERS", "reach", "periods"]

#: Possible answers of :func:`reach`.
ANSWERS = ("yes", "no", "disputed", "unknown")
_TIERS = (("yes", {"open"}), ("disputed", {"open", "disputed"}), ("unknown", {"open", "disputed", "unknown"}))
_BLOCKED = 1e7  # km penalty per closed segment when naming what blocks a trip
# Within a tier, prefer paths with as few unknown, then disputed, segments as possible:
# a trip over one segment nobody reports on beats a shorter one over six.
_PENALTY = {"open": 0.0, "disputed": 1e3, "unknown": 1e5, "closed": _BLOCKED}


@dataclass(frozen=True)
class Reach:
    """The answer to "could TRAFFIC get from ORIGIN to DESTINATION on DATE?".

    ``answer`` is ``yes`` (a path of open segments), ``disputed`` (a path exists only
    through disputed segments, listed in ``disputed``), ``unknown`` (only through segments
    nobody reports on, listed in ``unknown``) or ``no`` (every path crosses a closed segment;
    ``blocked_by`` names them).
    """

    origin: str
    destination: str
    on: dt.date
    traffic: str
    view: str
    answer: str
    path: list[str] | None
    segments: list[str] | None
    length_km: float | None
    blocked_by: list[str]
    claims: list[dict[str, Any]] = field(default_factory=list)
    uncertain: bool = False
    disputed: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.answer == "yes"

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON contract form."""
        return {
            "origin": self.origin, "destination": self.destination, "on": self.on.isoformat(),
            "traffic": self.traffic, "view": self.view, "answer": self.answer, "path": self.path,
            "segments": self.segments,
            "length_km": round(self.length_km, 2) if self.length_km is not None else None,
            "blocked_by": self.blocked_by, "disputed": self.disputed, "unknown": self.unknown,
            "claims": self.claims, "uncertain": self.uncertain,
        }


@dataclass(frozen=True)
class Period:
    """A maximal run of days with the same answer (dates inclusive)."""

    start: dt.date
    end: dt.date
    answer: str
    uncertain: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON contract form."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "answer": self.answer,
                "uncertain": self.uncertain}


_DISTANCES: weakref.WeakKeyDictionary[nx.MultiGraph, dict[str, dict[str, float]]] = weakref.WeakKeyDictionary()


def _distances(G: nx.MultiGraph, place: str) -> dict[str, float]:
    cache = _DISTANCES.setdefault(G, {})
    if place not in cache:
        cache[place] = nx.single_source_dijkstra_path_length(G, place, weight="length_km") if place in G else {}
    return cache[place]


def _directed(G: nx.MultiGraph, statuses: Mapping[str, ClassStatus]) -> nx.MultiDiGraph:
    """Return a new directed graph whose edges carry the status for each direction of travel.

    A one-way claim (``direction`` = a place) is open only for movement towards that place,
    i.e. to a node closer (by road) to it. The base graph is not modified.
    """
    D = nx.MultiDiGraph()
    D.add_nodes_from(G.nodes)
    for u, v, k, d in G.edges(keys=True, data=True):
        cs = statuses[k]
        for a, b in ((u, v), (v, u)):
            if cs.one_way:
                def toward(place: str, a: str = a, b: str = b) -> bool:
                    dist = _distances(G, place)
                    return dist.get(b, float("inf")) < dist.get(a, float("inf"))
                st = cs.towards(toward)
            else:
                st = cs.status
            D.add_edge(a, b, key=k, status=st, length_km=d["length_km"])
    return D


def _weight(allowed: set[str] | None) -> Callable[[Any, Any, Any], float | None]:
    def weight(u: Any, v: Any, data: Mapping[str, Mapping[str, Any]]) -> float | None:
        best: float | None = None
        for attrs in data.values():
            st = attrs["status"]
            if allowed is not None and st not in allowed:
                continue
            w = attrs["length_km"] + _PENALTY.get(st, 0.0)
            best = w if best is None or w < best else best
        return best
    return weight


def _edges_on(D: nx.MultiDiGraph, nodes: list[str], allowed: set[str] | None) -> list[str]:
    out = []
    for a, b in zip(nodes, nodes[1:]):
        keys = [k for k, d in D[a][b].items() if allowed is None or d["status"] in allowed]
        out.append(min(keys, key=lambda k: D[a][b][k]["length_km"] + _PENALTY.get(D[a][b][k]["status"], 0.0)))
    return out


def _claims(segments: list[str], statuses: Mapping[str, ClassStatus]) -> list[dict[str, Any]]:
    """Return the claims behind segments, one entry per event with the segments it covers."""
    out: dict[str, dict[str, Any]] = {}
    for s in segments:
        for cl in (*statuses[s].claims, *statuses[s].passages):
            entry = out.setdefault(cl.event, {**cl.to_dict(), "segments": []})
            entry["segments"].append(s)
    return list(out.values())


def reach(
    timeline: Timeline,
    origin: str,
    destination: str,
    *,
    on: DateLike,
    traffic: str = "civilian",
    view: str | View = "consensus",
) -> Reach:
    """Answer whether ``traffic`` could travel from ``origin`` to ``destination`` on a date.

    Parameters
    ----------
    timeline
        The compiled timeline (``load().timeline``).
    origin, destination
        Place ids, names or aliases (``"Stepanakert"``, ``"Khankendi"``, ``"Xankəndi"``...).
    on
        The date.
    traffic
        A traffic class (default ``civilian``).
    view
        ``consensus`` (default), ``strict``, ``lenient``, ``claimant:NAME`` or ``source:ID``.

    Returns
    -------
    Reach
        The answer, the shortest passable path by length, what blocks it, and the claims
        behind the answer.

    Examples
    --------
    >>> from karabakh_routes import load
    >>> r = reach(load().timeline, "Goris", "Stepanakert", on="2023-07-20", traffic="humanitarian")
    >>> r.answer, "hakari_bridge__kornidzor" in r.blocked_by
    ('no', True)
    """
    G = timeline.G
    idx = place_index(G)
    a, b = idx.resolve(origin), idx.resolve(destination)
    check_traffic(traffic)
    day = to_date(on)
    v = parse_view(view, timeline.ledger)
    statuses = {s: timeline.class_status(s, traffic, on=day, view=v) for s in timeline.segments}
    if a == b:
        return Reach(a, b, day, traffic, str(v), "yes", [a], [], 0.0, [], [], False)
    D = _directed(G, statuses)
    for answer, allowed in _TIERS:
        try:
            nodes = nx.shortest_path(D, a, b, weight=_weight(allowed))
        except nx.NetworkXNoPath:
            continue
        segs = _edges_on(D, nodes, allowed)
        length = sum(D[x][y][k]["length_km"] for x, y, k in zip(nodes, nodes[1:], segs))
        way = [D[x][y][k]["status"] for x, y, k in zip(nodes, nodes[1:], segs)]
        return Reach(a, b, day, traffic, str(v), answer, nodes, segs, length, [],
                     _claims(segs, statuses), any(statuses[s].uncertain for s in segs),
                     disputed=[s for s, st in zip(segs, way) if st == "disputed"],
                     unknown=[s for s, st in zip(segs, way) if st == "unknown"])
    try:
        nodes = nx.shortest_path(D, a, b, weight=_weight(None))
    except nx.NetworkXNoPath:
        return Reach(a, b, day, traffic, str(v), "no", None, None, None, [], [], False)
    segs = _edges_on(D, nodes, None)
    blocked = [k for x, y, k in zip(nodes, nodes[1:], segs) if D[x][y][k]["status"] == "closed"]
    return Reach(a, b, day, traffic, str(v), "no", None, None, None, blocked,
                 _claims(blocked, statuses), any(statuses[s].uncertain for s in blocked))


def periods(
    timeline: Timeline,
    origin: str,
    destination: str,
    *,
    start: DateLike | None = None,
    end: DateLike | None = None,
    traffic: str = "civilian",
    view: str | View = "consensus",
) -> list[Period]:
    """Return the merged periods of each answer for a trip over a date range.

    Iterates over the timeline's change points (never over days). The periods cover the
    range with no gap or overlap; neighbours with the same answer are merged.

    Parameters
    ----------
    start, end
        The range, inclusive; default: the first and last change point of the data.

    Examples
    --------
    >>> from karabakh_routes import load
    >>> ps = periods(load().timeline, "Aghdam", "Khankendi", start="2023-09-10", end="2023-09-14",
    ...              traffic="humanitarian")
    >>> [(p.start.isoformat(), p.answer) for p in ps]
    [('2023-09-10', 'no'), ('2023-09-12', 'yes'), ('2023-09-13', 'no')]
    """
    points_all = timeline.change_points()
    lo = to_date(start) if start is not None else (points_all[0] if points_all else to_date("2020-11-10"))
    hi = to_date(end) if end is not None else (points_all[-1] if points_all else lo)
    if hi < lo:
        from ._errors import DateError
        msg = f"The range ends ({hi}) before it starts ({lo}); give --from before --to."
        raise DateError(msg)
    idx = place_index(timeline.G)
    a, b = idx.resolve(origin), idx.resolve(destination)
    v = parse_view(view, timeline.ledger)
    check_traffic(traffic)
    cuts = [lo] + [p for p in timeline.change_points(lo, hi) if p > lo]
    out: list[Period] = []
    for i, day in enumerate(cuts):
        last = cuts[i + 1] - dt.timedelta(days=1) if i + 1 < len(cuts) else hi
        r = reach(timeline, a, b, on=day, traffic=traffic, view=v)
        if out and out[-1].answer == r.answer:
            prev = out[-1]
            out[-1] = Period(prev.start, last, prev.answer, prev.uncertain or r.uncertain)
        else:
            out.append(Period(day, last, r.answer, r.uncertain))
    return out
