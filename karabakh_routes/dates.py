"""Dates: ISO 8601 query dates and EDTF event dates with uncertainty bounds.

Event dates are written in the Library of Congress Extended Date/Time Format (EDTF),
parsed with the :mod:`edtf` package. An EDTF value is turned into a :class:`DateSpan`:

* ``lower`` / ``upper`` are the strict bounds (``2023-07`` → 1 to 31 July);
* ``earliest`` / ``latest`` widen them by one unit of the stated precision when the
  value is qualified as approximate or uncertain (``2023-07-18~`` → 17 to 19 July);
* an interval ``A/B`` runs from ``A``'s bounds to ``B``'s; a qualifier widens only the
  endpoint it is written on (``2023-07-10/2023-07-11~`` → 10 to 12 July);
* an open (``..``) or unknown (empty) end means "no stated end" and is :data:`DATE_MAX`
  (``2023-06-15/..`` and ``2023-06-15/`` alike); an open or unknown start is
  :data:`DATE_MIN`. The text is kept as written, so a write is lossless;
* every bound is clamped to ``DATE_MIN..DATE_MAX`` (years 0001-9999): ``9999~`` and
  ``0001-01-01?`` are valid and never overflow.

A claim *starts* on ``lower`` of its start and *ends* on ``upper`` of its end; any
query date between ``earliest`` and ``latest`` of either bound is answered and flagged
as uncertain.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import time
from dataclasses import dataclass
from functools import lru_cache

from dateutil.relativedelta import relativedelta

from ._errors import DateError

__all__ = ["DateLike", "DateSpan", "parse_edtf", "to_date", "DATE_MIN", "DATE_MAX"]

DateLike = dt.date | dt.datetime | str

#: Sentinels for open-ended intervals.
DATE_MIN = dt.date(1, 1, 1)
DATE_MAX = dt.date(9999, 12, 31)

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: The common EDTF forms parsed without the (slow, ~15 ms per value) EDTF grammar:
#: ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``, each with an optional trailing ``~``, ``?`` or ``%``.
_SIMPLE_EDTF = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?[~?%]?$")
_UNSPECIFIED_YEAR = re.compile(r"^(\d{3}X|\d{2}XX)$")
ACCEPTED_QUERY_FORMATS = "an ISO 8601 calendar date YYYY-MM-DD (e.g. 2023-07-20) or a datetime.date"
ACCEPTED_EDTF_FORMATS = (
    "an EDTF date: YYYY-MM-DD, YYYY-MM, YYYY, with ~ (approximate) or ? (uncertain), "
    "199X (unspecified digit), or an interval A/B such as 2023-09-09/2023-09-10 "
    "(A/.. or A/ for an open or unknown end, ../B or /B for an open or unknown start)"
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


@dataclass(frozen=True, slots=True)
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


#: Longest EDTF text accepted (longer text is refused before the grammar runs).
MAX_EDTF_LENGTH = 100
_QUALIFIERS = "~?%"
_DAY = relativedelta(days=1)
_MONTH = relativedelta(months=1)
_YEAR = relativedelta(years=1)


def _shift(day: dt.date, delta: relativedelta) -> dt.date:
    """Return ``day + delta`` clamped to DATE_MIN..DATE_MAX (never overflows)."""
    try:
        out: dt.date = day + delta
    except (OverflowError, ValueError):  # year 0 or 10000
        return DATE_MIN if delta.years < 0 or delta.months < 0 or delta.days < 0 else DATE_MAX
    return min(max(out, DATE_MIN), DATE_MAX)


def _simple_bounds(text: str) -> tuple[dt.date, dt.date] | None:
    """Return the strict bounds of a common EDTF form (see ``_SIMPLE_EDTF``), else None.

    None also for anything the grammar must judge (year 0000, month 00 or over 12, a day
    that does not exist): the grammar's answer, or its error, stands there. Tests check
    these bounds against the grammar's on every form.
    """
    m = _SIMPLE_EDTF.match(text)
    if m is None:
        u = _UNSPECIFIED_YEAR.match(text)  # 199X: some year of the 1990s; 19XX: of the 1900s
        if u is None:
            return None
        first, last = int(u[1].replace("X", "0")), int(u[1].replace("X", "9"))
        return (dt.date(first, 1, 1), dt.date(last, 12, 31)) if first >= 1 else None
    year, month, day = int(m[1]), m[2], m[3]
    if year < 1:
        return None
    if month is None:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    mon = int(month)
    if not 1 <= mon <= 12:
        return None
    if day is None:
        return dt.date(year, mon, 1), dt.date(year, mon, calendar.monthrange(year, mon)[1])
    d = int(day)
    if not 1 <= d <= calendar.monthrange(year, mon)[1]:
        return None
    return dt.date(year, mon, d), dt.date(year, mon, d)


def _bounds(text: str, whole: str) -> tuple[dt.date, dt.date, dt.date, dt.date]:
    """Return (lower, upper, earliest, latest) of one EDTF value that is not an interval."""
    if _ISO.match(text):  # the common case, without the (slow) EDTF grammar
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            msg = f"Invalid date {whole!r}: no such day. Use {ACCEPTED_EDTF_FORMATS}."
            raise DateError(msg) from None
        return day, day, day, day
    simple = _simple_bounds(text)
    if simple is not None:
        lower, upper = simple
    else:
        try:
            from edtf import parse_edtf as _parse_edtf  # the grammar (slow to import): only for the rarer forms

            value = _parse_edtf(text)
            lower = _struct_to_date(value.lower_strict())
            upper = _struct_to_date(value.upper_strict())
        except Exception:  # edtf raises its own errors, and ValueError on impossible days or years
            msg = (f"Invalid date {whole!r}. Use {ACCEPTED_EDTF_FORMATS}; "
                   f"years {DATE_MIN.year:04d} to {DATE_MAX.year}.")
            raise DateError(msg) from None
    if upper < lower:
        msg = f"Invalid date {whole!r}: it ends before it starts."
        raise DateError(msg)
    earliest, latest = lower, upper
    if any(q in text for q in _QUALIFIERS):
        # one unit of the value's own precision: a day, a month, or a year (anything coarser)
        if lower == upper:
            earliest, latest = _shift(lower, -_DAY), _shift(upper, _DAY)
        elif (lower.day == 1 and (upper.year, upper.month) == (lower.year, lower.month)
              and upper.day == calendar.monthrange(upper.year, upper.month)[1]):
            # the whole month before and the whole month after (2023-02~ -> 1 Jan to 31 Mar)
            earliest = _shift(lower, -_MONTH)
            after = _shift(upper, _DAY)
            latest = upper if after == upper else after.replace(day=calendar.monthrange(after.year, after.month)[1])
        else:
            earliest, latest = _shift(lower, -_YEAR), _shift(upper, _YEAR)
    return lower, upper, earliest, latest


def parse_edtf(text: str) -> DateSpan:
    """Parse EDTF text into a :class:`DateSpan`.

    Parameters
    ----------
    text
        EDTF text such as ``2023-06-15``, ``2022-12``, ``1993~``, ``199X``,
        ``2023-09-09/2023-09-10``, or an interval with an open or unknown end
        (``2023-06-15/..``, ``2023-06-15/``, ``../2023-06-20``, ``/2023-06-20``).

    Returns
    -------
    DateSpan
        An interval's bounds are its start's ``lower``/``earliest`` and its end's
        ``upper``/``latest``; each endpoint's qualifier (``~``, ``?``, ``%``) widens that
        endpoint only, by one unit of its own precision. An open (``..``) or unknown
        (empty) end is :data:`DATE_MAX`; an open or unknown start is :data:`DATE_MIN`.
        Every bound lies in ``DATE_MIN..DATE_MAX``.

    Raises
    ------
    DateError
        If the text is not valid EDTF, names an impossible date, or lies outside the
        years 0001-9999.

    Examples
    --------
    >>> span = parse_edtf("2023-07-18~")
    >>> span.lower, span.earliest, span.latest
    (datetime.date(2023, 7, 18), datetime.date(2023, 7, 17), datetime.date(2023, 7, 19))
    >>> parse_edtf("2023-06-15/..").upper
    datetime.date(9999, 12, 31)
    >>> parse_edtf("2023-07-10/2023-07-11~").latest
    datetime.date(2023, 7, 12)
    """
    if not isinstance(text, str):
        msg = f"Invalid date {text!r}: EDTF dates are text. Use {ACCEPTED_EDTF_FORMATS}."
        raise DateError(msg)
    return _parse_span(text)


@lru_cache(maxsize=65536)
def _parse_span(text: str) -> DateSpan:
    raw = text.strip()
    if not raw:
        msg = f"Empty date. Use {ACCEPTED_EDTF_FORMATS}."
        raise DateError(msg)
    if len(raw) > MAX_EDTF_LENGTH:
        msg = f"Invalid date {raw[:40]!r}...: {len(raw)} characters; an EDTF date has at most {MAX_EDTF_LENGTH}."
        raise DateError(msg)
    if "/" not in raw:
        return DateSpan(raw, *_bounds(raw, text))
    parts = raw.split("/")
    if len(parts) != 2:
        msg = f"Invalid date {text!r}: an interval has one '/'. Use {ACCEPTED_EDTF_FORMATS}."
        raise DateError(msg)
    first, last = parts
    if first in ("", "..") and last in ("", ".."):
        msg = f"Invalid date {text!r}: an interval needs at least one known end. Use {ACCEPTED_EDTF_FORMATS}."
        raise DateError(msg)
    lower = earliest = DATE_MIN
    upper = latest = DATE_MAX
    if first not in ("", ".."):
        lower, _, earliest, _ = _bounds(first, text)
    if last not in ("", ".."):
        _, upper, _, latest = _bounds(last, text)
    if upper < lower:
        msg = f"Invalid date {text!r}: the interval ends before it starts."
        raise DateError(msg)
    return DateSpan(raw, lower, upper, earliest, latest)
