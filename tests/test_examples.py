"""The runnable examples run and produce what they say."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import karabakh_routes as kr

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run_example(name: str, cwd: Path) -> str:
    res = subprocess.run([sys.executable, str(EXAMPLES / name)], cwd=cwd, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    return res.stdout


def test_reach_questions(tmp_path: Path) -> None:
    out = run_example("reach_questions.py", tmp_path)
    assert "Could humanitarian traffic get from Goris to Khankendi on 2023-07-20? no" in out
    assert "Could civilian traffic get from Goris to Stepanakert on 2023-01-10? disputed" in out
    assert "2023-09-12 .. 2023-09-12: yes" in out


def test_status_table(tmp_path: Path) -> None:
    out = run_example("status_table.py", tmp_path)
    assert "hakari_bridge__kornidzor" in out
    doc = json.loads((tmp_path / "status_2023-07-20.geojson").read_text(encoding="utf-8"))
    assert len(doc["features"]) == kr.load().G.number_of_edges()
    assert (tmp_path / "status_summary.csv").read_text(encoding="utf-8").startswith("date,segment,status")


def test_custom_event(tmp_path: Path) -> None:
    out = run_example("custom_event.py", tmp_path)
    assert "a passage is a one-off crossing" in out
    assert "bundled data says 'no'; with my claim 'disputed'" in out
    assert "in my organisation's view alone: 'yes'" in out


@pytest.mark.parametrize("name", ["offline_map.py"])
def test_offline_map(tmp_path: Path, name: str) -> None:
    run_example(name, tmp_path)
    html = (tmp_path / "roads_2023-01-10.html").read_text(encoding="utf-8")
    assert "Roads into Nagorno-Karabakh on 2023-01-10" in html and "cdn.jsdelivr" not in html


def test_area_map(tmp_path: Path) -> None:
    out = run_example("area_map.py", tmp_path)
    m = kr.load()
    box = kr.bbox_around(m, "Lachin", 10)
    wanted = set(m.status(on="2023-07-20", bbox=box).index)
    assert 0 < len(wanted) < m.G.number_of_edges()
    assert f"({len(wanted)} of {m.G.number_of_edges()} segments)" in out
    assert "hakari_bridge__lachin_checkpoint" in out and "goris__kornidzor" not in out
    html = (tmp_path / "lachin_area.html").read_text(encoding="utf-8")
    assert "roads outside it not drawn" in html and "cdn.jsdelivr" not in html
    assert (tmp_path / "lachin_area.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = (tmp_path / "lachin_area.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == len(wanted) + 1
