"""The synthetic generator of benchmarks/synth.py writes valid, varied, reproducible files (not timed)."""

from __future__ import annotations

import csv
import json
import sys
import warnings
from pathlib import Path
from typing import Any

import networkx as nx

import karabakh_routes as kr
from karabakh_routes.network import REGION_BOUNDS
from karabakh_routes.vocab import ANSWERS

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import synth  # noqa: E402

SEGMENTS, CLAIMS, SEED = 30, 200, 0


def _generate(folder: Path, seed: int = SEED) -> dict[str, Path]:
    return synth.generate(folder, segments=SEGMENTS, claims=CLAIMS, seed=seed)


def _benchmark_row(tmp_path: Path, name: str, *args: str) -> dict[str, Any]:
    """The JSON line ``benchmarks/NAME.py --data DIR ARGS`` prints on a small synthetic region written to ``tmp_path``."""
    import subprocess

    _generate(tmp_path / "data")
    script = Path(__file__).resolve().parents[1] / "benchmarks" / f"{name}.py"
    out = subprocess.run([sys.executable, str(script), "--data", str(tmp_path / "data"), *args],
                         capture_output=True, text=True, check=True, timeout=300).stdout
    row: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return row


def test_generated_files_load_without_warnings(tmp_path: Path) -> None:
    files = _generate(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = kr.load(**{k: str(v) for k, v in files.items()})
    assert m.G.number_of_edges() == SEGMENTS
    assert nx.is_connected(m.G)
    assert len(m.ledger.events) == CLAIMS
    x0, y0, x1, y1 = REGION_BOUNDS
    for u, v, _, d in m.G.edges(keys=True, data=True):
        coords = list(d["geometry"].coords)
        assert all(x0 <= x <= x1 and y0 <= y <= y1 for x, y in coords)
        ends = {(m.G.nodes[n]["x"], m.G.nodes[n]["y"]) for n in (u, v)}
        assert {coords[0], coords[-1]} == ends  # the line ends exactly at its places
    first, last = sorted(m.G.nodes)[0], sorted(m.G.nodes)[-1]
    assert m.reach(first, last, on="2022-06-15").answer in {"yes", "no", "disputed", "unknown"}


def test_generated_claims_cover_the_format(tmp_path: Path) -> None:
    files = _generate(tmp_path)
    with open(files["events"], encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    routes = json.loads(files["routes"].read_text(encoding="utf-8"))
    route_names = {n for r in routes for n in (r["id"], *r["aliases"])}
    assert {r["type"] for r in rows} == {"closure", "opening", "restriction", "report", "passage"}
    assert {r["status"] for r in rows} == {"open", "restricted", "closed", ""}
    assert all((r["status"] == "") == (r["type"] == "passage") for r in rows)
    dates = [r[c] for r in rows for c in ("start", "end")]
    assert any(d.endswith("~") for d in dates) and any(d.endswith("?") for d in dates)
    assert any(len(d) == 7 for d in dates)  # month precision, e.g. 2022-05
    assert any(r["end"] for r in rows)
    assert any(r["as_of"] for r in rows)
    assert any(r["direction"] for r in rows if r["type"] != "passage")  # one-way claims
    assert any(r["direction"] for r in rows if r["type"] == "passage")  # one-way passages
    assert any(r["traffic"] for r in rows) and any(r["allowed"] for r in rows if r["type"] == "passage")
    assert len({r["claimant"] for r in rows}) > 3
    assert any(r["target"] in route_names for r in rows)
    assert any("|" in r["target"] for r in rows)  # several segments
    assert any(len(r["alignments"]) > 1 for r in routes)
    assert len({r["id"] for r in rows}) == len(rows)


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a, b, c = (_generate(tmp_path / "a"), _generate(tmp_path / "b"), _generate(tmp_path / "c", seed=SEED + 1))
    assert all(a[k].read_bytes() == b[k].read_bytes() for k in a)
    assert a["events"].read_bytes() != c["events"].read_bytes()


def test_first_query_benchmark_runs_and_the_cache_answers_the_same(tmp_path: Path) -> None:
    """benchmarks/first_query.py on a small synthetic region: one row per scenario, the same answer in each."""
    import subprocess

    _generate(tmp_path / "data")
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "first_query.py"
    out = subprocess.run([sys.executable, str(script), "--data", str(tmp_path / "data"), "--runs", "1"],
                         capture_output=True, text=True, check=True, timeout=300).stdout
    rows = [line for line in out.splitlines() if line.startswith("| ") and " s |" in line]
    assert [r.split(" | ")[0] for r in rows] == ["| no cache", "| cache, first", "| cache, warm"]
    answers = {r.split("(")[1].split(")")[0] for r in rows}
    assert len(answers) == 1 and answers <= set(ANSWERS)


def test_chart_benchmark_runs_and_its_statuses_equal_the_whole_snapshot(tmp_path: Path) -> None:
    """benchmarks/chart_year.py on a small synthetic region: a PNG, and the chart's statuses equal the baseline's."""
    row = _benchmark_row(tmp_path, "chart_year", "--png", str(tmp_path / "c.png"))
    assert row["same"] is True and row["days"] > 1 and 0 < row["segments"] <= row["network_segments"]
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_periods_floor_benchmark_runs(tmp_path: Path) -> None:
    """benchmarks/periods_floor.py on a small synthetic region: every change point of the range visited."""
    row = _benchmark_row(tmp_path, "periods_floor")
    assert row["change_points"] > 100 and row["together_s"] >= 0


def test_intervals_benchmark_runs_and_its_tables_are_the_same(tmp_path: Path) -> None:
    """benchmarks/intervals.py on a small synthetic region: the table in two processes equals the one in one."""
    row = _benchmark_row(tmp_path, "intervals", "--start", "2022-01-01", "--end", "2022-03-31",
                         "--formats", "csv,parquet")
    assert row["same"] is True and row["workers"] == 2 and row["rows"] > row["segments"] > 0
    assert row["write_csv_bytes"] > 0 and row["write_parquet_bytes"] > 0 and "write_gpkg_s" not in row
    assert row["change_points"] > 1 and row["one_s"] > 0 and row["workers_s"] > 0


def test_everywhere_benchmark_runs_and_its_answers_are_those_of_one_reach_each(tmp_path: Path) -> None:
    """benchmarks/everywhere.py on a small synthetic region: reach_from's answers equal reach's, place by place."""
    row = _benchmark_row(tmp_path, "everywhere", "--check", "8")
    assert row["same"] is True and row["checked"] == 8 and sum(row["answers"].values()) == row["places"] > 8


def test_answer_changes_benchmark_runs(tmp_path: Path) -> None:
    """benchmarks/answer_changes.py on a small synthetic region: its counts are consistent."""
    row = _benchmark_row(tmp_path, "answer_changes", "--days", "40")
    seen = row["change_points"]
    assert 5 < seen <= 40 and row["some_status_improved"] <= seen
    # the two-bound test is the stricter, and it is sound: it lets a search be skipped only
    # where the best cost did stay the same
    assert row["skippable_both_bounds"] <= row["skippable_one_entry_bound"]
    assert row["skippable_both_bounds"] <= seen - row["best_cost_changed"]
    # the exact lower bound is at least as sharp as the two bounds, and sound too
    assert row["skippable_both_bounds"] <= row["skippable_exact"] <= row["path_kept_its_weights"]
    assert row["skippable_exact"] <= seen - row["best_cost_changed"]
    # shares of the nodes reached on either day
    assert 0 <= row["nodes_whose_distance_changed_min"] <= row["nodes_whose_distance_changed_median"] <= 1


def test_compiled_search_benchmark_runs_or_says_what_it_needs(tmp_path: Path) -> None:
    """benchmarks/compiled_search.py: with numba, the same searches both ways; without it, exit 2 naming numba."""
    import importlib.util
    import json
    import subprocess

    _generate(tmp_path / "data")
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "compiled_search.py"
    run = subprocess.run([sys.executable, str(script), "--data", str(tmp_path / "data"), "--days", "3"],
                         capture_output=True, text=True, timeout=300)
    if importlib.util.find_spec("numba") is None:
        assert run.returncode == 2 and "pip install numba" in run.stderr and not run.stdout
        return
    assert run.returncode == 0, run.stderr  # (1: the two ways gave different distances or predecessors)
    row = json.loads(run.stdout.strip().splitlines()[-1])
    assert row["change_points"] == 2 and row["bounded_nodes_reached_median"] > 0
    assert all(row[k] > 0 for k in ("full_scipy_ms", "full_compiled_ms", "bounded_scipy_ms", "bounded_compiled_ms",
                                    "bounded_compiled_sparse_ms"))


def test_scale_benchmark_times_periods_in_worker_processes(tmp_path: Path) -> None:
    """benchmarks/scale.py's measuring child on a small synthetic region: periods with workers, checked the same."""
    import json
    import subprocess

    _generate(tmp_path / "data")
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "scale.py"
    out = tmp_path / "steps.jsonl"
    subprocess.run([sys.executable, str(script), "--child", str(tmp_path / "data"), "--child-out", str(out),
                    "--timeout", "300", "--baseline-days", "5", "--memory-gb", "0", "--workers", "2"],
                   capture_output=True, text=True, check=True, timeout=600)
    steps = {(rec := json.loads(line)).pop("step"): rec for line in out.read_text(encoding="utf-8").splitlines()}
    assert steps["periods"]["status"] == "ok"
    got = steps["periods_workers"]
    assert got["status"] == "ok" and got["workers"] == 2 and got["same_as_one_process"] is True
    assert got["periods"] == steps["periods"]["periods"] and got["workers_cpu_s"] > 0
    far = steps["reach_far"]
    assert far["status"] == "ok" and far["calls"] == 12 and 0 < far["median_s"] <= far["max_s"]
    import scale  # (benchmarks/ is on the path)

    row = scale.table([{"size": "S", "segments": SEGMENTS, "claims": CLAIMS, "steps": steps, "peak_rss_mb": 1.0}])
    assert "with 2 workers" in row and "the same periods" in row and "of 12 days 47 days apart" in row
