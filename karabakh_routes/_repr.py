"""Short text reprs and notebook HTML (``_repr_html_``) for models, answers and timelines.

Every text from data is escaped with :func:`html.escape` (and lone surrogates written as
escapes) before it goes into the HTML; the HTML is built by string joining only, never by a
template, so nothing from data becomes markup or is evaluated.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ._errors import escape_surrogates
from .network import routes_of
from .timeline import DEFAULT_HORIZON

if TYPE_CHECKING:
    from .model import RoadModel
    from .reach import Period, Reach
    from .timeline import Timeline

__all__ = ["model_repr", "model_html", "reach_repr", "reach_html", "period_repr", "period_html", "timeline_repr",
           "timeline_html", "basis_table"]

#: At most this many rows of claims in a table (the rest are counted).
MAX_ROWS = 25
#: Quotes and notes longer than this are cut (with an ellipsis) in the tables.
MAX_QUOTE = 300


def _esc(value: object) -> str:
    """Return ``value`` as text safe inside HTML element content and attribute values."""
    return html.escape(escape_surrogates(str(value)), quote=True)


def _short(items: Sequence[str] | None, limit: int = 4) -> str:
    """Join up to ``limit`` items, then ``+N more``."""
    items = list(items or [])
    head = ", ".join(items[:limit])
    return head + (f", +{len(items) - limit} more" if len(items) > limit else "")


def _cut(text: str, limit: int = MAX_QUOTE) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _flag(entry: Mapping[str, Any]) -> str:
    """``carried N day(s)`` / ``forecast, N day(s)`` / ``baseline`` / ``attested`` for one basis entry."""
    if entry.get("kind") == "baseline":
        return "assumed (dataset baseline)"
    age = entry.get("age_days")
    if entry.get("carried"):
        return f"carried {age} day(s) past {entry.get('as_of')}"
    if entry.get("forecast"):
        return f"stated in advance; {age} day(s) past {entry.get('as_of')}"
    return "attested" if age in (0, None) else f"{age} day(s) old"


def basis_table(basis: Iterable[Mapping[str, Any]]) -> str:
    """Return an HTML table of the claims, passages and baselines behind an answer.

    Columns: claimant, status, event id, source, quote (or the note, marked as such), and
    whether the claim is attested, carried (and for how long) or assumed.

    Examples
    --------
    >>> basis_table([{"claimant": "<b>X</b>", "status": "closed", "event": "E1", "source": "S1",
    ...               "quote": "{{ 7*7 }}", "note": "", "carried": False, "age_days": 0}]).count("&lt;b&gt;")
    1
    """
    rows = list(basis)
    if not rows:
        return "<p><em>No claim, passage or baseline decided this.</em></p>"
    head = "".join(f"<th>{h}</th>" for h in ("claimant", "status", "event", "source", "quote", "carried / age"))
    body = []
    for b in rows[:MAX_ROWS]:
        quote = str(b.get("quote") or "")
        text = (f"“{_esc(_cut(quote))}”" if quote.strip()
                else f"<em>{_esc(_cut(str(b.get('note') or '')))}</em>")
        status = str(b.get("status") or "")
        if b.get("direction"):
            status += f" (one-way towards {b['direction']})"
        cells = (_esc(b.get("claimant", "")), _esc(status), f"<code>{_esc(b.get('event', ''))}</code>",
                 _esc(b.get("source", "")), text, _esc(_flag(b)))
        body.append("<tr>" + "".join(f'<td style="text-align:left">{c}</td>' for c in cells) + "</tr>")
    more = f"<p>… and {len(rows) - MAX_ROWS} more.</p>" if len(rows) > MAX_ROWS else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"


def _kv_table(pairs: Iterable[tuple[str, object]]) -> str:
    rows = "".join(f'<tr><th style="text-align:left">{_esc(k)}</th><td style="text-align:left">{_esc(v)}</td></tr>'
                   for k, v in pairs)
    return f"<table>{rows}</table>"


# -- Reach and Period -------------------------------------------------------------------
def reach_repr(r: Reach) -> str:
    """Return a one-line summary of an answer: trip, date, class, view, answer, path or blocking segments."""
    parts = [f"Reach({r.origin} -> {r.destination} on {r.on.isoformat()}, {r.traffic}, view {r.view}: {r.answer}"]
    if r.path:
        km = f", {r.length_km:.1f} km" if r.length_km is not None else ""
        parts.append(f"path {_short(r.path, 5)}{km}")
    if r.blocked_by:
        parts.append(f"blocked by {_short(r.blocked_by, 3)}")
    if r.disputed:
        parts.append(f"disputed on {_short(r.disputed, 3)}")
    if r.unknown:
        parts.append(f"no claim about {_short(r.unknown, 3)}")
    parts.append(f"{len(r.basis)} claim(s) behind it" + (", some carried" if r.carried else ""))
    if r.uncertain:
        parts.append("an event date is uncertain")
    if getattr(r, "outside_data", ""):
        parts.append("date outside the data's range")
    return "; ".join(parts) + ")"


def reach_html(r: Reach) -> str:
    """Return the notebook HTML of an answer: a headline, the facts, and the claims behind it."""
    head = (f"<p><strong>{_esc(r.origin)} → {_esc(r.destination)}</strong> on {_esc(r.on.isoformat())} for "
            f"{_esc(r.traffic)} traffic (view {_esc(r.view)}, horizon {_esc(r.horizon)}): "
            f"<strong>{_esc(r.answer.upper())}</strong></p>")
    facts: list[tuple[str, object]] = []
    if r.path:
        facts.append(("path", " → ".join(r.path) + (f" ({r.length_km:.1f} km)" if r.length_km is not None else "")))
    for label, items in (("blocked by", r.blocked_by), ("claims disagree on", r.disputed), ("no claim about", r.unknown)):
        if items:
            facts.append((label, ", ".join(items)))
    if r.carried:
        facts.append(("carried", f"some claims are carried past their sources' dates; newest evidence on the weakest "
                                 f"segment is {r.evidence_age_days} day(s) old"))
    if r.uncertain:
        facts.append(("uncertain", "an event date is uncertain"))
    for line in r.assumptions:
        facts.append(("assumption", line))
    if getattr(r, "outside_data", ""):
        facts.append(("outside the data", r.outside_data))
    return f"<div>{head}{_kv_table(facts) if facts else ''}{basis_table(r.basis)}</div>"


def period_repr(p: Period) -> str:
    """Return a one-line summary of a period: its days, answer and the claims behind it."""
    days = (p.end - p.start).days + 1
    out = (f"Period({p.start.isoformat()}..{p.end.isoformat()} ({days} day(s)): {p.answer}; "
           f"{len(p.basis)} claim(s) behind it")
    if p.basis:
        out += f" ({_short([str(b.get('event', '')) for b in p.basis], 5)})"
    if p.carried:
        out += f"; carried, evidence up to {p.evidence_age_days} day(s) old"
    if p.uncertain:
        out += "; an event date is uncertain"
    if getattr(p, "outside_data", ""):
        out += "; outside the data's range"
    return out + ")"


def period_html(p: Period) -> str:
    """Return the notebook HTML of a period: its dates, answer and the claims behind it."""
    head = (f"<p>{_esc(p.start.isoformat())} to {_esc(p.end.isoformat())}: <strong>{_esc(p.answer.upper())}</strong>"
            + (" (carried)" if p.carried else "") + (" (uncertain)" if p.uncertain else "") + "</p>")
    outside = _kv_table([("outside the data", p.outside_data)]) if getattr(p, "outside_data", "") else ""
    return f"<div>{head}{outside}{basis_table(p.basis)}</div>"


# -- RoadModel and Timeline -----------------------------------------------------------------
def _ledger_facts(G: Any, ledger: Any) -> dict[str, Any]:
    from .events import _EventRows

    events = ledger.events
    if isinstance(events, _EventRows):  # (a large file's events, made as read: counted without making them)
        found = events.facts()
        kinds: dict[str, int] = found["types"]
        first: dt.date | None = found["first"]
        last: dt.date | None = found["last"]
        claimants = sorted(found["evidence_claimants"])
    else:
        kinds = {}
        for e in events:
            kinds[e.type] = kinds.get(e.type, 0) + 1
        evidence = [e for e in events if e.type != "baseline"]
        first = min((e.start.lower for e in evidence), default=None)
        last = max((max(e.start.lower, e.end.upper if e.end is not None else e.start.lower)
                    for e in evidence), default=None)
        claimants = sorted({e.claimant for e in evidence})
    return {
        "places": G.number_of_nodes(), "segments": G.number_of_edges(), "routes": len(routes_of(G)),
        "claims": len(events) - kinds.get("passage", 0) - kinds.get("baseline", 0),
        "passages": kinds.get("passage", 0), "baselines": kinds.get("baseline", 0),
        "sources": len(ledger.sources), "first": first, "last": last, "claimants": claimants,
    }


def _dates(f: Mapping[str, Any]) -> str:
    if f["first"] is None:
        return "no dated claims"
    return f"{f['first'].isoformat()}..{f['last'].isoformat()}"


def _region_title(m: RoadModel) -> str:
    """The title of the model's region (``region.json``), if it has one."""
    return str(getattr(getattr(m, "region", None), "title", "") or "")


def model_repr(m: RoadModel) -> str:
    """Return a short summary of a model: counts, date range and claimants."""
    f = _ledger_facts(m.G, m.ledger)
    title = _region_title(m)
    return (f"RoadModel({repr(title) + ': ' if title else ''}{f['places']} places, {f['segments']} segments, "
            f"{f['routes']} routes; {f['claims']} claims, {f['passages']} passages, {f['baselines']} baselines from "
            f"{f['sources']} sources; {_dates(f)}; {len(f['claimants'])} claimants: {_short(f['claimants'], 5)})")


def _summary_html(title: str, f: Mapping[str, Any], extra: Sequence[tuple[str, object]] = ()) -> str:
    pairs: list[tuple[str, object]] = [
        ("places", f["places"]), ("segments", f["segments"]), ("routes", f["routes"]),
        ("claims", f["claims"]), ("passages", f["passages"]), ("dataset baselines", f["baselines"]),
        ("sources", f["sources"]), ("dates (first start .. last start or end)", _dates(f)), *extra,
        ("claimants", ", ".join(f["claimants"]) or "none"),
    ]
    return f"<div><p><strong>{_esc(title)}</strong></p>{_kv_table(pairs)}</div>"


def model_html(m: RoadModel) -> str:
    """Return the notebook HTML of a model: a table of its counts, date range and claimants."""
    title = _region_title(m)
    return _summary_html("RoadModel" + (f": {title}" if title else ""), _ledger_facts(m.G, m.ledger))


def timeline_repr(t: Timeline) -> str:
    """Return a short summary of a compiled timeline: segments, events, change points, dates."""
    f = _ledger_facts(t.G, t.ledger)
    points = t.change_points()
    return (f"Timeline({f['segments']} segments, {len(t.ledger.events)} events from {len(f['claimants'])} claimants; "
            f"{len(points)} change points (horizon {DEFAULT_HORIZON} days); {_dates(f)})")


def timeline_html(t: Timeline) -> str:
    """Return the notebook HTML of a compiled timeline: a table of its counts, change points and claimants."""
    points = t.change_points()
    span = f"{points[0].isoformat()}..{points[-1].isoformat()}" if points else "none"
    return _summary_html("Timeline", _ledger_facts(t.G, t.ledger),
                         [(f"change points (horizon {DEFAULT_HORIZON} days)", f"{len(points)}: {span}")])
