"""Map elements that render their templates once: no data string is ever compiled as a template.

branca renders a ``MacroElement`` by calling its Jinja macros and wrapping each result in
a new ``branca.element.Element``, whose constructor compiles the *output* as a Jinja
template and renders it a second time when the page is built. Any ``{{ }}``, ``{% %}`` or
``{#`` that reached the output from data (a place name, a quote) would then be evaluated:
``{{ 7*7 }}`` would print ``49``, ``{{ lipsum.__globals__... }}`` would run code, an
unbalanced ``{{`` would crash the render.

The classes here close that path at its root:

* :class:`Raw` puts text into the page exactly as given; it has no template at all.
* :class:`RenderOnce` is a ``MacroElement`` whose macros are rendered once, with the data
  as template variables, and whose output goes into the page as :class:`Raw`.
* ``Map``, ``FeatureGroup``, ``GeoJson``, ``PolyLine``, ``CircleMarker``, ``Tooltip``,
  ``Popup``, ``LayerControl``, ``FitBounds`` and ``TileLayer`` are folium's own elements
  with :class:`RenderOnce` under them (``Popup`` replaces folium's ``render``, which
  builds its own ``Element``); the maps of this package use only these.

Elements that folium adds by itself while rendering (``ElementAddToElement``,
``JavascriptLink``, ``CssLink``, class includes) carry generated names and fixed URLs,
never data. ``tests/test_template_injection.py`` checks both: every element of every map
that can carry data renders once, and template syntax in every text field of every input
file reaches the page literally.
"""

from __future__ import annotations

from typing import Any

import folium
import folium.map
from branca.element import Element, Figure, MacroElement

__all__ = [
    "Raw",
    "RenderOnce",
    "Map",
    "FeatureGroup",
    "GeoJson",
    "PolyLine",
    "CircleMarker",
    "Tooltip",
    "Popup",
    "LayerControl",
    "FitBounds",
    "TileLayer",
]


class Raw(Element):
    """Text placed in the page exactly as given: never compiled or rendered as a template.

    Examples
    --------
    >>> Raw("{{ 7*7 }}").render()
    '{{ 7*7 }}'
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Raw"
        self.text = str(text)

    def render(self, **kwargs: Any) -> str:
        """Return the text unchanged."""
        return self.text


def _figure(element: Element) -> Figure:
    figure = element.get_root()
    if not isinstance(figure, Figure):
        msg = f"{type(element).__name__} can only be rendered inside a branca Figure (e.g. a folium.Map's root)."
        raise TypeError(msg)
    return figure


class RenderOnce(MacroElement):
    """A ``MacroElement`` whose macro output is added to the page as :class:`Raw`.

    Same behaviour as ``MacroElement.render`` (the ``header``, ``html`` and ``script``
    macros go to the figure's parts under the element's name; children render after),
    except that the output is not compiled and rendered as a template a second time.
    """

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # as MacroElement.render: no return
        """Render the macros once into the figure, then the children."""
        figure = _figure(self)
        module = self._template.module.__dict__
        for part in ("header", "html", "script"):
            macro = module.get(part)
            if macro is not None:
                getattr(figure, part).add_child(Raw(macro(self, kwargs)), name=self.get_name())
        for child in list(self._children.values()):
            child.render(**kwargs)


class Map(folium.Map, RenderOnce):
    """``folium.Map`` rendered once (see the module docstring)."""


class FeatureGroup(folium.FeatureGroup, RenderOnce):
    """``folium.FeatureGroup`` rendered once."""


class GeoJson(folium.GeoJson, RenderOnce):
    """``folium.GeoJson`` rendered once: its data and styles are template variables only."""


class PolyLine(folium.PolyLine, RenderOnce):
    """``folium.PolyLine`` rendered once."""


class CircleMarker(folium.CircleMarker, RenderOnce):  # type: ignore[misc]  # Marker.render takes no kwargs
    """``folium.CircleMarker`` rendered once."""


class Tooltip(folium.Tooltip, RenderOnce):
    """``folium.Tooltip`` rendered once; its text must already be escaped HTML."""


class LayerControl(folium.LayerControl, RenderOnce):
    """``folium.LayerControl`` rendered once."""


class FitBounds(folium.map.FitBounds, RenderOnce):
    """``folium.map.FitBounds`` rendered once."""


class TileLayer(folium.TileLayer, RenderOnce):
    """``folium.TileLayer`` rendered once."""


class Popup(folium.Popup, RenderOnce):
    """``folium.Popup`` rendered once; its HTML must already be escaped.

    folium's ``Popup.render`` wraps its output in a new ``Element`` itself, so it is
    replaced here rather than inherited.
    """

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # as folium.Popup.render: no return
        """Render the popup's HTML children, then its script once."""
        for child in list(self._children.values()):
            child.render(**kwargs)
        _figure(self).script.add_child(Raw(self._template.render(this=self, kwargs=kwargs)), name=self.get_name())
