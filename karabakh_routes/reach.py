"""Reachability between two places on a date, and reachability periods over a range."""

from __future__ import annotations

import datetime as dt
import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict

import networkx as nx

from ._range import outside_note
from .dates import DateLike, to_date
from .events import check_traffic
from .network import place_index
from .timeline import ClassStatus, Horizon, Timeline, View, parse_view
from .vocab import ANSWERS

__all__ = ["Reach", "Period", "ANSWERS", "reach", "periods"]

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

    ``basis`` lists every claim, passage and baseline that decided the answer (one entry per
    event, with the ``segments`` it decided and its ``kind``, ``as_of``, ``carried``,
    ``forecast``, ``age_days``); ``carried`` says whether any of them was carried past (or
    forecast beyond) its as-of date; ``evidence_age_days`` is the largest, over the segments
    that decided the answer, of the age of each segment's newest evidence (the weakest link);
    ``assumptions`` names every baseline used and every claim carried. ``outside_data`` is
    empty for a date the data speaks about, else a sentence saying the date is before the
    first claim or after the last claim's as-of (or end) date plus the horizon.
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
    basis: list[dict[str, Any]] = field(default_factory=list)
    uncertain: bool = False
    disputed: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    carried: bool = False
    evidence_age_days: int | None = None
    assumptions: list[str] = field(default_factory=list)
    horizon: str = "30 days"
    outside_data: str = ""

    def __bool__(self) -> bool:
        return self.answer == "yes"

    def __repr__(self) -> str:
        from ._repr import reach_repr
        return reach_repr(self)

    def _repr_html_(self) -> str:
        from ._repr import reach_html
        return reach_html(self)

    @property
    def claims(self) -> list[dict[str, Any]]:
        """The same as :attr:`basis` (the name used before basis carried baselines too)."""
        return self.basis

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON contract form."""
        return {
            "origin": self.origin, "destination": self.destination, "on": self.on.isoformat(),
            "traffic": self.traffic, "view": self.view, "horizon": self.horizon, "answer": self.answer,
            "path": self.path, "segments": self.segments,
            "length_km": round(self.length_km, 2) if self.length_km is not None else None,
            "blocked_by": self.blocked_by, "disputed": self.disputed, "unknown": self.unknown,
            "basis": self.basis, "carried": self.carried, "evidence_age_days": self.evidence_age_days,
            "assumptions": self.assumptions, "uncertain": self.uncertain, "outside_data": self.outside_data,
        }


@dataclass(frozen=True)
class Period:
    """A maximal run of days with the same answer (dates inclusive).

    ``basis`` is the union of the bases of the answers in the period (events with the
    segments they decided); ``carried`` whether any was carried; ``evidence_age_days`` the
    largest evidence age over the period (reached on its last day).
    """

    start: dt.date
    end: dt.date
    answer: str
    uncertain: bool = False
    basis: list[dict[str, Any]] = field(default_factory=list)
    carried: bool = False
    evidence_age_days: int | None = None
    assumptions: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        from ._repr import period_repr
        return period_repr(self)

    def _repr_html_(self) -> str:
        from ._repr import period_html
        return period_html(self)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON contract form."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "answer": self.answer,
                "uncertain": self.uncertain, "basis": self.basis, "carried": self.carried,
                "evidence_age_days": self.evidence_age_days, "assumptions": self.assumptions}


_DISTANCES: weakref.WeakKeyDictionary[nx.MultiGraph, OrderedDict[tuple[str, frozenset[str]], dict[str, float]]] = (
    weakref.WeakKeyDictionary())
#: Distance tables kept per graph: the set of closed segments changes from date to date, so an
#: unbounded cache would grow with every date a range query visits (least recently used go first).
_DISTANCE_CACHE_SIZE = 64


def _distances(G: nx.MultiGraph, place: str, closed: frozenset[str] = frozenset()) -> dict[str, float]:
    """Road distances (km) from every node to ``place``, over the segments not in ``closed``.

    Falls back to the whole graph when ``place`` cannot be reached from anywhere else
    without closed segments.
    """
    cache = _DISTANCES.setdefault(G, OrderedDict())
    key = (place, closed)
    if key in cache:
        cache.move_to_end(key)
        return cache[key]
    if place not in G:
        dist: dict[str, float] = {}
    else:
        def weight(u: Any, v: Any, data: Mapping[str, Mapping[str, Any]]) -> float | None:
            lengths = [d["length_km"] for k, d in data.items() if k not in closed]
            return min(lengths) if lengths else None
        dist = nx.single_source_dijkstra_path_length(G, place, weight=weight)
        if len(dist) <= 1 and closed:
            dist = _distances(G, place)
    cache[key] = dist
    while len(cache) > _DISTANCE_CACHE_SIZE:
        cache.popitem(last=False)
    return dist


def _directed(G: nx.MultiGraph, statuses: Mapping[str, ClassStatus]) -> nx.MultiDiGraph:
    """Return a new directed graph whose edges carry the decision for each direction of travel.

    A one-way claim (``direction`` = a place) counts only for movement towards that place,
    i.e. to a node closer to it by road, measured over the segments that are not closed that
    day (so a road out of use does not turn a corridor round). The base graph is not modified.
    """
    closed = frozenset(k for k, cs in statuses.items() if cs.status == "closed")
    D = nx.MultiDiGraph()
    D.add_nodes_from(G.nodes)
    for u, v, k, d in G.edges(keys=True, data=True):
        cs = statuses[k]
        for a, b in ((u, v), (v, u)):
            if cs.one_way:
                def toward(place: str, a: str = a, b: str = b) -> bool:
                    dist = _distances(G, place, closed)
                    return dist.get(b, float("inf")) < dist.get(a, float("inf"))
                decision = cs.towards_decision(toward)
            else:
                decision = cs.decision
            D.add_edge(a, b, key=k, status=decision.status, decision=decision, length_km=d["length_km"])
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


def _merge_basis(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the union of two bases: one entry per event, its segments merged (ages: the largest)."""
    out = {e["event"]: {**e, "segments": list(e.get("segments", []))} for e in a}
    for e in b:
        if e["event"] not in out:
            out[e["event"]] = {**e, "segments": list(e.get("segments", []))}
            continue
        entry = out[e["event"]]
        entry["segments"] += [s for s in e.get("segments", []) if s not in entry["segments"]]
        entry["carried"] = entry["carried"] or e["carried"]
        entry["forecast"] = entry["forecast"] or e["forecast"]
        if e.get("age_days") is not None:
            entry["age_days"] = max(entry.get("age_days") or 0, e["age_days"])
    return list(out.values())


class _BasisFields(TypedDict):
    basis: list[dict[str, Any]]
    carried: bool
    evidence_age_days: int | None
    assumptions: list[str]
    uncertain: bool


def _basis(D: nx.MultiDiGraph, edges: list[tuple[str, str, str]], statuses: Mapping[str, ClassStatus]) -> _BasisFields:
    """Return the basis fields of an answer decided by the directed ``edges`` (see :class:`Reach`)."""
    out: dict[str, dict[str, Any]] = {}
    decisions = [(k, D[a][b][k]["decision"]) for a, b, k in edges]
    for k, dec in decisions:
        for cl in dec.basis:
            entry = out.setdefault(cl.event, {**cl.to_dict(), "segments": []})
            entry["segments"].append(k)
    ages = [a for _, dec in decisions if (a := dec.evidence_age_days) is not None]
    return {
        "basis": list(out.values()),
        "carried": any(dec.carried for _, dec in decisions),
        "evidence_age_days": max(ages) if ages else None,
        "assumptions": sorted({line for _, dec in decisions for cl in dec.basis if (line := cl.assumption())}),
        "uncertain": any(statuses[k].uncertain for k, _ in decisions),
    }


def reach(
    timeline: Timeline,
    origin: str,
    destination: str,
    *,
    on: DateLike,
    traffic: str = "civilian",
    view: str | View = "consensus",
    horizon: Horizon = "default",
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
    horizon
        Days an open-ended claim is carried past its as-of date (default 30); None = no bound.

    Returns
    -------
    Reach
        The answer, the shortest passable path by length, what blocks it, and the claims
        behind the answer.

    Examples
    --------
    >>> from karabakh_routes import load
    >>> r = reach(load().timeline, "Goris", "Stepanakert", on="2023-07-20", traffic="humanitarian")
    >>> r.answer, "hakari_bridge__lachin_checkpoint" in r.blocked_by
    ('no', True)
    """
    G = timeline.G
    idx = place_index(G)
    a, b = idx.resolve(origin), idx.resolve(destination)
    traffic = check_traffic(traffic)
    day = to_date(on)
    v = parse_view(view, timeline.ledger, horizon=horizon)
    note = outside_note(timeline, day, horizon=v.horizon)
    statuses = {s: timeline.class_status(s, traffic, on=day, view=v) for s in timeline.segments}
    hz = v.horizon_text
    if a == b:
        return Reach(a, b, day, traffic, str(v), "yes", [a], [], 0.0, [], horizon=hz, outside_data=note)
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
                     disputed=[s for s, st in zip(segs, way) if st == "disputed"],
                     unknown=[s for s, st in zip(segs, way) if st == "unknown"],
                     **_basis(D, list(zip(nodes, nodes[1:], segs)), statuses), horizon=hz, outside_data=note)
    try:
        nodes = nx.shortest_path(D, a, b, weight=_weight(None))
    except nx.NetworkXNoPath:
        return Reach(a, b, day, traffic, str(v), "no", None, None, None, [], horizon=hz, outside_data=note)
    segs = _edges_on(D, nodes, None)
    blocking = [(x, y, k) for x, y, k in zip(nodes, nodes[1:], segs) if D[x][y][k]["status"] == "closed"]
    return Reach(a, b, day, traffic, str(v), "no", None, None, None, [k for *_, k in blocking],
                 **_basis(D, blocking, statuses), horizon=hz, outside_data=note)


def periods(
    timeline: Timeline,
    origin: str,
    destination: str,
    *,
    start: DateLike | None = None,
    end: DateLike | None = None,
    traffic: str = "civilian",
    view: str | View = "consensus",
    horizon: Horizon = "default",
) -> list[Period]:
    """Return the merged periods of each answer for a trip over a date range.

    Iterates over the timeline's change points (never over days). The periods cover the
    range with no gap or overlap; neighbours with the same answer are merged.

    Parameters
    ----------
    start, end
        The range, inclusive; default: the first and last change point of the data.
    horizon
        Days an open-ended claim is carried past its as-of date (default 30); None = no bound.

    Examples
    --------
    >>> from karabakh_routes import load
    >>> ps = periods(load().timeline, "Aghdam", "Khankendi", start="2023-09-10", end="2023-09-14",
    ...              traffic="humanitarian")
    >>> [(p.start.isoformat(), p.answer) for p in ps]
    [('2023-09-10', 'no'), ('2023-09-12', 'yes'), ('2023-09-13', 'no')]
    """
    idx = place_index(timeline.G)
    a, b = idx.resolve(origin), idx.resolve(destination)
    v = parse_view(view, timeline.ledger, horizon=horizon)
    check_traffic(traffic)
    points_all = timeline.change_points(horizon=v.horizon)
    lo = to_date(start) if start is not None else (points_all[0] if points_all else to_date("2020-11-10"))
    hi = to_date(end) if end is not None else (points_all[-1] if points_all else lo)
    if hi < lo:
        from ._errors import DateError
        msg = f"The range ends ({hi}) before it starts ({lo}); give --from before --to."
        raise DateError(msg)
    cuts = [lo] + [p for p in timeline.change_points(lo, hi, horizon=v.horizon) if p > lo]
    out: list[Period] = []
    for i, day in enumerate(cuts):
        last = cuts[i + 1] - dt.timedelta(days=1) if i + 1 < len(cuts) else hi
        r = reach(timeline, a, b, on=day, traffic=traffic, view=v)
        # between change points every claim stays attested, carried or forecast: only the ages
        # of carried (or forecast) evidence grow, by a day a day, so the last day has the largest
        age = r.evidence_age_days
        if age:
            age += (last - day).days
        if out and out[-1].answer == r.answer:
            prev = out[-1]
            out[-1] = Period(prev.start, last, prev.answer, prev.uncertain or r.uncertain,
                             _merge_basis(prev.basis, r.basis), prev.carried or r.carried,
                             max((x for x in (prev.evidence_age_days, age) if x is not None), default=None),
                             sorted(set(prev.assumptions) | set(r.assumptions)))
        else:
            out.append(Period(day, last, r.answer, r.uncertain, _merge_basis([], r.basis), r.carried, age,
                              list(r.assumptions)))
    return out
