"""Hostile input II: every bad input is a DataError/DateError naming file, place, field and value.

Concrete cases for each class of problem, then hypothesis properties over the open-ended classes
(EDTF dates at the calendar's edges, JSON of any shape in any property, deep nesting, huge
numbers, lone surrogates, mixed-script names). Example counts follow the hypothesis profile
registered in conftest.py ("dev" by default, "ci" when CI=true).
"""

from __future__ import annotations

import contextlib
import copy
import csv
import datetime as dt
import io
import json
import os
import re
import unicodedata
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import EVENT_HEADER, EVENTS, ROUTES, write_fixture
from hypothesis import event, given, settings
from hypothesis import strategies as st

import karabakh_routes as kr
from karabakh_routes.cli import main
from karabakh_routes.dates import DATE_MAX, DATE_MIN, parse_edtf
from karabakh_routes.places import mixed_script_words

Files = dict[str, Path]


# -- helpers ---------------------------------------------------------------------------------

def _args(files: Files) -> list[str]:
    return [a for k, v in files.items() for a in (f"--{k}", str(v))]


def _load(files: Files) -> kr.RoadModel:
    return kr.load(**{k: str(v) for k, v in files.items()})


def _cli(argv: list[str]) -> tuple[int, str, str]:
    """Run the CLI in-process; return (exit code, stdout, stderr). It must never raise."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def _validate(files: Files) -> tuple[int, list[dict[str, str]]]:
    code, out, err = _cli(["validate", "--json", *_args(files)])
    assert code in (0, 2), err
    out.encode("utf-8")  # printable: no lone surrogate reaches the output
    return code, json.loads(out)["problems"]


def _errors(files: Files) -> list[kr.Problem]:
    """Load; return the DataError's error problems (fails when the files load)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", kr.KarabakhRoutesWarning)
        with pytest.raises(kr.DataError) as info:
            _load(files)
    for p in info.value.problems:
        str(p).encode("utf-8")
        assert p.file and p.where
    return [p for p in info.value.problems if p.severity == "error"]


def _edit_json(path: Path, change: Callable[[Any], None]) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc), encoding="utf-8")  # ensure_ascii: a lone surrogate becomes "\ud800"


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


def _read_csv(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _set_cell(path: Path, row: int, column: str, value: str) -> None:
    rows = _read_csv(path)
    rows[row][rows[0].index(column)] = value
    _write_csv(path, rows)


def _commands_run(files: Files) -> None:
    """Every command on files that validate accepted exits 0 (never 1, never a traceback)."""
    for cmd in (["places", "--json"], ["segments", "--json"], ["events"], ["status", "--on", "2021-03-11"],
                ["reach", "west", "far", "--on", "2021-06-01"], ["periods", "west", "east"]):
        code, _, err = _cli([*cmd, *_args(files)])
        assert code == 0, (cmd, err)


@pytest.fixture
def files(tmp_path: Path) -> Files:
    return write_fixture(tmp_path)


# -- 1, 2: EDTF at the calendar's edges; open and unknown ends; per-endpoint qualifiers ----------

@pytest.mark.parametrize(("text", "lower", "upper", "earliest", "latest"), [
    ("9999~", "9999-01-01", "9999-12-31", "9998-01-01", "9999-12-31"),
    ("0001?", "0001-01-01", "0001-12-31", "0001-01-01", "0002-12-31"),
    ("9999-12-31~", "9999-12-31", "9999-12-31", "9999-12-30", "9999-12-31"),
    ("0001-01-01~", "0001-01-01", "0001-01-01", "0001-01-01", "0001-01-02"),
    ("9999-12~", "9999-12-01", "9999-12-31", "9999-11-01", "9999-12-31"),
    ("0001-01%", "0001-01-01", "0001-01-31", "0001-01-01", "0001-02-28"),
    ("0001/0002~", "0001-01-01", "0002-12-31", "0001-01-01", "0003-12-31"),
    ("0001~/0002", "0001-01-01", "0002-12-31", "0001-01-01", "0002-12-31"),
    ("9998/9999~", "9998-01-01", "9999-12-31", "9998-01-01", "9999-12-31"),
    ("9999-12-31/..", "9999-12-31", "9999-12-31", "9999-12-31", "9999-12-31"),
    ("../0001-01-01", "0001-01-01", "0001-01-01", "0001-01-01", "0001-01-01"),
    ("999X~", "9990-01-01", "9999-12-31", "9989-01-01", "9999-12-31"),
    ("2023-02~", "2023-02-01", "2023-02-28", "2023-01-01", "2023-03-31"),
])
def test_edtf_at_the_calendar_edges(text: str, lower: str, upper: str, earliest: str, latest: str) -> None:
    span = parse_edtf(text)
    assert tuple(d.isoformat() for d in (span.lower, span.upper, span.earliest, span.latest)) == \
        (lower, upper, earliest, latest)
    assert span.text == text


@pytest.mark.parametrize(("open_", "unknown"), [("2023-06-15/..", "2023-06-15/"), ("../2023-06-20", "/2023-06-20"),
                                               ("2023-06~/..", "2023-06~/")])
def test_open_and_unknown_ends_mean_the_same(open_: str, unknown: str) -> None:
    a, b = parse_edtf(open_), parse_edtf(unknown)
    assert (a.lower, a.upper, a.earliest, a.latest) == (b.lower, b.upper, b.earliest, b.latest)
    assert (a.text, b.text) == (open_, unknown)  # kept as written: a write is lossless
    assert a.upper == DATE_MAX or a.lower == DATE_MIN


def test_open_end_is_no_end_and_not_a_made_up_bound() -> None:
    span = parse_edtf("2023-06-20/")
    assert (span.lower, span.upper, span.latest) == (dt.date(2023, 6, 20), DATE_MAX, DATE_MAX)
    span = parse_edtf("../2023-06-20")
    assert (span.lower, span.earliest, span.upper) == (DATE_MIN, DATE_MIN, dt.date(2023, 6, 20))


@pytest.mark.parametrize(("text", "earliest", "latest"), [
    ("2023-07-10/2023-07-11~", "2023-07-10", "2023-07-12"),  # the end only, by a day
    ("2023-07-10?/2023-07-11", "2023-07-09", "2023-07-11"),  # the start only
    ("2023-07~/2023-08-15", "2023-06-01", "2023-08-15"),     # a month on a month endpoint
    ("2023-07-10/2024~", "2023-07-10", "2025-12-31"),        # a year on a year endpoint
])
def test_qualifier_widens_only_its_own_endpoint(text: str, earliest: str, latest: str) -> None:
    span = parse_edtf(text)
    assert (span.earliest.isoformat(), span.latest.isoformat()) == (earliest, latest)


@pytest.mark.parametrize("bad", ["/", "../..", "..", "2023-06-15/2023-06-16/..", "0000", "0000~", "10000", "-0001",
                                 "2023-06-15/2023-06-14", "2" * 500, "Y17000"])
def test_edtf_refusals_are_date_errors(bad: str) -> None:
    with pytest.raises(kr.DateError):
        parse_edtf(bad)


@pytest.mark.parametrize("value", ["9999~", "0001?", "9999-12-31~", "0001-01-01~", "2021-05-10/..", "2021-05-10/",
                                   "../2021-05-10", "/2021-05-10", "0001/0002", "9998/9999~"])
@pytest.mark.parametrize("column", ["start", "end"])
def test_edge_dates_in_events_load_and_answer(tmp_path: Path, value: str, column: str) -> None:
    rows = copy.deepcopy(EVENTS)
    rows[4][EVENT_HEADER.index(column)] = value
    if column == "end":
        rows[4][EVENT_HEADER.index("start")] = "0001-01-01"
    files = write_fixture(tmp_path, rows)
    assert _validate(files)[0] == 0
    m = _load(files)
    for day in ("0001-01-01", "2021-05-10", "9999-12-31"):
        m.status(on=day)
        m.reach("west", "far", on=day)
    _commands_run(files)


@pytest.mark.parametrize("end", ["2021-06-30/..", "2021-06-30/"])
def test_open_or_unknown_end_of_an_alignment_overlaps_the_next(files: Files, end: str) -> None:
    _edit_json(files["routes"], lambda d: d[0]["alignments"][0].__setitem__("end", end))
    (p,) = _errors(files)
    assert (p.where, p.field) == ("route 0 (id=corridor)", "alignments")
    assert "alignment 0" in p.value and "alignment 1" in p.value and end in p.value


# -- 3: readers: nesting, numbers, types, surrogates, long cells, overlapping alignments ---------

DEEP = "[" * 5000 + "]" * 5000


@pytest.mark.parametrize("which", ["places", "segments", "routes"])
def test_json_nested_5000_deep(files: Files, which: str) -> None:
    text = files[which].read_text(encoding="utf-8")
    files[which].write_text(text.replace('"id"', f'"deep": {DEEP}, "id"', 1), encoding="utf-8")
    (p,) = _errors(files)
    assert p.file == str(files[which]) and "nested too deeply" in p.expected
    assert _validate(files)[0] == 2


def test_json_nested_just_below_the_limit_is_a_type_problem(files: Files) -> None:
    nested = "[" * 400 + '"x"' + "]" * 400
    text = files["places"].read_text(encoding="utf-8")
    files["places"].write_text(text.replace('"name": "Mid Junction"', f'"name": {nested}', 1), encoding="utf-8")
    (p,) = _errors(files)
    assert (p.where, p.field) == ("feature 1 (id=mid)", "name")


@pytest.mark.parametrize(("number", "shown"), [("4" + "6" * 5000, "5001-digit"), ("4" + "6" * 400 + ".0", "Infinity"),
                                               ("1e400", "Infinity"), ("NaN", "NaN"), ("-" + "9" * 4000, "4000-digit")])
def test_huge_numbers_as_coordinates(files: Files, number: str, shown: str) -> None:
    text = files["places"].read_text(encoding="utf-8")
    files["places"].write_text(text.replace("[46.0, 39.5]", f"[{number}, 39.5]", 1), encoding="utf-8")
    (p,) = _errors(files)
    assert (p.where, p.field) == ("feature 0 (id=west)", "geometry.coordinates") and shown in p.value
    assert _validate(files)[0] == 2


def test_huge_number_in_a_segment_line(files: Files) -> None:
    _edit_json(files["segments"], lambda d: d["features"][2]["geometry"]["coordinates"][1].__setitem__(0, 10 ** 400))
    (p,) = _errors(files)
    assert (p.where, p.field) == ("feature 2 (id=west__south)", "geometry.coordinates")


@pytest.mark.parametrize("value", [["west"], {"id": "west"}, 7, None, True])
@pytest.mark.parametrize("end", ["u", "v"])
def test_segment_end_that_is_not_text(files: Files, end: str, value: object) -> None:
    _edit_json(files["segments"], lambda d: d["features"][0]["properties"].__setitem__(end, value))
    problems = _errors(files)
    assert [(p.where, p.field) for p in problems] == [("feature 0 (id=west__mid)", end)]
    assert problems[0].value == json.dumps(value) if value is not None else "null"


# (file, path to the object, property, a wrong value, words of the expected text)
WRONG_TYPES = [
    ("places", ("features", 1, "properties"), "id", ["mid"], "text id"),
    ("places", ("features", 1, "properties"), "name", 5, "display name"),
    ("places", ("features", 1, "properties"), "aliases", {"a": 1}, "array of names"),
    ("places", ("features", 1, "properties"), "aliases", ["ok", 3], "name as JSON text"),
    ("places", ("features", 1, "properties"), "kind", ["town"], "one of city"),
    ("places", ("features", 1, "properties"), "coord_source", 12, "where the coordinate"),
    ("places", ("features", 1, "properties"), "coord_precision", "guess", "sourced, estimate"),
    ("places", ("features", 1, "properties"), "note", [1, 2], "free text"),
    ("segments", ("features", 1, "properties"), "id", 3.5, "text id"),
    ("segments", ("features", 1, "properties"), "name", {"x": None}, "display name"),
    ("segments", ("features", 1, "properties"), "waypoints", 4, "array of waypoint names"),
    ("segments", ("features", 1, "properties"), "waypoints", [None], "waypoint name as JSON text"),
    ("segments", ("features", 1, "properties"), "geometry_source", True, "sources of the waypoints"),
    ("segments", ("features", 1, "properties"), "note", 0, "free text"),
    ("routes", (1,), "id", 9, "unique non-empty id"),
    ("routes", (1,), "name", ["Tail"], "display name"),
    ("routes", (1,), "aliases", "", None),  # an empty text is an empty list of aliases: valid
    ("routes", (1,), "aliases", [["x"]], "name as JSON text"),
    ("routes", (1,), "description", 1, "free text"),
    ("routes", (1,), "alignments", {"start": "2020"}, "array of alignments"),
    ("routes", (1, "alignments", 0), "start", 2020, "EDTF date as JSON text"),
    ("routes", (1, "alignments", 0), "end", ["2021"], "EDTF date as JSON text"),
    ("routes", (1, "alignments", 0), "segments", "", "segment ids"),
    ("routes", (1, "alignments", 0), "segments", [1], "segment ids"),
    ("routes", (1, "alignments", 0), "source", ["S1"], "source id"),
    ("routes", (1, "alignments", 0), "note", {}, "free text"),
]


def _dig(doc: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        doc = doc[key]
    return doc


@pytest.mark.parametrize(("which", "path", "key", "value", "expected"), WRONG_TYPES)
def test_every_property_of_the_wrong_type(files: Files, which: str, path: tuple[Any, ...], key: str, value: object,
                                          expected: str | None) -> None:
    _edit_json(files[which], lambda d: _dig(d, path).__setitem__(key, value))
    if expected is None:
        _load(files)
        return
    problems = _errors(files)
    assert any(p.field.split("[")[0] == key and expected in p.expected for p in problems), problems
    assert all(p.file == str(files[which]) for p in problems)
    code, listed = _validate(files)
    assert code == 2 and any(p["field"].split("[")[0] == key for p in listed)


SURROGATE_PLACES = [
    ("places", ("features", 0, "properties"), "name"), ("places", ("features", 0, "properties"), "id"),
    ("places", ("features", 0, "properties"), "note"), ("places", ("features", 0, "properties"), "coord_source"),
    ("segments", ("features", 0, "properties"), "name"), ("segments", ("features", 0, "properties"), "note"),
    ("routes", (0,), "name"), ("routes", (0,), "description"), ("routes", (0, "alignments", 0), "note"),
]


@pytest.mark.parametrize(("which", "path", "key"), SURROGATE_PLACES)
def test_lone_surrogate_in_a_text_field(files: Files, which: str, path: tuple[Any, ...], key: str) -> None:
    _edit_json(files[which], lambda d: _dig(d, path).__setitem__(key, "Go\ud800ris"))
    problems = _errors(files)
    hit = [p for p in problems if "surrogate" in p.expected]
    assert len(hit) == 1 and hit[0].field.endswith(key) and hit[0].value == "Go\\ud800ris"
    code, listed = _validate(files)
    assert code == 2 and any("surrogate" in p["expected"] for p in listed)
    code, _, err = _cli(["places", *_args(files)])
    assert code == 2 and "\\ud800" in err


def test_lone_surrogate_in_an_alias_element_and_a_key(files: Files) -> None:
    _edit_json(files["places"], lambda d: d["features"][2]["properties"].update({"aliases": ["East", "\udc80"],
                                                                                  "\ud83d": "x"}))
    fields = sorted(p.field for p in _errors(files) if "surrogate" in p.expected)
    assert fields == ["\\ud83d", "aliases[1]"]


def test_csv_cell_over_128_kib_names_row_and_column(files: Files) -> None:
    _set_cell(files["events"], 3, "quote", "x" * 140_000)
    (p,) = _errors(files)
    assert (p.where, p.field) == ("row 4", "quote") and "131,072" in p.expected
    code, _, err = _cli(["events", *_args(files)])
    assert code == 2 and "row 4" in err and "quote" in err


def test_csv_cell_at_the_limit_is_read(files: Files) -> None:
    _set_cell(files["events"], 1, "note", "n" * (128 * 1024))
    assert len(_load(files).ledger.events[0].note) == 128 * 1024


def test_two_open_ended_alignments_are_one_problem_naming_both(files: Files) -> None:
    _edit_json(files["routes"], lambda d: d[0]["alignments"][0].__setitem__("end", ""))
    (p,) = _errors(files)
    assert p.where == "route 0 (id=corridor)"
    assert p.value == "alignment 0 (2020-01-01 to no end) and alignment 1 (2021-07-01 to no end)"
    code, _, err = _cli(["reach", "west", "east", "--on", "2021-08-01", *_args(files)])
    assert code == 2 and "alignment 0" in err


def test_alignments_meeting_on_one_day_overlap(files: Files) -> None:
    _edit_json(files["routes"], lambda d: d[0]["alignments"][0].__setitem__("end", "2021-07-01"))
    assert "2021-07-01" in _errors(files)[0].value


def test_alignments_that_touch_do_not_overlap(files: Files) -> None:
    _edit_json(files["routes"], lambda d: d[0]["alignments"].append(
        {"start": "1990", "end": "2019-12-31", "segments": ["west__mid"]}))
    _load(files)


@pytest.mark.parametrize(("which", "change", "field"), [
    ("places", lambda d: d["features"].__setitem__(1, ["not", "a", "feature"]), "-"),
    ("segments", lambda d: d["features"].__setitem__(1, "feature"), "-"),
    ("places", lambda d: d["features"][1].__setitem__("properties", [1]), "properties"),
    ("segments", lambda d: d["features"][1].__setitem__("properties", "x"), "properties"),
])
def test_feature_that_is_not_an_object(files: Files, which: str, change: Callable[[Any], None], field: str) -> None:
    _edit_json(files[which], change)
    (p,) = _errors(files)
    assert (p.where, p.field) == ("feature 1", field)


# -- 4: seed files stay inside seeds/ --------------------------------------------------------------

@pytest.mark.parametrize("seed", ["../../../../etc/passwd", "/etc/passwd", "..", ".", "sub/a1.txt", "..\\a1.txt",
                                  "a1.txt\x00", "seeds/a1.txt"])
def test_seed_must_be_a_plain_file_name(files: Files, seed: str) -> None:
    _set_cell(files["sources"], 3, "seed", seed)
    (p,) = _errors(files)
    assert (p.where, p.field) == ("row 4", "seed")
    assert "a plain file name inside" in p.expected and str(files["sources"].parent / "seeds") in p.expected
    assert _validate(files)[0] == 2


def test_seed_link_leading_out_of_the_folder(files: Files, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("outside") / "secret.txt"
    outside.write_text("Officials said the road was closed to all traffic on Monday.", encoding="utf-8")
    os.symlink(outside, files["sources"].parent / "seeds" / "link.txt")
    _set_cell(files["sources"], 3, "seed", "link.txt")
    (p,) = _errors(files)
    assert p.field == "seed" and "plain file name inside" in p.expected


def test_seed_with_an_invalid_name_is_never_read_for_quotes(files: Files) -> None:
    sources = kr.read_sources(files["sources"])
    hostile = dict(sources, A1=kr.Source("A1", seed="../../../../etc/passwd"))
    with pytest.raises(kr.DataError) as info:
        kr.read_events(files["events"], sources=hostile, sources_path=files["sources"])
    assert {p.field for p in info.value.problems} == {"quote"}


# -- 5: names without letters, URL case, mixed scripts ---------------------------------------

@pytest.mark.parametrize("alias", ["-", "—", "😀", "", "  ", "()"])
def test_alias_without_letters_is_not_a_bogus_collision(files: Files, alias: str) -> None:
    _edit_json(files["places"], lambda d: [d["features"][i]["properties"]["aliases"].append(alias) for i in (0, 2)])
    problems = _errors(files)
    assert len(problems) == 2
    assert all(p.expected == "a name with at least one letter or digit" for p in problems)
    assert not any("already used" in p.expected for p in problems)


def test_route_alias_without_letters(files: Files) -> None:
    _edit_json(files["routes"], lambda d: d[1]["aliases"].append("—"))
    (p,) = _errors(files)
    assert (p.where, p.field, p.value) == ("route 1 (id=tail)", "aliases[0]", "—")


def test_route_names_must_identify_one_route(files: Files) -> None:
    _edit_json(files["routes"], lambda d: d[1]["aliases"].append("KORIDOR"))
    (p,) = _errors(files)
    assert "already used by route 'corridor'" in p.expected


@pytest.mark.parametrize("url", ["HTTPS://example.org/1", "Http://example.org/1", "hTTp://x.org"])
def test_url_scheme_is_case_insensitive(files: Files, url: str) -> None:
    _set_cell(files["sources"], 1, "url", url)
    assert _load(files).ledger.sources["S1"].url == url


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://x.org", "//x.org", "https://x.org/a b", 'https://x.org/"><b>'])
def test_url_other_schemes_refused(files: Files, url: str) -> None:
    _set_cell(files["sources"], 1, "url", url)
    (p,) = _errors(files)
    assert (p.where, p.field) == ("row 2", "url")


CYR_A = "\u0430"


@pytest.mark.parametrize(("which", "change", "where", "field"), [
    ("places", lambda d: d["features"][0]["properties"]["aliases"].append(f"Step{CYR_A}nakert"),
     "feature 0 (id=west)", "aliases[3]"),
    ("places", lambda d: d["features"][1]["properties"].__setitem__("name", "Mid Junct\u03b9on"),
     "feature 1 (id=mid)", "name"),
    ("routes", lambda d: d[0].__setitem__("name", "The C\u043erridor"), "route 0 (id=corridor)", "name"),
    ("routes", lambda d: d[1]["aliases"].append("T\u0430il"), "route 1 (id=tail)", "aliases[0]"),
])
def test_mixed_script_names_warn(files: Files, which: str, change: Callable[[Any], None], where: str,
                                 field: str) -> None:
    _edit_json(files[which], change)
    with pytest.warns(kr.KarabakhRoutesWarning) as caught:
        _load(files)
    problems = [w.message.problem for w in caught if isinstance(w.message, kr.KarabakhRoutesWarning)]
    assert [(p.where, p.field, p.severity) for p in problems if p is not None] == [(where, field, "warning")]
    code, listed = _validate(files)
    assert code == 0 and [(p["where"], p["field"], p["severity"]) for p in listed] == [(where, field, "warning")]


def test_mixed_script_claimant_warns_once(tmp_path: Path) -> None:
    rows = copy.deepcopy(EVENTS)
    for r in rows:
        r[EVENT_HEADER.index("claimant")] = f"{CYR_A}gency X" if r[9] == "X" else r[9]
    files = write_fixture(tmp_path, rows)
    code, listed = _validate(files)
    assert code == 0 and [(p["where"], p["field"]) for p in listed] == [("row 2 (id=E1)", "claimant")]
    assert "Cyrillic Small Letter A" in listed[0]["expected"]


@pytest.mark.parametrize("name", ["Khankendi / Ханкенди", "Ստեփանակերտ", "Xankəndi", "Şuşa", "Αθήνα", "Lachin-Лачин",
                                  "Stepanakert 2"])
def test_one_script_per_word_does_not_warn(name: str) -> None:
    assert mixed_script_words(name) == []


def test_bundled_data_still_validates() -> None:
    code, out, err = _cli(["validate"])
    assert code == 0, out + err


# -- 6: load() raises only documented errors: hypothesis -----------------------------------

def _check_span(span: kr.DateSpan) -> None:
    assert DATE_MIN <= span.earliest <= span.lower <= span.upper <= span.latest <= DATE_MAX


years = st.one_of(st.sampled_from([1, 2, 1000, 1999, 2023, 9998, 9999]), st.integers(1, 9999))


@st.composite
def edtf_values(draw: st.DrawFn) -> str:
    """One EDTF date (no interval) near the calendar's edges, at year, month or day precision."""
    y = draw(years)
    precision = draw(st.sampled_from(["year", "month", "day", "decade"]))
    if precision == "decade":
        text = f"{y:04d}"[:3] + "X"
    elif precision == "year":
        text = f"{y:04d}"
    else:
        m = draw(st.sampled_from([1, 2, 12]) | st.integers(1, 12))
        text = f"{y:04d}-{m:02d}"
        if precision == "day":
            d = draw(st.sampled_from([1, 28, 29, 30, 31]) | st.integers(1, 31))
            text += f"-{d:02d}"
    return text + draw(st.sampled_from(["", "", "~", "?", "%"]))


@st.composite
def edtf_texts(draw: st.DrawFn) -> str:
    """A date or an interval whose ends may be open (..) or unknown (empty)."""
    if draw(st.booleans()):
        return draw(edtf_values())
    start = draw(st.one_of(edtf_values(), st.sampled_from(["", ".."])))
    end = draw(st.one_of(edtf_values(), st.sampled_from(["", ".."])))
    return f"{start}/{end}"


@given(text=edtf_texts())
def test_parse_edtf_is_sane_at_the_edges(text: str) -> None:
    try:
        span = parse_edtf(text)
    except kr.DateError as exc:
        event(f"DateError: {str(exc).split(':')[0].split(' ')[0]}")
        return
    event("parsed" + (" (clamped)" if DATE_MIN in (span.earliest,) or DATE_MAX in (span.latest,) else ""))
    _check_span(span)
    assert span.text == text


@given(start=edtf_values(), end=edtf_values(), open_end=st.sampled_from(["", ".."]))
def test_interval_bounds_come_from_each_endpoint(start: str, end: str, open_end: str) -> None:
    try:
        a, b = parse_edtf(start), parse_edtf(end)
    except kr.DateError:
        event("endpoint invalid")
        return
    if b.upper < a.lower:
        with pytest.raises(kr.DateError):
            parse_edtf(f"{start}/{end}")
        event("inverted interval refused")
        return
    span = parse_edtf(f"{start}/{end}")
    assert (span.lower, span.earliest, span.upper, span.latest) == (a.lower, a.earliest, b.upper, b.latest)
    opened = parse_edtf(f"{start}/{open_end}")
    assert (opened.lower, opened.earliest, opened.upper, opened.latest) == (a.lower, a.earliest, DATE_MAX, DATE_MAX)
    back = parse_edtf(f"{open_end}/{end}")
    assert (back.lower, back.earliest, back.upper, back.latest) == (DATE_MIN, DATE_MIN, b.upper, b.latest)
    event("interval checked")


@given(start=edtf_texts(), end=st.one_of(st.just(""), edtf_texts()), al_end=st.one_of(st.just(""), edtf_texts()))
def test_generated_dates_through_load_and_validate(tmp_path_factory: pytest.TempPathFactory, start: str, end: str,
                                                   al_end: str) -> None:
    rows = copy.deepcopy(EVENTS)
    rows[4][EVENT_HEADER.index("start")] = start
    rows[4][EVENT_HEADER.index("end")] = end
    files = write_fixture(tmp_path_factory.mktemp("edtf"), rows)
    routes = copy.deepcopy(ROUTES)
    routes[1]["alignments"][0]["end"] = al_end
    files["routes"].write_text(json.dumps(routes), encoding="utf-8")
    code, listed = _validate(files)
    try:
        m = _load(files)
    except kr.DataError as exc:
        assert code == 2
        assert {p.field for p in exc.problems} <= {"start", "end"}
        event("refused: " + "/".join(sorted({p.field for p in exc.problems})))
        return
    assert code == 0 and not listed
    event("loaded")
    for day in ("0001-01-01", "2021-05-10", "9999-12-31"):
        m.status(on=day)
        m.reach("west", "far", on=day)
    m.periods("west", "far")
    _commands_run(files)


# Any JSON value, including the hostile ones: huge or non-finite numbers, lone surrogates, nesting.
_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10 ** 300, max_value=10 ** 1000),
    st.floats(), st.text(max_size=12), st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1,
                                               max_size=2),
    st.sampled_from(["", "-", "—", "west", "east__far", "2021-01-01", "2021-01-01/..", "town", "S1"]),
)
json_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                                  max_size=3), max_leaves=8)
TARGETS = {
    "places": [(("features", i, "properties"), k) for i in (0, 1)
               for k in ("id", "name", "aliases", "kind", "coord_source", "coord_precision", "note")]
    + [(("features", 0, "geometry"), "coordinates"), (("features", 0, "geometry"), "type"), (("features",), 1)],
    "segments": [(("features", i, "properties"), k) for i in (0, 4)
                 for k in ("id", "u", "v", "name", "waypoints", "geometry_source", "note")]
    + [(("features", 0, "geometry"), "coordinates"), (("features", 0), "properties")],
    "routes": [((0,), k) for k in ("id", "name", "aliases", "description", "alignments")]
    + [((0, "alignments", 1), k) for k in ("start", "end", "segments", "source", "note")] + [((), 1)],
}


@given(which=st.sampled_from(sorted(TARGETS)), data=st.data(), value=json_values, depth=st.sampled_from([0, 0, 0, 50, 5000]))
def test_any_json_in_any_property(tmp_path_factory: pytest.TempPathFactory, which: str, data: st.DataObject,
                                  value: object, depth: int) -> None:
    path, key = data.draw(st.sampled_from(TARGETS[which]))
    files = write_fixture(tmp_path_factory.mktemp("json"))
    doc = json.loads(files[which].read_text(encoding="utf-8"))
    _dig(doc, path)[key] = "@VALUE@"
    shown = json.dumps(value)
    if depth:
        shown = "[" * depth + shown + "]" * depth
    files[which].write_text(json.dumps(doc).replace('"@VALUE@"', shown), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", kr.KarabakhRoutesWarning)
        try:
            _load(files)
            outcome = "loaded"
        except kr.DataError as exc:
            assert all(p.file and p.where for p in exc.problems)
            str(exc).encode("utf-8")
            outcome = "DataError"
    code, listed = _validate(files)
    assert (code == 0) == (outcome == "loaded")
    event(f"{which}: {outcome}")
    if outcome == "loaded":
        _commands_run(files)
    else:
        code, _, err = _cli(["status", "--on", "2021-03-11", *_args(files)])
        # the file changed, or one that refers to it (a renamed place id breaks the segments)
        assert code == 2 and any(str(f) in err for f in files.values()), err
        # the problem names the property (or the file, for JSON that cannot be read at all)
        errors = [p for p in listed if p["severity"] == "error"]
        # every name in a field's path: "alignments[1].source" names alignments and source
        fields = {part for p in errors for part in re.split(r"[\[\].]+", p["field"]) if part}
        whole = key in ("properties", 1)  # a whole feature/route/properties object replaced
        if key == "alignments":  # the alignment objects' own fields are named
            whole = any(", alignment " in p["where"] for p in errors)
        if which == "places" and key == "id":  # a renamed place: the segments (u, v) that named it
            whole = whole or bool(fields & {"u", "v", "direction"})
        if which == "segments" and key == "id":  # a renamed segment: the route alignments that named it
            whole = whole or "segments" in fields
        if which == "routes" and key == "id":  # a renamed route: the claims (target) that named it
            whole = whole or "target" in fields
        assert errors and (whole or str(key) in fields or fields & {"geometry", "-", "type"}), listed


# Names built from Latin, Cyrillic and Greek letters: the warning is raised exactly for words that
# mix Latin with another script (an oracle that does not use unicodedata's names).
LATIN, CYRILLIC, GREEK = "abcdeopxyABEHKMOPTX", "абвдеорхуАВЕНКМОРТХ", "αβεοπρτΑΒΕΗΚΜΟΡΤΧ"
_letters = st.sampled_from([(c, "L") for c in LATIN] + [(c, "C") for c in CYRILLIC] + [(c, "G") for c in GREEK])
words = st.lists(_letters, min_size=1, max_size=8)


@given(parts=st.lists(words, min_size=1, max_size=3), sep=st.sampled_from([" ", " / ", "-", "2"]))
def test_mixed_script_oracle(parts: list[list[tuple[str, str]]], sep: str) -> None:
    name = sep.join("".join(c for c, _ in w) for w in parts)
    expected = [w for w in parts if "L" in {s for _, s in w} and {s for _, s in w} & {"C", "G"}]
    found = mixed_script_words(name)
    assert len(found) == len(expected)
    assert all(unicodedata.normalize("NFC", f) == "".join(c for c, _ in w) for f, w in zip(found, expected))
    event("mixed" if expected else "one script per word")


@given(parts=st.lists(words, min_size=1, max_size=2), where=st.sampled_from(["place", "alias", "route", "claimant"]),
       surrogate=st.one_of(st.none(), st.integers(0xD800, 0xDFFF)))
def test_generated_names_with_mixed_scripts_or_surrogates(tmp_path_factory: pytest.TempPathFactory,
                                                         parts: list[list[tuple[str, str]]], where: str,
                                                         surrogate: int | None) -> None:
    name = " ".join("".join(c for c, _ in w) for w in parts) + "q"
    if surrogate is not None:
        name = name[:1] + chr(surrogate) + name[1:]
    mixed = bool(mixed_script_words(name.encode("utf-8", "replace").decode("utf-8")))
    folder = tmp_path_factory.mktemp("names")
    if where == "claimant":
        if surrogate is not None:  # CSV is UTF-8: a lone surrogate cannot even be written there
            return
        rows = copy.deepcopy(EVENTS)
        rows[0][EVENT_HEADER.index("claimant")] = name
        files = write_fixture(folder, rows)
    else:
        files = write_fixture(folder)
        if where == "place":
            _edit_json(files["places"], lambda d: d["features"][3]["properties"].__setitem__("name", name))
        elif where == "alias":
            _edit_json(files["places"], lambda d: d["features"][3]["properties"]["aliases"].append(name))
        else:
            _edit_json(files["routes"], lambda d: d[1]["aliases"].append(name))
    code, listed = _validate(files)
    kinds = {(p["severity"], "surrogate" if "surrogate" in p["expected"] else "script" if "one script" in p["expected"]
              else "other") for p in listed}
    if surrogate is not None:
        assert code == 2 and ("error", "surrogate") in kinds
        event(f"{where}: surrogate refused")
    else:
        assert code == 0
        assert (("warning", "script") in kinds) == mixed, (name, listed)
        event(f"{where}: {'warned' if mixed else 'clean'}")


@settings(max_examples=30)
@given(cell=st.sampled_from(["quote", "note", "claimant", "id", "target"]), size=st.integers(131_000, 140_000))
def test_long_cells_are_named(tmp_path_factory: pytest.TempPathFactory, cell: str, size: int) -> None:
    files = write_fixture(tmp_path_factory.mktemp("cells"))
    _set_cell(files["events"], 2, cell, "y" * size)
    code, listed = _validate(files)
    if size > 128 * 1024:
        assert code == 2 and [(p["where"], p["field"]) for p in listed] == [("row 3", cell)]
        event("over the limit: named")
    else:
        assert all(p["field"] != cell or "131,072" not in p["expected"] for p in listed)
        event("at or under the limit")
