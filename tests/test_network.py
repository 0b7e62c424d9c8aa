from __future__ import annotations

import json
from pathlib import Path

import pytest
from geopandas.testing import assert_geodataframe_equal

import karabakh_routes as kr


def test_graph_contract(fixture_model: kr.RoadModel) -> None:
    G = fixture_model.G
    assert G.graph["crs"] == "EPSG:4326"
    assert set(kr.routes_of(G)) == {"corridor", "tail"}
    for _, d in G.nodes(data=True):
        assert {"x", "y", "name", "aliases", "kind"} <= set(d)
    for u, v, k, d in G.edges(keys=True, data=True):
        assert k == d["id"] == f"{d['u']}__{d['v']}" and {u, v} == {d["u"], d["v"]}
        assert d["geometry"].geom_type == "LineString"
        assert d["length_km"] > 0 and d["length"] == d["length_km"] * 1000


def test_length_is_geodesic_km(fixture_model: kr.RoadModel) -> None:
    from pyproj import Geod
    d = fixture_model.G.edges["west", "mid", "west__mid"]
    coords = list(d["geometry"].coords)
    geod = Geod(ellps="WGS84")
    expected = sum(geod.inv(*a, *b)[2] for a, b in zip(coords, coords[1:])) / 1000
    assert d["length_km"] == pytest.approx(expected, rel=1e-9)
    assert 15 < d["length_km"] < 25  # 0.2° lon, 0.1° lat near 39.5° N


def test_gdfs_round_trip(fixture_model: kr.RoadModel) -> None:
    gdf_nodes, gdf_edges = kr.graph_to_gdfs(fixture_model.G)
    assert gdf_nodes.crs.to_string() == gdf_edges.crs.to_string() == "EPSG:4326"
    G2 = kr.graph_from_gdfs(gdf_nodes, gdf_edges, routes=kr.routes_of(fixture_model.G))
    n2, e2 = kr.graph_to_gdfs(G2)
    assert_geodataframe_equal(gdf_nodes, n2)
    assert_geodataframe_equal(gdf_edges, e2)
    assert sorted(G2.edges(keys=True)) == sorted(fixture_model.G.edges(keys=True))
    assert kr.routes_of(G2) == kr.routes_of(fixture_model.G)
    G3 = kr.graph_from_gdfs(gdf_nodes, gdf_edges, graph_attrs=fixture_model.G.graph)  # OSMnx's signature
    assert G3.graph == fixture_model.G.graph


def _rewrite(path: Path, mutate) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(path.read_text(encoding="utf-8"))
    mutate(doc)
    path.write_text(json.dumps(doc), encoding="utf-8")


def test_places_problems_all_reported(fixture_files: dict[str, Path]) -> None:
    def mutate(doc: dict) -> None:  # type: ignore[type-arg]
        doc["features"][0]["properties"]["kind"] = "metropolis"
        doc["features"][1]["geometry"] = {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}
        doc["features"][2]["properties"]["id"] = "west"
    _rewrite(fixture_files["places"], mutate)
    with pytest.raises(kr.DataError) as info:
        kr.read_places(fixture_files["places"])
    text = str(info.value)
    assert "field 'kind': 'metropolis'" in text and "city, town, village" in text
    assert "feature 1 (id=mid), field 'geometry.type': 'LineString' — Point" in text
    assert "used twice" in text


def test_swapped_coordinates_warn(fixture_files: dict[str, Path]) -> None:
    def mutate(doc: dict) -> None:  # type: ignore[type-arg]
        doc["features"][0]["geometry"]["coordinates"] = [39.5, 46.0]
    _rewrite(fixture_files["places"], mutate)
    with pytest.warns(kr.KarabakhRoutesWarning, match="swapped"):
        kr.read_places(fixture_files["places"])


def test_segment_end_far_from_place(fixture_files: dict[str, Path]) -> None:
    def mutate(doc: dict) -> None:  # type: ignore[type-arg]
        doc["features"][0]["geometry"]["coordinates"][0] = [45.9, 39.5]
    _rewrite(fixture_files["segments"], mutate)
    with pytest.raises(kr.DataError, match=r"first point must be at place 'west'.*km away"):
        kr.graph_from_geodata(fixture_files["places"], fixture_files["segments"], fixture_files["routes"])


def test_disconnected_network_warns(fixture_files: dict[str, Path]) -> None:
    def mutate(doc: dict) -> None:  # type: ignore[type-arg]
        doc["features"] = [f for f in doc["features"] if f["properties"]["id"] != "east__far"]
    _rewrite(fixture_files["segments"], mutate)
    _rewrite(fixture_files["routes"], lambda doc: doc.pop())
    with pytest.warns(kr.KarabakhRoutesWarning, match="unconnected parts"):
        kr.graph_from_geodata(fixture_files["places"], fixture_files["segments"], fixture_files["routes"])


def test_route_unknown_segment(fixture_files: dict[str, Path]) -> None:
    _rewrite(fixture_files["routes"], lambda doc: doc[0]["alignments"][0]["segments"].append("nowhere__road"))
    with pytest.raises(kr.DataError, match="route 0 \\(id=corridor\\), alignment 0, field 'segments': 'nowhere__road'"):
        kr.graph_from_geodata(fixture_files["places"], fixture_files["segments"], fixture_files["routes"])
