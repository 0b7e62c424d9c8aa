"""The timeline chart: each route's status over time, one row per route and traffic class.

Built with matplotlib's object API (:class:`matplotlib.figure.Figure`, no pyplot state),
so it works headless and in threads. Statuses are computed at change points only.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

import matplotlib.dates as mdates
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from . import _columnar as _col
from ._errors import DateError
from ._io import atomic_write
from .dates import DATE_MAX, DateLike
from .events import TRAFFIC_CLASSES
from .maps.extent import region_of
from .maps.style import STATUS_STYLES
from .network import Route, resolve_route, routes_of
from .query import Query
from .timeline import _CODE, _CODES, Horizon, View, _next_day

if TYPE_CHECKING:
    from .model import RoadModel
    from .timeline import _Cursor

__all__ = ["timeline_chart", "query_chart", "save_chart", "route_status", "default_routes", "CHART_FORMATS"]

#: File formats :func:`save_chart` writes, by file suffix.
CHART_FORMATS = {".png": "png", ".svg": "svg"}
_ONE_DAY = dt.timedelta(days=1)
_num = cast(Callable[[dt.date], float], mdates.date2num)  # matplotlib.dates has no type hints
_PASSAGE_COLOR = "#56B4E9"
#: How each route status is filled: face alpha and hatch (so the chart reads in greyscale).
_FILL = {
    "open": (1.0, ""),
    "closed": (1.0, ""),
    "disputed": (1.0, "////"),
    "unknown": (0.35, "...."),
}
_HATCH_COLOR = {"disputed": "#FFFFFF", "unknown": "#222222"}
_LABELS = {
    "open": "open",
    "closed": "closed (at least one segment)",
    "disputed": "disputed (claims differ)",
    "unknown": "unknown (no claim)",
}

#: How far right of its start the last day of the calendar is drawn: matplotlib dates end
#: with 9999-12-31 (10000-01-01 has no date), so that day is drawn a minute short.
_LAST_DAY_WIDTH = 1 - 1 / 1440
#: The most routes a chart shows when none are asked for (five rows each): on a network of
#: hundreds of routes the first ones with claims in the range, in file order; a note names how
#: to choose others.
MAX_DEFAULT_ROUTES = 20
#: Above this many days with a closure or opening claimed, their dashed lines are drawn in the
#: strip above the bars only (a note says so): hundreds of lines across the bars hide them.
MAX_EVENT_LINES = 60
#: The most route names listed in a chart's notes (routes not shown; unknown routes).
_MAX_NAMED = 12


def _x_after(day: dt.date) -> float:
    """Return the x coordinate where ``day`` ends (the start of the next day, when there is one)."""
    return _num(day) + (1 if day < DATE_MAX else _LAST_DAY_WIDTH)


def _add_days(day: dt.date, days: int) -> dt.date:
    """Return ``day`` plus ``days`` days, saturating at ``DATE_MAX``."""
    return day + dt.timedelta(days=days) if (DATE_MAX - day).days >= days else DATE_MAX


def route_status(statuses: Iterable[str]) -> str:
    """Combine the statuses of a route's segments (for one traffic class) into the route's.

    ``closed`` if any segment is closed (one closed segment blocks the road); else
    ``disputed`` if any is disputed; else ``open`` if every segment is open; else
    ``unknown`` (some segment has no claim).

    Examples
    --------
    >>> route_status(["open", "disputed", "closed"])
    'closed'
    >>> route_status(["open", "unknown"])
    'unknown'
    """
    vals = set(statuses)
    if not vals:
        return "unknown"
    if "closed" in vals:
        return "closed"
    if "disputed" in vals:
        return "disputed"
    if vals == {"open"}:
        return "open"
    return "unknown"


def default_routes(model: RoadModel) -> list[str]:
    """Return the routes the chart shows by default: every route that is not part of another.

    A route whose segments (over all its alignments) all belong to another route is left
    out (in the bundled data, the old road, the temporary link and the new road are parts of
    the Lachin corridor). Of two routes with the same segments, the first is kept.
    """
    routes: dict[str, Route] = routes_of(model.G)
    sets = {rid: set(r.segments) for rid, r in routes.items()}
    order = list(routes)
    keep = []
    for rid in order:
        mine = sets[rid]
        inside = any(mine < other or (mine == other and order.index(o) < order.index(rid))
                     for o, other in sets.items() if o != rid)
        if not inside:
            keep.append(rid)
    return keep


def _in_force(route: Route, day: dt.date) -> tuple[str, ...] | None:
    segs: dict[str, None] = {}
    found = False
    for al in route.alignments:
        a1 = al.end.upper if al.end is not None else DATE_MAX
        if al.start.lower <= day <= a1:
            found = True
            segs.update(dict.fromkeys(al.segments))
    return tuple(segs) if found else None


def _route_label(model: RoadModel, route: Route, day: dt.date) -> str:
    """Return ``name (A – B)`` with the display names of the ends of the alignment in force."""
    al = [a for a in route.alignments if a.start.lower <= day] or list(route.alignments)
    tl = model.timeline
    edges, index = tl._edges, tl._seg_index  # (the graph's edges as arrays: not a walk over every edge per route)
    at = np.array(sorted({index[s] for s in al[-1].segments if s in index}), np.int64)
    seen = np.column_stack([edges.u[at], edges.v[at]]).ravel()  # each edge's ends, in the graph's order
    nodes, first, degree = np.unique(seen, return_index=True, return_counts=True)
    ends = [edges.nodes[n] for n in nodes[degree == 1][np.argsort(first[degree == 1])].tolist()]  # as first met
    if len(ends) != 2:
        return route.name
    a, b = (str(model.G.nodes[n].get("name", n)) for n in ends)
    if a in route.name and b in route.name:
        return route.name
    return f"{route.name} ({a} – {b})"


@dataclass(frozen=True)
class _Span:
    start: dt.date
    last: dt.date  # inclusive (an exclusive end would not exist for a span ending on DATE_MAX)
    status: str


class _Statuses:
    """The routes' segments' statuses per (day, class), shared by all routes.

    Only the segments of ``routes`` are looked at: each day's snapshot is of those segments
    alone (a network of 100,000 segments charts a few routes; :func:`query_chart` makes one
    for the routes it may still chart, not for every route of the network). Days asked about
    in order, class by class (as :func:`_spans` does), carry the claims in force on every key
    from one to the next (a cursor, as range queries do) instead of searching each key's
    change points again. A year of the 20 routes of the synthetic M and L networks (825 and
    747 segments), four classes: 1.5 s and 4.5 s; the whole network's snapshot each day took
    5.0 s and some 30 s; a walk over only the segments touched each day (as :func:`periods`
    does) 1.3 s at M but 10.5 s at L, most of it building the index of every segment touched
    on every day, which pays only when the segments are many.
    """

    def __init__(self, model: RoadModel, view: View, routes: Sequence[Route],
                 progress: Callable[[int, int, dt.date], None] | None = None, total: int = 0, done: int = 0) -> None:
        tl = self._tl = model.timeline
        self.view = view
        self.routes = {r.id for r in routes}
        # called after each day and class: ``done`` of ``total`` (at most) so far
        self._progress, self._total, self.done = progress, total, done
        # per class: the last day looked up and the claims in force on every key then, carried forward
        self._cursors: dict[str, tuple[dt.date, _Cursor | None]] = {}
        index = tl._seg_index
        self._names = sorted({s for r in routes for s in r.segments if s in index}, key=index.__getitem__)
        self._index = {s: i for i, s in enumerate(self._names)}
        self._at = np.array([index[s] for s in self._names], np.int64)
        self._seen: dict[tuple[dt.date, str], np.ndarray] = {}
        self._positions: dict[tuple[str, ...], np.ndarray] = {}

    def codes(self, day: dt.date, traffic: str) -> np.ndarray:
        """The status codes (index ``_CODES``) of the routes' segments, in graph order, for one class on a day."""
        tl, at = self._tl, self._at
        cursor: _Cursor | None = None
        got = self._cursors.get(traffic)
        if got is not None and got[0] < day:
            cursor = got[1] or tl._cursor(got[0], traffic, self.view)
            if cursor is not None:
                cursor.advance(day.toordinal())
        self._cursors[traffic] = (day, cursor)
        snap = tl._snapshot(day, traffic, self.view, segments=at, cursor=cursor)
        codes = snap.codes[at]
        exact = np.flatnonzero(snap.exact[at])  # those the arrays cannot settle alone
        if len(exact):
            codes[exact] = [_CODE[cs.status] for cs in tl._class_statuses(at[exact].tolist(), traffic, day, self.view)]
        return codes

    def __call__(self, day: dt.date, traffic: str) -> np.ndarray:
        """:meth:`codes`, kept per (day, class) for the next route."""
        got = self._seen.get((day, traffic))
        if got is None:
            got = self._seen[(day, traffic)] = self.codes(day, traffic)
            self.done += 1
            if self._progress is not None:
                self._progress(self.done, self._total, day)
        return got

    def positions(self, segments: tuple[str, ...]) -> np.ndarray:
        """Where the given segments' codes are in :meth:`codes` (kept per tuple: a route's alignments repeat)."""
        got = self._positions.get(segments)
        if got is None:
            at = self._index
            got = self._positions[segments] = np.array([at[s] for s in segments if s in at], np.int64)
        return got


def _spans(model: RoadModel, route: Route, traffic: str, days: Sequence[dt.date], hi: dt.date,
           view: View, statuses: _Statuses | None = None) -> list[_Span]:
    statuses = statuses or _Statuses(model, view, [route])
    out: list[_Span] = []
    for i, day in enumerate(days):
        last = days[i + 1] - _ONE_DAY if i + 1 < len(days) else hi
        segs = _in_force(route, day)
        if segs is None:
            continue
        st = route_status(_CODES[c] for c in np.unique(statuses(day, traffic)[statuses.positions(segs)]).tolist())
        # out is not empty only after the first day, so day > DATE_MIN here
        if out and out[-1].status == st and out[-1].last == day - _ONE_DAY:
            out[-1] = _Span(out[-1].start, last, st)
        else:
            out.append(_Span(day, last, st))
    return out


def _key_events(model: RoadModel, routes: Sequence[Route], lo: dt.date, hi: dt.date) -> dict[dt.date, set[str]]:
    """Return {date: event types} of closures and openings that target a shown route or its segments.

    Read from the timeline's columns of the events (each distinct type and target cell looked
    at once): only the events found are made (at L a million events took 4.8 s to make).
    """
    tl = model.timeline
    ea = tl._ea
    targets = {r.id for r in routes} | {s for r in routes for s in r.segments}
    key = _col.per_event(ea.events, tl._codes, "type", lambda e: e.type in ("closure", "opening"), bool)
    key &= (ea.start_lo >= lo.toordinal()) & (ea.start_lo <= hi.toordinal())
    if key.any():
        key &= _col.per_event(ea.events, tl._codes, "target", lambda e: not targets.isdisjoint(e.targets), bool)
    out: dict[dt.date, set[str]] = {}
    for e in np.flatnonzero(key).tolist():
        ev = ea.events[e]
        out.setdefault(ev.start.lower, set()).add(ev.type)
    return out


def _passage_marks(model: RoadModel, routes: Sequence[Route], days: Sequence[dt.date],
                   v: View) -> dict[dt.date, dict[str, set[str]]]:
    """The passages on the routes' segments: ``{day: {class: segments}}``, for the days with any."""
    tl = model.timeline
    index = tl._seg_index
    at = np.array(sorted({index[s] for r in routes for s in r.segments if s in index}), np.int64)
    out: dict[dt.date, dict[str, set[str]]] = {}
    for d in days:
        for _, si, ci in tl._passages_of(d, v, at):
            out.setdefault(d, {}).setdefault(TRAFFIC_CLASSES[ci], set()).add(tl.segments[si])
    return out


def _cluster(days: Sequence[dt.date], gap: dt.timedelta) -> list[list[dt.date]]:
    groups: list[list[dt.date]] = []
    for d in sorted(days):
        if groups and d - groups[-1][-1] <= gap:
            groups[-1].append(d)
        else:
            groups.append([d])
    return groups


def _range_text(days: Sequence[dt.date]) -> str:
    a, b = days[0], days[-1]
    if a == b:
        return f"{a.day} {a:%b %Y}"
    if (a.year, a.month) == (b.year, b.month):
        return f"{a.day}–{b.day} {b:%b %Y}"
    if a.year == b.year:
        return f"{a.day} {a:%b} – {b.day} {b:%b %Y}"
    return f"{a.day} {a:%b %Y} – {b.day} {b:%b %Y}"


def timeline_chart(
    model: RoadModel,
    *,
    start: DateLike | None = None,
    end: DateLike | None = None,
    view: str | View = "consensus",
    horizon: Horizon = "default",
    routes: Sequence[str] | None = None,
) -> Figure:
    """Return a chart of each route's status over time, one row per route and traffic class.

    A route's status for a traffic class on a date combines the statuses of the segments of
    its alignment(s) in force on that date (the statuses of the shown routes' segments, found as
    :meth:`Timeline.status_codes <karabakh_routes.Timeline.status_codes>` finds them, then :func:`route_status`):
    ``closed`` if any segment is closed, else ``disputed`` if any is disputed, else ``open``
    if all are open, else ``unknown``. Before a route's first alignment (the road not yet in
    use) its row is empty. Statuses are computed at change points only (plus the range start
    and the alignment changes), never day by day.

    Spans are coloured as on the maps and filled so that they also read in greyscale:
    ``disputed`` is hatched, ``unknown`` is pale and dotted. Triangles mark convoy passages
    reported for that class. Dashed vertical lines mark the closures and openings claimed for
    the shown routes; dates closer together than about 1.5 % of the range share one label.
    Above :data:`MAX_EVENT_LINES` such dates, the lines are drawn in the strip above the bars
    only (a note says so).

    Parameters
    ----------
    model
        From :func:`karabakh_routes.load`.
    start, end
        The range (inclusive), up to 9999-12-31 at most. By default the dataset's period
        (``dates`` in its ``region.json``, ``model.region``) where it states one; otherwise from
        the later of the first change point and the first alignment of a shown route, to one
        month after the last change point or the start, whichever is later (so the last state
        is visible).
    view
        How claimants are combined.
    horizon
        Days an open-ended claim is carried past its as-of date (default 30); None = no bound.
        Past it a claim is no longer drawn: the row shows what the sources say, not more.
    routes
        Route ids or any of their aliases, top to bottom; by default :func:`default_routes`
        (every route that is not part of another one), in file order, leaving out routes with no
        claim at all in the range (their names are listed under the title), and at most
        :data:`MAX_DEFAULT_ROUTES` of them (the first with claims; a note under the title says so).

    Returns
    -------
    matplotlib.figure.Figure
        Save it with :func:`save_chart`, or show it in a notebook.

    Raises
    ------
    DateError
        If ``start`` is after ``end``.
    KeyError
        If a route is unknown (the message lists known ones).

    See Also
    --------
    karabakh_routes.maps.timeline_map.timeline_map : the same over a map, with a slider.

    Examples
    --------
    >>> from karabakh_routes import load
    >>> fig = timeline_chart(load(), start="2022-12-01", end="2023-10-31")
    >>> len(fig.axes[1].get_yticks()) % 4
    0
    """
    return query_chart(model, model.query(start=start, end=end, view=view, horizon=horizon), routes=routes)


def query_chart(model: RoadModel, q: Query, *, routes: Sequence[str] | None = None,
                progress: Callable[[int, int, dt.date], None] | None = None) -> Figure:
    """Return :func:`timeline_chart` of a parsed :class:`~karabakh_routes.query.Query` (its range and view).

    The chart has a row per traffic class, so ``q.traffic`` is not used. Nothing is parsed
    again: ``q`` comes from :meth:`RoadModel.query <karabakh_routes.RoadModel.query>`.
    ``progress(done, total, day)`` is called after each day and class looked up (``total``
    days × classes at most: the routes' alignments may not need them all).
    """
    v = q.view
    all_routes: dict[str, Route] = routes_of(model.G)
    if routes is not None:
        found = {r: (r if r in all_routes else resolve_route(model.G, r)) for r in routes}
        unknown = [r for r, rid in found.items() if rid is None]
        if unknown:
            known = list(all_routes)
            msg = (f"Unknown route(s) {', '.join(map(repr, unknown))}. Known routes: {', '.join(known[:_MAX_NAMED])}"
                   + (f" and {len(known) - _MAX_NAMED} more (see `karabakh-routes segments`)." if len(known) > _MAX_NAMED
                      else "."))
            raise KeyError(msg)
        ids = list(dict.fromkeys(rid for rid in found.values() if rid is not None))
    else:
        ids = default_routes(model)
    shown = [all_routes[r] for r in ids]
    points = model.timeline.change_points(horizon=v.horizon)
    first_alignment = min((al.start.lower for r in shown for al in r.alignments), default=None)
    region = region_of(model)
    region_start, region_end = region.start_date(), region.end_date()
    if q.start is not None:
        lo = q.start
    elif region_start is not None:
        lo = region_start
    else:
        lo = max([d for d in (points[0] if points else None, first_alignment) if d is not None],
                 default=dt.date.today())
    if q.end is not None:
        hi = q.end
    elif region_end is not None and region_end >= lo:
        hi = region_end
    else:
        hi = _add_days(max(points[-1], lo) if points else lo, 31)
    if lo > hi:
        msg = f"start {lo.isoformat()} is after end {hi.isoformat()}; give a start on or before the end."
        raise DateError(msg)
    bounds = {al.start.lower for r in shown for al in r.alignments}
    bounds |= {_next_day(al.end.upper) for r in shown for al in r.alignments if al.end is not None}
    days = sorted({lo} | set(model.timeline.change_points(lo, hi, horizon=v.horizon))
                  | {d for d in bounds if lo < d <= hi})

    table: dict[str, dict[str, list[_Span]]] = {}
    silent: list[Route] = []
    speaking: list[Route] = []
    cut = False
    statuses: _Statuses | None = None
    per_batch = len(days) * len(TRAFFIC_CLASSES)
    for n, r in enumerate(shown):  # (by default only until MAX_DEFAULT_ROUTES routes with claims are found)
        if routes is None and len(speaking) == MAX_DEFAULT_ROUTES:
            cut = True
            break
        if statuses is None or r.id not in statuses.routes:
            # the statuses of the segments of as many routes as may still be charted (all those
            # asked for), not of every route of a large network: those routes' alone are looked up
            batch = shown[n:n + MAX_DEFAULT_ROUTES - len(speaking)] if routes is None else shown
            done = statuses.done if statuses is not None else 0
            statuses = _Statuses(model, v, batch, progress, done + per_batch, done)
        table[r.id] = {cls: _spans(model, r, cls, days, hi, v, statuses) for cls in TRAFFIC_CLASSES}
        quiet = all(sp.status == "unknown" for spans in table[r.id].values() for sp in spans)
        (silent if quiet else speaking).append(r)
    if routes is None and speaking:
        shown = speaking
    else:
        shown, silent = [r for r in shown if r.id in table], []
    notes = []
    if cut:
        notes.append(f"The first {MAX_DEFAULT_ROUTES} routes with claims in this range, of {len(ids)} routes; "
                     "choose routes with routes= (command line: --route)")
    if silent:
        names = [r.name for r in silent]
        notes.append("Not shown (no claim in this range): " + ", ".join(names[:_MAX_NAMED])
                     + (f" and {len(names) - _MAX_NAMED} more" if len(names) > _MAX_NAMED else ""))

    passed = _passage_marks(model, shown, days, v)
    key = _key_events(model, shown, lo, hi)
    across = len(key) <= MAX_EVENT_LINES  # the key events' lines drawn across the bars too
    if not across:
        notes.append(f"{len(key)} days with a closure or opening claimed: marked above the bars only "
                     f"(more than {MAX_EVENT_LINES} would hide the bars)")

    rows_per_route = len(TRAFFIC_CLASSES) + 1  # a heading row, then one row per class
    n_rows = rows_per_route * len(shown)
    fig = Figure(figsize=(13, 3.3 + 0.27 * n_rows + 0.25 * len(notes)), layout="constrained")
    # the notes in a row of their own above the key events: the events' rotated labels may run
    # past the top of their axes, and the layout then keeps the notes clear of them
    gs = fig.add_gridspec(2 + bool(notes), 1, height_ratios=[*([0.25 * len(notes)] if notes else []), 2.1,
                                                             0.27 * n_rows])
    ax_ev = fig.add_subplot(gs[-2])
    ax = fig.add_subplot(gs[-1], sharex=ax_ev)

    yticks: list[float] = []
    ylabels: list[str] = []
    y = 0.0
    for route in shown:
        ax.text(_num(lo), y + 0.1, "  " + _route_label(model, route, hi), ha="left", va="center",
                fontsize=10.5, fontweight="bold", color="#111", parse_math=False,  # data text shown literally
                zorder=5, bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none", "pad": 1.0})
        y += 1
        route_segs = set(route.segments)
        for cls in TRAFFIC_CLASSES:
            bars: dict[str, list[tuple[float, float]]] = {}  # one collection per status and row
            for sp in table[route.id][cls]:
                bars.setdefault(sp.status, []).append((_num(sp.start), _x_after(sp.last) - _num(sp.start)))
            for status, ranges in bars.items():
                alpha, hatch = _FILL[status]
                color = STATUS_STYLES[status].color
                ax.broken_barh(ranges, (y - 0.36, 0.72), facecolors=color, alpha=alpha, hatch=hatch or None,
                               edgecolor=_HATCH_COLOR[status] if hatch else color, linewidth=0)
            marks = [d for d, by_class in passed.items()
                     if not route_segs.isdisjoint(by_class.get(cls, ()))
                     and (segs := _in_force(route, d)) is not None and route_segs.intersection(segs)]
            if marks:
                ax.plot([_num(d) + 0.5 for d in marks], [y - 0.36] * len(marks), linestyle="none",
                        marker="v", markersize=7, markerfacecolor=_PASSAGE_COLOR, markeredgecolor="#111",
                        markeredgewidth=0.8, zorder=4)
            yticks.append(y)
            ylabels.append(cls)
            y += 1
    ax.set_ylim(y - 0.4, -0.6)
    ax.set_yticks(yticks, ylabels, fontsize=9.5)
    ax.tick_params(axis="y", length=0)
    ax.set_xlim(_num(lo), _x_after(hi))
    locator = mdates.AutoDateLocator(minticks=6, maxticks=16)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.grid(axis="x", color="#bbb", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)

    gap = dt.timedelta(days=max(1, round(((hi - lo).days + 1) * 0.015)))
    ax_ev.set_ylim(0, 1)
    ax_ev.axis("off")
    for group in _cluster(list(key), gap):
        types = sorted(set().union(*(key[d] for d in group)))
        for d in group:
            if across:
                ax.axvline(_num(d), color="#444", linestyle=(0, (4, 3)), linewidth=0.8, zorder=3)
            ax_ev.axvline(_num(d), ymax=0.08, color="#333", linestyle=(0, (4, 3)), linewidth=0.9)
        ax_ev.text(_num(group[0]), 0.1, f"{_range_text(group)}: {', '.join(types)}", rotation=90,
                   ha="center", va="bottom", fontsize=8.5, color="#111")
    fig.suptitle(f"Road status by route and traffic class, {lo.isoformat()} to {hi.isoformat()} "
                 f"(view: {v}; claims carried up to {v.horizon_text})",
                 fontsize=13, fontweight="bold", x=0.01, ha="left", parse_math=False)
    if notes:
        ax_note = fig.add_subplot(gs[0])
        ax_note.axis("off")
        ax_note.text(0, 1, "\n".join(notes), transform=ax_note.transAxes, ha="left", va="top", fontsize=9.5,
                     color="#333", parse_math=False)  # data text shown literally

    handles: list[Patch | Line2D] = []
    for status, (alpha, hatch) in _FILL.items():
        color = STATUS_STYLES[status].color
        handles.append(Patch(facecolor=color, alpha=alpha, hatch=hatch or None,
                             edgecolor=_HATCH_COLOR[status] if hatch else color, linewidth=0,
                             label=_LABELS[status]))
    handles.append(Line2D([], [], linestyle="none", marker="v", markersize=7, markerfacecolor=_PASSAGE_COLOR,
                          markeredgecolor="#111", label="convoy passage reported"))
    handles.append(Line2D([], [], color="#333", linestyle=(0, (4, 3)), linewidth=0.9,
                          label="closure / opening claimed"))
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), frameon=False, fontsize=9.5,
               handlelength=2.4)
    return fig


def save_chart(fig: Figure, path: str | os.PathLike[str], *, dpi: int = 110) -> Path:
    """Write a chart to a PNG or SVG file, chosen by the file's suffix.

    The file is written atomically: to a temporary file in the same folder, then renamed,
    so an existing file is left untouched if anything fails.

    Parameters
    ----------
    fig
        From :func:`timeline_chart`.
    path
        Ends in ``.png`` or ``.svg``.
    dpi
        Resolution of a PNG.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    ValueError
        If the suffix is not ``.png`` or ``.svg``.
    """
    target = Path(path)
    fmt = CHART_FORMATS.get(target.suffix.lower())
    if fmt is None:
        msg = f"Cannot write a chart to {str(target)!r}: the file name must end in .png or .svg."
        raise ValueError(msg)
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    with atomic_write(target, "wb") as fh:
        fig.savefig(fh, format=fmt, dpi=dpi, metadata=metadata)
    return target
