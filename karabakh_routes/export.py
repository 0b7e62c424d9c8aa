r"""Export tables: the status on a date, status intervals, events and sources, to files.

:func:`status_intervals` builds the **status-interval table**: one row per segment, traffic
class and interval of days over which that segment's answer for that class stays the same.
:func:`export` writes it, the status on a date (``RoadModel.status``), the events
(``Ledger.events_frame()``) or the sources (``Ledger.sources_frame()``) -- or any other
(Geo)DataFrame -- as CSV, GeoJSON, GeoPackage or GeoParquet, the format read from the file's
suffix, in the style of GeoPandas' ``to_file`` and ``to_parquet``.

Nested values (the lists and dicts in ``claims``, ``basis``, ``routes``, ``claimants``, ...)
are stored as:

========== ======================= ==================================================
format     suffix                  nested values
========== ======================= ==================================================
CSV        ``.csv``                JSON text in the cell
GeoJSON    ``.geojson``, ``.json`` real JSON arrays and objects in ``properties``
GeoPackage ``.gpkg``               JSON text (a ``TEXT`` field); needs a geometry
GeoParquet ``.parquet``            JSON text (a ``string`` column)
========== ======================= ==================================================

JSON text in Parquet, rather than native list or struct columns: the items of ``claims`` or
``basis`` differ in which fields are null, and an empty list has no element type, so a native
schema would depend on the data of the day; JSON text has one schema, is read back the same
way as from CSV and GeoPackage (``json.loads``), and the file lists its JSON columns in its
metadata (``df.attrs["json_columns"]`` when read with pandas). Other values: booleans as
``true``/``false`` in CSV (booleans elsewhere), missing values as an empty CSV cell or null,
dates as ISO text, geometry as WKT in CSV (full precision) and as geometry elsewhere. GeoJSON
is written in WGS 84 (EPSG:4326), as RFC 7946 requires.

Every file is written atomically: to a temporary file beside it, renamed into place only when
complete (see :func:`karabakh_routes._io.atomic_write`); on any error nothing is left behind
and an existing file is untouched. Nothing from the data becomes a path, a layer name or a
command.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ._io import EXCEL_RISKY_STARTS, atomic_write, gc_paused
from .dates import DateLike
from .vocab import TRAFFIC_CLASSES

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from .model import RoadModel
    from .timeline import ClassStatus, Horizon, Timeline, View

__all__ = ["EXPORT_FORMATS", "HXL_TAGS", "INTERVAL_COLUMNS", "export", "status_intervals"]

#: File suffix -> format name, for :func:`export` (``format=`` takes the names).
EXPORT_FORMATS: dict[str, str] = {".csv": "csv", ".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg",
                                  ".parquet": "parquet"}

_SUFFIXES_TEXT = ", ".join(EXPORT_FORMATS) + " (CSV, GeoJSON, GeoPackage, GeoParquet)"

#: The columns of :func:`status_intervals`, in order.
INTERVAL_COLUMNS: tuple[str, ...] = (
    "segment", "name", "traffic", "start", "end", "status", "disputed", "uncertain", "claimants", "positions",
    "claim_ids", "carried", "evidence_age_days", "assumptions", "view", "horizon", "geometry",
)

#: HXL hashtags (https://hxlstandard.org) written under the CSV header with ``hxl=True``, by column
#: name. ``#loc`` for roads and places, ``#date`` for days, ``#status`` for statuses (with the
#: traffic class as an attribute in the status table's per-class columns), ``#access`` for
#: traffic classes, ``#org+claimant`` for who claims, ``#event`` for ledger rows, ``#meta`` for
#: the evidence behind an answer (JSON cells), ``#geo+wkt`` for the geometry. The sources table
#: uses :data:`HXL_SOURCE_TAGS` where it differs. A column not listed gets an empty cell.
HXL_TAGS: dict[str, str] = {
    # both tables
    "segment": "#loc+code", "name": "#loc+name", "status": "#status", "disputed": "#status+disputed",
    "uncertain": "#meta+uncertain", "carried": "#meta+carried", "evidence_age_days": "#meta+evidence_age_days",
    "assumptions": "#meta+assumptions", "view": "#meta+view", "horizon": "#meta+horizon", "geometry": "#geo+wkt",
    "traffic": "#access+traffic",
    # status on a date
    "date": "#date", "routes": "#loc+route", "u": "#loc+code+from", "v": "#loc+code+to",
    **{c: f"#status+{c}" for c in TRAFFIC_CLASSES},
    "claims": "#meta+claims", "passages": "#meta+passages", "basis": "#meta+basis", "set_aside": "#meta+set_aside",
    "length_km": "#indicator+length_km+num",
    # status intervals
    "start": "#date+start", "end": "#date+end", "claimants": "#org+claimant", "positions": "#meta+positions",
    "claim_ids": "#event+id",
    # events
    "id": "#event+id", "target": "#loc+code+target", "type": "#event+type", "allowed": "#access+allowed",
    "direction": "#loc+code+direction", "claimant": "#org+claimant", "source": "#meta+source+id",
    "quote": "#description+quote", "note": "#description+note", "as_of": "#date+as_of",
}
#: HXL hashtags of the sources table (``Ledger.sources_frame()``) where they differ from :data:`HXL_TAGS`.
HXL_SOURCE_TAGS: dict[str, str] = {
    "id": "#meta+source+id", "title": "#meta+title", "publisher": "#org+publisher", "published": "#date+reported",
    "url": "#meta+url", "seed": "#meta+seed",
}
_HXL_SYNTAX = re.compile(r"#[a-z][a-z0-9_]*(\s*\+[a-z][a-z0-9_]*)*")


# -- the status-interval table ------------------------------------------------------------------
def status_intervals(
    model: RoadModel | Timeline,
    start: DateLike | None = None,
    end: DateLike | None = None,
    *,
    view: str | View = "consensus",
    horizon: Horizon = "default",
    traffic: str | Sequence[str] | None = None,
    bbox: Sequence[float] | None = None,
    workers: int | None = 1,
    progress: Callable[[int, int, dt.date], None] | None = None,
) -> gpd.GeoDataFrame:
    """Return the status of every segment and traffic class as intervals of days.

    One row per segment, traffic class and interval: the days ``start`` to ``end``
    (inclusive) over which the segment's answer for the class is the same -- the same
    status, the same claims behind it (``claim_ids``: its basis, so also the same claimants
    and the same ``disputed`` flag), the same ``carried`` flag and the same ``uncertain``
    flag. For every day of a row, :meth:`Timeline.class_status` gives that answer. Built from
    the timeline's change points (:meth:`Timeline.change_points`), never day by day.

    Parameters
    ----------
    model
        A :class:`~karabakh_routes.RoadModel` (or its :class:`~karabakh_routes.Timeline`).
    start
        First day (default: the first day of the ledger, the earliest event start).
    end
        Last day, inclusive. Default None: up to the last change point and beyond, so each
        segment and class ends with an open interval (``end`` None: nothing changes after it).
    view
        How claimants are combined: ``consensus`` (default), ``strict``, ``lenient``,
        ``claimant:NAME`` or ``source:ID``.
    horizon
        Days an open-ended claim is carried past its as-of date; None = no bound.
    traffic
        A traffic class or a list of them (default: every class).
    bbox
        ``(west, south, east, north)`` in degrees: only the segments whose line meets this box
        (:func:`karabakh_routes.area.segments_in`; their statuses are the whole network's).
    workers
        Worker processes (default 1: this one; None: one per usable core). The segments are
        shared out among processes forked from this one (they share the loaded data), each
        segment's intervals worked out whole in one of them: the same table. Where the
        platform cannot fork (Windows), the table is made in this process, with a ``RuntimeWarning``.
    progress
        Called as ``progress(done, total, day)`` after each change point of each class is
        looked up (``total`` steps in all; with ``workers``, a step per run of segments, in
        this process as the workers report them): for a progress display on a large network.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`INTERVAL_COLUMNS`: ``segment``, ``name``, ``traffic``, ``start`` and
        ``end`` (ISO dates, inclusive; ``end`` None when open), ``status`` (``open``,
        ``closed``, ``disputed``, ``unknown``), ``disputed``, ``uncertain`` (some event date
        behind the answer is uncertain), ``claimants`` (who the basis is from, sorted),
        ``positions`` (claimant -> what it says: ``open`` or ``closed``), ``claim_ids`` (the
        events of the basis: claims, passages and a dataset baseline), ``carried``,
        ``evidence_age_days`` and ``assumptions`` (both on the interval's first day: a carried
        claim ages by a day each day), ``view``, ``horizon``, ``geometry``. Sorted by segment
        (graph order), class, start. ``attrs`` hold ``start``, ``end``, ``view``,
        ``horizon`` and ``traffic``.

    Raises
    ------
    DateError
        If a date is invalid, or ``end`` is before ``start``.
    ViewError, TrafficError
        If the view or a traffic class is unknown.
    ValueError
        If ``workers`` is not a whole number of at least 1 (or None).

    Examples
    --------
    >>> import karabakh_routes as kr
    >>> iv = kr.status_intervals(kr.load(), "2023-06-01", "2023-06-30", traffic="humanitarian")
    >>> row = iv[(iv.segment == "hakari_bridge__lachin_checkpoint") & (iv.start <= "2023-06-16")].iloc[-1]
    >>> row.status, row.start <= "2023-06-16" <= row.end
    ('closed', True)
    """
    import geopandas as gpd
    import pandas as pd

    from ._errors import DateError
    from ._parallel import check_workers, map_forked
    from .dates import to_date
    from .events import check_traffic
    from .timeline import Timeline, parse_view

    tl = model if isinstance(model, Timeline) else model.timeline
    v = parse_view(view, tl.ledger, horizon=horizon)
    if traffic is None:
        classes = list(TRAFFIC_CLASSES)
    elif isinstance(traffic, str):
        classes = [check_traffic(traffic)]
    else:
        classes = [check_traffic(t) for t in traffic]
    n = check_workers(workers)
    if start is not None:
        lo = to_date(start, what="start")
    elif tl.ledger.events:
        lo = min(e.start.lower for e in tl.ledger.events)
    else:
        lo = dt.date(1, 1, 1)
    hi = to_date(end, what="end") if end is not None else None
    if hi is not None and hi < lo:
        msg = f"The end {hi.isoformat()} is before the start {lo.isoformat()}."
        raise DateError(msg)
    days = [lo, *(p for p in tl.change_points(lo, hi, horizon=v.horizon) if p > lo)]
    last = hi.isoformat() if hi is not None else None
    edges = {k: d for *_, k, d in tl.G.edges(keys=True, data=True)}
    segments = tl.segments
    within = None
    if bbox is not None:
        from .area import segments_in
        within = segments_in(tl, bbox)
    every = list(range(len(segments))) if within is None else within.tolist()
    # each segment's intervals are its own: the segments are shared out in contiguous runs of
    # about the same work (two per worker: a worker that finishes early takes the next), whose
    # rows, put back in order, are the table's
    if n > 1 and tl.engine != "reference":
        for cls in classes:  # (what every worker reads, built here once and shared: see periods_from)
            tl._touches(cls, v)
    cut = _shares(tl, every, min(len(every), 2 * n) if n > 1 else 1, classes, v, lo, hi)
    parts = len(cut) - 1

    done = [0]

    def step(day: dt.date) -> None:
        done[0] += 1
        if progress is not None:
            progress(done[0], parts * len(classes) * len(days), day)

    def rows_of(k: int, tick: Callable[[Any], None]) -> _Rows:
        return _interval_rows(tl, every[cut[k]:cut[k + 1]], classes, days, v, last, tick,
                              whole=within is None and parts == 1)

    with gc_paused():  # (as in periods_from: millions of short-lived objects at L, no cycles)
        bodies: list[tuple[Any, ...]] = []
        seg_of: list[int] = []
        body_of: list[int] = []
        ends: list[str | None] = []
        for got in map_forked(rows_of, parts, n, step if progress is not None else None, here="the table is made"):
            base = len(bodies)
            bodies += got.bodies
            seg_of += got.segments
            body_of += [base + j for j in got.body]
            ends += got.ends
        # the table, column by column; a row's lists and dicts its own (rows may share a body)
        cols: dict[str, Any] = {"segment": [segments[i] for i in seg_of],
                                "name": [edges.get(segments[i], {}).get("name", segments[i]) for i in seg_of]}
        for k, col in enumerate(_BODY):
            values = [bodies[j][k] for j in body_of]
            cols[col] = [x.copy() for x in values] if col in _NESTED else values
        cols["end"] = ends
        cols["geometry"] = [edges.get(segments[i], {}).get("geometry") for i in seg_of]
    frame = pd.DataFrame(cols, columns=[c for c in INTERVAL_COLUMNS if c not in ("view", "horizon")])
    frame.insert(frame.columns.get_loc("geometry"), "view", str(v))
    frame.insert(frame.columns.get_loc("geometry"), "horizon", v.horizon_text)
    gdf = gpd.GeoDataFrame(frame, geometry="geometry", crs=tl.G.graph.get("crs", "EPSG:4326"))
    # whole days or None (not NaN), as in ``Timeline.status``; ISO text or None for the end
    gdf["evidence_age_days"] = pd.Series(cols["evidence_age_days"], index=gdf.index, dtype=object)
    gdf["end"] = pd.Series(ends, index=gdf.index, dtype=object)
    gdf.attrs.update({"table": "intervals", "start": lo.isoformat(), "end": last, "view": str(v),
                      "horizon": v.horizon_text, "traffic": list(classes)})
    return gdf


def _shares(tl: Timeline, every: list[int], parts: int, classes: list[str], v: View, lo: dt.date,
            hi: dt.date | None) -> list[int]:
    """Where to cut ``every`` (segment indexes) into up to ``parts`` contiguous runs of about the same work.

    A segment is looked up on the range's first day, then on each change point that touches
    it (:meth:`Timeline._touched`): it weighs one plus the times it is touched in the range,
    per class (the reference engine looks up every segment every time: each weighs the same).
    Returns the runs' bounds, from 0 to ``len(every)``.
    """
    import numpy as np

    if parts <= 1 or not every:
        return [0, len(every)]
    weight = np.full(len(tl.segments), float(len(classes)))
    if tl.engine != "reference":
        for cls in classes:
            days, segs = tl._touches(cls, v)
            i = int(np.searchsorted(days, days.dtype.type(lo.toordinal()), "left"))
            j = len(days) if hi is None else int(np.searchsorted(days, days.dtype.type(hi.toordinal()), "right"))
            weight += np.bincount(segs[i:j], minlength=len(weight))
    total = np.cumsum(weight[np.asarray(every, np.int64)])
    at = np.searchsorted(total, total[-1] * np.arange(1, parts) / parts, "left") + 1
    return sorted({0, *(int(k) for k in at if 0 < k < len(every)), len(every)})


#: What a row of :func:`status_intervals` says about its segment's answer (:func:`_interval_body`), in order;
#: those of its values that are lists or dicts, copied for each row.
_BODY = ("traffic", "start", "status", "disputed", "uncertain", "claimants", "positions", "claim_ids", "carried",
         "evidence_age_days", "assumptions")
_NESTED = frozenset({"claimants", "positions", "claim_ids", "assumptions"})


@dataclass
class _Rows:
    """Rows of :func:`status_intervals`: each one's segment (index), body (position in ``bodies``) and end."""

    bodies: list[tuple[Any, ...]]
    segments: list[int]
    body: list[int]
    ends: list[str | None]


def _interval_rows(tl: Timeline, chunk: list[int], classes: list[str], days: list[dt.date], v: View,
                   last: str | None, tick: Callable[[dt.date], None], *, whole: bool) -> _Rows:
    """The rows of :func:`status_intervals` of the segments ``chunk`` (indexes, in order).

    ``tick(day)`` after each change point of each class; ``whole``: ``chunk`` is every segment
    (what is touched needs no narrowing to it).
    """
    import numpy as np

    sub = np.asarray(chunk, np.int64)
    # per (segment, class): its rows as [body, end], the last one open. At each change point
    # only the segments something happened to since the one before are looked up again (all
    # of them, many at once); the others keep their answer (only a carried claim's age grows)
    runs: dict[tuple[int, int], list[list[Any]]] = {}
    keys: dict[tuple[int, int], tuple[Any, ...]] = {}
    bodies: list[tuple[Any, ...]] = []
    for c, cls in enumerate(classes):
        for n, day in enumerate(days):
            if n == 0 or tl.engine == "reference":
                todo = chunk
            else:
                touched = tl._touched(cls, v, days[n - 1] + dt.timedelta(days=1), day)
                todo = (touched if whole else np.intersect1d(touched, sub, assume_unique=True)).tolist()
            # segments that share a ClassStatus (a claim about a route is in force on each of
            # its segments) share its key and what a row says about it: made once a day
            made: dict[int, tuple[tuple[Any, ...], int]] = {}
            for i, cs in zip(todo, tl._class_statuses(todo, cls, day, v)):
                got = made.get(id(cs))
                if got is None:  # (the list of statuses keeps cs alive: its id is not reused meanwhile)
                    got = made[id(cs)] = (_interval_key(cs), len(bodies))
                    bodies.append(_interval_body(cls, day, cs))
                pair = (i, c)
                if keys.get(pair) == got[0]:
                    continue
                if pair in runs:
                    runs[pair][-1][1] = (day - dt.timedelta(days=1)).isoformat()
                runs.setdefault(pair, []).append([got[1], None])
                keys[pair] = got[0]
            tick(day)
    out = _Rows(bodies, [], [], [])
    for i in chunk:
        for c in range(len(classes)):
            run = runs[(i, c)]
            run[-1][1] = last
            out.segments += [i] * len(run)
            out.body += [b for b, _ in run]
            out.ends += [e for _, e in run]
    return out


def _interval_key(cs: ClassStatus) -> tuple[Any, ...]:
    """What must stay the same within one interval."""
    return (cs.status, tuple(c.event for c in cs.basis), cs.carried, cs.uncertain)


def _interval_body(cls: str, day: dt.date, cs: ClassStatus) -> tuple[Any, ...]:
    """What a row starting on ``day`` says about a segment whose answer is ``cs``: the columns :data:`_BODY`."""
    positions: dict[str, str] = {}
    for c in cs.basis:
        positions[c.claimant] = "open" if c.kind == "passage" else c.status
    return (cls, day.isoformat(), cs.status, cs.status == "disputed", bool(cs.uncertain), sorted(positions),
            dict(sorted(positions.items())), [c.event for c in cs.basis], bool(cs.carried), cs.evidence_age_days,
            sorted({a for c in cs.basis if (a := c.assumption())}))


# -- writing -----------------------------------------------------------------------------------
def export(
    table: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    hxl: bool | Mapping[str, str] = False,
    excel_safe: bool = False,
    layer: str | None = None,
) -> None:
    """Write a table to CSV, GeoJSON, GeoPackage or GeoParquet, atomically.

    Parameters
    ----------
    table
        The status on a date (``RoadModel.status``), the status intervals
        (:func:`status_intervals`), the events (``Ledger.events_frame()``), the sources
        (``Ledger.sources_frame()``), or any other DataFrame or GeoDataFrame. Every column
        is written, the index is not (``RoadModel.status`` also has it as ``segment``). The
        status on a date gets ``date``, ``traffic``, ``view`` and ``horizon`` columns from
        its ``attrs`` (after ``segment``), so that the file says what it answers.
    path
        The file. A symbolic link keeps pointing to it; a device or FIFO (``/dev/stdout``) is
        written to, not replaced (CSV, GeoJSON and Parquet; a GeoPackage is built in memory
        first).
    format
        ``csv``, ``geojson``, ``gpkg`` or ``parquet``; default: from the suffix
        (:data:`EXPORT_FORMATS`).
    hxl
        CSV only: add a row of HXL hashtags under the header (:data:`HXL_TAGS`; or give your
        own mapping of column name to hashtag). The file is then for HXL tools (HDX); a plain
        CSV reader sees the hashtag row as the first data row.
    excel_safe
        CSV only: prefix cells a spreadsheet would run as a formula (``=``, ``+``, ``-``,
        ``@``, ...) with ``'``. For viewing only: not lossless.
    layer
        GeoPackage only: the layer name (default: the file name without its suffix).

    Raises
    ------
    ValueError
        For an unknown suffix or format (the message lists the valid ones), an option that
        does not apply to the format, a table without geometry written as GeoJSON or
        GeoPackage, or text a GeoPackage cannot hold (a NUL character).
    TypeError
        For a value that has no JSON form.
    OSError
        If the file cannot be written (the error names ``path``).

    Examples
    --------
    >>> import json, tempfile, pathlib, karabakh_routes as kr
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> kr.export(kr.load().status(on="2023-07-20"), folder / "status.geojson")
    >>> feature = json.loads((folder / "status.geojson").read_text(encoding="utf-8"))["features"][0]
    >>> type(feature["properties"]["basis"]), feature["properties"]["date"]
    (<class 'list'>, '2023-07-20')
    """
    import pandas as pd

    if not isinstance(table, pd.DataFrame):
        msg = f"export() writes a DataFrame or GeoDataFrame, not {type(table).__name__}."
        raise TypeError(msg)
    fmt = export_format(path, format)
    if hxl is not False and fmt != "csv":
        msg = f"HXL hashtags apply to CSV output only, not {fmt}."
        raise ValueError(msg)
    if excel_safe and fmt != "csv":
        msg = f"excel_safe applies to CSV output only, not {fmt}."
        raise ValueError(msg)
    if layer is not None and fmt != "gpkg":
        msg = f"A layer name applies to GeoPackage output only, not {fmt}."
        raise ValueError(msg)
    frame = _with_status_context(table)
    if fmt in ("geojson", "gpkg") and _geometry_name(frame) is None:
        msg = f"This table has no geometry: write it as CSV (.csv) or Parquet (.parquet), not {fmt}."
        raise ValueError(msg)
    if fmt == "csv":
        tags = _hxl_tags(frame, hxl) if hxl is not False else None
        _write(path, "w", lambda fh: _write_csv(frame, fh, tags, excel_safe))
    elif fmt == "geojson":
        _write(path, "w", lambda fh: _write_geojson(frame, fh))
    elif fmt == "gpkg":
        name = layer if layer is not None else Path(os.fspath(path)).stem
        if not name or "\x00" in name:
            msg = "A GeoPackage layer name must be non-empty text without NUL characters."
            raise ValueError(msg)
        data = _gpkg_bytes(frame, name)
        _write(path, "wb", lambda fh: fh.write(data))
    else:
        _write(path, "wb", lambda fh: _write_parquet(frame, fh))


def export_format(path: str | os.PathLike[str], format: str | None = None) -> str:
    """Return the export format of a path: ``format`` when given, else from the suffix.

    Raises
    ------
    ValueError
        If the format or the suffix is not one of :data:`EXPORT_FORMATS` (the message lists them).

    Examples
    --------
    >>> export_format("out/status.GeoJSON"), export_format("x.data", "csv")
    ('geojson', 'csv')
    """
    names = sorted(set(EXPORT_FORMATS.values()))
    if format is not None:
        if format not in names:
            msg = f"Unknown export format {format!r}: use one of {', '.join(names)}."
            raise ValueError(msg)
        return format
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    if suffix not in EXPORT_FORMATS:
        shown = f"suffix {suffix!r}" if suffix else "no suffix"
        msg = (f"Cannot tell the export format of {os.fspath(path)!r} ({shown}): the valid suffixes are "
               f"{_SUFFIXES_TEXT}; or give the format ({', '.join(names)}).")
        raise ValueError(msg)
    return EXPORT_FORMATS[suffix]


def _write(path: str | os.PathLike[str], mode: str, body: Callable[[IO[Any]], object]) -> None:
    with atomic_write(path, mode) as fh:
        body(fh)


def _with_status_context(table: pd.DataFrame) -> pd.DataFrame:
    """The table to write: for the status on a date, with its date, traffic, view and horizon as columns."""
    frame = table.reset_index(drop=True)
    attrs = table.attrs
    if "on" in attrs and "segment" in frame.columns and "date" not in frame.columns:
        at = list(frame.columns).index("segment") + 1
        for offset, (col, key) in enumerate((("date", "on"), ("traffic", "traffic"), ("view", "view"),
                                             ("horizon", "horizon"))):
            if col not in frame.columns:
                frame.insert(at + offset, col, str(attrs.get(key, "")))
    frame.attrs = dict(attrs)
    return frame


def _geometry_name(frame: pd.DataFrame) -> str | None:
    import geopandas as gpd

    if isinstance(frame, gpd.GeoDataFrame) and frame._geometry_column_name in frame.columns:
        return str(frame._geometry_column_name)
    return None


def _is_nested(value: Any) -> bool:
    return isinstance(value, (list, tuple, dict)) or type(value).__name__ == "ndarray"


def _nested_columns(frame: pd.DataFrame) -> list[str]:
    """The columns holding lists or dicts (in any row)."""
    geom = _geometry_name(frame)
    return [c for c in frame.columns if c != geom and frame[c].dtype == object
            and any(_is_nested(v) for v in frame[c])]


def _plain(value: Any) -> Any:
    """A JSON-ready copy of a value: numpy scalars and arrays, dates and NaN made plain."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return None if not math.isfinite(value) else value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    import numpy as np
    import pandas as pd

    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return _plain(value.item())
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return None
    msg = f"Cannot export a value of type {type(value).__name__}: it has no JSON form."
    raise TypeError(msg)


def _plain_at_once(value: Any) -> Any:
    """:func:`_plain` of a value: the value itself when it is JSON-ready as it is.

    That is text, a whole or finite number, a boolean, None, a list of text or a dict of text
    to text: most values of the library's tables.
    """
    t = type(value)
    if t is str or value is None or t is bool or t is int:
        return value
    if t is float:
        return value if math.isfinite(value) else None
    if (t is list or t is dict) and _ready_as_is(value):
        return value
    return _plain(value)


def _ready_as_is(value: list[Any] | dict[Any, Any]) -> bool:
    """Whether a list or dict is JSON-ready as it is: a list of text, or a dict of text to text."""
    if isinstance(value, dict):
        return all(type(k) is str and type(x) is str for k, x in value.items())
    return all(type(x) is str for x in value)


def _json_text(value: Any) -> str:
    return _JSON.encode(_plain_at_once(value))


def _columns_of(frame: pd.DataFrame) -> Iterator[tuple[Any, ...]]:
    """Each row's values, as ``frame.itertuples(index=False, name=None)`` gives them, read column by column."""
    if not len(frame.columns):
        return iter([()] * len(frame))
    return zip(*(frame.iloc[:, k].tolist() for k in range(len(frame.columns))))


#: :func:`json.dumps` with the export's settings, made once (``dumps`` makes an encoder at every call).
_JSON = json.JSONEncoder(ensure_ascii=False, allow_nan=False)


def _cells(column: Any, geometry: bool) -> list[str]:
    """The CSV text of each value of a column (a Series): :func:`_cell` of each, the common types without its detour.

    Text, whole numbers, booleans and lists or dicts of text are written at once; ``geometry``
    (the table's geometry column) is made WKT in one call; anything else goes through :func:`_cell`.
    """
    values = column.tolist()
    if geometry:
        import numpy as np
        import shapely

        shapes = np.empty(len(values), dtype=object)
        shapes[:] = values
        try:
            return ["" if w is None else str(w) for w in shapely.to_wkt(shapes, rounding_precision=-1)]
        except (TypeError, shapely.errors.GEOSException):  # (not geometries after all: each on its own)
            return [_cell(v) for v in values]
    out: list[str] = []
    add = out.append
    for v in values:
        t = type(v)
        if t is str:
            add(v)
        elif v is None:
            add("")
        elif t is bool:
            add("true" if v else "false")
        elif t is int:
            add(repr(v))
        elif (t is list or t is dict) and _ready_as_is(v):
            add(_JSON.encode(v))
        else:
            add(_cell(v))
    return out


def _cell(value: Any) -> str:
    """The CSV text of one value."""
    v = _plain(value) if not hasattr(value, "geom_type") else value
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return v
    if isinstance(v, (list, dict)):
        return _JSON.encode(v)
    import shapely

    return str(shapely.to_wkt(v, rounding_precision=-1))


def _hxl_tags(frame: pd.DataFrame, hxl: bool | Mapping[str, str]) -> dict[str, str]:
    if hxl is True:
        tags = dict(HXL_TAGS)
        if "publisher" in frame.columns and "claimant" not in frame.columns:
            tags.update(HXL_SOURCE_TAGS)
    elif isinstance(hxl, Mapping):
        tags = {str(k): str(v) for k, v in hxl.items()}
        bad = [t for t in tags.values() if t and not _HXL_SYNTAX.fullmatch(t)]
        if bad:
            msg = f"Not an HXL hashtag: {bad[0]!r} (e.g. '#loc+name': #, a lower-case word, +attributes)."
            raise ValueError(msg)
    else:
        msg = "hxl must be True, False or a mapping of column name to hashtag."
        raise TypeError(msg)
    return {str(c): tags.get(str(c), "") for c in frame.columns}


def _write_csv(frame: pd.DataFrame, fh: IO[str], tags: Mapping[str, str] | None, excel_safe: bool) -> None:
    import csv

    columns = [str(c) for c in frame.columns]
    geom = _geometry_name(frame)
    rows: list[Any] = (list(zip(*(_cells(frame.iloc[:, k], geometry=c == geom) for k, c in enumerate(columns))))
                       if columns else [[] for _ in range(len(frame))])
    if excel_safe:
        rows = [["'" + c if c.startswith(EXCEL_RISKY_STARTS) else c for c in row] for row in rows]
    # a lone carriage return is not quoted by QUOTE_MINIMAL with "\n" line ends and would read
    # back as a line break: quote every cell in that (rare) case, as _io.csv_text does
    has_cr = any("\r" in c for row in rows for c in row)
    writer = csv.writer(fh, lineterminator="\n", quoting=csv.QUOTE_ALL if has_cr else csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    if tags is not None:
        writer.writerow([tags.get(c, "") for c in columns])
    for row in rows:
        writer.writerow(row)


def _features(frame: pd.DataFrame) -> Iterator[dict[str, Any]]:
    import shapely.geometry

    geom = _geometry_name(frame)
    columns = [str(c) for c in frame.columns]
    for values in _columns_of(frame):
        props = {}
        shape = None
        for col, value in zip(columns, values):
            if col == geom:
                shape = value
            else:
                props[col] = _plain_at_once(value)
        # (a geometry's mapping is tuples of floats: JSON-ready unless a coordinate is not finite, see _write_geojson)
        geometry = None if shape is None or shape.is_empty else shapely.geometry.mapping(shape)
        yield {"type": "Feature", "properties": props, "geometry": geometry}


def _write_geojson(frame: pd.DataFrame, fh: IO[str]) -> None:
    gdf: Any = frame
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs("EPSG:4326")
    fh.write('{"type": "FeatureCollection", "features": [\n')
    for i, feature in enumerate(_features(gdf)):
        try:
            text = _JSON.encode(feature)
        except ValueError:  # a coordinate that is not finite: null, as _plain makes it
            feature["geometry"] = _plain(feature["geometry"])
            text = _JSON.encode(feature)
        fh.write((",\n" if i else "") + text)
    fh.write("\n]}\n")


def _flat(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The table with nested values as JSON text and typed scalar columns (GeoPackage, Parquet)."""
    import pandas as pd

    out = frame.copy()
    nested = _nested_columns(frame)
    geom = _geometry_name(frame)
    for col in out.columns:
        if col == geom:
            continue
        s = out[col]
        if col in nested:
            out[col] = pd.Series([None if _is_missing(v) else _json_text(v) for v in s.tolist()], index=s.index,
                                 dtype=object)
        elif s.dtype == object:
            values = [_plain_at_once(v) for v in s.tolist()]
            present = [v for v in values if v is not None]
            if present and all(isinstance(v, bool) for v in present):
                out[col] = pd.array(values, dtype="boolean")
            elif present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
                out[col] = pd.array(values, dtype="Int64")
            elif present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
                out[col] = pd.array(values, dtype="Float64")
            else:
                out[col] = pd.Series([None if v is None else str(v) for v in values], index=s.index, dtype=object)
    out.attrs = {k: v for k, v in frame.attrs.items() if isinstance(v, (str, int, float, bool, list, type(None)))}
    out.attrs["json_columns"] = nested
    return out, nested


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    import pandas as pd

    return value is pd.NA or value is pd.NaT


def _gpkg_bytes(frame: pd.DataFrame, layer: str) -> bytes:
    import pyogrio

    flat, _ = _flat(frame)
    for col in flat.columns:
        if flat[col].dtype == object or str(flat[col].dtype) in ("string", "str"):
            for i, v in enumerate(flat[col].tolist()):
                if isinstance(v, str) and "\x00" in v:
                    msg = (f"A GeoPackage cannot hold a NUL character (column {col!r}, row {i}): write CSV, "
                           "GeoJSON or Parquet instead.")
                    raise ValueError(msg)
    buf = io.BytesIO()
    pyogrio.write_dataframe(flat, buf, layer=layer, driver="GPKG")
    return buf.getvalue()


def _write_parquet(frame: pd.DataFrame, fh: IO[bytes]) -> None:
    flat, _ = _flat(frame)
    if _geometry_name(flat) is not None:
        flat.to_parquet(fh, index=False)
    else:
        import pandas as pd

        pd.DataFrame(flat).to_parquet(fh, index=False)
