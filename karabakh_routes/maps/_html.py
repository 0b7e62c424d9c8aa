"""HTML snippets built from data: everything escaped; only http(s) URLs become links."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .style import STATUS_STYLES

__all__ = ["esc", "safe_url", "claims_html", "claim_item_html", "ClaimItems", "legend_html", "title_html", "js_string",
           "json_for_script", "swatch"]

_SAFE_URL = re.compile(r"^https?://[^\s\"'<>]+$", re.IGNORECASE)


_JS_TEMPLATE_CHARS = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;"})


def esc(value: object) -> str:
    """Escape text for HTML (quotes included).

    Backticks, ``$`` and backslashes become character references too: folium puts popup and
    tooltip HTML inside JavaScript template literals, where they could otherwise end the
    literal, interpolate an expression (``${...}``) or form an invalid escape sequence.
    The page shows the same characters.

    Examples
    --------
    >>> esc('<b title="x">`${1}`</b>')
    '&lt;b title=&quot;x&quot;&gt;&#96;&#36;{1}&#96;&lt;/b&gt;'
    """
    return html.escape("" if value is None else str(value), quote=True).translate(_JS_TEMPLATE_CHARS)


def safe_url(url: object) -> str | None:
    """Return the URL if it is http(s) and has no characters that could break out, else None."""
    text = "" if url is None else str(url).strip()
    return text if _SAFE_URL.match(text) else None


def json_for_script(obj: Any) -> str:
    r"""Return compact JSON that is also safe inside a ``<script>`` element.

    ``<``, ``>`` and ``&`` are written as ``\u`` escapes, so no data string can close the
    script element or open a comment, whatever it contains.

    Examples
    --------
    >>> print(json_for_script({"a": "</script>"}))
    {"a":"\u003c/script\u003e"}
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def js_string(text: str) -> str:
    """Return a JavaScript string literal that is also safe inside a <script> element."""
    return json_for_script(text)


def _source_html(claim: Mapping[str, Any], sources: Mapping[str, Any]) -> str:
    src = sources.get(claim["source"])
    title = getattr(src, "title", "") or claim["source"]
    publisher = getattr(src, "publisher", "")
    label = esc(title) + (f" ({esc(publisher)})" if publisher else "")
    url = safe_url(claim.get("url"))
    if url:
        return f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer">{label}</a>'
    seed = getattr(src, "seed", "")
    return label + (f" — bundled article <code>{esc(seed)}</code>" if seed else "")


def claims_html(claims: Iterable[Mapping[str, Any]], sources: Mapping[str, Any], *, heading: str = "Claims in force",
                item: Callable[[Mapping[str, Any]], str] | None = None) -> str:
    """Return an HTML list of claims grouped by claimant.

    ``item`` makes one claim's list item (default :func:`claim_item_html` with ``sources``): a
    map that renders many lists passes one that keeps those it made (:class:`ClaimItems`).
    """
    by: dict[str, list[Mapping[str, Any]]] = {}
    for c in claims:
        by.setdefault(str(c["claimant"]), []).append(c)
    if not by:
        return f"<p class='kr-none'><b>{esc(heading)}:</b> none — no source makes a claim about this date.</p>"
    make = item if item is not None else (lambda c: claim_item_html(c, sources))
    parts = [f"<p><b>{esc(heading)}</b></p>"]
    for claimant, items in by.items():
        parts.append(f"<div class='kr-claimant'><b>{esc(claimant)}</b><ul>")
        parts.extend(map(make, items))
        parts.append("</ul></div>")
    return "".join(parts)


def claim_item_html(c: Mapping[str, Any], sources: Mapping[str, Any]) -> str:
    """Return one claim's list item (``<li>``) of :func:`claims_html`: what it says, since when, its quote and source."""
    when = esc(c["start"]) + (f" – {esc(c['end'])}" if c.get("end") else "")
    classes = ", ".join(c.get("traffic", []))
    st = esc(c["status"]) + (f" for {esc(classes)}" if classes else "")
    unsure = " <i>(uncertain date)</i>" if c.get("uncertain") else ""
    if c.get("carried"):
        unsure += (f" <i class='kr-carried'>(carried forward: {esc(c.get('age_days'))} day(s) past its "
                   f"source's date {esc(c.get('as_of'))})</i>")
    elif c.get("forecast"):
        unsure += (f" <i class='kr-carried'>(stated in advance: {esc(c.get('age_days'))} day(s) past its "
                   f"source's date {esc(c.get('as_of'))})</i>")
    quote = (f"<blockquote>“{esc(c['quote'])}”</blockquote>" if c.get("quote")
             else "<div class='kr-noquote'>No verbatim quote bundled.</div>")
    note = f"<div class='kr-note'>{esc(c['note'])}</div>" if c.get("note") else ""
    return (f"<li><span class='kr-status'>{st}</span> since {when}{unsure} "
            f"[{esc(c['event'])}]{quote}{note}<div class='kr-src'>Source: {_source_html(c, sources)}</div></li>")


#: The fields of a claim that :func:`claim_item_html` reads: equal fields, equal items.
_ITEM_FIELDS = ("event", "status", "start", "end", "uncertain", "carried", "forecast", "age_days", "as_of", "quote",
                "note", "source", "url")


class ClaimItems:
    """:func:`claim_item_html` for many claims, each distinct item made once (a claim about a route is on every segment of it)."""

    def __init__(self, sources: Mapping[str, Any]) -> None:
        self.sources = sources
        self._made: dict[tuple[Any, ...], str] = {}

    def __call__(self, c: Mapping[str, Any]) -> str:
        key = (*(c.get(f) for f in _ITEM_FIELDS), tuple(c.get("traffic", ())))
        got = self._made.get(key)
        if got is None:
            got = self._made[key] = claim_item_html(c, self.sources)
        return got


def swatch(color: str, dash: str | None, weight: float, opacity: float | None = None) -> str:
    """Return a small SVG line sample for a legend row."""
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    opacity_attr = f' stroke-opacity="{opacity}"' if opacity is not None else ""
    return (f'<svg width="46" height="12" aria-hidden="true"><line x1="2" y1="6" x2="44" y2="6" stroke="{color}" '
            f'stroke-width="{weight}"{dash_attr}{opacity_attr}/></svg>')


def legend_html(extra: Iterable[tuple[str, str]] = ()) -> str:
    """Return the legend: one row per status (colour and dash), plus extra (swatch html, label) rows."""
    rows = [f"<div class='kr-legend-row' data-status='{k}'>{swatch(s.color, s.dash, s.weight)} {esc(s.label)}</div>"
            for k, s in STATUS_STYLES.items()]
    rows += [f"<div class='kr-legend-row'>{sw} {esc(label)}</div>" for sw, label in extra]
    return "<div class='kr-legend-title'>Road status</div>" + "".join(rows)


def title_html(title: str, subtitle: str = "") -> str:
    """Return the map title block."""
    sub = f"<div class='kr-subtitle'>{esc(subtitle)}</div>" if subtitle else ""
    return f"<div class='kr-title-main'>{esc(title)}</div>{sub}"
