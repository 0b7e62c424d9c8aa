"""Benchmark the status engine against a naive per-day baseline.

Run:  python benchmarks/engine.py                 (everything)
      python benchmarks/engine.py --only compile  (the compile scaling table only)
      python benchmarks/engine.py --old-max 8000  (also time the old compile on 8,000 claims, ~3 min)

Four comparisons, each checked to give the same answers:

* periods: ``periods()`` (one reachability evaluation per change point) against a per-day
  loop of ``reach()`` over the same range;
* all pairs: ``periods_from()`` for every place to every place and every traffic class over
  2020-11-10..2023-12-31, against a per-day loop of ``reach()`` (timed on a sample of days,
  extrapolated);
* status queries: the compiled, binary-searched ``class_status()`` against a naive scan of
  every claim for each query (no compilation);
* compile scaling: N claims by one claimant on one segment, compiled by the sweep in
  ``timeline._compile`` (O(N log N) per key) against the original implementation kept in
  ``tests/test_compile.py`` as ``_compile_reference`` (the active set rebuilt at every change
  point, O(N^2) per key).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

import karabakh_routes as kr
from karabakh_routes import timeline as _timeline
from karabakh_routes.dates import parse_edtf
from karabakh_routes.timeline import _windows

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_reference import reference_status  # noqa: E402  (the one copy of the reference semantics)


def naive_status(tl: kr.Timeline, items: list, seg: str, cls: str, day: dt.date) -> str:  # type: ignore[type-arg]
    """The reference (tests/test_reference.py): semantics v2 scanning every claim for every query."""
    return reference_status(tl, items, seg, cls, day)


def per_day_periods(m: kr.RoadModel, a: str, b: str, lo: dt.date, hi: dt.date, cls: str) -> list[tuple[dt.date, str]]:
    """Baseline: the same reach() answer computed for every single day."""
    out: list[tuple[dt.date, str]] = []
    day = lo
    while day <= hi:
        answer = m.reach(a, b, on=day, traffic=cls).answer
        if not out or out[-1][1] != answer:
            out.append((day, answer))
        day += dt.timedelta(days=1)
    return out


def all_pairs(m: kr.RoadModel, lo: dt.date, hi: dt.date, every: int) -> None:
    """All ordered pairs of places x all classes: ``periods_from`` against a per-day loop of ``reach``.

    The per-day loop is timed on every ``every``-th day of the range and extrapolated to the
    whole range (it would take hours); on those days its answers are checked against the periods.
    """
    tl = m.timeline
    places = list(m.G.nodes)
    t0 = time.perf_counter()
    spans = {(a, cls): kr.periods_from(tl, a, start=lo, end=hi, traffic=cls) for a in places for cls in kr.TRAFFIC_CLASSES}
    eng_s = time.perf_counter() - t0
    days = [lo + dt.timedelta(days=i) for i in range(0, (hi - lo).days + 1, every)]
    t0 = time.perf_counter()
    answers = {(a, b, cls, d): kr.reach(tl, a, b, on=d, traffic=cls).answer
               for d in days for cls in kr.TRAFFIC_CLASSES for a in places for b in places}
    sample_s = time.perf_counter() - t0
    n_days = (hi - lo).days + 1
    naive_s = sample_s * n_days / len(days)

    def answer_on(ps: list[kr.Period], d: dt.date) -> str:
        return next(p.answer for p in ps if p.start <= d <= p.end)

    same = all(answer_on(spans[(a, cls)][b], d) == ans for (a, b, cls, d), ans in answers.items())
    pairs = len(places) * len(places)
    print(f"all pairs x classes ({len(places)} places: {pairs} ordered pairs incl. a place to itself, x "
          f"{len(kr.TRAFFIC_CLASSES)} classes) over {lo}..{hi} ({n_days} days): periods_from {eng_s:.1f} s; per-day "
          f"reach loop {sample_s:.1f} s on {len(days)} days (every {every}th), {naive_s:.0f} s for all {n_days} days "
          f"(extrapolated); ratio {naive_s / eng_s:.0f}x; same answers on the timed days: {same}")


def timed(fn, repeat: int = 3) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def one_key_ledger(m: kr.RoadModel, n: int, segment: str = "hakari_bridge__kornidzor") -> kr.Ledger:
    """N claims by one claimant on one segment: closures and openings on consecutive days, every
    third one with an end, so that many claims are in force at once (the reference's worst case)."""
    base = m.ledger.events[0]
    d0 = dt.date(2000, 1, 1)
    events = []
    for i in range(n):
        day = d0 + dt.timedelta(days=i)
        end = parse_edtf((day + dt.timedelta(days=(i * 7919) % 365)).isoformat()) if i % 3 == 0 else None
        events.append(dataclasses.replace(
            base, id=f"N{i}", start=parse_edtf(day.isoformat()), end=end, targets=(segment,),
            type="closure" if i % 2 else "opening", status="closed" if i % 2 else "open", traffic=(), allowed=(),
            direction="", claimant="One claimant", source=base.source, row=i, raw={}))
    return kr.Ledger(tuple(events), m.ledger.sources)


def compile_scaling(m: kr.RoadModel, sizes: tuple[int, ...] = (1_000, 2_000, 4_000, 8_000), old_max: int = 4_000) -> None:
    """Print old (reference) vs new compile time of a Timeline over N claims on one key."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from test_compile import _compile_reference  # the original implementation, kept for the tests

    new_compile = _timeline._compile
    print("compile: N claims by one claimant on one segment (all 4 traffic classes -> 4 keys of N items), "
          "Timeline construction")
    print(f"{'N':>7}  {'old (reference)':>16}  {'new (sweep)':>12}  {'ratio':>8}  same answers")
    for n in sizes:
        ledger = one_key_ledger(m, n)
        new_s, new = timed(lambda ledger=ledger: kr.Timeline(m.G, ledger))
        if n > old_max:
            print(f"{n:>7,}  {'not run':>16}  {new_s:>11.3f}s  {'':>8}  (old one skipped above N={old_max:,}; "
                  "--old-max to run it)")
            continue
        _timeline._compile = _compile_reference
        try:
            old_s, old = timed(lambda ledger=ledger: kr.Timeline(m.G, ledger), repeat=1)
        finally:
            _timeline._compile = new_compile
        days = sorted({d for tl in (new, old) for d in tl.change_points()})  # type: ignore[attr-defined]
        same = all(new.class_status("hakari_bridge__kornidzor", "civilian", on=d)  # type: ignore[attr-defined]
                   == old.class_status("hakari_bridge__kornidzor", "civilian", on=d)  # type: ignore[attr-defined]
                   for d in days)
        print(f"{n:>7,}  {old_s:>15.3f}s  {new_s:>11.3f}s  {old_s / new_s:>7.0f}x  {same}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=["compile", "all-pairs"], help="run one comparison only")
    parser.add_argument("--every", type=int, default=25,
                        help="all-pairs: time the per-day loop on every N-th day and extrapolate (default 25)")
    parser.add_argument("--old-max", type=int, default=4_000,
                        help="largest N the old quadratic compile is timed on (default 4000; 8000 takes ~3 min)")
    args = parser.parse_args()
    if args.only == "compile":
        compile_scaling(kr.load(), old_max=args.old_max)
        return
    if args.only == "all-pairs":
        all_pairs(kr.load(), dt.date(2020, 11, 10), dt.date(2023, 12, 31), args.every)
        return
    t0 = time.perf_counter()
    m = kr.load()
    load_s = time.perf_counter() - t0
    lo, hi = dt.date(2020, 11, 10), dt.date(2023, 10, 31)
    cases = [("goris", "khankendi_stepanakert", "civilian"), ("aghdam", "khankendi_stepanakert", "humanitarian")]
    print(f"load + compile (bundled data, {len(m.ledger.events)} events): {load_s * 1000:.0f} ms")
    print(f"change points: {len(m.timeline.change_points())}; range {lo}..{hi} = {(hi - lo).days + 1} days")
    for a, b, cls in cases:
        eng_s, eng = timed(lambda a=a, b=b, cls=cls: m.periods(a, b, start=lo, end=hi, traffic=cls))
        base_s, base = timed(lambda a=a, b=b, cls=cls: per_day_periods(m, a, b, lo, hi, cls), repeat=1)
        same = [(p.start, p.answer) for p in eng] == base  # type: ignore[union-attr]
        print(f"periods {a} -> {b} ({cls}): change points {eng_s * 1000:.1f} ms, per-day loop {base_s * 1000:.0f} ms, "
              f"ratio {base_s / eng_s:.0f}x, same answers: {same}")
    items = [(ev, s, w0, w1) for ev in m.ledger.events for s, w0, w1 in _windows(m.G, ev)]
    days = [lo + dt.timedelta(days=i) for i in range(0, (hi - lo).days, 7)]
    segs = [k for *_, k in m.G.edges(keys=True)]
    q_s, fast = timed(lambda: [m.timeline.class_status(s, "civilian", on=d).status for d in days for s in segs])
    n_s, slow = timed(lambda: [naive_status(m.timeline, items, s, "civilian", d) for d in days for s in segs])
    n = len(days) * len(segs)
    print(f"status queries ({n}): compiled {q_s / n * 1e6:.1f} µs each, naive scan {n_s / n * 1e6:.1f} µs each, "
          f"ratio {n_s / q_s:.1f}x, same answers: {fast == slow}")
    # The same comparison on a ledger 30 times larger (the bundled claims repeated under 30
    # claimant names, dates shifted by i days): the naive scan grows with the ledger, the
    # compiled lookup with the number of claimants per key only.
    big_events = []
    for i in range(30):
        for ev in m.ledger.events:
            shift = dt.timedelta(days=i)
            start = dataclasses.replace(ev.start, lower=ev.start.lower + shift, upper=ev.start.upper + shift,
                                        earliest=ev.start.earliest + shift, latest=ev.start.latest + shift)
            big_events.append(dataclasses.replace(ev, id=f"{ev.id}-{i}", claimant=f"{ev.claimant} #{i % 3}",
                                                  start=start, row=len(big_events), raw={}))
    t = time.perf_counter()
    big = kr.Timeline(m.G, kr.Ledger(tuple(big_events), m.ledger.sources))
    compile_s = time.perf_counter() - t
    big_items = [(ev, s, w0, w1) for ev in big_events for s, w0, w1 in _windows(m.G, ev)]
    q_s, fast = timed(lambda: [big.class_status(s, "civilian", on=d).status for d in days for s in segs])
    n_s, slow = timed(lambda: [naive_status(big, big_items, s, "civilian", d) for d in days for s in segs], repeat=1)
    print(f"status queries, {len(big_events)}-claim ledger (compiled in {compile_s * 1000:.0f} ms): compiled "
          f"{q_s / n * 1e6:.1f} µs each, naive scan {n_s / n * 1e6:.1f} µs each, ratio {n_s / q_s:.1f}x, "
          f"same answers: {fast == slow}")
    all_pairs(m, dt.date(2020, 11, 10), dt.date(2023, 12, 31), args.every)
    s_s, _ = timed(lambda: m.status(on="2023-07-20"))
    print(f"status GeoDataFrame for one date: {s_s * 1000:.1f} ms")
    compile_scaling(m, old_max=args.old_max)


if __name__ == "__main__":
    main()
