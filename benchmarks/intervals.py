"""Status-interval benchmark: every segment's intervals of one class over a range, in one process and in N.

Run:  python benchmarks/intervals.py --size M
      python benchmarks/intervals.py --data DIR --cache CACHE_DIR   (a folder with the five input files)
      python benchmarks/intervals.py --size M --workers 1           (one process only: e.g. on an older checkout)

In one process: load (from the cache, when given), compile the class (a status snapshot on
the first day, so that the times below are the table's own), then

* ``one``: ``status_intervals(model, start, end, traffic=...)`` in this process;
* ``workers``: the same with ``workers=N`` (``--workers``, default 2; the segments shared out
  among N forked processes), its wall time, the workers' CPU time (``RUSAGE_CHILDREN``), and
  whether the table is the same as in one process, row for row;
* with ``--formats csv,geojson,gpkg,parquet``: writing the table to each (``export``), and
  the file's size.

Prints one JSON line: seconds (wall, ``perf_counter``; CPU, ``process_time``), the ratio of
the two wall times, the number of rows and change points, and the process's peak RSS.
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
    parser.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2022, 1, 1))
    parser.add_argument("--end", type=dt.date.fromisoformat, default=dt.date(2022, 12, 31))
    parser.add_argument("--traffic", default="civilian")
    parser.add_argument("--workers", type=int, default=2, help="also with workers=N (default 2; 1: not)")
    parser.add_argument("--formats", default="", help="also time writing the table, e.g. csv,geojson,gpkg,parquet")
    args = parser.parse_args()

    import karabakh_routes as kr

    with tempfile.TemporaryDirectory() as tmp:
        m, _ = synth.load_data(args, Path(tmp))
        tl = m.timeline
        tl.status_codes(on=args.start, traffic=args.traffic)
        days = len(tl.change_points(args.start, args.end)) + 1

        def table(**kw: object) -> tuple[object, float, float]:
            w, c = time.perf_counter(), time.process_time()
            iv = kr.status_intervals(m, args.start, args.end, traffic=args.traffic, **kw)
            return iv, time.perf_counter() - w, time.process_time() - c

        one, one_s, one_cpu = table()
        out = {"data": str(args.data or args.size), "segments": len(tl.segments), "change_points": days,
               "rows": len(one), "one_s": round(one_s, 2), "one_cpu_s": round(one_cpu, 2)}
        if args.workers > 1:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            got, w_s, _ = table(workers=args.workers)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
            same = (got.drop(columns="geometry").to_dict("records") == one.drop(columns="geometry").to_dict("records")
                    and list(got.geometry.to_wkt()) == list(one.geometry.to_wkt()) and got.attrs == one.attrs)
            out.update(workers=args.workers, workers_s=round(w_s, 2), workers_cpu_s=round(cpu, 2),
                       ratio=round(one_s / w_s, 2), same=same)
        for fmt in filter(None, args.formats.split(",")):
            path = Path(tmp) / f"intervals.{fmt}"
            w = time.perf_counter()
            kr.export(one, path)
            out[f"write_{fmt}_s"] = round(time.perf_counter() - w, 2)
            out[f"write_{fmt}_bytes"] = path.stat().st_size
        out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
