"""The columnar compiled store: every claim's windows and every key's change points as arrays.

``Timeline`` compiles its state claims here (``engine="columnar"``, the default). The
result is the same as compiling each (segment, class, claimant) key on its own with
:func:`karabakh_routes.timeline._compile` (the reference path, ``engine="reference"``): the
same change points, the same claim in force after each, the same uncertain claims. A
property test (tests/test_columnar.py) holds the two to that.

Data flow (numpy throughout; Python loops only over the events and the routes):

1. :func:`event_arrays`: one row per event: start/end bounds, uncertainty bounds, as-of date,
   kind, claimant, the classes it is about (a bit mask).
2. :func:`base_windows`: every event's targets expanded to (event, segment, first day, last
   day) windows: a route target through the route's dated alignments, a segment target as a
   route of one row (one join for both), spans of one segment merged where they touch, as the
   reference's ``_windows`` does. These are the windows with no horizon; a horizon only clips their ends.
3. :func:`compile_keys`: per key (of the traffic classes asked for: a :class:`Timeline`
   compiles each class when it is first asked about), the marks (window starts, the day
   after window ends, the uncertainty bounds of the claims' dates), and at each mark the winner (the claim in force
   with the latest window start, then start, then row) and the claims whose dates are
   uncertain on that day, for all keys at once. Each claim is in force over a run of its
   key's marks, so the winner at every mark is a range minimum over the claims' precedence
   numbers (:func:`_range_min`: each run written as two power-of-two blocks, pushed down
   level by level); the uncertain claims are each claim's uncertain runs expanded to marks.
   Sorts and searches only: O(N log N) in the items, whatever the number of claims per key.
   :func:`change_days` gives the days those marks fall on (and the days claims turn carried)
   for every class without compiling: presence arrays by (class, day).

A lookup is one binary search over ``key * _BIG + day``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import itertools
import math
import mmap
import operator
import os
import struct
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from .dates import DATE_MAX, DATE_MIN
from .events import TRAFFIC_CLASSES, Event, _EventRows

__all__ = ["EventArrays", "Windows", "Compiled", "event_arrays", "base_windows", "clip_windows", "compile_keys"]

I64 = npt.NDArray[np.int64]
_Int = TypeVar("_Int", np.int32, np.int64)
Idx = npt.NDArray[np.int32] | npt.NDArray[np.int64]
_SHIFT = 22
_BIG = 1 << _SHIFT  # above every date ordinal (DATE_MAX.toordinal() == 3_652_059)
MAXO = DATE_MAX.toordinal()
MINO = DATE_MIN.toordinal()
KIND_CLAIM, KIND_PASSAGE, KIND_BASELINE = 0, 1, 2
_CLASS_BIT = {c: 1 << i for i, c in enumerate(TRAFFIC_CLASSES)}
_CHUNK = 1 << 22  # rows per block where a long array is processed in blocks, to bound the temporaries


@dataclass
class EventArrays:
    """One row per event (index = position in ``events``)."""

    events: Sequence[Event]  # a tuple, or a ledger's events made as they are read (see events._EventRows)
    start_lo: I64
    end_full: I64  # the last day with no horizon: end's upper bound, the day for a passage, else DATE_MAX
    has_end: npt.NDArray[np.bool_]
    row: I64
    as_of: I64
    kind: npt.NDArray[np.int8]
    claimant: I64  # index into ``claimants``
    claimants: list[str]
    classes: npt.NDArray[np.uint8]  # bit mask: claims and baselines: the classes; passages: those that passed
    unc: I64  # shape (n, 4): start earliest, start latest, end earliest, end latest (-1: not uncertain)
    says_open: npt.NDArray[np.uint8]  # bit mask of the classes a claim or baseline says are open
    one_way: npt.NDArray[np.bool_]  # a direction is set


def _first_rows(codes: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    """The first row of each code, codes ``0..k-1`` each used (pyarrow numbers them in order of first appearance)."""
    if not len(codes):
        return np.zeros(0, np.int64)
    run = np.maximum.accumulate(codes)
    k = np.arange(int(run[-1]) + 1)
    first: npt.NDArray[np.int64] = np.searchsorted(run, k).astype(np.int64)
    if len(first) and (first < len(codes)).all() and (codes[first] == k).all():
        return first
    return np.unique(codes, return_index=True)[1].astype(np.int64)  # (numbered some other way)


class _OneField:
    """A stand-in for an event in :func:`per_event`: one field of it (a ``get`` returns what it reads, not the event)."""

    __slots__ = ("start", "end", "as_of", "source", "direction", "targets")


def at_rows(events: Sequence[Event], rows: list[int]) -> list[Event]:
    """``[events[r] for r in rows]``, to read a cell of each.

    A ledger's events made as they are read are made in one batch, and not kept (``peek``).
    """
    return events.peek(rows) if isinstance(events, _EventRows) else [events[r] for r in rows]


def per_event(events: Sequence[Event], codes: Mapping[str, npt.NDArray[Any]] | None, column: str,
              get: Callable[[Event], Any], dtype: Any,
              of_fields: Callable[[list[Any]], Sequence[Any]] | None = None) -> npt.NDArray[Any]:
    """``get(event)`` for every event, as an array; ``get`` must read only what the event holds of ``column``.

    ``get`` returns what it reads, never the event itself: for a ledger's events made as they are
    read (:class:`karabakh_routes.events._EventRows`) and a column whose cell alone makes one of
    an event's fields, it is given one stand-in holding that field, set to each cell's value in
    turn, instead of each cell's first event.

    With ``codes`` (each row's code in some columns of the file the events were read from: equal
    cells, equal codes, see :func:`karabakh_routes._io.read_csv_columns`) it is called once per
    distinct cell, on the first event with it; without, once per event. Either way in the order
    the events come (a ``get`` that numbers what it meets numbers alike both ways).

    ``of_fields``, if given, does ``get``'s work for a list of the field's values at once (in
    any order: it must not number what it meets); it is used instead of ``get`` when the
    events have each distinct cell's field at hand (at L the one-way places of 38,700
    distinct ``direction`` cells at once instead of one stand-in at a time).
    """
    if codes is None:
        return np.array([get(e) for e in events], dtype)
    c = codes.get(column)
    if c is None:  # (a column the file lacks: every cell empty, the first event's value holds for all)
        return np.full(len(events), get(events[0]) if len(events) else 0, dtype)
    found = events.cell_fields(column) if isinstance(events, _EventRows) else None  # (each cell's field)
    if found is not None and of_fields is not None:
        by_cell: npt.NDArray[Any] = np.asarray(of_fields(found[1]), dtype).reshape(len(found[1]))
        spread_cells: npt.NDArray[Any] = by_cell[c]
        return spread_cells
    first = _first_rows(c)
    order = np.argsort(first, kind="stable")
    out = np.empty(len(first), dtype)
    if found is not None:  # ``get`` reads that field of one stand-in, set to each cell's value in turn
        name, values = found
        holder = _OneField()

        def one(value: Any) -> Any:
            setattr(holder, name, value)
            return get(holder)  # type: ignore[arg-type]

        out[order] = [one(values[k]) for k in order.tolist()]
    else:
        out[order] = [get(e) for e in at_rows(events, first[order].tolist())]
    spread: npt.NDArray[Any] = out[c]
    return spread


def event_arrays(events: Sequence[Event], codes: Mapping[str, npt.NDArray[Any]] | None,
                 published: Callable[[str], dt.date | None]) -> EventArrays:
    """Return the per-event columns.

    ``codes``: each event's code in some columns of the file it was read from, when pyarrow read
    it (see :func:`per_event`). What an event holds of a column depends on that cell alone, so
    each number is then worked out once per distinct cell and spread to every row by its code:
    no pass over the million events; without codes (a file read by the csv module, events made
    in code), one pass per column. ``published(source)``: the source's publication date. An
    event's as-of date is its ``as_of`` field's earliest day, else its source's publication
    date, else the last day the claim may have started on (docs/semantics.md, section 1).
    """
    n = len(events)

    def per_cell(column: str, get: Callable[[Event], Any], dtype: Any) -> npt.NDArray[Any]:
        return per_event(events, codes, column, get, dtype)

    kinds = {"passage": KIND_PASSAGE, "baseline": KIND_BASELINE}
    kind = per_cell("type", lambda e: kinds.get(e.type, KIND_CLAIM), np.int8)
    passage = kind == KIND_PASSAGE
    start_lo = per_cell("start", lambda e: e.start.lower.toordinal(), np.int64)
    has_end = per_cell("end", lambda e: e.end is not None, bool)
    end_up = per_cell("end", lambda e: e.end.upper.toordinal() if e.end is not None else MAXO, np.int64)
    end_full = np.where(passage, start_lo, np.where(has_end, end_up, MAXO))
    row = np.fromiter((e.row for e in events[:1]), np.int64, min(n, 1))
    row = row[0] + np.arange(n, dtype=np.int64) if n else np.zeros(0, np.int64)
    if n and events[-1].row != row[-1]:  # (rows read from a file are numbered one after the other)
        row = np.array([e.row for e in events], np.int64)
    stated = per_cell("as_of", lambda e: e.as_of.lower.toordinal() if e.as_of is not None else -1, np.int64)
    pub_of: dict[str, int] = {}  # (each source's date parsed once)

    def published_day(e: Event) -> int:
        if e.source not in pub_of:
            day = published(e.source)
            pub_of[e.source] = day.toordinal() if day is not None else -1
        return pub_of[e.source]

    pub = per_cell("source", published_day, np.int64)
    start_up = per_cell("start", lambda e: e.start.upper.toordinal(), np.int64)
    aso = np.where(stated >= 0, stated, np.where(pub >= 0, pub, start_up))
    # claimants numbered in the order they first appear (one may be written several ways)
    seen: dict[str, int] = {}
    claimant = per_cell("claimant", lambda e: seen.setdefault(e.claimant, len(seen)), np.int64)
    bits: dict[tuple[str, ...], int] = {}  # the bit mask of each tuple of classes met

    def mask(names: tuple[str, ...]) -> int:
        if names not in bits:
            bits[names] = functools.reduce(operator.or_, (_CLASS_BIT[c] for c in names), 0)
        return bits[names]

    allowed = per_cell("allowed", lambda e: mask(e.allowed), np.uint8)
    classes = np.where(passage, allowed, per_cell("traffic", lambda e: mask(e.classes), np.uint8))
    status = per_cell("status", lambda e: {"open": 1, "restricted": 2}.get(e.status, 0), np.int8)
    says_open = np.where(status == 1, classes, np.where(status == 2, classes & allowed, 0))
    one_way = per_cell("direction", lambda e: bool(e.direction), bool)
    unc = np.full((n, 4), -1, np.int64)

    def bound(column: str, side: str) -> Callable[[Event], int]:
        def get(e: Event) -> int:
            span = e.start if column == "start" else e.end
            return getattr(span, side).toordinal() if span is not None and span.uncertain else -1
        return get

    for col, column in ((0, "start"), (2, "end")):
        unc[:, col] = per_cell(column, bound(column, "earliest"), np.int64)
        unc[:, col + 1] = per_cell(column, bound(column, "latest"), np.int64)
    return EventArrays(_kept(events), start_lo, end_full, has_end, row, aso, kind, claimant, list(seen), classes, unc,
                       says_open.astype(np.uint8), one_way)


#: The number columns of :class:`EventArrays`, as kept in the cache (every field but the events and claimants).
EVENT_ARRAYS = ("start_lo", "end_full", "has_end", "row", "as_of", "kind", "claimant", "classes", "unc", "says_open",
                "one_way")


def _kept(events: Sequence[Event]) -> Sequence[Event]:
    """The events as :class:`EventArrays` keeps them: a tuple, or a ledger's sequence that makes them as read."""
    return events if isinstance(events, (tuple, _EventRows)) else tuple(events)


def event_arrays_from(events: Sequence[Event], arrays: Mapping[str, npt.NDArray[Any]],
                      codes: Mapping[str, npt.NDArray[Any]] | None = None) -> EventArrays:
    """The :class:`EventArrays` of ``events`` from their number columns (as :func:`event_arrays` made them).

    The claimants' names are the events' claimants in first-seen order, as the codes were given
    (with ``codes``, read from the first event of each distinct claimant cell).
    """
    seen: dict[str, int] = {}
    per_event(events, codes, "claimant", lambda e: seen.setdefault(e.claimant, len(seen)), np.int64)
    return EventArrays(_kept(events), claimants=list(seen), **{name: arrays[name] for name in EVENT_ARRAYS})


def as_of_dates(ea: EventArrays) -> dict[str, dt.date]:
    """Each event's id and its as-of date (from the ordinals: one ``date`` object per distinct day)."""
    days = ea.as_of.tolist()
    date_of = {d: dt.date.fromordinal(d) for d in set(days)}
    events = ea.events  # (a ledger's events made as read: their ids without making them)
    return dict(zip(events.ids if isinstance(events, _EventRows) else map(operator.attrgetter("id"), events),
                    map(date_of.__getitem__, days)))


@dataclass
class Windows:
    """(event, segment, first day, last day) rows, in the reference's item order."""

    ev: I64
    seg: I64
    ws: I64
    we: I64

    def take(self, mask: npt.NDArray[np.bool_] | I64) -> Windows:
        """Return the rows selected by a mask or an index array."""
        return Windows(self.ev[mask], self.seg[mask], self.ws[mask], self.we[mask])


def _empty() -> I64:
    return np.empty(0, np.int64)


def _unique(a: I64) -> I64:
    """Sorted unique values; sorts ``a`` in place.

    A sort and a mask: numpy 2's ``unique`` hashes, several times slower here. The sort is
    numpy's stable one (a radix or tim sort): as fast as the default on random values and several
    times faster on values made of sorted runs, as most here are.
    """
    if not len(a):
        return _empty()
    a.sort(kind="stable")
    new = np.empty(len(a), bool)
    new[0] = True
    np.not_equal(a[1:], a[:-1], out=new[1:])
    return a[new]


def _order(*cols: I64) -> I64:
    """The rows' stable sort order by ``cols``, the first column first (``np.lexsort(cols[::-1])``).

    The columns are packed into one int64 key when their ranges fit: one argsort, several times
    faster than a lexsort.
    """
    if not len(cols[0]):
        return _empty()
    lows = [int(c.min()) for c in cols]
    spans = [int(c.max()) - low + 1 for c, low in zip(cols, lows)]
    if math.prod(spans) >= 1 << 63:
        return np.lexsort(cols[::-1])
    key = np.zeros(len(cols[0]), np.int64)
    for c, low, span in zip(cols, lows, spans):
        key *= span
        key += c
        key -= low
    return np.argsort(key, kind="stable")


#: One value in so many of a :class:`Blocked` array is kept in its coarse index.
_BLOCK = 64
#: Below this many values a search is numpy's own (the bisection steps cost more than they save).
_FEW = 256


class Blocked:
    """A large sorted array, searched for many values at once in two steps (same results as ``np.searchsorted``).

    numpy's ``searchsorted`` on an array of millions of values misses the cache at most
    steps of each search (10 ms for 45,000 sorted values in the 9.4 million starts at L).
    Here a coarse index of every :data:`_BLOCK`-th value, small enough to stay in cache,
    finds each value's block, and a fixed number of bisection steps, taken for all values
    at once, finds its place in the block (5.7 ms; 11 ms against 54 ms for unsorted values).
    """

    def __init__(self, a: npt.NDArray[Any]) -> None:
        self.a = a
        self.coarse = np.ascontiguousarray(a[::_BLOCK])

    def search(self, x: npt.NDArray[Any], side: str = "left") -> I64:
        """``np.searchsorted(a, x, side)``."""
        a = self.a
        n = len(a)
        if len(x) < _FEW or not n:
            return np.searchsorted(a, x, side)  # type: ignore[call-overload,no-any-return]
        c = np.searchsorted(self.coarse, x, side)  # type: ignore[call-overload]
        # the answer lies in [(c - 1) * B, c * B]: the head of block c - 1 is on the left of x, that of block c not
        lo: I64 = np.maximum(c - 1, 0) * _BLOCK
        hi: I64 = np.minimum(c * _BLOCK, n)
        for _ in range(_BLOCK.bit_length()):
            open_ = lo < hi
            mid = (lo + hi) >> 1
            v = a[np.minimum(mid, n - 1)]
            left = (v <= x) if side == "right" else (v < x)
            lo = np.where(open_ & left, mid + 1, lo)
            hi = np.where(open_ & ~left, mid, hi)
        return lo


def spans(lo: npt.NDArray[np.integer[Any]], cnt: npt.NDArray[np.integer[Any]]) -> I64:
    """The positions ``lo[i], lo[i] + 1, ..., lo[i] + cnt[i] - 1`` of each ``i`` in turn, in one array."""
    total = int(cnt.sum())
    out: I64 = np.repeat(np.asarray(lo, np.int64) - (np.cumsum(cnt) - cnt), cnt) + np.arange(total)
    return out


#: Up to this range of values, :func:`isin` looks values up in a table (one byte a value).
_TABLE = 1 << 24


def isin(a: npt.NDArray[Any], b: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    """``np.isin(a, b)``; for integer arrays by a table over ``b``'s range when it is small.

    The table is used up to :data:`_TABLE` values of range (segment, entry, node or claimant
    indexes), else the values are sorted. numpy picks the table only when the range is a few times the arrays' length: looking up
    79,000 values among 3,000 in a range of a million took 6-7 ms by sorting, 0.3 ms by table.
    """
    if len(a) and len(b) and a.dtype.kind in "iu" and b.dtype.kind in "iu" and int(b.max()) - int(b.min()) < _TABLE:
        return np.isin(a, b, kind="table")
    return np.isin(a, b)


def mark_days(marks: I64) -> npt.NDArray[np.int32]:
    """The days of change points (``code * _BIG + day``), as int32: a bit mask, not a division."""
    out = np.empty(len(marks), np.int32)
    np.bitwise_and(marks, _BIG - 1, out=out, casting="unsafe")
    return out


def sorted_by_segment_and_day(seg: I64, day: I64, ev: I64) -> tuple[I64, I64] | None:
    """``seg * _BIG + day`` and ``ev``, sorted by (segment, day, event): one sort of the three packed in one int64.

    None when they do not fit in 62 bits (the day as an offset from the first). Rows listed in
    event order come out as a stable sort by ``seg * _BIG + day`` would give them: at L 0.45–0.5 s
    for 9.4 million windows, against 0.8–0.9 s for that argsort and the two gathers after it
    (numpy's stable sort of the packed values merges the runs they already form).
    """
    if not len(ev):
        return _empty(), _empty()
    lo = int(day.min())
    dbits = (int(day.max()) - lo).bit_length()
    ebits = int(ev.max()).bit_length()
    if int(seg.max()).bit_length() + dbits + ebits > 62 or int(seg.min()) < 0 or int(ev.min()) < 0:
        return None
    k = seg << dbits
    k |= day - lo
    k <<= ebits
    k |= ev
    k.sort(kind="stable")
    out_ev = k & ((1 << ebits) - 1)
    k >>= ebits
    key = (k >> dbits) * _BIG
    key += k & ((1 << dbits) - 1)
    key += lo
    return key, out_ev


def day_order(days: npt.NDArray[np.integer[Any]]) -> I64:
    """The stable sort order of day ordinals.

    When they span fewer than 65,536 days (179 years) they are sorted as 16-bit offsets, for
    which numpy's stable sort is a radix sort: linear, several times faster than on int64.
    """
    if len(days) and int(days.max()) - int(days.min()) < 1 << 16:
        return np.argsort((days - days.min()).astype(np.uint16), kind="stable")
    return np.argsort(days, kind="stable")


def base_windows(ea: EventArrays, routes: Mapping[str, object], seg_index: Mapping[str, int],
                 target_codes: npt.NDArray[Any] | None = None) -> Windows:
    """Expand every event's targets to windows, with no horizon (see the module notes).

    ``routes`` maps route ids to :class:`~karabakh_routes.network.Route`; ``seg_index`` the
    graph's segment ids to their positions. Segments not in the graph are left out.
    ``target_codes``: each event's code of its target cell, when known (see
    :func:`per_event`): equal codes, equal targets.
    """
    # the route table: one row per (route, alignment, segment in the graph)
    route_code: dict[str, int] = {}
    r_code: list[int] = []
    r_a0: list[int] = []
    r_a1: list[int] = []
    r_seg: list[int] = []
    r_order: list[int] = []  # first-seen position of the segment in its route (the reference's dict order)
    for rid, route in routes.items():
        rc = route_code.setdefault(rid, len(route_code))
        first_seen: dict[int, int] = {}
        for al in route.alignments:  # type: ignore[attr-defined]
            a0 = al.start.lower.toordinal()
            a1 = al.end.upper.toordinal() if al.end is not None else MAXO
            for s in al.segments:
                si = seg_index.get(s)
                if si is None:
                    continue
                r_code.append(rc)
                r_a0.append(a0)
                r_a1.append(a1)
                r_seg.append(si)
                r_order.append(first_seen.setdefault(si, len(first_seen)))
    # a segment target is a route of one row, coded after the routes; a target naming both is the route
    nr = len(route_code)
    segs = np.fromiter(seg_index.values(), np.int64, len(seg_index))
    code_of = {s: nr + si for s, si in seg_index.items()}
    code_of.update(route_code)
    t_code = np.concatenate((np.asarray(r_code, np.int64), nr + segs))
    t_seg = np.concatenate((np.asarray(r_seg, np.int64), segs))
    t_a0 = np.concatenate((np.asarray(r_a0, np.int64), np.full(len(segs), MINO, np.int64)))
    t_a1 = np.concatenate((np.asarray(r_a1, np.int64), np.full(len(segs), MAXO, np.int64)))
    t_order = np.concatenate((np.asarray(r_order, np.int64), np.zeros(len(segs), np.int64)))
    # rows by code, then segment order, then alignment start: a target's rows then come out sorted
    # by segment and first day, the order its windows are listed and merged in
    tab = _order(t_code, t_order, t_a0)
    tab = tab[t_a0[tab] <= t_a1[tab]]  # (an alignment that ends before it starts covers no day)
    t_code, t_seg, t_a0, t_a1 = t_code[tab], t_seg[tab], t_a0[tab], t_a1[tab]
    # the spans of one (code, segment) that touch or overlap, merged here once: clipped to a claim's
    # days, the merged span is the union of the clipped ones, and spans that do not touch stay apart
    if len(t_code):
        new = np.concatenate(([True], (t_code[1:] != t_code[:-1]) | (t_seg[1:] != t_seg[:-1])))
        gid = np.cumsum(new) - 1
        run = np.maximum.accumulate(gid * (2 * _BIG) + t_a1)  # running latest end, reset per group
        prev = np.concatenate(([-1], run[:-1] - gid[1:] * (2 * _BIG)))
        keep = np.flatnonzero(new | (t_a0 > np.minimum(prev + 1, MAXO)))
        t_code, t_seg, t_a0, t_a1 = t_code[keep], t_seg[keep], t_a0[keep], np.maximum.reduceat(t_a1, keep)
    n_codes = nr + (int(segs.max()) + 1 if len(segs) else 0)
    code_lo = np.searchsorted(t_code, np.arange(n_codes + 1))
    # the events' targets, flattened in event then target order (the reference's item order):
    # each distinct tuple of targets looked up once (events read from a file share them)
    events = ea.events
    if target_codes is not None:  # one tuple per distinct target cell, from its first event
        slot = target_codes.astype(np.int64)
        tuples = (events.cell_fields("target")[1] if isinstance(events, _EventRows)  # type: ignore[index]
                  else [e.targets for e in at_rows(events, _first_rows(target_codes).tolist())])
    else:
        tuples = list(map(operator.attrgetter("targets"), events))
        seen_at: dict[int, int] = {}
        at = np.fromiter(map(seen_at.setdefault, map(id, tuples), range(len(tuples))), np.int64, len(tuples))
        distinct = list(seen_at.values())
        slot = np.zeros(len(tuples), np.int64)  # each distinct tuple's place among them, at its first event
        slot[distinct] = np.arange(len(distinct))
        slot = slot[at]
        tuples = [tuples[i] for i in distinct]
        del seen_at, at, distinct
    d_len = np.fromiter(map(len, tuples), np.int64, len(tuples))
    flat = np.fromiter(map(code_of.get, itertools.chain.from_iterable(tuples), itertools.repeat(-1)), np.int64,
                       int(d_len.sum()))
    d_start = np.cumsum(d_len) - d_len
    del tuples
    cnt = d_len[slot]
    tcode = flat[np.repeat(d_start[slot] - (np.cumsum(cnt) - cnt), cnt) + np.arange(int(cnt.sum()))]
    t_ev = np.repeat(np.arange(len(events)), cnt)
    known = np.flatnonzero(tcode >= 0)
    tcode, t_ev = tcode[known], t_ev[known]
    del known, cnt, slot
    # one row per (target, table row of its code); days as int32 (ordinals fit), half the memory traffic
    cnt = code_lo[tcode + 1] - code_lo[tcode]
    total = int(cnt.sum())
    # row and target numbers as int32 when they fit (half the memory traffic of these long arrays)
    small = np.int32 if max(total, len(t_code), len(tcode)) < 1 << 31 else np.int64
    # (each long array made once and worked on in place: at L fresh memory costs as much as the arithmetic)
    rows = np.repeat((code_lo[tcode] - (np.cumsum(cnt) - cnt)).astype(small), cnt)
    rows += np.arange(total, dtype=small)
    w0 = np.repeat(ea.start_lo[t_ev].astype(np.int32), cnt)
    np.maximum(w0, t_a0.astype(np.int32)[rows], out=w0)
    w1 = np.repeat(ea.end_full[t_ev].astype(np.int32), cnt)
    np.minimum(w1, t_a1.astype(np.int32)[rows], out=w1)
    ok = w0 <= w1
    if not ok.any():
        return Windows(_empty(), _empty(), _empty(), _empty())
    # a target's spans on a segment were merged in the table: each row left is one window
    return Windows(np.repeat(t_ev, cnt)[ok], t_seg[rows[ok]], w0[ok].astype(np.int64), w1[ok].astype(np.int64))


def _horizon_end(ea: EventArrays, horizon: int) -> I64:
    """The last day each event's windows may reach (per event): an open-ended state claim's as-of date plus ``horizon``."""
    open_ended = (ea.kind == KIND_CLAIM) & ~ea.has_end
    out: I64 = np.where(open_ended, np.minimum(ea.as_of + horizon, MAXO), MAXO)
    return out


def _clip(ev: I64, ws: I64, we: I64, last: I64) -> tuple[I64, I64 | None]:
    """Windows' last days clipped to their event's ``last`` day, and the windows left (None: every one)."""
    we = np.minimum(we, last[ev])
    ok = np.flatnonzero(ws <= we)
    return we, (None if len(ok) == len(we) else ok)


def clip_windows(w: Windows, ea: EventArrays, horizon: int | None) -> Windows:
    """Clip the windows of open-ended state claims to their as-of date plus ``horizon`` days."""
    if horizon is None:
        return w
    we, ok = _clip(w.ev, w.ws, w.we, _horizon_end(ea, horizon))
    if ok is None:
        return Windows(w.ev, w.seg, w.ws, we)
    return Windows(w.ev[ok], w.seg[ok], w.ws[ok], we[ok])


def as_of_turns(w: Windows, ea: EventArrays, horizon: int | None, cls: int) -> tuple[I64, I64]:
    """The (day, segment) on which a state claim of class ``cls`` turns carried inside its window.

    That is the day after its as-of date, for each window (clipped as :func:`clip_windows`)
    that goes on past that date; in the windows' order. Worked out in blocks of rows, so that
    no clipped copy of every window is made.
    """
    days: list[I64] = []
    segs: list[I64] = []
    last = _horizon_end(ea, horizon) if horizon is not None else None
    for i in range(0, len(w.ev), _CHUNK):
        ev = w.ev[i:i + _CHUNK]
        rows = np.flatnonzero((ea.kind[ev] == KIND_CLAIM) & ((ea.classes[ev] >> cls) & 1 == 1))
        ev = ev[rows]
        a = ea.as_of[ev]
        we = w.we[i:i + _CHUNK][rows]
        if last is not None:
            we = np.minimum(we, last[ev])
        turns = (w.ws[i:i + _CHUNK][rows] <= a) & (a < we)
        days.append(a[turns] + 1)
        segs.append(w.seg[i:i + _CHUNK][rows[turns]])
    return np.concatenate([*days, _empty()]), np.concatenate([*segs, _empty()])


def claim_windows(w: Windows, ea: EventArrays, horizon: int | None, cls: int | None = None,
                  keep: npt.NDArray[np.bool_] | None = None) -> Windows:
    """The state claims' windows (of class ``cls``, of the events ``keep`` keeps), clipped as :func:`clip_windows`.

    In the order of ``w``: what :func:`compile_keys` compiles for one class.
    """
    # which events, then one gather per window (not one per test)
    wanted = ea.kind == KIND_CLAIM
    if cls is not None:
        wanted &= (ea.classes >> cls) & 1 == 1
    if keep is not None:
        wanted &= keep
    return clip_windows(w.take(np.flatnonzero(wanted[w.ev])), ea, horizon)


def change_days(w: Windows, ea: EventArrays, horizon: int | None, keep: npt.NDArray[np.bool_] | None = None
                ) -> Days:
    """The days on which compiled claims may change, without compiling them.

    Returns the days of any class's change points (the marks of :func:`compile_keys`: window
    starts, the day after window ends, the bounds of uncertain dates), the days after an as-of
    date inside a window (a claim turns carried; any class), and per class the union of both
    (its own). ``w`` is every event's windows with no horizon; they are clipped here, in blocks.
    """
    ncls = len(TRAFFIC_CLASSES)
    # per day, the bit mask of the classes with a mark there, and of those with a claim turning
    # carried (one past DATE_MAX: a window's end there marks nothing); or-ed in place, one call
    # per kind of day for every class at once
    marks = np.zeros(MAXO + 2, np.uint8)  # (zeroed lazily by the system: only the days written are touched)
    turns = np.zeros(MAXO + 2, np.uint8)
    lo, hi = MAXO + 1, 0  # the days written, to read back only those

    def put(into: npt.NDArray[np.uint8], days: I64, bits: npt.NDArray[np.uint8]) -> None:
        nonlocal lo, hi
        if len(days):
            np.bitwise_or.at(into, days, bits)
            lo, hi = min(lo, int(days.min())), max(hi, int(days.max()))

    wanted = ea.kind == KIND_CLAIM  # (the windows of claim_windows, their segments left out)
    if keep is not None:
        wanted &= keep
    last = _horizon_end(ea, horizon) if horizon is not None else None
    # the events with an uncertain date: their bounds are read for those only
    uncertain: npt.NDArray[np.bool_] = np.any(ea.unc >= 0, axis=1) if len(ea.unc) else np.zeros(0, bool)
    for i in range(0, len(w.ev), _CHUNK):
        ev = w.ev[i:i + _CHUNK]
        rows = np.flatnonzero(wanted[ev])
        ev, ws, we = ev[rows], w.ws[i:i + _CHUNK][rows], w.we[i:i + _CHUNK][rows]
        if last is not None:
            we, ok = _clip(ev, ws, we, last)
            if ok is not None:
                ev, ws, we = ev[ok], ws[ok], we[ok]
        masks, a = ea.classes[ev], ea.as_of[ev]
        put(marks, ws, masks)
        put(marks, we + 1, masks)
        unsure = np.flatnonzero(uncertain[ev])
        u, m = ea.unc[ev[unsure]], masks[unsure]
        for col in (0, 2):
            has = u[:, col] >= 0
            put(marks, u[has, col], m[has])
            put(marks, u[has, col + 1] + 1, m[has])
        turn = (ws <= a) & (a < we)
        put(turns, a[turn] + 1, masks[turn])
    hi = min(hi, MAXO)
    if hi < lo:
        return _empty(), _empty(), [_empty() for _ in range(ncls)]
    marks, turns = marks[lo:hi + 1], turns[lo:hi + 1]
    both = marks | turns
    return (lo + np.flatnonzero(marks), lo + np.flatnonzero(turns),
            [lo + np.flatnonzero((both >> c) & 1) for c in range(ncls)])


@dataclass
class Compiled:
    """Every key's change points (``code * _BIG + day``, sorted) and the state after each.

    A key code is ``(class * n_segments + segment) * n_claimants + claimant``: class first, so
    the keys and change points of one class are one contiguous run of the arrays.
    """

    n_claimants: int
    n_segments: int
    marks: I64
    winner: I64  # event index, -1: none in force
    unsure: I64  # the mark's uncertain claims: ``unsure_flat[unsure_ptr[u]:unsure_ptr[u + 1]]``; -1: none
    unsure_ptr: I64
    unsure_flat: I64  # event indexes
    keys: I64  # every key code, sorted
    key_marks: I64  # the index of each key's first mark
    key_first: I64  # the first event (in item order) of each key

    @functools.cached_property
    def search(self) -> Blocked:
        """:attr:`marks`, to be searched for many values at once."""
        return Blocked(self.marks)

    def claimants(self, seg: int, cls: int) -> list[int]:
        """The claimants with claims on (segment, class), in first-seen order."""
        base = self.code(seg, cls, 0)
        i, j = np.searchsorted(self.keys, [base, base + self.n_claimants])
        order = np.argsort(self.key_first[i:j], kind="stable")
        return [int(k) - base for k in self.keys[i:j][order].tolist()]

    def code(self, seg: int | I64, cls: int, claimant: int | I64) -> Any:
        """Return the key code of (segment, class, claimant) (of arrays of segments or claimants too)."""
        return (cls * self.n_segments + seg) * self.n_claimants + claimant

    def segment_of(self, code: I64) -> I64:
        """The segments of key codes."""
        return code // self.n_claimants % self.n_segments

    def class_keys(self, cls: int) -> slice:
        """The positions in :attr:`keys` (and :attr:`key_marks`) of one class's keys."""
        i, j = np.searchsorted(self.keys, [self.code(0, cls, 0), self.code(0, cls + 1, 0)])
        return slice(int(i), int(j))

    def at(self, code: int, day: int) -> tuple[int, tuple[int, ...]]:
        """Return (event index or -1, uncertain event indexes) in force on a day (an ordinal)."""
        i = int(np.searchsorted(self.marks, code * _BIG + day, "right")) - 1
        if i < 0 or self.marks[i] // _BIG != code:
            return -1, ()
        u = int(self.unsure[i])
        if u < 0:
            return int(self.winner[i]), ()
        return int(self.winner[i]), tuple(self.unsure_flat[self.unsure_ptr[u]:self.unsure_ptr[u + 1]].tolist())


def compile_keys(w: Windows, ea: EventArrays, n_segments: int, classes: Sequence[int] | None = None) -> Compiled:
    """Compile state claims' windows into a :class:`Compiled`.

    ``w``: the windows to compile, as :func:`claim_windows` selects them (state claims of these
    classes, of the events a source view keeps, clipped); ``n_segments``: the graph's segments
    (``w.seg`` indexes them); ``classes`` the traffic classes (indexes) compiled, every one by
    default. The days on which they change are :func:`change_days`'.
    """
    ncls = len(TRAFFIC_CLASSES)
    which = list(range(ncls)) if classes is None else sorted(set(classes))
    nc = max(len(ea.claimants), 1)
    n_ev = len(ea.events)
    nw = max(len(w.ev), 1)
    # precedence in a key: latest window start, then latest start, then latest row (rank 0 first)
    ev_rank = np.empty(n_ev, np.int64)
    ev_rank[np.lexsort((-ea.row, -ea.start_lo))] = np.arange(n_ev)
    # the windows sorted by (segment, claimant), first day, then precedence, lowest first: the items
    # of a key (one per window and class) then come in that order, and the winner among the items
    # in force on a day is the last. Each class's items are then in key order, and the key code
    # starts with the class: the items of all classes, class after class, are sorted by key.
    # (``wo``: the windows' positions in ``w``, in that order)
    wo = _order(w.seg * nc + ea.claimant[w.ev], w.ws, (n_ev - 1) - ev_rank[w.ev])
    del ev_rank
    ev_w = w.ev[wo]
    masks = ea.classes[ev_w]
    hits = [np.flatnonzero(masks & (1 << c)) for c in which]
    r = np.concatenate([*hits, _empty()])  # the items' positions in ``wo``, sorted by key
    code = (w.seg[wo] * nc + ea.claimant[ev_w])[r]
    code += np.repeat(np.asarray(which, np.int64) * (n_segments * nc), [len(h) for h in hits])
    del masks, hits
    # the items' columns (int32: event and window positions, day ordinals)
    ev = ev_w.astype(np.int32)[r]
    ws = w.ws[wo].astype(np.int32)[r]
    we = w.we[wo].astype(np.int32)[r]
    wi = wo.astype(np.int32)[r]  # the window's position: the reference's item order in a key
    del ev_w, wo, r
    n = len(code)
    # keys
    key_start = np.flatnonzero(np.concatenate(([True], code[1:] != code[:-1]))) if n else _empty()
    keys = code[key_start]
    # claimants of a (segment, class) are listed in first-seen (item) order: each key's first item
    first_ev = w.ev[np.minimum.reduceat(wi, key_start)] if n else _empty()
    # marks: window starts, the day after window ends (but after DATE_MAX), the uncertainty bounds
    start_marks = code * _BIG + ws  # sorted
    ui = np.flatnonzero(((ea.unc[:, 0] >= 0) | (ea.unc[:, 2] >= 0))[ev])  # the items with an uncertain date
    u = ea.unc[ev[ui]].astype(np.int32)
    ucode = code[ui] * _BIG
    del code
    span = we - ws + 1  # an item's end mark is ``start_marks + span``
    ends = we < MAXO
    del ws, we
    cand = [start_marks, start_marks[ends] + span[ends]]
    del ends
    for col in (0, 2):
        has = u[:, col] >= 0
        cand.append(ucode[has] + u[has, col])
        late = has & (u[:, col + 1] < MAXO)
        cand.append(ucode[late] + u[late, col + 1] + 1)
    marks = np.concatenate(cand)
    del cand
    marks = _unique(marks)
    mk_lo = np.searchsorted(marks, keys * _BIG, "left")
    # each item is in force over a run of its key's marks: from its first day's mark to the
    # mark before the day after its end (its key's last mark for an open end); the winner at a
    # mark is the covering item last in key order: the least of ``n - 1 - position``. (The
    # searched values are in key order, so a plain search hits few cache misses.)
    lo = np.searchsorted(marks, start_marks).astype(np.int32)  # int32: fewer than 2**31 marks
    start_marks += span
    del span
    hi = (np.searchsorted(marks, start_marks) - 1).astype(np.int32)
    del start_marks
    best = _range_min(lo, hi, np.arange(n - 1, -1, -1, dtype=np.int32), len(marks), np.int32(n))
    del lo, hi
    np.subtract(n - 1, best, out=best)  # the winner's position; -1: none, which picks the -1 appended
    winner = np.append(ev, -1).astype(np.int64)[best]
    del best, ev
    # uncertain: items (in item order) whose start or end is uncertain on a mark's day
    pm_parts: list[I64] = []
    pi_parts: list[I64] = []
    for col in (0, 2):
        rows = np.flatnonzero(u[:, col] >= 0)
        first = np.searchsorted(marks, ucode[rows] + u[rows, col])
        last = np.searchsorted(marks, ucode[rows] + u[rows, col + 1] + 1) - 1
        cnt = last - first + 1
        pm_parts.append(spans(first, cnt))
        pi_parts.append(np.repeat(wi[ui[rows]], cnt))
    del u, ucode, ui, wi
    pair = _unique(np.concatenate(pm_parts) * nw + np.concatenate(pi_parts))
    del pm_parts, pi_parts
    pm, pw = pair // nw, pair % nw
    del pair
    unsure = np.full(len(marks), -1, np.int64)
    set_start = np.flatnonzero(np.concatenate(([True], pm[1:] != pm[:-1]))) if len(pm) else _empty()
    unsure[pm[set_start]] = np.arange(len(set_start))
    unsure_ptr = np.append(set_start, len(pm))
    unsure_flat = w.ev[pw]
    del pm, pw
    return Compiled(nc, n_segments, marks, winner, unsure, unsure_ptr, unsure_flat, keys, mk_lo, first_ev)


def _range_min(lo: Idx, hi: Idx, val: npt.NDArray[_Int], m: int, fill: _Int) -> npt.NDArray[_Int]:
    """For each of ``m`` positions, the least ``val`` of the ranges ``[lo, hi]`` that cover it (``fill``: none).

    In ``val``'s dtype (int32 values halve the working array of length ``m``).

    Each range is written as two blocks of a power-of-two length that together cover it (as in a
    sparse table), then the blocks are pushed down level by level to single positions:
    O((n + m) log m), vectorised.
    """
    if not len(lo):
        return np.full(m, fill, val.dtype)
    level_of = np.frexp((hi - lo + 1).astype(np.float64))[1] - 1  # floor(log2(length))
    top = int(level_of.max())
    cur = np.full(m, fill, val.dtype)
    for level in range(top, -1, -1):
        if level < top:  # a block of 2h at i is the blocks of h at i and at i + h
            h = 1 << level
            # in place, from the end down in chunks (numpy buffers the overlap within a chunk)
            for end in range(m, h, -_CHUNK):
                start = max(end - _CHUNK, h)
                np.minimum(cur[start:end], cur[start - h:end - h], out=cur[start:end])
        sel = np.flatnonzero(level_of == level)
        if len(sel):
            np.minimum.at(cur, lo[sel], val[sel])
            np.minimum.at(cur, hi[sel] - (1 << level) + 1, val[sel])
    return cur


#: Bumped whenever the arrays a :class:`Compiled` holds change meaning (old cache files are then ignored).
CACHE_FORMAT = 5
_ARRAYS = ("marks", "winner", "unsure", "unsure_ptr", "unsure_flat", "keys", "key_marks", "key_first")


def save_arrays(path: str | os.PathLike[str], header: Sequence[int], **arrays: npt.NDArray[Any]) -> None:
    """Write arrays to ``path`` (``.npz``, numbers only) after a header of ``CACHE_FORMAT`` and ``header``, atomically.

    An ``.npz`` as ``np.savez`` writes it (``np.load`` reads it), each array stored whole and
    uncompressed, and its data aligned to 64 bytes in the file (padding in the member's extra
    field), so that :func:`load_arrays` can map it as it is. Its folder is made if missing. A
    cache that cannot be written is only slower: an ``OSError`` writes nothing and is not raised.
    """
    from ._io import atomic_write

    with contextlib.suppress(OSError):
        os.makedirs(os.path.dirname(os.fspath(path)) or ".", exist_ok=True)
        with atomic_write(path, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
            for name, arr in {"format": np.array([CACHE_FORMAT, *header], np.int64), **arrays}.items():
                info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                # local header: 30 bytes, the name, this padding (4 bytes and k), the zip64 field (20)
                k = -(fh.tell() + 30 + len(info.filename.encode()) + 4 + 20) % _ALIGN
                info.extra = struct.pack("<HH", _PAD_FIELD, k) + bytes(k)
                with zf.open(info, "w", force_zip64=True) as member:
                    np.lib.format.write_array(member, np.ascontiguousarray(arr), allow_pickle=False)


_ALIGN = 64  # (numpy pads an .npy's header so that its data starts at a multiple of 64 bytes too)
_PAD_FIELD = 0xA11A  # the id of the padding extra field (unregistered ids are skipped by readers)


def load_arrays(path: str | os.PathLike[str], names: Sequence[str]) -> tuple[I64, dict[str, npt.NDArray[Any]]] | None:
    """Read what :func:`save_arrays` wrote: (header, arrays); None if missing, unreadable or of another format.

    The arrays are mapped from the file, not read (read-only; pages are read as they are used):
    ``np.savez`` stores each array whole and uncompressed, so each is a range of the file. Every
    member's place, type and size are checked against the file (a damaged or cut file reads as
    None); the bytes themselves are not checksummed (the file is only ever written atomically).
    """
    try:
        with open(path, "rb") as fh, zipfile.ZipFile(fh) as zf:
            mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
            fmt = _member(zf, mapped, "format")
            if fmt.dtype != np.int64 or not len(fmt) or int(fmt[0]) != CACHE_FORMAT:
                return None
            return fmt[1:], {name: _member(zf, mapped, name) for name in names}
    except (OSError, ValueError, KeyError, EOFError, struct.error, zipfile.BadZipFile):
        return None


def _member(zf: zipfile.ZipFile, mapped: mmap.mmap, name: str) -> npt.NDArray[Any]:
    """The array ``name`` of an ``.npz``, a read-only view of the mapped file; ValueError if it cannot be one."""
    info = zf.getinfo(f"{name}.npy")
    if info.compress_type != zipfile.ZIP_STORED:
        raise ValueError("compressed")
    at = info.header_offset
    local = mapped[at:at + 30]
    if local[:4] != b"PK\x03\x04":
        raise ValueError("not a zip member")
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    start = at + 30 + name_len + extra_len
    head = io.BytesIO(mapped[start:start + 65536 + 16])
    version = np.lib.format.read_magic(head)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(head)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(head)
    else:
        raise ValueError("npy version")
    count = math.prod(shape)
    data = start + head.tell()
    if dtype.hasobject or fortran or data + count * dtype.itemsize != start + info.file_size or \
            start + info.file_size > len(mapped):
        raise ValueError("damaged")
    out = np.frombuffer(mapped, dtype, count, data).reshape(shape)
    # an array not aligned in the file (not written by save_arrays) is copied: numpy would copy
    # it at every search otherwise
    return out if data % max(dtype.alignment, 1) == 0 else out.copy()


Days = tuple[I64, I64, list[I64]]  # what change_days returns: marks' days, as-of turns, per class both


def save_days(path: str | os.PathLike[str], days: Days) -> None:
    """Write what :func:`change_days` returned to ``path`` (``.npz``), atomically (see :func:`save_arrays`)."""
    marks, turns, per_class = days
    save_arrays(path, (), points=marks, asof_points=turns, class_sizes=np.array([len(d) for d in per_class], np.int64),
                class_flat=np.concatenate([*per_class, _empty()]))


def load_days(path: str | os.PathLike[str]) -> Days | None:
    """Read what :func:`save_days` wrote; None if the file is missing, unreadable or of another format."""
    got = load_arrays(path, ("points", "asof_points", "class_sizes", "class_flat"))
    if got is None:
        return None
    a = got[1]
    return a["points"], a["asof_points"], np.split(a["class_flat"], np.cumsum(a["class_sizes"])[:-1])


def save_compiled(path: str | os.PathLike[str], c: Compiled) -> None:
    """Write a :class:`Compiled` to ``path`` (``.npz``, numbers only), atomically (see :func:`save_arrays`)."""
    save_arrays(path, (c.n_claimants, c.n_segments), **{name: getattr(c, name) for name in _ARRAYS})


def load_compiled(path: str | os.PathLike[str]) -> Compiled | None:
    """Read what :func:`save_compiled` wrote; None if the file is missing, unreadable or of another format."""
    got = load_arrays(path, _ARRAYS)
    if got is None:
        return None
    head, arrays = got
    return Compiled(int(head[0]), int(head[1]), **arrays)
