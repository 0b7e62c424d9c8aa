"""One query, parsed once: the date (or range), the traffic class and the view of a question.

Every public entry point (:class:`~karabakh_routes.RoadModel`'s methods, the maps, the chart,
the command line) takes dates as text or :class:`datetime.date`, a traffic class in any letter
case and a view as text (``"claimant:ICRC"``) or :class:`~karabakh_routes.View`. It parses them
once, at that boundary, into a :class:`Query`, and hands the query (or its parsed fields) down:
the layers below never parse the same text again. A 46-step timeline map parses its view text
once and its start and end dates once each.

The parsers are the library's own (:func:`~karabakh_routes.to_date`,
:func:`karabakh_routes.events.check_traffic`, :func:`~karabakh_routes.parse_view`), so a
:class:`Query` raises exactly the errors they raise, naming the value and what is valid.
Each returns an already parsed value as it is, so parsing a query's own fields again is free.

Examples
--------
>>> from karabakh_routes import load
>>> q = Query.parse(load(), on="2023-07-20", traffic=" Humanitarian ", view="claimant:icrc", horizon=45)
>>> q.on, q.traffic, q.view
(datetime.date(2023, 7, 20), 'humanitarian', View(kind='claimant', value='ICRC', horizon=45))
>>> q.at("2023-07-21").on
datetime.date(2023, 7, 21)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from ._errors import DateError, TrafficError
from .dates import DateLike, to_date
from .events import TRAFFIC_CLASSES, Ledger, check_traffic
from .timeline import Horizon, View, parse_view

__all__ = ["Query"]


def _ledger_of(ledger_or_model: Any) -> Ledger | None:
    """Return the ledger of a :class:`Ledger`, a ``RoadModel`` or a ``Timeline`` (None: no ledger)."""
    if ledger_or_model is None or isinstance(ledger_or_model, Ledger):
        return ledger_or_model
    ledger = getattr(ledger_or_model, "ledger", None)
    if not isinstance(ledger, Ledger):
        msg = f"expected a Ledger, a RoadModel or a Timeline, got {type(ledger_or_model).__name__}"
        raise TypeError(msg)
    return ledger


@dataclass(frozen=True)
class Query:
    """A question's date or date range, traffic class and view, each already parsed.

    Build one with :meth:`Query.parse` (or :meth:`RoadModel.query
    <karabakh_routes.RoadModel.query>`); the constructor takes parsed values only and
    checks nothing.

    Attributes
    ----------
    on : datetime.date or None
        The date asked about (None for a question over a range, or no date yet).
    traffic : str or None
        A traffic class, canonical (lower case); None = every class (the overall status).
    view : View
        How claimants are combined; ``view.horizon`` is the carrying horizon in days
        (None = no bound).
    start, end : datetime.date or None
        The range of a question over time, inclusive; None = open on that side (the caller
        decides the default: the data's first or last change point, the dataset's period...).

    Examples
    --------
    >>> q = Query.parse(None, start="2023-06-01", end="2023-09-30", view="strict", horizon=None)
    >>> q.on, q.traffic, q.view, q.start
    (None, None, View(kind='strict', value='', horizon=None), datetime.date(2023, 6, 1))
    """

    on: dt.date | None = None
    traffic: str | None = None
    view: View = field(default_factory=lambda: View("consensus"))
    start: dt.date | None = None
    end: dt.date | None = None

    @classmethod
    def parse(
        cls,
        ledger_or_model: Any = None,
        *,
        on: DateLike | None = None,
        traffic: str | None = None,
        view: str | View = "consensus",
        horizon: Horizon = "default",
        start: DateLike | None = None,
        end: DateLike | None = None,
    ) -> Query:
        """Parse a question's arguments once, with the library's own parsers.

        Parameters
        ----------
        ledger_or_model
            A :class:`~karabakh_routes.Ledger`, a ``RoadModel`` or a ``Timeline`` (its ledger
            resolves claimant and source names in ``view``: ``"icrc"`` → ``claimant:ICRC``),
            or None (then only ``consensus``, ``strict``, ``lenient``, ``claimant:NAME`` and
            ``source:ID`` are accepted, unchecked).
        on
            The date: ``datetime.date``, ``datetime.datetime`` or ISO text (``YYYY-MM-DD``).
        traffic
            A traffic class in any letter case, or None for every class.
        view
            ``consensus``, ``strict``, ``lenient``, ``claimant:NAME``, ``source:ID`` (a bare
            claimant name or source id too), or a :class:`~karabakh_routes.View`.
        horizon
            Days an open-ended claim is carried past its as-of date; None = no bound;
            ``"default"`` keeps the view's own (30 days for a view given as text).
        start, end
            A date range, inclusive (as ``on``).

        Returns
        -------
        Query

        Raises
        ------
        DateError
            If ``on``, ``start`` or ``end`` is not a calendar date (the message names the value
            and the accepted format).
        TrafficError
            If ``traffic`` is not a traffic class (the message lists the classes).
        ViewError
            If ``view`` or ``horizon`` is not valid (the message lists what is).

        Examples
        --------
        >>> from karabakh_routes import DateError, TrafficError
        >>> try:
        ...     Query.parse(on="2023-02-30")
        ... except DateError as exc:
        ...     print(str(exc).split(". ")[0])
        Invalid date '2023-02-30': no such day
        >>> try:
        ...     Query.parse(on="2023-07-20", traffic="tanks")
        ... except TrafficError as exc:
        ...     print(exc)
        Unknown traffic class 'tanks'. Valid classes: civilian, humanitarian, medical, peacekeepers.
        """
        return cls(
            on=to_date(on) if on is not None else None,
            traffic=check_traffic(traffic) if traffic is not None else None,
            view=parse_view(view, _ledger_of(ledger_or_model), horizon=horizon),
            start=to_date(start, what="start") if start is not None else None,
            end=to_date(end, what="end") if end is not None else None,
        )

    # -- the parsed values, as the layers below need them ------------------------------
    @property
    def day(self) -> dt.date:
        """The date asked about; raises :class:`~karabakh_routes.DateError` when the query has none."""
        if self.on is None:
            msg = "This question needs a date (on=YYYY-MM-DD)."
            raise DateError(msg)
        return self.on

    @property
    def traffic_class(self) -> str:
        """The one traffic class asked about; raises :class:`~karabakh_routes.TrafficError` for all classes.

        A trip is for one class: ``reach`` and ``periods`` need one (``civilian`` by default).
        """
        if self.traffic is None:
            msg = f"Unknown traffic class None. Valid classes: {', '.join(TRAFFIC_CLASSES)}."
            raise TrafficError(msg)
        return self.traffic

    @property
    def horizon(self) -> int | None:
        """The view's carrying horizon in days (None = no bound)."""
        return self.view.horizon

    @property
    def traffic_text(self) -> str:
        """The traffic class, or ``"all classes"`` (as the maps' subtitles say it)."""
        return self.traffic or "all classes"

    def at(self, on: DateLike) -> Query:
        """Return the same query on another date (a step of a range: no text is parsed again for a date).

        Examples
        --------
        >>> import datetime as dt
        >>> q = Query(traffic="medical").at(dt.date(2023, 7, 20))
        >>> q.on, q.traffic, str(q.view)
        (datetime.date(2023, 7, 20), 'medical', 'consensus')
        """
        return replace(self, on=to_date(on))

    def with_traffic(self, traffic: str | None) -> Query:
        """Return the same query for another traffic class (any letter case; None = every class)."""
        return replace(self, traffic=check_traffic(traffic) if traffic is not None else None)

    def for_trip(self) -> Query:
        """Return the query a trip on the maps is answered for: its class, or ``civilian`` for all classes.

        Examples
        --------
        >>> Query().for_trip().traffic, Query(traffic="medical").for_trip().traffic
        ('civilian', 'medical')
        """
        return self if self.traffic is not None else replace(self, traffic="civilian")
