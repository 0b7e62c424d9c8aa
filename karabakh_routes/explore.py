"""``kr.explore``: an interactive map of a date's status table, in the library's palette.

Why not ``GeoDataFrame.explore``
--------------------------------
``geopandas``' ``explore`` hands the data to ``folium.GeoJson``, and branca compiles that
element's output as a Jinja template a second time (see ``karabakh_routes/maps/_elements.py``).
geopandas wraps ``{{`` in ``{% raw %}``, but not ``{%`` or ``{#``: a claim quote or segment name
holding ``{% for i in range(2) %}x{% endfor %}`` is *run* (the page shows ``xx``), and one
holding ``{% endraw %}`` makes the render fail. Its tooltip also puts every value into the
page as HTML. Data is never code, so :func:`explore` builds the same kind of map — every
segment coloured by status with :data:`~karabakh_routes.maps.style.STATUS_STYLES`, a tooltip
table of the row's columns, a legend — from the project's render-once elements, with every
value escaped. :func:`explore_frame` gives the flat table (nested columns as JSON text) for
anyone who wants ``explore_frame(gdf).explore()`` on data they trust.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
from shapely.geometry import mapping

from .dates import DateLike
from .timeline import Horizon, View

if TYPE_CHECKING:
    import folium

    from .model import RoadModel

__all__ = ["explore", "explore_frame", "NESTED_COLUMNS", "TOOLTIP_COLUMNS"]

#: Columns of :meth:`RoadModel.status` that hold lists or dicts (folium tooltips cannot show them).
NESTED_COLUMNS = ("routes", "claims", "passages", "basis", "set_aside", "assumptions")
#: Columns shown in :func:`explore`'s tooltips, in order.
TOOLTIP_COLUMNS = ("segment", "name", "status", "civilian", "humanitarian", "medical", "peacekeepers", "disputed",
                   "uncertain", "carried", "evidence_age_days", "routes", "length_km")


def _text(value: Any) -> Any:
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def explore_frame(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a copy of a status table with its nested columns as JSON text (for folium tooltips).

    Examples
    --------
    >>> from karabakh_routes import load
    >>> flat = explore_frame(load().status(on="2023-07-20"))
    >>> isinstance(flat.iloc[0]["basis"], str)
    True
    """
    out = gdf.copy()
    for col in NESTED_COLUMNS:
        if col in out.columns:
            out[col] = [_text(v) for v in out[col]]
    if "evidence_age_days" in out.columns:
        out["evidence_age_days"] = ["" if v is None else v for v in out["evidence_age_days"]]
    return out


def _tooltip(row: dict[str, Any]) -> str:
    from .maps._html import esc

    cells = []
    for col in TOOLTIP_COLUMNS:
        if col not in row:
            continue
        value = row[col]
        if isinstance(value, float):
            value = f"{value:.1f}"
        elif isinstance(value, (list, tuple)):
            value = ", ".join(map(str, value))
        cells.append(f"<tr><th>{esc(col)}</th><td>{esc(value)}</td></tr>")
    return f"<table>{''.join(cells)}</table>"


def explore(
    model: RoadModel,
    *,
    on: DateLike,
    traffic: str | None = None,
    view: str | View = "consensus",
    horizon: Horizon = "default",
    offline: bool = False,
    tiles: str | None = "OpenStreetMap",
    bbox: Sequence[float] | None = None,
) -> folium.Map:
    """Return an interactive map of every segment's status on a date, in the library's palette.

    Like ``model.status(...).explore()``, but coloured and dashed by status with
    :data:`~karabakh_routes.maps.style.STATUS_STYLES`, with a legend, a tooltip table of each
    segment's columns and a popup listing the claims behind its status — and safe for any
    text in the data (see the module documentation for why ``GeoDataFrame.explore`` is not).

    Parameters
    ----------
    model
        From :func:`karabakh_routes.load`.
    on, traffic, view, horizon
        As for :meth:`RoadModel.status` (``traffic`` in any letter case; None = all classes).
    offline
        No tile layer: the page makes no request at all.
    tiles
        Tile layer when online.
    bbox
        ``(west, south, east, north)`` in degrees: only the segments whose line meets this area
        (their statuses the whole network's), and the map opens on it
        (see :func:`karabakh_routes.maps.date_map`).

    Returns
    -------
    folium.Map
        Shown in a notebook as is; ``.save("explore.html")`` writes it.

    Examples
    --------
    >>> import karabakh_routes as kr
    >>> fmap = kr.explore(kr.load(), on="2023-07-20", traffic="Humanitarian", offline=True)
    >>> "#000000" in fmap.get_root().render()   # closed: the palette's black
    True
    """
    from .area import describe, roads_in
    from .maps import _elements as el
    from .maps._features import road_layer
    from .maps._html import claims_html, legend_html, title_html
    from .maps.date_map import add_overlay_box, base_map, set_page_title

    q = model.query(on=on, traffic=traffic, view=view, horizon=horizon)  # parsed once, here
    day, v = q.day, q.view
    area = None if bbox is None else roads_in(model.timeline, bbox)[0]
    gdf = model._status(q, bbox=area)
    cls = gdf.attrs.get("traffic", "all")
    fmap = base_map(model, offline=offline, tiles=tiles, bbox=area, roads=gdf.geometry)
    title = f"Segment status on {day.isoformat()}"
    subtitle = f"Traffic: {cls if cls != 'all' else 'all classes'} · view: {v} · claims carried up to {v.horizon_text}"
    if area is not None:
        subtitle += f" · area {describe(area)} (roads outside it not drawn)"
    if gdf.attrs.get("outside_data"):
        subtitle += f" · {gdf.attrs['outside_data']}"
    add_overlay_box(fmap, title_html(title, subtitle), "kr-title")
    set_page_title(fmap, title)
    features = []
    for row in gdf.to_dict("records"):
        popup = claims_html(row["basis"], model.ledger.sources, heading="Claims behind this status")
        features.append({"type": "Feature", "geometry": mapping(row["geometry"]),
                         "properties": {"status": str(row["status"]), "tooltip": _tooltip(row),
                                        "popup": f"<div class='kr-popup'>{popup}</div>"}})
    if features:
        road_layer(features, name="Segments").add_to(fmap)
    add_overlay_box(fmap, legend_html(), "kr-legend")
    el.LayerControl(collapsed=True).add_to(fmap)
    return fmap
