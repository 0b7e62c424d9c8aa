"""The bundled data: quotes verbatim, targets known, places in the graph, coordinates in the region."""

from __future__ import annotations

import json
import re

import networkx as nx
import pytest

import karabakh_routes as kr
from karabakh_routes.datasets import bundled_path
from karabakh_routes.network import REGION_BOUNDS

NAMED_PAIRS = [("Khankendi", "Stepanakert"), ("Aghdam", "Agdam"), ("Askeran", "Asgaran"), ("Shusha", "Shushi"),
               ("Lachin", "Berdzor")]


def test_bundled_files_validate_without_warnings(bundled: kr.RoadModel) -> None:
    # loading under filterwarnings=error proves there were no data warnings either
    assert len(bundled.ledger.events) >= 40


def test_every_seed_quote_is_verbatim(bundled: kr.RoadModel) -> None:
    norm = lambda t: re.sub(r"\s+", " ", t).strip()  # noqa: E731
    checked = 0
    for ev in bundled.ledger.events:
        src = bundled.ledger.sources[ev.source]
        if src.seed:
            text = norm((bundled_path("sources").parent / "seeds" / src.seed).read_text(encoding="utf-8"))
            assert ev.quote.strip(), f"{ev.id} cites bundled article {src.seed} without a quote"
            assert norm(ev.quote) in text, ev.id
            checked += 1
    assert checked >= 8


def test_all_five_seed_articles_are_sources_and_cited(bundled: kr.RoadModel) -> None:
    seeds = {s.seed for s in bundled.ledger.sources.values() if s.seed}
    assert len(seeds) == 5
    cited = {bundled.ledger.sources[e.source].seed for e in bundled.ledger.events} - {""}
    assert cited == seeds


def test_non_seed_sources_have_urls(bundled: kr.RoadModel) -> None:
    for s in bundled.ledger.sources.values():
        if not s.seed:
            assert s.url.startswith(("https://", "http://")), s.id


def test_every_event_without_quote_says_it_is_a_summary(bundled: kr.RoadModel) -> None:
    for ev in bundled.ledger.events:
        if not ev.quote.strip():
            assert ev.note.strip(), f"{ev.id} has neither quote nor note"


def test_timeline_coverage(bundled: kr.RoadModel) -> None:
    starts = sorted(e.start.lower for e in bundled.ledger.events)
    assert any(d.isoformat() == "2020-11-10" for d in starts)
    assert any(d.year == 2023 and d.month >= 9 for d in starts)


def test_disagreements_have_both_sides(bundled: kr.RoadModel) -> None:
    # Section C.1: the Dec 2022 blockade has an Azerbaijani-government claim and an Armenian/Karabakh one
    dec = [e for e in bundled.ledger.events if e.start.lower.isoformat().startswith("2022-12-12")]
    claimants = {e.claimant for e in dec}
    assert "Azerbaijani government" in claimants
    assert claimants & {"Karabakh Armenian authorities", "Armenian government"}


def test_every_place_in_graph_and_region(bundled: kr.RoadModel) -> None:
    x0, y0, x1, y1 = REGION_BOUNDS
    doc = json.loads(bundled_path("places").read_text(encoding="utf-8"))
    assert {f["properties"]["id"] for f in doc["features"]} == set(bundled.G.nodes)
    for n, d in bundled.G.nodes(data=True):
        assert bundled.G.degree(n) >= 1, n
        assert x0 <= d["x"] <= x1 and y0 <= d["y"] <= y1, n
    assert nx.is_connected(bundled.G)


def test_required_places_present(bundled: kr.RoadModel) -> None:
    for name in ["Yerevan", "Goris", "Tegh", "Kornidzor", "Hakari bridge", "Aghavno", "Zabukh", "Lachin", "Berdzor",
                 "Mets Shen", "Shusha", "Shushi", "Dashalty", "Khankendi", "Stepanakert", "Khojaly", "Ivanyan",
                 "Askeran", "Asgaran", "Aghdam", "Agdam", "Barda", "Yevlakh", "Xankəndi", "Şuşa", "Laçın"]:
        bundled.place(name)


@pytest.mark.parametrize(("a", "b"), NAMED_PAIRS)
def test_both_names_resolve_to_one_place(bundled: kr.RoadModel, a: str, b: str) -> None:
    assert bundled.place(a).id == bundled.place(b).id


def test_segments_are_schematic_but_shaped(bundled: kr.RoadModel) -> None:
    for _, _, k, d in bundled.G.edges(keys=True, data=True):
        assert len(d["geometry"].coords) >= 3, f"{k} is a straight line between its ends"
        assert 0.5 < d["length_km"] < 400, k


def test_routes_cover_the_three_roads(bundled: kr.RoadModel) -> None:
    routes = kr.routes_of(bundled.G)
    assert {"lachin_corridor", "aghdam_road", "barda_aghdam_road"} <= set(routes)
    corridor = routes["lachin_corridor"]
    assert [a.start.text for a in corridor.alignments] == ["2020-11-10", "2022-08-30", "2023-04-01"]


def test_all_traffic_classes_and_types_used(bundled: kr.RoadModel) -> None:
    used_types = {e.type for e in bundled.ledger.events}
    assert {"closure", "opening", "passage"} <= used_types
    used = {c for e in bundled.ledger.events for c in (*e.classes, *e.allowed)}
    assert used == set(kr.TRAFFIC_CLASSES)
