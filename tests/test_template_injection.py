"""Data is never code: Jinja syntax in every text field of every input file reaches the maps literally.

branca compiles a ``MacroElement``'s output as a new template; the maps' elements render
once (``karabakh_routes.maps._elements``), so nothing in the data is ever evaluated. The
browser half of this check (nothing runs, the text shows literally) is in test_browser.py.
"""

from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
from branca.element import Element, MacroElement
from conftest import EVENT_HEADER, EVENTS, SOURCES, write_fixture

import karabakh_routes as kr
from karabakh_routes.cli import main
from karabakh_routes.maps import _elements, date_map
from karabakh_routes.maps.timeline_map import timeline_map

#: Evaluated, each part would leave a trace that the literal text does not contain
#: (``krEVAL``, ``krLOOPkrLOOP``, a dropped comment, ``krRAW`` without its tags), or
#: make the render fail (``{{citation needed}}``), or build a tag without ``<`` or ``>``.
TEMPLATE = ('{{ "kr" ~ "EVAL" }} {% for i in range(2) %}krLOOP{% endfor %} {# krCOMMENT #} '
            '{%raw%}krRAW{%endraw%} {{citation needed}} {{ lipsum.__globals__.os.getcwd() }} '
            '{{ "%c"|format(60) }}img src=x onerror=window.__xss=1{{ "%c"|format(62) }}')
EVALUATED = ("krEVAL", "krLOOPkrLOOP", "<img src=x onerror=window.__xss=1>", "&lt;img src=x onerror")
#: Without the syntax error and the quotes (which HTML escaping would turn into ``&quot;``):
#: evaluated, this would render rather than fail, and leave ``krLOOPkrLOOP`` in the page.
TEMPLATE_VALID = "{% for i in range(2) %}krLOOP{% endfor %} {# krCOMMENT #} {%raw%}krRAW{%endraw%} {{ lipsum.__name__ }}"
_current = {"template": TEMPLATE}


def t(field: str) -> str:
    """The template text for one field, labelled so each field can be found in the page."""
    return f"{field}: {_current['template']}"


def _write_csv(path: Path, header: list[str], rows: list[list[str]] | list[dict[str, str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        if rows and isinstance(rows[0], dict):
            w = csv.DictWriter(fh, fieldnames=header)
            w.writeheader()
            w.writerows(rows)  # type: ignore[arg-type]
        else:
            w2 = csv.writer(fh)
            w2.writerow(header)
            w2.writerows(rows)  # type: ignore[arg-type]


def template_files(folder: Path) -> dict[str, Path]:
    """The fixture network with template syntax in every text field of every file (ids included)."""
    files = write_fixture(folder)
    pid = {p: f"{p} {{{{ 7*7 }}}} {{% if 1 %}}x{{% endif %}} {{#c#}}" for p in ("west", "mid", "east", "south", "far")}

    places = json.loads(files["places"].read_text(encoding="utf-8"))
    for f in places["features"]:
        old = f["properties"]["id"]
        f["properties"].update(id=pid[old], name=t(f"place name {old}"), aliases=[t(f"place alias {old}")],
                               coord_source=t(f"place coord_source {old}"), coord_precision="estimate",
                               note=t(f"place note {old}"))
    files["places"].write_text(json.dumps(places), encoding="utf-8")

    segs = json.loads(files["segments"].read_text(encoding="utf-8"))
    seg_id = {}
    for f in segs["features"]:
        p = f["properties"]
        old = p["id"]
        seg_id[old] = f"{old} {{{{ 6*7 }}}}"
        p.update(id=seg_id[old], u=pid[p["u"]], v=pid[p["v"]], name=t(f"segment name {old}"),
                 waypoints=[t(f"segment waypoint {old}")], geometry_source=t(f"segment geometry_source {old}"),
                 note=t(f"segment note {old}"))
    files["segments"].write_text(json.dumps(segs), encoding="utf-8")

    routes = json.loads(files["routes"].read_text(encoding="utf-8"))
    route_id = {}
    for r in routes:
        old = r["id"]
        route_id[old] = f"{old} {{% raw %}}"
        r.update(id=route_id[old], name=t(f"route name {old}"), aliases=[t(f"route alias {old}")],
                 description=t(f"route description {old}"))
        for a in r["alignments"]:
            a["segments"] = [seg_id[s] for s in a["segments"]]
            a["note"] = t(f"alignment note {old}")
    files["routes"].write_text(json.dumps(routes), encoding="utf-8")

    seed_name = "a1 {{ 7*7 }} {#.txt"
    (folder / "seeds" / "a1.txt").rename(folder / "seeds" / seed_name)
    sources = [dict(s) for s in SOURCES]
    for s in sources:
        s.update(title=t(f"source title {s['id']}"), publisher=t(f"source publisher {s['id']}"))
        if s["url"]:
            s["url"] += "/{{7*7}}{%raw%}"
    sources[2]["seed"] = seed_name
    _write_csv(files["sources"], list(SOURCES[0]), sources)

    events = []
    for row in EVENTS:
        r = list(row)
        old_targets = r[3].split("|")
        r[3] = "|".join(route_id.get(x) or seg_id[x] for x in old_targets)
        r[9] = t(f"claimant {r[9]}")
        if not r[11]:  # quotes from the bundled article stay verbatim; the others get template text
            r[11] = t(f"quote {r[0]}")
        r[12] = t(f"note {r[0]}")
        events.append(r)
    # one more claim: a one-way opening towards a place whose id is template text
    events.append(["E6 {{ 7*7 }}", "2021-03-20", "", seg_id["east__far"], "opening", "open", "", "", pid["far"],
                   t("claimant Z"), "S2", t("quote E6"), t("note E6")])
    _write_csv(files["events"], EVENT_HEADER, events)
    return files


@pytest.fixture(params=["with a syntax error", "valid Jinja"])
def files(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    _current["template"] = TEMPLATE if request.param == "with a syntax error" else TEMPLATE_VALID
    yield template_files(tmp_path)
    _current["template"] = TEMPLATE


@pytest.fixture
def model(files: dict[str, Path]) -> kr.RoadModel:
    return kr.load(**{k: str(v) for k, v in files.items()})


def _maps(m: kr.RoadModel) -> dict[str, Any]:
    origin = next(iter(m.G.nodes))
    dest = [n for n in m.G.nodes if n.startswith("far")][0]
    return {
        "date offline": date_map(m, on="2021-03-20", offline=True, path=(origin, dest)),
        "date online": date_map(m, on="2021-03-20", traffic="humanitarian", path=(origin, dest)),
        "date strict": date_map(m, on="2021-03-20", traffic="civilian", view="strict"),
        "timeline offline": timeline_map(m, offline=True),
        "timeline online": timeline_map(m, start="2021-03-01", end="2021-04-01", traffic="civilian"),
        "date area": date_map(m, on="2021-03-20", offline=True, path=(origin, dest), bbox=kr.bbox_around(m, origin, 80)),
        "timeline area": timeline_map(m, offline=True, bbox=AREA),
    }


#: A box holding the whole fixture network (its places lie within 46.0-46.6°E, 39.3-39.6°N).
AREA = (45.9, 39.2, 46.7, 39.7)


def _shown(page: str) -> str:
    """The page's text as the browser would decode it from HTML and JavaScript strings (roughly)."""
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda mt: chr(int(mt.group(1), 16)), page)
    text = text.replace('\\"', '"').replace("\\\\", "\\")
    return html.unescape(text)


def test_template_text_is_valid_data(files: dict[str, Path]) -> None:
    args = [f"--{k}={v}" for k, v in files.items()]
    assert main(["validate", *args]) == 0


@pytest.mark.parametrize("which", ["date offline", "date online", "date strict", "timeline offline", "timeline online",
                                   "date area", "timeline area"])
def test_every_map_shows_template_text_literally(model: kr.RoadModel, which: str) -> None:
    page = _maps(model)[which].get_root().render()
    for trace in EVALUATED:
        assert trace not in page, f"template syntax from the data was evaluated: {trace!r}"
    shown = _shown(page)
    for trace in EVALUATED[:3]:
        assert trace not in shown
    # what the maps display, field by field, is the text exactly as written
    expected = [t("claimant X"), t("claimant Y"), t("note E1"), t("note E3"), t("source title S1"),
                t("source publisher S1"), t("segment name mid__east"), t("place name west"), t("place alias west"),
                t("place coord_source west")]
    if which.startswith("date"):
        expected += [t("quote E1")]
    if which == "date online":  # humanitarian traffic: E3 is a claim about civilians only
        expected.remove(t("note E3"))
    for text in expected:
        assert text in shown, f"{text[:40]!r} is shown literally"
    assert "mid__east {{ 6*7 }}" in shown and "corridor {% raw %}" in shown
    # the only links are the sources' own URLs, with their braces kept
    assert "https://example.org/1/{{7*7}}{%raw%}" in shown


@pytest.mark.parametrize("command", [["map", "--on", "2021-03-20", "--offline"], ["map", "--on", "2021-03-06"],
                                     ["timeline-map"], ["timeline-map", "--offline", "--traffic", "civilian"],
                                     ["map", "--on", "2021-03-20", "--bbox", ",".join(map(str, AREA))],
                                     ["timeline-map", "--offline", "--bbox", ",".join(map(str, AREA))]])
def test_cli_maps_write_template_text_literally(files: dict[str, Path], tmp_path: Path, command: list[str]) -> None:
    """From the command line too: exit 0, and the text as written (``{{citation needed}}`` does not crash)."""
    out = tmp_path / "out.html"
    assert main([*command, "-o", str(out), *[f"--{k}={v}" for k, v in files.items()]]) == 0
    shown = _shown(out.read_text(encoding="utf-8"))
    assert t("claimant X") in shown
    assert not any(trace in shown for trace in EVALUATED[:3])


#: Elements that folium adds by itself while rendering: generated names and fixed URLs, no data.
DATA_FREE = {"ElementAddToElement", "JavascriptLink", "CssLink", "IncludeStatement", "Html", "Element", "Figure"}


def _elements_of(root: Element) -> list[Element]:
    out, todo = [], [root]
    while todo:
        e = todo.pop()
        out.append(e)
        todo.extend(e._children.values())
        for part in ("header", "html", "script"):  # a Figure's and a Popup's parts
            sub = getattr(e, part, None)
            if isinstance(sub, Element):
                todo.append(sub)
    return out


@pytest.mark.parametrize("which", ["date offline", "date online", "timeline offline", "timeline online", "date area",
                                   "timeline area"])
def test_every_element_that_can_carry_data_renders_once(model: kr.RoadModel, which: str) -> None:
    fmap = _maps(model)[which]
    root = fmap.get_root()
    root.render()
    macro = [e for e in _elements_of(root) if isinstance(e, MacroElement)]
    assert macro
    unsafe = {type(e).__name__ for e in macro if not isinstance(e, _elements.RenderOnce)} - DATA_FREE
    assert unsafe == set(), f"these elements would compile their output as a template: {unsafe}"
    # what is compiled as a template in the page's parts holds no data: only folium's fixed text
    parts = [c for part in (root.header, root.html, root.script) for c in part._children.values()]
    compiled = [c._template_str or "" for c in parts if not isinstance(c, _elements.Raw)]
    assert compiled, "folium's own data-free elements are still there"
    assert not [src for src in compiled if "krLOOP" in src or "example.org" in src]


def test_raw_is_never_rendered_as_a_template() -> None:
    assert _elements.Raw("{{ 7*7 }} {% x %} {#").render() == "{{ 7*7 }} {% x %} {#"


def test_render_once_matches_macro_element_output() -> None:
    """The same macros, the same page parts, the same names: only the second compile is gone."""
    from jinja2 import Template

    class Plain(MacroElement):
        _template = Template("{% macro html(this, kwargs) %}<p>{{ this.x }}</p>{% endmacro %}"
                             "{% macro script(this, kwargs) %}var a = {{ this.x|tojson }};{% endmacro %}")

        def __init__(self) -> None:
            super().__init__()
            self.x = "plain text"

    class Once(_elements.RenderOnce):
        _template = Plain._template

        def __init__(self) -> None:
            super().__init__()
            self.x = "plain text"

    import folium
    a, b = folium.Map(tiles=None), folium.Map(tiles=None)
    pa, pb = Plain(), Once()
    pb._id = pa._id
    a.add_child(pa)
    b.add_child(pb)
    ra, rb = a.get_root().render(), b.get_root().render()
    assert re.sub(r"map_[0-9a-f]+", "M", ra) == re.sub(r"map_[0-9a-f]+", "M", rb)
    pa.x = pb.x = "{{ 7*7 }}"
    assert "var a = \"49\"" not in b.get_root().render() and "{{ 7*7 }}" in b.get_root().render()
