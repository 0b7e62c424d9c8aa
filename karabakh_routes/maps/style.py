"""Status styles: colour *and* dash pattern, readable in greyscale and by colour-blind readers.

Colours come from the Okabe–Ito palette (designed to stay distinguishable under the
common colour-vision deficiencies); each status also has its own dash pattern, so a
map printed in greyscale still reads. ``disputed`` is Okabe–Ito vermillion darkened by
20 %: the reddish purple it replaced came within 8 CAM02-UCS units of the ``unknown``
grey under simulated deuteranopia, and plain vermillion is as close to the orange of
``restricted``. ``partly_open`` (a lighter, brighter blue than ``open``) and ``partly_closed``
(a dark plum beside the black of ``closed``) were chosen by a search over sRGB for the largest
smallest distance to the other five under all three simulations, with at least 2.2:1 contrast
against white so the lines stay visible on light tiles. ``tests/test_palette.py`` checks every
pair under deuteranopia, protanopia and tritanopia.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..region import DEFAULT_ATTRIBUTION

__all__ = ["ATTRIBUTION", "StatusStyle", "STATUS_STYLES", "STATUS_LABELS", "PASSAGE_OVERLAY", "TRIP_OVERLAY", "TRIP_CORE",
           "style_for"]


@dataclass(frozen=True)
class StatusStyle:
    """How a status is drawn."""

    color: str
    dash: str | None  # SVG stroke-dasharray, None = solid
    weight: int
    label: str

    def leaflet(self) -> dict[str, object]:
        """Return the Leaflet path options that draw this style."""
        return {"color": self.color, "weight": self.weight, "opacity": 0.95, "dashArray": self.dash, "lineCap": "butt"}


#: Style per segment status.
STATUS_STYLES: dict[str, StatusStyle] = {
    "open": StatusStyle("#0072B2", None, 5, "open (all traffic)"),
    "partly_open": StatusStyle("#00BBEE", "10 3", 5, "open for some classes, no claim about the others"),
    "restricted": StatusStyle("#E69F00", "12 6", 5, "restricted (some classes pass, others not)"),
    "partly_closed": StatusStyle("#553344", "2 3 2 8", 5, "closed for some classes, no claim about the others"),
    "closed": StatusStyle("#000000", "3 3", 6, "closed (all traffic)"),
    "disputed": StatusStyle("#AA4B00", "14 5 3 5", 6, "disputed (claims differ)"),
    "unknown": StatusStyle("#8C8C8C", "1 10", 4, "unknown (no claim)"),
}
#: Highlight bands drawn *under* the roads (a casing each side of the line): (colour, weight, opacity).
#: Chosen by a search over sRGB for colours more than 20 CAM02-UCS units from every status
#: colour under normal vision, deuteranopia, protanopia and tritanopia, over white tiles and the
#: grey offline background, and at least 10 units from those backgrounds (visible as a band).
#: Only two regions of colour space qualify: a pale green and a dark blue. The passage band is
#: the pale green (a highlighter); the trip is a dark-blue casing with a white core
#: (:data:`TRIP_CORE`), so every status line, black included, stays readable on it.
#: The light blue the passage used before came within 11 units of ``partly_open`` under tritanopia;
#: the yellow of the trip within 18 of ``restricted`` under deuteranopia.
PASSAGE_OVERLAY = ("#BEFFA0", 14, 1.0)  # a convoy passage reported that day
TRIP_OVERLAY = ("#00009B", 20, 1.0)  # the highlighted reachability path (outer casing)
TRIP_CORE = ("#FFFFFF", 11, 1.0)  # drawn over TRIP_OVERLAY, under the road

#: The attribution line of a map whose dataset has no ``region.json`` (HTML and static); a
#: dataset's own is ``model.region.attribution`` (:mod:`karabakh_routes.region`).
ATTRIBUTION = DEFAULT_ATTRIBUTION

#: Short label per status.
STATUS_LABELS = {k: v.label for k, v in STATUS_STYLES.items()}


def style_for(status: str) -> StatusStyle:
    """Return the style of a status (``unknown`` for anything else)."""
    return STATUS_STYLES.get(status, STATUS_STYLES["unknown"])
