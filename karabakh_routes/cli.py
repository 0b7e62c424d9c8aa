"""The ``karabakh-routes`` command.

Exit codes: 0 when the command ran (a "no" is an answer, not an error); 2 for bad usage or
bad input, with a message that names what to fix; 1 only for an unexpected failure.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any

from ._errors import DataError, DateError, PlaceNotFoundError, Problem, TrafficError, ViewError
from ._io import write_text_atomic
from .events import TRAFFIC_CLASSES

__all__ = ["main"]

_USER_ERRORS = (DataError, DateError, PlaceNotFoundError, TrafficError, ViewError)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse exits 2 already; keep its format
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def _data_options(p: argparse.ArgumentParser, *, output: bool = True) -> None:
    if output:
        p.add_argument("-o", "--output", metavar="FILE", help="write the output to FILE (atomically) instead of printing it")
    g = p.add_argument_group("data files (default: the bundled data)")
    g.add_argument("--events", metavar="CSV", help="events file")
    g.add_argument("--sources", metavar="CSV", help="sources file")
    g.add_argument("--places", metavar="GEOJSON", help="places file")
    g.add_argument("--segments", metavar="GEOJSON", help="segments file")
    g.add_argument("--routes", metavar="JSON", help="routes file")


def _query_options(p: argparse.ArgumentParser, *, traffic_default: str | None = "civilian") -> None:
    p.add_argument("--traffic", choices=TRAFFIC_CLASSES, default=traffic_default,
                   help=f"traffic class (default: {traffic_default or 'all classes'})")
    p.add_argument("--view", default="consensus",
                   help="consensus (default), strict, lenient, claimant:NAME or source:ID")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="karabakh-routes", description=(
        "Which roads into Nagorno-Karabakh were open, to whom, on any date, and who says so."))
    from . import __version__
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    s = sub.add_parser("places", help="list places with all their names")
    s.add_argument("--json", action="store_true", help="print JSON")
    _data_options(s)

    s = sub.add_parser("segments", help="list road segments with their routes and lengths")
    s.add_argument("--json", action="store_true", help="print JSON")
    _data_options(s)

    s = sub.add_parser("status", help="status of every segment on a date")
    s.add_argument("--on", required=True, metavar="DATE", help="ISO date, e.g. 2023-07-20")
    _query_options(s, traffic_default=None)
    s.add_argument("--json", action="store_true")
    _data_options(s)

    s = sub.add_parser("reach", help="could TRAFFIC get from ORIGIN to DESTINATION on a date?")
    s.add_argument("origin")
    s.add_argument("destination")
    s.add_argument("--on", required=True, metavar="DATE")
    _query_options(s)
    s.add_argument("--json", action="store_true")
    _data_options(s)

    s = sub.add_parser("periods", help="periods when a trip was possible, over a date range")
    s.add_argument("origin")
    s.add_argument("destination")
    s.add_argument("--from", dest="start", metavar="DATE")
    s.add_argument("--to", dest="end", metavar="DATE")
    _query_options(s)
    s.add_argument("--json", action="store_true")
    _data_options(s)

    s = sub.add_parser("events", help="list the claims (events), optionally filtered")
    s.add_argument("--claimant", help="only this claimant")
    s.add_argument("--source", help="only this source id")
    s.add_argument("--target", help="only claims about this route or segment")
    s.add_argument("--json", action="store_true")
    _data_options(s)

    s = sub.add_parser("validate", help="check data files and report every problem")
    s.add_argument("--json", action="store_true")
    _data_options(s)

    s = sub.add_parser("map", help="write an HTML map of a date")
    s.add_argument("--on", required=True, metavar="DATE")
    _query_options(s, traffic_default=None)
    s.add_argument("--path", nargs=2, metavar=("ORIGIN", "DESTINATION"), help="highlight the reachability path")
    s.add_argument("--offline", action="store_true", help="self-contained file: Leaflet inlined, no tiles")
    s.add_argument("-o", "--output", required=True, metavar="FILE.html")
    _data_options(s, output=False)

    s = sub.add_parser("timeline-map", help="write one HTML map with a date slider over every change point")
    s.add_argument("--from", dest="start", metavar="DATE")
    s.add_argument("--to", dest="end", metavar="DATE")
    _query_options(s, traffic_default=None)
    s.add_argument("--offline", action="store_true", help="self-contained file: Leaflet inlined, no tiles")
    s.add_argument("-o", "--output", required=True, metavar="FILE.html")
    _data_options(s, output=False)

    s = sub.add_parser("chart", help="write a timeline chart (PNG or SVG) of each route's status per traffic class")
    s.add_argument("--from", dest="start", metavar="DATE")
    s.add_argument("--to", dest="end", metavar="DATE")
    s.add_argument("--view", default="consensus", help="consensus (default), strict, lenient, claimant:NAME or source:ID")
    s.add_argument("-o", "--output", required=True, metavar="FILE.png|FILE.svg")
    _data_options(s, output=False)
    return p


def _load(args: argparse.Namespace) -> Any:
    from .model import load
    return load(events=args.events, sources=args.sources, places=args.places, segments=args.segments,
                routes=args.routes)


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


def _cmd_places(args: argparse.Namespace) -> int:
    from .network import graph_from_geodata, place_index
    G = graph_from_geodata(args.places, args.segments, args.routes)
    places = list(place_index(G).places.values())
    if args.json:
        _print_json([p.to_dict() for p in places])
        return 0
    for p in places:
        print(f"{p.id:<24} {p.name:<34} {p.kind:<15} {p.lat:8.4f} {p.lon:8.4f}  also: {', '.join(p.aliases)}")
    return 0


def _cmd_segments(args: argparse.Namespace) -> int:
    from .network import graph_from_geodata, graph_to_gdfs
    G = graph_from_geodata(args.places, args.segments, args.routes)
    _, gdf_edges = graph_to_gdfs(G)
    records = [{"segment": r["id"], "name": r["name"], "u": r["u"], "v": r["v"], "routes": list(r["routes"]),
                "length_km": round(float(r["length_km"]), 2)} for _, r in gdf_edges.iterrows()]
    if args.json:
        _print_json({"segments": records, "routes": [
            {"id": r.id, "name": r.name, "aliases": list(r.aliases),
             "alignments": [{"start": a.start.text, "end": a.end.text if a.end else "", "segments": list(a.segments)}
                            for a in r.alignments]}
            for r in G.graph["routes"].values()]})
        return 0
    for r in records:
        print(f"{r['segment']:<42} {r['length_km']:7.1f} km  {r['name']}  [{', '.join(r['routes'])}]")
    print("\nroutes (events may target these by id or any alias):")
    for route in G.graph["routes"].values():
        print(f"  {route.id:<22} {route.name}" + (f"  (also: {', '.join(route.aliases)})" if route.aliases else ""))
    return 0


def _status_records(gdf: Any) -> list[dict[str, Any]]:
    out = []
    for _, row in gdf.iterrows():
        out.append({
            "segment": row["segment"], "name": row["name"], "routes": row["routes"], "status": row["status"],
            "classes": {c: row[c] for c in TRAFFIC_CLASSES}, "disputed": bool(row["disputed"]),
            "uncertain": bool(row["uncertain"]), "length_km": round(float(row["length_km"]), 2),
            "claims": row["claims"], "passages": row["passages"],
        })
    return out


def _cmd_status(args: argparse.Namespace) -> int:
    m = _load(args)
    gdf = m.status(on=args.on, traffic=args.traffic, view=args.view)
    records = _status_records(gdf)
    if args.json:
        _print_json(records)
        return 0
    print(f"Status on {gdf.attrs['on']} — traffic: {gdf.attrs['traffic']}, view: {gdf.attrs['view']}")
    for r in records:
        flags = " (uncertain date)" if r["uncertain"] else ""
        print(f"  {r['segment']:<42} {r['status']:<10}{flags}")
        for c in r["claims"]:
            print(f"      {c['claimant']} [{c['source']}, {c['start']}]: {c['status']}")
    return 0


def _cmd_reach(args: argparse.Namespace) -> int:
    m = _load(args)
    r = m.reach(args.origin, args.destination, on=args.on, traffic=args.traffic, view=args.view)
    if args.json:
        _print_json(r.to_dict())
        return 0
    print(f"{r.origin} -> {r.destination} on {r.on} for {r.traffic} traffic (view {r.view}): {r.answer.upper()}"
          + (" (an event date is uncertain)" if r.uncertain else ""))
    if r.path:
        print(f"  path: {' -> '.join(r.path)} ({r.length_km:.1f} km)")
    if r.blocked_by:
        print(f"  blocked by: {', '.join(r.blocked_by)}")
    if r.disputed:
        print(f"  claims disagree on: {', '.join(r.disputed)}")
    if r.unknown:
        print(f"  no claim about: {', '.join(r.unknown)}")
    if r.claims:
        print("  claims behind the answer:")
    for c in r.claims:
        quote = f'\n      "{c["quote"]}"' if c["quote"] else ""
        way = f" (one-way towards {c['direction']})" if c.get("direction") else ""
        print(f"  - {c['claimant']} [{c['source']}, {c['event']}, from {c['start']}]: {c['status']}{way} "
              f"on {len(c['segments'])} segment(s): {', '.join(c['segments'])}{quote}")
    return 0


def _cmd_periods(args: argparse.Namespace) -> int:
    m = _load(args)
    ps = m.periods(args.origin, args.destination, start=args.start, end=args.end, traffic=args.traffic, view=args.view)
    if args.json:
        _print_json([p.to_dict() for p in ps])
        return 0
    for p in ps:
        print(f"{p.start} .. {p.end}  {p.answer}" + ("  (uncertain)" if p.uncertain else ""))
    return 0


def _cmd_events(args: argparse.Namespace) -> int:
    m = _load(args)
    df = m.ledger.events_frame()
    if args.claimant:
        df = df[df["claimant"].str.casefold() == args.claimant.casefold()]
    if args.source:
        df = df[df["source"] == args.source]
    if args.target:
        from .network import resolve_route
        t = resolve_route(m.G, args.target) or args.target
        df = df[df["target"].str.split("|").apply(lambda ts: t in ts or args.target in ts)]
    records = df.fillna("").to_dict(orient="records")
    if args.json:
        _print_json(records)
        return 0
    for r in records:
        print(f"{r['id']:<6} {r['start']:<22} {r['type']:<11} {r['status']:<10} {r['claimant']} [{r['source']}] -> {r['target']}")
    return 0


def _validate(args: argparse.Namespace) -> list[Problem]:
    from .events import read_ledger
    from .network import graph_from_geodata
    problems: list[Problem] = []
    G = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            G = graph_from_geodata(args.places, args.segments, args.routes)
        except DataError as exc:
            problems.extend(exc.problems)
        try:
            read_ledger(args.events, args.sources, G=G)
        except DataError as exc:
            problems.extend(exc.problems)
    for w in caught:
        prob = getattr(w.message, "problem", None)
        problems.append(prob if isinstance(prob, Problem) else Problem("-", "-", "-", "", str(w.message), "warning"))
    return problems


def _cmd_validate(args: argparse.Namespace) -> int:
    problems = _validate(args)
    errors = [p for p in problems if p.severity == "error"]
    if args.json:
        _print_json({"valid": not errors, "problems": [p.to_dict() for p in problems]})
    else:
        for p in problems:
            print(f"{p.severity}: {p}")
        print(f"{len(errors)} error(s), {len(problems) - len(errors)} warning(s)" if problems else "All files valid.")
    return 2 if errors else 0


def _cmd_map(args: argparse.Namespace) -> int:
    m = _load(args)
    from .maps import date_map
    fmap = date_map(m, on=args.on, traffic=args.traffic, view=args.view, path=tuple(args.path) if args.path else None,
                    offline=args.offline)
    write_text_atomic(args.output, fmap.get_root().render())
    print(f"wrote {args.output}")
    return 0


def _cmd_timeline_map(args: argparse.Namespace) -> int:
    m = _load(args)
    from .maps.timeline_map import timeline_map
    fmap = timeline_map(m, start=args.start, end=args.end, traffic=args.traffic, view=args.view, offline=args.offline)
    write_text_atomic(args.output, fmap.get_root().render())
    print(f"wrote {args.output}")
    return 0


def _cmd_chart(args: argparse.Namespace) -> int:
    suffix = os.path.splitext(args.output)[1].lower()
    if suffix not in (".png", ".svg"):
        print(f"karabakh-routes: error: output {args.output!r} must end in .png or .svg", file=sys.stderr)
        return 2
    m = _load(args)
    from .chart import save_chart, timeline_chart
    fig = timeline_chart(m, start=args.start, end=args.end, view=args.view)
    save_chart(fig, args.output)
    print(f"wrote {args.output}")
    return 0


_TO_FILE = {"places", "segments", "status", "reach", "periods", "events", "validate"}
_COMMANDS = {
    "places": _cmd_places, "segments": _cmd_segments, "status": _cmd_status, "reach": _cmd_reach, "periods": _cmd_periods,
    "events": _cmd_events, "validate": _cmd_validate, "map": _cmd_map,
    "timeline-map": _cmd_timeline_map, "chart": _cmd_chart,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    capture = args.command in _TO_FILE and getattr(args, "output", None)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # data warnings are reported by `validate`
            if not capture:
                return _COMMANDS[args.command](args)
            buffer = io.StringIO()
            with contextlib.redirect_stdout(buffer):
                code = _COMMANDS[args.command](args)
            write_text_atomic(args.output, buffer.getvalue())
            print(f"wrote {args.output}")
            return code
    except _USER_ERRORS as exc:
        print(f"karabakh-routes: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"karabakh-routes: error: {exc.strerror or exc}: {exc.filename or ''}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # pragma: no cover
        return 130
    except Exception as exc:  # pragma: no cover - unexpected
        if os.environ.get("KARABAKH_ROUTES_DEBUG"):
            raise
        print(f"karabakh-routes: unexpected error: {type(exc).__name__}: {exc}\n"
              "Set KARABAKH_ROUTES_DEBUG=1 for a traceback and please report it.", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
