"""The timeline chart: rows, statuses, key events, saving."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import matplotlib.dates as mdates
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

import karabakh_routes as kr
from karabakh_routes.chart import default_routes, route_status, save_chart, timeline_chart
from karabakh_routes.maps.style import STATUS_STYLES


def labels(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.axes[1].get_yticklabels()]


def texts(ax) -> list[str]:  # type: ignore[no-untyped-def]
    return [t.get_text() for t in ax.texts]


def notes(fig: Figure) -> str:
    """The notes under the title (their own row above the key events; empty when none)."""
    return " | ".join(t.get_text() for ax in fig.axes[2:] for t in ax.texts)


def spans(fig: Figure) -> list[tuple[float, str, dt.date, dt.date]]:
    """(row y, colour, first day, day after) of every status bar."""
    out = []
    for coll in fig.axes[1].collections:
        colours = coll.get_facecolors()  # (one for all the bars of a collection, or one each)
        for k, path in enumerate(coll.get_paths()):
            fc = colours[k % len(colours)]
            (x0, y0), (x1, y1) = path.vertices.min(axis=0), path.vertices.max(axis=0)
            out.append(((y0 + y1) / 2, to_hex(fc[:3]).upper(), mdates.num2date(x0).date(),
                        mdates.num2date(x1).date()))
    return out


@pytest.mark.parametrize(("statuses", "expected"), [
    (["open", "open"], "open"),
    (["open", "closed"], "closed"),
    (["disputed", "closed"], "closed"),
    (["open", "disputed"], "disputed"),
    (["disputed", "unknown"], "disputed"),
    (["open", "unknown"], "unknown"),
    ([], "unknown"),
])
def test_route_status_rule(statuses: list[str], expected: str) -> None:
    assert route_status(statuses) == expected


def test_default_routes_leave_out_parts_of_other_routes(fixture_model: kr.RoadModel, bundled: kr.RoadModel) -> None:
    assert default_routes(fixture_model) == ["corridor", "tail"]
    shown = default_routes(bundled)
    routes = kr.routes_of(bundled.G)
    for rid, r in routes.items():
        if rid not in shown:
            assert any(set(r.segments) <= set(routes[o].segments) for o in shown)


def test_chart_has_one_row_per_route_and_class(fixture_model: kr.RoadModel) -> None:
    fig = timeline_chart(fixture_model)
    assert isinstance(fig, Figure)
    assert labels(fig) == list(kr.TRAFFIC_CLASSES) * 2
    headings = texts(fig.axes[1])
    assert any(h.strip().startswith("The Corridor") for h in headings)
    assert any(h.strip().startswith("Tail road") for h in headings)
    # labels name the ends of the road with every display name ("East City / Şərq")
    assert any("East City / Şərq" in h for h in headings)
    assert "view: consensus" in fig._suptitle.get_text()  # type: ignore[union-attr]


def test_chart_colours_follow_the_engine(fixture_model: kr.RoadModel) -> None:
    fig = timeline_chart(fixture_model, start="2021-01-01", end="2021-08-31")
    corridor_civilian = fig.axes[1].get_yticks()[0]
    tail_civilian = fig.axes[1].get_yticks()[len(kr.TRAFFIC_CLASSES)]  # first class row of the second route
    bars = spans(fig)
    tail = sorted((a, b, c) for y, c, a, b in bars if y == tail_civilian)
    # the tail closes on 2021-05-10~ (approximate): unknown before, closed after
    assert tail[0][2] == STATUS_STYLES["unknown"].color
    assert tail[-1][2] == STATUS_STYLES["closed"].color
    assert tail[-1][1] == dt.date(2021, 9, 1)
    # corridor, civilian, on 2021-03-12: X says open again, Y says closed -> disputed
    corridor = [(a, b, c) for y, c, a, b in bars if y == corridor_civilian]
    on = dt.date(2021, 3, 12)
    assert [c for a, b, c in corridor if a <= on < b] == [STATUS_STYLES["disputed"].color]
    expected = route_status(
        fixture_model.timeline.class_status(s, "civilian", on=on).status for s in ("west__mid", "mid__east"))
    assert expected == "disputed"


def test_chart_hatches_disputed_for_greyscale(fixture_model: kr.RoadModel) -> None:
    fig = timeline_chart(fixture_model, start="2021-01-01", end="2021-08-31")
    hatches = {to_hex(c.get_facecolors()[0][:3]).upper(): c.get_hatch() for c in fig.axes[1].collections
               if len(c.get_facecolors())}
    assert hatches[STATUS_STYLES["disputed"].color]
    assert not hatches[STATUS_STYLES["closed"].color]


def test_chart_marks_key_events_and_passages(fixture_model: kr.RoadModel) -> None:
    fig = timeline_chart(fixture_model, start="2019-12-01", end="2021-08-31")
    notes = " | ".join(texts(fig.axes[0]))
    assert "1 Jan 2020: opening" in notes  # E1
    assert "5 Mar 2021: closure" in notes  # E3
    assert "10 May 2021: closure" in notes  # E5 (2021-05-10~)
    markers = [line for line in fig.axes[1].lines if line.get_marker() == "v"]
    assert len(markers) == 1  # E4, humanitarian through the corridor on 2021-03-20
    assert mdates.num2date(markers[0].get_xdata()[0]).date() == dt.date(2021, 3, 20)


def test_chart_queries_change_points_only(fixture_model: kr.RoadModel, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: set[dt.date] = set()
    original = fixture_model.timeline.class_status

    def spy(segment, traffic, *, on, view="consensus"):  # type: ignore[no-untyped-def]
        seen.add(kr.to_date(on))
        return original(segment, traffic, on=on, view=view)

    monkeypatch.setattr(fixture_model.timeline, "class_status", spy)
    timeline_chart(fixture_model, start="2020-06-01", end="2021-12-31")
    allowed = set(fixture_model.timeline.change_points("2020-06-01", "2021-12-31")) | {dt.date(2020, 6, 1)}
    routes = kr.routes_of(fixture_model.G).values()
    allowed |= {al.start.lower for r in routes for al in r.alignments}
    allowed |= {al.end.upper + dt.timedelta(days=1) for r in routes for al in r.alignments if al.end}
    assert seen <= allowed
    assert len(seen) < 30  # a year and a half, never day by day


def test_chart_options_are_checked(fixture_model: kr.RoadModel) -> None:
    with pytest.raises(KeyError, match="Known routes: corridor, tail"):
        timeline_chart(fixture_model, routes=["nowhere"])
    with pytest.raises(kr.DateError, match="after"):
        timeline_chart(fixture_model, start="2021-05-01", end="2021-01-01")
    fig = timeline_chart(fixture_model, routes=["tail"], view="claimant:X")
    assert labels(fig) == list(kr.TRAFFIC_CLASSES)


def test_chart_leaves_out_routes_without_any_claim(fixture_model: kr.RoadModel) -> None:
    fig = timeline_chart(fixture_model, start="2020-06-01", end="2021-02-01")
    assert labels(fig) == list(kr.TRAFFIC_CLASSES)  # the tail has no claim before May 2021
    assert "Tail road" in notes(fig)
    # asked for by name, it is shown anyway
    fig = timeline_chart(fixture_model, start="2020-06-01", end="2021-02-01", routes=["corridor", "tail"])
    assert labels(fig) == list(kr.TRAFFIC_CLASSES) * 2


def test_bundled_chart_covers_the_routes_in_use(bundled: kr.RoadModel) -> None:
    fig = timeline_chart(bundled, start="2022-12-01", end="2023-10-31")
    headings = " ".join(texts(fig.axes[1]))
    assert "Lachin corridor" in headings
    assert "Khankendi / Stepanakert" in headings
    assert len(labels(fig)) % len(kr.TRAFFIC_CLASSES) == 0


@pytest.mark.parametrize("suffix", [".png", ".svg", ".PNG"])
def test_save_chart_writes_png_and_svg(fixture_model: kr.RoadModel, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    path = out / f"chart{suffix}"
    assert save_chart(timeline_chart(fixture_model), path) == path
    data = path.read_bytes()
    if suffix.lower() == ".png":
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
    else:
        assert b"<svg" in data[:2000]
    assert [p.name for p in out.iterdir()] == [path.name]


def test_save_chart_rejects_other_formats(fixture_model: kr.RoadModel, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ValueError, match=r"\.png or \.svg"):
        save_chart(timeline_chart(fixture_model), out / "chart.pdf")
    assert list(out.iterdir()) == []


def test_failed_save_leaves_existing_file_untouched(fixture_model: kr.RoadModel, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    out.mkdir()
    path = out / "chart.png"
    path.write_bytes(b"the old chart")
    fig = timeline_chart(fixture_model)

    def broken_savefig(fh, **kwargs):  # type: ignore[no-untyped-def]
        fh.write(b"\x89PNG half a chart")
        raise OSError("disk full")

    monkeypatch.setattr(fig, "savefig", broken_savefig)
    with pytest.raises(OSError, match="disk full"):
        save_chart(fig, path)
    assert path.read_bytes() == b"the old chart"
    assert [p.name for p in out.iterdir()] == ["chart.png"]  # no temporary file left behind


def test_data_text_is_literal_not_mathtext(tmp_path: Path) -> None:
    import json

    from conftest import write_fixture
    files = write_fixture(tmp_path)
    routes = json.loads(files["routes"].read_text(encoding="utf-8"))
    routes[0]["name"] = "Toll $5 road $x^{2}$ <b>"
    files["routes"].write_text(json.dumps(routes), encoding="utf-8")
    m = kr.load(**{k: str(v) for k, v in files.items()})
    fig = timeline_chart(m)
    labels = [t for ax in fig.axes for t in ax.texts if "Toll" in t.get_text()]
    assert labels and all(not t.get_parse_math() for t in labels)
    assert "Toll $5 road $x^{2}$ <b>" in labels[0].get_text()
    save_chart(fig, tmp_path / "c.png")  # renders without a mathtext error


def test_a_network_of_many_routes_charts_the_first_with_claims_and_says_so(bundled: kr.RoadModel,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from karabakh_routes import chart

    whole = timeline_chart(bundled, start="2022-12-01", end="2023-10-31")
    headings = [t for t in texts(whole.axes[1])]
    assert len(headings) > 2 and "The first" not in notes(whole)
    monkeypatch.setattr(chart, "MAX_DEFAULT_ROUTES", 2)
    fig = timeline_chart(bundled, start="2022-12-01", end="2023-10-31")
    assert texts(fig.axes[1]) == headings[:2]  # the same first two, in file order
    assert labels(fig) == list(kr.TRAFFIC_CLASSES) * 2
    note = notes(fig)
    assert f"The first 2 routes with claims in this range, of {len(default_routes(bundled))} routes" in note
    assert "--route" in note
    # routes asked for are all shown, by id or any alias, in the order asked
    fig = timeline_chart(bundled, start="2022-12-01", end="2023-10-31",
                         routes=["Aghdam-Khankendi road", "lachin_corridor", "Shushi road"])
    assert len(labels(fig)) == 3 * len(kr.TRAFFIC_CLASSES)
    shown = " | ".join(texts(fig.axes[1]))
    assert shown.index("Aghdam") < shown.index("Lachin") < shown.index("Shus")
    fig = timeline_chart(bundled, start="2022-12-01", end="2023-10-31", routes=["Lachin road", "Berdzor corridor"])
    assert labels(fig) == list(kr.TRAFFIC_CLASSES)  # two names of one route: charted once


def test_an_unknown_route_lists_a_few_known_ones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from karabakh_routes.cli import main

    code = main(["chart", "--route", "Lachin road", "--route", "Berdzor corridor", "--from", "2023-01-01",
                 "--to", "2023-03-01", "-o", str(tmp_path / "c.png")])
    assert code == 0 and (tmp_path / "c.png").exists()  # two aliases of one route: one route charted
    code = main(["chart", "--route", "no such road", "-o", str(tmp_path / "d.png")])
    err = capsys.readouterr().err
    assert code == 2 and "--route: Unknown route(s) 'no such road'. Known routes: lachin_corridor" in err
    assert not (tmp_path / "d.png").exists()


def test_chart_reports_progress_per_day_and_class_looked_up(bundled: kr.RoadModel) -> None:
    from karabakh_routes.chart import query_chart

    calls: list[tuple[int, int, dt.date]] = []
    q = bundled.query(start="2023-06-01", end="2023-09-30")
    fig = query_chart(bundled, q, progress=lambda done, total, day: calls.append((done, total, day)))
    assert [c[0] for c in calls] == list(range(1, len(calls) + 1)) and calls
    total = calls[0][1]
    assert {c[1] for c in calls} == {total} and len(calls) <= total and total % len(kr.TRAFFIC_CLASSES) == 0
    assert labels(fig) == labels(query_chart(bundled, q))  # the same chart


@pytest.mark.parametrize("command", [["chart", "--from", "2023-06-01", "--to", "2023-09-30"],
                                     ["timeline-map", "--from", "2023-06-01", "--to", "2023-09-30", "--offline"]])
def test_long_commands_show_progress_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   command: list[str]) -> None:
    import io
    import sys

    from karabakh_routes.cli import main

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    term = Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    out = tmp_path / ("c.png" if command[0] == "chart" else "t.html")
    assert main([*command, "-o", str(out)]) == 0 and out.exists()
    shown = term.getvalue()
    assert shown.startswith("\rkarabakh-routes: 1 of ") and "\r\x1b[2K" in shown


def test_notes_stay_clear_of_the_key_events_labels(bundled: kr.RoadModel, monkeypatch: pytest.MonkeyPatch) -> None:
    from karabakh_routes import chart

    monkeypatch.setattr(chart, "MAX_DEFAULT_ROUTES", 1)  # a note under the title
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = timeline_chart(bundled)  # the whole range: labels grouping days months apart
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    note = [t for ax in fig.axes[2:] for t in ax.texts]
    labels_ = [t for t in fig.axes[0].texts if t.get_rotation() == 90]
    assert note and labels_
    # the rotated labels are long enough to run past the top of their strip
    assert max(t.get_window_extent(renderer).y1 for t in labels_) > fig.axes[0].get_window_extent(renderer).y1
    for t in note:
        box = t.get_window_extent(renderer)
        assert not any(box.overlaps(lb.get_window_extent(renderer)) for lb in labels_)
        assert not box.overlaps(fig._suptitle.get_window_extent(renderer))  # type: ignore[union-attr]


def test_too_many_key_events_are_marked_above_the_bars_only(bundled: kr.RoadModel,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from karabakh_routes import chart

    def dashed(ax) -> int:  # type: ignore[no-untyped-def]
        return sum(1 for line in ax.lines if line.get_linestyle() not in ("None", "none", ""))

    fig = timeline_chart(bundled, start="2022-12-01", end="2023-10-31")
    days = dashed(fig.axes[0])
    assert days > 3 and dashed(fig.axes[1]) == days  # across the bars too
    assert "marked above the bars only" not in notes(fig)
    monkeypatch.setattr(chart, "MAX_EVENT_LINES", days - 1)
    fig = timeline_chart(bundled, start="2022-12-01", end="2023-10-31")
    assert dashed(fig.axes[0]) == days and dashed(fig.axes[1]) == 0
    assert f"{days} days with a closure or opening claimed: marked above the bars only" in notes(fig)
