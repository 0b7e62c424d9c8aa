"""Issue 11: notebook reprs, kr.explore, extending the data, CLI polish."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EVENT_HEADER, EVENTS, write_fixture

import karabakh_routes as kr
from karabakh_routes._repr import timeline_html, timeline_repr
from karabakh_routes.cli import _parser, main
from karabakh_routes.datasets import bundled_path
from karabakh_routes.explore import explore_frame

HOSTILE = '{{ 7*7 }} {% for i in range(2) %}krLOOP{% endfor %} <script>alert("x")</script>'


def _hostile_model(tmp_path: Path) -> kr.RoadModel:
    """The fixture network with template syntax and markup in a segment name, a claimant and a quote."""
    events = [list(e) for e in EVENTS]
    events[2][9] = "Y " + HOSTILE  # claimant of E3
    files = write_fixture(tmp_path, events)
    seg = json.loads(files["segments"].read_text(encoding="utf-8"))
    seg["features"][1]["properties"]["name"] = "mid-east " + HOSTILE
    files["segments"].write_text(json.dumps(seg), encoding="utf-8")
    return kr.load(**{k: str(v) for k, v in files.items()})


# -- A. reprs ---------------------------------------------------------------------------------
def test_model_repr_is_short_and_informative(bundled: kr.RoadModel) -> None:
    text = repr(bundled)
    assert len(text) < 400 and str(bundled) == text
    for part in ("places", "segments", "9 routes", "claims", "sources", "claimants", "ICRC" if "ICRC" in text else "+"):
        assert part in text
    assert "<" not in text or "object at" not in text


def test_reach_and_period_reprs(bundled: kr.RoadModel) -> None:
    r = bundled.reach("Goris", "Stepanakert", on="2023-07-20", traffic="humanitarian")
    text = repr(r)
    assert len(text) < 400
    assert text.startswith("Reach(goris -> khankendi_stepanakert on 2023-07-20, humanitarian") and ": no;" in text
    assert "blocked by hakari_bridge__lachin_checkpoint" in text
    ps = bundled.periods("Aghdam", "Khankendi", start="2023-09-10", end="2023-09-14", traffic="humanitarian")
    assert repr(ps[1]).startswith("Period(2023-09-12..2023-09-12 (1 day(s)): yes;") and len(repr(ps)) < 800


def test_timeline_repr_functions(bundled: kr.RoadModel) -> None:
    text = timeline_repr(bundled.timeline)
    assert text.startswith("Timeline(") and "change points" in text and len(text) < 300
    assert "<table>" in timeline_html(bundled.timeline)


def test_html_reprs_escape_everything(tmp_path: Path) -> None:
    m = _hostile_model(tmp_path)
    r = m.reach("Mid", "East", on="2021-03-06", traffic="civilian")
    page = r._repr_html_() + m._repr_html_() + timeline_html(m.timeline)
    page += "".join(p._repr_html_() for p in m.periods("West", "East", start="2021-03-01", end="2021-03-31"))
    assert "<script>" not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "{{ 7*7 }}" in page and "krLOOPkrLOOP" not in page  # plain text: no template ever
    assert "E3" in r._repr_html_() and "<table>" in r._repr_html_()


# -- A. explore ----------------------------------------------------------------------------------
def test_status_explore_works_with_the_installed_dependencies(bundled: kr.RoadModel) -> None:
    gdf = bundled.status(on="2023-07-20")
    assert type(gdf.explore()).__name__ == "Map"
    flat = explore_frame(gdf)
    assert all(isinstance(v, str) for v in flat["basis"]) and type(flat.explore()).__name__ == "Map"


def test_explore_uses_the_palette(bundled: kr.RoadModel) -> None:
    from karabakh_routes.maps.style import STATUS_STYLES
    page = kr.explore(bundled, on="2023-07-20", traffic="Humanitarian", offline=True).get_root().render()
    assert STATUS_STYLES["closed"].color in page and STATUS_STYLES["open"].color in page
    assert "Traffic: humanitarian" in page and "hakari_bridge__lachin_checkpoint" in page


def test_explore_never_evaluates_or_renders_data(tmp_path: Path) -> None:
    m = _hostile_model(tmp_path)
    page = kr.explore(m, on="2021-03-06", offline=True).get_root().render()
    unescaped = page.replace("\\u0026", "&").replace("\\u003c", "<").replace("\\u003e", ">")
    assert "krLOOPkrLOOP" not in page and "{% for i in range(2) %}" in unescaped  # not evaluated
    assert "{{ 7*7 }}" in unescaped and "mid-east 49" not in unescaped
    assert '<script>alert("x")' not in unescaped  # shown as text: escaped HTML inside the JSON
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in unescaped


# -- B. extending ------------------------------------------------------------------------------
def test_user_segments_keep_the_bundled_routes_that_fit(tmp_path: Path) -> None:
    seg = tmp_path / "segments.geojson"
    shutil.copy(bundled_path("segments"), seg)
    m = kr.load(segments=seg)
    assert len(kr.network.routes_of(m.G)) == 9
    assert m.reach("Goris", "Stepanakert", on="2023-07-20", traffic="humanitarian").answer == "no"


def test_user_segments_name_the_routes_left_out_in_one_line(tmp_path: Path) -> None:
    doc = json.loads(bundled_path("segments").read_text(encoding="utf-8"))
    doc["features"] = [f for f in doc["features"] if f["properties"]["id"] != "askeran__aghdam"]
    seg = tmp_path / "segments.geojson"
    seg.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.warns(kr.KarabakhRoutesWarning), pytest.raises(kr.DataError) as exc:  # the network falls apart
        kr.load(segments=seg)
    head = str(exc.value).splitlines()[0]
    assert "aghdam_road" in head and "--routes FILE" in head and "lachin_corridor" not in head


def test_copied_sources_find_the_bundled_articles(tmp_path: Path) -> None:
    shutil.copy(bundled_path("sources"), tmp_path / "sources.csv")
    ledger = kr.read_ledger(sources=tmp_path / "sources.csv")  # quotes checked against the bundled articles
    assert len(ledger.events) == len(kr.load().ledger.events)
    (tmp_path / "seeds").mkdir()  # an own seeds/ folder without these articles: still found
    kr.read_ledger(sources=tmp_path / "sources.csv")


def test_an_own_article_still_wins_and_a_bad_name_is_still_refused(tmp_path: Path) -> None:
    files = write_fixture(tmp_path)
    kr.read_sources(files["sources"])
    name = sorted(p.name for p in (bundled_path("sources").parent / "seeds").iterdir())[0]
    with open(files["sources"], "a", encoding="utf-8") as fh:
        fh.write(f"B1,Bundled,P,2022-01-01,,../seeds/{name}\n")
    with pytest.raises(kr.DataError, match="plain file name"):
        kr.read_sources(files["sources"])


def _events_with_target(tmp_path: Path, target: str) -> dict[str, Path]:
    events = [list(e) for e in EVENTS]
    events[0][3] = target
    return write_fixture(tmp_path, events)


def test_reversed_segment_id_gets_the_right_one(tmp_path: Path) -> None:
    files = _events_with_target(tmp_path, "mid__west")
    with pytest.raises(kr.DataError, match=r"did you mean west__mid\?"):
        kr.load(**{k: str(v) for k, v in files.items()})


def test_unknown_target_gets_the_closest_ids(tmp_path: Path) -> None:
    files = _events_with_target(tmp_path, "coridor")
    with pytest.raises(kr.DataError, match=r"closest: corridor"):
        kr.load(**{k: str(v) for k, v in files.items()})


def test_route_name_that_also_names_one_segment_warns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(bundled_path("sources"), tmp_path / "sources.csv")
    with open(bundled_path("events"), encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    i = next(j for j, r in enumerate(rows) if r[3] == "aghdam_road")
    rows[i][3] = "Aghdam-Askeran road"
    with open(tmp_path / "events.csv", "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    with pytest.warns(kr.KarabakhRoutesWarning, match="use the segment id askeran__aghdam"):
        m = kr.load(events=tmp_path / "events.csv", sources=tmp_path / "sources.csv")
    assert m.ledger.events[i - 1].targets == ("aghdam_road",)  # the whole route, as before
    assert main(["validate", "--events", str(tmp_path / "events.csv"), "--sources", str(tmp_path / "sources.csv")]) == 0
    out = capsys.readouterr().out
    assert "warning:" in out and "names the whole route 'aghdam_road'" in out and "askeran__aghdam" in out


# -- C. CLI polish ---------------------------------------------------------------------------------
def test_closed_pipe_ends_quietly() -> None:
    # The reader goes away before the command writes (as `| head -1` does once it has its line, when
    # the output is larger than the pipe's buffer): the write meets a closed pipe.
    with subprocess.Popen([sys.executable, "-m", "karabakh_routes.cli", "events"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()
        err = proc.stderr.read()
        assert proc.wait(timeout=120) == 0 and err == b""


def _actions(parser: argparse.ArgumentParser, where: str = "karabakh-routes") -> list[tuple[str, argparse.Action]]:
    out = []
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        out.append((where, action))
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out += _actions(sub, f"{where} {name}")
    return out


def test_every_option_has_help() -> None:
    missing = [f"{where}: {a.option_strings or a.dest}" for where, a in _actions(_parser()) if not (a.help or "").strip()]
    assert not missing, missing


def test_traffic_names_are_case_insensitive(bundled: kr.RoadModel, capsys: pytest.CaptureFixture[str]) -> None:
    from karabakh_routes.events import check_traffic
    assert check_traffic(" Medical ") == "medical"
    with pytest.raises(kr.TrafficError):
        check_traffic("cargo")
    assert kr.reach(bundled.timeline, "Goris", "Stepanakert", on="2023-07-20", traffic="Humanitarian").traffic == "humanitarian"
    assert bundled.reach("Goris", "Stepanakert", on="2023-07-20", traffic="HUMANITARIAN").answer == "no"
    ps = bundled.periods("Aghdam", "Khankendi", start="2023-09-10", end="2023-09-14", traffic="Humanitarian")
    assert [p.answer for p in ps] == ["no", "yes", "no"]
    assert bundled.status(on="2023-07-20", traffic="Medical").attrs["traffic"] == "medical"
    assert main(["reach", "Goris", "Stepanakert", "--on", "2023-07-20", "--traffic", "Humanitarian", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["traffic"] == "humanitarian"


@pytest.mark.parametrize(("day", "outside"), [("2023-07-20", ""), ("1950-01-01", "before the first claim"),
                                              ("2030-01-01", "after the data's range")])
def test_dates_outside_the_data(bundled: kr.RoadModel, capsys: pytest.CaptureFixture[str], day: str, outside: str) -> None:
    r = bundled.reach("Goris", "Stepanakert", on=day)
    assert (outside in r.outside_data) if outside else r.outside_data == ""
    assert r.to_dict()["outside_data"] == r.outside_data
    assert bundled.status(on=day).attrs["outside_data"] == r.outside_data
    assert main(["reach", "Goris", "Stepanakert", "--on", day]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("goris -> khankendi_stepanakert")
    if outside:
        assert captured.err.startswith(f"karabakh-routes: warning: --on {day} ") and outside in captured.err
    else:
        assert captured.err == ""


def test_no_horizon_means_no_upper_bound(bundled: kr.RoadModel) -> None:
    assert bundled.reach("Goris", "Stepanakert", on="2030-01-01", horizon=None).outside_data == ""


def test_periods_range_outside_the_data_warns_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["periods", "Goris", "Stepanakert", "--from", "1950-01-01", "--to", "2023-01-10"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("karabakh-routes: warning: --from 1950-01-01 is before the first claim")


def test_periods_say_which_days_lie_outside_the_data(bundled: kr.RoadModel, capsys: pytest.CaptureFixture[str]) -> None:
    # a range over both ends of the data: the periods split where the data's range starts and
    # ends, and the ones outside it say so (the answers themselves are whatever the data gives)
    from karabakh_routes._range import data_range

    first, stop = data_range(bundled.timeline)
    assert stop is not None
    lo, hi = first - dt.timedelta(days=400), stop + dt.timedelta(days=400)
    ps = bundled.periods("Goris", "Stepanakert", start=lo, end=hi)
    before, after = ps[0], ps[-1]
    assert (before.start, before.end) == (lo, first - dt.timedelta(days=1))
    assert before.outside_data == (f"{lo.isoformat()} to {(first - dt.timedelta(days=1)).isoformat()} are before "
                                   f"the first claim in the data ({first.isoformat()}): no claim speaks about these dates")
    assert (after.start, after.end) == (stop + dt.timedelta(days=1), hi)
    assert "are after the data's range" in after.outside_data and after.outside_data.endswith("these dates")
    assert [p.outside_data for p in ps[1:-1]] == [""] * (len(ps) - 2)
    assert ps[1].start == first and ps[-2].end == stop
    # the same periods from one query per pair and in every output
    assert bundled.timeline.engine == "columnar"
    ref = kr.Timeline(bundled.G, bundled.ledger, engine="reference")
    assert kr.periods(ref, "Goris", "Stepanakert", start=lo, end=hi) == ps
    assert before.to_dict()["outside_data"] == before.outside_data
    assert "outside the data" in repr(before) and "outside the data" in before._repr_html_()
    assert "outside the data" not in repr(ps[1])
    assert main(["periods", "Goris", "Stepanakert", "--from", lo.isoformat(), "--to", hi.isoformat()]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{lo} .. {first - dt.timedelta(days=1)}") and "(outside the data's range)" in lines[0]
    assert "(outside the data's range)" in lines[-1] and "(outside" not in lines[1]


def test_periods_of_a_ledger_with_no_dated_claim_need_a_range(tmp_path: Path) -> None:
    empty = tmp_path / "events.csv"
    with open(bundled_path("events"), encoding="utf-8", newline="") as fh:
        empty.write_text(fh.readline(), encoding="utf-8")
    m = kr.load(events=empty)
    with pytest.raises(kr.DateError, match="no dated claim or passage to take a default range from"):
        m.periods("Goris", "Stepanakert")
    ps = m.periods("Goris", "Stepanakert", start="2023-01-01", end="2023-01-31")
    assert [(p.start.isoformat(), p.end.isoformat()) for p in ps] == [("2023-01-01", "2023-01-31")]
    assert "the data holds no claim at all" in ps[0].outside_data


def test_event_header_unchanged() -> None:  # the worked example in the README appends rows in this order
    with open(bundled_path("events"), encoding="utf-8", newline="") as fh:
        assert EVENT_HEADER == next(csv.reader(fh))[:13]
