"""Any region from a local OpenStreetMap extract (karabakh_routes.osm, `import-osm`), and region metadata (region.json)."""

from __future__ import annotations

import argparse
import bz2
import csv
import json
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import pytest

import karabakh_routes as kr
from karabakh_routes import _cli_osm
from karabakh_routes.maps import date_map, static_map, timeline_map
from karabakh_routes.maps.extent import contested_bounds
from karabakh_routes.osm import OSM_ATTRIBUTION, import_osm, read_extract, snap_segments
from karabakh_routes.region import DEFAULT_TITLE, read_region

# -- a small extract, built in the test ----------------------------------------------------------
# Road nodes (id: lon, lat), in central Europe: any region works, not only the bundled one.
NODES = {
    1: (10.000, 50.000), 2: (10.010, 50.000), 3: (10.020, 50.005), 4: (10.030, 50.010), 5: (10.040, 50.010),
    6: (10.020, 49.990),
    20: (10.100, 50.100), 21: (10.110, 50.100),  # a road not connected to the others
    30: (10.050, 50.020),  # only on a footway
}
WAYS = [  # (id, node ids, tags)
    (100, [1, 2, 3, 4, 5], {"highway": "primary", "name": "Main Road"}),
    (101, [2, 6, 4], {"highway": "secondary", "name": "Side Road"}),
    (102, [20, 21], {"highway": "secondary", "name": "Lonely Lane"}),
    (103, [5, 30], {"highway": "footway"}),
]
PLACE_NODES = [  # (id, lon, lat, tags)
    (1001, 10.0005, 50.0003, {"place": "town", "name": "Alpha", "name:hy": "Ալֆա", "name:az": "Alfa",
                              "name:ru": "Альфа", "name:en": "Alpha"}),
    (1002, 10.0302, 50.0104, {"place": "village", "name": "Beta", "name:az": "Betaköy"}),
    (1003, 10.0401, 50.0098, {"place": "village", "name": "Gamma"}),
    (1004, 10.1051, 50.1002, {"place": "hamlet", "name": "Lonely"}),
    (1005, 10.3000, 50.3000, {"place": "village", "name": "Faraway"}),
    (1006, 10.0100, 50.0010, {"place": "locality", "name": "Twin"}),
    (1007, 10.0200, 50.0060, {"place": "locality", "name": "Twin"}),
]


def osm_xml(nodes: dict[int, tuple[float, float]], ways: list[Any], places: list[Any]) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for nid, (lon, lat) in nodes.items():
        out.append(f'  <node id="{nid}" lat="{lat}" lon="{lon}" version="1"/>')
    for nid, lon, lat, tags in places:
        out.append(f'  <node id="{nid}" lat="{lat}" lon="{lon}" version="1">')
        out += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
        out.append("  </node>")
    for wid, refs, tags in ways:
        out.append(f'  <way id="{wid}" version="1">')
        out += [f'    <nd ref="{r}"/>' for r in refs]
        out += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
        out.append("  </way>")
    out.append("</osm>")
    return "\n".join(out) + "\n"


SPEC = {
    "title": "Roads of the Alpha valley",
    "dates": {"start": "2021-01-01", "end": "2021-12-31"},
    "start": "2021-01-01",
    "places": [
        {"name": "Alpha"},
        {"name": "Beta"},
        {"name": "Gamma", "kind": "town"},
        {"name": "Side Junction", "at": "49.9901,10.0199", "aliases": ["J"]},
    ],
    "routes": [{"id": "main", "name": "Main road", "aliases": ["Alpha road"], "places": ["Alpha", "Beta", "Gamma"]}],
    "segments": [["Alpha", "Side Junction"]],
}
SOURCES = [{"id": "S1", "title": "Report", "publisher": "Agency", "published": "2022-01-01",
            "url": "https://example.org/1", "seed": ""}]
EVENTS = [
    ["E1", "2021-01-01", "", "main", "opening", "open", "", "", "", "Agency", "S1", "", ""],
    ["E2", "2021-05-01", "", "beta__gamma", "closure", "closed", "", "", "", "Agency", "S1", "", ""],
]
EVENT_HEADER = ["id", "start", "end", "target", "type", "status", "traffic", "allowed", "direction",
                "claimant", "source", "quote", "note"]


@pytest.fixture
def extract(tmp_path: Path) -> Path:
    path = tmp_path / "valley.osm"
    path.write_text(osm_xml(NODES, WAYS, PLACE_NODES), encoding="utf-8")
    return path


def write_spec(folder: Path, spec: dict[str, Any], name: str = "spec.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    return path


def write_ledger(folder: Path) -> dict[str, str]:
    with open(folder / "sources.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(SOURCES[0]))
        w.writeheader()
        w.writerows(SOURCES)
    with open(folder / "events.csv", "w", newline="", encoding="utf-8") as fh:
        w2 = csv.writer(fh)
        w2.writerow(EVENT_HEADER)
        w2.writerows(EVENTS)
    return {"events": str(folder / "events.csv"), "sources": str(folder / "sources.csv")}


def load_folder(folder: Path, **extra: str) -> kr.RoadModel:
    return kr.load(places=str(folder / "places.geojson"), segments=str(folder / "segments.geojson"),
                   routes=str(folder / "routes.json"), **extra)


# -- a region from a spec ------------------------------------------------------------------------------


def test_region_from_osm_loads_answers_and_maps(extract: Path, tmp_path: Path) -> None:
    result = import_osm(extract, write_spec(tmp_path, SPEC))
    out = tmp_path / "data"
    paths = result.write(out)
    assert sorted(p.name for p in paths.values()) == ["places.geojson", "region.json", "routes.json", "segments.geojson"]
    snaps = {s.place: s for s in result.snaps}
    assert snaps["alpha"].node == 1 and 0 < snaps["alpha"].distance_m < 60
    assert snaps["side_junction"].node == 6

    m = load_folder(out, **write_ledger(out))
    assert set(m.places) == {"alpha", "beta", "gamma", "side_junction"}
    assert m.places["gamma"].kind == "town" and m.places["alpha"].kind == "town" and m.places["beta"].kind == "village"
    assert m.places["side_junction"].kind == "junction"
    assert {k for *_, k in m.G.edges(keys=True)} == {"alpha__beta", "beta__gamma", "alpha__side_junction"}

    # the segment follows the roads: it starts at its place, then runs through the OSM road nodes
    seg = json.loads((out / "segments.geojson").read_text(encoding="utf-8"))
    by_id = {f["properties"]["id"]: f for f in seg["features"]}
    line = by_id["alpha__beta"]["geometry"]["coordinates"]
    assert line[0] == [10.0005, 50.0003] and line[-1] == [10.0302, 50.0104]
    assert line[1:-1] == [[10.0, 50.0], [10.01, 50.0], [10.02, 50.005], [10.03, 50.01]]  # the shorter Main Road
    props = by_id["alpha__beta"]["properties"]
    assert "OpenStreetMap" in props["geometry_source"] and "valley.osm" in props["geometry_source"]
    assert str(tmp_path) not in (out / "segments.geojson").read_text(encoding="utf-8")
    assert str(tmp_path) not in (out / "places.geojson").read_text(encoding="utf-8")
    assert "Main Road" in props["note"]
    assert by_id["alpha__side_junction"]["geometry"]["coordinates"][1:-1] == [[10.0, 50.0], [10.01, 50.0], [10.02, 49.99]]
    assert "OpenStreetMap node 1001, extract valley.osm" in m.places["alpha"].coord_source
    assert m.G.edges["alpha", "beta", "alpha__beta"]["length_km"] > 2

    # region metadata from the spec, with the OSM attribution
    assert m.region.title == "Roads of the Alpha valley"
    assert OSM_ATTRIBUTION in m.region.attribution and "valley.osm" in m.region.attribution
    assert m.region.focus_routes == ("main",)
    assert (m.region.start, m.region.end) == ("2021-01-01", "2021-12-31")

    assert m.reach("Alpha", "Gamma", on="2021-03-01", traffic="civilian").answer == "yes"
    r = m.reach("Alfa", "Gamma", on="2021-06-01", traffic="civilian")
    assert r.answer == "no" and r.blocked_by == ["beta__gamma"]
    assert kr.reach(m.timeline, "Alpha", "Beta", on="2021-06-01").answer == "yes"

    html = date_map(m, on="2021-06-01", traffic="civilian", path=("Alpha", "Gamma"), offline=True).get_root().render()
    assert "Roads of the Alpha valley on 2021-06-01" in html and DEFAULT_TITLE not in html
    assert "OpenStreetMap contributors (ODbL)" in html and "roads from OpenStreetMap" in html
    assert "geometry schematic" not in html
    fig = static_map(m, on="2021-06-01")
    texts = {t.get_gid(): t.get_text() for t in fig.texts if t.get_gid()}
    assert texts["title"].replace("\n", " ") == "Roads of the Alpha valley on 2021-06-01"
    assert OSM_ATTRIBUTION in texts["attribution"].replace("\n", " ")


def test_aliases_come_from_osm_name_tags(extract: Path, tmp_path: Path) -> None:
    import_osm(extract, write_spec(tmp_path, SPEC)).write(tmp_path / "data")
    m = load_folder(tmp_path / "data", **write_ledger(tmp_path / "data"))
    for name in ("Ալֆա", "Alfa", "Альфа", "alpha"):
        assert m.place(name).id == "alpha"
    assert m.place("Betaköy").id == "beta" and m.place("Betakoy").id == "beta"
    assert m.place("J").id == "side_junction"
    assert set(m.places["alpha"].aliases) == {"Ալֆա", "Alfa", "Альфа"}  # "Alpha" is the display name already


def test_places_are_found_by_any_name_tag_and_near(extract: Path, tmp_path: Path) -> None:
    spec = {"places": [{"name": "Альфа", "id": "a"}, {"name": "Twin", "near": "50.006,10.02"}],
            "routes": [{"name": "r", "places": ["a", "Twin"]}]}
    result = import_osm(extract, write_spec(tmp_path, spec))
    feats = {f["properties"]["id"]: f for f in result.places["features"]}
    assert feats["a"]["geometry"]["coordinates"] == [10.0005, 50.0003]
    assert feats["twin"]["geometry"]["coordinates"] == [10.02, 50.006]  # the Twin nearest to "near"


# -- errors that say what to fix ---------------------------------------------------------------------------


def problem_text(exc: pytest.ExceptionInfo[kr.DataError]) -> str:
    return str(exc.value)


def test_unknown_place_names_spec_place_and_closest(extract: Path, tmp_path: Path) -> None:
    spec = {"places": [{"name": "Alpha"}, {"name": "Gamme"}], "routes": [{"name": "r", "places": ["Alpha", "Gamme"]}]}
    with pytest.raises(kr.DataError) as exc:
        import_osm(extract, write_spec(tmp_path, spec))
    msg = problem_text(exc)
    assert "spec.json" in msg and "place 1 (Gamme)" in msg and "'Gamme'" in msg
    assert "valley.osm" in msg and "Gamma" in msg and '"at": "lat,lon"' in msg


def test_ambiguous_place_asks_for_near(extract: Path, tmp_path: Path) -> None:
    spec = {"places": [{"name": "Alpha"}, {"name": "Twin"}], "routes": [{"name": "r", "places": ["Alpha", "Twin"]}]}
    with pytest.raises(kr.DataError, match=r"2 place nodes in valley.osm have this name.*near"):
        import_osm(extract, write_spec(tmp_path, spec))


def test_too_far_to_snap_names_place_and_distance(extract: Path, tmp_path: Path) -> None:
    spec = {"places": [{"name": "Alpha"}, {"name": "Faraway"}], "routes": [{"name": "r", "places": ["Alpha", "Faraway"]}]}
    with pytest.raises(kr.DataError) as exc:
        import_osm(extract, write_spec(tmp_path, spec), max_snap_m=1500)
    msg = problem_text(exc)
    assert "place 1 (Faraway)" in msg and "at most 1500 m from a road of valley.osm" in msg
    assert "'Faraway' is 3" in msg and "--max-snap" in msg


def test_no_path_between_places(extract: Path, tmp_path: Path) -> None:
    spec = {"places": [{"name": "Alpha"}, {"name": "Lonely"}], "routes": [{"name": "r", "places": ["Alpha", "Lonely"]}]}
    with pytest.raises(kr.DataError) as exc:
        import_osm(extract, write_spec(tmp_path, spec), retain_all=True)
    msg = problem_text(exc)
    assert "route 0 (r)" in msg and "no road path in valley.osm between 'Alpha'" in msg and "'Lonely'" in msg
    # by default only the largest connected part is kept: Lonely is then too far from any road
    with pytest.raises(kr.DataError, match="'Lonely' is .* m from the nearest road node"):
        import_osm(extract, write_spec(tmp_path, spec))


def test_bad_spec_and_files(extract: Path, tmp_path: Path) -> None:
    bad = {"places": [{"name": "Alpha", "at": "200,10", "colour": "red"}, {"name": "Beta", "kind": "metropolis"}],
           "routes": [{"name": "r", "places": ["Alpha", "Nowhere"]}]}
    with pytest.raises(kr.DataError) as exc:
        import_osm(extract, write_spec(tmp_path, bad))
    msg = problem_text(exc)
    assert "place 0 (Alpha), field 'at': '200,10'" in msg and "lat,lon" in msg
    assert "field 'colour'" in msg and "'metropolis'" in msg and "city, town" in msg
    assert "route 0 (r), field 'places[1]': 'Nowhere'" in msg
    spec = write_spec(tmp_path, SPEC)
    with pytest.raises(kr.DataError, match="missing.osm.*file not found"):
        import_osm(tmp_path / "missing.osm", spec)
    with pytest.raises(kr.DataError, match=r"roads\.txt.*an OSM extract named \*\.osm"):
        import_osm(tmp_path / "roads.txt", spec)
    broken = tmp_path / "broken.osm"
    broken.write_text("<osm><node id='1' lat='50' lon='10'>", encoding="utf-8")
    with pytest.raises(kr.DataError, match="broken.osm.*a readable OSM XML extract"):
        import_osm(broken, spec)
    broken_pbf = tmp_path / "broken.osm.pbf"
    broken_pbf.write_bytes(b"\x00\x00\x00\x0dnot a pbf at all")
    with pytest.raises(kr.DataError, match="broken.osm.pbf.*a readable OSM PBF extract"):
        import_osm(broken_pbf, spec)
    broken_spec = tmp_path / "broken.json"
    broken_spec.write_text("{", encoding="utf-8")
    with pytest.raises(kr.DataError, match="broken.json.*not valid JSON"):
        import_osm(extract, broken_spec)


# -- other extract formats -----------------------------------------------------------------------------------


def segment_lines(result: Any) -> dict[str, Any]:
    return {f["properties"]["id"]: f["geometry"]["coordinates"] for f in result.segments["features"]}


def test_bz2_extract_reads_the_same(extract: Path, tmp_path: Path) -> None:
    packed = tmp_path / "valley.osm.bz2"
    packed.write_bytes(bz2.compress(extract.read_bytes()))
    spec = write_spec(tmp_path, SPEC)
    a, b = import_osm(extract, spec), import_osm(packed, spec)
    assert segment_lines(a) == segment_lines(b)
    assert "valley.osm.bz2" in b.region.attribution


def test_pbf_written_by_pyosmium_reads_the_same(extract: Path, tmp_path: Path) -> None:
    osmium = pytest.importorskip("osmium")
    from osmium.osm.mutable import Node, Way

    pbf = tmp_path / "valley.osm.pbf"
    writer = osmium.SimpleWriter(str(pbf))
    try:
        for nid, (lon, lat) in sorted(NODES.items()):
            writer.add_node(Node(id=nid, location=(lon, lat), version=1))
        for nid, lon, lat, tags in PLACE_NODES:
            writer.add_node(Node(id=nid, location=(lon, lat), tags=tags, version=1))
        for wid, refs, tags in WAYS:
            writer.add_way(Way(id=wid, nodes=refs, tags=tags, version=1))
    finally:
        writer.close()
    spec = write_spec(tmp_path, SPEC)
    a, b = import_osm(extract, spec), import_osm(pbf, spec)
    assert segment_lines(a) == segment_lines(b)
    net = read_extract(pbf, retain_all=True)
    assert 30 not in net.graph and 20 in net.graph  # a footway is not a road; every part kept
    assert {p.osm_id for p in net.places} == {p[0] for p in PLACE_NODES}


# -- the bundled segments on real roads ----------------------------------------------------------------------


def test_snap_bundled_segments_keeps_ids(tmp_path: Path) -> None:
    places = kr.read_places()
    goris, tegh = places["goris"], places["tegh"]
    # a road from near Goris to near Tegh, bending south, and a stub road
    steps = 6
    nodes = {}
    for i in range(steps + 1):
        t = i / steps
        nodes[i + 1] = (round(goris.lon + (tegh.lon - goris.lon) * t + 0.001, 6),
                        round(goris.lat + (tegh.lat - goris.lat) * t - 0.01 * (1 - abs(2 * t - 1)) + 0.001, 6))
    ways = [(500, list(nodes), {"highway": "primary", "name": "M2"})]
    ext = tmp_path / "goris.osm"
    ext.write_text(osm_xml(nodes, ways, []), encoding="utf-8")

    result = snap_segments(ext, only=["goris__tegh"])
    out = tmp_path / "snapped"
    result.write(out)
    assert result.replaced == ["goris__tegh"]
    assert {s.place for s in result.snaps} == {"goris", "tegh"} and all(s.distance_m < 200 for s in result.snaps)
    m = load_folder(out)  # the bundled events and sources apply: every segment id is kept
    bundled = kr.load()
    assert sorted(k for *_, k in m.G.edges(keys=True)) == sorted(k for *_, k in bundled.G.edges(keys=True))
    line = list(m.G.edges["goris", "tegh", "goris__tegh"]["geometry"].coords)
    assert line[0] == (goris.lon, goris.lat) and line[-1] == (tegh.lon, tegh.lat)
    assert [list(p) for p in line[1:-1]] == [list(xy) for xy in nodes.values()]
    kept = m.G.edges["kornidzor", "tegh", "kornidzor__tegh"]["geometry"]  # not chosen: its schematic line stays
    assert kept.equals(bundled.G.edges["kornidzor", "tegh", "kornidzor__tegh"]["geometry"])
    assert "goris.osm" in m.G.edges["goris", "tegh", "goris__tegh"]["geometry_source"]
    assert m.region.title == DEFAULT_TITLE and OSM_ATTRIBUTION in m.region.attribution
    assert "partly schematic" in m.region.geometry_note
    on = {"on": "2023-07-20", "traffic": "humanitarian"}
    assert m.reach("Goris", "Stepanakert", **on).answer == bundled.reach("Goris", "Stepanakert", **on).answer

    # every segment: the first place beyond the extract's roads is named, with its distance
    with pytest.raises(kr.DataError, match=r"place '.+' is \d+ m from the nearest road node"):
        snap_segments(ext)
    with pytest.raises(kr.DataError, match="'no_such_segment'.*a segment id of segments.geojson"):
        snap_segments(ext, only=["no_such_segment"])


# -- the command -------------------------------------------------------------------------------------------------


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="karabakh-routes")
    sub = parser.add_subparsers(dest="command", required=True)
    _cli_osm.add_parser(sub)
    return _cli_osm.run(parser.parse_args(argv))


def test_cli_import_osm(extract: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = write_spec(tmp_path, SPEC)
    out = tmp_path / "out"
    assert run_cli(["import-osm", str(extract), "--spec", str(spec), "--out-dir", str(out)]) == 0
    text = capsys.readouterr().out
    assert "alpha (Alpha): OSM node 1," in text and f"wrote {out / 'segments.geojson'}" in text
    assert read_region(out / "region.json").title == "Roads of the Alpha valley"

    assert run_cli(["import-osm", str(extract), "--spec", str(spec), "--out-dir", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["segments"] == 3 and report["snaps"][0]["osm_node"] == 1

    bad = write_spec(tmp_path, {**SPEC, "places": [*SPEC["places"], {"name": "Omega"}]}, "bad.json")
    assert run_cli(["import-osm", str(extract), "--spec", str(bad), "--out-dir", str(tmp_path / "o2")]) == 2
    err = capsys.readouterr().err
    assert "bad.json, place 4 (Omega), field 'name': 'Omega'" in err
    assert not (tmp_path / "o2").exists()

    assert run_cli(["import-osm", str(extract), "--spec", str(spec), "--out-dir", str(out), "--max-snap", "-1"]) == 2
    assert "--max-snap" in capsys.readouterr().err
    assert run_cli(["import-osm", str(extract), "--spec", str(spec), "--out-dir", str(out), "--segment", "x"]) == 2
    assert "go with --snap" in capsys.readouterr().err
    places_in = out / "places.geojson"
    assert run_cli(["import-osm", str(extract), "--snap", "--places", str(places_in), "--segments",
                    str(out / "segments.geojson"), "--out-dir", str(out)]) == 2
    assert "would replace an input" in capsys.readouterr().err


def test_cli_help_covers_every_option() -> None:
    parser = argparse.ArgumentParser(prog="karabakh-routes")
    sub = parser.add_subparsers(dest="command")
    s = _cli_osm.add_parser(sub)
    for action in s._actions:
        assert action.help, action.dest


# -- region metadata -------------------------------------------------------------------------------------------------


def test_bundled_region_has_todays_values(bundled: kr.RoadModel) -> None:
    from karabakh_routes.maps.style import ATTRIBUTION

    r = bundled.region
    assert r.title == DEFAULT_TITLE and r.attribution == ATTRIBUTION and r.geometry_note == "geometry schematic"
    assert r.focus_routes == ("lachin_corridor", "aghdam_road") and r.area == (43.0, 38.5, 50.5, 41.5)
    assert r.start == "2020-11-10"


def test_custom_region_changes_title_bounds_attribution(fixture_files: dict[str, Path]) -> None:
    folder = fixture_files["places"].parent
    region = {"title": "Roads <b>{{ 7*7 }}</b> of the fixture", "attribution": "Data: us <script>alert(1)</script>",
              "geometry_note": "geometry drawn by hand", "bounds": [46.1, 39.4, 46.3, 39.7],
              "dates": {"start": "2021-01-01", "end": "2021-06-30"}}
    (folder / "region.json").write_text(json.dumps(region), encoding="utf-8")
    m = kr.load(**{k: str(v) for k, v in fixture_files.items()})
    assert m.region.title.startswith("Roads <b>")
    assert contested_bounds(m) == (46.1, 39.4, 46.3, 39.7)
    html = date_map(m, on="2021-03-07", offline=True).get_root().render()
    assert "Roads &lt;b&gt;{{ 7*7 }}&lt;/b&gt; of the fixture on 2021-03-07" in html
    assert "<title>Roads &lt;b&gt;{{ 7*7 }}&lt;/b&gt; of the fixture on 2021-03-07</title>" in html
    # Leaflet shows an attribution as HTML: the text is escaped before it becomes a script string
    assert "<script>alert(1)" not in html and "Data: us \\u0026lt;script\\u0026gt;alert(1)" in html
    assert "geometry drawn by hand" in html and DEFAULT_TITLE not in html
    timeline = timeline_map(m, offline=True).get_root().render()
    assert "Roads &lt;b&gt;{{ 7*7 }}&lt;/b&gt; of the fixture, 2020-01-01" in timeline
    fig = static_map(m, on="2021-03-07")
    texts = {t.get_gid(): t.get_text().replace("\n", " ") for t in fig.texts if t.get_gid()}
    assert texts["title"] == "Roads <b>{{ 7*7 }}</b> of the fixture on 2021-03-07"
    assert texts["attribution"] == "Data: us <script>alert(1)</script>"
    ax = next(a for a in fig.axes if a.get_gid() == "map")
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    assert x0 <= 46.1 and x1 >= 46.3 and y0 <= 39.4 and y1 >= 39.7 and (x1 - x0) < 1.0
    from karabakh_routes.chart import timeline_chart

    chart = timeline_chart(m)  # the default range is the region's dates
    assert "2021-01-01 to 2021-06-30" in chart.get_suptitle()
    # an explicit region file wins over the one beside the places
    other = folder / "other.json"
    other.write_text(json.dumps({"title": "Other"}), encoding="utf-8")
    assert kr.load(**{k: str(v) for k, v in fixture_files.items()}, region=str(other)).region.title == "Other"


def test_without_region_file_user_data_keeps_defaults(fixture_model: kr.RoadModel) -> None:
    assert fixture_model.region == kr.RoadModel.__dataclass_fields__["region"].default


@pytest.mark.parametrize(("doc", "field", "value"), [
    ({"title": 5}, "title", "5"),
    ({"title": "—"}, "title", "—"),
    ({"bounds": [46, 39, 45]}, "bounds", "[46, 39, 45]"),
    ({"bounds": [47, 39, 46, 40]}, "bounds", "[47, 39, 46, 40]"),
    ({"area": ["a", 1, 2, 3]}, "area", '["a", 1, 2, 3]'),
    ({"focus_routes": ["corridor", "nowhere"]}, "focus_routes[1]", "nowhere"),
    ({"dates": {"start": "2021-13-45"}}, "dates.start", "2021-13-45"),
    ({"dates": {"start": "2022-01-01", "end": "2021-01-01"}}, "dates.end", "2021-01-01"),
    ({"titel": "typo"}, "titel", ""),
])
def test_malformed_region_names_file_field_value(fixture_files: dict[str, Path], doc: dict[str, Any], field: str,
                                                 value: str) -> None:
    path = fixture_files["places"].parent / "region.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(kr.DataError) as exc:
        kr.load(**{k: str(v) for k, v in fixture_files.items()})
    problems = [p for p in exc.value.problems if p.field == field]
    assert problems, str(exc.value)
    assert problems[0].file == str(path) and problems[0].value == value and problems[0].expected
    assert "region.json" in str(exc.value) and field in str(exc.value)


def test_region_not_json(tmp_path: Path) -> None:
    path = tmp_path / "region.json"
    path.write_text("[1, 2", encoding="utf-8")
    with pytest.raises(kr.DataError, match="region.json.*not valid JSON"):
        read_region(path)
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(kr.DataError, match="region.json.*a JSON object of region properties"):
        read_region(path)


def test_region_writes_and_reads_back(tmp_path: Path) -> None:
    from karabakh_routes.region import Region, write_region

    r = Region(title="T", attribution="A", geometry_note="", bounds=(1.0, 2.0, 3.0, 4.0), focus_routes=("x",),
               area=(0.0, 0.0, 10.0, 10.0), start="2020", end="2021-05")
    write_region(r, tmp_path / "region.json")
    assert read_region(tmp_path / "region.json") == r
