"""Make a folium map self-contained: Leaflet inlined from ``xstatic-leaflet``, no CDN.

Every map of this package inlines Leaflet (:func:`inline_leaflet`), online or not, so a
saved page draws its roads wherever it is opened; an online map only adds a tile layer,
which fails quietly (blank tiles, no script error) without a network.
"""

from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path
from typing import Any

import folium

from ._elements import Raw

__all__ = ["inline_leaflet", "make_offline", "leaflet_assets", "root_header"]


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


#: The two jQuery calls folium's own templates make (``$(`<div>...</div>`)[0]`` in
#: ``folium.Popup`` and ``$(document).ready(f)`` in ``folium.Map``), without jQuery.
_JQUERY_SHIM = """<script>/* karabakh_routes: stand-in for the jQuery calls in folium's templates */
window.$ = window.$ || function (x) {
  if (typeof x === "string") {
    var t = document.createElement("template");
    t.innerHTML = x.trim();
    return Array.prototype.slice.call(t.content.childNodes);
  }
  return {ready: function (f) {
    if (document.readyState !== "loading") { f(); } else { document.addEventListener("DOMContentLoaded", f); }
  }};
};
</script>"""


def root_header(fmap: folium.Map) -> Any:
    """Return the ``<head>`` element of the map's HTML document (a branca ``Figure``)."""
    root: Any = fmap.get_root()
    return root.header


def inline_leaflet(fmap: folium.Map) -> folium.Map:
    """Inline Leaflet into ``fmap`` and drop every external script and stylesheet.

    Folium's defaults (jQuery, Bootstrap, Font Awesome) are not needed by the elements
    this package adds; they are removed from this map instance only. The two jQuery
    calls that folium's own templates make (building popup content, ``$(document).ready``)
    get a small stand-in, so popups work without jQuery.
    """
    version, js, css = leaflet_assets()
    fmap.default_js = []
    fmap.default_css = []
    header = root_header(fmap)
    header.add_child(Raw(f"<style>/* Leaflet {version} (xstatic-leaflet) */\n{css}</style>"), name="leaflet_css_inline")
    header.add_child(Raw(f"<script>/* Leaflet {version} (xstatic-leaflet) */\n{js}</script>"), name="leaflet_js_inline")
    header.add_child(Raw(_JQUERY_SHIM), name="jquery_shim_inline")
    return fmap


def make_offline(fmap: folium.Map) -> folium.Map:
    """Inline Leaflet (:func:`inline_leaflet`); add no tile layer to a map made offline.

    Kept under this name for callers of earlier versions: the maps of this package inline
    Leaflet in every case, and ``offline=True`` means no tile layer, hence no request at all.
    """
    return inline_leaflet(fmap)
