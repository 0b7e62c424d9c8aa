"""karabakh_routes: which roads into Nagorno-Karabakh were open, to whom, on a date, and who says so.

Quick start
-----------
>>> import karabakh_routes as kr
>>> m = kr.load()                                   # bundled, sourced data
>>> r = m.reach("Goris", "Stepanakert", on="2023-07-20", traffic="humanitarian")
>>> r.answer
'no'
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from ._errors import (
    DataError,
    DateError,
    KarabakhRoutesWarning,
    PlaceNotFoundError,
    Problem,
    TrafficError,
    ViewError,
)
from .dates import DateSpan, parse_edtf, to_date
from .events import (
    EVENT_TYPES,
    STATUSES,
    TRAFFIC_CLASSES,
    Event,
    Ledger,
    Source,
    read_events,
    read_ledger,
    read_sources,
    write_events,
    write_sources,
)
from .model import RoadModel, load
from .network import Route, graph_from_gdfs, graph_from_geodata, graph_to_gdfs, read_places, read_routes
from .places import Place, normalize_name
from .reach import Period, Reach, periods, reach
from .timeline import DEFAULT_HORIZON, Claim, ClassStatus, Timeline, View, overall_status, parse_horizon, parse_view

try:
    __version__ = version("karabakh_routes")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "Claim",
    "ClassStatus",
    "DataError",
    "DateError",
    "DEFAULT_HORIZON",
    "DateSpan",
    "EVENT_TYPES",
    "Event",
    "KarabakhRoutesWarning",
    "Ledger",
    "Period",
    "Place",
    "PlaceNotFoundError",
    "Problem",
    "Reach",
    "RoadModel",
    "Route",
    "STATUSES",
    "Source",
    "TRAFFIC_CLASSES",
    "Timeline",
    "TrafficError",
    "View",
    "ViewError",
    "__version__",
    "graph_from_gdfs",
    "graph_from_geodata",
    "graph_to_gdfs",
    "load",
    "normalize_name",
    "overall_status",
    "parse_edtf",
    "parse_horizon",
    "parse_view",
    "periods",
    "reach",
    "read_events",
    "read_ledger",
    "read_places",
    "read_routes",
    "read_sources",
    "to_date",
    "write_events",
    "write_sources",
]
