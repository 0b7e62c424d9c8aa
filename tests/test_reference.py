"""An independent reference for semantics v2, and a property test that the engine agrees with it.

``reference_status`` implements docs/semantics.md directly: for every query it scans every
claim (no compilation, no change points). The compiled engine must give the same status for
every segment, class and date of random ledgers. ``benchmarks/engine.py`` times the two.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import SOURCES, write_fixture
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_properties import event_rows

import karabakh_routes as kr
from karabakh_routes.timeline import _windows, combine_statuses


def reference_status(tl: kr.Timeline, items: list, seg: str, cls: str, day: dt.date,  # type: ignore[type-arg]
                     horizon: int | None = kr.DEFAULT_HORIZON) -> str:
    """Semantics v2 straight from docs/semantics.md, scanning every claim for every query (no compilation).

    Per claimant the latest claim in force (attested, forecast, or carried up to the horizon);
    its passage of the day replaces it; a claim past its as-of date gives way to another
    claimant's contrary claim or passage that started after that date (up to the day); the
    claimants combine by consensus; a baseline applies only when no claim does.
    """
    best: dict[str, tuple] = {}  # type: ignore[type-arg]
    passages: dict[str, object] = {}
    base: tuple | None = None  # type: ignore[type-arg]
    history: list[tuple] = []  # type: ignore[type-arg]
    for ev, s, w0, w1 in items:
        if s != seg or cls not in (ev.allowed if ev.type == "passage" else ev.classes):
            continue
        key = (w0, ev.start.lower, ev.row)
        if ev.type == "baseline":
            if w0 <= day <= w1 and (base is None or key > base[0]):
                base = (key, ev)
            continue
        said = "open" if ev.type == "passage" else ev.class_status(cls)
        if w0 <= day:
            history.append((w0, ev.claimant, said, ev.id))
        if ev.type == "passage":
            if w0 == day:
                passages[ev.claimant] = ev
            continue
        a = tl.as_of(ev.id)
        last = w1 if ev.end is not None or horizon is None else min(w1, a + dt.timedelta(days=horizon))
        if w0 <= day <= last and (ev.claimant not in best or key > best[ev.claimant][0]):
            best[ev.claimant] = (key, ev)
    entries = {c: (ev, ev.class_status(cls)) for c, (_, ev) in best.items()}
    in_force = {ev.id for ev, _ in entries.values()} | {ev.id for ev in passages.values()}  # type: ignore[attr-defined]
    entries.update({c: (ev, "open") for c, ev in passages.items()})
    # newer evidence: a contrary report that started after a stale claim's as-of date and that
    # its own source knew of (its as-of date on or after its start)
    later = [(ev.start.lower, c, st, tl.as_of(ev.id)) for c, (ev, st) in entries.items()]
    later += [(w0, c, st, tl.as_of(eid)) for w0, c, st, eid in history if eid not in in_force]
    aside = [c for c, (ev, st) in entries.items()
             if ev.type != "passage" and day > tl.as_of(ev.id)
             and any(c2 != c and st2 != st and tl.as_of(ev.id) < w <= a2 for w, c2, st2, a2 in later)]
    statuses = [st for c, (_, st) in entries.items() if c not in aside]
    if not statuses:
        return base[1].class_status(cls) if base is not None else "unknown"
    return combine_statuses(statuses)



@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=event_rows(n_min=1, n_max=10, claimants=["X", "Y", "Z"]),
       published=st.lists(st.dates(min_value=dt.date(2019, 6, 1), max_value=dt.date(2022, 6, 1)), min_size=2, max_size=2),
       horizon=st.sampled_from([0, 7, 30, None]))
def test_engine_agrees_with_the_reference(tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]],
                                          published: list[dt.date], horizon: int | None) -> None:
    folder: Path = tmp_path_factory.mktemp("ref")
    files = write_fixture(folder, rows)
    text = files["sources"].read_text(encoding="utf-8")
    text = text.replace(f",{SOURCES[0]['published']},", f",{published[0].isoformat()},", 1)
    text = text.replace(f",{SOURCES[1]['published']},", f",{published[1].isoformat()},", 1)
    files["sources"].write_text(text, encoding="utf-8")
    m = kr.load(**{k: str(v) for k, v in files.items()})
    tl = m.timeline
    items = [(ev, s, w0, w1) for ev in m.ledger.events for s, w0, w1 in _windows(m.G, ev)]
    days = {d + dt.timedelta(days=k) for d in tl.change_points(horizon=horizon) for k in (-1, 0, 1)
            if dt.date(1, 1, 2) < d < dt.date(9999, 12, 30)}
    for day in sorted(days):
        for seg in tl.segments:
            for cls in kr.TRAFFIC_CLASSES:
                engine = tl.class_status(seg, cls, on=day, horizon=horizon).status
                assert engine == reference_status(tl, items, seg, cls, day, horizon), (day, seg, cls)


def test_engine_agrees_with_the_reference_on_the_bundled_data() -> None:
    m = kr.load()
    items = [(ev, s, w0, w1) for ev in m.ledger.events for s, w0, w1 in _windows(m.G, ev)]
    days = sorted({d + dt.timedelta(days=k) for d in m.timeline.change_points() for k in (-1, 0)})
    for day in days:
        for seg in m.timeline.segments:
            for cls in kr.TRAFFIC_CLASSES:
                assert m.timeline.class_status(seg, cls, on=day).status == \
                    reference_status(m.timeline, items, seg, cls, day), (day, seg, cls)
