"""The columnar engine (karabakh_routes._columnar) against the reference engine.

``Timeline(G, ledger, engine="reference")`` compiles each key on its own with the heap sweep
(the engine the columnar store replaced, itself checked against the original quadratic compile
in tests/test_compile.py and against semantics v2 in tests/test_reference.py). Random ledgers,
horizons, views, one-way claims, uncertain dates and passages must give identical ``status``
tables, ``reach`` answers and ``periods`` from both, claims and flags included.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import operator
import os
import sys
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pytest
from conftest import PLACES, write_fixture
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_maps import assert_slider_is_each_steps_status
from test_properties import event_rows
from test_reading import _same_arrays as same_arrays
from test_semantics import ev as semantics_ev
from test_semantics import ledger as semantics_ledger

import karabakh_routes as kr
from karabakh_routes import _columnar
from karabakh_routes.timeline import parse_view

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


# 25 examples in the quick loop, 100 under CI=true (each compares every day, view, segment and class)
_EXAMPLES = 100 if os.environ.get("CI", "").lower() in ("1", "true", "yes") else 25


@settings(max_examples=_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=ledger_rows(), horizon=st.sampled_from([0, 7, 30, None]))
def test_status_reach_and_periods_agree(tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]],
                                        horizon: int | None) -> None:
    m, new, ref = _engines(tmp_path_factory.mktemp("col"), rows)
    views = ["consensus", "strict", f"claimant:{m.ledger.claimants[0]}", "source:S1"]
    assert new.change_points(horizon=horizon) == ref.change_points(horizon=horizon)
    for cls in kr.TRAFFIC_CLASSES:  # (the columnar engine knows them before compiling the class)
        assert new.change_points(horizon=horizon, traffic=cls) == ref.change_points(horizon=horizon, traffic=cls)
    for day in _days(ref, horizon):
        for view in views:
            for cls in kr.TRAFFIC_CLASSES:
                expected = {seg: ref.class_status(seg, cls, on=day, view=view, horizon=horizon) for seg in ref.segments}
                for seg in ref.segments:
                    assert new.class_status(seg, cls, on=day, view=view, horizon=horizon) == expected[seg], \
                        (day, view, seg, cls)
                # looked up in arrays for many segments at once (in any order), the same evidence
                order = list(range(len(ref.segments)))[::-1]
                v = parse_view(view, m.ledger, horizon=horizon)
                assert new._class_statuses(order, cls, day, v) == [expected[ref.segments[i]] for i in order], \
                    (day, view, cls)
                # the vectorised snapshot gives the same statuses
                assert new.status_codes(on=day, traffic=cls, view=view, horizon=horizon).to_dict() == \
                    {seg: cs.status for seg, cs in expected.items()}, (day, view, cls)
    for day in _days(ref, horizon)[:6]:
        for traffic in (None, "civilian", "humanitarian"):  # (one class: the others' statuses from the snapshot)
            a = new.status(on=day, horizon=horizon, traffic=traffic)
            b = ref.status(on=day, horizon=horizon, traffic=traffic)
            assert a.drop(columns="geometry").to_dict("records") == b.drop(columns="geometry").to_dict("records")
        for cls in ("civilian", "humanitarian"):
            assert kr.reach(new, "west", "far", on=day, traffic=cls, horizon=horizon) == \
                kr.reach(ref, "west", "far", on=day, traffic=cls, horizon=horizon)
    for cls in ("civilian", "humanitarian"):
        if not ref.change_points(horizon=horizon):  # (no claim on a road the graph has then: no default range)
            for tl in (new, ref):
                with pytest.raises(kr.DateError, match="no dated claim"):
                    kr.periods(tl, "west", "far", traffic=cls, horizon=horizon)
            continue
        assert kr.periods(new, "west", "far", traffic=cls, horizon=horizon) == \
            kr.periods(ref, "west", "far", traffic=cls, horizon=horizon)


@settings(max_examples=_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=ledger_rows(), data=st.data())
def test_event_columns_from_the_files_codes_are_the_events(tmp_path_factory: pytest.TempPathFactory,
                                                            monkeypatch: pytest.MonkeyPatch, rows: list[list[str]],
                                                            data: st.DataObject) -> None:
    # a file pyarrow parses: the ledger keeps each row's code in some columns, and the timeline
    # makes the events' number columns (as-of dates from the as_of cell, else the source's
    # publication, else the start) and windows from one event per distinct cell
    from karabakh_routes import _io

    for r in rows:
        r[11] = ""  # (a quote or note with a lone CR, say, is read by the csv module: no codes)
        r[12] = data.draw(st.text(alphabet='ab ,"\n', max_size=8))
        r.append(data.draw(st.sampled_from(["", "", "2021-03-01", "2020-07", "2019-12-24~"])))  # as_of
        if r[9] and data.draw(st.booleans()):
            r[9] = " " + r[9]  # the same claimant, written another way
    published = {s: data.draw(st.sampled_from(["", "2021-06-01", "2020-05"])) for s in ("S1", "S2")}
    monkeypatch.setattr(_io, "ARROW_MIN_CHARS", 0)
    m = semantics_ledger(tmp_path_factory.mktemp("codes"), rows, published)
    assert "_codes" in m.ledger.__dict__
    a, b = kr.Timeline(m.G, m.ledger), kr.Timeline(m.G, dataclasses.replace(m.ledger))
    assert a._codes is not None and b._codes is None
    same_arrays(a, b)
    assert a._source_events("S1").tolist() == b._source_events("S1").tolist()
    # each one-way event's place: from the distinct cells' fields at once, and event by event
    reach_mod = importlib.import_module("karabakh_routes.reach")
    net = reach_mod._net(m.G, a.segments, a._edges)
    assert reach_mod._direction_places(a, net).tolist() == reach_mod._direction_places(b, net).tolist() == [
        net.index.get(e.direction, -1) if e.direction else -1 for e in b._ea.events]


@settings(max_examples=max(_EXAMPLES // 2, 10), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=ledger_rows(), horizon=st.sampled_from([0, 7, 30, None]),
       traffic=st.sampled_from([None, "civilian", "humanitarian"]),
       view=st.sampled_from(["consensus", "strict", "claimant", "source:S1"]))
def test_timeline_slider_equals_each_steps_status(tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]],
                                                  horizon: int | None, traffic: str | None, view: str) -> None:
    # the timeline map's table looks up only the segments touched since the step before (and those
    # whose popup shows a claim's age): every step must show what the whole status table of its day says
    files = write_fixture(tmp_path_factory.mktemp("slider"), rows)
    m = kr.load(**{k: str(v) for k, v in files.items()})
    if not m.timeline.change_points(horizon=horizon):
        return
    if view == "claimant":  # one that the drawn ledger has
        view = f"claimant:{m.ledger.claimants[0]}"
    assert_slider_is_each_steps_status(m, traffic=traffic, view=view, horizon=horizon)


def test_bundled_data_agrees() -> None:
    m = kr.load()
    new, ref = m.timeline, kr.Timeline(m.G, m.ledger, engine="reference")
    assert new.engine == "columnar"
    assert new.change_points() == ref.change_points()
    for day in _days(ref, kr.DEFAULT_HORIZON):
        for cls in kr.TRAFFIC_CLASSES:
            for seg in ref.segments:
                assert new.class_status(seg, cls, on=day) == ref.class_status(seg, cls, on=day), (day, seg, cls)
            assert new.status_codes(on=day, traffic=cls).to_dict() == \
                {seg: ref.class_status(seg, cls, on=day).status for seg in ref.segments}
    assert kr.periods(new, "Goris", "Stepanakert", traffic="humanitarian") == \
        kr.periods(ref, "Goris", "Stepanakert", traffic="humanitarian")


def test_a_key_with_many_claims(tmp_path: Path) -> None:
    # 80 claims on one segment, class and claimant, overlapping, some with uncertain starts:
    # long runs of marks per claim (several levels of the range-minimum blocks)
    rows = [[f"E{i}", (dt.date(2021, 1, 1) + dt.timedelta(days=3 * i)).isoformat() + ("~" if i % 7 == 0 else ""),
             (dt.date(2021, 1, 1) + dt.timedelta(days=3 * i + 10)).isoformat() if i % 2 else "",
             "west__mid", "closure" if i % 3 else "opening", "closed" if i % 3 else "open",
             "civilian", "", "", "X", "S1", "", ""] for i in range(80)]
    _, new, ref = _engines(tmp_path, rows)
    assert new.change_points() == ref.change_points()
    for day in _days(ref, kr.DEFAULT_HORIZON):
        assert new.class_status("west__mid", "civilian", on=day) == ref.class_status("west__mid", "civilian", on=day)


def test_unknown_engine_is_refused() -> None:
    m = kr.load()
    with pytest.raises(ValueError, match="Unknown engine 'fast'.*columnar, reference"):
        kr.Timeline(m.G, m.ledger, engine="fast")


@settings(max_examples=max(_EXAMPLES // 2, 10), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=ledger_rows(), horizon=st.sampled_from([0, 7, 30, None]), pick=st.integers(0, 10_000),
       cls=st.sampled_from(["civilian", "humanitarian"]))
def test_periods_equal_a_per_day_loop(tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]],
                                      horizon: int | None, pick: int, cls: str) -> None:
    # periods visit only the days on which something about the class may change; a reach for
    # every single day, merged the same way, must give the same periods, ages and claims
    from karabakh_routes._range import outside_side, outside_span_note
    from karabakh_routes.reach import _Runs
    m, new, _ = _engines(tmp_path_factory.mktemp("days"), rows)
    points = new.change_points(horizon=horizon)
    inside = [p for p in points if dt.date(1, 2, 1) < p < dt.date(9999, 11, 1)]
    if not inside:
        return
    centre = inside[pick % len(inside)]
    lo, hi = centre - dt.timedelta(days=45), centre + dt.timedelta(days=45)
    runs = _Runs(lambda a, b: outside_span_note(new, a, b, horizon=horizon))
    day = lo
    while day <= hi:
        runs.add(kr.reach(new, "west", "far", on=day, traffic=cls, horizon=horizon), day, day,
                 outside_side(new, day, horizon=horizon))
        day += dt.timedelta(days=1)
    assert kr.periods(new, "west", "far", start=lo, end=hi, traffic=cls, horizon=horizon) == runs.periods()


def test_one_origin_to_every_place_equals_one_query_per_pair() -> None:
    m = kr.load()
    tl = m.timeline
    for cls in ("civilian", "humanitarian"):
        many = kr.reach_from(tl, "Goris", on="2023-07-20", traffic=cls)
        assert set(many) == set(m.G.nodes)
        for dest, r in many.items():
            assert r == kr.reach(tl, "Goris", dest, on="2023-07-20", traffic=cls)
    spans = kr.periods_from(tl, "Aghdam", start="2023-06-01", end="2023-10-31", traffic="humanitarian")
    for dest, ps in spans.items():
        assert ps == kr.periods(tl, "Aghdam", dest, start="2023-06-01", end="2023-10-31", traffic="humanitarian")
    # the reference engine answers the same
    ref = kr.Timeline(m.G, m.ledger, engine="reference")
    assert kr.periods_from(ref, "Aghdam", start="2023-06-01", end="2023-10-31", traffic="humanitarian") == spans


def test_compile_cache_is_keyed_by_content_and_skips_compiling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    expanded: list[int] = []
    real, real_windows = _columnar.compile_keys, _columnar.base_windows

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args, **kwargs)

    def counting_windows(*args, **kwargs):  # type: ignore[no-untyped-def]
        expanded.append(1)
        return real_windows(*args, **kwargs)

    monkeypatch.setattr(_columnar, "compile_keys", counting)
    monkeypatch.setattr(_columnar, "base_windows", counting_windows)
    monkeypatch.delenv("KARABAKH_ROUTES_CACHE", raising=False)
    (tmp_path / "data").mkdir()
    files = write_fixture(tmp_path / "data", [["E1", "2022-01-05", "", "corridor", "closure", "closed", "", "", "", "X",
                                               "S1", "", ""]])
    args = {k: str(v) for k, v in files.items()}
    cache = tmp_path / "cache"
    first = kr.load(**args, cache=cache)
    assert not calls  # nothing compiled on loading: each class when first asked about
    assert len(list(cache.glob("compiled-*-h30-days.npz"))) == 1  # the days they change on: known already
    assert len(expanded) == 1 and len(list(cache.glob("compiled-*-windows.npz"))) == 1
    first.reach("west", "far", on="2022-01-05")  # civilian traffic: that class alone
    assert len(calls) == 1 and [p.name[-7:] for p in cache.glob("compiled-*-h30-c*.npz")] == ["-c0.npz"]
    second = kr.load(**args, cache=cache)
    assert (second.timeline._start_keys == first.timeline._start_keys).all()
    assert second.timeline.change_points() == first.timeline.change_points()
    for day in ("2022-01-04", "2022-01-05", "2022-02-10"):
        assert second.timeline.status_codes(on=day, traffic="civilian").to_dict() == \
            first.timeline.status_codes(on=day, traffic="civilian").to_dict()
        assert second.reach("west", "far", on=day) == first.reach("west", "far", on=day)
    assert len(calls) == 1 and len(expanded) == 1  # read back, not compiled (nor the windows expanded)
    second.reach("west", "far", on="2022-01-05", traffic="medical")
    assert len(calls) == 2 and len(list(cache.glob("compiled-*-h30-c*.npz"))) == 2
    # another horizon: its own files
    second.timeline.change_points(horizon=7)
    assert len(list(cache.glob("compiled-*-h7-days.npz"))) == 1
    # other content, other key
    text = files["events"].read_text(encoding="utf-8").replace("2022-01-05", "2022-01-06")
    files["events"].write_text(text, encoding="utf-8")
    kr.load(**args, cache=cache).reach("west", "far", on="2022-01-05")
    assert len(calls) == 3 and len(list(cache.glob("compiled-*-h30-c0.npz"))) == 2
    # a damaged file is compiled again (and rewritten), never trusted
    for f in [*cache.glob("compiled-*-h30-*.npz"), *cache.glob("compiled-*-windows.npz")]:
        f.write_bytes(b"not a cache")
    n = len(expanded)
    again = kr.load(**args, cache=cache)
    assert len(expanded) == n + 1
    fresh = kr.load(**args, cache=False)
    assert again.timeline.change_points() == fresh.timeline.change_points()
    assert again.reach("west", "far", on="2022-01-06") == fresh.reach("west", "far", on="2022-01-06")
    assert len(calls) == 5  # (the damaged file's class, and the same class without a cache)
    # the environment variable; False never writes
    monkeypatch.setenv("KARABAKH_ROUTES_CACHE", str(tmp_path / "env"))
    kr.load(**args)
    assert list((tmp_path / "env").glob("compiled-*.npz"))
    kr.load(**args, cache=False)
    assert not (tmp_path / "off").exists()


def test_change_days_of_no_claims_are_none() -> None:
    """Windows with no state claim among them (none at all, or passages only) change nothing."""

    m = kr.load()
    tl = m.timeline
    for rows in (np.zeros(0, np.int64), np.flatnonzero(tl._ea.kind[tl._base.ev] == _columnar.KIND_PASSAGE)):
        days = _columnar.change_days(tl._base.take(rows), tl._ea, 30)
        assert [len(d) for d in (days[0], days[1], *days[2])] == [0] * (2 + len(kr.TRAFFIC_CLASSES))
    days = _columnar.change_days(tl._base, tl._ea, 30)
    assert days[0].tolist() == sorted(set(days[0].tolist())) and len(days[0]) > 0


def test_cached_arrays_are_mapped_read_only_and_a_cut_or_altered_file_is_not_trusted(tmp_path: Path) -> None:

    path = tmp_path / "c.npz"
    arrays = {"a": np.arange(10, dtype=np.int64), "b": np.array([[1.5, 2.5]]), "c": np.zeros(0, np.int32)}
    _columnar.save_arrays(path, (7,), **arrays)
    head, got = _columnar.load_arrays(path, ("a", "b", "c"))  # type: ignore[misc]
    assert head.tolist() == [7]
    for name, want in arrays.items():
        assert got[name].dtype == want.dtype and got[name].shape == want.shape and (got[name] == want).all()
        assert type(got[name]) is np.ndarray and not got[name].flags.writeable
    data = path.read_bytes()
    for bad in (data[:len(data) // 2], data[:-30], data.replace(b"'descr': '<i8'", b"'descr': '|O8'")):
        path.write_bytes(bad)
        assert _columnar.load_arrays(path, ("a", "b", "c")) is None
    np.savez_compressed(path, format=np.array([_columnar.CACHE_FORMAT, 7]), a=arrays["a"])  # not ours: compressed
    assert _columnar.load_arrays(path, ("a",)) is None
    assert _columnar.load_arrays(tmp_path / "missing.npz", ("a",)) is None


@settings(max_examples=200, deadline=None)
@given(m=st.integers(1, 70), data=st.data())
def test_range_min_is_the_least_value_over_the_covering_ranges(m: int, data: st.DataObject) -> None:
    ranges = data.draw(st.lists(st.tuples(st.integers(0, m - 1), st.integers(0, m - 1), st.integers(0, 10**6)),
                                max_size=40))
    lo = np.array([min(a, b) for a, b, _ in ranges], np.int64)
    hi = np.array([max(a, b) for a, b, _ in ranges], np.int64)
    val = np.array([v for *_, v in ranges], np.int64)
    fill = np.int64(1) << 62
    got = _columnar._range_min(lo, hi, val, m, fill).tolist()
    expected = [min((int(v) for a, b, v in zip(lo, hi, val) if a <= p <= b), default=int(fill)) for p in range(m)]
    assert got == expected


def _synthetic(folder: Path, *, segments: int, claims: int, seed: int) -> kr.RoadModel:
    """A model of benchmarks/synth.py's grid network and ledger."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import synth

    files = synth.generate(folder, segments=segments, claims=claims, seed=seed)
    return kr.load(**{k: str(v) for k, v in files.items()})


@pytest.fixture(params=[(0.05, 0), (4.0, 0), (4.0, 10**9)], ids=["tiny-limit-scipy", "scipy", "networkx"])
def searches(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """How routes and one-way distances are searched: the first distance limit (in median
    segment lengths, doubled until a decision settles) and the size up to which NetworkX
    searches instead of scipy (0: always scipy; the way small regions go: NetworkX)."""
    reach_mod = importlib.import_module("karabakh_routes.reach")
    monkeypatch.setattr(reach_mod, "_FIRST_LIMIT", request.param[0])
    monkeypatch.setattr(reach_mod, "_SMALL_NET", request.param[1])


@pytest.mark.usefixtures("searches")
def test_reach_on_a_synthetic_grid_agrees(tmp_path: Path) -> None:
    # a grid of 300 segments with one-way claims towards route ends far from the segment: the
    # array path searches distances lazily and decides one-way segments per direction in
    # arrays; the answers must be the reference's
    m = _synthetic(tmp_path, segments=300, claims=3000, seed=3)
    new, ref = m.timeline, kr.Timeline(m.G, m.ledger, engine="reference")
    nodes = sorted(m.G.nodes)
    origin, targets = nodes[0], nodes[5::29]
    # carried claims give way to newer reports from other claimants (the sources' dates vary)
    views = ["consensus", "strict", f"claimant:{m.ledger.claimants[1]}", f"source:{m.ledger.events[0].source}"]
    for day in ("2021-03-01", "2022-06-15", "2023-02-10"):
        for cls, view in zip(("civilian", "humanitarian", "civilian", "medical"), views):
            got = kr.reach_from(new, origin, targets, on=day, traffic=cls, view=view)
            for b in targets:
                assert got[b] == kr.reach(ref, origin, b, on=day, traffic=cls, view=view), (day, cls, view, b)


@pytest.mark.usefixtures("searches")
def test_periods_on_a_synthetic_grid_agree(tmp_path: Path) -> None:
    # periods carry each day's state to the next change point (only touched segments looked up
    # again, distances searched again only near roads that opened or closed, answers kept while
    # their path is untouched): the reference engine works out every change point from scratch
    m = _synthetic(tmp_path, segments=120, claims=900, seed=5)
    new, ref = m.timeline, kr.Timeline(m.G, m.ledger, engine="reference")
    nodes = sorted(m.G.nodes)
    views = ["consensus", "lenient", f"claimant:{m.ledger.claimants[1]}", f"source:{m.ledger.events[0].source}"]
    for cls, view in zip(("civilian", "humanitarian", "civilian", "peacekeepers"), views):
        got = kr.periods_from(new, nodes[0], nodes[7::23], start="2021-06-01", end="2022-02-28", traffic=cls, view=view)
        want = kr.periods_from(ref, nodes[0], nodes[7::23], start="2021-06-01", end="2022-02-28", traffic=cls, view=view)
        assert got == want, (cls, view)


def test_periods_when_a_one_way_claims_place_is_cut_off(tmp_path: Path) -> None:
    # found by the property test above: E9's one-way closure points towards "mid", which
    # neither end of south__east can reach on the first day (so it counts in neither
    # direction); when west__mid closes, "mid" has no open road left and distances to it are
    # taken over the whole network: the decision changes although no distance read before was
    # finite. Carried forward, the earlier decision must be searched again.
    rows = [[f"E{i}", "2019-06-01", "", "west__mid", "closure", "closed", "", "", "west", "X", "S1", "", ""]
            for i in range(7)]
    rows[1][3] = "west__mid|west__mid|mid__east"
    rows[1][8] = ""
    rows[3][3] = "west__mid|west__south"
    rows[4][1] = "2022-02-13"
    rows += [["E7", "2019-06-01", "", "west__mid", "restriction", "restricted", "", "civilian", "west", "X", "S1", "", ""],
             ["E8", "2019-06-01", "", "west__mid", "restriction", "restricted", "", "civilian", "", "X", "S1", "", ""],
             ["E9", "2019-06-01", "", "south__east", "closure", "closed", "", "", "mid", "X", "S1", "", ""]]
    _, new, ref = _engines(tmp_path, rows)
    got = kr.periods(new, "west", "far", traffic="civilian", horizon=0)
    assert got == kr.periods(ref, "west", "far", traffic="civilian", horizon=0)
    assert [p.answer for p in got] == ["unknown", "no", "unknown"]


def test_periods_decide_an_exact_one_way_segment_again_when_its_place_moves_away(tmp_path: Path) -> None:
    # mid__east has a baseline (so the arrays leave its status to its ClassStatus) and X's
    # closure one-way towards "west", which is not one of its ends: whether a move along it goes
    # towards west depends on road distances. While west__mid is open, mid -> east moves away
    # from west (the closure does not count; the baseline says open); while it is closed, west is
    # reached from mid only round by south and east, so mid -> east goes towards west and is
    # closed. Carried from change point to change point, the segment must be decided again when
    # the distances to west its decision read are searched again, although nothing touched it.
    rows = [["B1", "2019-06-01", "", "mid__east", "baseline", "open", "", "", "", "dataset baseline", "S2", "", ""],
            ["E1", "2019-06-01", "", "mid__east", "closure", "closed", "", "", "west", "X", "S1", "", ""],
            ["E2", "2019-06-01", "", "east__far", "opening", "open", "", "", "", "X", "S1", "", ""],
            ["E3", "2021-01-01", "2021-01-31", "west__mid", "closure", "closed", "", "", "", "Y", "S1", "", ""]]
    _, new, ref = _engines(tmp_path, rows)
    for a, b in (("mid", "far"), ("far", "mid")):
        got = kr.periods(new, a, b, start="2020-12-01", end="2021-03-01", traffic="civilian", horizon=None)
        assert got == kr.periods(ref, a, b, start="2020-12-01", end="2021-03-01", traffic="civilian", horizon=None)
    got = kr.periods(new, "mid", "far", start="2020-12-01", end="2021-03-01", traffic="civilian", horizon=None)
    assert [(p.start.isoformat(), p.answer) for p in got] == [
        ("2020-12-01", "yes"), ("2021-01-01", "no"), ("2021-02-01", "yes")]


def test_evidence_of_many_segments_on_a_synthetic_grid_agrees(tmp_path: Path) -> None:
    # the evidence of many segments is found in arrays (claims in force, passages, baselines,
    # and the newer reports a carried claim gives way to), and segments with the same inputs
    # share one ClassStatus: it must be the reference's, segment by segment. The grid's sources
    # have varied dates, so many claims are carried and meet newer reports
    m = _synthetic(tmp_path, segments=150, claims=1500, seed=11)
    new, ref = m.timeline, kr.Timeline(m.G, m.ledger, engine="reference")
    views = ["consensus", "strict", f"claimant:{m.ledger.claimants[2]}", f"source:{m.ledger.events[3].source}"]
    every = list(range(len(ref.segments)))
    newer = 0
    day = dt.date(2021, 2, 1)
    while day < dt.date(2023, 3, 1):
        for cls, view in zip(("civilian", "humanitarian", "medical", "civilian"), views):
            v = parse_view(view, m.ledger)
            want = [ref.class_status(s, cls, on=day, view=view) for s in ref.segments]
            assert new._class_statuses(every, cls, day, v) == want, (day, cls, view)
            newer += sum(len(cs.newer) for cs in want)
        day += dt.timedelta(days=45)
    assert newer > 0  # (the rule for newer reports was exercised)


def test_newer_reports_are_those_known_to_their_source_when_they_started(tmp_path: Path) -> None:
    # X's opening is carried past its as-of date (2021-01-05). Y's closure E2 started (01-10)
    # after its own as-of date (01-09): its source could not know of it then, so it sets
    # nothing aside. Y's closure E3 (01-15, known that day) does, in force or ended (01-20)
    m = semantics_ledger(tmp_path, [
        semantics_ev("E1", "2021-01-01", "west__mid", "opening", "open", as_of="2021-01-05"),
        semantics_ev("E2", "2021-01-10", "west__mid", "closure", "closed", end="2021-01-12", claimant="Y",
                     as_of="2021-01-09"),
        semantics_ev("E3", "2021-01-15", "west__mid", "closure", "closed", end="2021-01-16", claimant="Y",
                     as_of="2021-01-15")])
    tl, v = m.timeline, parse_view("consensus", m.ledger)
    i = tl.segments.index("west__mid")
    for day in (dt.date(2021, 1, 14), dt.date(2021, 1, 15), dt.date(2021, 1, 20)):
        want = kr.Timeline(m.G, m.ledger, engine="reference").class_status("west__mid", "civilian", on=day)
        got = tl._class_statuses([i], "civilian", day, v)[0]
        assert got == want == tl.class_status("west__mid", "civilian", on=day)
        assert [c.event for c in got.newer] == (["E3"] if day.day == 20 else [])  # (on 01-15 it is in force)
        assert [c.event for c in got.decision.set_aside] == ([] if day.day == 14 else ["E1"])


def test_status_intervals_on_a_synthetic_grid_agree(tmp_path: Path) -> None:
    # status_intervals looks up again, at each change point, only the segments touched since the
    # one before; with the reference engine it looks up every segment at every change point
    from karabakh_routes.export import status_intervals

    m = _synthetic(tmp_path, segments=60, claims=2000, seed=13)
    ref = kr.Timeline(m.G, m.ledger, engine="reference")
    for view in ("consensus", f"claimant:{m.ledger.claimants[1]}", f"source:{m.ledger.events[2].source}"):
        got = status_intervals(m.timeline, "2022-03-01", "2022-05-31", view=view, traffic=["civilian", "medical"])
        want = status_intervals(ref, "2022-03-01", "2022-05-31", view=view, traffic=["civilian", "medical"])
        assert view != "consensus" or len(got) > 4 * len(m.timeline.segments)  # (answers change in the range)
        assert got.drop(columns="geometry").to_dict("records") == want.drop(columns="geometry").to_dict("records")


def test_snapshots_of_one_claimant_or_source_on_a_synthetic_grid_agree(tmp_path: Path) -> None:
    # a claimant's (or a source's) view sees only its own reports: its carried claims give way
    # to nobody else's (the grid's sources have varied dates, so carried claims meet newer ones)
    m = _synthetic(tmp_path, segments=80, claims=700, seed=7)
    new, ref = m.timeline, kr.Timeline(m.G, m.ledger, engine="reference")
    views = [*(f"claimant:{c}" for c in m.ledger.claimants[:3]), f"source:{m.ledger.events[0].source}"]
    day = dt.date(2021, 1, 1)
    while day < dt.date(2023, 1, 1):
        for view in views:
            got = new.status_codes(on=day, traffic="civilian", view=view).to_dict()
            assert got == {s: ref.class_status(s, "civilian", on=day, view=view).status for s in ref.segments}, \
                (day, view)
        day += dt.timedelta(days=14)


@settings(max_examples=100, deadline=None)
@given(days=st.lists(st.one_of(st.integers(737_000, 737_040), st.integers(1, 3_652_059)), max_size=60),
       narrow=st.booleans())
def test_day_order_is_the_stable_sort_of_the_days(days: list[int], narrow: bool) -> None:
    # (narrow: the days span fewer than 2**16, sorted as 16-bit offsets; else as they are)
    a = np.array([d % 41 + 737_000 if narrow else d for d in days], np.int64)
    assert _columnar.day_order(a).tolist() == np.argsort(a, kind="stable").tolist()


@settings(max_examples=100, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(0, 6), st.one_of(st.integers(737_000, 737_012), st.integers(1, 3_652_059)),
                               st.integers(0, 40)), max_size=60),
       wide=st.booleans())
@example(rows=[(6, 1, 40), (0, 3_652_059, 0)], wide=True)  # 37 + 22 + 6 bits: does not fit
@example(rows=[(1, 737_005, 3), (1, 737_005, 3), (1, 737_001, 2), (0, 737_009, 1)], wide=False)  # ties
def test_windows_sorted_packed_are_the_stable_sort_by_segment_and_day(rows: list[tuple[int, int, int]],
                                                                      wide: bool) -> None:
    # rows listed in event order (as the windows are): one sort of the three packed gives what a
    # stable argsort by segment and day and two gathers give; None when they do not fit in 62 bits
    rows = sorted(rows, key=lambda r: r[2])
    seg = np.array([r[0] * (1 << 34 if wide else 1) for r in rows], np.int64)  # (wide: some do not fit)
    day = np.array([r[1] for r in rows], np.int64)
    ev = np.array([r[2] for r in rows], np.int64)
    got = _columnar.sorted_by_segment_and_day(seg, day, ev)
    if wide and len(rows) and int(seg.max()).bit_length() + (int(day.max()) - int(day.min())).bit_length() \
            + int(ev.max()).bit_length() > 62:
        assert got is None
        return
    assert got is not None
    key = seg * _columnar._BIG + day
    order = np.argsort(key, kind="stable")
    assert got[0].tolist() == key[order].tolist() and got[1].tolist() == ev[order].tolist()


def test_index_of_starts_is_the_stable_sort_of_the_windows() -> None:
    tl = kr.load().timeline
    w = tl._base.take(tl._ea.kind[tl._base.ev] != _columnar.KIND_BASELINE)
    key = w.seg * _columnar._BIG + w.ws
    order = np.argsort(key, kind="stable")
    assert tl._start_keys.tolist() == key[order].tolist() and tl._start_ev.tolist() == w.ev[order].tolist()


@pytest.mark.parametrize("horizon", [None, 0, 30])
def test_as_of_turns_in_blocks_equal_the_clipped_windows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        horizon: int | None) -> None:
    """The days claims turn carried (the range query's touch index) read from the windows in blocks
    (here of 7 rows) equal those read from every window clipped to the horizon at once."""
    m = _synthetic(tmp_path, segments=60, claims=600, seed=3)
    tl = m.timeline
    base, ea = tl._base, tl._ea
    monkeypatch.setattr(_columnar, "_CHUNK", 7)
    for cls in range(len(kr.TRAFFIC_CLASSES)):
        w = _columnar.clip_windows(base, ea, horizon)
        w = w.take((ea.kind[w.ev] == _columnar.KIND_CLAIM) & ((ea.classes[w.ev] >> cls) & 1 == 1))
        a = ea.as_of[w.ev]
        turns = (w.ws <= a) & (a < w.we)
        day, seg = _columnar.as_of_turns(base, ea, horizon, cls)
        assert day.tolist() == (a[turns] + 1).tolist() and seg.tolist() == w.seg[turns].tolist()
        assert len(day) > 0 and np.all(day > 0)


@settings(max_examples=4 * _EXAMPLES, deadline=None)  # (cheap: a few milliseconds an example)
@given(spans=st.lists(st.tuples(st.integers(0, 12), st.integers(-3, 8), st.sampled_from(["ab", "a", "b", "ba"])),
                      min_size=1, max_size=6),
       claims=st.lists(st.tuples(st.integers(-3, 15), st.one_of(st.none(), st.integers(0, 12)),
                                 st.sampled_from(["r", "a", "r|a", "r|r", "b|r"])), min_size=1, max_size=8))
@example(spans=[(0, 2, "a"), (3, 2, "a")], claims=[(0, None, "r")])  # touching: one window
@example(spans=[(0, 2, "a"), (4, 2, "a")], claims=[(0, None, "r")])  # a gap of a day: two
@example(spans=[(0, 2, "a"), (3, -2, "a"), (4, 2, "a")], claims=[(0, None, "r")])  # no day between: still two
def test_windows_of_routes_with_touching_overlapping_and_gapped_alignments(
        spans: list[tuple[int, int, str]], claims: list[tuple[int, int | None, str]]) -> None:
    """A route's alignments on one segment merged once in the table give the windows the reference merges per claim.

    Alignments that touch, overlap, leave a gap, or end before they start (none read from a
    file do: built here), each claim's days clipped to them: the same windows.
    """
    import networkx as nx

    from karabakh_routes.dates import parse_edtf
    from karabakh_routes.events import _new_event
    from karabakh_routes.network import Alignment, Route
    from karabakh_routes.timeline import _windows

    day0 = dt.date(2021, 1, 1)

    def span(d: int) -> kr.DateSpan:
        return parse_edtf((day0 + dt.timedelta(days=d)).isoformat())

    segs = {"a": "a__b", "b": "b__c"}
    route = Route("r", "R", (), "", tuple(Alignment(span(s), span(s + length) if length >= 0 else span(s - 1 + length),
                                                    tuple(segs[c] for c in which)) for s, length, which in spans))
    # (an alignment with length < 0 ends before it starts)
    G = nx.MultiGraph()
    G.add_edge("a", "b", key="a__b")
    G.add_edge("b", "c", key="b__c")
    events = [_new_event(f"E{i}", span(s), span(s + e) if e is not None else None,
                         tuple("r" if t == "r" else segs[t] for t in target.split("|")), "report", "open", (), (), "",
                         "X", "S", "", "", i + 2, {}, None) for i, (s, e, target) in enumerate(claims)]
    ea = _columnar.event_arrays(events, None, lambda s: None)
    seg_index = {"a__b": 0, "b__c": 1}
    got = _columnar.base_windows(ea, {"r": route}, seg_index)
    found = [(int(e), ["a__b", "b__c"][int(s)], dt.date.fromordinal(int(a)), dt.date.fromordinal(int(b)))
             for e, s, a, b in zip(got.ev, got.seg, got.ws, got.we)]
    import karabakh_routes.timeline as kr_timeline

    real_routes_of = kr_timeline.routes_of
    kr_timeline.routes_of = lambda _G: {"r": route}  # type: ignore[assignment]
    try:
        expected = [(i, s, a, b) for i, ev in enumerate(events) for s, a, b in _windows(G, ev)]
    finally:
        kr_timeline.routes_of = real_routes_of
    # (the order of one claim's segments is its route's, not the reference's: each segment's windows are
    # compiled apart; a segment's windows come in the same order)
    by_segment = operator.itemgetter(0, 1)
    assert sorted(found, key=by_segment) == sorted(expected, key=by_segment)


def test_one_way_searches_start_no_farther_than_the_crow_flies(fixture_model: kr.RoadModel, tmp_path: Path) -> None:
    # a search towards a one-way claim's place starts at the great-circle distance of the moves
    # asked about: that is a lower bound of the road distance only if no segment is shorter than
    # the great circle between its ends (on the bundled network and a synthetic grid)
    reach_mod = importlib.import_module("karabakh_routes.reach")
    for G in (fixture_model.G, _synthetic(tmp_path, segments=120, claims=50, seed=2).G):
        net = reach_mod._net(G, [k for *_, k in G.edges(keys=True)])
        toward = reach_mod._Toward(net, np.zeros(len(net.segments), bool))
        u, v = net.src[::2], net.dst[::2]
        crow = np.array([toward._crow(int(a), np.array([b]), np.array([b])) for a, b in zip(u, v)])
        assert (crow > 0).all()
        assert (crow <= net.length[::2] * 1.01).all()  # (a sphere, against the ellipsoid: within 1%)
    # a graph built in code without coordinates: no bound, the searches start as before
    H = nx.MultiGraph()
    H.add_edge("a", "b", key="s1", length_km=1.0)
    H.add_edge("b", "c", key="s2", length_km=2.0)
    H.nodes["a"]["x"] = "not a number"
    net = reach_mod._net(H, ["s1", "s2"])
    assert reach_mod._Toward(net, np.zeros(2, bool))._crow(0, np.array([1]), np.array([2])) == 0.0


@pytest.mark.parametrize("cut", ["no road", "closed"])
def test_a_move_cut_off_from_a_one_way_place_is_settled_by_one_search(cut: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # a move between nodes that no open road links to the place: no limit settles it, so the
    # search doubled its limit up to the whole network, searching it again each time (at L
    # 9 extra searches of the grid, 50 ms, for one such move). A search that reached every
    # node it could is exact everywhere: one search, the same answer and distances
    reach_mod = importlib.import_module("karabakh_routes.reach")
    monkeypatch.setattr(reach_mod, "_SMALL_NET", 0)  # scipy, as on a large network
    G = nx.MultiGraph()
    for i in range(3):  # the place a0's roads: 3 km of them; then a link to a chain of 40 roads of 1 km
        G.add_edge(f"a{i}", f"a{i + 1}", key=f"a{i}", length_km=1.0)
    G.add_edge("a3" if cut == "closed" else "b-", "b0", key="link", length_km=1.0)
    for i in range(40):
        G.add_edge(f"b{i}", f"b{i + 1}", key=f"b{i}", length_km=1.0)
    for n in G.nodes:
        G.nodes[n].update(x=44.0, y=40.0)
    segments = [k for *_, k in G.edges(keys=True)]
    net = reach_mod._net(G, segments)
    closed = np.array([s == "link" and cut == "closed" for s in segments])
    calls: list[float] = []
    real = reach_mod._Search.distances

    def counted(self: Any, origin: int, limit: float = np.inf) -> np.ndarray:
        calls.append(limit)
        return real(self, origin, limit)

    monkeypatch.setattr(reach_mod._Search, "distances", counted)
    toward = reach_mod._Toward(net, closed)
    p, x, y = net.index["a0"], net.index["b0"], net.index["b1"]
    assert not toward.at(p, x, y) and not toward.at(p, y, x)  # neither way goes towards the place
    assert calls == [4.0]  # (the first limit: 4 median lengths; before, 4, 8, 16, 32 and no limit)
    dist, limit = toward._dist[p]
    assert limit == np.inf
    use = np.repeat(~closed, 2)
    whole = reach_mod._Search.over(net, use, net.length)[0]
    assert np.array_equal(dist, real(whole, p))  # the distances of a search without a limit
    # a move farther along the place's own roads than the first limit: searched further, as before
    G.add_edge("a3", "a4", key="a3", length_km=5.0)
    G.add_edge("a4", "a5", key="a4", length_km=1.0)
    net = reach_mod._net(G, [k for *_, k in G.edges(keys=True)])
    calls.clear()
    toward = reach_mod._Toward(net, np.append(closed, [False, False]))
    assert toward.at(net.index["a0"], net.index["a5"], net.index["a4"])
    assert calls == [4.0, 8.0] and toward._dist[net.index["a0"]][1] == 8.0


@settings(max_examples=150, deadline=None)
@given(values=st.lists(st.integers(-50, 400), max_size=700), needles=st.lists(st.integers(-60, 420), max_size=700),
       side=st.sampled_from(["left", "right"]))
def test_blocked_search_is_numpy_searchsorted(values: list[int], needles: list[int], side: str) -> None:
    # the two-step search (a coarse index, then bisection in the block) over sorted values with
    # repeats, blocks cut anywhere, values beyond either end; many needles take the two steps
    a = np.sort(np.array(values, np.int64))
    x = np.array(needles, np.int64)
    expected = np.searchsorted(a, x, side)
    for few in (0, 10**6):  # the two steps, and numpy's own below the threshold
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(_columnar, "_FEW", few)
            mp.setattr(_columnar, "_BLOCK", 8)
            assert _columnar.Blocked(a).search(x, side).tolist() == expected.tolist()
    assert _columnar.Blocked(a).search(x, side).tolist() == expected.tolist()


def _decide_pending(state: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Decide every one-way segment of a day the snapshot settles: (its directed entries, their bounds, their decisions).

    Those left undecided at a bound, and those whose bound was taken as the decision (every
    choice of the claims that may count one way only gives the same status): for these the
    decision must be the bound.
    """
    settled = np.flatnonzero(state.way & ~state.pending)
    wait = np.flatnonzero(state.pending | state.way)
    entries = np.concatenate([2 * wait, 2 * wait + 1])
    bound = state.codes[entries].copy()
    kept = state.codes[np.concatenate([2 * settled, 2 * settled + 1])].copy()
    state._decide(wait)
    assert state.codes[np.concatenate([2 * settled, 2 * settled + 1])].tolist() == kept.tolist()
    return entries, bound, state.codes[entries]


@pytest.mark.parametrize("view", ["consensus", "strict", "lenient", "claimant", "source"])
def test_an_undecided_one_way_segment_is_never_worse_than_its_decision(tmp_path: Path, view: str) -> None:
    # a one-way segment is left undecided at a bound (the best status its claims could give in
    # either direction) until a path crosses it; a path over the bounds is shortest only if no
    # direction comes out better than its bound. Where the claims that always count settle the
    # status, the bound is the decision itself (and no path is searched again)
    reach_mod = importlib.import_module("karabakh_routes.reach")
    m = _synthetic(tmp_path, segments=300, claims=3000, seed=3)
    tl = m.timeline
    text = {"claimant": f"claimant:{m.ledger.claimants[1]}", "source": f"source:{m.ledger.events[0].source}"}.get(view, view)
    v = parse_view(text, m.ledger)
    rank = reach_mod._RANK
    exact = 0
    for day in (dt.date(2021, 3, 1), dt.date(2022, 6, 15), dt.date(2023, 2, 10)):
        for traffic in ("civilian", "humanitarian"):
            state = reach_mod._Day(tl, day, traffic, v)
            _, bound, decided = _decide_pending(state)
            assert (rank[decided] >= rank[bound]).all(), (day, traffic)
            exact += int((decided == bound).sum())
    if view in ("consensus", "strict", "lenient"):
        assert exact > 0


def test_a_passage_that_replaces_a_claim_one_way_leaves_the_bound_open(tmp_path: Path) -> None:
    # X says the road is closed both ways; on one day its passage towards 'east' replaces that
    # claim going east only, where A's one-way claim says open too: east is open that day, the
    # other way closed. The bound before deciding must allow open (X's claim may not count)
    reach_mod = importlib.import_module("karabakh_routes.reach")
    rows = [
        ["E1", "2021-01-01", "", "mid__east", "opening", "open", "", "", "east", "A", "S1", "", "eastward"],
        ["E2", "2021-01-01", "", "mid__east", "closure", "closed", "", "", "", "X", "S1", "", "both ways"],
        ["E3", "2021-02-01", "", "mid__east", "passage", "", "", "humanitarian", "east", "X", "S1", "", "convoy"],
    ]
    m = kr.load(**{k: str(v) for k, v in write_fixture(tmp_path, rows).items()})
    ref = kr.Timeline(m.G, m.ledger, engine="reference")
    for day in ("2021-01-31", "2021-02-01", "2021-02-02"):
        for a, b in (("mid", "east"), ("east", "mid"), ("west", "east")):
            got = kr.reach(m.timeline, a, b, on=day, traffic="humanitarian")
            assert got == kr.reach(ref, a, b, on=day, traffic="humanitarian"), (a, b, day)
    assert kr.reach(m.timeline, "mid", "east", on="2021-02-01", traffic="humanitarian").answer == "yes"
    state = reach_mod._Day(m.timeline, dt.date(2021, 2, 1), "humanitarian", parse_view("consensus", m.ledger))
    entries, bound, decided = _decide_pending(state)
    assert len(entries)
    assert (reach_mod._RANK[decided] >= reach_mod._RANK[bound]).all()


def test_a_carried_claim_gives_way_one_way_where_a_one_way_claim_says_the_same(tmp_path: Path) -> None:
    # A's one-way closure (towards 'mid') and X's carried closure both say closed; Y's newer
    # opening sets X's aside. Going towards 'mid', A still says closed: disputed. Going away
    # from 'mid', A says nothing and X has given way: open. (A claim saying what a claim sure
    # to count says cannot change a segment's status by giving way, unless that claim is one-way)
    m = semantics_ledger(tmp_path, [
        semantics_ev("E1", "2021-01-01", "west__mid", "closure", "closed", direction="mid", claimant="A",
                     as_of="2021-01-30"),
        semantics_ev("E2", "2021-01-01", "west__mid", "closure", "closed", as_of="2021-01-05"),
        semantics_ev("E3", "2021-01-10", "west__mid", "opening", "open", claimant="Y", as_of="2021-01-15")])
    ref = kr.Timeline(m.G, m.ledger, engine="reference")
    for day in ("2021-01-09", "2021-01-10", "2021-01-12"):
        for a, b in (("mid", "west"), ("west", "mid")):
            assert kr.reach(m.timeline, a, b, on=day) == kr.reach(ref, a, b, on=day), (a, b, day)
        assert m.timeline.status_codes(on=day, traffic="civilian").to_dict() == \
            ref.status_codes(on=day, traffic="civilian").to_dict()
    assert kr.reach(m.timeline, "mid", "west", on="2021-01-12").answer == "yes"
    assert kr.reach(m.timeline, "west", "mid", on="2021-01-12").answer == "disputed"


@settings(max_examples=100, deadline=None)
@given(runs=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 6)), max_size=30))
def test_spans_lists_each_run_of_positions_in_turn(runs: list[tuple[int, int]]) -> None:
    lo = np.array([a for a, _ in runs], np.int64)
    cnt = np.array([n for _, n in runs], np.int64)
    assert _columnar.spans(lo, cnt).tolist() == [a + k for a, n in runs for k in range(n)]


@settings(max_examples=100, deadline=None)
@given(a=st.lists(st.integers(-(2**40), 2**40), max_size=50), b=st.lists(st.integers(-300, 300), max_size=50),
       wide=st.booleans())
def test_isin_is_numpy_isin(a: list[int], b: list[int], wide: bool) -> None:
    # by a table over b's range when that is small, else numpy's own way (values of a far outside it too)
    x, y = np.array(a, np.int64), np.array(b + ([2**50] if wide and b else []), np.int64)
    assert _columnar.isin(x, y).tolist() == np.isin(x, y).tolist()
    assert _columnar.isin(y, x).tolist() == np.isin(y, x).tolist()


def test_a_cursor_carried_forward_finds_the_claims_a_search_finds(tmp_path: Path) -> None:
    # a range query carries the change point in force on every key from one day to a later one
    # (by the change points in between); it must find the claims a search of every key finds, on
    # days before any claim, between change points, several days at once and after the last
    m = _synthetic(tmp_path, segments=120, claims=1500, seed=9)
    tl = m.timeline
    for view in ("consensus", f"claimant:{m.ledger.claimants[1]}"):
        v = parse_view(view, m.ledger)
        store = tl._view_store(v)
        claimant = store._claimant[v.value] if v.kind == "claimant" else None
        segments = np.arange(len(tl.segments))
        for cls in (0, 2):
            start = dt.date(2019, 1, 1)
            cursor = store.cursor(cls, start.toordinal())
            assert cursor is not None
            day = start
            for step in (0, 1, 1, 7, 30, 1, 200, 365, 1, 4000):
                day += dt.timedelta(days=step)
                cursor.advance(day.toordinal())
                got = store.in_force_at(day.toordinal(), cls, claimant, segments, cursor)
                want = store.in_force_at(day.toordinal(), cls, claimant, segments)
                assert got[0].tolist() == want[0].tolist() and got[1].tolist() == want[1].tolist(), (view, cls, day)
            with pytest.raises(ValueError, match="forward only"):
                cursor.advance(start.toordinal())


@pytest.mark.parametrize("keep", [2, 1000])
def test_checkpoint_counts_find_the_claims_a_search_finds(tmp_path: Path, keep: int) -> None:
    # a snapshot counts each key's change points from the last checkpoint on or before the day,
    # stepping on only the keys that change before the next one: it must find, for every key,
    # the change point a search finds, on checkpoint days, the days beside them, between, before
    # the first change point and after the last, in any order, with old checkpoints dropped or kept
    from karabakh_routes.timeline import _Checkpoints

    tl = _synthetic(tmp_path, segments=120, claims=1500, seed=4).timeline
    store = tl._store(30)
    for cls in (0, 3):
        c = store.compiled(cls)
        run = c.class_keys(cls)
        base, first, _ = store._keys_of(cls, None)
        cp = store._checks[cls] = _Checkpoints(c, run)
        cp._keep = keep
        assert cp.every >= 1
        days = {cp.d0 - 40, cp.d0 - 1, cp.d0, cp.d0 + cp.span - 1, cp.d0 + cp.span, cp.d0 + cp.span + 900}
        for j in range(0, cp.span // cp.every + 2):
            days |= {cp.d0 + j * cp.every + k for k in (-2, -1, 0, 1)}
        days |= set(np.random.default_rng(cls).integers(cp.d0 - 5, cp.d0 + cp.span + 5, 60).tolist())
        shuffled = sorted(days)
        np.random.default_rng(7).shuffle(shuffled)
        # (shuffled: checkpoints summed, or stepped on from one a few before; then in order:
        # each stepped on from the one before, over the keys found changing in between)
        for order in (shuffled, sorted(days)):
            for day in order:
                want = np.searchsorted(c.marks, base + day, "right") - 1
                want = np.where(want >= first, want, first - 1)
                assert store._marks_at(cls, day).tolist() == want.tolist(), (cls, day)
                # and the claims in force (over the keys listed at the checkpoint only)
                win = c.winner[np.maximum(want, 0)]
                live = (want >= first) & (win >= 0)
                seg, ev = store.in_force(day, cls)
                assert (seg.tolist(), ev.tolist()) == (c.segment_of(c.keys[run])[live].tolist(), win[live].tolist())
        assert len(cp._counts) <= max(keep, 2) and len(cp._moving) <= max(keep, 2) and len(cp._live) <= max(keep, 2)


def _decide_pairwise(claims: list[kr.Claim], passages: list[kr.Claim], baseline: kr.Claim | None, view: str,
                     toward: Any = None, newer: Any = ()) -> Any:
    """:func:`decide` as it was written before it kept the latest starts per status (the pairwise rule)."""
    from karabakh_routes.timeline import _decision

    entries: dict[str, kr.Claim] = {}
    for c in (*claims, *passages):
        if toward is not None and c.direction and not toward(c.direction):
            continue
        entries[c.claimant] = c

    def said(c: kr.Claim) -> str:
        return "open" if c.kind == "passage" else c.status

    status_of = {k: said(c) for k, c in entries.items()}
    stale = [(k, c) for k, c in entries.items() if (c.carried or c.forecast) and c.kind != "passage"]
    aside: list[kr.Claim] = []
    if stale:
        latest: dict[tuple[str, str], str] = {}
        for d in (*entries.values(), *(c for c in newer if toward is None or not c.direction or toward(c.direction))):
            if d.since <= d.as_of and d.since > latest.get((said(d), d.claimant), ""):
                latest[(said(d), d.claimant)] = d.since
        aside = [c for k, c in stale
                 if any(who != k and st != status_of[k] and c.as_of < since for (st, who), since in latest.items())]
    return _decision(entries, status_of, aside, baseline, view)


_ISO = st.sampled_from(["2021-01-01", "2021-01-02", "2021-01-05", "2021-01-09", "2021-01-10", "2021-02-01"])


@st.composite
def _claims(draw: st.DrawFn, kind: str) -> kr.Claim:
    carried = draw(st.booleans()) if kind == "claim" else False
    return kr.Claim(event=f"E{draw(st.integers(0, 99))}", claimant=draw(st.sampled_from(["A", "B", "C", "D"])),
                    source="S1", status="passage" if kind == "passage" else draw(st.sampled_from(["open", "closed"])),
                    type="report", start="", end="", quote="", note="", kind=kind, as_of=draw(_ISO),
                    carried=carried, forecast=not carried and kind == "claim" and draw(st.booleans()),
                    direction=draw(st.sampled_from(["", "", "p", "q"])), since=draw(_ISO))


def _claim(claimant: str, status: str, since: str, as_of: str, *, carried: bool = False, kind: str = "claim") -> kr.Claim:
    return kr.Claim(event=f"{claimant}{status}{since}", claimant=claimant, source="S1", status=status, type="report",
                    start="", end="", quote="", note="", kind=kind, as_of=as_of, carried=carried, since=since)


@settings(max_examples=300, deadline=None)
# A's carried closure gives way to B's later opening, though A's own opening (no longer in force) is later still
@example(claims=[_claim("A", "closed", "2021-01-01", "2021-01-02", carried=True)], passages=[],
         newer=[_claim("A", "open", "2021-01-10", "2021-01-10"), _claim("B", "open", "2021-01-05", "2021-01-05")],
         view="consensus", way=None)
@given(claims=st.lists(_claims("claim"), max_size=8), passages=st.lists(_claims("passage"), max_size=3),
       newer=st.lists(st.one_of(_claims("claim"), _claims("passage")), max_size=8),
       view=st.sampled_from(["consensus", "strict", "lenient", "claimant"]),
       way=st.sampled_from([None, "p", "q", "both"]))
def test_decide_gives_the_pairwise_rule(claims: list[kr.Claim], passages: list[kr.Claim], newer: list[kr.Claim],
                                        view: str, way: str | None) -> None:
    # decide() keeps, per status said, the latest start and the latest of any other claimant, where
    # it compared every stale claim with every report: the same decisions, claims and order
    toward = None if way is None else (lambda place: way in ("both", place))
    baseline = kr.Claim(event="B0", claimant="dataset baseline", source="S1", status="closed", type="baseline",
                        start="", end="", quote="", note="", kind="baseline")
    for base in (None, baseline):
        got = kr.timeline.decide(claims, passages, base, view, toward, newer)
        assert got == _decide_pairwise(claims, passages, base, view, toward, newer)


def test_periods_do_not_search_again_for_a_place_still_walled_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # "far" is cut off from the first day: a search of each tier that did not reach it leaves a
    # wall (the roads from what it reached to the rest), carried from change point to change
    # point. Roads closing and opening behind the wall (mid__east) need no search; a road in
    # the wall opening onto a pocket that does not lead to "far" (west__south: south__east is
    # still closed) moves the wall out past the pocket; only east__far opening brings a search
    row = ["", "", "", "", "", "", "", "", "", "X", "S1", "", ""]
    rows = [[f"E{i}", start, "", target, kind, status, *row[6:]] for i, (start, target, kind, status) in enumerate([
        ("2021-01-01", "east__far", "closure", "closed"), ("2021-01-01", "west__south", "closure", "closed"),
        ("2021-01-01", "south__east", "closure", "closed"), ("2021-02-01", "mid__east", "closure", "closed"),
        ("2021-03-01", "mid__east", "opening", "open"), ("2021-04-01", "west__south", "opening", "open"),
        ("2021-05-01", "east__far", "opening", "open")], 1)]
    _, new, ref = _engines(tmp_path, rows)
    reach_mod = importlib.import_module("karabakh_routes.reach")
    searched: list[frozenset[int] | None] = []
    routes = reach_mod._Routes.__init__

    def counting(self: Any, net: Any, origin: int, codes: Any, allowed: frozenset[int] | None) -> None:
        routes(self, net, origin, codes, allowed)
        if np.isfinite(self.dist).sum() > 1:  # (a tree of the origin alone is no search)
            searched.append(allowed)

    monkeypatch.setattr(reach_mod._Routes, "__init__", counting)
    got = kr.periods(new, "west", "far", start="2021-01-01", end="2021-06-30", traffic="civilian", horizon=None)
    assert got == kr.periods(ref, "west", "far", start="2021-01-01", end="2021-06-30", traffic="civilian",
                             horizon=None)
    assert [(p.start.isoformat(), p.answer) for p in got] == [("2021-01-01", "no"), ("2021-05-01", "unknown")]
    unknown_tier = frozenset(reach_mod._CODE[s] for s in ("open", "disputed", "unknown"))
    # the unknown tier searched on the first day and when east__far opened; never in between
    assert searched.count(unknown_tier) == 2


def test_chart_statuses_and_passages_on_a_synthetic_grid_agree(tmp_path: Path) -> None:
    """The chart's statuses (its routes' segments alone, claims in force carried day to day) are
    the whole network's snapshot's, in every view; a day's passages, found in arrays, are those
    of one search per (segment, class) with the view checked event by event."""
    from karabakh_routes.chart import _Statuses
    from karabakh_routes.network import routes_of
    from karabakh_routes.timeline import _in_view

    m = _synthetic(tmp_path, segments=200, claims=2500, seed=13)
    tl = m.timeline
    routes = list(routes_of(m.G).values())[:4]
    lo, hi = dt.date(2021, 3, 1), dt.date(2021, 6, 30)
    claimant, source = tl.ledger.claimants[0], tl.ledger.events[0].source
    ncls = len(kr.TRAFFIC_CLASSES)
    seen_passages = 0
    for view, horizon in [("consensus", "default"), ("strict", None), ("lenient", 5),
                          (f"claimant:{claimant}", "default"), (f"source:{source}", "default")]:
        v = parse_view(view, tl.ledger, horizon=horizon)
        statuses = _Statuses(m, v, routes)
        days = [lo, *(d for d in tl.change_points(lo, hi, horizon=v.horizon) if d > lo)]
        for cls in kr.TRAFFIC_CLASSES:
            for day in [*days, days[len(days) // 2], *days[len(days) // 2 + 1:]]:  # and back in time once
                assert statuses.codes(day, cls).tolist() == tl._codes_on(day, cls, v)[statuses._at].tolist(), (view, day)
        for day in days:
            expected = []
            d = day.toordinal()
            for g in tl._passage_groups.get(d, np.zeros(0, np.int64)).tolist():
                i, j = np.searchsorted(tl._pass_key, [g * _columnar._BIG + d, g * _columnar._BIG + d + 1])
                expected += [(e, g // ncls, g % ncls) for e in tl._pass_ev[i:j].tolist()]
            expected = [x for x in sorted(expected) if _in_view(tl._ea.events[x[0]], v)]
            assert tl._passages_of(day, v) == expected
            seen_passages += len(expected)
            some = statuses._at[::2]
            assert tl._passages_of(day, v, some) == [x for x in expected if x[1] in set(some.tolist())]
    assert seen_passages > 20
