"""The static date map: the HTML date map's content as a matplotlib figure, for print (PNG, SVG, PDF).

Same styling as the HTML map (colour *and* dash pattern per status, from
:data:`~karabakh_routes.maps.style.STATUS_STYLES`), the same legend labels, title,
subtitle and attribution, every place labelled, a scale bar in km, and for a trip a
headline with the answer (see :func:`~karabakh_routes.maps.headline.trip_headline`).
No web tiles, no folium: this module draws with matplotlib's object API
(:class:`matplotlib.figure.Figure`, no pyplot state), so it works headless.

The map is drawn in longitude/latitude with the axes' aspect set to 1/cos(latitude) of
the map's centre: a local equirectangular projection, true to shape at this size.

Text from data (place and segment names, claimants) is drawn literally: every text has
``parse_math=False`` and ``usetex=False``.
"""

from __future__ import annotations

import math
import os
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import networkx as nx
import numpy as np
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from matplotlib.transforms import Bbox
from pyproj import Geod

from .._errors import AreaError
from .._io import atomic_write
from ..area import describe, roads_in
from ..dates import DateLike
from ..network import place_index
from ..query import Query
from ..timeline import Horizon, View
from .extent import Bounds, claimed_places, map_bounds, region_of
from .headline import label_text, trip_headline
from .style import ATTRIBUTION, PASSAGE_OVERLAY, STATUS_STYLES, TRIP_CORE, TRIP_OVERLAY, style_for

if TYPE_CHECKING:
    from ..model import RoadModel
    from ..reach import Reach

__all__ = ["static_map", "query_static_map", "save_static_map", "STATIC_FORMATS", "ATTRIBUTION", "svg_dashes", "LEGEND_TITLE"]

#: File formats :func:`save_static_map` writes, by file suffix.
STATIC_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
#: The legend's heading (as in the HTML legend).
LEGEND_TITLE = "Road status"

#: One CSS pixel is 0.75 typographic points: Leaflet weights and dash arrays are in px.
PX = 0.75
_FIGSIZE = (12.0, 9.5)  # inches, landscape
_DPI = 100  # for layout; PNGs are saved at 150
_MARGIN = 0.3  # inches
_LEGEND_W = 3.55  # inches, right column
_GEOD = Geod(ellps="WGS84")
_KIND_ORDER = {"city": 0, "town": 1, "border_crossing": 2, "checkpoint": 3, "village": 4, "junction": 5}
_HALO = [patheffects.withStroke(linewidth=3, foreground="white")]
# Label candidates: directions (unit vector, ha, va), tried at rings of growing distance (points).
_HA = Literal["left", "center", "right"]
_VA = Literal["bottom", "center", "top"]
_DIRS: list[tuple[tuple[float, float], _HA, _VA]] = [
         ((1, 0), "left", "center"), ((-1, 0), "right", "center"), ((0.7, 0.7), "left", "bottom"),
         ((0.7, -0.7), "left", "top"), ((-0.7, 0.7), "right", "bottom"), ((-0.7, -0.7), "right", "top"),
         ((0, 1), "center", "bottom"), ((0, -1), "center", "top"), ((0.92, 0.38), "left", "bottom"),
         ((0.92, -0.38), "left", "top"), ((-0.92, 0.38), "right", "bottom"), ((-0.92, -0.38), "right", "top"),
         ((0.38, 0.92), "left", "bottom"), ((-0.38, 0.92), "right", "bottom"), ((0.38, -0.92), "left", "top"),
         ((-0.38, -0.92), "right", "top")]
_RINGS = (5.0, 13.0, 24.0, 38.0, 56.0, 78.0, 104.0, 135.0, 170.0, 210.0)
#: The rings a place off the frame is named in: near where its road leaves the frame (its name
#: has an arrow and no leader line, so farther out it would read as a name of the map's inside).
_EDGE_RINGS = 4
_ARROWS = {0: "→", 45: "↗", 90: "↑", 135: "↖", 180: "←", -180: "←", -135: "↙", -90: "↓", -45: "↘"}


def svg_dashes(dash: str | None, linewidth_pt: float | None = None) -> tuple[float, ...] | None:
    """Return an SVG ``stroke-dasharray`` in px as matplotlib dashes in points (None = solid).

    An odd-length array is repeated, as SVG does. With ``linewidth_pt``, the dashes are
    divided by it: what a :class:`~matplotlib.lines.Line2D` needs when
    ``lines.scale_dashes`` is on (the default), so that the drawn dashes have these lengths.

    >>> svg_dashes("10 3")
    (7.5, 2.25)
    >>> svg_dashes("3,3,1") , svg_dashes(None)
    ((2.25, 2.25, 0.75, 2.25, 2.25, 0.75), None)
    """
    if not dash:
        return None
    parts = [float(p) * PX for p in dash.replace(",", " ").split()]
    if len(parts) % 2:
        parts = parts * 2
    if linewidth_pt:
        parts = [p / linewidth_pt for p in parts]
    return tuple(parts)


def _clean(text: object) -> str:
    """One line of text from data: whitespace runs (newlines, tabs) become one space; no other change."""
    return " ".join(str(text).split())


def _literal(t: Text) -> Text:
    t.set_parse_math(False)
    t.set_usetex(False)
    return t


def _line(ax: Axes, xs: Sequence[float], ys: Sequence[float], *, color: str, weight: float, dash: str | None,
          alpha: float = 0.95, zorder: float = 3, gid: str | None = None) -> Line2D:
    lw = weight * PX
    (ln,) = ax.plot(xs, ys, color=color, linewidth=lw, alpha=alpha, zorder=zorder, solid_capstyle="butt",
                    dash_capstyle="butt", solid_joinstyle="round")
    _set_dashes(ln, dash, lw)
    if gid:
        ln.set_gid(gid)
    return ln


def _legend_handle(color: str, weight: float, dash: str | None, alpha: float = 0.95) -> Line2D:
    ln = Line2D([], [], color=color, linewidth=weight * PX, alpha=alpha, solid_capstyle="butt", dash_capstyle="butt")
    _set_dashes(ln, dash, weight * PX)
    return ln


def _set_dashes(ln: Line2D, dash: str | None, lw: float) -> None:
    """Give a line the SVG dash pattern ``dash`` (px), drawn at those lengths in points × 0.75.

    The drawn pattern is set directly (whatever ``lines.scale_dashes`` says), and the
    unscaled one so that a later change of line width under the default rc keeps it.
    """
    dashes = svg_dashes(dash)
    if dashes is None:
        return
    ln.set_linestyle((0, dashes))
    ln._unscaled_dash_pattern = (0.0, [d / lw for d in dashes])  # type: ignore[attr-defined]
    ln._dash_pattern = (0.0, list(dashes))  # type: ignore[attr-defined]


def _wrap(fig: Figure, text: str, width_in: float, *, sep: str = " ", **props: Any) -> str:
    """Wrap ``text`` so that each line, as rendered with ``props``, fits ``width_in`` inches.

    Lines break after ``sep`` where possible (e.g. ``" · "`` keeps each part of a headline
    whole), else at spaces.
    """
    renderer = _renderer(fig)
    probe = _literal(Text(0, 0, "", figure=fig, **props))

    def fits(s: str) -> bool:
        probe.set_text(s)
        return float(probe.get_window_extent(renderer).width) <= width_in * fig.dpi

    def greedy(words: list[str], joiner: str) -> list[str]:
        lines: list[str] = []
        line = ""
        for word in words:
            cand = f"{line}{joiner}{word}" if line else word
            if line and not fits(cand.rstrip()):
                lines.append(line.rstrip())
                line = word
            else:
                line = cand
        lines.append(line)
        return lines

    out: list[str] = []
    for para in text.split("\n"):
        if sep != " " and sep in para:
            parts = para.split(sep)
            lines = greedy([p + sep.rstrip() for p in parts[:-1]] + [parts[-1]], " ")
            if all(fits(ln) for ln in lines):
                out.extend(lines)
                continue
        out.extend(greedy(para.split(" "), " "))
    return "\n".join(out)


def _renderer(fig: Figure) -> Any:
    canvas = fig.canvas
    if not isinstance(canvas, FigureCanvasAgg):
        canvas = FigureCanvasAgg(fig)
    return canvas.get_renderer()


def _nice_km(max_km: float) -> float:
    """The largest 1-2-5 number of km not above ``max_km``."""
    best = 0.1
    for e in range(-1, 4):
        for m in (1, 2, 5):
            if m * 10**e <= max_km:
                best = m * 10**e
    return best


def _scale_bar(ax: Axes, lat: float) -> Bbox:
    """Draw a km scale bar in the lower right corner; return its bounding box in display coordinates."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    width_km = _GEOD.inv(x0, lat, x1, lat)[2] / 1000.0
    km = _nice_km(width_km * 0.22)
    lat0 = y0 + (y1 - y0) * 0.035
    lon_end = x1 - (x1 - x0) * 0.05
    lon0 = _GEOD.fwd(lon_end, lat0, -90.0, km * 1000.0)[0]
    h = (y1 - y0) * 0.008
    half = (lon_end - lon0) / 2
    for i, face in enumerate(("#222222", "#FFFFFF")):
        r = Rectangle((lon0 + i * half, lat0), half, h, facecolor=face, edgecolor="#222222", linewidth=0.8,
                      zorder=8)
        r.set_gid("scalebar")
        ax.add_patch(r)
    label = f"{km:g} km"
    t = _literal(ax.text((lon0 + lon_end) / 2, lat0 + h * 1.8, label, ha="center", va="bottom", fontsize=9, zorder=8,
                         path_effects=_HALO))
    t.set_gid("scalebar-label")
    zero = _literal(ax.text(lon0, lat0 + h * 1.8, "0", ha="center", va="bottom", fontsize=8, zorder=8,
                            path_effects=_HALO))
    zero.set_gid("scalebar-zero")
    renderer = _renderer(ax.figure)  # type: ignore[arg-type]
    lo = ax.transData.transform((lon0, lat0))
    hi = ax.transData.transform((lon_end, lat0 + h))
    boxes = [Bbox([lo, hi]), t.get_window_extent(renderer), zero.get_window_extent(renderer)]
    return Bbox.union(boxes).expanded(1.0, 1.0).padded(4)


@dataclass
class _Label:
    key: str
    text: str
    x: float  # data coordinates of the anchor
    y: float
    size: float
    weight: str
    marker: bool  # the anchor is a marker (else: an arrow at the frame's edge)
    rank: int


def _arrow(dx_km: float, dy_km: float) -> str:
    """The arrow (of eight) nearest to the direction (dx, dy)."""
    ang = math.degrees(math.atan2(dy_km, dx_km))
    return _ARROWS[int(round(ang / 45.0)) * 45]


def _inside(x: float, y: float, lim: Bounds) -> bool:
    return lim[0] <= x <= lim[2] and lim[1] <= y <= lim[3]


def _clip_point(ax_: float, ay_: float, bx_: float, by_: float, lim: Bounds) -> tuple[float, float]:
    """Where the segment from the inside point a to the outside point b crosses the frame."""
    ts = [1.0]
    dx, dy = bx_ - ax_, by_ - ay_
    for d, a, lo, hi in ((dx, ax_, lim[0], lim[2]), (dy, ay_, lim[1], lim[3])):
        if d > 0:
            ts.append((hi - a) / d)
        elif d < 0:
            ts.append((lo - a) / d)
    t = max(0.0, min(ts))
    return ax_ + dx * t, ay_ + dy * t


def _frame_anchor(model: RoadModel, pid: str, lim: Bounds, cos_lat: float) -> tuple[float, float, str]:
    """Where the road from an off-frame place enters the frame, and an arrow pointing on towards the place.

    The road is the shortest path to the nearest place inside the frame; with none, the
    ray from the frame's centre to the place is used.
    """
    G = model.G
    px, py = float(G.nodes[pid]["x"]), float(G.nodes[pid]["y"])
    try:
        dist, paths = nx.single_source_dijkstra(G, pid, weight=lambda u, v, d: min(e["length_km"] for e in d.values()))
    except (nx.NetworkXException, KeyError, ValueError):  # pragma: no cover - malformed user data
        dist, paths = {}, {}
    inner = [n for n in dist if _inside(float(G.nodes[n]["x"]), float(G.nodes[n]["y"]), lim)]
    if inner:
        target = min(inner, key=lambda n: dist[n])
        nodes = paths[target]
        pts: list[tuple[float, float]] = []
        for u, v in zip(nodes[:-1], nodes[1:], strict=True):
            k, d = min(G[u][v].items(), key=lambda kv: kv[1]["length_km"])
            coords = [(float(x), float(y)) for x, y in d["geometry"].coords]
            if math.dist(coords[0], (float(G.nodes[u]["x"]), float(G.nodes[u]["y"]))) > math.dist(
                    coords[-1], (float(G.nodes[u]["x"]), float(G.nodes[u]["y"]))):
                coords.reverse()
            pts.extend(coords)
        # Walk back from the inside end to the first point outside the frame.
        for i in range(len(pts) - 1, 0, -1):
            if _inside(*pts[i], lim) and not _inside(*pts[i - 1], lim):
                ex, ey = _clip_point(*pts[i], *pts[i - 1], lim)
                return ex, ey, _arrow((px - ex) * cos_lat, py - ey)
    cx, cy = (lim[0] + lim[2]) / 2, (lim[1] + lim[3]) / 2
    ex, ey = _clip_point(cx, cy, px, py, lim)
    return ex, ey, _arrow((px - cx) * cos_lat, py - cy)


#: The most places off a frame named at its edge as the far ends of the roads leaving it
#: (:func:`_far_ends`: a map of an area, or a frame with more places off it than this), claimed
#: places first, then by kind.
_FAR_ENDS = 16


def _far_ends(model: RoadModel, gdf: Any, lim: Bounds, places: Mapping[str, Any]) -> dict[str, list[tuple[float, float]]]:
    """The places off the frame at the far end of a drawn road, each with that road's points from its inside end.

    At most :data:`_FAR_ENDS`: claimed places first, then by kind and name. No search: the
    road itself shows where the place lies (a map of an area of a large network has thousands
    of places off its frame).
    """
    found: dict[str, list[tuple[float, float]]] = {}
    for u, v, geom in zip(gdf["u"], gdf["v"], gdf["geometry"], strict=True):
        ends = [n for n in (u, v) if n in places and not _inside(places[n].lon, places[n].lat, lim)]
        if len(ends) != 1 or geom is None:
            continue  # a road with both ends off the frame (passing through it) points at neither
        pts = [(float(x), float(y)) for x, y in geom.coords]
        far = places[ends[0]]
        if math.dist(pts[0], (far.lon, far.lat)) < math.dist(pts[-1], (far.lon, far.lat)):
            pts.reverse()  # from the inside end towards the far one
        if ends[0] not in found or len(pts) < len(found[ends[0]]):
            found[ends[0]] = pts
    claimed = claimed_places(model) if len(found) > _FAR_ENDS else set()
    keep = sorted(found, key=lambda pid: (pid not in claimed, _KIND_ORDER.get(places[pid].kind, 6), places[pid].name, pid))
    return {pid: found[pid] for pid in keep[:_FAR_ENDS]}


def _edge_anchor(pts: list[tuple[float, float]], lim: Bounds, pl: Any, cos_lat: float) -> tuple[float, float, str]:
    """Where a road (points from inside the frame towards ``pl``) leaves the frame, and an arrow on towards ``pl``."""
    for i in range(1, len(pts)):
        if _inside(*pts[i - 1], lim) and not _inside(*pts[i], lim):
            ex, ey = _clip_point(*pts[i - 1], *pts[i], lim)
            return ex, ey, _arrow((pl.lon - ex) * cos_lat, pl.lat - ey)
    cx, cy = (lim[0] + lim[2]) / 2, (lim[1] + lim[3]) / 2  # the road only crosses the frame's corner
    ex, ey = _clip_point(cx, cy, pl.lon, pl.lat, lim)
    return ex, ey, _arrow((pl.lon - cx) * cos_lat, pl.lat - cy)


def _box_dist(bb: Bbox, p: np.ndarray) -> float:
    """Distance from a point to a box (0 inside)."""
    dx = max(bb.x0 - p[0], 0.0, p[0] - bb.x1)
    dy = max(bb.y0 - p[1], 0.0, p[1] - bb.y1)
    return float(math.hypot(dx, dy))


def _seg_boxes_hit(a: np.ndarray, b: np.ndarray, boxes: np.ndarray, n: int = 24) -> bool:
    """Whether the segment a-b passes through any of the boxes, rows ``(x0, y0, x1, y1)`` (sampled)."""
    ts = np.linspace(0.0, 1.0, n)[:, None]
    pts = a[None, :] * (1 - ts) + b[None, :] * ts
    x, y = pts[:, 0][:, None], pts[:, 1][:, None]
    return bool(np.any((x > boxes[:, 0]) & (x < boxes[:, 2]) & (y > boxes[:, 1]) & (y < boxes[:, 3])))


def _segments_cross(p1: np.ndarray, p2: np.ndarray, q1: np.ndarray, q2: np.ndarray) -> bool:
    def orient(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
        return float((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]))
    d1, d2 = orient(q1, q2, p1), orient(q1, q2, p2)
    d3, d4 = orient(p1, p2, q1), orient(p1, p2, q2)
    return d1 * d2 < 0 and d3 * d4 < 0


def _near_segment(pts: np.ndarray, a: np.ndarray, b: np.ndarray, tol: float) -> int:
    """How many of ``pts`` lie within ``tol`` of the segment a-b."""
    if not len(pts):
        return 0
    ab = b - a
    denom = float(ab @ ab) or 1.0
    t = np.clip(((pts - a) @ ab) / denom, 0.0, 1.0)
    closest = a + t[:, None] * ab
    return int(np.count_nonzero(np.hypot(*(pts - closest).T) < tol))


#: Above this many places (markers and names at the frame's edge), a static map draws a label
#: only where it has a position clear of every other label, marker and leader line (the first
#: by kind); up to it every place is labelled, as near its marker as the others leave room for.
_CROWD = 60
#: How far a text's box lies left of (or below) its position, in widths (heights), by alignment.
_ALIGN = {"left": 0.0, "bottom": 0.0, "center": 0.5, "right": 1.0, "top": 1.0}


def _overlapping(bb: Bbox, boxes: np.ndarray) -> np.ndarray:
    """:meth:`Bbox.overlaps` of ``bb`` with each row ``(x0, y0, x1, y1)`` of ``boxes``."""
    out: np.ndarray = (bb.x0 <= boxes[:, 2]) & (boxes[:, 0] <= bb.x1) & (bb.y0 <= boxes[:, 3]) & (boxes[:, 1] <= bb.y1)
    return out


def _place_labels(ax: Axes, labels: list[_Label], obstacles: list[Bbox], road_px: np.ndarray) -> list[Text]:
    """Greedy label placement.

    Labels are placed in order (cities first). Each tries eight directions around its
    anchor at growing distances. A candidate is allowed when its rendered box (measured
    with the figure's renderer) lies inside the axes and overlaps no label, leader line,
    marker or fixed obstacle (the scale bar) already there, and its leader line (drawn
    for every candidate beyond the first ring) crosses no label and no other leader.
    Among the allowed candidates the cheapest wins: the number of road points under the
    label and along its leader, plus the distance from the anchor. With more than
    :data:`_CROWD` labels, one without an allowed candidate is left out (its place is still
    marked). The boxes are tested in arrays (at 525 places 11.5 s for the whole map, against
    55 s when each box was tested on its own).
    """
    fig = ax.figure
    renderer = _renderer(fig)  # type: ignore[arg-type]
    ax_box = ax.get_window_extent(renderer).padded(-2)
    data_to_px = ax.transData.transform
    px_to_data = ax.transData.inverted().transform
    pt = fig.dpi / 72.0
    crowd = len(labels) > _CROWD

    def marker_box(lb: _Label) -> list[float]:
        mx, my = data_to_px((lb.x, lb.y))
        return [float(mx) - 4.5 * pt, float(my) - 4.5 * pt, float(mx) - 4.5 * pt + 9 * pt, float(my) - 4.5 * pt + 9 * pt]

    keys = [lb.key for lb in labels if lb.marker]
    index = {k: i for i, k in enumerate(keys)}
    markers = np.array([marker_box(lb) for lb in labels if lb.marker], float).reshape(-1, 4)
    padded_markers = markers + np.array([-6 * pt, -6 * pt, 6 * pt, 6 * pt])
    centres = np.column_stack([(markers[:, 0] + markers[:, 2]) / 2, (markers[:, 1] + markers[:, 3]) / 2])
    fixed = np.array([[o.x0, o.y0, o.x1, o.y1] for o in obstacles], float).reshape(-1, 4)
    placed = np.empty((len(labels), 4))
    n_placed = 0
    leaders: list[tuple[np.ndarray, np.ndarray]] = []
    texts: list[Text] = []

    road = road_px[np.argsort(road_px[:, 0], kind="stable")]  # by x: the points in a strip found by bisection

    def strip(x0: float, x1: float) -> np.ndarray:
        i, j = np.searchsorted(road[:, 0], [x0, x1], side="left")[0], np.searchsorted(road[:, 0], x1, side="right")
        out: np.ndarray = road[i:j]
        return out

    def under(bb: Bbox) -> int:
        bb = bb.padded(4 * pt)  # roads are drawn up to 15 pt wide (the trip casing)
        near = strip(bb.x0, bb.x1)
        return int(np.count_nonzero((near[:, 1] >= bb.y0) & (near[:, 1] <= bb.y1)))

    def along(a: np.ndarray, b: np.ndarray, tol: float) -> int:
        """:func:`_near_segment` of the road points (only those in the segment's box, widened by ``tol``, can count)."""
        near = strip(min(a[0], b[0]) - tol, max(a[0], b[0]) + tol)
        near = near[(near[:, 1] >= min(a[1], b[1]) - tol) & (near[:, 1] <= max(a[1], b[1]) + tol)]
        return _near_segment(near, a, b, tol)

    def extent(t: Text) -> tuple[float, float, float, float]:
        """The text's box at (0, 0) aligned left and bottom: (x0, y0, width, height); moved and aligned by arithmetic."""
        t.set_horizontalalignment("left")
        t.set_verticalalignment("bottom")
        t.set_position(tuple(px_to_data((0.0, 0.0))))
        bb = t.get_window_extent(renderer)
        return bb.x0, bb.y0, bb.width, bb.height

    for lb in sorted(labels, key=lambda lb: lb.rank):
        t = _literal(ax.text(lb.x, lb.y, lb.text, fontsize=lb.size, fontweight=lb.weight, zorder=7,
                             path_effects=_HALO, color="#111111", linespacing=1.1))
        t.set_gid(f"place:{lb.key}")
        anchor = np.asarray(data_to_px((lb.x, lb.y)), dtype=float)
        ex0, ey0, w, h = extent(t)
        own = index.get(lb.key) if lb.marker else None
        others_mask = np.ones(len(markers), bool)
        if own is not None:
            others_mask[own] = False
        markers_other, padded_other, centres_other = markers[others_mask], padded_markers[others_mask], centres[others_mask]
        best: tuple[float, Bbox, tuple[float, float], _HA, _VA, np.ndarray | None] | None = None
        rings = _RINGS if lb.marker else _RINGS[:_EDGE_RINGS]  # an arrow's name stays by the frame's edge
        for ri, ring in enumerate(rings):
            for di, ((ux, uy), ha, va) in enumerate(_DIRS):
                pos = (float(anchor[0] + ux * ring * pt), float(anchor[1] + uy * ring * pt))
                fx, fy = _ALIGN[ha], _ALIGN[va]
                bb = Bbox.from_bounds(pos[0] + ex0 - fx * w, pos[1] + ey0 - fy * h, w, h).padded(1.5)
                inside = (bb.x0 >= ax_box.x0 and bb.x1 <= ax_box.x1 and bb.y0 >= ax_box.y0 and bb.y1 <= ax_box.y1)
                if not inside or _overlapping(bb, placed[:n_placed]).any():
                    continue
                end: np.ndarray | None = None
                score = under(bb) * 1.0 + ring * 0.5 + di * 0.3
                # A label nearer to another place's marker than to its own reads as that place's.
                d_own = _box_dist(bb, anchor)
                dx = np.maximum(np.maximum(bb.x0 - centres_other[:, 0], 0.0), centres_other[:, 0] - bb.x1)
                dy = np.maximum(np.maximum(bb.y0 - centres_other[:, 1], 0.0), centres_other[:, 1] - bb.y1)
                if (np.hypot(dx, dy) < d_own + 4 * pt).any():
                    score += 25.0
                clear = not _overlapping(bb, markers_other).any() and not _overlapping(bb, fixed).any()
                clear = clear and not (own is not None and bb.overlaps(Bbox.from_extents(*markers[own])))
                roomy = clear and not _overlapping(bb, padded_other).any()
                box = np.array([[bb.x0, bb.y0, bb.x1, bb.y1]])
                ok = roomy and not any(_seg_boxes_hit(a, b, box) for a, b in leaders)
                if ri > 0 and lb.marker:
                    end = np.array([min(max(anchor[0], bb.x0), bb.x1), min(max(anchor[1], bb.y0), bb.y1)])
                    start = anchor + (end - anchor) * (4.5 * pt / max(float(np.hypot(*(end - anchor))), 1e-9))
                    ok = ok and not _seg_boxes_hit(start, end, np.vstack([placed[:n_placed], markers_other]), 32)
                    ok = ok and not any(_segments_cross(start, end, a, b) for a, b in leaders)
                    score += 4.0 + along(start, end, 2.5 * pt) * 1.0
                # Tiers: 0 all clear; 1 near another marker or crossing a leader; 2 covering a marker.
                tier = 0 if ok else 1 if clear else 2
                cand = (tier * 1e6 + score, bb, pos, ha, va, end)
                if best is None or cand[0] < best[0]:
                    best = cand
            if best is not None and ri + 1 < len(rings) and best[0] < rings[ri + 1] * 0.5:
                break  # nothing further out can score better
        if crowd and (best is None or best[0] >= 1e6):
            t.remove()  # no room on a crowded map: the place keeps its marker
            continue
        # Some candidate always lies inside the axes unless the label is wider than the map.
        chosen = best or (0.0, t.get_window_extent(renderer), (float(anchor[0]) + 5 * pt, float(anchor[1])),
                          "left", "center", None)
        _, bb, pos, ha, va, end = chosen
        t.set_position(tuple(px_to_data(pos)))
        t.set_horizontalalignment(ha)
        t.set_verticalalignment(va)
        got = t.get_window_extent(renderer).padded(1.5)
        placed[n_placed] = (got.x0, got.y0, got.x1, got.y1)
        n_placed += 1
        texts.append(t)
        if end is not None:
            start = anchor + (end - anchor) * (4.5 * pt / max(float(np.hypot(*(end - anchor))), 1e-9))
            leaders.append((start, end))
            (lx, ly), (mx, my) = px_to_data(end), px_to_data(start)
            ld = ax.plot([mx, lx], [my, ly], color="#444444", linewidth=0.6, zorder=6)[0]
            ld.set_gid(f"leader:{lb.key}")
    return texts


def static_map(
    model: RoadModel,
    *,
    on: DateLike,
    traffic: str | None = None,
    view: str | View = "consensus",
    horizon: Horizon = "default",
    path: Sequence[str] | None = None,
    extent: str | None = None,
    bbox: Sequence[float] | None = None,
) -> Figure:
    """Return a static (matplotlib) map of every segment's status on a date.

    The same content as :func:`karabakh_routes.maps.date_map` without web tiles: roads
    styled by status (colour and dash), the day's convoy passages and the trip as
    highlight bands under the roads, every place labelled (labels never overlap; with more than
    :data:`_CROWD` places, only those with room for a label),
    a legend, title, subtitle, attribution and a scale bar in km.

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
        ``civilian`` when None) and head the map with the answer in large type.
    extent
        ``contested`` (default): the Lachin corridor and the Aghdam road, the approach roads
        leaving the frame (their far ends are named at the frame's edge); ``all``: every segment.
        With more than :data:`_FAR_ENDS` places off the frame, only the far ends of the roads
        leaving it are named, at most that many (as for an area).
    bbox
        ``(west, south, east, north)`` in degrees: an area instead of an extent. The frame fits
        it; only the roads that meet the frame and the places in it are drawn, and the far ends
        of the roads leaving it are named at its edge (at most :data:`_FAR_ENDS` of them). The
        statuses and a trip's answer are the whole network's.
        :func:`karabakh_routes.bbox_around` makes one from a place and a distance.

    Returns
    -------
    matplotlib.figure.Figure
        Write it with :func:`save_static_map`.

    Examples
    --------
    >>> from karabakh_routes import load
    >>> fig = static_map(load(), on="2023-07-20", traffic="humanitarian", path=("Goris", "Stepanakert"))
    >>> fig.texts[0].get_text()
    'Goris → Khankendi / Stepanakert · humanitarian · 2023-07-20 · consensus view: NO'
    """
    return query_static_map(model, model.query(on=on, traffic=traffic, view=view, horizon=horizon), path=path,
                            extent=extent, bbox=bbox)


def query_static_map(model: RoadModel, q: Query, *, path: Sequence[str] | None = None,
                     extent: str | None = None, bbox: Sequence[float] | None = None) -> Figure:
    """Return :func:`static_map` of a parsed :class:`~karabakh_routes.query.Query` (its date, class and view).

    Nothing is parsed again: ``q`` comes from :meth:`RoadModel.query <karabakh_routes.RoadModel.query>`.
    """
    day, traffic, v = q.day, q.traffic, q.view
    if bbox is not None and extent is not None:
        raise AreaError(f"give an extent ({extent!r}) or a bbox, not both")
    area = None if bbox is None else roads_in(model.timeline, bbox)[0]
    bounds = map_bounds(model, extent or "contested") if area is None else area
    places = place_index(model.G).places

    fig = Figure(figsize=_FIGSIZE, dpi=_DPI)
    FigureCanvasAgg(fig)
    W, H = _FIGSIZE
    text_w = W - 2 * _MARGIN

    # ---- header: trip headline (large), title, subtitle -------------------------------------
    y = H - _MARGIN  # inches from the bottom
    renderer = _renderer(fig)

    def put(text: str, size: float, weight: str = "normal", color: str = "#111111", gap: float = 0.06,
            gid: str | None = None, sep: str = " ") -> None:
        nonlocal y
        wrapped = _wrap(fig, text, text_w, sep=sep, fontsize=size, fontweight=weight)
        t = _literal(fig.text(_MARGIN / W, y / H, wrapped, fontsize=size, fontweight=weight, color=color,
                              ha="left", va="top", linespacing=1.15))
        if gid:
            t.set_gid(gid)
        y -= t.get_window_extent(renderer).height / fig.dpi + gap

    r: Reach | None = None
    if path:
        r = model._reach(path[0], path[1], q.for_trip())
        top, why = trip_headline(r, model)
        size = 17.0
        while size > 14.0 and "\n" in _wrap(fig, top, text_w, sep=" · ", fontsize=size, fontweight="bold"):
            size -= 0.5
        put(top, size, "bold", gid="headline", sep=" · ")
        put(why, 11.5, gid="headline-detail", gap=0.18, sep="; ")
    region = region_of(model)
    title = f"{region.title} on {day.isoformat()}"
    subtitle = " · ".join([f"Traffic: {q.traffic_text}", f"view: {v}",
                           f"claims carried up to {v.horizon_text}",
                           *([f"area {describe(area)} (roads outside it not drawn)"] if area else []),
                           *([region.geometry_note] if region.geometry_note else [])])
    put(title, 15 if r is None else 13, "bold", gid="title", gap=0.03)
    put(subtitle, 11, color="#333333", gid="subtitle", gap=0.14, sep=" · ")

    # ---- footer: attribution ----------------------------------------------------------------
    attr = _literal(fig.text(_MARGIN / W, _MARGIN / H, _wrap(fig, region.attribution, text_w, fontsize=8.5), fontsize=8.5,
                             color="#333333", ha="left", va="bottom"))
    attr.set_gid("attribution")
    bottom = _MARGIN + attr.get_window_extent(renderer).height / fig.dpi + 0.12

    # ---- map axes, in lon/lat with a local equirectangular aspect ---------------------------
    map_w = W - 2 * _MARGIN - _LEGEND_W - 0.2
    map_h = y - bottom
    ax = fig.add_axes((_MARGIN / W, bottom / H, map_w / W, map_h / H))
    lat_c = (bounds[1] + bounds[3]) / 2
    aspect = 1.0 / math.cos(math.radians(lat_c))
    x0, y0, x1, y1 = bounds
    # Grow the shorter side so the bounds fill the box at the right aspect.
    box_ratio = map_h / map_w
    data_ratio = (y1 - y0) * aspect / (x1 - x0)
    if data_ratio < box_ratio:
        grow = ((x1 - x0) * box_ratio / aspect - (y1 - y0)) / 2
        y0, y1 = y0 - grow, y1 + grow
    else:
        grow = ((y1 - y0) * aspect / box_ratio - (x1 - x0)) / 2
        x0, x1 = x0 - grow, x1 + grow
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(aspect, adjustable="datalim")
    ax.apply_aspect()
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor("#F7F7F4")
    for spine in ax.spines.values():
        spine.set_edgecolor("#888888")
        spine.set_linewidth(0.8)
    ax.set_gid("map")
    lim = (x0, y0, x1, y1)
    # an area: only the roads that meet the frame (the area grown to the frame's shape)
    gdf = model._status(q) if area is None else model._status(q, bbox=lim)

    # ---- overlays under the roads, then the roads --------------------------------------------
    def coords(segment: str) -> tuple[list[float], list[float]]:
        xs, ys = gdf.loc[segment, "geometry"].xy
        return list(xs), list(ys)

    extra: list[tuple[Line2D | tuple[Line2D, ...], str]] = []
    passages = model.timeline.passages(on=day, view=v)
    if passages:
        color, weight, opacity = PASSAGE_OVERLAY
        for p in passages:
            if p["segment"] in gdf.index:  # (an area's: those on its roads)
                _line(ax, *coords(p["segment"]), color=color, weight=weight, dash=None, alpha=opacity, zorder=1,
                      gid=f"passage:{p['segment']}")
        extra.append((_legend_handle(color, weight, None, opacity), "convoy passage reported this day"))
    if r is not None:
        # A casing with a light core, under the road: every status line stays readable on it.
        color, weight, opacity = TRIP_OVERLAY
        core, core_w, core_a = TRIP_CORE
        for key in r.segments or r.blocked_by:
            if key not in gdf.index:  # outside the area
                continue
            _line(ax, *coords(key), color=color, weight=weight, dash=None, alpha=opacity, zorder=2, gid=f"trip:{key}")
            _line(ax, *coords(key), color=core, weight=core_w, dash=None, alpha=core_a, zorder=2.5,
                  gid=f"trip-core:{key}")
        a_name, b_name = places[r.origin].name, places[r.destination].name
        extra.append(((_legend_handle(color, weight, None, opacity), _legend_handle(core, core_w, None, core_a)),
                      _clean(f"trip {a_name} → {b_name} ({traffic or 'civilian'}): {r.answer}")))
    road_pts: list[np.ndarray] = []
    for key, row in gdf.iterrows():
        st = style_for(row["status"])
        xs, ys = coords(str(key))
        _line(ax, xs, ys, color=st.color, weight=st.weight, dash=st.dash, zorder=3, gid=f"segment:{key}")
        # Densified road points in display coordinates, for label placement.
        pts = ax.transData.transform(np.column_stack([xs, ys]))
        for (ax_, ay_), (bx_, by_) in zip(pts[:-1], pts[1:], strict=True):
            n = max(2, int(math.hypot(bx_ - ax_, by_ - ay_) / 3) + 1)
            road_pts.append(np.column_stack([np.linspace(ax_, bx_, n), np.linspace(ay_, by_, n)]))
    road_px = np.vstack(road_pts) if road_pts else np.empty((0, 2))

    # ---- places: markers, labels placed greedily ------------------------------------------------
    labels: list[_Label] = []
    # places off the frame: a named extent names each where its shortest road enters the frame
    # (a search per place); an area, or a frame with more than _FAR_ENDS places off it (a large
    # network), names the far ends of the roads drawn leaving it
    off = sum(1 for pl in places.values() if not _inside(pl.lon, pl.lat, lim))
    far = None if area is None and off <= _FAR_ENDS else _far_ends(model, gdf, lim, places)
    for pid, pl in places.items():
        inside = _inside(pl.lon, pl.lat, lim)
        if far is not None and not inside and pid not in far:
            continue
        rank = _KIND_ORDER.get(pl.kind, 6)
        big = pl.kind in ("city", "town")
        size = 10.0 if big else 8.5
        fw = "bold" if big else "normal"
        text = textwrap.fill(_clean(label_text(pl.name)), 30, break_long_words=False, break_on_hyphens=False)
        if inside:
            small = pl.kind in ("junction", "checkpoint")
            ax.plot([pl.lon], [pl.lat], marker="o", markersize=5.5 if small else 7, markerfacecolor="white",
                    markeredgecolor="#222222", markeredgewidth=1.3, linestyle="none", zorder=5)[0].set_gid(
                        f"marker:{pid}")
            labels.append(_Label(pid, text, pl.lon, pl.lat, size, fw, True, rank))
        else:  # off the map: named where the road towards it leaves the frame
            ex, ey, arrow = (_frame_anchor(model, pid, lim, math.cos(math.radians(lat_c))) if far is None
                             else _edge_anchor(far[pid], lim, pl, math.cos(math.radians(lat_c))))
            labels.append(_Label(pid, f"{arrow} {text}" if arrow in "←↙↖" else f"{text} {arrow}", ex, ey, size,
                                 "normal", False, -1))
    obstacles = [_scale_bar(ax, lat_c)]
    _place_labels(ax, labels, obstacles, road_px)

    # ---- legend, in the right-hand column -------------------------------------------------------
    handles: list[Any] = []  # lines, and (casing, core) tuples drawn superimposed
    names: list[str] = []
    for st in STATUS_STYLES.values():
        handles.append(_legend_handle(st.color, st.weight, st.dash))
        names.append(st.label)
    for h, label in extra:
        handles.append(h)
        names.append(label)
    place_handle = Line2D([], [], marker="o", markersize=7, markerfacecolor="white", markeredgecolor="#222222",
                          markeredgewidth=1.3, linestyle="none")
    handles.append(place_handle)
    names.append("place (named at the frame's edge when off the map)" if any(not lb.marker for lb in labels)
                 else "place")
    wrapped = [textwrap.fill(n, 34, break_long_words=False) for n in names]
    leg = fig.legend(handles, wrapped, loc="upper left", bbox_to_anchor=((W - _MARGIN - _LEGEND_W) / W, y / H),
                     bbox_transform=fig.transFigure, fontsize=9.5, title=LEGEND_TITLE, title_fontsize=11,
                     alignment="left", frameon=True, framealpha=1.0, edgecolor="#999999", handlelength=3.4,
                     labelspacing=0.75, borderpad=0.8, handletextpad=0.8)
    leg.set_gid("legend")
    for t in [*leg.get_texts(), leg.get_title()]:
        _literal(t)
    leg.get_title().set_fontweight("bold")
    return fig


def save_static_map(fig: Figure, path: str | os.PathLike[str], *, dpi: int = 150) -> Path:
    """Write a static map to a PNG, SVG or PDF file, chosen by the file's suffix.

    The file is written atomically: to a temporary file in the same folder, then renamed,
    so an existing file is left untouched if anything fails.

    Raises
    ------
    ValueError
        If the suffix is not ``.png``, ``.svg`` or ``.pdf``.
    """
    target = Path(path)
    fmt = STATIC_FORMATS.get(target.suffix.lower())
    if fmt is None:
        raise ValueError(f"Cannot write a static map to {str(target)!r}: the file name must end in "
                         f"{', '.join(STATIC_FORMATS)}.")
    metadata: dict[str, Any] = {"Date": None} if fmt == "svg" else {"Software": None}
    if fmt == "pdf":
        metadata = {"CreationDate": None, "Producer": None}
    with atomic_write(target, "wb") as fh:
        fig.savefig(fh, format=fmt, dpi=dpi, metadata=metadata)
    return target

