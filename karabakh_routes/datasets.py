"""Paths to the bundled geodata shipped inside the package."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["bundled_path", "BUNDLED_FILES"]

#: Names of the bundled files, by role.
BUNDLED_FILES = {
    "places": "places.geojson",
    "segments": "segments.geojson",
    "routes": "routes.json",
    "events": "events.csv",
    "sources": "sources.csv",
}


def bundled_path(kind: str) -> Path:
    """Return the path of a bundled data file.

    Parameters
    ----------
    kind
        One of ``places``, ``segments``, ``routes``, ``events``, ``sources``.

    Returns
    -------
    pathlib.Path
        The file inside the installed package.

    Examples
    --------
    >>> bundled_path("events").name
    'events.csv'
    """
    try:
        name = BUNDLED_FILES[kind]
    except KeyError:
        msg = f"Unknown bundled file kind {kind!r}; use one of {', '.join(BUNDLED_FILES)}."
        raise ValueError(msg) from None
    return Path(str(resources.files("karabakh_routes") / "geodata" / name))
