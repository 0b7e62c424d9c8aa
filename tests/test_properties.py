"""Property-based tests (hypothesis): lossless round trips, robust parsing, engine invariants."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import warnings
from pathlib import Path

import pytest
from conftest import EVENT_HEADER, write_fixture
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import karabakh_routes as kr
from karabakh_routes.vocab import BASELINE_CLAIMANT

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SEGMENTS = ["west__mid", "mid__east", "west__south", "south__east", "east__far"]
TARGETS = SEGMENTS + ["corridor", "tail", "Koridor"]
CLASSES = list(kr.TRAFFIC_CLASSES)
text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)
nonblank = text.filter(lambda s: s.strip() != "")
days = st.dates(min_value=dt.date(2019, 6, 1), max_value=dt.date(2022, 6, 1))


@st.composite
def event_rows(draw: st.DrawFn, n_min: int = 1, n_max: int = 12, distinct_starts: bool = False,
               claimants: list[str] | None = None) -> list[list[str]]:
    n = draw(st.integers(n_min, n_max))
    starts = draw(st.lists(days, min_size=n, max_size=n, unique=distinct_starts))
    rows = []
    for i, start in enumerate(starts):
        kind = draw(st.sampled_from(["closure", "opening", "restriction", "passage", "report"]))
        traffic = draw(st.lists(st.sampled_from(CLASSES), unique=True, max_size=4))
        scope = traffic or CLASSES
        status = {"closure": "closed", "opening": "open", "restriction": "restricted", "passage": "",
                  "report": draw(st.sampled_from(["open", "closed", "restricted"]))}[kind]
        allowed = draw(st.lists(st.sampled_from(scope), unique=True, min_size=1, max_size=len(scope))) \
            if status == "restricted" or kind == "passage" else []
        start_text = start.isoformat() + draw(st.sampled_from(["", "", "", "~", "?"]))
        end = ""
        if kind != "passage" and draw(st.booleans()):
            end = (start + dt.timedelta(days=draw(st.integers(0, 400)))).isoformat()
        # (the name reserved for baseline rows is no claimant's: hypothesis draws it from the code's constants)
        claimant = draw(st.sampled_from(claimants)) if claimants else draw(
            nonblank.filter(lambda s: s.strip() != BASELINE_CLAIMANT))
        rows.append([f"E{i}", start_text, end, "|".join(draw(st.lists(st.sampled_from(TARGETS), min_size=1, max_size=3))),
                     kind, status, "|".join(traffic), "|".join(allowed), "", claimant,
                     draw(st.sampled_from(["S1", "S2"])), draw(text), draw(text)])
    return rows


def load(folder: Path, rows: list[list[str]]) -> kr.RoadModel:
    files = write_fixture(folder, rows)
    return kr.load(**{k: str(v) for k, v in files.items()})


@SETTINGS
@given(rows=event_rows())
def test_written_ledger_reads_back_equal(tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]]) -> None:
    folder = tmp_path_factory.mktemp("ledger")
    m = load(folder, rows)
    assert [[e.to_row()[c] for c in EVENT_HEADER] for e in m.ledger.events] == rows
    out = folder / "again.csv"
    kr.write_events(m.ledger.events, out)
    again = kr.read_events(out)
    assert [e.to_row() for e in again] == [e.to_row() for e in m.ledger.events]
    assert [(e.start, e.end, e.targets, e.claimant, e.quote, e.note) for e in again] == \
        [(e.start, e.end, e.targets, e.claimant, e.quote, e.note) for e in kr.read_events(folder / "events.csv")]


def _mutate(data: str, rnd: random.Random) -> str:
    ops = rnd.randint(1, 4)
    for _ in range(ops):
        op = rnd.choice(["delete", "insert", "truncate", "dup", "swap"])
        if not data:
            break
        i = rnd.randrange(len(data))
        if op == "delete":
            data = data[:i] + data[i + rnd.randint(1, 12):]
        elif op == "insert":
            data = data[:i] + rnd.choice([",", '"', "\n", "|", "{", "]", "x", "ä", "~", "/", "-", "9", "\t", "\ufeff"]) + data[i:]
        elif op == "truncate":
            data = data[:i]
        elif op == "dup":
            j = min(len(data), i + rnd.randint(1, 40))
            data = data[:j] + data[i:j] + data[j:]
        else:
            lines = data.split("\n")
            a, b = rnd.randrange(len(lines)), rnd.randrange(len(lines))
            lines[a], lines[b] = lines[b], lines[a]
            data = "\n".join(lines)
    return data


@pytest.mark.parametrize("which", ["events", "sources", "places", "segments", "routes"])
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1))
def test_mutated_files_raise_only_documented_errors(tmp_path_factory: pytest.TempPathFactory, which: str, seed: int) -> None:
    folder = tmp_path_factory.mktemp("mut")
    files = write_fixture(folder)
    path = files[which]
    path.write_text(_mutate(path.read_text(encoding="utf-8"), random.Random(seed)), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", kr.KarabakhRoutesWarning)
        try:
            m = kr.load(**{k: str(v) for k, v in files.items()})
        except kr.DataError as exc:
            assert exc.problems and all(p.file for p in exc.problems)
            return
    # when it loads, it answers
    m.status(on="2021-03-11")
    m.reach("west", "east", on="2021-03-11")


@SETTINGS
@given(rows=event_rows(n_min=2, distinct_starts=True), seed=st.integers(0, 1000))
def test_shuffling_rows_with_distinct_dates_changes_nothing(tmp_path_factory: pytest.TempPathFactory,
                                                             rows: list[list[str]], seed: int) -> None:
    a = load(tmp_path_factory.mktemp("a"), rows)
    shuffled = list(rows)
    random.Random(seed).shuffle(shuffled)
    b = load(tmp_path_factory.mktemp("b"), shuffled)
    points = a.timeline.change_points()
    assert points == b.timeline.change_points()
    for day in points[:25]:
        for seg in SEGMENTS:
            for cls in CLASSES:
                sa, sb = a.timeline.class_status(seg, cls, on=day), b.timeline.class_status(seg, cls, on=day)
                assert (sa.status, sa.uncertain, sa.by_claimant) == (sb.status, sb.uncertain, sb.by_claimant)


@SETTINGS
@given(rows=event_rows(n_min=1, n_max=10), lo=days, span=st.integers(0, 900),
       traffic=st.sampled_from(CLASSES), pair=st.sampled_from([("west", "east"), ("west", "far"), ("mid", "south")]))
def test_periods_cover_range_without_gap_or_overlap(tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]],
                                                    lo: dt.date, span: int, traffic: str, pair: tuple[str, str]) -> None:
    m = load(tmp_path_factory.mktemp("p"), rows)
    hi = lo + dt.timedelta(days=span)
    ps = m.periods(*pair, start=lo, end=hi, traffic=traffic)
    assert ps[0].start == lo and ps[-1].end == hi
    for p, q in zip(ps, ps[1:]):
        assert q.start == p.end + dt.timedelta(days=1)
        # merged: neighbours differ in their answer, or one lies outside the data's range and the other not
        assert p.answer != q.answer or bool(p.outside_data) != bool(q.outside_data)
    for p in ps:
        assert p.start <= p.end and p.answer in {"yes", "no", "disputed", "unknown"}
    # spot-check a few days against direct answers
    rnd = random.Random(span)
    for _ in range(5):
        day = lo + dt.timedelta(days=rnd.randint(0, span))
        p = next(p for p in ps if p.start <= day <= p.end)
        r = m.reach(*pair, on=day, traffic=traffic)
        assert r.answer == p.answer and bool(r.outside_data) == bool(p.outside_data)


@SETTINGS
@given(rows=event_rows(n_min=1, n_max=10, claimants=["Alpha", "Beta", "Gamma"]), claimant=st.sampled_from(["Alpha", "Beta"]))
def test_one_claimant_view_equals_filtered_ledger(tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]],
                                                  claimant: str) -> None:
    assume(any(r[9] == claimant for r in rows))
    full = load(tmp_path_factory.mktemp("full"), rows)
    only = load(tmp_path_factory.mktemp("only"), [r for r in rows if r[9] == claimant])
    for day in full.timeline.change_points()[:20]:
        for seg in SEGMENTS:
            for cls in CLASSES:
                a = full.timeline.class_status(seg, cls, on=day, view=f"claimant:{claimant}")
                b = only.timeline.class_status(seg, cls, on=day)
                assert (a.status, [c.event for c in a.claims]) == (b.status, [c.event for c in b.claims])


# -- CLI fuzzing -------------------------------------------------------------------------
option_values = st.one_of(text, days.map(dt.date.isoformat), st.sampled_from(["West", "east", "Şərq", "--json", ""]))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cmd=st.sampled_from(["reach", "status", "periods", "places", "events", "validate"]),
       args=st.lists(option_values, max_size=4),
       opts=st.lists(st.tuples(st.sampled_from(["--on", "--from", "--to", "--traffic", "--view", "--claimant", "--target"]),
                               option_values), max_size=3))
def test_cli_never_tracebacks(tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str],
                              cmd: str, args: list[str], opts: list[tuple[str, str]]) -> None:
    from karabakh_routes.cli import main
    folder = tmp_path_factory.mktemp("cli")
    files = write_fixture(folder)
    argv = [cmd, *args, *[x for o in opts for x in o], *[a for k, v in files.items() for a in (f"--{k}", str(v))]]
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse usage errors
        code = exc.code  # type: ignore[assignment]
    out, err = capsys.readouterr()
    assert code in (0, 2), (argv, err)
    assert "Traceback" not in err
    if code == 2:
        assert err.strip(), argv
    if code == 0 and "--json" in argv and cmd != "places" and out.strip():
        json.loads(out)


def test_csv_cells_with_newlines_and_quotes_survive(tmp_path: Path) -> None:
    rows = [["E1", "2020-01-01", "", "corridor", "opening", "open", "", "", "", 'He said "open"\r\nthen, left',
             "S1", "“quoted”,\nmulti-line", "note|with|pipes"]]
    m = load(tmp_path, rows)
    e = m.ledger.events[0]
    assert e.claimant == 'He said "open"\r\nthen, left' and e.quote == "“quoted”,\nmulti-line"
    buf = io.StringIO()
    csv.writer(buf).writerow(rows[0])
