"""The bundled geometry: roads meet only at places, sourced road lengths, which side of the border a segment is on.

Every sourced length comes from the facts file (``/work/shared/facts/timeline.md``, sections A and "Routes");
the reference is given beside each one. The drawn length is the geodesic length of the segment lines
(:func:`karabakh_routes.network.segment_length_km`), summed over a chain of segments.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math

import networkx as nx
import pytest
from shapely.geometry import LineString, Point

from karabakh_routes.network import graph_from_geodata, routes_of, segment_length_km

G = graph_from_geodata()
EDGES: dict[str, dict] = {k: d for _, _, k, d in G.edges(keys=True, data=True)}
ROUTES = routes_of(G)

#: Allowed relative difference between a drawn and a sourced road length.
TOLERANCE = 0.15

#: (what, chain of segment ids in road order, sourced km, facts-file reference)
SOURCED_LENGTHS = [
    ("new road, old road km 36 fork - Hakari bridge",
     ["km36_fork__mets_shen", "mets_shen__hin_shen", "hin_shen__lachin_checkpoint", "hakari_bridge__lachin_checkpoint"],
     21.3, "Routes R2: new road 21.3 km, bridge at km 22 (S8)"),
    ("new road, Kornidzor - Hin Shen - Mets Shen",
     ["hakari_bridge__kornidzor", "hakari_bridge__lachin_checkpoint", "hin_shen__lachin_checkpoint", "mets_shen__hin_shen"],
     32.0, "Routes R2: ~32 km Kornidzor-Hin Shen-Mets Shen (S4, S8)"),
    ("temporary link, Hakari bridge - old road",
     ["hakari_bridge__link_junction"],
     4.7, "Routes R2a: 4.7 km temporary link (S6, S7)"),
    ("old road, temporary link junction - Aghavno",
     ["link_junction__aghavno_zabukh"],
     3.0, "Routes R2a: link joined the old road ~3 km from Aghavno (S6, S7)"),
    ("Aghdam - Askeran",
     ["askeran__aghdam"],
     10.0, "Routes R3: Askeran ~10 km from Aghdam (enwiki Agdam)"),
    ("Aghdam - Askeran - Khojaly - Stepanakert",
     ["askeran__aghdam", "khojaly_ivanyan__askeran", "khankendi_stepanakert__khojaly_ivanyan"],
     26.0, "Routes R3: Aghdam-Stepanakert 26 km (enwiki Agdam)"),
    ("Barda - Aghdam highway",
     ["aghdam__barda"],
     44.5, "Routes R4: 44.5 km four-lane highway (S45)"),
]

#: Sus village centre (facts file A: enwiki "Sus, Lachin"); the old road passed Nerkin Sus, across the river.
SUS = (46.5128, 39.6269)
#: Segments wholly inside Armenia: never part of the Lachin corridor.
ARMENIAN_SIDE = {"yerevan__goris", "goris__tegh", "kornidzor__tegh", "hakari_bridge__kornidzor"}
ARMENIAN_PLACES = {"yerevan", "goris", "tegh", "kornidzor"}
#: Claims about Azerbaijan's checkpoint at the Hakari bridge (set up 2023-04-23; facts file B); those still in
#: the bundled events are checked.
CHECKPOINT_CLAIMS = ("E020", "E021", "E068")
BRIDGE_SWITCH = dt.date(2023, 4, 1)


def drawn_km(chain: list[str]) -> float:
    return sum(segment_length_km(EDGES[s]["geometry"]) for s in chain)


def _ends(sid: str) -> dict[str, tuple[float, float]]:
    d = EDGES[sid]
    coords = list(d["geometry"].coords)
    return {d["u"]: coords[0], d["v"]: coords[-1]}


def _km_xy(lon: float, lat: float) -> tuple[float, float]:
    """Local equirectangular km (good to well under 1 % across the Lachin area)."""
    return lon * 111.32 * math.cos(math.radians(39.6)), lat * 110.95


# -- (a) roads meet only at places --------------------------------------------------------


@pytest.mark.parametrize("sid", sorted(EDGES))
def test_segment_does_not_cross_itself(sid: str) -> None:
    assert EDGES[sid]["geometry"].is_simple, f"{sid} crosses or overlaps itself"


def test_segments_cross_or_overlap_only_at_a_shared_place() -> None:
    bad = []
    for a, b in itertools.combinations(sorted(EDGES), 2):
        inter = EDGES[a]["geometry"].intersection(EDGES[b]["geometry"])
        if inter.is_empty:
            continue
        ea, eb = _ends(a), _ends(b)
        allowed = [Point(ea[p]) for p in ea.keys() & eb.keys() if Point(ea[p]).equals(Point(eb[p]))]
        parts = getattr(inter, "geoms", [inter])
        if not all(isinstance(g, Point) and any(g.distance(p) < 1e-9 for p in allowed) for g in parts):
            bad.append(f"{a} x {b}: {inter.wkt[:120]}")
    assert not bad, "segments that cross or overlap away from a shared place:\n" + "\n".join(bad)


# -- (b) sourced road lengths ---------------------------------------------------------------


def test_length_chains_are_connected_roads() -> None:
    for what, chain, _, _ in SOURCED_LENGTHS:
        H = nx.MultiGraph()
        for s in chain:
            H.add_edge(EDGES[s]["u"], EDGES[s]["v"], key=s)
        assert nx.is_connected(H) and max(dict(H.degree()).values()) <= 2, f"{what}: {chain} is not one road"


@pytest.mark.parametrize(
    ("what", "chain", "sourced", "ref"),
    [pytest.param(*row, id=f"{row[0]}: sourced {row[2]:g} km, drawn {drawn_km(row[1]):.1f} km")
     for row in SOURCED_LENGTHS],
)
def test_drawn_length_is_within_15_percent_of_the_sourced_road_length(what: str, chain: list[str],
                                                                       sourced: float, ref: str) -> None:
    drawn = drawn_km(chain)
    assert abs(drawn - sourced) <= TOLERANCE * sourced, (
        f"{what}: sourced {sourced:g} km ({ref}), drawn {drawn:.1f} km ({drawn / sourced - 1:+.0%}); "
        f"segments {chain}")


def test_hakari_bridge_is_about_10_km_south_of_lachin_by_air() -> None:
    # facts file A: the bridge is ~10 km S of Lachin by air (metbuat.az/news/1466148)
    bridge, lachin = G.nodes["hakari_bridge"], G.nodes["lachin_berdzor"]
    km = LineString([(bridge["x"], bridge["y"]), (lachin["x"], lachin["y"])])
    assert abs(segment_length_km(km) - 10.0) <= TOLERANCE * 10.0
    assert bridge["y"] < lachin["y"]


# -- (c) the Azerbaijani checkpoint and the Armenian side --------------------------------------


def test_checkpoint_claims_target_the_azerbaijani_side_of_the_bridge(bundled) -> None:  # type: ignore[no-untyped-def]
    events = {ev.id: ev for ev in bundled.ledger.events}
    present = [eid for eid in CHECKPOINT_CLAIMS if eid in events]
    assert present, f"none of the checkpoint claims {CHECKPOINT_CLAIMS} is in the bundled events"
    for eid in present:
        targets = events[eid].targets
        assert targets, eid
        for sid in targets:
            assert sid in EDGES, f"{eid} targets {sid!r}, not a segment"
            ends = {EDGES[sid]["u"], EDGES[sid]["v"]}
            assert "lachin_checkpoint" in ends, f"{eid} targets {sid}, which does not reach the checkpoint"
            assert not ends & ARMENIAN_PLACES, f"{eid} targets {sid}, which reaches into Armenia"
            assert sid not in ARMENIAN_SIDE


def test_the_bridge_splits_the_armenian_and_azerbaijani_sides() -> None:
    assert G.nodes["hakari_bridge"]["kind"] == "border_crossing"
    assert G.nodes["lachin_checkpoint"]["kind"] == "checkpoint"
    assert {EDGES["hakari_bridge__kornidzor"]["u"], EDGES["hakari_bridge__kornidzor"]["v"]} == {"hakari_bridge", "kornidzor"}
    assert {EDGES["hakari_bridge__lachin_checkpoint"]["u"], EDGES["hakari_bridge__lachin_checkpoint"]["v"]} == {
        "hakari_bridge", "lachin_checkpoint"}


def test_lachin_corridor_has_no_segment_inside_armenia() -> None:
    for al in ROUTES["lachin_corridor"].alignments:
        assert not set(al.segments) & ARMENIAN_SIDE, (al.start.text, set(al.segments) & ARMENIAN_SIDE)
        end = al.end.upper if al.end is not None else dt.date.max
        if end >= BRIDGE_SWITCH:
            touching = [s for s in al.segments if {EDGES[s]["u"], EDGES[s]["v"]} & {"tegh", "kornidzor"}]
            if al.start.lower >= BRIDGE_SWITCH:
                assert not touching, f"lachin_corridor from {al.start.text} touches Tegh/Kornidzor: {touching}"


def test_armenian_side_belongs_to_the_armenian_approach_from_april_2023() -> None:
    current = [al for al in ROUTES["armenian_approach"].alignments if al.start.lower <= BRIDGE_SWITCH
               and (al.end is None or al.end.upper >= BRIDGE_SWITCH)]
    assert len(current) == 1
    assert {"goris__tegh", "kornidzor__tegh", "hakari_bridge__kornidzor"} <= set(current[0].segments)


# -- (d) the old road passes Nerkin Sus, not the centre of Sus -------------------------------------


def test_old_road_passes_nerkin_sus_and_not_the_centre_of_sus() -> None:
    old = ROUTES["lachin_old_road"].segments
    assert any("nerkin_sus" in (EDGES[s]["u"], EDGES[s]["v"]) for s in old)
    node = G.nodes["nerkin_sus"]
    assert node["coord_precision"] == "estimate" and node["kind"] == "village"
    assert {"Aşağı Sus", "Nerkin Sus", "Lower Sus"} <= set(node["aliases"]) | {node["name"]}
    sus = Point(_km_xy(*SUS))
    for s in old:
        line = LineString([_km_xy(x, y) for x, y in EDGES[s]["geometry"].coords])
        assert line.distance(sus) > 1.0, f"{s} passes within {line.distance(sus):.2f} km of the centre of Sus"
    assert "sus" not in G or not any(True for _ in G.edges("sus"))
