"""Accessibility of the status styles and of the text on the maps.

* Line colours stay apart under simulated colour-vision deficiency. Distances are in
  CAM02-UCS (ΔE' ≈ 1 is a just-noticeable difference between large patches). Map lines are
  a few pixels wide and must be told apart at a glance, not side by side, so we ask for
  ΔE' > 20; the Okabe–Ito reddish purple this palette used before came to 8 from the grey of
  ``unknown`` under deuteranopia, which is confusable in practice.
* Every status also has its own dash pattern, so colour is never the only cue (WCAG 1.4.1).
* Text on the title, legend, controls and popups has a contrast of at least 4.5:1 (WCAG 1.4.3).
"""

from __future__ import annotations

import importlib
import itertools
import re

import numpy as np
import pytest
from colorspacious import cspace_convert, deltaE

from karabakh_routes.maps.offline import leaflet_assets
from karabakh_routes.maps.style import PASSAGE_OVERLAY, STATUS_STYLES, TRIP_OVERLAY

# the modules, not the functions of the same name that karabakh_routes.maps exports
date_map_module = importlib.import_module("karabakh_routes.maps.date_map")
timeline_map_module = importlib.import_module("karabakh_routes.maps.timeline_map")
MIN_DELTA_E = 20.0
MIN_TEXT_CONTRAST = 4.5


def rgb(color: str) -> np.ndarray:
    """Parse ``#rgb``, ``#rrggbb`` or ``rgba(r,g,b,a)`` into sRGB1 (alpha composited later)."""
    color = color.strip()
    if color.startswith("#"):
        h = color[1:]
        if len(h) == 3:
            h = "".join(c * 2 for c in h)
        return np.array([int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)])
    m = re.fullmatch(r"rgba?\(([^)]*)\)", color)
    assert m, color
    parts = [float(p) for p in m.group(1).split(",")]
    return np.array(parts[:3]) / 255


def alpha_of(color: str) -> float:
    m = re.fullmatch(r"rgba\([^,]+,[^,]+,[^,]+,([^)]*)\)", color.strip())
    return float(m.group(1)) if m else 1.0


def luminance(c: np.ndarray) -> float:
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(lin @ np.array([0.2126, 0.7152, 0.0722]))


def contrast(fg: np.ndarray, bg: np.ndarray) -> float:
    a, b = sorted([luminance(fg), luminance(bg)], reverse=True)
    return (a + 0.05) / (b + 0.05)


def css_rules(css: str) -> dict[str, dict[str, str]]:
    """Return {selector: {property: value}} of a flat stylesheet."""
    rules: dict[str, dict[str, str]] = {}
    css = re.sub(r"/\*.*?\*/", "", re.sub(r"</?style>", "", css), flags=re.DOTALL)
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        decls = dict(
            (k.strip(), v.strip()) for k, _, v in (d.partition(":") for d in body.split(";")) if k.strip()
        )
        for sel in selectors.split(","):
            rules.setdefault(" ".join(sel.split()), {}).update(decls)
    return rules


# the slider's styles moved from timeline_map to _elements; read them wherever they are
_elements_module = importlib.import_module("karabakh_routes.maps._elements")
CSS = css_rules(date_map_module._CSS + getattr(timeline_map_module, "_CSS", "") + getattr(_elements_module, "SLIDER_CSS", ""))
LEAFLET = css_rules(leaflet_assets()[2])
WHITE = rgb("#ffffff")


def over(color: str, backdrop: np.ndarray) -> np.ndarray:
    a = alpha_of(color)
    return a * rgb(color) + (1 - a) * backdrop


# The overlay boxes are translucent: judge them over the darkest possible map (black).
BOX_BG = over(CSS[".kr-box"]["background"], np.zeros(3))
MAP_BG = rgb(LEAFLET[".leaflet-container"]["background"])  # what offline maps show behind the roads

# (what, text colour, background)
TEXT_CASES = [
    ("title", CSS[".kr-box"]["color"], BOX_BG),
    ("subtitle", CSS[".kr-subtitle"]["color"], BOX_BG),
    ("legend (inherits the box colour)", CSS[".kr-box"]["color"], BOX_BG),
    ("slider date label", CSS[".kr-date"]["color"], BOX_BG),
    ("slider 'until' label", CSS[".kr-until"]["color"], BOX_BG),
    ("play button", CSS[".kr-controls button"]["color"], rgb(CSS[".kr-controls button"]["background"])),
    ("popup text", CSS[".kr-popup"]["color"], WHITE),
    ("popup quote", CSS[".kr-popup blockquote"]["color"], WHITE),
    ("popup note", CSS[".kr-note"]["color"], WHITE),
    ("popup source", CSS[".kr-src"]["color"], WHITE),
    ("popup 'no quote'", CSS[".kr-noquote"]["color"], WHITE),
    ("popup disputed notice", CSS[".kr-popup"]["color"], rgb(CSS[".kr-disputed"]["background"])),
    ("place label on the offline map", CSS[".leaflet-tooltip.kr-place-label"]["color"], MAP_BG),
    ("place tooltip", CSS[".leaflet-tooltip.kr-place-tip"]["color"], rgb(LEAFLET[".leaflet-tooltip"]["background-color"])),
]


def cvd(colors: list[np.ndarray], kind: str | None) -> list[np.ndarray]:
    if kind is None:
        return colors
    space = {"name": "sRGB1+CVD", "cvd_type": kind, "severity": 100}
    return [np.clip(cspace_convert(c, space, "sRGB1"), 0, 1) for c in colors]


@pytest.mark.parametrize("kind", [None, "deuteranomaly", "protanomaly", "tritanomaly"])
def test_status_colours_are_distinguishable(kind: str | None) -> None:
    names = list(STATUS_STYLES)
    colors = cvd([rgb(STATUS_STYLES[n].color) for n in names], kind)
    for (a, ca), (b, cb) in itertools.combinations(zip(names, colors), 2):
        d = float(deltaE(ca, cb, input_space="sRGB1", uniform_space="CAM02-UCS"))
        assert d > MIN_DELTA_E, f"{a} vs {b} under {kind or 'normal vision'}: ΔE'={d:.1f}"


#: The highlight bands, as drawn: (name, colour, opacity).
OVERLAYS = [("convoy passage", PASSAGE_OVERLAY[0], PASSAGE_OVERLAY[2]), ("trip", TRIP_OVERLAY[0], TRIP_OVERLAY[2])]
#: What a band is seen against: OpenStreetMap's light land colour, white, and the grey of an offline map.
BACKDROPS = {"white": WHITE, "OSM land": rgb("#f2efe9"), "offline background": MAP_BG}
MIN_BAND_VISIBILITY = 10.0


def delta(a: np.ndarray, b: np.ndarray, kind: str | None) -> float:
    ca, cb = cvd([a, b], kind)
    return float(deltaE(ca, cb, input_space="sRGB1", uniform_space="CAM02-UCS"))


@pytest.mark.parametrize("kind", [None, "deuteranomaly", "protanomaly", "tritanomaly"])
@pytest.mark.parametrize(("what", "color", "opacity"), OVERLAYS, ids=[o[0] for o in OVERLAYS])
def test_highlight_bands_are_distinct_from_every_status(kind: str | None, what: str, color: str, opacity: float) -> None:
    """A passage or trip band is never read as a road status: ΔE' > 20 from each, as composited on the map."""
    for backdrop_name, backdrop in BACKDROPS.items():
        band = opacity * rgb(color) + (1 - opacity) * backdrop
        for status, st in STATUS_STYLES.items():
            d = delta(band, rgb(st.color), kind)
            assert d > MIN_DELTA_E, f"{what} band on {backdrop_name} vs {status} under {kind or 'normal vision'}: ΔE'={d:.1f}"


@pytest.mark.parametrize("kind", [None, "deuteranomaly", "protanomaly", "tritanomaly"])
def test_highlight_bands_stand_out_and_differ_from_each_other(kind: str | None) -> None:
    """Each band is visible against the map behind it, and the two bands are told apart."""
    for backdrop_name, backdrop in BACKDROPS.items():
        bands = [opacity * rgb(color) + (1 - opacity) * backdrop for _, color, opacity in OVERLAYS]
        for (what, _, _), band in zip(OVERLAYS, bands):
            d = delta(band, backdrop, kind)
            assert d >= MIN_BAND_VISIBILITY, f"{what} band on {backdrop_name} under {kind or 'normal vision'}: ΔE'={d:.1f}"
        d = delta(bands[0], bands[1], kind)
        assert d > MIN_DELTA_E, f"passage vs trip band on {backdrop_name} under {kind or 'normal vision'}: ΔE'={d:.1f}"


def dash(pattern: str | None) -> tuple[float, ...]:
    return tuple(float(x) for x in re.split(r"[\s,]+", pattern.strip())) if pattern else ()


def test_dash_patterns_are_pairwise_distinct() -> None:
    patterns = {n: dash(s.dash) for n, s in STATUS_STYLES.items()}
    assert len(set(patterns.values())) == len(patterns), patterns
    # also as shapes: the same pattern scaled up is not a different pattern
    shapes = {tuple(round(x / sum(p), 3) for x in p) if p else () for p in patterns.values()}
    assert len(shapes) == len(patterns)
    for p in patterns.values():
        assert len(p) % 2 == 0 and all(x > 0 for x in p)


def test_greyscale_keeps_closed_and_open_apart() -> None:
    """In greyscale the two statuses that matter most differ in lightness as well as in dash."""
    lo, hi = sorted([luminance(rgb(STATUS_STYLES["closed"].color)), luminance(rgb(STATUS_STYLES["open"].color))])
    assert (hi + 0.05) / (lo + 0.05) >= 3


@pytest.mark.parametrize(("what", "fg", "bg"), TEXT_CASES, ids=[c[0] for c in TEXT_CASES])
def test_text_contrast(what: str, fg: str, bg: np.ndarray) -> None:
    ratio = contrast(rgb(fg), bg)
    assert ratio >= MIN_TEXT_CONTRAST, f"{what}: {fg} on {bg}: {ratio:.2f}:1"


def test_contrast_formula_matches_wcag_reference_values() -> None:
    assert contrast(rgb("#000"), rgb("#fff")) == pytest.approx(21.0)
    assert contrast(rgb("#777777"), rgb("#ffffff")) == pytest.approx(4.48, abs=0.01)
    assert contrast(rgb("#767676"), rgb("#ffffff")) >= 4.5
