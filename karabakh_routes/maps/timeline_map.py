"""The timeline map: one HTML file with a date slider over every change point.

Geometry is stored once: one GeoJSON layer of every segment, built with the date map's
feature builder (:mod:`._features`). For each change point the map stores a compact status
table (:func:`._features.slider_table`, packed by :meth:`~._features.SliderTable.to_data`):
one status code per segment, and one index per segment into a deduplicated table of popup
HTML strings. A :class:`~._elements.TimelineSlider` element restyles the segments and swaps
the features' popup and tooltip properties when the slider moves. Nothing is loaded from
anywhere but Leaflet itself; with ``offline=True`` not even that.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import folium

from ..area import describe, roads_in
from ..dates import DateLike
from ..query import Query
from ..timeline import Horizon, View
from . import _elements as el
from ._features import query_slider_table, road_layer, segment_feature, timeline_steps
from ._html import legend_html, swatch, title_html
from .date_map import add_overlay_box, add_places, base_map
from .extent import region_of
from .style import PASSAGE_OVERLAY

if TYPE_CHECKING:
    from ..model import RoadModel

__all__ = ["timeline_map", "query_timeline_map", "timeline_steps"]


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
    bbox: Sequence[float] | None = None,
) -> folium.Map:
    """Return a folium map with a date slider over every change point in a range.

    The slider stops at ``start`` and at every change point of the timeline up to ``end``
    (see :func:`timeline_steps`); between two stops nothing changes. Each stop restyles
    every segment (colour and dash pattern, as on :func:`~karabakh_routes.maps.date_map`),
    swaps its popup (the claims in force), and draws the convoy passages of that day.

    Geometry is stored once; per stop the file holds one status code and one popup index
    per segment, and the popup HTML strings are stored once each (the table is
    :func:`~karabakh_routes.maps._features.slider_table`). In the page, the slider's box has
    ``data-kr-slider="<name>"`` and ``window[<name>]`` exposes ``layers`` (segment id ->
    Leaflet layer), ``setStep(i)``, ``step()``, ``dates`` and ``statusOf(segment)`` to
    scripts and tests (see :class:`~karabakh_routes.maps._elements.TimelineSlider`).

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
    bbox
        ``(west, south, east, north)`` in degrees: only the roads that meet this area and the
        places in it, and only the steps where one of those roads changes (as
        :func:`~karabakh_routes.maps.date_map` draws an area).

    Returns
    -------
    folium.Map
        Call ``.save("timeline.html")`` on it, or show it in a notebook.

    Raises
    ------
    DateError
        If the range is empty (see :func:`timeline_steps`).
    AreaError
        If ``bbox`` is not a valid box, or no road meets it.

    See Also
    --------
    karabakh_routes.maps.date_map : the map of one date.

    Examples
    --------
    >>> from karabakh_routes import load
    >>> m = timeline_map(load(), start="2023-06-01", end="2023-09-30", offline=True)
    >>> html = m.get_root().render()
    >>> "data-kr-slider=" in html, "cdn.jsdelivr" in html
    (True, False)
    """
    return query_timeline_map(model, model.query(start=start, end=end, traffic=traffic, view=view, horizon=horizon),
                              offline=offline, tiles=tiles, bbox=bbox)


def query_timeline_map(model: RoadModel, q: Query, *, offline: bool = False,
                       tiles: str | None = "OpenStreetMap", bbox: Sequence[float] | None = None,
                       progress: Callable[[int, int, dt.date], None] | None = None) -> folium.Map:
    """Return :func:`timeline_map` of a parsed :class:`~karabakh_routes.query.Query` (its range, class and view).

    Nothing is parsed again: ``q`` comes from :meth:`RoadModel.query <karabakh_routes.RoadModel.query>`.
    ``progress(done, total, day)`` is called after each step of the slider's table.
    """
    traffic, v = q.traffic, q.view
    area, within = None, None
    if bbox is not None:
        area, found = roads_in(model.timeline, bbox)
        within = found.tolist()
    table = query_slider_table(model, q, within=within, progress=progress)
    steps = table.steps
    last = q.end

    # the date map's features, without their popups and tooltips: the slider sets those per step
    # (their status the first step's, from the table: no status looked up again)
    edges = model.timeline._edge_rows()
    rows = [{"segment": k, "name": d.get("name", k), "status": status, "geometry": d["geometry"]}
            for (_, _, k, d), status in zip(edges if within is None else [edges[i] for i in within],
                                            table.statuses[0], strict=True)]
    fmap = base_map(model, offline=offline, tiles=tiles, bbox=area, roads=[r["geometry"] for r in rows])
    roads = road_layer([segment_feature(model, row, traffic, details=False) for row in rows],
                       name="Roads (status on the slider's date)", highlight=False,
                       popup_options={"auto_pan_padding_top_left": [20, 130]})  # clear of the title box
    roads.add_to(fmap)
    passage_group = el.FeatureGroup(name="Convoy passages on the slider's date", show=True)
    passage_group.add_to(fmap)
    add_places(fmap, model, area)

    range_text = f"{steps[0].isoformat()} to {last.isoformat() if last else steps[-1].isoformat()}"
    region = region_of(model)
    title = f"{region.title}, {range_text}"
    subtitle = " · ".join([f"Traffic: {q.traffic_text}", f"view: {v}", f"claims carried up to {v.horizon_text}",
                           f"{len(steps)} dates where a status changes"
                           + (f" in the area {describe(area)} (roads outside it not drawn)" if area else ""),
                           *([region.geometry_note] if region.geometry_note else [])])
    fmap.add_child(el.TimelineSlider(roads, table.to_data(), passages=passage_group,
                                     heading=title_html(title, subtitle), css_class="kr-title kr-timeline"))
    passage_swatch = swatch(PASSAGE_OVERLAY[0], None, 10, PASSAGE_OVERLAY[2])
    add_overlay_box(fmap, legend_html([(passage_swatch, "convoy passage reported that day")]), "kr-legend")
    el.LayerControl(collapsed=True).add_to(fmap)
    return fmap
