"""Compare HTML sizes and build times: date map, timeline map, naive per-day TimestampedGeoJson.

The naive map is what the timeline map replaces: folium's ``TimestampedGeoJson`` with one
feature per segment per day over the same range, each carrying its geometry and its style
for that day (no popups, so it is a lower bound: with the popups of the timeline map it
would be far larger still).

Usage::

    python benchmarks/map_sizes.py [--start DATE] [--end DATE] [--traffic CLASS] [--browser]

Files are written to a temporary folder and removed. ``--browser`` also times how long
headless Chromium (``/usr/bin/chromium``) takes to load and draw the two offline maps.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import folium
from folium.plugins import TimestampedGeoJson

import karabakh_routes as kr
from karabakh_routes.maps import date_map
from karabakh_routes.maps.date_map import base_map
from karabakh_routes.maps.style import STATUS_STYLES
from karabakh_routes.maps.timeline_map import timeline_map, timeline_steps

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]


def naive_timestamped(model: kr.RoadModel, steps: list[dt.date], last: dt.date, traffic: str | None) -> folium.Map:
    """One feature per segment per day, styled by its status that day (statuses taken at change points)."""
    geoms = {k: d["geometry"] for *_, k, d in model.G.edges(keys=True, data=True)}
    features = []
    one = dt.timedelta(days=1)
    for i, day in enumerate(steps):
        status = model.timeline.status(on=day, traffic=traffic)["status"].to_dict()
        stop = steps[i + 1] if i + 1 < len(steps) else last + one
        d = day
        while d < stop:  # per day, on purpose: this is the naive format being measured
            for seg, geom in geoms.items():
                st = STATUS_STYLES[status[seg]]
                coords = [list(c) for c in geom.coords]
                features.append({
                    "type": "Feature",
                    "geometry": {"type": "LineString", "coordinates": coords},
                    "properties": {"times": [d.isoformat()] * len(coords), "segment": seg, "status": status[seg],
                                   "style": {"color": st.color, "weight": st.weight, "dashArray": st.dash}},
                })
            d += one
    fmap = base_map(model, offline=False)
    TimestampedGeoJson({"type": "FeatureCollection", "features": features}, period="P1D", auto_play=False,
                       add_last_point=False).add_to(fmap)
    return fmap


def _timed(build):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    fmap = build()
    t1 = time.perf_counter()
    html = fmap.get_root().render()
    t2 = time.perf_counter()
    return html, t1 - t0, t2 - t1


def _browser_ms(path: Path) -> float:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = b.new_page(viewport={"width": 1200, "height": 800})
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
            t0 = time.perf_counter()
            page.goto(path.as_uri())
            page.wait_for_selector("path.leaflet-interactive")
            return (time.perf_counter() - t0) * 1000
        finally:
            b.close()


def main() -> None:
    """Print the three sizes and times."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--start")
    ap.add_argument("--end")
    ap.add_argument("--on", default="2023-07-20", help="date of the date map")
    ap.add_argument("--traffic", default=None)
    ap.add_argument("--browser", action="store_true")
    args = ap.parse_args()
    model = kr.load()
    steps = timeline_steps(model, start=args.start, end=args.end)
    last = kr.to_date(args.end) if args.end else steps[-1]
    days = (last - steps[0]).days + 1
    n_seg = model.G.number_of_edges()
    print(f"bundled data: {n_seg} segments, {len(steps)} change points, {steps[0]} to {last} ({days} days)")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, build in [
            (f"date map ({args.on}, offline)",
             lambda: date_map(model, on=args.on, traffic=args.traffic, offline=True)),
            ("timeline map (offline)",
             lambda: timeline_map(model, start=args.start, end=args.end, traffic=args.traffic, offline=True)),
            ("date map (online)", lambda: date_map(model, on=args.on, traffic=args.traffic)),
            ("timeline map (online)",
             lambda: timeline_map(model, start=args.start, end=args.end, traffic=args.traffic)),
            (f"TimestampedGeoJson, {n_seg} x {days} features (online)",
             lambda: naive_timestamped(model, steps, last, args.traffic)),
        ]:
            html, t_build, t_render = _timed(build)
            path = Path(tmp) / f"{len(rows)}.html"
            path.write_text(html, encoding="utf-8")
            ms = _browser_ms(path) if args.browser and "offline" in label else None
            rows.append((label, len(html.encode("utf-8")), t_build, t_render, ms))
    base = rows[1][1]
    print(f"{'map':<52} {'bytes':>12} {'x timeline':>10} {'build s':>8} {'render s':>9} {'browser ms':>10}")
    for label, size, tb, tr, ms in rows:
        print(f"{label:<52} {size:>12,} {size / base:>10.2f} {tb:>8.2f} {tr:>9.2f} "
              f"{'' if ms is None else f'{ms:.0f}':>10}")


if __name__ == "__main__":
    main()
