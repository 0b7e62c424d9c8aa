"""Reading speed: the network (``graph_from_geodata``) and the ledger (``read_ledger``) of one folder.

Run:  python benchmarks/synth.py --size M --out /tmp/synthM      (once; L: --size L --out /tmp/synthL)
      python benchmarks/read_speed.py /tmp/synthM
      python benchmarks/read_speed.py /tmp/synthL --profile 25   (also: the 25 costliest functions)

Prints, for each step, the wall seconds (``perf_counter``), the CPU seconds (``process_time``)
and the peak RSS of the process after it (``ru_maxrss``; the ledger's figure includes the
graph read before it). ``--json FILE`` writes the same numbers as JSON.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import pstats
import resource
import sys
import time
import warnings
from pathlib import Path
from typing import Any


def _peak_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 / 1024 if sys.platform == "darwin" else rss / 1024  # bytes on macOS, KiB on Linux


def measure(folder: Path, profile: int = 0) -> dict[str, Any]:
    import karabakh_routes  # noqa: F401  (imported before timing)
    from karabakh_routes.events import read_ledger
    from karabakh_routes.network import graph_from_geodata

    out: dict[str, Any] = {"folder": str(folder), "import_peak_mb": round(_peak_mb(), 1)}
    prof = cProfile.Profile() if profile else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        if prof:
            prof.enable()
        G = graph_from_geodata(folder / "places.geojson", folder / "segments.geojson", folder / "routes.json")
        if prof:
            prof.disable()
        out["read_network"] = {"wall_s": round(time.perf_counter() - t0, 2),
                               "cpu_s": round(time.process_time() - c0, 2), "peak_rss_mb": round(_peak_mb(), 1),
                               "segments": G.number_of_edges(), "places": G.number_of_nodes()}
        gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        if prof:
            prof.enable()
        ledger = read_ledger(folder / "events.csv", folder / "sources.csv", G=G)
        if prof:
            prof.disable()
        out["read_ledger"] = {"wall_s": round(time.perf_counter() - t0, 2),
                              "cpu_s": round(time.process_time() - c0, 2), "peak_rss_mb": round(_peak_mb(), 1),
                              "claims": len(ledger.events), "sources": len(ledger.sources)}
    if prof:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(profile)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="a folder written by benchmarks/synth.py")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print the N costliest functions")
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = parser.parse_args(argv)
    res = measure(args.folder, args.profile)
    print(f"{args.folder}: imports peak {res['import_peak_mb']:.0f} MB")
    for step in ("read_network", "read_ledger"):
        r = res[step]
        print(f"  {step:<13} {r['wall_s']:7.2f} s wall  {r['cpu_s']:7.2f} s cpu  peak RSS {r['peak_rss_mb']:7.0f} MB")
    if args.json:
        args.json.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
