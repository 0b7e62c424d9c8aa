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

from .timeline import DEFAULT_HORIZON, Horizon, parse_horizon

if TYPE_CHECKING:
    from .timeline import Timeline

__all__ = ["data_range", "outside_note"]

_RANGES: weakref.WeakKeyDictionary[Timeline, dict[int | None, tuple[dt.date, dt.date, dt.date | None] | None]] = (
    weakref.WeakKeyDictionary())


def _horizon(horizon: Horizon) -> int | None:
    return DEFAULT_HORIZON if horizon == "default" else parse_horizon(horizon)


def _bounds(timeline: Timeline, hz: int | None) -> tuple[dt.date, dt.date, dt.date | None] | None:
    """Return (first day, last evidence day, last day in range or None = no bound), cached per timeline."""
    per = _RANGES.setdefault(timeline, {})
    if hz not in per:
        evidence = [e for e in timeline.ledger.events if e.type != "baseline"]
        if not evidence:
            per[hz] = None
        else:
            first = min(e.start.lower for e in evidence)
            last = max(max(timeline.as_of(e.id), e.end.upper if e.end is not None else e.start.lower) for e in evidence)
            end = None if hz is None else (last + dt.timedelta(days=hz) if (dt.date.max - last).days > hz else dt.date.max)
            per[hz] = (first, last, end)
    return per[hz]


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
    hz = _horizon(horizon)
    b = _bounds(timeline, hz)
    if b is None:
        return f"{day.isoformat()}: the data holds no claim at all; nothing in it speaks about any date"
    first, last, end = b
    if day < first:
        return (f"{day.isoformat()} is before the first claim in the data ({first.isoformat()}): "
                "no claim speaks about this date")
    if end is not None and day > end:
        return (f"{day.isoformat()} is after the data's range: its latest claim speaks up to {last.isoformat()} "
                f"and claims are carried at most {hz} day(s) past that (to {end.isoformat()}); "
                "no claim speaks about this date")
    return ""
