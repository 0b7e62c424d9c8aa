"""The engine at the ends of the calendar: claims, passages and queries on 0001-01-01 and 9999-12-31.

``datetime.date`` has no day before 0001-01-01 nor after 9999-12-31, so every "day after" or
"day before" the engine computes must not step off the calendar. Each scenario is a small
ledger on the fixture network; status, reach, periods, the chart and the command line must
all answer (exit code 0 or 2, never an unexpected error).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import cast

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pytest
from conftest import ROUTES, write_fixture

import karabakh_routes as kr
from karabakh_routes.chart import save_chart, timeline_chart
from karabakh_routes.cli import main
from karabakh_routes.dates import DATE_MAX, DATE_MIN, parse_edtf
from karabakh_routes.reach import ANSWERS
from karabakh_routes.timeline import SEGMENT_STATUSES

_ONE_DAY = dt.timedelta(days=1)
_num = cast(Callable[[dt.date], float], mdates.date2num)  # matplotlib.dates has no type hints
OPEN_CORRIDOR = ["E0", "2020-01-01", "", "corridor", "opening", "open", "", "", "", "X", "S1", "", ""]
OPEN_TAIL = ["E9", "2020-01-01", "", "tail", "opening", "open", "", "", "", "X", "S1", "", ""]


def row(eid: str, start: str, end: str, target: str, kind: str, status: str = "", allowed: str = "",
        claimant: str = "X") -> list[str]:
    return [eid, start, end, target, kind, status, "", allowed, "", claimant, "S1", "", ""]


# A route whose last alignment starts and ends on the last day of the calendar.
EDGE_ROUTES: list[dict[str, object]] = [*cast(list[dict[str, object]], ROUTES), {
    "id": "loop", "name": "Loop", "aliases": [], "description": "", "alignments": [
        {"start": "2020-01-01", "end": "9999-12-30", "segments": ["west__mid", "mid__east"]},
        {"start": "9999-12-31", "end": "9999-12-31", "segments": ["mid__east", "east__far"]},
    ]}]

SCENARIOS: dict[str, tuple[list[list[str]], list[dict[str, object]] | None]] = {
    "claim starting on the last day": ([OPEN_CORRIDOR, OPEN_TAIL, row("E1", "9999-12-31", "", "tail", "closure", "closed")],
                                       None),
    "claim ending on the last day": ([row("E1", "2020-01-01", "9999-12-31", "corridor", "closure", "closed")], None),
    "claim starting on the first day": ([row("E1", "0001-01-01", "", "corridor", "opening", "open"),
                                         row("E2", "0001-01-01", "0001-01-01", "tail", "closure", "closed")], None),
    "approximate first day": ([row("E1", "0001-01-01~", "", "corridor", "opening", "open")], None),
    "approximate last year (start)": ([OPEN_CORRIDOR, row("E1", "9999~", "", "corridor", "closure", "closed")], None),
    "approximate last year (end)": ([row("E1", "2020-01-01", "9999~", "corridor", "closure", "closed")], None),
    "interval ending on the last day": ([row("E1", "9999-12-30/9999-12-31", "", "tail", "closure", "closed")], None),
    "passage on the last day": ([OPEN_CORRIDOR, row("E1", "2020-01-01", "", "tail", "closure", "closed"),
                                 row("E2", "9999-12-31", "", "tail", "passage", allowed="humanitarian")], None),
    "passage on the first day": ([row("E1", "0001-01-01", "", "mid__east", "passage", allowed="humanitarian")], None),
    "route alignment on the last day": ([row("E1", "2020-01-01", "", "loop", "closure", "closed"),
                                         row("E2", "9999-12-31", "", "loop", "passage", allowed="humanitarian"),
                                         row("E3", "9999-12-31", "9999-12-31", "loop", "opening", "open", claimant="Y")],
                                        EDGE_ROUTES),
}
EDGE_DAYS = [DATE_MIN, DATE_MIN + _ONE_DAY, dt.date(2021, 3, 11), DATE_MAX - _ONE_DAY, DATE_MAX]


def _write(folder: Path, rows: list[list[str]]) -> dict[str, Path]:
    """The fixture files, every source dated the last day of the calendar.

    So every claim attests to every day up to 9999-12-31 and nothing is carried: these tests
    are about the ends of the calendar, not about as-of dates (tests/test_semantics.py).
    """
    files = write_fixture(folder, rows)
    text = files["sources"].read_text(encoding="utf-8")
    files["sources"].write_text(text.replace(",2022-06-01,", ",9999-12-31,"), encoding="utf-8")
    return files


def _needs_parse(rows: list[list[str]]) -> None:
    """xfail (not error) when dates.parse_edtf itself cannot read an edge date yet."""
    for r in rows:
        for text in (r[1], r[2]):
            if not text:
                continue
            try:
                parse_edtf(text)
            except kr.DateError:
                pass
            except (OverflowError, ValueError) as exc:  # pragma: no cover - depends on dates.py
                pytest.xfail(f"dates.parse_edtf({text!r}) raises {type(exc).__name__}: {exc} (dates.py, not the engine)")


@pytest.fixture(params=list(SCENARIOS), ids=list(SCENARIOS))
def edge(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[dict[str, Path], kr.RoadModel]:
    rows, routes = SCENARIOS[request.param]
    _needs_parse(rows)
    files = _write(tmp_path, rows)
    if routes is not None:
        files["routes"].write_text(json.dumps(routes), encoding="utf-8")
    return files, kr.load(**{k: str(v) for k, v in files.items()})


def _query_days(m: kr.RoadModel) -> list[dt.date]:
    days = set(EDGE_DAYS)
    for p in m.timeline.change_points():
        days |= {p, p - _ONE_DAY}  # change points are after DATE_MIN
        if p < DATE_MAX:
            days.add(p + _ONE_DAY)
    return sorted(days)


def test_status_and_reach_on_every_edge_day(edge: tuple[dict[str, Path], kr.RoadModel]) -> None:
    _, m = edge
    for day in _query_days(m):
        gdf = m.status(on=day)
        assert len(gdf) == 5 and set(gdf["status"]) <= set(SEGMENT_STATUSES)
        for cls in kr.TRAFFIC_CLASSES:
            r = m.reach("west", "far", on=day, traffic=cls)
            assert r.answer in ANSWERS
        m.timeline.passages(on=day)


@pytest.mark.parametrize("traffic", ["civilian", "humanitarian"])
def test_periods_over_the_whole_calendar(edge: tuple[dict[str, Path], kr.RoadModel], traffic: str) -> None:
    _, m = edge
    ps = m.periods("west", "far", start=DATE_MIN, end=DATE_MAX, traffic=traffic)
    assert ps[0].start == DATE_MIN and ps[-1].end == DATE_MAX
    for a, b in zip(ps, ps[1:]):
        assert b.start == a.end + _ONE_DAY
        assert a.answer != b.answer or bool(a.outside_data) != bool(b.outside_data)  # cut at the data's range
    # each period's answer holds on its first and last day (the edges included)
    for p in ps:
        for day in {p.start, p.end}:
            r = m.reach("west", "far", on=day, traffic=traffic)
            assert (r.answer, bool(r.outside_data)) == (p.answer, bool(p.outside_data)), (p, day)
    assert m.periods("west", "far", traffic=traffic)  # the default range (first to last change point)
    assert m.periods("west", "far", start=DATE_MAX, end=DATE_MAX, traffic=traffic)[0].end == DATE_MAX


def test_chart_to_the_last_day(edge: tuple[dict[str, Path], kr.RoadModel], tmp_path: Path) -> None:
    _, m = edge
    for start, end in [(None, DATE_MAX), (dt.date(9999, 12, 1), DATE_MAX), (DATE_MAX, DATE_MAX), (DATE_MIN, None),
                       (None, None)]:
        fig = timeline_chart(m, start=start, end=end)
        try:
            save_chart(fig, tmp_path / "chart.png", dpi=30)  # draws: the date locator and formatter run
            if end == DATE_MAX:
                assert "to 9999-12-31" in fig.texts[0].get_text()
                right = fig.axes[1].get_xlim()[1]
                assert _num(DATE_MAX) < right < _num(DATE_MAX) + 1
        finally:
            plt.close(fig)


def test_cli_commands_at_the_edges(edge: tuple[dict[str, Path], kr.RoadModel], tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    files, _ = edge
    data = [a for k, v in files.items() for a in (f"--{k}", str(v))]
    commands = [
        ["status", "--on", "9999-12-31"], ["status", "--on", "0001-01-01", "--json"],
        ["reach", "west", "far", "--on", "9999-12-31"], ["reach", "west", "far", "--on", "0001-01-01", "--json"],
        ["periods", "west", "far", "--to", "9999-12-31"],
        ["periods", "west", "far", "--from", "0001-01-01", "--to", "9999-12-31", "--traffic", "humanitarian"],
        ["periods", "west", "east", "--from", "9999-12-31", "--to", "9999-12-31", "--json"],
        ["periods", "west", "far"], ["events"], ["validate"],
        ["chart", "--to", "9999-12-31", "-o", str(tmp_path / "a.png")],
        ["chart", "--from", "9999-12-01", "--to", "9999-12-31", "-o", str(tmp_path / "b.svg")],
        ["chart", "-o", str(tmp_path / "c.png")],
    ]
    for cmd in commands:
        try:
            code = main([*cmd, *data])
        except SystemExit as exc:  # argparse
            code = exc.code  # type: ignore[assignment]
        err = capsys.readouterr().err
        assert code in (0, 2), (cmd, code, err)
        assert code == 0, (cmd, err)  # every one of these is a valid request
        assert "unexpected error" not in err


# -- what the edge days mean -----------------------------------------------------------------

def _model(tmp_path: Path, rows: list[list[str]], routes: list[dict[str, object]] | None = None) -> kr.RoadModel:
    files = _write(tmp_path, rows)
    if routes is not None:
        files["routes"].write_text(json.dumps(routes), encoding="utf-8")
    return kr.load(**{k: str(v) for k, v in files.items()})


def test_a_claim_starting_on_the_last_day_is_a_change_point(tmp_path: Path) -> None:
    m = _model(tmp_path, SCENARIOS["claim starting on the last day"][0])
    assert m.timeline.change_points()[-1] == DATE_MAX
    assert m.timeline.class_status("east__far", "civilian", on=DATE_MAX).status == "closed"
    ps = m.periods("west", "far", start="9999-12-01", end="9999-12-31")
    assert [(p.start, p.end, p.answer) for p in ps] == [
        (dt.date(9999, 12, 1), dt.date(9999, 12, 30), "yes"), (DATE_MAX, DATE_MAX, "no")]


def test_a_passage_on_the_last_day(tmp_path: Path) -> None:
    m = _model(tmp_path, SCENARIOS["passage on the last day"][0])
    st = m.timeline.class_status("east__far", "humanitarian", on=DATE_MAX)
    assert st.status == "open" and [p.event for p in st.passages] == ["E2"]
    assert m.timeline.class_status("east__far", "humanitarian", on=DATE_MAX - _ONE_DAY).status == "closed"
    assert [p["event"] for p in m.timeline.passages(on=DATE_MAX)] == ["E2"]


def test_route_alignment_on_the_last_day(tmp_path: Path) -> None:
    rows, routes = SCENARIOS["route alignment on the last day"]
    m = _model(tmp_path, rows, routes)
    tl = m.timeline
    # the loop's closure moves to the last alignment (mid__east stays, east__far joins) on the last day
    assert tl.class_status("west__mid", "civilian", on=DATE_MAX - _ONE_DAY).status == "closed"
    assert tl.class_status("west__mid", "civilian", on=DATE_MAX).status == "unknown"
    assert tl.class_status("east__far", "civilian", on=DATE_MAX).status == "disputed"  # X closed, Y open
    assert tl.class_status("east__far", "humanitarian", on=DATE_MAX).status == "open"  # the passage


def test_chart_default_range_when_every_claim_predates_the_routes(tmp_path: Path) -> None:
    """The default end is a month after the last change point *or the start*: never before the start."""
    m = _model(tmp_path, SCENARIOS["passage on the first day"][0])
    fig = timeline_chart(m)
    try:
        assert "2020-01-01 to 2020-02-01" in fig.texts[0].get_text()
    finally:
        plt.close(fig)


def test_chart_last_day_is_drawn(tmp_path: Path) -> None:
    from matplotlib.colors import to_hex

    from karabakh_routes.maps.style import STATUS_STYLES
    m = _model(tmp_path, SCENARIOS["claim starting on the last day"][0])
    fig = timeline_chart(m, start="9999-12-30", end="9999-12-31", routes=["tail"])
    try:
        bars = set()
        for coll in fig.axes[1].collections:
            for path, fc in zip(coll.get_paths(), np.asarray(coll.get_facecolor(), dtype=float)):
                xs = np.asarray(path.vertices, dtype=float)[:, 0]
                bars.add((float(xs.min()), float(xs.max()), to_hex(tuple(fc[:3])).upper()))
        x = _num(DATE_MAX)
        right = fig.axes[1].get_xlim()[1]
        assert x < right < x + 1
        # every class: open on 9999-12-30, closed on the last day, drawn up to the right edge
        assert bars == {(x - 1, x, STATUS_STYLES["open"].color.upper()), (x, right, STATUS_STYLES["closed"].color.upper())}
    finally:
        plt.close(fig)
