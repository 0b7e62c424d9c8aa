"""The timeline map: one HTML file with a date slider over every change point.

Geometry is stored once (one GeoJSON layer of every segment). For each change point the
map stores a compact status table: one status code per segment, and one index per segment
into a deduplicated table of popup HTML strings. A small script (a branca ``MacroElement``
with a Jinja template) restyles the segments and swaps their popups when the slider moves.
Nothing is loaded from anywhere but Leaflet itself; with ``offline=True`` not even that.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

import folium
from jinja2 import Template

from .._errors import DateError
from ..dates import DateLike, to_date
from ..events import check_traffic
from ..timeline import Horizon, View, parse_view
from . import _elements as el
from ._html import esc, json_for_script, legend_html, swatch, title_html
from .date_map import _segment_popup, add_overlay_box, add_places, base_map
from .offline import root_header
from .style import PASSAGE_OVERLAY, STATUS_STYLES

if TYPE_CHECKING:
    from ..model import RoadModel

__all__ = ["timeline_map", "timeline_steps"]

_ONE_DAY = dt.timedelta(days=1)
#: Where popup HTML is cut into fragments that are stored once each (joining the pieces
#: gives the popup back exactly; the cut points only decide how much is shared).
_FRAGMENT_BOUNDARY = re.compile(r"(?=<li>)|(?=<div )|(?=</ul>)|(?=<table>)|(?=<p>)")

_CSS = """
<style>
.kr-controls{display:flex;align-items:center;justify-content:center;gap:8px;margin-top:5px;flex-wrap:wrap}
.kr-controls input[type=range]{width:min(300px,38vw);accent-color:#0072B2}
.kr-controls button{font:600 13px system-ui,sans-serif;color:#111;background:#fff;border:1px solid #555;
 border-radius:4px;padding:2px 9px;cursor:pointer;min-width:74px}
.kr-controls button:focus-visible,.kr-controls input:focus-visible{outline:3px solid #0072B2;outline-offset:2px}
.kr-date{font:700 15px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;color:#111}
.kr-until{font-size:12px;color:#333}
</style>
"""


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


class _TimelineScript(el.RenderOnce):
    """The slider logic and the compact status table, embedded as JSON."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var roads = {{ this.roads_name }};
  var passageGroup = {{ this.passages_name }};
  var D = {{ this.data_json }};
  var layers = {}, index = {}, cur = 0, timer = null;
  D.segments.forEach(function (s, i) { index[s] = i; });
  roads.eachLayer(function (l) {
    var s = l.feature.properties.segment;
    layers[s] = l;
    l.bindPopup("", {maxWidth: 420, autoPanPaddingTopLeft: [20, 130]});  /* clear of the title box */
    l.bindTooltip("", {sticky: true});
  });
  var built = {};
  function popupHtml(p) {
    if (!(p in built)) { built[p] = D.popup_parts[p].map(function (f) { return D.html[f]; }).join(""); }
    return built[p];
  }
  function styleOf(feature) {
    var i = index[feature.properties.segment];
    var st = D.styles[+D.codes[cur].charAt(i)];
    return st;
  }
  roads.options.style = styleOf;  /* so resetStyle() keeps the slider's date */
  var slider = document.getElementById("kr-slider");
  var label = document.getElementById("kr-date");
  var until = document.getElementById("kr-until");
  var play = document.getElementById("kr-play");
  function setStep(i) {
    i = Math.max(0, Math.min(D.dates.length - 1, Number(i) || 0));
    cur = i;
    D.segments.forEach(function (s, k) {
      var l = layers[s];
      if (!l) { return; }
      var code = +D.codes[i].charAt(k);
      l.setStyle(styleOf(l.feature));
      l.setPopupContent(popupHtml(D.popups[i][k]));
      l.setTooltipContent(D.names[k] + ": " + D.labels[code]);
    });
    passageGroup.clearLayers();
    D.passages[i].forEach(function (k) {
      var l = layers[D.segments[k]];
      if (!l) { return; }
      L.polyline(l.getLatLngs(), {color: D.passage_color, weight: D.passage_weight, opacity: D.passage_opacity,
                                  interactive: false})
        .addTo(passageGroup).bringToBack();
    });
    slider.value = String(i);
    label.textContent = D.dates[i];
    until.textContent = D.until[i];
    slider.setAttribute("aria-valuetext", D.dates[i] + " " + D.until[i]);
    return i;
  }
  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    play.textContent = "\\u25B6 Play";
    play.setAttribute("aria-pressed", "false");
  }
  function start() {
    if (cur >= D.dates.length - 1) { setStep(0); }
    play.textContent = "\\u275A\\u275A Pause";
    play.setAttribute("aria-pressed", "true");
    timer = setInterval(function () {
      if (cur >= D.dates.length - 1) { stop(); } else { setStep(cur + 1); }
    }, {{ this.interval_ms }});
  }
  slider.addEventListener("input", function () { stop(); setStep(slider.value); });
  play.addEventListener("click", function () { if (timer === null) { start(); } else { stop(); } });
  setStep({{ this.initial }});
  window.krTimeline = {
    layers: layers, setStep: setStep, dates: D.dates, statuses: D.statuses,
    step: function () { return cur; },
    statusOf: function (segment) { return D.statuses[+D.codes[cur].charAt(index[segment])]; },
    play: start, stop: stop
  };
})();
{% endmacro %}
""")

    def __init__(self, roads: folium.GeoJson, passages: folium.FeatureGroup, data: dict[str, Any],
                 *, interval_ms: int = 900) -> None:
        super().__init__()
        self._name = "KrTimeline"
        self.roads_name = roads.get_name()
        self.passages_name = passages.get_name()
        self.data_json = json_for_script(data)
        self.interval_ms = int(interval_ms)
        self.initial = 0


def _controls_html(title: str, subtitle: str, first: str, n: int) -> str:
    return (title_html(title, subtitle)
            + '<div class="kr-controls">'
            + '<button type="button" id="kr-play" aria-pressed="false" aria-controls="kr-slider">&#9654; Play</button>'
            + f'<input type="range" id="kr-slider" min="0" max="{n - 1}" step="1" value="0" '
            + 'aria-label="Date shown on the map">'
            + f'<span class="kr-date" id="kr-date" aria-live="polite">{esc(first)}</span>'
            + '<span class="kr-until" id="kr-until"></span></div>')


def timeline_map(
    model: RoadModel,
    *,
    start: DateLike | None = None,
    end: DateLike | None = None,
    traffic: str | None = None,
    view: str | View = "consensus",
    horizon: Horizon = "default",
    offline: bool = False,
    tiles: str | None = "OpenStreetMap",
) -> folium.Map:
    """Return a folium map with a date slider over every change point in a range.

    The slider stops at ``start`` and at every change point of the timeline up to ``end``
    (see :func:`timeline_steps`); between two stops nothing changes. Each stop restyles
    every segment (colour and dash pattern, as on :func:`~karabakh_routes.maps.date_map`),
    swaps its popup (the claims in force), and draws the convoy passages of that day.

    Geometry is stored once; per stop the file holds one status code and one popup index
    per segment, and the popup HTML strings are stored once each. In the page,
    ``window.krTimeline`` exposes ``layers`` (segment id -> Leaflet layer),
    ``setStep(i)``, ``step()``, ``dates`` and ``statusOf(segment)`` to scripts and tests.

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
    offline
        Write a self-contained map: Leaflet inlined, no tile layer, no network request.
    tiles
        Tile layer when online.

    Returns
    -------
    folium.Map
        Call ``.save("timeline.html")`` on it, or show it in a notebook.

    Raises
    ------
    DateError
        If the range is empty (see :func:`timeline_steps`).

    See Also
    --------
    karabakh_routes.maps.date_map : the map of one date.

    Examples
    --------
    >>> from karabakh_routes import load
    >>> m = timeline_map(load(), start="2023-06-01", end="2023-09-30", offline=True)
    >>> html = m.get_root().render()
    >>> 'id="kr-slider"' in html, "cdn.jsdelivr" in html
    (True, False)
    """
    if traffic is not None:
        check_traffic(traffic)
    v = parse_view(view, model.ledger, horizon=horizon)
    steps = timeline_steps(model, start=start, end=end, horizon=v.horizon)
    last = to_date(end, what="end") if end is not None else None

    statuses = list(STATUS_STYLES)
    code_of = {s: i for i, s in enumerate(statuses)}
    segments = list(model.timeline.segments)
    seg_index = {s: i for i, s in enumerate(segments)}
    names: list[str] = []
    popup_index: dict[str, int] = {}
    popup_parts: list[list[int]] = []
    fragment_index: dict[str, int] = {}
    codes: list[str] = []
    popups: list[list[int]] = []
    passages: list[list[int]] = []
    for day in steps:
        rows = model.timeline.status(on=day, traffic=traffic, view=v).to_dict("records")
        by_seg = {r["segment"]: r for r in rows}
        if not names:
            names = [esc(by_seg[s]["name"]) for s in segments]
        step_codes = []
        step_popups = []
        for s in segments:
            row = by_seg[s]
            step_codes.append(str(code_of.get(row["status"], code_of["unknown"])))
            html = _segment_popup(model, row, traffic)
            if html not in popup_index:
                popup_index[html] = len(popup_parts)
                popup_parts.append([fragment_index.setdefault(f, len(fragment_index))
                                    for f in _FRAGMENT_BOUNDARY.split(html) if f])
            step_popups.append(popup_index[html])
        codes.append("".join(step_codes))
        popups.append(step_popups)
        passed = {p["segment"] for p in model.timeline.passages(on=day, view=v)
                  if traffic is None or traffic in p["traffic"]}
        passages.append(sorted(seg_index[s] for s in passed if s in seg_index))

    until: list[str] = []
    for i, day in enumerate(steps):
        nxt = steps[i + 1] - _ONE_DAY if i + 1 < len(steps) else last
        if nxt is None:
            until.append("onwards")
        elif nxt == day:
            until.append("(this day only)")
        else:
            until.append(f"until {nxt.isoformat()}")

    data = {
        "segments": segments, "names": names, "statuses": statuses,
        "labels": [esc(STATUS_STYLES[s].label) for s in statuses],
        "styles": [STATUS_STYLES[s].leaflet() for s in statuses],
        "dates": [d.isoformat() for d in steps], "until": until,
        "codes": codes, "popups": popups, "popup_parts": popup_parts, "html": list(fragment_index),
        "passages": passages,
        "passage_color": PASSAGE_OVERLAY[0], "passage_weight": PASSAGE_OVERLAY[1],
        "passage_opacity": PASSAGE_OVERLAY[2],
    }

    fmap = base_map(model, offline=offline, tiles=tiles)
    root_header(fmap).add_child(el.Raw(_CSS), name="kr_timeline_css")
    range_text = f"{steps[0].isoformat()} to {last.isoformat() if last else steps[-1].isoformat()}"
    title = f"Roads into Nagorno-Karabakh, {range_text}"
    subtitle = (f"Traffic: {traffic or 'all classes'} · view: {v} · claims carried up to {v.horizon_text}"
                f" · {len(steps)} dates where a status changes · geometry schematic")
    add_overlay_box(fmap, _controls_html(title, subtitle, steps[0].isoformat(), len(steps)), "kr-title kr-timeline")

    passage_group = el.FeatureGroup(name="Convoy passages on the slider's date", show=True)
    passage_group.add_to(fmap)
    first = {s: STATUS_STYLES[statuses[int(c)]] for s, c in zip(segments, codes[0])}
    features = [{"type": "Feature", "geometry": d["geometry"].__geo_interface__, "properties": {"segment": k}}
                for *_, k, d in model.G.edges(keys=True, data=True)]
    roads = el.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name="Roads (status on the slider's date)",
        style_function=lambda f: first[f["properties"]["segment"]].leaflet(),
    )
    roads.add_to(fmap)
    add_places(fmap, model)
    fmap.add_child(_TimelineScript(roads, passage_group, data))
    passage_swatch = swatch(PASSAGE_OVERLAY[0], None, 10, PASSAGE_OVERLAY[2])
    add_overlay_box(fmap, legend_html([(passage_swatch, "convoy passage reported that day")]), "kr-legend")
    el.LayerControl(collapsed=True).add_to(fmap)
    return fmap
