"""Events and sources: the claim ledger. CSV read/write and validation.

One row of ``events.csv`` is one source's claim, never merged with another's. Every
cell stays text; dates are EDTF. See ``docs/data-format.md`` for the columns.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import pandas as pd

from ._errors import DataError, DateError, Problem, TrafficError
from ._io import atomic_write, csv_text, read_csv_rows, read_text
from .datasets import bundled_path
from .dates import DateSpan, parse_edtf
from .network import _raise_or_warn, _routes_path, place_index, resolve_route, routes_of
from .places import mixed_script_note
from .vocab import BASELINE_CLAIMANT, EVENT_COLUMNS, EVENT_TYPES, SOURCE_COLUMNS, STATUSES, TRAFFIC_CLASSES

__all__ = [
    "BASELINE_CLAIMANT",
    "TRAFFIC_CLASSES",
    "EVENT_TYPES",
    "STATUSES",
    "Event",
    "Source",
    "Ledger",
    "read_sources",
    "read_events",
    "read_ledger",
    "write_events",
    "write_sources",
    "check_traffic",
]

_TYPE_STATUSES = {
    "closure": ("closed", "restricted"),
    "opening": ("open", "restricted"),
    "restriction": ("restricted",),
    "report": STATUSES,
    "passage": ("",),
    "baseline": STATUSES,
}

_EVENT_REQUIRED = ("id", "start", "target", "type", "claimant", "source")
PathLike = str | os.PathLike[str]


def check_traffic(name: str) -> str:
    """Return the traffic class ``name`` names (any letter case), else raise :class:`TrafficError`.

    Examples
    --------
    >>> check_traffic("humanitarian"), check_traffic(" Humanitarian ")
    ('humanitarian', 'humanitarian')
    """
    canonical = name.strip().lower() if isinstance(name, str) else name
    if canonical in TRAFFIC_CLASSES:
        return canonical
    msg = f"Unknown traffic class {name!r}. Valid classes: {', '.join(TRAFFIC_CLASSES)}."
    raise TrafficError(msg)


@dataclass(frozen=True)
class Source:
    """A source of claims."""

    id: str
    title: str = ""
    publisher: str = ""
    published: str = ""
    url: str = ""
    seed: str = ""

    def to_dict(self) -> dict[str, str]:
        """Return the CSV row."""
        return {c: getattr(self, c) for c in SOURCE_COLUMNS}


@dataclass(frozen=True)
class Event:
    """One source's claim about one or more roads.

    ``start``/``end`` keep their EDTF text in ``DateSpan.text`` so a write is lossless.
    """

    id: str
    start: DateSpan
    end: DateSpan | None
    targets: tuple[str, ...]
    type: str
    status: str
    traffic: tuple[str, ...]
    allowed: tuple[str, ...]
    direction: str
    claimant: str
    source: str
    quote: str = ""
    note: str = ""
    row: int = 0
    raw: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    as_of: DateSpan | None = None

    @property
    def classes(self) -> tuple[str, ...]:
        """The traffic classes the claim is about (all when ``traffic`` is empty)."""
        return self.traffic or TRAFFIC_CLASSES

    def class_status(self, traffic: str) -> str | None:
        """Return ``open``/``closed`` for one class, or None if the claim is not about it."""
        if traffic not in self.classes or self.type == "passage":
            return None
        if self.status == "restricted":
            return "open" if traffic in self.allowed else "closed"
        return self.status

    def to_row(self) -> dict[str, str]:
        """Return the CSV row, text exactly as read (or as constructed)."""
        if self.raw:
            return {c: self.raw.get(c, "") for c in EVENT_COLUMNS}
        return {
            "id": self.id, "start": self.start.text, "end": self.end.text if self.end else "",
            "target": "|".join(self.targets), "type": self.type, "status": self.status,
            "traffic": "|".join(self.traffic), "allowed": "|".join(self.allowed),
            "direction": self.direction, "claimant": self.claimant, "source": self.source,
            "quote": self.quote, "note": self.note, "as_of": self.as_of.text if self.as_of else "",
        }


def _split(cell: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in cell.split("|") if p.strip())


_WS = re.compile(r"\s+")
# URL schemes are case-insensitive (RFC 3986); the same rule as the maps' links (maps/_html.safe_url).
_URL = re.compile(r"^https?://[^\s\"'<>]+$", re.IGNORECASE)


def _norm_ws(text: str) -> str:
    return _WS.sub(" ", text).strip()


def read_sources(path: PathLike | None = None) -> dict[str, Source]:
    """Read ``sources.csv`` (the bundled file by default).

    Examples
    --------
    >>> sources = read_sources()
    >>> sources["seed001"].publisher
    'DW'
    """
    p = path if path is not None else bundled_path("sources")
    rows = read_csv_rows(p, required=("id",), optional=SOURCE_COLUMNS[1:])
    problems: list[Problem] = []
    out: dict[str, Source] = {}
    for row in rows:
        where = f"row {row['__row__']}"
        sid = row["id"].strip()
        if not sid:
            problems.append(Problem(str(p), where, "id", "", "a non-empty source id"))
            continue
        if sid in out:
            problems.append(Problem(str(p), where, "id", sid, "ids must be unique; this one is used twice"))
            continue
        url = row["url"].strip()
        if url and not _URL.match(url):
            problems.append(Problem(str(p), where, "url", url, "an http:// or https:// address (any letter case) "
                                    "without spaces, quotes or angle brackets, or empty"))
        if row["published"].strip():
            try:
                parse_edtf(row["published"])
            except DateError as exc:
                problems.append(Problem(str(p), where, "published", row["published"], str(exc)))
        if row["seed"].strip():
            seeds = Path(p).parent / "seeds"
            seed_file = _seed_path(Path(p), row["seed"].strip())
            if seed_file is None:
                problems.append(Problem(str(p), where, "seed", row["seed"],
                                        f"a plain file name inside {seeds} (no folder, no '..'; "
                                        "the article the quotes come from)"))
            elif not seed_file.is_file():
                problems.append(Problem(str(p), where, "seed", row["seed"],
                                        f"a file in {seeds} or among the bundled articles "
                                        "(the article the quotes come from)"))
        out[sid] = Source(sid, row["title"], row["publisher"], row["published"], url, row["seed"].strip())
    if problems:
        raise DataError(problems)
    return out


def _seed_path(sources_path: Path, seed: str) -> Path | None:
    """Return the bundled article ``seed`` in the ``seeds/`` folder next to ``sources_path``.

    Only a plain file name that stays inside that folder is accepted (None otherwise): no
    path separator, not ``.`` or ``..``, no NUL, and no symbolic link leading out of it.
    When that folder has no such entry (a copied ``sources.csv`` without its ``seeds/``), the
    article of that name in the package's own ``geodata/seeds/`` is used, under the same rules.
    """
    if (not seed or seed in (".", "..") or "\x00" in seed or "/" in seed or "\\" in seed
            or (os.sep in seed) or (os.altsep is not None and os.altsep in seed)):
        return None
    folder = sources_path.parent / "seeds"
    candidate = folder / seed
    bundled = bundled_path("sources").parent / "seeds"
    if not os.path.lexists(candidate) and (bundled / seed).is_file():
        # a copied sources.csv without (this article in) its own seeds/ folder: the bundled article
        folder, candidate = bundled, bundled / seed
    try:
        inside = candidate.resolve().parent == folder.resolve()
    except (OSError, RuntimeError, ValueError):  # a symlink loop, an unreadable folder
        return None
    return candidate if inside else None


#: Words a road's name may end with, dropped when reading the places a name joins.
_ROAD_WORDS = re.compile(r"\s+(road|route|highway|corridor)$", re.IGNORECASE)
_JOINERS = re.compile(r"\s*[-\u2010-\u2015/]\s*")


def _target_hint(G: nx.MultiGraph, target: str, segment_ids: set[str]) -> str:
    """Return a hint for an unknown target: the same segment written the other way round, else the closest ids."""
    head, sep, tail = target.strip().lower().partition("__")
    if sep and f"{tail}__{head}" in segment_ids:
        return (f"; did you mean {tail}__{head}? It is the same segment: a segment id joins its two places in the "
                "order of the segments file")
    if target.strip().lower() in segment_ids:
        return f"; did you mean {target.strip().lower()}? (ids are lower case)"
    from rapidfuzz import fuzz, process, utils

    from .network import routes_of

    choices = sorted(segment_ids) + sorted(routes_of(G))
    matches = process.extract(target, choices, scorer=fuzz.WRatio, processor=utils.default_process, limit=3,
                              score_cutoff=50)
    return f"; closest: {', '.join(m for m, *_ in matches)}" if matches else ""


def _one_segment_note(G: nx.MultiGraph, target: str, rid: str) -> str:
    """Return a warning when a route name such as ``Aghdam-Askeran road`` also names one segment's two places.

    The target means the whole route (every segment of it); the note names the segment id to
    use for the one segment between the two places. Empty when there is no such ambiguity.
    """
    from .network import routes_of

    route = routes_of(G).get(rid)
    if route is None or target == rid or len(route.segments) < 2:
        return ""
    parts = _JOINERS.split(_ROAD_WORDS.sub("", target.strip()))
    if len(parts) != 2:
        return ""
    idx = place_index(G)
    if not all(part in idx for part in parts):
        return ""
    u, v = (idx.resolve(part) for part in parts)
    between = sorted(G.get_edge_data(u, v, default={}))
    if len(between) != 1 or between[0] not in route.segments or set(route.segments) == set(between):
        return ""
    return (f"names the whole route {rid!r} ({len(route.segments)} segments: {', '.join(route.segments)}); "
            f"for only the segment between {idx.places[u].name} and {idx.places[v].name} use the segment id "
            f"{between[0]}")


def read_events(
    path: PathLike | None = None,
    *,
    sources: Mapping[str, Source] | None = None,
    G: nx.MultiGraph | None = None,
    sources_path: PathLike | None = None,
) -> list[Event]:
    """Read and validate ``events.csv`` (the bundled file by default).

    Parameters
    ----------
    path
        The events file.
    sources
        Known sources; when given, every event's source must be one of them and quotes
        from bundled articles must appear verbatim (whitespace-normalized).
    G
        The road graph; when given, every target must be a route (id or alias) or
        segment id, and every ``direction`` a place.
    sources_path
        Where ``sources`` was read from (to find ``seeds/`` next to it).

    Raises
    ------
    DataError
        Listing every problem (file, row, field, value, what is valid).
    """
    p = path if path is not None else bundled_path("events")
    rows = read_csv_rows(p, required=_EVENT_REQUIRED, optional=[c for c in EVENT_COLUMNS if c not in _EVENT_REQUIRED])
    problems: list[Problem] = []
    events: list[Event] = []
    seen: set[str] = set()
    seed_texts: dict[str, str] = {}
    warns: list[Problem] = []  # warnings only: they never drop a row
    claimants_seen: set[str] = set()
    src_base = Path(sources_path) if sources_path is not None else bundled_path("sources")
    segment_ids = {k for *_, k in G.edges(keys=True)} if G is not None else set()
    pidx = place_index(G) if G is not None else None
    route_of: dict[str, str | None] = {}  # each distinct target text resolved once
    noted: set[str] = set()  # route names that also name one segment: warned about once
    f = str(p)
    for row in rows:
        where = f"row {row['__row__']}" + (f" (id={row['id']})" if row["id"].strip() else "")
        n_before = len(problems)

        def bad(col: str, value: str, expected: str) -> None:
            problems.append(Problem(f, where, col, value, expected))  # noqa: B023

        eid = row["id"].strip()
        if not eid:
            bad("id", "", "a non-empty event id")
        elif eid in seen:
            bad("id", eid, "ids must be unique; this one is used twice")
        seen.add(eid)
        start: DateSpan | None = None
        end: DateSpan | None = None
        try:
            start = parse_edtf(row["start"])
        except DateError as exc:
            bad("start", row["start"], str(exc))
        if row["end"].strip():
            try:
                end = parse_edtf(row["end"])
            except DateError as exc:
                bad("end", row["end"], str(exc))
        if start and end and end.upper < start.lower:
            bad("end", row["end"], f"a date on or after the start ({row['start']}); start and end look inverted")
        etype = row["type"].strip()
        status = row["status"].strip()
        if etype not in EVENT_TYPES:
            bad("type", etype, f"one of {', '.join(EVENT_TYPES)}")
        elif status not in _TYPE_STATUSES[etype]:
            valid = "empty" if etype == "passage" else "one of " + ", ".join(_TYPE_STATUSES[etype])
            bad("status", status, f"for type {etype!r}: {valid}")
        if etype == "passage" and end is not None:
            bad("end", row["end"], "empty: a passage is a one-off crossing on its start day")
        as_of: DateSpan | None = None
        if row["as_of"].strip():
            try:
                as_of = parse_edtf(row["as_of"])
            except DateError as exc:
                bad("as_of", row["as_of"], str(exc))
        if (etype == "baseline") != (row["claimant"].strip() == BASELINE_CLAIMANT):
            if etype == "baseline":
                bad("claimant", row["claimant"], f"{BASELINE_CLAIMANT!r} for a baseline row")
            else:
                bad("claimant", row["claimant"], f"a claimant other than {BASELINE_CLAIMANT!r} "
                    "(reserved for rows of type baseline)")
        traffic = _split(row["traffic"])
        allowed = _split(row["allowed"])
        for col, values in (("traffic", traffic), ("allowed", allowed)):
            for v in values:
                if v not in TRAFFIC_CLASSES:
                    bad(col, v, f"traffic classes from: {', '.join(TRAFFIC_CLASSES)} (separate several with |)")
        if status == "restricted" and not allowed:
            bad("allowed", "", "the classes that may pass, for a restricted status")
        if etype == "passage" and not allowed:
            bad("allowed", "", "the classes that passed, for a passage")
        if status in ("open", "closed") and allowed:
            bad("allowed", row["allowed"], f"empty for status {status!r} (use 'restricted' to name classes that pass)")
        if traffic and allowed and not set(allowed) <= set(traffic):
            bad("allowed", row["allowed"], f"a subset of traffic ({row['traffic']})")
        targets = _split(row["target"])
        if not targets:
            bad("target", row["target"], "route ids/aliases or segment ids, separated by |")
        resolved: list[str] = []
        for t in targets:
            if G is None or t in segment_ids:
                resolved.append(t)
                continue
            if t not in route_of:
                route_of[t] = resolve_route(G, t)
            rid = route_of[t]
            if rid is None:
                routes = ", ".join(sorted(routes_of(G)))
                bad("target", t, f"a route ({routes}) or segment id (see `karabakh-routes segments`)"
                    + _target_hint(G, t, segment_ids))
            else:
                resolved.append(rid)
                if t not in noted:
                    noted.add(t)
                    note = _one_segment_note(G, t, rid)
                    if note:
                        warns.append(Problem(f, where, "target", t, note, "warning"))
        direction = row["direction"].strip()
        if direction and pidx is not None:
            if direction in pidx:
                direction = pidx.resolve(direction)
            else:
                bad("direction", direction, "empty, or the place one-way traffic moves towards "
                    f"(closest: {', '.join(pidx.suggest(direction, 3)) or 'none'})")
        claimant = row["claimant"].strip()
        if not claimant:
            bad("claimant", "", "who makes the claim (e.g. 'ICRC')")
        elif claimant not in claimants_seen:
            claimants_seen.add(claimant)
            note = mixed_script_note(claimant)
            if note:
                warns.append(Problem(f, where, "claimant", claimant, note, "warning"))
        src = row["source"].strip()
        quote = row["quote"]
        if sources is not None:
            if src not in sources:
                bad("source", src, "a source id from the sources file")
            elif sources[src].seed and quote.strip():
                seed = sources[src].seed
                if seed not in seed_texts:
                    seed_file = _seed_path(src_base, seed)
                    try:
                        seed_texts[seed] = _norm_ws(read_text(seed_file)) if seed_file is not None else ""
                    except DataError:
                        seed_texts[seed] = ""
                if _norm_ws(quote) not in seed_texts[seed]:
                    bad("quote", quote, f"text found verbatim in the bundled article {seed} (source {src})")
        if len(problems) > n_before or start is None:
            continue
        events.append(Event(
            id=eid, start=start, end=end, targets=tuple(resolved), type=etype, status=status,
            traffic=traffic, allowed=allowed, direction=direction, claimant=claimant, source=src,
            quote=quote, note=row["note"], row=int(row["__row__"]),
            raw={c: row.get(c, "") for c in EVENT_COLUMNS}, as_of=as_of,
        ))
    if problems:
        raise DataError(problems + warns)
    _raise_or_warn(warns)
    return events


@dataclass(frozen=True)
class Ledger:
    """Events and the sources they cite."""

    events: tuple[Event, ...]
    sources: Mapping[str, Source]

    @property
    def claimants(self) -> list[str]:
        """Every claimant, sorted."""
        return sorted({e.claimant for e in self.events})

    def events_frame(self) -> pd.DataFrame:
        """Return the events as a DataFrame of text columns (one row per claim).

        Examples
        --------
        >>> from karabakh_routes import load
        >>> df = load().ledger.events_frame()
        >>> {"id", "start", "claimant", "quote"} <= set(df.columns)
        True
        """
        return pd.DataFrame([e.to_row() for e in self.events], columns=list(EVENT_COLUMNS), dtype="string")

    def sources_frame(self) -> pd.DataFrame:
        """Return the sources as a DataFrame of text columns."""
        return pd.DataFrame([s.to_dict() for s in self.sources.values()], columns=list(SOURCE_COLUMNS), dtype="string")


def read_ledger(
    events: PathLike | None = None, sources: PathLike | None = None, *, G: nx.MultiGraph | None = None
) -> Ledger:
    """Read sources and events together, validating every cross-reference."""
    src_path = sources if sources is not None else bundled_path("sources")
    problems: list[Problem] = []
    srcs: dict[str, Source] | None = None
    try:
        srcs = read_sources(src_path)
    except DataError as exc:
        problems.extend(exc.problems)
    try:
        evs = read_events(events, sources=srcs, G=G, sources_path=src_path)
    except DataError as exc:
        problems.extend(exc.problems)
    if G is not None and srcs is not None:
        for i, route in enumerate(routes_of(G).values()):
            for j, al in enumerate(route.alignments):
                if al.source and al.source not in srcs:
                    problems.append(Problem(_routes_path(G), f"route {i} (id={route.id}), alignment {j}",
                                            "source", al.source, f"a source id from {src_path}"))
    if problems:
        raise DataError(problems)
    assert srcs is not None
    return Ledger(tuple(evs), srcs)


def _write_csv(path: PathLike, columns: Sequence[str], rows: Iterable[Mapping[str, str]], *, excel_safe: bool = False) -> None:
    text = csv_text(columns, rows, excel_safe=excel_safe)
    with atomic_write(path) as fh:
        fh.write(text)


def write_events(events: Iterable[Event], path: PathLike, *, excel_safe: bool = False) -> None:
    """Write events to CSV (atomically); reading the file back gives equal events.

    Parameters
    ----------
    events
        The events, written in this order with their text as read.
    path
        The file. A symbolic link keeps pointing to it; a device or FIFO is written to, not replaced.
    excel_safe
        Prefix cells a spreadsheet would run as a formula with ``'`` (not lossless).

    Notes
    -----
    Cells are written exactly as they are, so reading the file back gives equal data. A
    spreadsheet, though, runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab,
    a carriage return, or a full-width ``＝＋－＠``) as a formula ("CSV injection"); data from
    untrusted sources can use that. With ``excel_safe=True`` such cells get a leading ``'``, which spreadsheets show as
    text; the file is then for viewing only: reading it back does not give the same data.

    Examples
    --------
    >>> import tempfile, pathlib, karabakh_routes as kr
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> events = kr.read_events()
    >>> write_events(events, folder / "events.csv")
    >>> kr.read_events(folder / "events.csv") == events
    True
    """
    rows = [e.to_row() for e in events]
    # ``as_of`` is the one optional column a file may lack: write it only when a row uses it,
    # so a file read without it is written back the same.
    columns = EVENT_COLUMNS if any(r.get("as_of") for r in rows) else EVENT_COLUMNS[:-1]
    _write_csv(path, columns, rows, excel_safe=excel_safe)


def write_sources(sources: Iterable[Source], path: PathLike, *, excel_safe: bool = False) -> None:
    """Write sources to CSV (atomically).

    Parameters
    ----------
    sources
        The sources, e.g. ``read_sources().values()``.
    path
        The file.
    excel_safe
        Prefix cells a spreadsheet would run as a formula with ``'`` (not lossless; see
        :func:`write_events` for the risk this guards against).
    """
    _write_csv(path, SOURCE_COLUMNS, (s.to_dict() for s in sources), excel_safe=excel_safe)

