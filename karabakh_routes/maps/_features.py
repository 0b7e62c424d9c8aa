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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._errors import DateError
from ..dates import DateLike, to_date
from ..events import TRAFFIC_CLASSES
from ..query import Query
from ..timeline import Horizon, View
from . import _elements as el
from ._html import claims_html, esc
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
#: gives the popup back exactly; the cut points only decide how much is shared).
_FRAGMENT_BOUNDARY = re.compile(r"(?=<li>)|(?=<div )|(?=</ul>)|(?=<table>)|(?=<p>)")
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
    status = row["status"]
    parts = [f"<div class='kr-popup'><h4>{esc(row['name'])}</h4>",
             f"<div>Status: <b>{esc(status)}</b>" + (f" for {esc(traffic)}" if traffic else "") + "</div>"]
    if row.get("uncertain"):
        parts.append("<div><i>An event date near this day is uncertain; the answer is flagged.</i></div>")
    parts.append("<table>" + "".join(f"<tr><td>{esc(c)}</td><td>{esc(row[c])}</td></tr>" for c in TRAFFIC_CLASSES)
                 + "</table>")
    if row["disputed"]:
        parts.append("<div class='kr-disputed'>Sources disagree about this segment on this date; "
                     "every side is listed below.</div>")
    aside = {c["event"] for c in row["set_aside"]}
    parts.append(claims_html([c for c in row["claims"] if c["event"] not in aside], model.ledger.sources))
    if len(row["passages"]):
        parts.append(claims_html(row["passages"], model.ledger.sources, heading="Passages reported this day"))
    if len(row["set_aside"]):
        parts.append(claims_html(row["set_aside"], model.ledger.sources,
                                 heading="Set aside: carried past its source's date, and a newer report says otherwise"))
    baselines = [b for b in row["basis"] if b["kind"] == "baseline"]
    if baselines:
        parts.append(claims_html(baselines, model.ledger.sources,
                                 heading="Assumed where no claim is in force (dataset baseline)"))
    parts.append(f"<div class='kr-src'>Segment <code>{esc(row['segment'])}</code>, {row['length_km']:.1f} km, "
                 f"routes: {esc(', '.join(row['routes']))}</div></div>")
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
                    details: bool = True) -> dict[str, Any]:
    """Return a GeoJSON ``Feature`` for one row of ``model.status(...)``.

    Properties: ``segment`` (id), ``status``, and ``name``, ``popup`` and ``tooltip``
    (escaped HTML; the maps' ``GeoJsonPopup`` and ``GeoJsonTooltip`` show the last two).
    With ``details=False`` popup and tooltip are empty strings, for a map whose script
    fills them in (the timeline map's slider).
    """
    status = row["status"] if row["status"] in STATUS_STYLES else "unknown"
    return {
        "type": "Feature",
        "geometry": row["geometry"].__geo_interface__,
        "properties": {
            FEATURE_KEY: row["segment"],
            "name": esc(row["name"]),
            "status": status,
            "popup": segment_popup(model, row, traffic) if details else "",
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


def query_slider_table(model: RoadModel, q: Query) -> SliderTable:
    """Return :func:`slider_table` of a parsed :class:`~karabakh_routes.query.Query` (its range, class and view).

    Nothing is parsed again: ``q`` comes from :meth:`RoadModel.query <karabakh_routes.RoadModel.query>`.
    """
    traffic, v = q.traffic, q.view
    steps = _steps(model, q.start, q.end, v.horizon)
    last = q.end
    segments = tuple(model.timeline.segments)
    names: tuple[str, ...] = ()
    popup_of: dict[str, int] = {}
    statuses: list[tuple[str, ...]] = []
    popup_index: list[tuple[int, ...]] = []
    passages: list[tuple[str, ...]] = []
    known = set(segments)
    for day in steps:
        rows = {r["segment"]: r for r in model.timeline.status(on=day, traffic=traffic, view=v).to_dict("records")}
        if not names:
            names = tuple(str(rows[s]["name"]) for s in segments)
        statuses.append(tuple(rows[s]["status"] if rows[s]["status"] in STATUS_STYLES else "unknown"
                              for s in segments))
        popup_index.append(tuple(popup_of.setdefault(segment_popup(model, rows[s], traffic), len(popup_of))
                                 for s in segments))
        passed = {p["segment"] for p in model.timeline.passages(on=day, view=v)
                  if traffic is None or traffic in p["traffic"]}
        passages.append(tuple(s for s in segments if s in passed and s in known))
    return SliderTable(steps=tuple(steps), segments=segments, names=names, statuses=tuple(statuses),
                       popups=tuple(popup_of), popup_index=tuple(popup_index), passages=tuple(passages),
                       until=tuple(_until_labels(steps, last)), traffic=traffic)


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
    """

    def style(feature: Mapping[str, Any]) -> dict[str, object]:
        return style_for(feature["properties"]["status"]).leaflet()

    def thicker(feature: Mapping[str, Any]) -> dict[str, object]:
        s = style(feature)
        return {**s, "weight": int(s["weight"]) + 3}  # type: ignore[call-overload]

    return el.GeoJson(
        {"type": "FeatureCollection", "features": list(features)},
        name=name,
        style_function=style,
        highlight_function=thicker if highlight else None,
        popup=el.GeoJsonPopup(fields=["popup"], labels=False, localize=False, style="", class_name="kr-road-popup",
                              max_width=420, **dict(popup_options or {})),
        tooltip=el.GeoJsonTooltip(fields=["tooltip"], labels=False, localize=False, style="",
                                  class_name="kr-road-tip", sticky=True),
    )
