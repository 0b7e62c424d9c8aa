"""The status engine: compiled change points, claimants, views.

Events are compiled once. For each (segment, traffic class, claimant) the engine keeps
sorted change points and the claim in force after each; the status on a date is a
binary search. A claim that targets a route applies to the segments of the route's
alignment in force on each date.

Semantics (v2; the full contract, with worked examples, is ``docs/semantics.md``)
-----------------------------------------------------------------------------------
* A claim attests from its start up to its as-of date (its ``as_of`` column, else its
  source's publication date, else its own start). Past that, a claim with an ``end`` is a
  *forecast* up to its end; an open-ended one is *carried* for at most ``horizon`` days
  (a view option; default :data:`DEFAULT_HORIZON`), then it is no longer in force.
* Per (segment, class, claimant): the latest claim in force sets the status; a claim that
  ends gives way to the one before it; no claim in force = ``unknown``.
* A ``passage`` is its claimant's claim that the segments were passable, on its day, for the
  classes that passed; it takes precedence within its claimant that day and is combined with
  the other claimants like any claim (so a contrary claim makes the day ``disputed``).
* Combining claimants (view ``consensus``): all agree -> that status; they differ ->
  ``disputed``. ``strict``: the most restrictive claim wins; ``lenient``: the least.
  ``claimant:NAME`` or ``source:ID`` use that claimant's or source's claims only.
* A ``baseline`` row (claimant ``dataset baseline``) applies only where no claim in the view
  is in force, and is named as an assumption wherever it is used.
* A date inside an event date's uncertainty bounds is answered and flagged ``uncertain``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import networkx as nx
import numpy as np

from . import _columnar as _col
from ._errors import DateError, ViewError
from ._io import gc_paused
from .dates import DATE_MAX, DATE_MIN, DateLike, parse_edtf, to_date
from .events import TRAFFIC_CLASSES, Event, Ledger, check_traffic
from .network import edge_arrays, routes_of
from .places import normalize_name
from .vocab import SEGMENT_STATUSES

if TYPE_CHECKING:  # geopandas and pandas load when a table is asked for (reach needs neither)
    import geopandas as gpd
    import pandas as pd

__all__ = ["Claim", "ClassStatus", "Decision", "decide", "Timeline", "View", "parse_view", "parse_horizon", "overall_status",
           "combine_statuses", "SEGMENT_STATUSES", "DEFAULT_HORIZON", "Horizon"]

#: Days an open-ended claim is carried past its as-of date by default (see docs/semantics.md).
DEFAULT_HORIZON = 30
#: A horizon argument: days, ``None`` (no bound), or ``"default"`` (the view's own, else
#: :data:`DEFAULT_HORIZON`).
Horizon = int | None | Literal["default"]
_ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class View:
    """How claims from several claimants are combined into one answer.

    ``horizon`` is how many days an open-ended claim is carried past its as-of date
    (``None``: no bound).
    """

    kind: str  # consensus | strict | lenient | claimant | source
    value: str = ""
    horizon: int | None = DEFAULT_HORIZON

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}" if self.value else self.kind

    @property
    def horizon_text(self) -> str:
        """``"30 days"``, or ``"none"`` when claims are carried without bound."""
        return "none" if self.horizon is None else f"{self.horizon} day{'s' if self.horizon != 1 else ''}"


def parse_horizon(value: object) -> int | None:
    """Return a horizon in days (``None`` = no bound) from an int, ``"none"`` or digits.

    Raises
    ------
    ViewError
        If the value is not a whole number of days from 0, or ``none``.

    Examples
    --------
    >>> parse_horizon("45"), parse_horizon("none"), parse_horizon(None)
    (45, None, None)
    """
    if value is None:
        return None
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip().lower()
        if text in ("none", "no", "inf", "infinite", "unbounded"):
            return None
        if not text.isascii() or not text.isdigit() or len(text) > 6:
            msg = f"Invalid horizon {value!r}: give a whole number of days (e.g. 30) or 'none' (carry without bound)."
            raise ViewError(msg)
        number = int(text)
    if not 0 <= number <= 999_999:
        msg = f"Invalid horizon {value!r}: give a whole number of days from 0 to 999999, or 'none'."
        raise ViewError(msg)
    return number


def parse_view(view: str | View, ledger: Ledger | None = None, *, horizon: Horizon = "default") -> View:
    """Parse a view name: ``consensus``, ``strict``, ``lenient``, ``claimant:NAME`` or ``source:ID``.

    A bare claimant name or source id is accepted too when a ledger is given. ``horizon``
    (days, or None for no bound) replaces the view's own; ``"default"`` keeps it (a new view
    gets :data:`DEFAULT_HORIZON`).

    Examples
    --------
    >>> parse_view("claimant:ICRC")
    View(kind='claimant', value='ICRC', horizon=30)
    >>> parse_view("strict", horizon=None)
    View(kind='strict', value='', horizon=None)
    """
    if isinstance(view, View):
        return view if horizon == "default" else replace(view, horizon=parse_horizon(horizon))
    h = DEFAULT_HORIZON if horizon == "default" else parse_horizon(horizon)
    return _parse_view_text(view, ledger, h)


def _parse_view_text(view: str, ledger: Ledger | None, horizon: int | None) -> View:
    text = str(view).strip()
    if text in ("consensus", "strict", "lenient"):
        return View(text, horizon=horizon)
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
        return View(kind, value, horizon)
    if ledger is not None:
        for c in claimants:
            if normalize_name(c) == normalize_name(text):
                return View("claimant", c, horizon)
        if text in sources:
            return View("source", text, horizon)
    msg = (f"Unknown view {text!r}. Use consensus, strict, lenient, claimant:NAME or source:ID"
           + (f"; claimants: {', '.join(claimants)}" if claimants else "") + ".")
    raise ViewError(msg)


@dataclass(frozen=True)
class Claim:
    """A claim, passage or baseline in force for one segment and traffic class on a date.

    ``kind`` is ``claim``, ``passage`` or ``baseline``. ``as_of`` is the last day its source
    could know about; on the query date it is ``carried`` (past ``as_of``, no end) or a
    ``forecast`` (past ``as_of``, up to an end its source stated) or neither (attested), and
    ``age_days`` is how far the date lies past ``as_of`` (0 when attested; None for a baseline).
    """

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
    kind: str = "claim"
    as_of: str = ""
    carried: bool = False
    forecast: bool = False
    age_days: int | None = None
    since: str = ""  # the first day of ``start`` (ISO), to compare with other claims' as-of dates

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "event": self.event, "kind": self.kind, "claimant": self.claimant, "source": self.source,
            "status": self.status, "type": self.type, "start": self.start, "end": self.end,
            "direction": self.direction or None,
            "quote": self.quote, "note": self.note, "url": self.url, "uncertain": self.uncertain,
            "as_of": self.as_of or None, "carried": self.carried, "forecast": self.forecast, "age_days": self.age_days,
        }

    def assumption(self) -> str | None:
        """Return a plain-language line when this claim rests on an assumption, else None."""
        return assumption_line(self.to_dict())


def assumption_line(claim: Mapping[str, Any]) -> str | None:
    """The assumption a claim (its :meth:`Claim.to_dict` form) rests on, in plain language, else None."""
    if claim["kind"] == "baseline":
        return (f"{claim['event']}: assumed {claim['status']} (dataset baseline, source {claim['source']}): "
                "no claim in force about this road")
    if claim["carried"]:
        return (f"{claim['event']} ({claim['claimant']}): carried forward {claim['age_days']} day(s) past its as-of "
                f"date {claim['as_of']}")
    if claim["forecast"]:
        return (f"{claim['event']} ({claim['claimant']}): an end its source stated in advance; "
                f"{claim['age_days']} day(s) past its as-of date {claim['as_of']}")
    return None


@dataclass(frozen=True)
class Decision:
    """How one segment's claims decide its status for one class (and, for one-way claims, one direction).

    ``status`` is the combined status; ``basis`` the claims, passages and baseline that
    decided it (one per claimant, the baseline only when no claim applied); ``set_aside`` the
    claims past their as-of date that gave way to a newer contrary report (see
    docs/semantics.md, section 2).
    """

    status: str
    basis: tuple[Claim, ...] = ()
    set_aside: tuple[Claim, ...] = ()

    @property
    def carried(self) -> bool:
        """Whether any claim behind the status is carried past, or forecast beyond, its as-of date."""
        return any(c.carried or c.forecast for c in self.basis)

    @property
    def evidence_age_days(self) -> int | None:
        """The age of the newest claim or passage behind the status (None: none, or only a baseline)."""
        ages = [c.age_days for c in self.basis if c.age_days is not None]
        return min(ages) if ages else None


def decide(
    claims: Iterable[Claim], passages: Iterable[Claim], baseline: Claim | None, view: str,
    toward: Callable[[str], bool] | None = None, newer: Iterable[Claim] = (),
) -> Decision:
    """Combine the claims in force on a segment for one class into a :class:`Decision`.

    * One claim per claimant: its standing claim, or its passage of the day, which takes
      precedence within the claimant.
    * ``toward(place)`` says whether the movement goes towards a place: a one-way claim or
      passage (``direction`` set) counts only for movement towards its place; against it, its
      claimant says nothing. Without ``toward`` every claim counts (the segment as a whole).
    * A claim past its as-of date (carried or forecast) gives way to a claim or passage from
      another claimant that disagrees with it, started after that as-of date, up to the day,
      and was known to its own source when it started (in force or not: ``newer`` holds those
      no longer in force): the stale claim's source could not know of that change, and
      carrying assumes there was none. A passage itself is never set aside.
    * Claimants are combined by the view (:func:`combine_statuses`); when no claim applies, the
      baseline does; else ``unknown``.
    """
    entries: dict[str, Claim] = {}
    for group in (claims, passages):  # passages last: they replace their claimant's standing claim
        for c in group:
            if toward is not None and c.direction and not toward(c.direction):
                continue
            entries[c.claimant] = c
    # what each says: a passage says open
    status_of = {k: "open" if c.kind == "passage" else c.status for k, c in entries.items()}
    stale = [(k, c) for k, c in entries.items() if (c.carried or c.forecast) and c.kind != "passage"]
    aside: list[Claim] = []
    if stale:
        # of the reports known to their source when they started: the latest start per (status said, claimant)
        latest: dict[tuple[str, str], str] = {}
        for group in (entries.values(), newer):
            for d in group:
                if group is newer and toward is not None and d.direction and not toward(d.direction):
                    continue
                since = d.since
                if since <= d.as_of:
                    key = ("open" if d.kind == "passage" else d.status, d.claimant)
                    if since > latest.get(key, ""):
                        latest[key] = since
        # per status said: the latest start, its claimant, and the latest start of any other claimant
        top: dict[str, tuple[str, str, str]] = {}
        for (st, who), since in latest.items():
            t = top.get(st)
            if t is None:
                top[st] = (since, who, "")
            elif since > t[0]:
                top[st] = (since, who, t[0])
            elif since > t[2]:
                top[st] = (t[0], t[1], since)
        # a stale claim gives way to another claimant's report saying otherwise, started after its as-of date
        aside = [c for k, c in stale
                 if any(st != status_of[k] and (s1 if w1 != k else s2) > c.as_of for st, (s1, w1, s2) in top.items())]
    return _decision(entries, status_of, aside, baseline, view)


def _decision(entries: dict[str, Claim], status_of: dict[str, str], aside: list[Claim], baseline: Claim | None,
              view: str) -> Decision:
    """The :class:`Decision` of one entry per claimant (and what each says), once ``aside`` is set aside."""
    for c in aside:
        del entries[c.claimant], status_of[c.claimant]
    if not entries:
        if baseline is not None:
            return Decision(baseline.status, (baseline,), tuple(aside))
        return Decision("unknown", (), tuple(aside))
    return Decision(combine_statuses(status_of.values(), view), tuple(entries.values()), tuple(aside))


@dataclass(frozen=True)
class ClassStatus:
    """The status of one segment for one traffic class on a date, with its evidence.

    ``claims`` are the claims in force (one per claimant), ``passages`` the passages reported
    that day, ``baseline`` the dataset baseline in force (used only when no claim applies);
    ``decision`` says which of them decided ``status`` and which were set aside.
    """

    status: str  # open | closed | disputed | unknown
    claims: tuple[Claim, ...] = ()
    passages: tuple[Claim, ...] = ()
    uncertain: bool = False
    by_claimant: tuple[tuple[str, str], ...] = ()
    view: str = "consensus"
    baseline: Claim | None = None
    decision: Decision = field(default_factory=lambda: Decision("unknown"))
    # reports no longer in force that can set a carried claim aside (see decide: another claimant's,
    # saying the other status, started after the claim's as-of date, known to their source then)
    newer: tuple[Claim, ...] = ()

    @property
    def basis(self) -> tuple[Claim, ...]:
        """Everything that decided the status: claims, passages and the baseline, if used."""
        return self.decision.basis

    @property
    def carried(self) -> bool:
        """Whether any claim behind the status is carried past, or forecast beyond, its as-of date."""
        return self.decision.carried

    @property
    def evidence_age_days(self) -> int | None:
        """The age of the newest claim or passage behind the status (None: none, or only a baseline)."""
        return self.decision.evidence_age_days

    @property
    def one_way(self) -> bool:
        """Whether a claim or passage in force is about one direction only."""
        return any(c.direction for c in (*self.claims, *self.passages))

    def towards_decision(self, allowed_direction: Callable[[str], bool]) -> Decision:
        """Return the decision for traffic moving one way along the segment (see :func:`decide`)."""
        return decide(self.claims, self.passages, self.baseline, self.view, allowed_direction, self.newer)

    def towards(self, allowed_direction: Callable[[str], bool]) -> str:
        """Return the status for traffic moving one way along the segment.

        ``allowed_direction(place_id)`` says whether the movement goes towards that place. A
        one-way claim or passage (``direction`` set) counts only for movement towards its
        place; against it, its claimant says nothing.
        """
        return self.towards_decision(allowed_direction).status


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


def _said_of(ev: Event, traffic: str) -> str:
    """What an event says of a class, as a :class:`Claim`'s ``status``: ``passage`` for a passage, else open or closed."""
    if ev.type == "passage":
        return "passage"
    st = ev.class_status(traffic)
    assert st is not None
    return st


class _EvidenceMemo:
    """The :class:`Claim` and :class:`ClassStatus` objects made on one day, for one class and view.

    Claims are immutable: a segment's status made from the same inputs is the same object.
    See :meth:`Timeline._class_statuses`.
    """

    def __init__(self, timeline: Timeline, day: dt.date, traffic: str, v: View) -> None:
        self.key = (day, traffic, v)
        self.statuses: dict[tuple[Any, ...], ClassStatus] = {}
        self._claims: dict[tuple[int, bool, str], Claim] = {}
        self._tl = timeline

    def claim(self, e: int, uncertain: bool, since: str = "") -> Claim:
        """The :class:`Claim` of event ``e`` (an index) on the day (``since``: see :meth:`Timeline._claim`)."""
        k = (e, uncertain, since)
        c = self._claims.get(k)
        if c is None:
            day, traffic, _ = self.key
            ev = self._tl._ea.events[e]
            c = self._claims[k] = self._tl._claim(ev, _said_of(ev, traffic), day, uncertain, since, e)
        return c


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
    """Combine per-class statuses (one per traffic class) into a segment status.

    ``disputed`` if any class is disputed; ``unknown`` if none is known; ``open`` /
    ``closed`` only if every class is claimed open / closed; ``partly_open`` /
    ``partly_closed`` if the known classes are all open / all closed and the others unknown;
    else ``restricted`` (some classes pass, others not).

    Examples
    --------
    >>> overall_status(["open", "closed", "unknown", "open"])
    'restricted'
    >>> overall_status(["unknown", "open", "unknown", "unknown"]), overall_status(["open"] * 4)
    ('partly_open', 'open')
    """
    vals = list(classes)
    if "disputed" in vals:
        return "disputed"
    known = {v for v in vals if v in ("open", "closed")}
    if not known:
        return "unknown"
    some_unknown = any(v not in ("open", "closed") for v in vals)
    if known == {"open"}:
        return "partly_open" if some_unknown else "open"
    if known == {"closed"}:
        return "partly_closed" if some_unknown else "closed"
    return "restricted"


def _plus_days(day: dt.date, days: int) -> dt.date:
    """Return ``day + days``, saturating at ``DATE_MAX``."""
    return day + dt.timedelta(days=days) if (DATE_MAX - day).days > days else DATE_MAX


def _last_day(event: Event, as_of: dt.date, horizon: int | None) -> dt.date:
    """The last day an event is in force: its end; its day for a passage; else as-of + horizon."""
    if event.type == "passage":
        return event.start.lower
    if event.end is not None:
        return event.end.upper
    if event.type == "baseline" or horizon is None:
        return DATE_MAX
    return _plus_days(as_of, horizon)


def _windows(G: nx.MultiGraph, event: Event, end: dt.date | None = None) -> list[tuple[str, dt.date, dt.date]]:
    """Expand an event's targets to (segment, first day, last day) windows.

    ``end`` is the event's last day in force (default: its end, or open-ended).
    """
    start = event.start.lower
    if end is None:
        end = event.end.upper if event.end is not None else (start if event.type == "passage" else DATE_MAX)
    if end < start:
        return []
    routes = routes_of(G)
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
                if a <= _next_day(merged[-1][1]):
                    merged[-1] = (merged[-1][0], max(merged[-1][1], b))
                else:
                    merged.append((a, b))
            out.extend((s, a, b) for a, b in merged)
    return out


def _next_day(day: dt.date) -> dt.date:
    """Return the day after ``day``, saturating at ``DATE_MAX`` (the calendar has no 10000-01-01).

    Examples
    --------
    >>> _next_day(dt.date(2023, 12, 31)), _next_day(DATE_MAX)
    (datetime.date(2024, 1, 1), datetime.date(9999, 12, 31))
    """
    return day + _ONE_DAY if day < DATE_MAX else DATE_MAX


def _compile(items: Sequence[_Item]) -> _KeyTimeline:
    """Compile one key's items into sorted change points and the state after each.

    Same change points and states as rebuilding the active set at every mark (the O(N^2)
    original, kept as ``_compile_reference`` in tests/test_compile.py), by one sweep over the
    sorted marks: O(N log N) for N items, plus, for uncertain dates only, O(k) per uncertainty
    bound and per stored uncertainty tuple, k being the number of items uncertain on that day.

    * marks: every window start, the day after every window end, and the bounds of every
      uncertain start or end (the day after the latest);
    * winner: a heap of the items whose window has started, keyed by descending precedence
      then list order (``max`` keeps the first of equals); items whose window has ended are
      dropped lazily when they reach the top, which is enough because once an item's window
      has ended it stays ended;
    * unsure: the items (in list order, one entry per item) with an uncertain start or end
      covering the day, kept as a sorted list of indices updated at its span bounds.
    """
    marks: set[dt.date] = set()
    unsure_deltas: dict[dt.date, list[tuple[int, int]]] = defaultdict(list)  # day -> [(+1/-1, item index)]
    for i, it in enumerate(items):
        marks.add(it.ws)
        if it.we < DATE_MAX:
            marks.add(it.we + _ONE_DAY)
        for span in (it.event.start, it.event.end):
            if span is not None and span.uncertain:
                marks.add(span.earliest)
                unsure_deltas[span.earliest].append((1, i))
                if span.latest < DATE_MAX:
                    marks.add(span.latest + _ONE_DAY)
                    unsure_deltas[span.latest + _ONE_DAY].append((-1, i))
    by_start = sorted(range(len(items)), key=lambda i: items[i].ws)
    heap: list[tuple[int, int, int, int]] = []  # (-ws, -start, -row, index): smallest = winner
    nxt = 0
    cover = [0] * len(items)  # how many of an item's uncertain spans cover the day
    unsure_idx: list[int] = []  # sorted indices of items with cover > 0
    unsure: tuple[Event, ...] = ()
    kt = _KeyTimeline()
    for day in sorted(marks):
        while nxt < len(by_start) and items[by_start[nxt]].ws <= day:
            i = by_start[nxt]
            it = items[i]
            heapq.heappush(heap, (-it.ws.toordinal(), -it.event.start.lower.toordinal(), -it.event.row, i))
            nxt += 1
        while heap and items[heap[0][3]].we < day:
            heapq.heappop(heap)
        winner = items[heap[0][3]].event if heap else None
        deltas = unsure_deltas.get(day)
        if deltas:
            changed = False
            for delta, i in sorted(deltas, reverse=True):  # additions first: no needless remove/re-add
                before = cover[i]
                cover[i] += delta
                if before == 0:
                    bisect.insort(unsure_idx, i)
                    changed = True
                elif cover[i] == 0:
                    del unsure_idx[bisect.bisect_left(unsure_idx, i)]
                    changed = True
            if changed:
                unsure = tuple(items[i].event for i in unsure_idx)
        kt.points.append(day)
        kt.states.append((winner, unsure))
    return kt


def _sorted_points(points: set[dt.date]) -> list[dt.date]:
    # DATE_MIN has no day before it, so nothing changes on it; DATE_MAX is a real day
    # (a claim may start on it) and stays a change point.
    return sorted(p for p in points if p > DATE_MIN)


def _published(ledger: Ledger, source: str) -> dt.date | None:
    src = ledger.sources.get(source)
    text = src.published.strip() if src is not None else ""
    if text:
        try:
            return parse_edtf(text).lower
        except DateError:  # validated when read; a Source built in code may hold anything
            pass
    return None


class _Store:
    """The state claims compiled for one horizon (and, for a source view, one source).

    ``at(segment, class, claimant, day)`` is the claim in force and the claims whose dates
    are uncertain that day; ``claimants(segment, class)`` those with claims on the key.
    """

    points: list[dt.date]
    class_points: dict[str, list[dt.date]]  # per traffic class: the days anything about it may change

    def claimants(self, segment: str, traffic: str) -> list[str]:
        raise NotImplementedError

    def at(self, segment: str, traffic: str, claimant: str, day: dt.date) -> tuple[Event | None, tuple[Event, ...]]:
        raise NotImplementedError


class _ReferenceStore(_Store):
    """One :class:`_KeyTimeline` per key, compiled by :func:`_compile` (the reference engine)."""

    def __init__(self, table: dict[tuple[str, str, str], _KeyTimeline], by_key: dict[tuple[str, str], list[str]],
                 points: list[dt.date], class_points: dict[str, list[dt.date]]) -> None:
        self.table, self.by_key, self.points, self.class_points = table, by_key, points, class_points

    def claimants(self, segment: str, traffic: str) -> list[str]:
        return self.by_key.get((segment, traffic), [])

    def at(self, segment: str, traffic: str, claimant: str, day: dt.date) -> tuple[Event | None, tuple[Event, ...]]:
        return self.table[(segment, traffic, claimant)].at(day)


class _Snap(NamedTuple):
    """One class's statuses on a day from the arrays (:meth:`Timeline._snapshot`)."""

    codes: np.ndarray
    exact: np.ndarray
    one_way: np.ndarray
    rows_seg: np.ndarray
    rows_ev: np.ndarray
    rows_open: np.ndarray
    rows_pass: np.ndarray
    aside_row: np.ndarray
    aside_ev: np.ndarray


class _Cursor:
    """The change point in force on every key of one class, carried forward from day to day (range queries).

    ``cur`` holds, per key of the class (in :attr:`_col.Compiled.keys` order from ``start``),
    the index of its last change point on or before :attr:`day` (-1: none). :meth:`advance`
    moves it to a later day by the change points in between (the class's change points listed
    by day once, ``perm`` and ``ptr``), not by a search of every key.
    """

    def __init__(self, day: int, cur: np.ndarray, first: np.ndarray, start: int, perm: np.ndarray, ptr: np.ndarray,
                 d0: int) -> None:
        self.day, self.cur, self.start = day, cur, start
        self._first, self._perm, self._ptr, self._d0 = first - first[0], perm, ptr, d0
        self._base = int(first[0])

    def advance(self, day: int) -> None:
        """Move to ``day`` (on or after the current one)."""
        if day < self.day:
            raise ValueError(f"a cursor moves forward only: {day} is before {self.day}")
        top = len(self._ptr) - 1
        a = self._ptr[min(max(self.day + 1 - self._d0, 0), top)]
        b = self._ptr[min(max(day + 1 - self._d0, 0), top)]
        if b > a:
            m = self._perm[a:b].astype(np.int64)  # positions in the class's run of change points
            k = np.searchsorted(self._first, m, "right") - 1
            np.maximum.at(self.cur, k, m + self._base)
        self.day = day


#: A checkpoint's counts are stepped on from one cached at most this many checkpoints before it
#: (the keys that change in between, from one gather), not summed over every change point.
_STEP_FROM = 4


class _Checkpoints:
    """Each key's count of change points up to a few days of one class (see :meth:`_ColumnarStore._marks_at`).

    Holds the days of the class's change points (int32, in key order) and, every
    :attr:`every` days from the first (so many that a key has on average an eighth of a
    change point between two), each key's count of those up to that checkpoint, made when a
    day after it is first asked about: stepped on from a checkpoint kept shortly before it
    (:data:`_STEP_FROM`: only the keys whose next change point comes before it, found with one
    gather of the next change point's day), else summed over every change point (a
    ``reduceat``), and kept (at most as many as the keys' mean count of change points, in 16
    bits as a rule: no more memory than the days themselves; the least recently used go
    first), with the keys whose next change point comes before the next checkpoint: only those
    step on to a day in between.
    """

    def __init__(self, c: _col.Compiled, run: slice) -> None:
        first = c.key_marks[run]
        lo = int(first[0])
        hi = int(c.key_marks[run.stop]) if run.stop < len(c.keys) else len(c.marks)
        #: the days of the class's change points, and each key's run of them (positions in ``days``)
        self.days = _col.mark_days(c.marks[lo:hi])
        self.winner = c.winner[lo:hi]  # (a view: the claim in force from each change point on, -1: none)
        self.first = first - lo
        self.end = np.append(self.first[1:], hi - lo)
        self.d0 = int(self.days.min())
        self.span = int(self.days.max()) - self.d0 + 1
        runs = self.end - self.first
        self._wide: type[np.integer[Any]] = np.uint16 if int(runs.max()) < 1 << 16 else np.int32
        n_keys, n_marks = len(first), hi - lo
        self.every = max(1, self.span * n_keys // (8 * n_marks))
        self._keep = max(2, n_marks // n_keys)
        self._counts: dict[int, np.ndarray] = {}  # checkpoint: counts (the most recently used last)
        self._moving: dict[int, np.ndarray] = {}  # checkpoint: the keys whose count changes before the next
        self._live: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # checkpoint: see in_force

    def _count(self, j: int) -> np.ndarray:
        got = self._counts.pop(j, None)
        if got is None:  # the change points up to the day before checkpoint j
            near = [i for i in self._counts if j - _STEP_FROM <= i < j]
            if near:  # stepped on from a checkpoint shortly before (a few keys change in between)
                i = max(near)
                got = self._counts[i].copy()
                day = self.d0 + j * self.every - 1
                keys = self._moving[i] if i == j - 1 and i in self._moving else self._changing(got, day)
                got[keys] = self._stepped(got, day, keys)
            else:
                le = (self.days < self.d0 + j * self.every).view(np.uint8)
                got = np.add.reduceat(le, self.first, dtype=self._wide)
            while len(self._counts) >= self._keep:
                old = next(iter(self._counts))
                del self._counts[old]
                self._moving.pop(old, None)
                self._live.pop(old, None)
        self._counts[j] = got
        return got

    def _changing(self, n: np.ndarray, day: int) -> np.ndarray:
        """The keys whose counts ``n`` (of an earlier day) grow by ``day``: their next change point is on or before it."""
        nxt = self.first + n
        out: np.ndarray = np.flatnonzero((nxt < self.end) & (self.days[np.minimum(nxt, len(self.days) - 1)] <= day))
        return out

    def _stepped(self, n: np.ndarray, day: int, keys: np.ndarray) -> np.ndarray:
        """The counts of ``keys`` on ``day``, stepped on from their counts ``n`` of an earlier day."""
        top = len(self.days) - 1
        p = self.first[keys] + n[keys]
        end = self.end[keys]
        step = np.arange(len(keys))
        while len(step):  # each key over its change points up to the day (each key's are sorted by day)
            q = p[step]
            step = step[(q < end[step]) & (self.days[np.minimum(q, top)] <= day)]
            p[step] += 1
        out: np.ndarray = p - self.first[keys]
        return out

    def _last(self, day: int) -> tuple[int, np.ndarray]:
        """The last checkpoint on or before ``day`` (its number) and its counts."""
        j = min(max(day - self.d0 + 1, 0), self.span) // self.every
        return j, self._count(j)

    def at(self, day: int) -> np.ndarray:
        """How many of each key's change points fall on or before ``day``."""
        j, n = self._last(day)
        if day - self.d0 + 1 == j * self.every:  # the checkpoint's own day: no key steps on
            return n
        moving = self._moving_from(j, n)
        out = n.astype(np.int64)
        out[moving] = self._stepped(n, day, moving)
        return out

    def _moving_from(self, j: int, n: np.ndarray) -> np.ndarray:
        """The keys whose next change point after checkpoint ``j`` (counts ``n``) comes before the next checkpoint."""
        moving = self._moving.get(j)
        if moving is None:
            moving = self._moving[j] = self._changing(n, self.d0 + (j + 1) * self.every - 1)
        return moving

    def in_force(self, day: int) -> tuple[np.ndarray, np.ndarray]:
        """The keys with a claim in force on ``day`` (positions among the class's keys, sorted), and each one's claim.

        As :meth:`at` and a look-up of each key's claim, but over fewer keys: those with a
        claim in force on the checkpoint's day and those that step on before the next one
        (at L some 100,000 of 690,000: listed once per checkpoint).
        """
        j, n = self._last(day)
        moving = self._moving_from(j, n)
        got = self._live.get(j)
        if got is None:
            mask = (n > 0) & (self.winner[np.maximum(self.first + n - 1, 0)] >= 0)
            mask[moving] = True
            keys = np.flatnonzero(mask)
            got = self._live[j] = (keys, np.searchsorted(keys, moving))
        keys, at = got
        count = n[keys].astype(np.int64)
        count[at] = self._stepped(n, day, moving)
        win = self.winner[np.maximum(self.first[keys] + count - 1, 0)]
        live = (count > 0) & (win >= 0)
        return keys[live], win[live]


class _ColumnarStore(_Store):
    """Every key's change points as arrays (:mod:`karabakh_routes._columnar`)."""

    def __init__(self, compile_class: Callable[[int], _col.Compiled], tl: Timeline, points: list[dt.date],
                 class_points: dict[str, list[dt.date]]) -> None:
        self.points, self.class_points = points, class_points
        self._compile_class = compile_class
        self._compiled: dict[int, _col.Compiled] = {}  # per class, compiled when first asked for
        self._events = tl._ea.events
        self._seg = tl._seg_index
        self._claimant = {c: i for i, c in enumerate(tl._ea.claimants)}
        self._names = tl._ea.claimants
        self._by_class: dict[tuple[int, int | None], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._checks: dict[int, _Checkpoints] = {}  # per class: see _marks_at
        self._by_day: dict[int, tuple[np.ndarray, np.ndarray, int]] = {}  # per class: see cursor

    def compiled(self, cls: int) -> _col.Compiled:
        """The claims of one traffic class (an index), compiled (or read from the cache) the first time."""
        c = self._compiled.get(cls)
        if c is None:
            c = self._compiled[cls] = self._compile_class(cls)
        return c

    def claimants(self, segment: str, traffic: str) -> list[str]:
        si = self._seg.get(segment)
        if si is None:
            return []
        cls = _CLASS_INDEX[traffic]
        return [self._names[c] for c in self.compiled(cls).claimants(si, cls)]

    def in_force(self, day: int, cls: int, claimant: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Return (segment, event) of every claim in force on a day for one class (and claimant), one search."""
        c = self.compiled(cls)
        base, first, seg = self._keys_of(cls, claimant)
        if claimant is not None or not len(first):
            return self._lookup(c, base, first, seg, day)
        keys, win = self._checkpoints(cls).in_force(day)
        return seg[keys], win

    def _keys_of(self, cls: int, claimant: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One class's keys (one claimant's, if given): each one's code times ``_BIG``, first change point, segment."""
        key = (cls, claimant)
        if key not in self._by_class:
            c = self.compiled(cls)
            run = c.class_keys(cls)
            keys, first = c.keys[run], c.key_marks[run]
            if claimant is not None:
                mine = keys % c.n_claimants == claimant
                keys, first = keys[mine], first[mine]
            self._by_class[key] = (keys * _col._BIG, first, c.segment_of(keys))
        return self._by_class[key]

    def _marks_at(self, cls: int, day: int) -> np.ndarray:
        """The index of each key's last change point on or before the day (the class's keys, in order).

        One before the key's first when it has none. From the counts on the last checkpoint on
        or before the day, only the keys with a change point before the next one step on (see
        :class:`_Checkpoints`), not every change point of the class.
        """
        out: np.ndarray = self._keys_of(cls, None)[1] + self._checkpoints(cls).at(day) - 1
        return out

    def _checkpoints(self, cls: int) -> _Checkpoints:
        if cls not in self._checks:
            c = self.compiled(cls)
            self._checks[cls] = _Checkpoints(c, c.class_keys(cls))
        return self._checks[cls]

    def cursor(self, cls: int, day: int) -> _Cursor | None:
        """The change point in force on each key of a class on a day, to be carried forward (see :class:`_Cursor`)."""
        c = self.compiled(cls)
        run = c.class_keys(cls)
        if run.stop <= run.start:
            return None
        i = self._marks_at(cls, day)
        if cls not in self._by_day:
            days, d0 = self._checkpoints(cls).days, self._checkpoints(cls).d0
            # (the marks of one day one contiguous run: their positions, and where each day's run starts)
            counts = np.bincount(days - d0)
            self._by_day[cls] = (_col.day_order(days).astype(np.int32), np.concatenate(([0], np.cumsum(counts))), d0)
        perm, ptr, d0 = self._by_day[cls]
        first = c.key_marks[run]
        return _Cursor(day, np.where(i >= first, i, -1), first, run.start, perm, ptr, d0)

    def in_force_at(self, day: int, cls: int, claimant: int | None, segments: np.ndarray,
                    cursor: _Cursor | None = None) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`in_force` for the given segments (indexes) only (read from ``cursor`` when it is at the day)."""
        c = self.compiled(cls)
        base = c.code(segments.astype(np.int64), cls, 0)
        lo = np.searchsorted(c.keys, base + (claimant or 0))
        hi = np.searchsorted(c.keys, base + (claimant + 1 if claimant is not None else c.n_claimants))
        cnt = hi - lo
        idx = _col.spans(lo, cnt)
        keys = c.keys[idx]
        if cursor is not None and cursor.day == day:
            i = cursor.cur[idx - cursor.start]
            win = c.winner[np.maximum(i, 0)]
            live = (i >= 0) & (win >= 0)
            return c.segment_of(keys[live]), win[live]
        return self._lookup(c, keys * _col._BIG, c.key_marks[idx], c.segment_of(keys), day)

    def states(self, segments: np.ndarray, cls: int, day: int, claimant: int | None = None
               ) -> tuple[np.ndarray, np.ndarray, dict[int, list[int]]]:
        """Each claimant's state on the given segments for one class on a day, as :meth:`at` gives it one by one.

        Returns, one row per key (claimant with claims on the segment; only ``claimant``'s, if
        given) that has a claim in force or an uncertain one, grouped by segment in the order
        given and by claimant in first-seen order: the segment's position in ``segments``, the
        event in force (-1: none) and, by row, the uncertain events.
        """
        c = self.compiled(cls)
        base = c.code(segments, cls, 0)
        lo = np.searchsorted(c.keys, base)
        cnt = np.searchsorted(c.keys, base + c.n_claimants) - lo
        owner = np.repeat(np.arange(len(segments)), cnt)
        idx = _col.spans(lo, cnt)
        if claimant is not None:
            mine = c.keys[idx] % c.n_claimants == claimant
            owner, idx = owner[mine], idx[mine]
        order = np.lexsort((c.key_first[idx], owner))  # first-seen order within a segment
        owner, idx = owner[order], idx[order]
        i = c.search.search(c.keys[idx] * _col._BIG + day, "right") - 1
        valid = i >= c.key_marks[idx]
        i = np.maximum(i, 0)
        win = np.where(valid, c.winner[i], -1)
        u = np.where(valid, c.unsure[i], -1)
        said = np.flatnonzero((win >= 0) | (u >= 0))  # (a key with neither says nothing that day)
        owner, win, u = owner[said], win[said], u[said]
        has = np.flatnonzero(u >= 0)
        ptr, flat = c.unsure_ptr, c.unsure_flat
        unsure = {j: flat[ptr[k]:ptr[k + 1]].tolist() for j, k in zip(has.tolist(), u[has].tolist())}
        return owner, win, unsure

    @staticmethod
    def _lookup(c: _col.Compiled, base: np.ndarray, first: np.ndarray, seg: np.ndarray, day: int
                ) -> tuple[np.ndarray, np.ndarray]:
        """(segment, event) of the keys with a claim in force on ``day``.

        ``base`` is each key's code times ``_BIG``, ``first`` the index of its first change
        point, ``seg`` its segment.
        """
        # (a key's last change point up to the day, or one of an earlier key: then before its first)
        i = c.search.search(base + day, "right") - 1
        win = c.winner[np.maximum(i, 0)]
        live = (i >= first) & (win >= 0)
        return seg[live], win[live]

    def at(self, segment: str, traffic: str, claimant: str, day: dt.date) -> tuple[Event | None, tuple[Event, ...]]:
        cls = _CLASS_INDEX[traffic]
        c = self.compiled(cls)
        win, unsure = c.at(c.code(self._seg[segment], cls, self._claimant[claimant]), day.toordinal())
        return (self._events[win] if win >= 0 else None), tuple(self._events[i] for i in unsure)


_CLASS_INDEX = {c: i for i, c in enumerate(TRAFFIC_CLASSES)}
#: The arrays of every event's windows and of their index by start kept in the on-disk cache.
_WINDOW_ARRAYS = ("ev", "seg", "ws", "we", "start_keys", "start_ev")
#: Status codes of the vectorised snapshot (:meth:`Timeline._snapshot`).
_CODES = ("unknown", "open", "closed", "disputed")
_CODE = {s: i for i, s in enumerate(_CODES)}
#: The engines a :class:`Timeline` compiles with.
ENGINES = ("columnar", "reference")


class Timeline:
    """Events compiled against a road graph, ready for queries by date.

    Parameters
    ----------
    G
        The road graph (never modified).
    ledger
        Events and sources.
    cache
        Optional: where to keep the compiled arrays on disk (a path prefix; ``.npz`` files per
        horizon and class are written beside it and mapped next time instead of compiling). The
        caller keys it by the inputs' content (:func:`karabakh_routes.load` does, with
        ``cache=``); only the columnar engine uses it.
    engine
        ``"columnar"`` (default): claims compiled into sorted arrays for all keys at once
        (:mod:`karabakh_routes._columnar`); ``"reference"``: each key compiled on its own
        by a heap sweep, the slower original kept to check the columnar engine against
        (same answers, claims and flags; tests/test_columnar.py).

    Notes
    -----
    State claims are compiled once per horizon and traffic class, when first asked about
    (the days on which they change are worked out on construction, for the default horizon,
    without compiling them); passages and baselines do not depend on the horizon.

    Examples
    --------
    >>> from karabakh_routes import load
    >>> tl = load().timeline
    >>> tl.class_status("goris__tegh", "civilian", on="2023-01-10").status in {"open", "closed", "disputed", "unknown"}
    True
    """

    def __init__(self, G: nx.MultiGraph, ledger: Ledger, *, engine: str = "columnar",
                 cache: str | os.PathLike[str] | None = None) -> None:
        if engine not in ENGINES:
            msg = f"Unknown engine {engine!r}: use one of {', '.join(ENGINES)}."
            raise ValueError(msg)
        self.G = G
        self.ledger = ledger
        self.engine = engine
        self.cache = cache
        self._edges = edge_arrays(G)  # (routing and the status table read them too: see reach._net, _edge_rows)
        self.segments: list[str] = self._edges.keys
        self._seg_set = set(self.segments)
        self._seg_index = {s: i for i, s in enumerate(self.segments)}
        self._claim_parts: dict[str, tuple[Any, ...]] = {}  # event id: what _claim reads of it
        # each row's code in some columns, when pyarrow read the file (see _col.per_event)
        self._codes: dict[str, np.ndarray] | None = ledger.__dict__.get("_codes")
        codes = self._codes
        # the events' columns, every event's windows and the index of them by start: kept in the
        # cache beside the compiled claims (numbers only)
        windows_file = f"{os.fspath(cache)}-windows.npz" if cache else None
        kept = _col.load_arrays(windows_file, (*_WINDOW_ARRAYS, *_col.EVENT_ARRAYS)) if windows_file else None
        if kept is not None and int(kept[0][0]) == len(ledger.events):
            a = kept[1]
            self._ea = _col.event_arrays_from(ledger.events, a, codes)
            self._base = _col.Windows(a["ev"], a["seg"], a["ws"], a["we"])
            self._start_keys, self._start_ev = a["start_keys"], a["start_ev"]
        else:
            self._ea = _col.event_arrays(ledger.events, codes, lambda s: _published(ledger, s))
            self._base = _col.base_windows(self._ea, routes_of(G), self._seg_index,
                                           codes.get("target") if codes is not None else None)
            self._index_starts()
            if windows_file:
                w, ea = self._base, self._ea
                _col.save_arrays(windows_file, (len(ea.events),), ev=w.ev, seg=w.seg, ws=w.ws, we=w.we,
                                 start_keys=self._start_keys, start_ev=self._start_ev,
                                 **{name: getattr(ea, name) for name in _col.EVENT_ARRAYS})
        self._as_of_map: dict[str, dt.date] | None = None  # (see _as_of)
        self._fixed_points: set[dt.date] = set()
        self._fixed_by_class: dict[str, set[dt.date]] = {c: set() for c in TRAFFIC_CLASSES}
        events, segs = self._ea.events, self.segments
        ncls = len(TRAFFIC_CLASSES)
        kinds = self._ea.kind[self._base.ev]
        # passages: one row per (passage, segment, class that passed), by (segment, class) and day
        w = self._base.take(kinds == _col.KIND_PASSAGE)
        masks = self._ea.classes[w.ev]
        parts = [(np.flatnonzero(masks & (1 << c)), c) for c in range(ncls)]
        rows = np.concatenate([np.zeros(0, np.int64), *(p for p, _ in parts)])
        group = np.concatenate([np.zeros(0, np.int64), *(w.seg[p] * ncls + c for p, c in parts)])
        day = w.ws[rows]
        by_key = np.argsort(group * _col._BIG + day, kind="stable")  # then in ledger order
        self._pass_key = (group * _col._BIG + day)[by_key]
        self._pass_ev = w.ev[rows][by_key]
        # each (day, segment and class) with a passage once, by day: one packed key, sorted
        span = max(len(segs), 1) * ncls
        pairs = _col._unique(day * span + group)
        p_day, p_group = pairs // span, pairs % span
        for c, cls in enumerate(TRAFFIC_CLASSES):
            found = {dt.date.fromordinal(d) for d in np.unique(p_day[p_group % ncls == c]).tolist()}
            found |= {_next_day(d) for d in found}
            self._fixed_by_class[cls] |= found
            self._fixed_points |= found
        cut = np.flatnonzero(np.diff(p_day)) + 1
        self._passage_groups = {int(g[0] // span): g % span for g in np.split(pairs, cut) if len(g)}
        # baselines
        baseline_items: dict[tuple[str, str], list[_Item]] = defaultdict(list)
        w = self._base.take(kinds == _col.KIND_BASELINE)
        for e, si, w0, w1 in zip(w.ev.tolist(), w.seg.tolist(), w.ws.tolist(), w.we.tolist()):
            ev, seg = events[e], segs[si]
            for cls in ev.classes:
                baseline_items[(seg, cls)].append(_Item(seg, dt.date.fromordinal(w0), dt.date.fromordinal(w1), ev))
        self._baselines = {key: _compile(items) for key, items in baseline_items.items()}
        self._baseline_groups = np.zeros(len(segs) * ncls, bool)
        for seg, cls in self._baselines:
            self._baseline_groups[self._seg_index[seg] * ncls + _CLASS_INDEX[cls]] = True
        for (_, cls), kt in self._baselines.items():
            self._fixed_points.update(kt.points)
            self._fixed_by_class[cls].update(kt.points)
        self._stores: dict[int | None, _Store] = {}
        self._source_stores: dict[tuple[str, int | None], _Store] = {}
        self._by_source: dict[str, np.ndarray] = {}
        self._touch_cache: dict[tuple[str, int | None, str | None], tuple[np.ndarray, np.ndarray]] = {}
        self._segment_labels: pd.Index | None = None
        self._store(DEFAULT_HORIZON)

    def __repr__(self) -> str:
        from ._repr import timeline_repr
        return timeline_repr(self)

    def _repr_html_(self) -> str:
        from ._repr import timeline_html
        return timeline_html(self)

    def _passages_on(self, segment: str, traffic: str, day: dt.date) -> list[Event]:
        """The passages reported on a (segment, class) on a day, in the order the ledger lists them."""
        k = (self._seg_index[segment] * len(TRAFFIC_CLASSES) + _CLASS_INDEX[traffic]) * _col._BIG + day.toordinal()
        i, j = np.searchsorted(self._pass_key, [k, k + 1])
        events = self._ea.events
        return [events[e] for e in self._pass_ev[i:j].tolist()]

    def _index_starts(self) -> None:
        """Every claim and passage by the day its window starts on each segment, as sorted arrays.

        Used to find the reports of a change that a carried claim could not know of. Keyed by
        segment (not class): one row per window; the class is checked when asked.
        """
        b = self._base
        keep = self._ea.kind[b.ev] != _col.KIND_BASELINE
        seg, ws, ev = (b.seg, b.ws, b.ev) if keep.all() else (b.seg[keep], b.ws[keep], b.ev[keep])
        del keep
        # windows are listed in event order, so in row order when the rows are: sorted by
        # (segment, day, event), the three packed in one number
        in_order = bool((np.diff(self._ea.row) > 0).all())
        packed = (_col.sorted_by_segment_and_day(seg, ws, ev)
                  if in_order and bool((np.diff(ev) >= 0).all()) else None)
        if packed is not None:
            self._start_keys, self._start_ev = packed
            return
        key = seg * _col._BIG + ws
        order = np.argsort(key, kind="stable") if in_order else np.lexsort((self._ea.row[ev], key))
        self._start_keys = key[order]
        self._start_ev = ev[order]

    @property
    def _starts(self) -> _col.Blocked:
        """The index of starts (:attr:`_start_keys`), to be searched for many values at once."""
        got: _col.Blocked | None = getattr(self, "_starts_blocked", None)
        if got is None or got.a is not self._start_keys:
            got = self._starts_blocked = _col.Blocked(self._start_keys)
        return got

    def _starts_between(self, segment: str, traffic: str, lo: dt.date, hi: dt.date) -> list[tuple[dt.date, Event]]:
        """Claims and passages on a (segment, class) whose window starts after ``lo``, up to ``hi``."""
        g = self._seg_index[segment]
        i = int(np.searchsorted(self._start_keys, g * _col._BIG + lo.toordinal(), "right"))
        j = int(np.searchsorted(self._start_keys, g * _col._BIG + hi.toordinal(), "right"))
        ev = self._start_ev[i:j]
        mine = (self._ea.classes[ev] >> _CLASS_INDEX[traffic]) & 1 == 1  # the index holds every class's
        events = self._ea.events
        return [(dt.date.fromordinal(k - g * _col._BIG), events[e])
                for k, e in zip(self._start_keys[i:j][mine].tolist(), ev[mine].tolist())]

    # -- compiling -------------------------------------------------------------------
    def _windows(self, ev: Event, horizon: int | None) -> list[tuple[str, dt.date, dt.date]]:
        end = _last_day(ev, self._as_of[ev.id], horizon)
        return [(s, a, b) for s, a, b in _windows(self.G, ev, end) if s in self._seg_set]

    def _items(self, horizon: int | None, keep: Callable[[Event], bool] | None = None
               ) -> dict[tuple[str, str, str], list[_Item]]:
        items: dict[tuple[str, str, str], list[_Item]] = defaultdict(list)
        for ev in self.ledger.events:
            if ev.type in ("passage", "baseline"):
                continue
            if keep is not None and not keep(ev):
                continue
            for seg, w0, w1 in self._windows(ev, horizon):
                for cls in ev.classes:
                    items[(seg, cls, ev.claimant)].append(_Item(seg, w0, w1, ev))
        return items

    def _compile_store(self, horizon: int | None, source: str | None = None) -> _Store:
        points = set(self._fixed_points)
        by_class = {c: set(days) for c, days in self._fixed_by_class.items()}
        if self.engine == "reference":
            keep = None if source is None else (lambda e: e.source == source)
            table: dict[tuple[str, str, str], _KeyTimeline] = {}
            by_key: dict[tuple[str, str], list[str]] = defaultdict(list)
            for key, items in self._items(horizon, keep).items():
                kt = _compile(items)
                table[key] = kt
                by_key[(key[0], key[1])].append(key[2])
                points.update(kt.points)
                by_class[key[1]].update(kt.points)
                # the day after an as-of date inside a window: the claim turns carried there
                for it in items:
                    a = self._as_of[it.event.id]
                    if it.ws <= a < it.we:
                        points.add(_next_day(a))
                        by_class[key[1]].add(_next_day(a))
            return _ReferenceStore(table, dict(by_key), _sorted_points(points),
                                   {c: _sorted_points(d) for c, d in by_class.items()})
        keep_arr = None
        if source is not None:
            keep_arr = self._source_events(source)
        ea, base, n_segments = self._ea, self._base, len(self.segments)
        prefix = f"{os.fspath(self.cache)}-h{'none' if horizon is None else horizon}" if self.cache else None

        def compile_class(cls: int) -> _col.Compiled:
            cache_file = f"{prefix}-c{cls}.npz" if prefix and source is None else None
            compiled = _col.load_compiled(cache_file) if cache_file else None
            if compiled is None:
                compiled = _col.compile_keys(_col.claim_windows(base, ea, horizon, cls, keep_arr), ea, n_segments, (cls,))
                if cache_file:
                    _col.save_compiled(cache_file, compiled)
            return compiled

        # the days on which the claims change are known without compiling them (each class is
        # compiled when first asked about); kept in the cache too
        days_file = f"{prefix}-days.npz" if prefix and source is None else None
        days = _col.load_days(days_file) if days_file else None
        if days is None:
            days = _col.change_days(base, ea, horizon, keep_arr)
            if days_file:
                _col.save_days(days_file, days)
        mark_days, asof_days, class_days = days
        points.update(dt.date.fromordinal(d) for d in np.union1d(mark_days, asof_days).tolist())
        for c, cls in enumerate(TRAFFIC_CLASSES):
            by_class[cls].update(dt.date.fromordinal(d) for d in class_days[c].tolist())
        return _ColumnarStore(compile_class, self, _sorted_points(points),
                              {c: _sorted_points(d) for c, d in by_class.items()})

    def _store(self, horizon: int | None) -> _Store:
        if horizon not in self._stores:
            self._stores[horizon] = self._compile_store(horizon)
        return self._stores[horizon]

    def _view_store(self, v: View) -> _Store:
        """The compiled claims a view reads: its source's alone for a source view, else all of them."""
        return self._source_store(v.value, v.horizon) if v.kind == "source" else self._store(v.horizon)

    def _source_store(self, source: str, horizon: int | None) -> _Store:
        if (source, horizon) not in self._source_stores:
            self._source_stores[(source, horizon)] = self._compile_store(horizon, source)
        return self._source_stores[(source, horizon)]

    # -- change points -------------------------------------------------------------
    def change_points(
        self, start: DateLike | None = None, end: DateLike | None = None, *, horizon: Horizon = "default",
        traffic: str | None = None,
    ) -> list[dt.date]:
        """Return the sorted dates on which any status, passage or flag may change.

        Between two consecutive change points every answer is the same (evidence ages
        aside, which grow by a day each day a claim is carried). With ``traffic``, only the
        dates on which something about that class may change.
        """
        lo = to_date(start) if start is not None else DATE_MIN
        hi = to_date(end) if end is not None else DATE_MAX
        store = self._store(DEFAULT_HORIZON if horizon == "default" else parse_horizon(horizon))
        points = store.points if traffic is None else store.class_points[check_traffic(traffic)]
        i = bisect.bisect_left(points, lo)
        j = bisect.bisect_right(points, hi)
        return points[i:j]

    # -- per-key queries -----------------------------------------------------------
    def as_of(self, event: str) -> dt.date:
        """Return the as-of date of an event: the last day its source could know about."""
        return self._as_of[event]

    @property
    def _as_of(self) -> dict[str, dt.date]:
        """Each event's id and its as-of date, made when first asked for (:meth:`_claim` given the event's index does without)."""
        if self._as_of_map is None:
            self._as_of_map = _col.as_of_dates(self._ea)
        return self._as_of_map

    def _claim(self, ev: Event, status: str, day: dt.date, uncertain: bool = False, since: str = "",
               index: int | None = None) -> Claim:
        """The :class:`Claim` of event ``ev`` (``index``: its position in the events, if known) on ``day``."""
        parts = self._claim_parts.get(ev.id)
        if parts is None:  # what does not depend on the day, worked out once per event
            src = self.ledger.sources.get(ev.source)
            kind = {"passage": "passage", "baseline": "baseline"}.get(ev.type, "claim")
            a = None if kind == "baseline" else (
                self._as_of[ev.id] if index is None else dt.date.fromordinal(int(self._ea.as_of[index])))
            # past its as-of date: an end (or start) its source stated in advance, else carried
            ahead = a is not None and (ev.end is not None or ev.start.lower > a or kind == "passage")
            parts = self._claim_parts[ev.id] = (kind, a, a.isoformat() if a is not None else "", ahead,
                                                ev.end.text if ev.end else "", src.url if src else "",
                                                ev.start.lower.isoformat())
        kind, a, as_of, ahead, end, url, first = parts
        carried = forecast = False
        age: int | None = None
        if a is not None:
            past = day > a
            forecast = past and ahead
            carried = past and not ahead
            age = max(0, (day - a).days)
        return Claim(ev.id, ev.claimant, ev.source, status, ev.type, ev.start.text, end, ev.quote, ev.note, url,
                     uncertain, ev.direction, kind, as_of, carried, forecast, age, since or first)

    def _snapshot(self, day: dt.date, traffic: str, v: View, *, directions: bool = False,
                  segments: np.ndarray | None = None, cursor: _Cursor | None = None) -> _Snap:
        """Every segment's status for one class on a day, vectorised over all keys.

        Returns a :class:`_Snap`: per segment (in :attr:`segments` order) ``codes`` (index
        :data:`_CODES`), ``one_way`` (a one-way claim or passage in force, see
        :meth:`ClassStatus.towards`) and ``exact``: the segments whose status the arrays alone
        cannot settle (a baseline to fall back on; a passage in a source view; a claim given
        way to that its claimant's passage replaces; with ``directions``, a baseline on a
        one-way segment, where it may apply in one direction): their code is left to
        :meth:`class_status`.
        ``rows_*`` are the claims in force and the day's passages: segment, event, whether it
        says the class is open, whether it is a passage; ``aside_row`` and ``aside_ev`` pair each claim set aside (its row)
        with each report it gives way to: of the claims whose giving way may change a status
        (nothing else that counts whatever happens says what they say; with ``directions``,
        every claim on a one-way segment), the others' being set aside or not changes no
        status, and they are left in. With ``segments`` (indexes), only those segments are
        looked at (the arrays keep their length; the other positions are meaningless), their
        claims in force read from ``cursor`` when it is at the day (see :meth:`_cursor`).
        The reference engine settles every segment by :meth:`class_status`.
        """
        n = len(self.segments)
        ncls = len(TRAFFIC_CLASSES)
        ci = _CLASS_INDEX[traffic]
        store = self._view_store(v)
        codes = np.zeros(n, np.int8)
        exact = np.zeros(n, bool)
        one_way = np.zeros(n, bool)
        none = np.zeros(0, np.int64)
        if not isinstance(store, _ColumnarStore):
            exact[:] = True
            return _Snap(codes, exact, one_way, none, none, none, np.zeros(0, bool), none, none)
        ea = self._ea
        claimant = None
        if v.kind == "claimant":
            claimant = ea.claimants.index(v.value) if v.value in ea.claimants else -1
        d = day.toordinal()
        seg, win = (store.in_force(d, ci, claimant) if segments is None
                    else store.in_force_at(d, ci, claimant, segments, cursor))
        # the day's passages: each replaces its claimant's standing claim (see decide)
        pseg, pev = self._passages_of_day(d, ci, segments)
        if claimant is not None:
            pseg, pev = pseg[ea.claimant[pev] == claimant], pev[ea.claimant[pev] == claimant]
        elif v.kind == "source":
            exact[pseg] = True
            pseg, pev = none, none
        is_pass = np.concatenate([np.zeros(len(seg), bool), np.ones(len(pseg), bool)])
        seg, win = np.concatenate([seg, pseg]), np.concatenate([win, pev])
        group = seg * ncls + ci
        one_way[seg[ea.one_way[win]]] = True
        # a claim past its as-of date may give way to a newer contrary report
        a = ea.as_of[win]
        said_open = np.where(is_pass, 1, (ea.says_open[win] >> ci) & 1).astype(np.int64)
        # one entry per claimant: its passage (the first of several) in place of its claim
        nc = max(len(ea.claimants), 1)
        who = seg * nc + ea.claimant[win]
        count = np.ones(len(win), bool)
        passed = none
        if len(pseg):
            passed = who[is_pass]
            count &= ~(~is_pass & _col.isin(who, passed))
            first = np.zeros(len(win), bool)
            first[np.flatnonzero(is_pass)[np.unique(passed, return_index=True)[1]]] = True
            count &= ~is_pass | first
        stale = np.flatnonzero((d > a) & ~is_pass)
        aside_row, aside_ev = none, none
        if len(stale) and claimant is None:  # one claimant's view: no other claimant to give way to
            # only where giving way may change the status: where nothing that counts whatever
            # happens (a claim not past its as-of date, a passage) says what the claim says, and
            # (with ``directions``) on a one-way segment, where each direction is decided from the rows
            sure = count.copy()
            sure[stale] = False
            says = np.zeros((n, 2), bool)  # per segment: something sure to count says closed, open
            says[seg[sure], said_open[sure]] = True
            matters = ~says[seg[stale], said_open[stale]]
            if directions:
                matters |= one_way[seg[stale]]
            stale = stale[matters]
        if len(stale) and claimant is None:
            pos, aside_ev = self._set_aside(group[stale], a[stale], win[stale], said_open[stale], d, ci, (group, win))
            if v.kind == "source":  # only the reports the view keeps
                mine = self._source_events(v.value)[aside_ev]
                pos, aside_ev = pos[mine], aside_ev[mine]
            aside_row = stale[pos]
            count[aside_row] = False
            if len(pseg) and len(aside_row):
                # a claim given way to but replaced by its claimant's passage: decide() would not see it
                hit_is_claim = ea.kind[aside_ev] != _col.KIND_PASSAGE
                gone = hit_is_claim & _col.isin(seg[aside_row] * nc + ea.claimant[aside_ev], passed)
                exact[seg[aside_row[gone]]] = True
        n_open = np.bincount(seg[count], weights=said_open[count], minlength=n)
        n_all = np.bincount(seg[count], minlength=n)
        n_closed = n_all - n_open
        both = (n_open > 0) & (n_closed > 0)
        codes[(n_open > 0) & ~both] = _CODE["open"]
        codes[(n_closed > 0) & ~both] = _CODE["closed"]
        codes[both] = _CODE[combine_statuses(["open", "closed"], v.kind)]
        # no claim in force (or, on a one-way segment, none in one direction): a baseline may apply
        baseline = self._baseline_groups[np.arange(n) * ncls + ci]
        exact |= ((n_all == 0) | (one_way if directions else False)) & baseline
        return _Snap(codes, exact, one_way, seg, win, said_open, is_pass, aside_row, aside_ev)

    def _cursor(self, day: dt.date, traffic: str, v: View) -> _Cursor | None:
        """The claims in force on every key of a class on a day, to be carried to later days (:class:`_Cursor`).

        None for the reference engine, or a class without claims.
        """
        store = self._view_store(v)
        return store.cursor(_CLASS_INDEX[traffic], day.toordinal()) if isinstance(store, _ColumnarStore) else None

    def _source_events(self, source: str) -> np.ndarray:
        """Whether each event comes from ``source`` (kept per source)."""
        if source not in self._by_source:
            self._by_source[source] = _col.per_event(self._ea.events, self._codes, "source",
                                                     lambda e: e.source == source, bool)
        return self._by_source[source]

    def _passages_of_day(self, d: int, ci: int, segments: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """(segment, event) of the passages of class ``ci`` on day ``d`` (on ``segments`` only, if given)."""
        ncls = len(TRAFFIC_CLASSES)
        g = self._passage_groups.get(d)
        if g is None:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        g = g[g % ncls == ci]
        if segments is not None:
            g = g[_col.isin(g // ncls, segments)]
        lo = np.searchsorted(self._pass_key, g * _col._BIG + d)
        cnt = np.searchsorted(self._pass_key, g * _col._BIG + d + 1) - lo
        idx = _col.spans(lo, cnt)
        return np.repeat(g // ncls, cnt), self._pass_ev[idx]

    def _set_aside(self, group: np.ndarray, as_of: np.ndarray, win: np.ndarray, said_open: np.ndarray, d: int,
                   ci: int, in_force: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Which claims past their as-of date give way on day ``d``, and to what (:func:`decide`'s rule, vectorised).

        It does when its (segment, class) has a claim or passage from another claimant, saying
        the other status, that started after the claim's as-of date, up to the day, and that
        its own source knew of when it started: for a claim in force, from its start; for one
        no longer in force, from its window's start on the segment. ``in_force`` holds the
        ``(group, event)`` of every claim in force, in any order. (The two starts differ only
        where a route's alignment began after its claim did, and give different answers
        still more rarely: at L for 168 of 63,000 reports. So whether a report is in force
        is looked up only there, among the claims in force on their groups.)

        Returns ``(claim, event)`` pairs: the position of a claim set aside (in the arguments)
        and an event it gives way to (one pair per such event).
        """
        big = _col._BIG
        seg = group // len(TRAFFIC_CLASSES)
        lo = self._starts.search(seg * big + as_of, "right")
        cnt = self._starts.search(seg * big + d, "right") - lo
        if not cnt.any():
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        rep = np.repeat(np.arange(len(group)), cnt)
        pos = _col.spans(lo, cnt)
        ea = self._ea
        ev = self._start_ev[pos]
        # of this class (the index holds every class's reports), another claimant's, saying the other status
        other_open = np.where(ea.kind[ev] == _col.KIND_PASSAGE, 1, (ea.says_open[ev] >> ci) & 1)
        may = np.flatnonzero(((ea.classes[ev] >> ci) & 1 == 1) & (ea.claimant[ev] != ea.claimant[win[rep]])
                             & (other_open != said_open[rep]))
        rep, ev, pos = rep[may], ev[may], pos[may]
        ws = self._start_keys[pos] - seg[rep] * big
        a, known, first = as_of[rep], ea.as_of[ev], ea.start_lo[ev]
        hit = (a < ws) & (ws <= known)  # not in force: from its window's start
        ask = np.flatnonzero(hit != ((a < first) & (first <= known)))  # where being in force would change it
        if len(ask):
            g_in, ev_in = in_force
            g_ask, n_ev = group[rep[ask]], len(ea.events)
            near = _col.isin(g_in, g_ask)  # the claims in force on those groups only
            hit[ask] ^= np.isin(g_ask * n_ev + ev[ask], g_in[near] * n_ev + ev_in[near])
        return rep[hit], ev[hit]

    def _touches(self, traffic: str, v: View) -> tuple[np.ndarray, np.ndarray]:
        """The segments whose evidence for one class may change on each day: ``(days, segments)``, sorted by day.

        A segment is touched on a day when one of its keys has a change point there (a claim
        starts or ends, a date's uncertainty begins or ends), a claim in force on it passes its
        as-of date (the day after), a passage starts or ends, or its baseline changes. On any
        other day its :class:`ClassStatus` is the one of the day before, ages aside. (For a
        claimant or source view this is a superset.)
        """
        store = self._view_store(v)
        key = (traffic, v.horizon, v.value if v.kind == "source" else None)
        if key in self._touch_cache:
            return self._touch_cache[key]
        ncls = len(TRAFFIC_CLASSES)
        ci = _CLASS_INDEX[traffic]
        # int32 (days and segment indexes fit): the index has a row per change point of the
        # class and per claim turning carried, some 17 million at L
        days: list[np.ndarray] = []
        segs: list[np.ndarray] = []
        if isinstance(store, _ColumnarStore):
            c = store.compiled(ci)
            run = c.class_keys(ci)
            lo = int(c.key_marks[run.start]) if run.stop > run.start else 0
            hi = int(c.key_marks[run.stop]) if run.stop < len(c.keys) else len(c.marks)
            marks = c.marks[lo:hi] if run.stop > run.start else c.marks[:0]
            days.append(_col.mark_days(marks))
            segs.append(c.segment_of(marks >> _col._SHIFT).astype(np.int32))
            turn_day, turn_seg = _col.as_of_turns(self._base, self._ea, v.horizon, ci)
            days.append(turn_day.astype(np.int32))
            segs.append(turn_seg.astype(np.int32))
            del turn_day, turn_seg
        for d, groups in self._passage_groups.items():
            g = (groups[groups % ncls == ci] // ncls).astype(np.int32)
            days += [np.full(len(g), d, np.int32), np.full(len(g), d + 1, np.int32)]
            segs += [g, g]
        for (segment, cls), kt in self._baselines.items():
            if cls == traffic:
                days.append(np.array([p.toordinal() for p in kt.points], np.int32))
                segs.append(np.full(len(kt.points), self._seg_index[segment], np.int32))
        day = np.concatenate([*days, np.zeros(0, np.int32)])
        del days
        seg = np.concatenate([*segs, np.zeros(0, np.int32)])
        del segs
        order = _col.day_order(day)
        self._touch_cache[key] = (day[order], seg[order])
        return self._touch_cache[key]

    def _touched(self, traffic: str, v: View, lo: dt.date, hi: dt.date) -> np.ndarray:
        """The segments (indexes, unique) touched on any day from ``lo`` to ``hi`` (see :meth:`_touches`)."""
        days, segs = self._touches(traffic, v)
        # (the days' own dtype: searching for a Python int would copy all the int32 days to int64 first)
        i = int(np.searchsorted(days, days.dtype.type(lo.toordinal()), "left"))
        j = int(np.searchsorted(days, days.dtype.type(hi.toordinal()), "right"))
        return np.unique(segs[i:j]).astype(np.int64)

    def status_codes(
        self, *, on: DateLike, traffic: str, view: str | View = "consensus", horizon: Horizon = "default"
    ) -> pd.Series:
        """Return every segment's status for one traffic class on a date, as a Series (no evidence).

        The same statuses as :meth:`class_status` (and the ``status`` column of :meth:`status`),
        found by one search over all keys rather than one call per segment: the fast way to
        ask about a whole network. Use :meth:`status` or :meth:`class_status` for the claims
        behind each status.

        Examples
        --------
        >>> from karabakh_routes import load
        >>> load().timeline.status_codes(on="2023-07-20", traffic="humanitarian")["hakari_bridge__lachin_checkpoint"]
        'closed'
        """
        import pandas as pd

        traffic = check_traffic(traffic)
        day = to_date(on)
        v = parse_view(view, self.ledger, horizon=horizon)
        codes = self._codes_on(day, traffic, v)
        if self._segment_labels is None:  # (immutable: shared by every Series returned)
            self._segment_labels = pd.Index(self.segments, name="segment")
        # the status names taken by code: strings of pandas' default type (object before pandas 3)
        return pd.Series(pd.Index(list(_CODES)).take(codes.astype(np.intp)), index=self._segment_labels, name=traffic)

    def _codes_on(self, day: dt.date, traffic: str, v: View) -> np.ndarray:
        """Every segment's status code (index :data:`_CODES`) for one class on a day.

        From the vectorised snapshot; the segments it cannot settle alone are looked up.
        """
        snap = self._snapshot(day, traffic, v)
        codes = snap.codes
        exact = np.flatnonzero(snap.exact)
        codes[exact] = [_CODE[cs.status] for cs in self._class_statuses(exact.tolist(), traffic, day, v)]
        return codes

    def class_status(
        self, segment: str, traffic: str, *, on: DateLike, view: str | View = "consensus", horizon: Horizon = "default"
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
        horizon
            Days an open-ended claim is carried past its as-of date; None = no bound.
        """
        traffic = check_traffic(traffic)
        day = to_date(on)
        v = parse_view(view, self.ledger, horizon=horizon)
        return self._class_status_of(segment, traffic, day, v)

    def _class_status_of(self, segment: str, traffic: str, day: dt.date, v: View) -> ClassStatus:
        """:meth:`class_status` claimant by claimant, through the store's ``at`` (for many: :meth:`_class_statuses`)."""
        store = self._view_store(v)
        claimants = store.claimants(segment, traffic)
        if v.kind == "claimant":
            claimants = [c for c in claimants if c == v.value]
        states = [store.at(segment, traffic, c, day) for c in claimants]
        return self._settle(segment, traffic, day, v, states, self._passages_on(segment, traffic, day))

    def _class_statuses(self, segments: Sequence[int], traffic: str, day: dt.date, v: View,
                        memo: _EvidenceMemo | None = None) -> list[ClassStatus]:
        """:meth:`class_status` of many segments (indexes) at once, its inputs found in arrays.

        Each segment's inputs are found as numbers: each claimant's claim in force and whether
        its dates are uncertain, the day's passages, the baseline, and the newer reports that can
        set a carried claim aside (see :meth:`_newer_reports`). Segments with the same inputs
        share one :class:`ClassStatus` (a claim about a route is in force on each of its
        segments), and each :class:`Claim` is made once. ``memo`` keeps both for more calls on
        the same day, class and view (default: this call's own).
        """
        store = self._view_store(v)
        if not isinstance(store, _ColumnarStore) or not len(segments):
            return [self._class_status_of(self.segments[i], traffic, day, v) for i in segments]
        if memo is None or memo.key != (day, traffic, v):
            memo = _EvidenceMemo(self, day, traffic, v)
        ci = _CLASS_INDEX[traffic]
        ea = self._ea
        seg = np.asarray(segments, np.int64)
        d = day.toordinal()
        claimant = store._claimant.get(v.value, -1) if v.kind == "claimant" else None
        owner, win, unsure = store.states(seg, ci, d, claimant)
        unsure_row = np.zeros(len(win), bool)
        unsure_row[list(unsure)] = True
        bounds_at = np.searchsorted(owner, np.arange(len(seg) + 1))  # each segment's run of rows
        bounds = bounds_at.tolist()
        # the day's passages the view keeps, by segment, in ledger order
        pseg, pev = self._passages_of_day(d, ci, seg)
        if v.kind in ("claimant", "source"):
            mine = ea.claimant[pev] == claimant if v.kind == "claimant" else self._source_events(v.value)[pev]
            pseg, pev = pseg[mine], pev[mine]
        passes: dict[int, list[int]] = {}
        for sg, e in zip(pseg.tolist(), pev.tolist()):
            passes.setdefault(sg, []).append(e)
        newer = self._newer_reports(seg, owner, win, passes, ci, d, v)
        known, claim = memo.statuses, memo.claim
        wins, uns = win.tolist(), unsure_row.tolist()
        has_base_arr = self._baseline_groups[seg * len(TRAFFIC_CLASSES) + ci]
        has_base = has_base_arr.tolist()
        # the segments with no input at all (no claim row, passage, baseline or newer report: at L
        # three in four) share one status, placed in arrays; the loop below visits the others
        bare = (np.diff(bounds_at) == 0) & ~has_base_arr
        if passes:
            bare &= ~_col.isin(seg, np.fromiter(passes, np.int64, len(passes)))
        bare[list(newer)] = False
        todo = np.flatnonzero(~bare).tolist()
        out: list[ClassStatus] = []
        if len(todo) < len(seg):
            empty: tuple[Any, ...] = ((), (), None, ())
            if empty not in known:
                known[empty] = self._status_of([], False, [], None, [], v)
            out = [known[empty]] * len(seg)
        else:
            out = [None] * len(seg)  # type: ignore[list-item]  # (each filled below)
        segs = seg.tolist()
        for k in todo:
            i = segs[k]
            rows = tuple(zip(wins[bounds[k]:bounds[k + 1]], uns[bounds[k]:bounds[k + 1]]))
            base: Event | None = None
            base_unsure = False
            if has_base[k]:
                base, u = self._baselines[(self.segments[i], traffic)].at(day)
                base_unsure = bool(u)
            key = (rows, tuple(passes.get(i, ())), None if base is None else (base.id, base_unsure), newer.get(k, ()))
            cs = known.get(key)
            if cs is None:
                cs = known[key] = self._status_of(
                    [claim(w, u) for w, u in rows if w >= 0], any(u for _, u in rows),
                    [claim(e, ea.events[e].start.uncertain) for e in key[1]],
                    None if base is None else self._claim(base, _said_of(base, traffic), day, base_unsure),
                    [claim(e, False, since) for e, since in key[3]], v)
            out[k] = cs
        return out

    def _newer_reports(self, seg: np.ndarray, owner: np.ndarray, win: np.ndarray,
                       passes: dict[int, list[int]], ci: int, d: int, v: View) -> dict[int, tuple[tuple[int, str], ...]]:
        """The reports that can set aside a claim past its as-of date, per segment (position in ``seg``).

        :func:`decide`'s rule, as :meth:`_settle` applies it: a claim or passage on the
        segment from another claimant, saying the other status, whose window there started
        after the claim's as-of date, up to the day, known to its own source when it started,
        not in force on the segment that day, and kept by the view. Each as (event, the day its
        window started, ISO), in the order of the index of starts. ``owner`` and ``win`` are
        :meth:`_ColumnarStore.states` rows; ``passes`` the day's passages by segment.
        """
        if v.kind == "claimant":  # its view keeps its own reports only: no other claimant to give way to
            return {}
        ea = self._ea
        live = np.flatnonzero(win >= 0)
        stale = live[ea.as_of[win[live]] < d]  # rows whose claim is past its as-of date
        if not len(stale):
            return {}
        big, never = _col._BIG, np.iinfo(np.int64).max
        lo = np.full(len(seg), never, np.int64)
        np.minimum.at(lo, owner[stale], ea.as_of[win[stale]])
        has = np.flatnonzero(lo < never)
        i = self._starts.search(seg[has] * big + lo[has], "right")
        cnt = self._starts.search(seg[has] * big + d, "right") - i
        rep = np.repeat(has, cnt)
        pos = _col.spans(i, cnt)
        ev = self._start_ev[pos]
        since = self._start_keys[pos] - seg[rep] * big
        keep = ((ea.classes[ev] >> ci) & 1 == 1) & (since <= ea.as_of[ev])
        if v.kind == "source":
            keep &= self._source_events(v.value)[ev]
        rep, ev, since = rep[keep], ev[keep], since[keep]
        if not len(ev):
            return {}
        # of the stale claims on the segment saying the other status, one from another claimant
        # with an earlier as-of date: per (segment, status said), the earliest as-of date and its
        # claimant, and the earliest of any other claimant
        sw = win[stale]
        group = owner[stale] * 2 + ((ea.says_open[sw] >> ci) & 1)
        who, a = ea.claimant[sw], ea.as_of[sw]
        order = np.lexsort((a, group))
        group, who, a = group[order], who[order], a[order]
        head = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
        first_a = np.full(2 * len(seg), never, np.int64)
        first_who = np.full(2 * len(seg), -1, np.int64)
        other_a = np.full(2 * len(seg), never, np.int64)
        first_a[group[head]], first_who[group[head]] = a[head], who[head]
        other = who != first_who[group]
        np.minimum.at(other_a, group[other], a[other])
        cand_who = ea.claimant[ev]
        g = rep * 2 + 1 - np.where(ea.kind[ev] == _col.KIND_PASSAGE, 1, (ea.says_open[ev] >> ci) & 1)
        hit = np.flatnonzero(np.where(cand_who != first_who[g], first_a[g], other_a[g]) < since)
        # not in force there that day: not a row's claim on the segment, nor one of its passages
        ne = len(ea.events)
        k_hit, e_hit = rep[hit], ev[hit]
        there = np.concatenate([owner[win >= 0] * ne + win[win >= 0],
                                np.array([i * ne + e for i, sg in enumerate(seg.tolist()) for e in passes.get(sg, ())],
                                         np.int64)])
        away = np.flatnonzero(~np.isin(k_hit * ne + e_hit, there))
        out: dict[int, list[tuple[int, str]]] = {}
        iso: dict[int, str] = {}
        for k, e, w0 in zip(k_hit[away].tolist(), e_hit[away].tolist(), since[hit][away].tolist()):
            day = iso.get(w0)
            if day is None:
                day = iso[w0] = dt.date.fromordinal(w0).isoformat()
            out.setdefault(k, []).append((e, day))
        return {k: tuple(x) for k, x in out.items()}

    def _status_of(self, claims: list[Claim], uncertain: bool, passages: list[Claim], baseline: Claim | None,
                   newer: list[Claim], v: View) -> ClassStatus:
        """The :class:`ClassStatus` of a segment's claims in force, the day's passages, baseline and newer reports.

        ``uncertain``: whether any claimant's dates are uncertain that day (see :func:`decide`).
        """
        uncertain = uncertain or any(p.uncertain for p in passages)
        d = decide(claims, passages, baseline, v.kind, newer=newer)
        if baseline is not None and baseline in d.basis:
            uncertain = uncertain or baseline.uncertain
        by_claimant = tuple(sorted((c.claimant, "open" if c.kind == "passage" else c.status)
                                   for c in d.basis if c.kind != "baseline"))
        return ClassStatus(d.status, tuple(claims), tuple(passages), uncertain, by_claimant, v.kind, baseline, d,
                           tuple(newer))

    def _settle(self, segment: str, traffic: str, day: dt.date, v: View,
                states: Sequence[tuple[Event | None, tuple[Event, ...]]], day_passages: Sequence[Event]) -> ClassStatus:
        """The :class:`ClassStatus` from each claimant's (claim in force, uncertain claims) and the day's passages.

        The reference engine's way, event by event (:meth:`_class_statuses` finds the same
        inputs in arrays).
        """
        claims: list[Claim] = []
        uncertain = False
        for ev, unsure in states:
            if unsure:
                uncertain = True
            if ev is None:
                continue
            claims.append(self._claim(ev, _said_of(ev, traffic), day, bool(unsure)))
        passages = [self._claim(ev, "passage", day, ev.start.uncertain) for ev in day_passages if _in_view(ev, v)]
        baseline = None
        if (segment, traffic) in self._baselines:
            ev, unsure = self._baselines[(segment, traffic)].at(day)
            if ev is not None:
                baseline = self._claim(ev, _said_of(ev, traffic), day, bool(unsure))
        newer: list[Claim] = []
        stale = [c for c in claims if c.carried or c.forecast]
        if stale and segment in self._seg_index:
            # only the reports that can set one of them aside (decide's rule): from another
            # claimant, saying the other status, started after its as-of date, and known to
            # their own source when they started
            marks = [(c.claimant, c.status, c.as_of) for c in stale]
            lo = min(dt.date.fromisoformat(a) for *_, a in marks)
            in_force = {c.event for c in (*claims, *passages)}
            for w0, ev in self._starts_between(segment, traffic, lo, day):
                if ev.id in in_force or not _in_view(ev, v):
                    continue
                since = w0.isoformat()
                st = _said_of(ev, traffic)
                said = "open" if st == "passage" else st
                if since > self._as_of[ev.id].isoformat() or not any(
                        k != ev.claimant and s != said and a < since for k, s, a in marks):
                    continue
                newer.append(self._claim(ev, st, day, since=since))
        return self._status_of(claims, uncertain, passages, baseline, newer, v)

    def statuses(
        self, *, on: DateLike, view: str | View = "consensus", traffic: Sequence[str] | None = None,
        horizon: Horizon = "default",
    ) -> dict[str, dict[str, ClassStatus]]:
        """Return ``{segment: {traffic class: ClassStatus}}`` for every segment on a date."""
        classes = [check_traffic(t) for t in traffic] if traffic else list(TRAFFIC_CLASSES)
        v = parse_view(view, self.ledger, horizon=horizon)
        day = to_date(on)
        with gc_paused():  # (as in status)
            by_class = {c: self._class_statuses(range(len(self.segments)), c, day, v) for c in classes}
            return {s: {c: by_class[c][n] for c in classes} for n, s in enumerate(self.segments)}

    def status(
        self, *, on: DateLike, traffic: str | None = None, view: str | View = "consensus", horizon: Horizon = "default",
        bbox: Sequence[float] | None = None,
    ) -> gpd.GeoDataFrame:
        """Return every segment's status on a date as a GeoDataFrame.

        Parameters
        ----------
        on
            The date.
        traffic
            A traffic class; when given, ``status`` is that class's status, else the
            overall status over all classes (see :func:`overall_status`).
        view
            How claimants are combined.
        horizon
            Days an open-ended claim is carried past its as-of date; None = no bound.
        bbox
            ``(west, south, east, north)`` in degrees: only the segments whose line meets this
            box (:func:`karabakh_routes.area.segments_in`), as ``geopandas.read_file(bbox=...)``
            reads; their statuses are those of the whole network. None (default): every segment.

        Returns
        -------
        geopandas.GeoDataFrame
            One row per segment, indexed by segment id: ``name``, ``routes``, ``u``, ``v``,
            ``status``, one column per traffic class, ``disputed``, ``uncertain``, ``claims``
            (claims in force, list of dicts), ``passages`` (that day's passages), ``basis``
            (everything that decided the status: claims, passages, baselines, each with its
            ``kind``, ``as_of``, ``carried``, ``forecast``, ``age_days`` and the classes it
            decided), ``set_aside`` (claims past their as-of date that gave way to a newer
            contrary report), ``carried``, ``evidence_age_days``, ``assumptions``,
            ``length_km``, ``geometry``.

        Examples
        --------
        >>> from karabakh_routes import load
        >>> gdf = load().timeline.status(on="2023-07-20", traffic="humanitarian")
        >>> gdf.loc["hakari_bridge__lachin_checkpoint", "status"]
        'closed'
        """
        day = to_date(on)
        v = parse_view(view, self.ledger, horizon=horizon)
        if traffic is not None:
            traffic = check_traffic(traffic)
        segments = None
        if bbox is not None:
            from .area import segments_in
            segments = segments_in(self, bbox).tolist()
        with gc_paused():  # (hundreds of thousands of objects, no cycles: no collector passes over them meanwhile)
            return self._status_frame(day, traffic, v, segments)

    def _status_frame(self, day: dt.date, traffic: str | None, v: View,
                      segments: Sequence[int] | None = None) -> gpd.GeoDataFrame:
        """The frame of :meth:`status`: every segment, or ``segments`` (indexes, in that order)."""
        import geopandas as gpd
        import pandas as pd

        data = self._status_columns(day, traffic, v, segments)
        # whole days, or None (not NaN): an object column, as ``basis`` and ``claims`` are
        data["evidence_age_days"] = pd.Series(data["evidence_age_days"], dtype=object)
        gdf = gpd.GeoDataFrame(data, geometry="geometry", crs=self.G.graph.get("crs", "EPSG:4326"))
        gdf.attrs.update({"on": day.isoformat(), "traffic": traffic or "all", "view": str(v),
                          "horizon": v.horizon_text})
        return gdf.set_index("segment", drop=False).rename_axis(None)

    def _claimed_segments(self) -> np.ndarray:
        """Indexes (in :attr:`segments`, ascending) of the segments some claim or passage is about (baselines are not claims).

        From the events' windows (each target expanded over its routes' alignments, as the
        claims are compiled), without making an event.
        """
        got: np.ndarray | None = self.__dict__.get("_claimed")
        if got is None:
            b = self._base
            got = self._claimed = np.unique(b.seg[self._ea.kind[b.ev] != _col.KIND_BASELINE])
        return got

    def _edge_rows(self) -> list[tuple[Any, Any, str, dict[str, Any]]]:
        """``(u, v, key, data)`` of every segment, in :attr:`segments` order (listed once; ``data`` is the graph's own)."""
        got: list[tuple[Any, Any, str, dict[str, Any]]] | None = self.__dict__.get("_edges_listed")
        if got is None:
            e = self._edges  # (the graph as read when the timeline was made, as ``segments``)
            with gc_paused():  # (a tuple per segment: no collector pass over them meanwhile)
                got = self._edges_listed = list(zip(map(e.nodes.__getitem__, e.u.tolist()),
                                                    map(e.nodes.__getitem__, e.v.tolist()), e.keys, e.data))
        return got

    def _status_columns(self, day: dt.date, traffic: str | None, v: View,
                        segments: Sequence[int] | None = None) -> dict[str, list[Any]]:
        """The columns of :meth:`status` (lists, in its order) for every segment, or for ``segments`` (indexes) in that order."""
        every: Sequence[int] = range(len(self.segments)) if segments is None else segments
        # the evidence of the classes asked about; of the others (one class asked about) only the
        # status, from the vectorised snapshot
        focus_classes = (traffic,) if traffic else TRAFFIC_CLASSES
        by_class = {c: self._class_statuses(every, c, day, v) for c in focus_classes}
        names = np.asarray(_CODES, dtype=object)
        status_of_class = {c: ([cs.status for cs in by_class[c]] if c in by_class
                               else names[self._codes_on(day, c, v)[np.asarray(every, np.int64)]].tolist())
                           for c in TRAFFIC_CLASSES}
        # each claim's JSON form and each status's age and assumptions worked out once: segments
        # share statuses and claims (see _class_statuses). By identity: they are all alive
        # meanwhile, and hashing a Claim hashes all its fields
        as_dict: dict[int, dict[str, Any]] = {}
        about: dict[int, tuple[int | None, bool, frozenset[str]]] = {}

        def form(cl: Claim) -> dict[str, Any]:
            got = as_dict.get(id(cl))
            if got is None:
                got = as_dict[id(cl)] = cl.to_dict()
            return got

        def age_carried_assumptions(cs: ClassStatus) -> tuple[int | None, bool, frozenset[str]]:
            got = about.get(id(cs))
            if got is None:
                got = about[id(cs)] = (cs.evidence_age_days, cs.carried,
                                       frozenset(a for cl in cs.basis if (a := assumption_line(form(cl)))))
            return got

        # a status with nothing behind it (unknown, no claim, passage, baseline or uncertainty):
        # a row of such statuses has empty evidence columns, filled without looking further
        bare: dict[int, bool] = {}

        def is_bare(cs: ClassStatus) -> bool:
            got = bare.get(id(cs))
            if got is None:
                got = bare[id(cs)] = (cs.status == "unknown" and cs.evidence_age_days is None
                                      and not (cs.claims or cs.passages or cs.basis or cs.uncertain
                                               or cs.decision.set_aside or cs.carried))
            return got

        m = len(every)
        plain = np.ones(m, bool)  # the rows of bare statuses only
        for statuses in by_class.values():
            plain &= np.fromiter(map(is_bare, statuses), bool, m)
        # the columns as they are for such rows (a list each of its own), then the other rows
        c_status: list[Any] = [("unknown" if traffic else overall_status(["unknown"] * len(TRAFFIC_CLASSES)))] * m
        c_disputed: list[Any] = [False] * m
        c_uncertain: list[Any] = [False] * m
        c_claims: list[Any] = [[] for _ in range(m)]
        c_passages: list[Any] = [[] for _ in range(m)]
        c_basis: list[Any] = [[] for _ in range(m)]
        c_aside: list[Any] = [[] for _ in range(m)]
        c_carried: list[Any] = [False] * m
        c_age: list[Any] = [None] * m
        c_assumptions: list[Any] = [[] for _ in range(m)]
        for n_ in np.flatnonzero(~plain).tolist():
            focus = {c: by_class[c][n_] for c in focus_classes}
            claims: dict[str, dict[str, Any]] = {}
            passages: dict[str, dict[str, Any]] = {}
            basis: dict[str, dict[str, Any]] = {}
            aside: dict[str, dict[str, Any]] = {}
            for cls, cs in focus.items():
                for group, items in ((claims, cs.claims), (passages, cs.passages), (basis, cs.basis),
                                     (aside, cs.decision.set_aside)):
                    for cl in items:
                        entry = group.get(cl.event)
                        if entry is None:
                            entry = group[cl.event] = {**form(cl), "traffic": []}
                        entry["traffic"].append(cls)
            known = [age_carried_assumptions(cs) for cs in focus.values()]
            ages = [age for age, _, _ in known if age is not None]
            c_status[n_] = (focus[traffic].status if traffic
                            else overall_status(status_of_class[c][n_] for c in TRAFFIC_CLASSES))
            c_disputed[n_] = any(cs.status == "disputed" for cs in focus.values())
            c_uncertain[n_] = any(cs.uncertain for cs in focus.values())
            c_claims[n_] = list(claims.values())
            c_passages[n_] = list(passages.values())
            c_basis[n_] = list(basis.values())
            c_aside[n_] = list(aside.values())
            c_carried[n_] = any(carried for _, carried, _ in known)
            c_age[n_] = min(ages) if ages else None
            c_assumptions[n_] = sorted(set().union(*(lines for *_, lines in known)))
        listed = self._edge_rows()
        edges = listed if segments is None else [listed[i] for i in segments]
        return {
            "segment": [k for _, _, k, _ in edges], "name": [d.get("name", k) for _, _, k, d in edges],
            "routes": [list(d.get("routes", ())) for *_, d in edges],
            "u": [d.get("u", a) for a, _, _, d in edges], "v": [d.get("v", b) for _, b, _, d in edges],
            "status": c_status, **status_of_class, "disputed": c_disputed, "uncertain": c_uncertain,
            "claims": c_claims, "passages": c_passages, "basis": c_basis, "set_aside": c_aside, "carried": c_carried,
            "evidence_age_days": c_age, "assumptions": c_assumptions,
            "length_km": [d["length_km"] for *_, d in edges], "geometry": [d["geometry"] for *_, d in edges],
        }

    def _status_rows(self, day: dt.date, traffic: str | None, v: View, segments: Sequence[int]) -> list[dict[str, Any]]:
        """Rows of :meth:`status` (dicts, as ``to_dict("records")`` gives them) of ``segments`` (indexes), in that order."""
        with gc_paused():  # (as in status)
            cols = self._status_columns(day, traffic, v, segments)
            return [dict(zip(cols, values)) for values in zip(*cols.values())]

    def passages(self, *, on: DateLike, view: str | View = "consensus") -> list[dict[str, Any]]:
        """Return the convoy passages of a date: one dict per (event, segment)."""
        day = to_date(on)
        v = parse_view(view, self.ledger)
        out: dict[tuple[int, int], dict[str, Any]] = {}
        events = self._ea.events
        for e, si, ci in self._passages_of(day, v):
            entry = out.setdefault((e, si), {**self._claim(events[e], "passage", day).to_dict(),
                                             "segment": self.segments[si], "traffic": []})
            entry["traffic"].append(TRAFFIC_CLASSES[ci])
        return list(out.values())

    def _passages_of(self, day: dt.date, v: View, segments: np.ndarray | None = None) -> list[tuple[int, int, int]]:
        """The passages of a day in the view, as ``(event, segment, class)`` indexes in ledger, segment and class order.

        With ``segments`` (indexes), on those segments only.
        """
        ncls = len(TRAFFIC_CLASSES)
        d = day.toordinal()
        groups = self._passage_groups.get(d)
        if groups is None:
            return []
        if segments is not None:
            groups = groups[_col.isin(groups // ncls, segments)]
        lo = np.searchsorted(self._pass_key, groups * _col._BIG + d)
        cnt = np.searchsorted(self._pass_key, groups * _col._BIG + d + 1) - lo
        ev = self._pass_ev[_col.spans(lo, cnt)]
        g = np.repeat(groups, cnt)
        if v.kind == "claimant":
            ea = self._ea
            keep = ea.claimant[ev] == (ea.claimants.index(v.value) if v.value in ea.claimants else -1)
            ev, g = ev[keep], g[keep]
        elif v.kind == "source":
            keep = self._source_events(v.value)[ev]
            ev, g = ev[keep], g[keep]
        order = np.lexsort((g % ncls, g // ncls, ev))
        return list(zip(ev[order].tolist(), (g[order] // ncls).tolist(), (g[order] % ncls).tolist()))
