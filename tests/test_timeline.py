"""Engine semantics on the fixture network: boundaries, overlaps, disagreement, passages, uncertainty."""

from __future__ import annotations

import datetime as dt

import pytest

import karabakh_routes as kr


def cs(m: kr.RoadModel, seg: str, cls: str, day: str, view: str = "consensus") -> kr.ClassStatus:
    return m.timeline.class_status(seg, cls, on=day, view=view)


@pytest.mark.parametrize(
    ("day", "civilian", "humanitarian"),
    [
        ("2019-12-31", "unknown", "unknown"),  # before any claim
        ("2020-01-01", "open", "open"),  # E1 starts
        ("2021-02-28", "open", "open"),  # day before E2
        ("2021-03-01", "closed", "open"),  # E2 restriction: only humanitarian
        ("2021-03-02", "closed", "open"),
        ("2021-03-10", "closed", "open"),  # last day of E2 (end inclusive)
        ("2021-03-11", "disputed", "open"),  # E2 ended: X reverts to open, Y (E3) says closed for civilians
    ],
)
def test_boundaries_on_mid_east(fixture_model: kr.RoadModel, day: str, civilian: str, humanitarian: str) -> None:
    assert cs(fixture_model, "mid__east", "civilian", day).status == civilian
    assert cs(fixture_model, "mid__east", "humanitarian", day).status == humanitarian


def test_claim_with_end_reverts_to_previous_state(fixture_model: kr.RoadModel) -> None:
    # west__mid is only claimed by X: E1 open, E2 restricted 03-01..03-10, then open again
    assert cs(fixture_model, "west__mid", "civilian", "2021-03-10").status == "closed"
    after = cs(fixture_model, "west__mid", "civilian", "2021-03-11")
    assert after.status == "open"
    assert [c.event for c in after.claims] == ["E1"]


def test_disputed_lists_each_side(fixture_model: kr.RoadModel) -> None:
    st = cs(fixture_model, "mid__east", "civilian", "2021-03-11")
    assert dict(st.by_claimant) == {"X": "open", "Y": "closed"}
    assert {c.claimant for c in st.claims} == {"X", "Y"}
    quote = next(c.quote for c in st.claims if c.claimant == "Y")
    assert quote == "the road was closed to all traffic"


@pytest.mark.parametrize(("view", "expected"), [
    ("consensus", "disputed"), ("strict", "closed"), ("lenient", "open"),
    ("claimant:X", "open"), ("claimant:y", "closed"), ("source:A1", "closed"), ("source:S1", "open"), ("Y", "closed"),
])
def test_views(fixture_model: kr.RoadModel, view: str, expected: str) -> None:
    assert cs(fixture_model, "mid__east", "civilian", "2021-03-11", view).status == expected


def test_unknown_view_lists_choices(fixture_model: kr.RoadModel) -> None:
    with pytest.raises(kr.ViewError, match="consensus, strict, lenient"):
        cs(fixture_model, "mid__east", "civilian", "2021-03-11", "majority")
    with pytest.raises(kr.ViewError, match="Known claimants: X, Y"):
        cs(fixture_model, "mid__east", "civilian", "2021-03-11", "claimant:Z")


@pytest.mark.parametrize(("day", "expected", "n_passages"), [
    ("2021-03-19", "open", 0), ("2021-03-20", "open", 1), ("2021-03-21", "open", 0),
])
def test_passage_only_on_its_day(fixture_model: kr.RoadModel, day: str, expected: str, n_passages: int) -> None:
    st = cs(fixture_model, "mid__east", "humanitarian", day, view="claimant:Y")
    # Y makes no humanitarian state claim; its passage is the only evidence, on its day only
    assert len(st.passages) == n_passages
    assert st.status == ("open" if n_passages else "unknown")


def test_passage_overrides_closed_standing_state(fixture_model: kr.RoadModel) -> None:
    # Under strict, X's restriction (humanitarian allowed) ... but we check the civilian-closed Y claim:
    st = cs(fixture_model, "mid__east", "civilian", "2021-03-20", "claimant:Y")
    assert st.status == "closed"  # the passage was humanitarian, not civilian


def test_route_targets_follow_alignments(fixture_model: kr.RoadModel) -> None:
    # E1 targets the corridor: old alignment until 2021-06-30, new from 2021-07-01
    assert cs(fixture_model, "west__mid", "medical", "2021-06-30").status == "open"
    assert cs(fixture_model, "west__mid", "medical", "2021-07-01").status == "unknown"
    assert cs(fixture_model, "west__south", "medical", "2021-06-30").status == "unknown"
    assert cs(fixture_model, "west__south", "medical", "2021-07-01").status == "open"


@pytest.mark.parametrize(("day", "status", "uncertain"), [
    ("2021-05-08", "unknown", False), ("2021-05-09", "unknown", True), ("2021-05-10", "closed", True),
    ("2021-05-11", "closed", True), ("2021-05-12", "closed", False),
])
def test_uncertain_dates_are_answered_and_flagged(fixture_model: kr.RoadModel, day: str, status: str, uncertain: bool) -> None:
    st = cs(fixture_model, "east__far", "civilian", day)
    assert (st.status, st.uncertain) == (status, uncertain)


def test_change_points_are_sorted_and_cover_boundaries(fixture_model: kr.RoadModel) -> None:
    pts = fixture_model.timeline.change_points()
    assert pts == sorted(set(pts))
    for d in ["2020-01-01", "2021-03-01", "2021-03-11", "2021-03-20", "2021-03-21", "2021-05-09", "2021-05-12", "2021-07-01"]:
        assert dt.date.fromisoformat(d) in pts


def test_status_frame_contract(fixture_model: kr.RoadModel) -> None:
    gdf = fixture_model.status(on="2021-03-11")
    assert list(gdf.index) == ["west__mid", "west__south", "mid__east", "south__east", "east__far"]
    assert gdf.crs.to_string() == "EPSG:4326"
    row = gdf.loc["mid__east"]
    assert row["status"] == "disputed" and bool(row["disputed"])
    assert row["civilian"] == "disputed" and row["humanitarian"] == "open"
    assert {c["event"] for c in row["claims"]} == {"E1", "E3"}
    assert gdf.loc["west__mid", "status"] == "open"


@pytest.mark.parametrize("traffic", [None, "civilian", "humanitarian"])
@pytest.mark.parametrize("day", ["2020-12-01", "2022-12-12", "2023-07-20", "2023-09-20", "2023-10-05"])
def test_status_frame_is_each_segments_class_status(bundled: kr.RoadModel, day: str, traffic: str | None) -> None:
    """Every row of the frame says what :meth:`class_status` says of its segment, class by class.

    The frame finds the evidence of the classes asked about in arrays, fills the rows with
    nothing behind them without looking further, and takes the other classes' statuses from
    the vectorised snapshot: the rows must not tell.
    """
    tl = bundled.timeline
    gdf = tl.status(on=day, traffic=traffic)
    assert list(gdf.index) == tl.segments and list(gdf["segment"]) == tl.segments
    focus = [traffic] if traffic else list(kr.TRAFFIC_CLASSES)
    bare = 0
    for seg in tl.segments:
        row = gdf.loc[seg]
        per = {c: tl.class_status(seg, c, on=day) for c in kr.TRAFFIC_CLASSES}
        assert {c: row[c] for c in kr.TRAFFIC_CLASSES} == {c: cs.status for c, cs in per.items()}, seg
        if traffic:
            assert row["status"] == per[traffic].status
        else:
            assert row["status"] == kr.timeline.overall_status(cs.status for cs in per.values())
        for column, of in (("claims", "claims"), ("passages", "passages"), ("basis", "basis")):
            expected: dict[str, list[str]] = {}
            for c in focus:
                for cl in getattr(per[c], of):
                    expected.setdefault(cl.event, []).append(c)
            assert {e["event"]: e["traffic"] for e in row[column]} == expected, (seg, column)
        assert bool(row["disputed"]) == any(per[c].status == "disputed" for c in focus)
        assert bool(row["uncertain"]) == any(per[c].uncertain for c in focus)
        assert bool(row["carried"]) == any(per[c].carried for c in focus)
        ages = [per[c].evidence_age_days for c in focus if per[c].evidence_age_days is not None]
        assert row["evidence_age_days"] == (min(ages) if ages else None)
        bare += not row["claims"] and not row["basis"]
        row["claims"].append("mutated")  # each row's lists are its own
    assert bare and bare < len(tl.segments)  # both kinds of row were made
    assert all(c.count("mutated") == 1 for c in gdf["claims"])  # no list shared between rows


def test_overall_status_rules() -> None:
    assert kr.overall_status(["open"] * 4) == "open"
    assert kr.overall_status(["closed"] * 4) == "closed"
    # some classes claimed, the others not: say so rather than "closed" or "open" for all traffic
    assert kr.overall_status(["closed", "closed", "unknown", "closed"]) == "partly_closed"
    assert kr.overall_status(["unknown", "open", "unknown", "unknown"]) == "partly_open"
    assert kr.overall_status(["unknown", "open", "closed", "unknown"]) == "restricted"
    assert kr.overall_status(["closed", "open", "closed", "closed"]) == "restricted"
    assert kr.overall_status(["unknown"] * 4) == "unknown"
    assert kr.overall_status(["open", "disputed", "open", "open"]) == "disputed"


def test_base_graph_never_mutated(fixture_model: kr.RoadModel) -> None:
    import networkx as nx
    before = nx.node_link_data(fixture_model.G, edges="edges")
    graph_attrs = dict(fixture_model.G.graph)
    fixture_model.status(on="2021-03-11")
    fixture_model.reach("west", "east", on="2021-03-11")
    fixture_model.periods("west", "far", start="2020-01-01", end="2022-01-01")
    assert nx.node_link_data(fixture_model.G, edges="edges") == before
    assert fixture_model.G.graph == graph_attrs


def test_bad_traffic_class_lists_valid(fixture_model: kr.RoadModel) -> None:
    with pytest.raises(kr.TrafficError, match="civilian, humanitarian, medical, peacekeepers"):
        cs(fixture_model, "mid__east", "tourists", "2021-03-11")
