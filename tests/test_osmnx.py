"""The road graph works with OSMnx, GraphML and GeoPackage (issue 11)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import geopandas as gpd
import networkx as nx
import osmnx as ox
import pytest
from shapely.geometry import LineString

import karabakh_routes as kr
from karabakh_routes.datasets import bundled_path
from karabakh_routes.network import resolve_route

ORIG, DEST = "goris", "khankendi_stepanakert"


@pytest.fixture
def G() -> nx.MultiGraph:
    """The bundled graph with user columns: edge ``surface``, ``lanes``, node ``population``."""
    G = kr.graph_from_geodata()
    for i, (*_, d) in enumerate(G.edges(keys=True, data=True)):
        d["surface"] = "gravel" if i % 3 == 0 else "asphalt"
        d["lanes"] = 1 + i % 2
    for i, (_, d) in enumerate(G.nodes(data=True)):
        d["population"] = 1000 * i
    return G


def _edge_set(H: nx.MultiGraph) -> set[tuple[frozenset[str], str]]:
    return {(frozenset((u, v)), k) for u, v, k in H.edges(keys=True)}


def test_edges_carry_length_in_metres(G: nx.MultiGraph) -> None:
    for *_, d in G.edges(keys=True, data=True):
        assert d["length"] == pytest.approx(d["length_km"] * 1000, rel=1e-12) and d["length"] > 100  # metres, not km


def test_basic_stats(G: nx.MultiGraph) -> None:
    total = sum(d["length"] for *_, d in G.edges(keys=True, data=True))
    for D in (kr.to_directed(G), nx.MultiDiGraph(G)):  # the second is what the user first tried
        stats = ox.stats.basic_stats(D)
        assert stats["n"] == G.number_of_nodes()
        assert stats["m"] == 2 * G.number_of_edges()
        assert stats["street_segment_count"] == G.number_of_edges()
        assert stats["street_length_total"] == pytest.approx(total)
        assert stats["edge_length_total"] == pytest.approx(2 * total)
    # street_count: the segments meeting at a place, as OSMnx counts them
    assert ox.stats.count_streets_per_node(kr.to_directed(G)) == dict(G.nodes(data="street_count"))


def test_to_directed_each_segment_both_ways(G: nx.MultiGraph) -> None:
    D = kr.to_directed(G)
    assert isinstance(D, nx.MultiDiGraph) and D.graph == G.graph
    assert D.number_of_edges() == 2 * G.number_of_edges()
    for _, _, k, d in G.edges(keys=True, data=True):
        assert D.edges[d["u"], d["v"], k] == d == D.edges[d["v"], d["u"], k]
    assert dict(D.nodes(data=True)) == dict(G.nodes(data=True))


def test_routing_goris_to_stepanakert(G: nx.MultiGraph) -> None:
    D = kr.to_directed(G)
    # place ids are text, which OSMnx would read as lists of nodes: give one-element lists
    [path] = ox.routing.shortest_path(D, [ORIG], [DEST], weight="length", cpus=1)
    assert path[0] == ORIG and path[-1] == DEST
    assert path == nx.shortest_path(G, ORIG, DEST, weight="length_km")
    route = ox.routing.route_to_gdf(D, path, weight="length")
    expected = nx.shortest_path_length(G, ORIG, DEST, weight="length_km") * 1000
    assert route["length"].sum() == pytest.approx(expected)
    assert "lachin_corridor" in {r for rs in route["routes"] for r in rs}
    assert len(list(ox.routing.k_shortest_paths(D, ORIG, DEST, 2, weight="length"))) == 2


def test_gdfs_are_shaped_as_osmnx(G: nx.MultiGraph) -> None:
    gdf_nodes, gdf_edges = kr.graph_to_gdfs(G)
    assert gdf_nodes.index.name == "osmid" and {"x", "y", "street_count", "population"} <= set(gdf_nodes.columns)
    assert list(gdf_edges.index.names) == ["u", "v", "key"] and gdf_edges.index.is_unique
    assert {"id", "length", "length_km", "surface", "lanes"} <= set(gdf_edges.columns)
    assert not {"u", "v", "key"} & set(gdf_edges.columns)
    row = gdf_edges.loc[("goris", "tegh", "goris__tegh")]
    assert row["id"] == "goris__tegh" and row["routes"] == ["armenian_approach"]
    ox.convert.validate_node_edge_gdfs(gdf_nodes, gdf_edges)


def test_osmnx_graph_from_our_gdfs(G: nx.MultiGraph) -> None:
    X = ox.convert.graph_from_gdfs(*kr.graph_to_gdfs(G))
    assert isinstance(X, nx.MultiDiGraph) and set(X.nodes) == set(G.nodes)
    # one directed edge per segment, in the drawing direction of its geometry
    assert set(X.edges(keys=True)) == {(d["u"], d["v"], k) for *_, k, d in G.edges(keys=True, data=True)}
    for _, _, k, d in G.edges(keys=True, data=True):
        x = X.edges[d["u"], d["v"], k]
        assert x["length"] == d["length"] and x["surface"] == d["surface"] and x["geometry"].equals(d["geometry"])
        assert x["geometry"].coords[0] == pytest.approx((X.nodes[d["u"]]["x"], X.nodes[d["u"]]["y"]), abs=0.01)
    assert X.nodes[ORIG]["x"] == G.nodes[ORIG]["x"]


def test_round_trip_through_osmnx_gdfs(G: nx.MultiGraph) -> None:
    D = kr.to_directed(G)
    H = kr.graph_from_gdfs(*ox.convert.graph_to_gdfs(D), graph_attrs=D.graph)
    assert isinstance(H, nx.MultiGraph) and not H.is_directed()
    assert set(H.nodes) == set(G.nodes) and _edge_set(H) == _edge_set(G)
    assert H.number_of_edges() == G.number_of_edges()
    for u, v, k, d in G.edges(keys=True, data=True):
        assert H.edges[u, v, k] == d  # user columns, lengths, geometry and the drawing direction u, v
    for n, d in G.nodes(data=True):
        assert H.nodes[n] == d
    assert H.graph == G.graph and kr.routes_of(H) == kr.routes_of(G)
    assert resolve_route(H, "Lachin corridor") == "lachin_corridor"


def test_our_gdfs_round_trip_keep_user_columns_and_routes(G: nx.MultiGraph) -> None:
    gdf_nodes, gdf_edges = kr.graph_to_gdfs(G)
    H = kr.graph_from_gdfs(gdf_nodes, gdf_edges, routes=kr.routes_of(G))
    assert H.edges["goris", "tegh", "goris__tegh"] == G.edges["goris", "tegh", "goris__tegh"]
    assert H.nodes[ORIG]["population"] == G.nodes[ORIG]["population"]
    assert kr.routes_of(H) == kr.routes_of(G)
    # without routes or graph_attrs: the G.graph graph_to_gdfs recorded (routes included)
    assert kr.routes_of(kr.graph_from_gdfs(gdf_nodes, gdf_edges)) == kr.routes_of(G)
    # empty graph_attrs: no routes, the CRS of the edges
    bare = kr.graph_from_gdfs(gdf_nodes, gdf_edges, graph_attrs={})
    assert kr.routes_of(bare) == {} and bare.graph["crs"] == "EPSG:4326"


def test_graph_made_by_osmnx() -> None:
    """Node ids as integers, key 0 both ways, list attributes, edges without geometry."""
    osm = nx.MultiDiGraph(crs="EPSG:4326")
    osm.add_node(1, x=46.0, y=39.5, street_count=1)
    osm.add_node(2, x=46.1, y=39.5, street_count=2)
    osm.add_node(3, x=46.1, y=39.6, street_count=1)
    osm.add_edge(1, 2, 0, osmid=[5, 6], length=8600.0, oneway=False, reversed=False, highway="primary")
    osm.add_edge(2, 1, 0, osmid=[5, 6], length=8600.0, oneway=False, reversed=True, highway="primary")
    osm.add_edge(2, 3, 0, osmid=7, length=11100.0, oneway=True, reversed=False, highway="residential", name="x")
    K = kr.graph_from_gdfs(*ox.convert.graph_to_gdfs(osm))
    assert sorted(K.nodes) == [1, 2, 3] and K.nodes[1] == {"x": 46.0, "y": 39.5, "street_count": 1}
    assert sorted((min(u, v), max(u, v), k) for u, v, k in K.edges(keys=True)) == [(1, 2, 0), (2, 3, 0)]
    d = K.edges[1, 2, 0]
    assert d["osmid"] == [5, 6] and d["length"] == 8600.0 and d["length_km"] == 8.6
    assert "name" not in d and K.edges[2, 3, 0]["name"] == "x"
    assert d["geometry"].equals(LineString([(46.0, 39.5), (46.1, 39.5)]))
    X = ox.convert.graph_from_gdfs(*kr.graph_to_gdfs(K))
    assert sorted(X.edges(keys=True)) == [(1, 2, 0), (2, 3, 0)]


def test_osmnx_graphml(G: nx.MultiGraph, tmp_path: Path) -> None:
    for name, graph in (("undirected", G), ("directed", kr.to_directed(G))):
        path = tmp_path / f"{name}.graphml"
        ox.io.save_graphml(graph, path)
        L = ox.io.load_graphml(path, node_dtypes={"osmid": str})  # node ids are text, not OSM ids
        assert set(L.nodes) == set(G.nodes) and set(L.edges(keys=True)) == set(graph.edges(keys=True))
        for u, v, k, d in graph.edges(keys=True, data=True):
            got = L.edges[u, v, k]
            assert got["length"] == d["length"] and got["geometry"].equals(d["geometry"])
        assert L.graph["routes"] == G.graph["routes"] and L.graph["crs"] == "EPSG:4326"


def test_osmnx_geopackage(G: nx.MultiGraph, tmp_path: Path) -> None:
    path = tmp_path / "roads.gpkg"
    ox.io.save_graph_geopackage(G, path)
    edges = gpd.read_file(path, layer="edges")
    nodes = gpd.read_file(path, layer="nodes")
    assert len(edges) == G.number_of_edges() and len(nodes) == G.number_of_nodes()
    assert edges["length"].sum() == pytest.approx(sum(d["length"] for *_, d in G.edges(keys=True, data=True)))
    assert set(edges["surface"]) == {"gravel", "asphalt"} and set(edges["key"]) == {k for *_, k in G.edges(keys=True)}
    ox.io.save_graph_geopackage(kr.to_directed(G), tmp_path / "directed.gpkg", directed=True)
    assert len(gpd.read_file(tmp_path / "directed.gpkg", layer="edges")) == 2 * G.number_of_edges()


def test_our_graphml_round_trip_is_exact(G: nx.MultiGraph, tmp_path: Path) -> None:
    G.edges["goris", "tegh", "goris__tegh"]["toll"] = True
    G.edges["goris", "tegh", "goris__tegh"]["closures"] = [{"from": "2022-12-12", "to": None}]
    path = tmp_path / "roads.graphml"
    kr.save_graphml(G, path)
    H = kr.load_graphml(path)
    assert type(H) is nx.MultiGraph
    assert H.graph == G.graph and kr.routes_of(H) == kr.routes_of(G)
    assert list(H.nodes) == list(G.nodes)
    assert dict(H.nodes(data=True)) == dict(G.nodes(data=True))
    assert sorted(H.edges(keys=True)) == sorted(G.edges(keys=True))
    for u, v, k, d in G.edges(keys=True, data=True):
        got = H.edges[u, v, k]
        assert got == d and got["geometry"].wkt == d["geometry"].wkt
        assert type(got["routes"]) is tuple and type(got["lanes"]) is int and type(got["length"]) is float
    assert H.edges["goris", "tegh", "goris__tegh"]["toll"] is True
    # a directed graph comes back directed
    D = kr.to_directed(G)
    kr.save_graphml(D, path)
    D2 = kr.load_graphml(path)
    assert isinstance(D2, nx.MultiDiGraph) and sorted(D2.edges(keys=True)) == sorted(D.edges(keys=True))


def test_our_graphml_is_plain_graphml(G: nx.MultiGraph, tmp_path: Path) -> None:
    with pytest.raises(nx.NetworkXError):  # why kr.save_graphml exists: edges hold tuples and LineStrings
        nx.write_graphml(G, tmp_path / "plain.graphml")
    path = tmp_path / "roads.graphml"
    kr.save_graphml(G, path)
    R = nx.read_graphml(path)
    assert set(R.nodes) == set(G.nodes) and R.number_of_edges() == G.number_of_edges()
    assert json.loads(R.graph["routes"]) == json.loads(G.graph["routes"])
    nx.write_graphml(R, tmp_path / "again.graphml")  # every value is plain text
    assert kr.load_graphml(tmp_path / "again.graphml").graph == G.graph


def test_save_graphml_never_leaves_half_a_file(G: nx.MultiGraph, tmp_path: Path) -> None:
    path = tmp_path / "roads.graphml"
    kr.save_graphml(G, path)
    before = path.read_bytes()
    G.nodes[ORIG]["bad"] = object()
    with pytest.raises(TypeError, match="node attribute 'bad'"):
        kr.save_graphml(G, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["roads.graphml"]


def test_graph_attributes_are_plain(tmp_path: Path) -> None:
    G = kr.load().G
    text = json.dumps(G.graph)
    assert isinstance(G.graph["routes"], str) and G.graph["routes_file"] == "routes.json"
    assert str(bundled_path("routes").parent) not in text
    assert not any(isinstance(v, str) and os.path.isabs(v) for v in G.graph.values())
    files = {k: Path(shutil.copy(bundled_path(k), tmp_path / bundled_path(k).name)) for k in ("places", "segments", "routes")}
    own = kr.graph_from_geodata(files["places"], files["segments"], files["routes"])
    assert str(tmp_path) not in json.dumps(own.graph) and own.graph["routes_file"] == "routes.json"
    assert kr.routes_of(own) == kr.routes_of(G)


def test_routes_of_follows_changes() -> None:
    G = kr.graph_from_geodata()
    first = kr.routes_of(G)
    assert kr.routes_of(G) is first  # cached
    assert resolve_route(G, "Lachin corridor") == "lachin_corridor"
    kept = [r for r in json.loads(G.graph["routes"]) if r["id"] != "lachin_corridor"]
    G.graph["routes"] = json.dumps(kept)
    assert "lachin_corridor" not in kr.routes_of(G) and len(kr.routes_of(G)) == len(first) - 1
    assert resolve_route(G, "Lachin corridor") is None
    G.graph["routes"] = {"lachin_corridor": first["lachin_corridor"]}  # Route objects work too
    assert list(kr.routes_of(G)) == ["lachin_corridor"] and resolve_route(G, "Lachin corridor") == "lachin_corridor"
    G.graph["routes"] = "[]"
    assert kr.routes_of(G) == {} and resolve_route(G, "Lachin corridor") is None


def test_graph_from_gdfs_keeps_routes_and_user_columns_without_graph_attrs() -> None:
    G = kr.load().G
    nodes, edges = kr.graph_to_gdfs(G)
    edges["surface"] = "asphalt"
    H = kr.graph_from_gdfs(nodes, edges)
    assert kr.routes_of(H) == kr.routes_of(G)
    assert {d["surface"] for *_, d in H.edges(keys=True, data=True)} == {"asphalt"}
