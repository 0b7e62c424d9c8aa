"""The ``karabakh-routes export`` command: write a table to CSV, GeoJSON, GeoPackage or GeoParquet.

``add_parser(sub)`` adds the command to the subparsers of ``karabakh-routes``; ``run(args)``
runs it and returns the exit code (0, or 2 with a one-line message for bad usage or input).
Importing this module loads no heavy library; ``run`` loads what the export needs.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from .vocab import TRAFFIC_CLASSES

__all__ = ["add_parser", "run"]

#: What the command can write.
TABLES = ("status", "intervals", "events", "sources")
_FORMATS = ("csv", "geojson", "gpkg", "parquet")


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the ``export`` command to ``sub`` (the ``add_subparsers()`` of the main parser)."""
    from .cli import _TABLE_AREA, _area_options, _data_options, _horizon_option, _workers

    s: argparse.ArgumentParser = sub.add_parser(
        "export",
        help="write the status on a date, the status intervals, the events or the sources to a CSV, GeoJSON, "
             "GeoPackage or GeoParquet file (by the -o suffix)",
        description=(
            "Write a table to a file, the format by the suffix of FILE: .csv (nested values as JSON text), "
            ".geojson or .json (nested values as JSON), .gpkg (GeoPackage; JSON text) or .parquet (GeoParquet; "
            "JSON text). status: every segment on --on DATE. intervals: per segment and traffic class, the "
            "intervals of days with the same answer (--from/--to). events, sources: the ledger (CSV or Parquet)."),
    )
    s.add_argument("what", choices=TABLES,
                   help="status (every segment on --on DATE), intervals (per segment and class, the intervals "
                        "between change points with the same answer), events (the claims), sources")
    s.add_argument("-o", "--output", required=True, metavar="FILE.csv|geojson|json|gpkg|parquet",
                   help="the file to write (replaced atomically; never one of the input files); its suffix sets the "
                        "format unless --format is given")
    s.add_argument("--format", choices=_FORMATS,
                   help="the format, when the suffix does not say it (e.g. -o /dev/stdout --format csv)")
    s.add_argument("--on", metavar="DATE", help="status: the date, e.g. 2023-07-20 (required for status)")
    s.add_argument("--from", dest="start", metavar="DATE",
                   help="intervals: the first day (default: the ledger's first day)")
    s.add_argument("--to", dest="end", metavar="DATE",
                   help="intervals: the last day, inclusive (default: open-ended after the last change point)")
    s.add_argument("--traffic", choices=TRAFFIC_CLASSES,
                   help="status: the class whose status is shown (default: the overall status of all classes); "
                        "intervals: only this class (default: every class)")
    s.add_argument("--view", default=None,
                   help="status, intervals: consensus (default), strict, lenient, claimant:NAME or source:ID")
    _horizon_option(s)
    s.set_defaults(horizon=None)
    s.add_argument("--hxl", action="store_true",
                   help="CSV: add a row of HXL hashtags (#loc+name, #date+start, #status, ...) under the header, for "
                        "the Humanitarian Data Exchange")
    s.add_argument("--excel-safe", action="store_true",
                   help="CSV: prefix cells starting with = + - @ (tab, CR) with ' so spreadsheets show them as text; "
                        "the file no longer reads back the same")
    s.add_argument("--layer", metavar="NAME", help="GeoPackage: the layer name (default: WHAT, e.g. intervals)")
    s.add_argument("--workers", type=_workers, default=0, metavar="N|all",
                   help="intervals: share the segments out among N processes forked from this one (default 1; "
                        "'all': one per core): the same table, sooner on a large network")
    _area_options(s, ("area (status, intervals; default: every segment)", *_TABLE_AREA[1:]))
    _data_options(s, output=False)
    return s


def _check(args: argparse.Namespace) -> str:
    """Check the options against WHAT and the format; return the format."""
    from .cli import _UsageError
    from .export import _SUFFIXES_TEXT, export_format

    what = args.what
    try:
        fmt = export_format(args.output or "", args.format)
    except ValueError:
        suffix = os.path.splitext(args.output)[1]
        shown = f"the suffix {suffix!r}" if suffix else "a file name without a suffix"
        raise _UsageError(f"-o {args.output}: cannot tell the format from {shown}; the valid suffixes are "
                          f"{_SUFFIXES_TEXT} (or give --format)") from None
    given = {"--on": args.on, "--from": args.start, "--to": args.end, "--traffic": args.traffic,
             "--view": args.view, "--horizon": args.horizon, "--bbox": args.bbox, "--around": args.around,
             "--km": args.km, "--workers": None if args.workers == 0 else (args.workers or "all")}
    area = {"--bbox", "--around", "--km"}
    allowed = {"status": {"--on", "--traffic", "--view", "--horizon", *area},
               "intervals": {"--from", "--to", "--traffic", "--view", "--horizon", "--workers", *area}}.get(what, set())
    extra = [name for name, value in given.items() if value is not None and name not in allowed]
    if extra:
        takes = f"takes only {', '.join(sorted(allowed))}" if allowed else "takes none of the date, view or area options"
        raise _UsageError(f"export {what} {takes}; remove {', '.join(extra)}")
    from .cli import _check_area_options
    _check_area_options(args)
    if what == "status" and not args.on:
        raise _UsageError("export status needs --on DATE (e.g. --on 2023-07-20)")
    if what in ("events", "sources") and fmt not in ("csv", "parquet"):
        raise _UsageError(f"-o {args.output}: {what} have no geometry; write them as .csv or .parquet, not {fmt}")
    if args.hxl and fmt != "csv":
        raise _UsageError(f"--hxl applies to CSV output (a .csv file or --format csv), not {fmt}")
    if args.excel_safe and fmt != "csv":
        raise _UsageError(f"--excel-safe applies to CSV output (a .csv file or --format csv), not {fmt}")
    if args.layer is not None and fmt != "gpkg":
        raise _UsageError(f"--layer applies to GeoPackage output (.gpkg), not {fmt}")
    if args.layer is not None and (not args.layer or "\x00" in args.layer):
        raise _UsageError("--layer needs a name (non-empty, without NUL characters)")
    return fmt


def run(args: argparse.Namespace) -> int:
    """Run ``karabakh-routes export``; return the exit code (2 with a one-line message for bad usage or input)."""
    import warnings

    from .cli import _USER_ERRORS, _check_output, _error, _writing, _wrote

    try:
        _check_output(args)
        fmt = _check(args)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # data warnings are reported by `validate`
            table = _table(args)
        from .export import export

        with _writing(args.output):
            try:
                export(table, args.output, format=fmt, hxl=args.hxl, excel_safe=args.excel_safe,
                       layer=args.layer if args.layer is not None else (args.what if fmt == "gpkg" else None))
            except (ValueError, TypeError) as exc:
                from .cli import _UsageError

                raise _UsageError(f"cannot write {args.output}: {exc}") from None
    except _USER_ERRORS as exc:
        _error(str(exc))
        return 2
    except OSError as exc:
        _error(f"{exc.filename}: {exc.strerror or exc}" if exc.filename else str(exc.strerror or exc))
        return 2
    _wrote(args.output)
    return 0


def _table(args: argparse.Namespace) -> Any:
    from .cli import _area, _progress

    m = _load_model(args)
    view = args.view or "consensus"
    horizon: Any = args.horizon if args.horizon is not None else "default"
    area = _area(m, args) if args.what in ("status", "intervals") else None
    if args.what == "status":
        return m.status(on=args.on, traffic=args.traffic, view=view, horizon=horizon, bbox=area)
    if args.what == "intervals":
        from .export import status_intervals

        with _progress("change points looked up, class by class") as progress:
            return status_intervals(m, args.start, args.end, view=view, horizon=horizon, traffic=args.traffic,
                                    bbox=area, workers=1 if args.workers == 0 else args.workers, progress=progress)
    if args.what == "events":
        return m.ledger.events_frame()
    return m.ledger.sources_frame()


def _load_model(args: argparse.Namespace) -> Any:
    from .cli import _load

    return _load(args)
