"""The command line: JSON contracts, exit codes, error messages (fixture data and bundled data)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from karabakh_routes.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def data_args(files: dict[str, Path]) -> list[str]:
    return [a for k, v in files.items() for a in (f"--{k}", str(v))]


def test_reach_json_contract(capsys: pytest.CaptureFixture[str], fixture_files: dict[str, Path]) -> None:
    code, out, _ = run(capsys, "reach", "West", "Şərq", "--on", "2021-03-11", "--json", *data_args(fixture_files))
    assert code == 0
    doc = json.loads(out)
    assert {"origin", "destination", "on", "traffic", "view", "horizon", "answer", "path", "length_km", "blocked_by",
            "basis", "carried", "evidence_age_days", "assumptions"} <= set(doc)
    assert doc["origin"] == "west" and doc["destination"] == "east"
    assert doc["on"] == "2021-03-11" and doc["traffic"] == "civilian" and doc["view"] == "consensus"
    assert doc["answer"] == "disputed"
    assert doc["path"] == ["west", "mid", "east"]
    assert isinstance(doc["length_km"], float)
    assert doc["horizon"] == "30 days" and doc["carried"] is False and doc["evidence_age_days"] == 0
    for c in doc["basis"]:
        assert {"claimant", "source", "status", "quote", "kind", "as_of", "carried", "forecast", "age_days",
                "segments"} <= set(c)


def test_reach_no_is_exit_0(capsys: pytest.CaptureFixture[str], fixture_files: dict[str, Path]) -> None:
    code, out, _ = run(capsys, "reach", "west", "far", "--on", "2021-05-12", "--traffic", "humanitarian", "--json",
                       *data_args(fixture_files))
    doc = json.loads(out)
    assert code == 0 and doc["answer"] == "no" and doc["path"] is None and doc["length_km"] is None
    assert doc["blocked_by"] == ["east__far"]


def test_status_json_contract(capsys: pytest.CaptureFixture[str], fixture_files: dict[str, Path]) -> None:
    code, out, _ = run(capsys, "status", "--on", "2021-03-11", "--json", *data_args(fixture_files))
    assert code == 0
    rows = json.loads(out)
    assert [r["segment"] for r in rows] == ["west__mid", "west__south", "mid__east", "south__east", "east__far"]
    r = rows[2]
    assert {"segment", "name", "routes", "status", "classes", "disputed", "claims"} <= set(r)
    assert r["status"] == "disputed" and r["disputed"] is True
    assert r["classes"] == {"civilian": "disputed", "humanitarian": "open", "medical": "open", "peacekeepers": "open"}
    assert r["routes"] == ["corridor"]


def test_status_with_traffic(capsys: pytest.CaptureFixture[str], fixture_files: dict[str, Path]) -> None:
    code, out, _ = run(capsys, "status", "--on", "2021-03-05", "--traffic", "humanitarian", "--json", *data_args(fixture_files))
    rows = {r["segment"]: r for r in json.loads(out)}
    assert rows["mid__east"]["status"] == "open"
    assert all("humanitarian" in c["traffic"] for c in rows["mid__east"]["claims"])


def test_periods_json_contract(capsys: pytest.CaptureFixture[str], fixture_files: dict[str, Path]) -> None:
    code, out, _ = run(capsys, "periods", "west", "far", "--from", "2020-06-01", "--to", "2021-08-01",
                       "--traffic", "humanitarian", "--json", *data_args(fixture_files))
    assert code == 0
    ps = json.loads(out)
    assert [(p["start"], p["end"], p["answer"]) for p in ps] == [
        ("2020-06-01", "2021-05-09", "unknown"), ("2021-05-10", "2021-08-01", "no")]


def test_places_json_contract(capsys: pytest.CaptureFixture[str], fixture_files: dict[str, Path]) -> None:
    code, out, _ = run(capsys, "places", "--json", *data_args(fixture_files))
    places = json.loads(out)
    assert code == 0
    assert {"id", "name", "aliases", "lat", "lon", "kind"} <= set(places[0])
    assert places[0]["id"] == "west" and "Batı" in places[0]["aliases"]


def test_unknown_place_exit_2_with_suggestions(capsys: pytest.CaptureFixture[str], fixture_files: dict[str, Path]) -> None:
    code, out, err = run(capsys, "reach", "Eest", "west", "--on", "2021-03-11", *data_args(fixture_files))
    assert code == 2 and out == ""
    assert "Unknown place 'Eest'" in err and "East City" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("bad", ["2021-02-30", "11/03/2021", "yesterday", ""])
def test_bad_date_exit_2(capsys: pytest.CaptureFixture[str], fixture_files: dict[str, Path], bad: str) -> None:
    code, _, err = run(capsys, "reach", "east", "west", "--on", bad, *data_args(fixture_files))
    assert code == 2 and "YYYY-MM-DD" in err and "Traceback" not in err


def test_bad_traffic_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["reach", "a", "b", "--on", "2021-01-01", "--traffic", "tourists"])
    assert info.value.code == 2
    assert "civilian" in capsys.readouterr().err


def test_bad_view_exit_2(capsys: pytest.CaptureFixture[str], fixture_files: dict[str, Path]) -> None:
    code, _, err = run(capsys, "status", "--on", "2021-03-11", "--view", "majority", *data_args(fixture_files))
    assert code == 2 and "consensus, strict, lenient" in err


def test_bad_file_reports_every_problem(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from conftest import EVENTS, write_fixture
    events = [list(r) for r in EVENTS]
    events[0][3] = "nowhere"  # unknown target
    events[1][6] = "tourists"  # unknown traffic class
    events[2][1] = "2021-13-01"  # impossible date
    events[3][10] = "S9"  # unknown source
    events[4][11] = "words not in the article"  # only checked for seed sources -> S2 is not a seed
    files = write_fixture(tmp_path, events)
    code, out, err = run(capsys, "validate", *data_args(files))
    assert code == 2
    for needle in ["row 2 (id=E1), field 'target': 'nowhere'", "field 'traffic': 'tourists'",
                   "field 'start': '2021-13-01'", "field 'source': 'S9'"]:
        assert needle in out, needle
    code, _, err = run(capsys, "reach", "west", "east", "--on", "2021-01-01", *data_args(files))
    assert code == 2 and "events.csv" in err and "Traceback" not in err


def test_validate_json(capsys: pytest.CaptureFixture[str], fixture_files: dict[str, Path]) -> None:
    code, out, _ = run(capsys, "validate", "--json", *data_args(fixture_files))
    assert code == 0 and json.loads(out) == {"valid": True, "problems": []}


def test_missing_file_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "status", "--on", "2021-01-01", "--events", str(tmp_path / "nope.csv"))
    assert code == 2 and "nope.csv" in err and "file not found" in err


def test_events_filter(capsys: pytest.CaptureFixture[str], fixture_files: dict[str, Path]) -> None:
    code, out, _ = run(capsys, "events", "--claimant", "y", "--json", *data_args(fixture_files))
    assert code == 0 and [e["id"] for e in json.loads(out)] == ["E3", "E4"]
    code, out, _ = run(capsys, "events", "--target", "Koridor", "--json", *data_args(fixture_files))
    assert [e["id"] for e in json.loads(out)] == ["E1", "E2"]


def test_map_writes_html(capsys: pytest.CaptureFixture[str], fixture_files: dict[str, Path], tmp_path: Path) -> None:
    out_file = tmp_path / "m.html"
    code, out, _ = run(capsys, "map", "--on", "2021-03-11", "--offline", "-o", str(out_file), *data_args(fixture_files))
    assert code == 0 and out_file.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_map_to_missing_folder_exit_2(capsys: pytest.CaptureFixture[str], fixture_files: dict[str, Path], tmp_path: Path) -> None:
    code, _, err = run(capsys, "map", "--on", "2021-03-11", "-o", str(tmp_path / "no" / "m.html"), *data_args(fixture_files))
    assert code == 2 and "Traceback" not in err


def test_segments_lists_segments_and_routes(capsys: pytest.CaptureFixture[str], fixture_files: dict[str, Path]) -> None:
    code, out, _ = run(capsys, "segments", "--json", *data_args(fixture_files))
    doc = json.loads(out)
    assert code == 0
    assert [s["segment"] for s in doc["segments"]][:2] == ["west__mid", "west__south"]
    assert doc["segments"][0]["routes"] == ["corridor"] and doc["segments"][0]["length_km"] > 0
    assert doc["routes"][0]["aliases"] == ["corridor road", "Koridor"]
    code, out, _ = run(capsys, "segments", *data_args(fixture_files))
    assert "corridor" in out and "Koridor" in out


def test_reach_to_several_destinations_answers_each_as_one_reach(capsys: pytest.CaptureFixture[str],
                                                                 tmp_path: Path) -> None:
    import karabakh_routes as kr

    m = kr.load()
    names = ["Stepanakert", "Agdam", "Berdzor", "Kornidzor"]  # any of each place's names
    code, out, err = run(capsys, "reach", "Goris", *names, "--on", "2023-07-20", "--traffic", "humanitarian", "--json")
    assert code == 0, err
    got = json.loads(out)
    expected = [kr.reach(m.timeline, "Goris", n, on="2023-07-20", traffic="humanitarian").to_dict() for n in names]
    assert got == json.loads(json.dumps(expected))  # each answer with its basis, in the order asked
    assert out == json.dumps(expected, ensure_ascii=False, indent=2) + "\n"  # (written an answer at a time)
    code, out, _ = run(capsys, "reach", "Goris", *names, "--on", "2023-07-20", "--traffic", "humanitarian")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "from goris on 2023-07-20 for humanitarian traffic (view consensus), 4 destination(s):"
    for line, r in zip(lines[1:5], expected):
        assert line.split()[:2] == [r["destination"], r["answer"].upper()]
        if r["blocked_by"]:
            assert f"blocked by {len(r['blocked_by'])} segment(s): {r['blocked_by'][0]}" in line
    assert "--json" in lines[5]
    out_file = tmp_path / "answers.json"
    code, _, _ = run(capsys, "reach", "Goris", *names, "--on", "2023-07-20", "--traffic", "humanitarian", "--json",
                     "-o", str(out_file))
    assert code == 0 and json.loads(out_file.read_text(encoding="utf-8")) == got


def test_reach_everywhere_answers_every_place(capsys: pytest.CaptureFixture[str]) -> None:
    import karabakh_routes as kr

    m = kr.load()
    code, out, err = run(capsys, "reach", "Lachin", "--everywhere", "--on", "2022-06-01", "--json")
    assert code == 0, err
    got = json.loads(out)
    expected = kr.reach_from(m.timeline, "Lachin", on="2022-06-01")
    assert [r["destination"] for r in got] == list(expected) == list(m.G.nodes)
    assert got == json.loads(json.dumps([r.to_dict() for r in expected.values()]))
    code, out, _ = run(capsys, "reach", "Lachin", "--everywhere", "--on", "2022-06-01")
    assert code == 0 and len(out.splitlines()) == len(expected) + 2  # a heading, a line each, a hint


@pytest.mark.parametrize(("args", "needle"), [
    (["Goris"], "give a destination (or several, or --everywhere for every place)"),
    (["Goris", "Aghdam", "--everywhere"], "give destinations or --everywhere, not both"),
    (["Goris", "Aghdam", "Nowhere-at-all"], "Unknown place 'Nowhere-at-all'"),
])
def test_reach_destinations_are_checked(capsys: pytest.CaptureFixture[str], args: list[str], needle: str) -> None:
    code, out, err = run(capsys, "reach", *args, "--on", "2022-06-01")
    assert code == 2 and needle in err and not out


def test_periods_to_several_destinations_are_each_ones_periods(capsys: pytest.CaptureFixture[str]) -> None:
    import karabakh_routes as kr

    m = kr.load()
    names = ["Stepanakert", "Agdam"]
    args = ["--from", "2023-06-01", "--to", "2023-10-31", "--traffic", "humanitarian"]
    code, out, err = run(capsys, "periods", "Goris", *names, *args, "--json")
    assert code == 0, err
    got = json.loads(out)
    assert [(g["origin"], g["destination"]) for g in got] == [("goris", "khankendi_stepanakert"), ("goris", "aghdam")]
    for g, name in zip(got, names):
        one = kr.periods(m.timeline, "Goris", name, start="2023-06-01", end="2023-10-31", traffic="humanitarian")
        assert g["periods"] == json.loads(json.dumps([p.to_dict() for p in one]))
        code, single, _ = run(capsys, "periods", "Goris", name, *args)
        assert code == 0
        assert f"goris -> {g['destination']}:\n" + "".join(f"  {line}\n" for line in single.splitlines()) in \
            run(capsys, "periods", "Goris", *names, *args)[1]
    code, out, _ = run(capsys, "periods", "Lachin", "--everywhere", "--from", "2023-06-01", "--to", "2023-06-30",
                       "--json")
    assert code == 0 and [g["destination"] for g in json.loads(out)] == list(m.G.nodes)
    code, _, err = run(capsys, "periods", "Goris", "--from", "2023-06-01")
    assert code == 2 and "give a destination (or several, or --everywhere for every place)" in err
