"""One origin to every place: ``reach_from`` on one day, against a ``reach`` per destination.

Run:  python benchmarks/everywhere.py --size M
      python benchmarks/everywhere.py --data DIR --cache CACHE_DIR   (a folder with the five input files)

In one process: load (from the cache, when given), a status snapshot of the class on the day
(so that the times below are the answers' own), then

* ``everywhere``: ``reach_from(timeline, origin, on=day)``, the origin the grid's south-west
  corner (as ``benchmarks/scale.py``), to every place of the network;
* ``one_by_one``: ``reach`` from the origin to ``--check`` places spread over the network
  (default 20), each on its own, checked equal to ``reach_from``'s answers; the time per
  answer, and that times the number of places (an estimate of asking one place at a time).

Prints one JSON line: seconds (wall, ``perf_counter``), the number of places and of each
answer, and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    synth.data_options(parser)
    parser.add_argument("--on", type=dt.date.fromisoformat, default=dt.date(2022, 6, 15))
    parser.add_argument("--traffic", default="civilian")
    parser.add_argument("--check", type=int, default=20, help="places also asked about one by one (default 20)")
    args = parser.parse_args()

    import karabakh_routes as kr

    tl, origin, _ = synth.load_trip(args)
    tl.status_codes(on=args.on, traffic=args.traffic)
    t = time.perf_counter()
    every = kr.reach_from(tl, origin, on=args.on, traffic=args.traffic)
    everywhere_s = time.perf_counter() - t
    places = sorted(every)
    some = places[:: max(1, len(places) // max(args.check, 1))][: args.check]
    t = time.perf_counter()
    same = all(kr.reach(tl, origin, b, on=args.on, traffic=args.traffic) == every[b] for b in some)
    each_s = (time.perf_counter() - t) / max(len(some), 1)
    print(json.dumps({"data": str(args.data or args.size), "origin": origin, "places": len(every),
                      "answers": dict(collections.Counter(r.answer for r in every.values())),
                      "everywhere_s": round(everywhere_s, 2), "checked": len(some), "same": same,
                      "one_by_one_each_s": round(each_s, 4), "one_by_one_all_s_estimate": round(each_s * len(every), 1),
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))


if __name__ == "__main__":
    main()
