"""Reading at scale keeps what is read: the row as written (``Event.raw``, ``to_row``), the CSV records, the lengths.

The readers take fast paths (cached checks per distinct cell, events built without the frozen
dataclass's per-field ``object.__setattr__``, CSV parsed in batches, segment lengths computed
at once); these tests check that what they give is what the plain definitions give.
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import io
import json
import pickle
import random
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import EVENT_HEADER, EVENTS, write_fixture
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString

import karabakh_routes as kr
from karabakh_routes import _io
from karabakh_routes.datasets import bundled_path
from karabakh_routes.events import Event, _new_event
from karabakh_routes.network import _line_lengths_km, segment_length_km
from karabakh_routes.vocab import EVENT_COLUMNS

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import synth  # noqa: E402


def _file_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file as the csv module reads them (every EVENT_COLUMNS key; a missing column is "")."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return [{c: row.get(c) or "" for c in EVENT_COLUMNS} for row in csv.DictReader(fh)]


def _check_raw(events: list[Event], path: Path) -> None:
    rows = _file_rows(path)
    assert len(rows) == len(events)
    for ev, row in zip(events, rows):
        assert type(ev) is Event
        assert ev.to_row() == row == dict(ev.raw)
        assert ev.raw == row and row == ev.raw  # a mapping equal to the row, both ways round
        assert list(ev.raw) == list(EVENT_COLUMNS) and len(ev.raw) == len(EVENT_COLUMNS)
        assert ev.raw["id"] == row["id"] and ev.raw.get("nope", "-") == "-" and "quote" in ev.raw
        with pytest.raises(KeyError):
            ev.raw["nope"]
        # the same event as the dataclass constructor builds, and an ordinary frozen one
        assert ev == Event(**{f.name: getattr(ev, f.name) for f in dataclasses.fields(Event)})
        with pytest.raises(dataclasses.FrozenInstanceError):
            ev.id = "x"  # type: ignore[misc]


def test_raw_and_to_row_are_the_row_as_read_bundled() -> None:
    events = kr.read_events()
    _check_raw(events, bundled_path("events"))
    ev = events[0]
    again = pickle.loads(pickle.dumps(ev))
    assert again == ev and again.raw == ev.raw and again.to_row() == ev.to_row()
    assert copy.deepcopy(ev).to_row() == ev.to_row()
    changed = dataclasses.replace(ev, note="changed")
    assert changed.note == "changed" and changed.raw == ev.raw


def test_raw_and_to_row_on_a_synthetic_ledger(tmp_path: Path) -> None:
    files = synth.generate(tmp_path / "synth", segments=300, claims=4000, seed=3)
    G = kr.graph_from_geodata(files["places"], files["segments"], files["routes"])
    ledger = kr.read_ledger(files["events"], files["sources"], G=G)
    events = list(ledger.events)
    _check_raw(events, files["events"])
    # written back, the file is the same text, and reads back as the same events
    out = tmp_path / "events.csv"
    kr.write_events(events, out)
    assert out.read_text(encoding="utf-8") == files["events"].read_text(encoding="utf-8")
    assert kr.read_events(out, G=G) == events


def test_spaced_and_reordered_cells_read_as_the_same_events(tmp_path: Path) -> None:
    """Cells with spaces around them, or columns in another order, take the full checks: same events, raw as written."""
    files = synth.generate(tmp_path / "synth", segments=60, claims=600, seed=5)
    G = kr.graph_from_geodata(files["places"], files["segments"], files["routes"])
    sources = kr.read_sources(files["sources"])
    plain = kr.read_events(files["events"], sources=sources, G=G)
    rows = _file_rows(files["events"])
    spaced = [{c: (f" {v} " if v and c not in ("quote", "note") and i % 3 == 0 else v) for c, v in row.items()}
              for i, row in enumerate(rows)]
    columns = list(reversed(EVENT_COLUMNS))
    path = tmp_path / "spaced.csv"
    path.write_text(_io.csv_text(columns, spaced), encoding="utf-8")
    events = kr.read_events(path, sources=sources, G=G)
    assert events == plain
    assert [dict(e.raw) for e in events] == spaced
    assert [e.to_row() for e in events] == spaced


def test_csv_records_as_the_csv_module_reads_them(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every kind of line end, quoted line breaks, blank rows: the records and their row numbers are the csv module's."""
    monkeypatch.setattr(_io, "_CHUNK_CHARS", 7)  # many chunks, cut everywhere
    monkeypatch.setattr(_io, "_CSV_BATCH", 3)
    cells = ["a", "", " ", '"q"', "x\ny", "x\ry", "x\r\ny", "p\x0cq", "u\u2028v", "w\x85z", "\x1cs", "t,u"]
    rng = random.Random(1)
    ends = ["\n", "\r\n", "\r"]
    for trial in range(30):
        lines = []
        for _ in range(rng.randint(1, 12)):
            if rng.random() < 0.15:
                lines.append(rng.choice(["", "  ", " , "]))  # a blank row
                continue
            buf = io.StringIO()
            csv.writer(buf, lineterminator="").writerow([rng.choice(cells), rng.choice(cells)])
            lines.append(buf.getvalue())
        end = ends[trial % 3]
        text = "id,start\n" + end.join(lines) + (end if trial % 2 else "")
        path = tmp_path / f"t{trial}.csv"
        path.write_bytes(text.encode("utf-8"))
        expected = list(csv.reader(io.StringIO(text, newline="")))
        want = [(n, row) for n, row in enumerate(expected[1:], start=2) if any(c.strip() for c in row)]
        ragged = [(n, row) for n, row in want if len(row) != 2]
        header, body = _io.read_csv_table(path, required=("id",), optional=("start",))
        assert header == ["id", "start"]
        if ragged:
            with pytest.raises(kr.DataError) as info:
                list(body)
            assert [p.where for p in info.value.problems] == [f"row {n}" for n, _ in ragged]
        else:
            assert list(body) == want


def test_lines_split_as_string_io(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "a\nb\r\nc\rd\x0be\x0cf\x1cg\x1dh\x1ei\x85j\u2028k\u2029l\r\n\r\n\n\rm"
    for size in (1, 2, 3, 5, 100):
        monkeypatch.setattr(_io, "_CHUNK_CHARS", size)
        assert list(_io._lines(text)) == list(io.StringIO(text, newline=""))


def test_segment_lengths_at_once_are_the_same_to_the_last_bit() -> None:
    import numpy as np

    rng = random.Random(7)
    lines = []
    for n_points in [2, 2, 3, 5, 40, 3, 2, 1000, 7, 7, 7]:
        x0, y0 = rng.uniform(43, 50), rng.uniform(38.5, 41.5)
        lines.append([(x0 + rng.uniform(-0.3, 0.3), y0 + rng.uniform(-0.3, 0.3)) for _ in range(n_points)])
    lines.append([(45.0, 40.0), (45.0, 40.0)])  # a line of no length
    xs = np.array([x for line in lines for x, _ in line])
    ys = np.array([y for line in lines for _, y in line])
    counts = np.array([len(line) for line in lines])
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    got = _line_lengths_km(xs, ys, first, counts)
    assert [repr(v) for v in got] == [repr(segment_length_km(LineString(line))) for line in lines]


def test_integer_coordinates_and_waypoints_take_the_full_checks(tmp_path: Path) -> None:
    """A segment the fast path leaves to the full checks gives the same graph data."""
    import json

    files = write_fixture(tmp_path)
    G = kr.graph_from_geodata(files["places"], files["segments"], files["routes"])
    doc = json.loads(files["segments"].read_text(encoding="utf-8"))
    doc["features"][0]["properties"]["waypoints"] = "Somewhere"
    files["segments"].write_text(json.dumps(doc), encoding="utf-8")
    H = kr.graph_from_geodata(files["places"], files["segments"], files["routes"])
    key = doc["features"][0]["properties"]["id"]
    (u, v, d), = [(a, b, d) for a, b, k, d in H.edges(keys=True, data=True) if k == key]
    assert d["waypoints"] == ("Somewhere",)
    assert d["length_km"] == G.edges[u, v, key]["length_km"] and d["geometry"].equals(G.edges[u, v, key]["geometry"])


def test_fixture_events_unchanged(tmp_path: Path) -> None:
    files = write_fixture(tmp_path)
    events = kr.read_events(files["events"])
    assert [e.to_row()["id"] for e in events] == [r[EVENT_HEADER.index("id")] for r in EVENTS]
    assert all(_new_event(*(getattr(e, f.name) for f in dataclasses.fields(Event))) == e for e in events)


def test_a_warning_or_a_problem_deep_in_a_large_file_names_its_row(tmp_path: Path) -> None:
    """Rows are read in batches; a row that needs a warning or has a problem is still named exactly."""
    import warnings

    files = synth.generate(tmp_path / "synth", segments=60, claims=20000, seed=9)
    G = kr.graph_from_geodata(files["places"], files["segments"], files["routes"])
    rows = _file_rows(files["events"])
    mixed = "Step\u0430nakert office"  # a Cyrillic a among Latin letters
    for i in (12345, 15000):
        rows[i]["claimant"] = mixed
    path = tmp_path / "events.csv"
    path.write_text(_io.csv_text(EVENT_COLUMNS, rows), encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        events = kr.read_events(path, G=G)
    assert len(events) == len(rows) and events[12345].claimant == mixed
    (warning,) = [w.message for w in caught]
    assert warning.problem.where == f"row 12347 (id={rows[12345]['id']})"  # type: ignore[union-attr]
    rows[17000]["start"] = "2021-13-45"
    path.write_text(_io.csv_text(EVENT_COLUMNS, rows), encoding="utf-8")
    with pytest.raises(kr.DataError) as info, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kr.read_events(path, G=G)
    errors = [p for p in info.value.problems if p.severity == "error"]
    assert [(p.where, p.field, p.value) for p in errors] == [(f"row 17002 (id={rows[17000]['id']})", "start",
                                                             "2021-13-45")]
    rows[17000]["start"] = "2021-01-01"
    rows[9000]["id"] = rows[8990]["id"]  # the same id twice, in one batch of rows
    path.write_text(_io.csv_text(EVENT_COLUMNS, rows), encoding="utf-8")
    with pytest.raises(kr.DataError) as info, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kr.read_events(path, G=G)
    errors = [p for p in info.value.problems if p.severity == "error"]
    assert [(p.where, p.field, p.expected) for p in errors] == [
        (f"row 9002 (id={rows[9000]['id']})", "id", "ids must be unique; this one is used twice")]


def _columns_read(path: Path, arrow: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[str, object]:
    """Read a CSV file with :func:`_io.read_csv_columns`, by pyarrow where it may (``arrow``) or by the csv module.

    Returns ("rows", [(row number, cells)...]) or ("error", [problems]).
    """
    monkeypatch.setattr(_io, "ARROW_MIN_CHARS", 0 if arrow else 1 << 62)
    try:
        header, batches = _io.read_csv_columns(path, required=("id",), optional=("start", "end"))
        rows = [(n, list(cells)) for numbers, cols in batches for n, cells in zip(numbers, zip(*cols))]
    except kr.DataError as exc:
        return "error", [(p.where, p.field, p.value, p.expected) for p in exc.problems]
    return "rows", (header, rows)


def test_csv_columns_by_pyarrow_are_the_csv_modules(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Quotes, line breaks, blank and ragged rows: pyarrow's reading, where it is used, is the csv module's, row for row.

    Files as a CSV writer writes them (pyarrow reads those), each with at most one oddity
    written in by hand (a quote inside a cell, text after a closing quote, a lone carriage
    return, a NUL, a blank or ragged row...), then files with many at once.
    """
    monkeypatch.setattr(_io, "_ARROW_BATCH", 2)  # many batches
    safe = ["a", "", " ", '"q"', "x\ny", "x\r\ny", "t,u", "Stepanakert", "{{ x }}", "<b>", '""', 'say ""hi""']
    firsts = ["E1", "t,u", '"q"', "x\ny", "{{ x }}"]
    odd = ['E1,a"b,c', 'E1,"a"b,c', 'E1, "a",c', 'E1,"a" ,c', 'E1,"a,c', "E1,x\ry,c", "E1,p\x0cq,c", "E1,\x00,c",
           "E1,u\u2028v,c", "", "  ", " , ,", ",a,b", "E1,a", "E1,a,b,c", '"E1\n",a,b']
    rng = random.Random(7)
    used = 0

    def written(row: list[str]) -> str:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerow(row)  # (it quotes the line breaks of its terminator)
        return buf.getvalue()[:-2]

    for trial in range(3 * len(odd) + 60):
        lines = [written([rng.choice(firsts), rng.choice(safe), rng.choice(safe)]) for _ in range(rng.randint(1, 6))]
        kind = trial % 3
        if kind == 1:  # one oddity
            lines.insert(rng.randint(0, len(lines)), odd[(trial // 3) % len(odd)])
        elif kind == 2:  # several
            for _ in range(rng.randint(1, 3)):
                lines.insert(rng.randint(0, len(lines)), rng.choice(odd))
        end = ["\n", "\r\n"][trial % 2]
        text = "id,start,end" + end + end.join(lines) + (end if trial % 5 else "")
        path = tmp_path / f"t{trial}.csv"
        path.write_bytes(text.encode("utf-8"))
        records = _io._csv_header(path, required=("id",), optional=("start", "end"))[1]
        fast = _io._arrow_batches(["id", "start", "end"], records) is not None
        used += fast
        assert fast or kind, text  # a file as a CSV writer writes it is read by pyarrow
        assert _columns_read(path, True, monkeypatch) == _columns_read(path, False, monkeypatch), text
    assert used >= 40


def test_a_large_ledger_by_pyarrow_is_the_csv_modules(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A synthetic ledger (quotes with commas, doubled quotes and line breaks among its cells) reads the same both ways."""
    files = synth.generate(tmp_path / "synth", segments=60, claims=3000, seed=11)
    G = kr.graph_from_geodata(files["places"], files["segments"], files["routes"])
    rows = _file_rows(files["events"])
    for i, row in enumerate(rows[::7]):
        row["note"] = ['he said "open", then left', "line one\nline two", "a, b", ""][i % 4]
    path = tmp_path / "events.csv"
    path.write_text(_io.csv_text(EVENT_COLUMNS, rows), encoding="utf-8")
    records = _io._csv_header(path, required=("id",), optional=EVENT_COLUMNS[1:])[1]
    assert _io._arrow_batches(list(EVENT_COLUMNS), records) is not None  # pyarrow may read it
    read = {}
    for arrow in (True, False):
        monkeypatch.setattr(_io, "ARROW_MIN_CHARS", 0 if arrow else 1 << 62)
        read[arrow] = kr.read_ledger(path, files["sources"], G=G)
    assert read[True] == read[False]
    assert [e.row for e in read[True].events] == list(range(2, len(rows) + 2))
    _check_raw(list(read[True].events), path)
    # read by pyarrow, the ledger keeps each row's code in some columns: the timeline makes the
    # events' number columns and windows from them, the same as from the events one by one
    assert "_codes" in read[True].__dict__ and "_codes" not in read[False].__dict__
    a, b = kr.Timeline(G, read[True]), kr.Timeline(G, read[False])
    assert a._codes is not None and b._codes is None
    _same_arrays(a, b)


def _same_arrays(a: kr.Timeline, b: kr.Timeline) -> None:
    """The two timelines' event columns, windows and index of starts are equal, dtypes included."""
    from karabakh_routes import _columnar

    for name in _columnar.EVENT_ARRAYS:
        x, y = getattr(a._ea, name), getattr(b._ea, name)
        assert x.dtype == y.dtype and np.array_equal(x, y), name
    assert a._ea.claimants == b._ea.claimants
    for name in ("ev", "seg", "ws", "we"):
        assert np.array_equal(getattr(a._base, name), getattr(b._base, name)), name
    assert np.array_equal(a._start_keys, b._start_keys) and np.array_equal(a._start_ev, b._start_ev)


def test_codes_of_a_file_without_its_optional_columns(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Read by pyarrow, a file lacking optional columns (end, traffic, direction, as_of...) gives the same arrays."""
    monkeypatch.setattr(_io, "ARROW_MIN_CHARS", 0)
    files = write_fixture(tmp_path)
    with files["events"].open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    kept = ["id", "start", "target", "type", "status", "allowed", "claimant", "source"]
    with files["events"].open("w", newline="", encoding="utf-8") as fh:
        out = csv.DictWriter(fh, fieldnames=kept, extrasaction="ignore")
        out.writeheader()
        out.writerows(rows)
    m = kr.load(**{k: str(v) for k, v in files.items()})
    assert sorted(m.ledger.__dict__["_codes"]) == sorted(set(kept) - {"id"})
    a, b = kr.Timeline(m.G, m.ledger), kr.Timeline(m.G, dataclasses.replace(m.ledger))
    _same_arrays(a, b)
    assert kr.reach(a, "west", "far", on="2021-03-20") == kr.reach(b, "west", "far", on="2021-03-20")


def test_codes_of_a_file_whose_header_has_spaces(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A header cell written `` start `` names the column ``start``: its codes are the start column's.

    (The codes were keyed by the header as written: ``start`` had none, and every event took the
    first event's start date.)
    """
    monkeypatch.setattr(_io, "ARROW_MIN_CHARS", 0)
    files = write_fixture(tmp_path)
    with files["events"].open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[0] = [f" {h} " if h in ("start", "claimant") else h for h in rows[0]]
    with files["events"].open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    m = kr.load(**{k: str(v) for k, v in files.items()})
    codes = m.ledger.__dict__["_codes"]
    assert {"start", "claimant"} <= set(codes)
    assert len({e.start for e in m.ledger.events}) > 1
    a, b = kr.Timeline(m.G, m.ledger), kr.Timeline(m.G, dataclasses.replace(m.ledger))
    _same_arrays(a, b)


def _read_outcome(events: Path, sources: Path, G: Any, arrow: bool, monkeypatch: pytest.MonkeyPatch
                  ) -> tuple[str, Any, list[tuple[str, str, str, str]]]:
    """Read a ledger by pyarrow (columns, events made as read) or by the csv module (row by row).

    Returns ("events", the events as a tuple, warnings) or ("error", the problems, warnings), each
    problem or warning as (where, field, value, expected).
    """
    import warnings

    monkeypatch.setattr(_io, "ARROW_MIN_CHARS", 0 if arrow else 1 << 62)

    def said(problems: Any) -> list[tuple[str, str, str, str]]:
        return [(p.where, p.field, p.value, p.expected) for p in problems]

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            ledger = kr.read_ledger(events, sources, G=G)
        except kr.DataError as exc:
            return "error", said(exc.problems), said(getattr(w.message, "problem", None) for w in caught)
    if not arrow:
        assert type(ledger.events) is tuple
    return "events", tuple(ledger.events), said(getattr(w.message, "problem", None) for w in caught)


#: Cells that each break one rule the columnar check applies once per distinct cell (or pair of
#: cells), or need a warning: a file with one of them is read row by row, with the same outcome.
_ODD_CELLS = {
    "id": ["", "  ", "E1", " E2 ", "E0"],
    "start": ["", " ", "2021-13-01", "2099-01-01", "1990", "2021-02-30", "2021?-01", "2021-05-05~"],
    "end": [" ", "2019-01-01", "2021-13-01", "..", "2030-01-01"],
    "as_of": [" ", "soon", "2021-02-02", "2020"],
    "type": ["", "shutdown", "passage", "baseline", " report "],
    "status": ["", "ajar", "open", "restricted", " closed"],
    "traffic": ["cars", "civilian|cars", "", "|", "medical"],
    "allowed": ["civilian", "cars", "", "peacekeepers|medical"],
    "direction": ["nowhere", " ", "P0", "r0c0"],
    "claimant": ["", "baseline", "Step\u0430nakert office", " ICRC "],
    "source": ["", "S-none", " S0 ", "S0"],
    "target": ["", "moon_road", "route0|nowhere", "|", " route1 ", "r0c0__r0c1|r0c0__r0c1", "r0c0__r0c1\u00a0",
               "r0c0__r0c1|\x1fr0c1__r0c2", "r0c0__r0c1||r0c1__r0c2", "r0c0__r0c1|route0", "r0c0__r0c1|R0C0__R0C1"],
}


@pytest.mark.parametrize("seed", range(6))
def test_a_ledger_read_by_columns_is_the_one_read_row_by_row(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                              seed: int) -> None:
    """pyarrow's columns, checked once per distinct cell, give what the csv module's rows give, cell by odd cell.

    Each file has one or two odd cells (a problem, a warning, or a cell that is valid but unusual):
    the same events (equal, same rows and raw cells) or the same problems, and the same warnings.
    """
    monkeypatch.setattr(_io, "ARROW_MIN_CHARS", 0)
    files = synth.generate(tmp_path / "synth", segments=40, claims=300, seed=seed)
    G = kr.graph_from_geodata(files["places"], files["segments"], files["routes"])
    rows = _file_rows(files["events"])
    rng = random.Random(seed)
    path = tmp_path / "events.csv"
    assert type(kr.read_ledger(files["events"], files["sources"], G=G).events).__name__ == "_EventRows"
    cases = [(col, value) for col, values in _ODD_CELLS.items() for value in values]
    rng.shuffle(cases)
    # cells that break a rule only together, and a route named by its ends (a warning on its first row)
    routes = json.loads(files["routes"].read_text(encoding="utf-8"))
    route = next(r for r in routes if len(r["alignments"][0]["segments"]) > 1)
    u, v = route["alignments"][0]["segments"][0].split("__")
    route["aliases"].append(f"Town {u.upper().replace('C', ' C')}-Town {v.upper().replace('C', ' C')} road")
    files["routes"].write_text(json.dumps(routes), encoding="utf-8")
    G = kr.graph_from_geodata(files["places"], files["segments"], files["routes"])
    patches = [{"type": "passage", "status": "", "allowed": "civilian", "traffic": "", "end": "2030-01-01"},
               {"type": "passage", "status": "", "allowed": "civilian", "traffic": "", "end": ""},
               {"target": route["aliases"][-1]}, {"start": "2021-05-05", "end": "2021-05-04"},
               {"status": "restricted", "allowed": "medical", "traffic": "civilian"}]
    outcomes = set()
    for k, (col, value) in enumerate(cases[:30] + [("", p) for p in patches]):
        changed = [dict(r) for r in rows]
        for _ in range(1 + k % 2):
            row = changed[rng.randrange(len(changed))]
            row.update(value if isinstance(value, dict) else {col: value})
        path.write_text(_io.csv_text(EVENT_COLUMNS, changed), encoding="utf-8")
        by_columns = _read_outcome(path, files["sources"], G, True, monkeypatch)
        by_rows = _read_outcome(path, files["sources"], G, False, monkeypatch)
        assert by_columns == by_rows, (col, value)
        if by_columns[0] == "events":
            assert [e.row for e in by_columns[1]] == list(range(2, len(changed) + 2))
            assert [dict(e.raw) for e in by_columns[1]] == changed
        outcomes.add(by_columns[0] + ("+warning" if by_columns[2] else ""))
    assert {"error", "events", "events+warning"} <= outcomes


def test_a_quote_from_a_bundled_article_is_checked_in_a_ledger_read_by_columns(monkeypatch: pytest.MonkeyPatch,
                                                                                tmp_path: Path) -> None:
    """A source with a seed article: its quotes are found in it, read by columns as row by row."""
    files = synth.generate(tmp_path / "synth", segments=40, claims=300, seed=2)
    G = kr.graph_from_geodata(files["places"], files["segments"], files["routes"])
    (files["sources"].parent / "seeds").mkdir()
    (files["sources"].parent / "seeds" / "a.txt").write_text("The road was  closed\nto all traffic.", encoding="utf-8")
    with files["sources"].open(encoding="utf-8", newline="") as fh:
        srcs = list(csv.DictReader(fh))
    srcs[0]["seed"] = "a.txt"
    files["sources"].write_text(_io.csv_text(list(srcs[0]), srcs), encoding="utf-8")
    rows = _file_rows(files["events"])
    path = tmp_path / "events.csv"
    for quote, ok in (("", True), ("road was closed to all", True), ("the road was open", False)):
        changed = [dict(r) for r in rows]
        for r in changed[::7]:
            r["source"], r["quote"] = srcs[0]["id"], quote
        path.write_text(_io.csv_text(EVENT_COLUMNS, changed), encoding="utf-8")
        by_columns = _read_outcome(path, files["sources"], G, True, monkeypatch)
        assert by_columns == _read_outcome(path, files["sources"], G, False, monkeypatch)
        assert by_columns[0] == ("events" if ok else "error"), quote


def test_events_made_as_read_behave_as_a_tuple(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A large file's ledger makes its events when read: indexing, slices, iteration, equality, pickling as a tuple's."""
    from karabakh_routes.vocab import BASELINE_CLAIMANT

    files = synth.generate(tmp_path / "synth", segments=60, claims=20000, seed=4)
    G = kr.graph_from_geodata(files["places"], files["segments"], files["routes"])
    rows = _file_rows(files["events"])
    for row in rows[::50]:  # some baselines
        row.update(type="baseline", claimant=BASELINE_CLAIMANT, status="open", allowed="", direction="",
                   start="2010-01-01", end="")  # (before every claim: a summary leaves baselines out)
    files["events"].write_text(_io.csv_text(EVENT_COLUMNS, rows), encoding="utf-8")
    ledger = kr.read_ledger(files["events"], files["sources"], G=G)
    events = ledger.events
    assert type(events).__name__ == "_EventRows"  # (the file is over a megabyte: read by pyarrow)
    # a summary and the claimants are counted without making the events
    from karabakh_routes._repr import _ledger_facts

    facts, claimants = _ledger_facts(G, ledger), ledger.claimants
    assert sum(e is not None for e in events._built) == 0  # type: ignore[attr-defined]
    monkeypatch.setattr(_io, "ARROW_MIN_CHARS", 1 << 62)
    plain_ledger = kr.read_ledger(files["events"], files["sources"], G=G)
    plain = plain_ledger.events
    assert facts == _ledger_facts(G, plain_ledger) and claimants == plain_ledger.claimants
    assert facts["baselines"] and facts["passages"] and facts["first"] < facts["last"]
    assert type(plain) is tuple and len(events) == len(plain) == 20000
    assert events[12345] == plain[12345] and events[-1] == plain[-1] and events[-20000] == plain[0]
    assert events[12345] is events[12345]  # made once, then kept
    assert type(events[np.int64(54)].row) is int and events[np.int32(-2)] == plain[-2]  # (numpy indexes)
    noted = [i for i, e in enumerate(plain) if e.note][:5]
    for i in [0, 1, 12345, 19999, 777, *noted]:  # made one at a time: the same fields, row and raw cells
        ev = ledger.events[i]
        assert (ev, ev.row, dict(ev.raw), ev.note, ev.quote) == (plain[i], plain[i].row, dict(plain[i].raw),
                                                                 plain[i].note, plain[i].quote)
    assert noted
    assert events[10:20] == plain[10:20] and events[::-997] == plain[::-997] and type(events[1:3]) is tuple
    with pytest.raises(IndexError):
        events[20000]
    assert events == plain and plain == events and events != plain[:-1] and hash(events) == hash(plain)
    assert events + () == plain and () + events == plain and list(events) == list(plain)
    assert pickle.loads(pickle.dumps(events)) == plain and pickle.loads(pickle.dumps(ledger)) == ledger
    assert events.index(plain[777]) == 777 and plain[5] in events
    assert ledger.claimants == sorted({e.claimant for e in plain})
    _check_raw(list(events), files["events"])


@pytest.mark.parametrize("seed", range(4))
def test_sources_read_by_columns_are_the_ones_read_row_by_row(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                              seed: int) -> None:
    """A sources file with odd cells (ids, addresses, dates, seeds) gives the same sources or problems both ways."""
    from karabakh_routes import events as kr_events

    files = synth.generate(tmp_path / "synth", segments=20, claims=50, seed=seed)
    with files["sources"].open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    header = list(rows[0])
    odd = {"id": ["", " ", " S1 ", "S2", "S0"], "url": ["ftp://x", " https://a.org/b ", "https://a b", "", "HTTPS://A.ORG"],
           "published": ["", " ", "2021-13-01", "2020~", "soon"], "seed": ["a.txt", "../x.txt", " "],
           "publisher": [" Agency ", ""], "title": ["{{ x }}", "<b>"]}
    rng = random.Random(seed)
    cases = [(col, v) for col, values in odd.items() for v in values]
    outcomes = set()
    for col, value in cases:
        changed = [dict(r) for r in rows]
        changed[rng.randrange(len(changed))][col] = value
        files["sources"].write_text(_io.csv_text(header, changed), encoding="utf-8")
        got: list[tuple[str, Any]] = []
        for by_columns in (True, False):
            monkeypatch.setattr(kr_events, "_SOURCES_BY_COLUMNS", by_columns)
            try:
                got.append(("sources", kr.read_sources(files["sources"])))
            except kr.DataError as exc:
                got.append(("error", [(p.where, p.field, p.value, p.expected) for p in exc.problems]))
        assert got[0] == got[1], (col, value)
        if got[0][0] == "sources":
            assert [dataclasses.astuple(s) for s in got[0][1].values()] == [
                dataclasses.astuple(s) for s in got[1][1].values()]
        outcomes.add(got[0][0])
    assert outcomes == {"sources", "error"}


@settings(max_examples=200, deadline=None)
@given(cells=st.lists(st.lists(st.sampled_from(["a", "b__c", "B__C", "x", " a", "a ", "", "a\u00a0", "\x1fa", "é",
                                                "a,b", "r|", "\t"]), min_size=0, max_size=4).map("|".join),
                      min_size=1, max_size=12, unique=True))
def test_plain_target_cells_split_as_the_row_by_row_reading_splits_them(cells: list[str]) -> None:
    """A target cell found to name segment ids only is split into the targets ``_split`` gives, all segment ids."""
    import pyarrow as pa

    from karabakh_routes.events import _plain_targets, _split

    segment_ids = {"a", "b__c", "x", "a,b", " a", "\x1fa", "a\u00a0"}  # (ids a cell strips to others)
    for cell, entry in zip(cells, _plain_targets(cells, pa.array(cells, pa.string()), segment_ids)):
        parts = _split(cell)
        if entry is not None:
            assert entry == (cell, parts, ()) and parts and set(parts) <= segment_ids
        elif cell.isascii() and cell.isprintable() and " " not in cell and "||" not in cell and cell.strip("|") == cell:
            assert not parts or not set(parts) <= segment_ids  # (a plain cell naming segments is never left out)


def test_a_ledger_read_by_columns_from_the_compile_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Events made as read, with the cache's number columns and windows: the same arrays and claimants, nothing made."""
    monkeypatch.setattr(_io, "ARROW_MIN_CHARS", 0)
    monkeypatch.delenv("KARABAKH_ROUTES_CACHE", raising=False)
    files = synth.generate(tmp_path / "synth", segments=60, claims=2000, seed=8)
    rows = _file_rows(files["events"])
    for row in rows[::3]:
        row["claimant"] = f" {row['claimant']}"  # the same claimants, written another way
    files["events"].write_text(_io.csv_text(EVENT_COLUMNS, rows), encoding="utf-8")
    args = {k: str(v) for k, v in files.items()}
    first = kr.load(**args, cache=tmp_path / "cache")
    second = kr.load(**args, cache=tmp_path / "cache")  # (the number columns and windows read from the cache)
    assert type(second.ledger.events).__name__ == "_EventRows"
    assert sum(e is not None for e in second.ledger.events._built) == 0  # type: ignore[attr-defined]
    _same_arrays(first.timeline, second.timeline)
    plain = kr.Timeline(second.G, dataclasses.replace(second.ledger, events=tuple(second.ledger.events)))
    _same_arrays(second.timeline, plain)
    a, b = kr.TRAFFIC_CLASSES[0], "2022-06-15"
    places = sorted(second.G.nodes)
    assert second.reach(places[0], places[-1], on=b, traffic=a) == first.reach(places[0], places[-1], on=b, traffic=a)


@pytest.mark.parametrize("seed", range(4))
def test_places_read_fast_are_the_ones_read_with_every_check(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                             seed: int) -> None:
    """Places with odd properties give the same places, or the same problems and warnings, with and without the fast path."""
    import json
    import warnings

    from karabakh_routes import network as kr_network

    files = synth.generate(tmp_path / "synth", segments=30, claims=20, seed=seed)
    doc = json.loads(files["places"].read_text(encoding="utf-8"))
    odd: dict[str, list[object]] = {
        "id": ["", " ", "r0c0", "--", 5, None, "Stepan\u0430kert"],
        "name": ["", "!!", 3, None, "Town R0 C1", "Xankəndi", "Step\u0430nakert"],
        "aliases": [None, [], ["a", "b"], "x|y", ["", "a"], [1], "r0c0", ["Town R0 C1"], ["Şuşa"]],
        "kind": ["hamlet", None, 1, "city"],
        "coord_source": [None, 3, "", "survey"],
        "coord_precision": [None, "rough", "estimate", 1],
        "note": [None, 2, "{{ x }}"],
        "geometry": [None, {"type": "LineString", "coordinates": [[46.0, 39.5], [46.1, 39.6]]},
                     {"type": "Point", "coordinates": [46, 39]}, {"type": "Point", "coordinates": [True, 39.5]},
                     {"type": "Point", "coordinates": [39.5, 46.5]},
                     {"type": "Point", "coordinates": [10.0, 10.0]}, {"type": "Point", "coordinates": [46.0]},
                     {"type": "Point", "coordinates": [46.0, 39.5, 100.0]}, {"type": "Point", "coordinates": "x"}],
    }
    rng = random.Random(seed)
    cases = [(key, value) for key, values in odd.items() for value in values]
    outcomes = set()
    for key, value in cases:
        changed = json.loads(json.dumps(doc))
        feature = changed["features"][rng.randrange(len(changed["features"]))]
        if key == "geometry":
            feature["geometry"] = value
        elif value is None and rng.random() < 0.5:
            feature["properties"].pop(key, None)
        else:
            feature["properties"][key] = value
        path = tmp_path / "places.geojson"
        path.write_text(json.dumps(changed, ensure_ascii=rng.random() < 0.5), encoding="utf-8")
        got: list[tuple[str, Any, Any]] = []
        for fast in (True, False):
            monkeypatch.setattr(kr_network, "_PLACES_FAST", fast)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    places = kr.read_places(path)
                    got.append(("places", [(p, [(k, v, type(v)) for k, v in vars(p).items()]) for p in places.values()],
                                [str(w.message) for w in caught]))
                except kr.DataError as exc:
                    got.append(("error", [(p.where, p.field, p.value, p.expected) for p in exc.problems], []))
        assert got[0] == got[1], (key, value)
        outcomes.add(got[0][0] + ("+warning" if got[0][2] else ""))
    assert {"places", "error", "places+warning"} <= outcomes


@settings(max_examples=100, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(0, 6), st.integers(0, 3), st.integers(0, 40)), min_size=1, max_size=60),
       spread=st.sampled_from([1, 1000, 1 << 40]))
def test_rows_of_several_code_columns_numbered_as_sorted_unique_numbers_them(rows: list[tuple[int, int, int]],
                                                                            spread: int) -> None:
    """``_combine`` by a table of every code (few codes) or by sorting (many) numbers rows as ``np.unique`` does."""
    from karabakh_routes.events import _combine

    columns = [np.array([r[j] * (spread if j == 2 else 1) for r in rows], np.int64) for j in range(3)]
    number, first = _combine(columns)
    _, expected_first, expected = np.unique(np.stack(columns, axis=1), axis=0, return_index=True, return_inverse=True)
    assert number.tolist() == expected.reshape(-1).tolist() and first.tolist() == expected_first.tolist()
