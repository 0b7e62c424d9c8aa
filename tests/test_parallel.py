"""Range queries over several processes (``workers=``): the same periods as one walk, progress, errors."""

from __future__ import annotations

import datetime as dt
import importlib
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_columnar import _engines, _synthetic, ledger_rows

import karabakh_routes as kr
from karabakh_routes import _parallel
from karabakh_routes._range import outside_side, outside_span_note
from karabakh_routes.cli import main
from karabakh_routes.export import status_intervals
from karabakh_routes.timeline import parse_view

reach_mod = importlib.import_module("karabakh_routes.reach")

_EXAMPLES = 60 if os.environ.get("CI", "").lower() in ("1", "true", "yes") else 15


@settings(max_examples=_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=ledger_rows(), horizon=st.sampled_from([0, 7, 30, None]), cls=st.sampled_from(["civilian", "humanitarian"]),
       view=st.sampled_from(["consensus", "strict", "source:S1"]), where=st.lists(st.integers(1, 10_000), max_size=4))
def test_runs_walked_apart_and_joined_equal_one_walk(tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]],
                                                    horizon: int | None, cls: str, view: str, where: list[int]) -> None:
    # the range cut anywhere into runs of change points, each walked from a fresh state (as a
    # worker does), and the runs' periods joined: the periods of one walk, bases and ages included
    m, new, ref = _engines(tmp_path_factory.mktemp("par"), rows)
    points = new.change_points(horizon=horizon)
    lo = (points[0] if points else dt.date(2023, 1, 1)) - dt.timedelta(days=3)
    hi = (points[-1] if points else dt.date(2023, 1, 1)) + dt.timedelta(days=3)
    v = parse_view(view, m.ledger, horizon=horizon)
    targets = ["far", "mid", "west"]
    for tl in (new, ref):
        whole = kr.periods_from(tl, "west", targets, start=lo, end=hi, traffic=cls, view=view, horizon=horizon)
        cuts = reach_mod._range_days(tl, lo, hi, cls, v.horizon)
        side = {d: outside_side(tl, d, horizon=v.horizon) for d in cuts}

        def note(a: dt.date, b: dt.date, tl: kr.Timeline = tl) -> str:
            return outside_span_note(tl, a, b, horizon=v.horizon)

        at = sorted({0, *(w % len(cuts) for w in where), len(cuts)})
        parts = [reach_mod._walk(tl, "west", targets, cls, v, cuts[i:j],
                                 cuts[j] - dt.timedelta(days=1) if j < len(cuts) else hi, side, note, lambda d: None)
                 for i, j in zip(at, at[1:]) if i < j]
        for b in targets:
            assert reach_mod._joined([p[b] for p in parts], side, note) == whole[b]


def test_workers_give_the_same_periods_on_the_bundled_data() -> None:
    tl = kr.load().timeline
    for cls in ("civilian", "humanitarian"):
        one = kr.periods_from(tl, "Aghdam", traffic=cls)
        assert kr.periods_from(tl, "Aghdam", traffic=cls, workers=2) == one
        assert kr.periods_from(tl, "Goris", ["Stepanakert"], traffic=cls, workers=3)["khankendi_stepanakert"] == (
            kr.periods(tl, "Goris", "Khankendi", traffic=cls))
    # more workers than change points in the range, and the reference engine
    assert kr.periods(tl, "Goris", "Stepanakert", start="2023-07-18", end="2023-07-22", workers=8) == (
        kr.periods(tl, "Goris", "Stepanakert", start="2023-07-18", end="2023-07-22"))
    ref = kr.Timeline(tl.G, tl.ledger, engine="reference")
    assert kr.periods(ref, "Aghdam", "Askeran", start="2023-06-01", end="2023-10-31", traffic="humanitarian",
                      workers=2) == kr.periods(tl, "Aghdam", "Askeran", start="2023-06-01", end="2023-10-31",
                                               traffic="humanitarian")


def test_workers_report_progress_for_every_day_visited() -> None:
    m = kr.load()
    tl = m.timeline
    days: list[tuple[int, int, dt.date]] = []
    got = kr.periods(tl, "Goris", "Stepanakert", workers=2, progress=lambda i, n, d: days.append((i, n, d)))
    assert got == kr.periods(tl, "Goris", "Stepanakert")
    total = days[0][1]
    # every day visited reported once, counted 1..total in the order they arrive
    assert [i for i, _, _ in days] == list(range(1, total + 1))
    assert {n for _, n, _ in days} == {total}
    assert sorted(d for *_, d in days) == reach_mod._range_days(tl, min(d for *_, d in days),
                                                                 max(d for *_, d in days), "civilian", 30)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_a_bad_number_of_workers_is_refused_before_any_work(bad: object) -> None:
    tl = kr.load().timeline
    with pytest.raises(ValueError, match=r"workers must be a whole number of processes, at least 1 .*got " + repr(bad)
                       .replace(".", r"\.")):
        kr.periods(tl, "Goris", "Stepanakert", workers=bad)  # type: ignore[arg-type]


def test_workers_none_is_one_per_usable_core() -> None:
    assert _parallel.check_workers(None) == _parallel.usable_cores() >= 1
    assert _parallel.check_workers(3) == 3


def test_without_fork_the_range_is_walked_here_with_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    tl = kr.load().timeline
    want = kr.periods(tl, "Aghdam", "Khankendi", traffic="humanitarian")
    seen = _without_fork(monkeypatch, reach_mod, "_walk")
    with pytest.warns(RuntimeWarning, match="cannot do; the range is walked in this process"):
        assert kr.periods(tl, "Aghdam", "Khankendi", traffic="humanitarian", workers=2) == want
    assert set(seen) == {os.getpid()} and len(seen) > 1


def _without_fork(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    """Make the platform unable to fork (as Windows is); return the ids of the processes ``module.name`` then runs in."""
    monkeypatch.setattr(_parallel.mp, "get_all_start_methods", lambda: ["spawn"])
    seen: list[int] = []
    real = getattr(module, name)

    def recorded(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(os.getpid())
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, recorded)
    return seen


def test_an_error_in_a_worker_is_raised_here(monkeypatch: pytest.MonkeyPatch) -> None:
    tl = kr.load().timeline
    real = reach_mod._walk

    def walk(timeline, a, targets, traffic, v, cuts, *rest):  # type: ignore[no-untyped-def]
        if cuts[0] > dt.date(2022, 1, 1):
            raise ArithmeticError(f"a worker failed on {cuts[0]}")
        return real(timeline, a, targets, traffic, v, cuts, *rest)

    monkeypatch.setattr(reach_mod, "_walk", walk)  # (the forked workers inherit it)
    with pytest.raises(ArithmeticError, match="a worker failed on"):
        kr.periods(tl, "Goris", "Stepanakert", workers=2)
    assert _parallel._TASK is None and _parallel._DONE is None


def test_cli_periods_with_workers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["periods", "Goris", "Stepanakert", "--traffic", "humanitarian", "--json"]) == 0
    one = capsys.readouterr().out
    assert main(["periods", "Goris", "Stepanakert", "--traffic", "humanitarian", "--json", "--workers", "2"]) == 0
    assert capsys.readouterr().out == one
    assert main(["periods", "Goris", "Berdzor", "Askeran", "--workers", "all"]) == 0
    assert "goris -> " in capsys.readouterr().out.lower()
    for bad in ("0", "-3", "two", "1.5"):
        with pytest.raises(SystemExit) as e:
            main(["periods", "Goris", "Stepanakert", "--workers", bad])
        assert e.value.code == 2
        err = capsys.readouterr().err
        assert f"argument --workers: '{bad}' is not a number of processes" in err
        assert "Traceback" not in err


def test_a_pool_worker_walks_its_range_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    # a daemonic process (a worker of a multiprocessing pool) may not start processes of its own
    tl = kr.load().timeline
    want = kr.periods(tl, "Aghdam", "Khankendi", traffic="humanitarian")

    class Daemon:
        daemon = True

    monkeypatch.setattr(_parallel.mp, "current_process", lambda: Daemon())
    with pytest.warns(RuntimeWarning, match=r"itself a worker of a process pool\) may not start"):
        assert kr.periods(tl, "Aghdam", "Khankendi", traffic="humanitarian", workers=2) == want


def test_cli_periods_with_workers_shows_progress_on_a_terminal(capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import re
    import sys

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    term = Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    assert main(["periods", "Goris", "Stepanakert", "--workers", "2"]) == 0
    shown = term.getvalue()
    last = re.findall(r"karabakh-routes: ([\d,]+) of ([\d,]+) days where something may change", shown)[-1]
    assert last[0] == last[1]  # every day counted, the last one always shown
    assert shown.endswith("\r\x1b[2K") and "Traceback" not in shown
    monkeypatch.setattr(sys, "stderr", sys.__stderr__)
    assert capsys.readouterr().out.count(" .. ") > 3


def test_an_error_in_the_progress_callback_drops_the_work_not_started(monkeypatch: pytest.MonkeyPatch,
                                                                     tmp_path: Path) -> None:
    tl = kr.load().timeline
    real = reach_mod._walk
    log = tmp_path / "runs.txt"
    first = kr.periods(tl, "Goris", "Stepanakert")[0].start

    def walk(timeline, a, targets, traffic, v, cuts, *rest):  # type: ignore[no-untyped-def]
        import time
        with open(log, "a", encoding="utf-8") as fh:  # (in the worker: which runs were started)
            fh.write(f"{cuts[0]}\n")
        if cuts[0] != first:
            time.sleep(1.0)  # (the other runs slow enough for the first one's error to come first)
        return real(timeline, a, targets, traffic, v, cuts, *rest)

    monkeypatch.setattr(reach_mod, "_walk", walk)
    shown: list[dt.date] = []

    def progress(done: int, total: int, day: dt.date) -> None:
        shown.append(day)
        raise KeyError("the display failed")

    with pytest.raises(KeyError, match="the display failed"):
        kr.periods(tl, "Goris", "Stepanakert", workers=2, progress=progress)
    # of the 8 runs, only those already handed to the 2 workers (and one queued) were walked:
    # not all of them (they would take 3.5 s more)
    assert len(shown) == 1 and 1 <= len(log.read_text(encoding="utf-8").split()) < 8
    assert _parallel._TASK is None


# -- status intervals over several processes --------------------------------------------------
export_mod = importlib.import_module("karabakh_routes.export")


def _table(iv: Any) -> tuple[Any, ...]:
    """Everything a status-interval table holds: rows (geometry as WKT), columns, types, attributes."""
    rows = iv.drop(columns="geometry").to_dict("records")
    return rows, list(iv.geometry.to_wkt()), list(iv.columns), [str(t) for t in iv.dtypes], iv.attrs, iv.crs


def test_workers_give_the_same_status_intervals(tmp_path: Path) -> None:
    # each segment's intervals are worked out whole in one process: the table is the same,
    # row for row (on a grid where claims about routes give many segments the same answer)
    m = _synthetic(tmp_path, segments=60, claims=2000, seed=13)
    for view in ("consensus", f"source:{m.ledger.events[2].source}"):
        one = status_intervals(m, "2022-03-01", "2022-05-31", view=view, traffic=["civilian", "medical"])
        assert view != "consensus" or len(one) > 4 * len(m.timeline.segments)  # (answers change in the range)
        for workers in (2, 3):
            got = status_intervals(m, "2022-03-01", "2022-05-31", view=view, traffic=["civilian", "medical"],
                                   workers=workers)
            assert _table(got) == _table(one)
    bundled = kr.load()
    one = status_intervals(bundled)
    got = status_intervals(bundled, workers=2)
    assert _table(got) == _table(one)
    # an area, and more workers than segments
    box = (46.4, 39.7, 46.9, 40.0)
    assert _table(status_intervals(bundled, "2023-01-01", "2023-12-31", bbox=box, workers=64)) == (
        _table(status_intervals(bundled, "2023-01-01", "2023-12-31", bbox=box)))
    # the reference engine (every segment looked up at every change point: shared out evenly)
    ref = kr.Timeline(bundled.G, bundled.ledger, engine="reference")
    assert _table(status_intervals(ref, "2023-06-01", "2023-09-30", traffic="humanitarian", workers=2)) == (
        _table(status_intervals(bundled, "2023-06-01", "2023-09-30", traffic="humanitarian")))
    # each row's lists and dicts are its own, although rows with the same answer are made from one
    for column in ("claimants", "positions", "claim_ids", "assumptions"):
        assert len({id(x) for x in got[column]}) == len(got)


def test_status_intervals_refuse_a_bad_number_of_workers_and_work_here_without_fork(
        monkeypatch: pytest.MonkeyPatch) -> None:
    m = kr.load()
    with pytest.raises(ValueError, match=r"workers must be a whole number of processes, at least 1 .*got 0"):
        status_intervals(m, workers=0)
    want = status_intervals(m, "2023-01-01", "2023-03-31")
    seen = _without_fork(monkeypatch, export_mod, "_interval_rows")
    with pytest.warns(RuntimeWarning, match="cannot do; the table is made in this process"):
        assert _table(status_intervals(m, "2023-01-01", "2023-03-31", workers=2)) == _table(want)
    assert set(seen) == {os.getpid()} and len(seen) > 1


def test_cli_export_intervals_with_workers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    assert main(["export", "intervals", "-o", str(one), "--from", "2023-01-01", "--to", "2023-12-31"]) == 0
    assert main(["export", "intervals", "-o", str(two), "--from", "2023-01-01", "--to", "2023-12-31",
                 "--workers", "2"]) == 0
    assert two.read_bytes() == one.read_bytes()
    capsys.readouterr()
    # only the intervals take it
    assert main(["export", "status", "--on", "2023-01-01", "-o", str(tmp_path / "s.csv"), "--workers", "2"]) == 2
    err = capsys.readouterr().err
    assert "export status takes only" in err and "remove --workers" in err and "Traceback" not in err
    assert not (tmp_path / "s.csv").exists()


def test_status_intervals_report_progress_for_every_step() -> None:
    m = kr.load()
    days = [dt.date(2023, 1, 1), *(d for d in m.timeline.change_points("2023-01-01", "2023-12-31")
                                   if d > dt.date(2023, 1, 1))]
    seen: list[tuple[int, int, dt.date]] = []
    one = status_intervals(m, "2023-01-01", "2023-12-31", traffic=["civilian", "medical"],
                           progress=lambda i, n, d: seen.append((i, n, d)))
    # in one process: each change point of each class once, in order
    assert seen == [(i + 1, 2 * len(days), d) for i, d in enumerate(days + days)]
    seen.clear()
    got = status_intervals(m, "2023-01-01", "2023-12-31", traffic=["civilian", "medical"], workers=2,
                           progress=lambda i, n, d: seen.append((i, n, d)))
    assert _table(got) == _table(one)
    # in two processes: each run of segments reports each step, counted 1..total as they arrive
    total = seen[0][1]
    assert total % (2 * len(days)) == 0 and total > 2 * len(days)
    assert [i for i, _, _ in seen] == list(range(1, total + 1)) and {n for _, n, _ in seen} == {total}
    assert sorted(d for _, _, d in seen) == sorted(days * (total // len(days)))


def test_cli_export_intervals_shows_progress_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import re
    import sys

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    term = Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    out = tmp_path / "iv.csv"
    assert main(["export", "intervals", "-o", str(out), "--from", "2023-01-01", "--to", "2023-06-30",
                 "--workers", "2"]) == 0
    shown = term.getvalue()
    last = re.findall(r"karabakh-routes: ([\d,]+) of ([\d,]+) change points looked up, class by class", shown)[-1]
    assert last[0] == last[1]  # every step counted, the last one always shown
    assert "\r\x1b[2K" in shown and "Traceback" not in shown and out.stat().st_size > 0
