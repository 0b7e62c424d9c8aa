"""Date map and timeline map HTML (no browser; see test_browser.py for what a person sees)."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import html
import json
import re
from pathlib import Path

import folium
import markupsafe
import pytest
from conftest import EVENT_HEADER, SOURCES, write_fixture
from hypothesis import given
from hypothesis import strategies as hst
from jinja2.utils import htmlsafe_json_dumps

import karabakh_routes as kr
from karabakh_routes.events import Source
from karabakh_routes.maps import STATUS_STYLES, _elements, date_map
from karabakh_routes.maps._features import SliderTable, road_layer, segment_feature, segment_popup, slider_table
from karabakh_routes.maps._html import claims_html, esc, js_string, json_for_script, safe_url
from karabakh_routes.maps._layout import HIGHLIGHT_PANES
from karabakh_routes.maps.date_map import ATTRIBUTION
from karabakh_routes.maps.style import TRIP_OVERLAY
from karabakh_routes.maps.timeline_map import timeline_map, timeline_steps

EVIL_SCRIPT = "<script>alert(1)</script>"
EVIL_ATTR = '"><img src=x onerror=alert(1)>'
EVIL_TEMPLATE = "`+alert(2)+` ${alert(3)} \\u00zz </script><!--"
EVIL_URL = 'https://example.org/"><img src=x onerror=alert(4)>'


def render(fmap: folium.Map) -> str:
    return fmap.get_root().render()


def norm(text: str) -> str:
    """Collapse whitespace, so assertions do not depend on folium's template layout."""
    return re.sub(r"\s+", " ", text)


def road_layers(fmap: folium.Map) -> list[folium.GeoJson]:
    """The map's GeoJson layers of road segments, in drawing order."""
    out, todo = [], [fmap]
    while todo:
        e = todo.pop(0)
        if isinstance(e, folium.GeoJson) and "segment" in (e.data["features"] or [{}])[0].get("properties", {}):
            out.append(e)
        todo.extend(e._children.values())
    return out


def road_properties(fmap: folium.Map) -> dict[str, dict]:
    """Segment id -> the properties of its feature (status, escaped popup and tooltip HTML).

    A popup stored as shared fragments (``pp``) is joined as the page joins it.
    """
    out = {}
    for layer in road_layers(fmap):
        shared = [c for c in layer._children.values() if isinstance(c, _elements.SharedPopups)]
        for f in layer.data["features"]:
            props = dict(f["properties"])
            if "pp" in props:
                (html_parts,) = [c.html for c in shared]
                props["popup"] = "".join(html_parts[i] for i in props["pp"])
            out[props["segment"]] = props
    return out


def slider_of(fmap: folium.Map) -> _elements.TimelineSlider:
    sliders = [e for e in fmap._children.values() if isinstance(e, _elements.TimelineSlider)]
    assert len(sliders) == 1
    return sliders[0]


@pytest.fixture
def evil_model(tmp_path: Path) -> kr.RoadModel:
    """The fixture network, with markup and script in every data string that reaches a map."""
    events = [
        ["E1", "2020-01-01", "", "corridor", "opening", "open", "", "", "", EVIL_SCRIPT, "S1", EVIL_ATTR, EVIL_TEMPLATE],
        ["E2", "2021-03-05", "", "mid__east", "closure", "closed", "civilian", "", "", EVIL_ATTR, "S2",
         EVIL_SCRIPT, EVIL_SCRIPT],
        ["E3", "2021-03-20", "", "mid__east", "passage", "", "", "humanitarian", "", EVIL_TEMPLATE, "S2",
         EVIL_TEMPLATE, ""],
    ]
    files = write_fixture(tmp_path, events=events)
    sources = [dict(s) for s in SOURCES]
    sources[0].update(title=EVIL_SCRIPT, publisher=EVIL_TEMPLATE)
    sources[1].update(title=EVIL_ATTR)
    with open(files["sources"], "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(SOURCES[0]))
        w.writeheader()
        w.writerows(sources)
    places = json.loads(files["places"].read_text(encoding="utf-8"))
    places["features"][2]["properties"]["name"] = "East City " + EVIL_ATTR
    files["places"].write_text(json.dumps(places), encoding="utf-8")
    segs = json.loads(files["segments"].read_text(encoding="utf-8"))
    segs["features"][1]["properties"]["name"] = "mid-east " + EVIL_TEMPLATE
    files["segments"].write_text(json.dumps(segs), encoding="utf-8")
    return kr.load(**{k: str(v) for k, v in files.items()})


# -- helpers ---------------------------------------------------------------------------


def test_esc_neutralises_html_and_js_template_syntax() -> None:
    out = esc(EVIL_TEMPLATE + EVIL_ATTR)
    for ch in "<>\"'`$\\":
        assert ch not in out
    assert html.unescape(out) == EVIL_TEMPLATE + EVIL_ATTR


def test_json_for_script_cannot_close_the_script_element() -> None:
    text = json_for_script({"a": EVIL_TEMPLATE, "b": ["&", EVIL_SCRIPT]})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"a": EVIL_TEMPLATE, "b": ["&", EVIL_SCRIPT]}
    assert json.loads(js_string(EVIL_SCRIPT)) == EVIL_SCRIPT


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,x", "//evil.org/x",
                                 "ftp://x.org/a", EVIL_URL, " javascript:x", ""])
def test_safe_url_keeps_only_plain_http_links(url: str) -> None:
    assert safe_url(url) is None


def test_claims_html_links_only_http_sources() -> None:
    claim = {"claimant": "C", "start": "2021-01-01", "end": "", "status": "closed", "traffic": [], "event": "E1",
             "quote": "q", "note": "", "source": "S1", "url": "javascript:alert(1)"}
    out = claims_html([claim], {"S1": Source("S1", "Title", "Pub", "", "javascript:alert(1)")})
    assert "href" not in out and "javascript:" not in out
    ok = claims_html([{**claim, "url": "https://example.org/a?b=1&c=2"}], {"S1": Source("S1", "Title")})
    assert 'href="https://example.org/a?b=1&amp;c=2"' in ok
    assert 'rel="noopener noreferrer"' in ok


# -- date map --------------------------------------------------------------------------


def test_date_map_returns_folium_map_with_title(fixture_model: kr.RoadModel) -> None:
    fmap = date_map(fixture_model, on="2021-03-07", traffic="humanitarian", view="strict")
    assert isinstance(fmap, folium.Map)
    page = norm(render(fmap))
    assert "Roads into Nagorno-Karabakh on 2021-03-07" in page
    assert "Traffic: humanitarian · view: strict" in page


def test_date_map_title_names_all_classes_without_traffic(fixture_model: kr.RoadModel) -> None:
    page = norm(render(date_map(fixture_model, on=dt.date(2021, 3, 7))))
    assert "Traffic: all classes · view: consensus" in page


@pytest.mark.parametrize("factory", ["date", "timeline"])
def test_legend_lists_every_status_with_its_colour_and_dash(fixture_model: kr.RoadModel, factory: str) -> None:
    fmap = (date_map(fixture_model, on="2021-03-07") if factory == "date" else timeline_map(fixture_model))
    page = render(fmap)
    legend = page[page.index("Road status</div>"):]
    for status, st in STATUS_STYLES.items():
        row = re.search(rf"data-status='{status}'>(.*?)</div>", legend)
        assert row, status
        assert esc(st.label) in row.group(1)
        assert f'stroke="{st.color}"' in row.group(1)
        if st.dash:
            assert f'stroke-dasharray="{st.dash}"' in row.group(1)


def test_popups_list_the_claims_in_force(fixture_model: kr.RoadModel) -> None:
    assert fixture_model.status(on="2021-03-12", traffic="civilian").loc["mid__east", "status"] == "disputed"
    page = norm(road_properties(date_map(fixture_model, on="2021-03-12", traffic="civilian"))["mid__east"]["popup"])
    assert "Sources disagree about this segment on this date" in page
    assert "<div class='kr-claimant'><b>X</b>" in page
    assert "<div class='kr-claimant'><b>Y</b>" in page
    assert "“the road was closed to all traffic”" in page
    assert 'href="https://example.org/1"' in page  # X cites S1
    assert "bundled article <code>a1.txt</code>" in page  # Y cites a seed article without URL


def test_popups_say_when_nobody_makes_a_claim(fixture_model: kr.RoadModel) -> None:
    popups = road_properties(date_map(fixture_model, on="2019-06-01"))
    assert all("none — no source makes a claim about this date" in p["popup"] for p in popups.values())


def test_passages_of_the_day_are_drawn(fixture_model: kr.RoadModel) -> None:
    page = norm(render(date_map(fixture_model, on="2021-03-20")))
    assert "Convoy passages this day" in page
    assert "Passage: humanitarian (Y)" in page
    assert "Convoy passages this day" not in norm(render(date_map(fixture_model, on="2021-03-21")))


def test_path_highlight_layer(fixture_model: kr.RoadModel) -> None:
    page = norm(render(date_map(fixture_model, on="2020-06-01", path=("West", "East"))))
    assert "Trip West Town / Batı → East City / Şərq: yes" in page
    assert f'"color": "{TRIP_OVERLAY[0]}"' in page and f'"pane": "{HIGHLIGHT_PANES["trip"][0]}"' in page
    assert "trip West Town / Batı → East City / Şərq (civilian): yes" in page  # legend row
    assert "Trip " not in norm(render(date_map(fixture_model, on="2020-06-01")))


def test_attribution_and_tiles_online(fixture_model: kr.RoadModel) -> None:
    page = render(date_map(fixture_model, on="2021-03-07"))
    assert f"addAttribution({js_string(ATTRIBUTION)})" in page
    assert "tile.openstreetmap.org" in page
    assert "OpenStreetMap" in page and "contributors" in page


@pytest.mark.parametrize("factory", ["date", "timeline"])
def test_offline_has_no_tiles_and_inlines_leaflet(fixture_model: kr.RoadModel, factory: str) -> None:
    fmap = (date_map(fixture_model, on="2021-03-07", offline=True) if factory == "date"
            else timeline_map(fixture_model, offline=True))
    page = render(fmap)
    assert "tile.openstreetmap.org" not in page
    assert "L.tileLayer" not in page
    assert "(xstatic-leaflet)" in page
    assert not re.search(r"<script[^>]*\bsrc=", page)
    assert not re.search(r"<link[^>]*\bhref=", page)
    assert f"addAttribution({js_string(ATTRIBUTION)})" in page
    # folium's popups call $(...) — the offline page brings its own stand-in for it
    assert "window.$ = window.$ ||" in page


def test_date_map_escapes_every_data_string(evil_model: kr.RoadModel) -> None:
    for day in ("2021-03-06", "2021-03-20"):
        fmap = date_map(evil_model, on=day, traffic="civilian" if day == "2021-03-06" else None)
        page = render(fmap)
        for raw in (EVIL_SCRIPT, EVIL_ATTR, EVIL_TEMPLATE, "<img", "${alert", "`+alert"):
            assert raw not in page
        popups = "".join(p["popup"] + p["tooltip"] for p in road_properties(fmap).values())
        for raw in (EVIL_SCRIPT, EVIL_ATTR, EVIL_TEMPLATE):
            assert esc(raw) in popups and raw not in popups
            # the popups reach the page as JSON that no data can end (<, > and & escaped)
            assert str(htmlsafe_json_dumps(esc(raw)))[1:-1] in page
        assert page.count("</script>") == len(re.findall(r"<script[\s>]", page))
        harmless = [esc(EVIL_ATTR), esc(EVIL_URL)]
        harmless += [str(htmlsafe_json_dumps(h))[1:-1] for h in harmless]
        assert "onerror=alert" not in functools.reduce(lambda text, h: text.replace(h, ""), harmless, page)


def test_date_map_links_only_http_urls(evil_model: kr.RoadModel) -> None:
    # a URL with a quote in it is refused by the loader; built in code, it is never linked either
    s2 = evil_model.ledger.sources["S2"]
    evil_model.ledger.sources["S2"] = Source("S2", s2.title, s2.publisher, s2.published, EVIL_URL)  # type: ignore[index]
    page = render(date_map(evil_model, on="2021-03-06"))
    assert "example.org/&quot;" not in page and 'href="https://example.org/"' not in page
    # a Source built in code with a javascript: URL is never linked either
    evil_model.ledger.sources["S1"] = Source("S1", "Title", "Pub", "", "javascript:alert(5)")  # type: ignore[index]
    page = render(date_map(evil_model, on="2021-03-06"))
    assert "javascript:alert(5)" not in page
    page = re.sub(r"<script>/\* Leaflet [^*]*\(xstatic-leaflet\) \*/.*?</script>", "", page, flags=re.S)  # inlined library
    hrefs = re.findall(r'href=\\?"([^"\\]*)', page)
    assert all(h.startswith(("http://", "https://")) for h in hrefs), hrefs


# -- timeline map ----------------------------------------------------------------------


def test_timeline_steps_default_to_every_change_point(fixture_model: kr.RoadModel) -> None:
    assert timeline_steps(fixture_model) == fixture_model.timeline.change_points()


def test_timeline_steps_start_with_the_range_start(fixture_model: kr.RoadModel) -> None:
    steps = timeline_steps(fixture_model, start="2021-03-03", end="2021-03-20")
    assert steps[0] == dt.date(2021, 3, 3)
    assert steps[1:] == fixture_model.timeline.change_points("2021-03-03", "2021-03-20")
    assert timeline_steps(fixture_model, start="2021-03-05")[0] == dt.date(2021, 3, 5)  # a change point, once
    assert timeline_steps(fixture_model, start="2021-03-05").count(dt.date(2021, 3, 5)) == 1


def assert_slider_is_each_steps_status(m: kr.RoadModel, **kw: object) -> SliderTable:
    """The slider's table (which looks up at each step only the segments touched since the step
    before, and those showing a claim's age) holds, at every step, the status and popup of every
    segment that the whole status table of that day gives."""
    table = slider_table(m, **kw)  # type: ignore[arg-type]
    traffic = kw.get("traffic")
    view, horizon = kw.get("view", "consensus"), kw.get("horizon", "default")
    segments = tuple(m.timeline.segments)
    assert table.segments == segments
    for i, day in enumerate(table.steps):
        rows = {r["segment"]: r for r in m.timeline.status(on=day, traffic=traffic, view=view,  # type: ignore[arg-type]
                                                          horizon=horizon).to_dict("records")}
        assert table.statuses[i] == tuple(rows[s]["status"] if rows[s]["status"] in STATUS_STYLES else "unknown"
                                          for s in segments), day
        assert tuple(table.popups[j] for j in table.popup_index[i]) == \
            tuple(segment_popup(m, rows[s], traffic) for s in segments), day  # type: ignore[arg-type]
        if i == 0:
            assert table.names == tuple(str(rows[s]["name"]) for s in segments)
    return table


@pytest.mark.parametrize(("traffic", "view", "horizon"), [
    (None, "consensus", "default"), ("humanitarian", "consensus", "default"), ("civilian", "strict", 0),
    (None, "consensus", None), ("humanitarian", "claimant:ICRC", 30), ("civilian", "source:S1", "default")])
def test_slider_table_is_each_steps_status_table(bundled: kr.RoadModel, traffic: str | None, view: str,
                                                  horizon: object) -> None:
    table = assert_slider_is_each_steps_status(bundled, traffic=traffic, view=view, horizon=horizon)
    assert len(table.steps) > 50


def test_timeline_steps_reject_bad_ranges(fixture_model: kr.RoadModel) -> None:
    with pytest.raises(kr.DateError, match="after"):
        timeline_steps(fixture_model, start="2021-05-01", end="2021-04-01")
    with pytest.raises(kr.DateError, match="No change point"):
        timeline_steps(fixture_model, end="2019-01-01")
    assert timeline_steps(fixture_model, start="2019-01-01", end="2019-02-01") == [dt.date(2019, 1, 1)]


def test_timeline_map_has_slider_play_button_and_date_label(fixture_model: kr.RoadModel) -> None:
    fmap = timeline_map(fixture_model, traffic="civilian")
    assert isinstance(fmap, folium.Map)
    page = norm(render(fmap))
    n = len(fixture_model.timeline.change_points())
    name = slider_of(fmap).get_name()
    assert f'data-kr-slider="{name}"' in page
    assert f'<input type="range" id="{name}-range" min="0" max="{n - 1}" step="1" value="0"' in page
    assert f'<button type="button" id="{name}-play" aria-pressed="false" aria-controls="{name}-range">' in page
    assert f'<span class="kr-date" id="{name}-date" aria-live="polite">2020-01-01</span>' in page
    assert f'<span class="kr-until" id="{name}-until">until ' in page
    last = fixture_model.timeline.change_points()[-1].isoformat()
    assert f"Roads into Nagorno-Karabakh, 2020-01-01 to {last}" in page
    assert f"Traffic: civilian · view: consensus · claims carried up to 30 days · {n} dates where a status changes" in page
    # no global ids or globals of its own: everything is under the element's name
    assert 'id="kr-' not in page and "krTimeline" not in page
    assert "window[name] = {" in page and f'var name = "{name}";' in page


def test_timeline_map_embeds_the_slider_table_as_json(fixture_model: kr.RoadModel) -> None:
    fmap = timeline_map(fixture_model, traffic="civilian")
    page = render(fmap)
    data = slider_table(fixture_model, traffic="civilian").to_data()
    assert slider_of(fmap).data == data
    # through Jinja's tojson, once: compact, with <, >, & and ' as \u escapes
    as_json = _elements._SLIDER_ENV.from_string("{{ d|tojson }}").render(d=data)
    assert f"var D = {as_json};" in page
    assert "\\u003cdiv class=\\u0027kr-popup\\u0027\\u003e" in as_json


def test_timeline_map_stores_geometry_once(fixture_model: kr.RoadModel) -> None:
    page = render(timeline_map(fixture_model))
    datasets = re.findall(r"_add\((\{\"features\".*?\})\);", page)
    assert len(datasets) == 1
    features = json.loads(datasets[0])["features"]
    assert sorted(f["properties"]["segment"] for f in features) == sorted(fixture_model.timeline.segments)
    first = features[0]["geometry"]["coordinates"]
    assert page.count(json.dumps(first)) == 1
    # the slider fills in popups and tooltips: the features do not carry a second copy
    assert {f["properties"]["popup"] for f in features} == {""}


def test_timeline_features_are_the_date_map_features(fixture_model: kr.RoadModel) -> None:
    first = fixture_model.timeline.change_points()[0]
    timeline = road_properties(timeline_map(fixture_model, traffic="civilian"))
    date = road_properties(date_map(fixture_model, on=first, traffic="civilian"))
    assert timeline.keys() == date.keys()
    for seg, props in date.items():
        props = {k: v for k, v in props.items() if k != "pp"}  # (the date map's popup as shared fragments)
        assert {**timeline[seg], "popup": props["popup"], "tooltip": props["tooltip"]} == props


@pytest.mark.parametrize("traffic", [None, "civilian", "humanitarian"])
def test_slider_table_matches_the_engine(fixture_model: kr.RoadModel, traffic: str | None) -> None:
    table = slider_table(fixture_model, traffic=traffic)
    assert isinstance(table, SliderTable)
    steps = fixture_model.timeline.change_points()
    assert list(table.steps) == steps
    assert list(table.segments) == list(fixture_model.timeline.segments)
    for i, day in enumerate(steps):
        expected = fixture_model.status(on=day, traffic=traffic)
        for seg in table.segments:
            assert table.status(i, seg) == expected.loc[seg, "status"], (day, seg)
            assert table.status(day, seg) == table.status(i, seg)
            assert table.popup(i, seg) == segment_popup(fixture_model, expected.loc[seg], traffic)
            assert table.tooltip(i, seg) == segment_feature(fixture_model, expected.loc[seg], traffic)[
                "properties"]["tooltip"]
    # packed for the page: the codes decode to the same statuses
    data = table.to_data()
    for i in range(len(steps)):
        got = {s: data["statuses"][int(c, 36)] for s, c in zip(data["segments"], data["codes"][i])}
        assert got == {s: table.status(i, s) for s in table.segments}
        for k, seg in enumerate(data["segments"]):
            parts = data["popup_parts"][data["popups"][i][k]]
            assert "".join(data["html"][f] for f in parts) == table.popup(i, seg)
            assert data["tooltips"][k][data["codes"][i][k]] == table.tooltip(i, seg)


def test_slider_table_steps_by_index_or_date(fixture_model: kr.RoadModel) -> None:
    table = slider_table(fixture_model, start="2021-03-03", end="2021-03-20", traffic="civilian")
    assert table.step_index("2021-03-03") == 0
    assert table.step_index(dt.date(2021, 3, 4)) == 0  # the step in force on that date
    assert table.step_index(-1) == len(table.steps) - 1
    with pytest.raises(IndexError, match="before the slider's first step"):
        table.step_index("2021-03-02")
    with pytest.raises(IndexError, match="out of range"):
        table.status(len(table.steps), "mid__east")
    with pytest.raises(KeyError, match="no segment"):
        table.status(0, "nowhere")
    with pytest.raises(kr.TrafficError):
        slider_table(fixture_model, traffic="tanks")
    with pytest.raises(kr.DateError, match="after"):
        slider_table(fixture_model, start="2021-05-01", end="2021-04-01")


def test_timeline_popups_equal_the_date_map_popups(fixture_model: kr.RoadModel) -> None:
    table = slider_table(fixture_model, traffic="civilian")
    for i in (1, 2, 4):
        date = road_properties(date_map(fixture_model, on=table.steps[i], traffic="civilian"))
        for seg in table.segments:
            assert table.popup(i, seg) == date[seg]["popup"], (table.steps[i], seg)
            assert table.tooltip(i, seg) == date[seg]["tooltip"], (table.steps[i], seg)
            assert table.status(i, seg) == date[seg]["status"]


def test_timeline_popups_are_stored_once(fixture_model: kr.RoadModel) -> None:
    table = slider_table(fixture_model)
    assert len(set(table.popups)) == len(table.popups)
    assert len(table.popups) < len(table.steps) * len(table.segments)
    data = table.to_data()
    assert len(set(data["html"])) == len(data["html"])
    assert len({tuple(p) for p in data["popup_parts"]}) == len(data["popup_parts"]) == len(table.popups)


def test_timeline_passages_and_until_labels(fixture_model: kr.RoadModel) -> None:
    table = slider_table(fixture_model, traffic="humanitarian", end="2021-06-30")
    i = table.step_index("2021-03-20")
    assert table.steps[i] == dt.date(2021, 3, 20)
    assert table.passages_on(i) == ("mid__east",)
    assert table.passages_on(i + 1) == ()
    assert table.until[i] == "(this day only)"
    assert table.until[0] == "until 2021-02-28"
    assert table.until[-1] == "until 2021-06-30"
    assert slider_table(fixture_model).until[-1] == "onwards"
    assert slider_table(fixture_model, traffic="civilian").passages_on("2021-03-20") == ()
    data = table.to_data()
    assert [data["segments"][k] for k in data["passages"][i]] == ["mid__east"]


def test_date_map_draws_one_layer_per_status(fixture_model: kr.RoadModel) -> None:
    fmap = date_map(fixture_model, on="2021-03-12", traffic="civilian")
    expected = fixture_model.status(on="2021-03-12", traffic="civilian")
    layers = road_layers(fmap)
    assert len(layers) == expected["status"].nunique() > 1
    for layer in layers:
        statuses = {f["properties"]["status"] for f in layer.data["features"]}
        assert len(statuses) == 1
        assert layer.layer_name == f"Roads: {STATUS_STYLES[statuses.pop()].label}"
        kinds = {type(c) for c in layer._children.values()}
        assert {_elements.GeoJsonPopup, _elements.GeoJsonTooltip} <= kinds
    props = road_properties(fmap)
    assert sorted(props) == sorted(expected.index)
    for seg, p in props.items():
        assert p["status"] == expected.loc[seg, "status"]
        assert p["popup"] == segment_popup(fixture_model, expected.loc[seg], "civilian")
        assert p["tooltip"] == f"{esc(expected.loc[seg, 'name'])}: {esc(STATUS_STYLES[p['status']].label)}"
    page = render(fmap)
    assert len(re.findall(r"\.bindPopup\(\s*function\(layer\)", page)) == len(layers)
    assert page.count(".kr-road-popup {") == 1  # folium's table style, once for all layers


def test_timeline_map_escapes_every_data_string(evil_model: kr.RoadModel) -> None:
    page = render(timeline_map(evil_model))
    for raw in (EVIL_SCRIPT, EVIL_ATTR, EVIL_TEMPLATE, "<img", "${alert", "`+alert"):
        assert raw not in page
    assert page.count("</script>") == len(re.findall(r"<script[\s>]", page))
    table = slider_table(evil_model)
    popups = "".join(table.popups)
    for raw in (EVIL_SCRIPT, EVIL_ATTR, EVIL_TEMPLATE):
        assert esc(raw) in popups
        assert raw not in popups
    assert table.tooltip(0, "mid__east").startswith(esc("mid-east " + EVIL_TEMPLATE) + ": ")
    assert "onerror=alert" not in popups.replace(esc(EVIL_ATTR), "").replace(esc(EVIL_URL), "")


def test_two_timeline_sliders_on_one_page_share_no_id(fixture_model: kr.RoadModel) -> None:
    """Each slider's ids, API and data are its own; its data reaches the page only through tojson."""
    fmap = _elements.Map(tiles=None)
    layers, sliders = [], []
    for traffic in ("civilian", "humanitarian"):
        table = slider_table(fixture_model, traffic=traffic)
        rows = fixture_model.timeline.status(on=table.steps[0], traffic=traffic).to_dict("records")
        layer = road_layer([segment_feature(fixture_model, r, traffic, details=False) for r in rows], name=traffic)
        layer.add_to(fmap)
        data = {**table.to_data(), "until": [EVIL_TEMPLATE + EVIL_SCRIPT + " {{ 7*7 }}"] * len(table.steps)}
        sliders.append(_elements.TimelineSlider(layer, data, heading=esc(EVIL_ATTR), css_class=EVIL_ATTR))
        fmap.add_child(sliders[-1])
        layers.append(layer)
    page = render(fmap)
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    for slider, layer in zip(sliders, layers):
        name = slider.get_name()
        assert {f"{name}-{part}" for part in ("box", "play", "range", "date", "until")} <= set(ids)
        assert f"var roads = {layer.get_name()};" in page
    assert sliders[0].get_name() != sliders[1].get_name()
    for raw in (EVIL_SCRIPT, EVIL_ATTR, EVIL_TEMPLATE):
        assert raw not in page
    assert page.count("</script>") == len(re.findall(r"<script[\s>]", page))
    until = str(markupsafe.escape(EVIL_TEMPLATE + EVIL_SCRIPT + " {{ 7*7 }}"))
    assert f'-until">{until}</span>' in page  # the first "until" label, as HTML text, never evaluated
    assert f'class="kr-box kr-slider {markupsafe.escape(EVIL_ATTR)}"' in page
    assert page.count(".kr-controls{") == 1  # the controls' styles, once


def test_timeline_map_checks_its_options(fixture_model: kr.RoadModel) -> None:
    with pytest.raises(kr.TrafficError, match="Valid classes"):
        timeline_map(fixture_model, traffic="tanks")
    with pytest.raises(kr.ViewError):
        timeline_map(fixture_model, view="nobody-at-all")


def test_timeline_map_online_uses_osm_tiles(fixture_model: kr.RoadModel) -> None:
    page = render(timeline_map(fixture_model))
    assert "tile.openstreetmap.org" in page
    assert f"addAttribution({js_string(ATTRIBUTION)})" in page


def test_event_header_is_the_one_the_fixture_uses() -> None:
    # the evil fixture rows above are written in this column order
    assert EVENT_HEADER[:4] == ["id", "start", "end", "target"]


def test_only_the_first_places_by_claim_and_kind_carry_a_permanent_label(bundled: kr.RoadModel,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    from karabakh_routes.maps._layout import LABEL_RANK, claimed_places, label_text
    from karabakh_routes.network import place_index

    places = place_index(bundled.G).places
    rows = place_rows(date_map(bundled, on="2023-07-20"))
    assert len(rows) == len(places) and all(r[4] is not None for r in rows)  # a small region: every place labelled
    monkeypatch.setattr(importlib.import_module("karabakh_routes.maps.date_map"), "MAX_LABELLED", 5)
    rows = place_rows(date_map(bundled, on="2023-07-20"))
    assert sum(r[4] is not None for r in rows) == 5 and len(rows) == len(places)
    claimed = claimed_places(bundled)
    ranked = sorted(places, key=lambda p: (p not in claimed, LABEL_RANK.get(places[p].kind, 9), p))
    by_label = {r[3]: r for r in rows}
    for pid in ranked:  # the first five carry a permanent label, the others a hover tooltip
        text = html.escape(label_text(places[pid].name), quote=True).replace("&#x27;", "&#39;")
        row = by_label[f"<span class='kr-place'>{text}</span>"]
        assert (row[4] is not None) == (pid in ranked[:5]), pid
        assert (row[0], row[1]) == (places[pid].lat, places[pid].lon)
        if row[4] is not None:
            assert row[4].startswith("kr-place-label kr-rank-") and ("kr-claimed" in row[4]) == (pid in claimed)


def place_rows(fmap: folium.Map) -> list[list]:
    """The rows of the map's places layer: (lat, lon, radius, label HTML, label classes or None, popup HTML)."""
    from karabakh_routes.maps._layout import PlaceMarkers

    out, todo = [], [fmap]
    while todo:
        e = todo.pop()
        if isinstance(e, PlaceMarkers):
            out += e.rows
        todo.extend(e._children.values())
    return out


def test_the_places_layer_is_one_table_of_escaped_text_read_by_a_fixed_script(evil_model: kr.RoadModel) -> None:
    page = date_map(evil_model, on="2021-03-20", offline=True).get_root().render()
    rows = place_rows(date_map(evil_model, on="2021-03-20", offline=True))
    assert rows and page.count("L.circleMarker(") == 1  # one script for every place
    for r in rows:
        assert "<script" not in r[3] + r[5] and "<img" not in r[3] + r[5]  # names and sources escaped
    assert "<script>alert(1)</script>" not in page


@given(hst.lists(hst.sampled_from(["<li>", "<div ", "</ul>", "<table>", "<p>", "<", "<l", "<di", "div ", "li>", "x", "é",
                                 "<ul>", "</li>", "<div>", "{{ x }}", "\n"]), max_size=30))
def test_popups_are_cut_where_one_lookahead_per_tag_would_cut_them(pieces: list[str]) -> None:
    from karabakh_routes.maps._features import _FRAGMENT_BOUNDARY

    text = "".join(pieces)
    one_per_tag = re.compile(r"(?=<li>)|(?=<div )|(?=</ul>)|(?=<table>)|(?=<p>)")  # the definition
    assert _FRAGMENT_BOUNDARY.split(text) == one_per_tag.split(text)
    assert "".join(_FRAGMENT_BOUNDARY.split(text)) == text


def test_road_popups_are_written_as_shared_fragments(bundled: kr.RoadModel) -> None:
    """A claim about a route is in the popup of each of its segments, and in the page once."""
    fmap = date_map(bundled, on="2023-07-20", offline=True)
    props = road_properties(fmap)
    gdf = bundled.status(on="2023-07-20")
    for seg, row in gdf.iterrows():  # joined as the page joins them, each popup is the segment's popup
        assert props[seg]["popup"] == segment_popup(bundled, row.to_dict(), None), seg
    quotes = [q for q in (ev.quote for ev in bundled.ledger.events) if len(q) > 40 and '"' not in q and "'" not in q]
    shared = [q for q in dict.fromkeys(quotes) if sum(q in p["popup"] for p in props.values()) > 1]
    assert shared  # claims about routes: on several segments' popups
    page = render(fmap)
    for q in shared:
        assert page.count(q) == 1, q


def test_slider_table_reports_progress_per_step(bundled: kr.RoadModel) -> None:
    from karabakh_routes.maps._features import query_slider_table

    calls: list[tuple[int, int, dt.date]] = []
    q = bundled.query(start="2023-06-01", end="2023-09-30", traffic="civilian")
    table = query_slider_table(bundled, q, progress=lambda done, total, day: calls.append((done, total, day)))
    assert [(c[0], c[1], c[2]) for c in calls] == [(i + 1, len(table.steps), d) for i, d in enumerate(table.steps)]
