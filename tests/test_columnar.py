"""The columnar engine (karabakh_routes._columnar) against the reference engine.

``Timeline(G, ledger, engine="reference")`` compiles each key on its own with the heap sweep
(the engine the columnar store replaced, itself checked against the original quadratic compile
in tests/test_compile.py and against semantics v2 in tests/test_reference.py). Random ledgers,
horizons, views, one-way claims, uncertain dates and passages must give identical ``status``
tables, ``reach`` answers and ``periods`` from both, claims and flags included.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import PLACES, write_fixture
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_properties import event_rows

import karabakh_routes as kr
from karabakh_routes import _columnar

_PLACES = list(PLACES)


def _engines(folder: Path, rows: list[list[str]]) -> tuple[kr.RoadModel, kr.Timeline, kr.Timeline]:
    files = write_fixture(folder, rows)
    m = kr.load(**{k: str(v) for k, v in files.items()})
    return m, kr.Timeline(m.G, m.ledger), kr.Timeline(m.G, m.ledger, engine="reference")


def _days(tl: kr.Timeline, horizon: int | None) -> list[dt.date]:
    return sorted({d + dt.timedelta(days=k) for d in tl.change_points(horizon=horizon) for k in (-1, 0, 1)
                   if dt.date(1, 1, 2) < d < dt.date(9999, 12, 30)})


@st.composite
def ledger_rows(draw: st.DrawFn) -> list[list[str]]:
    rows = draw(event_rows(n_min=1, n_max=12, claimants=["X", "Y", "Z"]))
    for r in rows:  # some one-way claims and passages
        if draw(st.integers(0, 4)) == 0:
            r[8] = draw(st.sampled_from(_PLACES))
    return rows


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=ledger_rows(), horizon=st.sampled_from([0, 7, 30, None]),
       small=st.sampled_from([1, 2, _columnar._SMALL]), chunk=st.sampled_from([1, 5, _columnar._CHUNK_PAIRS]))
def test_status_reach_and_periods_agree(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch,
                                        rows: list[list[str]], horizon: int | None, small: int, chunk: int) -> None:
    # ``small``: keys above it take the heap path inside the columnar engine; ``chunk``: pairs per step
    with monkeypatch.context() as mp:
        mp.setattr(_columnar, "_SMALL", small)
        mp.setattr(_columnar, "_CHUNK_PAIRS", chunk)
        m, new, ref = _engines(tmp_path_factory.mktemp("col"), rows)
        views = ["consensus", "strict", f"claimant:{m.ledger.claimants[0]}", "source:S1"]
        assert new.change_points(horizon=horizon) == ref.change_points(horizon=horizon)
        for day in _days(ref, horizon):
            for view in views:
                for seg in ref.segments:
                    for cls in kr.TRAFFIC_CLASSES:
                        assert new.class_status(seg, cls, on=day, view=view, horizon=horizon) == \
                            ref.class_status(seg, cls, on=day, view=view, horizon=horizon), (day, view, seg, cls)
        for day in _days(ref, horizon)[:6]:
            a = new.status(on=day, horizon=horizon)
            b = ref.status(on=day, horizon=horizon)
            assert a.drop(columns="geometry").to_dict("records") == b.drop(columns="geometry").to_dict("records")
            for cls in ("civilian", "humanitarian"):
                assert kr.reach(new, "west", "far", on=day, traffic=cls, horizon=horizon) == \
                    kr.reach(ref, "west", "far", on=day, traffic=cls, horizon=horizon)
        for cls in ("civilian", "humanitarian"):
            assert kr.periods(new, "west", "far", traffic=cls, horizon=horizon) == \
                kr.periods(ref, "west", "far", traffic=cls, horizon=horizon)


def test_bundled_data_agrees() -> None:
    m = kr.load()
    new, ref = m.timeline, kr.Timeline(m.G, m.ledger, engine="reference")
    assert new.engine == "columnar"
    assert new.change_points() == ref.change_points()
    for day in _days(ref, kr.DEFAULT_HORIZON):
        for seg in ref.segments:
            for cls in kr.TRAFFIC_CLASSES:
                assert new.class_status(seg, cls, on=day) == ref.class_status(seg, cls, on=day), (day, seg, cls)
    assert kr.periods(new, "Goris", "Stepanakert", traffic="humanitarian") == \
        kr.periods(ref, "Goris", "Stepanakert", traffic="humanitarian")


def test_a_key_with_many_claims_takes_the_heap_path(tmp_path: Path) -> None:
    # 80 claims on one segment, class and claimant: more than _SMALL, so the columnar engine
    # hands the key to the heap sweep; the answers must not change
    rows = [[f"E{i}", (dt.date(2021, 1, 1) + dt.timedelta(days=3 * i)).isoformat() + ("~" if i % 7 == 0 else ""),
             (dt.date(2021, 1, 1) + dt.timedelta(days=3 * i + 10)).isoformat() if i % 2 else "",
             "west__mid", "closure" if i % 3 else "opening", "closed" if i % 3 else "open",
             "civilian", "", "", "X", "S1", "", ""] for i in range(80)]
    assert len(rows) > _columnar._SMALL
    _, new, ref = _engines(tmp_path, rows)
    assert new.change_points() == ref.change_points()
    for day in _days(ref, kr.DEFAULT_HORIZON):
        assert new.class_status("west__mid", "civilian", on=day) == ref.class_status("west__mid", "civilian", on=day)


def test_unknown_engine_is_refused() -> None:
    m = kr.load()
    with pytest.raises(ValueError, match="Unknown engine 'fast'.*columnar, reference"):
        kr.Timeline(m.G, m.ledger, engine="fast")
