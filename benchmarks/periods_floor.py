"""The floor of a range query visiting every change point: two steps it cannot skip, timed alone.

Run:  python benchmarks/periods_floor.py --size M
      python benchmarks/periods_floor.py --data DIR --cache CACHE_DIR   (a folder with the five input files)

``periods`` (see docs/scaling.md, "Range queries") carries the day's state from one change
point of the class to the next. Whatever else it does, at each change point it must look up
the statuses of the segments touched since the one before, and, when statuses improved
anywhere (on the synthetic ledgers, at every change point), search the trip again over the
whole network. This times those two steps alone over the benchmark's range (2021-01-01 to
2023-12-31, civilian traffic, consensus view), as ``periods`` does them: the snapshot of the
touched segments (claims in force carried by a cursor) and one scipy Dijkstra from the trip's
origin over the roads the third tier allows (open, disputed, unknown). Nothing else
(evidence, one-way decisions, their distances, searches again) is done, so the sum is a lower
bound for ``periods`` built this way, to set against ``benchmarks/scale.py``'s target (30 s at L).

Prints one JSON line: change points, seconds for each step and together, per change point.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth  # noqa: E402
from scale import RANGE  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    synth.data_options(parser)
    args = parser.parse_args()

    import numpy as np

    import karabakh_routes as kr
    from karabakh_routes.timeline import parse_view

    R = importlib.import_module("karabakh_routes.reach")
    tl, a, _ = synth.load_trip(args)
    cls = "civilian"
    v = parse_view("consensus", tl.ledger)
    lo, hi = (kr.to_date(d) for d in RANGE)
    cuts = [lo, *(p for p in tl.change_points(lo, hi, horizon=v.horizon, traffic=cls) if p > lo)]
    net = R._net(tl.G, tl.segments, tl._edges)
    origin = net.index[a]
    lut = np.zeros(len(R._CODES), bool)
    lut[list(R._ALLOWED[2])] = True  # the third tier: open, disputed, unknown
    # set up as periods does on its first day (not timed): the whole snapshot, the touch index, the cursor
    codes = np.repeat(tl._codes_on(lo, cls, v), 2)
    tl._touched(cls, v, lo, lo)
    cursor = tl._cursor(lo, cls, v)
    snapshot_s = search_s = 0.0
    for prev, day in zip(cuts, cuts[1:]):
        t0 = time.perf_counter()
        touched = tl._touched(cls, v, prev + dt.timedelta(days=1), day)
        if cursor is not None:
            cursor.advance(day.toordinal())
        snap = tl._snapshot(day, cls, v, directions=True, segments=touched, cursor=cursor)
        codes[2 * touched] = snap.codes[touched]
        codes[2 * touched + 1] = snap.codes[touched]
        t1 = time.perf_counter()
        search = R._Search.over(net, lut[codes], net.length + R._PENALTY_BY_CODE[codes])[0]
        search.run(origin)
        t2 = time.perf_counter()
        snapshot_s += t1 - t0
        search_s += t2 - t1
    n = max(len(cuts) - 1, 1)
    print(json.dumps({"data": str(args.data or args.size), "change_points": len(cuts) - 1,
                      "touched_snapshots_s": round(snapshot_s, 1), "one_search_each_s": round(search_s, 1),
                      "together_s": round(snapshot_s + search_s, 1),
                      "ms_per_change_point": round(1000 * (snapshot_s + search_s) / n, 1)}))


if __name__ == "__main__":
    main()
