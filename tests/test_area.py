"""Maps of an area: the box (numbers or a place and a distance), the segments in it, and the
date map, static map, timeline map and command line drawn on it."""

from __future__ import annotations

import math
from pathlib import Path

import folium
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as hst
from matplotlib.figure import Figure
from pyproj import Geod
from test_maps import road_properties, slider_of

import karabakh_routes as kr
from karabakh_routes.area import bbox_around, check_bbox, describe, parse_bbox, segments_in
from karabakh_routes.cli import main
from karabakh_routes.maps import date_map, static_map, timeline_map
from karabakh_routes.maps._features import query_slider_table
from karabakh_routes.maps.static import _FAR_ENDS

LACHIN_NAMES = ["Lachin", "Berdzor", "lachin_berdzor", "LACHIN", "Laçın"]


# -- the box ---------------------------------------------------------------------------------------


def test_a_valid_box_comes_back_as_floats() -> None:
    assert check_bbox([46, "39.5", 47.25, 40]) == (46.0, 39.5, 47.25, 40.0)
    assert parse_bbox(" 46, 39.5 ,47.25,40 ") == (46.0, 39.5, 47.25, 40.0)


@pytest.mark.parametrize(("box", "needle"), [
    ((46, 39, 47), "expected four numbers"),
    ("46,39,47,40", "expected four numbers"),
    ((46, 39, "east", 40), "east 'east' is not a number"),
    ((46, float("nan"), 47, 40), "south nan is not a finite number"),
    ((46, 39, float("inf"), 40), "east inf is not a finite number"),
    ((True, 39, 47, 40), "west True is not a finite number"),
    ((-181, 39, 47, 40), "west -181.0 is not a longitude (valid: -180 to 180)"),
    ((46, 39, 47, 91), "north 91.0 is not a latitude (valid: -90 to 90)"),
    ((47, 39, 46, 40), "west (47.0) must be less than east (46.0)"),
    ((46, 40, 47, 40), "south (40.0) must be less than north (40.0)"),
])
def test_a_bad_box_is_refused_naming_the_field_and_what_is_valid(box: object, needle: str) -> None:
    with pytest.raises(kr.AreaError) as err:
        check_bbox(box)  # type: ignore[arg-type]
    assert needle in str(err.value)
    assert isinstance(err.value, ValueError)


@pytest.mark.parametrize("text", ["", "1,2,3", "1,2,3,4,5", "1,,3,4", "a,b,c,d"])
def test_a_bad_box_text_is_refused_as_typed(text: str) -> None:
    with pytest.raises(kr.AreaError, match="--bbox '"):
        parse_bbox(text, what="--bbox")


def test_a_box_around_a_place_reaches_the_distance_each_way(bundled: kr.RoadModel) -> None:
    geod = Geod(ellps="WGS84")
    boxes = {name: bbox_around(bundled, name, 12.5) for name in LACHIN_NAMES}
    assert len(set(boxes.values())) == 1  # every name of the place, one box
    west, south, east, north = boxes["Lachin"]
    pl = bundled.places["lachin_berdzor"]
    for lon, lat in ((pl.lon, north), (pl.lon, south)):
        assert geod.inv(pl.lon, pl.lat, lon, lat)[2] == pytest.approx(12_500, abs=1)
    for lon in (east, west):  # at least the distance, at the place's latitude and at the box's far edge
        assert geod.inv(pl.lon, pl.lat, lon, pl.lat)[2] >= 12_500 - 1
        assert geod.inv(pl.lon, north, lon, north)[2] >= 12_500 - 1
    assert describe(boxes["Berdzor"]).endswith("°N")


@pytest.mark.parametrize("km", [0, -3, float("nan"), float("inf"), "far", True, 20_001])
def test_a_bad_distance_is_refused(bundled: kr.RoadModel, km: object) -> None:
    with pytest.raises(kr.AreaError, match="km"):
        bbox_around(bundled, "Lachin", km)  # type: ignore[arg-type]


def test_an_unknown_place_gets_the_closest_names(bundled: kr.RoadModel) -> None:
    with pytest.raises(kr.PlaceNotFoundError, match="Closest known names"):
        bbox_around(bundled, "Lachinn", 5)


# -- the segments in it ----------------------------------------------------------------------------

_LON = hst.floats(44.4, 47.3)
_LAT = hst.floats(39.4, 40.7)


@given(hst.tuples(_LON, _LON).map(sorted).filter(lambda p: p[0] < p[1]),
       hst.tuples(_LAT, _LAT).map(sorted).filter(lambda p: p[0] < p[1]))
def test_the_segments_in_a_box_are_those_whose_line_meets_it(bundled: kr.RoadModel, xs: list[float],
                                                             ys: list[float]) -> None:
    box = (xs[0], ys[0], xs[1], ys[1])
    tl = bundled.timeline
    expected = [i for i, (_, _, _, d) in enumerate(tl._edge_rows()) if d["geometry"].intersects(shapely.box(*box))]
    assert segments_in(tl, box).tolist() == expected


def test_a_box_that_only_touches_a_segment_end_holds_it(fixture_model: kr.RoadModel) -> None:
    # "far" is at (46.6, 39.5): a box whose corner is that point touches east__far there only
    got = [fixture_model.timeline.segments[i] for i in segments_in(fixture_model.timeline, (46.6, 39.5, 46.7, 39.6))]
    assert got == ["east__far"]
    assert segments_in(fixture_model.timeline, (46.61, 39.0, 46.7, 39.4)).tolist() == []


@pytest.mark.parametrize("on", ["2023-07-20", "2022-12-12", "2020-11-10"])
def test_status_of_an_area_is_the_whole_networks_status_of_its_segments(bundled: kr.RoadModel, on: str) -> None:
    box = bbox_around(bundled, "Hakari bridge", 6)
    part = bundled.status(on=on, bbox=box)
    whole = bundled.status(on=on)
    wanted = [bundled.timeline.segments[i] for i in segments_in(bundled.timeline, box)]
    assert list(part.index) == wanted and 0 < len(wanted) < len(whole)
    cols = [c for c in whole.columns if c != "geometry"]
    assert part[cols].to_dict("index") == whole.loc[wanted, cols].to_dict("index")
    assert part.crs == whole.crs and part.attrs == whole.attrs


# -- the maps --------------------------------------------------------------------------------------


def _places_drawn(fmap: folium.Map) -> set[tuple[float, float]]:
    from test_maps import place_rows

    return {(r[0], r[1]) for r in place_rows(fmap)}


def test_date_map_of_an_area_draws_its_roads_places_and_the_trip_there(bundled: kr.RoadModel) -> None:
    box = bbox_around(bundled, "Berdzor", 8)
    fmap = date_map(bundled, on="2023-07-20", traffic="humanitarian", path=("Goris", "Stepanakert"), bbox=box,
                    offline=True)
    wanted = {bundled.timeline.segments[i] for i in segments_in(bundled.timeline, box)}
    props = road_properties(fmap)
    assert set(props) == wanted
    whole = road_properties(date_map(bundled, on="2023-07-20", traffic="humanitarian", offline=True))
    assert {k: v["status"] for k, v in props.items()} == {k: whole[k]["status"] for k in wanted}
    inside = {(pl.lat, pl.lon) for pl in bundled.places.values() if box[0] <= pl.lon <= box[2] and box[1] <= pl.lat <= box[3]}
    assert _places_drawn(fmap) == inside and inside
    html = fmap.get_root().render()
    assert f"area {describe(box)} (roads outside it not drawn)" in html
    r = bundled.reach("Goris", "Stepanakert", on="2023-07-20", traffic="humanitarian")
    trip = [e for e in fmap._children.values() if isinstance(e, folium.FeatureGroup) and "Trip" in e.layer_name]
    drawn = [sum(isinstance(e, folium.PolyLine) for e in t._children.values()) for t in trip]
    assert drawn == [2 * len(set(r.blocked_by) & wanted)]  # casing and core per trip segment in the area
    assert any(isinstance(e, folium.Rectangle) for e in fmap._children.values())


def test_a_map_of_an_area_with_no_road_says_where_the_network_is(bundled: kr.RoadModel) -> None:
    for make in (date_map, static_map):
        with pytest.raises(kr.AreaError, match=r"no road of the network meets the area .* the network's places lie within"):
            make(bundled, on="2023-07-20", bbox=(10, 10, 11, 11))  # type: ignore[operator]
    with pytest.raises(kr.AreaError, match="no road"):
        timeline_map(bundled, start="2023-01-01", end="2023-02-01", bbox=(10, 10, 11, 11))


def test_static_map_of_an_area_draws_the_roads_of_its_frame_and_names_the_far_ends(bundled: kr.RoadModel) -> None:
    box = bbox_around(bundled, "Askeran", 8)
    fig: Figure = static_map(bundled, on="2023-07-20", bbox=box)
    try:
        ax = fig.axes[0]
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()
        assert x0 <= box[0] and box[2] <= x1 and y0 <= box[1] and box[3] <= y1  # the frame holds the area
        drawn = {ln.get_gid()[len("segment:"):] for ln in ax.lines if (ln.get_gid() or "").startswith("segment:")}
        assert drawn == {bundled.timeline.segments[i] for i in segments_in(bundled.timeline, (x0, y0, x1, y1))}
        texts = {t.get_gid(): t.get_text() for t in ax.texts if t.get_gid()}
        names = " ".join(texts.values())
        assert "Askeran" in names and "Khankendi / Stepanakert ↓" in names and "Aghdam / Akna ↗" in names
        assert "Goris" not in names  # off the frame, and no drawn road leads there
        assert "area " + describe(box) in " ".join(t.get_text() for t in fig.texts).replace("\n", " ")
    finally:
        fig.clear()
    with pytest.raises(kr.AreaError, match="not both"):
        static_map(bundled, on="2023-07-20", bbox=box, extent="all")


def test_static_map_of_an_area_names_at_most_a_few_far_ends(bundled: kr.RoadModel,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from karabakh_routes.maps import static

    m = bundled
    gdf = m.status(on="2023-07-20")
    places = m.places
    lim = (46.55, 39.55, 46.7, 39.7)
    far = static._far_ends(m, gdf, lim, places)
    assert 0 < len(far) <= _FAR_ENDS
    for pid, pts in far.items():
        pl = places[pid]
        assert not (lim[0] <= pl.lon <= lim[2] and lim[1] <= pl.lat <= lim[3])
        assert math.dist(pts[-1], (pl.lon, pl.lat)) < math.dist(pts[0], (pl.lon, pl.lat))  # drawn towards the place
    monkeypatch.setattr(static, "_FAR_ENDS", 2)  # more far ends than that: the claimed ones first
    few = static._far_ends(m, gdf, lim, places)
    assert len(few) == 2 and set(few) <= set(far)
    claimed = static.claimed_places(m)
    assert sorted(pid in claimed for pid in far)[::-1][:2] == [pid in claimed for pid in few]


def test_timeline_map_of_an_area_keeps_the_steps_where_its_roads_change(bundled: kr.RoadModel) -> None:
    box = bbox_around(bundled, "Askeran", 6)
    within = segments_in(bundled.timeline, box).tolist()
    q = bundled.query(start="2020-11-01", end="2023-12-31", traffic="humanitarian")
    whole = query_slider_table(bundled, q)
    part = query_slider_table(bundled, q, within=within)
    assert part.segments == tuple(bundled.timeline.segments[i] for i in within)
    assert set(part.steps) <= set(whole.steps) and part.steps[0] == whole.steps[0]
    assert len(part.steps) < len(whole.steps)
    cols = [whole.segments.index(s) for s in part.segments]
    for i, day in enumerate(whole.steps):  # every day of the whole table: the area's latest step says the same
        j = max(k for k, d in enumerate(part.steps) if d <= day)
        assert part.statuses[j] == tuple(whole.statuses[i][c] for c in cols), day
        assert tuple(part.popups[p] for p in part.popup_index[j]) == \
            tuple(whole.popups[whole.popup_index[i][c]] for c in cols), day
        assert set(part.passages[j]) == set(whole.passages[i]) & set(part.segments), day
    for j in range(1, len(part.steps)):  # and each kept step changes something there
        assert (part.statuses[j], part.popup_index[j], part.passages[j]) != \
            (part.statuses[j - 1], part.popup_index[j - 1], part.passages[j - 1])
    fmap = timeline_map(bundled, start="2020-11-01", end="2023-12-31", traffic="humanitarian", bbox=box, offline=True)
    assert slider_of(fmap).data["dates"] == [d.isoformat() for d in part.steps]
    assert set(road_properties(fmap)) == set(part.segments)


# -- the command line ------------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(("args", "needle"), [
    (["--bbox", "1,2,3"], "--bbox '1,2,3': expected four numbers"),
    (["--bbox", "46,39,45,40"], "west (46.0) must be less than east (45.0)"),
    (["--bbox=-1,2,3,4"], "no road of the network meets the area 1.000°W to 3.000°E"),
    (["--km", "3"], "--km goes with --around PLACE"),
    (["--around", "Nowhere-at-all"], "Unknown place 'Nowhere-at-all'"),
    (["--around", "Shushi", "--km", "-2"], "distance -2.0 km"),
    (["--around", "Shushi", "--km", "0"], "distance 0.0 km"),
])
@pytest.mark.parametrize("command", ["map", "timeline-map", "status"])
def test_cli_refuses_a_bad_area_with_exit_2_and_writes_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                               args: list[str], needle: str, command: str) -> None:
    out = tmp_path / "area.html"
    dates = ["--on", "2023-07-20"] if command != "timeline-map" else ["--from", "2023-01-01", "--to", "2023-02-01"]
    code, _, err = run(capsys, command, *dates, *args, "-o", str(out))
    assert code == 2 and needle in err and "Traceback" not in err
    assert not out.exists()


def test_cli_refuses_bbox_and_around_together(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["map", "--on", "2023-07-20", "--bbox", "46,39,47,40", "--around", "Goris", "-o", str(tmp_path / "m.html")])
    assert stop.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["Berdzor", "Lachin"])
def test_cli_map_around_any_name_of_a_place(capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str) -> None:
    out = tmp_path / "around.html"
    code, _, err = run(capsys, "map", "--on", "2023-07-20", "--around", name, "--km", "5", "--offline", "-o", str(out))
    assert code == 0, err
    html = out.read_text(encoding="utf-8")
    box = bbox_around(kr.load(), "lachin_berdzor", 5)
    assert f"area {describe(box)}" in html
    assert "lachin_berdzor__km36_fork" in html and "goris__kornidzor" not in html


def test_cli_names_the_area_options_after_a_whole_map_of_a_large_network(capsys: pytest.CaptureFixture[str],
                                                                         tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from karabakh_routes import cli

    monkeypatch.setattr(cli, "_AREA_HINT", 10)  # (the bundled network has 21 segments: "large" here)
    hint = "a map of an area is smaller and opens faster: --bbox W,S,E,N or --around PLACE [--km KM]"
    for command in (["map", "--on", "2023-07-20"], ["timeline-map", "--from", "2023-07-01", "--to", "2023-07-31"]):
        out = tmp_path / "whole.html"
        code, stdout, err = run(capsys, *command, "-o", str(out))
        assert code == 0 and out.exists(), err
        assert f"every one of the network's {len(kr.load().timeline.segments)} segments is drawn (" in err
        assert hint in err and hint not in stdout  # (stdout: the "wrote" line alone)
        code, _, err = run(capsys, *command, "--around", "Berdzor", "--km", "5", "-o", str(out))
        assert code == 0 and hint not in err  # an area: no note
    code, _, err = run(capsys, "map", "--on", "2023-07-20", "-o", str(tmp_path / "whole.png"))
    assert code == 0 and hint not in err  # a static map: no page to open
    monkeypatch.setattr(cli, "_AREA_HINT", 5_000)
    code, _, err = run(capsys, "map", "--on", "2023-07-20", "-o", str(tmp_path / "small.html"))
    assert code == 0 and hint not in err  # a network this small: no note


# -- which places some claim is about (the maps label them first) ------------------------------------


def _claimed_by_expansion(m: kr.RoadModel) -> set[str]:
    """The reference: every event's targets expanded to segments one event at a time."""
    from karabakh_routes.timeline import _windows

    segments = {s for ev in m.ledger.events if ev.type != "baseline" for s, _, _ in _windows(m.G, ev)}
    return {n for u, v, k in m.G.edges(keys=True) if k in segments for n in (u, v)}


def test_claimed_places_are_the_ends_of_every_claimed_segment(bundled: kr.RoadModel, tmp_path: Path) -> None:
    from conftest import write_fixture

    from karabakh_routes.maps.extent import claimed_places

    assert claimed_places(bundled) == _claimed_by_expansion(bundled) and claimed_places(bundled)
    rows = [  # a baseline alone does not make a place claimed; a route claim covers each alignment in its dates
        ["B1", "2019-06-01", "", "west__south", "baseline", "open", "", "", "", "dataset baseline", "S2", "", ""],
        ["E1", "2020-02-01", "2020-03-01", "corridor", "closure", "closed", "", "", "", "X", "S1", "", ""],
    ]
    m = kr.load(**{k: str(v) for k, v in write_fixture(tmp_path, rows).items()})
    assert claimed_places(m) == _claimed_by_expansion(m) == {"west", "mid", "east"}


def test_cli_status_of_an_area_lists_its_segments_with_the_whole_networks_status(
        capsys: pytest.CaptureFixture[str], bundled: kr.RoadModel) -> None:
    import json

    code, out, err = run(capsys, "status", "--on", "2023-07-20", "--around", "Asgaran", "--km", "3", "--json")
    assert code == 0, err
    rows = json.loads(out)
    whole = json.loads(run(capsys, "status", "--on", "2023-07-20", "--json")[1])
    box = bbox_around(bundled, "Askeran", 3)
    wanted = [bundled.timeline.segments[i] for i in segments_in(bundled.timeline, box)]
    assert [r["segment"] for r in rows] == wanted == ["khojaly_ivanyan__askeran", "askeran__aghdam"]
    assert rows == [r for r in whole if r["segment"] in wanted]


def test_a_frame_with_many_places_off_it_names_only_the_far_ends_of_its_roads(bundled: kr.RoadModel,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """(A named extent on a large network: a shortest-path search for each place off the frame
    was thousands of searches; the roads drawn leaving the frame name their far ends instead.)"""
    from karabakh_routes.maps import static

    fig = static_map(bundled, on="2023-07-20")
    off_default = {t.get_gid() for t in fig.axes[0].texts if (t.get_gid() or "").startswith("place:")
                   and any(a in t.get_text() for a in "←↙↖→↗↘↑↓")}
    fig.clear()
    assert len(off_default) > 3
    monkeypatch.setattr(static, "_FAR_ENDS", 3)
    fig = static_map(bundled, on="2023-07-20")
    try:
        ax = fig.axes[0]
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()
        named = {t.get_gid()[len("place:"):] for t in ax.texts if (t.get_gid() or "").startswith("place:")
                 and any(a in t.get_text() for a in "←↙↖→↗↘↑↓")}
        assert 0 < len(named) <= 3
        lim = (x0, y0, x1, y1)
        leaving = {n for u, v, k in bundled.G.edges(keys=True) for n, other in ((u, v), (v, u))
                   if not static._inside(bundled.places[n].lon, bundled.places[n].lat, lim)
                   and static._inside(bundled.places[other].lon, bundled.places[other].lat, lim)}
        assert named <= leaving
    finally:
        fig.clear()


def test_explore_of_an_area(bundled: kr.RoadModel) -> None:
    box = bbox_around(bundled, "Shushi", 4)
    fmap = kr.explore(bundled, on="2023-07-20", bbox=box, offline=True)
    drawn = {f["properties"]["tooltip"].split("<td>")[1].split("</td>")[0] for f in road_layers_features(fmap)}
    assert drawn == {bundled.timeline.segments[i] for i in segments_in(bundled.timeline, box)}
    assert f"area {describe(box)}" in fmap.get_root().render()
    with pytest.raises(kr.AreaError, match="no road"):
        kr.explore(bundled, on="2023-07-20", bbox=(10, 10, 11, 11))


def road_layers_features(fmap: folium.Map) -> list[dict]:
    out, todo = [], [fmap]
    while todo:
        e = todo.pop()
        if isinstance(e, folium.GeoJson):
            out.extend(e.data["features"])
        todo.extend(e._children.values())
    return out


@pytest.mark.parametrize("traffic", [None, "humanitarian"])
def test_status_intervals_of_an_area_are_the_whole_tables_rows_of_its_segments(bundled: kr.RoadModel,
                                                                              traffic: str | None) -> None:
    box = bbox_around(bundled, "Hakari bridge", 6)
    wanted = {bundled.timeline.segments[i] for i in segments_in(bundled.timeline, box)}
    whole = kr.status_intervals(bundled, "2020-11-01", "2023-12-31", traffic=traffic)
    part = kr.status_intervals(bundled, "2020-11-01", "2023-12-31", traffic=traffic, bbox=box)
    cols = [c for c in whole.columns if c != "geometry"]
    expected = whole[whole.segment.isin(wanted)][cols].to_dict("records")
    assert part[cols].to_dict("records") == expected and expected
    assert set(part.segment) == wanted


def test_cli_export_of_an_area(capsys: pytest.CaptureFixture[str], tmp_path: Path, bundled: kr.RoadModel) -> None:
    import json

    out = tmp_path / "area.geojson"
    code, _, err = run(capsys, "export", "status", "--on", "2023-07-20", "--around", "Askeran", "--km", "3", "-o", str(out))
    assert code == 0, err
    got = [f["properties"]["segment"] for f in json.loads(out.read_text(encoding="utf-8"))["features"]]
    assert got == ["khojaly_ivanyan__askeran", "askeran__aghdam"]
    code, _, err = run(capsys, "export", "sources", "--bbox", "46,39,47,40", "-o", str(tmp_path / "s.csv"))
    assert code == 2 and "takes none of the date, view or area options; remove --bbox" in err
    code, _, err = run(capsys, "export", "intervals", "--bbox", "10,10,11,11", "-o", str(tmp_path / "i.csv"))
    assert code == 2 and "no road of the network meets the area" in err and not (tmp_path / "i.csv").exists()


def test_an_area_of_a_network_not_in_degrees_is_refused(bundled: kr.RoadModel) -> None:
    G = bundled.G.copy()
    G.graph["crs"] = "EPSG:32638"  # (UTM 38N: metres)
    tl = kr.Timeline(G, bundled.ledger)
    with pytest.raises(kr.AreaError, match="EPSG:32638.*EPSG:4326"):
        segments_in(tl, (46, 39, 47, 40))
    G.graph["crs"] = "WGS84"  # the same CRS by another name
    assert len(segments_in(kr.Timeline(G, bundled.ledger), (46, 39, 47, 40))) > 0
