"""Map elements that render their templates once: no data string is ever compiled as a template.

branca renders a ``MacroElement`` by calling its Jinja macros and wrapping each result in
a new ``branca.element.Element``, whose constructor compiles the *output* as a Jinja
template and renders it a second time when the page is built. Any ``{{ }}``, ``{% %}`` or
``{#`` that reached the output from data (a place name, a quote) would then be evaluated:
``{{ 7*7 }}`` would print ``49``, ``{{ lipsum.__globals__... }}`` would run code, an
unbalanced ``{{`` would crash the render.

The classes here close that path at its root:

* :class:`Raw` puts text into the page exactly as given; it has no template at all.
* :class:`RenderOnce` is a ``MacroElement`` whose macros are rendered once, with the data
  as template variables, and whose output goes into the page as :class:`Raw`.
* ``Map``, ``FeatureGroup``, ``GeoJson``, ``GeoJsonPopup``, ``GeoJsonTooltip``,
  ``PolyLine``, ``CircleMarker``, ``Tooltip``, ``Popup``, ``LayerControl``, ``FitBounds``
  and ``TileLayer`` are folium's own elements with :class:`RenderOnce` under them
  (``Popup``, ``GeoJsonPopup`` and ``GeoJsonTooltip`` replace folium's ``render``, which
  builds its own ``Element``); the maps of this package use only these, :class:`TimelineSlider`
  and small ``RenderOnce`` subclasses of their own (boxes, attribution).
* :class:`TimelineSlider` is a ``RenderOnce`` with its own template: a date slider with a play
  button that restyles a ``GeoJson`` layer's features step by step. Its table reaches the
  page only as ``{{ this.data|tojson }}`` (JSON with ``<``, ``>``, ``&`` and ``'`` escaped),
  and every DOM id it makes is derived from its own name, so one page can hold several.

``GeoJsonPopup`` and ``GeoJsonTooltip`` put a feature property into the page with
``innerHTML``: the property must already be escaped HTML (``_features.segment_feature``
builds it with ``_html.esc``), so markup in it is formatted and data in it shows literally.

Elements that folium adds by itself while rendering (``ElementAddToElement``,
``JavascriptLink``, ``CssLink``, class includes) carry generated names and fixed URLs,
never data. ``tests/test_template_injection.py`` checks both: every element of every map
that can carry data renders once, and template syntax in every text field of every input
file reaches the page literally.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import folium
import folium.map
from branca.element import Element, Figure, MacroElement
from jinja2 import Environment, Template

__all__ = [
    "Raw",
    "RenderOnce",
    "Map",
    "FeatureGroup",
    "GeoJson",
    "GeoJsonPopup",
    "GeoJsonTooltip",
    "TimelineSlider",
    "SharedPopups",
    "PolyLine",
    "Rectangle",
    "CircleMarker",
    "Tooltip",
    "Popup",
    "LayerControl",
    "FitBounds",
    "TileLayer",
]


class Raw(Element):
    """Text placed in the page exactly as given: never compiled or rendered as a template.

    Examples
    --------
    >>> Raw("{{ 7*7 }}").render()
    '{{ 7*7 }}'
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Raw"
        self.text = str(text)

    def render(self, **kwargs: Any) -> str:
        """Return the text unchanged."""
        return self.text


def _figure(element: Element) -> Figure:
    figure = element.get_root()
    if not isinstance(figure, Figure):
        msg = f"{type(element).__name__} can only be rendered inside a branca Figure (e.g. a folium.Map's root)."
        raise TypeError(msg)
    return figure


class RenderOnce(MacroElement):
    """A ``MacroElement`` whose macro output is added to the page as :class:`Raw`.

    Same behaviour as ``MacroElement.render`` (the ``header``, ``html`` and ``script``
    macros go to the figure's parts under the element's name; children render after),
    except that the output is not compiled and rendered as a template a second time.
    """

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # as MacroElement.render: no return
        """Render the macros once into the figure, then the children."""
        figure = _figure(self)
        module = self._template.module.__dict__
        for part in ("header", "html", "script"):
            macro = module.get(part)
            if macro is not None:
                getattr(figure, part).add_child(Raw(macro(self, kwargs)), name=self.get_name())
        for child in list(self._children.values()):
            child.render(**kwargs)


class Map(folium.Map, RenderOnce):
    """``folium.Map`` rendered once (see the module docstring)."""


class FeatureGroup(folium.FeatureGroup, RenderOnce):
    """``folium.FeatureGroup`` rendered once."""


class GeoJson(folium.GeoJson, RenderOnce):
    """``folium.GeoJson`` rendered once: its data and styles are template variables only."""


#: folium's ``GeoJsonDetail`` table style, rendered once (folium compiles it a second time);
#: only folium's own table is centred, not tables inside the HTML it shows.
_DETAIL_CSS = Template("""<style>
.{{ this.class_name }} { {{ this.style }} }
.{{ this.class_name }} .leaflet-popup-content > div > table, .{{ this.class_name }}.leaflet-tooltip > div > table{ margin: auto; }
.{{ this.class_name }} tr{ text-align: left; }
.{{ this.class_name }} th{ padding: 2px; padding-right: 8px; }
</style>""")


class _GeoJsonDetailOnce(RenderOnce):
    """The ``render`` of folium's ``GeoJsonDetail`` (field check, table style), rendered once."""

    fields: Any
    class_name: str

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # as MacroElement.render: no return
        """Check the fields against the parent's features, add the table style, render the macros once."""
        parent = self._parent
        if not isinstance(parent, folium.GeoJson):
            msg = f"{type(self).__name__} can only be added to a GeoJson layer."
            raise TypeError(msg)
        features = parent.data.get("features") or []
        keys = set(features[0].get("properties") or {}) if features else set()
        missing = [f for f in self.fields if f not in keys]
        if features and missing:
            msg = f"{type(self).__name__}: no property {missing} in the layer's features; they have {sorted(keys)}."
            raise ValueError(msg)
        _figure(self).header.add_child(Raw(_DETAIL_CSS.render(this=self)), name=f"{self.class_name}_tablestyle")  # once per class
        RenderOnce.render(self, **kwargs)


class GeoJsonPopup(folium.GeoJsonPopup, _GeoJsonDetailOnce):
    """``folium.GeoJsonPopup`` rendered once.

    folium builds the popup in the browser from the clicked feature's properties and sets
    it as ``innerHTML``: each property shown must already be escaped HTML.
    """

    render = _GeoJsonDetailOnce.render


class GeoJsonTooltip(folium.GeoJsonTooltip, _GeoJsonDetailOnce):
    """``folium.GeoJsonTooltip`` rendered once; like :class:`GeoJsonPopup`, its properties must be escaped HTML."""

    render = _GeoJsonDetailOnce.render


class PolyLine(folium.PolyLine, RenderOnce):
    """``folium.PolyLine`` rendered once."""


class Rectangle(folium.Rectangle, RenderOnce):
    """``folium.Rectangle`` rendered once."""


class CircleMarker(folium.CircleMarker, RenderOnce):  # type: ignore[misc]  # Marker.render takes no kwargs
    """``folium.CircleMarker`` rendered once."""


class Tooltip(folium.Tooltip, RenderOnce):
    """``folium.Tooltip`` rendered once; its text must already be escaped HTML."""


class LayerControl(folium.LayerControl, RenderOnce):
    """``folium.LayerControl`` rendered once."""


class FitBounds(folium.map.FitBounds, RenderOnce):
    """``folium.map.FitBounds`` rendered once."""


class TileLayer(folium.TileLayer, RenderOnce):
    """``folium.TileLayer`` rendered once."""


class Popup(folium.Popup, RenderOnce):
    """``folium.Popup`` rendered once; its HTML must already be escaped.

    folium's ``Popup.render`` wraps its output in a new ``Element`` itself, so it is
    replaced here rather than inherited.
    """

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # as folium.Popup.render: no return
        """Render the popup's HTML children, then its script once."""
        for child in list(self._children.values()):
            child.render(**kwargs)
        _figure(self).script.add_child(Raw(self._template.render(this=self, kwargs=kwargs)), name=self.get_name())


#: Jinja environment of :class:`TimelineSlider`: ``tojson`` writes compact JSON, non-ASCII
#: kept, and (as always) ``<``, ``>``, ``&`` and ``'`` as ``\u`` escapes.
_SLIDER_ENV = Environment(autoescape=False)  # noqa: S701  # HTML parts are escaped with |e; data is |tojson
_SLIDER_ENV.policies["json.dumps_kwargs"] = {"sort_keys": False, "separators": (",", ":"), "ensure_ascii": False}

#: Styles of the slider's controls (added to the page once, however many sliders).
SLIDER_CSS = """<style>
.kr-controls{display:flex;align-items:center;justify-content:center;gap:8px;margin-top:5px;flex-wrap:wrap}
.kr-controls input[type=range]{width:min(300px,38vw);accent-color:#0072B2}
.kr-controls button{font:600 13px system-ui,sans-serif;color:#111;background:#fff;border:1px solid #555;
 border-radius:4px;padding:2px 9px;cursor:pointer;min-width:74px}
.kr-controls button:focus-visible,.kr-controls input:focus-visible{outline:3px solid #0072B2;outline-offset:2px}
.kr-date{font:700 15px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;color:#111}
.kr-until{font-size:12px;color:#333}
</style>"""


class SharedPopups(RenderOnce):
    """Popups of a ``GeoJson`` layer stored as shared fragments: each feature's ``popup`` made when read.

    A feature's popup is the join of ``html[i]`` for the indexes in its ``pp`` property (the
    pieces that repeat across segments, such as a route's claims and their quotes, stored
    once). In the page, ``feature.properties.popup`` becomes a property that joins them when
    first read (by the layer's ``GeoJsonPopup``, on opening); setting it replaces it.
    ``html`` is escaped HTML and reaches the page only through ``tojson``.
    """

    _template = _SLIDER_ENV.from_string(r"""
{% macro script(this, kwargs) %}
(function () {
  var H = {{ this.html|tojson }};
  {{ this._parent.get_name() }}.eachLayer(function (l) {
    var p = l.feature && l.feature.properties;
    if (!p || !p.pp) { return; }
    var ids = p.pp, made = null;
    Object.defineProperty(p, "popup", {configurable: true, enumerable: true,
      get: function () { if (made === null) { made = ids.map(function (i) { return H[i]; }).join(""); } return made; },
      set: function (v) { made = v; }});
  });
})();
{% endmacro %}
""")

    def __init__(self, html: Sequence[str]) -> None:
        super().__init__()
        self._name = "KrSharedPopups"
        self.html = [str(h) for h in html]


class TimelineSlider(RenderOnce):
    """A date slider with a play button that restyles a ``GeoJson`` layer step by step.

    Each step sets, on every feature of ``layer`` named in the table, the properties
    ``status``, ``popup`` and ``tooltip`` (read by the layer's ``GeoJsonPopup`` and
    ``GeoJsonTooltip`` when they open; an open one is refreshed) and the Leaflet style of
    its status, and draws that step's passages into ``passages``.

    Parameters
    ----------
    layer
        The ``GeoJson`` layer whose features the slider restyles (add it to the map first).
    data
        The packed table: :meth:`karabakh_routes.maps._features.SliderTable.to_data`.
        It reaches the page only through ``tojson``.
    passages
        A ``FeatureGroup`` for the passage overlay, or None.
    heading
        Escaped HTML shown above the controls (a title), or "".
    css_class
        Classes of the box holding heading and controls (its position on the page).
    interval_ms
        Delay between steps when playing.
    label
        The slider's accessible name.

    In the page, the slider's box carries ``data-kr-slider="<name>"`` and
    ``window[<name>]`` is its API: ``setStep(i)``, ``step()``, ``dates``, ``statuses``,
    ``statusOf(segment)``, ``layers`` (segment -> Leaflet layer), ``play()``, ``stop()``
    and ``box``; every DOM id starts with ``<name>`` (the element's ``get_name()``).
    """

    _template = _SLIDER_ENV.from_string(r"""
{% macro html(this, kwargs) %}{% set n = this.get_name() %}
<div class="kr-box kr-slider {{ this.css_class|e }}" id="{{ n }}-box" data-kr-slider="{{ n }}">
{{- this.heading -}}
<div class="kr-controls">
<button type="button" id="{{ n }}-play" aria-pressed="false" aria-controls="{{ n }}-range">&#9654; Play</button>
<input type="range" id="{{ n }}-range" min="0" max="{{ this.data.dates|length - 1 }}" step="1"
 value="{{ this.initial }}" aria-label="{{ this.label|e }}">
<span class="kr-date" id="{{ n }}-date" aria-live="polite">{{ this.data.dates[this.initial]|e }}</span>
<span class="kr-until" id="{{ n }}-until">{{ this.data.until[this.initial]|e }}</span>
</div></div>
{% endmacro %}

{% macro script(this, kwargs) %}
(function () {
  var name = {{ this.get_name()|tojson }};
  var D = {{ this.data|tojson }};
  var roads = {{ this.layer_name }};
  var passageGroup = {{ this.passages_name or "null" }};
  var box = document.getElementById(name + "-box");
  var slider = document.getElementById(name + "-range");
  var label = document.getElementById(name + "-date");
  var until = document.getElementById(name + "-until");
  var play = document.getElementById(name + "-play");
  var index = {}, layers = {}, built = {}, cur = 0, timer = null;
  D.segments.forEach(function (s, k) { index[s] = k; });
  roads.eachLayer(function (l) {
    var s = l.feature && l.feature.properties[D.key];
    if (Object.prototype.hasOwnProperty.call(index, s)) { layers[s] = l; }
  });
  function popupHtml(p) {
    if (!(p in built)) { built[p] = D.popup_parts[p].map(function (f) { return D.html[f]; }).join(""); }
    return built[p];
  }
  /* so that resetStyle() keeps the slider's date */
  roads.options.style = function (feature) { return D.styles[feature.properties.status]; };
  function setStep(i) {
    i = Math.max(0, Math.min(D.dates.length - 1, Number(i) || 0));
    cur = i;
    D.segments.forEach(function (s, k) {
      var l = layers[s];
      if (!l) { return; }
      var c = D.codes[i].charAt(k), p = l.feature.properties;
      p.status = D.statuses[parseInt(c, 36)];
      p.popup = popupHtml(D.popups[i][k]);
      p.tooltip = D.tooltips[k][c];
      l.setStyle(D.styles[p.status]);
    });
    [roads.getPopup(), roads.getTooltip()].forEach(function (o) { if (o && o.isOpen()) { o.update(); } });
    if (passageGroup) {
      passageGroup.clearLayers();
      D.passages[i].forEach(function (k) {
        var l = layers[D.segments[k]];
        if (l) { L.polyline(l.getLatLngs(), D.passage_style).addTo(passageGroup).bringToBack(); }
      });
    }
    slider.value = String(i);
    label.textContent = D.dates[i];
    until.textContent = D.until[i];
    slider.setAttribute("aria-valuetext", D.dates[i] + " " + D.until[i]);
    return i;
  }
  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    play.textContent = "\u25B6 Play";
    play.setAttribute("aria-pressed", "false");
  }
  function start() {
    if (cur >= D.dates.length - 1) { setStep(0); }
    play.textContent = "\u275A\u275A Pause";
    play.setAttribute("aria-pressed", "true");
    timer = setInterval(function () {
      if (cur >= D.dates.length - 1) { stop(); } else { setStep(cur + 1); }
    }, {{ this.interval_ms|tojson }});
  }
  slider.addEventListener("input", function () { stop(); setStep(slider.value); });
  play.addEventListener("click", function () { if (timer === null) { start(); } else { stop(); } });
  setStep({{ this.initial|tojson }});
  window[name] = {
    layers: layers, setStep: setStep, dates: D.dates, statuses: D.statuses, box: box,
    step: function () { return cur; },
    statusOf: function (segment) { return layers[segment] ? layers[segment].feature.properties.status : null; },
    play: start, stop: stop
  };
})();
{% endmacro %}
""")

    def __init__(self, layer: folium.GeoJson, data: Mapping[str, Any], *, passages: folium.FeatureGroup | None = None,
                 heading: str = "", css_class: str = "", interval_ms: int = 900,
                 label: str = "Date shown on the map") -> None:
        super().__init__()
        self._name = "TimelineSlider"
        if not data.get("dates"):
            msg = "a TimelineSlider needs at least one step"
            raise ValueError(msg)
        self.layer_name = layer.get_name()
        self.passages_name = passages.get_name() if passages is not None else None
        self.data = data
        self.heading = heading
        self.css_class = css_class
        self.interval_ms = int(interval_ms)
        self.label = label
        self.initial = 0

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # as MacroElement.render: no return
        """Add the controls' styles (once per page), then render the macros once."""
        _figure(self).header.add_child(Raw(SLIDER_CSS), name="kr_slider_css")
        super().render(**kwargs)
