"""Folium maps of road status: a date map, and (see :mod:`.timeline_map`) a time slider map."""

from __future__ import annotations

from .date_map import date_map
from .static import save_static_map, static_map
from .style import STATUS_STYLES, style_for
from .timeline_map import timeline_map

__all__ = ["date_map", "timeline_map", "static_map", "save_static_map", "STATUS_STYLES", "style_for"]
