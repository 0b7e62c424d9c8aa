"""The status engine: compiled change points, claimants, views.

Events are compiled once. For each (segment, traffic class, claimant) the engine keeps
sorted change points and the claim in force after each; the status on a date is a
binary search. A claim that targets a route applies to the segments of the route's
alignment in force on each date.

Semantics
---------
* Per (segment, class, claimant): the latest claim that has started and not ended sets the
  status; a claim with an end reverts to the state before it; no claim = ``unknown``.
* ``passage`` events do not change the standing state; on their own day they make their
  segments passable (``open``) for the classes that passed.
* Combining claimants (view ``consensus``): all agree -> that status; they differ ->
  ``disputed``. ``strict``: the most restrictive claim wins; ``lenient``: the least.
  ``claimant:NAME`` or ``source:ID`` use that claimant's or source's claims only.
* A date inside an event date's uncertainty bounds is answered and flagged ``uncertain``.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx

from ._errors import ViewError
from .dates import DATE_MAX, DATE_MIN, DateLike, to_date
from .events import TRAFFIC_CLASSES, Event, Ledger, check_traffic
from .places import normalize_name

__all__ = ["Claim", "ClassStatus", "Timeline", "View", "parse_view", "overall_status", "combine_statuses",
           "SEGMENT_STATUSES"]

#: Statuses a segment can have on a date (overall, over all classes).
SEGMENT_STATUSES = ("open", "restricted", "closed", "disputed", "unknown")
_ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class View:
    """How claims from several claimants are combined into one answer."""

    kind: str  # consensus | strict | lenient | claimant | source
    value: str = ""

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}" if self.value else self.kind


def parse_view(view: str | View, ledger: Ledger | None = None) -> View:
    """Parse a view name: ``consensus``, ``strict``, ``lenient``, ``claimant:NAME`` or ``source:ID``.

    A bare claimant name or source id is accepted too when a ledger is given.

    Examples
    --------
    >>> parse_view("claimant:ICRC")
    View(kind='claimant', value='ICRC')
    """
    if isinstance(view, View):
        return view
    text = str(view).strip()
    if text in ("consensus", "strict", "lenient"):
        return View(text)
    kind, _, value = text.partition(":")
    claimants = ledger.claimants if ledger else []
    sources = list(ledger.sources) if ledger else []
    if kind in ("claimant", "source") and value.strip():
        value = value.strip()
        if ledger is not None:
            pool = claimants if kind == "claimant" else sources
            match = [c for c in pool if normalize_name(c) == normalize_name(value)]
            if not match:
                msg = f"Unknown {kind} {value!r} in view {text!r}. Known {kind}s: {', '.join(pool)}."
                raise ViewError(msg)
            value = match[0]
        return View(kind, value)
    if ledger is not None:
        for c in claimants:
            if normalize_name(c) == normalize_name(text):
                return View("claimant", c)
        if text in sources:
            return View("source", text)
    msg = (f"Unknown view {text!r}. Use consensus, strict, lenient, claimant:NAME or source:ID"
           + (f"; claimants: {', '.join(claimants)}" if claimants else "") + ".")
    raise ViewError(msg)


@dataclass(frozen=True)
class Claim:
    """A claim in force for one segment and traffic class on a date."""

    event: str
    claimant: str
    source: str
    status: str  # open | closed for this class; "passage" for a passage
    type: str
    start: str
    end: str
    quote: str
    note: str
    url: str = ""
    uncertain: bool = False
    direction: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "event": self.event, "claimant": self.claimant, "source": self.source,
            "status": self.status, "type": self.type, "start": self.start, "end": self.end,
            "direction": self.direction or None,
            "quote": self.quote, "note": self.note, "url": self.url, "uncertain": self.uncertain,
        }


@dataclass(frozen=True)
class ClassStatus:
    """The status of one segment for one traffic class on a date, with its evidence."""

    status: str  # open | closed | disputed | unknown
    claims: tuple[Claim, ...] = ()
    passages: tuple[Claim, ...] = ()
    uncertain: bool = False
    by_claimant: tuple[tuple[str, str], ...] = ()
    view: str = "consensus"

    @property
    def one_way(self) -> bool:
        """Whether a claim or passage in force is about one direction only."""
        return any(c.direction for c in (*self.claims, *self.passages))

    def towards(self, allowed_direction: Callable[[str], bool]) -> str:
        """Return the status for traffic moving one way along the segment.

        ``allowed_direction(place_id)`` says whether the movement goes towards that place.
        A one-way claim (``direction`` set) counts as ``closed`` against its direction; a
        one-way passage counts only in its direction.
        """
        per: dict[str, str] = {}
        for c in self.claims:
            open_here = c.status == "open" and (not c.direction or allowed_direction(c.direction))
            per[c.claimant] = "open" if open_here else "closed"
        status = combine_statuses(per.values(), self.view)
        if any(not p.direction or allowed_direction(p.direction) for p in self.passages):
            status = "open"
        return status


@dataclass
class _Item:
    segment: str
    ws: dt.date  # window start (inclusive)
    we: dt.date  # window end (inclusive)
    event: Event

    @property
    def precedence(self) -> tuple[dt.date, dt.date, int]:
        return (self.ws, self.event.start.lower, self.event.row)


@dataclass
class _KeyTimeline:
    points: list[dt.date] = field(default_factory=list)
    states: list[tuple[Event | None, tuple[Event, ...]]] = field(default_factory=list)

    def at(self, day: dt.date) -> tuple[Event | None, tuple[Event, ...]]:
        i = bisect.bisect_right(self.points, day) - 1
        return self.states[i] if i >= 0 else (None, ())


def _in_view(ev: Event, view: View) -> bool:
    """Whether a view that selects one claimant or source keeps this event."""
    if view.kind == "claimant":
        return ev.claimant == view.value
    if view.kind == "source":
        return ev.source == view.value
    return True


def combine_statuses(values: Iterable[str], view: str = "consensus") -> str:
    """Combine claimants' ``open``/``closed`` statuses under a view kind.

    Examples
    --------
    >>> combine_statuses(["open", "closed"]), combine_statuses(["open", "closed"], "strict")
    ('disputed', 'closed')
    """
    found = set(values)
    if not found:
        return "unknown"
    if len(found) == 1:
        return found.pop()
    if view == "strict":
        return "closed"
    if view == "lenient":
        return "open"
    return "disputed"


def overall_status(classes: Iterable[str]) -> str:
    """Combine per-class statuses into a segment status.

    ``disputed`` if any class is disputed; ``unknown`` if none is known; ``open`` if every
    known class is open; ``closed`` if every known class is closed; else ``restricted``.

    Examples
    --------
    >>> overall_status(["open", "closed", "unknown", "open"])
    'restricted'
    """
    vals = list(classes)
    if "disputed" in vals:
        return "disputed"
    known = {v for v in vals if v in ("open", "closed")}
    if not known:
        return "unknown"
    if known == {"open"}:
        return "open"
    if known == {"closed"}:
        return "closed"
    return "restricted"


def _windows(G: nx.MultiGraph, event: Event) -> list[tuple[str, dt.date, dt.date]]:
    """Expand an event's targets to (segment, first day, last day) windows."""
    start = event.start.lower
    end = event.end.upper if event.end is not None else (start if event.type == "passage" else DATE_MAX)
    routes = G.graph.get("routes", {})
    out: list[tuple[str, dt.date, dt.date]] = []
    for target in event.targets:
        route = routes.get(target)
        if route is None:
            out.append((target, start, end))
            continue
        per_segment: dict[str, list[tuple[dt.date, dt.date]]] = defaultdict(list)
        for al in route.alignments:
            a0 = al.start.lower
            a1 = al.end.upper if al.end is not None else DATE_MAX
            w0, w1 = max(start, a0), min(end, a1)
            if w0 <= w1:
                for s in al.segments:
                    per_segment[s].append((w0, w1))
        for s, spans in per_segment.items():
            spans.sort()
            merged = [spans[0]]
            for a, b in spans[1:]:
                if a <= merged[-1][1] + _ONE_DAY:
                    merged[-1] = (merged[-1][0], max(merged[-1][1], b))
                else:
                    merged.append((a, b))
            out.extend((s, a, b) for a, b in merged)
    return out


def _compile(items: Sequence[_Item]) -> _KeyTimeline:
    marks: set[dt.date] = set()
    for it in items:
        marks.add(it.ws)
        if it.we < DATE_MAX:
            marks.add(it.we + _ONE_DAY)
        for span in (it.event.start, it.event.end):
            if span is not None and span.uncertain:
                marks.add(span.earliest)
                if span.latest < DATE_MAX:
                    marks.add(span.latest + _ONE_DAY)
    kt = _KeyTimeline()
    for day in sorted(marks):
        active = [it for it in items if it.ws <= day <= it.we]
        winner = max(active, key=lambda it: it.precedence).event if active else None
        unsure = tuple(
            it.event for it in items
            if any(s is not None and s.covers(day) for s in (it.event.start, it.event.end))
        )
        kt.points.append(day)
        kt.states.append((winner, unsure))
    return kt


class Timeline:
    """Events compiled against a road graph, ready for queries by date.

    Parameters
    ----------
    G
        The road graph (never modified).
    ledger
        Events and sources.

    Examples
    --------
    >>> from karabakh_routes import load
    >>> tl = load().timeline
    >>> tl.class_status("goris__tegh", "civilian", on="2023-01-10").status in {"open", "closed", "disputed", "unknown"}
    True
    """

    def __init__(self, G: nx.MultiGraph, ledger: Ledger) -> None:
        self.G = G
        self.ledger = ledger
        self.segments: list[str] = [k for *_, k in G.edges(keys=True)]
        self._events = {e.id: e for e in ledger.events}
        self._state_items: dict[tuple[str, str, str], list[_Item]] = defaultdict(list)
        self._passages: dict[tuple[str, str], dict[dt.date, list[Event]]] = defaultdict(lambda: defaultdict(list))
        points: set[dt.date] = set()
        seg_set = set(self.segments)
        for ev in ledger.events:
            for seg, w0, w1 in _windows(G, ev):
                if seg not in seg_set:
                    continue
                if ev.type == "passage":
                    for cls in ev.allowed:
                        self._passages[(seg, cls)][w0].append(ev)
                    points.update((w0, w0 + _ONE_DAY))
                    continue
                for cls in ev.classes:
                    self._state_items[(seg, cls, ev.claimant)].append(_Item(seg, w0, w1, ev))
        self._compiled: dict[tuple[str, str, str], _KeyTimeline] = {}
        self._by_key: dict[tuple[str, str], list[str]] = defaultdict(list)
        for key, items in self._state_items.items():
            kt = _compile(items)
            self._compiled[key] = kt
            self._by_key[(key[0], key[1])].append(key[2])
            points.update(kt.points)
        self._points = sorted(p for p in points if DATE_MIN < p < DATE_MAX)
        self._source_cache: dict[str, dict[tuple[str, str, str], _KeyTimeline]] = {}

    # -- change points -------------------------------------------------------------
    def change_points(self, start: DateLike | None = None, end: DateLike | None = None) -> list[dt.date]:
        """Return the sorted dates on which any status, passage or uncertainty flag may change.

        Between two consecutive change points every answer is the same.
        """
        lo = to_date(start) if start is not None else DATE_MIN
        hi = to_date(end) if end is not None else DATE_MAX
        i = bisect.bisect_left(self._points, lo)
        j = bisect.bisect_right(self._points, hi)
        return self._points[i:j]

    # -- per-key queries -----------------------------------------------------------
    def _keys_for_source(self, source: str) -> dict[tuple[str, str, str], _KeyTimeline]:
        if source not in self._source_cache:
            self._source_cache[source] = {
                key: _compile([it for it in items if it.event.source == source])
                for key, items in self._state_items.items()
                if any(it.event.source == source for it in items)
            }
        return self._source_cache[source]

    def _claim(self, ev: Event, status: str, uncertain: bool = False) -> Claim:
        src = self.ledger.sources.get(ev.source)
        return Claim(ev.id, ev.claimant, ev.source, status, ev.type, ev.start.text,
                     ev.end.text if ev.end else "", ev.quote, ev.note, src.url if src else "", uncertain, ev.direction)

    def class_status(
        self, segment: str, traffic: str, *, on: DateLike, view: str | View = "consensus"
    ) -> ClassStatus:
        """Return the status of one segment for one traffic class on a date.

        Parameters
        ----------
        segment
            Segment id.
        traffic
            A traffic class.
        on
            The date (``datetime.date`` or ISO text).
        view
            ``consensus`` (default), ``strict``, ``lenient``, ``claimant:NAME`` or ``source:ID``.
        """
        check_traffic(traffic)
        day = to_date(on)
        v = parse_view(view, self.ledger)
        if v.kind == "source":
            table = self._keys_for_source(v.value)
            claimants = [c for (s, t, c) in table if s == segment and t == traffic]
        else:
            table = self._compiled
            claimants = list(self._by_key.get((segment, traffic), []))
            if v.kind == "claimant":
                claimants = [c for c in claimants if c == v.value]
        by_claimant: dict[str, str] = {}
        claims: list[Claim] = []
        uncertain = False
        for c in claimants:
            ev, unsure = table[(segment, traffic, c)].at(day)
            if unsure:
                uncertain = True
            if ev is None:
                continue
            st = ev.class_status(traffic)
            assert st is not None
            by_claimant[c] = st
            claims.append(self._claim(ev, st, bool(unsure)))
        status = combine_statuses(by_claimant.values(), v.kind)
        passages = []
        for ev in self._passages.get((segment, traffic), {}).get(day, []):
            if not _in_view(ev, v):
                continue
            passages.append(self._claim(ev, "passage", ev.start.uncertain))
            uncertain = uncertain or ev.start.uncertain
        if passages:
            status = "open"
        return ClassStatus(status, tuple(claims), tuple(passages), uncertain, tuple(sorted(by_claimant.items())), v.kind)

    def statuses(
        self, *, on: DateLike, view: str | View = "consensus", traffic: Sequence[str] | None = None
    ) -> dict[str, dict[str, ClassStatus]]:
        """Return ``{segment: {traffic class: ClassStatus}}`` for every segment on a date."""
        classes = [check_traffic(t) for t in traffic] if traffic else list(TRAFFIC_CLASSES)
        v = parse_view(view, self.ledger)
        day = to_date(on)
        return {s: {c: self.class_status(s, c, on=day, view=v) for c in classes} for s in self.segments}

    def status(
        self, *, on: DateLike, traffic: str | None = None, view: str | View = "consensus"
    ) -> gpd.GeoDataFrame:
        """Return every segment's status on a date as a GeoDataFrame.

        Parameters
        ----------
        on
            The date.
        traffic
            A traffic class; when given, ``status`` is that class's status, else the
            overall status over all classes.
        view
            How claimants are combined.

        Returns
        -------
        geopandas.GeoDataFrame
            One row per segment, indexed by segment id: ``name``, ``routes``, ``u``, ``v``,
            ``status``, one column per traffic class, ``disputed``, ``uncertain``, ``claims``
            (list of dicts), ``passages`` (list of dicts), ``length_km``, ``geometry``.

        Examples
        --------
        >>> from karabakh_routes import load
        >>> gdf = load().timeline.status(on="2023-07-20", traffic="humanitarian")
        >>> gdf.loc["hakari_bridge__kornidzor", "status"]
        'closed'
        """
        day = to_date(on)
        v = parse_view(view, self.ledger)
        if traffic is not None:
            check_traffic(traffic)
        rows = []
        for u, w, k, d in self.G.edges(keys=True, data=True):
            per = {c: self.class_status(k, c, on=day, view=v) for c in TRAFFIC_CLASSES}
            focus = [per[traffic]] if traffic else list(per.values())
            claims: dict[str, dict[str, Any]] = {}
            passages: dict[str, dict[str, Any]] = {}
            for cls, cs in per.items():
                if traffic and cls != traffic:
                    continue
                for cl in cs.claims:
                    entry = claims.setdefault(cl.event, {**cl.to_dict(), "traffic": []})
                    entry["traffic"].append(cls)
                for cl in cs.passages:
                    entry = passages.setdefault(cl.event, {**cl.to_dict(), "traffic": []})
                    entry["traffic"].append(cls)
            rows.append({
                "segment": k, "name": d.get("name", k), "routes": list(d.get("routes", ())),
                "u": d.get("u", u), "v": d.get("v", w),
                "status": per[traffic].status if traffic else overall_status(cs.status for cs in per.values()),
                **{c: per[c].status for c in TRAFFIC_CLASSES},
                "disputed": any(cs.status == "disputed" for cs in focus),
                "uncertain": any(cs.uncertain for cs in focus),
                "claims": list(claims.values()), "passages": list(passages.values()),
                "length_km": d["length_km"], "geometry": d["geometry"],
            })
        gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=self.G.graph.get("crs", "EPSG:4326"))
        gdf.attrs.update({"on": day.isoformat(), "traffic": traffic or "all", "view": str(v)})
        return gdf.set_index("segment", drop=False).rename_axis(None)

    def passages(self, *, on: DateLike, view: str | View = "consensus") -> list[dict[str, Any]]:
        """Return the convoy passages of a date: one dict per (event, segment)."""
        day = to_date(on)
        v = parse_view(view, self.ledger)
        out: dict[tuple[str, str], dict[str, Any]] = {}
        for (seg, cls), by_day in self._passages.items():
            for ev in by_day.get(day, []):
                if not _in_view(ev, v):
                    continue
                entry = out.setdefault((ev.id, seg), {**self._claim(ev, "passage").to_dict(), "segment": seg, "traffic": []})
                entry["traffic"].append(cls)
        return list(out.values())
