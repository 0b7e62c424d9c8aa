"""Maps an editor can publish: what the first view shows, measured in headless Chromium.

At 1280×800 and 800×600: the initial view holds the contested roads (the Lachin corridor and
the Aghdam road) clear of the title and the legend, and the approach roads run out of it; every
place a claim is about has a label; no two labels overlap, and no road line is drawn through a
label; the scale is metric; a popup opened near the top pans clear of the title; an online map
draws its roads with every tile request failing, with no script error. The page title and
a trip map's headline (consistent with ``reach``) are checked without a browser too.

Browser tests reuse ``test_browser``'s ``browser`` fixture; each page here records its requests
(only OpenStreetMap tiles may be asked for, and only by an online map) and its errors.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from test_browser import FIND_MAP, browser  # noqa: F401  # browser: the shared Chromium fixture

import karabakh_routes as kr
from karabakh_routes.cli import main
from karabakh_routes.maps import date_map
from karabakh_routes.maps._html import esc
from karabakh_routes.maps.extent import CONTESTED_ROUTES
from karabakh_routes.maps.headline import stretches, trip_headline
from karabakh_routes.maps.timeline_map import timeline_map

VIEWPORTS = [(1280, 800), (800, 600)]
VIEWPORT_IDS = ["1280x800", "800x600"]
ON = "2023-09-12"  # passages on the Aghdam road, the corridor closed: every kind of line is drawn
TRIP = ("Goris", "Stepanakert")
TRIP_ON, TRIP_TRAFFIC = "2023-07-20", "humanitarian"
TILES = re.compile(r"^https://tile\.openstreetmap\.org/\d+/\d+/\d+\.png$")


@dataclass
class Tab:
    """A page at a given size, with its requests and errors recorded."""

    page: Any
    requests: list[str] = field(default_factory=list)
    console_errors: list[tuple[str, str]] = field(default_factory=list)  # (text, url)
    page_errors: list[str] = field(default_factory=list)

    def open(self, text: str, folder: Path, name: str) -> None:
        path = folder / name
        path.write_text(text, encoding="utf-8")
        self.page.goto(path.as_uri())
        self.page.wait_for_selector("path.leaflet-interactive")
        self.page.wait_for_function("() => window.krLabels && window.krLabels.runs > 0 && document.readyState === 'complete'")
        self.page.wait_for_timeout(150)  # a zero-delay re-placement after the last lines were added

    def js(self, script: str, arg: Any = None) -> Any:
        return self.page.evaluate(script, arg)

    def assert_clean(self, *, tiles_allowed: bool) -> None:
        assert self.page_errors == [], "a script failed"
        other = [u for u in self.requests if not (tiles_allowed and TILES.match(u))]
        assert other == [], "the page asked the network for something other than tiles"
        for text, url in self.console_errors:  # only a tile that could not be fetched may log an error
            assert tiles_allowed and TILES.match(url) and "Failed to load resource" in text, (text, url)


@pytest.fixture
def tab(browser: Any) -> Iterator[Any]:  # noqa: F811  # the fixture imported above
    contexts = []

    def make(width: int, height: int) -> Tab:
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        t = Tab(context.new_page())

        def route(r: Any) -> None:
            if r.request.url.startswith("file:"):
                r.continue_()
            else:
                t.requests.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        t.page.on("console", lambda m: t.console_errors.append((m.text, (m.location or {}).get("url", "")))
                  if m.type == "error" else None)
        t.page.on("pageerror", lambda e: t.page_errors.append(str(e)))
        return t

    yield make
    for c in contexts:
        c.close()


def _maps(model: kr.RoadModel) -> dict[str, tuple[str, bool]]:
    """Map kind -> (page, tiles allowed)."""
    return {
        "date offline": (date_map(model, on=ON, offline=True).get_root().render(), False),
        "trip online": (date_map(model, on=TRIP_ON, traffic=TRIP_TRAFFIC, path=TRIP).get_root().render(), True),
        "timeline offline": (timeline_map(model, start="2023-06-01", end="2023-10-01", traffic="civilian",
                                          offline=True).get_root().render(), False),
    }


@pytest.fixture(scope="module")
def pages(bundled: kr.RoadModel) -> dict[str, tuple[str, bool]]:
    return _maps(bundled)


# JavaScript: the boxes on top of the map, and the labels and road ink in page coordinates.
BOXES = """() => [...document.querySelectorAll('.kr-box')].map(e => {
    const r = e.getBoundingClientRect(); return {cls: e.className, x0: r.left, y0: r.top, x1: r.right, y1: r.bottom}; })"""

MEASURE = """() => {
  const map = FIND_MAP;
  const c = map.getContainer().getBoundingClientRect();
  const inView = r => r.x1 > c.left && r.x0 < c.right && r.y1 > c.top && r.y0 < c.bottom;
  const labels = [...document.querySelectorAll('.leaflet-tooltip.kr-place-label')].map(e => {
    const r = e.getBoundingClientRect();
    return {name: e.textContent.trim(), claimed: e.classList.contains('kr-claimed'),
            shown: getComputedStyle(e).display !== 'none' && r.width > 0,
            x0: r.left, y0: r.top, x1: r.right, y1: r.bottom};
  });
  /* every road line (and highlight band) as drawn: points every 1.5 px along its SVG path */
  const ink = [];
  map.eachLayer(l => {
    if (!(l instanceof L.Polyline) || !l._path || l.options.krLeader) { return; }
    const p = l._path, m = p.getScreenCTM(), len = p.getTotalLength();
    const hw = parseFloat(p.getAttribute('stroke-width') || '1') / 2;
    const name = (l.feature && l.feature.properties.segment) || 'highlight';
    for (let s = 0; s <= len; s += 1.5) {
      const q = p.getPointAtLength(s), pt = new DOMPoint(q.x, q.y).matrixTransform(m);
      ink.push([pt.x, pt.y, hw, name]);
    }
  });
  /* places: marker centre, and whether its label is expected (in view, not under a box) */
  const markers = [];
  map.eachLayer(l => {
    if (!(l instanceof L.CircleMarker) || !l.getTooltip() || !l.getTooltip().getElement()) { return; }  /* (hover only: none) */
    const q = map.latLngToContainerPoint(l.getLatLng());
    markers.push({name: l.getTooltip().getElement().textContent.trim(), x: c.left + q.x, y: c.top + q.y});
  });
  return {container: {x0: c.left, y0: c.top, x1: c.right, y1: c.bottom}, zoom: map.getZoom(),
          labels: labels.filter(r => !r.shown || inView(r)), ink: ink, markers: markers,
          hidden: window.krLabels.hidden, crowded: window.krLabels.crowded};
}""".replace("FIND_MAP", FIND_MAP)


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return a["x0"] < b["x1"] and b["x0"] < a["x1"] and a["y0"] < b["y1"] and b["y0"] < a["y1"]


def _inside(x: float, y: float, r: dict[str, float], pad: float = 0.0) -> bool:
    return r["x0"] - pad < x < r["x1"] + pad and r["y0"] - pad < y < r["y1"] + pad


def _check_labels(t: Tab, where: str) -> dict[str, Any]:
    got = t.js(MEASURE)
    boxes = t.js(BOXES)
    c = got["container"]
    shown = [lb for lb in got["labels"] if lb["shown"]]
    assert got["crowded"] == [], f"{where}: labels placed without room: {got['crowded']}"
    assert not [lb for lb in got["labels"] if not lb["shown"] and lb["claimed"]], f"{where}: a claimed place lost its label"
    # every label in view is wholly inside the map and under no box
    for lb in shown:
        assert c["x0"] <= lb["x0"] and lb["x1"] <= c["x1"] and c["y0"] <= lb["y0"] and lb["y1"] <= c["y1"], (where, lb)
        assert not [b for b in boxes if _overlap(lb, b)], f"{where}: {lb['name']!r} is under a box"
    # no two labels overlap
    for i, a in enumerate(shown):
        for b in shown[i + 1:]:
            assert not _overlap(a, b), f"{where}: labels {a['name']!r} and {b['name']!r} overlap"
    # no road line is drawn through a label (the line's ink: its points, widened by half its stroke)
    for lb in shown:
        crossing = {name for x, y, hw, name in got["ink"] if _inside(x, y, lb, hw)}
        assert not crossing, f"{where}: {lb['name']!r} is crossed by {sorted(crossing)}"
    return got


# -- the initial view ---------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("size", VIEWPORTS, ids=VIEWPORT_IDS)
def test_initial_view_fits_the_contested_roads(tab: Any, pages: dict[str, tuple[str, bool]], bundled: kr.RoadModel,
                                               tmp_path: Path, size: tuple[int, int]) -> None:
    t = tab(*size)
    t.open(pages["date offline"][0], tmp_path, "date.html")
    routes = kr.routes_of(bundled.G)
    contested = sorted({s for r in CONTESTED_ROUTES for s in routes[r].segments})
    got = t.js("""(segs) => {
        const map = FIND_MAP, c = map.getContainer().getBoundingClientRect(), out = {}, want = new Set(segs);
        map.eachLayer(l => {
            const s = l.feature && l.feature.properties.segment;
            if (!want.has(s) || !l.getLatLngs) { return; }
            out[s] = l.getLatLngs().flat(3).map(ll => { const q = map.latLngToContainerPoint(ll);
                return [c.left + q.x, c.top + q.y]; });
        });
        const yerevan = map.latLngToContainerPoint([40.1814, 44.5144]);
        return {points: out, zoom: map.getZoom(), yerevanInView: map.getBounds().contains([40.1814, 44.5144]),
                x: yerevan.x, size: [c.width, c.height]};
    }""".replace("FIND_MAP", FIND_MAP), contested)
    assert sorted(got["points"]) == contested, "every contested segment is drawn"
    boxes = t.js(BOXES)
    for seg, pts in got["points"].items():
        for x, y in pts:
            assert 0 <= x <= size[0] and 0 <= y <= size[1], f"{seg} leaves the initial view at {size}"
            assert not [b["cls"] for b in boxes if _inside(x, y, b)], f"{seg} is under a box at {size}"
    assert not got["yerevanInView"], "the approach road from Yerevan runs out of the frame instead of shrinking it"
    assert got["zoom"] >= 9.5, "the corridor is drawn large enough to read"


# -- labels ---------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("size", VIEWPORTS, ids=VIEWPORT_IDS)
@pytest.mark.parametrize("which", ["date offline", "trip online", "timeline offline"])
def test_labels_overlap_neither_each_other_nor_roads(tab: Any, pages: dict[str, tuple[str, bool]], bundled: kr.RoadModel,
                                                    tmp_path: Path, size: tuple[int, int], which: str) -> None:
    page, tiles = pages[which]
    t = tab(*size)
    t.open(page, tmp_path, "map.html")
    got = _check_labels(t, f"{which} at {size}")
    # every place that a claim is about, and in view, is labelled
    from karabakh_routes.maps._layout import claimed_places, label_text
    from karabakh_routes.network import place_index

    places = place_index(bundled.G).places
    claimed = {label_text(places[p].name) for p in claimed_places(bundled)}
    c = got["container"]
    in_view = {m["name"] for m in got["markers"] if _inside(m["x"], m["y"], c)}
    labelled = {lb["name"] for lb in got["labels"] if lb["shown"]}
    assert claimed & in_view <= labelled, f"unlabelled: {sorted((claimed & in_view) - labelled)}"
    for name in ("Hakari bridge", "Kornidzor", "Tegh", "Askeran", "Ivanyan / Khojaly", "Berdzor / Lachin"):
        assert name in labelled, f"{name} is labelled"
    t.assert_clean(tiles_allowed=tiles)


@pytest.mark.browser
def test_labels_are_placed_again_after_a_zoom(tab: Any, pages: dict[str, tuple[str, bool]], tmp_path: Path) -> None:
    t = tab(1280, 800)
    t.open(pages["date offline"][0], tmp_path, "date.html")
    for step in (1, -2):
        runs = t.js("() => window.krLabels.runs")
        t.js(f"() => {{ const map = {FIND_MAP}; map.setZoom(map.getZoom() + {step}, {{animate: false}}); }}")
        t.page.wait_for_function(f"() => window.krLabels.runs > {runs}")
        got = t.js(MEASURE)
        shown = [lb for lb in got["labels"] if lb["shown"]]
        for i, a in enumerate(shown):
            for b in shown[i + 1:]:
                assert not _overlap(a, b), f"after zooming by {step}: {a['name']!r} and {b['name']!r} overlap"
        assert not [lb for lb in got["labels"] if not lb["shown"] and lb["claimed"]]
    t.assert_clean(tiles_allowed=False)


@pytest.fixture(scope="module")
def many_places(tmp_path_factory: pytest.TempPathFactory) -> kr.RoadModel:
    """benchmarks/synth.py's grid: 1,000 segments, some 530 places, every one of them claimed."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import synth

    files = synth.generate(tmp_path_factory.mktemp("synth"), segments=1000, claims=3000, seed=2)
    return kr.load(**{k: str(v) for k, v in files.items()})


@pytest.mark.browser
def test_a_map_of_hundreds_of_places_is_thinned_to_labels_that_fit(tab: Any, many_places: kr.RoadModel,
                                                                   tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # (before: every place labelled, every claimed label kept without room: the page took 15 s to
    # place them, 515 lay over each other; at 5,000 places Chromium had not opened it after 5 minutes)
    import importlib

    MAX_LABELLED = 300  # (fewer than the default, so that some of these places name themselves on hover only)
    monkeypatch.setattr(importlib.import_module("karabakh_routes.maps.date_map"), "MAX_LABELLED", MAX_LABELLED)
    t = tab(1280, 800)
    t.open(date_map(many_places, on="2022-06-15", offline=True).get_root().render(), tmp_path, "many.html")
    n_places = many_places.G.number_of_nodes()
    assert n_places > MAX_LABELLED
    for step in (0, 2, "pan"):
        if step:
            runs = t.js("() => window.krLabels.runs")
            move = "map.panBy([560, 330], {animate: false})" if step == "pan" else \
                f"map.setZoom(map.getZoom() + {step}, {{animate: false}})"
            t.js(f"() => {{ const map = {FIND_MAP}; {move}; }}")
            t.page.wait_for_function(f"() => window.krLabels.runs > {runs}")  # labels placed again, pans too
        got = t.js(MEASURE)
        shown = [lb for lb in got["labels"] if lb["shown"]]
        assert got["crowded"] == [], f"zoomed by {step}: labels placed without room: {got['crowded']}"
        assert 0 < len(shown) <= 200, f"zoomed by {step}: {len(shown)} labels shown"
        # the markers drawn small while more places than labels are in view (they would hide the roads)
        radii = t.js(f"""() => {{ const map = {FIND_MAP}; const out = [];
            map.eachLayer(l => {{ if (l instanceof L.CircleMarker) {{ out.push(l.getRadius()); }} }}); return out; }}""")
        if step == 0:
            assert t.js("() => window.krLabels.smallMarkers") and set(radii) == {2}
        elif step == "pan":  # small while more places than labels are in view, whatever brought them there
            small = t.js("() => window.krLabels.smallMarkers")
            assert set(radii) == ({2} if small else {4, 5})
            assert len(got["markers"]) > 0
        else:
            assert not t.js("() => window.krLabels.smallMarkers") and set(radii) == {4, 5}
        for i, a in enumerate(shown):
            for b in shown[i + 1:]:
                assert not _overlap(a, b), f"zoomed by {step}: {a['name']!r} and {b['name']!r} overlap"
    # a permanent label for the first MAX_LABELLED places; the others name themselves on hover
    assert t.js("() => document.querySelectorAll('.leaflet-tooltip.kr-place-label').length") == MAX_LABELLED
    marker = t.js(f"""() => {{ const map = {FIND_MAP}; let out = null;
        const c = map.getContainer().getBoundingClientRect();
        map.eachLayer(l => {{ if (l instanceof L.CircleMarker && l.getTooltip() && !l.getTooltip().options.permanent
                               && map.getBounds().contains(l.getLatLng())) {{
            const p = map.latLngToContainerPoint(l.getLatLng());  /* (one the mouse can reach: on top) */
            if (document.elementFromPoint(c.left + p.x, c.top + p.y) === l._path) {{ out = [p.x, p.y]; }} }} }});
        return out; }}""")
    assert marker is not None, "a place without a permanent label is in view"
    box = t.page.locator(".leaflet-container").bounding_box()
    t.page.mouse.move(box["x"] + marker[0], box["y"] + marker[1])
    t.page.wait_for_selector(".leaflet-tooltip.kr-place-hover")
    t.assert_clean(tiles_allowed=False)


# -- scale, popups, headline -----------------------------------------------------------------


@pytest.mark.browser
def test_scale_is_metric_only(tab: Any, pages: dict[str, tuple[str, bool]], tmp_path: Path) -> None:
    t = tab(1280, 800)
    t.open(pages["date offline"][0], tmp_path, "date.html")
    scales = t.js("() => [...document.querySelectorAll('.leaflet-control-scale-line')].map(e => e.textContent)")
    assert len(scales) == 1 and re.fullmatch(r"\d+ k?m", scales[0]), scales


@pytest.mark.browser
@pytest.mark.parametrize("size", VIEWPORTS, ids=VIEWPORT_IDS)
@pytest.mark.parametrize("which", ["date offline", "trip online"])
def test_a_popup_opened_near_the_top_is_not_under_the_title(tab: Any, pages: dict[str, tuple[str, bool]], tmp_path: Path,
                                                           size: tuple[int, int], which: str) -> None:
    page, tiles = pages[which]
    t = tab(*size)
    t.open(page, tmp_path, "map.html")
    # the highest point of any road segment that a reader can click (on its ink, not under a box or a label)
    point = t.js("""() => {
        const map = FIND_MAP; let best = null;
        const hits = (x, y, p) => [[0, 0], [1, 0], [-1, 0], [0, 1], [0, -1]].every(
            d => document.elementFromPoint(x + d[0], y + d[1]) === p);
        map.eachLayer(l => {
            if (!l.feature || !l._path) { return; }
            const p = l._path, m = p.getScreenCTM(), len = p.getTotalLength();
            for (let s = 0; s <= len; s += 1) {
                const q = new DOMPoint(p.getPointAtLength(s).x, p.getPointAtLength(s).y).matrixTransform(m);
                const x = Math.round(q.x), y = Math.round(q.y);
                if ((best === null || y < best.y) && hits(x, y, p)) {
                    best = {x: x, y: y, segment: l.feature.properties.segment};
                }
            }
        });
        return best;
    }""".replace("FIND_MAP", FIND_MAP))
    assert point, "some road can be clicked"
    t.page.mouse.click(point["x"], point["y"])
    t.page.locator(".leaflet-popup-content").wait_for(state="visible")
    t.page.wait_for_timeout(700)  # the popup's pan into view
    popup = t.js("""() => { const r = document.querySelector('.leaflet-popup').getBoundingClientRect();
        return {x0: r.left, y0: r.top, x1: r.right, y1: r.bottom}; }""")
    boxes = t.js(BOXES)
    title = [b for b in boxes if "kr-title" in b["cls"]][0]
    assert not _overlap(popup, title), f"the popup of {point['segment']} is under the title box: {popup} {title}"
    assert popup["y0"] >= 0, "the popup is wholly in view"
    # where the legend would cover it, the legend fades until the popup closes
    legend = [b for b in boxes if "kr-legend" in b["cls"]][0]
    assert ("kr-behind" in legend["cls"]) == _overlap(popup, legend)
    t.js(f"() => {FIND_MAP}.closePopup()")
    t.page.wait_for_timeout(400)
    assert "kr-behind" not in " ".join(b["cls"] for b in t.js(BOXES))
    t.assert_clean(tiles_allowed=tiles)


@pytest.mark.browser
@pytest.mark.parametrize("size", VIEWPORTS, ids=VIEWPORT_IDS)
def test_trip_headline_is_large_and_in_view(tab: Any, pages: dict[str, tuple[str, bool]], tmp_path: Path,
                                            size: tuple[int, int]) -> None:
    t = tab(*size)
    t.open(pages["trip online"][0], tmp_path, "trip.html")
    got = t.js("""() => { const h = document.querySelector('.kr-headline'), r = h.getBoundingClientRect();
        return {size: parseFloat(getComputedStyle(h).fontSize), text: h.innerText, y1: r.bottom, x0: r.left, x1: r.right,
                title: document.title}; }""")
    assert got["size"] >= 17, "the answer is in large type"
    assert got["text"].replace("\n", " ").endswith("view: NO")
    assert got["x0"] >= 0 and got["x1"] <= size[0] and got["y1"] <= size[1] / 3
    assert got["title"].endswith("view: NO")
    t.assert_clean(tiles_allowed=True)


# -- without a network ----------------------------------------------------------------------


@pytest.mark.browser
def test_online_map_draws_every_road_with_tiles_failing(tab: Any, bundled: kr.RoadModel, tmp_path: Path) -> None:
    """The README's first command: a map that opens anywhere (its tiles fail quietly offline)."""
    out = tmp_path / "map.html"
    assert main(["map", "--on", TRIP_ON, "--traffic", TRIP_TRAFFIC, "--path", *TRIP, "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\bsrc\s*=", text, flags=re.I)
    assert not re.search(r"<link[^>]*\bhref\s*=", text, flags=re.I)
    t = tab(1280, 800)
    t.page.goto(out.as_uri())
    t.page.wait_for_selector("path.leaflet-interactive")
    t.page.wait_for_function("() => window.krLabels && window.krLabels.runs > 0")
    n = t.js("() => document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive').length")
    assert n >= len(bundled.timeline.segments)
    assert t.requests, "the tile layer is there (it asks for tiles)"
    t.assert_clean(tiles_allowed=True)


# -- no browser needed ------------------------------------------------------------------------


def test_page_title_is_set_and_escaped(bundled: kr.RoadModel, fixture_model: kr.RoadModel) -> None:
    page = date_map(bundled, on=ON, offline=True).get_root().render()
    assert f"<title>Roads into Nagorno-Karabakh on {ON}</title>" in page
    assert re.search(r"<title>Roads into Nagorno-Karabakh[^<]*</title>", timeline_map(fixture_model, offline=True)
                     .get_root().render())
    page = date_map(fixture_model, on="2020-06-01", path=("West", "East"), offline=True).get_root().render()
    title = re.search(r"<title>(.*?)</title>", page)
    assert title
    assert html.unescape(title.group(1)) == "West Town / Batı → East City / Şərq · civilian · 2020-06-01 · consensus view: YES"


@pytest.mark.parametrize(("on", "traffic"), [("2022-06-01", "civilian"), ("2023-01-10", "civilian"),
                                             ("2023-07-20", "humanitarian"), ("2023-09-12", "civilian"),
                                             ("2023-01-10", "humanitarian")])
def test_trip_headline_matches_reach(bundled: kr.RoadModel, on: str, traffic: str) -> None:
    r = bundled.reach(*TRIP, on=on, traffic=traffic)
    headline, why = trip_headline(r, bundled)
    page = date_map(bundled, on=on, traffic=traffic, path=TRIP, offline=True).get_root().render()
    box = re.search(r"<div class='kr-headline'[^>]*>(.*?)</div><div class='kr-headline-why'>(.*?)</div>", page)
    assert box, "the trip map has a headline"
    assert box.group(1) == esc(headline) and box.group(2) == esc(why)
    assert headline.endswith(f"{r.view} view: {r.answer.upper()}") and on in headline and traffic in headline
    decisive = {"no": r.blocked_by, "disputed": r.disputed, "unknown": r.unknown}.get(r.answer, [])
    runs = stretches(bundled, decisive, r.origin)
    assert sum(n for *_, n in runs) == len(decisive), "every deciding segment is counted in the headline"
    for a_name, b_name, _ in runs:
        assert f"from {a_name} to {b_name}" in why
    assert page.count("class='kr-headline'") == 1


# -- a map of an area -----------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("size", VIEWPORTS, ids=VIEWPORT_IDS)
@pytest.mark.parametrize("kind", ["date", "timeline"])
def test_a_map_of_an_area_opens_on_the_whole_area_clear_of_the_boxes(tab: Any, bundled: kr.RoadModel, tmp_path: Path,
                                                                     size: tuple[int, int], kind: str) -> None:
    box = kr.bbox_around(bundled, "Berdzor", 8)
    fmap = (date_map(bundled, on=TRIP_ON, traffic=TRIP_TRAFFIC, path=TRIP, bbox=box, offline=True) if kind == "date"
            else timeline_map(bundled, start="2022-08-01", end="2023-10-01", bbox=box, offline=True))
    t = tab(*size)
    t.open(fmap.get_root().render(), tmp_path, "area.html")
    got = t.js("""(b) => {
        const map = FIND_MAP, c = map.getContainer().getBoundingClientRect(), segs = new Set(), road = [];
        const p = ll => { const q = map.latLngToContainerPoint(ll); return [c.left + q.x, c.top + q.y]; };
        map.eachLayer(l => {
            if (!(l.feature && l.feature.properties.segment)) { return; }
            segs.add(l.feature.properties.segment);
            l.getLatLngs().flat(3).forEach(ll => {
                if (ll.lng >= b[0] && ll.lng <= b[2] && ll.lat >= b[1] && ll.lat <= b[3]) { road.push(p(ll)); }
            });
        });
        const sw = p([b[1], b[0]]), ne = p([b[3], b[2]]);
        return {area: {x0: sw[0], y0: ne[1], x1: ne[0], y1: sw[1]}, segments: [...segs].sort(), road: road,
                container: {x0: c.left, y0: c.top, x1: c.right, y1: c.bottom}};
    }""".replace("FIND_MAP", FIND_MAP), list(box))
    a, c = got["area"], got["container"]
    assert c["x0"] <= a["x0"] and a["x1"] <= c["x1"] and c["y0"] <= a["y0"] and a["y1"] <= c["y1"], got  # all in view
    assert (a["x1"] - a["x0"]) * (a["y1"] - a["y0"]) > 0.2 * (c["x1"] - c["x0"]) * (c["y1"] - c["y0"])  # and fills it
    assert got["road"]
    for b in t.js(BOXES):  # below the title, and none of the area's roads under a box
        assert "kr-title" not in b["cls"] or b["y1"] <= a["y0"], f"the area is under the {b['cls']!r} box"
        assert not [q for q in got["road"] if _inside(q[0], q[1], b)], f"a road of the area is under {b['cls']!r}"
    from karabakh_routes.area import segments_in
    assert got["segments"] == sorted(bundled.timeline.segments[i] for i in segments_in(bundled.timeline, box))
    _check_labels(t, f"{kind} area {size}")
    t.assert_clean(tiles_allowed=False)
