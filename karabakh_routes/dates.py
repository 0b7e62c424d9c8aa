"""Dates: ISO 8601 query dates and EDTF event dates with uncertainty bounds.

Event dates are written in the Library of Congress Extended Date/Time Format (EDTF),
parsed with the :mod:`edtf` package. An EDTF value is turned into a :class:`DateSpan`:

* ``lower`` / ``upper`` are the strict bounds (``2023-07`` → 1 to 31 July);
* ``earliest`` / ``latest`` widen them by one unit of the stated precision when the
  value is qualified as approximate or uncertain (``2023-07-18~`` → 17 to 19 July).

A claim *starts* on ``lower`` of its start and *ends* on ``upper`` of its end; any
query date between ``earliest`` and ``latest`` of either bound is answered and flagged
as uncertain.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass
from functools import lru_cache

from dateutil.relativedelta import relativedelta
from edtf import parse_edtf as _parse_edtf

from ._errors import DateError

__all__ = ["DateLike", "DateSpan", "parse_edtf", "to_date", "DATE_MIN", "DATE_MAX"]

DateLike = dt.date | dt.datetime | str

#: Sentinels for open-ended intervals.
DATE_MIN = dt.date(1, 1, 1)
DATE_MAX = dt.date(9999, 12, 31)

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ACCEPTED_QUERY_FORMATS = "an ISO 8601 calendar date YYYY-MM-DD (e.g. 2023-07-20) or a datetime.date"
ACCEPTED_EDTF_FORMATS = (
    "an EDTF date: YYYY-MM-DD, YYYY-MM, YYYY, with ~ (approximate) or ? (uncertain), "
    "199X (unspecified digit), or an interval A/B such as 2023-09-09/2023-09-10"
)


def to_date(value: DateLike, *, what: str = "date") -> dt.date:
    """Return ``value`` as a :class:`datetime.date`.

    Parameters
    ----------
    value
        A ``datetime.date``, a ``datetime.datetime`` (its date is used) or ISO text.
    what
        How to name the value in an error message.

    Returns
    -------
    datetime.date

    Raises
    ------
    DateError
        If the text is not a valid calendar date; the message lists the accepted format.

    Examples
    --------
    >>> to_date("2023-07-20")
    datetime.date(2023, 7, 20)
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if _ISO.match(text):
            try:
                return dt.date.fromisoformat(text)
            except ValueError:
                msg = f"Invalid {what} {value!r}: no such day. Use {ACCEPTED_QUERY_FORMATS}."
                raise DateError(msg) from None
    msg = f"Invalid {what} {value!r}. Use {ACCEPTED_QUERY_FORMATS}."
    raise DateError(msg)


def _struct_to_date(st: time.struct_time) -> dt.date:
    return dt.date(st.tm_year, st.tm_mon, st.tm_mday)


@dataclass(frozen=True)
class DateSpan:
    """The bounds of one EDTF value.

    Attributes
    ----------
    text
        The EDTF text as written.
    lower, upper
        Strict bounds (inclusive).
    earliest, latest
        Bounds widened for approximate/uncertain qualifiers (inclusive).
    """

    text: str
    lower: dt.date
    upper: dt.date
    earliest: dt.date
    latest: dt.date

    @property
    def uncertain(self) -> bool:
        """Whether the value covers more than one day."""
        return self.earliest != self.latest

    def covers(self, day: dt.date) -> bool:
        """Return whether ``day`` lies inside the uncertainty bounds."""
        return self.uncertain and self.earliest <= day <= self.latest


@lru_cache(maxsize=4096)
def parse_edtf(text: str) -> DateSpan:
    """Parse EDTF text into a :class:`DateSpan`.

    Parameters
    ----------
    text
        EDTF text such as ``2023-06-15``, ``2022-12``, ``1993~``, ``199X`` or
        ``2023-09-09/2023-09-10``.

    Returns
    -------
    DateSpan

    Raises
    ------
    DateError
        If the text is not valid EDTF or names an impossible date.

    Examples
    --------
    >>> span = parse_edtf("2023-07-18~")
    >>> span.lower, span.earliest, span.latest
    (datetime.date(2023, 7, 18), datetime.date(2023, 7, 17), datetime.date(2023, 7, 19))
    """
    raw = text.strip()
    if not raw:
        msg = f"Empty date. Use {ACCEPTED_EDTF_FORMATS}."
        raise DateError(msg)
    if _ISO.match(raw):  # the common case, without the (slow) EDTF grammar
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            msg = f"Invalid date {text!r}: no such day. Use {ACCEPTED_EDTF_FORMATS}."
            raise DateError(msg) from None
        return DateSpan(raw, day, day, day, day)
    try:
        value = _parse_edtf(raw)
        lower = _struct_to_date(value.lower_strict())
        upper = _struct_to_date(value.upper_strict())
    except Exception:  # edtf raises its own errors, and ValueError on impossible days
        msg = f"Invalid date {text!r}. Use {ACCEPTED_EDTF_FORMATS}."
        raise DateError(msg) from None
    if upper < lower:
        msg = f"Invalid date {text!r}: the interval ends before it starts."
        raise DateError(msg)
    earliest, latest = lower, upper
    if any(q in raw for q in "~?%"):
        if lower == upper:
            pad = relativedelta(days=1)
        elif lower.day == 1 and upper == lower + relativedelta(months=1, days=-1):
            pad = relativedelta(months=1)
        else:
            pad = relativedelta(years=1)
        earliest = max(DATE_MIN, lower - pad)
        latest = min(DATE_MAX, upper + pad)
    return DateSpan(raw, lower, upper, earliest, latest)
