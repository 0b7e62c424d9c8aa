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

from ._errors import DateError
from ._io import atomic_write
from .dates import DATE_MAX, DateLike
from .events import TRAFFIC_CLASSES
from .maps.extent import region_of
from .maps.style import STATUS_STYLES
from .network import Route, resolve_route, routes_of
from .query import Query
from .timeline import _CODES, Horizon, View, _next_day

if TYPE_CHECKING:
    from .model import RoadModel

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
    segs = set(al[-1].segments)
    degree: dict[str, int] = {}
    for u, w, k in model.G.edges(keys=True):
        if k in segs:
            degree[u] = degree.get(u, 0) + 1
            degree[w] = degree.get(w, 0) + 1
    ends = [n for n, d in degree.items() if d == 1]
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
    """The routes' segments' statuses per (day, class), from one vectorised snapshot each, shared by all routes.

    Only the segments of ``routes`` are read out of each snapshot (a network of 100,000
    segments charts a few routes: a dict of every segment per day and class was most of a
    chart's time).
    """

    def __init__(self, model: RoadModel, view: View, routes: Iterable[Route],
                 progress: Callable[[int, int, dt.date], None] | None = None, total: int = 0) -> None:
        tl = self._tl = model.timeline
        self.view = view
        self._progress, self._total = progress, total  # (called after each snapshot: ``total`` at most)
        index = {s: i for i, s in enumerate(tl.segments)}
        self._names = sorted({s for r in routes for s in r.segments if s in index}, key=index.__getitem__)
        self._at = np.array([index[s] for s in self._names], np.int64)
        self._seen: dict[tuple[dt.date, str], dict[str, str]] = {}

    def __call__(self, day: dt.date, traffic: str) -> dict[str, str]:
        if (day, traffic) not in self._seen:
            codes = self._tl._codes_on(day, traffic, self.view)[self._at]
            self._seen[(day, traffic)] = dict(zip(self._names, [_CODES[c] for c in codes.tolist()]))
            if self._progress is not None:
                self._progress(len(self._seen), self._total, day)
        return self._seen[(day, traffic)]


def _spans(model: RoadModel, route: Route, traffic: str, days: Sequence[dt.date], hi: dt.date,
           view: View, statuses: _Statuses | None = None) -> list[_Span]:
    statuses = statuses or _Statuses(model, view, [route])
    out: list[_Span] = []
    for i, day in enumerate(days):
        last = days[i + 1] - _ONE_DAY if i + 1 < len(days) else hi
        segs = _in_force(route, day)
        if segs is None:
            continue
        on_day = statuses(day, traffic)
        st = route_status(on_day[s] for s in segs)
        # out is not empty only after the first day, so day > DATE_MIN here
        if out and out[-1].status == st and out[-1].last == day - _ONE_DAY:
            out[-1] = _Span(out[-1].start, last, st)
        else:
            out.append(_Span(day, last, st))
    return out


def _key_events(model: RoadModel, routes: Sequence[Route], lo: dt.date, hi: dt.date) -> dict[dt.date, set[str]]:
    """Return {date: event types} of closures and openings that target a shown route or its segments."""
    targets = {r.id for r in routes} | {s for r in routes for s in r.segments}
    out: dict[dt.date, set[str]] = {}
    for ev in model.ledger.events:
        if ev.type in ("closure", "opening") and targets.intersection(ev.targets) and lo <= ev.start.lower <= hi:
            out.setdefault(ev.start.lower, set()).add(ev.type)
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
    its alignment(s) in force on that date (:meth:`Timeline.status_codes
    <karabakh_routes.Timeline.status_codes>` for every segment at once, then :func:`route_status`):
    ``closed`` if any segment is closed, else ``disputed`` if any is disputed, else ``open``
    if all are open, else ``unknown``. Before a route's first alignment (the road not yet in
    use) its row is empty. Statuses are computed at change points only (plus the range start
    and the alignment changes), never day by day.

    Spans are coloured as on the maps and filled so that they also read in greyscale:
    ``disputed`` is hatched, ``unknown`` is pale and dotted. Triangles mark convoy passages
    reported for that class. Dashed vertical lines mark the closures and openings claimed for
    the shown routes; dates closer together than about 1.5 % of the range share one label.

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
    passage_days = {d: model.timeline.passages(on=d, view=v) for d in days}

    statuses = _Statuses(model, v, shown, progress, len(days) * len(TRAFFIC_CLASSES))
    table: dict[str, dict[str, list[_Span]]] = {}
    silent: list[Route] = []
    speaking: list[Route] = []
    cut = False
    for r in shown:  # (by default only until MAX_DEFAULT_ROUTES routes with claims are found)
        if routes is None and len(speaking) == MAX_DEFAULT_ROUTES:
            cut = True
            break
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
            for sp in table[route.id][cls]:
                alpha, hatch = _FILL[sp.status]
                color = STATUS_STYLES[sp.status].color
                ax.broken_barh([(_num(sp.start), _x_after(sp.last) - _num(sp.start))], (y - 0.36, 0.72),
                               facecolors=color, alpha=alpha, hatch=hatch or None,
                               edgecolor=_HATCH_COLOR[sp.status] if hatch else color, linewidth=0)
            marks = [d for d, ps in passage_days.items()
                     if any(p["segment"] in route_segs and cls in p["traffic"] for p in ps)
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
