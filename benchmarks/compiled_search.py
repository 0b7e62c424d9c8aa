"""Would compiled code make the searches of a day faster? scipy's Dijkstra against one compiled with numba.

Run:  python benchmarks/compiled_search.py --size M          (needs numba: pip install numba)
      python benchmarks/compiled_search.py --data DIR --cache CACHE_DIR --days 10

docs/scaling.md names a compiled day step as one way to the `periods` target at L. Two kinds
of search take a large share of a change point there: the trip's search over the whole network
(``_Search.run``: scipy's Dijkstra with predecessors over the roads the tier allows) and the
short searches towards the places of one-way claims (``_Search.distances`` with a distance
limit, over the roads not closed). This times both over the sparse layout the engine gives
scipy on a large network (every directed entry, those not used at an infinite weight), on the statuses of ``--days`` change points
from ``--start`` (civilian traffic, consensus view, the trip of ``benchmarks/scale.py``, its
third tier: open, disputed and unknown roads), against the same searches written in Python
and compiled by numba: a binary heap with lazy deletion over the same sparse layout, and for a
bounded search only the nodes it reached reset afterwards (scipy fills and reads arrays over
every node at each call), its distances copied out over every node as the engine keeps them,
or (``_sparse``) kept as the nodes reached and their distances. Each pair must give the same
distances, and the full search the same predecessors, or the script stops.

numba is not a dependency of the library: without it this prints why and exits with status 2.
Prints one JSON line: milliseconds per search (median over the change points), each way.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth  # noqa: E402


def _kernel() -> Any:
    """The compiled search (made on first use)."""
    import numpy as np
    from numba import njit

    @njit(cache=False)  # type: ignore[untyped-decorator]
    def search(indptr: Any, indices: Any, w: Any, origin: int, limit: float, dist: Any, pred: Any,
               heap_d: Any, heap_n: Any, reached: Any) -> int:  # pragma: no cover (compiled)
        """Dijkstra from ``origin`` up to ``limit`` (``dist`` inf, ``pred`` -9999 on entry); returns the nodes reached."""
        dist[origin] = 0.0
        reached[0] = origin
        nr = 1
        heap_d[0] = 0.0
        heap_n[0] = origin
        size = 1
        while size > 0:
            d = heap_d[0]
            u = heap_n[0]
            size -= 1
            if size > 0:  # the last item sifted down from the top
                ld = heap_d[size]
                ln = heap_n[size]
                i = 0
                while True:
                    c = 2 * i + 1
                    if c >= size:
                        break
                    if c + 1 < size and heap_d[c + 1] < heap_d[c]:
                        c += 1
                    if heap_d[c] < ld:
                        heap_d[i] = heap_d[c]
                        heap_n[i] = heap_n[c]
                        i = c
                    else:
                        break
                heap_d[i] = ld
                heap_n[i] = ln
            if d > dist[u]:
                continue  # an older, longer entry of a node settled since
            for k in range(indptr[u], indptr[u + 1]):
                v = indices[k]
                nd = d + w[k]
                if nd < dist[v] and nd <= limit:
                    if dist[v] == np.inf:
                        reached[nr] = v
                        nr += 1
                    dist[v] = nd
                    pred[v] = u
                    i = size
                    size += 1
                    while i > 0:
                        p = (i - 1) >> 1
                        if heap_d[p] > nd:
                            heap_d[i] = heap_d[p]
                            heap_n[i] = heap_n[p]
                            i = p
                        else:
                            break
                    heap_d[i] = nd
                    heap_n[i] = v
        return nr

    return search


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    synth.data_options(parser)
    parser.add_argument("--start", default="2022-01-01", help="the first day (default 2022-01-01)")
    parser.add_argument("--days", type=int, default=10, help="change points to time (default 10)")
    parser.add_argument("--places", type=int, default=40, help="bounded searches a change point (default 40)")
    args = parser.parse_args()
    try:
        search = _kernel()
    except ImportError:
        print("numba is not installed (pip install numba): this benchmark compares scipy's search with a "
              "compiled one", file=sys.stderr)
        return 2

    import numpy as np
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    import karabakh_routes as kr
    from karabakh_routes.timeline import parse_view

    R = importlib.import_module("karabakh_routes.reach")
    tl, a, _ = synth.load_trip(args)
    cls = "civilian"
    v = parse_view("consensus", tl.ledger)
    net = R._net(tl.G, tl.segments, tl._edges)
    indptr, indices, _ = net.layout()
    order = net.order
    n = len(net.nodes)
    origin = net.index[a]
    lut = np.zeros(len(R._CODES), bool)
    lut[list(R._ALLOWED[2])] = True
    # the places of one-way claims, as the engine searches towards them (over the roads not closed)
    places = R._direction_places(tl, net)
    places = np.unique(places[places >= 0])
    rng = np.random.default_rng(0)
    limit = R._FIRST_LIMIT * net.median_length() * 8  # a limit the engine's doubling reaches often
    lo = kr.to_date(args.start)
    days = [lo, *(p for p in tl.change_points(lo, lo + dt.timedelta(days=3 * 365), traffic=cls,
                                               horizon=v.horizon) if p > lo)][:args.days]
    heap_d, heap_n = np.empty(len(net.src) + 1), np.empty(len(net.src) + 1, np.int64)
    reached = np.empty(n, np.int64)
    dist, pred = np.full(n, np.inf), np.full(n, -9999, np.int64)
    times: dict[str, list[float]] = {"full_scipy": [], "full_compiled": [], "bounded_scipy": [], "bounded_compiled": [],
                                     "bounded_compiled_sparse": []}
    settled: list[int] = []
    for i, day in enumerate(days):
        codes = np.repeat(tl._codes_on(day, cls, v), 2)
        # the weights as the engine lays them out for scipy (_Search.over): inf where not allowed
        w = np.where(lut[codes[order]], np.maximum(net.length[order] + R._PENALTY_BY_CODE[codes[order]], 1e-12),
                     np.inf)
        graph = csr_matrix((w, indices, indptr), shape=(n, n))
        t0 = time.perf_counter()
        d0, p0 = dijkstra(graph, directed=True, indices=origin, return_predecessors=True)
        t1 = time.perf_counter()
        d1, p1 = np.full(n, np.inf), np.full(n, -9999, np.int64)
        search(indptr, indices, w, origin, np.inf, d1, p1, heap_d, heap_n, reached)
        t2 = time.perf_counter()
        if i:  # (the first day compiles the kernel)
            times["full_scipy"].append(t1 - t0)
            times["full_compiled"].append(t2 - t1)
        if not (np.array_equal(d0, d1) and np.array_equal(p0, p1)):
            print(f"the compiled full search differs from scipy's on {day}", file=sys.stderr)
            return 1
        # towards a one-way claim's place: over the roads not closed (_Toward), lengths alone
        wt = np.where(codes[order] != R._CODE["closed"], np.maximum(net.length[order], 1e-12), np.inf)
        toward = csr_matrix((wt, indices, indptr), shape=(n, n))
        for p in rng.choice(places, min(args.places, len(places)), replace=False).tolist():
            t0 = time.perf_counter()
            b0 = dijkstra(toward, directed=True, indices=p, limit=limit)
            t1 = time.perf_counter()
            nr = search(indptr, indices, wt, p, limit, dist, pred, heap_d, heap_n, reached)
            b1 = dist.copy()  # what the engine keeps: distances over every node
            got = reached[:nr]
            dist[got], pred[got] = np.inf, -9999  # only the nodes reached reset
            t2 = time.perf_counter()
            nr = search(indptr, indices, wt, p, limit, dist, pred, heap_d, heap_n, reached)
            got = reached[:nr].copy()
            b2 = dist[got]  # kept as the nodes reached and their distances instead
            dist[got], pred[got] = np.inf, -9999
            t3 = time.perf_counter()
            if i:
                times["bounded_scipy"].append(t1 - t0)
                times["bounded_compiled"].append(t2 - t1)
                times["bounded_compiled_sparse"].append(t3 - t2)
                settled.append(nr)
            if not (np.array_equal(b0, b1) and np.array_equal(b0[got], b2) and np.isfinite(b0).sum() == nr):
                print(f"the compiled bounded search from node {p} differs from scipy's on {day}", file=sys.stderr)
                return 1
    out: dict[str, Any] = {"data": str(args.data or args.size), "nodes": n, "entries": len(net.src),
                           "change_points": len(days) - 1, "bounded_limit_km": round(limit, 1),
                           "bounded_nodes_reached_median": int(statistics.median(settled)) if settled else 0}
    for k, ts in times.items():
        out[f"{k}_ms"] = round(1000 * statistics.median(ts), 3) if ts else None
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
