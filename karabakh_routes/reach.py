"""Reachability between two places on a date, and reachability periods over a range."""

from __future__ import annotations

import datetime as dt
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict

import networkx as nx
import numpy as np

from . import _columnar as _col
from ._io import gc_paused
from ._parallel import check_workers, map_forked
from ._range import evidence_span, outside_note, outside_side, outside_span_note, range_cuts
from .dates import DateLike, to_date
from .events import check_traffic
from .network import EdgeArrays, edge_arrays, place_index
from .timeline import (
    _CODE,
    _CODES,
    ClassStatus,
    Decision,
    Horizon,
    Timeline,
    View,
    _Cursor,
    _EvidenceMemo,
    assumption_line,
    combine_statuses,
    parse_view,
)
from .vocab import ANSWERS

__all__ = ["Reach", "Period", "ANSWERS", "reach", "periods", "reach_from", "periods_from"]

_TIERS = (("yes", {"open"}), ("disputed", {"open", "disputed"}), ("unknown", {"open", "disputed", "unknown"}))
#: The status codes each tier's search may use, then None: any (the search that names what blocks a trip).
_ALLOWED = [*(frozenset(_CODE[s] for s in allowed) for _, allowed in _TIERS), None]
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
    claim carried, with that largest age. ``outside_data`` is empty for days the data speaks
    about, else a sentence saying the period lies before the first claim or after the data's
    range (a period never straddles either bound).
    """

    start: dt.date
    end: dt.date
    answer: str
    uncertain: bool = False
    basis: list[dict[str, Any]] = field(default_factory=list)
    carried: bool = False
    evidence_age_days: int | None = None
    assumptions: list[str] = field(default_factory=list)
    outside_data: str = ""

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
                "evidence_age_days": self.evidence_age_days, "assumptions": self.assumptions,
                "outside_data": self.outside_data}


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


class _BasisFields(TypedDict):
    basis: list[dict[str, Any]]
    carried: bool
    evidence_age_days: int | None
    assumptions: list[str]
    uncertain: bool


def _basis(D: nx.MultiDiGraph, edges: list[tuple[str, str, str]], statuses: Mapping[str, ClassStatus]) -> _BasisFields:
    """Return the basis fields of an answer decided by the directed ``edges`` (see :class:`Reach`)."""
    return _basis_of([(k, D[a][b][k]["decision"], 0, statuses[k].uncertain) for a, b, k in edges])


#: What :func:`_basis_of` makes of one decision's claims, by ``(id(decision), days)``: the decision (kept
#: alive, so that its id is not reused), each claim's event and dict, the newest age, whether any is
#: carried, and their assumption lines.
_Made = dict[tuple[int, int], tuple[Decision, list[tuple[str, dict[str, Any]]], int | None, bool, set[str]]]


def _basis_of(decisions: list[tuple[str, Decision, int, bool]], made: _Made | None = None) -> _BasisFields:
    """Return the basis fields of an answer decided by ``(segment, decision, days, uncertain)``.

    ``days``: how much older than when it was decided the decision's carried or forecast
    evidence is on the answer's day (nothing else about it can have changed in between);
    ``uncertain``: whether the segment's status is uncertain. ``made``: what earlier answers of
    the day made of the same decisions (shared by the answers of :func:`reach_from`; the
    dicts in it are only read).
    """
    out: dict[str, dict[str, Any]] = {}
    ages: list[int] = []
    lines: set[str] = set()
    carried = False
    # segments share decisions (see Timeline._class_statuses): each one's claims made into dicts once
    if made is None:
        made = {}
    for k, dec, days, _ in decisions:
        got = made.get((id(dec), days))
        if got is None:
            items: list[tuple[str, dict[str, Any]]] = []
            newest: int | None = None
            stale = False
            said: set[str] = set()
            for cl in dec.basis:
                d = cl.to_dict()
                if days and d["age_days"] is not None and (d["carried"] or d["forecast"]):
                    d["age_days"] += days
                if d["age_days"] is not None:
                    newest = d["age_days"] if newest is None else min(newest, d["age_days"])
                stale = stale or d["carried"] or d["forecast"]
                if line := assumption_line(d):
                    said.add(line)
                items.append((cl.event, d))
            got = made[(id(dec), days)] = (dec, items, newest, stale, said)
        _, items, newest, stale, said = got
        lines |= said
        carried = carried or stale
        for event, d in items:
            entry = out.get(event)
            if entry is None:
                entry = out[event] = {**d, "segments": []}
            entry["segments"].append(k)
        if newest is not None:
            ages.append(newest)
    return {
        "basis": list(out.values()),
        "carried": carried,
        "evidence_age_days": max(ages) if ages else None,
        "assumptions": sorted(lines),
        "uncertain": any(u for *_, u in decisions),
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
    """A graph as arrays for routing: each segment once per direction (u->v at 2i, v->u at 2i+1).

    ``order`` lists the directed entries sorted by (from, to, entry): the layout of the sparse
    graphs built from them; ``parallel`` says whether two entries share a (from, to) pair.
    """

    nodes: list[str]
    index: dict[str, int]
    segments: list[str]
    src: np.ndarray
    dst: np.ndarray
    length: np.ndarray  # km, per direction
    order: np.ndarray
    parallel: bool
    lonlat: np.ndarray  # each node's (x, y), in radians (nan: none)
    _layout: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    _median: float | None = field(default=None, repr=False)

    def median_length(self) -> float:
        """The median segment length, km (made once: 1.6 ms at L)."""
        if self._median is None:
            self._median = float(np.median(self.length)) if len(self.length) else 0.0
        return self._median

    def layout(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The sparse layout of every directed entry in :attr:`order`: ``(indptr, indices, pair)`` (made once).

        ``pair`` is each entry's ``from * len(nodes) + to``, sorted. A search over some of the
        entries (:meth:`_Search.over`) reuses it, with the others at an infinite weight.
        """
        if self._layout is None:
            n = len(self.nodes)
            src, dst = self.src[self.order], self.dst[self.order]
            indptr = np.concatenate(([0], np.cumsum(np.bincount(src, minlength=n)))).astype(np.int32)
            self._layout = (indptr, dst.astype(np.int32), src * n + dst)
        return self._layout


_NETS: weakref.WeakKeyDictionary[nx.MultiGraph, _Net] = weakref.WeakKeyDictionary()
_PENALTY_BY_CODE = np.array([_PENALTY[c] if c in _PENALTY else 0.0 for c in _CODES])


def _net(G: nx.MultiGraph, segments: Sequence[str], edges: EdgeArrays | None = None) -> _Net:
    """The routing arrays of ``G`` (kept per graph while its segments are ``segments``).

    ``edges``: its edges as arrays, if already made (a :class:`Timeline` makes them as it lists
    its segments: reading the graph's dicts twice cost the first answer 0.13 s at L).
    """
    cached = _NETS.get(G)
    if cached is not None and len(cached.segments) == len(segments):
        return cached
    if edges is None or len(edges.keys) != len(segments) or np.isnan(edges.length).any():
        edges = edge_arrays(G)  # (a length missing: the KeyError of a graph built without them)
        if np.isnan(edges.length).any():
            raise KeyError("length_km")
    nodes, index, keys, u, w, length = edges.nodes, edges.position, edges.keys, edges.u, edges.v, edges.length
    src, dst = np.column_stack([u, w]).ravel(), np.column_stack([w, u]).ravel()
    order = np.lexsort((np.arange(len(src)), dst, src))
    pair = src[order] * len(nodes) + dst[order]
    parallel = bool(len(pair) and (pair[1:] == pair[:-1]).any())
    data = G.nodes
    # (each node's attributes in ``nodes``' order: G.nodes's, unless the graph has changed since)
    pairs = list(data(data=True))
    attrs = [a for _, a in pairs] if [n for n, _ in pairs] == nodes else [data[n] for n in nodes]
    try:
        lonlat = np.radians(np.array([(a.get("x", np.nan), a.get("y", np.nan)) for a in attrs], float))
    except (TypeError, ValueError):  # a coordinate that is not a number (a graph built in code): nan
        lonlat = np.radians(np.array([(_coord(a, "x"), _coord(a, "y")) for a in attrs], float))
    lonlat = lonlat.reshape(-1, 2)
    net = _Net(nodes, index, keys, src, dst, np.repeat(length, 2), order, parallel, lonlat)
    _NETS[G] = net
    return net


def _coord(attrs: Mapping[str, Any], key: str) -> float:
    """A node's ``x`` or ``y`` as a float (nan when it has none: a graph built in code)."""
    try:
        return float(attrs.get(key, np.nan))
    except (TypeError, ValueError):
        return np.nan


def _kept(net: _Net, entries: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """The given entries, one per (from, to) pair (of parallel ones, the lightest; the first of equals).

    ``weight`` is per entry of the whole net (only ``entries`` are read). Sorted by (from, to).
    """
    use = np.zeros(len(net.src), bool)
    use[entries] = True
    kept = net.order[use[net.order]]  # sorted by (from, to, entry)
    if net.parallel and len(kept):
        kept = kept[np.lexsort((kept, weight[kept], net.dst[kept], net.src[kept]))]
        src, dst = net.src[kept], net.dst[kept]
        kept = kept[np.concatenate(([True], (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])))]
    out: np.ndarray = kept
    return out


#: Up to this many directed entries (a hundred roads), shortest paths are searched with
#: NetworkX (already loaded; scipy takes a quarter of a second to import, more than a whole
#: answer on a region this small); above it with ``scipy.sparse.csgraph`` (several times faster
#: per search: what a range query over a larger region needs).
_SMALL_NET = 200


class _Search:
    """Shortest paths over the ``kept`` entries of a net with the given weights (laid out once)."""

    @classmethod
    def over(cls, net: _Net, use: np.ndarray, weight: np.ndarray) -> tuple[_Search, np.ndarray, np.ndarray]:
        """A search over the entries where ``use`` (per entry of the net) is true.

        Returns it, the entries it keeps (sorted by (from, to)) and their ``from * len(nodes) + to``.
        On a large net without parallel entries, the net's one sparse layout is reused with
        the entries not used at an infinite weight (a search never crosses one) instead of
        a new graph being laid out; else as :func:`_kept`.
        """
        if net.parallel or len(net.src) <= _SMALL_NET:
            kept = _kept(net, np.flatnonzero(use), weight)
            return cls(net, kept, weight), kept, net.src[kept] * len(net.nodes) + net.dst[kept]
        from scipy.sparse import csr_matrix

        indptr, indices, pair = net.layout()
        order = net.order
        data = np.where(use[order], np.maximum(weight[order], 1e-12), np.inf)
        out = cls.__new__(cls)
        n = out.n = len(net.nodes)
        out.graph, out.small = csr_matrix((data, indices, indptr), shape=(n, n)), False
        return out, order, pair

    def __init__(self, net: _Net, kept: np.ndarray, weight: np.ndarray) -> None:
        n = len(net.nodes)
        w = np.maximum(weight[kept], 1e-12)  # csgraph reads a stored 0 as no edge: a tiny weight
        src, dst = net.src[kept], net.dst[kept]
        self.n = n
        if len(net.src) > _SMALL_NET:
            from scipy.sparse import csr_matrix

            indptr = np.concatenate(([0], np.cumsum(np.bincount(src, minlength=n))))
            self.graph: Any = csr_matrix((w, dst, indptr), shape=(n, n))
            self.small = False
        else:
            self.graph = nx.DiGraph()
            self.graph.add_nodes_from(range(n))
            self.graph.add_weighted_edges_from(zip(src.tolist(), dst.tolist(), w.tolist()))
            self.small = True

    def distances(self, origin: int, limit: float = np.inf) -> np.ndarray:
        """Distances from ``origin`` (``inf`` beyond ``limit``): :meth:`run` without the predecessors."""
        if not self.small:
            from scipy.sparse.csgraph import dijkstra

            return np.asarray(dijkstra(self.graph, directed=True, indices=origin, limit=limit))
        return self.run(origin, limit)[0]

    def run(self, origin: int, limit: float = np.inf) -> tuple[np.ndarray, np.ndarray]:
        """Distances from ``origin`` (``inf`` beyond ``limit``) and each node's predecessor (-9999: none)."""
        if not self.small:
            from scipy.sparse.csgraph import dijkstra

            dist, pred = dijkstra(self.graph, directed=True, indices=origin, limit=limit, return_predecessors=True)
            return np.asarray(dist), np.asarray(pred)
        lengths, paths = nx.single_source_dijkstra(self.graph, origin, cutoff=None if limit == np.inf else limit)
        out = np.full(self.n, np.inf)
        pred = np.full(self.n, -9999, np.int64)
        for node, d in lengths.items():
            out[node] = d
            if node != origin:
                pred[node] = paths[node][-2]
        return out, pred


#: The first distance limit of a search towards a one-way claim's place, in median segment
#: lengths (doubled until it settles the moves asked about).
_FIRST_LIMIT = 4.0
#: A search towards a place starts at least this many times the farthest of the great-circle
#: distances a move asked about needs (no road is shorter than the great circle: a smaller
#: limit could not settle the move; roads seldom run straight, hence a margin).
_DETOUR = 1.2
_EARTH_KM = 6371.0


class _Toward:
    """Whether a move along a directed entry goes towards a place (as :func:`_distances` decides).

    Road distances to a place are taken over the segments not closed that day (over the whole
    network when the place has no open road to another node). They are searched lazily, once
    per place, out to a distance limit that doubles until both ends of the entry asked about
    are settled: a one-way claim's place is usually near the segment it is about, so the
    search stays local instead of covering the whole network.
    """

    def __init__(self, net: _Net, closed: np.ndarray) -> None:
        self.net, self.closed = net, closed
        self._graphs: dict[bool, _Search] = {}
        self._dist: dict[int, tuple[np.ndarray, float]] = {}  # place: (distances, exact up to this limit)
        self._asked: dict[int, float] = {}  # place: the farthest (finite) distance a decision read
        self._hint: dict[int, float] = {}  # place: the limit its last search needed (where the next one starts)
        self._total = float(net.length.sum()) / 2 + 1.0
        self._first = _FIRST_LIMIT * net.median_length() if len(net.length) else 1.0

    def after(self, closed: np.ndarray, flipped: np.ndarray) -> tuple[_Toward, set[int]]:
        """The same for a day on which the segments ``flipped`` opened or closed.

        Returns it and the places whose distances must be searched again: those for which a
        flipped segment may change a distance a decision read. The others keep theirs, exact
        up to the first distance a flipped segment may change.

        A flipped segment with ends ``u`` and ``v``, ``d(u) <= d(v)`` (distances to the place,
        as searched), changes no distance below ``d(u) + length``, and none at all when
        ``d(u) + length > d(v)``: closed, it was on no shortest path (every path through it
        is longer); opened, it shortens nothing. A segment at the place itself may change
        whether the place has an open road at all: it changes everything.
        """
        if not len(flipped):
            return self, set()
        net = self.net
        new = _Toward(net, closed)
        new._first = self._first
        if True in self._graphs:  # the search over all roads does not depend on which are closed
            new._graphs[True] = self._graphs[True]
        su, sv, ln = net.src[2 * flipped], net.dst[2 * flipped], net.length[2 * flipped]
        invalid: set[int] = set()
        new._hint = {**self._hint, **{p: limit for p, (_, limit) in self._dist.items()}}
        for p, (dist, limit) in self._dist.items():
            du, dv = dist[su], dist[sv]
            du = np.where(du <= limit, du, np.inf)  # beyond the limit: only known to be larger
            dv = np.where(dv <= limit, dv, np.inf)
            near, far = np.minimum(du, dv), np.maximum(du, dv)
            reach = near + ln
            # (a relative margin, so that float ties count as on a shortest path)
            tol = 1e-9 * np.where(np.isfinite(reach), reach, 0.0) + 1e-12
            hit = np.isfinite(near) & (reach <= far + tol)
            first = reach[hit] * (1 - 1e-9) - 1e-12
            m = float(first.min()) if len(first) else np.inf
            if ((su == p) | (sv == p)).any():
                m = 0.0
            if m < self._asked.get(p, 0.0):
                invalid.add(p)  # a decision made with this place may change
            else:
                new._dist[p] = (dist, min(limit, m))
                new._asked[p] = self._asked.get(p, 0.0)
        return new, invalid

    def _search(self, everything: bool) -> _Search:
        """Searches over the roads not closed, or over all of them."""
        if everything not in self._graphs:
            net = self.net
            use = np.ones(len(net.src), bool) if everything else np.repeat(~self.closed, 2)
            self._graphs[everything] = _Search.over(net, use, net.length)[0]
        return self._graphs[everything]

    def _alone(self, place: int) -> bool:
        """Whether ``place`` has no open road to another node."""
        net = self.net
        indptr = net.layout()[0]
        out = net.order[indptr[place]:indptr[place + 1]]  # the entries leaving the place
        return bool(self.closed[out[net.dst[out] != place] // 2].all())

    def at(self, p: int, x: int, y: int) -> bool:
        """Whether moving from node ``x`` to node ``y`` goes towards node ``p``."""
        if x == p or y == p:
            return y == p and x != y
        got = self._dist.get(p)
        if got is not None:  # the distances searched already settle it: :meth:`many` without arrays
            dist, limit = got
            dx, dy = float(dist[x]), float(dist[y])
            if dx <= limit or dy <= limit:
                dx, dy = (dx if dx <= limit else np.inf), (dy if dy <= limit else np.inf)
                self._asked[p] = max(self._asked.get(p, 0.0), min(dx, dy) if np.isinf(max(dx, dy)) else max(dx, dy))
                return dy < dx
        return bool(self.many(np.array([p]), np.array([x]), np.array([y]))[0])

    def many(self, p: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Whether each move from node ``x`` to node ``y`` goes towards node ``p`` (one search per place)."""
        out: np.ndarray = (y == p) & (x != y)  # onto the place; never closer than the place itself
        far = np.flatnonzero((x != p) & (y != p))
        if not len(far):
            return out
        order = far[np.argsort(p[far], kind="stable")]
        ps = p[order]
        cut = np.flatnonzero(np.concatenate(([True], ps[1:] != ps[:-1], [True])))
        for i, j in zip(cut[:-1].tolist(), cut[1:].tolist()):
            idx = order[i:j]
            place = int(ps[i])
            dist, limit = self._table(place, x[idx], y[idx])
            dx, dy = dist[x[idx]], dist[y[idx]]
            dx[dx > limit] = np.inf  # beyond the limit it is exact up to, a distance is only known to be larger
            dy[dy > limit] = np.inf
            # one end within the limit: the other, if beyond it (inf), is farther
            out[idx] = dy < dx
            # what the decisions rest on: the distances read; where neither end was within
            # reach, the whole table (any road opening or closing may change it)
            seen = np.concatenate([dx[np.isfinite(dx)], dy[np.isfinite(dy)],
                                   [np.inf] if (np.isinf(dx) & np.isinf(dy)).any() else []])
            if len(seen):
                self._asked[place] = max(self._asked.get(place, 0.0), float(seen.max()))
        return out

    def _crow(self, p: int, xs: np.ndarray, ys: np.ndarray) -> float:
        """The least limit that could settle every move ``xs`` to ``ys`` towards ``p`` (km).

        That is the farthest of the moves' nearer ends as the crow flies (a sphere: within a
        fraction of a percent of the ellipsoid); 0 when the nodes have no coordinates.
        """
        ll = self.net.lonlat
        lon, lat = ll[:, 0], ll[:, 1]

        def km(q: np.ndarray) -> np.ndarray:  # haversine
            h = (np.sin((lat[q] - lat[p]) / 2) ** 2
                 + np.cos(lat[p]) * np.cos(lat[q]) * np.sin((lon[q] - lon[p]) / 2) ** 2)
            out: np.ndarray = 2 * _EARTH_KM * np.arcsin(np.sqrt(np.minimum(h, 1.0)))
            return out

        near = np.fmin(km(xs), km(ys))
        near = near[np.isfinite(near)]
        return float(near.max()) if len(near) else 0.0

    def _table(self, p: int, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, float]:
        """Distances to node ``p``, searched out far enough to settle each of the moves ``xs`` to ``ys``.

        Returns them and the limit they are exact up to (beyond it: only known to be larger).
        """
        dist, limit = self._dist.get(p, (None, 0.0))
        start = None
        while dist is None or not (limit == np.inf or self._settles(dist, limit, xs, ys)):
            if start is None:
                start = max(self._hint.get(p, 0.0), self._first, _DETOUR * self._crow(p, xs, ys))
            limit = max(limit * 2, start)
            limit = np.inf if limit > self._total else limit
            everything = bool(self.closed.any()) and self._alone(p)
            dist = self._search(everything).distances(p, limit)
            if limit != np.inf and not self._settles(dist, limit, xs, ys) and self._spent(dist, everything):
                # every node the place's roads lead to is within the limit: the distances are
                # exact everywhere (a move towards a node cut off from the place is never settled
                # by a larger limit: at L it had the whole grid searched again 9 times, 50 ms)
                limit = np.inf
            self._dist[p] = (dist, limit)
        return dist, limit

    @staticmethod
    def _settles(dist: np.ndarray, limit: float, xs: np.ndarray, ys: np.ndarray) -> bool:
        """Whether distances exact up to ``limit`` settle every move ``xs`` to ``ys`` (an end of each within it)."""
        return bool(((dist[xs] <= limit) | (dist[ys] <= limit)).all())

    def _spent(self, dist: np.ndarray, everything: bool) -> bool:
        """Whether a search that found ``dist`` reached every node it could: no road it may take leaves them."""
        net = self.net
        indptr = net.layout()[0]
        nodes = np.flatnonzero(np.isfinite(dist))
        out = net.order[_col.spans(indptr[nodes], indptr[nodes + 1] - indptr[nodes])]  # the entries leaving them
        out = out[~np.isfinite(dist[net.dst[out]])]
        if not everything:
            out = out[~self.closed[out // 2]]
        return not len(out)


_PLACES_OF: weakref.WeakKeyDictionary[Timeline, np.ndarray] = weakref.WeakKeyDictionary()


def _direction_places(timeline: Timeline, net: _Net) -> np.ndarray:
    """The node each event's ``direction`` names, per event (-1: none, or not in the graph)."""
    if timeline not in _PLACES_OF:
        index = net.index

        def place(name: str) -> int:
            return index.get(name, -1) if name else -1

        _PLACES_OF[timeline] = _col.per_event(timeline._ea.events, timeline._codes, "direction",
                                              lambda e: place(e.direction), np.int64,
                                              of_fields=lambda names: [place(p) for p in names])
    return _PLACES_OF[timeline]


def prepare(timeline: Timeline) -> None:
    """Lay out the routing of a timeline's graph before its first question (:func:`~karabakh_routes.load` calls it).

    Makes the routing arrays, each one-way event's place and the days the data speaks about
    (:func:`~karabakh_routes._range.evidence_span`, which every answer's ``outside_data``
    reads), and on a network searched with scipy (more than :data:`_SMALL_NET` directed
    entries) imports scipy's graph routines: at L (100,000 segments, a million events) some
    0.15 s that the first answer would otherwise take (the arrays 0.03 s, the places 0.015 s,
    the days 0.008 s, the import 0.09 s). Nothing for the reference engine, or a graph with a
    segment without a length (routing raises then).
    """
    edges = timeline._edges
    if timeline.engine != "columnar" or np.isnan(edges.length).any():
        return
    evidence_span(timeline)
    with gc_paused():
        net = _net(timeline.G, timeline.segments, edges)
        _direction_places(timeline, net)
    if len(net.src) > _SMALL_NET:
        import scipy.sparse.csgraph  # noqa: F401


#: The most nodes :meth:`_Day._unreached` walks past an opened wall before it leaves the
#: question to a search (at L walking 2,000 nodes of the grid took 1.2-1.8 ms, in 33-63
#: levels; a search of the whole grid 6-8 ms).
_POCKET = 2_000


class _Routes:
    """Shortest-path trees from one origin over the allowed statuses (one Dijkstra per tier)."""

    def __init__(self, net: _Net, origin: int, codes: np.ndarray, allowed: frozenset[int] | None) -> None:
        """Trees over the entries whose status is allowed (all when None).

        Weights and choices as :func:`_weight` and :func:`_edges_on`: length plus the status's
        penalty; of parallel entries, the lightest, the first of equals.
        """
        self.net, self.origin = net, origin
        if allowed is None:
            use = np.ones(len(codes), bool)
        else:
            lut = np.zeros(len(_CODES), bool)
            lut[list(allowed)] = True
            indptr = net.layout()[0]
            if not lut[codes[net.order[indptr[origin]:indptr[origin + 1]]]].any():
                # no road out of the origin is allowed: a tree of the origin alone, without a search
                self.kept, self.kept_pair = np.zeros(0, np.int64), np.zeros(0, np.int64)
                self.dist, self.pred = np.full(len(net.nodes), np.inf), np.full(len(net.nodes), -9999, np.int64)
                self.dist[origin] = 0.0
                return
            use = lut[codes]
        weight = net.length + _PENALTY_BY_CODE[codes]
        search, self.kept, self.kept_pair = _Search.over(net, use, weight)
        self.dist, self.pred = search.run(origin)

    def entries_to(self, targets: np.ndarray) -> np.ndarray:
        """The directed entries of the tree on the shortest paths to any of ``targets`` (nodes)."""
        n = len(self.net.nodes)
        seen = np.zeros(n, bool)
        front = np.unique(targets[np.isfinite(self.dist[targets])])
        pairs: list[np.ndarray] = []
        while len(front):  # up the tree, level by level, each node once
            seen[front] = True
            up = self.pred[front]
            has = up >= 0
            pairs.append(up[has] * n + front[has])
            front = np.unique(up[has])
            front = front[~seen[front]]
        pair = np.concatenate([*pairs, np.zeros(0, np.int64)])
        out: np.ndarray = self.kept[np.searchsorted(self.kept_pair, pair)]
        return out

    def path(self, b: int) -> list[int] | None:
        """The directed entries of the shortest path to ``b``, else None."""
        if not np.isfinite(self.dist[b]):
            return None
        nodes = [b]
        while nodes[-1] != self.origin:
            nodes.append(int(self.pred[nodes[-1]]))
        nodes.reverse()
        pair = np.asarray(nodes[:-1], np.int64) * len(self.net.nodes) + np.asarray(nodes[1:], np.int64)
        out: list[int] = self.kept[np.searchsorted(self.kept_pair, pair)].tolist()
        return out


#: Routing preference of each status code (index :data:`_CODES`): open, disputed, unknown, closed.
_RANK = np.array([{"open": 0, "disputed": 1, "unknown": 2, "closed": 3}[c] for c in _CODES])


class _Day:
    """Every segment's status for one class and view on a day, per direction: what every trip that day shares.

    Built from the vectorised snapshot. A one-way claim's segment gets a status per direction
    from the claims in force (each claimant's claim counted in the directions it speaks for);
    only the segments a snapshot cannot settle alone (a baseline to fall back on) and those
    an answer rests on are asked for their :class:`ClassStatus`.

    ``_Day(..., prev=day_before, touched=segments)`` is the next change point of a range
    query: only the ``touched`` segments (see ``Timeline._touches``) are looked up again;
    the others keep their statuses, their one-way decisions (unless a road that a decision's
    distances rest on opened or closed) and their :class:`ClassStatus` from the day it was
    looked up (its carried evidence aged when an answer is built, see :meth:`older`).
    ``changed`` then lists the directed entries whose status changed, ``dirty`` the segments
    whose evidence may have, ``improved`` whether any entry's status got better.
    """

    rows_seg: np.ndarray  # the claims in force on the one-way segments the snapshot settles
    rows_ev: np.ndarray
    rows_open: np.ndarray
    rows_pass: np.ndarray  # the row is a passage of the day
    aside_row: np.ndarray  # (row, event): a claim past its as-of date and a report it gives way to
    aside_ev: np.ndarray
    exact_way: set[int]  # exact segments with a one-way claim or passage

    def __init__(self, timeline: Timeline, day: dt.date, traffic: str, v: View, *, prev: _Day | None = None,
                 touched: np.ndarray | None = None) -> None:
        self.timeline, self.day, self.traffic, self.v = timeline, day, traffic, v
        self.net = net = _net(timeline.G, timeline.segments, timeline._edges)
        self._trees: dict[tuple[int, frozenset[int] | None], _Routes] = {}  # shortest-path trees, by origin and tier
        # by origin and tier: the nodes a tree reached and the entries leaving them (see _unreached),
        # carried from change point to change point
        self._walls: dict[tuple[int, frozenset[int]], tuple[np.ndarray, np.ndarray]] = {} if prev is None else prev._walls
        self._memo = _EvidenceMemo(timeline, day, traffic, v)  # the day's claims and statuses, made once
        self._towards: dict[tuple[int, tuple[bool, ...]], tuple[ClassStatus, Decision]] = {}  # see decision
        self._made: _Made = {}  # the day's answers' claims as dicts (see _basis_of)
        n = len(net.segments)
        dirty = np.arange(n) if prev is None or touched is None else touched
        # a range query carries the change point in force on every key from day to day
        self._cursor: _Cursor | None = None if prev is None else (prev._cursor or timeline._cursor(prev.day, traffic, v))
        if self._cursor is not None:
            self._cursor.advance(day.toordinal())
        snap = timeline._snapshot(day, traffic, v, directions=True, segments=None if prev is None else dirty,
                                  cursor=self._cursor)
        gone: set[int] = set()
        if prev is None:
            self.seg_codes, self.exact, self.way = snap.codes.copy(), snap.exact.copy(), snap.one_way & ~snap.exact
            self._cs: dict[int, tuple[dt.date, ClassStatus]] = {}
        else:
            self.seg_codes, self.exact, self.way = prev.seg_codes.copy(), prev.exact.copy(), prev.way.copy()
            self.seg_codes[dirty] = snap.codes[dirty]
            self.exact[dirty] = snap.exact[dirty]
            self.way[dirty] = snap.one_way[dirty] & ~snap.exact[dirty]
            gone = set(dirty.tolist())
            self._cs = {i: e for i, e in prev._cs.items() if i not in gone}
        self._prefetch(dirty[self.exact[dirty]].tolist())
        for i in dirty[self.exact[dirty]].tolist():
            self.seg_codes[i] = _CODE[self.status_of(i).status]
        self.closed = self.seg_codes == _CODE["closed"]
        invalid: set[int] = set()
        if prev is None:
            self.toward = _Toward(net, self.closed)
        else:
            flipped = dirty[self.closed[dirty] != prev.closed[dirty]]
            self.toward, invalid = prev.toward.after(self.closed, flipped)
        # per direction: the segment's status, or for a one-way claim the status in that direction
        if prev is None:
            self.codes = np.repeat(self.seg_codes, 2)
        else:
            self.codes = prev.codes.copy()
            self.codes[2 * dirty] = self.seg_codes[dirty]
            self.codes[2 * dirty + 1] = self.seg_codes[dirty]
        redo = self._keep_rows(snap, prev, dirty, invalid)
        # one-way segments are decided lazily (see _path): until then each direction holds the best
        # status its claims could give. One decided the day before whose bound is better than its
        # decided status is decided again at once: else a status that stayed the same would look
        # like an improvement (and every answer be searched again)
        if prev is None:
            self.pending = np.zeros(n, bool)
        else:
            self.pending = prev.pending.copy()
            self.pending[dirty] = False
        self._postpone(redo)
        if prev is not None and redo:
            seg = np.fromiter(redo, np.int64, len(redo))
            seg = seg[prev.way[seg] & ~prev.pending[seg] & self.pending[seg]]
            better = ((_RANK[self.codes[2 * seg]] < _RANK[prev.codes[2 * seg]])
                      | (_RANK[self.codes[2 * seg + 1]] < _RANK[prev.codes[2 * seg + 1]]))
            if better.any():
                self._decide(seg[better])
        # exact segments with a one-way claim or passage: each direction decided from their ClassStatus
        fresh = {i for i in dirty[self.exact[dirty]].tolist() if self.status_of(i).one_way}
        if prev is None:
            self.exact_way = fresh
        else:
            self.exact_way = (prev.exact_way - gone) | fresh
        # the entries whose decisions read distances to a place searched again
        moved = set() if prev is None or not invalid else {e for e, ps in prev._places_asked.items() if ps & invalid}
        # decided again: the fresh ones, and those of the others with such a decision
        again = fresh | ({e // 2 for e in moved} & (self.exact_way - gone))
        # a decision depends only on its segment's ClassStatus and the distances to the places it
        # asked about: kept for a segment nothing touched, unless one of those places was searched again
        self.decisions: dict[int, Decision] = {}
        self._places_asked: dict[int, frozenset[int]] = {}  # entry: the places its decision asked about (if any)
        if prev is not None:
            stale = gone | redo | again
            for e, d in prev.decisions.items():
                if e // 2 not in stale and e not in moved:
                    self.decisions[e] = d
                    if e in prev._places_asked:
                        self._places_asked[e] = prev._places_asked[e]
        for i in again:
            for e in (2 * i, 2 * i + 1):
                self.codes[e] = _CODE[self.decision(e).status]
        if prev is None:
            self.changed, self.dirty = np.arange(2 * n), np.ones(n, bool)
            self.improved = True
        else:
            self.changed = np.flatnonzero(self.codes != prev.codes)
            self.dirty = np.zeros(n, bool)
            self.dirty[dirty] = True
            self.dirty[list(redo | again)] = True
            self.improved = bool((_RANK[self.codes[self.changed]] < _RANK[prev.codes[self.changed]]).any())
        self._common: dict[str, Any] = {"on": day, "traffic": traffic, "view": str(v), "horizon": v.horizon_text,
                        "outside_data": outside_note(timeline, day, horizon=v.horizon)}

    def _keep_rows(self, snap: Any, prev: _Day | None, dirty: np.ndarray, invalid: set[int]) -> set[int]:
        """Keep the claims in force on the one-way segments the snapshot settles; return the segments to decide again.

        Those are the touched ones and those whose decisions rest on distances to a place
        that were searched again (``invalid``).
        """
        places = _direction_places(self.timeline, self.net)
        new = np.flatnonzero(snap.one_way[snap.rows_seg] & ~snap.exact[snap.rows_seg] & self.way[snap.rows_seg])
        at = np.full(len(snap.rows_seg), -1)
        at[new] = np.arange(len(new))
        pairs = at[snap.aside_row] >= 0
        seg, ev, said, pas = snap.rows_seg[new], snap.rows_ev[new], snap.rows_open[new], snap.rows_pass[new]
        a_row, a_ev = at[snap.aside_row[pairs]], snap.aside_ev[pairs]
        if prev is not None:
            keep = ~_col.isin(prev.rows_seg, dirty)
            moved = np.cumsum(keep) - 1 + len(seg)
            kp = keep[prev.aside_row]
            seg = np.concatenate([seg, prev.rows_seg[keep]])
            ev = np.concatenate([ev, prev.rows_ev[keep]])
            said = np.concatenate([said, prev.rows_open[keep]])
            pas = np.concatenate([pas, prev.rows_pass[keep]])
            a_row = np.concatenate([a_row, moved[prev.aside_row[kp]]])
            a_ev = np.concatenate([a_ev, prev.aside_ev[kp]])
        self.rows_seg, self.rows_ev, self.rows_open, self.rows_pass = seg, ev, said, pas
        self.aside_row, self.aside_ev = a_row, a_ev
        if prev is None:
            return set(np.unique(seg).tolist())
        redo = set(snap.rows_seg[new].tolist())
        if invalid:
            inv = np.array(sorted(invalid), np.int64)
            redo.update(seg[_col.isin(places[ev], inv)].tolist())
            redo.update(seg[a_row[_col.isin(places[a_ev], inv)]].tolist())
        return redo

    def _direction_codes(self, segments: set[int], view_kind: str) -> None:
        """The status of each direction of the given one-way segments (those the snapshot settles).

        As :func:`~karabakh_routes.timeline.decide`: each claimant's claim in force counts in a
        direction unless it is one-way and the move does not go towards its place; a passage of
        the day that counts in a direction replaces its claimant's claim there (a claimant's
        passages count once); a claim past its as-of date gives way, in a direction, to a
        report the snapshot found it gives way to, if that report counts in the direction too.
        """
        if not segments:
            return
        rows = np.flatnonzero(_col.isin(self.rows_seg, np.fromiter(segments, np.int64, len(segments))))
        if not len(rows):
            return
        seg, ev = self.rows_seg[rows], self.rows_ev[rows]
        entries = np.concatenate([2 * seg, 2 * seg + 1])  # each claim, in each direction
        ev2 = np.concatenate([ev, ev])
        counts = self._speaks_for(entries, ev2)
        pas = np.concatenate([self.rows_pass[rows], self.rows_pass[rows]])
        if pas.any():
            who = entries * max(len(self.timeline._ea.claimants), 1) + self.timeline._ea.claimant[ev2]
            passed = np.flatnonzero(pas & counts)
            counts &= ~(~pas & _col.isin(who, who[passed]))  # replaced by the claimant's passage
            counts[passed] = False
            counts[passed[np.unique(who[passed], return_index=True)[1]]] = True  # one per claimant
        if len(self.aside_row):
            at = np.full(len(self.rows_seg), -1)
            at[rows] = np.arange(len(rows))
            r = at[self.aside_row]
            r, h = r[r >= 0], self.aside_ev[r >= 0]
            aside = np.zeros(len(entries), bool)
            for j in (r, r + len(rows)):
                aside[j[self._speaks_for(entries[j], h)]] = True
            counts &= ~aside
        said = np.concatenate([self.rows_open[rows], self.rows_open[rows]])
        n = len(self.codes)
        n_open = np.bincount(entries, weights=counts * said, minlength=n)
        n_all = np.bincount(entries, weights=counts, minlength=n)
        both_ways = np.unique(entries)
        n_open, n_all = n_open[both_ways], n_all[both_ways]
        out = np.full(len(both_ways), _CODE["unknown"], np.int8)
        out[(n_open > 0) & (n_open == n_all)] = _CODE["open"]
        out[(n_all > 0) & (n_open == 0)] = _CODE["closed"]
        out[(n_open > 0) & (n_open < n_all)] = _CODE[combine_statuses(["open", "closed"], view_kind)]
        self.codes[both_ways] = out

    def _speaks_for(self, entries: np.ndarray, events: np.ndarray) -> np.ndarray:
        """Whether each event counts for the move along each directed entry (one-way: towards its place)."""
        net = self.net
        place = _direction_places(self.timeline, net)[events]
        x, y = net.src[entries], net.dst[entries]
        out: np.ndarray = ~self.timeline._ea.one_way[events]
        ways = ~out & (place >= 0)  # a place not in the graph: no move goes towards it
        ends = ways & ((place == x) | (place == y))
        out[ends] = (x != y)[ends] & (y == place)[ends]  # onto the place; never away from it
        far = np.flatnonzero(self._far(entries, events))
        out[far] = self.toward.many(place[far], x[far], y[far])
        return out

    def _far(self, entries: np.ndarray, events: np.ndarray) -> np.ndarray:
        """Whether each event is one-way towards a place in the graph away from the entry's ends (a move needs distances)."""
        place = _direction_places(self.timeline, self.net)[events]
        out: np.ndarray = (self.timeline._ea.one_way[events] & (place >= 0) & (place != self.net.src[entries])
                           & (place != self.net.dst[entries]))
        return out

    def _warm(self, entries: list[int]) -> None:
        """Search at once the distances the one-way decisions of these directed entries read (see :meth:`decision`).

        For the segments the snapshot settles (a segment whose bound is its decision is not
        decided on routing): one search per place, far enough for all the moves towards it,
        instead of one move at a time (each a search further out than the last).
        """
        e = np.fromiter((x for x in entries if x not in self.decisions and self.way[x // 2]), np.int64)
        if not len(e):
            return
        entry_of = np.full(len(self.seg_codes), -1, np.int64)
        entry_of[e // 2] = e  # (a shortest path crosses a segment once)
        rows = np.flatnonzero(entry_of[self.rows_seg] >= 0)
        ev, ent = self.rows_ev[rows], entry_of[self.rows_seg[rows]]
        if len(self.aside_row):  # and the reports their claims may give way to
            at = entry_of[self.rows_seg[self.aside_row]]
            ev, ent = np.concatenate([ev, self.aside_ev[at >= 0]]), np.concatenate([ent, at[at >= 0]])
        one = self.timeline._ea.one_way[ev]
        self._speaks_for(ent[one], ev[one])

    def status_of(self, i: int) -> ClassStatus:
        """Segment ``i``'s :class:`ClassStatus`: on this day, or on an earlier day (see :meth:`older`)."""
        got = self._cs.get(i)
        if got is None:
            got = self._cs[i] = (self.day, self.timeline._class_statuses([i], self.traffic, self.day, self.v,
                                                                          self._memo)[0])
        return got[1]

    def _prefetch(self, segments: list[int]) -> None:
        """Look up the :class:`ClassStatus` of the given segments not yet looked up, all at once."""
        missing = sorted({i for i in segments if i not in self._cs})
        for i, cs in zip(missing, self.timeline._class_statuses(missing, self.traffic, self.day, self.v, self._memo)):
            self._cs[i] = (self.day, cs)

    def older(self, i: int) -> int:
        """How many days older the evidence of :meth:`status_of` segment ``i`` is on this day.

        A segment nothing touched keeps its status from the day it was looked up: only its
        carried or forecast evidence ages, a day a day.
        """
        got = self._cs.get(i)
        return (self.day - got[0]).days if got is not None else 0

    def decision(self, e: int) -> Decision:
        """How directed entry ``e`` is decided: its segment's decision, or for a one-way claim the one towards ``e``'s end.

        A one-way decision depends only on the segment's :class:`ClassStatus` and on whether
        the move goes towards each place its claims name: segments sharing a status (see
        :meth:`Timeline._class_statuses`) and answering alike share the decision.
        """
        if e in self.decisions:
            return self.decisions[e]
        i = e // 2
        cs = self.status_of(i)
        if not (self.way[i] or i in self.exact_way):
            self.decisions[e] = cs.decision
            return cs.decision
        x, y = int(self.net.src[e]), int(self.net.dst[e])
        index = self.net.index
        places = dict.fromkeys(c.direction for c in (*cs.claims, *cs.passages, *cs.newer) if c.direction)
        nodes = {p: index.get(p) for p in places}
        # (a place not in the graph: no node is closer to it, no move goes towards it)
        toward = {p: n is not None and self.toward.at(n, x, y) for p, n in nodes.items()}
        asked = frozenset(n for n in nodes.values() if n is not None)
        if asked:
            self._places_asked[e] = asked
        key = (id(cs), tuple(toward.values()))
        got = self._towards.get(key)
        if got is None:  # (the memo keeps cs alive: its id is not reused meanwhile)
            got = self._towards[key] = (cs, cs.towards_decision(toward.__getitem__))
        self.decisions[e] = got[1]
        return got[1]

    def _postpone(self, segments: set[int]) -> None:
        """Leave the directions of these one-way segments undecided, at the best status their claims could give.

        A claim counts in both directions or in neither unless it is one-way, a passage, a
        claim its claimant's passage may replace, or a claim that may be set aside (see
        :meth:`_direction_codes`): those may count in one direction only. The bound is the
        best status (by :data:`_RANK`) that the claims that always count and any choice of
        the others could give: open if none that always counts says closed and one of them
        says open; the view's mix of open and closed if the claims can mix; unknown if none
        always counts; else closed. No direction is better than that, so a shortest path over
        these statuses is no longer than one over the decided ones; and where the claims that
        always count settle the status (they say both open and closed, on most segments with
        many claimants), the bound is the decision and no path need be searched again.
        """
        if not segments:
            return
        seg = np.fromiter(segments, np.int64, len(segments))
        rows = np.flatnonzero(_col.isin(self.rows_seg, seg))
        ea = self.timeline._ea
        s, ev = self.rows_seg[rows], self.rows_ev[rows]
        said, pas = self.rows_open[rows] > 0, self.rows_pass[rows]
        who = s * max(len(ea.claimants), 1) + ea.claimant[ev]
        free = ea.one_way[ev] | pas | _col.isin(who, who[pas])  # may count one way only
        if len(self.aside_row):
            may_go = np.zeros(len(self.rows_seg), bool)
            may_go[self.aside_row] = True
            free |= may_go[rows]
        n = len(self.seg_codes)

        def some(mask: np.ndarray) -> np.ndarray:
            return np.bincount(s[mask], minlength=n)[seg] > 0

        fo, fc = some(~free & said), some(~free & ~said)  # always counted: open, closed
        vo, vc = some(free & said), some(free & ~said)
        # the statuses some choice of the free claims could give: said open or not, closed or not
        mixed = _CODE[combine_statuses(["open", "closed"], self.v.kind)]
        could = [np.where(o & c, mixed, np.where(o, _CODE["open"], np.where(c, _CODE["closed"], _CODE["unknown"])))
                 for o in (fo, fo | vo) for c in (fc, fc | vc)]
        best = could[0].astype(self.codes.dtype)
        for code in could[1:]:
            best = np.where(_RANK[code] < _RANK[best], code, best)
        self.codes[2 * seg] = best
        self.codes[2 * seg + 1] = best
        # where every choice gives the same status (the claims that always count say both open
        # and closed, as a rule), the bound is the decision in both directions: nothing to decide
        self.pending[seg] = ~np.logical_and.reduce([code == best for code in could])
        wait = seg[self.pending[seg]]
        if len(wait):
            # nor where no claim, nor report it may give way to, is one-way towards a place away
            # from the segment's ends: which direction each counts in needs no distances, so
            # both directions are decided now, in arrays (at L some 900 of 2,100 a day)
            s_all, e_all = self.rows_seg, self.rows_ev
            if len(self.aside_row):
                s_all = np.concatenate([s_all, self.rows_seg[self.aside_row]])
                e_all = np.concatenate([e_all, self.aside_ev])
            far = np.zeros(n, bool)
            far[s_all[self._far(2 * s_all, e_all)]] = True
            now = wait[~far[wait]]
            if len(now):
                self.pending[now] = False
                self._direction_codes(set(now.tolist()), self.v.kind)

    def _path(self, a: int, b: int, allowed: frozenset[int] | None) -> list[int] | None:
        """The shortest path from ``a`` to ``b`` over the allowed statuses, with every one-way segment on it decided.

        Searched over the statuses as they stand, undecided one-way segments at their best
        (:meth:`_postpone`); when the path crosses undecided ones, they are decided and the
        search runs again. A path that crosses none is shortest over the decided statuses too:
        no decision makes a direction better than its bound.
        """
        key = (a, allowed)
        if allowed is not None and self._unreached(a, np.array([b]), allowed):
            return None
        while True:
            path = self._tree(a, allowed).path(b)
            if path is None:
                return None
            if not self.settle(np.asarray(path, np.int64) // 2):
                return path
            if key in self._trees:
                return path  # each decided at its bound: the trees still hold

    def _tree(self, a: int, allowed: frozenset[int] | None) -> _Routes:
        key = (a, allowed)
        if key not in self._trees:
            tree = self._trees[key] = _Routes(self.net, a, self.codes, allowed)
            if allowed is not None:
                reached = np.isfinite(tree.dist)
                net = self.net
                self._walls[(a, allowed)] = (reached, np.flatnonzero(reached[net.src] & ~reached[net.dst]))
        return self._trees[key]

    def _unreached(self, a: int, targets: np.ndarray, allowed: frozenset[int]) -> bool:
        """Whether no path from ``a`` to any of ``targets`` (nodes) crosses only allowed statuses, known without a search.

        A tree searched on an earlier day (or earlier today) left a wall: the entries from the
        nodes it reached to the others (none of them allowed then). While none of them is
        allowed, no path leaves those nodes (its first step out would cross the wall): a target
        the tree did not reach stays out of reach, whatever changed among the nodes behind it.
        When some of the wall's entries opened, the nodes behind them are walked (see
        below) and the wall moved out past them. At L a far corner cut off by its closed roads
        is known unreached at most change points from the few roads around it instead of a
        search of the whole grid. (Undecided one-way directions stand at their best status:
        a wall that holds at the bound holds at the decision.)
        """
        wall = self._walls.get((a, allowed))
        if wall is None or wall[0][targets].any():
            return False
        lut = np.zeros(len(_CODES), bool)
        lut[list(allowed)] = True
        reached, out = wall
        gates = out[lut[self.codes[out]]]
        if not len(gates):
            return True
        # some of the wall's entries opened: the nodes a path could reach now are among those
        # reached then and those reached from the open gates. Walked out from the gates level by
        # level (a pocket, mostly small); a target reached, or too large a walk: searched instead
        net = self.net
        indptr = net.layout()[0]
        seen = reached.copy()
        front = np.unique(net.dst[gates])
        front = front[~seen[front]]
        walked = 0
        while len(front):
            walked += len(front)
            seen[front] = True
            if seen[targets].any() or walked > _POCKET:
                return False
            leaving = net.order[_col.spans(indptr[front], indptr[front + 1] - indptr[front])]
            leaving = leaving[lut[self.codes[leaving]]]
            front = np.unique(net.dst[leaving])
            front = front[~seen[front]]
        self._walls[(a, allowed)] = (seen, np.flatnonzero(seen[net.src] & ~seen[net.dst]))
        return True

    def _decide(self, segments: np.ndarray) -> None:
        """Decide the directions of these undecided one-way segments; drop the trees if one came out below its bound."""
        self.pending[segments] = False
        entries = np.concatenate([2 * segments, 2 * segments + 1])
        bound = self.codes[entries]
        self._direction_codes(set(segments.tolist()), self.v.kind)
        if not (self.codes[entries] == bound).all():
            self._trees.clear()

    def settle(self, segments: np.ndarray) -> bool:
        """Decide at once those of these segments left undecided; return whether there were any."""
        wait = np.unique(segments[self.pending[segments]])
        if len(wait):
            self._decide(wait)
        return bool(len(wait))

    def settle_paths(self, a: str, targets: Sequence[str]) -> None:
        """Decide at once the undecided one-way segments the trips from ``a`` to ``targets`` may cross.

        For many destinations: the segments on the trees' paths to all of them (every tier)
        are decided in one batch a round, instead of the trees being searched again for each
        destination in turn. The answers are the same (:meth:`_path` then finds nothing to decide).
        """
        ia = self.net.index[a]
        nodes = np.array(sorted({self.net.index[b] for b in targets} - {ia}), np.int64)
        if not len(nodes):
            return
        tiers = [t for t in _ALLOWED if t is None or not self._unreached(ia, nodes, t)]
        while self.settle(np.concatenate([self._tree(ia, allowed).entries_to(nodes) // 2 for allowed in tiers])):
            pass

    def still(self, path: list[int]) -> bool:
        """Whether an answer whose decisive entries were ``path`` holds unchanged from the day before.

        It does when no status improved anywhere (no better route can have opened), and none
        of its entries changed status or rests on a segment whose evidence may have changed.
        """
        if self.improved:
            return False
        idx = np.asarray(path, np.int64)
        return not (self.dirty[idx // 2].any() or _col.isin(idx, self.changed).any())

    def answer(self, a: str, b: str) -> Reach:
        """The :class:`Reach` from place id ``a`` to place id ``b``."""
        return self.answer_path(a, b)[0]

    def answer_path(self, a: str, b: str) -> tuple[Reach, list[int]]:
        """The :class:`Reach` from ``a`` to ``b``, and the directed entries of the path it took (none: [])."""
        net = self.net
        common: dict[str, Any] = {"origin": a, "destination": b, **self._common}
        if a == b:
            return Reach(**common, answer="yes", path=[a], segments=[], length_km=0.0, blocked_by=[]), []
        ia, ib = net.index[a], net.index[b]
        for (answer, _), allowed in zip(_TIERS, _ALLOWED):
            path = self._path(ia, ib, allowed)
            if path is None:
                continue
            segs = [net.segments[e // 2] for e in path]
            nodes = [a] + [net.nodes[int(net.dst[e])] for e in path]
            way = [_CODES[self.codes[e]] for e in path]
            return Reach(**common, answer=answer, path=nodes, segments=segs, length_km=float(sum(net.length[path])),
                         blocked_by=[], disputed=[s for s, st in zip(segs, way) if st == "disputed"],
                         unknown=[s for s, st in zip(segs, way) if st == "unknown"], **self._basis(path)), path
        path = self._path(ia, ib, None)
        if path is None:
            return Reach(**common, answer="no", path=None, segments=None, length_km=None, blocked_by=[]), []
        return Reach(**common, answer="no", path=None, segments=None, length_km=None,
                     blocked_by=[net.segments[e // 2] for e in path if self.codes[e] == _CODE["closed"]],
                     **self._basis([e for e in path if self.codes[e] == _CODE["closed"]])), path

    def _basis(self, entries: list[int]) -> _BasisFields:
        self._prefetch([e // 2 for e in entries])
        self._warm(entries)
        return _basis_of([(self.net.segments[e // 2], self.decision(e), self.older(e // 2),
                           self.status_of(e // 2).uncertain) for e in entries], self._made)


def _reach_arrays(timeline: Timeline, a: str, b: str, day: dt.date, traffic: str, v: View) -> Reach:
    """:func:`reach` from the vectorised snapshot, routing on arrays with scipy (the default path)."""
    with gc_paused():  # (as in periods_from)
        return _Day(timeline, day, traffic, v).answer(a, b)


def _answers(timeline: Timeline, a: str, targets: list[str], day: dt.date, traffic: str, v: View) -> list[Reach]:
    """The answers from ``a`` to each of ``targets`` on a day, sharing the day's statuses and routes."""
    return list(_each_answer(timeline, a, targets, day, traffic, v))


def _each_answer(timeline: Timeline, a: str, targets: list[str], day: dt.date, traffic: str,
                 v: View) -> Iterator[Reach]:
    """:func:`_answers` one at a time, made as they are asked for.

    For a program that writes each answer out before the next (the command line's ``reach
    --everywhere``): at L the answers to all 50,268 places, each with its basis, held 7 GB.
    """
    if timeline.engine == "reference":
        for b in targets:
            yield _reach_reference(timeline, a, b, day, traffic, v)
        return
    with gc_paused():  # (as in periods_from)
        state = _Day(timeline, day, traffic, v)
        state.settle_paths(a, targets)
        for b in targets:
            yield state.answer(a, b)


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
    progress: Callable[[int, int, dt.date], None] | None = None,
    workers: int | None = 1,
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
    progress
        Called as ``progress(done, total, day)`` after each day visited (``total`` days in
        all): for a progress display on a long range of a large network. (With ``workers``,
        in this process, as the workers report them: ``done`` counts up, ``day`` is the day
        a worker has just finished, not always later than the one before.)
    workers
        Processes to walk the range in (default 1: this one; None: one per usable core).
        The range is cut into runs of change points, each walked by a worker forked from
        this process (sharing the loaded data) and the periods joined: the same periods,
        in less time on a large network (100,000 segments, three years: 109 s in one
        process, 53 s in two; docs/scaling.md). Where the platform cannot fork (Windows),
        the range is walked in this process, with a warning.

    Examples
    --------
    >>> from karabakh_routes import load
    >>> ps = periods(load().timeline, "Aghdam", "Khankendi", start="2023-09-10", end="2023-09-14",
    ...              traffic="humanitarian")
    >>> [(p.start.isoformat(), p.answer) for p in ps]
    [('2023-09-10', 'no'), ('2023-09-12', 'yes'), ('2023-09-13', 'no')]
    """
    out = periods_from(timeline, origin, [destination], start=start, end=end, traffic=traffic, view=view,
                       horizon=horizon, progress=progress, workers=workers)
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
    progress: Callable[[int, int, dt.date], None] | None = None,
    workers: int | None = 1,
) -> dict[str, list[Period]]:
    """Return :func:`periods` from one origin to many places at once (default: every place).

    The same periods as one :func:`periods` per destination; at each change point the day's
    statuses, one-way decisions and shortest-path trees are computed once for all of them.
    ``progress`` and ``workers`` as for :func:`periods`.

    Examples
    --------
    >>> from karabakh_routes import load
    >>> out = periods_from(load().timeline, "Aghdam", ["Khankendi", "Askeran"], start="2023-09-10",
    ...                    end="2023-09-14", traffic="humanitarian")
    >>> [(p.start.isoformat(), p.answer) for p in out["khankendi_stepanakert"]]
    [('2023-09-10', 'no'), ('2023-09-12', 'yes'), ('2023-09-13', 'no')]
    """
    from ._errors import DateError

    a, targets, traffic, v = _trip_args(timeline, origin, destinations, traffic, view, horizon)
    n = check_workers(workers)
    points_all = timeline.change_points(horizon=v.horizon)
    if start is not None:
        lo = to_date(start)
    elif points_all:
        lo = points_all[0]
    elif end is not None:
        lo = to_date(end)
    else:
        msg = "The data has no dated claim or passage to take a default range from; give a start and an end."
        raise DateError(msg)
    hi = to_date(end) if end is not None else (points_all[-1] if points_all else lo)
    if hi < lo:
        msg = f"The range ends ({hi}) before it starts ({lo}); give --from before --to."
        raise DateError(msg)
    cuts = _range_days(timeline, lo, hi, traffic, v.horizon)
    side = {day: outside_side(timeline, day, horizon=v.horizon) for day in cuts}

    def note(first: dt.date, last: dt.date) -> str:
        return outside_span_note(timeline, first, last, horizon=v.horizon)

    # one run of change points per worker and a few more (the days are not all as costly to
    # answer: idle workers take the next run), each walked from a fresh state (see _walk)
    parts = min(len(cuts), 4 * n) if n > 1 else 1
    first = [len(cuts) * k // parts for k in range(parts)] + [len(cuts)]
    done = [0]

    def step(day: dt.date) -> None:
        done[0] += 1
        if progress is not None:
            progress(done[0], len(cuts), day)

    def walk(k: int, tick: Callable[[Any], None]) -> dict[str, list[Period]]:
        return _walk(timeline, a, targets, traffic, v, cuts[first[k]:first[k + 1]],
                     cuts[first[k + 1]] - dt.timedelta(days=1) if first[k + 1] < len(cuts) else hi, side, note, tick)

    if parts > 1 and timeline.engine != "reference":
        # what every walk reads, built here once: the workers share it (copy on write) and this
        # process keeps it for its next query, instead of each worker building its own to drop it
        # (at L the class's claims, 2.5 s if not compiled yet, and the touch index, 1.8 s and 140 MB)
        timeline._touches(traffic, v)
        timeline._cursor(cuts[0], traffic, v)
    runs = map_forked(walk, parts, n, step if progress is not None else None)
    return {b: _joined([run[b] for run in runs], side, note) for b in targets}


def _range_days(timeline: Timeline, lo: dt.date, hi: dt.date, traffic: str, horizon: int | None) -> list[dt.date]:
    """The days a range query visits from ``lo`` to ``hi``: ``lo`` and the days on which something about the class may change.

    And the days where the data's range starts and ends, so that no period straddles either bound.
    """
    return sorted({lo, *(p for p in timeline.change_points(lo, hi, horizon=horizon, traffic=traffic) if p > lo),
                   *range_cuts(timeline, lo, hi, horizon=horizon)})


def _walk(timeline: Timeline, a: str, targets: list[str], traffic: str, v: View, cuts: list[dt.date], hi: dt.date,
          side: Mapping[dt.date, str], note: Callable[[dt.date, dt.date], str],
          tick: Callable[[dt.date], None]) -> dict[str, list[Period]]:
    """The periods of each trip from ``a`` over the change points ``cuts`` (the last one's answer holding to ``hi``).

    Walked from a fresh state on the first of them: the same answers as a walk from any
    earlier day (see :func:`_joined`). ``tick(day)`` after each day.
    """
    runs = {b: _Runs(note) for b in targets}
    if timeline.engine == "reference":
        for i, day in enumerate(cuts):
            last = cuts[i + 1] - dt.timedelta(days=1) if i + 1 < len(cuts) else hi
            for b, r in zip(targets, _answers(timeline, a, targets, day, traffic, v)):
                runs[b].add(r, day, last, side[day])
            tick(day)
        return {b: run.periods() for b, run in runs.items()}
    # from change point to change point, carrying the day's state and each answer forward:
    # only the segments touched since the day before are looked up again, and an answer is
    # worked out again only when its path (or what blocks it) is touched or a status improves
    # (with the collector paused: a range at L makes millions of short-lived objects and no
    # cycles, and each pass of the oldest generation over the loaded ledger takes a third of a second)
    with gc_paused():
        state: _Day | None = None
        held: dict[str, tuple[Reach, list[int], dt.date]] = {}
        for i, day in enumerate(cuts):
            last = cuts[i + 1] - dt.timedelta(days=1) if i + 1 < len(cuts) else hi
            if i and side[day] != side[cuts[i - 1]]:
                held.clear()  # into or out of the data's range: a new period starts here, whatever the answer
            if state is None:
                state = _Day(timeline, day, traffic, v)
            else:
                touched = timeline._touched(traffic, v, state.day + dt.timedelta(days=1), day)
                state = _Day(timeline, day, traffic, v, prev=state, touched=touched)
            todo = []
            for b in targets:
                kept = held.get(b)
                if kept is not None and state.still(kept[1]):
                    runs[b].add(kept[0], kept[2], last, side[day])  # the same answer; carried evidence only older
                else:
                    todo.append(b)
            # the one-way segments left undecided on the paths of the change point before are
            # decided first: the new paths mostly run there too, and a path that crosses an
            # undecided segment is searched again once it is decided (at L 239 searches of the
            # grid instead of 269 over 100 change points)
            state.settle(np.asarray([e for b in todo if b in held for e in held[b][1]], np.int64) // 2)
            if len(todo) > 1:
                state.settle_paths(a, todo)
            for b in todo:
                r, path = state.answer_path(a, b)
                held[b] = (r, path, day)
                runs[b].add(r, day, last, side[day])
            tick(day)
    return {b: run.periods() for b, run in runs.items()}


class _Runs:
    """The merged periods of one trip, built answer by answer over a range (see :func:`periods`).

    Between change points every claim stays attested, carried or forecast: only the ages of
    carried (or forecast) evidence grow, a day a day, so ages are taken on a run's last day:
    a period's ages do not depend on where an unchanged run was cut. The open period is kept
    as mutable tallies (each answer merged in place, in time linear in its basis) and turned
    into a :class:`Period` when the answer changes.
    """

    def __init__(self, note: Callable[[dt.date, dt.date], str]) -> None:
        """``note(first, last)``: the ``outside_data`` sentence of days outside the data's range."""
        self.done: list[Period] = []
        self._open: dict[str, Any] | None = None
        self._note = note

    def add(self, r: Reach | Period, day: dt.date, last: dt.date, side: str = "", *, aged: bool = False) -> None:
        """Add the answer ``r`` of ``day``, unchanged up to ``last``.

        ``side``: where these days lie against the data's range (:func:`~karabakh_routes._range.outside_side`).
        ``aged``: ``r`` is a :class:`Period` from ``day`` to ``last``, its ages already taken on ``last``.
        """
        span = 0 if aged else (last - day).days
        age = r.evidence_age_days
        if age:
            age += span
        cur = self._open
        if cur is None or cur["answer"] != r.answer or cur["side"] != side:
            self._close()
            cur = self._open = {"start": day, "answer": r.answer, "uncertain": False, "carried": False, "age": None,
                                "basis": {}, "segs": {}, "side": side}
        cur["end"] = last
        cur["uncertain"] = cur["uncertain"] or r.uncertain
        cur["carried"] = cur["carried"] or r.carried
        if age is not None:
            cur["age"] = age if cur["age"] is None else max(cur["age"], age)
        basis, segs = cur["basis"], cur["segs"]
        for e in r.basis:
            older = e.get("age_days") and (e.get("carried") or e.get("forecast"))
            ev = e["event"]
            entry = basis.get(ev)
            if entry is None:
                basis[ev] = {**e, "age_days": e["age_days"] + span if older else e.get("age_days"),
                             "segments": list(e.get("segments", []))}
                segs[ev] = set(basis[ev]["segments"])
                continue
            seen = segs[ev]
            for sg in e.get("segments", []):
                if sg not in seen:
                    seen.add(sg)
                    entry["segments"].append(sg)
            entry["carried"] = entry["carried"] or e["carried"]
            entry["forecast"] = entry["forecast"] or e["forecast"]
            if e.get("age_days") is not None:
                entry["age_days"] = max(entry.get("age_days") or 0, e["age_days"] + span if older else e["age_days"])

    def _close(self) -> None:
        cur = self._open
        if cur is None:
            return
        basis = list(cur["basis"].values())
        self.done.append(Period(start=cur["start"], end=cur["end"], answer=cur["answer"], uncertain=cur["uncertain"],
                                basis=basis, carried=cur["carried"], evidence_age_days=cur["age"],
                                assumptions=sorted({line for e in basis if (line := assumption_line(e))}),
                                outside_data=self._note(cur["start"], cur["end"]) if cur["side"] else ""))
        self._open = None

    def periods(self) -> list[Period]:
        """The periods so far (the open one closed)."""
        self._close()
        return self.done


def _joined(parts: list[list[Period]], side: Mapping[dt.date, str], note: Callable[[dt.date, dt.date], str]) -> list[Period]:
    """The periods of consecutive runs of change points walked apart (see :func:`_walk`), as one walk would give them.

    Where a run's last period and the next run's first have the same answer (on the same
    side of the data's range), they are one period: merged as :meth:`_Runs.add` merges an
    answer into the open period (the union of the bases, in the order their events first
    appear; each age the largest), so the result equals one walk over all the change points.
    """
    if len(parts) == 1:
        return parts[0]
    runs = _Runs(note)
    for part in parts:
        for p in part:
            runs.add(p, p.start, p.end, side[p.start], aged=True)
    return runs.periods()
