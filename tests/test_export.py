"""Exports: the status on a date, the status-interval table, events and sources, in four formats."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import importlib
import io
import json
import os
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

import karabakh_routes as kr
from karabakh_routes import _cli_export
from karabakh_routes.export import EXPORT_FORMATS, HXL_TAGS, INTERVAL_COLUMNS, export, status_intervals

export_module = importlib.import_module("karabakh_routes.export")

NESTED_STATUS = ("routes", "claims", "passages", "basis", "set_aside", "assumptions")
NESTED_INTERVALS = ("claimants", "positions", "claim_ids", "assumptions")
HOSTILE = ('{{ 7*7 }} {% if x %}{{ config }}{% endif %} <script>alert("x")</script> \x1b[31mred\x1b[0m \x07 '
           "\u202eevil\u202c \"double\" 'single' `back` ,;| \r\n new line \t tab \\ backslash =1+2 @x -3")
HOSTILE_NUL = HOSTILE + " nul\x00here"


@pytest.fixture(scope="module")
def model() -> kr.RoadModel:
    return kr.load()


@pytest.fixture(scope="module")
def status(model: kr.RoadModel) -> gpd.GeoDataFrame:
    return model.status(on="2023-07-20")


@pytest.fixture(scope="module")
def intervals(model: kr.RoadModel) -> gpd.GeoDataFrame:
    return status_intervals(model, "2022-12-01", "2023-10-31")


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _csv_rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    return [dict(zip(table.columns, values)) for values in table.itertuples(index=False, name=None)]


# -- status intervals -------------------------------------------------------------------------
def test_interval_columns_and_attrs(intervals: gpd.GeoDataFrame) -> None:
    assert tuple(intervals.columns) == INTERVAL_COLUMNS
    assert intervals.attrs["start"] == "2022-12-01" and intervals.attrs["end"] == "2023-10-31"
    assert set(intervals["traffic"]) == set(kr.TRAFFIC_CLASSES)
    assert intervals.crs is not None and intervals.geometry.notna().all()


def test_intervals_tile_the_range(model: kr.RoadModel, intervals: gpd.GeoDataFrame) -> None:
    segments = set(model.timeline.segments)
    for (seg, cls), rows in intervals.groupby(["segment", "traffic"], sort=False):
        assert seg in segments
        starts = [dt.date.fromisoformat(s) for s in rows["start"]]
        ends = [dt.date.fromisoformat(e) for e in rows["end"]]
        assert starts[0] == dt.date(2022, 12, 1) and ends[-1] == dt.date(2023, 10, 31)
        for a, b in zip(ends, starts[1:]):
            assert b == a + dt.timedelta(days=1), (seg, cls)  # no gap, no overlap
        assert all(s <= e for s, e in zip(starts, ends))
        keys = [(r["status"], r["claim_ids"], r["carried"], r["uncertain"]) for r in _records(rows)]
        assert all(a != b for a, b in zip(keys, keys[1:])), "consecutive equal intervals are merged"
    assert len(intervals.groupby(["segment", "traffic"])) == len(segments) * len(kr.TRAFFIC_CLASSES)


def _row_on(rows: pd.DataFrame, day: dt.date) -> dict[str, Any]:
    iso = day.isoformat()
    hit = [r for r in _records(rows) if r["start"] <= iso and (r["end"] is None or iso <= r["end"])]
    assert len(hit) == 1, (iso, hit)
    return hit[0]


def test_intervals_agree_with_class_status_around_change_points(model: kr.RoadModel,
                                                                intervals: gpd.GeoDataFrame) -> None:
    tl = model.timeline
    points = tl.change_points("2022-12-02", "2023-10-30")
    assert len(points) >= 5
    picked = [points[i * (len(points) - 1) // 4] for i in range(5)]
    groups = dict(iter(intervals.groupby(["segment", "traffic"], sort=False)))
    one = dt.timedelta(days=1)
    for point in picked:
        for day in (point - one, point, point + one):
            for (seg, cls), rows in groups.items():
                cs = tl.class_status(seg, cls, on=day)
                row = _row_on(rows, day)
                assert row["status"] == cs.status, (seg, cls, day)
                assert row["claim_ids"] == [c.event for c in cs.basis]
                assert row["carried"] == cs.carried and row["uncertain"] == cs.uncertain
                assert row["disputed"] == (cs.status == "disputed")
                assert row["claimants"] == sorted({c.claimant for c in cs.basis})


def test_interval_start_has_the_evidence_age_and_assumptions_of_its_first_day(
        model: kr.RoadModel, intervals: gpd.GeoDataFrame) -> None:
    tl = model.timeline
    for r in _records(intervals):
        cs = tl.class_status(r["segment"], r["traffic"], on=r["start"])
        assert r["evidence_age_days"] == cs.evidence_age_days
        assert r["assumptions"] == sorted({a for c in cs.basis if (a := c.assumption())})
        if r["carried"] and r["evidence_age_days"] is not None and r["end"] != r["start"]:
            later = tl.class_status(r["segment"], r["traffic"], on=r["end"])
            assert later.evidence_age_days is not None and cs.evidence_age_days is not None
            assert later.evidence_age_days >= cs.evidence_age_days


def test_intervals_default_range_is_open_ended(model: kr.RoadModel) -> None:
    iv = status_intervals(model, traffic="civilian", view="strict", horizon=None)
    first = min(e.start.lower for e in model.ledger.events).isoformat()
    for _, rows in iv.groupby("segment"):
        assert rows["start"].iloc[0] == first
        assert rows["end"].iloc[-1] is None and rows["end"].iloc[:-1].notna().all()
    assert set(iv["traffic"]) == {"civilian"} and set(iv["view"]) == {"strict"} and set(iv["horizon"]) == {"none"}
    last = iv.groupby("segment").tail(1)
    after = model.timeline.change_points()[-1] + dt.timedelta(days=400)
    for r in _records(last):
        assert model.timeline.class_status(r["segment"], "civilian", on=after, view="strict", horizon=None).status \
            == r["status"]


def test_intervals_bad_range(model: kr.RoadModel) -> None:
    with pytest.raises(kr.DateError, match="before the start"):
        status_intervals(model, "2023-02-01", "2023-01-01")
    with pytest.raises(kr.TrafficError):
        status_intervals(model, traffic="cars")


# -- formats ------------------------------------------------------------------------------------
@pytest.mark.parametrize("hxl", [False, True])
def test_csv_round_trip(tmp_path: Path, status: gpd.GeoDataFrame, hxl: bool) -> None:
    out = tmp_path / "status.csv"
    export(status, out, hxl=hxl)
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    assert header[:5] == ["segment", "date", "traffic", "view", "horizon"]
    if hxl:
        tags = dict(zip(header, rows[1]))
        assert tags["segment"] == "#loc+code" and tags["name"] == "#loc+name" and tags["status"] == "#status"
        assert tags["date"] == "#date" and all(t.startswith("#") for t in tags.values())
        body = rows[2:]
    else:
        assert not any(c.startswith("#") for c in rows[1])
        body = rows[1:]
    assert len(body) == len(status)
    for cells, expected in zip(body, _records(status)):
        got = dict(zip(header, cells))
        assert got["date"] == "2023-07-20"
        for col in NESTED_STATUS:
            assert json.loads(got[col]) == expected[col], col
        assert got["status"] == expected["status"] and got["segment"] == expected["segment"]
        assert got["disputed"] == ("true" if expected["disputed"] else "false")
        assert got["evidence_age_days"] == ("" if expected["evidence_age_days"] is None
                                            else str(expected["evidence_age_days"]))
        assert gpd.GeoSeries.from_wkt([got["geometry"]]).iloc[0].equals_exact(expected["geometry"], 0)
    df = pd.read_csv(out, skiprows=[1] if hxl else None)
    assert list(df["segment"]) == list(status["segment"])
    assert [json.loads(v) for v in df["basis"]] == list(status["basis"])


def test_intervals_csv_hxl_and_round_trip(tmp_path: Path, intervals: gpd.GeoDataFrame) -> None:
    out = tmp_path / "intervals.csv"
    export(intervals, out, hxl=True)
    df = pd.read_csv(out, skiprows=[1], keep_default_na=False, dtype=str)
    with open(out, newline="", encoding="utf-8") as fh:
        tags = dict(zip(*list(csv.reader(fh))[:2]))
    assert tags["start"] == "#date+start" and tags["end"] == "#date+end" and tags["status"] == "#status"
    assert tags["claimants"] == "#org+claimant" and tags["geometry"] == "#geo+wkt"
    for got, expected in zip(_records(df), _records(intervals)):
        assert got["start"] == expected["start"] and got["end"] == (expected["end"] or "")
        for col in NESTED_INTERVALS:
            assert json.loads(got[col]) == expected[col]


def test_geojson_round_trip(tmp_path: Path, status: gpd.GeoDataFrame) -> None:
    out = tmp_path / "status.geojson"
    export(status, out)
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == len(status)
    for feature, expected in zip(doc["features"], _records(status)):
        props = feature["properties"]
        for col in NESTED_STATUS:
            assert props[col] == expected[col]  # real JSON, not a Python repr
        assert props["evidence_age_days"] == expected["evidence_age_days"]
        assert feature["geometry"]["type"] == expected["geometry"].geom_type
    back = gpd.read_file(out)  # warnings are errors: no "Could not parse column" warning
    assert list(back["segment"]) == list(status["segment"])
    for col in ("claims", "basis", "set_aside"):
        assert list(back[col]) == list(status[col])
    assert [list(v) for v in back["routes"]] == list(status["routes"])


def test_intervals_geojson_round_trip(tmp_path: Path, intervals: gpd.GeoDataFrame) -> None:
    out = tmp_path / "intervals.json"
    export(intervals, out)
    with open(out, encoding="utf-8") as fh:
        doc = json.load(fh)
    for feature, expected in zip(doc["features"], _records(intervals)):
        for col in (*NESTED_INTERVALS, "start", "end", "status", "carried"):
            assert feature["properties"][col] == expected[col]
    back = gpd.read_file(out)
    assert list(back["positions"]) == list(intervals["positions"])


@pytest.mark.parametrize("table", ["status", "intervals"])
def test_geopackage_round_trip(tmp_path: Path, request: pytest.FixtureRequest, table: str) -> None:
    gdf = request.getfixturevalue(table)
    out = tmp_path / "out.gpkg"
    export(gdf, out, layer=table)
    back = gpd.read_file(out, layer=table)
    assert len(back) == len(gdf)
    nested = NESTED_STATUS if table == "status" else NESTED_INTERVALS
    for got, expected in zip(_records(back), _records(gdf)):
        for col in nested:
            assert json.loads(got[col]) == expected[col]
        age = got["evidence_age_days"]
        assert (expected["evidence_age_days"] is None) == pd.isna(age)
        if not pd.isna(age):
            assert age == expected["evidence_age_days"]
        assert got["geometry"].equals_exact(expected["geometry"], 1e-12)
    assert gpd.read_file(out).shape == back.shape  # the one layer is the default


@pytest.mark.parametrize("table", ["status", "intervals"])
def test_geoparquet_round_trip(tmp_path: Path, request: pytest.FixtureRequest, table: str) -> None:
    gdf = request.getfixturevalue(table)
    out = tmp_path / "out.parquet"
    export(gdf, out)
    back = gpd.read_parquet(out)
    nested = NESTED_STATUS if table == "status" else NESTED_INTERVALS
    assert set(back.attrs["json_columns"]) == set(nested)
    assert back.crs == gdf.crs
    for got, expected in zip(_records(back), _records(gdf)):
        for col in nested:
            assert json.loads(got[col]) == expected[col]
        assert got["geometry"].equals_exact(expected["geometry"], 0)
        assert bool(got["carried"]) == expected["carried"]


def test_events_and_sources(tmp_path: Path, fixture_files: dict[str, Path], fixture_model: kr.RoadModel) -> None:
    ledger = fixture_model.ledger
    export(ledger.events_frame(), tmp_path / "events-out.csv")
    back = kr.read_ledger(tmp_path / "events-out.csv", fixture_files["sources"], G=fixture_model.G)
    assert back.events == ledger.events
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    export(ledger.sources_frame(), tmp_path / "sources.parquet")
    back = pd.read_parquet(tmp_path / "sources.parquet")
    assert back.astype(object).to_dict("records") == ledger.sources_frame().astype(object).to_dict("records")
    export(ledger.sources_frame(), tmp_path / "sources.csv", hxl=True)
    rows = _csv_rows(tmp_path / "sources.csv")
    assert dict(zip(rows[0], rows[1]))["id"] == "#meta+source+id"
    export(ledger.events_frame(), tmp_path / "events-hxl.csv", hxl=True)
    rows = _csv_rows(tmp_path / "events-hxl.csv")
    assert dict(zip(rows[0], rows[1]))["id"] == "#event+id"
    with pytest.raises(ValueError, match=r"no geometry: write it as CSV \(\.csv\) or Parquet"):
        export(ledger.events_frame(), tmp_path / "events.geojson")
    assert not (tmp_path / "events.geojson").exists()


# -- hostile text --------------------------------------------------------------------------------
def _hostile(status: gpd.GeoDataFrame, text: str) -> gpd.GeoDataFrame:
    gdf = status.copy()
    gdf.attrs = dict(status.attrs)
    gdf["name"] = [text, *gdf["name"].iloc[1:]]
    claims = [[dict(c) for c in cs] for cs in gdf["claims"]]
    claims[0] = [{"event": "X1", "quote": text, "note": text, "traffic": [text]}]
    gdf["claims"] = claims
    return gdf


def test_hostile_text_survives_every_format(tmp_path: Path, status: gpd.GeoDataFrame) -> None:
    nul_ok = sys.version_info >= (3, 11)  # the csv module reads NUL characters from 3.11 on
    text = HOSTILE_NUL if nul_ok else HOSTILE
    gdf = _hostile(status, text)
    export(gdf, tmp_path / "s.csv")
    with open(tmp_path / "s.csv", newline="", encoding="utf-8") as fh:
        first = next(csv.DictReader(fh))
    assert first["name"] == text and json.loads(first["claims"]) == gdf["claims"].iloc[0]

    export(gdf, tmp_path / "s.geojson")
    props = json.loads((tmp_path / "s.geojson").read_text(encoding="utf-8"))["features"][0]["properties"]
    assert props["name"] == text and props["claims"] == gdf["claims"].iloc[0]

    export(gdf, tmp_path / "s.parquet")
    back = gpd.read_parquet(tmp_path / "s.parquet")
    assert back["name"].iloc[0] == text and json.loads(back["claims"].iloc[0]) == gdf["claims"].iloc[0]

    # GDAL-based readers: no NUL in plain text (C strings); inside JSON text it is an escape
    plain = _hostile(status, HOSTILE)
    plain["claims"] = [[{"quote": HOSTILE_NUL}], *plain["claims"].iloc[1:]]
    export(plain, tmp_path / "s.gpkg", layer="status")
    back = gpd.read_file(tmp_path / "s.gpkg", layer="status")
    assert back["name"].iloc[0] == HOSTILE and json.loads(back["claims"].iloc[0]) == [{"quote": HOSTILE_NUL}]
    export(plain, tmp_path / "p.geojson")
    back = gpd.read_file(tmp_path / "p.geojson")
    assert back["name"].iloc[0] == HOSTILE and back["claims"].iloc[0] == [{"quote": HOSTILE_NUL}]


def test_geopackage_refuses_nul_in_plain_text(tmp_path: Path, status: gpd.GeoDataFrame) -> None:
    out = tmp_path / "s.gpkg"
    out.write_bytes(b"old")
    with pytest.raises(ValueError, match="NUL character"):
        export(_hostile(status, "a\x00b"), out)
    assert out.read_bytes() == b"old" and _files(tmp_path) == ["s.gpkg"]


def test_excel_safe(tmp_path: Path, status: gpd.GeoDataFrame) -> None:
    export(_hostile(status, "=HYPERLINK(1)"), tmp_path / "s.csv", excel_safe=True)
    with open(tmp_path / "s.csv", newline="", encoding="utf-8") as fh:
        assert next(csv.DictReader(fh))["name"] == "'=HYPERLINK(1)"


# -- atomic writes and errors --------------------------------------------------------------------
class Boom(RuntimeError):
    pass


def _partial(writer_name: str) -> Any:
    original = getattr(export_module, writer_name)

    def failing(frame: Any, fh: Any, *args: Any) -> None:
        original(frame, fh, *args)  # the whole file is written to the temporary file ...
        raise Boom  # ... then the write fails

    return failing


@pytest.mark.parametrize(("suffix", "writer"), [("csv", "_write_csv"), ("geojson", "_write_geojson"),
                                                ("parquet", "_write_parquet")])
@pytest.mark.parametrize("existing", [False, True])
def test_an_error_mid_write_leaves_nothing(tmp_path: Path, status: gpd.GeoDataFrame, monkeypatch: pytest.MonkeyPatch,
                                           suffix: str, writer: str, existing: bool) -> None:
    out = tmp_path / f"status.{suffix}"
    if existing:
        out.write_bytes(b"before")
    monkeypatch.setattr(export_module, writer, _partial(writer))
    with pytest.raises(Boom):
        export(status, out)
    assert _files(tmp_path) == (["status." + suffix] if existing else [])
    if existing:
        assert out.read_bytes() == b"before"


def test_an_unserializable_value_fails_mid_stream_and_leaves_nothing(tmp_path: Path,
                                                                     status: gpd.GeoDataFrame) -> None:
    gdf = status.copy()
    gdf["claims"] = [*gdf["claims"].iloc[:-1], [{"quote": object()}]]  # the last feature fails
    out = tmp_path / "status.geojson"
    out.write_text("old", encoding="utf-8")
    with pytest.raises(TypeError, match="no JSON form"):
        export(gdf, out)
    assert out.read_text(encoding="utf-8") == "old" and _files(tmp_path) == ["status.geojson"]


def test_geopackage_error_leaves_nothing(tmp_path: Path, status: gpd.GeoDataFrame,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import pyogrio

    def failing(df: Any, path: Any, **kwargs: Any) -> None:
        path.write(b"SQLite format 3\x00partial")
        raise Boom

    monkeypatch.setattr(pyogrio, "write_dataframe", failing)
    with pytest.raises(Boom):
        export(status, tmp_path / "status.gpkg")
    assert _files(tmp_path) == []


def test_bad_suffix_and_options(tmp_path: Path, status: gpd.GeoDataFrame) -> None:
    with pytest.raises(ValueError, match=r"\.csv, \.geojson, \.json, \.gpkg, \.parquet") as info:
        export(status, tmp_path / "status.xlsx")
    assert "'.xlsx'" in str(info.value)
    with pytest.raises(ValueError, match="no suffix"):
        export(status, tmp_path / "status")
    with pytest.raises(ValueError, match="Unknown export format 'shp'"):
        export(status, tmp_path / "status.csv", format="shp")
    with pytest.raises(ValueError, match="CSV output only"):
        export(status, tmp_path / "status.parquet", hxl=True)
    with pytest.raises(ValueError, match="GeoPackage output only"):
        export(status, tmp_path / "status.csv", layer="x")
    with pytest.raises(ValueError, match="Not an HXL hashtag"):
        export(status, tmp_path / "status.csv", hxl={"segment": "loc name"})
    with pytest.raises(TypeError, match="DataFrame"):
        export([1, 2], tmp_path / "status.csv")
    assert _files(tmp_path) == []
    export(status, tmp_path / "status.data", format="csv")
    assert _files(tmp_path) == ["status.data"]


def test_formats_and_tags_are_documented() -> None:
    assert set(EXPORT_FORMATS.values()) == {"csv", "geojson", "gpkg", "parquet"}
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert "### Exporting" in readme and "karabakh-routes export" in readme
    for column in ("segment", "name", "start", "end", "status"):
        assert HXL_TAGS[column] in readme
    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    assert '"pyarrow>=14"' in pyproject
    assert kr.export is export and kr.status_intervals is status_intervals


# -- command line ----------------------------------------------------------------------------------
def _cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="karabakh-routes")
    sub = parser.add_subparsers(dest="command", required=True)
    _cli_export.add_parser(sub)
    return _cli_export.run(parser.parse_args(argv))


def test_cli_every_option_has_help() -> None:
    parser = argparse.ArgumentParser(prog="karabakh-routes")
    sub = parser.add_subparsers(dest="command")
    s = _cli_export.add_parser(sub)
    assert sub.choices["export"] is s and sub._choices_actions[0].help  # the command's own help
    for action in s._actions:
        if not isinstance(action, argparse._HelpAction):
            assert action.help, action.dest


@pytest.mark.parametrize(("what", "extra", "suffix"), [
    ("status", ["--on", "2023-07-20", "--traffic", "humanitarian"], "geojson"),
    ("status", ["--on", "2023-07-20", "--hxl"], "csv"),
    ("intervals", ["--from", "2023-06-01", "--to", "2023-06-30", "--view", "strict", "--horizon", "10"], "gpkg"),
    ("intervals", ["--from", "2023-06-01", "--traffic", "medical"], "parquet"),
    ("events", [], "csv"),
    ("sources", [], "parquet"),
])
def test_cli_export(tmp_path: Path, capsys: pytest.CaptureFixture[str], what: str, extra: list[str],
                    suffix: str) -> None:
    out = tmp_path / f"{what}.{suffix}"
    assert _cli(["export", what, "-o", str(out), *extra]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {out}"
    if suffix == "csv":
        with open(out, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        assert rows[1][0].startswith("#") == ("--hxl" in extra)
    elif suffix == "parquet":
        back = pd.read_parquet(out)
        if what == "intervals":
            assert set(back["traffic"]) == {"medical"} and back["start"].iloc[0] == "2023-06-01"
            assert back["end"].isna().sum() == back["segment"].nunique()  # open-ended: one per segment
    else:
        back = gpd.read_file(out, layer=what if suffix == "gpkg" else None)
        if what == "intervals":
            assert set(back["view"]) == {"strict"} and set(back["horizon"]) == {"10 days"}
            assert json.loads(back["claim_ids"].iloc[0]) is not None
        else:
            assert set(back["traffic"]) == {"humanitarian"}


@pytest.mark.parametrize(("argv", "message"), [
    (["status", "-o", "OUT.xlsx", "--on", "2023-07-20"], ".csv, .geojson, .json, .gpkg, .parquet"),
    (["status", "-o", "OUT.csv"], "needs --on DATE"),
    (["status", "-o", "OUT.csv", "--on", "2023-02-30"], "2023-02-30"),
    (["status", "-o", "OUT.csv", "--on", "2023-07-20", "--from", "2023-01-01"], "remove --from"),
    (["intervals", "-o", "OUT.csv", "--on", "2023-07-20"], "remove --on"),
    (["intervals", "-o", "OUT.csv", "--view", "nobody"], "Unknown view 'nobody'"),
    (["intervals", "-o", "OUT.csv", "--horizon", "soon"], "Invalid horizon"),
    (["intervals", "-o", "OUT.csv", "--from", "2023-02-01", "--to", "2023-01-01"], "before the start"),
    (["events", "-o", "OUT.geojson"], "no geometry"),
    (["events", "-o", "OUT.csv", "--traffic", "civilian"], "remove --traffic"),
    (["sources", "-o", "OUT.parquet", "--hxl"], "--hxl applies to CSV"),
    (["status", "-o", "OUT.csv", "--on", "2023-07-20", "--layer", "x"], "--layer applies to GeoPackage"),
    (["status", "-o", "", "--on", "2023-07-20"], "empty"),
])
def test_cli_errors_are_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str],
                                        message: str) -> None:
    argv = [a.replace("OUT", str(tmp_path / "out")) for a in argv]
    assert _cli(["export", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("karabakh-routes: error: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert _files(tmp_path) == []


def test_cli_refuses_to_replace_an_input(tmp_path: Path, fixture_files: dict[str, Path],
                                         capsys: pytest.CaptureFixture[str]) -> None:
    events = fixture_files["events"]
    before = events.read_bytes()
    argv = ["export", "events", "-o", str(events)] + [a for k, v in fixture_files.items() for a in (f"--{k}", str(v))]
    assert _cli(argv) == 2
    assert "same file as --events" in capsys.readouterr().err
    assert events.read_bytes() == before


def test_cli_writes_to_a_device(capsys: pytest.CaptureFixture[str]) -> None:
    if not os.path.exists("/dev/null"):  # pragma: no cover
        pytest.skip("no /dev/null")
    assert _cli(["export", "sources", "-o", "/dev/null", "--format", "csv"]) == 0
    assert capsys.readouterr().out == ""


# -- CSV cells, column by column ------------------------------------------------------------------
def _csv_rows_cell_by_cell(frame: pd.DataFrame) -> list[list[str]]:
    """The CSV cells as they were made before the columns were written at once: one :func:`_cell` a value."""
    return [[export_module._cell(v) for v in values] for values in frame.itertuples(index=False, name=None)]


def _csv_cells_written(frame: pd.DataFrame) -> list[list[str]]:
    buf = io.StringIO()
    export_module._write_csv(frame, buf, None, False)
    return [row for row in csv.reader(io.StringIO(buf.getvalue()))][1:]


def test_csv_columns_written_at_once_are_the_cells_written_one_by_one(model: kr.RoadModel,
                                                                      intervals: gpd.GeoDataFrame) -> None:
    # every table the library exports, and columns of every kind the writer meets
    for frame in (intervals, model.status(on="2023-07-20"), model.status(on="2023-07-20", traffic="medical"),
                  model.ledger.events_frame(), model.ledger.sources_frame()):
        assert _csv_cells_written(frame) == _csv_rows_cell_by_cell(frame)


#: Values of every kind a table's cell may hold (the library's and a user's own).
_ANY_VALUE = st.one_of(
    st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True, allow_infinity=True),
    st.text(), st.lists(st.text(max_size=5), max_size=3), st.lists(st.one_of(st.integers(), st.none(), st.floats()),
                                                                   max_size=3),
    st.dictionaries(st.text(max_size=4), st.text(max_size=4), max_size=3),
    st.dictionaries(st.integers(), st.booleans(), max_size=2), st.tuples(st.text(max_size=3)),
    st.dictionaries(st.text(max_size=3), st.lists(st.text(max_size=3), max_size=2), max_size=2),
    st.dates(), st.sampled_from([np.int64(7), np.bool_(True), np.float32(0.5), pd.NA, pd.NaT, np.array([1, 2]),
                                 {True: "t"}, ["a", 1]]),
    st.builds(lambda x, y: shapely.Point(x, y), st.floats(-180, 180), st.floats(-90, 90)),
)


@settings(deadline=None)  # (the profile's number of examples: conftest.py)
@given(values=st.lists(_ANY_VALUE, max_size=12))
def test_csv_cells_of_any_column_are_those_of_one_value_at_a_time(values: list[Any]) -> None:
    column = pd.Series(values, dtype=object)
    assert export_module._cells(column, geometry=False) == [export_module._cell(v) for v in values]
    shapes = gpd.GeoSeries([shapely.Point(i, -i / 3) if i % 3 else None for i in range(len(values))])
    assert export_module._cells(shapes, geometry=True) == [export_module._cell(v) for v in shapes]


def test_csv_cells_of_values_without_a_json_form_fail_as_before() -> None:
    for bad in ({1, 2}, [object()], {"a": object()}):
        with pytest.raises(TypeError, match="no JSON form"):
            export_module._cells(pd.Series([None, bad], dtype=object), geometry=False)


@settings(deadline=None)
@given(value=_ANY_VALUE)
def test_a_value_json_ready_as_it_is_is_written_as_its_plain_copy(value: Any) -> None:
    # (GeoJSON properties, GeoPackage and Parquet JSON text: the value itself where it needs no copy)
    try:
        want = export_module._JSON.encode(export_module._plain(value))
    except TypeError:
        with pytest.raises(TypeError, match="no JSON form"):
            export_module._plain_at_once(value)
        return
    assert export_module._JSON.encode(export_module._plain_at_once(value)) == want


def test_rows_read_column_by_column_are_the_rows(model: kr.RoadModel, intervals: gpd.GeoDataFrame) -> None:
    mixed = pd.DataFrame({"when": pd.to_datetime(["2023-07-20", None]), "n": pd.array([1, None], dtype="Int64"),
                          "ok": pd.array([True, None], dtype="boolean"), "kind": pd.Categorical(["a", "b"]),
                          "text": pd.array(["x", None], dtype="string"), "x": [0.5, float("nan")]})
    def same(rows: Any) -> list[tuple[Any, ...]]:  # (NaN is not equal to itself: compared as text)
        return [tuple("nan" if isinstance(v, float) and v != v else v for v in row) for row in rows]

    for frame in (intervals, model.status(on="2023-07-20"), model.ledger.events_frame(), mixed, mixed.iloc[:, :0]):
        assert same(export_module._columns_of(frame)) == same(frame.itertuples(index=False, name=None))


def test_geojson_coordinates_that_are_not_finite_are_written_as_null(tmp_path: Path) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (shapely warns of the NaN it is given)
        line = shapely.LineString([(44.5, 40.1), (44.6, float("nan"))])
    gdf = gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[line, shapely.Point(44.5, 40.25)], crs="EPSG:4326")
    export(gdf, tmp_path / "x.geojson")
    features = json.loads((tmp_path / "x.geojson").read_text(encoding="utf-8"))["features"]
    assert features[0]["geometry"] == {"type": "LineString", "coordinates": [[44.5, 40.1], [44.6, None]]}
    assert features[1]["geometry"] == {"type": "Point", "coordinates": [44.5, 40.25]}
