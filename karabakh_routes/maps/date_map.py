"""The date map: every segment styled by status on one date, with the claims behind it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import folium
from jinja2 import Template

from ..area import describe, roads_in
from ..dates import DateLike
from ..network import place_index
from ..query import Query
from ..region import DEFAULT_TITLE
from ..timeline import Horizon, View
from . import _elements as el
from ._features import _Popups, road_layer, segment_feature
from ._html import claims_html, esc, js_string, legend_html, title_html
from ._layout import (
    HIGHLIGHT_PANES,
    LABEL_RANK,
    MapLayout,
    PlaceLabels,
    PlaceMarkers,
    claimed_places,
    label_text,
    route_points,
)
from .extent import Bounds, contested_bounds, region_of
from .headline import trip_headline
from .offline import inline_leaflet, root_header
from .style import ATTRIBUTION, PASSAGE_OVERLAY, STATUS_STYLES, TRIP_CORE, TRIP_OVERLAY

if TYPE_CHECKING:
    from ..model import RoadModel

__all__ = ["date_map", "query_map", "base_map", "add_overlay_box", "add_places", "headline_html", "band_swatch", "set_page_title",
           "ATTRIBUTION", "PAGE_TITLE"]


_CSS = """
<style>
.kr-box{background:rgba(255,255,255,.95);padding:6px 10px;border-radius:6px;box-shadow:0 1px 5px rgba(0,0,0,.4);
 font:13px/1.35 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#111}
.kr-title{position:absolute;top:10px;left:50%;transform:translateX(-50%);z-index:1000;text-align:center;max-width:70%}
.kr-title-main{font-weight:700;font-size:15px}.kr-subtitle{font-size:12px;color:#333}
.kr-legend{position:absolute;top:94px;left:10px;z-index:1000;transition:opacity .2s}
.kr-legend.kr-behind{opacity:.12;pointer-events:none}
.kr-legend-title{font-weight:700;margin-bottom:3px}.kr-legend-row{display:flex;align-items:center;gap:6px;white-space:nowrap}
.kr-popup{font:12px/1.35 system-ui,sans-serif;color:#111;max-height:340px;overflow:auto}
.kr-popup h4{margin:0 0 4px;font-size:14px}.kr-popup table{border-collapse:collapse;margin:4px 0}
.kr-popup td{padding:1px 6px 1px 0}.kr-popup ul{margin:2px 0 6px;padding-left:16px}
.kr-popup blockquote{margin:3px 0;padding-left:6px;border-left:3px solid #999;color:#222}
.kr-note{color:#444;font-style:italic}.kr-src{color:#333}.kr-noquote{color:#555}
.kr-disputed{background:#f8e8dd;padding:3px 5px;border-radius:4px;margin:4px 0}
.kr-headline{font-weight:800;font-size:20px;line-height:1.2}.kr-headline-why{font-size:13px;font-weight:600;margin:2px 0 3px}
.kr-title-trip{max-width:min(860px,92%)}.kr-title-trip .kr-title-main{font-size:13px}
@media (max-width:900px),(max-height:640px){.kr-headline{font-size:17px}
 .kr-headline-why{font-size:12px;max-height:4.2em;overflow:auto}.kr-title-trip .kr-subtitle{display:none}}
.leaflet-tooltip.kr-place-label{font:600 12px/1.2 system-ui,sans-serif;color:#111;background:transparent;border:0;
 box-shadow:none;padding:0 2px;text-shadow:0 0 2px #fff,0 0 3px #fff,0 0 4px #fff;white-space:nowrap;margin:0}
.leaflet-tooltip.kr-place-label:before{display:none}
.leaflet-tooltip.kr-place-hover{font:600 12px/1.2 system-ui,sans-serif;color:#111}
.leaflet-control-scale-line{font:11px/1.3 system-ui,sans-serif;color:#111}
.leaflet-container .leaflet-control-attribution{font-size:11px;line-height:1.35}
@media (max-width:900px),(max-height:640px){.kr-legend{font-size:11px;line-height:1.25;padding:4px 8px;max-width:290px}
 .kr-legend-row{white-space:normal}.kr-legend svg{width:34px;flex:none}
 .leaflet-container .leaflet-control-attribution{font-size:10px;line-height:1.3}}
.leaflet-tooltip.kr-place-tip{font:12px/1.3 system-ui,sans-serif;color:#111;padding:2px 6px}
</style>
"""


class _Box(el.RenderOnce):
    """A fixed HTML box on the map (title, legend); the HTML is built escaped by the caller."""

    _template = Template("""
{% macro html(this, kwargs) %}<div class="kr-box {{ this.css_class }}" id="{{ this.get_name() }}">
{{- this.html }}</div>{% endmacro %}
""")

    def __init__(self, html: str, css_class: str) -> None:
        super().__init__()
        self._name = "KrBox"
        self.html = html
        self.css_class = css_class


class _Attribution(el.RenderOnce):
    _template = Template("""
{% macro script(this, kwargs) %}
{{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text }});
{% endmacro %}
""")

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "KrAttribution"
        self.text = js_string(esc(text))  # Leaflet shows attributions as HTML: data is escaped


def headline_html(headline: str, why: str, title: str, subtitle: str = "") -> str:
    """Return a trip map's title block: the answer in large type, the segments behind it, then the title."""
    sub = f"<div class='kr-subtitle'>{esc(subtitle)}</div>" if subtitle else ""
    return (f"<div class='kr-headline' role='heading' aria-level='1'>{esc(headline)}</div>"
            f"<div class='kr-headline-why'>{esc(why)}</div><div class='kr-title-main'>{esc(title)}</div>{sub}")


def band_swatch(bands: Sequence[tuple[str, float, float]]) -> str:
    """Return a legend sample of a highlight band: (colour, width, opacity) lines drawn in order, a road over them."""
    lines = "".join(f'<line x1="2" y1="7" x2="44" y2="7" stroke="{esc(c)}" stroke-width="{w:g}" stroke-opacity="{o:g}"/>'
                    for c, w, o in bands)
    road = STATUS_STYLES["open"]
    return (f'<svg width="46" height="14" aria-hidden="true">{lines}'
            f'<line x1="2" y1="7" x2="44" y2="7" stroke="{road.color}" stroke-width="3"/></svg>')


def add_overlay_box(fmap: folium.Map, html: str, css_class: str) -> None:
    """Add a fixed box (``kr-title`` or ``kr-legend``) with already-escaped HTML to the map."""
    fmap.add_child(_Box(html, css_class))


#: The page title of a map without one of its own, when the dataset has no ``region.json``
#: (a dataset's own is ``model.region.title``).
PAGE_TITLE = DEFAULT_TITLE


def set_page_title(fmap: folium.Map, title: str) -> None:
    """Set the page's ``<title>`` (escaped here; branca inserts it as given)."""
    root: Any = fmap.get_root()
    root.title = esc(" ".join(str(title).split()))


def base_map(model: RoadModel, *, offline: bool = False, tiles: str | None = "OpenStreetMap",
             bbox: Bounds | None = None, roads: Iterable[Any] = ()) -> folium.Map:
    """Return an empty map with our CSS, attribution, metric scale and initial view.

    Leaflet is always inlined (``xstatic-leaflet``): the page draws its roads without a
    network. Online, the ``tiles`` layer is added on top and fails quietly without a network
    (blank tiles); with ``offline=True`` there is no tile layer and the page makes no request.
    The initial view fits the contested roads (the Lachin corridor and the Aghdam road,
    :func:`~karabakh_routes.maps.extent.contested_bounds`) in the part of the map that the
    title and legend leave free; the approach roads run out of the frame. A dataset's
    ``region.json`` (``model.region``) sets the page title, the attribution and the initial view.
    With a ``bbox`` (an area, :mod:`karabakh_routes.area`) the initial view fits it instead, with
    the parts of the ``roads`` (shapely lines) inside it clear of the legend, and a dashed
    outline marks it.
    """
    region = region_of(model)
    min_lon, min_lat, max_lon, max_lat = contested_bounds(model) if bbox is None else bbox
    fmap = el.Map(location=[(min_lat + max_lat) / 2, (min_lon + max_lon) / 2], zoom_start=10,
                  tiles=None, control_scale=False, prefer_canvas=False, zoom_snap=0.25)
    inline_leaflet(fmap)
    set_page_title(fmap, region.title)
    if tiles and not offline:
        el.TileLayer(tiles).add_to(fmap)
    root_header(fmap).add_child(el.Raw(_CSS), name="kr_css")
    fmap.add_child(_Attribution(region.attribution))
    if bbox is None:
        points = route_points(model, region.focus_routes)
    else:
        points = area_points(roads, (min_lon, min_lat, max_lon, max_lat))
        el.Rectangle([[min_lat, min_lon], [max_lat, max_lon]], color="#444", weight=1.5, opacity=0.8, dash_array="6 5",
                     fill=False, interactive=False).add_to(fmap)
    fmap.add_child(MapLayout((min_lon, min_lat, max_lon, max_lat), points))
    return fmap


#: The most points of an area's roads that its initial view keeps clear of the legend
#: (:func:`area_points`; the page tests each against the legend for each view it tries).
MAX_AREA_POINTS = 4000


def area_points(roads: Iterable[Any], bbox: Bounds) -> list[tuple[float, float]]:
    """``(lon, lat)`` of the roads' vertices inside ``bbox``, every k-th so that at most :data:`MAX_AREA_POINTS`."""
    west, south, east, north = bbox
    pts = [(float(x), float(y)) for g in roads if g is not None for x, y in g.coords
           if west <= x <= east and south <= y <= north]
    step = -(-len(pts) // MAX_AREA_POINTS) or 1
    return pts[::step]


#: The most places that carry a permanent label; the others name themselves on hover. Leaflet
#: lays the page out again for each permanent tooltip it opens, so that opening thousands of
#: them takes minutes: in Chromium, a map of 5,085 places (benchmarks/synth.py, M) was ready
#: after 47 s with every place labelled, 3.0 s with 400 labelled, 3.4 s with 600, 1.4 s with
#: none. The labels placed in one view are capped lower still
#: (:class:`~karabakh_routes.maps._layout.PlaceLabels`).
MAX_LABELLED = 600


def add_places(fmap: folium.Map, model: RoadModel, bbox: Bounds | None = None) -> None:
    """Add a ``Places`` layer: a marker and a label per place, placed so that labels do not overlap.

    Places are labelled by their display name without a trailing parenthesis; the labels are
    placed in the page, after the map is ready and after every zoom or pan, clear of each other, of
    the roads and of the boxes (:class:`~karabakh_routes.maps._layout.PlaceLabels`). Only a
    place that no claim is about may lose its label where there is no room for it, as long as
    the view holds few claimed places; in a view of many places the labels are thinned (see
    :class:`~karabakh_routes.maps._layout.PlaceLabels`). On a network of more than
    :data:`MAX_LABELLED` places only that many carry a label (the claimed ones first, then by
    kind); the others show their name on hover. The popup lists every name of the place and
    where its coordinates come from. With a ``bbox``, only the places inside it.
    """
    claimed = claimed_places(model)
    index = place_index(model.G).places
    if bbox is not None:
        west, south, east, north = bbox
        index = {pid: pl for pid, pl in index.items() if west <= pl.lon <= east and south <= pl.lat <= north}
    ranked = sorted(index, key=lambda pid: (pid not in claimed, LABEL_RANK.get(index[pid].kind, 9), pid))
    labelled = set(ranked[:MAX_LABELLED])
    rows = []
    for pid, pl in index.items():
        names = " · ".join(pl.names)
        css = (f"kr-place-label kr-rank-{LABEL_RANK.get(pl.kind, 9)}" + (" kr-claimed" if pid in claimed else "")
               if pid in labelled else None)
        rows.append((pl.lat, pl.lon, 4 if pl.kind in ("junction", "checkpoint") else 5,
                     f"<span class='kr-place'>{esc(label_text(pl.name))}</span>", css,
                     f"<div class='kr-popup'><h4>{esc(pl.name)}</h4><div>Also: {esc(names)}</div>"
                     f"<div>Kind: {esc(pl.kind)}; coordinates {esc(pl.coord_precision)}: "
                     f"{esc(pl.coord_source)}</div></div>"))
    places = el.FeatureGroup(name="Places", show=True)
    places.add_child(PlaceMarkers(rows))
    places.add_to(fmap)
    fmap.add_child(PlaceLabels())


def date_map(
    model: RoadModel,
    *,
    on: DateLike,
    traffic: str | None = None,
    view: str | View = "consensus",
    horizon: Horizon = "default",
    path: Sequence[str] | None = None,
    offline: bool = False,
    tiles: str | None = "OpenStreetMap",
    bbox: Sequence[float] | None = None,
) -> folium.Map:
    """Return a folium map of every segment's status on a date (or of an area's segments).

    Parameters
    ----------
    model
        From :func:`karabakh_routes.load`.
    on
        The date.
    traffic
        A traffic class, or None for the overall status over all classes.
    view
        How claimants are combined.
    horizon
        Days an open-ended claim is carried past its as-of date (default 30); None = no bound.
    path
        ``(origin, destination)``: highlight the reachability path (for ``traffic``, or
        ``civilian`` when None).
    offline
        No tile layer: the page makes no network request at all. (Leaflet is inlined in every
        map, so an online map draws its roads without a network too; only its tiles stay blank.)
    tiles
        Tile layer when online (added on top; it fails quietly without a network).
    bbox
        ``(west, south, east, north)`` in degrees: draw only the roads that meet this area and
        the places in it, and open the map on it (a dashed outline marks it). The statuses, and
        a trip's answer, are still the whole network's; the trip is drawn where it crosses the
        area. :func:`karabakh_routes.bbox_around` makes one from a place and a distance. For a
        network too large to read (or write) as one map.

    Returns
    -------
    folium.Map
        Call ``.save("map.html")`` on it, or show it in a notebook.

    Raises
    ------
    AreaError
        If ``bbox`` is not a valid box, or no road meets it.

    Examples
    --------
    >>> from karabakh_routes import load
    >>> m = date_map(load(), on="2023-07-20", traffic="humanitarian", offline=True)
    >>> "cdn.jsdelivr" in m.get_root().render()
    False
    """
    return query_map(model, model.query(on=on, traffic=traffic, view=view, horizon=horizon), path=path,
                     offline=offline, tiles=tiles, bbox=bbox)


def query_map(
    model: RoadModel,
    q: Query,
    *,
    path: Sequence[str] | None = None,
    offline: bool = False,
    tiles: str | None = "OpenStreetMap",
    bbox: Sequence[float] | None = None,
) -> folium.Map:
    """Return :func:`date_map` of a parsed :class:`~karabakh_routes.query.Query` (its date, class and view).

    Nothing is parsed again: ``q`` comes from :meth:`RoadModel.query <karabakh_routes.RoadModel.query>`.
    """
    day, traffic, v = q.day, q.traffic, q.view
    area = None if bbox is None else roads_in(model.timeline, bbox)[0]
    gdf = model._status(q, bbox=area)
    fmap = base_map(model, offline=offline, tiles=tiles, bbox=area, roads=gdf.geometry)
    region = region_of(model)
    title = f"{region.title} on {day.isoformat()}"
    subtitle = " · ".join([f"Traffic: {q.traffic_text}", f"view: {v}",
                           f"claims carried up to {v.horizon_text}",
                           *([f"area {describe(area)} (roads outside it not drawn)"] if area else []),
                           *([region.geometry_note] if region.geometry_note else [])])
    r = model._reach(path[0], path[1], q.for_trip()) if path else None
    if r is None:
        add_overlay_box(fmap, title_html(title, subtitle), "kr-title")
        set_page_title(fmap, title)
    else:
        headline, why = trip_headline(r, model)
        add_overlay_box(fmap, headline_html(headline, why, title, subtitle), "kr-title kr-title-trip")
        set_page_title(fmap, headline)

    # one GeoJson layer per status, in legend order; each feature carries its own popup and tooltip
    by_status: dict[str, list[dict[str, Any]]] = {status: [] for status in STATUS_STYLES}
    popup = _Popups(model, traffic)
    for row in gdf.to_dict("records"):
        feature = segment_feature(model, row, traffic, popup=popup)
        by_status[feature["properties"]["status"]].append(feature)
    for status, features in by_status.items():
        if features:
            road_layer(features, name=f"Roads: {STATUS_STYLES[status].label}").add_to(fmap)

    def line(segment: str) -> list[tuple[float, float]]:
        return [(y, x) for x, y in gdf.loc[segment, "geometry"].coords]

    passages = [p for p in model.timeline.passages(on=day, view=v) if p["segment"] in gdf.index]
    extra: list[tuple[str, str]] = []
    if passages:
        color, weight, opacity = PASSAGE_OVERLAY
        pg = el.FeatureGroup(name="Convoy passages this day", show=True)
        for p in passages:
            html = claims_html([p], model.ledger.sources, heading="Passage reported")
            band = el.PolyLine(line(p["segment"]), color=color, weight=weight, opacity=opacity, line_cap="butt",
                               popup=el.Popup(f"<div class='kr-popup'>{html}</div>", parse_html=False, max_width=420),
                               tooltip=el.Tooltip(f"Passage: {esc(', '.join(p['traffic']))} ({esc(p['claimant'])})"))
            band.options["pane"] = HIGHLIGHT_PANES["passage"][0]  # under the roads
            band.add_to(pg)
        pg.add_to(fmap)
        extra.append((band_swatch([(color, 12, opacity)]), "convoy passage reported this day"))

    if r is not None:
        names = place_index(model.G).places
        a_name, b_name = names[r.origin].name, names[r.destination].name
        pg = el.FeatureGroup(name=esc(f"Trip {a_name} → {b_name}: {r.answer}"), show=True)
        for key in r.segments or r.blocked_by:
            if key not in gdf.index:  # outside the area
                continue
            for color, weight, opacity in (TRIP_OVERLAY, TRIP_CORE):  # a dark casing with a white core
                band = el.PolyLine(line(key), color=color, weight=weight, opacity=opacity, line_cap="butt",
                                   tooltip=el.Tooltip(f"Trip {esc(a_name)} → {esc(b_name)}: {esc(r.answer)}"))
                band.options["pane"] = HIGHLIGHT_PANES["trip"][0]  # under the roads and the passages
                band.add_to(pg)
        pg.add_to(fmap)
        extra.append((band_swatch([(TRIP_OVERLAY[0], 12, TRIP_OVERLAY[2]), (TRIP_CORE[0], 6, TRIP_CORE[2])]),
                      f"trip {a_name} → {b_name} ({traffic or 'civilian'}): {r.answer}"))

    add_places(fmap, model, area)
    add_overlay_box(fmap, legend_html(extra), "kr-legend")
    el.LayerControl(collapsed=True).add_to(fmap)
    return fmap
