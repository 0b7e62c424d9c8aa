"""Events and sources: the claim ledger. CSV read/write and validation.

One row of ``events.csv`` is one source's claim, never merged with another's. Every
cell stays text; dates are EDTF. See ``docs/data-format.md`` for the columns.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

from ._errors import DataError, DateError, Problem, TrafficError
from ._io import ArrowBatches, atomic_write, csv_text, gc_paused, read_csv_columns, read_text
from .datasets import bundled_path
from .dates import DATE_MAX, DateSpan, parse_edtf
from .network import _raise_or_warn, _routes_path, place_index, resolve_route, routes_of
from .places import mixed_script_note
from .vocab import BASELINE_CLAIMANT, EVENT_COLUMNS, EVENT_TYPES, SOURCE_COLUMNS, STATUSES, TRAFFIC_CLASSES

if TYPE_CHECKING:  # the frames load pandas when asked for
    import pandas as pd

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
_EVENT_OPTIONAL = tuple(c for c in EVENT_COLUMNS if c not in _EVENT_REQUIRED)
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


@dataclass(frozen=True, slots=True)
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


class _SourceSlots:
    """A :class:`Source` under construction (see :func:`_new_source`): the same slots, in the same order."""

    __slots__ = Source.__slots__

    def __init__(self, id: str, title: str, publisher: str, published: str, url: str, seed: str) -> None:  # noqa: A002
        self.id = id
        self.title = title
        self.publisher = publisher
        self.published = published
        self.url = url
        self.seed = seed


def _new_source(id: str, title: str, publisher: str, published: str, url: str, seed: str) -> Source:  # noqa: A002
    """Return ``Source(...)`` of these fields, without the frozen dataclass's ``object.__setattr__`` (as :func:`_new_event`)."""
    obj = _SourceSlots(id, title, publisher, published, url, seed)
    obj.__class__ = Source  # type: ignore[assignment]
    return obj  # type: ignore[return-value]


class _RawRow(Mapping[str, str]):
    """The cells of one ``events.csv`` row, column -> text as read (every column of ``EVENT_COLUMNS``).

    A read-only mapping over a tuple of the cells (a dict per claim would cost about ten times
    the memory); ``dict(raw)`` gives the plain dict. Equal to a mapping with the same items.
    """

    __slots__ = ("_cells",)

    def __init__(self, cells: Sequence[str]) -> None:
        self._cells = tuple(cells)

    def __getitem__(self, key: str) -> str:
        i = _COLUMN_INDEX.get(key) if isinstance(key, str) else None
        if i is None:
            raise KeyError(key)
        return self._cells[i]

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        i = _COLUMN_INDEX.get(key) if isinstance(key, str) else None
        return default if i is None else self._cells[i]

    def __contains__(self, key: object) -> bool:
        return key in _COLUMN_INDEX

    def __iter__(self) -> Iterator[str]:
        return iter(EVENT_COLUMNS)

    def __len__(self) -> int:
        return len(EVENT_COLUMNS)

    def __repr__(self) -> str:
        return repr(dict(zip(EVENT_COLUMNS, self._cells)))

    def __reduce__(self) -> tuple[type[_RawRow], tuple[tuple[str, ...]]]:
        return _RawRow, (self._cells,)


_COLUMN_INDEX = {c: i for i, c in enumerate(EVENT_COLUMNS)}


@dataclass(frozen=True, slots=True)
class Event:
    """One source's claim about one or more roads.

    ``start``/``end`` keep their EDTF text in ``DateSpan.text`` so a write is lossless.
    ``raw`` is the row as read (column -> text; a read-only mapping for events read from a file).
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
        raw = self.raw
        if type(raw) is _RawRow:
            return dict(zip(EVENT_COLUMNS, raw._cells))
        if raw:
            return {c: raw.get(c, "") for c in EVENT_COLUMNS}
        return {
            "id": self.id, "start": self.start.text, "end": self.end.text if self.end else "",
            "target": "|".join(self.targets), "type": self.type, "status": self.status,
            "traffic": "|".join(self.traffic), "allowed": "|".join(self.allowed),
            "direction": self.direction, "claimant": self.claimant, "source": self.source,
            "quote": self.quote, "note": self.note, "as_of": self.as_of.text if self.as_of else "",
        }


class _EventSlots:
    """An :class:`Event` under construction (see :func:`_new_event`): the same slots, in the same order."""

    __slots__ = Event.__slots__

    def __init__(self, id: str, start: DateSpan, end: DateSpan | None, targets: tuple[str, ...], type: str,  # noqa: A002
                 status: str, traffic: tuple[str, ...], allowed: tuple[str, ...], direction: str, claimant: str,
                 source: str, quote: str, note: str, row: int, raw: Mapping[str, str], as_of: DateSpan | None) -> None:
        self.id = id
        self.start = start
        self.end = end
        self.targets = targets
        self.type = type
        self.status = status
        self.traffic = traffic
        self.allowed = allowed
        self.direction = direction
        self.claimant = claimant
        self.source = source
        self.quote = quote
        self.note = note
        self.row = row
        self.raw = raw
        self.as_of = as_of


def _new_event(id: str, start: DateSpan, end: DateSpan | None, targets: tuple[str, ...], type: str,  # noqa: A002
               status: str, traffic: tuple[str, ...], allowed: tuple[str, ...], direction: str, claimant: str,
               source: str, quote: str, note: str, row: int, raw: Mapping[str, str], as_of: DateSpan | None) -> Event:
    """Return ``Event(...)`` of these fields, built about five times faster.

    The frozen dataclass sets each field with ``object.__setattr__``, which costs seconds over a
    million claims. This sets them on a :class:`_EventSlots` (the same slots in the same order,
    so the same memory layout) and then makes it an :class:`Event`: an ordinary, frozen one.
    """
    obj = _EventSlots(id, start, end, targets, type, status, traffic, allowed, direction, claimant, source, quote,
                      note, row, raw, as_of)
    obj.__class__ = Event  # type: ignore[assignment]
    return obj  # type: ignore[return-value]


class _Memo(dict):  # type: ignore[type-arg]
    """A dict that works out a missing key's value with ``make`` (once) and keeps it.

    ``map(memo.__getitem__, cells)`` then costs one lookup in C for a cell met before.
    """

    def __init__(self, make: Callable[[Any], Any]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self.make(key)
        return value


def _split(cell: str) -> tuple[str, ...]:
    return tuple([p for p in map(str.strip, cell.split("|")) if p])


_WS = re.compile(r"\s+")
# URL schemes are case-insensitive (RFC 3986); the same rule as the maps' links (maps/_html.safe_url).
_URL = re.compile(r"^https?://[^\s\"'<>]+$", re.IGNORECASE)


def _norm_ws(text: str) -> str:
    return _WS.sub(" ", text).strip()


#: Whether :func:`read_sources` reads a batch of valid rows column by column (tests compare it with row by row).
_SOURCES_BY_COLUMNS = True


def read_sources(path: PathLike | None = None) -> dict[str, Source]:
    """Read ``sources.csv`` (the bundled file by default).

    Examples
    --------
    >>> sources = read_sources()
    >>> sources["seed001"].publisher
    'DW'
    """
    p = path if path is not None else bundled_path("sources")
    header, batches = read_csv_columns(p, required=("id",), optional=SOURCE_COLUMNS[1:])
    # the columns in the order of SOURCE_COLUMNS (a missing optional column reads as "")
    order = [header.index(c) if c in header else -1 for c in SOURCE_COLUMNS]
    problems: list[Problem] = []
    out: dict[str, Source] = {}
    memo: dict[str, str] = {}  # one copy of each repeated publisher and date
    share = memo.setdefault
    file = str(p)
    checked: set[str] = set()  # dates of publication found valid

    def fast_batch(columns: Sequence[Sequence[str]]) -> bool:
        """Read a batch of rows column by column when every row is valid and names no seed (else read nothing)."""
        c_id, title, publisher, published, c_url, c_seed = columns
        sids = list(map(str.strip, c_id))
        if not all(sids) or len(set(sids)) != len(sids) or not out.keys().isdisjoint(sids) or any(c_seed):
            return False
        urls = list(map(str.strip, c_url))
        match = _URL.match
        if not all(match(u) for u in urls if u):
            return False
        for cell in set(published) - checked:
            if cell.strip():
                try:
                    parse_edtf(cell)
                except DateError:
                    return False
                checked.add(cell)
        out.update(zip(sids, map(_new_source, sids, title, [share(c, c) for c in publisher],
                                 [share(c, c) if c else c for c in published], urls, [""] * len(sids))))
        return True

    with gc_paused():
        for numbers, cols in batches:
            columns = [cols[i] if i >= 0 else [""] * len(numbers) for i in order]
            if _SOURCES_BY_COLUMNS and fast_batch(columns):
                continue
            for n, (c_id, title, publisher, published, c_url, c_seed) in zip(numbers, zip(*columns)):
                sid = c_id.strip()
                if not sid:
                    problems.append(Problem(file, f"row {n}", "id", "", "a non-empty source id"))
                    continue
                if sid in out:
                    problems.append(Problem(file, f"row {n}", "id", sid, "ids must be unique; this one is used twice"))
                    continue
                url = c_url.strip()
                if url and not _URL.match(url):
                    problems.append(Problem(file, f"row {n}", "url", url, "an http:// or https:// address (any letter "
                                            "case) without spaces, quotes or angle brackets, or empty"))
                if published:
                    published = share(published, published)
                    if published.strip() and published not in checked:
                        try:
                            parse_edtf(published)
                            checked.add(published)
                        except DateError as exc:
                            problems.append(Problem(file, f"row {n}", "published", published, str(exc)))
                seed = c_seed.strip()
                if seed:
                    seeds = Path(p).parent / "seeds"
                    seed_file = _seed_path(Path(p), seed)
                    if seed_file is None:
                        problems.append(Problem(file, f"row {n}", "seed", c_seed,
                                                f"a plain file name inside {seeds} (no folder, no '..'; "
                                                "the article the quotes come from)"))
                    elif not seed_file.is_file():
                        problems.append(Problem(file, f"row {n}", "seed", c_seed,
                                                f"a file in {seeds} or among the bundled articles "
                                                "(the article the quotes come from)"))
                out[sid] = Source(sid, title, share(publisher, publisher), published, url, seed)
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


#: The columns of which :func:`read_ledger` keeps each row's code when pyarrow parses the file
#: (see :func:`karabakh_routes._columnar.event_arrays`).
_CODED_COLUMNS = ("start", "end", "as_of", "type", "status", "traffic", "allowed", "direction", "claimant", "source",
                  "target")


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
    return list(_read_events(path, sources=sources, G=G, sources_path=sources_path)[0])


def _read_events(
    path: PathLike | None = None,
    *,
    sources: Mapping[str, Source] | None = None,
    G: nx.MultiGraph | None = None,
    sources_path: PathLike | None = None,
) -> tuple[Sequence[Event], dict[str, Any] | None]:
    """:func:`read_events`, and when pyarrow parsed the file the codes of :data:`_CODED_COLUMNS` (one per row).

    Every row of a file read without error is an event, in order: the codes are the events'.
    """
    p = path if path is not None else bundled_path("events")
    header, batches = read_csv_columns(p, required=_EVENT_REQUIRED, optional=_EVENT_OPTIONAL, encode=_CODED_COLUMNS)
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
    # The columns in the order of EVENT_COLUMNS (a missing optional column reads as "").
    order = [header.index(c) if c in header else -1 for c in EVENT_COLUMNS]
    # Each distinct cell text is checked once; the cache also holds one copy of each text, so
    # the many rows that repeat a cell share it (memory).
    dates: dict[str, tuple[str, DateSpan | None, str]] = {}
    classes: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {}
    target_cells: dict[str, tuple[str, tuple[str, ...], tuple[tuple[str, str, str], ...]]] = {}
    directions: dict[str, tuple[str, str, str]] = {}
    pending_notes: dict[str, list[tuple[str, str]]] = {}
    memo: dict[str, str] = {}
    share = memo.setdefault
    type_statuses = _TYPE_STATUSES

    def date_of(text: str) -> tuple[str, DateSpan | None, str]:
        entry = dates.get(text)
        if entry is None:
            try:
                entry = (text, parse_edtf(text), "")
            except DateError as exc:
                entry = (text, None, str(exc))
            dates[text] = entry
        return entry

    def classes_of(text: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
        entry = classes.get(text)
        if entry is None:
            values = _split(text)
            entry = classes[text] = (text, values, tuple(v for v in values if v not in TRAFFIC_CLASSES))
        return entry

    def targets_of(text: str) -> tuple[str, tuple[str, ...], tuple[tuple[str, str, str], ...]]:
        """Resolve a target cell (once per distinct text): its targets and its problems (col, value, expected).

        A warning about a target named here for the first time waits in ``pending_notes`` for the
        first row with this cell (see :func:`emit_notes`).
        """
        entry = target_cells.get(text)
        if entry is not None:
            return entry
        targets = _split(text)
        errs: list[tuple[str, str, str]] = []
        if not targets:
            errs.append(("target", text, "route ids/aliases or segment ids, separated by |"))
        if G is None or segment_ids.issuperset(targets):  # no route names: nothing to resolve
            entry = target_cells[text] = (text, targets, tuple(errs))
            return entry
        resolved: list[str] = []
        for t in targets:
            if t in segment_ids:
                resolved.append(t)
                continue
            if t not in route_of:
                route_of[t] = resolve_route(G, t)
            rid = route_of[t]
            if rid is None:
                routes = ", ".join(sorted(routes_of(G)))
                errs.append(("target", t, f"a route ({routes}) or segment id (see `karabakh-routes segments`)"
                             + _target_hint(G, t, segment_ids)))
            else:
                resolved.append(rid)
                if t not in noted:
                    noted.add(t)
                    note = _one_segment_note(G, t, rid)
                    if note:  # said once, on the first row that names it
                        pending_notes.setdefault(text, []).append((t, note))
        entry = target_cells[text] = (text, tuple(resolved), tuple(errs))
        return entry

    def emit_notes(text: str, n: int, cell_id: str) -> None:
        """Give the warnings waiting on a target cell, on row ``n`` (the first row with the cell)."""
        for t, note in pending_notes.pop(text, ()):
            warns.append(Problem(f, _row_where(n, cell_id), "target", t, note, "warning"))

    def direction_of(text: str) -> tuple[str, str, str]:
        """Return (the cell, the direction's place id or text, a problem) for a non-empty direction cell."""
        entry = directions.get(text)
        if entry is None:
            direction = text.strip()
            err = ""
            if direction and pidx is not None:
                place = pidx.get(direction)
                if place is not None:
                    direction = place
                else:
                    err = ("empty, or the place one-way traffic moves towards "
                           f"(closest: {', '.join(pidx.suggest(direction, 3)) or 'none'})")
            entry = directions[text] = (text, direction, err)
        return entry

    def check_row(n: int, cells: Sequence[str]) -> None:
        """Check one row with every check, in the order problems are listed; keep its event if it has none."""
        (c_id, c_start, c_end, c_target, c_type, c_status, c_traffic, c_allowed, c_direction, c_claimant,
         c_source, c_quote, c_note, c_as_of) = cells
        errs: list[tuple[str, str, str]] = []
        eid = c_id.strip()
        if not eid:
            errs.append(("id", "", "a non-empty event id"))
        elif eid in seen:
            errs.append(("id", eid, "ids must be unique; this one is used twice"))
        seen.add(eid)
        c_start, start, err = date_of(c_start)
        if err:
            errs.append(("start", c_start, err))
        end: DateSpan | None = None
        if c_end:
            if c_end.strip():
                c_end, end, err = date_of(c_end)
                if err:
                    errs.append(("end", c_end, err))
            else:
                c_end = share(c_end, c_end)
        if start and end and end.upper < start.lower:
            errs.append(("end", c_end, f"a date on or after the start ({c_start}); start and end look inverted"))
        c_type = share(c_type, c_type)
        c_status = share(c_status, c_status)
        etype = c_type.strip()
        status = c_status.strip()
        valid_statuses = type_statuses.get(etype)
        if valid_statuses is None:
            errs.append(("type", etype, f"one of {', '.join(EVENT_TYPES)}"))
        elif status not in valid_statuses:
            valid = "empty" if etype == "passage" else "one of " + ", ".join(valid_statuses)
            errs.append(("status", status, f"for type {etype!r}: {valid}"))
        if end is not None and etype == "passage":
            errs.append(("end", c_end, "empty: a passage is a one-off crossing on its start day"))
        as_of: DateSpan | None = None
        if c_as_of:
            if c_as_of.strip():
                c_as_of, as_of, err = date_of(c_as_of)
                if err:
                    errs.append(("as_of", c_as_of, err))
            else:
                c_as_of = share(c_as_of, c_as_of)
        c_claimant = share(c_claimant, c_claimant)
        claimant = c_claimant.strip()
        if (etype == "baseline") != (claimant == BASELINE_CLAIMANT):
            if etype == "baseline":
                errs.append(("claimant", c_claimant, f"{BASELINE_CLAIMANT!r} for a baseline row"))
            else:
                errs.append(("claimant", c_claimant, f"a claimant other than {BASELINE_CLAIMANT!r} "
                             "(reserved for rows of type baseline)"))
        c_traffic, traffic, unknown = classes_of(c_traffic)
        for v in unknown:
            errs.append(("traffic", v, _CLASSES_EXPECTED))
        c_allowed, allowed, unknown = classes_of(c_allowed)
        for v in unknown:
            errs.append(("allowed", v, _CLASSES_EXPECTED))
        if not allowed:
            if status == "restricted":
                errs.append(("allowed", "", "the classes that may pass, for a restricted status"))
            if etype == "passage":
                errs.append(("allowed", "", "the classes that passed, for a passage"))
        else:
            if status in ("open", "closed"):
                errs.append(("allowed", c_allowed,
                             f"empty for status {status!r} (use 'restricted' to name classes that pass)"))
            if traffic and not set(allowed).issubset(traffic):
                errs.append(("allowed", c_allowed, f"a subset of traffic ({c_traffic})"))
        cell_target = c_target
        c_target, targets, target_errs = targets_of(c_target)
        if pending_notes:
            emit_notes(cell_target, n, c_id)
        if target_errs:
            errs.extend(target_errs)
        direction = ""
        if c_direction:
            c_direction, direction, err = direction_of(c_direction)
            if err:
                errs.append(("direction", direction, err))
        if not claimant:
            errs.append(("claimant", "", "who makes the claim (e.g. 'ICRC')"))
        elif claimant not in claimants_seen:
            claimants_seen.add(claimant)
            note = mixed_script_note(claimant)
            if note:
                warns.append(Problem(f, _row_where(n, c_id), "claimant", claimant, note, "warning"))
        c_source = share(c_source, c_source)
        src = c_source.strip()
        if sources is not None:
            if src not in sources:
                errs.append(("source", src, "a source id from the sources file"))
            elif c_quote and sources[src].seed and c_quote.strip():
                seed = sources[src].seed
                if seed not in seed_texts:
                    seed_file = _seed_path(src_base, seed)
                    try:
                        seed_texts[seed] = _norm_ws(read_text(seed_file)) if seed_file is not None else ""
                    except DataError:
                        seed_texts[seed] = ""
                if _norm_ws(c_quote) not in seed_texts[seed]:
                    errs.append(("quote", c_quote, f"text found verbatim in the bundled article {seed} (source {src})"))
        if errs:
            where = _row_where(n, c_id)
            problems.extend(Problem(f, where, col, value, expected) for col, value, expected in errs)
            return
        if start is None:
            return
        raw = _RawRow((c_id, c_start, c_end, c_target, c_type, c_status, c_traffic, c_allowed, c_direction,
                       c_claimant, c_source, c_quote, c_note, c_as_of))
        events.append(_new_event(eid, start, end, targets, etype, status, traffic, allowed, direction, claimant, src,
                            c_quote, c_note, n, raw, as_of))

    def group_of(key: tuple[str, str, str, str, str]) -> tuple[Any, ...]:
        """Check the cells type, status, traffic, allowed and claimant of a row together (once per distinct five).

        Returns the five cells then the values (type, status, traffic, allowed, claimant) when they
        pass every check that depends on them alone, else ``()`` (the row is then checked in full).
        """
        c_type, c_status, c_traffic, c_allowed, c_claimant = key
        etype, status, claimant = c_type.strip(), c_status.strip(), c_claimant.strip()
        _, traffic, bad_traffic = classes_of(c_traffic)
        _, allowed, bad_allowed = classes_of(c_allowed)
        ok = (status in type_statuses.get(etype, ()) and (etype == "baseline") == (claimant == BASELINE_CLAIMANT)
              and claimant and not bad_traffic and not bad_allowed
              and (allowed or (status != "restricted" and etype != "passage"))
              and not (allowed and status in ("open", "closed"))
              and not (traffic and allowed and not set(allowed).issubset(traffic)))
        entry = groups[key] = (*key, etype, status, traffic, allowed, claimant) if ok else ()
        return entry

    groups: dict[tuple[str, str, str, str, str], tuple[Any, ...]] = {}
    source_ids = {sid: sid for sid in sources} if sources is not None else None
    def one_row(n: int, cells: Sequence[str]) -> None:
        """Read one row: the common case, a valid row, on cached checks; anything else with :func:`check_row`."""
        # The common case, a valid row, on cached checks; anything else is checked in full.
        (c_id, c_start, c_end, c_target, c_type, c_status, c_traffic, c_allowed, c_direction, c_claimant,
         c_source, c_quote, c_note, c_as_of) = cells
        eid = c_id.strip()
        start_entry = dates.get(c_start) or date_of(c_start)
        start = start_entry[1]
        if not eid or eid in seen or start is None:
            check_row(n, cells)
            return
        end = as_of = None
        if c_end:
            end_entry = dates.get(c_end) or date_of(c_end)
            end = end_entry[1]
            if end is None or end.upper < start.lower:
                check_row(n, cells)
                return
            c_end = end_entry[0]
        if c_as_of:
            as_of_entry = dates.get(c_as_of) or date_of(c_as_of)
            as_of = as_of_entry[1]
            if as_of is None:
                check_row(n, cells)
                return
            c_as_of = as_of_entry[0]
        key = (c_type, c_status, c_traffic, c_allowed, c_claimant)
        group = groups.get(key) or group_of(key)
        if not group or (end is not None and group[5] == "passage"):
            check_row(n, cells)
            return
        g_type, g_status, g_traffic, g_allowed, g_claimant, etype, status, traffic, allowed, claimant = group
        target_entry = target_cells.get(c_target) or targets_of(c_target)
        if target_entry[2]:
            check_row(n, cells)
            return
        if pending_notes:
            emit_notes(c_target, n, c_id)
        direction = ""
        if c_direction:
            c_direction, direction, err = direction_of(c_direction)
            if err:
                check_row(n, cells)
                return
        if source_ids is not None:
            src = source_ids.get(c_source)
            if src is None or (c_quote and sources[src].seed):  # type: ignore[index]
                check_row(n, cells)
                return
            c_source = src
        else:
            c_source = share(c_source, c_source)
            src = c_source.strip()
        seen.add(eid)
        if claimant not in claimants_seen:
            claimants_seen.add(claimant)
            note = mixed_script_note(claimant)
            if note:
                warns.append(Problem(f, _row_where(n, c_id), "claimant", claimant, note, "warning"))
        raw = _RawRow((c_id, start_entry[0], c_end, target_entry[0], g_type, g_status, g_traffic, g_allowed,
                       c_direction, g_claimant, c_source, c_quote, c_note, c_as_of))
        events.append(_new_event(eid, start, end, target_entry[1], etype, status, traffic, allowed, direction,
                                 claimant, src, c_quote, c_note, n, raw, as_of))

    no_direction = ("", "", "")
    date_cells = _Memo(lambda t: date_of(t) if t else None)  # a date cell's entry; an empty one: None
    group_cells = _Memo(lambda k: groups.get(k) or group_of(k))
    target_memo = _Memo(lambda t: target_cells.get(t) or targets_of(t))

    def fast_batch(numbers: Sequence[int], columns: Sequence[Sequence[str]]) -> bool:
        """Read a batch of rows column by column when every row is valid (else read nothing and return False).

        The same checks as :func:`one_row`, each on a whole column at once; nothing is recorded
        (events, ids and claimants seen) unless all rows pass and no warning is due in the batch.
        """
        (c_id, c_start, c_end, c_target, c_type, c_status, c_traffic, c_allowed, c_direction, c_claimant,
         c_source, c_quote, c_note, c_as_of) = columns
        eids = list(map(str.strip, c_id))
        if not all(eids) or not seen.isdisjoint(eids):
            return False
        # (lookups mapped over the columns: a cell met before costs one dict lookup in C)
        starts = list(map(date_cells.__getitem__, c_start))
        ends = list(map(date_cells.__getitem__, c_end))
        as_ofs = list(map(date_cells.__getitem__, c_as_of))
        groups_ = list(map(group_cells.__getitem__, zip(c_type, c_status, c_traffic, c_allowed, c_claimant)))
        if not all(groups_):
            return False
        for start_e, end_e, as_of_e, group in zip(starts, ends, as_ofs, groups_):
            if start_e is None or start_e[1] is None:  # an empty start cell, or a date that does not parse
                return False
            start = start_e[1]
            if end_e is not None:
                end = end_e[1]
                if end is None or end.upper < start.lower or group[5] == "passage":
                    return False
            if as_of_e is not None and as_of_e[1] is None:
                return False
        target_es = list(map(target_memo.__getitem__, c_target))
        if pending_notes or any(e[2] for e in target_es):
            return False  # a warning is due, or a problem: read row by row
        direction_es = [direction_of(t) if t else no_direction for t in c_direction]
        if any(e[2] for e in direction_es):
            return False
        src_cells: Sequence[str]
        if source_ids is not None:
            found = list(map(source_ids.get, c_source))
            if None in found or any(q and sources[s].seed for q, s in zip(c_quote, found) if q):  # type: ignore[index]
                return False
            src_cells = srcs = found  # type: ignore[assignment]
        else:
            src_cells = [share(c, c) for c in c_source]
            srcs = [c.strip() for c in src_cells]
        g_cols = [list(map(itemgetter(i), groups_)) for i in range(10)]  # (faster than zip(*groups_))
        new_claimants = set(g_cols[9]) - claimants_seen
        if any(mixed_script_note(c) for c in new_claimants):
            return False  # a warning is due: read row by row, to give it on the right row
        before = len(seen)
        seen.update(eids)
        if len(seen) - before != len(eids):  # an id used twice in the batch: as if nothing was read
            seen.difference_update(eids)  # (none of them was seen before: checked above)
            return False
        claimants_seen.update(new_claimants)
        raws = map(_RawRow, zip(c_id, [e[0] for e in starts], [e[0] if e else "" for e in ends],
                                [e[0] for e in target_es], g_cols[0], g_cols[1], g_cols[2], g_cols[3],
                                [e[0] for e in direction_es], g_cols[4], src_cells, c_quote, c_note,
                                [e[0] if e else "" for e in as_ofs]))
        events.extend(map(_new_event, eids, [e[1] for e in starts], [e[1] if e else None for e in ends],
                          [e[1] for e in target_es], g_cols[5], g_cols[6], g_cols[7], g_cols[8],
                          [e[1] for e in direction_es], g_cols[9], srcs, c_quote, c_note, numbers, raws,
                          [e[1] if e else None for e in as_ofs]))
        return True

    def whole_file(table: ArrowBatches) -> _EventRows | None:
        """Check a file pyarrow parsed column by column, each rule once per distinct cell; None unless every row passes.

        The same checks as :func:`fast_batch`, on the codes of the file's cells (equal cells, equal
        codes): each distinct cell, or distinct five cells of type, status, traffic, allowed and
        claimant, is checked once, and the rules that read two columns (an end before its start,
        a passage with an end, a quote from a bundled article) are compared in arrays. Nothing is
        recorded. The events are made when they are read (:class:`_EventRows`).
        """
        import numpy as np

        codes, n = table.codes, table.table.num_rows
        if not n or any(c not in codes for c in _EVENT_REQUIRED if c != "id"):
            return None

        def cells(name: str) -> tuple[list[str], np.ndarray]:
            if name not in codes:  # a column the file lacks: every cell empty
                return [""], np.zeros(n, np.int32)
            return table.dictionaries[name].to_pylist(), codes[name]

        ids: list[str] = table.first if table.header[0] == "id" and table.first is not None else (
            table.column("id").to_pylist())
        eids = list(map(str.strip, ids))
        if not all(eids) or len(set(eids)) != n:
            return None
        entries: dict[str, tuple[list[Any], np.ndarray]] = {}
        for name in ("start", "end", "as_of"):
            values, code = cells(name)
            found: list[Any] = [date_of(t) if t or name == "start" else None for t in values]
            if any(e is not None and e[1] is None for e in found):
                return None  # a date that does not parse (or an empty start)
            entries[name] = (found, code)
        start_lo = np.array([e[1].lower.toordinal() for e in entries["start"][0]], np.int64)
        end_up = np.array([e[1].upper.toordinal() if e else DATE_MAX.toordinal() for e in entries["end"][0]], np.int64)
        has_end = np.array([e is not None for e in entries["end"][0]], bool)
        s_code, e_code = entries["start"][1], entries["end"][1]
        if (end_up[e_code] < start_lo[s_code]).any():
            return None
        five = [cells(c) for c in ("type", "status", "traffic", "allowed", "claimant")]
        g_code, g_first = _combine([c for _, c in five])
        found_groups = [groups.get(k) or group_of(k) for k in
                        zip(*([values[c] for c in code[g_first].tolist()] for values, code in five))]
        if not all(found_groups):
            return None
        passage = np.array([g[5] == "passage" for g in found_groups], bool)
        if (passage[g_code] & has_end[e_code]).any():
            return None
        entries["group"] = (found_groups, g_code)
        values, code = cells("target")
        found = _plain_targets(values, table.dictionaries["target"], segment_ids) if G is not None else [None] * len(values)
        found = [e or target_cells.get(t) or targets_of(t) for e, t in zip(found, values)]  # (a list of Any, above)
        if pending_notes or any(e[2] for e in found):
            return None  # a warning is due, or a problem
        entries["target"] = (found, code)
        values, code = cells("direction")
        found = [direction_of(t) if t else no_direction for t in values]
        if any(e[2] for e in found):
            return None
        entries["direction"] = (found, code)
        values, code = cells("source")
        if source_ids is not None:
            ids_found = list(map(source_ids.get, values))
            if None in ids_found:
                return None
            seeded = np.array([bool(sources[s].seed) for s in ids_found])  # type: ignore[index]
            quotes = table.column("quote")
            if seeded.any() and quotes is not None:
                import pyarrow.compute as pc

                said = pc.greater(pc.binary_length(quotes), 0).to_numpy(zero_copy_only=False)
                if (seeded[code] & said).any():
                    return None  # a quote to find in its article: checked row by row
            entries["source"] = ([(s, s) for s in ids_found], code)
        else:
            entries["source"] = ([(c, c.strip()) for c in values], code)
        if any(mixed_script_note(c) for c in {g[9] for g in found_groups} - claimants_seen):
            return None  # a warning is due: read row by row, to give it on the right row
        rows = _EventRows(ids, eids, entries, table.column("quote"), table.column("note"))
        table.release()
        return rows

    with gc_paused():  # (its checks make a tuple per distinct cell: hundreds of thousands)
        read = whole_file(batches) if isinstance(batches, ArrowBatches) else None
    if read is None:
        with gc_paused():  # a million claims are a million objects: no collector passes over them meanwhile
            for numbers, cols in batches:
                columns = [cols[i] if i >= 0 else [""] * len(numbers) for i in order]
                if not fast_batch(numbers, columns):
                    for n, cells in zip(numbers, zip(*columns)):
                        one_row(n, cells)
    if problems:
        raise DataError(problems + warns)
    _raise_or_warn(warns)
    codes: dict[str, Any] | None = getattr(batches, "codes", None)
    out: Sequence[Event] = read if read is not None else events
    if codes is not None and any(len(c) != len(out) for c in codes.values()):
        codes = None  # (cannot happen: every row read without error is an event)
    return out, codes


#: A target cell of plain ids: printable ASCII but spaces and ``|``, joined by ``|`` (RE2, as pyarrow reads it).
_PLAIN_TARGETS = r"^[\x21-\x7b\x7d\x7e]+(\|[\x21-\x7b\x7d\x7e]+)*$"


def _plain_targets(values: list[str], cells: Any, segment_ids: set[str]) -> list[tuple[str, tuple[str, ...], tuple[()]] | None]:
    """For each distinct target cell (``values``, the same as the pyarrow array ``cells``) that names segment ids only.

    Its entry as :func:`_read_events`'s ``targets_of`` gives it, ``(cell, targets, ())``; None
    for any other cell (a route name, a space, an empty part: for ``targets_of``). A cell of
    printable ASCII without spaces splits on ``|`` into its targets as ``_split`` splits it,
    and each is looked up at once (pyarrow).
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    out: list[tuple[str, tuple[str, ...], tuple[()]] | None] = [None] * len(values)
    plain = np.flatnonzero(pc.match_substring_regex(cells, _PLAIN_TARGETS).to_numpy(zero_copy_only=False))
    if not len(plain) or not segment_ids:
        return out
    parts = pc.split_pattern(cells.take(pa.array(plain)), "|")
    flat = parts.flatten()
    bounds = parts.offsets.to_numpy(zero_copy_only=False)
    known = pc.is_in(flat, value_set=pa.array(list(segment_ids), pa.string())).to_numpy(zero_copy_only=False)
    every = np.logical_and.reduceat(known, bounds[:-1]) if len(known) else np.zeros(0, bool)
    names = flat.to_pylist()
    for k, i in zip(np.flatnonzero(every).tolist(), plain[every].tolist()):
        out[i] = (values[i], tuple(names[bounds[k]:bounds[k + 1]]), ())
    return out


def _combine(columns: Sequence[Any]) -> tuple[Any, Any]:
    """Number the distinct rows of several code columns: (each row's number, the first row of each number).

    Numbers follow the rows' combined codes in sorted order (not first appearance). When the
    combined codes are few for the rows (types, statuses, classes and claimants: tens of
    thousands at most), a table of every code numbers them without sorting.
    """
    import numpy as np

    n = len(columns[0])
    key = np.zeros(n, np.int64)
    for c in columns:
        m = int(c.max()) + 1
        if (int(key.max()) + 1) * m >= 1 << 62:  # renumber first: the product would not fit
            key = np.unique(key, return_inverse=True)[1].astype(np.int64)
        key = key * m + c
    size = int(key.max()) + 1 if n else 0
    if size > 4 * n + (1 << 16):
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        return inverse.reshape(-1), first
    present = np.zeros(size, bool)
    present[key] = True
    codes = np.flatnonzero(present)
    number = np.empty(size, np.int64)
    number[codes] = np.arange(len(codes))
    inverse = number[key]
    first = np.full(len(codes), n, np.int64)
    np.minimum.at(first, inverse, np.arange(n))
    return inverse, first


#: The columns whose cell alone makes one field of an event, and that field (see :meth:`_EventRows.cell_fields`).
_CELL_FIELDS = {"start": "start", "end": "end", "as_of": "as_of", "source": "source", "direction": "direction",
                "target": "targets"}
#: Rows made into events at once when a file's events are iterated (see :class:`_EventRows`).
_EVENT_CHUNK = 1 << 13


class _EventRows(Sequence[Event]):
    """The events of a file read column by column (:func:`_read_events`): each made when it is first read, then kept.

    A read-only sequence, equal to a tuple of the same events; what is kept per row until then
    is its cells' codes and id (the quote and note as pyarrow arrays), not an :class:`Event`
    and its raw row (about a kilobyte each). ``ledger.events[i]`` makes one event; iterating
    makes them in chunks.
    """

    def __init__(self, ids: list[str], eids: list[str], entries: dict[str, tuple[list[Any], Any]],
                 quote: Any, note: Any) -> None:
        self._ids, self._eids, self._entries = ids, eids, entries
        self._quote, self._note = quote, note
        self._built: list[Event | None] = [None] * len(ids)

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def ids(self) -> list[str]:
        """Every event's id, in order (without making the events)."""
        return self._eids

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return tuple(self.take(range(*i.indices(len(self)))))
        i = i.__index__()  # (a numpy integer as a Python int: the event's row is one)
        ev = self._built[i]
        if ev is None:
            i = i if i >= 0 else i + len(self)
            ev = self._built[i] = self._make_one(i)
        return ev

    def _make_one(self, i: int) -> Event:
        """The event at position ``i`` (as :meth:`_make` makes it, for one row: scalar lookups)."""
        e = self._entries
        start, end, as_of, target, direction, source = (
            e[c][0][int(e[c][1][i])] for c in ("start", "end", "as_of", "target", "direction", "source"))
        g = e["group"][0][int(e["group"][1][i])]
        quote = self._quote[i].as_py() if self._quote is not None else ""
        note = self._note[i].as_py() if self._note is not None else ""
        raw = _RawRow((self._ids[i], start[0], end[0] if end else "", target[0], g[0], g[1], g[2], g[3], direction[0],
                       g[4], source[0], quote, note, as_of[0] if as_of else ""))
        return _new_event(self._eids[i], start[1], end[1] if end else None, target[1], g[5], g[6], g[7], g[8],
                          direction[1], g[9], source[1], quote, note, i + 2, raw, as_of[1] if as_of else None)

    def __iter__(self) -> Iterator[Event]:
        n = len(self)
        for lo in range(0, n, _EVENT_CHUNK):
            yield from self.take(range(lo, min(lo + _EVENT_CHUNK, n)))

    def take(self, rows: Sequence[int]) -> list[Event]:
        """The events at these positions (made where not yet made, then kept), in that order."""
        return self._at(rows, keep=True)

    def peek(self, rows: Sequence[int]) -> list[Event]:
        """The events at these positions, made where not yet made and not kept (to read a cell of a few of many)."""
        return self._at(rows, keep=False)

    def _at(self, rows: Sequence[int], *, keep: bool) -> list[Event]:
        built = self._built
        out = [built[r] for r in rows]
        if None in out:
            missing = [r for r, e in zip(rows, out) if e is None]
            with gc_paused():
                made = self._make(missing)
            if keep:
                for r, ev in zip(missing, made):
                    built[r] = ev
                out = [built[r] for r in rows]
            else:
                fresh = iter(made)
                out = [e if e is not None else next(fresh) for e in out]
        return out  # type: ignore[return-value]

    def cell_fields(self, column: str) -> tuple[str, list[Any]] | None:
        """For a column whose cell alone makes one field of an event: that field's name, and its value for each distinct cell.

        The values are by code (the ledger's ``_codes[column]``). ``start``, ``end``, ``as_of``,
        ``source``, ``direction`` and ``target`` (the field ``targets``); None for the others.
        Used to read every distinct cell's field without making its first event (see
        :func:`karabakh_routes._columnar.per_event`).
        """
        name = _CELL_FIELDS.get(column)
        if name is None:
            return None
        return name, [e[1] if e is not None else None for e in self._entries[column][0]]

    def facts(self) -> dict[str, Any]:
        """What a summary of the ledger counts, without making the events (as from them, see ``_repr._ledger_facts``).

        ``types``: events per type; ``claimants``: every claimant; ``evidence_claimants``: those of
        events other than baselines; ``first``/``last``: the earliest start and the latest start or
        end of those events (None when there are none).
        """
        import numpy as np

        groups, g_code = self._entries["group"]
        per_group = np.bincount(g_code, minlength=len(groups))
        types: dict[str, int] = {}
        for g, n in zip(groups, per_group.tolist()):
            if n:
                types[g[5]] = types.get(g[5], 0) + n
        evidence = np.array([g[5] != "baseline" for g in groups], bool)[g_code]
        starts, s_code = self._entries["start"]
        ends, e_code = self._entries["end"]
        lo = np.array([e[1].lower.toordinal() for e in starts], np.int64)[s_code[evidence]]
        up = np.array([e[1].upper.toordinal() if e else 0 for e in ends], np.int64)[e_code[evidence]]
        first = last = None
        if len(lo):
            first, last = date.fromordinal(int(lo.min())), date.fromordinal(int(np.maximum(lo, up).max()))
        used = per_group > 0
        return {"types": types, "claimants": {g[9] for g, u in zip(groups, used.tolist()) if u},
                "evidence_claimants": {g[9] for g, u in zip(groups, used.tolist()) if u and g[5] != "baseline"},
                "first": first, "last": last}

    def _text(self, column: Any, rows: list[int]) -> list[str]:
        if column is None:
            return [""] * len(rows)
        if rows and rows[-1] - rows[0] == len(rows) - 1:  # one run of rows
            return column.slice(rows[0], len(rows)).to_pylist()  # type: ignore[no-any-return]
        import pyarrow as pa

        return column.take(pa.array(rows, pa.int64())).to_pylist()  # type: ignore[no-any-return]

    def _make(self, rows: list[int]) -> list[Event]:
        import numpy as np

        at = np.asarray(rows, np.int64)

        def col(name: str) -> list[Any]:
            found, code = self._entries[name]
            return list(map(found.__getitem__, code[at].tolist()))

        starts, ends, as_ofs, target_es, direction_es, src_es = map(
            col, ("start", "end", "as_of", "target", "direction", "source"))
        g = [list(map(itemgetter(i), col("group"))) for i in range(10)]
        ids, quotes, notes = [self._ids[r] for r in rows], self._text(self._quote, rows), self._text(self._note, rows)
        raws = map(_RawRow, zip(ids, [e[0] for e in starts], [e[0] if e else "" for e in ends],
                                [e[0] for e in target_es], g[0], g[1], g[2], g[3], [e[0] for e in direction_es],
                                g[4], [e[0] for e in src_es], quotes, notes, [e[0] if e else "" for e in as_ofs]))
        return list(map(_new_event, [self._eids[r] for r in rows], [e[1] for e in starts],
                        [e[1] if e else None for e in ends], [e[1] for e in target_es], g[5], g[6], g[7], g[8],
                        [e[1] for e in direction_es], g[9], [e[1] for e in src_es], quotes, notes,
                        [r + 2 for r in rows], raws, [e[1] if e else None for e in as_ofs]))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, (tuple, list, _EventRows)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __add__(self, other: object) -> tuple[Event, ...]:
        if not isinstance(other, (tuple, _EventRows)):
            return NotImplemented
        return (*self, *other)

    def __radd__(self, other: object) -> tuple[Event, ...]:
        if not isinstance(other, tuple):
            return NotImplemented
        return (*other, *self)

    def __repr__(self) -> str:
        return repr(tuple(self))

    def __reduce__(self) -> tuple[type[tuple[Event, ...]], tuple[tuple[Event, ...]]]:
        return tuple, (tuple(self),)


def _row_where(n: int, cell_id: str) -> str:
    """Return how a problem names the row: ``row 5 (id=E4)`` (the id as written), ``row 5`` without one."""
    return f"row {n}" + (f" (id={cell_id})" if cell_id.strip() else "")


_CLASSES_EXPECTED = f"traffic classes from: {', '.join(TRAFFIC_CLASSES)} (separate several with |)"


@dataclass(frozen=True)
class Ledger:
    """Events and the sources they cite.

    ``events`` is a sequence of :class:`Event` in file order: a tuple, or for a large file read
    by :func:`read_ledger` a read-only sequence that makes each event when it is first read
    (equal to the tuple of its events; ``tuple(ledger.events)`` makes them all).
    """

    events: Sequence[Event]
    sources: Mapping[str, Source]

    @property
    def claimants(self) -> list[str]:
        """Every claimant, sorted."""
        if isinstance(self.events, _EventRows):  # (events made as read: without making them)
            return sorted(self.events.facts()["claimants"])
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
        import pandas as pd

        return pd.DataFrame([e.to_row() for e in self.events], columns=list(EVENT_COLUMNS), dtype="string")

    def sources_frame(self) -> pd.DataFrame:
        """Return the sources as a DataFrame of text columns."""
        import pandas as pd

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
    codes = None
    try:
        evs, codes = _read_events(events, sources=srcs, G=G, sources_path=src_path)
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
    ledger = Ledger(evs if isinstance(evs, _EventRows) else tuple(evs), srcs)
    if codes is not None:
        # each row's code in some columns, for Timeline to make the events' number columns from
        # (karabakh_routes._columnar.event_arrays): not a field (a Ledger with other
        # events, made by dataclasses.replace, does not carry them); the events are a tuple
        object.__setattr__(ledger, "_codes", codes)
    return ledger


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

