"""First-query benchmark: what a fresh process pays to load a region and answer one ``reach``.

Run:  python benchmarks/first_query.py --size M
      python benchmarks/first_query.py --size L --runs 2
      python benchmarks/first_query.py --data DIR      (a folder with the five input files)

Each scenario runs in a fresh Python process (imports, then ``kr.load``, then one ``reach``
between the grid's opposite corners for civilian traffic on 2022-06-15, then a second
``reach`` the next day), in this order:

* ``no cache``: ``load(..., cache=False)``: the claims of the class asked about are compiled
  by the first ``reach``;
* ``cache, first``: ``load(..., cache=DIR)`` with an empty cache folder: the same, and the
  compiled arrays are written;
* ``cache, warm``: the same call again (``--runs`` times): the arrays are mapped from the
  cache files instead of compiled.

Times are wall seconds (``perf_counter``); peak RSS is the process's ``ru_maxrss``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth  # noqa: E402
from scale import _far_apart  # noqa: E402

_FILES = {"places": "places.geojson", "segments": "segments.geojson", "routes": "routes.json",
          "events": "events.csv", "sources": "sources.csv"}


def child(folder: Path, cache: str) -> None:
    """Load, reach twice; print one JSON line of timings."""
    import resource

    a, b = _far_apart(folder / "places.geojson")  # (before the clock starts: not the library's work)
    t0 = time.perf_counter()
    import karabakh_routes as kr

    t1 = time.perf_counter()
    m = kr.load(**{k: str(folder / f) for k, f in _FILES.items()}, cache=cache if cache else False)
    t2 = time.perf_counter()
    first = kr.reach(m.timeline, a, b, on="2022-06-15")
    t3 = time.perf_counter()
    kr.reach(m.timeline, a, b, on="2022-06-16")
    t4 = time.perf_counter()
    print(json.dumps({"import_s": t1 - t0, "load_s": t2 - t1, "first_reach_s": t3 - t2, "second_reach_s": t4 - t3,
                      "answer": first.answer, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="M", help="a synthetic size from S, M, L (default M)")
    parser.add_argument("--data", type=Path, help="measure these files instead (a folder with the five inputs)")
    parser.add_argument("--runs", type=int, default=2, help="warm runs (default 2)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cache", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.cache)
        return
    with tempfile.TemporaryDirectory(prefix="kr-first-") as tmp:
        folder = args.data
        if folder is None:
            segments, claims = synth.SIZES[args.size.upper()]
            folder = Path(tmp) / "data"
            synth.generate(folder, segments=segments, claims=claims, seed=0)
        cache = Path(tmp) / "cache"
        rows = [("no cache", "")] + [("cache, first", str(cache))] + [("cache, warm", str(cache))] * args.runs
        print("| scenario | import | load | first reach | second reach | peak RSS |")
        print("|---|---|---|---|---|---|")
        for name, c in rows:
            out = subprocess.run([sys.executable, __file__, "--child", str(folder), "--cache", c],
                                 capture_output=True, text=True, check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"| {name} | {r['import_s']:.2f} s | {r['load_s']:.2f} s | {r['first_reach_s']:.2f} s "
                  f"({r['answer']}) | {r['second_reach_s']:.2f} s | {r['peak_rss_mb']:,.0f} MB |", flush=True)


if __name__ == "__main__":
    main()
