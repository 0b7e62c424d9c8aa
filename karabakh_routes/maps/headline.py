"""The headline of a trip map, in words consistent with :func:`karabakh_routes.reach.reach` (no folium import)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..network import place_index

if TYPE_CHECKING:
    from ..model import RoadModel
    from ..reach import Reach

__all__ = ["trip_headline", "segment_names", "stretches", "label_text"]


def segment_names(model: RoadModel, keys: list[str]) -> list[str]:
    """Return the display name of each segment key (the key itself when the segment has no name)."""
    names: dict[str, str] = {k: str(d.get("name") or k) for _, _, k, d in model.G.edges(keys=True, data=True)}
    return [names.get(k, k) for k in keys]


def label_text(name: str) -> str:
    """The text of a place's map label: its display name without a trailing parenthesis.

    The full name stays in the place's popup.

    >>> label_text("Hakari bridge (Armenia–Azerbaijan border)")
    'Hakari bridge'
    >>> label_text("Berdzor / Lachin")
    'Berdzor / Lachin'
    """
    short = re.sub(r"\s*\([^()]*\)\s*$", "", name).strip()
    return short or name


def stretches(model: RoadModel, keys: list[str], origin: str | None = None) -> list[tuple[str, str, int]]:
    """Group segment keys, in path order, into runs that join end to end: ``(from, to, n segments)``.

    The ends are place display names (without a trailing parenthesis), so a run of six
    closed segments reads "from Hakari bridge to Khankendi / Stepanakert" rather than six
    segment names. With ``origin`` (a place id), each run reads in the direction of travel:
    from its end nearer the origin by road.

    >>> from karabakh_routes import load
    >>> m = load()
    >>> stretches(m, ["kornidzor__tegh", "hakari_bridge__kornidzor"])
    [('Tegh', 'Hakari bridge', 2)]
    """
    ends = {k: (u, v) for u, v, k in model.G.edges(keys=True)}
    names = {n: label_text(str(d.get("name") or n)) for n, d in model.G.nodes(data=True)}
    runs: list[list[str]] = []  # each run: the places in order
    counts: list[int] = []
    for k in keys:
        u, v = ends.get(k, (k, k))
        if runs and runs[-1][-1] in (u, v):
            runs[-1].append(v if runs[-1][-1] == u else u)
            counts[-1] += 1
        elif runs and len(runs[-1]) == 2 and runs[-1][0] in (u, v):  # the first segment was read backwards
            runs[-1].reverse()
            runs[-1].append(v if runs[-1][-1] == u else u)
            counts[-1] += 1
        else:
            runs.append([u, v])
            counts.append(1)
    if origin is not None and origin in model.G:
        import networkx as nx

        dist = nx.single_source_dijkstra_path_length(model.G, origin, weight="length_km")
        runs = [r[::-1] if dist.get(r[0], float("inf")) > dist.get(r[-1], float("inf")) else r for r in runs]
    return [(names.get(r[0], r[0]), names.get(r[-1], r[-1]), n) for r, n in zip(runs, counts)]


def _stretch_text(model: RoadModel, keys: list[str], origin: str) -> str:
    runs = stretches(model, keys, origin)
    return "; ".join(f"from {a} to {b} ({n} segment{'s' if n != 1 else ''})" for a, b, n in runs)


def trip_headline(r: Reach, model: RoadModel) -> tuple[str, str]:
    """Return the two lines that head a trip map: the answer, then the segments behind it.

    The first line names origin and destination, the traffic class, the date and the view,
    and ends with the answer in capitals; the second names the segments that decide it:
    ``blocked_by`` for ``no``, ``disputed`` / ``unknown`` for those answers (as stretches
    between places, see :func:`stretches`), and the length of the open path for ``yes``. Both
    come straight from ``r`` (no recomputation).

    >>> from karabakh_routes import load
    >>> m = load()
    >>> top, why = trip_headline(m.reach("Goris", "Stepanakert", on="2023-07-20", traffic="humanitarian"), m)
    >>> top
    'Goris → Khankendi / Stepanakert · humanitarian · 2023-07-20 · consensus view: NO'
    >>> why
    'Blocked from Hakari bridge to Khankendi / Stepanakert (6 segments)'

    """
    places = place_index(model.G).places
    a = places[r.origin].name if r.origin in places else r.origin
    b = places[r.destination].name if r.destination in places else r.destination
    top = f"{a} → {b} · {r.traffic} · {r.on.isoformat()} · {r.view} view: {r.answer.upper()}"
    if r.answer == "no":
        why = "Blocked " + _stretch_text(model, r.blocked_by, r.origin) if r.blocked_by else "No road connects them"
    elif r.answer == "disputed":
        why = "Sources disagree " + _stretch_text(model, r.disputed, r.origin)
    elif r.answer == "unknown":
        why = "No source reports on the road " + _stretch_text(model, r.unknown, r.origin)
    else:
        km = f", {r.length_km:.0f} km" if r.length_km is not None else ""
        n = len(r.segments or [])
        why = f"Open all the way: {n} segment{'s' if n != 1 else ''}{km}"
    return top, why
