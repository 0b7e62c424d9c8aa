"""The static (matplotlib) date map: styling, legend, labels, extent, trip headline, files, CLI."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import matplotlib
import pytest
from conftest import write_fixture
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text

import karabakh_routes as kr
from karabakh_routes.cli import main
from karabakh_routes.maps.extent import contested_bounds, map_bounds, network_bounds
from karabakh_routes.maps.headline import label_text, stretches, trip_headline
from karabakh_routes.maps.static import (
    ATTRIBUTION,
    LEGEND_TITLE,
    PX,
    STATIC_FORMATS,
    save_static_map,
    static_map,
    svg_dashes,
)
from karabakh_routes.maps.style import PASSAGE_OVERLAY, STATUS_STYLES, TRIP_OVERLAY


@pytest.fixture
def figs() -> Iterator[list[Figure]]:
    """Figures made by a test; every one is closed afterwards."""
    made: list[Figure] = []
    yield made
    for f in made:
        f.clear()
    made.clear()


def make(figs: list[Figure], model: kr.RoadModel, **kw: object) -> Figure:
    fig = static_map(model, **kw)  # type: ignore[arg-type]
    figs.append(fig)
    return fig


def flat(text: str) -> str:
    return " ".join(text.split())


def by_gid(fig: Figure, prefix: str) -> dict[str, Text]:
    out = {}
    for t in [*fig.texts, *fig.axes[0].texts]:
        gid = t.get_gid() or ""
        if gid.startswith(prefix):
            out[gid[len(prefix):]] = t
    return out


def lines(fig: Figure, prefix: str) -> dict[str, Line2D]:
    return {ln.get_gid()[len(prefix):]: ln for ln in fig.axes[0].lines if (ln.get_gid() or "").startswith(prefix)}


def legend_rows(fig: Figure) -> list[str]:
    (leg,) = fig.legends
    return [flat(t.get_text()) for t in leg.get_texts()]


# -- styling --------------------------------------------------------------------------------------


@pytest.mark.parametrize("on", ["2023-07-20", "2023-09-12", "2021-01-01"])
def test_one_line_per_segment_in_its_status_style(bundled: kr.RoadModel, figs: list[Figure], on: str) -> None:
    fig = make(figs, bundled, on=on)
    gdf = bundled.status(on=on)
    segs = lines(fig, "segment:")
    assert set(segs) == set(gdf.index)
    for key, row in gdf.iterrows():
        st = STATUS_STYLES[row["status"]]
        ln = segs[str(key)]
        assert to_hex(ln.get_color()).upper() == st.color.upper()
        assert ln.get_linewidth() == pytest.approx(st.weight * PX)
        if st.dash is None:
            assert ln.get_linestyle() == "-"
        else:
            offset, pattern = ln._dash_pattern  # the pattern as drawn, in points
            assert tuple(pattern) == pytest.approx(svg_dashes(st.dash))
        xs, ys = row.geometry.xy
        assert list(ln.get_xdata()) == pytest.approx(list(xs)) and list(ln.get_ydata()) == pytest.approx(list(ys))


def test_dash_patterns_survive_a_width_change(bundled: kr.RoadModel, figs: list[Figure]) -> None:
    fig = make(figs, bundled, on="2023-07-20")
    ln = next(ln for ln in lines(fig, "segment:").values() if ln.get_linestyle() != "-")
    before = list(ln._dash_pattern[1])
    ln.set_linewidth(ln.get_linewidth())
    assert list(ln._dash_pattern[1]) == pytest.approx(before)


def test_svg_dashes() -> None:
    assert svg_dashes(None) is None and svg_dashes("") is None
    assert svg_dashes("12 6") == (9.0, 4.5)
    assert svg_dashes("1") == (0.75, 0.75)
    assert svg_dashes("10 3", 2.0) == (3.75, 1.125)


def test_legend_rows(bundled: kr.RoadModel, figs: list[Figure]) -> None:
    fig = make(figs, bundled, on="2023-09-12", traffic="humanitarian", path=("Aghdam", "Khankendi"))
    rows = legend_rows(fig)
    labels = [s.label for s in STATUS_STYLES.values()]
    assert rows[:len(labels)] == labels
    assert "convoy passage reported this day" in rows  # a passage on 2023-09-12
    assert "trip Aghdam / Akna → Khankendi / Stepanakert (humanitarian): yes" in rows
    assert rows[-1].startswith("place")
    (leg,) = fig.legends
    assert leg.get_title().get_text() == LEGEND_TITLE
    handles = leg.legend_handles
    for st, h in zip(STATUS_STYLES.values(), handles, strict=False):
        assert isinstance(h, Line2D) and to_hex(h.get_color()).upper() == st.color.upper()


def test_legend_without_trip_or_passages(bundled: kr.RoadModel, figs: list[Figure]) -> None:
    fig = make(figs, bundled, on="2020-01-01")
    rows = legend_rows(fig)
    assert not any(r.startswith("trip") or r.startswith("convoy") for r in rows)
    assert len(rows) == len(STATUS_STYLES) + 1


def test_title_subtitle_attribution(bundled: kr.RoadModel, figs: list[Figure]) -> None:
    fig = make(figs, bundled, on="2023-07-20", traffic="humanitarian", horizon=10)
    texts = by_gid(fig, "")
    assert flat(texts["title"].get_text()) == "Roads into Nagorno-Karabakh on 2023-07-20"
    sub = flat(texts["subtitle"].get_text())
    assert sub == "Traffic: humanitarian · view: consensus · claims carried up to 10 days · geometry schematic"
    assert flat(texts["attribution"].get_text()) == ATTRIBUTION
    assert "headline" not in texts
    fig2 = make(figs, bundled, on="2023-07-20")
    assert flat(by_gid(fig2, "")["subtitle"].get_text()).startswith("Traffic: all classes · view: consensus · "
                                                                    "claims carried up to 30 days")


def test_attribution_is_the_html_maps() -> None:
    from karabakh_routes.maps.date_map import ATTRIBUTION as HTML_ATTRIBUTION
    assert ATTRIBUTION == HTML_ATTRIBUTION


def test_scale_bar_in_km(bundled: kr.RoadModel, figs: list[Figure]) -> None:
    for extent in ("contested", "all"):
        fig = make(figs, bundled, on="2023-07-20", extent=extent)
        label = by_gid(fig, "")["scalebar-label"].get_text()
        assert label.endswith(" km") and float(label.split()[0]) > 0
        bars = [p for p in fig.axes[0].patches if p.get_gid() == "scalebar"]
        assert len(bars) == 2
        # The bar is as long as it says, at the map's latitude.
        from pyproj import Geod
        x0 = bars[0].get_x()
        x1 = bars[1].get_x() + bars[1].get_width()
        y = bars[0].get_y()
        km = Geod(ellps="WGS84").inv(x0, y, x1, y)[2] / 1000
        assert km == pytest.approx(float(label.split()[0]), rel=1e-3)


def test_local_projection_aspect(bundled: kr.RoadModel, figs: list[Figure]) -> None:
    import math
    fig = make(figs, bundled, on="2023-07-20")
    ax = fig.axes[0]
    y0, y1 = ax.get_ylim()
    lat = (y0 + y1) / 2
    assert ax.get_aspect() == pytest.approx(1 / math.cos(math.radians(lat)), rel=0.01)


# -- places and labels -----------------------------------------------------------------------------


@pytest.mark.parametrize(("on", "kw"), [("2023-07-20", {"traffic": "humanitarian", "path": ("Goris", "Stepanakert")}),
                                        ("2023-09-12", {}), ("2023-09-12", {"extent": "all"})])
def test_every_place_labelled_without_overlaps(bundled: kr.RoadModel, figs: list[Figure], on: str,
                                               kw: dict[str, object]) -> None:
    fig = make(figs, bundled, on=on, **kw)
    labels = by_gid(fig, "place:")
    assert set(labels) == set(bundled.places)
    for pid, t in labels.items():
        name = flat(t.get_text()).strip("←→↑↓↖↗↘↙ ")
        assert name == label_text(bundled.places[pid].name)  # no trailing parenthesis, as on the HTML map
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes = {pid: t.get_window_extent(renderer) for pid, t in labels.items()}
    for (a, ba), (b, bb) in itertools.combinations(boxes.items(), 2):
        assert not ba.overlaps(bb), f"labels of {a} and {b} overlap"
    ax_box = fig.axes[0].get_window_extent(renderer)
    for pid, bb in boxes.items():
        assert ax_box.contains(bb.x0, bb.y0) and ax_box.contains(bb.x1, bb.y1), f"label of {pid} leaves the map"
    # No label covers a place's marker.
    for pid, pl in bundled.places.items():
        x, y = fig.axes[0].transData.transform((pl.lon, pl.lat))
        if ax_box.contains(x, y):
            covering = [other for other, bb in boxes.items() if other != pid and bb.contains(x, y)]
            assert not covering, f"the marker of {pid} is under the label of {covering}"


@pytest.mark.slow
def test_a_crowded_map_labels_only_where_there_is_room(figs: list[Figure], tmp_path: Path) -> None:
    # benchmarks/synth.py's grid: some 160 places in the frame, too many to label them all (before:
    # every one drawn, over each other and over the markers; 525 places took 55 s)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import synth

    files = synth.generate(tmp_path / "synth", segments=300, claims=600, seed=4)
    model = kr.load(**{k: str(v) for k, v in files.items()})
    fig = make(figs, model, on="2022-06-15", extent="all")
    labels = by_gid(fig, "place:")
    markers = lines(fig, "marker:")
    assert len(markers) == model.G.number_of_nodes() > 60
    assert 0 < len(labels) < len(markers)  # thinned, not emptied
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes = {pid: t.get_window_extent(renderer) for pid, t in labels.items()}
    for (a, ba), (b, bb) in itertools.combinations(boxes.items(), 2):
        assert not ba.overlaps(bb), f"labels of {a} and {b} overlap"
    for pid, pl in model.places.items():  # and none covers a marker
        x, y = fig.axes[0].transData.transform((pl.lon, pl.lat))
        assert not [other for other, bb in boxes.items() if bb.contains(x, y)], f"the marker of {pid} is under a label"


def test_markers_for_places_on_the_map(bundled: kr.RoadModel, figs: list[Figure]) -> None:
    fig = make(figs, bundled, on="2023-07-20")
    markers = lines(fig, "marker:")
    assert "khankendi_stepanakert" in markers and "lachin_berdzor" in markers
    assert "yerevan" not in markers  # off the contested map: named at the frame's edge instead
    assert "Yerevan" in by_gid(fig, "place:")["yerevan"].get_text()


# -- extent ----------------------------------------------------------------------------------------


def _route_coords(model: kr.RoadModel, route: str) -> list[tuple[float, float]]:
    segs = set(kr.routes_of(model.G)[route].segments)
    return [c for _, _, k, d in model.G.edges(keys=True, data=True) if k in segs for c in d["geometry"].coords]


def test_contested_extent(bundled: kr.RoadModel, figs: list[Figure]) -> None:
    b = contested_bounds(bundled)
    for route in ("lachin_corridor", "aghdam_road"):
        for x, y in _route_coords(bundled, route):
            assert b[0] < x < b[2] and b[1] < y < b[3]
    yerevan = bundled.places["yerevan"]
    assert not b[0] <= yerevan.lon <= b[2]
    fig = make(figs, bundled, on="2023-07-20")
    (x0, x1), (y0, y1) = fig.axes[0].get_xlim(), fig.axes[0].get_ylim()
    assert x0 <= b[0] and b[2] <= x1 and y0 <= b[1] and b[3] <= y1
    assert not x0 <= yerevan.lon <= x1


def test_all_extent_and_unknown_extent(bundled: kr.RoadModel, figs: list[Figure]) -> None:
    b = network_bounds(bundled)
    for pl in bundled.places.values():
        assert b[0] < pl.lon < b[2] and b[1] < pl.lat < b[3]
    assert map_bounds(bundled, "all") == b
    with pytest.raises(ValueError, match="contested, all"):
        static_map(bundled, on="2023-07-20", extent="world")


def test_contested_extent_without_those_routes(fixture_model: kr.RoadModel) -> None:
    assert contested_bounds(fixture_model) == network_bounds(fixture_model)


# -- trip headline ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("a", "b", "on", "traffic", "answer"), [
    ("Goris", "Stepanakert", "2023-07-20", "humanitarian", "no"),
    ("Goris", "Stepanakert", "2023-09-18", "humanitarian", "yes"),
    ("Aghdam", "Khankendi", "2023-09-12", "humanitarian", "yes"),
    ("Goris", "Stepanakert", "2022-12-20", "civilian", "disputed"),
])
def test_trip_headline_matches_reach(bundled: kr.RoadModel, figs: list[Figure], a: str, b: str, on: str,
                                     traffic: str, answer: str) -> None:
    r = bundled.reach(a, b, on=on, traffic=traffic)
    assert r.answer == answer
    top, why = trip_headline(r, bundled)
    assert top.endswith(f": {answer.upper()}") and on in top and traffic in top and "consensus view" in top
    decisive = {"no": r.blocked_by, "disputed": r.disputed, "unknown": r.unknown}.get(answer, [])
    runs = stretches(bundled, decisive, r.origin)
    assert sum(n for *_, n in runs) == len(decisive)
    for a_name, b_name, _ in runs:
        assert f"from {a_name} to {b_name}" in why
    if answer == "yes":
        assert why.startswith("Open all the way") and f"{len(r.segments or [])} segment" in why
    fig = make(figs, bundled, on=on, traffic=traffic, path=(a, b))
    texts = by_gid(fig, "")
    assert flat(texts["headline"].get_text()) == top
    assert flat(texts["headline-detail"].get_text()) == why
    assert texts["headline"].get_fontsize() > texts["title"].get_fontsize()
    trip = lines(fig, "trip:")
    assert set(trip) == set(r.segments or r.blocked_by) == set(lines(fig, "trip-core:"))
    for ln in trip.values():
        assert to_hex(ln.get_color()).upper() == TRIP_OVERLAY[0].upper()
        assert ln.get_zorder() < min(s.get_zorder() for s in lines(fig, "segment:").values())


def test_passages_drawn_under_the_roads(bundled: kr.RoadModel, figs: list[Figure]) -> None:
    fig = make(figs, bundled, on="2023-09-12")
    passages = bundled.timeline.passages(on="2023-09-12")
    drawn = lines(fig, "passage:")
    assert passages and set(drawn) == {p["segment"] for p in passages}
    roads = lines(fig, "segment:")
    for ln in drawn.values():
        assert to_hex(ln.get_color()).upper() == PASSAGE_OVERLAY[0].upper()
        assert ln.get_zorder() < min(s.get_zorder() for s in roads.values())


def test_trip_without_traffic_uses_civilian(bundled: kr.RoadModel, figs: list[Figure]) -> None:
    fig = make(figs, bundled, on="2023-07-20", path=("Goris", "Stepanakert"))
    r = bundled.reach("Goris", "Stepanakert", on="2023-07-20", traffic="civilian")
    assert flat(by_gid(fig, "")["headline"].get_text()) == trip_headline(r, bundled)[0]


# -- hostile text ----------------------------------------------------------------------------------

HOSTILE_PLACE = r"$x$ {{ 7*7 }} \n <b>bold</b> 50$ and $\undefinedcmd{"
HOSTILE_SEGMENT = r"$\frac{1}{2}$ {% raw %} \n <script>x</script>"


@pytest.fixture
def hostile_model(tmp_path: Path) -> kr.RoadModel:
    files = write_fixture(tmp_path)
    places = json.loads(files["places"].read_text(encoding="utf-8"))
    places["features"][0]["properties"]["name"] = HOSTILE_PLACE
    files["places"].write_text(json.dumps(places), encoding="utf-8")
    segs = json.loads(files["segments"].read_text(encoding="utf-8"))
    for f in segs["features"]:
        f["properties"]["name"] = HOSTILE_SEGMENT + " " + f["properties"]["id"]
    files["segments"].write_text(json.dumps(segs), encoding="utf-8")
    return kr.load(**{k: str(v) for k, v in files.items()})


def test_hostile_text_drawn_literally(hostile_model: kr.RoadModel, figs: list[Figure], tmp_path: Path) -> None:
    r = hostile_model.reach("west", "far", on="2021-05-20", traffic="civilian")
    assert r.answer == "no"
    fig = make(figs, hostile_model, on="2021-05-20", traffic="civilian", path=("west", "far"))
    texts = by_gid(fig, "")
    assert flat(texts["place:west"].get_text()) == flat(HOSTILE_PLACE)
    assert HOSTILE_PLACE.split()[0] in texts["headline"].get_text()
    assert flat(texts["headline-detail"].get_text()) == trip_headline(r, hostile_model)[1]
    every = [*fig.texts, *fig.axes[0].texts, *fig.legends[0].get_texts(), fig.legends[0].get_title()]
    for t in every:
        assert t.get_parse_math() is False and t.get_usetex() is False
    # Saving renders every text: mathtext would fail on the unbalanced "$\undefinedcmd{".
    save_static_map(fig, tmp_path / "m.png")
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        save_static_map(fig, tmp_path / "m.svg")
    svg = (tmp_path / "m.svg").read_text(encoding="utf-8")
    ET.fromstring(svg)
    assert "$x$ {{ 7*7 }} \\n &lt;b&gt;bold&lt;/b&gt;" in svg
    assert "<script>" not in svg


def test_hostile_text_under_usetex_rc(hostile_model: kr.RoadModel, figs: list[Figure], tmp_path: Path) -> None:
    with matplotlib.rc_context({"text.usetex": True, "text.parse_math": True}):
        fig = make(figs, hostile_model, on="2021-03-11")
        save_static_map(fig, tmp_path / "m.pdf")
    assert (tmp_path / "m.pdf").read_bytes().startswith(b"%PDF")


# -- files -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", sorted(STATIC_FORMATS))
def test_save_formats(fixture_model: kr.RoadModel, figs: list[Figure], tmp_path: Path, suffix: str) -> None:
    fig = make(figs, fixture_model, on="2021-03-11")
    folder = tmp_path / "out"
    folder.mkdir()
    out = save_static_map(fig, folder / f"map{suffix.upper()}")
    data = out.read_bytes()
    assert {".png": data.startswith(b"\x89PNG\r\n\x1a\n"), ".pdf": data.startswith(b"%PDF"),
            ".svg": data.lstrip().startswith(b"<?xml")}[suffix]
    assert [p.name for p in folder.iterdir()] == [out.name]  # atomic: no temporary file left


def test_save_refuses_other_suffixes(fixture_model: kr.RoadModel, figs: list[Figure], tmp_path: Path) -> None:
    fig = make(figs, fixture_model, on="2021-03-11")
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(ValueError, match=r"\.png, \.svg, \.pdf"):
        save_static_map(fig, folder / "map.gif")
    assert list(folder.iterdir()) == []


# -- CLI -------------------------------------------------------------------------------------------


def data_args(files: dict[str, Path]) -> list[str]:
    return [a for k, v in files.items() for a in (f"--{k}", str(v))]


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf", ".PNG"])
def test_cli_writes_static_map(capsys: pytest.CaptureFixture[str], fixture_files: dict[str, Path], tmp_path: Path,
                               suffix: str) -> None:
    out = tmp_path / f"map{suffix}"
    code = main(["map", "--on", "2021-03-11", "--path", "west", "far", "-o", str(out), *data_args(fixture_files)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.strip() == f"wrote {out}"
    data = out.read_bytes()
    if suffix.lower() == ".png":
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
    elif suffix == ".svg":
        assert ET.fromstring(data).tag.endswith("svg")
    else:
        assert data.startswith(b"%PDF")


def test_cli_bundled_static_map(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "map.png"
    code = main(["map", "--on", "2023-07-20", "--traffic", "humanitarian", "--path", "Goris", "Stepanakert",
                 "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    assert out.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("name", ["map.gif", "map.JPG", "map.webp", "map.eps"])
def test_cli_refuses_other_image_suffixes(capsys: pytest.CaptureFixture[str], fixture_files: dict[str, Path],
                                          tmp_path: Path, name: str) -> None:
    out = tmp_path / name
    code = main(["map", "--on", "2021-03-11", "-o", str(out), *data_args(fixture_files)])
    err = capsys.readouterr().err
    assert code == 2
    for valid in (".html", ".png", ".svg", ".pdf"):
        assert valid in err
    assert not out.exists()


@pytest.mark.parametrize("name", ["map.html", "map.htm", "map.out"])
def test_cli_html_map_still_html(capsys: pytest.CaptureFixture[str], fixture_files: dict[str, Path], tmp_path: Path,
                                 name: str) -> None:
    out = tmp_path / name
    code = main(["map", "--on", "2021-03-11", "--offline", "-o", str(out), *data_args(fixture_files)])
    assert code == 0, capsys.readouterr().err
    assert out.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")


def test_cli_static_map_keeps_output_checks(capsys: pytest.CaptureFixture[str], fixture_files: dict[str, Path],
                                            tmp_path: Path) -> None:
    out = tmp_path / "no" / "m.png"
    code = main(["map", "--on", "2021-03-11", "-o", str(out), *data_args(fixture_files)])
    assert code == 2 and f"cannot write {out}: No such file or directory" in capsys.readouterr().err
    folder = tmp_path / "dir.png"
    folder.mkdir()
    code = main(["map", "--on", "2021-03-11", "-o", str(folder), *data_args(fixture_files)])
    assert code == 2 and "is a folder" in capsys.readouterr().err


def test_cli_static_map_bad_date(capsys: pytest.CaptureFixture[str], fixture_files: dict[str, Path],
                                 tmp_path: Path) -> None:
    out = tmp_path / "m.png"
    code = main(["map", "--on", "2021-02-30", "-o", str(out), *data_args(fixture_files)])
    assert code == 2 and not out.exists()


# -- no folium -------------------------------------------------------------------------------------

_NO_PACKAGE_INIT = """
import os, sys, types
import karabakh_routes
pkg = types.ModuleType("karabakh_routes.maps")  # the package without its __init__ (which imports date_map)
pkg.__path__ = [os.path.join(os.path.dirname(karabakh_routes.__file__), "maps")]
sys.modules["karabakh_routes.maps"] = pkg
"""


@pytest.mark.parametrize("module", ["static", "extent", "headline"])
def test_static_modules_do_not_import_folium(module: str) -> None:
    code = (_NO_PACKAGE_INIT + f"import karabakh_routes.maps.{module}\n"
            "assert 'folium' not in sys.modules, 'folium imported'\nassert 'jinja2' not in sys.modules\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
