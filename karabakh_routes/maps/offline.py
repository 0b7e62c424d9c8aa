"""Make a folium map self-contained: Leaflet inlined from ``xstatic-leaflet``, no CDN."""

from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path

import folium
from branca.element import Element

__all__ = ["make_offline", "leaflet_assets"]


@lru_cache(maxsize=1)
def leaflet_assets() -> tuple[str, str, str]:
    """Return (version, leaflet.js, leaflet.css) from the ``xstatic-leaflet`` package.

    The CSS's image references are inlined as data URIs so nothing is fetched.
    """
    import xstatic.pkg.leaflet as xl

    base = Path(xl.BASE_DIR)
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    css = (base / "leaflet.css").read_text(encoding="utf-8")
    images = base / "images"
    if images.is_dir():
        for img in images.glob("*.png"):
            data = base64.b64encode(img.read_bytes()).decode("ascii")
            css = css.replace(f"images/{img.name}", f"data:image/png;base64,{data}")
    return str(xl.VERSION), js, css


def make_offline(fmap: folium.Map) -> folium.Map:
    """Inline Leaflet into ``fmap`` and drop every external script and stylesheet.

    Folium's defaults (jQuery, Bootstrap, Font Awesome) are not needed by the elements
    this package adds; they are removed from this map instance only.
    """
    version, js, css = leaflet_assets()
    fmap.default_js = []
    fmap.default_css = []
    header = fmap.get_root().header
    header.add_child(Element(f"<style>/* Leaflet {version} (xstatic-leaflet) */\n{css}</style>"), name="leaflet_css_inline")
    header.add_child(Element(f"<script>/* Leaflet {version} (xstatic-leaflet) */\n{js}</script>"), name="leaflet_js_inline")
    return fmap
