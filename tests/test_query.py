"""One query path: the date, class and view are parsed once at the public boundary (issue 9).

The parsers are wrapped with counters: ``to_date`` (counting text, not ``datetime.date``
values handed down), ``_parse_view_text`` (a view given as text), ``check_traffic``; and every
call is attributed to the module that made it. Before the change a 46-step timeline map parsed
its start and end texts 4 times and called the parsers from three layers (``timeline_map``,
``slider_table``, ``timeline_steps``); now the boundary (:mod:`karabakh_routes.query`) is the only
caller outside the engine (``timeline``/``reach``, which return parsed values as they are).
"""

from __future__ import annotations

import collections
import datetime as dt
import importlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import karabakh_routes as kr
from karabakh_routes import DateError, Query, TrafficError, View, ViewError

#: Modules that may call the parsers: the boundary, and the engine below it (which hands a
#: parsed value straight back).
_BOUNDARY = "karabakh_routes.query"
_ENGINE = {"karabakh_routes.timeline", "karabakh_routes.reach", "karabakh_routes.dates"}
_LAYERS = ["karabakh_routes.model", "karabakh_routes.cli", "karabakh_routes.chart", "karabakh_routes.maps",
           "karabakh_routes.maps.date_map", "karabakh_routes.maps.timeline_map", "karabakh_routes.maps.static",
           "karabakh_routes.maps._features", "karabakh_routes.maps.headline", "karabakh_routes.explore",
           "karabakh_routes.query", "karabakh_routes.reach", "karabakh_routes.timeline", "karabakh_routes._range"]


class Counts(collections.Counter[str]):
    """``date_text``, ``view_text``, ``traffic`` and, per caller outside the engine, ``<parser> from <module>``."""

    def outside(self) -> dict[str, int]:
        """Parser calls made by a layer that is neither the boundary nor the engine."""
        return {k: n for k, n in self.items() if " from " in k and not k.endswith(_BOUNDARY)}


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counts]:
    for name in _LAYERS:
        importlib.import_module(name)
    dates = sys.modules["karabakh_routes.dates"]
    events = sys.modules["karabakh_routes.events"]
    timeline = sys.modules["karabakh_routes.timeline"]
    c = Counts()

    def caller() -> str:
        return str(sys._getframe(2).f_globals.get("__name__", "?"))

    def counted(kind: str, fn: Callable[..., Any], text: Callable[..., bool]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if text(*args):
                c[kind] += 1
            who = caller()
            if who not in _ENGINE:
                c[f"{fn.__name__} from {who}"] += 1
            return fn(*args, **kwargs)
        return wrapper

    originals = {"to_date": dates.to_date, "parse_view": timeline.parse_view, "check_traffic": events.check_traffic}
    wrapped = {
        "to_date": counted("date_text", dates.to_date, lambda v, *a: not isinstance(v, dt.date)),
        "parse_view": counted("view_call", timeline.parse_view, lambda v, *a: not isinstance(v, View)),
        "check_traffic": counted("traffic", events.check_traffic, lambda *a: True),
    }
    for mod in [m for n, m in sys.modules.items() if n.startswith("karabakh_routes")]:
        for attr, orig in originals.items():
            if getattr(mod, attr, None) is orig:
                monkeypatch.setattr(mod, attr, wrapped[attr])
    parse_text = timeline._parse_view_text

    def view_text(*args: Any, **kwargs: Any) -> View:
        c["view_text"] += 1
        return parse_text(*args, **kwargs)

    monkeypatch.setattr(timeline, "_parse_view_text", view_text)
    yield c


def test_a_ten_step_timeline_map_parses_its_date_and_view_text_once(bundled: kr.RoadModel, counts: Counts) -> None:
    from karabakh_routes.maps import timeline_map
    from karabakh_routes.maps._features import timeline_steps

    assert len(timeline_steps(bundled, start="2023-07-02", end="2023-07-26")) == 10
    counts.clear()
    fmap = timeline_map(bundled, start="2023-07-02", end="2023-07-26", traffic="Humanitarian", view="ICRC",
                        offline=True)
    assert counts["view_text"] == 1
    assert counts["date_text"] == 2  # start and end, once each
    assert counts["traffic"] >= 1
    assert counts.outside() == {}, "a layer below the boundary parsed again"
    assert "view: claimant:ICRC" in fmap.get_root().render()


def test_a_date_map_parses_its_date_and_view_text_once(bundled: kr.RoadModel, counts: Counts) -> None:
    from karabakh_routes.maps import date_map

    date_map(bundled, on="2023-07-20", traffic="humanitarian", view="consensus", path=("Goris", "Stepanakert"),
             offline=True)
    assert (counts["date_text"], counts["view_text"]) == (1, 1)
    assert counts.outside() == {}


@pytest.mark.parametrize("call", [
    lambda m: m.status(on="2023-07-20", traffic="medical", view="strict"),
    lambda m: m.reach("Goris", "Stepanakert", on="2023-07-20", view="lenient"),
    lambda m: m.periods("Goris", "Stepanakert", start="2023-07-01", end="2023-07-31", view="strict"),
    lambda m: m.map(on="2023-07-20", view="strict", path=("Goris", "Stepanakert"), offline=True),
    lambda m: kr.explore(m, on="2023-07-20", view="strict", offline=True),
], ids=["status", "reach", "periods", "map", "explore"])
def test_every_model_query_parses_once(bundled: kr.RoadModel, counts: Counts, call: Callable[..., Any]) -> None:
    call(bundled)
    assert counts["view_text"] == 1
    assert 1 <= counts["date_text"] <= 2
    assert counts.outside() == {}


def test_the_static_map_and_the_chart_parse_once(bundled: kr.RoadModel, counts: Counts) -> None:
    from karabakh_routes.chart import timeline_chart
    from karabakh_routes.maps import static_map

    static_map(bundled, on="2023-07-20", traffic="humanitarian", path=("Goris", "Stepanakert"))
    assert (counts["date_text"], counts["view_text"]) == (1, 1)
    counts.clear()
    timeline_chart(bundled, start="2023-07-01", end="2023-07-31", view="strict")
    assert (counts["date_text"], counts["view_text"]) == (2, 1)
    assert counts.outside() == {}


@pytest.mark.parametrize("argv", [
    ["timeline-map", "--from", "2023-07-02", "--to", "2023-07-26", "--view", "strict", "--offline", "-o", "{out}.html"],
    ["map", "--on", "2023-07-20", "--traffic", "Medical", "--path", "Goris", "Stepanakert", "-o", "{out}.html"],
    ["chart", "--from", "2023-07-01", "--to", "2023-07-31", "-o", "{out}.png"],
    ["periods", "Goris", "Stepanakert", "--from", "2023-07-01", "--to", "2023-07-31"],
], ids=["timeline-map", "map", "chart", "periods"])
def test_each_command_parses_once(counts: Counts, tmp_path: Path, argv: list[str],
                                  capsys: pytest.CaptureFixture[str]) -> None:
    from karabakh_routes.cli import main

    assert main([a.replace("{out}", str(tmp_path / "out")) for a in argv]) == 0
    capsys.readouterr()
    assert counts["view_text"] == 1
    assert counts["date_text"] == argv.count("--on") + argv.count("--from") + argv.count("--to")
    assert counts.outside() == {}


# -- the Query object --------------------------------------------------------------------------------------------


def test_parse_normalises_once_and_parsing_parsed_values_is_free(bundled: kr.RoadModel, counts: Counts) -> None:
    q = bundled.query(on="2023-07-20", traffic=" MEDICAL ", view="icrc", horizon="45")
    assert q == Query(on=dt.date(2023, 7, 20), traffic="medical", view=View("claimant", "ICRC", 45))
    assert (q.day, q.traffic_class, q.horizon, q.traffic_text) == (dt.date(2023, 7, 20), "medical", 45, "medical")
    counts.clear()
    again = Query.parse(bundled, on=q.on, traffic=q.traffic, view=q.view)
    assert again == q
    assert (counts["date_text"], counts["view_text"]) == (0, 0)
    assert q.at(dt.date(2023, 7, 21)).on == dt.date(2023, 7, 21)
    assert Query.parse(bundled.timeline, view="strict") == Query.parse(bundled.ledger, view="strict") == Query(
        view=View("strict"))


def test_a_range_query() -> None:
    q = Query.parse(start="2023-06-01", end=dt.datetime(2023, 9, 30, 12), view="strict", horizon=None)
    assert (q.on, q.start, q.end, q.view) == (None, dt.date(2023, 6, 1), dt.date(2023, 9, 30), View("strict", "", None))
    assert Query().for_trip().traffic == "civilian"
    assert Query(traffic="medical").for_trip().traffic == "medical"


@pytest.mark.parametrize(("kwargs", "error", "words"), [
    ({"on": "2023-02-30"}, DateError, ["Invalid date '2023-02-30'", "no such day", "YYYY-MM-DD"]),
    ({"on": "20 July"}, DateError, ["Invalid date '20 July'", "YYYY-MM-DD"]),
    ({"start": "2023-13-01"}, DateError, ["Invalid start '2023-13-01'", "YYYY-MM-DD"]),
    ({"end": "soon"}, DateError, ["Invalid end 'soon'", "YYYY-MM-DD"]),
    ({"traffic": "tanks"}, TrafficError, ["'tanks'", "civilian, humanitarian, medical, peacekeepers"]),
    ({"view": "nobody"}, ViewError, ["Unknown view 'nobody'", "consensus, strict, lenient, claimant:NAME or source:ID",
                                     "claimants: "]),
    ({"view": "claimant:nobody"}, ViewError, ["Unknown claimant 'nobody'", "Known claimants: "]),
    ({"view": "strict", "horizon": "soon"}, ViewError, ["Invalid horizon 'soon'", "'none'"]),
])
def test_parse_errors_name_the_value_and_what_is_valid(bundled: kr.RoadModel, kwargs: dict[str, Any],
                                                       error: type[Exception], words: list[str]) -> None:
    with pytest.raises(error) as exc:
        Query.parse(bundled, **kwargs)
    for w in words:
        assert w in str(exc.value)


def test_a_question_that_needs_a_date_or_a_class_says_so() -> None:
    with pytest.raises(DateError, match="needs a date"):
        _ = Query().day
    with pytest.raises(TrafficError, match="Valid classes: civilian"):
        _ = Query().traffic_class
    with pytest.raises(TypeError, match="Ledger, a RoadModel or a Timeline"):
        Query.parse("events.csv")


def test_public_functions_still_raise_the_same_errors(bundled: kr.RoadModel) -> None:
    from karabakh_routes.maps import timeline_map

    with pytest.raises(TrafficError, match="Unknown traffic class None"):
        bundled.reach("Goris", "Stepanakert", on="2023-07-20", traffic=None)  # type: ignore[arg-type]
    with pytest.raises(ViewError, match="Unknown view 'nobody'"):
        bundled.status(on="2023-07-20", view="nobody")
    with pytest.raises(DateError, match="Invalid end 'x'"):
        timeline_map(bundled, start="2023-07-01", end="x")
    with pytest.raises(DateError, match="start 2023-07-31 is after end 2023-07-01"):
        timeline_map(bundled, start="2023-07-31", end="2023-07-01")


def test_the_class_is_canonical_everywhere_below_the_boundary(bundled: kr.RoadModel) -> None:
    """A class in another letter case gives the same slider (popups and passages), as the status does."""
    from karabakh_routes.maps._features import slider_table

    upper = slider_table(bundled, start="2023-09-01", end="2023-09-30", traffic="Humanitarian")
    lower = slider_table(bundled, start="2023-09-01", end="2023-09-30", traffic="humanitarian")
    assert upper == lower
    assert any(upper.passages)
