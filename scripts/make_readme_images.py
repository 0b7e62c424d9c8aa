"""Render the README pictures from the bundled data.

* ``docs/images/date-map.png``: the offline date map of 2023-07-20 for humanitarian traffic,
  screenshotted in headless Chromium (Playwright) at 1200x800;
* ``docs/images/chart.png``: the timeline chart.

Usage::

    python scripts/make_readme_images.py [--out docs/images] [--chromium /usr/bin/chromium]

Every request the page makes to anything but ``file:`` is blocked, so the picture shows
exactly what an offline reader sees.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import karabakh_routes as kr
from karabakh_routes.chart import save_chart, timeline_chart
from karabakh_routes.maps import date_map

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
#: Places left out of the picture's frame (their roads run off its edge): the far ends of the
#: approach roads, which would shrink the corridor and the Aghdam road to a corner.
FAR_ENDS = ("yerevan", "yevlakh", "barda")


def render_map(out: Path, chromium: str) -> None:
    """Write the date map screenshot to ``out``."""
    from playwright.sync_api import sync_playwright

    model = kr.load()
    fmap = date_map(model, on="2023-07-20", traffic="humanitarian", offline=True)
    nodes = [d for n, d in model.G.nodes(data=True) if n not in FAR_ENDS]
    fmap.fit_bounds([[min(d["y"] for d in nodes), min(d["x"] for d in nodes)],
                     [max(d["y"] for d in nodes), max(d["x"] for d in nodes)]], padding=(30, 30))
    blocked: list[str] = []
    errors: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        page_path = Path(tmp) / "date-map.html"
        page_path.write_text(fmap.get_root().render(), encoding="utf-8")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1200, "height": 800})
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: errors.append(str(e)))

                def _route(route):  # type: ignore[no-untyped-def]
                    if route.request.url.startswith("file:"):
                        route.continue_()
                    else:
                        blocked.append(route.request.url)
                        route.abort()

                page.route("**/*", _route)
                page.goto(page_path.as_uri())
                page.wait_for_selector("path.leaflet-interactive")
                page.wait_for_timeout(400)
                page.screenshot(path=str(out))
            finally:
                browser.close()
    if blocked or errors:
        msg = f"the map made requests {blocked} or logged errors {errors}"
        raise SystemExit(msg)


def main(argv: list[str] | None = None) -> int:
    """Render both pictures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    render_map(args.out / "date-map.png", args.chromium)
    print(f"wrote {args.out / 'date-map.png'}")
    save_chart(timeline_chart(kr.load()), args.out / "chart.png")
    print(f"wrote {args.out / 'chart.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
