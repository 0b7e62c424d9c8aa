"""Shared fixtures: a small fixture network written to files, and the bundled model."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import karabakh_routes as kr

# A diamond plus a tail:  west -- mid -- east      and  west -- south -- east  (longer)
#                                            east -- far
PLACES = {
    "west": ("West Town / Batı", ["West", "Batı", "Ouest"], 46.0, 39.5, "town"),
    "mid": ("Mid Junction", ["Middle"], 46.2, 39.6, "junction"),
    "east": ("East City / Şərq", ["East", "Şərq", "Sharq"], 46.4, 39.5, "city"),
    "south": ("South Village", [], 46.2, 39.3, "village"),
    "far": ("Far Checkpoint", [], 46.6, 39.5, "checkpoint"),
}
SEGMENTS = [("west", "mid"), ("mid", "east"), ("west", "south"), ("south", "east"), ("east", "far")]
ROUTES = [
    {"id": "corridor", "name": "The Corridor", "aliases": ["corridor road", "Koridor"], "description": "",
     "alignments": [
         {"start": "2020-01-01", "end": "2021-06-30", "segments": ["west__mid", "mid__east"], "source": "S1"},
         {"start": "2021-07-01", "end": "", "segments": ["west__south", "south__east"], "source": "S1"},
     ]},
    {"id": "tail", "name": "Tail road", "aliases": [], "description": "",
     "alignments": [{"start": "2020-01-01", "end": "", "segments": ["east__far"]}]},
]
SEED_TEXT = "Officials said the road was closed to all traffic on Monday.\nA convoy passed on Tuesday."
# Published mid-2022: every claim of the fixture attests through its test dates (no carrying),
# so these tests check the v1 mechanics; tests/test_semantics.py checks as-of dates and carrying.
SOURCES = [
    {"id": "S1", "title": "Report one", "publisher": "Agency A", "published": "2022-06-01",
     "url": "https://example.org/1", "seed": ""},
    {"id": "S2", "title": "Report two", "publisher": "Agency B", "published": "2022-06-01",
     "url": "https://example.org/2", "seed": ""},
    {"id": "A1", "title": "Article", "publisher": "Paper", "published": "2022-06-01", "url": "", "seed": "a1.txt"},
]
EVENT_HEADER = ["id", "start", "end", "target", "type", "status", "traffic", "allowed", "direction",
                "claimant", "source", "quote", "note"]
EVENTS = [
    # corridor opens for everyone (claimant X)
    ["E1", "2020-01-01", "", "corridor", "opening", "open", "", "", "", "X", "S1", "", ""],
    # X: closed to all but humanitarian from 2021-03-01 until 2021-03-10
    ["E2", "2021-03-01", "2021-03-10", "corridor", "restriction", "restricted", "", "humanitarian", "", "X", "S1", "", ""],
    # Y says closed from 2021-03-05 (no end) -> disagreement with X after X's restriction ends
    ["E3", "2021-03-05", "", "mid__east", "closure", "closed", "civilian", "", "", "Y", "A1",
     "the road was closed to all traffic", ""],
    # a convoy passage on 2021-03-20 for humanitarian through the closed segment per Y
    ["E4", "2021-03-20", "", "mid__east", "passage", "", "", "humanitarian", "", "Y", "A1", "A convoy passed", ""],
    # an approximate-date closure of the tail
    ["E5", "2021-05-10~", "", "tail", "closure", "closed", "", "", "", "X", "S2", "", ""],
]


def write_fixture(folder: Path, events: list[list[str]] | None = None) -> dict[str, Path]:
    feats = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
              "properties": {"id": pid, "name": name, "aliases": al, "kind": kind, "coord_source": "test"}}
             for pid, (name, al, lon, lat, kind) in PLACES.items()]
    (folder / "places.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
    segs = []
    for u, v in SEGMENTS:
        pu, pv = PLACES[u], PLACES[v]
        mid = [(pu[2] + pv[2]) / 2, (pu[3] + pv[3]) / 2 + 0.01]
        segs.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[pu[2], pu[3]], mid, [pv[2], pv[3]]]},
                     "properties": {"id": f"{u}__{v}", "u": u, "v": v, "name": f"{u}-{v}"}})
    (folder / "segments.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": segs}), encoding="utf-8")
    (folder / "routes.json").write_text(json.dumps(ROUTES), encoding="utf-8")
    (folder / "seeds").mkdir(exist_ok=True)
    (folder / "seeds" / "a1.txt").write_text(SEED_TEXT, encoding="utf-8")
    with open(folder / "sources.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(SOURCES[0]))
        w.writeheader()
        w.writerows(SOURCES)
    with open(folder / "events.csv", "w", newline="", encoding="utf-8") as fh:
        w2 = csv.writer(fh)
        w2.writerow(EVENT_HEADER)
        w2.writerows(EVENTS if events is None else events)
    return {k: folder / f for k, f in [("places", "places.geojson"), ("segments", "segments.geojson"),
                                        ("routes", "routes.json"), ("events", "events.csv"), ("sources", "sources.csv")]}


@pytest.fixture
def fixture_files(tmp_path: Path) -> dict[str, Path]:
    return write_fixture(tmp_path)


@pytest.fixture
def fixture_model(fixture_files: dict[str, Path]) -> kr.RoadModel:
    return kr.load(**{k: str(v) for k, v in fixture_files.items()})


@pytest.fixture(scope="session")
def bundled() -> kr.RoadModel:
    return kr.load()


# Hypothesis profiles: "dev" (small, the default) and "ci" (full, when CI=true). Tests that pass
# their own max_examples keep it; tests that do not take the profile's.
settings.register_profile("dev", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.register_profile("ci", max_examples=300, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI", "").lower() in ("1", "true", "yes") else "dev")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # test_properties draws claimants as arbitrary text: a drawn word may mix Latin with Cyrillic
    # or Greek letters, which the reader rightly reports as a KarabakhRoutesWarning (a look-alike
    # name). That is not what those properties test, so the warning is not an error there.
    for item in items:
        if item.path.name == "test_properties.py":
            item.add_marker(pytest.mark.filterwarnings("ignore::karabakh_routes.KarabakhRoutesWarning"))


def pytest_collection_finish(session: pytest.Session) -> None:
    # the README's set-up commands build fresh venvs (some 40 s each): started now, in the
    # background, when a test that needs them was selected (see tests/_readme_runs.py)
    if os.environ.get("KR_NESTED_README_RUN") or session.config.option.collectonly:
        return
    from _readme_runs import NEEDED_BY, RUNS

    selected = {item.name for item in session.items if item.path.name == "test_readme.py"}
    RUNS.start([name for name, test in NEEDED_BY.items() if test in selected])


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("KR_NESTED_README_RUN"):
        return
    from _readme_runs import RUNS

    RUNS.close()
