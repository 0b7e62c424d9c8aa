"""The columnar compiled store: every claim's windows and every key's change points as arrays.

``Timeline`` compiles its state claims here (``engine="columnar"``, the default). The
result is the same as compiling each (segment, class, claimant) key on its own with
:func:`karabakh_routes.timeline._compile` (the reference path, ``engine="reference"``): the
same change points, the same claim in force after each, the same uncertain claims. A
property test (tests/test_columnar.py) holds the two to that.

Data flow (numpy throughout; Python loops only over routes, over the distinct keys, and over
the few keys with many claims):

1. :func:`event_arrays`: one row per event: start/end bounds, uncertainty bounds, as-of date,
   kind, claimant, the classes it is about (a bit mask).
2. :func:`base_windows`: every event's targets expanded to (event, segment, first day, last
   day) windows: a segment target directly; a route target through the route's dated
   alignments (one join), spans of one segment merged where they touch, as the reference's
   ``_windows`` does. These are the windows with no horizon; a horizon only clips their ends.
3. :func:`compile_keys`: per key, the marks (window starts, the day after window ends, the
   uncertainty bounds of the claims' dates), and at each mark the winner (the claim in force
   with the latest window start, then start, then row) and the claims whose dates are
   uncertain on that day. Keys with at most ``_SMALL`` items are solved together by pairing
   each mark with each item of its key (bounded: at most ``_SMALL`` pairs per mark, so linear
   in the claims); larger keys go through the reference's heap sweep (O(N log N)).

A lookup is one binary search over ``key * _BIG + day``.
"""

from __future__ import annotations

import datetime as dt
import os
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .dates import DATE_MAX, DATE_MIN
from .events import TRAFFIC_CLASSES, Event

__all__ = ["EventArrays", "Windows", "Compiled", "event_arrays", "base_windows", "clip_windows", "compile_keys"]

I64 = npt.NDArray[np.int64]
_BIG = 1 << 22  # above every date ordinal (DATE_MAX.toordinal() == 3_652_059)
MAXO = DATE_MAX.toordinal()
MINO = DATE_MIN.toordinal()
#: Keys with at most this many items are solved by pairing marks with items (vectorised).
_SMALL = 48
#: Mark-item pairs per vectorised chunk (bounds the memory of one step).
_CHUNK_PAIRS = 1_000_000
KIND_CLAIM, KIND_PASSAGE, KIND_BASELINE = 0, 1, 2
_CLASS_BIT = {c: 1 << i for i, c in enumerate(TRAFFIC_CLASSES)}


@dataclass
class EventArrays:
    """One row per event (index = position in ``events``)."""

    events: tuple[Event, ...]
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


def event_arrays(events: Sequence[Event], as_of: Mapping[str, dt.date]) -> EventArrays:
    """Return the per-event columns (one pass over the events)."""
    n = len(events)
    start_lo = np.empty(n, np.int64)
    end_full = np.empty(n, np.int64)
    has_end = np.zeros(n, bool)
    row = np.empty(n, np.int64)
    aso = np.empty(n, np.int64)
    kind = np.empty(n, np.int8)
    claimant = np.empty(n, np.int64)
    classes = np.zeros(n, np.uint8)
    says_open = np.zeros(n, np.uint8)
    one_way = np.zeros(n, bool)
    unc = np.full((n, 4), -1, np.int64)
    codes: dict[str, int] = {}
    for i, ev in enumerate(events):
        lo = ev.start.lower.toordinal()
        start_lo[i] = lo
        k = KIND_PASSAGE if ev.type == "passage" else KIND_BASELINE if ev.type == "baseline" else KIND_CLAIM
        kind[i] = k
        if ev.end is not None:
            has_end[i] = True
            end_full[i] = ev.end.upper.toordinal()
        else:
            end_full[i] = lo if k == KIND_PASSAGE else MAXO
        row[i] = ev.row
        aso[i] = as_of[ev.id].toordinal()
        claimant[i] = codes.setdefault(ev.claimant, len(codes))
        mask = 0
        for c in (ev.allowed if k == KIND_PASSAGE else ev.classes):
            mask |= _CLASS_BIT[c]
        classes[i] = mask
        if ev.status == "open":
            says_open[i] = mask
        elif ev.status == "restricted":
            says_open[i] = mask & sum(_CLASS_BIT[c] for c in ev.allowed)
        one_way[i] = bool(ev.direction)
        if ev.start.uncertain:
            unc[i, 0], unc[i, 1] = ev.start.earliest.toordinal(), ev.start.latest.toordinal()
        if ev.end is not None and ev.end.uncertain:
            unc[i, 2], unc[i, 3] = ev.end.earliest.toordinal(), ev.end.latest.toordinal()
    return EventArrays(tuple(events), start_lo, end_full, has_end, row, aso, kind, claimant, list(codes), classes, unc,
                       says_open, one_way)


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
    """Sorted unique values (a sort and a mask: numpy 2's ``unique`` hashes, several times slower here)."""
    if not len(a):
        return _empty()
    a = np.sort(a)
    return a[np.concatenate(([True], a[1:] != a[:-1]))]


def base_windows(ea: EventArrays, routes: Mapping[str, object], seg_index: Mapping[str, int]) -> Windows:
    """Expand every event's targets to windows, with no horizon (see the module notes).

    ``routes`` maps route ids to :class:`~karabakh_routes.network.Route`; ``seg_index`` the
    graph's segment ids to their positions. Segments not in the graph are left out.
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
    # the events' targets: segment targets directly, route targets by code
    d_ev: list[int] = []
    d_pos: list[int] = []
    d_seg: list[int] = []
    t_ev: list[int] = []
    t_pos: list[int] = []
    t_route: list[int] = []
    for i, event in enumerate(ea.events):
        for pos, target in enumerate(event.targets):
            code = route_code.get(target)
            if code is not None:
                t_ev.append(i)
                t_pos.append(pos)
                t_route.append(code)
            elif (si := seg_index.get(target)) is not None:
                d_ev.append(i)
                d_pos.append(pos)
                d_seg.append(si)
    parts_ev: list[I64] = []
    parts_key: list[I64] = []  # (target position, segment order) to sort the rows as the reference does
    parts_seg: list[I64] = []
    parts_ws: list[I64] = []
    parts_we: list[I64] = []
    if d_ev:
        dev = np.asarray(d_ev, np.int64)
        ws, we = ea.start_lo[dev], ea.end_full[dev]
        ok = ws <= we
        parts_ev.append(dev[ok])
        parts_key.append(np.asarray(d_pos, np.int64)[ok] * _BIG)
        parts_seg.append(np.asarray(d_seg, np.int64)[ok])
        parts_ws.append(ws[ok])
        parts_we.append(we[ok])
    if t_ev and r_code:
        tr = np.asarray(t_route, np.int64)
        rc_arr = np.asarray(r_code, np.int64)
        order = np.argsort(rc_arr, kind="stable")
        rc_sorted = rc_arr[order]
        lo = np.searchsorted(rc_sorted, tr, "left")
        hi = np.searchsorted(rc_sorted, tr, "right")
        counts = hi - lo
        tev = np.repeat(np.asarray(t_ev, np.int64), counts)
        tpos = np.repeat(np.asarray(t_pos, np.int64), counts)
        starts = np.repeat(lo, counts)
        offs = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        rows = order[starts + offs]
        seg = np.asarray(r_seg, np.int64)[rows]
        sorder = np.asarray(r_order, np.int64)[rows]
        w0 = np.maximum(ea.start_lo[tev], np.asarray(r_a0, np.int64)[rows])
        w1 = np.minimum(ea.end_full[tev], np.asarray(r_a1, np.int64)[rows])
        ok = w0 <= w1
        tev, tpos, seg, sorder, w0, w1 = tev[ok], tpos[ok], seg[ok], sorder[ok], w0[ok], w1[ok]
        # merge the spans of one (event, target, segment) that touch: sorted by first then last day
        idx = np.lexsort((w1, w0, sorder, tpos, tev))
        tev, tpos, seg, sorder, w0, w1 = tev[idx], tpos[idx], seg[idx], sorder[idx], w0[idx], w1[idx]
        if len(tev):
            group = np.concatenate(([True], (tev[1:] != tev[:-1]) | (tpos[1:] != tpos[:-1]) | (seg[1:] != seg[:-1])))
            gid = np.cumsum(group) - 1
            run = np.maximum.accumulate(gid * (2 * _BIG) + w1)  # running latest end, reset per group
            prev = np.concatenate(([-1], run[:-1] - gid[1:] * (2 * _BIG)))
            new = group | (w0 > np.minimum(prev + 1, MAXO))
            first = np.flatnonzero(new)
            we = np.maximum.reduceat(w1, first)
            parts_ev.append(tev[first])
            parts_key.append(tpos[first] * _BIG + sorder[first])
            parts_seg.append(seg[first])
            parts_ws.append(w0[first])
            parts_we.append(we)
    if not parts_ev:
        return Windows(_empty(), _empty(), _empty(), _empty())
    ev = np.concatenate(parts_ev)
    key = np.concatenate(parts_key)
    seg = np.concatenate(parts_seg)
    ws = np.concatenate(parts_ws)
    we = np.concatenate(parts_we)
    idx = np.lexsort((ws, key, ev))  # event order, then target order, then segment order, then span
    return Windows(ev[idx], seg[idx], ws[idx], we[idx])


def clip_windows(w: Windows, ea: EventArrays, horizon: int | None) -> Windows:
    """Clip the windows of open-ended state claims to their as-of date plus ``horizon`` days."""
    if horizon is None:
        return w
    kind = ea.kind[w.ev]
    open_ended = (kind == KIND_CLAIM) & ~ea.has_end[w.ev]
    last = np.where(open_ended, np.minimum(ea.as_of[w.ev] + horizon, MAXO), MAXO)
    we = np.minimum(w.we, last)
    ok = w.ws <= we
    return Windows(w.ev[ok], w.seg[ok], w.ws[ok], we[ok])


@dataclass
class Compiled:
    """Every key's change points (``code * _BIG + day``, sorted) and the state after each.

    A key code is ``(segment * n_classes + class) * n_claimants + claimant``.
    """

    n_claimants: int
    marks: I64
    winner: I64  # event index, -1: none in force
    unsure: I64  # index into ``unsure_sets``, -1: none
    unsure_sets: list[tuple[int, ...]]
    points: I64  # every mark's day, unique, sorted
    asof_points: I64  # the day after an as-of date inside a window, unique
    keys: I64  # every key code, sorted
    key_marks: I64  # the index of each key's first mark
    class_points: list[I64]  # per class: the days its keys change (marks and as-of points), sorted
    key_first: I64  # the first event (in item order) of each key

    def claimants(self, seg: int, cls: int) -> list[int]:
        """The claimants with claims on (segment, class), in first-seen order."""
        base = (seg * len(TRAFFIC_CLASSES) + cls) * self.n_claimants
        i, j = np.searchsorted(self.keys, [base, base + self.n_claimants])
        order = np.argsort(self.key_first[i:j], kind="stable")
        return [int(k) - base for k in self.keys[i:j][order].tolist()]

    def in_force(self, day: int, cls: int, claimant: int | None = None) -> tuple[I64, I64]:
        """Return (key codes, event in force or -1) for every key of class ``cls`` on a day (one search)."""
        sel = (self.keys // self.n_claimants) % len(TRAFFIC_CLASSES) == cls
        if claimant is not None:
            sel &= self.keys % self.n_claimants == claimant
        keys, first = self.keys[sel], self.key_marks[sel]
        i = np.searchsorted(self.marks, keys * _BIG + day, "right") - 1
        return keys, np.where(i >= first, self.winner[np.maximum(i, 0)], -1)

    def code(self, seg: int, cls: int, claimant: int) -> int:
        """Return the key code of (segment, class, claimant)."""
        return (seg * len(TRAFFIC_CLASSES) + cls) * self.n_claimants + claimant

    def at(self, code: int, day: int) -> tuple[int, tuple[int, ...]]:
        """Return (event index or -1, uncertain event indexes) in force on a day (an ordinal)."""
        i = int(np.searchsorted(self.marks, code * _BIG + day, "right")) - 1
        if i < 0 or self.marks[i] // _BIG != code:
            return -1, ()
        u = int(self.unsure[i])
        return int(self.winner[i]), (self.unsure_sets[u] if u >= 0 else ())


def compile_keys(w: Windows, ea: EventArrays, keep: npt.NDArray[np.bool_] | None = None) -> Compiled:
    """Compile the state claims' windows (``w``, already clipped) into a :class:`Compiled`.

    ``keep`` (per event) restricts the claims (a source view).
    """
    ncls = len(TRAFFIC_CLASSES)
    nc = max(len(ea.claimants), 1)
    sel = ea.kind[w.ev] == KIND_CLAIM
    if keep is not None:
        sel &= keep[w.ev]
    w = w.take(sel)
    # one item per (window, class)
    it_ev: list[I64] = []
    it_w: list[I64] = []
    it_cls: list[I64] = []
    masks = ea.classes[w.ev]
    for c in range(ncls):
        hit = np.flatnonzero(masks & (1 << c))
        it_w.append(hit)
        it_ev.append(w.ev[hit])
        it_cls.append(np.full(len(hit), c, np.int64))
    wi = np.concatenate(it_w)
    ev = np.concatenate(it_ev)
    cls = np.concatenate(it_cls)
    seg, ws, we = w.seg[wi], w.ws[wi], w.we[wi]
    code = (seg * ncls + cls) * nc + ea.claimant[ev]
    order = np.lexsort((wi, code))  # by key, then in the reference's item order
    code, ev, ws, we, seg, cls = code[order], ev[order], ws[order], we[order], seg[order], cls[order]
    n = len(code)
    # the days after an as-of date inside a window: the claim turns carried there
    a = ea.as_of[ev]
    turns = (ws <= a) & (a < we)
    asof_points = _unique(np.minimum(a[turns] + 1, MAXO))
    asof_by_class = [_unique(np.minimum(a[turns & (cls == c)] + 1, MAXO)) for c in range(ncls)]
    # keys
    key_start = np.flatnonzero(np.concatenate(([True], code[1:] != code[:-1]))) if n else _empty()
    keys = code[key_start]
    key_n = np.diff(np.append(key_start, n))
    # marks: window starts, the day after window ends, the uncertainty bounds
    u = ea.unc[ev]
    cand = [code * _BIG + ws, (code * _BIG + we + 1)[we < MAXO]]
    for col in (0, 2):
        has = u[:, col] >= 0
        cand.append(code[has] * _BIG + u[has, col])
        late = has & (u[:, col + 1] < MAXO)
        cand.append(code[late] * _BIG + u[late, col + 1] + 1)
    marks = _unique(np.concatenate(cand)) if n else _empty()
    mark_code = marks // _BIG
    mark_day = marks - mark_code * _BIG
    winner = np.full(len(marks), -1, np.int64)
    unsure = np.full(len(marks), -1, np.int64)
    unsure_sets: list[tuple[int, ...]] = []
    interned: dict[tuple[int, ...], int] = {}
    # marks of each key: [mk_lo, mk_hi)
    mk_lo = np.searchsorted(marks, keys * _BIG, "left")
    mk_hi = np.searchsorted(marks, (keys + 1) * _BIG, "left")
    # precedence order within each key: latest window start, then start, then row; first item of equals
    prec = np.lexsort((np.arange(n), -ea.row[ev], -ea.start_lo[ev], -ws, code))
    small = key_n <= _SMALL
    # -- small keys, in chunks of bounded pairs
    sk = np.flatnonzero(small)
    pairs_per_key = (mk_hi - mk_lo)[sk] * key_n[sk]
    cum = np.cumsum(pairs_per_key)
    lo_k = 0
    while lo_k < len(sk):
        limit = (int(cum[lo_k - 1]) if lo_k else 0) + _CHUNK_PAIRS
        hi_k = max(int(np.searchsorted(cum, limit, "right")), lo_k + 1)
        _solve_small(sk[lo_k:hi_k], key_start, key_n, mk_lo, mk_hi, mark_day, prec, ev, ws, we, u,
                     winner, unsure, unsure_sets, interned)
        lo_k = hi_k
    # -- large keys: the reference's heap sweep
    if not small.all():
        from .timeline import _compile, _Item  # the reference per-key compile (no import cycle at load)
        events = ea.events
        for k in np.flatnonzero(~small).tolist():
            s0, cnt = int(key_start[k]), int(key_n[k])
            items = [_Item("", dt.date.fromordinal(int(ws[i])), dt.date.fromordinal(int(we[i])), events[int(ev[i])])
                     for i in range(s0, s0 + cnt)]
            index = {id(it.event): int(ev[i]) for it, i in zip(items, range(s0, s0 + cnt))}
            kt = _compile(items)
            days = [p.toordinal() for p in kt.points]
            lo = int(mk_lo[k])
            assert days == mark_day[lo:int(mk_hi[k])].tolist()
            for j, (win, uns) in enumerate(kt.states):
                winner[lo + j] = index[id(win)] if win is not None else -1
                if uns:
                    unsure[lo + j] = _intern(tuple(index[id(e)] for e in uns), unsure_sets, interned)
    first_ev = ev[key_start]  # claimants of a (segment, class) are listed in first-seen (item) order
    points = _unique(mark_day)
    mark_class = (mark_code // nc) % ncls
    class_points = [np.union1d(_unique(mark_day[mark_class == c]), asof_by_class[c]) for c in range(ncls)]
    return Compiled(nc, marks, winner, unsure, unsure_sets, points, asof_points, keys, mk_lo, class_points, first_ev)


def _solve_small(ks: I64, key_start: I64, key_n: I64, mk_lo: I64, mk_hi: I64, mark_day: I64, prec: I64,
                 ev: I64, ws: I64, we: I64, u: I64, winner: I64, unsure: I64,
                 unsure_sets: list[tuple[int, ...]], interned: dict[tuple[int, ...], int]) -> None:
    """Winner and uncertain claims at every mark of the keys ``ks`` (each mark paired with each item)."""
    m_cnt = mk_hi[ks] - mk_lo[ks]
    mark_idx = np.repeat(mk_lo[ks], m_cnt) + (np.arange(m_cnt.sum()) - np.repeat(np.cumsum(m_cnt) - m_cnt, m_cnt))
    per_mark_n = np.repeat(key_n[ks], m_cnt)
    per_mark_start = np.repeat(key_start[ks], m_cnt)
    total = int(per_mark_n.sum())
    pair_mark = np.repeat(mark_idx, per_mark_n)
    offs = np.arange(total) - np.repeat(np.cumsum(per_mark_n) - per_mark_n, per_mark_n)
    day = mark_day[pair_mark]
    # winner: the first item in precedence order that is in force on the day
    item = prec[np.repeat(per_mark_start, per_mark_n) + offs]
    active = (ws[item] <= day) & (day <= we[item])
    hit = np.flatnonzero(active)
    if len(hit):
        pm = pair_mark[hit]
        first = np.concatenate(([True], pm[1:] != pm[:-1]))
        winner[pm[first]] = ev[item[hit[first]]]
    # uncertain: items (in item order) whose start or end is uncertain on the day
    item = np.repeat(per_mark_start, per_mark_n) + offs
    uu = u[item]
    cover = (((uu[:, 0] >= 0) & (uu[:, 0] <= day) & (day <= uu[:, 1]))
             | ((uu[:, 2] >= 0) & (uu[:, 2] <= day) & (day <= uu[:, 3])))
    hit = np.flatnonzero(cover)
    if len(hit):
        pm = pair_mark[hit]
        evs = ev[item[hit]].tolist()
        cut = (np.flatnonzero(pm[1:] != pm[:-1]) + 1).tolist()
        starts = [0, *cut]
        ends = [*cut, len(evs)]
        for m, a, b in zip(pm[starts].tolist(), starts, ends):
            unsure[m] = _intern(tuple(evs[a:b]), unsure_sets, interned)


def _intern(t: tuple[int, ...], sets: list[tuple[int, ...]], interned: dict[tuple[int, ...], int]) -> int:
    """Return the index of ``t`` in ``sets``, adding it once."""
    idx = interned.get(t)
    if idx is None:
        idx = interned[t] = len(sets)
        sets.append(t)
    return idx


#: Bumped whenever the arrays a :class:`Compiled` holds change meaning (old cache files are then ignored).
CACHE_FORMAT = 1
_ARRAYS = ("marks", "winner", "unsure", "points", "asof_points", "keys", "key_marks", "key_first")


def save_compiled(path: str | os.PathLike[str], c: Compiled) -> None:
    """Write a :class:`Compiled` to ``path`` (``.npz``, numbers only), atomically."""
    from ._io import atomic_write

    sizes = np.array([len(t) for t in c.unsure_sets], np.int64)
    flat = np.fromiter((i for t in c.unsure_sets for i in t), np.int64, int(sizes.sum()))
    csizes = np.array([len(p) for p in c.class_points], np.int64)
    with atomic_write(path, "wb") as fh:
        np.savez(fh, format=np.array([CACHE_FORMAT, c.n_claimants], np.int64), unsure_sizes=sizes, unsure_flat=flat,
                 class_sizes=csizes, class_flat=np.concatenate([*c.class_points, _empty()]),
                 **{name: getattr(c, name) for name in _ARRAYS})


def load_compiled(path: str | os.PathLike[str]) -> Compiled | None:
    """Read what :func:`save_compiled` wrote; None if the file is missing, unreadable or of another format."""
    try:
        with np.load(path, allow_pickle=False) as z:
            fmt = z["format"]
            if int(fmt[0]) != CACHE_FORMAT:
                return None
            arrays = {name: z[name] for name in _ARRAYS}
            sizes, flat = z["unsure_sizes"], z["unsure_flat"]
            csizes, cflat = z["class_sizes"], z["class_flat"]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    ends = np.cumsum(sizes).tolist()
    values = flat.tolist()
    unsure_sets = [tuple(values[e - n:e]) for e, n in zip(ends, sizes.tolist())]
    class_points = np.split(cflat, np.cumsum(csizes)[:-1])
    return Compiled(int(fmt[1]), arrays["marks"], arrays["winner"], arrays["unsure"], unsure_sets, arrays["points"],
                    arrays["asof_points"], arrays["keys"], arrays["key_marks"], class_points, arrays["key_first"])
