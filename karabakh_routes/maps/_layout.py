"""What makes a map legible as first opened: its view, scale, panes, popups and place labels.

Two :class:`~karabakh_routes.maps._elements.RenderOnce` elements, with no data in their
scripts but numbers and fixed names (passed through ``tojson``):

* :class:`MapLayout` adds a metric-only scale, the panes the highlight bands are drawn in
  (under the roads), keeps every popup clear of the title box (``autoPanPaddingTopLeft``
  follows the box's height), and fits the initial view to given bounds in the part of the
  map that the title and legend boxes leave free.
* :class:`PlaceLabels` places the permanent place labels after the map is ready and after
  every zoom or pan: for each label, in order of importance, it tries positions around its marker
  (right, left, the diagonals, above, below, then further out with a thin leader line) and
  takes the first one whose box overlaps no other label, no road line, no marker, no leader
  line, no control or box, and stays inside the map. A label is hidden only when no position
  is free and its place has no claim about it (with more than ``keep_claimed`` claimed places
  in view, whatever its place); with more than ``max_labels`` places in view only the first of
  them (by claim, kind and width) are placed and the others hidden, so that a view of
  thousands of places stays legible and is placed in a fraction of a second (the obstacles
  near a position are looked up in a grid of the view, not in a pass over all of them);
  ``window.krLabels`` reports what was done. Markers are drawn small (2 px) while more
  than ``max_labels`` places are in view, so that they do not hide the roads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from jinja2 import Environment

from ..network import routes_of
from . import _elements as el
from .extent import claimed_places
from .headline import label_text

if TYPE_CHECKING:
    from ..model import RoadModel

__all__ = ["MapLayout", "PlaceLabels", "PlaceMarkers", "claimed_places", "route_points", "label_text", "HIGHLIGHT_PANES",
           "LABEL_RANK"]

_ENV = Environment(autoescape=False)  # noqa: S701  # the scripts take data only through |tojson

#: Panes for the highlight bands, under the roads (Leaflet's overlay pane is at z-index 400).
HIGHLIGHT_PANES = {"trip": ("krTrip", 380), "passage": ("krPassage", 390)}
#: The pane of the labels' leader lines: above the roads, under the labels (tooltip pane: 650).
LEADER_PANE = ("krLeaders", 640)
#: Order in which labels are placed (lower first), by place kind; others come last.
LABEL_RANK = {"city": 0, "town": 1, "border_crossing": 2, "checkpoint": 3, "village": 4, "junction": 5}


def route_points(model: RoadModel, routes: Iterable[str]) -> list[tuple[float, float]]:
    """Return ``(lon, lat)`` of every vertex of every segment of the given routes (every alignment)."""
    known = routes_of(model.G)
    wanted = {s for r in routes if r in known for s in known[r].segments}
    out: list[tuple[float, float]] = []
    for _, _, k, d in model.G.edges(keys=True, data=True):
        if k in wanted and d.get("geometry") is not None:
            out.extend((float(x), float(y)) for x, y in d["geometry"].coords)
    return out


class MapLayout(el.RenderOnce):
    """Metric scale, highlight panes, popups clear of the title, and the initial view.

    Parameters
    ----------
    bounds
        ``(min_lon, min_lat, max_lon, max_lat)`` the initial view fits, below the title and
        above the attribution line, at the closest zoom where none of ``points`` is under the
        legend (trying the whole free height, then beside the legend, then below it).
    points
        ``(lon, lat)`` of the roads that must not be hidden under the legend.
    """

    _template = _ENV.from_string(r"""
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var cfg = {{ this.config|tojson }};
  L.control.scale({metric: true, imperial: false, maxWidth: 120, position: "bottomright"}).addTo(map);
  cfg.panes.forEach(function (p) {
    if (!map.getPane(p[0])) { map.createPane(p[0]).style.zIndex = String(p[1]); }
  });
  function boxes(selector) {
    var c = map.getContainer().getBoundingClientRect(), out = [];
    document.querySelectorAll(selector).forEach(function (e) {
      var r = e.getBoundingClientRect();
      if (r.width > 0 && r.height > 0) {
        out.push({x0: r.left - c.left, y0: r.top - c.top, x1: r.right - c.left, y1: r.bottom - c.top});
      }
    });
    return out;
  }
  function titleBottom() {
    var y = 0;
    boxes(".kr-title").forEach(function (b) { y = Math.max(y, b.y1); });
    return y;
  }
  /* every popup (folium's, GeoJson popups, the timeline's) pans clear of the title box, however
     tall it is; a popup given its own padding keeps it (the setter makes it the popup's own) */
  Object.defineProperty(L.Popup.prototype.options, "autoPanPaddingTopLeft", {
    configurable: true, enumerable: true,
    get: function () { return L.point(cfg.margin, titleBottom() + cfg.margin); },
    set: function (v) {
      Object.defineProperty(this, "autoPanPaddingTopLeft", {value: v, writable: true, enumerable: true, configurable: true});
    }
  });
  function bottomBar(size) {
    var y = size.y;
    boxes(".leaflet-control-attribution").forEach(function (b) { y = Math.min(y, b.y0); });
    return size.y - y;
  }
  /* the legend (top left) sits under the zoom buttons, and under the title where they would meet */
  function placeLegend() {
    var legend = document.querySelector(".kr-legend");
    if (!legend) { return; }
    var lg = boxes(".kr-legend")[0], top = cfg.margin;
    boxes(".leaflet-top.leaflet-left .leaflet-control, .kr-title").forEach(function (b) {
      if (!lg || (b.x0 < lg.x1 + cfg.margin && b.x1 > lg.x0 - cfg.margin)) { top = Math.max(top, b.y1 + cfg.margin); }
    });
    legend.style.top = top + "px";
  }
  /* would any point of the contested roads fall under the box at this view? */
  function covered(view, box) {
    var size = map.getSize(), c = map.project(view.center, view.zoom).subtract(size.divideBy(2));
    for (var i = 0; i < cfg.points.length; i++) {
      var q = map.project(cfg.points[i], view.zoom).subtract(c);
      if (q.x > box.x0 - cfg.margin && q.x < box.x1 + cfg.margin && q.y > box.y0 - cfg.margin && q.y < box.y1 + cfg.margin) {
        return true;
      }
    }
    return false;
  }
  /* the closest view that shows all the contested roads below the title and clear of the legend */
  function fit() {
    var b = L.latLngBounds(cfg.bounds), size = map.getSize(), m = cfg.margin;
    var top = titleBottom() + m, bottom = bottomBar(size) + m;
    var legend = boxes(".kr-legend")[0];
    var choices = [[m, top, m, bottom]];
    if (legend) {
      choices.push([legend.x1 + m, top, m, bottom]);
      choices.push([m, Math.max(top, legend.y1 + m), m, bottom]);
    }
    var best = null;
    choices.forEach(function (o) {
      if (size.x - o[0] - o[2] < 80 || size.y - o[1] - o[3] < 80) { return; }
      var v = map._getBoundsCenterZoom(b, {paddingTopLeft: L.point(o[0], o[1]), paddingBottomRight: L.point(o[2], o[3])});
      if (legend && covered(v, legend)) { return; }
      if (best === null || v.zoom > best.zoom) { best = v; }
    });
    if (best === null) {
      best = map._getBoundsCenterZoom(b, {paddingTopLeft: L.point(m, top), paddingBottomRight: L.point(m, bottom)});
    }
    map.setView(best.center, best.zoom, {animate: false});
  }
  /* an open popup that the legend would cover shows through it: the legend fades while they meet */
  function legendVersusPopup() {
    var legend = document.querySelector(".kr-legend");
    if (!legend) { return; }
    var a = legend.getBoundingClientRect(), meet = false;
    document.querySelectorAll(".leaflet-popup").forEach(function (popup) {
      if (popup.style.opacity === "0") { return; }  /* closing */
      var b = popup.getBoundingClientRect();
      meet = meet || (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom);
    });
    legend.classList.toggle("kr-behind", meet);
  }
  map.on("popupopen popupclose moveend zoomend", function () { setTimeout(legendVersusPopup, 0); });
  placeLegend();
  fit();
  map.on("resize", placeLegend);
  window.addEventListener("load", placeLegend);
  window.krLayout = {fit: fit, titleBottom: titleBottom, bounds: cfg.bounds};
})();
{% endmacro %}
""")

    def __init__(self, bounds: Sequence[float], points: Iterable[tuple[float, float]] = (), *, margin: int = 10) -> None:
        super().__init__()
        self._name = "KrLayout"
        min_lon, min_lat, max_lon, max_lat = (float(v) for v in bounds)
        self.config = {
            "bounds": [[min_lat, min_lon], [max_lat, max_lon]],
            "points": [[round(float(lat), 5), round(float(lon), 5)] for lon, lat in points],
            "margin": int(margin),
            "panes": [list(p) for p in HIGHLIGHT_PANES.values()] + [list(LEADER_PANE)],
        }


class PlaceMarkers(el.RenderOnce):
    """A map's places: a circle marker each, with its name as a tooltip and a popup, from one table.

    ``rows`` are ``(lat, lon, radius, label, label_class, popup)``: ``label`` and ``popup`` are
    escaped HTML (Leaflet inserts them as HTML); ``label_class`` is the permanent label's CSS
    classes (``kr-place-label ...``, read by :class:`PlaceLabels`), or None for a name shown on
    hover (``kr-place-hover``). The same markers, tooltips and popups as one ``folium.CircleMarker``,
    ``Tooltip`` and ``Popup`` per place, written as one JSON table instead of some 1.2 KB of
    script per place (50,000 places at L), and each popup made only when it is opened. The
    table reaches the page through ``|tojson`` (data is never template or script source).
    """

    _template = _ENV.from_string(r"""
{% macro script(this, kwargs) %}
(function () {
  var group = {{ this._parent.get_name() }};
  {{ this.rows|tojson }}.forEach(function (p) {
    var m = L.circleMarker([p[0], p[1]], {color: "#222", weight: 1.5, fill: true, fillColor: "#fff", fillOpacity: 1,
                                          radius: p[2]});
    var permanent = p[4] !== null;
    m.bindTooltip("<div>" + p[3] + "</div>", {permanent: permanent, className: permanent ? p[4] : "kr-place-hover",
                                              direction: "right", offset: [permanent ? 4 : 6, 0], sticky: true});
    m.bindPopup(function () { return '<div style="width: 100.0%; height: 100.0%;">' + p[5] + "</div>"; },
                {maxWidth: 360});
    m.addTo(group);
  });
})();
{% endmacro %}
""")

    def __init__(self, rows: Sequence[tuple[float, float, int, str, str | None, str]]) -> None:
        super().__init__()
        self._name = "KrPlaces"
        self.rows = [[float(lat), float(lon), int(r), str(label), css if css is None else str(css), str(popup)]
                     for lat, lon, r, label, css, popup in rows]


class PlaceLabels(el.RenderOnce):
    """Place the map's permanent place labels so that none overlaps another label or a road.

    The labels are the permanent tooltips with class ``kr-place-label`` (``kr-claimed`` when
    a claim is about the place; ``kr-rank-N`` orders them). See the module docstring.
    """

    _template = _ENV.from_string(r"""
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var cfg = {{ this.config|tojson }};
  var leaders = L.layerGroup().addTo(map);
  var api = {runs: 0, hidden: [], crowded: [], place: place};
  window.krLabels = api;

  function inflate(r, d) { return {x0: r.x0 - d, y0: r.y0 - d, x1: r.x1 + d, y1: r.y1 + d}; }
  function overlaps(a, b) { return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1; }
  /* does segment p-q meet rectangle r? (Liang-Barsky clipping) */
  function segmentHits(px, py, qx, qy, r) {
    var t0 = 0, t1 = 1, dx = qx - px, dy = qy - py;
    var p = [-dx, dx, -dy, dy], q = [px - r.x0, r.x1 - px, py - r.y0, r.y1 - py];
    for (var i = 0; i < 4; i++) {
      if (p[i] === 0) { if (q[i] < 0) { return false; } }
      else {
        var t = q[i] / p[i];
        if (p[i] < 0) { if (t > t1) { return false; } if (t > t0) { t0 = t; } }
        else { if (t < t0) { return false; } if (t < t1) { t1 = t; } }
      }
    }
    return true;
  }
  function rectDistance(c, r) {
    var dx = Math.max(r.x0 - c.x, 0, c.x - r.x1), dy = Math.max(r.y0 - c.y, 0, c.y - r.y1);
    return Math.sqrt(dx * dx + dy * dy);
  }
  function circleHits(c, r) {
    var x = Math.max(r.x0, Math.min(c.x, r.x1)), y = Math.max(r.y0, Math.min(c.y, r.y1));
    return (x - c.x) * (x - c.x) + (y - c.y) * (y - c.y) < c.r * c.r;
  }
  function flat(lls, out) {
    if (lls.length && lls[0] instanceof L.LatLng) { out.push(lls); }
    else { lls.forEach(function (x) { flat(x, out); }); }
    return out;
  }
  function roads(size) {
    var segs = [], far = cfg.far;
    map.eachLayer(function (l) {
      if (!(l instanceof L.Polyline) || l.options.krLeader || !l._path) { return; }
      var hw = (l.options.weight || 3) / 2 + cfg.roadMargin;
      flat(l.getLatLngs(), []).forEach(function (line) {
        var prev = null;
        line.forEach(function (ll) {
          var p = map.latLngToContainerPoint(ll);
          if (prev && !(Math.max(prev.x, p.x) < -far || Math.min(prev.x, p.x) > size.x + far ||
                        Math.max(prev.y, p.y) < -far || Math.min(prev.y, p.y) > size.y + far)) {
            segs.push({px: prev.x, py: prev.y, qx: p.x, qy: p.y, hw: hw,
                       x0: Math.min(prev.x, p.x) - hw, x1: Math.max(prev.x, p.x) + hw,
                       y0: Math.min(prev.y, p.y) - hw, y1: Math.max(prev.y, p.y) + hw});
          }
          prev = p;
        });
      });
    });
    return segs;
  }
  function fixedBoxes() {
    var c = map.getContainer().getBoundingClientRect(), out = [];
    document.querySelectorAll(".kr-box, .leaflet-control").forEach(function (e) {
      var r = e.getBoundingClientRect();
      if (r.width > 0 && r.height > 0) {
        out.push(inflate({x0: r.left - c.left, y0: r.top - c.top, x1: r.right - c.left, y1: r.bottom - c.top},
                         cfg.boxMargin));
      }
    });
    return out;
  }
  /* a uniform grid over container points: the obstacles near a rectangle without a pass over
     all of them (a region with thousands of places and roads; the same costs as a full pass) */
  var stamp = 0;
  function Grid() { this.cells = new Map(); }
  Grid.prototype.span = function (r, f) {  /* f(key) for each cell r meets, until f returns true */
    var c = cfg.cell, i1 = Math.floor(r.x1 / c), j0 = Math.floor(r.y0 / c), j1 = Math.floor(r.y1 / c);
    for (var i = Math.floor(r.x0 / c); i <= i1; i++) {
      for (var j = j0; j <= j1; j++) { if (f((i + 32768) * 65536 + j + 32768)) { return; } }
    }
  };
  Grid.prototype.add = function (item) {
    var cells = this.cells;
    this.span(item, function (k) {
      var b = cells.get(k);
      if (b) { b.push(item); } else { cells.set(k, [item]); }
    });
    return this;
  };
  Grid.prototype.near = function (r) {
    var out = [];
    this.each(r, function (it) { out.push(it); });
    return out;
  };
  Grid.prototype.each = function (r, f) {  /* f(item) for each item in a cell r meets, once, until f returns true */
    var cells = this.cells, q = ++stamp;
    this.span(r, function (k) {
      var b = cells.get(k);
      for (var n = 0; b && n < b.length; n++) {
        if (b[n].q !== q) { b[n].q = q; if (f(b[n])) { return true; } }
      }
      return false;
    });
  };
  function lineBox(l) {
    return {x0: Math.min(l[0], l[2]), y0: Math.min(l[1], l[3]), x1: Math.max(l[0], l[2]), y1: Math.max(l[1], l[3]), line: l};
  }
  function gridOf(items) {
    var g = new Grid();
    items.forEach(function (it) { g.add(it); });
    return g;
  }
  var HARD = 10;  /* costs from 10 up are overlaps; below, only preferences */
  function shape(t) { return Math.max(-1, Math.min(1, t * 1.6)); }

  function candidates(lb) {
    var out = [];
    if (!lb.inView) {
      out.push({rect: {x0: lb.at.x + lb.r + 3, y0: lb.at.y - lb.h / 2, x1: lb.at.x + lb.r + 3 + lb.w, y1: lb.at.y + lb.h / 2},
                leader: null});
      return out;
    }
    cfg.distances.forEach(function (d) {
      cfg.angles.forEach(function (deg) {
        var a = deg * Math.PI / 180, ux = Math.cos(a), uy = Math.sin(a);
        var px = lb.at.x + ux * (lb.r + d), py = lb.at.y + uy * (lb.r + d);
        var cx = px + lb.w / 2 * shape(ux), cy = py + lb.h / 2 * shape(uy);
        var rect = {x0: cx - lb.w / 2, y0: cy - lb.h / 2, x1: cx + lb.w / 2, y1: cy + lb.h / 2};
        var leader = null;
        if (d > cfg.leaderFrom) {
          var nx = Math.max(rect.x0, Math.min(lb.at.x, rect.x1)), ny = Math.max(rect.y0, Math.min(lb.at.y, rect.y1));
          var len = Math.sqrt((nx - lb.at.x) * (nx - lb.at.x) + (ny - lb.at.y) * (ny - lb.at.y)) || 1;
          leader = [lb.at.x + (nx - lb.at.x) / len * (lb.r + 1), lb.at.y + (ny - lb.at.y) / len * (lb.r + 1), nx, ny];
        }
        out.push({rect: rect, leader: leader, d: d});
      });
    });
    return out;
  }
  /* what a candidate position costs against fixed obstacles (the same in every attempt) */
  function fixedCost(lb, c, size, boxes, markers, segs) {
    var bad = 0, rect = c.rect, i, near = markers.near(rect);
    if (lb.inView && (rect.x0 < 2 || rect.y0 < 2 || rect.x1 > size.x - 2 || rect.y1 > size.y - 2)) { bad += 1000; }
    for (i = 0; i < boxes.length; i++) { if (overlaps(rect, boxes[i])) { bad += 1000; } }
    for (i = 0; i < near.length; i++) { if (circleHits(near[i], rect)) { bad += 100; } }
    /* over a box, outside the map or over a marker: taken whatever else it crosses (the roads and
       markers nearer are counted where they decide between free positions) */
    if (bad >= HARD) { return bad; }
    /* better not read as another place's label: a small cost per marker nearer to it than its own */
    /* (counted up to HARD: from there the position counts as taken whatever the count) */
    var own = rectDistance(lb.at, rect) - lb.r, nearer = 0;
    if (own > cfg.ownReach) {
      markers.each(inflate(rect, own + markers.widest), function (mk) {
        if ((mk.x !== lb.at.x || mk.y !== lb.at.y) && rectDistance(mk, rect) - mk.r < own) { nearer += 1; }
        return nearer >= HARD;
      });
    }
    bad += nearer;
    near = segs.near(rect);
    for (i = 0; i < near.length; i++) {
      var s = near[i];
      if (s.x1 < rect.x0 || s.x0 > rect.x1 || s.y1 < rect.y0 || s.y0 > rect.y1) { continue; }
      if (segmentHits(s.px, s.py, s.qx, s.qy, inflate(rect, s.hw))) { bad += 10; }
    }
    return bad;
  }
  /* one greedy pass over the labels in the given order: each takes its first free position */
  function attempt(order, keepClaimed) {
    var placed = new Grid(), leaderSegs = new Grid(), out = [];
    order.forEach(function (lb) {
      var best = null;
      for (var k = 0; k < lb.cands.length; k++) {
        var c = lb.cands[k], bad = c.fixed;
        if (bad >= (best ? best.bad : Infinity)) { continue; }
        var padded = inflate(c.rect, cfg.labelMargin), i, near = placed.near(padded);
        for (i = 0; i < near.length; i++) { if (overlaps(padded, near[i])) { bad += 1000; } }
        var around = inflate(c.rect, 1.5);
        near = leaderSegs.near(around);
        for (i = 0; i < near.length; i++) {
          var q = near[i].line;
          if (segmentHits(q[0], q[1], q[2], q[3], around)) { bad += 10; }
        }
        if (c.leader) {
          near = placed.near(lineBox(c.leader));
          for (i = 0; i < near.length; i++) {
            if (segmentHits(c.leader[0], c.leader[1], c.leader[2], c.leader[3], near[i])) { bad += 10; }
          }
        }
        if (best === null || bad < best.bad) { best = {c: c, bad: bad}; }
        if (bad === 0) { break; }
      }
      /* a claimed place keeps its label even without a free position, while there are few of them in view */
      var hide = best.bad >= HARD && !(lb.claimed && keepClaimed);
      out.push({lb: lb, c: best.c, bad: best.bad, hide: hide});
      if (!hide && lb.inView) { placed.add(best.c.rect); }
      if (!hide && best.c.leader) { leaderSegs.add(lineBox(best.c.leader)); }
    });
    var score = 0;
    out.forEach(function (o) {
      score += o.bad >= HARD ? (o.lb.claimed ? 1e6 : 1e4) : o.bad * 200;
      score += o.c.d || 0;
    });
    return {out: out, score: score};
  }

  /* with more places in view than labels placed, the markers are drawn small (they would
     otherwise hide the roads, the map's subject); their own size again once fewer are in view */
  function markerSizes(size) {
    var circles = [], inView = 0;
    map.eachLayer(function (l) {
      if (!(l instanceof L.CircleMarker) || !l._map) { return; }
      circles.push(l);
      var c = map.latLngToContainerPoint(l.getLatLng());
      if (c.x >= 0 && c.y >= 0 && c.x <= size.x && c.y <= size.y) { inView += 1; }
    });
    var small = inView > cfg.maxLabels;
    api.smallMarkers = small;
    circles.forEach(function (l) {
      var o = l.options;
      if (o.krRadius === undefined) { o.krRadius = o.radius; o.krWeight = o.weight; }
      var r = small ? Math.min(o.krRadius, cfg.smallRadius) : o.krRadius;
      if (o.radius !== r) { l.setRadius(r); l.setStyle({weight: small ? 1 : o.krWeight}); }
    });
  }

  function place() {
    api.runs += 1;
    leaders.clearLayers();
    var size = map.getSize(), labels = [], markers = [];
    markerSizes(size);
    map.eachLayer(function (l) {
      var t = l.getTooltip && l.getTooltip();
      if (!(l instanceof L.CircleMarker) || !l._map) { return; }
      var c = map.latLngToContainerPoint(l.getLatLng());
      var r = (l.options.radius || 5) + (l.options.weight || 1) / 2 + cfg.markerMargin;
      markers.push({x: c.x, y: c.y, r: r, x0: c.x - r, y0: c.y - r, x1: c.x + r, y1: c.y + r});
      if (!t || !t.options.permanent || !t.getElement()) { return; }
      var cls = " " + (t.options.className || "") + " ";
      if (cls.indexOf(" kr-place-label ") < 0) { return; }
      var m = /kr-rank-(\d+)/.exec(cls);
      labels.push({tooltip: t, el: t.getElement(), at: c, r: l.options.radius || 5,
                   claimed: cls.indexOf(" kr-claimed ") >= 0, rank: m ? Number(m[1]) : 99,
                   name: t.getElement().textContent.trim()});
    });
    var segs = gridOf(roads(size)), boxes = fixedBoxes(), grid = gridOf(markers);
    grid.widest = markers.reduce(function (w, mk) { return Math.max(w, mk.r); }, 0);
    /* every label shown before any is measured: one layout for all, not one each */
    labels.forEach(function (lb) { lb.el.style.display = ""; });
    labels.forEach(function (lb) {
      lb.w = lb.el.offsetWidth; lb.h = lb.el.offsetHeight;
      lb.inView = lb.at.x >= 0 && lb.at.y >= 0 && lb.at.x <= size.x && lb.at.y <= size.y;
    });
    var order = labels.slice().sort(function (a, b) {
      return (b.inView - a.inView) || (b.claimed - a.claimed) || (a.rank - b.rank) || (b.w - a.w);
    });
    /* with more places in view than cfg.maxLabels, the first of them in that order are placed
       and the others' labels hidden (their names stay in the markers' popups): more appear as
       the map is zoomed in */
    var inView = order.filter(function (lb) { return lb.inView; });
    var thinned = inView.slice(cfg.maxLabels);
    if (thinned.length) {
      var cut = new Set(thinned);
      order = order.filter(function (lb) { return !cut.has(lb); });
    }
    var keepClaimed = inView.filter(function (lb) { return lb.claimed; }).length <= cfg.keepClaimed;
    order.forEach(function (lb) {
      lb.cands = candidates(lb);
      /* a label whose place is out of view is not seen: it keeps its default position */
      lb.cands.forEach(function (c) { c.fixed = lb.inView ? fixedCost(lb, c, size, boxes, grid, segs) : 0; });
    });
    var best = attempt(order, keepClaimed);
    var anyStuck = function (r) { return r.out.some(function (o) { return o.bad > 0; }); };
    for (var tries = 0; tries < cfg.retries && anyStuck(best); tries++) {
      /* the labels left without a free place go first next time */
      var stuck = best.out.filter(function (o) { return o.bad > 0; }).map(function (o) { return o.lb; });
      var first = new Set(stuck);
      order = stuck.concat(order.filter(function (lb) { return !first.has(lb); }));
      var next = attempt(order, keepClaimed);
      if (next.score < best.score) { best = next; }
    }
    api.hidden = thinned.map(function (lb) { return lb.name; }); api.crowded = [];
    thinned.forEach(function (lb) { lb.el.style.display = "none"; });
    best.out.forEach(function (o) {
      if (o.hide) { o.lb.el.style.display = "none"; api.hidden.push(o.lb.name); }
    });
    /* (every label hidden before any is moved: moving one reads its size, which would lay out the page again) */
    best.out.forEach(function (o) {
      var lb = o.lb, t = lb.tooltip;
      if (o.hide) { return; }
      if (o.bad >= HARD) { api.crowded.push(lb.name); }
      t.options.direction = "center";
      t.options.offset = L.point((o.c.rect.x0 + o.c.rect.x1) / 2 - lb.at.x, (o.c.rect.y0 + o.c.rect.y1) / 2 - lb.at.y);
      t._updatePosition();
      if (o.c.leader) {
        var l = o.c.leader;
        L.polyline([map.containerPointToLatLng([l[0], l[1]]), map.containerPointToLatLng([l[2], l[3]])],
                   {pane: cfg.leaderPane, interactive: false, color: cfg.leaderColor, weight: 1, opacity: 0.9,
                    krLeader: true}).addTo(leaders);
      }
    });
  }
  map.on("zoomstart", function () { leaders.clearLayers(); });
  /* after a zoom or a pan (Leaflet ends both with moveend): the places that came into view are placed too */
  map.on("moveend resize overlayadd overlayremove", place);
  /* lines drawn or removed later (the timeline's passages) move the labels too, once per batch */
  var pending = null;
  map.on("layeradd layerremove", function (e) {
    if (!(e.layer instanceof L.Polyline) || e.layer.options.krLeader || pending !== null) { return; }
    pending = setTimeout(function () { pending = null; place(); }, 0);
  });
  map.whenReady(function () { setTimeout(place, 0); });
  window.addEventListener("load", place);
})();
{% endmacro %}
""")

    def __init__(self, *, distances: Iterable[float] = (3, 7, 12, 18, 26, 36, 48, 62, 80, 100, 125, 155, 190),
                 leader_from: float = 9, max_labels: int = 200, keep_claimed: int = 60) -> None:
        """Place the labels with these settings.

        ``max_labels``: the most labels placed in one view (the first by claim, kind and
        width); ``keep_claimed``: up to this many claimed places in view, a claimed label stays
        shown even with no free position (above it, it is hidden like any other).
        """
        super().__init__()
        self._name = "KrPlaceLabels"
        self.config: dict[str, Any] = {
            "distances": [float(d) for d in distances],
            # preference: right, left, the four diagonals, above, below, then the directions between
            "angles": [0, 180, -45, 45, -135, 135, -90, 90, -22.5, 22.5, -157.5, 157.5, -67.5, 67.5, -112.5, 112.5],
            "leaderFrom": float(leader_from),
            "leaderPane": LEADER_PANE[0],
            "leaderColor": "#333333",
            "labelMargin": 2,
            "roadMargin": 1.5,
            "markerMargin": 1,
            "boxMargin": 3,
            "far": 300,
            "retries": 12,
            "ownReach": 6,
            "cell": 48,  # px: the grid the obstacles are looked up in
            "maxLabels": int(max_labels),
            "keepClaimed": int(keep_claimed),
            "smallRadius": 2,  # px: the markers' radius when more than maxLabels places are in view
        }
