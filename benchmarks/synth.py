"""A seeded synthetic road network and claim ledger, written in the documented file formats.

Run:  python benchmarks/synth.py --size S --out DIR        (S: 1k segments / 10k claims)
      python benchmarks/synth.py --size M --out DIR        (M: 10k / 100k;  L: 100k / 1M)
      python benchmarks/synth.py --segments 30 --claims 200 --seed 1 --out DIR

``generate(folder, segments=..., claims=..., seed=...)`` writes ``places.geojson``,
``segments.geojson``, ``routes.json``, ``sources.csv`` and ``events.csv`` into ``folder`` and
returns their paths (keys ``places``, ``segments``, ``routes``, ``sources``, ``events``, the
keyword names of ``karabakh_routes.load``). The same arguments always give the same bytes.

What is written (every file valid: ``karabakh-routes validate`` exits 0, with no warning):

* places: a jittered grid of places (ids ``r<row>c<col>``) inside the region bounds
  (``karabakh_routes.network.REGION_BOUNDS``), kinds cycling through the vocabulary, an alias
  for every third place;
* segments: the grid edges (to the right and down of each place, in row-major order, cut at
  exactly ``segments`` edges, so the network is always connected), each a LineString from
  its first place through one jittered mid point to its second place (the ends exactly at
  the places' coordinates);
* routes: up to 300 routes (one per 20 segments at least 3), each a run of consecutive
  segments along a row or column, with 1-3 dated alignments that do not overlap (the later
  ones shifted to a neighbouring row or column, the last one open-ended) and two aliases;
* sources: one per 8 claims; ``published`` mostly a day, sometimes a month (``2022-05``) or
  empty; no ``seed``;
* events: claims by 12 claimants over 2020-2024; types closure, opening, restriction, report
  and passage with a status that fits the type; ``traffic`` (a subset of classes, or empty)
  and ``allowed`` (for ``restricted`` and passages); an ``end`` for about 30% of the claims
  (sometimes uncertain); uncertain starts (``~``, ``?``) and month precision (``2022-05``);
  ``as_of`` on about 10% of the rows; a one-way ``direction`` (a place at an end of the
  target) on about 8% of the claims and 25% of the passages; targets a route (id or alias,
  about 30%) or 1-3 neighbouring segments.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SIZES = {"S": (1_000, 10_000), "M": (10_000, 100_000), "L": (100_000, 1_000_000)}
# (min_lon, min_lat, max_lon, max_lat) = karabakh_routes.network.REGION_BOUNDS, with a margin
BOUNDS = (43.0, 38.5, 50.5, 41.5)
MARGIN = 0.1
CLASSES = ("civilian", "humanitarian", "medical", "peacekeepers")
KINDS = ("city", "town", "village", "checkpoint", "junction", "border_crossing")
CLAIMANTS = ("Government A", "Government B", "Local authorities C", "Regional authorities D", "ICRC",
             "Peacekeeping command", "News agency E", "News agency F", "Observer mission G", "Ministry H",
             "Border service J", "Journalist K")
PUBLISHERS = ("Agency One", "Daily Two", "Wire Three", "Radio Four", "Monitor Five")
EVENT_HEADER = ["id", "start", "end", "target", "type", "status", "traffic", "allowed", "direction",
                "claimant", "source", "quote", "note", "as_of"]
# event types and their weights
TYPES = ("closure", "opening", "restriction", "report", "passage")
TYPE_WEIGHTS = (25, 25, 15, 20, 15)
FIRST_DAY = dt.date(2020, 1, 1)
N_DAYS = (dt.date(2024, 12, 31) - FIRST_DAY).days + 1
PAD = 200  # days of ISO texts kept before and after the range


def _grid(n: int) -> tuple[int, int]:
    """Rows and columns of a grid with at least ``n`` edges, about 2.5 times wider than high."""
    rows = max(2, math.ceil(math.sqrt(n / 5)))
    cols = max(2, math.ceil(n / (2 * rows)) + 1)
    while rows * (cols - 1) + cols * (rows - 1) < n:
        cols += 1
    return rows, cols


def _place_id(r: int, c: int) -> str:
    return f"r{r}c{c}"


def generate(folder: str | Path, *, segments: int, claims: int, seed: int = 0) -> dict[str, Path]:
    """Write a synthetic network of ``segments`` segments and ``claims`` claims into ``folder``."""
    if segments < 4 or claims < 1:
        raise ValueError("need at least 4 segments and 1 claim")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    rows, cols = _grid(segments)

    # -- edges, row-major: right and down of each place, cut at exactly `segments`
    edges: list[tuple[tuple[int, int], tuple[int, int]]] = []
    for r in range(rows):
        for c in range(cols):
            if c + 1 < cols:
                edges.append(((r, c), (r, c + 1)))
            if r + 1 < rows:
                edges.append(((r, c), (r + 1, c)))
            if len(edges) >= segments:
                break
        if len(edges) >= segments:
            break
    edges = edges[:segments]
    used = sorted({p for e in edges for p in e})

    # -- places
    x0, y0, x1, y1 = BOUNDS[0] + MARGIN, BOUNDS[1] + MARGIN, BOUNDS[2] - MARGIN, BOUNDS[3] - MARGIN
    dx, dy = (x1 - x0) / max(1, cols - 1), (y1 - y0) / max(1, rows - 1)
    coords: dict[tuple[int, int], tuple[float, float]] = {}
    place_feats = []
    for i, (r, c) in enumerate(used):
        lon = round(min(x1, max(x0, x0 + c * dx + rng.uniform(-0.25, 0.25) * dx)), 6)
        lat = round(min(y1, max(y0, y0 + r * dy + rng.uniform(-0.25, 0.25) * dy)), 6)
        coords[(r, c)] = (lon, lat)
        props = {"id": _place_id(r, c), "name": f"Town R{r} C{c}", "aliases": [f"Settlement R{r} C{c}"] if i % 3 == 0 else [],
                 "kind": KINDS[i % len(KINDS)], "coord_source": "synthetic grid"}
        place_feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props})
    paths = {k: folder / f for k, f in (("places", "places.geojson"), ("segments", "segments.geojson"),
                                        ("routes", "routes.json"), ("sources", "sources.csv"), ("events", "events.csv"))}
    _write_json(paths["places"], {"type": "FeatureCollection", "features": place_feats})
    del place_feats

    # -- segments
    seg_ids: list[str] = []
    seg_ends: list[tuple[str, str]] = []
    seg_feats = []
    for a, b in edges:
        u, v = _place_id(*a), _place_id(*b)
        sid = f"{u}__{v}"
        (ax, ay), (bx, by) = coords[a], coords[b]
        # one mid point, pushed sideways by up to 15% of the spacing
        off = rng.uniform(-0.15, 0.15)
        mx, my = (ax + bx) / 2 - (by - ay) * off, (ay + by) / 2 + (bx - ax) * off
        mid = [round(min(x1, max(x0, mx)), 6), round(min(y1, max(y0, my)), 6)]
        seg_feats.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[ax, ay], mid, [bx, by]]},
                          "properties": {"id": sid, "u": u, "v": v, "name": f"Town R{a[0]} C{a[1]} - Town R{b[0]} C{b[1]}",
                                         "waypoints": [], "geometry_source": "synthetic"}})
        seg_ids.append(sid)
        seg_ends.append((u, v))
    _write_json(paths["segments"], {"type": "FeatureCollection", "features": seg_feats})
    del seg_feats
    seg_set = set(seg_ids)

    iso = [(FIRST_DAY + dt.timedelta(days=d - PAD)).isoformat() for d in range(N_DAYS + 2 * PAD)]

    def day(d: int) -> str:
        return iso[d + PAD]

    # -- sources (before routes: alignments name a source)
    n_src = max(5, claims // 8)
    src_day: list[int | None] = []  # the first day the source's `published` can mean; None when empty
    src_rows = []
    for j in range(n_src):
        u = rng.random()
        d = rng.randrange(30, N_DAYS)
        if u < 0.05:
            published, first = "", None
        elif u < 0.10:
            published = day(d)[:7]
            first = d - (int(day(d)[8:10]) - 1)  # the first of the month
        else:
            published, first = day(d), d
        src_day.append(first)
        src_rows.append([f"S{j}", f"Synthetic report {j}", PUBLISHERS[j % len(PUBLISHERS)], published,
                         f"https://example.org/synth/{j}", ""])
    with open(paths["sources"], "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["id", "title", "publisher", "published", "url", "seed"])
        w.writerows(src_rows)
    del src_rows

    # -- routes: runs of consecutive segments along a row or column; later alignments shifted
    def run(r: int, c: int, length: int, horizontal: bool) -> list[str]:
        out = []
        for k in range(length):
            a, b = ((r, c + k), (r, c + k + 1)) if horizontal else ((r + k, c), (r + k + 1, c))
            sid = f"{_place_id(*a)}__{_place_id(*b)}"
            if sid not in seg_set:
                break
            out.append(sid)
        return out

    n_routes = min(300, max(3, segments // 20))
    routes = []
    route_names: list[tuple[str, str]] = []  # (id, alias) of each route
    route_ends: list[tuple[str, str]] = []
    for i in range(n_routes):
        horizontal = rng.random() < 0.7 or rows < 3
        span = cols - 1 if horizontal else rows - 1
        length = rng.randint(min(5, span), min(40, span))
        r = rng.randrange(rows) if horizontal else rng.randrange(rows - length)
        c = rng.randrange(cols - length) if horizontal else rng.randrange(cols)
        n_al = rng.choice((1, 1, 2, 3))
        cuts = sorted(rng.sample(range(60, N_DAYS - 60), n_al - 1))
        alignments = []
        shift = 0
        for k in range(n_al):
            if horizontal:
                segs = run(min(rows - 1, r + shift) if r + shift < rows else r - shift, c, length, True)
            else:
                segs = run(r, min(cols - 1, c + shift) if c + shift < cols else c - shift, length, False)
            shift += 1
            if not segs:
                segs = alignments[-1]["segments"] if alignments else [seg_ids[rng.randrange(len(seg_ids))]]
            start = "2019-06-01" if k == 0 else day(cuts[k - 1])
            end = day(cuts[k] - 1) if k < n_al - 1 else None
            al = {"start": start, "end": end, "segments": segs, "source": f"S{rng.randrange(n_src)}"}
            if k:
                al["note"] = f"moved to alignment {k + 1}"
            alignments.append(al)
        first = alignments[0]["segments"]
        route_ends.append((first[0].split("__")[0], first[-1].split("__")[1]))
        routes.append({"id": f"route{i}", "name": f"Route {i}", "aliases": [f"Road {i}", f"Highway number {i}"],
                       "description": "synthetic", "alignments": alignments})
        route_names.append((f"route{i}", f"Road {i}"))
    _write_json(paths["routes"], routes)
    del routes

    # -- events
    type_cum = []
    acc = 0
    for wgt in TYPE_WEIGHTS:
        acc += wgt
        type_cum.append(acc)
    total_w = acc
    n_seg = len(seg_ids)
    rnd = rng.random
    randrange = rng.randrange
    with open(paths["events"], "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(EVENT_HEADER)
        for i in range(claims):
            t = rnd() * total_w
            etype = TYPES[next(k for k, cw in enumerate(type_cum) if t < cw)]
            j = randrange(n_src)
            pub = src_day[j]
            start_d = (pub - randrange(0, 30)) if pub is not None else randrange(N_DAYS)
            u = rnd()
            if etype != "passage" and u < 0.06:
                start = day(start_d)[:7]  # month precision
            elif u < 0.14:
                start = day(start_d) + ("~" if u < 0.10 else "?")
            else:
                start = day(start_d)
            end = ""
            if etype != "passage" and rnd() < 0.3:
                end = day(start_d + randrange(1, 90)) + ("~" if rnd() < 0.15 else "")
            if etype == "closure":
                status = "closed" if rnd() < 0.85 else "restricted"
            elif etype == "opening":
                status = "open" if rnd() < 0.85 else "restricted"
            elif etype == "restriction":
                status = "restricted"
            elif etype == "report":
                status = ("open", "closed", "restricted")[randrange(3)]
            else:
                status = ""
            traffic: tuple[str, ...] = ()
            if rnd() < 0.5:
                traffic = tuple(sorted(rng.sample(CLASSES, randrange(1, 4)), key=CLASSES.index))
            allowed: tuple[str, ...] = ()
            if status == "restricted" or etype == "passage":
                pool = traffic or CLASSES
                k = randrange(1, max(2, len(pool)))
                allowed = tuple(sorted(rng.sample(pool, k), key=CLASSES.index))
            if rnd() < 0.3:
                ri = randrange(len(route_names))
                target = route_names[ri][0] if rnd() < 0.8 else route_names[ri][1]
                ends = route_ends[ri]
            else:
                s0 = randrange(n_seg)
                k = randrange(1, 4)
                target = "|".join(seg_ids[(s0 + q) % n_seg] for q in range(min(k, n_seg)))
                ends = seg_ends[s0]
            direction = ends[randrange(2)] if rnd() < (0.25 if etype == "passage" else 0.08) else ""
            as_of = day(start_d + randrange(0, 15)) if rnd() < 0.1 else ""
            w.writerow([f"E{i}", start, end, target, etype, status, "|".join(traffic), "|".join(allowed), direction,
                        CLAIMANTS[randrange(len(CLAIMANTS))], f"S{j}", "", "synthetic" if i % 50 == 0 else "", as_of])
    return paths


#: The five input files of a region, by ``load`` argument.
FILES = {"places": "places.geojson", "segments": "segments.geojson", "routes": "routes.json",
         "events": "events.csv", "sources": "sources.csv"}


def data_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--size``, ``--data`` and ``--cache`` (what a benchmark of one region runs on) to ``parser``."""
    parser.add_argument("--size", default="S", choices=sorted(SIZES),
                        help="a synthetic size (default S), written to a temporary folder")
    parser.add_argument("--data", type=Path, help="a folder with the five input files instead")
    parser.add_argument("--cache", default=False, help="a cache folder for the compiled claims (default: none)")


def load_data(args: argparse.Namespace, tmp: Path) -> tuple[Any, Path]:
    """The model of ``args.data``, or of a synthetic ``args.size`` region written into ``tmp`` (seed 0, as
    ``benchmarks/scale.py``), loaded with ``args.cache``; and the folder of its files."""
    import karabakh_routes as kr

    folder = args.data
    if folder is None:
        folder = tmp
        segments, claims = SIZES[args.size]
        generate(folder, segments=segments, claims=claims, seed=0)
    return kr.load(**{k: str(folder / f) for k, f in FILES.items()}, cache=args.cache), folder


def load_trip(args: argparse.Namespace) -> tuple[Any, str, str]:
    """The timeline of :func:`load_data` and the trip the benchmarks ask about (see ``scale._far_apart``):
    the places at the grid's south-west and north-east corners."""
    from scale import _far_apart

    with tempfile.TemporaryDirectory() as tmp:
        m, folder = load_data(args, Path(tmp))
        a, b = _far_apart(folder / "places.geojson")
    return m.timeline, a, b


def _write_json(path: Path, doc: object) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, separators=(",", ":"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), help="S (1k segments, 10k claims), M (10k/100k), L (100k/1M)")
    parser.add_argument("--segments", type=int, help="number of segments (instead of --size)")
    parser.add_argument("--claims", type=int, help="number of claims (instead of --size)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True, help="folder to write the five files into")
    args = parser.parse_args(argv)
    if args.size:
        segments, claims = SIZES[args.size]
    elif args.segments and args.claims:
        segments, claims = args.segments, args.claims
    else:
        parser.error("give --size, or --segments and --claims")
    t = time.perf_counter()
    paths = generate(args.out, segments=segments, claims=claims, seed=args.seed)
    print(f"wrote {segments:,} segments and {claims:,} claims in {time.perf_counter() - t:.1f} s:", file=sys.stderr)
    for key, p in paths.items():
        print(f"  --{key} {p}  ({p.stat().st_size / 1e6:.1f} MB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
