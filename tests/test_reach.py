"""Reachability and periods on the fixture network."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest

import karabakh_routes as kr


def test_yes_takes_shortest_open_path(fixture_model: kr.RoadModel) -> None:
    r = fixture_model.reach("West", "East City / Şərq", on="2021-02-01")
    assert r.answer == "yes" and bool(r)
    assert r.path == ["west", "mid", "east"]
    assert r.segments == ["west__mid", "mid__east"]
    assert r.length_km == pytest.approx(sum(fixture_model.G.edges[u, v, k]["length_km"]
                                            for u, v, k in [("west", "mid", "west__mid"), ("mid", "east", "mid__east")]))
    assert {c["event"] for c in r.claims} == {"E1"}


def test_no_names_blocking_segments_and_claims(fixture_model: kr.RoadModel) -> None:
    # 2021-03-05: civilians closed on west__mid and mid__east (X); south is unknown -> unknown path exists
    r = fixture_model.reach("west", "east", on="2021-03-05", view="claimant:X")
    # with one claimant only the southern route is unknown
    assert r.answer == "unknown"
    assert r.unknown == ["west__south", "south__east"] and r.path == ["west", "south", "east"]
    r2 = fixture_model.reach("west", "far", on="2021-05-12", traffic="humanitarian")
    assert r2.answer == "no"
    assert r2.path is None and r2.length_km is None
    assert r2.blocked_by == ["east__far"]
    assert [c["event"] for c in r2.claims] == ["E5"]


def test_disputed_answer(fixture_model: kr.RoadModel) -> None:
    r = fixture_model.reach("west", "east", on="2021-03-11")
    assert r.answer == "disputed"
    assert r.disputed == ["mid__east"] and r.unknown == []
    assert {c["claimant"] for c in r.claims if "mid__east" in c["segments"]} == {"X", "Y"}


def test_reach_accepts_aliases_and_dates(fixture_model: kr.RoadModel) -> None:
    a = fixture_model.reach("batı", "SHARQ", on=dt.date(2021, 2, 1))
    b = fixture_model.reach("west", "east", on="2021-02-01")
    assert a.to_dict() == b.to_dict()


def test_unknown_place_suggests(fixture_model: kr.RoadModel) -> None:
    with pytest.raises(kr.PlaceNotFoundError) as info:
        fixture_model.reach("Wset", "east", on="2021-02-01")
    assert "West" in str(info.value)


def test_bad_date_lists_format(fixture_model: kr.RoadModel) -> None:
    with pytest.raises(kr.DateError, match="YYYY-MM-DD"):
        fixture_model.reach("west", "east", on="2021-02-30")
    with pytest.raises(kr.DateError, match="YYYY-MM-DD"):
        fixture_model.reach("west", "east", on="01/02/2021")


def test_periods_cover_range_and_merge(fixture_model: kr.RoadModel) -> None:
    ps = fixture_model.periods("west", "far", start="2020-06-01", end="2021-08-01", traffic="humanitarian")
    assert ps[0].start == dt.date(2020, 6, 1) and ps[-1].end == dt.date(2021, 8, 1)
    for a, b in zip(ps, ps[1:]):
        assert b.start == a.end + dt.timedelta(days=1)
        assert a.answer != b.answer
    assert [(p.start.isoformat(), p.answer) for p in ps] == [("2020-06-01", "unknown"), ("2021-05-10", "no")]
    assert ps[1].uncertain  # the approximate start is flagged


def test_periods_match_daily_answers(fixture_model: kr.RoadModel) -> None:
    """Every day's reach answer equals the answer of the period containing it (brute force check)."""
    ps = fixture_model.periods("west", "east", start="2021-02-25", end="2021-07-05", traffic="civilian")
    for p in ps:
        day = p.start
        while day <= p.end:
            assert fixture_model.reach("west", "east", on=day).answer == p.answer, day
            day += dt.timedelta(days=1)


def test_periods_reject_inverted_range(fixture_model: kr.RoadModel) -> None:
    with pytest.raises(kr.DateError, match="before it starts"):
        fixture_model.periods("west", "east", start="2021-05-01", end="2021-04-01")


def test_one_way_claims_only_count_in_their_direction(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from conftest import write_fixture
    rows = [
        ["E1", "2021-01-01", "", "mid__east|west__mid", "opening", "open", "", "", "west", "X", "S1", "", "one-way westward"],
        ["E2", "2021-01-01", "", "west__south|south__east", "closure", "closed", "", "", "", "X", "S1", "", ""],
        ["E3", "2021-02-01", "", "mid__east", "passage", "", "", "humanitarian", "east", "X", "S1", "", "convoy eastward"],
    ]
    m = kr.load(**{k: str(v) for k, v in write_fixture(tmp_path, rows).items()})
    assert m.reach("east", "west", on="2021-01-10").answer == "yes"
    # moving away from 'west': the one-way claim says nothing about that direction
    away = m.reach("west", "east", on="2021-01-10")
    assert away.answer == "unknown" and away.unknown == ["west__mid", "mid__east"]
    # the status map still shows the segment open (one-way), with the direction in the claim
    st = m.timeline.class_status("mid__east", "civilian", on="2021-01-10")
    assert st.status == "open" and st.claims[0].direction == "west"
    # a passage towards 'east' opens that direction on its day only, for its class
    r = m.reach("mid", "east", on="2021-02-01", traffic="humanitarian")
    assert r.answer == "yes" and [b["event"] for b in r.basis] == ["E3"]
    assert m.reach("mid", "east", on="2021-02-02", traffic="humanitarian").answer == "unknown"


def test_one_way_closure_the_other_way_is_its_own_row(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from conftest import write_fixture
    rows = [
        ["E1", "2021-01-01", "", "mid__east|west__mid", "opening", "open", "", "", "west", "X", "S1", "", "westward open"],
        ["E2", "2021-01-01", "", "mid__east|west__mid", "closure", "closed", "", "", "east", "Y", "S1", "", "eastward shut"],
        ["E3", "2021-01-01", "", "west__south|south__east", "closure", "closed", "", "", "", "X", "S1", "", ""],
    ]
    m = kr.load(**{k: str(v) for k, v in write_fixture(tmp_path, rows).items()})
    assert m.reach("east", "west", on="2021-01-10").answer == "yes"
    away = m.reach("west", "east", on="2021-01-10")
    assert away.answer == "no" and away.blocked_by and {b["event"] for b in away.basis} == {"E2"}


def test_a_one_way_road_the_wrong_way_sends_the_trip_round(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The short northern road is open one way only (towards 'west'): going east the trip takes the
    open southern road, until a second claimant says the northern road is open both ways.

    The default engine decides one-way roads only when a path crosses them (searching first as if
    each direction had the best status its claims allow): the answers, paths and claims must be
    those of the reference engine, which decides every road, on each day and over the range."""
    from conftest import write_fixture
    rows = [
        ["E1", "2021-01-01", "", "mid__east|west__mid", "opening", "open", "", "", "west", "X", "S1", "", "westward"],
        ["E2", "2021-01-01", "", "west__south|south__east", "opening", "open", "", "", "", "X", "S1", "", "open"],
        ["E3", "2021-03-01", "", "mid__east|west__mid", "opening", "open", "", "", "", "Y", "S1", "", "both ways"],
    ]
    m = kr.load(**{k: str(v) for k, v in write_fixture(tmp_path, rows).items()})
    ref = kr.Timeline(m.G, m.ledger, engine="reference")
    before = m.reach("west", "east", on="2021-02-28")
    assert before.answer == "yes" and before.path == ["west", "south", "east"]
    assert {c["event"] for c in before.claims} == {"E2"}
    after = m.reach("west", "east", on="2021-03-01")
    assert after.answer == "yes" and after.path == ["west", "mid", "east"]
    assert {c["event"] for c in after.claims} == {"E3"}  # X's westward claim says nothing going east
    assert m.reach("east", "west", on="2021-02-28").path == ["east", "mid", "west"]  # with the one-way claim
    for day in ("2020-12-31", "2021-01-01", "2021-02-28", "2021-03-01", "2021-03-02"):
        for a, b in (("west", "east"), ("east", "west"), ("south", "mid")):
            assert m.reach(a, b, on=day).to_dict() == kr.reach(ref, a, b, on=day).to_dict(), (a, b, day)
    for a in ("west", "east"):
        got = kr.periods_from(m.timeline, a, start="2020-12-01", end="2021-04-01")
        assert got == kr.periods_from(ref, a, start="2020-12-01", end="2021-04-01")
    ps = m.periods("west", "east", start="2020-12-01", end="2021-04-01")
    assert [(p.start.isoformat(), p.answer) for p in ps] == [("2020-12-01", "unknown"), ("2021-01-01", "yes")]
    assert {c["event"] for c in ps[1].basis} == {"E2", "E3"}  # the south road, then the north one


def test_path_prefers_fewest_unknown_segments(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from conftest import write_fixture
    # the short northern route has no claims at all; the long southern one is open except one unknown segment
    rows = [["E1", "2021-01-01", "", "west__south", "opening", "open", "", "", "", "X", "S1", "", ""]]
    m = kr.load(**{k: str(v) for k, v in write_fixture(tmp_path, rows).items()})
    r = m.reach("west", "east", on="2021-02-01")
    assert r.answer == "unknown"
    north = m.G.edges["west", "mid", "west__mid"]["length_km"] + m.G.edges["mid", "east", "mid__east"]["length_km"]
    assert r.path == ["west", "south", "east"] and r.length_km > north  # longer, but only one unknown segment
    assert r.unknown == ["south__east"]


def test_direction_distance_cache_stays_bounded(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The reference path keeps one distance table per (place, closed set), at most a bounded number:
    a range query must not grow memory per date (the default path computes them per query, no cache)."""
    import importlib
    reach_module = importlib.import_module("karabakh_routes.reach")
    monkeypatch.setattr(reach_module, "_DISTANCE_CACHE_SIZE", 3)
    m = kr.load()
    tl = kr.Timeline(m.G, m.ledger, engine="reference")
    kr.periods(tl, "Stepanakert", "Goris", start="2023-09-01", end="2023-10-31", traffic="civilian")
    kr.periods(tl, "Goris", "Stepanakert", start="2022-12-01", end="2023-10-31", traffic="civilian")
    assert 0 < len(reach_module._DISTANCES[m.G]) <= 3


def test_routing_arrays_list_the_edges_as_networkx_walks_them() -> None:
    # the routing arrays index segments as the timeline does (G.edges order): read from the
    # adjacency dicts, their order must be NetworkX's, with parallel edges, loops, edges added
    # from either end, and for a subclass of MultiGraph (read through G.edges)
    import networkx as nx

    from karabakh_routes import network as network_mod

    class Sub(nx.MultiGraph):  # type: ignore[type-arg]
        pass

    for cls in (nx.MultiGraph, Sub):
        G = cls()
        G.add_node("lonely")
        for n, (a, b) in enumerate([("a", "b"), ("b", "a"), ("c", "c"), ("b", "c"), ("d", "a"), ("a", "b"), ("c", "d")]):
            G.add_edge(a, b, key=f"s{n}", length_km=float(n + 1))
        index = {x: i for i, x in enumerate(G)}
        us, ws, keys, lengths, _ = network_mod._edges_of(G, index)
        want = list(G.edges(keys=True, data="length_km"))
        assert keys == [k for _, _, k, _ in want]
        assert [(index[a], index[b], ln) for a, b, _, ln in want] == list(zip(us, ws, lengths))
        edges = network_mod.edge_arrays(G)
        assert edges.keys == keys and edges.u.tolist() == us and edges.v.tolist() == ws
        tl = kr.Timeline(G, kr.Ledger(events=(), sources={}))
        assert tl.segments == keys
        assert tl._edge_rows() == list(G.edges(keys=True, data=True))


def test_load_lays_out_the_routing_before_the_first_question() -> None:
    # load() makes the routing arrays and the one-way events' places with the model (what a
    # first answer would otherwise pay for); a model over a graph without lengths still loads,
    # and routing over it raises as before
    import networkx as nx

    reach_mod = importlib.import_module("karabakh_routes.reach")
    model = kr.load()  # (a graph and timeline of its own: nothing asked of them yet)
    tl = model.timeline
    assert reach_mod._NETS.get(model.G) is reach_mod._net(tl.G, tl.segments, tl._edges)
    assert tl in reach_mod._PLACES_OF
    G = nx.MultiGraph()
    G.add_node("a", x=46.5, y=39.8)
    G.add_node("b", x=46.6, y=39.8)
    G.add_edge("a", "b", key="s1")
    m = kr.RoadModel(G, kr.Ledger(events=(), sources={}))
    assert G not in reach_mod._NETS
    with pytest.raises(KeyError, match="length_km"):
        kr.reach(m.timeline, "a", "b", on="2023-01-01")


@pytest.mark.parametrize("enabled", [True, False])
def test_queries_leave_the_garbage_collector_as_they_found_it(fixture_model: kr.RoadModel, enabled: bool,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # reach, reach_from and periods pause Python's cyclic collector while they work (a range at L
    # makes millions of short-lived objects, and a pass over the loaded ledger takes a third of
    # a second): after them, and after one that fails, it is as it was
    import gc

    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        tl = fixture_model.timeline
        kr.reach(tl, "west", "far", on="2021-05-12")
        kr.reach_from(tl, "west", on="2021-05-12")
        kr.periods(tl, "west", "far", start="2021-01-01", end="2021-06-30")
        assert gc.isenabled() is enabled
        reach_mod = importlib.import_module("karabakh_routes.reach")

        def fail(*args: object) -> None:
            raise RuntimeError("stop")

        monkeypatch.setattr(reach_mod._Runs, "add", fail)  # (fails in the middle of the range)
        with pytest.raises(RuntimeError, match="stop"):
            kr.periods(tl, "west", "far", start="2021-01-01", end="2021-06-30")
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


@pytest.mark.parametrize("engine", ["columnar", "reference"])
def test_periods_report_their_progress_day_by_day_visited(bundled: kr.RoadModel, engine: str) -> None:
    tl = bundled.timeline if engine == "columnar" else kr.Timeline(bundled.G, bundled.ledger, engine="reference")
    calls: list[tuple[int, int, object]] = []
    got = kr.periods(tl, "Goris", "Stepanakert", start="2022-11-01", end="2023-10-31", traffic="humanitarian",
                     progress=lambda done, total, day: calls.append((done, total, day)))
    assert got == kr.periods(tl, "Goris", "Stepanakert", start="2022-11-01", end="2023-10-31", traffic="humanitarian")
    total = calls[0][1]
    assert [c[0] for c in calls] == list(range(1, total + 1)) and {c[1] for c in calls} == {total}
    days = [c[2] for c in calls]
    assert days == sorted(days) and days[0].isoformat() == "2022-11-01" and total > 10
    assert {p.start for p in got} <= set(days)  # every period starts on a day visited


def test_cli_periods_shows_progress_on_a_terminal_only(capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    from karabakh_routes.cli import main

    args = ["periods", "Goris", "Stepanakert", "--from", "2023-06-01", "--to", "2023-09-30", "--traffic", "humanitarian"]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert "2023-06-01 .. " in out and "days where something may change" not in err

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    term = Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    assert main(args) == 0
    shown = term.getvalue()
    assert " days where something may change (2023-09-" in shown  # the last day is always shown
    assert shown.endswith("\r\x1b[2K")  # and the line cleared before the answer
    assert capsys.readouterr().out.count("2023-06-01 .. ") == 1
