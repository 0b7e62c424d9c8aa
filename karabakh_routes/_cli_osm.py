"""The ``import-osm`` command: places, segments, routes and region metadata from a local OpenStreetMap extract.

``add_parser(sub)`` adds the subcommand to the ``karabakh-routes`` parser; ``run(args)`` runs it
and returns the exit code (0 when the files were written, 2 for bad input or usage, with a
message naming the file, item, value and what is valid). Nothing is downloaded.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from ._errors import DataError
from ._text import escape_json, escape_terminal

__all__ = ["add_parser", "run"]

_OUTPUTS = ("places.geojson", "segments.geojson", "routes.json", "region.json")


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the ``import-osm`` subcommand to ``sub`` (from ``add_subparsers``) and return its parser."""
    from .vocab import DEFAULT_MAX_SNAP_M, ROAD_HIGHWAYS

    s: argparse.ArgumentParser = sub.add_parser(
        "import-osm",
        help="build places, segments, routes and region.json from a local OpenStreetMap extract "
             "(.osm, .osm.bz2, .osm.pbf): your own region from a spec, or real road geometry for the bundled data",
        description="Build the data files of a region from a local OpenStreetMap extract: with --spec, the places "
                    "and routes a spec lists (docs/data-format.md, 'OSM import spec'); with --snap, the existing "
                    "segments (the bundled ones by default) redrawn along the roads, keeping their ids. Places are "
                    "snapped to the nearest road node; each segment is the shortest road path between its two "
                    "places. Nothing is downloaded. OSM data: (c) OpenStreetMap contributors (ODbL).")
    s.add_argument("extract", metavar="EXTRACT", help="the OSM extract: FILE.osm, FILE.osm.bz2 or FILE.osm.pbf")
    what = s.add_mutually_exclusive_group(required=True)
    what.add_argument("--spec", metavar="JSON",
                      help="the import spec: places (OSM names or \"at\": \"lat,lon\") and routes (ordered places)")
    what.add_argument("--snap", action="store_true",
                      help="redraw existing segments (the bundled ones, or --places/--segments/--routes) along the "
                           "extract's roads, keeping every segment id")
    s.add_argument("--out-dir", required=True, metavar="DIR",
                   help="folder to write places.geojson, segments.geojson, routes.json and region.json into "
                        "(created if needed; each file is replaced atomically)")
    s.add_argument("--max-snap", type=float, default=DEFAULT_MAX_SNAP_M, metavar="METRES",
                   help=f"largest distance from a place to its nearest road node (default {DEFAULT_MAX_SNAP_M:g}); "
                        "a place farther away is an error naming it and its distance")
    s.add_argument("--highways", metavar="LIST", default=",".join(ROAD_HIGHWAYS),
                   help="comma-separated highway=* values read as roads (default: motorway to tertiary with their "
                        "links, unclassified, residential, living_street, road)")
    s.add_argument("--all-parts", action="store_true",
                   help="keep every part of the road network (default: only its largest connected part, so any two "
                        "places have a road path between them)")
    s.add_argument("--segment", action="append", metavar="ID", dest="only",
                   help="with --snap: redraw only this segment (repeat the option for several); the others keep "
                        "their schematic lines")
    g = s.add_argument_group("with --snap: the data to redraw (default: the bundled data)")
    g.add_argument("--places", metavar="GEOJSON", help="places file")
    g.add_argument("--segments", metavar="GEOJSON", help="segments file")
    g.add_argument("--routes", metavar="JSON", help="routes file")
    s.add_argument("--json", action="store_true", help="print the report (files written, each place's snap) as JSON")
    return s


def _same(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    try:
        return os.path.realpath(a) == os.path.realpath(b) or os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def _check(args: argparse.Namespace) -> str:
    """Return a usage problem, or an empty text."""
    if not args.out_dir:
        return "--out-dir needs a folder name (it was empty)"
    if "\x00" in args.out_dir:
        return "--out-dir: a folder name cannot contain a NUL character"
    if Path(args.out_dir).exists() and not Path(args.out_dir).is_dir():
        return f"--out-dir {args.out_dir} is a file; give a folder"
    if not (args.max_snap > 0 and args.max_snap < float("inf")):
        return f"--max-snap {args.max_snap:g}: give a positive number of metres"
    if not [h for h in args.highways.split(",") if h.strip()]:
        return "--highways: give at least one highway value, e.g. primary,secondary"
    if not args.snap and (args.only or args.places or args.segments or args.routes):
        return "--segment, --places, --segments and --routes go with --snap (a spec lists its own places and routes)"
    inputs = [args.extract, args.spec, args.places, args.segments, args.routes]
    for name in _OUTPUTS:
        out = Path(args.out_dir) / name
        for given in inputs:
            if given and _same(out, given):
                return (f"--out-dir {args.out_dir}: {name} there is the same file as the input {given}: writing it "
                        "would replace an input. Choose another folder.")
    return ""


def _report(result: Any, paths: dict[str, Path]) -> dict[str, Any]:
    return {"files": {k: str(p) for k, p in paths.items()},
            "segments": len(result.segments["features"]), "replaced": list(result.replaced),
            "snaps": [{"place": s.place, "name": s.name, "osm_node": s.node, "distance_m": round(s.distance_m, 1)}
                      for s in result.snaps]}


def run(args: argparse.Namespace) -> int:
    """Run ``import-osm``; return the exit code (0 done, 2 bad input or usage: the message says what to fix)."""
    problem = _check(args)
    if problem:
        print(f"karabakh-routes: error: {escape_terminal(problem)}", file=sys.stderr)
        return 2
    from .osm import import_osm, snap_segments

    highways = [h.strip() for h in args.highways.split(",") if h.strip()]
    try:
        if args.snap:
            result = snap_segments(args.extract, places=args.places, segments=args.segments, routes=args.routes,
                                   only=args.only, max_snap_m=args.max_snap, highways=highways,
                                   retain_all=args.all_parts)
        else:
            result = import_osm(args.extract, args.spec, max_snap_m=args.max_snap, highways=highways,
                                retain_all=args.all_parts)
        paths = result.write(args.out_dir)
    except DataError as exc:
        print(f"karabakh-routes: error: {escape_terminal(str(exc))}", file=sys.stderr)
        return 2
    except ImportError as exc:  # osmnx or osmium is not installed
        print(f"karabakh-routes: error: {escape_terminal(str(exc))}", file=sys.stderr)
        return 1
    except OSError as exc:
        where = exc.filename or args.out_dir
        print(f"karabakh-routes: error: cannot write {escape_terminal(str(where))}: "
              f"{escape_terminal(str(exc.strerror or exc))}", file=sys.stderr)
        return 2
    report = _report(result, paths)
    if args.json:
        print(escape_json(json.dumps(report, ensure_ascii=False, indent=2)))
        return 0
    lines = [f"snapped {len(result.snaps)} place(s) to the nearest road node:"]
    lines += [f"  {s['place']} ({s['name']}): OSM node {s['osm_node']}, {s['distance_m']:.0f} m" for s in report["snaps"]]
    lines.append(f"{len(result.replaced)} segment(s) drawn along OpenStreetMap roads")
    lines += [f"wrote {p}" for p in report["files"].values()]
    print("\n".join(lines))  # `karabakh-routes` shows control characters in it escaped
    return 0
