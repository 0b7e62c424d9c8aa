"""Acceptance table: questions whose answers the sourced facts decide, answered from the bundled data.

Each row is a question a user would ask, the answer the facts file (``shared/facts/timeline.md``,
section B unless noted) supports, and the rows of ``events.csv`` that must decide it: they must
all be in the answer's basis. The default view and horizon apply unless the row names a view.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

import karabakh_routes as kr


@dataclass(frozen=True)
class Q:
    qid: str
    origin: str
    destination: str
    on: str
    traffic: str
    answer: str
    decided_by: tuple[str, ...]
    fact: str
    view: str = "consensus"


TABLE = [
    # 2020-2022: the corridor in use under the trilateral statement (assumed, no claim against it)
    Q("A01", "Goris", "Stepanakert", "2020-11-15", "civilian", "yes", ("E086", "E082"),
      "2020-11-14: peacekeepers escort returning civilians; nobody reports the corridor closed before Dec 2022"),
    Q("A02", "Stepanakert", "Goris", "2020-11-15", "peacekeepers", "yes", ("E086",), "2020-11-10/14: corridor under RPK"),
    Q("A03", "Goris", "Stepanakert", "2021-06-01", "civilian", "yes", ("E086", "E082"),
      "no source reports a closure in 2021 (issue: once 'unknown' for lack of a Goris–Tegh claim)"),
    Q("A04", "Stepanakert", "Goris", "2022-08-26", "civilian", "yes", ("E071",),
      "2022-08-25/26: old road still the route (open both ways, KA interior ministry)"),
    Q("A05", "Goris", "Stepanakert", "2022-09-01", "civilian", "yes", ("E008",),
      "2022-08-30 20:00: traffic moved to the new road"),
    # the blockade (C1: the sides disagree)
    Q("A06", "Goris", "Stepanakert", "2022-12-13", "civilian", "disputed", ("E010", "E011", "E012"),
      "C1: AM/KA blockade, no cars pass; AZ road open"),
    Q("A07", "Goris", "Stepanakert", "2022-12-13", "medical", "disputed", ("E010", "E013"),
      "C1: KA 'no ambulances pass'; AZ 980 vehicles incl. ICRC"),
    Q("A08", "Goris", "Stepanakert", "2022-12-13", "humanitarian", "yes", ("E013",),
      "2022-12-12: only RPK and ICRC passed (S21; seed 002)"),
    Q("A09", "Stepanakert", "Goris", "2022-12-13", "peacekeepers", "yes", ("E013",), "850+ RPK vehicles (seed 002)"),
    Q("A10", "Goris", "Stepanakert", "2023-01-10", "civilian", "yes", ("E012", "E083"),
      "C1, the Azerbaijani government's account (README example)", "claimant:Azerbaijani government"),
    Q("A11", "Goris", "Stepanakert", "2023-01-10", "civilian", "no", ("E010",),
      "C1, the Karabakh Armenian authorities' account", "claimant:Karabakh Armenian authorities"),
    Q("A12", "Goris", "Stepanakert", "2023-01-10", "civilian", "no", ("E014", "E015"), "C1 under the strict view",
      "strict"),
    Q("A13", "Goris", "Stepanakert", "2023-01-17", "civilian", "disputed", ("E012", "E014", "E015"),
      "issue 8 §5: a report of 26 civilians conveyed by peacekeepers decides nothing for civilians"),
    Q("A14", "Stepanakert", "Goris", "2023-01-17", "peacekeepers", "yes", ("E013",),
      "RPK vehicles used the road (seed 002)"),
    Q("A15", "Goris", "Stepanakert", "2023-02-23", "civilian", "no", ("E014", "E015"),
      "DW and Eurasianet: blockade since Dec 2022"),
    Q("A16", "Goris", "Stepanakert", "2023-04-02", "civilian", "no", ("E014", "E015"),
      "2023-04-01: the corridor now via Kornidzor and the Hakari bridge, still blockaded"),
    Q("A17", "Goris", "Stepanakert", "2023-04-24", "civilian", "disputed", ("E014", "E020"),
      "C2/C4: AZ checkpoint lets people cross; blockade per DW/Eurasianet"),
    # checkpoint period, medical and humanitarian
    Q("A18", "Stepanakert", "Goris", "2023-06-16", "medical", "no", ("E026", "E027"),
      "2023-06-15: all passage stopped, 25 ICRC patients turned back"),
    Q("A19", "Stepanakert", "Goris", "2023-06-26", "medical", "yes", ("E030",),
      "2023-06-25: ICRC evacuations resume (ICRC's account)", "claimant:ICRC"),
    Q("A20", "Goris", "Stepanakert", "2023-07-20", "humanitarian", "no", ("E075",),
      "2023-07-11: AZ suspends crossings"),
    Q("A21", "Goris", "Stepanakert", "2023-07-27", "humanitarian", "no", ("E037",),
      "2023-07-26: 19-truck convoy stopped before the checkpoint"),
    Q("A22", "Stepanakert", "Goris", "2023-08-08", "medical", "yes", ("E038",),
      "2023-08-08: next ICRC evacuation (KA account)", "claimant:Karabakh Armenian authorities"),
    Q("A23", "Yerevan", "Stepanakert", "2023-07-20", "humanitarian", "no", ("E075",),
      "a question from Yerevan is decided by the corridor, not by the approach road"),
    Q("A24", "Yerevan", "Goris", "2023-01-10", "civilian", "yes", ("E083",), "the Armenian approach, uncontested"),
    # the Aghdam road
    Q("A25", "Aghdam", "Stepanakert", "2021-06-01", "civilian", "no", ("E001", "E002", "E003"),
      "C8: shut since 1988 / the early 1990s"),
    Q("A26", "Aghdam", "Stepanakert", "2023-07-20", "humanitarian", "no", ("E035",),
      "2023-07-18: Askeran–Akna road closed with concrete blocks"),
    Q("A27", "Aghdam", "Stepanakert", "2023-08-30", "humanitarian", "no", ("E040",),
      "2023-08-29: Red Crescent trucks held at the RPK post"),
    Q("A28", "Aghdam", "Stepanakert", "2023-09-12", "humanitarian", "yes", ("E045", "E046", "E047"),
      "2023-09-12: Russian Red Cross truck enters from Aghdam"),
    Q("A29", "Aghdam", "Stepanakert", "2023-09-13", "humanitarian", "no", ("E053",),
      "C7: AZ says roads not opened (13 Sep)"),
    Q("A30", "Aghdam", "Stepanakert", "2023-09-18", "humanitarian", "yes", ("E058",),
      "2023-09-18: ICRC truck with medical goods via Aghdam"),
    # September 2023
    Q("A31", "Goris", "Stepanakert", "2023-09-18", "humanitarian", "yes", ("E057",),
      "2023-09-18: ICRC truck with 23 t of flour via Lachin"),
    Q("A32", "Goris", "Stepanakert", "2023-09-23", "humanitarian", "yes", ("E065",), "2023-09-23: ICRC ~70 t"),
    Q("A33", "Stepanakert", "Goris", "2023-09-23", "medical", "yes", ("E080",), "2023-09-23: 17 wounded evacuated"),
    Q("A34", "Stepanakert", "Goris", "2023-09-25", "civilian", "yes", ("E067",),
      "2023-09-24: first refugees reach Kornidzor; 100,417 arrivals by 30 Sep"),
    Q("A35", "Khankendi", "Kornidzor", "2023-09-30", "civilian", "yes", ("E067",), "2023-09-30: AM government count"),
    Q("A36", "Barda", "Aghdam", "2023-12-25", "civilian", "yes", ("E069",), "2023-12-24: new highway opened"),
    Q("A37", "Stepanakert", "Goris", "2024-04-22", "peacekeepers", "yes", ("E070",),
      "2024-04-22: RPK convoy leaves via the corridor into Armenia"),
]


@pytest.fixture(scope="module")
def bundled_model() -> kr.RoadModel:
    return kr.load()


def test_the_table_covers_what_the_issue_asks() -> None:
    assert len(TABLE) >= 30
    assert {q.traffic for q in TABLE} == set(kr.TRAFFIC_CLASSES)
    assert {q.on[:4] for q in TABLE} >= {"2020", "2021", "2022", "2023"}
    assert any(q.origin in ("Stepanakert", "Khankendi") for q in TABLE) and any(q.origin == "Goris" for q in TABLE)
    assert any(q.view.startswith("claimant:") for q in TABLE)
    assert len({q.qid for q in TABLE}) == len(TABLE)


@pytest.mark.parametrize("q", TABLE, ids=[f"{q.qid}-{q.origin}-{q.destination}-{q.on}-{q.traffic}" for q in TABLE])
def test_acceptance(bundled_model: kr.RoadModel, q: Q) -> None:
    r = bundled_model.reach(q.origin, q.destination, on=q.on, traffic=q.traffic, view=q.view)
    basis = {b["event"] for b in r.basis}
    assert r.answer == q.answer, f"{q.qid} ({q.fact}): {r.answer}, basis {sorted(basis)}"
    missing = set(q.decided_by) - basis
    assert not missing, f"{q.qid}: {sorted(missing)} should decide the answer; basis is {sorted(basis)}"
    assert r.basis, "every answer names its basis"


def test_the_journalists_question(bundled_model: kr.RoadModel) -> None:
    """When was Stepanakert cut off from Armenia for civilians, and when could people leave?"""
    into = bundled_model.periods("Goris", "Stepanakert", start="2022-12-01", end="2023-10-31", traffic="civilian")
    start, end = kr.to_date("2022-12-12"), kr.to_date("2023-09-23")
    blockade = [p for p in into if p.end >= start and p.start <= end]
    assert blockade[0].start == start, "cut off from 12 December 2022, not a day earlier or later"
    assert [p.answer for p in into if p.end < start] == ["yes"]
    assert {p.answer for p in blockade} <= {"no", "disputed"}, [(str(p.start), p.answer) for p in blockade]
    assert any(p.answer == "no" for p in blockade)
    assert all(p.basis for p in blockade), "each period names the claims behind it"
    out = bundled_model.periods("Stepanakert", "Goris", start="2023-09-01", end="2023-10-31", traffic="civilian")
    opening = next(p for p in out if p.start.isoformat() == "2023-09-24")
    assert opening.answer == "yes" and {"E066", "E067"} <= {b["event"] for b in opening.basis}
    before = [p for p in out if p.end.isoformat() < "2023-09-24"]
    assert {p.answer for p in before} <= {"no", "disputed"}


def test_no_state_is_drawn_past_its_horizon_in_the_chart_of_the_bundled_data(bundled_model: kr.RoadModel) -> None:
    """The chart's spans come from the engine: check every claim in force at a change point is within its horizon."""
    tl = bundled_model.timeline
    for day in tl.change_points("2020-11-10", "2024-06-30"):
        for seg in tl.segments:
            for cls in kr.TRAFFIC_CLASSES:
                for c in tl.class_status(seg, cls, on=day).basis:
                    if c.carried:
                        assert c.age_days is not None and c.age_days <= kr.DEFAULT_HORIZON
