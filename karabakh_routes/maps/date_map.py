"""The date map: every segment styled by status on one date, with the claims behind it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import folium
from jinja2 import Template

from ..dates import DateLike, to_date
from ..events import TRAFFIC_CLASSES
from ..network import place_index
from ..timeline import Horizon, View, parse_view
from . import _elements as el
from ._html import claims_html, esc, js_string, legend_html, swatch, title_html
from .offline import make_offline, root_header
from .style import PASSAGE_OVERLAY, STATUS_STYLES, TRIP_OVERLAY, style_for

if TYPE_CHECKING:
    from ..model import RoadModel

__all__ = ["date_map", "base_map", "add_overlay_box", "add_places", "ATTRIBUTION"]

ATTRIBUTION = ("Road status: karabakh_routes, from the sources cited in each popup. "
               "Geometry is schematic (drawn through sourced waypoints), not survey-grade.")

_CSS = """
<style>
.kr-box{background:rgba(255,255,255,.95);padding:6px 10px;border-radius:6px;box-shadow:0 1px 5px rgba(0,0,0,.4);
 font:13px/1.35 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#111}
.kr-title{position:absolute;top:10px;left:50%;transform:translateX(-50%);z-index:1000;text-align:center;max-width:70%}
.kr-title-main{font-weight:700;font-size:15px}.kr-subtitle{font-size:12px;color:#333}
.kr-legend{position:absolute;bottom:28px;left:10px;z-index:1000}
.kr-legend-title{font-weight:700;margin-bottom:3px}.kr-legend-row{display:flex;align-items:center;gap:6px;white-space:nowrap}
.kr-popup{font:12px/1.35 system-ui,sans-serif;color:#111;max-height:340px;overflow:auto}
.kr-popup h4{margin:0 0 4px;font-size:14px}.kr-popup table{border-collapse:collapse;margin:4px 0}
.kr-popup td{padding:1px 6px 1px 0}.kr-popup ul{margin:2px 0 6px;padding-left:16px}
.kr-popup blockquote{margin:3px 0;padding-left:6px;border-left:3px solid #999;color:#222}
.kr-note{color:#444;font-style:italic}.kr-src{color:#333}.kr-noquote{color:#555}
.kr-disputed{background:#f8e8dd;padding:3px 5px;border-radius:4px;margin:4px 0}
.leaflet-tooltip.kr-place-label{font:600 12px/1.2 system-ui,sans-serif;color:#111;background:transparent;border:0;
 box-shadow:none;padding:0 2px;text-shadow:0 0 2px #fff,0 0 3px #fff,0 0 4px #fff;white-space:nowrap}
.leaflet-tooltip.kr-place-label:before{display:none}
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
        self.text = js_string(text)


def add_overlay_box(fmap: folium.Map, html: str, css_class: str) -> None:
    """Add a fixed box (``kr-title`` or ``kr-legend``) with already-escaped HTML to the map."""
    fmap.add_child(_Box(html, css_class))


def base_map(model: RoadModel, *, offline: bool = False, tiles: str | None = "OpenStreetMap") -> folium.Map:
    """Return an empty map fitted to the network, with our CSS and attribution.

    With ``offline=True`` there is no tile layer and Leaflet is inlined.
    """
    G = model.G
    xs = [d["x"] for _, d in G.nodes(data=True)]
    ys = [d["y"] for _, d in G.nodes(data=True)]
    fmap = el.Map(location=[(min(ys) + max(ys)) / 2, (min(xs) + max(xs)) / 2], zoom_start=9,
                  tiles=None, control_scale=True, prefer_canvas=False)
    if tiles and not offline:
        el.TileLayer(tiles).add_to(fmap)
    fmap.add_child(el.FitBounds([[min(ys), min(xs)], [max(ys), max(xs)]], padding=(20, 20)))
    root_header(fmap).add_child(el.Raw(_CSS), name="kr_css")
    fmap.add_child(_Attribution(ATTRIBUTION))
    if offline:
        make_offline(fmap)
    return fmap


def _segment_popup(model: RoadModel, row: Any, traffic: str | None) -> str:
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


def add_places(fmap: folium.Map, model: RoadModel) -> None:
    """Add a ``Places`` layer: a marker per place, labelled on the map for cities and towns.

    The popup lists every name of the place and where its coordinates come from.
    """
    places = el.FeatureGroup(name="Places", show=True)
    for pl in place_index(model.G).places.values():
        names = " · ".join(pl.names)
        permanent = pl.kind in ("city", "town")
        el.CircleMarker(
            [pl.lat, pl.lon], radius=4 if pl.kind in ("junction", "checkpoint") else 5,
            color="#222", weight=1.5, fill=True, fill_color="#fff", fill_opacity=1,
            tooltip=el.Tooltip(f"<span class='kr-place'>{esc(pl.name)}</span>", permanent=permanent,
                                   className="kr-place-label" if permanent else "kr-place-tip",
                                   direction="right" if permanent else "auto", offset=[4, 0] if permanent else [0, 0]),
            popup=el.Popup(f"<div class='kr-popup'><h4>{esc(pl.name)}</h4><div>Also: {esc(names)}</div>"
                               f"<div>Kind: {esc(pl.kind)}; coordinates {esc(pl.coord_precision)}: "
                               f"{esc(pl.coord_source)}</div></div>", parse_html=False, max_width=360),
        ).add_to(places)
    places.add_to(fmap)


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
) -> folium.Map:
    """Return a folium map of every segment's status on a date.

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
        Write a self-contained map: Leaflet inlined, no tile layer, no network request.
    tiles
        Tile layer when online.

    Returns
    -------
    folium.Map
        Call ``.save("map.html")`` on it, or show it in a notebook.

    Examples
    --------
    >>> from karabakh_routes import load
    >>> m = date_map(load(), on="2023-07-20", traffic="humanitarian", offline=True)
    >>> "cdn.jsdelivr" in m.get_root().render()
    False
    """
    day = to_date(on)
    v = parse_view(view, model.ledger, horizon=horizon)
    gdf = model.status(on=day, traffic=traffic, view=v)
    fmap = base_map(model, offline=offline, tiles=tiles)
    title = f"Roads into Nagorno-Karabakh on {day.isoformat()}"
    subtitle = (f"Traffic: {traffic or 'all classes'} · view: {v} · claims carried up to {v.horizon_text}"
                " · geometry schematic")
    add_overlay_box(fmap, title_html(title, subtitle), "kr-title")

    groups: dict[str, folium.FeatureGroup] = {}
    for status, st in STATUS_STYLES.items():
        groups[status] = el.FeatureGroup(name=f"Roads: {st.label}", show=True)
    for _, row in gdf.iterrows():
        st = style_for(row["status"])
        style = st.leaflet()
        feature = {"type": "Feature", "geometry": row.geometry.__geo_interface__,
                   "properties": {"segment": row["segment"], "status": row["status"]}}
        gj = el.GeoJson(
            feature, name=row["segment"],
            style_function=lambda _f, s=style: s,
            highlight_function=lambda _f, s=style, w=st.weight: {**s, "weight": w + 3},
            tooltip=el.Tooltip(f"{esc(row['name'])}: {esc(row['status'])}"),
            popup=el.Popup(_segment_popup(model, row, traffic), max_width=420, parse_html=False),  # type: ignore[arg-type]
        )
        gj.add_to(groups[row["status"]] if row["status"] in groups else groups["unknown"])
    for g in groups.values():
        g.add_to(fmap)

    def line(segment: str) -> list[tuple[float, float]]:
        return [(y, x) for x, y in gdf.loc[segment, "geometry"].coords]

    passages = model.timeline.passages(on=day, view=v)
    extra: list[tuple[str, str]] = []
    if passages:
        color, weight, opacity = PASSAGE_OVERLAY
        pg = el.FeatureGroup(name="Convoy passages this day", show=True)
        for p in passages:
            html = claims_html([p], model.ledger.sources, heading="Passage reported")
            el.PolyLine(line(p["segment"]), color=color, weight=weight, opacity=opacity,
                            popup=el.Popup(f"<div class='kr-popup'>{html}</div>", parse_html=False, max_width=420),
                            tooltip=el.Tooltip(f"Passage: {esc(', '.join(p['traffic']))} ({esc(p['claimant'])})"),
                            ).add_to(pg)
        pg.add_to(fmap)
        extra.append((swatch(color, None, 10, opacity), "convoy passage reported this day"))

    if path:
        r = model.reach(path[0], path[1], on=day, traffic=traffic or "civilian", view=v)
        names = place_index(model.G).places
        a_name, b_name = names[r.origin].name, names[r.destination].name
        color, weight, opacity = TRIP_OVERLAY
        pg = el.FeatureGroup(name=esc(f"Trip {a_name} → {b_name}: {r.answer}"), show=True)
        for key in r.segments or r.blocked_by:
            el.PolyLine(line(key), color=color, weight=weight, opacity=opacity,
                            tooltip=el.Tooltip(f"Trip {esc(a_name)} → {esc(b_name)}: {esc(r.answer)}"),
                            ).add_to(pg)
        pg.add_to(fmap)
        extra.append((swatch(color, None, 10, opacity), f"trip {a_name} → {b_name} ({traffic or 'civilian'}): {r.answer}"))

    add_places(fmap, model)
    add_overlay_box(fmap, legend_html(extra), "kr-legend")
    el.LayerControl(collapsed=True).add_to(fmap)
    return fmap
