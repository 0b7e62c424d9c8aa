"""Could a range query skip the search at a change point? How often the trip's best path changes, and a bound test.

Run:  python benchmarks/answer_changes.py --size M
      python benchmarks/answer_changes.py --data DIR --cache CACHE_DIR --days 60

``periods`` keeps the day before's answer only when no status improved anywhere (see
docs/scaling.md, "Range queries"); on the synthetic ledgers statuses improve somewhere at
every change point, so it searches the trip again at each. A sharper test would keep the
path when no improvement can make a shorter one. With the distances of the day before from
the origin (``da``) and to the destination (``db``) and the path's cost ``C``, a path that
is shorter today must cross an entry whose weight fell (the set ``S``): crossing one such
entry ``e = (u, v)`` it costs at least ``da[u] + w(e) + db[v]``, crossing two or more at
least ``min(da[u] + w(e)) + min(w(e') + db[v'])`` over ``S``. If both bounds are at least
``C`` and no entry on the path changed weight, the path of the day before is still a
shortest one and the search could be skipped. The exact form of the same test searches the
graph with each entry at the lighter of its two days' weights (a lower bound on every path
of the new day, which no bound from ``da`` and ``db`` can beat): the search could be skipped
when that distance is still ``C``. Both need the path's own entries to keep their weights.

This walks the change points of the trip's class from ``--start`` (civilian traffic,
consensus view, the trip of ``benchmarks/scale.py``: opposite corners of the grid, the tier
``periods`` answers on there: open, disputed and unknown roads) with every segment's status
from the vectorised snapshot (one-way claims counted in both directions: an estimate), and
counts at how many change points the best cost changed and at how many the bound test would
have let the search be skipped. It also reports the share of the nodes whose distance from the
origin changed from one change point to the next (of those reached on either day): a
dynamic shortest-path tree, repaired where weights changed instead of searched again, must
visit at least those nodes.

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    synth.data_options(parser)
    parser.add_argument("--start", default="2022-01-01", help="the first day (default 2022-01-01)")
    parser.add_argument("--days", type=int, default=60, help="change points to visit after it (default 60)")
    args = parser.parse_args()

    import numpy as np
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    import karabakh_routes as kr
    from karabakh_routes.timeline import parse_view

    R = importlib.import_module("karabakh_routes.reach")
    tl, a, b = synth.load_trip(args)
    cls = "civilian"
    v = parse_view("consensus", tl.ledger)
    net = R._net(tl.G, tl.segments, tl._edges)
    ia, ib, n = net.index[a], net.index[b], len(net.nodes)
    allowed = np.zeros(len(R._CODES), bool)
    allowed[list(R._ALLOWED[2])] = True  # the third tier: open, disputed, unknown

    def weights(day: dt.date) -> np.ndarray:
        codes = np.repeat(tl._codes_on(day, cls, v), 2)
        out: np.ndarray = np.where(allowed[codes], net.length + R._PENALTY_BY_CODE[codes], np.inf)
        return out

    def dist(w: np.ndarray, origin: int, reverse: bool = False) -> tuple[np.ndarray, np.ndarray]:
        src, dst = (net.dst, net.src) if reverse else (net.src, net.dst)
        ok = np.isfinite(w)
        g = csr_matrix((np.maximum(w[ok], 1e-12), (src[ok], dst[ok])), shape=(n, n))
        d, pred = dijkstra(g, directed=True, indices=origin, return_predecessors=True)
        return np.asarray(d), np.asarray(pred)

    pair = net.layout()[2]

    def path_entries(pred: np.ndarray) -> np.ndarray:
        """The entries of the path from the origin to the destination (the first of parallel ones)."""
        nodes = [ib]
        while nodes[-1] != ia:
            nodes.append(int(pred[nodes[-1]]))
        hops = np.asarray(nodes[:0:-1], np.int64) * n + np.asarray(nodes[-2::-1], np.int64)
        out: np.ndarray = net.order[np.searchsorted(pair, hops)]
        return out

    lo = kr.to_date(args.start)
    days = [lo, *(p for p in tl.change_points(lo, lo + dt.timedelta(days=4 * args.days), traffic=cls,
                                               horizon=v.horizon) if p > lo)][:args.days + 1]
    w0 = weights(days[0])
    seen = changed = improved = skip_one = skip = kept = skip_exact = 0
    sizes = []
    moved: list[float] = []
    for day in days[1:]:
        (da, pred), db = dist(w0, ia), dist(w0, ib, reverse=True)[0]
        w1 = weights(day)
        d1 = dist(w1, ia)[0]
        cost0, cost1 = da[ib], d1[ib]
        either = np.isfinite(da) | np.isfinite(d1)
        moved.append(float((da[either] != d1[either]).mean()) if either.any() else 0.0)
        s = np.flatnonzero(w1 < w0)
        seen += 1
        changed += int(cost1 != cost0)
        improved += int(len(s) > 0)
        sizes.append(len(s))
        # the path of the day before kept as it was (no entry on it changed weight), and no
        # improvement able to make a shorter one
        path = path_entries(pred) if np.isfinite(cost0) else None
        if path is not None and (w1[path] == w0[path]).all():
            u, x = net.src[s], net.dst[s]
            one = float((da[u] + w1[s] + db[x]).min()) if len(s) else np.inf
            two = float((da[u] + w1[s]).min() + (w1[s] + db[x]).min()) if len(s) else np.inf
            skip_one += int(one >= cost0)
            skip += int(min(one, two) >= cost0)
            kept += 1
            lower = dist(np.minimum(w0, w1), ia)[0][ib]  # every path today costs at least this
            skip_exact += int(lower >= cost0 * (1 - 1e-12))
        w0 = w1
    print(json.dumps({"data": str(args.data or args.size), "trip": [a, b], "change_points": seen,
                      "best_cost_changed": changed, "some_status_improved": improved,
                      "improved_entries_mean": round(float(np.mean(sizes)), 1) if sizes else 0,
                      "path_kept_its_weights": kept, "skippable_one_entry_bound": skip_one,
                      "skippable_both_bounds": skip, "skippable_exact": skip_exact,
                      "nodes_whose_distance_changed_median": round(float(np.median(moved)), 3) if moved else 0,
                      "nodes_whose_distance_changed_min": round(float(np.min(moved)), 3) if moved else 0}))


if __name__ == "__main__":
    main()
