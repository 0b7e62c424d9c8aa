"""Folium maps of road status: a date map, and (see :mod:`.timeline_map`) a time slider map."""

from __future__ import annotations

from .date_map import date_map
from .style import STATUS_STYLES, style_for

__all__ = ["date_map", "STATUS_STYLES", "style_for"]
