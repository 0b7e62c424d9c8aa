r"""The ``karabakh-routes`` command.

Exit codes: 0 when the command ran (a "no" is an answer, not an error); 2 for bad usage or
bad input, with a message that names what to fix; 1 only for an unexpected failure.

Outputs (``-o FILE``): a regular file is replaced atomically (a symbolic link keeps pointing
to it), a device or FIFO such as ``/dev/stdout`` is written to, never replaced; an empty
name, a folder, or one of the command's own input files is refused (exit 2). Text output
shows control codes and bidi controls from the data as escapes (``\x1b``, ``\u202e``); JSON
escapes them as ``\uXXXX``; CSV (``events --csv``) stays lossless unless ``--excel-safe``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import stat
import sys
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from . import _cli_export, _cli_osm
from ._errors import AreaError, DataError, DateError, PlaceNotFoundError, Problem, TrafficError, ViewError
from ._io import csv_text, write_text_atomic
from ._text import escape_json, escape_terminal
from .datasets import BUNDLED_FILES, bundled_path
from .vocab import EVENT_COLUMNS, TRAFFIC_CLASSES

__all__ = ["main"]

class _UsageError(Exception):
    """A problem with the command line itself (exit 2)."""


#: Every error class in ``_errors`` (all of them mean bad input: exit 2), and the CLI's own.
_USER_ERRORS = (AreaError, DataError, DateError, PlaceNotFoundError, TrafficError, ViewError, _UsageError)
_INPUTS = tuple(BUNDLED_FILES)  # the data options: --places --segments --routes --events --sources


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse exits 2 already; keep its format
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {escape_terminal(message)}\n")


def _error(message: str) -> None:
    """Print an error message on stderr, control codes from data shown escaped."""
    print(f"karabakh-routes: error: {escape_terminal(message)}", file=sys.stderr)


def _warning(message: str) -> None:
    """Print a warning line on stderr (the answer itself still goes to stdout or -o)."""
    print(f"karabakh-routes: warning: {escape_terminal(message)}", file=sys.stderr)


def _query(m: Any, args: argparse.Namespace, **dates: Any) -> Any:
    """Parse the command's dates, ``--traffic``, ``--view`` and ``--horizon`` once (a :class:`~karabakh_routes.Query`).

    ``dates`` are ``on``, ``start`` and ``end`` as typed; the command then hands the query down,
    and nothing below parses them again.
    """
    return m.query(traffic=getattr(args, "traffic", None), view=args.view, horizon=args.horizon, **dates)


def _warn_outside(m: Any, q: Any, *days: tuple[str, dt.date | None]) -> None:
    """Warn on stderr for each given day (option name, parsed date) outside the data's range."""
    from ._range import outside_note
    for option, day in days:
        if day is not None:
            note = outside_note(m.timeline, day, horizon=q.horizon)
            if note:
                _warning(f"{option} {note}")


#: Above this many segments, an HTML map of the whole network (no ``--bbox``/``--around``) is
#: followed by a note on stderr naming the area options: at 10,000 segments the page is some
#: 11 MB, at 100,000 some 100 MB (docs/scaling.md, "Maps of a large network").
_AREA_HINT = 5_000


def _area_hint(m: Any, area: Any, output: str) -> None:
    """After writing an HTML map of the whole of a large network: say on stderr that a map of an area is lighter."""
    n = len(m.timeline.segments)
    if area is not None or n <= _AREA_HINT:
        return
    size = f" ({os.path.getsize(output) / 1e6:,.0f} MB)" if os.path.isfile(output) else ""
    print(f"karabakh-routes: note: every one of the network's {n:,} segments is drawn{size}; a map of an area "
          "is smaller and opens faster: --bbox W,S,E,N or --around PLACE [--km KM]", file=sys.stderr)


def _emit(text: str) -> None:
    """Write to stdout; characters the terminal's encoding lacks become escapes, not a crash."""
    try:
        sys.stdout.write(text)
    except UnicodeEncodeError:
        enc = sys.stdout.encoding or "utf-8"
        sys.stdout.write(text.encode(enc, "backslashreplace").decode(enc))


_JSON_HELP = "print JSON instead of text"
_ON_HELP = "the date, YYYY-MM-DD (e.g. 2023-07-20)"
_FROM_HELP = "first day of the range, YYYY-MM-DD (default: the data's first change point)"
_TO_HELP = "last day of the range, YYYY-MM-DD (default: the data's last change point)"
_PLACE_HELP = "{}: a place id, name or any alias (see `karabakh-routes places`)"
_OUTPUT_HELP = ("write the output to FILE instead of printing it: a file is replaced atomically, a device or FIFO "
                "(/dev/stdout) is written to; FILE may not be one of the input files")


def _data_options(p: argparse.ArgumentParser, *, output: bool = True) -> None:
    if output:
        p.add_argument("-o", "--output", metavar="FILE", help=_OUTPUT_HELP)
    g = p.add_argument_group("data files (default: the bundled data)")
    g.add_argument("--events", metavar="CSV", help="events file")
    g.add_argument("--sources", metavar="CSV", help="sources file")
    g.add_argument("--places", metavar="GEOJSON", help="places file")
    g.add_argument("--segments", metavar="GEOJSON", help="segments file")
    g.add_argument("--routes", metavar="JSON", help="routes file")


def _traffic_name(text: str) -> str:
    """Traffic class names are case-insensitive, as in the API (``check_traffic``)."""
    return text.strip().lower()


_MAP_AREA = ("area (default: the whole network, opened on the contested roads)",
             "draw only the roads and places in this box", "; statuses and the trip's answer stay the whole network's")
_TABLE_AREA = ("area (default: every segment)", "list only the segments whose line meets this box",
               "; their statuses are the whole network's")


def _area_options(p: argparse.ArgumentParser, texts: tuple[str, str, str] = _MAP_AREA) -> None:
    """``--bbox`` or ``--around PLACE [--km KM]``: an area (:mod:`karabakh_routes.area`); ``texts``: group title, what, note."""
    title, what, note = texts
    g = p.add_argument_group(title)
    x = g.add_mutually_exclusive_group()
    x.add_argument("--bbox", metavar="W,S,E,N",
                   help=f"{what}: west,south,east,north in degrees (e.g. 46.3,39.5,46.9,39.9; write --bbox=-1.5,... "
                        f"when west is negative){note}")
    x.add_argument("--around", metavar="PLACE", help="the box reaching --km kilometres each way from PLACE (any of its "
                                                      "names)")
    g.add_argument("--km", type=float, metavar="KM", help="with --around: how far the box reaches (default 25)")


def _check_area_options(args: argparse.Namespace) -> None:
    """Refuse ``--km`` without ``--around`` before anything is loaded."""
    if args.km is not None and args.around is None:
        raise _UsageError("--km goes with --around PLACE (the distance around it)")


def _area(m: Any, args: argparse.Namespace) -> Any:
    """The area a command asks for (a checked bbox that meets a road), or None; bad values are :class:`AreaError` (exit 2)."""
    from .area import bbox_around, parse_bbox, roads_in
    if args.bbox is not None:
        box = parse_bbox(args.bbox, what="--bbox")
    elif args.around is not None:
        box = bbox_around(m.G, args.around, 25.0 if args.km is None else args.km)
    else:
        return None
    return roads_in(m.timeline, box)[0]  # (an area with no road is refused here, for every command)


def _workers(text: str) -> int | None:
    """``--workers``: a whole number of processes, at least 1, or ``all`` (None: one per usable core)."""
    if text.strip().lower() == "all":
        return None
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes: give a whole number, 1 or more, "
                                         "or 'all' (one per core)")
    return n


def _query_options(p: argparse.ArgumentParser, *, traffic_default: str | None = "civilian") -> None:
    p.add_argument("--traffic", choices=TRAFFIC_CLASSES, default=traffic_default, type=_traffic_name,
                   help=f"traffic class, any letter case (default: {traffic_default or 'all classes'})")
    p.add_argument("--view", default="consensus",
                   help="consensus (default), strict, lenient, claimant:NAME or source:ID")
    _horizon_option(p)


def _horizon_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--horizon", default="default", metavar="DAYS|none",
                   help="days an open-ended claim is carried past its source's date (default 30, "
                        "docs/semantics.md; 'none' = carry until the claimant speaks again)")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="karabakh-routes", description=(
        "Which roads into Nagorno-Karabakh were open, to whom, on any date, and who says so."))
    from . import __version__
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND",
                           help="what to do; `karabakh-routes COMMAND --help` describes each")

    s = sub.add_parser("places", help="list places with all their names")
    s.add_argument("--json", action="store_true", help="print JSON")
    _data_options(s)

    s = sub.add_parser("segments", help="list road segments with their routes and lengths")
    s.add_argument("--json", action="store_true", help="print JSON")
    _data_options(s)

    s = sub.add_parser("status", help="status of every segment on a date")
    s.add_argument("--on", required=True, metavar="DATE", help=_ON_HELP)
    _query_options(s, traffic_default=None)
    s.add_argument("--json", action="store_true", help=_JSON_HELP)
    _area_options(s, _TABLE_AREA)
    _data_options(s)

    s = sub.add_parser("reach", help="could TRAFFIC get from ORIGIN to DESTINATION on a date?")
    s.add_argument("origin", help=_PLACE_HELP.format("where the trip starts"))
    s.add_argument("destination", nargs="*",
                   help=_PLACE_HELP.format("where the trip ends") + "; several: one line each, the day's "
                        "statuses and routes worked out once for all of them")
    s.add_argument("--everywhere", action="store_true",
                   help="to every place of the network, one line each (instead of naming destinations)")
    s.add_argument("--on", required=True, metavar="DATE", help=_ON_HELP)
    _query_options(s)
    s.add_argument("--json", action="store_true", help=_JSON_HELP)
    _data_options(s)

    s = sub.add_parser("periods", help="periods when a trip was possible, over a date range")
    s.add_argument("origin", help=_PLACE_HELP.format("where the trip starts"))
    s.add_argument("destination", nargs="*",
                   help=_PLACE_HELP.format("where the trip ends") + "; several: the periods of each, the range "
                        "walked once for all of them")
    s.add_argument("--everywhere", action="store_true",
                   help="to every place of the network (instead of naming destinations)")
    s.add_argument("--from", dest="start", metavar="DATE", help=_FROM_HELP)
    s.add_argument("--to", dest="end", metavar="DATE", help=_TO_HELP)
    _query_options(s)
    s.add_argument("--workers", type=_workers, default=1, metavar="N|all",
                   help="walk the range in N processes forked from this one (default 1; 'all': one per core): "
                        "the same periods, sooner on a large network")
    s.add_argument("--json", action="store_true", help=_JSON_HELP)
    _data_options(s)

    s = sub.add_parser("events", help="list the claims (events), optionally filtered")
    s.add_argument("--claimant", help="only this claimant")
    s.add_argument("--source", help="only this source id")
    s.add_argument("--target", help="only claims about this route or segment")
    fmt = s.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help=_JSON_HELP)
    fmt.add_argument("--csv", action="store_true",
                     help="print the events as CSV in the events.csv format (the default for -o FILE.csv)")
    s.add_argument("--excel-safe", action="store_true",
                   help="with CSV output: prefix cells starting with = + - @ (tab, CR) with ' so spreadsheets show "
                        "them as text instead of running them as formulas; the file no longer reads back the same")
    _data_options(s)

    s = sub.add_parser("validate", help="check data files and report every problem")
    s.add_argument("--json", action="store_true", help="print the problems as JSON")
    _data_options(s)

    s = sub.add_parser("map", help="write a map of a date: HTML (.html), or a static PNG, SVG or PDF by the -o suffix")
    s.add_argument("--on", required=True, metavar="DATE", help=_ON_HELP)
    _query_options(s, traffic_default=None)
    s.add_argument("--path", nargs=2, metavar=("ORIGIN", "DESTINATION"), help="highlight the reachability path")
    s.add_argument("--offline", action="store_true", help="no tile layer: the page makes no request at all")
    s.add_argument("-o", "--output", required=True, metavar="FILE.html|png|svg|pdf", help=_OUTPUT_HELP)
    _area_options(s)
    _data_options(s, output=False)

    s = sub.add_parser("timeline-map", help="write one HTML map with a date slider over every change point")
    s.add_argument("--from", dest="start", metavar="DATE", help=_FROM_HELP)
    s.add_argument("--to", dest="end", metavar="DATE", help=_TO_HELP)
    _query_options(s, traffic_default=None)
    s.add_argument("--offline", action="store_true", help="no tile layer: the page makes no request at all")
    s.add_argument("-o", "--output", required=True, metavar="FILE.html", help=_OUTPUT_HELP)
    _area_options(s)
    _data_options(s, output=False)

    s = sub.add_parser("chart", help="write a timeline chart (PNG or SVG) of each route's status per traffic class")
    s.add_argument("--from", dest="start", metavar="DATE", help=_FROM_HELP)
    s.add_argument("--to", dest="end", metavar="DATE", help=_TO_HELP)
    s.add_argument("--view", default="consensus", help="consensus (default), strict, lenient, claimant:NAME or source:ID")
    _horizon_option(s)
    s.add_argument("--route", dest="chart_routes", action="append", metavar="ROUTE",
                   help="a route to chart (id or any alias; repeat for more, top to bottom); default: every route "
                        "not part of another, the first 20 with claims in the range")
    s.add_argument("-o", "--output", required=True, metavar="FILE.png|FILE.svg", help=_OUTPUT_HELP)
    _data_options(s, output=False)

    _cli_export.add_parser(sub)
    _cli_osm.add_parser(sub)
    return p


def _load(args: argparse.Namespace) -> Any:
    from .model import load
    return load(events=args.events, sources=args.sources, places=args.places, segments=args.segments,
                routes=args.routes)


def _print_json(obj: Any) -> None:
    print(escape_json(json.dumps(obj, ensure_ascii=False, indent=2)))


def _cmd_places(args: argparse.Namespace) -> int:
    from .model import build_graph
    from .network import place_index
    G, _ = build_graph(args.places, args.segments, args.routes)
    places = list(place_index(G).places.values())
    if args.json:
        _print_json([p.to_dict() for p in places])
        return 0
    for p in places:
        print(f"{p.id:<24} {p.name:<34} {p.kind:<15} {p.lat:8.4f} {p.lon:8.4f}  also: {', '.join(p.aliases)}")
    return 0


def _cmd_segments(args: argparse.Namespace) -> int:
    from .model import build_graph
    from .network import graph_to_gdfs, routes_of
    G, _ = build_graph(args.places, args.segments, args.routes)
    _, gdf_edges = graph_to_gdfs(G)
    records = [{"segment": r["id"], "name": r["name"], "u": u, "v": v, "routes": list(r["routes"]),
                "length_km": round(float(r["length_km"]), 2)} for (u, v, _), r in gdf_edges.iterrows()]
    if args.json:
        _print_json({"segments": records, "routes": [
            {"id": r.id, "name": r.name, "aliases": list(r.aliases),
             "alignments": [{"start": a.start.text, "end": a.end.text if a.end else "", "segments": list(a.segments)}
                            for a in r.alignments]}
            for r in routes_of(G).values()]})
        return 0
    for r in records:
        print(f"{r['segment']:<42} {r['length_km']:7.1f} km  {r['name']}  [{', '.join(r['routes'])}]")
    print("\nroutes (events may target these by id or any alias):")
    for route in routes_of(G).values():
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
            "basis": row["basis"], "carried": bool(row["carried"]),
            "evidence_age_days": row["evidence_age_days"],
            "assumptions": list(row["assumptions"]),
        })
    return out


def _basis_lines(basis: list[dict[str, Any]], indent: str) -> list[str]:
    """Text lines for the claims, passages and baselines behind an answer, with their flags."""
    lines = []
    for c in basis:
        flag = ""
        if c["kind"] == "baseline":
            flag = " (assumed: dataset baseline, no claim in force)"
        elif c["carried"]:
            flag = f" (carried {c['age_days']} day(s) past its source's date {c['as_of']})"
        elif c["forecast"]:
            flag = f" (stated in advance; {c['age_days']} day(s) past its source's date {c['as_of']})"
        way = f" (one-way towards {c['direction']})" if c.get("direction") else ""
        where = f" on {len(c['segments'])} segment(s): {', '.join(c['segments'])}" if "segments" in c else ""
        quote = f'\n{indent}    "{c["quote"]}"' if c["quote"] else ""
        lines.append(f"{indent}- {c['claimant']} [{c['source']}, {c['event']}, from {c['start']}]: {c['status']}{way}"
                     f"{flag}{where}{quote}")
    return lines


def _cmd_status(args: argparse.Namespace) -> int:
    _check_area_options(args)
    m = _load(args)
    q = _query(m, args, on=args.on)
    area = _area(m, args)
    gdf = m._status(q, bbox=area)
    if gdf.attrs.get("outside_data"):
        _warning(f"--on {gdf.attrs['outside_data']}")
    records = _status_records(gdf)
    if args.json:
        _print_json(records)
        return 0
    print(f"Status on {gdf.attrs['on']} — traffic: {gdf.attrs['traffic']}, view: {gdf.attrs['view']}, "
          f"claims carried up to {gdf.attrs['horizon']}")
    for r in records:
        flags = " (uncertain date)" if r["uncertain"] else ""
        if r["evidence_age_days"]:
            flags += f" (newest evidence {r['evidence_age_days']} day(s) old)"
        print(f"  {r['segment']:<42} {r['status']:<13}{flags}")
        for line in _basis_lines(r["basis"], "      "):
            print(line)
    return 0


def _check_destinations(args: argparse.Namespace) -> None:
    """``reach``, ``periods``: one destination or more, or ``--everywhere``; refused before anything is loaded."""
    if args.everywhere and args.destination:
        raise _UsageError("give destinations or --everywhere, not both")
    if not args.everywhere and not args.destination:
        raise _UsageError("give a destination (or several, or --everywhere for every place)")


def _cmd_reach(args: argparse.Namespace) -> int:
    _check_destinations(args)
    m = _load(args)
    q = _query(m, args, on=args.on)
    if args.everywhere or len(args.destination) > 1:
        return _reach_many(m, q, args)
    r = m._reach(args.origin, args.destination[0], q)
    if r.outside_data:
        _warning(f"--on {r.outside_data}")
    if args.json:
        _print_json(r.to_dict())
        return 0
    print(f"{r.origin} -> {r.destination} on {r.on} for {r.traffic} traffic (view {r.view}): {r.answer.upper()}"
          + (" (an event date is uncertain)" if r.uncertain else ""))
    if r.carried:
        print(f"  some claims behind it are carried past their sources' dates (horizon {r.horizon}); the newest "
              f"evidence on the weakest segment is {r.evidence_age_days} day(s) old")
    if r.path:
        print(f"  path: {' -> '.join(r.path)} ({r.length_km:.1f} km)")
    if r.blocked_by:
        print(f"  blocked by: {', '.join(r.blocked_by)}")
    if r.disputed:
        print(f"  claims disagree on: {', '.join(r.disputed)}")
    if r.unknown:
        print(f"  no claim about: {', '.join(r.unknown)}")
    if r.basis:
        print("  basis (claims, passages and assumptions behind the answer):")
    for line in _basis_lines(r.basis, "  "):
        print(line)
    return 0


def _reach_many(m: Any, q: Any, args: argparse.Namespace) -> int:
    """``reach`` to several destinations (or every place): one line each, or a JSON list of the answers.

    The answers are written as they are made (``reach_from``'s, one at a time): at L the
    answers to every place, each with its basis, held 7 GB when kept until the end.
    """
    from .reach import _each_answer, _trip_args

    a, targets, traffic, v = _trip_args(m.timeline, args.origin, None if args.everywhere else args.destination,
                                        q.traffic_class, q.view, "default")
    _warn_outside(m, q, ("--on", q.day))
    answers = _each_answer(m.timeline, a, targets, q.day, traffic, v)
    if args.json:  # as _print_json of the list, an answer at a time
        for n, r in enumerate(answers):
            text = escape_json(json.dumps(r.to_dict(), ensure_ascii=False, indent=2)).replace("\n", "\n  ")
            print(("[\n  " if n == 0 else ",\n  ") + text, end="")
        print("\n]")
        return 0
    print(f"from {a} on {q.day} for {traffic} traffic (view {v}), {len(targets)} destination(s):")
    width = max(len(b) for b in targets)
    for r in answers:
        parts = [f"{r.length_km:.1f} km" if r.length_km is not None and r.answer != "no" else ""]
        if r.blocked_by:
            parts.append(f"blocked by {len(r.blocked_by)} segment(s): {', '.join(r.blocked_by[:3])}"
                         + (" ..." if len(r.blocked_by) > 3 else ""))
        if r.disputed:
            parts.append(f"claims disagree on {len(r.disputed)} segment(s)")
        if r.unknown:
            parts.append(f"no claim about {len(r.unknown)} segment(s)")
        if r.carried:
            parts.append("some claims carried")
        if r.uncertain:
            parts.append("an event date is uncertain")
        print(f"  {r.destination:<{width}}  {r.answer.upper():<8}  {'; '.join(p for p in parts if p)}".rstrip())
    print(f"  (the claims behind each answer: --json, or `karabakh-routes reach {a} DESTINATION --on "
          f"{q.day}` for one)")
    return 0


class _Progress:
    """A one-line progress display on stderr, for a terminal only, redrawn at most every half second."""

    def __init__(self, what: str) -> None:
        self.what, self.shown, self.last = what, False, 0.0

    def __call__(self, done: int, total: int, day: dt.date) -> None:
        import time

        now = time.monotonic()
        if done < total and now - self.last < 0.5:
            return
        self.last = now
        sys.stderr.write(f"\rkarabakh-routes: {done:,} of {total:,} {self.what} ({day.isoformat()})")
        sys.stderr.flush()
        self.shown = True

    def done(self) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[2K")  # (the line cleared: the answer follows on stdout)
            sys.stderr.flush()


@contextlib.contextmanager
def _progress(what: str) -> Iterator[_Progress | None]:
    """A :class:`_Progress` of ``what`` while a long query runs, when stderr is a terminal (else None); cleared after."""
    progress = _Progress(what) if sys.stderr.isatty() else None
    try:
        yield progress
    finally:
        if progress is not None:
            progress.done()


def _cmd_periods(args: argparse.Namespace) -> int:
    _check_destinations(args)
    m = _load(args)
    q = _query(m, args, start=args.start, end=args.end)
    many = args.everywhere or len(args.destination) > 1
    with _progress("days where something may change") as progress:
        if many:
            from .network import place_index
            from .reach import periods_from

            origin = place_index(m.G).resolve(args.origin)
            found = periods_from(m.timeline, origin, None if args.everywhere else args.destination, start=q.start,
                                 end=q.end, traffic=q.traffic_class, view=q.view, progress=progress,
                                 workers=args.workers)
        else:
            ps = m._periods(args.origin, args.destination[0], q, progress=progress, workers=args.workers)
    _warn_outside(m, q, ("--from", q.start), ("--to", q.end))
    if not many:
        if args.json:
            _print_json([p.to_dict() for p in ps])
        else:
            _print_periods(ps, "")
        return 0
    if args.json:
        _print_json([{"origin": origin, "destination": b, "periods": [p.to_dict() for p in ps]}
                     for b, ps in found.items()])
        return 0
    for b, ps in found.items():
        print(f"{origin} -> {b}:")
        _print_periods(ps, "  ")
    return 0


def _print_periods(ps: Any, indent: str) -> None:
    """One line per period: its dates, answer, flags and the events behind it."""
    for p in ps:
        flags = ("  (uncertain)" if p.uncertain else "") + (
            f"  (carried; evidence up to {p.evidence_age_days} day(s) old)" if p.carried else "") + (
            "  (outside the data's range)" if p.outside_data else "")
        events = ", ".join(b["event"] for b in p.basis)
        print(f"{indent}{p.start} .. {p.end}  {p.answer}{flags}" + (f"  [{events}]" if events else ""))


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
    if args.csv_out:
        sys.stdout.write(csv_text(EVENT_COLUMNS, records, excel_safe=args.excel_safe))
        return 0
    if args.json:
        _print_json(records)
        return 0
    for r in records:
        print(f"{r['id']:<6} {r['start']:<22} {r['type']:<11} {r['status']:<10} {r['claimant']} [{r['source']}] -> {r['target']}")
    return 0


def _validate(args: argparse.Namespace) -> list[Problem]:
    from .events import read_ledger
    from .model import build_graph, dropped_routes_note
    problems: list[Problem] = []
    G = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            G, dropped = build_graph(args.places, args.segments, args.routes)
            if dropped:
                problems.append(Problem(str(args.segments), "routes", "-", ", ".join(dropped),
                                        dropped_routes_note(dropped, args.segments), "warning"))
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


#: -o suffixes of the map command: HTML, or a static image by suffix. A suffix of another
#: image or print format is refused (exit 2); any other name (none, .out, /dev/null) gets HTML.
_MAP_HTML = (".html", ".htm")
_MAP_STATIC = (".png", ".svg", ".pdf")
_MAP_REFUSED = (".gif", ".jpg", ".jpeg", ".jpe", ".jfif", ".webp", ".bmp", ".tif", ".tiff", ".eps", ".ps",
                ".svgz", ".pgf", ".raw", ".rgba", ".avif", ".heic", ".ico", ".jp2", ".emf", ".wmf", ".xcf")


def _cmd_map(args: argparse.Namespace) -> int:
    suffix = os.path.splitext(args.output)[1].lower()
    if suffix in _MAP_REFUSED:
        raise _UsageError(f"-o {args.output}: a map is written as HTML ({', '.join(_MAP_HTML)}) or as a static "
                          f"image ({', '.join(_MAP_STATIC)}); {suffix} is not supported")
    _check_area_options(args)
    m = _load(args)
    q = _query(m, args, on=args.on)
    area = _area(m, args)
    _warn_outside(m, q, ("--on", q.on))
    path = tuple(args.path) if args.path else None
    if suffix in _MAP_STATIC:
        from .maps.static import query_static_map, save_static_map
        fig = query_static_map(m, q, path=path, bbox=area)
        with _writing(args.output):
            save_static_map(fig, args.output)
        _wrote(args.output)
        return 0
    from .maps.date_map import query_map
    fmap = query_map(m, q, path=path, offline=args.offline, bbox=area)
    _write_output(args.output, fmap.get_root().render())
    _area_hint(m, area, args.output)
    return 0


def _cmd_timeline_map(args: argparse.Namespace) -> int:
    _check_area_options(args)
    m = _load(args)
    q = _query(m, args, start=args.start, end=args.end)
    area = _area(m, args)
    _warn_outside(m, q, ("--from", q.start), ("--to", q.end))
    from .maps.timeline_map import query_timeline_map
    with _progress("dates where something may change") as progress:
        fmap = query_timeline_map(m, q, offline=args.offline, bbox=area, progress=progress)
    _write_output(args.output, fmap.get_root().render())
    _area_hint(m, area, args.output)
    return 0


def _cmd_chart(args: argparse.Namespace) -> int:
    suffix = os.path.splitext(args.output)[1].lower()
    if suffix not in (".png", ".svg"):
        raise _UsageError(f"output {args.output!r} must end in .png or .svg")
    m = _load(args)
    q = _query(m, args, start=args.start, end=args.end)
    _warn_outside(m, q, ("--from", q.start), ("--to", q.end))
    from .chart import query_chart, save_chart
    try:
        with _progress("days and traffic classes looked up") as progress:
            fig = query_chart(m, q, routes=args.chart_routes, progress=progress)
    except KeyError as exc:  # an unknown --route: the message names the known ones
        raise _UsageError(f"--route: {exc.args[0]}") from None
    with _writing(args.output):
        save_chart(fig, args.output)
    _wrote(args.output)
    return 0


@contextlib.contextmanager
def _writing(path: str) -> Iterator[None]:
    """Report any error while writing ``path`` as ``cannot write PATH: reason`` (exit 2)."""
    try:
        yield
    except OSError as exc:
        raise _UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc


def _wrote(path: str) -> None:
    # Not after writing to /dev/stdout, a FIFO or a device: the line would land in the data.
    if os.path.isfile(path):
        print(f"wrote {path}")


def _write_output(path: str, text: str) -> None:
    with _writing(path):
        write_text_atomic(path, text)
    _wrote(path)


def _same_file(out: str, out_stat: os.stat_result | None, other: str | os.PathLike[str]) -> bool:
    if out_stat is not None:
        try:
            st = os.stat(other)
        except (OSError, ValueError):  # missing or unreadable (reported when it is read), a NUL in the name
            pass
        else:  # the same inode: the same path, a symbolic link or a hard link
            return (st.st_dev, st.st_ino) == (out_stat.st_dev, out_stat.st_ino)
    try:
        return os.path.realpath(out) == os.path.realpath(other)
    except (OSError, ValueError):
        return False


def _check_output(args: argparse.Namespace) -> None:
    """Refuse an output that is empty, a folder, or one of the command's own input files."""
    out = getattr(args, "output", None)
    if out is None:
        return
    if out == "":
        raise _UsageError("-o/--output needs a file name (it was empty)")
    if "\x00" in out:
        raise _UsageError(f"-o {out!r}: a file name cannot contain a NUL character")
    try:
        out_stat: os.stat_result | None = os.stat(out)
    except OSError:
        out_stat = None
    if out_stat is not None and stat.S_ISDIR(out_stat.st_mode):
        raise _UsageError(f"-o {out} is a folder; give a file name")
    if out_stat is not None and not stat.S_ISREG(out_stat.st_mode):
        return  # /dev/null, /dev/stdout, a FIFO: written to, never replaced
    for kind in _INPUTS:
        given = getattr(args, kind, None)
        path = given if given is not None else bundled_path(kind)
        if _same_file(out, out_stat, path):
            what = f"--{kind} {given}" if given is not None else f"the bundled {kind} file ({path})"
            raise _UsageError(f"-o {out} is the same file as {what}: writing it would replace an input. "
                              "Choose another output file.")
    sources = getattr(args, "sources", None)
    # the seeds/ folder beside the sources, and the bundled one (a copied sources.csv reads its articles there)
    for seeds in dict.fromkeys([Path(sources if sources is not None else bundled_path("sources")).parent / "seeds",
                                bundled_path("sources").parent / "seeds"]):
        if not seeds.is_dir():
            continue
        real_seeds = os.path.realpath(seeds)
        inside = os.path.dirname(os.path.realpath(out)) == real_seeds
        if inside or (out_stat is not None and any(_same_file(out, out_stat, f) for f in seeds.iterdir())):
            raise _UsageError(f"-o {out} is in (or the same file as one in) {seeds}, the folder of source articles "
                              "that quotes are checked against. Choose another output file.")


def _check_usage(args: argparse.Namespace) -> None:
    _check_output(args)
    args.csv_out = False
    if args.command == "events":
        by_suffix = bool(args.output) and args.output.lower().endswith(".csv") and not args.json
        args.csv_out = args.csv or by_suffix
        if args.excel_safe and not args.csv_out:
            raise _UsageError("--excel-safe applies to CSV output: add --csv or write to a .csv file with -o")


_TO_FILE = {"places", "segments", "status", "reach", "periods", "events", "validate"}
_COMMANDS = {
    "places": _cmd_places, "segments": _cmd_segments, "status": _cmd_status, "reach": _cmd_reach, "periods": _cmd_periods,
    "events": _cmd_events, "validate": _cmd_validate, "map": _cmd_map,
    "timeline-map": _cmd_timeline_map, "chart": _cmd_chart, "export": _cli_export.run, "import-osm": _cli_osm.run,
}


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush at exit meets no closed pipe.

    The recipe of the Python documentation ("Note on SIGPIPE", in the ``signal`` module).
    """
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (tests capture stdout)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    Whatever a command prints is collected, then shown with terminal control codes and
    bidi controls escaped (JSON and CSV excepted: JSON escapes them itself, CSV stays
    lossless), and written to ``-o`` or stdout.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        _check_usage(args)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # data warnings are reported by `validate`
            buffer = io.StringIO()
            with contextlib.redirect_stdout(buffer):
                code = _COMMANDS[args.command](args)
        text = buffer.getvalue()
        if not (getattr(args, "json", False) or args.csv_out):
            text = escape_terminal(text)
        if args.command in _TO_FILE and args.output is not None:
            with contextlib.redirect_stdout(buffer := io.StringIO()):
                _write_output(args.output, text)
            text = escape_terminal(buffer.getvalue())
        try:
            _emit(text)
            sys.stdout.flush()
        except BrokenPipeError:  # `karabakh-routes events | head -1`: the reader has gone; end quietly
            _silence_stdout()
        return code
    except _USER_ERRORS as exc:
        _error(str(exc))
        return 2
    except OSError as exc:
        _error(f"{exc.filename}: {exc.strerror or exc}" if exc.filename else str(exc.strerror or exc))
        return 2
    except KeyboardInterrupt:  # pragma: no cover
        return 130
    except Exception as exc:  # pragma: no cover - unexpected
        if os.environ.get("KARABAKH_ROUTES_DEBUG"):
            raise
        print(f"karabakh-routes: unexpected error: {type(exc).__name__}: {escape_terminal(str(exc))}\n"
              "Set KARABAKH_ROUTES_DEBUG=1 for a traceback and please report it.", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
