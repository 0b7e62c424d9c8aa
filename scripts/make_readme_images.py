"""Render the README pictures from the bundled data.

* ``docs/images/date-map.png``: the offline date map of 2023-09-12 (all classes);
* ``docs/images/trip-map.png``: the offline trip map Goris → Stepanakert, humanitarian, 2023-07-20;
* ``docs/images/timeline-1.png`` … ``timeline-3.png``: the offline timeline map at three slider steps;
* ``docs/images/static-map.png``: the static (print) map of the trip;
* ``docs/images/chart.png``: the timeline chart.

The HTML maps are screenshotted in headless Chromium (Playwright) at 1280x800, with every
request to anything but ``file:`` blocked, so each picture shows exactly what an offline reader
sees at the map's own initial view.

Usage::

    python scripts/make_readme_images.py [--out docs/images] [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

import karabakh_routes as kr
from karabakh_routes.chart import save_chart, timeline_chart
from karabakh_routes.maps import date_map, save_static_map, static_map, timeline_map
from karabakh_routes.maps._features import timeline_steps

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
TRIP = ("Goris", "Stepanakert")
#: The timeline pictures: the slider at the first step on or after each of these dates.
TIMELINE_DATES = ("2022-12-12", "2023-06-15", "2023-09-24")


def _screenshots(pages: list[tuple[str, str, list[int] | None]], out: Path, chromium: str) -> None:
    """Open each (file name, HTML, slider steps) offline and screenshot it (once per step when steps are given)."""
    from playwright.sync_api import sync_playwright

    blocked: list[str] = []
    errors: list[str] = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            for name, html, steps in pages:
                page: Any = browser.new_page(viewport={"width": 1280, "height": 800})
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: errors.append(str(e)))

                def _route(route: Any) -> None:
                    if route.request.url.startswith("file:"):
                        route.continue_()
                    else:
                        blocked.append(route.request.url)
                        route.abort()

                page.route("**/*", _route)
                path = Path(tmp) / f"{name}.html"
                path.write_text(html, encoding="utf-8")
                page.goto(path.as_uri())
                page.wait_for_selector("path.leaflet-interactive")
                page.wait_for_timeout(600)
                if steps is None:
                    page.screenshot(path=str(out / f"{name}.png"))
                    print(f"wrote {out / f'{name}.png'}")
                    continue
                for i, step in enumerate(steps, start=1):
                    page.evaluate("""(step) => {
                        const box = document.querySelector('[data-kr-slider]');
                        window[box.dataset.krSlider].setStep(step);
                    }""", step)
                    page.wait_for_timeout(500)
                    target = out / f"{name}-{i}.png"
                    page.screenshot(path=str(target))
                    print(f"wrote {target}")
                page.close()
        finally:
            browser.close()
    if blocked or errors:
        msg = f"the maps made requests {blocked} or logged errors {errors}"
        raise SystemExit(msg)


def main(argv: list[str] | None = None) -> int:
    """Render every picture."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    model = kr.load()
    all_steps = timeline_steps(model, start="2022-08-01", end="2023-10-31")
    chosen = [next(i for i, d in enumerate(all_steps) if d >= kr.to_date(t)) for t in TIMELINE_DATES]
    _screenshots([
        ("date-map", date_map(model, on="2023-09-12", offline=True).get_root().render(), None),
        ("trip-map", date_map(model, on="2023-07-20", traffic="humanitarian", path=TRIP,
                              offline=True).get_root().render(), None),
        ("timeline", timeline_map(model, start="2022-08-01", end="2023-10-31", traffic="civilian",
                                  offline=True).get_root().render(), chosen),
    ], args.out, args.chromium)
    fig = static_map(model, on="2023-07-20", traffic="humanitarian", path=TRIP)
    save_static_map(fig, args.out / "static-map.png")
    print(f"wrote {args.out / 'static-map.png'}")
    save_chart(timeline_chart(model), args.out / "chart.png")
    print(f"wrote {args.out / 'chart.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
