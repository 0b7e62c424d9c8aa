"""The per-key compile (timeline._compile) against the original quadratic implementation.

``_compile_reference`` is the implementation that rebuilt the active set at every mark
(O(N) per mark, O(N^2) per key). The sweep that replaced it must give exactly the same change
points and, at every date, the same (winning event, uncertain events) state, with the same
tie-breaking (the first of equal precedence, in item order) and one uncertain entry per item.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import karabakh_routes as kr
from karabakh_routes.dates import DATE_MAX, DATE_MIN, DateSpan
from karabakh_routes.events import Event
from karabakh_routes.timeline import _compile, _Item, _KeyTimeline

_ONE_DAY = dt.timedelta(days=1)


def _compile_reference(items: Sequence[_Item]) -> _KeyTimeline:
    """The original compile (before issue 7): correct, but O(N) work at each of O(N) marks."""
    marks: set[dt.date] = set()
    for it in items:
        marks.add(it.ws)
        if it.we < DATE_MAX:
            marks.add(it.we + _ONE_DAY)
        for span in (it.event.start, it.event.end):
            if span is not None and span.uncertain:
                marks.add(span.earliest)
                if span.latest < DATE_MAX:
                    marks.add(span.latest + _ONE_DAY)
    kt = _KeyTimeline()
    for day in sorted(marks):
        active = [it for it in items if it.ws <= day <= it.we]
        winner = max(active, key=lambda it: it.precedence).event if active else None
        unsure = tuple(
            it.event for it in items
            if any(s is not None and s.covers(day) for s in (it.event.start, it.event.end))
        )
        kt.points.append(day)
        kt.states.append((winner, unsure))
    return kt


def _settings(n: int, **kw: object) -> settings:
    """At most ``n`` examples; fewer if tests/conftest.py loaded a smaller ("dev"/"ci") profile."""
    if settings.get_current_profile_name() != "default":
        n = min(n, settings().max_examples)
    return settings(max_examples=n, deadline=None, **kw)  # type: ignore[arg-type]


def _ids(state: tuple[Event | None, tuple[Event, ...]]) -> tuple[int | None, tuple[int, ...]]:
    """The state by object identity (two events may be equal field by field yet distinct)."""
    ev, unsure = state
    return (id(ev) if ev is not None else None, tuple(id(e) for e in unsure))


def _query_days(kt: _KeyTimeline) -> list[dt.date]:
    """Every change point, the day before and the day after each, and the ends of the calendar."""
    out = {DATE_MIN, DATE_MAX}
    for p in kt.points:
        out.add(p)
        if p > DATE_MIN:
            out.add(p - _ONE_DAY)
        if p < DATE_MAX:
            out.add(p + _ONE_DAY)
    return sorted(out)


def assert_same(items: Sequence[_Item]) -> int:
    """Assert both compiles agree; return the number of dates compared."""
    new, ref = _compile(items), _compile_reference(items)
    assert new.points == ref.points
    assert [_ids(s) for s in new.states] == [_ids(s) for s in ref.states]
    days = _query_days(ref)
    for day in days:
        assert _ids(new.at(day)) == _ids(ref.at(day)), day
    return len(days)


# -- random items ---------------------------------------------------------------------
# Dates are drawn from a short window (so windows, marks and precedences collide often)
# plus the two ends of the calendar.
_BASE = dt.date(2023, 1, 1)
_near = st.integers(0, 60).map(lambda n: _BASE + dt.timedelta(days=n))
_day = st.one_of(_near, _near, _near, st.sampled_from([DATE_MIN, DATE_MIN + _ONE_DAY, DATE_MAX - _ONE_DAY, DATE_MAX]))


def _shift(day: dt.date, days: int) -> dt.date:
    """``day`` moved by ``days`` days, clamped to the calendar."""
    return dt.date.fromordinal(min(max(day.toordinal() + days, DATE_MIN.toordinal()), DATE_MAX.toordinal()))


@st.composite
def spans(draw: st.DrawFn) -> DateSpan:
    lower, upper = sorted((draw(_day), draw(_day)))
    if draw(st.booleans()):
        upper = lower
    if draw(st.integers(0, 2)):  # uncertain two times in three
        earliest = _shift(lower, -draw(st.integers(0, 5)))
        latest = _shift(upper, draw(st.integers(0, 5)))
    else:
        earliest, latest = lower, upper
    return DateSpan(f"{lower}/{upper}", lower, upper, earliest, latest)


@st.composite
def item_lists(draw: st.DrawFn) -> list[_Item]:
    n_events = draw(st.integers(1, 12))
    events = []
    for i in range(n_events):
        start = draw(spans())
        end = draw(st.one_of(st.none(), spans()))
        events.append(Event(id=f"E{i}", start=start, end=end, targets=("s",), type="closure", status="closed",
                            traffic=(), allowed=(), direction="", claimant="X", source="S1",
                            row=draw(st.integers(0, 3))))  # few rows: equal precedences happen
    items = []
    for _ in range(draw(st.integers(0, 25))):
        ev = draw(st.sampled_from(events))  # one event may give several items (route alignments)
        mode = draw(st.integers(0, 4))
        if mode == 0:  # the event's own bounds, as for a segment target
            ws, we = ev.start.lower, ev.end.upper if ev.end is not None else DATE_MAX
        else:  # a window cut out by a route alignment; occasionally empty (ws > we)
            ws, we = draw(_day), draw(_day)
            if mode < 4 and we < ws:
                ws, we = we, ws
        items.append(_Item("s", ws, we, ev))
    return items


@_settings(200)
@given(items=item_lists())
def test_compile_matches_reference(items: list[_Item]) -> None:
    assert_same(items)


def test_compile_examples_cover_ties_edges_and_shared_events() -> None:
    d = dt.date
    certain = DateSpan("2023-01-10", d(2023, 1, 10), d(2023, 1, 10), d(2023, 1, 10), d(2023, 1, 10))
    approx = DateSpan("2023-01-12~", d(2023, 1, 12), d(2023, 1, 12), d(2023, 1, 11), d(2023, 1, 13))
    at_max = DateSpan("9999~", d(9999, 1, 1), DATE_MAX, d(9998, 1, 1), DATE_MAX)
    at_min = DateSpan("0001-01-01~", DATE_MIN, DATE_MIN, DATE_MIN, d(1, 1, 2))
    base = Event("A", certain, None, ("s",), "closure", "closed", (), (), "", "X", "S1", row=1)
    twin = dataclasses.replace(base, id="B")  # same precedence as A: the first item wins
    fuzzy = dataclasses.replace(base, id="C", start=approx, end=approx, row=2)  # both bounds uncertain
    edge = dataclasses.replace(base, id="D", start=at_min, end=at_max, row=0)
    items = [
        _Item("s", d(2023, 1, 10), DATE_MAX, base),
        _Item("s", d(2023, 1, 10), DATE_MAX, twin),
        _Item("s", d(2023, 1, 12), d(2023, 1, 12), fuzzy),
        _Item("s", d(2023, 1, 20), d(2023, 1, 25), fuzzy),  # the same event again (another alignment)
        _Item("s", DATE_MIN, DATE_MAX, edge),
        _Item("s", DATE_MAX, DATE_MAX, base),
    ]
    assert assert_same(items) > 10
    kt = _compile(items)
    assert kt.at(d(2023, 1, 10))[0] is base  # A and B tie; A comes first
    assert kt.at(d(2023, 1, 12)) == (fuzzy, (fuzzy, fuzzy))  # one entry per item, in item order
    assert kt.at(DATE_MAX)[0] is base and kt.at(DATE_MAX)[1] == (edge,)
    assert kt.points[0] == DATE_MIN and kt.points[-1] == DATE_MAX


def test_compile_is_not_quadratic() -> None:
    """20,000 claims by one claimant on one segment (the reference would take minutes)."""
    d0 = dt.date(2000, 1, 1)
    items = []
    for i in range(20_000):
        day = d0 + dt.timedelta(days=i)
        span = DateSpan(day.isoformat(), day, day, day, day)
        ev = Event(f"E{i}", span, None, ("s",), "closure", "closed" if i % 2 else "open", (), (), "", "X", "S1", row=i)
        items.append(_Item("s", day, day + dt.timedelta(days=(i * 7919) % 400) if i % 3 else DATE_MAX, ev))
    kt = _compile(items)
    assert len(kt.points) >= 20_000
    # spot-check against a brute-force scan of the active items on a few days
    for day in (d0, d0 + dt.timedelta(days=12_345), d0 + dt.timedelta(days=19_999), d0 + dt.timedelta(days=30_000)):
        active = [it for it in items if it.ws <= day <= it.we]
        expected = max(active, key=lambda it: it.precedence).event if active else None
        assert kt.at(day) == (expected, ())


# -- the whole engine: a Timeline compiled either way gives the same answers ----------------
_SEGMENTS = ["west__mid", "mid__east", "west__south", "south__east", "east__far"]
_TARGETS = _SEGMENTS + ["corridor", "tail"]


@st.composite
def ledgers(draw: st.DrawFn, base: kr.Ledger) -> kr.Ledger:
    events = []
    for i in range(draw(st.integers(1, 15))):
        start = draw(spans())
        kind = draw(st.sampled_from(["closure", "opening", "restriction", "passage"]))
        end = None if kind == "passage" else draw(st.one_of(st.none(), spans()))
        if end is not None and end.upper < start.lower:
            end = None
        status = {"closure": "closed", "opening": "open", "restriction": "restricted", "passage": ""}[kind]
        allowed = ("humanitarian",) if kind in ("restriction", "passage") else ()
        events.append(Event(f"E{i}", start, end, tuple(draw(st.lists(st.sampled_from(_TARGETS), min_size=1,
                                                                           max_size=2, unique=True))),
                            kind, status, tuple(draw(st.lists(st.sampled_from(list(kr.TRAFFIC_CLASSES)),
                                                              max_size=2, unique=True))),
                            allowed, "", draw(st.sampled_from(["X", "Y"])), draw(st.sampled_from(["S1", "S2"])),
                            row=draw(st.integers(0, 4))))
    return kr.Ledger(tuple(events), base.sources)


@_settings(60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_timeline_answers_match_reference(fixture_model: kr.RoadModel, monkeypatch: pytest.MonkeyPatch,
                                          data: st.DataObject) -> None:
    from karabakh_routes import timeline as tl_mod
    ledger = data.draw(ledgers(fixture_model.ledger))

    def answers(tl: kr.Timeline) -> list[tuple[dt.date, str, str, str, kr.ClassStatus]]:
        days = {DATE_MIN, DATE_MAX}
        for p in tl.change_points():
            days |= {p, _shift(p, -1), _shift(p, 1)}
        return [(day, view, seg, cls, tl.class_status(seg, cls, on=day, view=view))
                for day in sorted(days) for view in ("consensus", "source:S1")  # source views compile lazily
                for seg in _SEGMENTS for cls in kr.TRAFFIC_CLASSES]

    new = kr.Timeline(fixture_model.G, ledger)
    got = answers(new)
    with monkeypatch.context() as mp:
        mp.setattr(tl_mod, "_compile", _compile_reference)
        ref = kr.Timeline(fixture_model.G, ledger, engine="reference")
        expected = answers(ref)
    assert new.change_points() == ref.change_points()
    assert got == expected
