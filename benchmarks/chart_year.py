"""Chart benchmark: a year's timeline chart of a large network, and the statuses behind it.

Run:  python benchmarks/chart_year.py --size M
      python benchmarks/chart_year.py --data DIR --cache CACHE_DIR   (a folder with the five input files)

In one process: load (from the cache, when given), compile every traffic class (a status
snapshot of each on the first day, so that the times below are the chart's own), then

* ``chart``: ``timeline_chart`` of the default routes over the year (2022 by default), and
  the figure saved as PNG (``--png``, default a temporary file);
* ``statuses``: the chart's statuses alone, each (day, class) the chart looks up, for the
  segments of the routes it draws (``chart._Statuses``: those segments' snapshot, the claims
  in force carried from day to day);
* ``baseline``: the same statuses from the whole network's snapshot each day
  (``Timeline._codes_on``, what the chart used before), checked equal to them.

Prints one JSON line: seconds (wall, ``perf_counter``), the ratio baseline / statuses, the
number of days, routes and segments, and the process's peak RSS (``ru_maxrss``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    synth.data_options(parser)
    parser.add_argument("--year", type=int, default=2022)
    parser.add_argument("--png", type=Path, help="where to save the chart (default: a temporary file)")
    args = parser.parse_args()

    import numpy as np

    import karabakh_routes as kr
    from karabakh_routes.chart import _Statuses, default_routes, save_chart, timeline_chart
    from karabakh_routes.network import routes_of
    from karabakh_routes.timeline import parse_view

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        m, _ = synth.load_data(args, Path(tmp))
        load_s = time.perf_counter() - t  # (with writing a synthetic region, if asked for one)
        lo, hi = dt.date(args.year, 1, 1), dt.date(args.year, 12, 31)
        tl = m.timeline
        for cls in kr.TRAFFIC_CLASSES:
            tl.status_codes(on=lo, traffic=cls)

        t = time.perf_counter()
        fig = timeline_chart(m, start=lo, end=hi)
        png = args.png or Path(tmp) / "chart.png"
        save_chart(fig, png)
        chart_s = time.perf_counter() - t

        v = parse_view("consensus", tl.ledger)
        every = routes_of(m.G)
        drawn = [every[r] for r in default_routes(m)[:20]]  # (the first 20: those with claims, on these ledgers)
        days = [lo, *(d for d in tl.change_points(lo, hi, horizon=v.horizon) if d > lo)]
        statuses = _Statuses(m, v, drawn)
        t = time.perf_counter()
        got = {(d, c): statuses(d, c) for c in kr.TRAFFIC_CLASSES for d in days}
        statuses_s = time.perf_counter() - t
        t = time.perf_counter()
        whole = {(d, c): tl._codes_on(d, c, v)[statuses._at] for c in kr.TRAFFIC_CLASSES for d in days}
        baseline_s = time.perf_counter() - t
        same = all(np.array_equal(got[k], whole[k]) for k in got)
    print(json.dumps({"data": str(args.data or args.size), "load_s": round(load_s, 2), "chart_s": round(chart_s, 2),
                      "statuses_s": round(statuses_s, 2), "baseline_s": round(baseline_s, 2),
                      "ratio": round(baseline_s / statuses_s, 1), "same": same, "days": len(days),
                      "routes": len(drawn), "segments": len(statuses._at), "network_segments": len(tl.segments),
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))


if __name__ == "__main__":
    main()
