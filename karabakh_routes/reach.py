"""Reachability between two places on a date, and reachability periods over a range."""

from __future__ import annotations

import datetime as dt
import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict

import networkx as nx
import numpy as np

from ._range import outside_note
from .dates import DateLike, to_date
from .events import check_traffic
from .network import place_index
from .timeline import _CODE, _CODES, ClassStatus, Decision, Horizon, Timeline, View, assumption_line, parse_view
from .vocab import ANSWERS

__all__ = ["Reach", "Period", "ANSWERS", "reach", "periods", "reach_from", "periods_from"]

_TIERS = (("yes", {"open"}), ("disputed", {"open", "disputed"}), ("unknown", {"open", "disputed", "unknown"}))
_BLOCKED = 1e7  # km penalty per closed segment when naming what blocks a trip
# Within a tier, prefer paths with as few unknown, then disputed, segments as possible:
# a trip over one segment nobody reports on beats a shorter one over six.
_PENALTY = {"open": 0.0, "disputed": 1e3, "unknown": 1e5, "closed": _BLOCKED}


@dataclass(frozen=True, kw_only=True)
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


@dataclass(frozen=True, kw_only=True)
class Period:
    """A maximal run of days with the same answer (dates inclusive).

    ``basis`` is the union of the bases of the answers in the period (events with the
    segments they decided; each claim's ``age_days`` the largest it reaches in the period);
    ``carried`` whether any was carried; ``evidence_age_days`` the largest evidence age over
    the period (reached on its last day); ``assumptions`` one line per baseline used and per
    claim carried, with that largest age.
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
    return _basis_of([(k, D[a][b][k]["decision"]) for a, b, k in edges], statuses)


def _basis_of(decisions: list[tuple[str, Decision]], statuses: Mapping[str, ClassStatus]) -> _BasisFields:
    """Return the basis fields of an answer decided by ``(segment, decision)`` pairs."""
    out: dict[str, dict[str, Any]] = {}
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
    if timeline.engine == "reference":
        return _reach_reference(timeline, a, b, day, traffic, v)
    return _reach_arrays(timeline, a, b, day, traffic, v)


def _common(timeline: Timeline, a: str, b: str, day: dt.date, traffic: str, v: View) -> dict[str, Any]:
    return {"origin": a, "destination": b, "on": day, "traffic": traffic, "view": str(v),
            "horizon": v.horizon_text, "outside_data": outside_note(timeline, day, horizon=v.horizon)}


def _reach_reference(timeline: Timeline, a: str, b: str, day: dt.date, traffic: str, v: View) -> Reach:
    """:func:`reach` over a NetworkX graph of every segment's :class:`ClassStatus` (the reference path).

    Used by ``Timeline(engine="reference")``; tests hold :func:`_reach_arrays` to it.
    """
    G = timeline.G
    common = _common(timeline, a, b, day, traffic, v)
    statuses = {s: timeline.class_status(s, traffic, on=day, view=v) for s in timeline.segments}
    if a == b:
        return Reach(**common, answer="yes", path=[a], segments=[], length_km=0.0, blocked_by=[])
    D = _directed(G, statuses)
    for answer, allowed in _TIERS:
        try:
            nodes = nx.shortest_path(D, a, b, weight=_weight(allowed))
        except nx.NetworkXNoPath:
            continue
        segs = _edges_on(D, nodes, allowed)
        length = sum(D[x][y][k]["length_km"] for x, y, k in zip(nodes, nodes[1:], segs))
        way = [D[x][y][k]["status"] for x, y, k in zip(nodes, nodes[1:], segs)]
        return Reach(**common, answer=answer, path=nodes, segments=segs, length_km=length, blocked_by=[],
                     disputed=[s for s, st in zip(segs, way) if st == "disputed"],
                     unknown=[s for s, st in zip(segs, way) if st == "unknown"],
                     **_basis(D, list(zip(nodes, nodes[1:], segs)), statuses))
    try:
        nodes = nx.shortest_path(D, a, b, weight=_weight(None))
    except nx.NetworkXNoPath:
        return Reach(**common, answer="no", path=None, segments=None, length_km=None, blocked_by=[])
    segs = _edges_on(D, nodes, None)
    blocking = [(x, y, k) for x, y, k in zip(nodes, nodes[1:], segs) if D[x][y][k]["status"] == "closed"]
    return Reach(**common, answer="no", path=None, segments=None, length_km=None, blocked_by=[k for *_, k in blocking],
                 **_basis(D, blocking, statuses))


@dataclass
class _Net:
    """A graph as arrays for routing: each segment once per direction (u->v at 2i, v->u at 2i+1)."""

    nodes: list[str]
    index: dict[str, int]
    segments: list[str]
    src: np.ndarray
    dst: np.ndarray
    length: np.ndarray  # km, per direction


_NETS: weakref.WeakKeyDictionary[nx.MultiGraph, _Net] = weakref.WeakKeyDictionary()
_PENALTY_BY_CODE = np.array([_PENALTY[c] if c in _PENALTY else 0.0 for c in _CODES])


def _net(G: nx.MultiGraph) -> _Net:
    cached = _NETS.get(G)
    if cached is not None and len(cached.segments) == G.number_of_edges():
        return cached
    nodes = list(G.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    edges = list(G.edges(keys=True, data=True))
    u = np.array([index[e[0]] for e in edges], np.int64)
    w = np.array([index[e[1]] for e in edges], np.int64)
    length = np.array([e[3]["length_km"] for e in edges], float)
    net = _Net(nodes, index, [e[2] for e in edges], np.column_stack([u, w]).ravel(), np.column_stack([w, u]).ravel(),
               np.repeat(length, 2))
    _NETS[G] = net
    return net


def _graph(net: _Net, entries: np.ndarray, weight: np.ndarray) -> tuple[Any, np.ndarray]:
    """A sparse directed graph of the given entries: of parallel ones, the lightest (the first of equals).

    Returns the graph and the entries kept, one per (from, to) pair.
    """
    from scipy.sparse import csr_matrix

    order = np.lexsort((entries, weight, net.dst[entries], net.src[entries]))
    entries, weight = entries[order], weight[order]
    src, dst = net.src[entries], net.dst[entries]
    first = np.concatenate(([True], (src[1:] != src[:-1]) | (dst[1:] != dst[:-1]))) if len(entries) else np.zeros(0, bool)
    n = len(net.nodes)
    # csgraph reads a stored 0 as no edge: a zero-length road keeps a tiny weight
    return csr_matrix((np.maximum(weight[first], 1e-12), (src[first], dst[first])), shape=(n, n)), entries[first]


def _road_distances(net: _Net, places: list[int], closed: np.ndarray) -> np.ndarray:
    """Road distances (km) from each place to every node over the segments not closed (as :func:`_distances`).

    One row per place; ``inf`` where a node cannot be reached. A place that reaches no other
    node without closed segments gets its distances over the whole network.
    """
    from scipy.sparse.csgraph import dijkstra

    if not places:
        return np.zeros((0, len(net.nodes)))

    def table(open_segments: np.ndarray) -> np.ndarray:
        entries = np.flatnonzero(np.repeat(open_segments, 2))
        graph, _ = _graph(net, entries, net.length[entries])
        return np.atleast_2d(dijkstra(graph, directed=True, indices=places))

    dist = table(~closed)
    if closed.any():
        alone = np.isfinite(dist).sum(axis=1) <= 1
        if alone.any():
            dist[alone] = table(np.ones(len(closed), bool))[alone]
    return dist


class _Routes:
    """Shortest-path trees from one origin over the allowed statuses (one Dijkstra per tier)."""

    def __init__(self, net: _Net, origin: int, codes: np.ndarray, allowed: frozenset[int] | None) -> None:
        """Trees over the entries whose status is allowed (all when None).

        Weights and choices as :func:`_weight` and :func:`_edges_on`: length plus the status's
        penalty; of parallel entries, the lightest, the first of equals.
        """
        from scipy.sparse.csgraph import dijkstra

        ok = np.ones(len(codes), bool) if allowed is None else np.isin(codes, list(allowed))
        entries = np.flatnonzero(ok)
        graph, kept = _graph(net, entries, net.length[entries] + _PENALTY_BY_CODE[codes[entries]])
        self.origin = origin
        self.dist, self.pred = dijkstra(graph, directed=True, indices=origin, return_predecessors=True)
        self.chosen = {(int(net.src[e]), int(net.dst[e])): int(e) for e in kept.tolist()}

    def path(self, b: int) -> list[int] | None:
        """The directed entries of the shortest path to ``b``, else None."""
        if not np.isfinite(self.dist[b]):
            return None
        path: list[int] = []
        node = b
        while node != self.origin:
            prev = int(self.pred[node])
            path.append(self.chosen[(prev, node)])
            node = prev
        return path[::-1]


class _Day:
    """Every segment's status for one class and view on a day, per direction: what every trip that day shares.

    Built from the vectorised snapshot; only the segments a snapshot cannot settle alone (a
    passage that day, a baseline, a one-way claim) and those an answer rests on are asked for
    their :class:`ClassStatus`.
    """

    def __init__(self, timeline: Timeline, day: dt.date, traffic: str, v: View) -> None:
        self.timeline, self.day, self.traffic, self.v = timeline, day, traffic, v
        self.net = net = _net(timeline.G)
        codes, exact, one_way = timeline._snapshot(day, traffic, v)
        self.statuses: dict[str, ClassStatus] = {}
        for i in np.flatnonzero(exact | one_way).tolist():
            codes[i] = _CODE[self.status_of(i).status]
        # per direction: the segment's status, or for a one-way claim the decision for that direction
        self.codes = np.repeat(codes, 2)
        self.decisions: dict[int, Decision] = {}
        ways = [i for i in np.flatnonzero(exact | one_way).tolist() if self.status_of(i).one_way]
        if ways:
            places = sorted({c.direction for i in ways for c in (*self.status_of(i).claims, *self.status_of(i).passages,
                                                                   *self.status_of(i).newer) if c.direction})
            dist = _road_distances(net, [net.index[p] for p in places], codes == _CODE["closed"])
            by_place = dict(zip(places, dist))
            for i in ways:
                cs = self.status_of(i)
                for e in (2 * i, 2 * i + 1):
                    x, y = int(net.src[e]), int(net.dst[e])

                    def toward(place: str, x: int = x, y: int = y) -> bool:
                        d = by_place[place]
                        return bool(d[y] < d[x])
                    self.decisions[e] = cs.towards_decision(toward)
                    self.codes[e] = _CODE[self.decisions[e].status]
        self._trees: dict[tuple[int, frozenset[int] | None], _Routes] = {}
        self._common: dict[str, Any] = {"on": day, "traffic": traffic, "view": str(v), "horizon": v.horizon_text,
                        "outside_data": outside_note(timeline, day, horizon=v.horizon)}

    def status_of(self, i: int) -> ClassStatus:
        seg = self.net.segments[i]
        if seg not in self.statuses:
            self.statuses[seg] = self.timeline.class_status(seg, self.traffic, on=self.day, view=self.v)
        return self.statuses[seg]

    def decision(self, e: int) -> Decision:
        return self.decisions[e] if e in self.decisions else self.status_of(e // 2).decision

    def _path(self, a: int, b: int, allowed: frozenset[int] | None) -> list[int] | None:
        key = (a, allowed)
        if key not in self._trees:
            self._trees[key] = _Routes(self.net, a, self.codes, allowed)
        return self._trees[key].path(b)

    def answer(self, a: str, b: str) -> Reach:
        """The :class:`Reach` from place id ``a`` to place id ``b``."""
        net = self.net
        common: dict[str, Any] = {"origin": a, "destination": b, **self._common}
        if a == b:
            return Reach(**common, answer="yes", path=[a], segments=[], length_km=0.0, blocked_by=[])
        ia, ib = net.index[a], net.index[b]
        for answer, allowed in _TIERS:
            path = self._path(ia, ib, frozenset(_CODE[s] for s in allowed))
            if path is None:
                continue
            segs = [net.segments[e // 2] for e in path]
            nodes = [a] + [net.nodes[int(net.dst[e])] for e in path]
            way = [_CODES[self.codes[e]] for e in path]
            dec = [(net.segments[e // 2], self.decision(e)) for e in path]
            return Reach(**common, answer=answer, path=nodes, segments=segs, length_km=float(sum(net.length[path])),
                         blocked_by=[], disputed=[s for s, st in zip(segs, way) if st == "disputed"],
                         unknown=[s for s, st in zip(segs, way) if st == "unknown"], **_basis_of(dec, self.statuses))
        path = self._path(ia, ib, None)
        if path is None:
            return Reach(**common, answer="no", path=None, segments=None, length_km=None, blocked_by=[])
        blocking = [e for e in path if self.codes[e] == _CODE["closed"]]
        dec = [(net.segments[e // 2], self.decision(e)) for e in blocking]
        return Reach(**common, answer="no", path=None, segments=None, length_km=None,
                     blocked_by=[net.segments[e // 2] for e in blocking], **_basis_of(dec, self.statuses))


def _reach_arrays(timeline: Timeline, a: str, b: str, day: dt.date, traffic: str, v: View) -> Reach:
    """:func:`reach` from the vectorised snapshot, routing on arrays with scipy (the default path)."""
    return _Day(timeline, day, traffic, v).answer(a, b)


def _answers(timeline: Timeline, a: str, targets: list[str], day: dt.date, traffic: str, v: View) -> list[Reach]:
    """The answers from ``a`` to each of ``targets`` on a day, sharing the day's statuses and routes."""
    if timeline.engine == "reference":
        return [_reach_reference(timeline, a, b, day, traffic, v) for b in targets]
    state = _Day(timeline, day, traffic, v)
    return [state.answer(a, b) for b in targets]


def reach_from(
    timeline: Timeline,
    origin: str,
    destinations: Sequence[str] | None = None,
    *,
    on: DateLike,
    traffic: str = "civilian",
    view: str | View = "consensus",
    horizon: Horizon = "default",
) -> dict[str, Reach]:
    """Answer :func:`reach` from one origin to many places at once (default: every place).

    The same answers as one :func:`reach` per destination; the day's statuses, one-way
    decisions and shortest-path trees are computed once for all of them.

    Returns
    -------
    dict
        ``{destination place id: Reach}``, in the order given (or the graph's).

    Examples
    --------
    >>> from karabakh_routes import load
    >>> out = reach_from(load().timeline, "Goris", on="2023-07-20", traffic="humanitarian")
    >>> out["khankendi_stepanakert"].answer
    'no'
    """
    a, targets, traffic, v = _trip_args(timeline, origin, destinations, traffic, view, horizon)
    return dict(zip(targets, _answers(timeline, a, targets, to_date(on), traffic, v)))


def _trip_args(timeline: Timeline, origin: str, destinations: Sequence[str] | None, traffic: str,
               view: str | View, horizon: Horizon) -> tuple[str, list[str], str, View]:
    """The origin's and destinations' place ids (default: every place), the class and the view, parsed once."""
    idx = place_index(timeline.G)
    a = idx.resolve(origin)
    targets = [idx.resolve(d) for d in destinations] if destinations is not None else list(timeline.G.nodes)
    return a, targets, check_traffic(traffic), parse_view(view, timeline.ledger, horizon=horizon)


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

    Visits only the days on which something about the traffic class may change (never every
    day). The periods cover the range with no gap or overlap; neighbours with the same answer
    are merged. Ages are taken on a period's last day.

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
    out = periods_from(timeline, origin, [destination], start=start, end=end, traffic=traffic, view=view,
                       horizon=horizon)
    return next(iter(out.values()))


def periods_from(
    timeline: Timeline,
    origin: str,
    destinations: Sequence[str] | None = None,
    *,
    start: DateLike | None = None,
    end: DateLike | None = None,
    traffic: str = "civilian",
    view: str | View = "consensus",
    horizon: Horizon = "default",
) -> dict[str, list[Period]]:
    """Return :func:`periods` from one origin to many places at once (default: every place).

    The same periods as one :func:`periods` per destination; at each change point the day's
    statuses, one-way decisions and shortest-path trees are computed once for all of them.

    Examples
    --------
    >>> from karabakh_routes import load
    >>> out = periods_from(load().timeline, "Aghdam", ["Khankendi", "Askeran"], start="2023-09-10",
    ...                    end="2023-09-14", traffic="humanitarian")
    >>> [(p.start.isoformat(), p.answer) for p in out["khankendi_stepanakert"]]
    [('2023-09-10', 'no'), ('2023-09-12', 'yes'), ('2023-09-13', 'no')]
    """
    a, targets, traffic, v = _trip_args(timeline, origin, destinations, traffic, view, horizon)
    points_all = timeline.change_points(horizon=v.horizon)
    lo = to_date(start) if start is not None else (points_all[0] if points_all else to_date("2020-11-10"))
    hi = to_date(end) if end is not None else (points_all[-1] if points_all else lo)
    if hi < lo:
        from ._errors import DateError
        msg = f"The range ends ({hi}) before it starts ({lo}); give --from before --to."
        raise DateError(msg)
    # only the days on which something about this class may change
    cuts = [lo] + [p for p in timeline.change_points(lo, hi, horizon=v.horizon, traffic=traffic) if p > lo]
    out: dict[str, list[Period]] = {b: [] for b in targets}
    for i, day in enumerate(cuts):
        last = cuts[i + 1] - dt.timedelta(days=1) if i + 1 < len(cuts) else hi
        for b, r in zip(targets, _answers(timeline, a, targets, day, traffic, v)):
            _add_answer(out[b], r, day, last)
    return out


def _add_answer(out: list[Period], r: Reach, day: dt.date, last: dt.date) -> None:
    """Add the answer ``r`` of ``day``, unchanged up to ``last``, to the periods ``out`` (merging).

    Between change points every claim stays attested, carried or forecast: only the ages of
    carried (or forecast) evidence grow, a day a day, so ages are taken on ``last``: the
    period's ages do not depend on where an unchanged run was cut.
    """
    span = (last - day).days
    age = r.evidence_age_days
    if age:
        age += span
    basis = [{**e, "age_days": e["age_days"] + span} if e.get("age_days") and (e.get("carried") or e.get("forecast"))
             else e for e in r.basis]
    if out and out[-1].answer == r.answer:
        prev = out[-1]
        merged = _merge_basis(prev.basis, basis)
        out[-1] = Period(start=prev.start, end=last, answer=prev.answer, uncertain=prev.uncertain or r.uncertain,
                         basis=merged, carried=prev.carried or r.carried,
                         evidence_age_days=max((x for x in (prev.evidence_age_days, age) if x is not None), default=None),
                         assumptions=_assumptions(merged))
    else:
        merged = _merge_basis([], basis)
        out.append(Period(start=day, end=last, answer=r.answer, uncertain=r.uncertain, basis=merged,
                          carried=r.carried, evidence_age_days=age, assumptions=_assumptions(merged)))


def _assumptions(basis: list[dict[str, Any]]) -> list[str]:
    """One line per claim or baseline of a period's basis that rests on an assumption (ages: the largest)."""
    return sorted({line for e in basis if (line := assumption_line(e))})
