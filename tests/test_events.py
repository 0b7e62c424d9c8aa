"""Ledger reading, validation messages and lossless writing."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from conftest import EVENT_HEADER, EVENTS, write_fixture

import karabakh_routes as kr


def load_with(tmp_path: Path, events: list[list[str]]) -> kr.RoadModel:
    files = write_fixture(tmp_path, events)
    return kr.load(**{k: str(v) for k, v in files.items()})


def mutated(row: int, col: str, value: str) -> list[list[str]]:
    events = [list(r) for r in EVENTS]
    events[row][EVENT_HEADER.index(col)] = value
    return events


@pytest.mark.parametrize(("row", "col", "value", "expected"), [
    (0, "target", "moon_road", "a route (corridor, tail) or segment id"),
    (0, "type", "blockade", "one of closure, opening, restriction, passage, report"),
    (0, "status", "shut", "for type 'opening': one of open, restricted"),
    (1, "allowed", "aid", "traffic classes from: civilian, humanitarian, medical, peacekeepers"),
    (1, "allowed", "", "the classes that may pass, for a restricted status"),
    (0, "start", "2020-02-30", "Invalid date"),
    (1, "start", "", "Empty date"),
    (1, "end", "2021-02-01", "start and end look inverted"),
    (0, "source", "S7", "a source id from the sources file"),
    (2, "quote", "the road was open", "verbatim in the bundled article a1.txt"),
    (0, "claimant", "", "who makes the claim"),
    (3, "end", "2021-03-21", "a passage is a one-off"),
    (0, "direction", "Atlantis", "the place one-way traffic moves towards"),
    (1, "id", "E1", "used twice"),
])
def test_each_problem_named(tmp_path: Path, row: int, col: str, value: str, expected: str) -> None:
    with pytest.raises(kr.DataError) as info:
        load_with(tmp_path, mutated(row, col, value))
    text = str(info.value)
    assert f"events.csv, row {row + 2}" in text and f"field '{col}'" in text and expected in text


def test_all_problems_reported_together(tmp_path: Path) -> None:
    events = mutated(0, "target", "moon_road")
    events[2][EVENT_HEADER.index("type")] = "blockade"
    with pytest.raises(kr.DataError) as info:
        load_with(tmp_path, events)
    assert len(info.value.problems) == 2


def test_quote_whitespace_normalized(tmp_path: Path) -> None:
    m = load_with(tmp_path, mutated(2, "quote", "the road  was\nclosed to all traffic"))
    assert m.ledger.events[2].quote == "the road  was\nclosed to all traffic"


def test_bom_and_crlf_accepted(tmp_path: Path) -> None:
    files = write_fixture(tmp_path)
    raw = files["events"].read_text(encoding="utf-8")
    files["events"].write_bytes(b"\xef\xbb\xbf" + raw.replace("\n", "\r\n").replace("\r\r\n", "\r\n").encode("utf-8"))
    m = kr.load(**{k: str(v) for k, v in files.items()})
    assert [e.id for e in m.ledger.events] == [r[0] for r in EVENTS]


def test_not_utf8_and_empty_and_columns(tmp_path: Path) -> None:
    files = write_fixture(tmp_path)
    files["events"].write_bytes("id,start\nE1,2020 – x\n".encode("cp1252"))
    with pytest.raises(kr.DataError, match="must be UTF-8"):
        kr.read_events(files["events"])
    files["events"].write_text("", encoding="utf-8")
    with pytest.raises(kr.DataError, match="empty"):
        kr.read_events(files["events"])
    files["events"].write_text("id,start,when\nE1,2020-01-01,x\n", encoding="utf-8")
    with pytest.raises(kr.DataError) as info:
        kr.read_events(files["events"])
    text = str(info.value)
    assert "field 'target'" in text and "missing column" in text and "field 'when'" in text and "unknown column" in text


def test_write_read_round_trip(tmp_path: Path, fixture_model: kr.RoadModel) -> None:
    out = tmp_path / "copy.csv"
    kr.write_events(fixture_model.ledger.events, out)
    again = kr.read_events(out)
    assert [e.to_row() for e in again] == [e.to_row() for e in fixture_model.ledger.events]
    with open(out, newline="", encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == EVENT_HEADER


def test_frames_are_text(fixture_model: kr.RoadModel) -> None:
    df = fixture_model.ledger.events_frame()
    assert list(df.columns) == [*EVENT_HEADER, "as_of"]
    assert df.loc[4, "start"] == "2021-05-10~"
    assert str(df["start"].dtype) == "string"
    assert list(fixture_model.ledger.sources_frame()["id"]) == ["S1", "S2", "A1"]


def test_route_alignment_source_must_exist(tmp_path: Path) -> None:
    import json
    files = write_fixture(tmp_path)
    routes = json.loads(files["routes"].read_text(encoding="utf-8"))
    routes[0]["alignments"][1]["source"] = "S99"
    files["routes"].write_text(json.dumps(routes), encoding="utf-8")
    with pytest.raises(kr.DataError, match=r"routes.json, route 0 \(id=corridor\), alignment 1, field 'source': 'S99'"):
        kr.load(**{k: str(v) for k, v in files.items()})
