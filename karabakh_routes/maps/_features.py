"""What both maps draw for a road segment, as plain data: GeoJSON features and the slider's table.

Nothing here is a template. :func:`segment_feature` turns one row of
:meth:`RoadModel.status <karabakh_routes.model.RoadModel.status>` into a GeoJSON ``Feature``
dict whose properties carry the segment's status and its popup and tooltip as escaped HTML
(:func:`segment_popup`, :func:`segment_tooltip`); the date map draws these, and the timeline
map draws the same features and swaps their properties as its slider moves.
:func:`slider_table` computes what the slider shows at each of its steps
(:class:`SliderTable`: steps × segments → status, popup, tooltip; passages; "until" labels),
and :meth:`SliderTable.to_data` packs it compactly for the page. :func:`road_layer` is the one
folium layer both maps draw features with (``GeoJson`` with ``GeoJsonPopup``/``GeoJsonTooltip``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._errors import DateError
from ..dates import DateLike, to_date
from ..events import TRAFFIC_CLASSES
from ..query import Query
from ..timeline import Horizon, View
from . import _elements as el
from ._html import ClaimItems, claims_html, esc
from .style import PASSAGE_OVERLAY, STATUS_STYLES, style_for

if TYPE_CHECKING:
    from ..model import RoadModel

__all__ = [
    "segment_popup", "segment_tooltip", "segment_feature", "road_layer", "SliderTable", "slider_table",
    "query_slider_table", "timeline_steps", "FEATURE_KEY",
]

#: The feature property that identifies a segment.
FEATURE_KEY = "segment"
_ONE_DAY = dt.timedelta(days=1)
#: Where popup HTML is cut into fragments that are stored once each (joining the pieces
#: gives the popup back exactly; the cut points only decide how much is shared). One lookahead
#: that starts at a ``<``: the same cuts as one lookahead per tag, four times faster (a
#: month's timeline map of a 10,000-segment network cuts 150,000 popups).
_FRAGMENT_BOUNDARY = re.compile(r"(?=<(?:li>|div |/ul>|table>|p>))")
#: One character per status code in the packed table.
_CODE_CHARS = "0123456789abcdefghijklmnopqrstuvwxyz"


def timeline_steps(
    model: RoadModel, *, start: DateLike | None = None, end: DateLike | None = None, horizon: Horizon = "default"
) -> list[dt.date]:
    """Return the dates the slider stops at: ``start`` (when given) and every change point up to ``end``.

    Parameters
    ----------
    model
        From :func:`karabakh_routes.load`.
    start, end
        The range (inclusive); None = from the first / up to the last change point.
    horizon
        The carrying horizon of the view the steps are for (it moves the change points).

    Returns
    -------
    list of datetime.date
        Sorted, without duplicates. Between two consecutive steps every status is the same.

    Raises
    ------
    DateError
        If ``start`` is after ``end``, or the range holds no change point and no ``start``.
    """
    lo = to_date(start, what="start") if start is not None else None
    hi = to_date(end, what="end") if end is not None else None
    return _steps(model, lo, hi, horizon)


def _steps(model: RoadModel, lo: dt.date | None, hi: dt.date | None, horizon: Horizon) -> list[dt.date]:
    """:func:`timeline_steps` of parsed dates."""
    if lo is not None and hi is not None and lo > hi:
        msg = f"start {lo.isoformat()} is after end {hi.isoformat()}; give a start on or before the end."
        raise DateError(msg)
    steps = list(model.timeline.change_points(lo, hi, horizon=horizon))
    if lo is not None and (not steps or steps[0] != lo):
        steps.insert(0, lo)
    if not steps:
        msg = ("No change point in the range: the ledger has no event"
               + (f" up to {hi.isoformat()}" if hi else "") + ". Give a start date to draw the state on that date.")
        raise DateError(msg)
    return steps


def segment_popup(model: RoadModel, row: Mapping[str, Any], traffic: str | None) -> str:
    """Return a segment's popup (escaped HTML): its status, per-class statuses and the claims behind it.

    ``row`` is one row of ``model.status(...)`` (a mapping or a pandas row).
    """
    return _Popups(model, traffic)(row)


class _Popups:
    """:func:`segment_popup` for many rows of one map, the pieces that repeat made once.

    A segment's heading and footer are the same at every step, a claim's item on every segment
    it is about (:class:`~karabakh_routes.maps._html.ClaimItems`), the table of the classes'
    statuses on every segment that has the same statuses.
    """

    def __init__(self, model: RoadModel, traffic: str | None) -> None:
        self.sources, self.traffic = model.ledger.sources, traffic
        self.item = ClaimItems(self.sources)
        self._tables: dict[tuple[Any, ...], str] = {}
        self._footers: dict[tuple[Any, ...], str] = {}

    def __call__(self, row: Mapping[str, Any]) -> str:
        status, traffic, sources, item = row["status"], self.traffic, self.sources, self.item
        parts = [f"<div class='kr-popup'><h4>{esc(row['name'])}</h4>",
                 f"<div>Status: <b>{esc(status)}</b>" + (f" for {esc(traffic)}" if traffic else "") + "</div>"]
        if row.get("uncertain"):
            parts.append("<div><i>An event date near this day is uncertain; the answer is flagged.</i></div>")
        per_class = tuple(row[c] for c in TRAFFIC_CLASSES)
        table = self._tables.get(per_class)
        if table is None:
            table = self._tables[per_class] = ("<table>" + "".join(
                f"<tr><td>{esc(c)}</td><td>{esc(s)}</td></tr>" for c, s in zip(TRAFFIC_CLASSES, per_class)) + "</table>")
        parts.append(table)
        if row["disputed"]:
            parts.append("<div class='kr-disputed'>Sources disagree about this segment on this date; "
                         "every side is listed below.</div>")
        aside = {c["event"] for c in row["set_aside"]}
        parts.append(claims_html([c for c in row["claims"] if c["event"] not in aside], sources, item=item))
        if len(row["passages"]):
            parts.append(claims_html(row["passages"], sources, heading="Passages reported this day", item=item))
        if len(row["set_aside"]):
            parts.append(claims_html(row["set_aside"], sources, item=item,
                                     heading="Set aside: carried past its source's date, and a newer report says otherwise"))
        baselines = [b for b in row["basis"] if b["kind"] == "baseline"]
        if baselines:
            parts.append(claims_html(baselines, sources, item=item,
                                     heading="Assumed where no claim is in force (dataset baseline)"))
        routes = tuple(row["routes"])
        end_key = (row["segment"], row["length_km"], routes)
        footer = self._footers.get(end_key)
        if footer is None:
            footer = self._footers[end_key] = (f"<div class='kr-src'>Segment <code>{esc(row['segment'])}</code>, "
                                               f"{row['length_km']:.1f} km, routes: {esc(', '.join(routes))}</div></div>")
        parts.append(footer)
        return "".join(parts)


def segment_tooltip(name: str, status: str) -> str:
    """Return a segment's tooltip (escaped HTML): its name and its status's legend label.

    Examples
    --------
    >>> segment_tooltip("A <b>", "closed")
    'A &lt;b&gt;: closed (all traffic)'
    """
    return f"{esc(name)}: {esc(style_for(status).label)}"


def segment_feature(model: RoadModel, row: Mapping[str, Any], traffic: str | None, *,
                    details: bool = True, popup: Callable[[Mapping[str, Any]], str] | None = None) -> dict[str, Any]:
    """Return a GeoJSON ``Feature`` for one row of ``model.status(...)``.

    Properties: ``segment`` (id), ``status``, and ``name``, ``popup`` and ``tooltip``
    (escaped HTML; the maps' ``GeoJsonPopup`` and ``GeoJsonTooltip`` show the last two).
    With ``details=False`` popup and tooltip are empty strings, for a map whose script
    fills them in (the timeline map's slider); only ``segment``, ``name``, ``status`` and
    ``geometry`` are read of the row. ``popup`` makes the popup (default
    :func:`segment_popup`; a map of many rows passes one that shares its pieces).
    """
    status = row["status"] if row["status"] in STATUS_STYLES else "unknown"
    return {
        "type": "Feature",
        "geometry": row["geometry"].__geo_interface__,
        "properties": {
            FEATURE_KEY: row["segment"],
            "name": esc(row["name"]),
            "status": status,
            "popup": (popup(row) if popup is not None else segment_popup(model, row, traffic)) if details else "",
            "tooltip": segment_tooltip(row["name"], status) if details else "",
        },
    }


@dataclass(frozen=True)
class SliderTable:
    """What the timeline slider shows at each step: steps × segments → status, popup, tooltip.

    Steps are indexed from 0 (``steps[i]`` is the date of step ``i``); the accessors take
    a step index or a date. Popups are stored once each: ``popup_index[i][k]`` indexes
    ``popups`` for step ``i`` and segment ``segments[k]``.
    """

    steps: tuple[dt.date, ...]
    segments: tuple[str, ...]
    names: tuple[str, ...]
    statuses: tuple[tuple[str, ...], ...]
    popups: tuple[str, ...]
    popup_index: tuple[tuple[int, ...], ...]
    passages: tuple[tuple[str, ...], ...]
    until: tuple[str, ...]
    traffic: str | None = None

    def step_index(self, step: int | DateLike) -> int:
        """Return the index of a step given as an index, or as a date (the step in force on that date)."""
        if isinstance(step, int):
            if not -len(self.steps) <= step < len(self.steps):
                msg = f"step {step} is out of range: the slider has {len(self.steps)} steps."
                raise IndexError(msg)
            return step % len(self.steps)
        day = to_date(step)
        before = [i for i, d in enumerate(self.steps) if d <= day]
        if not before:
            msg = f"{day.isoformat()} is before the slider's first step {self.steps[0].isoformat()}."
            raise IndexError(msg)
        return before[-1]

    def _k(self, segment: str) -> int:
        try:
            return self.segments.index(segment)
        except ValueError:
            msg = f"no segment {segment!r} in the table"
            raise KeyError(msg) from None

    def status(self, step: int | DateLike, segment: str) -> str:
        """Return a segment's status at a step."""
        return self.statuses[self.step_index(step)][self._k(segment)]

    def popup(self, step: int | DateLike, segment: str) -> str:
        """Return a segment's popup (escaped HTML) at a step."""
        return self.popups[self.popup_index[self.step_index(step)][self._k(segment)]]

    def tooltip(self, step: int | DateLike, segment: str) -> str:
        """Return a segment's tooltip (escaped HTML) at a step."""
        k = self._k(segment)
        return segment_tooltip(self.names[k], self.statuses[self.step_index(step)][k])

    def passages_on(self, step: int | DateLike) -> tuple[str, ...]:
        """Return the segments with a convoy passage reported at a step."""
        return self.passages[self.step_index(step)]

    def to_data(self) -> dict[str, Any]:
        """Return the table packed for the page (plain JSON types; rendered by ``TimelineSlider``).

        Keys: ``key`` (the feature property naming a segment), ``segments``, ``dates``,
        ``until``, ``statuses`` (status names, indexed by code), ``styles`` (Leaflet path
        options by status name), ``codes`` (per step, one character per segment: its status
        code in base 36), ``tooltips`` (per segment, ``{code: html}`` for the codes it
        takes), ``popups`` (per step, per segment, an index into ``popup_parts``),
        ``popup_parts`` (per popup, indexes into ``html``; joined they give the popup),
        ``html`` (the distinct popup fragments), ``passages`` (per step, segment indexes),
        ``passage_style`` (Leaflet path options).
        """
        names = list(STATUS_STYLES)
        code_of = {s: i for i, s in enumerate(names)}
        codes = ["".join(_CODE_CHARS[code_of[s]] for s in row) for row in self.statuses]
        tooltips: list[dict[str, str]] = [{} for _ in self.segments]
        for row in self.statuses:
            for k, s in enumerate(row):
                tooltips[k].setdefault(_CODE_CHARS[code_of[s]], segment_tooltip(self.names[k], s))
        fragment_index: dict[str, int] = {}
        popup_parts = [[fragment_index.setdefault(f, len(fragment_index)) for f in _FRAGMENT_BOUNDARY.split(p) if f]
                       for p in self.popups]
        seg_index = {s: k for k, s in enumerate(self.segments)}
        color, weight, opacity = PASSAGE_OVERLAY
        return {
            "key": FEATURE_KEY, "segments": list(self.segments),
            "dates": [d.isoformat() for d in self.steps], "until": list(self.until),
            "statuses": names, "styles": {s: STATUS_STYLES[s].leaflet() for s in names},
            "codes": codes, "tooltips": tooltips,
            "popups": [list(p) for p in self.popup_index], "popup_parts": popup_parts, "html": list(fragment_index),
            "passages": [[seg_index[s] for s in p] for p in self.passages],
            "passage_style": {"color": color, "weight": weight, "opacity": opacity, "interactive": False},
        }


def slider_table(
    model: RoadModel,
    *,
    start: DateLike | None = None,
    end: DateLike | None = None,
    traffic: str | None = None,
    view: str | View = "consensus",
    horizon: Horizon = "default",
) -> SliderTable:
    """Return what the timeline slider shows: every step's status, popup and passages per segment.

    The steps are :func:`timeline_steps`: ``start`` (when
    given) and every change point up to ``end``; between two steps nothing changes. Each
    popup equals the date map's popup for the segment on the step's date.

    Parameters
    ----------
    model
        From :func:`karabakh_routes.load`.
    start, end
        The range (inclusive); by default every change point of the data.
    traffic
        A traffic class, or None for the overall status over all classes.
    view
        How claimants are combined.
    horizon
        Days an open-ended claim is carried past its as-of date (default 30); None = no bound.

    Raises
    ------
    DateError
        If the range is empty.

    Examples
    --------
    >>> from karabakh_routes import load
    >>> t = slider_table(load(), start="2023-07-01", end="2023-07-31", traffic="humanitarian")
    >>> t.steps[0].isoformat(), t.status("2023-07-20", "hakari_bridge__lachin_checkpoint")
    ('2023-07-01', 'closed')
    """
    return query_slider_table(model, model.query(start=start, end=end, traffic=traffic, view=view, horizon=horizon))


def query_slider_table(model: RoadModel, q: Query, *, within: Sequence[int] | None = None,
                       progress: Callable[[int, int, dt.date], None] | None = None) -> SliderTable:
    """Return :func:`slider_table` of a parsed :class:`~karabakh_routes.query.Query` (its range, class and view).

    Nothing is parsed again: ``q`` comes from :meth:`RoadModel.query <karabakh_routes.RoadModel.query>`.
    ``within``: only these segments (indexes in ``timeline.segments``, ascending; an area's,
    :func:`karabakh_routes.area.segments_in`), and only the steps where one of them changes.
    ``progress(done, total, day)`` is called after each step.
    """
    traffic, v = q.traffic, q.view
    steps = _steps(model, q.start, q.end, v.horizon)
    last = q.end
    tl = model.timeline
    every = list(range(len(tl.segments))) if within is None else [int(i) for i in within]
    segments = tuple(tl.segments[i] for i in every)
    position = None if within is None else {k: i for i, k in enumerate(every)}
    popup_of: dict[str, int] = {}
    statuses: list[tuple[str, ...]] = []
    popup_index: list[tuple[int, ...]] = []
    passages: list[tuple[str, ...]] = []
    known = set(segments)
    # each segment's status and popup at the step before: at each step only the segments
    # something happened to since (in any class: the popup shows them all) are looked up again,
    # with those whose popup shows the age of a carried claim (it grows a day a day); positions
    # below are in ``every`` (``todo`` holds indexes of the timeline's segments)
    status_now: list[str] = ["unknown"] * len(segments)
    popup_now: list[int] = [0] * len(segments)
    aging: set[int] = set()
    names: tuple[str, ...] = ()
    popup = _Popups(model, traffic)
    for n, day in enumerate(steps):
        if n == 0 or tl.engine == "reference":
            todo = every
        else:
            after = steps[n - 1] + _ONE_DAY
            touched = set().union(*(tl._touched(c, v, after, day).tolist() for c in TRAFFIC_CLASSES))
            if position is not None:
                touched.intersection_update(position)
            todo = sorted(touched.union(every[k] for k in aging))
        rows = tl._status_rows(day, traffic, v, todo)
        if n == 0:
            names = tuple(str(r["name"]) for r in rows)
        for t, row in zip(todo, rows):
            k = t if position is None else position[t]
            status_now[k] = row["status"] if row["status"] in STATUS_STYLES else "unknown"
            popup_now[k] = popup_of.setdefault(popup(row), len(popup_of))
            if _shows_age(row):
                aging.add(k)
            else:
                aging.discard(k)
        statuses.append(tuple(status_now))
        popup_index.append(tuple(popup_now))
        passed = {p["segment"] for p in tl.passages(on=day, view=v) if traffic is None or traffic in p["traffic"]}
        passages.append(tuple(s for s in segments if s in passed and s in known))
        if progress is not None:
            progress(n + 1, len(steps), day)
    if within is not None:  # an area: a step where none of its segments changes is no step
        keep = [i for i in range(len(steps)) if i == 0 or (statuses[i], popup_index[i], passages[i]) != (
            statuses[i - 1], popup_index[i - 1], passages[i - 1])]
        steps = [steps[i] for i in keep]
        statuses = [statuses[i] for i in keep]
        popup_index = [popup_index[i] for i in keep]
        passages = [passages[i] for i in keep]
        # (a dropped step repeats the step before it: every popup is still used)
    return SliderTable(steps=tuple(steps), segments=segments, names=names, statuses=tuple(statuses),
                       popups=tuple(popup_of), popup_index=tuple(popup_index), passages=tuple(passages),
                       until=tuple(_until_labels(steps, last)), traffic=traffic)


def _shows_age(row: Mapping[str, Any]) -> bool:
    """Whether a row's popup (:func:`segment_popup`) shows how old a claim is: it then changes from day to day."""
    return any(c.get("carried") or c.get("forecast")
               for col in ("claims", "passages", "set_aside", "basis") for c in row[col])


def _until_labels(steps: Sequence[dt.date], last: dt.date | None) -> list[str]:
    until = []
    for i, day in enumerate(steps):
        nxt = steps[i + 1] - _ONE_DAY if i + 1 < len(steps) else last
        if nxt is None:
            until.append("onwards")
        elif nxt == day:
            until.append("(this day only)")
        else:
            until.append(f"until {nxt.isoformat()}")
    return until


def road_layer(features: Sequence[Mapping[str, Any]], *, name: str, highlight: bool = True,
               popup_options: Mapping[str, Any] | None = None) -> el.GeoJson:
    """Return one ``GeoJson`` layer of segment features (from :func:`segment_feature`).

    Each feature is styled by its ``status`` property (colour and dash pattern); the
    layer's ``GeoJsonPopup`` and ``GeoJsonTooltip`` show its ``popup`` and ``tooltip``
    properties (escaped HTML, inserted as HTML by folium). ``highlight`` thickens a
    segment under the mouse; ``popup_options`` are extra Leaflet popup options.

    The popups are cut into fragments at the same boundaries as the timeline map's and each
    distinct fragment is written once (:class:`~karabakh_routes.maps._elements.SharedPopups`):
    a claim about a route, with its quote, is in the popup of every segment of the route. In
    the page each feature's ``popup`` is the same text as given.
    """

    def style(feature: Mapping[str, Any]) -> dict[str, object]:
        return style_for(feature["properties"]["status"]).leaflet()

    def thicker(feature: Mapping[str, Any]) -> dict[str, object]:
        s = style(feature)
        return {**s, "weight": int(s["weight"]) + 3}  # type: ignore[call-overload]

    fragments: dict[str, int] = {}
    shared = []
    for f in features:
        props = dict(f["properties"])
        if props.get("popup"):
            props["pp"] = [fragments.setdefault(x, len(fragments)) for x in _FRAGMENT_BOUNDARY.split(props["popup"]) if x]
            props["popup"] = ""
        shared.append({**f, "properties": props})
    layer = el.GeoJson(
        {"type": "FeatureCollection", "features": shared},
        name=name,
        style_function=style,
        highlight_function=thicker if highlight else None,
        popup=el.GeoJsonPopup(fields=["popup"], labels=False, localize=False, style="", class_name="kr-road-popup",
                              max_width=420, **dict(popup_options or {})),
        tooltip=el.GeoJsonTooltip(fields=["tooltip"], labels=False, localize=False, style="",
                                  class_name="kr-road-tip", sticky=True),
    )
    if fragments:
        layer.add_child(el.SharedPopups(list(fragments)))
    return layer
