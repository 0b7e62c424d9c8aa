"""Semantics v2 (docs/semantics.md): as-of dates, bounded carrying, passages, baselines, honest statuses.

Each test builds a small ledger on the fixture network with its own source dates, and checks
the day before, on and after every boundary the rule defines.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from conftest import EVENT_HEADER, SOURCES, write_fixture

import karabakh_routes as kr
from karabakh_routes.cli import main

HEADER = [*EVENT_HEADER, "as_of"]


def ledger(folder: Path, rows: list[list[str]], published: dict[str, str] | None = None) -> kr.RoadModel:
    """Load the fixture network with these event rows (13 or 14 cells) and these source dates."""
    files = write_fixture(folder, [])
    with open(files["events"], "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows([r + [""] * (len(HEADER) - len(r)) for r in rows])
    sources = [dict(s) for s in SOURCES]
    for s in sources:
        s["published"] = (published or {}).get(s["id"], "")
    with open(files["sources"], "w", newline="", encoding="utf-8") as fh:
        dw = csv.DictWriter(fh, fieldnames=list(SOURCES[0]))
        dw.writeheader()
        dw.writerows(sources)
    return kr.load(**{k: str(v) for k, v in files.items()})


def ev(eid: str, start: str, target: str, kind: str, status: str = "", *, end: str = "", traffic: str = "",
       allowed: str = "", direction: str = "", claimant: str = "X", source: str = "S1", as_of: str = "") -> list[str]:
    return [eid, start, end, target, kind, status, traffic, allowed, direction, claimant, source, "", "", as_of]


def cs(m: kr.RoadModel, day: str, seg: str = "west__mid", cls: str = "civilian", **kw: object) -> kr.ClassStatus:
    return m.timeline.class_status(seg, cls, on=day, **kw)  # type: ignore[arg-type]


# -- 1. what a claim can know ---------------------------------------------------------------

@pytest.fixture
def one_open_claim(tmp_path: Path) -> kr.RoadModel:
    """X, in a source published 2021-01-01, says the corridor is open from 2021-01-01, no end."""
    return ledger(tmp_path, [ev("E1", "2021-01-01", "corridor", "opening", "open")], {"S1": "2021-01-01"})


@pytest.mark.parametrize(("day", "status", "carried", "age"), [
    ("2020-12-31", "unknown", False, None),  # before the claim
    ("2021-01-01", "open", False, 0),  # attested: its as-of date
    ("2021-01-02", "open", True, 1),  # carried from here
    ("2021-01-20", "open", True, 19),
    ("2021-01-31", "open", True, 30),  # the last day of the 30-day horizon
    ("2021-02-01", "unknown", False, None),  # past the horizon: the source says nothing about this day
])
def test_a_claim_is_carried_for_the_horizon_only(one_open_claim: kr.RoadModel, day: str, status: str, carried: bool,
                                                 age: int | None) -> None:
    st = cs(one_open_claim, day)
    assert (st.status, st.carried, st.evidence_age_days) == (status, carried, age)
    if status == "open":
        (claim,) = st.basis
        assert claim.as_of == "2021-01-01" and claim.carried is carried and claim.age_days == age


def test_horizon_is_a_view_option(one_open_claim: kr.RoadModel) -> None:
    assert cs(one_open_claim, "2021-06-01", horizon=None).status == "open"
    assert cs(one_open_claim, "2021-06-01", horizon=None).evidence_age_days == 151
    assert cs(one_open_claim, "2021-01-02", horizon=0).status == "unknown"
    assert cs(one_open_claim, "2021-01-08", horizon=7).status == "open"
    assert cs(one_open_claim, "2021-01-09", horizon=7).status == "unknown"
    view = kr.parse_view("consensus", horizon=7)
    assert cs(one_open_claim, "2021-01-09", view=view).status == "unknown"
    assert kr.DEFAULT_HORIZON == 30
    with pytest.raises(kr.ViewError, match="whole number of days"):
        cs(one_open_claim, "2021-01-09", horizon="soon")


def test_the_documented_default_horizon_is_the_code_default(capsys: pytest.CaptureFixture[str]) -> None:
    doc = (Path(__file__).parents[1] / "docs" / "semantics.md").read_text(encoding="utf-8")
    assert f"**The default is {kr.DEFAULT_HORIZON} days.**" in doc
    with pytest.raises(SystemExit):
        main(["reach", "--help"])
    assert f"(default {kr.DEFAULT_HORIZON}," in " ".join(capsys.readouterr().out.split())


def test_change_points_include_the_day_a_claim_turns_carried_and_the_day_after_the_horizon(
        one_open_claim: kr.RoadModel) -> None:
    points = [d.isoformat() for d in one_open_claim.timeline.change_points()]
    assert points == ["2021-01-01", "2021-01-02", "2021-02-01"]
    # without a bound the claim reaches the corridor's next alignment (2021-07-01) too
    assert [d.isoformat() for d in one_open_claim.timeline.change_points(horizon=None)] == [
        "2021-01-01", "2021-01-02", "2021-07-01"]


def test_as_of_column_overrides_the_publication_date(tmp_path: Path) -> None:
    m = ledger(tmp_path, [ev("E1", "2021-03-01", "corridor", "closure", "closed", as_of="2021-03-10")],
               {"S1": "2021-04-01"})
    assert cs(m, "2021-03-10").carried is False
    assert cs(m, "2021-03-11").carried is True and cs(m, "2021-03-11").evidence_age_days == 1
    assert cs(m, "2021-04-09").status == "closed" and cs(m, "2021-04-10").status == "unknown"


def test_an_undated_source_attests_only_the_day_it_speaks_of(tmp_path: Path) -> None:
    m = ledger(tmp_path, [ev("E1", "2021-03-01", "corridor", "closure", "closed")])
    assert cs(m, "2021-03-01").carried is False
    assert cs(m, "2021-03-02").carried is True
    assert cs(m, "2021-03-31").status == "closed" and cs(m, "2021-04-01").status == "unknown"


def test_a_month_precise_publication_counts_from_its_first_day(tmp_path: Path) -> None:
    m = ledger(tmp_path, [ev("E1", "2021-03-01", "corridor", "closure", "closed")], {"S1": "2021-03"})
    assert m.timeline.as_of("E1").isoformat() == "2021-03-01"


def test_an_end_past_the_as_of_date_is_a_forecast(tmp_path: Path) -> None:
    m = ledger(tmp_path, [ev("E1", "2021-03-05", "corridor", "closure", "closed", end="2021-03-20")],
               {"S1": "2021-03-01"})
    assert cs(m, "2021-03-04").status == "unknown"
    for day in ("2021-03-05", "2021-03-20"):
        st = cs(m, day)
        assert st.status == "closed" and st.basis[0].forecast and not st.basis[0].carried
    assert cs(m, "2021-03-21").status == "unknown"


def test_the_same_claimants_next_claim_ends_the_carrying(tmp_path: Path) -> None:
    m = ledger(tmp_path, [ev("E1", "2021-01-01", "corridor", "opening", "open"),
                          ev("E2", "2021-01-10", "corridor", "closure", "closed", source="S2")],
               {"S1": "2021-01-01", "S2": "2021-01-10"})
    assert cs(m, "2021-01-09").status == "open"
    assert [c.event for c in cs(m, "2021-01-10").basis] == ["E2"]


# -- 2. passages and newer evidence --------------------------------------------------------

@pytest.fixture
def passage_day(tmp_path: Path) -> kr.RoadModel:
    """Y says the road is closed (attested through May); X reports a convoy that passed on 2021-03-20."""
    return ledger(tmp_path, [
        ev("E1", "2021-03-01", "mid__east", "closure", "closed", claimant="Y", source="S2"),
        ev("E2", "2021-03-20", "mid__east", "passage", allowed="humanitarian", claimant="X"),
    ], {"S1": "2021-03-20", "S2": "2021-05-01"})


@pytest.mark.parametrize(("view", "answer"), [("consensus", "disputed"), ("lenient", "open"), ("strict", "closed"),
                                              ("claimant:X", "open"), ("claimant:Y", "closed")])
def test_a_passage_never_overrides_a_standing_contrary_claim_in_silence(passage_day: kr.RoadModel, view: str,
                                                                         answer: str) -> None:
    st = cs(passage_day, "2021-03-20", seg="mid__east", cls="humanitarian", view=view)
    assert st.status == answer
    if view == "consensus":
        assert {(c.event, c.kind) for c in st.basis} == {("E1", "claim"), ("E2", "passage")}


def test_a_passage_counts_on_its_day_only(passage_day: kr.RoadModel) -> None:
    for day in ("2021-03-19", "2021-03-21"):
        assert cs(passage_day, day, seg="mid__east", cls="humanitarian").status == "closed"


def test_a_carried_claim_gives_way_to_a_newer_contrary_report(tmp_path: Path) -> None:
    m = ledger(tmp_path, [
        ev("E1", "2021-01-01", "corridor", "closure", "closed", claimant="X", source="S1"),  # as of 01-01, carried
        ev("E2", "2021-01-05", "corridor", "opening", "open", claimant="Y", source="S2"),  # a change X could not know
    ], {"S1": "2021-01-01", "S2": "2021-01-05"})
    st = cs(m, "2021-01-10")
    assert st.status == "open"
    assert [c.event for c in st.basis] == ["E2"] and [c.event for c in st.decision.set_aside] == ["E1"]
    row = m.status(on="2021-01-10").loc["west__mid"]
    assert [c["event"] for c in row["set_aside"]] == ["E1"]


def test_a_carried_claim_stays_set_aside_after_a_one_day_report(tmp_path: Path) -> None:
    """A passage on 01-05 shows the road passable after X's as-of date: X's closure is not carried past it."""
    m = ledger(tmp_path, [
        ev("E1", "2021-01-01", "corridor", "closure", "closed", claimant="X", source="S1"),
        ev("E2", "2021-01-05", "corridor", "passage", allowed="civilian", claimant="Y", source="S2"),
    ], {"S1": "2021-01-01", "S2": "2021-01-05"})
    assert cs(m, "2021-01-04").status == "closed"
    assert cs(m, "2021-01-05").status == "open"
    after = cs(m, "2021-01-06")
    assert after.status == "unknown" and [c.event for c in after.decision.set_aside] == ["E1"]


def test_a_claim_its_source_still_attests_is_never_set_aside(tmp_path: Path) -> None:
    m = ledger(tmp_path, [
        ev("E1", "2021-01-01", "corridor", "closure", "closed", claimant="X", source="S1"),
        ev("E2", "2021-01-05", "corridor", "opening", "open", claimant="Y", source="S2"),
    ], {"S1": "2021-02-01", "S2": "2021-01-05"})
    st = cs(m, "2021-01-10")
    assert st.status == "disputed" and st.decision.set_aside == ()


@pytest.mark.parametrize(("end", "status", "aside"), [
    ("", "disputed", []),  # E2 in force: it counts from its start, 06-01, which X could know of
    ("2021-07-03", "unknown", ["E1"]),  # E2 over: it counts from its start on the segment, 07-01
])
def test_a_report_on_a_route_that_reached_the_segment_later(tmp_path: Path, end: str, status: str,
                                                             aside: list[str]) -> None:
    """The corridor runs over west__south from 2021-07-01 only: Y's opening of the corridor from 06-01 starts there later.

    X's closure of west__south is as of 06-10 (carried on 07-05, within the horizon). A report
    in force counts from its own start; one no longer in force, from its start on the segment
    (docs/semantics.md section 2). Every way of asking (the segment's status, the status
    table, the vectorised codes, a trip, the reference engine) gives the same answer.
    """
    m = ledger(tmp_path, [
        ev("E1", "2021-06-10", "west__south", "closure", "closed", claimant="X", source="S1"),
        ev("E2", "2021-06-01", "corridor", "opening", "open", end=end, claimant="Y", source="S2"),
    ], {"S1": "2021-06-10", "S2": "2021-08-01"})
    day = "2021-07-05"
    st = cs(m, day, seg="west__south")
    assert st.status == status and [c.event for c in st.decision.set_aside] == aside
    assert m.status(on=day, traffic="civilian").loc["west__south", "status"] == status
    assert m.timeline.status_codes(on=day, traffic="civilian")["west__south"] == status
    ref = kr.Timeline(m.G, m.ledger, engine="reference")
    assert ref.class_status("west__south", "civilian", on=day).status == status
    fast, slow = kr.reach(m.timeline, "west", "south", on=day), kr.reach(ref, "west", "south", on=day)
    assert fast.answer == status and fast.segments == ["west__south"]
    assert fast.to_dict() == slow.to_dict()


def test_an_older_report_does_not_set_aside_a_carried_claim(tmp_path: Path) -> None:
    """Y restates a state that started before X's as-of date: X could know it, so both stand."""
    m = ledger(tmp_path, [
        ev("E1", "2021-01-10", "corridor", "closure", "closed", claimant="X", source="S1"),
        ev("E2", "2021-01-05", "corridor", "opening", "open", claimant="Y", source="S2"),
    ], {"S1": "2021-01-10", "S2": "2021-01-20"})
    assert cs(m, "2021-01-15").status == "disputed"


# -- 3. one-way claims -----------------------------------------------------------------------

def test_a_one_way_claim_says_nothing_about_the_other_direction(tmp_path: Path) -> None:
    m = ledger(tmp_path, [ev("E1", "2021-01-01", "corridor", "opening", "open", direction="west")],
               {"S1": "2021-01-01"})
    assert m.reach("east", "west", on="2021-01-02").answer == "yes"
    away = m.reach("west", "east", on="2021-01-02")
    assert away.answer == "unknown" and away.basis == []


# -- 4. baselines ----------------------------------------------------------------------------

@pytest.fixture
def with_baseline(tmp_path: Path) -> kr.RoadModel:
    return ledger(tmp_path, [
        ev("B1", "2020-01-01", "tail", "baseline", "open", end="2022-12-31", claimant="dataset baseline", source="S2"),
        ev("E1", "2021-03-01", "tail", "closure", "closed", claimant="X", source="S1"),
    ], {"S1": "2021-03-01", "S2": "2021-01-01"})


@pytest.mark.parametrize(("day", "status", "used"), [
    ("2021-02-28", "open", True),  # no claim: the baseline applies, and is named
    ("2021-03-01", "closed", False),  # a claim: the baseline steps aside, never disputes
    ("2021-03-31", "closed", False),  # X carried to the end of its horizon
    ("2021-04-01", "open", True),  # past X's horizon: back to the baseline
])
def test_a_baseline_applies_only_where_no_claim_does(with_baseline: kr.RoadModel, day: str, status: str,
                                                     used: bool) -> None:
    st = cs(with_baseline, day, seg="east__far")
    assert st.status == status
    assert any(c.kind == "baseline" for c in st.basis) is used
    if used:
        assert st.evidence_age_days is None and st.basis[0].assumption().startswith("B1: assumed open")


def test_a_baseline_is_named_in_the_answer_and_holds_in_a_claimant_view(with_baseline: kr.RoadModel) -> None:
    r = with_baseline.reach("east", "far", on="2021-02-01", view="claimant:X")  # X says nothing before March
    assert r.answer == "yes" and [b["kind"] for b in r.basis] == ["baseline"]
    assert r.assumptions and "dataset baseline" in r.assumptions[0]


def test_baseline_rows_need_the_baseline_claimant(tmp_path: Path) -> None:
    with pytest.raises(kr.DataError, match="'dataset baseline' for a baseline row"):
        ledger(tmp_path, [ev("B1", "2020-01-01", "tail", "baseline", "open", claimant="X")])
    with pytest.raises(kr.DataError, match="reserved for rows of type baseline"):
        ledger(tmp_path, [ev("E1", "2020-01-01", "tail", "closure", "closed", claimant="dataset baseline")])


# -- 5. honest overall status ----------------------------------------------------------------

def test_open_for_all_traffic_needs_every_class(tmp_path: Path) -> None:
    m = ledger(tmp_path, [ev("E1", "2021-01-01", "tail", "passage", allowed="humanitarian")], {"S1": "2021-01-01"})
    row = m.status(on="2021-01-01").loc["east__far"]
    assert row["status"] == "partly_open" and row["humanitarian"] == "open" and row["civilian"] == "unknown"
    page = m.map(on="2021-01-01").get_root().render()
    assert "open for some classes, no claim about the others" in page


# -- 6. every answer names its basis ---------------------------------------------------------

def test_periods_carry_their_basis_and_the_age_at_their_last_day(one_open_claim: kr.RoadModel) -> None:
    ps = one_open_claim.periods("west", "east", start="2021-01-01", end="2021-02-10")
    assert [(p.start.isoformat(), p.end.isoformat(), p.answer) for p in ps] == [
        ("2021-01-01", "2021-01-31", "yes"), ("2021-02-01", "2021-02-10", "unknown")]
    assert ps[0].carried and ps[0].evidence_age_days == 30 and [b["event"] for b in ps[0].basis] == ["E1"]
    assert ps[1].basis == [] and ps[1].evidence_age_days is None


def test_json_contract_of_status_reach_and_periods(one_open_claim: kr.RoadModel, capsys: pytest.CaptureFixture[str],
                                                  tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    m = ledger(folder, [ev("E1", "2021-01-01", "corridor", "opening", "open")], {"S1": "2021-01-01"})
    del m
    args = [f"--{k}={folder / f}" for k, f in [("places", "places.geojson"), ("segments", "segments.geojson"),
                                                  ("routes", "routes.json"), ("events", "events.csv"),
                                                  ("sources", "sources.csv")]]
    assert main(["status", "--on", "2021-01-20", "--json", *args]) == 0
    row = next(r for r in json.loads(capsys.readouterr().out) if r["segment"] == "west__mid")
    assert row["carried"] is True and row["evidence_age_days"] == 19 and row["basis"][0]["age_days"] == 19
    assert main(["reach", "west", "east", "--on", "2021-01-20", "--json", *args]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["answer"] == "yes" and doc["carried"] is True and doc["evidence_age_days"] == 19
    assert doc["basis"][0]["segments"] == ["west__mid", "mid__east"] and "carried forward 19 day(s)" in doc["assumptions"][0]
    assert main(["reach", "west", "east", "--on", "2021-06-01", "--horizon", "none", "--json", *args]) == 0
    assert json.loads(capsys.readouterr().out)["answer"] == "yes"
    assert main(["periods", "west", "east", "--from", "2021-01-01", "--to", "2021-02-05", "--horizon", "10", "--json",
                 *args]) == 0
    assert [p["end"] for p in json.loads(capsys.readouterr().out)] == ["2021-01-11", "2021-02-05"]
    assert main(["reach", "west", "east", "--on", "2021-01-20", "--horizon", "soon", *args]) == 2
    assert "whole number of days" in capsys.readouterr().err


def test_text_output_says_what_is_carried(one_open_claim: kr.RoadModel, capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    ledger(folder, [ev("E1", "2021-01-01", "corridor", "opening", "open")], {"S1": "2021-01-01"})
    args = [f"--events={folder / 'events.csv'}", f"--sources={folder / 'sources.csv'}", f"--places={folder / 'places.geojson'}",
            f"--segments={folder / 'segments.geojson'}", f"--routes={folder / 'routes.json'}"]
    assert main(["reach", "west", "east", "--on", "2021-01-20", *args]) == 0
    out = capsys.readouterr().out
    assert re.search(r"carried 19 day\(s\) past its source's date 2021-01-01", out)
