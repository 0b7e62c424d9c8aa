"""The range of dates the data speaks about, and the note an answer outside it carries.

The range runs from the first day of the earliest claim or passage to the latest as-of date
(or stated end) of any claim or passage plus the horizon (no upper bound when claims are
carried without bound). Dataset baselines do not count: they are assumptions, not evidence.
See docs/semantics.md ("Dates outside the data").
"""

from __future__ import annotations

import datetime as dt
import weakref
from typing import TYPE_CHECKING

import numpy as np

from ._columnar import KIND_BASELINE
from .timeline import DEFAULT_HORIZON, Horizon, parse_horizon

if TYPE_CHECKING:
    from .timeline import Timeline

__all__ = ["data_range", "evidence_span", "outside_note", "outside_side", "outside_span_note", "range_cuts"]

_SPANS: weakref.WeakKeyDictionary[Timeline, tuple[dt.date, dt.date] | None] = weakref.WeakKeyDictionary()


def _horizon(horizon: Horizon) -> int | None:
    return DEFAULT_HORIZON if horizon == "default" else parse_horizon(horizon)


def evidence_span(timeline: Timeline) -> tuple[dt.date, dt.date] | None:
    """The first day of the earliest claim or passage and the last day any speaks up to (None: none); kept per timeline.

    One pass over the events' columns (8 ms at a million events), made when first asked for or
    by :func:`~karabakh_routes.reach.prepare` when the data is loaded.
    """
    if timeline not in _SPANS:
        ea = timeline._ea  # (the events' columns: one pass in arrays, not one per event)
        evidence = np.flatnonzero(ea.kind != KIND_BASELINE)
        if not len(evidence):
            _SPANS[timeline] = None
        else:
            first = dt.date.fromordinal(int(ea.start_lo[evidence].min()))
            said_to = np.where(ea.has_end, ea.end_full, ea.start_lo)[evidence]  # end's latest day, else the start's earliest
            last = dt.date.fromordinal(int(np.maximum(ea.as_of[evidence], said_to).max()))
            _SPANS[timeline] = (first, last)
    return _SPANS[timeline]


def _bounds(timeline: Timeline, hz: int | None) -> tuple[dt.date, dt.date, dt.date | None] | None:
    """Return (first day, last evidence day, last day in range or None = no bound)."""
    span = evidence_span(timeline)
    if span is None:
        return None
    first, last = span
    end = None if hz is None else (last + dt.timedelta(days=hz) if (dt.date.max - last).days > hz else dt.date.max)
    return first, last, end


def data_range(timeline: Timeline, *, horizon: Horizon = "default") -> tuple[dt.date, dt.date | None] | None:
    """Return the first and last day the data speaks about (last: None without a horizon).

    None when the ledger holds no claim or passage at all.

    Examples
    --------
    >>> from karabakh_routes import load
    >>> first, last = data_range(load().timeline)
    >>> first.isoformat() <= "2020-11-10" and last.isoformat() >= "2023-09-30"
    True
    """
    b = _bounds(timeline, _horizon(horizon))
    return None if b is None else (b[0], b[2])


def outside_note(timeline: Timeline, day: dt.date, *, horizon: Horizon = "default") -> str:
    """Return a sentence saying that ``day`` lies outside the data's range, or ``""`` when inside.

    Examples
    --------
    >>> import datetime as dt
    >>> from karabakh_routes import load
    >>> outside_note(load().timeline, dt.date(2023, 7, 20))
    ''
    >>> outside_note(load().timeline, dt.date(1950, 1, 1))[:46]
    '1950-01-01 is before the first claim in the da'
    """
    return outside_span_note(timeline, day, day, horizon=horizon)


def outside_side(timeline: Timeline, day: dt.date, *, horizon: Horizon = "default") -> str:
    """Where ``day`` lies against the data's range: ``""`` (inside), ``"before"``, ``"after"`` or ``"empty"`` (no claim)."""
    b = _bounds(timeline, _horizon(horizon))
    if b is None:
        return "empty"
    first, _, end = b
    if day < first:
        return "before"
    if end is not None and day > end:
        return "after"
    return ""


def outside_span_note(timeline: Timeline, start: dt.date, end: dt.date, *, horizon: Horizon = "default") -> str:
    """:func:`outside_note` for the days ``start`` to ``end``, all on the same side of the data's range.

    Examples
    --------
    >>> import datetime as dt
    >>> from karabakh_routes import load
    >>> outside_span_note(load().timeline, dt.date(1950, 1, 1), dt.date(1950, 12, 31))[:52]
    '1950-01-01 to 1950-12-31 are before the first claim '
    """
    hz = _horizon(horizon)
    side = outside_side(timeline, start, horizon=horizon)
    days, are = ((start.isoformat(), "is") if start == end else (f"{start.isoformat()} to {end.isoformat()}", "are"))
    these = "this date" if start == end else "these dates"
    if side == "empty":
        return f"{days}: the data holds no claim at all; nothing in it speaks about any date"
    b = _bounds(timeline, hz)
    assert b is not None
    first, last, stop = b
    if side == "before":
        return f"{days} {are} before the first claim in the data ({first.isoformat()}): no claim speaks about {these}"
    if side == "after":
        assert stop is not None
        return (f"{days} {are} after the data's range: its latest claim speaks up to {last.isoformat()} "
                f"and claims are carried at most {hz} day(s) past that (to {stop.isoformat()}); "
                f"no claim speaks about {these}")
    return ""


def range_cuts(timeline: Timeline, lo: dt.date, hi: dt.date, *, horizon: Horizon = "default") -> list[dt.date]:
    """The days from ``lo`` to ``hi`` (exclusive of ``lo``) on which a range crosses into or out of the data's range."""
    b = _bounds(timeline, _horizon(horizon))
    if b is None:
        return []
    first, _, stop = b
    days = [first] + ([stop + dt.timedelta(days=1)] if stop is not None and stop < dt.date.max else [])
    return [d for d in days if lo < d <= hi]
