"""What a person sees: the offline maps in headless Chromium (Playwright, sync API).

Every request to anything but ``file:`` is aborted and recorded; a test fails if any was
made or if the page logged an error. Without Playwright or ``/usr/bin/chromium`` the browser
tests are skipped locally, and fail when ``CI=true``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import karabakh_routes as kr
from karabakh_routes.maps import STATUS_STYLES, date_map
from karabakh_routes.maps.timeline_map import timeline_map

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
ON = "2023-07-20"
TRAFFIC = "humanitarian"
SEGMENT = "hakari_bridge__lachin_checkpoint"

# JavaScript run in the page: the Leaflet map, and the date map's layer for a segment.
FIND_MAP = "Object.values(window).find(v => v instanceof L.Map)"
FIND_LAYER = """(seg) => {
  let found = null;
  const map = FIND_MAP;
  map.eachLayer(l => { if (l.feature && l.feature.properties.segment === seg && l._path) { found = l; } });
  return found;
}""".replace("FIND_MAP", FIND_MAP)
# The API of the (first) timeline slider on the page, found by its box's data attribute.
SLIDER = "window[document.querySelector('[data-kr-slider]').dataset.krSlider]"
SLIDER_LAYER = f"(seg) => {SLIDER}.layers[seg]"
RANGE = "[data-kr-slider] input[type=range]"
DATE = "[data-kr-slider] .kr-date"
PLAY = "[data-kr-slider] button"
# Open a segment's popup and tooltip as a click and a hover would (the events propagate to
# the GeoJson layer that holds them) and return what they show.
OPEN_SEGMENT = """(seg) => {
    const map = FIND_MAP;
    const layer = (LAYER_JS)(seg);
    const at = layer.getBounds().getCenter();
    layer.fire('click', {latlng: at}, true);
    const box = document.querySelector('.leaflet-popup-content');
    const text = box ? box.innerText : '';
    map.closePopup();
    layer.fire('mouseover', {latlng: at}, true);
    const tipBox = document.querySelector('.leaflet-tooltip.kr-road-tip');
    const tip = tipBox ? tipBox.innerText : '';
    layer.fire('mouseout', {latlng: at}, true);
    return [text, tip];
}""".replace("FIND_MAP", FIND_MAP)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests must run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed (pip install playwright)")
    if not Path(CHROMIUM).exists():
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@dataclass
class Page:
    """A page with its blocked requests and console errors recorded."""

    page: Any
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open(self, html: str, folder: Path, name: str) -> None:
        path = folder / name
        path.write_text(html, encoding="utf-8")
        self.page.goto(path.as_uri())
        self.page.wait_for_selector("path.leaflet-interactive")

    def js(self, script: str, arg: Any = None) -> Any:
        return self.page.evaluate(script, arg)


@pytest.fixture
def page(browser: Any) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    pg = Page(context.new_page())

    def route(r: Any) -> None:
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            pg.blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    pg.page.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
    pg.page.on("pageerror", lambda e: pg.errors.append(str(e)))
    yield pg
    context.close()
    assert pg.blocked == [], "the offline page asked the network for something"
    assert pg.errors == [], "the page logged errors"


@pytest.fixture(scope="module")
def expected(bundled: kr.RoadModel) -> Any:
    return bundled.status(on=ON, traffic=TRAFFIC)


def zoom_to(pg: Page, segment: str, layer_js: str) -> dict[str, float]:
    """Zoom in on a segment and return a page point on its ink (not in a gap of its dashes).

    ``layer_js`` is a function of the segment id returning its Leaflet layer.
    """
    point = pg.js(f"""(seg) => {{
        const map = {FIND_MAP};
        const layer = ({layer_js})(seg);
        const ll = layer.getLatLngs();
        map.fitBounds(layer.getBounds(), {{animate: false, padding: [200, 200]}});
        const r = map.getContainer().getBoundingClientRect();
        for (let i = 0; i + 1 < ll.length; i++) {{
            const a = map.latLngToContainerPoint(ll[i]), b = map.latLngToContainerPoint(ll[i + 1]);
            for (let t = 0.2; t <= 0.8; t += 0.02) {{
                const x = r.left + a.x + t * (b.x - a.x), y = r.top + a.y + t * (b.y - a.y);
                if (document.elementFromPoint(x, y) === layer._path) {{ return {{x: x, y: y}}; }}
            }}
        }}
        return null;
    }}""", segment)
    assert point, f"{segment} is drawn and can be clicked somewhere along it"
    return point


# -- no browser needed ------------------------------------------------------------------


@pytest.mark.parametrize("which", ["date", "timeline"])
def test_offline_html_loads_no_remote_script_or_stylesheet(bundled: kr.RoadModel, which: str) -> None:
    fmap = (date_map(bundled, on=ON, traffic=TRAFFIC, offline=True) if which == "date"
            else timeline_map(bundled, offline=True))
    page = fmap.get_root().render()
    assert re.findall(r"<script[^>]*\bsrc\s*=\s*[\"']?[^\"'\s>]*", page, flags=re.I) == []
    assert re.findall(r"<link[^>]*\bhref\s*=\s*[\"']?[^\"'\s>]*", page, flags=re.I) == []
    assert not re.search(r"<(script|link|img|iframe)[^>]*(src|href)\s*=\s*[\"']?\s*(https?:)?//", page, flags=re.I)


# -- date map ---------------------------------------------------------------------------


@pytest.mark.browser
def test_date_map_draws_every_segment_in_its_status_style(page: Page, bundled: kr.RoadModel, expected: Any,
                                                           tmp_path: Path) -> None:
    page.open(date_map(bundled, on=ON, traffic=TRAFFIC, offline=True).get_root().render(), tmp_path, "date.html")
    paths = page.js("""() => [...document.querySelectorAll('path.leaflet-interactive')].map(p => ({
        stroke: (p.getAttribute('stroke') || '').toUpperCase(), dash: p.getAttribute('stroke-dasharray'),
        width: p.getAttribute('stroke-width')}))""")
    assert len(paths) >= len(expected)
    for status, st in STATUS_STYLES.items():
        drawn = [p for p in paths if p["stroke"] == st.color.upper() and p["dash"] == st.dash
                 and p["width"] == str(st.weight)]
        assert len(drawn) == int((expected["status"] == status).sum()), status
    # the segment of the example, looked up by its data, has the style of its computed status
    style = STATUS_STYLES[expected.loc[SEGMENT, "status"]]
    attrs = page.js(f"""(seg) => {{ const l = ({FIND_LAYER})(seg);
        return {{stroke: l._path.getAttribute('stroke'), dash: l._path.getAttribute('stroke-dasharray')}}; }}""",
                    SEGMENT)
    assert attrs == {"stroke": style.color, "dash": style.dash}


@pytest.mark.browser
def test_clicking_a_segment_opens_its_claims(page: Page, bundled: kr.RoadModel, expected: Any,
                                             tmp_path: Path) -> None:
    page.open(date_map(bundled, on=ON, traffic=TRAFFIC, offline=True).get_root().render(), tmp_path, "date.html")
    point = zoom_to(page, SEGMENT, FIND_LAYER)
    page.page.mouse.click(point["x"], point["y"])
    popup = page.page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    text = popup.inner_text()
    claims = expected.loc[SEGMENT, "claims"]
    assert claims, "the example date has claims for this segment"
    for claim in claims:
        assert claim["claimant"] in text
    assert f"Status: {expected.loc[SEGMENT, 'status']} for {TRAFFIC}" in text


# -- timeline map ------------------------------------------------------------------------


def _two_steps(model: kr.RoadModel, traffic: str | None) -> tuple[str, int, int]:
    """A segment and two change points between which its status (hence its style) changes."""
    steps = model.timeline.change_points()
    tables = [model.status(on=d, traffic=traffic)["status"] for d in steps]
    for seg in [SEGMENT, *model.timeline.segments]:
        for i in range(len(steps)):
            for j in range(i + 1, len(steps)):
                a, b = tables[i][seg], tables[j][seg]
                if STATUS_STYLES[a] != STATUS_STYLES[b]:
                    return seg, i, j
    raise AssertionError("no segment ever changes style")


@pytest.mark.browser
def test_timeline_slider_restyles_segments(page: Page, bundled: kr.RoadModel, tmp_path: Path) -> None:
    page.open(timeline_map(bundled, traffic=TRAFFIC, offline=True).get_root().render(), tmp_path, "timeline.html")
    steps = bundled.timeline.change_points()
    seg, i, j = _two_steps(bundled, TRAFFIC)
    assert page.page.locator(RANGE).get_attribute("max") == str(len(steps) - 1)
    for k in (i, j):
        day = steps[k]
        page.page.locator(RANGE).fill(str(k))  # moves the slider and fires its input event
        assert page.page.locator(DATE).inner_text() == day.isoformat()
        status = bundled.status(on=day, traffic=TRAFFIC).loc[seg, "status"]
        st = STATUS_STYLES[status]
        got = page.js(f"""(seg) => {{ const p = {SLIDER}.layers[seg]._path;
            return {{stroke: p.getAttribute('stroke'), dash: p.getAttribute('stroke-dasharray'),
                    width: p.getAttribute('stroke-width'), status: {SLIDER}.statusOf(seg)}}; }}""", seg)
        assert got == {"stroke": st.color, "dash": st.dash, "width": str(st.weight), "status": status}, day
        # what a hover shows follows the slider too
        _, tip = page.js(OPEN_SEGMENT.replace("LAYER_JS", SLIDER_LAYER), seg)
        assert tip.endswith(": " + st.label), (day, tip)


@pytest.mark.browser
def test_timeline_popup_follows_the_slider(page: Page, bundled: kr.RoadModel, tmp_path: Path) -> None:
    page.open(timeline_map(bundled, traffic=TRAFFIC, offline=True).get_root().render(), tmp_path, "timeline.html")
    steps = bundled.timeline.change_points()
    day = dt.date.fromisoformat(ON)
    k = max(i for i, d in enumerate(steps) if d <= day)
    page.page.locator(RANGE).fill(str(k))
    point = zoom_to(page, SEGMENT, SLIDER_LAYER)
    page.page.mouse.click(point["x"], point["y"])
    popup = page.page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    text = popup.inner_text()
    row = bundled.status(on=steps[k], traffic=TRAFFIC).loc[SEGMENT]
    assert row["claims"]
    assert f"Status: {row['status']} for {TRAFFIC}" in text
    for claim in row["claims"]:
        assert claim["claimant"] in text
    # an open popup follows the slider
    page.page.locator(RANGE).fill(str(k - 1))
    before = bundled.status(on=steps[k - 1], traffic=TRAFFIC).loc[SEGMENT, "status"]
    assert f"Status: {before} for {TRAFFIC}" in popup.inner_text()


@pytest.mark.browser
def test_timeline_play_button_advances_and_stops(page: Page, bundled: kr.RoadModel, tmp_path: Path) -> None:
    page.open(timeline_map(bundled, start="2023-09-20", end="2023-09-25", offline=True).get_root().render(),
              tmp_path, "timeline.html")
    n = int(page.page.locator(RANGE).get_attribute("max")) + 1
    play = page.page.locator(PLAY)
    play.click()
    assert play.get_attribute("aria-pressed") == "true"
    page.page.wait_for_function(f"() => {SLIDER}.step() >= 1", timeout=5000)
    page.page.wait_for_function(f"() => {SLIDER}.step() === {n - 1}", timeout=2000 * n)
    page.page.wait_for_function(f"() => document.querySelector({PLAY!r}).getAttribute('aria-pressed') === 'false'")
    assert play.inner_text().endswith("Play")
    last = page.page.locator(DATE).inner_text()
    assert last == bundled.timeline.change_points("2023-09-20", "2023-09-25")[-1].isoformat()


def _two_slider_map(model: kr.RoadModel) -> tuple[str, list[Any]]:
    """Two road layers, each with its own slider (different traffic classes), on one offline page."""
    from karabakh_routes.maps import _elements as el
    from karabakh_routes.maps._features import road_layer, segment_feature, slider_table
    from karabakh_routes.maps.date_map import base_map
    from karabakh_routes.maps.offline import root_header

    fmap = base_map(model, offline=True)
    root_header(fmap).add_child(el.Raw("<style>.kr-one{position:absolute;top:10px;left:60px;z-index:1000}"
                                       ".kr-two{position:absolute;bottom:30px;right:10px;z-index:1000}</style>"),
                                name="two_sliders_css")
    tables = []
    for traffic, css in (("humanitarian", "kr-one"), ("civilian", "kr-two")):
        table = slider_table(model, start="2022-12-01", end="2023-10-01", traffic=traffic)
        rows = model.timeline.status(on=table.steps[0], traffic=traffic).to_dict("records")
        layer = road_layer([segment_feature(model, r, traffic, details=False) for r in rows], name=traffic)
        layer.add_to(fmap)
        fmap.add_child(el.TimelineSlider(layer, table.to_data(), css_class=css,
                                         heading=f"<b>{traffic}</b>", label=f"Date ({traffic})"))
        tables.append(table)
    return fmap.get_root().render(), tables


@pytest.mark.browser
def test_two_sliders_on_one_page_move_independently(page: Page, bundled: kr.RoadModel, tmp_path: Path) -> None:
    html, tables = _two_slider_map(bundled)
    page.open(html, tmp_path, "two.html")
    names = page.js("() => [...document.querySelectorAll('[data-kr-slider]')].map(b => b.dataset.krSlider)")
    assert len(names) == 2 and names[0] != names[1]
    ids = page.js("() => [...document.querySelectorAll('[id]')].map(e => e.id)")
    assert len(ids) == len(set(ids)), "no id is used twice"
    boxes = [page.page.locator(f'[data-kr-slider="{n}"]') for n in names]

    def state(i: int) -> dict[str, Any]:
        return page.js("""([name, seg]) => ({step: window[name].step(), status: window[name].statusOf(seg),
            stroke: window[name].layers[seg]._path.getAttribute('stroke'),
            date: document.querySelector(`[data-kr-slider="${name}"] .kr-date`).innerText})""", [names[i], SEGMENT])

    start = [state(0), state(1)]
    assert start[0]["step"] == start[1]["step"] == 0
    for moved, other in ((0, 1), (1, 0)):
        table = tables[moved]
        k = table.step_index(ON)
        boxes[moved].locator("input[type=range]").fill(str(k))
        got = state(moved)
        status = table.status(k, SEGMENT)
        assert got == {"step": k, "status": status, "stroke": STATUS_STYLES[status].color,
                       "date": table.steps[k].isoformat()}
        assert state(other) == start[other], "the other slider did not move"
        boxes[moved].locator("input[type=range]").fill("0")
        assert state(moved) == start[moved]
    # the play button of one plays that slider only
    boxes[1].locator("button").click()
    page.page.wait_for_function(f"() => window[{names[1]!r}].step() >= 1", timeout=5000)
    boxes[1].locator("button").click()
    assert state(0) == start[0]


# -- hostile text in the data -------------------------------------------------------------

HOSTILE = {
    "claimant": "<script>window.__xss = 'claimant'</script>Evil & Co",
    "quote": "\"><img src=x onerror=\"window.__xss='quote'\"> it's `${window.__xss='tpl'}` \\u0027",
    "note": "</div></script><script>window.__xss='note'</script><b onmouseover=\"window.__xss='b'\">hover</b>",
    "place": "<img src=x onerror=window.__xss='place'>ville",
    "segment": "Road \"</a><svg onload=window.__xss='svg'>",
}


def _hostile_model(folder: Path) -> kr.RoadModel:
    import json

    from conftest import EVENTS, write_fixture
    events = [list(r) for r in EVENTS]
    for r in events:
        r[9] = HOSTILE["claimant"] if r[9] == "X" else r[9]
        r[12] = HOSTILE["note"]
    events[2][11] = ""  # the Y claim keeps no quote; E1 gets the hostile quote (S1 is not a bundled article)
    events[0][11] = HOSTILE["quote"]
    files = write_fixture(folder, events)
    places = json.loads(files["places"].read_text(encoding="utf-8"))
    places["features"][0]["properties"]["aliases"].append(HOSTILE["place"])
    places["features"][0]["properties"]["name"] = HOSTILE["place"] + " / West"
    files["places"].write_text(json.dumps(places), encoding="utf-8")
    segs = json.loads(files["segments"].read_text(encoding="utf-8"))
    for f in segs["features"]:
        f["properties"]["name"] = HOSTILE["segment"]
    files["segments"].write_text(json.dumps(segs), encoding="utf-8")
    return kr.load(**{k: str(v) for k, v in files.items()})


@pytest.mark.browser
@pytest.mark.parametrize("which", ["date", "timeline"])
def test_hostile_text_is_shown_literally_and_never_runs(page: Page, tmp_path: Path, which: str) -> None:
    m = _hostile_model(tmp_path)
    on = "2021-03-11"  # E1 (hostile claimant and quote) and E3 are both in force on mid__east
    if which == "date":
        html = date_map(m, on=on, offline=True).get_root().render()
        layer_js = FIND_LAYER
    else:
        html = timeline_map(m, start=on, end="2021-03-12", offline=True).get_root().render()
        layer_js = SLIDER_LAYER
    page.open(html, tmp_path, f"{which}.html")
    texts = []
    for seg in m.timeline.segments:
        # Leaflet's own click/hover events on each segment layer (the real-mouse path is covered
        # by the tests above): popups and tooltips are inserted into the page exactly as on a click.
        popup, tip = page.js(OPEN_SEGMENT.replace("LAYER_JS", layer_js), seg)
        assert tip.startswith(HOSTILE["segment"] + ": "), "the tooltip shows the name as written"
        texts.append(popup)
    assert all(texts), "every segment opened a popup"
    # every place popup, and the layer control
    page.js(f"""() => {{ const map = {FIND_MAP};
        map.eachLayer(l => {{ if (l.getLatLng && l.getPopup && l.getPopup()) {{ l.openPopup(); }} }}); }}""")
    page.page.locator(".leaflet-control-layers").hover()
    assert page.js("() => window.__xss") is None, "script from the data ran"
    assert page.js("() => document.querySelectorAll('.leaflet-popup-content img, .kr-box img, svg[onload]').length") == 0
    joined = "\n".join(texts)
    assert HOSTILE["claimant"] in joined
    assert "\"><img src=x onerror=\"window.__xss='quote'\"> it's `${window.__xss='tpl'}` \\u0027" in joined
    assert "<b onmouseover=" in joined
    assert HOSTILE["segment"] in joined


@pytest.mark.browser
@pytest.mark.parametrize("which", ["date", "timeline"])
def test_template_syntax_in_data_is_shown_literally_and_never_runs(page: Page, tmp_path: Path, which: str) -> None:
    """Jinja syntax in every text field (test_template_injection.py) reaches the reader as written."""
    from test_template_injection import EVALUATED, t, template_files

    (tmp_path / "data").mkdir()
    files = template_files(tmp_path / "data")
    m = kr.load(**{k: str(v) for k, v in files.items()})
    on = "2021-03-20"
    if which == "date":
        far = [n for n in m.G.nodes if n.startswith("far")][0]
        html = date_map(m, on=on, offline=True, path=(next(iter(m.G.nodes)), far)).get_root().render()
        layer_js = FIND_LAYER
    else:
        html = timeline_map(m, start=on, offline=True).get_root().render()
        layer_js = SLIDER_LAYER
    page.open(html, tmp_path, f"{which}.html")
    texts = []
    for seg in m.timeline.segments:
        popup, tip = page.js(OPEN_SEGMENT.replace("LAYER_JS", layer_js), seg)
        assert popup and tip, "every segment shows a popup and a tooltip"
        texts.append(popup + "\n" + tip)
    texts.append(page.js(f"""() => {{ const map = {FIND_MAP}; const out = [];
        map.eachLayer(l => {{ if (l.getLatLng && l.getPopup && l.getPopup()) {{
            l.openPopup(); const b = l.getPopup().getElement(); out.push(b ? b.innerText : '');
            l.closePopup(); }} }});
        return out.join('\\n'); }}"""))
    page.page.locator(".leaflet-control-layers").hover()
    texts.append(page.js("() => document.body.innerText"))
    joined = "\n".join(texts)
    assert page.js("() => window.__xss") is None, "script built by template syntax in the data ran"
    assert page.js("() => document.querySelectorAll('img').length") == 0
    assert not any(trace in joined for trace in EVALUATED)
    for text in (t("claimant X"), t("note E1"), t("segment name mid__east"), t("place name west"), t("place alias west"),
                 t("source title S1")):
        assert " ".join(text.split()) in " ".join(joined.split()), f"{text[:30]!r} is shown as written"
